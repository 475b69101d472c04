/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>

#include "ff-authority.h"
#include "fastflow.h"

/* Clients are forgotten when they leave the bus; this bounds the rest
 * (e.g. one that left while its verdict was being made). */
#define MAX_KNOWN_PEERS 1024
#define BUS_TIMEOUT_MS 2000
/* the longest passwd or group entry looked at */
#define MAX_ENTRY_SIZE (16 * 1024 * 1024)

typedef struct
{
  gboolean allowed;
  gchar *denial; /* why not, in words for the caller */
} Verdict;

struct _FfAuthority
{
  GObject parent_instance;
  gchar *group;
  /* Read by the filter in GDBus's worker thread and written by
   * g-authorize-method in GDBus's method threads too. */
  GMutex lock;
  GHashTable *peers; /* unique name → Verdict */

  /* Set by ff_authority_guard () and kept until finalize: a filter may
   * still run a little after its removal. */
  gchar *path;
  gchar **checked_interfaces;
  GMainContext *context;

  /* in the main context only */
  GDBusConnection *connection;
  guint filter_id;
  guint owner_changes_id;
  GHashTable *waiting; /* unique name → GPtrArray of calls waiting for its verdict */
};

G_DEFINE_TYPE (FfAuthority, ff_authority, G_TYPE_OBJECT)

static void
verdict_free (Verdict *verdict)
{
  g_free (verdict->denial);
  g_free (verdict);
}

static void
ff_authority_finalize (GObject *object)
{
  FfAuthority *self = FF_AUTHORITY (object);

  ff_authority_unguard (self);
  g_free (self->group);
  g_hash_table_unref (self->peers);
  g_mutex_clear (&self->lock);
  g_free (self->path);
  g_strfreev (self->checked_interfaces);
  g_clear_pointer (&self->context, g_main_context_unref);
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
  g_mutex_init (&self->lock);
  self->peers =
      g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) verdict_free);
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

/* The reentrant lookups: verdicts are made in GDBus's method threads too. */
static gchar *
dup_user_name (guint32 uid, gid_t *gid)
{
  struct passwd pw, *found = NULL;
  g_autofree gchar *buf = NULL;
  gsize size = 1024;
  gint err;

  do
    {
      size *= 2;
      buf = g_realloc (buf, size);
      err = getpwuid_r (uid, &pw, buf, size, &found);
    }
  while (err == ERANGE && size < MAX_ENTRY_SIZE);
  if (found == NULL)
    return NULL;
  *gid = pw.pw_gid;
  return g_strdup (pw.pw_name);
}

/* Looked up on each new caller, so that adding someone to the group takes
 * effect without restarting fastflowd. */
static gboolean
group_has (const gchar *group, const gchar *user, gid_t gid)
{
  struct group gr, *found = NULL;
  g_autofree gchar *buf = NULL;
  gsize size = 1024;
  gint err;

  do
    {
      size *= 2;
      buf = g_realloc (buf, size);
      err = getgrnam_r (group, &gr, buf, size, &found);
    }
  while (err == ERANGE && size < MAX_ENTRY_SIZE);
  if (found == NULL)
    return FALSE;
  return gr.gr_gid == gid || g_strv_contains ((const gchar *const *) gr.gr_mem, user);
}

static Verdict *
judge (FfAuthority *self, guint32 uid)
{
  Verdict *verdict = g_new0 (Verdict, 1);
  g_autofree gchar *name = NULL;
  gid_t gid = 0;

  if (uid == 0 || uid == geteuid ())
    {
      verdict->allowed = TRUE;
      return verdict;
    }
  name = dup_user_name (uid, &gid);
  verdict->allowed = name != NULL && group_has (self->group, name, gid);
  if (!verdict->allowed)
    verdict->denial = g_strdup_printf (
        _ ("Access denied: the user %s (uid %u) may not use fastflowd on the system bus; "
           "an administrator can add it to the group “%s”"),
        name != NULL ? name : "?", uid, self->group);
  return verdict;
}

static gboolean
is_refused (gpointer key, gpointer value, gpointer user_data)
{
  return !((Verdict *) value)->allowed;
}

/* Judges the client @peer, user @uid, once; says a refusal in the log
 * once per client. */
static gboolean
decide (FfAuthority *self, const gchar *peer, guint32 uid, gchar **denial)
{
  Verdict *verdict = judge (self, uid);
  gboolean allowed = verdict->allowed, fresh;

  *denial = g_strdup (verdict->denial);
  g_mutex_lock (&self->lock);
  if (g_hash_table_size (self->peers) >= MAX_KNOWN_PEERS)
    g_hash_table_foreach_remove (self->peers, is_refused, NULL);
  /* still full: those let in are asked again on their next call, and
   * miss signals until then */
  if (g_hash_table_size (self->peers) >= MAX_KNOWN_PEERS)
    g_hash_table_remove_all (self->peers);
  fresh = g_hash_table_insert (self->peers, g_strdup (peer), verdict);
  g_mutex_unlock (&self->lock);
  if (fresh && !allowed)
    g_message ("%s", *denial);
  return allowed;
}

/* Returns FALSE when @peer has not been judged (yet, or no longer). */
static gboolean
recall (FfAuthority *self, const gchar *peer, gboolean *allowed, gchar **denial)
{
  Verdict *verdict;

  g_mutex_lock (&self->lock);
  verdict = g_hash_table_lookup (self->peers, peer);
  if (verdict != NULL)
    {
      *allowed = verdict->allowed;
      *denial = g_strdup (verdict->denial);
    }
  g_mutex_unlock (&self->lock);
  return verdict != NULL;
}

static gchar *
describe_lookup_failure (const GError *error)
{
  return g_strdup_printf (_ ("Access denied: the caller's user could not be found out: %s"),
                          error->message);
}

/* The bus daemon answers this at once; it is asked once per client. */
gboolean
ff_authority_check (FfAuthority *self, GDBusMethodInvocation *invocation, GError **error)
{
  const gchar *sender = g_dbus_method_invocation_get_sender (invocation);
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree gchar *denial = NULL;
  gboolean allowed = FALSE;
  guint32 uid;

  if (sender == NULL)
    {
      g_set_error_literal (error, FF_ERROR, FF_ERROR_ACCESS_DENIED,
                           _ ("Access denied: the caller has no bus name"));
      return FALSE;
    }
  if (!recall (self, sender, &allowed, &denial))
    {
      reply = g_dbus_connection_call_sync (
          g_dbus_method_invocation_get_connection (invocation), "org.freedesktop.DBus",
          "/org/freedesktop/DBus", "org.freedesktop.DBus", "GetConnectionUnixUser",
          g_variant_new ("(s)", sender), G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE,
          BUS_TIMEOUT_MS, NULL, &local_error);
      if (reply == NULL)
        {
          g_autofree gchar *message = describe_lookup_failure (local_error);
          g_set_error_literal (error, FF_ERROR, FF_ERROR_ACCESS_DENIED, message);
          return FALSE;
        }
      g_variant_get (reply, "(u)", &uid);
      allowed = decide (self, sender, uid, &denial);
    }
  if (!allowed)
    g_set_error_literal (error, FF_ERROR, FF_ERROR_ACCESS_DENIED, denial);
  return allowed;
}

gboolean
ff_authority_lets_in (FfAuthority *self, const gchar *peer)
{
  g_autofree gchar *denial = NULL;
  gboolean allowed = FALSE;

  return recall (self, peer, &allowed, &denial) && allowed;
}

/* Any thread. */
static void
refuse (GDBusConnection *connection, GDBusMessage *call, const gchar *denial)
{
  g_autoptr (GError) error = g_error_new_literal (FF_ERROR, FF_ERROR_ACCESS_DENIED, denial);
  g_autofree gchar *name = g_dbus_error_encode_gerror (error);
  g_autoptr (GDBusMessage) reply = NULL;

  if (g_dbus_message_get_flags (call) & G_DBUS_MESSAGE_FLAGS_NO_REPLY_EXPECTED)
    return;
  reply = g_dbus_message_new_method_error_literal (call, name, denial);
  g_dbus_connection_send_message (connection, reply, G_DBUS_SEND_MESSAGE_FLAGS_NONE, NULL, NULL);
}

/* fastflowd's answer to its own copy of @call, handed on to the caller. */
static void
on_forwarded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GDBusConnection *connection = G_DBUS_CONNECTION (source);
  g_autoptr (GDBusMessage) call = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GDBusMessage) reply = NULL;
  g_autoptr (GDBusMessage) answer = NULL;

  reply = g_dbus_connection_send_message_with_reply_finish (connection, result, &error);
  if (reply != NULL)
    answer = g_dbus_message_copy (reply, &error);
  if (answer == NULL)
    {
      answer = g_dbus_message_new_method_error_literal (call, "org.freedesktop.DBus.Error.Failed",
                                                        error->message);
    }
  else
    {
      g_dbus_message_set_reply_serial (answer, g_dbus_message_get_serial (call));
      g_dbus_message_set_destination (answer, g_dbus_message_get_sender (call));
      g_dbus_message_set_sender (answer, NULL);
    }
  g_dbus_connection_send_message (connection, answer, G_DBUS_SEND_MESSAGE_FLAGS_NONE, NULL, NULL);
}

/* A message the filter has dropped cannot be put back: GDBus answers a
 * copy sent by fastflowd to itself (the filter lets those through), and
 * the answer goes on to the caller. */
static void
forward (FfAuthority *self, GDBusMessage *call)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GDBusMessage) copy = g_dbus_message_copy (call, &error);

  if (copy == NULL)
    {
      g_autoptr (GDBusMessage) reply = g_dbus_message_new_method_error_literal (
          call, "org.freedesktop.DBus.Error.Failed", error->message);
      g_dbus_connection_send_message (self->connection, reply, G_DBUS_SEND_MESSAGE_FLAGS_NONE, NULL,
                                      NULL);
      return;
    }
  g_dbus_message_set_sender (copy, NULL);
  g_dbus_message_set_destination (copy, g_dbus_connection_get_unique_name (self->connection));
  if (g_dbus_message_get_flags (call) & G_DBUS_MESSAGE_FLAGS_NO_REPLY_EXPECTED)
    {
      g_dbus_connection_send_message (self->connection, copy, G_DBUS_SEND_MESSAGE_FLAGS_NONE, NULL,
                                      NULL);
      return;
    }
  g_dbus_connection_send_message_with_reply (self->connection, copy, G_DBUS_SEND_MESSAGE_FLAGS_NONE,
                                             -1, NULL, NULL, on_forwarded, g_object_ref (call));
}

static void
settle (FfAuthority *self, GDBusMessage *call, gboolean allowed, const gchar *denial)
{
  if (allowed)
    forward (self, call);
  else
    refuse (self->connection, call, denial);
}

typedef struct
{
  FfAuthority *self;
  gchar *peer;
} Lookup;

static void
lookup_free (Lookup *lookup)
{
  g_object_unref (lookup->self);
  g_free (lookup->peer);
  g_free (lookup);
}

static void
on_caller_user (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Lookup *lookup = user_data;
  FfAuthority *self = lookup->self;
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GPtrArray) calls = NULL;
  g_autofree gchar *key = NULL, *denial = NULL;
  gboolean allowed = FALSE;
  guint32 uid;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  /* unguarded, or the caller left meanwhile */
  if (self->waiting == NULL ||
      !g_hash_table_steal_extended (self->waiting, lookup->peer, (gpointer *) &key,
                                    (gpointer *) &calls))
    {
      lookup_free (lookup);
      return;
    }
  if (reply != NULL)
    {
      g_variant_get (reply, "(u)", &uid);
      allowed = decide (self, lookup->peer, uid, &denial);
    }
  else
    {
      denial = describe_lookup_failure (error);
    }
  for (guint i = 0; i < calls->len; i++)
    settle (self, g_ptr_array_index (calls, i), allowed, denial);
  lookup_free (lookup);
}

typedef struct
{
  FfAuthority *self;
  GDBusMessage *call;
} WaitingCall;

static void
waiting_call_free (gpointer data)
{
  WaitingCall *waiting = data;

  g_object_unref (waiting->self);
  g_object_unref (waiting->call);
  g_free (waiting);
}

/* In the main context: asks the bus for the caller's user, without
 * blocking, once for all its calls that come meanwhile. */
static gboolean
on_call_waiting (gpointer user_data)
{
  WaitingCall *waiting = user_data;
  FfAuthority *self = waiting->self;
  const gchar *peer = g_dbus_message_get_sender (waiting->call);
  g_autofree gchar *denial = NULL;
  gboolean allowed = FALSE;
  GPtrArray *calls;
  Lookup *lookup;

  if (self->waiting == NULL)
    return G_SOURCE_REMOVE;
  if (recall (self, peer, &allowed, &denial))
    {
      settle (self, waiting->call, allowed, denial);
      return G_SOURCE_REMOVE;
    }
  calls = g_hash_table_lookup (self->waiting, peer);
  if (calls != NULL)
    {
      g_ptr_array_add (calls, g_object_ref (waiting->call));
      return G_SOURCE_REMOVE;
    }
  calls = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_add (calls, g_object_ref (waiting->call));
  g_hash_table_insert (self->waiting, g_strdup (peer), calls);
  lookup = g_new0 (Lookup, 1);
  lookup->self = g_object_ref (self);
  lookup->peer = g_strdup (peer);
  g_dbus_connection_call (self->connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                          "org.freedesktop.DBus", "GetConnectionUnixUser",
                          g_variant_new ("(s)", peer), G_VARIANT_TYPE ("(u)"),
                          G_DBUS_CALL_FLAGS_NONE, BUS_TIMEOUT_MS, NULL, on_caller_user, lookup);
  return G_SOURCE_REMOVE;
}

/* In GDBus's worker thread, which must not block: what is known is
 * answered at once, the rest waits for the bus in the main context. */
static GDBusMessage *
gate_call (FfAuthority *self, GDBusConnection *connection, GDBusMessage *call)
{
  const gchar *sender = g_dbus_message_get_sender (call);
  const gchar *interface = g_dbus_message_get_interface (call);
  g_autofree gchar *denial = NULL;
  gboolean allowed = FALSE;
  WaitingCall *waiting;

  if (sender == NULL)
    {
      refuse (connection, call, _ ("Access denied: the caller has no bus name"));
      g_object_unref (call);
      return NULL;
    }
  /* fastflowd's own copy of a call it has let in (forward ()) */
  if (g_strcmp0 (sender, g_dbus_connection_get_unique_name (connection)) == 0)
    return call;
  if (recall (self, sender, &allowed, &denial))
    {
      if (allowed)
        return call;
      refuse (connection, call, denial);
      g_object_unref (call);
      return NULL;
    }
  /* these ask in g-authorize-method, in a thread where waiting is fine */
  if (interface != NULL &&
      g_strv_contains ((const gchar *const *) self->checked_interfaces, interface))
    return call;
  waiting = g_new0 (WaitingCall, 1);
  waiting->self = g_object_ref (self);
  waiting->call = call;
  g_main_context_invoke_full (self->context, G_PRIORITY_DEFAULT, on_call_waiting, waiting,
                              waiting_call_free);
  return NULL;
}

static GPtrArray *
dup_allowed_peers (FfAuthority *self, const gchar *own_name)
{
  GPtrArray *peers = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  gpointer key, value;

  g_mutex_lock (&self->lock);
  g_hash_table_iter_init (&iter, self->peers);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      if (((Verdict *) value)->allowed && g_strcmp0 (key, own_name) != 0)
        g_ptr_array_add (peers, g_strdup (key));
    }
  g_mutex_unlock (&self->lock);
  return peers;
}

/* The bus hands a signal without a destination to every match rule its
 * policy lets receive it, and fastflowd cannot see who holds them. So
 * each client let in gets a copy addressed to it, and the broadcast
 * itself is addressed to fastflowd: dropped, it would keep a
 * g_dbus_connection_flush () waiting, as GDBus counts the messages it
 * writes. The copies queue behind the messages already queued, in the
 * order of the signals, so that each client sees them in that order. */
static GDBusMessage *
address_signal (FfAuthority *self, GDBusConnection *connection, GDBusMessage *signal)
{
  const gchar *own_name = g_dbus_connection_get_unique_name (connection);
  g_autoptr (GPtrArray) peers = dup_allowed_peers (self, own_name);
  GDBusMessage *to_self;

  for (guint i = 0; i < peers->len; i++)
    {
      g_autoptr (GDBusMessage) copy = g_dbus_message_copy (signal, NULL);

      g_dbus_message_set_destination (copy, g_ptr_array_index (peers, i));
      g_dbus_connection_send_message (connection, copy, G_DBUS_SEND_MESSAGE_FLAGS_NONE, NULL, NULL);
    }
  to_self = g_dbus_message_copy (signal, NULL);
  g_dbus_message_set_destination (to_self, own_name);
  g_object_unref (signal);
  return to_self;
}

static gboolean
in_tree (FfAuthority *self, const gchar *path)
{
  gsize len = strlen (self->path);

  return path != NULL && strncmp (path, self->path, len) == 0 &&
         (path[len] == '\0' || path[len] == '/');
}

static GDBusMessage *
filter_message (GDBusConnection *connection,
                GDBusMessage *message,
                gboolean incoming,
                gpointer user_data)
{
  FfAuthority *self = user_data;
  GDBusMessageType type = g_dbus_message_get_message_type (message);

  if (!in_tree (self, g_dbus_message_get_path (message)))
    return message;
  if (incoming && type == G_DBUS_MESSAGE_TYPE_METHOD_CALL)
    return gate_call (self, connection, message);
  if (!incoming && type == G_DBUS_MESSAGE_TYPE_SIGNAL &&
      g_dbus_message_get_destination (message) == NULL)
    return address_signal (self, connection, message);
  return message;
}

/* Unique names are never reused: a client that left is forgotten. */
static void
on_name_owner_changed (GDBusConnection *connection,
                       const gchar *sender,
                       const gchar *path,
                       const gchar *interface,
                       const gchar *signal,
                       GVariant *parameters,
                       gpointer user_data)
{
  FfAuthority *self = user_data;
  const gchar *name, *old_owner, *new_owner;

  if (!g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(sss)")))
    return;
  g_variant_get (parameters, "(&s&s&s)", &name, &old_owner, &new_owner);
  if (name[0] != ':' || new_owner[0] != '\0')
    return;
  g_mutex_lock (&self->lock);
  if (g_hash_table_remove (self->peers, name))
    g_debug ("%s left the bus", name);
  g_mutex_unlock (&self->lock);
  if (self->waiting != NULL)
    g_hash_table_remove (self->waiting, name);
}

/**
 * ff_authority_guard:
 * @path: the object path whose tree is guarded
 * @checked_interfaces: interfaces whose skeletons call ff_authority_check ()
 *   in g-authorize-method
 *
 * From now on every method call to @path and below, whatever its
 * interface (org.freedesktop.DBus.Properties, ObjectManager,
 * Introspectable, …), is answered to the clients let in only; anyone else
 * gets AccessDenied before GDBus sees the call. Signals from the tree go
 * to the clients let in only, one copy each.
 */
void
ff_authority_guard (FfAuthority *self,
                    GDBusConnection *connection,
                    const gchar *path,
                    const gchar *const *checked_interfaces)
{
  g_return_if_fail (FF_IS_AUTHORITY (self));
  g_return_if_fail (self->path == NULL);

  self->path = g_strdup (path);
  self->checked_interfaces = g_strdupv ((gchar **) checked_interfaces);
  self->context = g_main_context_ref_thread_default ();
  self->connection = g_object_ref (connection);
  self->waiting =
      g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_ptr_array_unref);
  self->owner_changes_id = g_dbus_connection_signal_subscribe (
      connection, "org.freedesktop.DBus", "org.freedesktop.DBus", "NameOwnerChanged",
      "/org/freedesktop/DBus", NULL, G_DBUS_SIGNAL_FLAGS_NONE, on_name_owner_changed,
      g_object_ref (self), g_object_unref);
  self->filter_id = g_dbus_connection_add_filter (connection, filter_message, g_object_ref (self),
                                                  g_object_unref);
}

void
ff_authority_unguard (FfAuthority *self)
{
  if (self->connection == NULL)
    return;
  /* the filter addresses signals as they are written: the ones still
   * queued must not go out as broadcasts */
  g_dbus_connection_flush_sync (self->connection, NULL, NULL);
  g_dbus_connection_remove_filter (self->connection, self->filter_id);
  g_dbus_connection_signal_unsubscribe (self->connection, self->owner_changes_id);
  g_clear_pointer (&self->waiting, g_hash_table_unref);
  g_clear_object (&self->connection);
}
