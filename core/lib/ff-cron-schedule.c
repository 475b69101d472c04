/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "ff-cron-schedule.h"
#include "ff-error.h"

/* Long enough for a 29 February that falls on a given weekday, and for the
 * years 2100 and 2200 that are not leap years. */
#define SEARCH_DAYS (366 * 9)

struct _FfCronSchedule
{
  GObject parent_instance;
  gchar *expression;
  guint64 minutes; /* bit n: minute n */
  guint32 hours;
  guint32 days;    /* bit n: day of month n, 1…31 */
  guint16 months;  /* bit n: month n, 1…12 */
  guint8 weekdays; /* bit n: n days after Sunday */
  gboolean days_any;
  gboolean weekdays_any;
};

G_DEFINE_TYPE (FfCronSchedule, ff_cron_schedule, G_TYPE_OBJECT)

typedef struct
{
  const gchar *name; /* for messages */
  guint min;
  guint max;
  const gchar *const *names; /* names[i] stands for min + i */
} Field;

static const gchar *const month_names[] = { "jan", "feb", "mar", "apr", "may", "jun", "jul",
                                            "aug", "sep", "oct", "nov", "dec", NULL };
static const gchar *const weekday_names[] = {
  "sun", "mon", "tue", "wed", "thu", "fri", "sat", NULL
};

static const Field fields[] = {
  { N_ ("the minute field"), 0, 59, NULL },
  { N_ ("the hour field"), 0, 23, NULL },
  { N_ ("the day-of-month field"), 1, 31, NULL },
  { N_ ("the month field"), 1, 12, month_names },
  /* 7 is Sunday too */
  { N_ ("the weekday field"), 0, 7, weekday_names },
};

static const struct
{
  const gchar *macro;
  const gchar *expression;
} macros[] = {
  { "@yearly", "0 0 1 1 *" }, { "@annually", "0 0 1 1 *" }, { "@monthly", "0 0 1 * *" },
  { "@weekly", "0 0 * * 0" }, { "@daily", "0 0 * * *" },    { "@midnight", "0 0 * * *" },
  { "@hourly", "0 * * * *" },
};

static void
ff_cron_schedule_finalize (GObject *object)
{
  FfCronSchedule *self = FF_CRON_SCHEDULE (object);

  g_free (self->expression);
  G_OBJECT_CLASS (ff_cron_schedule_parent_class)->finalize (object);
}

static void
ff_cron_schedule_class_init (FfCronScheduleClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ff_cron_schedule_finalize;
}

static void
ff_cron_schedule_init (FfCronSchedule *self)
{
}

static gboolean
parse_value (const Field *field, const gchar *text, guint *value)
{
  guint64 number;

  for (guint i = 0; field->names != NULL && field->names[i] != NULL; i++)
    {
      if (g_ascii_strcasecmp (text, field->names[i]) == 0)
        {
          *value = field->min + i;
          return TRUE;
        }
    }
  if (!g_ascii_string_to_unsigned (text, 10, field->min, field->max, &number, NULL))
    return FALSE;
  *value = (guint) number;
  return TRUE;
}

/* One list item: `*`, `N`, `N-M`, each optionally `/STEP`. */
static gboolean
parse_item (const Field *field, const gchar *item, guint64 *bits)
{
  g_auto (GStrv) step_parts = g_strsplit (item, "/", 2);
  g_auto (GStrv) range = NULL;
  guint first, last, step = 1;
  guint64 number;

  /* "1,,2" and "/3" have an empty part, which g_strsplit() gives as no
   * parts or as "" (found by tests/fuzz/fuzz-cron) */
  if (step_parts[0] == NULL || step_parts[0][0] == '\0')
    return FALSE;
  if (step_parts[1] != NULL)
    {
      if (!g_ascii_string_to_unsigned (step_parts[1], 10, 1, field->max, &number, NULL))
        return FALSE;
      step = (guint) number;
    }
  if (g_str_equal (step_parts[0], "*") || g_str_equal (step_parts[0], "?"))
    {
      first = field->min;
      last = field->max;
    }
  else
    {
      range = g_strsplit (step_parts[0], "-", 2);
      if (range[0] == NULL || !parse_value (field, range[0], &first))
        return FALSE;
      last = first;
      if (range[1] != NULL && !parse_value (field, range[1], &last))
        return FALSE;
      /* `5/15` means from 5 to the end in steps of 15 */
      if (range[1] == NULL && step_parts[1] != NULL)
        last = field->max;
      if (last < first)
        return FALSE;
    }
  for (guint v = first; v <= last; v += step)
    *bits |= G_GUINT64_CONSTANT (1) << v;
  return TRUE;
}

static gboolean
parse_field (const Field *field, const gchar *text, guint64 *bits, GError **error)
{
  g_auto (GStrv) items = g_strsplit (text, ",", -1);

  *bits = 0;
  for (guint i = 0; items[i] != NULL; i++)
    {
      if (!parse_item (field, items[i], bits))
        {
          g_set_error (error, FF_ERROR, FF_ERROR_INVALID_ARGUMENT,
                       /* TRANSLATORS: e.g. “the minute field” “61” must be … from 0 to 59 */
                       _ ("%s “%s” must be a number from %u to %u, a range (1-5), a step (*/15) "
                          "or a list of them (1,15)"),
                       _ (field->name), text, field->min, field->max);
          return FALSE;
        }
    }
  return TRUE;
}

static guint
days_in_month (guint month, guint year)
{
  return g_date_get_days_in_month ((GDateMonth) month, (GDateYear) year);
}

/* A day-of-month list that no month in the list has (31 February) would
 * never fire; better to say so now than to wait forever. */
static gboolean
can_fire (FfCronSchedule *self)
{
  if (self->days_any || !self->weekdays_any)
    return TRUE;
  for (guint month = 1; month <= 12; month++)
    {
      if (!(self->months & (1u << month)))
        continue;
      for (guint day = 1; day <= days_in_month (month, 2024); day++)
        {
          if (self->days & (1u << day))
            return TRUE;
        }
    }
  return FALSE;
}

static const gchar *
expand_macro (const gchar *text)
{
  for (guint i = 0; i < G_N_ELEMENTS (macros); i++)
    {
      if (g_ascii_strcasecmp (text, macros[i].macro) == 0)
        return macros[i].expression;
    }
  return text;
}

static gboolean
parse_expression (FfCronSchedule *self, const gchar *expression, GError **error)
{
  g_autofree gchar *stripped = g_strstrip (g_strdup (expression));
  g_auto (GStrv) parts = g_regex_split_simple ("\\s+", expand_macro (stripped), 0, 0);
  guint64 bits[G_N_ELEMENTS (fields)];

  if (g_strv_length (parts) != G_N_ELEMENTS (fields))
    {
      g_set_error (error, FF_ERROR, FF_ERROR_INVALID_ARGUMENT,
                   _ ("it has %u fields, but five are needed: minute hour day month weekday"),
                   g_strv_length (parts));
      return FALSE;
    }
  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      if (!parse_field (&fields[i], parts[i], &bits[i], error))
        return FALSE;
    }
  self->minutes = bits[0];
  self->hours = (guint32) bits[1];
  self->days = (guint32) bits[2];
  self->months = (guint16) bits[3];
  /* Sunday is 0 and 7 */
  self->weekdays = (guint8) ((bits[4] | (bits[4] >> 7)) & 0x7f);
  self->days_any = g_str_equal (parts[2], "*") || g_str_equal (parts[2], "?");
  self->weekdays_any = g_str_equal (parts[4], "*") || g_str_equal (parts[4], "?");
  if (!can_fire (self))
    {
      g_set_error_literal (error, FF_ERROR, FF_ERROR_INVALID_ARGUMENT,
                           _ ("no month in it has any of its days, so it would never fire"));
      return FALSE;
    }
  return TRUE;
}

/**
 * ff_cron_schedule_new:
 * @expression: five fields, or a macro such as `@daily`
 *
 * Returns: (transfer full): the schedule, or %NULL with
 *   %FF_ERROR_INVALID_ARGUMENT saying what is wrong
 */
FfCronSchedule *
ff_cron_schedule_new (const gchar *expression, GError **error)
{
  g_autoptr (FfCronSchedule) self = g_object_new (FF_TYPE_CRON_SCHEDULE, NULL);
  g_autoptr (GError) local_error = NULL;

  g_return_val_if_fail (expression != NULL, NULL);

  if (!parse_expression (self, expression, &local_error))
    {
      g_set_error (error, FF_ERROR, FF_ERROR_INVALID_ARGUMENT,
                   _ ("The cron expression “%s” is not valid: %s"), expression,
                   local_error->message);
      return NULL;
    }
  self->expression = g_strdup (expression);
  return g_steal_pointer (&self);
}

const gchar *
ff_cron_schedule_get_expression (FfCronSchedule *self)
{
  g_return_val_if_fail (FF_IS_CRON_SCHEDULE (self), NULL);
  return self->expression;
}

static gboolean
day_matches (FfCronSchedule *self, GDate *date)
{
  gboolean day = (self->days >> g_date_get_day (date)) & 1;
  /* GDate counts Monday as 1 and Sunday as 7 */
  gboolean weekday = (self->weekdays >> (g_date_get_weekday (date) % 7)) & 1;

  if (!((self->months >> g_date_get_month (date)) & 1))
    return FALSE;
  if (self->days_any && self->weekdays_any)
    return TRUE;
  if (self->days_any)
    return weekday;
  if (self->weekdays_any)
    return day;
  return day || weekday;
}

/* The first instant whose wall clock in @tz reads this date and time; the
 * end of the gap when the clocks skip it. */
static GDateTime *
wall_clock_instant (GTimeZone *tz, GDate *date, guint hour, guint minute)
{
  g_autoptr (GDateTime) as_utc = g_date_time_new_utc (
      g_date_get_year (date), g_date_get_month (date), g_date_get_day (date), hour, minute, 0);
  gint64 local = g_date_time_to_unix (as_utc);
  gint64 first = G_MAXINT64;
  const GTimeType types[] = { G_TIME_TYPE_DAYLIGHT, G_TIME_TYPE_STANDARD };

  for (guint i = 0; i < G_N_ELEMENTS (types); i++)
    {
      gint interval = g_time_zone_find_interval (tz, types[i], local);
      gint64 instant;

      if (interval < 0)
        continue;
      instant = local - g_time_zone_get_offset (tz, interval);
      /* the interval must really hold the instant, not just the type */
      if (g_time_zone_find_interval (tz, G_TIME_TYPE_UNIVERSAL, instant) == interval)
        first = MIN (first, instant);
    }
  if (first != G_MAXINT64)
    return g_date_time_new_from_unix_utc (first);
  /* GLib rounds a time in a gap up to the first that exists */
  return g_date_time_new (tz, g_date_get_year (date), g_date_get_month (date),
                          g_date_get_day (date), hour, minute, 0);
}

/* The first fire time on @date later than @after, or NULL. */
static GDateTime *
next_on_day (FfCronSchedule *self, GTimeZone *tz, GDate *date, GDateTime *after)
{
  for (guint hour = 0; hour < 24; hour++)
    {
      if (!((self->hours >> hour) & 1))
        continue;
      for (guint minute = 0; minute < 60; minute++)
        {
          g_autoptr (GDateTime) instant = NULL;

          if (!((self->minutes >> minute) & 1))
            continue;
          instant = wall_clock_instant (tz, date, hour, minute);
          if (instant != NULL && g_date_time_compare (instant, after) > 0)
            return g_steal_pointer (&instant);
        }
    }
  return NULL;
}

/**
 * ff_cron_schedule_get_next:
 * @after: the fire time must be later than this; its time zone is the one
 *   the schedule's wall-clock times are read in
 *
 * Returns: (transfer full) (nullable): the next fire time, in @after's time
 *   zone; %NULL when there is none in the next years
 */
GDateTime *
ff_cron_schedule_get_next (FfCronSchedule *self, GDateTime *after)
{
  GTimeZone *tz;
  GDate date;
  gint year, month, day;

  g_return_val_if_fail (FF_IS_CRON_SCHEDULE (self), NULL);
  g_return_val_if_fail (after != NULL, NULL);

  tz = g_date_time_get_timezone (after);
  g_date_time_get_ymd (after, &year, &month, &day);
  g_date_clear (&date, 1);
  g_date_set_dmy (&date, (GDateDay) day, (GDateMonth) month, (GDateYear) year);
  /* the day before too: a wall-clock time of yesterday can be later than
   * @after only through a zone change, but a gap can move it into today */
  g_date_subtract_days (&date, 1);
  for (guint i = 0; i < SEARCH_DAYS; i++, g_date_add_days (&date, 1))
    {
      g_autoptr (GDateTime) next = NULL;

      if (!day_matches (self, &date))
        continue;
      next = next_on_day (self, tz, &date, after);
      if (next != NULL)
        return g_date_time_to_timezone (next, tz);
    }
  return NULL;
}
