/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "ff-test-execution.h"

FfTestRun *
ff_test_run_new (FfTestRunFlags flags)
{
  FfTestRun *run = g_new0 (FfTestRun, 1);

  run->flags = flags;
  if (flags & FF_TEST_RUN_KEEP_OUTPUT)
    {
      run->out = g_string_new (NULL);
      run->err = g_string_new (NULL);
    }
  run->out_checksum = g_checksum_new (G_CHECKSUM_SHA256);
  run->exit_code = -1;
  return run;
}

void
ff_test_run_free (FfTestRun *run)
{
  g_clear_object (&run->request);
  g_clear_error (&run->launch_error);
  g_clear_object (&run->execution);
  if (run->out != NULL)
    g_string_free (run->out, TRUE);
  if (run->err != NULL)
    g_string_free (run->err, TRUE);
  g_checksum_free (run->out_checksum);
  g_free (run->message);
  g_free (run);
}

static void
check_marker (FfTestRun *run)
{
  if (run->marker == NULL || run->marker_at != 0 || run->out == NULL)
    return;
  if (strstr (run->out->str, run->marker) == NULL)
    return;
  run->marker_at = g_get_monotonic_time ();
  run->on_marker (run);
}

static void
on_output (FfExecution *execution, gint stream, GBytes *bytes, gpointer user_data)
{
  FfTestRun *run = user_data;
  gsize size = 0;
  const guint8 *data = g_bytes_get_data (bytes, &size);

  if (run->flags & FF_TEST_RUN_EXIT_IS_LAST)
    g_assert_false (run->exited);
  g_assert_cmpuint (size, >, 0);
  g_assert_true (stream == FF_STREAM_STDOUT || stream == FF_STREAM_STDERR);
  if (run->exited_count > 0)
    run->output_after_exit++;
  run->got_output = TRUE;
  if (stream == FF_STREAM_STDERR)
    {
      run->err_size += size;
      if (run->err != NULL)
        g_string_append_len (run->err, (const gchar *) data, size);
      return;
    }
  run->out_size += size;
  g_checksum_update (run->out_checksum, data, size);
  for (gsize i = 0; i < size; i++)
    run->out_nonzero += data[i] != 0;
  if (run->out != NULL)
    g_string_append_len (run->out, (const gchar *) data, size);
  check_marker (run);
}

static void
on_exited (
    FfExecution *execution, gint exit_code, gint reason, const gchar *message, gpointer user_data)
{
  FfTestRun *run = user_data;

  if (run->flags & FF_TEST_RUN_EXIT_IS_LAST)
    g_assert_false (run->exited);
  run->exited_count++;
  run->exited = TRUE;
  run->exit_code = exit_code;
  run->reason = reason;
  g_free (run->message);
  run->message = g_strdup (message);
  run->exited_at = g_get_monotonic_time ();
}

static void
on_launched (GObject *source, GAsyncResult *result, gpointer user_data)
{
  FfTestRun *run = user_data;

  run->execution = ff_executor_launch_finish (FF_EXECUTOR (source), result, &run->launch_error);
  run->launched = TRUE;
  if (run->execution == NULL)
    return;
  g_signal_connect (run->execution, "output", G_CALLBACK (on_output), run);
  g_signal_connect (run->execution, "exited", G_CALLBACK (on_exited), run);
}

void
ff_test_run_launch (FfTestRun *run,
                    FfExecutor *executor,
                    FfRunRequest *request,
                    GCancellable *cancellable)
{
  g_assert_null (run->request);
  run->request = request;
  run->launched_at = g_get_monotonic_time ();
  ff_executor_launch_async (executor, request, cancellable, on_launched, run);
}
