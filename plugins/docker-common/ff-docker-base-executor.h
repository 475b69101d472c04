/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <fastflow.h>

#include "ff-docker-client.h"
#include "ff-docker-policy.h"

G_BEGIN_DECLS

#define FF_TYPE_DOCKER_BASE_EXECUTOR (ff_docker_base_executor_get_type ())
G_DECLARE_DERIVABLE_TYPE (
    FfDockerBaseExecutor, ff_docker_base_executor, FF, DOCKER_BASE_EXECUTOR, GObject)

/**
 * FfDockerBaseExecutorClass:
 * @name: the executor's name, also that of its `[executor.NAME]` group
 * @configure: reads the settings of the executor's own, after the shared
 *   ones (proxy_url, image, python_image, app_mount, network, user,
 *   allowed_roots, engine_sockets)
 * @probe_health_async: whether the engine can run things now
 * @probe_health_finish: %FALSE with the reason it cannot
 * @diagnose_async: the detailed findings about the proxy and the engine
 * @diagnose_finish: a #GPtrArray of #FfExecutorCheck
 * @launch_async: starts an attempt; the task it makes is ended with
 *   g_task_return_pointer() and an #FfExecution
 * @next_removal: after a failed launch, the DELETE path of the next thing
 *   the launch @data created, with its id in @id; %NULL once none is left
 * @removal_failed: says that removing @id after a failed launch failed
 * @leftovers_path: the listing of round @round of a sweep for leftovers of
 *   @instance, with the flags to send it with; %NULL once every round is done
 * @leftover_path: the DELETE path for a listed @object, or %NULL to keep it
 *
 * What the Docker-based executors (docker-proxy, swarm) share: the proxy
 * they talk to and its client, the settings every one of them has, the
 * health check, the diagnosis, the checks before a launch, the removal of
 * what a failed launch created, and the sweep for leftovers.
 */
struct _FfDockerBaseExecutorClass
{
  GObjectClass parent_class;

  const gchar *name;
  gboolean (*configure) (FfDockerBaseExecutor *self, GKeyFile *config, GError **error);
  void (*probe_health_async) (FfDockerBaseExecutor *self,
                              GCancellable *cancellable,
                              GAsyncReadyCallback callback,
                              gpointer user_data);
  gboolean (*probe_health_finish) (FfDockerBaseExecutor *self,
                                   GAsyncResult *result,
                                   GError **error);
  void (*diagnose_async) (FfDockerBaseExecutor *self,
                          GCancellable *cancellable,
                          GAsyncReadyCallback callback,
                          gpointer user_data);
  GPtrArray *(*diagnose_finish) (FfDockerBaseExecutor *self, GAsyncResult *result, GError **error);
  void (*launch_async) (FfDockerBaseExecutor *self,
                        FfRunRequest *request,
                        GCancellable *cancellable,
                        GAsyncReadyCallback callback,
                        gpointer user_data);
  gchar *(*next_removal) (FfDockerBaseExecutor *self, gpointer data, gchar **id);
  void (*removal_failed) (FfDockerBaseExecutor *self,
                          gpointer data,
                          const gchar *id,
                          const GError *error);
  gchar *(*leftovers_path) (FfDockerBaseExecutor *self,
                            const gchar *instance,
                            guint round,
                            FfDockerCallFlags *flags);
  gchar *(*leftover_path) (FfDockerBaseExecutor *self,
                           JsonObject *object,
                           const gchar *daemon_id,
                           guint round);
};

const gchar *ff_docker_base_executor_get_url (FfDockerBaseExecutor *self);
void ff_docker_base_executor_set_url (FfDockerBaseExecutor *self, const gchar *url);
const gchar *ff_docker_base_executor_get_group (FfDockerBaseExecutor *self);
const gchar *ff_docker_base_executor_get_user (FfDockerBaseExecutor *self);
gboolean ff_docker_base_executor_get_app_writable (FfDockerBaseExecutor *self);
const gchar *ff_docker_base_executor_get_folder_target (FfRunFolder folder);
gboolean ff_docker_base_executor_image_is_for_version (FfDockerBaseExecutor *self,
                                                       FfRunRequest *request);
void ff_docker_base_executor_set_max_connections (FfDockerBaseExecutor *self,
                                                  guint max_connections);
FfDockerClient *ff_docker_base_executor_get_client (FfDockerBaseExecutor *self);
FfDockerPolicy *ff_docker_base_executor_get_policy (FfDockerBaseExecutor *self);
void ff_docker_base_executor_set_healthy (FfDockerBaseExecutor *self, gboolean healthy);

gboolean ff_docker_base_executor_ensure_client (FfDockerBaseExecutor *self, GError **error);
void ff_docker_base_executor_read_string (FfDockerBaseExecutor *self,
                                          GKeyFile *config,
                                          const gchar *key,
                                          gchar **field);

const gchar *ff_docker_base_executor_check_request (FfDockerBaseExecutor *self,
                                                    FfRunRequest *request,
                                                    GError **error);
gchar *ff_docker_base_executor_check_pipeline_dir (FfDockerBaseExecutor *self,
                                                   FfRunRequest *request,
                                                   GError **error);
gchar *ff_docker_base_executor_dup_image (FfDockerBaseExecutor *self,
                                          FfRunRequest *request,
                                          GError **error);
void ff_docker_base_executor_ensure_healthy (GTask *task, void (*next) (GTask *task));
void ff_docker_base_executor_fail_launch (GTask *task, GError *error);
void ff_docker_base_executor_note_error (FfDockerBaseExecutor *self, const GError *error);

G_END_DECLS
