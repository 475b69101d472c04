/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "fastflow.h"
#include "ff-test-util.h"

G_BEGIN_DECLS

/* A fastflowd on a private session bus, with its own state and pipelines
 * folders, for tests that talk to it over D-Bus. */
typedef struct
{
  GTestDBus *bus;
  gchar *tmpdir;
  gchar *pipelines_dir;
  gchar *state_dir;
  gchar *config_path;
  GSubprocess *daemon;
  GDBusConnection *connection;
} FfTestDaemon;

FfTestDaemon *ff_test_daemon_new (void);
/* Writes a pipeline folder: files is NULL-terminated pairs of name, content. */
void
ff_test_daemon_add_pipeline (FfTestDaemon *self, const gchar *name, ...) G_GNUC_NULL_TERMINATED;
/* Starts fastflowd (extra arguments NULL-terminated) and waits until it owns its name. */
void ff_test_daemon_start (FfTestDaemon *self, ...) G_GNUC_NULL_TERMINATED;
/* SIGTERM and wait; asserts a clean exit. */
void ff_test_daemon_stop (FfTestDaemon *self);
/* SIGKILL and wait. */
void ff_test_daemon_kill (FfTestDaemon *self);
/* Runs fastflowctl against the private bus; returns its exit status. What
 * *out and *err held before is freed. */
gint ff_test_daemon_ctl (FfTestDaemon *self, gchar **out, gchar **err, ...) G_GNUC_NULL_TERMINATED;
/* Like ff_test_daemon_ctl, with stdout as bytes: it need not be UTF-8. */
gint ff_test_daemon_ctl_bytes (FfTestDaemon *self, GBytes **out, gchar **err, ...)
    G_GNUC_NULL_TERMINATED;
/* Starts fastflowctl against the private bus through @launcher (which sets
 * its pipes, file descriptors and environment) and returns it running. */
GSubprocess *ff_test_daemon_spawn_ctl (FfTestDaemon *self,
                                       GSubprocessLauncher *launcher,
                                       ...) G_GNUC_NULL_TERMINATED;
void ff_test_daemon_free (FfTestDaemon *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FfTestDaemon, ff_test_daemon_free)

G_END_DECLS
