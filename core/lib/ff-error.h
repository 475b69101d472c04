/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__FASTFLOW_H_INSIDE__) && !defined(FASTFLOW_COMPILATION)
#error "Only <fastflow.h> can be included directly."
#endif

#include <glib.h>

G_BEGIN_DECLS

/**
 * FfError:
 * @FF_ERROR_FAILED: generic failure
 * @FF_ERROR_NO_SUCH_PIPELINE: the pipeline does not exist
 * @FF_ERROR_NO_SUCH_RUN: the run does not exist
 * @FF_ERROR_INVALID_ARGUMENT: an argument was malformed
 * @FF_ERROR_LIMIT_REACHED: a concurrency limit was reached
 * @FF_ERROR_DISABLED: the pipeline is disabled
 * @FF_ERROR_BROKEN_PIPELINE: the pipeline's definition has errors
 * @FF_ERROR_STORAGE: the run store or a log could not be written
 * @FF_ERROR_ACCESS_DENIED: the caller may not use this daemon (system bus)
 * @FF_ERROR_ALREADY_FINISHED: the run has already ended (Cancel of a
 *   finished run)
 *
 * Errors of the D-Bus API; each maps to `org.fastflow.Orchestrator1.Error.*`.
 */
typedef enum
{
  FF_ERROR_FAILED,
  FF_ERROR_NO_SUCH_PIPELINE,
  FF_ERROR_NO_SUCH_RUN,
  FF_ERROR_INVALID_ARGUMENT,
  FF_ERROR_LIMIT_REACHED,
  FF_ERROR_DISABLED,
  FF_ERROR_BROKEN_PIPELINE,
  FF_ERROR_STORAGE,
  FF_ERROR_ACCESS_DENIED,
  FF_ERROR_ALREADY_FINISHED,
} FfError;

#define FF_ERROR (ff_error_quark ())
GQuark ff_error_quark (void);

/* Errors from executors: the code is an #FfReason. */
#define FF_EXECUTOR_ERROR (ff_executor_error_quark ())
GQuark ff_executor_error_quark (void);

G_END_DECLS
