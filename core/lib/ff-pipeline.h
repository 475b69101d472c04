/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

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
 * FfTrigger:
 * @pipeline: the downstream pipeline
 * @on_success: fire when the upstream run succeeded
 * @on_failure: fire when it failed
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

/* A name is [A-Za-z0-9_.-]+ without a leading dot. */
gboolean ff_pipeline_name_is_valid (const gchar *name);

/* Parses a size such as 512, "512m", "1.5g", "2GiB", "100 MB". */
gboolean ff_parse_size (const gchar *text, guint64 *bytes);

FfPipeline *ff_pipeline_new_from_dir (const gchar *dir, GError **error);

const gchar *ff_pipeline_get_name (FfPipeline *self);
const gchar *ff_pipeline_get_dir (FfPipeline *self);

gboolean ff_pipeline_is_broken (FfPipeline *self);
const gchar *ff_pipeline_get_error (FfPipeline *self);
const gchar *const *ff_pipeline_get_warnings (FfPipeline *self);

const gchar *ff_pipeline_get_description (FfPipeline *self);
const gchar *const *ff_pipeline_get_tags (FfPipeline *self);
gboolean ff_pipeline_get_enabled (FfPipeline *self);
gint64 ff_pipeline_get_timeout (FfPipeline *self);
guint ff_pipeline_get_retry_attempts (FfPipeline *self);
FfRetryStrategyKind ff_pipeline_get_retry_strategy (FfPipeline *self);
gdouble ff_pipeline_get_retry_initial_delay (FfPipeline *self);
gdouble ff_pipeline_get_retry_max_delay (FfPipeline *self);
gdouble ff_pipeline_get_retry_multiplier (FfPipeline *self);
GArray *ff_pipeline_get_retry_custom_delays (FfPipeline *self);
gdouble ff_pipeline_get_cpu_hard_limit (FfPipeline *self);
guint64 ff_pipeline_get_mem_hard_limit (FfPipeline *self);
gdouble ff_pipeline_get_cpu_soft_limit (FfPipeline *self);
guint64 ff_pipeline_get_mem_soft_limit (FfPipeline *self);
GHashTable *ff_pipeline_get_default_env (FfPipeline *self);
const gchar *ff_pipeline_get_schedule_cron (FfPipeline *self);
guint64 ff_pipeline_get_schedule_interval_seconds (FfPipeline *self);
gint64 ff_pipeline_get_schedule_start (FfPipeline *self);
gint64 ff_pipeline_get_schedule_end (FfPipeline *self);
gint64 ff_pipeline_get_run_once_at (FfPipeline *self);
GPtrArray *ff_pipeline_get_schedules (FfPipeline *self);
guint ff_pipeline_get_max_instances (FfPipeline *self);
GPtrArray *ff_pipeline_get_downstream_triggers (FfPipeline *self);
gboolean ff_pipeline_get_restart_on_crash (FfPipeline *self);
guint ff_pipeline_get_restart_cooldown (FfPipeline *self);
const gchar *ff_pipeline_get_python_version (FfPipeline *self);
const gchar *ff_pipeline_get_webhook_key (FfPipeline *self);
const gchar *ff_pipeline_get_executor (FfPipeline *self);
const gchar *ff_pipeline_get_image (FfPipeline *self);
const gchar *ff_pipeline_get_network (FfPipeline *self);
const gchar *const *ff_pipeline_get_command (FfPipeline *self);

gchar **ff_pipeline_dup_entry_argv (FfPipeline *self, const gchar *python, GError **error);

G_END_DECLS
