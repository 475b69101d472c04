/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer: whatever JSON answers in the engine's place — as a stats
 * object, an inspection or a swarm task — is read without a crash, a
 * critical warning or undefined behaviour, and gives sane numbers. */
#include "config.h"

#include <math.h>

#include "ff-docker-inspect.h"

int LLVMFuzzerTestOneInput (const guint8 *data, gsize size);

int
LLVMFuzzerTestOneInput (const guint8 *data, gsize size)
{
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  JsonNode *root;
  FfUsage usage = { 0 };
  FfDockerContainerState state;
  FfDockerTaskStatus task;
  JsonObject *state_object;

  /* a critical is a bug here: the readers promise never to raise one */
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
  if (!json_parser_load_from_data (parser, (const gchar *) data, (gssize) size, NULL))
    return 0;
  root = json_parser_get_root (parser);
  if (ff_docker_inspect_read_usage (root, 1024, &usage))
    g_assert_true (isfinite (usage.cpu_percent) && usage.cpu_percent >= 0);
  state_object = ff_docker_inspect_get_state (root);
  if (state_object != NULL)
    ff_docker_inspect_read_state (state_object, &state);
  if (ff_docker_inspect_read_task (root, &task))
    g_assert_true (task.err == NULL || task.err[0] != '\0');
  if (root != NULL && JSON_NODE_HOLDS_ARRAY (root))
    {
      JsonArray *array = json_node_get_array (root);

      for (guint i = 0; i < json_array_get_length (array); i++)
        ff_docker_inspect_read_task (json_array_get_element (array, i), &task);
    }
  return 0;
}
