/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "ff-docker-client.h"
#include "ff-swarm-execution.h"
#include "ff-swarm-executor.h"
#include "ff-test-docker-proxy.h"
#include "ff-test-run.h"

/*
 * The swarm executor against a real single-node swarm through a real
 * HAProxy socket proxy. Nothing is skipped: without an engine in swarm
 * mode these tests fail. scripts/docker-test-env.sh prepares the machine.
 */

#define SAFETY_TIMEOUT_S 180

/* CONTAINERS=1 is optional: it lets the executor remove task containers
 * that Docker before 24 leaves behind (moby#44312, moby#42789). */
static const gchar *const full_flags[] = { "SERVICES=1", "TASKS=1",      "NODES=1", "CONFIGS=1",
                                           "POST=1",     "CONTAINERS=1", NULL };

static struct
{
  FfDockerClient *engine; /* the engine's own socket: the test's view */
  gchar *root;
  gchar *pipeline_dir;
  gchar *instance;
  const gchar *image;
  guint64 next_run_id;
} env;

static JsonNode *
engine_get (const gchar *path, guint *status)
{
  return ff_test_engine_get (env.engine, path, status);
}

/* The services, configs or task containers ("services", "configs",
 * "containers/json?all=1&") of this test program. */
static guint
count_objects (const gchar *kind)
{
  g_autofree gchar *filter =
      g_strdup_printf ("{\"label\":[\"org.fastflow.instance=%s\"]}", env.instance);
  g_autofree gchar *escaped = g_uri_escape_string (filter, NULL, FALSE);
  g_autofree gchar *path =
      g_strdup_printf ("/%s%sfilters=%s", kind, g_str_has_suffix (kind, "&") ? "" : "?", escaped);
  g_autoptr (JsonNode) node = NULL;
  guint status = 0;

  node = engine_get (path, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (node));
  return json_array_get_length (json_node_get_array (node));
}

static void
assert_nothing_left (void)
{
  g_assert_cmpuint (count_objects ("services"), ==, 0);
  g_assert_cmpuint (count_objects ("configs"), ==, 0);
  /* not even an exited one, and no task still running after a cancel */
  g_assert_cmpuint (count_objects ("containers/json?all=1&"), ==, 0);
}

static FfExecutor *
new_executor (const gchar *url, guint placement_timeout)
{
  g_autoptr (FfSwarmExecutor) executor = ff_swarm_executor_new ();
  g_autoptr (GKeyFile) config = g_key_file_new ();
  g_autoptr (GError) error = NULL;

  g_key_file_set_string (config, "executor.swarm", "proxy_url", url);
  g_key_file_set_string (config, "executor.swarm", "image", env.image);
  g_key_file_set_integer (config, "executor.swarm", "placement_timeout", placement_timeout);
  g_assert_true (ff_executor_configure (FF_EXECUTOR (executor), config, &error));
  g_assert_no_error (error);
  return FF_EXECUTOR (g_steal_pointer (&executor));
}

static FfRunRequest *
new_request (const gchar *script)
{
  FfRunRequest *request =
      ff_test_request_new (env.next_run_id++, script, env.pipeline_dir, env.instance);

  ff_run_request_set_stop_grace_ms (request, 2000);
  ff_run_request_set_pipelines_dir (request, env.root);
  return request;
}

/* Launched: the swarm tests look at a run only once it is there. */
static FfTestRun *
run_start (FfExecutor *executor, FfRunRequest *request)
{
  FfTestRun *run = ff_test_run_start (executor, request);

  ff_test_wait_until_within (ff_test_is_set, &run->launched, SAFETY_TIMEOUT_S, "the launch");
  return run;
}

static FfTestRun *
run_to_end (FfExecutor *executor, FfRunRequest *request)
{
  FfTestRun *run = run_start (executor, request);

  g_assert_no_error (run->launch_error);
  ff_test_wait_until_within (ff_test_is_set, &run->exited, SAFETY_TIMEOUT_S, "the exit");
  assert_nothing_left ();
  return run;
}

static GError *
launch_error (FfExecutor *executor, FfRunRequest *request)
{
  g_autoptr (FfTestRun) run = run_start (executor, request);

  g_assert_null (run->execution);
  g_assert_nonnull (run->launch_error);
  return g_steal_pointer (&run->launch_error);
}

/* The folder arrives through a config; stdout and stderr stay apart;
 * the environment and the exit code come through. */
static void
test_output_and_exit_code (void)
{
  g_autoptr (FfTestProxy) proxy = ff_test_proxy_start (0, full_flags, NULL);
  g_autoptr (FfExecutor) executor = new_executor (ff_test_proxy_get_url (proxy), 30);
  g_autoptr (FfTestRun) failing = NULL;
  g_autoptr (FfTestRun) passing = NULL;
  FfRunRequest *request;

  request = new_request ("cat hello.txt sub/deeper.txt; echo to-stderr >&2; echo \"$GREETING\"; "
                         "pwd; exit 3");
  ff_run_request_set_env_var (request, "GREETING", "hallo welt");
  failing = run_to_end (executor, request);
  g_assert_cmpstr (failing->out->str, ==,
                   "hello from the pipeline folder\ndeeper\nhallo welt\n/app\n");
  g_assert_cmpstr (failing->err->str, ==, "to-stderr\n");
  g_assert_cmpint (failing->exit_code, ==, 3);
  g_assert_cmpint (failing->reason, ==, FF_REASON_EXIT_CODE);
  g_assert_null (failing->message);

  passing = run_to_end (executor, new_request ("printf 'no newline at the end'"));
  g_assert_cmpstr (passing->out->str, ==, "no newline at the end");
  g_assert_cmpint (passing->exit_code, ==, 0);
  g_assert_cmpint (passing->reason, ==, FF_REASON_NONE);
}

typedef struct
{
  FfTestRun *run;
  const gchar *text;
} OutputWait;

static gboolean
output_or_exit (gpointer data)
{
  OutputWait *wait = data;

  return strstr (wait->run->out->str, wait->text) != NULL || wait->run->exited;
}

/* Runs the main loop until @text is in the run's stdout or the run has
 * ended. */
static void
wait_for_output (FfTestRun *run, const gchar *text)
{
  OutputWait wait = { run, text };

  ff_test_wait_until_within (output_or_exit, &wait, SAFETY_TIMEOUT_S, text);
}

/* Lines that come while the job runs arrive before it ends. */
static void
test_live_output (void)
{
  g_autoptr (FfTestProxy) proxy = ff_test_proxy_start (0, full_flags, NULL);
  g_autoptr (FfExecutor) executor = new_executor (ff_test_proxy_get_url (proxy), 30);
  g_autoptr (FfTestRun) run = NULL;
  g_autoptr (GString) expected = g_string_new (NULL);

  run = run_start (executor, new_request ("for i in 1 2 3 4 5; do echo line $i; sleep 1; done"));
  g_assert_no_error (run->launch_error);
  wait_for_output (run, "line 1\n");
  g_assert_false (run->exited);
  ff_test_wait_until_within (ff_test_is_set, &run->exited, SAFETY_TIMEOUT_S, "the exit");
  for (guint i = 1; i <= 5; i++)
    g_string_append_printf (expected, "line %u\n", i);
  g_assert_cmpstr (run->out->str, ==, expected->str);
  g_assert_cmpint (run->reason, ==, FF_REASON_NONE);
  assert_nothing_left ();
}

static void
cancel_run (gpointer user_data)
{
  FfTestRun *run = user_data;

  ff_execution_cancel (run->execution, 2000);
}

static gboolean
on_cancel_timer (gpointer user_data)
{
  cancel_run (user_data);
  return G_SOURCE_REMOVE;
}

/* Cancel, and what the orchestrator does on a timeout (it cancels once
 * the time is up): the service and its config go, and the run ends. */
static void
stop_after (guint ms, gboolean *seen_output)
{
  g_autoptr (FfTestProxy) proxy = ff_test_proxy_start (0, full_flags, NULL);
  g_autoptr (FfExecutor) executor = new_executor (ff_test_proxy_get_url (proxy), 30);
  g_autoptr (FfTestRun) run = NULL;
  gint64 cancelled_at;

  run = run_start (executor, new_request ("echo started; exec sleep 600"));
  g_assert_no_error (run->launch_error);
  /* once it runs, so that a task is there to stop */
  wait_for_output (run, "started");
  *seen_output = strstr (run->out->str, "started") != NULL;
  g_timeout_add (ms, on_cancel_timer, run);
  cancelled_at = g_get_monotonic_time () + ms * 1000;
  ff_test_wait_until_within (ff_test_is_set, &run->exited, SAFETY_TIMEOUT_S, "the exit");
  g_assert_cmpint (run->reason, ==, FF_REASON_CANCELLED);
  g_assert_nonnull (strstr (ff_test_shown (run->message), "cancelled"));
  /* no waiting for the 600 s */
  g_assert_cmpint (run->exited_at - cancelled_at, <, 30 * G_USEC_PER_SEC);
  assert_nothing_left ();
}

static void
test_cancel (void)
{
  gboolean seen = FALSE;

  stop_after (0, &seen);
  g_assert_true (seen);
}

static void
test_timeout (void)
{
  gboolean seen = FALSE;

  stop_after (1500, &seen);
  g_assert_true (seen);
}

/* No node has the label: the task stays pending, and the run ends as an
 * infrastructure error with the scheduler's reason. */
static void
test_placement_unmet (void)
{
  g_autoptr (FfTestProxy) proxy = ff_test_proxy_start (0, full_flags, NULL);
  g_autoptr (FfExecutor) executor = new_executor (ff_test_proxy_get_url (proxy), 2);
  const gchar *placement[] = { "node.labels.nope==1", NULL };
  FfRunRequest *request = new_request ("echo never");
  g_autoptr (FfTestRun) run = NULL;

  ff_run_request_set_placement (request, placement);
  run = run_to_end (executor, request);
  g_test_message ("placement: %s", ff_test_shown (run->message));
  g_assert_cmpint (run->reason, ==, FF_REASON_ENGINE_ERROR);
  g_assert_nonnull (strstr (ff_test_shown (run->message), "no suitable node"));
  g_assert_nonnull (strstr (ff_test_shown (run->message), "placement"));
  g_assert_cmpstr (run->out->str, ==, "");
}

/* A placement that holds runs as usual. */
static void
test_placement_met (void)
{
  g_autoptr (FfTestProxy) proxy = ff_test_proxy_start (0, full_flags, NULL);
  g_autoptr (FfExecutor) executor = new_executor (ff_test_proxy_get_url (proxy), 30);
  const gchar *placement[] = { "node.role==manager", NULL };
  FfRunRequest *request = new_request ("echo placed");
  g_autoptr (FfTestRun) run = NULL;

  ff_run_request_set_placement (request, placement);
  run = run_to_end (executor, request);
  g_assert_cmpint (run->reason, ==, FF_REASON_NONE);
  g_assert_cmpstr (run->out->str, ==, "placed\n");
}

typedef struct
{
  gboolean done;
  gboolean ok;
  GError *error;
  GPtrArray *checks;
} Health;

static void
on_health (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Health *health = user_data;

  health->ok = ff_executor_check_health_finish (FF_EXECUTOR (source), res, &health->error);
  health->done = TRUE;
}

static void
on_diagnosed (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Health *health = user_data;

  health->checks = ff_executor_diagnose_finish (FF_EXECUTOR (source), res, &health->error);
  health->done = TRUE;
}

/* The engine's API version, asked of the engine itself. */
static gboolean
engine_api_at_least (guint minor)
{
  g_autoptr (JsonNode) node = NULL;
  guint status = 0;
  const gchar *version;
  guint64 have = 0;

  node = engine_get ("/version", &status);
  g_assert_cmpuint (status, ==, 200);
  version = json_object_get_string_member (json_node_get_object (node), "ApiVersion");
  g_assert_true (g_str_has_prefix (version, "1."));
  g_assert_true (g_ascii_string_to_unsigned (version + 2, 10, 0, 999, &have, NULL));
  return have >= minor;
}

/* With one flag off, the health check, the diagnosis and a launch all
 * name it. */
static void
assert_flag_named (const gchar *off, const gchar *expected)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  g_auto (GStrv) flags = NULL;
  g_autoptr (FfTestProxy) proxy = NULL;
  g_autoptr (FfExecutor) executor = NULL;
  g_autoptr (GError) error = NULL;
  Health health = { 0 };
  Health diagnosis = { 0 };
  guint errors = 0;

  for (guint i = 0; full_flags[i] != NULL; i++)
    {
      if (!g_str_has_prefix (full_flags[i], off))
        g_strv_builder_add (builder, full_flags[i]);
    }
  flags = g_strv_builder_end (builder);
  proxy = ff_test_proxy_start (0, (const gchar *const *) flags, NULL);
  executor = new_executor (ff_test_proxy_get_url (proxy), 30);

  ff_executor_check_health_async (executor, NULL, on_health, &health);
  ff_test_wait_until_within (ff_test_is_set, &health.done, 60, "the health answer");
  g_assert_false (health.ok);
  g_assert_error (health.error, FF_EXECUTOR_ERROR, FF_REASON_PROXY_FORBIDDEN);
  g_assert_nonnull (strstr (health.error->message, expected));
  g_clear_error (&health.error);

  ff_executor_diagnose_async (executor, NULL, on_diagnosed, &diagnosis);
  ff_test_wait_until_within (ff_test_is_set, &diagnosis.done, 60, "the diagnosis");
  g_assert_no_error (diagnosis.error);
  for (guint i = 0; i < diagnosis.checks->len; i++)
    {
      FfExecutorCheck *check = g_ptr_array_index (diagnosis.checks, i);

      if (ff_executor_check_get_level (check) == FF_CHECK_LEVEL_ERROR)
        {
          errors++;
          g_assert_nonnull (strstr (ff_executor_check_get_message (check), expected));
        }
    }
  g_assert_cmpuint (errors, ==, 1);
  g_ptr_array_unref (diagnosis.checks);

  error = launch_error (executor, new_request ("echo never"));
  g_test_message ("%s off: %s", off, ff_test_shown (error->message));
  g_assert_error (error, FF_EXECUTOR_ERROR, FF_REASON_PROXY_FORBIDDEN);
  g_assert_nonnull (strstr (ff_test_shown (error->message), expected));
  assert_nothing_left ();
}

static void
test_forbidden_services (void)
{
  assert_flag_named ("SERVICES", "SERVICES=1");
}

static void
test_forbidden_tasks (void)
{
  assert_flag_named ("TASKS", "TASKS=1");
}

static void
test_forbidden_nodes (void)
{
  assert_flag_named ("NODES", "NODES=1");
}

static void
test_forbidden_configs (void)
{
  assert_flag_named ("CONFIGS", "CONFIGS=1");
}

static void
test_forbidden_post (void)
{
  assert_flag_named ("POST", "POST=1");
}

static void
test_healthy (void)
{
  g_autoptr (FfTestProxy) proxy = ff_test_proxy_start (0, full_flags, NULL);
  g_autoptr (FfExecutor) executor = new_executor (ff_test_proxy_get_url (proxy), 30);
  Health health = { 0 };
  Health diagnosis = { 0 };
  gboolean nnp_warned = FALSE;

  ff_executor_check_health_async (executor, NULL, on_health, &health);
  ff_test_wait_until_within (ff_test_is_set, &health.done, 60, "the health answer");
  g_assert_no_error (health.error);
  g_assert_true (health.ok);

  ff_executor_diagnose_async (executor, NULL, on_diagnosed, &diagnosis);
  ff_test_wait_until_within (ff_test_is_set, &diagnosis.done, 60, "the diagnosis");
  g_assert_no_error (diagnosis.error);
  /* everything OK; on an engine before API 1.44 (Docker 20.10 here), a
   * warning that tasks run without no-new-privileges, and what sets it */
  for (guint i = 0; i < diagnosis.checks->len; i++)
    {
      FfExecutorCheck *check = g_ptr_array_index (diagnosis.checks, i);

      g_test_message ("%s: %s", ff_executor_check_get_name (check),
                      ff_executor_check_get_message (check));
      if (g_strcmp0 (ff_executor_check_get_name (check), "no-new-privileges") == 0)
        {
          nnp_warned = TRUE;
          g_assert_cmpint (ff_executor_check_get_level (check), ==, FF_CHECK_LEVEL_WARNING);
          g_assert_nonnull (strstr (ff_executor_check_get_message (check), "daemon.json"));
          continue;
        }
      g_assert_cmpint (ff_executor_check_get_level (check), ==, FF_CHECK_LEVEL_OK);
    }
  g_assert_cmpint (nnp_warned, ==, !engine_api_at_least (44));
  g_ptr_array_unref (diagnosis.checks);
}

/* A proxy that is not there: the health check says so with its URL. */
static void
test_proxy_down (void)
{
  g_autofree gchar *url = g_strdup_printf ("http://127.0.0.1:%u", ff_test_proxy_free_port ());
  g_autoptr (FfExecutor) executor = new_executor (url, 30);
  g_autoptr (GError) error = NULL;
  Health health = { 0 };

  ff_executor_check_health_async (executor, NULL, on_health, &health);
  ff_test_wait_until_within (ff_test_is_set, &health.done, 60, "the health answer");
  g_assert_false (health.ok);
  g_assert_error (health.error, FF_EXECUTOR_ERROR, FF_REASON_PROXY_UNREACHABLE);
  g_assert_nonnull (strstr (ff_test_shown (health.error->message), url));
  g_clear_error (&health.error);

  error = launch_error (executor, new_request ("echo never"));
  g_assert_error (error, FF_EXECUTOR_ERROR, FF_REASON_PROXY_UNREACHABLE);
}

/* An image no node has: an infrastructure error that says so. */
static void
test_image_missing (void)
{
  g_autoptr (FfTestProxy) proxy = ff_test_proxy_start (0, full_flags, NULL);
  g_autoptr (FfExecutor) executor = new_executor (ff_test_proxy_get_url (proxy), 30);
  FfRunRequest *request = new_request ("echo never");
  g_autoptr (FfTestRun) run = NULL;

  ff_run_request_set_image (request, "fastflow-test/does-not-exist:latest");
  run = run_to_end (executor, request);
  g_test_message ("image: %s", ff_test_shown (run->message));
  g_assert_cmpint (run->reason, ==, FF_REASON_IMAGE_NOT_FOUND);
  g_assert_nonnull (strstr (ff_test_shown (run->message), "does-not-exist"));
}

/* A task may run on another node: a dependency environment or fastflow's
 * tools on this host cannot be shown to it. Refused, saying so, before
 * anything is created. */
static void
test_host_folders_refused (void)
{
  g_autoptr (FfTestProxy) proxy = ff_test_proxy_start (0, full_flags, NULL);
  g_autoptr (FfExecutor) executor = new_executor (ff_test_proxy_get_url (proxy), 30);
  FfRunRequest *request = new_request ("echo never");
  g_autoptr (GError) error = NULL;
  const gchar *shown;

  ff_run_request_set_folder (request, FF_RUN_FOLDER_DEPENDENCY_ENV, env.root, FALSE);
  error = launch_error (executor, request);
  g_assert_error (error, FF_EXECUTOR_ERROR, FF_REASON_REFUSED);
  shown = ff_test_shown (error->message);
  g_test_message ("%s", shown);
  g_assert_nonnull (strstr (shown, "requirements.txt"));
  g_assert_nonnull (strstr (shown, "docker-proxy"));
  assert_nothing_left ();
}

/* A pipeline folder that is a symlink out of the pipelines folder is
 * refused before tar follows it, and nothing is created. */
static void
test_symlinked_folder (void)
{
  g_autoptr (FfTestProxy) proxy = ff_test_proxy_start (0, full_flags, NULL);
  g_autoptr (FfExecutor) executor = new_executor (ff_test_proxy_get_url (proxy), 30);
  g_autofree gchar *outside = g_dir_make_tmp ("ff-swarm-outside-XXXXXX", NULL);
  g_autofree gchar *secret = g_build_filename (outside, "secret.txt", NULL);
  g_autofree gchar *link = g_build_filename (env.root, "linked", NULL);
  FfRunRequest *request = new_request ("cat secret.txt");
  g_autoptr (GError) error = NULL;

  g_assert_true (g_file_set_contents (secret, "not for the swarm\n", -1, NULL));
  g_assert_cmpint (symlink (outside, link), ==, 0);
  ff_run_request_set_pipeline_dir (request, link);
  error = launch_error (executor, request);
  g_test_message ("%s", ff_test_shown (error->message));
  g_assert_error (error, FF_EXECUTOR_ERROR, FF_REASON_REFUSED);
  g_assert_nonnull (strstr (ff_test_shown (error->message), "outside the pipelines folder"));
  assert_nothing_left ();
  g_unlink (link);
  g_unlink (secret);
  g_rmdir (outside);
}

/* A folder far bigger than a config: tar is stopped once its output passes
 * the cap. The file is 1 MiB of random bytes and then a hole of 64 GiB,
 * which tar would read as zeros for minutes if it were read to its end. */
static void
test_oversize_folder (void)
{
  g_autoptr (FfTestProxy) proxy = ff_test_proxy_start (0, full_flags, NULL);
  g_autoptr (FfExecutor) executor = new_executor (ff_test_proxy_get_url (proxy), 30);
  g_autofree gchar *dir = g_build_filename (env.root, "big", NULL);
  g_autofree gchar *file = g_build_filename (dir, "data.bin", NULL);
  g_autoptr (GBytes) random = NULL;
  g_autofree guint8 *bytes = g_malloc (1024 * 1024);
  FfRunRequest *request = new_request ("echo never");
  g_autoptr (GError) error = NULL;
  gint64 started = g_get_monotonic_time ();

  for (gsize i = 0; i < 1024 * 1024; i += 4)
    {
      guint32 r = g_random_int ();
      memcpy (bytes + i, &r, 4);
    }
  g_assert_cmpint (g_mkdir (dir, 0755), ==, 0);
  g_assert_true (g_file_set_contents (file, (const gchar *) bytes, 1024 * 1024, NULL));
  g_assert_cmpint (truncate (file, G_GINT64_CONSTANT (64) << 30), ==, 0);
  ff_run_request_set_pipeline_dir (request, dir);
  error = launch_error (executor, request);
  g_test_message ("%s (after %" G_GINT64_FORMAT " ms)", ff_test_shown (error->message),
                  (g_get_monotonic_time () - started) / 1000);
  g_assert_error (error, FF_EXECUTOR_ERROR, FF_REASON_REFUSED);
  g_assert_nonnull (strstr (ff_test_shown (error->message), "more than"));
  assert_nothing_left ();
  g_unlink (file);
  g_rmdir (dir);
}

static gchar *
engine_create (const gchar *path, const gchar *body_text)
{
  g_autoptr (JsonNode) body = json_from_string (body_text, NULL);
  g_autoptr (JsonNode) node = NULL;
  guint status = 0;

  node = ff_test_engine_call (env.engine, "POST", path, body, FF_DOCKER_CALL_LONG, &status);
  g_assert_cmpuint (status, ==, 201);
  return g_strdup (json_object_get_string_member (json_node_get_object (node), "ID"));
}

typedef struct
{
  gboolean done;
  guint removed;
  GError *error;
} Sweep;

static void
on_swept (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Sweep *sweep = user_data;

  ff_executor_remove_leftovers_finish (FF_EXECUTOR (source), res, &sweep->removed, &sweep->error);
  sweep->done = TRUE;
}

/* A killed daemon's service and config go when the next one starts; the
 * running daemon's own stay. */
typedef struct
{
  guint count;
  gboolean done;
} ContainerWait;

static gboolean
check_containers (gpointer user_data)
{
  ContainerWait *wait = user_data;

  if (count_objects ("containers/json?all=1&") < wait->count)
    return G_SOURCE_CONTINUE;
  wait->done = TRUE;
  return G_SOURCE_REMOVE;
}

/* A task's container comes a moment after its service: asks the engine
 * every 50 ms, for at most SAFETY_TIMEOUT_S (longer than
 * ff_test_poll_until's bound, so not that helper). */
static void
wait_for_containers (guint count)
{
  ContainerWait wait = { count, FALSE };

  g_timeout_add (50, check_containers, &wait);
  ff_test_wait_until_within (ff_test_is_set, &wait.done, SAFETY_TIMEOUT_S, "the task's containers");
}

/* The engine of the Docker 20.10 line keeps a removed service's task
 * containers (moby/moby#42789). */
static void
remove_containers (void)
{
  g_autofree gchar *filter =
      g_strdup_printf ("{\"label\":[\"org.fastflow.instance=%s\"]}", env.instance);
  g_autofree gchar *escaped = g_uri_escape_string (filter, NULL, FALSE);
  g_autofree gchar *path = g_strdup_printf ("/containers/json?all=1&filters=%s", escaped);
  g_autoptr (JsonNode) node = NULL;
  JsonArray *containers;
  guint status = 0;

  node = engine_get (path, &status);
  g_assert_cmpuint (status, ==, 200);
  containers = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (containers); i++)
    {
      JsonObject *container = json_array_get_object_element (containers, i);
      g_autofree gchar *delete_path = g_strdup_printf (
          "/containers/%s?force=1&v=1", json_object_get_string_member (container, "Id"));
      g_autoptr (JsonNode) deleted = NULL;

      deleted = ff_test_engine_call (env.engine, "DELETE", delete_path, NULL, FF_DOCKER_CALL_LONG,
                                     &status);
      g_assert_cmpuint (status, ==, 204);
    }
}

static void
test_leftovers (void)
{
  g_autoptr (FfTestProxy) proxy = ff_test_proxy_start (0, full_flags, NULL);
  g_autoptr (FfExecutor) executor = new_executor (ff_test_proxy_get_url (proxy), 30);
  g_autofree gchar *labels = NULL;
  g_autofree gchar *mine_labels = NULL;
  g_autofree gchar *body = NULL;
  g_autofree gchar *config_id = NULL;
  g_autofree gchar *service_id = NULL;
  g_autofree gchar *mine_id = NULL;
  g_autofree gchar *path = NULL;
  Sweep sweep = { 0 };
  g_autoptr (JsonNode) deleted = NULL;
  guint status = 0;

  labels = g_strdup_printf ("{\"org.fastflow.instance\":\"%s\",\"org.fastflow.daemon\":"
                            "\"dead\",\"org.fastflow.executor\":\"swarm\"}",
                            env.instance);
  mine_labels = g_strdup_printf ("{\"org.fastflow.instance\":\"%s\",\"org.fastflow.daemon\":"
                                 "\"alive\",\"org.fastflow.executor\":\"swarm\"}",
                                 env.instance);
  body = g_strdup_printf ("{\"Name\":\"fastflow-left-%s\",\"Labels\":%s,\"Data\":\"eA==\"}",
                          env.instance, labels);
  config_id = engine_create ("/configs/create", body);
  g_free (body);
  /* labelled as the executor labels its services and their containers */
  body = g_strdup_printf (
      "{\"Name\":\"fastflow-left-%s\",\"Labels\":%s,\"TaskTemplate\":{\"ContainerSpec\":"
      "{\"Image\":\"%s\",\"Command\":[\"sleep\",\"300\"],\"Labels\":%s},\"RestartPolicy\":"
      "{\"Condition\":\"none\"}},\"Mode\":{\"ReplicatedJob\":{}}}",
      env.instance, labels, env.image, labels);
  service_id = engine_create ("/services/create", body);
  g_free (body);
  body = g_strdup_printf (
      "{\"Name\":\"fastflow-mine-%s\",\"Labels\":%s,\"TaskTemplate\":{\"ContainerSpec\":"
      "{\"Image\":\"%s\",\"Command\":[\"sleep\",\"300\"],\"Labels\":%s},\"RestartPolicy\":"
      "{\"Condition\":\"none\"}},\"Mode\":{\"ReplicatedJob\":{}}}",
      env.instance, mine_labels, env.image, mine_labels);
  mine_id = engine_create ("/services/create", body);
  g_assert_cmpuint (count_objects ("services"), ==, 2);
  /* both tasks have their containers, as after a crash mid-run */
  wait_for_containers (2);

  ff_executor_remove_leftovers_async (executor, env.instance, "alive", NULL, on_swept, &sweep);
  ff_test_wait_until_within (ff_test_is_set, &sweep.done, 60, "the sweep");
  g_assert_no_error (sweep.error);
  /* the service, its config and its task's container, which the engine
   * would keep (moby/moby#44312) */
  g_assert_cmpuint (sweep.removed, ==, 3);
  g_assert_cmpuint (count_objects ("services"), ==, 1);
  g_assert_cmpuint (count_objects ("configs"), ==, 0);
  g_assert_cmpuint (count_objects ("containers/json?all=1&"), ==, 1);

  /* the test's own cleanup, behind fastflow's back */
  path = g_strdup_printf ("/services/%s", mine_id);
  deleted = ff_test_engine_call (env.engine, "DELETE", path, NULL, FF_DOCKER_CALL_LONG, &status);
  remove_containers ();
  assert_nothing_left ();
}

static void
test_no_leftovers (void)
{
  assert_nothing_left ();
}

/* Without a swarm manager behind the proxy every test would fail; say
 * why first. */
static void
test_engine_is_manager (void)
{
  g_autoptr (JsonNode) node = NULL;
  g_autofree gchar *path = g_strdup_printf ("/images/%s/json", env.image);
  g_autoptr (JsonNode) image = NULL;
  guint status = 0;

  node = engine_get ("/nodes", &status);
  if (status != 200)
    g_error ("the engine is not a swarm manager (GET /nodes: HTTP %u); run "
             "scripts/docker-test-env.sh",
             status);
  image = engine_get (path, &status);
  if (status != 200)
    g_error ("the test image %s is missing; run scripts/docker-test-env.sh", env.image);
}

static void
set_up_env (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *engine_url = NULL;
  g_autofree gchar *file = NULL;
  g_autofree gchar *sub = NULL;
  const gchar *socket = g_getenv ("FASTFLOW_TEST_ENGINE_SOCKET");

  env.image = g_getenv ("FASTFLOW_TEST_IMAGE");
  g_assert_nonnull (env.image);
  engine_url = g_strdup_printf ("unix://%s", socket != NULL ? socket : "/var/run/docker.sock");
  env.engine = ff_docker_client_new (engine_url, 8, &error);
  g_assert_no_error (error);
  env.root = g_dir_make_tmp ("ff-swarm-test-XXXXXX", &error);
  g_assert_no_error (error);
  env.pipeline_dir = g_build_filename (env.root, "test-pipe", NULL);
  sub = g_build_filename (env.pipeline_dir, "sub", NULL);
  g_assert_cmpint (g_mkdir_with_parents (sub, 0755), ==, 0);
  file = g_build_filename (env.pipeline_dir, "hello.txt", NULL);
  g_assert_true (g_file_set_contents (file, "hello from the pipeline folder\n", -1, &error));
  g_free (file);
  file = g_build_filename (sub, "deeper.txt", NULL);
  g_assert_true (g_file_set_contents (file, "deeper\n", -1, &error));
  env.instance = g_uuid_string_random ();
  env.next_run_id = (guint64) g_random_int_range (1000000, 2000000) * 1000;
  g_unsetenv ("DOCKER_PROXY_URL");
}

static void
tear_down_env (void)
{
  g_autofree gchar *command = g_strdup_printf ("rm -rf %s", env.root);

  g_assert_true (g_spawn_command_line_sync (command, NULL, NULL, NULL, NULL));
  g_clear_object (&env.engine);
  g_free (env.root);
  g_free (env.pipeline_dir);
  g_free (env.instance);
}

int
main (int argc, char **argv)
{
  int result;

  g_test_init (&argc, &argv, NULL);
  set_up_env ();
  g_test_add_func ("/swarm/engine-is-manager", test_engine_is_manager);
  g_test_add_func ("/swarm/healthy", test_healthy);
  g_test_add_func ("/swarm/output-and-exit-code", test_output_and_exit_code);
  g_test_add_func ("/swarm/live-output", test_live_output);
  g_test_add_func ("/swarm/cancel", test_cancel);
  g_test_add_func ("/swarm/timeout", test_timeout);
  g_test_add_func ("/swarm/placement-unmet", test_placement_unmet);
  g_test_add_func ("/swarm/placement-met", test_placement_met);
  g_test_add_func ("/swarm/image-missing", test_image_missing);
  g_test_add_func ("/swarm/symlinked-folder", test_symlinked_folder);
  g_test_add_func ("/swarm/host-folders-refused", test_host_folders_refused);
  g_test_add_func ("/swarm/oversize-folder", test_oversize_folder);
  g_test_add_func ("/swarm/forbidden/services", test_forbidden_services);
  g_test_add_func ("/swarm/forbidden/tasks", test_forbidden_tasks);
  g_test_add_func ("/swarm/forbidden/nodes", test_forbidden_nodes);
  g_test_add_func ("/swarm/forbidden/configs", test_forbidden_configs);
  g_test_add_func ("/swarm/forbidden/post", test_forbidden_post);
  g_test_add_func ("/swarm/proxy-down", test_proxy_down);
  g_test_add_func ("/swarm/leftovers", test_leftovers);
  g_test_add_func ("/swarm/no-leftovers", test_no_leftovers);
  result = g_test_run ();
  tear_down_env ();
  return result;
}
