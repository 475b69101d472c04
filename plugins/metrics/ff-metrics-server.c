/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <libsoup/soup.h>
#include <string.h>

#include "ff-metrics-server.h"

#define OPENMETRICS_TYPE "application/openmetrics-text; version=1.0.0; charset=utf-8"
#define TEXT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct _FfMetricsServer
{
  GObject parent_instance;
  SoupServer *server;
  FfMetricsRenderFunc render;
  gpointer render_data;
};

G_DEFINE_TYPE (FfMetricsServer, ff_metrics_server, G_TYPE_OBJECT)

static void
ff_metrics_server_dispose (GObject *object)
{
  FfMetricsServer *self = FF_METRICS_SERVER (object);

  if (self->server != NULL)
    soup_server_disconnect (self->server);
  g_clear_object (&self->server);
  G_OBJECT_CLASS (ff_metrics_server_parent_class)->dispose (object);
}

static void
ff_metrics_server_class_init (FfMetricsServerClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = ff_metrics_server_dispose;
}

static void
ff_metrics_server_init (FfMetricsServer *self)
{
}

static void
on_request (SoupServer *server,
            SoupServerMessage *msg,
            const char *path,
            GHashTable *query,
            gpointer user_data)
{
  FfMetricsServer *self = user_data;
  const gchar *method = soup_server_message_get_method (msg);
  const gchar *accept;
  gboolean openmetrics;
  gchar *text;

  if (g_strcmp0 (path, "/metrics") != 0)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      return;
    }
  if (g_strcmp0 (method, "GET") != 0 && g_strcmp0 (method, "HEAD") != 0)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, NULL);
      soup_message_headers_append (soup_server_message_get_response_headers (msg), "Allow",
                                   "GET, HEAD");
      return;
    }
  accept = soup_message_headers_get_list (soup_server_message_get_request_headers (msg), "Accept");
  openmetrics = accept != NULL && strstr (accept, "application/openmetrics-text") != NULL;
  text = self->render (openmetrics, self->render_data);
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, openmetrics ? OPENMETRICS_TYPE : TEXT_TYPE,
                                    SOUP_MEMORY_TAKE, text, strlen (text));
}

/* HOST:PORT with an address, not a name: the endpoint is for whoever can
 * reach that address, so the operator chooses it exactly. */
static GSocketAddress *
parse_listen (const gchar *listen, GError **error)
{
  g_autoptr (GSocketConnectable) parsed = NULL;
  g_autoptr (GInetAddress) address = NULL;
  g_autoptr (GError) local_error = NULL;

  parsed = g_network_address_parse (listen, 0, &local_error);
  if (parsed != NULL)
    address = g_inet_address_new_from_string (
        g_network_address_get_hostname (G_NETWORK_ADDRESS (parsed)));
  if (address == NULL || (g_network_address_get_port (G_NETWORK_ADDRESS (parsed)) == 0 &&
                          !g_str_has_suffix (listen, ":0")))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _ ("The metrics address “%s” is not valid: expected an IP address and a port, "
                      "such as 127.0.0.1:9464 or [::1]:9464"),
                   listen);
      return NULL;
    }
  return g_inet_socket_address_new (address,
                                    g_network_address_get_port (G_NETWORK_ADDRESS (parsed)));
}

FfMetricsServer *
ff_metrics_server_new (const gchar *listen,
                       FfMetricsRenderFunc render,
                       gpointer user_data,
                       GError **error)
{
  g_autoptr (FfMetricsServer) self = g_object_new (FF_TYPE_METRICS_SERVER, NULL);
  g_autoptr (GSocketAddress) address = parse_listen (listen, error);
  g_autoptr (GError) local_error = NULL;

  if (address == NULL)
    return NULL;
  self->render = render;
  self->render_data = user_data;
  self->server = soup_server_new ("server-header", "fastflow", NULL);
  soup_server_add_handler (self->server, NULL, on_request, self, NULL);
  if (!soup_server_listen (self->server, address, 0, &local_error))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   _ ("The metrics endpoint cannot listen on %s: %s"), listen,
                   local_error->message);
      return NULL;
    }
  return g_steal_pointer (&self);
}

guint16
ff_metrics_server_get_port (FfMetricsServer *self)
{
  g_autoslist (GUri) uris = NULL;

  g_return_val_if_fail (FF_IS_METRICS_SERVER (self), 0);
  uris = soup_server_get_uris (self->server);
  return uris != NULL ? (guint16) g_uri_get_port (uris->data) : 0;
}
