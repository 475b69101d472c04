/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ff-local-spawn.h"

/* Starts a run's process without fork(): fork() copies the daemon's page
 * tables and then pays a copy-on-write fault for each page the daemon
 * touches until the child has called execve(); under `perf`, about 40 %
 * of the daemon's time per local run. A clone (CLONE_VM | CLONE_VFORK)
 * child runs in the daemon's memory while the calling thread sleeps, so
 * until execve() it may only call async-signal-safe functions and never
 * allocate: everything it needs is prepared before. */

#ifndef SYS_close_range
#define SYS_close_range 436
#endif

/* Big enough for the lazy binding of a libc function on its first call,
 * which saves the CPU's extended state on the stack. */
#define CHILD_STACK_SIZE (64 * 1024)

/* What the child reads; it writes only sh_argv[1] and its report pipe. */
typedef struct
{
  const gchar *dir;
  /* the files argv[0] may be, in the order to try them */
  gchar **candidates;
  gchar **argv;
  /* "/bin/sh", the candidate, argv[1]…: for a script without "#!" */
  gchar **sh_argv;
  gchar **envp;
  /* the child's ends of the pipes, none of them 0, 1 or 2 */
  gint stdout_fd;
  gint stderr_fd;
  gint report_fd;
  /* the descriptors to close when close_range() is missing */
  gint max_fd;
  pid_t parent;
  /* the caller's signal mask, which the program starts with */
  sigset_t mask;
  /* cgroup.procs files the child joins, before anything else runs */
  const gint *cgroup_fds;
  guint n_cgroup_fds;
} Child;

static void
clear_fd (gint *fd)
{
  if (*fd >= 0)
    close (*fd);
  *fd = -1;
}

/* Both ends close on exec; the child's end (the write end) is moved above
 * 2, so that when the daemon runs with a standard descriptor closed, the
 * child's dup2() onto stdout or stderr cannot overwrite another of its
 * pipes before it was copied. */
static gboolean
open_pipe (gint fds[2])
{
  gint high;

  if (pipe2 (fds, O_CLOEXEC) < 0)
    return FALSE;
  if (fds[1] > STDERR_FILENO)
    return TRUE;
  high = fcntl (fds[1], F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
  clear_fd (&fds[1]);
  fds[1] = high;
  if (high >= 0)
    return TRUE;
  clear_fd (&fds[0]);
  return FALSE;
}

/* As g_spawn's G_SPAWN_SEARCH_PATH did: the daemon's PATH, not the run's,
 * and an empty entry is the working directory, which is the pipeline's. */
static gchar **
find_candidates (const gchar *file)
{
  const gchar *search = g_getenv ("PATH");
  GPtrArray *paths;

  if (strchr (file, '/') != NULL)
    return g_strdupv ((gchar *[]){ (gchar *) file, NULL });
  if (search == NULL)
    search = "/bin:/usr/bin:.";
  paths = g_ptr_array_new ();
  do
    {
      const gchar *end = strchrnul (search, ':');

      if (end == search)
        g_ptr_array_add (paths, g_strdup (file));
      else
        g_ptr_array_add (paths, g_strdup_printf ("%.*s/%s", (gint) (end - search), search, file));
      search = end;
    }
  while (*search++ != '\0');
  g_ptr_array_add (paths, NULL);
  return (gchar **) g_ptr_array_free (paths, FALSE);
}

/* The strings stay @argv's; slot 1 is the child's to fill. */
static gchar **
shell_argv (const gchar *const *argv)
{
  guint argc = g_strv_length ((gchar **) argv);
  gchar **sh_argv = g_new0 (gchar *, argc + 2);

  sh_argv[0] = (gchar *) "/bin/sh";
  for (guint i = 1; i < argc; i++)
    sh_argv[i + 1] = (gchar *) argv[i];
  return sh_argv;
}

/* --- in the child, until execve() ------------------------------------- */

static G_NORETURN void
report_and_exit (const Child *child)
{
  gint child_errno = errno;

  while (write (child->report_fd, &child_errno, sizeof child_errno) < 0 && errno == EINTR)
    ;
  _exit (127);
}

/* g_spawn set these back to the default even when ignored: GSocket
 * ignores SIGPIPE in the whole daemon, and a pipeline's `yes | head`
 * expects to die of it. */
static gboolean
always_default (gint sig)
{
  return sig == SIGPIPE || sig == SIGCHLD || sig == SIGINT || sig == SIGTERM || sig == SIGHUP;
}

/* A caught signal would run one of the daemon's handlers in the child, on
 * the daemon's memory (GLib catches SIGCHLD); what is ignored stays so, as
 * across any execve(). */
static void
reset_signal_handlers (void)
{
  struct sigaction action = { .sa_handler = SIG_DFL };

  for (gint sig = 1; sig < NSIG; sig++)
    {
      struct sigaction old;

      /* glibc's own signals and SIGKILL/SIGSTOP refuse, rightly */
      if (sigaction (sig, NULL, &old) < 0 || old.sa_handler == SIG_DFL)
        continue;
      if (old.sa_handler == SIG_IGN && !always_default (sig))
        continue;
      sigaction (sig, &action, NULL);
    }
}

/* stdin is /dev/null: a run is never interactive. */
static gboolean
redirect_stdio (const Child *child)
{
  gint null_fd;

  if (dup2 (child->stdout_fd, STDOUT_FILENO) < 0 || dup2 (child->stderr_fd, STDERR_FILENO) < 0)
    return FALSE;
  /* 0 itself when the daemon has no stdin; above 2 it is closed next */
  null_fd = open ("/dev/null", O_RDONLY);
  if (null_fd < 0)
    return FALSE;
  return null_fd == STDIN_FILENO || dup2 (null_fd, STDIN_FILENO) == STDIN_FILENO;
}

static gboolean
close_range_of (guint first, guint last)
{
  return first > last || syscall (SYS_close_range, first, last, 0) == 0;
}

/* All but stdio and the report pipe, which closes itself on exec. Without
 * close_range() (ENOSYS before Linux 5.9, EPERM under an old seccomp
 * profile), one by one up to the descriptor limit. */
static void
close_other_fds (const Child *child)
{
  guint report = child->report_fd;

  if (close_range_of (STDERR_FILENO + 1, report - 1) && close_range_of (report + 1, ~0U))
    return;
  for (gint fd = STDERR_FILENO + 1; fd < child->max_fd; fd++)
    {
      if (fd != child->report_fd)
        close (fd);
    }
}

static gboolean
is_not_there (gint child_errno)
{
  return child_errno == ENOENT || child_errno == ENOTDIR || child_errno == ESTALE ||
         child_errno == ENODEV || child_errno == ETIMEDOUT;
}

/* As execvp(): a candidate that is missing or not allowed moves on to the
 * next, any other failure ends the search with its errno. */
static void
exec_candidates (Child *child)
{
  gboolean denied = FALSE;

  for (gchar **path = child->candidates; *path != NULL; path++)
    {
      execve (*path, child->argv, child->envp);
      if (errno == ENOEXEC)
        {
          /* a script without "#!": g_spawn ran it with the shell */
          child->sh_argv[1] = *path;
          execve (child->sh_argv[0], child->sh_argv, child->envp);
        }
      if (errno == EACCES)
        denied = TRUE;
      else if (!is_not_there (errno))
        return;
    }
  if (denied)
    errno = EACCES;
}

/* Writing "0" moves the writer: the program and all it starts are in
 * the run's cgroups from its first instruction. */
static gboolean
join_cgroups (const Child *child)
{
  for (guint i = 0; i < child->n_cgroup_fds; i++)
    {
      if (write (child->cgroup_fds[i], "0", 1) != 1)
        return FALSE;
    }
  return TRUE;
}

static gint
child_main (gpointer data)
{
  Child *child = data;

  /* its own process group, so a cancel reaches everything it started */
  setpgid (0, 0);
  /* A local run cannot be followed again by the next daemon (its output
   * pipes end with this one), so it ends with the daemon, even a killed
   * one, rather than running on unseen; the next start marks it lost. */
  prctl (PR_SET_PDEATHSIG, SIGKILL);
  /* the daemon died before prctl() could tie the child to it */
  if (getppid () != child->parent)
    _exit (127);
  reset_signal_handlers ();
  if (!join_cgroups (child) || chdir (child->dir) < 0 || !redirect_stdio (child))
    report_and_exit (child);
  close_other_fds (child);
  pthread_sigmask (SIG_SETMASK, &child->mask, NULL);
  exec_candidates (child);
  report_and_exit (child);
}

/* --- in the daemon ------------------------------------------------------ */

/* The child's stack is this frame's: the calling thread sleeps in clone()
 * until the child has called execve() or _exit(). Every signal is blocked
 * meanwhile, so that none runs a handler in the child before it has reset
 * them; it restores the mask itself before execve(). */
static pid_t
start_child (Child *child)
{
  _Alignas(16) guint8 stack[CHILD_STACK_SIZE];
  sigset_t all;
  pid_t pid;
  gint errsv;

  sigfillset (&all);
  pthread_sigmask (SIG_BLOCK, &all, &child->mask);
  /* the stack grows down on every architecture fastflow builds for */
  pid = clone (child_main, stack + sizeof stack, CLONE_VM | CLONE_VFORK | SIGCHLD, child);
  errsv = errno;
  pthread_sigmask (SIG_SETMASK, &child->mask, NULL);
  errno = errsv;
  return pid;
}

/* The errno of the step that failed in the child, or 0 once it ran the
 * program. A pipe rather than a variable in the shared memory: valgrind
 * runs a CLONE_VM | CLONE_VFORK child as a forked one. */
static gint
read_report (gint fd)
{
  gint child_errno = 0;
  gssize n;

  do
    n = read (fd, &child_errno, sizeof child_errno);
  while (n < 0 && errno == EINTR);
  return n == sizeof child_errno ? child_errno : 0;
}

static void
reap (pid_t pid)
{
  while (waitpid (pid, NULL, 0) < 0 && errno == EINTR)
    ;
}

static gboolean
set_errno_error (GError **error, gint errsv)
{
  g_set_error_literal (error, G_IO_ERROR, g_io_error_from_errno (errsv), g_strerror (errsv));
  return FALSE;
}

/* Returns: 0 with the child's *@pid, or the errno of what failed, the
 * child (if any) reaped. */
static gint
spawn (const gchar *dir,
       const gchar *const *argv,
       const gchar *const *envp,
       gint stdout_fd,
       gint stderr_fd,
       const gint *cgroup_fds,
       guint n_cgroup_fds,
       pid_t *pid)
{
  g_auto (GStrv) candidates = find_candidates (argv[0]);
  g_autofree gchar **sh_argv = shell_argv (argv);
  gint report[2] = { -1, -1 };
  gint child_errno;
  Child child;

  if (*argv[0] == '\0')
    return ENOENT;
  if (!open_pipe (report))
    return errno;
  child = (Child){ .dir = dir,
                   .candidates = candidates,
                   .argv = (gchar **) argv,
                   .sh_argv = sh_argv,
                   .envp = (gchar **) envp,
                   .stdout_fd = stdout_fd,
                   .stderr_fd = stderr_fd,
                   .report_fd = report[1],
                   .max_fd = (gint) MIN (sysconf (_SC_OPEN_MAX), G_MAXINT),
                   .parent = getpid (),
                   .cgroup_fds = cgroup_fds,
                   .n_cgroup_fds = n_cgroup_fds };
  *pid = start_child (&child);
  child_errno = *pid < 0 ? errno : 0;
  clear_fd (&report[1]);
  if (*pid > 0)
    child_errno = read_report (report[0]);
  clear_fd (&report[0]);
  if (child_errno != 0 && *pid > 0)
    reap (*pid);
  return child_errno;
}

/* Runs @argv (searched on the daemon's PATH when argv[0] has no slash) in
 * @dir with @envp: in a new process group, killed when the daemon dies,
 * stdin from /dev/null and no other descriptor of the daemon's.
 *
 * Returns: %TRUE with the child's pid, not reaped so that it stays the
 *   group's id until a child watch reaps it, and the daemon's ends of its
 *   stdout and stderr pipes (close-on-exec); %FALSE with @error, the text
 *   of the errno of what failed, and nothing left behind. */
gboolean
ff_local_spawn (const gchar *dir,
                const gchar *const *argv,
                const gchar *const *envp,
                const gint *cgroup_fds,
                guint n_cgroup_fds,
                GPid *pid,
                gint *stdout_fd,
                gint *stderr_fd,
                GError **error)
{
  gint out[2] = { -1, -1 }, err[2] = { -1, -1 };
  pid_t child_pid = -1;
  gint child_errno;

  g_return_val_if_fail (dir != NULL && argv != NULL && argv[0] != NULL && envp != NULL, FALSE);

  if (!open_pipe (out) || !open_pipe (err))
    child_errno = errno;
  else
    child_errno = spawn (dir, argv, envp, out[1], err[1], cgroup_fds, n_cgroup_fds, &child_pid);
  clear_fd (&out[1]);
  clear_fd (&err[1]);
  if (child_errno != 0)
    {
      clear_fd (&out[0]);
      clear_fd (&err[0]);
      return set_errno_error (error, child_errno);
    }
  *pid = child_pid;
  *stdout_fd = out[0];
  *stderr_fd = err[0];
  return TRUE;
}
