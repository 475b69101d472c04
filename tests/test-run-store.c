/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>

#include "ff-orchestrator-private.h"
#include "ff-run-store.h"
#include "ff-test-util.h"

typedef struct
{
  gchar *tmpdir;
  gchar *db_path;
} Fixture;

static void
fixture_set_up (Fixture *fixture, gconstpointer user_data)
{
  g_autoptr (GError) error = NULL;

  fixture->tmpdir = g_dir_make_tmp ("ff-run-store-XXXXXX", &error);
  g_assert_no_error (error);
  /* a folder that does not exist yet: the store creates it */
  fixture->db_path = g_build_filename (fixture->tmpdir, "state", "deeper", "fastflow.db", NULL);
}

static void
fixture_tear_down (Fixture *fixture, gconstpointer user_data)
{
  ff_test_remove_tree (fixture->tmpdir);
  g_free (fixture->tmpdir);
  g_free (fixture->db_path);
}

static FfRunStore *
open_store (Fixture *fixture)
{
  g_autoptr (GError) error = NULL;
  FfRunStore *store = ff_run_store_new (fixture->db_path, &error);

  g_assert_no_error (error);
  g_assert_nonnull (store);
  return store;
}

/* A second connection, as another program would look at the file. */
static sqlite3 *
open_raw (Fixture *fixture)
{
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open_v2 (fixture->db_path, &db, SQLITE_OPEN_READWRITE, NULL), ==,
                   SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  return db;
}

static void
exec_raw (Fixture *fixture, const gchar *sql)
{
  sqlite3 *db = open_raw (fixture);
  gint rc = sqlite3_exec (db, sql, NULL, NULL, NULL);

  if (rc != SQLITE_OK)
    g_error ("%s: %s", sql, sqlite3_errmsg (db));
  sqlite3_close (db);
}

static gint64
query_int_raw (Fixture *fixture, const gchar *sql)
{
  sqlite3 *db = open_raw (fixture);
  sqlite3_stmt *stmt = NULL;
  gint64 value;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return value;
}

static void
assert_env_equal (GHashTable *a, GHashTable *b)
{
  GHashTableIter iter;
  gpointer key, value;

  g_assert_cmpuint (g_hash_table_size (a), ==, g_hash_table_size (b));
  g_hash_table_iter_init (&iter, a);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_assert_cmpstr (g_hash_table_lookup (b, key), ==, value);
}

static void
assert_runs_equal (FfRun *a, FfRun *b)
{
  g_autofree gchar *display_a = ff_run_dup_display_message (a);
  g_autofree gchar *display_b = ff_run_dup_display_message (b);

  g_assert_cmpuint (ff_run_get_id (a), ==, ff_run_get_id (b));
  g_assert_cmpstr (ff_run_get_pipeline (a), ==, ff_run_get_pipeline (b));
  g_assert_cmpint (ff_run_get_state (a), ==, ff_run_get_state (b));
  g_assert_cmpint (ff_run_get_reason (a), ==, ff_run_get_reason (b));
  g_assert_cmpint (ff_run_get_error_class (a), ==, ff_run_get_error_class (b));
  g_assert_cmpint (ff_run_get_exit_code (a), ==, ff_run_get_exit_code (b));
  g_assert_cmpstr (ff_run_get_message (a), ==, ff_run_get_message (b));
  g_assert_cmpstr (ff_run_get_executor (a), ==, ff_run_get_executor (b));
  g_assert_cmpuint (ff_run_get_attempt (a), ==, ff_run_get_attempt (b));
  g_assert_cmpuint (ff_run_get_max_attempts (a), ==, ff_run_get_max_attempts (b));
  g_assert_cmpstr (ff_run_get_triggered_by (a), ==, ff_run_get_triggered_by (b));
  g_assert_cmpstr (ff_run_get_run_config (a), ==, ff_run_get_run_config (b));
  g_assert_cmpstr (ff_run_get_route (a), ==, ff_run_get_route (b));
  assert_env_equal (ff_run_get_env (a), ff_run_get_env (b));
  g_assert_cmpint (ff_run_get_created_at (a), ==, ff_run_get_created_at (b));
  g_assert_cmpint (ff_run_get_started_at (a), ==, ff_run_get_started_at (b));
  g_assert_cmpint (ff_run_get_finished_at (a), ==, ff_run_get_finished_at (b));
  g_assert_cmpfloat (ff_run_get_cpu_percent (a), ==, ff_run_get_cpu_percent (b));
  g_assert_cmpuint (ff_run_get_memory_peak_bytes (a), ==, ff_run_get_memory_peak_bytes (b));
  g_assert_cmpint (ff_run_get_soft_limit_exceeded (a), ==, ff_run_get_soft_limit_exceeded (b));
  g_assert_cmpstr (display_a, ==, display_b);
}

static FfRun *
load_run (FfRunStore *store, guint64 id)
{
  g_autoptr (GError) error = NULL;
  FfRun *run = ff_run_store_load (store, id, &error);

  g_assert_no_error (error);
  g_assert_nonnull (run);
  return run;
}

static FfRun *
create_run (FfRunStore *store, const gchar *pipeline)
{
  g_autoptr (GError) error = NULL;
  FfRun *run = ff_run_store_create_run (store, pipeline, &error);

  g_assert_no_error (error);
  g_assert_nonnull (run);
  return run;
}

static void
save_run (FfRunStore *store, FfRun *run)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (ff_run_store_save (store, run, &error));
  g_assert_no_error (error);
}

/* Creates a run of @pipeline and moves it to @state through the state machine. */
static FfRun *
create_run_in_state (FfRunStore *store, const gchar *pipeline, FfRunState state)
{
  g_autoptr (GError) error = NULL;
  FfRun *run = create_run (store, pipeline);

  if (state == FF_RUN_STATE_SUCCEEDED || state == FF_RUN_STATE_RUNNING ||
      state == FF_RUN_STATE_STARTING)
    g_assert_true (ff_run_set_state (run, FF_RUN_STATE_STARTING, &error));
  if (state == FF_RUN_STATE_SUCCEEDED || state == FF_RUN_STATE_RUNNING)
    g_assert_true (ff_run_set_state (run, FF_RUN_STATE_RUNNING, &error));
  if (state == FF_RUN_STATE_SUCCEEDED)
    g_assert_true (ff_run_finish (run, FF_REASON_NONE, 0, NULL, g_get_real_time (), &error));
  if (state == FF_RUN_STATE_FAILED)
    g_assert_true (ff_run_finish (run, FF_REASON_SPAWN_FAILED, -1, "no entry", 1, &error));
  if (state == FF_RUN_STATE_CANCELLED)
    g_assert_true (ff_run_finish (run, FF_REASON_CANCELLED, -1, NULL, 1, &error));
  g_assert_no_error (error);
  g_assert_cmpint (ff_run_get_state (run), ==, state);
  save_run (store, run);
  return run;
}

static void
test_store_round_trip (Fixture *fixture, gconstpointer user_data)
{
  g_autoptr (FfRunStore) store = open_store (fixture);
  g_autoptr (FfRun) run = create_run (store, "nightly-export");
  g_autoptr (FfRun) fresh = create_run (store, "plain");
  g_autoptr (FfRun) loaded = NULL;
  g_autoptr (FfRun) loaded_fresh = NULL;
  g_autoptr (GHashTable) env = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GError) error = NULL;

  /* a freshly created run is stored as it was handed out */
  g_assert_cmpuint (ff_run_get_id (run), ==, 1);
  g_assert_cmpint (ff_run_get_created_at (run), >, 0);
  loaded_fresh = load_run (store, ff_run_get_id (fresh));
  assert_runs_equal (fresh, loaded_fresh);
  g_assert_cmpuint (g_hash_table_size (ff_run_get_env (loaded_fresh)), ==, 0);
  g_assert_null (ff_run_get_message (loaded_fresh));
  g_assert_null (ff_run_get_executor (loaded_fresh));
  g_assert_null (ff_run_get_route (loaded_fresh));
  g_clear_object (&loaded_fresh);

  g_hash_table_insert (env, "GRUSS", "Grüße aus Köln — ☕ 😀");
  g_hash_table_insert (env, "EMPTY", "");
  g_hash_table_insert (env, "QUOTES", "\"quoted\" \\ back\nslash\ttab");
  g_hash_table_insert (env, "ÜNICODE_KEY", "x");
  ff_run_set_env (run, env);
  ff_run_set_executor (run, "docker-proxy");
  ff_run_set_attempt (run, 2);
  ff_run_set_max_attempts (run, 3);
  ff_run_set_triggered_by (run, "downstream:upstream-job");
  ff_run_set_run_config (run, "config-7");
  ff_run_set_route (run, "route/ä");
  ff_run_set_created_at (run, 1700000000000001);
  ff_run_set_started_at (run, 1700000000000002);
  /* beyond G_MAXINT64, to check the unsigned round trip */
  ff_run_set_usage (run, 87.25, G_MAXUINT64 - 5);
  ff_run_set_usage (run, 12.5, 1024);
  ff_run_set_soft_limit_exceeded (run, TRUE);
  g_assert_true (ff_run_set_state (run, FF_RUN_STATE_STARTING, &error));
  g_assert_true (ff_run_set_state (run, FF_RUN_STATE_RUNNING, &error));
  g_assert_true (ff_run_finish (run, FF_REASON_OOM_KILLED, 137, "Speicher erschöpft",
                                1700000000000003, &error));
  g_assert_no_error (error);
  save_run (store, run);

  loaded = load_run (store, ff_run_get_id (run));
  assert_runs_equal (run, loaded);
  g_assert_cmpint (ff_run_get_state (loaded), ==, FF_RUN_STATE_FAILED);
  g_assert_cmpint (ff_run_get_reason (loaded), ==, FF_REASON_OOM_KILLED);
  g_assert_cmpint (ff_run_get_error_class (loaded), ==, FF_ERROR_CLASS_PIPELINE);
  g_assert_cmpuint (ff_run_get_memory_peak_bytes (loaded), ==, G_MAXUINT64 - 5);
  g_assert_cmpstr (g_hash_table_lookup (ff_run_get_env (loaded), "GRUSS"), ==,
                   "Grüße aus Köln — ☕ 😀");
  g_assert_cmpstr (g_hash_table_lookup (ff_run_get_env (loaded), "EMPTY"), ==, "");
  /* the current memory use is not history */
  g_assert_cmpuint (ff_run_get_memory_bytes (loaded), ==, 0);

  /* the other run was not touched */
  loaded_fresh = load_run (store, ff_run_get_id (fresh));
  assert_runs_equal (fresh, loaded_fresh);

  /* an env emptied again is stored empty */
  ff_run_set_env (run, NULL);
  save_run (store, run);
  g_clear_object (&loaded);
  loaded = load_run (store, ff_run_get_id (run));
  g_assert_cmpuint (g_hash_table_size (ff_run_get_env (loaded)), ==, 0);
}

static void
test_store_ids (Fixture *fixture, gconstpointer user_data)
{
  g_autoptr (FfRunStore) store = open_store (fixture);
  g_autoptr (GError) error = NULL;
  g_autoptr (FfRun) missing = NULL;
  g_autoptr (FfRun) run4 = NULL;
  g_autoptr (FfRun) run5 = NULL;

  for (guint64 i = 1; i <= 3; i++)
    {
      g_autoptr (FfRun) run = create_run (store, "p");
      g_assert_cmpuint (ff_run_get_id (run), ==, i);
    }

  /* deleting the newest must not free its id */
  g_assert_true (ff_run_store_delete_run (store, 3, &error));
  g_assert_no_error (error);
  run4 = create_run (store, "p");
  g_assert_cmpuint (ff_run_get_id (run4), ==, 4);

  /* nor when another program deletes rows behind the store's back */
  exec_raw (fixture, "DELETE FROM runs WHERE id = 4");
  run5 = create_run (store, "p");
  g_assert_cmpuint (ff_run_get_id (run5), ==, 5);

  missing = ff_run_store_load (store, 3, &error);
  g_assert_error (error, FF_ERROR, FF_ERROR_NO_SUCH_RUN);
  g_assert_nonnull (strstr (error->message, "3"));
  g_assert_null (missing);
  g_clear_error (&error);

  g_assert_false (ff_run_store_delete_run (store, 3, &error));
  g_assert_error (error, FF_ERROR, FF_ERROR_NO_SUCH_RUN);
  g_clear_error (&error);

  /* saving a run that is not in the history is refused, not silently dropped */
  g_assert_false (ff_run_store_save (store, run4, &error));
  g_assert_error (error, FF_ERROR, FF_ERROR_NO_SUCH_RUN);
}

static void
test_store_attempts (Fixture *fixture, gconstpointer user_data)
{
  g_autoptr (FfRunStore) store = open_store (fixture);
  g_autoptr (FfRun) run = create_run (store, "retrying");
  g_autoptr (FfRun) stranger = ff_run_new (999, "nobody");
  g_autoptr (GError) error = NULL;

  g_assert_true (ff_run_set_state (run, FF_RUN_STATE_STARTING, &error));
  g_assert_true (ff_run_set_state (run, FF_RUN_STATE_RUNNING, &error));
  ff_run_set_started_at (run, 100);
  g_assert_true (ff_run_store_save_attempt (store, run, &error));
  g_assert_no_error (error);
  g_assert_cmpint (query_int_raw (fixture, "SELECT count(*) FROM attempts"), ==, 1);

  /* the second attempt gets its own row; the first stays */
  g_assert_true (ff_run_set_state (run, FF_RUN_STATE_QUEUED, &error));
  ff_run_set_attempt (run, 2);
  g_assert_true (ff_run_set_state (run, FF_RUN_STATE_STARTING, &error));
  g_assert_true (ff_run_set_state (run, FF_RUN_STATE_RUNNING, &error));
  ff_run_set_started_at (run, 200);
  g_assert_true (ff_run_store_save_attempt (store, run, &error));
  /* and saving it again updates that row */
  g_assert_true (ff_run_finish (run, FF_REASON_EXIT_CODE, 3, "boom", 300, &error));
  g_assert_true (ff_run_store_save_attempt (store, run, &error));
  g_assert_true (ff_run_store_save (store, run, &error));
  g_assert_no_error (error);

  g_assert_cmpint (query_int_raw (fixture, "SELECT count(*) FROM attempts"), ==, 2);
  g_assert_cmpint (query_int_raw (fixture, "SELECT started_at FROM attempts WHERE attempt = 1"), ==,
                   100);
  g_assert_cmpint (query_int_raw (fixture, "SELECT finished_at FROM attempts WHERE attempt = 1"),
                   ==, 0);
  g_assert_cmpint (query_int_raw (fixture, "SELECT count(*) FROM attempts WHERE attempt = 2 AND "
                                           "started_at = 200 AND finished_at = 300 AND "
                                           "state = 'failed' AND reason = 'exit-code' AND "
                                           "exit_code = 3 AND message = 'boom'"),
                   ==, 1);

  /* an attempt needs its run */
  g_assert_false (ff_run_store_save_attempt (store, stranger, &error));
  g_assert_error (error, FF_ERROR, FF_ERROR_STORAGE);
  g_assert_nonnull (strstr (error->message, fixture->db_path));
  g_clear_error (&error);

  /* deleting the run takes its attempts along */
  g_assert_true (ff_run_store_delete_run (store, ff_run_get_id (run), &error));
  g_assert_no_error (error);
  g_assert_cmpint (query_int_raw (fixture, "SELECT count(*) FROM attempts"), ==, 0);
}

static void
assert_ids (GArray *ids, const guint64 *expected, guint n_expected)
{
  g_assert_nonnull (ids);
  g_assert_cmpuint (ids->len, ==, n_expected);
  for (guint i = 0; i < n_expected; i++)
    g_assert_cmpuint (g_array_index (ids, guint64, i), ==, expected[i]);
}

static void
test_store_list_ids (Fixture *fixture, gconstpointer user_data)
{
  g_autoptr (FfRunStore) store = open_store (fixture);
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) ids = NULL;
  /* id: pipeline, state */
  static const struct
  {
    const gchar *pipeline;
    FfRunState state;
  } runs[] = {
    { "a", FF_RUN_STATE_SUCCEEDED }, /* 1 */
    { "b", FF_RUN_STATE_FAILED },    /* 2 */
    { "a", FF_RUN_STATE_FAILED },    /* 3 */
    { "a", FF_RUN_STATE_QUEUED },    /* 4 */
    { "b", FF_RUN_STATE_SUCCEEDED }, /* 5 */
    { "a", FF_RUN_STATE_SUCCEEDED }, /* 6 */
  };

  for (guint i = 0; i < G_N_ELEMENTS (runs); i++)
    g_object_unref (create_run_in_state (store, runs[i].pipeline, runs[i].state));

#define CHECK(pipeline, state, limit, ...)                                                         \
  G_STMT_START                                                                                     \
  {                                                                                                \
    static const guint64 expected[] = { __VA_ARGS__ };                                             \
    g_autoptr (GArray) got = ff_run_store_list_ids (store, pipeline, state, limit, &error);        \
    g_assert_no_error (error);                                                                     \
    assert_ids (got, expected, G_N_ELEMENTS (expected));                                           \
  }                                                                                                \
  G_STMT_END

  CHECK (NULL, NULL, 0, 6, 5, 4, 3, 2, 1);
  CHECK (NULL, NULL, 2, 6, 5);
  CHECK ("a", NULL, 0, 6, 4, 3, 1);
  CHECK ("a", NULL, 3, 6, 4, 3);
  CHECK ("b", NULL, 0, 5, 2);
  CHECK (NULL, "failed", 0, 3, 2);
  CHECK (NULL, "succeeded", 1, 6);
  CHECK ("a", "succeeded", 0, 6, 1);
  CHECK (NULL, NULL, 100, 6, 5, 4, 3, 2, 1);
#undef CHECK

  /* no match for the pair, a pipeline nobody ran, and one that looks like SQL */
  ids = ff_run_store_list_ids (store, "b", "queued", 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ids->len, ==, 0);
  g_clear_pointer (&ids, g_array_unref);
  ids = ff_run_store_list_ids (store, "c", NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ids->len, ==, 0);
  g_clear_pointer (&ids, g_array_unref);
  ids = ff_run_store_list_ids (store, "a' OR '1'='1", NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ids->len, ==, 0);
  g_clear_pointer (&ids, g_array_unref);

  ids = ff_run_store_list_ids (store, NULL, "exploded", 0, &error);
  g_assert_error (error, FF_ERROR, FF_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "exploded"));
  g_assert_null (ids);
}

static void
test_store_unfinished (Fixture *fixture, gconstpointer user_data)
{
  g_autoptr (FfRunStore) store = open_store (fixture);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) runs = NULL;
  static const FfRunState states[] = {
    FF_RUN_STATE_RUNNING,   /* 1 */
    FF_RUN_STATE_SUCCEEDED, /* 2 */
    FF_RUN_STATE_QUEUED,    /* 3 */
    FF_RUN_STATE_CANCELLED, /* 4 */
    FF_RUN_STATE_STARTING,  /* 5 */
    FF_RUN_STATE_FAILED,    /* 6 */
    FF_RUN_STATE_QUEUED,    /* 7 */
  };
  static const guint64 expected[] = { 1, 3, 5, 7 };

  runs = ff_run_store_load_unfinished (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (runs->len, ==, 0);
  g_clear_pointer (&runs, g_ptr_array_unref);

  for (guint i = 0; i < G_N_ELEMENTS (states); i++)
    g_object_unref (create_run_in_state (store, "p", states[i]));

  runs = ff_run_store_load_unfinished (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (runs->len, ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < runs->len; i++)
    {
      FfRun *run = g_ptr_array_index (runs, i);
      g_assert_cmpuint (ff_run_get_id (run), ==, expected[i]);
      g_assert_cmpint (ff_run_get_state (run), ==, states[expected[i] - 1]);
      g_assert_cmpstr (ff_run_get_pipeline (run), ==, "p");
    }
}

static void
test_store_last_state (Fixture *fixture, gconstpointer user_data)
{
  g_autoptr (FfRunStore) store = open_store (fixture);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *none = NULL;
  g_autofree gchar *state_a = NULL;
  g_autofree gchar *state_b = NULL;

  none = ff_run_store_dup_last_state (store, "a", &error);
  g_assert_no_error (error);
  g_assert_null (none);

  g_object_unref (create_run_in_state (store, "a", FF_RUN_STATE_FAILED));
  g_object_unref (create_run_in_state (store, "b", FF_RUN_STATE_CANCELLED));
  g_object_unref (create_run_in_state (store, "a", FF_RUN_STATE_SUCCEEDED));
  g_object_unref (create_run_in_state (store, "b", FF_RUN_STATE_RUNNING));

  state_a = ff_run_store_dup_last_state (store, "a", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (state_a, ==, "succeeded");
  state_b = ff_run_store_dup_last_state (store, "b", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (state_b, ==, "running");
}

static void
test_store_persistence (Fixture *fixture, gconstpointer user_data)
{
  g_autoptr (FfRunStore) store = open_store (fixture);
  g_autoptr (FfRun) first = create_run_in_state (store, "a", FF_RUN_STATE_FAILED);
  g_autoptr (FfRun) second = create_run_in_state (store, "b", FF_RUN_STATE_QUEUED);
  g_autoptr (FfRun) third = NULL;
  g_autoptr (FfRun) loaded_first = NULL;
  g_autoptr (FfRun) loaded_second = NULL;
  g_autoptr (GHashTable) env = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree gchar *wal_path = g_strconcat (fixture->db_path, "-wal", NULL);

  g_hash_table_insert (env, "KEY", "wert ✓");
  ff_run_set_env (second, env);
  ff_run_set_executor (second, "local");
  save_run (store, second);
  g_clear_object (&store);

  /* closed cleanly: the WAL was folded into the database file */
  g_assert_false (g_file_test (wal_path, G_FILE_TEST_EXISTS));
  g_assert_cmpint (query_int_raw (fixture, "PRAGMA user_version"), ==, 3);

  store = open_store (fixture);
  loaded_first = load_run (store, 1);
  loaded_second = load_run (store, 2);
  assert_runs_equal (first, loaded_first);
  assert_runs_equal (second, loaded_second);
  third = create_run (store, "a");
  g_assert_cmpuint (ff_run_get_id (third), ==, 3);
}

static void
test_store_wal (Fixture *fixture, gconstpointer user_data)
{
  g_autoptr (FfRunStore) store = open_store (fixture);
  g_autoptr (FfRun) run = create_run (store, "a");
  sqlite3 *db = open_raw (fixture);
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpstr (ff_run_store_get_path (store), ==, fixture->db_path);
  /* the journal mode is stored in the file, so another connection sees it */
  g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA journal_mode", -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpstr ((const gchar *) sqlite3_column_text (stmt, 0), ==, "wal");
  sqlite3_finalize (stmt);
  sqlite3_close (db);
}

static void
test_store_corrupt (Fixture *fixture, gconstpointer user_data)
{
  g_autoptr (FfRunStore) store = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GString) garbage = g_string_new (NULL);
  g_autofree gchar *folder = g_path_get_dirname (fixture->db_path);

  for (guint i = 0; i < 1024; i++)
    g_string_append (garbage, "this is not a database at all ");
  g_assert_cmpint (g_mkdir_with_parents (folder, 0700), ==, 0);
  g_assert_true (g_file_set_contents (fixture->db_path, garbage->str, garbage->len, NULL));

  store = ff_run_store_new (fixture->db_path, &error);
  g_assert_error (error, FF_ERROR, FF_ERROR_STORAGE);
  g_assert_null (store);
  g_assert_nonnull (strstr (error->message, fixture->db_path));
  g_assert_nonnull (strstr (error->message, "damaged"));
  g_test_message ("%s", error->message);
}

static void
test_store_newer_schema (Fixture *fixture, gconstpointer user_data)
{
  g_autoptr (FfRunStore) store = open_store (fixture);
  g_autoptr (GError) error = NULL;

  g_clear_object (&store);
  exec_raw (fixture, "PRAGMA user_version = 99");
  store = ff_run_store_new (fixture->db_path, &error);
  g_assert_error (error, FF_ERROR, FF_ERROR_STORAGE);
  g_assert_null (store);
  g_assert_nonnull (strstr (error->message, fixture->db_path));
  g_assert_nonnull (strstr (error->message, "99"));
}

/* The parent of the database is a regular file: the folder cannot be made. */
static void
test_store_parent_is_file (Fixture *fixture, gconstpointer user_data)
{
  g_autoptr (FfRunStore) store = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *file = g_build_filename (fixture->tmpdir, "file", NULL);
  g_autofree gchar *path = g_build_filename (file, "fastflow.db", NULL);

  g_assert_true (g_file_set_contents (file, "x", -1, NULL));
  store = ff_run_store_new (path, &error);
  g_assert_error (error, FF_ERROR, FF_ERROR_STORAGE);
  g_assert_null (store);
  g_assert_nonnull (strstr (error->message, file));
  g_assert_nonnull (strstr (error->message, g_strerror (ENOTDIR)));
  g_test_message ("%s", error->message);
}

/* The database path is a folder: SQLite's CANTOPEN, with the system's reason. */
static void
test_store_cantopen (Fixture *fixture, gconstpointer user_data)
{
  g_autoptr (FfRunStore) store = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (fixture->db_path, 0700), ==, 0);
  store = ff_run_store_new (fixture->db_path, &error);
  g_assert_error (error, FF_ERROR, FF_ERROR_STORAGE);
  g_assert_null (store);
  g_assert_nonnull (strstr (error->message, fixture->db_path));
  g_assert_nonnull (strstr (error->message, "cannot be opened"));
  g_test_message ("%s", error->message);
}

static void
test_store_bad_rows (Fixture *fixture, gconstpointer user_data)
{
  g_autoptr (FfRunStore) store = open_store (fixture);
  g_autoptr (FfRun) good = create_run (store, "a");
  g_autoptr (FfRun) bad_state = create_run (store, "a");
  g_autoptr (FfRun) bad_env = create_run (store, "a");
  g_autoptr (FfRun) bad_reason = create_run (store, "a");
  g_autoptr (FfRun) loaded = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) unfinished = NULL;

  exec_raw (fixture, "UPDATE runs SET state = 'exploded' WHERE id = 2;"
                     "UPDATE runs SET env = '[1, 2]' WHERE id = 3;"
                     "UPDATE runs SET reason = 'gremlins' WHERE id = 4;");

  loaded = ff_run_store_load (store, 2, &error);
  g_assert_error (error, FF_ERROR, FF_ERROR_STORAGE);
  g_assert_nonnull (strstr (error->message, "exploded"));
  g_assert_null (loaded);
  g_clear_error (&error);

  loaded = ff_run_store_load (store, 3, &error);
  g_assert_error (error, FF_ERROR, FF_ERROR_STORAGE);
  g_assert_null (loaded);
  g_clear_error (&error);

  loaded = ff_run_store_load (store, 4, &error);
  g_assert_error (error, FF_ERROR, FF_ERROR_STORAGE);
  g_assert_nonnull (strstr (error->message, "gremlins"));
  g_assert_null (loaded);
  g_clear_error (&error);

  /* a queued run with a broken env cannot be resumed; the caller is told */
  unfinished = ff_run_store_load_unfinished (store, &error);
  g_assert_error (error, FF_ERROR, FF_ERROR_STORAGE);
  g_assert_null (unfinished);
  g_clear_error (&error);

  /* the good row is still readable */
  loaded = load_run (store, 1);
  assert_runs_equal (good, loaded);
}

static void
test_store_disk_full (Fixture *fixture, gconstpointer user_data)
{
  g_autoptr (FfRunStore) store = open_store (fixture);
  g_autoptr (FfRun) run = create_run_in_state (store, "a", FF_RUN_STATE_RUNNING);
  g_autoptr (FfRun) loaded = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *big = g_strnfill (256 * 1024, 'x');
  guint64 last_id = 0;

  ff_run_set_executor (run, "local");
  save_run (store, run);

  /* no room to grow beyond what the file has now */
  g_assert_true (ff_run_store_set_max_pages (store, 1, &error));
  g_assert_no_error (error);

  /* a change that needs new pages fails as a whole */
  ff_run_set_executor (run, big);
  ff_run_set_route (run, "changed");
  g_assert_false (ff_run_store_save (store, run, &error));
  g_assert_error (error, FF_ERROR, FF_ERROR_STORAGE);
  g_assert_nonnull (strstr (error->message, fixture->db_path));
  g_assert_nonnull (strstr (error->message, "full"));
  g_test_message ("%s", error->message);
  g_clear_error (&error);

  loaded = load_run (store, ff_run_get_id (run));
  g_assert_cmpstr (ff_run_get_executor (loaded), ==, "local");
  g_assert_null (ff_run_get_route (loaded));
  g_assert_cmpint (ff_run_get_state (loaded), ==, FF_RUN_STATE_RUNNING);
  g_clear_object (&loaded);

  /* new runs fill the last free space, then fail the same way */
  for (guint i = 0; i < 100000; i++)
    {
      g_autoptr (FfRun) extra = ff_run_store_create_run (store, big + 255 * 1024, &error);
      if (extra == NULL)
        break;
      last_id = ff_run_get_id (extra);
    }
  g_assert_error (error, FF_ERROR, FF_ERROR_STORAGE);
  g_assert_nonnull (strstr (error->message, "full"));
  g_clear_error (&error);

  /* everything written before is intact */
  loaded = load_run (store, ff_run_get_id (run));
  g_assert_cmpstr (ff_run_get_executor (loaded), ==, "local");
  for (guint64 id = ff_run_get_id (run) + 1; id <= last_id; id++)
    {
      g_autoptr (FfRun) extra = load_run (store, id);
      g_assert_cmpuint (strlen (ff_run_get_pipeline (extra)), ==, 1024);
    }
}

/* Samples come back in order; a run's metrics message survives; deleting the
 * run deletes its samples. */
static void
test_store_samples (Fixture *fixture, gconstpointer user_data)
{
  g_autoptr (FfRunStore) store = open_store (fixture);
  g_autoptr (FfRun) run = create_run_in_state (store, "a", FF_RUN_STATE_RUNNING);
  g_autoptr (FfRun) loaded = NULL;
  g_autoptr (GArray) samples = NULL;
  g_autoptr (GError) error = NULL;
  const FfRunSample written[] = {
    { 1000, 12.5, 1024 },
    { 2000, 180.0, G_MAXUINT64 - 1 },
    { 3000, 0.0, 0 },
  };

  g_assert_true (ff_run_store_add_samples (store, ff_run_get_id (run), written, 2, &error));
  g_assert_no_error (error);
  g_assert_true (ff_run_store_add_samples (store, ff_run_get_id (run), written + 2, 1, &error));
  g_assert_no_error (error);
  samples = ff_run_store_load_samples (store, ff_run_get_id (run), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (samples->len, ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      FfRunSample *got = &g_array_index (samples, FfRunSample, i);
      g_assert_cmpint (got->time, ==, written[i].time);
      g_assert_cmpfloat (got->cpu_percent, ==, written[i].cpu_percent);
      g_assert_cmpuint (got->memory_bytes, ==, written[i].memory_bytes);
    }
  g_clear_pointer (&samples, g_array_unref);

  ff_run_set_metrics_message (run, "stats refused");
  save_run (store, run);
  loaded = load_run (store, ff_run_get_id (run));
  g_assert_cmpstr (ff_run_get_metrics_message (loaded), ==, "stats refused");

  g_assert_true (ff_run_store_delete_run (store, ff_run_get_id (run), &error));
  samples = ff_run_store_load_samples (store, ff_run_get_id (run), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (samples->len, ==, 0);
}

/* A history written by the first schema opens, keeps its runs and gains the
 * samples table. */
static void
test_store_migrates_v1 (Fixture *fixture, gconstpointer user_data)
{
  g_autoptr (FfRunStore) store = NULL;
  g_autoptr (FfRun) loaded = NULL;
  g_autoptr (GArray) samples = NULL;
  g_autoptr (GError) error = NULL;
  const FfRunSample one = { 5, 1.0, 2 };

  /* an empty file is an empty database */
  g_autofree gchar *dir = g_path_get_dirname (fixture->db_path);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_file_set_contents (fixture->db_path, "", 0, &error);
  g_assert_no_error (error);
  exec_raw (fixture, "CREATE TABLE runs (id INTEGER PRIMARY KEY AUTOINCREMENT, pipeline TEXT "
                     "NOT NULL, state TEXT NOT NULL, reason TEXT NOT NULL DEFAULT '', exit_code "
                     "INTEGER NOT NULL DEFAULT -1, message TEXT, executor TEXT, attempt INTEGER "
                     "NOT NULL DEFAULT 1, max_attempts INTEGER NOT NULL DEFAULT 1, triggered_by "
                     "TEXT, run_config TEXT, route TEXT, env TEXT NOT NULL DEFAULT '{}', "
                     "created_at INTEGER NOT NULL, started_at INTEGER NOT NULL DEFAULT 0, "
                     "finished_at INTEGER NOT NULL DEFAULT 0, cpu_percent REAL NOT NULL DEFAULT "
                     "0, memory_peak_bytes INTEGER NOT NULL DEFAULT 0, soft_limit_exceeded "
                     "INTEGER NOT NULL DEFAULT 0);"
                     "CREATE TABLE attempts (run_id INTEGER NOT NULL REFERENCES runs (id) ON "
                     "DELETE CASCADE, attempt INTEGER NOT NULL, started_at INTEGER NOT NULL "
                     "DEFAULT 0, finished_at INTEGER NOT NULL DEFAULT 0, state TEXT NOT NULL, "
                     "reason TEXT NOT NULL DEFAULT '', exit_code INTEGER NOT NULL DEFAULT -1, "
                     "message TEXT, PRIMARY KEY (run_id, attempt));"
                     "CREATE INDEX runs_pipeline_id ON runs (pipeline, id);"
                     "CREATE INDEX runs_state ON runs (state);"
                     "INSERT INTO runs (pipeline, state, reason, exit_code, created_at, "
                     "started_at, finished_at) VALUES ('old', 'failed', 'exit-code', 3, 1, 2, 3);"
                     "PRAGMA user_version = 1;");
  store = open_store (fixture);
  g_assert_cmpint (query_int_raw (fixture, "PRAGMA user_version"), ==, 3);
  loaded = load_run (store, 1);
  g_assert_cmpstr (ff_run_get_pipeline (loaded), ==, "old");
  g_assert_cmpint (ff_run_get_exit_code (loaded), ==, 3);
  g_assert_null (ff_run_get_metrics_message (loaded));
  g_assert_true (ff_run_store_add_samples (store, 1, &one, 1, &error));
  g_assert_no_error (error);
  samples = ff_run_store_load_samples (store, 1, &error);
  g_assert_cmpuint (samples->len, ==, 1);
}

/* Retention: finished runs older than a time, or beyond the newest N, are
 * listed; running ones never. */
static void
test_store_expired (Fixture *fixture, gconstpointer user_data)
{
  g_autoptr (FfRunStore) store = open_store (fixture);
  /* failed runs finish at time 1 (see create_run_in_state) */
  g_autoptr (FfRun) old = create_run_in_state (store, "a", FF_RUN_STATE_FAILED);
  g_autoptr (FfRun) recent = create_run_in_state (store, "a", FF_RUN_STATE_SUCCEEDED);
  g_autoptr (FfRun) running = create_run_in_state (store, "a", FF_RUN_STATE_RUNNING);
  g_autoptr (GArray) by_age = NULL;
  g_autoptr (GArray) by_count = NULL;
  g_autoptr (GArray) none = NULL;
  g_autoptr (GError) error = NULL;

  by_age = ff_run_store_list_expired (store, 1000, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (by_age->len, ==, 1);
  g_assert_cmpuint (g_array_index (by_age, guint64, 0), ==, ff_run_get_id (old));
  /* the newest one is the running run: it stays anyway */
  by_count = ff_run_store_list_expired (store, 0, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (by_count->len, ==, 2);
  g_assert_cmpuint (g_array_index (by_count, guint64, 1), ==, ff_run_get_id (recent));
  none = ff_run_store_list_expired (store, 0, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (none->len, ==, 0);
  g_assert_cmpint (ff_run_get_state (running), ==, FF_RUN_STATE_RUNNING);
}

/* A new run goes in whole, with its settings, as one write. */
static void
test_store_insert_run (Fixture *fixture, gconstpointer user_data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FfRunStore) store = open_store (fixture);
  g_autoptr (FfRun) run = ff_run_new (0, "insert");
  g_autoptr (FfRun) loaded = NULL;
  g_autoptr (GHashTable) env = g_hash_table_new (g_str_hash, g_str_equal);
  guint before = ff_run_store_get_commits (store);

  g_hash_table_insert (env, "GREETING", "hello");
  ff_run_set_executor (run, "local");
  ff_run_set_env (run, env);
  ff_run_set_run_config (run, "nightly");
  ff_run_set_triggered_by (run, "schedule");
  ff_run_set_max_attempts (run, 3);
  g_assert_true (ff_run_store_insert_run (store, run, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (ff_run_get_id (run), >, 0);
  g_assert_cmpuint (ff_run_store_get_commits (store) - before, ==, 1);

  loaded = ff_run_store_load (store, ff_run_get_id (run), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ff_run_get_pipeline (loaded), ==, "insert");
  g_assert_cmpint (ff_run_get_state (loaded), ==, FF_RUN_STATE_QUEUED);
  g_assert_cmpstr (ff_run_get_executor (loaded), ==, "local");
  g_assert_cmpstr (g_hash_table_lookup (ff_run_get_env (loaded), "GREETING"), ==, "hello");
  g_assert_cmpstr (ff_run_get_run_config (loaded), ==, "nightly");
  g_assert_cmpstr (ff_run_get_triggered_by (loaded), ==, "schedule");
  g_assert_cmpuint (ff_run_get_max_attempts (loaded), ==, 3);
  g_assert_cmpint (ff_run_get_created_at (loaded), ==, ff_run_get_created_at (run));
}

static void
on_run_finished (FfOrchestrator *orchestrator, FfRun *run, gpointer finished)
{
  *(gboolean *) finished = TRUE;
}

/* What one plain run writes to the history: its row once set up (queued),
 * starting, running, and finished together with its attempt's row and its
 * resource samples. The recovery after a kill -9 tells these states apart,
 * so none can go; nothing else is written (it was 7 writes). */
static void
test_store_writes_per_run (Fixture *fixture, gconstpointer user_data)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *pipelines = g_build_filename (fixture->tmpdir, "pipelines", NULL);
  g_autofree gchar *plain = g_build_filename (pipelines, "plain", NULL);
  g_autofree gchar *main_sh = g_build_filename (plain, "main.sh", NULL);
  g_autofree gchar *state = g_build_filename (fixture->tmpdir, "state", NULL);
  g_autofree gchar *conf = g_build_filename (fixture->tmpdir, "fastflow.conf", NULL);
  g_autofree gchar *text =
      g_strdup_printf ("[daemon]\npipelines_dir=%s\nstate_dir=%s\n", pipelines, state);
  g_autoptr (FfConfig) config = ff_config_new ();
  g_autoptr (FfOrchestrator) orchestrator = NULL;
  gboolean finished = FALSE;
  guint before;
  FfRun *run;

  g_assert_cmpint (g_mkdir_with_parents (plain, 0700), ==, 0);
  g_assert_true (g_file_set_contents (main_sh, "echo hi\n", -1, NULL));
  g_assert_true (g_file_set_contents (conf, text, -1, NULL));
  g_assert_true (ff_config_load (config, conf, &error));
  g_assert_no_error (error);
  orchestrator = ff_orchestrator_new (config, &error);
  g_assert_no_error (error);
  g_signal_connect (orchestrator, "run-finished", G_CALLBACK (on_run_finished), &finished);

  before = ff_run_store_get_commits (orchestrator->store);
  run = ff_orchestrator_start_run (orchestrator, "plain", NULL, "local", NULL, NULL, FALSE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (run);
  ff_test_wait_for_flag (&finished);
  g_assert_cmpint (ff_run_get_state (run), ==, FF_RUN_STATE_SUCCEEDED);
  g_assert_cmpuint (ff_run_store_get_commits (orchestrator->store) - before, ==, 4);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/run-store/round-trip", test_store_round_trip);
  ADD ("/run-store/ids", test_store_ids);
  ADD ("/run-store/attempts", test_store_attempts);
  ADD ("/run-store/list-ids", test_store_list_ids);
  ADD ("/run-store/unfinished", test_store_unfinished);
  ADD ("/run-store/last-state", test_store_last_state);
  ADD ("/run-store/persistence", test_store_persistence);
  ADD ("/run-store/wal", test_store_wal);
  ADD ("/run-store/corrupt", test_store_corrupt);
  ADD ("/run-store/newer-schema", test_store_newer_schema);
  ADD ("/run-store/parent-is-file", test_store_parent_is_file);
  ADD ("/run-store/cantopen", test_store_cantopen);
  ADD ("/run-store/bad-rows", test_store_bad_rows);
  ADD ("/run-store/disk-full", test_store_disk_full);
  ADD ("/run-store/samples", test_store_samples);
  ADD ("/run-store/expired", test_store_expired);
  ADD ("/run-store/migrates-v1", test_store_migrates_v1);
  ADD ("/run-store/insert-run", test_store_insert_run);
  ADD ("/run-store/writes-per-run", test_store_writes_per_run);
#undef ADD
  return g_test_run ();
}
