/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ff-docker-executor.h"
#include "ff-plugin-module.h"

FF_DEFINE_PLUGIN_MODULE (FF_EXECUTOR_EXTENSION_POINT_NAME,
                         FF_TYPE_DOCKER_EXECUTOR,
                         FF_DOCKER_EXECUTOR_NAME,
                         0)
