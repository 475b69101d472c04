/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The orchestrator's insides, shared by its files only:
 * ff-orchestrator.c           the dispatcher: StartRun, the queue, launch,
 *                             the end of an attempt, cancel, shutdown
 * ff-orchestrator-admission.c whether a run may start, on which executor
 * ff-orchestrator-history.c   saves (and their retries), the live table's
 *                             expiry, retention, resource samples
 * ff-orchestrator-recover.c   the runs an earlier fastflowd left open,
 *                             its leftovers, the executors' health at start
 * One attempt's life is FfRunJob's (ff-run-job.c, ff-run-reattach.c); the
 * decisions about a run are ff-run-policy.c's. */

#include "ff-orchestrator.h"
#include "ff-run-job.h"
#include "ff-run-log.h"
#include "ff-run-store.h"
#include "ff-scheduler.h"

G_BEGIN_DECLS

/* One run in the live table: a run not finished yet, with the job that
 * runs it, or a finished one kept for a while (or loaded again from
 * history) for its log. */
typedef struct
{
  FfOrchestrator *self;
  FfRun *run;
  FfRunLog *log;
  FfRunJob *job;          /* NULL for a run loaded finished from history */
  GList *expire_link;     /* in the orchestrator's expiring queue */
  gint64 expire_at;       /* monotonic µs */
  guint retry_id;         /* waiting for the next attempt */
  gboolean restart_after; /* restart_interval: start anew once it stopped */
  gboolean reattaching;   /* an earlier daemon's run, being looked for */
  GArray *samples;        /* FfRunSample, not yet in the store */
} RunEntry;

/* Samples go to the store in batches: one transaction per sample and run
 * would cost a write a second for each running run. */
#define SAMPLES_PER_WRITE 30

struct _FfOrchestrator
{
  GObject parent_instance;
  FfConfig *config;
  FfPipelineRegistry *registry;
  FfScheduler *scheduler;
  FfRunStore *store;
  GHashTable *executors;
  GPtrArray *by_priority; /* FfExecutor, highest extension point priority first */
  GPtrArray *collectors;
  GHashTable *entries; /* id → RunEntry */
  GQueue queue;        /* RunEntry, oldest first */
  GQueue expiring;     /* finished RunEntry, by expire_at */
  guint expiry_id;
  guint running;
  GHashTable *restarts; /* pipeline → source id of its pending restart */
  guint retention_id;
  GCancellable *cancellable;
  FfRunJobHost host; /* what the jobs share: config, collectors, logs folder */
  guint dispatch_id;
  GTask *shutdown_task;
  guint reattaching;   /* runs of an earlier daemon being looked for */
  GHashTable *unsaved; /* id → FfRun whose last save failed, e.g. disk full */
  guint unsaved_id;
};

void ff_orchestrator_emit_removed (FfOrchestrator *self, FfRun *run);
RunEntry *ff_orchestrator_add_entry (FfOrchestrator *self, FfRun *run);
void ff_orchestrator_notify_counts (FfOrchestrator *self);
void ff_orchestrator_dispatch_queue (FfOrchestrator *self);

/* ff-orchestrator-admission.c */
FfPipeline *ff_orchestrator_check_start (FfOrchestrator *self,
                                         const gchar *name,
                                         GHashTable *env,
                                         const gchar *executor,
                                         const gchar *run_config,
                                         gboolean force,
                                         const gchar **executor_name,
                                         GError **error);
gchar *ff_orchestrator_dup_refusal (FfOrchestrator *self, FfRun *run);
GPtrArray *ff_orchestrator_sort_by_priority (GHashTable *executors);

/* ff-orchestrator-history.c */
gchar *ff_orchestrator_dup_log_path (FfOrchestrator *self, guint64 id);
void ff_orchestrator_schedule_expiry (RunEntry *entry);
void ff_orchestrator_save_run (FfOrchestrator *self, FfRun *run);
void ff_orchestrator_save_finished (FfOrchestrator *self, RunEntry *entry);
void ff_orchestrator_note_unsaved (FfOrchestrator *self, FfRun *run, const GError *error);
void ff_orchestrator_save_unsaved_now (FfOrchestrator *self);
void ff_orchestrator_flush_samples (FfOrchestrator *self, RunEntry *entry);
void ff_orchestrator_connect_collectors (FfOrchestrator *self);
void ff_orchestrator_start_retention (FfOrchestrator *self);

/* ff-orchestrator-recover.c */
gboolean ff_orchestrator_recover_runs (FfOrchestrator *self, GError **error);
void ff_orchestrator_entry_reattach_done (RunEntry *entry);
void ff_orchestrator_check_executors (FfOrchestrator *self);

G_END_DECLS
