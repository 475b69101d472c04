/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <fastflow.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/*
 * Pieces of a container's description that every Docker-based executor
 * writes the same way, whether the container is created directly
 * (POST /containers/create) or by a swarm service (ContainerSpec).
 */

void ff_docker_spec_add_string_array (JsonBuilder *builder,
                                      const gchar *member,
                                      const gchar *const *values);
void ff_docker_spec_add_env (JsonBuilder *builder,
                             const gchar *member,
                             FfRunRequest *request,
                             const gchar *route_file);
void ff_docker_spec_add_labels (JsonBuilder *builder,
                                const gchar *member,
                                FfRunRequest *request,
                                const gchar *executor);
gchar *ff_docker_spec_dup_name (FfRunRequest *request);
guint ff_docker_spec_cores_from_refusal (const gchar *message);

G_END_DECLS
