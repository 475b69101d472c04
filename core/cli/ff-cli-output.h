/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "fastflow.h"

G_BEGIN_DECLS

/* Colours only for a terminal, and never with NO_COLOR set. */
gboolean ff_cli_use_color (gint fd);
gchar *ff_cli_badge (const gchar *state, const gchar *error_class, gboolean color);
const gchar *ff_cli_describe_id (const gchar *id);
gchar *ff_cli_format_time (gint64 usec);
gchar *ff_cli_format_duration (gint64 start_usec, gint64 end_usec);
gchar *ff_cli_format_size (guint64 bytes);
/* The run's exit code, or "-" while it has none: not yet ended, or ended
 * without its program exiting (refused, never started, lost). */
gchar *ff_cli_format_exit_code (FfClientRun *run);
JsonNode *ff_cli_run_to_json (FfClientRun *run);
void ff_cli_print_json (JsonNode *node);
/* Text from the daemon (pipeline-authored descriptions, names, messages)
 * made safe for a terminal: no escape sequences, no control characters;
 * newlines only with @keep_newlines, as spaces otherwise. */
gchar *ff_cli_printable (const gchar *text, gboolean keep_newlines);
/* Pads @text (made printable) with spaces to @width columns (not bytes). */
gchar *ff_cli_pad (const gchar *text, guint width);
/* The columns @text takes on a terminal: wide (CJK) characters two,
 * combining marks none. */
guint ff_cli_display_width (const gchar *text);

/* A table whose columns are as wide as their widest cell, measured in
 * terminal columns, so that translated headers and values never run into
 * the next column. */
typedef struct _FfCliTable FfCliTable;
FfCliTable *ff_cli_table_new (const gchar *first_header, ...) G_GNUC_NULL_TERMINATED;
/* Cells are made printable; as many as the headers. */
void ff_cli_table_add_row (FfCliTable *table, const gchar *first_cell, ...) G_GNUC_NULL_TERMINATED;
/* Shows @painted (colour codes around the cell's text) in place of the
 * last row's cell @column, padded by the plain text's width. */
void ff_cli_table_paint (FfCliTable *table, guint column, const gchar *painted);
/* A line of its own under the last row (a broken pipeline's error),
 * not measured for the columns. */
void ff_cli_table_add_note (FfCliTable *table, const gchar *line);
/* The table, each line after @indent. */
gchar *ff_cli_table_format (FfCliTable *table, const gchar *indent);
void ff_cli_table_free (FfCliTable *table);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FfCliTable, ff_cli_table_free)

G_END_DECLS
