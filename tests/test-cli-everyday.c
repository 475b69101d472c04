/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The everyday CLI: logs --last/--tail/--since, runs --since, the status
 * overview, one pipeline in full, German tables. */
#include "config.h"

#include <json-glib/json-glib.h>
#include <locale.h>
#include <string.h>

#include "ff-test-daemon.h"
#include "ff-test-util.h"

static FfTestDaemon *
start_daemon (void)
{
  FfTestDaemon *d = ff_test_daemon_new ();

  ff_test_daemon_add_pipeline (d, "ok", "main.sh", "echo hello\n", NULL);
  ff_test_daemon_add_pipeline (d, "count", "main.sh", "for i in 1 2 3 4 5; do echo line$i; done\n",
                               NULL);
  ff_test_daemon_add_pipeline (d, "twelve", "main.sh",
                               "i=1; while [ $i -le 12 ]; do echo row$i; i=$((i+1)); done\n", NULL);
  ff_test_daemon_add_pipeline (d, "three", "main.sh", "exit 3\n", NULL);
  ff_test_daemon_add_pipeline (d, "sleeper", "main.sh", "echo started\nsleep 30\n", NULL);
  ff_test_daemon_add_pipeline (d, "hourly", "main.sh", "true\n", "pipeline.json",
                               "{\"schedule_cron\": \"0 * * * *\", \"tmeout\": 5, "
                               "\"retry_attempts\": 2}",
                               NULL);
  ff_test_daemon_start (d, NULL);
  return d;
}

/* fastflowctl ARGS… must exit @expected; returns its stdout. */
static gchar *
ctl (FfTestDaemon *d, gint expected, const gchar *first, ...)
{
  const gchar *args[12] = { first };
  g_autofree gchar *out = NULL, *err = NULL;
  va_list ap;
  guint n = 1;
  gint status;

  va_start (ap, first);
  while (n < G_N_ELEMENTS (args) - 1 && (args[n] = va_arg (ap, const gchar *)) != NULL)
    n++;
  va_end (ap);
  status = ff_test_daemon_ctl (d, &out, &err, args[0], args[1], args[2], args[3], args[4], args[5],
                               args[6], args[7], args[8], args[9], args[10], NULL);
  if (status != expected)
    g_error ("fastflowctl %s: exit %d, expected %d\nstdout: %s\nstderr: %s", first, status,
             expected, out, err);
  if (expected == 2)
    return g_steal_pointer (&err);
  return g_steal_pointer (&out);
}

static void
run_to_end (FfTestDaemon *d, const gchar *pipeline)
{
  g_autofree gchar *out = NULL, *err = NULL;

  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "run", pipeline, NULL), ==, 0);
}

static guint
count_json_runs (const gchar *text)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) node = json_from_string (text, &error);

  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (node));
  return json_array_get_length (json_node_get_array (node));
}

static void
test_logs_last_tail (void)
{
  g_autoptr (FfTestDaemon) d = start_daemon ();
  g_autofree gchar *last = NULL, *tail = NULL, *tail0 = NULL, *tail9 = NULL, *usage = NULL;
  g_autofree gchar *none = NULL;

  run_to_end (d, "count");
  run_to_end (d, "ok");
  last = ctl (d, 0, "logs", "--last", "count", NULL);
  g_assert_cmpstr (last, ==, "line1\nline2\nline3\nline4\nline5\n");
  tail = ctl (d, 0, "logs", "--tail", "2", "1", NULL);
  g_assert_cmpstr (tail, ==, "line4\nline5\n");
  tail0 = ctl (d, 0, "logs", "--last", "count", "-n", "0", NULL);
  g_assert_cmpstr (tail0, ==, "");
  tail9 = ctl (d, 0, "logs", "--last", "count", "--tail", "9", NULL);
  g_assert_cmpstr (tail9, ==, last);
  usage = ctl (d, 2, "logs", "--last", "count", "1", NULL);
  g_assert_nonnull (strstr (usage, "--last"));
  none = ctl (d, 1, "logs", "--last", "nope", NULL);
}

static void
test_since (void)
{
  g_autoptr (FfTestDaemon) d = start_daemon ();
  g_autofree gchar *recent = NULL, *future = NULL, *old = NULL, *bad = NULL;
  g_autofree gchar *logs = NULL, *logs_future = NULL, *iso = NULL;
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  g_autoptr (GDateTime) tomorrow = NULL;
  g_autofree gchar *tomorrow_text = NULL;

  run_to_end (d, "ok");
  run_to_end (d, "count");
  recent = ctl (d, 0, "runs", "--since", "1h", "--json", NULL);
  g_assert_cmpuint (count_json_runs (recent), ==, 2);
  /* an ISO 8601 time tomorrow: nothing yet */
  tomorrow = g_date_time_add_days (now, 1);
  tomorrow_text = g_date_time_format (tomorrow, "%Y-%m-%d");
  future = ctl (d, 0, "runs", "--since", tomorrow_text, "--json", NULL);
  g_assert_cmpuint (count_json_runs (future), ==, 0);
  iso = ctl (d, 0, "runs", "--since", "2000-01-01T00:00:00Z", "--limit", "1", "--json", NULL);
  g_assert_cmpuint (count_json_runs (iso), ==, 1);
  old = ctl (d, 0, "runs", "--since", "2000-01-01 10:00", "--json", NULL);
  g_assert_cmpuint (count_json_runs (old), ==, 2);
  bad = ctl (d, 2, "runs", "--since", "yesterday-ish", NULL);
  g_assert_nonnull (strstr (bad, "yesterday-ish"));
  g_assert_nonnull (strstr (bad, "10m"));

  logs = ctl (d, 0, "logs", "--since", "1d", NULL);
  g_assert_cmpstr (logs, ==,
                   "==> run 1 (ok) <==\nhello\n"
                   "==> run 2 (count) <==\nline1\nline2\nline3\nline4\nline5\n");
  logs_future = ctl (d, 1, "logs", "--last", "ok", "--since", tomorrow_text, NULL);
}

typedef struct
{
  FfTestDaemon *d;
  const gchar *id;
} RunRef;

static gboolean
is_running (gpointer data)
{
  RunRef *ref = data;
  g_autofree gchar *out = ctl (ref->d, 0, "status", "--json", ref->id, NULL);

  return strstr (out, "\"running\"") != NULL;
}

static void
test_status_overview (void)
{
  g_autoptr (FfTestDaemon) d = start_daemon ();
  g_autofree gchar *id = NULL, *text = NULL, *json = NULL, *cancel = NULL;
  g_autoptr (JsonNode) node = NULL;
  g_autoptr (GError) error = NULL;
  JsonObject *overview;
  RunRef ref = { d, NULL };

  id = g_strchomp (ctl (d, 0, "run", "sleeper", "--detach", NULL));
  ref.id = id;
  ff_test_poll_until (is_running, &ref);
  text = ctl (d, 0, "status", NULL);
  g_test_message ("%s", text);
  g_assert_true (g_str_has_prefix (text, "fastflowd 0.1.0 on the session bus\n"));
  g_assert_nonnull (strstr (text, "local"));
  g_assert_nonnull (strstr (text, "available"));
  g_assert_nonnull (strstr (text, "Running: 1 run\n"));
  g_assert_nonnull (strstr (text, "sleeper"));
  g_assert_nonnull (strstr (text, "Queued: 0 runs\n"));
  g_assert_nonnull (strstr (text, "Next scheduled:\n"));
  g_assert_nonnull (strstr (text, "hourly"));
  g_assert_nonnull (strstr (text, "0 * * * *"));

  json = ctl (d, 0, "status", "--json", NULL);
  node = json_from_string (json, &error);
  g_assert_no_error (error);
  overview = json_node_get_object (node);
  g_assert_cmpstr (json_object_get_string_member (overview, "version"), ==, "0.1.0");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (overview, "running")), ==,
                    1);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (overview, "queued")), ==,
                    0);
  g_assert_cmpstr (json_object_get_string_member (
                       json_array_get_object_element (
                           json_object_get_array_member (overview, "next_scheduled"), 0),
                       "pipeline"),
                   ==, "hourly");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (overview, "executors")),
                    >=, 1);
  cancel = ctl (d, 0, "cancel", id, NULL);
}

static void
test_status_last_lines (void)
{
  g_autoptr (FfTestDaemon) d = start_daemon ();
  g_autofree gchar *text = NULL, *two = NULL, *none = NULL;

  run_to_end (d, "twelve");
  text = ctl (d, 0, "status", "1", NULL);
  /* the last ten, after the fields and a blank line */
  g_assert_true (g_str_has_suffix (
      text, "\n\nrow3\nrow4\nrow5\nrow6\nrow7\nrow8\nrow9\nrow10\nrow11\nrow12\n"));
  g_assert_null (strstr (text, "row2\n"));
  two = ctl (d, 0, "status", "--lines", "2", "1", NULL);
  g_assert_true (g_str_has_suffix (two, "\n\nrow11\nrow12\n"));
  none = ctl (d, 0, "status", "-n", "0", "1", NULL);
  g_assert_null (strstr (none, "row12"));
}

static void
test_pipeline_in_full (void)
{
  g_autoptr (FfTestDaemon) d = start_daemon ();
  g_autofree gchar *text = NULL, *json = NULL, *missing = NULL, *ok = NULL;
  g_autoptr (JsonNode) node = NULL;
  g_autoptr (GError) error = NULL;
  JsonObject *object;

  run_to_end (d, "ok");
  text = ctl (d, 0, "pipelines", "hourly", NULL);
  g_test_message ("%s", text);
  g_assert_nonnull (strstr (text, "0 * * * *"));
  g_assert_nonnull (strstr (text, "never run"));
  g_assert_nonnull (strstr (text, "tmeout"));
  g_assert_nonnull (strstr (text, "\"retry_attempts\" : 2"));
  ok = ctl (d, 0, "pipelines", "ok", NULL);
  g_assert_nonnull (strstr (ok, "run 1, Succeeded"));
  g_assert_nonnull (strstr (ok, "every setting at its default"));
  json = ctl (d, 0, "pipelines", "hourly", "--json", NULL);
  node = json_from_string (json, &error);
  g_assert_no_error (error);
  object = json_node_get_object (node);
  g_assert_cmpstr (json_object_get_string_member (object, "name"), ==, "hourly");
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (object, "settings"),
                                               "retry_attempts"),
                   ==, 2);
  g_assert_true (json_object_get_null_member (object, "last_run"));
  missing = ctl (d, 1, "pipelines", "nope", NULL);
}

/* Each row's cell under @header starts where the header does, after a
 * space: no value runs into the next column. A pipeline's notes (its
 * error, its warnings) are indented lines of their own, not cells. */
static void
assert_aligned (const gchar *table, const gchar *header)
{
  g_auto (GStrv) lines = g_strsplit (table, "\n", -1);
  const gchar *at = strstr (lines[0], header);
  glong column;

  g_assert_nonnull (at);
  column = g_utf8_pointer_to_offset (lines[0], at);
  for (guint i = 1; lines[i] != NULL && *lines[i] != '\0'; i++)
    {
      g_autofree gunichar *chars = g_utf8_to_ucs4_fast (lines[i], -1, NULL);
      glong len = g_utf8_strlen (lines[i], -1);

      if (g_str_has_prefix (lines[i], "    "))
        continue;
      g_assert_cmpint (len, >, column);
      if (chars[column - 1] != ' ' || chars[column] == ' ')
        g_error ("“%s” is not under “%s” in\n%s", lines[i], header, table);
    }
}

static void
test_german_tables (void)
{
  g_autoptr (FfTestDaemon) d = start_daemon ();
  g_autofree gchar *out = NULL, *err = NULL, *runs = NULL, *pipelines = NULL;
  const gchar *run_headers[] = { "PIPELINE", "ZUSTAND", "GESTARTET", "DAUER", "EXIT" };
  const gchar *pipeline_headers[] = { "LETZTER LAUF", "EXECUTOR", "ZEITPLAN", "NÄCHSTER LAUF" };

  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "run", "three", NULL), ==, 3);
  run_to_end (d, "ok");
  g_setenv ("LANGUAGE", "de", TRUE);
  g_setenv ("LC_ALL", "de_DE.UTF-8", TRUE);
  runs = ctl (d, 0, "runs", NULL);
  pipelines = ctl (d, 0, "pipelines", NULL);
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  g_setenv ("LANGUAGE", "C", TRUE);
  g_test_message ("%s\n%s", runs, pipelines);
  g_assert_nonnull (strstr (runs, "Pipeline-Fehler"));
  for (guint i = 0; i < G_N_ELEMENTS (run_headers); i++)
    assert_aligned (runs, run_headers[i]);
  for (guint i = 0; i < G_N_ELEMENTS (pipeline_headers); i++)
    assert_aligned (pipelines, pipeline_headers[i]);
  /* a duration under a minute: with the decimal comma */
  g_assert_true (g_regex_match_simple ("  [0-9]+,[0-9] s  ", runs, 0, 0));
}

/* With one run at a time, a second run waits queued: top and the status
 * overview show it. */
static void
test_top_queued (void)
{
  g_autoptr (FfTestDaemon) d = ff_test_daemon_new ();
  g_autoptr (GError) error = NULL;
  g_autofree gchar *first = NULL, *second = NULL, *top = NULL, *overview = NULL;
  g_autofree gchar *c1 = NULL, *c2 = NULL;
  RunRef ref = { d, NULL };

  ff_test_daemon_add_pipeline (d, "sleeper", "main.sh", "sleep 30\n", NULL);
  ff_test_daemon_add_pipeline (d, "ok", "main.sh", "echo hello\n", NULL);
  g_file_set_contents (d->config_path, "[daemon]\nmax_concurrent_runs=1\n", -1, &error);
  g_assert_no_error (error);
  ff_test_daemon_start (d, NULL);
  first = g_strchomp (ctl (d, 0, "run", "sleeper", "--detach", NULL));
  ref.id = first;
  ff_test_poll_until (is_running, &ref);
  second = g_strchomp (ctl (d, 0, "run", "ok", "--detach", NULL));
  top = ctl (d, 0, "top", "--once", NULL);
  g_test_message ("%s", top);
  g_assert_nonnull (strstr (top, "Running"));
  g_assert_nonnull (strstr (top, "Queued"));
  g_assert_nonnull (strstr (top, "ok"));
  overview = ctl (d, 0, "status", NULL);
  g_assert_nonnull (strstr (overview, "Queued: 1 run\n"));
  c2 = ctl (d, 0, "cancel", second, NULL);
  c1 = ctl (d, 0, "cancel", first, NULL);
}

int
main (int argc, char **argv)
{
  /* the English texts these tests compare */
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  g_setenv ("LANGUAGE", "C", TRUE);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cli-everyday/logs-last-tail", test_logs_last_tail);
  g_test_add_func ("/cli-everyday/since", test_since);
  g_test_add_func ("/cli-everyday/status-overview", test_status_overview);
  g_test_add_func ("/cli-everyday/status-last-lines", test_status_last_lines);
  g_test_add_func ("/cli-everyday/pipeline-in-full", test_pipeline_in_full);
  g_test_add_func ("/cli-everyday/german-tables", test_german_tables);
  g_test_add_func ("/cli-everyday/top-queued", test_top_queued);
  return g_test_run ();
}
