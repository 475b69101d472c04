/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <stddef.h>
#include <string.h>

#include "ff-cron-schedule.h"
#include "ff-env.h"
#include "ff-pipeline-parser-private.h"

/* What each field of pipeline.json means: its rule, its checks against
 * the other fields, and where its value goes. */

#define MIN_WEBHOOK_KEY_LENGTH 16

#define SIZE_EXPECTED                                                                              \
  N_ ("a size such as “512m”, “1g”, “1.5g”, “2GiB”, “100 MB” or a number of bytes")
#define NAME_EXPECTED                                                                              \
  N_ ("a pipeline name of letters, digits, “_”, “.” and “-”, not starting with a dot")

/* ---- rules ---- */

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
static const IntRule restart_rule = {
  0,
  10 * ONE_YEAR,
  N_ ("a cron expression of five fields such as “0 3 * * *”, or a number of seconds"),
  N_ ("315360000 seconds (ten years)"),
  FALSE,
};
static const IntRule retry_attempts_rule = {
  0, 100, N_ ("a number of retries from 0 to 100"), N_ ("100"), FALSE,
};
static const IntRule max_instances_rule = {
  0, 10000, N_ ("a number of runs ≥ 0 (0 means no limit)"), N_ ("10000"), TRUE,
};

static const NumberRule cores_rule = {
  0, TRUE, 1024, N_ ("a number of CPU cores greater than 0, such as 0.5 or 2"), N_ ("1024"),
};

/* ---- fields ---- */

static void
parse_text (Parser *p, const gchar *field, JsonNode *node, gpointer dest)
{
  gchar **out = dest;

  if (!ff_parser_node_is_string (node))
    {
      ff_parser_type_error (p, field, _ ("a string"), node);
      return;
    }
  g_free (*out);
  *out = json_node_dup_string (node);
}

static void
parse_flag (Parser *p, const gchar *field, JsonNode *node, gpointer dest)
{
  if (!ff_parser_node_is_boolean (node))
    {
      ff_parser_type_error (p, field, _ ("true or false"), node);
      return;
    }
  *(gboolean *) dest = json_node_get_boolean (node);
}

static void
parse_tags (Parser *p, const gchar *field, JsonNode *node, gpointer dest)
{
  ff_parser_read_strv (p, field, node, FALSE, dest);
}

static void
parse_command (Parser *p, const gchar *field, JsonNode *node, gpointer dest)
{
  GStrv *out = dest;

  if (JSON_NODE_HOLDS_ARRAY (node) && json_array_get_length (json_node_get_array (node)) == 0)
    {
      ff_parser_value_error (
          p, field, _ ("an array of at least one non-empty string, such as [\"sh\", \"run.sh\"]"),
          node);
      return;
    }
  ff_parser_read_strv (p, field, node, TRUE, out);
}

static void
parse_timeout (Parser *p, const gchar *field, JsonNode *node, gpointer dest)
{
  ff_parser_read_integer (p, field, node, &seconds_rule, dest);
}

static void
parse_retry_attempts (Parser *p, const gchar *field, JsonNode *node, gpointer dest)
{
  gint64 value;

  if (ff_parser_read_integer (p, field, node, &retry_attempts_rule, &value))
    *(gint *) dest = (gint) value;
}

static void
parse_cooldown (Parser *p, const gchar *field, JsonNode *node, gpointer dest)
{
  gint64 value;

  if (ff_parser_read_integer (p, field, node, &cooldown_rule, &value))
    *(guint *) dest = (guint) value;
}

static void
parse_max_instances (Parser *p, const gchar *field, JsonNode *node, gpointer dest)
{
  gint64 value;

  if (ff_parser_read_integer (p, field, node, &max_instances_rule, &value))
    *(guint *) dest = (guint) value;
}

static void
parse_interval (Parser *p, const gchar *field, JsonNode *node, gpointer dest)
{
  gint64 value;

  if (ff_parser_read_integer (p, field, node, &interval_rule, &value))
    *(guint64 *) dest = (guint64) value;
}

static void
parse_cores (Parser *p, const gchar *field, JsonNode *node, gpointer dest)
{
  ff_parser_read_number (p, field, node, &cores_rule, dest);
}

static void
parse_size (Parser *p, const gchar *field, JsonNode *node, gpointer dest)
{
  guint64 bytes;
  gint64 whole;

  if (ff_parser_node_is_string (node))
    {
      if (!ff_parse_size (json_node_get_string (node), &bytes))
        {
          ff_parser_value_error (p, field, _ (SIZE_EXPECTED), node);
          return;
        }
    }
  else if (ff_parser_node_is_number (node))
    {
      if (!ff_parser_node_get_whole (node, &whole) || whole < 0)
        {
          ff_parser_value_error (p, field, _ (SIZE_EXPECTED), node);
          return;
        }
      bytes = (guint64) whole;
    }
  else
    {
      ff_parser_type_error (p, field, _ (SIZE_EXPECTED), node);
      return;
    }
  *(guint64 *) dest = bytes;
}

/* ff_env_name_is_valid, with the message that names @field. */
static gboolean
check_env_name (Parser *p, const gchar *field, const gchar *name)
{
  g_autofree gchar *got = NULL;

  if (ff_env_name_is_valid (name, -1))
    return TRUE;
  got = g_strdup_printf ("“%s”", name);
  ff_parser_add_error (
      p, field, _ ("variable names of letters, digits and “_” that do not start with a digit"),
      got);
  return FALSE;
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
      ff_parser_type_error (p, field, _ ("an object of variable names and string values"), node);
      return;
    }
  json_object_iter_init_ordered (&iter, json_node_get_object (node));
  while (json_object_iter_next_ordered (&iter, &key, &value))
    {
      g_autofree gchar *key_field = ff_parser_field_name (field, key);

      if (!check_env_name (p, field, key))
        continue;
      if (!ff_parser_node_is_string (value))
        {
          ff_parser_type_error (p, key_field, _ ("a string (write numbers and booleans in quotes)"),
                                value);
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
  if (!ff_parser_read_strv (p, field, node, TRUE, &names))
    return;
  for (gsize i = 0; names[i] != NULL; i++)
    {
      if (!check_env_name (p, field, names[i]))
        continue;
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

  if (!ff_parser_node_is_string (node))
    {
      ff_parser_type_error (
          p, field,
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

/* Fast-Flow takes a cron expression or a number of seconds, the latter
 * as a JSON number or as a string of digits; 0 asks for no restarts
 * there, so it does here. @dest is the pipeline: the two forms go to
 * two fields. */
static void
parse_restart_interval (Parser *p, const gchar *field, JsonNode *node, gpointer dest)
{
  FfPipeline *self = dest;
  g_autofree gchar *text = NULL;
  gint64 seconds;
  guint64 digits;

  if (ff_parser_node_is_number (node))
    {
      if (ff_parser_read_integer (p, field, node, &restart_rule, &seconds))
        self->restart_interval_seconds = (guint64) seconds;
      return;
    }
  if (ff_parser_node_is_string (node))
    text = g_strstrip (json_node_dup_string (node));
  if (text == NULL || !g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT64, &digits, NULL))
    {
      parse_cron (p, field, node, &self->restart_interval);
      return;
    }
  if (digits > (guint64) restart_rule.max)
    {
      g_autofree gchar *at_most = g_strdup_printf (_ ("at most %s"), _ (restart_rule.maximum));
      ff_parser_value_error (p, field, at_most, node);
      return;
    }
  self->restart_interval_seconds = digits;
}

static void
parse_date_time_field (Parser *p, const gchar *field, JsonNode *node, gpointer dest)
{
  ff_parser_read_date_time (p, field, node, FALSE, dest);
}

static void
parse_end (Parser *p, const gchar *field, JsonNode *node, gpointer dest)
{
  ff_parser_read_date_time (p, field, node, TRUE, dest);
}

static void
parse_python_version (Parser *p, const gchar *field, JsonNode *node, gpointer dest)
{
  const gchar *expected = _ ("a Python version such as “3.12”");
  gchar **out = dest;

  /* Fast-Flow runs str() on it; 3.10 as a number would be "3.1" there too. */
  if (ff_parser_node_is_number (node))
    {
      g_free (*out);
      *out = ff_parser_describe_value (node);
      ff_parser_add_warning (
          p, g_strdup_printf (_ ("%s: field “%s” should be a string such as “3.12”, "
                                 "not a number"),
                              p->file, field));
      return;
    }
  ff_parser_read_word (p, field, node, expected, out);
}

static void
parse_webhook_key (Parser *p, const gchar *field, JsonNode *node, gpointer dest)
{
  gchar **out = dest;

  if (!ff_parser_read_word (p, field, node, _ ("a string without spaces"), out))
    return;
  if (strlen (*out) < MIN_WEBHOOK_KEY_LENGTH)
    ff_parser_add_warning (
        p, g_strdup_printf (_ ("%s: field “%s” is shorter than %d characters; anyone "
                               "who guesses it can start the pipeline"),
                            p->file, field, MIN_WEBHOOK_KEY_LENGTH));
}

static void
parse_executor (Parser *p, const gchar *field, JsonNode *node, gpointer dest)
{
  const gchar *expected = _ ("the name of an executor such as “local” or “docker-proxy”");
  gchar **out = dest;

  if (!ff_parser_read_word (p, field, node, expected, out))
    return;
  if (!ff_pipeline_name_is_valid (*out))
    {
      ff_parser_value_error (p, field, expected, node);
      g_clear_pointer (out, g_free);
    }
}

static void
parse_image (Parser *p, const gchar *field, JsonNode *node, gpointer dest)
{
  ff_parser_read_word (p, field, node, _ ("an image name such as “python:3.12-slim”"), dest);
}

static void
parse_network (Parser *p, const gchar *field, JsonNode *node, gpointer dest)
{
  const gchar *expected = _ ("“none” or “bridge”");
  gchar **out = dest;
  const gchar *network;

  if (!ff_parser_node_is_string (node))
    {
      ff_parser_type_error (p, field, expected, node);
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
      ff_parser_value_error (p, field, expected, node);
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
      ff_parser_type_error (p, field, expected, node);
      return;
    }
  if (!ff_parser_read_strv (p, field, node, TRUE, &constraints))
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

          ff_parser_add_error (
              p, element_field,
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

  if (!ff_parser_node_is_string (node))
    {
      ff_parser_type_error (p, field, _ (NAME_EXPECTED), node);
      return;
    }
  if (!ff_pipeline_name_is_valid (json_node_get_string (node)))
    {
      ff_parser_value_error (p, field, _ (NAME_EXPECTED), node);
      return;
    }
  g_free (*out);
  *out = json_node_dup_string (node);
}

static void
parse_optional_word (Parser *p, const gchar *field, JsonNode *node, gpointer dest)
{
  ff_parser_read_word (p, field, node, _ ("a string without spaces"), dest);
}

static void
parse_schedule_id (Parser *p, const gchar *field, JsonNode *node, gpointer dest)
{
  const gchar *expected = _ ("a name without spaces such as “prod”");
  gchar **out = dest;
  g_autofree gchar *text = NULL;
  gint64 number;

  /* Fast-Flow runs str() on it, so 1 is "1" there. */
  if (ff_parser_node_is_number (node) && ff_parser_node_get_whole (node, &number))
    {
      g_free (*out);
      *out = g_strdup_printf ("%" G_GINT64_FORMAT, number);
      return;
    }
  if (ff_parser_node_is_string (node))
    text = g_strstrip (json_node_dup_string (node));
  if (text != NULL && text[0] == '\0')
    ff_parser_value_error (p, field, expected, node);
  else
    ff_parser_read_word (p, field, node, expected, out);
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
  if (ff_parser_node_is_string (node))
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

/* "notebook" runs main.ipynb through fastflow's notebook runner. */
static void
parse_type (Parser *p, const gchar *field, JsonNode *node, gpointer dest)
{
  const gchar *expected = _ ("“script” or “notebook”");

  if (!ff_parser_node_is_string (node))
    {
      ff_parser_type_error (p, field, expected, node);
      return;
    }
  if (g_strcmp0 (json_node_get_string (node), "script") == 0)
    *(gboolean *) dest = FALSE;
  else if (g_strcmp0 (json_node_get_string (node), "notebook") == 0)
    *(gboolean *) dest = TRUE;
  else
    ff_parser_value_error (p, field, expected, node);
}

/* ---- cells[]: a notebook's retries per code cell ---- */

typedef struct
{
  gint64 retries;
  gdouble delay_seconds;
} NotebookCell;

/* Fast-Flow passes both through int() and float(), so "2" works there. */
static const IntRule cell_retries_rule = {
  0, 100, N_ ("a number of retries from 0 to 100"), N_ ("100"), TRUE,
};
static const NumberRule cell_delay_rule = {
  0, FALSE, 86400, N_ ("a number of seconds ≥ 0, such as 1 or 0.5"), N_ ("86400 seconds (one day)"),
};

static void
parse_cell_retries (Parser *p, const gchar *field, JsonNode *node, gpointer dest)
{
  ff_parser_read_integer (p, field, node, &cell_retries_rule, dest);
}

static void
parse_cell_delay (Parser *p, const gchar *field, JsonNode *node, gpointer dest)
{
  ff_parser_read_number (p, field, node, &cell_delay_rule, dest);
}

static const Field cell_fields[] = {
  { "retries", parse_cell_retries, offsetof (NotebookCell, retries) },
  { "delay_seconds", parse_cell_delay, offsetof (NotebookCell, delay_seconds) },
};

/* Kept as the notebook runner's --cells takes them: "R:D,R:D", one per
 * code cell, Fast-Flow's defaults (0 retries, 1 s) filled in. */
static void
parse_cells (Parser *p, const gchar *field, JsonNode *node, gpointer dest)
{
  const gchar *expected = _ ("an array of objects such as {\"retries\": 2, \"delay_seconds\": 1}");
  g_autoptr (GString) spec = g_string_new (NULL);
  gchar delay[G_ASCII_DTOSTR_BUF_SIZE];
  JsonArray *array;

  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      ff_parser_type_error (p, field, expected, node);
      return;
    }
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      g_autofree gchar *prefix = g_strdup_printf ("%s[%u]", field, i);
      NotebookCell cell = { 0, 1 };

      if (JSON_NODE_HOLDS_OBJECT (element))
        ff_parser_parse_members (p, prefix, json_node_get_object (element), cell_fields,
                                 G_N_ELEMENTS (cell_fields), &cell);
      else if (!JSON_NODE_HOLDS_NULL (element))
        ff_parser_type_error (p, prefix, _ ("an object with “retries” and “delay_seconds”"),
                              element);
      g_ascii_formatd (delay, sizeof delay, "%g", cell.delay_seconds);
      g_string_append_printf (spec, "%s%" G_GINT64_FORMAT ":%s", i > 0 ? "," : "", cell.retries,
                              delay);
    }
  g_free (*(gchar **) dest);
  *(gchar **) dest = g_string_free (g_steal_pointer (&spec), FALSE);
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
  { "retry_strategy", ff_parser_parse_retry_strategy, offsetof (FfSchedule, retry_strategy) },
  { "cpu_hard_limit", parse_cores, offsetof (FfSchedule, cpu_hard_limit) },
  { "mem_hard_limit", parse_size, offsetof (FfSchedule, mem_hard_limit) },
  { "cpu_soft_limit", parse_cores, offsetof (FfSchedule, cpu_soft_limit) },
  { "mem_soft_limit", parse_size, offsetof (FfSchedule, mem_soft_limit) },
  { "webhook_key", parse_webhook_key, offsetof (FfSchedule, webhook_key) },
  { "encrypted_env", parse_env, offsetof (FfSchedule, encrypted_env) },
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
  g_autofree gchar *cron_field = ff_parser_field_name (prefix, "schedule_cron");
  g_autofree gchar *interval_field = ff_parser_field_name (prefix, "schedule_interval_seconds");
  g_autofree gchar *end_field = ff_parser_field_name (prefix, "schedule_end");

  if (cron != NULL && *interval > 0)
    {
      ff_parser_add_warning (p,
                             g_strdup_printf (_ ("%s: fields “%s” and “%s” are both set; the cron "
                                                 "expression is used and the interval is ignored"),
                                              p->file, cron_field, interval_field));
      *interval = 0;
    }
  if (start != 0 && end != 0 && end < start)
    {
      g_autofree gchar *start_text = ff_parser_format_date_time (start);
      g_autofree gchar *end_text = ff_parser_format_date_time (end);
      g_autofree gchar *expected =
          g_strdup_printf (_ ("a time after schedule_start (%s)"), start_text);
      ff_parser_add_error (p, end_field, expected, end_text);
    }
}

/* An array of objects such as schedules[] or downstream_triggers[]: each
 * element is parsed by @fields and kept once it has its @key member. */
typedef struct
{
  const gchar *expected;         /* N_() the array */
  const gchar *expected_element; /* N_() one element */
  const Field *fields;
  gsize n_fields;
  const gchar *key;          /* the member an element cannot do without */
  gsize key_offset;          /* of its gchar * in the element */
  const gchar *key_expected; /* N_() */
  gpointer (*new_element) (void);
  GDestroyNotify free_element;
  /* Optional: after the members, whether or not the key is there. */
  void (*check) (Parser *p, const gchar *prefix, gpointer element);
  /* Optional: FALSE drops an element that has its key. */
  gboolean (*accept) (
      Parser *p, const gchar *prefix, JsonObject *object, gpointer element, GPtrArray *elements);
} ObjectArray;

static gpointer
parse_element (Parser *p, const ObjectArray *spec, const gchar *prefix, JsonNode *node)
{
  g_autofree gchar *key_field = ff_parser_field_name (prefix, spec->key);
  JsonObject *object;
  gpointer element;
  JsonNode *key;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      ff_parser_type_error (p, prefix, _ (spec->expected_element), node);
      return NULL;
    }
  object = json_node_get_object (node);
  element = spec->new_element ();
  ff_parser_parse_members (p, prefix, object, spec->fields, spec->n_fields, element);
  if (spec->check != NULL)
    spec->check (p, prefix, element);
  if (G_STRUCT_MEMBER (gchar *, element, spec->key_offset) == NULL)
    {
      key = json_object_get_member (object, spec->key);
      if (key == NULL || JSON_NODE_HOLDS_NULL (key))
        ff_parser_missing_error (p, key_field, _ (spec->key_expected));
      spec->free_element (element);
      return NULL;
    }
  return element;
}

static void
parse_object_array (
    Parser *p, const gchar *field, JsonNode *node, const ObjectArray *spec, GPtrArray *elements)
{
  JsonArray *array;

  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      ff_parser_type_error (p, field, _ (spec->expected), node);
      return;
    }
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *member = json_array_get_element (array, i);
      g_autofree gchar *prefix = g_strdup_printf ("%s[%u]", field, i);
      gpointer element = parse_element (p, spec, prefix, member);

      if (element == NULL)
        continue;
      if (spec->accept != NULL &&
          !spec->accept (p, prefix, json_node_get_object (member), element, elements))
        spec->free_element (element);
      else
        g_ptr_array_add (elements, element);
    }
}

static void
check_schedule (Parser *p, const gchar *prefix, gpointer element)
{
  FfSchedule *schedule = element;

  check_timing (p, prefix, schedule->schedule_cron, &schedule->schedule_interval_seconds,
                schedule->schedule_start, schedule->schedule_end);
}

/* Ids name run configurations, so each is used once. */
static gboolean
accept_schedule (
    Parser *p, const gchar *prefix, JsonObject *object, gpointer element, GPtrArray *schedules)
{
  FfSchedule *schedule = element;
  g_autofree gchar *id_field = ff_parser_field_name (prefix, "id");

  for (guint j = 0; j < schedules->len; j++)
    {
      FfSchedule *other = g_ptr_array_index (schedules, j);

      if (g_strcmp0 (other->id, schedule->id) == 0)
        {
          ff_parser_value_error (p, id_field, _ ("an id no other schedule has"),
                                 json_object_get_member (object, "id"));
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
accept_trigger (
    Parser *p, const gchar *prefix, JsonObject *object, gpointer element, GPtrArray *triggers)
{
  FfTrigger *trigger = element;

  if (!trigger->on_success && !trigger->on_failure && trigger->on_route == NULL)
    ff_parser_add_warning (p, g_strdup_printf (_ ("%s: field “%s” never fires: on_success and "
                                                  "on_failure are false and there is no on_route"),
                                               p->file, prefix));
  return TRUE;
}

static const ObjectArray schedules_spec = {
  N_ ("an array of objects with an “id”"),
  N_ ("an object with an “id”"),
  schedule_fields,
  G_N_ELEMENTS (schedule_fields),
  "id",
  offsetof (FfSchedule, id),
  N_ ("a name for this run configuration such as “prod”"),
  (gpointer (*) (void)) ff_schedule_new,
  (GDestroyNotify) ff_schedule_free,
  check_schedule,
  accept_schedule,
};

static const ObjectArray triggers_spec = {
  N_ ("an array of objects with a “pipeline”"),
  N_ ("an object with a “pipeline”"),
  trigger_fields,
  G_N_ELEMENTS (trigger_fields),
  "pipeline",
  offsetof (FfTrigger, pipeline),
  NAME_EXPECTED,
  (gpointer (*) (void)) ff_trigger_new,
  (GDestroyNotify) ff_trigger_free,
  NULL,
  accept_trigger,
};

static void
parse_schedules (Parser *p, const gchar *field, JsonNode *node, gpointer dest)
{
  parse_object_array (p, field, node, &schedules_spec, *(GPtrArray **) dest);
}

static void
parse_triggers (Parser *p, const gchar *field, JsonNode *node, gpointer dest)
{
  parse_object_array (p, field, node, &triggers_spec, *(GPtrArray **) dest);
}

/* ---- the pipeline ---- */

static const Field pipeline_fields[] = {
  { "description", parse_text, offsetof (FfPipeline, description) },
  { "tags", parse_tags, offsetof (FfPipeline, tags) },
  { "enabled", parse_flag, offsetof (FfPipeline, enabled) },
  { "timeout", parse_timeout, offsetof (FfPipeline, timeout) },
  { "retry_attempts", parse_retry_attempts, offsetof (FfPipeline, retry_attempts) },
  { "retry_strategy", ff_parser_parse_retry_strategy, offsetof (FfPipeline, retry) },
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
  { "type", parse_type, offsetof (FfPipeline, notebook) },
  { "cells", parse_cells, offsetof (FfPipeline, cells) },
  { "encrypted_env", parse_env, offsetof (FfPipeline, encrypted_env) },
  { "secrets", parse_secrets, offsetof (FfPipeline, secrets) },
  { "restart_interval", parse_restart_interval, 0 },
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
check_limits (FfPipeline *self, Parser *p)
{
  if (self->cpu_hard_limit > 0 && self->cpu_soft_limit > self->cpu_hard_limit)
    ff_parser_add_warning (
        p, g_strdup_printf (_ ("%s: field “cpu_soft_limit” is above “cpu_hard_limit” "
                               "and can never be reached"),
                            p->file));
  if (self->mem_hard_limit > 0 && self->mem_soft_limit > self->mem_hard_limit)
    ff_parser_add_warning (
        p, g_strdup_printf (_ ("%s: field “mem_soft_limit” is above “mem_hard_limit” "
                               "and can never be reached"),
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

/* As in Fast-Flow: a notebook retries its cells, never the whole run;
 * cells[] means nothing to a script. */
static void
check_notebook (FfPipeline *self, Parser *p)
{
  gboolean retries = self->retry_attempts > 0;

  if (!self->notebook)
    {
      if (self->cells != NULL && self->cells[0] != '\0')
        ff_parser_add_warning (
            p, g_strdup_printf (_ ("%s: field “cells” is only used by notebook pipelines "
                                   "(“type”: “notebook”); it is ignored"),
                                p->file));
      g_clear_pointer (&self->cells, g_free);
      return;
    }
  self->retry_attempts = 0;
  for (guint i = 0; i < self->schedules->len; i++)
    {
      FfSchedule *schedule = g_ptr_array_index (self->schedules, i);

      retries |= schedule->retry_attempts > 0;
      if (schedule->retry_attempts > 0)
        schedule->retry_attempts = 0;
    }
  if (retries)
    ff_parser_add_warning (
        p, g_strdup_printf (_ ("%s: field “retry_attempts” is ignored: a notebook pipeline "
                               "retries its cells (“cells”, or “fastflow” in a cell's "
                               "metadata), not the whole run, as in Fast-Flow"),
                            p->file));
}

static void
check_pipeline (FfPipeline *self, Parser *p)
{
  check_timing (p, NULL, self->schedule_cron, &self->schedule_interval_seconds,
                self->schedule_start, self->schedule_end);
  if (self->schedules->len > 0 &&
      (self->schedule_cron != NULL || self->schedule_interval_seconds > 0))
    ff_parser_add_warning (p, g_strdup_printf (_ ("%s: the top-level schedule is not used because "
                                                  "“schedules” is set"),
                                               p->file));
  check_limits (self, p);
  check_webhook_keys (self, p);
  check_notebook (self, p);
  for (guint i = 0; i < self->downstream_triggers->len; i++)
    {
      FfTrigger *trigger = g_ptr_array_index (self->downstream_triggers, i);

      if (g_strcmp0 (trigger->pipeline, self->name) == 0 && trigger->on_success)
        ff_parser_add_warning (
            p, g_strdup_printf (_ ("%s: field “downstream_triggers[%u]” starts this "
                                   "pipeline again after each success, without end"),
                                p->file, i));
    }
}
/* Inline secret values join default_env; a secret is still only a variable
 * of the run, it is just never shown. encrypted_env's variables are
 * secrets whose values the daemon decrypts for each run. */
static void
take_secrets (FfPipeline *self)
{
  GHashTableIter iter;
  gpointer key, value;
  g_autofree gpointer *names = NULL;

  g_hash_table_iter_init (&iter, self->encrypted_env);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      if (!g_hash_table_contains (self->secrets, key))
        g_hash_table_insert (self->secrets, g_strdup (key), NULL);
    }
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

GBytes *
ff_pipeline_parse_json (FfPipeline *self, gboolean *command_given)
{
  g_autoptr (GBytes) contents = NULL;
  g_autoptr (JsonNode) root = NULL;
  Parser p = { self->json_path, self->errors, self->warnings };
  JsonObject *object;

  *command_given = FALSE;
  if (self->json_path != NULL && ff_parser_read_json_file (self->json_path, &p, &contents))
    root = ff_parser_parse_json (contents, &p);
  if (root == NULL)
    return g_steal_pointer (&contents);
  object = json_node_get_object (root);
  ff_parser_parse_members (&p, NULL, object, pipeline_fields, G_N_ELEMENTS (pipeline_fields), self);
  check_pipeline (self, &p);
  take_secrets (self);
  *command_given = json_object_has_member (object, "command") &&
                   !JSON_NODE_HOLDS_NULL (json_object_get_member (object, "command"));
  return g_steal_pointer (&contents);
}
