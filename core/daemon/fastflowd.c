/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <locale.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdlib.h>

#include "ff-daemon.h"
#include "ff-http-server-private.h"
#include "ff-journal.h"
#include "ff-notifier.h"
#include "ff-state-files.h"
#include "ff-webhook-server.h"

typedef struct
{
  GMainLoop *loop;
  FfOrchestrator *orchestrator;
  FfDaemon *daemon;
  FfWebhookServer *webhooks;
  FfNotifier *notifier;
  gboolean notify;
  gint exit_status;
  gboolean stopping;
  gboolean name_acquired;
} Fastflowd;

static void
on_shutdown_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Fastflowd *d = user_data;
  g_autoptr (GError) error = NULL;

  if (!ff_orchestrator_shutdown_finish (FF_ORCHESTRATOR (source), result, &error))
    g_warning ("%s", error->message);
  g_main_loop_quit (d->loop);
}

static void
stop (Fastflowd *d, gint exit_status)
{
  if (d->stopping)
    return;
  d->stopping = TRUE;
  d->exit_status = exit_status;
  g_message (_ ("Stopping: cancelling running runs"));
  ff_orchestrator_shutdown_async (d->orchestrator, NULL, on_shutdown_done, d);
}

static gboolean
on_signal (gpointer user_data)
{
  Fastflowd *d = user_data;

  /* a second signal means "now" */
  if (d->stopping)
    {
      g_main_loop_quit (d->loop);
      return G_SOURCE_CONTINUE;
    }
  stop (d, EXIT_SUCCESS);
  return G_SOURCE_CONTINUE;
}

/* SIGHUP (systemctl reload): what `fastflowctl reload` does, the pipelines
 * folder and encrypted_env's key read again; the daemon stays up. */
static gboolean
on_reload_signal (gpointer user_data)
{
  Fastflowd *d = user_data;
  g_autoptr (GError) error = NULL;

  if (d->stopping)
    return G_SOURCE_CONTINUE;
  g_message (_ ("Reloading the pipelines (SIGHUP)"));
  if (!ff_orchestrator_reload_pipelines (d->orchestrator, &error))
    g_warning ("%s", error->message);
  return G_SOURCE_CONTINUE;
}

static void
on_bus_acquired (GDBusConnection *connection, const gchar *name, gpointer user_data)
{
  Fastflowd *d = user_data;
  g_autoptr (GError) error = NULL;

  if (!ff_daemon_export (d->daemon, connection, &error))
    {
      g_warning (_ ("Cannot publish the D-Bus API: %s"), error->message);
      stop (d, EXIT_FAILURE);
      return;
    }
  if (d->notify && d->notifier == NULL)
    d->notifier = ff_notifier_new (d->orchestrator, connection);
}

static void
on_name_acquired (GDBusConnection *connection, const gchar *name, gpointer user_data)
{
  Fastflowd *d = user_data;

  d->name_acquired = TRUE;
  g_message (_ ("fastflowd %s is ready as %s"), FF_VERSION, name);
}

static void
on_name_lost (GDBusConnection *connection, const gchar *name, gpointer user_data)
{
  Fastflowd *d = user_data;

  if (connection == NULL)
    g_warning (_ ("Cannot connect to the D-Bus bus"));
  else if (!d->name_acquired)
    g_warning (_ ("Cannot own the name %s: another fastflowd is probably running"), name);
  else
    g_warning (_ ("Lost the name %s on the bus"), name);
  stop (d, EXIT_FAILURE);
}

/* Messages kept untranslated (ff_message_new) reach the log in words. */
static GLogWriterOutput
write_log (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  g_autofree GLogField *copy = g_memdup2 (fields, n_fields * sizeof (GLogField));
  g_autofree gchar *text = NULL;

  for (gsize i = 0; i < n_fields; i++)
    {
      if (g_strcmp0 (copy[i].key, "MESSAGE") != 0 || copy[i].length != -1)
        continue;
      text = ff_message_format (copy[i].value);
      copy[i].value = text;
      break;
    }
  if (g_getenv ("FASTFLOW_LOG_FIELDS") != NULL)
    return ff_journal_write_fields (level, copy, n_fields);
  return g_log_writer_default (level, copy, n_fields, user_data);
}

static void
setup_i18n (void)
{
  const gchar *localedir = g_getenv ("FASTFLOW_LOCALEDIR");

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL ? localedir : FF_LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
}

/* Output moves through buffers of about 1 MiB that live for a moment (a
 * backlog read from the log, the bus message made of it). glibc's dynamic
 * thresholds kept mapping and trimming them, so each round of bench/logs
 * either cost fastflowd 0.35 s or, with 21,000–42,000 page faults, up to
 * 1.9 s of CPU per 200 MiB. Fixed thresholds keep such buffers in the heap;
 * at most 8 MiB stay free at its top. */
static void
setup_malloc (void)
{
#ifdef __GLIBC__
  mallopt (M_MMAP_THRESHOLD, 4 * 1024 * 1024);
  mallopt (M_TRIM_THRESHOLD, 8 * 1024 * 1024);
#endif
}

int
main (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (FfConfig) config = NULL;
  g_autofree gchar *pipelines_dir = NULL;
  g_autofree gchar *state_dir = NULL;
  g_autofree gchar *config_path = NULL;
  g_autofree gchar *default_executor = NULL;
  g_autofree gchar *metrics_address = NULL;
  g_autofree gchar *http_address = NULL;
  g_autofree gchar *system_group = NULL;
  gint max_runs = 0;
  gboolean system_bus = FALSE, verbose = FALSE, version = FALSE;
  Fastflowd d = { 0 };
  guint owner_id;
  const GOptionEntry entries[] = {
    { "system", 0, 0, G_OPTION_ARG_NONE, &system_bus,
      N_ ("Use the system bus instead of the session bus"), NULL },
    { "pipelines-dir", 0, 0, G_OPTION_ARG_FILENAME, &pipelines_dir, N_ ("The folder of pipelines"),
      N_ ("DIR") },
    { "state-dir", 0, 0, G_OPTION_ARG_FILENAME, &state_dir,
      N_ ("Where run history and logs are kept"), N_ ("DIR") },
    { "config", 0, 0, G_OPTION_ARG_FILENAME, &config_path, N_ ("The configuration file"),
      N_ ("FILE") },
    { "default-executor", 0, 0, G_OPTION_ARG_STRING, &default_executor,
      N_ ("The executor for pipelines that name none"), N_ ("NAME") },
    { "max-concurrent-runs", 0, 0, G_OPTION_ARG_INT, &max_runs,
      N_ ("How many runs may run at once"), N_ ("N") },
    { "metrics-address", 0, 0, G_OPTION_ARG_STRING, &metrics_address,
      N_ ("Serve metrics at http://ADDRESS:PORT/metrics, e.g. 127.0.0.1:9464 (the metrics "
          "plugin's [metrics] listen)"),
      N_ ("ADDRESS:PORT") },
    { "http-address", 0, 0, G_OPTION_ARG_STRING, &http_address,
      N_ ("Accept webhooks at http://ADDRESS:PORT/api/webhooks/… ([http] listen)"),
      N_ ("ADDRESS:PORT") },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, N_ ("Log debug messages"), NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version, N_ ("Print the version and exit"), NULL },
    G_OPTION_ENTRY_NULL,
  };

  setup_malloc ();
  setup_i18n ();
  g_log_set_writer_func (write_log, NULL, NULL);
  context = g_option_context_new (NULL);
  g_option_context_set_summary (context, _ ("The fastflow pipeline orchestrator daemon."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("fastflowd: %s\n", error->message);
      return 2;
    }
  if (version)
    {
      g_print ("fastflowd %s\n", FF_VERSION);
      return EXIT_SUCCESS;
    }
  if (verbose)
    g_setenv ("G_MESSAGES_DEBUG", "all", TRUE);

  config = ff_config_new ();
  if (!ff_config_load (config, config_path, &error))
    {
      g_printerr ("fastflowd: %s\n", error->message);
      return EXIT_FAILURE;
    }
  ff_config_apply_environment (config);
  if (pipelines_dir != NULL)
    ff_config_set_pipelines_dir (config, pipelines_dir);
  if (state_dir != NULL)
    ff_config_set_state_dir (config, state_dir);
  if (default_executor != NULL)
    ff_config_set_default_executor (config, default_executor);
  if (max_runs > 0)
    ff_config_set_max_concurrent_runs (config, max_runs);
  /* the plugin reads its own group; the option is a shortcut for it */
  if (metrics_address != NULL)
    g_key_file_set_string (ff_config_get_keyfile (config), "metrics", "listen", metrics_address);

  system_group =
      g_key_file_get_string (ff_config_get_keyfile (config), "daemon", "system_group", NULL);
  if (system_group == NULL || *g_strstrip (system_group) == '\0')
    {
      g_free (system_group);
      system_group = g_strdup ("fastflow");
    }
  /* whatever modes an earlier fastflowd or the operator left: the history
   * is the owner's (and with --system the group's) before anything is read */
  ff_state_files_set_group (system_bus ? system_group : NULL);
  if (!ff_state_files_secure (ff_config_get_state_dir (config), &error))
    {
      g_printerr ("fastflowd: %s\n", error->message);
      return EXIT_FAILURE;
    }
  /* before the metrics plugin or the webhooks acquire a server */
  ff_http_server_set_limits (ff_config_get_http_max_connections (config),
                             ff_config_get_http_idle_timeout (config));
  d.orchestrator = ff_orchestrator_new (config, &error);
  if (d.orchestrator == NULL)
    {
      g_printerr ("fastflowd: %s\n", error->message);
      return EXIT_FAILURE;
    }
  if (http_address == NULL)
    http_address = g_key_file_get_string (ff_config_get_keyfile (config), "http", "listen", NULL);
  /* asked for and not possible: better no daemon than one without it */
  if (http_address != NULL && *g_strstrip (http_address) != '\0' &&
      (d.webhooks = ff_webhook_server_new (d.orchestrator, http_address, &error)) == NULL)
    {
      g_printerr ("fastflowd: %s\n", error->message);
      return EXIT_FAILURE;
    }
  /* desktop notifications belong to a user's session */
  d.notify = !system_bus && g_key_file_get_boolean (ff_config_get_keyfile (config), "notifications",
                                                    "enabled", NULL);
  d.daemon = ff_daemon_new (d.orchestrator);
  if (system_bus)
    {
      g_autoptr (FfAuthority) authority = ff_authority_new (system_group);

      ff_daemon_set_authority (d.daemon, authority);
    }
  d.loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGTERM, on_signal, &d);
  g_unix_signal_add (SIGINT, on_signal, &d);
  g_unix_signal_add (SIGHUP, on_reload_signal, &d);
  owner_id = g_bus_own_name (system_bus ? G_BUS_TYPE_SYSTEM : G_BUS_TYPE_SESSION, FF_DBUS_NAME,
                             G_BUS_NAME_OWNER_FLAGS_NONE, on_bus_acquired, on_name_acquired,
                             on_name_lost, &d, NULL);
  g_main_loop_run (d.loop);

  g_bus_unown_name (owner_id);
  ff_daemon_unexport (d.daemon);
  g_clear_object (&d.daemon);
  g_clear_object (&d.webhooks);
  g_clear_object (&d.notifier);
  g_clear_object (&d.orchestrator);
  g_main_loop_unref (d.loop);
  return d.exit_status;
}
