/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ff-pipeline-registry.h"

struct _FfPipelineRegistry
{
  GObject parent_instance;
};

G_DEFINE_TYPE (FfPipelineRegistry, ff_pipeline_registry, G_TYPE_OBJECT)

static void
ff_pipeline_registry_class_init (FfPipelineRegistryClass *klass)
{
}

static void
ff_pipeline_registry_init (FfPipelineRegistry *self)
{
}
