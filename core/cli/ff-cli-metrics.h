/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "fastflow.h"

G_BEGIN_DECLS

/* GetMetrics' samples (a(xdt)) as a table for people or JSON for scripts. */
void ff_cli_print_samples (GVariant *samples);
JsonNode *ff_cli_samples_to_json (GVariant *samples);

/* One screen of `fastflowctl top`: the running runs and their use. */
gchar *ff_cli_format_top (GPtrArray *runs, gboolean color);

G_END_DECLS
