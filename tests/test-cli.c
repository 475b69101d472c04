/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <fcntl.h>
#include <glib-unix.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "ff-dbus-generated.h"
#include "ff-test-daemon.h"

static const gchar binary_bytes[] = { 0x00, (gchar) 0xff, (gchar) 0xfe, 'a', 'b', 'c', '\n', 0x01 };

/* A daemon with the pipelines most tests use. */
static FfTestDaemon *
start_daemon (void)
{
  FfTestDaemon *d = ff_test_daemon_new ();

  ff_test_daemon_add_pipeline (d, "ok", "main.sh", "echo hello\n", NULL);
  ff_test_daemon_add_pipeline (d, "three", "main.sh", "echo failing; exit 3\n", NULL);
  ff_test_daemon_add_pipeline (d, "sleeper", "main.sh", "echo started\nsleep 30\n", NULL);
  ff_test_daemon_start (d, NULL);
  return d;
}

static JsonNode *
parse_json (const gchar *text)
{
  g_autoptr (GError) error = NULL;
  JsonNode *node = json_from_string (text, &error);

  g_assert_no_error (error);
  g_assert_nonnull (node);
  return node;
}

static JsonArray *
parse_json_array (const gchar *text, JsonNode **node)
{
  *node = parse_json (text);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (*node));
  return json_node_get_array (*node);
}

static void
assert_no_dbus_prefix (const gchar *err)
{
  g_assert_null (strstr (err, "GDBus.Error"));
  g_assert_null (strstr (err, "org.fastflow.Orchestrator1.Error"));
}

static guint
count_runs (FfTestDaemon *d)
{
  g_autofree gchar *out = NULL, *err = NULL;
  g_autoptr (JsonNode) node = NULL;

  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "runs", "--json", NULL), ==, 0);
  return json_array_get_length (parse_json_array (out, &node));
}

/* Starts a run with --detach and returns its id. */
static gchar *
run_detached (FfTestDaemon *d, const gchar *pipeline)
{
  g_autofree gchar *out = NULL, *err = NULL;
  g_autoptr (GRegex) regex = g_regex_new ("^[0-9]+\n$", 0, 0, NULL);

  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "run", pipeline, "--detach", NULL), ==, 0);
  g_assert_true (g_regex_match (regex, out, 0, NULL));
  return g_strchomp (g_steal_pointer (&out));
}

/* `logs --follow` returns once the run has finished, with its code. */
static gchar *
wait_finished (FfTestDaemon *d, const gchar *id, gint code)
{
  g_autofree gchar *err = NULL;
  gchar *out = NULL;

  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "logs", "--follow", id, NULL), ==, code);
  return out;
}

static JsonObject *
get_status (FfTestDaemon *d, const gchar *id, JsonNode **node)
{
  g_autofree gchar *out = NULL, *err = NULL;

  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "status", "--json", id, NULL), ==, 0);
  *node = parse_json (out);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (*node));
  return json_node_get_object (*node);
}

static gint
run_pipeline (FfTestDaemon *d, const gchar *pipeline, gchar **out, gchar **err)
{
  return ff_test_daemon_ctl (d, out, err, "run", pipeline, NULL);
}

static void
test_help (void)
{
  g_autoptr (FfTestDaemon) d = ff_test_daemon_new ();
  const gchar *commands[] = { "pipelines", "run",       "runs",   "status", "logs",
                              "cancel",    "executors", "reload", "wait" };
  g_autofree gchar *out = NULL, *err = NULL;

  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "--help", NULL), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_autofree gchar *command_out = NULL, *command_err = NULL;

      g_assert_nonnull (strstr (out, commands[i]));
      g_assert_cmpint (
          ff_test_daemon_ctl (d, &command_out, &command_err, commands[i], "--help", NULL), ==, 0);
      g_assert_nonnull (strstr (command_out, "Usage"));
      g_assert_nonnull (strstr (command_out, commands[i]));
      g_assert_nonnull (strstr (command_out, "--system"));
    }
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "--version", NULL), ==, 0);
  g_assert_true (g_str_has_prefix (out, "fastflowctl "));
}

static void
test_usage_errors (void)
{
  g_autoptr (FfTestDaemon) d = ff_test_daemon_new ();
  const gchar *cases[][4] = {
    { NULL },
    { "frobnicate", NULL },
    { "logs", NULL },
    { "status", "abc", NULL },
    { "status", "1", "2", NULL },
    { "runs", "--limit", "-1", NULL },
    { "run", NULL },
    { "logs", "--bogus", "1", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree gchar *out = NULL, *err = NULL;

      g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, cases[i][0], cases[i][1], cases[i][2],
                                           cases[i][3], NULL),
                       ==, 2);
      g_assert_nonnull (strstr (err, "--help"));
    }
}

static void
test_daemon_missing (void)
{
  g_autoptr (FfTestDaemon) d = ff_test_daemon_new ();
  g_autofree gchar *out = NULL, *err = NULL;

  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "runs", NULL), ==, 1);
  g_assert_nonnull (strstr (err, "fastflowd is not running on the session bus"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  /* run keeps its own failures apart from the pipeline's exit codes */
  g_assert_cmpint (run_pipeline (d, "ok", &out, &err), ==, 125);
  g_assert_nonnull (strstr (err, "fastflowd is not running"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  /* --system before or after the command; there is no fastflowd on it here */
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "--system", "runs", NULL), ==, 1);
  g_assert_nonnull (strstr (err, "system bus"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "runs", "--system", NULL), ==, 1);
  g_assert_nonnull (strstr (err, "system bus"));
}

static void
test_exit_codes (void)
{
  g_autoptr (FfTestDaemon) d = ff_test_daemon_new ();
  const struct
  {
    const gchar *name;
    const gchar *script;
    gint code;
    const gchar *badge;
  } cases[] = {
    { "ok", "echo hello\n", 0, "Succeeded" },
    { "three", "exit 3\n", 3, "Pipeline Error" },
    { "killself", "kill -9 $$\n", 137, "Pipeline Error" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    ff_test_daemon_add_pipeline (d, cases[i].name, "main.sh", cases[i].script, NULL);
  ff_test_daemon_add_pipeline (d, "nospawn", "pipeline.json",
                               "{\"command\": [\"/nonexistent/fastflow-test-binary\"]}\n", NULL);
  ff_test_daemon_start (d, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree gchar *out = NULL, *err = NULL;

      g_test_message ("pipeline %s", cases[i].name);
      g_assert_cmpint (run_pipeline (d, cases[i].name, &out, &err), ==, cases[i].code);
      g_assert_nonnull (strstr (err, cases[i].badge));
    }
  {
    g_autofree gchar *out = NULL, *err = NULL;

    g_assert_cmpint (run_pipeline (d, "nospawn", &out, &err), ==, 127);
    g_assert_nonnull (strstr (err, "Pipeline Error"));
  }
}

static void
test_timeout (void)
{
  g_autoptr (FfTestDaemon) d = ff_test_daemon_new ();
  g_autofree gchar *out = NULL, *err = NULL;
  g_autoptr (JsonNode) node = NULL;
  JsonObject *status;

  ff_test_daemon_add_pipeline (d, "slow", "main.sh", "sleep 30\n", "pipeline.json",
                               "{\"timeout\": 1}\n", NULL);
  ff_test_daemon_start (d, NULL);
  g_assert_cmpint (run_pipeline (d, "slow", &out, &err), ==, 124);
  g_assert_nonnull (strstr (err, "Pipeline Error"));
  status = get_status (d, "1", &node);
  g_assert_cmpstr (json_object_get_string_member (status, "state"), ==, "timed-out");
  g_assert_cmpstr (json_object_get_string_member (status, "reason"), ==, "timeout");
}

static void
test_cancel_command (void)
{
  g_autoptr (FfTestDaemon) d = start_daemon ();
  g_autofree gchar *id = run_detached (d, "sleeper");
  g_autofree gchar *out = NULL, *err = NULL;
  g_autofree gchar *log = NULL;
  g_autoptr (JsonNode) node = NULL;
  JsonObject *status;

  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "cancel", id, NULL), ==, 0);
  log = wait_finished (d, id, 130);
  status = get_status (d, id, &node);
  g_assert_cmpstr (json_object_get_string_member (status, "state"), ==, "cancelled");
  g_assert_cmpstr (json_object_get_string_member (status, "reason"), ==, "cancelled");
  g_assert_cmpstr (json_object_get_string_member (status, "error_class"), ==, "pipeline");
  /* an ended run: nothing to cancel, and the caller is told */
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "cancel", id, NULL), ==, 1);
  g_assert_nonnull (strstr (err, "already ended"));
  assert_no_dbus_prefix (err);
}

static void
test_interrupt (void)
{
  g_autoptr (FfTestDaemon) d = start_daemon ();
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (
      G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr (GSubprocess) proc = NULL;
  g_autoptr (GString) output = g_string_new (NULL);
  g_autoptr (JsonNode) node = NULL;
  JsonObject *status;

  proc = ff_test_daemon_spawn_ctl (d, launcher, "run", "sleeper", NULL);
  ff_test_wait_for_text (g_subprocess_get_stdout_pipe (proc), output, "started\n");
  g_subprocess_send_signal (proc, SIGINT);
  ff_test_wait_for_exit (proc);
  g_assert_true (g_subprocess_get_if_exited (proc));
  g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 130);
  /* the run was cancelled, not just left behind */
  status = get_status (d, "1", &node);
  g_assert_cmpstr (json_object_get_string_member (status, "state"), ==, "cancelled");
}

/* SIGTERM (`timeout`, `kill`, a CI runner) and SIGHUP (the terminal went
 * away) cancel the run as Ctrl-C does; fastflowctl exits 128 + the signal's
 * number, as a program the signal killed would. */
static void
test_stop_signals (void)
{
  g_autoptr (FfTestDaemon) d = start_daemon ();
  const gint signals[] = { SIGTERM, SIGHUP, SIGINT, SIGTERM };

  for (guint i = 0; i < G_N_ELEMENTS (signals); i++)
    {
      g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (
          G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
      g_autoptr (GSubprocess) proc = NULL;
      g_autoptr (GString) output = g_string_new (NULL);
      g_autoptr (GString) errors = g_string_new (NULL);
      g_autoptr (JsonNode) node = NULL;
      g_autofree gchar *id = g_strdup_printf ("%u", i + 1);
      g_autofree gchar *started = g_strdup_printf ("Running as run %s\n", id);
      JsonObject *status;

      g_test_message ("signal %d", signals[i]);
      proc = ff_test_daemon_spawn_ctl (d, launcher, "run", "sleeper", NULL);
      /* which run it is comes while the run still runs, not at its end */
      ff_test_wait_for_text (g_subprocess_get_stderr_pipe (proc), errors, started);
      /* the last one at once: the run exists from this line on, and a
       * signal before the output must not leave it running either */
      if (i + 1 < G_N_ELEMENTS (signals))
        ff_test_wait_for_text (g_subprocess_get_stdout_pipe (proc), output, "started\n");
      g_subprocess_send_signal (proc, signals[i]);
      ff_test_wait_for_text (g_subprocess_get_stderr_pipe (proc), errors, NULL);
      ff_test_wait_for_exit (proc);
      g_test_message ("%s", errors->str);
      g_assert_true (g_subprocess_get_if_exited (proc));
      g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 128 + signals[i]);
      g_assert_nonnull (strstr (errors->str, "Cancelled"));
      /* the run was cancelled, not left behind */
      status = get_status (d, id, &node);
      g_assert_cmpstr (json_object_get_string_member (status, "state"), ==, "cancelled");
    }
}

/* A run that takes its time to stop: the same signal again stops
 * following at once, with the code the first one gave. */
static void
test_second_signal (void)
{
  g_autoptr (FfTestDaemon) d = ff_test_daemon_new ();
  g_autoptr (GSubprocessLauncher) launcher =
      g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr (GSubprocess) proc = NULL;
  g_autoptr (GString) output = g_string_new (NULL);
  g_autoptr (GString) errors = g_string_new (NULL);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *out = NULL, *err = NULL;
  g_autofree gchar *gate = g_build_filename (d->tmpdir, "gate", NULL);
  g_autofree gchar *script = g_strdup_printf (
      "trap '' TERM\necho started\nwhile [ ! -e '%s' ]; do sleep 0.1; done\n", gate);

  /* the run ignores SIGTERM and the grace before SIGKILL outlasts the
   * test: only the second signal can end fastflowctl, and the gate the run */
  g_file_set_contents (d->config_path, "[daemon]\nstop_grace_seconds=120\n", -1, &error);
  g_assert_no_error (error);
  ff_test_daemon_add_pipeline (d, "stubborn", "main.sh", script, NULL);
  ff_test_daemon_start (d, NULL);
  proc = ff_test_daemon_spawn_ctl (d, launcher, "run", "stubborn", NULL);
  ff_test_wait_for_text (g_subprocess_get_stdout_pipe (proc), output, "started\n");
  g_subprocess_send_signal (proc, SIGTERM);
  ff_test_wait_for_text (g_subprocess_get_stderr_pipe (proc), errors, "cancelling the run");
  g_subprocess_send_signal (proc, SIGTERM);
  ff_test_wait_for_exit (proc);
  g_assert_true (g_subprocess_get_if_exited (proc));
  g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 143);
  /* the run is still stopping: fastflowctl did not wait for it */
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "status", "1", NULL), ==, 0);
  g_assert_null (strstr (out, "cancelled"));
  g_file_set_contents (gate, "", -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "wait", "1", NULL), ==, 130);
}

/* `wait` prints each run's code once it has ended and exits with the last
 * that was not 0; `logs --follow` exits with the run's code. */
static void
test_wait (void)
{
  g_autoptr (FfTestDaemon) d = start_daemon ();
  g_autofree gchar *three = run_detached (d, "three");
  g_autofree gchar *ok = run_detached (d, "ok");
  g_autofree gchar *sleeper = run_detached (d, "sleeper");
  g_autofree gchar *out = NULL, *err = NULL;
  g_autofree gchar *log = NULL;
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (
      G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr (GSubprocess) waiter = NULL;
  g_autoptr (GString) waited = g_string_new (NULL);

  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "wait", three, ok, NULL), ==, 3);
  g_assert_cmpstr (out, ==, "3\n0\n");
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "wait", ok, NULL), ==, 0);
  g_assert_cmpstr (out, ==, "0\n");
  log = wait_finished (d, three, 3);
  g_assert_cmpstr (log, ==, "failing\n");

  /* a run that is still running: wait returns when it ends */
  waiter = ff_test_daemon_spawn_ctl (d, launcher, "wait", sleeper, NULL);
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "cancel", sleeper, NULL), ==, 0);
  ff_test_wait_for_text (g_subprocess_get_stdout_pipe (waiter), waited, NULL);
  ff_test_wait_for_exit (waiter);
  g_assert_cmpint (g_subprocess_get_exit_status (waiter), ==, 130);
  g_assert_cmpstr (waited->str, ==, "130\n");

  /* fastflowctl's own failures are not a run's codes */
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "wait", "999", NULL), ==, 125);
  g_assert_nonnull (strstr (err, "999"));
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "logs", "--follow", "999", NULL), ==, 125);
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "wait", NULL), ==, 2);
}

/* `run -d --json` says how to find the run again, for scripts. */
static void
test_detach_json (void)
{
  g_autoptr (FfTestDaemon) d = start_daemon ();
  g_autofree gchar *out = NULL, *err = NULL;
  g_autoptr (JsonNode) node = NULL;
  JsonObject *object;

  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "run", "ok", "-d", "--json", NULL), ==, 0);
  node = parse_json (out);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  object = json_node_get_object (node);
  g_assert_cmpint (json_object_get_int_member (object, "run_id"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (object, "path"), ==,
                   "/org/fastflow/Orchestrator1/Run/1");
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "run", "ok", "--json", NULL), ==, 2);
  g_assert_nonnull (strstr (err, "--detach"));
}

/* The run's output cannot go anywhere: `run` still reports the run's end. */
static void
test_closed_output (void)
{
  g_autoptr (FfTestDaemon) d = ff_test_daemon_new ();
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (
      G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr (GSubprocess) proc = NULL;
  g_autoptr (GError) error = NULL;

  ff_test_daemon_add_pipeline (d, "counter", "main.sh", "seq 1 300000\nexit 4\n", NULL);
  ff_test_daemon_start (d, NULL);
  proc = ff_test_daemon_spawn_ctl (d, launcher, "run", "counter", NULL);
  g_input_stream_close (g_subprocess_get_stdout_pipe (proc), NULL, &error);
  g_assert_no_error (error);
  ff_test_wait_for_exit (proc);
  g_assert_true (g_subprocess_get_if_exited (proc));
  g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 4);
}

/* fastflowd going away while `run` follows is an infrastructure failure. */
static void
test_daemon_vanishes (void)
{
  g_autoptr (FfTestDaemon) d = start_daemon ();
  g_autoptr (GSubprocessLauncher) launcher =
      g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr (GSubprocess) proc = NULL;
  g_autoptr (GString) output = g_string_new (NULL);
  g_autoptr (GString) errors = g_string_new (NULL);

  proc = ff_test_daemon_spawn_ctl (d, launcher, "run", "sleeper", NULL);
  ff_test_wait_for_text (g_subprocess_get_stdout_pipe (proc), output, "started\n");
  ff_test_daemon_kill (d);
  ff_test_wait_for_text (g_subprocess_get_stderr_pipe (proc), errors, NULL);
  ff_test_wait_for_exit (proc);
  g_assert_true (g_subprocess_get_if_exited (proc));
  g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 125);
  g_test_message ("%s", errors->str);
  g_assert_nonnull (strstr (errors->str, "fastflowd"));
}

static void
test_unknown_pipeline (void)
{
  g_autoptr (FfTestDaemon) d = start_daemon ();
  g_autofree gchar *out = NULL, *err = NULL;

  g_assert_cmpint (run_pipeline (d, "nope", &out, &err), ==, 125);
  g_assert_true (g_str_has_prefix (err, "fastflowctl: "));
  g_assert_nonnull (strstr (err, "nope"));
  assert_no_dbus_prefix (err);
  g_assert_cmpuint (count_runs (d), ==, 0);
}

static void
test_invalid_names (void)
{
  g_autoptr (FfTestDaemon) d = start_daemon ();
  const gchar *names[] = { "../x", ".hidden", "a/b" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree gchar *out = NULL, *err = NULL;

      g_test_message ("name %s", names[i]);
      g_assert_cmpint (run_pipeline (d, names[i], &out, &err), ==, 125);
      g_assert_nonnull (strstr (err, names[i]));
      assert_no_dbus_prefix (err);
    }
  g_assert_cmpuint (count_runs (d), ==, 0);
}

static void
test_env (void)
{
  g_autoptr (FfTestDaemon) d = ff_test_daemon_new ();
  const gchar *bad[] = { "1X=y", "NOEQUALS", "A-B=c", "=value" };
  g_autofree gchar *out = NULL, *err = NULL;

  ff_test_daemon_add_pipeline (d, "greet", "main.sh",
                               "printf '%s|%s\\n' \"$GREETING\" \"$EMPTY\"\n", NULL);
  ff_test_daemon_start (d, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree gchar *bad_out = NULL, *bad_err = NULL;

      g_assert_cmpint (
          ff_test_daemon_ctl (d, &bad_out, &bad_err, "run", "greet", "-e", bad[i], NULL), ==, 2);
      g_assert_nonnull (strstr (bad_err, "--help"));
    }
  /* nothing was started for the bad ones */
  g_assert_cmpuint (count_runs (d), ==, 0);

  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "run", "greet", "-e", "GREETING=hi there",
                                       "-e", "EMPTY=", NULL),
                   ==, 0);
  g_assert_cmpstr (out, ==, "hi there|\n");
}

static void
test_binary_output (void)
{
  g_autoptr (FfTestDaemon) d = ff_test_daemon_new ();
  g_autoptr (GBytes) out = NULL;
  g_autoptr (GBytes) logged = NULL;
  g_autoptr (GBytes) expected = g_bytes_new_static (binary_bytes, sizeof binary_bytes);
  g_autofree gchar *err = NULL, *log_err = NULL;

  ff_test_daemon_add_pipeline (d, "binary", "main.sh", "printf '\\000\\377\\376abc\\n\\001'\n",
                               NULL);
  ff_test_daemon_start (d, NULL);
  g_assert_cmpint (ff_test_daemon_ctl_bytes (d, &out, &err, "run", "binary", NULL), ==, 0);
  g_assert_true (g_bytes_equal (out, expected));
  g_assert_cmpint (ff_test_daemon_ctl_bytes (d, &logged, &log_err, "logs", "1", NULL), ==, 0);
  g_assert_true (g_bytes_equal (logged, expected));
}

/* More than one ReadLog chunk (1 MiB) and many Output signals: nothing may
 * be lost or repeated where the two meet. */
static void
test_large_output (void)
{
  g_autoptr (FfTestDaemon) d = ff_test_daemon_new ();
  g_autoptr (GString) expected = g_string_new (NULL);
  g_autofree gchar *out = NULL, *err = NULL;
  g_autofree gchar *log = NULL, *log_err = NULL;

  for (guint i = 1; i <= 300000; i++)
    g_string_append_printf (expected, "%u\n", i);
  ff_test_daemon_add_pipeline (d, "counter", "main.sh", "seq 1 300000\n", NULL);
  ff_test_daemon_start (d, NULL);
  g_assert_cmpint (run_pipeline (d, "counter", &out, &err), ==, 0);
  g_assert_cmpuint (strlen (out), ==, expected->len);
  g_assert_true (g_str_equal (out, expected->str));
  g_assert_cmpint (ff_test_daemon_ctl (d, &log, &log_err, "logs", "1", NULL), ==, 0);
  g_assert_true (g_str_equal (log, expected->str));
}

/* A pipeline that prints a caller's variable and one its run
 * configuration sets, and one with a secret. */
static FfTestDaemon *
start_rerun_daemon (void)
{
  FfTestDaemon *d = ff_test_daemon_new ();

  ff_test_daemon_add_pipeline (
      d, "cfg", "main.sh", "printf '%s|%s\\n' \"$X\" \"$MODE\"\n", "pipeline.json",
      "{\"schedules\": [{\"id\": \"nightly\", \"default_env\": {\"MODE\": \"night\"}}]}", NULL);
  ff_test_daemon_add_pipeline (d, "secret", "main.sh", "printf '%s\\n' \"$X\"\n", "pipeline.json",
                               "{\"secrets\": [\"TOKEN\"]}", NULL);
  ff_test_daemon_start (d, NULL);
  return d;
}

/* `rerun ID` prints what the old run printed: same variables, run
 * configuration and pipeline; its id on stderr, TriggeredBy rerun:ID. */
static gchar *
rerun_and_check (FfTestDaemon *d, const gchar *old, const gchar *expected)
{
  g_autofree gchar *out = NULL, *err = NULL;
  g_autofree gchar *prefix = NULL, *by = NULL;
  g_autoptr (JsonNode) node = NULL;
  JsonObject *status;
  gchar *id;
  const gchar *end;

  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "rerun", old, NULL), ==, 0);
  g_assert_cmpstr (out, ==, expected);
  g_assert_true (g_str_has_prefix (err, "Running as run "));
  end = strstr (err, " (again of run ");
  g_assert_nonnull (end);
  prefix = g_strdup_printf (" (again of run %s)\n", old);
  g_assert_true (g_str_has_prefix (end, prefix));
  id = g_strndup (err + strlen ("Running as run "), end - err - strlen ("Running as run "));
  g_assert_cmpstr (id, !=, old);
  status = get_status (d, id, &node);
  by = g_strdup_printf ("rerun:%s", old);
  g_assert_cmpstr (json_object_get_string_member (status, "triggered_by"), ==, by);
  g_assert_cmpstr (json_object_get_string_member (status, "pipeline"), ==, "cfg");
  return id;
}

static void
test_rerun (void)
{
  g_autoptr (FfTestDaemon) d = start_rerun_daemon ();
  g_autofree gchar *out = NULL, *err = NULL;
  g_autofree gchar *first = NULL, *again = NULL, *twice = NULL, *log = NULL;

  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "run", "cfg", "-e", "X=1", "--config",
                                       "nightly", "--detach", NULL),
                   ==, 0);
  first = g_strchomp (g_steal_pointer (&out));
  log = wait_finished (d, first, 0);
  g_assert_cmpstr (log, ==, "1|night\n");
  again = rerun_and_check (d, first, "1|night\n");
  /* a rerun of a rerun is the same again */
  twice = rerun_and_check (d, again, "1|night\n");

  /* --detach prints the new id only */
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "rerun", "--detach", first, NULL), ==, 0);
  g_assert_true (g_regex_match_simple ("^[0-9]+\n$", out, 0, 0));

  /* an unknown run starts nothing */
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "rerun", "999", NULL), ==, 125);
  g_assert_nonnull (strstr (err, "999"));
  assert_no_dbus_prefix (err);
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "rerun", "nope", NULL), ==, 2);
}

/* After a restart the history still has the plain variables; the values
 * of secrets it never had, so such a rerun is refused and says how. */
static void
test_rerun_after_restart (void)
{
  g_autoptr (FfTestDaemon) d = start_rerun_daemon ();
  g_autofree gchar *out = NULL, *err = NULL;
  g_autofree gchar *plain = NULL, *secret = NULL, *again = NULL, *log = NULL;
  guint runs;

  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "run", "cfg", "-e", "X=1", "--config",
                                       "nightly", "--detach", NULL),
                   ==, 0);
  plain = g_strchomp (g_steal_pointer (&out));
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "run", "secret", "-e", "TOKEN=s3cr3t", "-e",
                                       "X=2", "--detach", NULL),
                   ==, 0);
  secret = g_strchomp (g_steal_pointer (&out));
  g_clear_pointer (&log, g_free);
  log = wait_finished (d, plain, 0);
  g_clear_pointer (&log, g_free);
  log = wait_finished (d, secret, 0);
  g_assert_cmpstr (log, ==, "2\n");
  /* while fastflowd holds the secret's value, the rerun has it */
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "rerun", secret, NULL), ==, 0);
  g_assert_cmpstr (out, ==, "2\n");

  ff_test_daemon_stop (d);
  ff_test_daemon_start (d, NULL);
  again = rerun_and_check (d, plain, "1|night\n");
  runs = count_runs (d);
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "rerun", secret, NULL), ==, 125);
  g_assert_nonnull (strstr (err, "TOKEN"));
  g_assert_nonnull (strstr (err, "fastflowctl run secret -e"));
  assert_no_dbus_prefix (err);
  g_assert_cmpuint (count_runs (d), ==, runs);
}

static void
test_detach_and_logs (void)
{
  g_autoptr (FfTestDaemon) d = start_daemon ();
  g_autofree gchar *id = run_detached (d, "ok");
  g_autofree gchar *followed = wait_finished (d, id, 0);
  g_autofree gchar *out = NULL, *err = NULL;
  g_autofree gchar *run_out = NULL, *run_err = NULL;

  g_assert_cmpstr (id, ==, "1");
  g_assert_cmpstr (followed, ==, "hello\n");
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "logs", id, NULL), ==, 0);
  g_assert_cmpstr (out, ==, "hello\n");
  /* what `run` printed is what `logs` prints later */
  g_assert_cmpint (run_pipeline (d, "three", &run_out, &run_err), ==, 3);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "logs", "2", NULL), ==, 0);
  g_assert_cmpstr (out, ==, run_out);
  g_assert_cmpstr (out, ==, "failing\n");
}

static void
test_no_such_run (void)
{
  g_autoptr (FfTestDaemon) d = start_daemon ();
  const gchar *commands[] = { "status", "logs", "cancel" };

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_autofree gchar *out = NULL, *err = NULL;

      g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, commands[i], "999", NULL), ==, 1);
      g_assert_nonnull (strstr (err, "999"));
      assert_no_dbus_prefix (err);
    }
}

static void
test_status (void)
{
  g_autoptr (FfTestDaemon) d = start_daemon ();
  g_autofree gchar *out = NULL, *err = NULL;
  g_autofree gchar *text = NULL, *text_err = NULL;
  g_autoptr (JsonNode) node = NULL;
  const gchar *strings[] = { "pipeline", "state",    "error_class",  "reason",
                             "message",  "executor", "triggered_by", "route" };
  const gchar *integers[] = { "id",           "exit_code",    "attempt",
                              "max_attempts", "created_at",   "started_at",
                              "finished_at",  "memory_bytes", "memory_peak_bytes" };
  JsonObject *status;

  g_assert_cmpint (run_pipeline (d, "three", &out, &err), ==, 3);
  status = get_status (d, "1", &node);
  for (guint i = 0; i < G_N_ELEMENTS (strings); i++)
    {
      JsonNode *member = json_object_get_member (status, strings[i]);
      g_assert_nonnull (member);
      g_assert_cmpint (json_node_get_value_type (member), ==, G_TYPE_STRING);
    }
  for (guint i = 0; i < G_N_ELEMENTS (integers); i++)
    {
      JsonNode *member = json_object_get_member (status, integers[i]);
      g_assert_nonnull (member);
      g_assert_cmpint (json_node_get_value_type (member), ==, G_TYPE_INT64);
    }
  g_assert_cmpint (json_node_get_value_type (json_object_get_member (status, "cpu_percent")), ==,
                   G_TYPE_DOUBLE);
  g_assert_cmpint (
      json_node_get_value_type (json_object_get_member (status, "soft_limit_exceeded")), ==,
      G_TYPE_BOOLEAN);
  g_assert_cmpint (json_object_get_int_member (status, "id"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (status, "pipeline"), ==, "three");
  g_assert_cmpstr (json_object_get_string_member (status, "state"), ==, "failed");
  g_assert_cmpstr (json_object_get_string_member (status, "error_class"), ==, "pipeline");
  g_assert_cmpstr (json_object_get_string_member (status, "reason"), ==, "exit-code");
  g_assert_cmpint (json_object_get_int_member (status, "exit_code"), ==, 3);
  g_assert_cmpstr (json_object_get_string_member (status, "executor"), ==, "local");
  g_assert_cmpint (json_object_get_int_member (status, "finished_at"), >=,
                   json_object_get_int_member (status, "started_at"));
  g_assert_cmpint (json_object_get_int_member (status, "started_at"), >, 0);

  g_assert_cmpint (ff_test_daemon_ctl (d, &text, &text_err, "status", "1", NULL), ==, 0);
  g_assert_nonnull (strstr (text, "three"));
  g_assert_nonnull (strstr (text, "Pipeline Error"));
  g_assert_nonnull (strstr (text, "exit-code"));
  g_assert_null (strchr (text, '\033'));
}

static void
test_runs (void)
{
  g_autoptr (FfTestDaemon) d = start_daemon ();
  const gchar *pipelines[] = { "ok", "three", "ok" };
  g_autofree gchar *table = NULL, *table_err = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (pipelines); i++)
    {
      g_autofree gchar *out = NULL, *err = NULL;
      run_pipeline (d, pipelines[i], &out, &err);
    }

  {
    g_autofree gchar *out = NULL, *err = NULL;
    g_autoptr (JsonNode) node = NULL;
    JsonArray *runs;

    g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "runs", "--json", NULL), ==, 0);
    runs = parse_json_array (out, &node);
    g_assert_cmpuint (json_array_get_length (runs), ==, 3);
    /* newest first */
    for (guint i = 0; i < 3; i++)
      g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (runs, i), "id"),
                       ==, 3 - i);
  }
  {
    g_autofree gchar *out = NULL, *err = NULL;
    g_autoptr (JsonNode) node = NULL;
    JsonArray *runs;

    g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "runs", "--pipeline", "ok", "--json", NULL),
                     ==, 0);
    runs = parse_json_array (out, &node);
    g_assert_cmpuint (json_array_get_length (runs), ==, 2);
    for (guint i = 0; i < 2; i++)
      g_assert_cmpstr (
          json_object_get_string_member (json_array_get_object_element (runs, i), "pipeline"), ==,
          "ok");
  }
  {
    g_autofree gchar *out = NULL, *err = NULL;
    g_autoptr (JsonNode) node = NULL;
    JsonArray *runs;

    g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "runs", "--limit", "1", "--json", NULL), ==,
                     0);
    runs = parse_json_array (out, &node);
    g_assert_cmpuint (json_array_get_length (runs), ==, 1);
    g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (runs, 0), "id"), ==,
                     3);
  }
  {
    g_autofree gchar *out = NULL, *err = NULL;
    g_autoptr (JsonNode) node = NULL;
    JsonArray *runs;

    g_assert_cmpint (
        ff_test_daemon_ctl (d, &out, &err, "runs", "--state", "failed", "--json", NULL), ==, 0);
    runs = parse_json_array (out, &node);
    g_assert_cmpuint (json_array_get_length (runs), ==, 1);
    g_assert_cmpstr (
        json_object_get_string_member (json_array_get_object_element (runs, 0), "pipeline"), ==,
        "three");
  }

  {
    g_autofree gchar *out = NULL, *err = NULL;
    g_autoptr (JsonNode) node = NULL;
    JsonArray *runs;

    /* the next page back: older than run 3 */
    g_assert_cmpint (
        ff_test_daemon_ctl (d, &out, &err, "runs", "--before", "3", "--limit", "1", "--json", NULL),
        ==, 0);
    runs = parse_json_array (out, &node);
    g_assert_cmpuint (json_array_get_length (runs), ==, 1);
    g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (runs, 0), "id"), ==,
                     2);
  }

  g_assert_cmpint (ff_test_daemon_ctl (d, &table, &table_err, "runs", NULL), ==, 0);
  g_assert_true (g_str_has_prefix (table, "ID"));
  g_assert_nonnull (strstr (table, "PIPELINE"));
  g_assert_nonnull (strstr (table, "three"));
  g_assert_null (strchr (table, '\033'));
}

static JsonObject *
find_by_name (JsonArray *array, const gchar *name)
{
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *object = json_array_get_object_element (array, i);
      if (g_strcmp0 (json_object_get_string_member (object, "name"), name) == 0)
        return object;
    }
  return NULL;
}

static void
test_pipelines (void)
{
  g_autoptr (FfTestDaemon) d = ff_test_daemon_new ();
  g_autofree gchar *out = NULL, *err = NULL;
  g_autofree gchar *table = NULL, *table_err = NULL;
  g_autoptr (JsonNode) node = NULL;
  JsonArray *pipelines;
  JsonObject *broken, *good;

  ff_test_daemon_add_pipeline (d, "good", "main.sh", "true\n", "pipeline.json",
                               "{\"description\": \"A good one\"}\n", NULL);
  ff_test_daemon_add_pipeline (d, "other", "main.sh", "true\n", NULL);
  ff_test_daemon_add_pipeline (d, "broken", "main.sh", "true\n", "pipeline.json",
                               "{\"timeout\": \"soon\"}\n", NULL);
  ff_test_daemon_start (d, NULL);

  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "pipelines", "--json", NULL), ==, 0);
  pipelines = parse_json_array (out, &node);
  g_assert_cmpuint (json_array_get_length (pipelines), ==, 3);
  broken = find_by_name (pipelines, "broken");
  g_assert_nonnull (broken);
  g_assert_true (json_object_get_boolean_member (broken, "broken"));
  g_assert_nonnull (strstr (json_object_get_string_member (broken, "error"), "timeout"));
  good = find_by_name (pipelines, "good");
  g_assert_nonnull (good);
  g_assert_false (json_object_get_boolean_member (good, "broken"));
  g_assert_cmpstr (json_object_get_string_member (good, "error"), ==, "");
  g_assert_cmpstr (json_object_get_string_member (good, "description"), ==, "A good one");
  g_assert_true (json_object_get_boolean_member (good, "enabled"));
  g_assert_true (JSON_NODE_HOLDS_ARRAY (json_object_get_member (good, "tags")));
  g_assert_nonnull (find_by_name (pipelines, "other"));

  g_assert_cmpint (ff_test_daemon_ctl (d, &table, &table_err, "pipelines", NULL), ==, 0);
  g_assert_nonnull (strstr (table, "broken"));
  g_assert_nonnull (strstr (table, "A good one"));
  g_assert_nonnull (strstr (table, json_object_get_string_member (broken, "error")));
}

/* Nothing but text and newlines: no escape sequence, no C0 or C1 control
 * character, no DEL. */
static void
assert_printable (const gchar *text)
{
  for (const guchar *p = (const guchar *) text; *p != '\0'; p++)
    {
      if ((*p < 0x20 && *p != '\n') || *p == 0x7f || (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f))
        g_error ("a control character 0x%02x at byte %td of: %s", *p, p - (const guchar *) text,
                 text);
    }
}

/* A pipeline's author writes its description, its broken pipeline.json and
 * its route: fastflowctl prints them without the terminal escapes in them
 * (a title set, the screen cleared), while the run's own output stays
 * byte for byte what the run wrote. */
static void
test_hostile_text (void)
{
  g_autoptr (FfTestDaemon) d = ff_test_daemon_new ();
  g_autofree gchar *out = NULL, *err = NULL;
  g_autoptr (JsonNode) node = NULL;
  JsonObject *evil;

  ff_test_daemon_add_pipeline (
      d, "evil", "pipeline.json",
      "{\"description\": \"x\\u001b]0;pwned\\u0007\\u001b[2Jy\\u009b31m\\u007fz\\tw\"}", "main.sh",
      "printf '\\033[2Jraw\\007\\n'\n"
      "printf '\\033]0;route\\007to\\033[1A' > \"$FASTFLOW_ROUTE_FILE\"\n"
      "exit 3\n",
      NULL);
  ff_test_daemon_add_pipeline (d, "evil-broken", "main.sh", "true\n", "pipeline.json",
                               "{\"network\": \"\\u001b[2Jhost\\u0007\"}", NULL);
  ff_test_daemon_start (d, NULL);

  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "pipelines", NULL), ==, 0);
  g_test_message ("%s", out);
  assert_printable (out);
  g_assert_nonnull (strstr (out, "xy\xef\xbf\xbd"
                                 "31m\xef\xbf\xbdz w"));
  g_assert_nonnull (strstr (out, "host\xef\xbf\xbd"));
  /* the data itself, for scripts, as it is */
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "pipelines", "--json", NULL), ==, 0);
  evil = find_by_name (parse_json_array (out, &node), "evil");
  g_assert_cmpstr (json_object_get_string_member (evil, "description"), ==,
                   "x\033]0;pwned\007\033[2Jy\xc2\x9b"
                   "31m\x7fz\tw");

  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "run", "evil", NULL), ==, 3);
  g_assert_cmpstr (out, ==, "\033[2Jraw\007\n");
  assert_printable (err);
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "logs", "1", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "\033[2Jraw\007\n");
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "status", "1", NULL), ==, 0);
  g_test_message ("%s", out);
  assert_printable (out);
  g_assert_nonnull (strstr (out, " to\n"));

  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "run", "evil-broken", NULL), ==, 125);
  g_test_message ("%s", err);
  assert_printable (err);
  g_assert_nonnull (strstr (err, "host\xef\xbf\xbd"));
}

static void
test_executors (void)
{
  g_autoptr (FfTestDaemon) d = start_daemon ();
  g_autofree gchar *out = NULL, *err = NULL;
  g_autoptr (JsonNode) node = NULL;
  JsonArray *executors;
  JsonObject *local;

  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "executors", "--json", NULL), ==, 0);
  executors = parse_json_array (out, &node);
  local = find_by_name (executors, "local");
  g_assert_nonnull (local);
  g_assert_true (json_object_get_boolean_member (local, "available"));
  g_assert_true (json_object_has_member (local, "message"));
}

static void
test_reload (void)
{
  g_autoptr (FfTestDaemon) d = start_daemon ();
  g_autofree gchar *out = NULL, *err = NULL;
  g_autofree gchar *list = NULL, *list_err = NULL;
  g_autofree gchar *run_out = NULL, *run_err = NULL;
  g_autoptr (JsonNode) node = NULL;

  ff_test_daemon_add_pipeline (d, "later", "main.sh", "echo late\n", NULL);
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "reload", NULL), ==, 0);
  g_assert_cmpint (ff_test_daemon_ctl (d, &list, &list_err, "pipelines", "--json", NULL), ==, 0);
  g_assert_nonnull (find_by_name (parse_json_array (list, &node), "later"));
  g_assert_cmpint (run_pipeline (d, "later", &run_out, &run_err), ==, 0);
  g_assert_cmpstr (run_out, ==, "late\n");
}

/* Runs `status` with stdout on a pseudo-terminal and returns what it printed. */
static gchar *
status_on_terminal (FfTestDaemon *d, const gchar *id, gboolean no_colour)
{
  g_autoptr (GSubprocessLauncher) launcher =
      g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr (GSubprocess) proc = NULL;
  g_autoptr (GString) text = g_string_new (NULL);
  gint master = posix_openpt (O_RDWR | O_NOCTTY);
  gint slave;
  gchar buffer[4096];
  gssize n;

  g_assert_cmpint (master, >=, 0);
  g_assert_cmpint (grantpt (master), ==, 0);
  g_assert_cmpint (unlockpt (master), ==, 0);
  slave = open (ptsname (master), O_RDWR | O_NOCTTY);
  g_assert_cmpint (slave, >=, 0);
  g_subprocess_launcher_take_stdout_fd (launcher, slave);
  if (no_colour)
    g_subprocess_launcher_setenv (launcher, "NO_COLOR", "1", TRUE);
  else
    g_subprocess_launcher_unsetenv (launcher, "NO_COLOR");
  proc = ff_test_daemon_spawn_ctl (d, launcher, "status", id, NULL);
  ff_test_wait_for_exit (proc);
  g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 0);
  /* the child is gone: what it wrote waits in the terminal's buffer */
  g_unix_set_fd_nonblocking (master, TRUE, NULL);
  while ((n = read (master, buffer, sizeof buffer)) > 0)
    g_string_append_len (text, buffer, n);
  close (master);
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static void
test_colour (void)
{
  g_autoptr (FfTestDaemon) d = start_daemon ();
  g_autofree gchar *out = NULL, *err = NULL;
  g_autofree gchar *coloured = NULL, *plain = NULL;

  /* through pipes: no colour codes anywhere */
  g_assert_cmpint (run_pipeline (d, "three", &out, &err), ==, 3);
  g_assert_nonnull (strstr (err, "Pipeline Error"));
  g_assert_null (strchr (err, '\033'));
  g_assert_null (strchr (out, '\033'));

  coloured = status_on_terminal (d, "1", FALSE);
  g_assert_nonnull (strstr (coloured, "\033[1;31mPipeline Error"));
  plain = status_on_terminal (d, "1", TRUE);
  g_assert_nonnull (strstr (plain, "Pipeline Error"));
  g_assert_null (strchr (plain, '\033'));
}

/* A stand-in for fastflowd whose run sends its output in an awkward order:
 * a chunk the first ReadLog already returned, one that overlaps it, and one
 * after a gap. A follower must print every byte once, in order. */
#define FAKE_RUN_PATH "/org/fastflow/Orchestrator1/Run/1"

typedef struct
{
  FfDBusManager *manager;
  FfDBusRun *run;
  guint reads;
} FakeDaemon;

static gboolean
fake_get_run (FfDBusManager *manager,
              GDBusMethodInvocation *invocation,
              guint64 id,
              FakeDaemon *fake)
{
  ff_dbus_manager_complete_get_run (manager, invocation, FAKE_RUN_PATH);
  return TRUE;
}

static GVariant *
bytes_variant (const gchar *text)
{
  return g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, text, strlen (text), 1);
}

static gboolean
fake_read_log (
    FfDBusRun *run, GDBusMethodInvocation *invocation, guint64 offset, guint max, FakeDaemon *fake)
{
  fake->reads++;
  if (fake->reads == 1)
    {
      g_assert_cmpuint (offset, ==, 0);
      ff_dbus_run_complete_read_log (run, invocation, bytes_variant ("AAAA"), 4, FALSE);
      /* these go out after the reply, so the follower has "AAAA" already */
      ff_dbus_run_emit_output (run, 0, bytes_variant ("AAAA"));
      ff_dbus_run_emit_output (run, 2, bytes_variant ("AABB"));
      ff_dbus_run_emit_output (run, 6, bytes_variant ("BB"));
      ff_dbus_run_emit_output (run, 12, bytes_variant ("DDDD"));
      return TRUE;
    }
  /* the gap before "DDDD" is filled from the log */
  g_assert_cmpuint (offset, ==, 8);
  ff_dbus_run_set_state (run, "succeeded");
  g_dbus_interface_skeleton_flush (G_DBUS_INTERFACE_SKELETON (run));
  ff_dbus_run_complete_read_log (run, invocation, bytes_variant ("CCCCDDDD"), 16, TRUE);
  return TRUE;
}

static void
on_fake_name (GDBusConnection *connection, const gchar *name, gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
}

static void
test_follow_order (void)
{
  g_autoptr (FfTestDaemon) d = ff_test_daemon_new ();
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (
      G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr (GSubprocess) proc = NULL;
  g_autoptr (GString) output = g_string_new (NULL);
  g_autoptr (GError) error = NULL;
  FakeDaemon fake = { 0 };
  gboolean owned = FALSE;
  guint owner;

  fake.manager = ff_dbus_manager_skeleton_new ();
  fake.run = ff_dbus_run_skeleton_new ();
  ff_dbus_run_set_id (fake.run, 1);
  ff_dbus_run_set_pipeline (fake.run, "fake");
  ff_dbus_run_set_state (fake.run, "running");
  g_signal_connect (fake.manager, "handle-get-run", G_CALLBACK (fake_get_run), &fake);
  g_signal_connect (fake.run, "handle-read-log", G_CALLBACK (fake_read_log), &fake);
  g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (fake.manager), d->connection,
                                    "/org/fastflow/Orchestrator1", &error);
  g_assert_no_error (error);
  g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (fake.run), d->connection,
                                    FAKE_RUN_PATH, &error);
  g_assert_no_error (error);
  owner =
      g_bus_own_name_on_connection (d->connection, "org.fastflow.Orchestrator1",
                                    G_BUS_NAME_OWNER_FLAGS_NONE, on_fake_name, NULL, &owned, NULL);
  ff_test_wait_for_flag (&owned);

  proc = ff_test_daemon_spawn_ctl (d, launcher, "logs", "--follow", "1", NULL);
  ff_test_wait_for_text (g_subprocess_get_stdout_pipe (proc), output, NULL);
  ff_test_wait_for_exit (proc);
  g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 0);
  g_assert_cmpstr (output->str, ==, "AAAABBBBCCCCDDDD");
  g_assert_cmpuint (fake.reads, ==, 2);

  g_bus_unown_name (owner);
  g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (fake.run));
  g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (fake.manager));
  g_object_unref (fake.run);
  g_object_unref (fake.manager);
}

/* No raw message record (ff-message.c: a template with 0x1E/0x1F
 * separators) reaches a person or a parser. */
static void
assert_formatted (const gchar *text)
{
  g_assert_null (strchr (text, 0x1E));
  g_assert_null (strchr (text, 0x1F));
  g_assert_null (strstr (text, "%s"));
}

static void
test_executors_verbose (void)
{
  g_autoptr (FfTestDaemon) d = ff_test_daemon_new ();
  g_autofree gchar *plugin_path = g_strdup (g_getenv ("FASTFLOW_PLUGIN_PATH"));
  g_autofree gchar *with_proxy = NULL;
  g_auto (GStrv) dirs = g_strsplit (plugin_path, ":", -1);
  g_autoptr (GError) error = NULL;
  const gchar *const variants[][3] = {
    { "executors", "--verbose", NULL },
    { "executors", "--verbose", "--json" },
    { "executors", "--json", NULL },
  };

  /* the docker-proxy executor with a proxy that is not there: its checks
   * carry an error message */
  for (guint i = 0; dirs[i] != NULL && with_proxy == NULL; i++)
    if (g_str_has_suffix (dirs[i], "/plugins/local"))
      with_proxy = g_strdup_printf ("%s:%.*s/docker-proxy", plugin_path,
                                    (gint) (strlen (dirs[i]) - strlen ("/local")), dirs[i]);
  g_assert_nonnull (with_proxy);
  g_file_set_contents (d->config_path, "[executor.docker-proxy]\nproxy_url=http://127.0.0.1:9\n",
                       -1, &error);
  g_assert_no_error (error);
  g_setenv ("FASTFLOW_PLUGIN_PATH", with_proxy, TRUE);
  ff_test_daemon_start (d, NULL);
  g_setenv ("FASTFLOW_PLUGIN_PATH", plugin_path, TRUE);

  for (guint i = 0; i < G_N_ELEMENTS (variants); i++)
    {
      g_autofree gchar *out = NULL, *err = NULL;

      ff_test_daemon_ctl (d, &out, &err, variants[i][0], variants[i][1], variants[i][2], NULL);
      g_test_message ("%s %s: %s%s", variants[i][1], variants[i][2] ? variants[i][2] : "", out,
                      err);
      g_assert_nonnull (strstr (out, "docker-proxy"));
      assert_formatted (out);
      assert_formatted (err);
      if (variants[i][2] != NULL)
        {
          g_autoptr (JsonNode) node = parse_json (out);
          g_assert_true (JSON_NODE_HOLDS_ARRAY (node));
        }
    }
}

/* fastflowctl with up to five arguments; JSON when asked for is parsed,
 * and no output shows a raw message record */
static void
assert_command_output (FfTestDaemon *d, const gchar *const *argv)
{
  g_autofree gchar *out = NULL, *err = NULL;
  gboolean json = FALSE;

  for (guint i = 0; argv[i] != NULL; i++)
    json = json || g_str_equal (argv[i], "--json");
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, argv[0], argv[1], argv[2], argv[3], argv[4],
                                       argv[5], NULL),
                   ==, 0);
  assert_formatted (out);
  assert_formatted (err);
  if (json)
    {
      g_autoptr (JsonNode) node = parse_json (out);

      g_assert_true (JSON_NODE_HOLDS_ARRAY (node) || JSON_NODE_HOLDS_OBJECT (node));
    }
}

static void
test_every_json (void)
{
  g_autoptr (FfTestDaemon) d = start_daemon ();
  g_autofree gchar *out = NULL, *err = NULL;
  /* run 1 ok, run 2 three (exit 3: a message with a record inside) */
  const gchar *const commands[][6] = {
    { "pipelines", "--json" },
    { "pipelines" },
    { "runs", "--json" },
    { "runs", "--json", "--pipeline", "ok", "--limit", "1" },
    { "runs", "--json", "--state", "failed", "--before", "3" },
    { "runs" },
    { "status", "2", "--json" },
    { "status", "2" },
    { "metrics", "2", "--json" },
    { "metrics", "2" },
    { "run", "ok", "--detach", "--json" },
    { "executors", "--json" },
    { "executors", "--verbose", "--json" },
    { "executors", "--verbose" },
    { "executors" },
  };

  run_pipeline (d, "ok", &out, &err);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  run_pipeline (d, "three", &out, &err);
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    assert_command_output (d, commands[i]);
}

int
main (int argc, char **argv)
{
  /* messages in English, whatever the machine's language */
  g_setenv ("LANGUAGE", "en", TRUE);
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  g_unsetenv ("NO_COLOR");
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/cli/help", test_help);
  g_test_add_func ("/cli/usage-errors", test_usage_errors);
  g_test_add_func ("/cli/daemon-missing", test_daemon_missing);
  g_test_add_func ("/cli/exit-codes", test_exit_codes);
  g_test_add_func ("/cli/timeout", test_timeout);
  g_test_add_func ("/cli/cancel", test_cancel_command);
  g_test_add_func ("/cli/interrupt", test_interrupt);
  g_test_add_func ("/cli/stop-signals", test_stop_signals);
  g_test_add_func ("/cli/second-signal", test_second_signal);
  g_test_add_func ("/cli/wait", test_wait);
  g_test_add_func ("/cli/detach-json", test_detach_json);
  g_test_add_func ("/cli/closed-output", test_closed_output);
  g_test_add_func ("/cli/daemon-vanishes", test_daemon_vanishes);
  g_test_add_func ("/cli/unknown-pipeline", test_unknown_pipeline);
  g_test_add_func ("/cli/rerun", test_rerun);
  g_test_add_func ("/cli/rerun-after-restart", test_rerun_after_restart);
  g_test_add_func ("/cli/invalid-names", test_invalid_names);
  g_test_add_func ("/cli/env", test_env);
  g_test_add_func ("/cli/binary-output", test_binary_output);
  g_test_add_func ("/cli/large-output", test_large_output);
  g_test_add_func ("/cli/follow-order", test_follow_order);
  g_test_add_func ("/cli/detach-and-logs", test_detach_and_logs);
  g_test_add_func ("/cli/no-such-run", test_no_such_run);
  g_test_add_func ("/cli/status", test_status);
  g_test_add_func ("/cli/runs", test_runs);
  g_test_add_func ("/cli/pipelines", test_pipelines);
  g_test_add_func ("/cli/executors", test_executors);
  g_test_add_func ("/cli/executors-verbose", test_executors_verbose);
  g_test_add_func ("/cli/every-json", test_every_json);
  g_test_add_func ("/cli/hostile-text", test_hostile_text);
  g_test_add_func ("/cli/reload", test_reload);
  g_test_add_func ("/cli/colour", test_colour);
  return g_test_run ();
}
