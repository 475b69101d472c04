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

/* A request whose body is larger than this is answered 413 and its
 * connection closed; the body is not read. Webhook bodies are a few
 * variables, the metrics endpoint takes none. */
#define FF_HTTP_SERVER_MAX_BODY (64 * 1024)
#define FF_HTTP_SERVER_DEFAULT_MAX_CONNECTIONS 32
#define FF_HTTP_SERVER_DEFAULT_IDLE_TIMEOUT_S 10

/*
 * The limits of servers acquired from now on ([http] max_connections and
 * idle_timeout): more than @max_connections connections at once are
 * answered 503 and closed; a connection is closed when it sends nothing
 * for @idle_timeout_s seconds, or has not sent a whole request that long
 * after it began. Headers are bounded by libsoup (64 KiB).
 */
void ff_http_server_set_limits (guint max_connections, guint idle_timeout_s);
/* The port @server listens on. */
guint16 ff_http_server_get_port (SoupServer *server);

G_END_DECLS
