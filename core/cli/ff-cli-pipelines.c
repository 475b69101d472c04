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
print_indented (const gchar *text, const gchar *prefix, const gchar *paint)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autofree gchar *printable = ff_cli_printable (lines[i], FALSE);
      g_autofree gchar *line = g_strdup_printf ("    %s%s", prefix, printable);
      g_autofree gchar *painted =
          paint != NULL ? g_strconcat (paint, line, "\033[0m", NULL) : g_strdup (line);
      g_print ("%s\n", painted);
    }
}

static void
print_pipeline_row (GVariant *pipeline, gboolean color)
{
  const gchar *name = "", *description = "", *executor = "", *schedule = "", *last = "";
  const gchar *error = "";
  gboolean broken = FALSE, enabled = TRUE;
  gint64 next_run = 0;
  g_autofree gchar *next_text = NULL;
  g_autofree gchar *next_col = NULL;
  g_autofree gchar *last_badge = NULL;
  g_autofree gchar *name_col = NULL;
  g_autofree gchar *last_col = NULL;
  g_autofree gchar *executor_col = NULL;
  g_autofree gchar *schedule_col = NULL;
  g_autofree gchar *description_text = NULL;
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
  next_col = ff_cli_pad (next_text, 20);
  name_col = ff_cli_pad (name, 20);
  if (broken)
    last = _ ("broken");
  else if (!enabled)
    last = _ ("disabled");
  else if (*last == '\0')
    last = _ ("never run");
  else
    last = last_badge = ff_cli_badge (last, NULL, FALSE);
  last_col = ff_cli_pad (last, 12);
  executor_col = ff_cli_pad (*executor != '\0' ? executor : _ ("default"), 14);
  schedule_col = ff_cli_pad (*schedule != '\0' ? schedule : "-", 16);
  description_text = ff_cli_printable (description, FALSE);
  g_print ("%s %s %s %s %s %s\n", name_col, last_col, executor_col, schedule_col, next_col,
           description_text);
  if (broken)
    print_indented (error, "", color ? "\033[31m" : NULL);
  if (g_variant_lookup (pipeline, "warnings", "^a&s", &warnings))
    {
      for (guint i = 0; warnings[i] != NULL; i++)
        print_indented (warnings[i], _ ("warning: "), color ? "\033[33m" : NULL);
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
  g_autofree gchar *h_name = ff_cli_pad (_ ("NAME"), 20);
  g_autofree gchar *h_last = ff_cli_pad (_ ("LAST RUN"), 12);
  g_autofree gchar *h_executor = ff_cli_pad (_ ("EXECUTOR"), 14);
  g_autofree gchar *h_schedule = ff_cli_pad (_ ("SCHEDULE"), 16);
  g_autofree gchar *h_next = ff_cli_pad (_ ("NEXT RUN"), 20);
  GVariantIter iter;
  GVariant *pipeline;

  context = ff_cli_command_context (ctl, NULL, _ ("List the pipelines."), entries);
  if (!ff_cli_parse_options (ctl, context, &argc, &argv, 0, 0))
    return EXIT_USAGE;
  if (!ff_cli_connect_manager (ctl))
    return EXIT_FAILURE;
  if ((pipelines = ff_client_list_pipelines_sync (ctl->client, NULL, &error)) == NULL)
    {
      ff_cli_print_gerror (ctl, error);
      return EXIT_FAILURE;
    }
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
  g_print ("%s %s %s %s %s %s\n", h_name, h_last, h_executor, h_schedule, h_next,
           _ ("DESCRIPTION"));
  g_variant_iter_init (&iter, pipelines);
  while ((pipeline = g_variant_iter_next_value (&iter)) != NULL)
    {
      print_pipeline_row (pipeline, ff_cli_use_color (STDOUT_FILENO));
      g_variant_unref (pipeline);
    }
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
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, name);
      json_builder_set_member_name (b, "available");
      json_builder_add_boolean_value (b, available);
      json_builder_set_member_name (b, "message");
      json_builder_add_string_value (b, message);
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
