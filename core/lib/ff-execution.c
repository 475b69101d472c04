/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "ff-error.h"
#include "ff-execution.h"

typedef struct
{
  gboolean exited;
  GStrv envp; /* as the executor found it, or NULL */
  GStrv notes; /* ff_message_new() texts, or NULL */
} FfExecutionPrivate;

G_DEFINE_TYPE_WITH_PRIVATE (FfExecution, ff_execution, G_TYPE_OBJECT)

enum
{
  SIGNAL_OUTPUT,
  SIGNAL_EXITED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
ff_execution_finalize (GObject *object)
{
  FfExecutionPrivate *priv = ff_execution_get_instance_private (FF_EXECUTION (object));

  g_strfreev (priv->envp);
  g_strfreev (priv->notes);
  G_OBJECT_CLASS (ff_execution_parent_class)->finalize (object);
}

static void
ff_execution_class_init (FfExecutionClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ff_execution_finalize;

  /**
   * FfExecution::output:
   * @self: the execution
   * @stream: an #FfStream
   * @data: the bytes, in the order the program wrote them to @stream
   */
  signals[SIGNAL_OUTPUT] =
      g_signal_new ("output", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                    G_TYPE_NONE, 2, G_TYPE_INT, G_TYPE_BYTES);
  /**
   * FfExecution::exited:
   * @self: the execution
   * @exit_code: the exit code; 128 + N when killed by signal N; -1 if it never ran
   * @reason: an #FfReason
   * @message: (nullable): a localized sentence for people, or %NULL
   */
  signals[SIGNAL_EXITED] =
      g_signal_new ("exited", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                    G_TYPE_NONE, 3, G_TYPE_INT, G_TYPE_INT, G_TYPE_STRING);
}

static void
ff_execution_init (FfExecution *self)
{
}

void
ff_execution_cancel (FfExecution *self, guint grace_ms)
{
  FfExecutionPrivate *priv = ff_execution_get_instance_private (self);

  g_return_if_fail (FF_IS_EXECUTION (self));
  if (priv->exited)
    return;
  FF_EXECUTION_GET_CLASS (self)->cancel (self, grace_ms);
}

/**
 * ff_execution_sample_usage:
 * @usage: (out caller-allocates): the sample
 *
 * Returns: %TRUE if @usage was filled in
 */
gboolean
ff_execution_sample_usage (FfExecution *self, FfUsage *usage, GError **error)
{
  FfExecutionClass *klass;

  g_return_val_if_fail (FF_IS_EXECUTION (self), FALSE);
  g_return_val_if_fail (usage != NULL, FALSE);
  klass = FF_EXECUTION_GET_CLASS (self);
  if (klass->sample_usage == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           _ ("This executor does not measure resource usage"));
      return FALSE;
    }
  return klass->sample_usage (self, usage, error);
}

/**
 * ff_execution_get_memory_peak:
 *
 * Returns: the most memory the execution used in bytes, 0 when its
 *   executor does not know
 */
guint64
ff_execution_get_memory_peak (FfExecution *self)
{
  FfExecutionClass *klass;

  g_return_val_if_fail (FF_IS_EXECUTION (self), 0);
  klass = FF_EXECUTION_GET_CLASS (self);
  return klass->get_memory_peak != NULL ? klass->get_memory_peak (self) : 0;
}

gboolean
ff_execution_has_exited (FfExecution *self)
{
  FfExecutionPrivate *priv = ff_execution_get_instance_private (self);

  g_return_val_if_fail (FF_IS_EXECUTION (self), TRUE);
  return priv->exited;
}

/**
 * ff_execution_get_environ:
 *
 * The environment the execution's program runs with, as its executor found
 * it: a re-attached container still holds the values it was started with,
 * which fastflow itself does not keep (secrets). Not every executor tells.
 *
 * Returns: (transfer none) (nullable) (array zero-terminated=1): `NAME=value`
 *   strings as g_get_environ() gives them, or %NULL when not known
 */
const gchar *const *
ff_execution_get_environ (FfExecution *self)
{
  FfExecutionPrivate *priv = ff_execution_get_instance_private (self);

  g_return_val_if_fail (FF_IS_EXECUTION (self), NULL);
  return (const gchar *const *) priv->envp;
}

/**
 * ff_execution_set_environ:
 * @envp: (array zero-terminated=1) (nullable): `NAME=value` strings
 *
 * For executors: tells the environment the execution runs with (see
 * ff_execution_get_environ()), before the execution is handed over.
 */
void
ff_execution_set_environ (FfExecution *self, const gchar *const *envp)
{
  FfExecutionPrivate *priv = ff_execution_get_instance_private (self);

  g_return_if_fail (FF_IS_EXECUTION (self));
  g_strfreev (priv->envp);
  priv->envp = g_strdupv ((gchar **) envp);
}

/**
 * ff_execution_add_note:
 * @note: an ff_message_new() text
 *
 * Something the run's log should say about how the executor launched it
 * (a limit it had to lower, say), on a "[fastflow]" line before the
 * run's output.
 */
void
ff_execution_add_note (FfExecution *self, const gchar *note)
{
  FfExecutionPrivate *priv = ff_execution_get_instance_private (self);
  guint n;

  g_return_if_fail (FF_IS_EXECUTION (self));
  g_return_if_fail (note != NULL);
  n = priv->notes != NULL ? g_strv_length (priv->notes) : 0;
  priv->notes = g_renew (gchar *, priv->notes, n + 2);
  priv->notes[n] = g_strdup (note);
  priv->notes[n + 1] = NULL;
}

const gchar *const *
ff_execution_get_notes (FfExecution *self)
{
  FfExecutionPrivate *priv = ff_execution_get_instance_private (self);

  g_return_val_if_fail (FF_IS_EXECUTION (self), NULL);
  return (const gchar *const *) priv->notes;
}

void
ff_execution_emit_output (FfExecution *self, FfStream stream, GBytes *data)
{
  FfExecutionPrivate *priv = ff_execution_get_instance_private (self);

  g_return_if_fail (FF_IS_EXECUTION (self));
  g_return_if_fail (!priv->exited);
  if (g_bytes_get_size (data) == 0)
    return;
  g_signal_emit (self, signals[SIGNAL_OUTPUT], 0, (gint) stream, data);
}

void
ff_execution_emit_exited (FfExecution *self, gint exit_code, FfReason reason, const gchar *message)
{
  FfExecutionPrivate *priv = ff_execution_get_instance_private (self);

  g_return_if_fail (FF_IS_EXECUTION (self));
  g_return_if_fail (!priv->exited);
  priv->exited = TRUE;
  g_signal_emit (self, signals[SIGNAL_EXITED], 0, exit_code, (gint) reason, message);
}
