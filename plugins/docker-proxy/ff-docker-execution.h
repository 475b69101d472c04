/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <fastflow.h>

#include "ff-docker-client.h"

G_BEGIN_DECLS

#define FF_TYPE_DOCKER_EXECUTION (ff_docker_execution_get_type ())
G_DECLARE_FINAL_TYPE (FfDockerExecution, ff_docker_execution, FF, DOCKER_EXECUTION, FfExecution)

FfDockerExecution *ff_docker_execution_new (FfDockerClient *client,
                                            const gchar *container_id,
                                            gboolean multiplexed,
                                            guint64 memory_limit,
                                            guint max_grace_ms);
void ff_docker_execution_start (FfDockerExecution *self);
void ff_docker_execution_set_reconnect_grace (FfDockerExecution *self, guint grace_ms);
const gchar *ff_docker_execution_get_container_id (FfDockerExecution *self);
guint ff_docker_execution_get_reconnects (FfDockerExecution *self);

G_END_DECLS
