/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "ff-docker-demuxer.h"
#include "ff-docker-log-cursor.h"

/* GET /v1.41/containers/ID/logs?stdout=1&stderr=1&timestamps=1 of
 * sh -c 'echo out1; echo err1 >&2; echo out2; printf "tail-without-newline"; printf "e2" >&2'
 * as Engine 20.10 sent it. */
static const guint8 recorded[] = {
  0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x24, 0x32, 0x30, 0x32, 0x36, 0x2d, 0x31, 0x31, 0x2d,
  0x32, 0x38, 0x54, 0x31, 0x33, 0x3a, 0x31, 0x30, 0x3a, 0x30, 0x37, 0x2e, 0x33, 0x36, 0x38, 0x33,
  0x31, 0x37, 0x32, 0x39, 0x37, 0x5a, 0x20, 0x65, 0x72, 0x72, 0x31, 0x0a, 0x01, 0x00, 0x00, 0x00,
  0x00, 0x00, 0x00, 0x24, 0x32, 0x30, 0x32, 0x36, 0x2d, 0x31, 0x31, 0x2d, 0x32, 0x38, 0x54, 0x31,
  0x33, 0x3a, 0x31, 0x30, 0x3a, 0x30, 0x37, 0x2e, 0x33, 0x37, 0x30, 0x30, 0x33, 0x39, 0x39, 0x32,
  0x32, 0x5a, 0x20, 0x6f, 0x75, 0x74, 0x31, 0x0a, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x24,
  0x32, 0x30, 0x32, 0x36, 0x2d, 0x31, 0x31, 0x2d, 0x32, 0x38, 0x54, 0x31, 0x33, 0x3a, 0x31, 0x30,
  0x3a, 0x30, 0x37, 0x2e, 0x33, 0x37, 0x30, 0x30, 0x35, 0x31, 0x39, 0x37, 0x34, 0x5a, 0x20, 0x6f,
  0x75, 0x74, 0x32, 0x0a, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x33, 0x32, 0x30, 0x32, 0x36,
  0x2d, 0x31, 0x31, 0x2d, 0x32, 0x38, 0x54, 0x31, 0x33, 0x3a, 0x31, 0x30, 0x3a, 0x30, 0x37, 0x2e,
  0x35, 0x31, 0x32, 0x32, 0x34, 0x31, 0x33, 0x39, 0x37, 0x5a, 0x20, 0x74, 0x61, 0x69, 0x6c, 0x2d,
  0x77, 0x69, 0x74, 0x68, 0x6f, 0x75, 0x74, 0x2d, 0x6e, 0x65, 0x77, 0x6c, 0x69, 0x6e, 0x65, 0x02,
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x21, 0x32, 0x30, 0x32, 0x36, 0x2d, 0x31, 0x31, 0x2d, 0x32,
  0x38, 0x54, 0x31, 0x33, 0x3a, 0x31, 0x30, 0x3a, 0x30, 0x37, 0x2e, 0x35, 0x31, 0x32, 0x33, 0x30,
  0x33, 0x30, 0x31, 0x34, 0x5a, 0x20, 0x65, 0x32,
};

static const gchar *const recorded_stdout = "out1\nout2\ntail-without-newline";
static const gchar *const recorded_stderr = "err1\ne2";

typedef struct
{
  GString *out;
  GString *err;
  GString *order; /* one letter per frame: o or e */
  FfDockerLogCursor *cursor;
  guint frames;
} Collected;

static void
collected_init (Collected *c)
{
  c->out = g_string_new (NULL);
  c->err = g_string_new (NULL);
  c->order = g_string_new (NULL);
  c->cursor = ff_docker_log_cursor_new ();
  c->frames = 0;
}

static void
collected_clear (Collected *c)
{
  g_string_free (c->out, TRUE);
  g_string_free (c->err, TRUE);
  g_string_free (c->order, TRUE);
  g_object_unref (c->cursor);
}

/* Frames as they come, timestamps included; a frame in pieces counts once. */
static void
on_frame_raw (
    FfStream stream, const guint8 *data, gsize len, FfDockerPieceFlags flags, gpointer user_data)
{
  Collected *c = user_data;

  g_string_append_len (stream == FF_STREAM_STDERR ? c->err : c->out, (const gchar *) data, len);
  if (flags & FF_DOCKER_PIECE_START)
    g_string_append_c (c->order, stream == FF_STREAM_STDERR ? 'e' : 'o');
  if (flags & FF_DOCKER_PIECE_END)
    c->frames++;
}

/* Frames through the cursor, as the execution emits them. */
static void
on_frame (
    FfStream stream, const guint8 *data, gsize len, FfDockerPieceFlags flags, gpointer user_data)
{
  Collected *c = user_data;
  g_autoptr (GError) error = NULL;
  gsize offset = 0;
  gsize fresh = 0;

  g_assert_true (ff_docker_log_cursor_take_piece (c->cursor, stream, data, len, flags, &offset,
                                                  &fresh, &error));
  g_assert_no_error (error);
  if (flags & FF_DOCKER_PIECE_END)
    c->frames++;
  if (fresh == 0)
    return;
  g_string_append_len (stream == FF_STREAM_STDERR ? c->err : c->out, (const gchar *) data + offset,
                       fresh);
  if (flags & FF_DOCKER_PIECE_START)
    g_string_append_c (c->order, stream == FF_STREAM_STDERR ? 'e' : 'o');
}

static void
test_demuxer_whole (void)
{
  Collected c;
  g_autoptr (FfDockerDemuxer) demuxer = NULL;
  g_autoptr (GError) error = NULL;

  collected_init (&c);
  demuxer = ff_docker_demuxer_new (TRUE, on_frame, &c);
  g_assert_true (ff_docker_demuxer_push (demuxer, recorded, sizeof (recorded), &error));
  g_assert_no_error (error);
  g_assert_cmpuint (ff_docker_demuxer_get_pending (demuxer), ==, 0);
  g_assert_cmpstr (c.out->str, ==, recorded_stdout);
  g_assert_cmpstr (c.err->str, ==, recorded_stderr);
  /* The interleaving is kept: err1 was logged first. */
  g_assert_cmpstr (c.order->str, ==, "eoooe");
  collected_clear (&c);
}

/* Every split point, including inside each 8-byte header. */
static void
test_demuxer_split_everywhere (void)
{
  for (gsize cut = 0; cut <= sizeof (recorded); cut++)
    {
      Collected c;
      g_autoptr (FfDockerDemuxer) demuxer = NULL;
      g_autoptr (GError) error = NULL;

      collected_init (&c);
      demuxer = ff_docker_demuxer_new (TRUE, on_frame, &c);
      g_assert_true (ff_docker_demuxer_push (demuxer, recorded, cut, &error));
      g_assert_true (
          ff_docker_demuxer_push (demuxer, recorded + cut, sizeof (recorded) - cut, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (ff_docker_demuxer_get_pending (demuxer), ==, 0);
      g_assert_cmpstr (c.out->str, ==, recorded_stdout);
      g_assert_cmpstr (c.err->str, ==, recorded_stderr);
      g_assert_cmpstr (c.order->str, ==, "eoooe");
      collected_clear (&c);
    }
}

static void
test_demuxer_byte_by_byte (void)
{
  Collected c;
  g_autoptr (FfDockerDemuxer) demuxer = NULL;
  g_autoptr (GError) error = NULL;

  collected_init (&c);
  demuxer = ff_docker_demuxer_new (TRUE, on_frame, &c);
  for (gsize i = 0; i < sizeof (recorded); i++)
    {
      g_assert_true (ff_docker_demuxer_push (demuxer, recorded + i, 1, &error));
      g_assert_no_error (error);
    }
  g_assert_cmpuint (ff_docker_demuxer_get_pending (demuxer), ==, 0);
  g_assert_cmpstr (c.out->str, ==, recorded_stdout);
  g_assert_cmpstr (c.err->str, ==, recorded_stderr);
  collected_clear (&c);
}

/* A header split across reads, with the payload of a big frame arriving in
 * odd pieces and stdout/stderr alternating frame by frame. */
static void
test_demuxer_interleaved_large (void)
{
  g_autoptr (GByteArray) stream = g_byte_array_new ();
  g_autoptr (GString) want_out = g_string_new (NULL);
  g_autoptr (GString) want_err = g_string_new (NULL);
  g_autoptr (FfDockerDemuxer) demuxer = NULL;
  g_autoptr (GError) error = NULL;
  Collected c;
  gsize pos = 0;
  gsize step = 1;

  for (guint i = 0; i < 200; i++)
    {
      guint8 type = i % 2 ? FF_STREAM_STDERR : FF_STREAM_STDOUT;
      gsize size = (i * 7919) % 70000;
      guint8 header[8] = { type, 0, 0, 0, size >> 24, size >> 16, size >> 8, size };
      g_autofree guint8 *payload = g_malloc (size);

      for (gsize j = 0; j < size; j++)
        payload[j] = 'a' + (i + j) % 26;
      g_byte_array_append (stream, header, sizeof (header));
      g_byte_array_append (stream, payload, size);
      g_string_append_len (type == FF_STREAM_STDERR ? want_err : want_out, (const gchar *) payload,
                           size);
    }

  collected_init (&c);
  demuxer = ff_docker_demuxer_new (TRUE, on_frame_raw, &c);
  while (pos < stream->len)
    {
      gsize n = MIN (step, stream->len - pos);
      g_assert_true (ff_docker_demuxer_push (demuxer, stream->data + pos, n, &error));
      g_assert_no_error (error);
      pos += n;
      step = step * 3 % 65521 + 5;
    }
  g_assert_cmpuint (ff_docker_demuxer_get_pending (demuxer), ==, 0);
  /* Frame 0 has size 0 and still counts as a frame. */
  g_assert_cmpuint (c.frames, ==, 200);
  g_assert_cmpuint (c.out->len, ==, want_out->len);
  g_assert_cmpuint (c.err->len, ==, want_err->len);
  g_assert_true (memcmp (c.out->str, want_out->str, want_out->len) == 0);
  g_assert_true (memcmp (c.err->str, want_err->str, want_err->len) == 0);
  collected_clear (&c);
}

/* A cut stream leaves the partial frame pending and delivers none of it. */
static void
test_demuxer_truncated (void)
{
  gsize cuts[] = { 3, 8, 20, sizeof (recorded) - 1 };

  for (guint i = 0; i < G_N_ELEMENTS (cuts); i++)
    {
      Collected c;
      g_autoptr (FfDockerDemuxer) demuxer = NULL;
      g_autoptr (GError) error = NULL;

      collected_init (&c);
      demuxer = ff_docker_demuxer_new (TRUE, on_frame_raw, &c);
      g_assert_true (ff_docker_demuxer_push (demuxer, recorded, cuts[i], &error));
      g_assert_no_error (error);
      g_assert_cmpuint (ff_docker_demuxer_get_pending (demuxer), >, 0);
      ff_docker_demuxer_flush (demuxer);
      g_assert_cmpuint (ff_docker_demuxer_get_pending (demuxer), ==, 0);
      /* Only whole frames came out: 4 of the 5 for the last cut. */
      g_assert_cmpuint (c.frames, ==, i == 3 ? 4 : 0);
      collected_clear (&c);
    }
}

static void
test_demuxer_malformed (void)
{
  static const guint8 text[] = "2026-11-28T13:10:07.368317297Z hello\n";
  static const guint8 systemerr[] = { 3, 0, 0, 0, 0, 0, 0, 4, 'o', 'o', 'p', 's' };
  Collected c;
  g_autoptr (FfDockerDemuxer) demuxer = NULL;
  g_autoptr (GError) error = NULL;

  collected_init (&c);
  demuxer = ff_docker_demuxer_new (TRUE, on_frame_raw, &c);
  g_assert_false (ff_docker_demuxer_push (demuxer, text, sizeof (text) - 1, &error));
  g_assert_error (error, FF_EXECUTOR_ERROR, FF_REASON_ENGINE_ERROR);
  g_clear_error (&error);

  ff_docker_demuxer_reset (demuxer);
  g_assert_false (ff_docker_demuxer_push (demuxer, systemerr, sizeof (systemerr), &error));
  g_assert_error (error, FF_EXECUTOR_ERROR, FF_REASON_ENGINE_ERROR);
  g_assert_nonnull (strstr (error->message, "oops"));
  g_assert_cmpuint (c.frames, ==, 0);
  collected_clear (&c);
}

/* With a TTY there are no frames; each timestamped message is a line. */
static void
test_demuxer_raw (void)
{
  static const gchar text[] = "2026-11-28T13:10:07.368317297Z a\n"
                              "2026-11-28T13:10:07.368317298Z bc\n"
                              "2026-11-28T13:10:08Z last";
  Collected c;
  g_autoptr (FfDockerDemuxer) demuxer = NULL;
  g_autoptr (GError) error = NULL;

  collected_init (&c);
  demuxer = ff_docker_demuxer_new (FALSE, on_frame, &c);
  for (gsize i = 0; i < strlen (text); i++)
    g_assert_true (ff_docker_demuxer_push (demuxer, (const guint8 *) text + i, 1, &error));
  g_assert_cmpstr (c.out->str, ==, "a\nbc\n");
  g_assert_cmpuint (ff_docker_demuxer_get_pending (demuxer), >, 0);
  ff_docker_demuxer_flush (demuxer);
  g_assert_cmpstr (c.out->str, ==, "a\nbc\nlast");
  g_assert_cmpuint (c.err->len, ==, 0);
  collected_clear (&c);
}

/* A request cut after every possible frame, resumed from since=: every
 * byte exactly once, although the engine repeats the message at since. */
#define MIB (1024 * 1024)
#define TS "2026-11-28T13:10:07.368317297Z "

/* The bytes of a payload, different at every position. */
static void
fill_payload (GByteArray *into, gsize from, gsize len)
{
  for (gsize i = from; i < from + len; i++)
    {
      guint8 b = (guint8) (i * 131 + i / 251);
      g_byte_array_append (into, &b, 1);
    }
}

/* A header that claims 4 GiB, then 3 MiB of it: the demuxer never holds
 * more than one piece, and what it delivered is exactly the payload so
 * far, timestamp stripped by the cursor. */
static void
test_demuxer_huge_frame (void)
{
  static const guint8 header[8] = { FF_STREAM_STDOUT, 0, 0, 0, 0xff, 0xff, 0xff, 0xff };
  g_autoptr (FfDockerDemuxer) demuxer = NULL;
  g_autoptr (GByteArray) sent = g_byte_array_new ();
  g_autoptr (GError) error = NULL;
  gsize max_pending = 0;
  Collected c;

  collected_init (&c);
  demuxer = ff_docker_demuxer_new (TRUE, on_frame, &c);
  g_assert_true (ff_docker_demuxer_push (demuxer, header, sizeof (header), &error));
  g_assert_true (ff_docker_demuxer_push (demuxer, (const guint8 *) TS, strlen (TS), &error));
  for (gsize done = 0; done < 3 * MIB; done += 50000)
    {
      g_autoptr (GByteArray) chunk = g_byte_array_new ();

      fill_payload (chunk, done, 50000);
      g_byte_array_append (sent, chunk->data, chunk->len);
      g_assert_true (ff_docker_demuxer_push (demuxer, chunk->data, chunk->len, &error));
      g_assert_no_error (error);
      max_pending = MAX (max_pending, ff_docker_demuxer_get_pending (demuxer));
    }
  g_test_message ("most held at once: %" G_GSIZE_FORMAT " bytes; delivered %" G_GSIZE_FORMAT,
                  max_pending, c.out->len);
  g_assert_cmpuint (max_pending, <=, 8 + FF_DOCKER_DEMUXER_MAX_PIECE);
  /* everything but the last piece being filled, byte for byte */
  g_assert_cmpuint (c.out->len, >, 3 * MIB - FF_DOCKER_DEMUXER_MAX_PIECE - strlen (TS));
  g_assert_true (memcmp (c.out->str, sent->data, c.out->len) == 0);
  g_assert_cmpuint (ff_docker_demuxer_get_pending (demuxer), >, 0);
  g_assert_cmpuint (c.frames, ==, 0);
  collected_clear (&c);
}

/* With a TTY, a line of 3 MiB without a newline (a progress bar): held a
 * piece at a time, delivered exactly and in order with the next line. */
static void
test_demuxer_long_raw_line (void)
{
  g_autoptr (FfDockerDemuxer) demuxer = NULL;
  g_autoptr (GByteArray) line = g_byte_array_new ();
  g_autoptr (GByteArray) want = g_byte_array_new ();
  g_autoptr (GError) error = NULL;
  static const gchar next[] = "\n2026-11-28T13:10:09Z next\n";
  gsize max_pending = 0;
  Collected c;

  g_byte_array_append (line, (const guint8 *) TS, strlen (TS));
  for (gsize done = 0; done < 3 * MIB; done += 4096)
    {
      g_autoptr (GByteArray) chunk = g_byte_array_new ();

      fill_payload (chunk, done, 4096);
      /* no newline in the line itself */
      for (guint i = 0; i < chunk->len; i++)
        chunk->data[i] = chunk->data[i] == '\n' ? 'n' : chunk->data[i];
      g_byte_array_append (line, chunk->data, chunk->len);
      g_byte_array_append (want, chunk->data, chunk->len);
    }
  g_byte_array_append (line, (const guint8 *) next, strlen (next));
  g_byte_array_append (want, (const guint8 *) "\nnext\n", 6);

  collected_init (&c);
  demuxer = ff_docker_demuxer_new (FALSE, on_frame, &c);
  for (gsize pos = 0; pos < line->len; pos += 30000)
    {
      g_assert_true (
          ff_docker_demuxer_push (demuxer, line->data + pos, MIN (30000, line->len - pos), &error));
      max_pending = MAX (max_pending, ff_docker_demuxer_get_pending (demuxer));
    }
  g_test_message ("most held at once: %" G_GSIZE_FORMAT " bytes", max_pending);
  g_assert_cmpuint (max_pending, <=, 8 + FF_DOCKER_DEMUXER_MAX_PIECE);
  g_assert_cmpuint (ff_docker_demuxer_get_pending (demuxer), ==, 0);
  g_assert_cmpuint (c.out->len, ==, want->len);
  g_assert_true (memcmp (c.out->str, want->data, want->len) == 0);
  g_assert_cmpuint (c.frames, ==, 2);
  collected_clear (&c);
}

/* A big frame cut after some of its pieces went out: the resumed request
 * sends it whole again, and only its rest is delivered. */
static void
test_cursor_resume_in_piece (void)
{
  static const gsize sizes[] = { 200 * 1024, 100, 150 * 1024 };
  static const gsize cuts[] = { 8 + 31 + 70 * 1024, 8 + 31 + 150 * 1024, 200 * 1024 + 39 + 20 };
  g_autoptr (GByteArray) stream = g_byte_array_new ();
  g_autoptr (GByteArray) want = g_byte_array_new ();

  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autofree gchar *ts = g_strdup_printf ("2026-11-28T13:10:0%u.000000001Z ", i);
      gsize size = strlen (ts) + sizes[i];
      guint8 header[8] = { FF_STREAM_STDOUT, 0, 0, 0, size >> 24, size >> 16, size >> 8, size };
      g_autoptr (GByteArray) payload = g_byte_array_new ();

      fill_payload (payload, i * 1000, sizes[i]);
      g_byte_array_append (stream, header, 8);
      g_byte_array_append (stream, (const guint8 *) ts, strlen (ts));
      g_byte_array_append (stream, payload->data, payload->len);
      g_byte_array_append (want, payload->data, payload->len);
    }
  for (guint i = 0; i < G_N_ELEMENTS (cuts); i++)
    {
      g_autoptr (FfDockerDemuxer) demuxer = NULL;
      g_autoptr (GError) error = NULL;
      Collected c;

      collected_init (&c);
      demuxer = ff_docker_demuxer_new (TRUE, on_frame, &c);
      for (gsize pos = 0; pos < cuts[i]; pos += 8192)
        g_assert_true (ff_docker_demuxer_push (demuxer, stream->data + pos,
                                               MIN (8192, cuts[i] - pos), &error));
      g_assert_cmpuint (ff_docker_demuxer_get_pending (demuxer), >, 0);
      /* the engine sends everything again from the start (since=0) */
      ff_docker_demuxer_reset (demuxer);
      ff_docker_log_cursor_rewind (c.cursor);
      for (gsize pos = 0; pos < stream->len; pos += 8192)
        g_assert_true (ff_docker_demuxer_push (demuxer, stream->data + pos,
                                               MIN (8192, stream->len - pos), &error));
      g_assert_no_error (error);
      g_assert_cmpuint (c.out->len, ==, want->len);
      g_assert_true (memcmp (c.out->str, want->data, want->len) == 0);
      collected_clear (&c);
    }
}

static void
test_cursor_resume (void)
{
  /* Frame boundaries of the recording. */
  g_autoptr (GArray) ends = g_array_new (FALSE, FALSE, sizeof (gsize));
  gsize pos = 0;

  while (pos < sizeof (recorded))
    {
      pos += 8 + (((gsize) recorded[pos + 6]) << 8 | recorded[pos + 7]);
      g_array_append_val (ends, pos);
    }
  g_assert_cmpuint (ends->len, ==, 5);

  for (guint cut = 0; cut < ends->len; cut++)
    {
      for (gsize extra = 0; extra < 12; extra++)
        {
          Collected c;
          g_autoptr (FfDockerDemuxer) demuxer = NULL;
          g_autoptr (GError) error = NULL;
          g_autofree gchar *since = NULL;
          gsize first = MIN (g_array_index (ends, gsize, cut) + extra, sizeof (recorded));
          gsize resume_at = 0;

          collected_init (&c);
          demuxer = ff_docker_demuxer_new (TRUE, on_frame, &c);
          g_assert_true (ff_docker_demuxer_push (demuxer, recorded, first, &error));

          /* The engine answers since=T with every message at or after T. */
          since = ff_docker_log_cursor_dup_since (c.cursor);
          g_assert_nonnull (since);
          for (guint i = 0; i < ends->len; i++)
            {
              gsize start = i == 0 ? 0 : g_array_index (ends, gsize, i - 1);
              g_autofree gchar *ts = g_strndup ((const gchar *) recorded + start + 8, 30);
              g_autoptr (GDateTime) dt = g_date_time_new_from_iso8601 (ts, NULL);
              g_autofree gchar *frame_time =
                  g_strdup_printf ("%" G_GINT64_FORMAT ".%s", g_date_time_to_unix (dt), ts + 20);
              frame_time[strlen (frame_time) - 1] = '\0'; /* the Z */
              if (g_strcmp0 (frame_time, since) >= 0)
                {
                  resume_at = start;
                  break;
                }
            }
          ff_docker_demuxer_reset (demuxer);
          ff_docker_log_cursor_rewind (c.cursor);
          g_assert_true (ff_docker_demuxer_push (demuxer, recorded + resume_at,
                                                 sizeof (recorded) - resume_at, &error));
          g_assert_no_error (error);
          g_assert_cmpstr (c.out->str, ==, recorded_stdout);
          g_assert_cmpstr (c.err->str, ==, recorded_stderr);
          collected_clear (&c);
        }
    }
}

/* Several messages with the same nanosecond: skipped by count. */
static void
test_cursor_same_time (void)
{
  const gchar *msgs[] = {
    "2026-11-28T13:10:07.000000001Z a",
    "2026-11-28T13:10:07.000000001Z b",
    "2026-11-28T13:10:07.000000001Z c",
    "2026-11-28T13:10:07.000000002Z d",
  };
  g_autoptr (FfDockerLogCursor) cursor = ff_docker_log_cursor_new ();
  g_autoptr (GString) got = g_string_new (NULL);
  g_autofree gchar *since = NULL;

  g_assert_null (ff_docker_log_cursor_dup_since (cursor));
  for (guint round = 0; round < 2; round++)
    {
      /* First a, b; then the engine starts again at a. */
      guint from = 0, to = round == 0 ? 2 : G_N_ELEMENTS (msgs);
      for (guint i = from; i < to; i++)
        {
          gsize offset;
          gboolean is_new;
          g_assert_true (ff_docker_log_cursor_take (cursor, FF_STREAM_STDOUT,
                                                    (const guint8 *) msgs[i], strlen (msgs[i]),
                                                    &offset, &is_new, NULL));
          if (is_new)
            g_string_append (got, msgs[i] + offset);
        }
      since = ff_docker_log_cursor_dup_since (cursor);
      g_assert_cmpstr (since, ==, round == 0 ? "1795871405.000000001" : "1795871405.000000002");
      g_clear_pointer (&since, g_free);
      ff_docker_log_cursor_rewind (cursor);
    }
  g_assert_cmpstr (got->str, ==, "abcd");
}

static void
test_cursor_zones (void)
{
  const gchar *utc = "2026-11-28T13:10:07.5Z x";
  const gchar *cet = "2026-11-28T14:10:07.500000000+01:00 y";
  const gchar *bad = "yesterday x";
  g_autoptr (FfDockerLogCursor) cursor = ff_docker_log_cursor_new ();
  g_autoptr (GError) error = NULL;
  g_autofree gchar *since = NULL;
  gsize offset;
  gboolean is_new;

  g_assert_true (ff_docker_log_cursor_take (cursor, FF_STREAM_STDOUT, (const guint8 *) utc,
                                            strlen (utc), &offset, &is_new, NULL));
  g_assert_true (is_new);
  g_assert_cmpuint (offset, ==, strlen (utc) - 1);
  /* The same instant in another zone is the same time. */
  g_assert_true (ff_docker_log_cursor_take (cursor, FF_STREAM_STDOUT, (const guint8 *) cet,
                                            strlen (cet), &offset, &is_new, NULL));
  g_assert_true (is_new);
  since = ff_docker_log_cursor_dup_since (cursor);
  g_assert_cmpstr (since, ==, "1795871405.500000000");
  g_assert_false (ff_docker_log_cursor_take (cursor, FF_STREAM_STDOUT, (const guint8 *) bad,
                                             strlen (bad), &offset, &is_new, &error));
  g_assert_error (error, FF_EXECUTOR_ERROR, FF_REASON_ENGINE_ERROR);
}

/* The engine stamps stdout and stderr apart, so its log is not quite in
 * time order across them: b (stdout) follows the later X (stderr). And the
 * pieces of a line longer than 16 KB all carry the time of the first:
 * "line\n" is written 5 s after its time. Cut anywhere, a resumed request
 * must still bring everything, and only once. */
static void
test_cursor_out_of_order (void)
{
  struct
  {
    FfStream stream;
    gint64 ns; /* after 2026-11-28T13:10:07Z */
    const gchar *text;
  } log[] = {
    { FF_STREAM_STDOUT, 10, "a\n" },         { FF_STREAM_STDERR, 30, "X\n" },
    { FF_STREAM_STDOUT, 20, "b\n" },         { FF_STREAM_STDERR, 35, "a-long-" },
    { FF_STREAM_STDOUT, 5000000040, "c\n" }, { FF_STREAM_STDERR, 35, "line\n" },
    { FF_STREAM_STDERR, 5000000045, "Y\n" }, { FF_STREAM_STDOUT, 5000000050, "d\n" },
  };
  const gint64 base_ns = G_GINT64_CONSTANT (1795871407) * 1000000000;

  for (guint cut = 0; cut <= G_N_ELEMENTS (log); cut++)
    {
      g_autoptr (FfDockerLogCursor) cursor = ff_docker_log_cursor_new ();
      g_autoptr (GString) out = g_string_new (NULL);
      g_autoptr (GString) err = g_string_new (NULL);
      gint64 since_ns = 0;

      for (guint round = 0; round < 2; round++)
        {
          g_autofree gchar *since = NULL;

          for (guint i = 0; i < (round == 0 ? cut : G_N_ELEMENTS (log)); i++)
            {
              gint64 sec = 7 + log[i].ns / 1000000000;
              g_autofree gchar *msg = g_strdup_printf ("2026-11-28T13:10:%02" G_GINT64_FORMAT
                                                       ".%09" G_GINT64_FORMAT "Z %s",
                                                       sec, log[i].ns % 1000000000, log[i].text);
              gsize offset;
              gboolean is_new;

              /* What the engine does with since=: older messages stay away. */
              if (round == 1 && base_ns + log[i].ns < since_ns)
                continue;
              g_assert_true (ff_docker_log_cursor_take (cursor, log[i].stream, (const guint8 *) msg,
                                                        strlen (msg), &offset, &is_new, NULL));
              if (is_new)
                g_string_append (log[i].stream == FF_STREAM_STDERR ? err : out, msg + offset);
            }
          since = ff_docker_log_cursor_dup_since (cursor);
          if (since != NULL)
            {
              gint64 sec = 0, nsec = 0;
              g_assert_cmpint (
                  sscanf (since, "%" G_GINT64_FORMAT ".%" G_GINT64_FORMAT, &sec, &nsec), ==, 2);
              since_ns = sec * 1000000000 + nsec;
            }
          ff_docker_log_cursor_rewind (cursor);
        }
      g_assert_cmpstr (out->str, ==, "a\nb\nc\nd\n");
      g_assert_cmpstr (err->str, ==, "X\na-long-line\nY\n");
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/docker-demuxer/whole", test_demuxer_whole);
  g_test_add_func ("/docker-demuxer/split-everywhere", test_demuxer_split_everywhere);
  g_test_add_func ("/docker-demuxer/byte-by-byte", test_demuxer_byte_by_byte);
  g_test_add_func ("/docker-demuxer/interleaved-large", test_demuxer_interleaved_large);
  g_test_add_func ("/docker-demuxer/truncated", test_demuxer_truncated);
  g_test_add_func ("/docker-demuxer/malformed", test_demuxer_malformed);
  g_test_add_func ("/docker-demuxer/raw", test_demuxer_raw);
  g_test_add_func ("/docker-demuxer/huge-frame", test_demuxer_huge_frame);
  g_test_add_func ("/docker-demuxer/long-raw-line", test_demuxer_long_raw_line);
  g_test_add_func ("/docker-log-cursor/resume-in-piece", test_cursor_resume_in_piece);
  g_test_add_func ("/docker-log-cursor/resume", test_cursor_resume);
  g_test_add_func ("/docker-log-cursor/same-time", test_cursor_same_time);
  g_test_add_func ("/docker-log-cursor/zones", test_cursor_zones);
  g_test_add_func ("/docker-log-cursor/out-of-order", test_cursor_out_of_order);
  return g_test_run ();
}
