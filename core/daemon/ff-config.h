/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "fastflow.h"

G_BEGIN_DECLS

/* [dependencies]: where a dependency environment's packages come from. */
typedef struct
{
  gchar *index_url;        /* NULL: the installer's default (PyPI) */
  GStrv extra_index_urls;  /* never NULL */
  gchar *find_links;       /* a folder (absolute) or a URL of wheels; NULL for none */
  gboolean find_links_dir; /* find_links is a folder on this host */
  gboolean offline;        /* only find_links */
} FfDependencySources;

#define FF_TYPE_CONFIG (ff_config_get_type ())
G_DECLARE_FINAL_TYPE (FfConfig, ff_config, FF, CONFIG, GObject)

/**
 * FfConfig:
 *
 * The daemon's settings: built-in defaults, then fastflow.conf, then the
 * environment, then command-line options, each overriding the one before.
 */
FfConfig *ff_config_new (void);
/* path NULL: $XDG_CONFIG_HOME/fastflow/fastflow.conf if it exists. */
gboolean ff_config_load (FfConfig *self, const gchar *path, GError **error);
void ff_config_apply_environment (FfConfig *self);

GKeyFile *ff_config_get_keyfile (FfConfig *self);

const gchar *ff_config_get_pipelines_dir (FfConfig *self);
void ff_config_set_pipelines_dir (FfConfig *self, const gchar *dir);
const gchar *ff_config_get_state_dir (FfConfig *self);
void ff_config_set_state_dir (FfConfig *self, const gchar *dir);
const gchar *ff_config_get_default_executor (FfConfig *self);
void ff_config_set_default_executor (FfConfig *self, const gchar *name);
const gchar *const *ff_config_get_allowed_executors (FfConfig *self);
gboolean ff_config_executor_is_allowed (FfConfig *self, const gchar *name);
gboolean ff_config_check_executors (FfConfig *self, GError **error);
guint ff_config_get_max_concurrent_runs (FfConfig *self);
void ff_config_set_max_concurrent_runs (FfConfig *self, guint n);
gint64 ff_config_get_default_timeout (FfConfig *self);
guint ff_config_get_stop_grace_ms (FfConfig *self);
const gchar *ff_config_get_python (FfConfig *self);
const gchar *ff_config_get_tools_dir (FfConfig *self);
const FfDependencySources *ff_config_get_dependency_sources (FfConfig *self);
guint ff_config_get_keep_finished_seconds (FfConfig *self);
guint64 ff_config_get_max_log_bytes (FfConfig *self);
guint ff_config_get_keep_days (FfConfig *self);
guint ff_config_get_keep_runs (FfConfig *self);
GTimeZone *ff_config_get_time_zone (FfConfig *self);
gboolean ff_config_get_missed_skip (FfConfig *self);
/* on_stop=leave-running: a stop leaves container runs to the next start */
gboolean ff_config_get_leave_running (FfConfig *self);
guint ff_config_get_http_max_connections (FfConfig *self);
guint ff_config_get_http_idle_timeout (FfConfig *self);

G_END_DECLS
