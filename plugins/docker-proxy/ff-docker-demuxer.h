/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <fastflow.h>

G_BEGIN_DECLS

#define FF_TYPE_DOCKER_DEMUXER (ff_docker_demuxer_get_type ())
G_DECLARE_FINAL_TYPE (FfDockerDemuxer, ff_docker_demuxer, FF, DOCKER_DEMUXER, GObject)

/**
 * FfDockerFrameFunc:
 * @stream: where the engine says the bytes came from
 * @data: the frame's payload, valid only during the call
 * @len: its length
 *
 * Called once per complete frame, in stream order.
 */
typedef void (*FfDockerFrameFunc) (FfStream stream,
                                   const guint8 *data,
                                   gsize len,
                                   gpointer user_data);

FfDockerDemuxer *
ff_docker_demuxer_new (gboolean multiplexed, FfDockerFrameFunc func, gpointer user_data);
gboolean ff_docker_demuxer_get_multiplexed (FfDockerDemuxer *self);
gboolean
ff_docker_demuxer_push (FfDockerDemuxer *self, const guint8 *data, gsize len, GError **error);
gsize ff_docker_demuxer_get_pending (FfDockerDemuxer *self);
void ff_docker_demuxer_flush (FfDockerDemuxer *self);
void ff_docker_demuxer_reset (FfDockerDemuxer *self);

G_END_DECLS
