/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * FfFernet:
 *
 * A Fernet key (https://github.com/fernet/spec), as Fast-Flow's
 * ENCRYPTION_KEY holds it: 32 bytes in url-safe base64, the HMAC-SHA256
 * signing key and then the AES-128-CBC encryption key. Tokens made with
 * Python's cryptography.fernet decrypt here and the other way round.
 * The key bytes are wiped when the last reference goes.
 */
typedef struct _FfFernet FfFernet;

FfFernet *ff_fernet_new (const gchar *key_text, GError **error);
FfFernet *ff_fernet_ref (FfFernet *self);
void ff_fernet_unref (FfFernet *self);
gboolean ff_fernet_equal (FfFernet *a, FfFernet *b);

/* The plaintext as a string, to be freed with ff_fernet_free_plaintext ():
 * valid UTF-8 without NUL, since it becomes an environment variable. */
gchar *ff_fernet_decrypt (FfFernet *self, const gchar *token, GError **error);
gchar *ff_fernet_encrypt (FfFernet *self, const gchar *plaintext, gsize length, GError **error);
void ff_fernet_free_plaintext (gchar *plaintext);

/* A new key in the form ff_fernet_new () reads: 44 characters. */
gchar *ff_fernet_generate_key (GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FfFernet, ff_fernet_unref)

G_END_DECLS
