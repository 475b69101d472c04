/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <fastflow.h>

G_BEGIN_DECLS

/*
 * One request of an execution to the engine (a log follow, a wait, a
 * poll). The execution keeps the current one in a slot; abandoning it
 * cancels it and empties the slot, so that its callback, which holds the
 * request, sees it is no longer current and drops what it got.
 */
typedef struct
{
  FfExecution *execution;
  GCancellable *cancellable;
  GInputStream *stream; /* a streamed answer, once it is open */
  gboolean after_end;   /* sent after the run ended: it ends by itself */
} FfDockerRequest;

FfDockerRequest *ff_docker_request_new (FfExecution *execution, gboolean after_end);
void ff_docker_request_free (FfDockerRequest *req);
void ff_docker_request_abandon (FfDockerRequest **slot);
gboolean ff_docker_request_can_retry (const GError *error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FfDockerRequest, ff_docker_request_free)

G_END_DECLS
