/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <fastflow.h>

/* The shared module as the daemon loads it: through GIO's extension
 * points, from a folder, with nothing but its g_io_* entry points. */
static void
test_plugin_registers (void)
{
  const gchar *dir = g_getenv ("FASTFLOW_TEST_PLUGIN_DIR");
  GIOExtensionPoint *ep;
  GIOExtension *extension;
  g_autolist (GIOModule) modules = NULL;
  g_autoptr (GObject) executor = NULL;

  g_assert_nonnull (dir);
  ff_plugin_register_extension_points ();
  modules = g_io_modules_load_all_in_directory (dir);
  g_assert_cmpuint (g_list_length (modules), ==, 1);

  ep = g_io_extension_point_lookup (FF_EXECUTOR_EXTENSION_POINT_NAME);
  extension = g_io_extension_point_get_extension_by_name (ep, "docker-proxy");
  g_assert_nonnull (extension);
  executor = g_object_new (g_io_extension_get_type (extension), NULL);
  g_assert_true (FF_IS_EXECUTOR (executor));
  g_assert_cmpstr (ff_executor_get_name (FF_EXECUTOR (executor)), ==, "docker-proxy");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/docker-plugin/registers", test_plugin_registers);
  return g_test_run ();
}
