/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "ff-collector.h"
#include "ff-executor.h"
#include "ff-plugin.h"

/**
 * ff_plugin_register_extension_points:
 *
 * Registers `fastflow-executor` and `fastflow-collector`. Safe to call
 * more than once.
 */
void
ff_plugin_register_extension_points (void)
{
  GIOExtensionPoint *ep;

  if (g_io_extension_point_lookup (FF_EXECUTOR_EXTENSION_POINT_NAME) == NULL)
    {
      ep = g_io_extension_point_register (FF_EXECUTOR_EXTENSION_POINT_NAME);
      g_io_extension_point_set_required_type (ep, FF_TYPE_EXECUTOR);
    }
  if (g_io_extension_point_lookup (FF_COLLECTOR_EXTENSION_POINT_NAME) == NULL)
    {
      ep = g_io_extension_point_register (FF_COLLECTOR_EXTENSION_POINT_NAME);
      g_io_extension_point_set_required_type (ep, FF_TYPE_COLLECTOR);
    }
}

/**
 * ff_plugin_check_api_version:
 * @module: the module being loaded
 * @api_version: %FF_PLUGIN_API_VERSION as the plugin saw it
 *
 * Called first in a plugin's g_io_module_load(). It keeps the module
 * loaded for the life of the process, since plugins register static types.
 *
 * Returns: %FALSE, with a warning naming the plugin, if it was built for
 *   another plugin API; the plugin then registers nothing
 */
gboolean
ff_plugin_check_api_version (GIOModule *module, guint api_version)
{
  g_return_val_if_fail (G_IO_IS_MODULE (module), FALSE);
  if (api_version != FF_PLUGIN_API_VERSION)
    {
      g_warning (_ ("Plugin %s was built for plugin API %u, but this fastflow provides API %u; "
                    "it is not loaded"),
                 G_TYPE_MODULE (module)->name ? G_TYPE_MODULE (module)->name : "?", api_version,
                 (guint) FF_PLUGIN_API_VERSION);
      return FALSE;
    }
  g_type_module_use (G_TYPE_MODULE (module));
  return TRUE;
}
