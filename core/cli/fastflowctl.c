/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <inttypes.h>

#include <errno.h>
#include <glib-unix.h>
#include <glib/gi18n.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "fastflow.h"
#include "ff-cli-metrics.h"
#include "ff-cli-output.h"

/* fastflowctl's own failures; a run's outcome uses DESIGN §7's codes */
#define EXIT_USAGE 2
/* `run` could not start or follow the run: as an infrastructure error */
#define EXIT_RUN_INFRA 125
#define EXIT_INTERRUPTED 130

typedef struct
{
  const gchar *command;
  gboolean system;
  GBusType bus_type;
  FfClient *client;
  GMainLoop *loop;
  gint status;
} Ctl;

typedef gint (*CommandFunc) (Ctl *ctl, gint argc, gchar **argv);

static void print_error (const gchar *format, ...) G_GNUC_PRINTF (1, 2);

/* An error may quote a pipeline's own words (a broken pipeline.json). */
static void
print_error (const gchar *format, ...)
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
static gint usage_error (Ctl *ctl, const gchar *format, ...) G_GNUC_PRINTF (2, 3);

static gint
usage_error (Ctl *ctl, const gchar *format, ...)
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
  print_error (_ ("%s (see “%s”)"), text, help);
  return EXIT_USAGE;
}

/* Says what went wrong in the caller's words: no D-Bus error names. */
static void
print_gerror (Ctl *ctl, GError *error)
{
  if (g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN) ||
      g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_NAME_HAS_NO_OWNER) ||
      g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_NO_REPLY))
    {
      if (ctl->bus_type == G_BUS_TYPE_SYSTEM)
        print_error (_ ("fastflowd is not running on the system bus (start it with "
                        "“systemctl start fastflow”)"));
      else
        print_error (_ ("fastflowd is not running on the session bus (start it with "
                        "“systemctl --user start fastflow” or run “fastflowd”)"));
      return;
    }
  if (g_dbus_error_is_remote_error (error))
    g_dbus_error_strip_remote_error (error);
  print_error ("%s", error->message);
}

static gboolean
connect_manager (Ctl *ctl)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GDBusConnection) connection = NULL;

  if (ctl->system)
    ctl->bus_type = G_BUS_TYPE_SYSTEM;
  connection = g_bus_get_sync (ctl->bus_type, NULL, &error);
  if (connection == NULL)
    {
      print_error (_ ("Cannot connect to the D-Bus %s bus: %s"),
                   ctl->bus_type == G_BUS_TYPE_SYSTEM ? _ ("system") : _ ("session"),
                   error->message);
      return FALSE;
    }
  /* FfClient's manager proxy loads no properties and connects no signals:
   * each fastflowctl saves a round trip and is not woken by other runs */
  ctl->client = ff_client_new_for_connection_sync (connection, NULL, &error);
  if (ctl->client == NULL)
    {
      print_gerror (ctl, error);
      return FALSE;
    }
  return TRUE;
}

/* Accepts “12” and “#12”. */
static gboolean
parse_run_id (Ctl *ctl, const gchar *text, guint64 *id)
{
  const gchar *digits = text;

  if (*digits == '#')
    digits++;
  if (!g_ascii_string_to_unsigned (digits, 10, 1, G_MAXUINT64, id, NULL))
    {
      usage_error (ctl, _ ("“%s” is not a run id (a number such as 12)"), text);
      return FALSE;
    }
  return TRUE;
}

/* Run id → the run, or NULL with the error printed. */
static FfClientRun *
lookup_run (Ctl *ctl, guint64 id)
{
  g_autoptr (GError) error = NULL;
  FfClientRun *run = ff_client_get_run_sync (ctl->client, id, NULL, &error);

  if (run == NULL)
    print_gerror (ctl, error);
  return run;
}

/* Every command takes --system too, before or after its name. */
static GOptionContext *
command_context (Ctl *ctl, const gchar *params, const gchar *summary, const GOptionEntry *entries)
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

static gboolean
parse_options (
    Ctl *ctl, GOptionContext *context, gint *argc, gchar ***argv, gint nargs_min, gint nargs_max)
{
  g_autoptr (GError) error = NULL;

  if (!g_option_context_parse (context, argc, argv, &error))
    {
      usage_error (ctl, "%s", error->message);
      return FALSE;
    }
  if (*argc - 1 < nargs_min)
    {
      usage_error (ctl, _ ("an argument is missing"));
      return FALSE;
    }
  if (*argc - 1 > nargs_max)
    {
      usage_error (ctl, _ ("too many arguments: “%s”"), (*argv)[nargs_max + 1]);
      return FALSE;
    }
  return TRUE;
}

/* --- run and logs ------------------------------------------------------ */

typedef struct
{
  Ctl *ctl;
  FfClientRun *run;
  GCancellable *stop; /* stops following: a write error, a second Ctrl-C */
  GError *write_error;
  gboolean cancel_sent;
  gboolean discard; /* the reader went away: follow to the end, print nothing */
} Follow;

/* The run's bytes to stdout as they are. A closed pipe (| head) is the
 * reader's choice: the run's end and its exit code still matter to whoever
 * started it. */
static void
on_follow_data (FfClientRun *run, GBytes *bytes, Follow *follow)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);

  while (len > 0 && !follow->discard && follow->write_error == NULL)
    {
      gssize n = write (STDOUT_FILENO, data, len);
      gint saved_errno = errno;

      if (n < 0 && saved_errno == EINTR)
        continue;
      if (n < 0 && saved_errno == EPIPE)
        follow->discard = TRUE;
      else if (n < 0)
        {
          follow->write_error =
              g_error_new (G_IO_ERROR, g_io_error_from_errno (saved_errno),
                           _ ("Cannot write the output: %s"), g_strerror (saved_errno));
          g_cancellable_cancel (follow->stop);
          return;
        }
      else
        {
          data += n;
          len -= n;
        }
    }
}

static void
on_followed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Follow *follow = user_data;
  g_autoptr (GError) error = NULL;

  if (!ff_client_run_follow_finish (FF_CLIENT_RUN (source), result, &error) &&
      follow->ctl->status != EXIT_INTERRUPTED)
    {
      print_error ("%s",
                   follow->write_error != NULL ? follow->write_error->message : error->message);
      follow->ctl->status = 1;
    }
  g_main_loop_quit (follow->ctl->loop);
}

static void
on_cancel_sent (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;

  if (!ff_client_run_cancel_finish (FF_CLIENT_RUN (source), result, &error))
    print_error ("%s", error->message);
}

/* Ctrl-C cancels the run; the follower then sees it end as cancelled. */
static gboolean
on_interrupt (gpointer user_data)
{
  Follow *follow = user_data;

  if (follow->cancel_sent)
    {
      follow->ctl->status = EXIT_INTERRUPTED;
      g_cancellable_cancel (follow->stop);
      return G_SOURCE_REMOVE;
    }
  follow->cancel_sent = TRUE;
  g_printerr ("\n%s\n", _ ("Cancelling the run… (press Ctrl-C again to stop following)"));
  ff_client_run_cancel_async (follow->run, NULL, on_cancel_sent, follow);
  return G_SOURCE_CONTINUE;
}

static void
follow_log (Ctl *ctl, FfClientRun *run, gboolean live, gboolean cancel_on_interrupt)
{
  g_autoptr (GCancellable) stop = g_cancellable_new ();
  Follow follow = { ctl, run, stop, NULL, FALSE, FALSE };
  gulong output_id;
  guint sigint = 0;

  output_id = g_signal_connect (run, "output", G_CALLBACK (on_follow_data), &follow);
  if (cancel_on_interrupt)
    sigint = g_unix_signal_add (SIGINT, on_interrupt, &follow);
  ff_client_run_follow_async (run, live, stop, on_followed, &follow);
  g_main_loop_run (ctl->loop);
  g_signal_handler_disconnect (run, output_id);
  if (sigint != 0 && g_main_context_find_source_by_id (NULL, sigint) != NULL)
    g_source_remove (sigint);
  g_clear_error (&follow.write_error);
}

static gint
print_outcome (Ctl *ctl, guint64 id)
{
  g_autoptr (FfClientRun) run = lookup_run (ctl, id);
  g_autofree gchar *badge = NULL;
  g_autofree gchar *duration = NULL;
  g_autofree gchar *pipeline = NULL, *message = NULL;

  if (run == NULL)
    return 1;
  /* following stopped before the end (a second Ctrl-C, an error) */
  if (ff_client_run_get_finished_at (run) == 0)
    return ctl->status != 0 ? ctl->status : 1;
  badge = ff_cli_badge (ff_client_run_get_state (run), ff_client_run_get_error_class (run),
                        ff_cli_use_color (STDERR_FILENO));
  duration = ff_cli_format_duration (ff_client_run_get_started_at (run),
                                     ff_client_run_get_finished_at (run));
  pipeline = ff_cli_printable (ff_client_run_get_pipeline (run), FALSE);
  message = ff_cli_printable (ff_client_run_get_message (run), FALSE);
  if (g_str_equal (ff_client_run_get_state (run), "succeeded"))
    /* TRANSLATORS: run 12 (hello): Succeeded [2.1 s] */
    g_printerr (_ ("run %" PRIu64 " (%s): %s [%s]\n"), ff_client_run_get_id (run), pipeline, badge,
                duration);
  else
    /* TRANSLATORS: run 12 (hello): Pipeline Error — The pipeline exited with code 3 [2.1 s] */
    g_printerr (_ ("run %" PRIu64 " (%s): %s — %s [%s]\n"), ff_client_run_get_id (run), pipeline,
                badge, message, duration);
  if (ctl->status != 0)
    return ctl->status;
  return ff_client_run_get_outcome (run);
}

/* -e KEY=VALUE… as the run's environment; a later KEY wins, as it did in
 * the a{ss} fastflowd reads in order. */
static GHashTable *
build_env (Ctl *ctl, gchar **entries, gboolean *ok)
{
  GHashTable *env = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  *ok = TRUE;
  for (guint i = 0; entries != NULL && entries[i] != NULL; i++)
    {
      const gchar *eq = strchr (entries[i], '=');
      g_autofree gchar *key = NULL;

      if (eq == NULL || !ff_env_name_is_valid (entries[i], eq - entries[i]))
        {
          usage_error (ctl,
                       _ ("“%s” is not KEY=VALUE (KEY: letters, digits and “_”, not starting "
                          "with a digit)"),
                       entries[i]);
          *ok = FALSE;
          continue;
        }
      key = g_strndup (entries[i], eq - entries[i]);
      g_hash_table_insert (env, g_steal_pointer (&key), g_strdup (eq + 1));
    }
  return env;
}

static gint
cmd_run (Ctl *ctl, gint argc, gchar **argv)
{
  g_auto (GStrv) env_entries = NULL;
  g_autofree gchar *executor = NULL;
  g_autofree gchar *run_config = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (FfClientRun) run = NULL;
  g_autoptr (GHashTable) env = NULL;
  gboolean detach = FALSE, force = FALSE, env_ok;
  guint64 id;
  const GOptionEntry entries[] = {
    { "env", 'e', 0, G_OPTION_ARG_STRING_ARRAY, &env_entries,
      N_ ("Set an environment variable for the run"), N_ ("KEY=VALUE") },
    { "executor", 0, 0, G_OPTION_ARG_STRING, &executor, N_ ("Run with this executor"),
      N_ ("NAME") },
    { "config", 0, 0, G_OPTION_ARG_STRING, &run_config,
      N_ ("Use the run configuration with this id from schedules[]"), N_ ("ID") },
    { "detach", 'd', 0, G_OPTION_ARG_NONE, &detach, N_ ("Print the run id and return at once"),
      NULL },
    { "force", 0, 0, G_OPTION_ARG_NONE, &force, N_ ("Run even if the pipeline is disabled"), NULL },
    G_OPTION_ENTRY_NULL,
  };

  context =
      command_context (ctl, _ ("PIPELINE"), _ ("Start a run and follow its output."), entries);
  if (!parse_options (ctl, context, &argc, &argv, 1, 1))
    return EXIT_USAGE;
  env = build_env (ctl, env_entries, &env_ok);
  if (!env_ok)
    return EXIT_USAGE;
  if (!connect_manager (ctl))
    return EXIT_RUN_INFRA;

  id = ff_client_start_run_full_sync (ctl->client, argv[1], env, executor, run_config, force,
                                      "manual", NULL, &error);
  if (id == 0)
    {
      print_gerror (ctl, error);
      return EXIT_RUN_INFRA;
    }
  if (detach)
    {
      g_print ("%" G_GUINT64_FORMAT "\n", id);
      return EXIT_SUCCESS;
    }
  run = lookup_run (ctl, id);
  if (run == NULL)
    return EXIT_RUN_INFRA;
  follow_log (ctl, run, TRUE, TRUE);
  if (ctl->status != 0 && ctl->status != EXIT_INTERRUPTED)
    return EXIT_RUN_INFRA;
  return print_outcome (ctl, id);
}

static gint
cmd_logs (Ctl *ctl, gint argc, gchar **argv)
{
  guint64 id;
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (FfClientRun) run = NULL;
  gboolean follow = FALSE;
  const GOptionEntry entries[] = {
    { "follow", 'f', 0, G_OPTION_ARG_NONE, &follow, N_ ("Keep printing output until the run ends"),
      NULL },
    G_OPTION_ENTRY_NULL,
  };

  context = command_context (ctl, _ ("RUN"), _ ("Print the output of a run."), entries);
  if (!parse_options (ctl, context, &argc, &argv, 1, 1) || !parse_run_id (ctl, argv[1], &id))
    return EXIT_USAGE;
  if (!connect_manager (ctl) || (run = lookup_run (ctl, id)) == NULL)
    return EXIT_FAILURE;
  follow_log (ctl, run, follow, FALSE);
  return ctl->status;
}

/* --- status, runs ------------------------------------------------------ */

/* @value as it is: fastflowctl's own colours, around printable text. */
static void
print_painted_field (const gchar *label, const gchar *value)
{
  g_autofree gchar *padded = ff_cli_pad (label, 16);

  g_print ("%s %s\n", padded, value);
}

static void
print_field (const gchar *label, const gchar *value)
{
  g_autofree gchar *printable = ff_cli_printable (value, FALSE);

  print_painted_field (label, printable);
}

static void
print_status (FfClientRun *run)
{
  gboolean color = ff_cli_use_color (STDOUT_FILENO);
  g_autofree gchar *badge =
      ff_cli_badge (ff_client_run_get_state (run), ff_client_run_get_error_class (run), color);
  g_autofree gchar *id = g_strdup_printf ("%" G_GUINT64_FORMAT, ff_client_run_get_id (run));
  g_autofree gchar *state_id = ff_cli_printable (ff_client_run_get_state (run), FALSE);
  g_autofree gchar *state = g_strdup_printf ("%s (%s)", badge, state_id);
  g_autofree gchar *attempt = g_strdup_printf ("%u / %u", ff_client_run_get_attempt (run),
                                               ff_client_run_get_max_attempts (run));
  g_autofree gchar *created = ff_cli_format_time (ff_client_run_get_created_at (run));
  g_autofree gchar *started = ff_cli_format_time (ff_client_run_get_started_at (run));
  g_autofree gchar *finished = ff_cli_format_time (ff_client_run_get_finished_at (run));
  g_autofree gchar *duration = ff_cli_format_duration (ff_client_run_get_started_at (run),
                                                       ff_client_run_get_finished_at (run));
  g_autofree gchar *exit_code = g_strdup_printf ("%d", ff_client_run_get_exit_code (run));
  g_autofree gchar *cpu = g_strdup_printf ("%.1f %%", ff_client_run_get_cpu_percent (run));
  g_autofree gchar *mem = ff_cli_format_size (ff_client_run_get_memory_bytes (run));
  g_autofree gchar *peak = ff_cli_format_size (ff_client_run_get_memory_peak_bytes (run));
  g_autofree gchar *memory = g_strdup_printf (_ ("%s (peak %s)"), mem, peak);

  print_field (_ ("Run"), id);
  print_field (_ ("Pipeline"), ff_client_run_get_pipeline (run));
  print_painted_field (_ ("State"), state);
  print_field (_ ("Message"), ff_client_run_get_message (run));
  if (*ff_client_run_get_reason (run) != '\0')
    {
      g_autofree gchar *error_class =
          g_strdup_printf ("%s (%s)", ff_cli_describe_id (ff_client_run_get_error_class (run)),
                           ff_client_run_get_error_class (run));
      g_autofree gchar *reason =
          g_strdup_printf ("%s (%s)", ff_cli_describe_id (ff_client_run_get_reason (run)),
                           ff_client_run_get_reason (run));

      /* words for people, the id in brackets for scripts and searches */
      print_field (_ ("Error class"), error_class);
      print_field (_ ("Reason"), reason);
    }
  print_field (_ ("Exit code"), ff_client_run_get_finished_at (run) > 0 ? exit_code : "-");
  print_field (_ ("Executor"), ff_client_run_get_executor (run));
  print_field (_ ("Attempt"), attempt);
  print_field (_ ("Triggered by"), ff_client_run_get_triggered_by (run));
  print_field (_ ("Created"), created);
  print_field (_ ("Started"), started);
  print_field (_ ("Finished"), finished);
  print_field (_ ("Duration"), duration);
  print_field (_ ("CPU"), cpu);
  print_field (_ ("Memory"), memory);
  if (ff_client_run_get_soft_limit_exceeded (run))
    print_field (_ ("Soft limit"), _ ("exceeded"));
  if (*ff_client_run_get_metrics_message (run) != '\0')
    print_field (_ ("Metrics"), ff_client_run_get_metrics_message (run));
  if (*ff_client_run_get_route (run) != '\0')
    print_field (_ ("Route"), ff_client_run_get_route (run));
}

static gint
cmd_status (Ctl *ctl, gint argc, gchar **argv)
{
  guint64 id;
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (FfClientRun) run = NULL;
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_ ("Print JSON for scripts"), NULL },
    G_OPTION_ENTRY_NULL,
  };

  context = command_context (ctl, _ ("RUN"), _ ("Show the state of a run."), entries);
  if (!parse_options (ctl, context, &argc, &argv, 1, 1) || !parse_run_id (ctl, argv[1], &id))
    return EXIT_USAGE;
  if (!connect_manager (ctl) || (run = lookup_run (ctl, id)) == NULL)
    return EXIT_FAILURE;
  if (json)
    {
      g_autoptr (JsonNode) node = ff_cli_run_to_json (run);
      ff_cli_print_json (node);
    }
  else
    print_status (run);
  return EXIT_SUCCESS;
}

static void
print_runs_table (GPtrArray *runs)
{
  gboolean color = ff_cli_use_color (STDOUT_FILENO);
  g_autofree gchar *h_id = ff_cli_pad (_ ("ID"), 6);
  g_autofree gchar *h_pipeline = ff_cli_pad (_ ("PIPELINE"), 20);
  g_autofree gchar *h_state = ff_cli_pad (_ ("STATE"), 22);
  g_autofree gchar *h_started = ff_cli_pad (_ ("STARTED"), 20);
  g_autofree gchar *h_duration = ff_cli_pad (_ ("DURATION"), 11);

  g_print ("%s %s %s %s %s %s\n", h_id, h_pipeline, h_state, h_started, h_duration, _ ("EXIT"));
  for (guint i = 0; i < runs->len; i++)
    {
      FfClientRun *run = g_ptr_array_index (runs, i);
      g_autofree gchar *id = g_strdup_printf ("%" G_GUINT64_FORMAT, ff_client_run_get_id (run));
      g_autofree gchar *id_col = ff_cli_pad (id, 6);
      g_autofree gchar *pipeline = ff_cli_pad (ff_client_run_get_pipeline (run), 20);
      g_autofree gchar *plain =
          ff_cli_badge (ff_client_run_get_state (run), ff_client_run_get_error_class (run), FALSE);
      g_autofree gchar *badge =
          ff_cli_badge (ff_client_run_get_state (run), ff_client_run_get_error_class (run), color);
      g_autofree gchar *started = ff_cli_format_time (ff_client_run_get_started_at (run));
      g_autofree gchar *started_col = ff_cli_pad (started, 20);
      g_autofree gchar *duration = ff_cli_format_duration (ff_client_run_get_started_at (run),
                                                           ff_client_run_get_finished_at (run));
      g_autofree gchar *duration_col = ff_cli_pad (duration, 11);
      g_autofree gchar *exit_code = ff_client_run_get_finished_at (run) > 0
                                        ? g_strdup_printf ("%d", ff_client_run_get_exit_code (run))
                                        : g_strdup ("-");
      /* pad by the visible width, not the colour codes */
      g_autofree gchar *state_pad =
          ff_cli_pad ("", 22 > g_utf8_strlen (plain, -1) ? 22 - g_utf8_strlen (plain, -1) : 0);

      g_print ("%s %s %s%s %s %s %s\n", id_col, pipeline, badge, state_pad, started_col,
               duration_col, exit_code);
    }
}

static gint
cmd_runs (Ctl *ctl, gint argc, gchar **argv)
{
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) runs = NULL;
  g_autofree gchar *pipeline = NULL;
  g_autofree gchar *state = NULL;
  gint limit = 20;
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "pipeline", 'p', 0, G_OPTION_ARG_STRING, &pipeline, N_ ("Only runs of this pipeline"),
      N_ ("PIPELINE") },
    { "state", 's', 0, G_OPTION_ARG_STRING, &state, N_ ("Only runs in this state"), N_ ("STATE") },
    { "limit", 'n', 0, G_OPTION_ARG_INT, &limit,
      N_ ("At most this many runs (default 20, 0 for all)"), N_ ("N") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_ ("Print JSON for scripts"), NULL },
    G_OPTION_ENTRY_NULL,
  };

  context = command_context (ctl, NULL, _ ("List runs, newest first."), entries);
  if (!parse_options (ctl, context, &argc, &argv, 0, 0))
    return EXIT_USAGE;
  if (limit < 0)
    {
      return usage_error (ctl, _ ("--limit must be 0 or more"));
    }
  if (!connect_manager (ctl))
    return EXIT_FAILURE;
  runs = ff_client_find_runs_sync (ctl->client, pipeline, state, (guint) limit, NULL, &error);
  if (runs == NULL)
    {
      print_gerror (ctl, error);
      return EXIT_FAILURE;
    }
  if (json)
    {
      g_autoptr (JsonArray) array = json_array_new ();
      g_autoptr (JsonNode) node = json_node_new (JSON_NODE_ARRAY);
      for (guint i = 0; i < runs->len; i++)
        json_array_add_element (array, ff_cli_run_to_json (g_ptr_array_index (runs, i)));
      json_node_set_array (node, array);
      ff_cli_print_json (node);
      return EXIT_SUCCESS;
    }
  if (runs->len == 0)
    {
      g_print ("%s\n", _ ("No runs."));
      return EXIT_SUCCESS;
    }
  print_runs_table (runs);
  return EXIT_SUCCESS;
}

/* --- pipelines, executors, cancel, reload ------------------------------ */

static JsonNode *
variant_to_json (GVariant *dict)
{
  return json_gvariant_serialize (dict);
}

static void
print_pipeline_row (GVariant *pipeline, gboolean color)
{
  const gchar *name = "", *description = "", *executor = "", *schedule = "", *last = "";
  const gchar *error = "";
  gboolean broken = FALSE, enabled = TRUE;
  gint64 next_run = 0;
  g_autofree gchar *next_text = NULL;
  g_autofree gchar *next_col = NULL;
  g_autofree gchar *last_badge = NULL;
  g_autofree gchar *name_col = NULL;
  g_autofree gchar *last_col = NULL;
  g_autofree gchar *executor_col = NULL;
  g_autofree gchar *schedule_col = NULL;
  g_autofree gchar *description_text = NULL;

  g_variant_lookup (pipeline, "name", "&s", &name);
  g_variant_lookup (pipeline, "description", "&s", &description);
  g_variant_lookup (pipeline, "executor", "&s", &executor);
  g_variant_lookup (pipeline, "schedule", "&s", &schedule);
  g_variant_lookup (pipeline, "last_state", "&s", &last);
  g_variant_lookup (pipeline, "broken", "b", &broken);
  g_variant_lookup (pipeline, "enabled", "b", &enabled);
  g_variant_lookup (pipeline, "error", "&s", &error);
  g_variant_lookup (pipeline, "next_run", "x", &next_run);
  next_text = next_run > 0 ? ff_cli_format_time (next_run) : g_strdup ("-");
  next_col = ff_cli_pad (next_text, 20);
  name_col = ff_cli_pad (name, 20);
  if (broken)
    last = _ ("broken");
  else if (!enabled)
    last = _ ("disabled");
  else if (*last == '\0')
    last = _ ("never run");
  else
    last = last_badge = ff_cli_badge (last, NULL, FALSE);
  last_col = ff_cli_pad (last, 12);
  executor_col = ff_cli_pad (*executor != '\0' ? executor : _ ("default"), 14);
  schedule_col = ff_cli_pad (*schedule != '\0' ? schedule : "-", 16);
  description_text = ff_cli_printable (description, FALSE);
  g_print ("%s %s %s %s %s %s\n", name_col, last_col, executor_col, schedule_col, next_col,
           description_text);
  if (broken)
    {
      g_auto (GStrv) lines = g_strsplit (error, "\n", -1);
      for (guint i = 0; lines[i] != NULL; i++)
        {
          g_autofree gchar *text = ff_cli_printable (lines[i], FALSE);
          g_autofree gchar *line = g_strdup_printf ("    %s", text);
          g_autofree gchar *painted =
              color ? g_strconcat ("\033[31m", line, "\033[0m", NULL) : g_strdup (line);
          g_print ("%s\n", painted);
        }
    }
}

static gint
cmd_pipelines (Ctl *ctl, gint argc, gchar **argv)
{
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) pipelines = NULL;
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_ ("Print JSON for scripts"), NULL },
    G_OPTION_ENTRY_NULL,
  };
  g_autofree gchar *h_name = ff_cli_pad (_ ("NAME"), 20);
  g_autofree gchar *h_last = ff_cli_pad (_ ("LAST RUN"), 12);
  g_autofree gchar *h_executor = ff_cli_pad (_ ("EXECUTOR"), 14);
  g_autofree gchar *h_schedule = ff_cli_pad (_ ("SCHEDULE"), 16);
  g_autofree gchar *h_next = ff_cli_pad (_ ("NEXT RUN"), 20);
  GVariantIter iter;
  GVariant *pipeline;

  context = command_context (ctl, NULL, _ ("List the pipelines."), entries);
  if (!parse_options (ctl, context, &argc, &argv, 0, 0))
    return EXIT_USAGE;
  if (!connect_manager (ctl))
    return EXIT_FAILURE;
  if ((pipelines = ff_client_list_pipelines_sync (ctl->client, NULL, &error)) == NULL)
    {
      print_gerror (ctl, error);
      return EXIT_FAILURE;
    }
  if (json)
    {
      g_autoptr (JsonNode) node = variant_to_json (pipelines);
      ff_cli_print_json (node);
      return EXIT_SUCCESS;
    }
  if (g_variant_n_children (pipelines) == 0)
    {
      g_print ("%s\n", _ ("No pipelines."));
      return EXIT_SUCCESS;
    }
  g_print ("%s %s %s %s %s %s\n", h_name, h_last, h_executor, h_schedule, h_next,
           _ ("DESCRIPTION"));
  g_variant_iter_init (&iter, pipelines);
  while ((pipeline = g_variant_iter_next_value (&iter)) != NULL)
    {
      print_pipeline_row (pipeline, ff_cli_use_color (STDOUT_FILENO));
      g_variant_unref (pipeline);
    }
  return EXIT_SUCCESS;
}

/* DiagnoseExecutor's checks of @name, or NULL with the error printed. */
static GVariant *
diagnose (Ctl *ctl, const gchar *name)
{
  g_autoptr (GError) error = NULL;
  GVariant *checks = ff_client_diagnose_executor_sync (ctl->client, name, NULL, &error);

  if (checks == NULL)
    {
      print_gerror (ctl, error);
      return NULL;
    }
  return checks;
}

static void
add_checks_json (JsonBuilder *b, GVariant *checks)
{
  GVariantIter iter;
  const gchar *check, *level, *message;

  json_builder_set_member_name (b, "checks");
  json_builder_begin_array (b);
  g_variant_iter_init (&iter, checks);
  while (g_variant_iter_next (&iter, "(&s&s&s)", &check, &level, &message))
    {
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, check);
      json_builder_set_member_name (b, "level");
      json_builder_add_string_value (b, level);
      json_builder_set_member_name (b, "message");
      json_builder_add_string_value (b, message);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
}

static void
print_checks (GVariant *checks, gboolean color)
{
  GVariantIter iter;
  const gchar *check, *level, *message;

  g_variant_iter_init (&iter, checks);
  while (g_variant_iter_next (&iter, "(&s&s&s)", &check, &level, &message))
    {
      const gchar *mark = "✓", *paint = "\033[32m";
      g_autofree gchar *text = ff_cli_printable (message, FALSE);

      if (g_str_equal (level, "warning"))
        mark = "!", paint = "\033[33m";
      else if (g_str_equal (level, "error"))
        mark = "✗", paint = "\033[31m";
      if (color)
        g_print ("    %s%s\033[0m %s\n", paint, mark, text);
      else
        g_print ("    %s %s\n", mark, text);
    }
}

static gint
print_executors_json (Ctl *ctl, GVariant *executors, gboolean verbose)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) node = NULL;
  GVariantIter iter;
  const gchar *name, *message;
  gboolean available;

  json_builder_begin_array (b);
  g_variant_iter_init (&iter, executors);
  while (g_variant_iter_next (&iter, "(&sb&s)", &name, &available, &message))
    {
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, name);
      json_builder_set_member_name (b, "available");
      json_builder_add_boolean_value (b, available);
      json_builder_set_member_name (b, "message");
      json_builder_add_string_value (b, message);
      if (verbose)
        {
          g_autoptr (GVariant) checks = diagnose (ctl, name);
          if (checks == NULL)
            return EXIT_FAILURE;
          add_checks_json (b, checks);
        }
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  node = json_builder_get_root (b);
  ff_cli_print_json (node);
  return EXIT_SUCCESS;
}

static gint
cmd_executors (Ctl *ctl, gint argc, gchar **argv)
{
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) executors = NULL;
  gboolean json = FALSE, verbose = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_ ("Print JSON for scripts"), NULL },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose,
      N_ ("Also show each executor's checks of its setup, e.g. what a Docker proxy allows"), NULL },
    G_OPTION_ENTRY_NULL,
  };
  GVariantIter iter;
  const gchar *name, *message;
  gboolean available;

  context =
      command_context (ctl, NULL, _ ("List the executors and whether they can run now."), entries);
  if (!parse_options (ctl, context, &argc, &argv, 0, 0))
    return EXIT_USAGE;
  if (!connect_manager (ctl))
    return EXIT_FAILURE;
  if ((executors = ff_client_list_executors_sync (ctl->client, NULL, &error)) == NULL)
    {
      print_gerror (ctl, error);
      return EXIT_FAILURE;
    }
  if (json)
    return print_executors_json (ctl, executors, verbose);
  g_variant_iter_init (&iter, executors);
  while (g_variant_iter_next (&iter, "(&sb&s)", &name, &available, &message))
    {
      g_autofree gchar *name_col = ff_cli_pad (name, 16);
      g_autofree gchar *text = ff_cli_printable (available ? _ ("available") : message, FALSE);
      g_autoptr (GVariant) checks = NULL;

      g_print ("%s %s\n", name_col, text);
      if (!verbose)
        continue;
      checks = diagnose (ctl, name);
      if (checks == NULL)
        return EXIT_FAILURE;
      print_checks (checks, ff_cli_use_color (STDOUT_FILENO));
    }
  return EXIT_SUCCESS;
}

static gint
cmd_cancel (Ctl *ctl, gint argc, gchar **argv)
{
  guint64 id;
  g_autoptr (GOptionContext) context = command_context (ctl, _ ("RUN"), _ ("Cancel a run."), NULL);
  g_autoptr (FfClientRun) run = NULL;
  g_autoptr (GError) error = NULL;

  if (!parse_options (ctl, context, &argc, &argv, 1, 1) || !parse_run_id (ctl, argv[1], &id))
    return EXIT_USAGE;
  if (!connect_manager (ctl) || (run = lookup_run (ctl, id)) == NULL)
    return EXIT_FAILURE;
  if (!ff_client_run_cancel_sync (run, NULL, &error))
    {
      print_gerror (ctl, error);
      return EXIT_FAILURE;
    }
  return EXIT_SUCCESS;
}

static gint
cmd_reload (Ctl *ctl, gint argc, gchar **argv)
{
  g_autoptr (GOptionContext) context =
      command_context (ctl, NULL, _ ("Scan the pipelines folder again."), NULL);
  g_autoptr (GError) error = NULL;

  if (!parse_options (ctl, context, &argc, &argv, 0, 0))
    return EXIT_USAGE;
  if (!connect_manager (ctl))
    return EXIT_FAILURE;
  if (!ff_client_reload_sync (ctl->client, NULL, &error))
    {
      print_gerror (ctl, error);
      return EXIT_FAILURE;
    }
  return EXIT_SUCCESS;
}

/* --- metrics, top ------------------------------------------------------ */

static gint
cmd_metrics (Ctl *ctl, gint argc, gchar **argv)
{
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (FfClientRun) run = NULL;
  g_autoptr (GVariant) samples = NULL;
  g_autoptr (GError) error = NULL;
  gboolean json = FALSE;
  guint64 id;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_ ("Print JSON for scripts"), NULL },
    G_OPTION_ENTRY_NULL,
  };

  context =
      command_context (ctl, _ ("RUN"), _ ("Show the CPU and memory samples of a run."), entries);
  if (!parse_options (ctl, context, &argc, &argv, 1, 1) || !parse_run_id (ctl, argv[1], &id))
    return EXIT_USAGE;
  if (!connect_manager (ctl) || (run = lookup_run (ctl, id)) == NULL)
    return EXIT_FAILURE;
  if ((samples = ff_client_run_get_metrics_sync (run, NULL, &error)) == NULL)
    {
      print_gerror (ctl, error);
      return EXIT_FAILURE;
    }
  if (json)
    {
      g_autoptr (JsonNode) node = ff_cli_samples_to_json (samples);
      ff_cli_print_json (node);
      return EXIT_SUCCESS;
    }
  if (*ff_client_run_get_metrics_message (run) != '\0')
    {
      g_autofree gchar *text = ff_cli_printable (ff_client_run_get_metrics_message (run), TRUE);
      g_print ("%s\n", text);
    }
  ff_cli_print_samples (samples);
  return EXIT_SUCCESS;
}

typedef struct
{
  Ctl *ctl;
  GHashTable *proxies; /* run id → FfClientRun, kept so they follow PropertiesChanged */
  gboolean terminal;
  gint status;
  guint tick_id;
  guint sigint_id;
} Top;

static gboolean
is_not_seen (gpointer key, gpointer value, gpointer seen)
{
  return !g_hash_table_contains (seen, key);
}

static gboolean
draw_top (Top *top)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) ids = NULL;
  g_autoptr (GPtrArray) runs = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (GHashTable) seen = g_hash_table_new (g_int64_hash, g_int64_equal);
  g_autofree gchar *screen = NULL;

  ids = ff_client_list_run_ids_sync (top->ctl->client, NULL, "running", 0, NULL, &error);
  if (ids == NULL)
    {
      print_gerror (top->ctl, error);
      top->status = EXIT_FAILURE;
      return FALSE;
    }
  for (guint i = 0; i < ids->len; i++)
    {
      guint64 *id = &g_array_index (ids, guint64, i);
      FfClientRun *run = g_hash_table_lookup (top->proxies, id);

      if (run == NULL)
        {
          g_clear_error (&error);
          /* it may have ended and gone since the list was made */
          run = ff_client_get_run_sync (top->ctl->client, *id, NULL, &error);
          if (run == NULL)
            continue;
          g_hash_table_insert (top->proxies, g_memdup2 (id, sizeof *id), run);
        }
      g_hash_table_add (seen, id);
      g_ptr_array_add (runs, g_object_ref (run));
    }
  /* runs that ended are not followed any more */
  g_hash_table_foreach_remove (top->proxies, is_not_seen, seen);
  screen = ff_cli_format_top (runs, ff_cli_use_color (STDOUT_FILENO));
  /* in place on a terminal: home, the table, then clear what is left */
  if (top->terminal)
    g_print ("\033[H%s\033[J", screen);
  else
    g_print ("%s", screen);
  fflush (stdout);
  return TRUE;
}

static gboolean
on_top_tick (gpointer user_data)
{
  Top *top = user_data;

  if (draw_top (top))
    return G_SOURCE_CONTINUE;
  top->tick_id = 0;
  g_main_loop_quit (top->ctl->loop);
  return G_SOURCE_REMOVE;
}

static gboolean
on_top_interrupt (gpointer user_data)
{
  Top *top = user_data;

  top->sigint_id = 0;
  g_main_loop_quit (top->ctl->loop);
  return G_SOURCE_REMOVE;
}

static gint
cmd_top (Ctl *ctl, gint argc, gchar **argv)
{
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GHashTable) proxies =
      g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_object_unref);
  Top top = { ctl, proxies, isatty (STDOUT_FILENO), EXIT_SUCCESS, 0, 0 };
  gdouble interval = 1.0;
  gboolean once = FALSE;
  const GOptionEntry entries[] = {
    { "interval", 'i', 0, G_OPTION_ARG_DOUBLE, &interval,
      N_ ("Seconds between refreshes (default 1)"), N_ ("SECONDS") },
    { "once", 0, 0, G_OPTION_ARG_NONE, &once, N_ ("Print the table once and return"), NULL },
    G_OPTION_ENTRY_NULL,
  };

  context = command_context (ctl, NULL, _ ("Show the running runs and their CPU and memory, live."),
                             entries);
  if (!parse_options (ctl, context, &argc, &argv, 0, 0))
    return EXIT_USAGE;
  if (interval < 0.1 || interval > 3600)
    return usage_error (ctl, _ ("--interval must be from 0.1 to 3600 seconds"));
  if (!connect_manager (ctl))
    return EXIT_FAILURE;
  /* without a terminal there is no place to refresh in: one table */
  if (once || !top.terminal)
    return draw_top (&top) ? EXIT_SUCCESS : top.status;
  g_print ("\033[2J");
  if (!draw_top (&top))
    return top.status;
  top.tick_id = g_timeout_add ((guint) (interval * 1000), on_top_tick, &top);
  top.sigint_id = g_unix_signal_add (SIGINT, on_top_interrupt, &top);
  g_main_loop_run (ctl->loop);
  g_clear_handle_id (&top.tick_id, g_source_remove);
  g_clear_handle_id (&top.sigint_id, g_source_remove);
  return top.status;
}

/* --- main ------------------------------------------------------------- */

typedef struct
{
  const gchar *name;
  CommandFunc func;
  const gchar *summary;
} Command;

static const Command commands[] = {
  { "pipelines", cmd_pipelines, N_ ("List the pipelines") },
  { "run", cmd_run, N_ ("Start a run and follow its output") },
  { "runs", cmd_runs, N_ ("List runs, newest first") },
  { "status", cmd_status, N_ ("Show the state of a run") },
  { "logs", cmd_logs, N_ ("Print the output of a run") },
  { "cancel", cmd_cancel, N_ ("Cancel a run") },
  { "executors", cmd_executors, N_ ("List the executors and their health") },
  { "reload", cmd_reload, N_ ("Scan the pipelines folder again") },
  { "top", cmd_top, N_ ("Show the running runs and their CPU and memory, live") },
  { "metrics", cmd_metrics, N_ ("Show the CPU and memory samples of a run") },
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
        return usage_error (&ctl, _ ("unknown option “%s”"), argv[first]);
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
  return usage_error (&ctl, _ ("unknown command “%s”"), argv[first]);
}
