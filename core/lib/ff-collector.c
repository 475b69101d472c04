/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ff-collector.h"

G_DEFINE_INTERFACE (FfCollector, ff_collector, G_TYPE_OBJECT)

static void
ff_collector_default_init (FfCollectorInterface *iface)
{
}

gboolean
ff_collector_configure (FfCollector *self, GKeyFile *config, GError **error)
{
  FfCollectorInterface *iface;

  g_return_val_if_fail (FF_IS_COLLECTOR (self), FALSE);
  iface = FF_COLLECTOR_GET_IFACE (self);
  if (iface->configure == NULL)
    return TRUE;
  return iface->configure (self, config, error);
}

void
ff_collector_execution_started (FfCollector *self, guint64 run_id, FfExecution *execution)
{
  FfCollectorInterface *iface;

  g_return_if_fail (FF_IS_COLLECTOR (self));
  iface = FF_COLLECTOR_GET_IFACE (self);
  if (iface->execution_started != NULL)
    iface->execution_started (self, run_id, execution);
}

void
ff_collector_execution_finished (FfCollector *self, guint64 run_id)
{
  FfCollectorInterface *iface;

  g_return_if_fail (FF_IS_COLLECTOR (self));
  iface = FF_COLLECTOR_GET_IFACE (self);
  if (iface->execution_finished != NULL)
    iface->execution_finished (self, run_id);
}
