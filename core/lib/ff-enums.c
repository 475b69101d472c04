/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ff-enums.h"

static const gchar *const run_states[] = {
  "queued", "starting", "running", "succeeded", "failed", "cancelled", "timed-out",
};

static const gchar *const error_classes[] = {
  "none",
  "pipeline",
  "infrastructure",
};

static const gchar *const reasons[] = {
  "",
  "exit-code",
  "oom-killed",
  "timeout",
  "cancelled",
  "spawn-failed",
  "proxy-unreachable",
  "proxy-forbidden",
  "engine-error",
  "image-not-found",
  "orchestrator-restarted",
  "refused",
  "dependencies-failed",
  "index-unreachable",
};

static gboolean
lookup (const gchar *const *table, guint n, const gchar *str, guint *out)
{
  for (guint i = 0; str != NULL && i < n; i++)
    {
      if (g_strcmp0 (table[i], str) == 0)
        {
          *out = i;
          return TRUE;
        }
    }
  return FALSE;
}

const gchar *
ff_run_state_to_string (FfRunState state)
{
  g_return_val_if_fail ((guint) state < G_N_ELEMENTS (run_states), NULL);
  return run_states[state];
}

gboolean
ff_run_state_from_string (const gchar *str, FfRunState *state)
{
  guint v;
  if (!lookup (run_states, G_N_ELEMENTS (run_states), str, &v))
    return FALSE;
  *state = v;
  return TRUE;
}

gboolean
ff_run_state_is_finished (FfRunState state)
{
  return state >= FF_RUN_STATE_SUCCEEDED;
}

const gchar *
ff_error_class_to_string (FfErrorClass error_class)
{
  g_return_val_if_fail ((guint) error_class < G_N_ELEMENTS (error_classes), NULL);
  return error_classes[error_class];
}

const gchar *
ff_reason_to_string (FfReason reason)
{
  g_return_val_if_fail ((guint) reason < G_N_ELEMENTS (reasons), NULL);
  return reasons[reason];
}

gboolean
ff_reason_from_string (const gchar *str, FfReason *reason)
{
  guint v;
  if (!lookup (reasons, G_N_ELEMENTS (reasons), str, &v))
    return FALSE;
  *reason = v;
  return TRUE;
}

FfErrorClass
ff_reason_get_error_class (FfReason reason)
{
  switch (reason)
    {
    case FF_REASON_NONE:
      return FF_ERROR_CLASS_NONE;
    case FF_REASON_EXIT_CODE:
    case FF_REASON_OOM_KILLED:
    case FF_REASON_TIMEOUT:
    case FF_REASON_CANCELLED:
    case FF_REASON_SPAWN_FAILED:
    case FF_REASON_REFUSED:
    case FF_REASON_DEPENDENCIES_FAILED:
      return FF_ERROR_CLASS_PIPELINE;
    case FF_REASON_PROXY_UNREACHABLE:
    case FF_REASON_PROXY_FORBIDDEN:
    case FF_REASON_ENGINE_ERROR:
    case FF_REASON_IMAGE_NOT_FOUND:
    case FF_REASON_ORCHESTRATOR_RESTARTED:
    default:
      return FF_ERROR_CLASS_INFRASTRUCTURE;
    }
}

FfRunState
ff_reason_get_final_state (FfReason reason)
{
  switch (reason)
    {
    case FF_REASON_NONE:
      return FF_RUN_STATE_SUCCEEDED;
    case FF_REASON_TIMEOUT:
      return FF_RUN_STATE_TIMED_OUT;
    case FF_REASON_CANCELLED:
      return FF_RUN_STATE_CANCELLED;
    default:
      return FF_RUN_STATE_FAILED;
    }
}

/* DESIGN §7: what `fastflowctl run` exits with. A pipeline that could not
 * be started exits like a shell's "command not found". */
gint
ff_reason_get_cli_exit_code (FfReason reason, gint exit_code)
{
  switch (reason)
    {
    case FF_REASON_NONE:
      return 0;
    case FF_REASON_EXIT_CODE:
      return exit_code > 0 && exit_code < 256 ? exit_code : 1;
    case FF_REASON_OOM_KILLED:
      return 137;
    case FF_REASON_TIMEOUT:
      return 124;
    case FF_REASON_CANCELLED:
      return 130;
    case FF_REASON_SPAWN_FAILED:
      return 127;
    case FF_REASON_REFUSED:
      return 126;
    case FF_REASON_DEPENDENCIES_FAILED:
      /* EX_DATAERR: the requirements are what is wrong */
      return 65;
    default:
      return 125;
    }
}

static const gchar *const check_levels[] = { "ok", "warning", "error" };

const gchar *
ff_check_level_to_string (FfCheckLevel level)
{
  g_return_val_if_fail ((guint) level < G_N_ELEMENTS (check_levels), NULL);
  return check_levels[level];
}
