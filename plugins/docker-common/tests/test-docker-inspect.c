/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <math.h>

#include "ff-docker-inspect.h"

/* Recorded answers of a real engine (tests/data), then the same shapes
 * with members of the wrong type, missing or out of range: never a
 * critical (the test runs with fatal criticals), never a wrong number. */

static JsonNode *
load (const gchar *name)
{
  g_autofree gchar *path = g_test_build_filename (G_TEST_DIST, "data", name, NULL);
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;

  json_parser_load_from_file (parser, path, &error);
  g_assert_no_error (error);
  return json_node_copy (json_parser_get_root (parser));
}

static JsonNode *
parse (const gchar *text)
{
  g_autoptr (GError) error = NULL;
  JsonNode *node = json_from_string (text, &error);

  g_assert_no_error (error);
  return node;
}

static void
test_recorded (void)
{
  g_autoptr (JsonNode) stats = load ("stats.json");
  g_autoptr (JsonNode) inspect = load ("inspect-running.json");
  g_autoptr (JsonNode) task = load ("task-failed.json");
  FfUsage usage = { 0 };
  FfDockerContainerState state;
  FfDockerTaskStatus status;

  /* (3133558818 - 2126187524) / (121319510000000 - 121317500000000) × 2 × 100 */
  g_assert_true (ff_docker_inspect_read_usage (stats, 1 << 30, &usage));
  g_assert_cmpfloat_with_epsilon (usage.cpu_percent, 100.236, 0.001);
  g_assert_cmpuint (usage.memory_bytes, ==, 634880);
  g_assert_cmpuint (usage.memory_limit_bytes, ==, 1 << 30);

  g_assert_nonnull (ff_docker_inspect_get_state (inspect));
  ff_docker_inspect_read_state (ff_docker_inspect_get_state (inspect), &state);
  g_assert_true (state.running);
  g_assert_true (state.has_exit_code);
  g_assert_cmpint (state.exit_code, ==, 0);
  g_assert_false (state.oom_killed);

  g_assert_true (ff_docker_inspect_read_task (task, &status));
  g_assert_cmpstr (status.state, ==, "failed");
  g_assert_cmpstr (status.err, ==, "task: non-zero exit (3)");
  g_assert_true (status.has_exit_code);
  g_assert_cmpint (status.exit_code, ==, 3);
}

static void
test_hostile_stats (void)
{
  const gchar *cases[] = {
    "[]",
    "{}",
    "{\"cpu_stats\": 5}",
    "{\"cpu_stats\": {\"cpu_usage\": {\"total_usage\": \"lots\"}, \"system_cpu_usage\": 10, "
    "\"online_cpus\": 1}, \"precpu_stats\": {\"cpu_usage\": {\"total_usage\": 1}, "
    "\"system_cpu_usage\": 5}}",
    /* counters that would overflow as integers */
    "{\"cpu_stats\": {\"cpu_usage\": {\"total_usage\": 9223372036854775807}, "
    "\"system_cpu_usage\": 9223372036854775807, \"online_cpus\": 1}, \"precpu_stats\": "
    "{\"cpu_usage\": {\"total_usage\": -9223372036854775808}, \"system_cpu_usage\": 1}}",
    "{\"cpu_stats\": {\"cpu_usage\": {\"total_usage\": 1e308}, \"system_cpu_usage\": 2e-308, "
    "\"online_cpus\": 1e308}, \"precpu_stats\": {\"cpu_usage\": {\"total_usage\": 0}, "
    "\"system_cpu_usage\": 1e-308}}",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (JsonNode) node = parse (cases[i]);
      FfUsage usage = { -1, 0, 0 };

      if (ff_docker_inspect_read_usage (node, 0, &usage))
        {
          g_assert_true (isfinite (usage.cpu_percent));
          g_assert_cmpfloat (usage.cpu_percent, >=, 0);
        }
    }
}

static void
test_hostile_state (void)
{
  g_autoptr (JsonNode) no_state = parse ("{\"State\": 5}");
  g_autoptr (JsonNode) odd = parse ("{\"State\": {\"Running\": \"yes\", \"Status\": 7, "
                                    "\"ExitCode\": 1e99, \"OOMKilled\": 1}}");
  g_autoptr (JsonNode) text_code = parse ("{\"State\": {\"ExitCode\": \"3\"}}");
  FfDockerContainerState state;

  g_assert_null (ff_docker_inspect_get_state (no_state));
  g_assert_null (ff_docker_inspect_get_state (NULL));
  ff_docker_inspect_read_state (ff_docker_inspect_get_state (odd), &state);
  g_assert_false (state.running);
  g_assert_true (state.has_exit_code);
  g_assert_cmpint (state.exit_code, ==, G_MAXINT);
  g_assert_false (state.oom_killed);
  ff_docker_inspect_read_state (ff_docker_inspect_get_state (text_code), &state);
  g_assert_false (state.has_exit_code);
}

static void
test_hostile_task (void)
{
  g_autoptr (JsonNode) no_status = parse ("{\"Status\": []}");
  g_autoptr (JsonNode) odd = parse ("{\"Status\": {\"State\": 1, \"Err\": \"\", "
                                    "\"ContainerStatus\": {\"ExitCode\": null}}}");
  FfDockerTaskStatus status;

  g_assert_false (ff_docker_inspect_read_task (no_status, &status));
  g_assert_false (ff_docker_inspect_read_task (NULL, &status));
  g_assert_true (ff_docker_inspect_read_task (odd, &status));
  g_assert_null (status.state);
  g_assert_null (status.err);
  g_assert_false (status.has_exit_code);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/docker-inspect/recorded", test_recorded);
  g_test_add_func ("/docker-inspect/hostile-stats", test_hostile_stats);
  g_test_add_func ("/docker-inspect/hostile-state", test_hostile_state);
  g_test_add_func ("/docker-inspect/hostile-task", test_hostile_task);
  return g_test_run ();
}
