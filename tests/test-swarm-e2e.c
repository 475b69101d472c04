/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <json-glib/json-glib.h>
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
  /* the run's whole output, stdout and stderr, goes to stdout */
  g_assert_true (g_str_has_prefix (out, "/app\nfrom the folder\n"));
  g_assert_nonnull (strstr (out, "to-stderr\n"));
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

int
main (int argc, char **argv)
{
  gint ret;

  ff_test_docker_e2e_init (&argc, &argv);
  g_test_add_func ("/swarm-e2e/runs", test_runs);
  ret = g_test_run ();
  ff_test_docker_e2e_clear ();
  return ret;
}
