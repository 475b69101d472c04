/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include <errno.h>
#include <glib/gstdio.h>

#include "ff-encrypted-env.h"
#include "ff-journal.h"
#include "ff-pipeline-registry.h"

/* Editors save in bursts (temporary file, rename, chmod); one scan after
 * the burst is enough. A pipeline that keeps writing still gets scanned
 * at least every RESCAN_MAX_WAIT_MS. */
#define RESCAN_DELAY_MS 200
#define RESCAN_MAX_WAIT_MS 2000

struct _FfPipelineRegistry
{
  GObject parent_instance;
  gchar *dir;
  GPtrArray *pipelines; /* FfPipeline, sorted by name */
  GHashTable *by_name;  /* name → FfPipeline (in pipelines) */
  GHashTable *warned;   /* names of skipped folders already reported */
  gchar *last_error;
  GStrv allowed_executors;  /* NULL: any */
  FfFernet *encryption_key; /* NULL: none, or key_problem says why not */
  gchar *key_problem;
  gboolean key_changed; /* since the last scan: encrypted_env is checked again */
  gboolean watching;
  GFileMonitor *dir_monitor;
  GHashTable *monitors; /* pipeline name → GFileMonitor on its folder */
  guint rescan_id;
  gint64 first_event_time;
};

enum
{
  SIGNAL_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_TYPE (FfPipelineRegistry, ff_pipeline_registry, G_TYPE_OBJECT)

static void
monitor_free (gpointer data)
{
  GFileMonitor *monitor = data;

  /* A cancelled monitor emits nothing more, also not what is queued. */
  g_file_monitor_cancel (monitor);
  g_object_unref (monitor);
}

static gint
compare_names (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const gchar *const *) a, *(const gchar *const *) b);
}

static gboolean
list_names (FfPipelineRegistry *self, GPtrArray *names, GError **error)
{
  g_autoptr (GDir) dir = g_dir_open (self->dir, 0, error);
  const gchar *name;

  if (dir == NULL)
    {
      g_prefix_error (error, _ ("The pipelines folder cannot be read: "));
      return FALSE;
    }
  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  return TRUE;
}

/* Folders only; hidden ones (.git) silently, badly named ones with one
 * warning each. */
static FfPipeline *
load_entry (FfPipelineRegistry *self, const gchar *name)
{
  g_autofree gchar *path = NULL;
  g_autoptr (GError) error = NULL;
  FfPipeline *pipeline;

  if (name[0] == '.')
    return NULL;
  path = g_build_filename (self->dir, name, NULL);
  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    return NULL;
  if (!ff_pipeline_name_is_valid (name))
    {
      if (g_hash_table_add (self->warned, g_strdup (name)))
        g_warning (_ ("The folder “%s” is skipped: a pipeline name has only letters, digits, "
                      "“_”, “.” and “-” and does not start with a dot"),
                   path);
      return NULL;
    }
  pipeline = ff_pipeline_new_from_dir (path, &error);
  /* The folder went away between listing and reading. */
  if (pipeline == NULL)
    g_debug ("%s", error->message);
  return pipeline;
}

/* Keeps the old object where nothing changed, so that holders of a
 * pipeline see the same one across scans. */
static FfPipeline *
reuse (FfPipelineRegistry *self, FfPipeline *fresh)
{
  FfPipeline *old = g_hash_table_lookup (self->by_name, ff_pipeline_get_name (fresh));

  if (self->key_changed && ff_encrypted_env_is_used (fresh))
    return g_object_ref (fresh);
  if (old != NULL && !ff_pipeline_has_added_errors (old) &&
      g_strcmp0 (ff_pipeline_get_fingerprint (old), ff_pipeline_get_fingerprint (fresh)) == 0)
    return g_object_ref (old);
  return g_object_ref (fresh);
}

static void
mark_cycle (GPtrArray *stack, FfPipeline *target)
{
  g_autoptr (GString) path = g_string_new (NULL);
  guint from = 0;

  while (from < stack->len && g_ptr_array_index (stack, from) != target)
    from++;
  for (guint i = from; i < stack->len; i++)
    g_string_append_printf (path, "%s → ", ff_pipeline_get_name (g_ptr_array_index (stack, i)));
  g_string_append (path, ff_pipeline_get_name (target));
  for (guint i = from; i < stack->len; i++)
    {
      FfPipeline *pipeline = g_ptr_array_index (stack, i);
      g_autofree gchar *json =
          g_build_filename (ff_pipeline_get_dir (pipeline), "pipeline.json", NULL);
      g_autofree gchar *message = g_strdup_printf (
          _ ("%s: field “downstream_triggers”: the triggers form a cycle (%s), so one run would "
             "start the next without end"),
          json, path->str);

      ff_pipeline_add_error (pipeline, message);
    }
}

/* Depth-first along downstream_triggers; @stack holds the path walked. */
static void
find_cycles (GHashTable *by_name, GHashTable *colour, GPtrArray *stack, FfPipeline *pipeline)
{
  GPtrArray *triggers = ff_pipeline_get_downstream_triggers (pipeline);
  const gchar *name = ff_pipeline_get_name (pipeline);

  g_hash_table_insert (colour, (gpointer) name, GINT_TO_POINTER (1));
  g_ptr_array_add (stack, pipeline);
  for (guint i = 0; triggers != NULL && i < triggers->len; i++)
    {
      FfTrigger *trigger = g_ptr_array_index (triggers, i);
      FfPipeline *target = g_hash_table_lookup (by_name, trigger->pipeline);
      gint state;

      if (target == NULL)
        continue;
      state = GPOINTER_TO_INT (g_hash_table_lookup (colour, trigger->pipeline));
      if (state == 0)
        find_cycles (by_name, colour, stack, target);
      else if (state == 1)
        mark_cycle (stack, target);
    }
  g_ptr_array_remove_index (stack, stack->len - 1);
  g_hash_table_insert (colour, (gpointer) name, GINT_TO_POINTER (2));
}

/* A run that triggers itself, directly or through others, would never
 * end: every pipeline on such a cycle is broken, with the cycle named. */
static void
mark_trigger_cycles (GPtrArray *pipelines)
{
  g_autoptr (GHashTable) by_name = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GHashTable) colour = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GPtrArray) stack = g_ptr_array_new ();

  for (guint i = 0; i < pipelines->len; i++)
    {
      FfPipeline *pipeline = g_ptr_array_index (pipelines, i);
      if (!ff_pipeline_is_broken (pipeline))
        g_hash_table_insert (by_name, (gpointer) ff_pipeline_get_name (pipeline), pipeline);
    }
  for (guint i = 0; i < pipelines->len; i++)
    {
      FfPipeline *pipeline = g_ptr_array_index (pipelines, i);
      if (g_hash_table_contains (by_name, ff_pipeline_get_name (pipeline)) &&
          !g_hash_table_contains (colour, ff_pipeline_get_name (pipeline)))
        find_cycles (by_name, colour, stack, pipeline);
    }
}

/* An executor the operator did not allow is not the author's to choose:
 * such a pipeline is broken, with the setting named. */
static void
mark_forbidden_executors (FfPipelineRegistry *self, GPtrArray *pipelines)
{
  g_autofree gchar *allowed = NULL;

  if (self->allowed_executors == NULL)
    return;
  allowed = g_strjoinv (";", self->allowed_executors);
  for (guint i = 0; i < pipelines->len; i++)
    {
      FfPipeline *pipeline = g_ptr_array_index (pipelines, i);
      const gchar *executor = ff_pipeline_get_executor (pipeline);
      g_autofree gchar *json = NULL;
      g_autofree gchar *message = NULL;

      if (ff_pipeline_is_broken (pipeline) || executor == NULL ||
          g_strv_contains ((const gchar *const *) self->allowed_executors, executor))
        continue;
      json = g_build_filename (ff_pipeline_get_dir (pipeline), "pipeline.json", NULL);
      message = g_strdup_printf (_ ("%s: field “executor”: the executor “%s” is not allowed on "
                                    "this machine ([daemon] allowed_executors in fastflow.conf "
                                    "is %s)"),
                                 json, executor, allowed);
      ff_pipeline_add_error (pipeline, message);
    }
}

/* A token that does not decrypt (or no key) is the operator's to fix or
 * the author's: either way the run would miss a variable, so it does not
 * start. */
static void
mark_undecryptable (FfPipelineRegistry *self, GPtrArray *pipelines)
{
  for (guint i = 0; i < pipelines->len; i++)
    {
      FfPipeline *pipeline = g_ptr_array_index (pipelines, i);

      if (!ff_pipeline_is_broken (pipeline) && ff_encrypted_env_is_used (pipeline))
        ff_encrypted_env_check (pipeline, self->encryption_key, self->key_problem);
    }
  self->key_changed = FALSE;
}

static gboolean
same_list (GPtrArray *a, GPtrArray *b)
{
  if (a->len != b->len)
    return FALSE;
  for (guint i = 0; i < a->len; i++)
    {
      if (g_ptr_array_index (a, i) != g_ptr_array_index (b, i))
        return FALSE;
    }
  return TRUE;
}

static void sync_monitors (FfPipelineRegistry *self);

/* A pipeline new or changed since the last scan has its warnings logged,
 * once: an unchanged one is the same object (see reuse ()). */
static void
log_new_warnings (FfPipelineRegistry *self, GPtrArray *pipelines)
{
  for (guint i = 0; i < pipelines->len; i++)
    {
      FfPipeline *pipeline = g_ptr_array_index (pipelines, i);
      const gchar *const *warnings = ff_pipeline_get_warnings (pipeline);

      if (g_hash_table_lookup (self->by_name, ff_pipeline_get_name (pipeline)) == pipeline)
        continue;
      for (guint j = 0; warnings != NULL && warnings[j] != NULL; j++)
        ff_journal_pipeline_warning (ff_pipeline_get_name (pipeline), warnings[j]);
    }
}

static void
replace_pipelines (FfPipelineRegistry *self, GPtrArray *pipelines)
{
  if (same_list (self->pipelines, pipelines))
    return;
  g_ptr_array_unref (self->pipelines);
  self->pipelines = g_ptr_array_ref (pipelines);
  g_hash_table_remove_all (self->by_name);
  for (guint i = 0; i < pipelines->len; i++)
    {
      FfPipeline *pipeline = g_ptr_array_index (pipelines, i);
      g_hash_table_insert (self->by_name, (gpointer) ff_pipeline_get_name (pipeline), pipeline);
    }
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

gboolean
ff_pipeline_registry_reload (FfPipelineRegistry *self, GError **error)
{
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) pipelines = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (GError) local_error = NULL;
  gboolean ok;

  g_return_val_if_fail (FF_IS_PIPELINE_REGISTRY (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  ok = list_names (self, names, &local_error);
  for (guint i = 0; i < names->len; i++)
    {
      g_autoptr (FfPipeline) fresh = load_entry (self, g_ptr_array_index (names, i));

      if (fresh != NULL)
        g_ptr_array_add (pipelines, reuse (self, fresh));
    }
  mark_trigger_cycles (pipelines);
  mark_forbidden_executors (self, pipelines);
  mark_undecryptable (self, pipelines);
  log_new_warnings (self, pipelines);
  replace_pipelines (self, pipelines);
  if (self->watching)
    sync_monitors (self);
  g_free (self->last_error);
  self->last_error = local_error != NULL ? g_strdup (local_error->message) : NULL;
  if (!ok)
    g_propagate_error (error, g_steal_pointer (&local_error));
  return ok;
}

static gboolean
on_rescan_timeout (gpointer user_data)
{
  FfPipelineRegistry *self = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *previous = g_strdup (self->last_error);

  self->rescan_id = 0;
  /* Report a folder that went away once, not on every scan. */
  if (!ff_pipeline_registry_reload (self, &error) && g_strcmp0 (previous, error->message) != 0)
    g_warning ("%s", error->message);
  return G_SOURCE_REMOVE;
}

static void
schedule_rescan (FfPipelineRegistry *self)
{
  gint64 now = g_get_monotonic_time ();

  if (self->rescan_id != 0)
    {
      if (now - self->first_event_time >= RESCAN_MAX_WAIT_MS * G_TIME_SPAN_MILLISECOND)
        return;
      g_source_remove (self->rescan_id);
    }
  else
    {
      self->first_event_time = now;
    }
  self->rescan_id = g_timeout_add (RESCAN_DELAY_MS, on_rescan_timeout, self);
}

/* Only what the pipeline is parsed from counts; a run writing output into
 * its folder does not. */
static gboolean
is_definition_file (GFile *file, const gchar *pipeline_name)
{
  g_autofree gchar *basename = NULL;
  g_autofree gchar *named_json = NULL;

  if (file == NULL)
    return FALSE;
  basename = g_file_get_basename (file);
  named_json = g_strconcat (pipeline_name, ".json", NULL);
  return g_strcmp0 (basename, "pipeline.json") == 0 || g_strcmp0 (basename, "main.py") == 0 ||
         g_strcmp0 (basename, "main.sh") == 0 || g_strcmp0 (basename, named_json) == 0;
}

static void
on_pipeline_changed (
    GFileMonitor *monitor, GFile *file, GFile *other, GFileMonitorEvent event, gpointer user_data)
{
  FfPipelineRegistry *self = FF_PIPELINE_REGISTRY (user_data);
  const gchar *name = g_object_get_data (G_OBJECT (monitor), "ff-pipeline-name");

  if (is_definition_file (file, name) || is_definition_file (other, name))
    schedule_rescan (self);
}

static void
forget_child_monitor (FfPipelineRegistry *self, GFile *child)
{
  g_autofree gchar *basename = NULL;

  if (child == NULL)
    return;
  basename = g_file_get_basename (child);
  g_hash_table_remove (self->monitors, basename);
}

static void
on_dir_changed (
    GFileMonitor *monitor, GFile *file, GFile *other, GFileMonitorEvent event, gpointer user_data)
{
  FfPipelineRegistry *self = FF_PIPELINE_REGISTRY (user_data);

  /* A folder replaced under the same name needs a new monitor; the old
   * one watches what was deleted. */
  if (event != G_FILE_MONITOR_EVENT_CHANGED && event != G_FILE_MONITOR_EVENT_CHANGES_DONE_HINT &&
      event != G_FILE_MONITOR_EVENT_ATTRIBUTE_CHANGED)
    {
      forget_child_monitor (self, file);
      forget_child_monitor (self, other);
    }
  schedule_rescan (self);
}

static GFileMonitor *
monitor_folder (FfPipelineRegistry *self, const gchar *path, GCallback callback)
{
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (GError) error = NULL;
  GFileMonitor *monitor;

  monitor = g_file_monitor_directory (file, G_FILE_MONITOR_WATCH_MOVES, NULL, &error);
  if (monitor == NULL)
    {
      g_warning (_ ("Changes in “%s” will not be noticed: %s"), path, error->message);
      return NULL;
    }
  g_signal_connect (monitor, "changed", callback, self);
  return monitor;
}

static void
sync_monitors (FfPipelineRegistry *self)
{
  g_autoptr (GHashTable) wanted = g_hash_table_new (g_str_hash, g_str_equal);
  GHashTableIter iter;
  gpointer key;

  for (guint i = 0; i < self->pipelines->len; i++)
    {
      FfPipeline *pipeline = g_ptr_array_index (self->pipelines, i);
      const gchar *name = ff_pipeline_get_name (pipeline);
      GFileMonitor *monitor;

      g_hash_table_add (wanted, (gpointer) name);
      if (g_hash_table_contains (self->monitors, name))
        continue;
      monitor =
          monitor_folder (self, ff_pipeline_get_dir (pipeline), G_CALLBACK (on_pipeline_changed));
      if (monitor == NULL)
        continue;
      g_object_set_data_full (G_OBJECT (monitor), "ff-pipeline-name", g_strdup (name), g_free);
      g_hash_table_insert (self->monitors, g_strdup (name), monitor);
    }
  g_hash_table_iter_init (&iter, self->monitors);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      if (!g_hash_table_contains (wanted, key))
        g_hash_table_iter_remove (&iter);
    }
}

/* A folder made later would be noticed late or not at all (GLib's inotify
 * backend looks for missing folders now and then, others never): the
 * daemon makes it at start, so that the first pipeline put there counts. */
void
ff_pipeline_registry_make_dir (FfPipelineRegistry *self)
{
  g_return_if_fail (FF_IS_PIPELINE_REGISTRY (self));
  if (g_mkdir_with_parents (self->dir, 0755) != 0)
    g_warning (_ ("The pipelines folder %s cannot be made: %s"), self->dir, g_strerror (errno));
}

void
ff_pipeline_registry_watch (FfPipelineRegistry *self)
{
  g_return_if_fail (FF_IS_PIPELINE_REGISTRY (self));

  if (self->watching)
    return;
  self->watching = TRUE;
  /* GLib keeps watching a folder that does not exist yet and reports it
   * when it appears. */
  self->dir_monitor = monitor_folder (self, self->dir, G_CALLBACK (on_dir_changed));
  sync_monitors (self);
}

FfPipelineRegistry *
ff_pipeline_registry_new (const gchar *dir)
{
  FfPipelineRegistry *self;

  g_return_val_if_fail (dir != NULL, NULL);
  self = g_object_new (FF_TYPE_PIPELINE_REGISTRY, NULL);
  self->dir = g_canonicalize_filename (dir, NULL);
  return self;
}

/**
 * ff_pipeline_registry_set_allowed_executors:
 * @names: (nullable): the executors a pipeline may name; %NULL: any
 *
 * Takes effect with the next ff_pipeline_registry_reload().
 */
void
ff_pipeline_registry_set_allowed_executors (FfPipelineRegistry *self, const gchar *const *names)
{
  g_return_if_fail (FF_IS_PIPELINE_REGISTRY (self));
  g_strfreev (self->allowed_executors);
  self->allowed_executors = g_strdupv ((gchar **) names);
}

/**
 * ff_pipeline_registry_set_encryption_key:
 * @key: (nullable): the key of encrypted_env; %NULL: none
 * @problem: (nullable): with no key, why not (a key configured that
 *   cannot be read), for the pipelines' messages
 *
 * Takes effect with the next ff_pipeline_registry_reload(), which checks
 * again every pipeline with encrypted_env when the key changed.
 */
void
ff_pipeline_registry_set_encryption_key (FfPipelineRegistry *self,
                                         FfFernet *key,
                                         const gchar *problem)
{
  g_return_if_fail (FF_IS_PIPELINE_REGISTRY (self));
  if (!ff_fernet_equal (self->encryption_key, key) || g_strcmp0 (self->key_problem, problem) != 0)
    self->key_changed = TRUE;
  g_clear_pointer (&self->encryption_key, ff_fernet_unref);
  self->encryption_key = key != NULL ? ff_fernet_ref (key) : NULL;
  g_free (self->key_problem);
  self->key_problem = g_strdup (problem);
}

const gchar *
ff_pipeline_registry_get_dir (FfPipelineRegistry *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE_REGISTRY (self), NULL);
  return self->dir;
}

GPtrArray *
ff_pipeline_registry_list (FfPipelineRegistry *self)
{
  g_return_val_if_fail (FF_IS_PIPELINE_REGISTRY (self), NULL);
  return g_ptr_array_copy (self->pipelines, (GCopyFunc) (void (*) (void)) g_object_ref, NULL);
}

FfPipeline *
ff_pipeline_registry_lookup (FfPipelineRegistry *self, const gchar *name)
{
  g_return_val_if_fail (FF_IS_PIPELINE_REGISTRY (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);
  return g_hash_table_lookup (self->by_name, name);
}

static void
ff_pipeline_registry_dispose (GObject *object)
{
  FfPipelineRegistry *self = FF_PIPELINE_REGISTRY (object);

  g_clear_handle_id (&self->rescan_id, g_source_remove);
  g_clear_pointer (&self->dir_monitor, monitor_free);
  g_hash_table_remove_all (self->monitors);
  G_OBJECT_CLASS (ff_pipeline_registry_parent_class)->dispose (object);
}

static void
ff_pipeline_registry_finalize (GObject *object)
{
  FfPipelineRegistry *self = FF_PIPELINE_REGISTRY (object);

  g_free (self->dir);
  g_free (self->last_error);
  g_strfreev (self->allowed_executors);
  g_clear_pointer (&self->encryption_key, ff_fernet_unref);
  g_free (self->key_problem);
  g_hash_table_unref (self->by_name);
  g_ptr_array_unref (self->pipelines);
  g_hash_table_unref (self->warned);
  g_hash_table_unref (self->monitors);
  G_OBJECT_CLASS (ff_pipeline_registry_parent_class)->finalize (object);
}

static void
ff_pipeline_registry_class_init (FfPipelineRegistryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ff_pipeline_registry_dispose;
  object_class->finalize = ff_pipeline_registry_finalize;

  /**
   * FfPipelineRegistry::changed:
   *
   * A scan found pipelines added, removed or changed.
   */
  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
ff_pipeline_registry_init (FfPipelineRegistry *self)
{
  self->pipelines = g_ptr_array_new_with_free_func (g_object_unref);
  self->by_name = g_hash_table_new (g_str_hash, g_str_equal);
  self->warned = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->monitors = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, monitor_free);
}
