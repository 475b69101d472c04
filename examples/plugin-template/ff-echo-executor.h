/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <fastflow.h>

G_BEGIN_DECLS

#define FF_TYPE_ECHO_EXECUTOR (ff_echo_executor_get_type ())
G_DECLARE_FINAL_TYPE (FfEchoExecutor, ff_echo_executor, FF, ECHO_EXECUTOR, GObject)

G_END_DECLS
