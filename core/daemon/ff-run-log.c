/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ff-run-log.h"
#include "ff-state-files.h"

struct _FfRunLog
{
  GObject parent_instance;
  gchar *path;
  gint fd;
  guint64 size;
  /* the stream index: see "the stream index" below */
  gchar *streams_path;
  gint streams_fd;
  FfStream stream; /* where the log's last bytes came from */
  gboolean streams_loaded;
};

G_DEFINE_TYPE (FfRunLog, ff_run_log, G_TYPE_OBJECT)

static void
ff_run_log_finalize (GObject *object)
{
  FfRunLog *self = FF_RUN_LOG (object);

  ff_run_log_close (self);
  g_free (self->path);
  g_free (self->streams_path);
  G_OBJECT_CLASS (ff_run_log_parent_class)->finalize (object);
}

static void
ff_run_log_class_init (FfRunLogClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ff_run_log_finalize;
}

static void
ff_run_log_init (FfRunLog *self)
{
  self->fd = -1;
  self->streams_fd = -1;
  self->stream = FF_STREAM_STDOUT;
}

FfRunLog *
ff_run_log_new (const gchar *path)
{
  FfRunLog *self = g_object_new (FF_TYPE_RUN_LOG, NULL);
  GStatBuf st;

  self->path = g_strdup (path);
  self->streams_path = g_strconcat (path, ".streams", NULL);
  if (g_stat (path, &st) == 0)
    self->size = st.st_size;
  return self;
}

const gchar *
ff_run_log_get_path (FfRunLog *self)
{
  return self->path;
}

typedef enum
{
  LOG_OPEN,
  LOG_WRITE,
  LOG_READ,
} LogAccess;

/* Whole sentences, so that translators can order them their way. */
static void
set_errno_error (GError **error, gint saved_errno, LogAccess access, const gchar *path)
{
  GIOErrorEnum code = g_io_error_from_errno (saved_errno);
  const gchar *reason = g_strerror (saved_errno);

  switch (access)
    {
    case LOG_OPEN:
      /* TRANSLATORS: the run log's path, then the system's reason */
      g_set_error (error, G_IO_ERROR, code, _ ("Cannot open the run log %s: %s"), path, reason);
      break;
    case LOG_WRITE:
      /* TRANSLATORS: e.g. "Cannot write the run log /x/1.log: No space left on device" */
      g_set_error (error, G_IO_ERROR, code, _ ("Cannot write the run log %s: %s"), path, reason);
      break;
    case LOG_READ:
    default:
      g_set_error (error, G_IO_ERROR, code, _ ("Cannot read the run log %s: %s"), path, reason);
      break;
    }
}

/* Opens for appending; what a previous daemon wrote stays and is counted. */
gboolean
ff_run_log_open (FfRunLog *self, GError **error)
{
  GStatBuf st;

  if (self->fd >= 0)
    return TRUE;
  /* not followed: logs/ holds only what fastflowd put there */
  self->fd = g_open (self->path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC,
                     ff_state_files_file_mode ());
  if (self->fd < 0)
    {
      set_errno_error (error, errno, LOG_OPEN, self->path);
      return FALSE;
    }
  if (!ff_state_files_fix_fd (self->fd, self->path, error))
    {
      ff_run_log_close (self);
      return FALSE;
    }
  if (fstat (self->fd, &st) == 0)
    self->size = st.st_size;
  return TRUE;
}

gboolean
ff_run_log_append (FfRunLog *self, const guint8 *data, gsize len, GError **error)
{
  gsize done = 0;

  if (self->fd < 0 && !ff_run_log_open (self, error))
    return FALSE;
  while (done < len)
    {
      gssize n = write (self->fd, data + done, len - done);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          gint saved_errno = errno;
          /* keep the file whole: drop a partial write so offsets stay true */
          if (done > 0 && ftruncate (self->fd, self->size) != 0)
            g_debug ("truncate after failed write: %s", g_strerror (errno));
          set_errno_error (error, saved_errno, LOG_WRITE, self->path);
          return FALSE;
        }
      done += n;
    }
  self->size += len;
  return TRUE;
}

guint64
ff_run_log_get_size (FfRunLog *self)
{
  return self->size;
}

GBytes *
ff_run_log_read (FfRunLog *self, guint64 offset, gsize max, GError **error)
{
  g_autofree guint8 *buf = NULL;
  gsize len;
  gssize n;
  gint fd;

  if (offset >= self->size || max == 0)
    return g_bytes_new (NULL, 0);
  len = MIN (max, self->size - offset);
  fd = g_open (self->path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0)
    {
      set_errno_error (error, errno, LOG_READ, self->path);
      return NULL;
    }
  buf = g_malloc (len);
  do
    n = pread (fd, buf, len, offset);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    {
      gint saved_errno = errno;
      g_close (fd, NULL);
      set_errno_error (error, saved_errno, LOG_READ, self->path);
      return NULL;
    }
  g_close (fd, NULL);
  return g_bytes_new_take (g_steal_pointer (&buf), n);
}

/* A descriptor of its own for a reader outside the daemon. @create: for a
 * run that has not written yet, so that the reader holds the file the
 * writer will append to. */
gint
ff_run_log_open_reader (FfRunLog *self, gboolean create, GError **error)
{
  gint fd = g_open (self->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | (create ? O_CREAT : 0),
                    ff_state_files_file_mode ());

  if (fd < 0)
    set_errno_error (error, errno, LOG_OPEN, self->path);
  else if (create && !ff_state_files_fix_fd (fd, self->path, error))
    {
      g_close (fd, NULL);
      return -1;
    }
  return fd;
}

void
ff_run_log_close (FfRunLog *self)
{
  if (self->fd < 0)
    return;
  g_close (self->fd, NULL);
  self->fd = -1;
  if (self->streams_fd >= 0)
    g_close (self->streams_fd, NULL);
  self->streams_fd = -1;
}

/* The stream index.
 *
 * The log itself stays what it always was: the run's output, stdout and
 * stderr byte for byte in the order they arrived. Beside it, in
 * <log>.streams, a FfLogStreamChange record (16 bytes, little-endian) for
 * every place where the output switches from one stream to the other; a
 * log starts on stdout, and a log without an index (from before, or a run
 * that only printed to stdout) is stdout throughout. A record is written
 * before the bytes it is about, so whoever has read the log up to N finds
 * every change before N in the index. */

#define STREAM_RECORD_SIZE 16

static void
encode_change (guint8 *buf, guint64 offset, guint32 stream)
{
  guint64 le_offset = GUINT64_TO_LE (offset);
  guint32 le_stream = GUINT32_TO_LE (stream);

  memset (buf, 0, STREAM_RECORD_SIZE);
  memcpy (buf, &le_offset, 8);
  memcpy (buf + 8, &le_stream, 4);
}

static void
decode_change (const guint8 *buf, FfLogStreamChange *change)
{
  guint64 le_offset;
  guint32 le_stream;

  memcpy (&le_offset, buf, 8);
  memcpy (&le_stream, buf + 8, 4);
  change->offset = GUINT64_FROM_LE (le_offset);
  change->stream =
      GUINT32_FROM_LE (le_stream) == FF_STREAM_STDERR ? FF_STREAM_STDERR : FF_STREAM_STDOUT;
  change->reserved = 0;
}

/* Every whole record of the index; none if there is no index. */
static GArray *
load_changes (FfRunLog *self, GError **error)
{
  GArray *changes = g_array_new (FALSE, FALSE, sizeof (FfLogStreamChange));
  g_autofree gchar *contents = NULL;
  g_autoptr (GError) local_error = NULL;
  gsize len = 0;

  if (!g_file_get_contents (self->streams_path, &contents, &len, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return changes;
      g_propagate_error (error, g_steal_pointer (&local_error));
      g_array_unref (changes);
      return NULL;
    }
  for (gsize pos = 0; pos + STREAM_RECORD_SIZE <= len; pos += STREAM_RECORD_SIZE)
    {
      FfLogStreamChange change;

      decode_change ((const guint8 *) contents + pos, &change);
      g_array_append_val (changes, change);
    }
  return changes;
}

/* Where the log's last bytes came from, as a previous daemon left it. */
static gboolean
load_stream (FfRunLog *self, GError **error)
{
  g_autoptr (GArray) changes = NULL;

  if (self->streams_loaded)
    return TRUE;
  changes = load_changes (self, error);
  if (changes == NULL)
    return FALSE;
  self->stream = FF_STREAM_STDOUT;
  for (guint i = 0; i < changes->len; i++)
    if (g_array_index (changes, FfLogStreamChange, i).offset <= self->size)
      self->stream = g_array_index (changes, FfLogStreamChange, i).stream;
  self->streams_loaded = TRUE;
  return TRUE;
}

static gboolean
write_change (FfRunLog *self, FfStream stream, GError **error)
{
  guint8 record[STREAM_RECORD_SIZE];
  gsize done = 0;

  if (self->streams_fd < 0)
    {
      self->streams_fd =
          g_open (self->streams_path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC,
                  ff_state_files_file_mode ());
      if (self->streams_fd < 0)
        {
          set_errno_error (error, errno, LOG_OPEN, self->streams_path);
          return FALSE;
        }
      if (!ff_state_files_fix_fd (self->streams_fd, self->streams_path, error))
        return FALSE;
    }
  encode_change (record, self->size, stream);
  while (done < sizeof record)
    {
      gssize n = write (self->streams_fd, record + done, sizeof record - done);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          set_errno_error (error, errno, LOG_WRITE, self->streams_path);
          return FALSE;
        }
      done += n;
    }
  self->stream = stream;
  return TRUE;
}

/* Appends output that came from @stream; the index learns where the
 * stream changed before the log gets the bytes. */
gboolean
ff_run_log_append_from (
    FfRunLog *self, FfStream stream, const guint8 *data, gsize len, GError **error)
{
  if (len == 0)
    return TRUE;
  if (!load_stream (self, error))
    return FALSE;
  if (stream != self->stream && !write_change (self, stream, error))
    return FALSE;
  return ff_run_log_append (self, data, len, error);
}

/* After the log was cut back: the changes past its end go too, a killed
 * daemon may have written them for bytes that never reached the log. */
static gboolean
truncate_streams (FfRunLog *self, GError **error)
{
  g_autoptr (GArray) changes = load_changes (self, error);
  guint keep = 0;

  if (changes == NULL)
    return FALSE;
  while (keep < changes->len &&
         g_array_index (changes, FfLogStreamChange, keep).offset < self->size)
    keep++;
  self->streams_loaded = FALSE;
  if (keep < changes->len)
    {
      /* not followed, as the log */
      gint fd = g_open (self->streams_path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0);

      if (fd < 0 || ftruncate (fd, (off_t) keep * STREAM_RECORD_SIZE) != 0)
        {
          set_errno_error (error, errno, LOG_WRITE, self->streams_path);
          if (fd >= 0)
            g_close (fd, NULL);
          return FALSE;
        }
      g_close (fd, NULL);
    }
  return load_stream (self, error);
}

/**
 * ff_run_log_read_streams:
 * @offset: where in the log the caller starts
 *
 * Returns: (transfer full): the stream of the byte at @offset (a change
 * at @offset), then every change after it, in order.
 */
GArray *
ff_run_log_read_streams (FfRunLog *self, guint64 offset, GError **error)
{
  g_autoptr (GArray) changes = load_changes (self, error);
  GArray *from = g_array_new (FALSE, FALSE, sizeof (FfLogStreamChange));
  FfLogStreamChange first = { offset, FF_STREAM_STDOUT, 0 };
  guint i = 0;

  if (changes == NULL)
    {
      g_array_unref (from);
      return NULL;
    }
  for (; i < changes->len && g_array_index (changes, FfLogStreamChange, i).offset <= offset; i++)
    first.stream = g_array_index (changes, FfLogStreamChange, i).stream;
  g_array_append_val (from, first);
  if (i < changes->len)
    g_array_append_vals (from, &g_array_index (changes, FfLogStreamChange, i), changes->len - i);
  return from;
}

/* A descriptor of the index for a reader outside the daemon, created if
 * need be so that the reader holds the file the writer appends to. */
gint
ff_run_log_open_streams_reader (FfRunLog *self, GError **error)
{
  gint fd = g_open (self->streams_path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_CREAT,
                    ff_state_files_file_mode ());

  if (fd < 0)
    set_errno_error (error, errno, LOG_OPEN, self->streams_path);
  else if (!ff_state_files_fix_fd (fd, self->streams_path, error))
    {
      g_close (fd, NULL);
      return -1;
    }
  return fd;
}

/* A forgotten run's log goes, and its stream index with it. */
void
ff_run_log_unlink (const gchar *path)
{
  g_autofree gchar *streams = g_strconcat (path, ".streams", NULL);

  g_unlink (path);
  g_unlink (streams);
}

/* Cuts the log back to @size bytes, e.g. to the last position a killed
 * daemon saved, so that what follows is written exactly once. */
gboolean
ff_run_log_truncate (FfRunLog *self, guint64 size, GError **error)
{
  if (size > self->size)
    return TRUE;
  if (size == self->size)
    return truncate_streams (self, error);
  if (self->fd < 0 && !ff_run_log_open (self, error))
    return FALSE;
  if (ftruncate (self->fd, (off_t) size) != 0)
    {
      set_errno_error (error, errno, LOG_WRITE, self->path);
      return FALSE;
    }
  self->size = size;
  return truncate_streams (self, error);
}

/* The last byte of the log, or -1 for an empty or unreadable one. */
gint
ff_run_log_get_last_byte (FfRunLog *self)
{
  g_autoptr (GBytes) last = NULL;

  if (self->size == 0)
    return -1;
  last = ff_run_log_read (self, self->size - 1, 1, NULL);
  if (last == NULL || g_bytes_get_size (last) != 1)
    return -1;
  return *(const guint8 *) g_bytes_get_data (last, NULL);
}
