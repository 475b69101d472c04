/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <inttypes.h>
#include <gio/gio.h>
#include <stdio.h>
#include <string.h>

#include "fastflow.h"

#include "ff-journal.h"

#define MAX_FIELDS 10

/* Fields of one entry; values are kept until the entry is written. */
typedef struct
{
  GLogField fields[MAX_FIELDS];
  gsize n;
  GPtrArray *values;
} Entry;

static void
entry_init (Entry *entry)
{
  entry->n = 0;
  entry->values = g_ptr_array_new_with_free_func (g_free);
  entry->fields[entry->n++] = (GLogField){ "GLIB_DOMAIN", G_LOG_DOMAIN, -1 };
}

/* Takes @value. */
static void
entry_add (Entry *entry, const gchar *key, gchar *value)
{
  g_assert (entry->n < MAX_FIELDS);
  g_ptr_array_add (entry->values, value);
  entry->fields[entry->n++] = (GLogField){ key, value, -1 };
}

/* Takes @message; writes and frees the entry. */
static void
entry_log (Entry *entry, GLogLevelFlags level, gchar *message)
{
  entry_add (entry, "MESSAGE", message);
  g_log_structured_array (level, entry->fields, entry->n);
  g_ptr_array_unref (entry->values);
}

/* The run's own message, in the daemon's language, or NULL. */
static gchar *
run_message (FfRun *run)
{
  const gchar *message = ff_run_get_message (run);

  if (message == NULL || *message == '\0')
    return NULL;
  return ff_message_format (message);
}

static gchar *
finished_text (FfRun *run, const gchar *detail)
{
  guint64 id = ff_run_get_id (run);
  const gchar *pipeline = ff_run_get_pipeline (run);

  switch (ff_run_get_state (run))
    {
    case FF_RUN_STATE_SUCCEEDED:
      return g_strdup_printf (_ ("Run %" PRIu64 " of %s succeeded"), id, pipeline);
    case FF_RUN_STATE_CANCELLED:
      return g_strdup_printf (_ ("Run %" PRIu64 " of %s was cancelled"), id, pipeline);
    default:
      if (detail != NULL)
        return g_strdup_printf (_ ("Run %" PRIu64 " of %s failed: %s"), id, pipeline, detail);
      return g_strdup_printf (_ ("Run %" PRIu64 " of %s failed"), id, pipeline);
    }
}

void
ff_journal_run_finished (FfRun *run)
{
  g_autofree gchar *detail = run_message (run);
  FfRunState state = ff_run_get_state (run);
  Entry entry;

  entry_init (&entry);
  entry_add (&entry, "FASTFLOW_RUN_ID", g_strdup_printf ("%" PRIu64, ff_run_get_id (run)));
  entry_add (&entry, "FASTFLOW_PIPELINE", g_strdup (ff_run_get_pipeline (run)));
  entry_add (&entry, "FASTFLOW_STATE", g_strdup (ff_run_state_to_string (state)));
  entry_add (&entry, "FASTFLOW_REASON", g_strdup (ff_reason_to_string (ff_run_get_reason (run))));
  entry_add (&entry, "FASTFLOW_ERROR_CLASS",
             g_strdup (ff_error_class_to_string (ff_run_get_error_class (run))));
  /* a run that never started has no exit code */
  if (ff_run_get_started_at (run) > 0)
    entry_add (&entry, "FASTFLOW_EXIT_CODE", g_strdup_printf ("%d", ff_run_get_exit_code (run)));
  entry_add (&entry, "FASTFLOW_TRIGGERED_BY", g_strdup (ff_run_get_triggered_by (run)));
  entry_log (&entry, state == FF_RUN_STATE_SUCCEEDED ? G_LOG_LEVEL_MESSAGE : G_LOG_LEVEL_WARNING,
             finished_text (run, detail));
}

/* The error's D-Bus name without its prefix (NoSuchPipeline, Disabled,
 * LimitReached), as scripts see it. */
static gchar *
error_name (const GError *error)
{
  g_autofree gchar *name = g_dbus_error_encode_gerror (error);
  const gchar *dot = strrchr (name, '.');

  return g_strdup (dot != NULL ? dot + 1 : name);
}

void
ff_journal_run_refused (const gchar *pipeline, const gchar *triggered_by, const GError *error)
{
  Entry entry;

  entry_init (&entry);
  entry_add (&entry, "FASTFLOW_PIPELINE", g_strdup (pipeline));
  entry_add (&entry, "FASTFLOW_STATE", g_strdup ("refused"));
  entry_add (&entry, "FASTFLOW_REASON", error_name (error));
  entry_add (&entry, "FASTFLOW_TRIGGERED_BY", g_strdup (triggered_by));
  entry_log (&entry, G_LOG_LEVEL_WARNING,
             g_strdup_printf (_ ("A run of %s was refused: %s"), pipeline, error->message));
}

void
ff_journal_webhook_rejected (const gchar *pipeline, guint status, const gchar *message)
{
  Entry entry;

  entry_init (&entry);
  if (pipeline != NULL)
    entry_add (&entry, "FASTFLOW_PIPELINE", g_strdup (pipeline));
  entry_add (&entry, "FASTFLOW_STATE", g_strdup ("rejected"));
  entry_add (&entry, "FASTFLOW_REASON", g_strdup ("webhook"));
  entry_add (&entry, "FASTFLOW_HTTP_STATUS", g_strdup_printf ("%u", status));
  entry_log (&entry, G_LOG_LEVEL_WARNING,
             g_strdup_printf (_ ("A webhook call was rejected (HTTP %u): %s"), status, message));
}

void
ff_journal_pipeline_warning (const gchar *pipeline, const gchar *warning)
{
  Entry entry;

  entry_init (&entry);
  entry_add (&entry, "FASTFLOW_PIPELINE", g_strdup (pipeline));
  entry_log (&entry, G_LOG_LEVEL_WARNING, g_strdup (warning));
}

static const gchar *
priority_of (GLogLevelFlags level)
{
  if (level & G_LOG_LEVEL_ERROR)
    return "3";
  if (level & G_LOG_LEVEL_CRITICAL)
    return "4";
  if (level & G_LOG_LEVEL_WARNING)
    return "4";
  if (level & G_LOG_LEVEL_MESSAGE)
    return "5";
  if (level & G_LOG_LEVEL_INFO)
    return "6";
  return "7";
}

/* The entry as the journal gets it (PRIORITY and every field), in the
 * journal's export format (KEY=VALUE lines, a blank line after each
 * entry) on stderr: what FASTFLOW_LOG_FIELDS=1 asks for, so that tests
 * and log collectors without a journal see the fields. */
GLogWriterOutput
ff_journal_write_fields (GLogLevelFlags level, const GLogField *fields, gsize n_fields)
{
  g_autoptr (GString) text = g_string_new (NULL);

  if ((level & G_LOG_LEVEL_DEBUG) && g_getenv ("G_MESSAGES_DEBUG") == NULL)
    return G_LOG_WRITER_HANDLED;
  g_string_append_printf (text, "PRIORITY=%s\n", priority_of (level));
  for (gsize i = 0; i < n_fields; i++)
    {
      if (g_strcmp0 (fields[i].key, "PRIORITY") == 0 || fields[i].length != -1)
        continue;
      g_string_append_printf (text, "%s=%s\n", fields[i].key, (const gchar *) fields[i].value);
    }
  g_string_append_c (text, '\n');
  fputs (text->str, stderr);
  fflush (stderr);
  return G_LOG_WRITER_HANDLED;
}
