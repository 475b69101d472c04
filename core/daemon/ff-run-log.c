/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
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
};

G_DEFINE_TYPE (FfRunLog, ff_run_log, G_TYPE_OBJECT)

static void
ff_run_log_finalize (GObject *object)
{
  FfRunLog *self = FF_RUN_LOG (object);

  ff_run_log_close (self);
  g_free (self->path);
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
}

FfRunLog *
ff_run_log_new (const gchar *path)
{
  FfRunLog *self = g_object_new (FF_TYPE_RUN_LOG, NULL);
  GStatBuf st;

  self->path = g_strdup (path);
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
}

/* Cuts the log back to @size bytes, e.g. to the last position a killed
 * daemon saved, so that what follows is written exactly once. */
gboolean
ff_run_log_truncate (FfRunLog *self, guint64 size, GError **error)
{
  if (size >= self->size)
    return TRUE;
  if (self->fd < 0 && !ff_run_log_open (self, error))
    return FALSE;
  if (ftruncate (self->fd, (off_t) size) != 0)
    {
      set_errno_error (error, errno, LOG_WRITE, self->path);
      return FALSE;
    }
  self->size = size;
  return TRUE;
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
