/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "fastflow.h"

G_BEGIN_DECLS

#define FF_TYPE_RUN_LOG (ff_run_log_get_type ())
G_DECLARE_FINAL_TYPE (FfRunLog, ff_run_log, FF, RUN_LOG, GObject)

/**
 * FfRunLog:
 *
 * A run's combined output as a file: appended as it arrives, read back by
 * offset. Nothing is buffered in memory beyond one write.
 */
FfRunLog *ff_run_log_new (const gchar *path);
const gchar *ff_run_log_get_path (FfRunLog *self);
gboolean ff_run_log_open (FfRunLog *self, GError **error);
gboolean ff_run_log_append (FfRunLog *self, const guint8 *data, gsize len, GError **error);
guint64 ff_run_log_get_size (FfRunLog *self);
GBytes *ff_run_log_read (FfRunLog *self, guint64 offset, gsize max, GError **error);
gint ff_run_log_open_reader (FfRunLog *self, gboolean create, GError **error);
void ff_run_log_close (FfRunLog *self);
gboolean ff_run_log_truncate (FfRunLog *self, guint64 size, GError **error);
gint ff_run_log_get_last_byte (FfRunLog *self);

/* Which stream each byte came from: see ff-run-log.c, "the stream index". */
typedef struct
{
  guint64 offset; /* from here on, the log's bytes came from stream */
  guint32 stream; /* FfStream */
  guint32 reserved;
} FfLogStreamChange;

gboolean ff_run_log_append_from (
    FfRunLog *self, FfStream stream, const guint8 *data, gsize len, GError **error);
GArray *ff_run_log_read_streams (FfRunLog *self, guint64 offset, GError **error);
gint ff_run_log_open_streams_reader (FfRunLog *self, GError **error);
void ff_run_log_unlink (const gchar *path);

G_END_DECLS
