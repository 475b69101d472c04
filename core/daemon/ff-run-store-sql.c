/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "ff-run-store-sql.h"

const gchar *const ff_run_store_stmt_sql[N_STMTS] = {
  [STMT_USER_VERSION] = "PRAGMA user_version",
  /* ?1 is NULL: SQLite gives out the next id */
  [STMT_INSERT_RUN] =
      "INSERT INTO runs (id, pipeline, state, reason, exit_code, message, executor, "
      "attempt, max_attempts, triggered_by, run_config, route, env, created_at, "
      "started_at, finished_at, cpu_percent, memory_peak_bytes, "
      "soft_limit_exceeded, metrics_message) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
      "?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)",
  [STMT_UPDATE_RUN] = "UPDATE runs SET pipeline = ?2, state = ?3, reason = ?4, exit_code = ?5, "
                      "message = ?6, executor = ?7, attempt = ?8, max_attempts = ?9, "
                      "triggered_by = ?10, run_config = ?11, route = ?12, env = ?13, "
                      "created_at = ?14, started_at = ?15, finished_at = ?16, "
                      "cpu_percent = ?17, memory_peak_bytes = ?18, soft_limit_exceeded = ?19, "
                      "metrics_message = ?20 "
                      "WHERE id = ?1",
  [STMT_UPSERT_ATTEMPT] =
      "INSERT INTO attempts (run_id, attempt, started_at, finished_at, state, reason, "
      "exit_code, message) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
      "ON CONFLICT (run_id, attempt) DO UPDATE SET started_at = excluded.started_at, "
      "finished_at = excluded.finished_at, state = excluded.state, reason = excluded.reason, "
      "exit_code = excluded.exit_code, message = excluded.message",
  [STMT_SELECT_RUN] = "SELECT " RUN_COLUMNS " FROM runs WHERE id = ?1",
  [STMT_SELECT_UNFINISHED] = "SELECT " RUN_COLUMNS " FROM runs "
                             "WHERE state IN ('queued', 'starting', 'running') ORDER BY id",
  [STMT_LIST_ALL] = "SELECT id FROM runs ORDER BY id DESC LIMIT ?1",
  /* one statement per filter shape, so each can walk its index */
  [STMT_LIST_BY_PIPELINE] = "SELECT id FROM runs WHERE pipeline = ?1 "
                            "AND (?2 IS NULL OR state = ?2) ORDER BY id DESC LIMIT ?3",
  [STMT_LIST_BY_STATE] = "SELECT id FROM runs WHERE state = ?1 ORDER BY id DESC LIMIT ?2",
  [STMT_LAST_STATE] = "SELECT state FROM runs WHERE pipeline = ?1 ORDER BY id DESC LIMIT 1",
  [STMT_DELETE_RUN] = "DELETE FROM runs WHERE id = ?1",
  [STMT_INSERT_SAMPLE] = "INSERT INTO samples (run_id, time, cpu_percent, memory_bytes) "
                         "VALUES (?1, ?2, ?3, ?4)",
  [STMT_SELECT_SAMPLES] = "SELECT time, cpu_percent, memory_bytes FROM samples "
                          "WHERE run_id = ?1 ORDER BY time",
  [STMT_SELECT_SCHEDULE] = "SELECT anchor, last_fire FROM schedules WHERE key = ?1",
  /* finished runs that ended before ?1 (0: none by age) or are beyond the
   * ?2 newest (-1: none by count) */
  [STMT_LIST_EXPIRED] = "SELECT id FROM runs WHERE state IN ('succeeded', 'failed', 'cancelled', "
                        "'timed-out') AND ((?1 > 0 AND finished_at < ?1) OR id NOT IN "
                        "(SELECT id FROM runs ORDER BY id DESC LIMIT ?2)) ORDER BY id",
  [STMT_UPSERT_SCHEDULE] = "INSERT INTO schedules (key, anchor, last_fire) VALUES (?1, ?2, ?3) "
                           "ON CONFLICT (key) DO UPDATE SET anchor = excluded.anchor, "
                           "last_fire = excluded.last_fire",
  /* ListRunsPage: whole rows, older than ?3, newest first */
  [STMT_LIST_PAGE] = "SELECT " RUN_COLUMNS " FROM runs WHERE (?1 IS NULL OR pipeline = ?1) "
                     "AND (?2 IS NULL OR state = ?2) AND id < ?3 ORDER BY id DESC LIMIT ?4",
};

/* Schema migrations; entry N brings the database from user_version N to N + 1.
 * Append only: a released entry never changes. */
const gchar *const ff_run_store_migrations[] = {
  /* 1: runs and their attempts; AUTOINCREMENT so a deleted id never comes back */
  "CREATE TABLE runs ("
  "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  pipeline TEXT NOT NULL,"
  "  state TEXT NOT NULL,"
  "  reason TEXT NOT NULL DEFAULT '',"
  "  exit_code INTEGER NOT NULL DEFAULT -1,"
  "  message TEXT,"
  "  executor TEXT,"
  "  attempt INTEGER NOT NULL DEFAULT 1,"
  "  max_attempts INTEGER NOT NULL DEFAULT 1,"
  "  triggered_by TEXT,"
  "  run_config TEXT,"
  "  route TEXT,"
  "  env TEXT NOT NULL DEFAULT '{}',"
  "  created_at INTEGER NOT NULL,"
  "  started_at INTEGER NOT NULL DEFAULT 0,"
  "  finished_at INTEGER NOT NULL DEFAULT 0,"
  "  cpu_percent REAL NOT NULL DEFAULT 0,"
  "  memory_peak_bytes INTEGER NOT NULL DEFAULT 0,"
  "  soft_limit_exceeded INTEGER NOT NULL DEFAULT 0"
  ");"
  "CREATE TABLE attempts ("
  "  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,"
  "  attempt INTEGER NOT NULL,"
  "  started_at INTEGER NOT NULL DEFAULT 0,"
  "  finished_at INTEGER NOT NULL DEFAULT 0,"
  "  state TEXT NOT NULL,"
  "  reason TEXT NOT NULL DEFAULT '',"
  "  exit_code INTEGER NOT NULL DEFAULT -1,"
  "  message TEXT,"
  "  PRIMARY KEY (run_id, attempt)"
  ");"
  "CREATE INDEX runs_pipeline_id ON runs (pipeline, id);"
  "CREATE INDEX runs_state ON runs (state);",
  /* 2: resource samples of each run, and why a run could not be measured */
  "ALTER TABLE runs ADD COLUMN metrics_message TEXT;"
  "CREATE TABLE samples ("
  "  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,"
  "  time INTEGER NOT NULL,"
  "  cpu_percent REAL NOT NULL,"
  "  memory_bytes INTEGER NOT NULL"
  ");"
  "CREATE INDEX samples_run_time ON samples (run_id, time);",
  /* 3: where each schedule stands, so that a restart fires nothing twice */
  "CREATE TABLE schedules ("
  "  key TEXT PRIMARY KEY,"
  "  anchor INTEGER NOT NULL,"
  "  last_fire INTEGER NOT NULL"
  ");",
};

const guint ff_run_store_n_migrations = G_N_ELEMENTS (ff_run_store_migrations);
