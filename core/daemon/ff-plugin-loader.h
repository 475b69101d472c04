/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "fastflow.h"

G_BEGIN_DECLS

void ff_plugin_loader_load_all (void);
GHashTable *ff_plugin_loader_create_executors (GKeyFile *config);
GPtrArray *ff_plugin_loader_create_collectors (GKeyFile *config);

G_END_DECLS
