/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "ff-test-daemon.h"

/* Values a pipeline marks secret are never seen: not in the output that
 * clients follow, not in the saved log, not in the run history. */

#define INLINE_SECRET "s3cr3t-Value-42"
#define PASSED_SECRET "hunter2-passed"
#define CONFIGURED_SECRET "from-the-conf-77"

static gchar *
stars (const gchar *secret)
{
  return g_strnfill (strlen (secret), '*');
}

static void
test_masked (void)
{
  g_autoptr (FfTestDaemon) d = ff_test_daemon_new ();
  g_autofree gchar *out = NULL, *err = NULL, *logs = NULL;
  g_autofree gchar *hidden = stars (INLINE_SECRET);
  g_autofree gchar *hidden_passed = stars (PASSED_SECRET);
  g_autofree gchar *expected = NULL;

  /* the secret leaves the run in two writes, and once on stderr */
  ff_test_daemon_add_pipeline (d, "leak", "main.sh",
                               "printf 'token=%s\\n' \"$TOKEN\"\n"
                               "printf '%s' \"${TOKEN%%-*}\"\n"
                               "printf '%s\\n' \"-${TOKEN#*-}\"\n"
                               "echo \"key=$API_KEY\" >&2\n"
                               "echo \"$TOKEN\"\n"
                               "exit 3\n",
                               "pipeline.json", "{\"secrets\": {\"TOKEN\": \"" INLINE_SECRET "\"}}",
                               NULL);
  ff_test_daemon_add_pipeline (d, "passed", "main.sh", "echo \"key=$API_KEY\"\n", "pipeline.json",
                               "{\"secrets\": [\"API_KEY\"]}", NULL);
  ff_test_daemon_start (d, NULL);

  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "run", "leak", NULL), ==, 3);
  expected = g_strdup_printf ("token=%s\n", hidden);
  g_assert_true (g_str_has_prefix (out, expected));
  g_assert_null (strstr (out, INLINE_SECRET));
  g_assert_null (strstr (out, "s3cr3t"));
  g_assert_nonnull (strstr (out, hidden));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (
      ff_test_daemon_ctl (d, &out, &err, "run", "passed", "-e", "API_KEY=" PASSED_SECRET, NULL), ==,
      0);
  g_clear_pointer (&expected, g_free);
  expected = g_strdup_printf ("key=%s\n", hidden_passed);
  g_assert_cmpstr (out, ==, expected);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* what was saved reads the same */
  g_assert_cmpint (ff_test_daemon_ctl (d, &logs, &err, "logs", "1", NULL), ==, 0);
  g_assert_null (strstr (logs, INLINE_SECRET));
  g_assert_nonnull (strstr (logs, hidden));

  ff_test_daemon_stop (d);
  ff_test_assert_nowhere_in (d->state_dir, INLINE_SECRET);
  ff_test_assert_nowhere_in (d->state_dir, PASSED_SECRET);
}

/* A secret with no value stops the run before it starts, with a message
 * that says where the value goes; fastflow.conf's [secrets] is one place. */
static void
test_missing_and_configured (void)
{
  g_autoptr (FfTestDaemon) d = ff_test_daemon_new ();
  g_autofree gchar *out = NULL, *err = NULL, *status = NULL;
  g_autofree gchar *hidden = stars (CONFIGURED_SECRET);
  g_autofree gchar *expected = NULL;
  g_autoptr (GError) error = NULL;

  ff_test_daemon_add_pipeline (d, "needs", "main.sh", "echo \"db=$DB_PASSWORD\"\n", "pipeline.json",
                               "{\"secrets\": [\"DB_PASSWORD\"]}", NULL);
  ff_test_daemon_start (d, NULL);
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "run", "needs", NULL), ==, 127);
  g_assert_cmpstr (out, ==, "");
  g_assert_nonnull (strstr (err, "DB_PASSWORD"));
  g_assert_nonnull (strstr (err, "[secrets]"));
  ff_test_daemon_stop (d);

  g_file_set_contents (d->config_path, "[daemon]\n[secrets]\nDB_PASSWORD=" CONFIGURED_SECRET "\n",
                       -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (d->config_path, 0600), ==, 0);
  ff_test_daemon_start (d, NULL);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "run", "needs", NULL), ==, 0);
  expected = g_strdup_printf ("db=%s\n", hidden);
  g_assert_cmpstr (out, ==, expected);
  ff_test_daemon_stop (d);
  ff_test_assert_nowhere_in (d->state_dir, CONFIGURED_SECRET);
}

/* A run's route is what it wrote to $FASTFLOW_ROUTE_FILE: published as the
 * Route property and kept in the history, so hidden like its output. */
static void
test_route_masked (void)
{
  g_autoptr (FfTestDaemon) d = ff_test_daemon_new ();
  g_autofree gchar *out = NULL, *err = NULL;
  g_autofree gchar *hidden = stars (INLINE_SECRET);
  g_autofree gchar *expected = g_strdup_printf ("to-%s", hidden);
  g_autoptr (JsonNode) status = NULL;
  g_autoptr (GError) error = NULL;

  ff_test_daemon_add_pipeline (
      d, "router", "main.sh", "printf 'to-%s\\n' \"$TOKEN\" > \"$FASTFLOW_ROUTE_FILE\"\n",
      "pipeline.json", "{\"secrets\": {\"TOKEN\": \"" INLINE_SECRET "\"}}", NULL);
  ff_test_daemon_start (d, NULL);
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "run", "router", NULL), ==, 0);
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "status", "--json", "1", NULL), ==, 0);
  status = json_from_string (out, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (status), "route"), ==,
                   expected);
  ff_test_daemon_stop (d);
  ff_test_assert_nowhere_in (d->state_dir, INLINE_SECRET);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/secrets/masked", test_masked);
  g_test_add_func ("/secrets/missing-and-configured", test_missing_and_configured);
  g_test_add_func ("/secrets/route-masked", test_route_masked);
  return g_test_run ();
}
