/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the orchestrator keeps of runs: their saves to the store (tried
 * again while the disk is full), the live table's expiry of finished runs,
 * retention (keep_days, keep_runs) and the collectors' resource samples. */
#include "config.h"

#include <inttypes.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "ff-orchestrator-private.h"

/* Finished runs leave the live table after keep_finished_seconds, all on
 * one timer rather than a GSource each: the main loop walks every source on
 * every iteration, and with a thousand runs kept that walk was the daemon's
 * hottest path (a third of its CPU in bench/local-executor). The delay is
 * the same for all, so the queue stays in deadline order by appending. */
static gboolean on_expiry_due (gpointer user_data);

static void
arm_expiry (FfOrchestrator *self)
{
  RunEntry *head = g_queue_peek_head (&self->expiring);
  gint64 wait;

  g_clear_handle_id (&self->expiry_id, g_source_remove);
  if (head == NULL)
    return;
  wait = MAX (head->expire_at - g_get_monotonic_time (), 0) / 1000;
  self->expiry_id = g_timeout_add ((guint) MIN (wait, G_MAXUINT), on_expiry_due, self);
}

static gboolean
on_expiry_due (gpointer user_data)
{
  FfOrchestrator *self = user_data;
  /* within a second counts as due: one wake-up for a burst of runs */
  gint64 due = g_get_monotonic_time () + G_USEC_PER_SEC;
  RunEntry *entry;

  self->expiry_id = 0;
  while ((entry = g_queue_peek_head (&self->expiring)) != NULL && entry->expire_at <= due)
    {
      g_autoptr (FfRun) run = g_object_ref (entry->run);

      g_queue_delete_link (&self->expiring, entry->expire_link);
      entry->expire_link = NULL;
      g_hash_table_remove (self->entries, GSIZE_TO_POINTER (ff_run_get_id (run)));
      ff_orchestrator_emit_removed (self, run);
    }
  arm_expiry (self);
  return G_SOURCE_REMOVE;
}

void
ff_orchestrator_schedule_expiry (RunEntry *entry)
{
  FfOrchestrator *self = entry->self;
  guint keep = MAX (ff_config_get_keep_finished_seconds (self->config), 1);

  if (entry->expire_link != NULL)
    g_queue_delete_link (&self->expiring, entry->expire_link);
  entry->expire_at = g_get_monotonic_time () + (gint64) keep * G_USEC_PER_SEC;
  g_queue_push_tail (&self->expiring, entry);
  entry->expire_link = g_queue_peek_tail_link (&self->expiring);
  if (self->expiry_id == 0 || self->expiring.head == entry->expire_link)
    arm_expiry (self);
}

/* The run's row and, once it finished, its last attempt's, together. */
static gboolean
store_run (FfOrchestrator *self, FfRun *run, GError **error)
{
  if (ff_run_state_is_finished (ff_run_get_state (run)))
    return ff_run_store_save_finished (self->store, run, NULL, 0, error);
  return ff_run_store_save (self->store, run, error);
}

static gboolean
on_save_retry (gpointer user_data)
{
  FfOrchestrator *self = user_data;
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->unsaved);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      g_autoptr (GError) error = NULL;

      /* still full: the rest would fail the same way */
      if (!store_run (self, value, &error))
        return G_SOURCE_CONTINUE;
      g_hash_table_iter_remove (&iter);
    }
  g_message (_ ("The run history can be written again; every run is saved"));
  self->unsaved_id = 0;
  return G_SOURCE_REMOVE;
}

/* A save that fails (a full disk) is tried again every few seconds until it
 * succeeds, so that what the history says of a run catches up with it: a
 * run that ended meanwhile would otherwise be found `running` by the next
 * daemon and marked lost. */
void
ff_orchestrator_note_unsaved (FfOrchestrator *self, FfRun *run, const GError *error)
{
  if (!g_hash_table_contains (self->unsaved, GSIZE_TO_POINTER (ff_run_get_id (run))))
    g_warning ("%s", error->message);
  g_hash_table_replace (self->unsaved, GSIZE_TO_POINTER (ff_run_get_id (run)), g_object_ref (run));
  if (self->unsaved_id == 0)
    self->unsaved_id = g_timeout_add_seconds (2, on_save_retry, self);
}

/* Either way, a run that could not be saved is saved again later. */
static void
save_or_note (FfOrchestrator *self, FfRun *run, gboolean saved, const GError *error)
{
  if (!saved)
    ff_orchestrator_note_unsaved (self, run, error);
  else if (self->unsaved_id != 0 &&
           g_hash_table_lookup (self->unsaved, GSIZE_TO_POINTER (ff_run_get_id (run))) != NULL)
    g_hash_table_remove (self->unsaved, GSIZE_TO_POINTER (ff_run_get_id (run)));
}

void
ff_orchestrator_save_run (FfOrchestrator *self, FfRun *run)
{
  g_autoptr (GError) error = NULL;
  gboolean saved = ff_run_store_save (self->store, run, &error);

  save_or_note (self, run, saved, error);
}

/* A finished run with its last attempt and its samples not yet written, as
 * one write. Samples that cannot be written are dropped, as by
 * ff_orchestrator_flush_samples(); the run is saved again later. */
void
ff_orchestrator_save_finished (FfOrchestrator *self, RunEntry *entry)
{
  g_autoptr (GError) error = NULL;
  gboolean saved = ff_run_store_save_finished (
      self->store, entry->run, (const FfRunSample *) (gpointer) entry->samples->data,
      entry->samples->len, &error);

  g_array_set_size (entry->samples, 0);
  save_or_note (self, entry->run, saved, error);
}

void
ff_orchestrator_flush_samples (FfOrchestrator *self, RunEntry *entry)
{
  g_autoptr (GError) error = NULL;

  if (entry->samples->len == 0)
    return;
  if (!ff_run_store_add_samples (self->store, ff_run_get_id (entry->run),
                                 (const FfRunSample *) (gpointer) entry->samples->data,
                                 entry->samples->len, &error))
    g_warning ("%s", error->message);
  g_array_set_size (entry->samples, 0);
}

static RunEntry *
live_entry (FfOrchestrator *self, guint64 run_id)
{
  RunEntry *entry = g_hash_table_lookup (self->entries, GSIZE_TO_POINTER (run_id));

  /* a sample that crossed the run's end on the way is of no use */
  return entry != NULL && entry->job != NULL && ff_run_job_is_executing (entry->job) ? entry : NULL;
}

static void
on_collector_usage (FfCollector *collector,
                    guint64 run_id,
                    gdouble cpu_percent,
                    guint64 memory_bytes,
                    guint64 memory_limit_bytes,
                    FfOrchestrator *self)
{
  RunEntry *entry = live_entry (self, run_id);
  FfRunSample sample = { g_get_real_time (), cpu_percent, memory_bytes };

  if (entry == NULL)
    return;
  ff_run_set_usage (entry->run, cpu_percent, memory_bytes);
  g_array_append_val (entry->samples, sample);
  if (entry->samples->len >= SAMPLES_PER_WRITE)
    ff_orchestrator_flush_samples (self, entry);
}

/* A collector's word on a running run goes into its log, where whoever
 * reads the output sees it where it happened, and into its state. */
static void
on_collector_note (FfCollector *collector, guint64 run_id, const gchar *message, gpointer data)
{
  FfOrchestrator *self = FF_ORCHESTRATOR (data);
  RunEntry *entry = live_entry (self, run_id);
  guint signal_id = g_signal_get_invocation_hint (collector)->signal_id;

  if (entry == NULL)
    return;
  if (signal_id == g_signal_lookup ("soft-limit-exceeded", FF_TYPE_COLLECTOR))
    ff_run_set_soft_limit_exceeded (entry->run, TRUE);
  else
    ff_run_set_metrics_message (entry->run, message);
  ff_run_job_append_note (entry->job, message);
  ff_orchestrator_save_run (self, entry->run);
}

void
ff_orchestrator_connect_collectors (FfOrchestrator *self)
{
  for (guint i = 0; i < self->collectors->len; i++)
    {
      GObject *collector = g_ptr_array_index (self->collectors, i);

      g_signal_connect_object (collector, "usage", G_CALLBACK (on_collector_usage), self, 0);
      g_signal_connect_object (collector, "soft-limit-exceeded", G_CALLBACK (on_collector_note),
                               self, 0);
      g_signal_connect_object (collector, "usage-unavailable", G_CALLBACK (on_collector_note), self,
                               0);
    }
}

/**
 * ff_orchestrator_note_executor_health:
 *
 * Tells the collectors what a health check of @executor found.
 */
void
ff_orchestrator_note_executor_health (FfOrchestrator *self,
                                      const gchar *executor,
                                      gboolean available)
{
  g_return_if_fail (FF_IS_ORCHESTRATOR (self));
  for (guint i = 0; i < self->collectors->len; i++)
    ff_collector_executor_health_changed (g_ptr_array_index (self->collectors, i), executor,
                                          available);
}

/**
 * ff_orchestrator_dup_samples:
 *
 * Returns: (element-type FfRunSample): the resource samples of run @id,
 *   oldest first, also those not written to the store yet
 */
GArray *
ff_orchestrator_dup_samples (FfOrchestrator *self, guint64 id, GError **error)
{
  RunEntry *entry;
  g_autoptr (GArray) samples = NULL;

  g_return_val_if_fail (FF_IS_ORCHESTRATOR (self), NULL);
  samples = ff_run_store_load_samples (self->store, id, error);
  if (samples == NULL)
    return NULL;
  entry = g_hash_table_lookup (self->entries, GSIZE_TO_POINTER (id));
  if (entry != NULL && entry->samples->len > 0)
    g_array_append_vals (samples, entry->samples->data, entry->samples->len);
  return g_steal_pointer (&samples);
}

/* History retention (keep_days, keep_runs): old finished runs go with their
 * logs. Live runs are never touched. */
static void
forget_old_runs (FfOrchestrator *self)
{
  guint days = ff_config_get_keep_days (self->config);
  gint64 before = days > 0 ? g_get_real_time () - (gint64) days * 24 * 3600 * G_USEC_PER_SEC : 0;
  g_autoptr (GArray) ids = NULL;
  g_autoptr (GError) error = NULL;
  guint forgotten = 0;

  if (days == 0 && ff_config_get_keep_runs (self->config) == 0)
    return;
  ids = ff_run_store_list_expired (self->store, before, ff_config_get_keep_runs (self->config),
                                   &error);
  if (ids == NULL)
    {
      g_warning ("%s", error->message);
      return;
    }
  for (guint i = 0; i < ids->len; i++)
    {
      guint64 id = g_array_index (ids, guint64, i);
      RunEntry *entry = g_hash_table_lookup (self->entries, GSIZE_TO_POINTER (id));
      g_autofree gchar *log = ff_orchestrator_dup_log_path (self, id);

      if (entry != NULL && !ff_run_state_is_finished (ff_run_get_state (entry->run)))
        continue;
      if (!ff_run_store_delete_run (self->store, id, &error))
        {
          g_warning ("%s", error->message);
          g_clear_error (&error);
          continue;
        }
      if (entry != NULL)
        {
          ff_orchestrator_emit_removed (self, entry->run);
          g_hash_table_remove (self->entries, GSIZE_TO_POINTER (id));
        }
      ff_run_log_unlink (log);
      forgotten++;
    }
  if (forgotten > 0)
    g_message (g_dngettext (GETTEXT_PACKAGE, "Removed %u old run and its log from the history",
                            "Removed %u old runs and their logs from the history", forgotten),
               forgotten);
}

/* Dependency environments no current pipeline needs (issue 17). */
static void
forget_unused_envs (FfOrchestrator *self)
{
  g_autoptr (GPtrArray) pipelines = ff_pipeline_registry_list (self->registry);
  guint removed = ff_dependency_envs_sweep (self->host.envs, pipelines, self->executors);

  if (removed > 0)
    g_message (g_dngettext (GETTEXT_PACKAGE,
                            "Removed %u dependency environment that no pipeline needs",
                            "Removed %u dependency environments that no pipeline needs", removed),
               removed);
}

static gboolean
on_retention_tick (gpointer user_data)
{
  forget_old_runs (user_data);
  forget_unused_envs (user_data);
  return G_SOURCE_CONTINUE;
}

void
ff_orchestrator_start_retention (FfOrchestrator *self)
{
  forget_old_runs (self);
  forget_unused_envs (self);
  self->retention_id = g_timeout_add_seconds (3600, on_retention_tick, self);
}

/* A last try for what a full disk kept out of the history. */
void
ff_orchestrator_save_unsaved_now (FfOrchestrator *self)
{
  if (self->unsaved_id == 0)
    return;
  g_clear_handle_id (&self->unsaved_id, g_source_remove);
  on_save_retry (self);
}
