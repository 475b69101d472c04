/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ff-pipeline-private.h"
#include "ff-schedule.h"

/* A schedule with the defaults of pipeline.json: the pipeline's settings. */
FfSchedule *
ff_schedule_new (void)
{
  FfSchedule *self = g_new0 (FfSchedule, 1);

  self->enabled = TRUE;
  self->default_env = ff_pipeline_env_new ();
  self->encrypted_env = ff_pipeline_env_new ();
  self->timeout = -1;
  self->retry_attempts = -1;
  return self;
}

static GHashTable *
copy_env (GHashTable *env)
{
  GHashTable *copy = ff_pipeline_env_new ();
  GHashTableIter iter;
  gpointer key, value;

  if (env == NULL)
    return copy;
  g_hash_table_iter_init (&iter, env);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_hash_table_insert (copy, g_strdup (key), g_strdup (value));
  return copy;
}

FfSchedule *
ff_schedule_copy (const FfSchedule *self)
{
  FfSchedule *copy;

  g_return_val_if_fail (self != NULL, NULL);
  copy = g_memdup2 (self, sizeof (FfSchedule));
  copy->id = g_strdup (self->id);
  copy->schedule_cron = g_strdup (self->schedule_cron);
  copy->webhook_key = g_strdup (self->webhook_key);
  copy->retry_strategy =
      self->retry_strategy != NULL ? ff_retry_strategy_copy (self->retry_strategy) : NULL;
  copy->default_env = copy_env (self->default_env);
  copy->encrypted_env = copy_env (self->encrypted_env);
  return copy;
}

void
ff_schedule_free (FfSchedule *self)
{
  if (self == NULL)
    return;
  g_free (self->id);
  g_free (self->schedule_cron);
  g_free (self->webhook_key);
  g_clear_pointer (&self->default_env, g_hash_table_unref);
  g_clear_pointer (&self->encrypted_env, g_hash_table_unref);
  ff_retry_strategy_free (self->retry_strategy);
  g_free (self);
}

G_DEFINE_BOXED_TYPE (FfSchedule, ff_schedule, ff_schedule_copy, ff_schedule_free)
