/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "fastflow.h"

G_BEGIN_DECLS

/* What runs a local run's Python, and what it is: which interpreters were
 * asked already (by path, size and time), so that a run asks none again. */
typedef struct _FfLocalRuntimes FfLocalRuntimes;

FfLocalRuntimes *ff_local_runtimes_new (void);
void ff_local_runtimes_free (FfLocalRuntimes *self);
gboolean ff_local_runtimes_resolve (FfLocalRuntimes *self,
                                    FfRunRequest *request,
                                    gchar **runtime_id,
                                    gchar **python,
                                    GError **error);
/* The environment's bin first on the run's PATH, VIRTUAL_ENV set. */
gchar **ff_local_runtimes_apply_env (FfRunRequest *request, gchar **envp);

G_END_DECLS
