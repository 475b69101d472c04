/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* --since TIME: the forms journalctl and docker accept, so that a user
 * need not learn a third. */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "ff-cli-private.h"

/* “10m”, “2h”, “1d”: that long ago. */
static gboolean
parse_relative (const gchar *text, gint64 now, gint64 *usec)
{
  static const struct
  {
    const gchar *unit;
    gint64 seconds;
  } units[] = {
    { "s", 1 }, { "m", 60 }, { "h", 3600 }, { "d", 86400 }, { "w", 7 * 86400 },
  };
  g_autofree gchar *number = NULL;
  const gchar *end = text;
  guint64 count;

  while (g_ascii_isdigit (*end))
    end++;
  if (end == text)
    return FALSE;
  number = g_strndup (text, end - text);
  if (!g_ascii_string_to_unsigned (number, 10, 0, G_MAXINT32, &count, NULL))
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (units); i++)
    {
      if (!g_str_equal (end, units[i].unit))
        continue;
      *usec = now - (gint64) count * units[i].seconds * G_USEC_PER_SEC;
      return TRUE;
    }
  return FALSE;
}

/* “14:30” as “14:30:00”: GLib wants the seconds, a person leaves them out. */
static gchar *
add_seconds (const gchar *iso)
{
  const gchar *t = strchr (iso, 'T');

  if (t == NULL || strlen (t) < 6 || t[3] != ':' || strchr ("Z+-", t[6]) == NULL)
    return g_strdup (iso);
  return g_strdup_printf ("%.*s:00%s", (gint) (t + 6 - iso), iso, t + 6);
}

/* ISO 8601 as a person types it: a date, or a date and a time with “T”
 * or a space, seconds optional; in local time unless it names its time
 * zone. */
static gboolean
parse_absolute (const gchar *text, gint64 *usec)
{
  g_autoptr (GTimeZone) local = g_time_zone_new_local ();
  g_autoptr (GDateTime) when = NULL;
  g_autofree gchar *typed = g_strdup (text);
  g_autofree gchar *iso = NULL;
  gchar *space = strchr (typed, ' ');

  if (space != NULL)
    *space = 'T';
  if (strchr (typed, 'T') == NULL)
    iso = g_strconcat (typed, "T00:00:00", NULL);
  else
    iso = add_seconds (typed);
  when = g_date_time_new_from_iso8601 (iso, local);
  if (when == NULL)
    return FALSE;
  *usec = g_date_time_to_unix (when) * G_USEC_PER_SEC + g_date_time_get_microsecond (when);
  return TRUE;
}

gboolean
ff_cli_parse_since (Ctl *ctl, const gchar *text, gint64 *usec)
{
  if (text == NULL)
    {
      *usec = 0;
      return TRUE;
    }
  if (parse_relative (text, g_get_real_time (), usec) || parse_absolute (text, usec))
    return TRUE;
  ff_cli_usage_error (ctl,
                      _ ("--since “%s” is not a time: give a time ago such as 30s, 10m, 2h, "
                         "1d or 1w, or a date and time such as 2026-12-03, "
                         "“2026-12-03 14:30” or 2026-12-03T14:30:00Z"),
                      text);
  return FALSE;
}
