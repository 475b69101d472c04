/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>
#include <unistd.h>

#include "ff-cli-output.h"

#define COLOR_GREEN "\033[1;32m"
#define COLOR_RED "\033[1;31m"
#define COLOR_ORANGE "\033[1;38;5;208m"
#define COLOR_BLUE "\033[1;34m"
#define COLOR_GREY "\033[2m"
#define COLOR_RESET "\033[0m"

gboolean
ff_cli_use_color (gint fd)
{
  const gchar *no_color = g_getenv ("NO_COLOR");

  if (no_color != NULL && *no_color != '\0')
    return FALSE;
  return isatty (fd);
}

static gchar *
paint (const gchar *color, const gchar *text, gboolean use_color)
{
  if (!use_color)
    return g_strdup (text);
  return g_strconcat (color, text, COLOR_RESET, NULL);
}

/* The words people look for: "Pipeline Error" (red), "Infrastructure
 * Error" (orange), success in green. */
gchar *
ff_cli_badge (const gchar *state, const gchar *error_class, gboolean color)
{
  if (g_strcmp0 (state, "succeeded") == 0)
    return paint (COLOR_GREEN, _ ("Succeeded"), color);
  if (g_strcmp0 (error_class, "infrastructure") == 0)
    return paint (COLOR_ORANGE, _ ("Infrastructure Error"), color);
  if (g_strcmp0 (state, "cancelled") == 0)
    return paint (COLOR_GREY, _ ("Cancelled"), color);
  if (g_strcmp0 (state, "timed-out") == 0)
    return paint (COLOR_RED, _ ("Pipeline Error (timed out)"), color);
  if (g_strcmp0 (error_class, "pipeline") == 0)
    return paint (COLOR_RED, _ ("Pipeline Error"), color);
  if (g_strcmp0 (state, "running") == 0)
    return paint (COLOR_BLUE, _ ("Running"), color);
  if (g_strcmp0 (state, "starting") == 0)
    return paint (COLOR_BLUE, _ ("Starting"), color);
  if (g_strcmp0 (state, "queued") == 0)
    return paint (COLOR_GREY, _ ("Queued"), color);
  /* a state without its error class, as in the pipelines' last state */
  if (g_strcmp0 (state, "failed") == 0)
    return paint (COLOR_RED, _ ("Failed"), color);
  return ff_cli_printable (state, FALSE);
}

/* Words for the stable ids of ErrorClass and Reason. */
const gchar *
ff_cli_describe_id (const gchar *id)
{
  static const struct
  {
    const gchar *id;
    const gchar *words;
  } names[] = {
    { "none", N_ ("none") },
    { "pipeline", N_ ("the pipeline's") },
    { "infrastructure", N_ ("the infrastructure's") },
    { "exit-code", N_ ("exit code") },
    { "oom-killed", N_ ("out of memory") },
    { "timeout", N_ ("timeout") },
    { "cancelled", N_ ("cancelled") },
    { "spawn-failed", N_ ("could not start") },
    { "proxy-unreachable", N_ ("proxy unreachable") },
    { "proxy-forbidden", N_ ("refused by the proxy") },
    { "engine-error", N_ ("engine error") },
    { "image-not-found", N_ ("image not found") },
    { "orchestrator-restarted", N_ ("lost in a restart of fastflowd") },
    { "refused", N_ ("refused by fastflow") },
    { "dependencies-failed", N_ ("requirements not installable") },
    { "index-unreachable", N_ ("package index unreachable") },
  };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      if (g_strcmp0 (id, names[i].id) == 0)
        return _ (names[i].words);
    }
  return id;
}

gchar *
ff_cli_format_time (gint64 usec)
{
  g_autoptr (GDateTime) utc = NULL;
  g_autoptr (GDateTime) local = NULL;

  if (usec <= 0)
    return g_strdup ("-");
  utc = g_date_time_new_from_unix_utc (usec / G_USEC_PER_SEC);
  if (utc == NULL)
    return g_strdup ("?");
  local = g_date_time_to_local (utc);
  /* TRANSLATORS: a g_date_time_format() pattern for a run's times; German: %d.%m.%Y %H:%M:%S */
  return g_date_time_format (local, _ ("%Y-%m-%d %H:%M:%S"));
}

gchar *
ff_cli_format_duration (gint64 start_usec, gint64 end_usec)
{
  gint64 seconds;

  if (start_usec <= 0)
    return g_strdup ("-");
  if (end_usec <= 0)
    end_usec = g_get_real_time ();
  seconds = MAX (end_usec - start_usec, 0) / G_USEC_PER_SEC;
  if (seconds < 60)
    {
      gdouble precise = MAX (end_usec - start_usec, 0) / (gdouble) G_USEC_PER_SEC;
      /* TRANSLATORS: a duration in seconds, e.g. 1.5 s */
      return g_strdup_printf (_ ("%.1f s"), precise);
    }
  if (seconds < 3600)
    /* TRANSLATORS: minutes and seconds */
    return g_strdup_printf (_ ("%d min %d s"), (gint) (seconds / 60), (gint) (seconds % 60));
  /* TRANSLATORS: hours and minutes */
  return g_strdup_printf (_ ("%d h %d min"), (gint) (seconds / 3600), (gint) (seconds / 60 % 60));
}

gchar *
ff_cli_format_size (guint64 bytes)
{
  return g_format_size_full (bytes, G_FORMAT_SIZE_IEC_UNITS);
}

/* The D-Bus API keeps -1 for "none"; people and JSON get no number. */
static gboolean
has_exit_code (FfClientRun *run)
{
  return ff_client_run_get_finished_at (run) > 0 && ff_client_run_get_exit_code (run) >= 0;
}

gchar *
ff_cli_format_exit_code (FfClientRun *run)
{
  if (!has_exit_code (run))
    return g_strdup ("-");
  return g_strdup_printf ("%d", ff_client_run_get_exit_code (run));
}

JsonNode *
ff_cli_run_to_json (FfClientRun *run)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "id");
  json_builder_add_int_value (b, ff_client_run_get_id (run));
  json_builder_set_member_name (b, "pipeline");
  json_builder_add_string_value (b, ff_client_run_get_pipeline (run));
  json_builder_set_member_name (b, "state");
  json_builder_add_string_value (b, ff_client_run_get_state (run));
  json_builder_set_member_name (b, "error_class");
  json_builder_add_string_value (b, ff_client_run_get_error_class (run));
  json_builder_set_member_name (b, "reason");
  json_builder_add_string_value (b, ff_client_run_get_reason (run));
  json_builder_set_member_name (b, "message");
  json_builder_add_string_value (b, ff_client_run_get_message (run));
  /* null, not -1, for a run whose program never exited (documented) */
  json_builder_set_member_name (b, "exit_code");
  if (has_exit_code (run))
    json_builder_add_int_value (b, ff_client_run_get_exit_code (run));
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "executor");
  json_builder_add_string_value (b, ff_client_run_get_executor (run));
  json_builder_set_member_name (b, "attempt");
  json_builder_add_int_value (b, ff_client_run_get_attempt (run));
  json_builder_set_member_name (b, "max_attempts");
  json_builder_add_int_value (b, ff_client_run_get_max_attempts (run));
  json_builder_set_member_name (b, "triggered_by");
  json_builder_add_string_value (b, ff_client_run_get_triggered_by (run));
  json_builder_set_member_name (b, "created_at");
  json_builder_add_int_value (b, ff_client_run_get_created_at (run));
  json_builder_set_member_name (b, "started_at");
  json_builder_add_int_value (b, ff_client_run_get_started_at (run));
  json_builder_set_member_name (b, "finished_at");
  json_builder_add_int_value (b, ff_client_run_get_finished_at (run));
  json_builder_set_member_name (b, "cpu_percent");
  json_builder_add_double_value (b, ff_client_run_get_cpu_percent (run));
  json_builder_set_member_name (b, "memory_bytes");
  json_builder_add_int_value (b, ff_client_run_get_memory_bytes (run));
  json_builder_set_member_name (b, "memory_peak_bytes");
  json_builder_add_int_value (b, ff_client_run_get_memory_peak_bytes (run));
  json_builder_set_member_name (b, "soft_limit_exceeded");
  json_builder_add_boolean_value (b, ff_client_run_get_soft_limit_exceeded (run));
  json_builder_set_member_name (b, "route");
  json_builder_add_string_value (b, ff_client_run_get_route (run));
  json_builder_set_member_name (b, "metrics_message");
  json_builder_add_string_value (b, ff_client_run_get_metrics_message (run));
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

void
ff_cli_print_json (JsonNode *node)
{
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autofree gchar *text = NULL;

  json_generator_set_pretty (gen, TRUE);
  json_generator_set_root (gen, node);
  text = json_generator_to_data (gen, NULL);
  g_print ("%s\n", text);
}

#define ESC 0x1b
#define BEL 0x07

/* The end of the escape sequence that starts at @p, just past ESC. A
 * terminal reads the same: CSI up to its final byte, a control string
 * (OSC, DCS, SOS, PM, APC) up to BEL or ST, anything else as ESC plus its
 * intermediate bytes and one final byte. */
static const gchar *
skip_escape (const gchar *p)
{
  if (*p == '[')
    {
      for (p++; *p >= 0x20 && *p <= 0x3f; p++)
        ;
      return *p >= 0x40 && *p <= 0x7e ? p + 1 : p;
    }
  if (*p == ']' || *p == 'P' || *p == 'X' || *p == '^' || *p == '_')
    {
      for (p++; *p != '\0' && *p != BEL; p++)
        {
          if (p[0] == ESC && p[1] == '\\')
            return p + 2;
        }
      return *p == BEL ? p + 1 : p;
    }
  for (; *p >= 0x20 && *p <= 0x2f; p++)
    ;
  return *p >= 0x30 && *p <= 0x7e ? p + 1 : p;
}

/* A pipeline's description or a message is the pipeline author's text:
 * printed as it came, it could set the terminal's title, clear the screen
 * or forge lines. Escape sequences go whole; other control characters
 * (C0, DEL, C1) become U+FFFD, so that the reader sees something was
 * there; a tab is a space. The run's own output never comes here. */
gchar *
ff_cli_printable (const gchar *text, gboolean keep_newlines)
{
  g_autofree gchar *valid = g_utf8_make_valid (text != NULL ? text : "", -1);
  GString *out = g_string_sized_new (strlen (valid));
  const gchar *p = valid;

  while (*p != '\0')
    {
      gunichar c = g_utf8_get_char (p);
      const gchar *next = g_utf8_next_char (p);

      if (c == ESC)
        next = skip_escape (next);
      else if (c == '\n' && keep_newlines)
        g_string_append_c (out, '\n');
      else if (c == '\n' || c == '\t')
        g_string_append_c (out, ' ');
      else if (c < 0x20 || (c >= 0x7f && c <= 0x9f))
        g_string_append_unichar (out, 0xfffd);
      else
        g_string_append_len (out, p, next - p);
      p = next;
    }
  return g_string_free (out, FALSE);
}

guint
ff_cli_display_width (const gchar *text)
{
  guint width = 0;

  for (const gchar *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_iszerowidth (c))
        continue;
      width += g_unichar_iswide (c) ? 2 : 1;
    }
  return width;
}

gchar *
ff_cli_pad (const gchar *text, guint width)
{
  g_autofree gchar *printable = ff_cli_printable (text, FALSE);
  GString *s = g_string_new (printable);

  for (guint i = ff_cli_display_width (printable); i < width; i++)
    g_string_append_c (s, ' ');
  return g_string_free (s, FALSE);
}

struct _FfCliTable
{
  guint n_columns;
  GPtrArray *rows;    /* of GStrv, the header first */
  GPtrArray *painted; /* by row: NULL, or n_columns strings, each may be NULL */
  GPtrArray *notes;   /* of GString or NULL, by row: lines under it */
};

static GStrv
collect_cells (guint n, const gchar *first, va_list args)
{
  GStrv cells = g_new0 (gchar *, n + 1);
  const gchar *cell = first;

  for (guint i = 0; i < n; i++)
    {
      cells[i] = ff_cli_printable (cell != NULL ? cell : "", FALSE);
      cell = cell != NULL ? va_arg (args, const gchar *) : NULL;
    }
  return cells;
}

static void
free_note (gpointer note)
{
  if (note != NULL)
    g_string_free (note, TRUE);
}

FfCliTable *
ff_cli_table_new (const gchar *first_header, ...)
{
  FfCliTable *table = g_new0 (FfCliTable, 1);
  va_list args;

  va_start (args, first_header);
  for (const gchar *h = first_header; h != NULL; h = va_arg (args, const gchar *))
    table->n_columns++;
  va_end (args);
  table->rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  table->painted = g_ptr_array_new ();
  table->notes = g_ptr_array_new_with_free_func (free_note);
  va_start (args, first_header);
  g_ptr_array_add (table->rows, collect_cells (table->n_columns, first_header, args));
  va_end (args);
  g_ptr_array_add (table->painted, NULL);
  g_ptr_array_add (table->notes, NULL);
  return table;
}

void
ff_cli_table_add_row (FfCliTable *table, const gchar *first_cell, ...)
{
  va_list args;

  va_start (args, first_cell);
  g_ptr_array_add (table->rows, collect_cells (table->n_columns, first_cell, args));
  va_end (args);
  g_ptr_array_add (table->painted, NULL);
  g_ptr_array_add (table->notes, NULL);
}

void
ff_cli_table_add_note (FfCliTable *table, const gchar *line)
{
  guint last = table->notes->len - 1;

  if (table->notes->pdata[last] == NULL)
    table->notes->pdata[last] = g_string_new (NULL);
  g_string_append_printf (table->notes->pdata[last], "%s\n", line);
}

void
ff_cli_table_paint (FfCliTable *table, guint column, const gchar *painted)
{
  guint last = table->painted->len - 1;

  g_return_if_fail (column < table->n_columns);
  if (table->painted->pdata[last] == NULL)
    table->painted->pdata[last] = g_new0 (gchar *, table->n_columns + 1);
  g_free (((GStrv) table->painted->pdata[last])[column]);
  ((GStrv) table->painted->pdata[last])[column] = g_strdup (painted);
}

gchar *
ff_cli_table_format (FfCliTable *table, const gchar *indent)
{
  g_autofree guint *widths = g_new0 (guint, table->n_columns);
  GString *out = g_string_new (NULL);

  for (guint r = 0; r < table->rows->len; r++)
    {
      GStrv cells = g_ptr_array_index (table->rows, r);
      for (guint c = 0; c < table->n_columns; c++)
        widths[c] = MAX (widths[c], ff_cli_display_width (cells[c]));
    }
  for (guint r = 0; r < table->rows->len; r++)
    {
      GStrv cells = g_ptr_array_index (table->rows, r);
      GStrv painted = g_ptr_array_index (table->painted, r);

      g_string_append (out, indent);
      for (guint c = 0; c < table->n_columns; c++)
        {
          const gchar *shown = painted != NULL && painted[c] != NULL ? painted[c] : cells[c];
          gboolean last = c + 1 == table->n_columns;

          g_string_append (out, shown);
          /* two spaces between columns, as docker and systemctl leave */
          for (guint i = ff_cli_display_width (cells[c]); !last && i < widths[c] + 2; i++)
            g_string_append_c (out, ' ');
        }
      g_string_append_c (out, '\n');
      if (g_ptr_array_index (table->notes, r) != NULL)
        g_string_append (out, ((GString *) g_ptr_array_index (table->notes, r))->str);
    }
  return g_string_free (out, FALSE);
}

void
ff_cli_table_free (FfCliTable *table)
{
  /* not g_strfreev: a row's painted cells have gaps (NULL) before others */
  for (guint r = 0; r < table->painted->len; r++)
    {
      gchar **painted = g_ptr_array_index (table->painted, r);

      for (guint c = 0; painted != NULL && c < table->n_columns; c++)
        g_free (painted[c]);
      g_free (painted);
    }
  g_ptr_array_unref (table->rows);
  g_ptr_array_unref (table->painted);
  g_ptr_array_unref (table->notes);
  g_free (table);
}
