/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

#include "ff-local-runtime.h"

/* What an interpreter said about itself, valid while its file is the same. */
typedef struct
{
  guint64 ino;
  gint64 mtime;
  goffset size;
  gchar *executable; /* sys.executable */
  gchar *version;    /* "3.11.7" */
} Interpreter;

struct _FfLocalRuntimes
{
  GHashTable *interpreters; /* program path → Interpreter */
};

static void
interpreter_free (Interpreter *interp)
{
  g_free (interp->executable);
  g_free (interp->version);
  g_free (interp);
}

FfLocalRuntimes *
ff_local_runtimes_new (void)
{
  FfLocalRuntimes *self = g_new0 (FfLocalRuntimes, 1);

  self->interpreters =
      g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) interpreter_free);
  return self;
}

void
ff_local_runtimes_free (FfLocalRuntimes *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->interpreters);
  g_free (self);
}

/* The run's PATH: the pipeline's own (default_env) if it sets one, else the
 * daemon's, which spawning searches too. */
static const gchar *
run_path (FfRunRequest *request)
{
  const gchar *path = g_hash_table_lookup (ff_run_request_get_env (request), "PATH");

  if (path == NULL)
    path = g_getenv ("PATH");
  return path != NULL ? path : "/usr/local/bin:/usr/bin:/bin";
}

static gchar *
find_program (const gchar *program, const gchar *path)
{
  g_auto (GStrv) dirs = NULL;

  if (strchr (program, '/') != NULL)
    return g_file_test (program, G_FILE_TEST_IS_EXECUTABLE) ? g_strdup (program) : NULL;
  dirs = g_strsplit (path, G_SEARCHPATH_SEPARATOR_S, -1);
  for (guint i = 0; dirs[i] != NULL; i++)
    {
      g_autofree gchar *candidate =
          g_build_filename (*dirs[i] != '\0' ? dirs[i] : ".", program, NULL);

      if (g_file_test (candidate, G_FILE_TEST_IS_EXECUTABLE) &&
          !g_file_test (candidate, G_FILE_TEST_IS_DIR))
        return g_steal_pointer (&candidate);
    }
  return NULL;
}

/* uv's managed Pythons, when uv is there: `uv python find 3.12`. */
static gchar *
find_with_uv (const gchar *version, const gchar *path)
{
  g_autofree gchar *uv = find_program ("uv", path);
  g_autofree gchar *out = NULL;
  gint status = 0;

  if (uv == NULL)
    return NULL;
  if (!g_spawn_sync (
          NULL, (gchar *[]){ uv, (gchar *) "python", (gchar *) "find", (gchar *) version, NULL },
          NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out, NULL, &status, NULL) ||
      !g_spawn_check_wait_status (status, NULL))
    return NULL;
  g_strstrip (out);
  return *out != '\0' ? g_steal_pointer (&out) : NULL;
}

/* Asks the interpreter what it is, once per file. */
static Interpreter *
probe (FfLocalRuntimes *self, const gchar *program)
{
  static const gchar script[] =
      "import sys; print(sys.executable); print('%d.%d.%d' % sys.version_info[:3])";
  GStatBuf st;
  Interpreter *interp;
  g_autofree gchar *out = NULL;
  g_auto (GStrv) lines = NULL;
  gint status = 0;

  if (g_stat (program, &st) != 0)
    return NULL;
  interp = g_hash_table_lookup (self->interpreters, program);
  if (interp != NULL && interp->ino == st.st_ino && interp->mtime == st.st_mtime &&
      interp->size == st.st_size)
    return interp;
  if (!g_spawn_sync (NULL, (gchar *[]){ (gchar *) program, (gchar *) "-c", (gchar *) script, NULL },
                     NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out, NULL, &status, NULL) ||
      !g_spawn_check_wait_status (status, NULL))
    return NULL;
  lines = g_strsplit (out, "\n", 3);
  if (g_strv_length (lines) < 2 || *lines[0] == '\0' || *lines[1] == '\0')
    return NULL;
  interp = g_new0 (Interpreter, 1);
  interp->ino = st.st_ino;
  interp->mtime = st.st_mtime;
  interp->size = st.st_size;
  interp->executable = g_strdup (lines[0]);
  interp->version = g_strdup (lines[1]);
  g_hash_table_insert (self->interpreters, g_strdup (program), interp);
  return interp;
}

/* "3.12" is 3.12.x; "3" any 3.x; never another. */
static gboolean
version_matches (const gchar *wanted, const gchar *version)
{
  gsize len = strlen (wanted);

  return g_str_equal (wanted, version) ||
         (strncmp (wanted, version, len) == 0 && version[len] == '.');
}

static gboolean
version_is_valid (const gchar *version)
{
  return *version != '\0' && strspn (version, "0123456789.") == strlen (version) &&
         g_ascii_isdigit (version[0]);
}

static gboolean
version_missing (const gchar *version, const gchar *program, const gchar *path, GError **error)
{
  g_autofree gchar *message = ff_message_new (
      GETTEXT_PACKAGE,
      N_ ("Python %s (python_version) is not to be had on this host: no %s that starts is on the "
          "run's PATH (%s), and uv does not know it either; install Python %s, or change "
          "python_version"),
      version, program, path, version, NULL);

  g_set_error_literal (error, FF_EXECUTOR_ERROR, FF_REASON_SPAWN_FAILED, message);
  return FALSE;
}

/**
 * ff_local_runtimes_resolve:
 *
 * python_version "3.12": python3.12 on the run's PATH, else uv's managed
 * Python 3.12; none: `[daemon] python` (the request's default Python).
 * The runtime is the interpreter's real path and version.
 */
gboolean
ff_local_runtimes_resolve (FfLocalRuntimes *self,
                           FfRunRequest *request,
                           gchar **runtime_id,
                           gchar **python,
                           GError **error)
{
  const gchar *version = ff_run_request_get_python_version (request);
  const gchar *path = run_path (request);
  const gchar *fallback = ff_run_request_get_default_python (request);
  g_autofree gchar *program = NULL;
  g_autofree gchar *found = NULL;
  g_autofree gchar *message = NULL;
  g_autofree gchar *real = NULL;
  Interpreter *interp;

  if (version != NULL && !version_is_valid (version))
    {
      message = ff_message_new (GETTEXT_PACKAGE,
                                N_ ("python_version “%s” is not a Python version such as “3.12”"),
                                version, NULL);
      g_set_error_literal (error, FF_EXECUTOR_ERROR, FF_REASON_SPAWN_FAILED, message);
      return FALSE;
    }
  program = version != NULL
                ? g_strconcat ("python", version, NULL)
                : g_strdup (fallback != NULL && *fallback != '\0' ? fallback : "python3");
  found = find_program (program, path);
  interp = found != NULL ? probe (self, found) : NULL;
  if (interp == NULL && version != NULL)
    {
      g_free (found);
      found = find_with_uv (version, path);
      interp = found != NULL ? probe (self, found) : NULL;
    }
  if (interp == NULL && version != NULL)
    return version_missing (version, program, path, error);
  if (interp == NULL)
    {
      message = ff_message_new (GETTEXT_PACKAGE,
                                N_ ("The Python interpreter “%s” ([daemon] python) cannot be run: "
                                    "it is not on the run's PATH (%s) or does not start"),
                                program, path, NULL);
      g_set_error_literal (error, FF_EXECUTOR_ERROR, FF_REASON_SPAWN_FAILED, message);
      return FALSE;
    }
  if (version != NULL && !version_matches (version, interp->version))
    {
      message = ff_message_new (GETTEXT_PACKAGE,
                                N_ ("python_version asks for Python %s, but %s is Python %s; "
                                    "fastflow never runs another version"),
                                version, found, interp->version, NULL);
      g_set_error_literal (error, FF_EXECUTOR_ERROR, FF_REASON_SPAWN_FAILED, message);
      return FALSE;
    }
  real = realpath (interp->executable, NULL);
  *runtime_id =
      g_strdup_printf ("local:%s:%s", real != NULL ? real : interp->executable, interp->version);
  /* The program as found, not sys.executable: a wrapper in [daemon] python
   * (flags, a pyenv shim) keeps doing what it is there for. */
  *python = g_strdup (found);
  return TRUE;
}

/* A run in a dependency environment finds its programs first (PATH) and is
 * in it as `activate` would put it (VIRTUAL_ENV). Not for the build that
 * makes it. */
gchar **
ff_local_runtimes_apply_env (FfRunRequest *request, gchar **envp)
{
  gboolean writable = FALSE;
  const gchar *env = ff_run_request_get_folder (request, FF_RUN_FOLDER_DEPENDENCY_ENV, &writable);
  g_autofree gchar *bin = NULL;
  g_autofree gchar *path = NULL;
  const gchar *old;

  if (env == NULL || writable)
    return envp;
  bin = g_build_filename (env, "bin", NULL);
  old = g_environ_getenv (envp, "PATH");
  path = old != NULL && *old != '\0' ? g_strconcat (bin, G_SEARCHPATH_SEPARATOR_S, old, NULL)
                                     : g_strdup (bin);
  envp = g_environ_setenv (envp, "PATH", path, TRUE);
  envp = g_environ_setenv (envp, "VIRTUAL_ENV", env, TRUE);
  return g_environ_unsetenv (envp, "PYTHONHOME");
}
