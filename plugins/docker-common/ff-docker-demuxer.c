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
 * line there. Bytes arrive in arbitrary pieces; a frame leaves whole if
 * it is at most FF_DOCKER_DEMUXER_MAX_PIECE bytes, else in pieces of that
 * size as they arrive (marked as start and end), so that memory stays
 * bounded whatever length a header claims or however long a line gets.
 * A stream cut in the middle of a frame is told by get_pending(); the
 * resume cursor knows how much of that frame was delivered.
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
  GByteArray *buf;  /* the header, then the payload not delivered yet */
  gboolean started; /* a piece of the current frame was delivered */
  gsize left;       /* multiplexed: payload bytes of the frame not yet seen */
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
deliver (FfDockerDemuxer *self,
         guint8 type,
         const guint8 *data,
         gsize len,
         FfDockerPieceFlags flags,
         GError **error)
{
  if (type == STREAM_SYSTEMERR)
    {
      g_autofree gchar *text = g_strndup ((const gchar *) data, MIN (len, 4096));
      g_set_error (error, FF_EXECUTOR_ERROR, FF_REASON_ENGINE_ERROR,
                   _ ("The Docker engine reported an error in the log stream: %s"),
                   g_strstrip (text));
      return FALSE;
    }
  /* Stream 0 is stdin, which only an attach echoes; count it as output. */
  self->func (type == FF_STREAM_STDERR ? FF_STREAM_STDERR : FF_STREAM_STDOUT, data, len, flags,
              self->user_data);
  return TRUE;
}

/* Delivers the buffered payload of the current frame as a piece. */
static gboolean
deliver_buffered (FfDockerDemuxer *self, gboolean end, GError **error)
{
  FfDockerPieceFlags flags =
      (self->started ? 0 : FF_DOCKER_PIECE_START) | (end ? FF_DOCKER_PIECE_END : 0);
  guint8 type = self->buf->data[0];

  self->started = !end;
  if (!deliver (self, type, self->buf->data + HEADER_SIZE, self->buf->len - HEADER_SIZE, flags,
                error))
    return FALSE;
  g_byte_array_set_size (self->buf, end ? 0 : HEADER_SIZE);
  return TRUE;
}

/* Takes the bytes of a frame that began in an earlier push; returns how
 * many it used, or -1 on error. */
static gssize
fill_buffered (FfDockerDemuxer *self, const guint8 *data, gsize len, GError **error)
{
  gsize used = 0;

  if (self->buf->len < HEADER_SIZE)
    {
      used = MIN (len, HEADER_SIZE - self->buf->len);
      g_byte_array_append (self->buf, data, used);
      if (self->buf->len < HEADER_SIZE)
        return used;
      if (!check_header (self->buf->data, error))
        return -1;
      self->left = frame_size (self->buf->data);
      self->started = FALSE;
    }
  while (TRUE)
    {
      gsize room = HEADER_SIZE + FF_DOCKER_DEMUXER_MAX_PIECE - self->buf->len;
      gsize take = MIN (MIN (self->left, len - used), room);

      g_byte_array_append (self->buf, data + used, take);
      used += take;
      self->left -= take;
      if (self->left == 0)
        return deliver_buffered (self, TRUE, error) ? (gssize) used : -1;
      if (self->buf->len - HEADER_SIZE < FF_DOCKER_DEMUXER_MAX_PIECE)
        return used;
      if (!deliver_buffered (self, FALSE, error))
        return -1;
    }
}

static gboolean
push_multiplexed (FfDockerDemuxer *self, const guint8 *data, gsize len, GError **error)
{
  gsize pos = 0;

  if (self->buf->len > 0)
    {
      gssize used = fill_buffered (self, data, len, error);

      if (used < 0)
        return FALSE;
      pos = (gsize) used;
      if (self->buf->len > 0)
        return TRUE;
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
      if (!deliver (self, header[0], header + HEADER_SIZE, size, FF_DOCKER_PIECE_WHOLE, error))
        return FALSE;
      pos += HEADER_SIZE + size;
    }

  if (pos < len && fill_buffered (self, data + pos, len - pos, error) < 0)
    return FALSE;
  return TRUE;
}

/* Raw mode keeps the line being read after a fake header of stdout, so
 * that both modes share the piece delivery. */
static void
raw_begin (FfDockerDemuxer *self)
{
  static const guint8 header[HEADER_SIZE] = { FF_STREAM_STDOUT };

  if (self->buf->len == 0)
    g_byte_array_append (self->buf, header, HEADER_SIZE);
}

static gboolean
push_raw (FfDockerDemuxer *self, const guint8 *data, gsize len)
{
  gsize pos = 0;

  while (pos < len)
    {
      const guint8 *nl = memchr (data + pos, '\n', len - pos);
      gsize end = nl != NULL ? (gsize) (nl - data) + 1 : len;

      if (nl != NULL && self->buf->len == 0 && !self->started)
        {
          self->func (FF_STREAM_STDOUT, data + pos, end - pos, FF_DOCKER_PIECE_WHOLE,
                      self->user_data);
          pos = end;
          continue;
        }
      while (pos < end)
        {
          gsize take;

          raw_begin (self);
          take = MIN (end - pos, HEADER_SIZE + FF_DOCKER_DEMUXER_MAX_PIECE - self->buf->len);
          g_byte_array_append (self->buf, data + pos, take);
          pos += take;
          if (pos == end && nl != NULL)
            deliver_buffered (self, TRUE, NULL);
          else if (self->buf->len - HEADER_SIZE == FF_DOCKER_DEMUXER_MAX_PIECE)
            deliver_buffered (self, FALSE, NULL);
        }
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
 * Returns: non-zero while a frame has begun but not ended (the bytes of
 *   it held, at least 1); non-zero when a stream ends means it was cut
 */
gsize
ff_docker_demuxer_get_pending (FfDockerDemuxer *self)
{
  g_return_val_if_fail (FF_IS_DOCKER_DEMUXER (self), 0);
  if (self->buf->len == 0 && self->started)
    return 1;
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

  if (!self->multiplexed && (self->buf->len > HEADER_SIZE || self->started))
    deliver_buffered (self, TRUE, NULL);
  g_byte_array_set_size (self->buf, 0);
  self->started = FALSE;
}

/* Forgets a partial frame, before a new request starts a new stream. */
void
ff_docker_demuxer_reset (FfDockerDemuxer *self)
{
  g_return_if_fail (FF_IS_DOCKER_DEMUXER (self));
  g_byte_array_set_size (self->buf, 0);
  self->started = FALSE;
  self->left = 0;
}
