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
 * (RFC 3339, nanoseconds) and a space. A resumed request asks for
 * since=<last time seen>; the engine sends every message at or after that
 * time, so the messages already delivered with exactly that time come
 * again and are skipped by count. Messages arrive in time order.
 */

/* "2006-01-02T15:04:05.999999999+07:00" plus slack */
#define MAX_TIMESTAMP_LEN 40

struct _FfDockerLogCursor
{
  GObject parent_instance;
  gboolean seen_any;
  gint64 last_sec;
  gint32 last_nsec;
  guint count_at_last; /* messages delivered with exactly the last time */
  guint skip;          /* of those, how many a resumed request still repeats */
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
      /* No fraction: the zone starts right after the seconds. */
      const gchar *zone = strpbrk (ts + 10, "Z+-");
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

static gint
compare_time (FfDockerLogCursor *self, gint64 sec, gint32 nsec)
{
  if (sec != self->last_sec)
    return sec < self->last_sec ? -1 : 1;
  if (nsec != self->last_nsec)
    return nsec < self->last_nsec ? -1 : 1;
  return 0;
}

/**
 * ff_docker_log_cursor_take:
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
                           const guint8 *message,
                           gsize len,
                           gsize *payload_offset,
                           gboolean *is_new,
                           GError **error)
{
  const guint8 *space;
  gchar ts[MAX_TIMESTAMP_LEN];
  gint64 sec;
  gint32 nsec;
  gint cmp;

  g_return_val_if_fail (FF_IS_DOCKER_LOG_CURSOR (self), FALSE);

  space = memchr (message, ' ', MIN (len, sizeof (ts)));
  if (space == NULL || space == message)
    {
      g_set_error_literal (error, FF_EXECUTOR_ERROR, FF_REASON_ENGINE_ERROR,
                           _("The Docker engine sent a log message without the timestamp "
                             "that was asked for"));
      return FALSE;
    }
  memcpy (ts, message, space - message);
  ts[space - message] = '\0';
  if (!parse_timestamp (self, ts, &sec, &nsec))
    {
      g_set_error (error, FF_EXECUTOR_ERROR, FF_REASON_ENGINE_ERROR,
                   _("The Docker engine sent a log message with the timestamp “%s”, "
                     "which is not an RFC 3339 time"),
                   ts);
      return FALSE;
    }
  *payload_offset = (gsize) (space - message) + 1;

  cmp = self->seen_any ? compare_time (self, sec, nsec) : 1;
  if (cmp < 0)
    {
      /* Older than what since= asked for: the engine repeats itself. */
      *is_new = FALSE;
      return TRUE;
    }
  if (cmp == 0)
    {
      if (self->skip > 0)
        {
          self->skip--;
          *is_new = FALSE;
          return TRUE;
        }
      self->count_at_last++;
      *is_new = TRUE;
      return TRUE;
    }
  self->seen_any = TRUE;
  self->last_sec = sec;
  self->last_nsec = nsec;
  self->count_at_last = 1;
  self->skip = 0;
  *is_new = TRUE;
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
  self->skip = self->count_at_last;
}

/**
 * ff_docker_log_cursor_dup_since:
 *
 * Returns: (nullable): the `since` value for a request that resumes the
 *   log, as seconds.nanoseconds, or %NULL to read from the beginning
 */
gchar *
ff_docker_log_cursor_dup_since (FfDockerLogCursor *self)
{
  g_return_val_if_fail (FF_IS_DOCKER_LOG_CURSOR (self), NULL);
  if (!self->seen_any)
    return NULL;
  return g_strdup_printf ("%" G_GINT64_FORMAT ".%09d", self->last_sec, (gint) self->last_nsec);
}
