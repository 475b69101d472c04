/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "fastflow.h"

/* The shared modules as the daemon loads them: through GIO's extension
 * points, from their folders, with nothing but their g_io_* entry points. */
static void
test_plugins_register (void)
{
  g_auto (GStrv) dirs = g_strsplit (g_getenv ("FASTFLOW_PLUGIN_PATH"), ":", -1);
  GList *modules = NULL;
  const struct
  {
    const gchar *point;
    const gchar *name;
  } expected[] = {
    { FF_EXECUTOR_EXTENSION_POINT_NAME, "local" },
    { FF_EXECUTOR_EXTENSION_POINT_NAME, "docker-proxy" },
    { FF_COLLECTOR_EXTENSION_POINT_NAME, "metrics" },
  };

  ff_plugin_register_extension_points ();
  for (guint i = 0; dirs[i] != NULL; i++)
    modules = g_list_concat (modules, g_io_modules_load_all_in_directory (dirs[i]));
  g_assert_cmpuint (g_list_length (modules), ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      GIOExtension *extension = g_io_extension_point_get_extension_by_name (
          g_io_extension_point_lookup (expected[i].point), expected[i].name);
      g_autoptr (GObject) object = NULL;

      g_test_message ("%s", expected[i].name);
      g_assert_nonnull (extension);
      object = g_object_new (g_io_extension_get_type (extension), NULL);
      if (g_str_equal (expected[i].point, FF_EXECUTOR_EXTENSION_POINT_NAME))
        g_assert_cmpstr (ff_executor_get_name (FF_EXECUTOR (object)), ==, expected[i].name);
      else
        g_assert_true (FF_IS_COLLECTOR (object));
    }
  g_list_free_full (modules, g_object_unref);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/plugins/register", test_plugins_register);
  return g_test_run ();
}
