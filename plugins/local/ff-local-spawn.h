/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean ff_local_spawn (const gchar *dir,
                         const gchar *const *argv,
                         const gchar *const *envp,
                         const gint *cgroup_fds,
                         guint n_cgroup_fds,
                         GPid *pid,
                         gint *stdout_fd,
                         gint *stderr_fd,
                         GError **error);

G_END_DECLS
