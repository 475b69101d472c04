/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <fastflow.h>

G_BEGIN_DECLS

#define FF_TYPE_SWARM_EXECUTOR (ff_swarm_executor_get_type ())
G_DECLARE_FINAL_TYPE (FfSwarmExecutor, ff_swarm_executor, FF, SWARM_EXECUTOR, GObject)

#define FF_SWARM_EXECUTOR_NAME "swarm"

FfSwarmExecutor *ff_swarm_executor_new (void);
const gchar *ff_swarm_executor_get_url (FfSwarmExecutor *self);

G_END_DECLS
