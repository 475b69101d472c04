/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <string.h>

#include "ff-dbus-generated.h"
#include "ff-run-store.h"
#include "ff-test-daemon.h"

/* What reaches a run and who decides it: the operator (allowed_executors,
 * pass_env), the pipeline's author (default_env) and a caller (StartRun,
 * fastflowctl, a webhook), each within their own. */

#define BUS_NAME "org.fastflow.Orchestrator1"
#define MANAGER_PATH "/org/fastflow/Orchestrator1"
#define ERROR_PREFIX "org.fastflow.Orchestrator1.Error."

static void
assert_contains (const gchar *text, const gchar *needle)
{
  if (text == NULL || strstr (text, needle) == NULL)
    g_error ("“%s” does not contain “%s”", text, needle);
}

static void
assert_lacks (const gchar *text, const gchar *needle)
{
  if (text != NULL && strstr (text, needle) != NULL)
    g_error ("“%s” contains “%s”", text, needle);
}

static void
write_config (FfTestDaemon *d, const gchar *text)
{
  g_autoptr (GError) error = NULL;

  g_file_set_contents (d->config_path, text, -1, &error);
  g_assert_no_error (error);
}

/* StartRun with @options (a GVariant text); returns the D-Bus error, or
 * NULL when a run started. */
static FfDBusManager *
manager_new (FfTestDaemon *d)
{
  g_autoptr (GError) error = NULL;
  FfDBusManager *manager = ff_dbus_manager_proxy_new_sync (d->connection, G_DBUS_PROXY_FLAGS_NONE,
                                                           BUS_NAME, MANAGER_PATH, NULL, &error);

  g_assert_no_error (error);
  return manager;
}

static GError *
start_run (FfTestDaemon *d, const gchar *pipeline, const gchar *options)
{
  g_autoptr (FfDBusManager) manager = manager_new (d);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *path = NULL;

  if (ff_dbus_manager_call_start_run_sync (manager, pipeline, g_variant_new_parsed (options), &path,
                                           NULL, &error))
    return NULL;
  return g_steal_pointer (&error);
}

/* Rerun(@id, @options) on the bus: the error, NULL when a run started. */
static GError *
rerun (FfTestDaemon *d, guint64 id, const gchar *options)
{
  g_autoptr (FfDBusManager) manager = manager_new (d);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *path = NULL;

  if (ff_dbus_manager_call_rerun_sync (manager, id, g_variant_new_parsed (options), &path, NULL,
                                       &error))
    return NULL;
  return g_steal_pointer (&error);
}

/* The call failed with fastflowd's error @name. */
static void
assert_remote_error (GError *error, const gchar *name)
{
  g_autofree gchar *remote = NULL;

  g_assert_nonnull (error);
  remote = g_dbus_error_get_remote_error (error);
  g_assert_true (g_str_has_prefix (remote, ERROR_PREFIX));
  g_assert_cmpstr (remote + strlen (ERROR_PREFIX), ==, name);
  g_error_free (error);
}

/* The call was refused with InvalidArgument and a message naming @needle. */
static void
assert_refused (GError *error, const gchar *needle)
{
  g_autofree gchar *remote = NULL;

  g_assert_nonnull (error);
  remote = g_dbus_error_get_remote_error (error);
  g_assert_cmpstr (remote, ==, ERROR_PREFIX "InvalidArgument");
  g_dbus_error_strip_remote_error (error);
  g_test_message ("refused: %s", error->message);
  assert_contains (error->message, needle);
  g_error_free (error);
}

/* How many runs the history holds. */
static guint
count_runs (FfTestDaemon *d)
{
  g_autofree gchar *out = NULL, *err = NULL;
  g_autoptr (JsonNode) node = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "runs", "--json", NULL), ==, 0);
  node = json_from_string (out, &error);
  g_assert_no_error (error);
  return json_array_get_length (json_node_get_array (node));
}

/* 0: the names a caller may not set */

static void
test_reserved_names (void)
{
  /* the list, and the prefixes */
  const gchar *reserved[] = { "LD_PRELOAD",
                              "LD_LIBRARY_PATH",
                              "LD_AUDIT",
                              "BASH_ENV",
                              "ENV",
                              "PATH",
                              "PYTHONPATH",
                              "PYTHONHOME",
                              "PYTHONSTARTUP",
                              "PERL5OPT",
                              "PERL5LIB",
                              "NODE_OPTIONS",
                              "RUBYOPT",
                              "GCONV_PATH",
                              "FASTFLOW_RUN_ID",
                              "FASTFLOW_ANYTHING",
                              "BASH_FUNC_ls%%",
                              "JAVA_TOOL_OPTIONS",
                              "GLIBC_TUNABLES",
                              "LUA_INIT_5_4",
                              "OPENSSL_CONF",
                              "GIT_SSH_COMMAND",
                              "ZDOTDIR" };
  const gchar *plain[] = { "WHO",         "SOURCE",           "LOG_LEVEL", "PATHS", "MY_LD_PRELOAD",
                           "ENVIRONMENT", "PYTHONUNBUFFERED", "HOME_DIR",  "_",     "GIT_BRANCH",
                           "GIT_COMMIT" };

  for (guint i = 0; i < G_N_ELEMENTS (reserved); i++)
    {
      g_autoptr (GError) error = NULL;

      g_assert_false (ff_env_check_caller_name (reserved[i], &error));
      g_assert_error (error, FF_ERROR, FF_ERROR_INVALID_ARGUMENT);
      assert_contains (error->message, reserved[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (plain); i++)
    {
      g_autoptr (GError) error = NULL;

      g_assert_true (ff_env_check_caller_name (plain[i], &error));
      g_assert_no_error (error);
      g_assert_false (ff_env_name_is_reserved (plain[i]));
    }
  g_assert_false (ff_env_check_caller_name ("NOT VALID", NULL));
  g_assert_false (ff_env_check_caller_name ("1ABC", NULL));
  g_assert_false (ff_env_check_caller_name ("", NULL));
  g_assert_true (ff_env_name_is_valid ("ABC=", 3));
  g_assert_false (ff_env_name_is_valid ("ABC=", 4));
}

/* 1: a local run's environment is built, not inherited from fastflowd */

static void
test_local_environment (void)
{
  g_autoptr (FfTestDaemon) d = ff_test_daemon_new ();
  g_autofree gchar *out = NULL, *err = NULL;

  ff_test_daemon_add_pipeline (d, "show", "main.sh", "env\n", "pipeline.json",
                               "{\"executor\": \"local\"}", NULL);
  /* the daemon's own configuration: the proxy, the bus, a credential */
  g_setenv ("DOCKER_PROXY_URL", "http://127.0.0.1:9/", TRUE);
  g_setenv ("SECRET_X", "the-daemons-own", TRUE);
  ff_test_daemon_start (d, NULL);
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "run", "show", NULL), ==, 0);
  g_test_message ("the run saw:\n%s", out);
  assert_lacks (out, "DOCKER_PROXY_URL=");
  assert_lacks (out, "DBUS_SESSION_BUS_ADDRESS=");
  assert_lacks (out, "SECRET_X=");
  assert_contains (out, "PATH=");
  assert_contains (out, "FASTFLOW_RUN_ID=1\n");

  /* the operator lets one through by name */
  ff_test_daemon_stop (d);
  write_config (d, "[daemon]\n[executor.local]\npass_env=SECRET_X\n");
  ff_test_daemon_start (d, NULL);
  g_unsetenv ("DOCKER_PROXY_URL");
  g_unsetenv ("SECRET_X");
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "run", "show", NULL), ==, 0);
  assert_contains (out, "SECRET_X=the-daemons-own\n");
  assert_lacks (out, "DOCKER_PROXY_URL=");
  assert_lacks (out, "DBUS_SESSION_BUS_ADDRESS=");
}

/* POSTs @body to the webhook @path; returns the status, *reply the body. */
static guint
post (guint16 port, const gchar *path, const gchar *body, gchar **reply)
{
  g_autoptr (SoupSession) session = soup_session_new ();
  g_autofree gchar *url = g_strdup_printf ("http://127.0.0.1:%u%s", port, path);
  g_autoptr (SoupMessage) msg = soup_message_new ("POST", url);
  g_autoptr (GBytes) request = g_bytes_new (body, strlen (body));
  g_autoptr (GBytes) answer = NULL;
  g_autoptr (GError) error = NULL;

  soup_message_set_request_body_from_bytes (msg, "application/json", request);
  /* one connection per request, closed before the next: many posts in a
   * row stay within fastflowd's [http] max_connections */
  soup_message_headers_append (soup_message_get_request_headers (msg), "Connection", "close");
  /* fastflowd is another process: blocking here blocks only the test */
  answer = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  *reply = g_strndup (g_bytes_get_data (answer, NULL), g_bytes_get_size (answer));
  return soup_message_get_status (msg);
}

/* 2: [daemon] allowed_executors */

/* The plugin path of the tests with the docker-proxy plugin added: an
 * executor besides local to allow. No engine is needed; its proxy is not
 * there. */
static void
add_docker_proxy_plugin (void)
{
  g_auto (GStrv) dirs = g_strsplit (g_getenv ("FASTFLOW_PLUGIN_PATH"), ":", -1);
  g_autofree gchar *path = NULL;

  for (guint i = 0; dirs[i] != NULL && path == NULL; i++)
    {
      if (g_str_has_suffix (dirs[i], "/plugins/local"))
        path = g_strdup_printf ("%s:%.*s/docker-proxy", g_getenv ("FASTFLOW_PLUGIN_PATH"),
                                (gint) (strlen (dirs[i]) - strlen ("/local")), dirs[i]);
    }
  g_assert_nonnull (path);
  g_setenv ("FASTFLOW_PLUGIN_PATH", path, TRUE);
}

static JsonObject *
find_listed (JsonNode *pipelines, const gchar *name)
{
  JsonArray *array = json_node_get_array (pipelines);

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *pipeline = json_array_get_object_element (array, i);
      if (g_strcmp0 (json_object_get_string_member (pipeline, "name"), name) == 0)
        return pipeline;
    }
  g_error ("%s is not listed", name);
}

static void
test_allowed_executors (void)
{
  g_autoptr (FfTestDaemon) d = ff_test_daemon_new ();
  g_autofree gchar *plugin_path = g_strdup (g_getenv ("FASTFLOW_PLUGIN_PATH"));
  guint16 port = ff_test_free_port ();
  g_autofree gchar *config = g_strdup_printf (
      "[daemon]\nallowed_executors=docker-proxy;swarm\n[http]\nlisten=127.0.0.1:%u\n"
      "[executor.docker-proxy]\nproxy_url=http://127.0.0.1:9\n",
      port);
  g_autofree gchar *out = NULL, *err = NULL, *reply = NULL;
  g_autoptr (JsonNode) pipelines = NULL;
  g_autoptr (GError) error = NULL;
  JsonObject *named;

  write_config (d, config);
  ff_test_daemon_add_pipeline (d, "named", "main.sh", "echo escaped\n", "pipeline.json",
                               "{\"executor\": \"local\", \"webhook_key\": \"0123456789abcdef\"}",
                               NULL);
  ff_test_daemon_add_pipeline (d, "plain", "main.sh", "echo escaped\n", NULL);
  add_docker_proxy_plugin ();
  ff_test_daemon_start (d, NULL);
  g_setenv ("FASTFLOW_PLUGIN_PATH", plugin_path, TRUE);

  /* a pipeline that names another executor is broken, the setting named */
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "pipelines", "--json", NULL), ==, 0);
  pipelines = json_from_string (out, &error);
  g_assert_no_error (error);
  named = find_listed (pipelines, "named");
  g_assert_true (json_object_get_boolean_member (named, "broken"));
  assert_contains (json_object_get_string_member (named, "error"), "allowed_executors");
  assert_contains (json_object_get_string_member (named, "error"), "“local”");
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "pipelines", NULL), ==, 0);
  assert_contains (out, "allowed_executors");
  g_assert_cmpuint (post (port, "/api/webhooks/named/0123456789abcdef", "{}", &reply), ==, 409);
  assert_contains (reply, "allowed_executors");

  /* asked for by a caller: refused, nothing starts */
  assert_refused (start_run (d, "plain", "{'executor': <'local'>}"), "allowed_executors");
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "run", "plain", "--executor", "local", NULL),
                   ==, 125);
  assert_contains (err, "allowed_executors");
  g_assert_cmpuint (count_runs (d), ==, 0);

  /* and the executors say so: installed, but not available here */
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "executors", NULL), ==, 0);
  assert_contains (out, "local");
  assert_contains (out, "allowed_executors");

  /* not named at all: the default is an allowed one, not local (whose run
   * would print), although DOCKER_PROXY_URL is not set */
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "run", "plain", NULL), ==, 125);
  assert_lacks (out, "escaped");
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "status", "1", "--json", NULL), ==, 0);
  assert_contains (out, "\"executor\" : \"docker-proxy\"");
}

/* 3: variables a caller may not set */

static void
test_caller_variables (void)
{
  g_autoptr (FfTestDaemon) d = ff_test_daemon_new ();
  guint16 port = ff_test_free_port ();
  g_autofree gchar *config = g_strdup_printf ("[daemon]\n[http]\nlisten=127.0.0.1:%u\n", port);
  g_autofree gchar *out = NULL, *err = NULL, *reply = NULL;
  const gchar *refused[] = { "LD_PRELOAD",     "BASH_ENV",     "ENV",           "PATH",
                             "PYTHONPATH",     "PYTHONHOME",   "PYTHONSTARTUP", "PERL5OPT",
                             "PERL5LIB",       "NODE_OPTIONS", "RUBYOPT",       "GCONV_PATH",
                             "FASTFLOW_RUN_ID" };
  const gchar *fast_flow_parts[] = { "env_vars", "parameters" };

  write_config (d, config);
  /* the author's default_env may set what a caller may not */
  ff_test_daemon_add_pipeline (d, "hooked", "main.sh",
                               "echo \"PYTHONPATH=$PYTHONPATH NODE_OPTIONS=$NODE_OPTIONS "
                               "WHO=$WHO\"\n",
                               "pipeline.json",
                               "{\"webhook_key\": \"0123456789abcdef\", \"default_env\": "
                               "{\"PYTHONPATH\": \"/app/lib\", \"NODE_OPTIONS\": \"--trace\"}}",
                               NULL);
  ff_test_daemon_start (d, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autofree gchar *options = g_strdup_printf ("{'env': <{'%s': '/tmp/x'}>}", refused[i]);
      g_autofree gchar *assignment = g_strdup_printf ("%s=/tmp/x", refused[i]);
      g_autofree gchar *body = g_strdup_printf ("{\"%s\": \"/tmp/x\"}", refused[i]);

      assert_refused (start_run (d, "hooked", options), refused[i]);
      g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "run", "hooked", "-e", assignment, NULL),
                       ==, 125);
      assert_contains (err, refused[i]);
      g_assert_cmpuint (post (port, "/api/webhooks/hooked/0123456789abcdef", body, &reply), ==,
                        400);
      assert_contains (reply, refused[i]);
      g_clear_pointer (&reply, g_free);
      /* Fast-Flow's body: env_vars and parameters are the caller's too */
      for (guint j = 0; j < G_N_ELEMENTS (fast_flow_parts); j++)
        {
          g_autofree gchar *wrapped = g_strdup_printf ("{\"%s\": %s}", fast_flow_parts[j], body);

          g_assert_cmpuint (post (port, "/api/webhooks/hooked/0123456789abcdef", wrapped, &reply),
                            ==, 400);
          assert_contains (reply, refused[i]);
          g_clear_pointer (&reply, g_free);
        }
    }
  g_assert_cmpuint (count_runs (d), ==, 0);

  /* plain variables pass, the author's own reach the run */
  g_assert_cmpuint (
      post (port, "/api/webhooks/hooked/0123456789abcdef", "{\"WHO\": \"ci\"}", &reply), ==, 200);
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "logs", "--follow", "1", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "PYTHONPATH=/app/lib NODE_OPTIONS=--trace WHO=ci\n");
}

/* 4: StartRun's options: only those the interface names, and a
 * triggered_by that does not pass for fastflowd's own */

static void
test_start_run_options (void)
{
  g_autoptr (FfTestDaemon) d = ff_test_daemon_new ();
  g_autofree gchar *out = NULL, *err = NULL;
  g_autofree gchar *long_label = g_strnfill (65, 'x');
  g_autofree gchar *too_long = g_strdup_printf ("{'triggered_by': <'%s'>}", long_label);
  const gchar *forged[] = { "schedule", "schedule:nightly", "downstream:1", "restart:7",
                            "webhook",  "Schedule:nightly", " webhook",     "rerun:1" };

  ff_test_daemon_add_pipeline (d, "off", "main.sh", "echo forced\n", "pipeline.json",
                               "{\"enabled\": false}", NULL);
  ff_test_daemon_start (d, NULL);

  assert_refused (start_run (d, "off", "{'force': <true>, 'no_such_option': <42>}"),
                  "no_such_option");
  assert_refused (start_run (d, "off", "{'force': <'yes'>}"), "force");
  for (guint i = 0; i < G_N_ELEMENTS (forged); i++)
    {
      g_autofree gchar *options =
          g_strdup_printf ("{'force': <true>, 'triggered_by': <'%s'>}", forged[i]);
      assert_refused (start_run (d, "off", options), "triggered_by");
    }
  assert_refused (start_run (d, "off", "{'force': <true>, 'triggered_by': <'a\\u001b[31mred'>}"),
                  "triggered_by");
  assert_refused (start_run (d, "off", too_long), "triggered_by");
  g_assert_cmpuint (count_runs (d), ==, 0);

  /* force starts a disabled pipeline; a plain label is kept as given */
  g_assert_null (start_run (d, "off", "{'force': <true>, 'triggered_by': <'deploy-bot: #42'>}"));
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "logs", "--follow", "1", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "forced\n");
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "status", "1", NULL), ==, 0);
  assert_contains (out, "deploy-bot: #42");

  /* Rerun: StartRun's checks (disabled without force), its own options */
  assert_refused (rerun (d, 1, "{'no_such_option': <1>}"), "no_such_option");
  assert_remote_error (rerun (d, 1, "@a{sv} {}"), "Disabled");
  assert_remote_error (rerun (d, 99, "@a{sv} {}"), "NoSuchRun");
  g_assert_cmpuint (count_runs (d), ==, 1);
  g_assert_null (rerun (d, 1, "{'force': <true>}"));
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "logs", "--follow", "2", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "forced\n");
}

/* 5: a run queued by an earlier fastflowd starts under today's rules */

static gboolean
state_is_finished (const gchar *state)
{
  const gchar *finished[] = { "succeeded", "failed", "cancelled", "timed-out", NULL };

  return state != NULL && g_strv_contains (finished, state);
}

static gboolean
run_is_finished (gpointer run)
{
  return state_is_finished (ff_dbus_run_get_state (run));
}

/* Waits on the main loop until run @id has finished. */
static FfDBusRun *
wait_finished (FfTestDaemon *d, guint64 id)
{
  g_autoptr (FfDBusManager) manager = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *path = NULL;
  FfDBusRun *run;

  manager = ff_dbus_manager_proxy_new_sync (d->connection, G_DBUS_PROXY_FLAGS_NONE, BUS_NAME,
                                            MANAGER_PATH, NULL, &error);
  g_assert_no_error (error);
  ff_dbus_manager_call_get_run_sync (manager, id, &path, NULL, &error);
  g_assert_no_error (error);
  run = ff_dbus_run_proxy_new_sync (d->connection, G_DBUS_PROXY_FLAGS_NONE, BUS_NAME, path, NULL,
                                    &error);
  g_assert_no_error (error);
  ff_test_wait_until (run_is_finished, run, "the run to finish");
  return run;
}

/* What the history of an earlier fastflowd may hold: a caller's variable
 * from before they were checked, an executor the operator has since
 * taken away. */
static void
tamper_with_queued (FfTestDaemon *d)
{
  g_autofree gchar *db = g_build_filename (d->state_dir, "fastflow.db", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (FfRunStore) store = ff_run_store_new (db, &error);
  g_autoptr (GPtrArray) runs = NULL;
  g_autoptr (GHashTable) env = g_hash_table_new (g_str_hash, g_str_equal);
  FfRun *preloaded, *swarmed;

  g_assert_no_error (error);
  runs = ff_run_store_load_unfinished (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (runs->len, ==, 4);
  preloaded = g_ptr_array_index (runs, 1);
  swarmed = g_ptr_array_index (runs, 2);
  g_assert_cmpint (ff_run_get_state (preloaded), ==, FF_RUN_STATE_QUEUED);
  g_hash_table_insert (env, "LD_PRELOAD", "/tmp/evil.so");
  ff_run_set_env (preloaded, env);
  ff_run_set_executor (swarmed, "swarm");
  g_assert_true (ff_run_store_save (store, preloaded, &error));
  g_assert_true (ff_run_store_save (store, swarmed, &error));
  g_assert_no_error (error);
}

static void
test_requeued_runs (void)
{
  g_autoptr (FfTestDaemon) d = ff_test_daemon_new ();
  g_autoptr (FfDBusRun) preloaded = NULL, swarmed = NULL, clean = NULL;
  g_autofree gchar *out = NULL, *err = NULL;
  g_autoptr (GString) started = g_string_new (NULL);
  g_autoptr (GSubprocessLauncher) launcher =
      g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr (GSubprocess) follower = NULL;

  ff_test_daemon_add_pipeline (d, "block", "main.sh", "echo started\nsleep 30\n", NULL);
  ff_test_daemon_add_pipeline (d, "later", "main.sh", "echo \"ran ${LD_PRELOAD:-clean}\"\n", NULL);
  ff_test_daemon_start (d, "--max-concurrent-runs=1", NULL);
  follower = ff_test_daemon_spawn_ctl (d, launcher, "run", "block", NULL);
  ff_test_wait_for_text (g_subprocess_get_stdout_pipe (follower), started, "started\n");
  for (guint i = 0; i < 3; i++)
    g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "run", "later", "--detach", NULL), ==, 0);
  ff_test_daemon_kill (d);
  ff_test_wait_for_exit (follower);
  tamper_with_queued (d);

  write_config (d, "[daemon]\nallowed_executors=local\n");
  ff_test_daemon_start (d, NULL);
  preloaded = wait_finished (d, 2);
  g_assert_cmpstr (ff_dbus_run_get_reason (preloaded), ==, "refused");
  assert_contains (ff_dbus_run_get_message (preloaded), "LD_PRELOAD");
  swarmed = wait_finished (d, 3);
  g_assert_cmpstr (ff_dbus_run_get_reason (swarmed), ==, "refused");
  assert_contains (ff_dbus_run_get_message (swarmed), "allowed_executors");
  clean = wait_finished (d, 4);
  g_assert_cmpstr (ff_dbus_run_get_state (clean), ==, "succeeded");
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "logs", "4", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "ran clean\n");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/env/reserved-names", test_reserved_names);
  g_test_add_func ("/env/local-run-environment", test_local_environment);
  g_test_add_func ("/env/allowed-executors", test_allowed_executors);
  g_test_add_func ("/env/caller-variables", test_caller_variables);
  g_test_add_func ("/env/start-run-options", test_start_run_options);
  g_test_add_func ("/env/requeued-runs", test_requeued_runs);
  return g_test_run ();
}
