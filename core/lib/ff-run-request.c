/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ff-run-request.h"

struct _FfRunRequest
{
  GObject parent_instance;
  guint64 run_id;
  gchar *pipeline;
  gchar *pipeline_dir;
  gchar *pipelines_dir;
  GStrv command;
  GHashTable *env;
  GHashTable *labels;
  guint attempt;
  guint64 memory_limit;
  gdouble cpu_limit;
  guint64 memory_soft_limit;
  gdouble cpu_soft_limit;
  gchar *executor;
  gchar *image;
  gchar *route_file;
  gchar *network;
  guint stop_grace_ms;
  GStrv placement;
  gchar *python_version;
  gchar *default_python;
  gchar *folders[FF_RUN_FOLDER_LAST];
  gboolean folder_writable[FF_RUN_FOLDER_LAST];
};

G_DEFINE_TYPE (FfRunRequest, ff_run_request, G_TYPE_OBJECT)

static void
ff_run_request_finalize (GObject *object)
{
  FfRunRequest *self = FF_RUN_REQUEST (object);

  g_free (self->pipeline);
  g_free (self->pipeline_dir);
  g_free (self->pipelines_dir);
  g_strfreev (self->command);
  g_hash_table_unref (self->env);
  g_hash_table_unref (self->labels);
  g_free (self->executor);
  g_free (self->image);
  g_free (self->route_file);
  g_free (self->network);
  g_strfreev (self->placement);
  g_free (self->python_version);
  g_free (self->default_python);
  for (guint i = 0; i < FF_RUN_FOLDER_LAST; i++)
    g_free (self->folders[i]);
  G_OBJECT_CLASS (ff_run_request_parent_class)->finalize (object);
}

static void
ff_run_request_class_init (FfRunRequestClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ff_run_request_finalize;
}

static void
ff_run_request_init (FfRunRequest *self)
{
  self->env = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->labels = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->attempt = 1;
  self->stop_grace_ms = 10000;
}

FfRunRequest *
ff_run_request_new (guint64 run_id, const gchar *pipeline)
{
  FfRunRequest *self;

  g_return_val_if_fail (pipeline != NULL, NULL);
  self = g_object_new (FF_TYPE_RUN_REQUEST, NULL);
  self->run_id = run_id;
  self->pipeline = g_strdup (pipeline);
  return self;
}

guint64
ff_run_request_get_run_id (FfRunRequest *self)
{
  g_return_val_if_fail (FF_IS_RUN_REQUEST (self), 0);
  return self->run_id;
}

const gchar *
ff_run_request_get_pipeline (FfRunRequest *self)
{
  g_return_val_if_fail (FF_IS_RUN_REQUEST (self), NULL);
  return self->pipeline;
}

const gchar *
ff_run_request_get_pipeline_dir (FfRunRequest *self)
{
  g_return_val_if_fail (FF_IS_RUN_REQUEST (self), NULL);
  return self->pipeline_dir;
}

void
ff_run_request_set_pipeline_dir (FfRunRequest *self, const gchar *dir)
{
  g_return_if_fail (FF_IS_RUN_REQUEST (self));
  g_free (self->pipeline_dir);
  self->pipeline_dir = g_strdup (dir);
}

/**
 * ff_run_request_get_pipelines_dir:
 *
 * Returns: (nullable): the daemon's pipelines folder, in which the
 *   pipeline folder was found; an executor that mounts the pipeline folder
 *   takes it as the root the folder must lie in
 */
const gchar *
ff_run_request_get_pipelines_dir (FfRunRequest *self)
{
  g_return_val_if_fail (FF_IS_RUN_REQUEST (self), NULL);
  return self->pipelines_dir;
}

void
ff_run_request_set_pipelines_dir (FfRunRequest *self, const gchar *dir)
{
  g_return_if_fail (FF_IS_RUN_REQUEST (self));
  g_free (self->pipelines_dir);
  self->pipelines_dir = g_strdup (dir);
}

const gchar *const *
ff_run_request_get_command (FfRunRequest *self)
{
  g_return_val_if_fail (FF_IS_RUN_REQUEST (self), NULL);
  return (const gchar *const *) self->command;
}

void
ff_run_request_set_command (FfRunRequest *self, const gchar *const *argv)
{
  g_return_if_fail (FF_IS_RUN_REQUEST (self));
  g_strfreev (self->command);
  self->command = g_strdupv ((gchar **) argv);
}

/**
 * ff_run_request_get_env:
 *
 * Returns: (transfer none) (element-type utf8 utf8): the run's environment
 */
GHashTable *
ff_run_request_get_env (FfRunRequest *self)
{
  g_return_val_if_fail (FF_IS_RUN_REQUEST (self), NULL);
  return self->env;
}

void
ff_run_request_set_env_var (FfRunRequest *self, const gchar *key, const gchar *value)
{
  g_return_if_fail (FF_IS_RUN_REQUEST (self));
  g_return_if_fail (key != NULL && value != NULL);
  g_hash_table_replace (self->env, g_strdup (key), g_strdup (value));
}

/**
 * ff_run_request_dup_environ:
 * @base: (nullable) (transfer none): an environ to start from
 *
 * Returns: (transfer full): @base overlaid with the request's variables.
 */
gchar **
ff_run_request_dup_environ (FfRunRequest *self, gchar **base)
{
  GHashTableIter iter;
  gpointer key, value;
  gchar **envp = g_strdupv (base);

  g_return_val_if_fail (FF_IS_RUN_REQUEST (self), NULL);
  g_hash_table_iter_init (&iter, self->env);
  while (g_hash_table_iter_next (&iter, &key, &value))
    envp = g_environ_setenv (envp, key, value, TRUE);
  return envp;
}

/**
 * ff_run_request_get_labels:
 *
 * Returns: (transfer none) (element-type utf8 utf8): the container labels
 */
GHashTable *
ff_run_request_get_labels (FfRunRequest *self)
{
  g_return_val_if_fail (FF_IS_RUN_REQUEST (self), NULL);
  return self->labels;
}

void
ff_run_request_set_label (FfRunRequest *self, const gchar *key, const gchar *value)
{
  g_return_if_fail (FF_IS_RUN_REQUEST (self));
  g_return_if_fail (key != NULL && value != NULL);
  g_hash_table_replace (self->labels, g_strdup (key), g_strdup (value));
}

guint
ff_run_request_get_attempt (FfRunRequest *self)
{
  g_return_val_if_fail (FF_IS_RUN_REQUEST (self), 0);
  return self->attempt;
}

void
ff_run_request_set_attempt (FfRunRequest *self, guint attempt)
{
  g_return_if_fail (FF_IS_RUN_REQUEST (self));
  self->attempt = attempt;
}

guint64
ff_run_request_get_memory_limit (FfRunRequest *self)
{
  g_return_val_if_fail (FF_IS_RUN_REQUEST (self), 0);
  return self->memory_limit;
}

void
ff_run_request_set_memory_limit (FfRunRequest *self, guint64 bytes)
{
  g_return_if_fail (FF_IS_RUN_REQUEST (self));
  self->memory_limit = bytes;
}

gdouble
ff_run_request_get_cpu_limit (FfRunRequest *self)
{
  g_return_val_if_fail (FF_IS_RUN_REQUEST (self), 0);
  return self->cpu_limit;
}

void
ff_run_request_set_cpu_limit (FfRunRequest *self, gdouble cpus)
{
  g_return_if_fail (FF_IS_RUN_REQUEST (self));
  self->cpu_limit = cpus;
}

const gchar *
ff_run_request_get_image (FfRunRequest *self)
{
  g_return_val_if_fail (FF_IS_RUN_REQUEST (self), NULL);
  return self->image;
}

void
ff_run_request_set_image (FfRunRequest *self, const gchar *image)
{
  g_return_if_fail (FF_IS_RUN_REQUEST (self));
  g_free (self->image);
  self->image = g_strdup (image);
}

const gchar *
ff_run_request_get_network (FfRunRequest *self)
{
  g_return_val_if_fail (FF_IS_RUN_REQUEST (self), NULL);
  return self->network;
}

void
ff_run_request_set_network (FfRunRequest *self, const gchar *network)
{
  g_return_if_fail (FF_IS_RUN_REQUEST (self));
  g_free (self->network);
  self->network = g_strdup (network);
}

guint
ff_run_request_get_stop_grace_ms (FfRunRequest *self)
{
  g_return_val_if_fail (FF_IS_RUN_REQUEST (self), 0);
  return self->stop_grace_ms;
}

void
ff_run_request_set_stop_grace_ms (FfRunRequest *self, guint grace_ms)
{
  g_return_if_fail (FF_IS_RUN_REQUEST (self));
  self->stop_grace_ms = grace_ms;
}

guint64
ff_run_request_get_memory_soft_limit (FfRunRequest *self)
{
  g_return_val_if_fail (FF_IS_RUN_REQUEST (self), 0);
  return self->memory_soft_limit;
}

void
ff_run_request_set_memory_soft_limit (FfRunRequest *self, guint64 bytes)
{
  g_return_if_fail (FF_IS_RUN_REQUEST (self));
  self->memory_soft_limit = bytes;
}

gdouble
ff_run_request_get_cpu_soft_limit (FfRunRequest *self)
{
  g_return_val_if_fail (FF_IS_RUN_REQUEST (self), 0);
  return self->cpu_soft_limit;
}

void
ff_run_request_set_cpu_soft_limit (FfRunRequest *self, gdouble cpus)
{
  g_return_if_fail (FF_IS_RUN_REQUEST (self));
  self->cpu_soft_limit = cpus;
}

const gchar *
ff_run_request_get_executor (FfRunRequest *self)
{
  g_return_val_if_fail (FF_IS_RUN_REQUEST (self), NULL);
  return self->executor;
}

void
ff_run_request_set_executor (FfRunRequest *self, const gchar *executor)
{
  g_return_if_fail (FF_IS_RUN_REQUEST (self));
  g_free (self->executor);
  self->executor = g_strdup (executor);
}

const gchar *
ff_run_request_get_route_file (FfRunRequest *self)
{
  g_return_val_if_fail (FF_IS_RUN_REQUEST (self), NULL);
  return self->route_file;
}

void
ff_run_request_set_route_file (FfRunRequest *self, const gchar *path)
{
  g_return_if_fail (FF_IS_RUN_REQUEST (self));
  g_free (self->route_file);
  self->route_file = g_strdup (path);
}

/**
 * ff_run_request_get_placement:
 *
 * Returns: (nullable) (array zero-terminated=1): placement constraints for
 *   executors that pick a machine, e.g. "node.role==manager"
 */
const gchar *const *
ff_run_request_get_placement (FfRunRequest *self)
{
  g_return_val_if_fail (FF_IS_RUN_REQUEST (self), NULL);
  return (const gchar *const *) self->placement;
}

void
ff_run_request_set_placement (FfRunRequest *self, const gchar *const *constraints)
{
  g_return_if_fail (FF_IS_RUN_REQUEST (self));
  g_strfreev (self->placement);
  self->placement = g_strdupv ((gchar **) constraints);
}

/**
 * ff_run_request_get_folder:
 * @writable: (out) (optional): whether the run may write to it
 *
 * Returns: (nullable): the folder on the host, or %NULL when the run does
 *   not need it
 */
const gchar *
ff_run_request_get_folder (FfRunRequest *self, FfRunFolder folder, gboolean *writable)
{
  g_return_val_if_fail (FF_IS_RUN_REQUEST (self), NULL);
  g_return_val_if_fail (folder < FF_RUN_FOLDER_LAST, NULL);
  if (writable != NULL)
    *writable = self->folder_writable[folder];
  return self->folders[folder];
}

/**
 * ff_run_request_set_folder:
 * @host_path: (nullable): the folder on the host; %NULL to unset
 * @writable: whether the run may write to it; only the dependency
 *   environment's build may
 */
void
ff_run_request_set_folder (FfRunRequest *self,
                           FfRunFolder folder,
                           const gchar *host_path,
                           gboolean writable)
{
  g_return_if_fail (FF_IS_RUN_REQUEST (self));
  g_return_if_fail (folder < FF_RUN_FOLDER_LAST);
  g_free (self->folders[folder]);
  self->folders[folder] = g_strdup (host_path);
  self->folder_writable[folder] = host_path != NULL && writable;
}

const gchar *
ff_run_request_get_python_version (FfRunRequest *self)
{
  g_return_val_if_fail (FF_IS_RUN_REQUEST (self), NULL);
  return self->python_version;
}

void
ff_run_request_set_python_version (FfRunRequest *self, const gchar *version)
{
  g_return_if_fail (FF_IS_RUN_REQUEST (self));
  g_free (self->python_version);
  self->python_version = g_strdup (version);
}

/* The Python the daemon starts main.py with when the pipeline names no
 * python_version (`[daemon] python`): what an executor's get_runtime()
 * resolves then. NULL: "python3". */
const gchar *
ff_run_request_get_default_python (FfRunRequest *self)
{
  g_return_val_if_fail (FF_IS_RUN_REQUEST (self), NULL);
  return self->default_python;
}

void
ff_run_request_set_default_python (FfRunRequest *self, const gchar *python)
{
  g_return_if_fail (FF_IS_RUN_REQUEST (self));
  g_free (self->default_python);
  self->default_python = g_strdup (python);
}
