/* transport_wss.c - SIP over WebSocket flows with libwebsockets on the GLib
 * loop. DESIGN: lws calls us from inside its own processing; anything that
 * may end a flow (the owner closing it, an error) is handed to a fresh
 * main-loop iteration, and a flow detaches itself from its wsi before it is
 * freed, so lws never calls back into freed memory. TLS trust is per vhost in
 * lws, so flows share one client vhost per set of trusted CAs; pin and
 * insecure modes decide in the verification callback, per connection. */
#define G_LOG_DOMAIN "sip-transport"

#include "transport_wss.h"

#include "trace.h"
#include "../wsurl.h"

#include <gio/gio.h>
#include <libwebsockets.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <string.h>

#define CONNECT_TIMEOUT_MS 10000

/* Client vhosts by CA file ("" for the system CAs only). lws keeps TLS trust
 * per vhost; they live as long as the context, since destroying a vhost while
 * lws may still be inside one of its connections' callbacks is unsafe. */
struct vhosts {
	GHashTable *by_ca; /* char* -> struct lws_vhost* */
	guint serial;
};

struct ars_sip_flow {
	struct lws_context *ctx;
	struct lws *wsi;
	struct ars_wsurl url;
	char *address;	/* where to connect: an IP literal */
	char *target;	/* "host:port" */
	char *host_hdr; /* Host header, SNI and certificate name */
	enum ars_tls_mode tls_mode;
	char *ca_file;
	char *pin_sha256;
	char *label;
	bool trace;

	bool up, closed;
	GCancellable *resolving;
	guint connect_timer, down_src;
	GQueue outq;	  /* of GBytes (with LWS_PRE headroom) */
	GString *partial; /* a message arriving in fragments */

	/* What TLS verification saw, for the error report. */
	int verify_error;
	bool pin_mismatch;
	bool no_subprotocol;
	struct ars_cert_info *cert;
	struct ars_sip_flow_error error;

	ars_sip_flow_up_h *up_h;
	ars_sip_flow_recv_h *recv_h;
	ars_sip_flow_down_h *down_h;
	void *arg;
};

/* --- certificates ------------------------------------------------------------ */

void ars_cert_info_free(struct ars_cert_info *c)
{
	if (!c)
		return;
	g_free(c->sha256);
	g_free(c->subject);
	g_free(c->issuer);
	g_free(c->not_before);
	g_free(c->not_after);
	g_free(c);
}

void ars_sip_flow_error_clear(struct ars_sip_flow_error *e)
{
	g_clear_pointer(&e->reason, g_free);
	g_clear_pointer(&e->cert, ars_cert_info_free);
	e->error = NULL;
	e->http_status = 0;
}

static char *fingerprint(X509 *cert)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	if (!X509_digest(cert, EVP_sha256(), md, &n))
		return NULL;
	GString *s = g_string_new(NULL);
	for (unsigned int i = 0; i < n; i++)
		g_string_append_printf(s, "%s%02X", i ? ":" : "", md[i]);
	return g_string_free(s, FALSE);
}

static char *name_text(const X509_NAME *name)
{
	BIO *b = BIO_new(BIO_s_mem());
	X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253);
	char *data;
	long len = BIO_get_mem_data(b, &data);
	char *s = g_strndup(data, (gsize)len);
	BIO_free(b);
	return s;
}

static char *time_text(const ASN1_TIME *t)
{
	struct tm tm;
	if (!ASN1_TIME_to_tm(t, &tm))
		return NULL;
	char buf[32];
	strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return g_strdup(buf);
}

static struct ars_cert_info *cert_info(X509 *cert)
{
	struct ars_cert_info *c = g_new0(struct ars_cert_info, 1);
	c->sha256 = fingerprint(cert);
	c->subject = name_text(X509_get_subject_name(cert));
	c->issuer = name_text(X509_get_issuer_name(cert));
	c->not_before = time_text(X509_get0_notBefore(cert));
	c->not_after = time_text(X509_get0_notAfter(cert));
	return c;
}

/* Decides on one step of chain verification (OpenSSL calls it per depth and
 * per problem). Returns 0 to go on, non-zero to fail the handshake. */
static int verify_step(struct ars_sip_flow *f, X509_STORE_CTX *store, int preverify_ok)
{
	X509 *leaf = X509_STORE_CTX_get0_cert(store);
	if (leaf && !f->cert)
		f->cert = cert_info(leaf);
	int depth = X509_STORE_CTX_get_error_depth(store);

	switch (f->tls_mode) {
	case ARS_TLS_INSECURE:
		X509_STORE_CTX_set_error(store, X509_V_OK);
		return 0;
	case ARS_TLS_PIN: {
		/* The pin replaces chain and name checks: only the leaf matters. */
		X509 *current = X509_STORE_CTX_get_current_cert(store);
		if (depth == 0 && current) {
			g_autofree char *fp = fingerprint(current);
			if (g_strcmp0(fp, f->pin_sha256) != 0) {
				f->pin_mismatch = true;
				return 1;
			}
		}
		X509_STORE_CTX_set_error(store, X509_V_OK);
		return 0;
	}
	case ARS_TLS_VERIFY:
		if (!preverify_ok && !f->verify_error)
			f->verify_error = X509_STORE_CTX_get_error(store);
		return 0;
	}
	return 1;
}

/* --- errors ------------------------------------------------------------------ */

static void set_error(struct ars_sip_flow *f, const char *code, char *reason)
{
	if (f->error.error) { /* the first cause wins */
		g_free(reason);
		return;
	}
	f->error.error = code;
	f->error.reason = reason;
}

static void classify_tls(struct ars_sip_flow *f)
{
	if (f->pin_mismatch) {
		set_error(f, "tls_pin_mismatch",
			  g_strdup_printf("the certificate of %s (%s) is not the pinned one (its SHA-256 is %s)",
					  f->url.host, f->target, f->cert ? f->cert->sha256 : "unknown"));
	} else if (f->verify_error == X509_V_ERR_HOSTNAME_MISMATCH ||
		   f->verify_error == X509_V_ERR_IP_ADDRESS_MISMATCH) {
		set_error(f, "tls_name_mismatch",
			  g_strdup_printf("the certificate of %s (%s) is for another name (%s)", f->url.host,
					  f->target, f->cert ? f->cert->subject : "unknown"));
	} else if (f->verify_error) {
		set_error(f, "tls_untrusted",
			  g_strdup_printf("the certificate of %s (%s) is not trusted (%s)", f->url.host,
					  f->target, X509_verify_cert_error_string(f->verify_error)));
	}
	if (f->error.error && g_str_has_prefix(f->error.error, "tls_"))
		f->error.cert = g_steal_pointer(&f->cert);
}

/* Turns what lws reported into a code of schema/api.md. */
static void classify_connect_error(struct ars_sip_flow *f, const char *what, int http_status)
{
	what = what ? what : "";
	classify_tls(f);
	if (f->no_subprotocol)
		set_error(f, "ws_no_subprotocol",
			  g_strdup_printf("%s accepted the WebSocket but not the \"sip\" subprotocol: is "
					  "this a SIP WebSocket address?",
					  f->target));
	else if (http_status && http_status != 101)
		set_error(f, "ws_handshake_failed",
			  g_strdup_printf("%s refused the WebSocket with HTTP %d: check the path of the "
					  "server address",
					  f->target, http_status));
	else if (strstr(what, "SSL") || strstr(what, "ssl") || strstr(what, "tls"))
		set_error(f, "tls_failed",
			  g_strdup_printf("the TLS handshake with %s failed (%s): is this a wss:// server?",
					  f->target, what));
	else if (strstr(what, "HS:") || strstr(what, "ws upgrade"))
		set_error(f, "ws_handshake_failed",
			  g_strdup_printf("%s did not complete the WebSocket handshake (%s)", f->target, what));
	else
		set_error(f, "connection_refused",
			  g_strdup_printf("cannot connect to %s: nothing answers there (%s)", f->target, what));
	if (http_status && http_status != 101)
		f->error.http_status = http_status;
}

static gboolean report_down(gpointer data)
{
	struct ars_sip_flow *f = data;
	f->down_src = 0;
	f->down_h(&f->error, f->arg);
	return G_SOURCE_REMOVE;
}

/* The flow is dead: detach from the wsi and tell the owner once, later. */
static void flow_down(struct ars_sip_flow *f)
{
	if (f->closed || f->down_src)
		return;
	if (f->wsi) {
		lws_set_opaque_user_data(f->wsi, NULL);
		f->wsi = NULL;
	}
	if (f->connect_timer) {
		g_source_remove(f->connect_timer);
		f->connect_timer = 0;
	}
	f->up = false;
	if (!f->error.error)
		set_error(f, "connection_lost", g_strdup_printf("the connection to %s was lost", f->target));
	g_info("%s: flow to %s down: %s", f->label, f->target, f->error.reason);
	f->down_src = g_idle_add(report_down, f);
}

/* --- lws callback ------------------------------------------------------------- */

static void send_next(struct ars_sip_flow *f)
{
	GBytes *b = g_queue_pop_head(&f->outq);
	if (!b)
		return;
	gsize size;
	unsigned char *p = (unsigned char *)g_bytes_get_data(b, &size);
	size_t len = size - LWS_PRE;
	if (lws_write(f->wsi, p + LWS_PRE, len, LWS_WRITE_TEXT) < (int)len) {
		set_error(f, "connection_lost", g_strdup_printf("sending to %s failed", f->target));
		g_bytes_unref(b);
		flow_down(f);
		return;
	}
	g_bytes_unref(b);
	if (!g_queue_is_empty(&f->outq))
		lws_callback_on_writable(f->wsi);
}

static int on_lws(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	struct ars_sip_flow *f = wsi ? lws_get_opaque_user_data(wsi) : NULL;
	char proto[64];

	switch (reason) {
	case LWS_CALLBACK_OPENSSL_PERFORM_SERVER_CERT_VERIFICATION:
		/* Delivered to the first vhost's protocol whatever the connection:
		 * the flow comes from the wsi, never from user. */
		return f ? verify_step(f, user, (int)len) : 1;
	case LWS_CALLBACK_CLIENT_FILTER_PRE_ESTABLISH:
		if (!f)
			return -1;
		if (lws_hdr_copy(wsi, proto, sizeof proto, WSI_TOKEN_PROTOCOL) <= 0 ||
		    g_ascii_strcasecmp(proto, "sip") != 0) {
			f->no_subprotocol = true;
			return -1;
		}
		return 0;
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		if (!f)
			return -1;
		f->up = true;
		g_clear_handle_id(&f->connect_timer, g_source_remove);
		if (f->tls_mode == ARS_TLS_INSECURE && f->url.secure)
			g_warning("%s: connected to %s WITHOUT checking its certificate (insecure mode)",
				  f->label, f->target);
		g_info("%s: connected to %s", f->label, f->target);
		f->up_h(f->arg);
		return 0;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		if (!f)
			return -1;
		g_string_append_len(f->partial, in, (gssize)len);
		if (f->partial->len > 2 * 65536) {
			set_error(f, "connection_lost", g_strdup_printf("%s sent an oversized message", f->target));
			flow_down(f);
			return -1;
		}
		if (lws_is_final_fragment(wsi)) {
			g_autofree char *msg = g_strndup(f->partial->str, f->partial->len);
			size_t n = f->partial->len;
			g_string_truncate(f->partial, 0);
			if (f->trace)
				ars_sip_trace(f->label, false, msg, n);
			f->recv_h(msg, n, f->arg);
		}
		return 0;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		if (f)
			send_next(f);
		return 0;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		if (f) {
			classify_connect_error(f, in, (int)lws_http_client_http_response(wsi));
			flow_down(f);
		}
		return 0;
	case LWS_CALLBACK_CLIENT_CLOSED:
	case LWS_CALLBACK_WSI_DESTROY:
		if (f)
			flow_down(f);
		return 0;
	default:
		return 0;
	}
}

static const lws_retry_bo_t keepalive = {
	.secs_since_valid_ping = 30,   /* a WebSocket ping after 30 s of silence */
	.secs_since_valid_hangup = 45, /* and the flow is dead 15 s later */
};

static const struct lws_protocols protocols[] = {
	{"sip", on_lws, 0, 65536, 0, NULL, 0},
	{NULL, NULL, 0, 0, 0, NULL, 0},
};

/* --- connecting --------------------------------------------------------------- */

static gboolean connect_timed_out(gpointer data)
{
	struct ars_sip_flow *f = data;
	f->connect_timer = 0;
	set_error(f, "connection_timeout",
		  g_strdup_printf("%s does not answer (no connection after %d s)", f->target,
				  CONNECT_TIMEOUT_MS / 1000));
	if (f->wsi)
		lws_set_timeout(f->wsi, PENDING_TIMEOUT_KILLED_BY_PARENT, LWS_TO_KILL_ASYNC);
	flow_down(f);
	return G_SOURCE_REMOVE;
}

static struct lws_vhost *vhost_for(struct lws_context *ctx, const char *ca_file)
{
	struct vhosts *v = lws_context_user(ctx);
	const char *key = ca_file ? ca_file : "";
	struct lws_vhost *vh = g_hash_table_lookup(v->by_ca, key);
	if (vh)
		return vh;
	g_autofree char *name = g_strdup_printf("trust-%u", ++v->serial);
	struct lws_context_creation_info vi = {0};
	vi.port = CONTEXT_PORT_NO_LISTEN;
	vi.protocols = protocols;
	vi.vhost_name = name;
	vi.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	vi.client_ssl_ca_filepath = ca_file;
	vh = lws_create_vhost(ctx, &vi);
	if (vh)
		g_hash_table_insert(v->by_ca, g_strdup(key), vh);
	return vh;
}

static void start_connect(struct ars_sip_flow *f)
{
	struct lws_vhost *vhost = vhost_for(f->ctx, f->ca_file);
	if (!vhost) {
		set_error(f, "tls_failed", g_strdup("cannot set up TLS for this account (see the log)"));
		flow_down(f);
		return;
	}
	struct lws_client_connect_info ci = {0};
	ci.context = f->ctx;
	ci.vhost = vhost;
	ci.address = f->address;
	ci.port = f->url.port;
	ci.path = f->url.path;
	ci.host = f->host_hdr;
	ci.origin = NULL;
	ci.protocol = "sip";
	ci.local_protocol_name = "sip";
	ci.ssl_connection = f->url.secure ? LCCSCF_USE_SSL : 0;
	ci.retry_and_idle_policy = &keepalive;
	ci.opaque_user_data = f;
	f->connect_timer = g_timeout_add(CONNECT_TIMEOUT_MS, connect_timed_out, f);
	f->wsi = lws_client_connect_via_info(&ci);
	if (!f->wsi && !f->error.error) {
		set_error(f, "connection_refused", g_strdup_printf("cannot connect to %s", f->target));
		flow_down(f);
	}
}

static void resolved(GObject *src, GAsyncResult *res, gpointer data)
{
	g_autoptr(GError) err = NULL;
	GList *addrs = g_resolver_lookup_by_name_finish(G_RESOLVER(src), res, &err);
	if (g_error_matches(err, G_IO_ERROR, G_IO_ERROR_CANCELLED))
		return; /* the flow is gone */
	struct ars_sip_flow *f = data;
	g_clear_object(&f->resolving);
	if (!addrs) {
		set_error(f, "dns_failed",
			  g_strdup_printf("the name %s does not resolve (%s); check it, or map it to an "
					  "address in host_map",
					  f->url.host, err ? err->message : "no address"));
		flow_down(f);
		return;
	}
	/* Prefer IPv4: it is what PBX WebSocket listeners most often bind. */
	GInetAddress *pick = addrs->data;
	for (GList *l = addrs; l; l = l->next)
		if (g_inet_address_get_family(l->data) == G_SOCKET_FAMILY_IPV4) {
			pick = l->data;
			break;
		}
	f->address = g_inet_address_to_string(pick);
	g_resolver_free_addresses(addrs);
	start_connect(f);
}

struct ars_sip_flow *ars_sip_flow_open(struct lws_context *ctx, const struct ars_sip_flow_config *cfg,
				       ars_sip_flow_up_h *up_h, ars_sip_flow_recv_h *recv_h,
				       ars_sip_flow_down_h *down_h, void *arg)
{
	struct ars_sip_flow *f = g_new0(struct ars_sip_flow, 1);
	const char *code, *msg;
	if (!ars_wsurl_parse(cfg->url, &f->url, &code, &msg))
		g_error("flow for an unvalidated URL %s", cfg->url); /* the API validates */
	f->ctx = ctx;
	f->tls_mode = cfg->tls_mode;
	f->ca_file = g_strdup(cfg->ca_file);
	f->pin_sha256 = g_strdup(cfg->pin_sha256);
	f->label = g_strdup(cfg->label);
	f->trace = cfg->trace;
	f->up_h = up_h;
	f->recv_h = recv_h;
	f->down_h = down_h;
	f->arg = arg;
	f->partial = g_string_new(NULL);
	g_queue_init(&f->outq);
	bool v6 = strchr(f->url.host, ':') != NULL;
	bool default_port = f->url.port == (f->url.secure ? 443 : 80);
	f->host_hdr = default_port ? g_strdup(f->url.host)
				   : g_strdup_printf(v6 ? "[%s]:%u" : "%s:%u", f->url.host, f->url.port);
	const char *addr = cfg->connect_address;
	f->target = g_strdup_printf(addr && strchr(addr, ':') ? "[%s]:%u" : (v6 && !addr ? "[%s]:%u" : "%s:%u"),
				    addr ? addr : f->url.host, f->url.port);

	if (addr || g_hostname_is_ip_address(f->url.host)) {
		f->address = g_strdup(addr ? addr : f->url.host);
		start_connect(f);
	} else {
		f->resolving = g_cancellable_new();
		GResolver *resolver = g_resolver_get_default();
		g_resolver_lookup_by_name_async(resolver, f->url.host, f->resolving, resolved, f);
		g_object_unref(resolver);
	}
	return f;
}

bool ars_sip_flow_send(struct ars_sip_flow *f, const char *data, size_t len)
{
	if (!f->up || !f->wsi)
		return false;
	if (f->trace)
		ars_sip_trace(f->label, true, data, len);
	guint8 *buf = g_malloc(LWS_PRE + len);
	memcpy(buf + LWS_PRE, data, len);
	g_queue_push_tail(&f->outq, g_bytes_new_take(buf, LWS_PRE + len));
	lws_callback_on_writable(f->wsi);
	return true;
}

const char *ars_sip_flow_target(const struct ars_sip_flow *f)
{
	return f->target;
}

void ars_sip_flow_close(struct ars_sip_flow *f)
{
	if (!f)
		return;
	f->closed = true;
	if (f->resolving) {
		g_cancellable_cancel(f->resolving);
		g_clear_object(&f->resolving);
	}
	if (f->wsi) {
		lws_set_opaque_user_data(f->wsi, NULL);
		lws_set_timeout(f->wsi, PENDING_TIMEOUT_KILLED_BY_PARENT, LWS_TO_KILL_ASYNC);
	}
	g_clear_handle_id(&f->connect_timer, g_source_remove);
	g_clear_handle_id(&f->down_src, g_source_remove);
	g_queue_clear_full(&f->outq, (GDestroyNotify)g_bytes_unref);
	g_string_free(f->partial, TRUE);
	ars_sip_flow_error_clear(&f->error);
	ars_cert_info_free(f->cert);
	ars_wsurl_clear(&f->url);
	g_free(f->address);
	g_free(f->target);
	g_free(f->host_hdr);
	g_free(f->ca_file);
	g_free(f->pin_sha256);
	g_free(f->label);
	g_free(f);
}

struct lws_context *ars_sip_flow_context_new(void *glib_main_loop, GError **err)
{
	void *loops[] = {glib_main_loop};
	struct lws_context_creation_info info = {0};
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.options = LWS_SERVER_OPTION_GLIB | LWS_SERVER_OPTION_EXPLICIT_VHOSTS |
		       LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	info.foreign_loops = loops;
	struct vhosts *v = g_new0(struct vhosts, 1);
	v->by_ca = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	info.user = v;
	lws_set_log_level(LLL_ERR, NULL);
	struct lws_context *ctx = lws_create_context(&info);
	if (!ctx) {
		g_hash_table_unref(v->by_ca);
		g_free(v);
		g_set_error(err, G_IO_ERROR, G_IO_ERROR_FAILED,
			    "libwebsockets cannot run on the GLib main loop: is the package "
			    "libwebsockets-evlib-glib installed?");
	}
	return ctx;
}

void ars_sip_flow_context_free(struct lws_context *ctx)
{
	if (!ctx)
		return;
	struct vhosts *v = lws_context_user(ctx);
	lws_context_destroy(ctx);
	g_hash_table_unref(v->by_ca);
	g_free(v);
}
