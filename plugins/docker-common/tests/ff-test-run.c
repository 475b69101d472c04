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

FfTestRun *
ff_test_run_start_full (FfExecutor *executor, FfRunRequest *request, GCancellable *cancellable)
{
  FfTestRun *run = ff_test_run_new (FF_TEST_RUN_KEEP_OUTPUT | FF_TEST_RUN_EXIT_IS_LAST);

  ff_test_run_launch (run, executor, request, cancellable);
  return run;
}

FfTestRun *
ff_test_run_start (FfExecutor *executor, FfRunRequest *request)
{
  return ff_test_run_start_full (executor, request, NULL);
}
