/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Which executor runs a pipeline that names none: the configured and
 * allowed one of the highest extension point priority. Core knows no
 * executor by name, so a third-party executor gets the same chance as
 * docker-proxy; local, the last resort, has the lowest priority. */
#include "config.h"

#include <glib/gstdio.h>

#include "ff-orchestrator.h"
#include "ff-test-daemon.h"

/* A third-party executor, registered in-process: it says it is configured
 * when the test wants it to. */
#define FF_TYPE_TEST_EXECUTOR (ff_test_executor_get_type ())
G_DECLARE_FINAL_TYPE (FfTestExecutor, ff_test_executor, FF, TEST_EXECUTOR, GObject)

struct _FfTestExecutor
{
  GObject parent_instance;
};

static gboolean test_executor_configured;

static const gchar *
test_executor_get_name (FfExecutor *executor)
{
  return "third-party";
}

static gboolean
test_executor_is_configured (FfExecutor *executor)
{
  return test_executor_configured;
}

static void
test_executor_launch_async (FfExecutor *executor,
                            FfRunRequest *request,
                            GCancellable *cancellable,
                            GAsyncReadyCallback callback,
                            gpointer user_data)
{
  g_task_report_new_error (executor, callback, user_data, test_executor_launch_async,
                           FF_EXECUTOR_ERROR, FF_REASON_SPAWN_FAILED, "not in this test");
}

static FfExecution *
test_executor_launch_finish (FfExecutor *executor, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
ff_test_executor_iface_init (FfExecutorInterface *iface)
{
  iface->get_name = test_executor_get_name;
  iface->is_configured = test_executor_is_configured;
  iface->launch_async = test_executor_launch_async;
  iface->launch_finish = test_executor_launch_finish;
}

G_DEFINE_TYPE_WITH_CODE (FfTestExecutor,
                         ff_test_executor,
                         G_TYPE_OBJECT,
                         G_IMPLEMENT_INTERFACE (FF_TYPE_EXECUTOR, ff_test_executor_iface_init))

static void
ff_test_executor_class_init (FfTestExecutorClass *klass)
{
}

static void
ff_test_executor_init (FfTestExecutor *self)
{
}

/* The executor fastflowd picks for a pipeline that names none, with
 * fastflow.conf's [daemon] group holding @daemon_keys. */
static gchar *
picked_executor (const gchar *daemon_keys)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *root = g_dir_make_tmp ("ff-executor-choice-XXXXXX", &error);
  g_autofree gchar *pipelines = g_build_filename (root, "pipelines", NULL);
  g_autofree gchar *plain = g_build_filename (pipelines, "plain", NULL);
  g_autofree gchar *main_sh = g_build_filename (plain, "main.sh", NULL);
  g_autofree gchar *state = g_build_filename (root, "state", NULL);
  g_autofree gchar *conf = g_build_filename (root, "fastflow.conf", NULL);
  g_autofree gchar *text = g_strdup_printf ("[daemon]\npipelines_dir=%s\nstate_dir=%s\n%s\n",
                                            pipelines, state, daemon_keys);
  g_autoptr (FfConfig) config = ff_config_new ();
  g_autoptr (FfOrchestrator) orchestrator = NULL;
  FfRun *run;
  gchar *executor;

  g_assert_no_error (error);
  g_assert_cmpint (g_mkdir_with_parents (plain, 0700), ==, 0);
  g_assert_true (g_file_set_contents (main_sh, "echo hi\n", -1, NULL));
  g_assert_true (g_file_set_contents (conf, text, -1, NULL));
  g_assert_true (ff_config_load (config, conf, &error));
  g_assert_no_error (error);
  orchestrator = ff_orchestrator_new (config, &error);
  g_assert_no_error (error);
  run = ff_orchestrator_start_run (orchestrator, "plain", NULL, NULL, NULL, NULL, FALSE, &error);
  g_assert_no_error (error);
  executor = g_strdup (ff_run_get_executor (run));
  g_clear_object (&orchestrator);
  ff_test_remove_tree (root);
  return executor;
}

static void
test_local_last (void)
{
  g_autofree gchar *picked = NULL;

  test_executor_configured = FALSE;
  picked = picked_executor ("");
  g_assert_cmpstr (picked, ==, "local");
}

static void
test_third_party_configured (void)
{
  g_autofree gchar *picked = NULL;
  g_autofree gchar *not_allowed = NULL;
  g_autofree gchar *named = NULL;

  test_executor_configured = TRUE;
  picked = picked_executor ("");
  g_assert_cmpstr (picked, ==, "third-party");
  /* not where the operator does not allow it */
  not_allowed = picked_executor ("allowed_executors=local");
  g_assert_cmpstr (not_allowed, ==, "local");
  /* and default_executor still wins */
  named = picked_executor ("default_executor=local");
  g_assert_cmpstr (named, ==, "local");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* the proxy's variable would make docker-proxy a candidate, were it
   * installed; it is not on this test's plugin path */
  g_unsetenv ("DOCKER_PROXY_URL");
  ff_plugin_register_extension_points ();
  g_io_extension_point_implement (FF_EXECUTOR_EXTENSION_POINT_NAME, FF_TYPE_TEST_EXECUTOR,
                                  "third-party", 10);
  g_test_add_func ("/executor-choice/local-last", test_local_last);
  g_test_add_func ("/executor-choice/third-party-configured", test_third_party_configured);
  return g_test_run ();
}
