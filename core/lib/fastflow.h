/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#define __FASTFLOW_H_INSIDE__

#include "ff-client.h"
#include "ff-collector.h"
#include "ff-cron-schedule.h"
#include "ff-enums.h"
#include "ff-enum-types.h"
#include "ff-env.h"
#include "ff-error.h"
#include "ff-execution.h"
#include "ff-executor.h"
#include "ff-executor-check.h"
#include "ff-limits.h"
#include "ff-message.h"
#include "ff-pipeline.h"
#include "ff-plugin.h"
#include "ff-run-request.h"
#include "ff-secret-masker.h"

#undef __FASTFLOW_H_INSIDE__
