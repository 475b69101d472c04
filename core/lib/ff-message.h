/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__FASTFLOW_H_INSIDE__) && !defined(FASTFLOW_COMPILATION)
#error "Only <fastflow.h> can be included directly."
#endif

#include <glib.h>

G_BEGIN_DECLS

/*
 * A message for people kept untranslated — its gettext domain, its English
 * format and its arguments as text — and translated when it is shown, so
 * that a run's history speaks the reader's language also after a change of
 * language. It travels inside ordinary strings (a GError's message, an
 * executor's exit message, the store); ff_message_format () turns every
 * such message in a string into text and leaves the rest alone.
 */
gchar *ff_message_new (const gchar *domain, const gchar *format, ...) G_GNUC_NULL_TERMINATED;
gchar *ff_message_format (const gchar *text);

G_END_DECLS
