/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__FASTFLOW_H_INSIDE__) && !defined(FASTFLOW_COMPILATION)
#error "Only <fastflow.h> can be included directly."
#endif

#include <glib-object.h>

G_BEGIN_DECLS

#define FF_TYPE_PIPELINE (ff_pipeline_get_type ())
G_DECLARE_FINAL_TYPE (FfPipeline, ff_pipeline, FF, PIPELINE, GObject)

/**
 * FfRetryStrategyKind:
 * @FF_RETRY_STRATEGY_FIXED_DELAY: the same delay before each retry
 * @FF_RETRY_STRATEGY_EXPONENTIAL_BACKOFF: delay × multiplier each time, up to a maximum
 * @FF_RETRY_STRATEGY_CUSTOM_SCHEDULE: an explicit list of delays
 */
typedef enum
{
  FF_RETRY_STRATEGY_FIXED_DELAY,
  FF_RETRY_STRATEGY_EXPONENTIAL_BACKOFF,
  FF_RETRY_STRATEGY_CUSTOM_SCHEDULE,
} FfRetryStrategyKind;

/**
 * FfRetryStrategy:
 * @kind: how the delay grows
 * @initial_delay: seconds before the first retry; for fixed_delay the delay
 *   before every retry
 * @max_delay: the cap of exponential_backoff, in seconds
 * @multiplier: the growth factor of exponential_backoff
 * @custom_delays: (element-type gdouble) (nullable): seconds before each
 *   retry for custom_schedule (the last one repeats), else %NULL
 *
 * `retry_strategy` of pipeline.json. Without one a pipeline waits a fixed
 * 60 seconds, as Fast-Flow does.
 */
typedef struct
{
  FfRetryStrategyKind kind;
  gdouble initial_delay;
  gdouble max_delay;
  gdouble multiplier;
  GArray *custom_delays;
} FfRetryStrategy;

#define FF_TYPE_RETRY_STRATEGY (ff_retry_strategy_get_type ())
GType ff_retry_strategy_get_type (void);
FfRetryStrategy *ff_retry_strategy_copy (const FfRetryStrategy *self);
void ff_retry_strategy_free (FfRetryStrategy *self);
/* Seconds to wait before retry number @retry (1 = the first retry). */
gdouble ff_retry_strategy_get_delay (const FfRetryStrategy *self, guint retry);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FfRetryStrategy, ff_retry_strategy_free)

/**
 * FfTrigger:
 * @pipeline: the downstream pipeline
 * @on_success: fire when the upstream run succeeded (default %TRUE)
 * @on_failure: fire when it failed (default %FALSE)
 * @on_route: (nullable): fire when the upstream run wrote this route
 * @run_config_id: (nullable): the `schedules[]` id to run with
 */
typedef struct
{
  gchar *pipeline;
  gboolean on_success;
  gboolean on_failure;
  gchar *on_route;
  gchar *run_config_id;
} FfTrigger;

#define FF_TYPE_TRIGGER (ff_trigger_get_type ())
GType ff_trigger_get_type (void);
FfTrigger *ff_trigger_copy (const FfTrigger *self);
void ff_trigger_free (FfTrigger *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FfTrigger, ff_trigger_free)

/**
 * FfSchedule:
 * @id: the run configuration's id (`run_config_id`), unique in the pipeline
 * @enabled: %FALSE keeps the schedule but never fires it
 * @schedule_cron: (nullable): a five-field cron expression
 * @schedule_interval_seconds: seconds between runs, 0 if unset
 * @schedule_start: µs since the epoch the schedule starts, 0 if unset
 * @schedule_end: µs since the epoch it ends (inclusive), 0 if unset
 * @run_once_at: µs since the epoch of a single run, 0 if unset
 * @default_env: (element-type utf8 utf8): this schedule's variables; they
 *   override the pipeline's `default_env`. Never %NULL.
 * @timeout: seconds, 0 = none, -1 = the pipeline's
 * @retry_attempts: -1 = the pipeline's
 * @retry_strategy: (nullable): %NULL = the pipeline's
 * @cpu_hard_limit: cores, 0 = the pipeline's
 * @mem_hard_limit: bytes, 0 = the pipeline's
 * @cpu_soft_limit: cores, 0 = the pipeline's
 * @mem_soft_limit: bytes, 0 = the pipeline's
 * @webhook_key: (nullable): a webhook key that runs this configuration
 *
 * One entry of `schedules[]`: a named run configuration with its own timer
 * and overrides. When a pipeline has schedules, its top-level
 * schedule_* fields are not used for timers (as in Fast-Flow).
 */
typedef struct
{
  gchar *id;
  gboolean enabled;
  gchar *schedule_cron;
  guint64 schedule_interval_seconds;
  gint64 schedule_start;
  gint64 schedule_end;
  gint64 run_once_at;
  GHashTable *default_env;
  gint64 timeout;
  gint retry_attempts;
  FfRetryStrategy *retry_strategy;
  gdouble cpu_hard_limit;
  guint64 mem_hard_limit;
  gdouble cpu_soft_limit;
  guint64 mem_soft_limit;
  gchar *webhook_key;
} FfSchedule;

#define FF_TYPE_SCHEDULE (ff_schedule_get_type ())
GType ff_schedule_get_type (void);
FfSchedule *ff_schedule_copy (const FfSchedule *self);
void ff_schedule_free (FfSchedule *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FfSchedule, ff_schedule_free)

/**
 * FfPipeline:
 *
 * One pipeline folder, parsed. The folder name is the pipeline's name; the
 * entry is `command` from pipeline.json, else `main.py`, else `main.sh`.
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

/* command as is; main.py → { python (default "python3"), "main.py" };
 * main.sh → { "sh", "main.sh" }. Fails with FF_ERROR_BROKEN_PIPELINE. */
gchar **ff_pipeline_dup_entry_argv (FfPipeline *self, const gchar *python, GError **error);

G_END_DECLS
