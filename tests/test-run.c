/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "ff-run.h"

#define N_STATES (FF_RUN_STATE_TIMED_OUT + 1)
#define N_REASONS (FF_REASON_INDEX_UNREACHABLE + 1)

static void
count_notify (GObject *object, GParamSpec *pspec, gpointer user_data)
{
  guint *count = user_data;
  (*count)++;
}

/* A run put straight into @state, as the store would load it. */
static FfRun *
run_in_state (FfRunState state)
{
  FfRun *run = ff_run_new (7, "demo");
  ff_run_restore (run, state, FF_REASON_NONE, -1, NULL, 0, 0);
  return run;
}

/* Every pair of states, against the table the orchestrator relies on. */
static void
test_run_transitions (void)
{
  /* allowed[from][to] */
  static const gboolean allowed[N_STATES][N_STATES] = {
    /*                  queued starting running succeeded failed cancelled timed-out */
    [FF_RUN_STATE_QUEUED] = { FALSE, TRUE, FALSE, FALSE, TRUE, TRUE, FALSE },
    [FF_RUN_STATE_STARTING] = { TRUE, FALSE, TRUE, FALSE, TRUE, TRUE, TRUE },
    [FF_RUN_STATE_RUNNING] = { TRUE, FALSE, FALSE, TRUE, TRUE, TRUE, TRUE },
    /* finished states are all FALSE */
  };

  for (guint from = 0; from < N_STATES; from++)
    {
      for (guint to = 0; to < N_STATES; to++)
        {
          g_autoptr (FfRun) run = run_in_state (from);
          g_autoptr (GError) error = NULL;
          guint notified = 0;
          gboolean ok;

          g_signal_connect (run, "notify::state", G_CALLBACK (count_notify), &notified);
          ok = ff_run_set_state (run, to, &error);
          if (allowed[from][to])
            {
              g_assert_no_error (error);
              g_assert_true (ok);
              g_assert_cmpint (ff_run_get_state (run), ==, to);
              g_assert_cmpuint (notified, ==, 1);
            }
          else
            {
              g_assert_error (error, FF_ERROR, FF_ERROR_INVALID_ARGUMENT);
              g_assert_false (ok);
              /* the message names both states */
              g_assert_nonnull (strstr (error->message, ff_run_state_to_string (from)));
              g_assert_nonnull (strstr (error->message, ff_run_state_to_string (to)));
              g_assert_cmpint (ff_run_get_state (run), ==, from);
              g_assert_cmpuint (notified, ==, 0);
            }
        }
    }
}

/* The ordinary life of a run, and a retry, from a fresh ff_run_new(). */
static void
test_run_lifecycle (void)
{
  g_autoptr (FfRun) run = ff_run_new (1, "demo");
  g_autoptr (GError) error = NULL;
  guint notified = 0;

  g_assert_cmpint (ff_run_get_state (run), ==, FF_RUN_STATE_QUEUED);
  g_assert_cmpint (ff_run_get_exit_code (run), ==, -1);
  g_assert_cmpuint (ff_run_get_attempt (run), ==, 1);
  g_assert_cmpint (ff_run_get_error_class (run), ==, FF_ERROR_CLASS_NONE);
  g_assert_cmpint (ff_run_get_created_at (run), >, 0);
  g_signal_connect (run, "notify::state", G_CALLBACK (count_notify), &notified);

  g_assert_true (ff_run_set_state (run, FF_RUN_STATE_STARTING, &error));
  g_assert_true (ff_run_set_state (run, FF_RUN_STATE_RUNNING, &error));
  /* the first attempt failed and the run goes back to the queue */
  g_assert_true (ff_run_set_state (run, FF_RUN_STATE_QUEUED, &error));
  ff_run_set_attempt (run, 2);
  g_assert_true (ff_run_set_state (run, FF_RUN_STATE_STARTING, &error));
  g_assert_true (ff_run_set_state (run, FF_RUN_STATE_RUNNING, &error));
  g_assert_true (ff_run_set_state (run, FF_RUN_STATE_SUCCEEDED, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (notified, ==, 6);
  g_assert_cmpuint (ff_run_get_attempt (run), ==, 2);

  /* nothing leaves a finished state */
  g_assert_false (ff_run_set_state (run, FF_RUN_STATE_QUEUED, &error));
  g_assert_error (error, FF_ERROR, FF_ERROR_INVALID_ARGUMENT);
  g_assert_cmpint (ff_run_get_state (run), ==, FF_RUN_STATE_SUCCEEDED);
  g_assert_cmpuint (notified, ==, 6);
}

typedef struct
{
  FfReason reason;
  FfRunState state;
  FfErrorClass error_class;
} FinishCase;

static void
test_run_finish (void)
{
  /* written out rather than derived, so a change to the enum helpers shows here */
  static const FinishCase cases[] = {
    { FF_REASON_NONE, FF_RUN_STATE_SUCCEEDED, FF_ERROR_CLASS_NONE },
    { FF_REASON_EXIT_CODE, FF_RUN_STATE_FAILED, FF_ERROR_CLASS_PIPELINE },
    { FF_REASON_OOM_KILLED, FF_RUN_STATE_FAILED, FF_ERROR_CLASS_PIPELINE },
    { FF_REASON_TIMEOUT, FF_RUN_STATE_TIMED_OUT, FF_ERROR_CLASS_PIPELINE },
    { FF_REASON_CANCELLED, FF_RUN_STATE_CANCELLED, FF_ERROR_CLASS_PIPELINE },
    { FF_REASON_SPAWN_FAILED, FF_RUN_STATE_FAILED, FF_ERROR_CLASS_PIPELINE },
    { FF_REASON_PROXY_UNREACHABLE, FF_RUN_STATE_FAILED, FF_ERROR_CLASS_INFRASTRUCTURE },
    { FF_REASON_PROXY_FORBIDDEN, FF_RUN_STATE_FAILED, FF_ERROR_CLASS_INFRASTRUCTURE },
    { FF_REASON_ENGINE_ERROR, FF_RUN_STATE_FAILED, FF_ERROR_CLASS_INFRASTRUCTURE },
    { FF_REASON_IMAGE_NOT_FOUND, FF_RUN_STATE_FAILED, FF_ERROR_CLASS_INFRASTRUCTURE },
    { FF_REASON_ORCHESTRATOR_RESTARTED, FF_RUN_STATE_FAILED, FF_ERROR_CLASS_INFRASTRUCTURE },
    { FF_REASON_REFUSED, FF_RUN_STATE_FAILED, FF_ERROR_CLASS_PIPELINE },
    { FF_REASON_DEPENDENCIES_FAILED, FF_RUN_STATE_FAILED, FF_ERROR_CLASS_PIPELINE },
    { FF_REASON_INDEX_UNREACHABLE, FF_RUN_STATE_FAILED, FF_ERROR_CLASS_INFRASTRUCTURE },
  };

  G_STATIC_ASSERT (G_N_ELEMENTS (cases) == N_REASONS);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (FfRun) run = run_in_state (FF_RUN_STATE_RUNNING);
      g_autoptr (GError) error = NULL;
      guint notified_state = 0;
      guint notified_exit_code = 0;

      g_signal_connect (run, "notify::state", G_CALLBACK (count_notify), &notified_state);
      g_signal_connect (run, "notify::exit-code", G_CALLBACK (count_notify), &notified_exit_code);
      g_assert_true (
          ff_run_finish (run, cases[i].reason, 40 + i, "the detail", 1234567 + i, &error));
      g_assert_no_error (error);
      g_assert_cmpint (ff_run_get_state (run), ==, cases[i].state);
      g_assert_cmpint (ff_run_get_reason (run), ==, cases[i].reason);
      g_assert_cmpint (ff_run_get_error_class (run), ==, cases[i].error_class);
      g_assert_cmpint (ff_run_get_exit_code (run), ==, 40 + i);
      g_assert_cmpstr (ff_run_get_message (run), ==, "the detail");
      g_assert_cmpint (ff_run_get_finished_at (run), ==, 1234567 + i);
      g_assert_cmpuint (notified_state, ==, 1);
      g_assert_cmpuint (notified_exit_code, ==, 1);

      /* a second finish is refused and changes nothing */
      g_assert_false (ff_run_finish (run, FF_REASON_ENGINE_ERROR, 1, "other", 1, &error));
      g_assert_error (error, FF_ERROR, FF_ERROR_INVALID_ARGUMENT);
      g_assert_cmpint (ff_run_get_reason (run), ==, cases[i].reason);
      g_assert_cmpint (ff_run_get_exit_code (run), ==, 40 + i);
      g_assert_cmpstr (ff_run_get_message (run), ==, "the detail");
      g_assert_cmpint (ff_run_get_finished_at (run), ==, 1234567 + i);
    }
}

/* Finishing where the state machine forbids it leaves the run as it was. */
static void
test_run_finish_refused (void)
{
  g_autoptr (FfRun) run = ff_run_new (3, "demo");
  g_autoptr (GError) error = NULL;
  guint notified = 0;

  g_signal_connect (run, "notify", G_CALLBACK (count_notify), &notified);
  /* queued → succeeded */
  g_assert_false (ff_run_finish (run, FF_REASON_NONE, 0, NULL, 99, &error));
  g_assert_error (error, FF_ERROR, FF_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  /* queued → timed-out: the timeout clock never runs in the queue */
  g_assert_false (ff_run_finish (run, FF_REASON_TIMEOUT, 0, NULL, 99, &error));
  g_assert_error (error, FF_ERROR, FF_ERROR_INVALID_ARGUMENT);
  g_assert_cmpint (ff_run_get_state (run), ==, FF_RUN_STATE_QUEUED);
  g_assert_cmpint (ff_run_get_reason (run), ==, FF_REASON_NONE);
  g_assert_cmpint (ff_run_get_exit_code (run), ==, -1);
  g_assert_cmpint (ff_run_get_finished_at (run), ==, 0);
  g_assert_cmpuint (notified, ==, 0);
  g_clear_error (&error);

  /* a queued run can be cancelled */
  g_assert_true (ff_run_finish (run, FF_REASON_CANCELLED, -1, NULL, 99, &error));
  g_assert_no_error (error);
  g_assert_cmpint (ff_run_get_state (run), ==, FF_RUN_STATE_CANCELLED);
}

static void
test_run_display_message (void)
{
  for (guint state = FF_RUN_STATE_QUEUED; state <= FF_RUN_STATE_RUNNING; state++)
    {
      g_autoptr (FfRun) run = run_in_state (state);
      g_autofree gchar *text = ff_run_dup_display_message (run);
      g_assert_nonnull (text);
      g_assert_cmpstr (text, !=, "");
    }
  for (guint reason = 0; reason < N_REASONS; reason++)
    {
      g_autoptr (FfRun) bare = ff_run_new (1, "demo");
      g_autoptr (FfRun) detailed = ff_run_new (2, "demo");
      g_autofree gchar *text = NULL;
      g_autofree gchar *text_detailed = NULL;

      ff_run_restore (bare, ff_reason_get_final_state (reason), reason, 3, NULL, 1, 0);
      ff_run_restore (detailed, ff_reason_get_final_state (reason), reason, 3, "disk on fire", 1,
                      0);
      text = ff_run_dup_display_message (bare);
      text_detailed = ff_run_dup_display_message (detailed);
      g_assert_nonnull (text);
      g_assert_cmpstr (text, !=, "");
      /* the detail is added to the summary, not put in its place */
      g_assert_true (g_str_has_prefix (text_detailed, text));
      g_assert_true (g_str_has_suffix (text_detailed, "disk on fire"));
    }
}

static void
test_run_exit_code_message (void)
{
  g_autoptr (FfRun) run = ff_run_new (1, "demo");
  g_autofree gchar *text = NULL;

  ff_run_restore (run, FF_RUN_STATE_FAILED, FF_REASON_EXIT_CODE, 42, NULL, 1, 0);
  text = ff_run_dup_display_message (run);
  g_assert_nonnull (strstr (text, "42"));
}

static void
test_run_usage (void)
{
  g_autoptr (FfRun) run = ff_run_new (1, "demo");
  guint notified_peak = 0;
  guint notified_memory = 0;
  guint notified_cpu = 0;

  g_signal_connect (run, "notify::memory-peak-bytes", G_CALLBACK (count_notify), &notified_peak);
  g_signal_connect (run, "notify::memory-bytes", G_CALLBACK (count_notify), &notified_memory);
  g_signal_connect (run, "notify::cpu-percent", G_CALLBACK (count_notify), &notified_cpu);

  ff_run_set_usage (run, 10.0, 100);
  ff_run_set_usage (run, 50.0, 300);
  ff_run_set_usage (run, 25.0, 200);
  g_assert_cmpfloat (ff_run_get_cpu_percent (run), ==, 25.0);
  g_assert_cmpuint (ff_run_get_memory_bytes (run), ==, 200);
  g_assert_cmpuint (ff_run_get_memory_peak_bytes (run), ==, 300);
  g_assert_cmpuint (notified_peak, ==, 2);
  g_assert_cmpuint (notified_memory, ==, 3);
  g_assert_cmpuint (notified_cpu, ==, 3);

  /* the same sample again is no change and tells nobody */
  ff_run_set_usage (run, 25.0, 200);
  g_assert_cmpuint (notified_memory, ==, 3);
  g_assert_cmpuint (notified_cpu, ==, 3);
  g_assert_cmpuint (notified_peak, ==, 2);

  ff_run_set_soft_limit_exceeded (run, TRUE);
  g_assert_true (ff_run_get_soft_limit_exceeded (run));
}

static void
test_run_setters_notify (void)
{
  g_autoptr (FfRun) run = ff_run_new (1, "demo");
  guint notified = 0;

  g_signal_connect (run, "notify", G_CALLBACK (count_notify), &notified);
  ff_run_set_executor (run, "local");
  ff_run_set_attempt (run, 2);
  ff_run_set_max_attempts (run, 3);
  ff_run_set_triggered_by (run, "cron");
  ff_run_set_route (run, "a/b");
  ff_run_set_started_at (run, 5);
  ff_run_set_created_at (run, 4);
  g_assert_cmpuint (notified, ==, 7);

  /* setting what is already there is not a change */
  ff_run_set_executor (run, "local");
  ff_run_set_attempt (run, 2);
  ff_run_set_max_attempts (run, 3);
  ff_run_set_triggered_by (run, "cron");
  ff_run_set_route (run, "a/b");
  ff_run_set_started_at (run, 5);
  ff_run_set_created_at (run, 4);
  g_assert_cmpuint (notified, ==, 7);

  g_assert_cmpstr (ff_run_get_executor (run), ==, "local");
  g_assert_cmpstr (ff_run_get_triggered_by (run), ==, "cron");
  g_assert_cmpstr (ff_run_get_route (run), ==, "a/b");
  g_assert_cmpint (ff_run_get_started_at (run), ==, 5);
  g_assert_cmpint (ff_run_get_created_at (run), ==, 4);
}

static void
test_run_env (void)
{
  g_autoptr (FfRun) run = ff_run_new (1, "demo");
  g_autoptr (GHashTable) env = g_hash_table_new (g_str_hash, g_str_equal);

  g_hash_table_insert (env, "GREETING", "grüß dich");
  g_hash_table_insert (env, "EMPTY", "");
  ff_run_set_env (run, env);
  g_hash_table_remove_all (env);
  /* a copy was taken */
  g_assert_cmpuint (g_hash_table_size (ff_run_get_env (run)), ==, 2);
  g_assert_cmpstr (g_hash_table_lookup (ff_run_get_env (run), "GREETING"), ==, "grüß dich");

  /* handing the run its own table back keeps it */
  ff_run_set_env (run, ff_run_get_env (run));
  g_assert_cmpuint (g_hash_table_size (ff_run_get_env (run)), ==, 2);

  ff_run_set_env (run, NULL);
  g_assert_cmpuint (g_hash_table_size (ff_run_get_env (run)), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/run/transitions", test_run_transitions);
  g_test_add_func ("/run/lifecycle", test_run_lifecycle);
  g_test_add_func ("/run/finish", test_run_finish);
  g_test_add_func ("/run/finish-refused", test_run_finish_refused);
  g_test_add_func ("/run/display-message", test_run_display_message);
  g_test_add_func ("/run/exit-code-message", test_run_exit_code_message);
  g_test_add_func ("/run/usage", test_run_usage);
  g_test_add_func ("/run/setters-notify", test_run_setters_notify);
  g_test_add_func ("/run/env", test_run_env);
  return g_test_run ();
}
