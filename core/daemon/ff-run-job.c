/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ff-encrypted-env.h"
#include "ff-run-job-private.h"
#include "ff-run-notebook.h"
#include "ff-run-policy.h"

G_DEFINE_FINAL_TYPE (FfRunJob, ff_run_job, G_TYPE_OBJECT)

enum
{
  SIGNAL_STARTED,
  SIGNAL_OUTPUT,
  SIGNAL_ENDED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* The run's files sit next to its log: ID.SUFFIX in the logs folder. */
gchar *
ff_run_job_dup_path (FfRunJob *self, const gchar *suffix)
{
  g_autofree gchar *name =
      g_strdup_printf ("%" G_GUINT64_FORMAT ".%s", ff_run_get_id (self->run), suffix);

  return g_build_filename (self->host->logs_dir, name, NULL);
}

void
ff_run_job_emit_started (FfRunJob *self, gboolean reattached)
{
  g_signal_emit (self, signals[SIGNAL_STARTED], 0, reattached);
}

void
ff_run_job_emit_ended (FfRunJob *self, FfReason reason, gint exit_code, const gchar *message)
{
  g_signal_emit (self, signals[SIGNAL_ENDED], 0, (gint) reason, exit_code, message);
}

/* 1: the route file */

/* The route file is the one file of the state folder a run writes, so it
 * must be writable by the run's user, and by nobody else who could read it.
 * Other users of the host never reach it: logs/ is 0700 (ff-state-files).
 * A local run is fastflowd's own user: 0600. A container's user is another
 * uid unless [executor.NAME] user names fastflowd's own; and containers run
 * with CapDrop ALL, so not even their root may write a file of another uid
 * that is 0600 (unless fastflowd runs as root, or a rootless engine maps
 * the container's root to fastflowd's user: neither is known here). Then
 * 0622: the container writes it, only the owner reads it. */
static mode_t
route_file_mode (FfRunJob *self)
{
  const gchar *executor = ff_run_get_executor (self->run);
  g_autofree gchar *group = g_strconcat ("executor.", executor != NULL ? executor : "", NULL);
  g_autofree gchar *user = NULL;
  g_auto (GStrv) parts = NULL;
  guint64 uid;

  if (g_strcmp0 (executor, "local") == 0)
    return 0600;
  user = g_key_file_get_string (ff_config_get_keyfile (self->host->config), group, "user", NULL);
  if (user == NULL)
    return 0622;
  parts = g_strsplit (g_strstrip (user), ":", 2);
  if (g_ascii_string_to_unsigned (parts[0], 10, 0, G_MAXUINT32, &uid, NULL) &&
      uid == (guint64) geteuid ())
    return 0600;
  return 0622;
}

static gboolean
route_file_error (const gchar *path, gint saved_errno, GError **error)
{
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
               _ ("Cannot prepare the route file %s: %s"), path, g_strerror (saved_errno));
  return FALSE;
}

/* An empty file the run may write its route to. What stands in its place
 * is never followed: a stale file of an earlier attempt goes, anything else
 * (a symbolic link, a FIFO, a folder) is refused. */
static gboolean
create_route_file (FfRunJob *self, const gchar *path, GError **error)
{
  mode_t mode = route_file_mode (self);
  GStatBuf st;
  gint fd;

  if (g_lstat (path, &st) == 0)
    {
      if (!S_ISREG (st.st_mode))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS,
                       _ ("Cannot prepare the route file %s: something that is not a regular file "
                          "is in its place (a symbolic link?); fastflow neither follows nor "
                          "replaces it"),
                       path);
          return FALSE;
        }
      if (g_unlink (path) != 0 && errno != ENOENT)
        return route_file_error (path, errno, error);
    }
  /* not g_file_set_contents (a temporary file, a rename): work in the
   * state folder is the largest part left of a local run's cost (perf
   * during bench/local-executor) */
  fd = g_open (path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
  /* fchmod: past the umask */
  if (fd >= 0 && fchmod (fd, mode) == 0)
    return g_close (fd, error);
  if (fd >= 0)
    {
      gint saved_errno = errno;

      g_close (fd, NULL);
      return route_file_error (path, saved_errno, error);
    }
  return route_file_error (path, errno, error);
}

/* A route is a word or two; the file may be anything the run made of it. */
#define ROUTE_READ_MAX 4096

/* The first line the run wrote to its route file, then the file is gone.
 * One bounded read through a descriptor that follows no link and waits
 * for no writer: a 400 MB route file costs 4 KiB. A route is shown and
 * kept like output: with the run's secrets hidden. */
void
ff_run_job_take_route (FfRunJob *self)
{
  g_autofree gchar *path = ff_run_job_dup_path (self, "route");
  g_autofree gchar *hidden = NULL;
  gchar text[ROUTE_READ_MAX + 1];
  struct stat st;
  gssize n = -1;
  gint fd = g_open (path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, 0);

  g_unlink (path);
  if (fd < 0)
    return;
  if (fstat (fd, &st) == 0 && S_ISREG (st.st_mode))
    {
      do
        n = read (fd, text, ROUTE_READ_MAX);
      while (n < 0 && errno == EINTR);
    }
  g_close (fd, NULL);
  if (n <= 0)
    return;
  text[n] = '\0';
  text[strcspn (text, "\r\n")] = '\0';
  g_strstrip (text);
  if (*text == '\0' || !g_utf8_validate (text, -1, NULL) || strlen (text) > 200)
    return;
  hidden = ff_run_job_mask (self, text);
  ff_run_set_route (self->run, hidden);
}

/* 2: recording output: mask → log → checkpoint → output */

/* After every write to the log: see FfRunCheckpoint. */
static void
save_position (FfRunJob *self)
{
  g_autoptr (GError) error = NULL;
  FfLogPosition pos = { ff_run_get_attempt (self->run), self->consumed,
                        ff_run_log_get_size (self->log), self->log_full };

  if (self->checkpoint == NULL || self->checkpoint_failed)
    return;
  if (!ff_run_checkpoint_save (self->checkpoint, &pos, &error))
    {
      /* the run goes on; only a restart could not follow it any more */
      g_warning ("%s", error->message);
      self->checkpoint_failed = TRUE;
    }
}

static void
record_output (FfRunJob *self, FfStream stream, GBytes *data)
{
  g_autoptr (GError) error = NULL;
  guint64 offset = ff_run_log_get_size (self->log);
  gsize len;
  const guint8 *buf = g_bytes_get_data (data, &len);

  if (len > 0)
    self->mid_line = buf[len - 1] != '\n';
  if (!self->log_failed && !ff_run_log_append_from (self->log, stream, buf, len, &error))
    {
      /* keep following: clients still get the output live */
      g_warning ("%s", error->message);
      self->log_failed = TRUE;
    }
  if (self->log_failed)
    return;
  save_position (self);
  g_signal_emit (self, signals[SIGNAL_OUTPUT], 0, offset, data);
}

/* fastflow's own word in a run's log, on a line of its own, so that whoever
 * reads the log sees it where it happened. */
void
ff_run_job_append_note (FfRunJob *self, const gchar *note)
{
  /* the log is text: a note is written in the daemon's words of the day */
  g_autofree gchar *words = ff_message_format (note);
  g_autofree gchar *line = g_strdup_printf ("%s[fastflow] %s\n", self->mid_line ? "\n" : "", words);
  g_autoptr (GBytes) data = g_bytes_new_take (line, strlen (line));

  g_steal_pointer (&line);
  /* on stdout, where the log had all of it before there were streams */
  record_output (self, FF_STREAM_STDOUT, data);
}

/* A run that prints without end fills neither the disk nor the daemon: its
 * log stops at max_log_bytes, with a line that says so. */
static void
keep_output (FfRunJob *self, FfStream stream, GBytes *data)
{
  guint64 cap = ff_config_get_max_log_bytes (self->host->config);
  guint64 size = ff_run_log_get_size (self->log);
  g_autoptr (GBytes) head = NULL;
  g_autofree gchar *limit = NULL;
  g_autofree gchar *note = NULL;
  g_autoptr (GBytes) rest = NULL;
  gsize len = g_bytes_get_size (data);

  /* A re-attached execution sends the attempt's output from its start;
   * the log has the first `consumed` bytes of it already. */
  if (self->skip > 0)
    {
      gsize skipped = (gsize) MIN (self->skip, (guint64) len);

      self->skip -= skipped;
      if (skipped == len)
        return;
      rest = g_bytes_new_from_bytes (data, skipped, len - skipped);
      data = rest;
      len -= skipped;
    }
  self->consumed += len;
  if (self->log_full)
    return;
  if (cap == 0 || size + g_bytes_get_size (data) <= cap)
    {
      record_output (self, stream, data);
      return;
    }
  if (size < cap)
    {
      head = g_bytes_new_from_bytes (data, 0, cap - size);
      record_output (self, stream, head);
    }
  self->log_full = TRUE;
  limit = g_format_size_full (cap, G_FORMAT_SIZE_IEC_UNITS);
  note = ff_message_new (GETTEXT_PACKAGE,
                         N_ ("The log reached its limit of %s (max_log_bytes); the run goes on, "
                             "but the rest of its output is not kept"),
                         limit, NULL);
  ff_run_job_append_note (self, note);
}

static void
on_execution_output (FfExecution *execution, gint from, GBytes *data, FfRunJob *self)
{
  FfStream stream = from == FF_STREAM_STDERR ? FF_STREAM_STDERR : FF_STREAM_STDOUT;
  g_autoptr (GBytes) masked = NULL;

  ff_run_job_watch_notebook (self, data);
  if (self->masker == NULL)
    {
      keep_output (self, stream, data);
      return;
    }
  /* What the masker held back belongs to the stream before: it goes out
   * first, in the order it came. */
  if (stream != self->masked_stream)
    {
      g_autoptr (GBytes) tail = ff_secret_masker_flush (self->masker);

      if (g_bytes_get_size (tail) > 0)
        keep_output (self, self->masked_stream, tail);
      self->masked_stream = stream;
    }
  masked = ff_secret_masker_feed (self->masker, data);
  if (g_bytes_get_size (masked) > 0)
    keep_output (self, stream, masked);
}

/* Output of what the job runs for the run besides its attempt (the
 * dependency environment's build): into the log like the attempt's. */
void
ff_run_job_record (FfRunJob *self, GBytes *data)
{
  on_execution_output (NULL, FF_STREAM_STDOUT, data, self);
}

gchar *
ff_run_job_mask (FfRunJob *self, const gchar *text)
{
  if (self->masker == NULL || text == NULL)
    return g_strdup (text);
  return ff_secret_masker_mask_text (self->masker, text);
}

/* 3: following the execution */

static void
on_execution_exited (
    FfExecution *execution, gint exit_code, gint reason, const gchar *message, FfRunJob *self)
{
  FfReason final = reason;
  g_autofree gchar *failed_cell = ff_run_job_take_failed_cell (self);

  ff_run_raise_memory_peak (self->run, ff_execution_get_memory_peak (execution));
  /* A re-attached run whose replay was shorter than what its log had: the
   * engine lost output meanwhile, and the log says so where it happened. */
  if (self->skip > 0)
    {
      g_autofree gchar *bytes = g_strdup_printf ("%" G_GUINT64_FORMAT, self->skip);
      g_autofree gchar *note =
          ff_message_new (GETTEXT_PACKAGE,
                          N_ ("After fastflowd restarted, the executor sent %s bytes less of this "
                              "run's output than its log had; output may be missing here"),
                          bytes, NULL);

      self->skip = 0;
      ff_run_job_append_note (self, note);
    }
  if (self->stop_reason != FF_REASON_NONE)
    {
      final = self->stop_reason;
      message = NULL;
    }
  else if (reason == FF_REASON_NONE && exit_code != 0)
    final = FF_REASON_EXIT_CODE;
  if (final == FF_REASON_EXIT_CODE && message == NULL)
    message = failed_cell;
  ff_run_job_emit_ended (self, final, exit_code, message);
}

static gboolean
on_run_timeout (gpointer user_data)
{
  FfRunJob *self = user_data;

  self->timeout_id = 0;
  self->stop_reason = FF_REASON_TIMEOUT;
  ff_execution_cancel (self->execution, ff_config_get_stop_grace_ms (self->host->config));
  return G_SOURCE_REMOVE;
}

/* From now on the job follows @execution: its output, its end, its
 * resource use and its timeout, counted from when the run started. */
void
ff_run_job_follow (FfRunJob *self, FfExecution *execution)
{
  GPtrArray *collectors = self->host->collectors;
  gint64 timeout_ms = self->timeout * 1000;
  gint64 elapsed_ms = (g_get_real_time () - ff_run_get_started_at (self->run)) / 1000;

  self->execution = g_object_ref (execution);
  g_signal_connect (execution, "output", G_CALLBACK (on_execution_output), self);
  g_signal_connect (execution, "exited", G_CALLBACK (on_execution_exited), self);
  for (guint i = 0; i < collectors->len; i++)
    ff_collector_execution_started (g_ptr_array_index (collectors, i), self->request, execution);

  if (self->stop_reason != FF_REASON_NONE)
    {
      ff_execution_cancel (execution, ff_config_get_stop_grace_ms (self->host->config));
      return;
    }
  if (timeout_ms <= 0)
    return;
  /* g_timeout_add_seconds () may fire up to a second early: with
   * "timeout": 1 a run was stopped after 0.8 s */
  timeout_ms = MAX (timeout_ms - MAX (elapsed_ms, 0), 1);
  if (timeout_ms <= G_MAXUINT)
    self->timeout_id = g_timeout_add ((guint) timeout_ms, on_run_timeout, self);
  else
    self->timeout_id =
        g_timeout_add_seconds ((guint) MIN (timeout_ms / 1000, G_MAXUINT), on_run_timeout, self);
}

/* Stops following the execution: no more output, exit or samples. */
void
ff_run_job_let_go (FfRunJob *self)
{
  GPtrArray *collectors = self->host->collectors;

  g_clear_handle_id (&self->timeout_id, g_source_remove);
  if (self->execution == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->execution, self);
  for (guint i = 0; i < collectors->len; i++)
    ff_collector_execution_finished (g_ptr_array_index (collectors, i), ff_run_get_id (self->run));
  g_clear_object (&self->execution);
}

/* The attempt is over: what the masker held back is its output's end. */
void
ff_run_job_detach (FfRunJob *self)
{
  if (self->execution != NULL && self->masker != NULL)
    {
      g_autoptr (GBytes) tail = ff_secret_masker_flush (self->masker);

      if (g_bytes_get_size (tail) > 0)
        keep_output (self, self->masked_stream, tail);
    }
  ff_run_job_let_go (self);
}

/* The run is over: its log is complete, no restart follows it again. */
void
ff_run_job_close (FfRunJob *self)
{
  ff_run_job_env_clear (self);
  ff_run_log_close (self->log);
  if (self->checkpoint == NULL)
    return;
  ff_run_checkpoint_remove (self->checkpoint);
  g_clear_object (&self->checkpoint);
}

/* Cancel and timeout: the attempt ends with @reason, whatever the
 * executor says, unless it was stopped already. */
void
ff_run_job_stop (FfRunJob *self, FfReason reason)
{
  if (self->stop_reason == FF_REASON_NONE)
    self->stop_reason = reason;
  if (self->execution != NULL)
    ff_execution_cancel (self->execution, ff_config_get_stop_grace_ms (self->host->config));
  else if (ff_run_job_env_stop (self))
    return;
  else if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
}

gboolean
ff_run_job_is_executing (FfRunJob *self)
{
  return self->execution != NULL;
}

/* on_stop=leave-running: only what a restart can follow again. */
gboolean
ff_run_job_can_leave_running (FfRunJob *self)
{
  return self->execution != NULL && self->checkpoint != NULL;
}

gboolean
ff_run_job_get_log_failed (FfRunJob *self)
{
  return self->log_failed;
}

/* 4: the request */

static void
add_env (GHashTable *env, FfRunRequest *request)
{
  GHashTableIter iter;
  gpointer key, value;

  if (env == NULL)
    return;
  g_hash_table_iter_init (&iter, env);
  while (g_hash_table_iter_next (&iter, &key, &value))
    ff_run_request_set_env_var (request, key, value);
}

void
ff_run_job_set_masker (FfRunJob *self, const gchar *const *values)
{
  g_clear_object (&self->masker);
  self->masked_stream = FF_STREAM_STDOUT;
  if (values[0] != NULL)
    self->masker = ff_secret_masker_new (values);
}

/* A secret's value comes from pipeline.json, the run configuration or
 * StartRun like any variable, else from fastflow.conf's [secrets]; the run
 * does not start without it. */
static gboolean
take_secrets (FfRunJob *self,
              FfPipeline *pipeline,
              const FfSchedule *config,
              FfRunRequest *request,
              GError **error)
{
  const gchar *const *names = ff_pipeline_get_secrets (pipeline);
  GHashTable *env = ff_run_request_get_env (request);
  GKeyFile *keyfile = ff_config_get_keyfile (self->host->config);
  g_autoptr (GStrvBuilder) values = g_strv_builder_new ();
  g_auto (GStrv) all = NULL;
  g_auto (GStrv) extra = NULL;

  for (gsize i = 0; names[i] != NULL; i++)
    {
      g_autofree gchar *configured = NULL;

      if (!g_hash_table_contains (env, names[i]))
        configured = g_key_file_get_string (keyfile, "secrets", names[i], NULL);
      if (configured != NULL)
        ff_run_request_set_env_var (request, names[i], configured);
      if (!g_hash_table_contains (env, names[i]))
        {
          g_set_error (error, FF_ERROR, FF_ERROR_BROKEN_PIPELINE,
                       _ ("The secret %s of the pipeline “%s” has no value: set it in the "
                          "[secrets] group of fastflow.conf or pass it with the run (a value "
                          "passed with a run is not kept when fastflowd restarts)"),
                       names[i], ff_pipeline_get_name (pipeline));
          return FALSE;
        }
      g_strv_builder_add (values, g_hash_table_lookup (env, names[i]));
    }
  /* the pipeline's encrypted_env is among its secrets; its run
   * configuration's comes after them */
  extra = ff_encrypted_env_dup_secret_names (pipeline, config);
  for (gsize i = g_strv_length ((gchar **) names); extra[i] != NULL; i++)
    {
      const gchar *value = g_hash_table_lookup (env, extra[i]);

      if (value != NULL)
        g_strv_builder_add (values, value);
    }
  all = g_strv_builder_end (values);
  ff_run_job_set_masker (self, (const gchar *const *) all);
  return TRUE;
}

/* The pipeline's variables, then its run configuration's, then their
 * encrypted_env (as Fast-Flow merges them), then StartRun's; the secrets
 * among them are what the masker hides. */
gboolean
ff_run_job_add_env (FfRunJob *self, FfPipeline *pipeline, FfRunRequest *request, GError **error)
{
  const FfSchedule *config = ff_run_policy_run_config (pipeline, self->run);

  add_env (ff_pipeline_get_default_env (pipeline), request);
  if (config != NULL)
    add_env (config->default_env, request);
  if (!ff_encrypted_env_apply (pipeline, config, self->host->encryption_key, request, error))
    return FALSE;
  add_env (ff_run_get_env (self->run), request);
  return take_secrets (self, pipeline, config, request, error);
}

static void
apply_run_config (FfRunRequest *request, const FfSchedule *config)
{
  /* its env goes in with the pipeline's, in ff_run_job_add_env */
  if (config == NULL)
    return;
  if (config->mem_hard_limit > 0)
    ff_run_request_set_memory_limit (request, config->mem_hard_limit);
  if (config->cpu_hard_limit > 0)
    ff_run_request_set_cpu_limit (request, config->cpu_hard_limit);
  if (config->mem_soft_limit > 0)
    ff_run_request_set_memory_soft_limit (request, config->mem_soft_limit);
  if (config->cpu_soft_limit > 0)
    ff_run_request_set_cpu_soft_limit (request, config->cpu_soft_limit);
}

/* The request's limits: the pipeline's, then its run configuration's. */
void
ff_run_job_apply_limits (FfRunJob *self, FfPipeline *pipeline, FfRunRequest *request)
{
  ff_run_request_set_memory_limit (request, ff_pipeline_get_mem_hard_limit (pipeline));
  ff_run_request_set_cpu_limit (request, ff_pipeline_get_cpu_hard_limit (pipeline));
  ff_run_request_set_memory_soft_limit (request, ff_pipeline_get_mem_soft_limit (pipeline));
  ff_run_request_set_cpu_soft_limit (request, ff_pipeline_get_cpu_soft_limit (pipeline));
  apply_run_config (request, ff_run_policy_run_config (pipeline, self->run));
}

/* The folder was read at scan time: main.sh or main.py may be gone since,
 * and the interpreter's complaint would pass for the pipeline's exit code. */
static gboolean
check_entry_file (FfPipeline *pipeline, gchar **argv, GError **error)
{
  g_autofree gchar *file = NULL;

  if (ff_pipeline_get_command (pipeline) != NULL || argv[0] == NULL || argv[1] == NULL)
    return TRUE;
  file = g_build_filename (ff_pipeline_get_dir (pipeline), argv[1], NULL);
  if (g_file_test (file, G_FILE_TEST_IS_REGULAR))
    return TRUE;
  g_set_error (error, FF_ERROR, FF_ERROR_BROKEN_PIPELINE,
               _ ("The entry file %s of the pipeline “%s” does not exist any more"), file,
               ff_pipeline_get_name (pipeline));
  return FALSE;
}

static FfRunRequest *
build_request (FfRunJob *self, FfPipeline *pipeline, FfExecutor *executor, GError **error)
{
  FfRun *run = self->run;
  FfConfig *config = self->host->config;
  g_autoptr (FfRunRequest) request =
      ff_run_request_new (ff_run_get_id (run), ff_run_get_pipeline (run));
  g_auto (GStrv) argv = NULL;
  g_autofree gchar *id = g_strdup_printf ("%" G_GUINT64_FORMAT, ff_run_get_id (run));
  g_autofree gchar *attempt = g_strdup_printf ("%u", ff_run_get_attempt (run));
  g_autofree gchar *route = NULL;

  argv = ff_pipeline_dup_entry_argv (pipeline, ff_config_get_python (config), error);
  if (argv == NULL || !check_entry_file (pipeline, argv, error))
    return NULL;
  ff_run_job_use_notebook_runner (self, pipeline, executor, request, &argv);
  ff_run_request_set_command (request, (const gchar *const *) argv);
  ff_run_request_set_pipeline_dir (request, ff_pipeline_get_dir (pipeline));
  ff_run_request_set_pipelines_dir (request, ff_config_get_pipelines_dir (config));
  ff_run_request_set_attempt (request, ff_run_get_attempt (run));
  /* Python's output is live in every executor, as with Fast-Flow's
   * `python -u`: block-buffered into a pipe, a container's lines would
   * arrive all at once at its end. Set first, so a pipeline may override. */
  ff_run_request_set_env_var (request, "PYTHONUNBUFFERED", "1");
  if (!ff_run_job_add_env (self, pipeline, request, error))
    return NULL;
  ff_run_request_set_env_var (request, "FASTFLOW_RUN_ID", id);
  ff_run_request_set_env_var (request, "FASTFLOW_PIPELINE", ff_run_get_pipeline (run));
  ff_run_request_set_env_var (request, "FASTFLOW_ATTEMPT", attempt);
  route = ff_run_job_dup_path (self, "route");
  if (!create_route_file (self, route, error))
    return NULL;
  ff_run_request_set_route_file (request, route);
  ff_run_request_set_env_var (request, "FASTFLOW_ROUTE_FILE", route);
  ff_run_request_set_label (request, "org.fastflow.run-id", id);
  ff_run_request_set_label (request, "org.fastflow.pipeline", ff_run_get_pipeline (run));
  ff_run_request_set_label (request, "org.fastflow.instance", self->host->instance);
  ff_run_request_set_label (request, "org.fastflow.daemon", self->host->daemon_id);
  ff_run_job_apply_limits (self, pipeline, request);
  ff_run_request_set_executor (request, ff_run_get_executor (run));
  ff_run_request_set_image (request, ff_pipeline_get_image (pipeline));
  ff_run_request_set_network (request, ff_pipeline_get_network (pipeline));
  ff_run_request_set_placement (request, ff_pipeline_get_placement (pipeline));
  ff_run_request_set_stop_grace_ms (request, ff_config_get_stop_grace_ms (config));
  return g_steal_pointer (&request);
}

/* 5: an attempt */

/* Everything the attempt needs before its executor gets it: the request,
 * the log open for writing, the position for a restart to follow it. */
gboolean
ff_run_job_prepare (FfRunJob *self, FfPipeline *pipeline, FfExecutor *executor, GError **error)
{
  g_autoptr (FfRunRequest) request = NULL;

  self->stop_reason = FF_REASON_NONE;
  request = build_request (self, pipeline, executor, error);
  if (request == NULL || !ff_run_job_env_prepare (self, pipeline, executor, request, error) ||
      !ff_run_log_open (self->log, error))
    return FALSE;
  g_set_object (&self->request, request);
  self->timeout = ff_run_policy_timeout (pipeline, self->run,
                                         ff_config_get_default_timeout (self->host->config));
  self->consumed = 0;
  self->skip = 0;
  if (ff_executor_can_reattach (executor) && self->checkpoint == NULL)
    {
      g_autofree gchar *pos = ff_run_job_dup_path (self, "pos");
      self->checkpoint = ff_run_checkpoint_new (pos);
    }
  save_position (self);
  if (ff_run_get_attempt (self->run) > 1)
    {
      g_autofree gchar *note =
          g_strdup_printf (_ ("Attempt %u of %u"), ff_run_get_attempt (self->run),
                           ff_run_get_max_attempts (self->run));
      ff_run_job_append_note (self, note);
    }
  return TRUE;
}

/* What the executor said about the launch, before the run's output. */
static void
append_launch_notes (FfRunJob *self, FfExecution *execution)
{
  const gchar *const *notes = ff_execution_get_notes (execution);

  for (guint i = 0; notes != NULL && notes[i] != NULL; i++)
    ff_run_job_append_note (self, notes[i]);
}

static void
on_launched (GObject *source, GAsyncResult *result, gpointer user_data)
{
  FfRunJob *self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (FfExecution) execution = NULL;
  g_autoptr (GError) state_error = NULL;

  execution = ff_executor_launch_finish (FF_EXECUTOR (source), result, &error);
  g_clear_object (&self->cancellable);
  if (execution == NULL)
    {
      FfReason reason = FF_REASON_SPAWN_FAILED;

      if (self->stop_reason != FF_REASON_NONE)
        reason = self->stop_reason;
      else if (error->domain == FF_EXECUTOR_ERROR)
        reason = error->code;
      ff_run_job_emit_ended (self, reason, -1,
                             self->stop_reason != FF_REASON_NONE ? NULL : error->message);
      return;
    }
  if (!ff_run_set_state (self->run, FF_RUN_STATE_RUNNING, &state_error))
    g_warning ("%s", state_error->message);
  ff_run_set_started_at (self->run, g_get_real_time ());
  ff_run_job_emit_started (self, FALSE);
  append_launch_notes (self, execution);
  ff_run_job_follow (self, execution);
}

void
ff_run_job_launch (FfRunJob *self, FfExecutor *executor)
{
  /* a pipeline with requirements may need its environment built first */
  if (!ff_run_job_env_launch (self, executor))
    ff_run_job_launch_attempt (self, executor);
}

void
ff_run_job_launch_attempt (FfRunJob *self, FfExecutor *executor)
{
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  ff_executor_launch_async (executor, self->request, self->cancellable, on_launched, self);
}

static void
ff_run_job_dispose (GObject *object)
{
  FfRunJob *self = FF_RUN_JOB (object);

  g_clear_handle_id (&self->timeout_id, g_source_remove);
  if (self->execution != NULL)
    g_signal_handlers_disconnect_by_data (self->execution, self);
  g_clear_object (&self->execution);
  ff_run_job_env_dispose (self);
  g_clear_object (&self->request);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->masker);
  g_clear_object (&self->checkpoint);
  g_clear_object (&self->log);
  g_clear_object (&self->run);
  g_clear_pointer (&self->notebook_tail, g_byte_array_unref);
  G_OBJECT_CLASS (ff_run_job_parent_class)->dispose (object);
}

static void
ff_run_job_finalize (GObject *object)
{
  FfRunJob *self = FF_RUN_JOB (object);

  g_strfreev (self->secret_names);
  G_OBJECT_CLASS (ff_run_job_parent_class)->finalize (object);
}

static void
ff_run_job_class_init (FfRunJobClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ff_run_job_dispose;
  object_class->finalize = ff_run_job_finalize;

  signals[SIGNAL_STARTED] = g_signal_new ("started", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_BOOLEAN);
  signals[SIGNAL_OUTPUT] =
      g_signal_new ("output", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                    G_TYPE_NONE, 2, G_TYPE_UINT64, G_TYPE_BYTES);
  signals[SIGNAL_ENDED] =
      g_signal_new ("ended", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                    G_TYPE_NONE, 3, G_TYPE_INT, G_TYPE_INT, G_TYPE_STRING);
}

static void
ff_run_job_init (FfRunJob *self)
{
  self->masked_stream = FF_STREAM_STDOUT;
}

FfRunJob *
ff_run_job_new (const FfRunJobHost *host, FfRun *run, FfRunLog *log)
{
  FfRunJob *self = g_object_new (FF_TYPE_RUN_JOB, NULL);

  self->host = host;
  self->run = g_object_ref (run);
  self->log = g_object_ref (log);
  return self;
}
