/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__FASTFLOW_H_INSIDE__) && !defined(FASTFLOW_COMPILATION)
#error "Only <fastflow.h> can be included directly."
#endif

#include <glib-object.h>

G_BEGIN_DECLS

#define FF_TYPE_CRON_SCHEDULE (ff_cron_schedule_get_type ())
G_DECLARE_FINAL_TYPE (FfCronSchedule, ff_cron_schedule, FF, CRON_SCHEDULE, GObject)

/**
 * FfCronSchedule:
 *
 * A five-field cron expression (minute hour day-of-month month
 * day-of-week) with ranges, steps, lists and names (`JAN`, `MON`), `7` for
 * Sunday, and the macros `@hourly`, `@daily`, `@midnight`, `@weekly`,
 * `@monthly`, `@yearly` and `@annually`. When both day fields are
 * restricted, a day matches if either does (as in Vixie cron).
 *
 * Fire times are wall-clock times of a time zone. Across daylight-saving
 * changes: a time that does not exist that day (02:30 when clocks jump from
 * 02:00 to 03:00) fires once at the end of the gap; a time that exists twice
 * (02:30 when clocks go back) fires once, at its first occurrence.
 */
FfCronSchedule *ff_cron_schedule_new (const gchar *expression, GError **error);
const gchar *ff_cron_schedule_get_expression (FfCronSchedule *self);
GDateTime *ff_cron_schedule_get_next (FfCronSchedule *self, GDateTime *after);

G_END_DECLS
