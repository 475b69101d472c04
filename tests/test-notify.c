/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "ff-test-daemon.h"

/* Desktop notifications of failed runs, received by a stand-in for the
 * session's notification server on the test bus. */

static const gchar notifications_xml[] =
    "<node><interface name='org.freedesktop.Notifications'>"
    "<method name='Notify'>"
    "<arg type='s' direction='in'/><arg type='u' direction='in'/>"
    "<arg type='s' direction='in'/><arg type='s' direction='in'/>"
    "<arg type='s' direction='in'/><arg type='as' direction='in'/>"
    "<arg type='a{sv}' direction='in'/><arg type='i' direction='in'/>"
    "<arg type='u' direction='out'/>"
    "</method></interface></node>";

typedef struct
{
  GPtrArray *received; /* "summary|body" */
  guint wanted;
  gboolean reached;
} Fake;

static void
on_method_call (GDBusConnection *connection,
                const gchar *sender,
                const gchar *path,
                const gchar *interface,
                const gchar *method,
                GVariant *parameters,
                GDBusMethodInvocation *invocation,
                gpointer user_data)
{
  Fake *fake = user_data;
  const gchar *summary, *body;

  g_variant_get_child (parameters, 3, "&s", &summary);
  g_variant_get_child (parameters, 4, "&s", &body);
  g_ptr_array_add (fake->received, g_strdup_printf ("%s|%s", summary, body));
  fake->reached = fake->received->len >= fake->wanted;
  g_dbus_method_invocation_return_value (invocation, g_variant_new ("(u)", fake->received->len));
}

static void
on_name (GDBusConnection *connection, const gchar *name, gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
}

static void
test_failed_runs_notify (void)
{
  g_autoptr (FfTestDaemon) d = ff_test_daemon_new ();
  g_autoptr (GPtrArray) received = g_ptr_array_new_with_free_func (g_free);
  Fake fake = { received, 2, FALSE };
  g_autoptr (GDBusNodeInfo) info = g_dbus_node_info_new_for_xml (notifications_xml, NULL);
  const GDBusInterfaceVTable vtable = { on_method_call, NULL, NULL, { 0 } };
  g_autofree gchar *out = NULL, *err = NULL;
  g_autoptr (GError) error = NULL;
  gboolean owned = FALSE;
  guint object, owner;

  g_assert_true (g_file_set_contents (d->config_path, "[notifications]\nenabled=true\n", -1, NULL));
  ff_test_daemon_add_pipeline (d, "three", "main.sh", "exit 3\n", NULL);
  ff_test_daemon_add_pipeline (d, "fine", "main.sh", "true\n", NULL);
  object = g_dbus_connection_register_object (d->connection, "/org/freedesktop/Notifications",
                                              info->interfaces[0], &vtable, &fake, NULL, &error);
  g_assert_no_error (error);
  owner = g_bus_own_name_on_connection (d->connection, "org.freedesktop.Notifications",
                                        G_BUS_NAME_OWNER_FLAGS_NONE, on_name, NULL, &owned, NULL);
  ff_test_wait_for_flag (&owned);
  ff_test_daemon_start (d, NULL);

  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "run", "three", NULL), ==, 3);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "run", "fine", NULL), ==, 0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "run", "three", NULL), ==, 3);
  ff_test_wait_for_flag (&fake.reached);
  /* runs 1 and 3 failed; run 2 did not, so it sent nothing in between */
  g_assert_cmpuint (received->len, ==, 2);
  g_test_message ("%s", (gchar *) g_ptr_array_index (received, 0));
  g_assert_nonnull (strstr (g_ptr_array_index (received, 0), "Run 1 of three: Pipeline Error"));
  g_assert_nonnull (strstr (g_ptr_array_index (received, 0), "fastflowctl logs 1"));
  g_assert_nonnull (strstr (g_ptr_array_index (received, 1), "Run 3 of three"));
  g_bus_unown_name (owner);
  g_dbus_connection_unregister_object (d->connection, object);
}

int
main (int argc, char **argv)
{
  g_setenv ("LANGUAGE", "en", TRUE);
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/notify/failed-runs", test_failed_runs_notify);
  return g_test_run ();
}
