/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "ff-run.h"

G_BEGIN_DECLS

/* What the daemon tells the journal about runs and pipelines, with fields
 * (FASTFLOW_RUN_ID, FASTFLOW_PIPELINE, FASTFLOW_STATE, FASTFLOW_REASON,
 * FASTFLOW_ERROR_CLASS, FASTFLOW_EXIT_CODE) that `journalctl
 * FASTFLOW_PIPELINE=x` matches on. */
void ff_journal_run_finished (FfRun *run);
void ff_journal_run_refused (const gchar *pipeline, const gchar *triggered_by, const GError *error);
void ff_journal_webhook_rejected (const gchar *pipeline, guint status, const gchar *message);
void ff_journal_pipeline_warning (const gchar *pipeline, const gchar *warning);

GLogWriterOutput
ff_journal_write_fields (GLogLevelFlags level, const GLogField *fields, gsize n_fields);

G_END_DECLS
