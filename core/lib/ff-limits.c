/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "ff-limits.h"
#include "ff-message.h"

/**
 * ff_limits_clamp_cpus:
 * @request: the run, its cpu_hard_limit set or not
 * @cores: the CPU cores of the host the run goes to (the machine, the
 *   Docker engine's, the node's); 0 when unknown
 *
 * A pipeline written on a bigger machine may ask for more cores than the
 * host has; the Docker engine refuses such a container outright. The run
 * gets what there is instead, and its log says so.
 *
 * Returns: (nullable): the note for the run's log (an ff_message_new()
 *   text) when the limit was lowered to @cores, else %NULL
 */
gchar *
ff_limits_clamp_cpus (FfRunRequest *request, guint cores)
{
  gdouble cpus = ff_run_request_get_cpu_limit (request);
  gchar asked[G_ASCII_DTOSTR_BUF_SIZE];
  g_autofree gchar *have = NULL;

  g_return_val_if_fail (FF_IS_RUN_REQUEST (request), NULL);

  if (cores == 0 || cpus <= cores)
    return NULL;
  ff_run_request_set_cpu_limit (request, cores);
  g_ascii_formatd (asked, sizeof asked, "%g", cpus);
  have = g_strdup_printf ("%u", cores);
  return ff_message_new (GETTEXT_PACKAGE,
                         N_ ("cpu_hard_limit %s is more than the %s CPU cores the host of this "
                             "run has; limited to %s"),
                         asked, have, have, NULL);
}
