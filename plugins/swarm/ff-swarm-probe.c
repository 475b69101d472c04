/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "ff-docker-probe.h"
#include "ff-swarm-probe.h"

/* GET /nodes is the one that also tells whether the engine manages a
 * swarm: it answers 503 on any other engine. A refused POST is told by
 * the proxy's verb rule; the engine has no POST /_ping and answers 404. */
static const FfDockerProbe probes[] = {
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
judge_one (FfDockerClient *client, const FfDockerProbe *probe, guint status, JsonNode *node)
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

static GPtrArray *
judge (FfDockerClient *client, const FfDockerProbeAnswer *answers)
{
  GPtrArray *checks = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < G_N_ELEMENTS (probes); i++)
    g_ptr_array_add (checks, judge_one (client, &probes[i], answers[i].status, answers[i].node));
  return checks;
}

/* An unreachable proxy or an engine too old: the probe itself fails. */
static GPtrArray *
after_ping (FfDockerClient *client, const GError *ping_error, GError **error)
{
  if (ping_error != NULL)
    {
      g_propagate_error (error, g_error_copy (ping_error));
      return NULL;
    }
  if (!ff_swarm_api_is_at_least (client, FF_SWARM_MIN_API_MINOR))
    g_set_error (error, FF_EXECUTOR_ERROR, FF_REASON_ENGINE_ERROR,
                 _ ("The Docker engine behind %s speaks API %s, but the swarm executor "
                    "needs API 1.%d or newer for the limits it sets on services"),
                 ff_docker_client_get_url (client), ff_docker_client_get_api_version (client),
                 FF_SWARM_MIN_API_MINOR);
  return NULL;
}

static const FfDockerProbeTable swarm_table = {
  probes,
  G_N_ELEMENTS (probes),
  after_ping,
  judge,
};

void
ff_swarm_probe_async (FfDockerClient *client,
                      GCancellable *cancellable,
                      GAsyncReadyCallback callback,
                      gpointer user_data)
{
  ff_docker_probe_table_async (client, &swarm_table, cancellable, callback, user_data);
}

GPtrArray *
ff_swarm_probe_finish (FfDockerClient *client, GAsyncResult *result, GError **error)
{
  return ff_docker_probe_table_finish (client, result, error);
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
