/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What fastflowctl's commands share: its state, its exit codes, the
 * connection to fastflowd and the parsing of a command's options
 * (fastflowctl.c). Private to fastflowctl. */

#include <json-glib/json-glib.h>

#include "fastflow.h"

G_BEGIN_DECLS

/* fastflowctl's own failures; a run's outcome uses DESIGN §7's codes */
#define EXIT_USAGE 2
/* `run` could not start or follow the run: as an infrastructure error */
#define EXIT_RUN_INFRA 125

typedef struct
{
  const gchar *command;
  gboolean system;
  GBusType bus_type;
  FfClient *client;
  GMainLoop *loop;
  gint status;
} Ctl;

void ff_cli_print_error (const gchar *format, ...) G_GNUC_PRINTF (1, 2);
/* Returns EXIT_USAGE, for `return ff_cli_usage_error (…)`. */
gint ff_cli_usage_error (Ctl *ctl, const gchar *format, ...) G_GNUC_PRINTF (2, 3);
void ff_cli_print_gerror (Ctl *ctl, GError *error);
gboolean ff_cli_connect_manager (Ctl *ctl);
gboolean ff_cli_parse_run_id (Ctl *ctl, const gchar *text, guint64 *id);
FfClientRun *ff_cli_lookup_run (Ctl *ctl, guint64 id);
GOptionContext *ff_cli_command_context (Ctl *ctl,
                                        const gchar *params,
                                        const gchar *summary,
                                        const GOptionEntry *entries);
gboolean ff_cli_parse_options (
    Ctl *ctl, GOptionContext *context, gint *argc, gchar ***argv, gint nargs_min, gint nargs_max);

/* ff-cli-runs.c */
gint ff_cli_cmd_run (Ctl *ctl, gint argc, gchar **argv);
gint ff_cli_cmd_rerun (Ctl *ctl, gint argc, gchar **argv);
gint ff_cli_cmd_logs (Ctl *ctl, gint argc, gchar **argv);
gint ff_cli_cmd_status (Ctl *ctl, gint argc, gchar **argv);
gint ff_cli_cmd_runs (Ctl *ctl, gint argc, gchar **argv);
gint ff_cli_cmd_cancel (Ctl *ctl, gint argc, gchar **argv);
gint ff_cli_cmd_wait (Ctl *ctl, gint argc, gchar **argv);

/* ff-cli-pipelines.c */
gint ff_cli_cmd_pipelines (Ctl *ctl, gint argc, gchar **argv);
gint ff_cli_cmd_executors (Ctl *ctl, gint argc, gchar **argv);
gint ff_cli_cmd_reload (Ctl *ctl, gint argc, gchar **argv);
void ff_cli_add_executor_members (JsonBuilder *b,
                                  const gchar *name,
                                  gboolean available,
                                  const gchar *message);

/* ff-cli-time.c: --since TIME; 0 for none (@text NULL) */
gboolean ff_cli_parse_since (Ctl *ctl, const gchar *text, gint64 *usec);

/* ff-cli-logtail.c */
GByteArray *ff_cli_read_log (FfClientRun *run, GError **error);
/* Where the last @lines lines of @data start. */
gsize ff_cli_tail_offset (const guint8 *data, gsize len, guint lines);

/* ff-cli-pipeline.c: `pipelines NAME` */
gint ff_cli_show_pipeline (Ctl *ctl, GVariant *pipelines, const gchar *name, gboolean json);

/* ff-cli-status.c: `status` without a run */
gint ff_cli_print_overview (Ctl *ctl, gboolean json);

/* ff-cli-encrypt.c */
gint ff_cli_cmd_encrypt (Ctl *ctl, gint argc, gchar **argv);

/* ff-cli-metrics.c */
gint ff_cli_cmd_metrics (Ctl *ctl, gint argc, gchar **argv);
gint ff_cli_cmd_top (Ctl *ctl, gint argc, gchar **argv);

G_END_DECLS
