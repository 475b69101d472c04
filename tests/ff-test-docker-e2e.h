/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "ff-test-daemon.h"

G_BEGIN_DECLS

/*
 * The fixtures of the end-to-end tests of the Docker executors
 * (test-docker-e2e.c, test-swarm-e2e.c): fastflowd with one container
 * executor behind a real proxy, pipelines of that executor, and the
 * engine's own view of what a pipeline left.
 */

/* g_test_init() in English, and a suffix for the pipeline names of this
 * test process, so that its containers and services can be told apart. */
void ff_test_docker_e2e_init (int *argc, char ***argv);
void ff_test_docker_e2e_clear (void);

/* @base with this process's suffix. */
gchar *ff_test_docker_e2e_name (const gchar *base);

/* A daemon whose @executor uses @proxy_url and the test image, with
 * @sections before [executor.@executor] and @extra lines in it. */
FfTestDaemon *ff_test_docker_e2e_daemon_new (const gchar *executor,
                                             const gchar *proxy_url,
                                             const gchar *sections,
                                             const gchar *extra);

/* `{"executor": @executor, @extra}` and main.sh with @script. */
void ff_test_docker_e2e_add_pipeline (FfTestDaemon *d,
                                      const gchar *executor,
                                      const gchar *pipeline,
                                      const gchar *extra,
                                      const gchar *script);

/* `fastflowctl status --json @id`; @node owns the answer. */
JsonObject *ff_test_docker_e2e_get_status (FfTestDaemon *d, const gchar *id, JsonNode **node);

/* How many objects labelled with @pipeline `docker @command…` lists,
 * e.g. { "ps", "-aq" } or { "service", "ls", "-q" }. */
guint ff_test_docker_e2e_count (const gchar *const *command, const gchar *pipeline);

/* The engine's CPU cores (`docker info`'s NCPU). */
guint ff_test_docker_e2e_engine_cores (void);
void ff_test_docker_e2e_assert_cpu_clamped (FfTestDaemon *d,
                                            const gchar *executor,
                                            const gchar *pipeline);

G_END_DECLS
