/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ff-config.h"
#include "ff-dependency-env.h"
#include "ff-fernet.h"
#include "ff-run.h"
#include "ff-run-log.h"

G_BEGIN_DECLS

/* What the jobs of one orchestrator share; the orchestrator owns it and
 * outlives its jobs. */
typedef struct
{
  FfConfig *config;
  GPtrArray *collectors;    /* FfCollector */
  gchar *logs_dir;          /* absolute: executors mount route files from it */
  gchar *instance;          /* the org.fastflow.instance label: this state folder */
  gchar *daemon_id;         /* the org.fastflow.daemon label: this process */
  FfFernet *encryption_key; /* encrypted_env's; NULL: none (such pipelines are broken) */
  FfDependencyEnvs *envs;
} FfRunJobHost;

#define FF_TYPE_RUN_JOB (ff_run_job_get_type ())
G_DECLARE_FINAL_TYPE (FfRunJob, ff_run_job, FF, RUN_JOB, GObject)

/*
 * FfRunJob:
 *
 * One live run on its executor, attempt after attempt: builds each
 * attempt's request (environment, secrets, route file), launches or
 * re-attaches it, follows its execution (timeout, collectors) and records
 * its output: masked, into the log up to max_log_bytes, with the log
 * position saved for a restart, then announced.
 *
 * Signals: started (gboolean reattached) once an attempt runs; output
 * (guint64 offset, GBytes) for what went into the log; ended (gint reason,
 * gint exit_code, const gchar *message) once an attempt is over, with the
 * reason the job knows best (its own stop, else the executor's). What
 * happens then (retry, finish) is the orchestrator's to decide.
 */
FfRunJob *ff_run_job_new (const FfRunJobHost *host, FfRun *run, FfRunLog *log);

gboolean
ff_run_job_prepare (FfRunJob *self, FfPipeline *pipeline, FfExecutor *executor, GError **error);
void ff_run_job_launch (FfRunJob *self, FfExecutor *executor);
gboolean
ff_run_job_reattach (FfRunJob *self, FfPipeline *pipeline, FfExecutor *executor, GError **error);
void ff_run_job_forget_position (FfRunJob *self);

void ff_run_job_stop (FfRunJob *self, FfReason reason);
gboolean ff_run_job_is_executing (FfRunJob *self);
gboolean ff_run_job_can_leave_running (FfRunJob *self);
gboolean ff_run_job_get_log_failed (FfRunJob *self);

void ff_run_job_append_note (FfRunJob *self, const gchar *note);
gchar *ff_run_job_mask (FfRunJob *self, const gchar *text);

void ff_run_job_detach (FfRunJob *self);
void ff_run_job_let_go (FfRunJob *self);
void ff_run_job_take_route (FfRunJob *self);
void ff_run_job_close (FfRunJob *self);

G_END_DECLS
