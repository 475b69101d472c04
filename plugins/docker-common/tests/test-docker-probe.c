/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "fastflow.h"
#include "ff-docker-probe.h"

/* The answers of a proxy that allows exactly @flags (NULL-terminated). */
static gboolean *
answers (const gchar *const *flags)
{
  gboolean *allowed = g_new0 (gboolean, ff_docker_probe_get_n_flags ());

  for (guint i = 0; i < ff_docker_probe_get_n_flags (); i++)
    allowed[i] = g_strv_contains (flags, ff_docker_probe_get_flag (i));
  return allowed;
}

static guint
count_level (GPtrArray *checks, FfCheckLevel level, const gchar *mentioning)
{
  guint count = 0;

  for (guint i = 0; i < checks->len; i++)
    {
      FfExecutorCheck *check = g_ptr_array_index (checks, i);

      g_test_message ("%s %s: %s", ff_check_level_to_string (ff_executor_check_get_level (check)),
                      ff_executor_check_get_name (check), ff_executor_check_get_message (check));
      if (ff_executor_check_get_level (check) == level &&
          (mentioning == NULL || strstr (ff_executor_check_get_message (check), mentioning)))
        count++;
    }
  return count;
}

static void
test_least_privilege (void)
{
  const gchar *const flags[] = { "PING", "VERSION", "CONTAINERS", "POST", NULL };
  g_autofree gboolean *allowed = answers (flags);
  g_autoptr (GPtrArray) checks = ff_docker_probe_evaluate (allowed);

  g_assert_cmpuint (count_level (checks, FF_CHECK_LEVEL_ERROR, NULL), ==, 0);
  g_assert_cmpuint (count_level (checks, FF_CHECK_LEVEL_WARNING, NULL), ==, 0);
  g_assert_cmpuint (count_level (checks, FF_CHECK_LEVEL_OK, "CONTAINERS=1"), ==, 1);
  g_assert_cmpuint (count_level (checks, FF_CHECK_LEVEL_OK, "POST=1"), ==, 1);
  g_assert_cmpuint (count_level (checks, FF_CHECK_LEVEL_OK, "are refused"), ==, 1);
}

static void
test_too_much (void)
{
  const gchar *const flags[] = { "PING",     "VERSION", "CONTAINERS", "POST",
                                 "NETWORKS", "EXEC",    "EVENTS",     NULL };
  g_autofree gboolean *allowed = answers (flags);
  g_autoptr (GPtrArray) checks = ff_docker_probe_evaluate (allowed);

  g_assert_cmpuint (count_level (checks, FF_CHECK_LEVEL_ERROR, NULL), ==, 0);
  g_assert_cmpuint (count_level (checks, FF_CHECK_LEVEL_WARNING, NULL), ==, 3);
  g_assert_cmpuint (count_level (checks, FF_CHECK_LEVEL_WARNING, "set NETWORKS=0"), ==, 1);
  g_assert_cmpuint (count_level (checks, FF_CHECK_LEVEL_WARNING, "set EXEC=0"), ==, 1);
  g_assert_cmpuint (count_level (checks, FF_CHECK_LEVEL_WARNING, "set EVENTS=0"), ==, 1);
}

static void
test_too_little (void)
{
  const gchar *const flags[] = { "PING", "VERSION", "IMAGES", NULL };
  g_autofree gboolean *allowed = answers (flags);
  g_autoptr (GPtrArray) checks = ff_docker_probe_evaluate (allowed);

  g_assert_cmpuint (count_level (checks, FF_CHECK_LEVEL_ERROR, NULL), ==, 2);
  g_assert_cmpuint (count_level (checks, FF_CHECK_LEVEL_ERROR, "needs POST=1"), ==, 1);
  g_assert_cmpuint (count_level (checks, FF_CHECK_LEVEL_ERROR, "needs CONTAINERS=1"), ==, 1);
  g_assert_cmpuint (count_level (checks, FF_CHECK_LEVEL_WARNING, "set IMAGES=0"), ==, 1);
}

int
main (int argc, char **argv)
{
  g_setenv ("LANGUAGE", "en", TRUE);
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/docker-probe/least-privilege", test_least_privilege);
  g_test_add_func ("/docker-probe/too-much", test_too_much);
  g_test_add_func ("/docker-probe/too-little", test_too_little);
  return g_test_run ();
}
