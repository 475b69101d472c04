/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include <gio/gunixsocketaddress.h>
#include <glib/gi18n-lib.h>
#include <libsoup/soup.h>

#include "ff-docker-client.h"

/*
 * A client of the Docker Engine API as a socket proxy passes it on. It
 * never talks to the engine's socket by design, but nothing here stops
 * that: the URL decides.
 *
 * Two sessions: quick requests get a timeout, so a hung proxy shows as
 * unreachable; requests that rightly stay silent (a log follow, /wait, a
 * stop that waits for the grace period) get none and their own pool of
 * connections, so that a follow and a wait per run cannot starve a stop.
 * Both pools are sized for the concurrent runs: libsoup's default of two
 * connections per host would make a stop wait until a container exits by
 * itself.
 */

#define QUICK_TIMEOUT_SECONDS 30
/* Below HAProxy's `timeout http-keep-alive`, so that libsoup drops an idle
 * connection before the proxy does and never sends a POST into a
 * connection that is being closed. */
#define IDLE_TIMEOUT_SECONDS 5
#define MIN_API_MAJOR 1
#define MIN_API_MINOR 30
#define ERROR_BODY_MAX 65536

struct _FfDockerClient
{
  GObject parent_instance;
  gchar *url;
  gchar *socket_path; /* for unix:// URLs */
  GUri *base;
  SoupSession *session;
  SoupSession *long_session;
  gchar *api_version;
  gchar *prefix; /* "/v1.41" once the version is known */
};

G_DEFINE_TYPE (FfDockerClient, ff_docker_client, G_TYPE_OBJECT)

typedef struct
{
  gchar *method;
  gchar *path; /* as sent: version prefix and query included */
  GBytes *body;
  FfDockerCallFlags flags;
  guint status;
  gboolean section_refused;
} Call;

static void
call_free (Call *call)
{
  g_free (call->method);
  g_free (call->path);
  g_clear_pointer (&call->body, g_bytes_unref);
  g_free (call);
}

static void
ff_docker_client_finalize (GObject *object)
{
  FfDockerClient *self = FF_DOCKER_CLIENT (object);

  g_free (self->url);
  g_free (self->socket_path);
  g_clear_pointer (&self->base, g_uri_unref);
  g_clear_object (&self->session);
  g_clear_object (&self->long_session);
  g_free (self->api_version);
  g_free (self->prefix);
  G_OBJECT_CLASS (ff_docker_client_parent_class)->finalize (object);
}

static void
ff_docker_client_class_init (FfDockerClientClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ff_docker_client_finalize;
}

static void
ff_docker_client_init (FfDockerClient *self)
{
  self->prefix = g_strdup ("");
}

static gboolean
parse_url (FfDockerClient *self, const gchar *url, GError **error)
{
  g_autoptr (GUri) uri = NULL;
  const gchar *scheme;

  uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  scheme = uri != NULL ? g_uri_get_scheme (uri) : NULL;
  if (g_strcmp0 (scheme, "unix") == 0 && g_path_is_absolute (g_uri_get_path (uri)))
    {
      self->socket_path = g_strdup (g_uri_get_path (uri));
      self->base = g_uri_parse ("http://localhost", G_URI_FLAGS_NONE, NULL);
      return TRUE;
    }
  /* tcp:// as DOCKER_HOST spells it: plain HTTP, like the proxy speaks. */
  if ((g_strcmp0 (scheme, "http") == 0 || g_strcmp0 (scheme, "tcp") == 0) &&
      g_uri_get_host (uri) != NULL && *g_uri_get_host (uri) != '\0')
    {
      self->base =
          g_uri_build (G_URI_FLAGS_NONE, "http", NULL, g_uri_get_host (uri),
                       g_uri_get_port (uri) > 0 ? g_uri_get_port (uri) : 2375, "/", NULL, NULL);
      return TRUE;
    }
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
               _ ("The Docker proxy URL “%s” is not supported: expected http://HOST:PORT or "
                  "unix:///PATH"),
               url);
  return FALSE;
}

/**
 * ff_docker_client_new:
 * @url: http://HOST:PORT, or unix:///PATH for a proxy on a socket
 * @max_connections: connections per pool; at least two per concurrent run
 */
FfDockerClient *
ff_docker_client_new (const gchar *url, guint max_connections, GError **error)
{
  g_autoptr (FfDockerClient) self = g_object_new (FF_TYPE_DOCKER_CLIENT, NULL);
  g_autoptr (GSocketAddress) address = NULL;
  g_autofree gchar *user_agent = g_strdup_printf ("fastflow/%s", FF_VERSION);

  g_return_val_if_fail (url != NULL, NULL);

  if (!parse_url (self, url, error))
    return NULL;
  self->url = g_strdup (url);
  if (self->socket_path != NULL)
    address = g_unix_socket_address_new (self->socket_path);
  max_connections = MAX (max_connections, 4);
  self->session = soup_session_new_with_options ("max-conns", max_connections, "max-conns-per-host",
                                                 max_connections, "timeout", QUICK_TIMEOUT_SECONDS,
                                                 "idle-timeout", IDLE_TIMEOUT_SECONDS, "user-agent",
                                                 user_agent, "remote-connectable", address, NULL);
  self->long_session = soup_session_new_with_options (
      "max-conns", max_connections, "max-conns-per-host", max_connections, "timeout", 0,
      "idle-timeout", IDLE_TIMEOUT_SECONDS, "user-agent", user_agent, "remote-connectable", address,
      NULL);
  return g_steal_pointer (&self);
}

const gchar *
ff_docker_client_get_url (FfDockerClient *self)
{
  g_return_val_if_fail (FF_IS_DOCKER_CLIENT (self), NULL);
  return self->url;
}

/* The socket a unix:// URL names, else %NULL. */
const gchar *
ff_docker_client_get_socket_path (FfDockerClient *self)
{
  g_return_val_if_fail (FF_IS_DOCKER_CLIENT (self), NULL);
  return self->socket_path;
}

/* "1.41" once a ping has read /version, else %NULL. */
const gchar *
ff_docker_client_get_api_version (FfDockerClient *self)
{
  g_return_val_if_fail (FF_IS_DOCKER_CLIENT (self), NULL);
  return self->api_version;
}

/**
 * ff_docker_client_dup_error_message:
 * @node: (nullable): an error body of the engine, {"message": "..."}
 *
 * Returns: (nullable): the message
 */
gchar *
ff_docker_client_dup_error_message (JsonNode *node)
{
  JsonObject *obj;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  obj = json_node_get_object (node);
  return g_strdup (json_object_get_string_member_with_default (obj, "message", NULL));
}

static JsonNode *
parse_json (GBytes *bytes)
{
  g_autoptr (JsonParser) parser = NULL;
  gsize len = 0;
  const gchar *data = bytes != NULL ? g_bytes_get_data (bytes, &len) : NULL;

  if (len == 0)
    return NULL;
  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, data, (gssize) len, NULL))
    return NULL;
  return json_parser_steal_root (parser);
}

/* The run keeps the message untranslated (ff_message_new): its history
 * then reads in whatever language its reader has. */
static GError *run_error (FfReason reason, const gchar *format, ...) G_GNUC_NULL_TERMINATED;

static GError *
run_error (FfReason reason, const gchar *format, ...)
{
  const gchar *arg[6] = { NULL };
  g_autofree gchar *message = NULL;
  va_list args;

  va_start (args, format);
  for (guint i = 0; i < G_N_ELEMENTS (arg) - 1 && (arg[i] = va_arg (args, const gchar *)); i++)
    ;
  va_end (args);
  message = ff_message_new (GETTEXT_PACKAGE, format, arg[0], arg[1], arg[2], arg[3], arg[4], NULL);
  return g_error_new_literal (FF_EXECUTOR_ERROR, reason, message);
}

static GError *
unreachable_error (FfDockerClient *self, GError *cause)
{
  if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return g_error_copy (cause);
  return run_error (FF_REASON_PROXY_UNREACHABLE, N_ ("Docker proxy is not reachable (%s): %s"),
                    self->url, cause->message, NULL);
}

static SoupMessage *
new_message (FfDockerClient *self, const gchar *method, const gchar *path, GBytes *body)
{
  g_autoptr (GUri) uri = g_uri_parse_relative (self->base, path, G_URI_FLAGS_ENCODED, NULL);
  SoupMessage *msg;

  g_assert (uri != NULL);
  msg = soup_message_new_from_uri (method, uri);
  if (body != NULL)
    soup_message_set_request_body_from_bytes (msg, "application/json", body);
  return msg;
}

/* The path without its version prefix and query, as people read it. */
static gchar *
display_path (const gchar *path)
{
  const gchar *p = path;

  if (g_str_has_prefix (p, "/v") && g_ascii_isdigit (p[2]))
    {
      const gchar *after = p + 2 + strspn (p + 2, "0123456789.");
      if (*after == '/')
        p = after;
    }
  return g_strndup (p, strcspn (p, "?"));
}

/* "/v1.41/containers/abc/start" → "containers"; the API section that one
 * proxy flag governs. */
static gchar *
section_of (const gchar *path)
{
  g_autofree gchar *plain = display_path (path);
  const gchar *start = plain + strspn (plain, "/");

  return g_strndup (start, strcspn (start, "/?"));
}

/* "_ping" → "PING", the name of the proxy's environment flag. */
static gchar *
flag_of (const gchar *section)
{
  g_autofree gchar *up = g_ascii_strup (section, -1);
  const gchar *name = up + strspn (up, "_");

  return g_strdup (*name != '\0' ? name : "CONTAINERS");
}

static gboolean
is_read_only (const gchar *method)
{
  return g_strcmp0 (method, "GET") == 0 || g_strcmp0 (method, "HEAD") == 0;
}

static GError *
forbidden_error (FfDockerClient *self, Call *call, gboolean section_refused, gboolean post_refused)
{
  g_autofree gchar *path = display_path (call->path);
  g_autofree gchar *section = section_of (call->path);
  g_autofree gchar *flag = flag_of (section);

  if (section_refused && post_refused)
    return run_error (FF_REASON_PROXY_FORBIDDEN,
                      N_ ("The Docker proxy (%s) refused “%s %s”: set %s=1 and POST=1 on the "
                          "proxy to allow it (POST=1 allows every request but GET and HEAD)"),
                      self->url, call->method, path, flag, NULL);
  if (section_refused)
    return run_error (FF_REASON_PROXY_FORBIDDEN,
                      N_ ("The Docker proxy (%s) refused “%s %s”: set %s=1 on the proxy to "
                          "allow it"),
                      self->url, call->method, path, flag, NULL);
  if (post_refused)
    return run_error (FF_REASON_PROXY_FORBIDDEN,
                      N_ ("The Docker proxy (%s) refused “%s %s”: set POST=1 on the proxy to "
                          "allow it (every request but GET and HEAD needs POST=1)"),
                      self->url, call->method, path, NULL);
  if (is_read_only (call->method))
    return run_error (FF_REASON_PROXY_FORBIDDEN,
                      N_ ("The Docker proxy (%s) refused “%s %s”, although %s=1 seems to be set; "
                          "the proxy has a stricter rule for this request, which must allow it"),
                      self->url, call->method, path, flag, NULL);
  return run_error (FF_REASON_PROXY_FORBIDDEN,
                    N_ ("The Docker proxy (%s) refused “%s %s”, although %s=1 and POST=1 seem to "
                        "be set; check the proxy's rules for this request"),
                    self->url, call->method, path, flag, NULL);
}

static void
on_probe_post (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  FfDockerClient *self = g_task_get_source_object (task);
  Call *call = g_task_get_task_data (task);
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), res);
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GError) error = NULL;

  bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), res, &error);
  if (error != NULL)
    {
      g_task_return_error (task, unreachable_error (self, error));
      return;
    }
  g_task_return_error (task, forbidden_error (self, call, call->section_refused,
                                              soup_message_get_status (msg) == 403));
}

static void
on_probe_section (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  FfDockerClient *self = g_task_get_source_object (task);
  Call *call = g_task_get_task_data (task);
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), res);
  g_autoptr (SoupMessage) probe = NULL;
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *path = NULL;
  GCancellable *cancellable;

  bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), res, &error);
  if (error != NULL)
    {
      g_task_return_error (task, unreachable_error (self, error));
      return;
    }
  call->section_refused = soup_message_get_status (msg) == 403;
  /* GET and HEAD pass the verb rule: the section was the only question */
  if (is_read_only (call->method))
    {
      g_task_return_error (task, forbidden_error (self, call, call->section_refused, FALSE));
      return;
    }

  /* The engine has no POST /_ping, so past the proxy it answers 404; only
   * the proxy's verb rule answers 403. Nothing changes on the engine. */
  path = g_strdup_printf ("%s/_ping", self->prefix);
  probe = new_message (self, "POST", path, NULL);
  cancellable = g_task_get_cancellable (task);
  soup_session_send_and_read_async (self->session, probe, G_PRIORITY_DEFAULT, cancellable,
                                    on_probe_post, g_steal_pointer (&task));
}

/* A 403 comes from the proxy when either the verb or the API section is
 * not allowed; which one, only a harmless request of each kind can tell. */
static void
explain_forbidden (GTask *task)
{
  FfDockerClient *self = g_task_get_source_object (task);
  Call *call = g_task_get_task_data (task);
  g_autofree gchar *section = section_of (call->path);
  g_autofree gchar *path = NULL;
  g_autoptr (SoupMessage) probe = NULL;

  /* A section that is allowed answers 404 for a container that cannot
   * exist; a refused one 403. */
  path = g_strdup_printf ("%s/%s/fastflow-probe/json", self->prefix, section);
  probe = new_message (self, "GET", path, NULL);
  soup_session_send_and_read_async (self->session, probe, G_PRIORITY_DEFAULT,
                                    g_task_get_cancellable (task), on_probe_section, task);
}

static GError *
status_error (FfDockerClient *self, Call *call, GBytes *bytes)
{
  g_autoptr (JsonNode) node = parse_json (bytes);
  g_autofree gchar *message = ff_docker_client_dup_error_message (node);
  g_autofree gchar *path = display_path (call->path);

  if (message == NULL && bytes != NULL && g_bytes_get_size (bytes) > 0)
    message = g_strstrip (
        g_strndup (g_bytes_get_data (bytes, NULL), MIN (g_bytes_get_size (bytes), 200)));
  g_autofree gchar *status = g_strdup_printf ("%u", call->status);

  return run_error (
      FF_REASON_ENGINE_ERROR, N_ ("The Docker engine behind %s failed on “%s %s” with HTTP %s: %s"),
      self->url, call->method, path, status, message != NULL ? message : _ ("no details"), NULL);
}

/* Takes over @task. Errors for what no caller handles itself: 403 and
 * 5xx; the rest comes back with its status. */
static void
handle_response (GTask *task, GBytes *bytes)
{
  FfDockerClient *self = g_task_get_source_object (task);
  Call *call = g_task_get_task_data (task);

  if (call->status == 403 && !(call->flags & FF_DOCKER_CALL_PROBE))
    {
      explain_forbidden (task);
      return;
    }
  if (call->status >= 500 && !(call->flags & FF_DOCKER_CALL_PROBE))
    g_task_return_error (task, status_error (self, call, bytes));
  else
    g_task_return_pointer (task, parse_json (bytes), (GDestroyNotify) json_node_unref);
  g_object_unref (task);
}

static void
on_call_sent (GObject *source, GAsyncResult *res, gpointer user_data)
{
  GTask *task = user_data;
  FfDockerClient *self = g_task_get_source_object (task);
  Call *call = g_task_get_task_data (task);
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), res);
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GError) error = NULL;

  bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), res, &error);
  if (error != NULL)
    {
      g_task_return_error (task, unreachable_error (self, error));
      g_object_unref (task);
      return;
    }
  call->status = soup_message_get_status (msg);
  handle_response (task, bytes);
}

static GTask *
new_call_task (FfDockerClient *self,
               const gchar *method,
               const gchar *path,
               GBytes *body,
               FfDockerCallFlags flags,
               GCancellable *cancellable,
               GAsyncReadyCallback callback,
               gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  Call *call = g_new0 (Call, 1);

  call->method = g_strdup (method);
  /* /_ping and /version answer without a version, before it is known. */
  call->path = g_strconcat (self->prefix, path, NULL);
  call->body = body != NULL ? g_bytes_ref (body) : NULL;
  call->flags = flags;
  g_task_set_task_data (task, call, (GDestroyNotify) call_free);
  return task;
}

/**
 * ff_docker_client_call_async:
 * @method: GET, POST, DELETE, ...
 * @path: the API path and query without the version, e.g.
 *   "/containers/create?name=x"; the version prefix is added
 * @body: (nullable): a JSON body
 *
 * One request, its response read whole.
 */
void
ff_docker_client_call_async (FfDockerClient *self,
                             const gchar *method,
                             const gchar *path,
                             JsonNode *body,
                             FfDockerCallFlags flags,
                             GCancellable *cancellable,
                             GAsyncReadyCallback callback,
                             gpointer user_data)
{
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (SoupMessage) msg = NULL;
  GTask *task;
  Call *call;

  g_return_if_fail (FF_IS_DOCKER_CLIENT (self));
  g_return_if_fail (method != NULL && path != NULL);

  if (body != NULL)
    {
      gchar *text = json_to_string (body, FALSE);
      bytes = g_bytes_new_take (text, strlen (text));
    }
  task = new_call_task (self, method, path, bytes, flags, cancellable, callback, user_data);
  g_task_set_source_tag (task, ff_docker_client_call_async);
  call = g_task_get_task_data (task);
  msg = new_message (self, method, call->path, bytes);
  soup_session_send_and_read_async (flags & FF_DOCKER_CALL_LONG ? self->long_session
                                                                : self->session,
                                    msg, G_PRIORITY_DEFAULT, cancellable, on_call_sent, task);
}

/**
 * ff_docker_client_call_finish:
 * @status: (out) (optional): the HTTP status
 *
 * Returns: (transfer full) (nullable): the response as JSON; %NULL without
 *   an error when the body is empty or not JSON. A 403 of the proxy, a 5xx
 *   of the engine and a failed connection are errors in
 *   %FF_EXECUTOR_ERROR; other statuses are for the caller to judge.
 */
JsonNode *
ff_docker_client_call_finish (FfDockerClient *self,
                              GAsyncResult *result,
                              guint *status,
                              GError **error)
{
  Call *call;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  call = g_task_get_task_data (G_TASK (result));
  if (status != NULL)
    *status = call->status;
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
on_stream_error_read (GObject *source, GAsyncResult *res, gpointer user_data)
{
  GTask *task = user_data;
  FfDockerClient *self = g_task_get_source_object (task);
  Call *call = g_task_get_task_data (task);
  g_autoptr (GBytes) bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), res, NULL);

  if (call->status == 403 || call->status >= 500)
    {
      handle_response (task, bytes);
      return;
    }
  g_task_return_error (task, status_error (self, call, bytes));
  g_object_unref (task);
}

static void
on_stream_sent (GObject *source, GAsyncResult *res, gpointer user_data)
{
  GTask *task = user_data;
  FfDockerClient *self = g_task_get_source_object (task);
  Call *call = g_task_get_task_data (task);
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), res);
  g_autoptr (GInputStream) stream = NULL;
  g_autoptr (GError) error = NULL;

  stream = soup_session_send_finish (SOUP_SESSION (source), res, &error);
  if (stream == NULL)
    {
      g_task_return_error (task, unreachable_error (self, error));
      g_object_unref (task);
      return;
    }
  call->status = soup_message_get_status (msg);
  if (call->status == 200)
    {
      g_task_return_pointer (task, g_steal_pointer (&stream), g_object_unref);
      g_object_unref (task);
      return;
    }
  g_input_stream_read_bytes_async (stream, ERROR_BODY_MAX, G_PRIORITY_DEFAULT,
                                   g_task_get_cancellable (task), on_stream_error_read, task);
}

/**
 * ff_docker_client_stream_async:
 * @path: as for ff_docker_client_call_async()
 *
 * A GET whose body is read as it arrives (a log follow), on the pool
 * without a timeout.
 */
void
ff_docker_client_stream_async (FfDockerClient *self,
                               const gchar *path,
                               GCancellable *cancellable,
                               GAsyncReadyCallback callback,
                               gpointer user_data)
{
  g_autoptr (SoupMessage) msg = NULL;
  GTask *task;
  Call *call;

  g_return_if_fail (FF_IS_DOCKER_CLIENT (self));
  g_return_if_fail (path != NULL);

  task = new_call_task (self, "GET", path, NULL, FF_DOCKER_CALL_LONG, cancellable, callback,
                        user_data);
  g_task_set_source_tag (task, ff_docker_client_stream_async);
  call = g_task_get_task_data (task);
  msg = new_message (self, "GET", call->path, NULL);
  soup_session_send_async (self->long_session, msg, G_PRIORITY_DEFAULT, cancellable, on_stream_sent,
                           task);
}

/**
 * ff_docker_client_stream_finish:
 *
 * Returns: (transfer full): the body; any status but 200 is an error
 */
GInputStream *
ff_docker_client_stream_finish (FfDockerClient *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static gboolean
api_version_supported (const gchar *version)
{
  guint64 major = 0, minor = 0;
  g_auto (GStrv) parts = g_strsplit (version, ".", 3);

  if (g_strv_length (parts) < 2 ||
      !g_ascii_string_to_unsigned (parts[0], 10, 0, 99, &major, NULL) ||
      !g_ascii_string_to_unsigned (parts[1], 10, 0, 999, &minor, NULL))
    return FALSE;
  return major > MIN_API_MAJOR || (major == MIN_API_MAJOR && minor >= MIN_API_MINOR);
}

static void
on_version (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  FfDockerClient *self = FF_DOCKER_CLIENT (source);
  g_autoptr (JsonNode) node = NULL;
  g_autoptr (GError) error = NULL;
  const gchar *version = NULL;
  guint status = 0;

  node = ff_docker_client_call_finish (self, res, &status, &error);
  if (node == NULL && error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (status == 200 && node != NULL && JSON_NODE_HOLDS_OBJECT (node))
    version = json_object_get_string_member_with_default (json_node_get_object (node), "ApiVersion",
                                                          NULL);
  if (version == NULL)
    {
      g_task_return_new_error (task, FF_EXECUTOR_ERROR, FF_REASON_ENGINE_ERROR,
                               _ ("The Docker engine behind %s did not tell its API version "
                                  "(GET /version answered HTTP %u)"),
                               self->url, status);
      return;
    }
  if (!api_version_supported (version))
    {
      g_task_return_new_error (task, FF_EXECUTOR_ERROR, FF_REASON_ENGINE_ERROR,
                               _ ("The Docker engine behind %s speaks API %s, but fastflow needs "
                                  "API %d.%d or newer"),
                               self->url, version, MIN_API_MAJOR, MIN_API_MINOR);
      return;
    }
  g_free (self->api_version);
  self->api_version = g_strdup (version);
  g_free (self->prefix);
  self->prefix = g_strdup_printf ("/v%s", version);
  g_task_return_boolean (task, TRUE);
}

static void
on_ping (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  FfDockerClient *self = FF_DOCKER_CLIENT (source);
  g_autoptr (JsonNode) node = NULL;
  g_autoptr (GError) error = NULL;
  GCancellable *cancellable;
  guint status = 0;

  node = ff_docker_client_call_finish (self, res, &status, &error);
  if (error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (status != 200)
    {
      g_task_return_new_error (task, FF_EXECUTOR_ERROR, FF_REASON_ENGINE_ERROR,
                               _ ("%s does not answer like a Docker engine: GET /_ping answered "
                                  "HTTP %u"),
                               self->url, status);
      return;
    }
  if (self->api_version != NULL)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  cancellable = g_task_get_cancellable (task);
  ff_docker_client_call_async (self, "GET", "/version", NULL, FF_DOCKER_CALL_NONE, cancellable,
                               on_version, g_steal_pointer (&task));
}

/**
 * ff_docker_client_ping_async:
 *
 * GET /_ping, and GET /version the first time, which fixes the API
 * version of every later request.
 */
void
ff_docker_client_ping_async (FfDockerClient *self,
                             GCancellable *cancellable,
                             GAsyncReadyCallback callback,
                             gpointer user_data)
{
  GTask *task;

  g_return_if_fail (FF_IS_DOCKER_CLIENT (self));
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ff_docker_client_ping_async);
  ff_docker_client_call_async (self, "GET", "/_ping", NULL, FF_DOCKER_CALL_NONE, cancellable,
                               on_ping, task);
}

gboolean
ff_docker_client_ping_finish (FfDockerClient *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
