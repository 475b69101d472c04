/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <gio/gunixsocketaddress.h>

#include "ff-test-docker-proxy.h"

struct _FfTestProxy
{
  GSubprocess *process;
  gchar *url;
};

/* tecnativa's flags; all of them are set for HAProxy, so that nothing
 * leaks in from the environment of the test. */
static const gchar *const all_flags[] = {
  "AUTH",    "BUILD",   "COMMIT",  "CONFIGS",  "CONTAINERS", "DISTRIBUTION", "EVENTS",
  "EXEC",    "GRPC",    "IMAGES",  "INFO",     "NETWORKS",   "NODES",        "PING",
  "PLUGINS", "POST",    "SECRETS", "SERVICES", "SESSION",    "SWARM",        "SYSTEM",
  "TASKS",   "VERSION", "VOLUMES", NULL,
};

/* A test that aborts must not leave HAProxy behind, holding the test
 * runner's pipes open. */
static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static GSocket *
listen_on (guint16 port)
{
  g_autoptr (GSocket) socket = NULL;
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) address = g_inet_socket_address_new (loopback, port);
  g_autoptr (GError) error = NULL;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_assert_true (g_socket_bind (socket, address, TRUE, &error));
  g_assert_no_error (error);
  g_socket_set_listen_backlog (socket, 128);
  g_assert_true (g_socket_listen (socket, &error));
  g_assert_no_error (error);
  return g_steal_pointer (&socket);
}

/* A port nobody listens on: connections to it are refused. */
guint16
ff_test_proxy_free_port (void)
{
  g_autoptr (GSocket) socket = listen_on (0);
  g_autoptr (GSocketAddress) address = g_socket_get_local_address (socket, NULL);

  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address));
}

static FfTestProxy *
start_on (GSocket *socket, const gchar *url, const gchar *const *flags, const gchar *timeout_server)
{
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *haproxy = g_find_program_in_path ("haproxy");
  const gchar *cfg = g_getenv ("FASTFLOW_TEST_HAPROXY_CFG");
  const gchar *engine = g_getenv ("FASTFLOW_TEST_ENGINE_SOCKET");
  const gchar *path = g_getenv ("PATH");
  gchar *empty_env[] = { NULL };
  FfTestProxy *self = g_new0 (FfTestProxy, 1);

  g_assert_nonnull (haproxy);
  g_assert_nonnull (cfg);
  g_subprocess_launcher_set_environ (launcher, empty_env);
  g_subprocess_launcher_setenv (launcher, "PATH", path != NULL ? path : "/usr/bin:/bin", TRUE);
  for (guint i = 0; all_flags[i] != NULL; i++)
    g_subprocess_launcher_setenv (launcher, all_flags[i], "0", TRUE);
  g_subprocess_launcher_setenv (launcher, "PING", "1", TRUE);
  g_subprocess_launcher_setenv (launcher, "VERSION", "1", TRUE);
  for (guint i = 0; flags != NULL && flags[i] != NULL; i++)
    {
      g_auto (GStrv) kv = g_strsplit (flags[i], "=", 2);
      g_assert_cmpuint (g_strv_length (kv), ==, 2);
      g_subprocess_launcher_setenv (launcher, kv[0], kv[1], TRUE);
    }
  g_subprocess_launcher_setenv (launcher, "FF_PROXY_BIND", "fd@3", TRUE);
  g_subprocess_launcher_setenv (launcher, "FF_ENGINE_SOCKET",
                                engine != NULL ? engine : "/var/run/docker.sock", TRUE);
  g_subprocess_launcher_setenv (launcher, "FF_PROXY_TIMEOUT_SERVER",
                                timeout_server != NULL ? timeout_server : "10m", TRUE);
  g_subprocess_launcher_setenv (launcher, "FF_PROXY_TIMEOUT_CLIENT", "10m", TRUE);
  g_subprocess_launcher_take_fd (launcher, dup (g_socket_get_fd (socket)), 3);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);

  self->process = g_subprocess_launcher_spawn (launcher, &error, haproxy, "-db", "-f", cfg, NULL);
  g_assert_no_error (error);
  self->url = g_strdup (url);
  return self;
}

/**
 * ff_test_proxy_start:
 * @port: 0 for any free port
 * @flags: e.g. "CONTAINERS=1", "POST=0"; unnamed flags are 0, except
 *   PING and VERSION, which tecnativa allows by default
 * @timeout_server: (nullable): HAProxy's `timeout server`; NULL for 10m
 *
 * The listening socket is made here and handed to HAProxy, so clients can
 * connect at once: the kernel queues them until HAProxy accepts.
 */
FfTestProxy *
ff_test_proxy_start (guint16 port, const gchar *const *flags, const gchar *timeout_server)
{
  g_autoptr (GSocket) socket = listen_on (port);
  g_autoptr (GSocketAddress) address = g_socket_get_local_address (socket, NULL);
  g_autofree gchar *url = g_strdup_printf (
      "http://127.0.0.1:%u", g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address)));

  return start_on (socket, url, flags, timeout_server);
}

/* The same, listening on a unix socket at @path. */
FfTestProxy *
ff_test_proxy_start_unix (const gchar *path, const gchar *const *flags)
{
  g_autoptr (GSocket) socket = NULL;
  g_autoptr (GSocketAddress) address = g_unix_socket_address_new (path);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *url = g_strdup_printf ("unix://%s", path);

  socket = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, 0, &error);
  g_assert_no_error (error);
  g_assert_true (g_socket_bind (socket, address, TRUE, &error));
  g_assert_no_error (error);
  g_assert_true (g_socket_listen (socket, &error));
  g_assert_no_error (error);
  return start_on (socket, url, flags, NULL);
}

const gchar *
ff_test_proxy_get_url (FfTestProxy *self)
{
  return self->url;
}

void
ff_test_proxy_stop (FfTestProxy *self)
{
  g_autoptr (GError) error = NULL;

  g_subprocess_send_signal (self->process, SIGTERM);
  g_assert_true (g_subprocess_wait (self->process, NULL, &error));
  g_assert_no_error (error);
  g_object_unref (self->process);
  g_free (self->url);
  g_free (self);
}
