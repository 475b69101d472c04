/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "ff-cli-metrics.h"
#include "ff-cli-output.h"
#include "ff-cli-private.h"

void
ff_cli_print_samples (GVariant *samples)
{
  g_autoptr (FfCliTable) table = NULL;
  g_autofree gchar *text = NULL;
  GVariantIter iter;
  gint64 time;
  gdouble cpu;
  guint64 memory;

  if (g_variant_n_children (samples) == 0)
    {
      g_print ("%s\n", _ ("No resource samples."));
      return;
    }
  table = ff_cli_table_new (_ ("TIME"), _ ("CPU"), _ ("MEMORY"), NULL);
  g_variant_iter_init (&iter, samples);
  while (g_variant_iter_next (&iter, "(xdt)", &time, &cpu, &memory))
    {
      g_autofree gchar *when = ff_cli_format_time (time);
      g_autofree gchar *cpu_text = g_strdup_printf ("%.1f %%", cpu);
      g_autofree gchar *size = ff_cli_format_size (memory);

      ff_cli_table_add_row (table, when, cpu_text, size, NULL);
    }
  text = ff_cli_table_format (table, "");
  g_print ("%s", text);
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
add_top_row (FfCliTable *table, FfClientRun *run, gboolean color)
{
  gboolean waiting = g_str_equal (ff_client_run_get_state (run), "queued");
  g_autofree gchar *id = g_strdup_printf ("%" G_GUINT64_FORMAT, ff_client_run_get_id (run));
  g_autofree gchar *plain =
      ff_cli_badge (ff_client_run_get_state (run), ff_client_run_get_error_class (run), FALSE);
  g_autofree gchar *badge =
      ff_cli_badge (ff_client_run_get_state (run), ff_client_run_get_error_class (run), color);
  g_autofree gchar *cpu = g_strdup_printf ("%.1f %%", ff_client_run_get_cpu_percent (run));
  g_autofree gchar *mem = ff_cli_format_size (ff_client_run_get_memory_bytes (run));
  g_autofree gchar *peak = ff_cli_format_size (ff_client_run_get_memory_peak_bytes (run));
  g_autofree gchar *duration = ff_cli_format_duration (ff_client_run_get_started_at (run), 0);
  g_autofree gchar *note = NULL;

  if (waiting)
    /* a queued run uses nothing yet: its message says what it waits for */
    note = ff_cli_printable (ff_client_run_get_message (run), FALSE);
  else if (*ff_client_run_get_metrics_message (run) != '\0')
    note = g_strdup (_ ("not measured"));
  else if (ff_client_run_get_soft_limit_exceeded (run))
    note = g_strdup (_ ("soft limit exceeded"));
  ff_cli_table_add_row (table, id, ff_client_run_get_pipeline (run), plain,
                        ff_client_run_get_executor (run), waiting ? "-" : cpu, waiting ? "-" : mem,
                        waiting ? "-" : peak, duration, note != NULL ? note : "", NULL);
  ff_cli_table_paint (table, 2, badge);
  if (note != NULL && color && !waiting)
    {
      g_autofree gchar *painted = g_strconcat ("\033[33m", note, "\033[0m", NULL);
      ff_cli_table_paint (table, 8, painted);
    }
}

gchar *
ff_cli_format_top (GPtrArray *runs, gboolean color)
{
  g_autoptr (FfCliTable) table = NULL;

  if (runs->len == 0)
    return g_strdup_printf ("%s\n", _ ("No runs are running."));
  table = ff_cli_table_new (_ ("ID"), _ ("PIPELINE"), _ ("STATE"), _ ("EXECUTOR"), _ ("CPU"),
                            _ ("MEMORY"), _ ("PEAK"), _ ("RUNNING FOR"), "", NULL);
  for (guint i = 0; i < runs->len; i++)
    add_top_row (table, g_ptr_array_index (runs, i), color);
  return ff_cli_table_format (table, "");
}

/* --- metrics, top ------------------------------------------------------ */

gint
ff_cli_cmd_metrics (Ctl *ctl, gint argc, gchar **argv)
{
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (FfClientRun) run = NULL;
  g_autoptr (GVariant) samples = NULL;
  g_autoptr (GError) error = NULL;
  gboolean json = FALSE;
  guint64 id;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_ ("Print JSON for scripts"), NULL },
    G_OPTION_ENTRY_NULL,
  };

  context = ff_cli_command_context (ctl, _ ("RUN"), _ ("Show the CPU and memory samples of a run."),
                                    entries);
  if (!ff_cli_parse_options (ctl, context, &argc, &argv, 1, 1) ||
      !ff_cli_parse_run_id (ctl, argv[1], &id))
    return EXIT_USAGE;
  if (!ff_cli_connect_manager (ctl) || (run = ff_cli_lookup_run (ctl, id)) == NULL)
    return EXIT_FAILURE;
  if ((samples = ff_client_run_get_metrics_sync (run, NULL, &error)) == NULL)
    {
      ff_cli_print_gerror (ctl, error);
      return EXIT_FAILURE;
    }
  if (json)
    {
      g_autoptr (JsonNode) node = ff_cli_samples_to_json (samples);
      ff_cli_print_json (node);
      return EXIT_SUCCESS;
    }
  if (*ff_client_run_get_metrics_message (run) != '\0')
    {
      g_autofree gchar *text = ff_cli_printable (ff_client_run_get_metrics_message (run), TRUE);
      g_print ("%s\n", text);
    }
  ff_cli_print_samples (samples);
  return EXIT_SUCCESS;
}

typedef struct
{
  Ctl *ctl;
  GHashTable *proxies; /* run id → FfClientRun, kept so they follow PropertiesChanged */
  gboolean terminal;
  gint status;
  guint tick_id;
  guint sigint_id;
} Top;

static gboolean
is_not_seen (gpointer key, gpointer value, gpointer seen)
{
  return !g_hash_table_contains (seen, key);
}

/* The running runs, then the starting and the queued ones. */
static GArray *
list_active_ids (Ctl *ctl, GError **error)
{
  static const gchar *const states[] = { "running", "starting", "queued" };
  g_autoptr (GArray) all = g_array_new (FALSE, FALSE, sizeof (guint64));

  for (guint i = 0; i < G_N_ELEMENTS (states); i++)
    {
      g_autoptr (GArray) ids =
          ff_client_list_run_ids_sync (ctl->client, NULL, states[i], 0, NULL, error);

      if (ids == NULL)
        return NULL;
      g_array_append_vals (all, ids->data, ids->len);
    }
  return g_steal_pointer (&all);
}

static gboolean
draw_top (Top *top)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) ids = NULL;
  g_autoptr (GPtrArray) runs = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (GHashTable) seen = g_hash_table_new (g_int64_hash, g_int64_equal);
  g_autofree gchar *screen = NULL;

  ids = list_active_ids (top->ctl, &error);
  if (ids == NULL)
    {
      ff_cli_print_gerror (top->ctl, error);
      top->status = EXIT_FAILURE;
      return FALSE;
    }
  for (guint i = 0; i < ids->len; i++)
    {
      guint64 *id = &g_array_index (ids, guint64, i);
      FfClientRun *run = g_hash_table_lookup (top->proxies, id);

      if (run == NULL)
        {
          g_clear_error (&error);
          /* it may have ended and gone since the list was made */
          run = ff_client_get_run_sync (top->ctl->client, *id, NULL, &error);
          if (run == NULL)
            continue;
          g_hash_table_insert (top->proxies, g_memdup2 (id, sizeof *id), run);
        }
      g_hash_table_add (seen, id);
      g_ptr_array_add (runs, g_object_ref (run));
    }
  /* runs that ended are not followed any more */
  g_hash_table_foreach_remove (top->proxies, is_not_seen, seen);
  screen = ff_cli_format_top (runs, ff_cli_use_color (STDOUT_FILENO));
  /* in place on a terminal: home, the table, then clear what is left */
  if (top->terminal)
    g_print ("\033[H%s\033[J", screen);
  else
    g_print ("%s", screen);
  fflush (stdout);
  return TRUE;
}

static gboolean
on_top_tick (gpointer user_data)
{
  Top *top = user_data;

  if (draw_top (top))
    return G_SOURCE_CONTINUE;
  top->tick_id = 0;
  g_main_loop_quit (top->ctl->loop);
  return G_SOURCE_REMOVE;
}

static gboolean
on_top_interrupt (gpointer user_data)
{
  Top *top = user_data;

  top->sigint_id = 0;
  g_main_loop_quit (top->ctl->loop);
  return G_SOURCE_REMOVE;
}

gint
ff_cli_cmd_top (Ctl *ctl, gint argc, gchar **argv)
{
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GHashTable) proxies =
      g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_object_unref);
  Top top = { ctl, proxies, isatty (STDOUT_FILENO), EXIT_SUCCESS, 0, 0 };
  gdouble interval = 1.0;
  gboolean once = FALSE;
  const GOptionEntry entries[] = {
    { "interval", 'i', 0, G_OPTION_ARG_DOUBLE, &interval,
      N_ ("Seconds between refreshes (default 1)"), N_ ("SECONDS") },
    { "once", 0, 0, G_OPTION_ARG_NONE, &once, N_ ("Print the table once and return"), NULL },
    G_OPTION_ENTRY_NULL,
  };

  context = ff_cli_command_context (
      ctl, NULL, _ ("Show the running runs and their CPU and memory, live."), entries);
  if (!ff_cli_parse_options (ctl, context, &argc, &argv, 0, 0))
    return EXIT_USAGE;
  if (interval < 0.1 || interval > 3600)
    return ff_cli_usage_error (ctl, _ ("--interval must be from 0.1 to 3600 seconds"));
  if (!ff_cli_connect_manager (ctl))
    return EXIT_FAILURE;
  /* without a terminal there is no place to refresh in: one table */
  if (once || !top.terminal)
    return draw_top (&top) ? EXIT_SUCCESS : top.status;
  g_print ("\033[2J");
  if (!draw_top (&top))
    return top.status;
  top.tick_id = g_timeout_add ((guint) (interval * 1000), on_top_tick, &top);
  top.sigint_id = g_unix_signal_add (SIGINT, on_top_interrupt, &top);
  g_main_loop_run (ctl->loop);
  g_clear_handle_id (&top.tick_id, g_source_remove);
  g_clear_handle_id (&top.sigint_id, g_source_remove);
  return top.status;
}
