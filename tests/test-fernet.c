/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ff-fernet against Python's cryptography.fernet, the Fernet Fast-Flow
 * uses: its tokens decrypt here, ours decrypt there, and anything else
 * (changed, cut, another key, not base64) does not decrypt. */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "fastflow.h"
#include "ff-encrypted-env.h"
#include "ff-fernet.h"
#include "ff-test-util.h"

/* Made once with Python's cryptography 48 (Fernet.generate_key (),
 * Fernet (key).encrypt ("s3cr3t ünïcode value".encode ())). */
#define RECORDED_KEY "lCrApFSkugdkERXUfS2hF4TlkA4Oy9s-_gLwqwYkfrI="
#define RECORDED_TOKEN                                                                             \
  "gAAAAABrEcGvpnQ2vlKyBzl0QXUWrJXQKtol3xlJK6XB-hp0vH76oYjTCzlsfqSTSijoItcW0DqC3S13hJdql1MlGsC90L" \
  "9Gxpvw3jgVSVlDI0ETGhbL0wE="
#define OTHER_KEY "zlb7uGc0vNzjIhWIaWLLIcIcmb4UWgWXMA66NZQfwQM="

static FfFernet *
new_key (const gchar *text)
{
  g_autoptr (GError) error = NULL;
  FfFernet *key = ff_fernet_new (text, &error);

  g_assert_no_error (error);
  g_assert_nonnull (key);
  return key;
}

static void
assert_does_not_decrypt (FfFernet *key, const gchar *token)
{
  g_autoptr (GError) error = NULL;
  gchar *plain = ff_fernet_decrypt (key, token, &error);

  if (plain != NULL)
    g_error ("the token %s decrypted to “%s”", token, plain);
  g_assert_error (error, FF_ERROR, FF_ERROR_INVALID_ARGUMENT);
}

static void
test_recorded (void)
{
  g_autoptr (FfFernet) key = new_key (RECORDED_KEY);
  g_autoptr (GError) error = NULL;
  gchar *plain = ff_fernet_decrypt (key, RECORDED_TOKEN, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (plain, ==, "s3cr3t ünïcode value");
  ff_fernet_free_plaintext (plain);
}

/* every length around the AES block, so each padding is met: value i is
 * i times the letter 'a' + i % 26, one token a line, from one Python */
static void
test_python_tokens (void)
{
  g_autoptr (FfFernet) key = new_key (RECORDED_KEY);
  g_autofree gchar *out = ff_test_run_python (
      "from cryptography.fernet import Fernet\n"
      "f = Fernet(b'" RECORDED_KEY "')\n"
      "for i in range(34): print(f.encrypt((chr(97 + i % 26) * i).encode()).decode())\n",
      NULL, "");
  g_auto (GStrv) tokens = g_strsplit (out, "\n", -1);

  g_assert_cmpuint (g_strv_length (tokens), ==, 35);
  for (gsize length = 0; length <= 33; length++)
    {
      g_autofree gchar *value = g_strnfill (length, 'a' + (gchar) (length % 26));
      g_autoptr (GError) error = NULL;
      gchar *plain = ff_fernet_decrypt (key, tokens[length], &error);

      g_assert_no_error (error);
      g_assert_cmpstr (plain, ==, value);
      ff_fernet_free_plaintext (plain);
    }
}

static void
test_ours_decrypt_in_python (void)
{
  g_autoptr (FfFernet) key = new_key (RECORDED_KEY);
  const gchar *values[] = { "", "x", "0123456789abcdef", "pässwörd with spaces = and \"quotes\"",
                            NULL };

  for (gsize i = 0; values[i] != NULL; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree gchar *token = ff_fernet_encrypt (key, values[i], strlen (values[i]), &error);
      g_autofree gchar *back = NULL;
      gchar *plain;

      g_assert_no_error (error);
      g_assert_true (g_str_has_prefix (token, "gAAAAA"));
      back = ff_test_python_fernet ("decrypt", RECORDED_KEY, token);
      g_assert_cmpstr (back, ==, values[i]);
      plain = ff_fernet_decrypt (key, token, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (plain, ==, values[i]);
      ff_fernet_free_plaintext (plain);
    }
}

static gchar *
reencode (const guint8 *data, gsize length)
{
  g_autofree gchar *text = g_base64_encode (data, length);

  g_strdelimit (text, "+", '-');
  g_strdelimit (text, "/", '_');
  return g_steal_pointer (&text);
}

static guint8 *
decode (const gchar *token, gsize *length)
{
  g_autofree gchar *text = g_strdup (token);

  g_strdelimit (text, "-", '+');
  g_strdelimit (text, "_", '/');
  return g_base64_decode (text, length);
}

/* A changed bit anywhere (version, time, IV, ciphertext, HMAC) fails. */
static void
test_tampered (void)
{
  g_autoptr (FfFernet) key = new_key (RECORDED_KEY);
  gsize length = 0;
  g_autofree guint8 *data = decode (RECORDED_TOKEN, &length);

  for (gsize i = 0; i < length; i++)
    {
      g_autofree gchar *token = NULL;

      data[i] ^= 0x01;
      token = reencode (data, length);
      assert_does_not_decrypt (key, token);
      data[i] ^= 0x01;
    }
  /* untouched, it still does */
  {
    g_autofree gchar *token = reencode (data, length);
    gchar *plain = ff_fernet_decrypt (key, token, NULL);

    g_assert_nonnull (plain);
    ff_fernet_free_plaintext (plain);
  }
}

static void
test_truncated (void)
{
  g_autoptr (FfFernet) key = new_key (RECORDED_KEY);
  gsize length = 0;
  g_autofree guint8 *data = decode (RECORDED_TOKEN, &length);

  for (gsize cut = 0; cut < length; cut++)
    {
      g_autofree gchar *token = reencode (data, cut);

      if (cut == 0)
        {
          g_free (token);
          token = g_strdup ("");
        }
      assert_does_not_decrypt (key, token);
    }
  /* and cut as text, mid-character of base64 */
  for (gsize cut = 1; cut < strlen (RECORDED_TOKEN); cut++)
    {
      g_autofree gchar *token = g_strndup (RECORDED_TOKEN, cut);

      assert_does_not_decrypt (key, token);
    }
}

static void
test_wrong_key (void)
{
  g_autoptr (FfFernet) key = new_key (OTHER_KEY);
  g_autoptr (FfFernet) right = new_key (RECORDED_KEY);
  g_autoptr (FfFernet) same = new_key (RECORDED_KEY "\n");

  assert_does_not_decrypt (key, RECORDED_TOKEN);
  g_assert_false (ff_fernet_equal (key, right));
  g_assert_true (ff_fernet_equal (same, right));
}

static void
test_bad_base64 (void)
{
  g_autoptr (FfFernet) key = new_key (RECORDED_KEY);
  g_autofree gchar *standard = g_strdup (RECORDED_TOKEN);
  g_autofree gchar *unpadded = g_strndup (RECORDED_TOKEN, strlen (RECORDED_TOKEN) - 1);
  g_autofree gchar *inner_space = g_strdup (RECORDED_TOKEN);
  g_autoptr (GError) error = NULL;

  /* the standard alphabet's + and / are not Fernet's */
  g_strdelimit (standard, "-", '+');
  g_strdelimit (standard, "_", '/');
  g_assert_cmpstr (standard, !=, RECORDED_TOKEN);
  assert_does_not_decrypt (key, standard);
  assert_does_not_decrypt (key, unpadded);
  inner_space[10] = ' ';
  assert_does_not_decrypt (key, inner_space);
  assert_does_not_decrypt (key, "not a token at all!");
  assert_does_not_decrypt (key, "====");
  g_assert_null (ff_fernet_decrypt (key, "gAAAA*AB", &error));
  g_assert_nonnull (strstr (error->message, "base64"));
}

static void
test_bad_keys (void)
{
  const gchar *bad[] = { "",
                         "short",
                         "lCrApFSkugdkERXUfS2hF4TlkA4Oy9s-_gLwqwYkfr==",
                         "lCrApFSkugdkERXUfS2hF4TlkA4Oy9s+/gLwqwYkfrI=",
                         RECORDED_KEY "AAAA",
                         NULL };

  for (gsize i = 0; bad[i] != NULL; i++)
    {
      g_autoptr (GError) error = NULL;

      g_assert_null (ff_fernet_new (bad[i], &error));
      g_assert_error (error, FF_ERROR, FF_ERROR_INVALID_ARGUMENT);
    }
}

/* A generated key is one Python's Fernet takes, and tokens go both ways. */
static void
test_generated_key (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *text = ff_fernet_generate_key (&error);
  g_autofree gchar *other = ff_fernet_generate_key (&error);
  g_autoptr (FfFernet) key = NULL;
  g_autofree gchar *token = NULL;
  gchar *plain;

  g_assert_no_error (error);
  g_assert_cmpuint (strlen (text), ==, 44);
  g_assert_cmpstr (text, !=, other);
  key = new_key (text);
  token = ff_test_python_fernet ("encrypt", text, "from python");
  plain = ff_fernet_decrypt (key, token, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (plain, ==, "from python");
  ff_fernet_free_plaintext (plain);
}

/* Only text can be a variable: Python's tokens of other bytes are refused. */
static void
test_not_text (void)
{
  g_autoptr (FfFernet) key = new_key (RECORDED_KEY);
  g_autofree gchar *token = ff_test_run_python (
      "import sys\nfrom cryptography.fernet import Fernet\n"
      "sys.stdout.write(Fernet(b'" RECORDED_KEY "').encrypt(b'a\\x00b').decode())\n",
      NULL, "");
  g_autofree gchar *latin1 = ff_test_run_python (
      "import sys\nfrom cryptography.fernet import Fernet\n"
      "sys.stdout.write(Fernet(b'" RECORDED_KEY "').encrypt(b'\\xe4').decode())\n",
      NULL, "");
  g_autoptr (GError) error = NULL;

  assert_does_not_decrypt (key, token);
  g_assert_null (ff_fernet_decrypt (key, latin1, &error));
  g_assert_nonnull (strstr (error->message, "UTF-8"));
}

static GPtrArray *warnings; /* fastflowd's, collected, not fatal: ff-test-util */

static GKeyFile *
config_naming (const gchar *key_path)
{
  GKeyFile *keyfile = g_key_file_new ();

  if (key_path != NULL)
    g_key_file_set_string (keyfile, "secrets", "encryption_key_file", key_path);
  return keyfile;
}

/* Where the key comes from: the file named in [secrets] (it wins, and
 * others must not read it), else ENCRYPTION_KEY; what is wrong with
 * either is said with its name. */
static void
test_key_sources (void)
{
  g_autofree gchar *dir = g_dir_make_tmp ("fastflow-fernet-XXXXXX", NULL);
  g_autofree gchar *path = g_build_filename (dir, "key", NULL);
  g_autoptr (GKeyFile) with_file = config_naming (path);
  g_autoptr (GKeyFile) without = config_naming (NULL);
  g_autoptr (FfFernet) recorded = new_key (RECORDED_KEY);
  g_autoptr (FfFernet) other = new_key (OTHER_KEY);
  g_autofree gchar *problem = NULL;
  FfFernet *key;

  g_assert_true (g_file_set_contents (path, RECORDED_KEY "\n", -1, NULL));
  g_assert_cmpint (g_chmod (path, 0600), ==, 0);
  g_setenv ("ENCRYPTION_KEY", OTHER_KEY, TRUE);
  key = ff_encrypted_env_load_key (with_file, &problem);
  g_assert_null (problem);
  g_assert_true (ff_fernet_equal (key, recorded));
  g_assert_cmpuint (warnings->len, ==, 0);
  ff_fernet_unref (key);

  key = ff_encrypted_env_load_key (without, &problem);
  g_assert_null (problem);
  g_assert_true (ff_fernet_equal (key, other));
  ff_fernet_unref (key);

  g_assert_cmpint (g_chmod (path, 0644), ==, 0);
  key = ff_encrypted_env_load_key (with_file, &problem);
  g_assert_cmpuint (warnings->len, ==, 1);
  g_assert_nonnull (strstr (g_ptr_array_index (warnings, 0), "can be read by others (mode 0644)"));
  g_assert_true (ff_fernet_equal (key, recorded));
  ff_fernet_unref (key);

  g_setenv ("ENCRYPTION_KEY", "not-a-key", TRUE);
  g_assert_null (ff_encrypted_env_load_key (without, &problem));
  g_assert_nonnull (strstr (problem, "ENCRYPTION_KEY"));
  g_clear_pointer (&problem, g_free);
  g_unsetenv ("ENCRYPTION_KEY");
  g_assert_null (ff_encrypted_env_load_key (without, &problem));
  g_assert_null (problem);

  g_assert_cmpint (g_unlink (path), ==, 0);
  g_assert_null (ff_encrypted_env_load_key (with_file, &problem));
  g_assert_nonnull (strstr (problem, "encryption_key_file"));
  g_assert_nonnull (strstr (problem, path));
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  warnings = ff_test_record_daemon_warnings ();
  g_test_add_func ("/fernet/recorded", test_recorded);
  g_test_add_func ("/fernet/python-tokens", test_python_tokens);
  g_test_add_func ("/fernet/ours-decrypt-in-python", test_ours_decrypt_in_python);
  g_test_add_func ("/fernet/tampered", test_tampered);
  g_test_add_func ("/fernet/truncated", test_truncated);
  g_test_add_func ("/fernet/wrong-key", test_wrong_key);
  g_test_add_func ("/fernet/bad-base64", test_bad_base64);
  g_test_add_func ("/fernet/bad-keys", test_bad_keys);
  g_test_add_func ("/fernet/generated-key", test_generated_key);
  g_test_add_func ("/fernet/not-text", test_not_text);
  g_test_add_func ("/fernet/key-sources", test_key_sources);
  return g_test_run ();
}
