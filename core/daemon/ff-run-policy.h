/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "fastflow.h"

#include "ff-run.h"

G_BEGIN_DECLS

/*
 * The decisions about a run that depend only on the run and its pipeline's
 * settings: no timers, no store, no executors. The orchestrator acts on
 * them; tests/test-run-policy.c pins them down. A @pipeline may be %NULL
 * where the run's pipeline is gone from the registry.
 */

const FfSchedule *ff_run_policy_run_config (FfPipeline *pipeline, FfRun *run);
guint ff_run_policy_max_attempts (FfPipeline *pipeline, const gchar *run_config);
gboolean ff_run_policy_should_retry (FfRun *run, FfReason reason);
gdouble ff_run_policy_retry_delay (FfPipeline *pipeline, FfRun *run);
gint64 ff_run_policy_timeout (FfPipeline *pipeline, FfRun *run, gint64 daemon_default);
gboolean ff_run_policy_trigger_matches (const FfTrigger *trigger, FfRun *run);
GPtrArray *ff_run_policy_dup_triggers_to_fire (FfPipeline *pipeline, FfRun *run);
gboolean ff_run_policy_should_restart_on_crash (FfPipeline *pipeline, FfRun *run);

G_END_DECLS
