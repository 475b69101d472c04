/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "ff-run-checkpoint.h"
#include "ff-state-files.h"

/*
 * One line of fixed length, rewritten in place with a single pwrite(): a
 * process killed at any instant leaves either the old line or the new one,
 * since a write of a few bytes into the page cache is not interrupted
 * halfway. The line is text so that people can read it, and carries its
 * own length and version so that a damaged file is recognised as such.
 *
 * The checkpoint is saved after the write to the log it describes. A kill
 * in between leaves a log that is longer than the checkpoint says; the
 * reader cuts the log back to the checkpoint and fetches those bytes
 * again, so they are neither lost nor doubled.
 */

#define FORMAT                                                                                     \
  "fastflow-log-position 1 attempt=%010u consumed=%020" PRIu64 " log=%020" PRIu64 " full=%d\n"
#define LINE_LEN 105

struct _FfRunCheckpoint
{
  GObject parent_instance;
  gchar *path;
  gint fd;
};

G_DEFINE_TYPE (FfRunCheckpoint, ff_run_checkpoint, G_TYPE_OBJECT)

static void
close_fd (FfRunCheckpoint *self)
{
  if (self->fd >= 0)
    g_close (self->fd, NULL);
  self->fd = -1;
}

static void
ff_run_checkpoint_finalize (GObject *object)
{
  FfRunCheckpoint *self = FF_RUN_CHECKPOINT (object);

  close_fd (self);
  g_free (self->path);
  G_OBJECT_CLASS (ff_run_checkpoint_parent_class)->finalize (object);
}

static void
ff_run_checkpoint_class_init (FfRunCheckpointClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ff_run_checkpoint_finalize;
}

static void
ff_run_checkpoint_init (FfRunCheckpoint *self)
{
  self->fd = -1;
}

FfRunCheckpoint *
ff_run_checkpoint_new (const gchar *path)
{
  FfRunCheckpoint *self = g_object_new (FF_TYPE_RUN_CHECKPOINT, NULL);

  self->path = g_strdup (path);
  return self;
}

static void
set_errno_error (GError **error, gint saved_errno, const gchar *path)
{
  /* TRANSLATORS: the checkpoint's path, then the system's reason */
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
               _ ("Cannot save how far the run log got in %s: %s"), path, g_strerror (saved_errno));
}

gboolean
ff_run_checkpoint_save (FfRunCheckpoint *self, const FfLogPosition *pos, GError **error)
{
  gchar line[LINE_LEN + 1];
  gint len;
  gssize n;

  g_return_val_if_fail (FF_IS_RUN_CHECKPOINT (self), FALSE);
  len = g_snprintf (line, sizeof (line), FORMAT, pos->attempt, (uint64_t) pos->consumed,
                    (uint64_t) pos->log_size, pos->log_full ? 1 : 0);
  g_assert (len == LINE_LEN);
  if (self->fd < 0)
    {
      self->fd = g_open (self->path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
                         ff_state_files_file_mode ());
      if (self->fd < 0)
        {
          set_errno_error (error, errno, self->path);
          return FALSE;
        }
      if (!ff_state_files_fix_fd (self->fd, self->path, error))
        {
          g_close (self->fd, NULL);
          self->fd = -1;
          return FALSE;
        }
    }
  do
    n = pwrite (self->fd, line, LINE_LEN, 0);
  while (n < 0 && errno == EINTR);
  if (n != LINE_LEN)
    {
      set_errno_error (error, n < 0 ? errno : ENOSPC, self->path);
      return FALSE;
    }
  return TRUE;
}

/* Fails with G_FILE_ERROR_NOENT when no checkpoint was saved. */
gboolean
ff_run_checkpoint_load (FfRunCheckpoint *self, FfLogPosition *pos, GError **error)
{
  g_autofree gchar *text = NULL;
  gsize len = 0;
  guint attempt = 0;
  uint64_t consumed = 0, log_size = 0;
  gint full = 0;

  g_return_val_if_fail (FF_IS_RUN_CHECKPOINT (self), FALSE);
  if (!g_file_get_contents (self->path, &text, &len, error))
    return FALSE;
  if (len != LINE_LEN || memchr (text, '\0', len) != NULL ||
      sscanf (text,
              "fastflow-log-position 1 attempt=%u consumed=%" SCNu64 " log=%" SCNu64 " full=%d",
              &attempt, &consumed, &log_size, &full) != 4)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _ ("The run log position %s is damaged"), self->path);
      return FALSE;
    }
  pos->attempt = attempt;
  pos->consumed = consumed;
  pos->log_size = log_size;
  pos->log_full = full != 0;
  return TRUE;
}

/* The run is over: its log is complete and needs no position any more. */
void
ff_run_checkpoint_remove (FfRunCheckpoint *self)
{
  g_return_if_fail (FF_IS_RUN_CHECKPOINT (self));
  close_fd (self);
  if (g_unlink (self->path) != 0 && errno != ENOENT)
    g_debug ("cannot remove %s: %s", self->path, g_strerror (errno));
}
