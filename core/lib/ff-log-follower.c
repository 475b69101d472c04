/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <gio/gunixfdlist.h>
#include <glib-unix.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <sys/inotify.h>
#include <string.h>
#include <unistd.h>

#include "ff-enums.h"
#include "ff-log-follower-private.h"

#define READ_CHUNK (1024 * 1024)
#define STREAM_RECORD_SIZE 16

typedef struct
{
  guint64 offset;
  FfStream stream;
} FfStreamChange;

struct _FfLogFollower
{
  GObject parent_instance;
  FfDBusRun *run;
  gboolean follow;
  guint64 written; /* the log's bytes passed on in ::data so far */
  gboolean reading;
  gboolean dirty; /* something arrived while a ReadLog was under way */
  gboolean done;
  GError *error;
  guint output_id; /* the Output subscription, when following over the bus */
  /* The log's own descriptor (OpenLog): bulk output never crosses the bus
   * daemon, which forwards a few tens of MB/s at most. */
  gint log_fd;
  guint8 *read_buf; /* READ_CHUNK, for each read of log_fd */
  gint inotify_fd;
  /* on the caller's thread-default context, as the bus calls' answers:
   * ff_client_wait_run_sync() iterates one of its own */
  GMainContext *context;
  GSource *inotify_source;
  GSource *read_source;
  /* The stream index (OpenStreams), read after each read of the log: it
   * has every change before what the log had. Without it (an older
   * fastflowd, the bus way) everything is stdout, as it always was. */
  gint streams_fd;
  GArray *changes; /* FfStreamChange still ahead of written */
  guint8 record[STREAM_RECORD_SIZE];
  gsize record_len; /* of a record read in part */
  FfStream stream;  /* of the byte at written */
};

G_DEFINE_TYPE (FfLogFollower, ff_log_follower, G_TYPE_OBJECT)

enum
{
  SIGNAL_DATA,
  SIGNAL_DONE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
drop_source (GSource **source)
{
  if (*source == NULL)
    return;
  g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}

static void
close_descriptor (FfLogFollower *self)
{
  drop_source (&self->inotify_source);
  drop_source (&self->read_source);
  if (self->inotify_fd >= 0)
    g_close (self->inotify_fd, NULL);
  if (self->log_fd >= 0)
    g_close (self->log_fd, NULL);
  if (self->streams_fd >= 0)
    g_close (self->streams_fd, NULL);
  self->inotify_fd = self->log_fd = self->streams_fd = -1;
}

static void
stop_watching (FfLogFollower *self)
{
  if (self->run != NULL)
    g_signal_handlers_disconnect_by_data (self->run, self);
  if (self->output_id != 0)
    g_dbus_connection_signal_unsubscribe (g_dbus_proxy_get_connection (G_DBUS_PROXY (self->run)),
                                          self->output_id);
  self->output_id = 0;
  close_descriptor (self);
}

static void
finish (FfLogFollower *self, GError *error)
{
  if (self->done)
    {
      g_clear_error (&error);
      return;
    }
  self->done = TRUE;
  self->error = error;
  stop_watching (self);
  g_signal_emit (self, signals[SIGNAL_DONE], 0);
}

/* Passes on what of [offset, offset+len) is beyond what was passed on. */
static gboolean
write_from (FfLogFollower *self, guint64 offset, const guint8 *data, gsize len)
{
  g_autoptr (GBytes) bytes = NULL;
  guint64 skip;

  if (offset > self->written || offset + len <= self->written)
    return TRUE;
  skip = self->written - offset;
  bytes = g_bytes_new (data + skip, len - skip);
  self->written = offset + len;
  g_signal_emit (self, signals[SIGNAL_DATA], 0, bytes, (guint) FF_STREAM_STDOUT);
  /* a handler may have given up (ff_log_follower_abort) */
  return !self->done;
}

static void read_more (FfLogFollower *self);

static void
on_read_log (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (FfLogFollower) self = user_data;
  g_autoptr (GVariant) data = NULL;
  g_autoptr (GError) error = NULL;
  guint64 next = 0;
  gboolean complete = FALSE;
  gsize len = 0;
  const guint8 *bytes;

  self->reading = FALSE;
  if (self->done)
    return;
  if (!ff_dbus_run_call_read_log_finish (FF_DBUS_RUN (source), &data, &next, &complete, result,
                                         &error))
    {
      g_dbus_error_strip_remote_error (error);
      finish (self, g_steal_pointer (&error));
      return;
    }
  bytes = g_variant_get_fixed_array (data, &len, 1);
  if (!write_from (self, next - len, bytes, len))
    return;
  if (complete)
    {
      finish (self, NULL);
      return;
    }
  /* a short read is the end of what is there; Output tells of more */
  if (len >= READ_CHUNK || self->dirty)
    read_more (self);
  else if (!self->follow)
    finish (self, NULL);
}

static void
read_more (FfLogFollower *self)
{
  if (self->reading)
    {
      self->dirty = TRUE;
      return;
    }
  self->reading = TRUE;
  self->dirty = FALSE;
  ff_dbus_run_call_read_log (self->run, self->written, READ_CHUNK, NULL, on_read_log,
                             g_object_ref (self));
}

static void
on_output (GDBusConnection *connection,
           const gchar *sender,
           const gchar *path,
           const gchar *interface,
           const gchar *signal,
           GVariant *parameters,
           gpointer user_data)
{
  FfLogFollower *self = user_data;
  g_autoptr (GVariant) data = NULL;
  guint64 offset = 0;
  gsize len = 0;
  const guint8 *bytes;

  if (!g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(tay)")))
    return;
  g_variant_get (parameters, "(t@ay)", &offset, &data);
  bytes = g_variant_get_fixed_array (data, &len, 1);

  /* a ReadLog under way already covers it, or will be followed by another */
  if (self->reading || offset > self->written)
    {
      read_more (self);
      return;
    }
  write_from (self, offset, bytes, len);
}

/* What whoever waits for a run learns when fastflowd leaves the bus. */
GError *
ff_log_follower_new_gone_error (void)
{
  return g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CLOSED,
                              _ ("fastflowd went away before the run finished (it was "
                                 "stopped or crashed); the run’s state is unknown"));
}

/* fastflowd stopped or crashed: no Output and no end will come */
static void
on_name_owner_changed (FfDBusRun *run, GParamSpec *pspec, FfLogFollower *self)
{
  g_autofree gchar *owner = g_dbus_proxy_get_name_owner (G_DBUS_PROXY (run));

  if (owner != NULL)
    return;
  finish (self, ff_log_follower_new_gone_error ());
}

/* The protocol of the Output signal: subscribe, then ReadLog from 0. */
static void
follow_over_bus (FfLogFollower *self)
{
  GDBusProxy *proxy = G_DBUS_PROXY (self->run);

  if (self->follow)
    self->output_id = g_dbus_connection_signal_subscribe (
        g_dbus_proxy_get_connection (proxy), g_dbus_proxy_get_name (proxy),
        g_dbus_proxy_get_interface_name (proxy), "Output", g_dbus_proxy_get_object_path (proxy),
        NULL, G_DBUS_SIGNAL_FLAGS_NONE, on_output, self, NULL);
  read_more (self);
}

static gboolean
run_has_finished (FfLogFollower *self)
{
  FfRunState state;

  return ff_run_state_from_string (ff_dbus_run_get_state (self->run), &state) &&
         ff_run_state_is_finished (state);
}

static gboolean on_log_readable (gpointer user_data);

/* Takes in what the index has now; a record the daemon is still writing
 * is kept until its rest comes. */
static void
read_changes (FfLogFollower *self)
{
  guint8 buf[64 * STREAM_RECORD_SIZE];
  gssize n;

  if (self->streams_fd < 0)
    return;
  for (;;)
    {
      do
        n = read (self->streams_fd, buf, sizeof buf);
      while (n < 0 && errno == EINTR);
      if (n <= 0)
        return;
      for (gssize pos = 0; pos < n;)
        {
          gsize take = MIN ((gsize) (n - pos), STREAM_RECORD_SIZE - self->record_len);
          guint64 le_offset;
          guint32 le_stream;
          FfStreamChange change;

          memcpy (self->record + self->record_len, buf + pos, take);
          self->record_len += take;
          pos += take;
          if (self->record_len < STREAM_RECORD_SIZE)
            continue;
          self->record_len = 0;
          memcpy (&le_offset, self->record, 8);
          memcpy (&le_stream, self->record + 8, 4);
          change.offset = GUINT64_FROM_LE (le_offset);
          change.stream =
              GUINT32_FROM_LE (le_stream) == FF_STREAM_STDERR ? FF_STREAM_STDERR : FF_STREAM_STDOUT;
          g_array_append_val (self->changes, change);
        }
    }
}

/* The stream of the byte at written, and how many bytes from there on
 * are of it (G_MAXUINT64: up to the next change not yet known). */
static guint64
current_stream (FfLogFollower *self)
{
  while (self->changes->len > 0 &&
         g_array_index (self->changes, FfStreamChange, 0).offset <= self->written)
    {
      self->stream = g_array_index (self->changes, FfStreamChange, 0).stream;
      g_array_remove_index (self->changes, 0);
    }
  if (self->changes->len == 0)
    return G_MAXUINT64;
  return g_array_index (self->changes, FfStreamChange, 0).offset - self->written;
}

/* Passes on @len bytes read at written, a piece per stream. */
static void
pass_on (FfLogFollower *self, const guint8 *data, gsize len)
{
  read_changes (self);
  while (len > 0 && !self->done)
    {
      gsize take = (gsize) MIN ((guint64) len, current_stream (self));
      g_autoptr (GBytes) bytes = g_bytes_new (data, take);

      self->written += take;
      data += take;
      len -= take;
      g_signal_emit (self, signals[SIGNAL_DATA], 0, bytes, (guint) self->stream);
    }
}

static void
read_descriptor_soon (FfLogFollower *self)
{
  if (self->read_source != NULL || self->log_fd < 0)
    return;
  self->read_source = g_idle_source_new ();
  g_source_set_callback (self->read_source, on_log_readable, self, NULL);
  g_source_attach (self->read_source, self->context);
}

/* One chunk per main loop iteration, so that a long log does not hold up
 * a Ctrl-C or the end of the run. */
static gboolean
on_log_readable (gpointer user_data)
{
  FfLogFollower *self = user_data;
  /* before reading: a run that had ended has nothing beyond this read */
  gboolean finished = !self->follow || run_has_finished (self);
  gssize n;

  if (self->read_buf == NULL)
    self->read_buf = g_malloc (READ_CHUNK);
  do
    n = read (self->log_fd, self->read_buf, READ_CHUNK);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    {
      gint saved_errno = errno;
      g_clear_pointer (&self->read_source, g_source_unref);
      finish (self, g_error_new (G_IO_ERROR, g_io_error_from_errno (saved_errno),
                                 _ ("Cannot read the run’s log: %s"), g_strerror (saved_errno)));
      return G_SOURCE_REMOVE;
    }
  if (n > 0)
    {
      pass_on (self, self->read_buf, n);
      /* ::data may have aborted, which removed this source */
      return self->done ? G_SOURCE_REMOVE : G_SOURCE_CONTINUE;
    }
  g_clear_pointer (&self->read_source, g_source_unref);
  if (finished)
    finish (self, NULL);
  return G_SOURCE_REMOVE;
}

static gboolean
on_log_changed (gint fd, GIOCondition condition, gpointer user_data)
{
  FfLogFollower *self = user_data;
  gchar events[4096];

  while (read (fd, events, sizeof events) > 0)
    ;
  read_descriptor_soon (self);
  return G_SOURCE_CONTINUE;
}

/* The daemon appends; inotify says when. Through /proc, as the follower
 * need not be allowed to see the daemon's state folder. */
static gboolean
watch_descriptor (FfLogFollower *self)
{
  g_autofree gchar *path = g_strdup_printf ("/proc/self/fd/%d", self->log_fd);

  self->inotify_fd = inotify_init1 (IN_NONBLOCK | IN_CLOEXEC);
  if (self->inotify_fd < 0 || inotify_add_watch (self->inotify_fd, path, IN_MODIFY) < 0)
    {
      g_debug ("cannot watch the run log for changes: %s", g_strerror (errno));
      return FALSE;
    }
  self->inotify_source = g_unix_fd_source_new (self->inotify_fd, G_IO_IN);
  g_source_set_callback (self->inotify_source, G_SOURCE_FUNC (on_log_changed), self, NULL);
  g_source_attach (self->inotify_source, self->context);
  return TRUE;
}

/* A fastflowd from before the index answers UnknownMethod: all stdout. */
static void
on_open_streams (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (FfLogFollower) self = user_data;
  g_autoptr (GUnixFDList) fds = NULL;
  g_autoptr (GVariant) handle = NULL;
  g_autoptr (GError) error = NULL;

  if (self->done)
    return;
  if (!ff_dbus_run_call_open_streams_finish (FF_DBUS_RUN (source), &handle, &fds, result, &error) ||
      (self->streams_fd = g_unix_fd_list_get (fds, g_variant_get_handle (handle), &error)) < 0)
    g_debug ("the run's output is all on stdout: %s", error->message);
  read_descriptor_soon (self);
}

static void
on_open_log (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (FfLogFollower) self = user_data;
  g_autoptr (GUnixFDList) fds = NULL;
  g_autoptr (GVariant) handle = NULL;
  g_autoptr (GError) error = NULL;

  if (self->done)
    return;
  /* a daemon without OpenLog, or no log file yet for an old run: the bus
   * way gives the same bytes, and the same errors as ever */
  if (!ff_dbus_run_call_open_log_finish (FF_DBUS_RUN (source), &handle, &fds, result, &error) ||
      (self->log_fd = g_unix_fd_list_get (fds, g_variant_get_handle (handle), &error)) < 0 ||
      (self->follow && !run_has_finished (self) && !watch_descriptor (self)))
    {
      if (error != NULL)
        g_debug ("following the log over the bus: %s", error->message);
      close_descriptor (self);
      follow_over_bus (self);
      return;
    }
  ff_dbus_run_call_open_streams (self->run, NULL, NULL, on_open_streams, g_object_ref (self));
}

/* Until OpenLog has answered, the first read is still to come anyway. A
 * follower subscribed to Output follows over the bus. */
static void
on_state_changed (FfDBusRun *run, GParamSpec *pspec, FfLogFollower *self)
{
  if (self->output_id != 0)
    read_more (self);
  else
    read_descriptor_soon (self);
}

static void
connect_run (FfLogFollower *self)
{
  g_signal_connect (self->run, "notify::state", G_CALLBACK (on_state_changed), self);
  g_signal_connect (self->run, "notify::g-name-owner", G_CALLBACK (on_name_owner_changed), self);
  on_name_owner_changed (self->run, NULL, self);
}

void
ff_log_follower_start (FfLogFollower *self)
{
  g_return_if_fail (FF_IS_LOG_FOLLOWER (self));
  self->context = g_main_context_ref_thread_default ();
  if (self->follow)
    connect_run (self);
  if (self->done)
    return;
  ff_dbus_run_call_open_log (self->run, NULL, NULL, on_open_log, g_object_ref (self));
}

const GError *
ff_log_follower_get_error (FfLogFollower *self)
{
  return self->error;
}

static void
ff_log_follower_dispose (GObject *object)
{
  FfLogFollower *self = FF_LOG_FOLLOWER (object);

  stop_watching (self);
  g_clear_object (&self->run);
  g_clear_pointer (&self->context, g_main_context_unref);
  G_OBJECT_CLASS (ff_log_follower_parent_class)->dispose (object);
}

static void
ff_log_follower_finalize (GObject *object)
{
  FfLogFollower *self = FF_LOG_FOLLOWER (object);

  g_clear_error (&self->error);
  g_free (self->read_buf);
  g_array_unref (self->changes);
  G_OBJECT_CLASS (ff_log_follower_parent_class)->finalize (object);
}

static void
ff_log_follower_class_init (FfLogFollowerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ff_log_follower_dispose;
  object_class->finalize = ff_log_follower_finalize;
  /**
   * FfLogFollower::data:
   * @data: the next bytes of the run's log, each byte once and in order
   * @stream: the #FfStream they came from, all of them
   */
  signals[SIGNAL_DATA] = g_signal_new ("data", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                       NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_BYTES, G_TYPE_UINT);
  signals[SIGNAL_DONE] = g_signal_new ("done", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                       NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
ff_log_follower_init (FfLogFollower *self)
{
  self->log_fd = self->inotify_fd = self->streams_fd = -1;
  self->changes = g_array_new (FALSE, FALSE, sizeof (FfStreamChange));
  self->stream = FF_STREAM_STDOUT;
}

/**
 * ff_log_follower_new:
 * @follow: keep following until the run ends; else stop at the log's end
 */
FfLogFollower *
ff_log_follower_new (FfDBusRun *run, gboolean follow)
{
  FfLogFollower *self;

  g_return_val_if_fail (FF_DBUS_IS_RUN (run), NULL);
  self = g_object_new (FF_TYPE_LOG_FOLLOWER, NULL);
  self->run = g_object_ref (run);
  self->follow = follow;
  return self;
}

/**
 * ff_log_follower_abort:
 * @error: (transfer full): why, e.g. the output could not be written
 *
 * Stops following; ::done follows with @error.
 */
void
ff_log_follower_abort (FfLogFollower *self, GError *error)
{
  g_return_if_fail (FF_IS_LOG_FOLLOWER (self));
  finish (self, error);
}
