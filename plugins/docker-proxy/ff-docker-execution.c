/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "ff-docker-demuxer.h"
#include "ff-docker-execution.h"
#include "ff-docker-inspect.h"
#include "ff-docker-log-cursor.h"
#include "ff-docker-request.h"

/*
 * One container run, from after its start to its removal.
 *
 * A proxy may cut any long request: HAProxy ends a request that is quiet
 * for longer than its `timeout server`, and libsoup shows the cut like a
 * clean end. So neither the end of the log stream nor an empty /wait
 * means the container stopped. Every end leads to a look at the
 * container (inspect): while it runs, the log follow and the wait are
 * sent again, the log resuming where it stopped (see FfDockerLogCursor);
 * once it has stopped, one more log request from the cursor fetches what
 * the cut stream may have missed, and only a log request that started
 * after the stop and ended whole counts as the complete log. Then the
 * final state is read, the container removed and `exited` emitted.
 */

#define READ_SIZE 65536
#define KILL_MARGIN_MS 2000
#define RETRY_BASE_MS 100
#define RETRY_MAX_MS 5000
/* How long a proxy or an engine that does not answer is waited for before
 * the run fails, unless the executor sets it (reconnect_grace). */
#define DEFAULT_RECONNECT_GRACE_MS 60000
#define MAX_REMOVE_ATTEMPTS 8

/* The life of a run, in this order; FAILED may follow any of the others.
 * Only transition() changes it. */
typedef enum
{
  /* The container runs: a log follow and a /wait are out, each sent again
   * (after a look at the container) when the proxy cuts it. */
  EXEC_RUNNING,
  /* It stopped (/wait or a look said so): the rest of the log is read
   * from the cursor, with plain reads that end by themselves. */
  EXEC_STOPPED,
  /* The log is complete: the final state, the removal, then `exited`. */
  EXEC_FINISHING,
  /* Given up and reported at once: only the removal is left. */
  EXEC_FAILED,
} ExecState;

struct _FfDockerExecution
{
  FfExecution parent_instance;
  FfDockerClient *client;
  gchar *id;
  guint64 memory_limit;
  guint max_grace_ms;

  FfDockerDemuxer *demuxer;
  FfDockerLogCursor *cursor;
  GByteArray *pending; /* output of one stream, emitted once per read */
  FfStream pending_stream;
  GError *frame_error;

  ExecState state;
  FfDockerRequest *log_req;  /* the running log request, if any */
  FfDockerRequest *wait_req; /* the running /wait, if any */
  gboolean inspecting;
  guint retry_id;
  guint failures;
  gint64 failing_since; /* monotonic time of the first failure in a row */
  guint reconnect_grace_ms;

  JsonNode *final_state; /* its State, read after it stopped */
  gint wait_status;      /* StatusCode from /wait, -1 if none */

  FfDockerRequest *stats_req; /* the streamed /stats, once someone samples */
  gboolean have_usage;
  GError *stats_error; /* the proxy refused /stats: nothing to measure */
  FfUsage usage;
  guint stats_retry_id;

  gboolean cancelled;
  guint kill_id;
  GError *failure;
  guint remove_attempts;
  guint reconnects;
};

G_DEFINE_TYPE (FfDockerExecution, ff_docker_execution, FF_TYPE_EXECUTION)

static void start_logs (FfDockerExecution *self);
static void start_wait (FfDockerExecution *self);
static void schedule_check (FfDockerExecution *self, guint delay_ms);
static void finish (FfDockerExecution *self);
static void fail (FfDockerExecution *self, const GError *error);

static FfDockerRequest *
request_new (FfDockerExecution *self)
{
  return ff_docker_request_new (FF_EXECUTION (self), self->state != EXEC_RUNNING);
}

/* The one place the state changes: what the new state no longer needs
 * is ended here. */
static void
transition (FfDockerExecution *self, ExecState to)
{
  static const gchar *const names[] = { "running", "stopped", "finishing", "failed" };

  g_assert (to > self->state);
  g_debug ("container %s: %s → %s", self->id, names[self->state], names[to]);
  self->state = to;
  switch (to)
    {
    case EXEC_RUNNING:
      g_assert_not_reached ();
    case EXEC_STOPPED:
      ff_docker_request_abandon (&self->wait_req);
      ff_docker_request_abandon (&self->stats_req);
      g_clear_handle_id (&self->stats_retry_id, g_source_remove);
      g_clear_handle_id (&self->kill_id, g_source_remove);
      /* A follow that began before the stop may hang on a broken engine
       * or be cut on its way; a fresh read from the cursor ends for sure. */
      if (self->log_req != NULL && !self->log_req->after_end)
        ff_docker_request_abandon (&self->log_req);
      break;
    case EXEC_FINISHING:
      ff_docker_request_abandon (&self->wait_req);
      break;
    case EXEC_FAILED:
      ff_docker_request_abandon (&self->log_req);
      ff_docker_request_abandon (&self->wait_req);
      ff_docker_request_abandon (&self->stats_req);
      g_clear_handle_id (&self->retry_id, g_source_remove);
      g_clear_handle_id (&self->stats_retry_id, g_source_remove);
      break;
    }
}

static void
ff_docker_execution_dispose (GObject *object)
{
  FfDockerExecution *self = FF_DOCKER_EXECUTION (object);

  /* Requests and timers hold a reference, so none is left by now. */
  g_clear_handle_id (&self->retry_id, g_source_remove);
  g_clear_handle_id (&self->kill_id, g_source_remove);
  g_clear_handle_id (&self->stats_retry_id, g_source_remove);
  G_OBJECT_CLASS (ff_docker_execution_parent_class)->dispose (object);
}

static void
ff_docker_execution_finalize (GObject *object)
{
  FfDockerExecution *self = FF_DOCKER_EXECUTION (object);

  g_clear_object (&self->client);
  g_free (self->id);
  g_clear_object (&self->demuxer);
  g_clear_object (&self->cursor);
  g_byte_array_unref (self->pending);
  g_clear_error (&self->frame_error);
  g_clear_error (&self->failure);
  g_clear_error (&self->stats_error);
  g_clear_pointer (&self->final_state, json_node_unref);
  G_OBJECT_CLASS (ff_docker_execution_parent_class)->finalize (object);
}

/* Returns FALSE when the run has been given up: at once for a refusal;
 * for a proxy or an engine that does not answer, once it has not for
 * longer than the grace, counted from the first failure in a row. The
 * container runs on meanwhile, and its log loses nothing. */
static gboolean
note_failure (FfDockerExecution *self, const GError *error)
{
  gint64 now = g_get_monotonic_time ();
  g_autofree gchar *seconds = NULL;
  g_autofree gchar *message = NULL;
  g_autoptr (GError) lost = NULL;

  if (self->failures++ == 0)
    self->failing_since = now;
  g_debug ("container %s: %s (failure %u)", self->id, error->message, self->failures);
  if (!ff_docker_request_can_retry (error))
    {
      fail (self, error);
      return FALSE;
    }
  if (now - self->failing_since <= (gint64) self->reconnect_grace_ms * 1000)
    return TRUE;
  seconds = g_strdup_printf ("%u", (self->reconnect_grace_ms + 999) / 1000);
  message = ff_message_new (GETTEXT_PACKAGE,
                            N_ ("The container %s could not be reached for more than %s s "
                                "(reconnect_grace); it is stopped: %s"),
                            self->id, seconds, error->message, NULL);
  lost = g_error_new_literal (FF_EXECUTOR_ERROR, error->code, message);
  fail (self, lost);
  return FALSE;
}

static guint
backoff_ms (FfDockerExecution *self)
{
  guint shift = MIN (self->failures, 10);
  return MIN ((guint) RETRY_BASE_MS << shift, (guint) RETRY_MAX_MS);
}

static void
flush_pending (FfDockerExecution *self)
{
  g_autoptr (GBytes) bytes = NULL;

  if (self->pending->len == 0)
    return;
  bytes = g_bytes_new (self->pending->data, self->pending->len);
  g_byte_array_set_size (self->pending, 0);
  ff_execution_emit_output (FF_EXECUTION (self), self->pending_stream, bytes);
}

static void
on_frame (
    FfStream stream, const guint8 *data, gsize len, FfDockerPieceFlags flags, gpointer user_data)
{
  FfDockerExecution *self = user_data;
  gsize offset = 0;
  gsize fresh = 0;

  if (self->frame_error != NULL)
    return;
  if (!ff_docker_log_cursor_take_piece (self->cursor, stream, data, len, flags, &offset, &fresh,
                                        &self->frame_error) ||
      fresh == 0)
    return;
  /* Consecutive frames of one stream leave as one chunk; a change of
   * stream keeps the order in which the program wrote. */
  if (stream != self->pending_stream)
    flush_pending (self);
  self->pending_stream = stream;
  g_byte_array_append (self->pending, data + offset, fresh);
}

static void
log_ended (FfDockerExecution *self, FfDockerRequest *req, const GError *error)
{
  gboolean cut = ff_docker_demuxer_get_pending (self->demuxer) > 0;

  self->log_req = NULL;
  if (self->state >= EXEC_FINISHING)
    return;
  if (error == NULL && req->after_end &&
      (!cut || !ff_docker_demuxer_get_multiplexed (self->demuxer)))
    {
      ff_docker_demuxer_flush (self->demuxer);
      flush_pending (self);
      finish (self);
      return;
    }
  if (error != NULL && !note_failure (self, error))
    return;
  if (self->state == EXEC_STOPPED)
    {
      /* It stopped while this request ran: one more from the cursor. */
      if (error == NULL)
        start_logs (self);
      else
        schedule_check (self, backoff_ms (self));
      return;
    }
  schedule_check (self, error != NULL ? backoff_ms (self) : 0);
}

static void read_logs (FfDockerRequest *req);

static void
on_log_read (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (FfDockerRequest) req = user_data;
  FfDockerExecution *self = FF_DOCKER_EXECUTION (req->execution);
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GError) error = NULL;
  gsize len = 0;
  const guint8 *data;

  bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), res, &error);
  if (req != self->log_req)
    return;
  if (bytes == NULL)
    {
      /* A reset stream is a cut like any other. */
      g_autoptr (GError) cut =
          g_error_new (FF_EXECUTOR_ERROR, FF_REASON_PROXY_UNREACHABLE, "%s", error->message);
      log_ended (self, req, cut);
      return;
    }
  data = g_bytes_get_data (bytes, &len);
  if (len == 0)
    {
      log_ended (self, req, NULL);
      return;
    }
  if (!ff_docker_demuxer_push (self->demuxer, data, len, &error) || self->frame_error != NULL)
    {
      fail (self, error != NULL ? error : self->frame_error);
      return;
    }
  flush_pending (self);
  read_logs (g_steal_pointer (&req));
}

static void
read_logs (FfDockerRequest *req)
{
  g_input_stream_read_bytes_async (req->stream, READ_SIZE, G_PRIORITY_DEFAULT, req->cancellable,
                                   on_log_read, req);
}

static void
on_log_opened (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (FfDockerRequest) req = user_data;
  FfDockerExecution *self = FF_DOCKER_EXECUTION (req->execution);
  g_autoptr (GError) error = NULL;

  req->stream = ff_docker_client_stream_finish (FF_DOCKER_CLIENT (source), res, &error);
  if (req != self->log_req)
    return;
  if (req->stream == NULL)
    {
      log_ended (self, req, error);
      return;
    }
  read_logs (g_steal_pointer (&req));
}

static void
start_logs (FfDockerExecution *self)
{
  g_autofree gchar *since = ff_docker_log_cursor_dup_since (self->cursor);
  g_autofree gchar *path = NULL;
  FfDockerRequest *req;

  g_assert (self->log_req == NULL);
  /* After the stop, a plain read: it ends once the log is sent. */
  path = g_strdup_printf ("/containers/%s/logs?stdout=1&stderr=1&timestamps=1&follow=%d%s%s",
                          self->id, self->state == EXEC_RUNNING ? 1 : 0,
                          since != NULL ? "&since=" : "", since != NULL ? since : "");
  ff_docker_log_cursor_rewind (self->cursor);
  ff_docker_demuxer_reset (self->demuxer);
  req = request_new (self);
  self->log_req = req;
  ff_docker_client_stream_async (self->client, path, req->cancellable, on_log_opened, req);
}

/* Also called again after a failed log read from the cursor. */
static void
mark_exited (FfDockerExecution *self)
{
  g_assert (self->state <= EXEC_STOPPED);
  if (self->state == EXEC_RUNNING)
    {
      transition (self, EXEC_STOPPED);
      /* The final state (OOMKilled) while the rest of the log comes. */
      if (self->final_state == NULL)
        schedule_check (self, 0);
    }
  if (self->log_req == NULL)
    start_logs (self);
}

static gboolean
state_is_running (JsonObject *state)
{
  FfDockerContainerState read;

  ff_docker_inspect_read_state (state, &read);
  return read.running;
}

static void
on_inspected (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (FfDockerExecution) self = user_data;
  g_autoptr (JsonNode) node = NULL;
  g_autoptr (GError) error = NULL;
  JsonObject *state = NULL;
  guint status = 0;

  self->inspecting = FALSE;
  node = ff_docker_client_call_finish (FF_DOCKER_CLIENT (source), res, &status, &error);
  if (self->state == EXEC_FAILED || (self->state == EXEC_FINISHING && self->final_state != NULL))
    return;
  if (error == NULL && status == 404)
    {
      g_autofree gchar *message = ff_message_new (
          GETTEXT_PACKAGE, N_ ("The container %s disappeared while it ran"), self->id, NULL);
      g_autoptr (GError) gone =
          g_error_new_literal (FF_EXECUTOR_ERROR, FF_REASON_ENGINE_ERROR, message);
      fail (self, gone);
      return;
    }
  if (error == NULL)
    state = ff_docker_inspect_get_state (node);
  if (state == NULL)
    {
      if (error == NULL)
        error = g_error_new (FF_EXECUTOR_ERROR, FF_REASON_ENGINE_ERROR,
                             _ ("The Docker engine answered the inspection of container %s with "
                                "HTTP %u and no state"),
                             self->id, status);
      if (note_failure (self, error))
        schedule_check (self, backoff_ms (self));
      return;
    }
  self->failures = 0;

  if (self->state == EXEC_FINISHING)
    {
      /* An answer to a question asked before the stop. */
      if (state_is_running (state))
        {
          schedule_check (self, RETRY_BASE_MS);
          return;
        }
      self->final_state = json_node_new (JSON_NODE_OBJECT);
      json_node_set_object (self->final_state, state);
      finish (self);
      return;
    }
  if (state_is_running (state))
    {
      if (self->log_req == NULL)
        {
          self->reconnects++;
          start_logs (self);
        }
      if (self->wait_req == NULL)
        {
          self->reconnects++;
          start_wait (self);
        }
      return;
    }
  g_clear_pointer (&self->final_state, json_node_unref);
  self->final_state = json_node_new (JSON_NODE_OBJECT);
  json_node_set_object (self->final_state, state);
  mark_exited (self);
}

static void
inspect (FfDockerExecution *self)
{
  g_autofree gchar *path = g_strdup_printf ("/containers/%s/json", self->id);

  if (self->inspecting)
    return;
  self->inspecting = TRUE;
  ff_docker_client_call_async (self->client, "GET", path, NULL, FF_DOCKER_CALL_NONE, NULL,
                               on_inspected, g_object_ref (self));
}

static gboolean
on_retry (gpointer user_data)
{
  FfDockerExecution *self = user_data;

  self->retry_id = 0;
  if (self->state != EXEC_FAILED && (self->state != EXEC_FINISHING || self->final_state == NULL))
    inspect (self);
  return G_SOURCE_REMOVE;
}

/* Looks at the container after a request ended or failed; at most one
 * look is pending at a time, since one answers every question. */
static void
schedule_check (FfDockerExecution *self, guint delay_ms)
{
  if (self->retry_id != 0 || self->inspecting)
    return;
  if (delay_ms == 0)
    {
      inspect (self);
      return;
    }
  self->retry_id = g_timeout_add_full (G_PRIORITY_DEFAULT, delay_ms, on_retry, g_object_ref (self),
                                       g_object_unref);
}

static void
on_wait_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (FfDockerRequest) req = user_data;
  FfDockerExecution *self = FF_DOCKER_EXECUTION (req->execution);
  g_autoptr (JsonNode) node = NULL;
  g_autoptr (GError) error = NULL;
  JsonObject *obj = NULL;
  guint status = 0;

  node = ff_docker_client_call_finish (FF_DOCKER_CLIENT (source), res, &status, &error);
  if (req != self->wait_req)
    return;
  self->wait_req = NULL;
  if (error != NULL)
    {
      if (note_failure (self, error))
        schedule_check (self, backoff_ms (self));
      return;
    }
  if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
    obj = json_node_get_object (node);
  if (status == 200 && obj != NULL && json_object_has_member (obj, "StatusCode"))
    {
      self->wait_status = (gint) json_object_get_int_member (obj, "StatusCode");
      mark_exited (self);
      return;
    }
  /* An empty answer is a cut, not an exit code: look and ask again. */
  schedule_check (self, 0);
}

static void
start_wait (FfDockerExecution *self)
{
  g_autofree gchar *path = g_strdup_printf ("/containers/%s/wait?condition=not-running", self->id);
  FfDockerRequest *req;

  g_assert (self->wait_req == NULL);
  req = request_new (self);
  self->wait_req = req;
  ff_docker_client_call_async (self->client, "POST", path, NULL, FF_DOCKER_CALL_LONG,
                               req->cancellable, on_wait_done, req);
}

static void
emit_exited (FfDockerExecution *self, gint exit_code, FfReason reason, const gchar *message)
{
  g_clear_handle_id (&self->kill_id, g_source_remove);
  g_clear_handle_id (&self->retry_id, g_source_remove);
  flush_pending (self);
  ff_execution_emit_exited (FF_EXECUTION (self), exit_code, reason, message);
}

static void
emit_result (FfDockerExecution *self)
{
  gint exit_code = self->wait_status;
  gboolean oom = FALSE;
  g_autofree gchar *message = NULL;
  g_autofree gchar *limit = NULL;

  if (self->final_state != NULL)
    {
      FfDockerContainerState state;

      ff_docker_inspect_read_state (json_node_get_object (self->final_state), &state);
      if (state.has_exit_code)
        exit_code = state.exit_code;
      oom = state.oom_killed;
    }
  if (self->cancelled)
    {
      message = ff_message_new (GETTEXT_PACKAGE,
                                N_ ("The run was cancelled; its container %s was stopped"),
                                self->id, NULL);
      emit_exited (self, exit_code, FF_REASON_CANCELLED, message);
      return;
    }
  if (oom || (exit_code == 137 && self->memory_limit > 0))
    {
      limit = g_format_size_full (self->memory_limit, G_FORMAT_SIZE_IEC_UNITS);
      message = ff_message_new (GETTEXT_PACKAGE,
                                N_ ("The container was killed because it needed more memory "
                                    "than its limit of %s"),
                                limit, NULL);
      emit_exited (self, 137, FF_REASON_OOM_KILLED, message);
      return;
    }
  /* the exit code says it all; the run words it */
  emit_exited (self, exit_code, exit_code != 0 ? FF_REASON_EXIT_CODE : FF_REASON_NONE, NULL);
}

static void remove_container (FfDockerExecution *self);

static gboolean
on_remove_retry (gpointer user_data)
{
  FfDockerExecution *self = user_data;

  self->retry_id = 0;
  remove_container (self);
  return G_SOURCE_REMOVE;
}

static void
removed (FfDockerExecution *self)
{
  /* a failed run was reported when it failed */
  if (self->failure == NULL)
    emit_result (self);
}

static void
on_removed (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (FfDockerExecution) self = user_data;
  g_autoptr (JsonNode) node = NULL;
  g_autoptr (GError) error = NULL;
  guint status = 0;

  node = ff_docker_client_call_finish (FF_DOCKER_CLIENT (source), res, &status, &error);
  /* 404: gone already; 409: the engine is removing it. */
  if (error == NULL && (status == 204 || status == 404 || status == 409))
    {
      removed (self);
      return;
    }
  if (error == NULL)
    {
      g_autofree gchar *detail = ff_docker_client_dup_error_message (node);
      error = g_error_new (FF_EXECUTOR_ERROR, FF_REASON_ENGINE_ERROR, "HTTP %u: %s", status,
                           detail != NULL ? detail : "");
    }
  /* A proxy that is away for a moment should not cost a container; after
   * a run failed for a proxy away, it is given the grace once more. */
  if (!!ff_docker_request_can_retry (error) &&
      (self->remove_attempts < MAX_REMOVE_ATTEMPTS ||
       (self->failure != NULL && g_get_monotonic_time () - self->failing_since <=
                                     2 * (gint64) self->reconnect_grace_ms * 1000)))
    {
      g_debug ("removal of %s: %s", self->id, error->message);
      self->retry_id = g_timeout_add_full (
          G_PRIORITY_DEFAULT,
          MIN ((guint) RETRY_BASE_MS << self->remove_attempts, (guint) RETRY_MAX_MS),
          on_remove_retry, g_object_ref (self), g_object_unref);
      return;
    }
  g_warning (_ ("The container %s could not be removed and is left behind: %s"), self->id,
             error->message);
  removed (self);
}

static void
remove_container (FfDockerExecution *self)
{
  g_autofree gchar *path = g_strdup_printf ("/containers/%s?force=1&v=1", self->id);

  self->remove_attempts++;
  ff_docker_client_call_async (self->client, "DELETE", path, NULL, FF_DOCKER_CALL_LONG, NULL,
                               on_removed, g_object_ref (self));
}

/* The log is complete: the final state, removal, then `exited`. */
static void
finish (FfDockerExecution *self)
{
  /* Again once the final state has been read. */
  if (self->state != EXEC_FINISHING)
    transition (self, EXEC_FINISHING);
  if (self->final_state == NULL)
    {
      /* /wait told the stop; OOMKilled needs a look. */
      inspect (self);
      return;
    }
  remove_container (self);
}

/* The run cannot be followed any more: what came is emitted, the
 * container removed if the proxy lets us, and the cause reported. */
static void
fail (FfDockerExecution *self, const GError *error)
{
  if (self->state == EXEC_FAILED)
    return;
  transition (self, EXEC_FAILED);
  self->failure = g_error_copy (error);
  /* Reported now, rather than after the removal, which may wait for the
   * proxy to come back. */
  emit_exited (self, -1,
               error->domain == FF_EXECUTOR_ERROR ? (FfReason) error->code : FF_REASON_ENGINE_ERROR,
               error->message);
  remove_container (self);
}

/* Resource samples: the engine streams one /stats object per second.
 * A single /stats?stream=0 takes a second or two to answer and gives
 * zeros once the container stopped, so a stream is kept open instead,
 * from the first sample_usage() on. */

static void start_stats (FfDockerExecution *self);

static void
take_stats (FfDockerExecution *self, JsonNode *stats)
{
  if (ff_docker_inspect_read_usage (stats, self->memory_limit, &self->usage))
    self->have_usage = TRUE;
}

static gboolean
on_stats_retry (gpointer user_data)
{
  FfDockerExecution *self = user_data;

  self->stats_retry_id = 0;
  if (self->state == EXEC_RUNNING)
    start_stats (self);
  return G_SOURCE_REMOVE;
}

static void read_stats (FfDockerRequest *req);

static void
on_stats_line (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (FfDockerRequest) req = user_data;
  FfDockerExecution *self = FF_DOCKER_EXECUTION (req->execution);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *line = NULL;
  g_autoptr (JsonParser) parser = NULL;
  gsize len = 0;

  line =
      g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), res, &len, &error);
  if (req != self->stats_req)
    return;
  if (line == NULL)
    {
      /* Cut or ended: a stream of samples is not worth a fight. */
      self->stats_req = NULL;
      if (self->state == EXEC_RUNNING)
        self->stats_retry_id = g_timeout_add_full (G_PRIORITY_DEFAULT, RETRY_MAX_MS, on_stats_retry,
                                                   g_object_ref (self), g_object_unref);
      return;
    }
  parser = json_parser_new_immutable ();
  if (len > 0 && json_parser_load_from_data (parser, line, (gssize) len, NULL) &&
      JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    take_stats (self, json_parser_get_root (parser));
  read_stats (g_steal_pointer (&req));
}

static void
read_stats (FfDockerRequest *req)
{
  g_data_input_stream_read_line_async (G_DATA_INPUT_STREAM (req->stream), G_PRIORITY_LOW,
                                       req->cancellable, on_stats_line, req);
}

static void
on_stats_opened (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (FfDockerRequest) req = user_data;
  FfDockerExecution *self = FF_DOCKER_EXECUTION (req->execution);
  g_autoptr (GInputStream) body = NULL;
  g_autoptr (GError) error = NULL;

  body = ff_docker_client_stream_finish (FF_DOCKER_CLIENT (source), res, &error);
  if (req != self->stats_req)
    return;
  if (body == NULL)
    {
      g_debug ("stats of %s: %s", self->id, error->message);
      self->stats_req = NULL;
      /* asking again will not change the proxy's mind */
      if (g_error_matches (error, FF_EXECUTOR_ERROR, FF_REASON_PROXY_FORBIDDEN))
        {
          g_clear_error (&self->stats_error);
          self->stats_error = g_steal_pointer (&error);
          return;
        }
      if (self->state == EXEC_RUNNING)
        self->stats_retry_id = g_timeout_add_full (G_PRIORITY_DEFAULT, RETRY_MAX_MS, on_stats_retry,
                                                   g_object_ref (self), g_object_unref);
      return;
    }
  req->stream = G_INPUT_STREAM (g_data_input_stream_new (body));
  read_stats (g_steal_pointer (&req));
}

static void
start_stats (FfDockerExecution *self)
{
  g_autofree gchar *path = g_strdup_printf ("/containers/%s/stats?stream=1", self->id);
  FfDockerRequest *req = request_new (self);

  self->stats_req = req;
  ff_docker_client_stream_async (self->client, path, req->cancellable, on_stats_opened, req);
}

static gboolean
ff_docker_execution_sample_usage (FfExecution *execution, FfUsage *usage, GError **error)
{
  FfDockerExecution *self = FF_DOCKER_EXECUTION (execution);

  if (self->state != EXEC_RUNNING)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED,
                   _ ("The container %s has stopped; there is nothing left to measure"), self->id);
      return FALSE;
    }
  if (self->stats_error != NULL)
    {
      g_propagate_error (error, g_error_copy (self->stats_error));
      return FALSE;
    }
  if (self->stats_req == NULL && self->stats_retry_id == 0)
    start_stats (self);
  if (!self->have_usage)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK,
                   _ ("The first resource sample of container %s has not arrived yet"), self->id);
      return FALSE;
    }
  *usage = self->usage;
  return TRUE;
}

static void
on_killed (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (FfDockerExecution) self = user_data;
  g_autoptr (JsonNode) node = NULL;
  g_autoptr (GError) error = NULL;
  guint status = 0;

  node = ff_docker_client_call_finish (FF_DOCKER_CLIENT (source), res, &status, &error);
  /* 409: it stopped in the meantime. Either way the wait will tell. */
  if (error != NULL)
    g_debug ("kill of %s: %s", self->id, error->message);
}

static gboolean
on_kill_timeout (gpointer user_data)
{
  FfDockerExecution *self = user_data;
  g_autofree gchar *path = g_strdup_printf ("/containers/%s/kill?signal=KILL", self->id);

  self->kill_id = 0;
  if (self->state == EXEC_RUNNING)
    ff_docker_client_call_async (self->client, "POST", path, NULL, FF_DOCKER_CALL_NONE, NULL,
                                 on_killed, g_object_ref (self));
  return G_SOURCE_REMOVE;
}

static void
on_stopped (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (FfDockerExecution) self = user_data;
  g_autoptr (JsonNode) node = NULL;
  g_autoptr (GError) error = NULL;
  guint status = 0;

  /* The engine goes on stopping even if the proxy cut this request, so a
   * failure here leaves the kill to its timer, after the grace period. */
  node = ff_docker_client_call_finish (FF_DOCKER_CLIENT (source), res, &status, &error);
  if (error != NULL)
    g_debug ("stop of %s: %s", self->id, error->message);
  else if (status != 204 && status != 304)
    g_debug ("stop of %s: HTTP %u", self->id, status);
}

static void
ff_docker_execution_cancel (FfExecution *execution, guint grace_ms)
{
  FfDockerExecution *self = FF_DOCKER_EXECUTION (execution);
  g_autofree gchar *path = NULL;
  guint grace = MIN (grace_ms, self->max_grace_ms);

  if (self->cancelled || self->state != EXEC_RUNNING)
    return;
  self->cancelled = TRUE;
  /* stop sends SIGTERM, waits t seconds, then SIGKILL; the kill of our
   * own is for a stop that does not arrive. */
  path = g_strdup_printf ("/containers/%s/stop?t=%u", self->id, (grace + 999) / 1000);
  ff_docker_client_call_async (self->client, "POST", path, NULL, FF_DOCKER_CALL_LONG, NULL,
                               on_stopped, g_object_ref (self));
  self->kill_id = g_timeout_add_full (G_PRIORITY_DEFAULT, grace + KILL_MARGIN_MS, on_kill_timeout,
                                      g_object_ref (self), g_object_unref);
}

static void
ff_docker_execution_class_init (FfDockerExecutionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  FfExecutionClass *execution_class = FF_EXECUTION_CLASS (klass);

  object_class->dispose = ff_docker_execution_dispose;
  object_class->finalize = ff_docker_execution_finalize;
  execution_class->cancel = ff_docker_execution_cancel;
  execution_class->sample_usage = ff_docker_execution_sample_usage;
}

static void
ff_docker_execution_init (FfDockerExecution *self)
{
  self->pending = g_byte_array_new ();
  self->pending_stream = FF_STREAM_STDOUT;
  self->cursor = ff_docker_log_cursor_new ();
  self->wait_status = -1;
  self->reconnect_grace_ms = DEFAULT_RECONNECT_GRACE_MS;
}

/**
 * ff_docker_execution_new:
 * @container_id: a container that has been started
 * @multiplexed: %FALSE if the container has a TTY (Config.Tty)
 * @memory_limit: its memory limit in bytes, 0 if none
 * @max_grace_ms: the longest grace period a cancel may ask for
 */
FfDockerExecution *
ff_docker_execution_new (FfDockerClient *client,
                         const gchar *container_id,
                         gboolean multiplexed,
                         guint64 memory_limit,
                         guint max_grace_ms)
{
  FfDockerExecution *self;

  g_return_val_if_fail (FF_IS_DOCKER_CLIENT (client), NULL);
  g_return_val_if_fail (container_id != NULL, NULL);

  self = g_object_new (FF_TYPE_DOCKER_EXECUTION, NULL);
  self->client = g_object_ref (client);
  self->id = g_strdup (container_id);
  self->memory_limit = memory_limit;
  self->max_grace_ms = max_grace_ms;
  self->demuxer = ff_docker_demuxer_new (multiplexed, on_frame, self);
  return self;
}

/**
 * ff_docker_execution_start:
 *
 * Begins to follow the container. Output is emitted from later main loop
 * iterations, so connecting to the signals right after this is in time.
 */
void
ff_docker_execution_start (FfDockerExecution *self)
{
  g_return_if_fail (FF_IS_DOCKER_EXECUTION (self));
  g_return_if_fail (self->log_req == NULL && self->wait_req == NULL);

  start_logs (self);
  start_wait (self);
}

/**
 * ff_docker_execution_set_reconnect_grace:
 * @grace_ms: how long a proxy or an engine that does not answer is waited
 *   for before the run fails with the error it gave
 */
void
ff_docker_execution_set_reconnect_grace (FfDockerExecution *self, guint grace_ms)
{
  g_return_if_fail (FF_IS_DOCKER_EXECUTION (self));
  self->reconnect_grace_ms = grace_ms;
}

const gchar *
ff_docker_execution_get_container_id (FfDockerExecution *self)
{
  g_return_val_if_fail (FF_IS_DOCKER_EXECUTION (self), NULL);
  return self->id;
}

/**
 * ff_docker_execution_get_reconnects:
 *
 * Returns: how often a log follow or a wait had to be sent again because
 *   it ended while the container still ran
 */
guint
ff_docker_execution_get_reconnects (FfDockerExecution *self)
{
  g_return_val_if_fail (FF_IS_DOCKER_EXECUTION (self), 0);
  return self->reconnects;
}
