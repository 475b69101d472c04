/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "fastflow.h"

/* Feeds @input in pieces of @piece bytes and returns all that came out. */
static gchar *
mask_in_pieces (const gchar *const *secrets, const gchar *input, gsize piece)
{
  g_autoptr (FfSecretMasker) masker = ff_secret_masker_new (secrets);
  g_autoptr (GString) out = g_string_new (NULL);
  gsize len = strlen (input);
  g_autoptr (GBytes) tail = NULL;

  for (gsize at = 0; at < len; at += piece)
    {
      g_autoptr (GBytes) in = g_bytes_new (input + at, MIN (piece, len - at));
      g_autoptr (GBytes) passed = ff_secret_masker_feed (masker, in);
      gsize n;
      const gchar *data = g_bytes_get_data (passed, &n);

      g_string_append_len (out, data, n);
    }
  tail = ff_secret_masker_flush (masker);
  g_string_append_len (out, g_bytes_get_data (tail, NULL), g_bytes_get_size (tail));
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static void
assert_masked_every_way (const gchar *const *secrets, const gchar *input, const gchar *expected)
{
  /* the same result whatever the split: each piece size up to the whole */
  for (gsize piece = 1; piece <= strlen (input) + 1; piece++)
    {
      g_autofree gchar *got = mask_in_pieces (secrets, input, piece);

      g_assert_cmpstr (got, ==, expected);
      g_assert_cmpuint (strlen (got), ==, strlen (input));
    }
}

static void
test_split (void)
{
  const gchar *secrets[] = { "hunter2", NULL };

  assert_masked_every_way (secrets, "pw=hunter2\nagain hunter2hunter2 end",
                           "pw=*******\nagain ************** end");
  /* a start of the secret that never completes comes out as it was */
  assert_masked_every_way (secrets, "hunt hunter hunter", "hunt hunter hunter");
  assert_masked_every_way (secrets, "hhunter2", "h*******");
}

static void
test_several (void)
{
  const gchar *secrets[] = { "abc", "xabcx", "", "zz", "cdef", NULL };

  /* secrets inside and across each other are all covered */
  assert_masked_every_way (secrets, "xabcx abc zzz abcdefg", "***** *** *** ******g");
}

static void
test_none (void)
{
  g_autoptr (FfSecretMasker) masker = ff_secret_masker_new (NULL);
  g_autoptr (GBytes) in = g_bytes_new_static ("plain", 5);
  g_autoptr (GBytes) out = ff_secret_masker_feed (masker, in);

  g_assert_true (ff_secret_masker_is_empty (masker));
  g_assert_true (g_bytes_equal (in, out));
}

static void
test_text (void)
{
  const gchar *secrets[] = { "t0ken", NULL };
  g_autoptr (FfSecretMasker) masker = ff_secret_masker_new (secrets);
  g_autofree gchar *text = ff_secret_masker_mask_text (masker, "refused: t0ken is wrong");

  g_assert_cmpstr (text, ==, "refused: ***** is wrong");
  g_assert_null (ff_secret_masker_mask_text (masker, NULL));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/secret-masker/split", test_split);
  g_test_add_func ("/secret-masker/several", test_several);
  g_test_add_func ("/secret-masker/none", test_none);
  g_test_add_func ("/secret-masker/text", test_text);
  return g_test_run ();
}
