/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__FASTFLOW_H_INSIDE__) && !defined(FASTFLOW_COMPILATION)
#error "Only <fastflow.h> can be included directly."
#endif

#include <glib.h>

G_BEGIN_DECLS

/**
 * FfRunState:
 * @FF_RUN_STATE_QUEUED: waiting for a concurrency slot
 * @FF_RUN_STATE_STARTING: the executor is preparing the sandbox
 * @FF_RUN_STATE_RUNNING: the pipeline is running
 * @FF_RUN_STATE_SUCCEEDED: finished with exit code 0
 * @FF_RUN_STATE_FAILED: finished with an error
 * @FF_RUN_STATE_CANCELLED: stopped on request
 * @FF_RUN_STATE_TIMED_OUT: stopped because it ran too long
 *
 * The states of a run; the string forms are the D-Bus `State` values.
 */
typedef enum
{
  FF_RUN_STATE_QUEUED,
  FF_RUN_STATE_STARTING,
  FF_RUN_STATE_RUNNING,
  FF_RUN_STATE_SUCCEEDED,
  FF_RUN_STATE_FAILED,
  FF_RUN_STATE_CANCELLED,
  FF_RUN_STATE_TIMED_OUT,
} FfRunState;

/**
 * FfErrorClass:
 * @FF_ERROR_CLASS_NONE: no error
 * @FF_ERROR_CLASS_PIPELINE: the pipeline's own fault ("Pipeline Error")
 * @FF_ERROR_CLASS_INFRASTRUCTURE: the orchestrator, proxy or engine failed ("Infrastructure Error")
 */
typedef enum
{
  FF_ERROR_CLASS_NONE,
  FF_ERROR_CLASS_PIPELINE,
  FF_ERROR_CLASS_INFRASTRUCTURE,
} FfErrorClass;

/**
 * FfReason:
 * @FF_REASON_NONE: succeeded
 * @FF_REASON_EXIT_CODE: the pipeline exited with a non-zero code
 * @FF_REASON_OOM_KILLED: killed for using more memory than allowed
 * @FF_REASON_TIMEOUT: ran longer than its timeout
 * @FF_REASON_CANCELLED: cancelled on request
 * @FF_REASON_SPAWN_FAILED: the entry could not be started
 * @FF_REASON_PROXY_UNREACHABLE: the service the executor runs pipelines on
 *   could not be reached
 * @FF_REASON_PROXY_FORBIDDEN: the service the executor runs pipelines on
 *   refused a request
 * @FF_REASON_ENGINE_ERROR: the service the executor runs pipelines on failed
 * @FF_REASON_IMAGE_NOT_FOUND: the image does not exist
 * @FF_REASON_ORCHESTRATOR_RESTARTED: the run died with the daemon
 * @FF_REASON_REFUSED: the orchestrator refused what the pipeline asked for
 * @FF_REASON_DEPENDENCIES_FAILED: the pipeline's requirements could not be
 *   installed: one does not exist or does not resolve
 * @FF_REASON_INDEX_UNREACHABLE: a package index of `[dependencies]` could
 *   not be reached while the pipeline's environment was built
 *
 * Why a run ended; the string forms are the stable D-Bus `Reason` values.
 * Any executor may report the `PROXY` and `ENGINE` reasons; their names
 * stay as they are for that contract.
 */
typedef enum
{
  FF_REASON_NONE,
  FF_REASON_EXIT_CODE,
  FF_REASON_OOM_KILLED,
  FF_REASON_TIMEOUT,
  FF_REASON_CANCELLED,
  FF_REASON_SPAWN_FAILED,
  FF_REASON_PROXY_UNREACHABLE,
  FF_REASON_PROXY_FORBIDDEN,
  FF_REASON_ENGINE_ERROR,
  FF_REASON_IMAGE_NOT_FOUND,
  FF_REASON_ORCHESTRATOR_RESTARTED,
  FF_REASON_REFUSED,
  FF_REASON_DEPENDENCIES_FAILED,
  FF_REASON_INDEX_UNREACHABLE,
} FfReason;

/**
 * FfStream:
 * @FF_STREAM_STDOUT: standard output
 * @FF_STREAM_STDERR: standard error
 */
typedef enum
{
  FF_STREAM_STDOUT = 1,
  FF_STREAM_STDERR = 2,
} FfStream;

const gchar *ff_run_state_to_string (FfRunState state);
gboolean ff_run_state_from_string (const gchar *str, FfRunState *state);
gboolean ff_run_state_is_finished (FfRunState state);

const gchar *ff_error_class_to_string (FfErrorClass error_class);

const gchar *ff_reason_to_string (FfReason reason);
gboolean ff_reason_from_string (const gchar *str, FfReason *reason);
FfErrorClass ff_reason_get_error_class (FfReason reason);
FfRunState ff_reason_get_final_state (FfReason reason);
gint ff_reason_get_cli_exit_code (FfReason reason, gint exit_code);

/**
 * FfCheckLevel:
 * @FF_CHECK_LEVEL_OK: as it should be
 * @FF_CHECK_LEVEL_WARNING: works, but is not as it should be (e.g. a proxy
 *   that allows more than needed)
 * @FF_CHECK_LEVEL_ERROR: keeps runs from working
 *
 * The outcome of one check of an executor's setup; the string forms are
 * those of `DiagnoseExecutor` on D-Bus.
 */
typedef enum
{
  FF_CHECK_LEVEL_OK,
  FF_CHECK_LEVEL_WARNING,
  FF_CHECK_LEVEL_ERROR,
} FfCheckLevel;

const gchar *ff_check_level_to_string (FfCheckLevel level);

G_END_DECLS
