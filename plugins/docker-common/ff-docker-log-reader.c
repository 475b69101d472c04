/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ff-docker-demuxer.h"
#include "ff-docker-log-cursor.h"
#include "ff-docker-log-reader.h"

/*
 * Reads a framed log stream with timestamps (GET /containers/{id}/logs,
 * GET /services/{id}/logs) into an execution's `output`: the demuxer cuts
 * the frames, the cursor skips what an earlier request delivered, and
 * consecutive frames of one stream leave as one chunk. One request at a
 * time; a request the proxy cut is resumed from ff_docker_log_reader_dup_since().
 */

#define READ_SIZE 65536

struct _FfDockerLogReader
{
  GObject parent_instance;
  FfExecution *execution; /* owns this reader */
  FfDockerDemuxer *demuxer;
  FfDockerLogCursor *cursor;
  GByteArray *pending; /* output of one stream, emitted once per read */
  FfStream pending_stream;
  GError *frame_error;
};

G_DEFINE_TYPE (FfDockerLogReader, ff_docker_log_reader, G_TYPE_OBJECT)

static void
ff_docker_log_reader_finalize (GObject *object)
{
  FfDockerLogReader *self = FF_DOCKER_LOG_READER (object);

  g_clear_object (&self->demuxer);
  g_clear_object (&self->cursor);
  g_byte_array_unref (self->pending);
  g_clear_error (&self->frame_error);
  G_OBJECT_CLASS (ff_docker_log_reader_parent_class)->finalize (object);
}

static void
ff_docker_log_reader_class_init (FfDockerLogReaderClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ff_docker_log_reader_finalize;
}

static void
ff_docker_log_reader_init (FfDockerLogReader *self)
{
  self->pending = g_byte_array_new ();
  self->pending_stream = FF_STREAM_STDOUT;
  self->cursor = ff_docker_log_cursor_new ();
}

static void
flush_pending (FfDockerLogReader *self)
{
  g_autoptr (GBytes) bytes = NULL;

  if (self->pending->len == 0)
    return;
  bytes = g_bytes_new (self->pending->data, self->pending->len);
  g_byte_array_set_size (self->pending, 0);
  ff_execution_emit_output (self->execution, self->pending_stream, bytes);
}

static void
on_frame (
    FfStream stream, const guint8 *data, gsize len, FfDockerPieceFlags flags, gpointer user_data)
{
  FfDockerLogReader *self = user_data;
  gsize offset = 0;
  gsize fresh = 0;

  if (self->frame_error != NULL)
    return;
  if (!ff_docker_log_cursor_take_piece (self->cursor, stream, data, len, flags, &offset, &fresh,
                                        &self->frame_error) ||
      fresh == 0)
    return;
  /* A change of stream keeps the order in which the program wrote. */
  if (stream != self->pending_stream)
    flush_pending (self);
  self->pending_stream = stream;
  g_byte_array_append (self->pending, data + offset, fresh);
}

/**
 * ff_docker_log_reader_new:
 * @execution: (transfer none): receives the output; it owns the reader
 *
 * For the framed log of a task or container without a TTY.
 */
FfDockerLogReader *
ff_docker_log_reader_new (FfExecution *execution)
{
  FfDockerLogReader *self = g_object_new (FF_TYPE_DOCKER_LOG_READER, NULL);

  self->execution = execution;
  self->demuxer = ff_docker_demuxer_new (TRUE, on_frame, self);
  return self;
}

/* Returns: (nullable): the `since` for the next request, %NULL at first */
gchar *
ff_docker_log_reader_dup_since (FfDockerLogReader *self)
{
  g_return_val_if_fail (FF_IS_DOCKER_LOG_READER (self), NULL);
  return ff_docker_log_cursor_dup_since (self->cursor);
}

/* A request that ended with part of a frame read: it was cut. */
gboolean
ff_docker_log_reader_is_cut (FfDockerLogReader *self)
{
  g_return_val_if_fail (FF_IS_DOCKER_LOG_READER (self), FALSE);
  return ff_docker_demuxer_get_pending (self->demuxer) > 0;
}

/* The log is complete: what is left leaves. */
void
ff_docker_log_reader_finish (FfDockerLogReader *self)
{
  g_return_if_fail (FF_IS_DOCKER_LOG_READER (self));
  ff_docker_demuxer_flush (self->demuxer);
  flush_pending (self);
}

static void read_next (GTask *task);

static void
on_read (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  FfDockerLogReader *self = g_task_get_source_object (task);
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GError) error = NULL;
  gsize len = 0;
  const guint8 *data;

  bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), res, &error);
  if (bytes == NULL)
    {
      /* A reset stream is a cut like any other. */
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_task_return_error (task, g_steal_pointer (&error));
      else
        g_task_return_new_error (task, FF_EXECUTOR_ERROR, FF_REASON_PROXY_UNREACHABLE, "%s",
                                 error->message);
      return;
    }
  data = g_bytes_get_data (bytes, &len);
  if (len == 0)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  if (!ff_docker_demuxer_push (self->demuxer, data, len, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (self->frame_error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&self->frame_error));
      return;
    }
  flush_pending (self);
  read_next (g_steal_pointer (&task));
}

static void
read_next (GTask *task)
{
  g_input_stream_read_bytes_async (g_task_get_task_data (task), READ_SIZE, G_PRIORITY_DEFAULT,
                                   g_task_get_cancellable (task), on_read, task);
}

static void
on_opened (GObject *source, GAsyncResult *res, gpointer user_data)
{
  GTask *task = user_data;
  GError *error = NULL;
  GInputStream *stream = ff_docker_client_stream_finish (FF_DOCKER_CLIENT (source), res, &error);

  if (stream == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  g_task_set_task_data (task, stream, g_object_unref);
  read_next (task);
}

/**
 * ff_docker_log_reader_read_async:
 * @path: a log request with timestamps=1, `since` from
 *   ff_docker_log_reader_dup_since()
 *
 * Reads one log request to its end, emitting output as it comes. It
 * ends without an error at the end of the stream (which may be a cut:
 * see ff_docker_log_reader_is_cut()), with %FF_REASON_PROXY_UNREACHABLE
 * when the connection broke.
 */
void
ff_docker_log_reader_read_async (FfDockerLogReader *self,
                                 FfDockerClient *client,
                                 const gchar *path,
                                 GCancellable *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer user_data)
{
  GTask *task;

  g_return_if_fail (FF_IS_DOCKER_LOG_READER (self));
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ff_docker_log_reader_read_async);
  ff_docker_log_cursor_rewind (self->cursor);
  ff_docker_demuxer_reset (self->demuxer);
  ff_docker_client_stream_async (client, path, cancellable, on_opened, task);
}

gboolean
ff_docker_log_reader_read_finish (FfDockerLogReader *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
