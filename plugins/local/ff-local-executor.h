/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <fastflow.h>

G_BEGIN_DECLS

#define FF_TYPE_LOCAL_EXECUTOR (ff_local_executor_get_type ())
G_DECLARE_FINAL_TYPE (FfLocalExecutor, ff_local_executor, FF, LOCAL_EXECUTOR, GObject)

FfLocalExecutor *ff_local_executor_new (void);
void ff_local_executor_set_cgroup_source (FfLocalExecutor *self,
                                          const gchar *cgroup_file,
                                          const gchar *mountinfo_file);

G_END_DECLS
