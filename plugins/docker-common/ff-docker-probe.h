/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ff-docker-client.h"

G_BEGIN_DECLS

/*
 * The fan-out both Docker executors probe their proxy with: a ping, then
 * every request of a table at once; one answer that does not come (a
 * proxy or an engine away) fails the probe. Each executor has its own
 * table and its own judge of the answers.
 */
typedef struct
{
  const gchar *name; /* the check's name, if the judge names checks so */
  const gchar *flag; /* tecnativa/docker-socket-proxy's name */
  const gchar *method;
  const gchar *path;   /* harmless: nothing that exists, nothing that changes */
  const gchar *shown;  /* the API section, as people read it, or NULL */
  const gchar *needed; /* what the executor needs it for, or NULL */
} FfDockerProbe;

typedef struct
{
  guint status;
  JsonNode *node; /* (nullable) */
} FfDockerProbeAnswer;

typedef struct
{
  const FfDockerProbe *probes;
  guint n_probes;
  /* After the ping, which failed with @ping_error or succeeded: the
   * checks that end the probe, or %NULL with @error set to fail it, or
   * %NULL alone to go on. */
  GPtrArray *(*after_ping) (FfDockerClient *client, const GError *ping_error, GError **error);
  /* @answers[i] is the answer to @probes[i]. Returns: (transfer full) */
  GPtrArray *(*judge) (FfDockerClient *client, const FfDockerProbeAnswer *answers);
} FfDockerProbeTable;

void ff_docker_probe_table_async (FfDockerClient *client,
                                  const FfDockerProbeTable *table,
                                  GCancellable *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer user_data);
/* Returns: (transfer container) (element-type FfExecutorCheck) */
GPtrArray *
ff_docker_probe_table_finish (FfDockerClient *client, GAsyncResult *result, GError **error);

/*
 * Least privilege, checked: which API sections the socket proxy in front of
 * @client lets through, found with harmless requests (a GET of something
 * that cannot exist answers 404 past the proxy and 403 from it). The result
 * says, flag by flag, what fastflow needs and lacks (errors) and what the
 * proxy allows although fastflow does not need it (warnings).
 */
void ff_docker_probe_async (FfDockerClient *client,
                            GCancellable *cancellable,
                            GAsyncReadyCallback callback,
                            gpointer user_data);
/* Returns: (transfer container) (element-type FfExecutorCheck) */
GPtrArray *ff_docker_probe_finish (FfDockerClient *client, GAsyncResult *result, GError **error);

/* For tests: the flags probed, and the checks for a set of answers, where
 * @allowed[i] is the answer for ff_docker_probe_get_flag (i). */
/* The health check of docker-proxy: the ping, then the flags fastflow
 * needs (PING, VERSION, CONTAINERS, POST); FALSE with a
 * FF_REASON_PROXY_FORBIDDEN error naming each refused one. */
void ff_docker_probe_health_async (FfDockerClient *client,
                                   GCancellable *cancellable,
                                   GAsyncReadyCallback callback,
                                   gpointer user_data);
gboolean
ff_docker_probe_health_finish (FfDockerClient *client, GAsyncResult *result, GError **error);

guint ff_docker_probe_get_n_flags (void);
const gchar *ff_docker_probe_get_flag (guint index);
GPtrArray *ff_docker_probe_evaluate (const gboolean *allowed);

G_END_DECLS
