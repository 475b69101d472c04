/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__FASTFLOW_H_INSIDE__) && !defined(FASTFLOW_COMPILATION)
#error "Only <fastflow.h> can be included directly."
#endif

#include <gio/gio.h>

#include "ff-enums.h"

G_BEGIN_DECLS

#define FF_TYPE_EXECUTION (ff_execution_get_type ())
G_DECLARE_DERIVABLE_TYPE (FfExecution, ff_execution, FF, EXECUTION, GObject)

/**
 * FfUsage:
 * @cpu_percent: CPU use since the previous sample, 100.0 = one core
 * @memory_bytes: resident memory now
 * @memory_limit_bytes: the hard limit, 0 if none
 *
 * One resource sample of a running execution.
 */
typedef struct
{
  gdouble cpu_percent;
  guint64 memory_bytes;
  guint64 memory_limit_bytes;
} FfUsage;

/**
 * FfExecutionClass:
 * @cancel: stop the execution: politely, then by force after @grace_ms.
 *   Must lead to exactly one #FfExecution::exited emission.
 * @sample_usage: take one resource sample (optional)
 * @get_memory_peak: the most memory the execution used, as its sandbox
 *   counted it, 0 when not known (optional). Asked once, when it exits:
 *   a program killed for its memory is gone before any sample saw it.
 *
 * An execution is one attempt of a run inside an executor's sandbox. It
 * emits #FfExecution::output as data arrives and #FfExecution::exited once,
 * after the last output.
 */
struct _FfExecutionClass
{
  GObjectClass parent_class;

  void (*cancel) (FfExecution *self, guint grace_ms);
  gboolean (*sample_usage) (FfExecution *self, FfUsage *usage, GError **error);
  guint64 (*get_memory_peak) (FfExecution *self);

  gpointer padding[11];
};

void ff_execution_cancel (FfExecution *self, guint grace_ms);
gboolean ff_execution_sample_usage (FfExecution *self, FfUsage *usage, GError **error);
guint64 ff_execution_get_memory_peak (FfExecution *self);
gboolean ff_execution_has_exited (FfExecution *self);
const gchar *const *ff_execution_get_environ (FfExecution *self);

/* For executor implementations. */
void ff_execution_emit_output (FfExecution *self, FfStream stream, GBytes *data);
void
ff_execution_emit_exited (FfExecution *self, gint exit_code, FfReason reason, const gchar *message);
void ff_execution_set_environ (FfExecution *self, const gchar *const *envp);
void ff_execution_add_note (FfExecution *self, const gchar *note);
/* (transfer none) (nullable) what the executor had to say about the launch */
const gchar *const *ff_execution_get_notes (FfExecution *self);

G_END_DECLS
