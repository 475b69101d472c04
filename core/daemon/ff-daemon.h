/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ff-authority.h"
#include "ff-orchestrator.h"

G_BEGIN_DECLS

#define FF_DBUS_NAME "org.fastflow.Orchestrator1"
#define FF_DBUS_PATH "/org/fastflow/Orchestrator1"

#define FF_TYPE_DAEMON (ff_daemon_get_type ())
G_DECLARE_FINAL_TYPE (FfDaemon, ff_daemon, FF, DAEMON, GObject)

/**
 * FfDaemon:
 *
 * Publishes an #FfOrchestrator on D-Bus: the Manager object, one Run
 * object per live run under an object manager, and their signals. Foreign
 * errors are turned into FfError here, at the edge.
 */
FfDaemon *ff_daemon_new (FfOrchestrator *orchestrator);
gboolean ff_daemon_export (FfDaemon *self, GDBusConnection *connection, GError **error);
void ff_daemon_unexport (FfDaemon *self);
void ff_daemon_set_authority (FfDaemon *self, FfAuthority *authority);

G_END_DECLS
