/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "ff-dependency-env.h"

/* Written last by tools/ff-env-build.py, atomically: the environment is
 * complete. Without it a folder is a build that was interrupted. */
#define COMPLETE_MARKER ".fastflow-env-complete"
/* Part of every key: a new layout of the environments gets new keys. */
#define KEY_VERSION "fastflow-env-1"

typedef struct
{
  guint id;
  FfDependencyEnvDone done;
  gpointer user_data;
} Waiter;

typedef struct
{
  guint64 run_id;  /* the run whose build it is */
  GArray *waiters; /* Waiter */
} Build;

struct _FfDependencyEnvs
{
  GObject parent_instance;
  FfConfig *config;
  gchar *dir;         /* <state>/envs */
  GHashTable *builds; /* key → Build */
  GHashTable *users;  /* key → number of runs holding it */
  guint next_wait_id;
};

G_DEFINE_FINAL_TYPE (FfDependencyEnvs, ff_dependency_envs, G_TYPE_OBJECT)

static void
build_free (Build *build)
{
  g_array_unref (build->waiters);
  g_free (build);
}

void
ff_dependency_env_plan_clear (FfDependencyEnvPlan *plan)
{
  g_clear_pointer (&plan->python, g_free);
  g_clear_pointer (&plan->requirements, g_free);
  g_clear_pointer (&plan->key, g_free);
  g_clear_pointer (&plan->dir, g_free);
}

/* requirements.txt.lock wins over requirements.txt, as in Fast-Flow. */
static gboolean
read_requirements (const gchar *pipeline_dir, gchar **name, GBytes **contents, GError **error)
{
  static const gchar *const names[] = { "requirements.txt.lock", "requirements.txt" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree gchar *path = g_build_filename (pipeline_dir, names[i], NULL);
      g_autoptr (GError) local_error = NULL;
      g_autofree gchar *text = NULL;
      gsize len;

      if (!g_file_get_contents (path, &text, &len, &local_error))
        {
          if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
            continue;
          g_set_error (error, FF_ERROR, FF_ERROR_BROKEN_PIPELINE,
                       _ ("Cannot read the requirements %s: %s"), path, local_error->message);
          return FALSE;
        }
      *name = g_strdup (names[i]);
      *contents = g_bytes_new_take (g_steal_pointer (&text), len);
      return TRUE;
    }
  return TRUE;
}

static void
checksum_string (GChecksum *checksum, const gchar *text)
{
  /* with its terminating NUL: ("ab", "c") and ("a", "bc") differ */
  text = text != NULL ? text : "";
  g_checksum_update (checksum, (const guchar *) text, strlen (text) + 1);
}

/* SHA-256 of what makes an environment what it is. */
static gchar *
dup_key (FfDependencyEnvs *self, GBytes *requirements, const gchar *runtime, const gchar *executor)
{
  const FfDependencySources *sources = ff_config_get_dependency_sources (self->config);
  g_autoptr (GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree gchar *extra = g_strjoinv ("\n", sources->extra_index_urls);
  g_autofree gchar *length = g_strdup_printf ("%" G_GSIZE_FORMAT, g_bytes_get_size (requirements));
  gsize len;
  const guchar *data = g_bytes_get_data (requirements, &len);

  checksum_string (checksum, KEY_VERSION);
  checksum_string (checksum, length);
  g_checksum_update (checksum, data, len);
  checksum_string (checksum, runtime);
  checksum_string (checksum, executor);
  checksum_string (checksum, sources->index_url);
  checksum_string (checksum, extra);
  checksum_string (checksum, sources->find_links);
  checksum_string (checksum, sources->offline ? "offline" : "online");
  return g_strdup (g_checksum_get_string (checksum));
}

/* An executor that cannot say what runs Python still runs main.py with
 * [daemon] python, as before, unless the pipeline asks for what only a
 * runtime can give. */
static gboolean
runtime_not_supported (FfPipeline *pipeline,
                       FfExecutor *executor,
                       const gchar *requirements,
                       GError *cause,
                       GError **error)
{
  const gchar *version = ff_pipeline_get_python_version (pipeline);

  if (version != NULL)
    {
      g_set_error (error, FF_EXECUTOR_ERROR, FF_REASON_SPAWN_FAILED,
                   _ ("The pipeline asks for Python %s (python_version), but the executor %s "
                      "cannot choose a Python version; run it with an executor that can "
                      "(local, docker-proxy)"),
                   version, ff_executor_get_name (executor));
      return FALSE;
    }
  if (requirements != NULL)
    {
      g_set_error (error, FF_EXECUTOR_ERROR, FF_REASON_DEPENDENCIES_FAILED,
                   _ ("The pipeline has %s, but %s"), requirements, cause->message);
      return FALSE;
    }
  return TRUE;
}

/**
 * ff_dependency_envs_plan:
 * @request: the attempt's request, with its python_version, image and
 *   default Python set
 * @runs_python: whether the run starts Python itself (main.py)
 *
 * What @pipeline's run on @executor needs: the Python to start, and the
 * environment its requirements go into (not built here). A run that
 * starts no Python and has no requirements needs neither.
 */
gboolean
ff_dependency_envs_plan (FfDependencyEnvs *self,
                         FfPipeline *pipeline,
                         FfExecutor *executor,
                         FfRunRequest *request,
                         gboolean runs_python,
                         FfDependencyEnvPlan *plan,
                         GError **error)
{
  g_autoptr (GBytes) requirements = NULL;
  g_autofree gchar *runtime = NULL;
  g_autoptr (GError) local_error = NULL;

  g_return_val_if_fail (FF_IS_DEPENDENCY_ENVS (self), FALSE);
  if (!read_requirements (ff_pipeline_get_dir (pipeline), &plan->requirements, &requirements,
                          error))
    return FALSE;
  if (requirements == NULL && !runs_python)
    return TRUE;
  if (!ff_executor_get_runtime (executor, request, &runtime, &plan->python, &local_error))
    {
      if (!g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      return runtime_not_supported (pipeline, executor, plan->requirements, local_error, error);
    }
  if (requirements == NULL)
    return TRUE;
  plan->key = dup_key (self, requirements, runtime, ff_executor_get_name (executor));
  plan->dir = g_build_filename (self->dir, plan->key, NULL);
  return TRUE;
}

static gchar *
dup_env_dir (FfDependencyEnvs *self, const gchar *key)
{
  return g_build_filename (self->dir, key, NULL);
}

gboolean
ff_dependency_envs_is_complete (FfDependencyEnvs *self, const gchar *key)
{
  g_autofree gchar *marker = g_build_filename (self->dir, key, COMPLETE_MARKER, NULL);

  return g_file_test (marker, G_FILE_TEST_IS_REGULAR);
}

/* The folder a build writes into. envs/ itself is the daemon's alone; an
 * environment is read by runs, and written by a build that may run as
 * another user (a container's): @shared makes it writable for that one. */
gboolean
ff_dependency_envs_make_dir (FfDependencyEnvs *self,
                             const gchar *key,
                             gboolean shared,
                             GError **error)
{
  g_autofree gchar *dir = dup_env_dir (self, key);
  mode_t mode = shared ? 0777 : 0755;

  if (g_mkdir_with_parents (self->dir, 0700) != 0 ||
      (g_mkdir (dir, mode) != 0 && errno != EEXIST) || g_chmod (dir, mode) != 0)
    {
      gint saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _ ("Cannot create the dependency environment folder %s: %s"), dir,
                   g_strerror (saved_errno));
      return FALSE;
    }
  return TRUE;
}

/* A run uses the environment from its request until it is over: the sweep
 * leaves it alone meanwhile. */
void
ff_dependency_envs_hold (FfDependencyEnvs *self, const gchar *key)
{
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (self->users, key));

  g_hash_table_insert (self->users, g_strdup (key), GUINT_TO_POINTER (n + 1));
}

void
ff_dependency_envs_release (FfDependencyEnvs *self, const gchar *key)
{
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (self->users, key));

  if (n <= 1)
    g_hash_table_remove (self->users, key);
  else
    g_hash_table_insert (self->users, g_strdup (key), GUINT_TO_POINTER (n - 1));
}

/* TRUE: @run_id builds the environment; FALSE: another run does already
 * (ff_dependency_envs_get_builder() says which; wait for it). */
gboolean
ff_dependency_envs_claim_build (FfDependencyEnvs *self, const gchar *key, guint64 run_id)
{
  Build *build;

  if (g_hash_table_contains (self->builds, key))
    return FALSE;
  build = g_new0 (Build, 1);
  build->run_id = run_id;
  build->waiters = g_array_new (FALSE, FALSE, sizeof (Waiter));
  g_hash_table_insert (self->builds, g_strdup (key), build);
  return TRUE;
}

guint64
ff_dependency_envs_get_builder (FfDependencyEnvs *self, const gchar *key)
{
  Build *build = g_hash_table_lookup (self->builds, key);

  return build != NULL ? build->run_id : 0;
}

/* @done is called once the build of @key ends; returns the id for
 * ff_dependency_envs_cancel_wait(). */
guint
ff_dependency_envs_wait (FfDependencyEnvs *self,
                         const gchar *key,
                         FfDependencyEnvDone done,
                         gpointer user_data)
{
  Build *build = g_hash_table_lookup (self->builds, key);
  Waiter waiter = { ++self->next_wait_id, done, user_data };

  g_return_val_if_fail (build != NULL, 0);
  g_array_append_val (build->waiters, waiter);
  return waiter.id;
}

void
ff_dependency_envs_cancel_wait (FfDependencyEnvs *self, const gchar *key, guint id)
{
  Build *build = g_hash_table_lookup (self->builds, key);

  for (guint i = 0; build != NULL && i < build->waiters->len; i++)
    {
      if (g_array_index (build->waiters, Waiter, i).id == id)
        {
          g_array_remove_index (build->waiters, i);
          return;
        }
    }
}

/* The build is over; every run that waited for it hears how it ended. */
void
ff_dependency_envs_end_build (FfDependencyEnvs *self,
                              const gchar *key,
                              FfReason reason,
                              const gchar *message)
{
  g_autofree gchar *owned_key = NULL;
  Build *build = NULL;

  if (!g_hash_table_steal_extended (self->builds, key, (gpointer *) &owned_key,
                                    (gpointer *) &build))
    return;
  for (guint i = 0; i < build->waiters->len; i++)
    {
      Waiter *waiter = &g_array_index (build->waiters, Waiter, i);

      waiter->done (reason, message, waiter->user_data);
    }
  build_free (build);
}

/* Removes @path and all in it, following no symbolic link. */
static gboolean
remove_tree (const gchar *path)
{
  GStatBuf st;
  g_autoptr (GDir) dir = NULL;
  const gchar *name;

  if (g_lstat (path, &st) != 0)
    return errno == ENOENT;
  if (!S_ISDIR (st.st_mode))
    return g_unlink (path) == 0;
  dir = g_dir_open (path, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree gchar *child = g_build_filename (path, name, NULL);

      remove_tree (child);
    }
  return g_rmdir (path) == 0;
}

/* The keys @pipeline's runs would use, with any of @executors that can
 * build environments: which one a run takes is decided at its start. */
static void
add_needed (FfDependencyEnvs *self, FfPipeline *pipeline, GHashTable *executors, GHashTable *needed)
{
  GHashTable *env = ff_pipeline_get_default_env (pipeline);
  const gchar *path = env != NULL ? g_hash_table_lookup (env, "PATH") : NULL;
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, executors);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      g_autoptr (FfRunRequest) request = ff_run_request_new (0, ff_pipeline_get_name (pipeline));
      g_auto (FfDependencyEnvPlan) plan = { 0 };

      ff_run_request_set_python_version (request, ff_pipeline_get_python_version (pipeline));
      ff_run_request_set_default_python (request, ff_config_get_python (self->config));
      ff_run_request_set_image (request, ff_pipeline_get_image (pipeline));
      if (path != NULL)
        ff_run_request_set_env_var (request, "PATH", path);
      if (ff_dependency_envs_plan (self, pipeline, FF_EXECUTOR (value), request, FALSE, &plan,
                                   NULL) &&
          plan.key != NULL)
        g_hash_table_add (needed, g_steal_pointer (&plan.key));
    }
}

/**
 * ff_dependency_envs_sweep:
 * @pipelines: (element-type FfPipeline): the current pipelines
 * @executors: (element-type utf8 FfExecutor): the executors
 *
 * Removes the environments that no current pipeline needs and no run uses
 * or builds. Part of the retention sweep.
 *
 * Returns: how many were removed
 */
guint
ff_dependency_envs_sweep (FfDependencyEnvs *self, GPtrArray *pipelines, GHashTable *executors)
{
  g_autoptr (GDir) dir = g_dir_open (self->dir, 0, NULL);
  g_autoptr (GHashTable) needed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  const gchar *name;
  guint removed = 0;

  if (dir == NULL)
    return 0;
  for (guint i = 0; i < pipelines->len; i++)
    {
      FfPipeline *pipeline = g_ptr_array_index (pipelines, i);

      if (ff_pipeline_get_error (pipeline) == NULL)
        add_needed (self, pipeline, executors, needed);
    }

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree gchar *path = NULL;

      if (g_hash_table_contains (needed, name) || g_hash_table_contains (self->users, name) ||
          g_hash_table_contains (self->builds, name))
        continue;
      path = g_build_filename (self->dir, name, NULL);
      if (remove_tree (path))
        removed++;
      else
        g_warning (_ ("Cannot remove the unused dependency environment %s: %s"), path,
                   g_strerror (errno));
    }
  return removed;
}

static void
ff_dependency_envs_finalize (GObject *object)
{
  FfDependencyEnvs *self = FF_DEPENDENCY_ENVS (object);

  g_clear_object (&self->config);
  g_free (self->dir);
  g_hash_table_unref (self->builds);
  g_hash_table_unref (self->users);
  G_OBJECT_CLASS (ff_dependency_envs_parent_class)->finalize (object);
}

static void
ff_dependency_envs_class_init (FfDependencyEnvsClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ff_dependency_envs_finalize;
}

static void
ff_dependency_envs_init (FfDependencyEnvs *self)
{
  self->builds =
      g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) build_free);
  self->users = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

/* @state_dir: absolute, as executors mount the environments from it */
FfDependencyEnvs *
ff_dependency_envs_new (FfConfig *config, const gchar *state_dir)
{
  FfDependencyEnvs *self = g_object_new (FF_TYPE_DEPENDENCY_ENVS, NULL);

  self->config = g_object_ref (config);
  self->dir = g_build_filename (state_dir, "envs", NULL);
  return self;
}
