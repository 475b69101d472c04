/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <string.h>

#include "ff-http-server-private.h"
#include "ff-webhook-server.h"

/* Bodies past FF_HTTP_SERVER_MAX_BODY, too many or idle connections never
 * reach the handler: FfHttpServer answers or cuts them. */
#define PREFIX "/api/webhooks/"

struct _FfWebhookServer
{
  GObject parent_instance;
  FfOrchestrator *orchestrator;
  SoupServer *server;
};

G_DEFINE_TYPE (FfWebhookServer, ff_webhook_server, G_TYPE_OBJECT)

static void
reply (SoupServerMessage *msg, guint status, JsonBuilder *builder)
{
  g_autoptr (JsonNode) node = json_builder_get_root (builder);
  gchar *text = json_to_string (node, FALSE);

  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, text, strlen (text));
}

static void
reply_error (SoupServerMessage *msg, guint status, const gchar *message)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "error");
  json_builder_add_string_value (builder, message);
  json_builder_end_object (builder);
  reply (msg, status, builder);
}

/* The whole of both strings is looked at, whatever differs where: the time
 * a wrong key takes says nothing about the right one. */
static gboolean
keys_equal (const gchar *expected, const gchar *given)
{
  gsize expected_len = strlen (expected), given_len = strlen (given);
  guint8 diff = expected_len != given_len;

  for (gsize i = 0; i < given_len; i++)
    diff |= (guint8) given[i] ^ (guint8) expected[i % MAX (expected_len, 1)];
  return diff == 0 && expected_len > 0;
}

/* The run configuration the key belongs to: "" for the pipeline's own
 * webhook_key, an id for a schedules[] entry's, NULL for none. */
static const gchar *
match_key (FfPipeline *pipeline, const gchar *key, gboolean *has_webhooks)
{
  GPtrArray *schedules = ff_pipeline_get_schedules (pipeline);
  const gchar *match = NULL;
  const gchar *own = ff_pipeline_get_webhook_key (pipeline);

  *has_webhooks = own != NULL;
  if (own != NULL && keys_equal (own, key))
    match = "";
  for (guint i = 0; i < schedules->len; i++)
    {
      FfSchedule *schedule = g_ptr_array_index (schedules, i);

      if (schedule->webhook_key == NULL)
        continue;
      *has_webhooks = TRUE;
      if (keys_equal (schedule->webhook_key, key) && match == NULL)
        match = schedule->id;
    }
  return match;
}

/* An optional JSON object of string values: the run's environment. */
static GHashTable *
parse_env (SoupServerMessage *msg, GError **error)
{
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  g_autoptr (GHashTable) env = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr (JsonNode) node = NULL;
  JsonObjectIter iter;
  const gchar *key;
  JsonNode *value;

  if (body->length == 0)
    return g_steal_pointer (&env);
  node = json_from_string (body->data, error);
  if (node == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           _ ("The body must be a JSON object of environment variables and their "
                              "string values"));
      return NULL;
    }
  json_object_iter_init (&iter, json_node_get_object (node));
  while (json_object_iter_next (&iter, &key, &value))
    {
      if (!JSON_NODE_HOLDS_VALUE (value) || json_node_get_value_type (value) != G_TYPE_STRING)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       _ ("The value of %s in the body must be a string"), key);
          return NULL;
        }
      g_hash_table_insert (env, g_strdup (key), g_strdup (json_node_get_string (value)));
    }
  return g_steal_pointer (&env);
}

static guint
status_for (const GError *error)
{
  if (error->domain != FF_ERROR)
    return SOUP_STATUS_INTERNAL_SERVER_ERROR;
  switch (error->code)
    {
    case FF_ERROR_LIMIT_REACHED:
      return 429; /* Too Many Requests; libsoup 3.2 has no name for it */
    case FF_ERROR_NO_SUCH_PIPELINE:
      return SOUP_STATUS_NOT_FOUND;
    case FF_ERROR_INVALID_ARGUMENT:
      return SOUP_STATUS_BAD_REQUEST;
    case FF_ERROR_DISABLED:
    case FF_ERROR_BROKEN_PIPELINE:
      return SOUP_STATUS_CONFLICT;
    default:
      return SOUP_STATUS_INTERNAL_SERVER_ERROR;
    }
}

static void
start_run (FfWebhookServer *self,
           SoupServerMessage *msg,
           const gchar *pipeline,
           const gchar *run_config)
{
  g_autoptr (GHashTable) env = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  FfRun *run;

  env = parse_env (msg, &error);
  if (env == NULL)
    {
      reply_error (msg, SOUP_STATUS_BAD_REQUEST, error->message);
      return;
    }
  run =
      ff_orchestrator_start_run (self->orchestrator, pipeline, env, NULL,
                                 *run_config != '\0' ? run_config : NULL, "webhook", FALSE, &error);
  if (run == NULL)
    {
      reply_error (msg, status_for (error), error->message);
      return;
    }
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "run_id");
  json_builder_add_int_value (builder, (gint64) ff_run_get_id (run));
  json_builder_set_member_name (builder, "pipeline");
  json_builder_add_string_value (builder, pipeline);
  json_builder_end_object (builder);
  reply (msg, SOUP_STATUS_CREATED, builder);
}

static void
on_request (SoupServer *server,
            SoupServerMessage *msg,
            const char *path,
            GHashTable *query,
            gpointer user_data)
{
  FfWebhookServer *self = user_data;
  g_auto (GStrv) parts = NULL;
  FfPipeline *pipeline;
  const gchar *run_config;
  gboolean has_webhooks = FALSE;

  if (!g_str_has_prefix (path, PREFIX) ||
      (parts = g_strsplit (path + strlen (PREFIX), "/", -1), g_strv_length (parts) != 2))
    {
      reply_error (msg, SOUP_STATUS_NOT_FOUND,
                   _ ("Not found: webhooks are at "
                      "/api/webhooks/PIPELINE/KEY"));
      return;
    }
  if (g_strcmp0 (soup_server_message_get_method (msg), "POST") != 0)
    {
      soup_message_headers_append (soup_server_message_get_response_headers (msg), "Allow", "POST");
      reply_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, _ ("A webhook is called with POST"));
      return;
    }
  pipeline =
      ff_pipeline_registry_lookup (ff_orchestrator_get_registry (self->orchestrator), parts[0]);
  run_config = pipeline != NULL ? match_key (pipeline, parts[1], &has_webhooks) : NULL;
  if (pipeline == NULL || !has_webhooks)
    {
      reply_error (msg, SOUP_STATUS_NOT_FOUND, _ ("No pipeline with webhooks of that name"));
      return;
    }
  if (run_config == NULL)
    {
      reply_error (msg, SOUP_STATUS_UNAUTHORIZED, _ ("Wrong webhook key"));
      return;
    }
  start_run (self, msg, parts[0], run_config);
}

static void
ff_webhook_server_dispose (GObject *object)
{
  FfWebhookServer *self = FF_WEBHOOK_SERVER (object);

  /* the server may serve metrics too: only our path goes */
  if (self->server != NULL)
    soup_server_remove_handler (self->server, "/api/webhooks");
  g_clear_object (&self->server);
  g_clear_object (&self->orchestrator);
  G_OBJECT_CLASS (ff_webhook_server_parent_class)->dispose (object);
}

static void
ff_webhook_server_class_init (FfWebhookServerClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = ff_webhook_server_dispose;
}

static void
ff_webhook_server_init (FfWebhookServer *self)
{
}

FfWebhookServer *
ff_webhook_server_new (FfOrchestrator *orchestrator, const gchar *listen, GError **error)
{
  g_autoptr (FfWebhookServer) self = g_object_new (FF_TYPE_WEBHOOK_SERVER, NULL);
  g_autoptr (GError) local_error = NULL;

  self->server = ff_http_server_acquire (listen, &local_error);
  if (self->server == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _ ("The webhooks are off: %s"),
                   local_error->message);
      return NULL;
    }
  self->orchestrator = g_object_ref (orchestrator);
  soup_server_add_handler (self->server, "/api/webhooks", on_request, self, NULL);
  return g_steal_pointer (&self);
}

guint16
ff_webhook_server_get_port (FfWebhookServer *self)
{
  g_return_val_if_fail (FF_IS_WEBHOOK_SERVER (self), 0);
  return ff_http_server_get_port (self->server);
}
