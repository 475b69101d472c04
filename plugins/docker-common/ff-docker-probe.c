/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "fastflow.h"
#include "ff-docker-probe.h"

/* POST is probed with POST /_ping, which the engine does not have (404)
 * while the proxy's verb rule answers 403. */
static const FfDockerProbe probes[] = {
  { NULL, "PING", "GET", "/_ping", NULL, N_ ("its health check") },
  { NULL, "VERSION", "GET", "/version", NULL, N_ ("the Engine API version") },
  { NULL, "CONTAINERS", "GET", "/containers/fastflow-probe/json", NULL,
    N_ ("creating, following, measuring and removing containers") },
  { NULL, "POST", "POST", "/_ping", NULL,
    N_ ("every request that changes something: create, start, stop and remove") },
  { NULL, "AUTH", "GET", "/auth/fastflow-probe", NULL, NULL },
  { NULL, "BUILD", "GET", "/build/fastflow-probe", NULL, NULL },
  { NULL, "COMMIT", "GET", "/commit/fastflow-probe", NULL, NULL },
  { NULL, "CONFIGS", "GET", "/configs/fastflow-probe", NULL, NULL },
  { NULL, "DISTRIBUTION", "GET", "/distribution/fastflow-probe", NULL, NULL },
  { NULL, "EVENTS", "GET", "/events/fastflow-probe", NULL, NULL },
  { NULL, "EXEC", "GET", "/exec/fastflow-probe/json", NULL, NULL },
  { NULL, "IMAGES", "GET", "/images/fastflow-probe/json", NULL, NULL },
  { NULL, "INFO", "GET", "/info/fastflow-probe", NULL, NULL },
  { NULL, "NETWORKS", "GET", "/networks/fastflow-probe", NULL, NULL },
  { NULL, "NODES", "GET", "/nodes/fastflow-probe", NULL, NULL },
  { NULL, "PLUGINS", "GET", "/plugins/fastflow-probe/json", NULL, NULL },
  { NULL, "SECRETS", "GET", "/secrets/fastflow-probe", NULL, NULL },
  { NULL, "SERVICES", "GET", "/services/fastflow-probe", NULL, NULL },
  { NULL, "SESSION", "GET", "/session/fastflow-probe", NULL, NULL },
  { NULL, "SWARM", "GET", "/swarm/fastflow-probe", NULL, NULL },
  { NULL, "SYSTEM", "GET", "/system/fastflow-probe", NULL, NULL },
  { NULL, "TASKS", "GET", "/tasks/fastflow-probe", NULL, NULL },
  { NULL, "VOLUMES", "GET", "/volumes/fastflow-probe", NULL, NULL },
};

guint
ff_docker_probe_get_n_flags (void)
{
  return G_N_ELEMENTS (probes);
}

const gchar *
ff_docker_probe_get_flag (guint index)
{
  g_return_val_if_fail (index < G_N_ELEMENTS (probes), NULL);
  return probes[index].flag;
}

static FfExecutorCheck *
check_needed (const FfDockerProbe *probe, gboolean allowed)
{
  g_autofree gchar *message = NULL;

  if (allowed)
    message = g_strdup_printf (_ ("%s=1: allowed; fastflow needs it for %s"), probe->flag,
                               _ (probe->needed));
  else
    message = g_strdup_printf (_ ("%s: refused, but fastflow needs %s=1 for %s"), probe->flag,
                               probe->flag, _ (probe->needed));
  return ff_executor_check_new (probe->flag, allowed ? FF_CHECK_LEVEL_OK : FF_CHECK_LEVEL_ERROR,
                                message);
}

GPtrArray *
ff_docker_probe_evaluate (const gboolean *allowed)
{
  GPtrArray *checks = g_ptr_array_new_with_free_func (g_object_unref);
  guint refused = 0;

  for (guint i = 0; i < G_N_ELEMENTS (probes); i++)
    {
      g_autofree gchar *message = NULL;

      if (probes[i].needed != NULL)
        {
          g_ptr_array_add (checks, check_needed (&probes[i], allowed[i]));
          continue;
        }
      if (!allowed[i])
        {
          refused++;
          continue;
        }
      message = g_strdup_printf (_ ("%s=1: allowed, but fastflow does not need it; set %s=0 so "
                                    "that the proxy lets through only what is needed"),
                                 probes[i].flag, probes[i].flag);
      g_ptr_array_add (checks,
                       ff_executor_check_new (probes[i].flag, FF_CHECK_LEVEL_WARNING, message));
    }
  if (refused > 0)
    {
      g_autofree gchar *message = g_strdup_printf (
          g_dngettext (GETTEXT_PACKAGE,
                       "%u API section that fastflow does not need is refused, as it should be",
                       "%u API sections that fastflow does not need are refused, as they should be",
                       refused),
          refused);
      g_ptr_array_add (checks, ff_executor_check_new ("unneeded", FF_CHECK_LEVEL_OK, message));
    }
  return checks;
}

/* ---- the fan-out, for any table ---- */

typedef struct
{
  const FfDockerProbeTable *table;
  guint pending;
  FfDockerProbeAnswer *answers;
  GError *error;
} ProbeRun;

static void
probe_run_free (ProbeRun *run)
{
  for (guint i = 0; i < run->table->n_probes; i++)
    g_clear_pointer (&run->answers[i].node, json_node_unref);
  g_free (run->answers);
  g_clear_error (&run->error);
  g_free (run);
}

static void
probe_done (GTask *task)
{
  ProbeRun *run = g_task_get_task_data (task);

  if (--run->pending > 0)
    return;
  if (run->error != NULL)
    g_task_return_error (task, g_steal_pointer (&run->error));
  else
    g_task_return_pointer (
        task, run->table->judge (FF_DOCKER_CLIENT (g_task_get_source_object (task)), run->answers),
        (GDestroyNotify) g_ptr_array_unref);
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
  FfDockerProbeAnswer *answer = &run->answers[call->index];
  g_autoptr (GError) error = NULL;

  answer->node =
      ff_docker_client_call_finish (FF_DOCKER_CLIENT (source), res, &answer->status, &error);
  if (error != NULL && run->error == NULL)
    run->error = g_steal_pointer (&error);
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
  const FfDockerProbeTable *table = run->table;
  g_autoptr (GError) ping_error = NULL;
  g_autoptr (GError) error = NULL;
  GPtrArray *checks;

  ff_docker_client_ping_finish (client, res, &ping_error);
  checks = table->after_ping (client, ping_error, &error);
  if (checks != NULL)
    {
      g_task_return_pointer (task, checks, (GDestroyNotify) g_ptr_array_unref);
      return;
    }
  if (error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  run->pending = table->n_probes;
  for (guint i = 0; i < table->n_probes; i++)
    {
      ProbeCall *call = g_new0 (ProbeCall, 1);

      call->task = g_object_ref (task);
      call->index = i;
      ff_docker_client_call_async (client, table->probes[i].method, table->probes[i].path, NULL,
                                   FF_DOCKER_CALL_PROBE, g_task_get_cancellable (task), on_probed,
                                   call);
    }
}

void
ff_docker_probe_table_async (FfDockerClient *client,
                             const FfDockerProbeTable *table,
                             GCancellable *cancellable,
                             GAsyncReadyCallback callback,
                             gpointer user_data)
{
  GTask *task = g_task_new (client, cancellable, callback, user_data);
  ProbeRun *run = g_new0 (ProbeRun, 1);

  run->table = table;
  run->answers = g_new0 (FfDockerProbeAnswer, table->n_probes);
  g_task_set_source_tag (task, ff_docker_probe_table_async);
  g_task_set_task_data (task, run, (GDestroyNotify) probe_run_free);
  ff_docker_client_ping_async (client, cancellable, on_pinged, task);
}

GPtrArray *
ff_docker_probe_table_finish (FfDockerClient *client, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, client), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- docker-proxy's table ---- */

/* An unreachable proxy or a refused ping: one finding says it all. */
static GPtrArray *
docker_after_ping (FfDockerClient *client, const GError *ping_error, GError **error)
{
  GPtrArray *checks;

  if (ping_error == NULL)
    return NULL;
  checks = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_add (checks,
                   ff_executor_check_new ("proxy", FF_CHECK_LEVEL_ERROR, ping_error->message));
  return checks;
}

static GPtrArray *
docker_judge (FfDockerClient *client, const FfDockerProbeAnswer *answers)
{
  gboolean allowed[G_N_ELEMENTS (probes)];

  /* only the proxy answers 403 here: the engine has nothing to refuse */
  for (guint i = 0; i < G_N_ELEMENTS (probes); i++)
    allowed[i] = answers[i].status != 403;
  return ff_docker_probe_evaluate (allowed);
}

static const FfDockerProbeTable docker_table = {
  probes,
  G_N_ELEMENTS (probes),
  docker_after_ping,
  docker_judge,
};

void
ff_docker_probe_async (FfDockerClient *client,
                       GCancellable *cancellable,
                       GAsyncReadyCallback callback,
                       gpointer user_data)
{
  ff_docker_probe_table_async (client, &docker_table, cancellable, callback, user_data);
}

GPtrArray *
ff_docker_probe_finish (FfDockerClient *client, GAsyncResult *result, GError **error)
{
  return ff_docker_probe_table_finish (client, result, error);
}

/* ---- docker-proxy's health: what it cannot run a pipeline without ---- */

/* The probes with a need are the table's first: PING, VERSION,
 * CONTAINERS, POST. */
#define N_NEEDED 4

/* A ping that fails says it all, with its own reason (unreachable,
 * refused, the engine's own socket). */
static GPtrArray *
health_after_ping (FfDockerClient *client, const GError *ping_error, GError **error)
{
  if (ping_error != NULL)
    g_propagate_error (error, g_error_copy (ping_error));
  return NULL;
}

/* One check per needed flag the proxy refuses; none when all get through. */
static GPtrArray *
health_judge (FfDockerClient *client, const FfDockerProbeAnswer *answers)
{
  GPtrArray *checks = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < N_NEEDED; i++)
    if (answers[i].status == 403)
      g_ptr_array_add (checks, check_needed (&probes[i], FALSE));
  return checks;
}

static const FfDockerProbeTable health_table = {
  probes,
  N_NEEDED,
  health_after_ping,
  health_judge,
};

void
ff_docker_probe_health_async (FfDockerClient *client,
                              GCancellable *cancellable,
                              GAsyncReadyCallback callback,
                              gpointer user_data)
{
  ff_docker_probe_table_async (client, &health_table, cancellable, callback, user_data);
}

/* An executor whose proxy refuses a flag it needs cannot run anything:
 * unhealthy, and the message names every flag to set, so that
 * `fastflowctl executors` says it without --verbose. */
gboolean
ff_docker_probe_health_finish (FfDockerClient *client, GAsyncResult *result, GError **error)
{
  g_autoptr (GPtrArray) checks = ff_docker_probe_table_finish (client, result, error);
  g_autoptr (GString) flags = NULL;
  g_autofree gchar *message = NULL;

  if (checks == NULL)
    return FALSE;
  if (checks->len == 0)
    return TRUE;
  flags = g_string_new (NULL);
  for (guint i = 0; i < checks->len; i++)
    g_string_append_printf (flags, "%s%s=1", i > 0 ? ", " : "",
                            ff_executor_check_get_name (g_ptr_array_index (checks, i)));
  message = ff_message_new (GETTEXT_PACKAGE,
                            N_ ("The Docker proxy (%s) refuses what fastflow cannot run "
                                "pipelines without: set %s on the proxy"),
                            ff_docker_client_get_url (client), flags->str, NULL);
  g_set_error_literal (error, FF_EXECUTOR_ERROR, FF_REASON_PROXY_FORBIDDEN, message);
  return FALSE;
}
