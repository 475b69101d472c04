/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The SQL of FfRunStore: its statements and its schema's migrations. */

/* The statements the store uses, prepared once and kept for its lifetime. */
typedef enum
{
  STMT_USER_VERSION,
  STMT_INSERT_RUN,
  STMT_UPDATE_RUN,
  STMT_UPSERT_ATTEMPT,
  STMT_SELECT_RUN,
  STMT_SELECT_UNFINISHED,
  STMT_LIST_ALL,
  STMT_LIST_BY_PIPELINE,
  STMT_LIST_BY_STATE,
  STMT_LAST_STATE,
  STMT_DELETE_RUN,
  STMT_INSERT_SAMPLE,
  STMT_SELECT_SAMPLES,
  STMT_SELECT_SCHEDULE,
  STMT_UPSERT_SCHEDULE,
  STMT_LIST_EXPIRED,
  STMT_LIST_PAGE,
  N_STMTS
} FfRunStoreStmt;

/* The columns run_from_row() reads, in this order. */
#define RUN_COLUMNS                                                                                \
  "id, pipeline, state, reason, exit_code, message, executor, attempt, max_attempts, "             \
  "triggered_by, run_config, route, env, created_at, started_at, finished_at, cpu_percent, "       \
  "memory_peak_bytes, soft_limit_exceeded, metrics_message"

extern const gchar *const ff_run_store_stmt_sql[N_STMTS];

/* Entry N brings the database from user_version N to N + 1. */
extern const gchar *const ff_run_store_migrations[];
extern const guint ff_run_store_n_migrations;

G_END_DECLS
