/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "ff-http-server.h"

/* address → SoupServer, not owned: an entry leaves with its server. Like
 * the shared bus connections of g_bus_get (), it is the process's. */
static GHashTable *servers;
G_LOCK_DEFINE_STATIC (servers);

static void
on_server_gone (gpointer data, GObject *where_the_object_was)
{
  G_LOCK (servers);
  g_hash_table_remove (servers, data);
  G_UNLOCK (servers);
}

static GSocketAddress *
parse_listen (const gchar *listen, GError **error)
{
  g_autoptr (GSocketConnectable) parsed = g_network_address_parse (listen, 0, NULL);
  g_autoptr (GInetAddress) address = NULL;

  if (parsed != NULL)
    address = g_inet_address_new_from_string (
        g_network_address_get_hostname (G_NETWORK_ADDRESS (parsed)));
  /* a port of 0 must be said: "127.0.0.1" alone is a mistake */
  if (address == NULL || (g_network_address_get_port (G_NETWORK_ADDRESS (parsed)) == 0 &&
                          !g_str_has_suffix (listen, ":0")))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _ ("The address “%s” is not valid: expected an IP address and a port, such as "
                      "127.0.0.1:9464 or [::1]:9464"),
                   listen);
      return NULL;
    }
  return g_inet_socket_address_new (address,
                                    g_network_address_get_port (G_NETWORK_ADDRESS (parsed)));
}

SoupServer *
ff_http_server_acquire (const gchar *listen, GError **error)
{
  g_autoptr (GSocketAddress) address = NULL;
  g_autoptr (SoupServer) server = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree gchar *key = NULL;
  SoupServer *shared;

  g_return_val_if_fail (listen != NULL, NULL);

  address = parse_listen (listen, error);
  if (address == NULL)
    return NULL;
  key = g_socket_connectable_to_string (G_SOCKET_CONNECTABLE (address));
  G_LOCK (servers);
  shared = servers != NULL ? g_hash_table_lookup (servers, key) : NULL;
  if (shared != NULL)
    g_object_ref (shared);
  G_UNLOCK (servers);
  if (shared != NULL)
    return shared;

  server = soup_server_new ("server-header", "fastflow", NULL);
  if (!soup_server_listen (server, address, 0, &local_error))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _ ("Cannot listen on %s: %s"), listen,
                   local_error->message);
      return NULL;
    }
  if (g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address)) == 0)
    return g_steal_pointer (&server);
  G_LOCK (servers);
  if (servers == NULL)
    servers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_hash_table_insert (servers, g_strdup (key), server);
  G_UNLOCK (servers);
  g_object_weak_ref (G_OBJECT (server), on_server_gone, g_steal_pointer (&key));
  return g_steal_pointer (&server);
}

guint16
ff_http_server_get_port (SoupServer *server)
{
  g_autoslist (GUri) uris = NULL;

  g_return_val_if_fail (SOUP_IS_SERVER (server), 0);
  uris = soup_server_get_uris (server);
  return uris != NULL ? (guint16) g_uri_get_port (uris->data) : 0;
}
