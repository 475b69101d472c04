/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "ff-pipeline-registry.h"
#include "ff-test-util.h"

/* Generous: file notification and the registry's debounce take far less. */
#define SAFETY_TIMEOUT_SECONDS 20

static GPtrArray *warnings; /* the daemon's, recorded: ff-test-util */

typedef struct
{
  gchar *root;
  gchar *dir; /* the pipelines folder, inside root */
  FfPipelineRegistry *registry;
  guint changed;
} Fixture;

static void
on_changed (FfPipelineRegistry *registry, Fixture *fixture)
{
  fixture->changed++;
}

static void
fixture_set_up (Fixture *fixture, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  fixture->root = g_dir_make_tmp ("ff-test-registry-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->dir = g_build_filename (fixture->root, "pipelines", NULL);
  g_assert_cmpint (g_mkdir (fixture->dir, 0755), ==, 0);
  fixture->registry = ff_pipeline_registry_new (fixture->dir);
  g_signal_connect (fixture->registry, "changed", G_CALLBACK (on_changed), fixture);
}

static void
fixture_tear_down (Fixture *fixture, gconstpointer data)
{
  /* A test takes the warnings it expects; others are failures. */
  for (guint i = 0; i < warnings->len; i++)
    g_test_message ("unexpected warning: %s", (const gchar *) g_ptr_array_index (warnings, i));
  g_assert_cmpuint (warnings->len, ==, 0);
  g_clear_object (&fixture->registry);
  ff_test_remove_tree (fixture->root);
  g_free (fixture->root);
  g_free (fixture->dir);
}

static void
write_file (const gchar *dir, const gchar *name, const gchar *contents)
{
  g_autofree gchar *path = g_build_filename (dir, name, NULL);
  g_autoptr (GError) error = NULL;

  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
}

static void
remove_file (const gchar *dir, const gchar *name)
{
  g_autofree gchar *path = g_build_filename (dir, name, NULL);

  g_assert_cmpint (g_remove (path), ==, 0);
}

static gchar *
add_pipeline (Fixture *fixture, const gchar *name, const gchar *json)
{
  gchar *dir = g_build_filename (fixture->dir, name, NULL);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  write_file (dir, "main.sh", "echo hi\n");
  if (json != NULL)
    write_file (dir, "pipeline.json", json);
  return dir;
}

static gchar *
list_names (FfPipelineRegistry *registry)
{
  g_autoptr (GPtrArray) pipelines = ff_pipeline_registry_list (registry);
  g_autoptr (GString) names = g_string_new (NULL);

  for (guint i = 0; i < pipelines->len; i++)
    {
      FfPipeline *pipeline = g_ptr_array_index (pipelines, i);

      if (i > 0)
        g_string_append_c (names, ' ');
      g_string_append (names, ff_pipeline_get_name (pipeline));
      if (ff_pipeline_is_broken (pipeline))
        g_string_append (names, "(broken)");
    }
  return g_string_free (g_steal_pointer (&names), FALSE);
}

typedef struct
{
  Fixture *fixture;
  guint target;
} ChangedWait;

static gboolean
changed_enough (gpointer data)
{
  ChangedWait *wait = data;

  return wait->fixture->changed >= wait->target;
}

/* Runs the main loop until "changed" was emitted TARGET times in all. */
static void
wait_for_changed (Fixture *fixture, guint target)
{
  ChangedWait wait = { fixture, target };

  ff_test_wait_until_within (changed_enough, &wait, SAFETY_TIMEOUT_SECONDS, "“changed”");
}

static void
test_list (Fixture *fixture, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *names = NULL;
  g_autofree gchar *hidden = g_build_filename (fixture->dir, ".git", NULL);
  g_autofree gchar *bad_name = g_build_filename (fixture->dir, "bad name", NULL);
  g_autofree gchar *a = add_pipeline (fixture, "a", NULL);
  g_autofree gchar *b = add_pipeline (fixture, "b", "{\"timeout\": \"ten\"}");
  g_autofree gchar *c = add_pipeline (fixture, "c", "{\"description\": \"C\"}");
  g_autofree gchar *d = add_pipeline (fixture, "d", "not json");
  FfPipeline *pipeline;

  g_assert_cmpint (g_mkdir (hidden, 0755), ==, 0);
  g_assert_cmpint (g_mkdir (bad_name, 0755), ==, 0);
  write_file (fixture->dir, "README.md", "not a pipeline\n");
  write_file (hidden, "main.sh", "echo\n");
  write_file (bad_name, "main.sh", "echo\n");

  g_assert_true (ff_pipeline_registry_reload (fixture->registry, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (warnings->len, ==, 1);
  g_assert_nonnull (strstr (g_ptr_array_index (warnings, 0), bad_name));
  g_assert_nonnull (strstr (g_ptr_array_index (warnings, 0), "is skipped"));
  g_assert_cmpuint (fixture->changed, ==, 1);
  names = list_names (fixture->registry);
  g_assert_cmpstr (names, ==, "a b(broken) c d(broken)");

  pipeline = ff_pipeline_registry_lookup (fixture->registry, "c");
  g_assert_nonnull (pipeline);
  g_assert_cmpstr (ff_pipeline_get_description (pipeline), ==, "C");
  g_assert_cmpstr (ff_pipeline_get_dir (pipeline), ==, c);
  pipeline = ff_pipeline_registry_lookup (fixture->registry, "b");
  g_assert_nonnull (pipeline);
  g_assert_nonnull (strstr (ff_pipeline_get_error (pipeline), "“timeout”"));
  g_assert_null (ff_pipeline_registry_lookup (fixture->registry, ".git"));
  g_assert_null (ff_pipeline_registry_lookup (fixture->registry, "bad name"));
  g_assert_null (ff_pipeline_registry_lookup (fixture->registry, "README.md"));
  g_assert_null (ff_pipeline_registry_lookup (fixture->registry, "zzz"));
  g_assert_cmpstr (ff_pipeline_registry_get_dir (fixture->registry), ==, fixture->dir);

  /* The badly named folder is reported once, not on every scan. */
  g_assert_true (ff_pipeline_registry_reload (fixture->registry, &error));
  g_assert_cmpuint (fixture->changed, ==, 1);
  g_assert_cmpuint (warnings->len, ==, 1);
  g_ptr_array_set_size (warnings, 0);
}

static void
test_reload (Fixture *fixture, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *a = add_pipeline (fixture, "a", "{\"timeout\": 1}");
  g_autofree gchar *b = add_pipeline (fixture, "b", "{\"timeout\": 2}");
  g_autofree gchar *names = NULL;
  g_autofree gchar *c = NULL;
  FfPipeline *old_a;
  FfPipeline *old_b;

  g_assert_true (ff_pipeline_registry_reload (fixture->registry, &error));
  g_assert_cmpuint (fixture->changed, ==, 1);
  old_a = ff_pipeline_registry_lookup (fixture->registry, "a");
  old_b = ff_pipeline_registry_lookup (fixture->registry, "b");

  /* Nothing changed: no signal, the same objects. */
  g_assert_true (ff_pipeline_registry_reload (fixture->registry, &error));
  g_assert_cmpuint (fixture->changed, ==, 1);
  g_assert_true (ff_pipeline_registry_lookup (fixture->registry, "a") == old_a);

  /* Added. */
  c = add_pipeline (fixture, "c", NULL);
  g_assert_true (ff_pipeline_registry_reload (fixture->registry, &error));
  g_assert_cmpuint (fixture->changed, ==, 2);
  names = list_names (fixture->registry);
  g_assert_cmpstr (names, ==, "a b c");
  g_clear_pointer (&names, g_free);

  /* Changed: a new object for b only. */
  write_file (b, "pipeline.json", "{\"timeout\": 20}");
  g_assert_true (ff_pipeline_registry_reload (fixture->registry, &error));
  g_assert_cmpuint (fixture->changed, ==, 3);
  g_assert_true (ff_pipeline_registry_lookup (fixture->registry, "a") == old_a);
  g_assert_true (ff_pipeline_registry_lookup (fixture->registry, "b") != old_b);
  g_assert_cmpint (ff_pipeline_get_timeout (ff_pipeline_registry_lookup (fixture->registry, "b")),
                   ==, 20);

  /* Broken, then removed. */
  write_file (a, "pipeline.json", "{");
  g_assert_true (ff_pipeline_registry_reload (fixture->registry, &error));
  g_assert_cmpuint (fixture->changed, ==, 4);
  names = list_names (fixture->registry);
  g_assert_cmpstr (names, ==, "a(broken) b c");
  g_clear_pointer (&names, g_free);
  remove_file (a, "pipeline.json");
  remove_file (a, "main.sh");
  g_assert_cmpint (g_rmdir (a), ==, 0);
  g_assert_true (ff_pipeline_registry_reload (fixture->registry, &error));
  g_assert_cmpuint (fixture->changed, ==, 5);
  g_assert_null (ff_pipeline_registry_lookup (fixture->registry, "a"));
  names = list_names (fixture->registry);
  g_assert_cmpstr (names, ==, "b c");
}

static void
test_missing_folder (Fixture *fixture, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FfPipelineRegistry) missing = NULL;
  g_autoptr (GPtrArray) pipelines = NULL;
  g_autofree gchar *nowhere = g_build_filename (fixture->root, "nowhere", NULL);
  g_autofree gchar *a = add_pipeline (fixture, "a", NULL);

  missing = ff_pipeline_registry_new (nowhere);
  g_assert_false (ff_pipeline_registry_reload (missing, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_assert_nonnull (strstr (error->message, nowhere));
  pipelines = ff_pipeline_registry_list (missing);
  g_assert_cmpuint (pipelines->len, ==, 0);
  g_clear_error (&error);

  /* The folder going away empties the list and says so. */
  g_assert_true (ff_pipeline_registry_reload (fixture->registry, &error));
  g_assert_cmpuint (fixture->changed, ==, 1);
  remove_file (a, "main.sh");
  g_assert_cmpint (g_rmdir (a), ==, 0);
  g_assert_cmpint (g_rmdir (fixture->dir), ==, 0);
  g_assert_false (ff_pipeline_registry_reload (fixture->registry, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_assert_cmpuint (fixture->changed, ==, 2);
  g_clear_pointer (&pipelines, g_ptr_array_unref);
  pipelines = ff_pipeline_registry_list (fixture->registry);
  g_assert_cmpuint (pipelines->len, ==, 0);
}

static void
test_watch (Fixture *fixture, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *a = add_pipeline (fixture, "a", "{\"timeout\": 1}");
  g_autofree gchar *b = NULL;
  g_autofree gchar *names = NULL;

  g_assert_true (ff_pipeline_registry_reload (fixture->registry, &error));
  ff_pipeline_registry_watch (fixture->registry);
  g_assert_cmpuint (fixture->changed, ==, 1);

  /* A new folder. */
  b = add_pipeline (fixture, "b", NULL);
  wait_for_changed (fixture, 2);
  names = list_names (fixture->registry);
  g_assert_cmpstr (names, ==, "a b");
  g_clear_pointer (&names, g_free);

  /* An edit inside a pipeline folder. */
  write_file (a, "pipeline.json", "{\"timeout\": 30}");
  wait_for_changed (fixture, 3);
  g_assert_cmpint (ff_pipeline_get_timeout (ff_pipeline_registry_lookup (fixture->registry, "a")),
                   ==, 30);

  /* The entry going away breaks the pipeline. */
  remove_file (b, "main.sh");
  wait_for_changed (fixture, 4);
  g_assert_true (ff_pipeline_is_broken (ff_pipeline_registry_lookup (fixture->registry, "b")));

  /* A folder removed and made again under the same name is still watched. */
  g_assert_cmpint (g_rmdir (b), ==, 0);
  wait_for_changed (fixture, 5);
  g_clear_pointer (&b, g_free);
  b = add_pipeline (fixture, "b", NULL);
  wait_for_changed (fixture, 6);
  write_file (b, "pipeline.json", "{\"timeout\": 4}");
  wait_for_changed (fixture, 7);
  g_assert_cmpint (ff_pipeline_get_timeout (ff_pipeline_registry_lookup (fixture->registry, "b")),
                   ==, 4);
}

/* The daemon starts before the pipelines folder exists; the folder
 * appearing later is noticed. */
static void
test_watch_missing_folder (Fixture *fixture, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *a = NULL;
  g_autofree gchar *b = NULL;
  g_autofree gchar *names = NULL;

  g_assert_cmpint (g_rmdir (fixture->dir), ==, 0);
  g_assert_false (ff_pipeline_registry_reload (fixture->registry, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  ff_pipeline_registry_watch (fixture->registry);
  g_assert_cmpuint (fixture->changed, ==, 0);

  g_assert_cmpint (g_mkdir (fixture->dir, 0755), ==, 0);
  a = add_pipeline (fixture, "a", NULL);
  wait_for_changed (fixture, 1);
  names = list_names (fixture->registry);
  g_assert_cmpstr (names, ==, "a");
  g_clear_pointer (&names, g_free);

  /* And from then on it is watched like any other. */
  b = add_pipeline (fixture, "b", NULL);
  wait_for_changed (fixture, 2);
  names = list_names (fixture->registry);
  g_assert_cmpstr (names, ==, "a b");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  warnings = ff_test_record_daemon_warnings ();

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/registry/list", test_list);
  ADD ("/registry/reload", test_reload);
  ADD ("/registry/missing-folder", test_missing_folder);
  ADD ("/registry/watch", test_watch);
  ADD ("/registry/watch-missing-folder", test_watch_missing_folder);
#undef ADD
  return g_test_run ();
}
