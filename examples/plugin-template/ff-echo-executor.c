/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The smallest useful executor: it runs nothing and prints what it would
 * run, which is what a dry run of a pipeline needs. A real executor starts
 * the command in its sandbox in launch_async and emits output and exited
 * from its FfExecution as they happen.
 */
#include <string.h>

#include "ff-echo-executor.h"

/* An execution that has its whole output at once. */
#define FF_TYPE_ECHO_EXECUTION (ff_echo_execution_get_type ())
G_DECLARE_FINAL_TYPE (FfEchoExecution, ff_echo_execution, FF, ECHO_EXECUTION, FfExecution)

struct _FfEchoExecution
{
  FfExecution parent_instance;
  gchar *text;
  guint idle_id;
};

G_DEFINE_TYPE (FfEchoExecution, ff_echo_execution, FF_TYPE_EXECUTION)

/* After launch_finish: the daemon listens by then. */
static gboolean
on_idle (gpointer user_data)
{
  FfEchoExecution *self = user_data;
  g_autoptr (GBytes) data = g_bytes_new (self->text, strlen (self->text));

  self->idle_id = 0;
  ff_execution_emit_output (FF_EXECUTION (self), FF_STREAM_STDOUT, data);
  ff_execution_emit_exited (FF_EXECUTION (self), 0, FF_REASON_NONE, NULL);
  return G_SOURCE_REMOVE;
}

static void
cancel (FfExecution *execution, guint grace_ms)
{
  FfEchoExecution *self = FF_ECHO_EXECUTION (execution);

  if (self->idle_id == 0)
    return;
  g_clear_handle_id (&self->idle_id, g_source_remove);
  ff_execution_emit_exited (execution, -1, FF_REASON_CANCELLED, NULL);
}

static void
ff_echo_execution_finalize (GObject *object)
{
  FfEchoExecution *self = FF_ECHO_EXECUTION (object);

  g_clear_handle_id (&self->idle_id, g_source_remove);
  g_free (self->text);
  G_OBJECT_CLASS (ff_echo_execution_parent_class)->finalize (object);
}

static void
ff_echo_execution_class_init (FfEchoExecutionClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ff_echo_execution_finalize;
  FF_EXECUTION_CLASS (klass)->cancel = cancel;
}

static void
ff_echo_execution_init (FfEchoExecution *self)
{
}

struct _FfEchoExecutor
{
  GObject parent_instance;
};

static void ff_echo_executor_iface_init (FfExecutorInterface *iface);

G_DEFINE_TYPE_WITH_CODE (FfEchoExecutor,
                         ff_echo_executor,
                         G_TYPE_OBJECT,
                         G_IMPLEMENT_INTERFACE (FF_TYPE_EXECUTOR, ff_echo_executor_iface_init))

static const gchar *
get_name (FfExecutor *executor)
{
  return "echo";
}

static void
launch_async (FfExecutor *executor,
              FfRunRequest *request,
              GCancellable *cancellable,
              GAsyncReadyCallback callback,
              gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (executor, cancellable, callback, user_data);
  FfEchoExecution *execution = g_object_new (FF_TYPE_ECHO_EXECUTION, NULL);
  g_autofree gchar *command = g_strjoinv (" ", (gchar **) ff_run_request_get_command (request));

  execution->text =
      g_strdup_printf ("would run in %s: %s\n", ff_run_request_get_pipeline_dir (request), command);
  execution->idle_id = g_idle_add (on_idle, execution);
  g_task_return_pointer (task, execution, g_object_unref);
}

static FfExecution *
launch_finish (FfExecutor *executor, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
ff_echo_executor_iface_init (FfExecutorInterface *iface)
{
  iface->get_name = get_name;
  iface->launch_async = launch_async;
  iface->launch_finish = launch_finish;
}

static void
ff_echo_executor_class_init (FfEchoExecutorClass *klass)
{
}

static void
ff_echo_executor_init (FfEchoExecutor *self)
{
}
