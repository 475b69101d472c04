/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ff-orchestrator.h"

G_BEGIN_DECLS

#define FF_TYPE_WEBHOOK_SERVER (ff_webhook_server_get_type ())
G_DECLARE_FINAL_TYPE (FfWebhookServer, ff_webhook_server, FF, WEBHOOK_SERVER, GObject)

/**
 * FfWebhookServer:
 *
 * `POST /api/webhooks/{pipeline}/{webhook_key}` on `[http] listen`: starts a
 * run of the pipeline (with the run configuration whose `webhook_key` it
 * is), answers its id as JSON. 401 for a wrong key, 404 for an unknown
 * pipeline or one without webhooks, 429 past `max_instances`.
 */
FfWebhookServer *
ff_webhook_server_new (FfOrchestrator *orchestrator, const gchar *listen, GError **error);
guint16 ff_webhook_server_get_port (FfWebhookServer *self);

G_END_DECLS
