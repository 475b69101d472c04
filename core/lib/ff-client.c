/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "ff-client.h"
#include "ff-client-private.h"
#include "ff-dbus-generated.h"
#include "ff-enums.h"
#include "ff-error.h"
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
  guint pipelines_changed_id;
};

G_DEFINE_TYPE (FfClient, ff_client, G_TYPE_OBJECT)

enum
{
  SIGNAL_OUTPUT,
  SIGNAL_PIPELINES_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
ff_client_dispose (GObject *object)
{
  FfClient *self = FF_CLIENT (object);

  if (self->pipelines_changed_id != 0)
    g_dbus_connection_signal_unsubscribe (self->connection, self->pipelines_changed_id);
  self->pipelines_changed_id = 0;
  g_clear_object (&self->manager);
  g_clear_object (&self->connection);
  G_OBJECT_CLASS (ff_client_parent_class)->dispose (object);
}

static void
ff_client_class_init (FfClientClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = ff_client_dispose;
  /* fastflowd's D-Bus error names map to FfError only once the domain is
   * registered: before the first call, or a binding (PyGObject) would see
   * the first errors as G_IO_ERROR_DBUS_ERROR */
  (void) ff_error_quark ();

  /**
   * FfClient::output:
   * @self: the client
   * @run_id: the run that is followed
   * @data: the next bytes of its output, each byte once and in order
   */
  signals[SIGNAL_OUTPUT] =
      g_signal_new ("output", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                    G_TYPE_NONE, 2, G_TYPE_UINT64, G_TYPE_BYTES);

  /**
   * FfClient::pipelines-changed:
   * @self: the client
   * @added: (array zero-terminated=1): pipelines that appeared
   * @changed: (array zero-terminated=1): pipelines whose pipeline.json,
   *   error or enabled state changed
   * @removed: (array zero-terminated=1): pipelines that are gone
   *
   * fastflowd's PipelinesChanged, in the thread-default main context the
   * client was made in, so that a GUI need not poll ListPipelines.
   */
  signals[SIGNAL_PIPELINES_CHANGED] =
      g_signal_new ("pipelines-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                    NULL, NULL, G_TYPE_NONE, 3, G_TYPE_STRV, G_TYPE_STRV, G_TYPE_STRV);
}

static void
on_pipelines_changed (GDBusConnection *connection,
                      const gchar *sender,
                      const gchar *path,
                      const gchar *interface,
                      const gchar *member,
                      GVariant *parameters,
                      gpointer user_data)
{
  g_autofree const gchar **added = NULL, **changed = NULL, **removed = NULL;

  if (!g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(asasas)")))
    return;
  g_variant_get (parameters, "(^a&s^a&s^a&s)", &added, &changed, &removed);
  g_signal_emit (user_data, signals[SIGNAL_PIPELINES_CHANGED], 0, added, changed, removed);
}

static void
ff_client_init (FfClient *self)
{
}

/* A task that returns a run's outcome: the outcome, or -1 with @error. */
gint
ff_client_propagate_outcome (GTask *task, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  gssize code = g_task_propagate_int (task, &local_error);

  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return -1;
    }
  return (gint) code;
}

gboolean
ff_client_strip_remote_error (gboolean ok, GError **error)
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
  g_autoptr (GDBusConnection) connection = g_bus_get_sync (bus_type, cancellable, error);

  if (connection == NULL)
    return NULL;
  return ff_client_new_for_connection_sync (connection, cancellable, error);
}

/**
 * ff_client_new_for_connection_sync:
 * @connection: a bus connection
 *
 * Returns: (transfer full): a client of the fastflowd on @connection's bus
 */
FfClient *
ff_client_new_for_connection_sync (GDBusConnection *connection,
                                   GCancellable *cancellable,
                                   GError **error)
{
  g_autoptr (FfClient) self = g_object_new (FF_TYPE_CLIENT, NULL);

  g_return_val_if_fail (G_IS_DBUS_CONNECTION (connection), NULL);
  self->connection = g_object_ref (connection);
  /* Method calls only: without the manager's properties and signals a
   * client saves a round trip, and is not woken by every other run's
   * RunCreated, RunFinished and counters. */
  self->manager = ff_dbus_manager_proxy_new_sync (self->connection,
                                                  G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES |
                                                      G_DBUS_PROXY_FLAGS_DO_NOT_CONNECT_SIGNALS,
                                                  BUS_NAME, MANAGER_PATH, cancellable, error);
  if (self->manager == NULL)
    return NULL;
  /* this one signal only: a GUI learns of pipeline changes without
   * being woken by every run's */
  self->pipelines_changed_id = g_dbus_connection_signal_subscribe (
      self->connection, BUS_NAME, "org.fastflow.Orchestrator1.Manager", "PipelinesChanged",
      MANAGER_PATH, NULL, G_DBUS_SIGNAL_FLAGS_NONE, on_pipelines_changed, self, NULL);
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
  ff_client_strip_remote_error (
      ff_dbus_manager_call_list_pipelines_sync (self->manager, &pipelines, cancellable, error),
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
  return ff_client_start_run_full_sync (self, pipeline, env, NULL, NULL, FALSE, NULL, cancellable,
                                        error);
}

/**
 * ff_client_start_run_full_sync:
 * @env: (nullable) (element-type utf8 utf8): environment for the run
 * @executor: (nullable): run with this executor instead of the pipeline's
 * @run_config: (nullable): the id of a run configuration of schedules[]
 * @force: run even if the pipeline is disabled
 * @triggered_by: (nullable): who started it, as the run shows it; %NULL for
 *   `client`
 *
 * StartRun with its options, as `fastflowctl run` starts a run.
 *
 * Returns: the new run's id, 0 with @error set when it was not started
 */
guint64
ff_client_start_run_full_sync (FfClient *self,
                               const gchar *pipeline,
                               GHashTable *env,
                               const gchar *executor,
                               const gchar *run_config,
                               gboolean force,
                               const gchar *triggered_by,
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
  if (executor != NULL)
    g_variant_dict_insert (&options, "executor", "s", executor);
  if (run_config != NULL)
    g_variant_dict_insert (&options, "run_config", "s", run_config);
  if (force)
    g_variant_dict_insert (&options, "force", "b", TRUE);
  g_variant_dict_insert (&options, "triggered_by", "s",
                         triggered_by != NULL ? triggered_by : "client");
  return ff_client_start_run_with_options_sync (self, pipeline, g_variant_dict_end (&options),
                                                cancellable, error);
}

/**
 * ff_client_start_run_with_options_sync:
 * @options: StartRun's `a{sv}` as it goes to fastflowd (a floating
 *   reference is taken): `env` a{ss}, `executor` s, `run_config` s,
 *   `triggered_by` s, `force` b, and whatever a newer fastflowd knows; a
 *   key it does not know is refused with %FF_ERROR_INVALID_ARGUMENT
 *
 * StartRun with options as they are, for callers that build them (or
 * pass on their own callers').
 *
 * Returns: the new run's id, 0 with @error set when it was not started
 */
guint64
ff_client_start_run_with_options_sync (FfClient *self,
                                       const gchar *pipeline,
                                       GVariant *options,
                                       GCancellable *cancellable,
                                       GError **error)
{
  g_autofree gchar *path = NULL;
  g_autoptr (GVariant) owned = NULL;

  g_return_val_if_fail (FF_IS_CLIENT (self), 0);
  g_return_val_if_fail (pipeline != NULL, 0);
  g_return_val_if_fail (options != NULL && g_variant_is_of_type (options, G_VARIANT_TYPE_VARDICT),
                        0);
  owned = g_variant_ref_sink (options);
  if (!ff_client_strip_remote_error (ff_dbus_manager_call_start_run_sync (
                                         self->manager, pipeline, owned, &path, cancellable, error),
                                     error))
    return 0;
  return g_ascii_strtoull (strrchr (path, '/') + 1, NULL, 10);
}

/**
 * ff_client_rerun_sync:
 * @run_id: the run to start again
 * @options: (nullable): Rerun's `a{sv}` (a floating reference is taken):
 *   `force` b; %NULL for none
 *
 * Starts @run_id's pipeline again with its run configuration, executor and
 * the variables it was started with (`TriggeredBy` `rerun:<run_id>`).
 * %FF_ERROR_NO_SUCH_RUN for an unknown run; %FF_ERROR_FAILED when fastflowd
 * no longer holds the values of the pipeline's secrets the run may have been
 * given (they are never written to the run history).
 *
 * Returns: the new run's id, 0 with @error set when it was not started
 */
guint64
ff_client_rerun_sync (
    FfClient *self, guint64 run_id, GVariant *options, GCancellable *cancellable, GError **error)
{
  g_autofree gchar *path = NULL;
  g_autoptr (GVariant) owned = NULL;

  g_return_val_if_fail (FF_IS_CLIENT (self), 0);
  g_return_val_if_fail (options == NULL || g_variant_is_of_type (options, G_VARIANT_TYPE_VARDICT),
                        0);
  owned = g_variant_ref_sink (
      options != NULL ? options : g_variant_new_array (G_VARIANT_TYPE ("{sv}"), NULL, 0));
  if (!ff_client_strip_remote_error (
          ff_dbus_manager_call_rerun_sync (self->manager, run_id, owned, &path, cancellable, error),
          error))
    return 0;
  return g_ascii_strtoull (strrchr (path, '/') + 1, NULL, 10);
}

/**
 * ff_client_list_executors_sync:
 *
 * Returns: (transfer full): ListExecutors' `a(sbs)`: name, available, why not
 */
GVariant *
ff_client_list_executors_sync (FfClient *self, GCancellable *cancellable, GError **error)
{
  GVariant *executors = NULL;

  g_return_val_if_fail (FF_IS_CLIENT (self), NULL);
  ff_client_strip_remote_error (
      ff_dbus_manager_call_list_executors_sync (self->manager, &executors, cancellable, error),
      error);
  return executors;
}

/**
 * ff_client_diagnose_executor_sync:
 *
 * Returns: (transfer full): DiagnoseExecutor's `a(sss)`: check, level
 *   (`ok`, `warning`, `error`), message
 */
GVariant *
ff_client_diagnose_executor_sync (FfClient *self,
                                  const gchar *executor,
                                  GCancellable *cancellable,
                                  GError **error)
{
  GVariant *checks = NULL;

  g_return_val_if_fail (FF_IS_CLIENT (self), NULL);
  g_return_val_if_fail (executor != NULL, NULL);
  ff_client_strip_remote_error (ff_dbus_manager_call_diagnose_executor_sync (
                                    self->manager, executor, &checks, cancellable, error),
                                error);
  return checks;
}

/**
 * ff_client_reload_sync:
 *
 * Has fastflowd scan its pipelines folder again.
 */
gboolean
ff_client_reload_sync (FfClient *self, GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (FF_IS_CLIENT (self), FALSE);
  return ff_client_strip_remote_error (
      ff_dbus_manager_call_reload_sync (self->manager, cancellable, error), error);
}

/**
 * ff_client_dup_pipelines_dir_sync:
 *
 * Asks fastflowd for its PipelinesDir property.
 *
 * Returns: (transfer full): the folder fastflowd reads pipelines from, or
 *   %NULL with @error set
 */
gchar *
ff_client_dup_pipelines_dir_sync (FfClient *self, GCancellable *cancellable, GError **error)
{
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GVariant) value = NULL;

  g_return_val_if_fail (FF_IS_CLIENT (self), NULL);
  /* the proxy loads no properties (see ff_client_new_for_connection_sync) */
  reply = g_dbus_proxy_call_sync (
      G_DBUS_PROXY (self->manager), "org.freedesktop.DBus.Properties.Get",
      g_variant_new ("(ss)", g_dbus_proxy_get_interface_name (G_DBUS_PROXY (self->manager)),
                     "PipelinesDir"),
      G_DBUS_CALL_FLAGS_NONE, -1, cancellable, error);
  if (!ff_client_strip_remote_error (reply != NULL, error))
    return NULL;
  g_variant_get (reply, "(v)", &value);
  if (!g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
    return NULL;
  return g_variant_dup_string (value, NULL);
}

/**
 * ff_client_encrypt_sync:
 * @value: the plaintext, UTF-8
 *
 * Has fastflowd make a Fernet token of @value with its encrypted_env key,
 * for pipeline.json's encrypted_env; the key never leaves the daemon.
 *
 * Returns: (transfer full): the token, or %NULL with @error set (e.g.
 *   %FF_ERROR_INVALID_ARGUMENT when fastflowd has no key)
 */
gchar *
ff_client_encrypt_sync (FfClient *self,
                        const gchar *value,
                        GCancellable *cancellable,
                        GError **error)
{
  gchar *token = NULL;

  g_return_val_if_fail (FF_IS_CLIENT (self), NULL);
  g_return_val_if_fail (value != NULL, NULL);
  ff_client_strip_remote_error (
      ff_dbus_manager_call_encrypt_sync (self->manager, value, &token, cancellable, error), error);
  return token;
}

static FfClientRun *
run_for_path (FfClient *self, const gchar *path, GCancellable *cancellable, GError **error)
{
  /* no catch-all signal match: the bus daemon would forward every byte of
   * Output here too, which FfLogFollower reads from the log itself; the
   * properties stay, they are what a run is read for */
  FfDBusRun *proxy =
      ff_dbus_run_proxy_new_sync (self->connection, G_DBUS_PROXY_FLAGS_DO_NOT_CONNECT_SIGNALS,
                                  BUS_NAME, path, cancellable, error);

  if (proxy == NULL)
    return NULL;
  return ff_client_run_new (proxy);
}

/**
 * ff_client_get_run_sync:
 *
 * Returns: (transfer full): run @run_id, or %NULL with @error set (there is
 *   no such run)
 */
FfClientRun *
ff_client_get_run_sync (FfClient *self, guint64 run_id, GCancellable *cancellable, GError **error)
{
  g_autofree gchar *path = NULL;

  g_return_val_if_fail (FF_IS_CLIENT (self), NULL);
  if (!ff_client_strip_remote_error (
          ff_dbus_manager_call_get_run_sync (self->manager, run_id, &path, cancellable, error),
          error))
    return NULL;
  return run_for_path (self, path, cancellable, error);
}

typedef struct
{
  FfClient *self;
  guint64 run_id;
  FfClientRun *run;
} ClientFollow;

static void
client_follow_free (ClientFollow *follow)
{
  if (follow->run != NULL)
    g_signal_handlers_disconnect_by_data (follow->run, follow);
  g_clear_object (&follow->run);
  g_free (follow);
}

static void
on_client_follow_data (FfClientRun *run, GBytes *data, ClientFollow *follow)
{
  g_signal_emit (follow->self, signals[SIGNAL_OUTPUT], 0, follow->run_id, data);
}

static void
on_client_followed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  ClientFollow *follow = g_task_get_task_data (task);
  GError *error = NULL;

  if (ff_client_run_follow_finish (follow->run, result, &error))
    g_task_return_int (task, ff_client_run_get_outcome (follow->run));
  else
    g_task_return_error (task, error);
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
  ClientFollow *follow = g_new0 (ClientFollow, 1);

  g_task_set_source_tag (task, ff_client_follow_run_async);
  g_task_set_task_data (task, follow, (GDestroyNotify) client_follow_free);
  follow->self = self;
  follow->run_id = run_id;
  follow->run = ff_client_get_run_sync (self, run_id, cancellable, &error);
  if (follow->run == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }
  g_signal_connect (follow->run, "output", G_CALLBACK (on_client_follow_data), follow);
  ff_client_run_follow_async (follow->run, TRUE, cancellable, on_client_followed, task);
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
  g_return_val_if_fail (g_task_is_valid (result, self), -1);
  return ff_client_propagate_outcome (G_TASK (result), error);
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

typedef struct
{
  gboolean done;
  GError *error;
} RunWaited;

static void
on_run_waited (GObject *source, GAsyncResult *result, gpointer user_data)
{
  RunWaited *waited = user_data;

  ff_client_run_wait_finish (FF_CLIENT_RUN (source), result, &waited->error);
  waited->done = TRUE;
}

/**
 * ff_client_wait_for_run_sync:
 *
 * Waits until run @run_id has ended, without reading its output, on a main
 * context of its own; for scripts that started it (or were given its id)
 * and want its outcome: ff_client_run_get_outcome (),
 * ff_client_run_get_exit_code (), ff_client_run_get_error_class (),
 * ff_client_run_get_reason (), ff_client_run_get_message ().
 *
 * Returns: (transfer full): the run as it ended, or %NULL with @error set
 *   (no such run, fastflowd went away, cancelled)
 */
FfClientRun *
ff_client_wait_for_run_sync (FfClient *self,
                             guint64 run_id,
                             GCancellable *cancellable,
                             GError **error)
{
  g_autoptr (GMainContext) context = g_main_context_new ();
  g_autoptr (FfClientRun) run = NULL;
  RunWaited waited = { FALSE, NULL };

  g_return_val_if_fail (FF_IS_CLIENT (self), NULL);
  /* the run's proxy takes its property changes on this context */
  g_main_context_push_thread_default (context);
  run = ff_client_get_run_sync (self, run_id, cancellable, error);
  if (run == NULL)
    {
      g_main_context_pop_thread_default (context);
      return NULL;
    }
  ff_client_run_wait_async (run, cancellable, on_run_waited, &waited);
  while (!waited.done)
    g_main_context_iteration (context, TRUE);
  /* GDBus frees a proxy's signal subscriptions on the context they were
   * made on: that is this one, so the proxy goes here, and the caller gets
   * the ended run on its own context */
  g_clear_object (&run);
  while (g_main_context_iteration (context, FALSE))
    ;
  g_main_context_pop_thread_default (context);
  if (waited.error != NULL)
    {
      g_propagate_error (error, waited.error);
      return NULL;
    }
  return ff_client_get_run_sync (self, run_id, cancellable, error);
}

gboolean
ff_client_cancel_run_sync (FfClient *self,
                           guint64 run_id,
                           GCancellable *cancellable,
                           GError **error)
{
  g_autoptr (FfClientRun) run = NULL;

  g_return_val_if_fail (FF_IS_CLIENT (self), FALSE);
  run = ff_client_get_run_sync (self, run_id, cancellable, error);
  return run != NULL && ff_client_run_cancel_sync (run, cancellable, error);
}

/* ListRuns' object paths, newest first; NULL with @error set */
static gchar **
list_run_paths (FfClient *self,
                const gchar *pipeline,
                const gchar *state,
                guint limit,
                GCancellable *cancellable,
                GError **error)
{
  gchar **paths = NULL;
  GVariantDict filter;

  g_variant_dict_init (&filter, NULL);
  if (pipeline != NULL)
    g_variant_dict_insert (&filter, "pipeline", "s", pipeline);
  if (state != NULL)
    g_variant_dict_insert (&filter, "state", "s", state);
  if (limit > 0)
    g_variant_dict_insert (&filter, "limit", "u", limit);
  ff_client_strip_remote_error (ff_dbus_manager_call_list_runs_sync (self->manager,
                                                                     g_variant_dict_end (&filter),
                                                                     &paths, cancellable, error),
                                error);
  return paths;
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
  return ff_client_list_run_ids_sync (self, pipeline, NULL, limit, cancellable, error);
}

/**
 * ff_client_list_run_ids_sync:
 * @pipeline: (nullable): only this pipeline's runs
 * @state: (nullable): only runs in this state
 * @limit: at most this many, 0 for all
 *
 * Returns: (transfer full) (element-type guint64): run ids, newest first
 */
GArray *
ff_client_list_run_ids_sync (FfClient *self,
                             const gchar *pipeline,
                             const gchar *state,
                             guint limit,
                             GCancellable *cancellable,
                             GError **error)
{
  g_auto (GStrv) paths = NULL;
  GArray *ids;

  g_return_val_if_fail (FF_IS_CLIENT (self), NULL);
  paths = list_run_paths (self, pipeline, state, limit, cancellable, error);
  if (paths == NULL)
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
 * ff_client_find_runs_sync:
 * @pipeline: (nullable): only this pipeline's runs
 * @state: (nullable): only runs in this state
 * @limit: at most this many, 0 for all
 *
 * Returns: (transfer container) (element-type FfClientRun): the runs,
 *   newest first; the array unrefs them when it is freed (a container
 *   transfer to bindings, which take their own references)
 */
GPtrArray *
ff_client_find_runs_sync (FfClient *self,
                          const gchar *pipeline,
                          const gchar *state,
                          guint limit,
                          GCancellable *cancellable,
                          GError **error)
{
  g_auto (GStrv) paths = NULL;
  g_autoptr (GPtrArray) runs = g_ptr_array_new_with_free_func (g_object_unref);

  g_return_val_if_fail (FF_IS_CLIENT (self), NULL);
  paths = list_run_paths (self, pipeline, state, limit, cancellable, error);
  if (paths == NULL)
    return NULL;
  for (guint i = 0; paths[i] != NULL; i++)
    {
      FfClientRun *run = run_for_path (self, paths[i], cancellable, error);

      if (run == NULL)
        return NULL;
      g_ptr_array_add (runs, run);
    }
  return g_steal_pointer (&runs);
}

/**
 * ff_client_list_runs_page_sync:
 * @pipeline: (nullable): only this pipeline's runs
 * @state: (nullable): only runs in this state
 * @before: only runs older than this run id (the last id of the page
 *   before), 0 from the newest
 * @limit: at most this many, 0 for all
 *
 * A page of runs in one call (ListRunsPage): fastflowd puts no object on
 * the bus for them, so listing thousands costs it nothing that stays.
 *
 * Returns: (transfer container) (element-type FfClientRun): the runs,
 *   newest first, as snapshots (ff_client_run_is_snapshot ()); the array
 *   unrefs them when it is freed
 */
GPtrArray *
ff_client_list_runs_page_sync (FfClient *self,
                               const gchar *pipeline,
                               const gchar *state,
                               guint64 before,
                               guint limit,
                               GCancellable *cancellable,
                               GError **error)
{
  g_autoptr (GVariant) page = NULL;
  g_autoptr (GPtrArray) runs = g_ptr_array_new_with_free_func (g_object_unref);
  GVariantDict filter;
  GVariantIter iter;
  GVariant *properties;

  g_return_val_if_fail (FF_IS_CLIENT (self), NULL);
  g_variant_dict_init (&filter, NULL);
  if (pipeline != NULL)
    g_variant_dict_insert (&filter, "pipeline", "s", pipeline);
  if (state != NULL)
    g_variant_dict_insert (&filter, "state", "s", state);
  if (before > 0)
    g_variant_dict_insert (&filter, "before", "t", before);
  if (limit > 0)
    g_variant_dict_insert (&filter, "limit", "u", limit);
  if (!ff_client_strip_remote_error (
          ff_dbus_manager_call_list_runs_page_sync (self->manager, g_variant_dict_end (&filter),
                                                    &page, cancellable, error),
          error))
    return NULL;
  g_variant_iter_init (&iter, page);
  while ((properties = g_variant_iter_next_value (&iter)) != NULL)
    {
      g_ptr_array_add (runs, ff_client_run_new_snapshot (properties));
      g_variant_unref (properties);
    }
  return g_steal_pointer (&runs);
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
  g_autoptr (FfClientRun) run = NULL;

  g_return_val_if_fail (FF_IS_CLIENT (self), NULL);
  run = ff_client_get_run_sync (self, run_id, NULL, error);
  return run != NULL ? g_strdup (ff_client_run_get_state (run)) : NULL;
}
