/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ff-docker-client.h"
#include "ff-test-execution.h"
#include "ff-test-util.h"

G_BEGIN_DECLS

/*
 * What the tests of the Docker-based executors (docker-proxy, swarm) share:
 * one run from launch to exit with its output collected, the engine's own
 * view, and messages as people read them. Waits are ff-test-util.h's.
 */

/* Messages are kept untranslated until shown; the tests read them shown.
 * The text lives until the test program ends. */
const gchar *ff_test_shown (const gchar *message);

/* A request straight to the engine's socket: the test's own view. */
JsonNode *ff_test_engine_call (FfDockerClient *engine,
                               const gchar *method,
                               const gchar *path,
                               JsonNode *body,
                               FfDockerCallFlags flags,
                               guint *status);
JsonNode *ff_test_engine_get (FfDockerClient *engine, const gchar *path, guint *status);

/* A run of `sh -c @script` from the pipeline folder @dir, labelled for
 * the daemon instance @instance, with its run id in FASTFLOW_RUN_ID. */
FfRunRequest *
ff_test_request_new (guint64 run_id, const gchar *script, const gchar *dir, const gchar *instance);

/* Launches @request (taking it) and returns at once, keeping the output
 * and failing on anything after ::exited (ff-test-execution.h). */
FfTestRun *ff_test_run_start (FfExecutor *executor, FfRunRequest *request);
FfTestRun *
ff_test_run_start_full (FfExecutor *executor, FfRunRequest *request, GCancellable *cancellable);
G_END_DECLS
