/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "fastflow.h"
#include "ff-fernet.h"

G_BEGIN_DECLS

/*
 * encrypted_env: Fast-Flow's Fernet-encrypted variables of pipeline.json
 * and of its schedules[] entries.
 *
 * The key is the operator's: [secrets] encryption_key_file in
 * fastflow.conf (read again on every reload), else fastflowd's
 * ENCRYPTION_KEY, as Fast-Flow reads it.
 */

/* NULL with *problem NULL: no key configured. NULL with *problem set: a
 * key is configured but cannot be had (the message says why). */
FfFernet *ff_encrypted_env_load_key (GKeyFile *keyfile, gchar **problem);

/* Scan time: every token of @pipeline is decrypted once (and the value
 * wiped at once); each one that does not is an error of the pipeline,
 * naming the variable. */
void ff_encrypted_env_check (FfPipeline *pipeline, FfFernet *key, const gchar *key_problem);
gboolean ff_encrypted_env_is_used (FfPipeline *pipeline);

/* The names whose values a run of @pipeline with @config hides: the
 * pipeline's secrets (its encrypted_env among them) and @config's
 * encrypted_env. */
GStrv ff_encrypted_env_dup_secret_names (FfPipeline *pipeline, const FfSchedule *config);

/* Run time: the pipeline's decrypted variables, then @config's, go into
 * @request's environment. */
gboolean ff_encrypted_env_apply (FfPipeline *pipeline,
                                 const FfSchedule *config,
                                 FfFernet *key,
                                 FfRunRequest *request,
                                 GError **error);

G_END_DECLS
