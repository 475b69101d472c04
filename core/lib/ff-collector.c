/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ff-collector.h"

G_DEFINE_INTERFACE (FfCollector, ff_collector, G_TYPE_OBJECT)

enum
{
  SIGNAL_USAGE,
  SIGNAL_SOFT_LIMIT_EXCEEDED,
  SIGNAL_USAGE_UNAVAILABLE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
ff_collector_default_init (FfCollectorInterface *iface)
{
  GType type = G_TYPE_FROM_INTERFACE (iface);

  /**
   * FfCollector::usage:
   * @self: the collector
   * @run_id: the run
   * @cpu_percent: CPU use since the previous sample, 100.0 = one core
   * @memory_bytes: memory in use now
   * @memory_limit_bytes: the hard limit, 0 if none
   */
  signals[SIGNAL_USAGE] =
      g_signal_new ("usage", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 4,
                    G_TYPE_UINT64, G_TYPE_DOUBLE, G_TYPE_UINT64, G_TYPE_UINT64);
  /**
   * FfCollector::soft-limit-exceeded:
   * @self: the collector
   * @run_id: the run
   * @message: a sentence for people, in the daemon's language
   */
  signals[SIGNAL_SOFT_LIMIT_EXCEEDED] =
      g_signal_new ("soft-limit-exceeded", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                    G_TYPE_NONE, 2, G_TYPE_UINT64, G_TYPE_STRING);
  /**
   * FfCollector::usage-unavailable:
   * @self: the collector
   * @run_id: the run
   * @message: why the run cannot be measured, e.g. which request a proxy
   *   refused and which setting allows it
   */
  signals[SIGNAL_USAGE_UNAVAILABLE] =
      g_signal_new ("usage-unavailable", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE,
                    2, G_TYPE_UINT64, G_TYPE_STRING);
}

gboolean
ff_collector_configure (FfCollector *self, GKeyFile *config, GError **error)
{
  FfCollectorInterface *iface;

  g_return_val_if_fail (FF_IS_COLLECTOR (self), FALSE);
  iface = FF_COLLECTOR_GET_IFACE (self);
  if (iface->configure == NULL)
    return TRUE;
  return iface->configure (self, config, error);
}

void
ff_collector_execution_started (FfCollector *self, FfRunRequest *request, FfExecution *execution)
{
  FfCollectorInterface *iface;

  g_return_if_fail (FF_IS_COLLECTOR (self));
  g_return_if_fail (FF_IS_RUN_REQUEST (request));
  g_return_if_fail (FF_IS_EXECUTION (execution));
  iface = FF_COLLECTOR_GET_IFACE (self);
  if (iface->execution_started != NULL)
    iface->execution_started (self, request, execution);
}

void
ff_collector_execution_finished (FfCollector *self, guint64 run_id)
{
  FfCollectorInterface *iface;

  g_return_if_fail (FF_IS_COLLECTOR (self));
  iface = FF_COLLECTOR_GET_IFACE (self);
  if (iface->execution_finished != NULL)
    iface->execution_finished (self, run_id);
}

void
ff_collector_run_finished (FfCollector *self,
                           const gchar *pipeline,
                           const gchar *executor,
                           FfRunState state,
                           gint64 duration_us)
{
  FfCollectorInterface *iface;

  g_return_if_fail (FF_IS_COLLECTOR (self));
  iface = FF_COLLECTOR_GET_IFACE (self);
  if (iface->run_finished != NULL)
    iface->run_finished (self, pipeline, executor, state, duration_us);
}

void
ff_collector_runs_changed (FfCollector *self, guint running, guint queued)
{
  FfCollectorInterface *iface;

  g_return_if_fail (FF_IS_COLLECTOR (self));
  iface = FF_COLLECTOR_GET_IFACE (self);
  if (iface->runs_changed != NULL)
    iface->runs_changed (self, running, queued);
}

void
ff_collector_executor_health_changed (FfCollector *self, const gchar *executor, gboolean available)
{
  FfCollectorInterface *iface;

  g_return_if_fail (FF_IS_COLLECTOR (self));
  iface = FF_COLLECTOR_GET_IFACE (self);
  if (iface->executor_health_changed != NULL)
    iface->executor_health_changed (self, executor, available);
}

void
ff_collector_emit_usage (FfCollector *self, guint64 run_id, const FfUsage *usage)
{
  g_return_if_fail (FF_IS_COLLECTOR (self));
  g_return_if_fail (usage != NULL);
  g_signal_emit (self, signals[SIGNAL_USAGE], 0, run_id, usage->cpu_percent, usage->memory_bytes,
                 usage->memory_limit_bytes);
}

void
ff_collector_emit_soft_limit_exceeded (FfCollector *self, guint64 run_id, const gchar *message)
{
  g_return_if_fail (FF_IS_COLLECTOR (self));
  g_signal_emit (self, signals[SIGNAL_SOFT_LIMIT_EXCEEDED], 0, run_id, message);
}

void
ff_collector_emit_usage_unavailable (FfCollector *self, guint64 run_id, const gchar *message)
{
  g_return_if_fail (FF_IS_COLLECTOR (self));
  g_signal_emit (self, signals[SIGNAL_USAGE_UNAVAILABLE], 0, run_id, message);
}
