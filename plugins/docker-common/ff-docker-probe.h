/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ff-docker-client.h"

G_BEGIN_DECLS

/*
 * Least privilege, checked: which API sections the socket proxy in front of
 * @client lets through, found with harmless requests (a GET of something
 * that cannot exist answers 404 past the proxy and 403 from it). The result
 * says, flag by flag, what fastflow needs and lacks (errors) and what the
 * proxy allows although fastflow does not need it (warnings).
 */
void ff_docker_probe_async (FfDockerClient *client,
                            GCancellable *cancellable,
                            GAsyncReadyCallback callback,
                            gpointer user_data);
/* Returns: (transfer container) (element-type FfExecutorCheck) */
GPtrArray *ff_docker_probe_finish (FfDockerClient *client, GAsyncResult *result, GError **error);

/* For tests: the flags probed, and the checks for a set of answers, where
 * @allowed[i] is the answer for ff_docker_probe_get_flag (i). */
guint ff_docker_probe_get_n_flags (void);
const gchar *ff_docker_probe_get_flag (guint index);
GPtrArray *ff_docker_probe_evaluate (const gboolean *allowed);

G_END_DECLS
