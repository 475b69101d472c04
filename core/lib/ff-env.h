/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__FASTFLOW_H_INSIDE__) && !defined(FASTFLOW_COMPILATION)
#error "Only <fastflow.h> can be included directly."
#endif

#include <glib.h>

G_BEGIN_DECLS

gboolean ff_env_name_is_valid (const gchar *name, gssize length);
gboolean ff_env_name_is_reserved (const gchar *name);
gboolean ff_env_check_caller_name (const gchar *name, GError **error);

G_END_DECLS
