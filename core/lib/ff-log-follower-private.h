/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ff-dbus-generated.h"

G_BEGIN_DECLS

#define FF_TYPE_LOG_FOLLOWER (ff_log_follower_get_type ())
G_DECLARE_FINAL_TYPE (FfLogFollower, ff_log_follower, FF, LOG_FOLLOWER, GObject)

/**
 * FfLogFollower:
 *
 * Follows a run's log byte for byte until the run has finished and its log
 * is read to the end; each new piece comes in ::data. Reads the log through
 * the descriptor OpenLog hands out, woken by inotify; where that is not
 * possible (an older fastflowd, no inotify), what is already there through
 * ReadLog, then the live Output signals, de-duplicated by offset. Emits
 * ::done once, with an error if the log could not be read or fastflowd went
 * away.
 */
FfLogFollower *ff_log_follower_new (FfDBusRun *run, gboolean follow);
void ff_log_follower_start (FfLogFollower *self);
void ff_log_follower_abort (FfLogFollower *self, GError *error);
const GError *ff_log_follower_get_error (FfLogFollower *self);
/* fastflowd left the bus before the run ended. */
GError *ff_log_follower_new_gone_error (void);

G_END_DECLS
