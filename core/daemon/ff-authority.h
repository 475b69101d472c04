/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define FF_TYPE_AUTHORITY (ff_authority_get_type ())
G_DECLARE_FINAL_TYPE (FfAuthority, ff_authority, FF, AUTHORITY, GObject)

/**
 * FfAuthority:
 *
 * Who may call fastflowd on the system bus: root, the user fastflowd runs
 * as, and the members of one group (their primary group or a membership
 * in the group database). The bus policy in data/ keeps everyone else
 * from talking to fastflowd at all; this is the same rule inside the
 * daemon, for a bus whose policy is looser.
 *
 * Each client (unique bus name) is judged once, on its first call, and
 * forgotten when it leaves the bus.
 */
FfAuthority *ff_authority_new (const gchar *group);
const gchar *ff_authority_get_group (FfAuthority *self);
/* For a method of an interface in ff_authority_guard ()'s
 * @checked_interfaces; may block on the bus, so from GDBus's method
 * threads (g-authorize-method) only. */
gboolean ff_authority_check (FfAuthority *self, GDBusMethodInvocation *invocation, GError **error);
void ff_authority_guard (FfAuthority *self,
                         GDBusConnection *connection,
                         const gchar *path,
                         const gchar *const *checked_interfaces);
void ff_authority_unguard (FfAuthority *self);
gboolean ff_authority_lets_in (FfAuthority *self, const gchar *peer);

G_END_DECLS
