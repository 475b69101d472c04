/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Answers calls to run paths that no object is exported at (a run that
 * never was, or an ended one that left the bus) with NoSuchRun, not with
 * the bus's UnknownMethod. @object_manager lists the runs that are there.
 * Returns the registration id for g_dbus_connection_unregister_subtree (),
 * 0 with @error set. */
guint ff_run_paths_register (GDBusConnection *connection,
                             GDBusObjectManager *object_manager,
                             GError **error);

G_END_DECLS
