/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <inttypes.h>

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <sqlite3.h>

#include "ff-run-store.h"
#include "ff-run-store-sql.h"
#include "ff-state-files.h"

struct _FfRunStore
{
  GObject parent_instance;
  gchar *path;
  sqlite3 *db;
  sqlite3_stmt *stmts[N_STMTS];
  guint commits; /* for tests: how often the database was written */
};

G_DEFINE_TYPE (FfRunStore, ff_run_store, G_TYPE_OBJECT)

/* A cached statement goes back to the cache (reset, bindings cleared) when it
 * leaves scope; it is finalized only in dispose. */
typedef sqlite3_stmt FfCachedStmt;

static void
cached_stmt_release (FfCachedStmt *stmt)
{
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FfCachedStmt, cached_stmt_release)

static void
ff_run_store_dispose (GObject *object)
{
  FfRunStore *self = FF_RUN_STORE (object);

  for (guint i = 0; i < N_STMTS; i++)
    g_clear_pointer (&self->stmts[i], sqlite3_finalize);
  /* closing checkpoints the WAL into the database file */
  g_clear_pointer (&self->db, sqlite3_close);
  G_OBJECT_CLASS (ff_run_store_parent_class)->dispose (object);
}

static void
ff_run_store_finalize (GObject *object)
{
  FfRunStore *self = FF_RUN_STORE (object);

  g_free (self->path);
  G_OBJECT_CLASS (ff_run_store_parent_class)->finalize (object);
}

static void
ff_run_store_class_init (FfRunStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ff_run_store_dispose;
  object_class->finalize = ff_run_store_finalize;
}

static void
ff_run_store_init (FfRunStore *self)
{
}

/* Every transaction that changes the database ends here, a single
 * statement's as well as an explicit one's. */
static gint
count_commit (gpointer user_data)
{
  FfRunStore *self = user_data;

  self->commits++;
  return 0; /* 0: go on with the commit */
}

/* Turns the connection's last failure into a sentence that names the
 * database and, where it helps, what to do about it. */
static void
set_sqlite_error (FfRunStore *self, gint rc, GError **error)
{
  const gchar *detail = sqlite3_errmsg (self->db);

  switch (rc & 0xff)
    {
    case SQLITE_FULL:
      g_set_error (error, FF_ERROR, FF_ERROR_STORAGE,
                   _ ("The disk holding the run history %s is full; the run’s state could not "
                      "be saved"),
                   self->path);
      return;
    case SQLITE_READONLY:
      g_set_error (error, FF_ERROR, FF_ERROR_STORAGE,
                   _ ("The run history %s is read-only; the daemon needs to write to it and to "
                      "its folder"),
                   self->path);
      return;
    case SQLITE_CANTOPEN:
      {
        gint saved_errno = sqlite3_system_errno (self->db);
        g_set_error (error, FF_ERROR, FF_ERROR_STORAGE,
                     /* TRANSLATORS: e.g. "… /x/fastflow.db cannot be opened: Not a directory" */
                     _ ("The run history %s cannot be opened: %s"), self->path,
                     saved_errno != 0 ? g_strerror (saved_errno) : detail);
        return;
      }
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
      g_set_error (error, FF_ERROR, FF_ERROR_STORAGE,
                   _ ("The run history %s is damaged or not a SQLite database (%s); move it "
                      "aside to start a new history"),
                   self->path, detail);
      return;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      g_set_error (error, FF_ERROR, FF_ERROR_STORAGE,
                   _ ("The run history %s is locked by another process (%s); is a second "
                      "fastflowd using the same state folder?"),
                   self->path, detail);
      return;
    default:
      g_set_error (error, FF_ERROR, FF_ERROR_STORAGE,
                   /* TRANSLATORS: the second %s is SQLite's own explanation */
                   _ ("The run history %s could not be read or written: %s"), self->path, detail);
    }
}

static FfCachedStmt *
get_stmt (FfRunStore *self, FfRunStoreStmt which, GError **error)
{
  gint rc;

  if (self->stmts[which] != NULL)
    return self->stmts[which];
  rc = sqlite3_prepare_v3 (self->db, ff_run_store_stmt_sql[which], -1, SQLITE_PREPARE_PERSISTENT,
                           &self->stmts[which], NULL);
  if (rc != SQLITE_OK)
    {
      set_sqlite_error (self, rc, error);
      return NULL;
    }
  return self->stmts[which];
}

/* Steps a statement that returns no rows. */
static gboolean
step_done (FfRunStore *self, sqlite3_stmt *stmt, GError **error)
{
  gint rc = sqlite3_step (stmt);

  if (rc != SQLITE_DONE)
    {
      set_sqlite_error (self, rc, error);
      return FALSE;
    }
  return TRUE;
}

static gboolean
exec_sql (FfRunStore *self, const gchar *sql, GError **error)
{
  gint rc = sqlite3_exec (self->db, sql, NULL, NULL, NULL);

  if (rc != SQLITE_OK)
    {
      set_sqlite_error (self, rc, error);
      return FALSE;
    }
  return TRUE;
}

static gboolean
read_user_version (FfRunStore *self, gint *version, GError **error)
{
  g_autoptr (FfCachedStmt) stmt = get_stmt (self, STMT_USER_VERSION, error);
  gint rc;

  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      set_sqlite_error (self, rc, error);
      return FALSE;
    }
  *version = sqlite3_column_int (stmt, 0);
  return TRUE;
}

static gboolean
apply_migrations (FfRunStore *self, gint version, GError **error)
{
  g_autofree gchar *set_version = NULL;

  if (!exec_sql (self, "BEGIN IMMEDIATE", error))
    return FALSE;
  for (guint i = version; i < ff_run_store_n_migrations; i++)
    {
      if (!exec_sql (self, ff_run_store_migrations[i], error))
        {
          sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
          return FALSE;
        }
    }
  /* a pragma takes no parameters; the number is ours, not input */
  set_version = g_strdup_printf ("PRAGMA user_version = %u", (guint) ff_run_store_n_migrations);
  if (!exec_sql (self, set_version, error) || !exec_sql (self, "COMMIT", error))
    {
      sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
      return FALSE;
    }
  return TRUE;
}

static gboolean
migrate (FfRunStore *self, GError **error)
{
  gint version = 0;

  if (!read_user_version (self, &version, error))
    return FALSE;
  if (version < 0 || (guint) version > ff_run_store_n_migrations)
    {
      g_set_error (error, FF_ERROR, FF_ERROR_STORAGE,
                   _ ("The run history %s has schema version %d, but this fastflowd knows only "
                      "versions up to %u; it was written by a newer fastflowd"),
                   self->path, version, (guint) ff_run_store_n_migrations);
      return FALSE;
    }
  if ((guint) version == ff_run_store_n_migrations)
    return TRUE;
  return apply_migrations (self, version, error);
}

/* SQLite would create the file 0644; its -wal and -shm take the mode of
 * the database file. */
static gboolean
create_db_file (FfRunStore *self, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  gint fd =
      g_open (self->path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, ff_state_files_file_mode ());
  gboolean ok;

  if (fd < 0)
    {
      gint saved_errno = errno;

      g_set_error (error, FF_ERROR, FF_ERROR_STORAGE, _ ("The run history %s cannot be opened: %s"),
                   self->path, g_strerror (saved_errno));
      return FALSE;
    }
  ok = ff_state_files_fix_fd (fd, self->path, &local_error);
  g_close (fd, NULL);
  if (!ok)
    g_set_error_literal (error, FF_ERROR, FF_ERROR_STORAGE, local_error->message);
  return ok;
}

static gboolean
open_db (FfRunStore *self, GError **error)
{
  g_autofree gchar *folder = g_path_get_dirname (self->path);
  gint rc;

  if (g_mkdir_with_parents (folder, 0700) != 0)
    {
      gint saved_errno = errno;
      g_set_error (error, FF_ERROR, FF_ERROR_STORAGE,
                   _ ("Cannot create the folder %s for the run history: %s"), folder,
                   g_strerror (saved_errno));
      return FALSE;
    }
  if (!create_db_file (self, error))
    return FALSE;
  /* one thread uses the connection, so SQLite's own locking is not needed */
  rc = sqlite3_open_v2 (self->path, &self->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
  if (self->db == NULL)
    {
      g_set_error (error, FF_ERROR, FF_ERROR_STORAGE,
                   _ ("Cannot open the run history %s: out of memory"), self->path);
      return FALSE;
    }
  if (rc != SQLITE_OK)
    {
      set_sqlite_error (self, rc, error);
      return FALSE;
    }
  sqlite3_extended_result_codes (self->db, 1);
  sqlite3_commit_hook (self->db, count_commit, self);
  sqlite3_busy_timeout (self->db, 5000);
  /* the first statement reads the file, so a damaged one is found here */
  if (!exec_sql (self, "PRAGMA journal_mode = WAL", error))
    return FALSE;
  if (!exec_sql (self, "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON", error))
    return FALSE;
  return migrate (self, error);
}

FfRunStore *
ff_run_store_new (const gchar *path, GError **error)
{
  g_autoptr (FfRunStore) self = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (FF_TYPE_RUN_STORE, NULL);
  self->path = g_strdup (path);
  if (!open_db (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

const gchar *
ff_run_store_get_path (FfRunStore *self)
{
  g_return_val_if_fail (FF_IS_RUN_STORE (self), NULL);
  return self->path;
}

/* Secret values stay in memory: a run that must start again after a
 * restart of fastflowd gets them from where they are configured. */
static gchar *
env_to_json (FfRun *run)
{
  GHashTable *env = ff_run_get_env (run);
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (GList) keys = g_hash_table_get_keys (env);

  /* sorted, so the same env is always the same text */
  keys = g_list_sort (keys, (GCompareFunc) g_strcmp0);
  json_builder_begin_object (builder);
  for (GList *l = keys; l != NULL; l = l->next)
    {
      if (ff_run_is_secret (run, l->data))
        continue;
      json_builder_set_member_name (builder, l->data);
      json_builder_add_string_value (builder, g_hash_table_lookup (env, l->data));
    }
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}

static void
bind_text_or_null (sqlite3_stmt *stmt, gint index, const gchar *value)
{
  if (value == NULL)
    sqlite3_bind_null (stmt, index);
  else
    sqlite3_bind_text (stmt, index, value, -1, SQLITE_TRANSIENT);
}

static void
set_no_such_run (FfRunStore *self, guint64 id, GError **error)
{
  g_set_error (error, FF_ERROR, FF_ERROR_NO_SUCH_RUN,
               _ ("Run %" PRIu64 " is not in the run history %s"), id, self->path);
}

/* Binds the run's columns, in the order of the INSERT and UPDATE
 * statements; @env (the run's env as JSON) must outlive the binding. */
static void
bind_run (sqlite3_stmt *stmt, FfRun *run, const gchar *env)
{
  sqlite3_bind_text (stmt, 2, ff_run_get_pipeline (run), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, ff_run_state_to_string (ff_run_get_state (run)), -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, ff_reason_to_string (ff_run_get_reason (run)), -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 5, ff_run_get_exit_code (run));
  bind_text_or_null (stmt, 6, ff_run_get_message (run));
  bind_text_or_null (stmt, 7, ff_run_get_executor (run));
  sqlite3_bind_int64 (stmt, 8, ff_run_get_attempt (run));
  sqlite3_bind_int64 (stmt, 9, ff_run_get_max_attempts (run));
  bind_text_or_null (stmt, 10, ff_run_get_triggered_by (run));
  bind_text_or_null (stmt, 11, ff_run_get_run_config (run));
  bind_text_or_null (stmt, 12, ff_run_get_route (run));
  sqlite3_bind_text (stmt, 13, env, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 14, ff_run_get_created_at (run));
  sqlite3_bind_int64 (stmt, 15, ff_run_get_started_at (run));
  sqlite3_bind_int64 (stmt, 16, ff_run_get_finished_at (run));
  sqlite3_bind_double (stmt, 17, ff_run_get_cpu_percent (run));
  /* SQLite integers are signed; the bits round-trip through the cast */
  sqlite3_bind_int64 (stmt, 18, (gint64) ff_run_get_memory_peak_bytes (run));
  sqlite3_bind_int (stmt, 19, ff_run_get_soft_limit_exceeded (run) ? 1 : 0);
  bind_text_or_null (stmt, 20, ff_run_get_metrics_message (run));
}

/**
 * ff_run_store_insert_run:
 *
 * Inserts @run, set up but not yet in the history (its id is 0), in one
 * statement and gives it its id (increasing, never reused).
 */
gboolean
ff_run_store_insert_run (FfRunStore *self, FfRun *run, GError **error)
{
  /* declared first so it outlives the statement that binds it */
  g_autofree gchar *env = NULL;
  g_autoptr (FfCachedStmt) stmt = NULL;

  g_return_val_if_fail (FF_IS_RUN_STORE (self), FALSE);
  g_return_val_if_fail (FF_IS_RUN (run), FALSE);
  g_return_val_if_fail (ff_run_get_id (run) == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  stmt = get_stmt (self, STMT_INSERT_RUN, error);
  if (stmt == NULL)
    return FALSE;
  env = env_to_json (run);
  sqlite3_bind_null (stmt, 1);
  bind_run (stmt, run, env);
  if (!step_done (self, stmt, error))
    return FALSE;
  ff_run_set_id (run, sqlite3_last_insert_rowid (self->db));
  return TRUE;
}

FfRun *
ff_run_store_create_run (FfRunStore *self, const gchar *pipeline, GError **error)
{
  g_autoptr (FfRun) run = NULL;

  g_return_val_if_fail (FF_IS_RUN_STORE (self), NULL);
  g_return_val_if_fail (pipeline != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  run = ff_run_new (0, pipeline);
  if (!ff_run_store_insert_run (self, run, error))
    return NULL;
  return g_steal_pointer (&run);
}

gboolean
ff_run_store_save (FfRunStore *self, FfRun *run, GError **error)
{
  /* declared first so it outlives the statement that binds it */
  g_autofree gchar *env = NULL;
  g_autoptr (FfCachedStmt) stmt = NULL;

  g_return_val_if_fail (FF_IS_RUN_STORE (self), FALSE);
  g_return_val_if_fail (FF_IS_RUN (run), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  stmt = get_stmt (self, STMT_UPDATE_RUN, error);
  if (stmt == NULL)
    return FALSE;
  env = env_to_json (run);
  /* one statement, so SQLite applies all of it or none of it */
  sqlite3_bind_int64 (stmt, 1, ff_run_get_id (run));
  bind_run (stmt, run, env);
  if (!step_done (self, stmt, error))
    return FALSE;
  if (sqlite3_changes (self->db) == 0)
    {
      set_no_such_run (self, ff_run_get_id (run), error);
      return FALSE;
    }
  return TRUE;
}

/**
 * ff_run_store_record_attempt:
 *
 * The row of the run's current attempt as it ended, also when the run goes
 * on with another attempt and its own state is not that end.
 */
gboolean
ff_run_store_record_attempt (FfRunStore *self,
                             FfRun *run,
                             FfRunState state,
                             FfReason reason,
                             gint exit_code,
                             const gchar *message,
                             gint64 finished_at,
                             GError **error)
{
  g_autoptr (FfCachedStmt) stmt = NULL;

  g_return_val_if_fail (FF_IS_RUN_STORE (self), FALSE);
  g_return_val_if_fail (FF_IS_RUN (run), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  stmt = get_stmt (self, STMT_UPSERT_ATTEMPT, error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, ff_run_get_id (run));
  sqlite3_bind_int64 (stmt, 2, ff_run_get_attempt (run));
  sqlite3_bind_int64 (stmt, 3, ff_run_get_started_at (run));
  sqlite3_bind_int64 (stmt, 4, finished_at);
  sqlite3_bind_text (stmt, 5, ff_run_state_to_string (state), -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 6, ff_reason_to_string (reason), -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 7, exit_code);
  bind_text_or_null (stmt, 8, message);
  return step_done (self, stmt, error);
}

gboolean
ff_run_store_save_attempt (FfRunStore *self, FfRun *run, GError **error)
{
  return ff_run_store_record_attempt (self, run, ff_run_get_state (run), ff_run_get_reason (run),
                                      ff_run_get_exit_code (run), ff_run_get_message (run),
                                      ff_run_get_finished_at (run), error);
}

/* Inside a transaction the caller began. */
static gboolean
insert_samples (
    FfRunStore *self, guint64 run_id, const FfRunSample *samples, guint n_samples, GError **error)
{
  g_autoptr (FfCachedStmt) stmt = get_stmt (self, STMT_INSERT_SAMPLE, error);

  if (stmt == NULL)
    return FALSE;
  for (guint i = 0; i < n_samples; i++)
    {
      sqlite3_reset (stmt);
      sqlite3_bind_int64 (stmt, 1, run_id);
      sqlite3_bind_int64 (stmt, 2, samples[i].time);
      sqlite3_bind_double (stmt, 3, samples[i].cpu_percent);
      sqlite3_bind_int64 (stmt, 4, (gint64) samples[i].memory_bytes);
      if (!step_done (self, stmt, error))
        return FALSE;
    }
  return TRUE;
}

/**
 * ff_run_store_save_finished:
 *
 * Saves the run, its current attempt's row and its last @n_samples
 * resource samples in one transaction: a reader, or the next daemon after
 * a crash, sees all of it or none of it.
 */
gboolean
ff_run_store_save_finished (
    FfRunStore *self, FfRun *run, const FfRunSample *samples, guint n_samples, GError **error)
{
  g_return_val_if_fail (FF_IS_RUN_STORE (self), FALSE);
  g_return_val_if_fail (FF_IS_RUN (run), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!exec_sql (self, "BEGIN IMMEDIATE", error))
    return FALSE;
  if (!insert_samples (self, ff_run_get_id (run), samples, n_samples, error) ||
      !ff_run_store_save (self, run, error) || !ff_run_store_save_attempt (self, run, error) ||
      !exec_sql (self, "COMMIT", error))
    {
      sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
      return FALSE;
    }
  return TRUE;
}

static const gchar *
column_text (sqlite3_stmt *stmt, gint column)
{
  return (const gchar *) sqlite3_column_text (stmt, column);
}

static gboolean
env_from_json (FfRunStore *self, guint64 id, const gchar *text, FfRun *run, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GHashTable) env = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GError) error_local = NULL;
  JsonObject *object;
  JsonObjectIter iter;
  const gchar *key;
  JsonNode *value;

  if (text == NULL || !json_parser_load_from_data (parser, text, -1, &error_local))
    {
      g_set_error (error, FF_ERROR, FF_ERROR_STORAGE,
                   _ ("The environment of run %" PRIu64 " in the run history %s is "
                      "not valid JSON: %s"),
                   id, self->path, error_local != NULL ? error_local->message : "NULL");
      return FALSE;
    }
  object = JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser))
               ? json_node_get_object (json_parser_get_root (parser))
               : NULL;
  if (object == NULL)
    {
      g_set_error (error, FF_ERROR, FF_ERROR_STORAGE,
                   _ ("The environment of run %" PRIu64 " in the run history %s is "
                      "not a JSON object"),
                   id, self->path);
      return FALSE;
    }
  json_object_iter_init (&iter, object);
  while (json_object_iter_next (&iter, &key, &value))
    {
      if (!JSON_NODE_HOLDS_VALUE (value) || json_node_get_value_type (value) != G_TYPE_STRING)
        {
          g_set_error (error, FF_ERROR, FF_ERROR_STORAGE,
                       _ ("The environment variable %s of run %" PRIu64 " in the run "
                          "history %s is not a string"),
                       key, id, self->path);
          return FALSE;
        }
      g_hash_table_insert (env, (gpointer) key, (gpointer) json_node_get_string (value));
    }
  ff_run_set_env (run, env);
  return TRUE;
}

/* Builds a run from a row of RUN_COLUMNS. */
static FfRun *
run_from_row (FfRunStore *self, sqlite3_stmt *stmt, GError **error)
{
  guint64 id = sqlite3_column_int64 (stmt, 0);
  const gchar *state_str = column_text (stmt, 2);
  const gchar *reason_str = column_text (stmt, 3);
  g_autoptr (FfRun) run = NULL;
  FfRunState state;
  FfReason reason;

  if (!ff_run_state_from_string (state_str, &state))
    {
      g_set_error (error, FF_ERROR, FF_ERROR_STORAGE,
                   _ ("Run %" PRIu64 " in the run history %s has the unknown state "
                      "“%s”"),
                   id, self->path, state_str != NULL ? state_str : "");
      return NULL;
    }
  if (!ff_reason_from_string (reason_str, &reason))
    {
      g_set_error (error, FF_ERROR, FF_ERROR_STORAGE,
                   _ ("Run %" PRIu64 " in the run history %s has the unknown reason "
                      "“%s”"),
                   id, self->path, reason_str != NULL ? reason_str : "");
      return NULL;
    }
  run = ff_run_new (id, column_text (stmt, 1));
  ff_run_set_executor (run, column_text (stmt, 6));
  ff_run_set_attempt (run, sqlite3_column_int64 (stmt, 7));
  ff_run_set_max_attempts (run, sqlite3_column_int64 (stmt, 8));
  ff_run_set_triggered_by (run, column_text (stmt, 9));
  ff_run_set_run_config (run, column_text (stmt, 10));
  ff_run_set_route (run, column_text (stmt, 11));
  if (!env_from_json (self, id, column_text (stmt, 12), run, error))
    return NULL;
  ff_run_set_created_at (run, sqlite3_column_int64 (stmt, 13));
  ff_run_set_started_at (run, sqlite3_column_int64 (stmt, 14));
  /* the current memory use is not history; only the peak is kept */
  ff_run_set_usage (run, sqlite3_column_double (stmt, 16), 0);
  ff_run_set_soft_limit_exceeded (run, sqlite3_column_int (stmt, 18) != 0);
  ff_run_set_metrics_message (run, column_text (stmt, 19));
  ff_run_restore (run, state, reason, sqlite3_column_int (stmt, 4), column_text (stmt, 5),
                  sqlite3_column_int64 (stmt, 15), (guint64) sqlite3_column_int64 (stmt, 17));
  return g_steal_pointer (&run);
}

FfRun *
ff_run_store_load (FfRunStore *self, guint64 id, GError **error)
{
  g_autoptr (FfCachedStmt) stmt = NULL;
  gint rc;

  g_return_val_if_fail (FF_IS_RUN_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  stmt = get_stmt (self, STMT_SELECT_RUN, error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    {
      set_no_such_run (self, id, error);
      return NULL;
    }
  if (rc != SQLITE_ROW)
    {
      set_sqlite_error (self, rc, error);
      return NULL;
    }
  return run_from_row (self, stmt, error);
}

static GArray *
collect_ids (FfRunStore *self, sqlite3_stmt *stmt, GError **error)
{
  g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (guint64));
  gint rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      guint64 id = sqlite3_column_int64 (stmt, 0);
      g_array_append_val (ids, id);
    }
  if (rc != SQLITE_DONE)
    {
      set_sqlite_error (self, rc, error);
      return NULL;
    }
  return g_steal_pointer (&ids);
}

GArray *
ff_run_store_list_ids (
    FfRunStore *self, const gchar *pipeline, const gchar *state, guint limit, GError **error)
{
  g_autoptr (FfCachedStmt) stmt = NULL;
  /* SQLite reads a negative LIMIT as none */
  gint64 sql_limit = limit == 0 ? -1 : (gint64) limit;
  FfRunState state_value;

  g_return_val_if_fail (FF_IS_RUN_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (state != NULL && !ff_run_state_from_string (state, &state_value))
    {
      g_set_error (error, FF_ERROR, FF_ERROR_INVALID_ARGUMENT,
                   _ ("“%s” is not a run state; expected queued, starting, running, succeeded, "
                      "failed, cancelled or timed-out"),
                   state);
      return NULL;
    }
  if (pipeline != NULL)
    {
      stmt = get_stmt (self, STMT_LIST_BY_PIPELINE, error);
      if (stmt == NULL)
        return NULL;
      sqlite3_bind_text (stmt, 1, pipeline, -1, SQLITE_TRANSIENT);
      bind_text_or_null (stmt, 2, state);
      sqlite3_bind_int64 (stmt, 3, sql_limit);
    }
  else if (state != NULL)
    {
      stmt = get_stmt (self, STMT_LIST_BY_STATE, error);
      if (stmt == NULL)
        return NULL;
      sqlite3_bind_text (stmt, 1, state, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64 (stmt, 2, sql_limit);
    }
  else
    {
      stmt = get_stmt (self, STMT_LIST_ALL, error);
      if (stmt == NULL)
        return NULL;
      sqlite3_bind_int64 (stmt, 1, sql_limit);
    }
  return collect_ids (self, stmt, error);
}

static GPtrArray *
collect_runs (FfRunStore *self, sqlite3_stmt *stmt, GError **error)
{
  g_autoptr (GPtrArray) runs = g_ptr_array_new_with_free_func (g_object_unref);
  gint rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      FfRun *run = run_from_row (self, stmt, error);
      if (run == NULL)
        return NULL;
      g_ptr_array_add (runs, run);
    }
  if (rc != SQLITE_DONE)
    {
      set_sqlite_error (self, rc, error);
      return NULL;
    }
  return g_steal_pointer (&runs);
}

GPtrArray *
ff_run_store_load_page (FfRunStore *self,
                        const gchar *pipeline,
                        const gchar *state,
                        guint64 before,
                        guint limit,
                        GError **error)
{
  g_autoptr (FfCachedStmt) stmt = NULL;

  g_return_val_if_fail (FF_IS_RUN_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  stmt = get_stmt (self, STMT_LIST_PAGE, error);
  if (stmt == NULL)
    return NULL;
  bind_text_or_null (stmt, 1, pipeline);
  bind_text_or_null (stmt, 2, state);
  sqlite3_bind_int64 (stmt, 3, before == 0 || before > G_MAXINT64 ? G_MAXINT64 : (gint64) before);
  /* SQLite reads a negative LIMIT as none */
  sqlite3_bind_int64 (stmt, 4, limit == 0 ? -1 : (gint64) limit);
  return collect_runs (self, stmt, error);
}

GPtrArray *
ff_run_store_load_unfinished (FfRunStore *self, GError **error)
{
  g_autoptr (FfCachedStmt) stmt = NULL;

  g_return_val_if_fail (FF_IS_RUN_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  stmt = get_stmt (self, STMT_SELECT_UNFINISHED, error);
  if (stmt == NULL)
    return NULL;
  return collect_runs (self, stmt, error);
}

gchar *
ff_run_store_dup_last_state (FfRunStore *self, const gchar *pipeline, GError **error)
{
  g_autoptr (FfCachedStmt) stmt = NULL;
  gint rc;

  g_return_val_if_fail (FF_IS_RUN_STORE (self), NULL);
  g_return_val_if_fail (pipeline != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  stmt = get_stmt (self, STMT_LAST_STATE, error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, pipeline, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return g_strdup (column_text (stmt, 0));
  if (rc != SQLITE_DONE)
    set_sqlite_error (self, rc, error);
  return NULL;
}

gboolean
ff_run_store_delete_run (FfRunStore *self, guint64 id, GError **error)
{
  g_autoptr (FfCachedStmt) stmt = NULL;

  g_return_val_if_fail (FF_IS_RUN_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  stmt = get_stmt (self, STMT_DELETE_RUN, error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  if (!step_done (self, stmt, error))
    return FALSE;
  if (sqlite3_changes (self->db) == 0)
    {
      set_no_such_run (self, id, error);
      return FALSE;
    }
  return TRUE;
}

/* All of them or none: a sample series with holes would mislead. */
gboolean
ff_run_store_add_samples (
    FfRunStore *self, guint64 run_id, const FfRunSample *samples, guint n_samples, GError **error)
{
  g_return_val_if_fail (FF_IS_RUN_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (n_samples == 0)
    return TRUE;
  if (!exec_sql (self, "BEGIN IMMEDIATE", error))
    return FALSE;
  if (!insert_samples (self, run_id, samples, n_samples, error) ||
      !exec_sql (self, "COMMIT", error))
    {
      sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
      return FALSE;
    }
  return TRUE;
}

/* Returns: (element-type FfRunSample): oldest first */
GArray *
ff_run_store_load_samples (FfRunStore *self, guint64 run_id, GError **error)
{
  g_autoptr (FfCachedStmt) stmt = NULL;
  g_autoptr (GArray) samples = g_array_new (FALSE, FALSE, sizeof (FfRunSample));
  gint rc;

  g_return_val_if_fail (FF_IS_RUN_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  stmt = get_stmt (self, STMT_SELECT_SAMPLES, error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, run_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      FfRunSample sample = {
        .time = sqlite3_column_int64 (stmt, 0),
        .cpu_percent = sqlite3_column_double (stmt, 1),
        .memory_bytes = (guint64) sqlite3_column_int64 (stmt, 2),
      };
      g_array_append_val (samples, sample);
    }
  if (rc != SQLITE_DONE)
    {
      set_sqlite_error (self, rc, error);
      return NULL;
    }
  return g_steal_pointer (&samples);
}

/**
 * ff_run_store_list_expired:
 * @finished_before: µs since the epoch; 0 for no limit by age
 * @keep: how many of the newest runs stay whatever their age; 0 for all
 *
 * Returns: (element-type guint64): the finished runs to forget, oldest first
 */
GArray *
ff_run_store_list_expired (FfRunStore *self, gint64 finished_before, guint keep, GError **error)
{
  g_autoptr (FfCachedStmt) stmt = NULL;
  g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (guint64));
  gint rc;

  g_return_val_if_fail (FF_IS_RUN_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  stmt = get_stmt (self, STMT_LIST_EXPIRED, error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, finished_before);
  sqlite3_bind_int64 (stmt, 2, keep > 0 ? (gint64) keep : -1);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      guint64 id = (guint64) sqlite3_column_int64 (stmt, 0);
      g_array_append_val (ids, id);
    }
  if (rc != SQLITE_DONE)
    {
      set_sqlite_error (self, rc, error);
      return NULL;
    }
  return g_steal_pointer (&ids);
}

/**
 * ff_run_store_load_schedule:
 * @anchor: (out): when the schedule was first seen, µs since the epoch
 * @last_fire: (out): when it last fired (or was last found due), µs
 *
 * Returns: %TRUE if the schedule @key is known; %FALSE without an error if
 *   it is not
 */
gboolean
ff_run_store_load_schedule (
    FfRunStore *self, const gchar *key, gint64 *anchor, gint64 *last_fire, GError **error)
{
  g_autoptr (FfCachedStmt) stmt = NULL;
  gint rc;

  g_return_val_if_fail (FF_IS_RUN_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  stmt = get_stmt (self, STMT_SELECT_SCHEDULE, error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      *anchor = sqlite3_column_int64 (stmt, 0);
      *last_fire = sqlite3_column_int64 (stmt, 1);
      return TRUE;
    }
  if (rc != SQLITE_DONE)
    set_sqlite_error (self, rc, error);
  return FALSE;
}

gboolean
ff_run_store_save_schedule (
    FfRunStore *self, const gchar *key, gint64 anchor, gint64 last_fire, GError **error)
{
  g_autoptr (FfCachedStmt) stmt = NULL;

  g_return_val_if_fail (FF_IS_RUN_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  stmt = get_stmt (self, STMT_UPSERT_SCHEDULE, error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, anchor);
  sqlite3_bind_int64 (stmt, 3, last_fire);
  return step_done (self, stmt, error);
}

guint
ff_run_store_get_commits (FfRunStore *self)
{
  g_return_val_if_fail (FF_IS_RUN_STORE (self), 0);
  return self->commits;
}

gboolean
ff_run_store_set_max_pages (FfRunStore *self, guint pages, GError **error)
{
  g_autofree gchar *sql = NULL;

  g_return_val_if_fail (FF_IS_RUN_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* a pragma takes no parameters; the number cannot carry SQL */
  sql = g_strdup_printf ("PRAGMA max_page_count = %u", pages);
  return exec_sql (self, sql, error);
}
