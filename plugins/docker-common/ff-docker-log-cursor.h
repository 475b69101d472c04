/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <fastflow.h>

#include "ff-docker-demuxer.h"

G_BEGIN_DECLS

#define FF_TYPE_DOCKER_LOG_CURSOR (ff_docker_log_cursor_get_type ())
G_DECLARE_FINAL_TYPE (FfDockerLogCursor, ff_docker_log_cursor, FF, DOCKER_LOG_CURSOR, GObject)

FfDockerLogCursor *ff_docker_log_cursor_new (void);
gboolean ff_docker_log_cursor_take (FfDockerLogCursor *self,
                                    FfStream stream,
                                    const guint8 *message,
                                    gsize len,
                                    gsize *payload_offset,
                                    gboolean *is_new,
                                    GError **error);
gboolean ff_docker_log_cursor_take_piece (FfDockerLogCursor *self,
                                          FfStream stream,
                                          const guint8 *data,
                                          gsize len,
                                          FfDockerPieceFlags flags,
                                          gsize *offset,
                                          gsize *out_len,
                                          GError **error);
void ff_docker_log_cursor_rewind (FfDockerLogCursor *self);
gchar *ff_docker_log_cursor_dup_since (FfDockerLogCursor *self);

G_END_DECLS
