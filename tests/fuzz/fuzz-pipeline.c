/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer: any pipeline.json is a pipeline or a broken one, never a crash. */
#include "config.h"

#include <glib/gstdio.h>

#include "fastflow.h"

int LLVMFuzzerTestOneInput (const guint8 *data, gsize size);

int
LLVMFuzzerTestOneInput (const guint8 *data, gsize size)
{
  static gchar *dir;
  static gchar *json;
  g_autoptr (FfPipeline) pipeline = NULL;
  g_autoptr (GError) error = NULL;

  if (dir == NULL)
    {
      g_autofree gchar *root = g_dir_make_tmp ("ff-fuzz-XXXXXX", NULL);
      dir = g_build_filename (root, "fuzzed", NULL);
      g_mkdir (dir, 0700);
      json = g_build_filename (dir, "pipeline.json", NULL);
      g_autofree gchar *entry = g_build_filename (dir, "main.sh", NULL);
      g_file_set_contents (entry, "true\n", -1, NULL);
    }
  g_file_set_contents (json, (const gchar *) data, (gssize) size, NULL);
  pipeline = ff_pipeline_new_from_dir (dir, &error);
  if (pipeline != NULL && ff_pipeline_is_broken (pipeline))
    g_assert_nonnull (ff_pipeline_get_error (pipeline));
  return 0;
}
