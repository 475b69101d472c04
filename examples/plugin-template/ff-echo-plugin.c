/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "ff-echo-executor.h"

void g_io_module_load (GIOModule *module);
void g_io_module_unload (GIOModule *module);
gchar **g_io_module_query (void);

void
g_io_module_load (GIOModule *module)
{
  /* first: a plugin built for another plugin API registers nothing */
  if (!ff_plugin_check_api_version (module, FF_PLUGIN_API_VERSION))
    return;
  g_io_extension_point_implement (FF_EXECUTOR_EXTENSION_POINT_NAME, FF_TYPE_ECHO_EXECUTOR, "echo",
                                  0);
}

void
g_io_module_unload (GIOModule *module)
{
}

gchar **
g_io_module_query (void)
{
  const gchar *points[] = { FF_EXECUTOR_EXTENSION_POINT_NAME, NULL };

  return g_strdupv ((gchar **) points);
}
