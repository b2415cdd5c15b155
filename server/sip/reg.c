/* reg.c - the REGISTER client. One Call-ID and From tag per registration,
 * CSeq counting up (§10.2.4); credentials are computed from the last
 * challenge and reused with a growing nonce count on refreshes. */
#define G_LOG_DOMAIN "sip-reg"

#include "reg.h"

#include "ars_config.h"
#include "credentials.h"

#include <errno.h>
#include <string.h>

#define MAX_423_TRIES 2

struct ars_sip_reg {
	struct ars_sip_txns *txns;
	char *user, *domain, *aor, *auth_username, *password, *instance;
	int expires;
	bool secure;
	char *call_id, *from_tag, *via_host, *contact;
	uint32_t cseq;
	struct ars_sip_ctxn *pending;
	guint refresh_timer;
	bool stopping;

	struct ars_sip_credentials creds;
	int too_brief_tries;

	ars_sip_reg_h *h;
	void *arg;
};

guint ars_sip_reg_refresh_delay_ms(int expires)
{
	/* Well before expiry: at 3/4 of short registrations, 60 s before long ones. */
	int secs = expires > 240 ? expires - 60 : expires * 3 / 4;
	return (guint)MAX(secs, 1) * 1000;
}

static void report(struct ars_sip_reg *r, bool registered, int code, const char *error, char *reason,
		   int expires, int retry_after)
{
	struct ars_sip_reg_result res = {registered, code, error, reason, expires, retry_after};
	r->h(&res, r->arg);
	g_free(reason);
}

static void on_response(const struct ars_sip_msg *resp, int err, void *arg);

static void send_register(struct ars_sip_reg *r, int expires)
{
	g_autofree char *ruri = g_strdup_printf("sip:%s", r->domain);
	struct ars_sip_msg *req = ars_sip_msg_new_request("REGISTER", ruri);
	g_autofree char *branch = ars_sip_new_branch();
	ars_sip_msg_addf(req, "Via", "SIP/2.0/%s %s;branch=%s;rport", r->secure ? "WSS" : "WS",
			 r->via_host, branch);
	ars_sip_msg_add(req, "Max-Forwards", "70");
	ars_sip_msg_addf(req, "From", "%s;tag=%s", r->aor, r->from_tag);
	ars_sip_msg_add(req, "To", r->aor);
	ars_sip_msg_add(req, "Call-ID", r->call_id);
	ars_sip_msg_addf(req, "CSeq", "%u REGISTER", ++r->cseq);
	ars_sip_msg_addf(req, "Contact", "%s;expires=%d", r->contact, expires);
	ars_sip_msg_addf(req, "Expires", "%d", expires);
	ars_sip_msg_add(req, "Supported", "path, outbound");
	ars_sip_msg_add(req, "User-Agent", "arsphone/" ARS_VERSION);
	ars_sip_credentials_add(&r->creds, req, "REGISTER", ruri);
	r->pending = ars_sip_ctxn_send(r->txns, req, on_response, r);
}

static gboolean refresh(gpointer data)
{
	struct ars_sip_reg *r = data;
	r->refresh_timer = 0;
	ars_sip_credentials_new_attempt(&r->creds);
	r->too_brief_tries = 0;
	send_register(r, r->expires);
	return G_SOURCE_REMOVE;
}

/* The Contact the 200 lists for us (by +sip.instance, else by URI), and its expiry. */
static int granted_expires(struct ars_sip_reg *r, const struct ars_sip_msg *resp, bool *found)
{
	g_autofree char *quoted = g_strdup_printf("\"<%s>\"", r->instance);
	g_autofree char *bare = g_strdup_printf("<%s>", r->instance);
	*found = false;
	int expires = -1;
	for (guint i = 0; i < ars_sip_msg_count(resp, "Contact"); i++) {
		const char *value = ars_sip_msg_get_nth(resp, "Contact", i);
		g_autofree char *inst = ars_sip_param(value, "+sip.instance");
		g_autofree char *display = NULL, *uri = NULL;
		const char *params;
		bool ours = inst && (strcmp(inst, bare) == 0 || strcmp(inst, quoted) == 0 ||
				     strcmp(inst, r->instance) == 0);
		if (!ours && ars_sip_nameaddr_parse(value, &display, &uri, &params))
			ours = strstr(r->contact, uri) != NULL;
		if (!ours)
			continue;
		*found = true;
		g_autofree char *e = ars_sip_param(value, "expires");
		if (e && *e)
			expires = atoi(e);
		break;
	}
	if (expires < 0) {
		const char *hdr = ars_sip_msg_get(resp, "Expires");
		expires = hdr ? atoi(hdr) : r->expires;
	}
	return expires;
}

/* A 401/407: answer the strongest challenge, unless that cannot help. */
static void answer_challenge(struct ars_sip_reg *r, const struct ars_sip_msg *resp, int expires)
{
	switch (ars_sip_credentials_challenge(&r->creds, resp)) {
	case ARS_SIP_CHALLENGE_RETRY:
		send_register(r, expires);
		return;
	case ARS_SIP_CHALLENGE_NO_PASSWORD:
		report(r, false, resp->status, "no_password",
		       g_strdup("the server asks for a password and the account has none"), 0, 0);
		return;
	case ARS_SIP_CHALLENGE_WRONG:
		report(r, false, resp->status, "wrong_password",
		       g_strdup_printf("wrong user name or password: the server refused the credentials "
				       "of %s (%d %s)",
				       r->auth_username, resp->status, resp->reason),
		       0, 0);
		return;
	case ARS_SIP_CHALLENGE_UNUSABLE:
		report(r, false, resp->status, "server_error",
		       g_strdup_printf("the server asks for an authentication arsphone does not support "
				       "(%d %s)", resp->status, resp->reason),
		       0, 0);
		return;
	}
}

static void handle_final(struct ars_sip_reg *r, const struct ars_sip_msg *resp)
{
	int asked = r->stopping ? 0 : r->expires;
	if (resp->status != 401 && resp->status != 407)
		ars_sip_credentials_answered(&r->creds);
	if (resp->status < 300) {
		if (r->stopping) {
			report(r, false, resp->status, NULL, g_strdup("unregistered"), 0, 0);
			return;
		}
		bool found;
		int expires = granted_expires(r, resp, &found);
		if (!found)
			g_info("%s@%s: the 200 does not list our contact; assuming %d s", r->user, r->domain,
			       expires);
		if (expires <= 0) {
			report(r, false, resp->status, "server_error",
			       g_strdup("the server accepted the registration but gave it no time"), 0, 0);
			return;
		}
		r->refresh_timer = g_timeout_add(ars_sip_reg_refresh_delay_ms(expires), refresh, r);
		report(r, true, resp->status, NULL,
		       g_strdup_printf("registered for %d s", expires), expires, 0);
		return;
	}
	switch (resp->status) {
	case 401:
	case 407:
		answer_challenge(r, resp, asked);
		return;
	case 423: {
		const char *min = ars_sip_msg_get(resp, "Min-Expires");
		int m = min ? atoi(min) : 0;
		if (!r->stopping && m > r->expires && m <= 86400 && ++r->too_brief_tries <= MAX_423_TRIES) {
			g_info("%s@%s: 423, registering again for %d s", r->user, r->domain, m);
			r->expires = m;
			send_register(r, m);
			return;
		}
		break;
	}
	case 403:
		report(r, false, resp->status, "wrong_password",
		       g_strdup_printf("the server refused %s (%d %s): check the user name and password",
				       r->auth_username, resp->status, resp->reason),
		       0, 0);
		return;
	case 404:
		report(r, false, resp->status, "unknown_user",
		       g_strdup_printf("the server does not know the user %s@%s (%d %s)", r->user, r->domain,
				       resp->status, resp->reason),
		       0, 0);
		return;
	default:
		break;
	}
	const char *ra = ars_sip_msg_get(resp, "Retry-After");
	report(r, false, resp->status, "server_error",
	       g_strdup_printf("the server answered %d %s", resp->status, resp->reason), 0,
	       ra ? MAX(atoi(ra), 0) : 0);
}

static void on_response(const struct ars_sip_msg *resp, int err, void *arg)
{
	struct ars_sip_reg *r = arg;
	if (resp && resp->status < 200)
		return;
	r->pending = NULL;
	if (!resp) {
		if (err == -ETIMEDOUT)
			report(r, false, 0, "timeout",
			       g_strdup("the server did not answer the registration in 32 s"), 0, 0);
		else
			report(r, false, 0, "connection_lost",
			       g_strdup("the connection was lost during the registration"), 0, 0);
		return;
	}
	handle_final(r, resp);
}

struct ars_sip_reg *ars_sip_reg_new(struct ars_sip_txns *txns, const struct ars_sip_reg_config *cfg,
				    ars_sip_reg_h *h, void *arg)
{
	struct ars_sip_reg *r = g_new0(struct ars_sip_reg, 1);
	r->txns = txns;
	r->user = g_strdup(cfg->user);
	r->domain = g_strdup(cfg->domain);
	r->aor = g_strdup(cfg->aor);
	r->auth_username = g_strdup(cfg->auth_username ? cfg->auth_username : cfg->user);
	r->password = g_strdup(cfg->password);
	r->instance = g_strdup(cfg->instance);
	r->expires = cfg->expires;
	r->secure = cfg->secure;
	r->h = h;
	r->arg = arg;
	ars_sip_credentials_init(&r->creds, r->auth_username, r->password);
	g_autofree char *id = ars_sip_random_hex(20);
	r->call_id = g_strdup(id);
	r->from_tag = ars_sip_random_hex(12);
	g_autofree char *host = ars_sip_random_hex(12);
	r->via_host = g_strconcat(host, ".invalid", NULL);
	g_autofree char *cuser = ars_sip_random_hex(8);
	r->contact = g_strdup_printf("<sip:%s@%s;transport=ws;ob>;+sip.instance=\"<%s>\";reg-id=1", cuser,
				     r->via_host, r->instance);
	return r;
}

void ars_sip_reg_free(struct ars_sip_reg *r)
{
	if (!r)
		return;
	if (r->pending)
		ars_sip_ctxn_forget(r->pending);
	g_clear_handle_id(&r->refresh_timer, g_source_remove);
	ars_sip_credentials_clear(&r->creds);
	if (r->password)
		memset(r->password, 0, strlen(r->password));
	g_free(r->user);
	g_free(r->domain);
	g_free(r->aor);
	g_free(r->auth_username);
	g_free(r->password);
	g_free(r->instance);
	g_free(r->call_id);
	g_free(r->from_tag);
	g_free(r->via_host);
	g_free(r->contact);
	g_free(r);
}

void ars_sip_reg_start(struct ars_sip_reg *r)
{
	if (r->pending)
		ars_sip_ctxn_forget(r->pending);
	g_clear_handle_id(&r->refresh_timer, g_source_remove);
	r->stopping = false;
	ars_sip_credentials_new_attempt(&r->creds);
	r->too_brief_tries = 0;
	send_register(r, r->expires);
}

void ars_sip_reg_stop(struct ars_sip_reg *r)
{
	if (r->pending)
		ars_sip_ctxn_forget(r->pending);
	g_clear_handle_id(&r->refresh_timer, g_source_remove);
	r->stopping = true;
	ars_sip_credentials_new_attempt(&r->creds);
	send_register(r, 0);
}

const char *ars_sip_reg_contact(const struct ars_sip_reg *r)
{
	return r->contact;
}

const char *ars_sip_reg_via_host(const struct ars_sip_reg *r)
{
	return r->via_host;
}
