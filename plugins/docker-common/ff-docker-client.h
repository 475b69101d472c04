/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <fastflow.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define FF_TYPE_DOCKER_CLIENT (ff_docker_client_get_type ())
G_DECLARE_FINAL_TYPE (FfDockerClient, ff_docker_client, FF, DOCKER_CLIENT, GObject)

/**
 * FfDockerCallFlags:
 * @FF_DOCKER_CALL_NONE: a quick request; a proxy that stays silent for
 *   longer than the session timeout counts as unreachable
 * @FF_DOCKER_CALL_LONG: a request that may rightly stay silent for long
 *   (wait, stop, create on a slow storage driver): no timeout, and its
 *   own pool of connections
 * @FF_DOCKER_CALL_PROBE: the status is the answer: a 403 or a 5xx comes
 *   back as a status, not as an error
 */
typedef enum
{
  FF_DOCKER_CALL_NONE = 0,
  FF_DOCKER_CALL_LONG = 1 << 0,
  FF_DOCKER_CALL_PROBE = 1 << 1,
} FfDockerCallFlags;

FfDockerClient *ff_docker_client_new (const gchar *url, guint max_connections, GError **error);
const gchar *ff_docker_client_get_url (FfDockerClient *self);
const gchar *ff_docker_client_get_socket_path (FfDockerClient *self);
const gchar *ff_docker_client_get_api_version (FfDockerClient *self);

void ff_docker_client_ping_async (FfDockerClient *self,
                                  GCancellable *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer user_data);
gboolean ff_docker_client_ping_finish (FfDockerClient *self, GAsyncResult *result, GError **error);

void ff_docker_client_call_async (FfDockerClient *self,
                                  const gchar *method,
                                  const gchar *path,
                                  JsonNode *body,
                                  FfDockerCallFlags flags,
                                  GCancellable *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer user_data);
JsonNode *ff_docker_client_call_finish (FfDockerClient *self,
                                        GAsyncResult *result,
                                        guint *status,
                                        GError **error);

void ff_docker_client_stream_async (FfDockerClient *self,
                                    const gchar *path,
                                    GCancellable *cancellable,
                                    GAsyncReadyCallback callback,
                                    gpointer user_data);
GInputStream *
ff_docker_client_stream_finish (FfDockerClient *self, GAsyncResult *result, GError **error);

gchar *ff_docker_client_dup_error_message (JsonNode *node);

G_END_DECLS
