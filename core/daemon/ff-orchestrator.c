/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <inttypes.h>

#include <glib/gi18n.h>
#include <errno.h>
#include <glib/gstdio.h>

#include "ff-encrypted-env.h"
#include "ff-journal.h"
#include "ff-orchestrator-private.h"
#include "ff-plugin-loader.h"
#include "ff-run-policy.h"

G_DEFINE_TYPE (FfOrchestrator, ff_orchestrator, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_RUNNING_RUNS,
  PROP_QUEUED_RUNS,
  N_PROPS
};

enum
{
  SIGNAL_RUN_ADDED,
  SIGNAL_RUN_CREATED,
  SIGNAL_RUN_OUTPUT,
  SIGNAL_RUN_FINISHED,
  SIGNAL_RUN_REMOVED,
  N_SIGNALS
};

static GParamSpec *props[N_PROPS];
static guint signals[N_SIGNALS];

static void
run_entry_free (RunEntry *entry)
{
  if (entry->expire_link != NULL)
    g_queue_delete_link (&entry->self->expiring, entry->expire_link);
  g_clear_handle_id (&entry->retry_id, g_source_remove);
  if (entry->job != NULL)
    g_signal_handlers_disconnect_by_data (entry->job, entry);
  g_clear_object (&entry->job);
  g_clear_pointer (&entry->samples, g_array_unref);
  g_clear_object (&entry->log);
  g_clear_object (&entry->run);
  g_free (entry);
}

gchar *
ff_orchestrator_dup_log_path (FfOrchestrator *self, guint64 id)
{
  g_autofree gchar *name = g_strdup_printf ("%" G_GUINT64_FORMAT ".log", id);
  return g_build_filename (self->host.logs_dir, name, NULL);
}

static void watch_job (RunEntry *entry);

void
ff_orchestrator_emit_removed (FfOrchestrator *self, FfRun *run)
{
  g_signal_emit (self, signals[SIGNAL_RUN_REMOVED], 0, run);
}

RunEntry *
ff_orchestrator_add_entry (FfOrchestrator *self, FfRun *run)
{
  RunEntry *entry = g_new0 (RunEntry, 1);
  g_autofree gchar *path = ff_orchestrator_dup_log_path (self, ff_run_get_id (run));

  entry->self = self;
  entry->run = g_object_ref (run);
  entry->log = ff_run_log_new (path);
  entry->samples = g_array_new (FALSE, FALSE, sizeof (FfRunSample));
  if (!ff_run_state_is_finished (ff_run_get_state (run)))
    watch_job (entry);
  g_hash_table_insert (self->entries, GSIZE_TO_POINTER (ff_run_get_id (run)), entry);
  g_signal_emit (self, signals[SIGNAL_RUN_ADDED], 0, run);
  return entry;
}

void
ff_orchestrator_notify_counts (FfOrchestrator *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_RUNNING_RUNS]);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_QUEUED_RUNS]);
  for (guint i = 0; self->collectors != NULL && i < self->collectors->len; i++)
    ff_collector_runs_changed (g_ptr_array_index (self->collectors, i), self->running,
                               self->queue.length);
}

static void
maybe_finish_shutdown (FfOrchestrator *self)
{
  if (self->shutdown_task == NULL || self->running > 0)
    return;
  g_task_return_boolean (self->shutdown_task, TRUE);
  g_clear_object (&self->shutdown_task);
}

static void
report_run_finished (FfOrchestrator *self, FfRun *run)
{
  gint64 started = ff_run_get_started_at (run);
  gint64 duration = started > 0 ? ff_run_get_finished_at (run) - started : 0;

  for (guint i = 0; i < self->collectors->len; i++)
    ff_collector_run_finished (g_ptr_array_index (self->collectors, i), ff_run_get_pipeline (run),
                               ff_run_get_executor (run), ff_run_get_state (run),
                               MAX (duration, 0));
}

static gboolean
should_retry (RunEntry *entry, FfReason reason)
{
  return entry->self->shutdown_task == NULL && ff_run_policy_should_retry (entry->run, reason);
}

static gboolean
on_retry_due (gpointer user_data)
{
  RunEntry *entry = user_data;

  entry->retry_id = 0;
  /* from here on it waits for a slot like any queued run */
  ff_run_set_step (entry->run, NULL);
  g_queue_push_tail (&entry->self->queue, entry);
  ff_orchestrator_notify_counts (entry->self);
  ff_orchestrator_dispatch_queue (entry->self);
  return G_SOURCE_REMOVE;
}

/* What a run waiting for its next attempt shows as its message: the
 * failed attempt's outcome and the wall-clock time of the next, which
 * stays true while it waits (a "starts in N s" would not). */
static gchar *
dup_retry_step (FfRun *run, const gchar *outcome, gdouble delay)
{
  guint attempt = ff_run_get_attempt (run);
  g_autofree gchar *now_s = g_strdup_printf ("%u", attempt);
  g_autofree gchar *max_s = g_strdup_printf ("%u", ff_run_get_max_attempts (run));
  g_autofree gchar *next_s = g_strdup_printf ("%u", attempt + 1);
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  g_autoptr (GDateTime) due = g_date_time_add_seconds (now, delay);
  g_autofree gchar *at = g_date_time_format (due, "%H:%M:%S");

  /* TRANSLATORS: e.g. Attempt 1 of 3 failed (The pipeline exited with code 1); attempt 2
   * starts at 14:05:31 */
  return ff_message_new (GETTEXT_PACKAGE,
                         N_ ("Attempt %s of %s failed (%s); attempt %s starts at %s"), now_s, max_s,
                         outcome, next_s, at, NULL);
}

/* The attempt is over and recorded; the run waits for its next one. The
 * log line and the run's message say why it failed, in the run's own
 * words (the executor's detail too), not only its class. */
static void
retry_entry (
    RunEntry *entry, FfPipeline *pipeline, FfReason reason, gint exit_code, const gchar *message)
{
  FfOrchestrator *self = entry->self;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *outcome = ff_reason_dup_outcome (reason, exit_code, message);
  g_autofree gchar *note = NULL;
  g_autofree gchar *step = NULL;
  guint attempt = ff_run_get_attempt (entry->run);
  gdouble delay = ff_run_policy_retry_delay (pipeline, entry->run);

  ff_run_job_detach (entry->job);
  if (!ff_run_store_record_attempt (self->store, entry->run, ff_reason_get_final_state (reason),
                                    reason, exit_code, message, g_get_real_time (), &error))
    g_warning ("%s", error->message);
  /* TRANSLATORS: e.g. Attempt 1 of 3 failed (The pipeline exited with code 1); attempt 2
   * starts in 60 s */
  note = g_strdup_printf (_ ("Attempt %u of %u failed (%s); attempt %u starts in %.0f s"), attempt,
                          ff_run_get_max_attempts (entry->run), outcome, attempt + 1, delay);
  ff_run_job_append_note (entry->job, note);
  step = dup_retry_step (entry->run, outcome, delay);
  ff_orchestrator_flush_samples (self, entry);
  if (!ff_run_set_state (entry->run, FF_RUN_STATE_QUEUED, &error))
    g_warning ("%s", error->message);
  ff_run_set_step (entry->run, step);
  ff_run_set_attempt (entry->run, attempt + 1);
  ff_orchestrator_save_run (self, entry->run);
  if (self->running > 0)
    self->running--;
  entry->retry_id = g_timeout_add ((guint) MIN (delay * 1000, G_MAXUINT - 1), on_retry_due, entry);
  ff_orchestrator_notify_counts (self);
  ff_orchestrator_dispatch_queue (self);
}

/* downstream_triggers: runs of other pipelines that this run's end starts. */
static void
fire_downstream (FfOrchestrator *self, FfPipeline *pipeline, FfRun *run)
{
  g_autoptr (GPtrArray) triggers = NULL;
  g_autofree gchar *by = NULL;

  if (self->shutdown_task != NULL)
    return;
  triggers = ff_run_policy_dup_triggers_to_fire (pipeline, run);
  by = g_strdup_printf ("downstream:%" G_GUINT64_FORMAT, ff_run_get_id (run));
  for (guint i = 0; i < triggers->len; i++)
    {
      const FfTrigger *trigger = g_ptr_array_index (triggers, i);
      g_autoptr (GError) error = NULL;

      if (ff_orchestrator_start_run (self, trigger->pipeline, NULL, NULL, trigger->run_config_id,
                                     by, FALSE, &error) == NULL)
        g_message (_ ("Run %" PRIu64 " of %s did not start %s: %s"), ff_run_get_id (run),
                   ff_run_get_pipeline (run), trigger->pipeline, error->message);
    }
}

static void
remove_source (gpointer key, gpointer value, gpointer user_data)
{
  g_source_remove (GPOINTER_TO_UINT (value));
}

typedef struct
{
  FfOrchestrator *self;
  gchar *pipeline;
  gchar *run_config;
  guint64 crashed;
} Restart;

static void
restart_free (Restart *restart)
{
  g_free (restart->pipeline);
  g_free (restart->run_config);
  g_free (restart);
}

static gboolean
on_restart_due (gpointer user_data)
{
  Restart *restart = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *by = g_strdup_printf ("restart:%" G_GUINT64_FORMAT, restart->crashed);

  g_hash_table_remove (restart->self->restarts, restart->pipeline);
  if (ff_orchestrator_start_run (restart->self, restart->pipeline, NULL, NULL, restart->run_config,
                                 by, FALSE, &error) == NULL)
    g_message (_ ("%s is not restarted after its crash: %s"), restart->pipeline, error->message);
  return G_SOURCE_REMOVE;
}

/* The run was stopped for its pipeline's restart_interval. */
static void
restart_now (FfOrchestrator *self, FfRun *run)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *by = g_strdup_printf ("restart:%" G_GUINT64_FORMAT, ff_run_get_id (run));

  if (self->shutdown_task != NULL)
    return;
  if (ff_orchestrator_start_run (self, ff_run_get_pipeline (run), NULL, NULL,
                                 ff_run_get_run_config (run), by, FALSE, &error) == NULL)
    g_message (_ ("%s is not restarted for its restart_interval: %s"), ff_run_get_pipeline (run),
               error->message);
}

/* restart_on_crash: a long-running pipeline that failed starts again after
 * its restart_cooldown; one that ended well, or was stopped, does not. */
static void
maybe_restart (FfOrchestrator *self, FfPipeline *pipeline, FfRun *run)
{
  Restart *restart;
  guint cooldown, id;

  if (self->shutdown_task != NULL || !ff_run_policy_should_restart_on_crash (pipeline, run) ||
      g_hash_table_contains (self->restarts, ff_run_get_pipeline (run)))
    return;
  cooldown = ff_pipeline_get_restart_cooldown (pipeline);
  restart = g_new0 (Restart, 1);
  restart->self = self;
  restart->pipeline = g_strdup (ff_run_get_pipeline (run));
  restart->run_config = g_strdup (ff_run_get_run_config (run));
  restart->crashed = ff_run_get_id (run);
  g_message (_ ("Run %" PRIu64 " of %s crashed; it starts again in %u s (restart_on_crash)"),
             ff_run_get_id (run), ff_run_get_pipeline (run), cooldown);
  id = g_timeout_add_full (G_PRIORITY_DEFAULT, cooldown * 1000, on_restart_due, restart,
                           (GDestroyNotify) restart_free);
  g_hash_table_insert (self->restarts, g_strdup (ff_run_get_pipeline (run)), GUINT_TO_POINTER (id));
}

/* The message a finished run keeps: the executor's with the run's secrets
 * hidden (it may quote what the run printed), and a word on a log that
 * could not be written. */
static gchar *
final_message (RunEntry *entry, const gchar *hidden)
{
  if (!ff_run_job_get_log_failed (entry->job))
    return g_strdup (hidden);
  if (hidden == NULL || *hidden == '\0')
    return ff_message_new (GETTEXT_PACKAGE, N_ ("The log is incomplete: it could not be written"),
                           NULL);
  return ff_message_new (GETTEXT_PACKAGE,
                         N_ ("%s (the log is incomplete: it could not be written)"), hidden, NULL);
}

/* The attempt's execution, route file and log are done with; the run
 * takes its end. FALSE if it cannot (it was finished already). */
static gboolean
close_run (RunEntry *entry, FfReason reason, gint exit_code, const gchar *message)
{
  g_autoptr (GError) error = NULL;

  g_clear_handle_id (&entry->retry_id, g_source_remove);
  ff_run_job_detach (entry->job);
  ff_run_job_take_route (entry->job);
  if (!ff_run_finish (entry->run, reason, exit_code, message, g_get_real_time (), &error))
    {
      g_warning ("%s", error->message);
      return FALSE;
    }
  ff_run_job_close (entry->job);
  return TRUE;
}

/* Collectors, counts, clients; the run stays in the live table a while. */
static void
announce_finished (RunEntry *entry, gboolean was_running)
{
  FfOrchestrator *self = entry->self;

  report_run_finished (self, entry->run);
  ff_journal_run_finished (entry->run);
  g_debug ("run %" G_GUINT64_FORMAT " finished: %s", ff_run_get_id (entry->run),
           ff_run_state_to_string (ff_run_get_state (entry->run)));
  if (was_running && self->running > 0)
    self->running--;
  ff_orchestrator_notify_counts (self);
  g_signal_emit (self, signals[SIGNAL_RUN_FINISHED], 0, entry->run);
  ff_orchestrator_schedule_expiry (entry);
  maybe_finish_shutdown (self);
}

/* What the run's end starts: downstream triggers, restart_on_crash,
 * restart_interval, and the next queued run in its slot. */
static void
follow_up (RunEntry *entry, FfPipeline *pipeline)
{
  FfOrchestrator *self = entry->self;

  fire_downstream (self, pipeline, entry->run);
  maybe_restart (self, pipeline, entry->run);
  if (entry->restart_after)
    restart_now (self, entry->run);
  ff_orchestrator_dispatch_queue (self);
}

/* How an attempt ended. Every path out of a live run ends here: a failed
 * attempt with attempts left waits for its next one; otherwise the run
 * finishes, goes into the history, is announced, and what follows from
 * its end starts. */
static void
finish_entry (RunEntry *entry, FfReason reason, gint exit_code, const gchar *message)
{
  FfOrchestrator *self = entry->self;
  g_autofree gchar *hidden = ff_run_job_mask (entry->job, message);
  g_autofree gchar *kept = NULL;
  gboolean was_running =
      ff_run_job_is_executing (entry->job) || ff_run_get_state (entry->run) != FF_RUN_STATE_QUEUED;
  /* once for all the decisions below; it may have changed since the launch */
  FfPipeline *pipeline =
      ff_pipeline_registry_lookup (self->registry, ff_run_get_pipeline (entry->run));

  if (was_running && should_retry (entry, reason))
    {
      retry_entry (entry, pipeline, reason, exit_code, hidden);
      return;
    }
  kept = final_message (entry, hidden);
  if (!close_run (entry, reason, exit_code, kept))
    return;
  /* into the history: its samples, the run, its last attempt */
  ff_orchestrator_save_finished (entry->self, entry);
  announce_finished (entry, was_running);
  follow_up (entry, pipeline);
}

static void
launch_entry (FfOrchestrator *self, RunEntry *entry)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *refusal = NULL;
  FfPipeline *pipeline;
  FfExecutor *executor;

  self->running++;
  if (!ff_run_set_state (entry->run, FF_RUN_STATE_STARTING, &error))
    {
      g_warning ("%s", error->message);
      return;
    }
  ff_orchestrator_save_run (self, entry->run);

  pipeline = ff_pipeline_registry_lookup (self->registry, ff_run_get_pipeline (entry->run));
  if (pipeline == NULL)
    {
      g_autofree gchar *msg =
          ff_message_new (GETTEXT_PACKAGE, N_ ("The pipeline “%s” no longer exists"),
                          ff_run_get_pipeline (entry->run), NULL);
      finish_entry (entry, FF_REASON_SPAWN_FAILED, -1, msg);
      return;
    }
  refusal = ff_orchestrator_dup_refusal (self, entry->run);
  if (refusal != NULL)
    {
      finish_entry (entry, FF_REASON_REFUSED, -1, refusal);
      return;
    }
  executor = g_hash_table_lookup (self->executors, ff_run_get_executor (entry->run));
  if (executor == NULL)
    {
      g_autofree gchar *msg =
          ff_message_new (GETTEXT_PACKAGE, N_ ("The executor “%s” is not available"),
                          ff_run_get_executor (entry->run), NULL);
      finish_entry (entry, FF_REASON_SPAWN_FAILED, -1, msg);
      return;
    }
  if (!ff_run_job_prepare (entry->job, pipeline, executor, &error))
    {
      /* e.g. dependencies-failed: requirements the executor cannot install */
      finish_entry (entry,
                    error->domain == FF_EXECUTOR_ERROR ? (FfReason) error->code
                                                       : FF_REASON_SPAWN_FAILED,
                    -1, error->message);
      return;
    }
  ff_run_job_launch (entry->job, executor);
}

static gboolean
dispatch_idle (gpointer user_data)
{
  FfOrchestrator *self = user_data;

  self->dispatch_id = 0;
  while (self->shutdown_task == NULL &&
         self->running < ff_config_get_max_concurrent_runs (self->config) &&
         !g_queue_is_empty (&self->queue))
    launch_entry (self, g_queue_pop_head (&self->queue));
  ff_orchestrator_notify_counts (self);
  return G_SOURCE_REMOVE;
}

/* In an idle, so that StartRun's caller gets its answer (and can subscribe)
 * before the run starts. */
void
ff_orchestrator_dispatch_queue (FfOrchestrator *self)
{
  if (self->dispatch_id == 0)
    self->dispatch_id = g_idle_add (dispatch_idle, self);
}

FfRun *
ff_orchestrator_start_run (FfOrchestrator *self,
                           const gchar *name,
                           GHashTable *env,
                           const gchar *executor,
                           const gchar *run_config,
                           const gchar *triggered_by,
                           gboolean force,
                           GError **error)
{
  const gchar *executor_name = NULL;
  g_autoptr (GError) refusal = NULL;
  FfPipeline *pipeline = ff_orchestrator_check_start (self, name, env, executor, run_config, force,
                                                      &executor_name, &refusal);
  g_autoptr (FfRun) run = NULL;

  if (pipeline == NULL)
    {
      ff_journal_run_refused (name, triggered_by, refusal);
      g_propagate_error (error, g_steal_pointer (&refusal));
      return NULL;
    }
  /* set up first, so that its row is written once, whole */
  run = ff_run_new (0, name);
  ff_run_set_executor (run, executor_name);
  ff_run_set_secrets (run, ff_pipeline_get_secrets (pipeline));
  ff_run_set_env (run, env);
  ff_run_set_env_whole (run, TRUE);
  ff_run_set_run_config (run, run_config);
  ff_run_set_triggered_by (run,
                           triggered_by != NULL && *triggered_by != '\0' ? triggered_by : "manual");
  ff_run_set_max_attempts (run, ff_run_policy_max_attempts (pipeline, run_config));
  if (!ff_run_store_insert_run (self->store, run, error))
    return NULL;

  g_queue_push_tail (&self->queue, ff_orchestrator_add_entry (self, run));
  g_signal_emit (self, signals[SIGNAL_RUN_CREATED], 0, run);
  ff_orchestrator_notify_counts (self);
  ff_orchestrator_dispatch_queue (self);
  return run;
}

static RunEntry *
lookup_entry (FfOrchestrator *self, guint64 id, GError **error)
{
  RunEntry *entry = g_hash_table_lookup (self->entries, GSIZE_TO_POINTER (id));
  g_autoptr (FfRun) run = NULL;
  g_autoptr (GError) local_error = NULL;

  if (entry != NULL)
    return entry;
  run = ff_run_store_load (self->store, id, &local_error);
  if (run == NULL)
    {
      if (g_error_matches (local_error, FF_ERROR, FF_ERROR_NO_SUCH_RUN))
        g_set_error (error, FF_ERROR, FF_ERROR_NO_SUCH_RUN, _ ("There is no run %" PRIu64), id);
      else
        g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  /* only finished runs can be missing from the live table */
  entry = ff_orchestrator_add_entry (self, run);
  ff_orchestrator_schedule_expiry (entry);
  return entry;
}

FfRun *
ff_orchestrator_get_run (FfOrchestrator *self, guint64 id, GError **error)
{
  RunEntry *entry = lookup_entry (self, id, error);

  return entry != NULL ? entry->run : NULL;
}

/* A run loaded from the history (also one reattached after a restart) lost
 * the values of its pipeline's secrets (never written there); whether its
 * caller gave any, fastflowd cannot tell.
 * Starting without them could run with another value (fastflow.conf's) or
 * none, so the rerun is refused and the caller told how to pass them. */
static gboolean
check_env_held (FfOrchestrator *self, FfRun *run, GError **error)
{
  FfPipeline *pipeline = ff_pipeline_registry_lookup (self->registry, ff_run_get_pipeline (run));
  const gchar *const *secrets = pipeline != NULL ? ff_pipeline_get_secrets (pipeline) : NULL;
  g_autofree gchar *names = NULL;

  if (ff_run_get_env_whole (run) || secrets == NULL || secrets[0] == NULL)
    return TRUE;
  names = g_strjoinv (", ", (gchar **) secrets);
  g_set_error (error, FF_ERROR, FF_ERROR_FAILED,
               _ ("Run %" PRIu64 " cannot be run again: fastflowd no longer holds the values it "
                  "may have been given for the secrets of “%s” (%s), which are never written "
                  "to the run history; start it with “fastflowctl run %s -e NAME=VALUE”"),
               ff_run_get_id (run), ff_run_get_pipeline (run), names, ff_run_get_pipeline (run));
  return FALSE;
}

/* The old run's pipeline, run configuration, executor and the variables it
 * was started with, under the same checks as StartRun. */
FfRun *
ff_orchestrator_rerun (FfOrchestrator *self, guint64 id, gboolean force, GError **error)
{
  FfRun *old = ff_orchestrator_get_run (self, id, error);
  g_autofree gchar *by = NULL;
  const gchar *executor;

  if (old == NULL || !check_env_held (self, old, error))
    return NULL;
  by = g_strdup_printf ("rerun:%" G_GUINT64_FORMAT, id);
  executor = ff_run_get_executor (old);
  /* start_run copies what it keeps; the old run stays in the live table
   * for the whole call */
  return ff_orchestrator_start_run (self, ff_run_get_pipeline (old), ff_run_get_env (old),
                                    executor != NULL && *executor != '\0' ? executor : NULL,
                                    ff_run_get_run_config (old), by, force, error);
}

static gboolean
check_state_filter (const gchar *state, GError **error)
{
  FfRunState unused;

  if (state == NULL || ff_run_state_from_string (state, &unused))
    return TRUE;
  g_set_error (error, FF_ERROR, FF_ERROR_INVALID_ARGUMENT,
               _ ("Unknown run state “%s” (expected queued, starting, running, succeeded, "
                  "failed, cancelled or timed-out)"),
               state);
  return FALSE;
}

GArray *
ff_orchestrator_list_runs (
    FfOrchestrator *self, const gchar *pipeline, const gchar *state, guint limit, GError **error)
{
  if (!check_state_filter (state, error))
    return NULL;
  return ff_run_store_list_ids (self->store, pipeline, state, limit, error);
}

/* The runs are read from the store and not entered into the live table:
 * a page of ten thousand old runs costs memory only while it is answered.
 * A live run is given as the live table has it (its use, its message). */
GPtrArray *
ff_orchestrator_list_run_page (FfOrchestrator *self,
                               const gchar *pipeline,
                               const gchar *state,
                               guint64 before,
                               guint limit,
                               GError **error)
{
  g_autoptr (GPtrArray) runs = NULL;

  if (!check_state_filter (state, error))
    return NULL;
  runs = ff_run_store_load_page (self->store, pipeline, state, before, limit, error);
  if (runs == NULL)
    return NULL;
  for (guint i = 0; i < runs->len; i++)
    {
      FfRun *stored = g_ptr_array_index (runs, i);
      RunEntry *entry =
          g_hash_table_lookup (self->entries, GSIZE_TO_POINTER (ff_run_get_id (stored)));

      if (entry != NULL)
        {
          g_object_unref (stored);
          g_ptr_array_index (runs, i) = g_object_ref (entry->run);
        }
    }
  return g_steal_pointer (&runs);
}

gboolean
ff_orchestrator_cancel_run (FfOrchestrator *self, guint64 id, GError **error)
{
  RunEntry *entry = lookup_entry (self, id, error);

  if (entry == NULL)
    return FALSE;
  switch (ff_run_get_state (entry->run))
    {
    case FF_RUN_STATE_QUEUED:
      g_queue_remove (&self->queue, entry);
      finish_entry (entry, FF_REASON_CANCELLED, -1, NULL);
      break;
    case FF_RUN_STATE_STARTING:
    case FF_RUN_STATE_RUNNING:
      ff_run_job_stop (entry->job, FF_REASON_CANCELLED);
      break;
    default:
      break;
    }
  return TRUE;
}

GBytes *
ff_orchestrator_read_log (FfOrchestrator *self,
                          guint64 id,
                          guint64 offset,
                          gsize max,
                          guint64 *next,
                          gboolean *complete,
                          GError **error)
{
  RunEntry *entry = lookup_entry (self, id, error);
  g_autoptr (GBytes) data = NULL;
  guint64 size;

  if (entry == NULL)
    return NULL;
  data = ff_run_log_read (entry->log, offset, max, error);
  if (data == NULL)
    return NULL;
  size = ff_run_log_get_size (entry->log);
  *next = offset + g_bytes_get_size (data);
  if (offset > size)
    *next = size;
  *complete = ff_run_state_is_finished (ff_run_get_state (entry->run)) && *next >= size;
  return g_steal_pointer (&data);
}

/* Returns a descriptor the caller owns, or -1 with @error set. */
gint
ff_orchestrator_open_log (FfOrchestrator *self, guint64 id, GError **error)
{
  RunEntry *entry = lookup_entry (self, id, error);

  if (entry == NULL)
    return -1;
  return ff_run_log_open_reader (entry->log,
                                 !ff_run_state_is_finished (ff_run_get_state (entry->run)), error);
}

/* Where the run's output changes between stdout and stderr, from @offset
 * on: see ff_run_log_read_streams(). */
GArray *
ff_orchestrator_read_streams (FfOrchestrator *self, guint64 id, guint64 offset, GError **error)
{
  RunEntry *entry = lookup_entry (self, id, error);

  if (entry == NULL)
    return NULL;
  return ff_run_log_read_streams (entry->log, offset, error);
}

/* Returns a descriptor of the run's stream index the caller owns, or -1. */
gint
ff_orchestrator_open_streams (FfOrchestrator *self, guint64 id, GError **error)
{
  RunEntry *entry = lookup_entry (self, id, error);

  if (entry == NULL)
    return -1;
  return ff_run_log_open_streams_reader (entry->log, error);
}

GPtrArray *
ff_orchestrator_dup_live_runs (FfOrchestrator *self)
{
  GPtrArray *runs = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (runs, ((RunEntry *) value)->run);
  return runs;
}

GHashTable *
ff_orchestrator_get_executors (FfOrchestrator *self)
{
  return self->executors;
}

FfPipelineRegistry *
ff_orchestrator_get_registry (FfOrchestrator *self)
{
  return self->registry;
}

/* The key of encrypted_env is read again with every Reload, so that a
 * new key file takes effect without a restart. */
static void
load_encryption_key (FfOrchestrator *self)
{
  g_autofree gchar *problem = NULL;
  FfFernet *key = ff_encrypted_env_load_key (ff_config_get_keyfile (self->config), &problem);

  if (problem != NULL)
    g_warning ("%s", problem);
  g_clear_pointer (&self->host.encryption_key, ff_fernet_unref);
  self->host.encryption_key = key;
  ff_pipeline_registry_set_encryption_key (self->registry, key, problem);
}

/* Reload: the pipelines folder and encrypted_env's key. */
gboolean
ff_orchestrator_reload_pipelines (FfOrchestrator *self, GError **error)
{
  load_encryption_key (self);
  return ff_pipeline_registry_reload (self->registry, error);
}

/* (transfer none) (nullable): the key of encrypted_env, as last loaded */
FfFernet *
ff_orchestrator_get_encryption_key (FfOrchestrator *self)
{
  return self->host.encryption_key;
}

guint
ff_orchestrator_get_running_runs (FfOrchestrator *self)
{
  return self->running;
}

guint
ff_orchestrator_get_queued_runs (FfOrchestrator *self)
{
  return g_queue_get_length (&self->queue);
}

gchar *
ff_orchestrator_dup_last_state (FfOrchestrator *self, const gchar *pipeline)
{
  g_autoptr (GError) error = NULL;
  gchar *state = ff_run_store_dup_last_state (self->store, pipeline, &error);

  if (error != NULL)
    g_debug ("%s", error->message);
  return state;
}

/* A stop that leaves a container run to the next start, as a kill -9
 * would, but on purpose: the run stays running in the store with its log
 * position saved (after every write), and the next fastflowd follows it
 * again from there. What the masker holds back was not counted, so it
 * comes again. */
static void
leave_running (FfOrchestrator *self, RunEntry *entry)
{
  ff_run_job_let_go (entry->job);
  ff_orchestrator_flush_samples (self, entry);
  ff_run_log_close (entry->log);
  g_message (_ ("Run %" PRIu64 " of %s goes on without fastflowd (on_stop=leave-running); the "
                "next fastflowd follows it again"),
             ff_run_get_id (entry->run), ff_run_get_pipeline (entry->run));
  if (self->running > 0)
    self->running--;
}

void
ff_orchestrator_shutdown_async (FfOrchestrator *self,
                                GCancellable *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer user_data)
{
  GHashTableIter iter;
  gpointer value;

  g_return_if_fail (self->shutdown_task == NULL);
  self->shutdown_task = g_task_new (self, cancellable, callback, user_data);
  /* queued runs stay queued in the store and start after the next start-up */
  g_queue_clear (&self->queue);
  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      RunEntry *entry = value;
      FfRunState state = ff_run_get_state (entry->run);

      if (state == FF_RUN_STATE_RUNNING && ff_config_get_leave_running (self->config) &&
          ff_run_job_can_leave_running (entry->job))
        leave_running (self, entry);
      else if (state == FF_RUN_STATE_STARTING || state == FF_RUN_STATE_RUNNING)
        ff_orchestrator_cancel_run (self, ff_run_get_id (entry->run), NULL);
    }
  maybe_finish_shutdown (self);
}

gboolean
ff_orchestrator_shutdown_finish (FfOrchestrator *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
on_schedule_fire (FfScheduler *scheduler,
                  const gchar *pipeline,
                  const gchar *run_config,
                  FfOrchestrator *self)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *triggered_by =
      run_config != NULL ? g_strdup_printf ("schedule:%s", run_config) : g_strdup ("schedule");

  if (ff_orchestrator_start_run (self, pipeline, NULL, NULL, run_config, triggered_by, FALSE,
                                 &error) == NULL)
    /* e.g. max_instances reached: this time is skipped, the next one comes */
    g_message (_ ("The scheduled run of %s is skipped: %s"), pipeline, error->message);
}

/* restart_interval fell due: each running run of the pipeline stops and a
 * new one starts in its place; with none running, one starts. */
static void
on_schedule_restart (FfScheduler *scheduler,
                     const gchar *pipeline,
                     const gchar *run_config,
                     FfOrchestrator *self)
{
  GHashTableIter iter;
  gpointer value;
  guint stopping = 0;

  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      RunEntry *entry = value;
      FfRunState state = ff_run_get_state (entry->run);

      if (g_strcmp0 (ff_run_get_pipeline (entry->run), pipeline) != 0 ||
          (state != FF_RUN_STATE_STARTING && state != FF_RUN_STATE_RUNNING))
        continue;
      entry->restart_after = TRUE;
      stopping++;
      ff_orchestrator_cancel_run (self, ff_run_get_id (entry->run), NULL);
    }
  if (stopping == 0)
    on_schedule_fire (scheduler, pipeline, NULL, self);
}

static void
on_pipelines_changed (FfPipelineRegistry *registry, FfOrchestrator *self)
{
  g_autoptr (GPtrArray) pipelines = ff_pipeline_registry_list (registry);

  ff_scheduler_set_pipelines (self->scheduler, pipelines);
}

static void
start_scheduler (FfOrchestrator *self)
{
  self->scheduler = ff_scheduler_new (
      self->store, ff_config_get_time_zone (self->config),
      ff_config_get_missed_skip (self->config) ? FF_MISSED_SKIP : FF_MISSED_RUN_ONCE);
  g_signal_connect_object (self->scheduler, "fire", G_CALLBACK (on_schedule_fire), self, 0);
  g_signal_connect_object (self->scheduler, "restart", G_CALLBACK (on_schedule_restart), self, 0);
  g_signal_connect_object (self->registry, "changed", G_CALLBACK (on_pipelines_changed), self, 0);
  on_pipelines_changed (self->registry, self);
  ff_scheduler_start (self->scheduler);
}

/**
 * ff_orchestrator_get_next_run:
 *
 * Returns: when a schedule of @pipeline fires next, µs since the epoch; 0
 *   if none will
 */
gint64
ff_orchestrator_get_next_run (FfOrchestrator *self, const gchar *pipeline)
{
  g_return_val_if_fail (FF_IS_ORCHESTRATOR (self), 0);
  return self->scheduler != NULL ? ff_scheduler_get_next_fire (self->scheduler, pipeline) : 0;
}

/* Two daemons of one user with different state folders (a test's and the
 * user's) must not take each other's containers for their own leftovers. */
static gchar *
make_instance (const gchar *state_dir)
{
  g_autofree gchar *canonical = g_canonicalize_filename (state_dir, NULL);
  g_autofree gchar *digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, canonical, -1);

  return g_strdup_printf ("%s@%s:%.12s", g_get_user_name (), g_get_host_name (), digest);
}

static void
on_job_started (FfRunJob *job, gboolean reattached, RunEntry *entry)
{
  if (reattached)
    ff_orchestrator_entry_reattach_done (entry);
  else
    ff_orchestrator_save_run (entry->self, entry->run);
}

static void
on_job_output (FfRunJob *job, guint64 offset, GBytes *data, RunEntry *entry)
{
  g_signal_emit (entry->self, signals[SIGNAL_RUN_OUTPUT], 0, entry->run, offset, data);
}

static void
on_job_ended (FfRunJob *job, gint reason, gint exit_code, const gchar *message, RunEntry *entry)
{
  finish_entry (entry, reason, exit_code, message);
  ff_orchestrator_entry_reattach_done (entry);
}

/* A run not finished yet gets the job that runs it. */
static void
watch_job (RunEntry *entry)
{
  entry->job = ff_run_job_new (&entry->self->host, entry->run, entry->log);
  g_signal_connect (entry->job, "started", G_CALLBACK (on_job_started), entry);
  g_signal_connect (entry->job, "output", G_CALLBACK (on_job_output), entry);
  g_signal_connect (entry->job, "ended", G_CALLBACK (on_job_ended), entry);
}

static void
ff_orchestrator_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  FfOrchestrator *self = FF_ORCHESTRATOR (object);

  switch (prop_id)
    {
    case PROP_RUNNING_RUNS:
      g_value_set_uint (value, self->running);
      break;
    case PROP_QUEUED_RUNS:
      g_value_set_uint (value, g_queue_get_length (&self->queue));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ff_orchestrator_finalize (GObject *object)
{
  FfOrchestrator *self = FF_ORCHESTRATOR (object);

  g_clear_handle_id (&self->dispatch_id, g_source_remove);
  g_clear_handle_id (&self->retention_id, g_source_remove);
  /* a last try for what a full disk kept out of the history */
  ff_orchestrator_save_unsaved_now (self);
  g_hash_table_unref (self->unsaved);
  g_clear_handle_id (&self->expiry_id, g_source_remove);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_free (self->host.instance);
  g_free (self->host.daemon_id);
  g_free (self->host.logs_dir);
  g_clear_pointer (&self->host.encryption_key, ff_fernet_unref);
  g_hash_table_foreach (self->restarts, remove_source, NULL);
  g_hash_table_unref (self->restarts);
  g_queue_clear (&self->queue);
  /* the entries unlink themselves from expiring */
  g_hash_table_unref (self->entries);
  g_queue_clear (&self->expiring);
  /* after the jobs, which give back what they held of it */
  g_clear_object (&self->host.envs);
  g_clear_object (&self->scheduler);
  g_clear_object (&self->registry);
  g_clear_object (&self->store);
  g_clear_pointer (&self->by_priority, g_ptr_array_unref);
  g_clear_pointer (&self->executors, g_hash_table_unref);
  g_clear_pointer (&self->collectors, g_ptr_array_unref);
  g_clear_object (&self->config);
  G_OBJECT_CLASS (ff_orchestrator_parent_class)->finalize (object);
}

static void
ff_orchestrator_class_init (FfOrchestratorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = ff_orchestrator_get_property;
  object_class->finalize = ff_orchestrator_finalize;

  props[PROP_RUNNING_RUNS] = g_param_spec_uint ("running-runs", NULL, NULL, 0, G_MAXUINT, 0,
                                                G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  props[PROP_QUEUED_RUNS] = g_param_spec_uint ("queued-runs", NULL, NULL, 0, G_MAXUINT, 0,
                                               G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);

  signals[SIGNAL_RUN_ADDED] =
      g_signal_new ("run-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                    G_TYPE_NONE, 1, FF_TYPE_RUN);
  signals[SIGNAL_RUN_CREATED] =
      g_signal_new ("run-created", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                    NULL, G_TYPE_NONE, 1, FF_TYPE_RUN);
  signals[SIGNAL_RUN_OUTPUT] =
      g_signal_new ("run-output", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                    G_TYPE_NONE, 3, FF_TYPE_RUN, G_TYPE_UINT64, G_TYPE_BYTES);
  signals[SIGNAL_RUN_FINISHED] =
      g_signal_new ("run-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                    NULL, G_TYPE_NONE, 1, FF_TYPE_RUN);
  signals[SIGNAL_RUN_REMOVED] =
      g_signal_new ("run-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                    NULL, G_TYPE_NONE, 1, FF_TYPE_RUN);
}

static void
ff_orchestrator_init (FfOrchestrator *self)
{
  self->cancellable = g_cancellable_new ();
  self->restarts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->unsaved = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, g_object_unref);
  self->entries =
      g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, (GDestroyNotify) run_entry_free);
  g_queue_init (&self->queue);
  g_queue_init (&self->expiring);
}

/* A name in allowed_executors that no plugin answers to is most likely a
 * typo; the daemon runs on with the others. */
static void
warn_unknown_allowed (FfOrchestrator *self)
{
  const gchar *const *allowed = ff_config_get_allowed_executors (self->config);

  for (guint i = 0; allowed != NULL && allowed[i] != NULL; i++)
    {
      if (!g_hash_table_contains (self->executors, allowed[i]))
        g_warning (_ ("[daemon] allowed_executors names “%s”, which is not an installed "
                      "executor"),
                   allowed[i]);
    }
}

static gboolean
ff_orchestrator_setup (FfOrchestrator *self, GError **error)
{
  g_autofree gchar *db_path = NULL;
  g_autoptr (GError) local_error = NULL;
  const gchar *state_dir = ff_config_get_state_dir (self->config);
  g_autofree gchar *absolute_state = NULL;

  if (!ff_config_check_executors (self->config, error))
    return FALSE;
  self->host.config = self->config;
  /* absolute: executors mount files from it (route files) */
  absolute_state = g_canonicalize_filename (state_dir, NULL);
  self->host.logs_dir = g_build_filename (absolute_state, "logs", NULL);
  self->host.instance = make_instance (state_dir);
  self->host.daemon_id = g_uuid_string_random ();
  self->host.envs = ff_dependency_envs_new (self->config, absolute_state);
  if (g_mkdir_with_parents (self->host.logs_dir, 0750) != 0)
    {
      gint saved_errno = errno;
      g_set_error (error, FF_ERROR, FF_ERROR_STORAGE, _ ("Cannot create the state folder %s: %s"),
                   self->host.logs_dir, g_strerror (saved_errno));
      return FALSE;
    }
  db_path = g_build_filename (state_dir, "fastflow.db", NULL);
  self->store = ff_run_store_new (db_path, error);
  if (self->store == NULL)
    return FALSE;

  ff_plugin_loader_load_all ();
  self->executors = ff_plugin_loader_create_executors (ff_config_get_keyfile (self->config));
  self->by_priority = ff_orchestrator_sort_by_priority (self->executors);
  warn_unknown_allowed (self);
  self->collectors = ff_plugin_loader_create_collectors (ff_config_get_keyfile (self->config));
  self->host.collectors = self->collectors;
  ff_orchestrator_connect_collectors (self);
  if (g_hash_table_size (self->executors) == 0)
    g_warning (_ ("No executor plugin was found (searched FASTFLOW_PLUGIN_PATH and %s); "
                  "no run can start"),
               FF_PLUGINDIR);

  self->registry = ff_pipeline_registry_new (ff_config_get_pipelines_dir (self->config));
  ff_pipeline_registry_set_allowed_executors (self->registry,
                                              ff_config_get_allowed_executors (self->config));
  ff_pipeline_registry_make_dir (self->registry);
  if (!ff_orchestrator_reload_pipelines (self, &local_error))
    g_warning ("%s", local_error->message);
  ff_pipeline_registry_watch (self->registry);
  if (!ff_orchestrator_recover_runs (self, error))
    return FALSE;
  start_scheduler (self);
  ff_orchestrator_check_executors (self);
  ff_orchestrator_start_retention (self);
  return TRUE;
}

FfOrchestrator *
ff_orchestrator_new (FfConfig *config, GError **error)
{
  g_autoptr (FfOrchestrator) self = g_object_new (FF_TYPE_ORCHESTRATOR, NULL);

  self->config = g_object_ref (config);
  if (!ff_orchestrator_setup (self, error))
    return NULL;
  return g_steal_pointer (&self);
}
