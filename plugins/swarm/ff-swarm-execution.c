/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "ff-docker-inspect.h"
#include "ff-docker-log-reader.h"
#include "ff-docker-request.h"
#include "ff-swarm-execution.h"

/*
 * One run as a swarm service in mode ReplicatedJob, from its creation to
 * its removal.
 *
 * The engine tells a task's end only through its state, so the service's
 * tasks are polled (GET /tasks): that is where the exit code is, and where
 * a task that no node can take shows why. The output comes from the
 * service's log (GET /services/{id}/logs), framed like a container's and
 * read through the same demuxer and cursor as docker-proxy's: a follow
 * while the task runs, resumed from the cursor when the proxy cuts it,
 * and after the task ended one plain read from the cursor, which ends
 * once the log is sent. Then the service and the config that carried the
 * pipeline folder are removed, and `exited` is emitted.
 */

/* How often the task's state is read. Not a wait for something: each
 * answer decides, and the log arrives meanwhile on its own request. */
#define POLL_MS 250
#define RETRY_BASE_MS 100
#define RETRY_MAX_MS 5000
#define MAX_FAILURES 15
#define MAX_REMOVE_ATTEMPTS 10
/* After a cancel, how long the last read of the log may take before the
 * service goes anyway. */
#define DRAIN_MS 5000

struct _FfSwarmExecution
{
  FfExecution parent_instance;
  FfDockerClient *client;
  gchar *pipeline;
  gchar *service_id;
  gchar *container_id; /* the task's, once it has one */
  gchar *config_id;
  guint64 memory_limit;
  guint placement_timeout_ms;
  gint64 started_at; /* monotonic, µs */

  FfDockerLogReader *reader;
  FfDockerRequest *log_req;
  guint log_retry_id;
  guint poll_id;
  gboolean polling;
  guint failures;

  gboolean task_done; /* the task ended with an exit code */
  gint exit_code;

  gboolean cancelled;
  guint drain_id;
  gboolean finishing; /* removal, then `exited` */
  GError *failure;
  guint remove_attempts;
  guint remove_id;
};

G_DEFINE_TYPE (FfSwarmExecution, ff_swarm_execution, FF_TYPE_EXECUTION)

static void start_logs (FfSwarmExecution *self);
static void schedule_poll (FfSwarmExecution *self, guint delay_ms);
static void finish (FfSwarmExecution *self);
static void fail (FfSwarmExecution *self, const GError *error);

static FfDockerRequest *
request_new (FfSwarmExecution *self)
{
  return ff_docker_request_new (FF_EXECUTION (self), self->task_done || self->cancelled);
}

static void
ff_swarm_execution_dispose (GObject *object)
{
  FfSwarmExecution *self = FF_SWARM_EXECUTION (object);

  /* Timers hold a reference, so none is left by now. */
  g_clear_handle_id (&self->poll_id, g_source_remove);
  g_clear_handle_id (&self->log_retry_id, g_source_remove);
  g_clear_handle_id (&self->remove_id, g_source_remove);
  g_clear_handle_id (&self->drain_id, g_source_remove);
  G_OBJECT_CLASS (ff_swarm_execution_parent_class)->dispose (object);
}

static void
ff_swarm_execution_finalize (GObject *object)
{
  FfSwarmExecution *self = FF_SWARM_EXECUTION (object);

  g_clear_object (&self->client);
  g_free (self->pipeline);
  g_free (self->service_id);
  g_free (self->container_id);
  g_free (self->config_id);
  g_clear_object (&self->reader);
  g_clear_error (&self->failure);
  G_OBJECT_CLASS (ff_swarm_execution_parent_class)->finalize (object);
}

/* Returns FALSE when the run has been given up. */
static gboolean
note_failure (FfSwarmExecution *self, const GError *error)
{
  self->failures++;
  g_debug ("service %s: %s (failure %u)", self->service_id, error->message, self->failures);
  if (self->failures > MAX_FAILURES || !ff_docker_request_can_retry (error))
    {
      fail (self, error);
      return FALSE;
    }
  return TRUE;
}

static guint
backoff_ms (guint attempts)
{
  return MIN ((guint) RETRY_BASE_MS << MIN (attempts, 10), (guint) RETRY_MAX_MS);
}

/* ---- the log ---- */

static gboolean
on_log_retry (gpointer user_data)
{
  FfSwarmExecution *self = user_data;

  self->log_retry_id = 0;
  if (!self->finishing && self->log_req == NULL)
    start_logs (self);
  return G_SOURCE_REMOVE;
}

static void
on_log_read (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (FfDockerRequest) req = user_data;
  FfSwarmExecution *self = FF_SWARM_EXECUTION (req->execution);
  g_autoptr (GError) error = NULL;

  ff_docker_log_reader_read_finish (self->reader, res, &error);
  if (req != self->log_req)
    return;
  self->log_req = NULL;
  if (self->finishing)
    return;
  if (error == NULL && req->after_end && !ff_docker_log_reader_is_cut (self->reader))
    {
      ff_docker_log_reader_finish (self->reader);
      finish (self);
      return;
    }
  if (error != NULL && !note_failure (self, error))
    return;
  /* A follow that ended while the task runs, or a cut read: again from
   * the cursor, a little later, so that a log that ends at once (a task
   * not started yet) does not turn into a busy loop. */
  self->log_retry_id =
      g_timeout_add_full (G_PRIORITY_DEFAULT, error != NULL ? backoff_ms (self->failures) : POLL_MS,
                          on_log_retry, g_object_ref (self), g_object_unref);
}

static void
start_logs (FfSwarmExecution *self)
{
  g_autofree gchar *since = ff_docker_log_reader_dup_since (self->reader);
  g_autofree gchar *path = NULL;

  g_assert (self->log_req == NULL);
  g_clear_handle_id (&self->log_retry_id, g_source_remove);
  /* After the task ended or the run was cancelled, a plain read: it ends
   * once the log so far is sent. */
  path = g_strdup_printf ("/services/%s/logs?stdout=1&stderr=1&timestamps=1&follow=%d%s%s",
                          self->service_id, self->task_done || self->cancelled ? 0 : 1,
                          since != NULL ? "&since=" : "", since != NULL ? since : "");
  self->log_req = request_new (self);
  ff_docker_log_reader_read_async (self->reader, self->client, path, self->log_req->cancellable,
                                   on_log_read, self->log_req);
}

/* ---- the task ---- */

static gboolean
state_is_final (const gchar *state)
{
  static const gchar *const final[] = { "complete", "failed", "shutdown", "rejected",
                                        "orphaned", "remove", NULL };

  return state != NULL && g_strv_contains (final, state);
}

static gboolean
state_is_unplaced (const gchar *state)
{
  /* Not on a node yet: the scheduler keeps such a task pending, with the
   * reason in Status.Err, for as long as no node fits. */
  return g_strcmp0 (state, "new") == 0 || g_strcmp0 (state, "pending") == 0 ||
         g_strcmp0 (state, "assigned") == 0;
}

/* The task that tells the run's fate: one that still runs, else the
 * newest; with TotalCompletions 1 and no restarts there is one. */
static gboolean
pick_task (JsonArray *tasks, FfDockerTaskStatus *picked)
{
  gboolean found = FALSE;

  for (guint i = 0; i < json_array_get_length (tasks); i++)
    {
      FfDockerTaskStatus task;

      if (!ff_docker_inspect_read_task (json_array_get_element (tasks, i), &task))
        continue;
      if (!state_is_final (task.state))
        {
          *picked = task;
          return TRUE;
        }
      if (!found || g_strcmp0 (task.created_at, picked->created_at) > 0)
        *picked = task;
      found = TRUE;
    }
  return found;
}

static GError *
task_error (FfSwarmExecution *self, const gchar *state, const gchar *err)
{
  g_autofree gchar *message = NULL;
  FfReason reason = FF_REASON_ENGINE_ERROR;

  /* The node looked for the image and found none: no registry could
   * give it either, since tasks are created without a digest. */
  if (err != NULL &&
      (strstr (err, "No such image") != NULL || strstr (err, "pull access denied") != NULL ||
       strstr (err, "manifest unknown") != NULL))
    {
      reason = FF_REASON_IMAGE_NOT_FOUND;
      message = ff_message_new (GETTEXT_PACKAGE,
                                N_ ("The swarm could not start the run of pipeline %s because its "
                                    "image is missing on the node: %s; fastflow does not pull "
                                    "images, so put the image on every node that may run it"),
                                self->pipeline, err, NULL);
    }
  else
    message = ff_message_new (GETTEXT_PACKAGE,
                              N_ ("The swarm task of pipeline %s ended as “%s” without an exit "
                                  "code: %s"),
                              self->pipeline, state, err != NULL ? err : _ ("no details"), NULL);
  return g_error_new_literal (FF_EXECUTOR_ERROR, reason, message);
}

static GError *
placement_error (FfSwarmExecution *self, const gchar *why)
{
  g_autofree gchar *seconds = g_strdup_printf ("%u", (self->placement_timeout_ms + 999) / 1000);
  g_autofree gchar *message = ff_message_new (
      GETTEXT_PACKAGE,
      N_ ("No node of the swarm took the run of pipeline %s within %s s: %s; check the "
          "pipeline's “placement” and the nodes (placement_timeout in [executor.swarm] sets "
          "the wait)"),
      self->pipeline, seconds, why, NULL);

  return g_error_new_literal (FF_EXECUTOR_ERROR, FF_REASON_ENGINE_ERROR, message);
}

static void
task_done (FfSwarmExecution *self, gint exit_code)
{
  self->task_done = TRUE;
  self->exit_code = exit_code;
  /* A follow that began before the end may stay open; a fresh read from
   * the cursor ends for sure. */
  if (self->log_req != NULL && !self->log_req->after_end)
    ff_docker_request_abandon (&self->log_req);
  if (self->log_req == NULL)
    start_logs (self);
}

static void
judge_task (FfSwarmExecution *self, const FfDockerTaskStatus *task)
{
  gboolean overdue =
      (g_get_monotonic_time () - self->started_at) / 1000 > (gint64) self->placement_timeout_ms;
  const gchar *state = task != NULL ? task->state : NULL;
  const gchar *err = task != NULL ? task->err : NULL;

  if (task != NULL && task->container_id != NULL && self->container_id == NULL)
    self->container_id = g_strdup (task->container_id);

  if (state_is_final (state))
    {
      /* complete and failed have run: their exit code is the answer. */
      if ((g_strcmp0 (state, "complete") == 0 || g_strcmp0 (state, "failed") == 0) &&
          task->has_exit_code)
        {
          task_done (self, task->exit_code);
          return;
        }
      {
        g_autoptr (GError) error = task_error (self, state, err);
        fail (self, error);
      }
      return;
    }
  if (overdue && (task == NULL || state_is_unplaced (state)))
    {
      g_autoptr (GError) error = NULL;

      if (task == NULL)
        error = placement_error (self, _ ("the swarm created no task for it"));
      else
        error = placement_error (self, err != NULL             ? err
                                       : task->message != NULL ? task->message
                                                               : "");
      fail (self, error);
      return;
    }
  schedule_poll (self, POLL_MS);
}

static void
on_tasks (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (FfSwarmExecution) self = user_data;
  FfDockerTaskStatus task;
  g_autoptr (JsonNode) node = NULL;
  g_autoptr (GError) error = NULL;
  guint status = 0;

  self->polling = FALSE;
  node = ff_docker_client_call_finish (FF_DOCKER_CLIENT (source), res, &status, &error);
  if (self->finishing || self->task_done || self->cancelled)
    return;
  if (error == NULL && (status != 200 || node == NULL || !JSON_NODE_HOLDS_ARRAY (node)))
    error = g_error_new (FF_EXECUTOR_ERROR, FF_REASON_ENGINE_ERROR,
                         _ ("The Docker engine answered the list of tasks of service %s with "
                            "HTTP %u"),
                         self->service_id, status);
  if (error != NULL)
    {
      if (note_failure (self, error))
        schedule_poll (self, backoff_ms (self->failures));
      return;
    }
  self->failures = 0;
  judge_task (self, pick_task (json_node_get_array (node), &task) ? &task : NULL);
}

static void
poll_tasks (FfSwarmExecution *self)
{
  g_autofree gchar *filters = g_strdup_printf ("{\"service\":[\"%s\"]}", self->service_id);
  g_autofree gchar *escaped = g_uri_escape_string (filters, NULL, FALSE);
  g_autofree gchar *path = g_strdup_printf ("/tasks?filters=%s", escaped);

  if (self->polling || self->finishing || self->cancelled)
    return;
  self->polling = TRUE;
  ff_docker_client_call_async (self->client, "GET", path, NULL, FF_DOCKER_CALL_NONE, NULL, on_tasks,
                               g_object_ref (self));
}

static gboolean
on_poll (gpointer user_data)
{
  FfSwarmExecution *self = user_data;

  self->poll_id = 0;
  poll_tasks (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_poll (FfSwarmExecution *self, guint delay_ms)
{
  if (self->poll_id != 0 || self->polling || self->finishing)
    return;
  self->poll_id = g_timeout_add_full (G_PRIORITY_DEFAULT, delay_ms, on_poll, g_object_ref (self),
                                      g_object_unref);
}

/* ---- the end ---- */

static void
emit_result (FfSwarmExecution *self)
{
  g_autofree gchar *message = NULL;
  g_autofree gchar *limit = NULL;

  if (self->failure != NULL)
    {
      ff_execution_emit_exited (FF_EXECUTION (self), -1,
                                self->failure->domain == FF_EXECUTOR_ERROR
                                    ? (FfReason) self->failure->code
                                    : FF_REASON_ENGINE_ERROR,
                                self->failure->message);
      return;
    }
  if (self->cancelled)
    {
      message = ff_message_new (GETTEXT_PACKAGE,
                                N_ ("The run was cancelled; its swarm service %s was removed"),
                                self->service_id, NULL);
      ff_execution_emit_exited (FF_EXECUTION (self), self->task_done ? self->exit_code : -1,
                                FF_REASON_CANCELLED, message);
      return;
    }
  /* A task's status has no OOMKilled; 137 under a memory limit is the
   * kernel's OOM killer as good as always. */
  if (self->exit_code == 137 && self->memory_limit > 0)
    {
      limit = g_format_size_full (self->memory_limit, G_FORMAT_SIZE_IEC_UNITS);
      message = ff_message_new (GETTEXT_PACKAGE,
                                N_ ("The container was killed because it needed more memory "
                                    "than its limit of %s"),
                                limit, NULL);
      ff_execution_emit_exited (FF_EXECUTION (self), 137, FF_REASON_OOM_KILLED, message);
      return;
    }
  ff_execution_emit_exited (FF_EXECUTION (self), self->exit_code,
                            self->exit_code != 0 ? FF_REASON_EXIT_CODE : FF_REASON_NONE, NULL);
}

static void remove_next (FfSwarmExecution *self);

static gboolean
on_remove_retry (gpointer user_data)
{
  FfSwarmExecution *self = user_data;

  self->remove_id = 0;
  remove_next (self);
  return G_SOURCE_REMOVE;
}

/* What is being removed: the service, then its task's container, then the
 * config. */
static gchar **
removing (FfSwarmExecution *self)
{
  if (self->service_id != NULL)
    return &self->service_id;
  if (self->container_id != NULL)
    return &self->container_id;
  return &self->config_id;
}

static void
removed_one (FfSwarmExecution *self)
{
  self->remove_attempts = 0;
  g_clear_pointer (removing (self), g_free);
  remove_next (self);
}

static void
on_removed (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (FfSwarmExecution) self = user_data;
  g_autoptr (JsonNode) node = NULL;
  g_autoptr (GError) error = NULL;
  gchar **what = removing (self);
  guint status = 0;

  node = ff_docker_client_call_finish (FF_DOCKER_CLIENT (source), res, &status, &error);
  /* 404: gone already */
  if (error == NULL && (status == 200 || status == 204 || status == 404))
    {
      removed_one (self);
      return;
    }
  /* The container is a courtesy (see remove_next): on another node it is
   * not this engine's, without CONTAINERS=1 the proxy refuses, and a 409
   * means the swarm is removing it itself. */
  if (what == &self->container_id)
    {
      g_debug ("removal of task container %s: HTTP %u%s%s", *what, status,
               error != NULL ? ": " : "", error != NULL ? error->message : "");
      removed_one (self);
      return;
    }
  if (error == NULL)
    {
      g_autofree gchar *detail = ff_docker_client_dup_error_message (node);
      error = g_error_new (FF_EXECUTOR_ERROR, FF_REASON_ENGINE_ERROR, "HTTP %u: %s", status,
                           detail != NULL ? detail : "");
    }
  /* A config stays "in use" for a moment after its service went; a proxy
   * that is away for a moment should not cost a service either. */
  if (!g_error_matches (error, FF_EXECUTOR_ERROR, FF_REASON_PROXY_FORBIDDEN) &&
      self->remove_attempts < MAX_REMOVE_ATTEMPTS)
    {
      g_debug ("removal of %s: %s", *what, error->message);
      self->remove_id = g_timeout_add_full (G_PRIORITY_DEFAULT, backoff_ms (self->remove_attempts),
                                            on_remove_retry, g_object_ref (self), g_object_unref);
      return;
    }
  g_warning (_ ("The swarm object %s could not be removed and is left behind: %s"), *what,
             error->message);
  removed_one (self);
}

/* The service first: the config is in use while the service exists. Then
 * the task's container, which Docker before 24 leaves behind when a job
 * service is removed: still running after a cancel (moby#44312), exited
 * otherwise (moby#42789). */
static void
remove_next (FfSwarmExecution *self)
{
  g_autofree gchar *path = NULL;

  if (self->service_id != NULL)
    path = g_strdup_printf ("/services/%s", self->service_id);
  else if (self->container_id != NULL)
    path = g_strdup_printf ("/containers/%s?force=1", self->container_id);
  else if (self->config_id != NULL)
    path = g_strdup_printf ("/configs/%s", self->config_id);
  else
    {
      emit_result (self);
      return;
    }
  self->remove_attempts++;
  ff_docker_client_call_async (self->client, "DELETE", path, NULL, FF_DOCKER_CALL_LONG, NULL,
                               on_removed, g_object_ref (self));
}

static void
finish (FfSwarmExecution *self)
{
  if (self->finishing)
    return;
  self->finishing = TRUE;
  ff_docker_request_abandon (&self->log_req);
  g_clear_handle_id (&self->poll_id, g_source_remove);
  g_clear_handle_id (&self->log_retry_id, g_source_remove);
  g_clear_handle_id (&self->drain_id, g_source_remove);
  remove_next (self);
}

static void
fail (FfSwarmExecution *self, const GError *error)
{
  if (self->finishing)
    return;
  self->failure = g_error_copy (error);
  finish (self);
}

static gboolean
on_drain_timeout (gpointer user_data)
{
  FfSwarmExecution *self = user_data;

  self->drain_id = 0;
  finish (self);
  return G_SOURCE_REMOVE;
}

/* What the run wrote before the cancel (or the timeout that led to it) is
 * worth keeping: one more read of the log so far, then the service goes,
 * and removing it stops its task: the engine sends the stop signal and
 * kills after the service's StopGracePeriod. */
static void
ff_swarm_execution_cancel (FfExecution *execution, guint grace_ms)
{
  FfSwarmExecution *self = FF_SWARM_EXECUTION (execution);

  if (self->cancelled || self->task_done || self->finishing)
    return;
  self->cancelled = TRUE;
  g_clear_handle_id (&self->poll_id, g_source_remove);
  ff_docker_request_abandon (&self->log_req);
  self->drain_id = g_timeout_add_full (G_PRIORITY_DEFAULT, DRAIN_MS, on_drain_timeout,
                                       g_object_ref (self), g_object_unref);
  start_logs (self);
}

static void
ff_swarm_execution_class_init (FfSwarmExecutionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  FfExecutionClass *execution_class = FF_EXECUTION_CLASS (klass);

  object_class->dispose = ff_swarm_execution_dispose;
  object_class->finalize = ff_swarm_execution_finalize;
  execution_class->cancel = ff_swarm_execution_cancel;
}

static void
ff_swarm_execution_init (FfSwarmExecution *self)
{
  self->exit_code = -1;
}

/**
 * ff_swarm_execution_new:
 * @service_id: a replicated-job service that has been created
 * @config_id: (nullable): the config that carries the pipeline folder,
 *   removed with the service
 * @memory_limit: the task's memory limit in bytes, 0 if none
 * @placement_timeout_ms: how long a task may wait for a node
 */
FfSwarmExecution *
ff_swarm_execution_new (FfDockerClient *client,
                        const gchar *pipeline,
                        const gchar *service_id,
                        const gchar *config_id,
                        guint64 memory_limit,
                        guint placement_timeout_ms)
{
  FfSwarmExecution *self;

  g_return_val_if_fail (FF_IS_DOCKER_CLIENT (client), NULL);
  g_return_val_if_fail (service_id != NULL, NULL);

  self = g_object_new (FF_TYPE_SWARM_EXECUTION, NULL);
  self->client = g_object_ref (client);
  self->pipeline = g_strdup (pipeline);
  self->service_id = g_strdup (service_id);
  self->config_id = g_strdup (config_id);
  self->memory_limit = memory_limit;
  self->placement_timeout_ms = placement_timeout_ms;
  /* A service's log is framed like that of a container without a TTY. */
  self->reader = ff_docker_log_reader_new (FF_EXECUTION (self));
  return self;
}

/**
 * ff_swarm_execution_start:
 *
 * Begins to follow the service. Output is emitted from later main loop
 * iterations, so connecting to the signals right after this is in time.
 */
void
ff_swarm_execution_start (FfSwarmExecution *self)
{
  g_return_if_fail (FF_IS_SWARM_EXECUTION (self));

  self->started_at = g_get_monotonic_time ();
  start_logs (self);
  poll_tasks (self);
}

/* Until the service has been removed, else %NULL. */
const gchar *
ff_swarm_execution_get_service_id (FfSwarmExecution *self)
{
  g_return_val_if_fail (FF_IS_SWARM_EXECUTION (self), NULL);
  return self->service_id;
}
