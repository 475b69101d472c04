/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "fastflow.h"

static void
test_plain_passes (void)
{
  g_autofree gchar *plain = ff_message_format ("nothing to do here");
  g_autofree gchar *none = ff_message_format (NULL);

  g_assert_cmpstr (plain, ==, "nothing to do here");
  g_assert_null (none);
}

static void
test_arguments (void)
{
  g_autofree gchar *message =
      ff_message_new ("fastflow", "%s of %u is %.1f%% done", "run 7", "12", "50.0", NULL);
  g_autofree gchar *text = ff_message_format (message);
  g_autofree gchar *swapped = ff_message_new ("fastflow", "%2$s before %1$s", "a", "b", NULL);
  g_autofree gchar *swapped_text = ff_message_format (swapped);

  g_assert_cmpstr (text, ==, "run 7 of 12 is 50.0% done");
  g_assert_cmpstr (swapped_text, ==, "b before a");
}

/* Messages inside other text are shown where they stand; what an argument
 * cannot hold is replaced, and a message within an argument is shown. */
static void
test_embedded (void)
{
  g_autofree gchar *inner = ff_message_new ("fastflow", "inner %s", "x", NULL);
  g_autofree gchar *outer = ff_message_new ("fastflow", "outer (%s)", inner, NULL);
  g_autofree gchar *odd = ff_message_new ("fastflow", "odd %s",
                                          "a\x1e"
                                          "b",
                                          NULL);
  g_autofree gchar *around = g_strdup_printf ("before %s after", outer);
  g_autofree gchar *text = ff_message_format (around);
  g_autofree gchar *odd_text = ff_message_format (odd);

  g_assert_cmpstr (text, ==, "before outer (inner x) after");
  g_assert_cmpstr (odd_text, ==, "odd a?b");
}

/* A format with more conversions than arguments, or a cut message, never
 * reads past what is there. */
static void
test_malformed (void)
{
  g_autofree gchar *short_args = ff_message_new ("fastflow", "%s and %s and %d", "one", NULL);
  g_autofree gchar *short_text = ff_message_format (short_args);
  g_autofree gchar *cut = ff_message_format ("x \x1f"
                                             "fastflow\x1e"
                                             "never ended");
  g_autofree gchar *lone = ff_message_format ("\x1f\x1d");

  g_assert_cmpstr (short_text, ==, "one and  and ");
  g_assert_cmpstr (cut, ==,
                   "x \x1f"
                   "fastflow\x1e"
                   "never ended");
  g_assert_cmpstr (lone, ==, "");
}

int
main (int argc, char **argv)
{
  g_setenv ("LANGUAGE", "en", TRUE);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/message/plain-passes", test_plain_passes);
  g_test_add_func ("/message/arguments", test_arguments);
  g_test_add_func ("/message/embedded", test_embedded);
  g_test_add_func ("/message/malformed", test_malformed);
  return g_test_run ();
}
