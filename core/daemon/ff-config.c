/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <inttypes.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "ff-config.h"
#include "ff-http-server-private.h"

#define DAEMON_GROUP "daemon"

struct _FfConfig
{
  GObject parent_instance;
  GKeyFile *keyfile;
  gchar *pipelines_dir;
  gchar *state_dir;
  GTimeZone *time_zone;
  gboolean missed_skip;
  gboolean leave_running; /* on_stop=leave-running */
  gchar *default_executor;
  GStrv allowed_executors; /* NULL: every installed one */
  guint max_concurrent_runs;
  gint64 default_timeout;
  guint stop_grace_ms;
  gchar *python;
  guint keep_finished_seconds;
  guint64 max_log_bytes;
  guint keep_days;
  guint keep_runs;
  guint http_max_connections;
  guint http_idle_timeout_s;
  FfDependencySources deps;
};

G_DEFINE_TYPE (FfConfig, ff_config, G_TYPE_OBJECT)

static void
ff_config_finalize (GObject *object)
{
  FfConfig *self = FF_CONFIG (object);

  g_key_file_unref (self->keyfile);
  g_free (self->pipelines_dir);
  g_free (self->state_dir);
  g_free (self->default_executor);
  g_strfreev (self->allowed_executors);
  g_clear_pointer (&self->time_zone, g_time_zone_unref);
  g_free (self->python);
  g_free (self->deps.index_url);
  g_strfreev (self->deps.extra_index_urls);
  g_free (self->deps.find_links);
  G_OBJECT_CLASS (ff_config_parent_class)->finalize (object);
}

static void
ff_config_class_init (FfConfigClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ff_config_finalize;
}

static void
ff_config_init (FfConfig *self)
{
  self->keyfile = g_key_file_new ();
  self->pipelines_dir = g_build_filename (g_get_user_data_dir (), "fastflow", "pipelines", NULL);
  self->state_dir = g_build_filename (g_get_user_state_dir (), "fastflow", NULL);
  self->max_concurrent_runs = 4;
  self->stop_grace_ms = 10000;
  self->python = g_strdup ("python3");
  self->keep_finished_seconds = 600;
  /* generous: a log is cut only when something runs away */
  self->max_log_bytes = G_GUINT64_CONSTANT (1) << 30;
  self->keep_days = 90;
  self->keep_runs = 10000;
  self->http_max_connections = FF_HTTP_SERVER_DEFAULT_MAX_CONNECTIONS;
  self->http_idle_timeout_s = FF_HTTP_SERVER_DEFAULT_IDLE_TIMEOUT_S;
  self->deps.extra_index_urls = g_new0 (gchar *, 1);
}

FfConfig *
ff_config_new (void)
{
  return g_object_new (FF_TYPE_CONFIG, NULL);
}

static void
replace_string (gchar **field, const gchar *value)
{
  g_free (*field);
  *field = g_strdup (value);
}

static gboolean
read_group_uint (FfConfig *self,
                 const gchar *group,
                 const gchar *key,
                 guint64 min,
                 guint64 max,
                 guint64 *out,
                 GError **error)
{
  g_autofree gchar *text = g_key_file_get_string (self->keyfile, group, key, NULL);
  guint64 value;

  if (text == NULL)
    return TRUE;
  g_strstrip (text);
  if (!g_ascii_string_to_unsigned (text, 10, min, max, &value, NULL))
    {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                   _ ("[%s] %s: expected a whole number from %" PRIu64 " to %" PRIu64 ", got “%s”"),
                   group, key, min, max, text);
      return FALSE;
    }
  *out = value;
  return TRUE;
}

static gboolean
read_uint (FfConfig *self, const gchar *key, guint64 max, guint64 *out, GError **error)
{
  return read_group_uint (self, DAEMON_GROUP, key, 0, max, out, error);
}

/* The limits of the webhook and metrics server (FfHttpServer). */
static gboolean
read_http_keys (FfConfig *self, GError **error)
{
  guint64 max_connections = self->http_max_connections;
  guint64 idle_timeout = self->http_idle_timeout_s;

  if (!read_group_uint (self, "http", "max_connections", 1, 10000, &max_connections, error) ||
      !read_group_uint (self, "http", "idle_timeout", 1, 3600, &idle_timeout, error))
    return FALSE;
  self->http_max_connections = (guint) max_connections;
  self->http_idle_timeout_s = (guint) idle_timeout;
  return TRUE;
}

/* time_zone (an IANA name; empty: the system's) and missed (run-once or
 * skip) for the scheduler. */
static gboolean
read_schedule_keys (FfConfig *self, GError **error)
{
  g_autofree gchar *zone = g_key_file_get_string (self->keyfile, DAEMON_GROUP, "time_zone", NULL);
  g_autofree gchar *missed = g_key_file_get_string (self->keyfile, DAEMON_GROUP, "missed", NULL);

  if (zone != NULL && *g_strstrip (zone) != '\0')
    {
      GTimeZone *tz = g_time_zone_new_identifier (zone);

      if (tz == NULL)
        {
          g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                       _ ("[%s] time_zone: “%s” is not a time zone this system knows (expected "
                          "a name such as Europe/Berlin or UTC)"),
                       DAEMON_GROUP, zone);
          return FALSE;
        }
      g_clear_pointer (&self->time_zone, g_time_zone_unref);
      self->time_zone = tz;
    }
  if (missed == NULL)
    return TRUE;
  g_strstrip (missed);
  if (!g_str_equal (missed, "run-once") && !g_str_equal (missed, "skip"))
    {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                   _ ("[%s] missed: expected run-once or skip, got “%s”"), DAEMON_GROUP, missed);
      return FALSE;
    }
  self->missed_skip = g_str_equal (missed, "skip");
  return TRUE;
}

/* on_stop: what a stop of fastflowd does to runs it can follow again after
 * its next start (containers): cancel them, or leave them running. */
static gboolean
read_on_stop (FfConfig *self, GError **error)
{
  g_autofree gchar *on_stop = g_key_file_get_string (self->keyfile, DAEMON_GROUP, "on_stop", NULL);

  if (on_stop == NULL)
    return TRUE;
  g_strstrip (on_stop);
  if (!g_str_equal (on_stop, "cancel") && !g_str_equal (on_stop, "leave-running"))
    {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                   _ ("[%s] on_stop: expected cancel or leave-running, got “%s”"), DAEMON_GROUP,
                   on_stop);
      return FALSE;
    }
  self->leave_running = g_str_equal (on_stop, "leave-running");
  return TRUE;
}

/* allowed_executors: which executors may run anything at all. Not set:
 * every installed one; set to nothing would stop every run, which is more
 * likely a slip than a wish. */
static gboolean
read_allowed_executors (FfConfig *self, GError **error)
{
  g_auto (GStrv) names = NULL;
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  g_auto (GStrv) allowed = NULL;

  if (!g_key_file_has_key (self->keyfile, DAEMON_GROUP, "allowed_executors", NULL))
    return TRUE;
  names = g_key_file_get_string_list (self->keyfile, DAEMON_GROUP, "allowed_executors", NULL, NULL);
  for (guint i = 0; names != NULL && names[i] != NULL; i++)
    {
      if (*g_strstrip (names[i]) != '\0')
        g_strv_builder_add (builder, names[i]);
    }
  allowed = g_strv_builder_end (builder);
  if (allowed[0] == NULL)
    {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                   _ ("[%s] allowed_executors is empty: name the executors that may run "
                      "pipelines, separated by “;” (e.g. docker-proxy;swarm), or remove the key "
                      "to allow every installed one"),
                   DAEMON_GROUP);
      return FALSE;
    }
  g_strfreev (self->allowed_executors);
  self->allowed_executors = g_steal_pointer (&allowed);
  return TRUE;
}

static gboolean
is_url (const gchar *text)
{
  return g_str_has_prefix (text, "http://") || g_str_has_prefix (text, "https://") ||
         g_str_has_prefix (text, "file://");
}

static gboolean
dependency_error (const gchar *key, const gchar *value, GError **error)
{
  g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
               _ ("[dependencies] %s: expected a URL (http://, https:// or file://), got “%s”"),
               key, value);
  return FALSE;
}

/* Strings of [dependencies], stripped; empty ones count as not set. */
static gchar *
dup_dependency_string (FfConfig *self, const gchar *key)
{
  g_autofree gchar *value = g_key_file_get_string (self->keyfile, "dependencies", key, NULL);

  if (value == NULL || *g_strstrip (value) == '\0')
    return NULL;
  return g_steal_pointer (&value);
}

/* [dependencies]: index_url, extra_index_url (a list), find_links (an
 * absolute folder or a URL), offline (only find_links). */
static gboolean
read_dependencies (FfConfig *self, GError **error)
{
  FfDependencySources *deps = &self->deps;
  g_autofree gchar *index_url = dup_dependency_string (self, "index_url");
  g_autofree gchar *find_links = dup_dependency_string (self, "find_links");
  g_auto (GStrv) extra = NULL;
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr (GError) local_error = NULL;
  gboolean offline = FALSE;

  if (g_key_file_has_key (self->keyfile, "dependencies", "offline", NULL))
    {
      offline = g_key_file_get_boolean (self->keyfile, "dependencies", "offline", &local_error);
      if (local_error != NULL)
        {
          g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                       _ ("[dependencies] offline: expected true or false"));
          return FALSE;
        }
    }
  if (index_url != NULL && !is_url (index_url))
    return dependency_error ("index_url", index_url, error);
  extra = g_key_file_get_string_list (self->keyfile, "dependencies", "extra_index_url", NULL, NULL);
  for (guint i = 0; extra != NULL && extra[i] != NULL; i++)
    {
      if (*g_strstrip (extra[i]) == '\0')
        continue;
      if (!is_url (extra[i]))
        return dependency_error ("extra_index_url", extra[i], error);
      g_strv_builder_add (builder, extra[i]);
    }
  if (find_links != NULL && !is_url (find_links) && !g_path_is_absolute (find_links))
    {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                   _ ("[dependencies] find_links: expected an absolute folder or a URL, got “%s”"),
                   find_links);
      return FALSE;
    }
  if (offline && find_links == NULL)
    {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                   _ ("[dependencies] offline = true installs only from find_links: set "
                      "find_links to a folder or URL of wheels"));
      return FALSE;
    }
  g_free (deps->index_url);
  deps->index_url = g_steal_pointer (&index_url);
  g_strfreev (deps->extra_index_urls);
  deps->extra_index_urls = g_strv_builder_end (builder);
  g_free (deps->find_links);
  deps->find_links_dir = find_links != NULL && !is_url (find_links);
  deps->find_links = g_steal_pointer (&find_links);
  deps->offline = offline;
  return TRUE;
}

static gboolean
apply_keyfile (FfConfig *self, GError **error)
{
  g_autofree gchar *pipelines = NULL;
  g_autofree gchar *state = NULL;
  g_autofree gchar *executor = NULL;
  g_autofree gchar *python = NULL;
  guint64 max_runs = self->max_concurrent_runs;
  guint64 timeout = self->default_timeout;
  guint64 grace = self->stop_grace_ms / 1000;
  guint64 keep = self->keep_finished_seconds;
  guint64 max_log = self->max_log_bytes;
  guint64 keep_days = self->keep_days;
  guint64 keep_runs = self->keep_runs;

  pipelines = g_key_file_get_string (self->keyfile, DAEMON_GROUP, "pipelines_dir", NULL);
  state = g_key_file_get_string (self->keyfile, DAEMON_GROUP, "state_dir", NULL);
  executor = g_key_file_get_string (self->keyfile, DAEMON_GROUP, "default_executor", NULL);
  python = g_key_file_get_string (self->keyfile, DAEMON_GROUP, "python", NULL);
  if (pipelines != NULL)
    replace_string (&self->pipelines_dir, pipelines);
  if (state != NULL)
    replace_string (&self->state_dir, state);
  if (executor != NULL)
    replace_string (&self->default_executor, executor);
  if (python != NULL)
    replace_string (&self->python, python);

  if (!read_uint (self, "max_concurrent_runs", 10000, &max_runs, error) ||
      !read_uint (self, "default_timeout", 366 * 24 * 3600, &timeout, error) ||
      !read_uint (self, "stop_grace_seconds", 3600, &grace, error) ||
      !read_uint (self, "keep_finished_seconds", G_MAXUINT32, &keep, error) ||
      !read_uint (self, "max_log_bytes", G_MAXINT64, &max_log, error) ||
      !read_uint (self, "keep_days", 100 * 366, &keep_days, error) ||
      !read_uint (self, "keep_runs", G_MAXUINT32, &keep_runs, error))
    return FALSE;
  if (!read_schedule_keys (self, error) || !read_on_stop (self, error) ||
      !read_allowed_executors (self, error))
    return FALSE;
  if (!read_http_keys (self, error) || !read_dependencies (self, error))
    return FALSE;
  if (max_runs == 0)
    {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                   _ ("[daemon] max_concurrent_runs must be at least 1"));
      return FALSE;
    }
  self->max_concurrent_runs = max_runs;
  self->default_timeout = timeout;
  self->stop_grace_ms = grace * 1000;
  self->keep_finished_seconds = keep;
  self->max_log_bytes = max_log;
  self->keep_days = (guint) keep_days;
  self->keep_runs = (guint) keep_runs;
  return TRUE;
}

/* Like ssh with a private key: say so, but do not refuse to start. */
static void
warn_if_secrets_readable (FfConfig *self, const gchar *path)
{
  GStatBuf st;

  if (!g_key_file_has_group (self->keyfile, "secrets") || g_stat (path, &st) != 0)
    return;
  if ((st.st_mode & 077) != 0)
    g_warning (_ ("%s holds [secrets] but others can read it (mode %04o); run: chmod 600 %s"), path,
               (guint) (st.st_mode & 07777), path);
}

gboolean
ff_config_load (FfConfig *self, const gchar *path, GError **error)
{
  g_autofree gchar *default_path = NULL;
  g_autoptr (GError) local_error = NULL;

  if (path == NULL)
    {
      default_path = g_build_filename (g_get_user_config_dir (), "fastflow", "fastflow.conf", NULL);
      if (!g_file_test (default_path, G_FILE_TEST_EXISTS))
        return TRUE;
      path = default_path;
    }
  if (!g_key_file_load_from_file (self->keyfile, path, G_KEY_FILE_NONE, &local_error))
    {
      g_set_error (error, local_error->domain, local_error->code,
                   _ ("Cannot read the configuration %s: %s"), path, local_error->message);
      return FALSE;
    }
  if (!apply_keyfile (self, &local_error))
    {
      g_set_error (error, local_error->domain, local_error->code, "%s: %s", path,
                   local_error->message);
      return FALSE;
    }
  warn_if_secrets_readable (self, path);
  return TRUE;
}

void
ff_config_apply_environment (FfConfig *self)
{
  const gchar *value;

  value = g_getenv ("FASTFLOW_PIPELINES_DIR");
  if (value != NULL && *value != '\0')
    replace_string (&self->pipelines_dir, value);
  value = g_getenv ("FASTFLOW_STATE_DIR");
  if (value != NULL && *value != '\0')
    replace_string (&self->state_dir, value);
}

GKeyFile *
ff_config_get_keyfile (FfConfig *self)
{
  return self->keyfile;
}

const gchar *
ff_config_get_pipelines_dir (FfConfig *self)
{
  return self->pipelines_dir;
}

void
ff_config_set_pipelines_dir (FfConfig *self, const gchar *dir)
{
  replace_string (&self->pipelines_dir, dir);
}

const gchar *
ff_config_get_state_dir (FfConfig *self)
{
  return self->state_dir;
}

void
ff_config_set_state_dir (FfConfig *self, const gchar *dir)
{
  replace_string (&self->state_dir, dir);
}

/* NULL: the orchestrator picks (docker-proxy when configured, else local). */
const gchar *
ff_config_get_default_executor (FfConfig *self)
{
  return self->default_executor;
}

void
ff_config_set_default_executor (FfConfig *self, const gchar *name)
{
  replace_string (&self->default_executor, name);
}

/* (nullable): [daemon] allowed_executors; NULL = every installed executor */
const gchar *const *
ff_config_get_allowed_executors (FfConfig *self)
{
  return (const gchar *const *) self->allowed_executors;
}

gboolean
ff_config_executor_is_allowed (FfConfig *self, const gchar *name)
{
  return self->allowed_executors == NULL ||
         g_strv_contains ((const gchar *const *) self->allowed_executors, name);
}

/**
 * ff_config_check_executors:
 *
 * The settings that only make sense together, once the command line is
 * applied: a default_executor the operator also forbids would refuse every
 * pipeline that names none, so fastflowd does not start with it.
 *
 * Returns: %FALSE with a message naming both keys when they disagree
 */
gboolean
ff_config_check_executors (FfConfig *self, GError **error)
{
  g_autofree gchar *allowed = NULL;

  if (self->default_executor == NULL || *self->default_executor == '\0' ||
      ff_config_executor_is_allowed (self, self->default_executor))
    return TRUE;
  allowed = g_strjoinv (";", self->allowed_executors);
  g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
               _ ("[%s] default_executor “%s” (or --default-executor) is not among [%s] "
                  "allowed_executors (%s): add it there or choose one of them"),
               DAEMON_GROUP, self->default_executor, DAEMON_GROUP, allowed);
  return FALSE;
}

guint
ff_config_get_max_concurrent_runs (FfConfig *self)
{
  return self->max_concurrent_runs;
}

void
ff_config_set_max_concurrent_runs (FfConfig *self, guint n)
{
  self->max_concurrent_runs = MAX (n, 1);
}

gint64
ff_config_get_default_timeout (FfConfig *self)
{
  return self->default_timeout;
}

guint
ff_config_get_stop_grace_ms (FfConfig *self)
{
  return self->stop_grace_ms;
}

const gchar *
ff_config_get_python (FfConfig *self)
{
  return self->python;
}

/* Where fastflow's helper programs are (FF_RUN_FOLDER_TOOLS):
 * FASTFLOW_TOOLS_DIR lets tests and an uninstalled build use the source
 * folder. */
const gchar *
ff_config_get_tools_dir (FfConfig *self)
{
  const gchar *dir = g_getenv ("FASTFLOW_TOOLS_DIR");

  return dir != NULL && *dir != '\0' ? dir : FF_TOOLSDIR;
}

const FfDependencySources *
ff_config_get_dependency_sources (FfConfig *self)
{
  return &self->deps;
}

guint
ff_config_get_keep_finished_seconds (FfConfig *self)
{
  return self->keep_finished_seconds;
}

/* The zone cron expressions are read in: time_zone, else the system's. */
gboolean
ff_config_get_leave_running (FfConfig *self)
{
  return self->leave_running;
}

GTimeZone *
ff_config_get_time_zone (FfConfig *self)
{
  if (self->time_zone == NULL)
    self->time_zone = g_time_zone_new_local ();
  return self->time_zone;
}

/* TRUE: what fell due while the daemon was down is skipped (missed = skip). */
gboolean
ff_config_get_missed_skip (FfConfig *self)
{
  return self->missed_skip;
}

/* The most a run's log may hold; 0 = no limit. */
guint64
ff_config_get_max_log_bytes (FfConfig *self)
{
  return self->max_log_bytes;
}

/* History retention: finished runs older than this many days go; 0 = no
 * limit by age. */
guint
ff_config_get_keep_days (FfConfig *self)
{
  return self->keep_days;
}

/* … and beyond this many newest runs; 0 = no limit by count. */
guint
ff_config_get_keep_runs (FfConfig *self)
{
  return self->keep_runs;
}

/* [http] max_connections and idle_timeout: see ff_http_server_set_limits. */
guint
ff_config_get_http_max_connections (FfConfig *self)
{
  return self->http_max_connections;
}

guint
ff_config_get_http_idle_timeout (FfConfig *self)
{
  return self->http_idle_timeout_s;
}
