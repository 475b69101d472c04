/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "fastflow.h"
#include "ff-run-store.h"

G_BEGIN_DECLS

#define FF_TYPE_SCHEDULER (ff_scheduler_get_type ())
G_DECLARE_FINAL_TYPE (FfScheduler, ff_scheduler, FF, SCHEDULER, GObject)

/**
 * FfMissedPolicy:
 * @FF_MISSED_RUN_ONCE: a schedule that fell due while the daemon was down
 *   fires once at start-up, however often it fell due
 * @FF_MISSED_SKIP: it waits for its next fire time
 */
typedef enum
{
  FF_MISSED_RUN_ONCE,
  FF_MISSED_SKIP,
} FfMissedPolicy;

/* µs since the epoch; the scheduler asks it for "now", so that tests can
 * move time instead of waiting for it. */
typedef gint64 (*FfClockFunc) (gpointer user_data);

FfScheduler *ff_scheduler_new (FfRunStore *store, GTimeZone *time_zone, FfMissedPolicy missed);
void ff_scheduler_set_clock (FfScheduler *self, FfClockFunc clock, gpointer user_data);
/* The pipelines whose schedules count from now on (after each scan). */
void ff_scheduler_set_pipelines (FfScheduler *self, GPtrArray *pipelines);
/* Fires what is due now and arms a timer for what comes next. */
void ff_scheduler_start (FfScheduler *self);
/* Fires what is due at the clock's now; returns how many fired. */
guint ff_scheduler_run_due (FfScheduler *self);
/* The next fire time of any of @pipeline's schedules, 0 if none. */
gint64 ff_scheduler_get_next_fire (FfScheduler *self, const gchar *pipeline);

G_END_DECLS
