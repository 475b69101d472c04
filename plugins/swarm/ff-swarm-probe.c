/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "ff-swarm-probe.h"

typedef struct
{
  const gchar *name;
  const gchar *flag;
  const gchar *method;
  const gchar *path;  /* harmless: nothing that exists, nothing that changes */
  const gchar *shown; /* the API section, as people read it */
  const gchar *needed;
} Probe;

/* GET /nodes is the one that also tells whether the engine manages a
 * swarm: it answers 503 on any other engine. A refused POST is told by
 * the proxy's verb rule; the engine has no POST /_ping and answers 404. */
static const Probe probes[] = {
  { "manager", "NODES", "GET", "/nodes?filters=%7B%22role%22%3A%5B%22manager%22%5D%7D", "/nodes",
    N_ ("finding out whether the engine is a swarm manager") },
  { "services", "SERVICES", "GET", "/services/fastflow-probe", "/services",
    N_ ("creating, following and removing the services that run pipelines") },
  { "tasks", "TASKS", "GET", "/tasks/fastflow-probe", "/tasks",
    N_ ("reading the state and exit code of a run") },
  { "configs", "CONFIGS", "GET", "/configs/fastflow-probe", "/configs",
    N_ ("carrying the pipeline folder to the node that runs it") },
  { "post", "POST", "POST", "/_ping", "/…",
    N_ ("every request that changes something: create and remove") },
};

typedef struct
{
  guint pending;
  FfExecutorCheck *checks[G_N_ELEMENTS (probes)];
  GError *error;
} ProbeRun;

static void
probe_run_free (ProbeRun *run)
{
  for (guint i = 0; i < G_N_ELEMENTS (probes); i++)
    g_clear_object (&run->checks[i]);
  g_clear_error (&run->error);
  g_free (run);
}

gboolean
ff_swarm_api_is_at_least (FfDockerClient *client, guint minor)
{
  const gchar *version = ff_docker_client_get_api_version (client);
  guint64 major = 0, have = 0;
  g_auto (GStrv) parts = NULL;

  if (version == NULL)
    return FALSE;
  parts = g_strsplit (version, ".", 3);
  if (g_strv_length (parts) < 2 ||
      !g_ascii_string_to_unsigned (parts[0], 10, 0, 99, &major, NULL) ||
      !g_ascii_string_to_unsigned (parts[1], 10, 0, 999, &have, NULL))
    return FALSE;
  return major > 1 || (major == 1 && have >= minor);
}

static FfExecutorCheck *
judge (FfDockerClient *client, const Probe *probe, guint status, JsonNode *node)
{
  g_autofree gchar *message = NULL;
  g_autofree gchar *detail = NULL;

  if (status == 403)
    {
      message = g_strdup_printf (_ ("The Docker proxy (%s) refuses “%s %s”: set %s=1 on the "
                                    "proxy; the swarm executor needs it for %s"),
                                 ff_docker_client_get_url (client), probe->method, probe->shown,
                                 probe->flag, _ (probe->needed));
      return ff_executor_check_new (probe->name, FF_CHECK_LEVEL_ERROR, message);
    }
  if (g_str_equal (probe->name, "manager") && status != 200)
    {
      detail = ff_docker_client_dup_error_message (node);
      message = g_strdup_printf (_ ("The Docker engine behind %s is not a swarm manager (HTTP "
                                    "%u: %s); run the swarm executor against a manager, or run "
                                    "“docker swarm init” there"),
                                 ff_docker_client_get_url (client), status,
                                 detail != NULL ? detail : _ ("no details"));
      /* its own name: not the proxy's doing, but the engine's */
      return ff_executor_check_new ("swarm", FF_CHECK_LEVEL_ERROR, message);
    }
  if (g_str_equal (probe->name, "manager"))
    message = g_strdup_printf (_ ("%s=1: allowed, and the engine is a swarm manager"), probe->flag);
  else
    message = g_strdup_printf (_ ("%s=1: allowed; the swarm executor needs it for %s"), probe->flag,
                               _ (probe->needed));
  return ff_executor_check_new (probe->name, FF_CHECK_LEVEL_OK, message);
}

static void
probe_done (GTask *task)
{
  ProbeRun *run = g_task_get_task_data (task);
  GPtrArray *checks;

  if (--run->pending > 0)
    return;
  if (run->error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&run->error));
      return;
    }
  checks = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < G_N_ELEMENTS (probes); i++)
    g_ptr_array_add (checks, g_steal_pointer (&run->checks[i]));
  g_task_return_pointer (task, checks, (GDestroyNotify) g_ptr_array_unref);
}

typedef struct
{
  GTask *task;
  guint index;
} ProbeCall;

static void
on_probed (GObject *source, GAsyncResult *res, gpointer user_data)
{
  ProbeCall *call = user_data;
  ProbeRun *run = g_task_get_task_data (call->task);
  g_autoptr (JsonNode) node = NULL;
  g_autoptr (GError) error = NULL;
  guint status = 0;

  node = ff_docker_client_call_finish (FF_DOCKER_CLIENT (source), res, &status, &error);
  if (error != NULL && run->error == NULL)
    run->error = g_steal_pointer (&error);
  else if (error == NULL)
    run->checks[call->index] =
        judge (FF_DOCKER_CLIENT (source), &probes[call->index], status, node);
  probe_done (call->task);
  g_object_unref (call->task);
  g_free (call);
}

static void
on_pinged (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  FfDockerClient *client = FF_DOCKER_CLIENT (source);
  ProbeRun *run = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;

  /* an unreachable proxy or an engine too old: one finding says it all */
  if (ff_docker_client_ping_finish (client, res, &error) &&
      !ff_swarm_api_is_at_least (client, FF_SWARM_MIN_API_MINOR))
    error = g_error_new (FF_EXECUTOR_ERROR, FF_REASON_ENGINE_ERROR,
                         _ ("The Docker engine behind %s speaks API %s, but the swarm executor "
                            "needs API 1.%d or newer for the limits it sets on services"),
                         ff_docker_client_get_url (client),
                         ff_docker_client_get_api_version (client), FF_SWARM_MIN_API_MINOR);
  if (error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  run->pending = G_N_ELEMENTS (probes);
  for (guint i = 0; i < G_N_ELEMENTS (probes); i++)
    {
      ProbeCall *call = g_new0 (ProbeCall, 1);

      call->task = g_object_ref (task);
      call->index = i;
      ff_docker_client_call_async (client, probes[i].method, probes[i].path, NULL,
                                   FF_DOCKER_CALL_PROBE, g_task_get_cancellable (task), on_probed,
                                   call);
    }
}

void
ff_swarm_probe_async (FfDockerClient *client,
                      GCancellable *cancellable,
                      GAsyncReadyCallback callback,
                      gpointer user_data)
{
  GTask *task = g_task_new (client, cancellable, callback, user_data);

  g_task_set_source_tag (task, ff_swarm_probe_async);
  g_task_set_task_data (task, g_new0 (ProbeRun, 1), (GDestroyNotify) probe_run_free);
  ff_docker_client_ping_async (client, cancellable, on_pinged, task);
}

GPtrArray *
ff_swarm_probe_finish (FfDockerClient *client, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, client), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

GError *
ff_swarm_probe_dup_error (GPtrArray *checks)
{
  for (guint i = 0; i < checks->len; i++)
    {
      FfExecutorCheck *check = g_ptr_array_index (checks, i);
      const gchar *name = ff_executor_check_get_name (check);
      FfReason reason = FF_REASON_PROXY_FORBIDDEN;

      if (ff_executor_check_get_level (check) != FF_CHECK_LEVEL_ERROR)
        continue;
      if (g_str_equal (name, "swarm"))
        reason = FF_REASON_ENGINE_ERROR;
      return g_error_new_literal (FF_EXECUTOR_ERROR, reason, ff_executor_check_get_message (check));
    }
  return NULL;
}
