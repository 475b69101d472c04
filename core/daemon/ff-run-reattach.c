/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Following again, after fastflowd restarted, a run that an earlier
 * fastflowd of the same state folder launched (kill -9, on_stop =
 * leave-running): the log goes on where its saved position says, the
 * output sent again is masked and skipped as far as the log has it. */
#include "config.h"

#include <inttypes.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "ff-encrypted-env.h"
#include "ff-run-job-private.h"
#include "ff-run-policy.h"

/* The run printed its secrets with the values it was started with; the
 * configuration may hold others by now. Where the executor tells the
 * values it still has (a container's environment), those are hidden. */
static void
hide_secrets_of_execution (FfRunJob *self, FfExecution *execution)
{
  gchar **envp = (gchar **) ff_execution_get_environ (execution);
  g_autoptr (GStrvBuilder) values = g_strv_builder_new ();
  g_auto (GStrv) all = NULL;

  if (envp == NULL || self->secret_names == NULL)
    return;
  for (gsize i = 0; self->secret_names[i] != NULL; i++)
    {
      const gchar *value = g_environ_getenv (envp, self->secret_names[i]);

      /* not there: the configured values stay better than none */
      if (value == NULL)
        return;
      g_strv_builder_add (values, value);
    }
  all = g_strv_builder_end (values);
  ff_run_job_set_masker (self, (const gchar *const *) all);
}

static void
on_reattached (GObject *source, GAsyncResult *result, gpointer user_data)
{
  FfRunJob *self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (FfExecution) execution = NULL;

  execution = ff_executor_reattach_finish (FF_EXECUTOR (source), result, &error);
  if (execution == NULL)
    {
      g_autofree gchar *message = ff_message_new (
          GETTEXT_PACKAGE, N_ ("The run could not be followed again after fastflowd restarted: %s"),
          error->message, NULL);

      ff_run_job_emit_ended (self, FF_REASON_ORCHESTRATOR_RESTARTED, -1, message);
      return;
    }
  g_message (_ ("Run %" PRIu64 " of %s is followed again after the restart"),
             ff_run_get_id (self->run), ff_run_get_pipeline (self->run));
  hide_secrets_of_execution (self, execution);
  ff_run_job_follow (self, execution);
  ff_run_job_emit_started (self, TRUE);
}

/* What a re-attached run needs of a request: whose run and attempt it is,
 * where its container is found, and its limits for the collectors. */
static FfRunRequest *
build_reattach_request (FfRunJob *self, FfPipeline *pipeline)
{
  FfRun *run = self->run;
  g_autoptr (FfRunRequest) request =
      ff_run_request_new (ff_run_get_id (run), ff_run_get_pipeline (run));
  g_autofree gchar *id = g_strdup_printf ("%" G_GUINT64_FORMAT, ff_run_get_id (run));

  ff_run_request_set_attempt (request, ff_run_get_attempt (run));
  ff_run_request_set_executor (request, ff_run_get_executor (run));
  /* its output is sent again from the start: a failed cell is found */
  self->notebook = ff_pipeline_is_notebook (pipeline);
  ff_run_request_set_label (request, "org.fastflow.run-id", id);
  ff_run_request_set_label (request, "org.fastflow.pipeline", ff_run_get_pipeline (run));
  ff_run_request_set_label (request, "org.fastflow.instance", self->host->instance);
  ff_run_request_set_stop_grace_ms (request, ff_config_get_stop_grace_ms (self->host->config));
  if (pipeline != NULL && !ff_pipeline_is_broken (pipeline))
    {
      ff_run_request_set_pipeline_dir (request, ff_pipeline_get_dir (pipeline));
      ff_run_job_apply_limits (self, pipeline, request);
    }
  return g_steal_pointer (&request);
}

/* The output sent again is masked as it was the first time, or the run is
 * not followed: a secret whose value is gone with the daemon (given only
 * with StartRun) could not be hidden. The same masker gives the same bytes,
 * so the skip stays exact. */
static gboolean
hide_secrets_again (FfRunJob *self, FfPipeline *pipeline, GError **error)
{
  g_autoptr (FfRunRequest) env =
      ff_run_request_new (ff_run_get_id (self->run), ff_run_get_pipeline (self->run));

  if (pipeline == NULL)
    {
      g_set_error (error, FF_ERROR, FF_ERROR_NO_SUCH_PIPELINE,
                   _ ("The pipeline “%s” no longer exists, so its secrets are not known"),
                   ff_run_get_pipeline (self->run));
      return FALSE;
    }
  ff_run_set_secrets (self->run, ff_pipeline_get_secrets (pipeline));
  g_strfreev (self->secret_names);
  /* a run configuration's encrypted_env is hidden too */
  self->secret_names =
      ff_encrypted_env_dup_secret_names (pipeline, ff_run_policy_run_config (pipeline, self->run));
  return ff_run_job_add_env (self, pipeline, env, error);
}

/* The log of a run found running goes on exactly where the killed daemon
 * last saved its position: anything written after that is cut and comes
 * again from the executor, and what came before is skipped when sent again. */
static gboolean
prepare_reattach (FfRunJob *self, FfPipeline *pipeline, GError **error)
{
  g_autofree gchar *path = ff_run_job_dup_path (self, "pos");
  g_autoptr (FfRunCheckpoint) checkpoint = ff_run_checkpoint_new (path);
  FfLogPosition pos = { 0 };
  gint last;

  if (!ff_run_checkpoint_load (checkpoint, &pos, error))
    return FALSE;
  if (pos.attempt != ff_run_get_attempt (self->run) ||
      pos.log_size > ff_run_log_get_size (self->log))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _ ("The run log %s does not match its saved position"),
                   ff_run_log_get_path (self->log));
      return FALSE;
    }
  if (!ff_run_log_truncate (self->log, pos.log_size, error) || !ff_run_log_open (self->log, error))
    return FALSE;
  last = ff_run_log_get_last_byte (self->log);
  self->mid_line = last >= 0 && last != '\n';
  self->consumed = pos.consumed;
  self->skip = pos.consumed;
  self->log_full = pos.log_full;
  self->checkpoint = g_steal_pointer (&checkpoint);
  self->request = build_reattach_request (self, pipeline);
  self->timeout = ff_run_policy_timeout (pipeline, self->run,
                                         ff_config_get_default_timeout (self->host->config));
  return hide_secrets_again (self, pipeline, error);
}

/* Finds the run's execution again; the job then emits started (TRUE), or
 * ended when nothing of it is left. FALSE with @error when the run cannot
 * be followed at all (its position or secrets are gone): nothing is
 * emitted then. Not cancellable: a run cancelled meanwhile is stopped once
 * it is found (ff_run_job_follow), rather than left running. */
gboolean
ff_run_job_reattach (FfRunJob *self, FfPipeline *pipeline, FfExecutor *executor, GError **error)
{
  if (!prepare_reattach (self, pipeline, error))
    return FALSE;
  ff_executor_reattach_async (executor, self->request, NULL, on_reattached, self);
  return TRUE;
}

/* A run lost with the earlier daemon: its position is of no use. */
void
ff_run_job_forget_position (FfRunJob *self)
{
  g_autofree gchar *position = ff_run_job_dup_path (self, "pos");

  g_unlink (position);
}
