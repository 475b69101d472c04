/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fastflow.h"
#include "ff-test-util.h"

#define assert_contains(haystack, needle)                                                          \
  G_STMT_START                                                                                     \
  {                                                                                                \
    const gchar *h_ = (haystack);                                                                  \
    const gchar *n_ = (needle);                                                                    \
    if (h_ == NULL || strstr (h_, n_) == NULL)                                                     \
      {                                                                                            \
        g_autofree gchar *m_ = g_strdup_printf ("“%s” does not contain “%s”", h_, n_);             \
        g_assertion_message (G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC, m_);                     \
      }                                                                                            \
  }                                                                                                \
  G_STMT_END

typedef struct
{
  gchar *root;
} Fixture;

static void
fixture_set_up (Fixture *fixture, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  fixture->root = g_dir_make_tmp ("ff-test-pipeline-XXXXXX", &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture *fixture, gconstpointer data)
{
  ff_test_remove_tree (fixture->root);
  g_free (fixture->root);
}

static void
write_file (const gchar *dir, const gchar *name, const gchar *contents, gssize length)
{
  g_autofree gchar *path = g_build_filename (dir, name, NULL);
  g_autoptr (GError) error = NULL;

  g_file_set_contents (path, contents, length, &error);
  g_assert_no_error (error);
}

/* A pipeline folder NAME with main.py and, unless NULL, pipeline.json. */
static gchar *
make_pipeline (Fixture *fixture, const gchar *name, const gchar *json)
{
  gchar *dir = g_build_filename (fixture->root, name, NULL);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  write_file (dir, "main.py", "print('hello')\n", -1);
  if (json != NULL)
    write_file (dir, "pipeline.json", json, -1);
  return dir;
}

static FfPipeline *
load (Fixture *fixture, const gchar *json)
{
  g_autofree gchar *dir = make_pipeline (fixture, "p", json);
  g_autoptr (GError) error = NULL;
  FfPipeline *pipeline = ff_pipeline_new_from_dir (dir, &error);

  g_assert_no_error (error);
  g_assert_nonnull (pipeline);
  return pipeline;
}

static FfPipeline *
load_good (Fixture *fixture, const gchar *json)
{
  FfPipeline *pipeline = load (fixture, json);

  if (ff_pipeline_is_broken (pipeline))
    g_error ("unexpected error: %s", ff_pipeline_get_error (pipeline));
  return pipeline;
}

static guint
count_warnings (FfPipeline *pipeline)
{
  return g_strv_length ((gchar **) ff_pipeline_get_warnings (pipeline));
}

static void
test_name_validity (void)
{
  const gchar *good[] = { "a", "etl", "my-pipe_1.0", "A.b", "x..y", "0", "-dash" };
  const gchar *bad[] = { "", ".", "..", ".hidden", "a/b", "/", "a b", "tab\t", "ä", "a\n", "$x" };
  g_autofree gchar *long_name = g_strnfill (256, 'x');
  g_autofree gchar *max_name = g_strnfill (255, 'x');

  for (gsize i = 0; i < G_N_ELEMENTS (good); i++)
    g_assert_true (ff_pipeline_name_is_valid (good[i]));
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    g_assert_false (ff_pipeline_name_is_valid (bad[i]));
  g_assert_false (ff_pipeline_name_is_valid (NULL));
  g_assert_true (ff_pipeline_name_is_valid (max_name));
  g_assert_false (ff_pipeline_name_is_valid (long_name));
}

static void
test_new_errors (Fixture *fixture, gconstpointer data)
{
  g_autofree gchar *hidden = g_build_filename (fixture->root, ".hidden", NULL);
  g_autofree gchar *dotdot = g_build_filename (fixture->root, "sub", "..", NULL);
  g_autofree gchar *missing = g_build_filename (fixture->root, "missing", NULL);
  g_autofree gchar *spaced = g_build_filename (fixture->root, "a b", NULL);
  g_autofree gchar *file = g_build_filename (fixture->root, "file", NULL);
  const gchar *dirs[] = { hidden, dotdot, missing, spaced, file };

  g_assert_cmpint (g_mkdir_with_parents (hidden, 0755), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (spaced, 0755), ==, 0);
  write_file (fixture->root, "file", "", 0);
  for (gsize i = 0; i < G_N_ELEMENTS (dirs); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (FfPipeline) pipeline = ff_pipeline_new_from_dir (dirs[i], &error);

      g_assert_error (error, FF_ERROR, FF_ERROR_INVALID_ARGUMENT);
      g_assert_null (pipeline);
    }
}

static void
test_sizes (void)
{
  const struct
  {
    const gchar *text;
    guint64 bytes;
  } good[] = {
    { "0", 0 },
    { "512", 512 },
    { "512b", 512 },
    { "1k", 1024 },
    { "1kb", 1024 },
    { "1KiB", 1024 },
    { "512m", 512 * 1024 * 1024 },
    { "512M", 512 * 1024 * 1024 },
    { "1g", G_GUINT64_CONSTANT (1) << 30 },
    { "1.5g", (G_GUINT64_CONSTANT (3) << 30) / 2 },
    { "2GiB", G_GUINT64_CONSTANT (2) << 30 },
    { "100 MB", G_GUINT64_CONSTANT (100) << 20 },
    { " 8 m ", G_GUINT64_CONSTANT (8) << 20 },
    { "0.5k", 512 },
    { "1.0", 1 },
    { "1t", G_GUINT64_CONSTANT (1) << 40 },
    { "2p", G_GUINT64_CONSTANT (2) << 50 },
  };
  const gchar *bad[] = {
    "",           " ",
    "m",          "-1",
    "-1g",        "+1g",
    "1.5",        "1.5b",
    ".5g",        "1.g",
    "12 parsecs", "1 g b",
    "1gg",        "1x",
    "one",        "1,5g",
    "1e3",        "99999999999999999999",
    "8192p",      "9223372036854775808",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (good); i++)
    {
      guint64 bytes = 1;

      if (!ff_parse_size (good[i].text, &bytes))
        g_error ("“%s” was not accepted", good[i].text);
      g_assert_cmpuint (bytes, ==, good[i].bytes);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      guint64 bytes = 7;

      if (ff_parse_size (bad[i], &bytes))
        g_error ("“%s” was accepted", bad[i]);
      g_assert_cmpuint (bytes, ==, 7);
    }
}

static void
test_defaults (Fixture *fixture, gconstpointer data)
{
  g_autoptr (FfPipeline) pipeline = load_good (fixture, NULL);
  g_autofree gchar *dir = g_build_filename (fixture->root, "p", NULL);

  g_assert_cmpstr (ff_pipeline_get_name (pipeline), ==, "p");
  g_assert_cmpstr (ff_pipeline_get_dir (pipeline), ==, dir);
  g_assert_null (ff_pipeline_get_json_path (pipeline));
  g_assert_nonnull (ff_pipeline_get_fingerprint (pipeline));
  g_assert_null (ff_pipeline_get_error (pipeline));
  g_assert_cmpuint (g_strv_length ((gchar **) ff_pipeline_get_errors (pipeline)), ==, 0);
  g_assert_cmpuint (count_warnings (pipeline), ==, 0);
  g_assert_null (ff_pipeline_get_description (pipeline));
  g_assert_cmpuint (g_strv_length ((gchar **) ff_pipeline_get_tags (pipeline)), ==, 0);
  g_assert_true (ff_pipeline_get_enabled (pipeline));
  g_assert_cmpint (ff_pipeline_get_timeout (pipeline), ==, -1);
  g_assert_cmpuint (ff_pipeline_get_retry_attempts (pipeline), ==, 0);
  g_assert_cmpint (ff_pipeline_get_retry_strategy (pipeline), ==, FF_RETRY_STRATEGY_FIXED_DELAY);
  g_assert_cmpfloat (ff_pipeline_get_retry_initial_delay (pipeline), ==, 60);
  g_assert_cmpfloat (ff_pipeline_get_retry_delay (pipeline, 3), ==, 60);
  g_assert_null (ff_pipeline_get_retry_custom_delays (pipeline));
  g_assert_cmpfloat (ff_pipeline_get_cpu_hard_limit (pipeline), ==, 0);
  g_assert_cmpfloat (ff_pipeline_get_cpu_soft_limit (pipeline), ==, 0);
  g_assert_cmpuint (ff_pipeline_get_mem_hard_limit (pipeline), ==, 0);
  g_assert_cmpuint (ff_pipeline_get_mem_soft_limit (pipeline), ==, 0);
  g_assert_cmpuint (g_hash_table_size (ff_pipeline_get_default_env (pipeline)), ==, 0);
  g_assert_null (ff_pipeline_get_schedule_cron (pipeline));
  g_assert_cmpuint (ff_pipeline_get_schedule_interval_seconds (pipeline), ==, 0);
  g_assert_cmpint (ff_pipeline_get_schedule_start (pipeline), ==, 0);
  g_assert_cmpint (ff_pipeline_get_schedule_end (pipeline), ==, 0);
  g_assert_cmpint (ff_pipeline_get_run_once_at (pipeline), ==, 0);
  g_assert_cmpuint (ff_pipeline_get_schedules (pipeline)->len, ==, 0);
  g_assert_cmpuint (ff_pipeline_get_max_instances (pipeline), ==, 0);
  g_assert_cmpuint (ff_pipeline_get_downstream_triggers (pipeline)->len, ==, 0);
  g_assert_false (ff_pipeline_get_restart_on_crash (pipeline));
  g_assert_cmpuint (ff_pipeline_get_restart_cooldown (pipeline), ==, 60);
  g_assert_null (ff_pipeline_get_python_version (pipeline));
  g_assert_null (ff_pipeline_get_webhook_key (pipeline));
  g_assert_null (ff_pipeline_get_executor (pipeline));
  g_assert_null (ff_pipeline_get_image (pipeline));
  g_assert_null (ff_pipeline_get_network (pipeline));
  g_assert_null (ff_pipeline_get_command (pipeline));
}

static const gchar full_json[] =
    "{\n"
    "  \"description\": \"Daily ETL\",\n"
    "  \"tags\": [\"etl\", \"daily\"],\n"
    "  \"enabled\": false,\n"
    "  \"timeout\": 3600,\n"
    "  \"retry_attempts\": 3,\n"
    "  \"retry_strategy\": {\"type\": \"exponential_backoff\", \"initial_delay\": 10,\n"
    "                     \"max_delay\": 100, \"multiplier\": 3},\n"
    "  \"cpu_hard_limit\": 1.5,\n"
    "  \"mem_hard_limit\": \"1g\",\n"
    "  \"cpu_soft_limit\": 1,\n"
    "  \"mem_soft_limit\": \"800m\",\n"
    "  \"default_env\": {\"LOG_LEVEL\": \"INFO\", \"DEBUG\": \"false\"},\n"
    "  \"schedule_cron\": \"0  9 * * 1-5\",\n"
    "  \"schedule_start\": \"2025-01-01T00:00:00Z\",\n"
    "  \"schedule_end\": \"2025-12-31T23:59:59+01:00\",\n"
    "  \"run_once_at\": \"2026-01-15T12:00:00\",\n"
    "  \"schedules\": [\n"
    "    {\"id\": \"prod\", \"schedule_cron\": \"0 8 * * *\", \"enabled\": false,\n"
    "     \"schedule_start\": \"2025-01-01\", \"schedule_end\": \"2025-12-31\",\n"
    "     \"default_env\": {\"ENVIRONMENT\": \"production\"}, \"timeout\": 0,\n"
    "     \"retry_attempts\": 2, \"retry_strategy\": {\"type\": \"fixed_delay\", \"delay\": 5},\n"
    "     \"cpu_hard_limit\": 2, \"mem_hard_limit\": \"2g\", \"cpu_soft_limit\": 0.5,\n"
    "     \"mem_soft_limit\": \"1g\", \"webhook_key\": \"prod-key-0123456789\"},\n"
    "    {\"id\": \"staging\", \"schedule_interval_seconds\": 3600,\n"
    "     \"run_once_at\": \"2026-02-01T08:30\"}\n"
    "  ],\n"
    "  \"max_instances\": 2,\n"
    "  \"downstream_triggers\": [\n"
    "    {\"pipeline\": \"b\", \"on_success\": true, \"on_failure\": false,\n"
    "     \"run_config_id\": \"prod\"},\n"
    "    {\"pipeline\": \"c\", \"on_failure\": true, \"on_route\": \"late\"}\n"
    "  ],\n"
    "  \"restart_on_crash\": true,\n"
    "  \"restart_cooldown\": 120,\n"
    "  \"python_version\": \"3.12\",\n"
    "  \"webhook_key\": \"0123456789abcdef0123\",\n"
    "  \"executor\": \"docker-proxy\",\n"
    "  \"image\": \"python:3.12-slim\",\n"
    "  \"network\": \"bridge\",\n"
    "  \"placement\": [\"node.role==manager\", \"node.labels.zone!=eu\"],\n"
    "  \"command\": [\"python3\", \"-u\", \"job.py\"]\n"
    "}\n";

static gint64
utc_usec (gint year, gint month, gint day, gint hour, gint minute, gdouble seconds)
{
  g_autoptr (GDateTime) dt = g_date_time_new_utc (year, month, day, hour, minute, seconds);

  return g_date_time_to_unix (dt) * G_USEC_PER_SEC + g_date_time_get_microsecond (dt);
}

static void
test_all_fields (Fixture *fixture, gconstpointer data)
{
  g_autoptr (FfPipeline) pipeline = load_good (fixture, full_json);
  g_autofree gchar *json_path = g_build_filename (fixture->root, "p", "pipeline.json", NULL);
  const gchar *const *tags = ff_pipeline_get_tags (pipeline);
  const gchar *const *command = ff_pipeline_get_command (pipeline);
  GHashTable *env = ff_pipeline_get_default_env (pipeline);
  GPtrArray *schedules = ff_pipeline_get_schedules (pipeline);
  GPtrArray *triggers = ff_pipeline_get_downstream_triggers (pipeline);
  const FfSchedule *prod;
  const FfSchedule *staging;
  FfTrigger *trigger;

  g_assert_cmpstr (ff_pipeline_get_json_path (pipeline), ==, json_path);
  g_assert_cmpuint (count_warnings (pipeline), ==, 1);
  assert_contains (ff_pipeline_get_warnings (pipeline)[0], "the top-level schedule is not used");
  g_assert_cmpstr (ff_pipeline_get_description (pipeline), ==, "Daily ETL");
  g_assert_cmpuint (g_strv_length ((gchar **) tags), ==, 2);
  g_assert_cmpstr (tags[0], ==, "etl");
  g_assert_cmpstr (tags[1], ==, "daily");
  g_assert_false (ff_pipeline_get_enabled (pipeline));
  g_assert_cmpint (ff_pipeline_get_timeout (pipeline), ==, 3600);
  g_assert_cmpuint (ff_pipeline_get_retry_attempts (pipeline), ==, 3);
  g_assert_cmpint (ff_pipeline_get_retry_strategy (pipeline), ==,
                   FF_RETRY_STRATEGY_EXPONENTIAL_BACKOFF);
  g_assert_cmpfloat (ff_pipeline_get_retry_initial_delay (pipeline), ==, 10);
  g_assert_cmpfloat (ff_pipeline_get_retry_max_delay (pipeline), ==, 100);
  g_assert_cmpfloat (ff_pipeline_get_retry_multiplier (pipeline), ==, 3);
  g_assert_cmpfloat (ff_pipeline_get_retry_delay (pipeline, 1), ==, 10);
  g_assert_cmpfloat (ff_pipeline_get_retry_delay (pipeline, 2), ==, 30);
  g_assert_cmpfloat (ff_pipeline_get_retry_delay (pipeline, 3), ==, 90);
  g_assert_cmpfloat (ff_pipeline_get_retry_delay (pipeline, 4), ==, 100);
  g_assert_cmpfloat (ff_pipeline_get_cpu_hard_limit (pipeline), ==, 1.5);
  g_assert_cmpuint (ff_pipeline_get_mem_hard_limit (pipeline), ==, G_GUINT64_CONSTANT (1) << 30);
  g_assert_cmpfloat (ff_pipeline_get_cpu_soft_limit (pipeline), ==, 1);
  g_assert_cmpuint (ff_pipeline_get_mem_soft_limit (pipeline), ==, G_GUINT64_CONSTANT (800) << 20);
  g_assert_cmpuint (g_hash_table_size (env), ==, 2);
  g_assert_cmpstr (g_hash_table_lookup (env, "LOG_LEVEL"), ==, "INFO");
  g_assert_cmpstr (g_hash_table_lookup (env, "DEBUG"), ==, "false");
  g_assert_cmpstr (ff_pipeline_get_schedule_cron (pipeline), ==, "0 9 * * 1-5");
  g_assert_cmpint (ff_pipeline_get_schedule_start (pipeline), ==, utc_usec (2025, 1, 1, 0, 0, 0));
  g_assert_cmpint (ff_pipeline_get_schedule_end (pipeline), ==,
                   utc_usec (2025, 12, 31, 22, 59, 59));
  /* No zone is UTC, as in Fast-Flow. */
  g_assert_cmpint (ff_pipeline_get_run_once_at (pipeline), ==, utc_usec (2026, 1, 15, 12, 0, 0));
  g_assert_cmpuint (ff_pipeline_get_max_instances (pipeline), ==, 2);
  g_assert_true (ff_pipeline_get_restart_on_crash (pipeline));
  g_assert_cmpuint (ff_pipeline_get_restart_cooldown (pipeline), ==, 120);
  g_assert_cmpstr (ff_pipeline_get_python_version (pipeline), ==, "3.12");
  g_assert_cmpstr (ff_pipeline_get_webhook_key (pipeline), ==, "0123456789abcdef0123");
  g_assert_cmpstr (ff_pipeline_get_executor (pipeline), ==, "docker-proxy");
  g_assert_cmpstr (ff_pipeline_get_image (pipeline), ==, "python:3.12-slim");
  g_assert_cmpstr (ff_pipeline_get_network (pipeline), ==, "bridge");
  g_assert_cmpuint (g_strv_length ((gchar **) ff_pipeline_get_placement (pipeline)), ==, 2);
  g_assert_cmpstr (ff_pipeline_get_placement (pipeline)[1], ==, "node.labels.zone!=eu");
  g_assert_cmpuint (g_strv_length ((gchar **) command), ==, 3);
  g_assert_cmpstr (command[2], ==, "job.py");

  g_assert_cmpuint (schedules->len, ==, 2);
  prod = ff_pipeline_lookup_schedule (pipeline, "prod");
  g_assert_true (prod == g_ptr_array_index (schedules, 0));
  g_assert_false (prod->enabled);
  g_assert_cmpstr (prod->schedule_cron, ==, "0 8 * * *");
  g_assert_cmpuint (prod->schedule_interval_seconds, ==, 0);
  /* A date alone is the start of the day, or its end for schedule_end. */
  g_assert_cmpint (prod->schedule_start, ==, utc_usec (2025, 1, 1, 0, 0, 0));
  g_assert_cmpint (prod->schedule_end, ==, utc_usec (2025, 12, 31, 23, 59, 59.999999));
  g_assert_cmpstr (g_hash_table_lookup (prod->default_env, "ENVIRONMENT"), ==, "production");
  g_assert_cmpint (prod->timeout, ==, 0);
  g_assert_cmpint (prod->retry_attempts, ==, 2);
  g_assert_nonnull (prod->retry_strategy);
  g_assert_cmpint (prod->retry_strategy->kind, ==, FF_RETRY_STRATEGY_FIXED_DELAY);
  g_assert_cmpfloat (ff_retry_strategy_get_delay (prod->retry_strategy, 7), ==, 5);
  g_assert_cmpfloat (prod->cpu_hard_limit, ==, 2);
  g_assert_cmpuint (prod->mem_hard_limit, ==, G_GUINT64_CONSTANT (2) << 30);
  g_assert_cmpfloat (prod->cpu_soft_limit, ==, 0.5);
  g_assert_cmpuint (prod->mem_soft_limit, ==, G_GUINT64_CONSTANT (1) << 30);
  g_assert_cmpstr (prod->webhook_key, ==, "prod-key-0123456789");

  staging = ff_pipeline_lookup_schedule (pipeline, "staging");
  g_assert_nonnull (staging);
  g_assert_true (staging->enabled);
  g_assert_null (staging->schedule_cron);
  g_assert_cmpuint (staging->schedule_interval_seconds, ==, 3600);
  g_assert_cmpint (staging->run_once_at, ==, utc_usec (2026, 2, 1, 8, 30, 0));
  g_assert_cmpint (staging->timeout, ==, -1);
  g_assert_cmpint (staging->retry_attempts, ==, -1);
  g_assert_null (staging->retry_strategy);
  g_assert_cmpuint (g_hash_table_size (staging->default_env), ==, 0);
  g_assert_null (ff_pipeline_lookup_schedule (pipeline, "nope"));

  g_assert_cmpuint (triggers->len, ==, 2);
  trigger = g_ptr_array_index (triggers, 0);
  g_assert_cmpstr (trigger->pipeline, ==, "b");
  g_assert_true (trigger->on_success);
  g_assert_false (trigger->on_failure);
  g_assert_null (trigger->on_route);
  g_assert_cmpstr (trigger->run_config_id, ==, "prod");
  trigger = g_ptr_array_index (triggers, 1);
  g_assert_cmpstr (trigger->pipeline, ==, "c");
  g_assert_true (trigger->on_success);
  g_assert_true (trigger->on_failure);
  g_assert_cmpstr (trigger->on_route, ==, "late");
  g_assert_null (trigger->run_config_id);
}

static void
test_entry (Fixture *fixture, gconstpointer data)
{
  g_autofree gchar *py = make_pipeline (fixture, "py", NULL);
  g_autofree gchar *sh = g_build_filename (fixture->root, "sh", NULL);
  g_autofree gchar *both = make_pipeline (fixture, "both", NULL);
  g_autofree gchar *cmd = make_pipeline (fixture, "cmd", "{\"command\": [\"make\", \"run\"]}");
  g_autofree gchar *none = g_build_filename (fixture->root, "none", NULL);
  g_autofree gchar *dir_entry = g_build_filename (fixture->root, "dir-entry", NULL);
  g_autofree gchar *main_py_dir = g_build_filename (dir_entry, "main.py", NULL);
  g_autoptr (FfPipeline) pipeline = NULL;
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) argv = NULL;

  g_assert_cmpint (g_mkdir_with_parents (sh, 0755), ==, 0);
  write_file (sh, "main.sh", "echo hi\n", -1);
  write_file (both, "main.sh", "echo hi\n", -1);
  g_assert_cmpint (g_mkdir_with_parents (none, 0755), ==, 0);
  write_file (none, "README", "", 0);
  g_assert_cmpint (g_mkdir_with_parents (main_py_dir, 0755), ==, 0);

  pipeline = ff_pipeline_new_from_dir (py, &error);
  g_assert_no_error (error);
  argv = ff_pipeline_dup_entry_argv (pipeline, "/usr/bin/python3.11", &error);
  g_assert_no_error (error);
  g_assert_cmpstrv (argv, ((const gchar *[]){ "/usr/bin/python3.11", "main.py", NULL }));
  g_clear_pointer (&argv, g_strfreev);
  argv = ff_pipeline_dup_entry_argv (pipeline, NULL, &error);
  g_assert_cmpstrv (argv, ((const gchar *[]){ "python3", "main.py", NULL }));
  g_clear_pointer (&argv, g_strfreev);
  g_clear_object (&pipeline);

  pipeline = ff_pipeline_new_from_dir (sh, &error);
  argv = ff_pipeline_dup_entry_argv (pipeline, "python3", &error);
  g_assert_no_error (error);
  g_assert_cmpstrv (argv, ((const gchar *[]){ "sh", "main.sh", NULL }));
  g_clear_pointer (&argv, g_strfreev);
  g_clear_object (&pipeline);

  pipeline = ff_pipeline_new_from_dir (both, &error);
  argv = ff_pipeline_dup_entry_argv (pipeline, "python3", &error);
  g_assert_cmpstrv (argv, ((const gchar *[]){ "python3", "main.py", NULL }));
  g_clear_pointer (&argv, g_strfreev);
  g_clear_object (&pipeline);

  /* command wins over main.py. */
  pipeline = ff_pipeline_new_from_dir (cmd, &error);
  argv = ff_pipeline_dup_entry_argv (pipeline, "python3", &error);
  g_assert_no_error (error);
  g_assert_cmpstrv (argv, ((const gchar *[]){ "make", "run", NULL }));
  g_clear_pointer (&argv, g_strfreev);
  g_clear_object (&pipeline);

  pipeline = ff_pipeline_new_from_dir (none, &error);
  g_assert_no_error (error);
  g_assert_true (ff_pipeline_is_broken (pipeline));
  assert_contains (ff_pipeline_get_error (pipeline), none);
  assert_contains (ff_pipeline_get_error (pipeline), "no entry: expected main.py, main.sh or");
  argv = ff_pipeline_dup_entry_argv (pipeline, "python3", &error);
  g_assert_error (error, FF_ERROR, FF_ERROR_BROKEN_PIPELINE);
  assert_contains (error->message, "no entry");
  g_assert_null (argv);
  g_clear_error (&error);
  g_clear_object (&pipeline);

  /* A folder called main.py is no entry. */
  pipeline = ff_pipeline_new_from_dir (dir_entry, &error);
  g_assert_true (ff_pipeline_is_broken (pipeline));
  assert_contains (ff_pipeline_get_error (pipeline), "no entry");
}

typedef struct
{
  const gchar *json;
  const gchar *fragments[3];
} BadCase;

static const BadCase bad_cases[] = {
  { "{\"timeout\": \"ten\"}",
    { "field “timeout”: expected a number of seconds ≥ 0, got a string" } },
  { "{\"timeout\": -5}", { "field “timeout”: expected a number of seconds ≥ 0, got -5" } },
  { "{\"timeout\": 99999999999}",
    { "field “timeout”: expected at most 31536000 seconds (one year), got 99999999999" } },
  { "{\"timeout\": 1e300}", { "field “timeout”: expected at most", "got 1e+300" } },
  { "{\"timeout\": 1.5}", { "field “timeout”", "got 1.5" } },
  { "{\"timeout\": true}", { "field “timeout”", "got a boolean" } },
  { "{\"timeout\": [1]}", { "field “timeout”", "got an array" } },
  { "{\"mem_hard_limit\": \"12 parsecs\"}",
    { "field “mem_hard_limit”: expected a size such as “512m”, “1g”, “1.5g”, “2GiB”, “100 MB” "
      "or a number of bytes, got “12 parsecs”" } },
  { "{\"mem_hard_limit\": -1}", { "field “mem_hard_limit”", "got -1" } },
  { "{\"mem_hard_limit\": true}", { "field “mem_hard_limit”", "got a boolean" } },
  { "{\"mem_soft_limit\": \"lots\"}", { "field “mem_soft_limit”", "got “lots”" } },
  { "{\"mem_soft_limit\": {}}", { "field “mem_soft_limit”", "got an object" } },
  { "{\"cpu_hard_limit\": 0}", { "field “cpu_hard_limit”: expected a number of CPU cores" } },
  { "{\"cpu_hard_limit\": -1}", { "field “cpu_hard_limit”", "got -1" } },
  { "{\"cpu_hard_limit\": 2000}", { "field “cpu_hard_limit”: expected at most 1024, got 2000" } },
  { "{\"cpu_hard_limit\": \"1\"}", { "field “cpu_hard_limit”", "got a string" } },
  { "{\"cpu_soft_limit\": false}", { "field “cpu_soft_limit”", "got a boolean" } },
  { "{\"retry_attempts\": 101}", { "field “retry_attempts”: expected at most 100, got 101" } },
  { "{\"retry_attempts\": -1}", { "field “retry_attempts”: expected a number of retries" } },
  { "{\"retry_attempts\": \"3\"}", { "field “retry_attempts”", "got a string" } },
  { "{\"retry_strategy\": \"fast\"}", { "field “retry_strategy”: expected an object" } },
  { "{\"retry_strategy\": {}}", { "field “retry_strategy.type” is missing" } },
  { "{\"retry_strategy\": {\"type\": \"linear\"}}",
    { "field “retry_strategy.type”: expected one of “exponential_backoff”, “fixed_delay” or "
      "“custom_schedule”, got “linear”" } },
  { "{\"retry_strategy\": {\"type\": 1}}", { "field “retry_strategy.type”", "got a number" } },
  { "{\"retry_strategy\": {\"type\": \"fixed_delay\", \"delay\": -1}}",
    { "field “retry_strategy.delay”: expected a number of seconds ≥ 0, got -1" } },
  { "{\"retry_strategy\": {\"type\": \"fixed_delay\", \"delay\": \"1m\"}}",
    { "field “retry_strategy.delay”", "got a string" } },
  { "{\"retry_strategy\": {\"type\": \"exponential_backoff\", \"multiplier\": 0.5}}",
    { "field “retry_strategy.multiplier”: expected a factor ≥ 1", "got 0.5" } },
  { "{\"retry_strategy\": {\"type\": \"exponential_backoff\", \"initial_delay\": 100, "
    "\"max_delay\": 10}}",
    { "field “retry_strategy.max_delay”: expected a delay at least as long as initial_delay, "
      "got 10" } },
  { "{\"retry_strategy\": {\"type\": \"custom_schedule\"}}",
    { "field “retry_strategy.delays” is missing" } },
  { "{\"retry_strategy\": {\"type\": \"custom_schedule\", \"delays\": []}}",
    { "field “retry_strategy.delays”", "got an empty array" } },
  { "{\"retry_strategy\": {\"type\": \"custom_schedule\", \"delays\": [60, \"x\"]}}",
    { "field “retry_strategy.delays[1]”", "got a string" } },
  { "{\"description\": 5}", { "field “description”: expected a string, got a number" } },
  { "{\"tags\": \"etl\"}", { "field “tags”: expected an array of strings, got a string" } },
  { "{\"tags\": [\"a\", 1]}", { "field “tags[1]”: expected a string, got a number" } },
  { "{\"enabled\": \"yes\"}", { "field “enabled”: expected true or false, got a string" } },
  { "{\"enabled\": 1}", { "field “enabled”", "got a number" } },
  { "{\"default_env\": {\"DEBUG\": false}}",
    { "field “default_env.DEBUG”: expected a string (write numbers and booleans in quotes), "
      "got a boolean" } },
  { "{\"default_env\": {\"PORT\": 8080}}", { "field “default_env.PORT”", "got a number" } },
  { "{\"default_env\": {\"A\": null}}", { "field “default_env.A”", "got null" } },
  { "{\"default_env\": {\"1BAD\": \"x\"}}",
    { "field “default_env”: expected variable names", "got “1BAD”" } },
  { "{\"default_env\": {\"A-B\": \"x\"}}", { "field “default_env”", "got “A-B”" } },
  { "{\"default_env\": {\"\": \"x\"}}", { "field “default_env”", "got “”" } },
  { "{\"default_env\": [\"A=1\"]}", { "field “default_env”", "got an array" } },
  { "{\"schedule_cron\": \"0 9 * *\"}",
    { "field “schedule_cron”: The cron expression “0 9 * *” is not valid", "five are needed" } },
  { "{\"schedule_cron\": \"61 9 * * *\"}", { "field “schedule_cron”", "minute field “61”" } },
  { "{\"schedule_cron\": \"0 0 31 2 *\"}", { "field “schedule_cron”", "never fire" } },
  { "{\"schedule_cron\": \"every day at nine\"}", { "field “schedule_cron”" } },
  { "{\"schedule_cron\": \"0 9 * * * *\"}", { "field “schedule_cron”" } },
  { "{\"schedule_cron\": \"0 9 * * ;\"}", { "field “schedule_cron”" } },
  { "{\"schedule_cron\": 5}", { "field “schedule_cron”", "got a number" } },
  { "{\"schedule_interval_seconds\": 0}",
    { "field “schedule_interval_seconds”: expected a number of seconds greater than 0, got 0" } },
  { "{\"schedule_interval_seconds\": -10}", { "field “schedule_interval_seconds”", "got -10" } },
  { "{\"schedule_interval_seconds\": \"hourly\"}",
    { "field “schedule_interval_seconds”", "got “hourly”" } },
  { "{\"schedule_interval_seconds\": 1.5}", { "field “schedule_interval_seconds”", "got 1.5" } },
  { "{\"schedule_start\": \"yesterday\"}",
    { "field “schedule_start”: expected an ISO 8601 date or date-time", "got “yesterday”" } },
  { "{\"schedule_start\": \"2025-13-01\"}", { "field “schedule_start”" } },
  { "{\"schedule_start\": 20250101}", { "field “schedule_start”", "got a number" } },
  { "{\"schedule_start\": \"2025-06-01T00:00:00Z\", \"schedule_end\": \"2025-01-01\"}",
    { "field “schedule_end”: expected a time after schedule_start (2025-06-01T00:00:00Z), got "
      "2025-01-01T23:59:59.999999Z" } },
  { "{\"run_once_at\": \"soon\"}", { "field “run_once_at”", "got “soon”" } },
  { "{\"run_once_at\": \"1970-01-01T00:00:00Z\"}", { "field “run_once_at”" } },
  { "{\"schedules\": {}}", { "field “schedules”: expected an array of objects", "got an object" } },
  { "{\"schedules\": [1]}", { "field “schedules[0]”: expected an object", "got a number" } },
  { "{\"schedules\": [{}]}", { "field “schedules[0].id” is missing" } },
  { "{\"schedules\": [{\"id\": null}]}", { "field “schedules[0].id” is missing" } },
  { "{\"schedules\": [{\"id\": \"\"}]}", { "field “schedules[0].id”", "got “”" } },
  { "{\"schedules\": [{\"id\": \"a b\"}]}", { "field “schedules[0].id”", "got “a b”" } },
  { "{\"schedules\": [{\"id\": \"a\"}, {\"id\": \"a\"}]}",
    { "field “schedules[1].id”: expected an id no other schedule has, got “a”" } },
  { "{\"schedules\": [{\"id\": \"a\", \"timeout\": \"x\"}]}",
    { "field “schedules[0].timeout”", "got a string" } },
  { "{\"schedules\": [{\"id\": \"a\", \"enabled\": \"no\"}]}", { "field “schedules[0].enabled”" } },
  { "{\"schedules\": [{\"id\": \"a\", \"default_env\": {\"X\": 1}}]}",
    { "field “schedules[0].default_env.X”" } },
  { "{\"schedules\": [{\"id\": \"a\", \"mem_hard_limit\": \"big\"}]}",
    { "field “schedules[0].mem_hard_limit”" } },
  { "{\"schedules\": [{\"id\": \"a\", \"retry_strategy\": {\"type\": \"x\"}}]}",
    { "field “schedules[0].retry_strategy.type”" } },
  { "{\"schedules\": [{\"id\": \"a\", \"schedule_start\": \"2025-02-01\", "
    "\"schedule_end\": \"2025-01-01\"}]}",
    { "field “schedules[0].schedule_end”: expected a time after schedule_start" } },
  { "{\"max_instances\": -1}", { "field “max_instances”: expected a number of runs ≥ 0" } },
  { "{\"max_instances\": \"many\"}", { "field “max_instances”", "got “many”" } },
  { "{\"downstream_triggers\": {}}", { "field “downstream_triggers”: expected an array" } },
  { "{\"downstream_triggers\": [\"b\"]}",
    { "field “downstream_triggers[0]”: expected an object" } },
  { "{\"downstream_triggers\": [{\"on_success\": true}]}",
    { "field “downstream_triggers[0].pipeline” is missing" } },
  { "{\"downstream_triggers\": [{\"pipeline\": \"../x\"}]}",
    { "field “downstream_triggers[0].pipeline”: expected a pipeline name", "got “../x”" } },
  { "{\"downstream_triggers\": [{\"pipeline\": 5}]}",
    { "field “downstream_triggers[0].pipeline”", "got a number" } },
  { "{\"downstream_triggers\": [{\"pipeline\": \"b\", \"on_failure\": \"yes\"}]}",
    { "field “downstream_triggers[0].on_failure”: expected true or false" } },
  { "{\"restart_on_crash\": \"true\"}", { "field “restart_on_crash”", "got a string" } },
  { "{\"restart_cooldown\": -1}", { "field “restart_cooldown”", "got -1" } },
  { "{\"python_version\": true}", { "field “python_version”", "got a boolean" } },
  { "{\"python_version\": \"3 11\"}", { "field “python_version”", "got “3 11”" } },
  { "{\"webhook_key\": 123}", { "field “webhook_key”", "got a number" } },
  { "{\"webhook_key\": \"0123456789abcdef0\", \"schedules\": [{\"id\": \"a\", "
    "\"webhook_key\": \"0123456789abcdef0\"}]}",
    { "field “schedules[0].webhook_key”: expected a webhook key used only once" } },
  { "{\"executor\": \"no/such\"}", { "field “executor”", "got “no/such”" } },
  { "{\"executor\": 5}", { "field “executor”", "got a number" } },
  { "{\"image\": 5}", { "field “image”", "got a number" } },
  { "{\"image\": \"python 3\"}", { "field “image”", "got “python 3”" } },
  { "{\"network\": \"host\"}", { "field “network”: the host network is not allowed" } },
  { "{\"network\": \"container:db\"}",
    { "field “network”: expected “none” or “bridge”, got “container:db”" } },
  { "{\"network\": false}", { "field “network”", "got a boolean" } },
  { "{\"placement\": \"node.role==manager\"}",
    { "field “placement”: expected an array of constraints", "got a string" } },
  { "{\"placement\": [5]}", { "field “placement[0]”: expected a string, got a number" } },
  { "{\"placement\": [\"node.role\"]}",
    { "field “placement[0]”: expected a constraint of the form ATTRIBUTE==VALUE",
      "got “node.role”" } },
  { "{\"command\": \"python main.py\"}",
    { "field “command”: expected an array of non-empty strings, got a string" } },
  { "{\"command\": []}", { "field “command”", "got an empty array" } },
  { "{\"command\": [\"python\", \"\"]}",
    { "field “command[1]”: expected a non-empty string, got “”" } },
  { "{\"command\": [1]}", { "field “command[0]”: expected a string, got a number" } },
  { "{\"type\": 5}", { "field “type”" } },
  { "{\"type\": \"jupyter\"}", { "field “type”: expected “script” or “notebook”, got “jupyter”" } },
  { "{\"cells\": {\"retries\": 1}}",
    { "field “cells”: expected an array of objects such as", "got an object" } },
  { "{\"cells\": [3]}",
    { "field “cells[0]”: expected an object with “retries” and “delay_seconds”, got a number" } },
  { "{\"cells\": [{\"retries\": -1}]}",
    { "field “cells[0].retries”: expected a number of retries from 0 to 100, got -1" } },
  { "{\"cells\": [{}, {\"retries\": 101}]}",
    { "field “cells[1].retries”: expected at most 100, got 101" } },
  { "{\"cells\": [{\"retries\": 1.5}]}", { "field “cells[0].retries”", "got 1.5" } },
  { "{\"cells\": [{\"delay_seconds\": \"soon\"}]}",
    { "field “cells[0].delay_seconds”: expected a number of seconds ≥ 0", "got a string" } },
  { "{\"cells\": [{\"delay_seconds\": -1}]}", { "field “cells[0].delay_seconds”", "got -1" } },
  { "{\"restart_interval\": -5}", { "field “restart_interval”", "got -5" } },
  { "{\"restart_interval\": 1.5}", { "field “restart_interval”", "got 1.5" } },
  { "{\"restart_interval\": \"every hour\"}", { "field “restart_interval”" } },
  { "{\"restart_interval\": \"999999999999\"}",
    { "field “restart_interval”: expected at most 315360000 seconds" } },
};

/* A folder NAME with main.ipynb (and main.py, which a notebook ignores). */
static gchar *
make_notebook (Fixture *fixture, const gchar *name, const gchar *json)
{
  gchar *dir = make_pipeline (fixture, name, json);

  write_file (dir, "main.ipynb", "{\"cells\": [], \"nbformat\": 4, \"nbformat_minor\": 5}", -1);
  return dir;
}

static void
test_notebook (Fixture *fixture, gconstpointer data)
{
  g_autofree gchar *nb = make_notebook (
      fixture, "nb",
      "{\"type\": \"notebook\", \"cells\": [{\"retries\": 2, \"delay_seconds\": 0.5}, "
      "{\"retries\": 0}, null, {\"delay_seconds\": 2}, {\"retries\": \"3\"}]}");
  g_autofree gchar *bare = make_notebook (fixture, "bare", "{\"type\": \"notebook\"}");
  g_autofree gchar *retried =
      make_notebook (fixture, "retried",
                     "{\"type\": \"notebook\", \"retry_attempts\": 3, "
                     "\"schedules\": [{\"id\": \"a\", \"retry_attempts\": 2}, {\"id\": \"b\"}]}");
  g_autofree gchar *missing = make_pipeline (fixture, "missing", "{\"type\": \"notebook\"}");
  g_autofree gchar *with_command =
      make_notebook (fixture, "with-command", "{\"type\": \"notebook\", \"command\": [\"make\"]}");
  g_autofree gchar *script =
      make_notebook (fixture, "script", "{\"type\": \"script\", \"cells\": [{\"retries\": 1}]}");
  g_autoptr (FfPipeline) pipeline = NULL;
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) argv = NULL;

  /* the runner's arguments: cells[] with Fast-Flow's defaults (0, 1 s) */
  pipeline = ff_pipeline_new_from_dir (nb, &error);
  g_assert_no_error (error);
  g_assert_false (ff_pipeline_is_broken (pipeline));
  g_assert_true (ff_pipeline_is_notebook (pipeline));
  g_assert_cmpuint (count_warnings (pipeline), ==, 1);
  assert_contains (ff_pipeline_get_warnings (pipeline)[0], "“cells[4].retries” should be a number");
  argv = ff_pipeline_dup_entry_argv (pipeline, "python3.12", &error);
  g_assert_no_error (error);
  g_assert_cmpstrv (argv, ((const gchar *[]){ "python3.12", "main.ipynb", "--cells",
                                              "2:0.5,0:1,0:1,0:2,3:1", NULL }));
  g_clear_pointer (&argv, g_strfreev);
  g_clear_object (&pipeline);

  pipeline = ff_pipeline_new_from_dir (bare, &error);
  g_assert_cmpuint (count_warnings (pipeline), ==, 0);
  argv = ff_pipeline_dup_entry_argv (pipeline, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstrv (argv, ((const gchar *[]){ "python3", "main.ipynb", "--cells", "", NULL }));
  g_clear_pointer (&argv, g_strfreev);
  g_clear_object (&pipeline);

  /* Fast-Flow retries a notebook's cells, never its runs */
  pipeline = ff_pipeline_new_from_dir (retried, &error);
  g_assert_false (ff_pipeline_is_broken (pipeline));
  g_assert_cmpuint (ff_pipeline_get_retry_attempts (pipeline), ==, 0);
  g_assert_cmpint (ff_pipeline_lookup_schedule (pipeline, "a")->retry_attempts, ==, 0);
  g_assert_cmpint (ff_pipeline_lookup_schedule (pipeline, "b")->retry_attempts, ==, -1);
  g_assert_cmpuint (count_warnings (pipeline), ==, 1);
  assert_contains (ff_pipeline_get_warnings (pipeline)[0],
                   "field “retry_attempts” is ignored: a notebook pipeline retries its cells");
  g_clear_object (&pipeline);

  pipeline = ff_pipeline_new_from_dir (missing, &error);
  g_assert_true (ff_pipeline_is_broken (pipeline));
  assert_contains (ff_pipeline_get_error (pipeline), missing);
  assert_contains (ff_pipeline_get_error (pipeline), "no main.ipynb: a notebook pipeline");
  argv = ff_pipeline_dup_entry_argv (pipeline, "python3", &error);
  g_assert_error (error, FF_ERROR, FF_ERROR_BROKEN_PIPELINE);
  g_assert_null (argv);
  g_clear_error (&error);
  g_clear_object (&pipeline);

  pipeline = ff_pipeline_new_from_dir (with_command, &error);
  g_assert_true (ff_pipeline_is_broken (pipeline));
  assert_contains (ff_pipeline_get_error (pipeline),
                   "field “command”: a notebook pipeline runs its main.ipynb");
  g_clear_object (&pipeline);

  /* a script ignores cells[], as in Fast-Flow, and runs main.py */
  pipeline = ff_pipeline_new_from_dir (script, &error);
  g_assert_false (ff_pipeline_is_notebook (pipeline));
  assert_contains (ff_pipeline_get_warnings (pipeline)[0],
                   "field “cells” is only used by notebook pipelines");
  argv = ff_pipeline_dup_entry_argv (pipeline, "python3", &error);
  g_assert_cmpstrv (argv, ((const gchar *[]){ "python3", "main.py", NULL }));
}

/* restart_interval in each form Fast-Flow takes: cron, or seconds as a
 * number or a string of digits; 0 and "" ask for no restarts. */
static void
test_restart_interval_forms (Fixture *fixture, gconstpointer data)
{
  static const struct
  {
    const gchar *json;
    const gchar *cron;
    guint64 seconds;
  } cases[] = {
    { "{\"restart_interval\": \"0 3 * * *\"}", "0 3 * * *", 0 },
    { "{\"restart_interval\": 3600}", NULL, 3600 },
    { "{\"restart_interval\": \" 3600 \"}", NULL, 3600 },
    { "{\"restart_interval\": 0}", NULL, 0 },
    { "{\"restart_interval\": \"\"}", NULL, 0 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (FfPipeline) pipeline = load_good (fixture, cases[i].json);

      g_assert_cmpstr (ff_pipeline_get_restart_interval (pipeline), ==, cases[i].cron);
      g_assert_cmpuint (ff_pipeline_get_restart_interval_seconds (pipeline), ==, cases[i].seconds);
      g_assert_cmpuint (count_warnings (pipeline), ==, 0);
    }
}

static void
test_bad_fields (Fixture *fixture, gconstpointer data)
{
  g_autofree gchar *dir = make_pipeline (fixture, "p", NULL);
  g_autofree gchar *json_path = g_build_filename (dir, "pipeline.json", NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (bad_cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (FfPipeline) pipeline = NULL;
      const gchar *message;

      write_file (dir, "pipeline.json", bad_cases[i].json, -1);
      pipeline = ff_pipeline_new_from_dir (dir, &error);
      g_assert_no_error (error);
      message = ff_pipeline_get_error (pipeline);
      if (!ff_pipeline_is_broken (pipeline))
        g_error ("%s was accepted", bad_cases[i].json);
      g_test_message ("%s → %s", bad_cases[i].json, message);
      assert_contains (message, json_path);
      for (guint j = 0; j < G_N_ELEMENTS (bad_cases[i].fragments); j++)
        {
          if (bad_cases[i].fragments[j] != NULL)
            assert_contains (message, bad_cases[i].fragments[j]);
        }
      /* Each field reports one error. */
      g_assert_cmpuint (g_strv_length ((gchar **) ff_pipeline_get_errors (pipeline)), ==, 1);
    }
}

static void
test_broken_has_defaults (Fixture *fixture, gconstpointer data)
{
  g_autoptr (FfPipeline) pipeline =
      load (fixture, "{\"description\": \"kept?\", \"timeout\": \"ten\", \"tags\": [\"a\"],\n"
                     " \"enabled\": false, \"mem_hard_limit\": \"12 parsecs\"}");
  const gchar *const *errors = ff_pipeline_get_errors (pipeline);

  g_assert_true (ff_pipeline_is_broken (pipeline));
  g_assert_cmpuint (g_strv_length ((gchar **) errors), ==, 2);
  assert_contains (errors[0], "“timeout”");
  assert_contains (errors[1], "“mem_hard_limit”");
  assert_contains (ff_pipeline_get_error (pipeline), "“timeout”");
  assert_contains (ff_pipeline_get_error (pipeline), "\n");
  assert_contains (ff_pipeline_get_error (pipeline), "“mem_hard_limit”");
  g_assert_null (ff_pipeline_get_description (pipeline));
  g_assert_cmpuint (g_strv_length ((gchar **) ff_pipeline_get_tags (pipeline)), ==, 0);
  g_assert_true (ff_pipeline_get_enabled (pipeline));
  g_assert_cmpint (ff_pipeline_get_timeout (pipeline), ==, -1);
}

static void
test_not_json (Fixture *fixture, gconstpointer data)
{
  const struct
  {
    const gchar *json;
    const gchar *fragment;
  } cases[] = {
    { "{\n  \"timeout\": 5,\n  \"tags\": ,\n}", ": line 3, column 11: not valid JSON: " },
    { "timeout = 5", ": line 1, column" },
    { "{\"a\": 1} trailing", ": line 1, column" },
    { "{\"timeout\": NaN}", "not valid JSON" },
    { "", ": the file is empty; expected a JSON object" },
    { "  \n ", ": the file is empty" },
    { "[1, 2]", ": expected a JSON object {…}, got an array" },
    { "\"text\"", ": expected a JSON object {…}, got a string" },
    { "null", ": expected a JSON object {…}, got null" },
  };
  g_autofree gchar *dir = make_pipeline (fixture, "p", NULL);
  g_autofree gchar *json_path = g_build_filename (dir, "pipeline.json", NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (FfPipeline) pipeline = NULL;
      g_autofree gchar *prefix = g_strconcat (json_path, cases[i].fragment, NULL);

      write_file (dir, "pipeline.json", cases[i].json, -1);
      pipeline = ff_pipeline_new_from_dir (dir, NULL);
      g_assert_true (ff_pipeline_is_broken (pipeline));
      g_test_message ("%s → %s", cases[i].json, ff_pipeline_get_error (pipeline));
      if (cases[i].fragment[0] == ':')
        assert_contains (ff_pipeline_get_error (pipeline), prefix);
      else
        assert_contains (ff_pipeline_get_error (pipeline), cases[i].fragment);
      assert_contains (ff_pipeline_get_error (pipeline), json_path);
    }
}

static void
test_bad_files (Fixture *fixture, gconstpointer data)
{
  g_autofree gchar *dir = make_pipeline (fixture, "p", NULL);
  g_autofree gchar *json_path = g_build_filename (dir, "pipeline.json", NULL);
  g_autoptr (FfPipeline) pipeline = NULL;
  g_autoptr (GString) big = g_string_new ("{\"description\": \"");

  /* Latin-1, not UTF-8. */
  write_file (dir, "pipeline.json",
              "{\"description\": \"Gr\xfc\xdf"
              "e\"}",
              -1);
  pipeline = ff_pipeline_new_from_dir (dir, NULL);
  g_assert_true (ff_pipeline_is_broken (pipeline));
  assert_contains (ff_pipeline_get_error (pipeline), json_path);
  assert_contains (ff_pipeline_get_error (pipeline), "not UTF-8 text (invalid byte at offset 19)");
  g_clear_object (&pipeline);

  write_file (dir, "pipeline.json", "{\"description\": \"a\0b\"}", 22);
  pipeline = ff_pipeline_new_from_dir (dir, NULL);
  assert_contains (ff_pipeline_get_error (pipeline), "not UTF-8 text");
  g_clear_object (&pipeline);

  while (big->len <= 1024 * 1024)
    g_string_append (big, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
  g_string_append (big, "\"}");
  write_file (dir, "pipeline.json", big->str, big->len);
  pipeline = ff_pipeline_new_from_dir (dir, NULL);
  g_assert_true (ff_pipeline_is_broken (pipeline));
  assert_contains (ff_pipeline_get_error (pipeline), json_path);
  assert_contains (ff_pipeline_get_error (pipeline), "larger than 1 MiB");
  g_clear_object (&pipeline);

  /* Just under the limit is fine. */
  g_string_truncate (big, 1024 * 1024 - 2);
  g_string_append (big, "\"}");
  write_file (dir, "pipeline.json", big->str, big->len);
  pipeline = load_good (fixture, NULL);
  g_assert_cmpuint (strlen (ff_pipeline_get_description (pipeline)), ==, 1024 * 1024 - 19);
  g_clear_object (&pipeline);

  g_assert_cmpint (g_remove (json_path), ==, 0);
  g_assert_cmpint (g_mkdir (json_path, 0755), ==, 0);
  pipeline = ff_pipeline_new_from_dir (dir, NULL);
  g_assert_true (ff_pipeline_is_broken (pipeline));
  assert_contains (ff_pipeline_get_error (pipeline), "not a regular file");
}

/* pipeline.json is opened once, without following a link and without
 * waiting for a writer, and its size is known before it is read: a FIFO
 * does not hang the load, a link out of the folder is not read, a 2 MiB
 * file is refused by its size. */
static void
test_hostile_files (Fixture *fixture, gconstpointer data)
{
  g_autofree gchar *dir = make_pipeline (fixture, "p", NULL);
  g_autofree gchar *json_path = g_build_filename (dir, "pipeline.json", NULL);
  g_autofree gchar *outside = g_build_filename (fixture->root, "outside.json", NULL);
  g_autoptr (FfPipeline) pipeline = NULL;
  gint fd;

  g_assert_cmpint (mkfifo (json_path, 0644), ==, 0);
  pipeline = ff_pipeline_new_from_dir (dir, NULL);
  g_assert_true (ff_pipeline_is_broken (pipeline));
  assert_contains (ff_pipeline_get_error (pipeline), json_path);
  assert_contains (ff_pipeline_get_error (pipeline), "not a regular file");
  g_clear_object (&pipeline);
  g_assert_cmpint (g_remove (json_path), ==, 0);

  /* valid JSON, and still not read */
  g_assert_true (g_file_set_contents (outside, "{\"description\": \"from outside\"}", -1, NULL));
  g_assert_cmpint (symlink (outside, json_path), ==, 0);
  pipeline = ff_pipeline_new_from_dir (dir, NULL);
  g_assert_true (ff_pipeline_is_broken (pipeline));
  assert_contains (ff_pipeline_get_error (pipeline),
                   "a symbolic link, which fastflow does not follow");
  g_assert_cmpstr (ff_pipeline_get_description (pipeline), !=, "from outside");
  g_clear_object (&pipeline);
  g_assert_cmpint (g_remove (json_path), ==, 0);

  /* sparse: 2 MiB of nothing */
  fd = g_open (json_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (ftruncate (fd, 2 * 1024 * 1024), ==, 0);
  g_close (fd, NULL);
  pipeline = ff_pipeline_new_from_dir (dir, NULL);
  g_assert_true (ff_pipeline_is_broken (pipeline));
  assert_contains (ff_pipeline_get_error (pipeline), "larger than 1 MiB");
}

static void
test_unknown_fields (Fixture *fixture, gconstpointer data)
{
  g_autoptr (FfPipeline) pipeline = load_good (
      fixture, "{\"timeout\": 5, \"colour\": \"blue\",\n"
               " \"retry_strategy\": {\"type\": \"fixed_delay\", \"delay\": 1, \"jitter\": 2},\n"
               " \"schedules\": [{\"id\": \"a\", \"when\": \"now\"}],\n"
               " \"downstream_triggers\": [{\"pipeline\": \"b\", \"priority\": 1}]}");
  const gchar *const *warnings = ff_pipeline_get_warnings (pipeline);
  g_autofree gchar *json_path = g_build_filename (fixture->root, "p", "pipeline.json", NULL);

  g_assert_cmpint (ff_pipeline_get_timeout (pipeline), ==, 5);
  g_assert_cmpuint (g_strv_length ((gchar **) warnings), ==, 4);
  assert_contains (warnings[0], json_path);
  assert_contains (warnings[0], "unknown field “colour” is ignored");
  assert_contains (warnings[1], "unknown field “retry_strategy.jitter”");
  assert_contains (warnings[2], "unknown field “schedules[0].when”");
  assert_contains (warnings[3], "unknown field “downstream_triggers[0].priority”");
  /* A field of another strategy is unknown to this one. */
  g_clear_object (&pipeline);
  pipeline = load_good (fixture, "{\"retry_strategy\": {\"type\": \"fixed_delay\", "
                                 "\"multiplier\": 2}}");
  assert_contains (ff_pipeline_get_warnings (pipeline)[0], "“retry_strategy.multiplier”");
}

/* What Fast-Flow takes, fastflow takes too. */
static void
test_fast_flow_forms (Fixture *fixture, gconstpointer data)
{
  g_autoptr (FfPipeline) pipeline = NULL;
  g_autofree gchar *named = NULL;
  g_autofree gchar *named_json = NULL;
  const FfSchedule *schedule;

  pipeline = load_good (fixture, "{\"timeout\": 3600.0, \"retry_attempts\": 2.0, "
                                 "\"mem_hard_limit\": 1073741824, \"mem_soft_limit\": 1e6, "
                                 "\"cpu_hard_limit\": 2}");
  g_assert_cmpint (ff_pipeline_get_timeout (pipeline), ==, 3600);
  g_assert_cmpuint (ff_pipeline_get_retry_attempts (pipeline), ==, 2);
  g_assert_cmpuint (ff_pipeline_get_mem_hard_limit (pipeline), ==, 1073741824);
  g_assert_cmpuint (ff_pipeline_get_mem_soft_limit (pipeline), ==, 1000000);
  g_assert_cmpfloat (ff_pipeline_get_cpu_hard_limit (pipeline), ==, 2);
  g_assert_cmpuint (count_warnings (pipeline), ==, 0);
  g_clear_object (&pipeline);

  /* null is unset; so are empty strings where Fast-Flow strips them. */
  pipeline = load_good (fixture, "{\"timeout\": null, \"description\": null, \"tags\": null, "
                                 "\"schedule_cron\": \"  \", \"webhook_key\": \"\", "
                                 "\"python_version\": \"\", \"schedule_start\": \"\"}");
  g_assert_cmpint (ff_pipeline_get_timeout (pipeline), ==, -1);
  g_assert_null (ff_pipeline_get_schedule_cron (pipeline));
  g_assert_null (ff_pipeline_get_webhook_key (pipeline));
  g_assert_null (ff_pipeline_get_python_version (pipeline));
  g_assert_cmpint (ff_pipeline_get_schedule_start (pipeline), ==, 0);
  g_assert_cmpuint (count_warnings (pipeline), ==, 0);
  g_clear_object (&pipeline);

  /* Fast-Flow int()s these; each gets a warning. */
  pipeline = load_good (fixture, "{\"restart_cooldown\": \"120\", "
                                 "\"schedule_interval_seconds\": \"3600\", "
                                 "\"max_instances\": \"2\", \"python_version\": 3.12}");
  g_assert_cmpuint (ff_pipeline_get_restart_cooldown (pipeline), ==, 120);
  g_assert_cmpuint (ff_pipeline_get_schedule_interval_seconds (pipeline), ==, 3600);
  g_assert_cmpuint (ff_pipeline_get_max_instances (pipeline), ==, 2);
  g_assert_cmpstr (ff_pipeline_get_python_version (pipeline), ==, "3.12");
  g_assert_cmpuint (count_warnings (pipeline), ==, 4);
  assert_contains (ff_pipeline_get_warnings (pipeline)[0],
                   "field “restart_cooldown” should be a number, not a string");
  g_clear_object (&pipeline);

  /* Cron wins over an interval. */
  pipeline = load_good (fixture, "{\"schedule_cron\": \"*/5 * * * *\", "
                                 "\"schedule_interval_seconds\": 60}");
  g_assert_cmpstr (ff_pipeline_get_schedule_cron (pipeline), ==, "*/5 * * * *");
  g_assert_cmpuint (ff_pipeline_get_schedule_interval_seconds (pipeline), ==, 0);
  assert_contains (ff_pipeline_get_warnings (pipeline)[0], "the interval is ignored");
  g_clear_object (&pipeline);

  pipeline = load_good (fixture, "{\"schedule_start\": \"2025-01-01 08:00:00\", "
                                 "\"schedule_end\": \"2025-01-01T10:30+02:00\", "
                                 "\"run_once_at\": \"2025-03-01T12:00:00.5Z\", "
                                 "\"schedules\": [{\"id\": 7, \"schedule_cron\": \"0 9 * * MON\", "
                                 "\"schedule_interval_seconds\": 5}]}");
  g_assert_cmpint (ff_pipeline_get_schedule_start (pipeline), ==, utc_usec (2025, 1, 1, 8, 0, 0));
  g_assert_cmpint (ff_pipeline_get_schedule_end (pipeline), ==, utc_usec (2025, 1, 1, 8, 30, 0));
  g_assert_cmpint (ff_pipeline_get_run_once_at (pipeline), ==, utc_usec (2025, 3, 1, 12, 0, 0.5));
  schedule = ff_pipeline_lookup_schedule (pipeline, "7");
  g_assert_nonnull (schedule);
  g_assert_cmpstr (schedule->schedule_cron, ==, "0 9 * * MON");
  g_assert_cmpuint (schedule->schedule_interval_seconds, ==, 0);
  assert_contains (ff_pipeline_get_warnings (pipeline)[0], "“schedules[0].schedule_cron”");
  g_clear_object (&pipeline);

  /* Fields of Fast-Flow that fastflow does not have are warnings. */
  pipeline = load_good (fixture, "{\"type\": \"script\", \"encrypted_env\": {\"K\": \"gAAA\"}, "
                                 "\"secrets\": [\"K\"], \"restart_interval\": \"0 3 * * *\", "
                                 "\"cells\": [], \"schedules\": [{\"id\": \"a\", "
                                 "\"encrypted_env\": {}}]}");
  g_assert_cmpuint (count_warnings (pipeline), ==, 0);
  g_assert_cmpstrv (ff_pipeline_get_secrets (pipeline), ((const gchar *[]){ "K", NULL }));
  /* restart_interval is a cron expression fastflow acts on */
  g_assert_cmpstr (ff_pipeline_get_restart_interval (pipeline), ==, "0 3 * * *");
  g_clear_object (&pipeline);

  /* A byte order mark is skipped. */
  pipeline = load_good (fixture, "\xEF\xBB\xBF{\"timeout\": 7}");
  g_assert_cmpint (ff_pipeline_get_timeout (pipeline), ==, 7);
  g_clear_object (&pipeline);

  /* <name>.json when there is no pipeline.json. */
  named = make_pipeline (fixture, "named", NULL);
  write_file (named, "named.json", "{\"timeout\": 9}", -1);
  pipeline = ff_pipeline_new_from_dir (named, NULL);
  g_assert_false (ff_pipeline_is_broken (pipeline));
  g_assert_cmpint (ff_pipeline_get_timeout (pipeline), ==, 9);
  named_json = g_build_filename (named, "named.json", NULL);
  g_assert_cmpstr (ff_pipeline_get_json_path (pipeline), ==, named_json);
  g_clear_object (&pipeline);
  write_file (named, "pipeline.json", "{\"timeout\": 10}", -1);
  pipeline = ff_pipeline_new_from_dir (named, NULL);
  g_assert_cmpint (ff_pipeline_get_timeout (pipeline), ==, 10);
}

static void
test_warnings (Fixture *fixture, gconstpointer data)
{
  g_autoptr (FfPipeline) pipeline = NULL;

  pipeline = load_good (fixture, "{\"webhook_key\": \"short\"}");
  g_assert_cmpstr (ff_pipeline_get_webhook_key (pipeline), ==, "short");
  assert_contains (ff_pipeline_get_warnings (pipeline)[0],
                   "field “webhook_key” is shorter than 16 characters");
  g_clear_object (&pipeline);

  pipeline = load_good (fixture, "{\"cpu_hard_limit\": 1, \"cpu_soft_limit\": 2, "
                                 "\"mem_hard_limit\": \"1m\", \"mem_soft_limit\": \"2m\"}");
  /* The engine's 6 MiB minimum is the docker executors' to say
   * (test-docker-executor /docker/refusals): another executor may run
   * with 1 MiB. */
  g_assert_cmpuint (count_warnings (pipeline), ==, 2);
  assert_contains (ff_pipeline_get_warnings (pipeline)[0], "“cpu_soft_limit” is above");
  assert_contains (ff_pipeline_get_warnings (pipeline)[1], "“mem_soft_limit” is above");
  g_clear_object (&pipeline);

  pipeline = load_good (fixture, "{\"schedule_cron\": \"0 9 * * *\", "
                                 "\"schedules\": [{\"id\": \"a\"}]}");
  assert_contains (ff_pipeline_get_warnings (pipeline)[0], "the top-level schedule is not used");
  g_clear_object (&pipeline);

  pipeline = load_good (fixture, "{\"downstream_triggers\": [{\"pipeline\": \"p\"}, "
                                 "{\"pipeline\": \"q\", \"on_success\": false}]}");
  g_assert_cmpuint (count_warnings (pipeline), ==, 2);
  assert_contains (ff_pipeline_get_warnings (pipeline)[0], "“downstream_triggers[1]” never fires");
  assert_contains (ff_pipeline_get_warnings (pipeline)[1],
                   "“downstream_triggers[0]” starts this pipeline again");
}

static void
test_retry_strategies (Fixture *fixture, gconstpointer data)
{
  g_autoptr (FfPipeline) pipeline = NULL;
  g_autoptr (FfRetryStrategy) copy = NULL;
  GArray *delays;

  pipeline = load_good (fixture, "{\"retry_strategy\": {\"type\": \"custom_schedule\", "
                                 "\"delays\": [60, 300, 3600.5]}}");
  g_assert_cmpint (ff_pipeline_get_retry_strategy (pipeline), ==,
                   FF_RETRY_STRATEGY_CUSTOM_SCHEDULE);
  delays = ff_pipeline_get_retry_custom_delays (pipeline);
  g_assert_cmpuint (delays->len, ==, 3);
  g_assert_cmpfloat (g_array_index (delays, gdouble, 2), ==, 3600.5);
  g_assert_cmpfloat (ff_pipeline_get_retry_delay (pipeline, 1), ==, 60);
  g_assert_cmpfloat (ff_pipeline_get_retry_delay (pipeline, 2), ==, 300);
  /* The last delay repeats. */
  g_assert_cmpfloat (ff_pipeline_get_retry_delay (pipeline, 9), ==, 3600.5);
  copy = ff_retry_strategy_copy (ff_pipeline_get_retry (pipeline));
  g_assert_true (copy->custom_delays != delays);
  g_assert_cmpuint (copy->custom_delays->len, ==, 3);
  g_clear_object (&pipeline);

  pipeline = load_good (fixture, "{\"retry_strategy\": {\"type\": \"fixed_delay\", "
                                 "\"delay\": 120}}");
  g_assert_cmpfloat (ff_pipeline_get_retry_delay (pipeline, 1), ==, 120);
  g_assert_cmpfloat (ff_pipeline_get_retry_delay (pipeline, 5), ==, 120);
  g_clear_object (&pipeline);

  /* Defaults of exponential_backoff, and a maximum that follows a large
   * initial delay. */
  pipeline = load_good (fixture, "{\"retry_strategy\": {\"type\": \"exponential_backoff\"}}");
  g_assert_cmpfloat (ff_pipeline_get_retry_initial_delay (pipeline), ==, 60);
  g_assert_cmpfloat (ff_pipeline_get_retry_max_delay (pipeline), ==, 3600);
  g_assert_cmpfloat (ff_pipeline_get_retry_multiplier (pipeline), ==, 2);
  g_assert_cmpfloat (ff_pipeline_get_retry_delay (pipeline, 3), ==, 240);
  g_assert_cmpfloat (ff_pipeline_get_retry_delay (pipeline, 100), ==, 3600);
  g_clear_object (&pipeline);
  pipeline = load_good (fixture, "{\"retry_strategy\": {\"type\": \"exponential_backoff\", "
                                 "\"initial_delay\": 7200}}");
  g_assert_cmpfloat (ff_pipeline_get_retry_max_delay (pipeline), ==, 7200);
}

static void
test_boxed (Fixture *fixture, gconstpointer data)
{
  g_autoptr (FfPipeline) pipeline = load_good (fixture, full_json);
  FfSchedule *schedule = g_ptr_array_index (ff_pipeline_get_schedules (pipeline), 0);
  FfTrigger *trigger = g_ptr_array_index (ff_pipeline_get_downstream_triggers (pipeline), 1);
  g_autoptr (FfSchedule) schedule_copy = g_boxed_copy (FF_TYPE_SCHEDULE, schedule);
  g_autoptr (FfTrigger) trigger_copy = g_boxed_copy (FF_TYPE_TRIGGER, trigger);
  g_autoptr (FfRetryStrategy) retry_copy =
      g_boxed_copy (FF_TYPE_RETRY_STRATEGY, ff_pipeline_get_retry (pipeline));

  g_assert_true (schedule_copy->id != schedule->id);
  g_assert_cmpstr (schedule_copy->id, ==, "prod");
  g_assert_cmpstr (schedule_copy->schedule_cron, ==, schedule->schedule_cron);
  g_assert_cmpstr (schedule_copy->webhook_key, ==, schedule->webhook_key);
  g_assert_cmpint (schedule_copy->schedule_end, ==, schedule->schedule_end);
  g_assert_true (schedule_copy->default_env != schedule->default_env);
  g_assert_cmpstr (g_hash_table_lookup (schedule_copy->default_env, "ENVIRONMENT"), ==,
                   "production");
  g_assert_true (schedule_copy->retry_strategy != schedule->retry_strategy);
  g_assert_cmpfloat (schedule_copy->retry_strategy->initial_delay, ==, 5);
  g_assert_cmpstr (trigger_copy->pipeline, ==, "c");
  g_assert_cmpstr (trigger_copy->on_route, ==, "late");
  g_assert_true (trigger_copy->on_failure);
  g_assert_cmpint (retry_copy->kind, ==, FF_RETRY_STRATEGY_EXPONENTIAL_BACKOFF);
}

static void
test_fingerprint (Fixture *fixture, gconstpointer data)
{
  g_autofree gchar *dir = make_pipeline (fixture, "p", "{\"timeout\": 1}");
  g_autoptr (FfPipeline) a = ff_pipeline_new_from_dir (dir, NULL);
  g_autoptr (FfPipeline) b = ff_pipeline_new_from_dir (dir, NULL);
  g_autoptr (FfPipeline) c = NULL;
  g_autoptr (FfPipeline) d = NULL;
  g_autofree gchar *main_py = g_build_filename (dir, "main.py", NULL);

  g_assert_cmpstr (ff_pipeline_get_fingerprint (a), ==, ff_pipeline_get_fingerprint (b));
  write_file (dir, "pipeline.json", "{\"timeout\": 2}", -1);
  c = ff_pipeline_new_from_dir (dir, NULL);
  g_assert_cmpstr (ff_pipeline_get_fingerprint (a), !=, ff_pipeline_get_fingerprint (c));
  /* The entry changing from main.py to main.sh counts too. */
  write_file (dir, "main.sh", "echo\n", -1);
  g_assert_cmpint (g_remove (main_py), ==, 0);
  d = ff_pipeline_new_from_dir (dir, NULL);
  g_assert_false (ff_pipeline_is_broken (d));
  g_assert_cmpstr (ff_pipeline_get_fingerprint (c), !=, ff_pipeline_get_fingerprint (d));
}

static void
test_secrets (Fixture *fixture, gconstpointer data)
{
  g_autoptr (FfPipeline) pipeline = NULL;

  /* values inline join default_env; names alone mark variables set elsewhere */
  pipeline = load_good (fixture, "{\"default_env\": {\"USER\": \"bob\"}, "
                                 "\"secrets\": {\"TOKEN\": \"t0k\"}}");
  g_assert_cmpstrv (ff_pipeline_get_secrets (pipeline), ((const gchar *[]){ "TOKEN", NULL }));
  g_assert_cmpstr (g_hash_table_lookup (ff_pipeline_get_default_env (pipeline), "TOKEN"), ==,
                   "t0k");
  g_assert_cmpstr (g_hash_table_lookup (ff_pipeline_get_default_env (pipeline), "USER"), ==, "bob");
  g_clear_object (&pipeline);

  pipeline = load_good (fixture, "{}");
  g_assert_cmpstrv (ff_pipeline_get_secrets (pipeline), ((const gchar *[]){ NULL }));
  g_clear_object (&pipeline);

  pipeline = load (fixture, "{\"secrets\": [\"OK\", \"1bad\"]}");
  assert_contains (ff_pipeline_get_error (pipeline), "“secrets”");
  assert_contains (ff_pipeline_get_error (pipeline), "“1bad”");
  g_clear_object (&pipeline);

  pipeline = load (fixture, "{\"secrets\": \"TOKEN\"}");
  assert_contains (ff_pipeline_get_error (pipeline), "an array of non-empty strings");
  g_clear_object (&pipeline);

  pipeline = load (fixture, "{\"secrets\": {\"N\": 5}}");
  assert_contains (ff_pipeline_get_error (pipeline), "“secrets.N”");
}

/* encrypted_env is read (fastflowd decrypts it): the pipeline's names
 * become secrets, a schedule's stay with its run configuration. */
static void
test_encrypted_env (Fixture *fixture, gconstpointer data)
{
  FfPipeline *pipeline;
  const FfSchedule *schedule;

  pipeline =
      load_good (fixture, "{\"encrypted_env\": {\"API_KEY\": \"gAAAA-one\"}, "
                          "\"schedules\": [{\"id\": \"prod\", \"schedule_cron\": \"0 9 * * *\", "
                          "\"encrypted_env\": {\"DB_PASS\": \"gAAAA-two\"}}]}");
  g_assert_cmpuint (count_warnings (pipeline), ==, 0);
  g_assert_cmpstr (g_hash_table_lookup (ff_pipeline_get_encrypted_env (pipeline), "API_KEY"), ==,
                   "gAAAA-one");
  g_assert_cmpstrv (ff_pipeline_get_secrets (pipeline), ((const gchar *[]){ "API_KEY", NULL }));
  schedule = ff_pipeline_lookup_schedule (pipeline, "prod");
  g_assert_cmpstr (g_hash_table_lookup (schedule->encrypted_env, "DB_PASS"), ==, "gAAAA-two");
  {
    g_autoptr (FfSchedule) copy = ff_schedule_copy (schedule);
    g_assert_cmpstr (g_hash_table_lookup (copy->encrypted_env, "DB_PASS"), ==, "gAAAA-two");
  }
  g_clear_object (&pipeline);

  pipeline = load (fixture, "{\"encrypted_env\": {\"1X\": \"gAAAA\", \"N\": 5}}");
  g_assert_true (ff_pipeline_is_broken (pipeline));
  assert_contains (ff_pipeline_get_error (pipeline), "“encrypted_env”");
  assert_contains (ff_pipeline_get_error (pipeline), "“encrypted_env.N”");
  g_clear_object (&pipeline);

  pipeline = load (fixture, "{\"schedules\": [{\"id\": \"a\", \"schedule_cron\": \"0 9 * * *\", "
                            "\"encrypted_env\": [\"gAAAA\"]}]}");
  assert_contains (ff_pipeline_get_error (pipeline), "“schedules[0].encrypted_env”");
  g_clear_object (&pipeline);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/pipeline/name-validity", test_name_validity);
  g_test_add_func ("/pipeline/sizes", test_sizes);
#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/pipeline/new-errors", test_new_errors);
  ADD ("/pipeline/defaults", test_defaults);
  ADD ("/pipeline/all-fields", test_all_fields);
  ADD ("/pipeline/entry", test_entry);
  ADD ("/pipeline/notebook", test_notebook);
  ADD ("/pipeline/bad-fields", test_bad_fields);
  ADD ("/pipeline/broken-has-defaults", test_broken_has_defaults);
  ADD ("/pipeline/not-json", test_not_json);
  ADD ("/pipeline/bad-files", test_bad_files);
  ADD ("/pipeline/hostile-files", test_hostile_files);
  ADD ("/pipeline/unknown-fields", test_unknown_fields);
  ADD ("/pipeline/fast-flow-forms", test_fast_flow_forms);
  ADD ("/pipeline/restart-interval-forms", test_restart_interval_forms);
  ADD ("/pipeline/warnings", test_warnings);
  ADD ("/pipeline/retry-strategies", test_retry_strategies);
  ADD ("/pipeline/boxed", test_boxed);
  ADD ("/pipeline/fingerprint", test_fingerprint);
  ADD ("/pipeline/secrets", test_secrets);
  ADD ("/pipeline/encrypted-env", test_encrypted_env);
#undef ADD
  return g_test_run ();
}
