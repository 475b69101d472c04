/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ff-config.h"
#include "ff-pipeline-registry.h"
#include "ff-run.h"
#include "ff-run-store.h"

G_BEGIN_DECLS

#define FF_TYPE_ORCHESTRATOR (ff_orchestrator_get_type ())
G_DECLARE_FINAL_TYPE (FfOrchestrator, ff_orchestrator, FF, ORCHESTRATOR, GObject)

/**
 * FfOrchestrator:
 *
 * Owns the runs: queues them, starts them on executors within the
 * concurrency limit, writes their logs, classifies how they ended and keeps
 * the history. Knows nothing of D-Bus; #FfDaemon publishes what it does.
 *
 * Signals: run-added (FfRun) when a run enters the live table (new, or
 * loaded again from history), run-created (FfRun) for a new run,
 * run-output (FfRun, guint64 offset, GBytes), run-finished (FfRun),
 * run-removed (FfRun) when a finished run leaves the live table, and
 * notify::running-runs / notify::queued-runs.
 */
FfOrchestrator *ff_orchestrator_new (FfConfig *config, GError **error);

FfPipelineRegistry *ff_orchestrator_get_registry (FfOrchestrator *self);
gboolean ff_orchestrator_reload_pipelines (FfOrchestrator *self, GError **error);
FfFernet *ff_orchestrator_get_encryption_key (FfOrchestrator *self);
guint ff_orchestrator_get_running_runs (FfOrchestrator *self);
guint ff_orchestrator_get_queued_runs (FfOrchestrator *self);
gchar *ff_orchestrator_dup_last_state (FfOrchestrator *self, const gchar *pipeline);

FfRun *ff_orchestrator_start_run (FfOrchestrator *self,
                                  const gchar *pipeline,
                                  GHashTable *env,
                                  const gchar *executor,
                                  const gchar *run_config,
                                  const gchar *triggered_by,
                                  gboolean force,
                                  GError **error);
FfRun *ff_orchestrator_rerun (FfOrchestrator *self, guint64 id, gboolean force, GError **error);
/* (transfer none) a live run, or one loaded again from history */
FfRun *ff_orchestrator_get_run (FfOrchestrator *self, guint64 id, GError **error);
GArray *ff_orchestrator_list_runs (
    FfOrchestrator *self, const gchar *pipeline, const gchar *state, guint limit, GError **error);
/* (transfer full) the runs of a page, newest first, not entered into the
 * live table; @before 0 starts at the newest, @limit 0 takes all */
GPtrArray *ff_orchestrator_list_run_page (FfOrchestrator *self,
                                          const gchar *pipeline,
                                          const gchar *state,
                                          guint64 before,
                                          guint limit,
                                          GError **error);
gboolean ff_orchestrator_cancel_run (FfOrchestrator *self, guint64 id, GError **error);
GBytes *ff_orchestrator_read_log (FfOrchestrator *self,
                                  guint64 id,
                                  guint64 offset,
                                  gsize max,
                                  guint64 *next,
                                  gboolean *complete,
                                  GError **error);
gint ff_orchestrator_open_log (FfOrchestrator *self, guint64 id, GError **error);
GArray *
ff_orchestrator_read_streams (FfOrchestrator *self, guint64 id, guint64 offset, GError **error);
gint ff_orchestrator_open_streams (FfOrchestrator *self, guint64 id, GError **error);

/* (transfer container) the runs in the live table */
GPtrArray *ff_orchestrator_dup_live_runs (FfOrchestrator *self);
/* name → executor */
GHashTable *ff_orchestrator_get_executors (FfOrchestrator *self);
gchar *ff_orchestrator_dup_executor_refusal (FfOrchestrator *self, const gchar *name);

void ff_orchestrator_shutdown_async (FfOrchestrator *self,
                                     GCancellable *cancellable,
                                     GAsyncReadyCallback callback,
                                     gpointer user_data);
gboolean
ff_orchestrator_shutdown_finish (FfOrchestrator *self, GAsyncResult *result, GError **error);

void ff_orchestrator_note_executor_health (FfOrchestrator *self,
                                           const gchar *executor,
                                           gboolean available);
gint64 ff_orchestrator_get_next_run (FfOrchestrator *self, const gchar *pipeline);
GArray *ff_orchestrator_dup_samples (FfOrchestrator *self, guint64 id, GError **error);

G_END_DECLS
