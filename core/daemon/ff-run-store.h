/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ff-run.h"

G_BEGIN_DECLS

#define FF_TYPE_RUN_STORE (ff_run_store_get_type ())
G_DECLARE_FINAL_TYPE (FfRunStore, ff_run_store, FF, RUN_STORE, GObject)

/**
 * FfRunStore:
 *
 * The run history in SQLite (WAL). Every change is one transaction, so a
 * crash leaves either the old or the new row, never half of one.
 */
FfRunStore *ff_run_store_new (const gchar *path, GError **error);
const gchar *ff_run_store_get_path (FfRunStore *self);

/* Inserts a new run and returns it with its id (increasing, never reused). */
FfRun *ff_run_store_create_run (FfRunStore *self, const gchar *pipeline, GError **error);
gboolean ff_run_store_insert_run (FfRunStore *self, FfRun *run, GError **error);
gboolean ff_run_store_save (FfRunStore *self, FfRun *run, GError **error);
/* Inserts or updates the row of the run's current attempt (its number, start,
 * finish, state, reason, exit code and message) in the attempts table. */
gboolean ff_run_store_save_attempt (FfRunStore *self, FfRun *run, GError **error);
gboolean ff_run_store_record_attempt (FfRunStore *self,
                                      FfRun *run,
                                      FfRunState state,
                                      FfReason reason,
                                      gint exit_code,
                                      const gchar *message,
                                      gint64 finished_at,
                                      GError **error);
FfRun *ff_run_store_load (FfRunStore *self, guint64 id, GError **error);
/* Ids, newest first; NULL pipeline/state match any; limit 0 = no limit. A state
 * that is not a run state is FF_ERROR_INVALID_ARGUMENT. */
GArray *ff_run_store_list_ids (
    FfRunStore *self, const gchar *pipeline, const gchar *state, guint limit, GError **error);
/* Whole runs older than @before (0: from the newest), newest first, at
 * most @limit (0: all); NULL pipeline/state match any. */
GPtrArray *ff_run_store_load_page (FfRunStore *self,
                                   const gchar *pipeline,
                                   const gchar *state,
                                   guint64 before,
                                   guint limit,
                                   GError **error);
/* Runs whose state is queued, starting or running, oldest first. */
GPtrArray *ff_run_store_load_unfinished (FfRunStore *self, GError **error);
/* The state of the newest run of @pipeline, or NULL. */
gchar *ff_run_store_dup_last_state (FfRunStore *self, const gchar *pipeline, GError **error);
/* Removes a run and its attempts; its id is not given out again. */
gboolean ff_run_store_delete_run (FfRunStore *self, guint64 id, GError **error);
/* One resource sample of a run: time in µs since the epoch, CPU with 100.0
 * = one core, memory in use in bytes. */
typedef struct
{
  gint64 time;
  gdouble cpu_percent;
  guint64 memory_bytes;
} FfRunSample;

gboolean ff_run_store_add_samples (
    FfRunStore *self, guint64 run_id, const FfRunSample *samples, guint n_samples, GError **error);
/* The run, its current attempt and @samples (may be none) as one write. */
gboolean ff_run_store_save_finished (
    FfRunStore *self, FfRun *run, const FfRunSample *samples, guint n_samples, GError **error);
GArray *ff_run_store_load_samples (FfRunStore *self, guint64 run_id, GError **error);
GArray *
ff_run_store_list_expired (FfRunStore *self, gint64 finished_before, guint keep, GError **error);
/* Where the schedule @key stands (see FfScheduler). */
gboolean ff_run_store_load_schedule (
    FfRunStore *self, const gchar *key, gint64 *anchor, gint64 *last_fire, GError **error);
gboolean ff_run_store_save_schedule (
    FfRunStore *self, const gchar *key, gint64 anchor, gint64 last_fire, GError **error);
/* For tests: how many transactions changed the database since it was opened. */
guint ff_run_store_get_commits (FfRunStore *self);
/* For tests: caps the database size so that writes fail as on a full disk. */
gboolean ff_run_store_set_max_pages (FfRunStore *self, guint pages, GError **error);

G_END_DECLS
