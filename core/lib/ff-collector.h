/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "ff-execution.h"

G_BEGIN_DECLS

#define FF_COLLECTOR_EXTENSION_POINT_NAME "fastflow-collector"

#define FF_TYPE_COLLECTOR (ff_collector_get_type ())
G_DECLARE_INTERFACE (FfCollector, ff_collector, FF, COLLECTOR, GObject)

/**
 * FfCollectorInterface:
 * @configure: read settings from the daemon's configuration (optional)
 * @execution_started: an execution of run @run_id began
 * @execution_finished: it ended; stop sampling it
 *
 * A collector watches running executions, e.g. to sample their resource
 * use. Implementations register with the `fastflow-collector` extension
 * point.
 */
struct _FfCollectorInterface
{
  GTypeInterface g_iface;

  gboolean (*configure) (FfCollector *self, GKeyFile *config, GError **error);
  void (*execution_started) (FfCollector *self, guint64 run_id, FfExecution *execution);
  void (*execution_finished) (FfCollector *self, guint64 run_id);

  gpointer padding[12];
};

gboolean ff_collector_configure (FfCollector *self, GKeyFile *config, GError **error);
void ff_collector_execution_started (FfCollector *self, guint64 run_id, FfExecution *execution);
void ff_collector_execution_finished (FfCollector *self, guint64 run_id);

G_END_DECLS
