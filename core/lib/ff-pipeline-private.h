/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What the files of FfPipeline share: the object's fields and the
 * defaults of pipeline.json. Not installed. */

#include "ff-pipeline.h"

G_BEGIN_DECLS

#define DEFAULT_RESTART_COOLDOWN 60

typedef enum
{
  ENTRY_NONE,
  ENTRY_COMMAND,
  ENTRY_MAIN_PY,
  ENTRY_MAIN_SH,
  ENTRY_NOTEBOOK,
} EntryKind;

struct _FfPipeline
{
  GObject parent_instance;
  gchar *name;
  gchar *dir;
  gchar *json_path;
  gchar *fingerprint;
  GPtrArray *errors;   /* NULL-terminated */
  GPtrArray *warnings; /* NULL-terminated */
  gchar *error;
  gboolean added_errors; /* found across pipelines, not in its own files */
  EntryKind entry;

  /* pipeline.json */
  gchar *description;
  GStrv tags;
  gboolean enabled;
  gint64 timeout;
  gint retry_attempts;
  FfRetryStrategy *retry;
  gdouble cpu_hard_limit;
  guint64 mem_hard_limit;
  gdouble cpu_soft_limit;
  guint64 mem_soft_limit;
  GHashTable *default_env;
  GHashTable *secrets; /* name → value, or NULL when set elsewhere */
  GStrv secret_names;
  GHashTable *encrypted_env; /* name → Fernet token */
  gchar *schedule_cron;
  guint64 schedule_interval_seconds;
  gint64 schedule_start;
  gint64 schedule_end;
  gint64 run_once_at;
  GPtrArray *schedules;
  guint max_instances;
  GPtrArray *downstream_triggers;
  gboolean restart_on_crash;
  guint restart_cooldown;
  gchar *restart_interval;
  guint64 restart_interval_seconds; /* Fast-Flow's other form; 0 = none */
  gchar *python_version;
  gchar *webhook_key;
  gchar *executor;
  gchar *image;
  gchar *network;
  GStrv command;
  GStrv placement;
  gboolean notebook; /* "type": "notebook" */
  gchar *cells;      /* cells[] as "R:D,R:D" (retries:delay_seconds) */
};

/* name → value, both owned: default_env and its kin */
static inline GHashTable *
ff_pipeline_env_new (void)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

G_GNUC_INTERNAL FfRetryStrategy *ff_retry_strategy_new (FfRetryStrategyKind kind);
G_GNUC_INTERNAL FfTrigger *ff_trigger_new (void);
G_GNUC_INTERNAL FfSchedule *ff_schedule_new (void);

/* Reads @self's json_path, if it has one, into its settings; what is
 * wrong joins its errors and warnings. Returns: (nullable): the bytes
 * read, which the fingerprint covers. Sets @command_given when
 * pipeline.json has a non-null "command", right or wrong. */
G_GNUC_INTERNAL GBytes *ff_pipeline_parse_json (FfPipeline *self, gboolean *command_given);

G_END_DECLS
