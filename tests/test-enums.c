/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <gio/gio.h>

#include "fastflow.h"

/* The D-Bus `State` values. */
static const struct
{
  FfRunState state;
  const gchar *name;
  gboolean finished;
} states[] = {
  { FF_RUN_STATE_QUEUED, "queued", FALSE },      { FF_RUN_STATE_STARTING, "starting", FALSE },
  { FF_RUN_STATE_RUNNING, "running", FALSE },    { FF_RUN_STATE_SUCCEEDED, "succeeded", TRUE },
  { FF_RUN_STATE_FAILED, "failed", TRUE },       { FF_RUN_STATE_CANCELLED, "cancelled", TRUE },
  { FF_RUN_STATE_TIMED_OUT, "timed-out", TRUE },
};

/* DESIGN §7: the `Reason` values, their class, the state a run ends in and
 * what `fastflowctl run` exits with (exit-code is checked separately). */
static const struct
{
  FfReason reason;
  const gchar *name;
  FfErrorClass error_class;
  FfRunState final_state;
  gint cli_exit;
} reasons[] = {
  { FF_REASON_NONE, "", FF_ERROR_CLASS_NONE, FF_RUN_STATE_SUCCEEDED, 0 },
  { FF_REASON_EXIT_CODE, "exit-code", FF_ERROR_CLASS_PIPELINE, FF_RUN_STATE_FAILED, -1 },
  { FF_REASON_OOM_KILLED, "oom-killed", FF_ERROR_CLASS_PIPELINE, FF_RUN_STATE_FAILED, 137 },
  { FF_REASON_TIMEOUT, "timeout", FF_ERROR_CLASS_PIPELINE, FF_RUN_STATE_TIMED_OUT, 124 },
  { FF_REASON_CANCELLED, "cancelled", FF_ERROR_CLASS_PIPELINE, FF_RUN_STATE_CANCELLED, 130 },
  { FF_REASON_SPAWN_FAILED, "spawn-failed", FF_ERROR_CLASS_PIPELINE, FF_RUN_STATE_FAILED, 127 },
  { FF_REASON_PROXY_UNREACHABLE, "proxy-unreachable", FF_ERROR_CLASS_INFRASTRUCTURE,
    FF_RUN_STATE_FAILED, 125 },
  { FF_REASON_PROXY_FORBIDDEN, "proxy-forbidden", FF_ERROR_CLASS_INFRASTRUCTURE,
    FF_RUN_STATE_FAILED, 125 },
  { FF_REASON_ENGINE_ERROR, "engine-error", FF_ERROR_CLASS_INFRASTRUCTURE, FF_RUN_STATE_FAILED,
    125 },
  { FF_REASON_IMAGE_NOT_FOUND, "image-not-found", FF_ERROR_CLASS_INFRASTRUCTURE,
    FF_RUN_STATE_FAILED, 125 },
  { FF_REASON_ORCHESTRATOR_RESTARTED, "orchestrator-restarted", FF_ERROR_CLASS_INFRASTRUCTURE,
    FF_RUN_STATE_FAILED, 125 },
  { FF_REASON_REFUSED, "refused", FF_ERROR_CLASS_PIPELINE, FF_RUN_STATE_FAILED, 126 },
  { FF_REASON_DEPENDENCIES_FAILED, "dependencies-failed", FF_ERROR_CLASS_PIPELINE,
    FF_RUN_STATE_FAILED, 65 },
  { FF_REASON_INDEX_UNREACHABLE, "index-unreachable", FF_ERROR_CLASS_INFRASTRUCTURE,
    FF_RUN_STATE_FAILED, 125 },
};

static void
test_run_states (void)
{
  GEnumClass *enum_class = g_type_class_ref (FF_TYPE_RUN_STATE);

  /* Every value of the enum has a row above. */
  g_assert_cmpuint (enum_class->n_values, ==, G_N_ELEMENTS (states));
  g_type_class_unref (enum_class);

  for (gsize i = 0; i < G_N_ELEMENTS (states); i++)
    {
      FfRunState parsed = FF_RUN_STATE_FAILED;

      g_assert_cmpstr (ff_run_state_to_string (states[i].state), ==, states[i].name);
      g_assert_true (ff_run_state_from_string (states[i].name, &parsed));
      g_assert_cmpint (parsed, ==, states[i].state);
      g_assert_cmpint (ff_run_state_is_finished (states[i].state), ==, states[i].finished);
    }
}

static void
test_run_state_unknown (void)
{
  const gchar *unknown[] = { NULL, "", "Queued", "QUEUED", "timed_out", "done", "running " };

  for (gsize i = 0; i < G_N_ELEMENTS (unknown); i++)
    {
      FfRunState parsed = FF_RUN_STATE_RUNNING;

      g_assert_false (ff_run_state_from_string (unknown[i], &parsed));
      g_assert_cmpint (parsed, ==, FF_RUN_STATE_RUNNING);
    }
}

static void
test_reasons (void)
{
  GEnumClass *enum_class = g_type_class_ref (FF_TYPE_REASON);

  g_assert_cmpuint (enum_class->n_values, ==, G_N_ELEMENTS (reasons));
  g_type_class_unref (enum_class);

  for (gsize i = 0; i < G_N_ELEMENTS (reasons); i++)
    {
      FfReason parsed = FF_REASON_REFUSED;

      g_assert_cmpstr (ff_reason_to_string (reasons[i].reason), ==, reasons[i].name);
      g_assert_true (ff_reason_from_string (reasons[i].name, &parsed));
      g_assert_cmpint (parsed, ==, reasons[i].reason);
      g_assert_cmpint (ff_reason_get_error_class (reasons[i].reason), ==, reasons[i].error_class);
      g_assert_cmpint (ff_reason_get_final_state (reasons[i].reason), ==, reasons[i].final_state);
      if (reasons[i].cli_exit >= 0)
        {
          /* The pipeline's own exit code does not matter for these. */
          g_assert_cmpint (ff_reason_get_cli_exit_code (reasons[i].reason, 0), ==,
                           reasons[i].cli_exit);
          g_assert_cmpint (ff_reason_get_cli_exit_code (reasons[i].reason, 3), ==,
                           reasons[i].cli_exit);
        }
    }
}

static void
test_reason_unknown (void)
{
  const gchar *unknown[] = { NULL, "oom", "OOM-KILLED", "exit_code", "none", "cancelled\n" };

  for (gsize i = 0; i < G_N_ELEMENTS (unknown); i++)
    {
      FfReason parsed = FF_REASON_TIMEOUT;

      g_assert_false (ff_reason_from_string (unknown[i], &parsed));
      g_assert_cmpint (parsed, ==, FF_REASON_TIMEOUT);
    }
}

static void
test_error_classes (void)
{
  g_assert_cmpstr (ff_error_class_to_string (FF_ERROR_CLASS_NONE), ==, "none");
  g_assert_cmpstr (ff_error_class_to_string (FF_ERROR_CLASS_PIPELINE), ==, "pipeline");
  g_assert_cmpstr (ff_error_class_to_string (FF_ERROR_CLASS_INFRASTRUCTURE), ==, "infrastructure");
}

/* exit N≠0 → N; a run that failed never exits 0, whatever it reported. */
static void
test_exit_codes (void)
{
  for (gint code = 1; code < 256; code++)
    g_assert_cmpint (ff_reason_get_cli_exit_code (FF_REASON_EXIT_CODE, code), ==, code);
  g_assert_cmpint (ff_reason_get_cli_exit_code (FF_REASON_EXIT_CODE, 0), !=, 0);
  g_assert_cmpint (ff_reason_get_cli_exit_code (FF_REASON_EXIT_CODE, -1), !=, 0);
  g_assert_cmpint (ff_reason_get_cli_exit_code (FF_REASON_EXIT_CODE, 256), !=, 0);
  /* exit 137 without the OOM flag is still the pipeline's code. */
  g_assert_cmpint (ff_reason_get_cli_exit_code (FF_REASON_EXIT_CODE, 137), ==, 137);
}

static void
test_out_of_range (void)
{
  if (g_test_subprocess ())
    {
      ff_reason_to_string ((FfReason) 99);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*CRITICAL*ff_reason_to_string*");
}

/* The D-Bus errors, as clients see them. */
static void
test_dbus_errors (void)
{
  const struct
  {
    FfError code;
    const gchar *name;
  } errors[] = {
    { FF_ERROR_FAILED, "org.fastflow.Orchestrator1.Error.Failed" },
    { FF_ERROR_NO_SUCH_PIPELINE, "org.fastflow.Orchestrator1.Error.NoSuchPipeline" },
    { FF_ERROR_NO_SUCH_RUN, "org.fastflow.Orchestrator1.Error.NoSuchRun" },
    { FF_ERROR_INVALID_ARGUMENT, "org.fastflow.Orchestrator1.Error.InvalidArgument" },
    { FF_ERROR_LIMIT_REACHED, "org.fastflow.Orchestrator1.Error.LimitReached" },
    { FF_ERROR_DISABLED, "org.fastflow.Orchestrator1.Error.Disabled" },
    { FF_ERROR_BROKEN_PIPELINE, "org.fastflow.Orchestrator1.Error.BrokenPipeline" },
    { FF_ERROR_STORAGE, "org.fastflow.Orchestrator1.Error.Storage" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (errors); i++)
    {
      g_autoptr (GError) error = g_error_new_literal (FF_ERROR, errors[i].code, "m");
      g_autofree gchar *name = g_dbus_error_encode_gerror (error);
      g_autoptr (GError) decoded = g_dbus_error_new_for_dbus_error (errors[i].name, "m");

      g_assert_cmpstr (name, ==, errors[i].name);
      g_assert_error (decoded, FF_ERROR, (gint) errors[i].code);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/enums/run-states", test_run_states);
  g_test_add_func ("/enums/run-state-unknown", test_run_state_unknown);
  g_test_add_func ("/enums/reasons", test_reasons);
  g_test_add_func ("/enums/reason-unknown", test_reason_unknown);
  g_test_add_func ("/enums/error-classes", test_error_classes);
  g_test_add_func ("/enums/exit-codes", test_exit_codes);
  g_test_add_func ("/enums/out-of-range", test_out_of_range);
  g_test_add_func ("/enums/dbus-errors", test_dbus_errors);
  return g_test_run ();
}
