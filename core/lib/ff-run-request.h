/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__FASTFLOW_H_INSIDE__) && !defined(FASTFLOW_COMPILATION)
#error "Only <fastflow.h> can be included directly."
#endif

#include <glib-object.h>

G_BEGIN_DECLS

#define FF_TYPE_RUN_REQUEST (ff_run_request_get_type ())
G_DECLARE_FINAL_TYPE (FfRunRequest, ff_run_request, FF, RUN_REQUEST, GObject)

/**
 * FfRunRequest:
 *
 * Everything an executor needs to start one attempt of a run: what to run,
 * where, with which environment and limits. Built by the orchestrator,
 * read-only for executors.
 */
FfRunRequest *ff_run_request_new (guint64 run_id, const gchar *pipeline);

guint64 ff_run_request_get_run_id (FfRunRequest *self);
const gchar *ff_run_request_get_pipeline (FfRunRequest *self);

/* The pipeline folder on the host. */
const gchar *ff_run_request_get_pipeline_dir (FfRunRequest *self);
void ff_run_request_set_pipeline_dir (FfRunRequest *self, const gchar *dir);

/* The daemon's pipelines folder, which holds the pipeline folder: the
 * root a mounted pipeline folder must lie in, unless the executor's
 * allowed_roots name more. */
const gchar *ff_run_request_get_pipelines_dir (FfRunRequest *self);
void ff_run_request_set_pipelines_dir (FfRunRequest *self, const gchar *dir);

/* argv, run with the pipeline folder as working directory. */
const gchar *const *ff_run_request_get_command (FfRunRequest *self);
void ff_run_request_set_command (FfRunRequest *self, const gchar *const *argv);

/* The environment the pipeline asked for: default_env, StartRun's env and
 * the FASTFLOW_* variables. Executors add nothing else but what their
 * sandbox needs (PATH, HOME). */
GHashTable *ff_run_request_get_env (FfRunRequest *self);
void ff_run_request_set_env_var (FfRunRequest *self, const gchar *key, const gchar *value);
gchar **ff_run_request_dup_environ (FfRunRequest *self, gchar **base);

/* Container labels (org.fastflow.*). */
GHashTable *ff_run_request_get_labels (FfRunRequest *self);
void ff_run_request_set_label (FfRunRequest *self, const gchar *key, const gchar *value);

guint ff_run_request_get_attempt (FfRunRequest *self);
void ff_run_request_set_attempt (FfRunRequest *self, guint attempt);

/* Hard limits; 0 means none. */
guint64 ff_run_request_get_memory_limit (FfRunRequest *self);
void ff_run_request_set_memory_limit (FfRunRequest *self, guint64 bytes);
gdouble ff_run_request_get_cpu_limit (FfRunRequest *self);
void ff_run_request_set_cpu_limit (FfRunRequest *self, gdouble cpus);

/* Soft limits: passing one is a warning, not a stop; 0 means none. CPU in
 * cores (1.0 = one core, as `cpu_soft_limit` in pipeline.json). */
guint64 ff_run_request_get_memory_soft_limit (FfRunRequest *self);
void ff_run_request_set_memory_soft_limit (FfRunRequest *self, guint64 bytes);
gdouble ff_run_request_get_cpu_soft_limit (FfRunRequest *self);
void ff_run_request_set_cpu_soft_limit (FfRunRequest *self, gdouble cpus);

/* The name of the executor that runs it, e.g. "docker-proxy". */
const gchar *ff_run_request_get_executor (FfRunRequest *self);
void ff_run_request_set_executor (FfRunRequest *self, const gchar *executor);

/* A writable file on the host where the run may write the name of a route
 * (`on_route` triggers); its path is in FASTFLOW_ROUTE_FILE. An executor
 * whose runs cannot see host paths makes it visible and points the
 * variable at where it is. */
const gchar *ff_run_request_get_route_file (FfRunRequest *self);
void ff_run_request_set_route_file (FfRunRequest *self, const gchar *path);

/* Container-only settings; NULL means the executor's default. */
const gchar *ff_run_request_get_image (FfRunRequest *self);
void ff_run_request_set_image (FfRunRequest *self, const gchar *image);
const gchar *ff_run_request_get_network (FfRunRequest *self);
void ff_run_request_set_network (FfRunRequest *self, const gchar *network);

/* Placement constraints for executors that pick a machine (swarm);
 * NULL means anywhere. */
const gchar *const *ff_run_request_get_placement (FfRunRequest *self);
void ff_run_request_set_placement (FfRunRequest *self, const gchar *const *constraints);

/**
 * FfRunFolder:
 * @FF_RUN_FOLDER_DEPENDENCY_ENV: the pipeline's dependency environment (a
 *   Python virtual environment built from its requirements); writable only
 *   for the run that builds it
 * @FF_RUN_FOLDER_TOOLS: fastflow's own helper programs (the environment
 *   builder, the notebook runner); always read-only
 * @FF_RUN_FOLDER_WHEELS: a local folder of packages (`[dependencies]
 *   find_links`) a build installs from; always read-only
 *
 * Host folders besides the pipeline folder that a run needs to see. An
 * executor whose runs do not see the host's files shows each at the path
 * ff_executor_get_folder_path() names.
 */
typedef enum
{
  FF_RUN_FOLDER_DEPENDENCY_ENV,
  FF_RUN_FOLDER_TOOLS,
  FF_RUN_FOLDER_WHEELS,
  FF_RUN_FOLDER_LAST /*< skip >*/
} FfRunFolder;

const gchar *ff_run_request_get_folder (FfRunRequest *self, FfRunFolder folder, gboolean *writable);
void ff_run_request_set_folder (FfRunRequest *self,
                                FfRunFolder folder,
                                const gchar *host_path,
                                gboolean writable);

/* The pipeline's `python_version` ("3.12"), NULL for any. An executor that
 * picks an image or interpreter by it (see ff_executor_get_runtime()) never
 * silently takes another version. */
const gchar *ff_run_request_get_python_version (FfRunRequest *self);
void ff_run_request_set_python_version (FfRunRequest *self, const gchar *version);
/* `[daemon] python`: what runs main.py without python_version */
const gchar *ff_run_request_get_default_python (FfRunRequest *self);
void ff_run_request_set_default_python (FfRunRequest *self, const gchar *python);

/* Grace period between a polite stop and a kill. */
guint ff_run_request_get_stop_grace_ms (FfRunRequest *self);
void ff_run_request_set_stop_grace_ms (FfRunRequest *self, guint grace_ms);

G_END_DECLS
