/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The parser of pipeline.json, in three files: ff-pipeline-reader.c reads
 * the file and its JSON values and words the messages;
 * ff-pipeline-parser.c knows what each field means; ff-retry-strategy.c
 * reads retry_strategy next to the type it fills. Not installed. */

#include <json-glib/json-glib.h>

#include "ff-pipeline-private.h"

G_BEGIN_DECLS

#define ONE_YEAR (G_GINT64_CONSTANT (365) * 24 * 3600)

/* Where messages go, and the file they name. */
typedef struct
{
  const gchar *file;
  GPtrArray *errors;
  GPtrArray *warnings;
} Parser;

typedef struct
{
  gint64 min;
  gint64 max;
  const gchar *expected; /* N_() */
  const gchar *maximum;  /* N_() */
  /* Fast-Flow passes this field through int(), so "60" works there. */
  gboolean from_string;
} IntRule;

typedef struct
{
  gdouble min;
  gboolean min_exclusive;
  gdouble max;
  const gchar *expected; /* N_() */
  const gchar *maximum;  /* N_() */
} NumberRule;

/* Reads @node, the value of @field, into @dest, or adds a message. */
typedef void (*FieldFunc) (Parser *p, const gchar *field, JsonNode *node, gpointer dest);

typedef struct
{
  const gchar *name;
  FieldFunc parse;
  gsize offset; /* of the destination in the object parsed */
} Field;

/* ---- messages ---- */

G_GNUC_INTERNAL gchar *ff_parser_field_name (const gchar *prefix, const gchar *name);
G_GNUC_INTERNAL gchar *ff_parser_describe_value (JsonNode *node);
G_GNUC_INTERNAL gchar *ff_parser_format_date_time (gint64 usec);
G_GNUC_INTERNAL void
ff_parser_add_error (Parser *p, const gchar *field, const gchar *expected, const gchar *got);
G_GNUC_INTERNAL void
ff_parser_type_error (Parser *p, const gchar *field, const gchar *expected, JsonNode *node);
G_GNUC_INTERNAL void
ff_parser_value_error (Parser *p, const gchar *field, const gchar *expected, JsonNode *node);
G_GNUC_INTERNAL void ff_parser_missing_error (Parser *p, const gchar *field, const gchar *expected);
/* takes @message */
G_GNUC_INTERNAL void ff_parser_add_warning (Parser *p, gchar *message);

/* ---- values ---- */

G_GNUC_INTERNAL gboolean ff_parser_node_is_string (JsonNode *node);
G_GNUC_INTERNAL gboolean ff_parser_node_is_number (JsonNode *node);
G_GNUC_INTERNAL gboolean ff_parser_node_is_boolean (JsonNode *node);
G_GNUC_INTERNAL gboolean ff_parser_node_get_whole (JsonNode *node, gint64 *out);
G_GNUC_INTERNAL gboolean ff_parser_read_integer (
    Parser *p, const gchar *field, JsonNode *node, const IntRule *rule, gint64 *out);
G_GNUC_INTERNAL gboolean ff_parser_read_number (
    Parser *p, const gchar *field, JsonNode *node, const NumberRule *rule, gdouble *out);
G_GNUC_INTERNAL gboolean ff_parser_read_word (
    Parser *p, const gchar *field, JsonNode *node, const gchar *expected, gchar **out);
G_GNUC_INTERNAL gboolean
ff_parser_read_strv (Parser *p, const gchar *field, JsonNode *node, gboolean non_empty, GStrv *out);
G_GNUC_INTERNAL void ff_parser_read_date_time (
    Parser *p, const gchar *field, JsonNode *node, gboolean end_of_day, gint64 *out);
/* Each member of @object by the rule of its name in @fields, into @base;
 * unknown members only add a warning. */
G_GNUC_INTERNAL void ff_parser_parse_members (Parser *p,
                                              const gchar *prefix,
                                              JsonObject *object,
                                              const Field *fields,
                                              gsize n_fields,
                                              gpointer base);

/* ---- fields ---- */

/* retry_strategy, in ff-retry-strategy.c */
G_GNUC_INTERNAL void
ff_parser_parse_retry_strategy (Parser *p, const gchar *field, JsonNode *node, gpointer dest);

/* ---- the file ---- */

G_GNUC_INTERNAL gboolean ff_parser_read_json_file (const gchar *path, Parser *p, GBytes **out);
/* Returns: (nullable): a JSON object */
G_GNUC_INTERNAL JsonNode *ff_parser_parse_json (GBytes *bytes, Parser *p);

G_END_DECLS
