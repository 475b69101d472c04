/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "fastflow.h"

G_BEGIN_DECLS

/*
 * What the engine says about a container or a swarm task, read without
 * trusting it: a member of the wrong type counts as missing, numbers are
 * kept in range, and nothing an engine (or whatever answers in its place)
 * sends can crash fastflowd or raise a critical warning. The libFuzzer
 * target tests/fuzz/fuzz-inspect.c holds them to that.
 */

typedef struct
{
  gboolean running; /* running, or about to (created, restarting) */
  gboolean has_exit_code;
  gint exit_code;
  gboolean oom_killed;
} FfDockerContainerState;

typedef struct
{
  const gchar *state; /* (nullable) new, pending, running, complete, failed, … */
  const gchar *err;   /* (nullable) never empty */
  const gchar *message;
  const gchar *created_at;
  const gchar *container_id; /* (nullable) on the node that runs it */
  gboolean has_exit_code;
  gint exit_code;
} FfDockerTaskStatus;

/* The State object of `GET /containers/{id}/json`, or NULL. */
JsonObject *ff_docker_inspect_get_state (JsonNode *inspect);
void ff_docker_inspect_read_state (JsonObject *state, FfDockerContainerState *out);
/* CPU and memory of one `GET /containers/{id}/stats` object, as
 * `docker stats` counts them; FALSE when it cannot tell (the first object
 * has nothing to compare with). */
gboolean ff_docker_inspect_read_usage (JsonNode *stats, guint64 memory_limit, FfUsage *usage);
/* One element of `GET /tasks`; FALSE when it is no task with a Status. The
 * strings point into @task. */
gboolean ff_docker_inspect_read_task (JsonNode *task, FfDockerTaskStatus *out);

G_END_DECLS
