/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <inttypes.h>

#include <glib/gi18n.h>

#include "ff-run.h"

struct _FfRun
{
  GObject parent_instance;
  guint64 id;
  gchar *pipeline;
  FfRunState state;
  FfReason reason;
  gint exit_code;
  gchar *message;
  gchar *executor;
  guint attempt;
  guint max_attempts;
  gchar *triggered_by;
  gchar *run_config;
  gchar *route;
  gchar *metrics_message;
  GHashTable *env;
  GStrv secrets; /* names in env whose values stay in memory */
  gboolean env_whole;
  gint64 created_at;
  gint64 started_at;
  gint64 finished_at;
  gdouble cpu_percent;
  guint64 memory_bytes;
  guint64 memory_peak_bytes;
  gboolean soft_limit_exceeded;
  gchar *step; /* what a starting run does, e.g. preparing its environment */
};

G_DEFINE_TYPE (FfRun, ff_run, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_ID,
  PROP_PIPELINE,
  PROP_STATE,
  PROP_REASON,
  PROP_EXIT_CODE,
  PROP_MESSAGE,
  PROP_EXECUTOR,
  PROP_ATTEMPT,
  PROP_MAX_ATTEMPTS,
  PROP_TRIGGERED_BY,
  PROP_ROUTE,
  PROP_METRICS_MESSAGE,
  PROP_CREATED_AT,
  PROP_STARTED_AT,
  PROP_FINISHED_AT,
  PROP_CPU_PERCENT,
  PROP_MEMORY_BYTES,
  PROP_MEMORY_PEAK_BYTES,
  PROP_SOFT_LIMIT_EXCEEDED,
  PROP_STEP,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

static void
ff_run_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  FfRun *self = FF_RUN (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_uint64 (value, self->id);
      break;
    case PROP_PIPELINE:
      g_value_set_string (value, self->pipeline);
      break;
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_REASON:
      g_value_set_enum (value, self->reason);
      break;
    case PROP_EXIT_CODE:
      g_value_set_int (value, self->exit_code);
      break;
    case PROP_MESSAGE:
      g_value_set_string (value, self->message);
      break;
    case PROP_EXECUTOR:
      g_value_set_string (value, self->executor);
      break;
    case PROP_ATTEMPT:
      g_value_set_uint (value, self->attempt);
      break;
    case PROP_MAX_ATTEMPTS:
      g_value_set_uint (value, self->max_attempts);
      break;
    case PROP_TRIGGERED_BY:
      g_value_set_string (value, self->triggered_by);
      break;
    case PROP_ROUTE:
      g_value_set_string (value, self->route);
      break;
    case PROP_METRICS_MESSAGE:
      g_value_set_string (value, self->metrics_message);
      break;
    case PROP_CREATED_AT:
      g_value_set_int64 (value, self->created_at);
      break;
    case PROP_STARTED_AT:
      g_value_set_int64 (value, self->started_at);
      break;
    case PROP_FINISHED_AT:
      g_value_set_int64 (value, self->finished_at);
      break;
    case PROP_CPU_PERCENT:
      g_value_set_double (value, self->cpu_percent);
      break;
    case PROP_MEMORY_BYTES:
      g_value_set_uint64 (value, self->memory_bytes);
      break;
    case PROP_MEMORY_PEAK_BYTES:
      g_value_set_uint64 (value, self->memory_peak_bytes);
      break;
    case PROP_SOFT_LIMIT_EXCEEDED:
      g_value_set_boolean (value, self->soft_limit_exceeded);
      break;
    case PROP_STEP:
      g_value_set_string (value, self->step);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ff_run_finalize (GObject *object)
{
  FfRun *self = FF_RUN (object);

  g_free (self->pipeline);
  g_free (self->message);
  g_free (self->executor);
  g_free (self->triggered_by);
  g_free (self->run_config);
  g_free (self->route);
  g_free (self->metrics_message);
  g_free (self->step);
  g_clear_pointer (&self->env, g_hash_table_unref);
  g_clear_pointer (&self->secrets, g_strfreev);
  G_OBJECT_CLASS (ff_run_parent_class)->finalize (object);
}

static void
ff_run_class_init (FfRunClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->get_property = ff_run_get_property;
  object_class->finalize = ff_run_finalize;

  props[PROP_ID] = g_param_spec_uint64 ("id", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  props[PROP_PIPELINE] = g_param_spec_string ("pipeline", NULL, NULL, NULL, flags);
  props[PROP_STATE] =
      g_param_spec_enum ("state", NULL, NULL, FF_TYPE_RUN_STATE, FF_RUN_STATE_QUEUED, flags);
  props[PROP_REASON] =
      g_param_spec_enum ("reason", NULL, NULL, FF_TYPE_REASON, FF_REASON_NONE, flags);
  props[PROP_EXIT_CODE] = g_param_spec_int ("exit-code", NULL, NULL, G_MININT, G_MAXINT, -1, flags);
  props[PROP_MESSAGE] = g_param_spec_string ("message", NULL, NULL, NULL, flags);
  props[PROP_EXECUTOR] = g_param_spec_string ("executor", NULL, NULL, NULL, flags);
  props[PROP_ATTEMPT] = g_param_spec_uint ("attempt", NULL, NULL, 0, G_MAXUINT, 1, flags);
  props[PROP_MAX_ATTEMPTS] = g_param_spec_uint ("max-attempts", NULL, NULL, 0, G_MAXUINT, 1, flags);
  props[PROP_TRIGGERED_BY] = g_param_spec_string ("triggered-by", NULL, NULL, NULL, flags);
  props[PROP_ROUTE] = g_param_spec_string ("route", NULL, NULL, NULL, flags);
  props[PROP_METRICS_MESSAGE] = g_param_spec_string ("metrics-message", NULL, NULL, NULL, flags);
  props[PROP_STEP] = g_param_spec_string ("step", NULL, NULL, NULL, flags);
  props[PROP_CREATED_AT] = g_param_spec_int64 ("created-at", NULL, NULL, 0, G_MAXINT64, 0, flags);
  props[PROP_STARTED_AT] = g_param_spec_int64 ("started-at", NULL, NULL, 0, G_MAXINT64, 0, flags);
  props[PROP_FINISHED_AT] = g_param_spec_int64 ("finished-at", NULL, NULL, 0, G_MAXINT64, 0, flags);
  props[PROP_CPU_PERCENT] =
      g_param_spec_double ("cpu-percent", NULL, NULL, 0, G_MAXDOUBLE, 0, flags);
  props[PROP_MEMORY_BYTES] =
      g_param_spec_uint64 ("memory-bytes", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  props[PROP_MEMORY_PEAK_BYTES] =
      g_param_spec_uint64 ("memory-peak-bytes", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  props[PROP_SOFT_LIMIT_EXCEEDED] =
      g_param_spec_boolean ("soft-limit-exceeded", NULL, NULL, FALSE, flags);
  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
ff_run_init (FfRun *self)
{
  self->exit_code = -1;
  self->attempt = 1;
  self->max_attempts = 1;
  self->env = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

FfRun *
ff_run_new (guint64 id, const gchar *pipeline)
{
  FfRun *self = g_object_new (FF_TYPE_RUN, NULL);

  self->id = id;
  self->pipeline = g_strdup (pipeline);
  self->created_at = g_get_real_time ();
  return self;
}

guint64
ff_run_get_id (FfRun *self)
{
  return self->id;
}

void
ff_run_set_id (FfRun *self, guint64 id)
{
  g_return_if_fail (FF_IS_RUN (self));
  g_return_if_fail (self->id == 0);
  self->id = id;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_ID]);
}

const gchar *
ff_run_get_pipeline (FfRun *self)
{
  return self->pipeline;
}

FfRunState
ff_run_get_state (FfRun *self)
{
  return self->state;
}

static gboolean
transition_allowed (FfRunState from, FfRunState to)
{
  if (ff_run_state_is_finished (from))
    return FALSE;
  switch (to)
    {
    case FF_RUN_STATE_QUEUED:
      /* a retry queues the next attempt */
      return from == FF_RUN_STATE_STARTING || from == FF_RUN_STATE_RUNNING;
    case FF_RUN_STATE_STARTING:
      return from == FF_RUN_STATE_QUEUED;
    case FF_RUN_STATE_RUNNING:
      return from == FF_RUN_STATE_STARTING;
    case FF_RUN_STATE_SUCCEEDED:
      return from == FF_RUN_STATE_RUNNING;
    case FF_RUN_STATE_TIMED_OUT:
      /* the clock starts when the executor does, never in the queue */
      return from == FF_RUN_STATE_STARTING || from == FF_RUN_STATE_RUNNING;
    case FF_RUN_STATE_FAILED:
    case FF_RUN_STATE_CANCELLED:
    default:
      return TRUE;
    }
}

gboolean
ff_run_set_state (FfRun *self, FfRunState state, GError **error)
{
  if (!transition_allowed (self->state, state))
    {
      g_set_error (error, FF_ERROR, FF_ERROR_INVALID_ARGUMENT,
                   _ ("Run %" PRIu64 " cannot go from “%s” to “%s”"), self->id,
                   ff_run_state_to_string (self->state), ff_run_state_to_string (state));
      return FALSE;
    }
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_STATE]);
  return TRUE;
}

static void
set_string (FfRun *self, gchar **field, const gchar *value, guint prop)
{
  if (g_strcmp0 (*field, value) == 0)
    return;
  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), props[prop]);
}

gboolean
ff_run_finish (FfRun *self,
               FfReason reason,
               gint exit_code,
               const gchar *message,
               gint64 finished_at,
               GError **error)
{
  g_object_freeze_notify (G_OBJECT (self));
  if (!ff_run_set_state (self, ff_reason_get_final_state (reason), error))
    {
      g_object_thaw_notify (G_OBJECT (self));
      return FALSE;
    }
  self->reason = reason;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_REASON]);
  self->exit_code = exit_code;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_EXIT_CODE]);
  set_string (self, &self->message, message, PROP_MESSAGE);
  self->finished_at = finished_at;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_FINISHED_AT]);
  g_object_thaw_notify (G_OBJECT (self));
  return TRUE;
}

void
ff_run_restore (FfRun *self,
                FfRunState state,
                FfReason reason,
                gint exit_code,
                const gchar *message,
                gint64 finished_at,
                guint64 memory_peak_bytes)
{
  self->state = state;
  self->reason = reason;
  self->exit_code = exit_code;
  g_free (self->message);
  self->message = g_strdup (message);
  self->finished_at = finished_at;
  self->memory_peak_bytes = memory_peak_bytes;
}

FfReason
ff_run_get_reason (FfRun *self)
{
  return self->reason;
}

FfErrorClass
ff_run_get_error_class (FfRun *self)
{
  if (!ff_run_state_is_finished (self->state))
    return FF_ERROR_CLASS_NONE;
  return ff_reason_get_error_class (self->reason);
}

gint
ff_run_get_exit_code (FfRun *self)
{
  return self->exit_code;
}

const gchar *
ff_run_get_message (FfRun *self)
{
  return self->message;
}

/* The sentence for people. Built when read rather than stored, so the
 * history shows in the reader's language. */
/* How a run or attempt ended, as a sentence for people. In neutral words:
 * what the executor was and what went wrong with it is its own error's
 * message, which ff_run_dup_display_message() adds. */
gchar *
ff_reason_dup_summary (FfReason reason, gint exit_code)
{
  gchar *summary;

  switch (reason)
    {
    case FF_REASON_NONE:
      summary = g_strdup (_ ("Succeeded"));
      break;
    case FF_REASON_EXIT_CODE:
      summary = g_strdup_printf (_ ("The pipeline exited with code %d"), exit_code);
      break;
    case FF_REASON_OOM_KILLED:
      summary = g_strdup (_ ("The pipeline was killed because it exceeded its memory limit"));
      break;
    case FF_REASON_TIMEOUT:
      summary = g_strdup (_ ("The pipeline was stopped because it exceeded its timeout"));
      break;
    case FF_REASON_CANCELLED:
      summary = g_strdup (_ ("The run was cancelled"));
      break;
    case FF_REASON_SPAWN_FAILED:
      summary = g_strdup (_ ("The pipeline could not be started"));
      break;
    case FF_REASON_PROXY_UNREACHABLE:
      summary = g_strdup (_ ("The executor could not reach the service it runs pipelines on"));
      break;
    case FF_REASON_PROXY_FORBIDDEN:
      summary = g_strdup (_ ("The service the executor runs pipelines on refused a request"));
      break;
    case FF_REASON_ENGINE_ERROR:
      summary = g_strdup (_ ("The engine behind the executor reported an error"));
      break;
    case FF_REASON_IMAGE_NOT_FOUND:
      summary = g_strdup (_ ("The image was not found"));
      break;
    case FF_REASON_ORCHESTRATOR_RESTARTED:
      summary = g_strdup (_ ("The run was lost when the orchestrator stopped"));
      break;
    case FF_REASON_REFUSED:
      summary = g_strdup (_ ("The orchestrator refused to run this pipeline"));
      break;
    case FF_REASON_DEPENDENCIES_FAILED:
      summary = g_strdup (_ ("The pipeline's requirements could not be installed"));
      break;
    case FF_REASON_INDEX_UNREACHABLE:
      summary = g_strdup (_ ("The package index could not be reached"));
      break;
    default:
      summary = g_strdup (ff_reason_to_string (reason));
    }
  return summary;
}

/* A summary of how an attempt ended, with the executor's detail when it
 * adds something: for the run's message and the retry lines alike. */
gchar *
ff_reason_dup_outcome (FfReason reason, gint exit_code, const gchar *message)
{
  g_autofree gchar *detail = ff_message_format (message);
  g_autofree gchar *summary = ff_reason_dup_summary (reason, exit_code);

  /* an executor that says what the summary says adds nothing */
  if (detail == NULL || *detail == '\0' || g_str_equal (detail, summary))
    return g_steal_pointer (&summary);
  /* TRANSLATORS: a summary, then the detail, e.g. "The pipeline could not be started: No such file"
   */
  return g_strdup_printf (_ ("%s: %s"), summary, detail);
}

gchar *
ff_run_dup_display_message (FfRun *self)
{
  switch (self->state)
    {
    case FF_RUN_STATE_QUEUED:
      /* a run waiting for its next attempt says why and until when */
      if (self->step != NULL)
        return ff_message_format (self->step);
      return g_strdup (_ ("Waiting for a free slot"));
    case FF_RUN_STATE_STARTING:
      if (self->step != NULL)
        return ff_message_format (self->step);
      return g_strdup (_ ("Starting"));
    case FF_RUN_STATE_RUNNING:
      return g_strdup (_ ("Running"));
    default:
      break;
    }
  return ff_reason_dup_outcome (self->reason, self->exit_code, self->message);
}

const gchar *
ff_run_get_executor (FfRun *self)
{
  return self->executor;
}

void
ff_run_set_executor (FfRun *self, const gchar *executor)
{
  set_string (self, &self->executor, executor, PROP_EXECUTOR);
}

guint
ff_run_get_attempt (FfRun *self)
{
  return self->attempt;
}

void
ff_run_set_attempt (FfRun *self, guint attempt)
{
  if (self->attempt == attempt)
    return;
  self->attempt = attempt;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_ATTEMPT]);
}

guint
ff_run_get_max_attempts (FfRun *self)
{
  return self->max_attempts;
}

void
ff_run_set_max_attempts (FfRun *self, guint max_attempts)
{
  if (self->max_attempts == max_attempts)
    return;
  self->max_attempts = max_attempts;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_MAX_ATTEMPTS]);
}

const gchar *
ff_run_get_triggered_by (FfRun *self)
{
  return self->triggered_by;
}

void
ff_run_set_triggered_by (FfRun *self, const gchar *triggered_by)
{
  set_string (self, &self->triggered_by, triggered_by, PROP_TRIGGERED_BY);
}

const gchar *
ff_run_get_run_config (FfRun *self)
{
  return self->run_config;
}

void
ff_run_set_run_config (FfRun *self, const gchar *run_config)
{
  g_free (self->run_config);
  self->run_config = g_strdup (run_config);
}

const gchar *
ff_run_get_route (FfRun *self)
{
  return self->route;
}

void
ff_run_set_route (FfRun *self, const gchar *route)
{
  set_string (self, &self->route, route, PROP_ROUTE);
}

/* Why the run's resource use cannot be measured; NULL while it can. */
/* What a starting run does before its pipeline starts (an ff_message_new()
 * message, NULL for nothing in particular): its Message while it starts. */
const gchar *
ff_run_get_step (FfRun *self)
{
  return self->step;
}

void
ff_run_set_step (FfRun *self, const gchar *step)
{
  set_string (self, &self->step, step, PROP_STEP);
}

const gchar *
ff_run_get_metrics_message (FfRun *self)
{
  return self->metrics_message;
}

void
ff_run_set_metrics_message (FfRun *self, const gchar *message)
{
  set_string (self, &self->metrics_message, message, PROP_METRICS_MESSAGE);
}

GHashTable *
ff_run_get_env (FfRun *self)
{
  return self->env;
}

void
ff_run_set_env (FfRun *self, GHashTable *env)
{
  GHashTableIter iter;
  gpointer key, value;

  /* clearing first would empty the caller's table if it is ours */
  if (env == self->env)
    return;
  g_hash_table_remove_all (self->env);
  if (env == NULL)
    return;
  g_hash_table_iter_init (&iter, env);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_hash_table_insert (self->env, g_strdup (key), g_strdup (value));
}

/* What the run history must not keep: the values of these variables. */
void
ff_run_set_secrets (FfRun *self, const gchar *const *names)
{
  g_strfreev (self->secrets);
  self->secrets = g_strdupv ((gchar **) names);
}

gboolean
ff_run_get_env_whole (FfRun *self)
{
  return self->env_whole;
}

void
ff_run_set_env_whole (FfRun *self, gboolean whole)
{
  self->env_whole = whole;
}

gboolean
ff_run_is_secret (FfRun *self, const gchar *name)
{
  return self->secrets != NULL && g_strv_contains ((const gchar *const *) self->secrets, name);
}

gint64
ff_run_get_created_at (FfRun *self)
{
  return self->created_at;
}

void
ff_run_set_created_at (FfRun *self, gint64 usec)
{
  if (self->created_at == usec)
    return;
  self->created_at = usec;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_CREATED_AT]);
}

gint64
ff_run_get_started_at (FfRun *self)
{
  return self->started_at;
}

void
ff_run_set_started_at (FfRun *self, gint64 usec)
{
  if (self->started_at == usec)
    return;
  self->started_at = usec;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_STARTED_AT]);
}

gint64
ff_run_get_finished_at (FfRun *self)
{
  return self->finished_at;
}

gdouble
ff_run_get_cpu_percent (FfRun *self)
{
  return self->cpu_percent;
}

guint64
ff_run_get_memory_bytes (FfRun *self)
{
  return self->memory_bytes;
}

guint64
ff_run_get_memory_peak_bytes (FfRun *self)
{
  return self->memory_peak_bytes;
}

/* The executor's own count at the end: higher than any sample when the
 * program grew between two (or was killed before the first). */
void
ff_run_raise_memory_peak (FfRun *self, guint64 memory_peak_bytes)
{
  if (memory_peak_bytes <= self->memory_peak_bytes)
    return;
  self->memory_peak_bytes = memory_peak_bytes;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_MEMORY_PEAK_BYTES]);
}

void
ff_run_set_usage (FfRun *self, gdouble cpu_percent, guint64 memory_bytes)
{
  g_object_freeze_notify (G_OBJECT (self));
  if (self->cpu_percent != cpu_percent)
    {
      self->cpu_percent = cpu_percent;
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_CPU_PERCENT]);
    }
  if (self->memory_bytes != memory_bytes)
    {
      self->memory_bytes = memory_bytes;
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_MEMORY_BYTES]);
    }
  if (memory_bytes > self->memory_peak_bytes)
    {
      self->memory_peak_bytes = memory_bytes;
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_MEMORY_PEAK_BYTES]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

gboolean
ff_run_get_soft_limit_exceeded (FfRun *self)
{
  return self->soft_limit_exceeded;
}

void
ff_run_set_soft_limit_exceeded (FfRun *self, gboolean exceeded)
{
  if (self->soft_limit_exceeded == exceeded)
    return;
  self->soft_limit_exceeded = exceeded;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_SOFT_LIMIT_EXCEEDED]);
}
