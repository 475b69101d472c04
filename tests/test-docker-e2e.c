/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "ff-test-docker-e2e.h"
#include "ff-test-docker-proxy.h"

/*
 * fastflowctl run of container pipelines, as a user does it: fastflowd on a
 * private bus with the docker-proxy executor, a real HAProxy socket proxy
 * and the real engine (DESIGN §11). Nothing is skipped: without an engine
 * these tests fail; scripts/docker-test-env.sh prepares the machine.
 */

static const gchar *const full_flags[] = { "CONTAINERS=1", "POST=1", NULL };

static gchar *
name (const gchar *base)
{
  return ff_test_docker_e2e_name (base);
}

static const gchar mixed_script[] = "echo out-1\n"
                                    "echo err-1 >&2\n"
                                    "printf 'no newline at the end'\n"
                                    "exit 3\n";

/* Cuts the first @piece out of @text, in place. */
static const gchar *
without (gchar *text, const gchar *piece)
{
  gchar *at = strstr (text, piece);

  g_assert_nonnull (at);
  memmove (at, at + strlen (piece), strlen (at + strlen (piece)) + 1);
  return text;
}

/* A daemon whose docker-proxy executor uses @proxy_url, with @extra
 * lines in [executor.docker-proxy]. */
static FfTestDaemon *
new_daemon_with (const gchar *proxy_url, const gchar *extra)
{
  return ff_test_docker_e2e_daemon_new ("docker-proxy", proxy_url, "[metrics]\ninterval_ms=200\n",
                                        extra);
}

static FfTestDaemon *
new_daemon (const gchar *proxy_url)
{
  return new_daemon_with (proxy_url, NULL);
}

static void
add_docker_pipeline (FfTestDaemon *d,
                     const gchar *pipeline,
                     const gchar *extra,
                     const gchar *script)
{
  ff_test_docker_e2e_add_pipeline (d, "docker-proxy", pipeline, extra, script);
}

static JsonObject *
get_status (FfTestDaemon *d, const gchar *id, JsonNode **node)
{
  return ff_test_docker_e2e_get_status (d, id, node);
}

/* The engine's own view: containers of a pipeline of this test. */
static guint
count_containers (const gchar *pipeline)
{
  const gchar *const command[] = { "ps", "-aq", NULL };

  return ff_test_docker_e2e_count (command, pipeline);
}

static gboolean
no_containers (gpointer pipeline)
{
  return count_containers (pipeline) == 0;
}

/* Asks the engine every 100 ms until the pipeline's containers are gone. */
static void
wait_no_containers (const gchar *pipeline)
{
  ff_test_poll_until (no_containers, (gpointer) pipeline);
}

typedef gboolean (*StatusCheck) (JsonObject *status);

typedef struct
{
  FfTestDaemon *d;
  const gchar *id;
  StatusCheck check;
} StatusWait;

static gboolean
status_says (gpointer data)
{
  StatusWait *wait = data;
  g_autoptr (JsonNode) node = NULL;

  return wait->check (get_status (wait->d, wait->id, &node));
}

/* Asks for the run's status until @check says yes. */
static void
wait_status (FfTestDaemon *d, const gchar *id, StatusCheck check)
{
  StatusWait wait = { d, id, check };

  ff_test_poll_until (status_says, &wait);
}

/* What the run left in its pipeline folder. */
static const gchar *
read_pipeline_file (FfTestDaemon *d, const gchar *pipeline, const gchar *file)
{
  g_autofree gchar *path = g_build_filename (d->pipelines_dir, pipeline, file, NULL);
  g_autoptr (GError) error = NULL;
  gchar *contents = NULL;

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  /* kept until the test program ends, for asserting on */
  g_test_queue_free (contents);
  return contents;
}

/* Opens the gate a pipeline's script waits for: a file in its folder,
 * which the container sees in /app. */
static void
release (FfTestDaemon *d, const gchar *pipeline)
{
  g_autofree gchar *path = g_build_filename (d->pipelines_dir, pipeline, "release", NULL);
  g_autoptr (GError) error = NULL;

  g_file_set_contents (path, "", 0, &error);
  g_assert_no_error (error);
}

/* Starts `fastflowctl run` of @pipeline and reads its output until @text. */
static GSubprocess *
follow_until (FfTestDaemon *d, const gchar *pipeline, GString *output, const gchar *text)
{
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (
      G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  GSubprocess *run = ff_test_daemon_spawn_ctl (d, launcher, "run", pipeline, NULL);

  ff_test_wait_for_text (g_subprocess_get_stdout_pipe (run), output, text);
  return run;
}

/* Reads the run's output to its end; its exit status. */
static gint
follow_to_end (GSubprocess *run, GString *output)
{
  ff_test_wait_for_text (g_subprocess_get_stdout_pipe (run), output, NULL);
  ff_test_wait_for_exit (run);
  return g_subprocess_get_exit_status (run);
}

/* `logs` of a finished mixed_script run: each stream on its own
 * descriptor; `logs --merged` the single stream the log holds. */
static void
assert_streams_kept (FfTestDaemon *d, const gchar *id)
{
  g_autofree gchar *out = NULL, *err = NULL;

  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "logs", id, NULL), ==, 0);
  g_assert_cmpstr (out, ==, "out-1\nno newline at the end");
  g_assert_cmpstr (err, ==, "err-1\n");
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "logs", "--merged", id, NULL), ==, 0);
  g_assert_cmpstr (err, ==, "");
  /* stdout and stderr of a local run are two pipes, so where err-1 lands
   * among the rest is up to the scheduler; the rest is byte for byte */
  g_assert_cmpstr (without (out, "err-1\n"), ==, "out-1\nno newline at the end");
}

/* Output and exit code of a container run equal the local executor's. */
static void
test_same_as_local (void)
{
  g_autoptr (FfTestProxy) proxy = ff_test_proxy_start (0, full_flags, NULL);
  g_autoptr (FfTestDaemon) d = new_daemon (ff_test_proxy_get_url (proxy));
  g_autofree gchar *docker = name ("mixed");
  g_autofree gchar *local = name ("mixed-local");
  g_autofree gchar *docker_out = NULL, *docker_err = NULL;
  g_autofree gchar *local_out = NULL, *local_err = NULL;
  g_autoptr (JsonNode) node = NULL;
  JsonObject *status;

  add_docker_pipeline (d, docker, NULL, mixed_script);
  ff_test_daemon_add_pipeline (d, local, "main.sh", mixed_script, NULL);
  ff_test_daemon_start (d, NULL);

  g_assert_cmpint (ff_test_daemon_ctl (d, &docker_out, &docker_err, "run", docker, NULL), ==, 3);
  g_assert_cmpint (ff_test_daemon_ctl (d, &local_out, &local_err, "run", local, NULL), ==, 3);
  g_test_message ("docker: %s / %s", docker_out, docker_err);
  /* the pipeline's stderr stays on stderr, its stdout byte for byte */
  g_assert_cmpstr (docker_out, ==, "out-1\nno newline at the end");
  g_assert_cmpstr (local_out, ==, "out-1\nno newline at the end");
  g_assert_nonnull (strstr (docker_err, "\nerr-1\n"));
  g_assert_nonnull (strstr (local_err, "\nerr-1\n"));
  g_assert_nonnull (strstr (docker_err, "Pipeline Error"));
  assert_streams_kept (d, "1");
  assert_streams_kept (d, "2");

  status = get_status (d, "1", &node);
  g_assert_cmpstr (json_object_get_string_member (status, "executor"), ==, "docker-proxy");
  g_assert_cmpstr (json_object_get_string_member (status, "state"), ==, "failed");
  g_assert_cmpstr (json_object_get_string_member (status, "reason"), ==, "exit-code");
  g_assert_cmpint (json_object_get_int_member (status, "exit_code"), ==, 3);
  g_assert_cmpuint (count_containers (docker), ==, 0);
}

static void
test_succeeds (void)
{
  g_autoptr (FfTestProxy) proxy = ff_test_proxy_start (0, full_flags, NULL);
  g_autoptr (FfTestDaemon) d = new_daemon (ff_test_proxy_get_url (proxy));
  g_autofree gchar *pipeline = name ("fine");
  g_autofree gchar *out = NULL, *err = NULL;
  g_autoptr (JsonNode) node = NULL;
  JsonObject *status;

  /* the pipeline folder is mounted at /app, the working folder, writable
   * as in Fast-Flow; the route file is writable */
  add_docker_pipeline (d, pipeline, NULL,
                       "pwd; cat data.txt; echo written > /app/output.txt || echo ro\n"
                       "echo blue > \"$FASTFLOW_ROUTE_FILE\"\n");
  ff_test_daemon_add_pipeline (d, pipeline, "data.txt", "from the folder\n", NULL);
  ff_test_daemon_start (d, NULL);
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "run", pipeline, NULL), ==, 0);
  g_assert_cmpstr (out, ==, "/app\nfrom the folder\n");
  g_assert_cmpstr (read_pipeline_file (d, pipeline, "output.txt"), ==, "written\n");
  status = get_status (d, "1", &node);
  g_assert_cmpstr (json_object_get_string_member (status, "state"), ==, "succeeded");
  g_assert_cmpstr (json_object_get_string_member (status, "executor"), ==, "docker-proxy");
  g_assert_cmpstr (json_object_get_string_member (status, "route"), ==, "blue");
}

/* A pipeline written for a bigger machine: more cores than the engine has
 * would be refused (Infrastructure Error, 125); the run gets the engine's
 * cores instead, and its log says so. */
static void
test_cpu_limit_clamped (void)
{
  g_autoptr (FfTestProxy) proxy = ff_test_proxy_start (0, full_flags, NULL);
  g_autoptr (FfTestDaemon) d = new_daemon (ff_test_proxy_get_url (proxy));
  g_autofree gchar *pipeline = name ("big-cpu");

  ff_test_docker_e2e_assert_cpu_clamped (d, "docker-proxy", pipeline);
  wait_no_containers (pipeline);
}

/* Fast-Flow's defaults, each with its hardened setting: /app writable
 * (app_mount = ro), Docker's default network bridge (network = none).
 * A container on "none" has only its loopback. */
static const gchar defaults_script[] = "touch /app/x 2>/dev/null && rm /app/x && echo app-rw || "
                                       "echo app-ro\n"
                                       "ls /sys/class/net | tr '\\n' ' '; echo\n";

static gchar *
run_defaults (const gchar *extra)
{
  g_autoptr (FfTestProxy) proxy = ff_test_proxy_start (0, full_flags, NULL);
  g_autoptr (FfTestDaemon) d = new_daemon_with (ff_test_proxy_get_url (proxy), extra);
  g_autofree gchar *pipeline = name ("defaults");
  g_autofree gchar *err = NULL;
  gchar *out = NULL;

  add_docker_pipeline (d, pipeline, NULL, defaults_script);
  ff_test_daemon_start (d, NULL);
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "run", pipeline, NULL), ==, 0);
  g_test_message ("%s: %s", extra != NULL ? extra : "defaults", out);
  return out;
}

static void
test_fastflow_defaults (void)
{
  g_autofree gchar *defaults = run_defaults (NULL);
  g_autofree gchar *hardened = run_defaults ("app_mount = ro\nnetwork = none\n");

  g_assert_true (g_str_has_prefix (defaults, "app-rw\n"));
  g_assert_nonnull (strstr (defaults, "eth0"));
  g_assert_cmpstr (hardened, ==, "app-ro\nlo \n");
}

/* allowed_roots set to a folder of its own: the pipeline in the pipelines
 * folder still runs, and the route file (under the state folder, in no
 * allowed root) is still mounted and read. */
static void
test_allowed_roots_set (void)
{
  g_autoptr (FfTestProxy) proxy = ff_test_proxy_start (0, full_flags, NULL);
  g_autofree gchar *root = g_dir_make_tmp ("ff-root-XXXXXX", NULL);
  g_autofree gchar *extra = g_strdup_printf ("allowed_roots=%s\n", root);
  g_autoptr (FfTestDaemon) d = new_daemon_with (ff_test_proxy_get_url (proxy), extra);
  g_autofree gchar *pipeline = name ("rooted");
  g_autofree gchar *out = NULL, *err = NULL;
  g_autoptr (JsonNode) node = NULL;
  JsonObject *status;

  add_docker_pipeline (d, pipeline, NULL, "echo ran\necho green > \"$FASTFLOW_ROUTE_FILE\"\n");
  ff_test_daemon_start (d, NULL);
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "run", pipeline, NULL), ==, 0);
  g_test_message ("%s", err);
  g_assert_cmpstr (out, ==, "ran\n");
  status = get_status (d, "1", &node);
  g_assert_cmpstr (json_object_get_string_member (status, "state"), ==, "succeeded");
  g_assert_cmpstr (json_object_get_string_member (status, "route"), ==, "green");
  g_rmdir (root);
}

/* The pipeline folder checked at scan time is swapped for a symlink out
 * of the pipelines folder before the run: the launch resolves it again,
 * refuses it (refused, exit 126), and no container is created. */
static void
test_symlink_swap_refused (void)
{
  g_autoptr (FfTestProxy) proxy = ff_test_proxy_start (0, full_flags, NULL);
  g_autoptr (FfTestDaemon) d = new_daemon (ff_test_proxy_get_url (proxy));
  g_autofree gchar *pipeline = name ("swapped");
  g_autofree gchar *folder = NULL, *outside = NULL, *target = NULL, *main_sh = NULL;
  g_autofree gchar *out = NULL, *err = NULL;
  g_autoptr (JsonNode) node = NULL;
  g_autoptr (GError) error = NULL;
  JsonObject *status;

  add_docker_pipeline (d, pipeline, NULL, "echo inside\n");
  ff_test_daemon_start (d, NULL);
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "run", pipeline, NULL), ==, 0);
  g_assert_cmpstr (out, ==, "inside\n");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* a folder outside, that passes for the pipeline if it is followed */
  outside = g_dir_make_tmp ("ff-outside-XXXXXX", &error);
  g_assert_no_error (error);
  folder = g_build_filename (d->pipelines_dir, pipeline, NULL);
  target = g_build_filename (outside, pipeline, NULL);
  main_sh = g_build_filename (target, "main.sh", NULL);
  g_assert_cmpint (g_rename (folder, target), ==, 0);
  g_assert_true (g_file_set_contents (main_sh, "echo outside\n", -1, &error));
  g_assert_cmpint (symlink (target, folder), ==, 0);

  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "run", pipeline, NULL), ==, 126);
  g_test_message ("%s", err);
  g_assert_null (strstr (out, "outside"));
  g_assert_nonnull (strstr (err, "refused"));
  g_assert_nonnull (strstr (err, target));
  status = get_status (d, "2", &node);
  g_assert_cmpstr (json_object_get_string_member (status, "state"), ==, "failed");
  g_assert_cmpstr (json_object_get_string_member (status, "reason"), ==, "refused");
  /* the first run's container was removed; the second never had one */
  wait_no_containers (pipeline);
  ff_test_daemon_stop (d);
  g_unlink (folder);
  ff_test_remove_tree (outside);
}

/* pipeline.json asking for what fastflow never allows: the pipeline is
 * broken with a message that says so, and nothing starts (125). */
static void
test_never_allowed_fields (void)
{
  g_autoptr (FfTestProxy) proxy = ff_test_proxy_start (0, full_flags, NULL);
  g_autoptr (FfTestDaemon) d = new_daemon (ff_test_proxy_get_url (proxy));
  static const gchar *const fields[] = {
    "\"privileged\": true",
    "\"cap_add\": [\"SYS_ADMIN\"]",
    "\"volumes\": [\"/var/run/docker.sock:/var/run/docker.sock\"]",
    "\"devices\": [\"/dev/kmsg\"]",
    "\"network\": \"host\"",
  };
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      g_autofree gchar *base = g_strdup_printf ("never%u", i);

      g_ptr_array_add (names, name (base));
      add_docker_pipeline (d, g_ptr_array_index (names, i), fields[i], "echo never\n");
    }
  ff_test_daemon_start (d, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      g_autofree gchar *out = NULL, *err = NULL;

      g_assert_cmpint (
          ff_test_daemon_ctl (d, &out, &err, "run", g_ptr_array_index (names, i), NULL), ==, 125);
      g_test_message ("%s: %s", fields[i], err);
      g_assert_null (strstr (out, "never"));
      g_assert_true (strstr (err, "never allows") != NULL || strstr (err, "not allowed") != NULL);
      g_assert_cmpuint (count_containers (g_ptr_array_index (names, i)), ==, 0);
    }
}

/* The docker-proxy line of `fastflowctl executors`. */
static gchar *
dup_executor_line (FfTestDaemon *d)
{
  g_autofree gchar *out = NULL, *err = NULL;
  const gchar *at;

  ff_test_daemon_ctl (d, &out, &err, "executors", NULL);
  g_test_message ("%s", out);
  at = strstr (out, "docker-proxy");
  g_assert_nonnull (at);
  return g_strndup (at, strcspn (at, "\n"));
}

/* The engine's own socket as the proxy URL: fastflowctl executors shows
 * docker-proxy unavailable with the reason, and a run starts nothing. */
static void
test_engine_socket_unavailable (void)
{
  g_autoptr (FfTestDaemon) d = new_daemon ("unix:///var/run/docker.sock");
  g_autofree gchar *pipeline = name ("on-engine");
  g_autofree gchar *run_out = NULL, *run_err = NULL;
  g_autofree gchar *line = NULL;

  add_docker_pipeline (d, pipeline, NULL, "echo never\n");
  ff_test_daemon_start (d, NULL);
  /* the executor's line carries the reason instead of "available" */
  line = dup_executor_line (d);
  g_assert_nonnull (strstr (line, "engine's own socket"));
  g_assert_null (strstr (line, " available"));
  g_assert_cmpint (ff_test_daemon_ctl (d, &run_out, &run_err, "run", pipeline, NULL), ==, 125);
  g_test_message ("%s", run_err);
  g_assert_nonnull (strstr (run_err, "engine's own socket"));
  g_assert_cmpuint (count_containers (pipeline), ==, 0);
}

static void
test_post_refused (void)
{
  g_autoptr (FfTestProxy) proxy =
      ff_test_proxy_start (0, (const gchar *const[]){ "CONTAINERS=1", "POST=0", NULL }, NULL);
  g_autoptr (FfTestDaemon) d = new_daemon (ff_test_proxy_get_url (proxy));
  g_autofree gchar *pipeline = name ("refused");
  g_autofree gchar *out = NULL, *err = NULL;

  add_docker_pipeline (d, pipeline, NULL, "echo never\n");
  ff_test_daemon_start (d, NULL);
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "run", pipeline, NULL), ==, 125);
  g_test_message ("%s", err);
  g_assert_nonnull (strstr (err, "Infrastructure Error"));
  g_assert_nonnull (strstr (err, "POST=1"));
  g_assert_null (strstr (out, "never"));
}

/* `executors` for a proxy with @flags: the docker-proxy line, which must
 * not say "available" and must name @missing without --verbose. */
static void
assert_unavailable_with (const gchar *const *flags, const gchar *missing)
{
  g_autoptr (FfTestProxy) proxy = ff_test_proxy_start (0, flags, NULL);
  g_autoptr (FfTestDaemon) d = new_daemon (ff_test_proxy_get_url (proxy));
  g_autofree gchar *line = NULL;

  ff_test_daemon_start (d, NULL);
  line = dup_executor_line (d);
  g_assert_null (strstr (line, "vailable"));
  g_assert_nonnull (strstr (line, missing));
}

/* A proxy that refuses POST or CONTAINERS answers its ping, but the
 * executor cannot run anything: not available, and it says which flag. */
static void
test_executors_flag_missing (void)
{
  assert_unavailable_with ((const gchar *const[]){ "CONTAINERS=1", "POST=0", NULL }, "POST=1");
  assert_unavailable_with ((const gchar *const[]){ "CONTAINERS=0", "POST=1", NULL },
                           "CONTAINERS=1");
}

/* A refusal that waiting cannot fix is final even with retries left: the
 * run ends at once with the hint, not after an attempt 2 some 60 s later. */
static void
test_post_refused_not_retried (void)
{
  g_autoptr (FfTestProxy) proxy =
      ff_test_proxy_start (0, (const gchar *const[]){ "CONTAINERS=1", "POST=0", NULL }, NULL);
  g_autoptr (FfTestDaemon) d = new_daemon (ff_test_proxy_get_url (proxy));
  g_autofree gchar *pipeline = name ("refused-retry");
  g_autofree gchar *out = NULL, *err = NULL;
  g_autoptr (JsonNode) node = NULL;
  JsonObject *status;

  /* a short delay, so that without the fix the test fails in seconds */
  add_docker_pipeline (d, pipeline,
                       "\"retry_attempts\": 2, \"retry_strategy\": {\"type\": \"fixed_delay\", "
                       "\"delay\": 1}",
                       "echo never\n");
  ff_test_daemon_start (d, NULL);
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "run", pipeline, NULL), ==, 125);
  g_test_message ("%s", err);
  g_assert_nonnull (strstr (err, "POST=1"));
  g_assert_null (strstr (err, "starts in"));
  status = get_status (d, "1", &node);
  g_assert_cmpstr (json_object_get_string_member (status, "reason"), ==, "proxy-forbidden");
  g_assert_cmpint (json_object_get_int_member (status, "attempt"), ==, 1);
  g_assert_nonnull (strstr (json_object_get_string_member (status, "message"), "POST=1"));
}

/* The same refusal in German: the CLI's badge and the daemon's message. */
static void
test_post_refused_german (void)
{
  g_autoptr (FfTestProxy) proxy =
      ff_test_proxy_start (0, (const gchar *const[]){ "CONTAINERS=1", "POST=0", NULL }, NULL);
  g_autoptr (FfTestDaemon) d = new_daemon (ff_test_proxy_get_url (proxy));
  g_autofree gchar *pipeline = name ("verweigert");
  g_autofree gchar *out = NULL, *err = NULL;

  add_docker_pipeline (d, pipeline, NULL, "echo never\n");
  g_setenv ("LANGUAGE", "de", TRUE);
  ff_test_daemon_start (d, NULL);
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "run", pipeline, NULL), ==, 125);
  g_setenv ("LANGUAGE", "en", TRUE);
  g_test_message ("%s", err);
  g_assert_nonnull (strstr (err, "Infrastrukturfehler"));
  g_assert_nonnull (strstr (err, "Der Docker-Proxy"));
  g_assert_nonnull (strstr (err, "POST=1"));
}

/* Nothing listens at the proxy's address: the executor is unavailable with
 * a message naming the URL, in the daemon's language; local runs go on. */
static void
test_proxy_unreachable (void)
{
  guint16 port = ff_test_proxy_free_port ();
  g_autofree gchar *url = g_strdup_printf ("http://127.0.0.1:%u", port);
  g_autoptr (FfTestDaemon) d = new_daemon (url);
  g_autofree gchar *pipeline = name ("unreachable");
  g_autofree gchar *local = name ("still-local");
  g_autofree gchar *out = NULL, *err = NULL;
  g_autofree gchar *run_out = NULL, *run_err = NULL;
  g_autofree gchar *local_out = NULL, *local_err = NULL;

  add_docker_pipeline (d, pipeline, NULL, "echo never\n");
  ff_test_daemon_add_pipeline (d, local, "main.sh", "echo local works\n", NULL);
  /* the daemon speaks German; the CLI's own words stay English */
  g_setenv ("LANGUAGE", "de", TRUE);
  ff_test_daemon_start (d, NULL);
  g_setenv ("LANGUAGE", "en", TRUE);

  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "executors", NULL), ==, 0);
  g_test_message ("%s", out);
  g_assert_nonnull (strstr (out, "docker-proxy"));
  g_assert_nonnull (strstr (out, "Docker-Proxy ist nicht erreichbar"));
  g_assert_nonnull (strstr (out, url));
  g_assert_cmpint (ff_test_daemon_ctl (d, &run_out, &run_err, "run", pipeline, NULL), ==, 125);
  g_assert_nonnull (strstr (run_err, url));
  g_assert_cmpint (ff_test_daemon_ctl (d, &local_out, &local_err, "run", local, NULL), ==, 0);
  g_assert_cmpstr (local_out, ==, "local works\n");
}

/* A proxy that takes the connection and never answers (a firewall that
 * drops, a wedged HAProxy): `executors` answers anyway, in time. */
static void
test_proxy_silent (void)
{
  g_autoptr (GSocketListener) listener = g_socket_listener_new ();
  g_autoptr (GError) error = NULL;
  guint16 port = g_socket_listener_add_any_inet_port (listener, NULL, &error);
  g_autofree gchar *url = g_strdup_printf ("http://127.0.0.1:%u", port);
  g_autoptr (FfTestDaemon) d = new_daemon (url);
  g_autofree gchar *out = NULL, *err = NULL;

  g_assert_no_error (error);
  ff_test_daemon_start (d, NULL);
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "executors", NULL), ==, 0);
  g_test_message ("%s", out);
  g_assert_nonnull (strstr (out, "docker-proxy"));
  g_assert_nonnull (strstr (out, "No answer within 10 seconds"));
  g_assert_nonnull (strstr (out, "local            available"));
  g_socket_listener_close (listener);
}

static void
test_image_missing (void)
{
  g_autoptr (FfTestProxy) proxy = ff_test_proxy_start (0, full_flags, NULL);
  g_autoptr (FfTestDaemon) d = new_daemon (ff_test_proxy_get_url (proxy));
  g_autofree gchar *pipeline = name ("no-image");
  g_autofree gchar *out = NULL, *err = NULL;
  g_autoptr (JsonNode) node = NULL;
  JsonObject *status;

  add_docker_pipeline (d, pipeline, "\"image\": \"fastflow-test/nope:1\"", "echo never\n");
  ff_test_daemon_start (d, NULL);
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "run", pipeline, NULL), ==, 125);
  g_assert_nonnull (strstr (err, "fastflow-test/nope:1"));
  status = get_status (d, "1", &node);
  g_assert_cmpstr (json_object_get_string_member (status, "reason"), ==, "image-not-found");
  g_assert_cmpstr (json_object_get_string_member (status, "error_class"), ==, "infrastructure");
}

static void
test_timeout_and_cancel (void)
{
  g_autoptr (FfTestProxy) proxy = ff_test_proxy_start (0, full_flags, NULL);
  g_autoptr (FfTestDaemon) d = new_daemon (ff_test_proxy_get_url (proxy));
  g_autofree gchar *slow = name ("slow");
  g_autofree gchar *endless = name ("endless");
  g_autofree gchar *out = NULL, *err = NULL;
  g_autofree gchar *cancel_out = NULL, *cancel_err = NULL;
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (
      G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr (GSubprocess) run = NULL;
  g_autoptr (GString) output = g_string_new (NULL);

  add_docker_pipeline (d, slow, "\"timeout\": 2", "echo started; sleep 30\n");
  add_docker_pipeline (d, endless, NULL, "echo ready; while :; do sleep 1; done\n");
  ff_test_daemon_start (d, NULL);
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "run", slow, NULL), ==, 124);
  g_assert_cmpstr (out, ==, "started\n");

  run = ff_test_daemon_spawn_ctl (d, launcher, "run", endless, NULL);
  ff_test_wait_for_text (g_subprocess_get_stdout_pipe (run), output, "ready\n");
  g_assert_cmpint (ff_test_daemon_ctl (d, &cancel_out, &cancel_err, "cancel", "2", NULL), ==, 0);
  ff_test_wait_for_exit (run);
  g_assert_cmpint (g_subprocess_get_exit_status (run), ==, 130);
  g_assert_cmpuint (count_containers (slow), ==, 0);
  g_assert_cmpuint (count_containers (endless), ==, 0);
}

/* fastflowd killed while a container runs, and the position of its log
 * lost too: after a restart the run cannot be continued exactly, so it is
 * failed / orchestrator-restarted and its container is gone. (With the
 * position kept, it is followed again: see test-recovery.) */
static void
test_killed_daemon_leaves_nothing (void)
{
  g_autoptr (FfTestProxy) proxy = ff_test_proxy_start (0, full_flags, NULL);
  g_autoptr (FfTestDaemon) d = new_daemon (ff_test_proxy_get_url (proxy));
  g_autofree gchar *pipeline = name ("orphan");
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (
      G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr (GSubprocess) run = NULL;
  g_autoptr (GString) output = g_string_new (NULL);
  g_autoptr (JsonNode) node = NULL;
  g_autofree gchar *position = NULL;
  JsonObject *status;

  add_docker_pipeline (d, pipeline, NULL, "echo ready; while :; do sleep 1; done\n");
  ff_test_daemon_start (d, NULL);
  run = ff_test_daemon_spawn_ctl (d, launcher, "run", pipeline, NULL);
  ff_test_wait_for_text (g_subprocess_get_stdout_pipe (run), output, "ready\n");
  g_assert_cmpuint (count_containers (pipeline), ==, 1);
  ff_test_daemon_kill (d);
  ff_test_wait_for_exit (run);
  position = g_build_filename (d->state_dir, "logs", "1.pos", NULL);
  g_assert_cmpint (g_unlink (position), ==, 0);

  ff_test_daemon_start (d, NULL);
  status = get_status (d, "1", &node);
  g_assert_cmpstr (json_object_get_string_member (status, "reason"), ==, "orchestrator-restarted");
  /* the sweep at start-up is asynchronous */
  wait_no_containers (pipeline);
}

/* `executors --verbose` through real proxies: what fastflow needs and no
 * more is clean; more gets warnings naming the flags; less an error. */
static gchar *
diagnose_with (const gchar *const *flags, gint *status)
{
  g_autoptr (FfTestProxy) proxy = ff_test_proxy_start (0, flags, NULL);
  g_autoptr (FfTestDaemon) d = new_daemon (ff_test_proxy_get_url (proxy));
  g_autofree gchar *err = NULL;
  gchar *out = NULL;

  ff_test_daemon_start (d, NULL);
  *status = ff_test_daemon_ctl (d, &out, &err, "executors", "--verbose", NULL);
  g_test_message ("%s", out);
  return out;
}

static void
test_least_privilege (void)
{
  g_autofree gchar *exact = NULL, *more = NULL, *less = NULL;
  gint status = -1;

  exact = diagnose_with (full_flags, &status);
  g_assert_cmpint (status, ==, 0);
  g_assert_nonnull (strstr (exact, "✓ CONTAINERS=1"));
  g_assert_nonnull (strstr (exact, "✓ POST=1"));
  g_assert_null (strstr (exact, "!"));
  g_assert_null (strstr (exact, "✗"));

  more = diagnose_with (
      (const gchar *const[]){ "CONTAINERS=1", "POST=1", "NETWORKS=1", "EXEC=1", NULL }, &status);
  g_assert_cmpint (status, ==, 0);
  g_assert_nonnull (strstr (more, "! NETWORKS=1"));
  g_assert_nonnull (strstr (more, "set NETWORKS=0"));
  g_assert_nonnull (strstr (more, "! EXEC=1"));
  g_assert_null (strstr (more, "✗"));

  less = diagnose_with ((const gchar *const[]){ "POST=1", NULL }, &status);
  g_assert_cmpint (status, ==, 0);
  g_assert_nonnull (strstr (less, "✗ CONTAINERS"));
  g_assert_nonnull (strstr (less, "needs CONTAINERS=1"));
}

/* A proxy that runs on the network "bridge" could reach (not on loopback,
 * not a Unix socket) is a warning of `executors --verbose`; the .invalid
 * name fails at once. */
static void
test_proxy_reach_warning (void)
{
  g_autoptr (FfTestDaemon) d = new_daemon ("http://ff-proxy.invalid:2375");
  g_autofree gchar *out = NULL, *err = NULL;

  ff_test_daemon_start (d, NULL);
  ff_test_daemon_ctl (d, &out, &err, "executors", "--verbose", NULL);
  g_test_message ("%s", out);
  g_assert_nonnull (strstr (out, "! Runs join the network “bridge”"));
  g_assert_nonnull (strstr (out, "could reach the Docker proxy at http://ff-proxy.invalid:2375"));
}

/* Resource use of a container run: its peak memory, one soft-limit
 * warning; and with /stats refused, a run that still succeeds and says
 * why it could not be measured. */
/* A file in the tmpfs /tmp is memory of the container; a shell variable
 * would overshoot while the command substitution grows its buffer. It is
 * held until the test has seen it measured. */
static const gchar hold_64mb[] = "head -c 67108864 /dev/zero > /tmp/hold\n"
                                 "echo holding\n"
                                 "while [ ! -e /app/release ]; do sleep 0.1; done\n"
                                 "wc -c < /tmp/hold\n";

static gboolean
held_and_warned (JsonObject *status)
{
  return json_object_get_int_member (status, "memory_peak_bytes") > 64 * 0.8 * 1024 * 1024 &&
         json_object_get_boolean_member (status, "soft_limit_exceeded");
}

static void
test_metrics (void)
{
  g_autoptr (FfTestProxy) proxy = ff_test_proxy_start (0, full_flags, NULL);
  g_autoptr (FfTestDaemon) d = new_daemon (ff_test_proxy_get_url (proxy));
  g_autofree gchar *pipeline = name ("hold");
  g_autofree gchar *err = NULL, *log = NULL;
  g_autoptr (GString) output = g_string_new (NULL);
  g_autoptr (GSubprocess) run = NULL;
  g_autoptr (JsonNode) node = NULL;
  JsonObject *status;
  gdouble peak;

  add_docker_pipeline (d, pipeline, "\"mem_soft_limit\": \"32m\"", hold_64mb);
  ff_test_daemon_start (d, NULL);
  run = follow_until (d, pipeline, output, "holding\n");
  wait_status (d, "1", held_and_warned);
  release (d, pipeline);
  g_assert_cmpint (follow_to_end (run, output), ==, 0);
  g_assert_true (g_str_has_suffix (output->str, "67108864\n"));
  status = get_status (d, "1", &node);
  peak = json_object_get_int_member (status, "memory_peak_bytes") / (1024.0 * 1024.0);
  g_test_message ("peak %.1f MiB", peak);
  g_assert_cmpfloat (peak, >, 64 * 0.8);
  g_assert_cmpfloat (peak, <, 64 * 1.2);
  g_assert_true (json_object_get_boolean_member (status, "soft_limit_exceeded"));
  g_assert_cmpint (ff_test_daemon_ctl (d, &log, &err, "logs", "1", NULL), ==, 0);
  g_assert_nonnull (strstr (log, "[fastflow] Soft memory limit exceeded"));
  g_assert_null (strstr (strstr (log, "[fastflow] Soft memory") + 1, "[fastflow] Soft memory"));
}

static gboolean
has_metrics_message (JsonObject *status)
{
  return *json_object_get_string_member (status, "metrics_message") != '\0';
}

static void
test_stats_refused (void)
{
  g_autoptr (FfTestProxy) proxy = ff_test_proxy_start (
      0, (const gchar *const[]){ "CONTAINERS=1", "POST=1", "FF_DENY_STATS=1", NULL }, NULL);
  g_autoptr (FfTestDaemon) d = new_daemon (ff_test_proxy_get_url (proxy));
  g_autofree gchar *pipeline = name ("unmeasured");
  g_autofree gchar *status_out = NULL, *status_err = NULL;
  g_autoptr (GString) output = g_string_new (NULL);
  g_autoptr (GSubprocess) run = NULL;
  g_autoptr (JsonNode) node = NULL;
  JsonObject *status;

  add_docker_pipeline (d, pipeline, NULL,
                       "echo start; while [ ! -e /app/release ]; do sleep 0.1; done; echo end\n");
  ff_test_daemon_start (d, NULL);
  run = follow_until (d, pipeline, output, "start\n");
  /* the collector has tried to sample and says why it could not */
  wait_status (d, "1", has_metrics_message);
  release (d, pipeline);
  g_assert_cmpint (follow_to_end (run, output), ==, 0);
  g_assert_true (g_str_has_prefix (output->str, "start\n"));
  g_assert_true (g_str_has_suffix (output->str, "end\n"));
  status = get_status (d, "1", &node);
  g_assert_cmpstr (json_object_get_string_member (status, "state"), ==, "succeeded");
  g_test_message ("%s", json_object_get_string_member (status, "metrics_message"));
  g_assert_nonnull (strstr (json_object_get_string_member (status, "metrics_message"), "/stats"));
  g_assert_nonnull (
      strstr (json_object_get_string_member (status, "metrics_message"), "CONTAINERS=1"));
  g_assert_cmpint (ff_test_daemon_ctl (d, &status_out, &status_err, "status", "1", NULL), ==, 0);
  g_assert_nonnull (strstr (status_out, "/stats"));
}

/* ---- dependency environments and python_version (issue 17) ---- */

/* scripts/docker-test-env.sh builds fastflow-test/python:3.11 */
#define PYTHON_IMAGE_SETTING "python_image=fastflow-test/python:{version}\n"

/* What the run sees: the package, its Python, and that it cannot change
 * its environment. */
static const gchar deps_main[] = "import os, sys, ffdemo\n"
                                 "print('VALUE=' + ffdemo.VALUE)\n"
                                 "print('prefix=' + sys.prefix)\n"
                                 "try:\n"
                                 "    open(os.path.join(sys.prefix, 'x'), 'w')\n"
                                 "    print('env-writable')\n"
                                 "except OSError:\n"
                                 "    print('env-read-only')\n";

#define DEPS_OUT(value) "VALUE=" value "\nprefix=/opt/fastflow/env\nenv-read-only\n"

typedef struct
{
  FfTestProxy *proxy;
  FfTestDaemon *d;
  gchar *wheels; /* ffdemo 1 and 2, made by tests/make-wheel.py */
} Deps;

static void
make_wheel (const gchar *dir, const gchar *version)
{
  g_autofree gchar *script = g_test_build_filename (G_TEST_DIST, "make-wheel.py", NULL);
  const gchar *const argv[] = { "python3", script, dir, "ffdemo", version, NULL };
  g_autoptr (GError) error = NULL;
  gint status = 0;

  g_spawn_sync (NULL, (gchar **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL, NULL,
                NULL, NULL, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
}

/* A daemon whose builds install only from the test's wheels, mounted
 * read-only into the build container, with @dependencies (more of
 * [dependencies]) and python_image for the test's Python image. */
static Deps *
deps_new (const gchar *dependencies)
{
  Deps *deps = g_new0 (Deps, 1);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *sections = NULL;

  deps->wheels = g_dir_make_tmp ("ff-wheels-XXXXXX", &error);
  g_assert_no_error (error);
  make_wheel (deps->wheels, "1");
  make_wheel (deps->wheels, "2");
  sections = g_strdup_printf ("[dependencies]\nfind_links=%s\n%s", deps->wheels,
                              dependencies != NULL ? dependencies : "offline=true\n");
  deps->proxy = ff_test_proxy_start (0, full_flags, NULL);
  deps->d = ff_test_docker_e2e_daemon_new ("docker-proxy", ff_test_proxy_get_url (deps->proxy),
                                           sections, PYTHON_IMAGE_SETTING);
  return deps;
}

static void
deps_free (Deps *deps)
{
  g_autoptr (GDir) dir = g_dir_open (deps->wheels, 0, NULL);
  const gchar *name;

  ff_test_daemon_free (deps->d);
  ff_test_proxy_stop (deps->proxy);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree gchar *path = g_build_filename (deps->wheels, name, NULL);
      g_unlink (path);
    }
  g_rmdir (deps->wheels);
  g_free (deps->wheels);
  g_free (deps);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Deps, deps_free)

/* A Python pipeline of Python 3.11 with @requirements. */
static void
add_deps_pipeline (Deps *deps, const gchar *pipeline, const gchar *requirements)
{
  ff_test_daemon_add_pipeline (deps->d, pipeline, "pipeline.json",
                               "{\"executor\": \"docker-proxy\", \"python_version\": \"3.11\"}",
                               "main.py", deps_main, "requirements.txt", requirements, NULL);
}

/* `fastflowctl run`: its exit status, its output in @out. */
static gint
run_pipeline (FfTestDaemon *d, const gchar *pipeline, gchar **out)
{
  g_autofree gchar *err = NULL;
  gint status = ff_test_daemon_ctl (d, out, &err, "run", pipeline, NULL);

  g_test_message ("run %s (%d): %s%s", pipeline, status, *out, err);
  return status;
}

/* The first run builds its environment in a container of its own (its
 * Preparing step in the log) and prints the package's value; the second
 * reuses it (nothing installed); a changed requirements.txt gets a new
 * one. The run's container sees the environment read-only. */
static void
test_dependencies (void)
{
  g_autoptr (Deps) deps = deps_new (NULL);
  g_autofree gchar *pipeline = name ("deps");
  g_autofree gchar *first = NULL, *second = NULL, *changed = NULL;
  g_autofree gchar *path = NULL;

  add_deps_pipeline (deps, pipeline, "ffdemo==1\n");
  ff_test_daemon_start (deps->d, NULL);
  g_assert_cmpint (run_pipeline (deps->d, pipeline, &first), ==, 0);
  g_assert_nonnull (strstr (first, "[fastflow] Preparing environment"));
  g_assert_nonnull (strstr (first, "installed 1 package in"));
  g_assert_true (g_str_has_suffix (first, DEPS_OUT ("1")));

  g_assert_cmpint (run_pipeline (deps->d, pipeline, &second), ==, 0);
  g_assert_cmpstr (second, ==, DEPS_OUT ("1"));

  path = g_build_filename (deps->d->pipelines_dir, pipeline, "requirements.txt", NULL);
  g_assert_true (g_file_set_contents (path, "ffdemo==2\n", -1, NULL));
  g_assert_cmpint (run_pipeline (deps->d, pipeline, &changed), ==, 0);
  g_assert_nonnull (strstr (changed, "installed 1 package in"));
  g_assert_true (g_str_has_suffix (changed, DEPS_OUT ("2")));
  wait_no_containers (pipeline);
}

/* A requirement that does not exist: a Pipeline Error naming it, and the
 * pipeline never runs. */
static void
test_dependencies_bad_requirement (void)
{
  g_autoptr (Deps) deps = deps_new (NULL);
  g_autofree gchar *pipeline = name ("deps-bad");
  g_autofree gchar *out = NULL;
  g_autoptr (JsonNode) node = NULL;
  JsonObject *status;

  add_deps_pipeline (deps, pipeline, "ffnothere==9\n");
  ff_test_daemon_start (deps->d, NULL);
  g_assert_cmpint (run_pipeline (deps->d, pipeline, &out), ==, 65);
  g_assert_nonnull (strstr (out, "ffnothere"));
  g_assert_null (strstr (out, "VALUE="));
  status = get_status (deps->d, "1", &node);
  g_assert_cmpstr (json_object_get_string_member (status, "error_class"), ==, "pipeline");
  g_assert_cmpstr (json_object_get_string_member (status, "reason"), ==, "dependencies-failed");
  g_assert_nonnull (strstr (json_object_get_string_member (status, "message"), "ffnothere"));
  wait_no_containers (pipeline);
}

/* An index the build container cannot reach (its own loopback, on the
 * bridge network): an Infrastructure Error, exit 125. */
static void
test_dependencies_unreachable_index (void)
{
  g_autofree gchar *index =
      g_strdup_printf ("index_url=http://127.0.0.1:%u/simple\n", ff_test_proxy_free_port ());
  g_autoptr (Deps) deps = deps_new (index);
  g_autofree gchar *pipeline = name ("deps-index");
  g_autofree gchar *out = NULL;
  g_autoptr (JsonNode) node = NULL;
  JsonObject *status;

  add_deps_pipeline (deps, pipeline, "ffdemo==1\n");
  ff_test_daemon_start (deps->d, NULL);
  g_assert_cmpint (run_pipeline (deps->d, pipeline, &out), ==, 125);
  status = get_status (deps->d, "1", &node);
  g_assert_cmpstr (json_object_get_string_member (status, "error_class"), ==, "infrastructure");
  g_assert_cmpstr (json_object_get_string_member (status, "reason"), ==, "index-unreachable");
  wait_no_containers (pipeline);
}

/* python_version picks python_image's image of that version; one whose
 * image is not there fails, naming the version and the image. */
static void
test_python_version (void)
{
  g_autoptr (FfTestProxy) proxy = ff_test_proxy_start (0, full_flags, NULL);
  g_autoptr (FfTestDaemon) d =
      new_daemon_with (ff_test_proxy_get_url (proxy), PYTHON_IMAGE_SETTING);
  g_autofree gchar *py311 = name ("py311"), *py399 = name ("py399");
  g_autofree gchar *out = NULL, *missing = NULL;
  const gchar *main_py = "import sys\nprint('%d.%d' % sys.version_info[:2])\n";
  g_autoptr (JsonNode) node = NULL;
  JsonObject *status;

  ff_test_daemon_add_pipeline (d, py311, "pipeline.json",
                               "{\"executor\": \"docker-proxy\", \"python_version\": \"3.11\"}",
                               "main.py", main_py, NULL);
  ff_test_daemon_add_pipeline (d, py399, "pipeline.json",
                               "{\"executor\": \"docker-proxy\", \"python_version\": \"3.99\"}",
                               "main.py", main_py, NULL);
  ff_test_daemon_start (d, NULL);
  g_assert_cmpint (run_pipeline (d, py311, &out), ==, 0);
  g_assert_cmpstr (out, ==, "3.11\n");

  g_assert_cmpint (run_pipeline (d, py399, &missing), ==, 125);
  status = get_status (d, "2", &node);
  g_assert_cmpstr (json_object_get_string_member (status, "reason"), ==, "image-not-found");
  g_assert_nonnull (strstr (json_object_get_string_member (status, "message"), "Python 3.99"));
  g_assert_nonnull (
      strstr (json_object_get_string_member (status, "message"), "fastflow-test/python:3.99"));
}

int
main (int argc, char **argv)
{
  gint ret;

  ff_test_docker_e2e_init (&argc, &argv);
  g_test_add_func ("/docker-e2e/same-as-local", test_same_as_local);
  g_test_add_func ("/docker-e2e/succeeds", test_succeeds);
  g_test_add_func ("/docker-e2e/cpu-limit-clamped", test_cpu_limit_clamped);
  g_test_add_func ("/docker-e2e/fastflow-defaults", test_fastflow_defaults);
  g_test_add_func ("/docker-e2e/dependencies", test_dependencies);
  g_test_add_func ("/docker-e2e/dependencies-bad-requirement", test_dependencies_bad_requirement);
  g_test_add_func ("/docker-e2e/dependencies-unreachable-index",
                   test_dependencies_unreachable_index);
  g_test_add_func ("/docker-e2e/python-version", test_python_version);
  g_test_add_func ("/docker-e2e/allowed-roots-set", test_allowed_roots_set);
  g_test_add_func ("/docker-e2e/symlink-swap-refused", test_symlink_swap_refused);
  g_test_add_func ("/docker-e2e/never-allowed-fields", test_never_allowed_fields);
  g_test_add_func ("/docker-e2e/engine-socket-unavailable", test_engine_socket_unavailable);
  g_test_add_func ("/docker-e2e/post-refused", test_post_refused);
  g_test_add_func ("/docker-e2e/post-refused-not-retried", test_post_refused_not_retried);
  g_test_add_func ("/docker-e2e/executors-flag-missing", test_executors_flag_missing);
  g_test_add_func ("/docker-e2e/post-refused-german", test_post_refused_german);
  g_test_add_func ("/docker-e2e/proxy-unreachable", test_proxy_unreachable);
  g_test_add_func ("/docker-e2e/proxy-silent", test_proxy_silent);
  g_test_add_func ("/docker-e2e/image-missing", test_image_missing);
  g_test_add_func ("/docker-e2e/timeout-and-cancel", test_timeout_and_cancel);
  g_test_add_func ("/docker-e2e/least-privilege", test_least_privilege);
  g_test_add_func ("/docker-e2e/proxy-reach-warning", test_proxy_reach_warning);
  g_test_add_func ("/docker-e2e/metrics", test_metrics);
  g_test_add_func ("/docker-e2e/stats-refused", test_stats_refused);
  g_test_add_func ("/docker-e2e/killed-daemon-leaves-nothing", test_killed_daemon_leaves_nothing);
  ret = g_test_run ();
  ff_test_docker_e2e_clear ();
  return ret;
}
