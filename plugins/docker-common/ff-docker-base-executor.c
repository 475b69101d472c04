/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "ff-docker-base-executor.h"

/*
 * The FfExecutor of every executor that reaches a Docker engine through a
 * socket proxy. Settings come from [executor.NAME]; DOCKER_PROXY_URL in
 * the environment is the proxy's address until the group names one.
 */

#define DEFAULT_URL "http://docker-proxy:2375"
#define DEFAULT_IMAGE "python:3.12-slim"
/* Fast-Flow's images: the official Python image of the version. */
#define DEFAULT_PYTHON_IMAGE "python:{version}-slim"
/* Fast-Flow runs containers on Docker's default network; `network = none`
 * hardens that. */
#define DEFAULT_NETWORK "bridge"
#define DEFAULT_MAX_CONNECTIONS 64
/* The engine refuses a smaller memory limit, with its own words. */
#define MIN_DOCKER_MEMORY (G_GUINT64_CONSTANT (6) * 1024 * 1024)

typedef struct
{
  gchar *group;
  gchar *url;
  gchar *image;
  gchar *python_image; /* a template with {version} */
  gboolean app_writable;
  gchar *network;
  gchar *user;
  guint max_connections;
  GStrv allowed_roots;
  GStrv engine_sockets;

  FfDockerClient *client;
  FfDockerPolicy *policy;
  gboolean healthy; /* the last health check or request got through */
} FfDockerBaseExecutorPrivate;

static void ff_docker_base_executor_iface_init (FfExecutorInterface *iface);

G_DEFINE_ABSTRACT_TYPE_WITH_CODE (FfDockerBaseExecutor,
                                  ff_docker_base_executor,
                                  G_TYPE_OBJECT,
                                  G_ADD_PRIVATE (FfDockerBaseExecutor)
                                      G_IMPLEMENT_INTERFACE (FF_TYPE_EXECUTOR,
                                                             ff_docker_base_executor_iface_init))

#define GET_PRIVATE(o)                                                                             \
  ((FfDockerBaseExecutorPrivate *) ff_docker_base_executor_get_instance_private (o))

static void
ff_docker_base_executor_finalize (GObject *object)
{
  FfDockerBaseExecutor *self = FF_DOCKER_BASE_EXECUTOR (object);
  FfDockerBaseExecutorPrivate *priv = GET_PRIVATE (self);

  g_free (priv->group);
  g_free (priv->url);
  g_free (priv->image);
  g_free (priv->python_image);
  g_free (priv->network);
  g_free (priv->user);
  g_strfreev (priv->allowed_roots);
  g_strfreev (priv->engine_sockets);
  g_clear_object (&priv->client);
  g_clear_object (&priv->policy);
  G_OBJECT_CLASS (ff_docker_base_executor_parent_class)->finalize (object);
}

/* Not in _init: the subclass's class, which names the group, is not set
 * up on the instance until then. */
static void
ff_docker_base_executor_constructed (GObject *object)
{
  FfDockerBaseExecutor *self = FF_DOCKER_BASE_EXECUTOR (object);

  GET_PRIVATE (self)->group =
      g_strdup_printf ("executor.%s", FF_DOCKER_BASE_EXECUTOR_GET_CLASS (self)->name);
  G_OBJECT_CLASS (ff_docker_base_executor_parent_class)->constructed (object);
}

static void
ff_docker_base_executor_class_init (FfDockerBaseExecutorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = ff_docker_base_executor_constructed;
  object_class->finalize = ff_docker_base_executor_finalize;
}

static void
ff_docker_base_executor_init (FfDockerBaseExecutor *self)
{
  FfDockerBaseExecutorPrivate *priv = GET_PRIVATE (self);
  const gchar *url = g_getenv ("DOCKER_PROXY_URL");

  priv->url = g_strdup (url != NULL && *url != '\0' ? url : DEFAULT_URL);
  priv->image = g_strdup (DEFAULT_IMAGE);
  priv->python_image = g_strdup (DEFAULT_PYTHON_IMAGE);
  priv->app_writable = TRUE;
  priv->network = g_strdup (DEFAULT_NETWORK);
  priv->max_connections = DEFAULT_MAX_CONNECTIONS;
}

const gchar *
ff_docker_base_executor_get_url (FfDockerBaseExecutor *self)
{
  g_return_val_if_fail (FF_IS_DOCKER_BASE_EXECUTOR (self), NULL);
  return GET_PRIVATE (self)->url;
}

void
ff_docker_base_executor_set_url (FfDockerBaseExecutor *self, const gchar *url)
{
  FfDockerBaseExecutorPrivate *priv = GET_PRIVATE (self);

  g_free (priv->url);
  priv->url = g_strdup (url);
}

/* "executor.NAME", for messages about settings */
const gchar *
ff_docker_base_executor_get_group (FfDockerBaseExecutor *self)
{
  return GET_PRIVATE (self)->group;
}

const gchar *
ff_docker_base_executor_get_user (FfDockerBaseExecutor *self)
{
  return GET_PRIVATE (self)->user;
}

/* Whether the pipeline folder is mounted writable (`app_mount`). */
gboolean
ff_docker_base_executor_get_app_writable (FfDockerBaseExecutor *self)
{
  return GET_PRIVATE (self)->app_writable;
}

void
ff_docker_base_executor_set_max_connections (FfDockerBaseExecutor *self, guint max_connections)
{
  GET_PRIVATE (self)->max_connections = max_connections;
}

/* Valid after ff_docker_base_executor_ensure_client(). */
FfDockerClient *
ff_docker_base_executor_get_client (FfDockerBaseExecutor *self)
{
  return GET_PRIVATE (self)->client;
}

FfDockerPolicy *
ff_docker_base_executor_get_policy (FfDockerBaseExecutor *self)
{
  return GET_PRIVATE (self)->policy;
}

void
ff_docker_base_executor_set_healthy (FfDockerBaseExecutor *self, gboolean healthy)
{
  GET_PRIVATE (self)->healthy = healthy;
}

/* An unreachable proxy makes the next launch ask again first. */
void
ff_docker_base_executor_note_error (FfDockerBaseExecutor *self, const GError *error)
{
  if (g_error_matches (error, FF_EXECUTOR_ERROR, FF_REASON_PROXY_UNREACHABLE))
    GET_PRIVATE (self)->healthy = FALSE;
}

/* Talking to the engine's own socket skips every rule of the proxy: the
 * executor stays unavailable, with the reason, until the URL is fixed. */
static gboolean
check_not_engine (FfDockerBaseExecutor *self, FfDockerClient *client, GError **error)
{
  FfDockerBaseExecutorPrivate *priv = GET_PRIVATE (self);
  const gchar *path = ff_docker_client_get_socket_path (client);

  if (path == NULL || !ff_docker_policy_is_engine_socket (priv->policy, path))
    return TRUE;
  g_set_error (error, FF_EXECUTOR_ERROR, FF_REASON_PROXY_FORBIDDEN,
               _ ("The Docker proxy URL %s is the Docker engine's own socket, which would "
                  "bypass every rule of a socket proxy; fastflow does not use it. Point "
                  "proxy_url in [%s] (or DOCKER_PROXY_URL) at the socket proxy, or remove the "
                  "socket from engine_sockets if it is not the engine's"),
               priv->url, priv->group);
  return FALSE;
}

/* The client is made on first use, so that a daemon whose proxy URL is
 * broken still starts, and reports it where it is used. */
gboolean
ff_docker_base_executor_ensure_client (FfDockerBaseExecutor *self, GError **error)
{
  FfDockerBaseExecutorPrivate *priv = GET_PRIVATE (self);
  g_autoptr (FfDockerClient) client = NULL;

  if (priv->policy == NULL)
    priv->policy = ff_docker_policy_new (priv->group, (const gchar *const *) priv->allowed_roots,
                                         (const gchar *const *) priv->engine_sockets);
  if (priv->client != NULL)
    return TRUE;
  client = ff_docker_client_new (priv->url, priv->max_connections, error);
  if (client == NULL || !check_not_engine (self, client, error))
    return FALSE;
  priv->client = g_steal_pointer (&client);
  return TRUE;
}

static void
read_list (FfDockerBaseExecutor *self, GKeyFile *config, const gchar *key, GStrv *field)
{
  if (!g_key_file_has_key (config, GET_PRIVATE (self)->group, key, NULL))
    return;
  g_strfreev (*field);
  *field = g_key_file_get_string_list (config, GET_PRIVATE (self)->group, key, NULL, NULL);
}

/* An empty value unsets the setting. */
void
ff_docker_base_executor_read_string (FfDockerBaseExecutor *self,
                                     GKeyFile *config,
                                     const gchar *key,
                                     gchar **field)
{
  g_autofree gchar *value = g_key_file_get_string (config, GET_PRIVATE (self)->group, key, NULL);

  if (value == NULL)
    return;
  g_strstrip (value);
  g_free (*field);
  *field = *value != '\0' ? g_steal_pointer (&value) : NULL;
}

/* app_mount: "rw" (Fast-Flow's, the default) or "ro". */
static gboolean
read_app_mount (FfDockerBaseExecutor *self, GKeyFile *config, GError **error)
{
  FfDockerBaseExecutorPrivate *priv = GET_PRIVATE (self);
  g_autofree gchar *value = g_key_file_get_string (config, priv->group, "app_mount", NULL);

  if (value == NULL)
    return TRUE;
  g_strstrip (value);
  if (g_strcmp0 (value, "rw") == 0 || g_strcmp0 (value, "ro") == 0)
    {
      priv->app_writable = g_str_equal (value, "rw");
      return TRUE;
    }
  g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
               _ ("The setting app_mount in [%s] is “%s”, but “rw” (the pipeline folder is "
                  "writable, as in Fast-Flow) or “ro” (read-only) was expected"),
               priv->group, value);
  return FALSE;
}

static const gchar *
get_name (FfExecutor *executor)
{
  return FF_DOCKER_BASE_EXECUTOR_GET_CLASS (executor)->name;
}

static gboolean
configure (FfExecutor *executor, GKeyFile *config, GError **error)
{
  FfDockerBaseExecutor *self = FF_DOCKER_BASE_EXECUTOR (executor);
  FfDockerBaseExecutorPrivate *priv = GET_PRIVATE (self);
  g_autoptr (GError) error_local = NULL;

  ff_docker_base_executor_read_string (self, config, "proxy_url", &priv->url);
  if (priv->url == NULL)
    priv->url = g_strdup (DEFAULT_URL);
  ff_docker_base_executor_read_string (self, config, "image", &priv->image);
  ff_docker_base_executor_read_string (self, config, "python_image", &priv->python_image);
  ff_docker_base_executor_read_string (self, config, "network", &priv->network);
  if (!read_app_mount (self, config, error))
    return FALSE;
  ff_docker_base_executor_read_string (self, config, "user", &priv->user);
  read_list (self, config, "allowed_roots", &priv->allowed_roots);
  read_list (self, config, "engine_sockets", &priv->engine_sockets);
  if (!FF_DOCKER_BASE_EXECUTOR_GET_CLASS (self)->configure (self, config, error))
    return FALSE;

  g_clear_object (&priv->client);
  g_clear_object (&priv->policy);
  priv->healthy = FALSE;
  /* The proxy being the engine's socket is not a setting that cannot be
   * read: the executor is kept, and unavailable with the reason. */
  if (!ff_docker_base_executor_ensure_client (self, &error_local) &&
      !g_error_matches (error_local, FF_EXECUTOR_ERROR, FF_REASON_PROXY_FORBIDDEN))
    {
      g_propagate_error (error, g_steal_pointer (&error_local));
      return FALSE;
    }
  /* The default network must pass the same rule as a pipeline's. */
  return priv->network == NULL ||
         ff_docker_policy_check_network (priv->policy, priv->network, error);
}

/* ---- health and diagnosis ---- */

static void
on_health_probed (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  FfDockerBaseExecutor *self = g_task_get_source_object (task);
  FfDockerBaseExecutorPrivate *priv = GET_PRIVATE (self);
  g_autoptr (GError) error = NULL;

  priv->healthy = FF_DOCKER_BASE_EXECUTOR_GET_CLASS (self)->probe_health_finish (self, res, &error);
  if (!priv->healthy)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_boolean (task, TRUE);
}

static void
check_health_async (FfExecutor *executor,
                    GCancellable *cancellable,
                    GAsyncReadyCallback callback,
                    gpointer user_data)
{
  FfDockerBaseExecutor *self = FF_DOCKER_BASE_EXECUTOR (executor);
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr (GError) error = NULL;

  g_task_set_source_tag (task, check_health_async);
  if (!ff_docker_base_executor_ensure_client (self, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  FF_DOCKER_BASE_EXECUTOR_GET_CLASS (self)->probe_health_async (self, cancellable, on_health_probed,
                                                                g_steal_pointer (&task));
}

static gboolean
check_health_finish (FfExecutor *executor, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* A container on a bridge network reaches the host's other addresses, but
 * not its loopback (the container has its own) nor a Unix socket. */
static gboolean
url_is_local (const gchar *url)
{
  g_autoptr (GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  const gchar *host = uri != NULL ? g_uri_get_host (uri) : NULL;
  g_autoptr (GInetAddress) address = NULL;

  if (uri == NULL)
    return FALSE;
  if (g_strcmp0 (g_uri_get_scheme (uri), "unix") == 0)
    return TRUE;
  if (host == NULL)
    return FALSE;
  if (g_ascii_strcasecmp (host, "localhost") == 0)
    return TRUE;
  address = g_inet_address_new_from_string (host);
  return address != NULL && g_inet_address_get_is_loopback (address);
}

/* The proxy starts containers for whoever reaches it: a run that can is
 * no longer contained. */
static FfExecutorCheck *
check_proxy_reach (FfDockerBaseExecutor *self)
{
  FfDockerBaseExecutorPrivate *priv = GET_PRIVATE (self);
  g_autofree gchar *message = NULL;

  if (url_is_local (priv->url))
    return NULL;
  if (g_strcmp0 (priv->network, "bridge") == 0)
    message = g_strdup_printf (
        _ ("Runs join the network “bridge” (network in [%s]), from which they could reach "
           "the Docker proxy at %s and have it start containers of their own; set network = "
           "none in [%s], or let the proxy listen on a Unix socket or a loopback address"),
        priv->group, priv->url, priv->group);
  else
    message = g_strdup_printf (
        _ ("Pipelines that ask for the network “bridge” could reach the Docker proxy at %s and "
           "have it start containers of their own; let the proxy listen on a Unix socket or "
           "a loopback address"),
        priv->url);
  return ff_executor_check_new ("network", FF_CHECK_LEVEL_WARNING, message);
}

static void
on_diagnosed (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  FfDockerBaseExecutor *self = g_task_get_source_object (task);
  g_autoptr (GError) error = NULL;
  GPtrArray *checks = FF_DOCKER_BASE_EXECUTOR_GET_CLASS (self)->diagnose_finish (self, res, &error);
  FfExecutorCheck *reach;

  if (checks == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  reach = check_proxy_reach (self);
  if (reach != NULL)
    g_ptr_array_add (checks, reach);
  g_task_return_pointer (task, checks, (GDestroyNotify) g_ptr_array_unref);
}

static void
diagnose_async (FfExecutor *executor,
                GCancellable *cancellable,
                GAsyncReadyCallback callback,
                gpointer user_data)
{
  FfDockerBaseExecutor *self = FF_DOCKER_BASE_EXECUTOR (executor);
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr (GError) error = NULL;

  if (!ff_docker_base_executor_ensure_client (self, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  FF_DOCKER_BASE_EXECUTOR_GET_CLASS (self)->diagnose_async (self, cancellable, on_diagnosed,
                                                            g_steal_pointer (&task));
}

static GPtrArray *
diagnose_finish (FfExecutor *executor, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- launch ---- */

/* Everything about @request that the proxy cannot judge and that does
 * not depend on the executor. Returns: the network the run joins, or
 * %NULL with @error set. */
const gchar *
ff_docker_base_executor_check_request (FfDockerBaseExecutor *self,
                                       FfRunRequest *request,
                                       GError **error)
{
  FfDockerBaseExecutorPrivate *priv = GET_PRIVATE (self);
  const gchar *const *command = ff_run_request_get_command (request);
  const gchar *network = ff_run_request_get_network (request);
  guint64 memory = ff_run_request_get_memory_limit (request);

  if (!ff_docker_base_executor_ensure_client (self, error))
    return NULL;
  if (command == NULL || command[0] == NULL)
    {
      g_set_error (error, FF_EXECUTOR_ERROR, FF_REASON_SPAWN_FAILED,
                   _ ("The run of pipeline %s has no command to start"),
                   ff_run_request_get_pipeline (request));
      return NULL;
    }
  if (memory > 0 && memory < MIN_DOCKER_MEMORY)
    {
      g_autofree gchar *size = g_format_size_full (memory, G_FORMAT_SIZE_IEC_UNITS);
      g_set_error (error, FF_EXECUTOR_ERROR, FF_REASON_REFUSED,
                   _ ("Pipeline %s asks for a memory limit of %s, below 6 MiB, which Docker "
                      "refuses; raise “mem_hard_limit” in its pipeline.json"),
                   ff_run_request_get_pipeline (request), size);
      return NULL;
    }
  if (network == NULL)
    network = priv->network != NULL ? priv->network : DEFAULT_NETWORK;
  if (!ff_docker_policy_check_network (priv->policy, network, error))
    return NULL;
  return network;
}

/* The pipeline folder as it is now, resolved, if it may be used: below the
 * pipelines folder or in an allowed root. Returns: the resolved folder, or
 * %NULL with @error set. */
gchar *
ff_docker_base_executor_check_pipeline_dir (FfDockerBaseExecutor *self,
                                            FfRunRequest *request,
                                            GError **error)
{
  gchar *resolved = NULL;

  if (!ff_docker_policy_check_pipeline_dir (
          GET_PRIVATE (self)->policy, ff_run_request_get_pipeline_dir (request),
          ff_run_request_get_pipelines_dir (request), &resolved, error))
    return NULL;
  return resolved;
}

/* A python_version as the pipeline may name it: digits and dots, so that
 * it cannot reach into another part of an image reference. */
static gboolean
is_version (const gchar *version)
{
  if (!g_ascii_isdigit (version[0]))
    return FALSE;
  for (const gchar *p = version; *p != '\0'; p++)
    {
      if (!g_ascii_isdigit (*p) && !(*p == '.' && g_ascii_isdigit (p[1])))
        return FALSE;
    }
  return TRUE;
}

/* python_image with @version in place of each {version}. */
static gchar *
dup_python_image (FfDockerBaseExecutor *self, FfRunRequest *request, GError **error)
{
  FfDockerBaseExecutorPrivate *priv = GET_PRIVATE (self);
  const gchar *version = ff_run_request_get_python_version (request);
  g_autoptr (GString) image = NULL;

  if (!is_version (version))
    {
      g_set_error (error, FF_EXECUTOR_ERROR, FF_REASON_IMAGE_NOT_FOUND,
                   _ ("Pipeline %s asks for Python “%s”, which is not a version such as 3.12"),
                   ff_run_request_get_pipeline (request), version);
      return NULL;
    }
  if (priv->python_image == NULL || strstr (priv->python_image, "{version}") == NULL)
    {
      g_set_error (error, FF_EXECUTOR_ERROR, FF_REASON_IMAGE_NOT_FOUND,
                   _ ("Pipeline %s asks for Python %s, but python_image in [%s] has no "
                      "“{version}” to choose an image by; set it to e.g. "
                      "“python:{version}-slim”, or give the pipeline an image"),
                   ff_run_request_get_pipeline (request), version, priv->group);
      return NULL;
    }
  image = g_string_new (priv->python_image);
  g_string_replace (image, "{version}", version, 0);
  return g_string_free (g_steal_pointer (&image), FALSE);
}

/* Whether @request's image is the one python_image names for its
 * python_version, rather than its own or the executor's default. */
gboolean
ff_docker_base_executor_image_is_for_version (FfDockerBaseExecutor *self, FfRunRequest *request)
{
  return ff_run_request_get_image (request) == NULL &&
         ff_run_request_get_python_version (request) != NULL;
}

/* The pipeline's image; else, for a python_version, python_image's image
 * of that version (never another version's); else the executor's
 * default. */
gchar *
ff_docker_base_executor_dup_image (FfDockerBaseExecutor *self,
                                   FfRunRequest *request,
                                   GError **error)
{
  FfDockerBaseExecutorPrivate *priv = GET_PRIVATE (self);
  const gchar *image = ff_run_request_get_image (request);

  if (ff_docker_base_executor_image_is_for_version (self, request))
    return dup_python_image (self, request, error);
  if (image == NULL)
    image = priv->image;
  if (image == NULL)
    {
      g_set_error (error, FF_EXECUTOR_ERROR, FF_REASON_IMAGE_NOT_FOUND,
                   _ ("The pipeline %s names no image and [%s] sets no default image"),
                   ff_run_request_get_pipeline (request), priv->group);
      return NULL;
    }
  return g_strdup (image);
}

/**
 * ff_docker_base_executor_get_folder_target:
 *
 * Where every container sees a run's folder: fixed paths, so that a
 * dependency environment built in one container works in another (a venv
 * holds its own path).
 */
const gchar *
ff_docker_base_executor_get_folder_target (FfRunFolder folder)
{
  switch (folder)
    {
    case FF_RUN_FOLDER_DEPENDENCY_ENV:
      return "/opt/fastflow/env";
    case FF_RUN_FOLDER_TOOLS:
      return "/opt/fastflow/tools";
    case FF_RUN_FOLDER_WHEELS:
      return "/opt/fastflow/wheels";
    case FF_RUN_FOLDER_LAST:
    default:
      g_return_val_if_reached (NULL);
    }
}

/* The runtime is the image: an environment built in one image is only
 * valid there. Its Python is the image's python3. */
static gboolean
get_runtime (
    FfExecutor *executor, FfRunRequest *request, gchar **runtime_id, gchar **python, GError **error)
{
  g_autofree gchar *image =
      ff_docker_base_executor_dup_image (FF_DOCKER_BASE_EXECUTOR (executor), request, error);

  if (image == NULL)
    return FALSE;
  *runtime_id = g_steal_pointer (&image);
  *python = g_strdup ("python3");
  return TRUE;
}

static gchar *
get_folder_path (FfExecutor *executor, FfRunFolder folder, const gchar *host_path)
{
  return g_strdup (ff_docker_base_executor_get_folder_target (folder));
}

typedef struct
{
  GTask *task;
  void (*next) (GTask *task);
} HealthStep;

static void
on_launch_probed (GObject *source, GAsyncResult *res, gpointer user_data)
{
  HealthStep *step = user_data;
  GTask *task = step->task;
  void (*next) (GTask * task) = step->next;
  FfDockerBaseExecutor *self = g_task_get_source_object (task);
  FfDockerBaseExecutorPrivate *priv = GET_PRIVATE (self);
  GError *error = NULL;

  g_free (step);
  priv->healthy = FF_DOCKER_BASE_EXECUTOR_GET_CLASS (self)->probe_health_finish (self, res, &error);
  if (!priv->healthy)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  next (task);
}

/* After a failed health check, or before the first one, a launch asks
 * again before it creates anything: a proxy that came back is used
 * again, and the API version becomes known. Takes over @task, and passes
 * it on to @next unless the check fails. */
void
ff_docker_base_executor_ensure_healthy (GTask *task, void (*next) (GTask *task))
{
  FfDockerBaseExecutor *self = g_task_get_source_object (task);
  FfDockerBaseExecutorPrivate *priv = GET_PRIVATE (self);
  HealthStep *step;

  if (priv->healthy && ff_docker_client_get_api_version (priv->client) != NULL)
    {
      next (task);
      return;
    }
  step = g_new0 (HealthStep, 1);
  step->task = task;
  step->next = next;
  FF_DOCKER_BASE_EXECUTOR_GET_CLASS (self)->probe_health_async (self, g_task_get_cancellable (task),
                                                                on_launch_probed, step);
}

typedef struct
{
  GTask *task;
  GError *error;
  gchar *id; /* of what is being removed */
} Cleanup;

static void cleanup_next (Cleanup *cleanup);

static void
on_cleanup_removed (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Cleanup *cleanup = user_data;
  FfDockerBaseExecutor *self = g_task_get_source_object (cleanup->task);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) node = NULL;
  guint status = 0;

  node = ff_docker_client_call_finish (FF_DOCKER_CLIENT (source), res, &status, &error);
  if (error != NULL || (status >= 300 && status != 404))
    FF_DOCKER_BASE_EXECUTOR_GET_CLASS (self)->removal_failed (
        self, g_task_get_task_data (cleanup->task), cleanup->id, error);
  cleanup_next (cleanup);
}

static void
cleanup_next (Cleanup *cleanup)
{
  FfDockerBaseExecutor *self = g_task_get_source_object (cleanup->task);
  g_autofree gchar *path = NULL;

  g_clear_pointer (&cleanup->id, g_free);
  path = FF_DOCKER_BASE_EXECUTOR_GET_CLASS (self)->next_removal (
      self, g_task_get_task_data (cleanup->task), &cleanup->id);
  if (path == NULL)
    {
      g_task_return_error (cleanup->task, cleanup->error);
      g_object_unref (cleanup->task);
      g_free (cleanup);
      return;
    }
  /* Not with the task's cancellable: a cancelled launch is cleaned up too. */
  ff_docker_client_call_async (GET_PRIVATE (self)->client, "DELETE", path, NULL,
                               FF_DOCKER_CALL_LONG, NULL, on_cleanup_removed, cleanup);
}

/* A launch that fails after a create removes what it created, then ends
 * @task with @error. Takes over both. */
void
ff_docker_base_executor_fail_launch (GTask *task, GError *error)
{
  Cleanup *cleanup = g_new0 (Cleanup, 1);

  ff_docker_base_executor_note_error (g_task_get_source_object (task), error);
  cleanup->task = task;
  cleanup->error = error;
  cleanup_next (cleanup);
}

static void
launch_async (FfExecutor *executor,
              FfRunRequest *request,
              GCancellable *cancellable,
              GAsyncReadyCallback callback,
              gpointer user_data)
{
  FfDockerBaseExecutor *self = FF_DOCKER_BASE_EXECUTOR (executor);

  FF_DOCKER_BASE_EXECUTOR_GET_CLASS (self)->launch_async (self, request, cancellable, callback,
                                                          user_data);
}

static FfExecution *
launch_finish (FfExecutor *executor, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- leftovers ---- */

/* What a daemon of the same instance that died left behind, in rounds
 * (e.g. services, then the configs they used). */
typedef struct
{
  gchar *instance;
  gchar *daemon_id;
  guint round;
  guint pending;
  guint removed;
  GError *error;
} Sweep;

static void
sweep_free (Sweep *sweep)
{
  g_free (sweep->instance);
  g_free (sweep->daemon_id);
  g_clear_error (&sweep->error);
  g_free (sweep);
}

static void sweep_list (GTask *task);

static void
sweep_step_done (GTask *task)
{
  Sweep *sweep = g_task_get_task_data (task);

  if (--sweep->pending > 0)
    return;
  if (sweep->error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&sweep->error));
      return;
    }
  sweep->round++;
  sweep_list (g_object_ref (task));
}

static void
on_leftover_deleted (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  Sweep *sweep = g_task_get_task_data (task);
  g_autoptr (JsonNode) node = NULL;
  g_autoptr (GError) error = NULL;
  guint status = 0;

  node = ff_docker_client_call_finish (FF_DOCKER_CLIENT (source), res, &status, &error);
  if (error == NULL && status < 300)
    sweep->removed++;
  else if (error != NULL && sweep->error == NULL)
    sweep->error = g_steal_pointer (&error);
  sweep_step_done (task);
}

static void
on_leftovers_listed (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  FfDockerBaseExecutor *self = g_task_get_source_object (task);
  FfDockerClient *client = FF_DOCKER_CLIENT (source);
  Sweep *sweep = g_task_get_task_data (task);
  g_autoptr (JsonNode) node = NULL;
  g_autoptr (GError) error = NULL;
  JsonArray *objects;
  guint status = 0;

  node = ff_docker_client_call_finish (client, res, &status, &error);
  if (error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  /* Seen only with FF_DOCKER_CALL_PROBE: a proxy that refuses the section,
   * or an engine without it; nothing can have been left there, and a setup
   * that does not use the executor should not hear about it at every start. */
  if (status == 403 || status == 503)
    {
      g_task_return_int (task, sweep->removed);
      return;
    }
  /* one for the listing itself, so that the round ends once */
  sweep->pending = 1;
  objects = node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
  for (guint i = 0; objects != NULL && i < json_array_get_length (objects); i++)
    {
      JsonNode *element = json_array_get_element (objects, i);
      g_autofree gchar *path = NULL;

      if (!JSON_NODE_HOLDS_OBJECT (element))
        continue;
      path = FF_DOCKER_BASE_EXECUTOR_GET_CLASS (self)->leftover_path (
          self, json_node_get_object (element), sweep->daemon_id, sweep->round);
      if (path == NULL)
        continue;
      sweep->pending++;
      ff_docker_client_call_async (client, "DELETE", path, NULL, FF_DOCKER_CALL_LONG,
                                   g_task_get_cancellable (task), on_leftover_deleted,
                                   g_object_ref (task));
    }
  sweep_step_done (task);
}

/* Takes over @task. */
static void
sweep_list (GTask *task)
{
  FfDockerBaseExecutor *self = g_task_get_source_object (task);
  Sweep *sweep = g_task_get_task_data (task);
  FfDockerCallFlags flags = FF_DOCKER_CALL_NONE;
  g_autofree gchar *path = FF_DOCKER_BASE_EXECUTOR_GET_CLASS (self)->leftovers_path (
      self, sweep->instance, sweep->round, &flags);

  if (path == NULL)
    {
      g_task_return_int (task, sweep->removed);
      g_object_unref (task);
      return;
    }
  ff_docker_client_call_async (GET_PRIVATE (self)->client, "GET", path, NULL, flags,
                               g_task_get_cancellable (task), on_leftovers_listed, task);
}

static void
remove_leftovers_async (FfExecutor *executor,
                        const gchar *instance,
                        const gchar *daemon_id,
                        GCancellable *cancellable,
                        GAsyncReadyCallback callback,
                        gpointer user_data)
{
  FfDockerBaseExecutor *self = FF_DOCKER_BASE_EXECUTOR (executor);
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr (GError) error = NULL;
  Sweep *sweep = g_new0 (Sweep, 1);

  sweep->instance = g_strdup (instance);
  sweep->daemon_id = g_strdup (daemon_id);
  g_task_set_task_data (task, sweep, (GDestroyNotify) sweep_free);
  if (!ff_docker_base_executor_ensure_client (self, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  sweep_list (g_steal_pointer (&task));
}

static gboolean
remove_leftovers_finish (FfExecutor *executor, GAsyncResult *result, guint *removed, GError **error)
{
  gssize count = g_task_propagate_int (G_TASK (result), error);

  if (count < 0)
    return FALSE;
  if (removed != NULL)
    *removed = (guint) count;
  return TRUE;
}

static void
ff_docker_base_executor_iface_init (FfExecutorInterface *iface)
{
  iface->get_name = get_name;
  iface->configure = configure;
  iface->check_health_async = check_health_async;
  iface->check_health_finish = check_health_finish;
  iface->launch_async = launch_async;
  iface->launch_finish = launch_finish;
  iface->remove_leftovers_async = remove_leftovers_async;
  iface->remove_leftovers_finish = remove_leftovers_finish;
  iface->diagnose_async = diagnose_async;
  iface->diagnose_finish = diagnose_finish;
  iface->get_runtime = get_runtime;
  iface->get_folder_path = get_folder_path;
}
