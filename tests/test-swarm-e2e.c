/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "ff-test-daemon.h"
#include "ff-test-docker-proxy.h"

/*
 * fastflowctl run of swarm pipelines, as a user does it: fastflowd on a
 * private bus with the swarm executor, a real HAProxy socket proxy and the
 * real engine in single-node swarm mode. Nothing is skipped: without it
 * these tests fail; scripts/docker-test-env.sh prepares the machine.
 */

static const gchar *const swarm_flags[] = { "SERVICES=1", "TASKS=1",      "NODES=1", "CONFIGS=1",
                                            "POST=1",     "CONTAINERS=1", NULL };

static gchar *suffix;

static gchar *
name (const gchar *base)
{
  return g_strdup_printf ("%s-%s", base, suffix);
}

static FfTestDaemon *
new_daemon (const gchar *proxy_url)
{
  FfTestDaemon *d = ff_test_daemon_new ();
  g_autofree gchar *config = g_strdup_printf ("[daemon]\n"
                                              "[executor.swarm]\n"
                                              "proxy_url=%s\n"
                                              "image=%s\n"
                                              "placement_timeout=3\n",
                                              proxy_url, g_getenv ("FASTFLOW_TEST_IMAGE"));
  g_autoptr (GError) error = NULL;

  g_file_set_contents (d->config_path, config, -1, &error);
  g_assert_no_error (error);
  return d;
}

static void
add_swarm_pipeline (FfTestDaemon *d, const gchar *pipeline, const gchar *extra, const gchar *script)
{
  g_autofree gchar *json = g_strdup_printf ("{\"executor\": \"swarm\"%s%s}",
                                            extra != NULL ? ", " : "", extra != NULL ? extra : "");

  ff_test_daemon_add_pipeline (d, pipeline, "pipeline.json", json, "main.sh", script, NULL);
}

static JsonObject *
get_status (FfTestDaemon *d, const gchar *id, JsonNode **node)
{
  g_autofree gchar *out = NULL, *err = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "status", "--json", id, NULL), ==, 0);
  *node = json_from_string (out, &error);
  g_assert_no_error (error);
  return json_node_get_object (*node);
}

/* The engine's own view: services of a pipeline of this test. */
static guint
count_services (const gchar *pipeline)
{
  g_autofree gchar *filter = g_strdup_printf ("label=org.fastflow.pipeline=%s", pipeline);
  const gchar *argv[] = { "/usr/bin/docker", "service", "ls", "-q", "--filter", filter, NULL };
  g_autofree gchar *out = NULL;
  g_autoptr (GError) error = NULL;
  gint status = 0;

  g_spawn_sync (NULL, (gchar **) argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out, NULL,
                &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  return *g_strstrip (out) != '\0';
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
  g_autofree gchar *random = g_uuid_string_random ();
  gint ret;

  g_setenv ("LANGUAGE", "en", TRUE);
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  g_test_init (&argc, &argv, NULL);
  suffix = g_strndup (random, 8);
  g_assert_nonnull (g_getenv ("FASTFLOW_TEST_IMAGE"));
  g_test_add_func ("/swarm-e2e/runs", test_runs);
  ret = g_test_run ();
  g_free (suffix);
  return ret;
}
