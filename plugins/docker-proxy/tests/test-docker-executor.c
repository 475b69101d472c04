/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "ff-docker-client.h"
#include "ff-docker-execution.h"
#include "ff-docker-executor.h"
#include "ff-test-docker-proxy.h"
#include "ff-test-run.h"

/*
 * The docker-proxy executor against a real engine through a real HAProxy
 * socket proxy (DESIGN §11). Nothing is skipped: without an engine these
 * tests fail. scripts/docker-test-env.sh prepares the machine.
 */

#define SAFETY_TIMEOUT_S 180
#define RUN_FLAGS(...) ((const gchar *const[]){ __VA_ARGS__, NULL })

static const gchar *const full_flags[] = { "CONTAINERS=1", "POST=1", NULL };

/* What all tests share: the engine (for looking behind the proxy's
 * back), a folder of pipelines, and a label that marks our containers. */
static struct
{
  FfDockerClient *engine;
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

static JsonArray *
containers_with_label (const gchar *label)
{
  g_autofree gchar *filter = g_strdup_printf ("{\"label\":[\"%s\"]}", label);
  g_autofree gchar *escaped = g_uri_escape_string (filter, NULL, FALSE);
  g_autofree gchar *path = g_strdup_printf ("/containers/json?all=1&filters=%s", escaped);
  g_autoptr (JsonNode) node = NULL;
  guint status = 0;

  node = engine_get (path, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (node));
  return json_array_ref (json_node_get_array (node));
}

static void
assert_container_gone (const gchar *id)
{
  g_autofree gchar *path = g_strdup_printf ("/containers/%s/json", id);
  g_autoptr (JsonNode) node = NULL;
  guint status = 0;

  node = engine_get (path, &status);
  g_assert_cmpuint (status, ==, 404);
}

static GKeyFile *
new_config (const gchar *url)
{
  GKeyFile *config = g_key_file_new ();

  g_key_file_set_string (config, "executor.docker-proxy", "proxy_url", url);
  g_key_file_set_string (config, "executor.docker-proxy", "image", env.image);
  return config;
}

/* With @settings, pairs of key and value in [executor.docker-proxy]. */
static FfExecutor *
new_executor_with (const gchar *url, const gchar *const *settings)
{
  g_autoptr (FfDockerExecutor) executor = ff_docker_executor_new ();
  g_autoptr (GKeyFile) config = new_config (url);
  g_autoptr (GError) error = NULL;

  for (guint i = 0; settings != NULL && settings[i] != NULL; i += 2)
    g_key_file_set_string (config, "executor.docker-proxy", settings[i], settings[i + 1]);
  g_assert_true (ff_executor_configure (FF_EXECUTOR (executor), config, &error));
  g_assert_no_error (error);
  return FF_EXECUTOR (g_steal_pointer (&executor));
}

static FfExecutor *
new_executor (const gchar *url)
{
  return new_executor_with (url, NULL);
}

static FfRunRequest *
new_request (const gchar *script)
{
  FfRunRequest *request =
      ff_test_request_new (env.next_run_id++, script, env.pipeline_dir, env.instance);
  g_autofree gchar *run_id =
      g_strdup_printf ("%" G_GUINT64_FORMAT, ff_run_request_get_run_id (request));

  ff_run_request_set_label (request, "org.fastflow.run-id", run_id);
  ff_run_request_set_label (request, "org.fastflow.pipeline", "test-pipe");
  ff_run_request_set_pipelines_dir (request, env.root);
  return request;
}

/* A folder of the test's own, for a run's folders. */
static gchar *
make_folder (const gchar *name)
{
  g_autofree gchar *path = g_build_filename (env.root, name, NULL);

  g_assert_cmpint (g_mkdir (path, 0755), ==, 0);
  return g_steal_pointer (&path);
}

/* The container of a launched run. */
static const gchar *
container_of (FfTestRun *run)
{
  return ff_docker_execution_get_container_id (FF_DOCKER_EXECUTION (run->execution));
}

/* Launches, waits for the exit, checks the container is gone. */
static FfTestRun *
run_to_end (FfExecutor *executor, FfRunRequest *request)
{
  FfTestRun *run = ff_test_run_start (executor, request);

  ff_test_wait_until_within (ff_test_is_set, &run->launched, SAFETY_TIMEOUT_S, "the launch");
  g_assert_no_error (run->launch_error);
  ff_test_wait_until_within (ff_test_is_set, &run->exited, SAFETY_TIMEOUT_S, "the exit");
  assert_container_gone (container_of (run));
  return run;
}

/* A launch that must fail. */
static GError *
launch_error (FfExecutor *executor, FfRunRequest *request)
{
  g_autoptr (FfTestRun) run = ff_test_run_start (executor, request);

  ff_test_wait_until_within (ff_test_is_set, &run->launched, SAFETY_TIMEOUT_S, "the launch");
  g_assert_null (run->execution);
  g_assert_nonnull (run->launch_error);
  return g_steal_pointer (&run->launch_error);
}

static void
test_output_and_exit_code (void)
{
  g_autoptr (FfTestProxy) proxy = ff_test_proxy_start (0, full_flags, NULL);
  g_autoptr (FfExecutor) executor = new_executor (ff_test_proxy_get_url (proxy));
  g_autoptr (FfTestRun) failing = NULL;
  g_autoptr (FfTestRun) passing = NULL;
  FfRunRequest *request;

  request = new_request ("cat hello.txt; echo to-stderr >&2; echo \"$GREETING\"; pwd; exit 3");
  ff_run_request_set_env_var (request, "GREETING", "hallo welt");
  failing = run_to_end (executor, request);
  g_assert_cmpstr (failing->out->str, ==, "hello from the pipeline folder\nhallo welt\n/app\n");
  g_assert_cmpstr (failing->err->str, ==, "to-stderr\n");
  g_assert_cmpint (failing->exit_code, ==, 3);
  g_assert_cmpint (failing->reason, ==, FF_REASON_EXIT_CODE);
  g_assert_null (failing->message);

  passing = run_to_end (executor, new_request ("printf 'no newline at the end'"));
  g_assert_cmpstr (passing->out->str, ==, "no newline at the end");
  g_assert_cmpstr (passing->err->str, ==, "");
  g_assert_cmpint (passing->exit_code, ==, 0);
  g_assert_cmpint (passing->reason, ==, FF_REASON_NONE);
  g_assert_null (passing->message);
}

/* With allowed_roots set, the route file (fastflow's own, under its state
 * folder, in no allowed root) is still mounted, and the pipeline folder
 * in the pipelines folder still runs. */
static void
test_route_file_with_allowed_roots (void)
{
  g_autoptr (FfTestProxy) proxy = ff_test_proxy_start (0, full_flags, NULL);
  g_autoptr (GKeyFile) config = new_config (ff_test_proxy_get_url (proxy));
  g_autoptr (FfDockerExecutor) executor = ff_docker_executor_new ();
  g_autofree gchar *state = g_dir_make_tmp ("ff-state-XXXXXX", NULL);
  g_autofree gchar *elsewhere = g_dir_make_tmp ("ff-root-XXXXXX", NULL);
  g_autofree gchar *route = g_build_filename (state, "route", NULL);
  g_autofree gchar *written = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (FfTestRun) run = NULL;
  FfRunRequest *request;

  g_key_file_set_string (config, "executor.docker-proxy", "allowed_roots", elsewhere);
  g_assert_true (ff_executor_configure (FF_EXECUTOR (executor), config, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (route, "", 0, &error));
  g_assert_cmpint (g_chmod (route, 0666), ==, 0);
  request = new_request ("cat hello.txt; printf next > \"$FASTFLOW_ROUTE_FILE\"");
  ff_run_request_set_route_file (request, route);
  ff_run_request_set_env_var (request, "FASTFLOW_ROUTE_FILE", route);
  run = ff_test_run_start (FF_EXECUTOR (executor), request);
  ff_test_wait_until_within (ff_test_is_set, &run->launched, SAFETY_TIMEOUT_S, "the launch");
  if (run->launch_error != NULL)
    g_test_message ("launch: %s", ff_test_shown (run->launch_error->message));
  g_assert_no_error (run->launch_error);
  ff_test_wait_until_within (ff_test_is_set, &run->exited, SAFETY_TIMEOUT_S, "the exit");
  g_assert_cmpstr (run->err->str, ==, "");
  g_assert_cmpstr (run->out->str, ==, "hello from the pipeline folder\n");
  g_assert_cmpint (run->exit_code, ==, 0);
  g_assert_true (g_file_get_contents (route, &written, NULL, &error));
  g_assert_cmpstr (written, ==, "next");
  g_unlink (route);
  g_rmdir (state);
  g_rmdir (elsewhere);
}

/* A container that closes its output early and goes on: the end of the
 * streams is not the end of the run, which still ends with its exit code. */
static void
test_streams_closed_early (void)
{
  g_autoptr (FfTestProxy) proxy = ff_test_proxy_start (0, full_flags, NULL);
  g_autoptr (FfExecutor) executor = new_executor (ff_test_proxy_get_url (proxy));
  g_autoptr (FfTestRun) run = NULL;

  run = run_to_end (executor, new_request ("echo before; echo err-before >&2; exec >&- 2>&-; "
                                           "i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; "
                                           "exit 7"));
  g_assert_cmpstr (run->out->str, ==, "before\n");
  g_assert_cmpstr (run->err->str, ==, "err-before\n");
  g_assert_cmpint (run->exit_code, ==, 7);
  g_assert_cmpint (run->reason, ==, FF_REASON_EXIT_CODE);
}

static GString *
repeated_lines (gchar c, gsize line_len, gsize lines)
{
  GString *s = g_string_sized_new (line_len * lines);

  for (gsize i = 0; i < lines; i++)
    {
      for (gsize j = 0; j + 1 < line_len; j++)
        g_string_append_c (s, c);
      g_string_append_c (s, '\n');
    }
  return s;
}

/* 50 MB on stdout and 500 KB on stderr at the same time, each ending in a
 * long line without a newline, which the engine splits into 16 KB parts. */
static void
test_large_output (void)
{
  g_autoptr (FfTestProxy) proxy = ff_test_proxy_start (0, full_flags, NULL);
  g_autoptr (FfExecutor) executor = new_executor (ff_test_proxy_get_url (proxy));
  g_autoptr (GString) want_out = repeated_lines ('a', 1000, 52429);
  g_autoptr (GString) want_err = repeated_lines ('e', 100, 5000);
  g_autoptr (FfTestRun) run = NULL;

  for (guint i = 0; i < 300000; i++)
    g_string_append_c (want_out, 'b');
  for (guint i = 0; i < 100000; i++)
    g_string_append_c (want_err, 'c');

  run = run_to_end (
      executor,
      new_request ("a=$(head -c 999 /dev/zero | tr '\\0' a); "
                   "e=$(head -c 99 /dev/zero | tr '\\0' e); "
                   "(yes \"$e\" | head -n 5000; head -c 100000 /dev/zero | tr '\\0' c) >&2 & "
                   "yes \"$a\" | head -n 52429; head -c 300000 /dev/zero | tr '\\0' b; "
                   "wait"));
  g_assert_cmpint (run->exit_code, ==, 0);
  g_assert_cmpuint (run->out->len, ==, want_out->len);
  g_assert_cmpuint (run->err->len, ==, want_err->len);
  g_assert_true (memcmp (run->out->str, want_out->str, want_out->len) == 0);
  g_assert_true (memcmp (run->err->str, want_err->str, want_err->len) == 0);
  g_test_message ("50 MB run: %.2f s from launch to exit",
                  (run->exited_at - run->launched_at) / 1e6);
}

static void
cancel_politely (gpointer user_data)
{
  FfTestRun *run = user_data;

  ff_execution_cancel (run->execution, 20000);
}

/* Cancel: SIGTERM reaches the program, which ends on its own terms. */
static void
test_cancel (void)
{
  g_autoptr (FfTestProxy) proxy = ff_test_proxy_start (0, full_flags, NULL);
  g_autoptr (FfExecutor) executor = new_executor (ff_test_proxy_get_url (proxy));
  g_autoptr (FfTestRun) run = NULL;

  run = ff_test_run_start (executor, new_request ("trap 'echo got TERM; exit 3' TERM; echo ready; "
                                                  "while :; do sleep 0.1; done"));
  run->marker = "ready";
  run->on_marker = cancel_politely;
  ff_test_wait_until_within (ff_test_is_set, &run->exited, SAFETY_TIMEOUT_S, "the exit");
  g_assert_cmpstr (run->out->str, ==, "ready\ngot TERM\n");
  g_assert_cmpint (run->reason, ==, FF_REASON_CANCELLED);
  g_assert_cmpint (run->exit_code, ==, 3);
  /* Well before the 20 s grace: no kill was needed. */
  g_assert_cmpint (run->exited_at - run->marker_at, <, 10 * G_USEC_PER_SEC);
  assert_container_gone (container_of (run));
}

static void
cancel_with_short_grace (gpointer user_data)
{
  FfTestRun *run = user_data;

  ff_execution_cancel (run->execution, 1000);
}

/* A timeout, as the orchestrator ends one: a cancel with the grace period
 * that the program ignores, so the kill follows. */
static void
test_timeout_kills (void)
{
  g_autoptr (FfTestProxy) proxy = ff_test_proxy_start (0, full_flags, NULL);
  g_autoptr (FfExecutor) executor = new_executor (ff_test_proxy_get_url (proxy));
  g_autoptr (FfTestRun) run = NULL;

  run = ff_test_run_start (executor, new_request ("trap '' TERM; echo ready; "
                                                  "while :; do sleep 0.1; done"));
  run->marker = "ready";
  run->on_marker = cancel_with_short_grace;
  ff_test_wait_until_within (ff_test_is_set, &run->exited, SAFETY_TIMEOUT_S, "the exit");
  g_assert_cmpstr (run->out->str, ==, "ready\n");
  g_assert_cmpint (run->reason, ==, FF_REASON_CANCELLED);
  g_assert_cmpint (run->exit_code, ==, 137);
  g_assert_cmpint (run->exited_at - run->marker_at, >=, 900 * 1000);
  g_assert_cmpint (run->exited_at - run->marker_at, <, 8 * G_USEC_PER_SEC);
  assert_container_gone (container_of (run));
}

static void
test_oom (void)
{
  g_autoptr (FfTestProxy) proxy = ff_test_proxy_start (0, full_flags, NULL);
  g_autoptr (FfExecutor) executor = new_executor (ff_test_proxy_get_url (proxy));
  FfRunRequest *request =
      new_request ("echo growing; x=aaaaaaaaaaaaaaaa; while :; do x=\"$x$x\"; done");
  g_autoptr (FfTestRun) run = NULL;

  ff_run_request_set_memory_limit (request, 16 * 1024 * 1024);
  run = run_to_end (executor, request);
  g_assert_cmpstr (run->out->str, ==, "growing\n");
  g_assert_cmpint (run->reason, ==, FF_REASON_OOM_KILLED);
  g_assert_cmpint (run->exit_code, ==, 137);
  g_assert_nonnull (strstr (ff_test_shown (run->message), "16"));
}

static JsonObject *
inspect_run_container (FfRunRequest *request)
{
  g_autofree gchar *label = g_strdup_printf ("org.fastflow.run-id=%" G_GUINT64_FORMAT,
                                             ff_run_request_get_run_id (request));
  g_autoptr (JsonArray) list = containers_with_label (label);
  g_autofree gchar *path = NULL;
  g_autoptr (JsonNode) node = NULL;
  guint status = 0;

  g_assert_cmpuint (json_array_get_length (list), ==, 1);
  path = g_strdup_printf (
      "/containers/%s/json",
      json_object_get_string_member (json_array_get_object_element (list, 0), "Id"));
  node = engine_get (path, &status);
  g_assert_cmpuint (status, ==, 200);
  return json_object_ref (json_node_get_object (node));
}

static gboolean
array_has (JsonArray *array, const gchar *value)
{
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      if (g_strcmp0 (json_array_get_string_element (array, i), value) == 0)
        return TRUE;
    }
  return FALSE;
}

static void
check_hardening (gpointer user_data)
{
  FfTestRun *run = user_data;
  g_autoptr (JsonObject) container = inspect_run_container (run->request);
  JsonObject *host = json_object_get_object_member (container, "HostConfig");
  JsonObject *config = json_object_get_object_member (container, "Config");
  JsonObject *labels = json_object_get_object_member (config, "Labels");
  JsonArray *mounts = json_object_get_array_member (container, "Mounts");
  JsonObject *mount;

  g_assert_cmpint (json_object_get_int_member (host, "Memory"), ==, 64 * 1024 * 1024);
  g_assert_cmpint (json_object_get_int_member (host, "MemorySwap"), ==, 64 * 1024 * 1024);
  g_assert_cmpint (json_object_get_int_member (host, "NanoCpus"), ==, 500000000);
  g_assert_cmpint (json_object_get_int_member (host, "PidsLimit"), ==, 512);
  g_assert_true (json_object_get_boolean_member (host, "ReadonlyRootfs"));
  g_assert_false (json_object_get_boolean_member (host, "Privileged"));
  g_assert_true (json_object_has_member (json_object_get_object_member (host, "Tmpfs"), "/tmp"));
  g_assert_true (array_has (json_object_get_array_member (host, "CapDrop"), "ALL"));
  g_assert_true (json_object_get_null_member (host, "CapAdd") ||
                 json_array_get_length (json_object_get_array_member (host, "CapAdd")) == 0);
  g_assert_true (
      array_has (json_object_get_array_member (host, "SecurityOpt"), "no-new-privileges"));
  /* Fast-Flow's defaults: Docker's default network, a writable /app */
  g_assert_cmpstr (json_object_get_string_member (host, "NetworkMode"), ==, "bridge");
  g_assert_cmpstr (json_object_get_string_member (config, "WorkingDir"), ==, "/app");
  g_assert_false (json_object_get_boolean_member (config, "Tty"));
  g_assert_true (array_has (json_object_get_array_member (config, "Env"), "FOO=bar"));
  g_assert_cmpstr (json_object_get_string_member (labels, "org.fastflow.pipeline"), ==,
                   "test-pipe");
  g_assert_cmpstr (json_object_get_string_member (labels, "org.fastflow.instance"), ==,
                   env.instance);
  g_assert_cmpuint (json_array_get_length (mounts), ==, 1);
  mount = json_array_get_object_element (mounts, 0);
  g_assert_cmpstr (json_object_get_string_member (mount, "Type"), ==, "bind");
  g_assert_cmpstr (json_object_get_string_member (mount, "Source"), ==, env.pipeline_dir);
  g_assert_cmpstr (json_object_get_string_member (mount, "Destination"), ==, "/app");
  g_assert_true (json_object_get_boolean_member (mount, "RW"));

  ff_execution_cancel (run->execution, 0);
}

/* The hardened forms of Fast-Flow's defaults: app_mount = ro, network =
 * none. */
static void
check_hardened (gpointer user_data)
{
  FfTestRun *run = user_data;
  g_autoptr (JsonObject) container = inspect_run_container (run->request);
  JsonObject *host = json_object_get_object_member (container, "HostConfig");
  JsonArray *mounts = json_object_get_array_member (container, "Mounts");

  g_assert_cmpstr (json_object_get_string_member (host, "NetworkMode"), ==, "none");
  g_assert_cmpuint (json_array_get_length (mounts), ==, 1);
  g_assert_false (json_object_get_boolean_member (json_array_get_object_element (mounts, 0), "RW"));
  ff_execution_cancel (run->execution, 0);
}

static void
test_hardening (void)
{
  g_autoptr (FfTestProxy) proxy = ff_test_proxy_start (0, full_flags, NULL);
  g_autoptr (FfExecutor) executor = new_executor (ff_test_proxy_get_url (proxy));
  FfRunRequest *request =
      new_request ("touch /rootfs 2>/dev/null && echo rootfs-writable || echo rootfs-read-only; "
                   "touch /tmp/x && echo tmp-writable; "
                   "touch /app/x 2>/dev/null && rm /app/x && echo app-writable || "
                   "echo app-read-only; "
                   "id -u; echo ready; sleep 60");
  g_autoptr (FfTestRun) run = NULL;

  ff_run_request_set_memory_limit (request, 64 * 1024 * 1024);
  ff_run_request_set_cpu_limit (request, 0.5);
  ff_run_request_set_env_var (request, "FOO", "bar");
  run = ff_test_run_start (executor, request);
  run->marker = "ready";
  run->on_marker = check_hardening;
  ff_test_wait_until_within (ff_test_is_set, &run->exited, SAFETY_TIMEOUT_S, "the exit");
  g_assert_cmpstr (run->out->str, ==, "rootfs-read-only\ntmp-writable\napp-writable\n0\nready\n");
  g_assert_cmpint (run->reason, ==, FF_REASON_CANCELLED);
  assert_container_gone (container_of (run));
}

static void
test_hardened_settings (void)
{
  g_autoptr (FfTestProxy) proxy = ff_test_proxy_start (0, full_flags, NULL);
  g_autoptr (FfExecutor) executor = new_executor_with (
      ff_test_proxy_get_url (proxy), RUN_FLAGS ("app_mount", "ro", "network", "none"));
  g_autoptr (GKeyFile) config = new_config (ff_test_proxy_get_url (proxy));
  g_autoptr (GError) error = NULL;
  g_autoptr (FfTestRun) run = NULL;

  run = ff_test_run_start (executor, new_request ("touch /app/x 2>/dev/null && rm /app/x && "
                                                  "echo app-writable || echo app-read-only; "
                                                  "echo ready; sleep 60"));
  run->marker = "ready";
  run->on_marker = check_hardened;
  ff_test_wait_until_within (ff_test_is_set, &run->exited, SAFETY_TIMEOUT_S, "the exit");
  g_assert_cmpstr (run->out->str, ==, "app-read-only\nready\n");
  g_assert_cmpint (run->reason, ==, FF_REASON_CANCELLED);

  g_key_file_set_string (config, "executor.docker-proxy", "app_mount", "yes");
  g_assert_false (ff_executor_configure (executor, config, &error));
  g_assert_nonnull (strstr (error->message, "app_mount"));
  g_assert_nonnull (strstr (error->message, "yes"));
}

/* A run's folders: a build (its environment writable) runs as the
 * daemon, whatever `user` says, so that the daemon can remove the
 * environment later; a run sees the same environment read-only, as
 * `user`; fastflow's tools and a wheels folder are read-only for both. */
/* scripts/docker-test-env.sh builds it, and tags it as python_image's
 * image for 3.11 */
#define PYTHON_IMAGE "fastflow-test/python:{version}"
#define PYTHON_3_11 "fastflow-test/python:3.11"

static const gchar folders_script[] =
    "for d in env tools wheels; do "
    "  touch /opt/fastflow/$d/x 2>/dev/null && echo $d-writable || echo $d-read-only; "
    "done; "
    "rm -f /opt/fastflow/env/x; echo $(id -u):$(id -g)";

static void
test_folders (void)
{
  g_autoptr (FfTestProxy) proxy = ff_test_proxy_start (0, full_flags, NULL);
  /* not the daemon's: the build must not take it */
  g_autoptr (FfExecutor) executor =
      new_executor_with (ff_test_proxy_get_url (proxy), RUN_FLAGS ("user", "65534:65534"));
  g_autofree gchar *env_dir = make_folder ("env");
  g_autofree gchar *tools = make_folder ("tools");
  g_autofree gchar *wheels = make_folder ("wheels");
  g_autofree gchar *daemon = g_strdup_printf ("%u:%u\n", (guint) getuid (), (guint) getgid ());
  g_autofree gchar *build_out =
      g_strconcat ("env-writable\ntools-read-only\nwheels-read-only\n", daemon, NULL);
  g_autoptr (FfTestRun) build = NULL;
  g_autoptr (FfTestRun) run = NULL;
  FfRunRequest *request;

  g_assert_cmpint (g_chmod (env_dir, 0777), ==, 0);

  /* the busybox image's root is the daemon's only */
  request = new_request (folders_script);
  ff_run_request_set_image (request, PYTHON_3_11);
  ff_run_request_set_folder (request, FF_RUN_FOLDER_DEPENDENCY_ENV, env_dir, TRUE);
  ff_run_request_set_folder (request, FF_RUN_FOLDER_TOOLS, tools, FALSE);
  ff_run_request_set_folder (request, FF_RUN_FOLDER_WHEELS, wheels, FALSE);
  build = run_to_end (executor, request);
  g_assert_cmpstr (build->err->str, ==, "");
  g_assert_cmpstr (build->out->str, ==, build_out);

  request = new_request (folders_script);
  ff_run_request_set_image (request, PYTHON_3_11);
  ff_run_request_set_folder (request, FF_RUN_FOLDER_DEPENDENCY_ENV, env_dir, FALSE);
  ff_run_request_set_folder (request, FF_RUN_FOLDER_TOOLS, tools, FALSE);
  run = run_to_end (executor, request);
  g_assert_cmpstr (run->out->str, ==,
                   "env-read-only\ntools-read-only\nwheels-read-only\n"
                   "65534:65534\n");

  /* where a run looks for them */
  for (FfRunFolder folder = 0; folder < FF_RUN_FOLDER_LAST; folder++)
    {
      static const gchar *const paths[] = { "/opt/fastflow/env", "/opt/fastflow/tools",
                                            "/opt/fastflow/wheels" };
      g_autofree gchar *path = ff_executor_get_folder_path (executor, folder, tools);

      g_assert_cmpstr (path, ==, paths[folder]);
    }
  g_rmdir (env_dir);
  g_rmdir (tools);
  g_rmdir (wheels);
}

static FfExecutor *
new_python_executor (const gchar *url)
{
  return new_executor_with (url, RUN_FLAGS ("python_image", PYTHON_IMAGE));
}

/* python_version picks python_image's image of that version; the runtime
 * (the key of its dependency environments) is that image. */
static void
test_python_version (void)
{
  g_autoptr (FfTestProxy) proxy = ff_test_proxy_start (0, full_flags, NULL);
  g_autoptr (FfExecutor) executor = new_python_executor (ff_test_proxy_get_url (proxy));
  FfRunRequest *request =
      new_request ("python3 -c 'import sys; print(\"%d.%d\" % sys.version_info[:2])'");
  g_autoptr (FfTestRun) run = NULL;
  g_autofree gchar *runtime = NULL, *python = NULL;
  g_autoptr (GError) error = NULL;

  ff_run_request_set_python_version (request, "3.11");
  g_assert_true (ff_executor_get_runtime (executor, request, &runtime, &python, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (runtime, ==, "fastflow-test/python:3.11");
  g_assert_cmpstr (python, ==, "python3");
  run = run_to_end (executor, request);
  g_assert_cmpstr (run->err->str, ==, "");
  g_assert_cmpstr (run->out->str, ==, "3.11\n");
  g_assert_cmpint (run->exit_code, ==, 0);

  /* the pipeline's own image wins, and is the runtime */
  request = new_request ("true");
  ff_run_request_set_python_version (request, "3.11");
  ff_run_request_set_image (request, env.image);
  g_clear_pointer (&runtime, g_free);
  g_clear_pointer (&python, g_free);
  g_assert_true (ff_executor_get_runtime (executor, request, &runtime, &python, &error));
  g_assert_cmpstr (runtime, ==, env.image);
  g_object_unref (request);
}

/* A version whose image is not there fails the run, naming the version
 * and the image; never another version. */
static void
test_python_version_missing (void)
{
  g_autoptr (FfTestProxy) proxy = ff_test_proxy_start (0, full_flags, NULL);
  g_autoptr (FfExecutor) executor = new_python_executor (ff_test_proxy_get_url (proxy));
  FfRunRequest *request = new_request ("python3 --version");
  g_autoptr (GError) error = NULL;
  g_autofree gchar *runtime = NULL, *python = NULL;
  const gchar *shown;

  ff_run_request_set_python_version (request, "3.99");
  error = launch_error (executor, request);
  g_assert_error (error, FF_EXECUTOR_ERROR, FF_REASON_IMAGE_NOT_FOUND);
  shown = ff_test_shown (error->message);
  g_test_message ("%s", shown);
  g_assert_nonnull (strstr (shown, "Python 3.99"));
  g_assert_nonnull (strstr (shown, "fastflow-test/python:3.99"));
  g_assert_nonnull (strstr (shown, "python_image"));
  g_assert_null (strstr (shown, "3.11"));
  g_clear_error (&error);

  /* no way into another part of the image's name */
  request = new_request ("true");
  ff_run_request_set_python_version (request, "3.11@sha256:0");
  g_assert_false (ff_executor_get_runtime (executor, request, &runtime, &python, &error));
  g_assert_nonnull (strstr (error->message, "3.11@sha256:0"));
  g_object_unref (request);
}

static void
on_diagnosed (GObject *source, GAsyncResult *res, gpointer user_data)
{
  GPtrArray **checks = user_data;

  *checks = ff_executor_diagnose_finish (FF_EXECUTOR (source), res, NULL);
  g_assert_nonnull (*checks);
}

/* The "network" finding of `executors --verbose` for a proxy at @url
 * with @network as the default, or %NULL. */
static gchar *
network_finding (const gchar *url, const gchar *network)
{
  g_autoptr (FfExecutor) executor =
      new_executor_with (url, network != NULL ? RUN_FLAGS ("network", network) : NULL);
  g_autoptr (GPtrArray) checks = NULL;

  ff_executor_diagnose_async (executor, NULL, on_diagnosed, &checks);
  ff_test_wait_until_within (ff_test_is_set, &checks, 60, "the diagnosis");
  for (guint i = 0; i < checks->len; i++)
    {
      FfExecutorCheck *check = g_ptr_array_index (checks, i);

      if (g_strcmp0 (ff_executor_check_get_name (check), "network") != 0)
        continue;
      g_assert_cmpint (ff_executor_check_get_level (check), ==, FF_CHECK_LEVEL_WARNING);
      return g_strdup (ff_executor_check_get_message (check));
    }
  return NULL;
}

/* Runs on a bridge network reach the host's addresses, but not its
 * loopback or a Unix socket: a proxy there could be asked for containers
 * by a pipeline. The .invalid name fails at once and is not loopback. */
static void
test_proxy_reach_warning (void)
{
  g_autoptr (FfTestProxy) proxy = ff_test_proxy_start (0, full_flags, NULL);
  g_autofree gchar *socket_path = g_build_filename (env.root, "proxy.sock", NULL);
  g_autofree gchar *socket_url = g_strdup_printf ("unix://%s", socket_path);
  g_autofree gchar *remote = network_finding ("http://ff-proxy.invalid:2375", NULL);
  g_autofree gchar *remote_none = network_finding ("http://ff-proxy.invalid:2375", "none");
  g_autofree gchar *local = network_finding (ff_test_proxy_get_url (proxy), NULL);
  g_autofree gchar *by_name = network_finding ("http://localhost:1", NULL);
  g_autofree gchar *by_socket = network_finding (socket_url, NULL);

  g_assert_nonnull (remote);
  g_test_message ("%s", remote);
  g_assert_nonnull (strstr (remote, "http://ff-proxy.invalid:2375"));
  g_assert_nonnull (strstr (remote, "network = none"));
  g_assert_nonnull (remote_none);
  g_assert_nonnull (strstr (remote_none, "ask for the network"));
  g_assert_null (local);
  g_assert_null (by_name);
  g_assert_null (by_socket);
}

/* Refusals need no proxy: this one does not even exist. */
static void
test_refusals (void)
{
  g_autofree gchar *url = g_strdup_printf ("http://127.0.0.1:%u", ff_test_proxy_free_port ());
  g_autoptr (FfExecutor) executor = new_executor (url);
  g_autofree gchar *outside = g_dir_make_tmp ("ff-outside-XXXXXX", NULL);
  g_autofree gchar *tools = make_folder ("tools-rw");
  struct
  {
    const gchar *network;
    const gchar *dir;
    guint64 memory;
    const gchar *mention;
    FfRunFolder folder; /* with folder_path */
    const gchar *folder_path;
    gboolean writable;
  } cases[] = {
    { "host", NULL, 0, "host" },
    { "container:abc", NULL, 0, "container:abc" },
    { NULL, "/var/run/docker.sock", 0, "socket" },
    { NULL, "/var/run", 0, "Docker socket" },
    { NULL, "/", 0, "Docker socket" },
    { NULL, outside, 0, "outside the pipelines folder" },
    /* The engine's minimum, said by the executor rather than the core. */
    { NULL, NULL, 1024 * 1024, "below 6 MiB" },
    /* of a run's folders only the environment may be writable, and none
     * may be the engine's socket */
    { NULL, NULL, 0, "only its dependency environment", FF_RUN_FOLDER_TOOLS, tools, TRUE },
    { NULL, NULL, 0, "only its dependency environment", FF_RUN_FOLDER_WHEELS, tools, TRUE },
    { NULL, NULL, 0, "socket", FF_RUN_FOLDER_WHEELS, "/var/run/docker.sock", FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      FfRunRequest *request = new_request ("true");
      g_autoptr (GError) error = NULL;

      if (cases[i].network != NULL)
        ff_run_request_set_network (request, cases[i].network);
      if (cases[i].dir != NULL)
        ff_run_request_set_pipeline_dir (request, cases[i].dir);
      if (cases[i].memory > 0)
        ff_run_request_set_memory_limit (request, cases[i].memory);
      if (cases[i].folder_path != NULL)
        ff_run_request_set_folder (request, cases[i].folder, cases[i].folder_path,
                                   cases[i].writable);
      error = launch_error (executor, request);
      g_assert_error (error, FF_EXECUTOR_ERROR, FF_REASON_REFUSED);
      g_assert_nonnull (strstr (ff_test_shown (error->message), cases[i].mention));
    }
  g_rmdir (outside);
  g_rmdir (tools);
}

static void
on_health (GObject *source, GAsyncResult *res, gpointer user_data)
{
  GError **error = ((gpointer *) user_data)[0];
  gboolean *done = ((gpointer *) user_data)[1];

  ff_executor_check_health_finish (FF_EXECUTOR (source), res, error);
  *done = TRUE;
}

static GError *
check_health (FfExecutor *executor)
{
  GError *error = NULL;
  gboolean done = FALSE;
  gpointer data[] = { &error, &done };

  ff_executor_check_health_async (executor, NULL, on_health, data);
  ff_test_wait_until_within (ff_test_is_set, &done, 60, "the call");
  return error;
}

static void
test_proxy_down_and_back (void)
{
  guint16 port = ff_test_proxy_free_port ();
  g_autofree gchar *url = g_strdup_printf ("http://127.0.0.1:%u", port);
  g_autoptr (FfExecutor) executor = new_executor (url);
  g_autoptr (GError) error = check_health (executor);
  g_autoptr (GError) launch = NULL;
  g_autoptr (FfTestProxy) proxy = NULL;
  g_autoptr (FfTestRun) run = NULL;

  g_assert_error (error, FF_EXECUTOR_ERROR, FF_REASON_PROXY_UNREACHABLE);
  g_assert_nonnull (strstr (ff_test_shown (error->message), "Docker proxy is not reachable"));
  g_assert_nonnull (strstr (ff_test_shown (error->message), url));

  launch = launch_error (executor, new_request ("true"));
  g_assert_error (launch, FF_EXECUTOR_ERROR, FF_REASON_PROXY_UNREACHABLE);
  g_assert_nonnull (strstr (ff_test_shown (launch->message), url));

  /* Back: a launch checks again by itself, without a health check first. */
  proxy = ff_test_proxy_start (port, full_flags, NULL);
  g_assert_cmpstr (ff_test_proxy_get_url (proxy), ==, url);
  run = run_to_end (executor, new_request ("echo back"));
  g_assert_cmpstr (run->out->str, ==, "back\n");
  g_clear_error (&error);
  error = check_health (executor);
  g_assert_no_error (error);
}

static void
assert_forbidden (const gchar *const *flags, const gchar *want, const gchar *not_want)
{
  g_autoptr (FfTestProxy) proxy = ff_test_proxy_start (0, flags, NULL);
  g_autoptr (FfExecutor) executor = new_executor (ff_test_proxy_get_url (proxy));
  g_autoptr (GError) health = check_health (executor);
  g_autoptr (GError) error = NULL;

  /* /_ping and /version need neither flag, but a proxy that refuses what
   * every run needs is not healthy: the check names the flags, and a
   * launch stops there, before it creates anything */
  g_assert_error (health, FF_EXECUTOR_ERROR, FF_REASON_PROXY_FORBIDDEN);
  g_test_message ("%s", ff_test_shown (health->message));
  g_assert_nonnull (strstr (ff_test_shown (health->message), want));
  if (not_want != NULL)
    g_assert_null (strstr (ff_test_shown (health->message), not_want));
  error = launch_error (executor, new_request ("true"));
  g_assert_error (error, FF_EXECUTOR_ERROR, FF_REASON_PROXY_FORBIDDEN);
  g_test_message ("%s", ff_test_shown (error->message));
  g_assert_nonnull (strstr (ff_test_shown (error->message), want));
  if (not_want != NULL)
    g_assert_null (strstr (ff_test_shown (error->message), not_want));
}

static void
test_forbidden_post (void)
{
  assert_forbidden (RUN_FLAGS ("CONTAINERS=1", "POST=0"), "POST=1", "CONTAINERS=1");
}

static void
test_forbidden_containers (void)
{
  assert_forbidden (RUN_FLAGS ("CONTAINERS=0", "POST=1"), "CONTAINERS=1", "POST=1");
}

static void
test_forbidden_both (void)
{
  assert_forbidden (RUN_FLAGS ("CONTAINERS=0", "POST=0"), "set CONTAINERS=1, POST=1 on", NULL);
}

static void
test_image_missing (void)
{
  g_autoptr (FfTestProxy) proxy = ff_test_proxy_start (0, full_flags, NULL);
  g_autoptr (FfExecutor) executor = new_executor (ff_test_proxy_get_url (proxy));
  FfRunRequest *request = new_request ("true");
  g_autoptr (GError) error = NULL;

  ff_run_request_set_image (request, "fastflow-test/does-not-exist:1");
  error = launch_error (executor, request);
  g_assert_error (error, FF_EXECUTOR_ERROR, FF_REASON_IMAGE_NOT_FOUND);
  g_assert_nonnull (strstr (ff_test_shown (error->message), "fastflow-test/does-not-exist:1"));
}

/* HAProxy cuts every request that is quiet for 2 s: the /wait always, the
 * log follow in the 3 s pause. The run still ends whole and right.
 * The 20000 p's without a newline come as a 16 KB piece at once and the
 * rest when stderr closes at the exit, stamped 6 s earlier with the time
 * of the first piece; the follow cut in the pause resumes after the
 * "more" lines, so it must reach back for the open line. */
static void
test_proxy_cuts_streams (void)
{
  g_autoptr (FfTestProxy) proxy = ff_test_proxy_start (0, full_flags, "2s");
  g_autoptr (FfExecutor) executor = new_executor (ff_test_proxy_get_url (proxy));
  g_autoptr (FfTestRun) run = NULL;

  run = run_to_end (
      executor, new_request ("i=1; while [ $i -le 5 ]; do echo tick $i; echo err $i >&2; "
                             "sleep 1; i=$((i+1)); done; head -c 20000 /dev/zero | tr '\\0' p >&2; "
                             "for i in 1 2 3; do echo more $i; sleep 1; done; "
                             "sleep 3; printf 'after the pause'; exit 7"));
  g_assert_cmpstr (run->out->str, ==,
                   "tick 1\ntick 2\ntick 3\ntick 4\ntick 5\nmore 1\nmore 2\nmore 3\n"
                   "after the pause");
  g_assert_true (g_str_has_prefix (run->err->str, "err 1\nerr 2\nerr 3\nerr 4\nerr 5\n"));
  g_assert_cmpuint (run->err->len, ==, strlen ("err 1\nerr 2\nerr 3\nerr 4\nerr 5\n") + 20000);
  g_assert_true (run->err->str[run->err->len - 1] == 'p');
  g_assert_cmpint (run->exit_code, ==, 7);
  g_assert_cmpint (run->reason, ==, FF_REASON_EXIT_CODE);
  g_test_message ("reconnects: %u",
                  ff_docker_execution_get_reconnects (FF_DOCKER_EXECUTION (run->execution)));
  /* ~11 s under a 2 s cut: the wait was cut at least three times. */
  g_assert_cmpuint (ff_docker_execution_get_reconnects (FF_DOCKER_EXECUTION (run->execution)), >=,
                    3);
}

static void
test_concurrent (void)
{
  g_autoptr (FfTestProxy) proxy = ff_test_proxy_start (0, full_flags, NULL);
  g_autoptr (FfExecutor) executor = new_executor (ff_test_proxy_get_url (proxy));
  FfTestRun *runs[10];

  for (guint i = 0; i < G_N_ELEMENTS (runs); i++)
    {
      g_autofree gchar *script =
          g_strdup_printf ("echo run %u; sleep 1; echo done %u >&2; exit %u", i, i, i + 10);
      runs[i] = ff_test_run_start (executor, new_request (script));
    }
  for (guint i = 0; i < G_N_ELEMENTS (runs); i++)
    {
      g_autofree gchar *out = g_strdup_printf ("run %u\n", i);
      g_autofree gchar *err = g_strdup_printf ("done %u\n", i);

      ff_test_wait_until_within (ff_test_is_set, &runs[i]->launched, SAFETY_TIMEOUT_S,
                                 "the launch");
      g_assert_no_error (runs[i]->launch_error);
      ff_test_wait_until_within (ff_test_is_set, &runs[i]->exited, SAFETY_TIMEOUT_S, "the exit");
      g_assert_cmpstr (runs[i]->out->str, ==, out);
      g_assert_cmpstr (runs[i]->err->str, ==, err);
      g_assert_cmpint (runs[i]->exit_code, ==, (gint) i + 10);
      assert_container_gone (container_of (runs[i]));
      ff_test_run_free (runs[i]);
    }
}

/* Warnings of the executor, caught so a test can look at them. */
static GPtrArray *warnings;

static GLogWriterOutput
log_writer (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  const gchar *domain = NULL;
  const gchar *message = NULL;

  for (gsize i = 0; i < n_fields; i++)
    {
      if (g_strcmp0 (fields[i].key, "GLIB_DOMAIN") == 0)
        domain = fields[i].value;
      else if (g_strcmp0 (fields[i].key, "MESSAGE") == 0)
        message = fields[i].value;
    }
  if ((level & G_LOG_LEVEL_WARNING) && g_strcmp0 (domain, "ff-docker-proxy") == 0)
    {
      g_ptr_array_add (warnings, g_strdup (message));
      return G_LOG_WRITER_HANDLED;
    }
  return g_log_writer_default (level, fields, n_fields, user_data);
}

/* The engine's own socket as the proxy URL: the executor stays, unavailable
 * with the reason, and launches nothing. */
static void
test_engine_socket_refused (void)
{
  g_autoptr (FfExecutor) executor = new_executor ("unix:///var/run/docker.sock");
  g_autoptr (GError) error = check_health (executor);
  g_autoptr (GError) launch = NULL;

  g_assert_error (error, FF_EXECUTOR_ERROR, FF_REASON_PROXY_FORBIDDEN);
  g_test_message ("%s", ff_test_shown (error->message));
  g_assert_nonnull (strstr (ff_test_shown (error->message), "engine's own socket"));
  g_assert_nonnull (strstr (ff_test_shown (error->message), "engine_sockets"));
  launch = launch_error (executor, new_request ("true"));
  g_assert_error (launch, FF_EXECUTOR_ERROR, FF_REASON_PROXY_FORBIDDEN);
}

static void
test_configuration (void)
{
  g_autoptr (FfDockerExecutor) plain = ff_docker_executor_new ();
  g_autoptr (FfDockerExecutor) executor = ff_docker_executor_new ();
  g_autoptr (GKeyFile) config = new_config ("http://from-config:1234");
  g_autoptr (GKeyFile) bad = new_config ("ftp://nope");
  g_autoptr (GError) error = NULL;

  g_assert_cmpstr (ff_docker_base_executor_get_url (FF_DOCKER_BASE_EXECUTOR (plain)), ==,
                   "http://docker-proxy:2375");
  g_assert_cmpstr (ff_executor_get_name (FF_EXECUTOR (plain)), ==, "docker-proxy");

  g_assert_true (ff_executor_configure (FF_EXECUTOR (executor), config, &error));
  g_assert_cmpstr (ff_docker_base_executor_get_url (FF_DOCKER_BASE_EXECUTOR (executor)), ==,
                   "http://from-config:1234");
  g_setenv ("DOCKER_PROXY_URL", "unix:///run/fastflow-proxy.sock", TRUE);
  g_assert_true (ff_executor_configure (FF_EXECUTOR (executor), config, &error));
  g_assert_cmpstr (ff_docker_base_executor_get_url (FF_DOCKER_BASE_EXECUTOR (executor)), ==,
                   "unix:///run/fastflow-proxy.sock");
  g_unsetenv ("DOCKER_PROXY_URL");

  g_assert_false (ff_executor_configure (FF_EXECUTOR (executor), bad, &error));
  g_assert_nonnull (strstr (ff_test_shown (error->message), "ftp://nope"));
  g_clear_error (&error);

  g_key_file_set_string (config, "executor.docker-proxy", "network", "host");
  g_assert_false (ff_executor_configure (FF_EXECUTOR (executor), config, &error));
  g_assert_error (error, FF_EXECUTOR_ERROR, FF_REASON_REFUSED);
}

/* A proxy that listens on a socket of its own, as unix:///PATH. */
static void
test_unix_socket_proxy (void)
{
  g_autofree gchar *path = g_build_filename (env.root, "proxy.sock", NULL);
  g_autoptr (FfTestProxy) proxy = ff_test_proxy_start_unix (path, full_flags);
  g_autoptr (FfExecutor) executor = new_executor (ff_test_proxy_get_url (proxy));
  g_autoptr (FfTestRun) run = NULL;

  g_assert_true (g_str_has_prefix (ff_test_proxy_get_url (proxy), "unix:///"));
  run = run_to_end (executor, new_request ("echo over a unix socket"));
  g_assert_cmpstr (run->out->str, ==, "over a unix socket\n");
  g_assert_cmpint (run->reason, ==, FF_REASON_NONE);
  g_unlink (path);
}

static void
cancel_later (gpointer user_data)
{
  g_cancellable_cancel (user_data);
}

/* A launch cancelled while the container is created or started leaves
 * no container behind (checked at the end by label). */
static void
test_launch_cancelled (void)
{
  g_autoptr (FfTestProxy) proxy = ff_test_proxy_start (0, full_flags, NULL);
  g_autoptr (FfExecutor) executor = new_executor (ff_test_proxy_get_url (proxy));
  g_autoptr (GError) health = check_health (executor);

  g_assert_no_error (health);
  for (guint delay_ms = 0; delay_ms <= 400; delay_ms += 100)
    {
      g_autoptr (GCancellable) cancellable = g_cancellable_new ();
      FfRunRequest *request = new_request ("sleep 30");
      g_autoptr (FfTestRun) run = ff_test_run_start_full (executor, request, cancellable);
      gboolean slept = delay_ms == 0;

      if (!slept)
        g_timeout_add_once (delay_ms, cancel_later, cancellable);
      else
        g_cancellable_cancel (cancellable);
      ff_test_wait_until_within (ff_test_is_set, &run->launched, SAFETY_TIMEOUT_S, "the launch");
      if (run->execution != NULL)
        {
          /* Too late to cancel the launch: the run is there to cancel. */
          ff_execution_cancel (run->execution, 0);
          ff_test_wait_until_within (ff_test_is_set, &run->exited, SAFETY_TIMEOUT_S, "the exit");
          assert_container_gone (container_of (run));
          continue;
        }
      g_assert_error (run->launch_error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    }
}

/* The proxy goes away in the middle of a run and comes back on the same
 * port: the run is followed to its end, nothing lost. */
typedef struct
{
  FfTestRun *run;
  guint16 port;
  FfTestProxy *proxy;
} Restart;

static Restart restart;

static gboolean
bring_proxy_back (gpointer user_data)
{
  restart.proxy = ff_test_proxy_start (restart.port, full_flags, NULL);
  return G_SOURCE_REMOVE;
}

static void
take_proxy_away (gpointer user_data)
{
  g_clear_pointer (&restart.proxy, ff_test_proxy_stop);
  g_timeout_add (1500, bring_proxy_back, NULL);
}

static void
test_proxy_restarts_during_run (void)
{
  g_autoptr (FfExecutor) executor = NULL;
  g_autoptr (FfTestRun) run = NULL;

  restart.port = ff_test_proxy_free_port ();
  restart.proxy = ff_test_proxy_start (restart.port, full_flags, NULL);
  executor = new_executor (ff_test_proxy_get_url (restart.proxy));
  run = ff_test_run_start (executor, new_request ("echo start; sleep 4; echo end >&2; exit 5"));
  run->marker = "start";
  run->on_marker = take_proxy_away;
  ff_test_wait_until_within (ff_test_is_set, &run->exited, SAFETY_TIMEOUT_S, "the exit");
  g_assert_cmpstr (run->out->str, ==, "start\n");
  g_assert_cmpstr (run->err->str, ==, "end\n");
  g_assert_cmpint (run->exit_code, ==, 5);
  g_assert_cmpint (run->reason, ==, FF_REASON_EXIT_CODE);
  assert_container_gone (container_of (run));
  g_clear_pointer (&restart.proxy, ff_test_proxy_stop);
}

/* Resource samples while a container spins with 30 MB in hand, under a
 * limit of half a CPU. */
static FfUsage sampled;
static gboolean have_sample;

static gboolean
poll_usage (gpointer user_data)
{
  FfTestRun *run = user_data;
  g_autoptr (GError) error = NULL;
  FfUsage usage = { 0 };

  if (run->exited)
    return G_SOURCE_REMOVE;
  if (!ff_execution_sample_usage (run->execution, &usage, &error))
    {
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
      return G_SOURCE_CONTINUE;
    }
  if (usage.cpu_percent < 5 || usage.memory_bytes < 20 * 1024 * 1024)
    return G_SOURCE_CONTINUE;
  sampled = usage;
  have_sample = TRUE;
  ff_execution_cancel (run->execution, 0);
  return G_SOURCE_REMOVE;
}

static void
start_polling (gpointer user_data)
{
  g_timeout_add (200, poll_usage, user_data);
}

static void
test_sample_usage (void)
{
  g_autoptr (FfTestProxy) proxy = ff_test_proxy_start (0, full_flags, NULL);
  g_autoptr (FfExecutor) executor = new_executor (ff_test_proxy_get_url (proxy));
  FfRunRequest *request = new_request ("x=$(head -c 30000000 /dev/zero | tr '\\0' a); "
                                       "echo ready; while :; do :; done");
  g_autoptr (FfTestRun) run = NULL;
  g_autoptr (GError) error = NULL;
  FfUsage usage;

  ff_run_request_set_memory_limit (request, 256 * 1024 * 1024);
  ff_run_request_set_cpu_limit (request, 0.5);
  have_sample = FALSE;
  run = ff_test_run_start (executor, request);
  run->marker = "ready";
  run->on_marker = start_polling;
  ff_test_wait_until_within (ff_test_is_set, &run->exited, SAFETY_TIMEOUT_S, "the exit");
  g_assert_true (have_sample);
  g_test_message ("sample: %.1f %% CPU, %" G_GUINT64_FORMAT " bytes", sampled.cpu_percent,
                  sampled.memory_bytes);
  /* Half a CPU, with some slack for the sampling period. */
  g_assert_cmpfloat (sampled.cpu_percent, <, 80.0);
  g_assert_cmpuint (sampled.memory_bytes, <, 256 * 1024 * 1024);
  g_assert_cmpuint (sampled.memory_limit_bytes, ==, 256 * 1024 * 1024);
  g_assert_false (ff_execution_sample_usage (run->execution, &usage, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  assert_container_gone (container_of (run));
}

/* A proxy that refuses /stats: the run goes on, and sampling says why it
 * cannot measure, once the refusal is in, instead of trying forever. */
static GError *stats_refusal;

static gboolean
poll_refused_usage (gpointer user_data)
{
  FfTestRun *run = user_data;
  g_autoptr (GError) error = NULL;
  FfUsage usage = { 0 };

  if (run->exited)
    return G_SOURCE_REMOVE;
  g_assert_false (ff_execution_sample_usage (run->execution, &usage, &error));
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
    return G_SOURCE_CONTINUE;
  stats_refusal = g_steal_pointer (&error);
  ff_execution_cancel (run->execution, 0);
  return G_SOURCE_REMOVE;
}

static void
start_refused_polling (gpointer user_data)
{
  g_timeout_add (100, poll_refused_usage, user_data);
}

static void
test_stats_refused (void)
{
  g_autoptr (FfTestProxy) proxy =
      ff_test_proxy_start (0, RUN_FLAGS ("CONTAINERS=1", "POST=1", "FF_DENY_STATS=1"), NULL);
  g_autoptr (FfExecutor) executor = new_executor (ff_test_proxy_get_url (proxy));
  FfRunRequest *request = new_request ("echo ready; while :; do sleep 1; done");
  g_autoptr (FfTestRun) run = NULL;

  g_clear_error (&stats_refusal);
  run = ff_test_run_start (executor, request);
  run->marker = "ready";
  run->on_marker = start_refused_polling;
  ff_test_wait_until_within (ff_test_is_set, &run->exited, SAFETY_TIMEOUT_S, "the exit");
  g_assert_error (stats_refusal, FF_EXECUTOR_ERROR, FF_REASON_PROXY_FORBIDDEN);
  g_test_message ("%s", ff_test_shown (stats_refusal->message));
  g_assert_nonnull (strstr (ff_test_shown (stats_refusal->message), "/stats"));
  /* the run itself was fine until it was cancelled */
  g_assert_cmpint (run->reason, ==, FF_REASON_CANCELLED);
  assert_container_gone (container_of (run));
  g_clear_error (&stats_refusal);
}

/* Last: no container of this test process is left on the engine. */
static void
test_no_leftovers (void)
{
  g_autofree gchar *label = g_strdup_printf ("org.fastflow.instance=%s", env.instance);
  g_autoptr (JsonArray) list = containers_with_label (label);

  g_assert_cmpuint (json_array_get_length (list), ==, 0);
}

static void
set_up_env (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *engine_url = NULL;
  g_autofree gchar *hello = NULL;
  const gchar *socket = g_getenv ("FASTFLOW_TEST_ENGINE_SOCKET");

  env.image = g_getenv ("FASTFLOW_TEST_IMAGE");
  g_assert_nonnull (env.image);
  engine_url = g_strdup_printf ("unix://%s", socket != NULL ? socket : "/var/run/docker.sock");
  env.engine = ff_docker_client_new (engine_url, 8, &error);
  g_assert_no_error (error);
  env.root = g_dir_make_tmp ("ff-docker-test-XXXXXX", &error);
  g_assert_no_error (error);
  env.pipeline_dir = g_build_filename (env.root, "test-pipe", NULL);
  g_assert_cmpint (g_mkdir (env.pipeline_dir, 0755), ==, 0);
  hello = g_build_filename (env.pipeline_dir, "hello.txt", NULL);
  g_assert_true (g_file_set_contents (hello, "hello from the pipeline folder\n", -1, &error));
  /* The container's user must be able to read it. */
  g_assert_cmpint (g_chmod (env.root, 0755), ==, 0);
  env.instance = g_uuid_string_random ();
  env.next_run_id = (guint64) g_random_int_range (1000000, 2000000) * 1000;
  g_unsetenv ("DOCKER_PROXY_URL");
}

static void
engine_ping_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  GError **error = ((gpointer *) user_data)[0];
  gboolean *done = ((gpointer *) user_data)[1];

  ff_docker_client_ping_finish (FF_DOCKER_CLIENT (source), res, error);
  *done = TRUE;
}

/* Without an engine every test here would fail anyway; say why first. */
static void
test_engine_reachable (void)
{
  g_autoptr (GError) error = NULL;
  gboolean done = FALSE;
  gpointer data[] = { &error, &done };
  g_autofree gchar *path = NULL;
  g_autoptr (JsonNode) image = NULL;
  guint status = 0;

  ff_docker_client_ping_async (env.engine, NULL, engine_ping_done, data);
  ff_test_wait_until_within (ff_test_is_set, &done, 60, "the call");
  g_assert_no_error (error);
  path = g_strdup_printf ("/images/%s/json", env.image);
  image = engine_get (path, &status);
  if (status != 200)
    g_error ("the test image %s is missing; run scripts/docker-test-env.sh", env.image);
}

/* A container made behind fastflow's back, as a killed daemon leaves one. */
static gchar *
engine_create_labelled (const gchar *instance, const gchar *daemon_id)
{
  g_autofree gchar *body_text =
      g_strdup_printf ("{\"Image\":\"%s\",\"Cmd\":[\"sleep\",\"300\"],"
                       "\"Labels\":{\"org.fastflow.instance\":\"%s\",\"org.fastflow.daemon\":"
                       "\"%s\",\"org.fastflow.run-id\":\"1\"}}",
                       env.image, instance, daemon_id);
  g_autoptr (JsonNode) body = json_from_string (body_text, NULL);
  g_autoptr (JsonNode) node = NULL;
  guint status = 0;

  node = ff_test_engine_call (env.engine, "POST", "/containers/create", body, FF_DOCKER_CALL_LONG,
                              &status);
  g_assert_cmpuint (status, ==, 201);
  return g_strdup (json_object_get_string_member (json_node_get_object (node), "Id"));
}

typedef struct
{
  gboolean done;
  gboolean ok;
  guint removed;
  GError *error;
} Sweep;

static void
on_swept (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Sweep *sweep = user_data;

  sweep->ok = ff_executor_remove_leftovers_finish (FF_EXECUTOR (source), res, &sweep->removed,
                                                   &sweep->error);
  sweep->done = TRUE;
}

static guint
sweep (FfExecutor *executor, const gchar *instance, const gchar *daemon_id)
{
  Sweep result = { 0 };

  ff_executor_remove_leftovers_async (executor, instance, daemon_id, NULL, on_swept, &result);
  ff_test_wait_until_within (ff_test_is_set, &result.done, 60, "the result");
  g_assert_no_error (result.error);
  g_assert_true (result.ok);
  return result.removed;
}

static void
assert_container_exists (const gchar *id)
{
  g_autofree gchar *path = g_strdup_printf ("/containers/%s/json", id);
  g_autoptr (JsonNode) node = NULL;
  guint status = 0;

  node = engine_get (path, &status);
  g_assert_cmpuint (status, ==, 200);
}

static void
engine_delete (const gchar *id)
{
  g_autofree gchar *path = g_strdup_printf ("/containers/%s?force=1", id);
  g_autoptr (JsonNode) node = NULL;
  guint status = 0;

  node = ff_test_engine_call (env.engine, "DELETE", path, NULL, FF_DOCKER_CALL_LONG, &status);
}

/* What an earlier daemon of this instance left is removed; what another
 * instance owns, and what the running daemon started, is not. */
static void
test_remove_leftovers (void)
{
  g_autoptr (FfTestProxy) proxy =
      ff_test_proxy_start (ff_test_proxy_free_port (), full_flags, NULL);
  g_autoptr (FfExecutor) executor = new_executor (ff_test_proxy_get_url (proxy));
  g_autofree gchar *mine = g_strdup_printf ("%s-leftover", env.instance);
  g_autofree gchar *other = g_strdup_printf ("%s-other", env.instance);
  g_autofree gchar *old_id = engine_create_labelled (mine, "earlier-daemon");
  g_autofree gchar *current_id = engine_create_labelled (mine, "this-daemon");
  g_autofree gchar *other_id = engine_create_labelled (other, "earlier-daemon");

  g_assert_cmpuint (sweep (executor, mine, "this-daemon"), ==, 1);
  assert_container_gone (old_id);
  assert_container_exists (current_id);
  assert_container_exists (other_id);
  /* nothing more to do the second time */
  g_assert_cmpuint (sweep (executor, mine, "this-daemon"), ==, 0);
  engine_delete (current_id);
  engine_delete (other_id);
  assert_container_gone (current_id);
  assert_container_gone (other_id);
}

static void
tear_down_env (void)
{
  g_autofree gchar *hello = g_build_filename (env.pipeline_dir, "hello.txt", NULL);

  g_unlink (hello);
  g_rmdir (env.pipeline_dir);
  g_rmdir (env.root);
  g_clear_object (&env.engine);
  g_free (env.root);
  g_free (env.pipeline_dir);
  g_free (env.instance);
}

int
main (int argc, char **argv)
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  warnings = g_ptr_array_new_with_free_func (g_free);
  g_log_set_writer_func (log_writer, NULL, NULL);
  set_up_env ();
  g_test_add_func ("/docker/engine-reachable", test_engine_reachable);
  g_test_add_func ("/docker/configuration", test_configuration);
  g_test_add_func ("/docker/engine-socket-refused", test_engine_socket_refused);
  g_test_add_func ("/docker/run/output-and-exit-code", test_output_and_exit_code);
  g_test_add_func ("/docker/run/large-output", test_large_output);
  g_test_add_func ("/docker/run/streams-closed-early", test_streams_closed_early);
  g_test_add_func ("/docker/run/cancel", test_cancel);
  g_test_add_func ("/docker/run/timeout-kills", test_timeout_kills);
  g_test_add_func ("/docker/run/oom", test_oom);
  g_test_add_func ("/docker/run/hardening", test_hardening);
  g_test_add_func ("/docker/run/hardened-settings", test_hardened_settings);
  g_test_add_func ("/docker/run/folders", test_folders);
  g_test_add_func ("/docker/run/python-version", test_python_version);
  g_test_add_func ("/docker/python-version-missing", test_python_version_missing);
  g_test_add_func ("/docker/proxy-reach-warning", test_proxy_reach_warning);
  g_test_add_func ("/docker/run/proxy-cuts-streams", test_proxy_cuts_streams);
  g_test_add_func ("/docker/run/concurrent", test_concurrent);
  g_test_add_func ("/docker/run/sample-usage", test_sample_usage);
  g_test_add_func ("/docker/run/proxy-restarts", test_proxy_restarts_during_run);
  g_test_add_func ("/docker/refusals", test_refusals);
  g_test_add_func ("/docker/run/route-file-with-allowed-roots", test_route_file_with_allowed_roots);
  g_test_add_func ("/docker/proxy/down-and-back", test_proxy_down_and_back);
  g_test_add_func ("/docker/proxy/forbidden-post", test_forbidden_post);
  g_test_add_func ("/docker/proxy/forbidden-containers", test_forbidden_containers);
  g_test_add_func ("/docker/proxy/forbidden-both", test_forbidden_both);
  g_test_add_func ("/docker/image-missing", test_image_missing);
  g_test_add_func ("/docker/proxy/unix-socket", test_unix_socket_proxy);
  g_test_add_func ("/docker/launch-cancelled", test_launch_cancelled);
  g_test_add_func ("/docker/run/stats-refused", test_stats_refused);
  g_test_add_func ("/docker/remove-leftovers", test_remove_leftovers);
  g_test_add_func ("/docker/zz/no-leftovers", test_no_leftovers);
  ret = g_test_run ();
  tear_down_env ();
  g_ptr_array_unref (warnings);
  return ret;
}
