/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * A real HAProxy socket proxy in front of the real engine, configured
 * from data/haproxy/docker-socket-proxy.cfg with the given flags, on a
 * loopback port of its own.
 */
typedef struct _FfTestProxy FfTestProxy;

guint16 ff_test_proxy_free_port (void);
FfTestProxy *
ff_test_proxy_start (guint16 port, const gchar *const *flags, const gchar *timeout_server);
FfTestProxy *ff_test_proxy_start_unix (const gchar *path, const gchar *const *flags);
const gchar *ff_test_proxy_get_url (FfTestProxy *self);
void ff_test_proxy_stop (FfTestProxy *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FfTestProxy, ff_test_proxy_stop)

G_END_DECLS
