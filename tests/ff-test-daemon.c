/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

#include "ff-test-daemon.h"

#define FF_TEST_BUS_NAME "org.fastflow.Orchestrator1"
#define FF_TEST_START_TIMEOUT_S 30

static const gchar *
required_env (const gchar *name)
{
  const gchar *value = g_getenv (name);

  if (value == NULL)
    g_error ("%s is not set; run the tests through meson test", name);
  return value;
}

/* GTestDBus forks a watcher that kills the bus once the test is gone; it
 * notices when every copy of its pipe's write end is closed. GLib 2.74
 * makes that pipe without close-on-exec, so every later dbus-daemon holds
 * a copy: a test that aborts leaves its bus and the watcher running, and
 * meson waits for their output until its own timeout. */
static void
set_close_on_exec_all (void)
{
  g_autoptr (GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  const gchar *name;

  if (dir == NULL)
    return;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      gint fd = (gint) g_ascii_strtoll (name, NULL, 10);
      gint flags;

      if (fd <= 2)
        continue;
      flags = fcntl (fd, F_GETFD);
      if (flags >= 0)
        fcntl (fd, F_SETFD, flags | FD_CLOEXEC);
    }
}

FfTestDaemon *
ff_test_daemon_new (void)
{
  FfTestDaemon *self = g_new0 (FfTestDaemon, 1);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *xdg = NULL;

  self->tmpdir = g_dir_make_tmp ("fastflow-test-XXXXXX", &error);
  g_assert_no_error (error);
  self->pipelines_dir = g_build_filename (self->tmpdir, "pipelines", NULL);
  self->state_dir = g_build_filename (self->tmpdir, "state", NULL);
  self->config_path = g_build_filename (self->tmpdir, "fastflow.conf", NULL);
  g_assert_cmpint (g_mkdir_with_parents (self->pipelines_dir, 0755), ==, 0);
  g_file_set_contents (self->config_path, "[daemon]\n", -1, &error);
  g_assert_no_error (error);

  /* keep the user's own configuration and state out of the test */
  xdg = g_build_filename (self->tmpdir, "xdg", NULL);
  g_setenv ("XDG_CONFIG_HOME", xdg, TRUE);
  g_setenv ("XDG_STATE_HOME", xdg, TRUE);
  g_setenv ("XDG_DATA_HOME", xdg, TRUE);

  set_close_on_exec_all ();
  self->bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (self->bus);
  self->connection = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  return self;
}

void
ff_test_daemon_add_pipeline (FfTestDaemon *self, const gchar *name, ...)
{
  g_autofree gchar *dir = g_build_filename (self->pipelines_dir, name, NULL);
  const gchar *file;
  va_list args;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  va_start (args, name);
  while ((file = va_arg (args, const gchar *)) != NULL)
    {
      const gchar *content = va_arg (args, const gchar *);
      g_autofree gchar *path = g_build_filename (dir, file, NULL);
      g_autoptr (GError) error = NULL;

      g_file_set_contents (path, content, -1, &error);
      g_assert_no_error (error);
    }
  va_end (args);
}

static void
on_name_appeared (GDBusConnection *connection,
                  const gchar *name,
                  const gchar *owner,
                  gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
}

/* The wait outlives start-up when the daemon does not exit, so its state
 * is on the heap and whoever is last frees it. */
typedef struct
{
  gboolean exited;
  gboolean abandoned;
} ExitWait;

static void
on_daemon_exited (GObject *source, GAsyncResult *result, gpointer user_data)
{
  ExitWait *wait = user_data;

  if (wait->abandoned)
    {
      g_free (wait);
      return;
    }
  wait->exited = TRUE;
}

typedef struct
{
  gboolean appeared;
  ExitWait *exit;
} StartWait;

/* The daemon owns its name, or will never own it. */
static gboolean
start_settled (gpointer data)
{
  StartWait *start = data;

  return start->appeared || start->exit->exited;
}

void
ff_test_daemon_start (FfTestDaemon *self, ...)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  ExitWait *wait = g_new0 (ExitWait, 1);
  StartWait start = { FALSE, wait };
  guint watch;
  const gchar *arg;
  va_list args;

  g_assert_null (self->daemon);
  g_ptr_array_add (argv, g_strdup (required_env ("FASTFLOWD")));
  g_ptr_array_add (argv, g_strdup_printf ("--pipelines-dir=%s", self->pipelines_dir));
  g_ptr_array_add (argv, g_strdup_printf ("--state-dir=%s", self->state_dir));
  g_ptr_array_add (argv, g_strdup_printf ("--config=%s", self->config_path));
  va_start (args, self);
  while ((arg = va_arg (args, const gchar *)) != NULL)
    g_ptr_array_add (argv, g_strdup (arg));
  va_end (args);
  g_ptr_array_add (argv, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_subprocess_launcher_setenv (launcher, "DBUS_SESSION_BUS_ADDRESS",
                                g_test_dbus_get_bus_address (self->bus), TRUE);
  g_subprocess_launcher_set_child_setup (launcher, ff_test_die_with_parent, NULL, NULL);
  self->daemon =
      g_subprocess_launcher_spawnv (launcher, (const gchar *const *) argv->pdata, &error);
  g_assert_no_error (error);

  watch = g_bus_watch_name_on_connection (self->connection, FF_TEST_BUS_NAME,
                                          G_BUS_NAME_WATCHER_FLAGS_NONE, on_name_appeared, NULL,
                                          &start.appeared, NULL);
  g_subprocess_wait_async (self->daemon, cancellable, on_daemon_exited, wait);
  ff_test_wait_until_within (start_settled, &start, FF_TEST_START_TIMEOUT_S,
                             "fastflowd to own " FF_TEST_BUS_NAME);
  g_bus_unwatch_name (watch);
  if (wait->exited)
    g_error ("fastflowd exited during start-up with status %d",
             g_subprocess_get_status (self->daemon));
  wait->abandoned = TRUE;
  g_cancellable_cancel (cancellable);
}

static void
wait_for_exit (FfTestDaemon *self)
{
  g_autoptr (GError) error = NULL;

  g_subprocess_wait (self->daemon, NULL, &error);
  g_assert_no_error (error);
}

void
ff_test_daemon_stop (FfTestDaemon *self)
{
  g_assert_nonnull (self->daemon);
  g_subprocess_send_signal (self->daemon, SIGTERM);
  wait_for_exit (self);
  g_assert_true (g_subprocess_get_if_exited (self->daemon));
  g_assert_cmpint (g_subprocess_get_exit_status (self->daemon), ==, 0);
  g_clear_object (&self->daemon);
}

void
ff_test_daemon_kill (FfTestDaemon *self)
{
  g_assert_nonnull (self->daemon);
  g_subprocess_force_exit (self->daemon);
  wait_for_exit (self);
  g_clear_object (&self->daemon);
}

gint
ff_test_daemon_ctl (FfTestDaemon *self, gchar **out, gchar **err, ...)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GSubprocess) proc = NULL;
  g_autoptr (GError) error = NULL;
  const gchar *arg;
  va_list args;

  /* a test may pass the same out and err to call after call */
  if (out != NULL)
    g_clear_pointer (out, g_free);
  if (err != NULL)
    g_clear_pointer (err, g_free);
  g_ptr_array_add (argv, (gpointer) required_env ("FASTFLOWCTL"));
  va_start (args, err);
  while ((arg = va_arg (args, const gchar *)) != NULL)
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  launcher =
      g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_setenv (launcher, "DBUS_SESSION_BUS_ADDRESS",
                                g_test_dbus_get_bus_address (self->bus), TRUE);
  proc = g_subprocess_launcher_spawnv (launcher, (const gchar *const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, NULL, NULL, out, err, &error);
  g_assert_no_error (error);
  if (g_subprocess_get_if_signaled (proc))
    g_error ("fastflowctl died of signal %d", g_subprocess_get_term_sig (proc));
  return g_subprocess_get_exit_status (proc);
}

static GSubprocess *
spawn_ctl_va (FfTestDaemon *self, GSubprocessLauncher *launcher, va_list args)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  GSubprocess *proc;
  const gchar *arg;

  g_ptr_array_add (argv, (gpointer) required_env ("FASTFLOWCTL"));
  while ((arg = va_arg (args, const gchar *)) != NULL)
    g_ptr_array_add (argv, (gpointer) arg);
  g_ptr_array_add (argv, NULL);
  g_subprocess_launcher_setenv (launcher, "DBUS_SESSION_BUS_ADDRESS",
                                g_test_dbus_get_bus_address (self->bus), TRUE);
  proc = g_subprocess_launcher_spawnv (launcher, (const gchar *const *) argv->pdata, &error);
  g_assert_no_error (error);
  return proc;
}

GSubprocess *
ff_test_daemon_spawn_ctl (FfTestDaemon *self, GSubprocessLauncher *launcher, ...)
{
  GSubprocess *proc;
  va_list args;

  va_start (args, launcher);
  proc = spawn_ctl_va (self, launcher, args);
  va_end (args);
  return proc;
}

gint
ff_test_daemon_ctl_bytes (FfTestDaemon *self, GBytes **out, gchar **err, ...)
{
  g_autoptr (GSubprocessLauncher) launcher =
      g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr (GSubprocess) proc = NULL;
  g_autoptr (GBytes) err_bytes = NULL;
  g_autoptr (GError) error = NULL;
  va_list args;

  va_start (args, err);
  proc = spawn_ctl_va (self, launcher, args);
  va_end (args);
  g_subprocess_communicate (proc, NULL, NULL, out, &err_bytes, &error);
  g_assert_no_error (error);
  if (err != NULL)
    *err = g_strndup (g_bytes_get_data (err_bytes, NULL), g_bytes_get_size (err_bytes));
  if (g_subprocess_get_if_signaled (proc))
    g_error ("fastflowctl died of signal %d", g_subprocess_get_term_sig (proc));
  return g_subprocess_get_exit_status (proc);
}

void
ff_test_daemon_free (FfTestDaemon *self)
{
  if (self->daemon != NULL)
    ff_test_daemon_kill (self);
  g_clear_object (&self->connection);
  g_test_dbus_down (self->bus);
  g_clear_object (&self->bus);
  ff_test_remove_tree (self->tmpdir);
  g_free (self->tmpdir);
  g_free (self->pipelines_dir);
  g_free (self->state_dir);
  g_free (self->config_path);
  g_free (self);
}
