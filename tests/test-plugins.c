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
    { FF_EXECUTOR_EXTENSION_POINT_NAME, "swarm" },
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

/* A plugin built for another plugin API is refused with a message, and
 * keeps nothing registered. */
static void
test_other_api_refused (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr (GIOModule) module = g_io_module_new ("/nonexistent/libff-elsewhere.so");

      /* the warning is the point here, not a failure */
      g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
      g_assert_false (ff_plugin_check_api_version (module, 99));
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("*was built for plugin API 99*it is not loaded*");
}

int
main (int argc, char **argv)
{
  g_setenv ("LANGUAGE", "en", TRUE);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/plugins/register", test_plugins_register);
  g_test_add_func ("/plugins/other-api-refused", test_other_api_refused);
  return g_test_run ();
}
