/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <fastflow.h>

#include "ff-local-cgroup.h"

G_BEGIN_DECLS

#define FF_TYPE_LOCAL_EXECUTION (ff_local_execution_get_type ())
G_DECLARE_FINAL_TYPE (FfLocalExecution, ff_local_execution, FF, LOCAL_EXECUTION, FfExecution)

FfLocalExecution *ff_local_execution_new (GPid pid, gint stdout_fd, gint stderr_fd);
void ff_local_execution_set_cgroup (FfLocalExecution *self, FfLocalCgroup *cgroup);
void ff_local_execution_start (FfLocalExecution *self);

G_END_DECLS
