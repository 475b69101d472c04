/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define FF_TYPE_METRICS_SERVER (ff_metrics_server_get_type ())
G_DECLARE_FINAL_TYPE (FfMetricsServer, ff_metrics_server, FF, METRICS_SERVER, GObject)

/* Returns the page's text, newly allocated, in the OpenMetrics format or
 * else in Prometheus' text format 0.0.4. */
typedef gchar *(*FfMetricsRenderFunc) (gboolean openmetrics, gpointer user_data);

/**
 * FfMetricsServer:
 *
 * The metrics endpoint: GET /metrics on an address of the operator's
 * choice (`127.0.0.1:9464`, `[::1]:9464`), answered from the main loop in
 * the OpenMetrics format when the client accepts it (Prometheus does), else
 * in Prometheus' text format 0.0.4.
 */
FfMetricsServer *ff_metrics_server_new (const gchar *listen,
                                        FfMetricsRenderFunc render,
                                        gpointer user_data,
                                        GError **error);
guint16 ff_metrics_server_get_port (FfMetricsServer *self);

G_END_DECLS
