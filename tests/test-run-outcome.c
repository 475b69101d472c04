/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "ff-test-daemon.h"

/* What a run that failed, waits for a retry or never exited tells about
 * itself: in the log, in `fastflowctl status` and `runs`, in their JSON. */

#define MIB (1024 * 1024)

static JsonObject *
status_json (FfTestDaemon *d, const gchar *id, JsonNode **node)
{
  g_autofree gchar *out = NULL, *err = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "status", "--json", id, NULL), ==, 0);
  g_clear_pointer (node, json_node_unref);
  *node = json_from_string (out, &error);
  g_assert_no_error (error);
  return json_node_get_object (*node);
}

typedef struct
{
  FfTestDaemon *d;
  const gchar *state;
  guint attempt;
} StateWait;

static gboolean
run_is (gpointer data)
{
  StateWait *wait = data;
  g_autoptr (JsonNode) node = NULL;
  JsonObject *status = status_json (wait->d, "1", &node);

  return g_str_equal (json_object_get_string_member (status, "state"), wait->state) &&
         json_object_get_int_member (status, "attempt") == (gint64) wait->attempt;
}

/* A local run killed for its memory, with a retry a long way off: the
 * log line and the waiting run's message say why and when; the run's peak
 * is what the kernel counted, not 0 (nothing sampled it before the kill). */
static void
test_retry_waits_with_reason (void)
{
  g_autoptr (FfTestDaemon) d = ff_test_daemon_new ();
  g_autoptr (JsonNode) node = NULL;
  g_autofree gchar *out = NULL, *err = NULL, *log = NULL, *log_err = NULL;
  g_autofree gchar *text = NULL, *table = NULL, *runs = NULL;
  StateWait waiting = { d, "queued", 2 };
  StateWait cancelled = { d, "cancelled", 2 };
  JsonObject *status;
  const gchar *message;

  ff_test_daemon_add_pipeline (d, "hungry", "main.py", "x = b'x' * (256 << 20)\nprint(len(x))\n",
                               "pipeline.json",
                               "{\"mem_hard_limit\": \"64m\", \"retry_attempts\": 1,"
                               " \"retry_strategy\": {\"type\": \"fixed_delay\", \"delay\": 3600}}",
                               NULL);
  ff_test_daemon_start (d, NULL);
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "run", "-d", "hungry", NULL), ==, 0);
  ff_test_poll_until (run_is, &waiting);

  status = status_json (d, "1", &node);
  message = json_object_get_string_member (status, "message");
  g_test_message ("waiting: %s", message);
  /* today: "Waiting for a free slot" */
  g_assert_nonnull (strstr (message, "Attempt 1 of 2 failed (The pipeline was killed because it "
                                     "exceeded its memory limit: The process was killed because "
                                     "it needed more memory than its limit of 64.0"));
  g_assert_nonnull (strstr (message, "; attempt 2 starts at "));
  g_assert_cmpuint (json_object_get_int_member (status, "memory_peak_bytes"), >=, 32 * MIB);

  g_assert_cmpint (ff_test_daemon_ctl (d, &log, &log_err, "logs", "1", NULL), ==, 0);
  g_test_message ("log: %s", log);
  g_assert_nonnull (strstr (log, "[fastflow] Attempt 1 of 2 failed (The pipeline was killed "
                                 "because it exceeded its memory limit: The process was killed"));
  g_assert_nonnull (strstr (log, "; attempt 2 starts in 3600 s"));

  /* cancelled while it waits: attempt 2 never started, so the run has
   * no exit code: "-" for people, null in the JSON (not -1) */
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "cancel", "1", NULL), ==, 0);
  cancelled.attempt = 2;
  ff_test_poll_until (run_is, &cancelled);
  status = status_json (d, "1", &node);
  g_assert_true (json_object_has_member (status, "exit_code"));
  g_assert_true (json_object_get_null_member (status, "exit_code"));
  g_assert_cmpint (ff_test_daemon_ctl (d, &text, &err, "status", "1", NULL), ==, 0);
  g_test_message ("%s", text);
  g_assert_nonnull (strstr (text, "Exit code        -\n"));
  g_assert_cmpint (ff_test_daemon_ctl (d, &table, &err, "runs", NULL), ==, 0);
  g_test_message ("%s", table);
  g_assert_true (g_str_has_suffix (table, " -\n"));
  g_assert_cmpint (ff_test_daemon_ctl (d, &runs, &err, "runs", "--json", NULL), ==, 0);
  g_assert_nonnull (strstr (runs, "\"exit_code\" : null"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/run-outcome/retry-waits-with-reason", test_retry_waits_with_reason);
  return g_test_run ();
}
