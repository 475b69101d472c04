/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__FASTFLOW_H_INSIDE__) && !defined(FASTFLOW_COMPILATION)
#error "Only <fastflow.h> can be included directly."
#endif

#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * FF_PLUGIN_API_VERSION:
 *
 * The plugin API a plugin is compiled against. The daemon refuses a plugin
 * built for another version.
 */
#define FF_PLUGIN_API_VERSION 1

void ff_plugin_register_extension_points (void);
gboolean ff_plugin_check_api_version (GIOModule *module, guint api_version);

G_END_DECLS
