/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "ff-log-follower.h"

#define READ_CHUNK (1024 * 1024)

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
finish (FfLogFollower *self, GError *error)
{
  if (self->done)
    {
      g_clear_error (&error);
      return;
    }
  self->done = TRUE;
  self->error = error;
  g_signal_handlers_disconnect_by_data (self->run, self);
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
  g_signal_emit (self, signals[SIGNAL_DATA], 0, bytes);
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
on_output (FfDBusRun *run, guint64 offset, GVariant *data, FfLogFollower *self)
{
  gsize len = 0;
  const guint8 *bytes = g_variant_get_fixed_array (data, &len, 1);

  /* a ReadLog under way already covers it, or will be followed by another */
  if (self->reading || offset > self->written)
    {
      read_more (self);
      return;
    }
  write_from (self, offset, bytes, len);
}

static void
on_state_changed (FfDBusRun *run, GParamSpec *pspec, FfLogFollower *self)
{
  read_more (self);
}

/* fastflowd stopped or crashed: no Output and no end will come */
static void
on_name_owner_changed (FfDBusRun *run, GParamSpec *pspec, FfLogFollower *self)
{
  g_autofree gchar *owner = g_dbus_proxy_get_name_owner (G_DBUS_PROXY (run));

  if (owner != NULL)
    return;
  finish (self, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CLOSED,
                                     _ ("fastflowd went away before the run finished (it was "
                                        "stopped or crashed); the run’s state is unknown")));
}

void
ff_log_follower_start (FfLogFollower *self)
{
  if (self->follow)
    {
      g_signal_connect (self->run, "output", G_CALLBACK (on_output), self);
      g_signal_connect (self->run, "notify::state", G_CALLBACK (on_state_changed), self);
      g_signal_connect (self->run, "notify::g-name-owner", G_CALLBACK (on_name_owner_changed),
                        self);
      on_name_owner_changed (self->run, NULL, self);
    }
  if (!self->done)
    read_more (self);
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

  if (self->run != NULL)
    g_signal_handlers_disconnect_by_data (self->run, self);
  g_clear_object (&self->run);
  G_OBJECT_CLASS (ff_log_follower_parent_class)->dispose (object);
}

static void
ff_log_follower_finalize (GObject *object)
{
  FfLogFollower *self = FF_LOG_FOLLOWER (object);

  g_clear_error (&self->error);
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
   */
  signals[SIGNAL_DATA] = g_signal_new ("data", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                       NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_BYTES);
  signals[SIGNAL_DONE] = g_signal_new ("done", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                       NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
ff_log_follower_init (FfLogFollower *self)
{
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
