/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "ff-local-cgroup.h"

/* A local run's mem_hard_limit and cpu_hard_limit, as Docker applies
 * them: a cgroup of its own with a memory limit (no swap on top; past it
 * the kernel's OOM killer ends the run, exit 137) and a CPU quota per
 * 100 ms period (the run is throttled). cgroup v2 where fastflowd's own
 * cgroup has the controllers delegated (a systemd service with
 * Delegate=yes, a container given its cgroup), else cgroup v1 hierarchies
 * fastflowd may write to (root). rlimits are no stand-in: RLIMIT_AS
 * counts address space, not memory, and no rlimit throttles. */

#define CPU_PERIOD_US 100000
/* the leaf fastflowd moves into, so its own cgroup may delegate further */
#define DAEMON_LEAF "fastflowd"

struct _FfLocalCgroup
{
  GPtrArray *dirs; /* the run's cgroup folders, one per v1 hierarchy */
  gint fds[2];
  guint n_fds;
  guint64 memory_bytes;
  gchar *memory_dir; /* the folder with the memory controller's files */
  gboolean v2;
};

/* The folder of this process's cgroup of @controller (NULL: the v2
 * one), or NULL. */
static gchar *
find_dir (const FfLocalCgroupSource *source, const gchar *controller)
{
  g_autofree gchar *cgroups = NULL, *mounts = NULL;
  g_auto (GStrv) cgroup_lines = NULL, mount_lines = NULL;
  const gchar *path = NULL;

  if (!g_file_get_contents (source->cgroup_file, &cgroups, NULL, NULL) ||
      !g_file_get_contents (source->mountinfo_file, &mounts, NULL, NULL))
    return NULL;
  cgroup_lines = g_strsplit (cgroups, "\n", -1);
  for (guint i = 0; cgroup_lines[i] != NULL && path == NULL; i++)
    {
      g_auto (GStrv) parts = g_strsplit (cgroup_lines[i], ":", 3);
      g_auto (GStrv) names = NULL;

      if (g_strv_length (parts) != 3)
        continue;
      names = g_strsplit (parts[1], ",", -1);
      if (controller == NULL ? g_str_equal (parts[0], "0") && parts[1][0] == '\0'
                             : g_strv_contains ((const gchar *const *) names, controller))
        path = strchr (strchr (cgroup_lines[i], ':') + 1, ':') + 1;
    }
  if (path == NULL)
    return NULL;
  mount_lines = g_strsplit (mounts, "\n", -1);
  for (guint i = 0; mount_lines[i] != NULL; i++)
    {
      const gchar *dash = strstr (mount_lines[i], " - ");
      g_auto (GStrv) fields = g_strsplit (mount_lines[i], " ", -1);
      g_auto (GStrv) tail = NULL;
      g_auto (GStrv) options = NULL;
      const gchar *root, *rest;

      if (dash == NULL || g_strv_length (fields) < 5)
        continue;
      tail = g_strsplit (dash + 3, " ", -1);
      if (g_strv_length (tail) < 3)
        continue;
      options = g_strsplit (tail[2], ",", -1);
      if (controller == NULL ? !g_str_equal (tail[0], "cgroup2")
                             : !g_str_equal (tail[0], "cgroup") ||
                                   !g_strv_contains ((const gchar *const *) options, controller))
        continue;
      root = fields[3];
      rest = path;
      if (!g_str_equal (root, "/"))
        {
          if (!g_str_has_prefix (path, root))
            continue;
          rest = path + strlen (root);
        }
      return g_build_filename (fields[4], rest, NULL);
    }
  return NULL;
}

/* FALSE, with @error naming @path and errno's words. */
static gboolean
set_errno_error (GError **error, const gchar *path)
{
  gint errsv = errno;

  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv), "%s: %s", path,
               g_strerror (errsv));
  return FALSE;
}

static gboolean
write_file (const gchar *dir, const gchar *name, const gchar *value, GError **error)
{
  g_autofree gchar *path = g_build_filename (dir, name, NULL);
  gint fd = open (path, O_WRONLY | O_CLOEXEC);
  gboolean ok;
  gint errsv;

  if (fd < 0)
    return set_errno_error (error, path);
  ok = write (fd, value, strlen (value)) == (gssize) strlen (value);
  errsv = errno;
  close (fd);
  errno = errsv;
  return ok || set_errno_error (error, path);
}

static gboolean
has_word (const gchar *dir, const gchar *name, const gchar *word)
{
  g_autofree gchar *path = g_build_filename (dir, name, NULL);
  g_autofree gchar *text = NULL;
  g_auto (GStrv) words = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return FALSE;
  words = g_strsplit_set (g_strstrip (text), " \n", -1);
  return g_strv_contains ((const gchar *const *) words, word);
}

/* A folder for one run under @parent, made and kept in @self. */
static gchar *
make_run_dir (FfLocalCgroup *self, const gchar *parent, GError **error)
{
  static gint counter;
  g_autofree gchar *name =
      g_strdup_printf ("fastflow-run-%d-%d", (gint) getpid (), g_atomic_int_add (&counter, 1));
  gchar *dir = g_build_filename (parent, name, NULL);

  if (g_mkdir (dir, 0755) < 0)
    {
      set_errno_error (error, dir);
      g_free (dir);
      return NULL;
    }
  g_ptr_array_add (self->dirs, dir);
  return dir;
}

static gboolean
open_procs (FfLocalCgroup *self, const gchar *dir, GError **error)
{
  g_autofree gchar *path = g_build_filename (dir, "cgroup.procs", NULL);
  gint fd = open (path, O_WRONLY | O_CLOEXEC);

  if (fd < 0)
    return set_errno_error (error, path);
  self->fds[self->n_fds++] = fd;
  return TRUE;
}

/* Moves every process of @own (fastflowd and the local runs it started
 * without limits: a delegated cgroup holds nothing else) into @leaf. One
 * that cannot move (it ended meanwhile) is left to the write that
 * follows, which fails while a process is still in the way. */
static gboolean
move_processes (const gchar *own, const gchar *leaf, GError **error)
{
  g_autofree gchar *path = g_build_filename (own, "cgroup.procs", NULL);
  g_autofree gchar *text = NULL;
  g_auto (GStrv) pids = NULL;

  if (!g_file_get_contents (path, &text, NULL, error))
    return FALSE;
  pids = g_strsplit (text, "\n", -1);
  for (guint i = 0; pids[i] != NULL; i++)
    {
      if (pids[i][0] != '\0')
        write_file (leaf, "cgroup.procs", pids[i], NULL);
    }
  return TRUE;
}

/* The controllers of @own's children need them in @own's subtree_control,
 * which a cgroup with processes of its own may not have (except the
 * root): its processes move into a leaf first. */
static gboolean
delegate_v2 (const gchar *own, const gchar *enable, GError **error)
{
  g_autofree gchar *leaf = g_build_filename (own, DAEMON_LEAF, NULL);
  g_autoptr (GError) busy = NULL;

  if (write_file (own, "cgroup.subtree_control", enable, &busy))
    return TRUE;
  if (!g_error_matches (busy, G_IO_ERROR, G_IO_ERROR_BUSY))
    {
      g_propagate_error (error, g_steal_pointer (&busy));
      return FALSE;
    }
  if (g_mkdir (leaf, 0755) < 0 && errno != EEXIST)
    return set_errno_error (error, leaf);
  return move_processes (own, leaf, error) &&
         write_file (own, "cgroup.subtree_control", enable, error);
}

static gboolean
set_up_v2 (FfLocalCgroup *self, const gchar *own, gdouble cpus, GError **error)
{
  g_autofree gchar *enable =
      g_strdup_printf ("%s%s%s", self->memory_bytes > 0 ? "+memory" : "",
                       self->memory_bytes > 0 && cpus > 0 ? " " : "", cpus > 0 ? "+cpu" : "");
  const gchar *dir;

  if (!delegate_v2 (own, enable, error) || (dir = make_run_dir (self, own, error)) == NULL)
    return FALSE;
  self->v2 = TRUE;
  if (self->memory_bytes > 0)
    {
      g_autofree gchar *max = g_strdup_printf ("%" G_GUINT64_FORMAT, self->memory_bytes);

      if (!write_file (dir, "memory.max", max, error))
        return FALSE;
      /* absent without swap accounting: then there is no swap to limit */
      write_file (dir, "memory.swap.max", "0", NULL);
      self->memory_dir = g_strdup (dir);
    }
  if (cpus > 0)
    {
      g_autofree gchar *max =
          g_strdup_printf ("%.0f %d", MAX (cpus * CPU_PERIOD_US, 1000), CPU_PERIOD_US);

      if (!write_file (dir, "cpu.max", max, error))
        return FALSE;
    }
  return open_procs (self, dir, error);
}

static gboolean
set_up_v1 (FfLocalCgroup *self,
           const gchar *memory_dir,
           const gchar *cpu_dir,
           gdouble cpus,
           GError **error)
{
  const gchar *dir;

  if (self->memory_bytes > 0)
    {
      g_autofree gchar *limit = g_strdup_printf ("%" G_GUINT64_FORMAT, self->memory_bytes);

      if ((dir = make_run_dir (self, memory_dir, error)) == NULL ||
          !write_file (dir, "memory.limit_in_bytes", limit, error))
        return FALSE;
      /* memory and swap together: no swap on top, as Docker's MemorySwap */
      write_file (dir, "memory.memsw.limit_in_bytes", limit, NULL);
      self->memory_dir = g_strdup (dir);
      if (!open_procs (self, dir, error))
        return FALSE;
    }
  if (cpus > 0)
    {
      g_autofree gchar *quota = g_strdup_printf ("%.0f", MAX (cpus * CPU_PERIOD_US, 1000));
      g_autofree gchar *period = g_strdup_printf ("%d", CPU_PERIOD_US);

      if ((dir = make_run_dir (self, cpu_dir, error)) == NULL ||
          !write_file (dir, "cpu.cfs_period_us", period, error) ||
          !write_file (dir, "cpu.cfs_quota_us", quota, error))
        return FALSE;
      if (!open_procs (self, dir, error))
        return FALSE;
    }
  return TRUE;
}

typedef struct
{
  GPtrArray *dirs;
  guint tries;
} Removal;

static void
removal_free (Removal *removal)
{
  for (guint i = 0; i < removal->dirs->len; i++)
    g_warning (_ ("The cgroup %s of a finished local run could not be removed: %s"),
               (const gchar *) g_ptr_array_index (removal->dirs, i), g_strerror (EBUSY));
  g_ptr_array_unref (removal->dirs);
  g_free (removal);
}

/* The folders go once their processes have: rmdir() of a cgroup that
 * still has one (a killed process not yet gone) fails, and it is tried
 * again a little later, for up to 10 s. */
static gboolean
remove_dirs (gpointer user_data)
{
  Removal *removal = user_data;
  GPtrArray *dirs = removal->dirs;

  for (guint i = dirs->len; i > 0; i--)
    {
      if (g_rmdir (g_ptr_array_index (dirs, i - 1)) == 0 || errno == ENOENT)
        g_ptr_array_remove_index (dirs, i - 1);
    }
  return dirs->len > 0 && ++removal->tries < 100 ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

/* Undoes what a set-up made, for the next one to try. */
static void
reset (FfLocalCgroup *self)
{
  for (guint i = 0; i < self->n_fds; i++)
    close (self->fds[i]);
  self->n_fds = 0;
  for (guint i = 0; i < self->dirs->len; i++)
    g_rmdir (g_ptr_array_index (self->dirs, i));
  g_ptr_array_set_size (self->dirs, 0);
  g_clear_pointer (&self->memory_dir, g_free);
  self->v2 = FALSE;
}

/* The cgroup v2 fastflowd was given: its own, or the parent of the leaf
 * it moved into. */
static gchar *
find_own_v2 (const FfLocalCgroupSource *source)
{
  g_autofree gchar *dir = find_dir (source, NULL);
  g_autofree gchar *base = dir != NULL ? g_path_get_basename (dir) : NULL;

  if (base != NULL && g_str_equal (base, DAEMON_LEAF))
    return g_path_get_dirname (dir);
  return g_steal_pointer (&dir);
}

/* Whether @dir's cgroup v2 offers every controller asked for. */
static gboolean
v2_offers (const gchar *dir, guint64 memory_bytes, gdouble cpus)
{
  return dir != NULL && (memory_bytes == 0 || has_word (dir, "cgroup.controllers", "memory")) &&
         (cpus <= 0 || has_word (dir, "cgroup.controllers", "cpu"));
}

/**
 * ff_local_cgroup_new:
 * @memory_bytes: the memory limit, 0 for none
 * @cpus: the CPU limit in cores, 0 for none
 *
 * Makes the cgroup(s) of one run with these limits.
 *
 * Returns: (nullable): the cgroup, or %NULL with @error when this machine
 *   gives fastflowd none (the message says what was tried)
 */
FfLocalCgroup *
ff_local_cgroup_new (const FfLocalCgroupSource *source,
                     guint64 memory_bytes,
                     gdouble cpus,
                     GError **error)
{
  g_autoptr (FfLocalCgroup) self = g_new0 (FfLocalCgroup, 1);
  g_autofree gchar *own = find_own_v2 (source);
  g_autofree gchar *memory_dir = memory_bytes > 0 ? find_dir (source, "memory") : NULL;
  g_autofree gchar *cpu_dir = cpus > 0 ? find_dir (source, "cpu") : NULL;
  g_autoptr (GError) v2_error = NULL;

  self->dirs = g_ptr_array_new_with_free_func (g_free);
  self->memory_bytes = memory_bytes;
  if (v2_offers (own, memory_bytes, cpus))
    {
      if (set_up_v2 (self, own, cpus, &v2_error))
        return g_steal_pointer (&self);
      reset (self);
    }
  if ((memory_bytes == 0 || memory_dir != NULL) && (cpus <= 0 || cpu_dir != NULL))
    {
      g_autoptr (GError) v1_error = NULL;

      if (set_up_v1 (self, memory_dir, cpu_dir, cpus, &v1_error))
        return g_steal_pointer (&self);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _ ("the cgroup v1 hierarchy refused: %s"),
                   v1_error->message);
      return NULL;
    }
  if (v2_error != NULL)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _ ("the cgroup v2 tree refused: %s"),
                 v2_error->message);
  else
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                         _ ("fastflowd has no cgroup with that controller: neither cgroup v2 "
                            "with it delegated to fastflowd nor a cgroup v1 hierarchy of it"));
  return NULL;
}

const gint *
ff_local_cgroup_get_procs_fds (FfLocalCgroup *self, guint *n_fds)
{
  *n_fds = self->n_fds;
  return self->fds;
}

guint64
ff_local_cgroup_get_memory_limit (FfLocalCgroup *self)
{
  return self->memory_bytes;
}

/* The kernel counts its OOM kills per cgroup: v2 in memory.events, v1
 * in memory.oom_control. */
gboolean
ff_local_cgroup_was_oom_killed (FfLocalCgroup *self)
{
  g_autofree gchar *path = NULL;
  g_autofree gchar *text = NULL;
  const gchar *line;

  if (self->memory_dir == NULL)
    return FALSE;
  path =
      g_build_filename (self->memory_dir, self->v2 ? "memory.events" : "memory.oom_control", NULL);
  if (!g_file_get_contents (path, &text, NULL, NULL))
    return FALSE;
  line = strstr (text, "oom_kill ");
  return line != NULL && g_ascii_strtoull (line + strlen ("oom_kill "), NULL, 10) > 0;
}

/* The kernel's high-water mark of the run's memory: v2's memory.peak
 * (Linux 5.19 and later), v1's memory.max_usage_in_bytes; 0 without a
 * memory limit (no cgroup of its own to ask) or when the file is missing. */
guint64
ff_local_cgroup_get_memory_peak (FfLocalCgroup *self)
{
  g_autofree gchar *path = NULL;
  g_autofree gchar *text = NULL;

  if (self->memory_dir == NULL)
    return 0;
  path = g_build_filename (self->memory_dir, self->v2 ? "memory.peak" : "memory.max_usage_in_bytes",
                           NULL);
  if (!g_file_get_contents (path, &text, NULL, NULL))
    return 0;
  return g_ascii_strtoull (text, NULL, 10);
}

void
ff_local_cgroup_free (FfLocalCgroup *self)
{
  Removal *removal;

  if (self == NULL)
    return;
  for (guint i = 0; i < self->n_fds; i++)
    close (self->fds[i]);
  removal = g_new0 (Removal, 1);
  removal->dirs = g_steal_pointer (&self->dirs);
  if (remove_dirs (removal) == G_SOURCE_CONTINUE)
    g_timeout_add_full (G_PRIORITY_DEFAULT, 100, remove_dirs, removal,
                        (GDestroyNotify) removal_free);
  else
    removal_free (removal);
  g_free (self->memory_dir);
  g_free (self);
}
