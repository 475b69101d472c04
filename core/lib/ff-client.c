/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ff-client.h"
#include "ff-dbus-generated.h"
#include "ff-enums.h"
#include "ff-log-follower-private.h"

#define BUS_NAME "org.fastflow.Orchestrator1"
#define MANAGER_PATH "/org/fastflow/Orchestrator1"

/**
 * FfClient:
 *
 * A small client of fastflowd for programs and scripts (also through
 * GObject Introspection): list pipelines, start a run, follow its output,
 * wait for it, cancel it, read the history. D-Bus errors come back with
 * fastflowd's message and without the D-Bus error name.
 */
struct _FfClient
{
  GObject parent_instance;
  GDBusConnection *connection;
  FfDBusManager *manager;
};

G_DEFINE_TYPE (FfClient, ff_client, G_TYPE_OBJECT)

enum
{
  SIGNAL_OUTPUT,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
ff_client_dispose (GObject *object)
{
  FfClient *self = FF_CLIENT (object);

  g_clear_object (&self->manager);
  g_clear_object (&self->connection);
  G_OBJECT_CLASS (ff_client_parent_class)->dispose (object);
}

static void
ff_client_class_init (FfClientClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = ff_client_dispose;

  /**
   * FfClient::output:
   * @self: the client
   * @run_id: the run that is followed
   * @data: the next bytes of its output, each byte once and in order
   */
  signals[SIGNAL_OUTPUT] =
      g_signal_new ("output", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                    G_TYPE_NONE, 2, G_TYPE_UINT64, G_TYPE_BYTES);
}

static void
ff_client_init (FfClient *self)
{
}

static gboolean
strip (gboolean ok, GError **error)
{
  if (!ok && error != NULL && *error != NULL && g_dbus_error_is_remote_error (*error))
    g_dbus_error_strip_remote_error (*error);
  return ok;
}

/**
 * ff_client_new_sync:
 * @bus_type: %G_BUS_TYPE_SESSION, or %G_BUS_TYPE_SYSTEM for a system daemon
 *
 * Returns: (transfer full): a client, or %NULL when the bus cannot be reached
 */
FfClient *
ff_client_new_sync (GBusType bus_type, GCancellable *cancellable, GError **error)
{
  g_autoptr (FfClient) self = g_object_new (FF_TYPE_CLIENT, NULL);

  self->connection = g_bus_get_sync (bus_type, cancellable, error);
  if (self->connection == NULL)
    return NULL;
  self->manager = ff_dbus_manager_proxy_new_sync (self->connection, G_DBUS_PROXY_FLAGS_NONE,
                                                  BUS_NAME, MANAGER_PATH, cancellable, error);
  if (self->manager == NULL)
    return NULL;
  return g_steal_pointer (&self);
}

/**
 * ff_client_list_pipelines_sync:
 *
 * Returns: (transfer full): ListPipelines' `aa{sv}`: name, description,
 *   tags, enabled, executor, schedule, next_run, last_state, broken, error
 */
GVariant *
ff_client_list_pipelines_sync (FfClient *self, GCancellable *cancellable, GError **error)
{
  GVariant *pipelines = NULL;

  g_return_val_if_fail (FF_IS_CLIENT (self), NULL);
  strip (ff_dbus_manager_call_list_pipelines_sync (self->manager, &pipelines, cancellable, error),
         error);
  return pipelines;
}

/**
 * ff_client_start_run_sync:
 * @env: (nullable) (element-type utf8 utf8): environment for the run
 *
 * Returns: the new run's id, 0 with @error set when it was not started
 */
guint64
ff_client_start_run_sync (FfClient *self,
                          const gchar *pipeline,
                          GHashTable *env,
                          GCancellable *cancellable,
                          GError **error)
{
  g_autofree gchar *path = NULL;
  GVariantBuilder env_builder;
  GVariantDict options;
  GHashTableIter iter;
  gpointer key, value;

  g_return_val_if_fail (FF_IS_CLIENT (self), 0);
  g_return_val_if_fail (pipeline != NULL, 0);

  g_variant_builder_init (&env_builder, G_VARIANT_TYPE ("a{ss}"));
  if (env != NULL)
    {
      g_hash_table_iter_init (&iter, env);
      while (g_hash_table_iter_next (&iter, &key, &value))
        g_variant_builder_add (&env_builder, "{ss}", key, value);
    }
  g_variant_dict_init (&options, NULL);
  g_variant_dict_insert_value (&options, "env", g_variant_builder_end (&env_builder));
  g_variant_dict_insert (&options, "triggered_by", "s", "client");
  if (!strip (ff_dbus_manager_call_start_run_sync (self->manager, pipeline,
                                                   g_variant_dict_end (&options), &path,
                                                   cancellable, error),
              error))
    return 0;
  return g_ascii_strtoull (strrchr (path, '/') + 1, NULL, 10);
}

static FfDBusRun *
run_proxy (FfClient *self, guint64 run_id, GCancellable *cancellable, GError **error)
{
  g_autofree gchar *path = NULL;

  if (!strip (ff_dbus_manager_call_get_run_sync (self->manager, run_id, &path, cancellable, error),
              error))
    return NULL;
  /* no catch-all signal match: the bus daemon would forward every byte of
   * Output here too, which FfLogFollower reads from the log itself */
  return ff_dbus_run_proxy_new_sync (self->connection, G_DBUS_PROXY_FLAGS_DO_NOT_CONNECT_SIGNALS,
                                     BUS_NAME, path, cancellable, error);
}

typedef struct
{
  FfClient *self;
  guint64 run_id;
  FfDBusRun *run;
  FfLogFollower *follower;
} Follow;

static void
follow_free (Follow *follow)
{
  if (follow->follower != NULL)
    g_signal_handlers_disconnect_by_data (follow->follower, follow);
  g_clear_object (&follow->follower);
  g_clear_object (&follow->run);
  g_free (follow);
}

static void
on_follow_data (FfLogFollower *follower, GBytes *data, GTask *task)
{
  Follow *follow = g_task_get_task_data (task);

  g_signal_emit (follow->self, signals[SIGNAL_OUTPUT], 0, follow->run_id, data);
}

/* The run's outcome as `fastflowctl run` would exit (DESIGN §7). */
static gint
outcome (FfDBusRun *run)
{
  FfReason reason;

  if (!ff_reason_from_string (ff_dbus_run_get_reason (run), &reason))
    reason = FF_REASON_NONE;
  return ff_reason_get_cli_exit_code (reason, ff_dbus_run_get_exit_code (run));
}

static void
on_follow_done (FfLogFollower *follower, GTask *task)
{
  Follow *follow = g_task_get_task_data (task);
  const GError *error = ff_log_follower_get_error (follower);

  if (error != NULL)
    g_task_return_error (task, g_error_copy (error));
  else
    g_task_return_int (task, outcome (follow->run));
  g_object_unref (task);
}

/**
 * ff_client_follow_run_async:
 *
 * Follows run @run_id from the start of its output to its end, emitting
 * #FfClient::output for each new piece.
 */
void
ff_client_follow_run_async (FfClient *self,
                            guint64 run_id,
                            GCancellable *cancellable,
                            GAsyncReadyCallback callback,
                            gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr (GError) error = NULL;
  Follow *follow = g_new0 (Follow, 1);

  g_task_set_source_tag (task, ff_client_follow_run_async);
  g_task_set_task_data (task, follow, (GDestroyNotify) follow_free);
  follow->self = self;
  follow->run_id = run_id;
  follow->run = run_proxy (self, run_id, cancellable, &error);
  if (follow->run == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }
  follow->follower = ff_log_follower_new (follow->run, TRUE);
  g_signal_connect (follow->follower, "data", G_CALLBACK (on_follow_data), task);
  g_signal_connect (follow->follower, "done", G_CALLBACK (on_follow_done), task);
  ff_log_follower_start (follow->follower);
}

/**
 * ff_client_follow_run_finish:
 *
 * Returns: the run's outcome as `fastflowctl run` exits with it (0, the
 *   pipeline's exit code, 124 timeout, 125 infrastructure, …), or -1 with
 *   @error set
 */
gint
ff_client_follow_run_finish (FfClient *self, GAsyncResult *result, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  gssize code;

  g_return_val_if_fail (g_task_is_valid (result, self), -1);
  code = g_task_propagate_int (G_TASK (result), &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return -1;
    }
  return (gint) code;
}

static void
on_waited (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

/**
 * ff_client_wait_run_sync:
 *
 * Waits until run @run_id has ended, following its output (#FfClient::output
 * is emitted meanwhile), on a main context of its own.
 *
 * Returns: as ff_client_follow_run_finish ()
 */
gint
ff_client_wait_run_sync (FfClient *self, guint64 run_id, GCancellable *cancellable, GError **error)
{
  g_autoptr (GMainContext) context = g_main_context_new ();
  g_autoptr (GAsyncResult) result = NULL;

  g_return_val_if_fail (FF_IS_CLIENT (self), -1);
  g_main_context_push_thread_default (context);
  ff_client_follow_run_async (self, run_id, cancellable, on_waited, &result);
  while (result == NULL)
    g_main_context_iteration (context, TRUE);
  g_main_context_pop_thread_default (context);
  return ff_client_follow_run_finish (self, result, error);
}

gboolean
ff_client_cancel_run_sync (FfClient *self,
                           guint64 run_id,
                           GCancellable *cancellable,
                           GError **error)
{
  g_autoptr (FfDBusRun) run = NULL;

  g_return_val_if_fail (FF_IS_CLIENT (self), FALSE);
  run = run_proxy (self, run_id, cancellable, error);
  return run != NULL && strip (ff_dbus_run_call_cancel_sync (run, cancellable, error), error);
}

/**
 * ff_client_list_runs_sync:
 * @pipeline: (nullable): only this pipeline's runs
 * @limit: at most this many, 0 for all
 *
 * Returns: (transfer full) (element-type guint64): run ids, newest first
 */
GArray *
ff_client_list_runs_sync (
    FfClient *self, const gchar *pipeline, guint limit, GCancellable *cancellable, GError **error)
{
  g_auto (GStrv) paths = NULL;
  GArray *ids;
  GVariantDict filter;

  g_return_val_if_fail (FF_IS_CLIENT (self), NULL);
  g_variant_dict_init (&filter, NULL);
  if (pipeline != NULL)
    g_variant_dict_insert (&filter, "pipeline", "s", pipeline);
  if (limit > 0)
    g_variant_dict_insert (&filter, "limit", "u", limit);
  if (!strip (ff_dbus_manager_call_list_runs_sync (self->manager, g_variant_dict_end (&filter),
                                                   &paths, cancellable, error),
              error))
    return NULL;
  ids = g_array_new (FALSE, FALSE, sizeof (guint64));
  for (guint i = 0; paths[i] != NULL; i++)
    {
      guint64 id = g_ascii_strtoull (strrchr (paths[i], '/') + 1, NULL, 10);
      g_array_append_val (ids, id);
    }
  return ids;
}

/**
 * ff_client_dup_run_state:
 *
 * Returns: (transfer full) (nullable): the run's state (`queued`, …,
 *   `succeeded`, `failed`, `cancelled`, `timed-out`)
 */
gchar *
ff_client_dup_run_state (FfClient *self, guint64 run_id, GError **error)
{
  g_autoptr (FfDBusRun) run = NULL;

  g_return_val_if_fail (FF_IS_CLIENT (self), NULL);
  run = run_proxy (self, run_id, NULL, error);
  return run != NULL ? g_strdup (ff_dbus_run_get_state (run)) : NULL;
}
