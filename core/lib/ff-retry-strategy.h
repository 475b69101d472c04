/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__FASTFLOW_H_INSIDE__) && !defined(FASTFLOW_COMPILATION)
#error "Only <fastflow.h> can be included directly."
#endif

#include <glib-object.h>

G_BEGIN_DECLS

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

G_END_DECLS
