/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "ff-metrics-collector.h"
#include "ff-metrics-server.h"
#include "ff-metrics-text.h"

#define GROUP "metrics"
#define DEFAULT_INTERVAL_MS 1000
#define MIN_INTERVAL_MS 100

/* One execution being sampled. */
typedef struct
{
  FfMetricsCollector *self;
  guint64 run_id;
  gchar *pipeline;
  FfExecution *execution;
  guint timer_id;
  gdouble cpu_soft_limit; /* cores */
  guint64 memory_soft_limit;
  gboolean cpu_warned;
  gboolean memory_warned;
  gboolean have_sample;
  FfUsage last;
} Watch;

struct _FfMetricsCollector
{
  GObject parent_instance;
  guint interval_ms;
  GHashTable *watches; /* run id (boxed guint64) → Watch */
  FfMetricsServer *server;
  GHashTable *started;   /* pipeline → guint64 * */
  GHashTable *finished;  /* "pipeline\nstate" → guint64 * */
  GHashTable *durations; /* pipeline → FfMetricsHistogram */
  GHashTable *executors; /* name → GINT_TO_POINTER (available + 1) */
  guint running;
  guint queued;
};

static void ff_metrics_collector_iface_init (FfCollectorInterface *iface);

G_DEFINE_TYPE_WITH_CODE (FfMetricsCollector,
                         ff_metrics_collector,
                         G_TYPE_OBJECT,
                         G_IMPLEMENT_INTERFACE (FF_TYPE_COLLECTOR, ff_metrics_collector_iface_init))

static void
watch_free (Watch *watch)
{
  g_clear_handle_id (&watch->timer_id, g_source_remove);
  g_clear_object (&watch->execution);
  g_free (watch->pipeline);
  g_free (watch);
}

static void
check_soft_limits (Watch *watch, const FfUsage *usage)
{
  FfCollector *collector = FF_COLLECTOR (watch->self);

  if (!watch->memory_warned && watch->memory_soft_limit > 0 &&
      usage->memory_bytes > watch->memory_soft_limit)
    {
      g_autofree gchar *used = g_format_size_full (usage->memory_bytes, G_FORMAT_SIZE_IEC_UNITS);
      g_autofree gchar *limit =
          g_format_size_full (watch->memory_soft_limit, G_FORMAT_SIZE_IEC_UNITS);
      g_autofree gchar *message = g_strdup_printf (
          _ ("Soft memory limit exceeded: the run uses %s, its soft limit is %s"), used, limit);

      watch->memory_warned = TRUE;
      ff_collector_emit_soft_limit_exceeded (collector, watch->run_id, message);
    }
  if (!watch->cpu_warned && watch->cpu_soft_limit > 0 &&
      usage->cpu_percent > watch->cpu_soft_limit * 100.0)
    {
      g_autofree gchar *message = g_strdup_printf (
          _ ("Soft CPU limit exceeded: the run uses %.0f %% CPU, its soft limit "
             "is %.2g cores (%.0f %%)"),
          usage->cpu_percent, watch->cpu_soft_limit, watch->cpu_soft_limit * 100.0);

      watch->cpu_warned = TRUE;
      ff_collector_emit_soft_limit_exceeded (collector, watch->run_id, message);
    }
}

static gboolean
on_sample (gpointer user_data)
{
  Watch *watch = user_data;
  g_autoptr (GError) error = NULL;
  FfUsage usage = { 0 };

  if (!ff_execution_sample_usage (watch->execution, &usage, &error))
    {
      /* the first sample of a container is on its way */
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        return G_SOURCE_CONTINUE;
      watch->timer_id = 0;
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CLOSED))
        {
          g_autofree gchar *message = g_strdup_printf (
              _ ("The resource use of this run cannot be measured: %s"), error->message);
          ff_collector_emit_usage_unavailable (FF_COLLECTOR (watch->self), watch->run_id, message);
        }
      return G_SOURCE_REMOVE;
    }
  watch->last = usage;
  watch->have_sample = TRUE;
  ff_collector_emit_usage (FF_COLLECTOR (watch->self), watch->run_id, &usage);
  check_soft_limits (watch, &usage);
  return G_SOURCE_CONTINUE;
}

static void
count (GHashTable *table, const gchar *key)
{
  guint64 *value = g_hash_table_lookup (table, key);

  if (value == NULL)
    {
      value = g_new0 (guint64, 1);
      g_hash_table_insert (table, g_strdup (key), value);
    }
  (*value)++;
}

static void
execution_started (FfCollector *collector, FfRunRequest *request, FfExecution *execution)
{
  FfMetricsCollector *self = FF_METRICS_COLLECTOR (collector);
  guint64 run_id = ff_run_request_get_run_id (request);
  Watch *watch = g_new0 (Watch, 1);

  watch->self = self;
  watch->run_id = run_id;
  watch->pipeline = g_strdup (ff_run_request_get_pipeline (request));
  watch->execution = g_object_ref (execution);
  watch->cpu_soft_limit = ff_run_request_get_cpu_soft_limit (request);
  watch->memory_soft_limit = ff_run_request_get_memory_soft_limit (request);
  /* a retry is a new execution of the same run */
  g_hash_table_replace (self->watches, g_memdup2 (&run_id, sizeof run_id), watch);
  count (self->started, watch->pipeline);
  /* the first sample at once: short runs are measured too */
  if (on_sample (watch) == G_SOURCE_CONTINUE)
    watch->timer_id = g_timeout_add (self->interval_ms, on_sample, watch);
}

static void
execution_finished (FfCollector *collector, guint64 run_id)
{
  FfMetricsCollector *self = FF_METRICS_COLLECTOR (collector);

  g_hash_table_remove (self->watches, &run_id);
}

static void
run_finished (FfCollector *collector,
              const gchar *pipeline,
              const gchar *executor,
              FfRunState state,
              gint64 duration_us)
{
  FfMetricsCollector *self = FF_METRICS_COLLECTOR (collector);
  g_autofree gchar *key = g_strconcat (pipeline, "\n", ff_run_state_to_string (state), NULL);
  FfMetricsHistogram *histogram = g_hash_table_lookup (self->durations, pipeline);

  count (self->finished, key);
  if (histogram == NULL)
    {
      histogram = g_new0 (FfMetricsHistogram, 1);
      g_hash_table_insert (self->durations, g_strdup (pipeline), histogram);
    }
  ff_metrics_histogram_observe (histogram, (gdouble) duration_us / G_USEC_PER_SEC);
}

static void
runs_changed (FfCollector *collector, guint running, guint queued)
{
  FfMetricsCollector *self = FF_METRICS_COLLECTOR (collector);

  self->running = running;
  self->queued = queued;
}

static void
executor_health_changed (FfCollector *collector, const gchar *executor, gboolean available)
{
  FfMetricsCollector *self = FF_METRICS_COLLECTOR (collector);

  g_hash_table_replace (self->executors, g_strdup (executor), GINT_TO_POINTER (available ? 2 : 1));
}

static gchar *
render_for_server (gboolean openmetrics, gpointer user_data)
{
  return ff_metrics_collector_render (user_data, openmetrics);
}

static gboolean
configure (FfCollector *collector, GKeyFile *config, GError **error)
{
  FfMetricsCollector *self = FF_METRICS_COLLECTOR (collector);
  g_autofree gchar *interval = g_key_file_get_value (config, GROUP, "interval_ms", NULL);
  g_autofree gchar *listen = g_key_file_get_string (config, GROUP, "listen", NULL);
  guint64 value = DEFAULT_INTERVAL_MS;

  if (interval != NULL && !g_ascii_string_to_unsigned (g_strstrip (interval), 10, MIN_INTERVAL_MS,
                                                       3600 * 1000, &value, NULL))
    {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                   _ ("The setting interval_ms in [%s] is “%s”, but a number of milliseconds "
                      "from %u to %u was expected"),
                   GROUP, interval, MIN_INTERVAL_MS, 3600 * 1000);
      return FALSE;
    }
  self->interval_ms = (guint) value;
  g_clear_object (&self->server);
  if (listen == NULL || *g_strstrip (listen) == '\0')
    return TRUE;
  self->server = ff_metrics_server_new (listen, render_for_server, self, error);
  return self->server != NULL;
}

static void
render_counters (FfMetricsCollector *self, GString *out, gboolean openmetrics)
{
  GHashTableIter iter;
  gpointer key, value;

  ff_metrics_text_family (out, openmetrics, "fastflow_runs_started", "counter",
                          "Executions started (each attempt of a run), by pipeline.");
  g_hash_table_iter_init (&iter, self->started);
  while (g_hash_table_iter_next (&iter, &key, &value))
    ff_metrics_text_sample (out, "fastflow_runs_started_total",
                            (const gchar *const[]){ "pipeline", key, NULL },
                            (gdouble) * (guint64 *) value);
  ff_metrics_text_family (out, openmetrics, "fastflow_runs_finished", "counter",
                          "Runs that reached a final state, by pipeline and state.");
  g_hash_table_iter_init (&iter, self->finished);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      g_auto (GStrv) parts = g_strsplit (key, "\n", 2);
      ff_metrics_text_sample (
          out, "fastflow_runs_finished_total",
          (const gchar *const[]){ "pipeline", parts[0], "state", parts[1], NULL },
          (gdouble) * (guint64 *) value);
    }
  ff_metrics_text_family (out, openmetrics, "fastflow_run_duration_seconds", "histogram",
                          "How long finished runs ran, by pipeline.");
  g_hash_table_iter_init (&iter, self->durations);
  while (g_hash_table_iter_next (&iter, &key, &value))
    ff_metrics_text_histogram (out, "fastflow_run_duration_seconds", "pipeline", key, value);
}

static void
render_run_gauge (FfMetricsCollector *self,
                  GString *out,
                  gboolean openmetrics,
                  const gchar *name,
                  const gchar *help,
                  gboolean cpu)
{
  GHashTableIter iter;
  gpointer value;

  ff_metrics_text_family (out, openmetrics, name, "gauge", help);
  g_hash_table_iter_init (&iter, self->watches);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Watch *watch = value;
      g_autofree gchar *id = g_strdup_printf ("%" G_GUINT64_FORMAT, watch->run_id);

      if (!watch->have_sample)
        continue;
      ff_metrics_text_sample (
          out, name, (const gchar *const[]){ "run_id", id, "pipeline", watch->pipeline, NULL },
          cpu ? watch->last.cpu_percent : (gdouble) watch->last.memory_bytes);
    }
}

static void
render_gauges (FfMetricsCollector *self, GString *out, gboolean openmetrics)
{
  GHashTableIter iter;
  gpointer key, value;

  ff_metrics_text_family (out, openmetrics, "fastflow_runs_running", "gauge", "Runs running now.");
  ff_metrics_text_sample (out, "fastflow_runs_running", NULL, self->running);
  ff_metrics_text_family (out, openmetrics, "fastflow_runs_queued", "gauge",
                          "Runs waiting for a free slot now.");
  ff_metrics_text_sample (out, "fastflow_runs_queued", NULL, self->queued);
  render_run_gauge (self, out, openmetrics, "fastflow_run_cpu_percent",
                    "CPU use of each running run at its last sample; 100 is one core.", TRUE);
  render_run_gauge (self, out, openmetrics, "fastflow_run_memory_bytes",
                    "Memory in use by each running run at its last sample.", FALSE);
  ff_metrics_text_family (out, openmetrics, "fastflow_executor_available", "gauge",
                          "Whether the executor could run pipelines at its last check.");
  g_hash_table_iter_init (&iter, self->executors);
  while (g_hash_table_iter_next (&iter, &key, &value))
    ff_metrics_text_sample (out, "fastflow_executor_available",
                            (const gchar *const[]){ "executor", key, NULL },
                            GPOINTER_TO_INT (value) == 2 ? 1 : 0);
}

/**
 * ff_metrics_collector_render:
 * @openmetrics: the OpenMetrics text format, else Prometheus' 0.0.4
 */
gchar *
ff_metrics_collector_render (FfMetricsCollector *self, gboolean openmetrics)
{
  GString *out = g_string_new (NULL);

  g_return_val_if_fail (FF_IS_METRICS_COLLECTOR (self), NULL);
  render_counters (self, out, openmetrics);
  render_gauges (self, out, openmetrics);
  if (openmetrics)
    g_string_append (out, "# EOF\n");
  return g_string_free (out, FALSE);
}

guint16
ff_metrics_collector_get_port (FfMetricsCollector *self)
{
  g_return_val_if_fail (FF_IS_METRICS_COLLECTOR (self), 0);
  return self->server != NULL ? ff_metrics_server_get_port (self->server) : 0;
}

guint
ff_metrics_collector_get_n_watched (FfMetricsCollector *self)
{
  GHashTableIter iter;
  gpointer value;
  guint n = 0;

  g_return_val_if_fail (FF_IS_METRICS_COLLECTOR (self), 0);
  g_hash_table_iter_init (&iter, self->watches);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    n += ((Watch *) value)->timer_id != 0;
  return n;
}

static void
ff_metrics_collector_finalize (GObject *object)
{
  FfMetricsCollector *self = FF_METRICS_COLLECTOR (object);

  g_hash_table_unref (self->watches);
  g_clear_object (&self->server);
  g_hash_table_unref (self->started);
  g_hash_table_unref (self->finished);
  g_hash_table_unref (self->durations);
  g_hash_table_unref (self->executors);
  G_OBJECT_CLASS (ff_metrics_collector_parent_class)->finalize (object);
}

static void
ff_metrics_collector_class_init (FfMetricsCollectorClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ff_metrics_collector_finalize;
}

static void
ff_metrics_collector_iface_init (FfCollectorInterface *iface)
{
  iface->configure = configure;
  iface->execution_started = execution_started;
  iface->execution_finished = execution_finished;
  iface->run_finished = run_finished;
  iface->runs_changed = runs_changed;
  iface->executor_health_changed = executor_health_changed;
}

static void
ff_metrics_collector_init (FfMetricsCollector *self)
{
  self->interval_ms = DEFAULT_INTERVAL_MS;
  self->watches =
      g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, (GDestroyNotify) watch_free);
  self->started = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->finished = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->durations = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->executors = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

FfMetricsCollector *
ff_metrics_collector_new (void)
{
  return g_object_new (FF_TYPE_METRICS_COLLECTOR, NULL);
}
