/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* encrypted_env end to end, with tokens made by Python's cryptography
 * Fernet (the one Fast-Flow uses): a real fastflowd on a private bus
 * decrypts them for the run, hides the values like secrets everywhere
 * (output, log, history, D-Bus), lists the pipeline broken when it
 * cannot decrypt them, and fastflowctl encrypt makes tokens Python reads. */
#include "config.h"

#include <fcntl.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "ff-test-daemon.h"

#define KEY "lCrApFSkugdkERXUfS2hF4TlkA4Oy9s-_gLwqwYkfrI="
#define OTHER_KEY "zlb7uGc0vNzjIhWIaWLLIcIcmb4UWgWXMA66NZQfwQM="
#define PIPELINE_VALUE "pl41n-Pipeline-77"
#define SCHEDULE_VALUE "pl41n-Schedule-88"
#define SCHEDULE_OVERRIDE "pl41n-Override-99"

/* What the run checks itself, so that the test sees which plaintext
 * arrived although the output hides it (the script is in the pipelines
 * folder, not among what fastflowd keeps or sends). */
#define MAIN_SH                                                                                    \
  "echo \"token=$API_TOKEN db=$DB_PASS\"\n"                                                        \
  "case \"$API_TOKEN\" in\n"                                                                       \
  "  " PIPELINE_VALUE ") echo got-pipeline-token ;;\n"                                             \
  "  " SCHEDULE_OVERRIDE ") echo got-schedule-token ;;\n"                                          \
  "  *) echo got-other-token ;;\n"                                                                 \
  "esac\n"                                                                                         \
  "[ \"$DB_PASS\" = " SCHEDULE_VALUE " ] && echo db-ok\n"                                          \
  "exit 0\n"

/* Every message on the test bus, whoever sends it: what "never on D-Bus"
 * is checked against. */
typedef struct
{
  GDBusConnection *connection;
  GByteArray *seen;
} Monitor;

static GDBusMessage *
on_monitored (GDBusConnection *connection,
              GDBusMessage *message,
              gboolean incoming,
              gpointer user_data)
{
  Monitor *monitor = user_data;
  gsize size = 0;
  g_autofree guchar *blob =
      g_dbus_message_to_blob (message, &size, G_DBUS_CAPABILITY_FLAGS_NONE, NULL);

  /* the filter runs in GDBus's worker thread; only this test's thread
   * reads seen, after the connection is closed */
  if (blob != NULL)
    g_byte_array_append (monitor->seen, blob, (guint) size);
  /* a monitor must not answer the calls it sees */
  if (incoming && g_dbus_message_get_message_type (message) == G_DBUS_MESSAGE_TYPE_METHOD_CALL)
    {
      g_object_unref (message);
      return NULL;
    }
  return message;
}

static Monitor *
monitor_start (FfTestDaemon *d)
{
  Monitor *monitor = g_new0 (Monitor, 1);
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = NULL;

  monitor->seen = g_byte_array_new ();
  monitor->connection =
      g_dbus_connection_new_for_address_sync (g_test_dbus_get_bus_address (d->bus),
                                              G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                  G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                              NULL, NULL, &error);
  g_assert_no_error (error);
  g_dbus_connection_add_filter (monitor->connection, on_monitored, monitor, NULL);
  reply = g_dbus_connection_call_sync (monitor->connection, "org.freedesktop.DBus",
                                       "/org/freedesktop/DBus", "org.freedesktop.DBus.Monitoring",
                                       "BecomeMonitor", g_variant_new ("(asu)", NULL, 0), NULL,
                                       G_DBUS_CALL_FLAGS_NONE, 5000, NULL, &error);
  g_assert_no_error (error);
  return monitor;
}

static void
monitor_stop (Monitor *monitor, const gchar *const *absent)
{
  g_dbus_connection_close_sync (monitor->connection, NULL, NULL);
  g_object_unref (monitor->connection);
  /* something was seen at all: the monitor works */
  g_assert_cmpuint (monitor->seen->len, >, 1000);
  for (gsize i = 0; absent[i] != NULL; i++)
    {
      if (memmem (monitor->seen->data, monitor->seen->len, absent[i], strlen (absent[i])) != NULL)
        g_error ("“%s” went over D-Bus", absent[i]);
    }
  g_byte_array_unref (monitor->seen);
  g_free (monitor);
}

static void
assert_contains (const gchar *text, const gchar *needle)
{
  if (text == NULL || strstr (text, needle) == NULL)
    g_error ("“%s” lacks “%s”", text, needle);
}

static void
write_file (const gchar *path, const gchar *text, gint mode)
{
  g_autoptr (GError) error = NULL;

  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (path, mode), ==, 0);
}

/* The key file fernet.key in the test's folder holds @key, and
 * fastflow.conf names it; returns its path. */
static gchar *
use_key_file (FfTestDaemon *d, const gchar *key)
{
  gchar *key_path = g_build_filename (d->tmpdir, "fernet.key", NULL);
  g_autofree gchar *config = g_strdup_printf ("[secrets]\nencryption_key_file = %s\n", key_path);

  write_file (key_path, key, 0600);
  write_file (d->config_path, config, 0600);
  return key_path;
}

/* The pipeline "enc": API_TOKEN from its encrypted_env (over a
 * default_env of the same name), DB_PASS from the schedule "prod", which
 * also overrides API_TOKEN. */
static void
add_encrypted_pipeline (FfTestDaemon *d, const gchar *key)
{
  g_autofree gchar *token = ff_test_python_fernet ("encrypt", key, PIPELINE_VALUE);
  g_autofree gchar *db = ff_test_python_fernet ("encrypt", key, SCHEDULE_VALUE);
  g_autofree gchar *override = ff_test_python_fernet ("encrypt", key, SCHEDULE_OVERRIDE);
  g_autofree gchar *json =
      g_strdup_printf ("{\"default_env\": {\"API_TOKEN\": \"from-default-env\"},\n"
                       " \"encrypted_env\": {\"API_TOKEN\": \"%s\"},\n"
                       " \"schedules\": [{\"id\": \"prod\", \"schedule_cron\": \"0 0 1 1 *\",\n"
                       "   \"encrypted_env\": {\"DB_PASS\": \"%s\", \"API_TOKEN\": \"%s\"}}]}\n",
                       token, db, override);

  ff_test_daemon_add_pipeline (d, "enc", "main.sh", MAIN_SH, "pipeline.json", json, NULL);
}

static JsonObject *
listed (FfTestDaemon *d, const gchar *name, JsonNode **keep)
{
  g_autofree gchar *out = NULL, *err = NULL;
  g_autoptr (GError) error = NULL;
  JsonArray *array;

  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "pipelines", "--json", NULL), ==, 0);
  *keep = json_from_string (out, &error);
  g_assert_no_error (error);
  array = json_node_get_array (*keep);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *pipeline = json_array_get_object_element (array, i);

      if (g_strcmp0 (json_object_get_string_member (pipeline, "name"), name) == 0)
        return pipeline;
    }
  g_error ("%s is not listed: %s", name, out);
}

/* @config: a run configuration or NULL; @got: the line the run prints
 * for the API_TOKEN it found */
/* "enc" is listed broken, naming both variables and @why, and no run of
 * it starts. */
static void
assert_enc_broken (FfTestDaemon *d, const gchar *why)
{
  g_autoptr (JsonNode) keep = NULL;
  g_autofree gchar *out = NULL, *err = NULL;
  JsonObject *enc = listed (d, "enc", &keep);
  const gchar *message = json_object_get_string_member (enc, "error");

  g_assert_true (json_object_get_boolean_member (enc, "broken"));
  assert_contains (message, "“encrypted_env.API_TOKEN”");
  assert_contains (message, "“schedules[0].encrypted_env.DB_PASS”");
  assert_contains (message, why);
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "run", "enc", NULL), !=, 0);
  g_assert_cmpstr (out, ==, "");
  assert_contains (err, "API_TOKEN");
}

static void
run_and_check (FfTestDaemon *d, const gchar *config, const gchar *hidden_token, const gchar *got)
{
  g_autofree gchar *out = NULL, *err = NULL;
  g_autofree gchar *stars = g_strnfill (strlen (hidden_token), '*');
  g_autofree gchar *expected_token = g_strdup_printf ("token=%s ", stars);
  gint status;

  if (config != NULL)
    status = ff_test_daemon_ctl (d, &out, &err, "run", "enc", "--config", config, NULL);
  else
    status = ff_test_daemon_ctl (d, &out, &err, "run", "enc", NULL);
  g_assert_cmpint (status, ==, 0);
  assert_contains (out, expected_token);
  assert_contains (out, got);
  if (config != NULL)
    {
      g_autofree gchar *db_stars = g_strnfill (strlen (SCHEDULE_VALUE), '*');
      g_autofree gchar *expected_db = g_strdup_printf ("db=%s\n", db_stars);

      assert_contains (out, expected_db);
      assert_contains (out, "db-ok\n");
    }
  g_assert_null (strstr (out, "pl41n"));
}

static void
test_run (void)
{
  g_autoptr (FfTestDaemon) d = ff_test_daemon_new ();
  g_autofree gchar *out = NULL, *err = NULL;
  const gchar *const values[] = { PIPELINE_VALUE, SCHEDULE_VALUE, SCHEDULE_OVERRIDE, NULL };
  Monitor *monitor;

  add_encrypted_pipeline (d, KEY);
  g_setenv ("ENCRYPTION_KEY", KEY, TRUE);
  ff_test_daemon_start (d, NULL);
  g_unsetenv ("ENCRYPTION_KEY");
  monitor = monitor_start (d);

  /* manual: the pipeline's encrypted_env wins over its default_env */
  run_and_check (d, NULL, PIPELINE_VALUE, "got-pipeline-token\n");
  /* the run configuration's encrypted_env is added and wins over the pipeline's */
  run_and_check (d, "prod", SCHEDULE_OVERRIDE, "got-schedule-token\n");

  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "logs", "2", NULL), ==, 0);
  assert_contains (out, "db-ok");
  g_assert_null (strstr (out, "pl41n"));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "status", "2", "--json", NULL), ==, 0);
  g_assert_null (strstr (out, "pl41n"));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "pipelines", "--json", NULL), ==, 0);
  g_assert_null (strstr (out, "pl41n"));

  monitor_stop (monitor, values);
  ff_test_daemon_stop (d);
  for (gsize i = 0; values[i] != NULL; i++)
    ff_test_assert_nowhere_in (d->state_dir, values[i]);
}

/* No key: broken, naming the variables and where the key goes; with a key
 * file (fastflow.conf is read at start), it runs. */
static void
test_no_key_then_key_file (void)
{
  g_autoptr (FfTestDaemon) d = ff_test_daemon_new ();
  g_autofree gchar *key_path = NULL;
  g_autoptr (JsonNode) keep = NULL;
  JsonObject *enc;

  g_unsetenv ("ENCRYPTION_KEY");
  add_encrypted_pipeline (d, KEY);
  ff_test_daemon_start (d, NULL);

  assert_enc_broken (d, "ENCRYPTION_KEY");
  assert_enc_broken (d, "encryption_key_file");

  /* the operator's fix: a key file, named in fastflow.conf (read at start) */
  key_path = use_key_file (d, KEY "\n");
  ff_test_daemon_stop (d);
  ff_test_daemon_start (d, NULL);
  enc = listed (d, "enc", &keep);
  g_assert_false (json_object_get_boolean_member (enc, "broken"));
  run_and_check (d, "prod", SCHEDULE_OVERRIDE, "got-schedule-token\n");
}

/* The key file changes: a reload takes the new one. */
static void
test_wrong_key_and_reload (void)
{
  g_autoptr (FfTestDaemon) d = ff_test_daemon_new ();
  g_autofree gchar *out = NULL, *err = NULL;
  g_autofree gchar *key_path = NULL;
  g_autoptr (JsonNode) keep = NULL;
  JsonObject *enc;

  g_unsetenv ("ENCRYPTION_KEY");
  key_path = use_key_file (d, OTHER_KEY "\n");
  add_encrypted_pipeline (d, KEY);
  ff_test_daemon_start (d, NULL);

  assert_enc_broken (d, "fastflowctl encrypt API_TOKEN");

  write_file (key_path, KEY "\n", 0600);
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "reload", NULL), ==, 0);
  enc = listed (d, "enc", &keep);
  g_assert_false (json_object_get_boolean_member (enc, "broken"));
  run_and_check (d, NULL, PIPELINE_VALUE, "got-pipeline-token\n");

  /* and a file that holds no key names itself */
  write_file (key_path, "not a key\n", 0600);
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "reload", NULL), ==, 0);
  assert_enc_broken (d, key_path);
}

/* fastflowctl encrypt NAME < value: its token decrypts in Python's Fernet
 * with the daemon's key, and pasted into pipeline.json, the run gets it. */
static gchar *
ctl_encrypt (FfTestDaemon *d, const gchar *input, gint *status, gchar **err, ...)
{
  g_autoptr (GSubprocessLauncher) launcher =
      g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                 G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr (GSubprocess) proc = NULL;
  g_autoptr (GError) error = NULL;
  gchar *out = NULL;
  const gchar *a1, *a2, *a3;
  va_list args;

  g_clear_pointer (err, g_free);
  va_start (args, err);
  a1 = va_arg (args, const gchar *);
  a2 = va_arg (args, const gchar *);
  a3 = a2 != NULL ? va_arg (args, const gchar *) : NULL;
  va_end (args);
  proc = ff_test_daemon_spawn_ctl (d, launcher, a1, a2, a3, NULL);
  g_subprocess_communicate_utf8 (proc, input, NULL, &out, err, &error);
  g_assert_no_error (error);
  *status = g_subprocess_get_exit_status (proc);
  return out;
}

static void
test_encrypt_command (void)
{
  g_autoptr (FfTestDaemon) d = ff_test_daemon_new ();
  g_autofree gchar *out = NULL, *err = NULL, *run_out = NULL, *raw = NULL, *key = NULL;
  g_autofree gchar *back = NULL, *json = NULL, *token = NULL;
  g_autofree gchar *key_path = NULL;
  g_autofree gchar *expected_run = NULL;
  gint status = -1;

  g_unsetenv ("ENCRYPTION_KEY");
  ff_test_daemon_add_pipeline (d, "plain", "main.sh", "true\n", NULL);
  ff_test_daemon_start (d, NULL);

  /* no key yet: the message says how to get one */
  out = ctl_encrypt (d, "x\n", &status, &err, "encrypt", "API_TOKEN", NULL);
  g_assert_cmpint (status, ==, 1);
  g_assert_cmpstr (out, ==, "");
  assert_contains (err, "encryption_key_file");
  assert_contains (err, "--generate-key");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* --generate-key: a key Python's Fernet takes */
  key = ctl_encrypt (d, "", &status, &err, "encrypt", "--generate-key", NULL);
  g_assert_cmpint (status, ==, 0);
  g_strchomp (key);
  g_assert_cmpuint (strlen (key), ==, 44);
  g_clear_pointer (&err, g_free);
  key_path = use_key_file (d, key);
  ff_test_daemon_stop (d);
  ff_test_daemon_start (d, NULL);

  out = ctl_encrypt (d, "round-trip välue 42\n", &status, &err, "encrypt", "API_TOKEN", NULL);
  g_assert_cmpint (status, ==, 0);
  g_assert_true (g_str_has_prefix (out, "\"API_TOKEN\": \"gAAAAA"));
  g_assert_true (g_str_has_suffix (out, "\"\n"));
  token = g_strndup (out + strlen ("\"API_TOKEN\": \""),
                     strlen (out) - strlen ("\"API_TOKEN\": \"") - 2);
  back = ff_test_python_fernet ("decrypt", key, token);
  g_assert_cmpstr (back, ==, "round-trip välue 42");

  raw = ctl_encrypt (d, "raw", &status, &err, "encrypt", "--raw", "X", NULL);
  g_assert_cmpint (status, ==, 0);
  g_strchomp (raw);
  g_clear_pointer (&back, g_free);
  back = ff_test_python_fernet ("decrypt", key, raw);
  g_assert_cmpstr (back, ==, "raw");

  /* the member as printed, pasted into encrypted_env */
  g_strchomp (out);
  json = g_strdup_printf ("{\"encrypted_env\": {%s}}\n", out);
  ff_test_daemon_add_pipeline (d, "pasted", "main.sh",
                               "[ \"$API_TOKEN\" = 'round-trip välue 42' ] && echo same\n"
                               "echo \"$API_TOKEN\"\n",
                               "pipeline.json", json, NULL);
  g_assert_cmpint (ff_test_daemon_ctl (d, &run_out, &err, "reload", NULL), ==, 0);
  g_clear_pointer (&run_out, g_free);
  g_assert_cmpint (ff_test_daemon_ctl (d, &run_out, &err, "run", "pasted", NULL), ==, 0);
  /* one star a byte: "ä" is two */
  expected_run = g_strdup_printf ("same\n%s\n", "********************");
  g_assert_cmpstr (run_out, ==, expected_run);

  /* a bad name is refused before anything is read */
  g_clear_pointer (&out, g_free);
  out = ctl_encrypt (d, "x", &status, &err, "encrypt", "1BAD", NULL);
  g_assert_cmpint (status, ==, 2);
}

/* At a terminal, the value is asked for and not echoed: the terminal's
 * side (the pty master) sees the prompt, never the value. */
typedef struct
{
  gint master;
  GString *seen;
} Terminal;

static void
child_on_pty (gpointer user_data)
{
  const gchar *slave = user_data;
  gint fd;

  setsid ();
  fd = open (slave, O_RDWR);
  if (fd < 0)
    _exit (127);
  ioctl (fd, TIOCSCTTY, 0);
  dup2 (fd, STDIN_FILENO);
  ff_test_die_with_parent (NULL);
}

static gboolean
prompt_shown (gpointer user_data)
{
  Terminal *terminal = user_data;
  gchar buffer[256];
  gssize n = read (terminal->master, buffer, sizeof buffer);

  if (n > 0)
    g_string_append_len (terminal->seen, buffer, n);
  return strstr (terminal->seen->str, "(not shown): ") != NULL;
}

static void
test_encrypt_at_terminal (void)
{
  g_autoptr (FfTestDaemon) d = ff_test_daemon_new ();
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GSubprocess) proc = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *key_path = NULL;
  g_autofree gchar *out = NULL, *token = NULL, *back = NULL;
  g_autofree gchar *slave = NULL;
  Terminal terminal = { -1, g_string_new (NULL) };

  g_unsetenv ("ENCRYPTION_KEY");
  key_path = use_key_file (d, KEY);
  ff_test_daemon_start (d, NULL);

  terminal.master = posix_openpt (O_RDWR | O_NOCTTY);
  g_assert_cmpint (terminal.master, >=, 0);
  g_assert_cmpint (grantpt (terminal.master), ==, 0);
  g_assert_cmpint (unlockpt (terminal.master), ==, 0);
  slave = g_strdup (ptsname (terminal.master));
  g_assert_true (g_unix_set_fd_nonblocking (terminal.master, TRUE, NULL));

  /* stderr (the prompt) to the terminal too, stdout (the token) to us */
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_set_child_setup (launcher, child_on_pty, slave, NULL);
  {
    gint err_fd = open (slave, O_RDWR | O_NOCTTY);
    g_assert_cmpint (err_fd, >=, 0);
    g_subprocess_launcher_take_stderr_fd (launcher, err_fd);
  }
  proc = ff_test_daemon_spawn_ctl (d, launcher, "encrypt", "--raw", "TTY_VALUE", NULL);
  ff_test_poll_until (prompt_shown, &terminal);
  g_assert_cmpint (write (terminal.master, "typed-s3cret\n", 13), ==, 13);
  g_subprocess_communicate_utf8 (proc, NULL, NULL, &out, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_successful (proc));
  /* whatever else the terminal got by now */
  prompt_shown (&terminal);
  if (strstr (terminal.seen->str, "typed-s3cret") != NULL)
    g_error ("the value was echoed: %s", terminal.seen->str);
  assert_contains (terminal.seen->str, "Value of TTY_VALUE (not shown): ");
  token = g_strchomp (g_strdup (out));
  back = ff_test_python_fernet ("decrypt", KEY, token);
  g_assert_cmpstr (back, ==, "typed-s3cret");
  close (terminal.master);
  g_string_free (terminal.seen, TRUE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/encrypted-env/run", test_run);
  g_test_add_func ("/encrypted-env/no-key-then-key-file", test_no_key_then_key_file);
  g_test_add_func ("/encrypted-env/wrong-key-and-reload", test_wrong_key_and_reload);
  g_test_add_func ("/encrypted-env/encrypt-command", test_encrypt_command);
  g_test_add_func ("/encrypted-env/encrypt-at-terminal", test_encrypt_at_terminal);
  return g_test_run ();
}
