/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "ff-cli-metrics.h"
#include "ff-cli-output.h"

void
ff_cli_print_samples (GVariant *samples)
{
  g_autofree gchar *h_time = ff_cli_pad (_ ("TIME"), 20);
  g_autofree gchar *h_cpu = ff_cli_pad (_ ("CPU"), 9);
  GVariantIter iter;
  gint64 time;
  gdouble cpu;
  guint64 memory;

  if (g_variant_n_children (samples) == 0)
    {
      g_print ("%s\n", _ ("No resource samples."));
      return;
    }
  g_print ("%s %s %s\n", h_time, h_cpu, _ ("MEMORY"));
  g_variant_iter_init (&iter, samples);
  while (g_variant_iter_next (&iter, "(xdt)", &time, &cpu, &memory))
    {
      g_autofree gchar *when = ff_cli_format_time (time);
      g_autofree gchar *when_col = ff_cli_pad (when, 20);
      g_autofree gchar *cpu_text = g_strdup_printf ("%.1f %%", cpu);
      g_autofree gchar *cpu_col = ff_cli_pad (cpu_text, 9);
      g_autofree gchar *size = ff_cli_format_size (memory);

      g_print ("%s %s %s\n", when_col, cpu_col, size);
    }
}

JsonNode *
ff_cli_samples_to_json (GVariant *samples)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  GVariantIter iter;
  gint64 time;
  gdouble cpu;
  guint64 memory;

  json_builder_begin_array (b);
  g_variant_iter_init (&iter, samples);
  while (g_variant_iter_next (&iter, "(xdt)", &time, &cpu, &memory))
    {
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "time");
      json_builder_add_int_value (b, time);
      json_builder_set_member_name (b, "cpu_percent");
      json_builder_add_double_value (b, cpu);
      json_builder_set_member_name (b, "memory_bytes");
      json_builder_add_int_value (b, (gint64) memory);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  return json_builder_get_root (b);
}

static void
append_top_row (GString *out, FfClientRun *run, gboolean color)
{
  g_autofree gchar *id = g_strdup_printf ("%" G_GUINT64_FORMAT, ff_client_run_get_id (run));
  g_autofree gchar *id_col = ff_cli_pad (id, 6);
  g_autofree gchar *pipeline = ff_cli_pad (ff_client_run_get_pipeline (run), 20);
  g_autofree gchar *executor = ff_cli_pad (ff_client_run_get_executor (run), 13);
  g_autofree gchar *cpu = g_strdup_printf ("%.1f %%", ff_client_run_get_cpu_percent (run));
  g_autofree gchar *cpu_col = ff_cli_pad (cpu, 9);
  g_autofree gchar *mem = ff_cli_format_size (ff_client_run_get_memory_bytes (run));
  g_autofree gchar *mem_col = ff_cli_pad (mem, 11);
  g_autofree gchar *peak = ff_cli_format_size (ff_client_run_get_memory_peak_bytes (run));
  g_autofree gchar *peak_col = ff_cli_pad (peak, 11);
  g_autofree gchar *duration = ff_cli_format_duration (ff_client_run_get_started_at (run), 0);
  const gchar *note = "";

  if (*ff_client_run_get_metrics_message (run) != '\0')
    note = _ ("not measured");
  else if (ff_client_run_get_soft_limit_exceeded (run))
    note = _ ("soft limit exceeded");
  g_string_append_printf (out, "%s %s %s %s %s %s %s", id_col, pipeline, executor, cpu_col, mem_col,
                          peak_col, duration);
  if (*note != '\0')
    g_string_append_printf (out, color ? "  \033[33m%s\033[0m" : "  %s", note);
  g_string_append_c (out, '\n');
}

gchar *
ff_cli_format_top (GPtrArray *runs, gboolean color)
{
  GString *out = g_string_new (NULL);
  g_autofree gchar *h_id = ff_cli_pad (_ ("ID"), 6);
  g_autofree gchar *h_pipeline = ff_cli_pad (_ ("PIPELINE"), 20);
  g_autofree gchar *h_executor = ff_cli_pad (_ ("EXECUTOR"), 13);
  g_autofree gchar *h_cpu = ff_cli_pad (_ ("CPU"), 9);
  g_autofree gchar *h_mem = ff_cli_pad (_ ("MEMORY"), 11);
  g_autofree gchar *h_peak = ff_cli_pad (_ ("PEAK"), 11);

  if (runs->len == 0)
    {
      g_string_append_printf (out, "%s\n", _ ("No runs are running."));
      return g_string_free (out, FALSE);
    }
  g_string_append_printf (out, "%s %s %s %s %s %s %s\n", h_id, h_pipeline, h_executor, h_cpu, h_mem,
                          h_peak, _ ("RUNNING FOR"));
  for (guint i = 0; i < runs->len; i++)
    append_top_row (out, g_ptr_array_index (runs, i), color);
  return g_string_free (out, FALSE);
}
