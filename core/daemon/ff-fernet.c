/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fernet as the spec and Python's cryptography define it, on nettle:
 * token = base64url (0x80 ‖ timestamp ‖ IV ‖ AES-128-CBC (PKCS7) ‖ HMAC).
 * Like Fast-Flow, which decrypts without a ttl, the timestamp is not
 * checked. */
#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <nettle/aes.h>
#include <nettle/base64.h>
#include <nettle/cbc.h>
#include <nettle/hmac.h>
#include <nettle/memops.h>
#include <string.h>
#include <sys/random.h>

#include "ff-error.h"
#include "ff-fernet.h"

#define VERSION_BYTE 0x80
#define KEY_SIZE 32
#define HALF_KEY 16
#define IV_SIZE 16
#define HMAC_SIZE 32
#define HEADER_SIZE (1 + 8 + IV_SIZE)
#define BLOCK AES_BLOCK_SIZE

struct _FfFernet
{
  gatomicrefcount ref_count;
  guint8 signing[HALF_KEY];
  guint8 encryption[HALF_KEY];
};

/* Python's urlsafe_b64decode wants the padding; so does this. The
 * alphabet is checked first: nettle would stop at a bad character, but
 * the message should say why. */
static guint8 *
decode_base64url (const gchar *text, gsize *out_length)
{
  struct base64_decode_ctx ctx;
  gsize length = strlen (text);
  g_autofree guint8 *data = NULL;
  size_t decoded = 0;

  if (length == 0 || length % 4 != 0)
    return NULL;
  for (gsize i = 0; i < length; i++)
    {
      gchar c = text[i];

      if (g_ascii_isalnum (c) || c == '-' || c == '_')
        continue;
      if (c == '=' && i + 2 >= length && (i + 1 == length || text[i + 1] == '='))
        continue;
      return NULL;
    }
  data = g_malloc (BASE64_DECODE_LENGTH (length) + 1);
  base64url_decode_init (&ctx);
  if (!base64_decode_update (&ctx, &decoded, data, length, text) || !base64_decode_final (&ctx))
    {
      explicit_bzero (data, BASE64_DECODE_LENGTH (length) + 1);
      return NULL;
    }
  *out_length = decoded;
  return g_steal_pointer (&data);
}

static gchar *
encode_base64url (const guint8 *data, gsize length)
{
  struct base64_encode_ctx ctx;
  gchar *text = g_malloc (BASE64_ENCODE_LENGTH (length) + BASE64_ENCODE_FINAL_LENGTH + 1);
  gsize done;

  base64url_encode_init (&ctx);
  done = base64_encode_update (&ctx, text, length, data);
  done += base64_encode_final (&ctx, text + done);
  text[done] = '\0';
  return text;
}

FfFernet *
ff_fernet_new (const gchar *key_text, GError **error)
{
  g_autofree gchar *trimmed = g_strstrip (g_strdup (key_text));
  g_autofree guint8 *key = NULL;
  gsize length = 0;
  FfFernet *self;

  key = decode_base64url (trimmed, &length);
  explicit_bzero (trimmed, strlen (trimmed));
  if (key == NULL || length != KEY_SIZE)
    {
      if (key != NULL)
        explicit_bzero (key, length);
      g_set_error_literal (error, FF_ERROR, FF_ERROR_INVALID_ARGUMENT,
                           _ ("not a Fernet key (32 bytes in url-safe base64, 44 characters)"));
      return NULL;
    }
  self = g_new0 (FfFernet, 1);
  g_atomic_ref_count_init (&self->ref_count);
  memcpy (self->signing, key, HALF_KEY);
  memcpy (self->encryption, key + HALF_KEY, HALF_KEY);
  explicit_bzero (key, length);
  return self;
}

FfFernet *
ff_fernet_ref (FfFernet *self)
{
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
ff_fernet_unref (FfFernet *self)
{
  if (self == NULL || !g_atomic_ref_count_dec (&self->ref_count))
    return;
  explicit_bzero (self, sizeof (*self));
  g_free (self);
}

gboolean
ff_fernet_equal (FfFernet *a, FfFernet *b)
{
  if (a == NULL || b == NULL)
    return a == b;
  return memeql_sec (a->signing, b->signing, HALF_KEY) &&
         memeql_sec (a->encryption, b->encryption, HALF_KEY);
}

static void
sign (FfFernet *self, const guint8 *data, gsize length, guint8 *digest)
{
  struct hmac_sha256_ctx ctx;

  hmac_sha256_set_key (&ctx, HALF_KEY, self->signing);
  hmac_sha256_update (&ctx, length, data);
  hmac_sha256_digest (&ctx, HMAC_SIZE, digest);
  explicit_bzero (&ctx, sizeof ctx);
}

static gboolean
invalid_token (GError **error)
{
  g_set_error_literal (error, FF_ERROR, FF_ERROR_INVALID_ARGUMENT,
                       _ ("the token does not decrypt with this key: it was made with another "
                          "key, or it was changed or cut short"));
  return FALSE;
}

/* The padding is checked whole, in the same time for every length, so
 * that how it fails tells nothing (the HMAC has been checked already). */
static gboolean
strip_padding (const guint8 *plain, gsize length, gsize *out_length)
{
  guint8 pad = plain[length - 1];
  guint8 bad = (guint8) ((pad == 0) | (pad > BLOCK));

  for (gsize i = 0; i < BLOCK; i++)
    {
      guint8 in_pad = (guint8) (i < pad);
      bad |= in_pad & (guint8) (plain[length - 1 - i] != pad);
    }
  if (bad)
    return FALSE;
  *out_length = length - pad;
  return TRUE;
}

static gboolean
decrypt_body (FfFernet *self, guint8 *data, gsize length, gchar **out, GError **error)
{
  guint8 digest[HMAC_SIZE];
  guint8 iv[IV_SIZE];
  struct aes128_ctx aes;
  gsize body = length - HEADER_SIZE - HMAC_SIZE;
  g_autofree guint8 *plain = NULL;
  gsize plain_length = 0;
  gboolean ok;

  if (length < HEADER_SIZE + HMAC_SIZE + BLOCK || data[0] != VERSION_BYTE || body % BLOCK != 0)
    return invalid_token (error);
  /* verified before anything is decrypted, in constant time */
  sign (self, data, length - HMAC_SIZE, digest);
  if (!memeql_sec (digest, data + length - HMAC_SIZE, HMAC_SIZE))
    return invalid_token (error);
  memcpy (iv, data + 9, IV_SIZE);
  plain = g_malloc (body + 1);
  aes128_set_decrypt_key (&aes, self->encryption);
  cbc_decrypt (&aes, (nettle_cipher_func *) aes128_decrypt, BLOCK, iv, body, plain,
               data + HEADER_SIZE);
  explicit_bzero (&aes, sizeof aes);
  ok = strip_padding (plain, body, &plain_length);
  if (ok)
    {
      plain[plain_length] = '\0';
      ok = memchr (plain, '\0', plain_length) == NULL &&
           g_utf8_validate ((const gchar *) plain, (gssize) plain_length, NULL);
      if (!ok)
        g_set_error_literal (error, FF_ERROR, FF_ERROR_INVALID_ARGUMENT,
                             _ ("the decrypted value is not text (UTF-8 without NUL bytes), so "
                                "it cannot be an environment variable"));
    }
  else
    {
      invalid_token (error);
    }
  if (!ok)
    {
      explicit_bzero (plain, body + 1);
      return FALSE;
    }
  /* the rest of the buffer held only padding */
  *out = (gchar *) g_steal_pointer (&plain);
  return TRUE;
}

gchar *
ff_fernet_decrypt (FfFernet *self, const gchar *token, GError **error)
{
  g_autofree guint8 *data = NULL;
  gsize length = 0;
  gchar *plain = NULL;
  gboolean ok;

  g_return_val_if_fail (self != NULL && token != NULL, NULL);
  data = decode_base64url (token, &length);
  if (data == NULL)
    {
      g_set_error_literal (error, FF_ERROR, FF_ERROR_INVALID_ARGUMENT,
                           _ ("the token is not url-safe base64, as Fernet tokens are"));
      return NULL;
    }
  ok = decrypt_body (self, data, length, &plain, error);
  explicit_bzero (data, length);
  return ok ? plain : NULL;
}

static gboolean
random_bytes (guint8 *buffer, gsize length, GError **error)
{
  gsize done = 0;

  while (done < length)
    {
      gssize got = getrandom (buffer + done, length - done, 0);

      if (got < 0 && errno == EINTR)
        continue;
      if (got < 0)
        {
          gint saved_errno = errno;
          g_set_error (error, FF_ERROR, FF_ERROR_FAILED,
                       _ ("Cannot get random bytes from the kernel: %s"), g_strerror (saved_errno));
          return FALSE;
        }
      done += (gsize) got;
    }
  return TRUE;
}

gchar *
ff_fernet_encrypt (FfFernet *self, const gchar *plaintext, gsize length, GError **error)
{
  gsize padded = (length / BLOCK + 1) * BLOCK;
  gsize total = HEADER_SIZE + padded + HMAC_SIZE;
  g_autofree guint8 *data = g_malloc0 (total);
  guint64 now = (guint64) (g_get_real_time () / G_USEC_PER_SEC);
  guint8 iv[IV_SIZE];
  struct aes128_ctx aes;
  guint8 *body = data + HEADER_SIZE;
  gchar *token;

  g_return_val_if_fail (self != NULL && (plaintext != NULL || length == 0), NULL);
  data[0] = VERSION_BYTE;
  for (gint i = 0; i < 8; i++)
    data[1 + i] = (guint8) (now >> (8 * (7 - i)));
  if (!random_bytes (data + 9, IV_SIZE, error))
    return NULL;
  memcpy (iv, data + 9, IV_SIZE);
  if (length > 0)
    memcpy (body, plaintext, length);
  memset (body + length, (gint) (padded - length), padded - length);
  aes128_set_encrypt_key (&aes, self->encryption);
  /* in place: nettle's CBC allows dst == src */
  cbc_encrypt (&aes, (nettle_cipher_func *) aes128_encrypt, BLOCK, iv, padded, body, body);
  explicit_bzero (&aes, sizeof aes);
  sign (self, data, total - HMAC_SIZE, data + total - HMAC_SIZE);
  token = encode_base64url (data, total);
  return token;
}

void
ff_fernet_free_plaintext (gchar *plaintext)
{
  if (plaintext == NULL)
    return;
  explicit_bzero (plaintext, strlen (plaintext));
  g_free (plaintext);
}

gchar *
ff_fernet_generate_key (GError **error)
{
  guint8 key[KEY_SIZE];
  gchar *text;

  if (!random_bytes (key, sizeof key, error))
    return NULL;
  text = encode_base64url (key, sizeof key);
  explicit_bzero (key, sizeof key);
  return text;
}
