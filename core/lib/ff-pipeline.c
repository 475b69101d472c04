/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "ff-error.h"
#include "ff-pipeline-private.h"

/* The pipeline object: its folder, its entry, its fingerprint and its
 * getters. What pipeline.json says is read by ff-pipeline-parser.c. */

G_DEFINE_TYPE (FfPipeline, ff_pipeline, G_TYPE_OBJECT)

/* ---- names ---- */

gboolean
ff_pipeline_name_is_valid (const gchar *name)
{
  gsize len;

  if (name == NULL || name[0] == '\0' || name[0] == '.')
    return FALSE;
  len = strlen (name);
  if (len > 255)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    {
      if (!g_ascii_isalnum (name[i]) && name[i] != '_' && name[i] != '.' && name[i] != '-')
        return FALSE;
    }
  return TRUE;
}

static gboolean
has_regular_file (const gchar *dir, const gchar *name)
{
  g_autofree gchar *path = g_build_filename (dir, name, NULL);

  return g_file_test (path, G_FILE_TEST_IS_REGULAR);
}

/* A bad "command" is reported already; "no entry" would only repeat it. */
/* Fast-Flow runs main.ipynb, and only that, for "type": "notebook". */
static void
resolve_notebook_entry (FfPipeline *self, gboolean command_given)
{
  if (command_given)
    g_ptr_array_add (self->errors,
                     g_strdup_printf (_ ("%s: field “command”: a notebook pipeline runs its "
                                         "main.ipynb; remove “command” or “type”"),
                                      self->json_path));
  else if (has_regular_file (self->dir, "main.ipynb"))
    self->entry = ENTRY_NOTEBOOK;
  else
    g_ptr_array_add (self->errors,
                     g_strdup_printf (_ ("%s: no main.ipynb: a notebook pipeline (“type”: "
                                         "“notebook” in pipeline.json) runs the notebook "
                                         "main.ipynb of its folder"),
                                      self->dir));
}

static void
resolve_entry (FfPipeline *self, gboolean command_given)
{
  if (self->notebook)
    resolve_notebook_entry (self, command_given);
  else if (self->command != NULL)
    self->entry = ENTRY_COMMAND;
  else if (has_regular_file (self->dir, "main.py"))
    self->entry = ENTRY_MAIN_PY;
  else if (has_regular_file (self->dir, "main.sh"))
    self->entry = ENTRY_MAIN_SH;
  else if (!command_given)
    g_ptr_array_add (self->errors,
                     g_strdup_printf (_ ("%s: no entry: expected main.py, main.sh or a “command” "
                                         "in pipeline.json"),
                                      self->dir));
}

/* Fast-Flow also reads <name>.json when there is no pipeline.json. */
static gchar *
find_json_path (FfPipeline *self)
{
  g_autofree gchar *path = g_build_filename (self->dir, "pipeline.json", NULL);
  g_autofree gchar *named = NULL;
  g_autofree gchar *other = NULL;

  if (g_file_test (path, G_FILE_TEST_EXISTS))
    return g_steal_pointer (&path);
  named = g_strconcat (self->name, ".json", NULL);
  other = g_build_filename (self->dir, named, NULL);
  if (g_file_test (other, G_FILE_TEST_EXISTS))
    return g_steal_pointer (&other);
  return NULL;
}

static void
settings_init (FfPipeline *self)
{
  self->enabled = TRUE;
  self->timeout = -1;
  self->retry = ff_retry_strategy_new (FF_RETRY_STRATEGY_FIXED_DELAY);
  self->tags = g_new0 (gchar *, 1);
  self->default_env = ff_pipeline_env_new ();
  self->secrets = ff_pipeline_env_new ();
  self->secret_names = g_new0 (gchar *, 1);
  self->encrypted_env = ff_pipeline_env_new ();
  self->schedules = g_ptr_array_new_with_free_func ((GDestroyNotify) ff_schedule_free);
  self->downstream_triggers = g_ptr_array_new_with_free_func ((GDestroyNotify) ff_trigger_free);
  self->restart_cooldown = DEFAULT_RESTART_COOLDOWN;
}

static void
settings_clear (FfPipeline *self)
{
  g_clear_pointer (&self->description, g_free);
  g_clear_pointer (&self->tags, g_strfreev);
  g_clear_pointer (&self->secrets, g_hash_table_unref);
  g_clear_pointer (&self->secret_names, g_strfreev);
  g_clear_pointer (&self->encrypted_env, g_hash_table_unref);
  g_clear_pointer (&self->retry, ff_retry_strategy_free);
  g_clear_pointer (&self->default_env, g_hash_table_unref);
  g_clear_pointer (&self->schedule_cron, g_free);
  g_clear_pointer (&self->schedules, g_ptr_array_unref);
  g_clear_pointer (&self->downstream_triggers, g_ptr_array_unref);
  g_clear_pointer (&self->python_version, g_free);
  g_clear_pointer (&self->webhook_key, g_free);
  g_clear_pointer (&self->executor, g_free);
  g_clear_pointer (&self->image, g_free);
  g_clear_pointer (&self->network, g_free);
  g_clear_pointer (&self->command, g_strfreev);
  g_clear_pointer (&self->placement, g_strfreev);
  g_clear_pointer (&self->cells, g_free);
  self->notebook = FALSE;
  self->timeout = -1;
  self->retry_attempts = 0;
  self->cpu_hard_limit = self->cpu_soft_limit = 0;
  self->mem_hard_limit = self->mem_soft_limit = 0;
  self->schedule_interval_seconds = 0;
  self->schedule_start = self->schedule_end = self->run_once_at = 0;
  self->max_instances = 0;
  self->restart_on_crash = FALSE;
  self->entry = ENTRY_NONE;
}

static gchar *
compute_fingerprint (FfPipeline *self, GBytes *contents)
{
  g_autoptr (GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 entry = (guint8) self->entry;

  g_checksum_update (checksum, (const guchar *) self->dir, -1);
  g_checksum_update (checksum, (const guchar *) "", 1);
  if (self->json_path != NULL)
    g_checksum_update (checksum, (const guchar *) self->json_path, -1);
  g_checksum_update (checksum, (const guchar *) "", 1);
  if (contents != NULL)
    g_checksum_update (checksum, g_bytes_get_data (contents, NULL), g_bytes_get_size (contents));
  g_checksum_update (checksum, &entry, 1);
  /* Errors that come from the disk, not the contents. */
  for (guint i = 0; i + 1 < self->errors->len; i++)
    g_checksum_update (checksum, g_ptr_array_index (self->errors, i), -1);
  return g_strdup (g_checksum_get_string (checksum));
}

static void
ff_pipeline_load (FfPipeline *self)
{
  g_autoptr (GBytes) contents = NULL;
  gboolean command_given;

  self->json_path = find_json_path (self);
  contents = ff_pipeline_parse_json (self, &command_given);
  resolve_entry (self, command_given);

  g_ptr_array_add (self->errors, NULL);
  g_ptr_array_add (self->warnings, NULL);
  if (self->errors->len > 1)
    {
      self->error = g_strjoinv ("\n", (gchar **) self->errors->pdata);
      settings_clear (self);
      settings_init (self);
    }
  self->fingerprint = compute_fingerprint (self, contents);
}

FfPipeline *
ff_pipeline_new_from_dir (const gchar *dir, GError **error)
{
  g_autoptr (FfPipeline) self = NULL;
  g_autofree gchar *name = NULL;

  g_return_val_if_fail (dir != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  name = g_path_get_basename (dir);
  if (!ff_pipeline_name_is_valid (name))
    {
      g_set_error (error, FF_ERROR, FF_ERROR_INVALID_ARGUMENT,
                   _ ("“%s” is not a valid pipeline name: expected letters, digits, “_”, “.” and "
                      "“-”, not starting with a dot"),
                   name);
      return NULL;
    }
  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, FF_ERROR, FF_ERROR_INVALID_ARGUMENT,
                   _ ("The pipeline folder “%s” does not exist or is not a folder"), dir);
      return NULL;
    }
  self = g_object_new (FF_TYPE_PIPELINE, NULL);
  self->name = g_steal_pointer (&name);
  self->dir = g_canonicalize_filename (dir, NULL);
  ff_pipeline_load (self);
  return g_steal_pointer (&self);
}

static void
ff_pipeline_finalize (GObject *object)
{
  FfPipeline *self = FF_PIPELINE (object);

  settings_clear (self);
  g_free (self->name);
  g_free (self->dir);
  g_free (self->json_path);
  g_free (self->fingerprint);
  g_free (self->error);
  g_free (self->restart_interval);
  g_ptr_array_unref (self->errors);
  g_ptr_array_unref (self->warnings);
  G_OBJECT_CLASS (ff_pipeline_parent_class)->finalize (object);
}

static void
ff_pipeline_class_init (FfPipelineClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ff_pipeline_finalize;
}

static void
ff_pipeline_init (FfPipeline *self)
{
  self->errors = g_ptr_array_new_with_free_func (g_free);
  self->warnings = g_ptr_array_new_with_free_func (g_free);
  settings_init (self);
}

/* ---- getters ---- */

const gchar *
ff_pipeline_get_name (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), NULL);
  return self->name;
}

const gchar *
ff_pipeline_get_dir (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), NULL);
  return self->dir;
}

const gchar *
ff_pipeline_get_json_path (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), NULL);
  return self->json_path;
}

const gchar *
ff_pipeline_get_fingerprint (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), NULL);
  return self->fingerprint;
}

gboolean
ff_pipeline_is_broken (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), TRUE);
  return self->error != NULL;
}

const gchar *
ff_pipeline_get_error (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), NULL);
  return self->error;
}

/**
 * ff_pipeline_add_error:
 * @message: a sentence that names the pipeline's file and field
 *
 * Marks the pipeline broken for a reason only the set of all pipelines
 * shows, such as a cycle of downstream triggers.
 */
void
ff_pipeline_add_error (FfPipeline *self, const gchar *message)
{
  g_return_if_fail (FF_IS_PIPELINE (self));
  g_return_if_fail (message != NULL);

  /* before the terminating NULL */
  g_ptr_array_insert (self->errors, self->errors->len - 1, g_strdup (message));
  g_free (self->error);
  self->error = g_strjoinv ("\n", (gchar **) self->errors->pdata);
  self->added_errors = TRUE;
}

/* TRUE once ff_pipeline_add_error () was called: such an object reflects
 * the other pipelines too and must not stand for a later scan. */
gboolean
ff_pipeline_has_added_errors (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), FALSE);
  return self->added_errors;
}

const gchar *const *
ff_pipeline_get_errors (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), NULL);
  return (const gchar *const *) self->errors->pdata;
}

const gchar *const *
ff_pipeline_get_warnings (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), NULL);
  return (const gchar *const *) self->warnings->pdata;
}

const gchar *
ff_pipeline_get_description (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), NULL);
  return self->description;
}

const gchar *const *
ff_pipeline_get_tags (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), NULL);
  return (const gchar *const *) self->tags;
}

/**
 * ff_pipeline_get_secrets:
 *
 * Returns: (transfer none): the names of the variables whose values are
 *   never shown: not in the log, on D-Bus or in the run history
 */
const gchar *const *
ff_pipeline_get_secrets (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), NULL);
  return (const gchar *const *) self->secret_names;
}

/**
 * ff_pipeline_get_encrypted_env:
 *
 * Returns: (transfer none) (element-type utf8 utf8): pipeline.json's
 *   encrypted_env: variable name → Fernet token (the values are secrets,
 *   see ff_pipeline_get_secrets(); fastflowd decrypts them for each run)
 */
GHashTable *
ff_pipeline_get_encrypted_env (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), NULL);
  return self->encrypted_env;
}

gboolean
ff_pipeline_get_enabled (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), FALSE);
  return self->enabled;
}

gint64
ff_pipeline_get_timeout (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), -1);
  return self->timeout;
}

guint
ff_pipeline_get_retry_attempts (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), 0);
  return (guint) self->retry_attempts;
}

const FfRetryStrategy *
ff_pipeline_get_retry (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), NULL);
  return self->retry;
}

gdouble
ff_pipeline_get_retry_delay (FfPipeline *self, guint retry)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), 0);
  return ff_retry_strategy_get_delay (self->retry, retry);
}

FfRetryStrategyKind
ff_pipeline_get_retry_strategy (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), FF_RETRY_STRATEGY_FIXED_DELAY);
  return self->retry->kind;
}

gdouble
ff_pipeline_get_retry_initial_delay (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), 0);
  return self->retry->initial_delay;
}

gdouble
ff_pipeline_get_retry_max_delay (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), 0);
  return self->retry->max_delay;
}

gdouble
ff_pipeline_get_retry_multiplier (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), 0);
  return self->retry->multiplier;
}

/**
 * ff_pipeline_get_retry_custom_delays:
 *
 * Returns: (transfer none) (nullable) (element-type gdouble): seconds
 */
GArray *
ff_pipeline_get_retry_custom_delays (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), NULL);
  return self->retry->custom_delays;
}

gdouble
ff_pipeline_get_cpu_hard_limit (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), 0);
  return self->cpu_hard_limit;
}

guint64
ff_pipeline_get_mem_hard_limit (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), 0);
  return self->mem_hard_limit;
}

gdouble
ff_pipeline_get_cpu_soft_limit (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), 0);
  return self->cpu_soft_limit;
}

guint64
ff_pipeline_get_mem_soft_limit (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), 0);
  return self->mem_soft_limit;
}

/**
 * ff_pipeline_get_default_env:
 *
 * Returns: (transfer none) (element-type utf8 utf8): `default_env`
 */
GHashTable *
ff_pipeline_get_default_env (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), NULL);
  return self->default_env;
}

const gchar *
ff_pipeline_get_schedule_cron (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), NULL);
  return self->schedule_cron;
}

guint64
ff_pipeline_get_schedule_interval_seconds (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), 0);
  return self->schedule_interval_seconds;
}

gint64
ff_pipeline_get_schedule_start (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), 0);
  return self->schedule_start;
}

gint64
ff_pipeline_get_schedule_end (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), 0);
  return self->schedule_end;
}

gint64
ff_pipeline_get_run_once_at (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), 0);
  return self->run_once_at;
}

/**
 * ff_pipeline_get_schedules:
 *
 * Returns: (transfer none) (element-type FfSchedule): `schedules[]`
 */
GPtrArray *
ff_pipeline_get_schedules (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), NULL);
  return self->schedules;
}

const FfSchedule *
ff_pipeline_lookup_schedule (FfPipeline *self, const gchar *id)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);

  for (guint i = 0; i < self->schedules->len; i++)
    {
      FfSchedule *schedule = g_ptr_array_index (self->schedules, i);

      if (g_strcmp0 (schedule->id, id) == 0)
        return schedule;
    }
  return NULL;
}

guint
ff_pipeline_get_max_instances (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), 0);
  return self->max_instances;
}

/**
 * ff_pipeline_get_downstream_triggers:
 *
 * Returns: (transfer none) (element-type FfTrigger): `downstream_triggers`
 */
GPtrArray *
ff_pipeline_get_downstream_triggers (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), NULL);
  return self->downstream_triggers;
}

gboolean
ff_pipeline_get_restart_on_crash (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), FALSE);
  return self->restart_on_crash;
}

/* (nullable) a cron expression: when a long-running run is restarted */
const gchar *
ff_pipeline_get_restart_interval (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), NULL);
  return self->restart_interval;
}

guint64
ff_pipeline_get_restart_interval_seconds (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), 0);
  return self->restart_interval_seconds;
}

guint
ff_pipeline_get_restart_cooldown (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), 0);
  return self->restart_cooldown;
}

const gchar *
ff_pipeline_get_python_version (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), NULL);
  return self->python_version;
}

const gchar *
ff_pipeline_get_webhook_key (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), NULL);
  return self->webhook_key;
}

const gchar *
ff_pipeline_get_executor (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), NULL);
  return self->executor;
}

const gchar *
ff_pipeline_get_image (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), NULL);
  return self->image;
}

const gchar *
ff_pipeline_get_network (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), NULL);
  return self->network;
}

const gchar *const *
ff_pipeline_get_command (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), NULL);
  return (const gchar *const *) self->command;
}

/**
 * ff_pipeline_get_placement:
 *
 * Returns: (nullable) (array zero-terminated=1): the swarm placement
 *   constraints of `placement`, e.g. "node.role==manager"
 */
const gchar *const *
ff_pipeline_get_placement (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), NULL);
  return (const gchar *const *) self->placement;
}

/* "type": "notebook": the entry is main.ipynb, run by fastflow's notebook
 * runner (see ff_pipeline_dup_entry_argv()) */
gboolean
ff_pipeline_is_notebook (FfPipeline *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), FALSE);
  return self->notebook;
}

/**
 * ff_pipeline_dup_entry_argv:
 * @python: the interpreter for main.py
 *
 * Returns: (transfer full) (array zero-terminated=1): what to run
 */
gchar **
ff_pipeline_dup_entry_argv (FfPipeline *self, const gchar *python, GError **error)
{
  g_return_val_if_fail (FF_IS_PIPELINE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (python == NULL || python[0] == '\0')
    python = "python3";
  switch (self->entry)
    {
    case ENTRY_COMMAND:
      return g_strdupv (self->command);
    case ENTRY_MAIN_PY:
      return g_strdupv ((gchar *[]){ (gchar *) python, (gchar *) "main.py", NULL });
    case ENTRY_MAIN_SH:
      return g_strdupv ((gchar *[]){ (gchar *) "sh", (gchar *) "main.sh", NULL });
    case ENTRY_NOTEBOOK:
      return g_strdupv ((gchar *[]){ (gchar *) python, (gchar *) "main.ipynb", (gchar *) "--cells",
                                     self->cells != NULL ? self->cells : (gchar *) "", NULL });
    case ENTRY_NONE:
    default:
      g_set_error (error, FF_ERROR, FF_ERROR_BROKEN_PIPELINE,
                   _ ("The pipeline “%s” cannot run: %s"), self->name,
                   self->error != NULL ? self->error : _ ("it has no entry"));
      return NULL;
    }
}
