/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <gio/gunixfdlist.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "ff-dbus-generated.h"
#include "ff-test-daemon.h"

#define BUS_NAME "org.fastflow.Orchestrator1"
#define MANAGER_PATH "/org/fastflow/Orchestrator1"
#define RUN_IFACE "org.fastflow.Orchestrator1.Run"
#define ERROR_PREFIX "org.fastflow.Orchestrator1.Error."

/* A client of one daemon: a manager proxy and everything the daemon
 * announced since the client was made. */
typedef struct
{
  FfTestDaemon *daemon;
  FfDBusManager *manager;
  GPtrArray *created;   /* run paths, in RunCreated order */
  GHashTable *finished; /* run path → (osi) of RunFinished */
  GHashTable *outputs;  /* run path → GByteArray of its Output signals */
  guint output_sub;
} Client;

static void
on_run_created (FfDBusManager *manager, const gchar *run, const gchar *pipeline, Client *c)
{
  g_ptr_array_add (c->created, g_strdup (run));
}

static void
on_run_finished (FfDBusManager *manager,
                 const gchar *run,
                 const gchar *pipeline,
                 const gchar *state,
                 gint exit_code,
                 const gchar *error_class,
                 const gchar *reason,
                 Client *c)
{
  g_assert_false (g_hash_table_contains (c->finished, run));
  g_hash_table_insert (c->finished, g_strdup (run),
                       g_variant_ref_sink (g_variant_new ("(ssiss)", pipeline, state, exit_code,
                                                          error_class, reason)));
}

static void
on_output (GDBusConnection *connection,
           const gchar *sender,
           const gchar *path,
           const gchar *iface,
           const gchar *member,
           GVariant *params,
           gpointer user_data)
{
  Client *c = user_data;
  g_autoptr (GVariant) data = NULL;
  GByteArray *log = g_hash_table_lookup (c->outputs, path);
  guint64 offset;

  if (log == NULL)
    {
      log = g_byte_array_new ();
      g_hash_table_insert (c->outputs, g_strdup (path), log);
    }
  g_variant_get (params, "(t@ay)", &offset, &data);
  /* contiguous and in order: each chunk starts where the last one ended */
  g_assert_cmpuint (offset, ==, log->len);
  g_byte_array_append (log, g_variant_get_data (data), g_variant_get_size (data));
}

/* Output signals are subscribed to before any StartRun goes out, so the
 * bus has the match rule before the run can print anything. */
static Client *
client_new (FfTestDaemon *daemon, gboolean follow_output)
{
  Client *c = g_new0 (Client, 1);
  g_autoptr (GError) error = NULL;

  c->daemon = daemon;
  c->created = g_ptr_array_new_with_free_func (g_free);
  c->finished =
      g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_variant_unref);
  c->outputs =
      g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_byte_array_unref);
  if (follow_output)
    c->output_sub =
        g_dbus_connection_signal_subscribe (daemon->connection, BUS_NAME, RUN_IFACE, "Output", NULL,
                                            NULL, G_DBUS_SIGNAL_FLAGS_NONE, on_output, c, NULL);
  c->manager = ff_dbus_manager_proxy_new_sync (daemon->connection, G_DBUS_PROXY_FLAGS_NONE,
                                               BUS_NAME, MANAGER_PATH, NULL, &error);
  g_assert_no_error (error);
  g_signal_connect (c->manager, "run-created", G_CALLBACK (on_run_created), c);
  g_signal_connect (c->manager, "run-finished", G_CALLBACK (on_run_finished), c);
  return c;
}

static void
client_free (Client *c)
{
  if (c->output_sub != 0)
    g_dbus_connection_signal_unsubscribe (c->daemon->connection, c->output_sub);
  g_signal_handlers_disconnect_by_data (c->manager, c);
  g_clear_object (&c->manager);
  g_ptr_array_unref (c->created);
  g_hash_table_unref (c->finished);
  g_hash_table_unref (c->outputs);
  g_free (c);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Client, client_free)

typedef struct
{
  Client *c;
  const gchar *path;
  const gchar *needle;
} RunWait;

static gboolean
run_has_finished (gpointer data)
{
  RunWait *w = data;
  return g_hash_table_contains (w->c->finished, w->path);
}

/* Returns the RunFinished arguments (pipeline, state, exit code, error
 * class, reason). */
static GVariant *
client_wait_finished (Client *c, const gchar *path)
{
  RunWait w = { c, path, NULL };
  g_autofree gchar *what = g_strdup_printf ("RunFinished of %s", path);

  ff_test_wait_until (run_has_finished, &w, what);
  return g_hash_table_lookup (c->finished, path);
}

static gboolean
output_has (gpointer data)
{
  RunWait *w = data;
  GByteArray *log = g_hash_table_lookup (w->c->outputs, w->path);

  return log != NULL && memmem (log->data, log->len, w->needle, strlen (w->needle)) != NULL;
}

/* A run that printed @needle is running: that is what long runs print
 * before they sleep. */
static void
client_wait_output (Client *c, const gchar *path, const gchar *needle)
{
  RunWait w = { c, path, needle };
  g_autofree gchar *what = g_strdup_printf ("“%s” in the output of %s", needle, path);

  g_assert_cmpuint (c->output_sub, !=, 0);
  ff_test_wait_until (output_has, &w, what);
}

static gchar *
client_start_run (Client *c, const gchar *pipeline, GVariant *options, GError **error)
{
  gchar *path = NULL;
  g_autoptr (GVariant) opts =
      g_variant_ref_sink (options != NULL ? options : g_variant_new ("a{sv}", NULL));

  if (!ff_dbus_manager_call_start_run_sync (c->manager, pipeline, opts, &path, NULL, error))
    return NULL;
  return path;
}

static gchar *
client_start (Client *c, const gchar *pipeline)
{
  g_autoptr (GError) error = NULL;
  gchar *path = client_start_run (c, pipeline, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (path);
  return path;
}

/* A fresh proxy reads the properties as they are now. */
static FfDBusRun *
client_get_run (Client *c, const gchar *path)
{
  g_autoptr (GError) error = NULL;
  FfDBusRun *run = ff_dbus_run_proxy_new_sync (c->daemon->connection, G_DBUS_PROXY_FLAGS_NONE,
                                               BUS_NAME, path, NULL, &error);

  g_assert_no_error (error);
  return run;
}

static guint64
run_id_of (const gchar *path)
{
  const gchar *slash = strrchr (path, '/');

  g_assert_nonnull (slash);
  return g_ascii_strtoull (slash + 1, NULL, 10);
}

/* ReadLog from @offset to the end, in chunks of at most @max. */
static GByteArray *
read_log_all (FfDBusRun *run, guint64 offset, guint max, gboolean *complete)
{
  GByteArray *all = g_byte_array_new ();

  for (;;)
    {
      g_autoptr (GVariant) data = NULL;
      g_autoptr (GError) error = NULL;
      guint64 next = 0;
      gboolean done = FALSE;
      gsize len;

      ff_dbus_run_call_read_log_sync (run, offset, max, &data, &next, &done, NULL, &error);
      g_assert_no_error (error);
      len = g_variant_get_size (data);
      g_assert_cmpuint (len, <=, max);
      g_assert_cmpuint (next, ==, offset + len);
      g_byte_array_append (all, g_variant_get_data (data), len);
      offset = next;
      if (len == 0 || done)
        {
          if (complete != NULL)
            *complete = done;
          return all;
        }
    }
}

static void
assert_bytes_equal (GByteArray *a, GByteArray *b)
{
  g_assert_cmpuint (a->len, ==, b->len);
  g_assert_true (memcmp (a->data, b->data, a->len) == 0);
}

/* For runs that were stopped by a signal: the code is the shell's. */
#define ANY_EXIT_CODE G_MININT

/* Waits for the end of @path and checks how it ended. */
static FfDBusRun *
client_wait_end (Client *c,
                 const gchar *path,
                 const gchar *state,
                 const gchar *error_class,
                 const gchar *reason,
                 gint exit_code)
{
  FfDBusRun *run;
  const gchar *signalled_state = NULL, *signalled_class = NULL, *signalled_reason = NULL;
  gint signalled_code = 0;

  g_variant_get (client_wait_finished (c, path), "(&s&si&s&s)", NULL, &signalled_state,
                 &signalled_code, &signalled_class, &signalled_reason);
  g_assert_cmpstr (signalled_state, ==, state);
  /* the signal alone tells a script why, without a property read */
  g_assert_cmpstr (signalled_class, ==, error_class);
  g_assert_cmpstr (signalled_reason, ==, reason);
  if (exit_code != ANY_EXIT_CODE)
    g_assert_cmpint (signalled_code, ==, exit_code);
  run = client_get_run (c, path);
  g_assert_cmpstr (ff_dbus_run_get_state (run), ==, state);
  g_assert_cmpstr (ff_dbus_run_get_error_class (run), ==, error_class);
  g_assert_cmpstr (ff_dbus_run_get_reason (run), ==, reason);
  g_assert_cmpint (ff_dbus_run_get_exit_code (run), ==, signalled_code);
  g_assert_cmpint (ff_dbus_run_get_finished_at (run), >, 0);
  return run;
}

static void
client_cancel (Client *c, const gchar *path)
{
  g_autoptr (FfDBusRun) run = client_get_run (c, path);
  g_autoptr (GError) error = NULL;

  ff_dbus_run_call_cancel_sync (run, NULL, &error);
  g_assert_no_error (error);
}

/* @error is the D-Bus error @name (without the prefix) and its message
 * contains @needle. */
static void
assert_dbus_error (const GError *error, const gchar *name, const gchar *needle)
{
  g_autofree gchar *remote = NULL;
  g_autofree gchar *expected = g_strconcat (ERROR_PREFIX, name, NULL);
  g_autoptr (GError) copy = NULL;

  g_assert_nonnull (error);
  remote = g_dbus_error_get_remote_error (error);
  g_assert_cmpstr (remote, ==, expected);
  copy = g_error_copy (error);
  g_dbus_error_strip_remote_error (copy);
  if (needle != NULL && strstr (copy->message, needle) == NULL)
    g_error ("“%s” does not mention “%s”", copy->message, needle);
}

static void
assert_start_fails (
    Client *c, const gchar *pipeline, GVariant *options, const gchar *name, const gchar *needle)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *path = client_start_run (c, pipeline, options, &error);

  g_assert_null (path);
  assert_dbus_error (error, name, needle);
}

/* 1: a run from StartRun to RunFinished */

static void
test_run_succeeds (void)
{
  g_autoptr (FfTestDaemon) d = ff_test_daemon_new ();
  g_autoptr (Client) c = NULL;
  g_autoptr (FfDBusRun) run = NULL;
  g_autofree gchar *path = NULL;
  g_autofree gchar *pipeline = NULL;
  g_autofree gchar *state = NULL;
  g_autofree gchar *error_class = NULL, *reason = NULL;
  gint exit_code = -1;
  GVariant *finished;

  ff_test_daemon_add_pipeline (d, "hello", "main.sh", "echo hello\n", NULL);
  ff_test_daemon_start (d, NULL);
  c = client_new (d, TRUE);

  path = client_start (c, "hello");
  g_assert_true (g_variant_is_object_path (path));
  g_assert_true (g_str_has_prefix (path, MANAGER_PATH "/Run/"));
  g_assert_cmpuint (run_id_of (path), >=, 1);

  finished = client_wait_finished (c, path);
  g_variant_get (finished, "(ssiss)", &pipeline, &state, &exit_code, &error_class, &reason);
  g_assert_cmpstr (pipeline, ==, "hello");
  g_assert_cmpstr (state, ==, "succeeded");
  g_assert_cmpint (exit_code, ==, 0);
  g_assert_cmpstr (error_class, ==, "none");
  g_assert_cmpstr (reason, ==, "");
  /* RunCreated came, and before RunFinished (it is recorded first) */
  g_assert_cmpuint (c->created->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (c->created, 0), ==, path);

  run = client_get_run (c, path);
  g_assert_cmpuint (ff_dbus_run_get_id (run), ==, run_id_of (path));
  g_assert_cmpstr (ff_dbus_run_get_pipeline (run), ==, "hello");
  g_assert_cmpstr (ff_dbus_run_get_state (run), ==, "succeeded");
  g_assert_cmpint (ff_dbus_run_get_exit_code (run), ==, 0);
  g_assert_cmpstr (ff_dbus_run_get_error_class (run), ==, "none");
  g_assert_cmpstr (ff_dbus_run_get_reason (run), ==, "");
  g_assert_cmpstr (ff_dbus_run_get_executor (run), ==, "local");
  g_assert_cmpint (ff_dbus_run_get_created_at (run), >, 0);
  g_assert_cmpint (ff_dbus_run_get_created_at (run), <=, ff_dbus_run_get_started_at (run));
  g_assert_cmpint (ff_dbus_run_get_started_at (run), <=, ff_dbus_run_get_finished_at (run));
  g_assert_cmpint (ff_dbus_run_get_finished_at (run), <=, g_get_real_time ());
}

static const gchar chatty_sh[] = "i=1\n"
                                 "while [ $i -le 200 ]; do\n"
                                 "  echo \"out $i\"\n"
                                 "  echo \"err $i\" >&2\n"
                                 "  i=$((i + 1))\n"
                                 "done\n";

static void
test_run_output (void)
{
  g_autoptr (FfTestDaemon) d = ff_test_daemon_new ();
  g_autoptr (Client) c = NULL;
  g_autoptr (FfDBusRun) run = NULL;
  g_autoptr (GByteArray) log = NULL;
  g_autoptr (GByteArray) chunked = NULL;
  g_autofree gchar *path = NULL;
  GByteArray *signalled;
  gboolean complete = FALSE;
  gsize expected = 0;
  const guint8 *out_pos, *err_pos;

  ff_test_daemon_add_pipeline (d, "chatty", "main.sh", chatty_sh, NULL);
  ff_test_daemon_start (d, NULL);
  c = client_new (d, TRUE);

  path = client_start (c, "chatty");
  run = client_wait_end (c, path, "succeeded", "none", "", 0);

  log = read_log_all (run, 0, 1024 * 1024, &complete);
  g_assert_true (complete);
  for (guint i = 1; i <= 200; i++)
    expected += 2 * (strlen ("out \n") + (i < 10 ? 1 : i < 100 ? 2 : 3));
  g_assert_cmpuint (log->len, ==, expected);

  /* the Output signals, put together, are the log */
  signalled = g_hash_table_lookup (c->outputs, path);
  g_assert_nonnull (signalled);
  assert_bytes_equal (signalled, log);

  /* small pieces add up to the same; only the last one is complete */
  chunked = read_log_all (run, 0, 1000, &complete);
  g_assert_true (complete);
  assert_bytes_equal (chunked, log);

  /* each stream keeps its own order */
  out_pos = err_pos = log->data;
  for (guint i = 1; i <= 200; i++)
    {
      g_autofree gchar *out = g_strdup_printf ("out %u\n", i);
      g_autofree gchar *err = g_strdup_printf ("err %u\n", i);
      out_pos = memmem (out_pos, log->data + log->len - out_pos, out, strlen (out));
      err_pos = memmem (err_pos, log->data + log->len - err_pos, err, strlen (err));
      g_assert_nonnull (out_pos);
      g_assert_nonnull (err_pos);
    }
}

/* ReadLog says complete only once the run has finished and the reader
 * is at the end; a read past the end is empty. */
static void
test_read_log_complete (void)
{
  g_autoptr (FfTestDaemon) d = ff_test_daemon_new ();
  g_autoptr (Client) c = NULL;
  g_autoptr (FfDBusRun) run = NULL;
  g_autoptr (GVariant) data = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *path = NULL;
  g_autofree gchar *state = NULL;
  guint64 next = 0;
  gboolean complete = TRUE;

  ff_test_daemon_add_pipeline (d, "long", "main.sh", "echo started\nsleep 30\n", NULL);
  ff_test_daemon_start (d, NULL);
  c = client_new (d, TRUE);
  path = client_start (c, "long");
  client_wait_output (c, path, "started\n");
  run = client_get_run (c, path);
  g_assert_cmpstr (ff_dbus_run_get_state (run), ==, "running");
  g_assert_cmpint (ff_dbus_run_get_started_at (run), >, 0);
  g_assert_cmpint (ff_dbus_run_get_finished_at (run), ==, 0);

  /* at the end of the log of a live run: not complete */
  ff_dbus_run_call_read_log_sync (run, 0, 1024 * 1024, &data, &next, &complete, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_variant_get_data (data), g_variant_get_size (data), "started\n", 8);
  g_assert_cmpuint (next, ==, 8);
  g_assert_false (complete);
  g_clear_pointer (&data, g_variant_unref);
  ff_dbus_run_call_read_log_sync (run, 8, 1024 * 1024, &data, &next, &complete, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_variant_get_size (data), ==, 0);
  g_assert_cmpuint (next, ==, 8);
  g_assert_false (complete);
  g_clear_pointer (&data, g_variant_unref);

  /* Cancel ends it as cancelled */
  ff_dbus_run_call_cancel_sync (run, NULL, &error);
  g_assert_no_error (error);
  g_variant_get (client_wait_finished (c, path), "(&ssi&s&s)", NULL, &state, NULL, NULL, NULL);
  g_assert_cmpstr (state, ==, "cancelled");
  g_clear_object (&run);
  run = client_get_run (c, path);
  g_assert_cmpstr (ff_dbus_run_get_state (run), ==, "cancelled");
  g_assert_cmpstr (ff_dbus_run_get_reason (run), ==, "cancelled");
  g_assert_cmpstr (ff_dbus_run_get_error_class (run), ==, "pipeline");

  /* finished, but not read to the end: not complete */
  ff_dbus_run_call_read_log_sync (run, 0, 4, &data, &next, &complete, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_variant_get_data (data), g_variant_get_size (data), "star", 4);
  g_assert_cmpuint (next, ==, 4);
  g_assert_false (complete);
  g_clear_pointer (&data, g_variant_unref);
  /* finished and at the end */
  ff_dbus_run_call_read_log_sync (run, 8, 1024 * 1024, &data, &next, &complete, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_variant_get_size (data), ==, 0);
  g_assert_cmpuint (next, ==, 8);
  g_assert_true (complete);
  g_clear_pointer (&data, g_variant_unref);
  /* past the end */
  ff_dbus_run_call_read_log_sync (run, 1000, 1024 * 1024, &data, &next, &complete, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_variant_get_size (data), ==, 0);
}

static gint
open_log (FfDBusRun *run)
{
  g_autoptr (GVariant) handle = NULL;
  g_autoptr (GUnixFDList) fds = NULL;
  g_autoptr (GError) error = NULL;
  gint fd;

  ff_dbus_run_call_open_log_sync (run, NULL, &handle, &fds, NULL, &error);
  g_assert_no_error (error);
  fd = g_unix_fd_list_get (fds, g_variant_get_handle (handle), &error);
  g_assert_no_error (error);
  return fd;
}

/* OpenLog hands out the log itself, read-only: a descriptor taken while the
 * run still waits in the queue sees what it writes later. */
static void
test_open_log (void)
{
  g_autoptr (FfTestDaemon) d = ff_test_daemon_new ();
  g_autoptr (Client) c = NULL;
  g_autoptr (FfDBusRun) first = NULL;
  g_autoptr (FfDBusRun) second = NULL;
  g_autoptr (FfDBusRun) done = NULL;
  g_autoptr (GByteArray) logged = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *first_path = NULL;
  g_autofree gchar *second_path = NULL;
  gchar buf[64];
  gssize n;
  gint fd;

  ff_test_daemon_add_pipeline (d, "long", "main.sh", "echo started\nsleep 30\n", NULL);
  ff_test_daemon_add_pipeline (d, "two", "main.sh", "echo one\necho two >&2\n", NULL);
  ff_test_daemon_start (d, "--max-concurrent-runs=1", NULL);
  c = client_new (d, TRUE);
  first_path = client_start (c, "long");
  second_path = client_start (c, "two");
  client_wait_output (c, first_path, "started\n");
  second = client_get_run (c, second_path);
  g_assert_cmpstr (ff_dbus_run_get_state (second), ==, "queued");
  fd = open_log (second);
  g_assert_cmpint (read (fd, buf, sizeof buf), ==, 0);
  g_assert_cmpint (write (fd, "x", 1), ==, -1);

  first = client_get_run (c, first_path);
  ff_dbus_run_call_cancel_sync (first, NULL, &error);
  g_assert_no_error (error);
  done = client_wait_end (c, second_path, "succeeded", "none", "", 0);
  n = read (fd, buf, sizeof buf);
  g_assert_cmpint (n, ==, 8);
  logged = read_log_all (done, 0, 1024, NULL);
  g_assert_cmpmem (buf, n, logged->data, logged->len);
  g_assert_cmpint (read (fd, buf, sizeof buf), ==, 0);
  g_close (fd, NULL);
}

/* 2: errors */

static void
test_start_errors (void)
{
  g_autoptr (FfTestDaemon) d = ff_test_daemon_new ();
  g_autoptr (Client) c = NULL;
  const gchar *bad_names[] = { "../x", "a/b", ".hidden", "..", "" };

  ff_test_daemon_add_pipeline (d, "hello", "main.sh", "echo hello\n", NULL);
  ff_test_daemon_start (d, NULL);
  c = client_new (d, FALSE);

  assert_start_fails (c, "nope", NULL, "NoSuchPipeline", "nope");
  for (guint i = 0; i < G_N_ELEMENTS (bad_names); i++)
    assert_start_fails (c, bad_names[i], NULL, "InvalidArgument", NULL);
  assert_start_fails (c, "../x", NULL, "InvalidArgument", "../x");
  assert_start_fails (c, "hello", g_variant_new_parsed ("{'executor': <'warp-drive'>}"),
                      "InvalidArgument", "warp-drive");
  assert_start_fails (c, "hello", g_variant_new_parsed ("{'env': <{'NOT VALID': 'x'}>}"),
                      "InvalidArgument", "NOT VALID");
  assert_start_fails (c, "hello", g_variant_new_parsed ("{'no_such_option': <42>}"),
                      "InvalidArgument", "no_such_option");
  /* nothing was created by the refused calls */
  g_assert_cmpuint (c->created->len, ==, 0);
}

static GVariant *
find_pipeline (GVariant *pipelines, const gchar *name)
{
  for (gsize i = 0; i < g_variant_n_children (pipelines); i++)
    {
      g_autoptr (GVariant) dict = g_variant_get_child_value (pipelines, i);
      const gchar *n = NULL;

      if (g_variant_lookup (dict, "name", "&s", &n) && g_strcmp0 (n, name) == 0)
        return g_steal_pointer (&dict);
    }
  return NULL;
}

static void
assert_listed_broken (GVariant *pipelines, const gchar *name, const gchar *field)
{
  g_autoptr (GVariant) dict = find_pipeline (pipelines, name);
  gboolean broken = FALSE;
  const gchar *error = NULL;

  g_assert_nonnull (dict);
  g_assert_true (g_variant_lookup (dict, "broken", "b", &broken));
  g_assert_true (broken);
  g_assert_true (g_variant_lookup (dict, "error", "&s", &error));
  if (strstr (error, "pipeline.json") == NULL || (field != NULL && strstr (error, field) == NULL))
    g_error ("the error of %s, “%s”, should name pipeline.json and “%s”", name, error, field);
}

static void
test_broken_pipelines (void)
{
  g_autoptr (FfTestDaemon) d = ff_test_daemon_new ();
  g_autoptr (Client) c = NULL;
  g_autoptr (GVariant) pipelines = NULL;
  g_autoptr (GVariant) good = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (FfDBusRun) run = NULL;
  g_autofree gchar *path = NULL;
  gboolean broken = TRUE;
  const gchar *message = NULL;

  ff_test_daemon_add_pipeline (d, "garbage", "main.sh", "true\n", "pipeline.json", "not json",
                               NULL);
  ff_test_daemon_add_pipeline (d, "ten", "main.sh", "true\n", "pipeline.json",
                               "{\"timeout\": \"ten\"}", NULL);
  ff_test_daemon_add_pipeline (d, "parsecs", "main.sh", "true\n", "pipeline.json",
                               "{\"mem_hard_limit\": \"12 parsecs\"}", NULL);
  ff_test_daemon_add_pipeline (d, "good", "main.sh", "echo fine\n", NULL);
  ff_test_daemon_start (d, NULL);
  c = client_new (d, FALSE);

  ff_dbus_manager_call_list_pipelines_sync (c->manager, &pipelines, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_variant_n_children (pipelines), ==, 4);
  assert_listed_broken (pipelines, "garbage", NULL);
  assert_listed_broken (pipelines, "ten", "timeout");
  assert_listed_broken (pipelines, "parsecs", "mem_hard_limit");
  good = find_pipeline (pipelines, "good");
  g_assert_nonnull (good);
  g_assert_true (g_variant_lookup (good, "broken", "b", &broken));
  g_assert_false (broken);
  g_assert_true (g_variant_lookup (good, "error", "&s", &message));
  g_assert_cmpstr (message, ==, "");

  assert_start_fails (c, "garbage", NULL, "BrokenPipeline", "pipeline.json");
  assert_start_fails (c, "ten", NULL, "BrokenPipeline", "timeout");
  assert_start_fails (c, "parsecs", NULL, "BrokenPipeline", "mem_hard_limit");

  /* the broken ones hide nothing */
  path = client_start (c, "good");
  run = client_wait_end (c, path, "succeeded", "none", "", 0);
}

static void
test_exit_code (void)
{
  g_autoptr (FfTestDaemon) d = ff_test_daemon_new ();
  g_autoptr (Client) c = NULL;
  g_autoptr (FfDBusRun) run = NULL;
  g_autofree gchar *path = NULL;

  ff_test_daemon_add_pipeline (d, "three", "main.sh", "echo bye\nexit 3\n", NULL);
  ff_test_daemon_start (d, NULL);
  c = client_new (d, FALSE);
  path = client_start (c, "three");
  run = client_wait_end (c, path, "failed", "pipeline", "exit-code", 3);
}

/* The entry was there when the folder was read and is gone when the run
 * starts. The run is queued behind another while the file goes, so that
 * StartRun itself still sees a good pipeline. */
static void
test_entry_vanished (void)
{
  g_autoptr (FfTestDaemon) d = ff_test_daemon_new ();
  g_autoptr (Client) c = NULL;
  g_autoptr (FfDBusRun) run = NULL;
  g_autoptr (FfDBusRun) blocker_run = NULL;
  g_autofree gchar *blocker = NULL;
  g_autofree gchar *path = NULL;
  g_autofree gchar *entry = NULL;

  ff_test_daemon_add_pipeline (d, "block", "main.sh", "echo started\nsleep 30\n", NULL);
  ff_test_daemon_add_pipeline (d, "vanish", "main.sh", "echo here\n", NULL);
  ff_test_daemon_start (d, "--max-concurrent-runs=1", NULL);
  c = client_new (d, TRUE);

  blocker = client_start (c, "block");
  client_wait_output (c, blocker, "started\n");
  path = client_start (c, "vanish");
  entry = g_build_filename (d->pipelines_dir, "vanish", "main.sh", NULL);
  g_assert_cmpint (g_unlink (entry), ==, 0);
  client_cancel (c, blocker);
  blocker_run = client_wait_end (c, blocker, "cancelled", "pipeline", "cancelled", ANY_EXIT_CODE);

  run = client_wait_end (c, path, "failed", "pipeline", "spawn-failed", -1);
  g_assert_cmpstr (ff_dbus_run_get_message (run), !=, "");
}

/* A run path nothing is exported at answers NoSuchRun, whatever is asked
 * of it, not the bus's UnknownMethod. */
static void
assert_run_gone (FfTestDaemon *d, const gchar *path)
{
  const struct
  {
    const gchar *interface, *method;
    const gchar *args;
  } calls[] = {
    { RUN_IFACE, "Cancel", NULL },
    { RUN_IFACE, "ReadLog", "(@t 0, @u 100)" },
    { "org.freedesktop.DBus.Properties", "Get", "('" RUN_IFACE "', 'State')" },
    { "org.freedesktop.DBus.Properties", "GetAll", "('" RUN_IFACE "',)" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (calls); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GVariant) reply = NULL;

      g_test_message ("%s.%s on %s", calls[i].interface, calls[i].method, path);
      reply = g_dbus_connection_call_sync (
          d->connection, BUS_NAME, path, calls[i].interface, calls[i].method,
          calls[i].args != NULL ? g_variant_new_parsed (calls[i].args) : NULL, NULL,
          G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
      g_assert_null (reply);
      assert_dbus_error (error, "NoSuchRun", path);
    }
}

static void
test_no_such_run (void)
{
  g_autoptr (FfTestDaemon) d = ff_test_daemon_new ();
  g_autoptr (Client) c = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *path = NULL;

  ff_test_daemon_start (d, NULL);
  c = client_new (d, FALSE);
  ff_dbus_manager_call_get_run_sync (c->manager, 9999, &path, NULL, &error);
  assert_dbus_error (error, "NoSuchRun", "9999");
  g_assert_null (path);
  assert_run_gone (d, MANAGER_PATH "/Run/9999");
}

/* 3: what a run sees, and how it is stopped */

static gchar *
read_log_string (FfDBusRun *run)
{
  g_autoptr (GByteArray) log = read_log_all (run, 0, 1024 * 1024, NULL);

  return g_strndup ((const gchar *) log->data, log->len);
}

static void
test_run_environment (void)
{
  g_autoptr (FfTestDaemon) d = ff_test_daemon_new ();
  g_autoptr (Client) c = NULL;
  g_autoptr (FfDBusRun) run = NULL;
  g_autofree gchar *path = NULL;
  g_autofree gchar *log = NULL;
  g_autofree gchar *expected = NULL;

  ff_test_daemon_add_pipeline (
      d, "env", "main.sh",
      "echo \"GREETING=$GREETING\"\n"
      "echo \"A=$A B=$B\"\n"
      "echo \"RUN_ID=$FASTFLOW_RUN_ID\"\n"
      "echo \"PIPELINE=$FASTFLOW_PIPELINE\"\n"
      "echo \"ATTEMPT=$FASTFLOW_ATTEMPT\"\n",
      "pipeline.json", "{\"default_env\": {\"A\": \"from-json\", \"B\": \"from-json\"}}", NULL);
  ff_test_daemon_start (d, NULL);
  c = client_new (d, FALSE);

  path = client_start_run (
      c, "env",
      g_variant_new_parsed ("{'env': <{'GREETING': 'hallo welt', 'B': 'from-call'}>, "
                            "'triggered_by': <'test-suite'>}"),
      NULL);
  g_assert_nonnull (path);
  run = client_wait_end (c, path, "succeeded", "none", "", 0);
  g_assert_cmpstr (ff_dbus_run_get_triggered_by (run), ==, "test-suite");
  g_assert_cmpuint (ff_dbus_run_get_attempt (run), ==, 1);

  log = read_log_string (run);
  expected = g_strdup_printf ("GREETING=hallo welt\n"
                              "A=from-json B=from-call\n"
                              "RUN_ID=%" G_GUINT64_FORMAT "\n"
                              "PIPELINE=env\n"
                              "ATTEMPT=1\n",
                              run_id_of (path));
  g_assert_cmpstr (log, ==, expected);
}

static void
test_cancel (void)
{
  g_autoptr (FfTestDaemon) d = ff_test_daemon_new ();
  g_autoptr (Client) c = NULL;
  g_autoptr (FfDBusRun) run = NULL;
  g_autofree gchar *path = NULL;
  g_autoptr (GError) error = NULL;
  gint64 asked;

  ff_test_daemon_add_pipeline (d, "long", "main.sh", "echo started\nsleep 30\n", NULL);
  ff_test_daemon_start (d, NULL);
  c = client_new (d, TRUE);
  path = client_start (c, "long");
  client_wait_output (c, path, "started\n");
  asked = g_get_real_time ();
  client_cancel (c, path);
  run = client_wait_end (c, path, "cancelled", "pipeline", "cancelled", ANY_EXIT_CODE);
  /* well before sleep would have ended on its own */
  g_assert_cmpint (ff_dbus_run_get_finished_at (run) - asked, <, 20 * G_USEC_PER_SEC);
  /* a second Cancel finds nothing to stop and says so */
  ff_dbus_run_call_cancel_sync (run, NULL, &error);
  assert_dbus_error (error, "AlreadyFinished", "already ended");
  g_assert_cmpstr (ff_dbus_run_get_state (run), ==, "cancelled");
}

static void
test_timeout (void)
{
  g_autoptr (FfTestDaemon) d = ff_test_daemon_new ();
  g_autoptr (Client) c = NULL;
  g_autoptr (FfDBusRun) run = NULL;
  g_autofree gchar *path = NULL;
  gint64 ran;

  ff_test_daemon_add_pipeline (d, "slow", "main.sh", "echo started\nsleep 30\n", "pipeline.json",
                               "{\"timeout\": 1}", NULL);
  ff_test_daemon_start (d, NULL);
  c = client_new (d, FALSE);
  path = client_start (c, "slow");
  run = client_wait_end (c, path, "timed-out", "pipeline", "timeout", ANY_EXIT_CODE);
  ran = ff_dbus_run_get_finished_at (run) - ff_dbus_run_get_started_at (run);
  g_assert_cmpint (ran, >=, 1 * G_USEC_PER_SEC);
  g_assert_cmpint (ran, <, 20 * G_USEC_PER_SEC);
}

/* 4: bytes, and many of them */

static void
test_binary_output (void)
{
  g_autoptr (FfTestDaemon) d = ff_test_daemon_new ();
  g_autoptr (Client) c = NULL;
  g_autoptr (FfDBusRun) run = NULL;
  g_autoptr (GByteArray) log = NULL;
  g_autofree gchar *path = NULL;
  static const guint8 expected[] = { 0x00, 0xff, 0x80, 'a', 'b', 'c', '\n' };
  GByteArray *signalled;

  ff_test_daemon_add_pipeline (d, "binary", "main.sh", "printf '\\000\\377\\200abc\\n'\n", NULL);
  ff_test_daemon_start (d, NULL);
  c = client_new (d, TRUE);
  path = client_start (c, "binary");
  run = client_wait_end (c, path, "succeeded", "none", "", 0);
  log = read_log_all (run, 0, 1024 * 1024, NULL);
  g_assert_cmpmem (log->data, log->len, expected, sizeof expected);
  signalled = g_hash_table_lookup (c->outputs, path);
  g_assert_nonnull (signalled);
  g_assert_cmpmem (signalled->data, signalled->len, expected, sizeof expected);
}

static guint64
read_vm_hwm_kib (GSubprocess *process)
{
  g_autofree gchar *status_path =
      g_strdup_printf ("/proc/%s/status", g_subprocess_get_identifier (process));
  g_autofree gchar *status = NULL;
  g_autoptr (GError) error = NULL;
  const gchar *line;

  g_file_get_contents (status_path, &status, NULL, &error);
  g_assert_no_error (error);
  line = strstr (status, "VmHWM:");
  g_assert_nonnull (line);
  return g_ascii_strtoull (line + strlen ("VmHWM:"), NULL, 10);
}

/* The daemon streams output to the log and never holds it: 100 MB through
 * a run leaves its peak memory far below 100 MB. */
static void
test_large_output (void)
{
  g_autoptr (FfTestDaemon) d = ff_test_daemon_new ();
  g_autoptr (Client) c = NULL;
  g_autoptr (FfDBusRun) run = NULL;
  g_autofree gchar *path = NULL;
  guint64 offset = 0, hwm_kib;
  gboolean complete = FALSE;
  const guint64 total = 100000000;

  ff_test_daemon_add_pipeline (d, "big", "main.sh", "head -c 100000000 /dev/zero\n", NULL);
  ff_test_daemon_start (d, NULL);
  /* no Output subscription: the test would hold the 100 MB itself */
  c = client_new (d, FALSE);
  path = client_start (c, "big");
  run = client_wait_end (c, path, "succeeded", "none", "", 0);

  while (!complete)
    {
      g_autoptr (GVariant) data = NULL;
      g_autoptr (GError) error = NULL;
      const guint8 *bytes;
      guint64 next = 0;
      gsize len;

      /* asking for more than 1 MiB gets at most 1 MiB */
      ff_dbus_run_call_read_log_sync (run, offset, G_MAXUINT32, &data, &next, &complete, NULL,
                                      &error);
      g_assert_no_error (error);
      len = g_variant_get_size (data);
      g_assert_cmpuint (len, <=, 1024 * 1024);
      g_assert_cmpuint (len, >, 0);
      g_assert_cmpuint (next, ==, offset + len);
      bytes = g_variant_get_data (data);
      for (gsize i = 0; i < len; i++)
        g_assert_cmpuint (bytes[i], ==, 0);
      offset = next;
    }
  g_assert_cmpuint (offset, ==, total);

  hwm_kib = read_vm_hwm_kib (d->daemon);
  g_test_message ("fastflowd VmHWM after 100 MB of output: %" G_GUINT64_FORMAT " kB", hwm_kib);
  /* AddressSanitizer keeps freed memory in quarantine: its resident size
   * says nothing about what the daemon holds */
#ifndef __SANITIZE_ADDRESS__
  g_assert_cmpuint (hwm_kib * 1024, <, total);
#endif
}

/* 5: the manager */

/* Runs @pipeline to its end; returns its path. */
static gchar *
client_run_to_end (Client *c, const gchar *pipeline)
{
  g_autofree gchar *path = client_start (c, pipeline);

  client_wait_finished (c, path);
  return g_steal_pointer (&path);
}

static void
assert_list_runs (Client *c, GVariant *filter, const gchar *const *expected)
{
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) runs = NULL;
  g_autoptr (GVariant) owned = g_variant_ref_sink (filter);
  g_autofree gchar *got = NULL;
  g_autofree gchar *want = NULL;

  ff_dbus_manager_call_list_runs_sync (c->manager, owned, &runs, NULL, &error);
  g_assert_no_error (error);
  got = g_strjoinv (" ", runs);
  want = g_strjoinv (" ", (gchar **) expected);
  g_assert_cmpstr (got, ==, want);
}

static void
test_list_runs (void)
{
  g_autoptr (FfTestDaemon) d = ff_test_daemon_new ();
  g_autoptr (Client) c = NULL;
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) runs = NULL;
  g_autofree gchar *a1 = NULL;
  g_autofree gchar *b = NULL;
  g_autofree gchar *a2 = NULL;

  ff_test_daemon_add_pipeline (d, "a", "main.sh", "true\n", NULL);
  ff_test_daemon_add_pipeline (d, "b", "main.sh", "exit 1\n", NULL);
  ff_test_daemon_start (d, NULL);
  c = client_new (d, FALSE);
  a1 = client_run_to_end (c, "a");
  b = client_run_to_end (c, "b");
  a2 = client_run_to_end (c, "a");
  g_assert_cmpuint (run_id_of (a1), <, run_id_of (b));
  g_assert_cmpuint (run_id_of (b), <, run_id_of (a2));

  assert_list_runs (c, g_variant_new_parsed ("@a{sv} {}"), (const gchar *[]){ a2, b, a1, NULL });
  assert_list_runs (c, g_variant_new_parsed ("{'pipeline': <'a'>}"),
                    (const gchar *[]){ a2, a1, NULL });
  assert_list_runs (c, g_variant_new_parsed ("{'state': <'failed'>}"),
                    (const gchar *[]){ b, NULL });
  assert_list_runs (c, g_variant_new_parsed ("{'state': <'succeeded'>}"),
                    (const gchar *[]){ a2, a1, NULL });
  assert_list_runs (c, g_variant_new_parsed ("{'limit': <@u 2>}"),
                    (const gchar *[]){ a2, b, NULL });
  assert_list_runs (c, g_variant_new_parsed ("{'pipeline': <'a'>, 'limit': <@u 1>}"),
                    (const gchar *[]){ a2, NULL });
  assert_list_runs (c, g_variant_new_parsed ("{'pipeline': <'nope'>}"), (const gchar *[]){ NULL });

  /* a count in any integer type: gdbus call and Python send int32 */
  assert_list_runs (c, g_variant_new_parsed ("{'limit': <@i 1>}"), (const gchar *[]){ a2, NULL });
  assert_list_runs (c, g_variant_new_parsed ("{'limit': <@x 2>}"),
                    (const gchar *[]){ a2, b, NULL });
  assert_list_runs (c, g_variant_new_parsed ("{'limit': <@t 1>}"), (const gchar *[]){ a2, NULL });

  ff_dbus_manager_call_list_runs_sync (c->manager, g_variant_new_parsed ("{'state': <'bogus'>}"),
                                       &runs, NULL, &error);
  assert_dbus_error (error, "InvalidArgument", "bogus");
  g_clear_error (&error);
  /* a misspelt filter is named, not ignored */
  ff_dbus_manager_call_list_runs_sync (c->manager, g_variant_new_parsed ("{'pipline': <'a'>}"),
                                       &runs, NULL, &error);
  assert_dbus_error (error, "InvalidArgument", "pipline");
  g_clear_error (&error);
  ff_dbus_manager_call_list_runs_sync (c->manager, g_variant_new_parsed ("{'limit': <@i -1>}"),
                                       &runs, NULL, &error);
  assert_dbus_error (error, "InvalidArgument", "limit");
  g_clear_error (&error);
  ff_dbus_manager_call_list_runs_sync (c->manager, g_variant_new_parsed ("{'limit': <'3'>}"), &runs,
                                       NULL, &error);
  assert_dbus_error (error, "InvalidArgument", "limit");
}

static void
test_get_run (void)
{
  g_autoptr (FfTestDaemon) d = ff_test_daemon_new ();
  g_autoptr (Client) c = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (FfDBusRun) live_run = NULL;
  g_autoptr (FfDBusRun) done_run = NULL;
  g_autofree gchar *done = NULL;
  g_autofree gchar *live = NULL;
  g_autofree gchar *got_done = NULL;
  g_autofree gchar *got_live = NULL;

  ff_test_daemon_add_pipeline (d, "quick", "main.sh", "true\n", NULL);
  ff_test_daemon_add_pipeline (d, "long", "main.sh", "echo started\nsleep 30\n", NULL);
  ff_test_daemon_start (d, NULL);
  c = client_new (d, TRUE);

  done = client_run_to_end (c, "quick");
  live = client_start (c, "long");
  client_wait_output (c, live, "started\n");

  ff_dbus_manager_call_get_run_sync (c->manager, run_id_of (done), &got_done, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (got_done, ==, done);
  ff_dbus_manager_call_get_run_sync (c->manager, run_id_of (live), &got_live, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (got_live, ==, live);

  done_run = client_get_run (c, got_done);
  g_assert_cmpstr (ff_dbus_run_get_state (done_run), ==, "succeeded");
  g_assert_cmpstr (ff_dbus_run_get_pipeline (done_run), ==, "quick");
  live_run = client_get_run (c, got_live);
  g_assert_cmpstr (ff_dbus_run_get_state (live_run), ==, "running");
  g_assert_cmpstr (ff_dbus_run_get_pipeline (live_run), ==, "long");
  g_assert_cmpint (ff_dbus_run_get_finished_at (live_run), ==, 0);

  client_cancel (c, live);
  g_clear_object (&live_run);
  live_run = client_wait_end (c, live, "cancelled", "pipeline", "cancelled", ANY_EXIT_CODE);
}

static gboolean
manager_lists (GDBusObjectManager *manager, const gchar *path)
{
  g_autoptr (GDBusObject) object = g_dbus_object_manager_get_object (manager, path);
  g_autoptr (FfDBusRun) run = NULL;

  if (object == NULL)
    return FALSE;
  run = ff_dbus_object_get_run (FF_DBUS_OBJECT (object));
  return run != NULL;
}

typedef struct
{
  GDBusObjectManager *manager;
  const gchar *path;
} ObjectWait;

static gboolean
object_is_gone (gpointer data)
{
  ObjectWait *w = data;
  return !manager_lists (w->manager, w->path);
}

/* GDBus emits InterfacesRemoved just before it drops the object's
 * registration (gdbusobjectmanagerserver.c): a call racing into that
 * window gets GDBus's own UnknownMethod. Once the registration is gone,
 * every call must answer NoSuchRun (assert_run_gone). */
static gboolean
registration_is_gone (gpointer data)
{
  ObjectWait *w = data;
  GDBusConnection *connection =
      g_dbus_object_manager_client_get_connection (G_DBUS_OBJECT_MANAGER_CLIENT (w->manager));
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply =
      g_dbus_connection_call_sync (connection, BUS_NAME, w->path, RUN_IFACE, "Cancel", NULL, NULL,
                                   G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_autofree gchar *remote = error != NULL ? g_dbus_error_get_remote_error (error) : NULL;

  return g_strcmp0 (remote, "org.freedesktop.DBus.Error.UnknownMethod") != 0;
}

static void
test_object_manager (void)
{
  g_autoptr (FfTestDaemon) d = ff_test_daemon_new ();
  g_autoptr (Client) c = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GDBusObjectManager) manager = NULL;
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GVariant) objects = NULL;
  g_autofree gchar *first = NULL;
  g_autofree gchar *second = NULL;
  g_autofree gchar *again = NULL;
  ObjectWait w;

  g_file_set_contents (d->config_path, "[daemon]\nkeep_finished_seconds=1\n", -1, &error);
  g_assert_no_error (error);
  ff_test_daemon_add_pipeline (d, "quick", "main.sh", "true\n", NULL);
  ff_test_daemon_start (d, NULL);
  c = client_new (d, FALSE);
  first = client_run_to_end (c, "quick");
  second = client_start (c, "quick");

  /* the raw call, as any client would make it */
  reply = g_dbus_connection_call_sync (d->connection, BUS_NAME, MANAGER_PATH,
                                       "org.freedesktop.DBus.ObjectManager", "GetManagedObjects",
                                       NULL, G_VARIANT_TYPE ("(a{oa{sa{sv}}})"),
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
  objects = g_variant_get_child_value (reply, 0);
  g_assert_true (g_variant_lookup (objects, first, "@a{sa{sv}}", NULL));
  g_assert_true (g_variant_lookup (objects, second, "@a{sa{sv}}", NULL));
  g_clear_pointer (&objects, g_variant_unref);
  g_clear_pointer (&reply, g_variant_unref);

  manager = ff_dbus_object_manager_client_new_sync (
      d->connection, G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_NONE, BUS_NAME, MANAGER_PATH, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (manager_lists (manager, first));
  client_wait_finished (c, second);

  /* after keep_finished_seconds it is gone from the bus, and GetRun
   * brings it back from the history */
  w = (ObjectWait){ manager, first };
  ff_test_wait_until (object_is_gone, &w, "the first run to be unexported");
  ff_test_wait_until (registration_is_gone, &w, "the first run's registration to be dropped");
  assert_run_gone (d, first);
  ff_dbus_manager_call_get_run_sync (c->manager, run_id_of (first), &again, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (again, ==, first);
  g_clear_object (&manager);
  manager = ff_dbus_object_manager_client_new_sync (
      d->connection, G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_NONE, BUS_NAME, MANAGER_PATH, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (manager_lists (manager, first));
}

/* ListRunsPage's answer as "ID:STATE:EXIT" words, newest first */
static gchar *
list_runs_page (Client *c, GVariant *filter, GError **error)
{
  g_autoptr (GVariant) owned = g_variant_ref_sink (filter);
  g_autoptr (GVariant) page = NULL;
  g_autoptr (GString) words = g_string_new (NULL);
  GVariantIter iter;
  GVariant *run;

  if (!ff_dbus_manager_call_list_runs_page_sync (c->manager, owned, &page, NULL, error))
    return NULL;
  g_variant_iter_init (&iter, page);
  while ((run = g_variant_iter_next_value (&iter)) != NULL)
    {
      guint64 id = 0;
      const gchar *state = NULL;
      gint exit_code = 0;

      g_assert_true (g_variant_lookup (run, "Id", "t", &id));
      g_assert_true (g_variant_lookup (run, "State", "&s", &state));
      g_assert_true (g_variant_lookup (run, "ExitCode", "i", &exit_code));
      /* every property of the Run interface, as its object has them */
      for (GDBusPropertyInfo **info = ff_dbus_run_interface_info ()->properties; *info != NULL;
           info++)
        {
          g_autoptr (GVariant) value =
              g_variant_lookup_value (run, (*info)->name, G_VARIANT_TYPE ((*info)->signature));
          g_assert_nonnull (value);
        }
      g_string_append_printf (words, "%s%" G_GUINT64_FORMAT ":%s:%d", words->len ? " " : "", id,
                              state, exit_code);
      g_variant_unref (run);
    }
  return g_string_free (g_steal_pointer (&words), FALSE);
}

static void
assert_runs_page (Client *c, GVariant *filter, const gchar *expected)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *got = list_runs_page (c, filter, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (got, ==, expected);
}

static void
assert_runs_page_refused (Client *c, GVariant *filter, const gchar *needle)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *got = list_runs_page (c, filter, &error);

  g_assert_null (got);
  assert_dbus_error (error, "InvalidArgument", needle);
}

static void
test_list_runs_page (void)
{
  g_autoptr (FfTestDaemon) d = ff_test_daemon_new ();
  g_autoptr (Client) c = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GDBusObjectManager) manager = NULL;
  g_autofree gchar *a1 = NULL, *b = NULL, *a2 = NULL, *live = NULL;
  g_autofree gchar *all = NULL, *older = NULL, *oldest = NULL, *only_b = NULL;
  g_autofree gchar *newest_a = NULL;
  const gchar *ended[3];
  ObjectWait w;

  g_file_set_contents (d->config_path, "[daemon]\nkeep_finished_seconds=1\n", -1, &error);
  g_assert_no_error (error);
  ff_test_daemon_add_pipeline (d, "a", "main.sh", "true\n", NULL);
  ff_test_daemon_add_pipeline (d, "b", "main.sh", "exit 7\n", NULL);
  ff_test_daemon_add_pipeline (d, "long", "main.sh", "echo started\nsleep 30\n", NULL);
  ff_test_daemon_start (d, NULL);
  c = client_new (d, TRUE);
  a1 = client_run_to_end (c, "a");
  b = client_run_to_end (c, "b");
  a2 = client_run_to_end (c, "a");
  live = client_start (c, "long");
  client_wait_output (c, live, "started\n");

  /* the ended runs leave the bus (keep_finished_seconds) */
  manager = ff_dbus_object_manager_client_new_sync (
      d->connection, G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_NONE, BUS_NAME, MANAGER_PATH, NULL, &error);
  g_assert_no_error (error);
  ended[0] = a1, ended[1] = b, ended[2] = a2;
  for (guint i = 0; i < G_N_ELEMENTS (ended); i++)
    {
      w = (ObjectWait){ manager, ended[i] };
      ff_test_wait_until (object_is_gone, &w, "an ended run to be unexported");
    }

  all = g_strdup_printf ("%" G_GUINT64_FORMAT ":running:-1 %" G_GUINT64_FORMAT
                         ":succeeded:0 %" G_GUINT64_FORMAT ":failed:7 %" G_GUINT64_FORMAT
                         ":succeeded:0",
                         run_id_of (live), run_id_of (a2), run_id_of (b), run_id_of (a1));
  assert_runs_page (c, g_variant_new_parsed ("@a{sv} {}"), all);

  /* listing them put none of them back on the bus */
  g_clear_object (&manager);
  manager = ff_dbus_object_manager_client_new_sync (
      d->connection, G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_NONE, BUS_NAME, MANAGER_PATH, NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (ended); i++)
    g_assert_false (manager_lists (manager, ended[i]));

  /* paging backwards, with a count and an id of any integer type */
  older = g_strdup_printf ("%" G_GUINT64_FORMAT ":failed:7 %" G_GUINT64_FORMAT ":succeeded:0",
                           run_id_of (b), run_id_of (a1));
  assert_runs_page (
      c, g_variant_new_parsed ("{'before': <@t %t>, 'limit': <@i 2>}", (guint64) run_id_of (a2)),
      older);
  oldest = g_strdup_printf ("%" G_GUINT64_FORMAT ":succeeded:0", run_id_of (a1));
  assert_runs_page (c, g_variant_new_parsed ("{'before': <@i %i>}", (gint32) run_id_of (b)),
                    oldest);
  assert_runs_page (c, g_variant_new_parsed ("{'before': <@x %x>}", (gint64) run_id_of (a1)), "");
  only_b = g_strdup_printf ("%" G_GUINT64_FORMAT ":failed:7", run_id_of (b));
  assert_runs_page (c, g_variant_new_parsed ("{'pipeline': <'b'>}"), only_b);
  newest_a = g_strdup_printf ("%" G_GUINT64_FORMAT ":succeeded:0", run_id_of (a2));
  assert_runs_page (
      c, g_variant_new_parsed ("{'pipeline': <'a'>, 'state': <'succeeded'>, 'limit': <@y 1>}"),
      newest_a);

  /* the checks ListRuns has: unknown keys named, types, ranges, states */
  assert_runs_page_refused (c, g_variant_new_parsed ("{'befor': <@t 1>}"), "befor");
  assert_runs_page_refused (c, g_variant_new_parsed ("{'before': <'3'>}"), "before");
  assert_runs_page_refused (c, g_variant_new_parsed ("{'before': <@i -1>}"), "before");
  assert_runs_page_refused (c, g_variant_new_parsed ("{'limit': <@x -1>}"), "limit");
  assert_runs_page_refused (c, g_variant_new_parsed ("{'state': <'bogus'>}"), "bogus");

  client_cancel (c, live);
  client_wait_finished (c, live);
}

static void
test_reload (void)
{
  g_autoptr (FfTestDaemon) d = ff_test_daemon_new ();
  g_autoptr (Client) c = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) pipelines = NULL;
  g_autoptr (GVariant) late = NULL;
  g_autoptr (FfDBusRun) run = NULL;
  g_autofree gchar *path = NULL;
  const gchar *description = NULL;

  ff_test_daemon_add_pipeline (d, "early", "main.sh", "true\n", NULL);
  ff_test_daemon_start (d, NULL);
  c = client_new (d, FALSE);
  ff_test_daemon_add_pipeline (d, "late", "main.sh", "echo late\n", "pipeline.json",
                               "{\"description\": \"came later\"}", NULL);
  ff_dbus_manager_call_reload_sync (c->manager, NULL, &error);
  g_assert_no_error (error);

  ff_dbus_manager_call_list_pipelines_sync (c->manager, &pipelines, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_variant_n_children (pipelines), ==, 2);
  late = find_pipeline (pipelines, "late");
  g_assert_nonnull (late);
  g_assert_true (g_variant_lookup (late, "description", "&s", &description));
  g_assert_cmpstr (description, ==, "came later");
  path = client_start (c, "late");
  run = client_wait_end (c, path, "succeeded", "none", "", 0);
}

static gint
compare_strings (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const gchar *const *) a, *(const gchar *const *) b);
}

/* Each name a signal carried, as "+added", "~changed" or "-removed":
 * the folder watch may announce a change before the Reload does, in
 * more than one signal. */
static void
on_pipelines_changed (FfDBusManager *manager,
                      const gchar *const *added,
                      const gchar *const *changed,
                      const gchar *const *removed,
                      GPtrArray *got)
{
  const gchar *const *lists[] = { added, changed, removed };
  const gchar marks[] = "+~-";

  for (guint i = 0; i < G_N_ELEMENTS (lists); i++)
    for (guint j = 0; lists[i][j] != NULL; j++)
      g_ptr_array_add (got, g_strdup_printf ("%c%s", marks[i], lists[i][j]));
}

typedef struct
{
  GPtrArray *got;
  const gchar *expected;
} Announced;

static gboolean
was_announced (gpointer data)
{
  Announced *a = data;
  g_autoptr (GPtrArray) sorted = g_ptr_array_new ();
  g_autofree gchar *joined = NULL;

  /* the names stay the array's */
  for (guint i = 0; i < a->got->len; i++)
    g_ptr_array_add (sorted, g_ptr_array_index (a->got, i));
  g_ptr_array_sort (sorted, compare_strings);
  g_ptr_array_add (sorted, NULL);
  joined = g_strjoinv (" ", (gchar **) sorted->pdata);
  return g_strcmp0 (joined, a->expected) == 0;
}

/* Reload, then wait for what it announces (sorted tokens) */
static void
assert_pipelines_changed (Client *c, GPtrArray *got, const gchar *expected)
{
  g_autoptr (GError) error = NULL;
  Announced a = { got, expected };

  ff_dbus_manager_call_reload_sync (c->manager, NULL, &error);
  g_assert_no_error (error);
  ff_test_wait_until (was_announced, &a, expected);
  g_ptr_array_set_size (got, 0);
}

static void
test_pipelines_changed (void)
{
  g_autoptr (FfTestDaemon) d = ff_test_daemon_new ();
  g_autoptr (Client) c = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) got = g_ptr_array_new_with_free_func (g_free);
  g_autofree gchar *folder = NULL;

  ff_test_daemon_add_pipeline (d, "a", "main.sh", "true\n", NULL);
  ff_test_daemon_start (d, NULL);
  c = client_new (d, FALSE);
  g_signal_connect (c->manager, "pipelines-changed", G_CALLBACK (on_pipelines_changed), got);

  ff_test_daemon_add_pipeline (d, "b", "main.sh", "true\n", NULL);
  ff_test_daemon_add_pipeline (d, "c", "main.sh", "true\n", NULL);
  assert_pipelines_changed (c, got, "+b +c");
  ff_test_daemon_add_pipeline (d, "a", "pipeline.json", "{\"enabled\": false}\n", NULL);
  ff_test_daemon_add_pipeline (d, "b", "pipeline.json", "{\"timeout\": \"x\"}\n", NULL);
  assert_pipelines_changed (c, got, "~a ~b");
  folder = g_build_filename (d->pipelines_dir, "c", NULL);
  ff_test_remove_tree (folder);
  assert_pipelines_changed (c, got, "-c");
  g_signal_handlers_disconnect_by_data (c->manager, got);
}

static void
test_executors_and_version (void)
{
  g_autoptr (FfTestDaemon) d = ff_test_daemon_new ();
  g_autoptr (Client) c = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) executors = NULL;
  gboolean found = FALSE;
  GVariantIter iter;
  const gchar *name, *message;
  gboolean available;

  ff_test_daemon_start (d, NULL);
  c = client_new (d, FALSE);
  g_assert_nonnull (ff_dbus_manager_get_version (c->manager));
  g_assert_cmpstr (ff_dbus_manager_get_version (c->manager), !=, "");
  g_assert_cmpuint (ff_dbus_manager_get_running_runs (c->manager), ==, 0);
  g_assert_cmpuint (ff_dbus_manager_get_queued_runs (c->manager), ==, 0);

  ff_dbus_manager_call_list_executors_sync (c->manager, &executors, NULL, &error);
  g_assert_no_error (error);
  g_variant_iter_init (&iter, executors);
  while (g_variant_iter_next (&iter, "(&sb&s)", &name, &available, &message))
    {
      if (g_strcmp0 (name, "local") != 0)
        continue;
      found = TRUE;
      g_assert_true (available);
      g_assert_cmpstr (message, !=, "");
    }
  g_assert_true (found);
}

static guint
manager_count (Client *c, const gchar *which)
{
  g_autoptr (FfDBusManager) fresh = NULL;
  g_autoptr (GError) error = NULL;

  fresh = ff_dbus_manager_proxy_new_sync (c->daemon->connection, G_DBUS_PROXY_FLAGS_NONE, BUS_NAME,
                                          MANAGER_PATH, NULL, &error);
  g_assert_no_error (error);
  return g_str_equal (which, "running") ? ff_dbus_manager_get_running_runs (fresh)
                                        : ff_dbus_manager_get_queued_runs (fresh);
}

static void
test_max_concurrent_runs (void)
{
  g_autoptr (FfTestDaemon) d = ff_test_daemon_new ();
  g_autoptr (Client) c = NULL;
  g_autoptr (FfDBusRun) first_run = NULL;
  g_autoptr (FfDBusRun) second_run = NULL;
  g_autofree gchar *first = NULL;
  g_autofree gchar *second = NULL;
  g_autofree gchar *gate = NULL, *script = NULL;
  g_autoptr (GError) error = NULL;

  /* the first run holds its slot until the test has looked */
  gate = g_build_filename (d->tmpdir, "release", NULL);
  script = g_strdup_printf ("echo started\nwhile [ ! -e '%s' ]; do sleep 0.05; done\n", gate);
  ff_test_daemon_add_pipeline (d, "nap", "main.sh", script, NULL);
  ff_test_daemon_start (d, "--max-concurrent-runs=1", NULL);
  c = client_new (d, TRUE);
  first = client_start (c, "nap");
  second = client_start (c, "nap");
  client_wait_output (c, first, "started\n");

  g_assert_cmpuint (manager_count (c, "running"), ==, 1);
  g_assert_cmpuint (manager_count (c, "queued"), ==, 1);
  second_run = client_get_run (c, second);
  g_assert_cmpstr (ff_dbus_run_get_state (second_run), ==, "queued");
  g_assert_cmpint (ff_dbus_run_get_started_at (second_run), ==, 0);
  g_clear_object (&second_run);
  g_file_set_contents (gate, "", 0, &error);
  g_assert_no_error (error);

  first_run = client_wait_end (c, first, "succeeded", "none", "", 0);
  second_run = client_wait_end (c, second, "succeeded", "none", "", 0);
  g_assert_cmpint (ff_dbus_run_get_started_at (second_run), >=,
                   ff_dbus_run_get_finished_at (first_run));
  g_assert_cmpuint (manager_count (c, "running"), ==, 0);
  g_assert_cmpuint (manager_count (c, "queued"), ==, 0);
}

/* A Python pipeline's lines arrive while it runs, not all at its end. */
static void
test_python_live_output (void)
{
  g_autoptr (FfTestDaemon) d = ff_test_daemon_new ();
  g_autoptr (Client) c = NULL;
  g_autoptr (FfDBusRun) run = NULL;
  g_autofree gchar *path = NULL;
  g_autofree gchar *gate = NULL, *script = NULL;
  g_autoptr (GError) error = NULL;

  gate = g_build_filename (d->tmpdir, "release", NULL);
  script = g_strdup_printf ("import os, time\n"
                            "print('first line')\n"
                            "while not os.path.exists('%s'):\n"
                            "    time.sleep(0.05)\n"
                            "print('second line')\n",
                            gate);
  ff_test_daemon_add_pipeline (d, "live", "main.py", script, NULL);
  ff_test_daemon_start (d, NULL);
  c = client_new (d, TRUE);
  path = client_start (c, "live");
  /* buffered, the line would only come once the gate is open */
  client_wait_output (c, path, "first line\n");
  run = client_get_run (c, path);
  g_assert_cmpstr (ff_dbus_run_get_state (run), ==, "running");
  g_clear_object (&run);
  g_file_set_contents (gate, "", 0, &error);
  g_assert_no_error (error);
  run = client_wait_end (c, path, "succeeded", "none", "", 0);
}

/* 6: restarts */

static gchar *
client_get_run_path (Client *c, guint64 id)
{
  g_autoptr (GError) error = NULL;
  gchar *path = NULL;

  ff_dbus_manager_call_get_run_sync (c->manager, id, &path, NULL, &error);
  g_assert_no_error (error);
  return path;
}

static void
test_restart_keeps_history (void)
{
  g_autoptr (FfTestDaemon) d = ff_test_daemon_new ();
  g_autoptr (Client) c = NULL;
  g_autoptr (FfDBusRun) run = NULL;
  g_autoptr (FfDBusRun) after = NULL;
  g_autoptr (GByteArray) log = NULL;
  g_autoptr (GByteArray) log_after = NULL;
  g_autofree gchar *path = NULL;
  g_autofree gchar *path_after = NULL;
  g_autofree gchar *newer = NULL;
  gboolean complete = FALSE;

  ff_test_daemon_add_pipeline (d, "three", "main.sh",
                               "printf 'line one\\n\\000\\377\\n'\necho err >&2\nexit 3\n", NULL);
  ff_test_daemon_start (d, NULL);
  c = client_new (d, FALSE);
  path = client_start (c, "three");
  run = client_wait_end (c, path, "failed", "pipeline", "exit-code", 3);
  log = read_log_all (run, 0, 1024 * 1024, NULL);
  g_assert_cmpuint (log->len, ==, strlen ("line one\n") + 3 + strlen ("err\n"));
  g_clear_object (&run);
  g_clear_pointer (&c, client_free);

  ff_test_daemon_stop (d);
  ff_test_daemon_start (d, NULL);
  c = client_new (d, FALSE);

  path_after = client_get_run_path (c, run_id_of (path));
  g_assert_cmpstr (path_after, ==, path);
  after = client_get_run (c, path_after);
  g_assert_cmpstr (ff_dbus_run_get_state (after), ==, "failed");
  g_assert_cmpstr (ff_dbus_run_get_reason (after), ==, "exit-code");
  g_assert_cmpstr (ff_dbus_run_get_error_class (after), ==, "pipeline");
  g_assert_cmpint (ff_dbus_run_get_exit_code (after), ==, 3);
  g_assert_cmpint (ff_dbus_run_get_finished_at (after), >, 0);
  log_after = read_log_all (after, 0, 1024 * 1024, &complete);
  g_assert_true (complete);
  assert_bytes_equal (log_after, log);

  newer = client_run_to_end (c, "three");
  g_assert_cmpuint (run_id_of (newer), >, run_id_of (path));
}

/* A long run prints its process group first, so that the test can end
 * what a killed daemon leaves behind. */
static const gchar long_sh[] = "echo \"started $$\"\nsleep 30\n";

static pid_t
long_run_group (Client *c, const gchar *path)
{
  GByteArray *log = g_hash_table_lookup (c->outputs, path);
  g_autofree gchar *text = NULL;

  g_assert_nonnull (log);
  text = g_strndup ((const gchar *) log->data, log->len);
  g_assert_true (g_str_has_prefix (text, "started "));
  return (pid_t) g_ascii_strtoll (text + strlen ("started "), NULL, 10);
}

/* Zombies do not count: they wait for an init that may be slow to reap. */
static gboolean
group_is_alive (pid_t group)
{
  g_autoptr (GDir) proc = g_dir_open ("/proc", 0, NULL);
  const gchar *name;

  g_assert_nonnull (proc);
  while ((name = g_dir_read_name (proc)) != NULL)
    {
      g_autofree gchar *path = g_build_filename ("/proc", name, "stat", NULL);
      g_autofree gchar *stat = NULL;
      g_auto (GStrv) fields = NULL;
      const gchar *end;

      if (!g_ascii_isdigit (*name) || !g_file_get_contents (path, &stat, NULL, NULL))
        continue;
      /* after "pid (comm) ": state, ppid, pgrp */
      end = strrchr (stat, ')');
      if (end == NULL)
        continue;
      fields = g_strsplit (end + 2, " ", 4);
      if (g_strv_length (fields) >= 3 && g_ascii_strtoll (fields[2], NULL, 10) == group &&
          g_strcmp0 (fields[0], "Z") != 0)
        return TRUE;
    }
  return FALSE;
}

static void
test_restart_after_kill (void)
{
  g_autoptr (FfTestDaemon) d = ff_test_daemon_new ();
  g_autoptr (Client) c = NULL;
  g_autoptr (FfDBusRun) after = NULL;
  g_autofree gchar *path = NULL;
  g_autofree gchar *path_after = NULL;
  pid_t group;

  ff_test_daemon_add_pipeline (d, "long", "main.sh", long_sh, NULL);
  ff_test_daemon_start (d, NULL);
  c = client_new (d, TRUE);
  path = client_start (c, "long");
  client_wait_output (c, path, "\n");
  group = long_run_group (c, path);
  g_assert_cmpint (group, >, 1);
  g_clear_pointer (&c, client_free);

  ff_test_daemon_kill (d);
  /* the local executor's child outlives a killed daemon; end it here */
  kill (-group, SIGKILL);
  ff_test_daemon_start (d, NULL);
  c = client_new (d, FALSE);

  path_after = client_get_run_path (c, run_id_of (path));
  after = client_get_run (c, path_after);
  g_assert_cmpstr (ff_dbus_run_get_state (after), ==, "failed");
  g_assert_cmpstr (ff_dbus_run_get_reason (after), ==, "orchestrator-restarted");
  g_assert_cmpstr (ff_dbus_run_get_error_class (after), ==, "infrastructure");
  g_assert_cmpint (ff_dbus_run_get_finished_at (after), >, 0);
}

/* SIGTERM cancels what runs and exits 0; what was queued stays queued and
 * starts with the next daemon. */
static void
test_restart_after_term (void)
{
  g_autoptr (FfTestDaemon) d = ff_test_daemon_new ();
  g_autoptr (Client) c = NULL;
  g_autoptr (FfDBusRun) after = NULL;
  g_autoptr (FfDBusRun) queued_run = NULL;
  g_autofree gchar *path = NULL;
  g_autofree gchar *queued = NULL;
  g_autofree gchar *path_after = NULL;
  pid_t group;

  ff_test_daemon_add_pipeline (d, "long", "main.sh", long_sh, NULL);
  ff_test_daemon_add_pipeline (d, "later", "main.sh", "echo later\n", NULL);
  ff_test_daemon_start (d, "--max-concurrent-runs=1", NULL);
  c = client_new (d, TRUE);
  path = client_start (c, "long");
  client_wait_output (c, path, "\n");
  group = long_run_group (c, path);
  queued = client_start (c, "later");
  g_clear_pointer (&c, client_free);

  ff_test_daemon_stop (d);
  /* the run's process group went with the daemon */
  g_assert_false (group_is_alive (group));

  ff_test_daemon_start (d, "--max-concurrent-runs=1", NULL);
  c = client_new (d, FALSE);
  path_after = client_get_run_path (c, run_id_of (path));
  after = client_get_run (c, path_after);
  g_assert_cmpstr (ff_dbus_run_get_state (after), ==, "cancelled");
  g_assert_cmpstr (ff_dbus_run_get_reason (after), ==, "cancelled");
  g_assert_cmpstr (ff_dbus_run_get_error_class (after), ==, "pipeline");

  /* it may have run before this client subscribed to RunFinished */
  queued_run = client_get_run (c, queued);
  if (g_strcmp0 (ff_dbus_run_get_state (queued_run), "succeeded") != 0)
    {
      g_clear_object (&queued_run);
      queued_run = client_wait_end (c, queued, "succeeded", "none", "", 0);
    }
  g_assert_cmpstr (ff_dbus_run_get_state (queued_run), ==, "succeeded");
  g_assert_cmpstr (ff_dbus_run_get_pipeline (queued_run), ==, "later");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/dbus/run/succeeds", test_run_succeeds);
  g_test_add_func ("/dbus/run/output", test_run_output);
  g_test_add_func ("/dbus/run/read-log-complete", test_read_log_complete);
  g_test_add_func ("/dbus/run/open-log", test_open_log);
  g_test_add_func ("/dbus/errors/start", test_start_errors);
  g_test_add_func ("/dbus/errors/broken-pipelines", test_broken_pipelines);
  g_test_add_func ("/dbus/errors/exit-code", test_exit_code);
  g_test_add_func ("/dbus/errors/entry-vanished", test_entry_vanished);
  g_test_add_func ("/dbus/errors/no-such-run", test_no_such_run);
  g_test_add_func ("/dbus/run/environment", test_run_environment);
  g_test_add_func ("/dbus/run/python-live-output", test_python_live_output);
  g_test_add_func ("/dbus/run/cancel", test_cancel);
  g_test_add_func ("/dbus/run/timeout", test_timeout);
  g_test_add_func ("/dbus/output/binary", test_binary_output);
  g_test_add_func ("/dbus/output/large", test_large_output);
  g_test_add_func ("/dbus/manager/list-runs", test_list_runs);
  g_test_add_func ("/dbus/manager/get-run", test_get_run);
  g_test_add_func ("/dbus/manager/list-runs-page", test_list_runs_page);
  g_test_add_func ("/dbus/manager/object-manager", test_object_manager);
  g_test_add_func ("/dbus/manager/reload", test_reload);
  g_test_add_func ("/dbus/manager/pipelines-changed", test_pipelines_changed);
  g_test_add_func ("/dbus/manager/executors-and-version", test_executors_and_version);
  g_test_add_func ("/dbus/manager/max-concurrent-runs", test_max_concurrent_runs);
  g_test_add_func ("/dbus/restart/history", test_restart_keeps_history);
  g_test_add_func ("/dbus/restart/after-kill", test_restart_after_kill);
  g_test_add_func ("/dbus/restart/after-term", test_restart_after_term);
  return g_test_run ();
}
