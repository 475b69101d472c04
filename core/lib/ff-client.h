/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__FASTFLOW_H_INSIDE__) && !defined(FASTFLOW_COMPILATION)
#error "Only <fastflow.h> can be included directly."
#endif

#include <gio/gio.h>

#include "ff-client-run.h"

G_BEGIN_DECLS

#define FF_TYPE_CLIENT (ff_client_get_type ())
G_DECLARE_FINAL_TYPE (FfClient, ff_client, FF, CLIENT, GObject)

FfClient *ff_client_new_sync (GBusType bus_type, GCancellable *cancellable, GError **error);
FfClient *ff_client_new_for_connection_sync (GDBusConnection *connection,
                                             GCancellable *cancellable,
                                             GError **error);
GVariant *ff_client_list_pipelines_sync (FfClient *self, GCancellable *cancellable, GError **error);
guint64 ff_client_start_run_sync (FfClient *self,
                                  const gchar *pipeline,
                                  GHashTable *env,
                                  GCancellable *cancellable,
                                  GError **error);
void ff_client_follow_run_async (FfClient *self,
                                 guint64 run_id,
                                 GCancellable *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer user_data);
gint ff_client_follow_run_finish (FfClient *self, GAsyncResult *result, GError **error);
gint
ff_client_wait_run_sync (FfClient *self, guint64 run_id, GCancellable *cancellable, GError **error);
gboolean ff_client_cancel_run_sync (FfClient *self,
                                    guint64 run_id,
                                    GCancellable *cancellable,
                                    GError **error);
GArray *ff_client_list_runs_sync (
    FfClient *self, const gchar *pipeline, guint limit, GCancellable *cancellable, GError **error);
gchar *ff_client_dup_run_state (FfClient *self, guint64 run_id, GError **error);

guint64 ff_client_start_run_full_sync (FfClient *self,
                                       const gchar *pipeline,
                                       GHashTable *env,
                                       const gchar *executor,
                                       const gchar *run_config,
                                       gboolean force,
                                       const gchar *triggered_by,
                                       GCancellable *cancellable,
                                       GError **error);
guint64 ff_client_start_run_with_options_sync (FfClient *self,
                                               const gchar *pipeline,
                                               GVariant *options,
                                               GCancellable *cancellable,
                                               GError **error);
guint64 ff_client_rerun_sync (
    FfClient *self, guint64 run_id, GVariant *options, GCancellable *cancellable, GError **error);
FfClientRun *
ff_client_get_run_sync (FfClient *self, guint64 run_id, GCancellable *cancellable, GError **error);
FfClientRun *ff_client_wait_for_run_sync (FfClient *self,
                                          guint64 run_id,
                                          GCancellable *cancellable,
                                          GError **error);
GArray *ff_client_list_run_ids_sync (FfClient *self,
                                     const gchar *pipeline,
                                     const gchar *state,
                                     guint limit,
                                     GCancellable *cancellable,
                                     GError **error);
GPtrArray *ff_client_find_runs_sync (FfClient *self,
                                     const gchar *pipeline,
                                     const gchar *state,
                                     guint limit,
                                     GCancellable *cancellable,
                                     GError **error);
GPtrArray *ff_client_list_runs_page_sync (FfClient *self,
                                          const gchar *pipeline,
                                          const gchar *state,
                                          guint64 before,
                                          guint limit,
                                          GCancellable *cancellable,
                                          GError **error);
GVariant *ff_client_list_executors_sync (FfClient *self, GCancellable *cancellable, GError **error);
GVariant *ff_client_diagnose_executor_sync (FfClient *self,
                                            const gchar *executor,
                                            GCancellable *cancellable,
                                            GError **error);
gboolean ff_client_reload_sync (FfClient *self, GCancellable *cancellable, GError **error);
gchar *ff_client_dup_pipelines_dir_sync (FfClient *self, GCancellable *cancellable, GError **error);
gchar *ff_client_encrypt_sync (FfClient *self,
                               const gchar *value,
                               GCancellable *cancellable,
                               GError **error);

G_END_DECLS
