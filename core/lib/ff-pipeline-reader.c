/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ff-pipeline-parser-private.h"

/* Reading pipeline.json: the file, its JSON values and the messages that
 * name the file, the field, what was expected and what was found. */

#define MAX_JSON_SIZE (1024 * 1024)
/* Doubles hold every whole number up to here exactly. */
#define MAX_EXACT_INTEGER (G_GINT64_CONSTANT (1) << 53)

#define DATE_EXPECTED                                                                              \
  N_ ("an ISO 8601 date or date-time such as “2025-01-31” or “2025-01-31T09:00:00+01:00”")

/* ---- sizes ---- */

gboolean
ff_parse_size (const gchar *text, guint64 *bytes)
{
  static const struct
  {
    const gchar *unit;
    guint shift;
  } units[] = {
    { "", 0 },    { "b", 0 },    { "k", 10 }, { "kb", 10 }, { "kib", 10 }, { "m", 20 },
    { "mb", 20 }, { "mib", 20 }, { "g", 30 }, { "gb", 30 }, { "gib", 30 }, { "t", 40 },
    { "tb", 40 }, { "tib", 40 }, { "p", 50 }, { "pb", 50 }, { "pib", 50 },
  };
  const gchar *p = text;
  const gchar *unit;
  gsize unit_len;
  guint64 whole = 0;
  gdouble fraction = 0;
  gdouble scale = 0.1;
  gboolean has_fraction = FALSE;
  guint64 result;

  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (bytes != NULL, FALSE);

  while (g_ascii_isspace (*p))
    p++;
  if (!g_ascii_isdigit (*p))
    return FALSE;
  for (; g_ascii_isdigit (*p); p++)
    {
      if (whole > (G_MAXUINT64 - 9) / 10)
        return FALSE;
      whole = whole * 10 + (guint64) (*p - '0');
    }
  if (*p == '.')
    {
      p++;
      if (!g_ascii_isdigit (*p))
        return FALSE;
      for (; g_ascii_isdigit (*p); p++, scale /= 10)
        {
          fraction += (*p - '0') * scale;
          has_fraction = has_fraction || *p != '0';
        }
    }
  while (g_ascii_isspace (*p))
    p++;
  unit = p;
  while (g_ascii_isalpha (*p))
    p++;
  unit_len = p - unit;
  while (g_ascii_isspace (*p))
    p++;
  if (*p != '\0')
    return FALSE;

  for (gsize i = 0; i < G_N_ELEMENTS (units); i++)
    {
      if (strlen (units[i].unit) != unit_len ||
          g_ascii_strncasecmp (unit, units[i].unit, unit_len) != 0)
        continue;
      /* A fraction of a byte means nothing. */
      if (units[i].shift == 0 && has_fraction)
        return FALSE;
      /* Docker takes a signed 64-bit size. */
      if (whole > ((guint64) G_MAXINT64 >> units[i].shift))
        return FALSE;
      result = (whole << units[i].shift) +
               (guint64) (fraction * (gdouble) (G_GUINT64_CONSTANT (1) << units[i].shift));
      if (result > (guint64) G_MAXINT64)
        return FALSE;
      *bytes = result;
      return TRUE;
    }
  return FALSE;
}

/* ---- date-times ---- */

static gboolean
has_date_prefix (const gchar *text)
{
  static const gchar pattern[] = "dddd-dd-dd";

  for (gsize i = 0; pattern[i] != '\0'; i++)
    {
      if (pattern[i] == 'd' ? !g_ascii_isdigit (text[i]) : text[i] != pattern[i])
        return FALSE;
    }
  return TRUE;
}

/* "2025-01-31T09:00" without seconds: Python takes it, GLib does not. */
static gboolean
lacks_seconds (const gchar *text)
{
  return strlen (text) >= 16 && has_date_prefix (text) && strchr ("Tt ", text[10]) != NULL &&
         g_ascii_isdigit (text[11]) && g_ascii_isdigit (text[12]) && text[13] == ':' &&
         g_ascii_isdigit (text[14]) && g_ascii_isdigit (text[15]) &&
         (text[16] == '\0' || strchr ("Zz+-", text[16]) != NULL);
}

/* Fast-Flow reads a time without a zone as UTC and a date alone as the
 * start of that day, or its end for the end of a period. */
static gboolean
parse_date_time (const gchar *text, gboolean end_of_day, gint64 *usec)
{
  g_autoptr (GTimeZone) utc = g_time_zone_new_utc ();
  g_autoptr (GDateTime) dt = NULL;
  g_autofree gchar *full = NULL;

  if (strlen (text) == 10 && has_date_prefix (text))
    full = g_strconcat (text, end_of_day ? "T23:59:59.999999" : "T00:00:00", NULL);
  else if (lacks_seconds (text))
    full = g_strdup_printf ("%.16s:00%s", text, text + 16);
  dt = g_date_time_new_from_iso8601 (full != NULL ? full : text, utc);
  if (dt == NULL)
    return FALSE;
  *usec = g_date_time_to_unix (dt) * G_USEC_PER_SEC + g_date_time_get_microsecond (dt);
  /* 0 means unset. */
  return *usec > 0;
}

gchar *
ff_parser_format_date_time (gint64 usec)
{
  g_autoptr (GDateTime) dt = g_date_time_new_from_unix_utc (usec / G_USEC_PER_SEC);
  g_autoptr (GDateTime) exact = NULL;

  if (dt == NULL)
    return g_strdup ("?");
  exact = g_date_time_add (dt, usec % G_USEC_PER_SEC);
  return g_date_time_format_iso8601 (exact);
}

/* ---- messages ---- */

gboolean
ff_parser_node_is_string (JsonNode *node)
{
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING;
}

gboolean
ff_parser_node_is_number (JsonNode *node)
{
  GType type;

  if (!JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  type = json_node_get_value_type (node);
  return type == G_TYPE_INT64 || type == G_TYPE_DOUBLE;
}

gboolean
ff_parser_node_is_boolean (JsonNode *node)
{
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_BOOLEAN;
}

static const gchar *
describe_type (JsonNode *node)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    return _ ("an object");
  if (JSON_NODE_HOLDS_ARRAY (node))
    return _ ("an array");
  if (JSON_NODE_HOLDS_NULL (node))
    return _ ("null");
  if (ff_parser_node_is_string (node))
    return _ ("a string");
  if (ff_parser_node_is_boolean (node))
    return _ ("a boolean");
  return _ ("a number");
}

gchar *
ff_parser_describe_value (JsonNode *node)
{
  if (ff_parser_node_is_string (node))
    {
      const gchar *text = json_node_get_string (node);

      if (g_utf8_strlen (text, -1) > 64)
        {
          g_autofree gchar *start = g_utf8_substring (text, 0, 64);
          return g_strdup_printf ("“%s…”", start);
        }
      return g_strdup_printf ("“%s”", text);
    }
  if (ff_parser_node_is_boolean (node))
    return g_strdup (json_node_get_boolean (node) ? "true" : "false");
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_INT64)
    return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
  if (JSON_NODE_HOLDS_VALUE (node))
    {
      gchar buffer[G_ASCII_DTOSTR_BUF_SIZE];
      return g_strdup (g_ascii_formatd (buffer, sizeof buffer, "%g", json_node_get_double (node)));
    }
  if (JSON_NODE_HOLDS_ARRAY (node) && json_array_get_length (json_node_get_array (node)) == 0)
    return g_strdup (_ ("an empty array"));
  return g_strdup (describe_type (node));
}

void
ff_parser_add_error (Parser *p, const gchar *field, const gchar *expected, const gchar *got)
{
  g_ptr_array_add (p->errors, g_strdup_printf (_ ("%s: field “%s”: expected %s, got %s"), p->file,
                                               field, expected, got));
}

void
ff_parser_type_error (Parser *p, const gchar *field, const gchar *expected, JsonNode *node)
{
  ff_parser_add_error (p, field, expected, describe_type (node));
}

void
ff_parser_value_error (Parser *p, const gchar *field, const gchar *expected, JsonNode *node)
{
  g_autofree gchar *got = ff_parser_describe_value (node);

  ff_parser_add_error (p, field, expected, got);
}

void
ff_parser_missing_error (Parser *p, const gchar *field, const gchar *expected)
{
  g_ptr_array_add (p->errors, g_strdup_printf (_ ("%s: field “%s” is missing: expected %s"),
                                               p->file, field, expected));
}

void
ff_parser_add_warning (Parser *p, gchar *message)
{
  g_ptr_array_add (p->warnings, message);
}

gchar *
ff_parser_field_name (const gchar *prefix, const gchar *name)
{
  return prefix != NULL ? g_strdup_printf ("%s.%s", prefix, name) : g_strdup (name);
}

/* ---- readers of JSON values ---- */

/* Whole numbers, also written as 3600.0 as Python's int() allows; huge
 * ones saturate so that the range check reports them. */
gboolean
ff_parser_node_get_whole (JsonNode *node, gint64 *out)
{
  gdouble value;

  if (json_node_get_value_type (node) == G_TYPE_INT64)
    {
      *out = json_node_get_int (node);
      return TRUE;
    }
  value = json_node_get_double (node);
  if (!isfinite (value))
    return FALSE;
  if (value > (gdouble) MAX_EXACT_INTEGER)
    {
      *out = G_MAXINT64;
      return TRUE;
    }
  if (value < (gdouble) -MAX_EXACT_INTEGER)
    {
      *out = G_MININT64;
      return TRUE;
    }
  *out = (gint64) value;
  return (gdouble) *out == value;
}

gboolean
ff_parser_read_integer (
    Parser *p, const gchar *field, JsonNode *node, const IntRule *rule, gint64 *out)
{
  gint64 value;

  if (ff_parser_node_is_string (node) && rule->from_string)
    {
      if (!g_ascii_string_to_signed (json_node_get_string (node), 10, G_MININT64, G_MAXINT64,
                                     &value, NULL))
        {
          ff_parser_value_error (p, field, _ (rule->expected), node);
          return FALSE;
        }
      ff_parser_add_warning (
          p,
          g_strdup_printf (_ ("%s: field “%s” should be a number, not a string"), p->file, field));
    }
  else if (!ff_parser_node_is_number (node))
    {
      ff_parser_type_error (p, field, _ (rule->expected), node);
      return FALSE;
    }
  else if (!ff_parser_node_get_whole (node, &value))
    {
      ff_parser_value_error (p, field, _ (rule->expected), node);
      return FALSE;
    }

  if (value < rule->min)
    {
      ff_parser_value_error (p, field, _ (rule->expected), node);
      return FALSE;
    }
  if (value > rule->max)
    {
      g_autofree gchar *at_most = g_strdup_printf (_ ("at most %s"), _ (rule->maximum));
      ff_parser_value_error (p, field, at_most, node);
      return FALSE;
    }
  *out = value;
  return TRUE;
}

gboolean
ff_parser_read_number (
    Parser *p, const gchar *field, JsonNode *node, const NumberRule *rule, gdouble *out)
{
  gdouble value;

  if (!ff_parser_node_is_number (node))
    {
      ff_parser_type_error (p, field, _ (rule->expected), node);
      return FALSE;
    }
  value = json_node_get_value_type (node) == G_TYPE_INT64 ? (gdouble) json_node_get_int (node)
                                                          : json_node_get_double (node);
  if (!isfinite (value) || value < rule->min || (rule->min_exclusive && value == rule->min))
    {
      ff_parser_value_error (p, field, _ (rule->expected), node);
      return FALSE;
    }
  if (value > rule->max)
    {
      g_autofree gchar *at_most = g_strdup_printf (_ ("at most %s"), _ (rule->maximum));
      ff_parser_value_error (p, field, at_most, node);
      return FALSE;
    }
  *out = value;
  return TRUE;
}

/* A string without spaces; an empty one (after trimming) is unset, as
 * Fast-Flow treats it. */
gboolean
ff_parser_read_word (
    Parser *p, const gchar *field, JsonNode *node, const gchar *expected, gchar **out)
{
  g_autofree gchar *word = NULL;

  if (!ff_parser_node_is_string (node))
    {
      ff_parser_type_error (p, field, expected, node);
      return FALSE;
    }
  word = g_strstrip (json_node_dup_string (node));
  if (word[0] == '\0')
    return FALSE;
  for (const gchar *c = word; *c != '\0'; c++)
    {
      if (g_ascii_isspace (*c) || g_ascii_iscntrl (*c))
        {
          ff_parser_value_error (p, field, expected, node);
          return FALSE;
        }
    }
  g_free (*out);
  *out = g_steal_pointer (&word);
  return TRUE;
}

gboolean
ff_parser_read_strv (Parser *p, const gchar *field, JsonNode *node, gboolean non_empty, GStrv *out)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  const gchar *expected =
      non_empty ? _ ("an array of non-empty strings") : _ ("an array of strings");
  JsonArray *array;
  gboolean ok = TRUE;

  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      ff_parser_type_error (p, field, expected, node);
      return FALSE;
    }
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      g_autofree gchar *element_field = g_strdup_printf ("%s[%u]", field, i);

      if (!ff_parser_node_is_string (element))
        {
          ff_parser_type_error (p, element_field, _ ("a string"), element);
          ok = FALSE;
        }
      else if (non_empty && json_node_get_string (element)[0] == '\0')
        {
          ff_parser_value_error (p, element_field, _ ("a non-empty string"), element);
          ok = FALSE;
        }
      else
        {
          g_strv_builder_add (builder, json_node_get_string (element));
        }
    }
  if (!ok)
    return FALSE;
  g_strfreev (*out);
  *out = g_strv_builder_end (builder);
  return TRUE;
}

void
ff_parser_read_date_time (
    Parser *p, const gchar *field, JsonNode *node, gboolean end_of_day, gint64 *out)
{
  g_autofree gchar *text = NULL;

  if (!ff_parser_node_is_string (node))
    {
      ff_parser_type_error (p, field, _ (DATE_EXPECTED), node);
      return;
    }
  text = g_strstrip (json_node_dup_string (node));
  if (text[0] == '\0')
    return;
  if (!parse_date_time (text, end_of_day, out))
    ff_parser_value_error (p, field, _ (DATE_EXPECTED), node);
}

/* ---- objects ---- */

void
ff_parser_parse_members (Parser *p,
                         const gchar *prefix,
                         JsonObject *object,
                         const Field *fields,
                         gsize n_fields,
                         gpointer base)
{
  JsonObjectIter iter;
  const gchar *member;
  JsonNode *node;

  json_object_iter_init_ordered (&iter, object);
  while (json_object_iter_next_ordered (&iter, &member, &node))
    {
      g_autofree gchar *field = ff_parser_field_name (prefix, member);
      const Field *spec = NULL;

      for (gsize i = 0; i < n_fields && spec == NULL; i++)
        {
          if (g_strcmp0 (fields[i].name, member) == 0)
            spec = &fields[i];
        }
      if (spec == NULL)
        {
          ff_parser_add_warning (
              p, g_strdup_printf (_ ("%s: unknown field “%s” is ignored"), p->file, field));
          continue;
        }
      /* null is unset, as in Fast-Flow. */
      if (JSON_NODE_HOLDS_NULL (node))
        continue;
      spec->parse (p, field, node, (guint8 *) base + spec->offset);
    }
}

/* ---- the file ---- */

static void
add_read_error (Parser *p, const gchar *path, gint saved_errno)
{
  if (saved_errno == ELOOP)
    g_ptr_array_add (p->errors,
                     g_strdup_printf (_ ("%s: a symbolic link, which fastflow does not follow; "
                                         "put the file itself in the pipeline's folder"),
                                      path));
  else
    g_ptr_array_add (
        p->errors, g_strdup_printf (_ ("%s: cannot be read: %s"), path, g_strerror (saved_errno)));
}

/* At most MAX_JSON_SIZE + 1 bytes: one more than allowed tells that the
 * file grew past the limit since fstat. */
static gssize
read_bounded (gint fd, gchar *buffer, gsize size)
{
  gsize done = 0;

  while (done < size)
    {
      gssize n = read (fd, buffer + done, size - done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return -1;
      if (n == 0)
        break;
      done += (gsize) n;
    }
  return (gssize) done;
}

/* Reads the file through one descriptor, refusing what would hurt: a
 * symbolic link (its target may lie anywhere), a FIFO (a read would wait
 * for a writer and hang the daemon's main loop), a huge file, bytes that
 * are not text. Checking a path and then opening it again would let a
 * FIFO be swapped in between. */
gboolean
ff_parser_read_json_file (const gchar *path, Parser *p, GBytes **out)
{
  g_autofree gchar *contents = NULL;
  struct stat st;
  gssize length;
  const gchar *end;
  gint fd = g_open (path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY, 0);
  gint saved_errno;

  if (fd < 0 || fstat (fd, &st) != 0)
    {
      saved_errno = errno;
      if (fd >= 0)
        g_close (fd, NULL);
      add_read_error (p, path, saved_errno);
      return FALSE;
    }
  if (!S_ISREG (st.st_mode))
    {
      g_close (fd, NULL);
      g_ptr_array_add (p->errors, g_strdup_printf (_ ("%s: not a regular file"), path));
      return FALSE;
    }
  /* the size before a byte is read; the read stops one past it */
  if (st.st_size <= MAX_JSON_SIZE)
    {
      contents = g_malloc (MAX_JSON_SIZE + 1);
      length = read_bounded (fd, contents, MAX_JSON_SIZE + 1);
    }
  else
    length = MAX_JSON_SIZE + 1;
  saved_errno = errno;
  g_close (fd, NULL);
  if (length < 0)
    {
      add_read_error (p, path, saved_errno);
      return FALSE;
    }
  if (length > MAX_JSON_SIZE)
    {
      g_ptr_array_add (p->errors, g_strdup_printf (_ ("%s: the file is larger than 1 MiB"), path));
      return FALSE;
    }
  if (!g_utf8_validate (contents, length, &end))
    {
      g_ptr_array_add (p->errors,
                       g_strdup_printf (_ ("%s: not UTF-8 text (invalid byte at offset %u)"), path,
                                        (guint) (end - contents)));
      return FALSE;
    }
  *out = g_bytes_new_take (g_realloc (g_steal_pointer (&contents), MAX (length, 1)), length);
  return TRUE;
}

typedef struct
{
  guint line;
  guint column;
} ParsePosition;

static void
on_parse_error (JsonParser *parser, gpointer error, gpointer user_data)
{
  ParsePosition *position = user_data;

  position->line = json_parser_get_current_line (parser);
  position->column = json_parser_get_current_pos (parser);
}

JsonNode *
ff_parser_parse_json (GBytes *bytes, Parser *p)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  ParsePosition position = { 0, 0 };
  gsize length;
  const gchar *data = g_bytes_get_data (bytes, &length);
  JsonNode *root;

  /* Editors on Windows write a byte order mark. */
  if (length >= 3 && memcmp (data, "\xEF\xBB\xBF", 3) == 0)
    {
      data += 3;
      length -= 3;
    }
  g_signal_connect (parser, "error", G_CALLBACK (on_parse_error), &position);
  if (!json_parser_load_from_data (parser, data, (gssize) length, &error))
    {
      /* json-glib puts "<data>:line:column: Parse error: " in front. */
      const gchar *detail = strstr (error->message, ": Parse error: ");

      detail = detail != NULL ? detail + strlen (": Parse error: ") : error->message;
      g_ptr_array_add (p->errors,
                       g_strdup_printf (_ ("%s: line %u, column %u: not valid JSON: %s"), p->file,
                                        position.line, position.column, detail));
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL)
    {
      g_ptr_array_add (
          p->errors,
          g_strdup_printf (_ ("%s: the file is empty; expected a JSON object"), p->file));
      return NULL;
    }
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      g_ptr_array_add (p->errors, g_strdup_printf (_ ("%s: expected a JSON object {…}, got %s"),
                                                   p->file, describe_type (root)));
      return NULL;
    }
  return json_node_copy (root);
}
