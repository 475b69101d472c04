/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fastflowctl pipelines, executors and reload: what the daemon has. */
#include "config.h"

#include <glib/gi18n.h>
#include <stdlib.h>
#include <unistd.h>

#include "ff-cli-output.h"
#include "ff-cli-private.h"

static JsonNode *
variant_to_json (GVariant *dict)
{
  return json_gvariant_serialize (dict);
}

/* Where to put the first one: a daemon too old to say prints the plain
 * sentence. */
static void
print_none (Ctl *ctl)
{
  g_autofree gchar *dir = ff_client_dup_pipelines_dir_sync (ctl->client, NULL, NULL);
  g_autofree gchar *text = NULL;

  if (dir == NULL || *dir == '\0')
    {
      g_print ("%s\n", _ ("No pipelines."));
      return;
    }
  text = ff_cli_printable (dir, FALSE);
  /* TRANSLATORS: %s is the pipelines folder */
  g_print (_ ("No pipelines in %s: a pipeline is a folder there with a main.py or main.sh.\n"),
           text);
}

/* The pipeline's messages under its row, indented, in @paint on a terminal. */
static void
add_indented (FfCliTable *table, const gchar *text, const gchar *prefix, const gchar *paint)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autofree gchar *printable = ff_cli_printable (lines[i], FALSE);
      g_autofree gchar *line = g_strdup_printf ("    %s%s", prefix, printable);
      g_autofree gchar *painted =
          paint != NULL ? g_strconcat (paint, line, "\033[0m", NULL) : g_strdup (line);
      ff_cli_table_add_note (table, painted);
    }
}

static void
add_pipeline_row (FfCliTable *table, GVariant *pipeline, gboolean color)
{
  const gchar *name = "", *description = "", *executor = "", *schedule = "", *last = "";
  const gchar *error = "";
  gboolean broken = FALSE, enabled = TRUE;
  gint64 next_run = 0;
  g_autofree gchar *next_text = NULL;
  g_autofree gchar *last_badge = NULL;
  g_autofree const gchar **warnings = NULL;

  g_variant_lookup (pipeline, "name", "&s", &name);
  g_variant_lookup (pipeline, "description", "&s", &description);
  g_variant_lookup (pipeline, "executor", "&s", &executor);
  g_variant_lookup (pipeline, "schedule", "&s", &schedule);
  g_variant_lookup (pipeline, "last_state", "&s", &last);
  g_variant_lookup (pipeline, "broken", "b", &broken);
  g_variant_lookup (pipeline, "enabled", "b", &enabled);
  g_variant_lookup (pipeline, "error", "&s", &error);
  g_variant_lookup (pipeline, "next_run", "x", &next_run);
  next_text = next_run > 0 ? ff_cli_format_time (next_run) : g_strdup ("-");
  if (broken)
    last = _ ("broken");
  else if (!enabled)
    last = _ ("disabled");
  else if (*last == '\0')
    last = _ ("never run");
  else
    last = last_badge = ff_cli_badge (last, NULL, FALSE);
  ff_cli_table_add_row (table, name, last, *executor != '\0' ? executor : _ ("default"),
                        *schedule != '\0' ? schedule : "-", next_text, description, NULL);
  if (broken)
    add_indented (table, error, "", color ? "\033[31m" : NULL);
  if (g_variant_lookup (pipeline, "warnings", "^a&s", &warnings))
    {
      for (guint i = 0; warnings[i] != NULL; i++)
        add_indented (table, warnings[i], _ ("warning: "), color ? "\033[33m" : NULL);
    }
}

gint
ff_cli_cmd_pipelines (Ctl *ctl, gint argc, gchar **argv)
{
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) pipelines = NULL;
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_ ("Print JSON for scripts"), NULL },
    G_OPTION_ENTRY_NULL,
  };
  g_autoptr (FfCliTable) table = NULL;
  g_autofree gchar *text = NULL;
  GVariantIter iter;
  GVariant *pipeline;

  context = ff_cli_command_context (
      ctl, _ ("[NAME]"),
      _ ("List the pipelines; with NAME, show that one in full: its settings, schedule, next "
         "and last run, and warnings."),
      entries);
  if (!ff_cli_parse_options (ctl, context, &argc, &argv, 0, 1))
    return EXIT_USAGE;
  if (!ff_cli_connect_manager (ctl))
    return EXIT_FAILURE;
  if ((pipelines = ff_client_list_pipelines_sync (ctl->client, NULL, &error)) == NULL)
    {
      ff_cli_print_gerror (ctl, error);
      return EXIT_FAILURE;
    }
  if (argc == 2)
    return ff_cli_show_pipeline (ctl, pipelines, argv[1], json);
  if (json)
    {
      g_autoptr (JsonNode) node = variant_to_json (pipelines);
      ff_cli_print_json (node);
      return EXIT_SUCCESS;
    }
  if (g_variant_n_children (pipelines) == 0)
    {
      print_none (ctl);
      return EXIT_SUCCESS;
    }
  table = ff_cli_table_new (_ ("NAME"), _ ("LAST RUN"), _ ("EXECUTOR"), _ ("SCHEDULE"),
                            _ ("NEXT RUN"), _ ("DESCRIPTION"), NULL);
  g_variant_iter_init (&iter, pipelines);
  while ((pipeline = g_variant_iter_next_value (&iter)) != NULL)
    {
      add_pipeline_row (table, pipeline, ff_cli_use_color (STDOUT_FILENO));
      g_variant_unref (pipeline);
    }
  text = ff_cli_table_format (table, "");
  g_print ("%s", text);
  return EXIT_SUCCESS;
}

/* DiagnoseExecutor's checks of @name, or NULL with the error printed. */
static GVariant *
diagnose (Ctl *ctl, const gchar *name)
{
  g_autoptr (GError) error = NULL;
  GVariant *checks = ff_client_diagnose_executor_sync (ctl->client, name, NULL, &error);

  if (checks == NULL)
    {
      ff_cli_print_gerror (ctl, error);
      return NULL;
    }
  return checks;
}

static void
add_checks_json (JsonBuilder *b, GVariant *checks)
{
  GVariantIter iter;
  const gchar *check, *level, *message;

  json_builder_set_member_name (b, "checks");
  json_builder_begin_array (b);
  g_variant_iter_init (&iter, checks);
  while (g_variant_iter_next (&iter, "(&s&s&s)", &check, &level, &message))
    {
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, check);
      json_builder_set_member_name (b, "level");
      json_builder_add_string_value (b, level);
      json_builder_set_member_name (b, "message");
      json_builder_add_string_value (b, message);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
}

static void
print_checks (GVariant *checks, gboolean color)
{
  GVariantIter iter;
  const gchar *check, *level, *message;

  g_variant_iter_init (&iter, checks);
  while (g_variant_iter_next (&iter, "(&s&s&s)", &check, &level, &message))
    {
      const gchar *mark = "✓", *paint = "\033[32m";
      g_autofree gchar *text = ff_cli_printable (message, FALSE);

      if (g_str_equal (level, "warning"))
        mark = "!", paint = "\033[33m";
      else if (g_str_equal (level, "error"))
        mark = "✗", paint = "\033[31m";
      if (color)
        g_print ("    %s%s\033[0m %s\n", paint, mark, text);
      else
        g_print ("    %s %s\n", mark, text);
    }
}

/* An executor's line of ListExecutors, in `executors --json` and the
 * `status --json` overview alike. */
void
ff_cli_add_executor_members (JsonBuilder *b,
                             const gchar *name,
                             gboolean available,
                             const gchar *message)
{
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, name);
  json_builder_set_member_name (b, "available");
  json_builder_add_boolean_value (b, available);
  json_builder_set_member_name (b, "message");
  json_builder_add_string_value (b, message);
}

static gint
print_executors_json (Ctl *ctl, GVariant *executors, gboolean verbose)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) node = NULL;
  GVariantIter iter;
  const gchar *name, *message;
  gboolean available;

  json_builder_begin_array (b);
  g_variant_iter_init (&iter, executors);
  while (g_variant_iter_next (&iter, "(&sb&s)", &name, &available, &message))
    {
      json_builder_begin_object (b);
      ff_cli_add_executor_members (b, name, available, message);
      if (verbose)
        {
          g_autoptr (GVariant) checks = diagnose (ctl, name);
          if (checks == NULL)
            return EXIT_FAILURE;
          add_checks_json (b, checks);
        }
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  node = json_builder_get_root (b);
  ff_cli_print_json (node);
  return EXIT_SUCCESS;
}

gint
ff_cli_cmd_executors (Ctl *ctl, gint argc, gchar **argv)
{
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) executors = NULL;
  gboolean json = FALSE, verbose = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_ ("Print JSON for scripts"), NULL },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose,
      N_ ("Also show each executor's checks of its setup, e.g. what a Docker proxy allows"), NULL },
    G_OPTION_ENTRY_NULL,
  };
  GVariantIter iter;
  const gchar *name, *message;
  gboolean available;

  context = ff_cli_command_context (
      ctl, NULL, _ ("List the executors and whether they can run now."), entries);
  if (!ff_cli_parse_options (ctl, context, &argc, &argv, 0, 0))
    return EXIT_USAGE;
  if (!ff_cli_connect_manager (ctl))
    return EXIT_FAILURE;
  if ((executors = ff_client_list_executors_sync (ctl->client, NULL, &error)) == NULL)
    {
      ff_cli_print_gerror (ctl, error);
      return EXIT_FAILURE;
    }
  if (json)
    return print_executors_json (ctl, executors, verbose);
  g_variant_iter_init (&iter, executors);
  while (g_variant_iter_next (&iter, "(&sb&s)", &name, &available, &message))
    {
      g_autofree gchar *name_col = ff_cli_pad (name, 16);
      g_autofree gchar *text = ff_cli_printable (available ? _ ("available") : message, FALSE);
      g_autoptr (GVariant) checks = NULL;

      g_print ("%s %s\n", name_col, text);
      if (!verbose)
        continue;
      checks = diagnose (ctl, name);
      if (checks == NULL)
        return EXIT_FAILURE;
      print_checks (checks, ff_cli_use_color (STDOUT_FILENO));
    }
  return EXIT_SUCCESS;
}

gint
ff_cli_cmd_reload (Ctl *ctl, gint argc, gchar **argv)
{
  g_autoptr (GOptionContext) context =
      ff_cli_command_context (ctl, NULL, _ ("Scan the pipelines folder again."), NULL);
  g_autoptr (GError) error = NULL;

  if (!ff_cli_parse_options (ctl, context, &argc, &argv, 0, 0))
    return EXIT_USAGE;
  if (!ff_cli_connect_manager (ctl))
    return EXIT_FAILURE;
  if (!ff_client_reload_sync (ctl->client, NULL, &error))
    {
      ff_cli_print_gerror (ctl, error);
      return EXIT_FAILURE;
    }
  return EXIT_SUCCESS;
}
