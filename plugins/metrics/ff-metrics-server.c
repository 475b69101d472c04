/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <libsoup/soup.h>
#include <string.h>

#include "ff-http-server-private.h"
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

  /* the server may serve webhooks too: only our path goes */
  if (self->server != NULL)
    soup_server_remove_handler (self->server, "/metrics");
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

FfMetricsServer *
ff_metrics_server_new (const gchar *listen,
                       FfMetricsRenderFunc render,
                       gpointer user_data,
                       GError **error)
{
  g_autoptr (FfMetricsServer) self = g_object_new (FF_TYPE_METRICS_SERVER, NULL);
  g_autoptr (GError) local_error = NULL;

  self->server = ff_http_server_acquire (listen, &local_error);
  if (self->server == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _ ("The metrics endpoint is off: %s"),
                   local_error->message);
      return NULL;
    }
  self->render = render;
  self->render_data = user_data;
  soup_server_add_handler (self->server, "/metrics", on_request, self, NULL);
  return g_steal_pointer (&self);
}

guint16
ff_metrics_server_get_port (FfMetricsServer *self)
{
  g_return_val_if_fail (FF_IS_METRICS_SERVER (self), 0);
  return ff_http_server_get_port (self->server);
}
