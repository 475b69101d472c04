/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ff-docker-spec.h"

void
ff_docker_spec_add_string_array (JsonBuilder *builder,
                                 const gchar *member,
                                 const gchar *const *values)
{
  json_builder_set_member_name (builder, member);
  json_builder_begin_array (builder);
  for (guint i = 0; values != NULL && values[i] != NULL; i++)
    json_builder_add_string_value (builder, values[i]);
  json_builder_end_array (builder);
}

/**
 * ff_docker_spec_add_env:
 * @member: "Env" for a container, also for a ContainerSpec
 * @route_file: (nullable): where the route file is inside the container;
 *   FASTFLOW_ROUTE_FILE points there instead of at the host's path
 *
 * The request's environment as KEY=VALUE strings, sorted, so that the
 * same request always gives the same body.
 */
void
ff_docker_spec_add_env (JsonBuilder *builder,
                        const gchar *member,
                        FfRunRequest *request,
                        const gchar *route_file)
{
  GHashTable *env = ff_run_request_get_env (request);
  g_autoptr (GList) keys = g_list_sort (g_hash_table_get_keys (env), (GCompareFunc) g_strcmp0);

  json_builder_set_member_name (builder, member);
  json_builder_begin_array (builder);
  for (GList *l = keys; l != NULL; l = l->next)
    {
      const gchar *value = g_hash_table_lookup (env, l->data);
      g_autofree gchar *pair = NULL;

      /* the host's route file is not where the container sees it */
      if (g_str_equal (l->data, "FASTFLOW_ROUTE_FILE") && route_file != NULL)
        value = route_file;
      pair = g_strdup_printf ("%s=%s", (const gchar *) l->data, value);
      json_builder_add_string_value (builder, pair);
    }
  /* The root file system is read-only; /tmp is the one writable place. */
  if (!g_hash_table_contains (env, "HOME"))
    json_builder_add_string_value (builder, "HOME=/tmp");
  json_builder_end_array (builder);
}

/**
 * ff_docker_spec_add_labels:
 * @executor: the executor's name, for org.fastflow.executor
 */
void
ff_docker_spec_add_labels (JsonBuilder *builder,
                           const gchar *member,
                           FfRunRequest *request,
                           const gchar *executor)
{
  GHashTable *labels = ff_run_request_get_labels (request);
  g_autoptr (GList) keys = g_list_sort (g_hash_table_get_keys (labels), (GCompareFunc) g_strcmp0);
  g_autofree gchar *run_id =
      g_strdup_printf ("%" G_GUINT64_FORMAT, ff_run_request_get_run_id (request));
  g_autofree gchar *attempt = g_strdup_printf ("%u", ff_run_request_get_attempt (request));

  json_builder_set_member_name (builder, member);
  json_builder_begin_object (builder);
  for (GList *l = keys; l != NULL; l = l->next)
    {
      json_builder_set_member_name (builder, l->data);
      json_builder_add_string_value (builder, g_hash_table_lookup (labels, l->data));
    }
  /* The run's identity is on everything it creates, also if the request
   * was built without labels, so that a restarted daemon finds it. */
  if (!g_hash_table_contains (labels, "org.fastflow.run-id"))
    {
      json_builder_set_member_name (builder, "org.fastflow.run-id");
      json_builder_add_string_value (builder, run_id);
    }
  if (!g_hash_table_contains (labels, "org.fastflow.pipeline"))
    {
      json_builder_set_member_name (builder, "org.fastflow.pipeline");
      json_builder_add_string_value (builder, ff_run_request_get_pipeline (request));
    }
  json_builder_set_member_name (builder, "org.fastflow.attempt");
  json_builder_add_string_value (builder, attempt);
  json_builder_set_member_name (builder, "org.fastflow.executor");
  json_builder_add_string_value (builder, executor);
  json_builder_end_object (builder);
}

/**
 * ff_docker_spec_dup_name:
 *
 * Returns: a new name for what runs an attempt of @request (a container, a
 *   service and its config): unique, so that a create whose answer was lost
 *   can still be undone by name
 */
gchar *
ff_docker_spec_dup_name (FfRunRequest *request)
{
  return g_strdup_printf (
      "fastflow-%s-%" G_GUINT64_FORMAT "-%u-%08x", ff_run_request_get_pipeline (request),
      ff_run_request_get_run_id (request), ff_run_request_get_attempt (request), g_random_int ());
}

/* The engine refuses a CPU limit above its cores in these words (moby,
 * since 1.13): "Range of CPUs is from 0.01 to 2.00, as there are only 2
 * CPUs available". Returns the cores, 0 when @message is another. */
guint
ff_docker_spec_cores_from_refusal (const gchar *message)
{
  g_autoptr (GRegex) regex = NULL;
  g_autoptr (GMatchInfo) match = NULL;
  g_autofree gchar *digits = NULL;
  guint64 cores = 0;

  if (message == NULL)
    return 0;
  regex = g_regex_new ("as there are only ([0-9]+) CPUs available", 0, 0, NULL);
  if (!g_regex_match (regex, message, 0, &match))
    return 0;
  digits = g_match_info_fetch (match, 1);
  if (!g_ascii_string_to_unsigned (digits, 10, 1, G_MAXUINT, &cores, NULL))
    return 0;
  return (guint) cores;
}
