/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `fastflowctl pipelines NAME`: one pipeline in full. */
#include "config.h"

#include <inttypes.h>

#include <glib/gi18n.h>
#include <stdlib.h>
#include <unistd.h>

#include "ff-cli-output.h"
#include "ff-cli-private.h"

static GVariant *
find_pipeline (GVariant *pipelines, const gchar *name)
{
  GVariantIter iter;
  GVariant *pipeline;

  g_variant_iter_init (&iter, pipelines);
  while ((pipeline = g_variant_iter_next_value (&iter)) != NULL)
    {
      const gchar *this_name = "";

      if (g_variant_lookup (pipeline, "name", "&s", &this_name) && g_str_equal (this_name, name))
        return pipeline;
      g_variant_unref (pipeline);
    }
  return NULL;
}

/* The pipeline's own file: what ListPipelines does not carry (limits,
 * retries, default_env, schedules[], …). NULL when there is none; its
 * absence is no error (every setting at its default). */
static JsonNode *
read_settings (const gchar *dir, GError **error)
{
  g_autofree gchar *path = g_build_filename (dir, "pipeline.json", NULL);
  g_autoptr (JsonParser) parser = json_parser_new ();

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return NULL;
  if (!json_parser_load_from_file (parser, path, error))
    return NULL;
  return json_node_copy (json_parser_get_root (parser));
}

static FfClientRun *
find_last_run (Ctl *ctl, const gchar *name, GError **error)
{
  g_autoptr (GPtrArray) runs = ff_client_find_runs_sync (ctl->client, name, NULL, 1, NULL, error);

  if (runs == NULL || runs->len == 0)
    return NULL;
  return g_object_ref (g_ptr_array_index (runs, 0));
}

static void
print_json (GVariant *pipeline, FfClientRun *last_run, JsonNode *settings)
{
  g_autoptr (JsonNode) node = json_gvariant_serialize (pipeline);
  JsonObject *object = json_node_get_object (node);

  json_object_set_member (object, "last_run",
                          last_run != NULL ? ff_cli_run_to_json (last_run)
                                           : json_node_new (JSON_NODE_NULL));
  json_object_set_member (object, "settings",
                          settings != NULL ? json_node_copy (settings)
                                           : json_node_new (JSON_NODE_NULL));
  ff_cli_print_json (node);
}

static gchar *
describe_last_run (FfClientRun *run)
{
  g_autofree gchar *badge = NULL, *when = NULL;

  if (run == NULL)
    return g_strdup (_ ("never run"));
  badge = ff_cli_badge (ff_client_run_get_state (run), ff_client_run_get_error_class (run),
                        ff_cli_use_color (STDOUT_FILENO));
  when = ff_cli_format_time (ff_client_run_get_created_at (run));
  /* TRANSLATORS: the last run of a pipeline: run 12, Succeeded, 2026-12-03 14:30:00 */
  return g_strdup_printf (_ ("run %" PRIu64 ", %s, %s"), ff_client_run_get_id (run), badge, when);
}

static void
print_field (const gchar *label, const gchar *value, gboolean printable)
{
  g_autofree gchar *padded = ff_cli_pad (label, 14);
  g_autofree gchar *text = printable ? ff_cli_printable (value, FALSE) : g_strdup (value);

  g_print ("%s %s\n", padded, text);
}

static void
print_lines (const gchar *label, const gchar *const *lines)
{
  for (guint i = 0; lines[i] != NULL; i++)
    print_field (i == 0 ? label : "", lines[i], TRUE);
}

static void
print_text (GVariant *pipeline, FfClientRun *last_run, JsonNode *settings, GError *settings_error)
{
  const gchar *name = "", *description = "", *executor = "", *schedule = "", *error = "";
  const gchar *dir = "";
  g_autofree const gchar **tags = NULL, **warnings = NULL;
  gboolean enabled = TRUE, broken = FALSE;
  gint64 next_run = 0;
  g_autofree gchar *next = NULL, *last = NULL, *tag_text = NULL;

  g_variant_lookup (pipeline, "name", "&s", &name);
  g_variant_lookup (pipeline, "description", "&s", &description);
  g_variant_lookup (pipeline, "executor", "&s", &executor);
  g_variant_lookup (pipeline, "schedule", "&s", &schedule);
  g_variant_lookup (pipeline, "error", "&s", &error);
  g_variant_lookup (pipeline, "path", "&s", &dir);
  g_variant_lookup (pipeline, "tags", "^a&s", &tags);
  g_variant_lookup (pipeline, "warnings", "^a&s", &warnings);
  g_variant_lookup (pipeline, "enabled", "b", &enabled);
  g_variant_lookup (pipeline, "broken", "b", &broken);
  g_variant_lookup (pipeline, "next_run", "x", &next_run);
  next = next_run > 0 ? ff_cli_format_time (next_run) : g_strdup ("-");
  last = describe_last_run (last_run);
  tag_text = tags != NULL ? g_strjoinv (", ", (gchar **) tags) : g_strdup ("");

  print_field (_ ("Name"), name, TRUE);
  print_field (_ ("Description"), *description != '\0' ? description : "-", TRUE);
  print_field (_ ("Folder"), dir, TRUE);
  print_field (_ ("Enabled"), enabled ? _ ("yes") : _ ("no"), TRUE);
  if (broken)
    {
      g_auto (GStrv) lines = g_strsplit (error, "\n", -1);
      print_lines (_ ("Broken"), (const gchar *const *) lines);
    }
  print_field (_ ("Executor"), *executor != '\0' ? executor : _ ("default"), TRUE);
  print_field (_ ("Tags"), *tag_text != '\0' ? tag_text : "-", TRUE);
  print_field (_ ("Schedule"), *schedule != '\0' ? schedule : "-", TRUE);
  print_field (_ ("Next run"), next, TRUE);
  print_field (_ ("Last run"), last, FALSE);
  if (warnings != NULL && warnings[0] != NULL)
    print_lines (_ ("Warnings"), warnings);
  g_print ("\n");
  if (settings_error != NULL)
    {
      g_autofree gchar *text = ff_cli_printable (settings_error->message, FALSE);
      /* TRANSLATORS: %s says why pipeline.json could not be read */
      g_print (_ ("Settings: cannot be shown: %s\n"), text);
    }
  else if (settings == NULL)
    g_print ("%s\n", _ ("Settings: no pipeline.json, every setting at its default"));
  else
    {
      g_autoptr (JsonGenerator) gen = json_generator_new ();
      g_autofree gchar *json = NULL, *printable = NULL;

      json_generator_set_pretty (gen, TRUE);
      json_generator_set_root (gen, settings);
      json = json_generator_to_data (gen, NULL);
      printable = ff_cli_printable (json, TRUE);
      g_print ("%s\n%s\n", _ ("Settings (pipeline.json):"), printable);
    }
}

gint
ff_cli_show_pipeline (Ctl *ctl, GVariant *pipelines, const gchar *name, gboolean json)
{
  g_autoptr (GVariant) pipeline = find_pipeline (pipelines, name);
  g_autoptr (GError) error = NULL;
  g_autoptr (GError) settings_error = NULL;
  g_autoptr (FfClientRun) last_run = NULL;
  g_autoptr (JsonNode) settings = NULL;
  const gchar *dir = "";

  if (pipeline == NULL)
    {
      g_autofree gchar *printable = ff_cli_printable (name, FALSE);
      ff_cli_print_error (_ ("There is no pipeline “%s” (“fastflowctl pipelines” lists them)"),
                          printable);
      return EXIT_FAILURE;
    }
  last_run = find_last_run (ctl, name, &error);
  if (error != NULL)
    {
      ff_cli_print_gerror (ctl, error);
      return EXIT_FAILURE;
    }
  g_variant_lookup (pipeline, "path", "&s", &dir);
  settings = read_settings (dir, &settings_error);
  if (json)
    print_json (pipeline, last_run, settings);
  else
    print_text (pipeline, last_run, settings, settings_error);
  return EXIT_SUCCESS;
}
