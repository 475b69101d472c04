/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>
#include <inttypes.h>

#include "ff-authority.h"
#include "ff-daemon.h"
#include "ff-dbus-generated.h"
#include "ff-run-log.h"
#include "ff-run-paths.h"

/* ReadLog never returns more than this, whatever the caller asks. */
#define READ_LOG_MAX (1024 * 1024)

struct _FfDaemon
{
  GObject parent_instance;
  FfOrchestrator *orchestrator;
  GDBusConnection *connection;
  FfDBusManager *manager;
  GDBusObjectManagerServer *object_manager;
  GHashTable *exported; /* FfRun → FfDBusObjectSkeleton */
  GHashTable *backlog;  /* FfRun → Backlog */
  gboolean flushing;
  FfAuthority *authority; /* NULL: whoever reaches the bus name may call */
  /* With an authority: run path → GPtrArray of the clients that asked for
   * its log (ReadLog), the ones its Output signals go to. */
  GHashTable *followers;
  guint run_paths_id;    /* NoSuchRun for runs not on the bus */
  GHashTable *pipelines; /* name → what PipelinesChanged compares */
};

/* Output that waits in the run's log until the bus has taken what went
 * before: a pipeline that writes faster than the bus reads must not pile
 * its output up in the daemon's memory. */
typedef struct
{
  guint64 from;      /* the first byte not yet sent in an Output signal */
  gboolean finished; /* RunFinished waits for the rest of the output */
} Backlog;

G_DEFINE_TYPE (FfDaemon, ff_daemon, G_TYPE_OBJECT)

static gchar *
run_path (FfRun *run)
{
  return g_strdup_printf (FF_DBUS_PATH "/Run/%" G_GUINT64_FORMAT, ff_run_get_id (run));
}

/* Errors leave the daemon as FfError, so clients see our D-Bus names. */
static void
return_error (GDBusMethodInvocation *invocation, const GError *error)
{
  g_autofree gchar *message = ff_message_format (error->message);

  g_dbus_method_invocation_return_error_literal (
      invocation, FF_ERROR, error->domain == FF_ERROR ? error->code : FF_ERROR_FAILED, message);
}

static void
sync_run (FfRun *run, FfDBusRun *skeleton)
{
  g_autofree gchar *message = ff_run_dup_display_message (run);
  g_autofree gchar *metrics_message = NULL;
  const gchar *reason = ff_run_state_is_finished (ff_run_get_state (run))
                            ? ff_reason_to_string (ff_run_get_reason (run))
                            : "";

  ff_dbus_run_set_id (skeleton, ff_run_get_id (run));
  ff_dbus_run_set_pipeline (skeleton, ff_run_get_pipeline (run));
  ff_dbus_run_set_state (skeleton, ff_run_state_to_string (ff_run_get_state (run)));
  ff_dbus_run_set_error_class (skeleton, ff_error_class_to_string (ff_run_get_error_class (run)));
  ff_dbus_run_set_reason (skeleton, reason);
  ff_dbus_run_set_message (skeleton, message);
  ff_dbus_run_set_exit_code (skeleton, ff_run_get_exit_code (run));
  ff_dbus_run_set_executor (skeleton, ff_run_get_executor (run) ? ff_run_get_executor (run) : "");
  ff_dbus_run_set_attempt (skeleton, ff_run_get_attempt (run));
  ff_dbus_run_set_max_attempts (skeleton, ff_run_get_max_attempts (run));
  ff_dbus_run_set_triggered_by (skeleton,
                                ff_run_get_triggered_by (run) ? ff_run_get_triggered_by (run) : "");
  ff_dbus_run_set_created_at (skeleton, ff_run_get_created_at (run));
  ff_dbus_run_set_started_at (skeleton, ff_run_get_started_at (run));
  ff_dbus_run_set_finished_at (skeleton, ff_run_get_finished_at (run));
  ff_dbus_run_set_cpu_percent (skeleton, ff_run_get_cpu_percent (run));
  ff_dbus_run_set_memory_bytes (skeleton, ff_run_get_memory_bytes (run));
  ff_dbus_run_set_memory_peak_bytes (skeleton, ff_run_get_memory_peak_bytes (run));
  ff_dbus_run_set_soft_limit_exceeded (skeleton, ff_run_get_soft_limit_exceeded (run));
  ff_dbus_run_set_route (skeleton, ff_run_get_route (run) ? ff_run_get_route (run) : "");
  metrics_message = ff_message_format (ff_run_get_metrics_message (run));
  ff_dbus_run_set_metrics_message (skeleton, metrics_message ? metrics_message : "");
}

static void
on_run_notify (FfRun *run, GParamSpec *pspec, FfDBusRun *skeleton)
{
  sync_run (run, skeleton);
}

/* Cancelling a run that has ended changes nothing: the caller learns so,
 * rather than believing it stopped something. */
static gboolean
check_not_finished (FfDaemon *self, guint64 id, GError **error)
{
  FfRun *run = ff_orchestrator_get_run (self->orchestrator, id, error);

  if (run == NULL)
    return FALSE;
  if (!ff_run_state_is_finished (ff_run_get_state (run)))
    return TRUE;
  g_set_error (error, FF_ERROR, FF_ERROR_ALREADY_FINISHED,
               _ ("Run %" PRIu64 " has already ended (%s): there is nothing to cancel"), id,
               ff_run_state_to_string (ff_run_get_state (run)));
  return FALSE;
}

static gboolean
handle_cancel (FfDBusRun *skeleton, GDBusMethodInvocation *invocation, FfDaemon *self)
{
  g_autoptr (GError) error = NULL;
  guint64 id = ff_dbus_run_get_id (skeleton);

  if (!check_not_finished (self, id, &error) ||
      !ff_orchestrator_cancel_run (self->orchestrator, id, &error))
    {
      return_error (invocation, error);
      return TRUE;
    }
  ff_dbus_run_complete_cancel (skeleton, invocation);
  return TRUE;
}

/* On the system bus a follower is one that subscribed, then read: Output
 * goes to it from now on, and the read covers everything before. */
static void
add_follower (FfDaemon *self, GDBusMethodInvocation *invocation)
{
  const gchar *path = g_dbus_method_invocation_get_object_path (invocation);
  const gchar *sender = g_dbus_method_invocation_get_sender (invocation);
  GPtrArray *followers;

  if (self->authority == NULL || sender == NULL)
    return;
  followers = g_hash_table_lookup (self->followers, path);
  if (followers == NULL)
    {
      followers = g_ptr_array_new_with_free_func (g_free);
      g_hash_table_insert (self->followers, g_strdup (path), followers);
    }
  if (!g_ptr_array_find_with_equal_func (followers, sender, g_str_equal, NULL))
    g_ptr_array_add (followers, g_strdup (sender));
}

static gboolean
handle_read_log (FfDBusRun *skeleton,
                 GDBusMethodInvocation *invocation,
                 guint64 offset,
                 guint max,
                 FfDaemon *self)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) data = NULL;
  guint64 next = 0;
  gboolean complete = FALSE;

  add_follower (self, invocation);
  data = ff_orchestrator_read_log (self->orchestrator, ff_dbus_run_get_id (skeleton), offset,
                                   MIN (max, READ_LOG_MAX), &next, &complete, &error);
  if (data == NULL)
    {
      return_error (invocation, error);
      return TRUE;
    }
  ff_dbus_run_complete_read_log (skeleton, invocation,
                                 g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING, data, TRUE),
                                 next, complete);
  return TRUE;
}

/* The answer of OpenLog and OpenStreams: (h) with @fd, which it takes,
 * or @error when @fd is -1. */
static void
return_descriptor (GDBusMethodInvocation *invocation, gint fd, const GError *error)
{
  g_autoptr (GUnixFDList) fds = NULL;

  if (fd < 0)
    {
      return_error (invocation, error);
      return;
    }
  fds = g_unix_fd_list_new_from_array (&fd, 1);
  g_dbus_method_invocation_return_value_with_unix_fd_list (invocation, g_variant_new ("(h)", 0),
                                                           fds);
}

static gboolean
handle_open_log (FfDBusRun *skeleton,
                 GDBusMethodInvocation *invocation,
                 GUnixFDList *unused,
                 FfDaemon *self)
{
  g_autoptr (GError) error = NULL;
  gint fd = ff_orchestrator_open_log (self->orchestrator, ff_dbus_run_get_id (skeleton), &error);

  return_descriptor (invocation, fd, error);
  return TRUE;
}

static gboolean
handle_read_streams (FfDBusRun *skeleton,
                     GDBusMethodInvocation *invocation,
                     guint64 offset,
                     FfDaemon *self)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) changes = NULL;
  GVariantBuilder builder;

  changes = ff_orchestrator_read_streams (self->orchestrator, ff_dbus_run_get_id (skeleton), offset,
                                          &error);
  if (changes == NULL)
    {
      return_error (invocation, error);
      return TRUE;
    }
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(tu)"));
  for (guint i = 0; i < changes->len; i++)
    {
      FfLogStreamChange *change = &g_array_index (changes, FfLogStreamChange, i);

      g_variant_builder_add (&builder, "(tu)", change->offset, change->stream);
    }
  ff_dbus_run_complete_read_streams (skeleton, invocation, g_variant_builder_end (&builder));
  return TRUE;
}

static gboolean
handle_open_streams (FfDBusRun *skeleton,
                     GDBusMethodInvocation *invocation,
                     GUnixFDList *unused,
                     FfDaemon *self)
{
  g_autoptr (GError) error = NULL;
  gint fd =
      ff_orchestrator_open_streams (self->orchestrator, ff_dbus_run_get_id (skeleton), &error);

  return_descriptor (invocation, fd, error);
  return TRUE;
}

static gboolean
handle_get_metrics (FfDBusRun *skeleton, GDBusMethodInvocation *invocation, FfDaemon *self)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) samples = NULL;
  GVariantBuilder builder;

  samples = ff_orchestrator_dup_samples (self->orchestrator, ff_dbus_run_get_id (skeleton), &error);
  if (samples == NULL)
    {
      return_error (invocation, error);
      return TRUE;
    }
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(xdt)"));
  for (guint i = 0; i < samples->len; i++)
    {
      const FfRunSample *sample = &g_array_index (samples, FfRunSample, i);
      g_variant_builder_add (&builder, "(xdt)", sample->time, sample->cpu_percent,
                             sample->memory_bytes);
    }
  ff_dbus_run_complete_get_metrics (skeleton, invocation, g_variant_builder_end (&builder));
  return TRUE;
}

/* The interface's own methods only: GDBus answers property reads, the
 * object manager and introspection without asking, which is why
 * ff_authority_guard () filters those before GDBus sees them. Run in a
 * thread of GDBus's, where the bus may be asked and waited for. */
static gboolean
on_authorize_method (GDBusInterfaceSkeleton *skeleton,
                     GDBusMethodInvocation *invocation,
                     FfDaemon *self)
{
  g_autoptr (GError) error = NULL;

  if (self->authority == NULL || ff_authority_check (self->authority, invocation, &error))
    return TRUE;
  return_error (g_object_ref (invocation), error);
  return FALSE;
}

static FfDBusObjectSkeleton *
export_run (FfDaemon *self, FfRun *run)
{
  FfDBusObjectSkeleton *object = g_hash_table_lookup (self->exported, run);
  g_autofree gchar *path = NULL;
  g_autoptr (FfDBusRun) skeleton = NULL;

  if (object != NULL)
    return object;
  path = run_path (run);
  object = ff_dbus_object_skeleton_new (path);
  skeleton = ff_dbus_run_skeleton_new ();
  sync_run (run, skeleton);
  g_signal_connect_object (run, "notify", G_CALLBACK (on_run_notify), skeleton, 0);
  g_signal_connect (skeleton, "handle-cancel", G_CALLBACK (handle_cancel), self);
  g_signal_connect (skeleton, "handle-read-log", G_CALLBACK (handle_read_log), self);
  g_signal_connect (skeleton, "handle-get-metrics", G_CALLBACK (handle_get_metrics), self);
  g_signal_connect (skeleton, "handle-open-log", G_CALLBACK (handle_open_log), self);
  g_signal_connect (skeleton, "handle-read-streams", G_CALLBACK (handle_read_streams), self);
  g_signal_connect (skeleton, "handle-open-streams", G_CALLBACK (handle_open_streams), self);
  g_signal_connect (skeleton, "g-authorize-method", G_CALLBACK (on_authorize_method), self);
  ff_dbus_object_skeleton_set_run (object, skeleton);
  g_hash_table_insert (self->exported, g_object_ref (run), object);
  if (self->object_manager != NULL)
    g_dbus_object_manager_server_export (self->object_manager, G_DBUS_OBJECT_SKELETON (object));
  return object;
}

static void
on_run_added (FfOrchestrator *orchestrator, FfRun *run, FfDaemon *self)
{
  export_run (self, run);
}

static void
on_run_removed (FfOrchestrator *orchestrator, FfRun *run, FfDaemon *self)
{
  g_autofree gchar *path = run_path (run);

  if (self->object_manager != NULL)
    g_dbus_object_manager_server_unexport (self->object_manager, path);
  g_hash_table_remove (self->followers, path);
  g_signal_handlers_disconnect_matched (run, G_SIGNAL_MATCH_FUNC, 0, 0, NULL, on_run_notify, NULL);
  g_hash_table_remove (self->exported, run);
}

static void
on_run_created (FfOrchestrator *orchestrator, FfRun *run, FfDaemon *self)
{
  g_autofree gchar *path = run_path (run);

  ff_dbus_manager_emit_run_created (self->manager, path, ff_run_get_pipeline (run));
}

/* Each follower of the run that is still let in gets its own copy;
 * returns whether any did. */
static gboolean
send_output_to_followers (FfDaemon *self, FfRun *run, guint64 offset, GBytes *data)
{
  g_autofree gchar *path = run_path (run);
  GPtrArray *followers = g_hash_table_lookup (self->followers, path);
  g_autoptr (GVariant) parameters = NULL;
  gboolean sent = FALSE;

  if (followers == NULL)
    return FALSE;
  parameters = g_variant_ref_sink (g_variant_new (
      "(t@ay)", offset, g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING, data, TRUE)));
  for (guint i = 0; i < followers->len;)
    {
      const gchar *follower = g_ptr_array_index (followers, i);

      if (!ff_authority_lets_in (self->authority, follower))
        {
          g_ptr_array_remove_index_fast (followers, i);
          continue;
        }
      g_dbus_connection_emit_signal (self->connection, follower, path,
                                     ff_dbus_run_interface_info ()->name, "Output", parameters,
                                     NULL);
      sent = TRUE;
      i++;
    }
  return sent;
}

/* Returns whether a signal went out, for the flush that paces them. */
static gboolean
emit_output (FfDaemon *self, FfRun *run, guint64 offset, GBytes *data)
{
  FfDBusObjectSkeleton *object = export_run (self, run);
  g_autoptr (FfDBusRun) skeleton = NULL;

  /* on the system bus a signal without a destination would reach any
   * match rule the bus policy lets through */
  if (self->authority != NULL)
    return send_output_to_followers (self, run, offset, data);
  skeleton = ff_dbus_object_get_run (FF_DBUS_OBJECT (object));
  ff_dbus_run_emit_output (skeleton, offset,
                           g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING, data, TRUE));
  return TRUE;
}

static void
emit_run_finished (FfDaemon *self, FfRun *run)
{
  g_autofree gchar *path = run_path (run);
  FfDBusObjectSkeleton *object = export_run (self, run);
  g_autoptr (FfDBusRun) skeleton = ff_dbus_object_get_run (FF_DBUS_OBJECT (object));

  /* properties first, so a client reacting to the signal reads the end state */
  sync_run (run, skeleton);
  g_dbus_interface_skeleton_flush (G_DBUS_INTERFACE_SKELETON (skeleton));
  ff_dbus_manager_emit_run_finished (
      self->manager, path, ff_run_get_pipeline (run),
      ff_run_state_to_string (ff_run_get_state (run)), ff_run_get_exit_code (run),
      ff_dbus_run_get_error_class (skeleton), ff_dbus_run_get_reason (skeleton));
}

static void flush_output (FfDaemon *self);

/* Sends up to READ_LOG_MAX of each run's waiting output, from its log. */
static void
on_output_flushed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (FfDaemon) self = user_data;
  g_autoptr (GError) error = NULL;
  GHashTableIter iter;
  gpointer key, value;
  gboolean sent = FALSE;

  if (!g_dbus_connection_flush_finish (G_DBUS_CONNECTION (source), result, &error))
    g_debug ("flushing the bus connection: %s", error->message);
  self->flushing = FALSE;
  if (self->backlog == NULL)
    return;
  g_hash_table_iter_init (&iter, self->backlog);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      g_autoptr (FfRun) run = g_object_ref (key);
      g_autoptr (GBytes) data = NULL;
      g_autoptr (GError) read_error = NULL;
      Backlog *backlog = value;
      guint64 next = 0;
      gboolean complete = FALSE, finished = backlog->finished;

      data = ff_orchestrator_read_log (self->orchestrator, ff_run_get_id (run), backlog->from,
                                       READ_LOG_MAX, &next, &complete, &read_error);
      if (data == NULL)
        g_warning ("%s", read_error->message);
      if (data != NULL && g_bytes_get_size (data) > 0)
        {
          sent |= emit_output (self, run, backlog->from, data);
          backlog->from = next;
        }
      if (data != NULL && g_bytes_get_size (data) == READ_LOG_MAX)
        continue;
      g_hash_table_iter_remove (&iter);
      if (finished)
        emit_run_finished (self, run);
    }
  /* output nobody followed still has to be read past, to its RunFinished */
  if (sent || g_hash_table_size (self->backlog) > 0)
    flush_output (self);
}

static void
flush_output (FfDaemon *self)
{
  if (self->connection == NULL || self->flushing)
    return;
  self->flushing = TRUE;
  g_dbus_connection_flush (self->connection, NULL, on_output_flushed, g_object_ref (self));
}

static void
on_run_output (
    FfOrchestrator *orchestrator, FfRun *run, guint64 offset, GBytes *data, FfDaemon *self)
{
  if (self->flushing)
    {
      if (!g_hash_table_contains (self->backlog, run))
        {
          Backlog *backlog = g_new0 (Backlog, 1);
          backlog->from = offset;
          g_hash_table_insert (self->backlog, g_object_ref (run), backlog);
        }
      return;
    }
  if (emit_output (self, run, offset, data))
    flush_output (self);
}

static void
on_run_finished (FfOrchestrator *orchestrator, FfRun *run, FfDaemon *self)
{
  Backlog *backlog = g_hash_table_lookup (self->backlog, run);

  /* after the last of its output */
  if (backlog != NULL)
    {
      backlog->finished = TRUE;
      return;
    }
  emit_run_finished (self, run);
}

static void
on_counts_changed (FfOrchestrator *orchestrator, GParamSpec *pspec, FfDaemon *self)
{
  ff_dbus_manager_set_running_runs (self->manager,
                                    ff_orchestrator_get_running_runs (self->orchestrator));
  ff_dbus_manager_set_queued_runs (self->manager,
                                   ff_orchestrator_get_queued_runs (self->orchestrator));
}

static gchar *
describe_schedule (FfPipeline *pipeline)
{
  if (ff_pipeline_get_schedule_cron (pipeline) != NULL)
    return g_strdup (ff_pipeline_get_schedule_cron (pipeline));
  if (ff_pipeline_get_schedule_interval_seconds (pipeline) > 0)
    return g_strdup_printf ("every %" G_GUINT64_FORMAT "s",
                            ff_pipeline_get_schedule_interval_seconds (pipeline));
  return g_strdup ("");
}

static const gchar *const empty_strv[] = { NULL };

static GVariant *
describe_pipeline (FfDaemon *self, FfPipeline *pipeline)
{
  GVariantDict dict;
  const gchar *const *tags = ff_pipeline_get_tags (pipeline);
  const gchar *const *warnings = ff_pipeline_get_warnings (pipeline);
  g_autofree gchar *schedule = describe_schedule (pipeline);
  g_autofree gchar *last_state =
      ff_orchestrator_dup_last_state (self->orchestrator, ff_pipeline_get_name (pipeline));
  const gchar *executor = ff_pipeline_get_executor (pipeline);

  g_variant_dict_init (&dict, NULL);
  g_variant_dict_insert (&dict, "name", "s", ff_pipeline_get_name (pipeline));
  g_variant_dict_insert (
      &dict, "description", "s",
      ff_pipeline_get_description (pipeline) ? ff_pipeline_get_description (pipeline) : "");
  g_variant_dict_insert_value (&dict, "tags", g_variant_new_strv (tags ? tags : empty_strv, -1));
  g_variant_dict_insert (&dict, "enabled", "b", ff_pipeline_get_enabled (pipeline));
  g_variant_dict_insert (&dict, "executor", "s", executor ? executor : "");
  g_variant_dict_insert (&dict, "schedule", "s", schedule);
  g_variant_dict_insert (
      &dict, "next_run", "x",
      ff_orchestrator_get_next_run (self->orchestrator, ff_pipeline_get_name (pipeline)));
  g_variant_dict_insert (&dict, "last_state", "s", last_state ? last_state : "");
  g_variant_dict_insert (&dict, "broken", "b", ff_pipeline_is_broken (pipeline));
  g_variant_dict_insert (&dict, "error", "s",
                         ff_pipeline_get_error (pipeline) ? ff_pipeline_get_error (pipeline) : "");
  g_variant_dict_insert_value (&dict, "warnings",
                               g_variant_new_strv (warnings ? warnings : empty_strv, -1));
  g_variant_dict_insert (&dict, "path", "s", ff_pipeline_get_dir (pipeline));
  return g_variant_dict_end (&dict);
}

/* What PipelinesChanged announces a change of: the pipeline as
 * ListPipelines shows it, but for what every run changes. */
static gchar *
pipeline_fingerprint (FfDaemon *self, FfPipeline *pipeline)
{
  g_autoptr (GVariant) description = g_variant_ref_sink (describe_pipeline (self, pipeline));
  g_autoptr (GVariant) compared = NULL;
  GVariantDict dict;

  g_variant_dict_init (&dict, description);
  g_variant_dict_remove (&dict, "next_run");
  g_variant_dict_remove (&dict, "last_state");
  compared = g_variant_ref_sink (g_variant_dict_end (&dict));
  return g_variant_print (compared, FALSE);
}

static GHashTable *
pipeline_fingerprints (FfDaemon *self)
{
  g_autoptr (GPtrArray) pipelines =
      ff_pipeline_registry_list (ff_orchestrator_get_registry (self->orchestrator));
  GHashTable *table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  for (guint i = 0; i < pipelines->len; i++)
    {
      FfPipeline *pipeline = g_ptr_array_index (pipelines, i);

      g_hash_table_insert (table, g_strdup (ff_pipeline_get_name (pipeline)),
                           pipeline_fingerprint (self, pipeline));
    }
  return table;
}

static gint
compare_pipeline_names (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const gchar *const *) a, *(const gchar *const *) b);
}

/* Names of @a's keys that @b lacks (@differ: or holds another value). */
static GPtrArray *
compare_fingerprints (GHashTable *a, GHashTable *b, gboolean differ)
{
  GPtrArray *names = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, a);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      const gchar *other = g_hash_table_lookup (b, key);

      if (differ ? other != NULL && g_strcmp0 (other, value) != 0 : other == NULL)
        g_ptr_array_add (names, key);
    }
  g_ptr_array_sort (names, compare_pipeline_names);
  g_ptr_array_add (names, NULL);
  return names;
}

/* A GUI learns of a changed pipelines folder without polling. */
static void
on_pipelines_changed (FfPipelineRegistry *registry, FfDaemon *self)
{
  g_autoptr (GHashTable) now = pipeline_fingerprints (self);
  g_autoptr (GPtrArray) added = compare_fingerprints (now, self->pipelines, FALSE);
  g_autoptr (GPtrArray) changed = compare_fingerprints (now, self->pipelines, TRUE);
  g_autoptr (GPtrArray) removed = compare_fingerprints (self->pipelines, now, FALSE);

  if (added->len > 1 || changed->len > 1 || removed->len > 1)
    ff_dbus_manager_emit_pipelines_changed (self->manager, (const gchar *const *) added->pdata,
                                            (const gchar *const *) changed->pdata,
                                            (const gchar *const *) removed->pdata);
  /* the names in the arrays point into the tables: replace after sending */
  g_clear_pointer (&added, g_ptr_array_unref);
  g_clear_pointer (&changed, g_ptr_array_unref);
  g_clear_pointer (&removed, g_ptr_array_unref);
  g_hash_table_unref (self->pipelines);
  self->pipelines = g_steal_pointer (&now);
}

static gboolean
handle_list_pipelines (FfDBusManager *manager, GDBusMethodInvocation *invocation, FfDaemon *self)
{
  g_autoptr (GPtrArray) pipelines =
      ff_pipeline_registry_list (ff_orchestrator_get_registry (self->orchestrator));
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; i < pipelines->len; i++)
    g_variant_builder_add_value (&builder,
                                 describe_pipeline (self, g_ptr_array_index (pipelines, i)));
  ff_dbus_manager_complete_list_pipelines (manager, invocation, g_variant_builder_end (&builder));
  return TRUE;
}

static GHashTable *
env_from_options (GVariantDict *options, GError **error)
{
  g_autoptr (GVariant) env = g_variant_dict_lookup_value (options, "env", NULL);
  GHashTable *table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  GVariantIter iter;
  const gchar *key, *value;

  if (env == NULL)
    return table;
  if (!g_variant_is_of_type (env, G_VARIANT_TYPE ("a{ss}")))
    {
      g_set_error (error, FF_ERROR, FF_ERROR_INVALID_ARGUMENT,
                   _ ("The option “env” must be a dictionary of strings (a{ss}), not %s"),
                   g_variant_get_type_string (env));
      g_hash_table_unref (table);
      return NULL;
    }
  g_variant_iter_init (&iter, env);
  while (g_variant_iter_next (&iter, "{&s&s}", &key, &value))
    g_hash_table_insert (table, g_strdup (key), g_strdup (value));
  return table;
}

/* The options StartRun knows (data/org.fastflow.Orchestrator1.xml). */
static const gchar *const start_run_options[] = {
  "env", "executor", "run_config", "triggered_by", "force", NULL,
};

/* The options Rerun knows. */
static const gchar *const rerun_options[] = {
  "force",
  NULL,
};

/* The filters ListRuns knows. */
static const gchar *const list_runs_filters[] = {
  "pipeline",
  "state",
  "limit",
  NULL,
};

/* The filters ListRunsPage knows. */
static const gchar *const list_runs_page_filters[] = {
  "pipeline", "state", "limit", "before", NULL,
};

/* An option the interface does not name is refused rather than ignored: a
 * caller who misspells one, or expects one of a newer daemon, learns so. */
static gboolean
check_option_names (const gchar *method,
                    const gchar *const *known,
                    GVariant *options,
                    GError **error)
{
  GVariantIter iter;
  const gchar *key;

  g_variant_iter_init (&iter, options);
  while (g_variant_iter_next (&iter, "{&sv}", &key, NULL))
    {
      g_autofree gchar *names = NULL;

      if (g_strv_contains (known, key))
        continue;
      names = g_strjoinv (", ", (gchar **) known);
      /* TRANSLATORS: StartRun has no option “forse” (it knows env, executor, …) */
      g_set_error (error, FF_ERROR, FF_ERROR_INVALID_ARGUMENT,
                   _ ("%s has no option “%s” (it knows %s)"), method, key, names);
      return FALSE;
    }
  return TRUE;
}

/* *out is the option's value of @type (the dict keeps it alive), or NULL
 * when the option is not given. */
static gboolean
lookup_option (GVariantDict *options,
               const gchar *key,
               const GVariantType *type,
               GVariant **out,
               GError **error)
{
  g_autoptr (GVariant) value = g_variant_dict_lookup_value (options, key, NULL);

  *out = NULL;
  if (value == NULL)
    return TRUE;
  if (!g_variant_is_of_type (value, type))
    {
      g_set_error (error, FF_ERROR, FF_ERROR_INVALID_ARGUMENT,
                   _ ("The option “%s” must be of type %s, not %s"), key,
                   g_variant_type_peek_string (type), g_variant_get_type_string (value));
      return FALSE;
    }
  *out = g_steal_pointer (&value);
  return TRUE;
}

static gboolean
lookup_string_option (GVariantDict *options, const gchar *key, const gchar **out, GError **error)
{
  g_autoptr (GVariant) value = NULL;

  *out = NULL;
  if (!lookup_option (options, key, G_VARIANT_TYPE_STRING, &value, error))
    return FALSE;
  /* the dict keeps the value alive */
  if (value != NULL)
    *out = g_variant_get_string (value, NULL);
  return TRUE;
}

static gboolean
lookup_bool_option (GVariantDict *options, const gchar *key, gboolean *out, GError **error)
{
  g_autoptr (GVariant) value = NULL;

  if (!lookup_option (options, key, G_VARIANT_TYPE_BOOLEAN, &value, error))
    return FALSE;
  if (value != NULL)
    *out = g_variant_get_boolean (value);
  return TRUE;
}

/* gdbus call and Python send an int32 unless told otherwise, so any
 * integer type is taken for a number. */
static gboolean
read_whole_number (GVariant *value, const gchar *key, gint64 *out, GError **error)
{
  gint64 number;

  if (g_variant_is_of_type (value, G_VARIANT_TYPE_BYTE))
    number = g_variant_get_byte (value);
  else if (g_variant_is_of_type (value, G_VARIANT_TYPE_INT16))
    number = g_variant_get_int16 (value);
  else if (g_variant_is_of_type (value, G_VARIANT_TYPE_UINT16))
    number = g_variant_get_uint16 (value);
  else if (g_variant_is_of_type (value, G_VARIANT_TYPE_INT32))
    number = g_variant_get_int32 (value);
  else if (g_variant_is_of_type (value, G_VARIANT_TYPE_UINT32))
    number = g_variant_get_uint32 (value);
  else if (g_variant_is_of_type (value, G_VARIANT_TYPE_INT64))
    number = g_variant_get_int64 (value);
  else if (g_variant_is_of_type (value, G_VARIANT_TYPE_UINT64))
    number = (gint64) MIN (g_variant_get_uint64 (value), (guint64) G_MAXINT64);
  else
    {
      g_set_error (error, FF_ERROR, FF_ERROR_INVALID_ARGUMENT,
                   _ ("The option “%s” must be a whole number, not of type %s"), key,
                   g_variant_get_type_string (value));
      return FALSE;
    }
  *out = number;
  return TRUE;
}

/* A count of any integer type, as long as the number fits. */
static gboolean
lookup_count_option (GVariantDict *options, const gchar *key, guint *out, GError **error)
{
  g_autoptr (GVariant) value = g_variant_dict_lookup_value (options, key, NULL);
  gint64 number;

  if (value == NULL)
    return TRUE;
  if (!read_whole_number (value, key, &number, error))
    return FALSE;
  if (number < 0 || number > G_MAXUINT)
    {
      g_set_error (error, FF_ERROR, FF_ERROR_INVALID_ARGUMENT,
                   _ ("The option “%s” must be from 0 to %u, not %" PRId64), key, G_MAXUINT,
                   number);
      return FALSE;
    }
  *out = (guint) number;
  return TRUE;
}

/* A run id of any integer type. */
static gboolean
lookup_run_id_option (GVariantDict *options, const gchar *key, guint64 *out, GError **error)
{
  g_autoptr (GVariant) value = g_variant_dict_lookup_value (options, key, NULL);
  gint64 number;

  if (value == NULL)
    return TRUE;
  if (!read_whole_number (value, key, &number, error))
    return FALSE;
  if (number < 0)
    {
      g_set_error (error, FF_ERROR, FF_ERROR_INVALID_ARGUMENT,
                   _ ("The option “%s” must be a run id (0 or more), not %" PRId64), key, number);
      return FALSE;
    }
  *out = (guint64) number;
  return TRUE;
}

/* What fastflowd itself writes as TriggeredBy; a caller's word must not
 * pass for it. */
static const gchar *const daemon_origins[] = {
  "schedule", "downstream", "restart", "webhook", "rerun", NULL,
};

#define TRIGGERED_BY_MAX_CHARS 64

/* triggered_by from a caller: a short label of printable characters that
 * does not claim one of the daemon's own origins (`schedule`, `schedule:…`,
 * `downstream:…`, `restart:…`, `webhook`, in any case). */
static gboolean
check_triggered_by (const gchar *value, GError **error)
{
  const gchar *colon;
  g_autofree gchar *origin = NULL;

  if (value == NULL || *value == '\0')
    return TRUE;
  if (!g_utf8_validate (value, -1, NULL) || g_utf8_strlen (value, -1) > TRIGGERED_BY_MAX_CHARS)
    {
      g_set_error (error, FF_ERROR, FF_ERROR_INVALID_ARGUMENT,
                   _ ("The option “triggered_by” must be text of at most %d characters"),
                   TRIGGERED_BY_MAX_CHARS);
      return FALSE;
    }
  for (const gchar *p = value; *p != '\0'; p = g_utf8_next_char (p))
    {
      if (!g_unichar_isprint (g_utf8_get_char (p)))
        {
          g_set_error (error, FF_ERROR, FF_ERROR_INVALID_ARGUMENT,
                       _ ("The option “triggered_by” must not hold control or formatting "
                          "characters"));
          return FALSE;
        }
    }
  colon = strchr (value, ':');
  origin = g_ascii_strdown (value, colon != NULL ? colon - value : -1);
  if (g_strv_contains (daemon_origins, g_strstrip (origin)))
    {
      g_set_error (error, FF_ERROR, FF_ERROR_INVALID_ARGUMENT,
                   _ ("The option “triggered_by” cannot be “%s”: schedule, downstream, restart, "
                      "webhook and rerun are what fastflowd itself records"),
                   value);
      return FALSE;
    }
  return TRUE;
}

static gboolean
handle_start_run (FfDBusManager *manager,
                  GDBusMethodInvocation *invocation,
                  const gchar *pipeline,
                  GVariant *options,
                  FfDaemon *self)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GHashTable) env = NULL;
  g_autofree gchar *path = NULL;
  GVariantDict dict;
  const gchar *executor = NULL, *run_config = NULL, *triggered_by = NULL;
  gboolean force = FALSE;
  FfRun *run = NULL;

  g_variant_dict_init (&dict, options);
  if (check_option_names ("StartRun", start_run_options, options, &error) &&
      (env = env_from_options (&dict, &error)) != NULL &&
      lookup_string_option (&dict, "executor", &executor, &error) &&
      lookup_string_option (&dict, "run_config", &run_config, &error) &&
      lookup_string_option (&dict, "triggered_by", &triggered_by, &error) &&
      lookup_bool_option (&dict, "force", &force, &error) &&
      check_triggered_by (triggered_by, &error))
    run = ff_orchestrator_start_run (self->orchestrator, pipeline, env, executor, run_config,
                                     triggered_by, force, &error);
  g_variant_dict_clear (&dict);
  if (run == NULL)
    {
      return_error (invocation, error);
      return TRUE;
    }
  path = run_path (run);
  ff_dbus_manager_complete_start_run (manager, invocation, path);
  return TRUE;
}

static gboolean
handle_rerun (FfDBusManager *manager,
              GDBusMethodInvocation *invocation,
              guint64 id,
              GVariant *options,
              FfDaemon *self)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *path = NULL;
  GVariantDict dict;
  gboolean force = FALSE;
  FfRun *run = NULL;

  g_variant_dict_init (&dict, options);
  if (check_option_names ("Rerun", rerun_options, options, &error) &&
      lookup_bool_option (&dict, "force", &force, &error))
    run = ff_orchestrator_rerun (self->orchestrator, id, force, &error);
  g_variant_dict_clear (&dict);
  if (run == NULL)
    {
      return_error (invocation, error);
      return TRUE;
    }
  path = run_path (run);
  ff_dbus_manager_complete_rerun (manager, invocation, path);
  return TRUE;
}

static gboolean
handle_list_runs (FfDBusManager *manager,
                  GDBusMethodInvocation *invocation,
                  GVariant *filter,
                  FfDaemon *self)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) ids = NULL;
  g_autoptr (GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  const gchar *pipeline = NULL, *state = NULL;
  guint limit = 0;
  GVariantDict dict;

  g_variant_dict_init (&dict, filter);
  if (check_option_names ("ListRuns", list_runs_filters, filter, &error) &&
      lookup_string_option (&dict, "pipeline", &pipeline, &error) &&
      lookup_string_option (&dict, "state", &state, &error) &&
      lookup_count_option (&dict, "limit", &limit, &error))
    ids = ff_orchestrator_list_runs (self->orchestrator, pipeline, state, limit, &error);
  g_variant_dict_clear (&dict);
  if (ids == NULL)
    {
      return_error (invocation, error);
      return TRUE;
    }
  for (guint i = 0; i < ids->len; i++)
    {
      FfRun *run =
          ff_orchestrator_get_run (self->orchestrator, g_array_index (ids, guint64, i), NULL);
      if (run != NULL)
        g_ptr_array_add (paths, run_path (run));
    }
  g_ptr_array_add (paths, NULL);
  ff_dbus_manager_complete_list_runs (manager, invocation, (const gchar *const *) paths->pdata);
  return TRUE;
}

/* "MemoryPeakBytes" → "memory-peak-bytes", the skeleton's GObject property */
static gchar *
hyphenated (const gchar *dbus_name)
{
  GString *name = g_string_new (NULL);

  for (const gchar *p = dbus_name; *p != '\0'; p++)
    {
      if (g_ascii_isupper (*p) && p != dbus_name)
        g_string_append_c (name, '-');
      g_string_append_c (name, g_ascii_tolower (*p));
    }
  return g_string_free (name, FALSE);
}

/* A property of the Run skeleton (its types are these few) as a variant. */
static GVariant *
variant_from_value (const GValue *value)
{
  switch (G_VALUE_TYPE (value))
    {
    case G_TYPE_STRING:
      return g_variant_new_string (g_value_get_string (value) ? g_value_get_string (value) : "");
    case G_TYPE_UINT64:
      return g_variant_new_uint64 (g_value_get_uint64 (value));
    case G_TYPE_INT64:
      return g_variant_new_int64 (g_value_get_int64 (value));
    case G_TYPE_UINT:
      return g_variant_new_uint32 (g_value_get_uint (value));
    case G_TYPE_INT:
      return g_variant_new_int32 (g_value_get_int (value));
    case G_TYPE_DOUBLE:
      return g_variant_new_double (g_value_get_double (value));
    case G_TYPE_BOOLEAN:
      return g_variant_new_boolean (g_value_get_boolean (value));
    default:
      g_return_val_if_reached (NULL);
    }
}

/* A run's properties as its object would have them, without exporting
 * it: the same sync_run fills a skeleton, so the two cannot differ. Not
 * g_dbus_interface_skeleton_get_properties (): through it, ~10 KiB per run
 * stayed in the daemon's heap on every call (bench/footprint). */
static GVariant *
describe_run (FfRun *run)
{
  g_autoptr (FfDBusRun) skeleton = ff_dbus_run_skeleton_new ();
  GDBusPropertyInfo **infos = ff_dbus_run_interface_info ()->properties;
  GVariantBuilder builder;

  sync_run (run, skeleton);
  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  for (guint i = 0; infos[i] != NULL; i++)
    {
      g_autofree gchar *name = hyphenated (infos[i]->name);
      g_auto (GValue) value = G_VALUE_INIT;

      g_object_get_property (G_OBJECT (skeleton), name, &value);
      g_variant_builder_add (&builder, "{sv}", infos[i]->name, variant_from_value (&value));
    }
  return g_variant_builder_end (&builder);
}

static gboolean
handle_list_runs_page (FfDBusManager *manager,
                       GDBusMethodInvocation *invocation,
                       GVariant *filter,
                       FfDaemon *self)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) runs = NULL;
  const gchar *pipeline = NULL, *state = NULL;
  guint limit = 0;
  guint64 before = 0;
  GVariantDict dict;
  GVariantBuilder builder;

  g_variant_dict_init (&dict, filter);
  if (check_option_names ("ListRunsPage", list_runs_page_filters, filter, &error) &&
      lookup_string_option (&dict, "pipeline", &pipeline, &error) &&
      lookup_string_option (&dict, "state", &state, &error) &&
      lookup_count_option (&dict, "limit", &limit, &error) &&
      lookup_run_id_option (&dict, "before", &before, &error))
    runs =
        ff_orchestrator_list_run_page (self->orchestrator, pipeline, state, before, limit, &error);
  g_variant_dict_clear (&dict);
  if (runs == NULL)
    {
      return_error (invocation, error);
      return TRUE;
    }
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; i < runs->len; i++)
    {
      g_autoptr (GVariant) properties =
          g_variant_ref_sink (describe_run (g_ptr_array_index (runs, i)));

      g_variant_builder_add_value (&builder, properties);
    }
  ff_dbus_manager_complete_list_runs_page (manager, invocation, g_variant_builder_end (&builder));
  return TRUE;
}

static gboolean
handle_get_run (FfDBusManager *manager,
                GDBusMethodInvocation *invocation,
                guint64 id,
                FfDaemon *self)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *path = NULL;
  FfRun *run = ff_orchestrator_get_run (self->orchestrator, id, &error);

  if (run == NULL)
    {
      return_error (invocation, error);
      return TRUE;
    }
  path = run_path (run);
  ff_dbus_manager_complete_get_run (manager, invocation, path);
  return TRUE;
}

static gboolean
handle_reload (FfDBusManager *manager, GDBusMethodInvocation *invocation, FfDaemon *self)
{
  g_autoptr (GError) error = NULL;

  if (!ff_orchestrator_reload_pipelines (self->orchestrator, &error))
    {
      return_error (invocation, error);
      return TRUE;
    }
  ff_dbus_manager_complete_reload (manager, invocation);
  return TRUE;
}

/* The plaintext came on the bus to the daemon only, as StartRun's
 * variables do; what goes back is the token. */
#define MAX_ENCRYPT_BYTES (64 * 1024)

static gboolean
handle_encrypt (FfDBusManager *manager,
                GDBusMethodInvocation *invocation,
                const gchar *value,
                FfDaemon *self)
{
  FfFernet *key = ff_orchestrator_get_encryption_key (self->orchestrator);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *token = NULL;
  gsize length = strlen (value);

  if (key == NULL)
    {
      g_dbus_method_invocation_return_error_literal (
          invocation, FF_ERROR, FF_ERROR_INVALID_ARGUMENT,
          _ ("fastflowd has no encryption key: set [secrets] encryption_key_file in "
             "fastflow.conf to a file holding the key (fastflowctl encrypt --generate-key "
             "makes one), or ENCRYPTION_KEY in fastflowd's environment, and restart fastflowd"));
      return TRUE;
    }
  if (length > MAX_ENCRYPT_BYTES)
    {
      g_dbus_method_invocation_return_error (invocation, FF_ERROR, FF_ERROR_INVALID_ARGUMENT,
                                             _ ("The value is longer than %u bytes"),
                                             (guint) MAX_ENCRYPT_BYTES);
      return TRUE;
    }
  token = ff_fernet_encrypt (key, value, length, &error);
  if (token == NULL)
    {
      return_error (invocation, error);
      return TRUE;
    }
  ff_dbus_manager_complete_encrypt (manager, invocation, token);
  return TRUE;
}

/* ListExecutors asks every executor afresh, so a proxy that came back
 * shows as available. */
typedef struct
{
  FfDaemon *self;
  GDBusMethodInvocation *invocation;
  GPtrArray *names;
  GHashTable *results; /* name → message, "" when available */
  guint pending;
  GCancellable *cancellable;
  guint timeout_id;
} HealthCheck;

/* A proxy behind a firewall that drops packets would keep the caller
 * waiting past its D-Bus timeout; an answer in time says so instead. */
#define HEALTH_TIMEOUT_S 10

static gboolean
on_health_timeout (gpointer user_data)
{
  HealthCheck *check = user_data;

  check->timeout_id = 0;
  g_cancellable_cancel (check->cancellable);
  return G_SOURCE_REMOVE;
}

static void
health_check_complete (HealthCheck *check)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(sbs)"));
  for (guint i = 0; i < check->names->len; i++)
    {
      const gchar *name = g_ptr_array_index (check->names, i);
      g_autofree gchar *refusal =
          ff_orchestrator_dup_executor_refusal (check->self->orchestrator, name);
      g_autofree gchar *refused = refusal != NULL ? ff_message_format (refusal) : NULL;
      const gchar *message = refused != NULL ? refused : g_hash_table_lookup (check->results, name);
      gboolean available = message == NULL || *message == '\0';
      g_variant_builder_add (&builder, "(sbs)", name, available,
                             available ? _ ("Available") : message);
    }
  ff_dbus_manager_complete_list_executors (check->self->manager, check->invocation,
                                           g_variant_builder_end (&builder));
  g_clear_handle_id (&check->timeout_id, g_source_remove);
  g_object_unref (check->cancellable);
  g_object_unref (check->invocation);
  g_object_unref (check->self);
  g_ptr_array_unref (check->names);
  g_hash_table_unref (check->results);
  g_free (check);
}

static void
on_health_checked (GObject *source, GAsyncResult *result, gpointer user_data)
{
  HealthCheck *check = user_data;
  g_autoptr (GError) error = NULL;
  FfExecutor *executor = FF_EXECUTOR (source);

  gchar *message;

  ff_executor_check_health_finish (executor, result, &error);
  if (error == NULL)
    message = g_strdup ("");
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    message = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "No answer within %u second",
                                            "No answer within %u seconds", HEALTH_TIMEOUT_S),
                               HEALTH_TIMEOUT_S);
  else
    message = ff_message_format (error->message);
  ff_orchestrator_note_executor_health (check->self->orchestrator, ff_executor_get_name (executor),
                                        error == NULL);
  g_hash_table_insert (check->results, g_strdup (ff_executor_get_name (executor)), message);
  if (--check->pending == 0)
    health_check_complete (check);
}

static gint
compare_names (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const gchar **) a, *(const gchar **) b);
}

static void
on_diagnosed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GDBusMethodInvocation) invocation = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) checks = NULL;
  GVariantBuilder builder;

  checks = ff_executor_diagnose_finish (FF_EXECUTOR (source), result, &error);
  if (checks == NULL)
    {
      return_error (invocation, error);
      return;
    }
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(sss)"));
  for (guint i = 0; i < checks->len; i++)
    {
      FfExecutorCheck *check = g_ptr_array_index (checks, i);
      /* an executor's message may be a record (ff-message.c): what leaves
       * the daemon is the sentence */
      g_autofree gchar *message = ff_message_format (ff_executor_check_get_message (check));

      g_variant_builder_add (&builder, "(sss)", ff_executor_check_get_name (check),
                             ff_check_level_to_string (ff_executor_check_get_level (check)),
                             message ? message : "");
    }
  g_dbus_method_invocation_return_value (invocation, g_variant_new ("(a(sss))", &builder));
}

static gboolean
handle_diagnose_executor (FfDBusManager *manager,
                          GDBusMethodInvocation *invocation,
                          const gchar *name,
                          FfDaemon *self)
{
  FfExecutor *executor =
      g_hash_table_lookup (ff_orchestrator_get_executors (self->orchestrator), name);

  if (executor == NULL)
    {
      g_dbus_method_invocation_return_error (invocation, FF_ERROR, FF_ERROR_INVALID_ARGUMENT,
                                             _ ("There is no executor “%s”"), name);
      return TRUE;
    }
  ff_executor_diagnose_async (executor, NULL, on_diagnosed, g_object_ref (invocation));
  return TRUE;
}

static gboolean
handle_list_executors (FfDBusManager *manager, GDBusMethodInvocation *invocation, FfDaemon *self)
{
  GHashTable *executors = ff_orchestrator_get_executors (self->orchestrator);
  HealthCheck *check = g_new0 (HealthCheck, 1);
  GHashTableIter iter;
  gpointer key, value;

  check->self = g_object_ref (self);
  check->invocation = g_object_ref (invocation);
  check->names = g_ptr_array_new_with_free_func (g_free);
  check->results = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  check->pending = g_hash_table_size (executors);
  check->cancellable = g_cancellable_new ();
  g_hash_table_iter_init (&iter, executors);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (check->names, g_strdup (key));
  g_ptr_array_sort (check->names, compare_names);
  if (check->pending == 0)
    {
      health_check_complete (check);
      return TRUE;
    }
  check->timeout_id = g_timeout_add_seconds (HEALTH_TIMEOUT_S, on_health_timeout, check);
  g_hash_table_iter_init (&iter, executors);
  while (g_hash_table_iter_next (&iter, &key, &value))
    ff_executor_check_health_async (value, check->cancellable, on_health_checked, check);
  return TRUE;
}

/* Set before ff_daemon_export (): from then on every call to fastflowd's
 * objects is checked, and their signals go to the callers let in only. */
void
ff_daemon_set_authority (FfDaemon *self, FfAuthority *authority)
{
  g_set_object (&self->authority, authority);
}

gboolean
ff_daemon_export (FfDaemon *self, GDBusConnection *connection, GError **error)
{
  const gchar *const checked_interfaces[] = { ff_dbus_manager_interface_info ()->name,
                                              ff_dbus_run_interface_info ()->name, NULL };
  GHashTableIter iter;
  gpointer key, value;

  self->connection = g_object_ref (connection);
  /* before the objects appear on the bus */
  if (self->authority != NULL)
    ff_authority_guard (self->authority, connection, FF_DBUS_PATH, checked_interfaces);
  if (!g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (self->manager), connection,
                                         FF_DBUS_PATH, error))
    return FALSE;
  self->object_manager = g_dbus_object_manager_server_new (FF_DBUS_PATH);
  g_hash_table_iter_init (&iter, self->exported);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_dbus_object_manager_server_export (self->object_manager, value);
  g_dbus_object_manager_server_set_connection (self->object_manager, connection);
  self->run_paths_id =
      ff_run_paths_register (connection, G_DBUS_OBJECT_MANAGER (self->object_manager), error);
  return self->run_paths_id != 0;
}

void
ff_daemon_unexport (FfDaemon *self)
{
  if (self->connection == NULL)
    return;
  g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (self->manager));
  if (self->run_paths_id != 0)
    g_dbus_connection_unregister_subtree (self->connection, self->run_paths_id);
  self->run_paths_id = 0;
  g_dbus_object_manager_server_set_connection (self->object_manager, NULL);
  g_clear_object (&self->object_manager);
  if (self->authority != NULL)
    ff_authority_unguard (self->authority);
  g_clear_object (&self->connection);
}

static void
ff_daemon_dispose (GObject *object)
{
  FfDaemon *self = FF_DAEMON (object);

  ff_daemon_unexport (self);
  if (self->orchestrator != NULL)
    g_signal_handlers_disconnect_by_data (self->orchestrator, self);
  g_clear_object (&self->orchestrator);
  g_clear_object (&self->manager);
  g_clear_object (&self->authority);
  g_clear_pointer (&self->exported, g_hash_table_unref);
  g_clear_pointer (&self->backlog, g_hash_table_unref);
  g_clear_pointer (&self->followers, g_hash_table_unref);
  g_clear_pointer (&self->pipelines, g_hash_table_unref);
  G_OBJECT_CLASS (ff_daemon_parent_class)->dispose (object);
}

static void
ff_daemon_class_init (FfDaemonClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = ff_daemon_dispose;
}

static void
ff_daemon_init (FfDaemon *self)
{
  self->exported =
      g_hash_table_new_full (g_direct_hash, g_direct_equal, g_object_unref, g_object_unref);
  self->backlog = g_hash_table_new_full (g_direct_hash, g_direct_equal, g_object_unref, g_free);
  self->followers =
      g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_ptr_array_unref);
}

FfDaemon *
ff_daemon_new (FfOrchestrator *orchestrator)
{
  FfDaemon *self = g_object_new (FF_TYPE_DAEMON, NULL);
  g_autoptr (GPtrArray) live = NULL;

  self->orchestrator = g_object_ref (orchestrator);
  self->manager = ff_dbus_manager_skeleton_new ();
  ff_dbus_manager_set_version (self->manager, FF_VERSION);
  ff_dbus_manager_set_pipelines_dir (
      self->manager, ff_pipeline_registry_get_dir (ff_orchestrator_get_registry (orchestrator)));
  g_signal_connect (self->manager, "handle-list-pipelines", G_CALLBACK (handle_list_pipelines),
                    self);
  g_signal_connect (self->manager, "handle-start-run", G_CALLBACK (handle_start_run), self);
  g_signal_connect (self->manager, "handle-rerun", G_CALLBACK (handle_rerun), self);
  g_signal_connect (self->manager, "handle-list-runs", G_CALLBACK (handle_list_runs), self);
  g_signal_connect (self->manager, "handle-list-runs-page", G_CALLBACK (handle_list_runs_page),
                    self);
  g_signal_connect (self->manager, "handle-get-run", G_CALLBACK (handle_get_run), self);
  g_signal_connect (self->manager, "handle-reload", G_CALLBACK (handle_reload), self);
  g_signal_connect (self->manager, "handle-encrypt", G_CALLBACK (handle_encrypt), self);
  g_signal_connect (self->manager, "handle-diagnose-executor",
                    G_CALLBACK (handle_diagnose_executor), self);
  g_signal_connect (self->manager, "handle-list-executors", G_CALLBACK (handle_list_executors),
                    self);
  g_signal_connect (self->manager, "g-authorize-method", G_CALLBACK (on_authorize_method), self);
  g_signal_connect (orchestrator, "run-added", G_CALLBACK (on_run_added), self);
  g_signal_connect (orchestrator, "run-removed", G_CALLBACK (on_run_removed), self);
  g_signal_connect (orchestrator, "run-created", G_CALLBACK (on_run_created), self);
  g_signal_connect (orchestrator, "run-output", G_CALLBACK (on_run_output), self);
  g_signal_connect (orchestrator, "run-finished", G_CALLBACK (on_run_finished), self);
  g_signal_connect (orchestrator, "notify::running-runs", G_CALLBACK (on_counts_changed), self);
  g_signal_connect (orchestrator, "notify::queued-runs", G_CALLBACK (on_counts_changed), self);
  on_counts_changed (orchestrator, NULL, self);
  self->pipelines = pipeline_fingerprints (self);
  g_signal_connect_object (ff_orchestrator_get_registry (orchestrator), "changed",
                           G_CALLBACK (on_pipelines_changed), self, 0);
  live = ff_orchestrator_dup_live_runs (orchestrator);
  for (guint i = 0; i < live->len; i++)
    export_run (self, g_ptr_array_index (live, i));
  return self;
}
