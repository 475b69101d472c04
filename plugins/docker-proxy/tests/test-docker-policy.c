/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>

#include "ff-docker-policy.h"

/* The body of POST /containers/create as the executor builds it, with a
 * change on top; the policy must refuse each of those changes. */
static const gchar *good_body = "{"
                                "  \"Image\": \"busybox\","
                                "  \"HostConfig\": {"
                                "    \"Mounts\": [{\"Type\": \"bind\", \"Source\": \"@ROOT@\","
                                "                  \"Target\": \"/app\", \"ReadOnly\": true}],"
                                "    \"CapDrop\": [\"ALL\"],"
                                "    \"SecurityOpt\": [\"no-new-privileges\"],"
                                "    \"Privileged\": false,"
                                "    \"NetworkMode\": \"none\""
                                "  }"
                                "}";

typedef struct
{
  gchar *root;     /* an allowed root with a pipeline folder */
  gchar *pipeline; /* root/pipe */
  gchar *outside;  /* a folder next to the root */
  gchar *socket;   /* a stand-in for the engine's socket, in root/run */
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
  f->pipeline = g_build_filename (f->root, "pipe", NULL);
  f->outside = g_build_filename (base, "outside", NULL);
  run = g_build_filename (f->root, "run", NULL);
  f->socket = g_build_filename (run, "docker.sock", NULL);
  g_assert_cmpint (g_mkdir_with_parents (f->pipeline, 0700), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (f->outside, 0700), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (run, 0700), ==, 0);

  f->listener = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, 0, &error);
  g_assert_no_error (error);
  address = g_unix_socket_address_new (f->socket);
  g_assert_true (g_socket_bind (f->listener, address, TRUE, &error));
  g_assert_no_error (error);

  roots[0] = f->root;
  sockets[0] = f->socket;
  f->policy = ff_docker_policy_new (roots, sockets);
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
  g_rmdir (f->root);
  g_rmdir (f->outside);
  g_rmdir (base);
  g_free (f->root);
  g_free (f->pipeline);
  g_free (f->outside);
  g_free (f->socket);
}

static JsonObject *
body_with (Fixture *f, const gchar *member, const gchar *json)
{
  g_autoptr (GString) text = g_string_new (good_body);
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  JsonObject *body;
  JsonObject *host_config;

  g_string_replace (text, "@ROOT@", f->pipeline, 0);
  g_assert_true (json_parser_load_from_data (parser, text->str, -1, &error));
  g_assert_no_error (error);
  body = json_object_ref (json_node_get_object (json_parser_get_root (parser)));
  host_config = json_object_get_object_member (body, "HostConfig");
  if (member != NULL)
    {
      g_autoptr (JsonParser) value = json_parser_new ();
      g_assert_true (json_parser_load_from_data (value, json, -1, &error));
      json_object_set_member (host_config, member, json_node_copy (json_parser_get_root (value)));
    }
  return body;
}

static void
assert_refused (Fixture *f, const gchar *member, const gchar *json, const gchar *mention)
{
  g_autoptr (JsonObject) body = body_with (f, member, json);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *shown = NULL;

  g_assert_false (ff_docker_policy_check_create_body (f->policy, body, &error));
  g_assert_error (error, FF_EXECUTOR_ERROR, FF_REASON_REFUSED);
  shown = ff_message_format (error->message);
  g_assert_nonnull (strstr (shown, mention));
}

static void
test_body_good (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonObject) body = body_with (f, NULL, NULL);
  g_autoptr (JsonObject) bridge = body_with (f, "NetworkMode", "\"bridge\"");
  g_autoptr (GError) error = NULL;

  g_assert_true (ff_docker_policy_check_create_body (f->policy, body, &error));
  g_assert_no_error (error);
  g_assert_true (ff_docker_policy_check_create_body (f->policy, bridge, &error));
  g_assert_no_error (error);
}

static void
test_body_privileged (Fixture *f, gconstpointer data)
{
  assert_refused (f, "Privileged", "true", "Privileged");
}

static void
test_body_host_network (Fixture *f, gconstpointer data)
{
  assert_refused (f, "NetworkMode", "\"host\"", "host");
  assert_refused (f, "NetworkMode", "\"container:abc\"", "container:abc");
}

static void
test_body_namespaces (Fixture *f, gconstpointer data)
{
  assert_refused (f, "PidMode", "\"host\"", "PidMode");
  assert_refused (f, "IpcMode", "\"host\"", "IpcMode");
  assert_refused (f, "UsernsMode", "\"host\"", "UsernsMode");
}

static void
test_body_capabilities (Fixture *f, gconstpointer data)
{
  assert_refused (f, "CapAdd", "[\"SYS_ADMIN\"]", "CapAdd");
  assert_refused (f, "Devices", "[{\"PathOnHost\": \"/dev/kmsg\"}]", "Devices");
  assert_refused (f, "SecurityOpt", "[\"no-new-privileges\", \"seccomp=unconfined\"]",
                  "seccomp=unconfined");
  assert_refused (f, "SecurityOpt", "[]", "no-new-privileges");
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

  assert_refused (f, "Mounts", socket_mount, "socket");
  /* The folder that holds the socket exposes it as well. */
  assert_refused (f, "Mounts", dir_mount, "Docker socket");
  assert_refused (f, "Mounts", outside_mount, "allowed roots");
  assert_refused (f, "Mounts", "[{\"Type\": \"volume\", \"Source\": \"x\", \"Target\": \"/x\"}]",
                  "volume");
  assert_refused (f, "Binds", "[\"/:/host\"]", "Binds");
}

static void
test_mount_paths (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *resolved = NULL;
  g_autofree gchar *link = g_build_filename (f->outside, "link", NULL);
  g_autofree gchar *sneaky = g_build_filename (f->pipeline, "..", "..", "outside", NULL);

  g_assert_true (ff_docker_policy_check_mount (f->policy, f->pipeline, &resolved, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (resolved, ==, f->pipeline);

  g_assert_false (ff_docker_policy_check_mount (f->policy, "relative/dir", NULL, &error));
  g_assert_error (error, FF_EXECUTOR_ERROR, FF_REASON_REFUSED);
  g_clear_error (&error);

  g_assert_false (ff_docker_policy_check_mount (f->policy, sneaky, NULL, &error));
  g_assert_error (error, FF_EXECUTOR_ERROR, FF_REASON_REFUSED);
  g_clear_error (&error);

  /* A symlink from inside the roots to the outside is judged by its target. */
  g_assert_cmpint (symlink (f->socket, link), ==, 0);
  g_assert_false (ff_docker_policy_check_mount (f->policy, link, NULL, &error));
  g_assert_error (error, FF_EXECUTOR_ERROR, FF_REASON_REFUSED);
  g_clear_error (&error);
  g_unlink (link);

  g_assert_false (ff_docker_policy_check_mount (f->policy, "/", NULL, &error));
  g_assert_error (error, FF_EXECUTOR_ERROR, FF_REASON_REFUSED);
}

static void
test_default_roots (void)
{
  g_autoptr (FfDockerPolicy) policy = ff_docker_policy_new (NULL, NULL);
  g_autoptr (GError) error = NULL;

  /* Without roots any folder is fine that does not hold the socket. */
  g_assert_true (ff_docker_policy_check_mount (policy, "/usr/share", NULL, &error));
  g_assert_no_error (error);
  g_assert_false (ff_docker_policy_check_mount (policy, "/var/run", NULL, &error));
  g_assert_error (error, FF_EXECUTOR_ERROR, FF_REASON_REFUSED);
  g_clear_error (&error);
  g_assert_false (ff_docker_policy_check_mount (policy, "/", NULL, &error));
  g_assert_error (error, FF_EXECUTOR_ERROR, FF_REASON_REFUSED);
  g_clear_error (&error);
  g_assert_false (ff_docker_policy_check_mount (policy, "/does/not/exist", NULL, &error));
  g_assert_error (error, FF_EXECUTOR_ERROR, FF_REASON_REFUSED);
  g_clear_error (&error);

  g_assert_true (ff_docker_policy_check_network (policy, "none", NULL));
  g_assert_true (ff_docker_policy_check_network (policy, "bridge", NULL));
  g_assert_true (ff_docker_policy_check_network (policy, NULL, NULL));
  g_assert_false (ff_docker_policy_check_network (policy, "host", &error));
  g_assert_error (error, FF_EXECUTOR_ERROR, FF_REASON_REFUSED);
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
  g_test_add ("/docker-policy/mount-paths", Fixture, NULL, fixture_set_up, test_mount_paths,
              fixture_tear_down);
  g_test_add_func ("/docker-policy/default-roots", test_default_roots);
  return g_test_run ();
}
