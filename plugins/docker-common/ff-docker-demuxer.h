/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <fastflow.h>

G_BEGIN_DECLS

#define FF_TYPE_DOCKER_DEMUXER (ff_docker_demuxer_get_type ())
G_DECLARE_FINAL_TYPE (FfDockerDemuxer, ff_docker_demuxer, FF, DOCKER_DEMUXER, GObject)

/**
 * FfDockerPieceFlags:
 * @FF_DOCKER_PIECE_START: the piece starts a frame (a log message)
 * @FF_DOCKER_PIECE_END: the piece ends it
 *
 * A frame up to %FF_DOCKER_DEMUXER_MAX_PIECE bytes comes whole, as one
 * piece with both flags; a longer one comes in pieces as its bytes arrive,
 * so that a frame that claims gigabytes is never held in memory. The start
 * piece holds at least the first %FF_DOCKER_DEMUXER_MAX_PIECE bytes of a
 * frame, or all of it.
 */
typedef enum
{
  FF_DOCKER_PIECE_START = 1 << 0,
  FF_DOCKER_PIECE_END = 1 << 1,
  FF_DOCKER_PIECE_WHOLE = FF_DOCKER_PIECE_START | FF_DOCKER_PIECE_END,
} FfDockerPieceFlags;

#define FF_DOCKER_DEMUXER_MAX_PIECE (64 * 1024)

/**
 * FfDockerFrameFunc:
 * @stream: where the engine says the bytes came from
 * @data: the piece's bytes, valid only during the call
 * @len: its length
 * @flags: whether it starts or ends its frame
 *
 * Called for each piece of each frame, in stream order.
 */
typedef void (*FfDockerFrameFunc) (
    FfStream stream, const guint8 *data, gsize len, FfDockerPieceFlags flags, gpointer user_data);

FfDockerDemuxer *
ff_docker_demuxer_new (gboolean multiplexed, FfDockerFrameFunc func, gpointer user_data);
gboolean ff_docker_demuxer_get_multiplexed (FfDockerDemuxer *self);
gboolean
ff_docker_demuxer_push (FfDockerDemuxer *self, const guint8 *data, gsize len, GError **error);
gsize ff_docker_demuxer_get_pending (FfDockerDemuxer *self);
void ff_docker_demuxer_flush (FfDockerDemuxer *self);
void ff_docker_demuxer_reset (FfDockerDemuxer *self);

G_END_DECLS
