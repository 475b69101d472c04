/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The decisions of ff-run-policy: retries and their delay, the timeout,
 * which downstream triggers fire, restart_on_crash. */
#include "config.h"

#include <glib/gstdio.h>

#include "ff-run-policy.h"
#include "ff-test-daemon.h"

static const gchar policy_json[] =
    "{\n"
    "  \"timeout\": 3600,\n"
    "  \"retry_attempts\": 3,\n"
    "  \"retry_strategy\": {\"type\": \"exponential_backoff\", \"initial_delay\": 10,\n"
    "                     \"max_delay\": 100, \"multiplier\": 3},\n"
    "  \"schedules\": [\n"
    "    {\"id\": \"prod\", \"schedule_cron\": \"0 8 * * *\", \"timeout\": 0,\n"
    "     \"retry_attempts\": 1, \"retry_strategy\": {\"type\": \"fixed_delay\", \"delay\": 5}},\n"
    "    {\"id\": \"plain\", \"schedule_interval_seconds\": 3600}\n"
    "  ],\n"
    "  \"downstream_triggers\": [\n"
    "    {\"pipeline\": \"b\", \"on_success\": true, \"on_failure\": false},\n"
    "    {\"pipeline\": \"c\", \"on_success\": false, \"on_failure\": true},\n"
    "    {\"pipeline\": \"d\", \"on_route\": \"late\"}\n"
    "  ],\n"
    "  \"restart_on_crash\": true\n"
    "}\n";

typedef struct
{
  gchar *dir;
  FfPipeline *pipeline;
} Fixture;

static void
write_file (const gchar *dir, const gchar *name, const gchar *contents)
{
  g_autofree gchar *path = g_build_filename (dir, name, NULL);
  g_autoptr (GError) error = NULL;

  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
}

static void
fixture_set_up (Fixture *fixture, gconstpointer json)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *root = g_dir_make_tmp ("ff-run-policy-XXXXXX", &error);

  g_assert_no_error (error);
  fixture->dir = g_build_filename (root, "p", NULL);
  g_assert_cmpint (g_mkdir (fixture->dir, 0755), ==, 0);
  write_file (fixture->dir, "main.py", "print('hello')\n");
  write_file (fixture->dir, "pipeline.json", json != NULL ? json : policy_json);
  fixture->pipeline = ff_pipeline_new_from_dir (fixture->dir, &error);
  g_assert_no_error (error);
  if (ff_pipeline_is_broken (fixture->pipeline))
    g_error ("unexpected error: %s", ff_pipeline_get_error (fixture->pipeline));
}

static void
fixture_tear_down (Fixture *fixture, gconstpointer data)
{
  g_autofree gchar *root = g_path_get_dirname (fixture->dir);

  g_clear_object (&fixture->pipeline);
  ff_test_remove_tree (root);
  g_free (fixture->dir);
}

static FfRun *
run_with (const gchar *run_config, guint attempt, guint max_attempts)
{
  FfRun *run = ff_run_new (7, "p");

  ff_run_set_run_config (run, run_config);
  ff_run_set_attempt (run, attempt);
  ff_run_set_max_attempts (run, max_attempts);
  return run;
}

static FfRun *
finished_run (FfRunState state, FfReason reason, const gchar *route)
{
  FfRun *run = ff_run_new (7, "p");

  ff_run_set_route (run, route);
  ff_run_restore (run, state, reason, state == FF_RUN_STATE_SUCCEEDED ? 0 : 1, NULL, 1, 0);
  return run;
}

static void
test_max_attempts (Fixture *fixture, gconstpointer data)
{
  g_assert_cmpuint (ff_run_policy_max_attempts (fixture->pipeline, NULL), ==, 4);
  g_assert_cmpuint (ff_run_policy_max_attempts (fixture->pipeline, "prod"), ==, 2);
  /* a run configuration without retry_attempts takes the pipeline's */
  g_assert_cmpuint (ff_run_policy_max_attempts (fixture->pipeline, "plain"), ==, 4);
}

static void
test_should_retry (Fixture *fixture, gconstpointer data)
{
  g_autoptr (FfRun) first = run_with (NULL, 1, 3);
  g_autoptr (FfRun) last = run_with (NULL, 3, 3);
  const FfReason retried[] = { FF_REASON_EXIT_CODE,         FF_REASON_OOM_KILLED,
                               FF_REASON_TIMEOUT,           FF_REASON_SPAWN_FAILED,
                               FF_REASON_PROXY_UNREACHABLE, FF_REASON_ENGINE_ERROR,
                               FF_REASON_IMAGE_NOT_FOUND };
  /* a proxy's 403 stays until someone changes its flags: no waiting helps */
  const FfReason final[] = { FF_REASON_NONE, FF_REASON_CANCELLED, FF_REASON_REFUSED,
                             FF_REASON_PROXY_FORBIDDEN, FF_REASON_ORCHESTRATOR_RESTARTED };

  for (guint i = 0; i < G_N_ELEMENTS (retried); i++)
    {
      g_assert_true (ff_run_policy_should_retry (first, retried[i]));
      /* no attempts left */
      g_assert_false (ff_run_policy_should_retry (last, retried[i]));
    }
  for (guint i = 0; i < G_N_ELEMENTS (final); i++)
    g_assert_false (ff_run_policy_should_retry (first, final[i]));
}

static void
test_retry_delay (Fixture *fixture, gconstpointer data)
{
  g_autoptr (FfRun) first = run_with (NULL, 1, 4);
  g_autoptr (FfRun) second = run_with (NULL, 2, 4);
  g_autoptr (FfRun) late = run_with (NULL, 4, 4);
  g_autoptr (FfRun) prod = run_with ("prod", 1, 2);
  g_autoptr (FfRun) plain = run_with ("plain", 2, 4);

  /* the pipeline's exponential backoff: 10, 30, … capped at 100 */
  g_assert_cmpfloat_with_epsilon (ff_run_policy_retry_delay (fixture->pipeline, first), 10, 1e-9);
  g_assert_cmpfloat_with_epsilon (ff_run_policy_retry_delay (fixture->pipeline, second), 30, 1e-9);
  g_assert_cmpfloat_with_epsilon (ff_run_policy_retry_delay (fixture->pipeline, late), 100, 1e-9);
  /* the run configuration's strategy wins */
  g_assert_cmpfloat_with_epsilon (ff_run_policy_retry_delay (fixture->pipeline, prod), 5, 1e-9);
  g_assert_cmpfloat_with_epsilon (ff_run_policy_retry_delay (fixture->pipeline, plain), 30, 1e-9);
  /* the pipeline is gone: at once */
  g_assert_cmpfloat_with_epsilon (ff_run_policy_retry_delay (NULL, first), 0, 1e-9);
}

static void
test_timeout (Fixture *fixture, gconstpointer data)
{
  g_autoptr (FfRun) run = run_with (NULL, 1, 1);
  g_autoptr (FfRun) prod = run_with ("prod", 1, 1);
  g_autoptr (FfRun) plain = run_with ("plain", 1, 1);

  g_assert_cmpint (ff_run_policy_timeout (fixture->pipeline, run, 60), ==, 3600);
  /* "timeout": 0 in the run configuration: none, not the pipeline's */
  g_assert_cmpint (ff_run_policy_timeout (fixture->pipeline, prod, 60), ==, 0);
  g_assert_cmpint (ff_run_policy_timeout (fixture->pipeline, plain, 60), ==, 3600);
  g_assert_cmpint (ff_run_policy_timeout (NULL, run, 60), ==, 60);
}

static void
test_default_timeout (Fixture *fixture, gconstpointer data)
{
  g_autoptr (FfRun) run = run_with (NULL, 1, 1);

  g_assert_cmpint (ff_run_policy_timeout (fixture->pipeline, run, 60), ==, 60);
  g_assert_cmpuint (ff_run_policy_max_attempts (fixture->pipeline, NULL), ==, 1);
}

static gchar *
fired (FfPipeline *pipeline, FfRun *run)
{
  g_autoptr (GPtrArray) triggers = ff_run_policy_dup_triggers_to_fire (pipeline, run);
  g_autoptr (GString) names = g_string_new (NULL);

  for (guint i = 0; i < triggers->len; i++)
    g_string_append (names, ((const FfTrigger *) g_ptr_array_index (triggers, i))->pipeline);
  return g_string_free (g_steal_pointer (&names), FALSE);
}

static void
test_triggers (Fixture *fixture, gconstpointer data)
{
  struct
  {
    FfRunState state;
    FfReason reason;
    const gchar *route;
    const gchar *fired;
  } cases[] = {
    { FF_RUN_STATE_SUCCEEDED, FF_REASON_NONE, NULL, "b" },
    { FF_RUN_STATE_FAILED, FF_REASON_EXIT_CODE, NULL, "c" },
    { FF_RUN_STATE_TIMED_OUT, FF_REASON_TIMEOUT, NULL, "c" },
    { FF_RUN_STATE_SUCCEEDED, FF_REASON_NONE, "late", "bd" },
    { FF_RUN_STATE_SUCCEEDED, FF_REASON_NONE, "early", "b" },
    /* a run someone stopped is not a result to act on, whatever its route */
    { FF_RUN_STATE_CANCELLED, FF_REASON_CANCELLED, "late", "" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (FfRun) run = finished_run (cases[i].state, cases[i].reason, cases[i].route);
      g_autofree gchar *names = fired (fixture->pipeline, run);

      g_assert_cmpstr (names, ==, cases[i].fired);
    }
  {
    g_autoptr (FfRun) run = finished_run (FF_RUN_STATE_SUCCEEDED, FF_REASON_NONE, NULL);
    g_autofree gchar *names = fired (NULL, run);

    g_assert_cmpstr (names, ==, "");
  }
}

static void
test_restart_on_crash (Fixture *fixture, gconstpointer data)
{
  g_autoptr (FfRun) failed = finished_run (FF_RUN_STATE_FAILED, FF_REASON_EXIT_CODE, NULL);
  g_autoptr (FfRun) refused = finished_run (FF_RUN_STATE_FAILED, FF_REASON_REFUSED, NULL);
  g_autoptr (FfRun) ok = finished_run (FF_RUN_STATE_SUCCEEDED, FF_REASON_NONE, NULL);
  g_autoptr (FfRun) cancelled = finished_run (FF_RUN_STATE_CANCELLED, FF_REASON_CANCELLED, NULL);
  g_autoptr (FfRun) timed_out = finished_run (FF_RUN_STATE_TIMED_OUT, FF_REASON_TIMEOUT, NULL);

  g_assert_true (ff_run_policy_should_restart_on_crash (fixture->pipeline, failed));
  g_assert_false (ff_run_policy_should_restart_on_crash (fixture->pipeline, refused));
  g_assert_false (ff_run_policy_should_restart_on_crash (fixture->pipeline, ok));
  g_assert_false (ff_run_policy_should_restart_on_crash (fixture->pipeline, cancelled));
  g_assert_false (ff_run_policy_should_restart_on_crash (fixture->pipeline, timed_out));
  g_assert_false (ff_run_policy_should_restart_on_crash (NULL, failed));
}

static void
test_no_restart (Fixture *fixture, gconstpointer data)
{
  g_autoptr (FfRun) failed = finished_run (FF_RUN_STATE_FAILED, FF_REASON_EXIT_CODE, NULL);

  g_assert_false (ff_run_policy_should_restart_on_crash (fixture->pipeline, failed));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, json, func)                                                                      \
  g_test_add ("/run-policy/" path, Fixture, json, fixture_set_up, func, fixture_tear_down)
  ADD ("max-attempts", NULL, test_max_attempts);
  ADD ("should-retry", NULL, test_should_retry);
  ADD ("retry-delay", NULL, test_retry_delay);
  ADD ("timeout", NULL, test_timeout);
  ADD ("default-timeout", "{}", test_default_timeout);
  ADD ("triggers", NULL, test_triggers);
  ADD ("restart-on-crash", NULL, test_restart_on_crash);
  ADD ("restart-on-crash-unset", "{}", test_no_restart);
  ADD ("restart-on-crash-disabled", "{\"restart_on_crash\": true, \"enabled\": false}",
       test_no_restart);
#undef ADD
  return g_test_run ();
}
