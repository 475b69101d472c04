/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__FASTFLOW_H_INSIDE__) && !defined(FASTFLOW_COMPILATION)
#error "Only <fastflow.h> can be included directly."
#endif

#include <gio/gio.h>

#include "ff-execution.h"
#include "ff-executor-check.h"
#include "ff-run-request.h"

G_BEGIN_DECLS

#define FF_EXECUTOR_EXTENSION_POINT_NAME "fastflow-executor"

/* The extension point priority of an executor that always runs what it is
 * given and so is the last choice of a default: local's. */
#define FF_EXECUTOR_PRIORITY_FALLBACK (-100)

#define FF_TYPE_EXECUTOR (ff_executor_get_type ())
G_DECLARE_INTERFACE (FfExecutor, ff_executor, FF, EXECUTOR, GObject)

/**
 * FfExecutorInterface:
 * @get_name: the name pipelines use in `executor`, e.g. "local"
 * @configure: read settings from the daemon's configuration (optional);
 *   the executor's group is `[executor.NAME]`
 * @check_health_async: find out whether the executor can run things now
 * @check_health_finish: the localized reason it cannot, as a #GError
 * @launch_async: start one attempt of a run
 * @launch_finish: the running #FfExecution, or a #GError in
 *   %FF_EXECUTOR_ERROR whose code is the #FfReason
 * @remove_leftovers_async: remove what runs of the daemon instance
 *   @instance left behind, e.g. the containers of a daemon that was killed,
 *   but nothing of the running daemon @daemon_id (optional)
 * @remove_leftovers_finish: how many things were removed
 * @diagnose_async: check the executor's setup in detail, e.g. what a
 *   Docker socket proxy allows (optional)
 * @diagnose_finish: the findings, a #GPtrArray of #FfExecutorCheck
 * @reattach_async: follow again the attempt @request describes, which an
 *   earlier daemon of the same instance launched and which may still run,
 *   e.g. after that daemon was killed (optional)
 * @reattach_finish: its #FfExecution, which emits the attempt's whole output
 *   again from its beginning, then `exited`; or a #GError, %G_IO_ERROR_NOT_FOUND
 *   when nothing of the attempt is left
 * @is_configured: whether the executor is set up to run the pipelines that
 *   name no executor, e.g. because the service it runs them on was named
 *   (optional; without it, it runs only the pipelines and runs that name it).
 *   Without `default_executor` in fastflow.conf, such pipelines run on the
 *   configured and allowed executor registered with the highest priority at
 *   the `fastflow-executor` extension point (local has the lowest, -100)
 * @get_runtime: what runs @request's Python: an identity of the runtime
 *   (e.g. the image, or the interpreter's path and version) that a
 *   dependency environment built for it is only valid with, and the Python
 *   program to start inside the run (on its PATH or absolute), chosen by
 *   the request's python_version; or a #GError in %FF_EXECUTOR_ERROR naming
 *   a version that is not to be had (optional; without it, the executor
 *   cannot build dependency environments)
 * @get_folder_path: where a run sees a host folder of the request (see
 *   #FfRunFolder), e.g. a fixed path in a container (optional; without it,
 *   runs see the host's paths)
 *
 * An executor words its own errors: the message of a #GError it returns
 * (e.g. naming its service and how to reach it) is shown with the run after
 * fastflow's neutral summary of the #FfReason.
 *
 * An executor runs pipelines in some kind of sandbox. Implementations live
 * in plugins and register with the `fastflow-executor` extension point.
 */
struct _FfExecutorInterface
{
  GTypeInterface g_iface;

  const gchar *(*get_name) (FfExecutor *self);
  gboolean (*configure) (FfExecutor *self, GKeyFile *config, GError **error);
  void (*check_health_async) (FfExecutor *self,
                              GCancellable *cancellable,
                              GAsyncReadyCallback callback,
                              gpointer user_data);
  gboolean (*check_health_finish) (FfExecutor *self, GAsyncResult *result, GError **error);
  void (*launch_async) (FfExecutor *self,
                        FfRunRequest *request,
                        GCancellable *cancellable,
                        GAsyncReadyCallback callback,
                        gpointer user_data);
  FfExecution *(*launch_finish) (FfExecutor *self, GAsyncResult *result, GError **error);
  void (*remove_leftovers_async) (FfExecutor *self,
                                  const gchar *instance,
                                  const gchar *daemon_id,
                                  GCancellable *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer user_data);
  gboolean (*remove_leftovers_finish) (FfExecutor *self,
                                       GAsyncResult *result,
                                       guint *removed,
                                       GError **error);
  void (*diagnose_async) (FfExecutor *self,
                          GCancellable *cancellable,
                          GAsyncReadyCallback callback,
                          gpointer user_data);
  GPtrArray *(*diagnose_finish) (FfExecutor *self, GAsyncResult *result, GError **error);
  void (*reattach_async) (FfExecutor *self,
                          FfRunRequest *request,
                          GCancellable *cancellable,
                          GAsyncReadyCallback callback,
                          gpointer user_data);
  FfExecution *(*reattach_finish) (FfExecutor *self, GAsyncResult *result, GError **error);
  gboolean (*is_configured) (FfExecutor *self);
  gboolean (*get_runtime) (FfExecutor *self,
                           FfRunRequest *request,
                           gchar **runtime_id,
                           gchar **python,
                           GError **error);
  gchar *(*get_folder_path) (FfExecutor *self, FfRunFolder folder, const gchar *host_path);

  gpointer padding[3];
};

const gchar *ff_executor_get_name (FfExecutor *self);
gboolean ff_executor_configure (FfExecutor *self, GKeyFile *config, GError **error);
void ff_executor_check_health_async (FfExecutor *self,
                                     GCancellable *cancellable,
                                     GAsyncReadyCallback callback,
                                     gpointer user_data);
gboolean ff_executor_check_health_finish (FfExecutor *self, GAsyncResult *result, GError **error);
void ff_executor_launch_async (FfExecutor *self,
                               FfRunRequest *request,
                               GCancellable *cancellable,
                               GAsyncReadyCallback callback,
                               gpointer user_data);
FfExecution *ff_executor_launch_finish (FfExecutor *self, GAsyncResult *result, GError **error);
void ff_executor_remove_leftovers_async (FfExecutor *self,
                                         const gchar *instance,
                                         const gchar *daemon_id,
                                         GCancellable *cancellable,
                                         GAsyncReadyCallback callback,
                                         gpointer user_data);
gboolean ff_executor_remove_leftovers_finish (FfExecutor *self,
                                              GAsyncResult *result,
                                              guint *removed,
                                              GError **error);

void ff_executor_diagnose_async (FfExecutor *self,
                                 GCancellable *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer user_data);
GPtrArray *ff_executor_diagnose_finish (FfExecutor *self, GAsyncResult *result, GError **error);

gboolean ff_executor_can_reattach (FfExecutor *self);
gboolean ff_executor_is_configured (FfExecutor *self);
void ff_executor_reattach_async (FfExecutor *self,
                                 FfRunRequest *request,
                                 GCancellable *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer user_data);
FfExecution *ff_executor_reattach_finish (FfExecutor *self, GAsyncResult *result, GError **error);

gboolean ff_executor_get_runtime (FfExecutor *self,
                                  FfRunRequest *request,
                                  gchar **runtime_id,
                                  gchar **python,
                                  GError **error);
gchar *ff_executor_get_folder_path (FfExecutor *self, FfRunFolder folder, const gchar *host_path);

G_END_DECLS
