/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ff-config.h"

G_BEGIN_DECLS

/* What a build of an environment ended with: FF_REASON_NONE when built. */
typedef void (*FfDependencyEnvDone) (FfReason reason, const gchar *message, gpointer user_data);

/*
 * FfDependencyEnvPlan:
 *
 * What a run of a pipeline needs of the dependency environments: the
 * Python to start (from the executor's runtime) and, when the pipeline has
 * requirements, the environment they are installed in.
 */
typedef struct
{
  gchar *python;       /* NULL: the executor cannot say; [daemon] python */
  gchar *requirements; /* "requirements.txt.lock" or "requirements.txt"; NULL for none */
  gchar *key;          /* the environment's key, with requirements */
  gchar *dir;          /* its folder on the host, with requirements */
} FfDependencyEnvPlan;

void ff_dependency_env_plan_clear (FfDependencyEnvPlan *plan);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (FfDependencyEnvPlan, ff_dependency_env_plan_clear)

#define FF_TYPE_DEPENDENCY_ENVS (ff_dependency_envs_get_type ())
G_DECLARE_FINAL_TYPE (FfDependencyEnvs, ff_dependency_envs, FF, DEPENDENCY_ENVS, GObject)

/*
 * FfDependencyEnvs:
 *
 * The dependency environments under <state>/envs/<key>: one Python virtual
 * environment per (requirements, runtime, executor, package sources), built
 * once and shared by every run that needs it. Knows which are being built
 * (a second run waits for the first's build) and which are in use (the
 * sweep leaves them).
 */
FfDependencyEnvs *ff_dependency_envs_new (FfConfig *config, const gchar *state_dir);

gboolean ff_dependency_envs_plan (FfDependencyEnvs *self,
                                  FfPipeline *pipeline,
                                  FfExecutor *executor,
                                  FfRunRequest *request,
                                  gboolean runs_python,
                                  FfDependencyEnvPlan *plan,
                                  GError **error);
gboolean ff_dependency_envs_is_complete (FfDependencyEnvs *self, const gchar *key);
gboolean ff_dependency_envs_make_dir (FfDependencyEnvs *self,
                                      const gchar *key,
                                      gboolean shared,
                                      GError **error);

void ff_dependency_envs_hold (FfDependencyEnvs *self, const gchar *key);
void ff_dependency_envs_release (FfDependencyEnvs *self, const gchar *key);

gboolean ff_dependency_envs_claim_build (FfDependencyEnvs *self, const gchar *key, guint64 run_id);
guint64 ff_dependency_envs_get_builder (FfDependencyEnvs *self, const gchar *key);
guint ff_dependency_envs_wait (FfDependencyEnvs *self,
                               const gchar *key,
                               FfDependencyEnvDone done,
                               gpointer user_data);
void ff_dependency_envs_cancel_wait (FfDependencyEnvs *self, const gchar *key, guint id);
void ff_dependency_envs_end_build (FfDependencyEnvs *self,
                                   const gchar *key,
                                   FfReason reason,
                                   const gchar *message);

guint
ff_dependency_envs_sweep (FfDependencyEnvs *self, GPtrArray *pipelines, GHashTable *executors);

G_END_DECLS
