/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <fastflow.h>

#include "ff-docker-client.h"

G_BEGIN_DECLS

#define FF_TYPE_SWARM_EXECUTION (ff_swarm_execution_get_type ())
G_DECLARE_FINAL_TYPE (FfSwarmExecution, ff_swarm_execution, FF, SWARM_EXECUTION, FfExecution)

FfSwarmExecution *ff_swarm_execution_new (FfDockerClient *client,
                                          const gchar *pipeline,
                                          const gchar *service_id,
                                          const gchar *config_id,
                                          guint64 memory_limit,
                                          guint placement_timeout_ms);
void ff_swarm_execution_start (FfSwarmExecution *self);
const gchar *ff_swarm_execution_get_service_id (FfSwarmExecution *self);

G_END_DECLS
