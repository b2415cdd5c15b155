/* http.c - libmicrohttpd in external-polling mode on the GLib main loop: its
 * epoll fd is watched with g_unix_fd_add and MHD_run() is called on readiness
 * and on MHD's own timeout. Everything runs on the main thread, so handlers
 * touch the store and the event hub directly.
 *
 * Order of checks for every request: Host, Origin, then (API only) the token,
 * the body size, and the API's own route/method/type checks. */
#define G_LOG_DOMAIN "http"

#include "http.h"

#include "static_files.h"
#include "ws_frame.h"

#include <glib-unix.h>
#include <microhttpd.h>
#include <string.h>

#define MAX_BODY (64 * 1024)
#define IDLE_TIMEOUT_S 5
#define EVENT_BACKLOG (1024 * 1024)
#define API_PREFIX "/api/"
#define EVENTS_PATH "/api/v1/events"

struct ars_http {
	struct MHD_Daemon *mhd;
	guint epoll_src, timer_src;
	struct ars_guard guard;
	struct ars_api_ctx *api;
	GPtrArray *upgraded; /* of struct upgraded*, owned */
};

struct upgraded {
	struct ars_http *http;
	struct MHD_UpgradeResponseHandle *urh;
	struct ars_ws_conn *ws;
};

/* Per-request state, kept across MHD's calls for one request. */
struct request {
	GByteArray *body;
	bool too_large;
};

static void rearm_timer(struct ars_http *h);

static void run(struct ars_http *h)
{
	MHD_run(h->mhd);
	rearm_timer(h);
}

static gboolean on_timer(gpointer data)
{
	struct ars_http *h = data;
	h->timer_src = 0;
	run(h);
	return G_SOURCE_REMOVE;
}

static void rearm_timer(struct ars_http *h)
{
	MHD_UNSIGNED_LONG_LONG ms;
	if (h->timer_src) {
		g_source_remove(h->timer_src);
		h->timer_src = 0;
	}
	if (MHD_get_timeout(h->mhd, &ms) == MHD_YES)
		h->timer_src = g_timeout_add((guint)MIN(ms, 60000), on_timer, h);
}

static gboolean on_epoll(int fd, GIOCondition cond, gpointer data)
{
	run(data);
	return G_SOURCE_CONTINUE;
}

/* --- responses -------------------------------------------------------------- */

static void add_common_headers(struct MHD_Response *r)
{
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
}

static enum MHD_Result send_reply(struct MHD_Connection *c, struct ars_api_reply *rep)
{
	struct MHD_Response *r;
	if (rep->body) {
		char *text = json_dumps(rep->body, JSON_COMPACT);
		r = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
		MHD_add_response_header(r, "Content-Type", "application/json; charset=utf-8");
	} else {
		r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
	}
	add_common_headers(r);
	if (rep->location)
		MHD_add_response_header(r, "Location", rep->location);
	if (rep->allow)
		MHD_add_response_header(r, "Allow", rep->allow);
	if (rep->status == 401)
		MHD_add_response_header(r, "WWW-Authenticate", "Bearer realm=\"arsphone\"");
	enum MHD_Result ret = MHD_queue_response(c, rep->status, r);
	MHD_destroy_response(r);
	ars_api_reply_clear(rep);
	return ret;
}

static enum MHD_Result send_error(struct MHD_Connection *c, unsigned status, const char *code,
				  const char *message)
{
	struct ars_api_reply rep = {0};
	ars_api_error(&rep, status, code, message, NULL);
	return send_reply(c, &rep);
}

static enum MHD_Result send_static(struct ars_http *h, struct MHD_Connection *c, const char *method,
				   const char *url)
{
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		struct ars_api_reply rep = {0};
		ars_api_error(&rep, 405, "method_not_allowed", "static files take GET and HEAD", NULL);
		rep.allow = "GET, HEAD";
		return send_reply(c, &rep);
	}
	const void *data;
	size_t len;
	const char *type;
	if (!ars_static_lookup(url, &data, &len, &type))
		return send_error(c, 404, "not_found", "no such file");
	struct MHD_Response *r =
		MHD_create_response_from_buffer(len, (void *)data, MHD_RESPMEM_PERSISTENT);
	add_common_headers(r);
	MHD_add_response_header(r, "Content-Type", type);
	g_autofree char *csp = g_strdup_printf(
		"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
		"connect-src 'self' ws://%s ws://%s; frame-ancestors 'none'; base-uri 'none'; "
		"form-action 'none'",
		h->guard.hosts[0], h->guard.hosts[1]);
	MHD_add_response_header(r, "Content-Security-Policy", csp);
	enum MHD_Result ret = MHD_queue_response(c, 200, r);
	MHD_destroy_response(r);
	return ret;
}

/* --- the event WebSocket ---------------------------------------------------- */

static void on_ws_closed(struct ars_ws_conn *ws, void *arg)
{
	struct upgraded *u = arg;
	struct ars_http *h = u->http;
	g_ptr_array_remove_fast(h->upgraded, u); /* frees u: see upgraded_free */
	run(h);
}

static void upgraded_free(gpointer data)
{
	struct upgraded *u = data;
	ars_events_remove_client(u->http->api->events, u->ws);
	ars_ws_conn_free(u->ws);
	MHD_upgrade_action(u->urh, MHD_UPGRADE_ACTION_CLOSE);
	g_free(u);
}

static void on_upgraded(void *cls, struct MHD_Connection *c, void *con_cls, const char *extra_in,
			size_t extra_in_size, MHD_socket sock, struct MHD_UpgradeResponseHandle *urh)
{
	struct ars_http *h = cls;
	struct upgraded *u = g_new0(struct upgraded, 1);
	u->http = h;
	u->urh = urh;
	u->ws = ars_ws_conn_new(sock, extra_in, extra_in_size, EVENT_BACKLOG, on_ws_closed, u);
	g_ptr_array_add(h->upgraded, u);
	ars_events_add_client(h->api->events, u->ws);
}

static bool header_has_token(const char *value, const char *token)
{
	if (!value)
		return false;
	g_auto(GStrv) parts = g_strsplit(value, ",", -1);
	for (char **p = parts; *p; p++)
		if (g_ascii_strcasecmp(g_strstrip(*p), token) == 0)
			return true;
	return false;
}

static enum MHD_Result upgrade_events(struct ars_http *h, struct MHD_Connection *c, const char *method)
{
	const char *token = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "token");
	if (!ars_guard_token_ok(&h->guard, token))
		return send_error(c, 401, "unauthorized", "add ?token=TOKEN to the URL");
	if (strcmp(method, "GET") != 0) {
		struct ars_api_reply rep = {0};
		ars_api_error(&rep, 405, "method_not_allowed", "the event stream takes GET", NULL);
		rep.allow = "GET";
		return send_reply(c, &rep);
	}
	const char *upgrade = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Upgrade");
	const char *connection = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Connection");
	const char *version = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Sec-WebSocket-Version");
	g_autofree char *accept =
		ars_ws_accept_key(MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Sec-WebSocket-Key"));
	if (!header_has_token(upgrade, "websocket") || !header_has_token(connection, "upgrade") ||
	    g_strcmp0(version, "13") != 0 || !accept)
		return send_error(c, 400, "bad_websocket_request",
				  "this path is a WebSocket (RFC 6455, version 13)");

	struct MHD_Response *r = MHD_create_response_for_upgrade(on_upgraded, h);
	MHD_add_response_header(r, "Upgrade", "websocket");
	MHD_add_response_header(r, "Sec-WebSocket-Accept", accept);
	enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_SWITCHING_PROTOCOLS, r);
	MHD_destroy_response(r);
	return ret;
}

/* --- requests --------------------------------------------------------------- */

/* The checks that need only the request line and headers. Returns true when a
 * response was queued. */
static bool refuse_early(struct ars_http *h, struct MHD_Connection *c, const char *url,
			 enum MHD_Result *ret)
{
	const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
	const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
	if (!ars_guard_host_ok(&h->guard, host)) {
		g_info("refused a request for Host %s", host ? host : "(none)");
		*ret = send_error(c, 403, "forbidden_host", "the Host header must name this daemon");
		return true;
	}
	if (!ars_guard_origin_ok(&h->guard, origin)) {
		g_info("refused a request from Origin %s", origin);
		*ret = send_error(c, 403, "forbidden_origin", "requests from other sites are refused");
		return true;
	}
	if (!g_str_has_prefix(url, API_PREFIX) || strcmp(url, EVENTS_PATH) == 0)
		return false;
	if (!ars_guard_bearer_ok(&h->guard,
				 MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization"))) {
		*ret = send_error(c, 401, "unauthorized", "send Authorization: Bearer TOKEN");
		return true;
	}
	const char *length = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
	guint64 n;
	if (length && g_ascii_string_to_unsigned(length, 10, 0, G_MAXUINT64, &n, NULL) && n > MAX_BODY) {
		*ret = send_error(c, 413, "payload_too_large", "the body is larger than 64 KiB");
		return true;
	}
	return false;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	struct ars_http *h = cls;
	struct request *req = *con_cls;

	if (!req) {
		req = g_new0(struct request, 1);
		req->body = g_byte_array_new();
		*con_cls = req;
		enum MHD_Result ret;
		if (refuse_early(h, c, url, &ret))
			return ret;
		if (strcmp(url, EVENTS_PATH) == 0)
			return upgrade_events(h, c, method);
		return MHD_YES;
	}
	if (*upload_size) {
		if (req->body->len + *upload_size > MAX_BODY)
			req->too_large = true;
		else
			g_byte_array_append(req->body, (const guint8 *)upload, (guint)*upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	if (req->too_large)
		return send_error(c, 413, "payload_too_large", "the body is larger than 64 KiB");
	if (!g_str_has_prefix(url, API_PREFIX))
		return send_static(h, c, method, url);

	g_debug("%s %s", method, url);
	struct ars_api_reply rep = {0};
	ars_api_handle(h->api, method, url,
		       MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type"),
		       (const char *)req->body->data, req->body->len, &rep);
	return send_reply(c, &rep);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct request *req = *con_cls;
	if (!req)
		return;
	g_byte_array_unref(req->body);
	g_free(req);
	*con_cls = NULL;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	g_autofree char *msg = g_strdup_vprintf(fmt, ap);
	g_debug("libmicrohttpd: %s", g_strchomp(msg));
}

struct ars_http *ars_http_start(int listen_fd, const struct ars_guard *guard,
				struct ars_api_ctx *api, GError **err)
{
	struct ars_http *h = g_new0(struct ars_http, 1);
	h->guard = *guard;
	h->api = api;
	h->upgraded = g_ptr_array_new_with_free_func(upgraded_free);
	h->mhd = MHD_start_daemon(MHD_USE_EPOLL | MHD_ALLOW_UPGRADE | MHD_USE_ERROR_LOG, 0, NULL, NULL,
				  on_request, h, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, h,
				  MHD_OPTION_LISTEN_SOCKET, listen_fd,
				  MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
				  /* Short: MHD's edge-triggered epoll can miss an EOF that
				   * arrives with the last data, so a half-sent request from a
				   * peer that went away is reaped by this timeout instead. */
				  MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)IDLE_TIMEOUT_S,
				  MHD_OPTION_CONNECTION_LIMIT, (unsigned)128, MHD_OPTION_END);
	if (!h->mhd) {
		g_set_error(err, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot start the HTTP server");
		g_ptr_array_unref(h->upgraded);
		g_free(h);
		return NULL;
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(h->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	h->epoll_src = g_unix_fd_add(info->epoll_fd, G_IO_IN, on_epoll, h);
	rearm_timer(h);
	return h;
}

void ars_http_stop(struct ars_http *h)
{
	if (!h)
		return;
	g_ptr_array_set_size(h->upgraded, 0); /* before MHD_stop_daemon, as MHD requires */
	g_ptr_array_unref(h->upgraded);
	if (h->timer_src)
		g_source_remove(h->timer_src);
	g_source_remove(h->epoll_src);
	MHD_stop_daemon(h->mhd);
	g_free(h);
}
