/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "fastflow.h"

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

/* How long a test waits for an event before it fails. */
#define FF_TEST_WAIT_TIMEOUT_S 60
/* Reads @stream on the main loop into @buffer until @text has appeared, or
 * to its end when @text is NULL. */
void ff_test_wait_for_text (GInputStream *stream, GString *buffer, const gchar *text);
/* Iterates the main loop until *@flag is set. */
void ff_test_wait_for_flag (gboolean *flag);
/* Asks @check every 100 ms, on the main loop, until it says yes. */
typedef gboolean (*FfTestCheck) (gpointer data);
void ff_test_poll_until (FfTestCheck check, gpointer data);
void ff_test_wait_for_exit (GSubprocess *proc);
/* A size from /proc/PID/status of @proc, in bytes: @field "VmRSS" (now),
 * "VmHWM" (the peak). */
guint64 ff_test_memory_bytes (GSubprocess *proc, const gchar *field);
/* A GSubprocessLauncher child setup: the child dies with the test, also
 * when an assertion ends the test before it could clean up. */
void ff_test_die_with_parent (gpointer user_data);
/* A TCP port on 127.0.0.1 that nothing listened on a moment ago. */
guint16 ff_test_free_port (void);
/* Removes a folder and all in it, not following symbolic links. */
void ff_test_remove_tree (const gchar *path);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FfTestDaemon, ff_test_daemon_free)

G_END_DECLS
