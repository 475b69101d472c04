/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ff-state-files.h"

/* the process's: one state folder per fastflowd */
static gid_t share_gid = (gid_t) -1;
static gchar *share_group;

void
ff_state_files_set_group (const gchar *group)
{
  struct group *entry = group != NULL ? getgrnam (group) : NULL;

  g_free (share_group);
  share_group = entry != NULL ? g_strdup (group) : NULL;
  share_gid = entry != NULL ? entry->gr_gid : (gid_t) -1;
}

mode_t
ff_state_files_file_mode (void)
{
  return share_gid != (gid_t) -1 ? 0640 : 0600;
}

mode_t
ff_state_files_dir_mode (void)
{
  return share_gid != (gid_t) -1 ? 02750 : 0700;
}

static gboolean
set_mode_error (GError **error, gint saved_errno, const gchar *path, mode_t mode)
{
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
               _ ("Cannot give %s the mode %04o, which keeps the run history from other "
                  "users: %s; it must belong to the user fastflowd runs as"),
               path, (guint) mode, g_strerror (saved_errno));
  return FALSE;
}

/* The group first: a change of owner may clear the set-group-ID bit. */
static gboolean
fix (gint fd, const gchar *path, mode_t mode, GError **error)
{
  if (share_gid != (gid_t) -1 && fchown (fd, (uid_t) -1, share_gid) != 0)
    return set_mode_error (error, errno, path, mode);
  if (fchmod (fd, mode) != 0)
    return set_mode_error (error, errno, path, mode);
  return TRUE;
}

gboolean
ff_state_files_fix_fd (gint fd, const gchar *path, GError **error)
{
  return fix (fd, path, ff_state_files_file_mode (), error);
}

/* Only a group fastflowd belongs to (or any, as root) can be given: else
 * the folder stays its owner's alone. */
static void
try_group (gint fd, const gchar *path)
{
  if (share_gid == (gid_t) -1 || fchown (fd, (uid_t) -1, share_gid) == 0)
    return;
  g_warning (_ ("Cannot give the state folder %s to the group %s ([daemon] system_group): %s; "
                "only fastflowd's user can read the run history"),
             path, share_group, g_strerror (errno));
  share_gid = (gid_t) -1;
}

static gint
open_dir (const gchar *path, GError **error)
{
  gint fd;

  if (g_mkdir_with_parents (path, 0700) != 0 ||
      (fd = g_open (path, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0)) < 0)
    {
      gint saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _ ("Cannot create the state folder %s: %s"), path, g_strerror (saved_errno));
      return -1;
    }
  return fd;
}

/* A route file stays writable for the container that may still have it
 * mounted (see create_route_file): only reading is taken from others. */
static mode_t
mode_for (const gchar *name, mode_t current)
{
  if (g_str_has_suffix (name, ".route"))
    return current & 0622;
  return ff_state_files_file_mode ();
}

/* Not followed, not waited for: only a regular file is changed. */
static void
secure_file_at (gint dir_fd, const gchar *dir, const gchar *name)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *path = NULL;
  struct stat st;
  gint fd = openat (dir_fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);

  if (fd < 0)
    return;
  path = g_build_filename (dir, name, NULL);
  if (fstat (fd, &st) == 0 && S_ISREG (st.st_mode) &&
      (st.st_mode & 07777) != mode_for (name, st.st_mode & 07777) &&
      !fix (fd, path, mode_for (name, st.st_mode & 07777), &error))
    g_warning ("%s", error->message);
  g_close (fd, NULL);
}

static void
secure_files_in (gint dir_fd, const gchar *dir)
{
  gint copy = dup (dir_fd);
  DIR *listing = copy >= 0 ? fdopendir (copy) : NULL;
  struct dirent *entry;

  if (listing == NULL)
    {
      if (copy >= 0)
        g_close (copy, NULL);
      return;
    }
  while ((entry = readdir (listing)) != NULL)
    {
      if (entry->d_name[0] != '.')
        secure_file_at (dir_fd, dir, entry->d_name);
    }
  closedir (listing);
}

gboolean
ff_state_files_secure (const gchar *state_dir, GError **error)
{
  static const gchar *const history[] = { "fastflow.db", "fastflow.db-wal", "fastflow.db-shm",
                                          "fastflow.db-journal" };
  g_autofree gchar *logs = g_build_filename (state_dir, "logs", NULL);
  gint state_fd, logs_fd;
  gboolean ok;

  g_return_val_if_fail (state_dir != NULL, FALSE);

  state_fd = open_dir (state_dir, error);
  if (state_fd < 0)
    return FALSE;
  try_group (state_fd, state_dir);
  logs_fd =
      fix (state_fd, state_dir, ff_state_files_dir_mode (), error) ? open_dir (logs, error) : -1;
  ok = logs_fd >= 0 && fix (logs_fd, logs, ff_state_files_dir_mode (), error);
  if (ok)
    {
      for (gsize i = 0; i < G_N_ELEMENTS (history); i++)
        secure_file_at (state_fd, state_dir, history[i]);
      secure_files_in (logs_fd, logs);
    }
  g_close (state_fd, NULL);
  if (logs_fd >= 0)
    g_close (logs_fd, NULL);
  return ok;
}
