/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "ff-plugin-loader.h"

static void
load_dir (const gchar *dir, GIOModuleScope *scope)
{
  GList *modules;

  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      g_debug ("plugin folder %s does not exist", dir);
      return;
    }
  g_debug ("loading plugins from %s", dir);
  /* the modules stay loaded: ff_plugin_check_api_version() makes them resident */
  modules = g_io_modules_load_all_in_directory_with_scope (dir, scope);
  g_list_free_full (modules, g_object_unref);
}

/**
 * ff_plugin_loader_load_all:
 *
 * Loads plugins from each folder of FASTFLOW_PLUGIN_PATH, then from the
 * installed plugin folder. A plugin found twice is loaded from the first
 * folder only, so a build tree's plugin shadows the installed one.
 */
void
ff_plugin_loader_load_all (void)
{
  GIOModuleScope *scope = g_io_module_scope_new (G_IO_MODULE_SCOPE_BLOCK_DUPLICATES);
  const gchar *path = g_getenv ("FASTFLOW_PLUGIN_PATH");

  ff_plugin_register_extension_points ();
  if (path != NULL)
    {
      g_auto (GStrv) dirs = g_strsplit (path, G_SEARCHPATH_SEPARATOR_S, -1);
      for (guint i = 0; dirs[i] != NULL; i++)
        {
          if (*dirs[i] != '\0')
            load_dir (dirs[i], scope);
        }
    }
  load_dir (FF_PLUGINDIR, scope);
  g_io_module_scope_free (scope);
}

static GObject *
create_extension (GIOExtension *ext)
{
  GType type = g_io_extension_get_type (ext);

  return g_object_new (type, NULL);
}

/* Returns: name → FfExecutor for every executor that configured itself. */
GHashTable *
ff_plugin_loader_create_executors (GKeyFile *config)
{
  GHashTable *executors = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  GIOExtensionPoint *ep = g_io_extension_point_lookup (FF_EXECUTOR_EXTENSION_POINT_NAME);

  for (GList *l = g_io_extension_point_get_extensions (ep); l != NULL; l = l->next)
    {
      g_autoptr (FfExecutor) executor = FF_EXECUTOR (create_extension (l->data));
      g_autoptr (GError) error = NULL;
      const gchar *name = ff_executor_get_name (executor);

      if (g_hash_table_contains (executors, name))
        continue;
      if (!ff_executor_configure (executor, config, &error))
        {
          g_warning (_ ("Executor %s is not used: %s"), name, error->message);
          continue;
        }
      g_hash_table_insert (executors, g_strdup (name), g_steal_pointer (&executor));
    }
  return executors;
}

GPtrArray *
ff_plugin_loader_create_collectors (GKeyFile *config)
{
  GPtrArray *collectors = g_ptr_array_new_with_free_func (g_object_unref);
  GIOExtensionPoint *ep = g_io_extension_point_lookup (FF_COLLECTOR_EXTENSION_POINT_NAME);

  for (GList *l = g_io_extension_point_get_extensions (ep); l != NULL; l = l->next)
    {
      g_autoptr (FfCollector) collector = FF_COLLECTOR (create_extension (l->data));
      g_autoptr (GError) error = NULL;

      if (!ff_collector_configure (collector, config, &error))
        {
          g_warning (_ ("Collector %s is not used: %s"), g_io_extension_get_name (l->data),
                     error->message);
          continue;
        }
      g_ptr_array_add (collectors, g_steal_pointer (&collector));
    }
  return collectors;
}
