/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ff-docker-base-executor.h"

G_BEGIN_DECLS

#define FF_TYPE_SWARM_EXECUTOR (ff_swarm_executor_get_type ())
G_DECLARE_FINAL_TYPE (FfSwarmExecutor, ff_swarm_executor, FF, SWARM_EXECUTOR, FfDockerBaseExecutor)

#define FF_SWARM_EXECUTOR_NAME "swarm"

FfSwarmExecutor *ff_swarm_executor_new (void);

G_END_DECLS
