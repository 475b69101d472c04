/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__FASTFLOW_H_INSIDE__) && !defined(FASTFLOW_COMPILATION)
#error "Only <fastflow.h> can be included directly."
#endif

#include <glib-object.h>

#include "ff-retry-strategy.h"

G_BEGIN_DECLS

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
  GHashTable *encrypted_env; /* name → Fernet token, decrypted by fastflowd for each run */
} FfSchedule;

#define FF_TYPE_SCHEDULE (ff_schedule_get_type ())
GType ff_schedule_get_type (void);
FfSchedule *ff_schedule_copy (const FfSchedule *self);
void ff_schedule_free (FfSchedule *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FfSchedule, ff_schedule_free)

G_END_DECLS
