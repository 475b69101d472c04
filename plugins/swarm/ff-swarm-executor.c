/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <inttypes.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "ff-docker-spec.h"
#include "ff-swarm-execution.h"
#include "ff-swarm-executor.h"
#include "ff-swarm-probe.h"

/*
 * Runs every attempt as a Docker Swarm service in mode ReplicatedJob (one
 * task, no restart), through the same kind of socket proxy as
 * docker-proxy, on whichever node the swarm picks. No host folder can be
 * mounted on a node that is not this machine, so the pipeline folder
 * travels as a swarm config: a gzipped tar that the task unpacks into a
 * tmpfs at /app before it runs the command (docs/swarm.md has the
 * limits). Settings come from [executor.swarm].
 */

#define GROUP "executor." FF_SWARM_EXECUTOR_NAME
#define DEFAULT_NONE_NETWORK "fastflow-none"
#define DEFAULT_PIDS_LIMIT 512
#define DEFAULT_TMPFS_SIZE "256m"
#define DEFAULT_APP_SIZE "64m"
#define DEFAULT_MAX_GRACE_SECONDS 300
#define DEFAULT_PLACEMENT_TIMEOUT 30
/* What the engine takes in one config object (swarmkit's MaxConfigSize). */
#define MAX_ARCHIVE_BYTES (500 * 1024)
#define APP_DIR "/app"
#define ARCHIVE_PATH "/run/fastflow/app.tar.gz"
#define ROUTE_FILE "/tmp/fastflow-route"
#define UNPACK_SCRIPT "tar -xzf " ARCHIVE_PATH " -C " APP_DIR " && exec \"$@\""

struct _FfSwarmExecutor
{
  FfDockerBaseExecutor parent_instance;
  gchar *none_network;
  gint64 pids_limit;
  guint64 tmpfs_bytes;
  guint64 app_bytes;
  guint max_grace_seconds;
  guint placement_timeout;
  gboolean init;
};

G_DEFINE_TYPE (FfSwarmExecutor, ff_swarm_executor, FF_TYPE_DOCKER_BASE_EXECUTOR)

static FfDockerClient *
get_client (FfSwarmExecutor *self)
{
  return ff_docker_base_executor_get_client (FF_DOCKER_BASE_EXECUTOR (self));
}

typedef struct
{
  FfRunRequest *request;
  gchar *image;
  gchar *network;
  gchar *name; /* of the service and its config */
  GBytes *archive;
  gchar *config_id;
  gchar *service_id;
  gboolean cores_known; /* the nodes were asked for their cores */
  gchar *note;          /* for the run's log: a limit lowered to the nodes' */
} Launch;

static void
launch_free (Launch *launch)
{
  g_object_unref (launch->request);
  g_free (launch->image);
  g_free (launch->network);
  g_free (launch->name);
  g_clear_pointer (&launch->archive, g_bytes_unref);
  g_free (launch->config_id);
  g_free (launch->service_id);
  g_free (launch->note);
  g_free (launch);
}

static void
ff_swarm_executor_finalize (GObject *object)
{
  FfSwarmExecutor *self = FF_SWARM_EXECUTOR (object);

  g_free (self->none_network);
  G_OBJECT_CLASS (ff_swarm_executor_parent_class)->finalize (object);
}

static void
ff_swarm_executor_init (FfSwarmExecutor *self)
{
  self->none_network = g_strdup (DEFAULT_NONE_NETWORK);
  self->pids_limit = DEFAULT_PIDS_LIMIT;
  ff_parse_size (DEFAULT_TMPFS_SIZE, &self->tmpfs_bytes);
  ff_parse_size (DEFAULT_APP_SIZE, &self->app_bytes);
  self->max_grace_seconds = DEFAULT_MAX_GRACE_SECONDS;
  self->placement_timeout = DEFAULT_PLACEMENT_TIMEOUT;
  self->init = TRUE;
}

FfSwarmExecutor *
ff_swarm_executor_new (void)
{
  return g_object_new (FF_TYPE_SWARM_EXECUTOR, NULL);
}

/* ---- configuration ---- */

static gboolean
invalid_value (const gchar *key, const gchar *text, const gchar *expected, GError **error)
{
  g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
               _ ("The setting %s in [%s] is “%s”, but %s was expected"), key, GROUP, text,
               expected);
  return FALSE;
}

/* @parse reads the trimmed text; FALSE leaves the value as it was. */
static gboolean
read_setting (GKeyFile *config,
              const gchar *key,
              gboolean (*parse) (const gchar *text, gpointer value),
              gpointer value,
              const gchar *expected,
              GError **error)
{
  g_autofree gchar *text = g_key_file_get_value (config, GROUP, key, NULL);

  if (text == NULL)
    return TRUE;
  g_strstrip (text);
  if (!parse (text, value))
    return invalid_value (key, text, expected, error);
  return TRUE;
}

static gboolean
parse_seconds (const gchar *text, gpointer value)
{
  guint64 number;

  if (!g_ascii_string_to_unsigned (text, 10, 0, 24 * 3600, &number, NULL))
    return FALSE;
  *(guint *) value = (guint) number;
  return TRUE;
}

static gboolean
parse_count (const gchar *text, gpointer value)
{
  guint64 number;

  if (!g_ascii_string_to_unsigned (text, 10, 0, G_MAXINT32, &number, NULL))
    return FALSE;
  *(guint *) value = (guint) number;
  return TRUE;
}

static gboolean
parse_bytes (const gchar *text, gpointer value)
{
  return ff_parse_size (text, value) && *(guint64 *) value > 0;
}

static gboolean
parse_boolean (const gchar *text, gpointer value)
{
  if (g_strcmp0 (text, "true") != 0 && g_strcmp0 (text, "false") != 0)
    return FALSE;
  *(gboolean *) value = g_str_equal (text, "true");
  return TRUE;
}

static gboolean
configure (FfDockerBaseExecutor *base, GKeyFile *config, GError **error)
{
  FfSwarmExecutor *self = FF_SWARM_EXECUTOR (base);
  const gchar *seconds = _ ("a whole number of seconds from 0 to 86400");
  guint pids = (guint) self->pids_limit;
  guint max_connections = 0;

  ff_docker_base_executor_read_string (base, config, "none_network", &self->none_network);
  if (!read_setting (config, "pids_limit", parse_count, &pids, _ ("a whole number ≥ 0"), error) ||
      !read_setting (config, "tmpfs_size", parse_bytes, &self->tmpfs_bytes,
                     _ ("a size such as “256m”"), error) ||
      !read_setting (config, "app_size", parse_bytes, &self->app_bytes, _ ("a size such as “64m”"),
                     error) ||
      !read_setting (config, "stop_grace_seconds", parse_seconds, &self->max_grace_seconds, seconds,
                     error) ||
      !read_setting (config, "placement_timeout", parse_seconds, &self->placement_timeout, seconds,
                     error) ||
      !read_setting (config, "max_connections", parse_count, &max_connections,
                     _ ("a whole number ≥ 0"), error))
    return FALSE;
  if (g_key_file_has_key (config, GROUP, "max_connections", NULL))
    ff_docker_base_executor_set_max_connections (base, max_connections);
  if (!read_setting (config, "init", parse_boolean, &self->init, _ ("true or false"), error))
    return FALSE;
  self->pids_limit = pids;
  return TRUE;
}

/* ---- health and diagnosis ---- */

/* The health check and the diagnosis ask the same: is the engine a
 * manager, and does the proxy let through what is needed. */
static void
probe_async (FfDockerBaseExecutor *base,
             GCancellable *cancellable,
             GAsyncReadyCallback callback,
             gpointer user_data)
{
  ff_swarm_probe_async (ff_docker_base_executor_get_client (base), cancellable, callback,
                        user_data);
}

/* Healthy: the probe found nothing missing. */
static gboolean
probe_health_finish (FfDockerBaseExecutor *base, GAsyncResult *result, GError **error)
{
  g_autoptr (GPtrArray) checks = NULL;
  GError *found = NULL;

  checks = ff_swarm_probe_finish (ff_docker_base_executor_get_client (base), result, error);
  if (checks == NULL)
    return FALSE;
  found = ff_swarm_probe_dup_error (checks);
  if (found != NULL)
    {
      g_propagate_error (error, found);
      return FALSE;
    }
  return TRUE;
}

/* Before API 1.44 (Docker 25) a service cannot ask for no_new_privs: no
 * field of the 1.41 ContainerSpec sets it (Privileges has only
 * CredentialSpec and SELinuxContext). Tasks still run with every
 * capability dropped, so a setuid program gains none; the engine's own
 * "no-new-privileges": true in daemon.json sets it for every container of
 * that node, tasks included. fastflow runs such tasks and says so here. */
static void
add_no_new_privileges_check (FfDockerClient *client, GPtrArray *checks)
{
  const gchar *version = ff_docker_client_get_api_version (client);
  g_autofree gchar *message = NULL;

  if (version == NULL || ff_swarm_api_is_at_least (client, 44))
    return;
  message = g_strdup_printf (_ ("The engine speaks API %s; services can ask for "
                                "no-new-privileges only from API 1.44 (Docker 25) on. Tasks run "
                                "with all capabilities dropped; set \"no-new-privileges\": true "
                                "in daemon.json on every node to have it as well"),
                             version);
  g_ptr_array_add (checks,
                   ff_executor_check_new ("no-new-privileges", FF_CHECK_LEVEL_WARNING, message));
}

static GPtrArray *
diagnose_finish (FfDockerBaseExecutor *base, GAsyncResult *result, GError **error)
{
  g_autoptr (GError) error_local = NULL;
  GPtrArray *checks =
      ff_swarm_probe_finish (ff_docker_base_executor_get_client (base), result, &error_local);

  /* a proxy that does not answer is one finding, not a failed diagnosis */
  if (checks == NULL)
    {
      checks = g_ptr_array_new_with_free_func (g_object_unref);
      g_ptr_array_add (checks,
                       ff_executor_check_new ("proxy", FF_CHECK_LEVEL_ERROR, error_local->message));
      return checks;
    }
  add_no_new_privileges_check (ff_docker_base_executor_get_client (base), checks);
  return checks;
}

/* ---- the service ---- */

static void
add_tmpfs (JsonBuilder *builder, const gchar *target, guint64 size)
{
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "Type");
  json_builder_add_string_value (builder, "tmpfs");
  json_builder_set_member_name (builder, "Target");
  json_builder_add_string_value (builder, target);
  json_builder_set_member_name (builder, "TmpfsOptions");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "SizeBytes");
  json_builder_add_int_value (builder, (gint64) size);
  json_builder_set_member_name (builder, "Mode");
  json_builder_add_int_value (builder, 01777);
  json_builder_end_object (builder);
  json_builder_end_object (builder);
}

static void
add_config_ref (JsonBuilder *builder, Launch *launch)
{
  json_builder_set_member_name (builder, "Configs");
  json_builder_begin_array (builder);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "File");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "Name");
  json_builder_add_string_value (builder, ARCHIVE_PATH);
  json_builder_set_member_name (builder, "UID");
  json_builder_add_string_value (builder, "0");
  json_builder_set_member_name (builder, "GID");
  json_builder_add_string_value (builder, "0");
  /* readable for a non-root `user` too */
  json_builder_set_member_name (builder, "Mode");
  json_builder_add_int_value (builder, 0444);
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "ConfigID");
  json_builder_add_string_value (builder, launch->config_id);
  json_builder_set_member_name (builder, "ConfigName");
  json_builder_add_string_value (builder, launch->name);
  json_builder_end_object (builder);
  json_builder_end_array (builder);
}

static void
add_command (JsonBuilder *builder, Launch *launch)
{
  const gchar *const *argv = ff_run_request_get_command (launch->request);
  g_autoptr (GStrvBuilder) command = g_strv_builder_new ();
  g_auto (GStrv) strv = NULL;

  /* Command replaces the image's ENTRYPOINT as well: the request's
   * command is the whole argv. */
  if (launch->archive != NULL)
    {
      g_strv_builder_add_many (command, "sh", "-c", UNPACK_SCRIPT, "fastflow-unpack", NULL);
    }
  g_strv_builder_addv (command, (const gchar **) argv);
  strv = g_strv_builder_end (command);
  ff_docker_spec_add_string_array (builder, "Command", (const gchar *const *) strv);
}

static void
add_container_spec (FfSwarmExecutor *self, JsonBuilder *builder, Launch *launch)
{
  static const gchar *const cap_drop[] = { "ALL", NULL };
  const gchar *user = ff_docker_base_executor_get_user (FF_DOCKER_BASE_EXECUTOR (self));
  FfRunRequest *request = launch->request;
  guint grace_ms = MIN (ff_run_request_get_stop_grace_ms (request), self->max_grace_seconds * 1000);

  json_builder_set_member_name (builder, "ContainerSpec");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "Image");
  json_builder_add_string_value (builder, launch->image);
  add_command (builder, launch);
  /* The route file cannot come back from another node: the run may
   * write it, but its route is not seen (docs/swarm.md). */
  ff_docker_spec_add_env (builder, "Env", request, ROUTE_FILE);
  ff_docker_spec_add_labels (builder, "Labels", request, FF_SWARM_EXECUTOR_NAME);
  if (launch->archive != NULL)
    {
      json_builder_set_member_name (builder, "Dir");
      json_builder_add_string_value (builder, APP_DIR);
    }
  if (user != NULL)
    {
      json_builder_set_member_name (builder, "User");
      json_builder_add_string_value (builder, user);
    }
  json_builder_set_member_name (builder, "TTY");
  json_builder_add_boolean_value (builder, FALSE);
  json_builder_set_member_name (builder, "ReadOnly");
  json_builder_add_boolean_value (builder, TRUE);
  json_builder_set_member_name (builder, "Mounts");
  json_builder_begin_array (builder);
  add_tmpfs (builder, "/tmp", self->tmpfs_bytes);
  if (launch->archive != NULL)
    add_tmpfs (builder, APP_DIR, self->app_bytes);
  json_builder_end_array (builder);
  if (launch->config_id != NULL)
    add_config_ref (builder, launch);
  ff_docker_spec_add_string_array (builder, "CapabilityDrop", cap_drop);
  /* Only API 1.44 has it for services; without capabilities a setuid
   * program gains nothing either. */
  if (ff_swarm_api_is_at_least (get_client (self), 44))
    {
      json_builder_set_member_name (builder, "Privileges");
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "NoNewPrivileges");
      json_builder_add_boolean_value (builder, TRUE);
      json_builder_end_object (builder);
    }
  /* A program as PID 1 ignores SIGTERM unless it handles it, which would
   * turn every stop into a kill after the grace period. */
  json_builder_set_member_name (builder, "Init");
  json_builder_add_boolean_value (builder, self->init);
  json_builder_set_member_name (builder, "StopGracePeriod");
  json_builder_add_int_value (builder, (gint64) grace_ms * 1000000);
  json_builder_end_object (builder);
}

static void
add_resources (FfSwarmExecutor *self, JsonBuilder *builder, FfRunRequest *request)
{
  guint64 memory = ff_run_request_get_memory_limit (request);
  gdouble cpus = ff_run_request_get_cpu_limit (request);

  json_builder_set_member_name (builder, "Resources");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "Limits");
  json_builder_begin_object (builder);
  if (memory > 0)
    {
      json_builder_set_member_name (builder, "MemoryBytes");
      json_builder_add_int_value (builder, (gint64) memory);
    }
  if (cpus > 0)
    {
      json_builder_set_member_name (builder, "NanoCPUs");
      json_builder_add_int_value (builder, (gint64) (cpus * 1e9));
    }
  if (self->pids_limit > 0)
    {
      json_builder_set_member_name (builder, "Pids");
      json_builder_add_int_value (builder, self->pids_limit);
    }
  json_builder_end_object (builder);
  json_builder_end_object (builder);
}

static JsonNode *
build_service (FfSwarmExecutor *self, Launch *launch)
{
  FfRunRequest *request = launch->request;
  const gchar *const *placement = ff_run_request_get_placement (request);
  g_autoptr (JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "Name");
  json_builder_add_string_value (builder, launch->name);
  ff_docker_spec_add_labels (builder, "Labels", request, FF_SWARM_EXECUTOR_NAME);
  json_builder_set_member_name (builder, "TaskTemplate");
  json_builder_begin_object (builder);
  add_container_spec (self, builder, launch);
  add_resources (self, builder, request);
  json_builder_set_member_name (builder, "RestartPolicy");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "Condition");
  json_builder_add_string_value (builder, "none");
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "Placement");
  json_builder_begin_object (builder);
  ff_docker_spec_add_string_array (builder, "Constraints", placement);
  json_builder_end_object (builder);
  /* A swarm task cannot join the node-local network "none"; an internal
   * overlay network, with no way out, stands in for it. "bridge" is what
   * a task without networks gets. */
  if (g_strcmp0 (launch->network, "none") == 0)
    {
      json_builder_set_member_name (builder, "Networks");
      json_builder_begin_array (builder);
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "Target");
      json_builder_add_string_value (builder, self->none_network);
      json_builder_end_object (builder);
      json_builder_end_array (builder);
    }
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "Mode");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "ReplicatedJob");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "MaxConcurrent");
  json_builder_add_int_value (builder, 1);
  json_builder_set_member_name (builder, "TotalCompletions");
  json_builder_add_int_value (builder, 1);
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

static JsonNode *
build_config (Launch *launch)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autofree gchar *data = NULL;
  gsize len = 0;
  const guint8 *bytes = g_bytes_get_data (launch->archive, &len);

  data = g_base64_encode (bytes, len);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "Name");
  json_builder_add_string_value (builder, launch->name);
  ff_docker_spec_add_labels (builder, "Labels", launch->request, FF_SWARM_EXECUTOR_NAME);
  json_builder_set_member_name (builder, "Data");
  json_builder_add_string_value (builder, data);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

/* ---- launch ---- */

/* A launch that fails after a create removes what it created: the
 * service first, since the config is in use while the service exists. */
static gchar *
next_removal (FfDockerBaseExecutor *base, gpointer data, gchar **id)
{
  Launch *launch = data;

  if (launch->service_id != NULL)
    {
      *id = g_steal_pointer (&launch->service_id);
      return g_strdup_printf ("/services/%s", *id);
    }
  if (launch->config_id != NULL)
    {
      *id = g_steal_pointer (&launch->config_id);
      return g_strdup_printf ("/configs/%s", *id);
    }
  return NULL;
}

static void
removal_failed (FfDockerBaseExecutor *base, gpointer data, const gchar *id, const GError *error)
{
  g_warning (_ ("The swarm object %s could not be removed and is left behind: %s"), id,
             error != NULL ? error->message : "");
}

static GError *
create_error (FfSwarmExecutor *self, Launch *launch, gboolean service, guint status, JsonNode *node)
{
  g_autofree gchar *detail = ff_docker_client_dup_error_message (node);
  g_autofree gchar *code = g_strdup_printf ("%u", status);
  g_autofree gchar *message = NULL;

  /* The stand-in for "none" is the operator's to create; say how. */
  if (detail != NULL && g_strcmp0 (launch->network, "none") == 0 &&
      strstr (detail, self->none_network) != NULL)
    message = ff_message_new (
        GETTEXT_PACKAGE,
        N_ ("The swarm has no network “%s”, which stands in for the network “none”: create it "
            "on a manager with “docker network create --driver overlay --internal %s”, or set "
            "none_network in [executor.swarm] (HTTP %s: %s)"),
        self->none_network, self->none_network, code, detail, NULL);
  else
    message = ff_message_new (GETTEXT_PACKAGE,
                              service ? N_ ("The Docker engine could not create the swarm service "
                                            "for pipeline %s (HTTP %s): %s")
                                      : N_ ("The Docker engine could not create the swarm config "
                                            "that carries the folder of pipeline %s (HTTP %s): %s"),
                              ff_run_request_get_pipeline (launch->request), code,
                              detail != NULL ? detail : _ ("no details"), NULL);
  return g_error_new_literal (FF_EXECUTOR_ERROR, FF_REASON_ENGINE_ERROR, message);
}

/* The answer to a create: the new object's id into @id, or the launch
 * fails (and removes what it made) and FALSE comes back. */
static gboolean
take_created (GTask *task, GAsyncResult *res, gboolean service, gchar **id)
{
  FfSwarmExecutor *self = g_task_get_source_object (task);
  Launch *launch = g_task_get_task_data (task);
  g_autoptr (JsonNode) node = NULL;
  GError *error = NULL;
  guint status = 0;
  const gchar *created = NULL;

  node = ff_docker_client_call_finish (get_client (self), res, &status, &error);
  if (error == NULL && status == 201 && node != NULL && JSON_NODE_HOLDS_OBJECT (node))
    created = json_object_get_string_member_with_default (json_node_get_object (node), "ID", NULL);
  if (error == NULL && created == NULL)
    error = create_error (self, launch, service, status, node);
  if (error == NULL)
    *id = g_strdup (created);
  else if (g_error_matches (error, FF_EXECUTOR_ERROR, FF_REASON_PROXY_UNREACHABLE))
    /* The create may have got through before the connection broke; the
     * name is unique, and removal takes names too. */
    *id = g_strdup (launch->name);
  if (error == NULL)
    g_cancellable_set_error_if_cancelled (g_task_get_cancellable (task), &error);
  if (error == NULL)
    return TRUE;
  ff_docker_base_executor_fail_launch (task, error);
  return FALSE;
}

static void
on_service_created (GObject *source, GAsyncResult *res, gpointer user_data)
{
  GTask *task = user_data;
  FfSwarmExecutor *self = g_task_get_source_object (task);
  Launch *launch = g_task_get_task_data (task);
  g_autoptr (FfSwarmExecution) execution = NULL;

  if (!take_created (task, res, TRUE, &launch->service_id))
    return;
  ff_docker_base_executor_set_healthy (FF_DOCKER_BASE_EXECUTOR (self), TRUE);
  execution = ff_swarm_execution_new (
      get_client (self), ff_run_request_get_pipeline (launch->request), launch->service_id,
      launch->config_id, ff_run_request_get_memory_limit (launch->request),
      self->placement_timeout * 1000);
  if (launch->note != NULL)
    ff_execution_add_note (FF_EXECUTION (execution), launch->note);
  ff_swarm_execution_start (execution);
  g_task_return_pointer (task, g_steal_pointer (&execution), g_object_unref);
  g_object_unref (task);
}

/* The cores of the biggest node that takes tasks (ready, active); 0 if
 * the answer says nothing. */
static guint
largest_node_cores (JsonNode *nodes)
{
  gint64 largest = 0;
  JsonArray *array;

  if (nodes == NULL || !JSON_NODE_HOLDS_ARRAY (nodes))
    return 0;
  array = json_node_get_array (nodes);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      JsonObject *object, *member;
      const gchar *state = NULL, *availability = NULL;
      gint64 nano = 0;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;
      object = json_node_get_object (node);
      if ((member = json_object_get_object_member (object, "Status")) != NULL)
        state = json_object_get_string_member_with_default (member, "State", NULL);
      if ((member = json_object_get_object_member (object, "Spec")) != NULL)
        availability = json_object_get_string_member_with_default (member, "Availability", NULL);
      if ((member = json_object_get_object_member (object, "Description")) != NULL &&
          (member = json_object_get_object_member (member, "Resources")) != NULL)
        nano = json_object_get_int_member_with_default (member, "NanoCPUs", 0);
      if (g_strcmp0 (state, "ready") == 0 && g_strcmp0 (availability, "active") == 0)
        largest = MAX (largest, nano);
    }
  return (guint) (largest / 1000000000);
}

static void create_service (GTask *task);

/* cpu_hard_limit from a bigger machine: no node could run the task, so
 * the run gets the biggest node's cores. Without an answer (the proxy
 * refuses /nodes, say) the limit stays as asked. */
static void
on_nodes (GObject *source, GAsyncResult *res, gpointer user_data)
{
  GTask *task = user_data;
  Launch *launch = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) nodes = NULL;
  guint status = 0;

  nodes = ff_docker_client_call_finish (FF_DOCKER_CLIENT (source), res, &status, &error);
  if (error != NULL || status != 200)
    g_debug ("the nodes' cores are unknown: %s", error != NULL ? error->message : "");
  else
    launch->note = ff_limits_clamp_cpus (launch->request, largest_node_cores (nodes));
  create_service (task);
}

static void
create_service (GTask *task)
{
  FfSwarmExecutor *self = g_task_get_source_object (task);
  Launch *launch = g_task_get_task_data (task);
  g_autoptr (JsonNode) body = NULL;

  if (!launch->cores_known && ff_run_request_get_cpu_limit (launch->request) > 0)
    {
      launch->cores_known = TRUE;
      ff_docker_client_call_async (get_client (self), "GET", "/nodes", NULL, FF_DOCKER_CALL_NONE,
                                   NULL, on_nodes, task);
      return;
    }
  body = build_service (self, launch);

  /* Not cancellable: the engine completes a create whose client went
   * away. on_service_created looks at the cancellable instead. */
  ff_docker_client_call_async (get_client (self), "POST", "/services/create", body,
                               FF_DOCKER_CALL_LONG, NULL, on_service_created, task);
}

static void
on_config_created (GObject *source, GAsyncResult *res, gpointer user_data)
{
  GTask *task = user_data;
  Launch *launch = g_task_get_task_data (task);

  if (take_created (task, res, FALSE, &launch->config_id))
    create_service (task);
}

static void
create_objects (GTask *task)
{
  FfSwarmExecutor *self = g_task_get_source_object (task);
  Launch *launch = g_task_get_task_data (task);
  g_autoptr (JsonNode) body = NULL;

  if (launch->archive == NULL)
    {
      create_service (task);
      return;
    }
  body = build_config (launch);
  ff_docker_client_call_async (get_client (self), "POST", "/configs/create", body,
                               FF_DOCKER_CALL_LONG, NULL, on_config_created, task);
}

/* Packing the folder: tar's output is read as it comes and tar is stopped
 * once it passes what a config can carry, so that a big folder costs
 * neither the time nor the memory of packing it whole. */
#define READ_SIZE (64 * 1024)
#define MAX_TAR_ERRORS 4096

typedef struct
{
  GTask *task; /* the launch */
  GSubprocess *tar;
  GByteArray *archive;
  GByteArray *errors; /* the start of tar's complaints */
  guint open;         /* the two streams being read, and the wait for tar */
  gboolean too_big;
  GError *error;
} Pack;

static void
pack_free (Pack *pack)
{
  g_object_unref (pack->tar);
  g_byte_array_unref (pack->archive);
  g_byte_array_unref (pack->errors);
  g_clear_error (&pack->error);
  g_free (pack);
}

static void
pack_fail (GTask *task, const gchar *detail)
{
  Launch *launch = g_task_get_task_data (task);

  g_task_return_new_error (task, FF_EXECUTOR_ERROR, FF_REASON_SPAWN_FAILED,
                           _ ("The folder of pipeline %s could not be packed: %s"),
                           ff_run_request_get_pipeline (launch->request), detail);
  g_object_unref (task);
}

static void
pack_refuse_size (GTask *task)
{
  Launch *launch = g_task_get_task_data (task);
  g_autofree gchar *max = g_format_size (MAX_ARCHIVE_BYTES);
  g_autofree gchar *message = ff_message_new (
      GETTEXT_PACKAGE,
      N_ ("The folder of pipeline %s is more than %s when packed, more than a swarm config "
          "can carry to a node; keep data out of the pipeline folder or use the docker-proxy "
          "executor"),
      ff_run_request_get_pipeline (launch->request), max, NULL);

  g_task_return_error (task, g_error_new_literal (FF_EXECUTOR_ERROR, FF_REASON_REFUSED, message));
  g_object_unref (task);
}

static void
pack_done (Pack *pack)
{
  GTask *task = pack->task;
  Launch *launch = g_task_get_task_data (task);
  g_autofree gchar *detail = NULL;

  if (--pack->open > 0)
    return;
  if (pack->too_big)
    pack_refuse_size (task);
  else if (pack->error != NULL && g_error_matches (pack->error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_task_return_error (task, g_steal_pointer (&pack->error));
      g_object_unref (task);
    }
  else if (pack->error != NULL)
    pack_fail (task, pack->error->message);
  else if (!g_subprocess_get_successful (pack->tar))
    {
      detail = g_strndup ((const gchar *) pack->errors->data, pack->errors->len);
      pack_fail (task, g_strstrip (detail));
    }
  else
    {
      launch->archive = g_byte_array_free_to_bytes (g_steal_pointer (&pack->archive));
      pack->archive = g_byte_array_new ();
      ff_docker_base_executor_ensure_healthy (task, create_objects);
    }
  pack_free (pack);
}

/* Stops tar (once) when something went wrong or it wrote too much. */
static void
pack_stop (Pack *pack, GError *error)
{
  if (pack->error == NULL && error != NULL)
    pack->error = error;
  else if (error != NULL)
    g_error_free (error);
  g_subprocess_force_exit (pack->tar);
}

static void read_pack_stream (Pack *pack, gboolean out);

static void
on_pack_read (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Pack *pack = user_data;
  gboolean out = G_INPUT_STREAM (source) == g_subprocess_get_stdout_pipe (pack->tar);
  GError *error = NULL;
  g_autoptr (GBytes) bytes =
      g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), res, &error);
  GByteArray *into = out ? pack->archive : pack->errors;
  gsize len = bytes != NULL ? g_bytes_get_size (bytes) : 0;

  if (bytes == NULL)
    {
      pack_stop (pack, error);
      pack_done (pack);
      return;
    }
  if (len == 0)
    {
      pack_done (pack);
      return;
    }
  if (out)
    g_byte_array_append (into, g_bytes_get_data (bytes, NULL), len);
  else if (into->len < MAX_TAR_ERRORS)
    g_byte_array_append (into, g_bytes_get_data (bytes, NULL),
                         MIN (len, MAX_TAR_ERRORS - into->len));
  if (out && into->len > MAX_ARCHIVE_BYTES)
    {
      /* no more reading: what is left is never needed. Closing the pipe
       * also ends tar's gzip, which would otherwise wait to write. */
      pack->too_big = TRUE;
      g_input_stream_close (G_INPUT_STREAM (source), NULL, NULL);
      pack_stop (pack, NULL);
      pack_done (pack);
      return;
    }
  read_pack_stream (pack, out);
}

static void
read_pack_stream (Pack *pack, gboolean out)
{
  GInputStream *stream =
      out ? g_subprocess_get_stdout_pipe (pack->tar) : g_subprocess_get_stderr_pipe (pack->tar);

  g_input_stream_read_bytes_async (stream, READ_SIZE, G_PRIORITY_DEFAULT,
                                   g_task_get_cancellable (pack->task), on_pack_read, pack);
}

static void
on_tar_exited (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Pack *pack = user_data;

  /* not cancellable: tar is always waited for, never left a zombie */
  g_subprocess_wait_finish (G_SUBPROCESS (source), res, NULL);
  pack_done (pack);
}

/* The folder as a gzipped tar, by the system's tar in a subprocess, so
 * that reading it never blocks the main loop. Caches and version control
 * stay behind: they only take room in the config. @dir is the folder
 * resolved at launch, so tar never follows a symlink to elsewhere. */
static void
pack_folder (GTask *task, const gchar *dir)
{
  g_autoptr (GError) error = NULL;
  Pack *pack;
  GSubprocess *tar;

  tar = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error,
                          "tar", "-C", dir, "--exclude=.git", "--exclude=__pycache__",
                          "--exclude=.venv", "--owner=0", "--group=0", "--numeric-owner", "-czf",
                          "-", ".", NULL);
  if (tar == NULL)
    {
      pack_fail (task, error->message);
      return;
    }
  pack = g_new0 (Pack, 1);
  pack->task = task;
  pack->tar = tar;
  pack->archive = g_byte_array_new ();
  pack->errors = g_byte_array_new ();
  pack->open = 3;
  read_pack_stream (pack, TRUE);
  read_pack_stream (pack, FALSE);
  g_subprocess_wait_async (tar, NULL, on_tar_exited, pack);
}

/* A task may run on another node, where no host folder is: the pipeline
 * folder travels as a copy, but a dependency environment (built once,
 * shared by later runs) or fastflow's tools cannot. docs/swarm.md. */
static gboolean
check_no_folders (FfRunRequest *request, GError **error)
{
  for (FfRunFolder folder = 0; folder < FF_RUN_FOLDER_LAST; folder++)
    {
      g_autofree gchar *message = NULL;

      if (ff_run_request_get_folder (request, folder, NULL) == NULL)
        continue;
      /* kept untranslated: the run's history shows it in its reader's words */
      message = ff_message_new (
          GETTEXT_PACKAGE,
          N_ ("Pipeline %s needs a folder of the host (%s: its dependency environment from "
              "requirements.txt, or fastflow's tools), which the swarm executor cannot show "
              "its tasks on another node; run it with the docker-proxy or local executor "
              "(“executor” in its pipeline.json)"),
          ff_run_request_get_pipeline (request), ff_run_request_get_folder (request, folder, NULL),
          NULL);
      g_set_error_literal (error, FF_EXECUTOR_ERROR, FF_REASON_REFUSED, message);
      return FALSE;
    }
  return TRUE;
}

/* Everything the proxy cannot judge, before any request is sent. */
static gboolean
prepare (FfSwarmExecutor *self, Launch *launch, GError **error)
{
  FfDockerBaseExecutor *base = FF_DOCKER_BASE_EXECUTOR (self);
  FfRunRequest *request = launch->request;
  const gchar *network = ff_docker_base_executor_check_request (base, request, error);

  if (network == NULL || !check_no_folders (request, error))
    return FALSE;
  launch->network = g_strdup (network);
  launch->image = ff_docker_base_executor_dup_image (base, request, error);
  if (launch->image == NULL)
    return FALSE;
  launch->name = ff_docker_spec_dup_name (request);
  return TRUE;
}

static void
launch_async (FfDockerBaseExecutor *base,
              FfRunRequest *request,
              GCancellable *cancellable,
              GAsyncReadyCallback callback,
              gpointer user_data)
{
  FfSwarmExecutor *self = FF_SWARM_EXECUTOR (base);
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  Launch *launch = g_new0 (Launch, 1);
  const gchar *dir = ff_run_request_get_pipeline_dir (request);
  g_autofree gchar *resolved = NULL;
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
  if (dir == NULL)
    {
      ff_docker_base_executor_ensure_healthy (task, create_objects);
      return;
    }
  /* resolved once, here, and packed from where it leads */
  resolved = ff_docker_base_executor_check_pipeline_dir (base, request, &error);
  if (resolved == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  pack_folder (task, resolved);
}

/* ---- leftovers ---- */

/* What a daemon of this instance that died left behind: its services
 * first, then its configs, which are in use while a service exists. */
/* What a dead fastflowd may have left, in this order: its services, their
 * configs, and then the services' task containers, which an engine of the
 * Docker 20.10 line keeps (running, after a cancel) when their service goes
 * (moby/moby#44312, #42789); that round needs CONTAINERS=1 and is skipped
 * without it. */
enum
{
  SWEEP_SERVICES,
  SWEEP_CONFIGS,
  SWEEP_CONTAINERS,
};

static const struct
{
  const gchar *list;
  const gchar *remove;
  const gchar *id_member;
} sweep_rounds[] = {
  [SWEEP_SERVICES] = { "/services", "/services", "ID" },
  [SWEEP_CONFIGS] = { "/configs", "/configs", "ID" },
  [SWEEP_CONTAINERS] = { "/containers/json", "/containers", "Id" },
};

static gchar *
leftovers_path (FfDockerBaseExecutor *base,
                const gchar *instance,
                guint round,
                FfDockerCallFlags *flags)
{
  g_autofree gchar *filters = NULL;
  g_autofree gchar *escaped = NULL;

  if (round >= G_N_ELEMENTS (sweep_rounds))
    return NULL;
  filters =
      g_strdup_printf ("{\"label\":[\"org.fastflow.instance=%s\",\"org.fastflow.executor=%s\"]}",
                       instance, FF_SWARM_EXECUTOR_NAME);
  escaped = g_uri_escape_string (filters, NULL, FALSE);
  /* A proxy that refuses services (or containers), or an engine outside a
   * swarm, is no error here: see the base's sweep. */
  *flags = FF_DOCKER_CALL_PROBE;
  return g_strdup_printf ("%s?%sfilters=%s", sweep_rounds[round].list,
                          round == SWEEP_CONTAINERS ? "all=1&" : "", escaped);
}

/* A container lists its labels at the top, a service or a config in its
 * Spec. */
static const gchar *
owner_of (JsonObject *object)
{
  JsonObject *spec = json_object_has_member (object, "Spec")
                         ? json_object_get_object_member (object, "Spec")
                         : object;
  JsonObject *labels = spec != NULL && json_object_has_member (spec, "Labels")
                           ? json_object_get_object_member (spec, "Labels")
                           : NULL;

  if (labels == NULL)
    return NULL;
  return json_object_get_string_member_with_default (labels, "org.fastflow.daemon", NULL);
}

static gchar *
leftover_path (FfDockerBaseExecutor *base, JsonObject *object, const gchar *daemon_id, guint round)
{
  const gchar *id;

  if (round >= G_N_ELEMENTS (sweep_rounds) || g_strcmp0 (owner_of (object), daemon_id) == 0)
    return NULL;
  id = json_object_get_string_member_with_default (object, sweep_rounds[round].id_member, NULL);
  if (id == NULL)
    return NULL;
  g_debug ("removing swarm object %s, left behind by an earlier fastflowd", id);
  return g_strdup_printf ("%s/%s%s", sweep_rounds[round].remove, id,
                          round == SWEEP_CONTAINERS ? "?force=1&v=1" : "");
}

static void
ff_swarm_executor_class_init (FfSwarmExecutorClass *klass)
{
  FfDockerBaseExecutorClass *base_class = FF_DOCKER_BASE_EXECUTOR_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = ff_swarm_executor_finalize;
  base_class->name = FF_SWARM_EXECUTOR_NAME;
  base_class->configure = configure;
  base_class->probe_health_async = probe_async;
  base_class->probe_health_finish = probe_health_finish;
  base_class->diagnose_async = probe_async;
  base_class->diagnose_finish = diagnose_finish;
  base_class->launch_async = launch_async;
  base_class->next_removal = next_removal;
  base_class->removal_failed = removal_failed;
  base_class->leftovers_path = leftovers_path;
  base_class->leftover_path = leftover_path;
}
