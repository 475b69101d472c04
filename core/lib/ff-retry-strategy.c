/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "ff-pipeline-parser-private.h"
#include "ff-retry-strategy.h"

#define DEFAULT_RETRY_DELAY 60.0
#define DEFAULT_RETRY_MAX_DELAY 3600.0
#define DEFAULT_RETRY_MULTIPLIER 2.0

/* A strategy of @kind with the defaults of pipeline.json. */
FfRetryStrategy *
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

/* ---- retry_strategy in pipeline.json ---- */

static const NumberRule delay_rule = {
  0, FALSE, ONE_YEAR, N_ ("a number of seconds ≥ 0"), N_ ("31536000 seconds (one year)"),
};
static const NumberRule multiplier_rule = {
  1, FALSE, 100, N_ ("a factor ≥ 1, such as 2"), N_ ("100"),
};

static void
parse_nothing (Parser *p, const gchar *field, JsonNode *node, gpointer dest)
{
}

static void
parse_delay (Parser *p, const gchar *field, JsonNode *node, gpointer dest)
{
  ff_parser_read_number (p, field, node, &delay_rule, dest);
}

static void
parse_multiplier (Parser *p, const gchar *field, JsonNode *node, gpointer dest)
{
  ff_parser_read_number (p, field, node, &multiplier_rule, dest);
}

static void
parse_delays (Parser *p, const gchar *field, JsonNode *node, gpointer dest)
{
  GArray **out = dest;
  g_autoptr (GArray) delays = g_array_new (FALSE, FALSE, sizeof (gdouble));
  JsonArray *array;

  if (!JSON_NODE_HOLDS_ARRAY (node) || json_array_get_length (json_node_get_array (node)) == 0)
    {
      ff_parser_value_error (p, field, _ ("an array of delays in seconds such as [60, 300, 3600]"),
                             node);
      return;
    }
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      g_autofree gchar *element_field = g_strdup_printf ("%s[%u]", field, i);
      gdouble delay;

      if (!ff_parser_read_number (p, element_field, json_array_get_element (array, i), &delay_rule,
                                  &delay))
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
  g_autofree gchar *max_field = ff_parser_field_name (field, "max_delay");
  g_autofree gchar *delays_field = ff_parser_field_name (field, "delays");

  if (retry->kind == FF_RETRY_STRATEGY_CUSTOM_SCHEDULE && retry->custom_delays == NULL &&
      !json_object_has_member (object, "delays"))
    ff_parser_missing_error (p, delays_field,
                             _ ("an array of delays in seconds such as [60, 300, 3600]"));
  if (retry->kind != FF_RETRY_STRATEGY_EXPONENTIAL_BACKOFF)
    return;
  /* An unset maximum follows a large initial delay. */
  if (!json_object_has_member (object, "max_delay"))
    retry->max_delay = MAX (DEFAULT_RETRY_MAX_DELAY, retry->initial_delay);
  if (retry->max_delay < retry->initial_delay)
    ff_parser_value_error (p, max_field, _ ("a delay at least as long as initial_delay"),
                           json_object_get_member (object, "max_delay"));
}

void
ff_parser_parse_retry_strategy (Parser *p, const gchar *field, JsonNode *node, gpointer dest)
{
  const gchar *expected = _ ("one of “exponential_backoff”, “fixed_delay” or “custom_schedule”");
  FfRetryStrategy **out = dest;
  g_autofree gchar *type_field = ff_parser_field_name (field, "type");
  g_autoptr (FfRetryStrategy) retry = NULL;
  JsonObject *object;
  JsonNode *type;
  guint n_errors = p->errors->len;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      ff_parser_type_error (
          p, field, _ ("an object such as {\"type\": \"fixed_delay\", \"delay\": 60}"), node);
      return;
    }
  object = json_node_get_object (node);
  type = json_object_get_member (object, "type");
  if (type == NULL || JSON_NODE_HOLDS_NULL (type))
    {
      ff_parser_missing_error (p, type_field, expected);
      return;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (retry_kinds); i++)
    {
      if (!ff_parser_node_is_string (type) ||
          g_strcmp0 (json_node_get_string (type), retry_kinds[i].name))
        continue;
      retry = ff_retry_strategy_new (retry_kinds[i].kind);
      ff_parser_parse_members (p, field, object, retry_kinds[i].fields, retry_kinds[i].n_fields,
                               retry);
      check_retry_strategy (p, field, object, retry);
      if (p->errors->len == n_errors)
        {
          ff_retry_strategy_free (*out);
          *out = g_steal_pointer (&retry);
        }
      return;
    }
  if (ff_parser_node_is_string (type))
    ff_parser_value_error (p, type_field, expected, type);
  else
    ff_parser_type_error (p, type_field, expected, type);
}
