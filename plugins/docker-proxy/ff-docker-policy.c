/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <glib/gi18n-lib.h>

#include "ff-docker-policy.h"

/*
 * What a container may ask for. The socket proxy only sees paths and verbs,
 * never the body of POST /containers/create, so it cannot stop a
 * privileged container, the host network or a bind mount of the Docker
 * socket: a container with any of those owns the host. These checks run
 * before any request is sent, on the request and again on the body that
 * is about to go out.
 */

struct _FfDockerPolicy
{
  GObject parent_instance;
  GStrv allowed_roots;  /* resolved; empty: any folder that is not dangerous */
  GStrv engine_sockets; /* resolved where they exist */
};

G_DEFINE_TYPE (FfDockerPolicy, ff_docker_policy, G_TYPE_OBJECT)

static void
ff_docker_policy_finalize (GObject *object)
{
  FfDockerPolicy *self = FF_DOCKER_POLICY (object);

  g_strfreev (self->allowed_roots);
  g_strfreev (self->engine_sockets);
  G_OBJECT_CLASS (ff_docker_policy_parent_class)->finalize (object);
}

static void
ff_docker_policy_class_init (FfDockerPolicyClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ff_docker_policy_finalize;
}

static void
ff_docker_policy_init (FfDockerPolicy *self)
{
}

/* The path with symlinks resolved, or a canonical copy if it is missing. */
static gchar *
resolve (const gchar *path)
{
  g_autofree gchar *real = realpath (path, NULL);

  if (real != NULL)
    return g_steal_pointer (&real);
  return g_canonicalize_filename (path, "/");
}

static GStrv
resolve_all (const gchar *const *paths)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; paths != NULL && paths[i] != NULL; i++)
    {
      g_autofree gchar *path = NULL;

      if (paths[i][0] == '\0')
        continue;
      path = resolve (paths[i]);
      g_strv_builder_add (builder, path);
    }
  return g_strv_builder_end (builder);
}

/* A refusal: kept untranslated, so that a run's history shows it in its
 * reader's words. @format takes strings only. */
static void refuse (GError **error, const gchar *format, ...) G_GNUC_NULL_TERMINATED;

static void
refuse (GError **error, const gchar *format, ...)
{
  const gchar *arg[4] = { NULL };
  g_autofree gchar *message = NULL;
  va_list args;

  va_start (args, format);
  for (guint i = 0; i < G_N_ELEMENTS (arg) - 1 && (arg[i] = va_arg (args, const gchar *)); i++)
    ;
  va_end (args);
  message = ff_message_new (GETTEXT_PACKAGE, format, arg[0], arg[1], arg[2], NULL);
  g_set_error_literal (error, FF_EXECUTOR_ERROR, FF_REASON_REFUSED, message);
}

/**
 * ff_docker_policy_new:
 * @allowed_roots: (nullable): folders a pipeline folder must lie in;
 *   %NULL or empty allows any folder that does not expose the engine
 * @engine_sockets: (nullable): the engine's sockets; %NULL for the usual
 *   /var/run/docker.sock and /run/docker.sock
 */
FfDockerPolicy *
ff_docker_policy_new (const gchar *const *allowed_roots, const gchar *const *engine_sockets)
{
  static const gchar *const default_sockets[] = { "/var/run/docker.sock", "/run/docker.sock",
                                                  NULL };
  FfDockerPolicy *self = g_object_new (FF_TYPE_DOCKER_POLICY, NULL);

  self->allowed_roots = resolve_all (allowed_roots);
  self->engine_sockets = resolve_all (engine_sockets != NULL ? engine_sockets : default_sockets);
  return self;
}

/* TRUE if @path is @dir or lies inside it. */
static gboolean
path_has_prefix (const gchar *path, const gchar *dir)
{
  gsize len = strlen (dir);

  if (g_strcmp0 (dir, "/") == 0)
    return TRUE;
  return strncmp (path, dir, len) == 0 && (path[len] == '\0' || path[len] == '/');
}

gboolean
ff_docker_policy_check_network (FfDockerPolicy *self, const gchar *network, GError **error)
{
  g_return_val_if_fail (FF_IS_DOCKER_POLICY (self), FALSE);

  if (network == NULL || g_strcmp0 (network, "none") == 0 || g_strcmp0 (network, "bridge") == 0)
    return TRUE;
  refuse (error,
          N_ ("The network “%s” is refused: a pipeline container may only use the network "
              "“none” or “bridge”"),
          network, NULL);
  return FALSE;
}

/**
 * ff_docker_policy_check_mount:
 * @source: a host folder to bind-mount into the container
 * @resolved: (out) (optional): @source with symlinks resolved, which is
 *   what should be mounted, so that the folder checked is the folder used
 */
gboolean
ff_docker_policy_check_mount (FfDockerPolicy *self,
                              const gchar *source,
                              gchar **resolved,
                              GError **error)
{
  g_autofree gchar *real = NULL;
  struct stat st;

  g_return_val_if_fail (FF_IS_DOCKER_POLICY (self), FALSE);
  g_return_val_if_fail (source != NULL, FALSE);

  if (!g_path_is_absolute (source))
    {
      refuse (error, N_ ("The mount source “%s” is refused: it must be an absolute path"), source,
              NULL);
      return FALSE;
    }
  real = realpath (source, NULL);
  if (real == NULL)
    {
      int saved_errno = errno;
      refuse (error, N_ ("The mount source “%s” is refused: %s"), source, g_strerror (saved_errno),
              NULL);
      return FALSE;
    }
  if (stat (real, &st) == 0 && S_ISSOCK (st.st_mode))
    {
      refuse (error,
              N_ ("The mount source “%s” is refused: it is a socket, and a container with "
                  "the Docker socket controls the host"),
              source, NULL);
      return FALSE;
    }
  for (guint i = 0; self->engine_sockets[i] != NULL; i++)
    {
      if (path_has_prefix (self->engine_sockets[i], real))
        {
          refuse (error,
                  N_ ("The mount source “%s” is refused: it contains the Docker socket %s, "
                      "and a container with that socket controls the host"),
                  source, self->engine_sockets[i], NULL);
          return FALSE;
        }
    }
  if (self->allowed_roots[0] != NULL)
    {
      gboolean inside = FALSE;

      for (guint i = 0; self->allowed_roots[i] != NULL && !inside; i++)
        inside = path_has_prefix (real, self->allowed_roots[i]);
      if (!inside)
        {
          g_autofree gchar *roots = g_strjoinv (", ", self->allowed_roots);
          refuse (error,
                  N_ ("The mount source “%s” is refused: it is outside the allowed roots "
                      "(%s); allowed_roots in [executor.docker-proxy] lists them"),
                  source, roots, NULL);
          return FALSE;
        }
    }
  if (resolved != NULL)
    *resolved = g_steal_pointer (&real);
  return TRUE;
}

static gboolean
check_not_host (JsonObject *host_config, const gchar *member, GError **error)
{
  const gchar *mode = json_object_get_string_member_with_default (host_config, member, "");

  if (g_strcmp0 (mode, "host") != 0 && !g_str_has_prefix (mode, "container:"))
    return TRUE;
  refuse (error,
          N_ ("The container setting %s=%s is refused: it would share the host's or another "
              "container's namespace"),
          member, mode, NULL);
  return FALSE;
}

static gboolean
check_empty_array (JsonObject *host_config, const gchar *member, GError **error)
{
  JsonNode *node = json_object_get_member (host_config, member);
  g_autofree gchar *text = NULL;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (JSON_NODE_HOLDS_ARRAY (node) && json_array_get_length (json_node_get_array (node)) == 0)
    return TRUE;
  text = json_to_string (node, FALSE);
  refuse (error,
          N_ ("The container setting %s=%s is refused: fastflow gives pipeline containers "
              "no extra capabilities or devices"),
          member, text, NULL);
  return FALSE;
}

static gboolean
check_mounts (FfDockerPolicy *self, JsonObject *host_config, GError **error)
{
  JsonArray *mounts;
  JsonNode *binds = json_object_get_member (host_config, "Binds");

  /* Binds would create a missing source folder as root; only Mounts. */
  if (binds != NULL && !JSON_NODE_HOLDS_NULL (binds))
    {
      refuse (error,
              N_ ("The container setting Binds is refused: fastflow mounts folders "
                  "only through Mounts, whose sources it checks"),
              NULL);
      return FALSE;
    }
  if (!json_object_has_member (host_config, "Mounts"))
    return TRUE;
  mounts = json_object_get_array_member (host_config, "Mounts");
  for (guint i = 0; mounts != NULL && i < json_array_get_length (mounts); i++)
    {
      JsonObject *mount = json_array_get_object_element (mounts, i);
      const gchar *type = json_object_get_string_member_with_default (mount, "Type", "");

      if (g_strcmp0 (type, "tmpfs") == 0)
        continue;
      if (g_strcmp0 (type, "bind") != 0)
        {
          refuse (error,
                  N_ ("The container mount of type “%s” is refused: only bind and tmpfs "
                      "mounts are allowed"),
                  type, NULL);
          return FALSE;
        }
      if (!ff_docker_policy_check_mount (
              self, json_object_get_string_member_with_default (mount, "Source", ""), NULL, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
check_security_opt (JsonObject *host_config, GError **error)
{
  JsonArray *opts = NULL;
  gboolean no_new_privileges = FALSE;

  if (json_object_has_member (host_config, "SecurityOpt"))
    opts = json_object_get_array_member (host_config, "SecurityOpt");
  for (guint i = 0; opts != NULL && i < json_array_get_length (opts); i++)
    {
      const gchar *opt = json_array_get_string_element (opts, i);

      if (g_strcmp0 (opt, "no-new-privileges") == 0 ||
          g_strcmp0 (opt, "no-new-privileges:true") == 0)
        no_new_privileges = TRUE;
      else if (opt != NULL && g_str_has_suffix (opt, "unconfined"))
        {
          refuse (error,
                  N_ ("The container setting SecurityOpt=%s is refused: it turns off a "
                      "protection of the host"),
                  opt, NULL);
          return FALSE;
        }
    }
  if (!no_new_privileges)
    {
      refuse (error,
              N_ ("The container lacks SecurityOpt no-new-privileges; fastflow "
                  "starts no container without it"),
              NULL);
      return FALSE;
    }
  return TRUE;
}

/**
 * ff_docker_policy_check_create_body:
 * @body: the body of POST /containers/create
 *
 * The last look at a container before the engine sees it.
 */
gboolean
ff_docker_policy_check_create_body (FfDockerPolicy *self, JsonObject *body, GError **error)
{
  JsonObject *host_config;
  const gchar *network;

  g_return_val_if_fail (FF_IS_DOCKER_POLICY (self), FALSE);
  g_return_val_if_fail (body != NULL, FALSE);

  if (!json_object_has_member (body, "HostConfig"))
    {
      refuse (error,
              N_ ("The container has no HostConfig, so none of fastflow's limits "
                  "would apply; it is refused"),
              NULL);
      return FALSE;
    }
  host_config = json_object_get_object_member (body, "HostConfig");
  if (json_object_get_boolean_member_with_default (host_config, "Privileged", FALSE))
    {
      refuse (error,
              N_ ("The container setting Privileged=true is refused: a privileged "
                  "container controls the host"),
              NULL);
      return FALSE;
    }
  network = json_object_get_string_member_with_default (host_config, "NetworkMode", "none");
  if (!ff_docker_policy_check_network (self, network, error))
    return FALSE;
  if (!check_not_host (host_config, "PidMode", error) ||
      !check_not_host (host_config, "IpcMode", error) ||
      !check_not_host (host_config, "UTSMode", error) ||
      !check_not_host (host_config, "UsernsMode", error) ||
      !check_not_host (host_config, "CgroupnsMode", error))
    return FALSE;
  if (!check_empty_array (host_config, "CapAdd", error) ||
      !check_empty_array (host_config, "Devices", error) ||
      !check_empty_array (host_config, "DeviceRequests", error) ||
      !check_empty_array (host_config, "VolumesFrom", error))
    return FALSE;
  if (!check_mounts (self, host_config, error))
    return FALSE;
  return check_security_opt (host_config, error);
}
