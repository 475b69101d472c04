/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <string.h>

#include "ff-http-server-private.h"
#include "ff-journal.h"
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

/* A call turned away before any run was asked for: the journal hears of
 * it, a wrong key above all. */
static void
reject (SoupServerMessage *msg, const gchar *pipeline, guint status, const gchar *message)
{
  ff_journal_webhook_rejected (pipeline, status, message);
  reply_error (msg, status, message);
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

#define BODY_EXPECTED                                                                              \
  N_ ("The body must be a JSON object of environment variables and their string values, or "       \
      "Fast-Flow’s {\"env_vars\": {…}, \"parameters\": {…}}")

/* Adds @object's members to @env; each value must be a string. @where
 * names the object in a message ("env_vars"), NULL for the whole body. */
static gboolean
add_variables (GHashTable *env, JsonObject *object, const gchar *where, GError **error)
{
  JsonObjectIter iter;
  const gchar *key;
  JsonNode *value;

  json_object_iter_init (&iter, object);
  while (json_object_iter_next (&iter, &key, &value))
    {
      if (!JSON_NODE_HOLDS_VALUE (value) || json_node_get_value_type (value) != G_TYPE_STRING)
        {
          g_autofree gchar *name =
              where != NULL ? g_strdup_printf ("%s.%s", where, key) : g_strdup (key);

          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       _ ("The value of %s in the body must be a string"), name);
          return FALSE;
        }
      g_hash_table_insert (env, g_strdup (key), g_strdup (json_node_get_string (value)));
    }
  return TRUE;
}

/* Fast-Flow's body names its parts: env_vars, parameters (both become
 * variables of the run, parameters winning, as there) and run_config_id,
 * which its webhook ignores too: the key decides the run configuration. */
static const gchar *const fast_flow_parts[] = { "env_vars", "parameters" };

static gboolean
is_fast_flow_body (JsonObject *object)
{
  for (gsize i = 0; i < G_N_ELEMENTS (fast_flow_parts); i++)
    {
      JsonNode *part = json_object_get_member (object, fast_flow_parts[i]);

      if (part != NULL && (JSON_NODE_HOLDS_OBJECT (part) || JSON_NODE_HOLDS_NULL (part)))
        return TRUE;
    }
  return FALSE;
}

static gboolean
add_fast_flow_body (GHashTable *env, JsonObject *object, GError **error)
{
  static const gchar *const members[] = { "env_vars", "parameters", "run_config_id", NULL };
  JsonObjectIter iter;
  const gchar *key;
  JsonNode *value;

  json_object_iter_init (&iter, object);
  while (json_object_iter_next (&iter, &key, &value))
    {
      if (!g_strv_contains (members, key))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       _ ("The body has “%s” next to env_vars or parameters; only env_vars, "
                          "parameters and run_config_id go there"),
                       key);
          return FALSE;
        }
    }
  for (gsize i = 0; i < G_N_ELEMENTS (fast_flow_parts); i++)
    {
      const gchar *where = fast_flow_parts[i];
      JsonNode *part = json_object_get_member (object, where);

      if (part == NULL || JSON_NODE_HOLDS_NULL (part))
        continue;
      if (!JSON_NODE_HOLDS_OBJECT (part))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       _ ("%s in the body must be an object of variable names and string values"),
                       where);
          return FALSE;
        }
      if (!add_variables (env, json_node_get_object (part), where, error))
        return FALSE;
    }
  return TRUE;
}

/* An optional JSON body: the run's environment, as a plain object of
 * variables or in Fast-Flow's form. */
static GHashTable *
parse_env (SoupServerMessage *msg, GError **error)
{
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  g_autoptr (GHashTable) env = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr (JsonNode) node = NULL;
  JsonObject *object;
  gboolean ok;

  if (body->length == 0)
    return g_steal_pointer (&env);
  node = json_from_string (body->data, error);
  if (node == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _ (BODY_EXPECTED));
      return NULL;
    }
  object = json_node_get_object (node);
  ok = is_fast_flow_body (object) ? add_fast_flow_body (env, object, error)
                                  : add_variables (env, object, NULL, error);
  return ok ? g_steal_pointer (&env) : NULL;
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

/* Fast-Flow's names for a run's state. */
static const gchar *
fast_flow_status (FfRunState state)
{
  switch (state)
    {
    case FF_RUN_STATE_QUEUED:
    case FF_RUN_STATE_STARTING:
      return "PENDING";
    case FF_RUN_STATE_RUNNING:
      return "RUNNING";
    case FF_RUN_STATE_SUCCEEDED:
      return "SUCCESS";
    case FF_RUN_STATE_CANCELLED:
      return "INTERRUPTED";
    default:
      return "FAILED";
    }
}

/* Fast-Flow's answer (id as a string, pipeline_name, status, started_at
 * in ISO 8601 with its offset), fastflow's run_id and pipeline. Fast-Flow's
 * log_file, a path on the server, is left out: a caller has no use for it. */
static void
add_run (JsonBuilder *builder, FfRun *run)
{
  gint64 started = ff_run_get_started_at (run);
  g_autoptr (GDateTime) seconds = NULL;
  g_autoptr (GDateTime) time = NULL;
  g_autofree gchar *id = g_strdup_printf ("%" G_GUINT64_FORMAT, (guint64) ff_run_get_id (run));
  g_autofree gchar *started_at = NULL;

  if (started <= 0)
    started = ff_run_get_created_at (run);
  seconds = g_date_time_new_from_unix_utc (started / G_USEC_PER_SEC);
  time = g_date_time_add (seconds, started % G_USEC_PER_SEC);
  started_at = g_date_time_format (time, "%Y-%m-%dT%H:%M:%S.%f+00:00");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, id);
  json_builder_set_member_name (builder, "pipeline_name");
  json_builder_add_string_value (builder, ff_run_get_pipeline (run));
  json_builder_set_member_name (builder, "status");
  json_builder_add_string_value (builder, fast_flow_status (ff_run_get_state (run)));
  json_builder_set_member_name (builder, "started_at");
  json_builder_add_string_value (builder, started_at);
  json_builder_set_member_name (builder, "run_id");
  json_builder_add_int_value (builder, (gint64) ff_run_get_id (run));
  json_builder_set_member_name (builder, "pipeline");
  json_builder_add_string_value (builder, ff_run_get_pipeline (run));
  json_builder_end_object (builder);
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
      reject (msg, pipeline, SOUP_STATUS_BAD_REQUEST, error->message);
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
  add_run (builder, run);
  reply (msg, SOUP_STATUS_OK, builder);
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
      reject (msg, NULL, SOUP_STATUS_NOT_FOUND,
              _ ("Not found: webhooks are at "
                 "/api/webhooks/PIPELINE/KEY"));
      return;
    }
  if (g_strcmp0 (soup_server_message_get_method (msg), "POST") != 0)
    {
      soup_message_headers_append (soup_server_message_get_response_headers (msg), "Allow", "POST");
      reject (msg, parts[0], SOUP_STATUS_METHOD_NOT_ALLOWED, _ ("A webhook is called with POST"));
      return;
    }
  pipeline =
      ff_pipeline_registry_lookup (ff_orchestrator_get_registry (self->orchestrator), parts[0]);
  run_config = pipeline != NULL ? match_key (pipeline, parts[1], &has_webhooks) : NULL;
  if (pipeline == NULL || !has_webhooks)
    {
      reject (msg, parts[0], SOUP_STATUS_NOT_FOUND, _ ("No pipeline with webhooks of that name"));
      return;
    }
  if (run_config == NULL)
    {
      reject (msg, parts[0], SOUP_STATUS_UNAUTHORIZED, _ ("Wrong webhook key"));
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
