/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "ff-run-notebook.h"

/* A notebook pipeline runs as {python, TOOLS/ff-notebook-runner.py,
 * "main.ipynb", "--cells", …}: the runner runs the code cells in one
 * Python process with their retries (tools/ff-notebook-runner.py).
 *
 * A cell that still fails after its retries makes the runner exit 1 with
 * "[fastflow] cell N failed (attempts: K): FIRST LINE" as the last line of
 * its output, from which the run's message is made. The channel is the
 * output because every executor carries it already, the swarm's too; a
 * file next to the route file would need a mount of its own in each
 * executor. It is read only for notebook pipelines, whose last line is the
 * runner's own; nothing else depends on it. */

/* The last line is a few dozen bytes: the runner cuts the cell's line. */
#define TAIL_MAX 512

gchar **
ff_notebook_runner_argv (const gchar *const *entry_argv, const gchar *tools_path)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  g_autofree gchar *runner = g_build_filename (tools_path, FF_NOTEBOOK_RUNNER, NULL);

  g_strv_builder_add (builder, entry_argv[0]);
  g_strv_builder_add (builder, runner);
  g_strv_builder_addv (builder, (const gchar **) entry_argv + 1);
  return g_strv_builder_end (builder);
}

/* For a notebook pipeline: the tools folder shown to the run (read-only)
 * and @argv, as ff_pipeline_dup_entry_argv() made it, turned into the
 * runner's command. */
void
ff_run_job_use_notebook_runner (
    FfRunJob *self, FfPipeline *pipeline, FfExecutor *executor, FfRunRequest *request, GStrv *argv)
{
  const gchar *tools = ff_config_get_tools_dir (self->host->config);
  g_autofree gchar *seen = NULL;
  gchar **runner_argv;

  self->notebook = ff_pipeline_is_notebook (pipeline);
  if (!self->notebook)
    return;
  seen = ff_executor_get_folder_path (executor, FF_RUN_FOLDER_TOOLS, tools);
  ff_run_request_set_folder (request, FF_RUN_FOLDER_TOOLS, tools, FALSE);
  runner_argv = ff_notebook_runner_argv ((const gchar *const *) *argv, seen);
  g_strfreev (*argv);
  *argv = runner_argv;
}

/* Keeps the end of a notebook run's output, for its last line. */
void
ff_run_job_watch_notebook (FfRunJob *self, GBytes *data)
{
  gsize len;
  const guint8 *buf = g_bytes_get_data (data, &len);

  if (!self->notebook)
    return;
  if (self->notebook_tail == NULL)
    self->notebook_tail = g_byte_array_new ();
  if (len >= TAIL_MAX)
    {
      g_byte_array_set_size (self->notebook_tail, 0);
      buf += len - TAIL_MAX;
      len = TAIL_MAX;
      self->notebook_tail_cut = TRUE;
    }
  else if (self->notebook_tail->len + len > TAIL_MAX)
    {
      g_byte_array_remove_range (self->notebook_tail, 0, self->notebook_tail->len + len - TAIL_MAX);
      self->notebook_tail_cut = TRUE;
    }
  g_byte_array_append (self->notebook_tail, buf, len);
}

/* (nullable) the whole last line of the tail, without its newline */
static gchar *
dup_last_line (FfRunJob *self)
{
  GByteArray *tail = self->notebook_tail;
  g_autofree gchar *text = NULL;
  gchar *start;

  if (tail == NULL || tail->len == 0)
    return NULL;
  text = g_strndup ((const gchar *) tail->data, tail->len);
  g_strchomp (text);
  start = strrchr (text, '\n');
  if (start == NULL && self->notebook_tail_cut)
    return NULL;
  return g_strdup (start != NULL ? start + 1 : text);
}

/* (nullable) the message of a notebook run whose cell failed: the cell's
 * index and first line, as the runner's last line names them */
gchar *
ff_run_job_take_failed_cell (FfRunJob *self)
{
  g_autofree gchar *line = dup_last_line (self);
  g_autoptr (GMatchInfo) match = NULL;
  g_autoptr (GRegex) regex = NULL;
  g_autofree gchar *index = NULL;
  g_autofree gchar *attempts = NULL;
  g_autofree gchar *source = NULL;
  g_autofree gchar *hidden = NULL;

  g_clear_pointer (&self->notebook_tail, g_byte_array_unref);
  self->notebook_tail_cut = FALSE;
  if (!self->notebook || line == NULL || !g_utf8_validate (line, -1, NULL))
    return NULL;
  regex = g_regex_new ("^\\[fastflow\\] cell ([0-9]+) failed \\(attempts: ([0-9]+)\\): (.+)$", 0, 0,
                       NULL);
  if (!g_regex_match (regex, line, 0, &match))
    return NULL;
  index = g_match_info_fetch (match, 1);
  attempts = g_match_info_fetch (match, 2);
  source = g_match_info_fetch (match, 3);
  hidden = ff_run_job_mask (self, source);
  /* TRANSLATORS: the index of the code cell (0 = the first), how often it
   * ran, then the first line of its code */
  return ff_message_new (GETTEXT_PACKAGE, N_ ("Notebook cell %s failed (attempts: %s): %s"), index,
                         attempts, hidden, NULL);
}
