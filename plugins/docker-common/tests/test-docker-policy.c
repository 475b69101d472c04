/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>

#include "ff-docker-policy.h"

/* The body of POST /containers/create as the executor builds it
 * (tests/data/create-body.json), with a change on top; the policy must
 * refuse each of those changes. */
typedef struct
{
  gchar *root;      /* an allowed root */
  gchar *pipelines; /* the pipelines folder */
  gchar *pipeline;  /* pipelines/pipe */
  gchar *route;     /* a route file, in neither */
  gchar *outside;   /* a folder next to the root */
  gchar *socket;    /* a stand-in for the engine's socket, in root/run */
  GSocket *listener;
  FfDockerPolicy *policy;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocketAddress) address = NULL;
  g_autofree gchar *run = NULL;
  const gchar *roots[2] = { NULL, NULL };
  const gchar *sockets[2] = { NULL, NULL };
  g_autofree gchar *base = g_dir_make_tmp ("ff-policy-XXXXXX", &error);

  g_assert_no_error (error);
  f->root = g_build_filename (base, "root", NULL);
  f->pipelines = g_build_filename (base, "pipelines", NULL);
  f->pipeline = g_build_filename (f->pipelines, "pipe", NULL);
  f->route = g_build_filename (base, "route", NULL);
  f->outside = g_build_filename (base, "outside", NULL);
  run = g_build_filename (f->root, "run", NULL);
  f->socket = g_build_filename (run, "docker.sock", NULL);
  g_assert_cmpint (g_mkdir_with_parents (f->pipeline, 0700), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (f->outside, 0700), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (run, 0700), ==, 0);
  g_assert_true (g_file_set_contents (f->route, "", 0, &error));

  f->listener = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, 0, &error);
  g_assert_no_error (error);
  address = g_unix_socket_address_new (f->socket);
  g_assert_true (g_socket_bind (f->listener, address, TRUE, &error));
  g_assert_no_error (error);

  roots[0] = f->root;
  sockets[0] = f->socket;
  f->policy = ff_docker_policy_new ("executor.docker-proxy", roots, sockets);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_autofree gchar *base = g_path_get_dirname (f->root);
  g_autofree gchar *run = g_path_get_dirname (f->socket);

  g_object_unref (f->policy);
  g_object_unref (f->listener);
  g_unlink (f->socket);
  g_rmdir (run);
  g_rmdir (f->pipeline);
  g_rmdir (f->pipelines);
  g_unlink (f->route);
  g_rmdir (f->root);
  g_rmdir (f->outside);
  g_rmdir (base);
  g_free (f->root);
  g_free (f->pipelines);
  g_free (f->pipeline);
  g_free (f->route);
  g_free (f->outside);
  g_free (f->socket);
}

/* @member of HostConfig (or of the body itself if it starts with "/")
 * set to @json; a %NULL @json removes it. */
static JsonObject *
body_with (Fixture *f, const gchar *member, const gchar *json)
{
  g_autofree gchar *path = g_test_build_filename (G_TEST_DIST, "data", "create-body.json", NULL);
  g_autofree gchar *contents = NULL;
  g_autoptr (GString) text = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  JsonObject *body, *target;

  g_assert_true (g_file_get_contents (path, &contents, NULL, &error));
  text = g_string_new (contents);
  g_string_replace (text, "@APP@", f->pipeline, 0);
  g_string_replace (text, "@ROUTE@", f->route, 0);
  g_assert_true (json_parser_load_from_data (parser, text->str, -1, &error));
  g_assert_no_error (error);
  body = json_object_ref (json_node_get_object (json_parser_get_root (parser)));
  target = json_object_get_object_member (body, "HostConfig");
  if (member != NULL && member[0] == '/')
    {
      target = body;
      member++;
    }
  if (member != NULL && json == NULL)
    json_object_remove_member (target, member);
  else if (member != NULL)
    {
      g_autoptr (JsonParser) value = json_parser_new ();
      g_assert_true (json_parser_load_from_data (value, json, -1, &error));
      json_object_set_member (target, member, json_node_copy (json_parser_get_root (value)));
    }
  return body;
}

static gboolean
check_body (Fixture *f, JsonObject *body, GError **error)
{
  const FfDockerMount mounts[] = { { f->pipeline, "/app", FALSE },
                                   { f->route, "/run/fastflow/route", TRUE },
                                   { NULL } };

  return ff_docker_policy_check_create_body (f->policy, body, mounts, error);
}

static void
assert_refused (Fixture *f, const gchar *member, const gchar *json, const gchar *mention)
{
  g_autoptr (JsonObject) body = body_with (f, member, json);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *shown = NULL;

  g_test_message ("%s=%s", member, json != NULL ? json : "(removed)");
  g_assert_false (check_body (f, body, &error));
  g_assert_error (error, FF_EXECUTOR_ERROR, FF_REASON_REFUSED);
  shown = ff_message_format (error->message);
  g_test_message ("  %s", shown);
  g_assert_nonnull (strstr (shown, mention));
}

static void
test_body_good (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonObject) body = body_with (f, NULL, NULL);
  g_autoptr (JsonObject) bridge = body_with (f, "NetworkMode", "\"bridge\"");
  g_autoptr (JsonObject) no_limits = body_with (f, "Memory", NULL);
  g_autoptr (GError) error = NULL;

  g_assert_true (check_body (f, body, &error));
  g_assert_no_error (error);
  g_assert_true (check_body (f, bridge, &error));
  g_assert_no_error (error);
  g_assert_true (check_body (f, no_limits, &error));
  g_assert_no_error (error);
}

static void
test_body_privileged (Fixture *f, gconstpointer data)
{
  assert_refused (f, "Privileged", "true", "Privileged");
  assert_refused (f, "Privileged", "\"false\"", "Privileged");
}

static void
test_body_host_network (Fixture *f, gconstpointer data)
{
  assert_refused (f, "NetworkMode", "\"host\"", "host");
  assert_refused (f, "NetworkMode", "\"container:abc\"", "container:abc");
  assert_refused (f, "NetworkMode", "\"my-net\"", "my-net");
  assert_refused (f, "NetworkMode", NULL, "NetworkMode");
  assert_refused (f, "/NetworkingConfig", "{\"EndpointsConfig\": {\"host\": {}}}",
                  "NetworkingConfig");
  assert_refused (f, "PortBindings", "{\"22/tcp\": [{\"HostPort\": \"2222\"}]}", "PortBindings");
}

/* Every namespace shared with the host, and every knob of the kernel or
 * the runtime, is a key fastflow never sets. */
static void
test_body_namespaces (Fixture *f, gconstpointer data)
{
  static const gchar *const members[] = { "PidMode", "IpcMode", "UTSMode", "UsernsMode",
                                          "CgroupnsMode" };

  for (guint i = 0; i < G_N_ELEMENTS (members); i++)
    assert_refused (f, members[i], "\"host\"", members[i]);
  assert_refused (f, "Sysctls", "{\"kernel.core_pattern\": \"|/tmp/x\"}", "Sysctls");
  assert_refused (f, "CgroupParent", "\"/\"", "CgroupParent");
  assert_refused (f, "Cgroup", "\"host\"", "Cgroup");
  assert_refused (f, "Runtime", "\"runc-unsafe\"", "Runtime");
  assert_refused (f, "OomScoreAdj", "-1000", "OomScoreAdj");
  assert_refused (f, "Ulimits", "[{\"Name\": \"nofile\", \"Soft\": 1, \"Hard\": 1}]", "Ulimits");
  assert_refused (f, "LogConfig", "{\"Type\": \"none\"}", "LogConfig");
  assert_refused (f, "ReadonlyRootfs", "false", "ReadonlyRootfs");
  assert_refused (f, "Memory", "-1", "Memory");
}

static void
test_body_capabilities (Fixture *f, gconstpointer data)
{
  assert_refused (f, "CapAdd", "[\"SYS_ADMIN\"]", "CapAdd");
  assert_refused (f, "CapAdd", "[]", "CapAdd");
  assert_refused (f, "CapDrop", "[\"NET_RAW\"]", "CapDrop");
  assert_refused (f, "CapDrop", NULL, "CapDrop");
  assert_refused (f, "Devices", "[{\"PathOnHost\": \"/dev/kmsg\"}]", "Devices");
  assert_refused (f, "DeviceRequests", "[{\"Count\": -1}]", "DeviceRequests");
  assert_refused (f, "DeviceCgroupRules", "[\"c *:* rmw\"]", "DeviceCgroupRules");
  assert_refused (f, "SecurityOpt", "[\"no-new-privileges\", \"seccomp=unconfined\"]",
                  "seccomp=unconfined");
  assert_refused (f, "SecurityOpt", "[\"no-new-privileges\", \"apparmor=docker-default\"]",
                  "apparmor=docker-default");
  assert_refused (f, "SecurityOpt", "[\"no-new-privileges\", \"label=disable\"]", "label=disable");
  assert_refused (f, "SecurityOpt", "[\"no-new-privileges:false\"]", "no-new-privileges:false");
  assert_refused (f, "SecurityOpt", "[]", "no-new-privileges");
  assert_refused (f, "SecurityOpt", NULL, "no-new-privileges");
}

static void
test_body_mounts (Fixture *f, gconstpointer data)
{
  g_autofree gchar *socket_mount = g_strdup_printf (
      "[{\"Type\": \"bind\", \"Source\": \"%s\", \"Target\": \"/var/run/docker.sock\"}]",
      f->socket);
  g_autofree gchar *dir_mount =
      g_strdup_printf ("[{\"Type\": \"bind\", \"Source\": \"%s\", \"Target\": \"/x\"}]", f->root);
  g_autofree gchar *outside_mount = g_strdup_printf (
      "[{\"Type\": \"bind\", \"Source\": \"%s\", \"Target\": \"/x\"}]", f->outside);
  g_autofree gchar *propagation =
      g_strdup_printf ("[{\"Type\": \"bind\", \"Source\": \"%s\", \"Target\": \"/app\", "
                       "\"BindOptions\": {\"Propagation\": \"rshared\"}}]",
                       f->pipeline);

  assert_refused (f, "Mounts", socket_mount, f->socket);
  assert_refused (f, "Mounts", dir_mount, f->root);
  assert_refused (f, "Mounts", outside_mount, f->outside);
  assert_refused (f, "Mounts", propagation, "rshared");
  assert_refused (f, "Mounts", "[{\"Type\": \"volume\", \"Source\": \"x\", \"Target\": \"/x\"}]",
                  "volume");
  assert_refused (f, "Mounts", "[{\"Type\": \"npipe\", \"Source\": \"x\", \"Target\": \"/x\"}]",
                  "npipe");
  assert_refused (f, "Binds", "[\"/:/host\"]", "Binds");
  assert_refused (f, "VolumesFrom", "[\"other\"]", "VolumesFrom");
  assert_refused (f, "/Volumes", "{\"/data\": {}}", "Volumes");
  assert_refused (f, "/HostConfig", NULL, "HostConfig");
}

/* A source that was checked is refused anyway if it became the socket. */
static void
test_body_checked_source_is_socket (Fixture *f, gconstpointer data)
{
  g_autofree gchar *socket_mount = g_strdup_printf (
      "[{\"Type\": \"bind\", \"Source\": \"%s\", \"Target\": \"/app\"}]", f->socket);
  g_autoptr (JsonObject) body = body_with (f, "Mounts", socket_mount);
  const FfDockerMount mounts[] = { { f->socket, "/app", FALSE }, { NULL } };
  g_autoptr (GError) error = NULL;

  g_assert_false (ff_docker_policy_check_create_body (f->policy, body, mounts, &error));
  g_assert_error (error, FF_EXECUTOR_ERROR, FF_REASON_REFUSED);
}

static void
assert_dir_refused (Fixture *f, const gchar *dir, const gchar *mention)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *shown = NULL;

  g_assert_false (ff_docker_policy_check_pipeline_dir (f->policy, dir, f->pipelines, NULL, &error));
  g_assert_error (error, FF_EXECUTOR_ERROR, FF_REASON_REFUSED);
  shown = ff_message_format (error->message);
  g_test_message ("%s: %s", dir, shown);
  g_assert_nonnull (strstr (shown, mention));
}

static void
test_pipeline_dirs (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *resolved = NULL;
  g_autofree gchar *to_outside = g_build_filename (f->pipelines, "to-outside", NULL);
  g_autofree gchar *to_root = g_build_filename (f->pipelines, "to-root", NULL);
  g_autofree gchar *to_etc = g_build_filename (f->pipelines, "to-etc", NULL);
  g_autofree gchar *sneaky = g_build_filename (f->pipeline, "..", "..", "outside", NULL);
  g_autofree gchar *data_dir = g_build_filename (f->root, "data", NULL);

  g_assert_cmpint (g_mkdir (data_dir, 0700), ==, 0);
  g_assert_true (ff_docker_policy_check_pipeline_dir (f->policy, f->pipeline, f->pipelines,
                                                      &resolved, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (resolved, ==, f->pipeline);

  /* A symlink out of the pipelines folder is judged by its target. */
  g_assert_cmpint (symlink (f->outside, to_outside), ==, 0);
  g_assert_cmpint (symlink ("/etc", to_etc), ==, 0);
  g_assert_cmpint (symlink (data_dir, to_root), ==, 0);
  assert_dir_refused (f, to_outside, "allowed_roots in [executor.docker-proxy]");
  assert_dir_refused (f, to_etc, "/etc");
  /* … and passes if an allowed root holds the target. */
  g_clear_pointer (&resolved, g_free);
  g_assert_true (
      ff_docker_policy_check_pipeline_dir (f->policy, to_root, f->pipelines, &resolved, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (resolved, ==, data_dir);

  assert_dir_refused (f, "relative/dir", "absolute");
  assert_dir_refused (f, sneaky, "outside");
  assert_dir_refused (f, f->pipelines, "pipelines folder");
  assert_dir_refused (f, f->route, "not a folder");
  assert_dir_refused (f, f->socket, "socket");
  assert_dir_refused (f, "/", "Docker socket");
  g_unlink (to_outside);
  g_unlink (to_root);
  g_unlink (to_etc);
  g_rmdir (data_dir);
}

/* Without a known pipelines folder, only the allowed roots are. */
static void
test_default_roots (void)
{
  g_autoptr (FfDockerPolicy) policy = ff_docker_policy_new ("executor.docker-proxy", NULL, NULL);
  g_autoptr (GError) error = NULL;

  g_assert_false (ff_docker_policy_check_pipeline_dir (policy, "/usr/share", NULL, NULL, &error));
  g_assert_error (error, FF_EXECUTOR_ERROR, FF_REASON_REFUSED);
  g_clear_error (&error);
  g_assert_true (
      ff_docker_policy_check_pipeline_dir (policy, "/usr/share/doc", "/usr/share", NULL, &error));
  g_assert_no_error (error);
  g_assert_false (ff_docker_policy_check_pipeline_dir (policy, "/var/run", "/var", NULL, &error));
  g_assert_error (error, FF_EXECUTOR_ERROR, FF_REASON_REFUSED);
  g_clear_error (&error);
  g_assert_false (
      ff_docker_policy_check_pipeline_dir (policy, "/does/not/exist", "/does", NULL, &error));
  g_assert_error (error, FF_EXECUTOR_ERROR, FF_REASON_REFUSED);
  g_clear_error (&error);

  g_assert_true (ff_docker_policy_is_engine_socket (policy, "/var/run/docker.sock"));
  g_assert_true (ff_docker_policy_is_engine_socket (policy, "/run/docker.sock"));
  g_assert_false (ff_docker_policy_is_engine_socket (policy, "/tmp/proxy.sock"));

  g_assert_true (ff_docker_policy_check_network (policy, "none", NULL));
  g_assert_true (ff_docker_policy_check_network (policy, "bridge", NULL));
  g_assert_true (ff_docker_policy_check_network (policy, NULL, NULL));
  g_assert_false (ff_docker_policy_check_network (policy, "host", &error));
  g_assert_error (error, FF_EXECUTOR_ERROR, FF_REASON_REFUSED);
}

/* fastflow's own files pass without the roots, never as the socket. */
static void
test_own_mounts (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *resolved = NULL;

  g_assert_true (ff_docker_policy_check_own_mount (f->policy, f->route, &resolved, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (resolved, ==, f->route);
  g_assert_false (ff_docker_policy_check_own_mount (f->policy, f->socket, NULL, &error));
  g_assert_error (error, FF_EXECUTOR_ERROR, FF_REASON_REFUSED);
}

/* A body with @mounts_json (with @ENV@, @TOOLS@, @APP@ replaced) as its
 * Mounts, checked against a build's mounts: its environment writable,
 * the tools read-only. */
static gboolean
check_folder_body (
    Fixture *f, const gchar *env, const gchar *tools, const gchar *mounts_json, GError **error)
{
  const FfDockerMount mounts[] = { { f->pipeline, "/app", TRUE },
                                   { env, "/opt/fastflow/env", TRUE },
                                   { tools, "/opt/fastflow/tools", FALSE },
                                   { NULL } };
  g_autoptr (GString) text = g_string_new (mounts_json);
  g_autoptr (JsonObject) body = NULL;

  g_string_replace (text, "@ENV@", env, 0);
  g_string_replace (text, "@TOOLS@", tools, 0);
  g_string_replace (text, "@APP@", f->pipeline, 0);
  body = body_with (f, "Mounts", text->str);
  return ff_docker_policy_check_create_body (f->policy, body, mounts, error);
}

static void
assert_folder_body_refused (
    Fixture *f, const gchar *env, const gchar *tools, const gchar *json, const gchar *mention)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *shown = NULL;

  g_test_message ("Mounts=%s", json);
  g_assert_false (check_folder_body (f, env, tools, json, &error));
  g_assert_error (error, FF_EXECUTOR_ERROR, FF_REASON_REFUSED);
  shown = ff_message_format (error->message);
  g_test_message ("  %s", shown);
  g_assert_nonnull (strstr (shown, mention));
}

#define ENV_RW                                                                                     \
  "{\"Type\": \"bind\", \"Source\": \"@ENV@\", \"Target\": \"/opt/fastflow/env\", "                \
  "\"ReadOnly\": false}"
#define TOOLS_AT(target, ro)                                                                       \
  "{\"Type\": \"bind\", \"Source\": \"@TOOLS@\", \"Target\": \"" target "\"" ro "}"

/* A run's folders: the environment may be writable (for its build), the
 * tools never; each only at its own place; nothing else at all. */
static void
test_folder_mounts (Fixture *f, gconstpointer data)
{
  g_autofree gchar *base = g_path_get_dirname (f->root);
  g_autofree gchar *env = g_build_filename (base, "env", NULL);
  g_autofree gchar *tools = g_build_filename (base, "tools", NULL);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *shown = NULL;

  g_assert_cmpint (g_mkdir (env, 0700), ==, 0);
  g_assert_cmpint (g_mkdir (tools, 0700), ==, 0);

  g_assert_true (ff_docker_policy_check_folder (f->policy, FF_RUN_FOLDER_DEPENDENCY_ENV, env, TRUE,
                                                NULL, &error));
  g_assert_no_error (error);
  g_assert_true (
      ff_docker_policy_check_folder (f->policy, FF_RUN_FOLDER_TOOLS, tools, FALSE, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (
      ff_docker_policy_check_folder (f->policy, FF_RUN_FOLDER_TOOLS, tools, TRUE, NULL, &error));
  g_assert_error (error, FF_EXECUTOR_ERROR, FF_REASON_REFUSED);
  shown = ff_message_format (error->message);
  g_assert_nonnull (strstr (shown, "only its dependency environment"));
  g_clear_pointer (&shown, g_free);
  g_clear_error (&error);
  g_assert_false (
      ff_docker_policy_check_folder (f->policy, FF_RUN_FOLDER_WHEELS, tools, TRUE, NULL, &error));
  g_assert_error (error, FF_EXECUTOR_ERROR, FF_REASON_REFUSED);
  g_clear_error (&error);
  g_assert_false (ff_docker_policy_check_folder (f->policy, FF_RUN_FOLDER_DEPENDENCY_ENV, f->socket,
                                                 FALSE, NULL, &error));
  g_assert_error (error, FF_EXECUTOR_ERROR, FF_REASON_REFUSED);
  g_clear_error (&error);

  g_assert_true (check_folder_body (
      f, env, tools, "[" ENV_RW ", " TOOLS_AT ("/opt/fastflow/tools", ", \"ReadOnly\": true") "]",
      &error));
  g_assert_no_error (error);
  assert_folder_body_refused (
      f, env, tools, "[" ENV_RW ", " TOOLS_AT ("/opt/fastflow/tools", ", \"ReadOnly\": false") "]",
      "writable mount");
  /* the engine's default is writable */
  assert_folder_body_refused (f, env, tools, "[" TOOLS_AT ("/opt/fastflow/tools", "") "]",
                              "writable mount");
  assert_folder_body_refused (f, env, tools,
                              "[" TOOLS_AT ("/opt/fastflow/env", ", \"ReadOnly\": true") "]",
                              "only at /opt/fastflow/tools");
  assert_folder_body_refused (f, env, tools, "[" TOOLS_AT ("/app", ", \"ReadOnly\": true") "]",
                              "only at /opt/fastflow/tools");
  assert_folder_body_refused (
      f, env, tools, "[" TOOLS_AT ("/opt/fastflow/tools", ", \"ReadOnly\": \"yes\"") "]", "Mounts");
  assert_folder_body_refused (f, env, tools,
                              "[{\"Type\": \"bind\", \"Source\": \""
                              "/\", \"Target\": "
                              "\"/opt/fastflow/env\", \"ReadOnly\": false}]",
                              "fastflow mounts only");

  g_rmdir (env);
  g_rmdir (tools);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/docker-policy/body-good", Fixture, NULL, fixture_set_up, test_body_good,
              fixture_tear_down);
  g_test_add ("/docker-policy/body-privileged", Fixture, NULL, fixture_set_up, test_body_privileged,
              fixture_tear_down);
  g_test_add ("/docker-policy/body-host-network", Fixture, NULL, fixture_set_up,
              test_body_host_network, fixture_tear_down);
  g_test_add ("/docker-policy/body-namespaces", Fixture, NULL, fixture_set_up, test_body_namespaces,
              fixture_tear_down);
  g_test_add ("/docker-policy/body-capabilities", Fixture, NULL, fixture_set_up,
              test_body_capabilities, fixture_tear_down);
  g_test_add ("/docker-policy/body-mounts", Fixture, NULL, fixture_set_up, test_body_mounts,
              fixture_tear_down);
  g_test_add ("/docker-policy/body-checked-source-is-socket", Fixture, NULL, fixture_set_up,
              test_body_checked_source_is_socket, fixture_tear_down);
  g_test_add ("/docker-policy/pipeline-dirs", Fixture, NULL, fixture_set_up, test_pipeline_dirs,
              fixture_tear_down);
  g_test_add ("/docker-policy/folder-mounts", Fixture, NULL, fixture_set_up, test_folder_mounts,
              fixture_tear_down);
  g_test_add ("/docker-policy/own-mounts", Fixture, NULL, fixture_set_up, test_own_mounts,
              fixture_tear_down);
  g_test_add_func ("/docker-policy/default-roots", test_default_roots);
  return g_test_run ();
}
