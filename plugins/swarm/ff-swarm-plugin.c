/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ff-swarm-executor.h"
#include "ff-plugin-module.h"

FF_DEFINE_PLUGIN_MODULE (FF_EXECUTOR_EXTENSION_POINT_NAME,
                         FF_TYPE_SWARM_EXECUTOR,
                         FF_SWARM_EXECUTOR_NAME,
                         0)
