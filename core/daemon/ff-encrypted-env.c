/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Why decrypt twice: at scan time, so that a pipeline whose tokens do not
 * decrypt is listed broken (naming the variable) and never starts
 * without them; at run time again, so that no plaintext stays in the
 * daemon's memory between runs: only in the run's request, as long as
 * the run lives. */
#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>

#include "ff-encrypted-env.h"

#define SECRETS_GROUP "secrets"
#define KEY_FILE_KEY "encryption_key_file"
#define KEY_VARIABLE "ENCRYPTION_KEY"

/* Like ssh with a private key: say so, but do not refuse it. */
static void
warn_if_readable (const gchar *path)
{
  GStatBuf st;

  if (g_stat (path, &st) == 0 && (st.st_mode & 077) != 0)
    g_warning (
        _ ("The encryption key file %s can be read by others (mode %04o); run: chmod 600 %s"), path,
        (guint) (st.st_mode & 07777), path);
}

static FfFernet *
load_key_file (const gchar *path, gchar **problem)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *contents = NULL;
  gsize length = 0;
  FfFernet *key;

  if (!g_file_get_contents (path, &contents, &length, &error))
    {
      *problem = g_strdup_printf (_ ("[secrets] encryption_key_file in fastflow.conf: %s"),
                                  error->message);
      return NULL;
    }
  warn_if_readable (path);
  key = ff_fernet_new (contents, &error);
  explicit_bzero (contents, length);
  if (key == NULL)
    *problem = g_strdup_printf (_ ("the encryption key file %s holds no usable key: %s"), path,
                                error->message);
  return key;
}

FfFernet *
ff_encrypted_env_load_key (GKeyFile *keyfile, gchar **problem)
{
  g_autofree gchar *path = g_key_file_get_string (keyfile, SECRETS_GROUP, KEY_FILE_KEY, NULL);
  const gchar *text;
  g_autoptr (GError) error = NULL;
  FfFernet *key;

  *problem = NULL;
  if (path != NULL && *g_strstrip (path) != '\0')
    return load_key_file (path, problem);
  text = g_getenv (KEY_VARIABLE);
  if (text == NULL || *text == '\0')
    return NULL;
  key = ff_fernet_new (text, &error);
  if (key == NULL)
    *problem =
        g_strdup_printf (_ ("fastflowd's ENCRYPTION_KEY holds no usable key: %s"), error->message);
  return key;
}

static void
add_error (FfPipeline *pipeline, const gchar *field, const gchar *why)
{
  g_autofree gchar *json = g_build_filename (ff_pipeline_get_dir (pipeline), "pipeline.json", NULL);
  g_autofree gchar *message =
      g_strdup_printf (_ ("%s: field “%s” cannot be decrypted: %s"), json, field, why);

  ff_pipeline_add_error (pipeline, message);
}

static gint
compare_names (gconstpointer a, gconstpointer b, gpointer user_data)
{
  return strcmp (*(const gchar *const *) a, *(const gchar *const *) b);
}

static void
check_env (FfPipeline *pipeline,
           const gchar *prefix,
           GHashTable *env,
           FfFernet *key,
           const gchar *key_problem)
{
  g_autofree gpointer *names = NULL;
  guint n = 0;

  if (env == NULL)
    return;
  /* sorted, so the messages come in the same order every scan */
  names = g_hash_table_get_keys_as_array (env, &n);
  g_qsort_with_data (names, n, sizeof (gpointer), compare_names, NULL);
  for (guint i = 0; i < n; i++)
    {
      g_autofree gchar *field = g_strdup_printf ("%s.%s", prefix, (gchar *) names[i]);
      g_autoptr (GError) error = NULL;
      gchar *plain;

      if (key == NULL)
        {
          add_error (
              pipeline, field,
              key_problem != NULL
                  ? key_problem
                  : _ ("fastflowd has no encryption key: set [secrets] encryption_key_file in "
                       "fastflow.conf to a file holding the Fast-Flow ENCRYPTION_KEY, or "
                       "ENCRYPTION_KEY in fastflowd's environment, and restart fastflowd"));
          continue;
        }
      plain = ff_fernet_decrypt (key, g_hash_table_lookup (env, names[i]), &error);
      if (plain == NULL)
        {
          g_autofree gchar *why =
              g_strdup_printf (_ ("%s; make it again with: fastflowctl encrypt %s"), error->message,
                               (gchar *) names[i]);
          add_error (pipeline, field, why);
        }
      ff_fernet_free_plaintext (plain);
    }
}

gboolean
ff_encrypted_env_is_used (FfPipeline *pipeline)
{
  GPtrArray *schedules = ff_pipeline_get_schedules (pipeline);

  if (g_hash_table_size (ff_pipeline_get_encrypted_env (pipeline)) > 0)
    return TRUE;
  for (guint i = 0; schedules != NULL && i < schedules->len; i++)
    {
      FfSchedule *schedule = g_ptr_array_index (schedules, i);

      if (schedule->encrypted_env != NULL && g_hash_table_size (schedule->encrypted_env) > 0)
        return TRUE;
    }
  return FALSE;
}

void
ff_encrypted_env_check (FfPipeline *pipeline, FfFernet *key, const gchar *key_problem)
{
  GPtrArray *schedules = ff_pipeline_get_schedules (pipeline);

  check_env (pipeline, "encrypted_env", ff_pipeline_get_encrypted_env (pipeline), key, key_problem);
  for (guint i = 0; schedules != NULL && i < schedules->len; i++)
    {
      FfSchedule *schedule = g_ptr_array_index (schedules, i);
      g_autofree gchar *prefix = g_strdup_printf ("schedules[%u].encrypted_env", i);

      check_env (pipeline, prefix, schedule->encrypted_env, key, key_problem);
    }
}

GStrv
ff_encrypted_env_dup_secret_names (FfPipeline *pipeline, const FfSchedule *config)
{
  const gchar *const *names = ff_pipeline_get_secrets (pipeline);
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  GHashTableIter iter;
  gpointer name;

  g_strv_builder_addv (builder, (const gchar **) names);
  if (config != NULL && config->encrypted_env != NULL)
    {
      g_hash_table_iter_init (&iter, config->encrypted_env);
      while (g_hash_table_iter_next (&iter, &name, NULL))
        if (!g_strv_contains (names, name))
          g_strv_builder_add (builder, name);
    }
  return g_strv_builder_end (builder);
}

static gboolean
apply_env (
    FfPipeline *pipeline, GHashTable *env, FfFernet *key, FfRunRequest *request, GError **error)
{
  GHashTableIter iter;
  gpointer name, token;

  if (env == NULL)
    return TRUE;
  g_hash_table_iter_init (&iter, env);
  while (g_hash_table_iter_next (&iter, &name, &token))
    {
      g_autoptr (GError) local_error = NULL;
      gchar *plain = key != NULL ? ff_fernet_decrypt (key, token, &local_error) : NULL;

      /* the scan found it decrypting; a reload in between may have changed the key */
      if (plain == NULL)
        {
          g_set_error (error, FF_ERROR, FF_ERROR_BROKEN_PIPELINE,
                       _ ("The variable %s of the pipeline “%s” in encrypted_env cannot be "
                          "decrypted: %s"),
                       (gchar *) name, ff_pipeline_get_name (pipeline),
                       local_error != NULL ? local_error->message
                                           : _ ("fastflowd has no encryption key"));
          return FALSE;
        }
      ff_run_request_set_env_var (request, name, plain);
      ff_fernet_free_plaintext (plain);
    }
  return TRUE;
}

gboolean
ff_encrypted_env_apply (FfPipeline *pipeline,
                        const FfSchedule *config,
                        FfFernet *key,
                        FfRunRequest *request,
                        GError **error)
{
  if (!apply_env (pipeline, ff_pipeline_get_encrypted_env (pipeline), key, request, error))
    return FALSE;
  return config == NULL || apply_env (pipeline, config->encrypted_env, key, request, error);
}
