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
 */
FfAuthority *ff_authority_new (const gchar *group);
const gchar *ff_authority_get_group (FfAuthority *self);
gboolean ff_authority_allows_uid (FfAuthority *self, guint32 uid);
gboolean ff_authority_check (FfAuthority *self, GDBusMethodInvocation *invocation, GError **error);

G_END_DECLS
