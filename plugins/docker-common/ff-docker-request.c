/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ff-docker-request.h"

FfDockerRequest *
ff_docker_request_new (FfExecution *execution, gboolean after_end)
{
  FfDockerRequest *req = g_new0 (FfDockerRequest, 1);

  req->execution = g_object_ref (execution);
  req->cancellable = g_cancellable_new ();
  req->after_end = after_end;
  return req;
}

void
ff_docker_request_free (FfDockerRequest *req)
{
  g_object_unref (req->execution);
  g_object_unref (req->cancellable);
  g_clear_object (&req->stream);
  g_free (req);
}

/* Stops a request; its callback will see it is no longer current. */
void
ff_docker_request_abandon (FfDockerRequest **slot)
{
  if (*slot == NULL)
    return;
  g_cancellable_cancel ((*slot)->cancellable);
  *slot = NULL;
}

/* A refused request stays refused; only a proxy or an engine that does
 * not answer right now is worth asking again. */
gboolean
ff_docker_request_can_retry (const GError *error)
{
  return g_error_matches (error, FF_EXECUTOR_ERROR, FF_REASON_PROXY_UNREACHABLE) ||
         g_error_matches (error, FF_EXECUTOR_ERROR, FF_REASON_ENGINE_ERROR);
}
