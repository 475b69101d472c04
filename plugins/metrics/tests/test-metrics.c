/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <libsoup/soup.h>
#include <string.h>

#include "ff-metrics-collector.h"
#include "ff-test-util.h"

#define SAFETY_TIMEOUT_S 60
#define INTERVAL_MS 100

/* An execution that measures itself from a script: each sample_usage ()
 * takes the next entry; the last one repeats. */
typedef struct
{
  gdouble cpu_percent;
  guint64 memory_bytes;
  gint error; /* 0, or -1 for WOULD_BLOCK, or an FfReason of FF_EXECUTOR_ERROR */
} Step;

#define FAKE_TYPE_EXECUTION (fake_execution_get_type ())
G_DECLARE_FINAL_TYPE (FakeExecution, fake_execution, FAKE, EXECUTION, FfExecution)

struct _FakeExecution
{
  FfExecution parent_instance;
  const Step *steps;
  guint n_steps;
  guint calls;
};

G_DEFINE_TYPE (FakeExecution, fake_execution, FF_TYPE_EXECUTION)

static gboolean
fake_sample_usage (FfExecution *execution, FfUsage *usage, GError **error)
{
  FakeExecution *self = FAKE_EXECUTION (execution);
  const Step *step = &self->steps[MIN (self->calls, self->n_steps - 1)];

  self->calls++;
  if (step->error == -1)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK, "not yet");
      return FALSE;
    }
  if (step->error > 0)
    {
      g_set_error_literal (error, FF_EXECUTOR_ERROR, step->error,
                           "The Docker proxy refused “GET /containers/x/stats”");
      return FALSE;
    }
  usage->cpu_percent = step->cpu_percent;
  usage->memory_bytes = step->memory_bytes;
  usage->memory_limit_bytes = 0;
  return TRUE;
}

static void
fake_cancel (FfExecution *execution, guint grace_ms)
{
}

static void
fake_execution_class_init (FakeExecutionClass *klass)
{
  FF_EXECUTION_CLASS (klass)->sample_usage = fake_sample_usage;
  FF_EXECUTION_CLASS (klass)->cancel = fake_cancel;
}

static void
fake_execution_init (FakeExecution *self)
{
}

static FakeExecution *
fake_new (const Step *steps, guint n_steps)
{
  FakeExecution *self = g_object_new (FAKE_TYPE_EXECUTION, NULL);

  self->steps = steps;
  self->n_steps = n_steps;
  return self;
}

/* What the collector told the daemon. */
typedef struct
{
  GArray *samples; /* FfUsage */
  GPtrArray *warnings;
  GPtrArray *unavailable;
} Heard;

static void
on_usage (FfCollector *collector,
          guint64 run_id,
          gdouble cpu,
          guint64 memory,
          guint64 limit,
          Heard *heard)
{
  FfUsage usage = { cpu, memory, limit };

  g_assert_cmpuint (run_id, ==, 7);
  g_array_append_val (heard->samples, usage);
}

static void
on_warning (FfCollector *collector, guint64 run_id, const gchar *message, Heard *heard)
{
  g_ptr_array_add (heard->warnings, g_strdup (message));
}

static void
on_unavailable (FfCollector *collector, guint64 run_id, const gchar *message, Heard *heard)
{
  g_ptr_array_add (heard->unavailable, g_strdup (message));
}

typedef struct
{
  FfMetricsCollector *collector;
  Heard heard;
} Fixture;

static void
fixture_set_up (Fixture *fixture, gconstpointer user_data)
{
  g_autoptr (GKeyFile) config = g_key_file_new ();
  g_autoptr (GError) error = NULL;

  fixture->collector = ff_metrics_collector_new ();
  g_key_file_set_integer (config, "metrics", "interval_ms", INTERVAL_MS);
  g_assert_true (ff_collector_configure (FF_COLLECTOR (fixture->collector), config, &error));
  g_assert_no_error (error);
  fixture->heard.samples = g_array_new (FALSE, FALSE, sizeof (FfUsage));
  fixture->heard.warnings = g_ptr_array_new_with_free_func (g_free);
  fixture->heard.unavailable = g_ptr_array_new_with_free_func (g_free);
  g_signal_connect (fixture->collector, "usage", G_CALLBACK (on_usage), &fixture->heard);
  g_signal_connect (fixture->collector, "soft-limit-exceeded", G_CALLBACK (on_warning),
                    &fixture->heard);
  g_signal_connect (fixture->collector, "usage-unavailable", G_CALLBACK (on_unavailable),
                    &fixture->heard);
}

static void
fixture_tear_down (Fixture *fixture, gconstpointer user_data)
{
  g_object_unref (fixture->collector);
  g_array_unref (fixture->heard.samples);
  g_ptr_array_unref (fixture->heard.warnings);
  g_ptr_array_unref (fixture->heard.unavailable);
}

typedef struct
{
  FakeExecution *execution;
  guint calls;
} CallsWait;

static gboolean
calls_made (gpointer data)
{
  CallsWait *wait = data;

  return wait->execution->calls >= wait->calls;
}

/* Runs the main loop until @calls sample_usage () calls have been made. */
static void
wait_for_calls (FakeExecution *execution, guint calls)
{
  CallsWait wait = { execution, calls };

  ff_test_wait_until_within (calls_made, &wait, SAFETY_TIMEOUT_S, "sample_usage () calls");
}

static gboolean
on_elapsed (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* To show that nothing happens, give it the time of several intervals. */
static void
let_intervals_pass (guint n)
{
  gboolean elapsed = FALSE;

  g_timeout_add (n * INTERVAL_MS, on_elapsed, &elapsed);
  ff_test_wait_for_flag (&elapsed);
}

static FfRunRequest *
new_request (gdouble cpu_soft, guint64 memory_soft)
{
  FfRunRequest *request = ff_run_request_new (7, "demo");

  ff_run_request_set_cpu_soft_limit (request, cpu_soft);
  ff_run_request_set_memory_soft_limit (request, memory_soft);
  ff_run_request_set_executor (request, "local");
  return request;
}

static void
test_samples (Fixture *fixture, gconstpointer user_data)
{
  const Step steps[] = { { 10, 1000, 0 }, { 20, 3000, 0 }, { 5, 2000, 0 } };
  g_autoptr (FakeExecution) execution = fake_new (steps, G_N_ELEMENTS (steps));
  g_autoptr (FfRunRequest) request = new_request (0, 0);

  ff_collector_execution_started (FF_COLLECTOR (fixture->collector), request,
                                  FF_EXECUTION (execution));
  wait_for_calls (execution, 3);
  ff_collector_execution_finished (FF_COLLECTOR (fixture->collector), 7);
  g_assert_cmpuint (fixture->heard.samples->len, ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      FfUsage *usage = &g_array_index (fixture->heard.samples, FfUsage, i);
      g_assert_cmpfloat (usage->cpu_percent, ==, steps[i].cpu_percent);
      g_assert_cmpuint (usage->memory_bytes, ==, steps[i].memory_bytes);
    }
  g_assert_cmpuint (fixture->heard.warnings->len, ==, 0);
}

static void
test_soft_limits_once (Fixture *fixture, gconstpointer user_data)
{
  /* over the memory limit from the second sample, over the CPU limit from
   * the third, and staying over both */
  const Step steps[] = { { 10, 1000, 0 }, { 10, 3000, 0 }, { 180, 4000, 0 } };
  g_autoptr (FakeExecution) execution = fake_new (steps, G_N_ELEMENTS (steps));
  g_autoptr (FfRunRequest) request = new_request (1.5, 2048);

  ff_collector_execution_started (FF_COLLECTOR (fixture->collector), request,
                                  FF_EXECUTION (execution));
  wait_for_calls (execution, 8);
  ff_collector_execution_finished (FF_COLLECTOR (fixture->collector), 7);
  g_assert_cmpuint (fixture->heard.warnings->len, ==, 2);
  g_test_message ("%s", (gchar *) g_ptr_array_index (fixture->heard.warnings, 0));
  g_test_message ("%s", (gchar *) g_ptr_array_index (fixture->heard.warnings, 1));
  g_assert_nonnull (strstr (g_ptr_array_index (fixture->heard.warnings, 0), "memory"));
  g_assert_nonnull (strstr (g_ptr_array_index (fixture->heard.warnings, 0), "2.0\u00a0KiB"));
  g_assert_nonnull (strstr (g_ptr_array_index (fixture->heard.warnings, 1), "CPU"));
  g_assert_nonnull (strstr (g_ptr_array_index (fixture->heard.warnings, 1), "180"));
}

static void
test_would_block (Fixture *fixture, gconstpointer user_data)
{
  const Step steps[] = { { 0, 0, -1 }, { 0, 0, -1 }, { 50, 500, 0 } };
  g_autoptr (FakeExecution) execution = fake_new (steps, G_N_ELEMENTS (steps));
  g_autoptr (FfRunRequest) request = new_request (0, 0);

  ff_collector_execution_started (FF_COLLECTOR (fixture->collector), request,
                                  FF_EXECUTION (execution));
  wait_for_calls (execution, 4);
  ff_collector_execution_finished (FF_COLLECTOR (fixture->collector), 7);
  g_assert_cmpuint (fixture->heard.samples->len, ==, 2);
  g_assert_cmpuint (fixture->heard.unavailable->len, ==, 0);
}

/* A refused stats request is said once, and sampling stops. */
static void
test_refused (Fixture *fixture, gconstpointer user_data)
{
  const Step steps[] = { { 0, 0, -1 }, { 0, 0, FF_REASON_PROXY_FORBIDDEN } };
  g_autoptr (FakeExecution) execution = fake_new (steps, G_N_ELEMENTS (steps));
  g_autoptr (FfRunRequest) request = new_request (0, 0);

  ff_collector_execution_started (FF_COLLECTOR (fixture->collector), request,
                                  FF_EXECUTION (execution));
  wait_for_calls (execution, 2);
  let_intervals_pass (4);
  g_assert_cmpuint (execution->calls, ==, 2);
  g_assert_cmpuint (fixture->heard.unavailable->len, ==, 1);
  g_assert_nonnull (strstr (g_ptr_array_index (fixture->heard.unavailable, 0), "/stats"));
  g_assert_cmpuint (ff_metrics_collector_get_n_watched (fixture->collector), ==, 0);
  ff_collector_execution_finished (FF_COLLECTOR (fixture->collector), 7);
}

/* Nothing is sampled after the run ends, and no timer is left. */
static void
test_nothing_after_end (Fixture *fixture, gconstpointer user_data)
{
  const Step steps[] = { { 1, 1, 0 } };
  g_autoptr (FakeExecution) execution = fake_new (steps, G_N_ELEMENTS (steps));
  g_autoptr (FfRunRequest) request = new_request (0, 0);
  guint calls;

  ff_collector_execution_started (FF_COLLECTOR (fixture->collector), request,
                                  FF_EXECUTION (execution));
  wait_for_calls (execution, 2);
  g_assert_cmpuint (ff_metrics_collector_get_n_watched (fixture->collector), ==, 1);
  ff_collector_execution_finished (FF_COLLECTOR (fixture->collector), 7);
  g_assert_cmpuint (ff_metrics_collector_get_n_watched (fixture->collector), ==, 0);
  calls = execution->calls;
  let_intervals_pass (4);
  g_assert_cmpuint (execution->calls, ==, calls);
  /* the collector holds no reference that would keep the execution */
  g_assert_cmpuint (G_OBJECT (execution)->ref_count, ==, 1);
}

typedef struct
{
  gboolean done;
  GBytes *body;
  guint status;
  gchar *content_type;
} Fetch;

static void
on_fetched (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Fetch *fetch = user_data;
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), res);
  g_autoptr (GError) error = NULL;

  fetch->body = soup_session_send_and_read_finish (SOUP_SESSION (source), res, &error);
  g_assert_no_error (error);
  fetch->status = soup_message_get_status (msg);
  fetch->content_type = g_strdup (
      soup_message_headers_get_one (soup_message_get_response_headers (msg), "Content-Type"));
  fetch->done = TRUE;
}

static gchar *
fetch (guint16 port, const gchar *path, const gchar *accept, guint *status, gchar **content_type)
{
  g_autoptr (SoupSession) session = soup_session_new ();
  g_autofree gchar *url = g_strdup_printf ("http://127.0.0.1:%u%s", port, path);
  g_autoptr (SoupMessage) msg = soup_message_new ("GET", url);
  Fetch result = { 0 };
  gsize len;
  const gchar *data;
  gchar *text;

  if (accept != NULL)
    soup_message_headers_append (soup_message_get_request_headers (msg), "Accept", accept);
  soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL, on_fetched, &result);
  ff_test_wait_until_within (ff_test_is_set, &result.done, SAFETY_TIMEOUT_S, "an HTTP response");
  *status = result.status;
  *content_type = result.content_type;
  data = g_bytes_get_data (result.body, &len);
  text = g_strndup (data, len);
  g_bytes_unref (result.body);
  return text;
}

static void
assert_promtool_accepts (const gchar *text)
{
  g_autoptr (GSubprocess) promtool = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *out = NULL, *err = NULL;

  /* fails, not skips, without promtool: scripts/install-deps installs it */
  promtool = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                   G_SUBPROCESS_FLAGS_STDERR_PIPE,
                               &error, "promtool", "check", "metrics", NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (promtool, text, NULL, &out, &err, &error);
  g_assert_no_error (error);
  g_test_message ("promtool: %s%s", out, err);
  g_assert_true (g_subprocess_get_if_exited (promtool));
  g_assert_cmpint (g_subprocess_get_exit_status (promtool), ==, 0);
}

static void
test_endpoint (void)
{
  g_autoptr (FfMetricsCollector) collector = ff_metrics_collector_new ();
  g_autoptr (GKeyFile) config = g_key_file_new ();
  g_autoptr (GError) error = NULL;
  const Step steps[] = { { 12.5, 4096, 0 } };
  g_autoptr (FakeExecution) execution = fake_new (steps, G_N_ELEMENTS (steps));
  g_autoptr (FfRunRequest) request = ff_run_request_new (3, "we\"ird\\name");
  g_autofree gchar *text = NULL, *missing = NULL, *plain = NULL;
  g_autofree gchar *content_type = NULL, *other_type = NULL, *plain_type = NULL;
  guint status = 0;
  FfCollector *c;

  g_key_file_set_string (config, "metrics", "listen", "127.0.0.1:0");
  c = FF_COLLECTOR (collector);
  g_assert_true (ff_collector_configure (c, config, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (ff_metrics_collector_get_port (collector), >, 0);

  ff_collector_execution_started (c, request, FF_EXECUTION (execution));
  ff_collector_run_finished (c, "we\"ird\\name", "local", FF_RUN_STATE_SUCCEEDED,
                             1500 * G_TIME_SPAN_MILLISECOND);
  ff_collector_run_finished (c, "other", "local", FF_RUN_STATE_FAILED, 42 * G_TIME_SPAN_SECOND);
  ff_collector_runs_changed (c, 2, 5);
  ff_collector_executor_health_changed (c, "local", TRUE);
  ff_collector_executor_health_changed (c, "docker-proxy", FALSE);

  /* what Prometheus asks for */
  text = fetch (ff_metrics_collector_get_port (collector), "/metrics",
                "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5",
                &status, &content_type);
  g_test_message ("%s", text);
  g_assert_cmpuint (status, ==, 200);
  g_assert_true (g_str_has_prefix (content_type, "application/openmetrics-text"));
  g_assert_true (g_str_has_suffix (text, "# EOF\n"));
  g_assert_nonnull (
      strstr (text, "fastflow_runs_started_total{pipeline=\"we\\\"ird\\\\name\"} 1\n"));
  g_assert_nonnull (
      strstr (text, "fastflow_runs_finished_total{pipeline=\"other\",state=\"failed\"} 1\n"));
  g_assert_nonnull (
      strstr (text, "fastflow_run_duration_seconds_bucket{pipeline=\"other\",le=\"30.0\"} 0\n"));
  g_assert_nonnull (
      strstr (text, "fastflow_run_duration_seconds_bucket{pipeline=\"other\",le=\"60.0\"} 1\n"));
  g_assert_nonnull (
      strstr (text, "fastflow_run_duration_seconds_sum{pipeline=\"we\\\"ird\\\\name\"} 1.5\n"));
  g_assert_nonnull (strstr (text, "fastflow_runs_running 2\n"));
  g_assert_nonnull (strstr (text, "fastflow_runs_queued 5\n"));
  g_assert_nonnull (strstr (
      text, "fastflow_run_cpu_percent{run_id=\"3\",pipeline=\"we\\\"ird\\\\name\"} 12.5\n"));
  g_assert_nonnull (strstr (
      text, "fastflow_run_memory_bytes{run_id=\"3\",pipeline=\"we\\\"ird\\\\name\"} 4096\n"));
  g_assert_nonnull (strstr (text, "fastflow_executor_available{executor=\"docker-proxy\"} 0\n"));
  g_assert_nonnull (strstr (text, "fastflow_executor_available{executor=\"local\"} 1\n"));
  g_assert_nonnull (strstr (text, "# TYPE fastflow_runs_started counter\n"));

  /* what curl and promtool read: the same figures in Prometheus' format */
  plain = fetch (ff_metrics_collector_get_port (collector), "/metrics", NULL, &status, &plain_type);
  g_assert_cmpuint (status, ==, 200);
  g_assert_true (g_str_has_prefix (plain_type, "text/plain; version=0.0.4"));
  g_assert_nonnull (strstr (plain, "# TYPE fastflow_runs_started_total counter\n"));
  g_assert_nonnull (strstr (plain, "fastflow_runs_running 2\n"));
  g_assert_null (strstr (plain, "# EOF"));
  assert_promtool_accepts (plain);

  missing = fetch (ff_metrics_collector_get_port (collector), "/other", NULL, &status, &other_type);
  g_assert_cmpuint (status, ==, 404);
  ff_collector_execution_finished (c, 3);
}

static void
test_bad_settings (void)
{
  const gchar *bad_listen[] = { "localhost:9464", "127.0.0.1", "127.0.0.1:99999", "nonsense" };
  const gchar *bad_interval[] = { "0", "fast", "-5" };

  for (guint i = 0; i < G_N_ELEMENTS (bad_listen); i++)
    {
      g_autoptr (FfMetricsCollector) collector = ff_metrics_collector_new ();
      g_autoptr (GKeyFile) config = g_key_file_new ();
      g_autoptr (GError) error = NULL;

      g_key_file_set_string (config, "metrics", "listen", bad_listen[i]);
      g_assert_false (ff_collector_configure (FF_COLLECTOR (collector), config, &error));
      g_test_message ("%s", error->message);
      g_assert_nonnull (strstr (error->message, bad_listen[i]));
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad_interval); i++)
    {
      g_autoptr (FfMetricsCollector) collector = ff_metrics_collector_new ();
      g_autoptr (GKeyFile) config = g_key_file_new ();
      g_autoptr (GError) error = NULL;

      g_key_file_set_string (config, "metrics", "interval_ms", bad_interval[i]);
      g_assert_false (ff_collector_configure (FF_COLLECTOR (collector), config, &error));
      g_assert_nonnull (strstr (error->message, "interval_ms"));
    }
}

/* A port in use is a clear error naming the address. */
static void
test_port_in_use (void)
{
  g_autoptr (FfMetricsCollector) first = ff_metrics_collector_new ();
  g_autoptr (FfMetricsCollector) second = ff_metrics_collector_new ();
  g_autoptr (GKeyFile) config = g_key_file_new ();
  g_autoptr (GError) error = NULL;
  g_autofree gchar *taken = NULL;

  g_key_file_set_string (config, "metrics", "listen", "127.0.0.1:0");
  g_assert_true (ff_collector_configure (FF_COLLECTOR (first), config, NULL));
  taken = g_strdup_printf ("127.0.0.1:%u", ff_metrics_collector_get_port (first));
  g_key_file_set_string (config, "metrics", "listen", taken);
  g_assert_false (ff_collector_configure (FF_COLLECTOR (second), config, &error));
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, taken));
}

int
main (int argc, char **argv)
{
  g_setenv ("LANGUAGE", "en", TRUE);
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  g_test_init (&argc, &argv, NULL);
#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/metrics/samples", test_samples);
  ADD ("/metrics/soft-limits-once", test_soft_limits_once);
  ADD ("/metrics/would-block", test_would_block);
  ADD ("/metrics/refused", test_refused);
  ADD ("/metrics/nothing-after-end", test_nothing_after_end);
#undef ADD
  g_test_add_func ("/metrics/endpoint", test_endpoint);
  g_test_add_func ("/metrics/bad-settings", test_bad_settings);
  g_test_add_func ("/metrics/port-in-use", test_port_in_use);
  return g_test_run ();
}
