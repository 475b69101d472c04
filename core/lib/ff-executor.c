/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "ff-executor.h"

G_DEFINE_INTERFACE (FfExecutor, ff_executor, G_TYPE_OBJECT)

static void
ff_executor_default_init (FfExecutorInterface *iface)
{
}

const gchar *
ff_executor_get_name (FfExecutor *self)
{
  g_return_val_if_fail (FF_IS_EXECUTOR (self), NULL);
  return FF_EXECUTOR_GET_IFACE (self)->get_name (self);
}

gboolean
ff_executor_configure (FfExecutor *self, GKeyFile *config, GError **error)
{
  FfExecutorInterface *iface;

  g_return_val_if_fail (FF_IS_EXECUTOR (self), FALSE);
  iface = FF_EXECUTOR_GET_IFACE (self);
  if (iface->configure == NULL)
    return TRUE;
  return iface->configure (self, config, error);
}

void
ff_executor_check_health_async (FfExecutor *self,
                                GCancellable *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer user_data)
{
  FfExecutorInterface *iface;

  g_return_if_fail (FF_IS_EXECUTOR (self));
  iface = FF_EXECUTOR_GET_IFACE (self);
  if (iface->check_health_async == NULL)
    {
      g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);
      g_task_set_source_tag (task, ff_executor_check_health_async);
      g_task_return_boolean (task, TRUE);
      return;
    }
  iface->check_health_async (self, cancellable, callback, user_data);
}

gboolean
ff_executor_check_health_finish (FfExecutor *self, GAsyncResult *result, GError **error)
{
  FfExecutorInterface *iface;

  g_return_val_if_fail (FF_IS_EXECUTOR (self), FALSE);
  iface = FF_EXECUTOR_GET_IFACE (self);
  if (g_async_result_is_tagged (result, ff_executor_check_health_async))
    return g_task_propagate_boolean (G_TASK (result), error);
  return iface->check_health_finish (self, result, error);
}

void
ff_executor_launch_async (FfExecutor *self,
                          FfRunRequest *request,
                          GCancellable *cancellable,
                          GAsyncReadyCallback callback,
                          gpointer user_data)
{
  g_return_if_fail (FF_IS_EXECUTOR (self));
  g_return_if_fail (FF_IS_RUN_REQUEST (request));
  FF_EXECUTOR_GET_IFACE (self)->launch_async (self, request, cancellable, callback, user_data);
}

/**
 * ff_executor_launch_finish:
 *
 * Returns: (transfer full): the running execution
 */
FfExecution *
ff_executor_launch_finish (FfExecutor *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (FF_IS_EXECUTOR (self), NULL);
  return FF_EXECUTOR_GET_IFACE (self)->launch_finish (self, result, error);
}

/**
 * ff_executor_remove_leftovers_async:
 * @instance: the value of the `org.fastflow.instance` label: the daemons
 *   that share a state folder
 * @daemon_id: the value of the `org.fastflow.daemon` label of the calling
 *   daemon, whose runs are never touched
 *
 * Removes what an earlier daemon with the same instance left behind, such
 * as the containers of runs that were going when it was killed. An executor
 * that leaves nothing behind does not implement it: then nothing is removed.
 */
void
ff_executor_remove_leftovers_async (FfExecutor *self,
                                    const gchar *instance,
                                    const gchar *daemon_id,
                                    GCancellable *cancellable,
                                    GAsyncReadyCallback callback,
                                    gpointer user_data)
{
  FfExecutorInterface *iface;

  g_return_if_fail (FF_IS_EXECUTOR (self));
  g_return_if_fail (instance != NULL);
  g_return_if_fail (daemon_id != NULL);
  iface = FF_EXECUTOR_GET_IFACE (self);
  if (iface->remove_leftovers_async == NULL)
    {
      g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);
      g_task_set_source_tag (task, ff_executor_remove_leftovers_async);
      g_task_return_int (task, 0);
      return;
    }
  iface->remove_leftovers_async (self, instance, daemon_id, cancellable, callback, user_data);
}

/**
 * ff_executor_remove_leftovers_finish:
 * @removed: (out) (optional): how many things were removed
 */
gboolean
ff_executor_remove_leftovers_finish (FfExecutor *self,
                                     GAsyncResult *result,
                                     guint *removed,
                                     GError **error)
{
  g_autoptr (GError) local_error = NULL;
  gssize count;

  g_return_val_if_fail (FF_IS_EXECUTOR (self), FALSE);
  if (!g_async_result_is_tagged (result, ff_executor_remove_leftovers_async))
    return FF_EXECUTOR_GET_IFACE (self)->remove_leftovers_finish (self, result, removed, error);
  count = g_task_propagate_int (G_TASK (result), &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (removed != NULL)
    *removed = (guint) count;
  return TRUE;
}

/**
 * ff_executor_diagnose_async:
 *
 * Checks the executor's setup in detail, for `fastflowctl executors
 * --verbose`. An executor without such checks finds nothing.
 */
void
ff_executor_diagnose_async (FfExecutor *self,
                            GCancellable *cancellable,
                            GAsyncReadyCallback callback,
                            gpointer user_data)
{
  FfExecutorInterface *iface;

  g_return_if_fail (FF_IS_EXECUTOR (self));
  iface = FF_EXECUTOR_GET_IFACE (self);
  if (iface->diagnose_async == NULL)
    {
      g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);
      g_task_set_source_tag (task, ff_executor_diagnose_async);
      g_task_return_pointer (task, g_ptr_array_new_with_free_func (g_object_unref),
                             (GDestroyNotify) g_ptr_array_unref);
      return;
    }
  iface->diagnose_async (self, cancellable, callback, user_data);
}

/**
 * ff_executor_diagnose_finish:
 *
 * Returns: (transfer container) (element-type FfExecutorCheck): the findings
 */
GPtrArray *
ff_executor_diagnose_finish (FfExecutor *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (FF_IS_EXECUTOR (self), NULL);
  if (g_async_result_is_tagged (result, ff_executor_diagnose_async))
    return g_task_propagate_pointer (G_TASK (result), error);
  return FF_EXECUTOR_GET_IFACE (self)->diagnose_finish (self, result, error);
}

/**
 * ff_executor_can_reattach:
 *
 * Returns: whether the executor can follow again an attempt that an earlier
 *   daemon launched; one that cannot loses its runs with the daemon
 */
gboolean
ff_executor_can_reattach (FfExecutor *self)
{
  g_return_val_if_fail (FF_IS_EXECUTOR (self), FALSE);
  return FF_EXECUTOR_GET_IFACE (self)->reattach_async != NULL;
}

/**
 * ff_executor_is_configured:
 *
 * Returns: whether the executor may be the default of pipelines that name
 *   none (see #FfExecutorInterface); %FALSE for an executor that does not
 *   say
 */
gboolean
ff_executor_is_configured (FfExecutor *self)
{
  FfExecutorInterface *iface;

  g_return_val_if_fail (FF_IS_EXECUTOR (self), FALSE);
  iface = FF_EXECUTOR_GET_IFACE (self);
  return iface->is_configured != NULL && iface->is_configured (self);
}

/**
 * ff_executor_reattach_async:
 * @request: the run's id, pipeline, attempt and labels (org.fastflow.instance
 *   above all); its command and mounts need not be set
 *
 * Finds the attempt @request describes, launched by an earlier daemon of the
 * same instance, and follows it again. The execution emits the attempt's
 * output from its very beginning, so that the caller can skip exactly what
 * it recorded before; a caller that knows nothing would rather fail the run.
 * An executor that cannot do it fails with %G_IO_ERROR_NOT_SUPPORTED.
 */
void
ff_executor_reattach_async (FfExecutor *self,
                            FfRunRequest *request,
                            GCancellable *cancellable,
                            GAsyncReadyCallback callback,
                            gpointer user_data)
{
  FfExecutorInterface *iface;

  g_return_if_fail (FF_IS_EXECUTOR (self));
  g_return_if_fail (FF_IS_RUN_REQUEST (request));
  iface = FF_EXECUTOR_GET_IFACE (self);
  if (iface->reattach_async == NULL)
    {
      g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);
      g_task_set_source_tag (task, ff_executor_reattach_async);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               _ ("The executor %s cannot follow a run of an earlier fastflowd"),
                               ff_executor_get_name (self));
      return;
    }
  iface->reattach_async (self, request, cancellable, callback, user_data);
}

/**
 * ff_executor_reattach_finish:
 *
 * Returns: (transfer full): the running #FfExecution
 */
FfExecution *
ff_executor_reattach_finish (FfExecutor *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (FF_IS_EXECUTOR (self), NULL);
  if (g_async_result_is_tagged (result, ff_executor_reattach_async))
    return g_task_propagate_pointer (G_TASK (result), error);
  return FF_EXECUTOR_GET_IFACE (self)->reattach_finish (self, result, error);
}

/**
 * ff_executor_get_runtime:
 * @request: the run; its python_version and image above all
 * @runtime_id: (out) (transfer full): the runtime's identity, part of the
 *   key of the dependency environments built for it
 * @python: (out) (transfer full): the Python program to start in the run
 *
 * Returns: %TRUE, or %FALSE with @error set: the version cannot be had, or
 *   the executor cannot build dependency environments
 *   (%G_IO_ERROR_NOT_SUPPORTED)
 */
gboolean
ff_executor_get_runtime (FfExecutor *self,
                         FfRunRequest *request,
                         gchar **runtime_id,
                         gchar **python,
                         GError **error)
{
  FfExecutorInterface *iface;

  g_return_val_if_fail (FF_IS_EXECUTOR (self), FALSE);
  g_return_val_if_fail (FF_IS_RUN_REQUEST (request), FALSE);
  g_return_val_if_fail (runtime_id != NULL && python != NULL, FALSE);
  iface = FF_EXECUTOR_GET_IFACE (self);
  if (iface->get_runtime == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   _ ("The executor %s cannot install a pipeline's Python packages"),
                   ff_executor_get_name (self));
      return FALSE;
    }
  return iface->get_runtime (self, request, runtime_id, python, error);
}

/**
 * ff_executor_get_folder_path:
 * @host_path: the folder on the host
 *
 * Returns: (transfer full): the path at which a run sees @host_path
 */
gchar *
ff_executor_get_folder_path (FfExecutor *self, FfRunFolder folder, const gchar *host_path)
{
  FfExecutorInterface *iface;

  g_return_val_if_fail (FF_IS_EXECUTOR (self), NULL);
  g_return_val_if_fail (host_path != NULL, NULL);
  iface = FF_EXECUTOR_GET_IFACE (self);
  if (iface->get_folder_path == NULL)
    return g_strdup (host_path);
  return iface->get_folder_path (self, folder, host_path);
}
