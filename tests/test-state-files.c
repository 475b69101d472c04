/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <sys/stat.h>

#include "ff-test-daemon.h"

/* What fastflowd keeps on disk, against other users of the host and
 * against what a run leaves in its route file. */

static guint
mode_of (const gchar *path)
{
  GStatBuf st;

  g_assert_cmpint (g_lstat (path, &st), ==, 0);
  return st.st_mode & 07777;
}

static void
set_mode (const gchar *path, guint mode)
{
  g_assert_cmpint (g_chmod (path, mode), ==, 0);
}

/* Every folder under @dir is 0700 and every file 0600. */
static void
assert_private_tree (const gchar *dir, guint *n_files)
{
  g_autoptr (GDir) listing = g_dir_open (dir, 0, NULL);
  const gchar *name;

  g_assert_nonnull (listing);
  g_assert_cmpuint (mode_of (dir), ==, 0700);
  while ((name = g_dir_read_name (listing)) != NULL)
    {
      g_autofree gchar *path = g_build_filename (dir, name, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        {
          assert_private_tree (path, n_files);
          continue;
        }
      g_test_message ("%s: %04o", path, mode_of (path));
      g_assert_cmpuint (mode_of (path), ==, 0600);
      (*n_files)++;
    }
}

/* A state folder an earlier fastflowd (or anyone) left open to the
 * world is closed at start-up, and what the daemon writes next is closed
 * too, whatever the umask. */
static void
test_modes (void)
{
  g_autoptr (FfTestDaemon) d = ff_test_daemon_new ();
  g_autofree gchar *out = NULL, *err = NULL, *again = NULL, *again_err = NULL;
  g_autofree gchar *logs = g_build_filename (d->state_dir, "logs", NULL);
  g_autofree gchar *db = g_build_filename (d->state_dir, "fastflow.db", NULL);
  g_autofree gchar *log1 = g_build_filename (logs, "1.log", NULL);
  g_autofree gchar *stray = g_build_filename (logs, "7.pos", NULL);
  guint n_files = 0;
  mode_t umask_before = umask (022);

  ff_test_daemon_add_pipeline (d, "hello", "main.sh", "echo hello\n", NULL);
  ff_test_daemon_start (d, NULL);
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "run", "hello", NULL), ==, 0);
  ff_test_daemon_stop (d);

  /* as fastflowd 0.1 left them, and worse */
  set_mode (d->state_dir, 0755);
  set_mode (logs, 0777);
  set_mode (db, 0644);
  set_mode (log1, 0644);
  g_assert_true (g_file_set_contents (stray, "x", -1, NULL));
  set_mode (stray, 0666);

  ff_test_daemon_start (d, NULL);
  g_assert_cmpint (ff_test_daemon_ctl (d, &again, &again_err, "run", "hello", NULL), ==, 0);
  g_assert_cmpstr (again, ==, "hello\n");
  assert_private_tree (d->state_dir, &n_files);
  /* the history, two logs, the stray checkpoint at least */
  g_assert_cmpuint (n_files, >=, 4);
  umask (umask_before);
}

/* A symbolic link where the route file goes is neither followed nor
 * replaced: its target stays as it was, and the run fails saying why. */
static void
test_route_symlink (void)
{
  g_autoptr (FfTestDaemon) d = ff_test_daemon_new ();
  g_autofree gchar *out = NULL, *err = NULL;
  g_autofree gchar *target = g_build_filename (d->tmpdir, "precious", NULL);
  g_autofree gchar *route = g_build_filename (d->state_dir, "logs", "1.route", NULL);
  g_autofree gchar *content = NULL;

  ff_test_daemon_add_pipeline (d, "hello", "main.sh", "echo hello\n", NULL);
  ff_test_daemon_start (d, NULL);
  g_assert_true (g_file_set_contents (target, "keep me", -1, NULL));
  set_mode (target, 0600);
  g_assert_cmpint (symlink (target, route), ==, 0);

  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "run", "hello", NULL), ==, 127);
  g_test_message ("%s", err);
  g_assert_nonnull (strstr (err, route));
  g_assert_nonnull (strstr (err, "neither follows nor replaces it"));
  g_assert_true (g_file_get_contents (target, &content, NULL, NULL));
  g_assert_cmpstr (content, ==, "keep me");
  g_assert_cmpuint (mode_of (target), ==, 0600);
}

/* A run's route file is its own and fastflowd reads a few KiB of it: a
 * 400 MB one (sparse) does not reach the daemon's memory, its first line
 * is the route. A local run's route file is 0600. */
static void
test_route_bounded (void)
{
  g_autoptr (FfTestDaemon) d = ff_test_daemon_new ();
  g_autofree gchar *out = NULL, *err = NULL, *status = NULL, *status_err = NULL;
  g_autoptr (JsonNode) node = NULL;
  g_autoptr (GError) error = NULL;
  guint64 before;

  ff_test_daemon_add_pipeline (d, "router", "main.sh",
                               "stat -c %a \"$FASTFLOW_ROUTE_FILE\"\n"
                               "printf 'big\\nsecond line\\n' > \"$FASTFLOW_ROUTE_FILE\"\n"
                               "truncate -s 400M \"$FASTFLOW_ROUTE_FILE\"\n",
                               NULL);
  ff_test_daemon_start (d, NULL);
  before = ff_test_memory_bytes (d->daemon, "VmHWM");
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "run", "router", NULL), ==, 0);
  g_assert_cmpint (ff_test_daemon_ctl (d, &status, &status_err, "status", "1", "--json", NULL), ==,
                   0);
  node = json_from_string (status, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (node), "route"), ==, "big");
  g_test_message ("peak RSS %" G_GUINT64_FORMAT " → %" G_GUINT64_FORMAT, before,
                  ff_test_memory_bytes (d->daemon, "VmHWM"));
  g_assert_cmpuint (ff_test_memory_bytes (d->daemon, "VmHWM"), <, before + 32 * 1024 * 1024);
  g_assert_cmpstr (out, ==, "600\n");
}

int
main (int argc, char **argv)
{
  g_setenv ("LANGUAGE", "en", TRUE);
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/state-files/modes", test_modes);
  g_test_add_func ("/state-files/route-symlink", test_route_symlink);
  g_test_add_func ("/state-files/route-bounded", test_route_bounded);
  return g_test_run ();
}
