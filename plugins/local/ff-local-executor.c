/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "ff-local-execution.h"
#include "ff-local-executor.h"

/* Runs pipelines as child processes of the daemon: no isolation beyond a
 * process group, for machines without Docker and for development. */
struct _FfLocalExecutor
{
  GObject parent_instance;
};

static void ff_local_executor_iface_init (FfExecutorInterface *iface);

G_DEFINE_TYPE_WITH_CODE (FfLocalExecutor,
                         ff_local_executor,
                         G_TYPE_OBJECT,
                         G_IMPLEMENT_INTERFACE (FF_TYPE_EXECUTOR, ff_local_executor_iface_init))

static const gchar *
ff_local_executor_get_name (FfExecutor *executor)
{
  return "local";
}

static void
child_setup (gpointer user_data)
{
  /* its own process group, so a cancel reaches everything it started */
  setpgid (0, 0);
  /* A local run cannot be followed again by the next daemon (its output
   * pipes end with this one), so it ends with the daemon, even a killed
   * one, rather than running on unseen; the next start marks it lost. */
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

/* "./run.sh" means the file in the pipeline folder, not one on PATH. */
static gchar **
resolve_argv (FfRunRequest *request)
{
  const gchar *const *command = ff_run_request_get_command (request);
  gchar **argv = g_strdupv ((gchar **) command);

  if (argv[0] != NULL && !g_path_is_absolute (argv[0]) && strchr (argv[0], '/') != NULL)
    {
      gchar *path = g_build_filename (ff_run_request_get_pipeline_dir (request), argv[0], NULL);
      g_free (argv[0]);
      argv[0] = path;
    }
  return argv;
}

static void
ff_local_executor_launch_async (FfExecutor *executor,
                                FfRunRequest *request,
                                GCancellable *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (executor, cancellable, callback, user_data);
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) base_env = g_get_environ ();
  g_auto (GStrv) envp = ff_run_request_dup_environ (request, base_env);
  g_auto (GStrv) argv = resolve_argv (request);
  const gchar *dir = ff_run_request_get_pipeline_dir (request);
  GSpawnFlags flags = G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD |
                      G_SPAWN_STDIN_FROM_DEV_NULL | G_SPAWN_CLOEXEC_PIPES;
  gint stdout_fd = -1, stderr_fd = -1;
  g_autofree gchar *message = NULL;
  GPid pid = 0;

  g_task_set_source_tag (task, ff_local_executor_launch_async);
  if (argv[0] == NULL)
    {
      message = ff_message_new (GETTEXT_PACKAGE, N_ ("The pipeline has no command to run"), NULL);
      g_task_return_error (
          task, g_error_new_literal (FF_EXECUTOR_ERROR, FF_REASON_SPAWN_FAILED, message));
      return;
    }
  if (g_task_return_error_if_cancelled (task))
    return;
  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      message =
          ff_message_new (GETTEXT_PACKAGE, N_ ("The pipeline folder %s does not exist"), dir, NULL);
      g_task_return_error (
          task, g_error_new_literal (FF_EXECUTOR_ERROR, FF_REASON_SPAWN_FAILED, message));
      return;
    }
  /* stdin is /dev/null: a run is never interactive. Not GSubprocess: it
   * forgets the pid as soon as it reaps the child, which a quick one lets
   * happen before the pid is read, and the pid is the group to signal. */
  if (!g_spawn_async_with_pipes_and_fds (
          dir, (const gchar *const *) argv, (const gchar *const *) envp, flags, child_setup, NULL,
          -1, -1, -1, NULL, NULL, 0, &pid, NULL, &stdout_fd, &stderr_fd, &error))
    {
      message = ff_message_new (GETTEXT_PACKAGE, N_ ("Cannot start “%s” in %s: %s"), argv[0], dir,
                                error->message, NULL);
      g_task_return_error (
          task, g_error_new_literal (FF_EXECUTOR_ERROR, FF_REASON_SPAWN_FAILED, message));
      return;
    }
  g_task_return_pointer (task, ff_local_execution_new (pid, stdout_fd, stderr_fd), g_object_unref);
}

/* Output starts flowing only now that the caller holds the execution: a
 * chunk read earlier would be emitted before it could connect. */
static FfExecution *
ff_local_executor_launch_finish (FfExecutor *executor, GAsyncResult *result, GError **error)
{
  FfLocalExecution *execution = g_task_propagate_pointer (G_TASK (result), error);

  if (execution != NULL)
    ff_local_execution_start (execution);
  return FF_EXECUTION (execution);
}

static void
ff_local_executor_iface_init (FfExecutorInterface *iface)
{
  iface->get_name = ff_local_executor_get_name;
  iface->launch_async = ff_local_executor_launch_async;
  iface->launch_finish = ff_local_executor_launch_finish;
}

static void
ff_local_executor_class_init (FfLocalExecutorClass *klass)
{
}

static void
ff_local_executor_init (FfLocalExecutor *self)
{
}

FfLocalExecutor *
ff_local_executor_new (void)
{
  return g_object_new (FF_TYPE_LOCAL_EXECUTOR, NULL);
}
