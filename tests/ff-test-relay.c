/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>
#include <stdio.h>

/*
 * ff-test-relay LISTEN TARGET: passes every connection to the unix socket
 * LISTEN on to the unix socket TARGET, byte for byte, both ways.
 *
 * Tests put it between the socket proxy and the Docker engine: killing it
 * takes the engine away from the proxy, connections cut and new ones
 * refused, while the engine and its containers go on, as an engine that
 * restarts with live-restore looks from outside. The shared engine itself
 * is never restarted, so other tests on the machine are not disturbed.
 */

static gchar *target;

static void
on_spliced (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GIOStream) other = user_data;

  g_io_stream_splice_finish (result, NULL);
}

static void
on_connected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GSocketConnection) client = user_data;
  g_autoptr (GSocketConnection) engine = NULL;

  engine = g_socket_client_connect_finish (G_SOCKET_CLIENT (source), result, NULL);
  if (engine == NULL)
    {
      g_io_stream_close (G_IO_STREAM (client), NULL, NULL);
      return;
    }
  g_io_stream_splice_async (G_IO_STREAM (client), G_IO_STREAM (engine),
                            G_IO_STREAM_SPLICE_CLOSE_STREAM1 | G_IO_STREAM_SPLICE_CLOSE_STREAM2,
                            G_PRIORITY_DEFAULT, NULL, on_spliced, g_object_ref (engine));
}

static gboolean
on_incoming (GSocketService *service,
             GSocketConnection *connection,
             GObject *source,
             gpointer user_data)
{
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GSocketAddress) address = g_unix_socket_address_new (target);

  g_socket_client_connect_async (client, G_SOCKET_CONNECTABLE (address), NULL, on_connected,
                                 g_object_ref (connection));
  return TRUE;
}

int
main (int argc, char **argv)
{
  g_autoptr (GSocketService) service = g_socket_service_new ();
  g_autoptr (GSocketAddress) address = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);

  if (argc != 3)
    {
      g_printerr ("usage: %s LISTEN TARGET\n", argv[0]);
      return 2;
    }
  target = argv[2];
  g_unlink (argv[1]);
  address = g_unix_socket_address_new (argv[1]);
  if (!g_socket_listener_add_address (G_SOCKET_LISTENER (service), address, G_SOCKET_TYPE_STREAM,
                                      G_SOCKET_PROTOCOL_DEFAULT, NULL, NULL, &error))
    {
      g_printerr ("%s: %s\n", argv[1], error->message);
      return 1;
    }
  g_signal_connect (service, "incoming", G_CALLBACK (on_incoming), NULL);
  /* ready: the test waits for this line before it uses the socket */
  g_print ("listening\n");
  fflush (stdout);
  g_main_loop_run (loop);
  return 0;
}
