/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <string.h>
#include <sys/resource.h>

#include "ff-test-daemon.h"

/* Schedules and run configurations as fastflowd applies them. */

static JsonNode *
ctl_json (FfTestDaemon *d, const gchar *first, ...)
{
  g_autofree gchar *out = NULL, *err = NULL;
  g_autoptr (GError) error = NULL;
  JsonNode *node;

  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, first, "--json", NULL), ==, 0);
  node = json_from_string (out, &error);
  g_assert_no_error (error);
  return node;
}

static guint
count_runs (FfTestDaemon *d)
{
  g_autoptr (JsonNode) runs = ctl_json (d, "runs");

  return json_array_get_length (json_node_get_array (runs));
}

typedef struct
{
  FfTestDaemon *d;
  guint n;
} RunsWait;

static gboolean
has_runs (gpointer data)
{
  RunsWait *wait = data;

  return count_runs (wait->d) >= wait->n;
}

/* Asks the daemon until @n runs exist. */
static void
wait_for_runs (FfTestDaemon *d, guint n)
{
  RunsWait wait = { d, n };

  ff_test_poll_until (has_runs, &wait);
}

/* An interval of a second fires by itself, marked as scheduled, and the
 * next fire time is listed. */
static void
test_interval_fires (void)
{
  g_autoptr (FfTestDaemon) d = ff_test_daemon_new ();
  g_autoptr (JsonNode) pipelines = NULL;
  g_autoptr (JsonNode) runs = NULL;
  JsonObject *first;

  ff_test_daemon_add_pipeline (d, "tick", "main.sh", "echo tick\n", "pipeline.json",
                               "{\"schedule_interval_seconds\": 1}", NULL);
  ff_test_daemon_add_pipeline (d, "manual", "main.sh", "echo manual\n", NULL);
  ff_test_daemon_start (d, NULL);
  pipelines = ctl_json (d, "pipelines");
  for (guint i = 0; i < 2; i++)
    {
      JsonObject *p = json_array_get_object_element (json_node_get_array (pipelines), i);
      gint64 next = json_object_get_int_member (p, "next_run");

      if (g_str_equal (json_object_get_string_member (p, "name"), "tick"))
        g_assert_cmpint (next, >, 0);
      else
        g_assert_cmpint (next, ==, 0);
    }
  wait_for_runs (d, 2);
  runs = ctl_json (d, "runs");
  first = json_array_get_object_element (json_node_get_array (runs), 0);
  g_assert_cmpstr (json_object_get_string_member (first, "pipeline"), ==, "tick");
  g_assert_cmpstr (json_object_get_string_member (first, "triggered_by"), ==, "schedule");
}

/* `run --config ID` takes that schedules[] entry's env; StartRun's own env
 * still wins; an unknown id is refused before anything runs. */
static void
test_run_config (void)
{
  g_autoptr (FfTestDaemon) d = ff_test_daemon_new ();
  g_autofree gchar *out = NULL, *err = NULL;
  g_autofree gchar *override_out = NULL, *override_err = NULL;
  g_autofree gchar *bad_out = NULL, *bad_err = NULL;
  g_autofree gchar *plain_out = NULL, *plain_err = NULL;

  ff_test_daemon_add_pipeline (d, "configured", "main.sh", "echo \"$MODE/$LEVEL\"\n",
                               "pipeline.json",
                               "{\"default_env\": {\"MODE\": \"default\", \"LEVEL\": \"1\"},"
                               " \"schedules\": [{\"id\": \"nightly\","
                               " \"schedule_cron\": \"0 3 * * *\","
                               " \"default_env\": {\"MODE\": \"nightly\"}}]}",
                               NULL);
  ff_test_daemon_start (d, NULL);
  g_assert_cmpint (ff_test_daemon_ctl (d, &plain_out, &plain_err, "run", "configured", NULL), ==,
                   0);
  g_assert_cmpstr (plain_out, ==, "default/1\n");
  g_assert_cmpint (
      ff_test_daemon_ctl (d, &out, &err, "run", "configured", "--config", "nightly", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "nightly/1\n");
  g_assert_cmpint (ff_test_daemon_ctl (d, &override_out, &override_err, "run", "configured",
                                       "--config", "nightly", "-e", "MODE=mine", NULL),
                   ==, 0);
  g_assert_cmpstr (override_out, ==, "mine/1\n");
  g_assert_cmpint (
      ff_test_daemon_ctl (d, &bad_out, &bad_err, "run", "configured", "--config", "nope", NULL), ==,
      125);
  g_assert_nonnull (strstr (bad_err, "nope"));
  g_assert_cmpuint (count_runs (d), ==, 3);
}

/* Each failed attempt is recorded and marked in the log; the run succeeds
 * on its third attempt. One that keeps failing ends with its last code. */
static void
test_retries (void)
{
  g_autoptr (FfTestDaemon) d = ff_test_daemon_new ();
  g_autofree gchar *counter = g_build_filename (d->tmpdir, "count", NULL);
  g_autofree gchar *out = NULL, *err = NULL, *fail_out = NULL, *fail_err = NULL;
  g_autofree gchar *env = g_strdup_printf ("COUNTER=%s", counter);
  g_autoptr (JsonNode) status = NULL;
  g_autoptr (JsonNode) failed = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *status_out = NULL, *status_err = NULL, *failed_out = NULL, *failed_err = NULL;

  ff_test_daemon_add_pipeline (d, "flaky", "main.sh",
                               "n=$(cat \"$COUNTER\" 2>/dev/null || echo 0)\n"
                               "n=$((n + 1)); echo $n > \"$COUNTER\"\n"
                               "echo \"attempt $FASTFLOW_ATTEMPT\"\n"
                               "[ $n -ge 3 ] || exit 4\n",
                               "pipeline.json",
                               "{\"retry_attempts\": 2,"
                               " \"retry_strategy\": {\"type\": \"fixed_delay\", \"delay\": 0}}",
                               NULL);
  ff_test_daemon_add_pipeline (d, "broken", "main.sh", "echo try; exit 7\n", "pipeline.json",
                               "{\"retry_attempts\": 1,"
                               " \"retry_strategy\": {\"type\": \"fixed_delay\", \"delay\": 0}}",
                               NULL);
  ff_test_daemon_start (d, NULL);

  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "run", "flaky", "-e", env, NULL), ==, 0);
  g_test_message ("%s", out);
  g_assert_nonnull (strstr (out, "attempt 1\n[fastflow] Attempt 1 of 3 failed"));
  g_assert_nonnull (strstr (out, "[fastflow] Attempt 2 of 3\nattempt 2\n"));
  g_assert_nonnull (strstr (out, "[fastflow] Attempt 3 of 3\nattempt 3\n"));
  g_assert_cmpint (ff_test_daemon_ctl (d, &status_out, &status_err, "status", "--json", "1", NULL),
                   ==, 0);
  status = json_from_string (status_out, &error);
  g_assert_no_error (error);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (status), "attempt"), ==, 3);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (status), "max_attempts"), ==,
                   3);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (status), "state"), ==,
                   "succeeded");

  g_assert_cmpint (ff_test_daemon_ctl (d, &fail_out, &fail_err, "run", "broken", NULL), ==, 7);
  g_assert_cmpstr (fail_out, ==,
                   "try\n[fastflow] Attempt 1 of 2 failed (The pipeline exited with code 7); "
                   "attempt 2 starts in 0 s\n[fastflow] Attempt 2 of 2\ntry\n");
  g_assert_cmpint (ff_test_daemon_ctl (d, &failed_out, &failed_err, "status", "--json", "2", NULL),
                   ==, 0);
  failed = json_from_string (failed_out, &error);
  g_assert_no_error (error);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (failed), "attempt"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (failed), "exit_code"), ==, 7);
}

static JsonObject *
find_run (JsonNode *runs, const gchar *pipeline)
{
  JsonArray *array = json_node_get_array (runs);

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *run = json_array_get_object_element (array, i);
      if (g_str_equal (json_object_get_string_member (run, "pipeline"), pipeline))
        return run;
    }
  return NULL;
}

/* on_success and on_failure chains, and a route that picks one of two
 * pipelines; each downstream run says what triggered it. */
static void
test_downstream (void)
{
  g_autoptr (FfTestDaemon) d = ff_test_daemon_new ();
  g_autoptr (JsonNode) runs = NULL;
  g_autofree gchar *out = NULL, *err = NULL, *fail_out = NULL, *fail_err = NULL;
  JsonObject *run;

  ff_test_daemon_add_pipeline (
      d, "start", "main.sh", "echo \"$1\"; echo left > \"$FASTFLOW_ROUTE_FILE\"\n", "pipeline.json",
      "{\"downstream_triggers\": ["
      " {\"pipeline\": \"after-success\", \"on_success\": true},"
      " {\"pipeline\": \"after-failure\", \"on_success\": false, \"on_failure\": true},"
      " {\"pipeline\": \"left\", \"on_route\": \"left\"},"
      " {\"pipeline\": \"right\", \"on_route\": \"right\"}]}",
      NULL);
  ff_test_daemon_add_pipeline (
      d, "failing", "main.sh", "exit 2\n", "pipeline.json",
      "{\"downstream_triggers\": ["
      " {\"pipeline\": \"after-success\", \"on_success\": true},"
      " {\"pipeline\": \"after-failure\", \"on_success\": false, \"on_failure\": true}]}",
      NULL);
  ff_test_daemon_add_pipeline (d, "after-success", "main.sh", "echo ok\n", NULL);
  ff_test_daemon_add_pipeline (d, "after-failure", "main.sh", "echo ok\n", NULL);
  ff_test_daemon_add_pipeline (d, "left", "main.sh", "echo ok\n", NULL);
  ff_test_daemon_add_pipeline (d, "right", "main.sh", "echo ok\n", NULL);
  ff_test_daemon_start (d, NULL);

  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "run", "start", NULL), ==, 0);
  /* start, after-success and left */
  wait_for_runs (d, 3);
  g_assert_cmpint (ff_test_daemon_ctl (d, &fail_out, &fail_err, "run", "failing", NULL), ==, 2);
  /* failing and after-failure */
  wait_for_runs (d, 5);
  runs = ctl_json (d, "runs");
  g_assert_cmpuint (json_array_get_length (json_node_get_array (runs)), ==, 5);
  g_assert_null (find_run (runs, "right"));
  run = find_run (runs, "left");
  g_assert_nonnull (run);
  g_assert_cmpstr (json_object_get_string_member (run, "triggered_by"), ==, "downstream:1");
  run = find_run (runs, "start");
  g_assert_cmpstr (json_object_get_string_member (run, "route"), ==, "left");
  run = find_run (runs, "after-failure");
  g_assert_nonnull (run);
  g_assert_cmpstr (json_object_get_string_member (run, "triggered_by"), ==, "downstream:4");
}

/* Triggers that would start each other without end are refused when the
 * pipelines are read, naming the cycle; the others work. */
static void
test_trigger_cycle (void)
{
  g_autoptr (FfTestDaemon) d = ff_test_daemon_new ();
  g_autoptr (JsonNode) pipelines = NULL;
  g_autofree gchar *out = NULL, *err = NULL, *ok_out = NULL, *ok_err = NULL;
  JsonArray *array;
  guint broken = 0;

  ff_test_daemon_add_pipeline (
      d, "ping", "main.sh", "true\n", "pipeline.json",
      "{\"downstream_triggers\": [{\"pipeline\": \"pong\", \"on_success\": true}]}", NULL);
  ff_test_daemon_add_pipeline (
      d, "pong", "main.sh", "true\n", "pipeline.json",
      "{\"downstream_triggers\": [{\"pipeline\": \"ping\", \"on_failure\": true}]}", NULL);
  ff_test_daemon_add_pipeline (d, "fine", "main.sh", "true\n", NULL);
  ff_test_daemon_start (d, NULL);
  pipelines = ctl_json (d, "pipelines");
  array = json_node_get_array (pipelines);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *p = json_array_get_object_element (array, i);
      if (!json_object_get_boolean_member (p, "broken"))
        continue;
      broken++;
      g_test_message ("%s", json_object_get_string_member (p, "error"));
      g_assert_nonnull (strstr (json_object_get_string_member (p, "error"), "cycle"));
      g_assert_true (
          strstr (json_object_get_string_member (p, "error"), "ping → pong → ping") != NULL ||
          strstr (json_object_get_string_member (p, "error"), "pong → ping → pong") != NULL);
    }
  g_assert_cmpuint (broken, ==, 2);
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "run", "ping", NULL), ==, 125);
  g_assert_nonnull (strstr (err, "cycle"));
  g_assert_cmpint (ff_test_daemon_ctl (d, &ok_out, &ok_err, "run", "fine", NULL), ==, 0);
}

/* restart_on_crash: a crashed run starts again after its cooldown, until
 * one ends well. */
static void
test_restart_on_crash (void)
{
  g_autoptr (FfTestDaemon) d = ff_test_daemon_new ();
  g_autofree gchar *counter = g_build_filename (d->tmpdir, "crashes", NULL);
  g_autofree gchar *script = g_strdup_printf ("n=$(cat %s 2>/dev/null || echo 0)\n"
                                              "n=$((n + 1)); echo $n > %s\n"
                                              "[ $n -ge 3 ]\n",
                                              counter, counter);
  g_autofree gchar *out = NULL, *err = NULL;
  g_autoptr (JsonNode) runs = NULL;
  JsonArray *array;

  ff_test_daemon_add_pipeline (d, "service", "main.sh", script, "pipeline.json",
                               "{\"restart_on_crash\": true, \"restart_cooldown\": 0}", NULL);
  ff_test_daemon_start (d, NULL);
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "run", "service", NULL), ==, 1);
  wait_for_runs (d, 3);
  /* the third one ends well: nothing more starts */
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "logs", "--follow", "3", NULL), ==, 0);
  runs = ctl_json (d, "runs");
  array = json_node_get_array (runs);
  g_assert_cmpuint (json_array_get_length (array), ==, 3);
  g_assert_cmpstr (
      json_object_get_string_member (json_array_get_object_element (array, 0), "triggered_by"), ==,
      "restart:2");
  g_assert_cmpstr (
      json_object_get_string_member (json_array_get_object_element (array, 0), "state"), ==,
      "succeeded");
}

/* max_instances refuses a run beyond it; a disabled pipeline runs only
 * when forced. */
static void
test_limits_and_disabled (void)
{
  g_autoptr (FfTestDaemon) d = ff_test_daemon_new ();
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (
      G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr (GSubprocess) first = NULL;
  g_autoptr (GString) output = g_string_new (NULL);
  g_autofree gchar *out = NULL, *err = NULL, *off_out = NULL, *off_err = NULL;
  g_autofree gchar *forced_out = NULL, *forced_err = NULL, *cancel_out = NULL, *cancel_err = NULL;

  ff_test_daemon_add_pipeline (d, "single", "main.sh", "echo up; sleep 30\n", "pipeline.json",
                               "{\"max_instances\": 1}", NULL);
  ff_test_daemon_add_pipeline (d, "off", "main.sh", "echo forced\n", "pipeline.json",
                               "{\"enabled\": false}", NULL);
  ff_test_daemon_start (d, NULL);
  first = ff_test_daemon_spawn_ctl (d, launcher, "run", "single", NULL);
  ff_test_wait_for_text (g_subprocess_get_stdout_pipe (first), output, "up\n");
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "run", "single", NULL), ==, 125);
  g_assert_nonnull (strstr (err, "max_instances"));
  g_assert_cmpint (ff_test_daemon_ctl (d, &cancel_out, &cancel_err, "cancel", "1", NULL), ==, 0);
  ff_test_wait_for_exit (first);

  g_assert_cmpint (ff_test_daemon_ctl (d, &off_out, &off_err, "run", "off", NULL), ==, 125);
  g_assert_nonnull (strstr (off_err, "disabled"));
  g_assert_cmpint (ff_test_daemon_ctl (d, &forced_out, &forced_err, "run", "off", "--force", NULL),
                   ==, 0);
  g_assert_cmpstr (forced_out, ==, "forced\n");
}

typedef struct
{
  gboolean done;
  guint status;
  gchar *body;
} Posted;

static void
on_posted (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Posted *posted = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), res, &error);

  g_assert_no_error (error);
  posted->status =
      soup_message_get_status (soup_session_get_async_result_message (SOUP_SESSION (source), res));
  posted->body = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  posted->done = TRUE;
}

static guint
post (guint16 port, const gchar *path, const gchar *body, gchar **reply)
{
  g_autoptr (SoupSession) session = soup_session_new ();
  g_autofree gchar *url = g_strdup_printf ("http://127.0.0.1:%u%s", port, path);
  g_autoptr (SoupMessage) msg = soup_message_new ("POST", url);
  Posted posted = { 0 };

  if (body != NULL)
    {
      g_autoptr (GBytes) bytes = g_bytes_new (body, strlen (body));
      soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
    }
  soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL, on_posted, &posted);
  ff_test_wait_for_flag (&posted.done);
  *reply = posted.body;
  return posted.status;
}

static void
assert_metrics_served (guint16 port)
{
  g_autoptr (SoupSession) session = soup_session_new ();
  g_autofree gchar *url = g_strdup_printf ("http://127.0.0.1:%u/metrics", port);
  g_autoptr (SoupMessage) msg = soup_message_new ("GET", url);
  Posted fetched = { 0 };

  soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL, on_posted, &fetched);
  ff_test_wait_for_flag (&fetched.done);
  g_assert_cmpuint (fetched.status, ==, 200);
  g_assert_nonnull (strstr (fetched.body, "fastflow_runs_finished_total{pipeline=\"hooked\""));
  g_free (fetched.body);
}

/* Webhooks: the right key starts a run (of the schedule's configuration
 * for its key), a wrong one is 401, an unknown pipeline 404, one past
 * max_instances 429. */
static void
test_webhooks (void)
{
  g_autoptr (FfTestDaemon) d = ff_test_daemon_new ();
  guint16 port = ff_test_free_port ();
  /* metrics on the same address: one server for both */
  g_autofree gchar *config = g_strdup_printf (
      "[daemon]\n[http]\nlisten=127.0.0.1:%u\n[metrics]\nlisten=127.0.0.1:%u\n", port, port);
  g_autofree gchar *ok = NULL, *wrong = NULL, *missing = NULL, *nohooks = NULL, *busy = NULL;
  g_autofree gchar *scheduled = NULL, *bad_body = NULL, *log = NULL, *err = NULL;
  g_autoptr (JsonNode) node = NULL;
  g_autoptr (GError) error = NULL;
  /* run 1 holds its instance until the test has seen the 429 */
  g_autofree gchar *gate = g_build_filename (d->tmpdir, "release", NULL);
  g_autofree gchar *script = g_strdup_printf (
      "echo \"hook $WHO $MODE\"; while [ ! -e '%s' ]; do sleep 0.05; done\n", gate);

  g_assert_true (g_file_set_contents (d->config_path, config, -1, NULL));
  ff_test_daemon_add_pipeline (d, "hooked", "main.sh", script, "pipeline.json",
                               "{\"webhook_key\": \"s3cret\", \"max_instances\": 1,"
                               " \"schedules\": [{\"id\": \"fast\", \"webhook_key\": \"other\","
                               " \"default_env\": {\"MODE\": \"fast\"}}]}",
                               NULL);
  ff_test_daemon_add_pipeline (d, "plain", "main.sh", "true\n", NULL);
  ff_test_daemon_start (d, NULL);

  g_assert_cmpuint (post (port, "/api/webhooks/hooked/s3cret", "{\"WHO\": \"ci\"}", &ok), ==, 200);
  node = json_from_string (ok, &error);
  g_assert_no_error (error);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (node), "run_id"), ==, 1);
  g_assert_cmpuint (post (port, "/api/webhooks/hooked/s3cret", NULL, &busy), ==, 429);
  g_assert_cmpuint (post (port, "/api/webhooks/hooked/wrong", NULL, &wrong), ==, 401);
  g_assert_cmpuint (post (port, "/api/webhooks/nope/s3cret", NULL, &missing), ==, 404);
  g_assert_cmpuint (post (port, "/api/webhooks/plain/x", NULL, &nohooks), ==, 404);
  g_assert_cmpuint (post (port, "/api/webhooks/hooked/s3cret", "[1]", &bad_body), ==, 400);
  g_assert_true (g_file_set_contents (gate, "", 0, NULL));
  g_assert_cmpint (ff_test_daemon_ctl (d, &log, &err, "logs", "--follow", "1", NULL), ==, 0);
  g_assert_cmpstr (log, ==, "hook ci \n");
  g_clear_pointer (&log, g_free);
  g_assert_cmpuint (post (port, "/api/webhooks/hooked/other", NULL, &scheduled), ==, 200);
  g_assert_cmpint (ff_test_daemon_ctl (d, &log, &err, "logs", "--follow", "2", NULL), ==, 0);
  g_assert_cmpstr (log, ==, "hook  fast\n");
  assert_metrics_served (port);
}

/* A caller written for Fast-Flow: its body ({"env_vars": …, "parameters":
 * …}, parameters winning as there) and its answer (200 with id,
 * pipeline_name, status, started_at), with fastflow's run_id and pipeline. */
static void
test_webhooks_fast_flow (void)
{
  g_autoptr (FfTestDaemon) d = ff_test_daemon_new ();
  guint16 port = ff_test_free_port ();
  g_autofree gchar *config = g_strdup_printf ("[daemon]\n[http]\nlisten=127.0.0.1:%u\n", port);
  g_autofree gchar *answer = NULL, *log = NULL, *err = NULL, *extra = NULL, *bad = NULL;
  g_autofree gchar *nulls = NULL;
  g_autoptr (JsonNode) node = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GDateTime) started = NULL;
  JsonObject *object;

  g_assert_true (g_file_set_contents (d->config_path, config, -1, NULL));
  ff_test_daemon_add_pipeline (d, "hooked", "main.sh", "echo \"$WHO $MODE $DAY\"\n",
                               "pipeline.json", "{\"webhook_key\": \"s3cret-0123456789\"}", NULL);
  ff_test_daemon_start (d, NULL);

  g_assert_cmpuint (post (port, "/api/webhooks/hooked/s3cret-0123456789",
                          "{\"env_vars\": {\"WHO\": \"ff\", \"MODE\": \"env\"}, "
                          "\"parameters\": {\"MODE\": \"param\", \"DAY\": \"mon\"}}",
                          &answer),
                    ==, 200);
  node = json_from_string (answer, &error);
  g_assert_no_error (error);
  object = json_node_get_object (node);
  g_assert_cmpstr (json_object_get_string_member (object, "id"), ==, "1");
  g_assert_cmpstr (json_object_get_string_member (object, "pipeline_name"), ==, "hooked");
  g_assert_true (g_strv_contains ((const gchar *const[]){ "PENDING", "RUNNING", NULL },
                                  json_object_get_string_member (object, "status")));
  started =
      g_date_time_new_from_iso8601 (json_object_get_string_member (object, "started_at"), NULL);
  g_assert_nonnull (started);
  g_assert_cmpint (ABS (g_date_time_to_unix (started) - g_get_real_time () / G_USEC_PER_SEC), <,
                   600);
  g_assert_true (g_str_has_suffix (json_object_get_string_member (object, "started_at"), "+00:00"));
  g_assert_cmpint (json_object_get_int_member (object, "run_id"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (object, "pipeline"), ==, "hooked");
  g_assert_cmpint (ff_test_daemon_ctl (d, &log, &err, "logs", "--follow", "1", NULL), ==, 0);
  g_assert_cmpstr (log, ==, "ff param mon\n");

  /* null parts are none; run_config_id is ignored, as Fast-Flow's webhook does */
  g_assert_cmpuint (post (port, "/api/webhooks/hooked/s3cret-0123456789",
                          "{\"env_vars\": null, \"parameters\": {\"WHO\": \"p\"}, "
                          "\"run_config_id\": \"x\"}",
                          &nulls),
                    ==, 200);
  /* what is neither form, or a value that is no string, starts nothing */
  g_assert_cmpuint (post (port, "/api/webhooks/hooked/s3cret-0123456789",
                          "{\"env_vars\": {\"WHO\": \"ff\"}, \"DAY\": \"mon\"}", &extra),
                    ==, 400);
  g_assert_nonnull (strstr (extra, "“DAY” next to env_vars"));
  g_assert_cmpuint (
      post (port, "/api/webhooks/hooked/s3cret-0123456789", "{\"parameters\": {\"DAY\": 1}}", &bad),
      ==, 400);
  g_assert_nonnull (strstr (bad, "parameters.DAY"));
}

/* ---- what reaches the HTTP server before any key is checked ---- */

/* A client that cannot hang the test: every read or write gives up after
 * this long. */
#define RAW_TIMEOUT_S 15

static GSocketConnection *
connect_raw (guint16 port)
{
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GError) error = NULL;
  GSocketConnection *connection =
      g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, &error);

  g_assert_no_error (error);
  g_socket_set_timeout (g_socket_connection_get_socket (connection), RAW_TIMEOUT_S);
  return connection;
}

static void
send_text (GSocketConnection *connection, const gchar *text)
{
  g_autoptr (GError) error = NULL;

  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)), text,
                             strlen (text), NULL, NULL, &error);
  g_assert_no_error (error);
}

/* Everything the server sends until it closes the connection; fails when
 * it keeps it open past RAW_TIMEOUT_S. */
static gchar *
read_to_close (GSocketConnection *connection)
{
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (connection));
  g_autoptr (GString) text = g_string_new (NULL);
  gchar buffer[4096];
  gssize n;

  do
    {
      g_autoptr (GError) error = NULL;

      n = g_input_stream_read (in, buffer, sizeof buffer, NULL, &error);
      /* a reset after the answer is a close too */
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED) ||
          g_error_matches (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE))
        break;
      g_assert_no_error (error);
      g_string_append_len (text, buffer, n);
    }
  while (n > 0);
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static guint
count_fds (GSubprocess *process)
{
  g_autofree gchar *path = g_strdup_printf ("/proc/%s/fd", g_subprocess_get_identifier (process));
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  guint n = 0;

  g_assert_nonnull (dir);
  while (g_dir_read_name (dir) != NULL)
    n++;
  return n;
}

static void
start_hooked_daemon (FfTestDaemon *d, guint16 port, const gchar *http_keys)
{
  g_autofree gchar *config =
      g_strdup_printf ("[daemon]\n[http]\nlisten=127.0.0.1:%u\n%s", port, http_keys);

  g_assert_true (g_file_set_contents (d->config_path, config, -1, NULL));
  ff_test_daemon_add_pipeline (d, "hooked", "main.sh", "echo hooked\n", "pipeline.json",
                               "{\"webhook_key\": \"s3cret-0123456789\"}", NULL);
  ff_test_daemon_start (d, NULL);
}

#define HOOK_REQUEST "POST /api/webhooks/hooked/s3cret-0123456789 HTTP/1.1\r\nHost: 127.0.0.1\r\n"

/* A body past 64 KiB is answered 413 before it is read, whether its
 * length is announced or it comes in chunks; the daemon's memory does not
 * grow with it. */
static void
test_webhook_body_limit (void)
{
  g_autoptr (FfTestDaemon) d = ff_test_daemon_new ();
  guint16 port = ff_test_free_port ();
  g_autoptr (GSocketConnection) announced = NULL;
  g_autoptr (GSocketConnection) chunked = NULL;
  g_autofree gchar *answer = NULL, *ok = NULL;
  g_autofree gchar *chunk = NULL;
  guint64 rss_before, written = 0;
  const guint64 flood = 256 * 1024 * 1024;
  const gsize chunk_size = 256 * 1024;

  start_hooked_daemon (d, port, "");
  rss_before = ff_test_memory_bytes (d->daemon, "VmRSS");

  /* the headers alone: the answer comes without the body */
  announced = connect_raw (port);
  send_text (announced, HOOK_REQUEST "Content-Length: 1048576\r\n\r\n");
  answer = read_to_close (announced);
  g_assert_true (g_str_has_prefix (answer, "HTTP/1.1 413"));
  g_assert_nonnull (strstr (answer, "larger than 64 KiB"));

  /* chunks until the server stops taking them */
  chunked = connect_raw (port);
  send_text (chunked, HOOK_REQUEST "Transfer-Encoding: chunked\r\n\r\n");
  chunk = g_strdup_printf ("%" G_GSIZE_MODIFIER "x\r\n%*s\r\n", chunk_size, (gint) chunk_size, "");
  while (written < flood)
    {
      g_autoptr (GError) error = NULL;

      if (!g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (chunked)), chunk,
                                      strlen (chunk), NULL, NULL, &error))
        break;
      written += chunk_size;
    }
  g_test_message ("the server stopped taking the chunked body after %" G_GUINT64_FORMAT " bytes",
                  written);
  g_assert_cmpuint (written, <, flood);
  g_assert_cmpuint (ff_test_memory_bytes (d->daemon, "VmRSS"), <, rss_before + 16 * 1024 * 1024);

  /* and it still serves */
  g_assert_cmpuint (post (port, "/api/webhooks/hooked/s3cret-0123456789", "{}", &ok), ==, 200);
}

typedef struct
{
  GSocketConnection *connection;
  guint sent;
  gboolean closed;
} Dribble;

static gboolean
on_dribble (gpointer user_data)
{
  Dribble *dribble = user_data;
  GSocket *socket = g_socket_connection_get_socket (dribble->connection);

  if (g_socket_send (socket, "X", 1, NULL, NULL) != 1)
    return G_SOURCE_REMOVE;
  dribble->sent++;
  return G_SOURCE_CONTINUE;
}

static void
on_dribble_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Dribble *dribble = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes =
      g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &error);

  /* the server's end, not the client's own timeout */
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (bytes), ==, 0);
  dribble->closed = TRUE;
}

/* Idle connections, more than max_connections of them and more than the
 * daemon has descriptors for, are answered 503 or closed after
 * idle_timeout; runs and webhooks keep working. A request whose headers
 * come a byte at a time is cut too. */
static void
test_webhook_connections (void)
{
  g_autoptr (FfTestDaemon) d = ff_test_daemon_new ();
  guint16 port = ff_test_free_port ();
  g_autoptr (GPtrArray) idle = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree gchar *out = NULL, *err = NULL, *ok = NULL;
  g_autoptr (GSocketConnection) slow = NULL;
  Dribble dribble = { 0 };
  struct rlimit saved, low;
  guint busy = 0, source, fds_before;

  /* the daemon inherits a small descriptor limit */
  g_assert_cmpint (getrlimit (RLIMIT_NOFILE, &saved), ==, 0);
  low = saved;
  low.rlim_cur = 64;
  g_assert_cmpint (setrlimit (RLIMIT_NOFILE, &low), ==, 0);
  start_hooked_daemon (d, port, "max_connections=4\nidle_timeout=1\n");
  g_assert_cmpint (setrlimit (RLIMIT_NOFILE, &saved), ==, 0);

  fds_before = count_fds (d->daemon);
  for (guint i = 0; i < 100; i++)
    g_ptr_array_add (idle, connect_raw (port));
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "run", "hooked", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "hooked\n");
  for (guint i = 0; i < idle->len; i++)
    {
      g_autofree gchar *answer = read_to_close (g_ptr_array_index (idle, i));

      if (g_str_has_prefix (answer, "HTTP/1.1 503"))
        busy++;
      else
        g_assert_cmpstr (answer, ==, "");
    }
  g_test_message ("%u of 100 idle connections were answered 503", busy);
  /* what was cut is closed, not only shut down */
  g_assert_cmpuint (count_fds (d->daemon), <, fds_before + 4);
  g_assert_cmpuint (busy, >=, 1);
  g_assert_cmpuint (post (port, "/api/webhooks/hooked/s3cret-0123456789", "{}", &ok), ==, 200);

  /* a byte every 100 ms keeps the socket busy, but the request never ends */
  slow = connect_raw (port);
  send_text (slow, "POST /api/webhooks/hooked/s3cret-0123456789 HTTP/1.1\r\nX-Slow: ");
  dribble.connection = slow;
  source = g_timeout_add (100, on_dribble, &dribble);
  g_input_stream_read_bytes_async (g_io_stream_get_input_stream (G_IO_STREAM (slow)), 1,
                                   G_PRIORITY_DEFAULT, NULL, on_dribble_read, &dribble);
  ff_test_wait_for_flag (&dribble.closed);
  g_source_remove (source);
  g_test_message ("the slow request was cut after %u bytes", dribble.sent);
  g_assert_cmpuint (dribble.sent, <, 100);
}

/* Bounds: a run that prints too much is cut at max_log_bytes with a line
 * that says so; old runs leave the history with their logs. */
static void
test_log_cap_and_retention (void)
{
  g_autoptr (FfTestDaemon) d = ff_test_daemon_new ();
  g_autofree gchar *out = NULL, *err = NULL, *gone_out = NULL, *gone_err = NULL;
  g_autofree gchar *log1 = g_build_filename (d->state_dir, "logs", "1.log", NULL);
  g_autofree gchar *log3 = g_build_filename (d->state_dir, "logs", "3.log", NULL);
  g_autoptr (JsonNode) runs = NULL;
  const gchar *note;

  g_assert_true (g_file_set_contents (
      d->config_path, "[daemon]\nmax_log_bytes=1000\nkeep_runs=2\nkeep_days=0\n", -1, NULL));
  ff_test_daemon_add_pipeline (d, "chatty", "main.sh", "seq 1 5000\n", NULL);
  ff_test_daemon_start (d, NULL);
  for (guint i = 0; i < 3; i++)
    {
      g_clear_pointer (&out, g_free);
      g_clear_pointer (&err, g_free);
      g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "run", "chatty", NULL), ==, 0);
    }
  /* the first 1000 bytes, then fastflow's line */
  g_assert_true (g_str_has_prefix (out, "1\n2\n3\n"));
  note = strstr (out, "[fastflow] The log reached its limit");
  g_assert_nonnull (note);
  g_assert_cmpint (note - out, <=, 1001);
  g_assert_null (strstr (out, "5000\n"));

  /* retention runs at start-up (and hourly): two runs stay */
  ff_test_daemon_stop (d);
  ff_test_daemon_start (d, NULL);
  runs = ctl_json (d, "runs");
  g_assert_cmpuint (json_array_get_length (json_node_get_array (runs)), ==, 2);
  g_assert_false (g_file_test (log1, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (log3, G_FILE_TEST_EXISTS));
  g_assert_cmpint (ff_test_daemon_ctl (d, &gone_out, &gone_err, "status", "1", NULL), ==, 1);
}

int
main (int argc, char **argv)
{
  g_setenv ("LANGUAGE", "en", TRUE);
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/schedule-dbus/interval-fires", test_interval_fires);
  g_test_add_func ("/schedule-dbus/run-config", test_run_config);
  g_test_add_func ("/schedule-dbus/retries", test_retries);
  g_test_add_func ("/schedule-dbus/downstream", test_downstream);
  g_test_add_func ("/schedule-dbus/trigger-cycle", test_trigger_cycle);
  g_test_add_func ("/schedule-dbus/restart-on-crash", test_restart_on_crash);
  g_test_add_func ("/schedule-dbus/limits-and-disabled", test_limits_and_disabled);
  g_test_add_func ("/schedule-dbus/webhooks", test_webhooks);
  g_test_add_func ("/schedule-dbus/webhooks-fast-flow", test_webhooks_fast_flow);
  g_test_add_func ("/schedule-dbus/log-cap-and-retention", test_log_cap_and_retention);
  g_test_add_func ("/schedule-dbus/webhook-body-limit", test_webhook_body_limit);
  g_test_add_func ("/schedule-dbus/webhook-connections", test_webhook_connections);
  return g_test_run ();
}
