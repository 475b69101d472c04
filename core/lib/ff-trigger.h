/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__FASTFLOW_H_INSIDE__) && !defined(FASTFLOW_COMPILATION)
#error "Only <fastflow.h> can be included directly."
#endif

#include <glib-object.h>

G_BEGIN_DECLS

/**
 * FfTrigger:
 * @pipeline: the downstream pipeline
 * @on_success: fire when the upstream run succeeded (default %TRUE)
 * @on_failure: fire when it failed (default %FALSE)
 * @on_route: (nullable): fire when the upstream run wrote this route
 * @run_config_id: (nullable): the `schedules[]` id to run with
 */
typedef struct
{
  gchar *pipeline;
  gboolean on_success;
  gboolean on_failure;
  gchar *on_route;
  gchar *run_config_id;
} FfTrigger;

#define FF_TYPE_TRIGGER (ff_trigger_get_type ())
GType ff_trigger_get_type (void);
FfTrigger *ff_trigger_copy (const FfTrigger *self);
void ff_trigger_free (FfTrigger *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FfTrigger, ff_trigger_free)

G_END_DECLS
