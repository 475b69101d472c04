/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "ff-config.h"

/* A wrong value in fastflow.conf stops fastflowd with a message that names
 * the group, the key and what would be right; a right one is taken. */

static FfConfig *
load (const gchar *text, GError **error)
{
  g_autofree gchar *dir = g_dir_make_tmp ("ff-config-XXXXXX", NULL);
  g_autofree gchar *path = g_build_filename (dir, "fastflow.conf", NULL);
  g_autoptr (FfConfig) config = ff_config_new ();
  gboolean ok;

  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  ok = ff_config_load (config, path, error);
  g_unlink (path);
  g_rmdir (dir);
  return ok ? g_steal_pointer (&config) : NULL;
}

static void
test_on_stop (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FfConfig) config = load ("[daemon]\n", &error);

  g_assert_no_error (error);
  g_assert_false (ff_config_get_leave_running (config));
  g_clear_object (&config);
  config = load ("[daemon]\non_stop = leave-running\n", &error);
  g_assert_no_error (error);
  g_assert_true (ff_config_get_leave_running (config));
  g_clear_object (&config);
  config = load ("[daemon]\non_stop=sometimes\n", &error);
  g_assert_null (config);
  g_assert_nonnull (strstr (error->message, "[daemon] on_stop"));
  g_assert_nonnull (strstr (error->message, "leave-running"));
  g_assert_nonnull (strstr (error->message, "sometimes"));
}

static void
test_bad_values (void)
{
  const gchar *cases[][2] = {
    { "[daemon]\nmissed=later\n", "missed" },
    { "[daemon]\ntime_zone=Mars/Olympus\n", "time_zone" },
    { "[daemon]\nkeep_days=-1\n", "keep_days" },
    { "[http]\nidle_timeout=0\n", "[http] idle_timeout: expected a whole number from 1 to 3600" },
    { "[http]\nmax_connections=lots\n", "[http] max_connections" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (FfConfig) config = load (cases[i][0], &error);

      g_assert_null (config);
      g_assert_nonnull (error);
      g_test_message ("%s", error->message);
      g_assert_nonnull (strstr (error->message, cases[i][1]));
    }
}

/* allowed_executors: a list; not set means any; empty is refused; a
 * default_executor outside it stops fastflowd at start-up. */
static void
test_allowed_executors (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FfConfig) config = load ("[daemon]\n", &error);

  g_assert_no_error (error);
  g_assert_null (ff_config_get_allowed_executors (config));
  g_assert_true (ff_config_executor_is_allowed (config, "local"));
  g_assert_true (ff_config_check_executors (config, &error));
  g_clear_object (&config);

  config = load ("[daemon]\nallowed_executors = docker-proxy ; swarm;\n", &error);
  g_assert_no_error (error);
  g_assert_cmpstrv (ff_config_get_allowed_executors (config),
                    ((const gchar *const[]){ "docker-proxy", "swarm", NULL }));
  g_assert_false (ff_config_executor_is_allowed (config, "local"));
  g_assert_true (ff_config_executor_is_allowed (config, "swarm"));
  g_assert_true (ff_config_check_executors (config, &error));
  /* as --default-executor=local would */
  ff_config_set_default_executor (config, "local");
  g_assert_false (ff_config_check_executors (config, &error));
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "default_executor"));
  g_assert_nonnull (strstr (error->message, "allowed_executors"));
  g_assert_nonnull (strstr (error->message, "“local”"));
  g_clear_error (&error);
  g_clear_object (&config);

  config = load ("[daemon]\ndefault_executor=local\nallowed_executors=local\n", &error);
  g_assert_no_error (error);
  g_assert_true (ff_config_check_executors (config, &error));
  g_clear_object (&config);

  config = load ("[daemon]\nallowed_executors=\n", &error);
  g_assert_null (config);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "allowed_executors"));
}

/* The HTTP server's limits: defaults, and what fastflow.conf sets. */
static void
test_http_limits (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FfConfig) config = load ("[daemon]\n", &error);

  g_assert_no_error (error);
  g_assert_cmpuint (ff_config_get_http_max_connections (config), ==, 32);
  g_assert_cmpuint (ff_config_get_http_idle_timeout (config), ==, 10);
  g_clear_object (&config);
  config = load ("[http]\nmax_connections = 4\nidle_timeout=1\n", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ff_config_get_http_max_connections (config), ==, 4);
  g_assert_cmpuint (ff_config_get_http_idle_timeout (config), ==, 1);
}

/* [dependencies]: where packages come from; what cannot work is refused
 * with a message naming the key. */
static void
test_dependencies (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FfConfig) config = load ("[dependencies]\nindex_url = https://example.com/simple\n"
                                      "extra_index_url = https://a/simple;https://b/simple\n"
                                      "find_links = /srv/wheels\n",
                                      &error);
  const FfDependencySources *deps;

  g_assert_no_error (error);
  deps = ff_config_get_dependency_sources (config);
  g_assert_cmpstr (deps->index_url, ==, "https://example.com/simple");
  g_assert_cmpuint (g_strv_length (deps->extra_index_urls), ==, 2);
  g_assert_cmpstr (deps->find_links, ==, "/srv/wheels");
  g_assert_true (deps->find_links_dir);
  g_assert_false (deps->offline);
  g_clear_object (&config);

  config = load ("[dependencies]\noffline = true\n", &error);
  g_assert_null (config);
  g_assert_nonnull (strstr (error->message, "find_links"));
  g_clear_error (&error);
  config = load ("[dependencies]\nindex_url = pypi.org/simple\n", &error);
  g_assert_null (config);
  g_assert_nonnull (strstr (error->message, "[dependencies] index_url"));
  g_clear_error (&error);
  config = load ("[dependencies]\nfind_links = wheels\n", &error);
  g_assert_null (config);
  g_assert_nonnull (strstr (error->message, "[dependencies] find_links"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/config/on-stop", test_on_stop);
  g_test_add_func ("/config/bad-values", test_bad_values);
  g_test_add_func ("/config/allowed-executors", test_allowed_executors);
  g_test_add_func ("/config/http-limits", test_http_limits);
  g_test_add_func ("/config/dependencies", test_dependencies);
  return g_test_run ();
}
