/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#include "ff-test-util.h"

/* Waiting on the main loop, with a safety timeout that fails the test. */

static gboolean
on_timeout (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

gboolean
ff_test_is_set (gpointer flag)
{
  return *(const gboolean *) flag;
}

void
ff_test_wait_until_within (FfTestCheck check, gpointer data, guint seconds, const gchar *what)
{
  gboolean timed_out = FALSE;
  guint timeout = g_timeout_add_seconds (seconds, on_timeout, &timed_out);

  while (!check (data) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (timed_out)
    g_error ("timed out after %u s waiting for %s", seconds, what);
  g_source_remove (timeout);
}

void
ff_test_wait_until (FfTestCheck check, gpointer data, const gchar *what)
{
  ff_test_wait_until_within (check, data, FF_TEST_WAIT_TIMEOUT_S, what);
}

void
ff_test_wait_for_flag (const gboolean *flag)
{
  ff_test_wait_until (ff_test_is_set, (gpointer) flag, "an event");
}

typedef struct
{
  FfTestCheck check;
  gpointer data;
  gboolean done;
} Poll;

static gboolean
on_poll (gpointer user_data)
{
  Poll *poll = user_data;

  if (!poll->check (poll->data))
    return G_SOURCE_CONTINUE;
  poll->done = TRUE;
  return G_SOURCE_REMOVE;
}

void
ff_test_poll_until (FfTestCheck check, gpointer data)
{
  Poll poll = { check, data, FALSE };
  guint id = g_timeout_add (100, on_poll, &poll);

  ff_test_wait_until (ff_test_is_set, &poll.done, "a condition to hold");
  (void) id;
}

typedef struct
{
  GString *text;
  gboolean eof;
  gboolean timed_out;
} Reader;

static void
on_text_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Reader *reader = user_data;
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GError) error = NULL;

  bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &error);
  g_assert_no_error (error);
  if (g_bytes_get_size (bytes) == 0)
    reader->eof = TRUE;
  else
    g_string_append_len (reader->text, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
}

static gboolean
has_text (GString *buffer, const gchar *text)
{
  return text != NULL && strstr (buffer->str, text) != NULL;
}

void
ff_test_wait_for_text (GInputStream *stream, GString *buffer, const gchar *text)
{
  Reader reader = { .text = buffer };
  guint timeout = g_timeout_add_seconds (FF_TEST_WAIT_TIMEOUT_S, on_timeout, &reader.timed_out);

  while (!has_text (buffer, text) && !reader.eof && !reader.timed_out)
    {
      gsize before = buffer->len;

      g_input_stream_read_bytes_async (stream, 4096, G_PRIORITY_DEFAULT, NULL, on_text_read,
                                       &reader);
      while (buffer->len == before && !reader.eof && !reader.timed_out)
        g_main_context_iteration (NULL, TRUE);
    }
  g_assert_false (reader.timed_out);
  if (text != NULL)
    g_assert_nonnull (strstr (buffer->str, text));
  g_source_remove (timeout);
}

static void
on_wait_exited (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
}

void
ff_test_wait_for_exit (GSubprocess *proc)
{
  gboolean exited = FALSE;

  g_subprocess_wait_async (proc, NULL, on_wait_exited, &exited);
  ff_test_wait_until (ff_test_is_set, &exited, "a process to exit");
}

void
ff_test_remove_tree (const gchar *path)
{
  g_autoptr (GDir) dir = NULL;
  const gchar *name;

  if (!g_file_test (path, G_FILE_TEST_IS_DIR) || g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      g_remove (path);
      return;
    }
  dir = g_dir_open (path, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree gchar *child = g_build_filename (path, name, NULL);
      ff_test_remove_tree (child);
    }
  g_rmdir (path);
}

guint64
ff_test_memory_bytes (GSubprocess *proc, const gchar *field)
{
  g_autofree gchar *path = g_strdup_printf ("/proc/%s/status", g_subprocess_get_identifier (proc));
  g_autofree gchar *key = g_strconcat ("\n", field, ":", NULL);
  g_autofree gchar *status = NULL;
  const gchar *line;

  g_assert_true (g_file_get_contents (path, &status, NULL, NULL));
  line = strstr (status, key);
  g_assert_nonnull (line);
  return g_ascii_strtoull (line + strlen (key), NULL, 10) * 1024;
}

/* A test that fails aborts without cleaning up; a child must not outlive
 * it and keep the test's output pipes open. */
void
ff_test_die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

guint16
ff_test_free_port (void)
{
  g_autoptr (GSocketListener) listener = g_socket_listener_new ();
  g_autoptr (GError) error = NULL;
  guint16 port = g_socket_listener_add_any_inet_port (listener, NULL, &error);

  g_assert_no_error (error);
  g_socket_listener_close (listener);
  return port;
}

gchar *
ff_test_run_python (const gchar *script, const gchar *const *args, const gchar *input)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  g_auto (GStrv) argv = NULL;
  g_autoptr (GSubprocess) proc = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;

  g_strv_builder_add_many (builder, "python3", "-c", script, NULL);
  if (args != NULL)
    g_strv_builder_addv (builder, (const gchar **) args);
  argv = g_strv_builder_end (builder);
  proc = g_subprocess_newv ((const gchar *const *) argv,
                            G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                G_SUBPROCESS_FLAGS_STDERR_PIPE,
                            &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, input, NULL, &out, &err, &error);
  g_assert_no_error (error);
  if (!g_subprocess_get_successful (proc))
    g_error ("python3 failed (python3-cryptography is installed by scripts/install-deps): %s", err);
  return g_steal_pointer (&out);
}

gchar *
ff_test_python_fernet (const gchar *op, const gchar *key, const gchar *text)
{
  const gchar *args[] = { op, key, NULL };

  /* the text on stdin: any bytes, and not in ps */
  return ff_test_run_python ("import sys\nfrom cryptography.fernet import Fernet\n"
                             "f = getattr(Fernet(sys.argv[2].encode()), sys.argv[1])\n"
                             "sys.stdout.buffer.write(f(sys.stdin.buffer.read()))\n",
                             args, text);
}

static gboolean
file_contains (const gchar *path, const gchar *needle)
{
  g_autofree gchar *contents = NULL;
  gsize len;

  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
  return memmem (contents, len, needle, strlen (needle)) != NULL;
}

void
ff_test_assert_nowhere_in (const gchar *dir, const gchar *needle)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const gchar *name;

  g_assert_nonnull (d);
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree gchar *path = g_build_filename (dir, name, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        ff_test_assert_nowhere_in (path, needle);
      else if (file_contains (path, needle))
        g_error ("%s holds the secret %s in clear", path, needle);
    }
}

static GLogWriterOutput
record_warning (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  GPtrArray *warnings = user_data;
  const gchar *domain = NULL;
  const gchar *message = NULL;

  for (gsize i = 0; i < n_fields; i++)
    {
      if (g_strcmp0 (fields[i].key, "GLIB_DOMAIN") == 0)
        domain = fields[i].value;
      else if (g_strcmp0 (fields[i].key, "MESSAGE") == 0)
        message = fields[i].value;
    }
  if ((level & G_LOG_LEVEL_WARNING) != 0 && g_strcmp0 (domain, "fastflowd") == 0)
    {
      g_ptr_array_add (warnings, g_strdup (message));
      return G_LOG_WRITER_HANDLED;
    }
  return g_log_writer_default (level, fields, n_fields, NULL);
}

GPtrArray *
ff_test_record_daemon_warnings (void)
{
  GPtrArray *warnings = g_ptr_array_new_with_free_func (g_free);

  g_log_set_writer_func (record_warning, warnings, NULL);
  return warnings;
}
