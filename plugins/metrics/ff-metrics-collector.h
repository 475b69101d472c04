/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "fastflow.h"

G_BEGIN_DECLS

#define FF_TYPE_METRICS_COLLECTOR (ff_metrics_collector_get_type ())
G_DECLARE_FINAL_TYPE (FfMetricsCollector, ff_metrics_collector, FF, METRICS_COLLECTOR, GObject)

/**
 * FfMetricsCollector:
 *
 * The `metrics` collector: samples the CPU and memory of every running
 * execution at an interval (`[metrics] interval_ms`, default 1000), warns
 * once per run and limit when a soft limit is passed, and, with
 * `[metrics] listen=ADDRESS:PORT`, serves the daemon's figures in the
 * OpenMetrics text format at `/metrics`.
 */
FfMetricsCollector *ff_metrics_collector_new (void);

/* The text of what the collector knows now. */
gchar *ff_metrics_collector_render (FfMetricsCollector *self, gboolean openmetrics);
/* For tests: the port the endpoint listens on, 0 if none. */
guint16 ff_metrics_collector_get_port (FfMetricsCollector *self);
/* For tests: how many executions are being sampled. */
guint ff_metrics_collector_get_n_watched (FfMetricsCollector *self);

G_END_DECLS
