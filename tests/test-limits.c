/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "fastflow.h"

/* cpu_hard_limit from a bigger machine: lowered to the host's cores, with
 * the note a run's log gets; within them, or with the cores unknown, left
 * alone and nothing said. */
static void
test_clamp_cpus (void)
{
  static const struct
  {
    gdouble asked;
    guint cores;
    gdouble kept;
    const gchar *note;
  } cases[] = {
    { 4, 2, 2,
      "cpu_hard_limit 4 is more than the 2 CPU cores the host of this run has; "
      "limited to 2" },
    { 2.5, 2, 2,
      "cpu_hard_limit 2.5 is more than the 2 CPU cores the host of this run has; "
      "limited to 2" },
    { 2, 2, 2, NULL },
    { 0.5, 2, 0.5, NULL },
    { 0, 2, 0, NULL },
    { 8, 0, 8, NULL },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (FfRunRequest) request = ff_run_request_new (1, "big");
      g_autofree gchar *note = NULL;
      g_autofree gchar *words = NULL;

      ff_run_request_set_cpu_limit (request, cases[i].asked);
      note = ff_limits_clamp_cpus (request, cases[i].cores);
      words = ff_message_format (note);
      g_assert_cmpstr (words, ==, cases[i].note);
      g_assert_cmpfloat (ff_run_request_get_cpu_limit (request), ==, cases[i].kept);
    }
}

int
main (int argc, char **argv)
{
  g_setenv ("LANGUAGE", "en", TRUE);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/limits/clamp-cpus", test_clamp_cpus);
  return g_test_run ();
}
