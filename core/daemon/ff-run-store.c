/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ff-run-store.h"

struct _FfRunStore
{
  GObject parent_instance;
};

G_DEFINE_TYPE (FfRunStore, ff_run_store, G_TYPE_OBJECT)

static void
ff_run_store_class_init (FfRunStoreClass *klass)
{
}

static void
ff_run_store_init (FfRunStore *self)
{
}
