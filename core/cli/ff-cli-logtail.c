/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The end of a run's output: `logs --tail N` and the lines `status RUN`
 * shows, as `systemctl status` does. */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "ff-cli-private.h"

typedef struct
{
  GByteArray *data;
  GMainLoop *loop;
  GError *error;
} Collect;

static void
on_collect_data (FfClientRun *run, GBytes *bytes, Collect *collect)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);

  g_byte_array_append (collect->data, data, len);
}

static void
on_collected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Collect *collect = user_data;

  ff_client_run_follow_finish (FF_CLIENT_RUN (source), result, &collect->error);
  g_main_loop_quit (collect->loop);
}

GByteArray *
ff_cli_read_log (FfClientRun *run, GError **error)
{
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr (GByteArray) data = g_byte_array_new ();
  Collect collect = { data, loop, NULL };
  gulong output_id;

  output_id = g_signal_connect (run, "output", G_CALLBACK (on_collect_data), &collect);
  ff_client_run_follow_async (run, FALSE, NULL, on_collected, &collect);
  g_main_loop_run (loop);
  g_signal_handler_disconnect (run, output_id);
  if (collect.error != NULL)
    {
      g_propagate_error (error, collect.error);
      return NULL;
    }
  return g_steal_pointer (&data);
}

gsize
ff_cli_tail_offset (const guint8 *data, gsize len, guint lines)
{
  gsize end = len;

  /* a last line without its newline counts as a line */
  if (end > 0 && data[end - 1] == '\n')
    end--;
  if (lines == 0)
    return len;
  while (end > 0)
    {
      if (data[end - 1] == '\n' && --lines == 0)
        return end;
      end--;
    }
  return 0;
}
