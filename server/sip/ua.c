/* ua.c - per-account SIP runtime. States and what moves them:
 *
 *   connecting --flow up--> registering --200--> registered --refresh 200--> registered
 *        ^                      |   \--failure--> failed (no retry: password, user, TLS)
 *        |                      |                   or: wait backoff, then connecting
 *        \----- backoff <---- flow down (was registered: shown as "registering")
 *
 * A state change is reported as a new registration object. */
#define G_LOG_DOMAIN "sip-ua"

#include "ua.h"

#include "msg.h"
#include "reg.h"
#include "transport_wss.h"
#include "txn.h"
#include "ars_config.h"
#include "../wsurl.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#define ALLOW "INVITE, ACK, CANCEL, BYE, OPTIONS, PRACK"
#define MAX_BACKOFF_S 60
#define SHUTDOWN_WAIT_MS 2000

struct ars_sip_ua {
	struct ars_sip_ua_env env;
	struct ars_account *acct; /* owned; the configs below point into it */
	const char *name;
	struct ars_sip_flow_config flow_cfg;
	char *ca_file;
	struct ars_sip_reg_config reg_cfg;
	char *instance;

	struct ars_sip_flow *flow;
	char *target; /* of the last flow: "host:port" */
	struct ars_sip_txns *txns;
	struct ars_sip_reg *reg;
	bool was_registered; /* since the last account change: drops read "registering" */
	char *last_error, *last_reason; /* of the failure being retried */
	char *local_uri;   /* From of our requests: "Name" <sip:user@domain> */
	char *contact_uri; /* our registered Contact, for calls */
	bool registered;
	guint attempts;
	guint retry_timer;

	json_t *registration;
	ars_sip_ua_changed_h *h;
	void *arg;

	void (*shutdown_done)(struct ars_sip_ua *ua, void *arg);
	void *shutdown_arg;
	guint shutdown_timer;
};

static void connect_flow(struct ars_sip_ua *ua);

guint ars_sip_ua_backoff_ms(guint attempt)
{
	guint secs = attempt >= 7 ? MAX_BACKOFF_S : MIN(1u << (attempt - 1), MAX_BACKOFF_S);
	guint ms = secs * 1000;
	return ms - g_random_int_range(0, (gint32)ms / 2 + 1);
}

static char *iso_in(guint ms)
{
	g_autoptr(GDateTime) now = g_date_time_new_now_utc();
	g_autoptr(GDateTime) then = g_date_time_add(now, (GTimeSpan)ms * 1000);
	return g_date_time_format(then, "%Y-%m-%dT%H:%M:%SZ");
}

static json_t *cert_json(const struct ars_cert_info *c)
{
	return json_pack("{s:s?, s:s?, s:s?, s:s?, s:s?}", "sha256", c->sha256, "subject", c->subject,
			 "issuer", c->issuer, "not_before", c->not_before, "not_after", c->not_after);
}

/* Replaces the registration object and tells the owner. */
static void publish(struct ars_sip_ua *ua, const char *state, int code, const char *error,
		    const char *reason, int expires, guint retry_ms, const struct ars_cert_info *cert)
{
	g_autofree char *retry_at = retry_ms ? iso_in(retry_ms) : NULL;
	json_t *reg = json_pack("{s:s, s:o, s:s?, s:s?, s:o, s:s?, s:s?}", "state", state, "code",
				code ? json_integer(code) : json_null(), "reason", reason, "error", error,
				"expires", expires ? json_integer(expires) : json_null(), "retry_at",
				retry_at, "target", ua->target);
	if (cert)
		json_object_set_new(reg, "certificate", cert_json(cert));
	json_decref(ua->registration);
	ua->registration = reg;
	g_info("%s: %s%s%s", ua->name, state, reason ? ": " : "", reason ? reason : "");
	ua->h(ua, reg, ua->arg);
}

static gboolean retry_now(gpointer data)
{
	struct ars_sip_ua *ua = data;
	ua->retry_timer = 0;
	connect_flow(ua);
	return G_SOURCE_REMOVE;
}

static void drop_flow(struct ars_sip_ua *ua)
{
	if (ua->txns && ua->env.calls.flow_lost)
		ua->env.calls.flow_lost(ua, ua->env.calls.arg);
	ua->registered = false;
	g_clear_pointer(&ua->reg, ars_sip_reg_free);
	g_clear_pointer(&ua->txns, ars_sip_txns_free);
	g_clear_pointer(&ua->flow, ars_sip_flow_close);
}

static bool retryable(const char *error)
{
	static const char *const final[] = {"wrong_password", "unknown_user", "no_password",
					    "tls_untrusted", "tls_name_mismatch", "tls_pin_mismatch",
					    "ws_no_subprotocol"};
	for (size_t i = 0; i < G_N_ELEMENTS(final); i++)
		if (g_strcmp0(error, final[i]) == 0)
			return false;
	return true;
}

/* An attempt failed: report it and either wait to try again or stop. The
 * strings may belong to the flow, so it is dropped only after reporting. */
static void failed(struct ars_sip_ua *ua, int code, const char *error, const char *reason,
		   guint min_wait_ms, const struct ars_cert_info *cert)
{
	if (ua->shutdown_done) {
		drop_flow(ua);
		return;
	}
	guint wait = 0;
	g_clear_handle_id(&ua->retry_timer, g_source_remove);
	if (retryable(error)) {
		wait = MAX(ars_sip_ua_backoff_ms(++ua->attempts), min_wait_ms);
		ua->retry_timer = g_timeout_add(wait, retry_now, ua);
	}
	g_free(ua->last_error);
	g_free(ua->last_reason);
	ua->last_error = g_strdup(error);
	ua->last_reason = g_strdup(reason);
	/* A lost connection is being mended; other retryable failures of an
	 * account that never registered are the user's to see as failures. */
	bool mending = retryable(error) && (ua->was_registered || g_strcmp0(error, "connection_lost") == 0);
	publish(ua, mending ? "registering" : "failed", code, error, reason, 0, wait, cert);
	drop_flow(ua);
}

/* --- requests from the PBX --------------------------------------------------- */

static void reply(struct ars_sip_stxn *st, int status, const char *reason, bool allow)
{
	g_autofree char *tag = ars_sip_random_hex(10);
	struct ars_sip_msg *resp = ars_sip_msg_new_response(ars_sip_stxn_request(st), status, reason, tag);
	if (allow) {
		ars_sip_msg_add(resp, "Allow", ALLOW);
		ars_sip_msg_add(resp, "Accept", "application/sdp");
		ars_sip_msg_add(resp, "Supported", "path, outbound");
	}
	ars_sip_msg_add(resp, "User-Agent", "arsphone/" ARS_VERSION);
	ars_sip_stxn_reply(st, resp);
}

void ars_sip_ua_reply(struct ars_sip_stxn *st, int status, const char *reason)
{
	reply(st, status, reason, status == 405 || status == 501);
}

static void on_request(struct ars_sip_stxn *st, const struct ars_sip_msg *req, void *arg)
{
	struct ars_sip_ua *ua = arg;
	const struct ars_sip_ua_call_hooks *calls = &ua->env.calls;
	if (calls->take && calls->take(ua, st, req, calls->arg))
		return;
	if (!st) /* an ACK outside any transaction or call of ours */
		return;
	g_info("%s: %s from the PBX", ua->name, req->method);
	if (req->to_tag)
		reply(st, 481, "Call/Transaction Does Not Exist", false);
	else if (strcmp(req->method, "OPTIONS") == 0)
		reply(st, 200, "OK", true);
	else if (strcmp(req->method, "BYE") == 0 || strcmp(req->method, "CANCEL") == 0)
		reply(st, 481, "Call/Transaction Does Not Exist", false);
	else if (strcmp(req->method, "INVITE") == 0 && calls->incoming)
		calls->incoming(ua, st, req, calls->arg);
	else if (strcmp(req->method, "INVITE") == 0)
		reply(st, 480, "Temporarily Unavailable", false);
	else
		reply(st, 501, "Not Implemented", true);
}

/* --- the flow ---------------------------------------------------------------- */

static void flow_send(const char *wire, size_t len, void *arg)
{
	struct ars_sip_ua *ua = arg;
	if (!ua->flow || !ars_sip_flow_send(ua->flow, wire, len))
		g_info("%s: not connected; message not sent", ua->name);
}

static void on_flow_recv(const char *data, size_t len, void *arg)
{
	struct ars_sip_ua *ua = arg;
	/* RFC 5626 §4.4.1 keepalives: a bare CRLF (or CRLFCRLF) is no message. */
	if (strspn(data, "\r\n") == len)
		return;
	struct ars_sip_msg *msg = NULL;
	const char *why = NULL;
	switch (ars_sip_msg_parse(data, len, &msg, &why)) {
	case ARS_SIP_PARSE_OK:
		ars_sip_txns_recv(ua->txns, msg);
		break;
	case ARS_SIP_PARSE_REJECT: {
		g_warning("%s: malformed %s from %s answered 400: %s", ua->name, msg->method,
			  ars_sip_flow_target(ua->flow), why);
		struct ars_sip_msg *resp = ars_sip_msg_new_response(msg, msg->reject_status ? msg->reject_status : 400, why, NULL);
		size_t n;
		g_autofree char *wire = ars_sip_msg_print(resp, &n);
		ars_sip_flow_send(ua->flow, wire, n);
		ars_sip_msg_free(resp);
		break;
	}
	case ARS_SIP_PARSE_DROP:
		g_warning("%s: malformed message from %s dropped: %s", ua->name,
			  ars_sip_flow_target(ua->flow), why);
		break;
	}
	ars_sip_msg_free(msg);
}

static void on_reg(const struct ars_sip_reg_result *r, void *arg);

static void on_flow_up(void *arg)
{
	struct ars_sip_ua *ua = arg;
	ua->txns = ars_sip_txns_new(NULL, flow_send, on_request, ua);
	ua->reg = ars_sip_reg_new(ua->txns, &ua->reg_cfg, on_reg, ua);
	/* Calls use the registered contact without the registration's own
	 * parameters (+sip.instance, reg-id). */
	const char *contact = ars_sip_reg_contact(ua->reg);
	g_free(ua->contact_uri);
	ua->contact_uri = g_strndup(contact, strcspn(contact, ">") + 1);
	ars_sip_reg_start(ua->reg);
}

static void on_flow_down(const struct ars_sip_flow_error *e, void *arg)
{
	struct ars_sip_ua *ua = arg;
	/* Report the flow's own error, not the failures of the transactions it
	 * carried: the registration goes without calling back. */
	g_clear_pointer(&ua->reg, ars_sip_reg_free);
	if (ua->shutdown_done) {
		drop_flow(ua);
		ua->shutdown_done(ua, ua->shutdown_arg);
		return;
	}
	failed(ua, e->http_status, e->error, e->reason, 0, e->cert);
}

static void connect_flow(struct ars_sip_ua *ua)
{
	drop_flow(ua);
	ua->flow = ars_sip_flow_open(ua->env.lws, &ua->flow_cfg, on_flow_up, on_flow_recv, on_flow_down, ua);
	g_free(ua->target);
	ua->target = g_strdup(ars_sip_flow_target(ua->flow));
	g_autofree char *why = ua->last_reason ? g_strdup_printf("reconnecting after: %s", ua->last_reason)
					       : g_strdup("connecting");
	publish(ua, "registering", 0, ua->last_error, why, 0, 0, NULL);
}

/* --- registration outcomes ---------------------------------------------------- */

static void on_reg(const struct ars_sip_reg_result *r, void *arg)
{
	struct ars_sip_ua *ua = arg;
	if (ua->shutdown_done) {
		g_clear_handle_id(&ua->shutdown_timer, g_source_remove);
		drop_flow(ua);
		ua->shutdown_done(ua, ua->shutdown_arg);
		return;
	}
	ua->registered = r->registered;
	if (r->registered) {
		ua->was_registered = true;
		ua->attempts = 0;
		g_clear_pointer(&ua->last_error, g_free);
		g_clear_pointer(&ua->last_reason, g_free);
		publish(ua, "registered", r->code, NULL, r->reason, r->expires, 0, NULL);
		return;
	}
	failed(ua, r->code, r->error, r->reason, (guint)r->retry_after * 1000, NULL);
}

/* --- life cycle -------------------------------------------------------------- */

/* verify mode: the account's extra CAs go to a file named after their hash,
 * since lws reuses TLS contexts by file name. */
static char *write_ca_file(const char *data_dir, const char *pem)
{
	g_autofree char *hash = g_compute_checksum_for_string(G_CHECKSUM_SHA256, pem, -1);
	g_autofree char *dir = g_build_filename(data_dir, "ca", NULL);
	g_autofree char *name = g_strdup_printf("%.16s.pem", hash);
	char *path = g_build_filename(dir, name, NULL);
	g_autoptr(GError) err = NULL;
	if (g_mkdir_with_parents(dir, 0700) != 0 || !g_file_set_contents_full(path, pem, -1,
		G_FILE_SET_CONTENTS_CONSISTENT, 0600, &err)) {
		g_warning("cannot write %s: %s", path, err ? err->message : g_strerror(errno));
		g_free(path);
		return NULL;
	}
	return path;
}

struct ars_sip_ua *ars_sip_ua_new(const struct ars_sip_ua_env *env, struct ars_account *a,
				  const char *instance, ars_sip_ua_changed_h *h, void *arg)
{
	struct ars_sip_ua *ua = g_new0(struct ars_sip_ua, 1);
	ua->env = *env;
	ua->acct = a;
	ua->name = a->name;
	ua->h = h;
	ua->arg = arg;
	ua->instance = g_strdup(instance);
	ua->local_uri = a->display_name
				? g_strdup_printf("\"%s\" <sip:%s@%s>", a->display_name, a->username, a->domain)
				: g_strdup_printf("<sip:%s@%s>", a->username, a->domain);
	if (a->tls_mode == ARS_TLS_VERIFY && a->tls_ca_pem)
		ua->ca_file = write_ca_file(env->data_dir, a->tls_ca_pem);

	struct ars_wsurl url;
	const char *code, *msg;
	const char *map_address = NULL;
	bool secure = false;
	if (ars_wsurl_parse(a->server, &url, &code, &msg)) {
		secure = url.secure;
		for (guint i = 0; i < a->host_map->len; i++) {
			const struct ars_host_map_entry *e =
				&g_array_index(a->host_map, struct ars_host_map_entry, i);
			if (strcmp(e->host, url.host) == 0)
				map_address = e->address;
		}
		ars_wsurl_clear(&url);
	}
	ua->flow_cfg = (struct ars_sip_flow_config){
		.url = a->server,
		.connect_address = map_address,
		.tls_mode = a->tls_mode,
		.ca_file = ua->ca_file,
		.pin_sha256 = a->tls_pin_sha256,
		.label = a->name,
		.trace = env->trace,
	};
	ua->reg_cfg = (struct ars_sip_reg_config){
		.user = a->username,
		.domain = a->domain,
		.aor = ua->local_uri,
		.auth_username = a->auth_username ? a->auth_username : a->username,
		.password = a->password,
		.instance = ua->instance,
		.expires = a->register_expires,
		.secure = secure,
	};
	if (a->enabled)
		connect_flow(ua);
	else
		ua->registration = json_pack("{s:s, s:n, s:n, s:n, s:n, s:n, s:n}", "state", "disabled",
					     "code", "reason", "error", "expires", "retry_at", "target");
	return ua;
}

void ars_sip_ua_free(struct ars_sip_ua *ua)
{
	if (!ua)
		return;
	drop_flow(ua);
	g_clear_handle_id(&ua->retry_timer, g_source_remove);
	g_clear_handle_id(&ua->shutdown_timer, g_source_remove);
	json_decref(ua->registration);
	ars_account_free(ua->acct);
	g_free(ua->ca_file);
	g_free(ua->instance);
	g_free(ua->target);
	g_free(ua->last_error);
	g_free(ua->last_reason);
	g_free(ua->local_uri);
	g_free(ua->contact_uri);
	g_free(ua);
}

static gboolean shutdown_timed_out(gpointer data)
{
	struct ars_sip_ua *ua = data;
	ua->shutdown_timer = 0;
	g_info("%s: no answer to the unregistration in time", ua->name);
	drop_flow(ua);
	ua->shutdown_done(ua, ua->shutdown_arg);
	return G_SOURCE_REMOVE;
}

void ars_sip_ua_shutdown(struct ars_sip_ua *ua, void (*done)(struct ars_sip_ua *ua, void *arg), void *arg)
{
	ua->shutdown_done = done;
	ua->shutdown_arg = arg;
	g_clear_handle_id(&ua->retry_timer, g_source_remove);
	if (!ua->reg || !ua->was_registered) {
		drop_flow(ua);
		done(ua, arg);
		return;
	}
	ua->shutdown_timer = g_timeout_add(SHUTDOWN_WAIT_MS, shutdown_timed_out, ua);
	ars_sip_reg_stop(ua->reg);
}

void ars_sip_ua_register_now(struct ars_sip_ua *ua)
{
	if (!ua->acct->enabled)
		return;
	g_clear_handle_id(&ua->retry_timer, g_source_remove);
	ua->attempts = 0;
	if (ua->reg) {
		ars_sip_reg_start(ua->reg);
		publish(ua, "registering", 0, NULL, "registering again", 0, 0, NULL);
	} else {
		connect_flow(ua);
	}
}

json_t *ars_sip_ua_registration(const struct ars_sip_ua *ua)
{
	return ua->registration;
}

bool ars_sip_ua_call_env(struct ars_sip_ua *ua, struct ars_call_env *out)
{
	if (!ua->registered || !ua->txns)
		return false;
	*out = (struct ars_call_env){
		.txns = ua->txns,
		.local_uri = ua->local_uri,
		.contact = ua->contact_uri,
		.via_host = ars_sip_reg_via_host(ua->reg),
		.secure = ua->reg_cfg.secure,
		.auth_username = ua->reg_cfg.auth_username,
		.password = ua->reg_cfg.password,
	};
	return true;
}

const struct ars_account *ars_sip_ua_account(const struct ars_sip_ua *ua)
{
	return ua->acct;
}

gint64 ars_sip_ua_account_id(const struct ars_sip_ua *ua)
{
	return ua->acct->id;
}
