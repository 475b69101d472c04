/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "ff-run-job-private.h"

/*
 * A run's dependency environment and Python (issue 17): the Python that
 * runs main.py comes from the executor's runtime (python_version); a
 * pipeline with requirements runs in an environment of its own, built
 * before the attempt through the same executor, as a step of the run with
 * its output in the run's log. Two runs that need the same new environment
 * build it once: the second waits for the first.
 */

#define BUILDER "ff-env-build.py"
/* tools/ff-env-build.py's exit code for an index it cannot reach */
#define BUILDER_EXIT_UNREACHABLE 75
/* what of the build's output is kept for the run's message: its end */
#define TAIL_MAX 4096

static gboolean
is_python_entry (FfPipeline *pipeline, FfRunRequest *request)
{
  const gchar *const *argv = ff_run_request_get_command (request);

  if (ff_pipeline_get_command (pipeline) != NULL || argv == NULL || argv[0] == NULL)
    return FALSE;
  /* a notebook's runner is started by the same Python as a main.py */
  return ff_pipeline_is_notebook (pipeline) ||
         (g_strcmp0 (argv[1], "main.py") == 0 && argv[2] == NULL);
}

static void
set_python (FfRunRequest *request, const gchar *python)
{
  g_auto (GStrv) argv = g_strdupv ((gchar **) ff_run_request_get_command (request));

  g_free (argv[0]);
  argv[0] = g_strdup (python);
  ff_run_request_set_command (request, (const gchar *const *) argv);
}

/* What an attempt held of the environments is given back. */
void
ff_run_job_env_clear (FfRunJob *self)
{
  FfDependencyEnvs *envs = self->host->envs;

  if (self->env_wait_id != 0)
    ff_dependency_envs_cancel_wait (envs, self->env.key, self->env_wait_id);
  self->env_wait_id = 0;
  if (self->env_held)
    ff_dependency_envs_release (envs, self->env.key);
  self->env_held = FALSE;
  g_clear_object (&self->build_request);
  g_clear_object (&self->env_executor);
  if (self->build_tail != NULL)
    g_string_free (self->build_tail, TRUE);
  self->build_tail = NULL;
  ff_dependency_env_plan_clear (&self->env);
}

/**
 * ff_run_job_env_prepare:
 *
 * The request's Python (python_version through the executor's runtime)
 * and, with requirements, its environment: read-only, its Python running
 * main.py. Whether the environment must be built first is for
 * ff_run_job_env_launch() to see.
 */
gboolean
ff_run_job_env_prepare (FfRunJob *self,
                        FfPipeline *pipeline,
                        FfExecutor *executor,
                        FfRunRequest *request,
                        GError **error)
{
  g_autofree gchar *seen = NULL;
  g_autofree gchar *python = NULL;

  ff_run_job_env_clear (self);
  ff_run_request_set_python_version (request, ff_pipeline_get_python_version (pipeline));
  ff_run_request_set_default_python (request, ff_config_get_python (self->host->config));
  if (!ff_dependency_envs_plan (self->host->envs, pipeline, executor, request,
                                is_python_entry (pipeline, request), &self->env, error))
    return FALSE;
  if (self->env.key != NULL)
    {
      ff_dependency_envs_hold (self->host->envs, self->env.key);
      self->env_held = TRUE;
      ff_run_request_set_folder (request, FF_RUN_FOLDER_DEPENDENCY_ENV, self->env.dir, FALSE);
      seen = ff_executor_get_folder_path (executor, FF_RUN_FOLDER_DEPENDENCY_ENV, self->env.dir);
      python = g_build_filename (seen, "bin", "python", NULL);
    }
  else
    python = g_strdup (self->env.python);
  if (python != NULL && is_python_entry (pipeline, request))
    set_python (request, python);
  return TRUE;
}

/* The builder's arguments: where, from what, and where packages come from. */
static GStrv
dup_build_argv (FfRunJob *self, FfExecutor *executor)
{
  const FfDependencySources *sources = ff_config_get_dependency_sources (self->host->config);
  const gchar *tools_dir = ff_config_get_tools_dir (self->host->config);
  g_autoptr (GStrvBuilder) argv = g_strv_builder_new ();
  g_autofree gchar *tools = ff_executor_get_folder_path (executor, FF_RUN_FOLDER_TOOLS, tools_dir);
  g_autofree gchar *builder = g_build_filename (tools, BUILDER, NULL);
  g_autofree gchar *target =
      ff_executor_get_folder_path (executor, FF_RUN_FOLDER_DEPENDENCY_ENV, self->env.dir);

  g_strv_builder_add_many (argv, self->env.python != NULL ? self->env.python : "python3", builder,
                           "--target", target, "--requirements", self->env.requirements, NULL);
  if (sources->index_url != NULL)
    g_strv_builder_add_many (argv, "--index-url", sources->index_url, NULL);
  for (guint i = 0; sources->extra_index_urls[i] != NULL; i++)
    g_strv_builder_add_many (argv, "--extra-index-url", sources->extra_index_urls[i], NULL);
  if (sources->find_links != NULL && sources->find_links_dir)
    {
      g_autofree gchar *wheels =
          ff_executor_get_folder_path (executor, FF_RUN_FOLDER_WHEELS, sources->find_links);

      g_strv_builder_add_many (argv, "--find-links", wheels, NULL);
    }
  else if (sources->find_links != NULL)
    g_strv_builder_add_many (argv, "--find-links", sources->find_links, NULL);
  if (sources->offline)
    g_strv_builder_add (argv, "--offline");
  return g_strv_builder_end (argv);
}

static void
copy_labels (FfRunRequest *from, FfRunRequest *to)
{
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, ff_run_request_get_labels (from));
  while (g_hash_table_iter_next (&iter, &key, &value))
    ff_run_request_set_label (to, key, value);
}

/* The build runs like the attempt (executor, image, labels, limits, the
 * pipeline folder as its working folder) but with the environment
 * writable, fastflow's tools, the wheels folder, the network it needs to
 * download (unless offline), and none of the pipeline's variables: they
 * are no part of the environment's key. */
static FfRunRequest *
build_env_request (FfRunJob *self, FfExecutor *executor)
{
  FfRunRequest *attempt = self->request;
  const FfDependencySources *sources = ff_config_get_dependency_sources (self->host->config);
  g_autoptr (FfRunRequest) request = ff_run_request_new (ff_run_request_get_run_id (attempt),
                                                         ff_run_request_get_pipeline (attempt));
  g_auto (GStrv) argv = dup_build_argv (self, executor);

  ff_run_request_set_command (request, (const gchar *const *) argv);
  ff_run_request_set_pipeline_dir (request, ff_run_request_get_pipeline_dir (attempt));
  ff_run_request_set_pipelines_dir (request, ff_run_request_get_pipelines_dir (attempt));
  ff_run_request_set_attempt (request, ff_run_request_get_attempt (attempt));
  ff_run_request_set_env_var (request, "PYTHONUNBUFFERED", "1");
  copy_labels (attempt, request);
  ff_run_request_set_label (request, "org.fastflow.build", "dependency-env");
  ff_run_request_set_memory_limit (request, ff_run_request_get_memory_limit (attempt));
  ff_run_request_set_cpu_limit (request, ff_run_request_get_cpu_limit (attempt));
  ff_run_request_set_memory_soft_limit (request, ff_run_request_get_memory_soft_limit (attempt));
  ff_run_request_set_cpu_soft_limit (request, ff_run_request_get_cpu_soft_limit (attempt));
  ff_run_request_set_executor (request, ff_run_request_get_executor (attempt));
  ff_run_request_set_image (request, ff_run_request_get_image (attempt));
  ff_run_request_set_placement (request, ff_run_request_get_placement (attempt));
  ff_run_request_set_stop_grace_ms (request, ff_run_request_get_stop_grace_ms (attempt));
  ff_run_request_set_network (request, sources->offline ? "none" : "bridge");
  ff_run_request_set_python_version (request, ff_run_request_get_python_version (attempt));
  ff_run_request_set_default_python (request, ff_run_request_get_default_python (attempt));
  ff_run_request_set_folder (request, FF_RUN_FOLDER_DEPENDENCY_ENV, self->env.dir, TRUE);
  ff_run_request_set_folder (request, FF_RUN_FOLDER_TOOLS,
                             ff_config_get_tools_dir (self->host->config), FALSE);
  if (sources->find_links != NULL && sources->find_links_dir)
    ff_run_request_set_folder (request, FF_RUN_FOLDER_WHEELS, sources->find_links, FALSE);
  return g_steal_pointer (&request);
}

/* The last line the builder wrote: its own summary of what went wrong. */
static gchar *
dup_last_line (GString *tail)
{
  g_auto (GStrv) lines = NULL;
  guint n;

  if (tail == NULL)
    return NULL;
  lines = g_strsplit (tail->str, "\n", -1);
  for (n = g_strv_length (lines); n > 0; n--)
    {
      g_strstrip (lines[n - 1]);
      if (*lines[n - 1] != '\0')
        return g_utf8_make_valid (lines[n - 1], -1);
    }
  return NULL;
}

static void
set_step (FfRunJob *self, const gchar *step)
{
  ff_run_set_step (self->run, step);
}

/* The environment is there: the attempt starts. */
static void
env_ready (FfRunJob *self, FfExecutor *executor)
{
  set_step (self, NULL);
  /* the attempt's output starts here; what the log holds of the build is
   * no part of it for a restart that follows the attempt again */
  self->consumed = 0;
  ff_run_job_launch_attempt (self, executor);
}

/* The run ends before its attempt started: the build failed, or the run
 * was stopped. */
static void
env_failed (FfRunJob *self, FfReason reason, const gchar *message)
{
  set_step (self, NULL);
  if (self->stop_reason != FF_REASON_NONE)
    {
      reason = self->stop_reason;
      message = NULL;
    }
  ff_run_job_emit_ended (self, reason, -1, message);
}

static FfReason
build_reason (gint exit_code, FfReason reason)
{
  if (reason != FF_REASON_NONE && reason != FF_REASON_EXIT_CODE)
    return reason; /* the executor's: e.g. its engine failed */
  if (exit_code == BUILDER_EXIT_UNREACHABLE)
    return FF_REASON_INDEX_UNREACHABLE;
  return FF_REASON_DEPENDENCIES_FAILED;
}

static void
on_build_output (FfExecution *execution, gint stream, GBytes *data, FfRunJob *self)
{
  gsize len;
  const gchar *text = g_bytes_get_data (data, &len);

  g_string_append_len (self->build_tail, text, len);
  if (self->build_tail->len > TAIL_MAX)
    g_string_erase (self->build_tail, 0, self->build_tail->len - TAIL_MAX);
  ff_run_job_record (self, data);
}

static void
on_build_exited (
    FfExecution *execution, gint exit_code, gint reason, const gchar *message, FfRunJob *self)
{
  FfExecutor *executor = self->env_executor;
  g_autoptr (FfExecution) build = g_steal_pointer (&self->build);
  g_autofree gchar *key = g_strdup (self->env.key);
  g_autofree gchar *words = NULL;
  g_autofree gchar *why = NULL;
  g_autofree gchar *note = NULL;
  FfReason final;

  g_signal_handlers_disconnect_by_data (build, self);
  if (self->stop_reason == FF_REASON_NONE && exit_code == 0 && reason == FF_REASON_NONE &&
      ff_dependency_envs_is_complete (self->host->envs, key))
    {
      gdouble seconds = (g_get_monotonic_time () - self->build_started) / (gdouble) G_USEC_PER_SEC;
      g_autofree gchar *time = g_strdup_printf ("%.1f", seconds);

      note = ff_message_new (GETTEXT_PACKAGE, N_ ("Environment ready after %s s"), time, NULL);
      ff_run_job_append_note (self, note);
      ff_dependency_envs_end_build (self->host->envs, key, FF_REASON_NONE, NULL);
      env_ready (self, executor);
      return;
    }
  final =
      self->stop_reason != FF_REASON_NONE ? FF_REASON_CANCELLED : build_reason (exit_code, reason);
  /* the builder's own words, unless the executor knows better (its
   * engine failed, the build ran out of memory) */
  words = message != NULL && build_reason (exit_code, reason) == (FfReason) reason
              ? g_strdup (message)
              : dup_last_line (self->build_tail);
  why = ff_message_new (GETTEXT_PACKAGE, N_ ("Preparing the environment from %s failed: %s"),
                        self->env.requirements, words != NULL ? words : "?", NULL);
  if (self->stop_reason == FF_REASON_NONE)
    ff_run_job_append_note (self, why);
  /* waiting runs build it themselves after a stop; they hear a failure */
  ff_dependency_envs_end_build (self->host->envs, key, final, why);
  env_failed (self, final, why);
}

static void
on_build_launched (GObject *source, GAsyncResult *result, gpointer user_data)
{
  FfRunJob *self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (FfExecution) execution = NULL;
  g_autofree gchar *key = g_strdup (self->env.key);
  FfReason reason = FF_REASON_SPAWN_FAILED;

  execution = ff_executor_launch_finish (FF_EXECUTOR (source), result, &error);
  g_clear_object (&self->cancellable);
  if (execution == NULL)
    {
      if (self->stop_reason != FF_REASON_NONE)
        reason = FF_REASON_CANCELLED;
      else if (error->domain == FF_EXECUTOR_ERROR)
        reason = error->code;
      ff_dependency_envs_end_build (self->host->envs, key, reason, error->message);
      env_failed (self, reason, error->message);
      return;
    }
  self->build = g_object_ref (execution);
  g_signal_connect (execution, "output", G_CALLBACK (on_build_output), self);
  g_signal_connect (execution, "exited", G_CALLBACK (on_build_exited), self);
  if (self->stop_reason != FF_REASON_NONE)
    ff_execution_cancel (execution, ff_config_get_stop_grace_ms (self->host->config));
}

static void
start_build (FfRunJob *self, FfExecutor *executor)
{
  FfDependencyEnvs *envs = self->host->envs;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *step = NULL;
  g_autofree gchar *note = NULL;
  gboolean shared = g_strcmp0 (ff_executor_get_name (executor), "local") != 0;

  step = ff_message_new (GETTEXT_PACKAGE, N_ ("Preparing the environment (%s)"),
                         self->env.requirements, NULL);
  set_step (self, step);
  note = ff_message_new (GETTEXT_PACKAGE, N_ ("Preparing environment: installing %s"),
                         self->env.requirements, NULL);
  ff_run_job_append_note (self, note);
  if (!ff_dependency_envs_make_dir (envs, self->env.key, shared, &error))
    {
      ff_dependency_envs_end_build (envs, self->env.key, FF_REASON_SPAWN_FAILED, error->message);
      env_failed (self, FF_REASON_SPAWN_FAILED, error->message);
      return;
    }
  g_clear_object (&self->build_request);
  self->build_request = build_env_request (self, executor);
  self->build_tail = g_string_new (NULL);
  self->build_started = g_get_monotonic_time ();
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  ff_executor_launch_async (executor, self->build_request, self->cancellable, on_build_launched,
                            self);
}

static void try_env (FfRunJob *self, FfExecutor *executor);

/* The other run's build ended. */
static void
on_other_build_done (FfReason reason, const gchar *message, gpointer user_data)
{
  FfRunJob *self = user_data;
  FfExecutor *executor = self->env_executor;
  g_autofree gchar *note = NULL;

  self->env_wait_id = 0;
  if (reason == FF_REASON_CANCELLED)
    {
      /* it was stopped, not this run: build it here */
      try_env (self, executor);
      return;
    }
  if (reason != FF_REASON_NONE)
    {
      ff_run_job_append_note (self, message);
      env_failed (self, reason, message);
      return;
    }
  if (!ff_dependency_envs_is_complete (self->host->envs, self->env.key))
    {
      try_env (self, executor);
      return;
    }
  note = ff_message_new (GETTEXT_PACKAGE, N_ ("The environment is ready"), NULL);
  ff_run_job_append_note (self, note);
  env_ready (self, executor);
}

/* Builds the environment, or waits for the run that builds it already. */
static void
try_env (FfRunJob *self, FfExecutor *executor)
{
  FfDependencyEnvs *envs = self->host->envs;
  g_autofree gchar *builder = NULL;
  g_autofree gchar *note = NULL;

  if (ff_dependency_envs_is_complete (envs, self->env.key))
    {
      env_ready (self, executor);
      return;
    }
  if (ff_dependency_envs_claim_build (envs, self->env.key, ff_run_get_id (self->run)))
    {
      start_build (self, executor);
      return;
    }
  builder =
      g_strdup_printf ("%" G_GUINT64_FORMAT, ff_dependency_envs_get_builder (envs, self->env.key));
  note = ff_message_new (GETTEXT_PACKAGE,
                         N_ ("Preparing environment: run %s is installing the same %s; waiting "
                             "for it"),
                         builder, self->env.requirements, NULL);
  ff_run_job_append_note (self, note);
  set_step (self, note);
  self->env_wait_id = ff_dependency_envs_wait (envs, self->env.key, on_other_build_done, self);
}

/* TRUE when the attempt waits for its environment (built here or by
 * another run) and starts once it is there. */
gboolean
ff_run_job_env_launch (FfRunJob *self, FfExecutor *executor)
{
  if (self->env.key == NULL || ff_dependency_envs_is_complete (self->host->envs, self->env.key))
    return FALSE;
  g_set_object (&self->env_executor, executor);
  try_env (self, executor);
  return TRUE;
}

/* A stop while the environment is built or waited for: TRUE when it was
 * the environment's to stop. */
gboolean
ff_run_job_env_stop (FfRunJob *self)
{
  if (self->build != NULL)
    {
      ff_execution_cancel (self->build, ff_config_get_stop_grace_ms (self->host->config));
      return TRUE;
    }
  if (self->env_wait_id != 0)
    {
      ff_dependency_envs_cancel_wait (self->host->envs, self->env.key, self->env_wait_id);
      self->env_wait_id = 0;
      env_failed (self, self->stop_reason, NULL);
      return TRUE;
    }
  return FALSE;
}

/* The job goes: a build it runs is stopped (and rebuilt by the next run
 * that needs it: the environment has no marker). */
void
ff_run_job_env_dispose (FfRunJob *self)
{
  if (self->build != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->build, self);
      ff_execution_cancel (self->build, 0);
      ff_dependency_envs_end_build (self->host->envs, self->env.key, FF_REASON_CANCELLED, NULL);
      g_clear_object (&self->build);
    }
  ff_run_job_env_clear (self);
}
