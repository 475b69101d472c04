/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ff-executor-check.h"

struct _FfExecutorCheck
{
  GObject parent_instance;
  gchar *name;
  FfCheckLevel level;
  gchar *message;
};

G_DEFINE_TYPE (FfExecutorCheck, ff_executor_check, G_TYPE_OBJECT)

static void
ff_executor_check_finalize (GObject *object)
{
  FfExecutorCheck *self = FF_EXECUTOR_CHECK (object);

  g_free (self->name);
  g_free (self->message);
  G_OBJECT_CLASS (ff_executor_check_parent_class)->finalize (object);
}

static void
ff_executor_check_class_init (FfExecutorCheckClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ff_executor_check_finalize;
}

static void
ff_executor_check_init (FfExecutorCheck *self)
{
}

/**
 * ff_executor_check_new:
 * @name: what was checked, e.g. a proxy flag such as "CONTAINERS"
 * @message: what was found, a sentence for people
 */
FfExecutorCheck *
ff_executor_check_new (const gchar *name, FfCheckLevel level, const gchar *message)
{
  FfExecutorCheck *self;

  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (message != NULL, NULL);

  self = g_object_new (FF_TYPE_EXECUTOR_CHECK, NULL);
  self->name = g_strdup (name);
  self->level = level;
  self->message = g_strdup (message);
  return self;
}

const gchar *
ff_executor_check_get_name (FfExecutorCheck *self)
{
  g_return_val_if_fail (FF_IS_EXECUTOR_CHECK (self), NULL);
  return self->name;
}

FfCheckLevel
ff_executor_check_get_level (FfExecutorCheck *self)
{
  g_return_val_if_fail (FF_IS_EXECUTOR_CHECK (self), FF_CHECK_LEVEL_ERROR);
  return self->level;
}

const gchar *
ff_executor_check_get_message (FfExecutorCheck *self)
{
  g_return_val_if_fail (FF_IS_EXECUTOR_CHECK (self), NULL);
  return self->message;
}
