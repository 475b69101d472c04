/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ff-bench: the measuring end of the benchmarks in bench/, in C so that the
 * client side costs as little as the daemon's peers do.
 *
 *   ff-bench runs N PIPELINE [K]    N runs of PIPELINE over D-Bus on one kept
 *                                   connection, K at a time (default 1); the
 *                                   latency is StartRun sent → first Output
 *   ff-bench spawn N PROG [ARG…]    N fork/exec's of PROG from a C loop, the
 *                                   output read from a pipe: the physical limit;
 *                                   the latency is fork → first byte read
 *   ff-bench spawn-parallel N K PROG [ARG…]
 *                                   the same with K children at a time, their
 *                                   pipes read with poll(): the peer of K runs
 *                                   in flight
 *   ff-bench startup PROG [ARG…]    starts PROG and waits until the bus name
 *                                   org.fastflow.Orchestrator1 has an owner
 *
 * Each prints one line of key=value pairs (runs_per_s, median_ms, p99_ms,
 * startup_ms) for the scripts to compare.
 */
#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#define BUS_NAME "org.fastflow.Orchestrator1"
#define MANAGER_PATH "/org/fastflow/Orchestrator1"
#define MANAGER_IFACE "org.fastflow.Orchestrator1.Manager"
#define RUN_IFACE "org.fastflow.Orchestrator1.Run"

static gint
compare_gint64 (gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return (x > y) - (x < y);
}

/* Sorts @latencies (µs) and prints the rate and their median and p99. */
static void
report (const gchar *what, guint n, gint64 elapsed_us, GArray *latencies)
{
  gint64 median = 0, p99 = 0;

  if (latencies->len > 0)
    {
      g_array_sort (latencies, compare_gint64);
      median = g_array_index (latencies, gint64, latencies->len / 2);
      p99 = g_array_index (latencies, gint64, MIN (latencies->len - 1, latencies->len * 99 / 100));
    }
  printf ("%s n=%u runs_per_s=%.1f median_ms=%.3f p99_ms=%.3f\n", what, n,
          n / (elapsed_us / (gdouble) G_USEC_PER_SEC), median / 1000.0, p99 / 1000.0);
}

/* --- runs over D-Bus ---------------------------------------------------- */

typedef struct
{
  GDBusConnection *bus;
  GMainLoop *loop;
  const gchar *pipeline;
  guint total;
  guint parallel;
  guint started;  /* StartRun calls sent */
  guint finished; /* RunFinished seen for our runs */
  guint failed;
  GHashTable *pending; /* run path → sent time (µs), until its first Output */
  GHashTable *ours;    /* run paths this client started and not yet seen finish */
  GHashTable *early;   /* run paths whose Output came before StartRun answered */
  GArray *latencies;
} Runs;

/* The run's path is only known from StartRun's answer; an Output that
 * comes before it waits in @early with its arrival time. */
typedef struct
{
  Runs *runs;
  gint64 sent;
} Call;

static void
on_started_call (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Call *call = user_data;
  Runs *runs = call->runs;
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = NULL;
  const gchar *path;
  gint64 *first_output;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (reply == NULL)
    {
      g_printerr ("ff-bench: StartRun failed: %s\n", error->message);
      exit (1);
    }
  g_variant_get (reply, "(&o)", &path);
  first_output = g_hash_table_lookup (runs->early, path);
  if (first_output != NULL)
    {
      gint64 latency = *first_output - call->sent;
      g_array_append_val (runs->latencies, latency);
      g_hash_table_remove (runs->early, path);
    }
  else
    {
      gint64 *sent = g_new (gint64, 1);
      *sent = call->sent;
      g_hash_table_insert (runs->pending, g_strdup (path), sent);
    }
  g_hash_table_add (runs->ours, g_strdup (path));
  g_free (call);
}

static void
start_next (Runs *runs)
{
  Call *call;

  if (runs->started >= runs->total)
    return;
  call = g_new0 (Call, 1);
  call->runs = runs;
  runs->started++;
  call->sent = g_get_monotonic_time ();
  g_dbus_connection_call (runs->bus, BUS_NAME, MANAGER_PATH, MANAGER_IFACE, "StartRun",
                          g_variant_new ("(s@a{sv})", runs->pipeline,
                                         g_variant_new_array (G_VARIANT_TYPE ("{sv}"), NULL, 0)),
                          G_VARIANT_TYPE ("(o)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, on_started_call,
                          call);
}

static void
on_output (GDBusConnection *bus,
           const gchar *sender,
           const gchar *path,
           const gchar *iface,
           const gchar *member,
           GVariant *params,
           gpointer user_data)
{
  Runs *runs = user_data;
  gint64 now = g_get_monotonic_time ();
  gint64 *sent = g_hash_table_lookup (runs->pending, path);

  if (sent != NULL)
    {
      gint64 latency = now - *sent;
      g_array_append_val (runs->latencies, latency);
      g_hash_table_remove (runs->pending, path);
    }
  else if (!g_hash_table_contains (runs->ours, path) && !g_hash_table_contains (runs->early, path))
    {
      gint64 *at = g_new (gint64, 1);
      *at = now;
      g_hash_table_insert (runs->early, g_strdup (path), at);
    }
}

static void
on_finished (GDBusConnection *bus,
             const gchar *sender,
             const gchar *path,
             const gchar *iface,
             const gchar *member,
             GVariant *params,
             gpointer user_data)
{
  Runs *runs = user_data;
  const gchar *run, *state;

  /* by position: RunFinished may carry more arguments than these */
  g_variant_get_child (params, 0, "&o", &run);
  g_variant_get_child (params, 2, "&s", &state);
  if (!g_hash_table_remove (runs->ours, run))
    return;
  if (g_strcmp0 (state, "succeeded") != 0)
    runs->failed++;
  g_hash_table_remove (runs->pending, run);
  runs->finished++;
  if (runs->finished == runs->total)
    g_main_loop_quit (runs->loop);
  else
    start_next (runs);
}

static int
bench_runs (guint n, const gchar *pipeline, guint parallel)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  Runs runs = { 0 };
  gint64 t0;

  runs.bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  if (runs.bus == NULL)
    {
      g_printerr ("ff-bench: no session bus: %s\n", error->message);
      return 1;
    }
  runs.loop = loop;
  runs.pipeline = pipeline;
  runs.total = n;
  runs.parallel = MAX (parallel, 1);
  runs.pending = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  runs.early = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  runs.ours = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  runs.latencies = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_dbus_connection_signal_subscribe (runs.bus, BUS_NAME, RUN_IFACE, "Output", NULL, NULL,
                                      G_DBUS_SIGNAL_FLAGS_NONE, on_output, &runs, NULL);
  g_dbus_connection_signal_subscribe (runs.bus, BUS_NAME, MANAGER_IFACE, "RunFinished",
                                      MANAGER_PATH, NULL, G_DBUS_SIGNAL_FLAGS_NONE, on_finished,
                                      &runs, NULL);
  /* the match rules are in place before the first StartRun */
  g_dbus_connection_call_sync (runs.bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                               "org.freedesktop.DBus.Peer", "Ping", NULL, NULL,
                               G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
  t0 = g_get_monotonic_time ();
  for (guint i = 0; i < runs.parallel; i++)
    start_next (&runs);
  g_main_loop_run (loop);
  report ("runs", n, g_get_monotonic_time () - t0, runs.latencies);
  if (runs.failed > 0)
    g_printerr ("ff-bench: %u runs did not succeed\n", runs.failed);
  return runs.failed > 0 ? 1 : 0;
}

/* --- fork/exec from a C loop --------------------------------------------- */

/* One child of the loop: its pid, the read end of its stdout, when it was
 * forked and whether its first byte has come. */
typedef struct
{
  pid_t pid;
  int fd;
  gint64 start;
  gboolean first;
} Child;

static gboolean
child_start (Child *child, char **argv)
{
  int fds[2];

  if (pipe2 (fds, O_CLOEXEC) != 0)
    return FALSE;
  child->start = g_get_monotonic_time ();
  child->first = TRUE;
  child->pid = fork ();
  if (child->pid < 0)
    return FALSE;
  if (child->pid == 0)
    {
      dup2 (fds[1], STDOUT_FILENO);
      execvp (argv[0], argv);
      _exit (127);
    }
  close (fds[1]);
  child->fd = fds[0];
  return TRUE;
}

/* Reads what the child wrote; FALSE once its output has ended and it has
 * been reaped, with *@ok saying whether it exited 0. */
static gboolean
child_read (Child *child, GArray *latencies, gboolean *ok)
{
  char buf[65536];
  ssize_t got = read (child->fd, buf, sizeof buf);
  int status;

  if (got < 0 && errno == EINTR)
    return TRUE;
  if (got > 0 && child->first)
    {
      gint64 latency = g_get_monotonic_time () - child->start;
      g_array_append_val (latencies, latency);
      child->first = FALSE;
    }
  if (got > 0)
    return TRUE;
  close (child->fd);
  while (waitpid (child->pid, &status, 0) < 0 && errno == EINTR)
    ;
  *ok = WIFEXITED (status) && WEXITSTATUS (status) == 0;
  return FALSE;
}

/* @n fork/exec's of @argv, @k of them at a time (1: one after the other). */
static int
bench_spawn (guint n, guint k, char **argv)
{
  g_autoptr (GArray) latencies = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autofree Child *children = g_new0 (Child, k);
  g_autofree struct pollfd *fds = g_new0 (struct pollfd, k);
  gint64 t0 = g_get_monotonic_time ();
  guint started = 0, running = 0;

  while (started < n || running > 0)
    {
      for (; running < k && started < n; running++, started++)
        {
          if (!child_start (&children[running], argv))
            return 1;
        }
      for (guint i = 0; i < running; i++)
        fds[i] = (struct pollfd){ .fd = children[i].fd, .events = POLLIN };
      if (poll (fds, running, -1) < 0 && errno != EINTR)
        return 1;
      /* from the end, so that a finished child's slot takes the last one */
      for (guint i = running; i-- > 0;)
        {
          gboolean ok = TRUE;

          if (fds[i].revents == 0 || child_read (&children[i], latencies, &ok))
            continue;
          if (!ok)
            {
              g_printerr ("ff-bench: %s failed\n", argv[0]);
              return 1;
            }
          children[i] = children[--running];
        }
    }
  report ("spawn", n, g_get_monotonic_time () - t0, latencies);
  return 0;
}

/* --- start-up time -------------------------------------------------------- */

static void
on_name_appeared (GDBusConnection *bus, const gchar *name, const gchar *owner, gpointer user_data)
{
  g_main_loop_quit (user_data);
}

static void
on_child_exited (GPid pid, gint status, gpointer user_data)
{
  g_printerr ("ff-bench: the daemon exited before it owned %s\n", BUS_NAME);
  exit (1);
}

static int
bench_startup (char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr (GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  gint64 t0;
  GPid pid;
  guint watch;

  if (bus == NULL)
    {
      g_printerr ("ff-bench: no session bus: %s\n", error->message);
      return 1;
    }
  watch = g_bus_watch_name_on_connection (bus, BUS_NAME, G_BUS_NAME_WATCHER_FLAGS_NONE,
                                          on_name_appeared, NULL, loop, NULL);
  /* the watcher's first answer (no owner yet) comes before the clock starts */
  g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                               "org.freedesktop.DBus.Peer", "Ping", NULL, NULL,
                               G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
  t0 = g_get_monotonic_time ();
  if (!g_spawn_async (NULL, argv, NULL,
                      G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL |
                          G_SPAWN_STDERR_TO_DEV_NULL,
                      NULL, NULL, &pid, &error))
    {
      g_printerr ("ff-bench: cannot start %s: %s\n", argv[0], error->message);
      return 1;
    }
  g_child_watch_add (pid, on_child_exited, NULL);
  g_main_loop_run (loop);
  /* the pid, so that the script can stop the daemon it started (and reap
   * it: it is re-parented to init once ff-bench exits) */
  printf ("startup startup_ms=%.1f pid=%d\n", (g_get_monotonic_time () - t0) / 1000.0, (int) pid);
  g_bus_unwatch_name (watch);
  return 0;
}

int
main (int argc, char **argv)
{
  setvbuf (stdout, NULL, _IOLBF, 0);
  if (argc >= 4 && g_str_equal (argv[1], "runs"))
    return bench_runs ((guint) g_ascii_strtoull (argv[2], NULL, 10), argv[3],
                       argc >= 5 ? (guint) g_ascii_strtoull (argv[4], NULL, 10) : 1);
  if (argc >= 4 && g_str_equal (argv[1], "spawn"))
    return bench_spawn ((guint) g_ascii_strtoull (argv[2], NULL, 10), 1, argv + 3);
  if (argc >= 5 && g_str_equal (argv[1], "spawn-parallel"))
    return bench_spawn ((guint) g_ascii_strtoull (argv[2], NULL, 10),
                        MAX ((guint) g_ascii_strtoull (argv[3], NULL, 10), 1), argv + 4);
  if (argc >= 3 && g_str_equal (argv[1], "startup"))
    return bench_startup (argv + 2);
  g_printerr ("Usage: ff-bench runs N PIPELINE [K] | spawn N PROG [ARG…] | spawn-parallel N K PROG "
              "[ARG…] | startup PROG [ARG…]\n");
  return 2;
}
