/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <fastflow.h>

#include "ff-docker-client.h"

G_BEGIN_DECLS

#define FF_TYPE_DOCKER_LOG_READER (ff_docker_log_reader_get_type ())
G_DECLARE_FINAL_TYPE (FfDockerLogReader, ff_docker_log_reader, FF, DOCKER_LOG_READER, GObject)

FfDockerLogReader *ff_docker_log_reader_new (FfExecution *execution);
gchar *ff_docker_log_reader_dup_since (FfDockerLogReader *self);
void ff_docker_log_reader_read_async (FfDockerLogReader *self,
                                      FfDockerClient *client,
                                      const gchar *path,
                                      GCancellable *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer user_data);
gboolean
ff_docker_log_reader_read_finish (FfDockerLogReader *self, GAsyncResult *result, GError **error);
gboolean ff_docker_log_reader_is_cut (FfDockerLogReader *self);
void ff_docker_log_reader_finish (FfDockerLogReader *self);

G_END_DECLS
