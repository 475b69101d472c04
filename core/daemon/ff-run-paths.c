/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "fastflow.h"
#include "ff-daemon.h"
#include "ff-dbus-generated.h"
#include "ff-run-paths.h"

#define RUNS_PATH FF_DBUS_PATH "/Run"

/* GDBus asks the objects exported at a path first; only a call no exported
 * run takes comes here. Finished runs leave the bus after a while, and a
 * script holding such a path should learn that the run is gone, in the
 * error it already handles for GetRun, rather than read UnknownMethod as
 * a wrong interface or a too old daemon. */
static void
on_gone_run_call (GDBusConnection *connection,
                  const gchar *sender,
                  const gchar *path,
                  const gchar *interface,
                  const gchar *method,
                  GVariant *parameters,
                  GDBusMethodInvocation *invocation,
                  gpointer user_data)
{
  const gchar *id = strrchr (path, '/') + 1;

  g_dbus_method_invocation_return_error (
      invocation, FF_ERROR, FF_ERROR_NO_SUCH_RUN,
      _ ("There is no run at %s: run %s does not exist, or it has ended and left the bus "
         "(GetRun (%s) brings an ended run back)"),
      path, id, id);
}

/* No get_property: GDBus then sends property reads to on_gone_run_call too. */
static const GDBusInterfaceVTable gone_run_vtable = { on_gone_run_call, NULL, NULL, { 0 } };

/* The /Run node's children for introspection: the runs that are there. */
static gchar **
on_enumerate (GDBusConnection *connection,
              const gchar *sender,
              const gchar *object_path,
              gpointer user_data)
{
  GList *objects = g_dbus_object_manager_get_objects (G_DBUS_OBJECT_MANAGER (user_data));
  GPtrArray *nodes = g_ptr_array_new ();

  for (GList *l = objects; l != NULL; l = l->next)
    {
      const gchar *path = g_dbus_object_get_object_path (l->data);

      if (g_str_has_prefix (path, RUNS_PATH "/"))
        g_ptr_array_add (nodes, g_strdup (path + strlen (RUNS_PATH "/")));
    }
  g_list_free_full (objects, g_object_unref);
  g_ptr_array_add (nodes, NULL);
  return (gchar **) g_ptr_array_free (nodes, FALSE);
}

static GDBusInterfaceInfo **
on_introspect (GDBusConnection *connection,
               const gchar *sender,
               const gchar *object_path,
               const gchar *node,
               gpointer user_data)
{
  GDBusInterfaceInfo **infos;

  if (node == NULL)
    return NULL;
  infos = g_new0 (GDBusInterfaceInfo *, 2);
  infos[0] = g_dbus_interface_info_ref (ff_dbus_run_interface_info ());
  return infos;
}

static const GDBusInterfaceVTable *
on_dispatch (GDBusConnection *connection,
             const gchar *sender,
             const gchar *object_path,
             const gchar *interface_name,
             const gchar *node,
             gpointer *out_user_data,
             gpointer user_data)
{
  if (node == NULL)
    return NULL;
  return &gone_run_vtable;
}

static const GDBusSubtreeVTable run_paths_vtable = {
  on_enumerate, on_introspect, on_dispatch, { 0 }
};

guint
ff_run_paths_register (GDBusConnection *connection,
                       GDBusObjectManager *object_manager,
                       GError **error)
{
  return g_dbus_connection_register_subtree (connection, RUNS_PATH, &run_paths_vtable,
                                             G_DBUS_SUBTREE_FLAGS_DISPATCH_TO_UNENUMERATED_NODES,
                                             g_object_ref (object_manager), g_object_unref, error);
}
