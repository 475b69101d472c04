/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "ff-local-cgroup.h"
#include "ff-local-execution.h"
#include "ff-local-executor.h"
#include "ff-local-runtime.h"
#include "ff-local-spawn.h"

#define CONFIG_GROUP "executor.local"

/* Runs pipelines as child processes of the daemon: no isolation beyond a
 * process group, for machines without Docker and for development. */
struct _FfLocalExecutor
{
  GObject parent_instance;
  GStrv pass_env; /* [executor.local] pass_env: more of the daemon's variables */
  FfLocalCgroupSource cgroups; /* where to look for the runs' cgroups */
  FfLocalRuntimes *runtimes;
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

/* What a run gets of the daemon's own environment: what a program needs
 * to find its tools, its user and its language. Everything else the daemon
 * holds (DOCKER_PROXY_URL, the bus address, the operator's credentials)
 * is its own configuration; with DOCKER_PROXY_URL a pipeline could make
 * itself a privileged container. */
static const gchar *const kept_names[] = {
  "PATH", "HOME", "USER", "LOGNAME", "LANG", "LANGUAGE", "TZ", "TMPDIR", NULL,
};

static gboolean
is_kept (FfLocalExecutor *self, const gchar *name)
{
  return g_strv_contains (kept_names, name) || g_str_has_prefix (name, "LC_") ||
         (self->pass_env != NULL && g_strv_contains ((const gchar *const *) self->pass_env, name));
}

/* The base a run's own variables are laid over: never the daemon's whole
 * environment. */
static GStrv
dup_base_environ (FfLocalExecutor *self)
{
  g_auto (GStrv) daemon_env = g_get_environ ();
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; daemon_env[i] != NULL; i++)
    {
      const gchar *eq = strchr (daemon_env[i], '=');
      g_autofree gchar *name = NULL;

      if (eq == NULL)
        continue;
      name = g_strndup (daemon_env[i], eq - daemon_env[i]);
      if (is_kept (self, name))
        g_strv_builder_add (builder, daemon_env[i]);
    }
  return g_strv_builder_end (builder);
}

static gboolean
ff_local_executor_configure (FfExecutor *executor, GKeyFile *config, GError **error)
{
  FfLocalExecutor *self = FF_LOCAL_EXECUTOR (executor);
  g_auto (GStrv) names = NULL;

  names = g_key_file_get_string_list (config, CONFIG_GROUP, "pass_env", NULL, NULL);
  for (guint i = 0; names != NULL && names[i] != NULL; i++)
    {
      g_strstrip (names[i]);
      if (!ff_env_name_is_valid (names[i], -1))
        {
          g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                       _ ("[%s] pass_env: “%s” is not a variable name (letters, digits and “_”, "
                          "not starting with a digit; names are separated by “;”)"),
                       CONFIG_GROUP, names[i]);
          return FALSE;
        }
    }
  g_strfreev (self->pass_env);
  self->pass_env = g_steal_pointer (&names);
  return TRUE;
}

/* mem_hard_limit and cpu_hard_limit, as a container has them, or the run
 * does not start: a limit is never dropped without a word. cpu_hard_limit
 * above this machine's cores is lowered to them first, with a note. */
static gboolean
make_cgroup (FfLocalExecutor *self,
             FfRunRequest *request,
             FfLocalCgroup **cgroup,
             gchar **note,
             GError **error)
{
  guint64 memory = ff_run_request_get_memory_limit (request);
  g_autoptr (GError) local_error = NULL;
  const gchar *setting;
  g_autofree gchar *message = NULL;

  *cgroup = NULL;
  *note = ff_limits_clamp_cpus (request, g_get_num_processors ());
  if (memory == 0 && ff_run_request_get_cpu_limit (request) <= 0)
    return TRUE;
  *cgroup = ff_local_cgroup_new (&self->cgroups, memory, ff_run_request_get_cpu_limit (request),
                                 &local_error);
  if (*cgroup != NULL)
    return TRUE;
  setting = memory > 0 && ff_run_request_get_cpu_limit (request) > 0
                ? "mem_hard_limit, cpu_hard_limit"
                : (memory > 0 ? "mem_hard_limit" : "cpu_hard_limit");
  message = ff_message_new (
      GETTEXT_PACKAGE,
      N_ ("The pipeline sets %s, which the local executor applies with a cgroup of the run's own, "
          "and this machine gives fastflowd none (%s); the run does not start. Run the pipeline "
          "on a container executor, give fastflowd a delegated cgroup (README: “Local runs and "
          "their limits”), or remove %s from its pipeline.json"),
      setting, local_error->message, setting, NULL);
  g_set_error_literal (error, FF_EXECUTOR_ERROR, FF_REASON_REFUSED, message);
  return FALSE;
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
  g_auto (GStrv) base_env = dup_base_environ (FF_LOCAL_EXECUTOR (executor));
  g_auto (GStrv) envp =
      ff_local_runtimes_apply_env (request, ff_run_request_dup_environ (request, base_env));
  g_auto (GStrv) argv = resolve_argv (request);
  const gchar *dir = ff_run_request_get_pipeline_dir (request);
  gint stdout_fd = -1, stderr_fd = -1;
  g_autofree gchar *message = NULL;
  g_autoptr (FfLocalCgroup) cgroup = NULL;
  g_autofree gchar *note = NULL;
  const gint *cgroup_fds = NULL;
  guint n_cgroup_fds = 0;
  FfLocalExecution *execution;
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
  if (!make_cgroup (FF_LOCAL_EXECUTOR (executor), request, &cgroup, &note, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (cgroup != NULL)
    cgroup_fds = ff_local_cgroup_get_procs_fds (cgroup, &n_cgroup_fds);
  /* Not GSubprocess: it forgets the pid as soon as it reaps the child,
   * which a quick one lets happen before the pid is read, and the pid is
   * the group to signal. */
  if (!ff_local_spawn (dir, (const gchar *const *) argv, (const gchar *const *) envp, cgroup_fds,
                       n_cgroup_fds, &pid, &stdout_fd, &stderr_fd, &error))
    {
      message = ff_message_new (GETTEXT_PACKAGE, N_ ("Cannot start “%s” in %s: %s"), argv[0], dir,
                                error->message, NULL);
      g_task_return_error (
          task, g_error_new_literal (FF_EXECUTOR_ERROR, FF_REASON_SPAWN_FAILED, message));
      return;
    }
  execution = ff_local_execution_new (pid, stdout_fd, stderr_fd);
  ff_local_execution_set_cgroup (execution, g_steal_pointer (&cgroup));
  if (note != NULL)
    ff_execution_add_note (FF_EXECUTION (execution), note);
  g_task_return_pointer (task, execution, g_object_unref);
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

static gboolean
ff_local_executor_get_runtime (FfExecutor *executor,
                               FfRunRequest *request,
                               gchar **runtime_id,
                               gchar **python,
                               GError **error)
{
  return ff_local_runtimes_resolve (FF_LOCAL_EXECUTOR (executor)->runtimes, request, runtime_id,
                                    python, error);
}

/* Runs whatever it is given: the default of last resort. */
static gboolean
ff_local_executor_is_configured (FfExecutor *executor)
{
  return TRUE;
}

static void
ff_local_executor_iface_init (FfExecutorInterface *iface)
{
  iface->is_configured = ff_local_executor_is_configured;
  iface->get_name = ff_local_executor_get_name;
  iface->configure = ff_local_executor_configure;
  iface->launch_async = ff_local_executor_launch_async;
  iface->launch_finish = ff_local_executor_launch_finish;
  iface->get_runtime = ff_local_executor_get_runtime;
}

static void
ff_local_executor_finalize (GObject *object)
{
  g_strfreev (FF_LOCAL_EXECUTOR (object)->pass_env);
  ff_local_runtimes_free (FF_LOCAL_EXECUTOR (object)->runtimes);
  G_OBJECT_CLASS (ff_local_executor_parent_class)->finalize (object);
}

static void
ff_local_executor_class_init (FfLocalExecutorClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ff_local_executor_finalize;
}

static void
ff_local_executor_init (FfLocalExecutor *self)
{
  self->runtimes = ff_local_runtimes_new ();
  self->cgroups.cgroup_file = "/proc/self/cgroup";
  self->cgroups.mountinfo_file = "/proc/self/mountinfo";
}

/* For tests: a machine whose cgroups these files describe. The strings
 * must outlive @self. */
void
ff_local_executor_set_cgroup_source (FfLocalExecutor *self,
                                     const gchar *cgroup_file,
                                     const gchar *mountinfo_file)
{
  self->cgroups.cgroup_file = cgroup_file;
  self->cgroups.mountinfo_file = mountinfo_file;
}

FfLocalExecutor *
ff_local_executor_new (void)
{
  return g_object_new (FF_TYPE_LOCAL_EXECUTOR, NULL);
}
