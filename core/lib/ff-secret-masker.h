/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__FASTFLOW_H_INSIDE__) && !defined(FASTFLOW_COMPILATION)
#error "Only <fastflow.h> can be included directly."
#endif

#include <glib-object.h>

G_BEGIN_DECLS

#define FF_TYPE_SECRET_MASKER (ff_secret_masker_get_type ())
G_DECLARE_FINAL_TYPE (FfSecretMasker, ff_secret_masker, FF, SECRET_MASKER, GObject)

/**
 * FfSecretMasker:
 *
 * Hides secret values in a stream of output: every occurrence of a secret
 * becomes as many `*`, also when it is split across pieces. A piece may end
 * in the start of a secret, so up to the longest secret's length minus one
 * byte is held back until the next piece or ff_secret_masker_flush().
 *
 * A masked stream has exactly as many bytes as the raw one, so offsets into
 * a run's log stay offsets into what the run printed.
 */
FfSecretMasker *ff_secret_masker_new (const gchar *const *secrets);
gboolean ff_secret_masker_is_empty (FfSecretMasker *self);
GBytes *ff_secret_masker_feed (FfSecretMasker *self, GBytes *data);
GBytes *ff_secret_masker_flush (FfSecretMasker *self);
gchar *ff_secret_masker_mask_text (FfSecretMasker *self, const gchar *text);

G_END_DECLS
