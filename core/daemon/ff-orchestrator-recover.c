/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Start-up after an earlier fastflowd: the runs it left open are queued
 * again, followed again (FfRunJob re-attaches them) or marked lost; what
 * its executors left behind goes; the executors' health is reported. */
#include "config.h"

#include <inttypes.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "ff-orchestrator-private.h"

static void
on_leftovers_removed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  FfExecutor *executor = FF_EXECUTOR (source);
  g_autoptr (GError) error = NULL;
  guint removed = 0;

  if (!ff_executor_remove_leftovers_finish (executor, result, &removed, &error))
    {
      /* an unreachable proxy is reported once, by the health check */
      if (g_error_matches (error, FF_EXECUTOR_ERROR, FF_REASON_PROXY_UNREACHABLE))
        g_debug ("leftovers of %s: %s", ff_executor_get_name (executor), error->message);
      else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_message (_ ("Executor %s: could not look for what an earlier fastflowd left behind: %s"),
                   ff_executor_get_name (executor), error->message);
      return;
    }
  if (removed > 0)
    g_message (g_dngettext (GETTEXT_PACKAGE,
                            "Executor %s: removed %u thing left behind by an earlier fastflowd",
                            "Executor %s: removed %u things left behind by an earlier fastflowd",
                            removed),
               ff_executor_get_name (executor), removed);
}

static void
on_start_health_checked (GObject *source, GAsyncResult *result, gpointer user_data)
{
  FfExecutor *executor = FF_EXECUTOR (source);
  FfOrchestrator *self = user_data;
  g_autoptr (GError) error = NULL;
  gboolean available = ff_executor_check_health_finish (executor, result, &error);

  /* cancelled: the orchestrator is gone */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  ff_orchestrator_note_executor_health (self, ff_executor_get_name (executor), available);
  if (available)
    g_debug ("executor %s is available", ff_executor_get_name (executor));
  else
    /* the daemon and the other executors go on; a run checks again */
    g_message (_ ("Executor %s is not available: %s"), ff_executor_get_name (executor),
               error->message);
}

/* Operators learn at start-up, in the log, that a proxy is down. */
void
ff_orchestrator_check_executors (FfOrchestrator *self)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->executors);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    ff_executor_check_health_async (FF_EXECUTOR (value), self->cancellable, on_start_health_checked,
                                    self);
}

/* The runs of an earlier daemon are finished or followed again by now
 * (recover_runs), so what their executors left besides is of no use: a
 * container still running would only hold resources. The runs this daemon
 * starts meanwhile carry its own id; an executor keeps away from what it
 * re-attached. */
static void
remove_leftovers (FfOrchestrator *self)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->executors);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    ff_executor_remove_leftovers_async (FF_EXECUTOR (value), self->host.instance,
                                        self->host.daemon_id, self->cancellable,
                                        on_leftovers_removed, NULL);
}

static void
reattach_done (FfOrchestrator *self)
{
  if (self->reattaching > 0 && --self->reattaching == 0)
    remove_leftovers (self);
}

/* A re-attached run was found, or not: one run fewer to look for. */
void
ff_orchestrator_entry_reattach_done (RunEntry *entry)
{
  if (!entry->reattaching)
    return;
  entry->reattaching = FALSE;
  reattach_done (entry->self);
}

/* A run that was running when the earlier daemon died: followed again when
 * its executor can, otherwise lost with that daemon. */
static gboolean
recover_running (FfOrchestrator *self, RunEntry *entry, GError **error)
{
  FfRun *run = entry->run;
  FfExecutor *executor = g_hash_table_lookup (self->executors, ff_run_get_executor (run));
  g_autoptr (GError) why = NULL;
  g_autofree gchar *message = NULL;

  if (ff_run_get_state (run) == FF_RUN_STATE_RUNNING && executor != NULL &&
      ff_executor_can_reattach (executor))
    {
      FfPipeline *pipeline =
          ff_pipeline_registry_lookup (self->registry, ff_run_get_pipeline (run));

      if (ff_run_job_reattach (entry->job, pipeline, executor, &why))
        {
          self->running++;
          self->reattaching++;
          entry->reattaching = TRUE;
          return TRUE;
        }
      g_message (_ ("Run %" PRIu64 " of %s cannot be followed again: %s"), ff_run_get_id (run),
                 ff_run_get_pipeline (run), why->message);
      message = ff_message_new (GETTEXT_PACKAGE,
                                N_ ("The run could not be followed again after fastflowd "
                                    "restarted: %s"),
                                why->message, NULL);
    }
  if (!ff_run_finish (run, FF_REASON_ORCHESTRATOR_RESTARTED, -1, message, g_get_real_time (),
                      error))
    return FALSE;
  ff_orchestrator_save_run (self, run);
  ff_run_job_forget_position (entry->job);
  ff_orchestrator_schedule_expiry (entry);
  return TRUE;
}

/* Runs the previous daemon left open: queued ones queue again; a run that
 * was running is followed again if its executor can, the others died with
 * it. Leftovers are looked for once every run is found or not. */
gboolean
ff_orchestrator_recover_runs (FfOrchestrator *self, GError **error)
{
  g_autoptr (GPtrArray) runs = ff_run_store_load_unfinished (self->store, error);

  if (runs == NULL)
    return FALSE;
  /* one for the loop itself, so that the sweep starts once */
  self->reattaching = 1;
  for (guint i = 0; i < runs->len; i++)
    {
      FfRun *run = g_ptr_array_index (runs, i);
      RunEntry *entry = ff_orchestrator_add_entry (self, run);

      if (ff_run_get_state (run) == FF_RUN_STATE_QUEUED)
        {
          g_queue_push_tail (&self->queue, entry);
          continue;
        }
      if (!recover_running (self, entry, error))
        return FALSE;
    }
  reattach_done (self);
  ff_orchestrator_notify_counts (self);
  ff_orchestrator_dispatch_queue (self);
  return TRUE;
}
