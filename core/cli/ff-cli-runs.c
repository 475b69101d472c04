/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fastflowctl run, logs, status, runs and cancel: one run at a time. */
#include "config.h"

#include <inttypes.h>

#include <errno.h>
#include <glib-unix.h>
#include <glib/gi18n.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ff-cli-output.h"
#include "ff-cli-private.h"

/* --- run, logs and wait ----------------------------------------------- */

/* The signals that cancel the run `run` follows: Ctrl-C, a `kill` or
 * `timeout`, the terminal going away. */
static const gint stop_signals[] = { SIGINT, SIGTERM, SIGHUP };

typedef struct Follow Follow;

typedef struct
{
  Follow *follow;
  gint signum;
  guint id;
} StopSignal;

struct Follow
{
  Ctl *ctl;
  FfClientRun *run;
  GCancellable *stop; /* stops following: a write error, a second signal */
  GError *write_error;
  gint signum;             /* the first stop signal, which cancelled the run; 0 for none */
  gboolean abandoned;      /* a second one: stop following at once */
  gboolean cancel_pending; /* the first one's Cancel has no answer yet */
  gboolean merged;         /* logs --merged: stderr's pieces to stdout too */
  /* the reader went away: follow to the end, print nothing more there;
   * by descriptor, as `| head` closes stdout only */
  gboolean discard[STDERR_FILENO + 1];
  gsize skip; /* bytes already printed (logs --tail --follow) */
  StopSignal signals[G_N_ELEMENTS (stop_signals)];
};

/* The run's bytes as they are, each piece to the descriptor of the stream
 * it came from (or all to stdout, --merged), in the order they came. A
 * closed pipe (| head) is the reader's choice: the run's end and its exit
 * code still matter to whoever started it; so is a terminal that hung up. */
static void
on_follow_data (FfClientRun *run, guint stream, GBytes *bytes, Follow *follow)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);
  gint fd = stream == FF_STREAM_STDERR && !follow->merged ? STDERR_FILENO : STDOUT_FILENO;
  gsize skipped = MIN (len, follow->skip);

  data += skipped;
  len -= skipped;
  follow->skip -= skipped;
  while (len > 0 && !follow->discard[fd] && follow->write_error == NULL)
    {
      gssize n = write (fd, data, len);
      gint saved_errno = errno;

      if (n < 0 && saved_errno == EINTR)
        continue;
      if (n < 0 && (saved_errno == EPIPE || (saved_errno == EIO && follow->signum == SIGHUP)))
        follow->discard[fd] = TRUE;
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

  if (!ff_client_run_follow_finish (FF_CLIENT_RUN (source), result, &error) && !follow->abandoned)
    {
      ff_cli_print_error ("%s", follow->write_error != NULL ? follow->write_error->message
                                                            : error->message);
      follow->ctl->status = 1;
    }
  g_main_loop_quit (follow->ctl->loop);
}

static void
on_cancel_sent (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Follow *follow = user_data;
  g_autoptr (GError) error = NULL;

  follow->cancel_pending = FALSE;
  if (!ff_client_run_cancel_finish (FF_CLIENT_RUN (source), result, &error))
    ff_cli_print_error ("%s", error->message);
  if (follow->abandoned)
    g_cancellable_cancel (follow->stop);
}

/* The first stop signal cancels the run, which the follower then sees end
 * as cancelled; a second one stops following. */
static gboolean
on_stop_signal (gpointer user_data)
{
  StopSignal *stop = user_data;
  Follow *follow = stop->follow;

  if (follow->signum != 0)
    {
      /* not before fastflowd has the cancel: leaving earlier could leave
       * the run running, as if the first signal had never come */
      follow->abandoned = TRUE;
      if (!follow->cancel_pending)
        g_cancellable_cancel (follow->stop);
      return G_SOURCE_CONTINUE;
    }
  follow->signum = stop->signum;
  if (stop->signum == SIGINT)
    g_printerr ("\n%s\n", _ ("Cancelling the run… (press Ctrl-C again to stop following)"));
  else
    /* TRANSLATORS: %s is a signal's name, SIGTERM or SIGHUP */
    g_printerr (_ ("%s received: cancelling the run… (send it again to stop following)\n"),
                stop->signum == SIGTERM ? "SIGTERM" : "SIGHUP");
  follow->cancel_pending = TRUE;
  ff_client_run_cancel_async (follow->run, NULL, on_cancel_sent, follow);
  return G_SOURCE_CONTINUE;
}

/* From the moment the run exists: a signal no longer ends fastflowctl
 * with the run left running; it waits, until the main loop runs, to cancel
 * the run. */
static void
watch_stop_signals (Follow *follow)
{
  for (guint i = 0; i < G_N_ELEMENTS (stop_signals); i++)
    {
      follow->signals[i].follow = follow;
      follow->signals[i].signum = stop_signals[i];
      follow->signals[i].id =
          g_unix_signal_add (stop_signals[i], on_stop_signal, &follow->signals[i]);
    }
}

static void
unwatch_stop_signals (Follow *follow)
{
  for (guint i = 0; i < G_N_ELEMENTS (stop_signals); i++)
    g_clear_handle_id (&follow->signals[i].id, g_source_remove);
}

static void
follow_log (Follow *follow, gboolean live)
{
  gulong output_id;

  output_id = g_signal_connect (follow->run, "stream-output", G_CALLBACK (on_follow_data), follow);
  ff_client_run_follow_async (follow->run, live, follow->stop, on_followed, follow);
  g_main_loop_run (follow->ctl->loop);
  /* on_cancel_sent uses @follow, which lives no longer than this call */
  while (follow->cancel_pending)
    g_main_context_iteration (NULL, TRUE);
  g_signal_handler_disconnect (follow->run, output_id);
  g_clear_error (&follow->write_error);
}

/* A run the signal cancelled ends as a process killed by it would:
 * 128 + its number (130 Ctrl-C, 143 SIGTERM, 129 SIGHUP), so a script or
 * CI runner that stopped fastflowctl sees the signal it sent. */
static gint
outcome_after_signal (FfClientRun *run, gint signum)
{
  if (signum != 0 && g_str_equal (ff_client_run_get_state (run), "cancelled"))
    return 128 + signum;
  return ff_client_run_get_outcome (run);
}

static gint
print_outcome (Ctl *ctl, guint64 id, gint signum)
{
  g_autoptr (FfClientRun) run = ff_cli_lookup_run (ctl, id);
  g_autofree gchar *badge = NULL;
  g_autofree gchar *duration = NULL;
  g_autofree gchar *pipeline = NULL, *message = NULL;

  if (run == NULL)
    return EXIT_RUN_INFRA;
  /* following stopped before the end: a second signal */
  if (ff_client_run_get_finished_at (run) == 0)
    return 128 + signum;
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
  return outcome_after_signal (run, signum);
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
          ff_cli_usage_error (
              ctl,
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

/* `run --detach --json`: what a script needs to find the run again. */
static void
print_started_json (guint64 id)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) node = NULL;
  g_autofree gchar *path =
      g_strdup_printf ("/org/fastflow/Orchestrator1/Run/%" G_GUINT64_FORMAT, id);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "run_id");
  json_builder_add_int_value (builder, (gint64) id);
  json_builder_set_member_name (builder, "path");
  json_builder_add_string_value (builder, path);
  json_builder_end_object (builder);
  node = json_builder_get_root (builder);
  ff_cli_print_json (node);
}

/* What `run` and `rerun` do once the run has started: print its id
 * (--detach), or follow it to its end and exit as it did. @again is the
 * run it repeats, 0 for none. */
static gint
print_or_follow (Ctl *ctl, guint64 id, gboolean detach, gboolean json, guint64 again)
{
  g_autoptr (FfClientRun) run = NULL;
  g_autoptr (GCancellable) stop = g_cancellable_new ();
  Follow follow = { 0 };

  if (detach && json)
    print_started_json (id);
  else if (detach)
    g_print ("%" G_GUINT64_FORMAT "\n", id);
  if (detach)
    return EXIT_SUCCESS;
  follow.ctl = ctl;
  follow.stop = stop;
  watch_stop_signals (&follow);
  /* at once, as systemd-run does: whoever stops fastflowctl now still
   * knows which run to look at */
  if (again != 0)
    /* TRANSLATORS: fastflowctl rerun: the new run's id, then the old one's */
    g_printerr (_ ("Running as run %" PRIu64 " (again of run %" PRIu64 ")\n"), id, again);
  else
    g_printerr (_ ("Running as run %" PRIu64 "\n"), id);
  run = ff_cli_lookup_run (ctl, id);
  if (run == NULL)
    return EXIT_RUN_INFRA;
  follow.run = run;
  follow_log (&follow, TRUE);
  unwatch_stop_signals (&follow);
  if (follow.abandoned)
    return 128 + follow.signum;
  if (ctl->status != 0)
    return EXIT_RUN_INFRA;
  return print_outcome (ctl, id, follow.signum);
}

gint
ff_cli_cmd_run (Ctl *ctl, gint argc, gchar **argv)
{
  g_auto (GStrv) env_entries = NULL;
  g_autofree gchar *executor = NULL;
  g_autofree gchar *run_config = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GHashTable) env = NULL;
  gboolean detach = FALSE, force = FALSE, json = FALSE, env_ok;
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
    { "json", 0, 0, G_OPTION_ARG_NONE, &json,
      N_ ("With --detach: print the run's id and object path as JSON"), NULL },
    { "force", 0, 0, G_OPTION_ARG_NONE, &force, N_ ("Run even if the pipeline is disabled"), NULL },
    G_OPTION_ENTRY_NULL,
  };

  context = ff_cli_command_context (ctl, _ ("PIPELINE"), _ ("Start a run and follow its output."),
                                    entries);
  if (!ff_cli_parse_options (ctl, context, &argc, &argv, 1, 1))
    return EXIT_USAGE;
  if (json && !detach)
    return ff_cli_usage_error (ctl, _ ("--json goes with --detach"));
  env = build_env (ctl, env_entries, &env_ok);
  if (!env_ok)
    return EXIT_USAGE;
  if (!ff_cli_connect_manager (ctl))
    return EXIT_RUN_INFRA;

  id = ff_client_start_run_full_sync (ctl->client, argv[1], env, executor, run_config, force,
                                      "manual", NULL, &error);
  if (id == 0)
    {
      ff_cli_print_gerror (ctl, error);
      return EXIT_RUN_INFRA;
    }
  return print_or_follow (ctl, id, detach, json, 0);
}

gint
ff_cli_cmd_rerun (Ctl *ctl, gint argc, gchar **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GOptionContext) context = NULL;
  gboolean detach = FALSE, force = FALSE, json = FALSE;
  guint64 old_id, id;
  const GOptionEntry entries[] = {
    { "detach", 'd', 0, G_OPTION_ARG_NONE, &detach, N_ ("Print the run id and return at once"),
      NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json,
      N_ ("With --detach: print the run's id and object path as JSON"), NULL },
    { "force", 0, 0, G_OPTION_ARG_NONE, &force, N_ ("Run even if the pipeline is disabled"), NULL },
    G_OPTION_ENTRY_NULL,
  };
  GVariantDict options;

  context = ff_cli_command_context (
      ctl, _ ("RUN"),
      _ ("Start a run's pipeline again with the same configuration and environment, and follow "
         "it."),
      entries);
  if (!ff_cli_parse_options (ctl, context, &argc, &argv, 1, 1))
    return EXIT_USAGE;
  if (json && !detach)
    return ff_cli_usage_error (ctl, _ ("--json goes with --detach"));
  if (!ff_cli_parse_run_id (ctl, argv[1], &old_id))
    return EXIT_USAGE;
  if (!ff_cli_connect_manager (ctl))
    return EXIT_RUN_INFRA;
  g_variant_dict_init (&options, NULL);
  if (force)
    g_variant_dict_insert (&options, "force", "b", TRUE);
  id = ff_client_rerun_sync (ctl->client, old_id, g_variant_dict_end (&options), NULL, &error);
  if (id == 0)
    {
      ff_cli_print_gerror (ctl, error);
      return EXIT_RUN_INFRA;
    }
  return print_or_follow (ctl, id, detach, json, old_id);
}

/* The newest run of @pipeline, created at @since or later; NULL with the
 * error printed. */
static FfClientRun *
lookup_last_run (Ctl *ctl, const gchar *pipeline, gint64 since)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) runs =
      ff_client_find_runs_sync (ctl->client, pipeline, NULL, 1, NULL, &error);
  FfClientRun *run;

  if (runs == NULL)
    {
      ff_cli_print_gerror (ctl, error);
      return NULL;
    }
  run = runs->len > 0 ? g_ptr_array_index (runs, 0) : NULL;
  if (run == NULL || ff_client_run_get_created_at (run) < since)
    {
      g_autofree gchar *name = ff_cli_printable (pipeline, FALSE);
      if (since > 0)
        ff_cli_print_error (_ ("Pipeline “%s” has no run since the time --since gives"), name);
      else
        ff_cli_print_error (_ ("Pipeline “%s” has no runs yet"), name);
      return NULL;
    }
  return g_object_ref (run);
}

/* The output of one run, or its last @tail lines (-1: all of it). */
static gint
print_log (Ctl *ctl, FfClientRun *run, gint tail, gboolean live, gboolean merged)
{
  g_autoptr (GCancellable) stop = g_cancellable_new ();
  Follow follow = { 0 };

  follow.ctl = ctl;
  follow.run = run;
  follow.stop = stop;
  follow.merged = merged;
  if (tail >= 0)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GByteArray) data = ff_cli_read_log (run, &error);
      g_autoptr (GBytes) end = NULL;
      gsize from;

      if (data == NULL)
        {
          ff_cli_print_error ("%s", error->message);
          return EXIT_FAILURE;
        }
      from = ff_cli_tail_offset (data->data, data->len, (guint) tail);
      end = g_bytes_new (data->data + from, data->len - from);
      /* the log keeps no stream per line: the tail goes out as one */
      on_follow_data (run, FF_STREAM_STDOUT, end, &follow);
      if (!live)
        return EXIT_SUCCESS;
      follow.skip = data->len;
    }
  follow_log (&follow, live);
  return ctl->status;
}

/* logs --since without a run: each run since then, oldest first, under a
 * heading as `tail` gives several files. */
static gint
print_logs_since (Ctl *ctl, gint64 since, gint tail, gboolean merged)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) runs = ff_client_find_runs_sync (ctl->client, NULL, NULL, 0, NULL, &error);

  if (runs == NULL)
    {
      ff_cli_print_gerror (ctl, error);
      return EXIT_FAILURE;
    }
  for (guint i = runs->len; i > 0; i--)
    {
      FfClientRun *run = g_ptr_array_index (runs, i - 1);
      g_autofree gchar *pipeline = NULL;

      if (ff_client_run_get_created_at (run) < since)
        continue;
      pipeline = ff_cli_printable (ff_client_run_get_pipeline (run), FALSE);
      /* TRANSLATORS: a heading before a run's output: run 12 (hello) */
      g_print (_ ("==> run %" PRIu64 " (%s) <==\n"), ff_client_run_get_id (run), pipeline);
      if (print_log (ctl, run, tail, FALSE, merged) != EXIT_SUCCESS)
        return EXIT_FAILURE;
    }
  return EXIT_SUCCESS;
}

gint
ff_cli_cmd_logs (Ctl *ctl, gint argc, gchar **argv)
{
  guint64 id = 0;
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (FfClientRun) run = NULL;
  g_autofree gchar *last = NULL, *since_text = NULL;
  gboolean live = FALSE, merged = FALSE;
  gint tail = -1, status;
  gint64 since = 0;
  const GOptionEntry entries[] = {
    { "follow", 'f', 0, G_OPTION_ARG_NONE, &live,
      N_ ("Keep printing output until the run ends, then exit with its code"), NULL },
    { "merged", 0, 0, G_OPTION_ARG_NONE, &merged,
      N_ ("Print the run's stderr on stdout too, as one stream in the order it came"), NULL },
    { "last", 'l', 0, G_OPTION_ARG_STRING, &last, N_ ("The newest run of this pipeline"),
      N_ ("PIPELINE") },
    { "tail", 'n', 0, G_OPTION_ARG_INT, &tail,
      N_ ("Only the last N lines (with --follow: then the new ones)"), N_ ("N") },
    { "since", 0, 0, G_OPTION_ARG_STRING, &since_text,
      N_ ("Only runs created since TIME: a time ago (30s, 10m, 2h, 1d, 1w) or an ISO 8601 date "
          "and time (2026-12-03, “2026-12-03 14:30”, 2026-12-03T14:30:00Z). Without RUN and "
          "--last: every run since then, oldest first. Lines carry no time of their own"),
      N_ ("TIME") },
    G_OPTION_ENTRY_NULL,
  };

  context = ff_cli_command_context (ctl, _ ("[RUN]"), _ ("Print the output of a run."), entries);
  if (!ff_cli_parse_options (ctl, context, &argc, &argv, 0, 1) ||
      !ff_cli_parse_since (ctl, since_text, &since))
    return EXIT_USAGE;
  if (tail < -1)
    return ff_cli_usage_error (ctl, _ ("--tail must be 0 or more"));
  if (argc > 1 && (last != NULL || since_text != NULL))
    return ff_cli_usage_error (ctl, _ ("give a RUN, or --last PIPELINE or --since TIME, not both"));
  if (argc == 1 && last == NULL && since_text == NULL)
    return ff_cli_usage_error (ctl, _ ("which run? Give a RUN, --last PIPELINE or --since TIME"));
  if (argc == 1 && last == NULL && live)
    return ff_cli_usage_error (ctl, _ ("--follow follows one run: give a RUN or --last PIPELINE"));
  if (argc > 1 && !ff_cli_parse_run_id (ctl, argv[1], &id))
    return EXIT_USAGE;
  /* with --follow the exit code is the run's: fastflowctl's own failures
   * take 125, as those of `run` do */
  if (!ff_cli_connect_manager (ctl))
    return live ? EXIT_RUN_INFRA : EXIT_FAILURE;
  if (argc == 1 && last == NULL)
    return print_logs_since (ctl, since, tail, merged);
  run = last != NULL ? lookup_last_run (ctl, last, since) : ff_cli_lookup_run (ctl, id);
  if (run == NULL)
    return live ? EXIT_RUN_INFRA : EXIT_FAILURE;
  id = ff_client_run_get_id (run);
  status = print_log (ctl, run, tail, live, merged);
  if (!live)
    return status;
  if (status != 0)
    return EXIT_RUN_INFRA;
  /* a fresh look: the proxy's State may have come before its ExitCode */
  g_clear_object (&run);
  run = ff_cli_lookup_run (ctl, id);
  return run != NULL ? ff_client_run_get_outcome (run) : EXIT_RUN_INFRA;
}

/* Each run's outcome on its own line, in the order given, once it has
 * ended (as `docker wait` prints them). */
gint
ff_cli_cmd_wait (Ctl *ctl, gint argc, gchar **argv)
{
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (guint64));
  gint status = EXIT_SUCCESS;

  context = ff_cli_command_context (
      ctl, _ ("RUN…"),
      _ ("Wait until the runs have ended and print the code each exits with (as “fastflowctl "
         "run” would). Exits 0 when every run succeeded, else with the code of the last one "
         "that did not; 125 when a run cannot be waited for."),
      NULL);
  if (!ff_cli_parse_options (ctl, context, &argc, &argv, 1, G_MAXINT))
    return EXIT_USAGE;
  for (gint i = 1; i < argc; i++)
    {
      guint64 id;

      if (!ff_cli_parse_run_id (ctl, argv[i], &id))
        return EXIT_USAGE;
      g_array_append_val (ids, id);
    }
  if (!ff_cli_connect_manager (ctl))
    return EXIT_RUN_INFRA;
  for (guint i = 0; i < ids->len; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (FfClientRun) run =
          ff_client_wait_for_run_sync (ctl->client, g_array_index (ids, guint64, i), NULL, &error);
      gint code;

      if (run == NULL)
        {
          ff_cli_print_gerror (ctl, error);
          return EXIT_RUN_INFRA;
        }
      code = ff_client_run_get_outcome (run);
      g_print ("%d\n", code);
      if (code != 0)
        status = code;
    }
  return status;
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
  g_autofree gchar *exit_code = ff_cli_format_exit_code (run);
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
  print_field (_ ("Exit code"), exit_code);
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

/* The run's last @lines lines of output under its fields, as
 * `systemctl status` shows a unit's last journal lines. They are the
 * run's own bytes, so made printable here as any text from the daemon. */
static void
print_last_lines (Ctl *ctl, FfClientRun *run, guint lines)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GByteArray) data = NULL;
  g_autofree gchar *text = NULL, *printable = NULL;
  gsize from;

  if (lines == 0)
    return;
  if ((data = ff_cli_read_log (run, &error)) == NULL)
    {
      ff_cli_print_error ("%s", error->message);
      return;
    }
  from = ff_cli_tail_offset (data->data, data->len, lines);
  if (from == data->len)
    return;
  text = g_strndup ((const gchar *) data->data + from, data->len - from);
  printable = ff_cli_printable (text, TRUE);
  g_print ("\n%s%s", printable, g_str_has_suffix (printable, "\n") ? "" : "\n");
}

gint
ff_cli_cmd_status (Ctl *ctl, gint argc, gchar **argv)
{
  guint64 id;
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (FfClientRun) run = NULL;
  gboolean json = FALSE;
  gint lines = 10;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_ ("Print JSON for scripts"), NULL },
    { "lines", 'n', 0, G_OPTION_ARG_INT, &lines,
      N_ ("Show this many of the run's last output lines (default 10)"), N_ ("N") },
    G_OPTION_ENTRY_NULL,
  };

  context = ff_cli_command_context (
      ctl, _ ("[RUN]"),
      _ ("Show the state of a run and its last output lines; without RUN, an overview: the "
         "daemon's version, the executors and their health, the running and queued runs and "
         "the next scheduled runs."),
      entries);
  if (!ff_cli_parse_options (ctl, context, &argc, &argv, 0, 1))
    return EXIT_USAGE;
  if (lines < 0)
    return ff_cli_usage_error (ctl, _ ("--lines must be 0 or more"));
  if (argc == 1)
    return ff_cli_connect_manager (ctl) ? ff_cli_print_overview (ctl, json) : EXIT_FAILURE;
  if (!ff_cli_parse_run_id (ctl, argv[1], &id))
    return EXIT_USAGE;
  if (!ff_cli_connect_manager (ctl) || (run = ff_cli_lookup_run (ctl, id)) == NULL)
    return EXIT_FAILURE;
  if (json)
    {
      g_autoptr (JsonNode) node = ff_cli_run_to_json (run);
      ff_cli_print_json (node);
      return EXIT_SUCCESS;
    }
  print_status (run);
  print_last_lines (ctl, run, (guint) lines);
  return EXIT_SUCCESS;
}

static void
print_runs_table (GPtrArray *runs)
{
  gboolean color = ff_cli_use_color (STDOUT_FILENO);
  g_autoptr (FfCliTable) table = ff_cli_table_new (_ ("ID"), _ ("PIPELINE"), _ ("STATE"),
                                                   _ ("STARTED"), _ ("DURATION"), _ ("EXIT"), NULL);
  g_autofree gchar *text = NULL;

  for (guint i = 0; i < runs->len; i++)
    {
      FfClientRun *run = g_ptr_array_index (runs, i);
      g_autofree gchar *id = g_strdup_printf ("%" G_GUINT64_FORMAT, ff_client_run_get_id (run));
      g_autofree gchar *plain =
          ff_cli_badge (ff_client_run_get_state (run), ff_client_run_get_error_class (run), FALSE);
      g_autofree gchar *badge =
          ff_cli_badge (ff_client_run_get_state (run), ff_client_run_get_error_class (run), color);
      g_autofree gchar *started = ff_cli_format_time (ff_client_run_get_started_at (run));
      g_autofree gchar *duration = ff_cli_format_duration (ff_client_run_get_started_at (run),
                                                           ff_client_run_get_finished_at (run));
      g_autofree gchar *exit_code = ff_cli_format_exit_code (run);

      ff_cli_table_add_row (table, id, ff_client_run_get_pipeline (run), plain, started, duration,
                            exit_code, NULL);
      /* padded by the visible width, not the colour codes */
      ff_cli_table_paint (table, 2, badge);
    }
  text = ff_cli_table_format (table, "");
  g_print ("%s", text);
}

/* The runs created at @since or later, at most @limit (0: all). */
static void
keep_since (GPtrArray *runs, gint64 since, guint limit)
{
  guint kept = 0;

  while (kept < runs->len && (limit == 0 || kept < limit) &&
         ff_client_run_get_created_at (g_ptr_array_index (runs, kept)) >= since)
    kept++;
  g_ptr_array_set_size (runs, kept);
}

/* fastflowd builds each answer whole before it sends it: thousands of runs
 * asked for at once would leave its heap that much bigger. */
#define RUNS_PAGE_SIZE 250

/* @limit runs (0: all) older than @before (0: from the newest), fetched
 * in pages that fastflowd exports no object for and keeps nothing of. */
static GPtrArray *
list_runs_in_pages (Ctl *ctl,
                    const gchar *pipeline,
                    const gchar *state,
                    guint64 before,
                    guint limit,
                    gint64 since,
                    GError **error)
{
  g_autoptr (GPtrArray) runs = g_ptr_array_new_with_free_func (g_object_unref);

  for (;;)
    {
      guint want = limit == 0 ? RUNS_PAGE_SIZE : MIN (limit - runs->len, RUNS_PAGE_SIZE);
      g_autoptr (GPtrArray) page = NULL;

      if (want == 0)
        break;
      page =
          ff_client_list_runs_page_sync (ctl->client, pipeline, state, before, want, NULL, error);
      if (page == NULL)
        return NULL;
      for (guint i = 0; i < page->len; i++)
        g_ptr_array_add (runs, g_object_ref (g_ptr_array_index (page, i)));
      if (page->len < want)
        break;
      before = ff_client_run_get_id (g_ptr_array_index (page, page->len - 1));
      if (ff_client_run_get_created_at (g_ptr_array_index (page, page->len - 1)) < since)
        break;
    }
  return g_steal_pointer (&runs);
}

gint
ff_cli_cmd_runs (Ctl *ctl, gint argc, gchar **argv)
{
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) runs = NULL;
  g_autofree gchar *pipeline = NULL;
  g_autofree gchar *state = NULL;
  g_autofree gchar *since_text = NULL;
  gint limit = 20;
  gint64 since = 0;
  gint64 before = 0;
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "pipeline", 'p', 0, G_OPTION_ARG_STRING, &pipeline, N_ ("Only runs of this pipeline"),
      N_ ("PIPELINE") },
    { "before", 0, 0, G_OPTION_ARG_INT64, &before,
      N_ ("Only runs older than this run (the next page: the last ID shown)"), N_ ("ID") },
    { "state", 's', 0, G_OPTION_ARG_STRING, &state, N_ ("Only runs in this state"), N_ ("STATE") },
    { "limit", 'n', 0, G_OPTION_ARG_INT, &limit,
      N_ ("At most this many runs (default 20, 0 for all)"), N_ ("N") },
    { "since", 0, 0, G_OPTION_ARG_STRING, &since_text,
      N_ ("Only runs created since TIME: a time ago (30s, 10m, 2h, 1d, 1w) or an ISO 8601 date "
          "and time (2026-12-03, “2026-12-03 14:30”, 2026-12-03T14:30:00Z)"),
      N_ ("TIME") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_ ("Print JSON for scripts"), NULL },
    G_OPTION_ENTRY_NULL,
  };

  context = ff_cli_command_context (ctl, NULL, _ ("List runs, newest first."), entries);
  if (!ff_cli_parse_options (ctl, context, &argc, &argv, 0, 0) ||
      !ff_cli_parse_since (ctl, since_text, &since))
    return EXIT_USAGE;
  if (limit < 0)
    {
      return ff_cli_usage_error (ctl, _ ("--limit must be 0 or more"));
    }
  if (before < 0)
    return ff_cli_usage_error (ctl, _ ("--before must be a run ID"));
  if (!ff_cli_connect_manager (ctl))
    return EXIT_FAILURE;
  /* with --since: the pages newest first until the first older run, then
   * --limit of those */
  runs = list_runs_in_pages (ctl, pipeline, state, (guint64) before, since > 0 ? 0 : (guint) limit,
                             since, &error);
  if (runs == NULL)
    {
      ff_cli_print_gerror (ctl, error);
      return EXIT_FAILURE;
    }
  if (since > 0)
    keep_since (runs, since, (guint) limit);
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

/* --- cancel ------------------------------------------------------------ */

gint
ff_cli_cmd_cancel (Ctl *ctl, gint argc, gchar **argv)
{
  guint64 id;
  g_autoptr (GOptionContext) context =
      ff_cli_command_context (ctl, _ ("RUN"), _ ("Cancel a run."), NULL);
  g_autoptr (FfClientRun) run = NULL;
  g_autoptr (GError) error = NULL;

  if (!ff_cli_parse_options (ctl, context, &argc, &argv, 1, 1) ||
      !ff_cli_parse_run_id (ctl, argv[1], &id))
    return EXIT_USAGE;
  if (!ff_cli_connect_manager (ctl) || (run = ff_cli_lookup_run (ctl, id)) == NULL)
    return EXIT_FAILURE;
  if (!ff_client_run_cancel_sync (run, NULL, &error))
    {
      ff_cli_print_gerror (ctl, error);
      return EXIT_FAILURE;
    }
  return EXIT_SUCCESS;
}
