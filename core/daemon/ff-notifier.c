/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "ff-notifier.h"

struct _FfNotifier
{
  GObject parent_instance;
  GDBusConnection *connection;
  GCancellable *cancellable;
};

G_DEFINE_TYPE (FfNotifier, ff_notifier, G_TYPE_OBJECT)

static void
on_notified (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GError) error = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  /* no notification server, or it is busy: the run's record is what counts */
  if (reply == NULL)
    g_debug ("no desktop notification: %s", error->message);
}

static void
on_run_finished (FfOrchestrator *orchestrator, FfRun *run, FfNotifier *self)
{
  FfErrorClass error_class = ff_run_get_error_class (run);
  g_autofree gchar *id = g_strdup_printf ("%" G_GUINT64_FORMAT, ff_run_get_id (run));
  g_autofree gchar *message = ff_run_dup_display_message (run);
  g_autofree gchar *summary = NULL;
  g_autofree gchar *body = NULL;
  GVariantBuilder hints;

  /* a cancel is somebody's decision, not news */
  if (error_class == FF_ERROR_CLASS_NONE || ff_run_get_state (run) == FF_RUN_STATE_CANCELLED)
    return;
  summary = g_strdup_printf (error_class == FF_ERROR_CLASS_INFRASTRUCTURE
                                 ? _ ("Run %s of %s: Infrastructure Error")
                                 : _ ("Run %s of %s: Pipeline Error"),
                             id, ff_run_get_pipeline (run));
  /* TRANSLATORS: the run's message, then the command that shows its log */
  body = g_strdup_printf (_ ("%s\nIts log: fastflowctl logs %s"), message, id);
  g_variant_builder_init (&hints, G_VARIANT_TYPE ("a{sv}"));
  g_variant_builder_add (&hints, "{sv}", "desktop-entry", g_variant_new_string ("fastflow"));
  g_variant_builder_add (&hints, "{sv}", "urgency", g_variant_new_byte (1));
  g_dbus_connection_call (self->connection, "org.freedesktop.Notifications",
                          "/org/freedesktop/Notifications", "org.freedesktop.Notifications",
                          "Notify",
                          g_variant_new ("(susssasa{sv}i)", "fastflow", 0, "dialog-error", summary,
                                         body, NULL, &hints, -1),
                          G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NO_AUTO_START, 10000,
                          self->cancellable, on_notified, NULL);
}

static void
ff_notifier_dispose (GObject *object)
{
  FfNotifier *self = FF_NOTIFIER (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->connection);
  G_OBJECT_CLASS (ff_notifier_parent_class)->dispose (object);
}

static void
ff_notifier_class_init (FfNotifierClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = ff_notifier_dispose;
}

static void
ff_notifier_init (FfNotifier *self)
{
  self->cancellable = g_cancellable_new ();
}

FfNotifier *
ff_notifier_new (FfOrchestrator *orchestrator, GDBusConnection *connection)
{
  FfNotifier *self = g_object_new (FF_TYPE_NOTIFIER, NULL);

  self->connection = g_object_ref (connection);
  g_signal_connect_object (orchestrator, "run-finished", G_CALLBACK (on_run_finished), self, 0);
  return self;
}
