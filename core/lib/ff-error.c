/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <gio/gio.h>

#include "ff-error.h"

static const GDBusErrorEntry ff_error_entries[] = {
  { FF_ERROR_FAILED, "org.fastflow.Orchestrator1.Error.Failed" },
  { FF_ERROR_NO_SUCH_PIPELINE, "org.fastflow.Orchestrator1.Error.NoSuchPipeline" },
  { FF_ERROR_NO_SUCH_RUN, "org.fastflow.Orchestrator1.Error.NoSuchRun" },
  { FF_ERROR_INVALID_ARGUMENT, "org.fastflow.Orchestrator1.Error.InvalidArgument" },
  { FF_ERROR_LIMIT_REACHED, "org.fastflow.Orchestrator1.Error.LimitReached" },
  { FF_ERROR_DISABLED, "org.fastflow.Orchestrator1.Error.Disabled" },
  { FF_ERROR_BROKEN_PIPELINE, "org.fastflow.Orchestrator1.Error.BrokenPipeline" },
  { FF_ERROR_STORAGE, "org.fastflow.Orchestrator1.Error.Storage" },
  { FF_ERROR_ACCESS_DENIED, "org.fastflow.Orchestrator1.Error.AccessDenied" },
  { FF_ERROR_ALREADY_FINISHED, "org.fastflow.Orchestrator1.Error.AlreadyFinished" },
};

GQuark
ff_error_quark (void)
{
  static gsize quark = 0;
  g_dbus_error_register_error_domain ("ff-error-quark", &quark, ff_error_entries,
                                      G_N_ELEMENTS (ff_error_entries));
  return (GQuark) quark;
}

GQuark
ff_executor_error_quark (void)
{
  return g_quark_from_static_string ("ff-executor-error-quark");
}
