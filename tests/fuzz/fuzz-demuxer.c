/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer: the Docker log stream demuxer takes any bytes, in any pieces,
 * and never hands out more than it was given. */
#include "config.h"

#include "ff-docker-demuxer.h"

int LLVMFuzzerTestOneInput (const guint8 *data, gsize size);

static void
on_frame (
    FfStream stream, const guint8 *data, gsize len, FfDockerPieceFlags flags, gpointer user_data)
{
  *(gsize *) user_data += len;
}

int
LLVMFuzzerTestOneInput (const guint8 *data, gsize size)
{
  gsize out = 0;
  g_autoptr (FfDockerDemuxer) demuxer = NULL;
  gsize piece;

  if (size == 0)
    return 0;
  /* the first byte chooses the mode and the size of the pieces */
  demuxer = ff_docker_demuxer_new (data[0] & 1, on_frame, &out);
  piece = 1 + (data[0] >> 1);
  for (gsize at = 1; at < size; at += piece)
    {
      g_autoptr (GError) error = NULL;

      if (!ff_docker_demuxer_push (demuxer, data + at, MIN (piece, size - at), &error))
        break;
    }
  ff_docker_demuxer_flush (demuxer);
  g_assert_cmpuint (out, <=, size);
  return 0;
}
