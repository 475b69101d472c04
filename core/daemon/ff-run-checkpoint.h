/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "fastflow.h"

G_BEGIN_DECLS

#define FF_TYPE_RUN_CHECKPOINT (ff_run_checkpoint_get_type ())
G_DECLARE_FINAL_TYPE (FfRunCheckpoint, ff_run_checkpoint, FF, RUN_CHECKPOINT, GObject)

/**
 * FfLogPosition:
 * @attempt: the attempt whose output the log holds last
 * @consumed: bytes of that attempt's output the log accounts for
 * @log_size: the size of the log once they (and fastflow's notes) were written
 * @log_full: the log reached max_log_bytes; nothing more is kept
 *
 * How far a run's log has got, in the executor's bytes and in its own.
 */
typedef struct
{
  guint attempt;
  guint64 consumed;
  guint64 log_size;
  gboolean log_full;
} FfLogPosition;

/**
 * FfRunCheckpoint:
 *
 * Where a live run's log stands, next to the log, saved after every write
 * to it, so that a daemon that was killed can follow the run again and
 * continue its log without a gap and without a byte twice.
 */
FfRunCheckpoint *ff_run_checkpoint_new (const gchar *path);
gboolean ff_run_checkpoint_save (FfRunCheckpoint *self, const FfLogPosition *pos, GError **error);
gboolean ff_run_checkpoint_load (FfRunCheckpoint *self, FfLogPosition *pos, GError **error);
void ff_run_checkpoint_remove (FfRunCheckpoint *self);

G_END_DECLS
