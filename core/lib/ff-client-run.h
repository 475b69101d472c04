/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__FASTFLOW_H_INSIDE__) && !defined(FASTFLOW_COMPILATION)
#error "Only <fastflow.h> can be included directly."
#endif

#include <gio/gio.h>

G_BEGIN_DECLS

#define FF_TYPE_CLIENT_RUN (ff_client_run_get_type ())
G_DECLARE_FINAL_TYPE (FfClientRun, ff_client_run, FF, CLIENT_RUN, GObject)

guint64 ff_client_run_get_id (FfClientRun *self);
const gchar *ff_client_run_get_pipeline (FfClientRun *self);
const gchar *ff_client_run_get_state (FfClientRun *self);
const gchar *ff_client_run_get_error_class (FfClientRun *self);
const gchar *ff_client_run_get_reason (FfClientRun *self);
const gchar *ff_client_run_get_message (FfClientRun *self);
gint ff_client_run_get_exit_code (FfClientRun *self);
const gchar *ff_client_run_get_executor (FfClientRun *self);
guint ff_client_run_get_attempt (FfClientRun *self);
guint ff_client_run_get_max_attempts (FfClientRun *self);
const gchar *ff_client_run_get_triggered_by (FfClientRun *self);
gint64 ff_client_run_get_created_at (FfClientRun *self);
gint64 ff_client_run_get_started_at (FfClientRun *self);
gint64 ff_client_run_get_finished_at (FfClientRun *self);
gdouble ff_client_run_get_cpu_percent (FfClientRun *self);
guint64 ff_client_run_get_memory_bytes (FfClientRun *self);
guint64 ff_client_run_get_memory_peak_bytes (FfClientRun *self);
gboolean ff_client_run_get_soft_limit_exceeded (FfClientRun *self);
const gchar *ff_client_run_get_route (FfClientRun *self);
const gchar *ff_client_run_get_metrics_message (FfClientRun *self);
gint ff_client_run_get_outcome (FfClientRun *self);
gboolean ff_client_run_is_snapshot (FfClientRun *self);
gboolean ff_client_run_cancel_sync (FfClientRun *self, GCancellable *cancellable, GError **error);
void ff_client_run_cancel_async (FfClientRun *self,
                                 GCancellable *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer user_data);
gboolean ff_client_run_cancel_finish (FfClientRun *self, GAsyncResult *result, GError **error);
GVariant *
ff_client_run_get_metrics_sync (FfClientRun *self, GCancellable *cancellable, GError **error);
void ff_client_run_follow_async (FfClientRun *self,
                                 gboolean live,
                                 GCancellable *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer user_data);
gboolean ff_client_run_follow_finish (FfClientRun *self, GAsyncResult *result, GError **error);
void ff_client_run_wait_async (FfClientRun *self,
                               GCancellable *cancellable,
                               GAsyncReadyCallback callback,
                               gpointer user_data);
gint ff_client_run_wait_finish (FfClientRun *self, GAsyncResult *result, GError **error);

G_END_DECLS
