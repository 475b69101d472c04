/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__FASTFLOW_H_INSIDE__) && !defined(FASTFLOW_COMPILATION)
#error "Only <fastflow.h> can be included directly."
#endif

#include "ff-run-request.h"

G_BEGIN_DECLS

gchar *ff_limits_clamp_cpus (FfRunRequest *request, guint cores);

G_END_DECLS
