/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <sqlite3.h>
#include <string.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>

#include "ff-test-daemon.h"
#include "ff-test-docker-proxy.h"

/*
 * Faults, as they happen to a running fastflowd: killed with -9 while runs
 * go on, its Docker proxy gone for a while or for good, its state folder's
 * disk full, its pipelines folder removed. Against the real engine through
 * a real HAProxy proxy (DESIGN §11); nothing is skipped, nothing is mocked,
 * and every wait polls on the main loop with a deadline.
 */

static const gchar *const full_flags[] = { "CONTAINERS=1", "POST=1", NULL };

static gchar *suffix;

static gchar *
name (const gchar *base)
{
  return g_strdup_printf ("%s-%s", base, suffix);
}

static void
write_config (FfTestDaemon *d,
              const gchar *proxy_url,
              const gchar *daemon_extra,
              const gchar *docker_extra)
{
  g_autofree gchar *config =
      g_strdup_printf ("[daemon]\n%s\n"
                       "[executor.docker-proxy]\n"
                       "proxy_url=%s\n"
                       "image=%s\n%s\n",
                       daemon_extra != NULL ? daemon_extra : "", proxy_url,
                       g_getenv ("FASTFLOW_TEST_IMAGE"), docker_extra != NULL ? docker_extra : "");
  g_autoptr (GError) error = NULL;

  g_file_set_contents (d->config_path, config, -1, &error);
  g_assert_no_error (error);
  /* it may hold [secrets] */
  g_assert_cmpint (g_chmod (d->config_path, 0600), ==, 0);
}

static FfTestDaemon *
new_daemon (const gchar *proxy_url, const gchar *daemon_extra, const gchar *docker_extra)
{
  FfTestDaemon *d = ff_test_daemon_new ();

  write_config (d, proxy_url, daemon_extra, docker_extra);
  return d;
}

static void
add_docker_pipeline (FfTestDaemon *d, const gchar *pipeline, const gchar *script)
{
  ff_test_daemon_add_pipeline (d, pipeline, "pipeline.json", "{\"executor\": \"docker-proxy\"}",
                               "main.sh", script, NULL);
}

/* Creates @file in the pipeline's folder, which the container sees at /app. */
static void
touch (FfTestDaemon *d, const gchar *pipeline, const gchar *file)
{
  g_autofree gchar *path = g_build_filename (d->pipelines_dir, pipeline, file, NULL);
  g_autoptr (GError) error = NULL;

  g_file_set_contents (path, "", 0, &error);
  g_assert_no_error (error);
}

static JsonNode *
status_of (FfTestDaemon *d, const gchar *id)
{
  g_autofree gchar *out = NULL, *err = NULL;
  g_autoptr (GError) error = NULL;
  JsonNode *node;

  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "status", "--json", id, NULL), ==, 0);
  node = json_from_string (out, &error);
  g_assert_no_error (error);
  return node;
}

static const gchar *
member (JsonNode *node, const gchar *key)
{
  return json_object_get_string_member (json_node_get_object (node), key);
}

static gchar *
log_of (FfTestDaemon *d, const gchar *id)
{
  g_autofree gchar *err = NULL;
  gchar *out = NULL;

  /* the log as one stream, byte for byte */
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "logs", "--merged", id, NULL), ==, 0);
  return out;
}

typedef struct
{
  FfTestDaemon *d;
  const gchar *id;
  const gchar *state; /* NULL: any finished state */
  const gchar *text;  /* in the log */
} RunWait;

static gboolean
run_reached (gpointer data)
{
  RunWait *wait = data;
  g_autoptr (JsonNode) node = status_of (wait->d, wait->id);
  const gchar *state = member (node, "state");
  g_autofree gchar *log = NULL;

  if (wait->state != NULL && g_strcmp0 (state, wait->state) != 0)
    return FALSE;
  if (wait->state == NULL && (g_str_equal (state, "queued") || g_str_equal (state, "starting") ||
                              g_str_equal (state, "running")))
    return FALSE;
  if (wait->text == NULL)
    return TRUE;
  log = log_of (wait->d, wait->id);
  return strstr (log, wait->text) != NULL;
}

static void
wait_run (FfTestDaemon *d, const gchar *id, const gchar *state, const gchar *text)
{
  RunWait wait = { d, id, state, text };

  ff_test_poll_until (run_reached, &wait);
}

static gchar *
docker_out (const gchar *const *argv)
{
  g_autofree gchar *out = NULL;
  g_autoptr (GError) error = NULL;
  gint status = 0;

  g_spawn_sync (NULL, (gchar **) argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out, NULL,
                &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  return g_steal_pointer (&out);
}

/* The ids of the pipeline's containers, as the engine sees them. */
static gchar *
container_of (const gchar *pipeline)
{
  g_autofree gchar *filter = g_strdup_printf ("label=org.fastflow.pipeline=%s", pipeline);
  const gchar *argv[] = { "/usr/bin/docker", "ps", "-aq", "--no-trunc", "--filter", filter, NULL };

  return g_strstrip (docker_out (argv));
}

static gboolean
no_container (gpointer data)
{
  g_autofree gchar *ids = container_of (data);
  return *ids == '\0';
}

typedef struct
{
  const gchar *container;
  const gchar *text;
} EngineLog;

/* What the engine has of a container's output, with the daemon away. */
static gboolean
engine_log_has (gpointer data)
{
  EngineLog *wait = data;
  const gchar *argv[] = { "/usr/bin/docker", "logs", wait->container, NULL };
  g_autofree gchar *out = docker_out (argv);

  return strstr (out, wait->text) != NULL;
}

static gboolean
container_stopped (gpointer data)
{
  const gchar *argv[] = { "/usr/bin/docker", "inspect", "-f", "{{.State.Running}}", data, NULL };
  g_autofree gchar *out = docker_out (argv);

  return g_str_has_prefix (out, "false");
}

/* No process @data (a pid as text), or only its zombie. */
static gboolean
process_gone (gpointer data)
{
  g_autofree gchar *path = g_strdup_printf ("/proc/%s/stat", (const gchar *) data);
  g_autofree gchar *stat = NULL;
  const gchar *state;

  if (!g_file_get_contents (path, &stat, NULL, NULL))
    return TRUE;
  state = strrchr (stat, ')');
  return state != NULL && state[1] == ' ' && state[2] == 'Z';
}

/* Cuts the first @piece out of @text, in place. */
static void
cut (gchar *text, const gchar *piece)
{
  gchar *at = strstr (text, piece);

  g_assert_nonnull (at);
  memmove (at, at + strlen (piece), strlen (at + strlen (piece)) + 1);
  g_assert_null (strstr (text, piece));
}

/* Asks the daemon's store itself, read-only, beside the running daemon
 * (WAL lets a reader in): the first column of the first row of @sql. */
static gchar *
store_query (FfTestDaemon *d, const gchar *sql)
{
  g_autofree gchar *path = g_build_filename (d->state_dir, "fastflow.db", NULL);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gchar *answer = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    answer = g_strdup ((const gchar *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return answer;
}

typedef struct
{
  FfTestDaemon *d;
  const gchar *sql;
  const gchar *answer;
} StoreWait;

static gboolean
store_says (gpointer data)
{
  StoreWait *wait = data;
  g_autofree gchar *answer = store_query (wait->d, wait->sql);

  return g_strcmp0 (answer, wait->answer) == 0;
}

/* Output before the kill, while fastflowd is down and after its restart,
 * with a line the kill splits in two. stdout and stderr are stamped apart
 * by the engine, so only stdout's order is checked byte for byte. */
static const gchar talk_script[] = "i=1; while [ $i -le 2000 ]; do echo line-$i; i=$((i+1)); done\n"
                                   "echo err-before >&2\n"
                                   "printf half-\n"
                                   "while [ ! -e /app/release1 ]; do sleep 0.1; done\n"
                                   "echo line\n"
                                   "echo err-down >&2\n"
                                   "i=1; while [ $i -le 500 ]; do echo down-$i; i=$((i+1)); done\n"
                                   "echo phase2-done\n"
                                   "while [ ! -e /app/release2 ]; do sleep 0.1; done\n"
                                   "echo after-restart\n"
                                   "exit 7\n";

static gchar *
talk_expected (void)
{
  GString *text = g_string_new (NULL);

  for (guint i = 1; i <= 2000; i++)
    g_string_append_printf (text, "line-%u\n", i);
  g_string_append (text, "half-line\n");
  for (guint i = 1; i <= 500; i++)
    g_string_append_printf (text, "down-%u\n", i);
  g_string_append (text, "phase2-done\nafter-restart\n");
  return g_string_free (text, FALSE);
}

/* kill -9 of fastflowd with two container runs, a local run and a queued
 * run: the container runs are followed again (one still running, one that
 * ended while no daemon was there) and their logs go on with no gap and no
 * byte twice; the local run died with the daemon; the queued run runs. */
static void
test_kill_reattach (void)
{
  g_autoptr (FfTestProxy) proxy = ff_test_proxy_start (0, full_flags, NULL);
  g_autoptr (FfTestDaemon) d =
      new_daemon (ff_test_proxy_get_url (proxy), "max_concurrent_runs=3", NULL);
  g_autofree gchar *talk = name ("talk");
  g_autofree gchar *quick = name ("quick");
  g_autofree gchar *quick_container = NULL, *quick_log = NULL;
  g_autoptr (GString) quick_expected = g_string_new (NULL);
  g_autoptr (JsonNode) quick_status = NULL;
  g_autofree gchar *sleeper = name ("sleeper");
  g_autofree gchar *later = name ("later");
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (
      G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr (GSubprocess) follow = NULL;
  g_autoptr (GString) followed = g_string_new (NULL);
  g_autofree gchar *out = NULL, *err = NULL, *container = NULL, *log = NULL;
  g_autofree gchar *expected = talk_expected ();
  g_autoptr (JsonNode) talk_status = NULL, sleeper_status = NULL, later_status = NULL;
  EngineLog down = { NULL, "phase2-done" };
  g_autofree gchar *pid_file = g_build_filename (d->tmpdir, "sleeper.pid", NULL);
  g_autofree gchar *sleeper_script = NULL, *sleeper_pid = NULL, *integrity = NULL;

  add_docker_pipeline (d, talk, talk_script);
  /* with a secret, masked before the kill and in what is sent again */
  ff_test_daemon_add_pipeline (d, quick, "pipeline.json",
                               "{\"executor\": \"docker-proxy\", "
                               "\"secrets\": {\"QTOKEN\": \"q-s3cret\"}}",
                               "main.sh",
                               "i=1; while [ $i -le 100 ]; do echo q-$i; i=$((i+1)); done\n"
                               "echo \"tok=$QTOKEN\"\n"
                               "while [ ! -e /app/release ]; do sleep 0.1; done\n"
                               "echo \"q-end $QTOKEN\"\n"
                               "exit 3\n",
                               NULL);
  for (guint i = 1; i <= 100; i++)
    g_string_append_printf (quick_expected, "q-%u\n", i);
  g_string_append (quick_expected, "tok=********\nq-end ********\n");
  sleeper_script = g_strdup_printf ("echo $$ > '%s'\necho local-start\nexec sleep 600\n", pid_file);
  ff_test_daemon_add_pipeline (d, sleeper, "main.sh", sleeper_script, NULL);
  ff_test_daemon_add_pipeline (d, later, "main.sh", "echo later ran\n", NULL);
  ff_test_daemon_start (d, NULL);

  follow = ff_test_daemon_spawn_ctl (d, launcher, "run", talk, NULL);
  ff_test_wait_for_text (g_subprocess_get_stdout_pipe (follow), followed, "line-2000\n");
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "run", "--detach", quick, NULL), ==, 0);
  wait_run (d, "2", "running", "tok=********\n");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "run", "--detach", sleeper, NULL), ==, 0);
  wait_run (d, "3", "running", "local-start");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "run", "--detach", later, NULL), ==, 0);
  later_status = status_of (d, "4");
  g_assert_cmpstr (member (later_status, "state"), ==, "queued");
  g_clear_pointer (&later_status, json_node_unref);

  ff_test_daemon_kill (d);
  ff_test_wait_for_exit (follow);
  integrity = store_query (d, "PRAGMA integrity_check");
  g_assert_cmpstr (integrity, ==, "ok");
  /* the local run ends with the daemon that ran it */
  g_assert_true (g_file_get_contents (pid_file, &sleeper_pid, NULL, NULL));
  g_strstrip (sleeper_pid);
  ff_test_poll_until (process_gone, sleeper_pid);

  /* the container goes on without anyone following it */
  container = container_of (talk);
  g_assert_cmpstr (container, !=, "");
  touch (d, talk, "release1");
  down.container = container;
  ff_test_poll_until (engine_log_has, &down);
  quick_container = container_of (quick);
  touch (d, quick, "release");
  ff_test_poll_until (container_stopped, quick_container);

  ff_test_daemon_start (d, NULL);
  wait_run (d, "1", "running", "phase2-done");
  touch (d, talk, "release2");
  wait_run (d, "1", NULL, NULL);

  talk_status = status_of (d, "1");
  g_test_message ("run 1: %s / %s / %s", member (talk_status, "state"),
                  member (talk_status, "reason"), member (talk_status, "message"));
  g_assert_cmpstr (member (talk_status, "state"), ==, "failed");
  g_assert_cmpstr (member (talk_status, "reason"), ==, "exit-code");
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (talk_status), "exit_code"), ==,
                   7);
  log = log_of (d, "1");
  g_test_message ("run 1 log: %zu bytes", strlen (log));
  cut (log, "err-before\n");
  cut (log, "err-down\n");
  g_assert_cmpstr (log, ==, expected);
  /* the streams apart, across the kill too */
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "logs", "1", NULL), ==, 0);
  g_assert_cmpstr (out, ==, expected);
  g_assert_cmpstr (err, ==, "err-before\nerr-down\n");

  wait_run (d, "2", NULL, NULL);
  quick_status = status_of (d, "2");
  g_assert_cmpstr (member (quick_status, "reason"), ==, "exit-code");
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (quick_status), "exit_code"),
                   ==, 3);
  quick_log = log_of (d, "2");
  g_assert_cmpstr (quick_log, ==, quick_expected->str);

  sleeper_status = status_of (d, "3");
  g_assert_cmpstr (member (sleeper_status, "state"), ==, "failed");
  g_assert_cmpstr (member (sleeper_status, "reason"), ==, "orchestrator-restarted");

  wait_run (d, "4", "succeeded", "later ran\n");
  ff_test_poll_until (no_container, talk);
  ff_test_poll_until (no_container, quick);
}

/* The operator changes a secret's value in fastflow.conf while the daemon
 * is down: the container still prints the value it was started with, and
 * that is what the re-attached run hides (the old value is nowhere kept
 * by fastflow; the container's environment has it). */
static void
test_kill_secret_changed (void)
{
  g_autoptr (FfTestProxy) proxy = ff_test_proxy_start (0, full_flags, NULL);
  g_autoptr (FfTestDaemon) d =
      new_daemon (ff_test_proxy_get_url (proxy), NULL, "[secrets]\nRTOKEN=value-A-before-restart");
  g_autofree gchar *pipeline = name ("rotated");
  g_autofree gchar *log = NULL, *container = NULL;
  g_autofree gchar *old_hidden = g_strnfill (strlen ("value-A-before-restart"), '*');
  g_autofree gchar *expected = NULL;
  EngineLog after = { NULL, "after " };

  ff_test_daemon_add_pipeline (d, pipeline, "pipeline.json",
                               "{\"executor\": \"docker-proxy\", \"secrets\": [\"RTOKEN\"]}",
                               "main.sh",
                               "echo \"before $RTOKEN\"\n"
                               "while [ ! -e /app/go ]; do sleep 0.1; done\n"
                               "echo \"after $RTOKEN\"\n",
                               NULL);
  ff_test_daemon_start (d, NULL);
  g_assert_cmpint (ff_test_daemon_ctl (d, NULL, NULL, "run", "--detach", pipeline, NULL), ==, 0);
  expected = g_strdup_printf ("before %s\n", old_hidden);
  wait_run (d, "1", "running", expected);
  ff_test_daemon_kill (d);

  write_config (d, ff_test_proxy_get_url (proxy), NULL, "[secrets]\nRTOKEN=B");
  touch (d, pipeline, "go");
  container = container_of (pipeline);
  after.container = container;
  ff_test_poll_until (engine_log_has, &after);

  ff_test_daemon_start (d, NULL);
  wait_run (d, "1", "succeeded", NULL);
  log = log_of (d, "1");
  g_clear_pointer (&expected, g_free);
  expected = g_strdup_printf ("before %s\nafter %s\n", old_hidden, old_hidden);
  g_assert_cmpstr (log, ==, expected);
  ff_test_poll_until (no_container, pipeline);
}

/* A run configuration's encrypted_env is a secret of its runs, also when
 * the run is followed again after a restart. The token was made by
 * Python's cryptography Fernet (tests/test-fernet.c's known answer). */
#define FERNET_KEY "lCrApFSkugdkERXUfS2hF4TlkA4Oy9s-_gLwqwYkfrI="
#define FERNET_TOKEN                                                                               \
  "gAAAAABrEcGvpnQ2vlKyBzl0QXUWrJXQKtol3xlJK6XB-hp0vH76oYjTCzlsfqSTSijoItcW0DqC3S13hJdql1MlGsC90L" \
  "9Gxpvw3jgVSVlDI0ETGhbL0wE="
#define FERNET_VALUE "s3cr3t ünïcode value"

static void
test_kill_encrypted_schedule (void)
{
  g_autoptr (FfTestProxy) proxy = ff_test_proxy_start (0, full_flags, NULL);
  g_autoptr (FfTestDaemon) d = new_daemon (ff_test_proxy_get_url (proxy), NULL, NULL);
  g_autofree gchar *pipeline = name ("sealed");
  g_autofree gchar *log = NULL, *container = NULL;
  g_autofree gchar *hidden = g_strnfill (strlen (FERNET_VALUE), '*');
  g_autofree gchar *expected = NULL;
  EngineLog after = { NULL, "after " };

  ff_test_daemon_add_pipeline (
      d, pipeline, "pipeline.json",
      "{\"executor\": \"docker-proxy\", \"schedules\": [{\"id\": \"prod\", "
      "\"schedule_cron\": \"0 0 1 1 *\", \"encrypted_env\": {\"STOKEN\": \"" FERNET_TOKEN "\"}}]}",
      "main.sh",
      "echo \"before $STOKEN\"\n"
      "while [ ! -e /app/go ]; do sleep 0.1; done\n"
      "echo \"after $STOKEN\"\n",
      NULL);
  g_setenv ("ENCRYPTION_KEY", FERNET_KEY, TRUE);
  ff_test_daemon_start (d, NULL);
  g_assert_cmpint (
      ff_test_daemon_ctl (d, NULL, NULL, "run", "--detach", "--config", "prod", pipeline, NULL), ==,
      0);
  expected = g_strdup_printf ("before %s\n", hidden);
  wait_run (d, "1", "running", expected);
  ff_test_daemon_kill (d);

  touch (d, pipeline, "go");
  container = container_of (pipeline);
  after.container = container;
  ff_test_poll_until (engine_log_has, &after);

  ff_test_daemon_start (d, NULL);
  g_unsetenv ("ENCRYPTION_KEY");
  wait_run (d, "1", "succeeded", NULL);
  log = log_of (d, "1");
  g_clear_pointer (&expected, g_free);
  expected = g_strdup_printf ("before %s\nafter %s\n", hidden, hidden);
  g_assert_cmpstr (log, ==, expected);
  ff_test_poll_until (no_container, pipeline);
}

/* kill -9 while a container writes without pause, and a write of the log
 * that the killed daemon did not get to record (simulated by appending to
 * the log file): after the restart the log is every line once, in order. */
static void
test_kill_mid_stream (void)
{
  g_autoptr (FfTestProxy) proxy = ff_test_proxy_start (0, full_flags, NULL);
  g_autoptr (FfTestDaemon) d = new_daemon (ff_test_proxy_get_url (proxy), NULL, NULL);
  g_autofree gchar *pipeline = name ("stream");
  g_autofree gchar *log_path = g_build_filename (d->state_dir, "logs", "1.log", NULL);
  g_autofree gchar *log = NULL, *container = NULL;
  g_auto (GStrv) lines = NULL;
  g_autoptr (JsonNode) status = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GFileOutputStream) append = NULL;
  g_autoptr (GFile) file = NULL;
  EngineLog running = { NULL, "s-200\n" };
  guint n;

  add_docker_pipeline (d, pipeline,
                       "i=1; while [ ! -e /app/stop ]; do echo s-$i; i=$((i+1)); sleep 0.001; "
                       "done\necho s-last\n");
  ff_test_daemon_start (d, NULL);
  g_assert_cmpint (ff_test_daemon_ctl (d, NULL, NULL, "run", "--detach", pipeline, NULL), ==, 0);
  wait_run (d, "1", "running", "s-100\n");
  ff_test_daemon_kill (d);
  file = g_file_new_for_path (log_path);
  append = g_file_append_to (file, G_FILE_CREATE_NONE, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_write_all (G_OUTPUT_STREAM (append), "NOT-SAVED\n", 10, NULL, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_close (G_OUTPUT_STREAM (append), NULL, &error);
  g_assert_no_error (error);
  container = container_of (pipeline);
  running.container = container;
  ff_test_poll_until (engine_log_has, &running);

  ff_test_daemon_start (d, NULL);
  wait_run (d, "1", "running", NULL);
  touch (d, pipeline, "stop");
  wait_run (d, "1", "succeeded", "s-last\n");
  log = log_of (d, "1");
  lines = g_strsplit (log, "\n", -1);
  n = g_strv_length (lines);
  g_test_message ("%u lines, %zu bytes", n - 2, strlen (log));
  g_assert_cmpuint (n, >, 200);
  for (guint i = 0; i + 2 < n; i++)
    {
      g_autofree gchar *want = g_strdup_printf ("s-%u", i + 1);
      g_assert_cmpstr (lines[i], ==, want);
    }
  g_assert_cmpstr (lines[n - 2], ==, "s-last");
  g_assert_cmpstr (lines[n - 1], ==, "");
  status = status_of (d, "1");
  g_assert_cmpstr (member (status, "state"), ==, "succeeded");
  ff_test_poll_until (no_container, pipeline);
}

/* The daemon was killed while the run had two containers with its labels:
 * its own and a build of its dependency environment (which carries
 * org.fastflow.build, see ff-run-job-env.c); here the build container is
 * the newer, so the engine lists it first. The restarted daemon follows
 * the run's own container, never the build's, and a later start's
 * leftover sweep removes the build's. */
static void
test_kill_reattach_skips_build (void)
{
  g_autoptr (FfTestProxy) proxy = ff_test_proxy_start (0, full_flags, NULL);
  g_autoptr (FfTestDaemon) d = new_daemon (ff_test_proxy_get_url (proxy), NULL, NULL);
  g_autofree gchar *pipeline = name ("build-decoy");
  g_autofree gchar *container = NULL, *instance = NULL, *decoy = NULL, *log = NULL;
  g_autofree gchar *pipeline_label = g_strdup_printf ("org.fastflow.pipeline=%s", pipeline);
  g_autofree gchar *instance_label = NULL;
  g_autoptr (JsonNode) status = NULL;
  const gchar *inspect[] = { "/usr/bin/docker",
                             "inspect",
                             "-f",
                             "{{index .Config.Labels \"org.fastflow.instance\"}}",
                             NULL,
                             NULL };

  add_docker_pipeline (d, pipeline,
                       "echo run-ready\nwhile [ ! -e /app/stop ]; do sleep 0.1; done\n"
                       "echo run-end\n");
  ff_test_daemon_start (d, NULL);
  g_assert_cmpint (ff_test_daemon_ctl (d, NULL, NULL, "run", "--detach", pipeline, NULL), ==, 0);
  wait_run (d, "1", "running", "run-ready\n");
  ff_test_daemon_kill (d);

  container = container_of (pipeline);
  inspect[4] = container;
  instance = g_strstrip (docker_out (inspect));
  instance_label = g_strdup_printf ("org.fastflow.instance=%s", instance);
  {
    const gchar *create[] = { "/usr/bin/docker",
                              "create",
                              "--label",
                              instance_label,
                              "--label",
                              pipeline_label,
                              "--label",
                              "org.fastflow.run-id=1",
                              "--label",
                              "org.fastflow.attempt=1",
                              "--label",
                              "org.fastflow.build=dependency-env",
                              g_getenv ("FASTFLOW_TEST_IMAGE"),
                              "sh",
                              "-c",
                              "echo decoy-output",
                              NULL };
    decoy = g_strstrip (docker_out (create));
  }
  g_test_message ("run container %s, build container %s", container, decoy);

  ff_test_daemon_start (d, NULL);
  wait_run (d, "1", "running", NULL);
  touch (d, pipeline, "stop");
  wait_run (d, "1", "succeeded", "run-end\n");
  log = log_of (d, "1");
  g_assert_null (strstr (log, "decoy-output"));
  status = status_of (d, "1");
  g_assert_cmpstr (member (status, "state"), ==, "succeeded");

  /* the next start sweeps what no live run owns, the build's too */
  ff_test_daemon_stop (d);
  ff_test_daemon_start (d, NULL);
  ff_test_poll_until (no_container, pipeline);
}

/* kill -9, and the daemon comes back while its proxy is still away: the
 * run is looked for until the proxy answers (within reconnect_grace), then
 * followed again to its end. */
static void
test_kill_proxy_away (void)
{
  guint16 port = ff_test_proxy_free_port ();
  FfTestProxy *proxy = ff_test_proxy_start (port, full_flags, NULL);
  g_autoptr (FfTestDaemon) d =
      new_daemon (ff_test_proxy_get_url (proxy), NULL, "reconnect_grace=60");
  g_autofree gchar *pipeline = name ("away-at-start");
  g_autoptr (JsonNode) status = NULL;
  g_autofree gchar *log = NULL;

  add_docker_pipeline (d, pipeline,
                       "echo before\n"
                       "while [ ! -e /app/go ]; do sleep 0.1; done\n"
                       "echo after\n");
  ff_test_daemon_start (d, NULL);
  g_assert_cmpint (ff_test_daemon_ctl (d, NULL, NULL, "run", "--detach", pipeline, NULL), ==, 0);
  wait_run (d, "1", "running", "before\n");
  ff_test_daemon_kill (d);
  ff_test_proxy_stop (proxy);

  ff_test_daemon_start (d, NULL);
  status = status_of (d, "1");
  g_assert_cmpstr (member (status, "state"), ==, "running");
  touch (d, pipeline, "go");
  proxy = ff_test_proxy_start (port, full_flags, NULL);
  wait_run (d, "1", "succeeded", NULL);
  log = log_of (d, "1");
  g_assert_cmpstr (log, ==, "before\nafter\n");
  ff_test_poll_until (no_container, pipeline);
  ff_test_proxy_stop (proxy);
}

/* on_stop=leave-running: a stop (SIGTERM, as `systemctl restart`) leaves
 * the container run to the next fastflowd, which follows it to its end
 * with its whole log; the default still cancels. */
static void
test_stop_leaves_running (void)
{
  g_autoptr (FfTestProxy) proxy = ff_test_proxy_start (0, full_flags, NULL);
  g_autoptr (FfTestDaemon) d =
      new_daemon (ff_test_proxy_get_url (proxy), "on_stop=leave-running", NULL);
  g_autofree gchar *pipeline = name ("upgrade");
  g_autofree gchar *container = NULL, *log = NULL;
  g_autoptr (JsonNode) status = NULL;

  add_docker_pipeline (d, pipeline,
                       "echo before\n"
                       "while [ ! -e /app/go ]; do sleep 0.1; done\n"
                       "echo after\n"
                       "exit 5\n");
  ff_test_daemon_start (d, NULL);
  g_assert_cmpint (ff_test_daemon_ctl (d, NULL, NULL, "run", "--detach", pipeline, NULL), ==, 0);
  wait_run (d, "1", "running", "before\n");
  ff_test_daemon_stop (d);

  container = container_of (pipeline);
  g_assert_cmpstr (container, !=, "");
  touch (d, pipeline, "go");
  ff_test_poll_until (container_stopped, container);
  ff_test_daemon_start (d, NULL);
  wait_run (d, "1", "failed", NULL);
  status = status_of (d, "1");
  g_assert_cmpstr (member (status, "reason"), ==, "exit-code");
  log = log_of (d, "1");
  g_assert_cmpstr (log, ==, "before\nafter\n");
  ff_test_poll_until (no_container, pipeline);
}

/* Writes to @path until the file system is full. */
static void
fill (const gchar *path)
{
  static const guint8 block[4096];
  gint fd = g_open (path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  gsize size = sizeof (block);

  g_assert_cmpint (fd, >=, 0);
  while (size > 0)
    {
      if (write (fd, block, size) < 0)
        {
          g_assert_cmpint (errno, ==, ENOSPC);
          size /= 2;
        }
    }
  g_close (fd, NULL);
}

/* The state folder on a small tmpfs that fills up: a run that cannot be
 * recorded is refused with a clear message in the daemon's language, the
 * daemon goes on serving, nothing recorded before is lost, and the store
 * opens fine after a restart. */
static void
test_disk_full (void)
{
  g_autoptr (FfTestDaemon) d = new_daemon ("http://127.0.0.1:1", NULL, NULL);
  g_autofree gchar *pipeline = name ("small");
  g_autofree gchar *filler = NULL;
  g_autofree gchar *out = NULL, *err = NULL, *full_out = NULL, *full_err = NULL;
  g_autofree gchar *list = NULL, *list_err = NULL, *again = NULL, *again_err = NULL;
  g_autofree gchar *log = NULL;
  g_autoptr (JsonNode) first = NULL, first_after = NULL, writer = NULL, writer_after = NULL;
  g_autofree gchar *writer_name = name ("writer");
  g_autofree gchar *gate = g_build_filename (d->tmpdir, "gate", NULL);
  g_autofree gchar *writer_script = g_strdup_printf (
      "echo before\nwhile [ ! -e '%s' ]; do sleep 0.1; done\nhead -c 100000 /dev/zero\n", gate);
  g_autofree gchar *wout = NULL, *werr = NULL, *integrity = NULL;
  g_autoptr (GError) error = NULL;
  StoreWait saved = { d, "SELECT state FROM runs WHERE id = 2", NULL };
  gint status;

  /* as root, a tmpfs of 2 MiB; a test that cannot mount fails */
  g_assert_cmpint (g_mkdir_with_parents (d->state_dir, 0755), ==, 0);
  if (mount ("tmpfs", d->state_dir, "tmpfs", 0, "size=2m") != 0)
    g_error ("cannot mount a tmpfs at %s: %s", d->state_dir, g_strerror (errno));
  filler = g_build_filename (d->state_dir, "filler", NULL);
  ff_test_daemon_add_pipeline (d, pipeline, "main.sh", "echo hello\n", NULL);
  ff_test_daemon_add_pipeline (d, writer_name, "main.sh", writer_script, NULL);
  g_setenv ("LANGUAGE", "de", TRUE);
  ff_test_daemon_start (d, NULL);
  g_setenv ("LANGUAGE", "en", TRUE);
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "run", pipeline, NULL), ==, 0);
  g_assert_cmpstr (out, ==, "hello\n");

  /* run 2 runs while the disk fills, and its output goes on */
  g_assert_cmpint (ff_test_daemon_ctl (d, &wout, &werr, "run", "--detach", writer_name, NULL), ==,
                   0);
  wait_run (d, "2", "running", "before");
  fill (filler);
  g_file_set_contents (gate, "", 0, &error);
  g_assert_no_error (error);
  wait_run (d, "2", NULL, NULL);
  writer = status_of (d, "2");
  g_test_message ("run 2: %s / %s", member (writer, "state"), member (writer, "message"));
  /* said in words of its own, not as an empty message with a remark */
  g_assert_nonnull (strstr (member (writer, "message"), "Das Protokoll ist unvollständig"));
  g_assert_null (strstr (member (writer, "message"), ":  "));

  status = ff_test_daemon_ctl (d, &full_out, &full_err, "run", pipeline, NULL);
  g_test_message ("with the disk full: exit %d, %s", status, full_err);
  g_assert_cmpint (status, !=, 0);
  g_assert_nonnull (strstr (full_err, "ist voll"));
  g_assert_null (strstr (full_out, "hello"));

  /* the daemon serves, and what it had is there */
  g_assert_cmpint (ff_test_daemon_ctl (d, &list, &list_err, "pipelines", NULL), ==, 0);
  g_assert_nonnull (strstr (list, pipeline));
  first = status_of (d, "1");
  g_assert_cmpstr (member (first, "state"), ==, "succeeded");

  g_assert_cmpint (g_unlink (filler), ==, 0);
  /* the end of run 2, which the full disk kept out of the store, gets in
   * once there is room, without a restart */
  saved.answer = member (writer, "state");
  ff_test_poll_until (store_says, &saved);
  g_assert_cmpint (ff_test_daemon_ctl (d, &again, &again_err, "run", pipeline, NULL), ==, 0);
  g_assert_cmpstr (again, ==, "hello\n");

  ff_test_daemon_kill (d);
  integrity = store_query (d, "PRAGMA integrity_check");
  g_assert_cmpstr (integrity, ==, "ok");
  ff_test_daemon_start (d, NULL);
  first_after = status_of (d, "1");
  g_assert_cmpstr (member (first_after, "state"), ==, "succeeded");
  writer_after = status_of (d, "2");
  g_test_message ("run 2 after the restart: %s / %s", member (writer_after, "state"),
                  member (writer_after, "message"));
  g_assert_cmpstr (member (writer_after, "state"), ==, member (writer, "state"));
  log = log_of (d, "1");
  g_assert_cmpstr (log, ==, "hello\n");
  ff_test_daemon_stop (d);
  g_assert_cmpint (umount2 (d->state_dir, MNT_DETACH), ==, 0);
}

typedef struct
{
  FfTestDaemon *d;
  const gchar *pipeline;
} Listed;

static gboolean
pipeline_unlisted (gpointer data)
{
  Listed *listed = data;
  g_autofree gchar *out = NULL, *err = NULL;

  g_assert_cmpint (ff_test_daemon_ctl (listed->d, &out, &err, "pipelines", NULL), ==, 0);
  return strstr (out, listed->pipeline) == NULL;
}

/* The pipelines folder removed while a local and a container run go on:
 * both finish as they would have, the registry lists nothing, a new run of
 * a pipeline that is gone is refused, and nothing crashes. */
static void
test_pipelines_removed (void)
{
  g_autoptr (FfTestProxy) proxy = ff_test_proxy_start (0, full_flags, NULL);
  g_autoptr (FfTestDaemon) d = new_daemon (ff_test_proxy_get_url (proxy), NULL, NULL);
  g_autofree gchar *local = name ("local-gone");
  g_autofree gchar *docker = name ("docker-gone");
  g_autofree gchar *gate = g_build_filename (d->tmpdir, "gate", NULL);
  g_autofree gchar *local_script = g_strdup_printf (
      "echo local-ready\nwhile [ ! -e '%s' ]; do sleep 0.1; done\necho local-end\n", gate);
  g_autofree gchar *out = NULL, *err = NULL, *again = NULL, *again_err = NULL;
  g_autoptr (JsonNode) local_status = NULL, docker_status = NULL;
  g_autofree gchar *local_log = NULL, *docker_log = NULL;
  g_autofree gchar *reload_out = NULL, *reload_err = NULL, *back = NULL, *back_err = NULL;
  g_autoptr (GError) error = NULL;
  const gchar *rm[] = { "/bin/rm", "-rf", "--", d->pipelines_dir, NULL };
  g_autofree gchar *container = NULL;
  /* -w: its working folder /app is gone by then */
  const gchar *release_argv[] = { "/usr/bin/docker",  "exec", "-w", "/tmp", NULL, "sh", "-c",
                                  ": > /tmp/release", NULL };
  gint rm_status = 0;
  Listed listed = { d, local };

  ff_test_daemon_add_pipeline (d, local, "main.sh", local_script, NULL);
  /* the container's folder is a bind mount: it stays, if emptied; its
   * gate is in its own /tmp, opened with docker exec */
  add_docker_pipeline (d, docker,
                       "echo docker-ready\n"
                       "while [ ! -e /tmp/release ]; do sleep 0.1; done\n"
                       "echo docker-end\n");
  ff_test_daemon_start (d, NULL);
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "run", "--detach", local, NULL), ==, 0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "run", "--detach", docker, NULL), ==, 0);
  wait_run (d, "1", "running", "local-ready");
  wait_run (d, "2", "running", "docker-ready");

  g_spawn_sync (NULL, (gchar **) rm, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL, &rm_status,
                &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (rm_status, NULL));
  g_assert_false (g_file_test (d->pipelines_dir, G_FILE_TEST_EXISTS));
  ff_test_poll_until (pipeline_unlisted, &listed);
  g_assert_cmpint (ff_test_daemon_ctl (d, &again, &again_err, "run", local, NULL), !=, 0);
  g_test_message ("a run of a pipeline that is gone: %s", again_err);
  g_assert_nonnull (strstr (again_err, local));
  /* both still go on while their folders are gone */
  local_status = status_of (d, "1");
  docker_status = status_of (d, "2");
  g_assert_cmpstr (member (local_status, "state"), ==, "running");
  g_assert_cmpstr (member (docker_status, "state"), ==, "running");
  g_clear_pointer (&local_status, json_node_unref);
  g_clear_pointer (&docker_status, json_node_unref);

  g_file_set_contents (gate, "", 0, &error);
  g_assert_no_error (error);
  container = container_of (docker);
  release_argv[4] = container;
  g_free (docker_out (release_argv));
  wait_run (d, "1", NULL, NULL);
  wait_run (d, "2", NULL, NULL);
  local_status = status_of (d, "1");
  docker_status = status_of (d, "2");
  g_assert_cmpstr (member (local_status, "state"), ==, "succeeded");
  g_assert_cmpstr (member (docker_status, "state"), ==, "succeeded");
  local_log = log_of (d, "1");
  docker_log = log_of (d, "2");
  g_assert_cmpstr (local_log, ==, "local-ready\nlocal-end\n");
  g_assert_cmpstr (docker_log, ==, "docker-ready\ndocker-end\n");
  ff_test_poll_until (no_container, docker);

  /* the folder back, with a pipeline: found again on Reload, and it runs */
  ff_test_daemon_add_pipeline (d, local, "main.sh", "echo back\n", NULL);
  g_assert_cmpint (ff_test_daemon_ctl (d, &reload_out, &reload_err, "reload", NULL), ==, 0);
  g_assert_cmpint (ff_test_daemon_ctl (d, &back, &back_err, "run", local, NULL), ==, 0);
  g_assert_cmpstr (back, ==, "back\n");
  ff_test_daemon_stop (d);
}

/* The engine away from the proxy: a relay between HAProxy and the engine's
 * socket that the test kills and starts again (see ff-test-relay.c). */
static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static GSubprocess *
relay_start (const gchar *path)
{
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (
      G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr (GString) text = g_string_new (NULL);
  g_autoptr (GError) error = NULL;
  const gchar *relay = g_getenv ("FASTFLOW_TEST_RELAY");
  const gchar *engine = g_getenv ("FASTFLOW_TEST_ENGINE_SOCKET");
  GSubprocess *process;

  g_assert_nonnull (relay);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  process = g_subprocess_launcher_spawn (launcher, &error, relay, path,
                                         engine != NULL ? engine : "/var/run/docker.sock", NULL);
  g_assert_no_error (error);
  ff_test_wait_for_text (g_subprocess_get_stdout_pipe (process), text, "listening\n");
  return process;
}

static void
relay_kill (GSubprocess *process)
{
  g_subprocess_force_exit (process);
  ff_test_wait_for_exit (process);
  g_object_unref (process);
}

/* What goes away mid-run: the proxy itself (connections refused), or the
 * engine behind it (the proxy answers 503). The containers run on. */
typedef struct
{
  gboolean engine;
  guint16 port;
  FfTestProxy *proxy;
  gchar *relay_path;
  GSubprocess *relay;
} Outage;

static void
outage_init (Outage *outage, gboolean engine)
{
  g_autofree gchar *engine_socket = g_strdup (g_getenv ("FASTFLOW_TEST_ENGINE_SOCKET"));

  outage->engine = engine;
  outage->port = ff_test_proxy_free_port ();
  if (engine)
    {
      outage->relay_path = g_build_filename (g_get_tmp_dir (), suffix, NULL);
      outage->relay = relay_start (outage->relay_path);
      g_setenv ("FASTFLOW_TEST_ENGINE_SOCKET", outage->relay_path, TRUE);
    }
  outage->proxy = ff_test_proxy_start (outage->port, full_flags, NULL);
  g_setenv ("FASTFLOW_TEST_ENGINE_SOCKET", engine_socket, TRUE);
}

static void
outage_begin (Outage *outage)
{
  if (outage->engine)
    g_clear_pointer (&outage->relay, relay_kill);
  else
    g_clear_pointer (&outage->proxy, ff_test_proxy_stop);
}

static void
outage_end (Outage *outage)
{
  if (outage->engine)
    outage->relay = relay_start (outage->relay_path);
  else
    outage->proxy = ff_test_proxy_start (outage->port, full_flags, NULL);
}

static void
outage_clear (Outage *outage)
{
  g_clear_pointer (&outage->proxy, ff_test_proxy_stop);
  g_clear_pointer (&outage->relay, relay_kill);
  g_clear_pointer (&outage->relay_path, g_free);
}

static GSubprocess *
follow_until_ready (FfTestDaemon *d, const gchar *pipeline, GString *followed)
{
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (
      G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  GSubprocess *follow = ff_test_daemon_spawn_ctl (d, launcher, "run", pipeline, NULL);

  ff_test_wait_for_text (g_subprocess_get_stdout_pipe (follow), followed, "ready\n");
  return follow;
}

/* The proxy or the engine away mid-run and back within reconnect_grace,
 * after the container wrote its output and stopped: the run ends as it
 * would have, its followed output and its log byte for byte. */
static void
test_back_in_grace (gconstpointer data)
{
  Outage outage = { 0 };
  g_autoptr (FfTestDaemon) d = NULL;
  g_autofree gchar *pipeline = name (data != NULL ? "engine-back" : "proxy-back");
  g_autoptr (GSubprocess) follow = NULL;
  g_autoptr (GString) followed = g_string_new (NULL);
  g_autoptr (GString) expected = g_string_new ("ready\n");
  g_autofree gchar *container = NULL, *log = NULL;
  g_autoptr (JsonNode) status = NULL;
  gint64 away;

  outage_init (&outage, data != NULL);
  d = new_daemon (ff_test_proxy_get_url (outage.proxy), NULL, "reconnect_grace=60");
  add_docker_pipeline (d, pipeline,
                       "echo ready\n"
                       "while [ ! -e /app/go ]; do sleep 0.1; done\n"
                       "i=1; while [ $i -le 300 ]; do echo while-away-$i; i=$((i+1)); done\n"
                       "exit 4\n");
  for (guint i = 1; i <= 300; i++)
    g_string_append_printf (expected, "while-away-%u\n", i);
  ff_test_daemon_start (d, NULL);
  follow = follow_until_ready (d, pipeline, followed);
  container = container_of (pipeline);

  outage_begin (&outage);
  away = g_get_monotonic_time ();
  touch (d, pipeline, "go");
  ff_test_poll_until (container_stopped, container);
  outage_end (&outage);
  g_test_message ("%s away for %.1f s", outage.engine ? "engine" : "proxy",
                  (g_get_monotonic_time () - away) / 1e6);

  ff_test_wait_for_text (g_subprocess_get_stdout_pipe (follow), followed, NULL);
  ff_test_wait_for_exit (follow);
  g_assert_cmpint (g_subprocess_get_exit_status (follow), ==, 4);
  g_assert_cmpstr (followed->str, ==, expected->str);
  status = status_of (d, "1");
  g_assert_cmpstr (member (status, "reason"), ==, "exit-code");
  log = log_of (d, "1");
  g_assert_cmpstr (log, ==, expected->str);
  ff_test_poll_until (no_container, pipeline);
  outage_clear (&outage);
}

/* The proxy or the engine away for longer than reconnect_grace: an
 * infrastructure error that says so, while the container still runs; once
 * they answer again the container is removed. */
static void
test_gone_past_grace (gconstpointer data)
{
  Outage outage = { 0 };
  g_autoptr (FfTestDaemon) d = NULL;
  g_autofree gchar *pipeline = name (data != NULL ? "engine-gone" : "proxy-gone");
  g_autoptr (GSubprocess) follow = NULL;
  g_autoptr (GString) followed = g_string_new (NULL);
  g_autoptr (JsonNode) status = NULL;
  g_autofree gchar *container = NULL, *still = NULL;
  gint64 away;

  outage_init (&outage, data != NULL);
  d = new_daemon (ff_test_proxy_get_url (outage.proxy), NULL, "reconnect_grace=2");
  add_docker_pipeline (d, pipeline, "echo ready\nwhile :; do sleep 1; done\n");
  ff_test_daemon_start (d, NULL);
  follow = follow_until_ready (d, pipeline, followed);
  container = container_of (pipeline);

  outage_begin (&outage);
  away = g_get_monotonic_time ();
  ff_test_wait_for_exit (follow);
  g_test_message ("run given up %.1f s after the %s went", (g_get_monotonic_time () - away) / 1e6,
                  outage.engine ? "engine" : "proxy");
  g_assert_cmpint (g_subprocess_get_exit_status (follow), ==, 125);
  status = status_of (d, "1");
  g_test_message ("%s / %.200s", member (status, "reason"), member (status, "message"));
  g_assert_cmpstr (member (status, "state"), ==, "failed");
  g_assert_cmpstr (member (status, "error_class"), ==, "infrastructure");
  g_assert_cmpstr (member (status, "reason"), ==,
                   outage.engine ? "engine-error" : "proxy-unreachable");
  g_assert_nonnull (strstr (member (status, "message"), "reconnect_grace"));
  /* still running on the engine, until fastflow can reach it to stop it */
  still = container_of (pipeline);
  g_assert_cmpstr (still, ==, container);
  g_assert_false (container_stopped (container));

  outage_end (&outage);
  ff_test_poll_until (no_container, pipeline);
  outage_clear (&outage);
}

int
main (int argc, char **argv)
{
  g_autofree gchar *random = g_uuid_string_random ();
  gint ret;

  g_setenv ("LANGUAGE", "en", TRUE);
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  g_test_init (&argc, &argv, NULL);
  suffix = g_strndup (random, 8);
  g_assert_nonnull (g_getenv ("FASTFLOW_TEST_IMAGE"));
  g_test_add_func ("/recovery/kill-reattach", test_kill_reattach);
  g_test_add_func ("/recovery/kill-mid-stream", test_kill_mid_stream);
  g_test_add_func ("/recovery/kill-reattach-skips-build", test_kill_reattach_skips_build);
  g_test_add_func ("/recovery/kill-secret-changed", test_kill_secret_changed);
  g_test_add_func ("/recovery/kill-encrypted-schedule", test_kill_encrypted_schedule);
  g_test_add_func ("/recovery/kill-proxy-away", test_kill_proxy_away);
  g_test_add_data_func ("/recovery/proxy-back-in-grace", NULL, test_back_in_grace);
  g_test_add_data_func ("/recovery/proxy-gone-past-grace", NULL, test_gone_past_grace);
  g_test_add_func ("/recovery/stop-leaves-running", test_stop_leaves_running);
  g_test_add_func ("/recovery/disk-full", test_disk_full);
  g_test_add_func ("/recovery/pipelines-removed", test_pipelines_removed);
  g_test_add_data_func ("/recovery/engine-back-in-grace", "engine", test_back_in_grace);
  g_test_add_data_func ("/recovery/engine-gone-past-grace", "engine", test_gone_past_grace);
  ret = g_test_run ();
  g_free (suffix);
  return ret;
}
