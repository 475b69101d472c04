/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Where this process's cgroups are: /proc/self/cgroup and
 * /proc/self/mountinfo, or test stand-ins. */
typedef struct
{
  const gchar *cgroup_file;
  const gchar *mountinfo_file;
} FfLocalCgroupSource;

typedef struct _FfLocalCgroup FfLocalCgroup;

FfLocalCgroup *ff_local_cgroup_new (const FfLocalCgroupSource *source,
                                    guint64 memory_bytes,
                                    gdouble cpus,
                                    GError **error);
/* Descriptors of cgroup.procs files: a child writes "0" to each to join. */
const gint *ff_local_cgroup_get_procs_fds (FfLocalCgroup *self, guint *n_fds);
guint64 ff_local_cgroup_get_memory_limit (FfLocalCgroup *self);
gboolean ff_local_cgroup_was_oom_killed (FfLocalCgroup *self);
guint64 ff_local_cgroup_get_memory_peak (FfLocalCgroup *self);
void ff_local_cgroup_free (FfLocalCgroup *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FfLocalCgroup, ff_local_cgroup_free)

G_END_DECLS
