/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "ff-cli-output.h"
#include "ff-cli-private.h"

/* An error may quote a pipeline's own words (a broken pipeline.json). */
void
ff_cli_print_error (const gchar *format, ...)
{
  g_autofree gchar *text = NULL;
  g_autofree gchar *printable = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  printable = ff_cli_printable (text, TRUE);
  g_printerr ("fastflowctl: %s\n", printable);
}

/* A mistake on the command line: says what and where the help is. */
gint
ff_cli_usage_error (Ctl *ctl, const gchar *format, ...)
{
  g_autofree gchar *text = NULL;
  g_autofree gchar *help = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  if (ctl->command != NULL)
    help = g_strdup_printf ("fastflowctl %s --help", ctl->command);
  else
    help = g_strdup ("fastflowctl --help");
  /* TRANSLATORS: the first %s is what was wrong, the second a command such as
   * “fastflowctl run --help” */
  ff_cli_print_error (_ ("%s (see “%s”)"), text, help);
  return EXIT_USAGE;
}

/* Says what went wrong in the caller's words: no D-Bus error names. */
void
ff_cli_print_gerror (Ctl *ctl, GError *error)
{
  if (g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN) ||
      g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_NAME_HAS_NO_OWNER) ||
      g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_NO_REPLY))
    {
      if (ctl->bus_type == G_BUS_TYPE_SYSTEM)
        ff_cli_print_error (_ ("fastflowd is not running on the system bus (start it with "
                               "“systemctl start fastflow”)"));
      else
        ff_cli_print_error (_ ("fastflowd is not running on the session bus (start it with "
                               "“systemctl --user start fastflow” or run “fastflowd”)"));
      return;
    }
  if (g_dbus_error_is_remote_error (error))
    g_dbus_error_strip_remote_error (error);
  ff_cli_print_error ("%s", error->message);
}

gboolean
ff_cli_connect_manager (Ctl *ctl)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GDBusConnection) connection = NULL;

  if (ctl->system)
    ctl->bus_type = G_BUS_TYPE_SYSTEM;
  connection = g_bus_get_sync (ctl->bus_type, NULL, &error);
  if (connection == NULL)
    {
      ff_cli_print_error (_ ("Cannot connect to the D-Bus %s bus: %s"),
                          ctl->bus_type == G_BUS_TYPE_SYSTEM ? _ ("system") : _ ("session"),
                          error->message);
      return FALSE;
    }
  /* FfClient's manager proxy loads no properties and connects no signals:
   * each fastflowctl saves a round trip and is not woken by other runs */
  ctl->client = ff_client_new_for_connection_sync (connection, NULL, &error);
  if (ctl->client == NULL)
    {
      ff_cli_print_gerror (ctl, error);
      return FALSE;
    }
  return TRUE;
}

/* Accepts “12” and “#12”. */
gboolean
ff_cli_parse_run_id (Ctl *ctl, const gchar *text, guint64 *id)
{
  const gchar *digits = text;

  if (*digits == '#')
    digits++;
  if (!g_ascii_string_to_unsigned (digits, 10, 1, G_MAXUINT64, id, NULL))
    {
      ff_cli_usage_error (ctl, _ ("“%s” is not a run id (a number such as 12)"), text);
      return FALSE;
    }
  return TRUE;
}

/* Run id → the run, or NULL with the error printed. */
FfClientRun *
ff_cli_lookup_run (Ctl *ctl, guint64 id)
{
  g_autoptr (GError) error = NULL;
  FfClientRun *run = ff_client_get_run_sync (ctl->client, id, NULL, &error);

  if (run == NULL)
    ff_cli_print_gerror (ctl, error);
  return run;
}

/* Every command takes --system too, before or after its name. */
GOptionContext *
ff_cli_command_context (Ctl *ctl,
                        const gchar *params,
                        const gchar *summary,
                        const GOptionEntry *entries)
{
  GOptionContext *context = g_option_context_new (params);
  const GOptionEntry global[] = {
    { "system", 0, 0, G_OPTION_ARG_NONE, &ctl->system, N_ ("Talk to fastflowd on the system bus"),
      NULL },
    G_OPTION_ENTRY_NULL,
  };

  g_option_context_set_summary (context, summary);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  if (entries != NULL)
    g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, global, GETTEXT_PACKAGE);
  return context;
}

gboolean
ff_cli_parse_options (
    Ctl *ctl, GOptionContext *context, gint *argc, gchar ***argv, gint nargs_min, gint nargs_max)
{
  g_autoptr (GError) error = NULL;

  if (!g_option_context_parse (context, argc, argv, &error))
    {
      ff_cli_usage_error (ctl, "%s", error->message);
      return FALSE;
    }
  if (*argc - 1 < nargs_min)
    {
      ff_cli_usage_error (ctl, _ ("an argument is missing"));
      return FALSE;
    }
  if (*argc - 1 > nargs_max)
    {
      ff_cli_usage_error (ctl, _ ("too many arguments: “%s”"), (*argv)[nargs_max + 1]);
      return FALSE;
    }
  return TRUE;
}

/* --- main ------------------------------------------------------------- */

typedef gint (*CommandFunc) (Ctl *ctl, gint argc, gchar **argv);

typedef struct
{
  const gchar *name;
  CommandFunc func;
  const gchar *summary;
} Command;

static const Command commands[] = {
  { "pipelines", ff_cli_cmd_pipelines, N_ ("List the pipelines") },
  { "run", ff_cli_cmd_run, N_ ("Start a run and follow its output") },
  { "rerun", ff_cli_cmd_rerun, N_ ("Start a run's pipeline again, as it was started") },
  { "runs", ff_cli_cmd_runs, N_ ("List runs, newest first") },
  { "status", ff_cli_cmd_status, N_ ("Show the state of a run, or an overview") },
  { "logs", ff_cli_cmd_logs, N_ ("Print the output of a run") },
  { "wait", ff_cli_cmd_wait, N_ ("Wait for runs to end and print their exit codes") },
  { "cancel", ff_cli_cmd_cancel, N_ ("Cancel a run") },
  { "executors", ff_cli_cmd_executors, N_ ("List the executors and their health") },
  { "reload", ff_cli_cmd_reload, N_ ("Scan the pipelines folder again") },
  { "top", ff_cli_cmd_top, N_ ("Show the running runs and their CPU and memory, live") },
  { "metrics", ff_cli_cmd_metrics, N_ ("Show the CPU and memory samples of a run") },
  { "encrypt", ff_cli_cmd_encrypt, N_ ("Encrypt a value from stdin for encrypted_env") },
};

static void
print_usage (FILE *out)
{
  fprintf (out, "%s\n\n", _ ("Usage: fastflowctl [--system] COMMAND [OPTIONS…]"));
  fprintf (out, "%s\n", _ ("Commands:"));
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_autofree gchar *name = ff_cli_pad (commands[i].name, 12);
      fprintf (out, "  %s %s\n", name, _ (commands[i].summary));
    }
  fprintf (out, "\n%s\n", _ ("Global options:"));
  fprintf (out, "  --system     %s\n", _ ("Talk to fastflowd on the system bus"));
  fprintf (out, "  --version    %s\n", _ ("Print the version"));
  fprintf (out, "\n%s\n", _ ("“fastflowctl COMMAND --help” describes a command."));
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

int
main (int argc, char **argv)
{
  Ctl ctl = { NULL, FALSE, G_BUS_TYPE_SESSION, NULL, NULL, 0 };
  gint first = 1;
  gint status;

  setup_i18n ();
  /* a reader that goes away (| head) must not kill us before the run ends */
  signal (SIGPIPE, SIG_IGN);
  for (; first < argc && argv[first][0] == '-'; first++)
    {
      if (g_str_equal (argv[first], "--system"))
        ctl.system = TRUE;
      else if (g_str_equal (argv[first], "--session"))
        ctl.system = FALSE;
      else if (g_str_equal (argv[first], "--version"))
        {
          g_print ("fastflowctl %s\n", FF_VERSION);
          return EXIT_SUCCESS;
        }
      else if (g_str_equal (argv[first], "--help") || g_str_equal (argv[first], "-h"))
        {
          print_usage (stdout);
          return EXIT_SUCCESS;
        }
      else
        return ff_cli_usage_error (&ctl, _ ("unknown option “%s”"), argv[first]);
    }
  if (first >= argc)
    {
      print_usage (stderr);
      return EXIT_USAGE;
    }
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_autofree gchar *prgname = NULL;

      if (!g_str_equal (argv[first], commands[i].name))
        continue;
      ctl.command = commands[i].name;
      prgname = g_strdup_printf ("fastflowctl %s", commands[i].name);
      g_set_prgname (prgname);
      ctl.loop = g_main_loop_new (NULL, FALSE);
      status = commands[i].func (&ctl, argc - first, argv + first);
      g_clear_object (&ctl.client);
      g_main_loop_unref (ctl.loop);
      return status;
    }
  return ff_cli_usage_error (&ctl, _ ("unknown command “%s”"), argv[first]);
}
