/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer: any cron expression parses or is refused, and a schedule's next
 * fire time comes after the time asked about. */
#include "config.h"

#include "fastflow.h"

int LLVMFuzzerTestOneInput (const guint8 *data, gsize size);

int
LLVMFuzzerTestOneInput (const guint8 *data, gsize size)
{
  static GTimeZone *zone;
  g_autofree gchar *text = g_strndup ((const gchar *) data, size);
  g_autoptr (FfCronSchedule) schedule = NULL;
  g_autoptr (GDateTime) after = NULL;
  g_autoptr (GDateTime) next = NULL;

  if (zone == NULL)
    zone = g_time_zone_new_identifier ("Europe/Berlin");
  schedule = ff_cron_schedule_new (text, NULL);
  if (schedule == NULL)
    return 0;
  after = g_date_time_new (zone, 2026, 3, 29, 1, 59, 30);
  next = ff_cron_schedule_get_next (schedule, after);
  if (next != NULL)
    g_assert_cmpint (g_date_time_compare (next, after), >, 0);
  return 0;
}
