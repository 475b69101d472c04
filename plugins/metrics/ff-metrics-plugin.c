/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ff-metrics-collector.h"
#include "ff-plugin-module.h"

FF_DEFINE_PLUGIN_MODULE (FF_COLLECTOR_EXTENSION_POINT_NAME, FF_TYPE_METRICS_COLLECTOR, "metrics", 0)
