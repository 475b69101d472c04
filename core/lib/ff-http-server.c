/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "ff-http-server-private.h"

#define CONNECTION_KEY "ff-http-connection"
#define REFUSED_KEY "ff-http-refused"

/* What reaches the server before any handler looks at it: every
 * connection costs a descriptor, every body byte memory. */
typedef struct
{
  guint max_connections;
  guint idle_timeout_s;
  GQueue open; /* Connection, as far as known not closed */
} Guard;

/* One accepted connection, kept as data of its socket. It counts until its
 * socket is closed: libsoup 3.2 does not always let go of the objects of a
 * closed connection, so their end is not the sign. */
typedef struct
{
  Guard *guard;    /* a reference */
  GSocket *socket; /* not a reference: this lives inside it */
  GList link;      /* in guard->open while counted */
  guint deadline_id;
} Connection;

static guint limit_max_connections = FF_HTTP_SERVER_DEFAULT_MAX_CONNECTIONS;
static guint limit_idle_timeout_s = FF_HTTP_SERVER_DEFAULT_IDLE_TIMEOUT_S;

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

void
ff_http_server_set_limits (guint max_connections, guint idle_timeout_s)
{
  g_return_if_fail (max_connections > 0 && idle_timeout_s > 0);
  limit_max_connections = max_connections;
  limit_idle_timeout_s = idle_timeout_s;
}

static void
connection_free (Connection *connection)
{
  g_clear_handle_id (&connection->deadline_id, g_source_remove);
  if (connection->link.data != NULL)
    g_queue_unlink (&connection->guard->open, &connection->link);
  g_rc_box_release (connection->guard);
  g_free (connection);
}

static guint
count_open (Guard *guard)
{
  GList *next;

  for (GList *l = guard->open.head; l != NULL; l = next)
    {
      Connection *connection = l->data;

      next = l->next;
      if (!g_socket_is_closed (connection->socket))
        continue;
      g_clear_handle_id (&connection->deadline_id, g_source_remove);
      g_queue_unlink (&guard->open, l);
      connection->link.data = NULL;
    }
  return guard->open.length;
}

/* Shut down, not closed: the descriptor stays libsoup's, which reads the
 * end of the stream and lets the connection go. */
static void
cut (GSocket *socket)
{
  g_socket_shutdown (socket, TRUE, TRUE, NULL);
}

static gboolean
on_deadline (gpointer user_data)
{
  Connection *connection = user_data;

  connection->deadline_id = 0;
  g_debug ("HTTP: a request took longer than %u s to arrive; closing its connection",
           connection->guard->idle_timeout_s);
  cut (connection->socket);
  return G_SOURCE_REMOVE;
}

static gchar *
error_json (const gchar *message)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) node = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "error");
  json_builder_add_string_value (builder, message);
  json_builder_end_object (builder);
  node = json_builder_get_root (builder);
  return json_to_string (node, FALSE);
}

static gchar *
format_response (guint status, const gchar *message)
{
  g_autofree gchar *body = error_json (message);

  return g_strdup_printf ("HTTP/1.1 %u %s\r\nConnection: close\r\n"
                          "Content-Type: application/json\r\nContent-Length: %" G_GSIZE_FORMAT
                          "\r\n\r\n%s",
                          status, soup_status_get_phrase (status), strlen (body), body);
}

/* Past max_connections: a short answer where the socket takes it at once,
 * then the end. */
static void
refuse_busy (Guard *guard, GSocket *socket)
{
  g_autofree gchar *message =
      g_strdup_printf (_ ("Too many connections at once (more than %u, [http] max_connections)"),
                       guard->max_connections);
  g_autofree gchar *text = format_response (SOUP_STATUS_SERVICE_UNAVAILABLE, message);

  g_debug ("HTTP: %u connections are open; refusing another", guard->open.length);
  g_socket_send_with_blocking (socket, text, strlen (text), FALSE, NULL, NULL);
  cut (socket);
}

typedef struct
{
  GIOStream *stream;
  gchar *text;
} Answer;

static void
on_answer_closed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_io_stream_close_finish (G_IO_STREAM (source), result, NULL);
}

static void
on_answer_written (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Answer *answer = user_data;

  g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, NULL);
  g_io_stream_close_async (answer->stream, G_PRIORITY_DEFAULT, NULL, on_answer_closed, NULL);
  g_object_unref (answer->stream);
  g_free (answer->text);
  g_free (answer);
}

/* The connection is taken from libsoup, which would read the whole body
 * before anyone could answer: 413, then closed. */
static gboolean
answer_too_large (gpointer user_data)
{
  g_autoptr (SoupServerMessage) msg = user_data;
  g_autofree gchar *message = g_strdup_printf (_ ("The request body is larger than %u KiB"),
                                               FF_HTTP_SERVER_MAX_BODY / 1024);
  Answer *answer;
  GIOStream *stream = soup_server_message_steal_connection (msg);

  if (stream == NULL)
    return G_SOURCE_REMOVE;
  answer = g_new0 (Answer, 1);
  answer->stream = stream;
  answer->text = format_response (SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, message);
  g_output_stream_write_all_async (g_io_stream_get_output_stream (stream), answer->text,
                                   strlen (answer->text), G_PRIORITY_DEFAULT, NULL,
                                   on_answer_written, answer);
  return G_SOURCE_REMOVE;
}

static void
refuse_too_large (SoupServerMessage *msg)
{
  if (g_object_get_data (G_OBJECT (msg), REFUSED_KEY) != NULL)
    return;
  g_object_set_data (G_OBJECT (msg), REFUSED_KEY, GINT_TO_POINTER (TRUE));
  /* no more reading; the connection is taken outside libsoup's read loop */
  soup_server_message_pause (msg);
  g_idle_add (answer_too_large, g_object_ref (msg));
}

static void
on_got_headers (SoupServerMessage *msg, gpointer user_data)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);

  if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH &&
      soup_message_headers_get_content_length (headers) > FF_HTTP_SERVER_MAX_BODY)
    refuse_too_large (msg);
}

/* A chunked body has no length up front: it is cut where it passes. */
static void
on_got_chunk (SoupServerMessage *msg, GBytes *chunk, gpointer user_data)
{
  if (soup_server_message_get_request_body (msg)->length > FF_HTTP_SERVER_MAX_BODY)
    refuse_too_large (msg);
}

static Connection *
connection_of (SoupServerMessage *msg)
{
  GSocket *socket = soup_server_message_get_socket (msg);

  return socket != NULL ? g_object_get_data (G_OBJECT (socket), CONNECTION_KEY) : NULL;
}

static void
on_got_body (SoupServerMessage *msg, gpointer user_data)
{
  Connection *connection = connection_of (msg);

  if (connection != NULL)
    g_clear_handle_id (&connection->deadline_id, g_source_remove);
}

static Connection *
connection_new (Guard *guard, GSocket *socket)
{
  Connection *connection = g_new0 (Connection, 1);

  connection->guard = g_rc_box_acquire (guard);
  connection->socket = socket;
  connection->link.data = connection;
  g_queue_push_tail_link (&guard->open, &connection->link);
  g_object_set_data_full (G_OBJECT (socket), CONNECTION_KEY, connection,
                          (GDestroyNotify) connection_free);
  /* GSocket's own timeout: no byte in or out for that long ends any
   * read or write, also between the requests of a kept-alive connection */
  g_socket_set_timeout (socket, guard->idle_timeout_s);
  return connection;
}

/* Emitted when a connection is accepted, and for each further request on
 * it as its first bytes arrive. */
static void
on_request_started (SoupServer *server, SoupServerMessage *msg, gpointer user_data)
{
  Guard *guard = user_data;
  GSocket *socket = soup_server_message_get_socket (msg);
  Connection *connection;

  if (socket == NULL)
    return;
  connection = g_object_get_data (G_OBJECT (socket), CONNECTION_KEY);
  if (connection == NULL)
    {
      if (count_open (guard) >= guard->max_connections)
        {
          refuse_busy (guard, socket);
          return;
        }
      connection = connection_new (guard, socket);
    }
  /* a request dribbled in byte by byte keeps the socket busy: the whole
   * of it must arrive in time */
  g_clear_handle_id (&connection->deadline_id, g_source_remove);
  connection->deadline_id = g_timeout_add (guard->idle_timeout_s * 1000, on_deadline, connection);
  g_signal_connect (msg, "got-headers", G_CALLBACK (on_got_headers), NULL);
  g_signal_connect (msg, "got-chunk", G_CALLBACK (on_got_chunk), NULL);
  g_signal_connect (msg, "got-body", G_CALLBACK (on_got_body), NULL);
}

static void
guard_server (SoupServer *server)
{
  Guard *guard = g_rc_box_new0 (Guard);

  guard->max_connections = limit_max_connections;
  guard->idle_timeout_s = limit_idle_timeout_s;
  g_signal_connect (server, "request-started", G_CALLBACK (on_request_started), guard);
  g_object_set_data_full (G_OBJECT (server), "ff-http-guard", guard,
                          (GDestroyNotify) g_rc_box_release);
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
  guard_server (server);
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
