/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "ff-test-daemon.h"

/* What a person reads, in German and in English: the CLI in the caller's
 * language, the daemon's messages in the daemon's. */

static void
speak (const gchar *language)
{
  g_setenv ("LANGUAGE", language, TRUE);
  g_setenv ("LC_ALL", g_str_equal (language, "de") ? "de_DE.UTF-8" : "C.UTF-8", TRUE);
}

static FfTestDaemon *
start_daemon (const gchar *language)
{
  FfTestDaemon *d = ff_test_daemon_new ();

  ff_test_daemon_add_pipeline (d, "three", "main.sh", "exit 3\n", NULL);
  ff_test_daemon_add_pipeline (d, "bad", "main.sh", "true\n", "pipeline.json",
                               "{\"timeout\": \"ten\"}", NULL);
  speak (language);
  ff_test_daemon_start (d, NULL);
  return d;
}

static gchar *
ctl (FfTestDaemon *d, gint expected, const gchar *first, ...)
{
  const gchar *args[8] = { first };
  g_autofree gchar *err = NULL;
  g_autofree gchar *out = NULL;
  va_list ap;
  guint n = 1;

  va_start (ap, first);
  while (n < G_N_ELEMENTS (args) - 1 && (args[n] = va_arg (ap, const gchar *)) != NULL)
    n++;
  va_end (ap);
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, args[0], args[1], args[2], args[3], NULL), ==,
                   expected);
  /* the outcome line of `run` and errors are on stderr: keep both */
  return g_strconcat (out, err, NULL);
}

static void
test_german (void)
{
  g_autoptr (FfTestDaemon) d = start_daemon ("de");
  g_autofree gchar *help = NULL, *run = NULL, *status = NULL, *pipelines = NULL, *usage = NULL;
  g_autoptr (GRegex) german_date =
      g_regex_new ("[0-3][0-9]\\.[01][0-9]\\.20[0-9][0-9] ", 0, 0, NULL);

  help = ctl (d, 0, "--help", NULL);
  g_assert_nonnull (strstr (help, "Befehle:"));
  g_assert_nonnull (strstr (help, "Einen Lauf starten und seine Ausgabe verfolgen"));
  run = ctl (d, 3, "run", "three", NULL);
  g_test_message ("%s", run);
  g_assert_nonnull (strstr (run, "Pipeline-Fehler"));
  g_assert_nonnull (strstr (run, "Die Pipeline wurde mit Exit-Code 3 beendet"));
  status = ctl (d, 0, "status", "1", NULL);
  g_test_message ("%s", status);
  g_assert_true (g_regex_match (german_date, status, 0, NULL));
  g_assert_nonnull (strstr (status, "Pipeline-Fehler"));
  g_assert_nonnull (strstr (status, "Exit-Code (exit-code)"));
  pipelines = ctl (d, 0, "pipelines", NULL);
  g_test_message ("%s", pipelines);
  g_assert_nonnull (strstr (pipelines, "Feld „timeout“"));
  g_assert_nonnull (strstr (pipelines, "Fehlgeschlagen"));
  g_assert_null (strstr (pipelines, "failed"));
  usage = ctl (d, 2, "status", "abc", NULL);
  g_assert_nonnull (strstr (usage, "siehe"));
  g_assert_null (strstr (usage, "see"));
}

static void
test_english (void)
{
  g_autoptr (FfTestDaemon) d = start_daemon ("en");
  g_autofree gchar *help = NULL, *run = NULL, *pipelines = NULL;

  help = ctl (d, 0, "--help", NULL);
  g_assert_nonnull (strstr (help, "Commands:"));
  run = ctl (d, 3, "run", "three", NULL);
  g_assert_nonnull (strstr (run, "Pipeline Error"));
  g_assert_nonnull (strstr (run, "The pipeline exited with code 3"));
  pipelines = ctl (d, 0, "pipelines", NULL);
  g_assert_nonnull (strstr (pipelines, "field “timeout”"));
}

/* The CLI speaks the caller's language, whatever the daemon's is. */
static void
test_mixed (void)
{
  g_autoptr (FfTestDaemon) d = start_daemon ("de");
  g_autofree gchar *run = NULL;

  speak ("en");
  run = ctl (d, 3, "run", "three", NULL);
  g_test_message ("%s", run);
  /* the badge is the CLI's, the message the daemon's */
  g_assert_nonnull (strstr (run, "Pipeline Error"));
  g_assert_nonnull (strstr (run, "Die Pipeline wurde mit Exit-Code 3 beendet"));
}

/* A run's message is kept untranslated and shown in the language of the
 * daemon that shows it: after a restart in German, an English run's
 * message is German too. */
static void
test_language_change (void)
{
  g_autoptr (FfTestDaemon) d = ff_test_daemon_new ();
  g_autofree gchar *english = NULL, *german = NULL;

  ff_test_daemon_add_pipeline (d, "missing", "pipeline.json",
                               "{\"command\": [\"/nonexistent/fastflow-test-program\"]}", NULL);
  speak ("en");
  ff_test_daemon_start (d, NULL);
  english = ctl (d, 127, "run", "missing", NULL);
  g_test_message ("%s", english);
  g_assert_nonnull (strstr (english, "Cannot start"));
  ff_test_daemon_stop (d);

  speak ("de");
  ff_test_daemon_start (d, NULL);
  german = ctl (d, 0, "status", "1", NULL);
  g_test_message ("%s", german);
  g_assert_nonnull (strstr (german, "kann in"));
  g_assert_nonnull (strstr (german, "nicht gestartet werden"));
  g_assert_null (strstr (german, "Cannot start"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/i18n/german", test_german);
  g_test_add_func ("/i18n/english", test_english);
  g_test_add_func ("/i18n/mixed", test_mixed);
  g_test_add_func ("/i18n/language-change", test_language_change);
  return g_test_run ();
}
