/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <math.h>
#include <string.h>

#include "ff-docker-inspect.h"

static JsonObject *
object_member (JsonObject *obj, const gchar *name)
{
  JsonNode *node = obj != NULL ? json_object_get_member (obj, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static JsonNode *
value_member (JsonObject *obj, const gchar *name, GType type)
{
  JsonNode *node = obj != NULL ? json_object_get_member (obj, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return NULL;
  if (type == G_TYPE_DOUBLE)
    return json_node_get_value_type (node) == G_TYPE_INT64 ||
                   json_node_get_value_type (node) == G_TYPE_DOUBLE
               ? node
               : NULL;
  return json_node_get_value_type (node) == type ? node : NULL;
}

static const gchar *
string_member (JsonObject *obj, const gchar *name)
{
  JsonNode *node = value_member (obj, name, G_TYPE_STRING);

  return node != NULL ? json_node_get_string (node) : NULL;
}

static gboolean
boolean_member (JsonObject *obj, const gchar *name)
{
  JsonNode *node = value_member (obj, name, G_TYPE_BOOLEAN);

  return node != NULL && json_node_get_boolean (node);
}

/* As a double: a difference of two counters cannot overflow, and a value
 * beyond gint64 is not undefined behaviour. NaN stands for missing. */
static gdouble
number_at (JsonObject *obj, const gchar *path)
{
  g_auto (GStrv) parts = g_strsplit (path, ".", -1);
  JsonNode *node;
  guint i;

  for (i = 0; obj != NULL && parts[i + 1] != NULL; i++)
    obj = object_member (obj, parts[i]);
  node = value_member (obj, parts[i], G_TYPE_DOUBLE);
  return node != NULL ? json_node_get_double (node) : NAN;
}

static gboolean
exit_code_member (JsonObject *obj, gint *exit_code)
{
  JsonNode *node = value_member (obj, "ExitCode", G_TYPE_DOUBLE);
  gdouble value;

  if (node == NULL)
    return FALSE;
  value = json_node_get_double (node);
  if (!isfinite (value))
    return FALSE;
  *exit_code = (gint) CLAMP (value, G_MININT, G_MAXINT);
  return TRUE;
}

JsonObject *
ff_docker_inspect_get_state (JsonNode *inspect)
{
  if (inspect == NULL || !JSON_NODE_HOLDS_OBJECT (inspect))
    return NULL;
  return object_member (json_node_get_object (inspect), "State");
}

void
ff_docker_inspect_read_state (JsonObject *state, FfDockerContainerState *out)
{
  const gchar *status = string_member (state, "Status");

  /* "restarting" and "paused" will come back; "created" has not started
   * yet, which only happens in the instant after start was sent. */
  out->running = boolean_member (state, "Running") || g_strcmp0 (status, "created") == 0 ||
                 g_strcmp0 (status, "restarting") == 0;
  out->exit_code = -1;
  out->has_exit_code = exit_code_member (state, &out->exit_code);
  out->oom_killed = boolean_member (state, "OOMKilled");
}

gboolean
ff_docker_inspect_read_usage (JsonNode *stats, guint64 memory_limit, FfUsage *usage)
{
  JsonObject *obj =
      stats != NULL && JSON_NODE_HOLDS_OBJECT (stats) ? json_node_get_object (stats) : NULL;
  gdouble cpu = number_at (obj, "cpu_stats.cpu_usage.total_usage");
  gdouble pre_cpu = number_at (obj, "precpu_stats.cpu_usage.total_usage");
  gdouble system = number_at (obj, "cpu_stats.system_cpu_usage");
  gdouble pre_system = number_at (obj, "precpu_stats.system_cpu_usage");
  gdouble cpus = number_at (obj, "cpu_stats.online_cpus");
  gdouble memory = number_at (obj, "memory_stats.usage");
  /* As `docker stats` counts: page cache that can go is not in use. */
  gdouble inactive = number_at (obj, "memory_stats.stats.total_inactive_file");
  gdouble percent;

  if (isnan (inactive))
    inactive = number_at (obj, "memory_stats.stats.inactive_file");
  /* The first object has no previous one to compare with; NaN compares
   * false, so a missing counter ends here too. */
  if (!(pre_system > 0 && system > pre_system && cpus >= 1 && cpu >= 0 && pre_cpu >= 0))
    return FALSE;
  percent = MAX (cpu - pre_cpu, 0) / (system - pre_system) * cpus * 100.0;
  if (!isfinite (percent))
    return FALSE;
  if (!(memory >= 0 && memory < (gdouble) G_MAXUINT64))
    memory = 0;
  if (!(inactive >= 0))
    inactive = 0;
  usage->cpu_percent = percent;
  usage->memory_bytes = (guint64) MAX (memory - MIN (inactive, memory), 0);
  usage->memory_limit_bytes = memory_limit;
  return TRUE;
}

gboolean
ff_docker_inspect_read_task (JsonNode *task, FfDockerTaskStatus *out)
{
  JsonObject *obj =
      task != NULL && JSON_NODE_HOLDS_OBJECT (task) ? json_node_get_object (task) : NULL;
  JsonObject *status = object_member (obj, "Status");

  memset (out, 0, sizeof (*out));
  out->exit_code = -1;
  if (status == NULL)
    return FALSE;
  out->state = string_member (status, "State");
  out->err = string_member (status, "Err");
  if (out->err != NULL && *out->err == '\0')
    out->err = NULL;
  out->message = string_member (status, "Message");
  out->created_at = string_member (obj, "CreatedAt");
  out->has_exit_code =
      exit_code_member (object_member (status, "ContainerStatus"), &out->exit_code);
  out->container_id = string_member (object_member (status, "ContainerStatus"), "ContainerID");
  if (out->container_id != NULL && *out->container_id == '\0')
    out->container_id = NULL;
  return TRUE;
}
