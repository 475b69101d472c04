/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "ff-local-executor.h"

void g_io_module_load (GIOModule *module);
void g_io_module_unload (GIOModule *module);
gchar **g_io_module_query (void);

void
g_io_module_load (GIOModule *module)
{
  const gchar *localedir = g_getenv ("FASTFLOW_LOCALEDIR");

  if (!ff_plugin_check_api_version (module, FF_PLUGIN_API_VERSION))
    return;
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL ? localedir : FF_LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  g_io_extension_point_implement (FF_EXECUTOR_EXTENSION_POINT_NAME, FF_TYPE_LOCAL_EXECUTOR, "local",
                                  FF_EXECUTOR_PRIORITY_FALLBACK);
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
