/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "fastflow.h"

/* Next-fire tables: each row is an expression, a zone, the time after which
 * to look, and the fire times that must follow, all as ISO 8601 in UTC so
 * that the expected instants are beyond doubt. */
typedef struct
{
  const gchar *expression;
  const gchar *zone;
  const gchar *after;    /* local time in @zone */
  const gchar *fires[4]; /* UTC instants, NULL-terminated */
} NextCase;

static const NextCase next_cases[] = {
  { "*/15 * * * *",
    "UTC",
    "2026-11-28T10:07:00",
    { "2026-11-28T10:15:00Z", "2026-11-28T10:30:00Z", NULL } },
  { "0 9 * * MON-FRI",
    "UTC",
    "2026-11-27T09:00:00",
    { "2026-11-30T09:00:00Z", "2026-12-01T09:00:00Z", NULL } },
  { "0 0 * * 7",
    "UTC",
    "2026-11-28T12:00:00",
    { "2026-11-29T00:00:00Z", "2026-12-06T00:00:00Z", NULL } },
  { "0 0 29 2 *",
    "UTC",
    "2026-01-01T00:00:00",
    { "2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z", NULL } },
  /* both day fields restricted: either matches (Monday 30 November, then 1 December) */
  { "0 12 1 * 1",
    "UTC",
    "2026-11-28T00:00:00",
    { "2026-11-30T12:00:00Z", "2026-12-01T12:00:00Z", "2026-12-07T12:00:00Z", NULL } },
  { "5/20 8-9 * jan,Dec *",
    "UTC",
    "2026-11-28T00:00:00",
    { "2026-12-01T08:05:00Z", "2026-12-01T08:25:00Z", "2026-12-01T08:45:00Z", NULL } },
  { "@hourly", "UTC", "2026-11-28T10:00:00", { "2026-11-28T11:00:00Z", NULL } },
  { "@yearly", "UTC", "2026-11-28T10:00:00", { "2027-01-01T00:00:00Z", NULL } },
  /* Europe/Berlin, 29 March 2026: 02:00 CET becomes 03:00 CEST. 02:30 does
   * not exist and fires at the end of the gap, once. */
  { "30 2 * * *", "Europe/Berlin", "2026-03-28T12:00:00", { "2026-03-29T01:00:00Z", NULL } },
  { "30 2 * * *",
    "Europe/Berlin",
    "2026-03-28T03:00:00",
    { "2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z", NULL } },
  { "0 3 * * *",
    "Europe/Berlin",
    "2026-03-28T12:00:00",
    { "2026-03-29T01:00:00Z", "2026-03-30T01:00:00Z", NULL } },
  /* an hourly job skips the hour that does not exist */
  { "0 * * * *",
    "Europe/Berlin",
    "2026-03-29T00:30:00",
    { "2026-03-29T00:00:00Z", "2026-03-29T01:00:00Z", "2026-03-29T02:00:00Z", NULL } },
  /* 25 October 2026: 03:00 CEST becomes 02:00 CET. 02:30 exists twice and
   * fires at the first. */
  { "30 2 * * *",
    "Europe/Berlin",
    "2026-10-24T12:00:00",
    { "2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z", NULL } },
  { "0 0 * * *",
    "Europe/Berlin",
    "2026-10-24T12:00:00",
    { "2026-10-24T22:00:00Z", "2026-10-25T23:00:00Z", NULL } },
};

static GDateTime *
parse_local (const gchar *text, GTimeZone *tz)
{
  GDateTime *time = g_date_time_new_from_iso8601 (text, tz);

  g_assert_nonnull (time);
  return time;
}

static void
test_next (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (next_cases); i++)
    {
      const NextCase *c = &next_cases[i];
      g_autoptr (GError) error = NULL;
      g_autoptr (FfCronSchedule) schedule = ff_cron_schedule_new (c->expression, &error);
      g_autoptr (GTimeZone) tz = g_time_zone_new_identifier (c->zone);
      g_autoptr (GDateTime) after = NULL;

      g_test_message ("%s in %s after %s", c->expression, c->zone, c->after);
      g_assert_no_error (error);
      g_assert_nonnull (tz);
      after = parse_local (c->after, tz);
      for (guint f = 0; c->fires[f] != NULL; f++)
        {
          g_autoptr (GDateTime) next = ff_cron_schedule_get_next (schedule, after);
          g_autoptr (GDateTime) utc = NULL;
          g_autofree gchar *got = NULL;

          g_assert_nonnull (next);
          /* the fire time comes in the zone it was asked in */
          g_assert_cmpstr (g_time_zone_get_identifier (g_date_time_get_timezone (next)), ==,
                           c->zone);
          utc = g_date_time_to_utc (next);
          got = g_date_time_format (utc, "%Y-%m-%dT%H:%M:%SZ");
          g_assert_cmpstr (got, ==, c->fires[f]);
          g_date_time_unref (after);
          after = g_steal_pointer (&next);
        }
    }
}

/* Every fire time of a year of an every-minute schedule in Berlin is one
 * minute after the one before, but across the gap: no instant twice, none
 * skipped that exists. */
static void
test_every_minute_across_changes (void)
{
  g_autoptr (FfCronSchedule) schedule = ff_cron_schedule_new ("* * * * *", NULL);
  g_autoptr (GTimeZone) tz = g_time_zone_new_identifier ("Europe/Berlin");
  g_autoptr (GDateTime) time = parse_local ("2026-10-25T01:50:00", tz);

  /* through the repeated hour: the wall clock goes back, the fire times not */
  for (guint i = 0; i < 200; i++)
    {
      g_autoptr (GDateTime) next = ff_cron_schedule_get_next (schedule, time);

      g_assert_nonnull (next);
      g_assert_cmpint (g_date_time_difference (next, time), >, 0);
      g_assert_cmpint (g_date_time_difference (next, time), <=, 61 * G_TIME_SPAN_MINUTE);
      g_date_time_unref (time);
      time = g_steal_pointer (&next);
    }
}

static void
test_invalid (void)
{
  const struct
  {
    const gchar *expression;
    const gchar *mentions;
  } cases[] = {
    { "61 * * * *", "minute field" },
    { "* 24 * * *", "hour field" },
    { "* * 0 * *", "day-of-month field" },
    { "* * * 13 *", "month field" },
    { "* * * * 8", "weekday field" },
    { "* * *", "five" },
    { "* * * * * *", "five" },
    { "5-1 * * * *", "minute" },
    { "*/0 * * * *", "minute" },
    { "a * * * *", "minute" },
    { "1,,2 * * * *", "minute" },
    { "0 0 31 2 *", "never" },
    { "0 0 30,31 feb *", "never" },
    { "", "five" },
    { "@often", "five" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (FfCronSchedule) schedule = ff_cron_schedule_new (cases[i].expression, &error);

      g_test_message ("“%s”: %s", cases[i].expression, error != NULL ? error->message : "-");
      g_assert_null (schedule);
      g_assert_error (error, FF_ERROR, FF_ERROR_INVALID_ARGUMENT);
      g_assert_nonnull (strstr (error->message, cases[i].mentions));
      g_assert_nonnull (strstr (error->message, cases[i].expression));
    }
}

int
main (int argc, char **argv)
{
  g_setenv ("LANGUAGE", "en", TRUE);
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cron/next", test_next);
  g_test_add_func ("/cron/every-minute-across-changes", test_every_minute_across_changes);
  g_test_add_func ("/cron/invalid", test_invalid);
  return g_test_run ();
}
