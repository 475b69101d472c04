/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <libintl.h>
#include <locale.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fastflow.h"
#include "ff-local-cgroup.h"
#include "ff-local-executor.h"
#include "ff-test-execution.h"
#include "ff-test-util.h"

#define LARGE_SIZE 20000000

/* Only the small runs keep their output; 20 MB runs are counted. */
static FfTestRun *
test_run_new (gboolean keep_output)
{
  return ff_test_run_new (keep_output ? FF_TEST_RUN_KEEP_OUTPUT : FF_TEST_RUN_NONE);
}

/* Dispatches whatever is already pending, without waiting for more. */
static void
drain_main_context (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static void
test_run_launch_on (FfTestRun *run, FfLocalExecutor *executor, FfRunRequest *request)
{
  ff_test_run_launch (run, FF_EXECUTOR (executor), g_object_ref (request), NULL);
  ff_test_wait_until (ff_test_is_set, &run->launched, "the launch to finish");
}

static void
test_run_launch (FfTestRun *run, FfRunRequest *request)
{
  g_autoptr (FfLocalExecutor) executor = ff_local_executor_new ();

  test_run_launch_on (run, executor, request);
}

/* Waits for ::exited, then checks it came once and nothing followed it. */
static void
test_run_wait_exited (FfTestRun *run)
{
  g_assert_no_error (run->launch_error);
  g_assert_nonnull (run->execution);
  ff_test_wait_until (ff_test_is_set, &run->exited, "the execution to exit");
  drain_main_context ();
  g_assert_cmpuint (run->exited_count, ==, 1);
  g_assert_cmpuint (run->output_after_exit, ==, 0);
  g_assert_true (ff_execution_has_exited (run->execution));
}

static FfRunRequest *
request_new (const gchar *dir, const gchar *const *argv)
{
  FfRunRequest *request = ff_run_request_new (1, "test");

  ff_run_request_set_pipeline_dir (request, dir);
  ff_run_request_set_command (request, argv);
  return request;
}

/* Launches @request and waits for it to exit. */
static FfTestRun *
run_request (FfRunRequest *request, gboolean keep_output)
{
  FfTestRun *run = test_run_new (keep_output);

  test_run_launch (run, request);
  test_run_wait_exited (run);
  return run;
}

/* Launches `sh -c SCRIPT` in @dir and waits for it to exit. */
static FfTestRun *
run_script (const gchar *dir, const gchar *script, gboolean keep_output)
{
  const gchar *argv[] = { "sh", "-c", script, NULL };
  g_autoptr (FfRunRequest) request = request_new (dir, argv);

  return run_request (request, keep_output);
}

static gchar *
make_pipeline_dir (void)
{
  g_autoptr (GError) error = NULL;
  gchar *dir = g_dir_make_tmp ("ff-local-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

/* The test folders hold plain files only. */
static void
remove_pipeline_dir (const gchar *dir)
{
  g_autoptr (GDir) handle = g_dir_open (dir, 0, NULL);
  const gchar *name;

  g_assert_nonnull (handle);
  while ((name = g_dir_read_name (handle)) != NULL)
    {
      g_autofree gchar *path = g_build_filename (dir, name, NULL);
      g_assert_cmpint (g_unlink (path), ==, 0);
    }
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

static void
assert_output (GString *array, const gchar *expected)
{
  g_assert_cmpmem (array->str, array->len, expected, strlen (expected));
}

static void
test_exit_zero (void)
{
  g_autofree gchar *dir = make_pipeline_dir ();
  g_autoptr (FfTestRun) run = run_script (dir, "exit 0", TRUE);

  g_assert_cmpint (run->exit_code, ==, 0);
  g_assert_cmpint (run->reason, ==, FF_REASON_NONE);
  g_assert_null (run->message);
  g_assert_cmpuint (run->out->len + run->err->len, ==, 0);
  remove_pipeline_dir (dir);
}

static void
test_exit_three (void)
{
  g_autofree gchar *dir = make_pipeline_dir ();
  g_autoptr (FfTestRun) run = run_script (dir, "echo failing; exit 3", TRUE);

  g_assert_cmpint (run->exit_code, ==, 3);
  g_assert_cmpint (run->reason, ==, FF_REASON_EXIT_CODE);
  assert_output (run->out, "failing\n");
  remove_pipeline_dir (dir);
}

/* Output closed early: the end of the pipes is not the end of the run. */
static void
test_streams_closed_early (void)
{
  g_autofree gchar *dir = make_pipeline_dir ();
  g_autoptr (FfTestRun) run =
      run_script (dir,
                  "echo before; echo err-before >&2; exec >&- 2>&-; "
                  "i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; exit 7",
                  TRUE);

  g_assert_cmpint (run->exit_code, ==, 7);
  g_assert_cmpint (run->reason, ==, FF_REASON_EXIT_CODE);
  assert_output (run->out, "before\n");
  assert_output (run->err, "err-before\n");
  remove_pipeline_dir (dir);
}

/* Both pipes written in turn: each stream gets exactly its own lines. */
static void
test_streams (void)
{
  g_autofree gchar *dir = make_pipeline_dir ();
  g_autoptr (FfTestRun) run = run_script (dir,
                                          "i=0; while [ $i -lt 2000 ]; do "
                                          "echo \"out $i\"; echo \"err $i\" >&2; i=$((i+1)); done",
                                          TRUE);
  g_autoptr (GString) out = g_string_new (NULL);
  g_autoptr (GString) err = g_string_new (NULL);

  for (guint i = 0; i < 2000; i++)
    {
      g_string_append_printf (out, "out %u\n", i);
      g_string_append_printf (err, "err %u\n", i);
    }
  g_assert_cmpint (run->exit_code, ==, 0);
  assert_output (run->out, out->str);
  assert_output (run->err, err->str);
  remove_pipeline_dir (dir);
}

/* printf's octal escapes write every byte value, NUL included. */
static void
test_all_bytes (void)
{
  g_autofree gchar *dir = make_pipeline_dir ();
  g_autoptr (GString) forward = g_string_new (NULL);
  g_autoptr (GString) backward = g_string_new (NULL);
  g_autofree gchar *script = NULL;
  g_autoptr (FfTestRun) run = NULL;
  guint8 expected_out[256], expected_err[256];

  for (guint i = 0; i < 256; i++)
    {
      g_string_append_printf (forward, "\\%03o", i);
      g_string_append_printf (backward, "\\%03o", 255 - i);
      expected_out[i] = i;
      expected_err[i] = 255 - i;
    }
  script = g_strdup_printf ("printf '%s'; printf '%s' >&2", forward->str, backward->str);
  run = run_script (dir, script, TRUE);
  g_assert_cmpint (run->exit_code, ==, 0);
  g_assert_cmpmem (run->out->str, run->out->len, expected_out, sizeof expected_out);
  g_assert_cmpmem (run->err->str, run->err->len, expected_err, sizeof expected_err);
  remove_pipeline_dir (dir);
}

static void
test_large_zero (void)
{
  g_autofree gchar *dir = make_pipeline_dir ();
  g_autofree gchar *script = g_strdup_printf ("head -c %d /dev/zero", LARGE_SIZE);
  g_autoptr (FfTestRun) run = run_script (dir, script, FALSE);

  g_assert_cmpint (run->exit_code, ==, 0);
  g_assert_cmpuint (run->out_size, ==, LARGE_SIZE);
  g_assert_cmpuint (run->out_nonzero, ==, 0);
  g_assert_cmpuint (run->err_size, ==, 0);
  remove_pipeline_dir (dir);
}

/* Every line differs, so a lost, doubled or reordered chunk changes the
 * checksum; the reference is the same command without the executor. */
static void
test_large_pattern (void)
{
  const gchar *script = "seq 1 2700000";
  const gchar *argv[] = { "sh", "-c", script, NULL };
  g_autofree gchar *dir = make_pipeline_dir ();
  g_autofree gchar *reference = NULL;
  g_autofree gchar *reference_sum = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (FfTestRun) run = NULL;
  gint status = -1;

  g_spawn_sync (dir, (gchar **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &reference, NULL,
                &status, &error);
  g_assert_no_error (error);
  g_assert_cmpint (status, ==, 0);
  g_assert_cmpuint (strlen (reference), >, LARGE_SIZE);
  reference_sum = g_compute_checksum_for_string (G_CHECKSUM_SHA256, reference, -1);

  run = run_script (dir, script, FALSE);
  g_assert_cmpint (run->exit_code, ==, 0);
  g_assert_cmpuint (run->out_size, ==, strlen (reference));
  g_assert_cmpstr (g_checksum_get_string (run->out_checksum), ==, reference_sum);
  remove_pipeline_dir (dir);
}

/* A line far longer than a read chunk, and no newline at its end. */
static void
test_long_line (void)
{
  g_autofree gchar *dir = make_pipeline_dir ();
  g_autoptr (FfTestRun) run = run_script (dir, "head -c 1048576 /dev/zero | tr '\\000' a", TRUE);

  g_assert_cmpint (run->exit_code, ==, 0);
  g_assert_cmpuint (run->out->len, ==, 1048576);
  for (guint i = 0; i < run->out->len; i++)
    {
      if (run->out->str[i] != 'a')
        g_assert_cmpuint (run->out->str[i], ==, 'a');
    }
  remove_pipeline_dir (dir);
}

static void
test_env_and_cwd (void)
{
  const gchar *argv[] = {
    "sh", "-c", "printf '%s|%s|%s\\n' \"$FF_TEST_VALUE\" \"$FF_TEST_OVERRIDE\" \"$(pwd -P)\"", NULL
  };
  const gchar *value = "h\xc3\xa9llo w\xc3\xb6rld \"quoted\" $HOME `x`";
  g_autofree gchar *dir = make_pipeline_dir ();
  g_autofree gchar *real_dir = realpath (dir, NULL);
  g_autofree gchar *expected = NULL;
  g_autoptr (FfRunRequest) request = request_new (dir, argv);
  g_autoptr (FfTestRun) run = test_run_new (TRUE);

  /* the request's value wins over the daemon's own environment */
  g_setenv ("FF_TEST_OVERRIDE", "from-daemon", TRUE);
  ff_run_request_set_env_var (request, "FF_TEST_VALUE", value);
  ff_run_request_set_env_var (request, "FF_TEST_OVERRIDE", "from-request");
  test_run_launch (run, request);
  test_run_wait_exited (run);
  g_unsetenv ("FF_TEST_OVERRIDE");

  g_assert_nonnull (real_dir);
  expected = g_strdup_printf ("%s|from-request|%s\n", value, real_dir);
  g_assert_cmpint (run->exit_code, ==, 0);
  assert_output (run->out, expected);
  assert_output (run->err, "");
  remove_pipeline_dir (dir);
}

/* The names of the variables `env` printed, one a line. */
static GStrv
env_names (GString *out)
{
  g_autofree gchar *text = g_strndup (out->str, out->len);
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  g_autoptr (GStrvBuilder) names = g_strv_builder_new ();

  for (guint i = 0; lines[i] != NULL; i++)
    {
      gchar *eq = strchr (lines[i], '=');
      if (eq == NULL)
        continue;
      *eq = '\0';
      g_strv_builder_add (names, lines[i]);
    }
  return g_strv_builder_end (names);
}

/* Runs `env` on @executor, with the daemon's environment holding what a
 * run must not see. */
static GStrv
run_env_on (FfLocalExecutor *executor)
{
  const gchar *argv[] = { "env", NULL };
  g_autofree gchar *dir = make_pipeline_dir ();
  g_autoptr (FfRunRequest) request = request_new (dir, argv);
  g_autoptr (FfTestRun) run = test_run_new (TRUE);

  g_setenv ("DOCKER_PROXY_URL", "http://127.0.0.1:2375", TRUE);
  g_setenv ("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus", TRUE);
  g_setenv ("SECRET_X", "from-the-daemon", TRUE);
  g_setenv ("LC_TIME", "C", TRUE);
  ff_run_request_set_env_var (request, "FROM_REQUEST", "yes");
  test_run_launch_on (run, executor, request);
  test_run_wait_exited (run);
  g_unsetenv ("DOCKER_PROXY_URL");
  g_unsetenv ("DBUS_SESSION_BUS_ADDRESS");
  g_unsetenv ("SECRET_X");
  g_assert_cmpint (run->exit_code, ==, 0);
  remove_pipeline_dir (dir);
  return env_names (run->out);
}

/* A run's environment is built: the daemon's PATH, HOME, language and the
 * run's own variables, nothing else of the daemon's. */
static void
test_env_built (void)
{
  g_autoptr (FfLocalExecutor) executor = ff_local_executor_new ();
  g_auto (GStrv) names = run_env_on (executor);
  g_autofree gchar *listed = g_strjoinv (" ", names);

  g_test_message ("the run saw: %s", listed);
  g_assert_false (g_strv_contains ((const gchar *const *) names, "DOCKER_PROXY_URL"));
  g_assert_false (g_strv_contains ((const gchar *const *) names, "DBUS_SESSION_BUS_ADDRESS"));
  g_assert_false (g_strv_contains ((const gchar *const *) names, "SECRET_X"));
  /* meson test sets them for the test, not for what it runs */
  g_assert_false (g_strv_contains ((const gchar *const *) names, "MALLOC_CHECK_"));
  g_assert_false (g_strv_contains ((const gchar *const *) names, "FASTFLOW_PLUGIN_PATH"));
  g_assert_true (g_strv_contains ((const gchar *const *) names, "PATH"));
  g_assert_true (g_strv_contains ((const gchar *const *) names, "LC_TIME"));
  g_assert_true (g_strv_contains ((const gchar *const *) names, "FROM_REQUEST"));
  if (g_getenv ("HOME") != NULL)
    g_assert_true (g_strv_contains ((const gchar *const *) names, "HOME"));
}

/* [executor.local] pass_env lets more through, and only what it names. */
static void
test_env_pass_env (void)
{
  g_autoptr (FfLocalExecutor) executor = ff_local_executor_new ();
  g_autoptr (GKeyFile) config = g_key_file_new ();
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) names = NULL;

  g_assert_true (g_key_file_load_from_data (
      config, "[executor.local]\npass_env=SECRET_X; DBUS_SESSION_BUS_ADDRESS\n", -1,
      G_KEY_FILE_NONE, &error));
  g_assert_true (ff_executor_configure (FF_EXECUTOR (executor), config, &error));
  g_assert_no_error (error);
  names = run_env_on (executor);
  g_assert_true (g_strv_contains ((const gchar *const *) names, "SECRET_X"));
  g_assert_true (g_strv_contains ((const gchar *const *) names, "DBUS_SESSION_BUS_ADDRESS"));
  g_assert_false (g_strv_contains ((const gchar *const *) names, "DOCKER_PROXY_URL"));

  /* a name that is none is a configuration error that names the key */
  g_key_file_set_string (config, "executor.local", "pass_env", "DISPLAY;NOT VALID");
  g_assert_false (ff_executor_configure (FF_EXECUTOR (executor), config, &error));
  g_assert_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE);
  g_assert_nonnull (strstr (error->message, "pass_env"));
  g_assert_nonnull (strstr (error->message, "NOT VALID"));
}

/* "./run.sh" is the pipeline's file, whatever the daemon's own folder is. */
static void
test_relative_command (void)
{
  const gchar *argv[] = { "./run.sh", "first argument", NULL };
  g_autofree gchar *dir = make_pipeline_dir ();
  g_autofree gchar *real_dir = realpath (dir, NULL);
  g_autofree gchar *entry = g_build_filename (dir, "run.sh", NULL);
  g_autofree gchar *cwd = g_get_current_dir ();
  g_autofree gchar *expected = NULL;
  g_autoptr (FfRunRequest) request = request_new (dir, argv);
  g_autoptr (FfTestRun) run = test_run_new (TRUE);
  g_autoptr (GError) error = NULL;

  g_assert_cmpstr (cwd, !=, dir);
  g_file_set_contents (entry, "#!/bin/sh\necho \"$1\"\npwd -P\nexit 7\n", -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (entry, 0755), ==, 0);
  test_run_launch (run, request);
  test_run_wait_exited (run);

  expected = g_strdup_printf ("first argument\n%s\n", real_dir);
  g_assert_cmpint (run->exit_code, ==, 7);
  g_assert_cmpint (run->reason, ==, FF_REASON_EXIT_CODE);
  assert_output (run->out, expected);
  remove_pipeline_dir (dir);
}

static void
assert_spawn_failed (const gchar *dir, const gchar *const *argv, const gchar *named)
{
  g_autoptr (FfRunRequest) request = request_new (dir, argv);
  g_autoptr (FfTestRun) run = test_run_new (TRUE);
  g_autofree gchar *message = NULL;

  test_run_launch (run, request);
  g_assert_null (run->execution);
  g_assert_error (run->launch_error, FF_EXECUTOR_ERROR, FF_REASON_SPAWN_FAILED);
  /* kept untranslated until shown */
  message = ff_message_format (run->launch_error->message);
  g_assert_nonnull (strstr (message, named));
}

static void
test_missing_entry (void)
{
  const gchar *argv[] = { "./missing-entry.sh", NULL };
  g_autofree gchar *dir = make_pipeline_dir ();

  assert_spawn_failed (dir, argv, "missing-entry.sh");
  remove_pipeline_dir (dir);
}

static void
test_missing_folder (void)
{
  const gchar *argv[] = { "./run.sh", NULL };
  g_autofree gchar *dir = make_pipeline_dir ();
  g_autofree gchar *missing = g_build_filename (dir, "no-such-pipeline", NULL);

  assert_spawn_failed (missing, argv, missing);
  remove_pipeline_dir (dir);
}

/* A program on no folder of PATH: the error, in the daemon's language,
 * names it and says why, and the child that could not exec is reaped. In
 * a subprocess, which has no other child and may change its language. */
static void
test_missing_program (void)
{
  const gchar *argv[] = { "fastflow-no-such-program", NULL };
  g_autofree gchar *dir = NULL;
  g_autoptr (FfRunRequest) request = NULL;
  g_autoptr (FfTestRun) run = NULL;
  g_autofree gchar *message = NULL;
  g_autofree gchar *expected = NULL;
  siginfo_t info = { 0 };

  if (!g_test_subprocess ())
    {
      locale_t german = newlocale (LC_ALL_MASK, "de_DE.UTF-8", (locale_t) 0);

      /* a missing locale is a broken test set-up, not a pass */
      if (german == (locale_t) 0)
        {
          g_test_fail_printf ("the de_DE.UTF-8 locale is not installed: run scripts/install-deps "
                              "(or enable \"de_DE.UTF-8 UTF-8\" in /etc/locale.gen and run "
                              "locale-gen)");
          return;
        }
      if (g_getenv ("FASTFLOW_LOCALEDIR") == NULL)
        {
          freelocale (german);
          g_test_fail_printf ("FASTFLOW_LOCALEDIR is not set: run this test with meson test");
          return;
        }
      freelocale (german);
      g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
      g_test_trap_assert_passed ();
      return;
    }
  g_assert_nonnull (setlocale (LC_ALL, "de_DE.UTF-8"));
  g_setenv ("LANGUAGE", "de", TRUE);
  bindtextdomain (GETTEXT_PACKAGE, g_getenv ("FASTFLOW_LOCALEDIR"));
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  dir = make_pipeline_dir ();
  request = request_new (dir, argv);
  run = test_run_new (TRUE);
  test_run_launch (run, request);
  g_assert_null (run->execution);
  g_assert_error (run->launch_error, FF_EXECUTOR_ERROR, FF_REASON_SPAWN_FAILED);
  message = ff_message_format (run->launch_error->message);
  expected = g_strdup_printf ("„%s“ kann in %s nicht gestartet werden: %s", argv[0], dir,
                              g_strerror (ENOENT));
  g_assert_cmpstr (message, ==, expected);
  /* no child at all, not even a zombie */
  g_assert_cmpint (waitid (P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT), ==, -1);
  g_assert_cmpint (errno, ==, ECHILD);
  remove_pipeline_dir (dir);
}

/* A file without "#!" runs with /bin/sh, as execvp() and g_spawn do. */
static void
test_script_without_interpreter (void)
{
  const gchar *argv[] = { "./plain", "one", NULL };
  g_autofree gchar *dir = make_pipeline_dir ();
  g_autofree gchar *entry = g_build_filename (dir, "plain", NULL);
  g_autoptr (FfRunRequest) request = request_new (dir, argv);
  g_autoptr (FfTestRun) run = NULL;
  g_autoptr (GError) error = NULL;

  g_file_set_contents (entry, "echo \"plain $1\"\n", -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (entry, 0755), ==, 0);
  run = run_request (request, TRUE);
  g_assert_cmpint (run->exit_code, ==, 0);
  assert_output (run->out, "plain one\n");
  remove_pipeline_dir (dir);
}

/* argv[0] is looked up on the daemon's PATH, as under g_spawn; the
 * program gets the run's. */
static void
test_path_of_the_daemon (void)
{
  const gchar *argv[] = { "sh", "-c", "printf '%s' \"$PATH\"", NULL };
  g_autofree gchar *dir = make_pipeline_dir ();
  g_autoptr (FfRunRequest) request = request_new (dir, argv);
  g_autoptr (FfTestRun) run = NULL;

  ff_run_request_set_env_var (request, "PATH", "/nonexistent");
  run = run_request (request, TRUE);
  g_assert_cmpint (run->exit_code, ==, 0);
  assert_output (run->out, "/nonexistent");
  remove_pipeline_dir (dir);
}

/* The child leads its own process group, reads /dev/null and holds none
 * of the daemon's descriptors but its two pipes, not even one that is
 * not close-on-exec. */
static void
test_child_setup (void)
{
  const gchar *script = "ls /proc/$$/fd; readlink /proc/$$/fd/0 /proc/$$/fd/1 /proc/$$/fd/2 "
                        "| cut -d: -f1; read -r stat < /proc/$$/stat; set -- $stat; echo $1 $5";
  const gchar *fixed = "0\n1\n2\n/dev/null\npipe\npipe\n";
  g_autofree gchar *dir = make_pipeline_dir ();
  g_autoptr (FfTestRun) run = NULL;
  g_auto (GStrv) ids = NULL;
  gint leaked = g_open ("/dev/null", O_RDONLY, 0);

  g_assert_cmpint (leaked, >, STDERR_FILENO);
  run = run_script (dir, script, TRUE);
  g_close (leaked, NULL);
  g_assert_cmpint (run->exit_code, ==, 0);
  assert_output (run->err, "");
  g_assert_cmpuint (run->out->len, >, strlen (fixed));
  g_assert_cmpmem (run->out->str, strlen (fixed), fixed, strlen (fixed));
  ids = g_strsplit (run->out->str + strlen (fixed), " ", 0);
  g_assert_cmpuint (g_strv_length (ids), ==, 2);
  g_assert_cmpint (g_ascii_strtoll (ids[0], NULL, 10), >, 1);
  g_assert_cmpint (g_ascii_strtoll (ids[0], NULL, 10), ==, g_ascii_strtoll (ids[1], NULL, 10));
  remove_pipeline_dir (dir);
}

/* A signal mask or set of dispositions from /proc/PID/status. */
static guint64
status_mask (const gchar *status, const gchar *key)
{
  const gchar *line = strstr (status, key);

  g_assert_nonnull (line);
  return g_ascii_strtoull (line + strlen (key), NULL, 16);
}

/* The program starts with the caller's signal mask and what it ignores,
 * except SIGPIPE and the others g_spawn reset: GSocket ignores SIGPIPE in
 * the whole daemon, and a run's `yes | head` expects to die of it. */
static void
test_signals (void)
{
  const gchar *argv[] = { "cat", "/proc/self/status", NULL };
  const gint reset[] = { SIGPIPE, SIGCHLD, SIGINT, SIGTERM, SIGHUP };
  struct sigaction ignore = { .sa_handler = SIG_IGN }, old_pipe, old_usr2;
  g_autofree gchar *dir = make_pipeline_dir ();
  g_autoptr (FfRunRequest) request = request_new (dir, argv);
  g_autoptr (FfTestRun) run = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *own = NULL;
  g_autofree gchar *child = NULL;
  guint64 reset_mask = 0;

  for (guint i = 0; i < G_N_ELEMENTS (reset); i++)
    reset_mask |= G_GUINT64_CONSTANT (1) << (reset[i] - 1);
  g_assert_cmpint (sigaction (SIGPIPE, &ignore, &old_pipe), ==, 0);
  g_assert_cmpint (sigaction (SIGUSR2, &ignore, &old_usr2), ==, 0);
  g_file_get_contents ("/proc/self/status", &own, NULL, &error);
  g_assert_no_error (error);
  run = run_request (request, TRUE);
  g_assert_cmpint (sigaction (SIGPIPE, &old_pipe, NULL), ==, 0);
  g_assert_cmpint (sigaction (SIGUSR2, &old_usr2, NULL), ==, 0);

  g_assert_cmpint (run->exit_code, ==, 0);
  child = g_strndup (run->out->str, run->out->len);
  g_assert_cmphex (status_mask (child, "SigBlk:\t"), ==, status_mask (own, "SigBlk:\t"));
  g_assert_cmphex (status_mask (child, "SigIgn:\t"), ==,
                   status_mask (own, "SigIgn:\t") & ~reset_mask);
  g_assert_cmphex (status_mask (child, "SigIgn:\t") & (G_GUINT64_CONSTANT (1) << (SIGUSR2 - 1)), !=,
                   0);
  remove_pipeline_dir (dir);
}

static gboolean
on_fifo_closed (gint fd, GIOCondition condition, gpointer user_data)
{
  gboolean *closed = user_data;

  *closed = TRUE;
  return G_SOURCE_REMOVE;
}

/* Cancelled between the spawn and launch_finish: the caller gets no
 * execution, and the dropped one kills its child, which would otherwise
 * keep the FIFO open for 30 s. */
static void
test_launch_cancelled (void)
{
  const gchar *argv[] = { "sh", "-c", "exec 3>alive; echo up >&3; exec sleep 30", NULL };
  g_autofree gchar *dir = make_pipeline_dir ();
  g_autofree gchar *fifo = g_build_filename (dir, "alive", NULL);
  g_autoptr (FfRunRequest) request = request_new (dir, argv);
  g_autoptr (FfLocalExecutor) executor = ff_local_executor_new ();
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (FfTestRun) run = test_run_new (TRUE);
  gboolean closed = FALSE;
  GPollFD poll_fd = { -1, G_IO_IN, 0 };
  gchar buffer[3];

  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  poll_fd.fd = g_open (fifo, O_RDONLY | O_NONBLOCK, 0);
  g_assert_cmpint (poll_fd.fd, >=, 0);
  ff_test_run_launch (run, FF_EXECUTOR (executor), g_object_ref (request), cancellable);
  /* not the main loop: that would hand the execution over before the cancel */
  g_assert_cmpint (g_poll (&poll_fd, 1, FF_TEST_WAIT_TIMEOUT_S * 1000), ==, 1);
  g_assert_cmpint (read (poll_fd.fd, buffer, sizeof buffer), ==, 3);
  g_cancellable_cancel (cancellable);
  ff_test_wait_until (ff_test_is_set, &run->launched, "the launch to finish");
  g_assert_error (run->launch_error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (run->execution);

  g_unix_fd_add (poll_fd.fd, G_IO_HUP, on_fifo_closed, &closed);
  ff_test_wait_until_within (ff_test_is_set, &closed, 10, "the dropped child to be killed");
  g_close (poll_fd.fd, NULL);
  remove_pipeline_dir (dir);
}

/* A grace period far beyond the wait: only SIGTERM can end it in time. */
static void
test_cancel (void)
{
  const gchar *argv[] = { "sh", "-c", "sleep 30", NULL };
  g_autofree gchar *dir = make_pipeline_dir ();
  g_autoptr (FfRunRequest) request = request_new (dir, argv);
  g_autoptr (FfTestRun) run = test_run_new (TRUE);

  test_run_launch (run, request);
  g_assert_no_error (run->launch_error);
  ff_execution_cancel (run->execution, 600 * 1000);
  test_run_wait_exited (run);
  g_assert_cmpint (run->exit_code, ==, 143);
  g_assert_cmpint (run->reason, !=, FF_REASON_NONE);
  remove_pipeline_dir (dir);
}

static void
test_cancel_ignoring_term (void)
{
  const gchar *argv[] = { "sh", "-c", "trap '' TERM; echo ready; sleep 30", NULL };
  g_autofree gchar *dir = make_pipeline_dir ();
  g_autoptr (FfRunRequest) request = request_new (dir, argv);
  g_autoptr (FfTestRun) run = test_run_new (TRUE);
  gint64 cancelled_at;

  test_run_launch (run, request);
  g_assert_no_error (run->launch_error);
  /* "ready" comes after the trap is in place */
  ff_test_wait_until (ff_test_is_set, &run->got_output, "the trap to be set");
  cancelled_at = g_get_monotonic_time ();
  ff_execution_cancel (run->execution, 200);
  /* a second cancel neither restarts the grace period nor adds an exit */
  ff_execution_cancel (run->execution, 200);
  test_run_wait_exited (run);
  g_assert_cmpint (run->exit_code, ==, 137);
  g_assert_cmpint (run->exited_at - cancelled_at, >=, 200 * 1000);
  assert_output (run->out, "ready\n");

  ff_execution_cancel (run->execution, 200);
  drain_main_context ();
  g_assert_cmpuint (run->exited_count, ==, 1);
  remove_pipeline_dir (dir);
}

typedef struct
{
  gboolean exited;
  gint wait_status;
} Orphan;

static void
on_orphan_exited (GPid pid, gint wait_status, gpointer user_data)
{
  Orphan *orphan = user_data;

  orphan->exited = TRUE;
  orphan->wait_status = wait_status;
}

/* The entry is gone while a background child still holds its stdout: the
 * run is over, and the leftover is killed rather than waited for. */
static void
test_background_grandchild (void)
{
  g_autofree gchar *dir = make_pipeline_dir ();
  g_autoptr (FfTestRun) run = NULL;
  Orphan orphan = { 0 };
  gint64 pid;

  /* the orphaned background child becomes ours, so we can wait for it */
  g_assert_cmpint (prctl (PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), ==, 0);
  run = run_script (dir, "sleep 30 & echo $!", TRUE);
  g_assert_cmpint (run->exit_code, ==, 0);
  g_assert_cmpint (run->exited_at - run->launched_at, <, 10 * G_USEC_PER_SEC);
  g_assert_cmpuint (run->out->len, >, 1);
  g_assert_cmpint (run->out->str[run->out->len - 1], ==, '\n');
  pid = g_ascii_strtoll (run->out->str, NULL, 10);
  g_assert_cmpint (pid, >, 1);

  g_child_watch_add ((GPid) pid, on_orphan_exited, &orphan);
  ff_test_wait_until_within (ff_test_is_set, &orphan.exited, 10,
                             "the background child to be killed");
  g_assert_cmpint (prctl (PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0), ==, 0);
  g_assert_true (WIFSIGNALED (orphan.wait_status));
  g_assert_cmpint (WTERMSIG (orphan.wait_status), ==, SIGKILL);
  remove_pipeline_dir (dir);
}

typedef struct
{
  FfExecution *execution;
  guint samples;
  gdouble max_cpu;
  guint64 max_memory;
  gboolean done;
} Sampler;

static gboolean
on_sample (gpointer user_data)
{
  Sampler *sampler = user_data;
  g_autoptr (GError) error = NULL;
  FfUsage usage = { 0 };

  g_assert_true (ff_execution_sample_usage (sampler->execution, &usage, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (usage.cpu_percent, >=, 0);
  sampler->samples++;
  sampler->max_cpu = MAX (sampler->max_cpu, usage.cpu_percent);
  sampler->max_memory = MAX (sampler->max_memory, usage.memory_bytes);
  if ((sampler->max_cpu > 30 && sampler->max_memory > 0) || sampler->samples >= 25)
    {
      sampler->done = TRUE;
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static void
test_sample_busy (void)
{
  const gchar *argv[] = { "sh", "-c", "while :; do :; done", NULL };
  g_autofree gchar *dir = make_pipeline_dir ();
  g_autoptr (FfRunRequest) request = request_new (dir, argv);
  g_autoptr (FfTestRun) run = test_run_new (TRUE);
  Sampler sampler = { 0 };

  test_run_launch (run, request);
  g_assert_no_error (run->launch_error);
  sampler.execution = run->execution;
  /* pacing of the samples, up to 5 s; the wait is on the sampler */
  g_timeout_add (200, on_sample, &sampler);
  ff_test_wait_until (ff_test_is_set, &sampler.done, "CPU samples");
  g_test_message ("%u samples, max CPU %.1f%%, max memory %" G_GUINT64_FORMAT " bytes",
                  sampler.samples, sampler.max_cpu, sampler.max_memory);
  g_assert_cmpfloat (sampler.max_cpu, >, 30);
  g_assert_cmpuint (sampler.max_memory, >, 0);

  ff_execution_cancel (run->execution, 1000);
  test_run_wait_exited (run);
  g_assert_cmpint (run->exit_code, ==, 143);
  remove_pipeline_dir (dir);
}

static void
test_sample_after_exit (void)
{
  g_autofree gchar *dir = make_pipeline_dir ();
  g_autoptr (FfTestRun) run = run_script (dir, "exit 0", TRUE);
  g_autoptr (GError) error = NULL;
  FfUsage usage = { 0 };

  g_assert_false (ff_execution_sample_usage (run->execution, &usage, &error));
  g_assert_nonnull (error);
  remove_pipeline_dir (dir);
}

/* In a fresh process: this binary links the plugin's code too, and the
 * module's copy of the type must be the first to register. */
static void
test_module (void)
{
  const gchar *path = g_getenv ("FASTFLOW_PLUGIN_PATH");
  g_auto (GStrv) folders = NULL;
  GIOExtensionPoint *ep;
  GIOExtension *extension;
  GList *modules;
  g_autoptr (GObject) executor = NULL;

  if (!g_test_subprocess ())
    {
      g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
      g_test_trap_assert_passed ();
      return;
    }
  g_assert_nonnull (path);
  folders = g_strsplit (path, ":", 2);
  ff_plugin_register_extension_points ();
  modules = g_io_modules_load_all_in_directory (folders[0]);
  g_assert_nonnull (modules);
  g_list_free (modules);
  ep = g_io_extension_point_lookup (FF_EXECUTOR_EXTENSION_POINT_NAME);
  g_assert_nonnull (ep);
  extension = g_io_extension_point_get_extension_by_name (ep, "local");
  g_assert_nonnull (extension);
  executor = g_object_new (g_io_extension_get_type (extension), NULL);
  g_assert_true (FF_IS_EXECUTOR (executor));
  g_assert_cmpstr (ff_executor_get_name (FF_EXECUTOR (executor)), ==, "local");
}

/* ---- mem_hard_limit and cpu_hard_limit ---- */

#define MIB (G_GUINT64_CONSTANT (1024) * 1024)

/* Whether this machine gives the test a cgroup for these limits; a test
 * that needs one says why it cannot run rather than pass. */
static gboolean
have_cgroup (guint64 memory, gdouble cpus)
{
  FfLocalCgroupSource source = { "/proc/self/cgroup", "/proc/self/mountinfo" };
  g_autoptr (GError) error = NULL;
  g_autoptr (FfLocalCgroup) cgroup = ff_local_cgroup_new (&source, memory, cpus, &error);

  g_autofree gchar *why = NULL;

  if (cgroup != NULL)
    return TRUE;
  why = g_strdup_printf ("no cgroup for a local run's limits on this machine: %s", error->message);
  g_test_skip (why);
  return FALSE;
}

/* Past mem_hard_limit the run ends as a container's does: killed by the
 * kernel, 137, the limit named. */
static void
test_memory_limit (void)
{
  const gchar *argv[] = { "python3", "-c", "x = b'x' * (256 << 20)\nprint('survived', len(x))",
                          NULL };
  g_autofree gchar *dir = make_pipeline_dir ();
  g_autoptr (FfRunRequest) request = request_new (dir, argv);
  g_autoptr (FfTestRun) run = NULL;
  g_autofree gchar *message = NULL;

  if (!have_cgroup (64 * MIB, 0))
    return;
  ff_run_request_set_memory_limit (request, 64 * MIB);
  run = run_request (request, TRUE);
  g_assert_cmpint (run->exit_code, ==, 137);
  g_assert_cmpint (run->reason, ==, FF_REASON_OOM_KILLED);
  message = ff_message_format (run->message);
  /* g_format_size puts a no-break space before the unit */
  g_assert_nonnull (strstr (message, "more memory than its limit of 64.0\xc2\xa0MiB"));
  g_assert_null (strstr (run->out->str, "survived"));
  /* killed before any sample could see it: the kernel's count says how
   * much it took (the run's summary showed 0 bytes) */
  g_test_message ("peak: %" G_GUINT64_FORMAT, ff_execution_get_memory_peak (run->execution));
  g_assert_cmpuint (ff_execution_get_memory_peak (run->execution), >=, 32 * MIB);
  g_assert_cmpuint (ff_execution_get_memory_peak (run->execution), <=, 64 * MIB);
  remove_pipeline_dir (dir);
}

/* Within the limit, nothing changes. */
static void
test_memory_limit_kept (void)
{
  const gchar *argv[] = { "python3", "-c", "x = b'x' * (8 << 20)\nprint('fits', len(x))", NULL };
  g_autofree gchar *dir = make_pipeline_dir ();
  g_autoptr (FfRunRequest) request = request_new (dir, argv);
  g_autoptr (FfTestRun) run = NULL;

  if (!have_cgroup (256 * MIB, 0))
    return;
  ff_run_request_set_memory_limit (request, 256 * MIB);
  run = run_request (request, TRUE);
  g_assert_cmpint (run->exit_code, ==, 0);
  assert_output (run->out, "fits 8388608\n");
  remove_pipeline_dir (dir);
}

/* cpu_hard_limit throttles: a program that spins for 1.5 s of wall time
 * gets about 0.1 s of CPU per second, not a whole core. */
static void
test_cpu_limit (void)
{
  const gchar *argv[] = { "python3", "-c",
                          "import os, time\n"
                          "end = time.monotonic() + 1.5\n"
                          "while time.monotonic() < end: pass\n"
                          "t = os.times()\n"
                          "print('%.2f' % (t.user + t.system))",
                          NULL };
  g_autofree gchar *dir = make_pipeline_dir ();
  g_autoptr (FfRunRequest) request = request_new (dir, argv);
  g_autoptr (FfTestRun) run = NULL;
  gdouble used;

  if (!have_cgroup (0, 0.1))
    return;
  ff_run_request_set_cpu_limit (request, 0.1);
  run = run_request (request, TRUE);
  g_assert_cmpint (run->exit_code, ==, 0);
  used = g_ascii_strtod (run->out->str, NULL);
  g_test_message ("CPU seconds in 1.5 s at cpu_hard_limit 0.1: %.2f", used);
  g_assert_cmpfloat (used, <, 0.6);
  remove_pipeline_dir (dir);
}

/* A machine without a cgroup for fastflowd: the run does not start, and
 * the message names the setting. */
static void
test_limits_refused (void)
{
  const gchar *argv[] = { "sh", "-c", "echo ran", NULL };
  g_autofree gchar *dir = make_pipeline_dir ();
  g_autofree gchar *empty = g_build_filename (dir, "empty", NULL);
  g_autoptr (FfLocalExecutor) executor = ff_local_executor_new ();
  const struct
  {
    guint64 memory;
    gdouble cpus;
    const gchar *named;
  } cases[] = {
    { 64 * MIB, 0, "The pipeline sets mem_hard_limit," },
    { 0, 0.5, "The pipeline sets cpu_hard_limit," },
    { 64 * MIB, 0.5, "The pipeline sets mem_hard_limit, cpu_hard_limit," },
  };

  g_assert_true (g_file_set_contents (empty, "", 0, NULL));
  ff_local_executor_set_cgroup_source (executor, empty, empty);
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (FfRunRequest) request = request_new (dir, argv);
      g_autoptr (FfTestRun) run = test_run_new (TRUE);
      g_autofree gchar *message = NULL;

      ff_run_request_set_memory_limit (request, cases[i].memory);
      ff_run_request_set_cpu_limit (request, cases[i].cpus);
      test_run_launch_on (run, executor, request);
      g_assert_null (run->execution);
      g_assert_error (run->launch_error, FF_EXECUTOR_ERROR, FF_REASON_REFUSED);
      message = ff_message_format (run->launch_error->message);
      g_assert_nonnull (strstr (message, cases[i].named));
      g_assert_nonnull (strstr (message, "the run does not start"));
    }
  remove_pipeline_dir (dir);
}

/* More cores than the machine has: lowered to them, with a note for the
 * run's log, and the run goes ahead. */
static void
test_cpu_clamped (void)
{
  const gchar *argv[] = { "sh", "-c", "echo ran", NULL };
  g_autofree gchar *dir = make_pipeline_dir ();
  g_autoptr (FfRunRequest) request = request_new (dir, argv);
  g_autoptr (FfTestRun) run = NULL;
  g_autofree gchar *note = NULL;
  g_autofree gchar *expected = g_strdup_printf (
      "cpu_hard_limit 4096 is more than the %u CPU cores the host of this run has; limited to %u",
      g_get_num_processors (), g_get_num_processors ());
  const gchar *const *notes;

  if (!have_cgroup (0, g_get_num_processors ()))
    return;
  ff_run_request_set_cpu_limit (request, 4096);
  run = run_request (request, TRUE);
  g_assert_cmpint (run->exit_code, ==, 0);
  assert_output (run->out, "ran\n");
  notes = ff_execution_get_notes (run->execution);
  g_assert_nonnull (notes);
  g_assert_cmpuint (g_strv_length ((gchar **) notes), ==, 1);
  note = ff_message_format (notes[0]);
  g_assert_cmpstr (note, ==, expected);
  g_assert_cmpfloat (ff_run_request_get_cpu_limit (request), ==, g_get_num_processors ());
  remove_pipeline_dir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/local-executor/exit-zero", test_exit_zero);
  g_test_add_func ("/local-executor/exit-three", test_exit_three);
  g_test_add_func ("/local-executor/streams", test_streams);
  g_test_add_func ("/local-executor/streams-closed-early", test_streams_closed_early);
  g_test_add_func ("/local-executor/all-bytes", test_all_bytes);
  g_test_add_func ("/local-executor/large-zero", test_large_zero);
  g_test_add_func ("/local-executor/large-pattern", test_large_pattern);
  g_test_add_func ("/local-executor/long-line", test_long_line);
  g_test_add_func ("/local-executor/env-and-cwd", test_env_and_cwd);
  g_test_add_func ("/local-executor/env-built", test_env_built);
  g_test_add_func ("/local-executor/env-pass-env", test_env_pass_env);
  g_test_add_func ("/local-executor/relative-command", test_relative_command);
  g_test_add_func ("/local-executor/missing-entry", test_missing_entry);
  g_test_add_func ("/local-executor/missing-folder", test_missing_folder);
  g_test_add_func ("/local-executor/missing-program", test_missing_program);
  g_test_add_func ("/local-executor/script-without-interpreter", test_script_without_interpreter);
  g_test_add_func ("/local-executor/path-of-the-daemon", test_path_of_the_daemon);
  g_test_add_func ("/local-executor/child-setup", test_child_setup);
  g_test_add_func ("/local-executor/signals", test_signals);
  g_test_add_func ("/local-executor/launch-cancelled", test_launch_cancelled);
  g_test_add_func ("/local-executor/cancel", test_cancel);
  g_test_add_func ("/local-executor/cancel-ignoring-term", test_cancel_ignoring_term);
  g_test_add_func ("/local-executor/background-grandchild", test_background_grandchild);
  g_test_add_func ("/local-executor/sample-busy", test_sample_busy);
  g_test_add_func ("/local-executor/sample-after-exit", test_sample_after_exit);
  g_test_add_func ("/local-executor/module", test_module);
  g_test_add_func ("/local-executor/memory-limit", test_memory_limit);
  g_test_add_func ("/local-executor/memory-limit-kept", test_memory_limit_kept);
  g_test_add_func ("/local-executor/cpu-limit", test_cpu_limit);
  g_test_add_func ("/local-executor/limits-refused", test_limits_refused);
  g_test_add_func ("/local-executor/cpu-clamped", test_cpu_clamped);
  return g_test_run ();
}
