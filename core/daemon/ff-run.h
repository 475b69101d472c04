/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "fastflow.h"

G_BEGIN_DECLS

#define FF_TYPE_RUN (ff_run_get_type ())
G_DECLARE_FINAL_TYPE (FfRun, ff_run, FF, RUN, GObject)

/**
 * FfRun:
 *
 * One run of a pipeline: its state machine and everything the history
 * keeps about it. Every property notifies, so the D-Bus object can be
 * bound to it.
 */
FfRun *ff_run_new (guint64 id, const gchar *pipeline);

guint64 ff_run_get_id (FfRun *self);
/* Only for the run store, which gives a new run (id 0) its id once. */
void ff_run_set_id (FfRun *self, guint64 id);
const gchar *ff_run_get_pipeline (FfRun *self);

FfRunState ff_run_get_state (FfRun *self);
/* Moves the run along its state machine; refuses a transition that is not
 * allowed (e.g. out of a finished state). */
gboolean ff_run_set_state (FfRun *self, FfRunState state, GError **error);
/* Sets state, reason, exit code, message and finished_at in one go. */
gboolean ff_run_finish (FfRun *self,
                        FfReason reason,
                        gint exit_code,
                        const gchar *message,
                        gint64 finished_at,
                        GError **error);

FfReason ff_run_get_reason (FfRun *self);
FfErrorClass ff_run_get_error_class (FfRun *self);
gint ff_run_get_exit_code (FfRun *self);
/* The detail given by the executor (already localized by it), may be NULL. */
const gchar *ff_run_get_message (FfRun *self);
/* The sentence people read: built from reason, exit code and message. */
gchar *ff_run_dup_display_message (FfRun *self);

const gchar *ff_run_get_executor (FfRun *self);
void ff_run_set_executor (FfRun *self, const gchar *executor);
guint ff_run_get_attempt (FfRun *self);
void ff_run_set_attempt (FfRun *self, guint attempt);
guint ff_run_get_max_attempts (FfRun *self);
void ff_run_set_max_attempts (FfRun *self, guint max_attempts);
const gchar *ff_run_get_triggered_by (FfRun *self);
void ff_run_set_triggered_by (FfRun *self, const gchar *triggered_by);
const gchar *ff_run_get_run_config (FfRun *self);
void ff_run_set_run_config (FfRun *self, const gchar *run_config);
const gchar *ff_run_get_route (FfRun *self);
void ff_run_set_route (FfRun *self, const gchar *route);
const gchar *ff_run_get_metrics_message (FfRun *self);
void ff_run_set_metrics_message (FfRun *self, const gchar *message);
const gchar *ff_run_get_step (FfRun *self);
void ff_run_set_step (FfRun *self, const gchar *step);

/* Extra environment given to StartRun; kept so a queued run survives a restart. */
GHashTable *ff_run_get_env (FfRun *self);
void ff_run_set_env (FfRun *self, GHashTable *env);
void ff_run_set_secrets (FfRun *self, const gchar *const *names);
gboolean ff_run_is_secret (FfRun *self, const gchar *name);
/* TRUE when env holds every value the run was started with, secrets too:
 * a run started by this fastflowd, not one loaded from the history */
gboolean ff_run_get_env_whole (FfRun *self);
void ff_run_set_env_whole (FfRun *self, gboolean whole);

gint64 ff_run_get_created_at (FfRun *self);
void ff_run_set_created_at (FfRun *self, gint64 usec);
gint64 ff_run_get_started_at (FfRun *self);
void ff_run_set_started_at (FfRun *self, gint64 usec);
gint64 ff_run_get_finished_at (FfRun *self);

gdouble ff_run_get_cpu_percent (FfRun *self);
guint64 ff_run_get_memory_bytes (FfRun *self);
guint64 ff_run_get_memory_peak_bytes (FfRun *self);
void ff_run_raise_memory_peak (FfRun *self, guint64 memory_peak_bytes);
void ff_run_set_usage (FfRun *self, gdouble cpu_percent, guint64 memory_bytes);
gboolean ff_run_get_soft_limit_exceeded (FfRun *self);
void ff_run_set_soft_limit_exceeded (FfRun *self, gboolean exceeded);

/* For the store: restore a run exactly as recorded, without the state machine. */
void ff_run_restore (FfRun *self,
                     FfRunState state,
                     FfReason reason,
                     gint exit_code,
                     const gchar *message,
                     gint64 finished_at,
                     guint64 memory_peak_bytes);

gchar *ff_reason_dup_summary (FfReason reason, gint exit_code);
/* The summary, then the executor's detail @message (an ff_message or
 * plain text, may be NULL) when it adds something. */
gchar *ff_reason_dup_outcome (FfReason reason, gint exit_code, const gchar *message);

G_END_DECLS
