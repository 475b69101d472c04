/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "fastflow.h"

G_BEGIN_DECLS

/*
 * One execution driven through any FfExecutor, as its signals tell it:
 * the launch, the output per stream, the exit. The executors' tests share
 * it (plugins/local, and through docker-common's ff-test-run.h the
 * docker-proxy and swarm ones); they wait on its flags with
 * ff-test-util.h's helpers.
 */

typedef enum
{
  FF_TEST_RUN_NONE = 0,
  /* out and err keep the bytes; without it (20 MB runs) they are NULL and
   * the output is only counted and summed */
  FF_TEST_RUN_KEEP_OUTPUT = 1 << 0,
  /* output or a second ::exited after ::exited fails the test at once;
   * without it they are counted for the test to check */
  FF_TEST_RUN_EXIT_IS_LAST = 1 << 1,
} FfTestRunFlags;

typedef struct _FfTestRun FfTestRun;

struct _FfTestRun
{
  FfTestRunFlags flags;
  FfRunRequest *request;
  gboolean launched;
  GError *launch_error;
  FfExecution *execution;
  /* may hold NUL bytes: compare with ->len */
  GString *out;
  GString *err;
  guint64 out_size;
  guint64 err_size;
  guint64 out_nonzero;
  GChecksum *out_checksum;
  gboolean got_output;
  gboolean exited;
  guint exited_count;
  guint output_after_exit;
  /* -1 until ::exited */
  gint exit_code;
  FfReason reason;
  gchar *message;
  /* when the launch was asked for, and when ::exited came */
  gint64 launched_at;
  gint64 exited_at;
  /* called once when out first contains `marker` */
  const gchar *marker;
  void (*on_marker) (gpointer run);
  gint64 marker_at;
};

FfTestRun *ff_test_run_new (FfTestRunFlags flags);
/* Launches @request (taking it) through @executor and returns at once;
 * ->launched says when the launch has finished. */
void ff_test_run_launch (FfTestRun *run,
                         FfExecutor *executor,
                         FfRunRequest *request,
                         GCancellable *cancellable);
void ff_test_run_free (FfTestRun *run);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FfTestRun, ff_test_run_free)

G_END_DECLS
