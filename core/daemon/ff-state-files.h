/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <sys/types.h>

G_BEGIN_DECLS

/*
 * Who may read the state folder: run history (fastflow.db and its -wal,
 * -shm), logs, checkpoints and route files. The owner only; with
 * `fastflowd --system` also `[daemon] system_group`, whose members may call
 * fastflowd anyway: its files are then group-readable, its folders
 * group-traversable and set-group-ID, so new files take the group.
 */

/* @group: the group to share with (with --system), or %NULL for nobody;
 * a group the system does not know is nobody too. Call before
 * ff_state_files_secure. */
void ff_state_files_set_group (const gchar *group);
/* 0600, or 0640 when shared with the group. */
mode_t ff_state_files_file_mode (void);
/* 0700, or 02750 when shared with the group. */
mode_t ff_state_files_dir_mode (void);

/*
 * Start-up: creates @state_dir and its logs folder where missing and gives
 * them, the run history and every file in logs/ the modes above, whatever
 * modes they had (an earlier fastflowd made the history 0644). A group that
 * cannot be set falls back to the owner only, with a warning. Fails when a
 * folder cannot be created or its mode not set.
 */
gboolean ff_state_files_secure (const gchar *state_dir, GError **error);

/* After a state file was opened with O_CREAT: its mode as above, past the
 * umask. */
gboolean ff_state_files_fix_fd (gint fd, const gchar *path, GError **error);

G_END_DECLS
