/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fastflowctl encrypt: a token for pipeline.json's encrypted_env. The
 * value comes from stdin, never from the command line (where ps shows it
 * to every user), and fastflowd makes the token with its key, which never
 * leaves the daemon. */
#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <termios.h>
#include <unistd.h>

#include "ff-cli-private.h"

/* bigger than fastflowd takes, so that its message says so */
#define MAX_VALUE_BYTES (64 * 1024 + 1)
#define KEY_BYTES 32

static struct termios saved_termios;
static volatile sig_atomic_t echo_off;

/* Ctrl-C at the prompt must not leave the terminal without echo. */
static void
restore_echo_and_die (int signum)
{
  if (echo_off)
    tcsetattr (STDIN_FILENO, TCSANOW, &saved_termios);
  signal (signum, SIG_DFL);
  raise (signum);
}

static gchar *
read_from_terminal (const gchar *name)
{
  struct termios quiet;
  g_autoptr (GString) line = g_string_new (NULL);
  gint c;

  fprintf (stderr, _ ("Value of %s (not shown): "), name);
  fflush (stderr);
  if (tcgetattr (STDIN_FILENO, &saved_termios) == 0)
    {
      quiet = saved_termios;
      quiet.c_lflag &= ~(tcflag_t) ECHO;
      signal (SIGINT, restore_echo_and_die);
      signal (SIGTERM, restore_echo_and_die);
      echo_off = tcsetattr (STDIN_FILENO, TCSANOW, &quiet) == 0;
    }
  while ((c = getchar ()) != EOF && c != '\n' && line->len < MAX_VALUE_BYTES)
    g_string_append_c (line, (gchar) c);
  if (echo_off)
    tcsetattr (STDIN_FILENO, TCSANOW, &saved_termios);
  echo_off = FALSE;
  fputc ('\n', stderr);
  return g_string_free (g_steal_pointer (&line), FALSE);
}

/* All of stdin, less one final newline: `echo VALUE |` means VALUE. */
static gchar *
read_from_pipe (void)
{
  g_autoptr (GString) value = g_string_new (NULL);
  gchar buffer[4096];
  gsize n;

  while ((n = fread (buffer, 1, sizeof buffer, stdin)) > 0 && value->len < MAX_VALUE_BYTES)
    g_string_append_len (value, buffer, (gssize) n);
  if (value->len > 0 && value->str[value->len - 1] == '\n')
    g_string_truncate (value, value->len - 1);
  if (value->len > 0 && value->str[value->len - 1] == '\r')
    g_string_truncate (value, value->len - 1);
  return g_string_free (g_steal_pointer (&value), FALSE);
}

static void
free_value (gchar *value)
{
  if (value == NULL)
    return;
  explicit_bzero (value, strlen (value));
  g_free (value);
}

/* Made here: a key needs no daemon, and none is sent anywhere. */
static gint
generate_key (Ctl *ctl)
{
  guint8 key[KEY_BYTES];
  g_autofree gchar *text = NULL;

  if (getrandom (key, sizeof key, 0) != (gssize) sizeof key)
    {
      ff_cli_print_error (_ ("Cannot get random bytes from the kernel: %s"), g_strerror (errno));
      return EXIT_FAILURE;
    }
  text = g_base64_encode (key, sizeof key);
  explicit_bzero (key, sizeof key);
  /* Fernet's keys are url-safe base64 */
  g_strdelimit (text, "+", '-');
  g_strdelimit (text, "/", '_');
  g_print ("%s\n", text);
  explicit_bzero (text, strlen (text));
  if (isatty (STDOUT_FILENO))
    fprintf (stderr, "%s\n",
             _ ("Keep it in a file only fastflowd's user can read (chmod 600) and name that file "
                "in fastflow.conf: [secrets] encryption_key_file = PATH; or give fastflowd "
                "ENCRYPTION_KEY, as Fast-Flow takes it. Tokens made with Fast-Flow's key need "
                "that same key."));
  return EXIT_SUCCESS;
}

gint
ff_cli_cmd_encrypt (Ctl *ctl, gint argc, gchar **argv)
{
  gboolean new_key = FALSE;
  gboolean raw = FALSE;
  const GOptionEntry entries[] = {
    { "generate-key", 0, 0, G_OPTION_ARG_NONE, &new_key,
      N_ ("Print a new encryption key instead (for [secrets] encryption_key_file)"), NULL },
    { "raw", 0, 0, G_OPTION_ARG_NONE, &raw,
      N_ ("Print the token alone, not as a member of pipeline.json"), NULL },
    G_OPTION_ENTRY_NULL,
  };
  g_autoptr (GOptionContext) context = ff_cli_command_context (
      ctl, _ ("NAME"),
      _ ("Encrypt a value read from stdin for encrypted_env in pipeline.json, with fastflowd's "
         "key. Prints “\"NAME\": \"token\"”, ready to paste into encrypted_env."),
      entries);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *token = NULL;
  gchar *value;

  if (!ff_cli_parse_options (ctl, context, &argc, &argv, 0, 1))
    return EXIT_USAGE;
  if (new_key)
    {
      if (argc > 1)
        return ff_cli_usage_error (ctl, _ ("--generate-key takes no NAME"));
      return generate_key (ctl);
    }
  if (argc < 2)
    return ff_cli_usage_error (ctl, _ ("an argument is missing"));
  if (!ff_env_name_is_valid (argv[1], -1))
    return ff_cli_usage_error (ctl,
                               _ ("“%s” is not a variable name: letters, digits and “_”, "
                                  "not starting with a digit"),
                               argv[1]);
  if (!ff_cli_connect_manager (ctl))
    return EXIT_FAILURE;
  value = isatty (STDIN_FILENO) ? read_from_terminal (argv[1]) : read_from_pipe ();
  if (!g_utf8_validate (value, -1, NULL))
    {
      free_value (value);
      ff_cli_print_error (_ ("The value is not UTF-8 text"));
      return EXIT_FAILURE;
    }
  token = ff_client_encrypt_sync (ctl->client, value, NULL, &error);
  free_value (value);
  if (token == NULL)
    {
      ff_cli_print_gerror (ctl, error);
      return EXIT_FAILURE;
    }
  if (raw)
    g_print ("%s\n", token);
  else
    g_print ("\"%s\": \"%s\"\n", argv[1], token);
  return EXIT_SUCCESS;
}
