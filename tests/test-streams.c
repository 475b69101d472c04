/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The pipeline's stderr stays on stderr: the log keeps which stream each
 * piece came from, `run`, `logs` and `logs -f` write each to its own
 * descriptor, `logs --merged` keeps the single stream, and D-Bus clients
 * read the stream changes (ReadStreams). */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "ff-dbus-generated.h"
#include "ff-test-daemon.h"

/* Lines on both streams, one after the other. Two pipes are read apart, so
 * only the order within each stream is certain, not the order between. */
#define MIXED "echo out1\necho err1 >&2\necho out2\necho err2 >&2\necho out3\n"
#define MIXED_OUT "out1\nout2\nout3\n"
#define MIXED_ERR "err1\nerr2\n"

/* The lines of @text that start with @prefix, in order. */
static gchar *
lines_with (const gchar *text, const gchar *prefix)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  GString *picked = g_string_new (NULL);

  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], prefix))
      g_string_append_printf (picked, "%s\n", lines[i]);
  return g_string_free (picked, FALSE);
}

static void
test_run_and_logs (void)
{
  g_autoptr (FfTestDaemon) d = ff_test_daemon_new ();
  g_autofree gchar *out = NULL, *err = NULL, *picked = NULL;

  ff_test_daemon_add_pipeline (d, "mixed", "main.sh", MIXED, NULL);
  ff_test_daemon_start (d, NULL);

  /* run: stdout has the stdout lines only; stderr the stderr lines, in
   * order, between fastflowctl's own lines */
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "run", "mixed", NULL), ==, 0);
  g_assert_cmpstr (out, ==, MIXED_OUT);
  g_assert_nonnull (strstr (err, MIXED_ERR));
  g_assert_null (strstr (err, "out"));

  /* logs: the same, once the run is over */
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "logs", "1", NULL), ==, 0);
  g_assert_cmpstr (out, ==, MIXED_OUT);
  g_assert_cmpstr (err, ==, MIXED_ERR);

  /* logs --merged: today's single stream, all of it on stdout */
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "logs", "--merged", "1", NULL), ==, 0);
  g_assert_cmpstr (err, ==, "");
  g_assert_cmpuint (strlen (out), ==, strlen (MIXED_OUT MIXED_ERR));
  picked = lines_with (out, "out");
  g_assert_cmpstr (picked, ==, MIXED_OUT);
  g_clear_pointer (&picked, g_free);
  picked = lines_with (out, "err");
  g_assert_cmpstr (picked, ==, MIXED_ERR);
}

/* The log over the bus, and ReadStreams' changes applied to it. */
static void
test_read_streams (void)
{
  g_autoptr (FfTestDaemon) d = ff_test_daemon_new ();
  g_autofree gchar *out = NULL, *err = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (FfDBusRun) run = NULL;
  g_autoptr (GVariant) data = NULL, changes = NULL, later = NULL;
  g_autoptr (GString) out_part = g_string_new (NULL);
  g_autoptr (GString) err_part = g_string_new (NULL);
  guint64 next = 0, offset;
  gboolean complete = FALSE;
  gsize len;
  const gchar *log;
  guint32 stream;
  GVariantIter iter;

  ff_test_daemon_add_pipeline (d, "mixed", "main.sh", MIXED, NULL);
  ff_test_daemon_start (d, NULL);
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "run", "mixed", NULL), ==, 0);

  run = ff_dbus_run_proxy_new_sync (d->connection, G_DBUS_PROXY_FLAGS_NONE,
                                    "org.fastflow.Orchestrator1",
                                    "/org/fastflow/Orchestrator1/Run/1", NULL, &error);
  g_assert_no_error (error);
  ff_dbus_run_call_read_log_sync (run, 0, 4096, &data, &next, &complete, NULL, &error);
  g_assert_no_error (error);
  log = g_variant_get_fixed_array (data, &len, 1);
  g_assert_true (complete);
  g_assert_cmpuint (len, ==, strlen (MIXED_OUT MIXED_ERR));
  ff_dbus_run_call_read_streams_sync (run, 0, &changes, NULL, &error);
  g_assert_no_error (error);

  /* each change holds from its offset up to the next one */
  g_assert_cmpuint (g_variant_n_children (changes), >=, 2);
  g_variant_iter_init (&iter, changes);
  g_assert_true (g_variant_iter_next (&iter, "(tu)", &offset, &stream));
  g_assert_cmpuint (offset, ==, 0);
  for (;;)
    {
      guint64 to;
      guint32 to_stream;
      gboolean more = g_variant_iter_next (&iter, "(tu)", &to, &to_stream);

      if (!more)
        to = len;
      g_assert_true (stream == 1 || stream == 2);
      g_assert_cmpuint (to, >=, offset);
      g_string_append_len (stream == 2 ? err_part : out_part, log + offset, (gssize) (to - offset));
      if (!more)
        break;
      offset = to;
      stream = to_stream;
    }
  g_assert_cmpstr (out_part->str, ==, MIXED_OUT);
  g_assert_cmpstr (err_part->str, ==, MIXED_ERR);

  /* from an offset on: first the stream of the byte there */
  ff_dbus_run_call_read_streams_sync (run, len, &later, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_variant_n_children (later), ==, 1);
}

static void
test_follow_live (void)
{
  g_autoptr (FfTestDaemon) d = ff_test_daemon_new ();
  g_autoptr (GSubprocessLauncher) launcher =
      g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr (GSubprocess) proc = NULL;
  g_autoptr (GString) out_text = g_string_new (NULL);
  g_autoptr (GString) err_text = g_string_new (NULL);
  g_autofree gchar *gate = NULL, *script = NULL, *out = NULL, *err = NULL;

  gate = g_build_filename (d->tmpdir, "gate", NULL);
  /* the run waits for the test, which has seen its first lines live */
  script = g_strdup_printf ("echo out1\necho err1 >&2\n"
                            "while [ ! -e '%s' ]; do sleep 0.05; done\n"
                            "echo out2\necho err2 >&2\nexit 4\n",
                            gate);
  ff_test_daemon_add_pipeline (d, "gated", "main.sh", script, NULL);
  ff_test_daemon_start (d, NULL);
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "run", "--detach", "gated", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "1\n");

  proc = ff_test_daemon_spawn_ctl (d, launcher, "logs", "-f", "1", NULL);
  ff_test_wait_for_text (g_subprocess_get_stdout_pipe (proc), out_text, "out1\n");
  ff_test_wait_for_text (g_subprocess_get_stderr_pipe (proc), err_text, "err1\n");
  g_assert_true (g_file_set_contents (gate, "", 0, NULL));
  ff_test_wait_for_text (g_subprocess_get_stdout_pipe (proc), out_text, NULL);
  ff_test_wait_for_text (g_subprocess_get_stderr_pipe (proc), err_text, NULL);
  ff_test_wait_for_exit (proc);
  g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 4);
  g_assert_cmpstr (out_text->str, ==, "out1\nout2\n");
  g_assert_cmpstr (err_text->str, ==, "err1\nerr2\n");
}

/* Secrets are hidden on both streams, also one the run writes in two
 * pieces; and nowhere in the state folder. */
static void
test_secrets_masked (void)
{
  g_autoptr (FfTestDaemon) d = ff_test_daemon_new ();
  g_autofree gchar *out = NULL, *err = NULL;
  g_autofree gchar *stars = g_strnfill (strlen ("tok-s3cr3t-value"), '*');
  g_autofree gchar *want_out = g_strdup_printf ("a=%s\n", stars);
  g_autofree gchar *want_err = g_strdup_printf ("b=%s\n%s\n", stars, stars);

  ff_test_daemon_add_pipeline (d, "secret", "main.sh",
                               "printf 'a=%s\\n' \"$TOKEN\"\n"
                               "printf 'b=%s\\n' \"$TOKEN\" >&2\n"
                               "printf '%s' \"${TOKEN%%-*}\" >&2\n"
                               "printf '%s\\n' \"-${TOKEN#*-}\" >&2\n",
                               "pipeline.json", "{\"secrets\": {\"TOKEN\": \"tok-s3cr3t-value\"}}",
                               NULL);
  ff_test_daemon_start (d, NULL);
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "run", "secret", NULL), ==, 0);
  g_assert_cmpstr (out, ==, want_out);
  g_assert_nonnull (strstr (err, want_err));
  g_assert_null (strstr (err, "s3cr3t"));
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "logs", "1", NULL), ==, 0);
  g_assert_cmpstr (out, ==, want_out);
  g_assert_cmpstr (err, ==, want_err);
  ff_test_daemon_stop (d);
  ff_test_assert_nowhere_in (d->state_dir, "tok-s3cr3t-value");
}

int
main (int argc, char **argv)
{
  g_setenv ("LANGUAGE", "en", TRUE);
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/streams/run-and-logs", test_run_and_logs);
  g_test_add_func ("/streams/read-streams", test_read_streams);
  g_test_add_func ("/streams/follow-live", test_follow_live);
  g_test_add_func ("/streams/secrets-masked", test_secrets_masked);
  return g_test_run ();
}
