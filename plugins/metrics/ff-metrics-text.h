/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Pieces of the OpenMetrics text format and of Prometheus' text format
 * 0.0.4 (for scrapers and tools such as promtool that read only that):
 * label values escaped, numbers in the C locale. They differ in the name
 * of a counter's family: OpenMetrics leaves out the _total of its samples. */
void ff_metrics_text_family (
    GString *out, gboolean openmetrics, const gchar *name, const gchar *type, const gchar *help);
/* @labels: NULL-terminated pairs of name and value; NULL for none */
void
ff_metrics_text_sample (GString *out, const gchar *name, const gchar *const *labels, gdouble value);

/* The upper bounds of fastflow_run_duration_seconds, in seconds. */
#define FF_METRICS_N_BUCKETS 12
extern const gdouble ff_metrics_buckets[FF_METRICS_N_BUCKETS];

typedef struct
{
  guint64 counts[FF_METRICS_N_BUCKETS]; /* not cumulative */
  guint64 count;
  gdouble sum;
} FfMetricsHistogram;

void ff_metrics_histogram_observe (FfMetricsHistogram *histogram, gdouble value);
void ff_metrics_text_histogram (GString *out,
                                const gchar *name,
                                const gchar *label,
                                const gchar *label_value,
                                const FfMetricsHistogram *histogram);

G_END_DECLS
