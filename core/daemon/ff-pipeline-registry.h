/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "fastflow.h"
#include "ff-fernet.h"

G_BEGIN_DECLS

#define FF_TYPE_PIPELINE_REGISTRY (ff_pipeline_registry_get_type ())
G_DECLARE_FINAL_TYPE (FfPipelineRegistry, ff_pipeline_registry, FF, PIPELINE_REGISTRY, GObject)

/**
 * FfPipelineRegistry:
 *
 * The pipelines folder: one #FfPipeline per sub-folder, broken ones
 * included with their error. Re-scanned on ff_pipeline_registry_reload()
 * and, once watching, shortly after files in the folder change; emits
 * #FfPipelineRegistry::changed after each scan that changed something.
 */
FfPipelineRegistry *ff_pipeline_registry_new (const gchar *dir);
void ff_pipeline_registry_set_allowed_executors (FfPipelineRegistry *self,
                                                 const gchar *const *names);
void ff_pipeline_registry_set_encryption_key (FfPipelineRegistry *self,
                                              FfFernet *key,
                                              const gchar *problem);
const gchar *ff_pipeline_registry_get_dir (FfPipelineRegistry *self);
/* Fails only when the folder cannot be read at all; the list is then empty. */
gboolean ff_pipeline_registry_reload (FfPipelineRegistry *self, GError **error);
void ff_pipeline_registry_make_dir (FfPipelineRegistry *self);
void ff_pipeline_registry_watch (FfPipelineRegistry *self);
/* (transfer container) sorted by name */
GPtrArray *ff_pipeline_registry_list (FfPipelineRegistry *self);
/* (transfer none) or NULL */
FfPipeline *ff_pipeline_registry_lookup (FfPipelineRegistry *self, const gchar *name);

G_END_DECLS
