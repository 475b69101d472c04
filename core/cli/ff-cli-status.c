/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `fastflowctl status` without a run: the daemon at a glance, as
 * `systemctl status` gives a system's. */
#include "config.h"

#include <glib/gi18n.h>
#include <stdlib.h>
#include <unistd.h>

#include "ff-cli-output.h"
#include "ff-cli-private.h"

/* How many scheduled pipelines the overview lists. */
#define NEXT_SCHEDULED_MAX 5

typedef struct
{
  gchar *version;
  GVariant *executors;  /* a(sbs) */
  GPtrArray *active;    /* FfClientRun: starting and running */
  GPtrArray *queued;    /* FfClientRun */
  GPtrArray *scheduled; /* GVariant a{sv} pipelines with a next run, soonest first */
} Overview;

static void
overview_clear (Overview *o)
{
  g_free (o->version);
  g_clear_pointer (&o->executors, g_variant_unref);
  g_clear_pointer (&o->active, g_ptr_array_unref);
  g_clear_pointer (&o->queued, g_ptr_array_unref);
  g_clear_pointer (&o->scheduled, g_ptr_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Overview, overview_clear)

/* The manager's Version property: FfClient does not load properties. */
static gchar *
get_version (Ctl *ctl, GError **error)
{
  g_autoptr (GDBusConnection) connection = g_bus_get_sync (ctl->bus_type, NULL, error);
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GVariant) value = NULL;

  if (connection == NULL)
    return NULL;
  reply = g_dbus_connection_call_sync (
      connection, "org.fastflow.Orchestrator1", "/org/fastflow/Orchestrator1",
      "org.freedesktop.DBus.Properties", "Get",
      g_variant_new ("(ss)", "org.fastflow.Orchestrator1.Manager", "Version"),
      G_VARIANT_TYPE ("(v)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, error);
  if (reply == NULL)
    return NULL;
  g_variant_get (reply, "(v)", &value);
  if (!g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
    return g_strdup ("");
  return g_variant_dup_string (value, NULL);
}

static gint
by_next_run (gconstpointer a, gconstpointer b)
{
  gint64 x = 0, y = 0;

  g_variant_lookup (*(GVariant **) a, "next_run", "x", &x);
  g_variant_lookup (*(GVariant **) b, "next_run", "x", &y);
  return x < y ? -1 : x > y;
}

static GPtrArray *
list_scheduled (GVariant *pipelines)
{
  GPtrArray *scheduled = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  GVariantIter iter;
  GVariant *pipeline;

  g_variant_iter_init (&iter, pipelines);
  while ((pipeline = g_variant_iter_next_value (&iter)) != NULL)
    {
      gint64 next_run = 0;

      if (g_variant_lookup (pipeline, "next_run", "x", &next_run) && next_run > 0)
        g_ptr_array_add (scheduled, pipeline);
      else
        g_variant_unref (pipeline);
    }
  g_ptr_array_sort (scheduled, by_next_run);
  return scheduled;
}

static GPtrArray *
find_runs (Ctl *ctl, const gchar *state, const gchar *also, GError **error)
{
  g_autoptr (GPtrArray) runs = ff_client_find_runs_sync (ctl->client, NULL, state, 0, NULL, error);
  g_autoptr (GPtrArray) more = NULL;

  if (runs == NULL || also == NULL)
    return g_steal_pointer (&runs);
  more = ff_client_find_runs_sync (ctl->client, NULL, also, 0, NULL, error);
  if (more == NULL)
    return NULL;
  for (guint i = 0; i < more->len; i++)
    g_ptr_array_add (runs, g_object_ref (g_ptr_array_index (more, i)));
  return g_steal_pointer (&runs);
}

static gboolean
gather (Ctl *ctl, Overview *o, GError **error)
{
  g_autoptr (GVariant) pipelines = NULL;

  if ((o->version = get_version (ctl, error)) == NULL ||
      (o->executors = ff_client_list_executors_sync (ctl->client, NULL, error)) == NULL ||
      (o->active = find_runs (ctl, "running", "starting", error)) == NULL ||
      (o->queued = find_runs (ctl, "queued", NULL, error)) == NULL ||
      (pipelines = ff_client_list_pipelines_sync (ctl->client, NULL, error)) == NULL)
    return FALSE;
  o->scheduled = list_scheduled (pipelines);
  return TRUE;
}

static void
add_runs_json (JsonBuilder *b, const gchar *member, GPtrArray *runs)
{
  json_builder_set_member_name (b, member);
  json_builder_begin_array (b);
  for (guint i = 0; i < runs->len; i++)
    json_builder_add_value (b, ff_cli_run_to_json (g_ptr_array_index (runs, i)));
  json_builder_end_array (b);
}

static void
print_overview_json (Overview *o)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) node = NULL;
  GVariantIter iter;
  const gchar *name, *message;
  gboolean available;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "version");
  json_builder_add_string_value (b, o->version);
  json_builder_set_member_name (b, "executors");
  json_builder_begin_array (b);
  g_variant_iter_init (&iter, o->executors);
  while (g_variant_iter_next (&iter, "(&sb&s)", &name, &available, &message))
    {
      json_builder_begin_object (b);
      ff_cli_add_executor_members (b, name, available, message);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  add_runs_json (b, "running", o->active);
  add_runs_json (b, "queued", o->queued);
  json_builder_set_member_name (b, "next_scheduled");
  json_builder_begin_array (b);
  for (guint i = 0; i < o->scheduled->len; i++)
    {
      GVariant *pipeline = g_ptr_array_index (o->scheduled, i);
      const gchar *pipeline_name = "", *schedule = "";
      gint64 next_run = 0;

      g_variant_lookup (pipeline, "name", "&s", &pipeline_name);
      g_variant_lookup (pipeline, "schedule", "&s", &schedule);
      g_variant_lookup (pipeline, "next_run", "x", &next_run);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "pipeline");
      json_builder_add_string_value (b, pipeline_name);
      json_builder_set_member_name (b, "schedule");
      json_builder_add_string_value (b, schedule);
      json_builder_set_member_name (b, "next_run");
      json_builder_add_int_value (b, next_run);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  node = json_builder_get_root (b);
  ff_cli_print_json (node);
}

static void
print_executors (GVariant *executors)
{
  g_autoptr (FfCliTable) table = ff_cli_table_new (_ ("EXECUTOR"), _ ("HEALTH"), NULL);
  g_autofree gchar *text = NULL;
  GVariantIter iter;
  const gchar *name, *message;
  gboolean available;

  g_variant_iter_init (&iter, executors);
  while (g_variant_iter_next (&iter, "(&sb&s)", &name, &available, &message))
    ff_cli_table_add_row (table, name, available ? _ ("available") : message, NULL);
  text = ff_cli_table_format (table, "  ");
  g_print ("%s", text);
}

static void
print_run_rows (GPtrArray *runs, gboolean color)
{
  g_autoptr (FfCliTable) table =
      ff_cli_table_new (_ ("ID"), _ ("PIPELINE"), _ ("STATE"), _ ("CREATED"), _ ("MESSAGE"), NULL);
  g_autofree gchar *text = NULL;

  for (guint i = 0; i < runs->len; i++)
    {
      FfClientRun *run = g_ptr_array_index (runs, i);
      g_autofree gchar *id = g_strdup_printf ("%" G_GUINT64_FORMAT, ff_client_run_get_id (run));
      g_autofree gchar *created = ff_cli_format_time (ff_client_run_get_created_at (run));
      g_autofree gchar *plain =
          ff_cli_badge (ff_client_run_get_state (run), ff_client_run_get_error_class (run), FALSE);
      g_autofree gchar *badge =
          ff_cli_badge (ff_client_run_get_state (run), ff_client_run_get_error_class (run), color);

      ff_cli_table_add_row (table, id, ff_client_run_get_pipeline (run), plain, created,
                            ff_client_run_get_message (run), NULL);
      ff_cli_table_paint (table, 2, badge);
    }
  text = ff_cli_table_format (table, "  ");
  g_print ("%s", text);
}

static void
print_scheduled (GPtrArray *scheduled)
{
  g_autoptr (FfCliTable) table =
      ff_cli_table_new (_ ("NEXT RUN"), _ ("PIPELINE"), _ ("SCHEDULE"), NULL);
  g_autofree gchar *text = NULL;

  for (guint i = 0; i < MIN (scheduled->len, NEXT_SCHEDULED_MAX); i++)
    {
      GVariant *pipeline = g_ptr_array_index (scheduled, i);
      const gchar *name = "", *schedule = "";
      gint64 next_run = 0;
      g_autofree gchar *when = NULL;

      g_variant_lookup (pipeline, "name", "&s", &name);
      g_variant_lookup (pipeline, "schedule", "&s", &schedule);
      g_variant_lookup (pipeline, "next_run", "x", &next_run);
      when = ff_cli_format_time (next_run);
      ff_cli_table_add_row (table, when, name, schedule, NULL);
    }
  text = ff_cli_table_format (table, "  ");
  g_print ("%s", text);
}

static void
print_overview (Ctl *ctl, Overview *o)
{
  gboolean color = ff_cli_use_color (STDOUT_FILENO);
  g_autofree gchar *version = ff_cli_printable (o->version, FALSE);

  /* TRANSLATORS: the first line of `fastflowctl status`: fastflowd 0.1.0 on the session bus */
  g_print (_ ("fastflowd %s on the %s bus\n"), version,
           ctl->bus_type == G_BUS_TYPE_SYSTEM ? _ ("system") : _ ("session"));
  g_print ("\n%s\n", _ ("Executors:"));
  print_executors (o->executors);
  g_print ("\n");
  g_print (ngettext ("Running: %u run\n", "Running: %u runs\n", o->active->len), o->active->len);
  if (o->active->len > 0)
    print_run_rows (o->active, color);
  g_print (ngettext ("Queued: %u run\n", "Queued: %u runs\n", o->queued->len), o->queued->len);
  if (o->queued->len > 0)
    print_run_rows (o->queued, color);
  g_print ("\n");
  if (o->scheduled->len == 0)
    {
      g_print ("%s\n", _ ("Next scheduled: none (no pipeline has a schedule)"));
      return;
    }
  g_print ("%s\n", _ ("Next scheduled:"));
  print_scheduled (o->scheduled);
}

gint
ff_cli_print_overview (Ctl *ctl, gboolean json)
{
  g_auto (Overview) o = { 0 };
  g_autoptr (GError) error = NULL;

  if (!gather (ctl, &o, &error))
    {
      ff_cli_print_gerror (ctl, error);
      return EXIT_FAILURE;
    }
  if (json)
    print_overview_json (&o);
  else
    print_overview (ctl, &o);
  return EXIT_SUCCESS;
}
