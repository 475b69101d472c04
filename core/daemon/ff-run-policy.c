/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ff-run-policy.h"

/* The schedules[] entry a run was started with, if any. */
const FfSchedule *
ff_run_policy_run_config (FfPipeline *pipeline, FfRun *run)
{
  const gchar *id = ff_run_get_run_config (run);

  if (pipeline == NULL || id == NULL || *id == '\0')
    return NULL;
  return ff_pipeline_lookup_schedule (pipeline, id);
}

/* The first attempt and the retries of the run configuration, else of the
 * pipeline. */
guint
ff_run_policy_max_attempts (FfPipeline *pipeline, const gchar *run_config)
{
  const FfSchedule *config =
      run_config != NULL ? ff_pipeline_lookup_schedule (pipeline, run_config) : NULL;

  if (config != NULL && config->retry_attempts >= 0)
    return 1 + (guint) config->retry_attempts;
  return 1 + ff_pipeline_get_retry_attempts (pipeline);
}

/* Whether a failed attempt of a run with attempts left gets another: not
 * whatever the user stopped or fastflow refused, nor a refusal of the
 * service the executor runs pipelines on (a proxy's 403: a flag is off),
 * which no waiting changes; its hint is worth more at once. Other
 * infrastructure errors are retried like pipeline errors. (Not while
 * shutting down: the caller knows.) */
gboolean
ff_run_policy_should_retry (FfRun *run, FfReason reason)
{
  if (ff_run_get_attempt (run) >= ff_run_get_max_attempts (run))
    return FALSE;
  switch (reason)
    {
    case FF_REASON_NONE:
    case FF_REASON_CANCELLED:
    case FF_REASON_REFUSED:
    case FF_REASON_PROXY_FORBIDDEN:
    case FF_REASON_ORCHESTRATOR_RESTARTED:
      return FALSE;
    default:
      return TRUE;
    }
}

/* Seconds until the next attempt: the run configuration's retry_strategy,
 * else the pipeline's. */
gdouble
ff_run_policy_retry_delay (FfPipeline *pipeline, FfRun *run)
{
  const FfSchedule *config = ff_run_policy_run_config (pipeline, run);
  const FfRetryStrategy *strategy = NULL;

  if (config != NULL && config->retry_strategy != NULL)
    strategy = config->retry_strategy;
  else if (pipeline != NULL)
    strategy = ff_pipeline_get_retry (pipeline);
  return strategy != NULL ? ff_retry_strategy_get_delay (strategy, ff_run_get_attempt (run)) : 0;
}

/* Seconds, 0 for none: a run configuration's value wins over the
 * pipeline's, which wins over the daemon's default. */
gint64
ff_run_policy_timeout (FfPipeline *pipeline, FfRun *run, gint64 daemon_default)
{
  const FfSchedule *config = ff_run_policy_run_config (pipeline, run);
  gint64 timeout = pipeline != NULL ? ff_pipeline_get_timeout (pipeline) : -1;

  if (config != NULL && config->timeout >= 0)
    timeout = config->timeout;
  return timeout >= 0 ? timeout : daemon_default;
}

gboolean
ff_run_policy_trigger_matches (const FfTrigger *trigger, FfRun *run)
{
  FfRunState state = ff_run_get_state (run);

  /* a run someone stopped is not a result to act on */
  if (state == FF_RUN_STATE_CANCELLED)
    return FALSE;
  if (trigger->on_route != NULL)
    return g_strcmp0 (trigger->on_route, ff_run_get_route (run)) == 0;
  if (state == FF_RUN_STATE_SUCCEEDED)
    return trigger->on_success;
  return trigger->on_failure;
}

/* downstream_triggers: (element-type FfTrigger) (transfer container) the
 * triggers of @pipeline that the end of @run fires, in their order. */
GPtrArray *
ff_run_policy_dup_triggers_to_fire (FfPipeline *pipeline, FfRun *run)
{
  GPtrArray *fire = g_ptr_array_new ();
  GPtrArray *triggers;

  if (pipeline == NULL || ff_pipeline_is_broken (pipeline))
    return fire;
  triggers = ff_pipeline_get_downstream_triggers (pipeline);
  for (guint i = 0; triggers != NULL && i < triggers->len; i++)
    {
      if (ff_run_policy_trigger_matches (g_ptr_array_index (triggers, i), run))
        g_ptr_array_add (fire, g_ptr_array_index (triggers, i));
    }
  return fire;
}

/* restart_on_crash: a pipeline whose run failed starts again; one that
 * ended well, was stopped or was refused does not. (Whether a restart is
 * pending already, the caller knows.) */
gboolean
ff_run_policy_should_restart_on_crash (FfPipeline *pipeline, FfRun *run)
{
  return pipeline != NULL && !ff_pipeline_is_broken (pipeline) &&
         ff_pipeline_get_restart_on_crash (pipeline) && ff_pipeline_get_enabled (pipeline) &&
         ff_run_get_state (run) == FF_RUN_STATE_FAILED &&
         ff_run_get_reason (run) != FF_REASON_REFUSED;
}
