/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <stddef.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ff-env.h"
#include "ff-error.h"
#include "ff-cron-schedule.h"
#include "ff-pipeline.h"

#define MAX_JSON_SIZE (1024 * 1024)
#define ONE_YEAR (G_GINT64_CONSTANT (365) * 24 * 3600)
#define DEFAULT_RETRY_DELAY 60.0
#define DEFAULT_RETRY_MAX_DELAY 3600.0
#define DEFAULT_RETRY_MULTIPLIER 2.0
#define DEFAULT_RESTART_COOLDOWN 60
#define MIN_WEBHOOK_KEY_LENGTH 16
/* Docker refuses a memory limit below 6 MiB. */
#define MIN_DOCKER_MEMORY (G_GUINT64_CONSTANT (6) * 1024 * 1024)
/* Doubles hold every whole number up to here exactly. */
#define MAX_EXACT_INTEGER (G_GINT64_CONSTANT (1) << 53)

#define SIZE_EXPECTED                                                                              \
  N_ ("a size such as “512m”, “1g”, “1.5g”, “2GiB”, “100 MB” or a number of bytes")
#define DATE_EXPECTED                                                                              \
  N_ ("an ISO 8601 date or date-time such as “2025-01-31” or “2025-01-31T09:00:00+01:00”")
#define NAME_EXPECTED                                                                              \
  N_ ("a pipeline name of letters, digits, “_”, “.” and “-”, not starting with a dot")

typedef enum
{
  ENTRY_NONE,
  ENTRY_COMMAND,
  ENTRY_MAIN_PY,
  ENTRY_MAIN_SH,
} EntryKind;

struct _FfPipeline
{
  GObject parent_instance;
  gchar *name;
  gchar *dir;
  gchar *json_path;
  gchar *fingerprint;
  GPtrArray *errors;   /* NULL-terminated */
  GPtrArray *warnings; /* NULL-terminated */
  gchar *error;
  gboolean added_errors; /* found across pipelines, not in its own files */
  EntryKind entry;

  /* pipeline.json */
  gchar *description;
  GStrv tags;
  gboolean enabled;
  gint64 timeout;
  gint retry_attempts;
  FfRetryStrategy *retry;
  gdouble cpu_hard_limit;
  guint64 mem_hard_limit;
  gdouble cpu_soft_limit;
  guint64 mem_soft_limit;
  GHashTable *default_env;
  GHashTable *secrets; /* name → value, or NULL when set elsewhere */
  GStrv secret_names;
  gchar *schedule_cron;
  guint64 schedule_interval_seconds;
  gint64 schedule_start;
  gint64 schedule_end;
  gint64 run_once_at;
  GPtrArray *schedules;
  guint max_instances;
  GPtrArray *downstream_triggers;
  gboolean restart_on_crash;
  guint restart_cooldown;
  gchar *restart_interval;
  gchar *python_version;
  gchar *webhook_key;
  gchar *executor;
  gchar *image;
  gchar *network;
  GStrv command;
  GStrv placement;
};

G_DEFINE_TYPE (FfPipeline, ff_pipeline, G_TYPE_OBJECT)

/* ---- boxed types ---- */

static FfRetryStrategy *
ff_retry_strategy_new (FfRetryStrategyKind kind)
{
  FfRetryStrategy *self = g_new0 (FfRetryStrategy, 1);

  self->kind = kind;
  self->initial_delay = DEFAULT_RETRY_DELAY;
  self->max_delay = DEFAULT_RETRY_MAX_DELAY;
  self->multiplier = DEFAULT_RETRY_MULTIPLIER;
  return self;
}

FfRetryStrategy *
ff_retry_strategy_copy (const FfRetryStrategy *self)
{
  FfRetryStrategy *copy;

  g_return_val_if_fail (self != NULL, NULL);
  copy = g_memdup2 (self, sizeof (FfRetryStrategy));
  if (self->custom_delays != NULL)
    copy->custom_delays = g_array_copy (self->custom_delays);
  return copy;
}

void
ff_retry_strategy_free (FfRetryStrategy *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->custom_delays, g_array_unref);
  g_free (self);
}

G_DEFINE_BOXED_TYPE (FfRetryStrategy,
                     ff_retry_strategy,
                     ff_retry_strategy_copy,
                     ff_retry_strategy_free)

gdouble
ff_retry_strategy_get_delay (const FfRetryStrategy *self, guint retry)
{
  gdouble delay;

  g_return_val_if_fail (self != NULL, 0);
  retry = MAX (retry, 1);
  switch (self->kind)
    {
    case FF_RETRY_STRATEGY_EXPONENTIAL_BACKOFF:
      delay = self->initial_delay;
      for (guint i = 1; i < retry && delay < self->max_delay; i++)
        delay *= self->multiplier;
      return MIN (delay, self->max_delay);
    case FF_RETRY_STRATEGY_CUSTOM_SCHEDULE:
      if (self->custom_delays == NULL || self->custom_delays->len == 0)
        return 0;
      return g_array_index (self->custom_delays, gdouble,
                            MIN (retry, self->custom_delays->len) - 1);
    case FF_RETRY_STRATEGY_FIXED_DELAY:
    default:
      return self->initial_delay;
    }
}

static FfTrigger *
ff_trigger_new (void)
{
  FfTrigger *self = g_new0 (FfTrigger, 1);

  self->on_success = TRUE;
  return self;
}

FfTrigger *
ff_trigger_copy (const FfTrigger *self)
{
  FfTrigger *copy;

  g_return_val_if_fail (self != NULL, NULL);
  copy = g_new0 (FfTrigger, 1);
  copy->pipeline = g_strdup (self->pipeline);
  copy->on_success = self->on_success;
  copy->on_failure = self->on_failure;
  copy->on_route = g_strdup (self->on_route);
  copy->run_config_id = g_strdup (self->run_config_id);
  return copy;
}

void
ff_trigger_free (FfTrigger *self)
{
  if (self == NULL)
    return;
  g_free (self->pipeline);
  g_free (self->on_route);
  g_free (self->run_config_id);
  g_free (self);
}

G_DEFINE_BOXED_TYPE (FfTrigger, ff_trigger, ff_trigger_copy, ff_trigger_free)

static GHashTable *
env_new (void)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

static FfSchedule *
ff_schedule_new (void)
{
  FfSchedule *self = g_new0 (FfSchedule, 1);

  self->enabled = TRUE;
  self->default_env = env_new ();
  self->timeout = -1;
  self->retry_attempts = -1;
  return self;
}

FfSchedule *
ff_schedule_copy (const FfSchedule *self)
{
  FfSchedule *copy;
  GHashTableIter iter;
  gpointer key, value;

  g_return_val_if_fail (self != NULL, NULL);
  copy = g_memdup2 (self, sizeof (FfSchedule));
  copy->id = g_strdup (self->id);
  copy->schedule_cron = g_strdup (self->schedule_cron);
  copy->webhook_key = g_strdup (self->webhook_key);
  copy->retry_strategy =
      self->retry_strategy != NULL ? ff_retry_strategy_copy (self->retry_strategy) : NULL;
  copy->default_env = env_new ();
  if (self->default_env != NULL)
    {
      g_hash_table_iter_init (&iter, self->default_env);
      while (g_hash_table_iter_next (&iter, &key, &value))
        g_hash_table_insert (copy->default_env, g_strdup (key), g_strdup (value));
    }
  return copy;
}

void
ff_schedule_free (FfSchedule *self)
{
  if (self == NULL)
    return;
  g_free (self->id);
  g_free (self->schedule_cron);
  g_free (self->webhook_key);
  g_clear_pointer (&self->default_env, g_hash_table_unref);
  ff_retry_strategy_free (self->retry_strategy);
  g_free (self);
}

G_DEFINE_BOXED_TYPE (FfSchedule, ff_schedule, ff_schedule_copy, ff_schedule_free)

/* ---- names and sizes ---- */

gboolean
ff_pipeline_name_is_valid (const gchar *name)
{
  gsize len;

  if (name == NULL || name[0] == '\0' || name[0] == '.')
    return FALSE;
  len = strlen (name);
  if (len > 255)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    {
      if (!g_ascii_isalnum (name[i]) && name[i] != '_' && name[i] != '.' && name[i] != '-')
        return FALSE;
    }
  return TRUE;
}

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

static gchar *
format_date_time (gint64 usec)
{
  g_autoptr (GDateTime) dt = g_date_time_new_from_unix_utc (usec / G_USEC_PER_SEC);
  g_autoptr (GDateTime) exact = NULL;

  if (dt == NULL)
    return g_strdup ("?");
  exact = g_date_time_add (dt, usec % G_USEC_PER_SEC);
  return g_date_time_format_iso8601 (exact);
}

/* ---- messages ---- */

typedef struct
{
  const gchar *file;
  GPtrArray *errors;
  GPtrArray *warnings;
} Parser;

static gboolean
node_is_string (JsonNode *node)
{
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING;
}

static gboolean
node_is_number (JsonNode *node)
{
  GType type;

  if (!JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  type = json_node_get_value_type (node);
  return type == G_TYPE_INT64 || type == G_TYPE_DOUBLE;
}

static gboolean
node_is_boolean (JsonNode *node)
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
  if (node_is_string (node))
    return _ ("a string");
  if (node_is_boolean (node))
    return _ ("a boolean");
  return _ ("a number");
}

static gchar *
describe_value (JsonNode *node)
{
  if (node_is_string (node))
    {
      const gchar *text = json_node_get_string (node);

      if (g_utf8_strlen (text, -1) > 64)
        {
          g_autofree gchar *start = g_utf8_substring (text, 0, 64);
          return g_strdup_printf ("“%s…”", start);
        }
      return g_strdup_printf ("“%s”", text);
    }
  if (node_is_boolean (node))
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

static void
add_error (Parser *p, const gchar *field, const gchar *expected, const gchar *got)
{
  g_ptr_array_add (p->errors, g_strdup_printf (_ ("%s: field “%s”: expected %s, got %s"), p->file,
                                               field, expected, got));
}

static void
type_error (Parser *p, const gchar *field, const gchar *expected, JsonNode *node)
{
  add_error (p, field, expected, describe_type (node));
}

static void
value_error (Parser *p, const gchar *field, const gchar *expected, JsonNode *node)
{
  g_autofree gchar *got = describe_value (node);

  add_error (p, field, expected, got);
}

static void
missing_error (Parser *p, const gchar *field, const gchar *expected)
{
  g_ptr_array_add (p->errors, g_strdup_printf (_ ("%s: field “%s” is missing: expected %s"),
                                               p->file, field, expected));
}

static void
add_warning (Parser *p, gchar *message)
{
  g_ptr_array_add (p->warnings, message);
}

static gchar *
field_name (const gchar *prefix, const gchar *name)
{
  return prefix != NULL ? g_strdup_printf ("%s.%s", prefix, name) : g_strdup (name);
}

/* ---- readers of JSON values ---- */

typedef struct
{
  gint64 min;
  gint64 max;
  const gchar *expected; /* N_() */
  const gchar *maximum;  /* N_() */
  /* Fast-Flow passes this field through int(), so "60" works there. */
  gboolean from_string;
} IntRule;

static const IntRule seconds_rule = {
  0, ONE_YEAR, N_ ("a number of seconds ≥ 0"), N_ ("31536000 seconds (one year)"), FALSE,
};
static const IntRule cooldown_rule = {
  0, ONE_YEAR, N_ ("a number of seconds ≥ 0"), N_ ("31536000 seconds (one year)"), TRUE,
};
static const IntRule interval_rule = {
  1,
  10 * ONE_YEAR,
  N_ ("a number of seconds greater than 0"),
  N_ ("315360000 seconds (ten years)"),
  TRUE,
};
static const IntRule retry_attempts_rule = {
  0, 100, N_ ("a number of retries from 0 to 100"), N_ ("100"), FALSE,
};
static const IntRule max_instances_rule = {
  0, 10000, N_ ("a number of runs ≥ 0 (0 means no limit)"), N_ ("10000"), TRUE,
};

typedef struct
{
  gdouble min;
  gboolean min_exclusive;
  gdouble max;
  const gchar *expected; /* N_() */
  const gchar *maximum;  /* N_() */
} NumberRule;

static const NumberRule cores_rule = {
  0, TRUE, 1024, N_ ("a number of CPU cores greater than 0, such as 0.5 or 2"), N_ ("1024"),
};
static const NumberRule delay_rule = {
  0, FALSE, ONE_YEAR, N_ ("a number of seconds ≥ 0"), N_ ("31536000 seconds (one year)"),
};
static const NumberRule multiplier_rule = {
  1, FALSE, 100, N_ ("a factor ≥ 1, such as 2"), N_ ("100"),
};

/* Whole numbers, also written as 3600.0 as Python's int() allows; huge
 * ones saturate so that the range check reports them. */
static gboolean
node_get_whole (JsonNode *node, gint64 *out)
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

static gboolean
read_integer (Parser *p, const gchar *field, JsonNode *node, const IntRule *rule, gint64 *out)
{
  gint64 value;

  if (node_is_string (node) && rule->from_string)
    {
      if (!g_ascii_string_to_signed (json_node_get_string (node), 10, G_MININT64, G_MAXINT64,
                                     &value, NULL))
        {
          value_error (p, field, _ (rule->expected), node);
          return FALSE;
        }
      add_warning (p, g_strdup_printf (_ ("%s: field “%s” should be a number, not a string"),
                                       p->file, field));
    }
  else if (!node_is_number (node))
    {
      type_error (p, field, _ (rule->expected), node);
      return FALSE;
    }
  else if (!node_get_whole (node, &value))
    {
      value_error (p, field, _ (rule->expected), node);
      return FALSE;
    }

  if (value < rule->min)
    {
      value_error (p, field, _ (rule->expected), node);
      return FALSE;
    }
  if (value > rule->max)
    {
      g_autofree gchar *at_most = g_strdup_printf (_ ("at most %s"), _ (rule->maximum));
      value_error (p, field, at_most, node);
      return FALSE;
    }
  *out = value;
  return TRUE;
}

static gboolean
read_number (Parser *p, const gchar *field, JsonNode *node, const NumberRule *rule, gdouble *out)
{
  gdouble value;

  if (!node_is_number (node))
    {
      type_error (p, field, _ (rule->expected), node);
      return FALSE;
    }
  value = json_node_get_value_type (node) == G_TYPE_INT64 ? (gdouble) json_node_get_int (node)
                                                          : json_node_get_double (node);
  if (!isfinite (value) || value < rule->min || (rule->min_exclusive && value == rule->min))
    {
      value_error (p, field, _ (rule->expected), node);
      return FALSE;
    }
  if (value > rule->max)
    {
      g_autofree gchar *at_most = g_strdup_printf (_ ("at most %s"), _ (rule->maximum));
      value_error (p, field, at_most, node);
      return FALSE;
    }
  *out = value;
  return TRUE;
}

/* A string without spaces; an empty one (after trimming) is unset, as
 * Fast-Flow treats it. */
static gboolean
read_word (Parser *p, const gchar *field, JsonNode *node, const gchar *expected, gchar **out)
{
  g_autofree gchar *word = NULL;

  if (!node_is_string (node))
    {
      type_error (p, field, expected, node);
      return FALSE;
    }
  word = g_strstrip (json_node_dup_string (node));
  if (word[0] == '\0')
    return FALSE;
  for (const gchar *c = word; *c != '\0'; c++)
    {
      if (g_ascii_isspace (*c) || g_ascii_iscntrl (*c))
        {
          value_error (p, field, expected, node);
          return FALSE;
        }
    }
  g_free (*out);
  *out = g_steal_pointer (&word);
  return TRUE;
}

static gboolean
read_strv (Parser *p, const gchar *field, JsonNode *node, gboolean non_empty, GStrv *out)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  const gchar *expected =
      non_empty ? _ ("an array of non-empty strings") : _ ("an array of strings");
  JsonArray *array;
  gboolean ok = TRUE;

  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      type_error (p, field, expected, node);
      return FALSE;
    }
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      g_autofree gchar *element_field = g_strdup_printf ("%s[%u]", field, i);

      if (!node_is_string (element))
        {
          type_error (p, element_field, _ ("a string"), element);
          ok = FALSE;
        }
      else if (non_empty && json_node_get_string (element)[0] == '\0')
        {
          value_error (p, element_field, _ ("a non-empty string"), element);
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

/* ---- fields ---- */

typedef void (*FieldFunc) (Parser *p, const gchar *field, JsonNode *node, gpointer dest);

typedef struct
{
  const gchar *name;
  FieldFunc parse;
  gsize offset;
} Field;

static void parse_members (Parser *p,
                           const gchar *prefix,
                           JsonObject *object,
                           const Field *fields,
                           gsize n_fields,
                           gpointer base);

static void
parse_text (Parser *p, const gchar *field, JsonNode *node, gpointer dest)
{
  gchar **out = dest;

  if (!node_is_string (node))
    {
      type_error (p, field, _ ("a string"), node);
      return;
    }
  g_free (*out);
  *out = json_node_dup_string (node);
}

static void
parse_flag (Parser *p, const gchar *field, JsonNode *node, gpointer dest)
{
  if (!node_is_boolean (node))
    {
      type_error (p, field, _ ("true or false"), node);
      return;
    }
  *(gboolean *) dest = json_node_get_boolean (node);
}

static void
parse_tags (Parser *p, const gchar *field, JsonNode *node, gpointer dest)
{
  read_strv (p, field, node, FALSE, dest);
}

static void
parse_command (Parser *p, const gchar *field, JsonNode *node, gpointer dest)
{
  GStrv *out = dest;

  if (JSON_NODE_HOLDS_ARRAY (node) && json_array_get_length (json_node_get_array (node)) == 0)
    {
      value_error (p, field,
                   _ ("an array of at least one non-empty string, such as [\"sh\", \"run.sh\"]"),
                   node);
      return;
    }
  read_strv (p, field, node, TRUE, out);
}

static void
parse_timeout (Parser *p, const gchar *field, JsonNode *node, gpointer dest)
{
  read_integer (p, field, node, &seconds_rule, dest);
}

static void
parse_retry_attempts (Parser *p, const gchar *field, JsonNode *node, gpointer dest)
{
  gint64 value;

  if (read_integer (p, field, node, &retry_attempts_rule, &value))
    *(gint *) dest = (gint) value;
}

static void
parse_cooldown (Parser *p, const gchar *field, JsonNode *node, gpointer dest)
{
  gint64 value;

  if (read_integer (p, field, node, &cooldown_rule, &value))
    *(guint *) dest = (guint) value;
}

static void
parse_max_instances (Parser *p, const gchar *field, JsonNode *node, gpointer dest)
{
  gint64 value;

  if (read_integer (p, field, node, &max_instances_rule, &value))
    *(guint *) dest = (guint) value;
}

static void
parse_interval (Parser *p, const gchar *field, JsonNode *node, gpointer dest)
{
  gint64 value;

  if (read_integer (p, field, node, &interval_rule, &value))
    *(guint64 *) dest = (guint64) value;
}

static void
parse_cores (Parser *p, const gchar *field, JsonNode *node, gpointer dest)
{
  read_number (p, field, node, &cores_rule, dest);
}

static void
parse_size (Parser *p, const gchar *field, JsonNode *node, gpointer dest)
{
  guint64 bytes;
  gint64 whole;

  if (node_is_string (node))
    {
      if (!ff_parse_size (json_node_get_string (node), &bytes))
        {
          value_error (p, field, _ (SIZE_EXPECTED), node);
          return;
        }
    }
  else if (node_is_number (node))
    {
      if (!node_get_whole (node, &whole) || whole < 0)
        {
          value_error (p, field, _ (SIZE_EXPECTED), node);
          return;
        }
      bytes = (guint64) whole;
    }
  else
    {
      type_error (p, field, _ (SIZE_EXPECTED), node);
      return;
    }
  *(guint64 *) dest = bytes;
}

static void
parse_env (Parser *p, const gchar *field, JsonNode *node, gpointer dest)
{
  GHashTable *env = *(GHashTable **) dest;
  JsonObjectIter iter;
  const gchar *key;
  JsonNode *value;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      type_error (p, field, _ ("an object of variable names and string values"), node);
      return;
    }
  json_object_iter_init_ordered (&iter, json_node_get_object (node));
  while (json_object_iter_next_ordered (&iter, &key, &value))
    {
      g_autofree gchar *key_field = field_name (field, key);

      if (!ff_env_name_is_valid (key, -1))
        {
          g_autofree gchar *got = g_strdup_printf ("“%s”", key);
          add_error (p, field,
                     _ ("variable names of letters, digits and “_” that do not start with a digit"),
                     got);
        }
      else if (!node_is_string (value))
        {
          type_error (p, key_field, _ ("a string (write numbers and booleans in quotes)"), value);
        }
      else
        {
          g_hash_table_insert (env, g_strdup (key), json_node_dup_string (value));
        }
    }
}

/* Names of variables whose values must not be seen: ["TOKEN"] marks
 * variables set elsewhere (default_env, schedules, StartRun, the daemon's
 * [secrets]); {"TOKEN": "value"} also sets them, as default_env would. */
static void
parse_secrets (Parser *p, const gchar *field, JsonNode *node, gpointer dest)
{
  GHashTable *secrets = *(GHashTable **) dest;
  g_auto (GStrv) names = NULL;

  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      parse_env (p, field, node, dest);
      return;
    }
  if (!read_strv (p, field, node, TRUE, &names))
    return;
  for (gsize i = 0; names[i] != NULL; i++)
    {
      if (!ff_env_name_is_valid (names[i], -1))
        {
          g_autofree gchar *got = g_strdup_printf ("“%s”", names[i]);
          add_error (p, field,
                     _ ("variable names of letters, digits and “_” that do not start with a digit"),
                     got);
          continue;
        }
      g_hash_table_insert (secrets, g_strdup (names[i]), NULL);
    }
}

/* Checked as the scheduler will read it, so a pipeline with a cron
 * expression that could never fire is broken at load time. */
static void
parse_cron (Parser *p, const gchar *field, JsonNode *node, gpointer dest)
{
  gchar **out = dest;
  g_autofree gchar *text = NULL;
  g_autoptr (FfCronSchedule) schedule = NULL;
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) parts = NULL;

  if (!node_is_string (node))
    {
      type_error (p, field,
                  _ ("a cron expression of five fields (minute hour day month weekday), such as "
                     "“0 9 * * *”"),
                  node);
      return;
    }
  text = g_strstrip (json_node_dup_string (node));
  if (text[0] == '\0')
    return;
  schedule = ff_cron_schedule_new (text, &error);
  if (schedule == NULL)
    {
      /* TRANSLATORS: file, field, then what is wrong with its value */
      g_ptr_array_add (p->errors,
                       g_strdup_printf (_ ("%s: field “%s”: %s"), p->file, field, error->message));
      return;
    }
  parts = g_regex_split_simple ("\\s+", text, 0, 0);
  g_free (*out);
  *out = g_strjoinv (" ", parts);
}

static void
read_date_time (Parser *p, const gchar *field, JsonNode *node, gboolean end_of_day, gint64 *out)
{
  g_autofree gchar *text = NULL;

  if (!node_is_string (node))
    {
      type_error (p, field, _ (DATE_EXPECTED), node);
      return;
    }
  text = g_strstrip (json_node_dup_string (node));
  if (text[0] == '\0')
    return;
  if (!parse_date_time (text, end_of_day, out))
    value_error (p, field, _ (DATE_EXPECTED), node);
}

static void
parse_date_time_field (Parser *p, const gchar *field, JsonNode *node, gpointer dest)
{
  read_date_time (p, field, node, FALSE, dest);
}

static void
parse_end (Parser *p, const gchar *field, JsonNode *node, gpointer dest)
{
  read_date_time (p, field, node, TRUE, dest);
}

static void
parse_python_version (Parser *p, const gchar *field, JsonNode *node, gpointer dest)
{
  const gchar *expected = _ ("a Python version such as “3.12”");
  gchar **out = dest;

  /* Fast-Flow runs str() on it; 3.10 as a number would be "3.1" there too. */
  if (node_is_number (node))
    {
      g_free (*out);
      *out = describe_value (node);
      add_warning (p, g_strdup_printf (_ ("%s: field “%s” should be a string such as “3.12”, "
                                          "not a number"),
                                       p->file, field));
      return;
    }
  read_word (p, field, node, expected, out);
}

static void
parse_webhook_key (Parser *p, const gchar *field, JsonNode *node, gpointer dest)
{
  gchar **out = dest;

  if (!read_word (p, field, node, _ ("a string without spaces"), out))
    return;
  if (strlen (*out) < MIN_WEBHOOK_KEY_LENGTH)
    add_warning (p, g_strdup_printf (_ ("%s: field “%s” is shorter than %d characters; anyone "
                                        "who guesses it can start the pipeline"),
                                     p->file, field, MIN_WEBHOOK_KEY_LENGTH));
}

static void
parse_executor (Parser *p, const gchar *field, JsonNode *node, gpointer dest)
{
  const gchar *expected = _ ("the name of an executor such as “local” or “docker-proxy”");
  gchar **out = dest;

  if (!read_word (p, field, node, expected, out))
    return;
  if (!ff_pipeline_name_is_valid (*out))
    {
      value_error (p, field, expected, node);
      g_clear_pointer (out, g_free);
    }
}

static void
parse_image (Parser *p, const gchar *field, JsonNode *node, gpointer dest)
{
  read_word (p, field, node, _ ("an image name such as “python:3.12-slim”"), dest);
}

static void
parse_network (Parser *p, const gchar *field, JsonNode *node, gpointer dest)
{
  const gchar *expected = _ ("“none” or “bridge”");
  gchar **out = dest;
  const gchar *network;

  if (!node_is_string (node))
    {
      type_error (p, field, expected, node);
      return;
    }
  network = json_node_get_string (node);
  if (g_strcmp0 (network, "host") == 0)
    {
      g_ptr_array_add (p->errors,
                       g_strdup_printf (_ ("%s: field “%s”: the host network is not allowed; "
                                           "expected “none” or “bridge”"),
                                        p->file, field));
      return;
    }
  if (g_strcmp0 (network, "none") != 0 && g_strcmp0 (network, "bridge") != 0)
    {
      value_error (p, field, expected, node);
      return;
    }
  g_free (*out);
  *out = g_strdup (network);
}

/* Swarm placement constraints as `docker service create --constraint`
 * takes them: "node.role==manager", "node.labels.zone!=eu". The engine
 * checks the attribute names; a constraint without an operator would
 * only fail at the first run, so it is an error here. */
static void
parse_placement (Parser *p, const gchar *field, JsonNode *node, gpointer dest)
{
  const gchar *expected = _ ("an array of constraints such as [\"node.role==manager\"]");
  GStrv *out = dest;
  g_auto (GStrv) constraints = NULL;

  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      type_error (p, field, expected, node);
      return;
    }
  if (!read_strv (p, field, node, TRUE, &constraints))
    return;
  for (guint i = 0; constraints[i] != NULL; i++)
    {
      const gchar *op = strstr (constraints[i], "==");

      if (op == NULL)
        op = strstr (constraints[i], "!=");
      if (op == NULL || op == constraints[i] || op[2] == '\0')
        {
          g_autofree gchar *element_field = g_strdup_printf ("%s[%u]", field, i);
          g_autofree gchar *got = g_strdup_printf ("“%s”", constraints[i]);

          add_error (p, element_field,
                     _ ("a constraint of the form ATTRIBUTE==VALUE or ATTRIBUTE!=VALUE, such as "
                        "“node.role==manager”"),
                     got);
          return;
        }
    }
  g_strfreev (*out);
  *out = g_steal_pointer (&constraints);
}

static void
parse_pipeline_ref (Parser *p, const gchar *field, JsonNode *node, gpointer dest)
{
  gchar **out = dest;

  if (!node_is_string (node))
    {
      type_error (p, field, _ (NAME_EXPECTED), node);
      return;
    }
  if (!ff_pipeline_name_is_valid (json_node_get_string (node)))
    {
      value_error (p, field, _ (NAME_EXPECTED), node);
      return;
    }
  g_free (*out);
  *out = json_node_dup_string (node);
}

static void
parse_optional_word (Parser *p, const gchar *field, JsonNode *node, gpointer dest)
{
  read_word (p, field, node, _ ("a string without spaces"), dest);
}

static void
parse_schedule_id (Parser *p, const gchar *field, JsonNode *node, gpointer dest)
{
  const gchar *expected = _ ("a name without spaces such as “prod”");
  gchar **out = dest;
  g_autofree gchar *text = NULL;
  gint64 number;

  /* Fast-Flow runs str() on it, so 1 is "1" there. */
  if (node_is_number (node) && node_get_whole (node, &number))
    {
      g_free (*out);
      *out = g_strdup_printf ("%" G_GINT64_FORMAT, number);
      return;
    }
  if (node_is_string (node))
    text = g_strstrip (json_node_dup_string (node));
  if (text != NULL && text[0] == '\0')
    value_error (p, field, expected, node);
  else
    read_word (p, field, node, expected, out);
}

/* Fast-Flow features fastflow does not have: the run goes ahead without. */
static void
parse_unsupported (Parser *p, const gchar *field, JsonNode *node, gpointer dest)
{
  add_warning (p, g_strdup_printf (_ ("%s: field “%s” is a Fast-Flow feature that fastflow "
                                      "does not support; it is ignored"),
                                   p->file, field));
}

/* TRUE for false, "", 0, [] and {}: a value that asks for nothing. */
static gboolean
asks_for_nothing (JsonNode *node)
{
  if (JSON_NODE_HOLDS_ARRAY (node))
    return json_array_get_length (json_node_get_array (node)) == 0;
  if (JSON_NODE_HOLDS_OBJECT (node))
    return json_object_get_size (json_node_get_object (node)) == 0;
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_BOOLEAN)
    return !json_node_get_boolean (node);
  if (node_is_string (node))
    return *json_node_get_string (node) == '\0';
  return FALSE;
}

/* What a container of the Compose or Docker world may ask for and a
 * pipeline never gets: a broken pipeline says so, rather than a warning
 * that the field is unknown and a run that goes ahead without it. */
static void
parse_never_allowed (Parser *p, const gchar *field, JsonNode *node, gpointer dest)
{
  if (asks_for_nothing (node))
    return;
  g_ptr_array_add (p->errors,
                   g_strdup_printf (_ ("%s: field “%s”: fastflow never allows this to a "
                                       "pipeline, because it would reach past the container "
                                       "into the host; remove the field"),
                                    p->file, field));
}

static void
parse_type (Parser *p, const gchar *field, JsonNode *node, gpointer dest)
{
  if (node_is_string (node) && g_strcmp0 (json_node_get_string (node), "script") == 0)
    return;
  if (node_is_string (node) && g_strcmp0 (json_node_get_string (node), "notebook") == 0)
    {
      add_warning (p, g_strdup_printf (_ ("%s: field “%s”: notebook pipelines (main.ipynb) are "
                                          "not supported; main.py, main.sh or “command” is run"),
                                       p->file, field));
      return;
    }
  value_error (p, field, _ ("“script”"), node);
}

static void
parse_nothing (Parser *p, const gchar *field, JsonNode *node, gpointer dest)
{
}

/* ---- retry_strategy ---- */

static void
parse_delay (Parser *p, const gchar *field, JsonNode *node, gpointer dest)
{
  read_number (p, field, node, &delay_rule, dest);
}

static void
parse_multiplier (Parser *p, const gchar *field, JsonNode *node, gpointer dest)
{
  read_number (p, field, node, &multiplier_rule, dest);
}

static void
parse_delays (Parser *p, const gchar *field, JsonNode *node, gpointer dest)
{
  GArray **out = dest;
  g_autoptr (GArray) delays = g_array_new (FALSE, FALSE, sizeof (gdouble));
  JsonArray *array;

  if (!JSON_NODE_HOLDS_ARRAY (node) || json_array_get_length (json_node_get_array (node)) == 0)
    {
      value_error (p, field, _ ("an array of delays in seconds such as [60, 300, 3600]"), node);
      return;
    }
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      g_autofree gchar *element_field = g_strdup_printf ("%s[%u]", field, i);
      gdouble delay;

      if (!read_number (p, element_field, json_array_get_element (array, i), &delay_rule, &delay))
        return;
      g_array_append_val (delays, delay);
    }
  g_clear_pointer (out, g_array_unref);
  *out = g_steal_pointer (&delays);
}

static const Field fixed_delay_fields[] = {
  { "type", parse_nothing, 0 },
  { "delay", parse_delay, offsetof (FfRetryStrategy, initial_delay) },
};

static const Field exponential_backoff_fields[] = {
  { "type", parse_nothing, 0 },
  { "initial_delay", parse_delay, offsetof (FfRetryStrategy, initial_delay) },
  { "max_delay", parse_delay, offsetof (FfRetryStrategy, max_delay) },
  { "multiplier", parse_multiplier, offsetof (FfRetryStrategy, multiplier) },
};

static const Field custom_schedule_fields[] = {
  { "type", parse_nothing, 0 },
  { "delays", parse_delays, offsetof (FfRetryStrategy, custom_delays) },
};

static const struct
{
  const gchar *name;
  FfRetryStrategyKind kind;
  const Field *fields;
  gsize n_fields;
} retry_kinds[] = {
  { "fixed_delay", FF_RETRY_STRATEGY_FIXED_DELAY, fixed_delay_fields,
    G_N_ELEMENTS (fixed_delay_fields) },
  { "exponential_backoff", FF_RETRY_STRATEGY_EXPONENTIAL_BACKOFF, exponential_backoff_fields,
    G_N_ELEMENTS (exponential_backoff_fields) },
  { "custom_schedule", FF_RETRY_STRATEGY_CUSTOM_SCHEDULE, custom_schedule_fields,
    G_N_ELEMENTS (custom_schedule_fields) },
};

static void
check_retry_strategy (Parser *p, const gchar *field, JsonObject *object, FfRetryStrategy *retry)
{
  g_autofree gchar *max_field = field_name (field, "max_delay");
  g_autofree gchar *delays_field = field_name (field, "delays");

  if (retry->kind == FF_RETRY_STRATEGY_CUSTOM_SCHEDULE && retry->custom_delays == NULL &&
      !json_object_has_member (object, "delays"))
    missing_error (p, delays_field, _ ("an array of delays in seconds such as [60, 300, 3600]"));
  if (retry->kind != FF_RETRY_STRATEGY_EXPONENTIAL_BACKOFF)
    return;
  /* An unset maximum follows a large initial delay. */
  if (!json_object_has_member (object, "max_delay"))
    retry->max_delay = MAX (DEFAULT_RETRY_MAX_DELAY, retry->initial_delay);
  if (retry->max_delay < retry->initial_delay)
    value_error (p, max_field, _ ("a delay at least as long as initial_delay"),
                 json_object_get_member (object, "max_delay"));
}

static void
parse_retry_strategy (Parser *p, const gchar *field, JsonNode *node, gpointer dest)
{
  const gchar *expected = _ ("one of “exponential_backoff”, “fixed_delay” or “custom_schedule”");
  FfRetryStrategy **out = dest;
  g_autofree gchar *type_field = field_name (field, "type");
  g_autoptr (FfRetryStrategy) retry = NULL;
  JsonObject *object;
  JsonNode *type;
  guint n_errors = p->errors->len;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      type_error (p, field, _ ("an object such as {\"type\": \"fixed_delay\", \"delay\": 60}"),
                  node);
      return;
    }
  object = json_node_get_object (node);
  type = json_object_get_member (object, "type");
  if (type == NULL || JSON_NODE_HOLDS_NULL (type))
    {
      missing_error (p, type_field, expected);
      return;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (retry_kinds); i++)
    {
      if (!node_is_string (type) || g_strcmp0 (json_node_get_string (type), retry_kinds[i].name))
        continue;
      retry = ff_retry_strategy_new (retry_kinds[i].kind);
      parse_members (p, field, object, retry_kinds[i].fields, retry_kinds[i].n_fields, retry);
      check_retry_strategy (p, field, object, retry);
      if (p->errors->len == n_errors)
        {
          ff_retry_strategy_free (*out);
          *out = g_steal_pointer (&retry);
        }
      return;
    }
  if (node_is_string (type))
    value_error (p, type_field, expected, type);
  else
    type_error (p, type_field, expected, type);
}

/* ---- schedules[] and downstream_triggers[] ---- */

static const Field schedule_fields[] = {
  { "id", parse_schedule_id, offsetof (FfSchedule, id) },
  { "enabled", parse_flag, offsetof (FfSchedule, enabled) },
  { "schedule_cron", parse_cron, offsetof (FfSchedule, schedule_cron) },
  { "schedule_interval_seconds", parse_interval, offsetof (FfSchedule, schedule_interval_seconds) },
  { "schedule_start", parse_date_time_field, offsetof (FfSchedule, schedule_start) },
  { "schedule_end", parse_end, offsetof (FfSchedule, schedule_end) },
  { "run_once_at", parse_date_time_field, offsetof (FfSchedule, run_once_at) },
  { "default_env", parse_env, offsetof (FfSchedule, default_env) },
  { "timeout", parse_timeout, offsetof (FfSchedule, timeout) },
  { "retry_attempts", parse_retry_attempts, offsetof (FfSchedule, retry_attempts) },
  { "retry_strategy", parse_retry_strategy, offsetof (FfSchedule, retry_strategy) },
  { "cpu_hard_limit", parse_cores, offsetof (FfSchedule, cpu_hard_limit) },
  { "mem_hard_limit", parse_size, offsetof (FfSchedule, mem_hard_limit) },
  { "cpu_soft_limit", parse_cores, offsetof (FfSchedule, cpu_soft_limit) },
  { "mem_soft_limit", parse_size, offsetof (FfSchedule, mem_soft_limit) },
  { "webhook_key", parse_webhook_key, offsetof (FfSchedule, webhook_key) },
  { "encrypted_env", parse_unsupported, 0 },
};

static const Field trigger_fields[] = {
  { "pipeline", parse_pipeline_ref, offsetof (FfTrigger, pipeline) },
  { "on_success", parse_flag, offsetof (FfTrigger, on_success) },
  { "on_failure", parse_flag, offsetof (FfTrigger, on_failure) },
  { "on_route", parse_optional_word, offsetof (FfTrigger, on_route) },
  { "run_config_id", parse_optional_word, offsetof (FfTrigger, run_config_id) },
};

/* Shared by the pipeline and each schedule. */
static void
check_timing (
    Parser *p, const gchar *prefix, const gchar *cron, guint64 *interval, gint64 start, gint64 end)
{
  g_autofree gchar *cron_field = field_name (prefix, "schedule_cron");
  g_autofree gchar *interval_field = field_name (prefix, "schedule_interval_seconds");
  g_autofree gchar *end_field = field_name (prefix, "schedule_end");

  if (cron != NULL && *interval > 0)
    {
      add_warning (p, g_strdup_printf (_ ("%s: fields “%s” and “%s” are both set; the cron "
                                          "expression is used and the interval is ignored"),
                                       p->file, cron_field, interval_field));
      *interval = 0;
    }
  if (start != 0 && end != 0 && end < start)
    {
      g_autofree gchar *start_text = format_date_time (start);
      g_autofree gchar *end_text = format_date_time (end);
      g_autofree gchar *expected =
          g_strdup_printf (_ ("a time after schedule_start (%s)"), start_text);
      add_error (p, end_field, expected, end_text);
    }
}

static void
parse_schedules (Parser *p, const gchar *field, JsonNode *node, gpointer dest)
{
  const gchar *expected = _ ("an array of objects with an “id”");
  GPtrArray *schedules = *(GPtrArray **) dest;
  JsonArray *array;

  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      type_error (p, field, expected, node);
      return;
    }
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      g_autofree gchar *prefix = g_strdup_printf ("%s[%u]", field, i);
      g_autofree gchar *id_field = field_name (prefix, "id");
      g_autoptr (FfSchedule) schedule = NULL;
      JsonObject *object;

      if (!JSON_NODE_HOLDS_OBJECT (element))
        {
          type_error (p, prefix, _ ("an object with an “id”"), element);
          continue;
        }
      object = json_node_get_object (element);
      schedule = ff_schedule_new ();
      parse_members (p, prefix, object, schedule_fields, G_N_ELEMENTS (schedule_fields), schedule);
      check_timing (p, prefix, schedule->schedule_cron, &schedule->schedule_interval_seconds,
                    schedule->schedule_start, schedule->schedule_end);
      if (schedule->id == NULL)
        {
          if (!json_object_has_member (object, "id") ||
              JSON_NODE_HOLDS_NULL (json_object_get_member (object, "id")))
            missing_error (p, id_field, _ ("a name for this run configuration such as “prod”"));
          continue;
        }
      for (guint j = 0; j < schedules->len; j++)
        {
          FfSchedule *other = g_ptr_array_index (schedules, j);

          if (g_strcmp0 (other->id, schedule->id) == 0)
            {
              value_error (p, id_field, _ ("an id no other schedule has"),
                           json_object_get_member (object, "id"));
              g_clear_pointer (&schedule, ff_schedule_free);
              break;
            }
        }
      if (schedule != NULL)
        g_ptr_array_add (schedules, g_steal_pointer (&schedule));
    }
}

static void
parse_triggers (Parser *p, const gchar *field, JsonNode *node, gpointer dest)
{
  const gchar *expected = _ ("an array of objects with a “pipeline”");
  GPtrArray *triggers = *(GPtrArray **) dest;
  JsonArray *array;

  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      type_error (p, field, expected, node);
      return;
    }
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      g_autofree gchar *prefix = g_strdup_printf ("%s[%u]", field, i);
      g_autofree gchar *pipeline_field = field_name (prefix, "pipeline");
      g_autoptr (FfTrigger) trigger = NULL;
      JsonObject *object;

      if (!JSON_NODE_HOLDS_OBJECT (element))
        {
          type_error (p, prefix, _ ("an object with a “pipeline”"), element);
          continue;
        }
      object = json_node_get_object (element);
      trigger = ff_trigger_new ();
      parse_members (p, prefix, object, trigger_fields, G_N_ELEMENTS (trigger_fields), trigger);
      if (trigger->pipeline == NULL)
        {
          if (!json_object_has_member (object, "pipeline") ||
              JSON_NODE_HOLDS_NULL (json_object_get_member (object, "pipeline")))
            missing_error (p, pipeline_field, _ (NAME_EXPECTED));
          continue;
        }
      if (!trigger->on_success && !trigger->on_failure && trigger->on_route == NULL)
        add_warning (p, g_strdup_printf (_ ("%s: field “%s” never fires: on_success and "
                                            "on_failure are false and there is no on_route"),
                                         p->file, prefix));
      g_ptr_array_add (triggers, g_steal_pointer (&trigger));
    }
}

/* ---- the pipeline ---- */

static const Field pipeline_fields[] = {
  { "description", parse_text, offsetof (FfPipeline, description) },
  { "tags", parse_tags, offsetof (FfPipeline, tags) },
  { "enabled", parse_flag, offsetof (FfPipeline, enabled) },
  { "timeout", parse_timeout, offsetof (FfPipeline, timeout) },
  { "retry_attempts", parse_retry_attempts, offsetof (FfPipeline, retry_attempts) },
  { "retry_strategy", parse_retry_strategy, offsetof (FfPipeline, retry) },
  { "cpu_hard_limit", parse_cores, offsetof (FfPipeline, cpu_hard_limit) },
  { "mem_hard_limit", parse_size, offsetof (FfPipeline, mem_hard_limit) },
  { "cpu_soft_limit", parse_cores, offsetof (FfPipeline, cpu_soft_limit) },
  { "mem_soft_limit", parse_size, offsetof (FfPipeline, mem_soft_limit) },
  { "default_env", parse_env, offsetof (FfPipeline, default_env) },
  { "schedule_cron", parse_cron, offsetof (FfPipeline, schedule_cron) },
  { "schedule_interval_seconds", parse_interval, offsetof (FfPipeline, schedule_interval_seconds) },
  { "schedule_start", parse_date_time_field, offsetof (FfPipeline, schedule_start) },
  { "schedule_end", parse_end, offsetof (FfPipeline, schedule_end) },
  { "run_once_at", parse_date_time_field, offsetof (FfPipeline, run_once_at) },
  { "schedules", parse_schedules, offsetof (FfPipeline, schedules) },
  { "max_instances", parse_max_instances, offsetof (FfPipeline, max_instances) },
  { "downstream_triggers", parse_triggers, offsetof (FfPipeline, downstream_triggers) },
  { "restart_on_crash", parse_flag, offsetof (FfPipeline, restart_on_crash) },
  { "restart_cooldown", parse_cooldown, offsetof (FfPipeline, restart_cooldown) },
  { "python_version", parse_python_version, offsetof (FfPipeline, python_version) },
  { "webhook_key", parse_webhook_key, offsetof (FfPipeline, webhook_key) },
  { "executor", parse_executor, offsetof (FfPipeline, executor) },
  { "image", parse_image, offsetof (FfPipeline, image) },
  { "network", parse_network, offsetof (FfPipeline, network) },
  { "command", parse_command, offsetof (FfPipeline, command) },
  { "placement", parse_placement, offsetof (FfPipeline, placement) },
  { "type", parse_type, 0 },
  { "cells", parse_unsupported, 0 },
  { "encrypted_env", parse_unsupported, 0 },
  { "secrets", parse_secrets, offsetof (FfPipeline, secrets) },
  { "restart_interval", parse_cron, offsetof (FfPipeline, restart_interval) },
  { "privileged", parse_never_allowed, 0 },
  { "cap_add", parse_never_allowed, 0 },
  { "volumes", parse_never_allowed, 0 },
  { "mounts", parse_never_allowed, 0 },
  { "devices", parse_never_allowed, 0 },
  { "security_opt", parse_never_allowed, 0 },
  { "network_mode", parse_never_allowed, 0 },
  { "pid", parse_never_allowed, 0 },
  { "ipc", parse_never_allowed, 0 },
  { "userns_mode", parse_never_allowed, 0 },
  { "sysctls", parse_never_allowed, 0 },
  { "cgroup_parent", parse_never_allowed, 0 },
  { "runtime", parse_never_allowed, 0 },
};

static void
parse_members (Parser *p,
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
      g_autofree gchar *field = field_name (prefix, member);
      const Field *spec = NULL;

      for (gsize i = 0; i < n_fields && spec == NULL; i++)
        {
          if (g_strcmp0 (fields[i].name, member) == 0)
            spec = &fields[i];
        }
      if (spec == NULL)
        {
          add_warning (p,
                       g_strdup_printf (_ ("%s: unknown field “%s” is ignored"), p->file, field));
          continue;
        }
      /* null is unset, as in Fast-Flow. */
      if (JSON_NODE_HOLDS_NULL (node))
        continue;
      spec->parse (p, field, node, (guint8 *) base + spec->offset);
    }
}

static void
check_limits (FfPipeline *self, Parser *p)
{
  if (self->cpu_hard_limit > 0 && self->cpu_soft_limit > self->cpu_hard_limit)
    add_warning (p, g_strdup_printf (_ ("%s: field “cpu_soft_limit” is above “cpu_hard_limit” "
                                        "and can never be reached"),
                                     p->file));
  if (self->mem_hard_limit > 0 && self->mem_soft_limit > self->mem_hard_limit)
    add_warning (p, g_strdup_printf (_ ("%s: field “mem_soft_limit” is above “mem_hard_limit” "
                                        "and can never be reached"),
                                     p->file));
  if (self->mem_hard_limit > 0 && self->mem_hard_limit < MIN_DOCKER_MEMORY)
    add_warning (p, g_strdup_printf (_ ("%s: field “mem_hard_limit” is below 6 MiB, which "
                                        "Docker refuses"),
                                     p->file));
}

/* Fast-Flow refuses a pipeline whose webhook keys repeat. */
static void
check_webhook_keys (FfPipeline *self, Parser *p)
{
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  if (self->webhook_key != NULL)
    g_hash_table_add (seen, self->webhook_key);
  for (guint i = 0; i < self->schedules->len; i++)
    {
      FfSchedule *schedule = g_ptr_array_index (self->schedules, i);
      g_autofree gchar *field = NULL;

      if (schedule->webhook_key == NULL || g_hash_table_add (seen, schedule->webhook_key))
        continue;
      field = g_strdup_printf ("schedules[%u].webhook_key", i);
      g_ptr_array_add (p->errors,
                       g_strdup_printf (_ ("%s: field “%s”: expected a webhook key used only once "
                                           "in the pipeline, got one used before"),
                                        p->file, field));
    }
}

static void
check_pipeline (FfPipeline *self, Parser *p)
{
  check_timing (p, NULL, self->schedule_cron, &self->schedule_interval_seconds,
                self->schedule_start, self->schedule_end);
  if (self->schedules->len > 0 &&
      (self->schedule_cron != NULL || self->schedule_interval_seconds > 0))
    add_warning (p, g_strdup_printf (_ ("%s: the top-level schedule is not used because "
                                        "“schedules” is set"),
                                     p->file));
  check_limits (self, p);
  check_webhook_keys (self, p);
  for (guint i = 0; i < self->downstream_triggers->len; i++)
    {
      FfTrigger *trigger = g_ptr_array_index (self->downstream_triggers, i);

      if (g_strcmp0 (trigger->pipeline, self->name) == 0 && trigger->on_success)
        add_warning (p, g_strdup_printf (_ ("%s: field “downstream_triggers[%u]” starts this "
                                            "pipeline again after each success, without end"),
                                         p->file, i));
    }
}

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
static gboolean
read_json_file (const gchar *path, Parser *p, GBytes **out)
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

static JsonNode *
parse_json (GBytes *bytes, Parser *p)
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

static gboolean
has_regular_file (const gchar *dir, const gchar *name)
{
  g_autofree gchar *path = g_build_filename (dir, name, NULL);

  return g_file_test (path, G_FILE_TEST_IS_REGULAR);
}

/* A bad "command" is reported already; "no entry" would only repeat it. */
static void
resolve_entry (FfPipeline *self, Parser *p, gboolean command_given)
{
  if (self->command != NULL)
    self->entry = ENTRY_COMMAND;
  else if (has_regular_file (self->dir, "main.py"))
    self->entry = ENTRY_MAIN_PY;
  else if (has_regular_file (self->dir, "main.sh"))
    self->entry = ENTRY_MAIN_SH;
  else if (!command_given)
    g_ptr_array_add (p->errors,
                     g_strdup_printf (_ ("%s: no entry: expected main.py, main.sh or a “command” "
                                         "in pipeline.json"),
                                      self->dir));
}

/* Fast-Flow also reads <name>.json when there is no pipeline.json. */
static gchar *
find_json_path (FfPipeline *self)
{
  g_autofree gchar *path = g_build_filename (self->dir, "pipeline.json", NULL);
  g_autofree gchar *named = NULL;
  g_autofree gchar *other = NULL;

  if (g_file_test (path, G_FILE_TEST_EXISTS))
    return g_steal_pointer (&path);
  named = g_strconcat (self->name, ".json", NULL);
  other = g_build_filename (self->dir, named, NULL);
  if (g_file_test (other, G_FILE_TEST_EXISTS))
    return g_steal_pointer (&other);
  return NULL;
}

static void
settings_init (FfPipeline *self)
{
  self->enabled = TRUE;
  self->timeout = -1;
  self->retry = ff_retry_strategy_new (FF_RETRY_STRATEGY_FIXED_DELAY);
  self->tags = g_new0 (gchar *, 1);
  self->default_env = env_new ();
  self->secrets = env_new ();
  self->secret_names = g_new0 (gchar *, 1);
  self->schedules = g_ptr_array_new_with_free_func ((GDestroyNotify) ff_schedule_free);
  self->downstream_triggers = g_ptr_array_new_with_free_func ((GDestroyNotify) ff_trigger_free);
  self->restart_cooldown = DEFAULT_RESTART_COOLDOWN;
}

static void
settings_clear (FfPipeline *self)
{
  g_clear_pointer (&self->description, g_free);
  g_clear_pointer (&self->tags, g_strfreev);
  g_clear_pointer (&self->secrets, g_hash_table_unref);
  g_clear_pointer (&self->secret_names, g_strfreev);
  g_clear_pointer (&self->retry, ff_retry_strategy_free);
  g_clear_pointer (&self->default_env, g_hash_table_unref);
  g_clear_pointer (&self->schedule_cron, g_free);
  g_clear_pointer (&self->schedules, g_ptr_array_unref);
  g_clear_pointer (&self->downstream_triggers, g_ptr_array_unref);
  g_clear_pointer (&self->python_version, g_free);
  g_clear_pointer (&self->webhook_key, g_free);
  g_clear_pointer (&self->executor, g_free);
  g_clear_pointer (&self->image, g_free);
  g_clear_pointer (&self->network, g_free);
  g_clear_pointer (&self->command, g_strfreev);
  g_clear_pointer (&self->placement, g_strfreev);
  self->timeout = -1;
  self->retry_attempts = 0;
  self->cpu_hard_limit = self->cpu_soft_limit = 0;
  self->mem_hard_limit = self->mem_soft_limit = 0;
  self->schedule_interval_seconds = 0;
  self->schedule_start = self->schedule_end = self->run_once_at = 0;
  self->max_instances = 0;
  self->restart_on_crash = FALSE;
  self->entry = ENTRY_NONE;
}

static gchar *
compute_fingerprint (FfPipeline *self, GBytes *contents)
{
  g_autoptr (GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 entry = (guint8) self->entry;

  g_checksum_update (checksum, (const guchar *) self->dir, -1);
  g_checksum_update (checksum, (const guchar *) "", 1);
  if (self->json_path != NULL)
    g_checksum_update (checksum, (const guchar *) self->json_path, -1);
  g_checksum_update (checksum, (const guchar *) "", 1);
  if (contents != NULL)
    g_checksum_update (checksum, g_bytes_get_data (contents, NULL), g_bytes_get_size (contents));
  g_checksum_update (checksum, &entry, 1);
  /* Errors that come from the disk, not the contents. */
  for (guint i = 0; i + 1 < self->errors->len; i++)
    g_checksum_update (checksum, g_ptr_array_index (self->errors, i), -1);
  return g_strdup (g_checksum_get_string (checksum));
}

/* Inline secret values join default_env; a secret is still only a variable
 * of the run, it is just never shown. */
static void
take_secrets (FfPipeline *self)
{
  GHashTableIter iter;
  gpointer key, value;
  g_autofree gpointer *names = NULL;

  g_hash_table_iter_init (&iter, self->secrets);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      if (value != NULL)
        g_hash_table_insert (self->default_env, g_strdup (key), g_strdup (value));
    }
  names = g_hash_table_get_keys_as_array (self->secrets, NULL);
  g_strfreev (self->secret_names);
  self->secret_names = g_strdupv ((gchar **) names);
}

static void
ff_pipeline_load (FfPipeline *self)
{
  g_autoptr (GBytes) contents = NULL;
  g_autoptr (JsonNode) root = NULL;
  Parser p = { NULL, self->errors, self->warnings };
  gboolean command_given = FALSE;

  self->json_path = find_json_path (self);
  p.file = self->json_path;
  if (self->json_path != NULL && read_json_file (self->json_path, &p, &contents))
    root = parse_json (contents, &p);
  if (root != NULL)
    {
      JsonObject *object = json_node_get_object (root);

      parse_members (&p, NULL, object, pipeline_fields, G_N_ELEMENTS (pipeline_fields), self);
      check_pipeline (self, &p);
      take_secrets (self);
      command_given = json_object_has_member (object, "command") &&
                      !JSON_NODE_HOLDS_NULL (json_object_get_member (object, "command"));
    }
  resolve_entry (self, &p, command_given);

  g_ptr_array_add (self->errors, NULL);
  g_ptr_array_add (self->warnings, NULL);
  if (self->errors->len > 1)
    {
      self->error = g_strjoinv ("\n", (gchar **) self->errors->pdata);
      settings_clear (self);
      settings_init (self);
    }
  self->fingerprint = compute_fingerprint (self, contents);
}

FfPipeline *
ff_pipeline_new_from_dir (const gchar *dir, GError **error)
{
  g_autoptr (FfPipeline) self = NULL;
  g_autofree gchar *name = NULL;

  g_return_val_if_fail (dir != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  name = g_path_get_basename (dir);
  if (!ff_pipeline_name_is_valid (name))
    {
      g_set_error (error, FF_ERROR, FF_ERROR_INVALID_ARGUMENT,
                   _ ("“%s” is not a valid pipeline name: expected letters, digits, “_”, “.” and "
                      "“-”, not starting with a dot"),
                   name);
      return NULL;
    }
  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, FF_ERROR, FF_ERROR_INVALID_ARGUMENT,
                   _ ("The pipeline folder “%s” does not exist or is not a folder"), dir);
      return NULL;
    }
  self = g_object_new (FF_TYPE_PIPELINE, NULL);
  self->name = g_steal_pointer (&name);
  self->dir = g_canonicalize_filename (dir, NULL);
  ff_pipeline_load (self);
  return g_steal_pointer (&self);
}

static void
ff_pipeline_finalize (GObject *object)
{
  FfPipeline *self = FF_PIPELINE (object);

  settings_clear (self);
  g_free (self->name);
  g_free (self->dir);
  g_free (self->json_path);
  g_free (self->fingerprint);
  g_free (self->error);
  g_free (self->restart_interval);
  g_ptr_array_unref (self->errors);
  g_ptr_array_unref (self->warnings);
  G_OBJECT_CLASS (ff_pipeline_parent_class)->finalize (object);
}

static void
ff_pipeline_class_init (FfPipelineClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ff_pipeline_finalize;
}

static void
ff_pipeline_init (FfPipeline *self)
{
  self->errors = g_ptr_array_new_with_free_func (g_free);
  self->warnings = g_ptr_array_new_with_free_func (g_free);
  settings_init (self);
}

/* ---- getters ---- */

const gchar *
ff_pipeline_get_name (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), NULL);
  return self->name;
}

const gchar *
ff_pipeline_get_dir (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), NULL);
  return self->dir;
}

const gchar *
ff_pipeline_get_json_path (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), NULL);
  return self->json_path;
}

const gchar *
ff_pipeline_get_fingerprint (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), NULL);
  return self->fingerprint;
}

gboolean
ff_pipeline_is_broken (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), TRUE);
  return self->error != NULL;
}

const gchar *
ff_pipeline_get_error (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), NULL);
  return self->error;
}

/**
 * ff_pipeline_add_error:
 * @message: a sentence that names the pipeline's file and field
 *
 * Marks the pipeline broken for a reason only the set of all pipelines
 * shows, such as a cycle of downstream triggers.
 */
void
ff_pipeline_add_error (FfPipeline *self, const gchar *message)
{
  g_return_if_fail (FF_IS_PIPELINE (self));
  g_return_if_fail (message != NULL);

  /* before the terminating NULL */
  g_ptr_array_insert (self->errors, self->errors->len - 1, g_strdup (message));
  g_free (self->error);
  self->error = g_strjoinv ("\n", (gchar **) self->errors->pdata);
  self->added_errors = TRUE;
}

/* TRUE once ff_pipeline_add_error () was called: such an object reflects
 * the other pipelines too and must not stand for a later scan. */
gboolean
ff_pipeline_has_added_errors (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), FALSE);
  return self->added_errors;
}

const gchar *const *
ff_pipeline_get_errors (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), NULL);
  return (const gchar *const *) self->errors->pdata;
}

const gchar *const *
ff_pipeline_get_warnings (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), NULL);
  return (const gchar *const *) self->warnings->pdata;
}

const gchar *
ff_pipeline_get_description (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), NULL);
  return self->description;
}

const gchar *const *
ff_pipeline_get_tags (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), NULL);
  return (const gchar *const *) self->tags;
}

/**
 * ff_pipeline_get_secrets:
 *
 * Returns: (transfer none): the names of the variables whose values are
 *   never shown: not in the log, on D-Bus or in the run history
 */
const gchar *const *
ff_pipeline_get_secrets (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), NULL);
  return (const gchar *const *) self->secret_names;
}

gboolean
ff_pipeline_get_enabled (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), FALSE);
  return self->enabled;
}

gint64
ff_pipeline_get_timeout (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), -1);
  return self->timeout;
}

guint
ff_pipeline_get_retry_attempts (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), 0);
  return (guint) self->retry_attempts;
}

const FfRetryStrategy *
ff_pipeline_get_retry (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), NULL);
  return self->retry;
}

gdouble
ff_pipeline_get_retry_delay (FfPipeline *self, guint retry)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), 0);
  return ff_retry_strategy_get_delay (self->retry, retry);
}

FfRetryStrategyKind
ff_pipeline_get_retry_strategy (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), FF_RETRY_STRATEGY_FIXED_DELAY);
  return self->retry->kind;
}

gdouble
ff_pipeline_get_retry_initial_delay (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), 0);
  return self->retry->initial_delay;
}

gdouble
ff_pipeline_get_retry_max_delay (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), 0);
  return self->retry->max_delay;
}

gdouble
ff_pipeline_get_retry_multiplier (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), 0);
  return self->retry->multiplier;
}

/**
 * ff_pipeline_get_retry_custom_delays:
 *
 * Returns: (transfer none) (nullable) (element-type gdouble): seconds
 */
GArray *
ff_pipeline_get_retry_custom_delays (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), NULL);
  return self->retry->custom_delays;
}

gdouble
ff_pipeline_get_cpu_hard_limit (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), 0);
  return self->cpu_hard_limit;
}

guint64
ff_pipeline_get_mem_hard_limit (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), 0);
  return self->mem_hard_limit;
}

gdouble
ff_pipeline_get_cpu_soft_limit (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), 0);
  return self->cpu_soft_limit;
}

guint64
ff_pipeline_get_mem_soft_limit (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), 0);
  return self->mem_soft_limit;
}

/**
 * ff_pipeline_get_default_env:
 *
 * Returns: (transfer none) (element-type utf8 utf8): `default_env`
 */
GHashTable *
ff_pipeline_get_default_env (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), NULL);
  return self->default_env;
}

const gchar *
ff_pipeline_get_schedule_cron (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), NULL);
  return self->schedule_cron;
}

guint64
ff_pipeline_get_schedule_interval_seconds (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), 0);
  return self->schedule_interval_seconds;
}

gint64
ff_pipeline_get_schedule_start (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), 0);
  return self->schedule_start;
}

gint64
ff_pipeline_get_schedule_end (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), 0);
  return self->schedule_end;
}

gint64
ff_pipeline_get_run_once_at (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), 0);
  return self->run_once_at;
}

/**
 * ff_pipeline_get_schedules:
 *
 * Returns: (transfer none) (element-type FfSchedule): `schedules[]`
 */
GPtrArray *
ff_pipeline_get_schedules (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), NULL);
  return self->schedules;
}

const FfSchedule *
ff_pipeline_lookup_schedule (FfPipeline *self, const gchar *id)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);

  for (guint i = 0; i < self->schedules->len; i++)
    {
      FfSchedule *schedule = g_ptr_array_index (self->schedules, i);

      if (g_strcmp0 (schedule->id, id) == 0)
        return schedule;
    }
  return NULL;
}

guint
ff_pipeline_get_max_instances (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), 0);
  return self->max_instances;
}

/**
 * ff_pipeline_get_downstream_triggers:
 *
 * Returns: (transfer none) (element-type FfTrigger): `downstream_triggers`
 */
GPtrArray *
ff_pipeline_get_downstream_triggers (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), NULL);
  return self->downstream_triggers;
}

gboolean
ff_pipeline_get_restart_on_crash (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), FALSE);
  return self->restart_on_crash;
}

/* (nullable) a cron expression: when a long-running run is restarted */
const gchar *
ff_pipeline_get_restart_interval (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), NULL);
  return self->restart_interval;
}

guint
ff_pipeline_get_restart_cooldown (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), 0);
  return self->restart_cooldown;
}

const gchar *
ff_pipeline_get_python_version (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), NULL);
  return self->python_version;
}

const gchar *
ff_pipeline_get_webhook_key (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), NULL);
  return self->webhook_key;
}

const gchar *
ff_pipeline_get_executor (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), NULL);
  return self->executor;
}

const gchar *
ff_pipeline_get_image (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), NULL);
  return self->image;
}

const gchar *
ff_pipeline_get_network (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), NULL);
  return self->network;
}

const gchar *const *
ff_pipeline_get_command (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), NULL);
  return (const gchar *const *) self->command;
}

/**
 * ff_pipeline_get_placement:
 *
 * Returns: (nullable) (array zero-terminated=1): the swarm placement
 *   constraints of `placement`, e.g. "node.role==manager"
 */
const gchar *const *
ff_pipeline_get_placement (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), NULL);
  return (const gchar *const *) self->placement;
}

/**
 * ff_pipeline_dup_entry_argv:
 * @python: the interpreter for main.py
 *
 * Returns: (transfer full) (array zero-terminated=1): what to run
 */
gchar **
ff_pipeline_dup_entry_argv (FfPipeline *self, const gchar *python, GError **error)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (python == NULL || python[0] == '\0')
    python = "python3";
  switch (self->entry)
    {
    case ENTRY_COMMAND:
      return g_strdupv (self->command);
    case ENTRY_MAIN_PY:
      return g_strdupv ((gchar *[]){ (gchar *) python, (gchar *) "main.py", NULL });
    case ENTRY_MAIN_SH:
      return g_strdupv ((gchar *[]){ (gchar *) "sh", (gchar *) "main.sh", NULL });
    case ENTRY_NONE:
    default:
      g_set_error (error, FF_ERROR, FF_ERROR_BROKEN_PIPELINE,
                   _ ("The pipeline “%s” cannot run: %s"), self->name,
                   self->error != NULL ? self->error : _ ("it has no entry"));
      return NULL;
    }
}
