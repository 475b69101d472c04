/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ff-test-docker-e2e.h"

static gchar *suffix;

void
ff_test_docker_e2e_init (int *argc, char ***argv)
{
  g_autofree gchar *random = g_uuid_string_random ();

  g_setenv ("LANGUAGE", "en", TRUE);
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  g_test_init (argc, argv, NULL);
  suffix = g_strndup (random, 8);
  g_assert_nonnull (g_getenv ("FASTFLOW_TEST_IMAGE"));
}

void
ff_test_docker_e2e_clear (void)
{
  g_clear_pointer (&suffix, g_free);
}

gchar *
ff_test_docker_e2e_name (const gchar *base)
{
  return g_strdup_printf ("%s-%s", base, suffix);
}

FfTestDaemon *
ff_test_docker_e2e_daemon_new (const gchar *executor,
                               const gchar *proxy_url,
                               const gchar *sections,
                               const gchar *extra)
{
  FfTestDaemon *d = ff_test_daemon_new ();
  g_autofree gchar *config =
      g_strdup_printf ("[daemon]\n"
                       "%s"
                       "[executor.%s]\n"
                       "proxy_url=%s\n"
                       "image=%s\n"
                       "%s",
                       sections != NULL ? sections : "", executor, proxy_url,
                       g_getenv ("FASTFLOW_TEST_IMAGE"), extra != NULL ? extra : "");
  g_autoptr (GError) error = NULL;

  g_file_set_contents (d->config_path, config, -1, &error);
  g_assert_no_error (error);
  return d;
}

void
ff_test_docker_e2e_add_pipeline (FfTestDaemon *d,
                                 const gchar *executor,
                                 const gchar *pipeline,
                                 const gchar *extra,
                                 const gchar *script)
{
  g_autofree gchar *json = g_strdup_printf ("{\"executor\": \"%s\"%s%s}", executor,
                                            extra != NULL ? ", " : "", extra != NULL ? extra : "");

  ff_test_daemon_add_pipeline (d, pipeline, "pipeline.json", json, "main.sh", script, NULL);
}

JsonObject *
ff_test_docker_e2e_get_status (FfTestDaemon *d, const gchar *id, JsonNode **node)
{
  g_autofree gchar *out = NULL, *err = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "status", "--json", id, NULL), ==, 0);
  *node = json_from_string (out, &error);
  g_assert_no_error (error);
  return json_node_get_object (*node);
}

guint
ff_test_docker_e2e_count (const gchar *const *command, const gchar *pipeline)
{
  g_autofree gchar *filter = g_strdup_printf ("label=org.fastflow.pipeline=%s", pipeline);
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autofree gchar *out = NULL;
  g_autoptr (GError) error = NULL;
  gint status = 0;
  g_auto (GStrv) lines = NULL;
  guint count = 0;

  g_ptr_array_add (argv, (gpointer) "/usr/bin/docker");
  for (guint i = 0; command[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) command[i]);
  g_ptr_array_add (argv, (gpointer) "--filter");
  g_ptr_array_add (argv, filter);
  g_ptr_array_add (argv, NULL);
  g_spawn_sync (NULL, (gchar **) argv->pdata, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out,
                NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    count += *lines[i] != '\0';
  return count;
}

/* The engine's CPU cores, as it says itself. */
guint
ff_test_docker_e2e_engine_cores (void)
{
  const gchar *argv[] = { "docker", "info", "--format", "{{.NCPU}}", NULL };
  g_autofree gchar *out = NULL;
  g_autoptr (GError) error = NULL;
  gint status = 0;
  guint64 cores = 0;

  g_spawn_sync (NULL, (gchar **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL, NULL,
                NULL, &out, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_assert_true (g_ascii_string_to_unsigned (g_strstrip (out), 10, 1, 4096, &cores, NULL));
  return (guint) cores;
}

/* cpu_hard_limit 2 cores above the engine's (a single node's, for the
 * swarm): @pipeline on @executor runs, its output led by the note that
 * says the limit was lowered. Starts @d. */
void
ff_test_docker_e2e_assert_cpu_clamped (FfTestDaemon *d,
                                       const gchar *executor,
                                       const gchar *pipeline)
{
  guint cores = ff_test_docker_e2e_engine_cores ();
  g_autofree gchar *asked = g_strdup_printf ("\"cpu_hard_limit\": %u", cores + 2);
  g_autofree gchar *out = NULL, *err = NULL, *expected = NULL;
  g_autoptr (JsonNode) node = NULL;
  JsonObject *status;

  ff_test_docker_e2e_add_pipeline (d, executor, pipeline, asked, "echo ran\n");
  ff_test_daemon_start (d, NULL);
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "run", pipeline, NULL), ==, 0);
  expected = g_strdup_printf ("[fastflow] cpu_hard_limit %u is more than the %u CPU cores the host "
                              "of this run has; limited to %u\nran\n",
                              cores + 2, cores, cores);
  g_assert_cmpstr (out, ==, expected);
  status = ff_test_docker_e2e_get_status (d, "1", &node);
  g_assert_cmpstr (json_object_get_string_member (status, "state"), ==, "succeeded");
}
