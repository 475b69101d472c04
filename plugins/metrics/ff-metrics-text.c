/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ff-metrics-text.h"

const gdouble ff_metrics_buckets[FF_METRICS_N_BUCKETS] = {
  0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 3600,
};

void
ff_metrics_text_family (
    GString *out, gboolean openmetrics, const gchar *name, const gchar *type, const gchar *help)
{
  const gchar *suffix = !openmetrics && g_str_equal (type, "counter") ? "_total" : "";

  g_string_append_printf (out, "# TYPE %s%s %s\n# HELP %s%s %s\n", name, suffix, type, name, suffix,
                          help);
}

static void
append_escaped (GString *out, const gchar *value)
{
  for (const gchar *c = value; *c != '\0'; c++)
    {
      if (*c == '\\')
        g_string_append (out, "\\\\");
      else if (*c == '"')
        g_string_append (out, "\\\"");
      else if (*c == '\n')
        g_string_append (out, "\\n");
      else
        g_string_append_c (out, *c);
    }
}

static void
append_number (GString *out, gdouble value)
{
  gchar buffer[G_ASCII_DTOSTR_BUF_SIZE];

  if (value == (gdouble) (gint64) value && value > -1e15 && value < 1e15)
    g_string_append_printf (out, "%" G_GINT64_FORMAT, (gint64) value);
  else
    g_string_append (out, g_ascii_dtostr (buffer, sizeof buffer, value));
}

void
ff_metrics_text_sample (GString *out, const gchar *name, const gchar *const *labels, gdouble value)
{
  g_string_append (out, name);
  if (labels != NULL && labels[0] != NULL)
    {
      g_string_append_c (out, '{');
      for (guint i = 0; labels[i] != NULL && labels[i + 1] != NULL; i += 2)
        {
          if (i > 0)
            g_string_append_c (out, ',');
          g_string_append_printf (out, "%s=\"", labels[i]);
          append_escaped (out, labels[i + 1]);
          g_string_append_c (out, '"');
        }
      g_string_append_c (out, '}');
    }
  g_string_append_c (out, ' ');
  append_number (out, value);
  g_string_append_c (out, '\n');
}

void
ff_metrics_histogram_observe (FfMetricsHistogram *histogram, gdouble value)
{
  for (guint i = 0; i < FF_METRICS_N_BUCKETS; i++)
    {
      if (value <= ff_metrics_buckets[i])
        {
          histogram->counts[i]++;
          break;
        }
    }
  histogram->count++;
  histogram->sum += value;
}

void
ff_metrics_text_histogram (GString *out,
                           const gchar *name,
                           const gchar *label,
                           const gchar *label_value,
                           const FfMetricsHistogram *histogram)
{
  g_autofree gchar *bucket = g_strconcat (name, "_bucket", NULL);
  g_autofree gchar *count = g_strconcat (name, "_count", NULL);
  g_autofree gchar *sum = g_strconcat (name, "_sum", NULL);
  const gchar *plain[] = { label, label_value, NULL };
  guint64 cumulative = 0;

  for (guint i = 0; i < FF_METRICS_N_BUCKETS; i++)
    {
      gchar le[G_ASCII_DTOSTR_BUF_SIZE];
      const gchar *labels[] = { label, label_value, "le", le, NULL };

      cumulative += histogram->counts[i];
      g_ascii_formatd (le, sizeof le, "%.1f", ff_metrics_buckets[i]);
      ff_metrics_text_sample (out, bucket, labels, (gdouble) cumulative);
    }
  ff_metrics_text_sample (out, bucket,
                          (const gchar *const[]){ label, label_value, "le", "+Inf", NULL },
                          (gdouble) histogram->count);
  ff_metrics_text_sample (out, count, plain, (gdouble) histogram->count);
  ff_metrics_text_sample (out, sum, plain, histogram->sum);
}
