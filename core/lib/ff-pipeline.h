/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__FASTFLOW_H_INSIDE__) && !defined(FASTFLOW_COMPILATION)
#error "Only <fastflow.h> can be included directly."
#endif

#include <glib-object.h>

#include "ff-retry-strategy.h"
#include "ff-schedule.h"
#include "ff-trigger.h"

G_BEGIN_DECLS

#define FF_TYPE_PIPELINE (ff_pipeline_get_type ())
G_DECLARE_FINAL_TYPE (FfPipeline, ff_pipeline, FF, PIPELINE, GObject)

/**
 * FfPipeline:
 *
 * One pipeline folder, parsed. The folder name is the pipeline's name; the
 * entry is `command` from pipeline.json, else `main.py`, else `main.sh`;
 * with `"type": "notebook"`, `main.ipynb` only.
 * pipeline.json (or, as in Fast-Flow, `<name>.json`) is optional.
 *
 * A pipeline whose pipeline.json cannot be used is still an object: it is
 * broken, and ff_pipeline_get_error() says which file, field and value is
 * wrong and what was expected. The getters of a broken pipeline return the
 * defaults. Unknown fields only add warnings.
 *
 * Date-times without a zone are UTC, and a date alone is the start of that
 * day (the end of it for `schedule_end`), as in Fast-Flow.
 */

/* A name is [A-Za-z0-9_.-]+ without a leading dot, at most 255 bytes. */
gboolean ff_pipeline_name_is_valid (const gchar *name);

/* Parses a size such as 512, "512m", "1.5g", "2GiB", "100 MB". Units are
 * binary as in Docker (k = KiB = 1024, m, g, t, p), case-insensitive, with
 * an optional "b"/"ib" and optional spaces. */
gboolean ff_parse_size (const gchar *text, guint64 *bytes);

FfPipeline *ff_pipeline_new_from_dir (const gchar *dir, GError **error);

const gchar *ff_pipeline_get_name (FfPipeline *self);
const gchar *ff_pipeline_get_dir (FfPipeline *self);
/* (nullable) the pipeline.json (or <name>.json) that was read */
const gchar *ff_pipeline_get_json_path (FfPipeline *self);
/* A digest of what the pipeline was parsed from: equal fingerprints,
 * equal pipelines. */
const gchar *ff_pipeline_get_fingerprint (FfPipeline *self);

gboolean ff_pipeline_is_broken (FfPipeline *self);
/* (nullable) all errors, one per line; NULL if not broken */
const gchar *ff_pipeline_get_error (FfPipeline *self);
/* the errors one by one; empty if not broken */
const gchar *const *ff_pipeline_get_errors (FfPipeline *self);
void ff_pipeline_add_error (FfPipeline *self, const gchar *message);
gboolean ff_pipeline_has_added_errors (FfPipeline *self);
const gchar *const *ff_pipeline_get_warnings (FfPipeline *self);

/* (nullable) */
const gchar *ff_pipeline_get_description (FfPipeline *self);
/* never NULL */
const gchar *const *ff_pipeline_get_tags (FfPipeline *self);
gboolean ff_pipeline_get_enabled (FfPipeline *self);
/* seconds; 0 = no timeout; -1 = unset, use the configured default */
gint64 ff_pipeline_get_timeout (FfPipeline *self);
guint ff_pipeline_get_retry_attempts (FfPipeline *self);
/* never NULL */
const FfRetryStrategy *ff_pipeline_get_retry (FfPipeline *self);
gdouble ff_pipeline_get_retry_delay (FfPipeline *self, guint retry);
FfRetryStrategyKind ff_pipeline_get_retry_strategy (FfPipeline *self);
gdouble ff_pipeline_get_retry_initial_delay (FfPipeline *self);
gdouble ff_pipeline_get_retry_max_delay (FfPipeline *self);
gdouble ff_pipeline_get_retry_multiplier (FfPipeline *self);
/* (element-type gdouble) (nullable) only for custom_schedule */
GArray *ff_pipeline_get_retry_custom_delays (FfPipeline *self);
/* limits: 0 = unset */
gdouble ff_pipeline_get_cpu_hard_limit (FfPipeline *self);
guint64 ff_pipeline_get_mem_hard_limit (FfPipeline *self);
gdouble ff_pipeline_get_cpu_soft_limit (FfPipeline *self);
guint64 ff_pipeline_get_mem_soft_limit (FfPipeline *self);
/* (element-type utf8 utf8) never NULL */
GHashTable *ff_pipeline_get_default_env (FfPipeline *self);
const gchar *const *ff_pipeline_get_secrets (FfPipeline *self);
GHashTable *ff_pipeline_get_encrypted_env (FfPipeline *self);
/* (nullable) five fields, shape checked only */
const gchar *ff_pipeline_get_schedule_cron (FfPipeline *self);
/* 0 = unset; also 0 when schedule_cron is set, which wins as in Fast-Flow */
guint64 ff_pipeline_get_schedule_interval_seconds (FfPipeline *self);
/* µs since the epoch; 0 = unset */
gint64 ff_pipeline_get_schedule_start (FfPipeline *self);
gint64 ff_pipeline_get_schedule_end (FfPipeline *self);
gint64 ff_pipeline_get_run_once_at (FfPipeline *self);
/* (element-type FfSchedule) never NULL */
GPtrArray *ff_pipeline_get_schedules (FfPipeline *self);
/* (nullable) (transfer none) */
const FfSchedule *ff_pipeline_lookup_schedule (FfPipeline *self, const gchar *id);
/* 0 = unlimited */
guint ff_pipeline_get_max_instances (FfPipeline *self);
/* (element-type FfTrigger) never NULL */
GPtrArray *ff_pipeline_get_downstream_triggers (FfPipeline *self);
gboolean ff_pipeline_get_restart_on_crash (FfPipeline *self);
/* seconds; 60 unless set, as in Fast-Flow */
guint ff_pipeline_get_restart_cooldown (FfPipeline *self);
/* (nullable) cron: when a running run of a long-running pipeline restarts */
const gchar *ff_pipeline_get_restart_interval (FfPipeline *self);
/* seconds between such restarts (Fast-Flow's other form); 0 = none */
guint64 ff_pipeline_get_restart_interval_seconds (FfPipeline *self);
/* (nullable) the rest */
const gchar *ff_pipeline_get_python_version (FfPipeline *self);
const gchar *ff_pipeline_get_webhook_key (FfPipeline *self);
const gchar *ff_pipeline_get_executor (FfPipeline *self);
const gchar *ff_pipeline_get_image (FfPipeline *self);
/* (nullable) "none" or "bridge"; NULL = the executor's default */
const gchar *ff_pipeline_get_network (FfPipeline *self);
const gchar *const *ff_pipeline_get_command (FfPipeline *self);
/* (nullable) swarm placement constraints, e.g. "node.role==manager" */
const gchar *const *ff_pipeline_get_placement (FfPipeline *self);

gboolean ff_pipeline_is_notebook (FfPipeline *self);

/* command as is; main.py → { python (default "python3"), "main.py" };
 * main.sh → { "sh", "main.sh" }; a notebook → { python, "main.ipynb",
 * "--cells", "R:D,…" }, the arguments of fastflow's notebook runner, whose
 * path goes after python. Fails with FF_ERROR_BROKEN_PIPELINE. */
gchar **ff_pipeline_dup_entry_argv (FfPipeline *self, const gchar *python, GError **error);

G_END_DECLS
