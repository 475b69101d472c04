/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What a new user and an operator see: the pipelines folder named and
 * made, warnings shown, runs in the journal with their fields, SIGHUP. */
#include "config.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "ff-test-daemon.h"

/* fastflowd's stderr goes to a file, with every log entry's fields in the
 * journal's export format (FASTFLOW_LOG_FIELDS). */
typedef struct
{
  FfTestDaemon *d;
  gchar *log_path;
} Logged;

static void
start_logged (Logged *l, const gchar *first_arg, ...)
{
  gint saved = dup (STDERR_FILENO);
  gint fd;

  l->log_path = g_build_filename (l->d->tmpdir, "fastflowd.log", NULL);
  fd = open (l->log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  g_assert_cmpint (fd, >=, 0);
  g_setenv ("FASTFLOW_LOG_FIELDS", "1", TRUE);
  /* the daemon inherits the test's stderr: for its start, the file */
  g_assert_cmpint (dup2 (fd, STDERR_FILENO), ==, STDERR_FILENO);
  ff_test_daemon_start (l->d, first_arg, NULL);
  g_assert_cmpint (dup2 (saved, STDERR_FILENO), ==, STDERR_FILENO);
  close (saved);
  close (fd);
  g_unsetenv ("FASTFLOW_LOG_FIELDS");
}

static void
logged_clear (Logged *l)
{
  g_clear_pointer (&l->d, ff_test_daemon_free);
  g_clear_pointer (&l->log_path, g_free);
}

static gchar *
read_log (Logged *l)
{
  gchar *text = NULL;

  g_assert_true (g_file_get_contents (l->log_path, &text, NULL, NULL));
  return text;
}

/* The entries (blank-line separated) that have every one of @fields
 * (NULL-terminated KEY=VALUE lines). */
static guint
count_entries (const gchar *log, const gchar *const *fields)
{
  g_auto (GStrv) entries = g_strsplit (log, "\n\n", -1);
  guint n = 0;

  for (guint i = 0; entries[i] != NULL; i++)
    {
      g_autofree gchar *entry = g_strconcat ("\n", entries[i], "\n", NULL);
      gboolean all = TRUE;

      for (guint j = 0; fields[j] != NULL && all; j++)
        {
          g_autofree gchar *line = g_strconcat ("\n", fields[j], "\n", NULL);
          all = strstr (entry, line) != NULL;
        }
      n += all;
    }
  return n;
}

typedef struct
{
  Logged *l;
  const gchar *const *fields;
} EntryWait;

static gboolean
has_entry (gpointer data)
{
  EntryWait *wait = data;
  g_autofree gchar *log = read_log (wait->l);

  return count_entries (log, wait->fields) > 0;
}

static void
wait_for_entry (Logged *l, const gchar *const *fields)
{
  EntryWait wait = { l, fields };

  ff_test_poll_until (has_entry, &wait);
}

typedef struct
{
  FfTestDaemon *d;
  const gchar *name;
} ListedWait;

static gboolean
is_listed (gpointer data)
{
  ListedWait *wait = data;
  g_autofree gchar *out = NULL, *err = NULL;
  g_autofree gchar *quoted = g_strdup_printf ("\"name\" : \"%s\"", wait->name);

  g_assert_cmpint (ff_test_daemon_ctl (wait->d, &out, &err, "pipelines", "--json", NULL), ==, 0);
  return strstr (out, quoted) != NULL;
}

/* A pipelines folder that is not there yet: the daemon makes it and
 * watches it, and the empty list says where pipelines go. */
static void
test_folder_made_and_named (void)
{
  g_autoptr (FfTestDaemon) d = ff_test_daemon_new ();
  g_autofree gchar *out = NULL, *err = NULL;
  g_autofree gchar *dir = g_build_filename (d->tmpdir, "not-yet", "pipelines", NULL);
  g_autofree gchar *arg = g_strdup_printf ("--pipelines-dir=%s", dir);
  g_autofree gchar *script = NULL;
  ListedWait wait = { d, "first" };

  ff_test_daemon_start (d, arg, NULL);
  g_assert_true (g_file_test (dir, G_FILE_TEST_IS_DIR));
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "pipelines", NULL), ==, 0);
  g_test_message ("%s", out);
  g_assert_nonnull (strstr (out, dir));

  /* a pipeline put there is seen without a reload */
  script = g_build_filename (dir, "first", NULL);
  g_assert_cmpint (g_mkdir (script, 0755), ==, 0);
  g_free (script);
  script = g_build_filename (dir, "first", "main.sh", NULL);
  g_assert_true (g_file_set_contents (script, "true\n", -1, NULL));
  ff_test_poll_until (is_listed, &wait);
}

/* Warnings are in the table and in the daemon's log, once per change. */
static void
test_warnings_shown (void)
{
  Logged l = { ff_test_daemon_new (), NULL };
  g_autofree gchar *out = NULL, *err = NULL;
  g_autofree gchar *log = NULL;
  const gchar *const warned[] = { "FASTFLOW_PIPELINE=typo", "PRIORITY=4", NULL };

  ff_test_daemon_add_pipeline (l.d, "typo", "main.sh", "true\n", "pipeline.json",
                               "{\"tmeout\": 5}\n", NULL);
  start_logged (&l, NULL);
  g_assert_cmpint (ff_test_daemon_ctl (l.d, &out, &err, "pipelines", NULL), ==, 0);
  g_test_message ("%s", out);
  g_assert_nonnull (strstr (out, "tmeout"));

  /* scans that change nothing say nothing again */
  g_assert_cmpint (ff_test_daemon_ctl (l.d, &out, &err, "reload", NULL), ==, 0);
  g_assert_cmpint (ff_test_daemon_ctl (l.d, &out, &err, "reload", NULL), ==, 0);
  log = read_log (&l);
  g_test_message ("%s", log);
  g_assert_nonnull (strstr (log, "tmeout"));
  g_assert_cmpuint (count_entries (log, warned), ==, 1);
  logged_clear (&l);
}

/* Each run's end and each refusal is an entry with fields to match on. */
static void
test_journal_fields (void)
{
  Logged l = { ff_test_daemon_new (), NULL };
  g_autofree gchar *out = NULL, *err = NULL;
  g_autofree gchar *log = NULL;
  const gchar *const failed[] = { "FASTFLOW_PIPELINE=three",      "FASTFLOW_RUN_ID=1",
                                  "FASTFLOW_STATE=failed",        "FASTFLOW_EXIT_CODE=3",
                                  "FASTFLOW_TRIGGERED_BY=manual", NULL };
  const gchar *const succeeded[] = { "FASTFLOW_PIPELINE=ok", "FASTFLOW_RUN_ID=2",
                                     "FASTFLOW_STATE=succeeded", "FASTFLOW_EXIT_CODE=0", NULL };
  const gchar *const refused[] = { "FASTFLOW_PIPELINE=nope", "FASTFLOW_STATE=refused",
                                   "FASTFLOW_REASON=NoSuchPipeline", NULL };

  ff_test_daemon_add_pipeline (l.d, "three", "main.sh", "exit 3\n", NULL);
  ff_test_daemon_add_pipeline (l.d, "ok", "main.sh", "true\n", NULL);
  start_logged (&l, NULL);
  g_assert_cmpint (ff_test_daemon_ctl (l.d, &out, &err, "run", "three", NULL), ==, 3);
  g_assert_cmpint (ff_test_daemon_ctl (l.d, &out, &err, "run", "ok", NULL), ==, 0);
  g_assert_cmpint (ff_test_daemon_ctl (l.d, &out, &err, "run", "nope", NULL), !=, 0);
  wait_for_entry (&l, failed);
  wait_for_entry (&l, succeeded);
  wait_for_entry (&l, refused);
  log = read_log (&l);
  g_test_message ("%s", log);
  g_assert_nonnull (strstr (log, "MESSAGE=Run 1 of three failed"));
  logged_clear (&l);
}

/* An HTTP request to 127.0.0.1:@port; returns the status line. */
static gchar *
http_post (guint16 port, const gchar *path)
{
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GSocketConnection) connection = NULL;
  g_autoptr (GDataInputStream) in = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *request = g_strdup_printf ("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                               "Content-Length: 0\r\nConnection: close\r\n\r\n",
                                               path);
  gchar *line;

  connection = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)), request,
                             strlen (request), NULL, NULL, &error);
  g_assert_no_error (error);
  in = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (connection)));
  line = g_data_input_stream_read_line (in, NULL, NULL, &error);
  g_assert_no_error (error);
  return line;
}

/* A rejected webhook call is in the journal with the pipeline and the
 * HTTP status, so that an operator finds who knocked with a wrong key. */
static void
test_webhook_rejected (void)
{
  Logged l = { ff_test_daemon_new (), NULL };
  guint16 port = ff_test_free_port ();
  g_autofree gchar *config = g_strdup_printf ("[http]\nlisten=127.0.0.1:%u\n", port);
  g_autofree gchar *status = NULL;
  const gchar *const rejected[] = { "FASTFLOW_PIPELINE=hooked", "FASTFLOW_STATE=rejected",
                                    "FASTFLOW_HTTP_STATUS=401", NULL };

  g_assert_true (g_file_set_contents (l.d->config_path, config, -1, NULL));
  ff_test_daemon_add_pipeline (l.d, "hooked", "main.sh", "true\n", "pipeline.json",
                               "{\"webhook_key\": \"s3cret-0123456789\"}", NULL);
  start_logged (&l, NULL);
  status = http_post (port, "/api/webhooks/hooked/wrong-key");
  g_assert_true (g_str_has_prefix (status, "HTTP/1.1 401"));
  wait_for_entry (&l, rejected);
  logged_clear (&l);
}

/* SIGHUP (systemctl reload) reads the pipelines again and keeps the
 * daemon running. */
static void
test_sighup_reloads (void)
{
  Logged l = { ff_test_daemon_new (), NULL };
  g_autofree gchar *out = NULL, *err = NULL;
  const gchar *const reloaded[] = { "MESSAGE=Reloading the pipelines (SIGHUP)", NULL };
  ListedWait wait = { NULL, "later" };

  start_logged (&l, NULL);
  wait.d = l.d;
  ff_test_daemon_add_pipeline (l.d, "later", "main.sh", "echo late\n", NULL);
  g_subprocess_send_signal (l.d->daemon, SIGHUP);
  wait_for_entry (&l, reloaded);
  g_assert_true (is_listed (&wait));
  g_assert_cmpint (ff_test_daemon_ctl (l.d, &out, &err, "run", "later", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "late\n");
  ff_test_daemon_stop (l.d);
  logged_clear (&l);
}

int
main (int argc, char **argv)
{
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/visibility/folder-made-and-named", test_folder_made_and_named);
  g_test_add_func ("/visibility/warnings-shown", test_warnings_shown);
  g_test_add_func ("/visibility/journal-fields", test_journal_fields);
  g_test_add_func ("/visibility/sighup-reloads", test_sighup_reloads);
  g_test_add_func ("/visibility/webhook-rejected", test_webhook_rejected);
  return g_test_run ();
}
