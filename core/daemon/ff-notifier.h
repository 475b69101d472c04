/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ff-orchestrator.h"

G_BEGIN_DECLS

#define FF_TYPE_NOTIFIER (ff_notifier_get_type ())
G_DECLARE_FINAL_TYPE (FfNotifier, ff_notifier, FF, NOTIFIER, GObject)

/**
 * FfNotifier:
 *
 * Desktop notifications (`[notifications] enabled = true`): a failed run
 * tells the notification server of the session (org.freedesktop.Notifications)
 * its pipeline, its error class and the command that shows its log. With
 * no server there, nothing happens.
 */
FfNotifier *ff_notifier_new (FfOrchestrator *orchestrator, GDBusConnection *connection);

G_END_DECLS
