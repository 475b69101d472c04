/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "ff-docker-log-cursor.h"

/*
 * Where a container's log has been read up to, so that a log request the
 * proxy cut can be resumed without losing or repeating a byte.
 *
 * With timestamps=1 the engine prefixes every log message with its time
 * (RFC 3339, nanoseconds) and a space, and a request with since=T sends
 * every message stamped T or later. The engine stamps stdout and stderr in
 * separate goroutines before they take turns writing the log, so across
 * the two streams the log is only nearly in time order: a stdout message
 * may follow a later stderr one. Within one stream it is in order.
 *
 * A line longer than 16 KB comes as several messages that all carry the
 * time of the first one, however much later the rest is written: a
 * progress bar without a newline may stay open for minutes.
 *
 * Hence: a resumed request asks for everything since the newest time seen
 * minus a margin far wider than the disorder between the streams, or since
 * the start of a line a stream has not finished yet, whichever is older;
 * and each stream skips what it delivered already: every message older
 * than its last one, and at exactly that time as many as it delivered
 * with it.
 */

/* "2006-01-02T15:04:05.999999999+07:00" plus slack */
#define MAX_TIMESTAMP_LEN 40
#define RESUME_MARGIN_NS (2 * G_GINT64_CONSTANT (1000000000))
#define N_STREAMS 3

typedef struct
{
  gboolean seen;
  gint64 ns;          /* time of the last message delivered */
  guint count;        /* messages delivered with exactly that time */
  guint skip;         /* of those, how many a resumed request still repeats */
  gboolean open_line; /* the last one did not end the line */
  gsize partial;      /* bytes of the last one delivered, if it came in
                       * pieces and did not end; 0 once it ended */
} Mark;

struct _FfDockerLogCursor
{
  GObject parent_instance;
  Mark marks[N_STREAMS];
  gboolean seen_any;
  gint64 newest_ns;
  /* The message whose pieces are coming: what of it is still to skip. */
  FfStream piece_stream;
  gboolean piece_drop;
  gsize piece_skip;
  /* Parsing the date is the slow part; consecutive messages share it. */
  gchar cached_prefix[MAX_TIMESTAMP_LEN];
  gint64 cached_sec;
};

G_DEFINE_TYPE (FfDockerLogCursor, ff_docker_log_cursor, G_TYPE_OBJECT)

static void
ff_docker_log_cursor_class_init (FfDockerLogCursorClass *klass)
{
}

static void
ff_docker_log_cursor_init (FfDockerLogCursor *self)
{
}

FfDockerLogCursor *
ff_docker_log_cursor_new (void)
{
  return g_object_new (FF_TYPE_DOCKER_LOG_CURSOR, NULL);
}

static gboolean
parse_seconds (FfDockerLogCursor *self, const gchar *date, const gchar *zone, gint64 *sec)
{
  g_autofree gchar *iso = NULL;
  g_autoptr (GDateTime) dt = NULL;

  iso = g_strconcat (date, zone, NULL);
  if (strlen (iso) < sizeof (self->cached_prefix) && strcmp (iso, self->cached_prefix) == 0)
    {
      *sec = self->cached_sec;
      return TRUE;
    }
  dt = g_date_time_new_from_iso8601 (iso, NULL);
  if (dt == NULL)
    return FALSE;
  *sec = g_date_time_to_unix (dt);
  if (strlen (iso) < sizeof (self->cached_prefix))
    {
      memcpy (self->cached_prefix, iso, strlen (iso) + 1);
      self->cached_sec = *sec;
    }
  return TRUE;
}

/* "2026-11-28T13:01:40.937830495Z" → seconds and nanoseconds */
static gboolean
parse_timestamp (FfDockerLogCursor *self, const gchar *ts, gint64 *sec, gint32 *nsec)
{
  g_autofree gchar *date = NULL;
  const gchar *dot = strchr (ts, '.');
  const gchar *p;
  gint32 ns = 0;
  gint digits = 0;

  if (dot == NULL)
    {
      /* No fraction: the zone starts right after the seconds, which come
       * after the ten characters of the date. */
      const gchar *zone = strlen (ts) > 10 ? strpbrk (ts + 10, "Z+-") : NULL;
      if (zone == NULL)
        return FALSE;
      date = g_strndup (ts, zone - ts);
      *nsec = 0;
      return parse_seconds (self, date, zone, sec);
    }
  for (p = dot + 1; g_ascii_isdigit (*p); p++)
    {
      if (digits++ < 9)
        ns = ns * 10 + (*p - '0');
    }
  if (digits == 0)
    return FALSE;
  for (; digits < 9; digits++)
    ns *= 10;
  date = g_strndup (ts, dot - ts);
  *nsec = ns;
  return parse_seconds (self, date, p, sec);
}

/* As ff_docker_log_cursor_take(), and for a message an earlier request
 * delivered only in part, @resume_from is how much of its payload that
 * was. */
static gboolean
take_full (FfDockerLogCursor *self,
           FfStream stream,
           const guint8 *message,
           gsize len,
           gsize *payload_offset,
           gboolean *is_new,
           gsize *resume_from,
           GError **error)
{
  const guint8 *space;
  gchar ts[MAX_TIMESTAMP_LEN];
  gint64 sec;
  gint32 nsec;
  gint64 ns;
  Mark *mark;

  g_return_val_if_fail (FF_IS_DOCKER_LOG_CURSOR (self), FALSE);
  g_return_val_if_fail ((guint) stream < N_STREAMS, FALSE);

  space = memchr (message, ' ', MIN (len, sizeof (ts)));
  if (space == NULL || space == message)
    {
      g_set_error_literal (error, FF_EXECUTOR_ERROR, FF_REASON_ENGINE_ERROR,
                           _ ("The Docker engine sent a log message without the timestamp "
                              "that was asked for"));
      return FALSE;
    }
  memcpy (ts, message, space - message);
  ts[space - message] = '\0';
  if (!parse_timestamp (self, ts, &sec, &nsec))
    {
      g_set_error (error, FF_EXECUTOR_ERROR, FF_REASON_ENGINE_ERROR,
                   _ ("The Docker engine sent a log message with the timestamp “%s”, "
                      "which is not an RFC 3339 time"),
                   ts);
      return FALSE;
    }
  *payload_offset = (gsize) (space - message) + 1;
  ns = sec * G_GINT64_CONSTANT (1000000000) + nsec;
  *resume_from = 0;
  if (!self->seen_any || ns > self->newest_ns)
    self->newest_ns = ns;
  self->seen_any = TRUE;

  mark = &self->marks[stream];
  if (!mark->seen || ns > mark->ns)
    {
      mark->seen = TRUE;
      mark->ns = ns;
      mark->count = 1;
      mark->skip = 0;
      *is_new = TRUE;
    }
  else if (ns == mark->ns && mark->skip == 0)
    {
      mark->count++;
      *is_new = TRUE;
    }
  else
    {
      if (ns == mark->ns)
        mark->skip--;
      *is_new = FALSE;
      /* the last one at that time, cut in the middle: its rest is new */
      *resume_from = ns == mark->ns && mark->skip == 0 ? mark->partial : 0;
    }
  if (*is_new)
    {
      mark->partial = 0;
      mark->open_line = len == *payload_offset || message[len - 1] != '\n';
    }
  return TRUE;
}

/**
 * ff_docker_log_cursor_take:
 * @stream: the stream the message came on
 * @message: (array length=len): one log message as the engine sent it
 * @payload_offset: (out): where the output starts, after the timestamp
 * @is_new: (out): %FALSE for a message an earlier request delivered
 *
 * Records @message as read.
 *
 * Returns: %FALSE if @message does not start with a timestamp
 */
gboolean
ff_docker_log_cursor_take (FfDockerLogCursor *self,
                           FfStream stream,
                           const guint8 *message,
                           gsize len,
                           gsize *payload_offset,
                           gboolean *is_new,
                           GError **error)
{
  gsize resume_from = 0;

  return take_full (self, stream, message, len, payload_offset, is_new, &resume_from, error);
}

/**
 * ff_docker_log_cursor_take_piece:
 * @stream: the stream the piece came on
 * @data: (array length=len): a piece of a log message, as the demuxer
 *   delivers it
 * @flags: whether it starts or ends the message
 * @offset: (out): where the new output in @data starts
 * @out_len: (out): how many bytes from there are new; 0 for none
 *
 * Records a piece of a message as read. The start piece carries the
 * timestamp. A message cut in the middle is resumed where it was cut: a
 * resumed request sends it whole again, and only its rest is new.
 *
 * Returns: %FALSE if a start piece does not start with a timestamp
 */
gboolean
ff_docker_log_cursor_take_piece (FfDockerLogCursor *self,
                                 FfStream stream,
                                 const guint8 *data,
                                 gsize len,
                                 FfDockerPieceFlags flags,
                                 gsize *offset,
                                 gsize *out_len,
                                 GError **error)
{
  Mark *mark;
  gsize start = 0;
  gsize skip;

  g_return_val_if_fail (FF_IS_DOCKER_LOG_CURSOR (self), FALSE);
  g_return_val_if_fail ((guint) stream < N_STREAMS, FALSE);

  *offset = 0;
  *out_len = 0;
  if (flags & FF_DOCKER_PIECE_START)
    {
      gboolean is_new = FALSE;
      gsize resume_from = 0;

      if (!take_full (self, stream, data, len, &start, &is_new, &resume_from, error))
        return FALSE;
      self->piece_stream = stream;
      self->piece_drop = !is_new && resume_from == 0;
      self->piece_skip = resume_from;
    }
  if (self->piece_drop || stream != self->piece_stream)
    return TRUE;
  mark = &self->marks[stream];
  skip = MIN (self->piece_skip, len - start);
  self->piece_skip -= skip;
  *offset = start + skip;
  *out_len = len - *offset;
  if (flags & FF_DOCKER_PIECE_END)
    {
      mark->partial = 0;
      if (!(flags & FF_DOCKER_PIECE_START))
        mark->open_line = len == 0 || data[len - 1] != '\n';
      self->piece_drop = TRUE;
      return TRUE;
    }
  /* cut here, the message is open: a resume starts at its time */
  mark->partial += *out_len;
  mark->open_line = TRUE;
  return TRUE;
}

/**
 * ff_docker_log_cursor_rewind:
 *
 * Call when a new log request starts from ff_docker_log_cursor_dup_since().
 */
void
ff_docker_log_cursor_rewind (FfDockerLogCursor *self)
{
  g_return_if_fail (FF_IS_DOCKER_LOG_CURSOR (self));
  for (guint i = 0; i < N_STREAMS; i++)
    self->marks[i].skip = self->marks[i].count;
  self->piece_drop = TRUE;
}

/**
 * ff_docker_log_cursor_dup_since:
 *
 * Returns: (nullable): the `since` value for a request that resumes the
 *   log, as seconds.nanoseconds, or %NULL to read from the beginning; the
 *   request repeats a little, which ff_docker_log_cursor_take() skips
 */
gchar *
ff_docker_log_cursor_dup_since (FfDockerLogCursor *self)
{
  gint64 since;

  g_return_val_if_fail (FF_IS_DOCKER_LOG_CURSOR (self), NULL);
  if (!self->seen_any)
    return NULL;
  since = self->newest_ns - RESUME_MARGIN_NS;
  for (guint i = 0; i < N_STREAMS; i++)
    {
      /* The rest of an open line is stamped with the time of its start. */
      if (self->marks[i].seen && self->marks[i].open_line)
        since = MIN (since, self->marks[i].ns);
    }
  since = MAX (since, 0);
  return g_strdup_printf ("%" G_GINT64_FORMAT ".%09d", since / G_GINT64_CONSTANT (1000000000),
                          (gint) (since % G_GINT64_CONSTANT (1000000000)));
}
