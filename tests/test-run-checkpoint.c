/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "ff-run-checkpoint.h"
#include "ff-run-log.h"

/* What a restarted daemon relies on to continue a run's log exactly: the
 * saved position and the log cut back to it. */

static gchar *
temp_path (const gchar *name)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *dir = g_dir_make_tmp ("fastflow-checkpoint-XXXXXX", &error);

  g_assert_no_error (error);
  return g_build_filename (dir, name, NULL);
}

static void
remove_with_dir (const gchar *path)
{
  g_autofree gchar *dir = g_path_get_dirname (path);

  g_unlink (path);
  g_rmdir (dir);
}

static void
test_checkpoint_round_trip (void)
{
  g_autofree gchar *path = temp_path ("1.pos");
  g_autoptr (FfRunCheckpoint) checkpoint = ff_run_checkpoint_new (path);
  g_autoptr (FfRunCheckpoint) reader = ff_run_checkpoint_new (path);
  g_autoptr (GError) error = NULL;
  FfLogPosition big = { 3, G_MAXUINT64 - 1, G_GUINT64_CONSTANT (1) << 40, TRUE };
  FfLogPosition small = { 3, 7, 9, FALSE };
  FfLogPosition pos = { 0 };

  g_assert_false (ff_run_checkpoint_load (reader, &pos, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_clear_error (&error);

  g_assert_true (ff_run_checkpoint_save (checkpoint, &big, &error));
  g_assert_no_error (error);
  g_assert_true (ff_run_checkpoint_load (reader, &pos, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (pos.attempt, ==, 3);
  g_assert_cmpuint (pos.consumed, ==, G_MAXUINT64 - 1);
  g_assert_cmpuint (pos.log_size, ==, G_GUINT64_CONSTANT (1) << 40);
  g_assert_true (pos.log_full);

  /* smaller numbers rewrite the whole line: nothing of the old one stays */
  g_assert_true (ff_run_checkpoint_save (checkpoint, &small, &error));
  g_assert_true (ff_run_checkpoint_load (reader, &pos, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (pos.consumed, ==, 7);
  g_assert_cmpuint (pos.log_size, ==, 9);
  g_assert_false (pos.log_full);

  ff_run_checkpoint_remove (checkpoint);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  remove_with_dir (path);
}

static void
test_checkpoint_damaged (void)
{
  g_autofree gchar *path = temp_path ("2.pos");
  g_autoptr (FfRunCheckpoint) checkpoint = ff_run_checkpoint_new (path);
  g_autoptr (GError) error = NULL;
  FfLogPosition pos = { 0 };
  const gchar *const damaged[] = {
    "",
    "fastflow-log-position 1 attempt=0000000001 consumed=00000000000000000005",
    "fastflow-log-position 2 attempt=0000000001 consumed=00000000000000000005 "
    "log=00000000000000000005 full=0\n",
    "something else entirely, of exactly the right length: one hundred and five "
    "bytes........................\n",
  };

  for (guint i = 0; i < G_N_ELEMENTS (damaged); i++)
    {
      g_file_set_contents (path, damaged[i], -1, &error);
      g_assert_no_error (error);
      g_assert_false (ff_run_checkpoint_load (checkpoint, &pos, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
      g_clear_error (&error);
    }
  remove_with_dir (path);
}

/* A log longer than its saved position is cut back to it, and knows its
 * last byte, for the note that may follow. */
static void
test_log_truncate (void)
{
  g_autofree gchar *path = temp_path ("3.log");
  g_autoptr (FfRunLog) log = ff_run_log_new (path);
  g_autoptr (FfRunLog) reopened = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) data = NULL;

  g_assert_cmpint (ff_run_log_get_last_byte (log), ==, -1);
  g_assert_true (ff_run_log_append (log, (const guint8 *) "saved\nnot saved", 15, &error));
  g_assert_no_error (error);
  ff_run_log_close (log);

  reopened = ff_run_log_new (path);
  g_assert_cmpuint (ff_run_log_get_size (reopened), ==, 15);
  g_assert_true (ff_run_log_truncate (reopened, 6, &error));
  g_assert_no_error (error);
  g_assert_cmpint (ff_run_log_get_last_byte (reopened), ==, '\n');
  g_assert_true (ff_run_log_append (reopened, (const guint8 *) "more", 4, &error));
  data = ff_run_log_read (reopened, 0, 100, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (data, NULL), g_bytes_get_size (data), "saved\nmore", 10);
  g_assert_cmpint (ff_run_log_get_last_byte (reopened), ==, 'e');
  /* never longer: a size beyond the end changes nothing */
  g_assert_true (ff_run_log_truncate (reopened, 100, &error));
  g_assert_cmpuint (ff_run_log_get_size (reopened), ==, 10);
  ff_run_log_close (reopened);
  remove_with_dir (path);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/run-checkpoint/round-trip", test_checkpoint_round_trip);
  g_test_add_func ("/run-checkpoint/damaged", test_checkpoint_damaged);
  g_test_add_func ("/run-checkpoint/log-truncate", test_log_truncate);
  return g_test_run ();
}
