/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <grp.h>
#include <string.h>
#include <unistd.h>

#include "ff-test-daemon.h"

/* fastflowd --system on a bus that lets every user in, as a system bus
 * with a careless policy would: fastflowd itself refuses callers that are
 * not root, not its own user and not in its group. Clients of another
 * user are run through setpriv, so the test needs root; it is run as root
 * in CI (scripts/run-tests). */

#define NOBODY "65534"
#define MANAGER_PATH "/org/fastflow/Orchestrator1"
#define RUN1_PATH MANAGER_PATH "/Run/1"
#define PROPERTIES "org.freedesktop.DBus.Properties"

typedef struct
{
  gchar *dir;
  gchar *address;
  GSubprocess *bus;
  GSubprocess *daemon;
  GDBusConnection *connection;
  gchar *ctl; /* a copy of fastflowctl that any user may run */
} SystemBus;

static const gchar bus_config[] =
    "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN\"\n"
    " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
    "<busconfig>\n"
    "  <type>system</type>\n"
    "  <listen>unix:path=%s/bus</listen>\n"
    "  <auth>EXTERNAL</auth>\n"
    /* the policy fastflow installs must at least be one dbus-daemon reads */
    "  <include>%s</include>\n"
    "  <policy context=\"default\">\n"
    "    <allow user=\"*\"/>\n"
    "    <allow own=\"*\"/>\n"
    "    <allow send_destination=\"*\"/>\n"
    "    <allow receive_sender=\"*\"/>\n"
    "  </policy>\n"
    "</busconfig>\n";

static void
copy_file (const gchar *from, const gchar *to)
{
  g_autoptr (GFile) src = g_file_new_for_path (from);
  g_autoptr (GFile) dest = g_file_new_for_path (to);
  g_autoptr (GError) error = NULL;

  g_file_copy (src, dest, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (to, 0755), ==, 0);
}

/* fastflowctl finds its library at $ORIGIN/../lib, so the copy keeps that
 * shape; the build tree may not be open to other users. */
static gchar *
public_ctl (const gchar *dir)
{
  const gchar *ctl = g_getenv ("FASTFLOWCTL");
  g_autofree gchar *bin = g_build_filename (dir, "bin", NULL);
  g_autofree gchar *lib = g_build_filename (dir, "lib", NULL);
  g_autofree gchar *build_lib = NULL;
  g_autofree gchar *copy = g_build_filename (bin, "fastflowctl", NULL);
  g_autofree gchar *lib_copy = g_build_filename (lib, "libfastflow-1.so.1", NULL);
  g_autofree gchar *ctl_dir = NULL;

  g_assert_nonnull (ctl);
  ctl_dir = g_path_get_dirname (ctl);
  build_lib = g_build_filename (ctl_dir, "..", "lib", "libfastflow-1.so.1", NULL);
  g_assert_cmpint (g_mkdir_with_parents (bin, 0755), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (lib, 0755), ==, 0);
  copy_file (ctl, copy);
  copy_file (build_lib, lib_copy);
  return g_steal_pointer (&copy);
}

/* A pipeline whose name and output nobody may learn: it prints its marker
 * once the test has created the gate, so that a follower is in place. */
#define SECRET_PIPELINE "payroll-export"
#define SECRET_MARKER "TOPSECRET-OUTPUT"

static void
write_gated_pipeline (const gchar *dir, const gchar *pipelines)
{
  g_autofree gchar *folder = g_build_filename (pipelines, SECRET_PIPELINE, NULL);
  g_autofree gchar *main_sh = g_build_filename (folder, "main.sh", NULL);
  g_autofree gchar *gate = g_build_filename (dir, "gate", NULL);
  g_autofree gchar *script =
      g_strdup_printf ("while [ ! -e '%s' ]; do sleep 0.1; done\necho " SECRET_MARKER "\n", gate);
  g_autoptr (GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (folder, 0755), ==, 0);
  g_file_set_contents (main_sh, script, -1, &error);
  g_assert_no_error (error);
}

static void
on_name_appeared (GDBusConnection *c, const gchar *name, const gchar *owner, gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
}

static SystemBus *
system_bus_new (const gchar *config)
{
  SystemBus *self = g_new0 (SystemBus, 1);
  g_autoptr (GError) error = NULL;
  g_autoptr (GString) line = g_string_new (NULL);
  g_autofree gchar *conf_path = NULL, *conf = NULL, *policy = NULL;
  g_autofree gchar *pipelines = NULL, *state = NULL, *daemon_conf = NULL, *pipeline = NULL;
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  gboolean appeared = FALSE;
  guint watch;

  self->dir = g_dir_make_tmp ("ff-system-bus-XXXXXX", &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (self->dir, 0755), ==, 0);
  self->ctl = public_ctl (self->dir);

  policy =
      g_test_build_filename (G_TEST_DIST, "..", "data", "org.fastflow.Orchestrator1.conf", NULL);
  conf = g_strdup_printf (bus_config, self->dir, policy);
  conf_path = g_build_filename (self->dir, "bus.conf", NULL);
  g_file_set_contents (conf_path, conf, -1, &error);
  g_assert_no_error (error);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_set_child_setup (launcher, ff_test_die_with_parent, NULL, NULL);
  self->bus = g_subprocess_launcher_spawn (launcher, &error, "dbus-daemon", "--nofork",
                                           "--print-address=1", "--config-file", conf_path, NULL);
  g_clear_object (&launcher);
  g_assert_no_error (error);
  ff_test_wait_for_text (g_subprocess_get_stdout_pipe (self->bus), line, "\n");
  self->address = g_strstrip (g_strdup (line->str));
  self->connection =
      g_dbus_connection_new_for_address_sync (self->address,
                                              G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                  G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                              NULL, NULL, &error);
  g_assert_no_error (error);

  pipelines = g_build_filename (self->dir, "pipelines", NULL);
  pipeline = g_build_filename (pipelines, "hello", NULL);
  g_assert_cmpint (g_mkdir_with_parents (pipeline, 0755), ==, 0);
  g_free (pipeline);
  pipeline = g_build_filename (pipelines, "hello", "main.sh", NULL);
  g_file_set_contents (pipeline, "echo hello from the system\n", -1, &error);
  g_assert_no_error (error);
  write_gated_pipeline (self->dir, pipelines);
  state = g_build_filename (self->dir, "state", NULL);
  daemon_conf = g_build_filename (self->dir, "fastflow.conf", NULL);
  g_file_set_contents (daemon_conf, config, -1, &error);
  g_assert_no_error (error);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_subprocess_launcher_set_child_setup (launcher, ff_test_die_with_parent, NULL, NULL);
  g_subprocess_launcher_setenv (launcher, "DBUS_SYSTEM_BUS_ADDRESS", self->address, TRUE);
  self->daemon = g_subprocess_launcher_spawn (
      launcher, &error, g_getenv ("FASTFLOWD"), "--system", "--pipelines-dir", pipelines,
      "--state-dir", state, "--config", daemon_conf, "--default-executor", "local", NULL);
  g_assert_no_error (error);
  watch = g_bus_watch_name_on_connection (self->connection, "org.fastflow.Orchestrator1",
                                          G_BUS_NAME_WATCHER_FLAGS_NONE, on_name_appeared, NULL,
                                          &appeared, NULL);
  ff_test_wait_until (ff_test_is_set, &appeared, "fastflowd to own its name");
  g_bus_unwatch_name (watch);
  return self;
}

static void
system_bus_free (SystemBus *self)
{
  g_autoptr (GError) error = NULL;

  g_subprocess_send_signal (self->daemon, SIGTERM);
  g_subprocess_wait (self->daemon, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (self->daemon));
  g_assert_cmpint (g_subprocess_get_exit_status (self->daemon), ==, 0);
  g_clear_object (&self->daemon);
  g_dbus_connection_close_sync (self->connection, NULL, NULL);
  g_clear_object (&self->connection);
  g_subprocess_force_exit (self->bus);
  g_subprocess_wait (self->bus, NULL, NULL);
  g_clear_object (&self->bus);
  ff_test_remove_tree (self->dir);
  g_free (self->dir);
  g_free (self->address);
  g_free (self->ctl);
  g_free (self);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SystemBus, system_bus_free)

/* @argv through setpriv as @uid:@gid with no other groups (@uid NULL: as
 * the test's own user, root), on the test's bus. */
static GSubprocess *
spawn_as (SystemBus *bus, const gchar *uid, const gchar *gid, GPtrArray *argv)
{
  g_autoptr (GPtrArray) full = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GSubprocessLauncher) launcher =
      g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr (GError) error = NULL;
  GSubprocess *proc;

  if (uid != NULL)
    {
      g_ptr_array_add (full, g_strdup ("setpriv"));
      g_ptr_array_add (full, g_strdup_printf ("--reuid=%s", uid));
      g_ptr_array_add (full, g_strdup_printf ("--regid=%s", gid));
      g_ptr_array_add (full, g_strdup ("--clear-groups"));
      g_ptr_array_add (full, g_strdup ("--"));
    }
  for (guint i = 0; i < argv->len; i++)
    g_ptr_array_add (full, g_strdup (g_ptr_array_index (argv, i)));
  g_ptr_array_add (full, NULL);

  g_subprocess_launcher_set_child_setup (launcher, ff_test_die_with_parent, NULL, NULL);
  g_subprocess_launcher_setenv (launcher, "DBUS_SYSTEM_BUS_ADDRESS", bus->address, TRUE);
  g_subprocess_launcher_setenv (launcher, "LC_ALL", "C.UTF-8", TRUE);
  g_subprocess_launcher_set_cwd (launcher, "/");
  proc = g_subprocess_launcher_spawnv (launcher, (const gchar *const *) full->pdata, &error);
  g_assert_no_error (error);
  return proc;
}

static gint
run_as (
    SystemBus *bus, const gchar *uid, const gchar *gid, gchar **out, gchar **err, GPtrArray *argv)
{
  g_autoptr (GSubprocess) proc = spawn_as (bus, uid, gid, argv);
  g_autoptr (GError) error = NULL;

  g_subprocess_communicate_utf8 (proc, NULL, NULL, out, err, &error);
  g_assert_no_error (error);
  return g_subprocess_get_exit_status (proc);
}

static void
add_args (GPtrArray *argv, va_list args)
{
  const gchar *arg;

  while ((arg = va_arg (args, const gchar *)) != NULL)
    g_ptr_array_add (argv, g_strdup (arg));
}

/* fastflowctl --system as @uid (NULL: as the test's own user, root). */
static gint
ctl_as (SystemBus *bus, const gchar *uid, const gchar *gid, gchar **out, gchar **err, ...)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  va_list args;

  g_ptr_array_add (argv, g_strdup (bus->ctl));
  g_ptr_array_add (argv, g_strdup ("--system"));
  va_start (args, err);
  add_args (argv, args);
  va_end (args);
  return run_as (bus, uid, gid, out, err, argv);
}

/* A D-Bus tool (gdbus, dbus-send) as @uid, arguments NULL-terminated. */
static gint
tool_as (SystemBus *bus, const gchar *uid, const gchar *gid, gchar **out, gchar **err, ...)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  va_list args;

  g_clear_pointer (out, g_free);
  g_clear_pointer (err, g_free);
  va_start (args, err);
  add_args (argv, args);
  va_end (args);
  return run_as (bus, uid, gid, out, err, argv);
}

/* gdbus's options for @path of fastflowd on the system bus */
#define ON_BUS(path) "--system", "--dest", "org.fastflow.Orchestrator1", "--object-path", path
/* dbus-send makes the call first thing, gdbus introspects first */
#define GET_MANAGED_OBJECTS                                                                        \
  "dbus-send", "--system", "--print-reply", "--dest=org.fastflow.Orchestrator1", MANAGER_PATH,     \
      "org.freedesktop.DBus.ObjectManager.GetManagedObjects"
static gboolean
have_root (void)
{
  if (geteuid () == 0)
    return TRUE;
  g_test_skip ("calls as another user need root (setpriv)");
  return FALSE;
}

/* The call was refused, and nothing of the run came with the refusal. */
static void
assert_denied (const gchar *out, const gchar *err)
{
  g_assert_nonnull (strstr (err, "org.fastflow.Orchestrator1.Error.AccessDenied"));
  g_assert_null (strstr (out, "hello"));
  g_assert_null (strstr (out, "Pipeline"));
}

/* The state folder's modes and, when @group is set, its group: shared with
 * the group that may call fastflowd, or with no one. */
static void
assert_state_modes (SystemBus *bus, const gchar *group)
{
  struct group *entry = group != NULL ? getgrnam (group) : NULL;
  const gchar *const paths[] = { "state", "state/logs", "state/fastflow.db", "state/logs/1.log" };
  const guint shared[] = { 02750, 02750, 0640, 0640 };
  const guint owner_only[] = { 0700, 0700, 0600, 0600 };

  g_assert_true (group == NULL || entry != NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autofree gchar *path = g_build_filename (bus->dir, paths[i], NULL);
      GStatBuf st;

      g_assert_cmpint (g_stat (path, &st), ==, 0);
      g_test_message ("%s: %04o, group %u", path, (guint) (st.st_mode & 07777), (guint) st.st_gid);
      g_assert_cmpuint (st.st_mode & 07777, ==, entry != NULL ? shared[i] : owner_only[i]);
      if (entry != NULL)
        g_assert_cmpuint (st.st_gid, ==, entry->gr_gid);
    }
}

static void
test_refused (void)
{
  g_autoptr (SystemBus) bus = NULL;
  g_autofree gchar *out = NULL, *err = NULL;

  if (!have_root ())
    return;
  bus = system_bus_new ("[daemon]\nsystem_group=ff-no-such-group\n");

  /* root may */
  g_assert_cmpint (ctl_as (bus, NULL, NULL, &out, &err, "run", "hello", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "hello from the system\n");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* nobody may not: not to list, not to start, not to read a property */
  g_assert_cmpint (ctl_as (bus, NOBODY, NOBODY, &out, &err, "pipelines", NULL), !=, 0);
  g_assert_nonnull (strstr (err, "Access denied"));
  g_assert_nonnull (strstr (err, "nobody"));
  g_assert_nonnull (strstr (err, "ff-no-such-group"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (ctl_as (bus, NOBODY, NOBODY, &out, &err, "run", "hello", NULL), !=, 0);
  g_assert_nonnull (strstr (err, "Access denied"));
  g_assert_null (strstr (out, "hello from the system"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (ctl_as (bus, NOBODY, NOBODY, &out, &err, "status", "1", NULL), !=, 0);
  g_assert_nonnull (strstr (err, "Access denied"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  /* the log neither through the bus nor as a descriptor (OpenLog) */
  g_assert_cmpint (ctl_as (bus, NOBODY, NOBODY, &out, &err, "logs", "1", NULL), !=, 0);
  g_assert_nonnull (strstr (err, "Access denied"));
  g_assert_null (strstr (out, "hello from the system"));

  /* nor a property through org.freedesktop.DBus.Properties, nor the
   * object tree, nor what the objects look like */
  g_assert_cmpint (tool_as (bus, NOBODY, NOBODY, &out, &err, "gdbus", "call", ON_BUS (MANAGER_PATH),
                            "--method", PROPERTIES ".GetAll",
                            "'org.fastflow.Orchestrator1.Manager'", NULL),
                   !=, 0);
  assert_denied (out, err);
  g_assert_cmpint (tool_as (bus, NOBODY, NOBODY, &out, &err, "gdbus", "call", ON_BUS (RUN1_PATH),
                            "--method", PROPERTIES ".Get", "'org.fastflow.Orchestrator1.Run'",
                            "'Pipeline'", NULL),
                   !=, 0);
  assert_denied (out, err);
  g_assert_cmpint (tool_as (bus, NOBODY, NOBODY, &out, &err, "gdbus", "call", ON_BUS (RUN1_PATH),
                            "--method", PROPERTIES ".GetAll", "'org.fastflow.Orchestrator1.Run'",
                            NULL),
                   !=, 0);
  assert_denied (out, err);
  g_assert_cmpint (tool_as (bus, NOBODY, NOBODY, &out, &err, GET_MANAGED_OBJECTS, NULL), !=, 0);
  assert_denied (out, err);
  g_assert_cmpint (
      tool_as (bus, NOBODY, NOBODY, &out, &err, "gdbus", "introspect", ON_BUS (RUN1_PATH), NULL),
      !=, 0);
  assert_denied (out, err);
  /* nor as files: a group the system does not know shares nothing */
  assert_state_modes (bus, NULL);
}

/* A member of the group may do everything. */
static void
test_group_member (void)
{
  g_autoptr (SystemBus) bus = NULL;
  g_autofree gchar *out = NULL, *err = NULL;

  if (!have_root ())
    return;
  bus = system_bus_new ("[daemon]\nsystem_group=nogroup\n");
  g_assert_cmpint (ctl_as (bus, NOBODY, NOBODY, &out, &err, "run", "hello", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "hello from the system\n");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  /* the log file is the daemon's (0640), the descriptor it hands out is readable */
  g_assert_cmpint (ctl_as (bus, NOBODY, NOBODY, &out, &err, "logs", "1", "--follow", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "hello from the system\n");

  /* properties and the object tree, each as a new client's first call */
  g_assert_cmpint (tool_as (bus, NOBODY, NOBODY, &out, &err, "gdbus", "call", ON_BUS (MANAGER_PATH),
                            "--method", PROPERTIES ".GetAll",
                            "'org.fastflow.Orchestrator1.Manager'", NULL),
                   ==, 0);
  g_assert_nonnull (strstr (out, "'Version'"));
  g_assert_cmpint (tool_as (bus, NOBODY, NOBODY, &out, &err, "gdbus", "call", ON_BUS (RUN1_PATH),
                            "--method", PROPERTIES ".Get", "'org.fastflow.Orchestrator1.Run'",
                            "'Pipeline'", NULL),
                   ==, 0);
  g_assert_cmpstr (out, ==, "(<'hello'>,)\n");
  g_assert_cmpint (tool_as (bus, NOBODY, NOBODY, &out, &err, GET_MANAGED_OBJECTS, NULL), ==, 0);
  g_assert_nonnull (strstr (out, "object path \"" RUN1_PATH "\""));
  g_assert_nonnull (strstr (out, "string \"hello\""));
  g_assert_cmpint (
      tool_as (bus, NOBODY, NOBODY, &out, &err, "gdbus", "introspect", ON_BUS (RUN1_PATH), NULL),
      ==, 0);
  g_assert_nonnull (strstr (out, "org.fastflow.Orchestrator1.Run"));

  assert_state_modes (bus, "nogroup");
}

typedef struct
{
  GString *output;   /* the Output signals' bytes, as received */
  gchar *run;        /* the run's object path */
  gboolean finished; /* RunFinished for it came */
} Follower;

static void
on_follower_signal (GDBusConnection *connection,
                    const gchar *sender,
                    const gchar *path,
                    const gchar *interface,
                    const gchar *signal,
                    GVariant *parameters,
                    gpointer user_data)
{
  Follower *follower = user_data;

  if (g_strcmp0 (signal, "Output") == 0 && g_strcmp0 (path, follower->run) == 0)
    {
      g_autoptr (GVariant) data = g_variant_get_child_value (parameters, 1);
      gsize len = 0;
      const gchar *bytes = g_variant_get_fixed_array (data, &len, 1);

      g_string_append_len (follower->output, bytes, len);
    }
  else if (g_strcmp0 (signal, "RunFinished") == 0)
    {
      const gchar *run = NULL;

      g_variant_get (parameters, "(&o&s&si&s&s)", &run, NULL, NULL, NULL, NULL, NULL);
      follower->finished = g_strcmp0 (run, follower->run) == 0;
    }
}

static GVariant *
call (
    SystemBus *bus, const gchar *path, const gchar *interface, const gchar *method, GVariant *args)
{
  g_autoptr (GError) error = NULL;
  GVariant *reply =
      g_dbus_connection_call_sync (bus->connection, "org.fastflow.Orchestrator1", path, interface,
                                   method, args, NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);

  g_assert_no_error (error);
  return reply;
}

/* Signals reach every client whose match rule the bus policy allows, so
 * fastflowd sends them only to the clients it has let in: a user who may
 * not call it learns no pipeline name and no byte of output from them,
 * while an authorized follower (the protocol of the Output signal:
 * subscribe, then ReadLog) gets all of it. */
static void
test_signals (void)
{
  g_autoptr (SystemBus) bus = NULL;
  g_autoptr (GSubprocess) monitor = NULL;
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GString) seen = g_string_new (NULL);
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *gate = NULL;
  Follower follower = { .output = g_string_new (NULL) };
  guint subscription;

  if (!have_root ())
    return;
  bus = system_bus_new ("[daemon]\nsystem_group=ff-no-such-group\n");

  /* nobody listens to every signal on the bus; a monitor that cannot
   * become one (BecomeMonitor is for root) adds match rules, and says
   * NameAcquired once they are in place */
  g_ptr_array_add (argv, g_strdup ("dbus-monitor"));
  g_ptr_array_add (argv, g_strdup ("--system"));
  g_ptr_array_add (argv, g_strdup ("type='signal'"));
  monitor = spawn_as (bus, NOBODY, NOBODY, argv);
  ff_test_wait_for_text (g_subprocess_get_stdout_pipe (monitor), seen, "member=NameAcquired");

  subscription = g_dbus_connection_signal_subscribe (
      bus->connection, "org.fastflow.Orchestrator1", NULL, NULL, NULL, NULL,
      G_DBUS_SIGNAL_FLAGS_NONE, on_follower_signal, &follower, NULL);
  reply = call (bus, MANAGER_PATH, "org.fastflow.Orchestrator1.Manager", "StartRun",
                g_variant_new_parsed ("(%s, @a{sv} {})", SECRET_PIPELINE));
  g_variant_get (reply, "(o)", &follower.run);
  g_clear_pointer (&reply, g_variant_unref);
  reply = call (bus, follower.run, "org.fastflow.Orchestrator1.Run", "ReadLog",
                g_variant_new ("(tu)", (guint64) 0, 65536));
  gate = g_build_filename (bus->dir, "gate", NULL);
  g_file_set_contents (gate, "", 0, &error);
  g_assert_no_error (error);
  ff_test_wait_for_flag (&follower.finished);
  g_assert_cmpstr (follower.output->str, ==, SECRET_MARKER "\n");
  g_dbus_connection_signal_unsubscribe (bus->connection, subscription);

  /* RunFinished has passed the bus: whatever nobody was going to get of
   * the run is queued for it before this signal */
  g_dbus_connection_emit_signal (bus->connection, NULL, "/org/fastflow/Test", "org.fastflow.Test",
                                 "Barrier", NULL, &error);
  g_assert_no_error (error);
  ff_test_wait_for_text (g_subprocess_get_stdout_pipe (monitor), seen, "member=Barrier");
  g_test_message ("nobody's monitor saw:\n%s", seen->str);
  g_assert_null (strstr (seen->str, SECRET_PIPELINE));
  g_assert_null (strstr (seen->str, SECRET_MARKER));
  /* dbus-monitor shows the bytes of a line as hex */
  g_assert_null (strstr (seen->str, "54 4f 50 53 45 43 52 45 54"));
  g_assert_null (strstr (seen->str, "path=" MANAGER_PATH));

  g_subprocess_force_exit (monitor);
  ff_test_wait_for_exit (monitor);
  g_string_free (follower.output, TRUE);
  g_free (follower.run);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/system-bus/refused", test_refused);
  g_test_add_func ("/system-bus/group-member", test_group_member);
  g_test_add_func ("/system-bus/signals", test_signals);
  return g_test_run ();
}
