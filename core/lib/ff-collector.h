/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__FASTFLOW_H_INSIDE__) && !defined(FASTFLOW_COMPILATION)
#error "Only <fastflow.h> can be included directly."
#endif

#include <gio/gio.h>

#include "ff-enums.h"
#include "ff-execution.h"
#include "ff-run-request.h"

G_BEGIN_DECLS

#define FF_COLLECTOR_EXTENSION_POINT_NAME "fastflow-collector"

#define FF_TYPE_COLLECTOR (ff_collector_get_type ())
G_DECLARE_INTERFACE (FfCollector, ff_collector, FF, COLLECTOR, GObject)

/**
 * FfCollectorInterface:
 * @configure: read settings from the daemon's configuration (optional)
 * @execution_started: an execution of the run described by @request began;
 *   the request carries the run id, the pipeline, the executor and the
 *   soft limits
 * @execution_finished: it ended; stop sampling it at once
 * @run_finished: a run reached a final state (optional; for counters)
 * @runs_changed: how many runs are running and queued now (optional)
 * @executor_health_changed: an executor was found (un)available (optional)
 *
 * A collector watches running executions, e.g. to sample their resource
 * use, and tells the daemon what it found through its signals:
 * #FfCollector::usage for each sample, #FfCollector::soft-limit-exceeded
 * once per run and limit, #FfCollector::usage-unavailable when a run cannot
 * be measured. Implementations register with the `fastflow-collector`
 * extension point.
 */
struct _FfCollectorInterface
{
  GTypeInterface g_iface;

  gboolean (*configure) (FfCollector *self, GKeyFile *config, GError **error);
  void (*execution_started) (FfCollector *self, FfRunRequest *request, FfExecution *execution);
  void (*execution_finished) (FfCollector *self, guint64 run_id);
  void (*run_finished) (FfCollector *self,
                        const gchar *pipeline,
                        const gchar *executor,
                        FfRunState state,
                        gint64 duration_us);
  void (*runs_changed) (FfCollector *self, guint running, guint queued);
  void (*executor_health_changed) (FfCollector *self, const gchar *executor, gboolean available);

  gpointer padding[9];
};

gboolean ff_collector_configure (FfCollector *self, GKeyFile *config, GError **error);
void
ff_collector_execution_started (FfCollector *self, FfRunRequest *request, FfExecution *execution);
void ff_collector_execution_finished (FfCollector *self, guint64 run_id);
void ff_collector_run_finished (FfCollector *self,
                                const gchar *pipeline,
                                const gchar *executor,
                                FfRunState state,
                                gint64 duration_us);
void ff_collector_runs_changed (FfCollector *self, guint running, guint queued);
void
ff_collector_executor_health_changed (FfCollector *self, const gchar *executor, gboolean available);

/* For collector implementations. */
void ff_collector_emit_usage (FfCollector *self, guint64 run_id, const FfUsage *usage);
void
ff_collector_emit_soft_limit_exceeded (FfCollector *self, guint64 run_id, const gchar *message);
void ff_collector_emit_usage_unavailable (FfCollector *self, guint64 run_id, const gchar *message);

G_END_DECLS
