/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "ff-pipeline-registry.h"
#include "ff-scheduler.h"
#include "ff-test-util.h"

static GPtrArray *warnings; /* the daemon's, recorded: ff-test-util */

/* The scheduler with a clock the test moves: no test waits for a minute. */

#define MINUTE (G_GINT64_CONSTANT (60) * G_USEC_PER_SEC)

typedef struct
{
  gchar *dir;
  gchar *pipelines;
  FfRunStore *store;
  gint64 now;
  GPtrArray *fired; /* "pipeline" or "pipeline/config" */
} Fixture;

static gint64
test_clock (gpointer user_data)
{
  return ((Fixture *) user_data)->now;
}

static void
fixture_set_up (Fixture *fixture, gconstpointer user_data)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *db = NULL;

  g_ptr_array_set_size (warnings, 0);

  fixture->dir = g_dir_make_tmp ("ff-scheduler-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->pipelines = g_build_filename (fixture->dir, "pipelines", NULL);
  g_assert_cmpint (g_mkdir (fixture->pipelines, 0755), ==, 0);
  db = g_build_filename (fixture->dir, "fastflow.db", NULL);
  fixture->store = ff_run_store_new (db, &error);
  g_assert_no_error (error);
  /* Saturday 28 November 2026, 12:00:30 UTC */
  fixture->now = G_GINT64_CONSTANT (1795867230) * G_USEC_PER_SEC;
  fixture->fired = g_ptr_array_new_with_free_func (g_free);
}

static void
fixture_tear_down (Fixture *fixture, gconstpointer user_data)
{
  g_clear_object (&fixture->store);
  ff_test_remove_tree (fixture->dir);
  g_free (fixture->dir);
  g_free (fixture->pipelines);
  g_ptr_array_unref (fixture->fired);
}

static void
add_pipeline (Fixture *fixture, const gchar *name, const gchar *json)
{
  g_autofree gchar *dir = g_build_filename (fixture->pipelines, name, NULL);
  g_autofree gchar *path = g_build_filename (dir, "pipeline.json", NULL);
  g_autofree gchar *main_sh = g_build_filename (dir, "main.sh", NULL);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  g_assert_true (g_file_set_contents (path, json, -1, NULL));
  g_assert_true (g_file_set_contents (main_sh, "true\n", -1, NULL));
}

static void
on_restart (FfScheduler *scheduler,
            const gchar *pipeline,
            const gchar *run_config,
            Fixture *fixture)
{
  g_ptr_array_add (fixture->fired, g_strconcat ("restart:", pipeline, NULL));
}

static void
on_fire (FfScheduler *scheduler, const gchar *pipeline, const gchar *run_config, Fixture *fixture)
{
  g_ptr_array_add (fixture->fired, run_config != NULL
                                       ? g_strconcat (pipeline, "/", run_config, NULL)
                                       : g_strdup (pipeline));
}

/* A scheduler over the pipelines folder as it is now. */
static FfScheduler *
new_scheduler (Fixture *fixture, FfMissedPolicy missed)
{
  g_autoptr (FfPipelineRegistry) registry = ff_pipeline_registry_new (fixture->pipelines);
  g_autoptr (GTimeZone) tz = g_time_zone_new_identifier ("Europe/Berlin");
  g_autoptr (GPtrArray) pipelines = NULL;
  g_autoptr (GError) error = NULL;
  FfScheduler *scheduler = ff_scheduler_new (fixture->store, tz, missed);

  g_assert_true (ff_pipeline_registry_reload (registry, &error));
  g_assert_no_error (error);
  pipelines = ff_pipeline_registry_list (registry);
  ff_scheduler_set_clock (scheduler, test_clock, fixture);
  g_signal_connect (scheduler, "fire", G_CALLBACK (on_fire), fixture);
  g_signal_connect (scheduler, "restart", G_CALLBACK (on_restart), fixture);
  ff_scheduler_set_pipelines (scheduler, pipelines);
  return scheduler;
}

static void
test_interval (Fixture *fixture, gconstpointer user_data)
{
  g_autoptr (FfScheduler) scheduler = NULL;
  gint64 start = fixture->now;

  add_pipeline (fixture, "every-minute", "{\"schedule_interval_seconds\": 60}");
  scheduler = new_scheduler (fixture, FF_MISSED_RUN_ONCE);
  g_assert_cmpint (ff_scheduler_get_next_fire (scheduler, "every-minute"), ==, start + MINUTE);
  g_assert_cmpuint (ff_scheduler_run_due (scheduler), ==, 0);
  fixture->now = start + MINUTE;
  g_assert_cmpuint (ff_scheduler_run_due (scheduler), ==, 1);
  /* the same instant again fires nothing */
  g_assert_cmpuint (ff_scheduler_run_due (scheduler), ==, 0);
  /* a timer that comes late does not move the next fire time */
  fixture->now = start + MINUTE + 50 * G_USEC_PER_SEC;
  g_assert_cmpuint (ff_scheduler_run_due (scheduler), ==, 0);
  g_assert_cmpint (ff_scheduler_get_next_fire (scheduler, "every-minute"), ==, start + 2 * MINUTE);
  g_assert_cmpuint (fixture->fired->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (fixture->fired, 0), ==, "every-minute");
}

static void
test_cron_in_zone (Fixture *fixture, gconstpointer user_data)
{
  g_autoptr (FfScheduler) scheduler = NULL;
  /* 13:05 in Berlin (CET, UTC+1) is 12:05 UTC */
  gint64 expected = G_GINT64_CONSTANT (1795867500) * G_USEC_PER_SEC;

  add_pipeline (fixture, "at-five", "{\"schedule_cron\": \"5 13 * * *\"}");
  scheduler = new_scheduler (fixture, FF_MISSED_RUN_ONCE);
  g_assert_cmpint (ff_scheduler_get_next_fire (scheduler, "at-five"), ==, expected);
  fixture->now = expected - 1;
  g_assert_cmpuint (ff_scheduler_run_due (scheduler), ==, 0);
  fixture->now = expected;
  g_assert_cmpuint (ff_scheduler_run_due (scheduler), ==, 1);
  g_assert_cmpint (ff_scheduler_get_next_fire (scheduler, "at-five"), ==,
                   expected + 24 * 60 * MINUTE);
}

/* A restart fires nothing twice; what fell due while the daemon was down
 * fires once with run-once, not at all with skip. */
static void
test_restart_and_missed (Fixture *fixture, gconstpointer user_data)
{
  gint64 start = fixture->now;

  add_pipeline (fixture, "minutely", "{\"schedule_cron\": \"* * * * *\"}");
  {
    g_autoptr (FfScheduler) scheduler = new_scheduler (fixture, FF_MISSED_RUN_ONCE);
    fixture->now = start + MINUTE;
    g_assert_cmpuint (ff_scheduler_run_due (scheduler), ==, 1);
  }
  {
    /* restarted at once: that minute has fired already */
    g_autoptr (FfScheduler) scheduler = new_scheduler (fixture, FF_MISSED_RUN_ONCE);
    g_assert_cmpuint (ff_scheduler_run_due (scheduler), ==, 0);
  }
  {
    /* down for ten minutes: one run for all of them */
    g_autoptr (FfScheduler) scheduler = NULL;
    fixture->now = start + 11 * MINUTE;
    scheduler = new_scheduler (fixture, FF_MISSED_RUN_ONCE);
    g_assert_cmpuint (ff_scheduler_run_due (scheduler), ==, 1);
    g_assert_cmpuint (ff_scheduler_run_due (scheduler), ==, 0);
  }
  {
    g_autoptr (FfScheduler) scheduler = NULL;
    fixture->now = start + 21 * MINUTE;
    scheduler = new_scheduler (fixture, FF_MISSED_SKIP);
    g_assert_cmpuint (ff_scheduler_run_due (scheduler), ==, 0);
    fixture->now = start + 22 * MINUTE;
    g_assert_cmpuint (ff_scheduler_run_due (scheduler), ==, 1);
  }
  g_assert_cmpuint (fixture->fired->len, ==, 3);
}

static void
test_once_start_end (Fixture *fixture, gconstpointer user_data)
{
  g_autoptr (FfScheduler) scheduler = NULL;
  g_autoptr (FfScheduler) restarted = NULL;

  /* run_once_at and a window given as local Berlin times */
  add_pipeline (fixture, "once", "{\"run_once_at\": \"2026-11-28T14:00:00+01:00\"}");
  add_pipeline (fixture, "window",
                "{\"schedule_interval_seconds\": 60,"
                " \"schedule_start\": \"2026-11-28T13:10:00+01:00\","
                " \"schedule_end\": \"2026-11-28T13:12:00+01:00\"}");
  scheduler = new_scheduler (fixture, FF_MISSED_RUN_ONCE);
  g_assert_cmpint (ff_scheduler_get_next_fire (scheduler, "window"), ==,
                   G_GINT64_CONSTANT (1795867800) * G_USEC_PER_SEC);
  /* 13:10, 13:11, 13:12 and nothing after the end */
  for (gint64 t = 1795867800; t <= 1795868400; t += 60)
    {
      fixture->now = t * G_USEC_PER_SEC;
      ff_scheduler_run_due (scheduler);
    }
  g_assert_cmpuint (fixture->fired->len, ==, 3);
  g_assert_cmpint (ff_scheduler_get_next_fire (scheduler, "window"), ==, 0);
  fixture->now = G_GINT64_CONSTANT (1795870800) * G_USEC_PER_SEC;
  g_assert_cmpuint (ff_scheduler_run_due (scheduler), ==, 1);
  g_assert_cmpstr (g_ptr_array_index (fixture->fired, 3), ==, "once");
  restarted = new_scheduler (fixture, FF_MISSED_RUN_ONCE);
  fixture->now += 60 * MINUTE;
  g_assert_cmpuint (ff_scheduler_run_due (restarted), ==, 0);
}

static gint
compare_strings (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const gchar *const *) a, *(const gchar *const *) b);
}

/* schedules[] entries fire with their id; a disabled one and the
 * top-level fields do not; a disabled pipeline does not. */
static void
test_run_configs (Fixture *fixture, gconstpointer user_data)
{
  g_autoptr (FfScheduler) scheduler = NULL;

  add_pipeline (fixture, "multi",
                "{\"schedule_interval_seconds\": 30,"
                " \"schedules\": ["
                "  {\"id\": \"fast\", \"schedule_interval_seconds\": 60},"
                "  {\"id\": \"off\", \"enabled\": false, \"schedule_interval_seconds\": 60},"
                "  {\"id\": \"hourly\", \"schedule_cron\": \"0 * * * *\"}]}");
  add_pipeline (fixture, "disabled", "{\"enabled\": false, \"schedule_interval_seconds\": 60}");
  scheduler = new_scheduler (fixture, FF_MISSED_RUN_ONCE);
  /* the daemon logs a pipeline's warnings when it loads it */
  g_assert_cmpuint (warnings->len, ==, 1);
  g_assert_nonnull (
      strstr (g_ptr_array_index (warnings, 0), "the top-level schedule is not used because"));
  g_assert_cmpint (ff_scheduler_get_next_fire (scheduler, "disabled"), ==, 0);
  fixture->now += 60 * MINUTE;
  g_assert_cmpuint (ff_scheduler_run_due (scheduler), ==, 2);
  g_ptr_array_sort (fixture->fired, compare_strings);
  g_assert_cmpstr (g_ptr_array_index (fixture->fired, 0), ==, "multi/fast");
  g_assert_cmpstr (g_ptr_array_index (fixture->fired, 1), ==, "multi/hourly");
}

/* restart_interval restarts a long-running pipeline on its cron times; it
 * does not start it on the schedule's terms. */
static void
test_restart_interval (Fixture *fixture, gconstpointer user_data)
{
  g_autoptr (FfScheduler) scheduler = NULL;

  add_pipeline (fixture, "service", "{\"restart_interval\": \"0 * * * *\"}");
  scheduler = new_scheduler (fixture, FF_MISSED_RUN_ONCE);
  /* 13:00:30 in Berlin: the next full hour is 14:00 */
  fixture->now += 30 * MINUTE;
  g_assert_cmpuint (ff_scheduler_run_due (scheduler), ==, 0);
  fixture->now += 30 * MINUTE;
  g_assert_cmpuint (ff_scheduler_run_due (scheduler), ==, 1);
  g_assert_cmpuint (fixture->fired->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (fixture->fired, 0), ==, "restart:service");
}

/* Fast-Flow's seconds form of restart_interval restarts on that interval,
 * counted from when the pipeline was first seen. */
static void
test_restart_interval_seconds (Fixture *fixture, gconstpointer user_data)
{
  g_autoptr (FfScheduler) scheduler = NULL;
  gint64 start = fixture->now;

  add_pipeline (fixture, "service", "{\"restart_interval\": 600}");
  add_pipeline (fixture, "quoted", "{\"restart_interval\": \"1200\"}");
  scheduler = new_scheduler (fixture, FF_MISSED_RUN_ONCE);
  g_assert_cmpint (ff_scheduler_get_next_fire (scheduler, "service"), ==, start + 10 * MINUTE);
  g_assert_cmpint (ff_scheduler_get_next_fire (scheduler, "quoted"), ==, start + 20 * MINUTE);
  fixture->now = start + 10 * MINUTE - 1;
  g_assert_cmpuint (ff_scheduler_run_due (scheduler), ==, 0);
  fixture->now = start + 10 * MINUTE;
  g_assert_cmpuint (ff_scheduler_run_due (scheduler), ==, 1);
  fixture->now = start + 20 * MINUTE;
  g_assert_cmpuint (ff_scheduler_run_due (scheduler), ==, 2);
  g_ptr_array_sort (fixture->fired, compare_strings);
  g_assert_cmpuint (fixture->fired->len, ==, 3);
  g_assert_cmpstr (g_ptr_array_index (fixture->fired, 0), ==, "restart:quoted");
  g_assert_cmpstr (g_ptr_array_index (fixture->fired, 1), ==, "restart:service");
  g_assert_cmpstr (g_ptr_array_index (fixture->fired, 2), ==, "restart:service");
}

int
main (int argc, char **argv)
{
  g_setenv ("LANGUAGE", "en", TRUE);
  g_test_init (&argc, &argv, NULL);
  warnings = ff_test_record_daemon_warnings ();
#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/scheduler/interval", test_interval);
  ADD ("/scheduler/cron-in-zone", test_cron_in_zone);
  ADD ("/scheduler/restart-and-missed", test_restart_and_missed);
  ADD ("/scheduler/once-start-end", test_once_start_end);
  ADD ("/scheduler/run-configs", test_run_configs);
  ADD ("/scheduler/restart-interval", test_restart_interval);
  ADD ("/scheduler/restart-interval-seconds", test_restart_interval_seconds);
#undef ADD
  return g_test_run ();
}
