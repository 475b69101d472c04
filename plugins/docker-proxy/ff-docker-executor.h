/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ff-docker-base-executor.h"

G_BEGIN_DECLS

#define FF_TYPE_DOCKER_EXECUTOR (ff_docker_executor_get_type ())
G_DECLARE_FINAL_TYPE (
    FfDockerExecutor, ff_docker_executor, FF, DOCKER_EXECUTOR, FfDockerBaseExecutor)

#define FF_DOCKER_EXECUTOR_NAME "docker-proxy"

FfDockerExecutor *ff_docker_executor_new (void);

G_END_DECLS
