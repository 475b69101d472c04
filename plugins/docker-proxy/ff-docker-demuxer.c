/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "ff-docker-demuxer.h"

/*
 * The Engine API sends a container's output without a TTY as frames:
 * 8 header bytes (stream type, three zero bytes, payload length as a
 * big-endian uint32) and the payload. With a TTY it sends the raw bytes;
 * with timestamps=1 every log message is a line then, so "frame" means a
 * line there. Bytes arrive in arbitrary pieces; only whole frames leave,
 * so that a stream cut in the middle of one loses nothing that a resumed
 * request will not send again.
 */

#define HEADER_SIZE 8

/* Stream type 3 carries an error from the engine, not program output. */
#define STREAM_SYSTEMERR 3

struct _FfDockerDemuxer
{
  GObject parent_instance;
  gboolean multiplexed;
  FfDockerFrameFunc func;
  gpointer user_data;
  GByteArray *buf; /* the start of a frame that is not complete yet */
};

G_DEFINE_TYPE (FfDockerDemuxer, ff_docker_demuxer, G_TYPE_OBJECT)

static void
ff_docker_demuxer_finalize (GObject *object)
{
  FfDockerDemuxer *self = FF_DOCKER_DEMUXER (object);

  g_byte_array_unref (self->buf);
  G_OBJECT_CLASS (ff_docker_demuxer_parent_class)->finalize (object);
}

static void
ff_docker_demuxer_class_init (FfDockerDemuxerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ff_docker_demuxer_finalize;
}

static void
ff_docker_demuxer_init (FfDockerDemuxer *self)
{
  self->buf = g_byte_array_new ();
}

/**
 * ff_docker_demuxer_new:
 * @multiplexed: %TRUE for the framed stream of a container without a TTY
 * @func: (scope forever): receives each complete frame
 */
FfDockerDemuxer *
ff_docker_demuxer_new (gboolean multiplexed, FfDockerFrameFunc func, gpointer user_data)
{
  FfDockerDemuxer *self;

  g_return_val_if_fail (func != NULL, NULL);
  self = g_object_new (FF_TYPE_DOCKER_DEMUXER, NULL);
  self->multiplexed = multiplexed;
  self->func = func;
  self->user_data = user_data;
  return self;
}

gboolean
ff_docker_demuxer_get_multiplexed (FfDockerDemuxer *self)
{
  g_return_val_if_fail (FF_IS_DOCKER_DEMUXER (self), FALSE);
  return self->multiplexed;
}

static gsize
frame_size (const guint8 *header)
{
  return ((gsize) header[4] << 24) | ((gsize) header[5] << 16) | ((gsize) header[6] << 8) |
         (gsize) header[7];
}

static gboolean
check_header (const guint8 *header, GError **error)
{
  if (header[0] > STREAM_SYSTEMERR || header[1] != 0 || header[2] != 0 || header[3] != 0)
    {
      g_set_error (error, FF_EXECUTOR_ERROR, FF_REASON_ENGINE_ERROR,
                   _ ("The Docker engine sent a log stream that is not multiplexed as expected "
                      "(frame header %02x %02x %02x %02x)"),
                   header[0], header[1], header[2], header[3]);
      return FALSE;
    }
  return TRUE;
}

static gboolean
deliver (FfDockerDemuxer *self, guint8 type, const guint8 *data, gsize len, GError **error)
{
  if (type == STREAM_SYSTEMERR)
    {
      g_autofree gchar *text = g_strndup ((const gchar *) data, len);
      g_set_error (error, FF_EXECUTOR_ERROR, FF_REASON_ENGINE_ERROR,
                   _ ("The Docker engine reported an error in the log stream: %s"),
                   g_strstrip (text));
      return FALSE;
    }
  /* Stream 0 is stdin, which only an attach echoes; count it as output. */
  self->func (type == FF_STREAM_STDERR ? FF_STREAM_STDERR : FF_STREAM_STDOUT, data, len,
              self->user_data);
  return TRUE;
}

/* Completes the buffered frame from @data; returns how much it consumed. */
static gsize
fill_buffered (
    FfDockerDemuxer *self, const guint8 *data, gsize len, gboolean *complete, GError **error)
{
  gsize used = 0;
  gsize want;

  *complete = FALSE;
  if (self->buf->len < HEADER_SIZE)
    {
      used = MIN (len, HEADER_SIZE - self->buf->len);
      g_byte_array_append (self->buf, data, used);
      if (self->buf->len < HEADER_SIZE)
        return used;
      if (!check_header (self->buf->data, error))
        return 0;
    }
  want = HEADER_SIZE + frame_size (self->buf->data) - self->buf->len;
  want = MIN (want, len - used);
  g_byte_array_append (self->buf, data + used, want);
  used += want;
  *complete = self->buf->len == HEADER_SIZE + frame_size (self->buf->data);
  return used;
}

static gboolean
push_multiplexed (FfDockerDemuxer *self, const guint8 *data, gsize len, GError **error)
{
  gsize pos = 0;

  if (self->buf->len > 0)
    {
      gboolean complete;
      g_autoptr (GError) error_local = NULL;

      pos = fill_buffered (self, data, len, &complete, &error_local);
      if (error_local != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&error_local));
          return FALSE;
        }
      if (!complete)
        return TRUE;
      if (!deliver (self, self->buf->data[0], self->buf->data + HEADER_SIZE,
                    self->buf->len - HEADER_SIZE, error))
        return FALSE;
      g_byte_array_set_size (self->buf, 0);
    }

  /* Whole frames straight from the caller's buffer, without a copy. */
  while (len - pos >= HEADER_SIZE)
    {
      const guint8 *header = data + pos;
      gsize size;

      if (!check_header (header, error))
        return FALSE;
      size = frame_size (header);
      if (len - pos - HEADER_SIZE < size)
        break;
      if (!deliver (self, header[0], header + HEADER_SIZE, size, error))
        return FALSE;
      pos += HEADER_SIZE + size;
    }

  if (pos < len)
    {
      gboolean complete;
      g_autoptr (GError) error_local = NULL;

      fill_buffered (self, data + pos, len - pos, &complete, &error_local);
      if (error_local != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&error_local));
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
push_raw (FfDockerDemuxer *self, const guint8 *data, gsize len)
{
  gsize pos = 0;

  while (pos < len)
    {
      const guint8 *nl = memchr (data + pos, '\n', len - pos);
      gsize line_end;

      if (nl == NULL)
        {
          g_byte_array_append (self->buf, data + pos, len - pos);
          break;
        }
      line_end = (gsize) (nl - data) + 1;
      if (self->buf->len > 0)
        {
          g_byte_array_append (self->buf, data + pos, line_end - pos);
          self->func (FF_STREAM_STDOUT, self->buf->data, self->buf->len, self->user_data);
          g_byte_array_set_size (self->buf, 0);
        }
      else
        {
          self->func (FF_STREAM_STDOUT, data + pos, line_end - pos, self->user_data);
        }
      pos = line_end;
    }
  return TRUE;
}

/**
 * ff_docker_demuxer_push:
 * @data: (array length=len): the next bytes of the stream
 *
 * Delivers every frame that @data completes.
 *
 * Returns: %FALSE if the stream is not what the engine sends or carries an
 *   engine error; the demuxer must be reset before it is used again
 */
gboolean
ff_docker_demuxer_push (FfDockerDemuxer *self, const guint8 *data, gsize len, GError **error)
{
  g_return_val_if_fail (FF_IS_DOCKER_DEMUXER (self), FALSE);
  g_return_val_if_fail (data != NULL || len == 0, FALSE);

  if (self->multiplexed)
    return push_multiplexed (self, data, len, error);
  return push_raw (self, data, len);
}

/**
 * ff_docker_demuxer_get_pending:
 *
 * Returns: the bytes of a frame that has begun but not ended; non-zero
 *   when a stream ends means it was cut
 */
gsize
ff_docker_demuxer_get_pending (FfDockerDemuxer *self)
{
  g_return_val_if_fail (FF_IS_DOCKER_DEMUXER (self), 0);
  return self->buf->len;
}

/**
 * ff_docker_demuxer_flush:
 *
 * Delivers the unterminated last line of a raw stream, once it is known
 * that nothing follows. An incomplete frame of a multiplexed stream is
 * dropped: its length says it never arrived whole.
 */
void
ff_docker_demuxer_flush (FfDockerDemuxer *self)
{
  g_return_if_fail (FF_IS_DOCKER_DEMUXER (self));

  if (!self->multiplexed && self->buf->len > 0)
    self->func (FF_STREAM_STDOUT, self->buf->data, self->buf->len, self->user_data);
  g_byte_array_set_size (self->buf, 0);
}

/* Forgets a partial frame, before a new request starts a new stream. */
void
ff_docker_demuxer_reset (FfDockerDemuxer *self)
{
  g_return_if_fail (FF_IS_DOCKER_DEMUXER (self));
  g_byte_array_set_size (self->buf, 0);
}
