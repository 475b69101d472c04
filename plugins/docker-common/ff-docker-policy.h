/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <fastflow.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define FF_TYPE_DOCKER_POLICY (ff_docker_policy_get_type ())
G_DECLARE_FINAL_TYPE (FfDockerPolicy, ff_docker_policy, FF, DOCKER_POLICY, GObject)

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
gboolean ff_docker_policy_check_create_body (FfDockerPolicy *self,
                                             JsonObject *body,
                                             const gchar *const *mount_sources,
                                             GError **error);

G_END_DECLS
