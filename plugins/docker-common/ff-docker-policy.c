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
 * is about to go out; that last look lets through only what fastflow
 * itself sets (an allow-list), so that a setting the engine learns later
 * is refused until someone decided it is harmless.
 *
 * The pipeline folder is resolved once, at launch, and the resolved path
 * is what is mounted. The engine resolves that path again when it starts
 * the container: whoever can rename entries of the pipelines folder
 * itself (not just write inside a pipeline folder) can still swap the
 * folder in the moment between the two. fastflow cannot close that from
 * outside the engine; keep the pipelines folder writable by the operator
 * only.
 */

struct _FfDockerPolicy
{
  GObject parent_instance;
  gchar *group;         /* "executor.NAME", for messages naming a setting */
  GStrv allowed_roots;  /* resolved; besides the pipelines folder */
  GStrv engine_sockets; /* resolved where they exist */
};

G_DEFINE_TYPE (FfDockerPolicy, ff_docker_policy, G_TYPE_OBJECT)

static void
ff_docker_policy_finalize (GObject *object)
{
  FfDockerPolicy *self = FF_DOCKER_POLICY (object);

  g_free (self->group);
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
  const gchar *arg[5] = { NULL };
  g_autofree gchar *message = NULL;
  va_list args;

  va_start (args, format);
  for (guint i = 0; i < G_N_ELEMENTS (arg) - 1 && (arg[i] = va_arg (args, const gchar *)); i++)
    ;
  va_end (args);
  message = ff_message_new (GETTEXT_PACKAGE, format, arg[0], arg[1], arg[2], arg[3], NULL);
  g_set_error_literal (error, FF_EXECUTOR_ERROR, FF_REASON_REFUSED, message);
}

/**
 * ff_docker_policy_new:
 * @group: the executor's settings group, e.g. "executor.docker-proxy"
 * @allowed_roots: (nullable): folders a pipeline folder may lie in besides
 *   the pipelines folder
 * @engine_sockets: (nullable): the engine's sockets; %NULL for the usual
 *   /var/run/docker.sock and /run/docker.sock
 */
FfDockerPolicy *
ff_docker_policy_new (const gchar *group,
                      const gchar *const *allowed_roots,
                      const gchar *const *engine_sockets)
{
  static const gchar *const default_sockets[] = { "/var/run/docker.sock", "/run/docker.sock",
                                                  NULL };
  FfDockerPolicy *self = g_object_new (FF_TYPE_DOCKER_POLICY, NULL);

  self->group = g_strdup (group);
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

/**
 * ff_docker_policy_is_engine_socket:
 * @path: a socket path, e.g. of a unix:// proxy URL
 *
 * Returns: %TRUE if @path is one of the engine's sockets, by name or by
 *   what it resolves to
 */
gboolean
ff_docker_policy_is_engine_socket (FfDockerPolicy *self, const gchar *path)
{
  g_autofree gchar *real = NULL;

  g_return_val_if_fail (FF_IS_DOCKER_POLICY (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  real = resolve (path);
  return g_strv_contains ((const gchar *const *) self->engine_sockets, path) ||
         g_strv_contains ((const gchar *const *) self->engine_sockets, real);
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

/* The engine's socket, or a folder that holds it, reaches the host. */
static gboolean
check_not_socket (FfDockerPolicy *self, const gchar *source, const gchar *real, GError **error)
{
  struct stat st;

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
  return TRUE;
}

/* @source resolved, or %NULL with @error set. */
static gchar *
resolve_source (const gchar *source, GError **error)
{
  gchar *real;

  if (!g_path_is_absolute (source))
    {
      refuse (error, N_ ("The mount source “%s” is refused: it must be an absolute path"), source,
              NULL);
      return NULL;
    }
  real = realpath (source, NULL);
  if (real == NULL)
    {
      int saved_errno = errno;
      refuse (error, N_ ("The mount source “%s” is refused: %s"), source, g_strerror (saved_errno),
              NULL);
    }
  return real;
}

/* TRUE if @real lies below the pipelines folder or in an allowed root. */
static gboolean
is_allowed (FfDockerPolicy *self, const gchar *real, const gchar *pipelines_dir)
{
  if (pipelines_dir != NULL)
    {
      g_autofree gchar *root = resolve (pipelines_dir);

      /* below it: the folder of all pipelines is no pipeline's */
      if (g_strcmp0 (real, root) != 0 && path_has_prefix (real, root))
        return TRUE;
    }
  for (guint i = 0; self->allowed_roots[i] != NULL; i++)
    {
      if (path_has_prefix (real, self->allowed_roots[i]))
        return TRUE;
    }
  return FALSE;
}

/**
 * ff_docker_policy_check_pipeline_dir:
 * @dir: the pipeline folder
 * @pipelines_dir: (nullable): the daemon's pipelines folder, which holds it
 * @resolved: (out) (optional): @dir with symlinks resolved, which is
 *   what must be mounted, so that the folder checked is the folder used
 *
 * A pipeline folder is mounted only if it resolves, now, to a folder below
 * the pipelines folder or in one of the allowed roots: a folder swapped for
 * a symlink since the scan is judged by where it leads.
 */
gboolean
ff_docker_policy_check_pipeline_dir (FfDockerPolicy *self,
                                     const gchar *dir,
                                     const gchar *pipelines_dir,
                                     gchar **resolved,
                                     GError **error)
{
  g_autofree gchar *real = NULL;
  struct stat st;

  g_return_val_if_fail (FF_IS_DOCKER_POLICY (self), FALSE);
  g_return_val_if_fail (dir != NULL, FALSE);

  real = resolve_source (dir, error);
  if (real == NULL || !check_not_socket (self, dir, real, error))
    return FALSE;
  if (lstat (real, &st) != 0 || !S_ISDIR (st.st_mode))
    {
      refuse (error, N_ ("The pipeline folder “%s” is refused: %s is not a folder"), dir, real,
              NULL);
      return FALSE;
    }
  if (!is_allowed (self, real, pipelines_dir) && self->allowed_roots[0] == NULL)
    {
      refuse (error,
              N_ ("The pipeline folder “%s” is refused: it leads to %s, outside the pipelines "
                  "folder; allowed_roots in [%s] names further folders a pipeline folder may "
                  "lead to"),
              dir, real, self->group, NULL);
      return FALSE;
    }
  if (!is_allowed (self, real, pipelines_dir))
    {
      g_autofree gchar *roots = g_strjoinv (", ", self->allowed_roots);

      refuse (error,
              N_ ("The pipeline folder “%s” is refused: it leads to %s, which is neither in "
                  "the pipelines folder nor in an allowed root (%s); allowed_roots in [%s] "
                  "names further folders"),
              dir, real, roots, self->group, NULL);
      return FALSE;
    }
  if (resolved != NULL)
    *resolved = g_steal_pointer (&real);
  return TRUE;
}

/**
 * ff_docker_policy_check_own_mount:
 * @source: a file or folder of fastflow's own, e.g. a run's route file
 * @resolved: (out) (optional): @source with symlinks resolved
 *
 * fastflow's own mounts come from its own folders and are not subject to
 * the allowed roots of pipeline folders, but must not reach the engine.
 */
gboolean
ff_docker_policy_check_own_mount (FfDockerPolicy *self,
                                  const gchar *source,
                                  gchar **resolved,
                                  GError **error)
{
  g_autofree gchar *real = NULL;

  g_return_val_if_fail (FF_IS_DOCKER_POLICY (self), FALSE);
  g_return_val_if_fail (source != NULL, FALSE);

  real = resolve_source (source, error);
  if (real == NULL || !check_not_socket (self, source, real, error))
    return FALSE;
  if (resolved != NULL)
    *resolved = g_steal_pointer (&real);
  return TRUE;
}

/**
 * ff_docker_policy_check_folder:
 * @folder: which of a run's folders @source is
 * @source: the host folder the request names
 * @writable: whether the request wants it writable
 * @resolved: (out) (optional): @source with symlinks resolved
 *
 * A run's folders are fastflow's own, like the route file; of them only
 * the dependency environment may be writable (for the run that builds
 * it): fastflow's tools and a wheels folder are shared by every run.
 */
gboolean
ff_docker_policy_check_folder (FfDockerPolicy *self,
                               FfRunFolder folder,
                               const gchar *source,
                               gboolean writable,
                               gchar **resolved,
                               GError **error)
{
  g_return_val_if_fail (FF_IS_DOCKER_POLICY (self), FALSE);
  g_return_val_if_fail (source != NULL, FALSE);

  if (writable && folder != FF_RUN_FOLDER_DEPENDENCY_ENV)
    {
      refuse (error,
              N_ ("The writable mount of “%s” is refused: of a run's folders only its "
                  "dependency environment may be writable"),
              source, NULL);
      return FALSE;
    }
  return ff_docker_policy_check_own_mount (self, source, resolved, error);
}

static void
refuse_setting (const gchar *member, JsonNode *node, GError **error)
{
  g_autofree gchar *text = node != NULL ? json_to_string (node, FALSE) : g_strdup ("");

  refuse (error,
          N_ ("The container setting %s=%s is refused: fastflow never sets it, and only "
              "what fastflow sets reaches the engine"),
          member, text, NULL);
}

static gboolean
holds_type (JsonNode *node, GType type)
{
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == type;
}

/* The checked mount with @source, or %NULL. */
static const FfDockerMount *
find_mount (const FfDockerMount *mounts, const gchar *source)
{
  for (guint i = 0; mounts != NULL && mounts[i].source != NULL; i++)
    {
      if (g_strcmp0 (mounts[i].source, source) == 0)
        return &mounts[i];
    }
  return NULL;
}

/* Only where the executor put it, and writable only if it may be: a
 * pipeline must never get write access to fastflow's tools, a wheels
 * folder or another pipeline's environment. An absent ReadOnly is the
 * engine's default, writable. */
static gboolean
check_mount_use (const FfDockerMount *allowed, JsonObject *mount, GError **error)
{
  const gchar *target = json_object_get_string_member_with_default (mount, "Target", "");
  gboolean read_only = json_object_get_boolean_member_with_default (mount, "ReadOnly", FALSE);

  if (g_strcmp0 (target, allowed->target) != 0)
    {
      refuse (error, N_ ("The mount of “%s” at %s is refused: fastflow mounts it only at %s"),
              allowed->source, target, allowed->target, NULL);
      return FALSE;
    }
  if (!read_only && !allowed->writable)
    {
      refuse (error,
              N_ ("The writable mount of “%s” at %s is refused: fastflow mounts it read-only"),
              allowed->source, target, NULL);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_mount (FfDockerPolicy *self, JsonNode *node, const FfDockerMount *mounts, GError **error)
{
  static const gchar *const keys[] = { "Type", "Source", "Target", "ReadOnly", NULL };
  JsonObject *mount = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
  g_autoptr (GList) members = mount != NULL ? json_object_get_members (mount) : NULL;
  const FfDockerMount *allowed;
  const gchar *source;
  g_autofree gchar *real = NULL;

  if (mount == NULL ||
      g_strcmp0 (json_object_get_string_member_with_default (mount, "Type", ""), "bind") != 0)
    {
      refuse_setting ("Mounts", node, error);
      return FALSE;
    }
  /* no BindOptions: propagation, recursive read-only, … stay the engine's */
  for (GList *l = members; l != NULL; l = l->next)
    {
      if (!g_strv_contains (keys, l->data) ||
          (g_str_equal (l->data, "ReadOnly") &&
           !holds_type (json_object_get_member (mount, l->data), G_TYPE_BOOLEAN)))
        {
          refuse_setting ("Mounts", node, error);
          return FALSE;
        }
    }
  source = json_object_get_string_member_with_default (mount, "Source", "");
  allowed = find_mount (mounts, source);
  if (allowed == NULL)
    {
      refuse (error,
              N_ ("The mount source “%s” is refused: fastflow mounts only the pipeline folder "
                  "and its own files"),
              source, NULL);
      return FALSE;
    }
  if (!check_mount_use (allowed, mount, error))
    return FALSE;
  real = resolve_source (source, error);
  return real != NULL && check_not_socket (self, source, real, error);
}

static gboolean
check_mounts (FfDockerPolicy *self,
              const gchar *member,
              JsonNode *node,
              const FfDockerMount *sources,
              GError **error)
{
  JsonArray *mounts = JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;

  if (mounts == NULL)
    {
      refuse_setting (member, node, error);
      return FALSE;
    }
  for (guint i = 0; i < json_array_get_length (mounts); i++)
    {
      if (!check_mount (self, json_array_get_element (mounts, i), sources, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
check_security_opt (JsonNode *node, GError **error)
{
  JsonArray *opts =
      node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
  gboolean no_new_privileges = FALSE;

  for (guint i = 0; opts != NULL && i < json_array_get_length (opts); i++)
    {
      JsonNode *element = json_array_get_element (opts, i);
      const gchar *opt = holds_type (element, G_TYPE_STRING) ? json_node_get_string (element) : "";

      if (g_strcmp0 (opt, "no-new-privileges") != 0 &&
          g_strcmp0 (opt, "no-new-privileges:true") != 0)
        {
          refuse (error,
                  N_ ("The container setting SecurityOpt=%s is refused: fastflow sets only "
                      "no-new-privileges there"),
                  opt, NULL);
          return FALSE;
        }
      no_new_privileges = TRUE;
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

/* CapDrop: names only, and ALL among them. */
static gboolean
check_cap_drop (JsonNode *node)
{
  JsonArray *caps = JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
  gboolean all = FALSE;

  for (guint i = 0; caps != NULL && i < json_array_get_length (caps); i++)
    {
      JsonNode *element = json_array_get_element (caps, i);

      if (!holds_type (element, G_TYPE_STRING))
        return FALSE;
      all = all || g_strcmp0 (json_node_get_string (element), "ALL") == 0;
    }
  return all;
}

/* Tmpfs: mount points in the container and their options, as strings. */
static gboolean
check_tmpfs (JsonNode *node)
{
  JsonObject *tmpfs = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
  g_autoptr (GList) members = tmpfs != NULL ? json_object_get_members (tmpfs) : NULL;

  if (tmpfs == NULL)
    return FALSE;
  for (GList *l = members; l != NULL; l = l->next)
    {
      if (!holds_type (json_object_get_member (tmpfs, l->data), G_TYPE_STRING))
        return FALSE;
    }
  return TRUE;
}

static gboolean
check_host_member (FfDockerPolicy *self,
                   const gchar *member,
                   JsonNode *node,
                   const FfDockerMount *sources,
                   GError **error)
{
  static const gchar *const limits[] = { "Memory", "MemorySwap", "NanoCpus", "PidsLimit", NULL };
  gboolean ok;

  if (g_strcmp0 (member, "Mounts") == 0)
    return check_mounts (self, member, node, sources, error);
  if (g_strcmp0 (member, "SecurityOpt") == 0)
    return check_security_opt (node, error);
  if (g_strcmp0 (member, "NetworkMode") == 0)
    {
      if (!holds_type (node, G_TYPE_STRING))
        {
          refuse_setting (member, node, error);
          return FALSE;
        }
      return ff_docker_policy_check_network (self, json_node_get_string (node), error);
    }
  if (g_strv_contains (limits, member))
    ok = holds_type (node, G_TYPE_INT64) && json_node_get_int (node) >= 0;
  else if (g_strcmp0 (member, "Privileged") == 0)
    ok = holds_type (node, G_TYPE_BOOLEAN) && !json_node_get_boolean (node);
  else if (g_strcmp0 (member, "ReadonlyRootfs") == 0)
    ok = holds_type (node, G_TYPE_BOOLEAN) && json_node_get_boolean (node);
  else if (g_strcmp0 (member, "Init") == 0)
    ok = holds_type (node, G_TYPE_BOOLEAN);
  else if (g_strcmp0 (member, "CapDrop") == 0)
    ok = check_cap_drop (node);
  else if (g_strcmp0 (member, "Tmpfs") == 0)
    ok = check_tmpfs (node);
  else
    ok = FALSE;
  if (!ok)
    refuse_setting (member, node, error);
  return ok;
}

static gboolean
check_host_config (FfDockerPolicy *self,
                   JsonObject *host_config,
                   const FfDockerMount *sources,
                   GError **error)
{
  static const gchar *const required[] = { "SecurityOpt", "CapDrop", "NetworkMode", NULL };
  g_autoptr (GList) members = json_object_get_members (host_config);

  for (GList *l = members; l != NULL; l = l->next)
    {
      if (!check_host_member (self, l->data, json_object_get_member (host_config, l->data), sources,
                              error))
        return FALSE;
    }
  /* an absent setting is the engine's default, which is not fastflow's */
  for (guint i = 0; required[i] != NULL; i++)
    {
      if (json_object_has_member (host_config, required[i]))
        continue;
      if (g_strcmp0 (required[i], "SecurityOpt") == 0)
        return check_security_opt (NULL, error);
      refuse (error,
              N_ ("The container lacks the setting %s that fastflow always sets; it is refused"),
              required[i], NULL);
      return FALSE;
    }
  return TRUE;
}

/**
 * ff_docker_policy_check_create_body:
 * @body: the body of POST /containers/create
 * @mounts: (nullable) (array zero-terminated=1): the bind mounts the
 *   executor checked (the resolved pipeline folder, fastflow's own files
 *   and folders), ended by one whose source is %NULL; no other mount
 *   passes, and each only at its target and writable only if it may be
 *
 * The last look at a container before the engine sees it: every member
 * must be one fastflow sets, with a value fastflow would set.
 */
gboolean
ff_docker_policy_check_create_body (FfDockerPolicy *self,
                                    JsonObject *body,
                                    const FfDockerMount *mounts,
                                    GError **error)
{
  static const gchar *const allowed[] = { "Image",     "Entrypoint", "Cmd",  "Env",
                                          "Labels",    "WorkingDir", "User", "Tty",
                                          "OpenStdin", "HostConfig", NULL };
  g_autoptr (GList) members = NULL;
  JsonNode *host_config;

  g_return_val_if_fail (FF_IS_DOCKER_POLICY (self), FALSE);
  g_return_val_if_fail (body != NULL, FALSE);

  members = json_object_get_members (body);
  for (GList *l = members; l != NULL; l = l->next)
    {
      if (!g_strv_contains (allowed, l->data))
        {
          refuse_setting (l->data, json_object_get_member (body, l->data), error);
          return FALSE;
        }
    }
  host_config = json_object_get_member (body, "HostConfig");
  if (host_config == NULL || !JSON_NODE_HOLDS_OBJECT (host_config))
    {
      refuse (error,
              N_ ("The container has no HostConfig, so none of fastflow's limits "
                  "would apply; it is refused"),
              NULL);
      return FALSE;
    }
  return check_host_config (self, json_node_get_object (host_config), mounts, error);
}
