/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include "ff-authority.h"
#include "fastflow.h"

/* Unique bus names are never reused, so a sender's uid is asked once; the
 * cache is emptied when it grows past this. */
#define MAX_CACHED_SENDERS 1024
#define BUS_TIMEOUT_MS 2000

struct _FfAuthority
{
  GObject parent_instance;
  gchar *group;
  GHashTable *uids; /* unique name → uid */
};

G_DEFINE_TYPE (FfAuthority, ff_authority, G_TYPE_OBJECT)

static void
ff_authority_finalize (GObject *object)
{
  FfAuthority *self = FF_AUTHORITY (object);

  g_free (self->group);
  g_hash_table_unref (self->uids);
  G_OBJECT_CLASS (ff_authority_parent_class)->finalize (object);
}

static void
ff_authority_class_init (FfAuthorityClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ff_authority_finalize;
}

static void
ff_authority_init (FfAuthority *self)
{
  self->uids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

FfAuthority *
ff_authority_new (const gchar *group)
{
  FfAuthority *self = g_object_new (FF_TYPE_AUTHORITY, NULL);

  self->group = g_strdup (group);
  return self;
}

const gchar *
ff_authority_get_group (FfAuthority *self)
{
  return self->group;
}

/* Looked up on each new caller, so that adding someone to the group takes
 * effect without restarting fastflowd. */
static gboolean
user_in_group (guint32 uid, const gchar *group)
{
  struct passwd *pw = getpwuid (uid);
  struct group *gr = getgrnam (group);

  if (pw == NULL || gr == NULL)
    return FALSE;
  if (pw->pw_gid == gr->gr_gid)
    return TRUE;
  for (gchar **member = gr->gr_mem; member != NULL && *member != NULL; member++)
    {
      if (g_strcmp0 (*member, pw->pw_name) == 0)
        return TRUE;
    }
  return FALSE;
}

gboolean
ff_authority_allows_uid (FfAuthority *self, guint32 uid)
{
  return uid == 0 || uid == geteuid () || user_in_group (uid, self->group);
}

/* The bus daemon answers this at once; it is asked once per client. */
static gboolean
sender_uid (FfAuthority *self, GDBusMethodInvocation *invocation, guint32 *uid, GError **error)
{
  const gchar *sender = g_dbus_method_invocation_get_sender (invocation);
  g_autoptr (GVariant) reply = NULL;
  gpointer cached;

  if (sender == NULL)
    {
      g_set_error_literal (error, FF_ERROR, FF_ERROR_ACCESS_DENIED,
                           _ ("Access denied: the caller has no bus name"));
      return FALSE;
    }
  if (g_hash_table_lookup_extended (self->uids, sender, NULL, &cached))
    {
      *uid = GPOINTER_TO_UINT (cached);
      return TRUE;
    }
  reply = g_dbus_connection_call_sync (g_dbus_method_invocation_get_connection (invocation),
                                       "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "GetConnectionUnixUser",
                                       g_variant_new ("(s)", sender), G_VARIANT_TYPE ("(u)"),
                                       G_DBUS_CALL_FLAGS_NONE, BUS_TIMEOUT_MS, NULL, error);
  if (reply == NULL)
    return FALSE;
  g_variant_get (reply, "(u)", uid);
  if (g_hash_table_size (self->uids) >= MAX_CACHED_SENDERS)
    g_hash_table_remove_all (self->uids);
  g_hash_table_insert (self->uids, g_strdup (sender), GUINT_TO_POINTER (*uid));
  return TRUE;
}

gboolean
ff_authority_check (FfAuthority *self, GDBusMethodInvocation *invocation, GError **error)
{
  guint32 uid;
  g_autoptr (GError) local_error = NULL;
  struct passwd *pw;

  if (!sender_uid (self, invocation, &uid, &local_error))
    {
      g_set_error (error, FF_ERROR, FF_ERROR_ACCESS_DENIED,
                   _ ("Access denied: the caller's user could not be found out: %s"),
                   local_error->message);
      return FALSE;
    }
  if (ff_authority_allows_uid (self, uid))
    return TRUE;
  pw = getpwuid (uid);
  g_set_error (error, FF_ERROR, FF_ERROR_ACCESS_DENIED,
               _ ("Access denied: the user %s (uid %u) may not use fastflowd on the system bus; "
                  "an administrator can add it to the group “%s”"),
               pw != NULL ? pw->pw_name : "?", uid, self->group);
  return FALSE;
}
