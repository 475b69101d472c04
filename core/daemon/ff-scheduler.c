/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "ff-scheduler.h"

/* A timer never waits longer than this, so that a changed wall clock (a
 * suspend, an NTP step) is noticed within a minute. */
#define MAX_SLEEP_MS (60 * 1000)

/* One timer: the pipeline's own schedule_* fields, or one schedules[] entry. */
typedef struct
{
  gchar *key; /* "pipeline", "pipeline/id" or "pipeline!restart": names hold neither */
  gchar *pipeline;
  gchar *run_config;
  gboolean restart; /* restart_interval (cron or seconds): restarts, not starts, the pipeline */
  FfCronSchedule *cron;
  gint64 interval; /* µs */
  gint64 start;
  gint64 end;
  gint64 once_at;
  gint64 anchor;    /* µs, when first seen: where intervals count from */
  gint64 last_fire; /* µs, the last time it fired or was found due */
} Entry;

struct _FfScheduler
{
  GObject parent_instance;
  FfRunStore *store;
  GTimeZone *time_zone;
  FfMissedPolicy missed;
  FfClockFunc clock;
  gpointer clock_data;
  GHashTable *entries; /* key → Entry */
  gboolean started;
  guint timer_id;
};

G_DEFINE_TYPE (FfScheduler, ff_scheduler, G_TYPE_OBJECT)

enum
{
  SIGNAL_FIRE,
  SIGNAL_RESTART,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
entry_free (Entry *entry)
{
  g_free (entry->key);
  g_free (entry->pipeline);
  g_free (entry->run_config);
  g_clear_object (&entry->cron);
  g_free (entry);
}

static gint64
now (FfScheduler *self)
{
  return self->clock (self->clock_data);
}

static gint64
real_clock (gpointer user_data)
{
  return g_get_real_time ();
}

static gint64
next_cron (FfScheduler *self, Entry *entry, gint64 after)
{
  g_autoptr (GDateTime) utc = NULL;
  g_autoptr (GDateTime) from = NULL;
  g_autoptr (GDateTime) next = NULL;

  if (entry->cron == NULL)
    return 0;
  /* a schedule that starts later counts from its start */
  if (entry->start > 0 && after < entry->start)
    after = entry->start - 1;
  utc = g_date_time_new_from_unix_utc (after / G_USEC_PER_SEC);
  if (utc == NULL)
    return 0;
  from = g_date_time_to_timezone (utc, self->time_zone);
  next = ff_cron_schedule_get_next (entry->cron, from);
  return next != NULL ? g_date_time_to_unix (next) * G_USEC_PER_SEC : 0;
}

/* Fire times are counted from the wall clock (anchor + n × interval), so
 * a late timer does not push every later run back. */
static gint64
next_interval (Entry *entry, gint64 after)
{
  gint64 anchor = entry->start > 0 ? entry->start : entry->anchor;

  if (entry->interval <= 0)
    return 0;
  if (after < anchor)
    return anchor;
  return anchor + ((after - anchor) / entry->interval + 1) * entry->interval;
}

static gint64
earliest (gint64 a, gint64 b)
{
  if (a == 0)
    return b;
  if (b == 0)
    return a;
  return MIN (a, b);
}

/* The first fire time after @after, 0 if there is none. */
static gint64
next_fire (FfScheduler *self, Entry *entry, gint64 after)
{
  gint64 repeating = earliest (next_cron (self, entry, after), next_interval (entry, after));
  gint64 once = entry->once_at > after ? entry->once_at : 0;

  if (entry->end > 0 && repeating > entry->end)
    repeating = 0;
  return earliest (repeating, once);
}

static void
save_entry (FfScheduler *self, Entry *entry)
{
  g_autoptr (GError) error = NULL;

  if (!ff_run_store_save_schedule (self->store, entry->key, entry->anchor, entry->last_fire,
                                   &error))
    g_warning (_ ("The schedule of %s could not be saved; it may fire again after a restart: %s"),
               entry->pipeline, error->message);
}

/* A schedule known from an earlier run of the daemon keeps where it stood;
 * one seen for the first time starts now, with nothing to catch up on. */
static void
restore_entry (FfScheduler *self, Entry *entry)
{
  g_autoptr (GError) error = NULL;
  gint64 next;

  if (!ff_run_store_load_schedule (self->store, entry->key, &entry->anchor, &entry->last_fire,
                                   &error))
    {
      if (error != NULL)
        g_warning ("%s", error->message);
      entry->anchor = entry->last_fire = now (self);
      save_entry (self, entry);
      return;
    }
  next = next_fire (self, entry, entry->last_fire);
  if (next == 0 || next > now (self) || self->missed == FF_MISSED_RUN_ONCE)
    return;
  g_message (_ ("The schedule of %s fell due while fastflowd was not running; it waits for its "
                "next time (missed = skip)"),
             entry->pipeline);
  entry->last_fire = now (self);
  save_entry (self, entry);
}

static Entry *
new_entry (const gchar *pipeline, const gchar *id)
{
  Entry *entry = g_new0 (Entry, 1);

  entry->pipeline = g_strdup (pipeline);
  entry->run_config = g_strdup (id);
  entry->key = id != NULL ? g_strconcat (pipeline, "/", id, NULL) : g_strdup (pipeline);
  return entry;
}

static void
set_timing (Entry *entry,
            const gchar *cron,
            guint64 interval_seconds,
            gint64 start,
            gint64 end,
            gint64 once_at)
{
  /* the pipeline parser has checked the expression already */
  entry->cron = cron != NULL ? ff_cron_schedule_new (cron, NULL) : NULL;
  entry->interval =
      (gint64) MIN (interval_seconds, (guint64) G_MAXINT64 / G_USEC_PER_SEC) * G_USEC_PER_SEC;
  entry->start = start;
  entry->end = end;
  entry->once_at = once_at;
}

static gboolean
has_timing (Entry *entry)
{
  return entry->cron != NULL || entry->interval > 0 || entry->once_at > 0;
}

static void
add_entry (FfScheduler *self, GHashTable *old, Entry *entry)
{
  Entry *previous = g_hash_table_lookup (old, entry->key);

  if (!has_timing (entry))
    {
      entry_free (entry);
      return;
    }
  if (previous != NULL)
    {
      entry->anchor = previous->anchor;
      entry->last_fire = previous->last_fire;
    }
  else
    restore_entry (self, entry);
  g_hash_table_replace (self->entries, entry->key, entry);
}

static void
add_pipeline (FfScheduler *self, GHashTable *old, FfPipeline *pipeline)
{
  const gchar *name = ff_pipeline_get_name (pipeline);
  GPtrArray *schedules = ff_pipeline_get_schedules (pipeline);
  Entry *entry;

  if (ff_pipeline_is_broken (pipeline) || !ff_pipeline_get_enabled (pipeline))
    return;
  /* with schedules[], the top-level schedule fields are not used (as in
   * Fast-Flow) */
  for (guint i = 0; i < schedules->len; i++)
    {
      FfSchedule *schedule = g_ptr_array_index (schedules, i);

      if (!schedule->enabled)
        continue;
      entry = new_entry (name, schedule->id);
      set_timing (entry, schedule->schedule_cron, schedule->schedule_interval_seconds,
                  schedule->schedule_start, schedule->schedule_end, schedule->run_once_at);
      add_entry (self, old, entry);
    }
  if (ff_pipeline_get_restart_interval (pipeline) != NULL ||
      ff_pipeline_get_restart_interval_seconds (pipeline) > 0)
    {
      entry = new_entry (name, NULL);
      g_free (entry->key);
      entry->key = g_strconcat (name, "!restart", NULL);
      entry->restart = TRUE;
      set_timing (entry, ff_pipeline_get_restart_interval (pipeline),
                  ff_pipeline_get_restart_interval_seconds (pipeline), 0, 0, 0);
      add_entry (self, old, entry);
    }
  if (schedules->len > 0)
    return;
  entry = new_entry (name, NULL);
  set_timing (entry, ff_pipeline_get_schedule_cron (pipeline),
              ff_pipeline_get_schedule_interval_seconds (pipeline),
              ff_pipeline_get_schedule_start (pipeline), ff_pipeline_get_schedule_end (pipeline),
              ff_pipeline_get_run_once_at (pipeline));
  add_entry (self, old, entry);
}

static void arm (FfScheduler *self);

void
ff_scheduler_set_pipelines (FfScheduler *self, GPtrArray *pipelines)
{
  g_autoptr (GHashTable) old = NULL;

  g_return_if_fail (FF_IS_SCHEDULER (self));
  g_return_if_fail (pipelines != NULL);

  old = g_steal_pointer (&self->entries);
  self->entries =
      g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) entry_free);
  for (guint i = 0; i < pipelines->len; i++)
    add_pipeline (self, old, g_ptr_array_index (pipelines, i));
  if (self->started)
    arm (self);
}

typedef struct
{
  gchar *pipeline;
  gchar *run_config;
  gboolean restart;
} Due;

static void
due_free (Due *due)
{
  g_free (due->pipeline);
  g_free (due->run_config);
  g_free (due);
}

guint
ff_scheduler_run_due (FfScheduler *self)
{
  g_autoptr (GPtrArray) due = g_ptr_array_new_with_free_func ((GDestroyNotify) due_free);
  GHashTableIter iter;
  gpointer value;
  gint64 time = now (self);

  g_return_val_if_fail (FF_IS_SCHEDULER (self), 0);

  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Entry *entry = value;
      gint64 next = next_fire (self, entry, entry->last_fire);
      Due *item;

      if (next == 0 || next > time)
        continue;
      /* saved before it fires: a crash in between loses a run rather than
       * running it twice */
      entry->last_fire = time;
      save_entry (self, entry);
      /* copied: a handler may rescan the pipelines and free the entries */
      item = g_new0 (Due, 1);
      item->pipeline = g_strdup (entry->pipeline);
      item->run_config = g_strdup (entry->run_config);
      item->restart = entry->restart;
      g_ptr_array_add (due, item);
    }
  for (guint i = 0; i < due->len; i++)
    {
      Due *item = g_ptr_array_index (due, i);

      g_signal_emit (self, signals[item->restart ? SIGNAL_RESTART : SIGNAL_FIRE], 0, item->pipeline,
                     item->run_config);
    }
  return due->len;
}

static gint64
earliest_fire (FfScheduler *self)
{
  GHashTableIter iter;
  gpointer value;
  gint64 first = 0;

  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Entry *entry = value;
      first = earliest (first, next_fire (self, entry, entry->last_fire));
    }
  return first;
}

static gboolean
on_timer (gpointer user_data)
{
  FfScheduler *self = user_data;

  self->timer_id = 0;
  ff_scheduler_run_due (self);
  arm (self);
  return G_SOURCE_REMOVE;
}

static void
arm (FfScheduler *self)
{
  gint64 first = earliest_fire (self);
  gint64 wait_ms = MAX_SLEEP_MS;

  g_clear_handle_id (&self->timer_id, g_source_remove);
  if (first > 0)
    wait_ms = CLAMP ((first - now (self) + 999) / 1000, 0, MAX_SLEEP_MS);
  self->timer_id = g_timeout_add ((guint) wait_ms, on_timer, self);
}

void
ff_scheduler_start (FfScheduler *self)
{
  g_return_if_fail (FF_IS_SCHEDULER (self));

  self->started = TRUE;
  ff_scheduler_run_due (self);
  arm (self);
}

gint64
ff_scheduler_get_next_fire (FfScheduler *self, const gchar *pipeline)
{
  GHashTableIter iter;
  gpointer value;
  gint64 first = 0;

  g_return_val_if_fail (FF_IS_SCHEDULER (self), 0);

  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Entry *entry = value;
      if (g_str_equal (entry->pipeline, pipeline))
        first = earliest (first, next_fire (self, entry, entry->last_fire));
    }
  return first;
}

void
ff_scheduler_set_clock (FfScheduler *self, FfClockFunc clock, gpointer user_data)
{
  g_return_if_fail (FF_IS_SCHEDULER (self));
  self->clock = clock;
  self->clock_data = user_data;
}

static void
ff_scheduler_finalize (GObject *object)
{
  FfScheduler *self = FF_SCHEDULER (object);

  g_clear_handle_id (&self->timer_id, g_source_remove);
  g_hash_table_unref (self->entries);
  g_clear_object (&self->store);
  g_time_zone_unref (self->time_zone);
  G_OBJECT_CLASS (ff_scheduler_parent_class)->finalize (object);
}

static void
ff_scheduler_class_init (FfSchedulerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ff_scheduler_finalize;

  /**
   * FfScheduler::fire:
   * @pipeline: the pipeline to run
   * @run_config: (nullable): the schedules[] id to run it with
   */
  /**
   * FfScheduler::restart:
   * @pipeline: the long-running pipeline whose restart_interval fell due
   * @run_config: always %NULL
   */
  signals[SIGNAL_RESTART] =
      g_signal_new ("restart", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                    G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
  signals[SIGNAL_FIRE] =
      g_signal_new ("fire", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                    G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
}

static void
ff_scheduler_init (FfScheduler *self)
{
  self->clock = real_clock;
  self->entries =
      g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) entry_free);
}

/**
 * ff_scheduler_new:
 * @time_zone: the zone cron expressions are read in
 * @missed: what to do with what fell due while the daemon was down
 */
FfScheduler *
ff_scheduler_new (FfRunStore *store, GTimeZone *time_zone, FfMissedPolicy missed)
{
  FfScheduler *self = g_object_new (FF_TYPE_SCHEDULER, NULL);

  self->store = g_object_ref (store);
  self->time_zone = g_time_zone_ref (time_zone);
  self->missed = missed;
  return self;
}
