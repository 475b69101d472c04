/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

/*
 * One HTTP server per address in the daemon: the metrics endpoint and the
 * webhooks each add their paths, and when both are set to the same
 * address they share its server (and its port).
 *
 * @listen: an IP address and a port, "127.0.0.1:9464" or "[::1]:9464";
 *   port 0 picks a free one, never shared
 *
 * Returns: (transfer full): a listening server, or %NULL with an error
 *   naming @listen
 */
SoupServer *ff_http_server_acquire (const gchar *listen, GError **error);
/* The port @server listens on. */
guint16 ff_http_server_get_port (SoupServer *server);

G_END_DECLS
