/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <inttypes.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>

#include "ff-docker-execution.h"
#include "ff-docker-executor.h"
#include "ff-docker-policy.h"
#include "ff-docker-probe.h"
#include "ff-docker-spec.h"

/*
 * Runs every attempt in a fresh container, created through a Docker
 * socket proxy (DESIGN §9). Settings come from [executor.docker-proxy] in
 * fastflow.conf; DOCKER_PROXY_URL in the environment overrides proxy_url,
 * as in Fast-Flow.
 */

#define GROUP "executor." FF_DOCKER_EXECUTOR_NAME
#define DEFAULT_PIDS_LIMIT 512
#define DEFAULT_TMPFS_SIZE "256m"
#define DEFAULT_MAX_GRACE_SECONDS 300
#define DEFAULT_RECONNECT_GRACE_SECONDS 60
#define APP_DIR "/app"
#define ROUTE_FILE "/run/fastflow/route"

struct _FfDockerExecutor
{
  FfDockerBaseExecutor parent_instance;
  gint64 pids_limit;
  gchar *tmpfs_size;
  guint max_grace_seconds;
  guint reconnect_grace_seconds;
  gboolean init;

  GHashTable *attached; /* ids of the containers re-attached: not leftovers */
};

static void ff_docker_executor_iface_init (FfExecutorInterface *iface);

/* The base implements FfExecutor; only containers can be re-attached. */
G_DEFINE_TYPE_WITH_CODE (FfDockerExecutor,
                         ff_docker_executor,
                         FF_TYPE_DOCKER_BASE_EXECUTOR,
                         G_IMPLEMENT_INTERFACE (FF_TYPE_EXECUTOR, ff_docker_executor_iface_init))

static FfDockerClient *
get_client (FfDockerExecutor *self)
{
  return ff_docker_base_executor_get_client (FF_DOCKER_BASE_EXECUTOR (self));
}

static FfDockerPolicy *
get_policy (FfDockerExecutor *self)
{
  return ff_docker_base_executor_get_policy (FF_DOCKER_BASE_EXECUTOR (self));
}

typedef struct
{
  FfRunRequest *request;
  JsonNode *body;
  gchar *image;
  gchar *name;
  gchar *id;
  gboolean id_is_name; /* the create broke off; its id is unknown */
  gchar *app_source;   /* the pipeline folder, resolved at launch */
  gchar *route_source; /* the route file, resolved */
  gchar *note;         /* for the run's log: a limit lowered to the engine's */
  /* the run's folders, resolved, with where and how they are mounted;
   * ended by a mount without source */
  gchar *folder_sources[FF_RUN_FOLDER_LAST];
  FfDockerMount mounts[FF_RUN_FOLDER_LAST + 3];
  guint n_mounts;
  gboolean builds; /* its dependency environment is writable: a build */
} Launch;

static void
launch_free (Launch *launch)
{
  g_object_unref (launch->request);
  g_clear_pointer (&launch->body, json_node_unref);
  g_free (launch->image);
  g_free (launch->name);
  g_free (launch->id);
  g_free (launch->app_source);
  g_free (launch->route_source);
  g_free (launch->note);
  for (guint i = 0; i < FF_RUN_FOLDER_LAST; i++)
    g_free (launch->folder_sources[i]);
  g_free (launch);
}

static void
ff_docker_executor_finalize (GObject *object)
{
  FfDockerExecutor *self = FF_DOCKER_EXECUTOR (object);

  g_free (self->tmpfs_size);
  g_hash_table_unref (self->attached);
  G_OBJECT_CLASS (ff_docker_executor_parent_class)->finalize (object);
}

static void
ff_docker_executor_init (FfDockerExecutor *self)
{
  self->pids_limit = DEFAULT_PIDS_LIMIT;
  self->tmpfs_size = g_strdup (DEFAULT_TMPFS_SIZE);
  self->max_grace_seconds = DEFAULT_MAX_GRACE_SECONDS;
  self->reconnect_grace_seconds = DEFAULT_RECONNECT_GRACE_SECONDS;
  self->init = TRUE;
  self->attached = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

FfDockerExecutor *
ff_docker_executor_new (void)
{
  return g_object_new (FF_TYPE_DOCKER_EXECUTOR, NULL);
}

static gboolean
read_uint (GKeyFile *config, const gchar *key, guint64 max, guint64 *value, GError **error)
{
  g_autofree gchar *text = g_key_file_get_value (config, GROUP, key, NULL);

  if (text == NULL)
    return TRUE;
  g_strstrip (text);
  if (!g_ascii_string_to_unsigned (text, 10, 0, max, value, NULL))
    {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                   _ ("The setting %s in [%s] is “%s”, but a whole number from 0 to %" PRIu64
                      " was expected"),
                   key, GROUP, text, max);
      return FALSE;
    }
  return TRUE;
}

static gboolean
configure (FfDockerBaseExecutor *base, GKeyFile *config, GError **error)
{
  FfDockerExecutor *self = FF_DOCKER_EXECUTOR (base);
  const gchar *env_url = g_getenv ("DOCKER_PROXY_URL");
  guint64 pids = (guint64) self->pids_limit;
  guint64 grace = self->max_grace_seconds;
  guint64 conns = 0;
  guint64 reconnect_grace = self->reconnect_grace_seconds;
  g_autoptr (GError) error_local = NULL;
  gboolean init;

  /* As in Fast-Flow, the environment wins over the configuration. */
  if (env_url != NULL && *env_url != '\0')
    ff_docker_base_executor_set_url (base, env_url);
  ff_docker_base_executor_read_string (base, config, "tmpfs_size", &self->tmpfs_size);
  if (!read_uint (config, "pids_limit", G_MAXINT32, &pids, error) ||
      !read_uint (config, "stop_grace_seconds", 24 * 3600, &grace, error) ||
      !read_uint (config, "max_connections", 4096, &conns, error) ||
      !read_uint (config, "reconnect_grace", 24 * 3600, &reconnect_grace, error))
    return FALSE;
  self->reconnect_grace_seconds = (guint) reconnect_grace;
  self->pids_limit = (gint64) pids;
  self->max_grace_seconds = (guint) grace;
  if (g_key_file_has_key (config, GROUP, "max_connections", NULL))
    ff_docker_base_executor_set_max_connections (base, (guint) conns);
  init = g_key_file_get_boolean (config, GROUP, "init", &error_local);
  if (error_local == NULL)
    self->init = init;
  else if (!g_error_matches (error_local, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND) &&
           !g_error_matches (error_local, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_GROUP_NOT_FOUND))
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&error_local), "[%s] init: ", GROUP);
      return FALSE;
    }
  return TRUE;
}

/* For docker-proxy, a proxy that answers its ping and lets through what
 * every run needs (CONTAINERS=1, POST=1) is healthy: one that refuses
 * them cannot run anything, and is not "available". */
static void
probe_health_async (FfDockerBaseExecutor *base,
                    GCancellable *cancellable,
                    GAsyncReadyCallback callback,
                    gpointer user_data)
{
  ff_docker_probe_health_async (ff_docker_base_executor_get_client (base), cancellable, callback,
                                user_data);
}

static gboolean
probe_health_finish (FfDockerBaseExecutor *base, GAsyncResult *result, GError **error)
{
  return ff_docker_probe_health_finish (ff_docker_base_executor_get_client (base), result, error);
}

static void
diagnose_async (FfDockerBaseExecutor *base,
                GCancellable *cancellable,
                GAsyncReadyCallback callback,
                gpointer user_data)
{
  ff_docker_probe_async (ff_docker_base_executor_get_client (base), cancellable, callback,
                         user_data);
}

static GPtrArray *
diagnose_finish (FfDockerBaseExecutor *base, GAsyncResult *result, GError **error)
{
  return ff_docker_probe_finish (ff_docker_base_executor_get_client (base), result, error);
}

static void
add_bind_mount (JsonBuilder *builder, const FfDockerMount *mount)
{
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "Type");
  json_builder_add_string_value (builder, "bind");
  json_builder_set_member_name (builder, "Source");
  json_builder_add_string_value (builder, mount->source);
  json_builder_set_member_name (builder, "Target");
  json_builder_add_string_value (builder, mount->target);
  json_builder_set_member_name (builder, "ReadOnly");
  json_builder_add_boolean_value (builder, !mount->writable);
  json_builder_end_object (builder);
}

static void
add_host_config (FfDockerExecutor *self, JsonBuilder *builder, Launch *launch, const gchar *network)
{
  FfRunRequest *request = launch->request;
  static const gchar *const cap_drop[] = { "ALL", NULL };
  static const gchar *const security_opt[] = { "no-new-privileges", NULL };
  guint64 memory = ff_run_request_get_memory_limit (request);
  gdouble cpus = ff_run_request_get_cpu_limit (request);
  g_autofree gchar *tmpfs = g_strdup_printf ("rw,nosuid,nodev,size=%s", self->tmpfs_size);

  json_builder_set_member_name (builder, "HostConfig");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "Mounts");
  json_builder_begin_array (builder);
  for (guint i = 0; i < launch->n_mounts; i++)
    add_bind_mount (builder, &launch->mounts[i]);
  json_builder_end_array (builder);
  if (memory > 0)
    {
      /* Equal limits: no swap on top of the memory limit. */
      json_builder_set_member_name (builder, "Memory");
      json_builder_add_int_value (builder, (gint64) memory);
      json_builder_set_member_name (builder, "MemorySwap");
      json_builder_add_int_value (builder, (gint64) memory);
    }
  if (cpus > 0)
    {
      json_builder_set_member_name (builder, "NanoCpus");
      json_builder_add_int_value (builder, (gint64) (cpus * 1e9));
    }
  if (self->pids_limit > 0)
    {
      json_builder_set_member_name (builder, "PidsLimit");
      json_builder_add_int_value (builder, self->pids_limit);
    }
  json_builder_set_member_name (builder, "ReadonlyRootfs");
  json_builder_add_boolean_value (builder, TRUE);
  json_builder_set_member_name (builder, "Tmpfs");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "/tmp");
  json_builder_add_string_value (builder, tmpfs);
  json_builder_end_object (builder);
  ff_docker_spec_add_string_array (builder, "CapDrop", cap_drop);
  ff_docker_spec_add_string_array (builder, "SecurityOpt", security_opt);
  json_builder_set_member_name (builder, "Privileged");
  json_builder_add_boolean_value (builder, FALSE);
  json_builder_set_member_name (builder, "NetworkMode");
  json_builder_add_string_value (builder, network);
  /* A program as PID 1 ignores SIGTERM unless it handles it, which would
   * turn every stop into a kill after the grace period. */
  json_builder_set_member_name (builder, "Init");
  json_builder_add_boolean_value (builder, self->init);
  json_builder_end_object (builder);
}

static JsonNode *
build_body (FfDockerExecutor *self, Launch *launch, const gchar *network)
{
  FfRunRequest *request = launch->request;
  static const gchar *const no_entrypoint[] = { "", NULL };
  const gchar *user = ff_docker_base_executor_get_user (FF_DOCKER_BASE_EXECUTOR (self));
  g_autofree gchar *build_user = NULL;
  g_autoptr (JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "Image");
  json_builder_add_string_value (builder, launch->image);
  /* The request's command is the whole argv; an image's ENTRYPOINT would
   * put itself in front of it. [""] clears it. */
  ff_docker_spec_add_string_array (builder, "Entrypoint", no_entrypoint);
  ff_docker_spec_add_string_array (builder, "Cmd", ff_run_request_get_command (request));
  ff_docker_spec_add_env (builder, "Env", request,
                          launch->route_source != NULL ? ROUTE_FILE : NULL);
  ff_docker_spec_add_labels (builder, "Labels", request, FF_DOCKER_EXECUTOR_NAME);
  if (launch->app_source != NULL)
    {
      json_builder_set_member_name (builder, "WorkingDir");
      json_builder_add_string_value (builder, APP_DIR);
    }
  /* A build writes the environment as the daemon, which can then remove
   * it again; the image's user or `user` might not be allowed to. */
  if (launch->builds)
    build_user = g_strdup_printf ("%u:%u", (guint) getuid (), (guint) getgid ());
  if (build_user != NULL || user != NULL)
    {
      json_builder_set_member_name (builder, "User");
      json_builder_add_string_value (builder, build_user != NULL ? build_user : user);
    }
  /* Without a TTY the log stays multiplexed: stdout and stderr apart. */
  json_builder_set_member_name (builder, "Tty");
  json_builder_add_boolean_value (builder, FALSE);
  json_builder_set_member_name (builder, "OpenStdin");
  json_builder_add_boolean_value (builder, FALSE);
  add_host_config (self, builder, launch, network);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

static void
add_mount (Launch *launch, const gchar *source, const gchar *target, gboolean writable)
{
  g_assert (launch->n_mounts < G_N_ELEMENTS (launch->mounts) - 1);
  launch->mounts[launch->n_mounts++] = (FfDockerMount){ source, target, writable };
}

/* The run's folders (its dependency environment, fastflow's tools, a
 * wheels folder), each at its fixed place; only an environment being
 * built is writable. */
static gboolean
prepare_folders (FfDockerExecutor *self, Launch *launch, GError **error)
{
  for (FfRunFolder folder = 0; folder < FF_RUN_FOLDER_LAST; folder++)
    {
      gboolean writable = FALSE;
      const gchar *host = ff_run_request_get_folder (launch->request, folder, &writable);

      if (host == NULL)
        continue;
      if (!ff_docker_policy_check_folder (get_policy (self), folder, host, writable,
                                          &launch->folder_sources[folder], error))
        return FALSE;
      add_mount (launch, launch->folder_sources[folder],
                 ff_docker_base_executor_get_folder_target (folder), writable);
      if (folder == FF_RUN_FOLDER_DEPENDENCY_ENV && writable)
        launch->builds = TRUE;
    }
  return TRUE;
}

/* Everything the proxy cannot judge, before any request is sent. The
 * pipeline folder is resolved here, once, and the resolved path is what
 * is mounted. The route file and the run's folders are fastflow's own:
 * they must not be the engine's socket, but the pipeline folder's roots
 * do not apply. */
static gboolean
prepare (FfDockerExecutor *self, Launch *launch, GError **error)
{
  FfDockerBaseExecutor *base = FF_DOCKER_BASE_EXECUTOR (self);
  FfRunRequest *request = launch->request;
  const gchar *route = ff_run_request_get_route_file (request);
  const gchar *network = ff_docker_base_executor_check_request (base, request, error);

  if (network == NULL)
    return FALSE;
  if (ff_run_request_get_pipeline_dir (request) != NULL)
    {
      launch->app_source = ff_docker_base_executor_check_pipeline_dir (base, request, error);
      if (launch->app_source == NULL)
        return FALSE;
      add_mount (launch, launch->app_source, APP_DIR,
                 ff_docker_base_executor_get_app_writable (base));
    }
  if (route != NULL)
    {
      if (!ff_docker_policy_check_own_mount (get_policy (self), route, &launch->route_source,
                                             error))
        return FALSE;
      add_mount (launch, launch->route_source, ROUTE_FILE, TRUE);
    }
  if (!prepare_folders (self, launch, error))
    return FALSE;
  launch->image = ff_docker_base_executor_dup_image (base, request, error);
  if (launch->image == NULL)
    return FALSE;
  launch->name = ff_docker_spec_dup_name (request);
  launch->body = build_body (self, launch, network);
  return ff_docker_policy_check_create_body (get_policy (self), json_node_get_object (launch->body),
                                             launch->mounts, error);
}

/* A launch that fails after create removes its container. */
static gchar *
next_removal (FfDockerBaseExecutor *base, gpointer data, gchar **id)
{
  Launch *launch = data;
  /* taken: the next call finds none left */
  g_autofree gchar *container = g_steal_pointer (&launch->id);

  if (container == NULL)
    return NULL;
  *id = g_strdup (container);
  return g_strdup_printf ("/containers/%s?force=1&v=1", container);
}

static void
removal_failed (FfDockerBaseExecutor *base, gpointer data, const gchar *id, const GError *error)
{
  Launch *launch = data;

  /* After a create that broke off, the proxy being away still is no news:
   * most likely the create never got through either. */
  if (launch->id_is_name && error != NULL)
    g_debug ("removal of %s after a failed create: %s", id, error->message);
  else
    g_warning (_ ("The container %s could not be removed and is left behind: %s"), id,
               error != NULL ? error->message : "");
}

static void
on_started (GObject *source, GAsyncResult *res, gpointer user_data)
{
  GTask *task = user_data;
  FfDockerExecutor *self = g_task_get_source_object (task);
  Launch *launch = g_task_get_task_data (task);
  g_autoptr (JsonNode) node = NULL;
  g_autoptr (FfDockerExecution) execution = NULL;
  GError *error = NULL;
  guint status = 0;

  node = ff_docker_client_call_finish (FF_DOCKER_CLIENT (source), res, &status, &error);
  if (error == NULL && status != 204 && status != 304)
    {
      g_autofree gchar *detail = ff_docker_client_dup_error_message (node);
      error = g_error_new (FF_EXECUTOR_ERROR, FF_REASON_ENGINE_ERROR,
                           _ ("The Docker engine could not start the container for pipeline %s "
                              "(HTTP %u): %s"),
                           ff_run_request_get_pipeline (launch->request), status,
                           detail != NULL ? detail : _ ("no details"));
    }
  /* Cancelled while starting: it runs already, so it goes. */
  if (error == NULL)
    g_cancellable_set_error_if_cancelled (g_task_get_cancellable (task), &error);
  if (error != NULL)
    {
      ff_docker_base_executor_fail_launch (task, error);
      return;
    }
  ff_docker_base_executor_set_healthy (FF_DOCKER_BASE_EXECUTOR (self), TRUE);
  execution = ff_docker_execution_new (get_client (self), launch->id, TRUE,
                                       ff_run_request_get_memory_limit (launch->request),
                                       self->max_grace_seconds * 1000);
  ff_docker_execution_set_reconnect_grace (execution, self->reconnect_grace_seconds * 1000);
  if (launch->note != NULL)
    ff_execution_add_note (FF_EXECUTION (execution), launch->note);
  ff_docker_execution_start (execution);
  g_task_return_pointer (task, g_steal_pointer (&execution), g_object_unref);
  g_object_unref (task);
}

static GError *
create_error (FfDockerExecutor *self, Launch *launch, guint status, JsonNode *node)
{
  g_autofree gchar *detail = ff_docker_client_dup_error_message (node);

  /* No pull: images are the operator's business, and a pull through the
   * proxy would need IMAGES=1 with POST=1. */
  if (status == 404 && ff_docker_base_executor_image_is_for_version (FF_DOCKER_BASE_EXECUTOR (self),
                                                                     launch->request))
    {
      g_autofree gchar *message = ff_message_new (
          GETTEXT_PACKAGE,
          N_ ("Pipeline %s asks for Python %s, but its image “%s” (python_image in [%s]) does "
              "not exist on the Docker engine; fastflow does not pull images and takes no "
              "other version, so pull or build that image there first"),
          ff_run_request_get_pipeline (launch->request),
          ff_run_request_get_python_version (launch->request), launch->image, GROUP, NULL);

      return g_error_new_literal (FF_EXECUTOR_ERROR, FF_REASON_IMAGE_NOT_FOUND, message);
    }
  if (status == 404)
    {
      /* kept untranslated: the run's history shows it in its reader's words */
      g_autofree gchar *message = ff_message_new (
          GETTEXT_PACKAGE,
          N_ ("The image “%s” for pipeline %s does not exist on the Docker engine; fastflow "
              "does not pull images, so pull or build it there first"),
          launch->image, ff_run_request_get_pipeline (launch->request), NULL);

      return g_error_new_literal (FF_EXECUTOR_ERROR, FF_REASON_IMAGE_NOT_FOUND, message);
    }
  return g_error_new (FF_EXECUTOR_ERROR, FF_REASON_ENGINE_ERROR,
                      _ ("The Docker engine could not create the container for pipeline %s "
                         "(HTTP %u): %s"),
                      ff_run_request_get_pipeline (launch->request), status,
                      detail != NULL ? detail : _ ("no details"));
}

static void create_container (GTask *task);

/* cpu_hard_limit from a bigger machine: the engine refuses more cores
 * than it has and says how many it has (GET /info would too, but the
 * proxy rightly refuses INFO). The create is tried once more with those. */
static gboolean
retry_with_engine_cores (GTask *task, guint status, JsonNode *node)
{
  Launch *launch = g_task_get_task_data (task);
  g_autofree gchar *detail = NULL;
  JsonObject *host;
  guint cores;

  if (status != 400 || launch->note != NULL)
    return FALSE;
  detail = ff_docker_client_dup_error_message (node);
  cores = ff_docker_spec_cores_from_refusal (detail);
  launch->note = ff_limits_clamp_cpus (launch->request, cores);
  if (launch->note == NULL)
    return FALSE;
  host = json_object_get_object_member (json_node_get_object (launch->body), "HostConfig");
  json_object_set_int_member (host, "NanoCpus", (gint64) cores * 1000000000);
  create_container (task);
  return TRUE;
}

static void
on_created (GObject *source, GAsyncResult *res, gpointer user_data)
{
  GTask *task = user_data;
  FfDockerExecutor *self = g_task_get_source_object (task);
  Launch *launch = g_task_get_task_data (task);
  g_autoptr (JsonNode) node = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *path = NULL;
  guint status = 0;
  const gchar *id = NULL;

  node = ff_docker_client_call_finish (FF_DOCKER_CLIENT (source), res, &status, &error);
  if (error == NULL && status == 201 && node != NULL && JSON_NODE_HOLDS_OBJECT (node))
    id = json_object_get_string_member_with_default (json_node_get_object (node), "Id", NULL);
  if (error == NULL && id == NULL && retry_with_engine_cores (task, status, node))
    return;
  if (error == NULL && id == NULL)
    error = create_error (self, launch, status, node);
  if (error != NULL && g_error_matches (error, FF_EXECUTOR_ERROR, FF_REASON_PROXY_UNREACHABLE))
    {
      /* The request may have reached the engine before the connection
       * broke; the name is unique, so remove by name. */
      launch->id = g_strdup (launch->name);
      launch->id_is_name = TRUE;
      ff_docker_base_executor_fail_launch (task, g_steal_pointer (&error));
      return;
    }
  if (error != NULL)
    {
      ff_docker_base_executor_note_error (FF_DOCKER_BASE_EXECUTOR (self), error);
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }
  launch->id = g_strdup (id);
  if (g_cancellable_set_error_if_cancelled (g_task_get_cancellable (task), &error))
    {
      ff_docker_base_executor_fail_launch (task, g_steal_pointer (&error));
      return;
    }
  path = g_strdup_printf ("/containers/%s/start", launch->id);
  /* Not cancellable: a start cut halfway would leave doubt whether the
   * container runs. on_started looks at the cancellable instead. */
  ff_docker_client_call_async (get_client (self), "POST", path, NULL, FF_DOCKER_CALL_LONG, NULL,
                               on_started, task);
}

static void
create_container (GTask *task)
{
  FfDockerExecutor *self = g_task_get_source_object (task);
  Launch *launch = g_task_get_task_data (task);
  g_autofree gchar *escaped = g_uri_escape_string (launch->name, NULL, FALSE);
  g_autofree gchar *path = g_strdup_printf ("/containers/create?name=%s", escaped);

  /* Not cancellable: the engine completes a create whose client went
   * away, and the container would be left without anyone knowing its id.
   * on_created looks at the cancellable instead. */
  ff_docker_client_call_async (get_client (self), "POST", path, launch->body, FF_DOCKER_CALL_LONG,
                               NULL, on_created, task);
}

static void
launch_async (FfDockerBaseExecutor *base,
              FfRunRequest *request,
              GCancellable *cancellable,
              GAsyncReadyCallback callback,
              gpointer user_data)
{
  FfDockerExecutor *self = FF_DOCKER_EXECUTOR (base);
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  Launch *launch = g_new0 (Launch, 1);
  GError *error = NULL;

  g_task_set_source_tag (task, launch_async);
  launch->request = g_object_ref (request);
  g_task_set_task_data (task, launch, (GDestroyNotify) launch_free);
  if (!prepare (self, launch, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  ff_docker_base_executor_ensure_healthy (task, create_container);
}

/* The path that lists every container, running or not, with all @labels
 * ("key=value"). */
static gchar *
list_path (const gchar *const *labels)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) filters = NULL;
  g_autofree gchar *filters_text = NULL;
  g_autofree gchar *escaped = NULL;

  json_builder_begin_object (builder);
  ff_docker_spec_add_string_array (builder, "label", labels);
  json_builder_end_object (builder);
  filters = json_builder_get_root (builder);
  filters_text = json_to_string (filters, FALSE);
  escaped = g_uri_escape_string (filters_text, NULL, FALSE);
  return g_strdup_printf ("/containers/json?all=1&filters=%s", escaped);
}

/* Removing leftovers: one round, the instance's containers. */
static gchar *
leftovers_path (FfDockerBaseExecutor *base,
                const gchar *instance,
                guint round,
                FfDockerCallFlags *flags)
{
  g_autofree gchar *label = g_strdup_printf ("org.fastflow.instance=%s", instance);
  const gchar *const labels[] = { label, NULL };

  if (round > 0)
    return NULL;
  return list_path (labels);
}

static gboolean
is_of_daemon (JsonObject *container, const gchar *daemon_id)
{
  JsonNode *labels = json_object_get_member (container, "Labels");
  const gchar *owner;

  if (labels == NULL || !JSON_NODE_HOLDS_OBJECT (labels))
    return FALSE;
  owner = json_object_get_string_member_with_default (json_node_get_object (labels),
                                                      "org.fastflow.daemon", NULL);
  return g_strcmp0 (owner, daemon_id) == 0;
}

/* Neither the running daemon's containers nor those it re-attached. */
static gchar *
leftover_path (FfDockerBaseExecutor *base,
               JsonObject *container,
               const gchar *daemon_id,
               guint round)
{
  FfDockerExecutor *self = FF_DOCKER_EXECUTOR (base);
  const gchar *id;

  if (is_of_daemon (container, daemon_id))
    return NULL;
  id = json_object_get_string_member_with_default (container, "Id", NULL);
  if (id == NULL || g_hash_table_contains (self->attached, id))
    return NULL;
  g_debug ("removing container %s, left behind by an earlier fastflowd", id);
  return g_strdup_printf ("/containers/%s?force=1&v=1", id);
}

/* Re-attaching: the attempt's container is found by its labels, looked at
 * for what its execution needs to know, and followed again from the start
 * of its log. A proxy that is away is waited for as long as a running
 * container's would be (reconnect_grace). */
typedef struct
{
  gchar *path; /* the listing of the attempt's containers */
  gchar *run;  /* "run 12 (attempt 1)", for messages */
  gint64 deadline;
  guint failures;
  gchar *id;
} Reattach;

static void
reattach_free (Reattach *reattach)
{
  g_free (reattach->path);
  g_free (reattach->run);
  g_free (reattach->id);
  g_free (reattach);
}

static void reattach_list (GTask *task);

static gboolean
on_reattach_retry (gpointer user_data)
{
  reattach_list (G_TASK (user_data));
  return G_SOURCE_REMOVE;
}

/* Ends the task with @error, unless the proxy or the engine may come back
 * in time; then the listing is tried again. */
static void
reattach_failed (GTask *task, GError *error)
{
  Reattach *reattach = g_task_get_task_data (task);
  guint delay = MIN (100u << MIN (reattach->failures, 6u), 5000u);

  if ((g_error_matches (error, FF_EXECUTOR_ERROR, FF_REASON_PROXY_UNREACHABLE) ||
       g_error_matches (error, FF_EXECUTOR_ERROR, FF_REASON_ENGINE_ERROR)) &&
      g_get_monotonic_time () + delay * 1000 < reattach->deadline)
    {
      g_debug ("re-attaching %s: %s", reattach->run, error->message);
      reattach->failures++;
      g_error_free (error);
      g_timeout_add_full (G_PRIORITY_DEFAULT, delay, on_reattach_retry, g_object_ref (task),
                          g_object_unref);
      return;
    }
  g_task_return_error (task, error);
}

/* A re-attached run's log is continued by skipping what it has of the
 * container's output, sent again from the start: exact only if the engine
 * still has all of it, i.e. its json-file log never rotated. */
static gboolean
log_is_whole (JsonObject *host)
{
  JsonNode *node = host != NULL ? json_object_get_member (host, "LogConfig") : NULL;
  JsonObject *log_config, *options = NULL;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return FALSE;
  log_config = json_node_get_object (node);
  if (g_strcmp0 (json_object_get_string_member_with_default (log_config, "Type", NULL),
                 "json-file") != 0)
    return FALSE;
  node = json_object_get_member (log_config, "Config");
  if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
    options = json_node_get_object (node);
  return options == NULL || !json_object_has_member (options, "max-size");
}

/* The container's environment, as it was created: the run's secret values
 * are there and nowhere else after a restart (fastflow does not keep them),
 * so the orchestrator hides what was printed with them, not today's. */
static void
take_environ (FfExecution *execution, JsonObject *config)
{
  JsonNode *node = config != NULL ? json_object_get_member (config, "Env") : NULL;
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  g_auto (GStrv) envp = NULL;
  JsonArray *env;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return;
  env = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (env); i++)
    {
      JsonNode *element = json_array_get_element (env, i);

      if (JSON_NODE_HOLDS_VALUE (element) && json_node_get_value_type (element) == G_TYPE_STRING)
        g_strv_builder_add (builder, json_node_get_string (element));
    }
  envp = g_strv_builder_end (builder);
  ff_execution_set_environ (execution, (const gchar *const *) envp);
}

static void
on_reattach_inspected (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  FfDockerExecutor *self = g_task_get_source_object (task);
  Reattach *reattach = g_task_get_task_data (task);
  g_autoptr (JsonNode) node = NULL;
  g_autoptr (FfDockerExecution) execution = NULL;
  GError *error = NULL;
  JsonObject *container, *config = NULL, *host = NULL;
  guint status = 0;

  node = ff_docker_client_call_finish (FF_DOCKER_CLIENT (source), res, &status, &error);
  if (error != NULL)
    {
      reattach_failed (task, error);
      return;
    }
  if (status != 200 || node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      /* removed in the meantime, by hand or by another daemon's sweep */
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                               _ ("The container %s of %s is gone (HTTP %u)"), reattach->id,
                               reattach->run, status);
      return;
    }
  container = json_node_get_object (node);
  if (json_object_has_member (container, "Config") &&
      JSON_NODE_HOLDS_OBJECT (json_object_get_member (container, "Config")))
    config = json_object_get_object_member (container, "Config");
  if (json_object_has_member (container, "HostConfig") &&
      JSON_NODE_HOLDS_OBJECT (json_object_get_member (container, "HostConfig")))
    host = json_object_get_object_member (container, "HostConfig");
  if (!log_is_whole (host))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               _ ("The container %s of %s logs with a driver that may have "
                                  "dropped the start of its output (only json-file without "
                                  "max-size keeps it whole)"),
                               reattach->id, reattach->run);
      return;
    }
  ff_docker_base_executor_set_healthy (FF_DOCKER_BASE_EXECUTOR (self), TRUE);
  execution = ff_docker_execution_new (
      get_client (self), reattach->id,
      config == NULL || !json_object_get_boolean_member_with_default (config, "Tty", FALSE),
      host != NULL ? (guint64) MAX (json_object_get_int_member_with_default (host, "Memory", 0), 0)
                   : 0,
      self->max_grace_seconds * 1000);
  ff_docker_execution_set_reconnect_grace (execution, self->reconnect_grace_seconds * 1000);
  take_environ (FF_EXECUTION (execution), config);
  /* the sweep for leftovers keeps away from it */
  g_hash_table_add (self->attached, g_strdup (reattach->id));
  ff_docker_execution_start (execution);
  g_task_return_pointer (task, g_steal_pointer (&execution), g_object_unref);
}

/* A container of GET /containers/json that builds a dependency
 * environment for a run (org.fastflow.build, see ff-run-job-env.c). */
static gboolean
is_build_container (JsonObject *container)
{
  JsonNode *labels = json_object_get_member (container, "Labels");

  return labels != NULL && JSON_NODE_HOLDS_OBJECT (labels) &&
         json_object_has_member (json_node_get_object (labels), "org.fastflow.build");
}

static void
on_reattach_listed (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  Reattach *reattach = g_task_get_task_data (task);
  g_autoptr (JsonNode) node = NULL;
  g_autofree gchar *path = NULL;
  GError *error = NULL;
  JsonArray *containers = NULL;
  GCancellable *cancellable;

  node = ff_docker_client_call_finish (FF_DOCKER_CLIENT (source), res, NULL, &error);
  if (error != NULL)
    {
      reattach_failed (task, error);
      return;
    }
  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
    containers = json_node_get_array (node);
  /* one container per attempt: its name is unique and it is made once;
   * a build of the run's dependency environment carries the run's labels
   * too, and is not it */
  for (guint i = 0; containers != NULL && i < json_array_get_length (containers); i++)
    {
      JsonNode *element = json_array_get_element (containers, i);

      if (JSON_NODE_HOLDS_OBJECT (element) && !is_build_container (json_node_get_object (element)))
        reattach->id = g_strdup (json_object_get_string_member_with_default (
            json_node_get_object (element), "Id", NULL));
      if (reattach->id != NULL)
        break;
    }
  if (reattach->id == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                               _ ("No container of %s is left on the Docker engine"),
                               reattach->run);
      return;
    }
  path = g_strdup_printf ("/containers/%s/json", reattach->id);
  cancellable = g_task_get_cancellable (task);
  ff_docker_client_call_async (FF_DOCKER_CLIENT (source), "GET", path, NULL, FF_DOCKER_CALL_NONE,
                               cancellable, on_reattach_inspected, g_steal_pointer (&task));
}

static void
reattach_list (GTask *task)
{
  FfDockerExecutor *self = g_task_get_source_object (task);
  Reattach *reattach = g_task_get_task_data (task);

  ff_docker_client_call_async (get_client (self), "GET", reattach->path, NULL, FF_DOCKER_CALL_NONE,
                               g_task_get_cancellable (task), on_reattach_listed,
                               g_object_ref (task));
}

static void
reattach_async (FfExecutor *executor,
                FfRunRequest *request,
                GCancellable *cancellable,
                GAsyncReadyCallback callback,
                gpointer user_data)
{
  FfDockerExecutor *self = FF_DOCKER_EXECUTOR (executor);
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr (GError) error = NULL;
  const gchar *instance =
      g_hash_table_lookup (ff_run_request_get_labels (request), "org.fastflow.instance");
  g_autofree gchar *instance_label = g_strdup_printf ("org.fastflow.instance=%s", instance);
  g_autofree gchar *run_label = g_strdup_printf ("org.fastflow.run-id=%" G_GUINT64_FORMAT,
                                                 ff_run_request_get_run_id (request));
  g_autofree gchar *attempt_label =
      g_strdup_printf ("org.fastflow.attempt=%u", ff_run_request_get_attempt (request));
  const gchar *const labels[] = { instance_label, run_label, attempt_label, NULL };
  Reattach *reattach = g_new0 (Reattach, 1);

  g_task_set_source_tag (task, reattach_async);
  g_task_set_task_data (task, reattach, (GDestroyNotify) reattach_free);
  reattach->path = list_path (labels);
  /* TRANSLATORS: how a run is named in messages about its container */
  reattach->run = g_strdup_printf (_ ("run %" PRIu64 " (attempt %u)"),
                                   (uint64_t) ff_run_request_get_run_id (request),
                                   ff_run_request_get_attempt (request));
  reattach->deadline =
      g_get_monotonic_time () + (gint64) self->reconnect_grace_seconds * G_USEC_PER_SEC;
  /* without the instance, another daemon's container could be taken */
  if (instance == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               "re-attaching needs the org.fastflow.instance label");
      return;
    }
  if (!ff_docker_base_executor_ensure_client (FF_DOCKER_BASE_EXECUTOR (self), &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  reattach_list (task);
}

static FfExecution *
reattach_finish (FfExecutor *executor, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
ff_docker_executor_class_init (FfDockerExecutorClass *klass)
{
  FfDockerBaseExecutorClass *base_class = FF_DOCKER_BASE_EXECUTOR_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = ff_docker_executor_finalize;
  base_class->name = FF_DOCKER_EXECUTOR_NAME;
  base_class->configure = configure;
  base_class->probe_health_async = probe_health_async;
  base_class->probe_health_finish = probe_health_finish;
  base_class->diagnose_async = diagnose_async;
  base_class->diagnose_finish = diagnose_finish;
  base_class->launch_async = launch_async;
  base_class->next_removal = next_removal;
  base_class->removal_failed = removal_failed;
  base_class->leftovers_path = leftovers_path;
  base_class->leftover_path = leftover_path;
}

/* The default executor where the proxy is named in the environment, as in
 * Fast-Flow (README, default_executor). */
static gboolean
is_configured (FfExecutor *executor)
{
  return g_getenv ("DOCKER_PROXY_URL") != NULL;
}

/* Called with the base's implementation already in @iface. */
static void
ff_docker_executor_iface_init (FfExecutorInterface *iface)
{
  iface->is_configured = is_configured;
  iface->reattach_async = reattach_async;
  iface->reattach_finish = reattach_finish;
}
