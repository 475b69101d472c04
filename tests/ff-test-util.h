/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * What every test program may share, with or without a daemon: waiting on
 * the main loop with a safety timeout, removing a test's folder, and a few
 * facts about processes and ports. (A daemon on a private bus is in
 * ff-test-daemon.h.)
 */

/* How long a test waits for an event before it fails. Generous, for a
 * loaded machine or valgrind; only reached when a test fails. */
#define FF_TEST_WAIT_TIMEOUT_S 60

/* Says whether what a test waits for has come. */
typedef gboolean (*FfTestCheck) (gpointer data);
/* An FfTestCheck for a gboolean that a callback sets. */
gboolean ff_test_is_set (gpointer flag);

/* Iterates the main loop until @check says yes; fails the test, naming
 * @what, after @seconds. */
void ff_test_wait_until_within (FfTestCheck check, gpointer data, guint seconds, const gchar *what);
/* The same within FF_TEST_WAIT_TIMEOUT_S. */
void ff_test_wait_until (FfTestCheck check, gpointer data, const gchar *what);
/* Iterates the main loop until *@flag is set. */
void ff_test_wait_for_flag (const gboolean *flag);
/* Asks @check every 100 ms, on the main loop, until it says yes: for
 * what no event announces. */
void ff_test_poll_until (FfTestCheck check, gpointer data);
/* Reads @stream on the main loop into @buffer until @text has appeared, or
 * to its end when @text is NULL. */
void ff_test_wait_for_text (GInputStream *stream, GString *buffer, const gchar *text);
void ff_test_wait_for_exit (GSubprocess *proc);

/* Removes a folder and all in it, not following symbolic links; a path
 * that is not a folder is removed as it is. */
void ff_test_remove_tree (const gchar *path);

/* A size from /proc/PID/status of @proc, in bytes: @field "VmRSS" (now),
 * "VmHWM" (the peak). */
guint64 ff_test_memory_bytes (GSubprocess *proc, const gchar *field);
/* A GSubprocessLauncher child setup: the child dies with the test, also
 * when an assertion ends the test before it could clean up. */
void ff_test_die_with_parent (gpointer user_data);
/* A TCP port on 127.0.0.1 that nothing listened on a moment ago. */
guint16 ff_test_free_port (void);

/* python3 -c @script with @args (NULL-terminated, may be NULL) and @input
 * on stdin; returns its stdout, and fails the test with its stderr when
 * it fails. */
gchar *ff_test_run_python (const gchar *script, const gchar *const *args, const gchar *input);
/* Python's cryptography Fernet, the one Fast-Flow uses: @op "encrypt" or
 * "decrypt" of @text with @key. Fails loudly without python3-cryptography. */
gchar *ff_test_python_fernet (const gchar *op, const gchar *key, const gchar *text);
/* Fails the test when a file under @dir holds @needle (a secret). */
void ff_test_assert_nowhere_in (const gchar *dir, const gchar *needle);

/* Records the warnings of log domain fastflowd (in order) instead of
 * aborting the test, so that a test can check them: loading a pipeline
 * logs its warnings. Call once, before anything logs. */
GPtrArray *ff_test_record_daemon_warnings (void);

G_END_DECLS
