/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Shared by ff-run-job.c and ff-run-reattach.c only. */

#include "ff-dependency-env.h"
#include "ff-run-checkpoint.h"
#include "ff-run-job.h"

G_BEGIN_DECLS

struct _FfRunJob
{
  GObject parent_instance;
  const FfRunJobHost *host;
  FfRun *run;
  FfRunLog *log;
  FfRunRequest *request;
  FfExecution *execution;
  GCancellable *cancellable;
  FfReason stop_reason;
  gint64 timeout; /* seconds of the attempt, 0 for none */
  guint timeout_id;
  FfSecretMasker *masker; /* the pipeline's secrets, hidden in its output */
  FfStream masked_stream; /* where what the masker holds back came from */
  gchar **secret_names;   /* re-attached: whose values the execution may tell */
  gboolean log_failed;
  gboolean mid_line; /* the log does not end with a newline */
  gboolean log_full; /* max_log_bytes reached: the rest is not kept */
  /* For executors that can follow a run again after a restart: how far the
   * log got, in the attempt's output (consumed) and in the file. */
  FfRunCheckpoint *checkpoint;
  guint64 consumed;
  guint64 skip; /* re-attached: output the log holds already, sent again */
  gboolean checkpoint_failed;
  /* a notebook pipeline: the end of its output, for a failed cell's
   * message (ff-run-notebook.c) */
  gboolean notebook;
  GByteArray *notebook_tail;
  gboolean notebook_tail_cut;
  /* the dependency environment and its build (ff-run-job-env.c) */
  FfDependencyEnvPlan env;
  gboolean env_held;
  FfExecutor *env_executor;
  FfRunRequest *build_request;
  FfExecution *build;
  GString *build_tail;
  gint64 build_started;
  guint env_wait_id;
};

gchar *ff_run_job_dup_path (FfRunJob *self, const gchar *suffix);
gboolean
ff_run_job_add_env (FfRunJob *self, FfPipeline *pipeline, FfRunRequest *request, GError **error);
void ff_run_job_apply_limits (FfRunJob *self, FfPipeline *pipeline, FfRunRequest *request);
void ff_run_job_set_masker (FfRunJob *self, const gchar *const *values);
void ff_run_job_follow (FfRunJob *self, FfExecution *execution);
void ff_run_job_emit_started (FfRunJob *self, gboolean reattached);
void ff_run_job_emit_ended (FfRunJob *self, FfReason reason, gint exit_code, const gchar *message);
void ff_run_job_record (FfRunJob *self, GBytes *data);
void ff_run_job_launch_attempt (FfRunJob *self, FfExecutor *executor);

/* ff-run-job-env.c */
gboolean ff_run_job_env_prepare (FfRunJob *self,
                                 FfPipeline *pipeline,
                                 FfExecutor *executor,
                                 FfRunRequest *request,
                                 GError **error);
gboolean ff_run_job_env_launch (FfRunJob *self, FfExecutor *executor);
gboolean ff_run_job_env_stop (FfRunJob *self);
void ff_run_job_env_clear (FfRunJob *self);
void ff_run_job_env_dispose (FfRunJob *self);

G_END_DECLS
