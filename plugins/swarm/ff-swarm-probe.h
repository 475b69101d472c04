/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ff-docker-client.h"

G_BEGIN_DECLS

/* The oldest Engine API whose services take CapabilityDrop, PidsLimit
 * and Init; an older engine would drop them without a word. */
#define FF_SWARM_MIN_API_MINOR 41

/*
 * Whether the engine behind @client can run swarm jobs for fastflow: it
 * is a swarm manager, and the socket proxy lets through what the swarm
 * executor needs (SERVICES, TASKS, NODES, CONFIGS, POST). Each finding is
 * an #FfExecutorCheck; the errors among them make the executor
 * unavailable. An unreachable proxy or an engine too old is an error of
 * the probe itself.
 */
void ff_swarm_probe_async (FfDockerClient *client,
                           GCancellable *cancellable,
                           GAsyncReadyCallback callback,
                           gpointer user_data);
/* Returns: (transfer container) (element-type FfExecutorCheck) */
GPtrArray *ff_swarm_probe_finish (FfDockerClient *client, GAsyncResult *result, GError **error);

/* The first error among @checks as a GError in FF_EXECUTOR_ERROR, or
 * %NULL if there is none. */
GError *ff_swarm_probe_dup_error (GPtrArray *checks);

gboolean ff_swarm_api_is_at_least (FfDockerClient *client, guint minor);

G_END_DECLS
