/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <inttypes.h>

#include "ff-client.h"
#include "ff-client-private.h"
#include "ff-enums.h"
#include "ff-error.h"
#include "ff-log-follower-private.h"

/**
 * FfClientRun:
 *
 * One run as fastflowd shows it: its state, outcome and use, kept up to
 * date while the object lives; its output through
 * ff_client_run_follow_async ().
 */
struct _FfClientRun
{
  GObject parent_instance;
  FfDBusRun *proxy;
};

G_DEFINE_TYPE (FfClientRun, ff_client_run, G_TYPE_OBJECT)

enum
{
  RUN_SIGNAL_OUTPUT,
  RUN_SIGNAL_STREAM_OUTPUT,
  RUN_N_SIGNALS
};

static guint run_signals[RUN_N_SIGNALS];

static void
ff_client_run_dispose (GObject *object)
{
  g_clear_object (&FF_CLIENT_RUN (object)->proxy);
  G_OBJECT_CLASS (ff_client_run_parent_class)->dispose (object);
}

static void
ff_client_run_class_init (FfClientRunClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = ff_client_run_dispose;
  /* as FfClient's: Cancel's AlreadyFinished comes as FF_ERROR */
  (void) ff_error_quark ();

  /**
   * FfClientRun::output:
   * @self: the run that is followed
   * @data: the next bytes of its output, each byte once and in order
   */
  run_signals[RUN_SIGNAL_OUTPUT] =
      g_signal_new ("output", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                    G_TYPE_NONE, 1, G_TYPE_BYTES);
  /**
   * FfClientRun::stream-output:
   * @self: the run that is followed
   * @stream: the #FfStream @data came from (%FF_STREAM_STDOUT from a
   *   fastflowd that does not keep the streams apart)
   * @data: the same bytes as #FfClientRun::output, emitted just before it
   *
   * The run's output, each piece with the stream it came from, in the
   * order it arrived.
   */
  run_signals[RUN_SIGNAL_STREAM_OUTPUT] =
      g_signal_new ("stream-output", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                    NULL, G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_BYTES);
}

static void
ff_client_run_init (FfClientRun *self)
{
}

/* @proxy: (transfer full): the run's proxy, with its properties */
FfClientRun *
ff_client_run_new (FfDBusRun *proxy)
{
  FfClientRun *run = g_object_new (FF_TYPE_CLIENT_RUN, NULL);

  run->proxy = proxy;
  return run;
}

/* "MemoryPeakBytes" → "memory-peak-bytes", the skeleton's property name */
static gchar *
property_name_for (const gchar *dbus_name)
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

/* A run from a dictionary of its properties (ListRunsPage's): a skeleton
 * that is never exported holds them, so the getters read them as they
 * read a proxy's. Keys of another type or unknown ones are left out. */
FfClientRun *
ff_client_run_new_snapshot (GVariant *properties)
{
  FfDBusRun *skeleton = ff_dbus_run_skeleton_new ();
  GDBusPropertyInfo **infos = ff_dbus_run_interface_info ()->properties;

  for (guint i = 0; infos[i] != NULL; i++)
    {
      g_autoptr (GVariant) value =
          g_variant_lookup_value (properties, infos[i]->name, G_VARIANT_TYPE (infos[i]->signature));
      g_autofree gchar *name = NULL;
      g_auto (GValue) gvalue = G_VALUE_INIT;

      if (value == NULL)
        continue;
      name = property_name_for (infos[i]->name);
      g_dbus_gvariant_to_gvalue (value, &gvalue);
      g_object_set_property (G_OBJECT (skeleton), name, &gvalue);
    }
  return ff_client_run_new (skeleton);
}

/**
 * ff_client_run_is_snapshot:
 *
 * Returns: %TRUE for a run from ff_client_list_runs_page_sync (): its
 *   properties as they were when it was listed, not kept up to date; it
 *   cannot be cancelled, followed or waited for (ff_client_get_run_sync ()
 *   gives the run that can)
 */
gboolean
ff_client_run_is_snapshot (FfClientRun *self)
{
  g_return_val_if_fail (FF_IS_CLIENT_RUN (self), FALSE);
  return !G_IS_DBUS_PROXY (self->proxy);
}

static gboolean
check_not_snapshot (FfClientRun *self, GError **error)
{
  if (!ff_client_run_is_snapshot (self))
    return TRUE;
  g_set_error (error, FF_ERROR, FF_ERROR_INVALID_ARGUMENT,
               _ ("Run %" PRIu64 " comes from a page of runs, which is not connected "
                  "to fastflowd: get it with ff_client_get_run_sync () to cancel, follow or "
                  "wait for it"),
               ff_dbus_run_get_id (self->proxy));
  return FALSE;
}

/* The async calls of a snapshot end at once, with check_not_snapshot's error. */
static gboolean
task_check_not_snapshot (FfClientRun *self, GTask *task)
{
  GError *error = NULL;

  if (check_not_snapshot (self, &error))
    return TRUE;
  g_task_return_error (task, error);
  g_object_unref (task);
  return FALSE;
}

typedef struct
{
  FfLogFollower *follower;
  GSource *cancelled; /* stops following in the task's context */
} Follow;

/* Stops watching a cancellable: its source must not fire after the task
 * it belongs to has returned. */
static void
clear_cancelled_source (GSource **source)
{
  if (*source == NULL)
    return;
  g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}

static void
stop_watching_cancellable (Follow *follow)
{
  clear_cancelled_source (&follow->cancelled);
}

static void
follow_free (Follow *follow)
{
  if (follow->follower != NULL)
    g_signal_handlers_disconnect_by_data (follow->follower, follow);
  stop_watching_cancellable (follow);
  g_clear_object (&follow->follower);
  g_free (follow);
}

static void
on_follow_data (FfLogFollower *follower, GBytes *data, guint stream, GTask *task)
{
  GObject *run = g_task_get_source_object (task);

  g_signal_emit (run, run_signals[RUN_SIGNAL_STREAM_OUTPUT], 0, stream, data);
  g_signal_emit (run, run_signals[RUN_SIGNAL_OUTPUT], 0, data);
}

static void
on_follow_done (FfLogFollower *follower, GTask *task)
{
  Follow *follow = g_task_get_task_data (task);
  const GError *error = ff_log_follower_get_error (follower);

  /* the source holds the task: let go of it, or neither would be freed */
  stop_watching_cancellable (follow);
  if (error != NULL)
    g_task_return_error (task, g_error_copy (error));
  else
    g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

/* A source rather than a ::cancelled handler: aborting ends the task,
 * which must not disconnect from the cancellable inside its own signal. */
static gboolean
on_follow_cancelled (GCancellable *cancellable, gpointer user_data)
{
  Follow *follow = g_task_get_task_data (user_data);

  ff_log_follower_abort (follow->follower,
                         g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                              _ ("Following the run was cancelled")));
  return G_SOURCE_REMOVE;
}

/**
 * ff_client_run_follow_async:
 * @live: %TRUE to follow until the run has ended, %FALSE for the output
 *   there is now
 * @cancellable: (nullable): stops following (not the run)
 *
 * Reads the run's output from its start, emitting #FfClientRun::output
 * for each new piece.
 */
void
ff_client_run_follow_async (FfClientRun *self,
                            gboolean live,
                            GCancellable *cancellable,
                            GAsyncReadyCallback callback,
                            gpointer user_data)
{
  GTask *task;
  Follow *follow;

  g_return_if_fail (FF_IS_CLIENT_RUN (self));
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ff_client_run_follow_async);
  if (!task_check_not_snapshot (self, task))
    return;
  follow = g_new0 (Follow, 1);
  g_task_set_task_data (task, follow, (GDestroyNotify) follow_free);
  follow->follower = ff_log_follower_new (self->proxy, live);
  g_signal_connect (follow->follower, "data", G_CALLBACK (on_follow_data), task);
  g_signal_connect (follow->follower, "done", G_CALLBACK (on_follow_done), task);
  if (cancellable != NULL)
    {
      follow->cancelled = g_cancellable_source_new (cancellable);
      g_task_attach_source (task, follow->cancelled, G_SOURCE_FUNC (on_follow_cancelled));
    }
  ff_log_follower_start (follow->follower);
}

/**
 * ff_client_run_follow_finish:
 *
 * Returns: %TRUE when the output was read to its end, %FALSE with @error
 *   set when it could not be (fastflowd went away, cancelled)
 */
gboolean
ff_client_run_follow_finish (FfClientRun *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Waiting for a run's end reads its State, not its log: a waiter costs
 * fastflowd nothing while the run prints. */
typedef struct
{
  GSource *cancelled;
} Wait;

static void
wait_free (Wait *wait)
{
  clear_cancelled_source (&wait->cancelled);
  g_free (wait);
}

static gboolean
run_is_finished (FfClientRun *self)
{
  FfRunState state;

  return ff_run_state_from_string (ff_dbus_run_get_state (self->proxy), &state) &&
         ff_run_state_is_finished (state);
}

/* Returns the task once, with @error (taken) or the run's outcome. */
static void
wait_return (GTask *task, GError *error)
{
  FfClientRun *self = g_task_get_source_object (task);

  /* whichever comes first ends the wait; the others must not return too */
  g_signal_handlers_disconnect_by_data (self->proxy, task);
  clear_cancelled_source (&((Wait *) g_task_get_task_data (task))->cancelled);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_int (task, ff_client_run_get_outcome (self));
  g_object_unref (task);
}

static void
on_wait_state (FfDBusRun *proxy, GParamSpec *pspec, GTask *task)
{
  if (run_is_finished (g_task_get_source_object (task)))
    wait_return (task, NULL);
}

static void
on_wait_owner (FfDBusRun *proxy, GParamSpec *pspec, GTask *task)
{
  g_autofree gchar *owner = g_dbus_proxy_get_name_owner (G_DBUS_PROXY (proxy));

  if (owner == NULL)
    wait_return (task, ff_log_follower_new_gone_error ());
}

static gboolean
on_wait_cancelled (GCancellable *cancellable, gpointer user_data)
{
  wait_return (user_data, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                               _ ("Waiting for the run was cancelled")));
  return G_SOURCE_REMOVE;
}

/**
 * ff_client_run_wait_async:
 * @cancellable: (nullable): stops waiting (not the run)
 *
 * Waits until the run has ended, without reading its output; at once when
 * it has already.
 */
void
ff_client_run_wait_async (FfClientRun *self,
                          GCancellable *cancellable,
                          GAsyncReadyCallback callback,
                          gpointer user_data)
{
  GTask *task;
  Wait *wait;

  g_return_if_fail (FF_IS_CLIENT_RUN (self));
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ff_client_run_wait_async);
  if (run_is_finished (self))
    {
      g_task_return_int (task, ff_client_run_get_outcome (self));
      g_object_unref (task);
      return;
    }
  if (!task_check_not_snapshot (self, task))
    return;
  wait = g_new0 (Wait, 1);
  g_task_set_task_data (task, wait, (GDestroyNotify) wait_free);
  g_signal_connect (self->proxy, "notify::state", G_CALLBACK (on_wait_state), task);
  g_signal_connect (self->proxy, "notify::g-name-owner", G_CALLBACK (on_wait_owner), task);
  if (cancellable != NULL)
    {
      wait->cancelled = g_cancellable_source_new (cancellable);
      g_task_attach_source (task, wait->cancelled, G_SOURCE_FUNC (on_wait_cancelled));
    }
}

/**
 * ff_client_run_wait_finish:
 *
 * Returns: the run's outcome as ff_client_run_get_outcome () gives it, or
 *   -1 with @error set (fastflowd went away, cancelled)
 */
gint
ff_client_run_wait_finish (FfClientRun *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), -1);
  return ff_client_propagate_outcome (G_TASK (result), error);
}

/**
 * ff_client_run_get_outcome:
 *
 * Returns: the run's outcome as `fastflowctl run` exits with it (DESIGN
 *   §7): 0, the pipeline's exit code, 124 timeout, 125 infrastructure, …
 */
gint
ff_client_run_get_outcome (FfClientRun *self)
{
  FfReason reason;

  g_return_val_if_fail (FF_IS_CLIENT_RUN (self), -1);
  if (!ff_reason_from_string (ff_dbus_run_get_reason (self->proxy), &reason))
    reason = FF_REASON_NONE;
  return ff_reason_get_cli_exit_code (reason, ff_dbus_run_get_exit_code (self->proxy));
}

gboolean
ff_client_run_cancel_sync (FfClientRun *self, GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (FF_IS_CLIENT_RUN (self), FALSE);
  if (!check_not_snapshot (self, error))
    return FALSE;
  return ff_client_strip_remote_error (
      ff_dbus_run_call_cancel_sync (self->proxy, cancellable, error), error);
}

static void
on_cancelled_run (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;

  if (ff_client_strip_remote_error (
          ff_dbus_run_call_cancel_finish (FF_DBUS_RUN (source), result, &error), &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/**
 * ff_client_run_cancel_async:
 *
 * Asks fastflowd to cancel the run, without waiting on this thread.
 */
void
ff_client_run_cancel_async (FfClientRun *self,
                            GCancellable *cancellable,
                            GAsyncReadyCallback callback,
                            gpointer user_data)
{
  GTask *task;

  g_return_if_fail (FF_IS_CLIENT_RUN (self));
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ff_client_run_cancel_async);
  if (!task_check_not_snapshot (self, task))
    return;
  ff_dbus_run_call_cancel (self->proxy, cancellable, on_cancelled_run, task);
}

gboolean
ff_client_run_cancel_finish (FfClientRun *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * ff_client_run_get_metrics_sync:
 *
 * Returns: (transfer full): GetMetrics' samples, `a(xdt)`: time in µs since
 *   the epoch, CPU percent, memory bytes
 */
GVariant *
ff_client_run_get_metrics_sync (FfClientRun *self, GCancellable *cancellable, GError **error)
{
  GVariant *samples = NULL;

  g_return_val_if_fail (FF_IS_CLIENT_RUN (self), NULL);
  if (!check_not_snapshot (self, error))
    return NULL;
  ff_client_strip_remote_error (
      ff_dbus_run_call_get_metrics_sync (self->proxy, &samples, cancellable, error), error);
  return samples;
}

/* The run's properties, as fastflowd last announced them. */
#define RUN_GETTER(type, name)                                                                     \
  type ff_client_run_get_##name (FfClientRun *self)                                                \
  {                                                                                                \
    g_return_val_if_fail (FF_IS_CLIENT_RUN (self), 0);                                             \
    return ff_dbus_run_get_##name (self->proxy);                                                   \
  }

/**
 * ff_client_run_get_id:
 *
 * Returns: the run's id
 */
RUN_GETTER (guint64, id)

/**
 * ff_client_run_get_pipeline:
 *
 * Returns: the pipeline's name
 */
RUN_GETTER (const gchar *, pipeline)

/**
 * ff_client_run_get_state:
 *
 * Returns: `queued`, `starting`, `running`, …, `succeeded`, `failed`, `cancelled` or `timed-out`
 */
RUN_GETTER (const gchar *, state)

/**
 * ff_client_run_get_error_class:
 *
 * Returns: why it failed in a word (`pipeline`, `infrastructure`, …), "" while none
 */
RUN_GETTER (const gchar *, error_class)

/**
 * ff_client_run_get_reason:
 *
 * Returns: the reason id (DESIGN §7), "" while none
 */
RUN_GETTER (const gchar *, reason)

/**
 * ff_client_run_get_message:
 *
 * Returns: what happened, in the daemon's language
 */
RUN_GETTER (const gchar *, message)

/**
 * ff_client_run_get_exit_code:
 *
 * Returns: the pipeline's exit code once finished
 */
RUN_GETTER (gint, exit_code)

/**
 * ff_client_run_get_executor:
 *
 * Returns: the executor it runs with
 */
RUN_GETTER (const gchar *, executor)

/**
 * ff_client_run_get_attempt:
 *
 * Returns: this attempt, from 1
 */
RUN_GETTER (guint, attempt)

/**
 * ff_client_run_get_max_attempts:
 *
 * Returns: how many attempts it may make
 */
RUN_GETTER (guint, max_attempts)

/**
 * ff_client_run_get_triggered_by:
 *
 * Returns: who started it (`manual`, `schedule`, …)
 */
RUN_GETTER (const gchar *, triggered_by)

/**
 * ff_client_run_get_created_at:
 *
 * Returns: when it was created, µs since the epoch
 */
RUN_GETTER (gint64, created_at)

/**
 * ff_client_run_get_started_at:
 *
 * Returns: when it started, µs since the epoch, 0 before
 */
RUN_GETTER (gint64, started_at)

/**
 * ff_client_run_get_finished_at:
 *
 * Returns: when it finished, µs since the epoch, 0 before
 */
RUN_GETTER (gint64, finished_at)

/**
 * ff_client_run_get_cpu_percent:
 *
 * Returns: its CPU use
 */
RUN_GETTER (gdouble, cpu_percent)

/**
 * ff_client_run_get_memory_bytes:
 *
 * Returns: its memory use
 */
RUN_GETTER (guint64, memory_bytes)

/**
 * ff_client_run_get_memory_peak_bytes:
 *
 * Returns: its highest memory use
 */
RUN_GETTER (guint64, memory_peak_bytes)

/**
 * ff_client_run_get_soft_limit_exceeded:
 *
 * Returns: whether it went over a soft limit
 */
RUN_GETTER (gboolean, soft_limit_exceeded)

/**
 * ff_client_run_get_route:
 *
 * Returns: the route its route file chose, "" for none
 */
RUN_GETTER (const gchar *, route)

/**
 * ff_client_run_get_metrics_message:
 *
 * Returns: why there are no metrics, "" when there are
 */
RUN_GETTER (const gchar *, metrics_message)
