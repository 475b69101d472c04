/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ff-client-run.h"
#include "ff-dbus-generated.h"

G_BEGIN_DECLS

/* What FfClient and FfClientRun share inside the library. */
G_GNUC_INTERNAL gboolean ff_client_strip_remote_error (gboolean ok, GError **error);
G_GNUC_INTERNAL FfClientRun *ff_client_run_new (FfDBusRun *proxy);
G_GNUC_INTERNAL FfClientRun *ff_client_run_new_snapshot (GVariant *properties);
G_GNUC_INTERNAL gint ff_client_propagate_outcome (GTask *task, GError **error);

G_END_DECLS
