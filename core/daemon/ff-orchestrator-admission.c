/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Whether a run may start, and on which executor: the pipeline, the
 * caller's variables, the operator's allowed_executors, max_instances.
 * Core names no executor: the default is the configured executor of the
 * highest extension point priority. */
#include "config.h"

#include <inttypes.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "ff-orchestrator-private.h"

/* The operator's word on executors holds for every run, whoever starts
 * it: StartRun, fastflowctl, a webhook, a schedule, a trigger, a run
 * queued before fastflow.conf changed; ListExecutors shows it too.
 * Returns why @name may not run anything here (a message of
 * ff_message_new), or NULL. */
gchar *
ff_orchestrator_dup_executor_refusal (FfOrchestrator *self, const gchar *name)
{
  g_autofree gchar *allowed = NULL;

  if (ff_config_executor_is_allowed (self->config, name))
    return NULL;
  allowed = g_strjoinv (";", (gchar **) ff_config_get_allowed_executors (self->config));
  return ff_message_new (GETTEXT_PACKAGE,
                         N_ ("The executor “%s” is not allowed on this machine ([daemon] "
                             "allowed_executors in fastflow.conf is %s)"),
                         name, allowed, NULL);
}

/* The first of a caller's variables (@env may be NULL) that a caller may
 * not set, or NULL. */
static const gchar *
find_refused_variable (GHashTable *env, GError **error)
{
  GHashTableIter iter;
  gpointer key;

  if (env == NULL)
    return NULL;
  g_hash_table_iter_init (&iter, env);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      if (!ff_env_check_caller_name (key, error))
        return key;
    }
  return NULL;
}

/* A run starts under today's rules, also one queued by an earlier
 * fastflowd (its history may predate them, or fastflow.conf changed since)
 * or waiting for a retry: an executor no longer allowed, or a variable a
 * caller may not set, and it does not start. Returns the message, or NULL. */
gchar *
ff_orchestrator_dup_refusal (FfOrchestrator *self, FfRun *run)
{
  gchar *refusal = ff_orchestrator_dup_executor_refusal (self, ff_run_get_executor (run));
  const gchar *variable;

  if (refusal != NULL)
    return refusal;
  variable = find_refused_variable (ff_run_get_env (run), NULL);
  if (variable != NULL)
    return ff_message_new (GETTEXT_PACKAGE,
                           N_ ("The variable %s came with the run from a caller, who may "
                               "not set it: it changes how programs are loaded or how an "
                               "interpreter starts, or it is one of fastflow’s own"),
                           variable, NULL);
  return NULL;
}

/* The executors in the order of their extension point priority, which
 * GIO keeps sorted, highest first. */
GPtrArray *
ff_orchestrator_sort_by_priority (GHashTable *executors)
{
  GIOExtensionPoint *point = g_io_extension_point_lookup (FF_EXECUTOR_EXTENSION_POINT_NAME);
  GPtrArray *sorted = g_ptr_array_new_with_free_func (g_object_unref);

  for (GList *l = g_io_extension_point_get_extensions (point); l != NULL; l = l->next)
    {
      GHashTableIter iter;
      gpointer value;

      g_hash_table_iter_init (&iter, executors);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        {
          if (G_OBJECT_TYPE (value) == g_io_extension_get_type (l->data) &&
              !g_ptr_array_find (sorted, value, NULL))
            g_ptr_array_add (sorted, g_object_ref (value));
        }
    }
  return sorted;
}

/* Without a configured default: the configured executor of the highest
 * priority that the operator allows (docker-proxy when DOCKER_PROXY_URL is
 * set, else local, the last resort), else the first the operator allows.
 * NULL when there is none. */
static const gchar *
pick_executor (FfOrchestrator *self, FfPipeline *pipeline, const gchar *requested)
{
  const gchar *configured = ff_config_get_default_executor (self->config);
  const gchar *const *allowed = ff_config_get_allowed_executors (self->config);

  if (requested != NULL && *requested != '\0')
    return requested;
  if (ff_pipeline_get_executor (pipeline) != NULL)
    return ff_pipeline_get_executor (pipeline);
  if (configured != NULL && *configured != '\0')
    return configured;
  for (guint i = 0; i < self->by_priority->len; i++)
    {
      FfExecutor *executor = g_ptr_array_index (self->by_priority, i);

      if (ff_executor_is_configured (executor) &&
          ff_config_executor_is_allowed (self->config, ff_executor_get_name (executor)))
        return ff_executor_get_name (executor);
    }
  return allowed != NULL ? allowed[0] : NULL;
}

static gboolean
check_executor (FfOrchestrator *self, const gchar *name, GError **error)
{
  g_autofree gchar *refusal = ff_orchestrator_dup_executor_refusal (self, name);

  if (refusal != NULL)
    {
      g_autofree gchar *text = ff_message_format (refusal);

      g_set_error_literal (error, FF_ERROR, FF_ERROR_INVALID_ARGUMENT, text);
      return FALSE;
    }
  if (!g_hash_table_contains (self->executors, name))
    {
      g_set_error (error, FF_ERROR, FF_ERROR_INVALID_ARGUMENT, _ ("Unknown executor “%s”"), name);
      return FALSE;
    }
  return TRUE;
}

/* What a caller passes with a run; pipeline.json's own default_env may set
 * what is refused here: the author owns the pipeline. */
static gboolean
check_env (GHashTable *env, GError **error)
{
  return find_refused_variable (env, error) == NULL;
}

static guint
count_active (FfOrchestrator *self, const gchar *pipeline)
{
  GHashTableIter iter;
  gpointer value;
  guint n = 0;

  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      FfRun *run = ((RunEntry *) value)->run;
      if (!ff_run_state_is_finished (ff_run_get_state (run)) &&
          g_strcmp0 (ff_run_get_pipeline (run), pipeline) == 0)
        n++;
    }
  return n;
}

static FfPipeline *
lookup_runnable (FfOrchestrator *self, const gchar *name, gboolean force, GError **error)
{
  FfPipeline *pipeline;

  if (!ff_pipeline_name_is_valid (name))
    {
      g_set_error (error, FF_ERROR, FF_ERROR_INVALID_ARGUMENT,
                   _ ("“%s” is not a valid pipeline name (letters, digits, “_”, “.” and “-”, "
                      "not starting with a dot)"),
                   name);
      return NULL;
    }
  pipeline = ff_pipeline_registry_lookup (self->registry, name);
  if (pipeline == NULL)
    {
      g_set_error (error, FF_ERROR, FF_ERROR_NO_SUCH_PIPELINE, _ ("No pipeline named “%s” in %s"),
                   name, ff_pipeline_registry_get_dir (self->registry));
      return NULL;
    }
  if (ff_pipeline_is_broken (pipeline))
    {
      g_set_error (error, FF_ERROR, FF_ERROR_BROKEN_PIPELINE,
                   _ ("The pipeline “%s” cannot run: %s"), name, ff_pipeline_get_error (pipeline));
      return NULL;
    }
  if (!ff_pipeline_get_enabled (pipeline) && !force)
    {
      g_set_error (error, FF_ERROR, FF_ERROR_DISABLED,
                   _ ("The pipeline “%s” is disabled (\"enabled\": false in its pipeline.json)"),
                   name);
      return NULL;
    }
  return pipeline;
}

/* Whether a run of @name may start now, as asked; returns its pipeline and
 * sets @executor_name, or sets @error. */
FfPipeline *
ff_orchestrator_check_start (FfOrchestrator *self,
                             const gchar *name,
                             GHashTable *env,
                             const gchar *executor,
                             const gchar *run_config,
                             gboolean force,
                             const gchar **executor_name,
                             GError **error)
{
  FfPipeline *pipeline;
  guint max_instances;

  pipeline = lookup_runnable (self, name, force, error);
  if (pipeline == NULL || !check_env (env, error))
    return NULL;
  *executor_name = pick_executor (self, pipeline, executor);
  if (*executor_name == NULL)
    {
      g_set_error (error, FF_ERROR, FF_ERROR_INVALID_ARGUMENT,
                   _ ("No installed executor is set up to run the pipeline “%s”, which names "
                      "none: name one with \"executor\" in its pipeline.json or with "
                      "default_executor in fastflow.conf"),
                   name);
      return NULL;
    }
  if (!check_executor (self, *executor_name, error))
    return NULL;
  if (run_config != NULL && *run_config != '\0' &&
      ff_pipeline_lookup_schedule (pipeline, run_config) == NULL)
    {
      g_set_error (error, FF_ERROR, FF_ERROR_INVALID_ARGUMENT,
                   _ ("The pipeline “%s” has no run configuration “%s” in its schedules[]"), name,
                   run_config);
      return NULL;
    }
  max_instances = ff_pipeline_get_max_instances (pipeline);
  if (max_instances > 0 && count_active (self, name) >= max_instances)
    {
      g_set_error (error, FF_ERROR, FF_ERROR_LIMIT_REACHED,
                   _ ("The pipeline “%s” already has %u active runs (max_instances)"), name,
                   max_instances);
      return NULL;
    }
  if (self->shutdown_task != NULL)
    {
      g_set_error (error, FF_ERROR, FF_ERROR_FAILED, _ ("The orchestrator is shutting down"));
      return NULL;
    }

  return pipeline;
}
