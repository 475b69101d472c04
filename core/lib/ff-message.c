/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "ff-message.h"

/* Control characters that no message text holds. */
#define START '\x1f'
#define SEPARATOR '\x1e'
#define END '\x1d'

static void
append_clean (GString *out, const gchar *text)
{
  for (const gchar *c = text; *c != '\0'; c++)
    g_string_append_c (out, (*c == START || *c == SEPARATOR || *c == END) ? '?' : *c);
}

/**
 * ff_message_new:
 * @domain: the gettext domain of @format
 * @format: the untranslated printf format, marked with N_()
 * @...: its arguments, each already as text, then %NULL
 *
 * Returns: (transfer full): the message, to keep or to pass on
 */
gchar *
ff_message_new (const gchar *domain, const gchar *format, ...)
{
  GString *out = g_string_new (NULL);
  const gchar *arg;
  va_list args;

  g_return_val_if_fail (domain != NULL && format != NULL, NULL);

  g_string_append_c (out, START);
  append_clean (out, domain);
  g_string_append_c (out, SEPARATOR);
  append_clean (out, format);
  va_start (args, format);
  while ((arg = va_arg (args, const gchar *)) != NULL)
    {
      /* a message within a message is shown in today's words */
      g_autofree gchar *text = ff_message_format (arg);

      g_string_append_c (out, SEPARATOR);
      append_clean (out, text);
    }
  va_end (args);
  g_string_append_c (out, END);
  return g_string_free (out, FALSE);
}

/* Skips one conversion after its '%' (position, flags, width, precision,
 * length); sets @position (1-based) when it names one. */
static const gchar *
skip_conversion (const gchar *p, guint *position)
{
  const gchar *digits = p;

  *position = 0;
  while (g_ascii_isdigit (*p))
    p++;
  if (*p == '$' && p > digits)
    {
      *position = (guint) g_ascii_strtoull (digits, NULL, 10);
      p++;
    }
  else
    p = digits;
  while (*p != '\0' && strchr ("-+ #0'", *p) != NULL)
    p++;
  while (g_ascii_isdigit (*p) || *p == '.')
    p++;
  while (*p != '\0' && strchr ("hlLqjzt", *p) != NULL)
    p++;
  return *p != '\0' ? p + 1 : p;
}

/* Each conversion of the translated format takes an argument's text: the
 * arguments were formatted when the message was made. */
static void
append_substituted (GString *out, const gchar *format, gchar **args, guint n_args)
{
  guint next = 0;

  for (const gchar *p = format; *p != '\0';)
    {
      guint position;

      if (*p != '%')
        {
          g_string_append_c (out, *p++);
          continue;
        }
      if (p[1] == '%')
        {
          g_string_append_c (out, '%');
          p += 2;
          continue;
        }
      p = skip_conversion (p + 1, &position);
      position = position > 0 ? position - 1 : next++;
      if (position < n_args)
        g_string_append (out, args[position]);
    }
}

static void
append_message (GString *out, const gchar *start, gsize len)
{
  g_autofree gchar *body = g_strndup (start, len);
  g_auto (GStrv) parts = g_strsplit (body, (const gchar[]){ SEPARATOR, '\0' }, -1);
  guint n = g_strv_length (parts);

  if (n < 2)
    {
      g_string_append (out, body);
      return;
    }
  append_substituted (out, g_dgettext (parts[0], parts[1]), parts + 2, n - 2);
}

/**
 * ff_message_format:
 * @text: (nullable): a string that may hold messages of ff_message_new ()
 *
 * Returns: (transfer full) (nullable): @text with each message translated
 *   into the current language
 */
gchar *
ff_message_format (const gchar *text)
{
  GString *out;
  const gchar *p = text;

  if (text == NULL || strchr (text, START) == NULL)
    return g_strdup (text);
  out = g_string_new (NULL);
  while (*p != '\0')
    {
      const gchar *start = strchr (p, START);
      const gchar *end = start != NULL ? strchr (start, END) : NULL;

      if (start == NULL || end == NULL)
        {
          g_string_append (out, p);
          break;
        }
      g_string_append_len (out, p, start - p);
      append_message (out, start + 1, end - start - 1);
      p = end + 1;
    }
  return g_string_free (out, FALSE);
}
