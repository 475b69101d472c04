/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "ff-dbus-generated.h"
#include "ff-test-daemon.h"

/* Input from the bus cannot crash or wedge fastflowd: huge strings, wrong
 * argument types, paths and ids that do not exist, a burst of calls. */

#define BUS_NAME "org.fastflow.Orchestrator1"
#define MANAGER_PATH "/org/fastflow/Orchestrator1"
#define BURST 10000

/* The bus itself limits the replies a connection may wait for, so the
 * burst keeps a window of calls in flight. */
#define WINDOW 64

typedef struct
{
  FfDBusManager *manager;
  guint sent;
  guint refused;
  guint other;
  gboolean finished;
} Burst;

static void send_one (Burst *burst);

static void
on_start_run (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Burst *burst = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *path = NULL;
  g_autofree gchar *remote = NULL;

  if (ff_dbus_manager_call_start_run_finish (FF_DBUS_MANAGER (source), &path, result, &error))
    burst->other++;
  else if ((remote = g_dbus_error_get_remote_error (error)) != NULL &&
           g_strcmp0 (remote, "org.fastflow.Orchestrator1.Error.Disabled") == 0)
    burst->refused++;
  else
    {
      g_test_message ("%s", error->message);
      burst->other++;
    }
  if (burst->sent < BURST)
    send_one (burst);
  burst->finished = burst->refused + burst->other == BURST;
}

static void
send_one (Burst *burst)
{
  burst->sent++;
  ff_dbus_manager_call_start_run (burst->manager, "off", g_variant_new ("a{sv}", NULL), NULL,
                                  on_start_run, burst);
}

static void
test_hostile_calls (void)
{
  g_autoptr (FfTestDaemon) d = ff_test_daemon_new ();
  g_autoptr (FfDBusManager) manager = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = NULL;
  g_autofree gchar *huge = g_strnfill (4 * 1024 * 1024, 'x');
  g_autofree gchar *path = NULL;
  g_autofree gchar *out = NULL, *err = NULL;
  Burst burst = { NULL, 0, 0, 0, FALSE };

  ff_test_daemon_add_pipeline (d, "off", "main.sh", "true\n", "pipeline.json",
                               "{\"enabled\": false}", NULL);
  ff_test_daemon_add_pipeline (d, "ok", "main.sh", "echo still here\n", NULL);
  ff_test_daemon_start (d, NULL);
  manager = ff_dbus_manager_proxy_new_sync (d->connection, G_DBUS_PROXY_FLAGS_NONE, BUS_NAME,
                                            MANAGER_PATH, NULL, &error);
  g_assert_no_error (error);

  /* a pipeline name of 4 MiB, and env of the wrong type */
  g_assert_false (ff_dbus_manager_call_start_run_sync (manager, huge, g_variant_new ("a{sv}", NULL),
                                                       &path, NULL, &error));
  g_assert_true (g_dbus_error_is_remote_error (error));
  g_clear_error (&error);
  reply = g_dbus_connection_call_sync (
      d->connection, BUS_NAME, MANAGER_PATH, "org.fastflow.Orchestrator1.Manager", "StartRun",
      g_variant_new_parsed ("('ok', {'env': <42>, 'executor': <@as []>})"), NULL,
      G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_null (reply);
  g_assert_nonnull (error);
  g_clear_error (&error);
  /* a run that does not exist, and a method on a path that does not exist */
  g_assert_false (ff_dbus_manager_call_get_run_sync (manager, G_MAXUINT64, &path, NULL, &error));
  g_assert_nonnull (strstr (error->message, "no run"));
  g_clear_error (&error);
  reply = g_dbus_connection_call_sync (d->connection, BUS_NAME,
                                       "/org/fastflow/Orchestrator1/Run/99999999",
                                       "org.fastflow.Orchestrator1.Run", "Cancel", NULL, NULL,
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_null (reply);
  g_clear_error (&error);

  /* ten thousand StartRun in a burst, all refused, none lost */
  burst.manager = manager;
  for (guint i = 0; i < WINDOW; i++)
    send_one (&burst);
  ff_test_wait_for_flag (&burst.finished);
  g_assert_cmpuint (burst.refused, ==, BURST);
  g_assert_cmpuint (burst.other, ==, 0);

  /* and the daemon still does its work */
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "run", "ok", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "still here\n");
}

int
main (int argc, char **argv)
{
  g_setenv ("LANGUAGE", "en", TRUE);
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/hostile/calls", test_hostile_calls);
  return g_test_run ();
}
