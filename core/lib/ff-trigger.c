/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ff-pipeline-private.h"
#include "ff-trigger.h"

/* A trigger with the defaults of pipeline.json. */
FfTrigger *
ff_trigger_new (void)
{
  FfTrigger *self = g_new0 (FfTrigger, 1);

  self->on_success = TRUE;
  return self;
}

FfTrigger *
ff_trigger_copy (const FfTrigger *self)
{
  FfTrigger *copy;

  g_return_val_if_fail (self != NULL, NULL);
  copy = g_new0 (FfTrigger, 1);
  copy->pipeline = g_strdup (self->pipeline);
  copy->on_success = self->on_success;
  copy->on_failure = self->on_failure;
  copy->on_route = g_strdup (self->on_route);
  copy->run_config_id = g_strdup (self->run_config_id);
  return copy;
}

void
ff_trigger_free (FfTrigger *self)
{
  if (self == NULL)
    return;
  g_free (self->pipeline);
  g_free (self->on_route);
  g_free (self->run_config_id);
  g_free (self);
}

G_DEFINE_BOXED_TYPE (FfTrigger, ff_trigger, ff_trigger_copy, ff_trigger_free)
