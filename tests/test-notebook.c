/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "ff-test-daemon.h"

/* Notebook pipelines ("type": "notebook", main.ipynb) through a real
 * fastflowd and the local executor: fastflow's notebook runner runs the
 * code cells in one namespace, with Fast-Flow's cell retries, and a cell
 * that still fails names itself in the run's message. */

typedef struct
{
  const gchar *type;     /* "code", "markdown", "raw" */
  const gchar *source;   /* lines, split as Jupyter saves them */
  const gchar *fastflow; /* (nullable) JSON of metadata.fastflow */
} Cell;

/* main.ipynb of @cells, in nbformat 4 as Jupyter writes it. */
static gchar *
make_notebook (const Cell *cells, gsize n_cells)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "cells");
  json_builder_begin_array (builder);
  for (gsize i = 0; i < n_cells; i++)
    {
      g_auto (GStrv) lines = g_strsplit (cells[i].source, "\n", -1);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "cell_type");
      json_builder_add_string_value (builder, cells[i].type);
      json_builder_set_member_name (builder, "metadata");
      if (cells[i].fastflow != NULL)
        {
          g_autofree gchar *metadata = g_strdup_printf ("{\"fastflow\": %s}", cells[i].fastflow);

          json_builder_add_value (builder, json_from_string (metadata, NULL));
        }
      else
        {
          json_builder_begin_object (builder);
          json_builder_end_object (builder);
        }
      json_builder_set_member_name (builder, "source");
      json_builder_begin_array (builder);
      for (guint j = 0; lines[j] != NULL; j++)
        {
          g_autofree gchar *line =
              lines[j + 1] != NULL ? g_strconcat (lines[j], "\n", NULL) : g_strdup (lines[j]);

          json_builder_add_string_value (builder, line);
        }
      json_builder_end_array (builder);
      if (g_str_equal (cells[i].type, "code"))
        {
          json_builder_set_member_name (builder, "outputs");
          json_builder_begin_array (builder);
          json_builder_end_array (builder);
          json_builder_set_member_name (builder, "execution_count");
          json_builder_add_null_value (builder);
        }
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "metadata");
  json_builder_begin_object (builder);
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "nbformat");
  json_builder_add_int_value (builder, 4);
  json_builder_set_member_name (builder, "nbformat_minor");
  json_builder_add_int_value (builder, 5);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  return json_generator_to_data (generator, NULL);
}

/* Each of @fragments in @text, in this order. */
static void
assert_in_order (const gchar *text, const gchar *const *fragments)
{
  const gchar *at = text;

  for (gsize i = 0; fragments[i] != NULL; i++)
    {
      const gchar *found = strstr (at, fragments[i]);

      if (found == NULL)
        g_error ("“%s” is not in the log after “%.*s”; the log:\n%s", fragments[i],
                 (gint) MIN (at - text, 60), at - MIN (at - text, 60), text);
      at = found + strlen (fragments[i]);
    }
}

/* Runs @pipeline (run @id) to its end with @exit_code; its output, as
 * followed and as saved, has @expected in order. */
static gchar *
run_expecting (FfTestDaemon *d,
               const gchar *pipeline,
               const gchar *id,
               gint exit_code,
               const gchar *const *expected)
{
  g_autofree gchar *err = NULL, *logs = NULL;
  gchar *out = NULL;

  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "run", pipeline, NULL), ==, exit_code);
  g_test_message ("%s", out);
  assert_in_order (out, expected);
  g_assert_cmpint (ff_test_daemon_ctl (d, &logs, &err, "logs", id, NULL), ==, 0);
  assert_in_order (logs, expected);
  return out;
}

static JsonObject *
get_status (FfTestDaemon *d, const gchar *id, JsonNode **node)
{
  g_autofree gchar *out = NULL, *err = NULL;

  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "status", "--json", id, NULL), ==, 0);
  *node = json_from_string (out, NULL);
  g_assert_nonnull (*node);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (*node));
  return json_node_get_object (*node);
}

/* A cell that fails twice and then passes, with retries: 2 from
 * pipeline.json: the whole cell runs again in the same namespace (its
 * counter goes on), each attempt under its marker; markdown and raw cells
 * are skipped and not counted; a variable of the first code cell is there
 * in the third. */
static void
test_retries (void)
{
  const Cell cells[] = {
    { "markdown", "# A notebook\nwith `raise` in markdown", NULL },
    { "code", "shared = 41\nprint('cell zero')", NULL },
    { "raw", "raise SystemExit(9)", NULL },
    { "code",
      "# flaky\nattempts = globals().get('attempts', 0) + 1\nprint('attempt', attempts)\n"
      "if attempts < 3:\n    raise RuntimeError('flaky %d' % attempts)",
      NULL },
    { "code", "import sys\nprint('answer', shared + 1)\nprint('on stderr', file=sys.stderr)",
      NULL },
  };
  const gchar *expected[] = {
    "[fastflow] cell 0: shared = 41\n",
    "cell zero\n",
    "[fastflow] cell 1: # flaky\n",
    "attempt 1\n",
    "Traceback (most recent call last):\n",
    "RuntimeError: flaky 1\n",
    "[fastflow] cell 1 attempt 1 of 3 failed; next attempt in 0 s\n",
    "[fastflow] cell 1: # flaky (attempt 2 of 3)\n",
    "attempt 2\n",
    "RuntimeError: flaky 2\n",
    "[fastflow] cell 1 attempt 2 of 3 failed; next attempt in 0 s\n",
    "[fastflow] cell 1: # flaky (attempt 3 of 3)\n",
    "attempt 3\n",
    "[fastflow] cell 2: import sys\n",
    "answer 42\n",
    "on stderr\n",
    NULL,
  };
  g_autoptr (FfTestDaemon) d = ff_test_daemon_new ();
  g_autofree gchar *notebook = make_notebook (cells, G_N_ELEMENTS (cells));
  g_autofree gchar *out = NULL, *err = NULL;

  ff_test_daemon_add_pipeline (d, "flaky", "main.ipynb", notebook, "pipeline.json",
                               "{\"type\": \"notebook\", \"cells\": [{}, "
                               "{\"retries\": 2, \"delay_seconds\": 0}]}",
                               NULL);
  ff_test_daemon_start (d, NULL);

  out = run_expecting (d, "flaky", "1", 0, expected);
  g_assert_null (strstr (out, "attempt 4"));
  g_assert_null (strstr (out, "RuntimeError: flaky 3"));
  ff_test_daemon_stop (d);
}

/* A cell that still fails after its retries: a Pipeline Error whose
 * message names the cell, its traceback in the log, the later cells not
 * run, and no run-level retry (as in Fast-Flow). The cell's metadata
 * overrides pipeline.json's retries, and only that field. */
static void
test_failed_cell (void)
{
  const Cell cells[] = {
    { "code", "print('before')", NULL },
    { "code", "# fails always\nprint('trying')\nraise ValueError('never works')",
      "{\"retries\": 1}" },
    { "code", "print('after')", NULL },
  };
  const gchar *expected[] = {
    "[fastflow] cell 0: print('before')\n",
    "before\n",
    "[fastflow] cell 1: # fails always\n",
    "trying\n",
    "ValueError: never works\n",
    "[fastflow] cell 1 attempt 1 of 2 failed; next attempt in 0 s\n",
    "[fastflow] cell 1: # fails always (attempt 2 of 2)\n",
    "trying\n",
    "Traceback (most recent call last):\n",
    "  File \"<cell 1>\", line 3, in <module>\n",
    "ValueError: never works\n",
    "[fastflow] cell 1 failed (attempts: 2): # fails always\n",
    NULL,
  };
  g_autoptr (FfTestDaemon) d = ff_test_daemon_new ();
  g_autofree gchar *notebook = make_notebook (cells, G_N_ELEMENTS (cells));
  g_autofree gchar *out = NULL, *err = NULL, *text = NULL;
  g_autoptr (JsonNode) node = NULL;
  JsonObject *status;

  ff_test_daemon_add_pipeline (d, "failing", "main.ipynb", notebook, "pipeline.json",
                               "{\"type\": \"notebook\", \"retry_attempts\": 2, \"cells\": [{}, "
                               "{\"retries\": 5, \"delay_seconds\": 0}]}",
                               NULL);
  ff_test_daemon_start (d, NULL);

  out = run_expecting (d, "failing", "1", 1, expected);
  g_assert_true (
      g_str_has_suffix (out, "[fastflow] cell 1 failed (attempts: 2): # fails always\n"));
  g_assert_null (strstr (out, "after"));
  g_assert_null (strstr (out, "cell 2"));
  g_assert_null (strstr (out, "Attempt 2"));

  status = get_status (d, "1", &node);
  g_assert_cmpstr (json_object_get_string_member (status, "state"), ==, "failed");
  g_assert_cmpstr (json_object_get_string_member (status, "error_class"), ==, "pipeline");
  g_assert_cmpstr (json_object_get_string_member (status, "reason"), ==, "exit-code");
  g_assert_cmpstr (json_object_get_string_member (status, "message"), ==,
                   "The pipeline exited with code 1: "
                   "Notebook cell 1 failed (attempts: 2): # fails always");
  g_assert_cmpint (ff_test_daemon_ctl (d, &text, &err, "status", "1", NULL), ==, 0);
  g_assert_nonnull (strstr (text, "Notebook cell 1 failed (attempts: 2): # fails always"));
  ff_test_daemon_stop (d);
}

/* Fast-Flow's defaults: a cell without settings gets no retry; with only
 * metadata.fastflow.retries it waits 1 s. A notebook that is not one
 * fails with the runner's message, and names no cell. */
static void
test_defaults_and_bad_notebook (void)
{
  const Cell cells[] = {
    { "code", "import time\nstart = time.monotonic()", NULL },
    { "code", "n = globals().get('n', 0) + 1\nassert n > 1, 'first try'", "{\"retries\": 1}" },
    { "code", "waited = time.monotonic() - start\nprint('waited', waited >= 1)", NULL },
    { "code", "raise KeyError('once')", NULL },
  };
  const gchar *expected[] = {
    "[fastflow] cell 1 attempt 1 of 2 failed; next attempt in 1 s\n",
    "waited True\n",
    "KeyError: 'once'\n",
    "[fastflow] cell 3 failed (attempts: 1): raise KeyError('once')\n",
    NULL,
  };
  g_autoptr (FfTestDaemon) d = ff_test_daemon_new ();
  g_autofree gchar *notebook = make_notebook (cells, G_N_ELEMENTS (cells));
  g_autofree gchar *out = NULL, *err = NULL;
  g_autoptr (JsonNode) node = NULL;
  JsonObject *status;

  ff_test_daemon_add_pipeline (d, "defaults", "main.ipynb", notebook, "pipeline.json",
                               "{\"type\": \"notebook\"}", NULL);
  ff_test_daemon_add_pipeline (d, "not-a-notebook", "main.ipynb", "{\"nbformat\": 3}",
                               "pipeline.json", "{\"type\": \"notebook\"}", NULL);
  ff_test_daemon_start (d, NULL);

  out = run_expecting (d, "defaults", "1", 1, expected);
  status = get_status (d, "1", &node);
  g_assert_cmpstr (json_object_get_string_member (status, "message"), ==,
                   "The pipeline exited with code 1: "
                   "Notebook cell 3 failed (attempts: 1): raise KeyError('once')");
  g_clear_pointer (&node, json_node_unref);

  g_assert_cmpint (ff_test_daemon_ctl (d, &out, &err, "run", "not-a-notebook", NULL), ==, 2);
  g_assert_nonnull (strstr (out, "[fastflow] the notebook cannot run: main.ipynb has no "
                                 "“cells” list; fastflow runs notebooks of format 4"));
  status = get_status (d, "2", &node);
  g_assert_cmpstr (json_object_get_string_member (status, "reason"), ==, "exit-code");
  g_assert_null (
      strstr (json_object_get_string_member_with_default (status, "message", ""), "cell"));
  ff_test_daemon_stop (d);
}

/* The runner needs nothing but Python's standard library: with a Python
 * that sees no site-packages (-I -S), plain cells run, and a cell with
 * IPython lines fails saying what it needs. */
static void
test_standard_library_only (void)
{
  const Cell cells[] = {
    { "code", "import json\nprint(json.dumps({'plain': True}))", NULL },
    { "code", "!echo from a shell\n%time x = 1", NULL },
  };
  const gchar *expected[] = {
    "[fastflow] cell 0: import json\n",
    "{\"plain\": true}\n",
    "[fastflow] cell 1: !echo from a shell\n",
    "Error: this cell has IPython lines (%, %% or !), which need IPython: add ipykernel to the "
    "pipeline's requirements.txt\n",
    "[fastflow] cell 1 failed (attempts: 1): !echo from a shell\n",
    NULL,
  };
  g_autoptr (FfTestDaemon) d = ff_test_daemon_new ();
  g_autofree gchar *notebook = make_notebook (cells, G_N_ELEMENTS (cells));
  g_autofree gchar *python = g_build_filename (d->tmpdir, "python-without-packages", NULL);
  g_autofree gchar *config = g_strdup_printf ("[daemon]\npython=%s\n", python);
  g_autofree gchar *out = NULL;
  g_autoptr (GError) error = NULL;

  g_file_set_contents (python, "#!/bin/sh\nexec python3 -I -S \"$@\"\n", -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (python, 0755), ==, 0);
  g_file_set_contents (d->config_path, config, -1, &error);
  g_assert_no_error (error);
  ff_test_daemon_add_pipeline (d, "plain", "main.ipynb", notebook, "pipeline.json",
                               "{\"type\": \"notebook\"}", NULL);
  ff_test_daemon_start (d, NULL);
  out = run_expecting (d, "plain", "1", 1, expected);
  g_assert_null (strstr (out, "from a shell\n[fastflow]"));
  ff_test_daemon_stop (d);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/notebook/retries", test_retries);
  g_test_add_func ("/notebook/failed-cell", test_failed_cell);
  g_test_add_func ("/notebook/defaults-and-bad-notebook", test_defaults_and_bad_notebook);
  g_test_add_func ("/notebook/standard-library-only", test_standard_library_only);
  return g_test_run ();
}
