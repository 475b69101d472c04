/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__FASTFLOW_H_INSIDE__) && !defined(FASTFLOW_COMPILATION)
#error "Only <fastflow.h> can be included directly."
#endif

#include <glib-object.h>

#include "ff-enums.h"

G_BEGIN_DECLS

#define FF_TYPE_EXECUTOR_CHECK (ff_executor_check_get_type ())
G_DECLARE_FINAL_TYPE (FfExecutorCheck, ff_executor_check, FF, EXECUTOR_CHECK, GObject)

/**
 * FfExecutorCheck:
 *
 * One finding of an executor about its own setup, e.g. whether a Docker
 * socket proxy lets through what the executor needs and nothing more.
 */
FfExecutorCheck *
ff_executor_check_new (const gchar *name, FfCheckLevel level, const gchar *message);
const gchar *ff_executor_check_get_name (FfExecutorCheck *self);
FfCheckLevel ff_executor_check_get_level (FfExecutorCheck *self);
const gchar *ff_executor_check_get_message (FfExecutorCheck *self);

G_END_DECLS
