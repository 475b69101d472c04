/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ff-pipeline.h"

struct _FfPipeline
{
  GObject parent_instance;
};

G_DEFINE_TYPE (FfPipeline, ff_pipeline, G_TYPE_OBJECT)

static void
ff_pipeline_class_init (FfPipelineClass *klass)
{
}

static void
ff_pipeline_init (FfPipeline *self)
{
}
