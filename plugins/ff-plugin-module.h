/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib/gi18n-lib.h>

#include <fastflow.h>

G_BEGIN_DECLS

/*
 * The GIO module entry points of an in-tree plugin, which implements one
 * extension point with one type. Not plugin API: it binds the translations
 * of fastflow's own text domain (FF_LOCALEDIR, from config.h); an
 * out-of-tree plugin writes the three functions itself (see
 * examples/plugin-template).
 */

static inline void
ff_plugin_module_load (
    GIOModule *module, const gchar *point, GType type, const gchar *name, gint priority)
{
  const gchar *localedir = g_getenv ("FASTFLOW_LOCALEDIR");

  if (!ff_plugin_check_api_version (module, FF_PLUGIN_API_VERSION))
    return;
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL ? localedir : FF_LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  ff_plugin_register_extension_points ();
  g_io_extension_point_implement (point, type, name, priority);
}

/* The module's only exports; see plugins/plugin.map. @priority orders the
 * implementations of @point: among the configured executors the highest
 * is the default (FF_EXECUTOR_PRIORITY_FALLBACK for the last resort). */
#define FF_DEFINE_PLUGIN_MODULE(point, type, name, priority)                                                 \
  void g_io_module_load (GIOModule *module);                                                       \
  void g_io_module_unload (GIOModule *module);                                                     \
  gchar **g_io_module_query (void);                                                                \
                                                                                                   \
  void g_io_module_load (GIOModule *module)                                                        \
  {                                                                                                \
    ff_plugin_module_load (module, (point), (type), (name), (priority));                                     \
  }                                                                                                \
                                                                                                   \
  void g_io_module_unload (G_GNUC_UNUSED GIOModule *module)                                        \
  {                                                                                                \
  }                                                                                                \
                                                                                                   \
  gchar **g_io_module_query (void)                                                                 \
  {                                                                                                \
    const gchar *const points[] = { (point), NULL };                                               \
                                                                                                   \
    return g_strdupv ((gchar **) points);                                                          \
  }

G_END_DECLS
