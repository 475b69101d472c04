/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ff-pipeline-private.h"
#include "ff-retry-strategy.h"

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
