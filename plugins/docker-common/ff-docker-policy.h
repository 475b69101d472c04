/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <fastflow.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define FF_TYPE_DOCKER_POLICY (ff_docker_policy_get_type ())
G_DECLARE_FINAL_TYPE (FfDockerPolicy, ff_docker_policy, FF, DOCKER_POLICY, GObject)

/**
 * FfDockerMount:
 * @source: a host path the executor checked (resolved)
 * @target: the one place in the container it may be mounted at
 * @writable: whether it may be mounted writable
 *
 * A bind mount the executor checked and means to make: the last look at a
 * container's body lets through only these, each at its target, and
 * writable only where @writable says so.
 */
typedef struct
{
  const gchar *source;
  const gchar *target;
  gboolean writable;
} FfDockerMount;

FfDockerPolicy *ff_docker_policy_new (const gchar *group,
                                      const gchar *const *allowed_roots,
                                      const gchar *const *engine_sockets);
gboolean ff_docker_policy_is_engine_socket (FfDockerPolicy *self, const gchar *path);
gboolean
ff_docker_policy_check_network (FfDockerPolicy *self, const gchar *network, GError **error);
gboolean ff_docker_policy_check_pipeline_dir (FfDockerPolicy *self,
                                              const gchar *dir,
                                              const gchar *pipelines_dir,
                                              gchar **resolved,
                                              GError **error);
gboolean ff_docker_policy_check_own_mount (FfDockerPolicy *self,
                                           const gchar *source,
                                           gchar **resolved,
                                           GError **error);
gboolean ff_docker_policy_check_folder (FfDockerPolicy *self,
                                        FfRunFolder folder,
                                        const gchar *source,
                                        gboolean writable,
                                        gchar **resolved,
                                        GError **error);
gboolean ff_docker_policy_check_create_body (FfDockerPolicy *self,
                                             JsonObject *body,
                                             const FfDockerMount *mounts,
                                             GError **error);

G_END_DECLS
