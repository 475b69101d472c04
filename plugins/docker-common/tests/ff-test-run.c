/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "ff-test-run.h"

const gchar *
ff_test_shown (const gchar *message)
{
  static GPtrArray *texts;

  if (texts == NULL)
    texts = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (texts, ff_message_format (message));
  return g_ptr_array_index (texts, texts->len - 1);
}

FfRunRequest *
ff_test_request_new (guint64 run_id, const gchar *script, const gchar *dir, const gchar *instance)
{
  const gchar *argv[] = { "sh", "-c", script, NULL };
  FfRunRequest *request = ff_run_request_new (run_id, "test-pipe");
  g_autofree gchar *id = g_strdup_printf ("%" G_GUINT64_FORMAT, run_id);

  ff_run_request_set_command (request, argv);
  ff_run_request_set_pipeline_dir (request, dir);
  ff_run_request_set_label (request, "org.fastflow.instance", instance);
  ff_run_request_set_env_var (request, "FASTFLOW_RUN_ID", id);
  return request;
}

typedef struct
{
  gboolean done;
  JsonNode *node;
  guint status;
  GError *error;
} EngineCall;

static void
on_engine_call (GObject *source, GAsyncResult *res, gpointer user_data)
{
  EngineCall *call = user_data;

  call->node =
      ff_docker_client_call_finish (FF_DOCKER_CLIENT (source), res, &call->status, &call->error);
  call->done = TRUE;
}

JsonNode *
ff_test_engine_call (FfDockerClient *engine,
                     const gchar *method,
                     const gchar *path,
                     JsonNode *body,
                     FfDockerCallFlags flags,
                     guint *status)
{
  EngineCall call = { 0 };

  ff_docker_client_call_async (engine, method, path, body, flags, NULL, on_engine_call, &call);
  ff_test_wait_until_within (ff_test_is_set, &call.done, 60, "the engine's answer");
  g_assert_no_error (call.error);
  *status = call.status;
  return call.node;
}

JsonNode *
ff_test_engine_get (FfDockerClient *engine, const gchar *path, guint *status)
{
  return ff_test_engine_call (engine, "GET", path, NULL, FF_DOCKER_CALL_NONE, status);
}

void
ff_test_run_free (FfTestRun *run)
{
  g_object_unref (run->request);
  g_clear_error (&run->launch_error);
  g_clear_object (&run->execution);
  g_string_free (run->out, TRUE);
  g_string_free (run->err, TRUE);
  g_free (run->message);
  g_free (run);
}

static void
on_output (FfExecution *execution, gint stream, GBytes *data, gpointer user_data)
{
  FfTestRun *run = user_data;
  gsize len = 0;
  const gchar *bytes = g_bytes_get_data (data, &len);

  g_assert_false (run->exited);
  g_assert_cmpuint (len, >, 0);
  g_assert_true (stream == FF_STREAM_STDOUT || stream == FF_STREAM_STDERR);
  g_string_append_len (stream == FF_STREAM_STDOUT ? run->out : run->err, bytes, len);
  if (run->marker != NULL && run->marker_at == 0 && strstr (run->out->str, run->marker) != NULL)
    {
      run->marker_at = g_get_monotonic_time ();
      run->on_marker (run);
    }
}

static void
on_exited (
    FfExecution *execution, gint exit_code, gint reason, const gchar *message, gpointer user_data)
{
  FfTestRun *run = user_data;

  g_assert_false (run->exited);
  run->exited = TRUE;
  run->exit_code = exit_code;
  run->reason = reason;
  run->message = g_strdup (message);
  run->exited_at = g_get_monotonic_time ();
}

static void
on_launched (GObject *source, GAsyncResult *res, gpointer user_data)
{
  FfTestRun *run = user_data;

  run->execution = ff_executor_launch_finish (FF_EXECUTOR (source), res, &run->launch_error);
  run->launched = TRUE;
  run->launched_at = g_get_monotonic_time ();
  if (run->execution == NULL)
    return;
  g_signal_connect (run->execution, "output", G_CALLBACK (on_output), run);
  g_signal_connect (run->execution, "exited", G_CALLBACK (on_exited), run);
}

FfTestRun *
ff_test_run_start_full (FfExecutor *executor, FfRunRequest *request, GCancellable *cancellable)
{
  FfTestRun *run = g_new0 (FfTestRun, 1);

  run->request = request;
  run->out = g_string_new (NULL);
  run->err = g_string_new (NULL);
  ff_executor_launch_async (executor, request, cancellable, on_launched, run);
  return run;
}

FfTestRun *
ff_test_run_start (FfExecutor *executor, FfRunRequest *request)
{
  return ff_test_run_start_full (executor, request, NULL);
}
