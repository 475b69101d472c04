/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ff-test-daemon.h"

/* libfastflow from Python through the typelib of this build, against a
 * daemon of its own: tests/client-from-python.py says what it checks. */
static void
test_client_from_python (void)
{
  g_autoptr (FfTestDaemon) d = ff_test_daemon_new ();
  g_autoptr (GError) error = NULL;
  g_autofree gchar *script = g_test_build_filename (G_TEST_DIST, "client-from-python.py", NULL);
  const gchar *argv[] = { "/usr/bin/python3", script, NULL };
  g_autofree gchar *out = NULL, *err = NULL;
  gint status = -1;

  ff_test_daemon_add_pipeline (d, "three", "main.sh", "echo \"$GREETING\"\nexit 3\n", NULL);
  ff_test_daemon_add_pipeline (d, "off", "main.sh", "true\n", "pipeline.json",
                               "{\"enabled\": false}\n", NULL);
  ff_test_daemon_start (d, NULL);
  /* the script adds a pipeline there, for FfClient::pipelines-changed */
  g_setenv ("FASTFLOW_TEST_PIPELINES_DIR", d->pipelines_dir, TRUE);
  g_spawn_sync (NULL, (gchar **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status,
                &error);
  g_assert_no_error (error);
  g_test_message ("%s%s", out, err);
  g_assert_true (g_spawn_check_wait_status (status, &error));
  g_assert_no_error (error);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/python/client", test_client_from_python);
  return g_test_run ();
}
