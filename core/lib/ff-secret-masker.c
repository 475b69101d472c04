/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "ff-secret-masker.h"

struct _FfSecretMasker
{
  GObject parent_instance;
  GPtrArray *secrets; /* gchar* */
  gsize longest;
  /* the raw tail of the output so far that may start a secret, and which
   * of its bytes a secret already covers */
  GByteArray *held;
  GByteArray *held_stars;
};

G_DEFINE_TYPE (FfSecretMasker, ff_secret_masker, G_TYPE_OBJECT)

static void
ff_secret_masker_finalize (GObject *object)
{
  FfSecretMasker *self = FF_SECRET_MASKER (object);

  g_ptr_array_unref (self->secrets);
  g_byte_array_unref (self->held);
  g_byte_array_unref (self->held_stars);
  G_OBJECT_CLASS (ff_secret_masker_parent_class)->finalize (object);
}

static void
ff_secret_masker_class_init (FfSecretMaskerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ff_secret_masker_finalize;
}

static void
ff_secret_masker_init (FfSecretMasker *self)
{
  self->secrets = g_ptr_array_new_with_free_func (g_free);
  self->held = g_byte_array_new ();
  self->held_stars = g_byte_array_new ();
}

/**
 * ff_secret_masker_new:
 * @secrets: (array zero-terminated=1) (nullable): the values to hide; empty
 *   ones are ignored
 *
 * Returns: (transfer full): a new masker
 */
FfSecretMasker *
ff_secret_masker_new (const gchar *const *secrets)
{
  FfSecretMasker *self = g_object_new (FF_TYPE_SECRET_MASKER, NULL);

  for (gsize i = 0; secrets != NULL && secrets[i] != NULL; i++)
    {
      gsize len = strlen (secrets[i]);

      if (len == 0)
        continue;
      g_ptr_array_add (self->secrets, g_strdup (secrets[i]));
      self->longest = MAX (self->longest, len);
    }
  return self;
}

/**
 * ff_secret_masker_is_empty:
 *
 * Returns: %TRUE if there is nothing to hide
 */
gboolean
ff_secret_masker_is_empty (FfSecretMasker *self)
{
  g_return_val_if_fail (FF_IS_SECRET_MASKER (self), TRUE);
  return self->secrets->len == 0;
}

/* Secrets are found in the raw bytes, so that overlapping secrets are all
 * covered, whatever order they are looked for in. */
static void
mark_secrets (FfSecretMasker *self, const guint8 *buf, gsize len, guint8 *stars)
{
  for (guint i = 0; i < self->secrets->len; i++)
    {
      const gchar *secret = g_ptr_array_index (self->secrets, i);
      gsize slen = strlen (secret);
      const guint8 *at = buf;

      while ((gsize) (buf + len - at) >= slen)
        {
          const guint8 *hit = memmem (at, buf + len - at, secret, slen);

          if (hit == NULL)
            break;
          memset (stars + (hit - buf), 1, slen);
          at = hit + 1;
        }
    }
}

static GBytes *
apply_stars (const guint8 *buf, const guint8 *stars, gsize len)
{
  guint8 *out = g_memdup2 (buf, len);

  for (gsize i = 0; i < len; i++)
    {
      if (stars[i])
        out[i] = '*';
    }
  return g_bytes_new_take (out, len);
}

/* How many bytes at the end of @buf could be the start of a secret that
 * the next piece completes. */
static gsize
open_tail (FfSecretMasker *self, const guint8 *buf, gsize len)
{
  for (gsize tail = MIN (self->longest - 1, len); tail > 0; tail--)
    {
      for (guint i = 0; i < self->secrets->len; i++)
        {
          const gchar *secret = g_ptr_array_index (self->secrets, i);

          if (strlen (secret) > tail && memcmp (buf + len - tail, secret, tail) == 0)
            return tail;
        }
    }
  return 0;
}

/**
 * ff_secret_masker_feed:
 * @data: the next piece of output
 *
 * Returns: (transfer full): what can be passed on, masked; may be empty
 */
GBytes *
ff_secret_masker_feed (FfSecretMasker *self, GBytes *data)
{
  gsize len;
  const guint8 *in;
  g_autoptr (GByteArray) raw = NULL;
  g_autoptr (GByteArray) stars = NULL;
  gsize keep, ready;
  GBytes *out;

  g_return_val_if_fail (FF_IS_SECRET_MASKER (self), NULL);
  g_return_val_if_fail (data != NULL, NULL);

  if (self->secrets->len == 0)
    return g_bytes_ref (data);
  in = g_bytes_get_data (data, &len);
  raw = g_steal_pointer (&self->held);
  stars = g_steal_pointer (&self->held_stars);
  g_byte_array_append (raw, in, len);
  g_byte_array_set_size (stars, raw->len);
  memset (stars->data + stars->len - len, 0, len);
  mark_secrets (self, raw->data, raw->len, stars->data);

  /* no secret that the next piece completes can start before this */
  keep = open_tail (self, raw->data, raw->len);
  ready = raw->len - keep;
  out = apply_stars (raw->data, stars->data, ready);
  self->held = g_byte_array_new ();
  g_byte_array_append (self->held, raw->data + ready, keep);
  self->held_stars = g_byte_array_new ();
  g_byte_array_append (self->held_stars, stars->data + ready, keep);
  return out;
}

/**
 * ff_secret_masker_flush:
 *
 * Returns: (transfer full): the bytes held back, masked; may be empty
 */
GBytes *
ff_secret_masker_flush (FfSecretMasker *self)
{
  GBytes *out;

  g_return_val_if_fail (FF_IS_SECRET_MASKER (self), NULL);

  out = apply_stars (self->held->data, self->held_stars->data, self->held->len);
  g_byte_array_set_size (self->held, 0);
  g_byte_array_set_size (self->held_stars, 0);
  return out;
}

/**
 * ff_secret_masker_mask_text:
 * @text: (nullable): a whole message
 *
 * Returns: (transfer full) (nullable): @text with its secrets masked
 */
gchar *
ff_secret_masker_mask_text (FfSecretMasker *self, const gchar *text)
{
  gsize len;
  g_autofree guint8 *stars = NULL;
  g_autoptr (GBytes) masked = NULL;

  g_return_val_if_fail (FF_IS_SECRET_MASKER (self), NULL);

  if (text == NULL)
    return NULL;
  len = strlen (text);
  stars = g_malloc0 (len + 1);
  mark_secrets (self, (const guint8 *) text, len, stars);
  masked = apply_stars ((const guint8 *) text, stars, len);
  return g_strndup (g_bytes_get_data (masked, NULL), len);
}
