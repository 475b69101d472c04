/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <gio/gunixinputstream.h>
#include <glib/gi18n-lib.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ff-local-cgroup.h"
#include "ff-local-execution.h"

#define CHUNK_SIZE (64 * 1024)

/* A child process in its own process group, like a container whose PID 1
 * is the pipeline's entry: when it exits, what it left behind is killed. */
struct _FfLocalExecution
{
  FfExecution parent_instance;
  /* not reaped until the child watch runs, so it stays the group's id */
  GPid pid;
  pid_t pgid;
  GInputStream *stdout_stream;
  GInputStream *stderr_stream;
  GCancellable *cancellable;
  guint open_streams;
  gboolean started;
  gboolean reaped;
  gint wait_status;
  guint kill_id;
  /* (nullable) its mem_hard_limit / cpu_hard_limit */
  FfLocalCgroup *cgroup;
  /* for CPU % between two samples */
  guint64 last_cpu_ticks;
  gint64 last_sample_time;
};

G_DEFINE_TYPE (FfLocalExecution, ff_local_execution, FF_TYPE_EXECUTION)

typedef struct
{
  FfLocalExecution *self;
  GInputStream *stream;
  FfStream kind;
} Reader;

static void
signal_group (FfLocalExecution *self, gint sig)
{
  if (self->pgid > 0)
    kill (-self->pgid, sig);
}

/* As a container's: 137, the limit named. NULL when it was not. */
static gchar *
dup_oom_message (FfLocalExecution *self)
{
  g_autofree gchar *limit = NULL;

  if (self->cgroup == NULL || !ff_local_cgroup_was_oom_killed (self->cgroup))
    return NULL;
  limit =
      g_format_size_full (ff_local_cgroup_get_memory_limit (self->cgroup), G_FORMAT_SIZE_IEC_UNITS);
  return ff_message_new (
      GETTEXT_PACKAGE,
      N_ ("The process was killed because it needed more memory than its limit of %s"), limit,
      NULL);
}

static guint64
ff_local_execution_get_memory_peak (FfExecution *execution)
{
  FfLocalExecution *self = FF_LOCAL_EXECUTION (execution);

  return self->cgroup != NULL ? ff_local_cgroup_get_memory_peak (self->cgroup) : 0;
}

static void
maybe_emit_exited (FfLocalExecution *self)
{
  g_autofree gchar *oom = NULL;
  gint status, exit_code;

  if (!self->reaped || self->open_streams > 0)
    return;
  g_clear_handle_id (&self->kill_id, g_source_remove);
  status = self->wait_status;
  if (WIFSIGNALED (status))
    exit_code = 128 + WTERMSIG (status);
  else
    exit_code = WEXITSTATUS (status);
  self->pgid = 0;
  oom = dup_oom_message (self);
  if (oom != NULL)
    ff_execution_emit_exited (FF_EXECUTION (self), 137, FF_REASON_OOM_KILLED, oom);
  else
    ff_execution_emit_exited (FF_EXECUTION (self), exit_code,
                              exit_code == 0 ? FF_REASON_NONE : FF_REASON_EXIT_CODE, NULL);
  /* the reference taken at start */
  g_object_unref (self);
}

static void read_next (Reader *reader);

static void
on_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Reader *reader = user_data;
  FfLocalExecution *self = reader->self;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes =
      g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &error);

  if (bytes != NULL && g_bytes_get_size (bytes) > 0)
    {
      ff_execution_emit_output (FF_EXECUTION (self), reader->kind, bytes);
      read_next (reader);
      return;
    }
  if (error != NULL)
    g_debug ("reading the output of process group %d: %s", (gint) self->pgid, error->message);
  g_object_unref (reader->stream);
  g_free (reader);
  self->open_streams--;
  maybe_emit_exited (self);
}

/* One chunk at a time: nothing is read ahead of what has been handed on. */
static void
read_next (Reader *reader)
{
  g_input_stream_read_bytes_async (reader->stream, CHUNK_SIZE, G_PRIORITY_DEFAULT,
                                   reader->self->cancellable, on_read, reader);
}

static void
start_reader (FfLocalExecution *self, GInputStream *stream, FfStream kind)
{
  Reader *reader = g_new0 (Reader, 1);

  reader->self = self;
  reader->stream = g_object_ref (stream);
  reader->kind = kind;
  self->open_streams++;
  read_next (reader);
}

static void
on_child_exited (GPid pid, gint wait_status, gpointer user_data)
{
  FfLocalExecution *self = user_data;

  self->wait_status = wait_status;
  g_spawn_close_pid (pid);
  /* the entry is gone: end what it left running, so its pipes close */
  signal_group (self, SIGKILL);
  self->reaped = TRUE;
  maybe_emit_exited (self);
}

static void
on_orphan_reaped (GPid pid, gint wait_status, gpointer user_data)
{
  g_spawn_close_pid (pid);
}

static gboolean
on_grace_expired (gpointer user_data)
{
  FfLocalExecution *self = user_data;

  self->kill_id = 0;
  g_debug ("process group %d outlived its grace period; killing it", (gint) self->pgid);
  signal_group (self, SIGKILL);
  return G_SOURCE_REMOVE;
}

static void
ff_local_execution_cancel (FfExecution *execution, guint grace_ms)
{
  FfLocalExecution *self = FF_LOCAL_EXECUTION (execution);

  if (self->reaped)
    return;
  signal_group (self, SIGTERM);
  if (self->kill_id == 0)
    self->kill_id = g_timeout_add (grace_ms, on_grace_expired, self);
}

/* utime + stime (clock ticks) and RSS pages of one /proc/PID/stat line,
 * when the process belongs to @pgid. */
static gboolean
parse_stat (const gchar *text, pid_t pgid, guint64 *ticks, guint64 *rss_pages)
{
  const gchar *p = strrchr (text, ')');
  g_auto (GStrv) fields = NULL;

  if (p == NULL)
    return FALSE;
  /* after "pid (comm) ": state is field 0 here, pgrp 2, utime 11, stime 12, rss 21 */
  fields = g_strsplit (p + 2, " ", 0);
  if (g_strv_length (fields) < 22 || g_ascii_strtoll (fields[2], NULL, 10) != pgid)
    return FALSE;
  *ticks = g_ascii_strtoull (fields[11], NULL, 10) + g_ascii_strtoull (fields[12], NULL, 10);
  *rss_pages = g_ascii_strtoull (fields[21], NULL, 10);
  return TRUE;
}

static gboolean
ff_local_execution_sample_usage (FfExecution *execution, FfUsage *usage, GError **error)
{
  FfLocalExecution *self = FF_LOCAL_EXECUTION (execution);
  g_autoptr (GDir) proc = NULL;
  const gchar *name;
  guint64 ticks = 0, pages = 0;
  gint64 now = g_get_monotonic_time ();
  glong hz = sysconf (_SC_CLK_TCK);

  if (self->reaped)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED, _ ("The process has exited"));
      return FALSE;
    }
  proc = g_dir_open ("/proc", 0, error);
  if (proc == NULL)
    return FALSE;
  while ((name = g_dir_read_name (proc)) != NULL)
    {
      g_autofree gchar *path = NULL;
      g_autofree gchar *text = NULL;
      guint64 t, r;

      if (!g_ascii_isdigit (*name))
        continue;
      path = g_build_filename ("/proc", name, "stat", NULL);
      if (!g_file_get_contents (path, &text, NULL, NULL) || !parse_stat (text, self->pgid, &t, &r))
        continue;
      ticks += t;
      pages += r;
    }
  usage->memory_bytes = pages * (guint64) sysconf (_SC_PAGESIZE);
  usage->memory_limit_bytes = 0;
  usage->cpu_percent = 0;
  if (self->last_sample_time > 0 && now > self->last_sample_time && ticks >= self->last_cpu_ticks &&
      hz > 0)
    usage->cpu_percent = (gdouble) (ticks - self->last_cpu_ticks) / hz * G_USEC_PER_SEC /
                         (now - self->last_sample_time) * 100.0;
  self->last_cpu_ticks = ticks;
  self->last_sample_time = now;
  return TRUE;
}

static void
ff_local_execution_dispose (GObject *object)
{
  FfLocalExecution *self = FF_LOCAL_EXECUTION (object);

  g_clear_handle_id (&self->kill_id, g_source_remove);
  /* never started, so nobody would read or reap it; a started one is only
   * disposed of after ::exited, when the group is gone */
  if (!self->started && self->pid > 0)
    {
      signal_group (self, SIGKILL);
      g_child_watch_add (self->pid, on_orphan_reaped, NULL);
      self->pid = 0;
    }
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  G_OBJECT_CLASS (ff_local_execution_parent_class)->dispose (object);
}

static void
ff_local_execution_finalize (GObject *object)
{
  FfLocalExecution *self = FF_LOCAL_EXECUTION (object);

  g_clear_pointer (&self->cgroup, ff_local_cgroup_free);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->stdout_stream);
  g_clear_object (&self->stderr_stream);
  G_OBJECT_CLASS (ff_local_execution_parent_class)->finalize (object);
}

static void
ff_local_execution_class_init (FfLocalExecutionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  FfExecutionClass *execution_class = FF_EXECUTION_CLASS (klass);

  object_class->dispose = ff_local_execution_dispose;
  object_class->finalize = ff_local_execution_finalize;
  execution_class->cancel = ff_local_execution_cancel;
  execution_class->sample_usage = ff_local_execution_sample_usage;
  execution_class->get_memory_peak = ff_local_execution_get_memory_peak;
}

static void
ff_local_execution_init (FfLocalExecution *self)
{
  self->cancellable = g_cancellable_new ();
}

/* Takes over a child of ff_local_spawn(), not yet reaped, as the leader
 * of its own process group, and its two output pipes; killed if it is
 * dropped before ff_local_execution_start(). */
FfLocalExecution *
ff_local_execution_new (GPid pid, gint stdout_fd, gint stderr_fd)
{
  FfLocalExecution *self = g_object_new (FF_TYPE_LOCAL_EXECUTION, NULL);

  self->pid = pid;
  self->pgid = pid;
  self->stdout_stream = g_unix_input_stream_new (stdout_fd, TRUE);
  self->stderr_stream = g_unix_input_stream_new (stderr_fd, TRUE);
  return self;
}

/* Takes @cgroup, which the process was started in. */
void
ff_local_execution_set_cgroup (FfLocalExecution *self, FfLocalCgroup *cgroup)
{
  g_clear_pointer (&self->cgroup, ff_local_cgroup_free);
  self->cgroup = cgroup;
}

/* Reads and waits from the next main loop iteration on, so whoever got
 * @self from launch_finish can connect before the first ::output; stays
 * alive until it has emitted ::exited. */
void
ff_local_execution_start (FfLocalExecution *self)
{
  self->started = TRUE;
  g_object_ref (self);
  start_reader (self, self->stdout_stream, FF_STREAM_STDOUT);
  start_reader (self, self->stderr_stream, FF_STREAM_STDERR);
  g_child_watch_add (self->pid, on_child_exited, self);
}
