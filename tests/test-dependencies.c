/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ff-test-daemon.h"

/* Dependency environments with the local executor (issue 17): a pipeline
 * with requirements.txt runs with exactly those packages, from wheels the
 * test makes itself (tests/make-wheel.py): nothing is downloaded. */

static gchar *wheels_dir;

#define PRINT_VALUE "import ffdemo\nprint('VALUE=' + ffdemo.VALUE)\n"
/* ... and whether the run is in its environment as `activate` would put
 * it: VIRTUAL_ENV set, its bin first on PATH */
#define PRINT_VALUE_AND_VENV                                                                       \
  PRINT_VALUE                                                                                      \
      "import os, shutil\n"                                                                        \
      "venv = os.environ.get('VIRTUAL_ENV', '')\n"                                                 \
      "ok = venv != '' and shutil.which('python') == os.path.join(venv, 'bin', 'python')\n"        \
      "print('venv-ok' if ok else 'venv-missing')\n"

static void
make_wheel (const gchar *name, const gchar *version)
{
  g_autofree gchar *script = g_test_build_filename (G_TEST_DIST, "make-wheel.py", NULL);
  g_autoptr (GError) error = NULL;
  gint status = 0;

  g_spawn_sync (NULL,
                (gchar *[]){ (gchar *) "python3", script, wheels_dir, (gchar *) name,
                             (gchar *) version, NULL },
                NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, NULL,
                &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
}

/* A daemon with @daemon_config in [daemon] and @deps_config in
 * [dependencies]; without it, packages come from the test's wheels only. */
static FfTestDaemon *
start_daemon_with (const gchar *daemon_config, const gchar *deps_config)
{
  FfTestDaemon *d = ff_test_daemon_new ();
  g_autofree gchar *offline = NULL;
  g_autofree gchar *conf = NULL;
  g_autoptr (GError) error = NULL;

  offline = g_strdup_printf ("find_links = %s\noffline = true\n", wheels_dir);
  conf = g_strdup_printf ("[daemon]\n%s\n[dependencies]\n%s\n",
                          daemon_config != NULL ? daemon_config : "",
                          deps_config != NULL ? deps_config : offline);
  g_file_set_contents (d->config_path, conf, -1, &error);
  g_assert_no_error (error);
  return d;
}

static FfTestDaemon *
start_daemon (const gchar *deps_config)
{
  return start_daemon_with (NULL, deps_config);
}

static JsonObject *
get_status (FfTestDaemon *d, const gchar *id, JsonNode **node)
{
  g_autofree gchar *out = NULL, *err = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();

  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "status", "--json", id, NULL), ==, 0);
  g_assert_true (json_parser_load_from_data (parser, out, -1, NULL));
  *node = json_node_copy (json_parser_get_root (parser));
  return json_node_get_object (*node);
}

static gchar *
run_detached (FfTestDaemon *d, const gchar *pipeline)
{
  g_autofree gchar *out = NULL, *err = NULL;

  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "run", pipeline, "--detach", NULL), ==, 0);
  return g_strchomp (g_steal_pointer (&out));
}

/* `logs --follow` returns once the run has finished, with its exit code:
 * its whole log. */
static gchar *
wait_finished (FfTestDaemon *d, const gchar *id, gint code)
{
  g_autofree gchar *err = NULL;
  gchar *out = NULL;

  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "logs", "--follow", id, NULL), ==, code);
  return out;
}

static guint
count_envs (FfTestDaemon *d)
{
  g_autofree gchar *dir = g_build_filename (d->state_dir, "envs", NULL);
  g_autoptr (GDir) envs = g_dir_open (dir, 0, NULL);
  guint n = 0;

  while (envs != NULL && g_dir_read_name (envs) != NULL)
    n++;
  return n;
}

static void
write_file (FfTestDaemon *d, const gchar *pipeline, const gchar *name, const gchar *content)
{
  g_autofree gchar *path = g_build_filename (d->pipelines_dir, pipeline, name, NULL);
  g_autoptr (GError) error = NULL;

  g_file_set_contents (path, content, -1, &error);
  g_assert_no_error (error);
}

/* The first run builds, the second reuses; a changed requirements.txt
 * gets a new environment; requirements.txt.lock wins. */
static void
test_build_and_reuse (void)
{
  g_autoptr (FfTestDaemon) d = start_daemon (NULL);
  g_autofree gchar *out = NULL, *err = NULL;

  ff_test_daemon_add_pipeline (d, "deps", "main.py", PRINT_VALUE_AND_VENV, "requirements.txt",
                               "ffdemo==1\n", NULL);
  ff_test_daemon_start (d, NULL);

  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "run", "deps", NULL), ==, 0);
  g_test_message ("first run: %s", out);
  g_assert_nonnull (strstr (out, "[fastflow] Preparing environment"));
  g_assert_nonnull (strstr (out, "installed 1 package in"));
  g_assert_nonnull (strstr (out, "[fastflow] Environment ready"));
  g_assert_nonnull (strstr (out, "VALUE=1\nvenv-ok\n"));
  g_assert_cmpuint (count_envs (d), ==, 1);

  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "run", "deps", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "VALUE=1\nvenv-ok\n");

  write_file (d, "deps", "requirements.txt", "ffdemo==2\n");
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "run", "deps", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "installed 1 package in"));
  g_assert_nonnull (strstr (out, "VALUE=2\n"));
  g_assert_cmpuint (count_envs (d), ==, 2);

  /* the lock wins, and is an environment of its own (the one of ffdemo==1
   * has other bytes) */
  write_file (d, "deps", "requirements.txt.lock", "ffdemo==1 # locked\n");
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "run", "deps", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "installing requirements.txt.lock"));
  g_assert_nonnull (strstr (out, "VALUE=1\n"));
  g_assert_cmpuint (count_envs (d), ==, 3);

  /* the sweep at the next start keeps what a pipeline needs (the lock's),
   * removes the rest */
  ff_test_daemon_stop (d);
  ff_test_daemon_start (d, NULL);
  g_assert_cmpuint (count_envs (d), ==, 1);
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "run", "deps", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "VALUE=1\nvenv-ok\n");
}

/* requirements.txt names a FIFO (-r gate.txt): pip blocks reading it until
 * the test writes it, so the build is known to be going on meanwhile. */
typedef struct
{
  gchar *path;
  gint fd;
} Gate;

/* The FIFO has a reader (the build) once a non-blocking open for writing
 * succeeds; nothing announces it, so it is asked. */
static gboolean
gate_has_reader (gpointer data)
{
  Gate *gate = data;

  gate->fd = g_open (gate->path, O_WRONLY | O_NONBLOCK | O_CLOEXEC, 0);
  if (gate->fd < 0)
    g_assert_cmpint (errno, ==, ENXIO);
  return gate->fd >= 0;
}

static gint
open_gate (FfTestDaemon *d, const gchar *pipeline)
{
  g_autofree gchar *path = g_build_filename (d->pipelines_dir, pipeline, "gate.txt", NULL);
  Gate gate = { path, -1 };

  ff_test_poll_until (gate_has_reader, &gate);
  return gate.fd;
}

static void
add_gated_pipeline (FfTestDaemon *d, const gchar *name)
{
  g_autofree gchar *fifo = NULL;

  ff_test_daemon_add_pipeline (d, name, "main.py", PRINT_VALUE, "requirements.txt", "-r gate.txt\n",
                               NULL);
  fifo = g_build_filename (d->pipelines_dir, name, "gate.txt", NULL);
  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
}

/* Starts the daemon and a run of a gated pipeline; returns once its build
 * is reading the gate (*gate: its write end) with the run's id. */
static gchar *
start_gated_run (FfTestDaemon *d, gint *gate)
{
  gchar *id;

  add_gated_pipeline (d, "gated");
  ff_test_daemon_start (d, NULL);
  id = run_detached (d, "gated");
  *gate = open_gate (d, "gated");
  return id;
}

typedef struct
{
  FfTestDaemon *d;
  const gchar *id;
  const gchar *text;
} StatusWait;

static gboolean
message_has (gpointer data)
{
  StatusWait *wait = data;
  g_autoptr (JsonNode) node = NULL;
  JsonObject *status = get_status (wait->d, wait->id, &node);

  return strstr (json_object_get_string_member (status, "message"), wait->text) != NULL;
}

static gboolean
state_is (gpointer data)
{
  StatusWait *wait = data;
  g_autoptr (JsonNode) node = NULL;
  JsonObject *status = get_status (wait->d, wait->id, &node);

  return g_str_equal (json_object_get_string_member (status, "state"), wait->text);
}

/* Two runs that need the same new environment build it once; while the
 * build goes, `status` says so. */
static void
test_concurrent (void)
{
  g_autoptr (FfTestDaemon) d = start_daemon (NULL);
  g_autoptr (JsonNode) node = NULL;
  g_autofree gchar *first = NULL, *second = NULL, *log1 = NULL, *log2 = NULL;
  JsonObject *status;
  gint gate;

  first = start_gated_run (d, &gate);
  second = run_detached (d, "gated");
  /* the second waits for the first's build, and says so */
  ff_test_wait_until_within (message_has,
                             &(StatusWait){ d, second, "is installing the same requirements.txt" },
                             30, "the second run to wait for the first one's build");

  status = get_status (d, first, &node);
  g_assert_cmpstr (json_object_get_string_member (status, "state"), ==, "starting");
  g_assert_nonnull (strstr (json_object_get_string_member (status, "message"),
                            "Preparing the environment (requirements.txt)"));
  g_assert_cmpint (write (gate, "ffdemo==2\n", 10), ==, 10);
  g_close (gate, NULL);

  log1 = wait_finished (d, first, 0);
  log2 = wait_finished (d, second, 0);
  g_test_message ("first: %s\nsecond: %s", log1, log2);
  g_assert_nonnull (strstr (log1, "installed 1 package in"));
  g_assert_nonnull (strstr (log1, "VALUE=2\n"));
  g_assert_null (strstr (log2, "installed"));
  g_assert_nonnull (strstr (log2, "is installing the same requirements.txt; waiting for it"));
  g_assert_nonnull (strstr (log2, "VALUE=2\n"));
  g_clear_pointer (&node, json_node_unref);
  status = get_status (d, second, &node);
  g_assert_cmpstr (json_object_get_string_member (status, "state"), ==, "succeeded");
  g_assert_cmpuint (count_envs (d), ==, 1);
}

/* A run cancelled while its environment is built stops the build. */
static void
test_cancel_during_build (void)
{
  g_autoptr (FfTestDaemon) d = start_daemon (NULL);
  g_autofree gchar *id = NULL, *out = NULL, *err = NULL, *log = NULL;
  gint gate;

  id = start_gated_run (d, &gate);
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "cancel", id, NULL), ==, 0);
  /* the build still holds the gate open: only its stop ends the run */
  ff_test_wait_until_within (state_is, &(StatusWait){ d, id, "cancelled" }, 30,
                             "the run to be cancelled while its environment is built");
  g_close (gate, NULL);
  log = wait_finished (d, id, 130);
  g_assert_null (strstr (log, "VALUE="));
}

/* A requirement that does not exist: Pipeline Error naming it. */
static void
test_bad_requirement (void)
{
  g_autoptr (FfTestDaemon) d = start_daemon (NULL);
  g_autoptr (JsonNode) node = NULL;
  g_autofree gchar *out = NULL, *err = NULL, *id = NULL, *log = NULL;
  JsonObject *status;
  gint status_code;

  ff_test_daemon_add_pipeline (d, "bad", "main.py", PRINT_VALUE, "requirements.txt",
                               "no-such-package-xyz==1.0\n", NULL);
  ff_test_daemon_start (d, NULL);
  status_code = ff_test_daemon_ctl (d, &out, &err, "run", "bad", NULL);
  g_test_message ("bad: %s / %s", out, err);
  g_assert_cmpint (status_code, ==, 65);
  id = run_detached (d, "bad");
  log = wait_finished (d, id, 65);
  g_assert_nonnull (strstr (log, "no-such-package-xyz"));
  g_assert_null (strstr (log, "VALUE="));
  status = get_status (d, id, &node);
  g_assert_cmpstr (json_object_get_string_member (status, "error_class"), ==, "pipeline");
  g_assert_cmpstr (json_object_get_string_member (status, "reason"), ==, "dependencies-failed");
  g_assert_nonnull (
      strstr (json_object_get_string_member (status, "message"), "no-such-package-xyz"));
}

/* An index that cannot be reached: Infrastructure Error, exit 125. */
static void
test_unreachable_index (void)
{
  g_autofree gchar *conf =
      g_strdup_printf ("index_url = http://127.0.0.1:%u/simple\n", ff_test_free_port ());
  g_autoptr (FfTestDaemon) d = start_daemon (conf);
  g_autoptr (JsonNode) node = NULL;
  g_autofree gchar *out = NULL, *err = NULL, *id = NULL;
  JsonObject *status;

  ff_test_daemon_add_pipeline (d, "deps", "main.py", PRINT_VALUE, "requirements.txt", "ffdemo==1\n",
                               NULL);
  ff_test_daemon_start (d, NULL);
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "run", "deps", NULL), ==, 125);
  g_assert_nonnull (strstr (out, "cannot reach the package index http://127.0.0.1:"));
  id = run_detached (d, "deps");
  g_free (wait_finished (d, id, 125));
  status = get_status (d, id, &node);
  g_assert_cmpstr (json_object_get_string_member (status, "error_class"), ==, "infrastructure");
  g_assert_cmpstr (json_object_get_string_member (status, "reason"), ==, "index-unreachable");
}

/* python_version picks the interpreter, never silently another: not the
 * default Python ([daemon] python, here a stand-in that says so). */
static void
test_python_version (void)
{
  g_autoptr (FfTestDaemon) d = NULL;
  g_autoptr (JsonNode) node = NULL;
  g_autofree gchar *out = NULL, *err = NULL, *id = NULL;
  g_autofree gchar *which = g_find_program_in_path ("python3.11");
  g_autofree gchar *fake = NULL, *python = NULL;
  JsonObject *status;

  fake = g_build_filename (g_get_tmp_dir (), "ff-test-default-python-XXXXXX", NULL);
  g_close (g_mkstemp (fake), NULL);
  g_assert_true (g_file_set_contents (fake, "#!/bin/sh\necho the-default-python\n", -1, NULL));
  g_assert_cmpint (g_chmod (fake, 0755), ==, 0);
  python = g_strdup_printf ("python = %s", fake);
  d = start_daemon_with (python, NULL);

  ff_test_daemon_add_pipeline (d, "future", "main.py", "print('ran')\n", "pipeline.json",
                               "{\"python_version\": \"3.99\"}", NULL);
  ff_test_daemon_add_pipeline (d, "py311", "main.py",
                               "import sys\nprint('%d.%d' % sys.version_info[:2])\n",
                               "pipeline.json", "{\"python_version\": \"3.11\"}", NULL);
  ff_test_daemon_start (d, NULL);

  id = run_detached (d, "future");
  out = wait_finished (d, id, 127);
  g_assert_null (strstr (out, "ran"));
  status = get_status (d, id, &node);
  g_assert_cmpstr (json_object_get_string_member (status, "state"), ==, "failed");
  g_assert_nonnull (strstr (json_object_get_string_member (status, "message"), "Python 3.99"));

  g_assert_nonnull (which); /* this machine has python3.11 (tests/README) */
  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "run", "py311", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "3.11\n");
  g_unlink (fake);
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  gint status;

  g_test_init (&argc, &argv, NULL);
  wheels_dir = g_dir_make_tmp ("fastflow-wheels-XXXXXX", &error);
  g_assert_no_error (error);
  make_wheel ("ffdemo", "1");
  make_wheel ("ffdemo", "2");

  g_test_add_func ("/dependencies/build-and-reuse", test_build_and_reuse);
  g_test_add_func ("/dependencies/concurrent", test_concurrent);
  g_test_add_func ("/dependencies/cancel-during-build", test_cancel_during_build);
  g_test_add_func ("/dependencies/bad-requirement", test_bad_requirement);
  g_test_add_func ("/dependencies/unreachable-index", test_unreachable_index);
  g_test_add_func ("/dependencies/python-version", test_python_version);
  status = g_test_run ();
  ff_test_remove_tree (wheels_dir);
  g_free (wheels_dir);
  return status;
}
