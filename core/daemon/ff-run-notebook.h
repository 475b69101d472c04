/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Notebook pipelines in a run job: the notebook runner's command, and the
 * cell a failed run names. Shared by ff-run-job.c and ff-run-reattach.c. */

#include "ff-run-job-private.h"

G_BEGIN_DECLS

#define FF_NOTEBOOK_RUNNER "ff-notebook-runner.py"

gchar **ff_notebook_runner_argv (const gchar *const *entry_argv, const gchar *tools_path);
void ff_run_job_use_notebook_runner (
    FfRunJob *self, FfPipeline *pipeline, FfExecutor *executor, FfRunRequest *request, GStrv *argv);
void ff_run_job_watch_notebook (FfRunJob *self, GBytes *data);
gchar *ff_run_job_take_failed_cell (FfRunJob *self);

G_END_DECLS
