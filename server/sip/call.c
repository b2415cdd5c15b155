/* call.c - the signalling of one call. The media session is reached only
 * through struct ars_call_media_ops. An ended call stays alive (as history)
 * so that a 2xx racing our CANCEL is still acknowledged and hung up. */
#define G_LOG_DOMAIN "sip-call"

#include "call.h"

#include "ars_config.h"

#include <errno.h>
#include <string.h>

#define ALLOW "INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE" /* in a dialog */

struct ars_call {
	gint64 id, account_id;
	struct ars_call_env env;
	bool outgoing;
	enum ars_call_state state;
	char *remote_uri, *remote_name;
	char *call_id, *local_tag;
	uint32_t cseq;

	struct ars_sip_msg *invite;	 /* outgoing: the INVITE last sent */
	struct ars_sip_ctxn *invite_tx;	 /* outgoing: until its final answer */
	struct ars_sip_stxn *invite_st;	 /* incoming: until our final answer */
	struct ars_sip_dialog *dialog;
	struct ars_sip_credentials creds;
	char *local_sdp;
	bool got_provisional, cancel_pending, early_media;
	bool answering; /* our answer is being prepared */
	struct ars_sip_stxn *reoffer_st; /* a re-INVITE/UPDATE waiting for our answer */
	struct ars_sip_ctxn *reinvite_tx; /* our re-INVITE, until its transaction ends */
	uint32_t reinvite_cseq;
	bool reinviting;	      /* our re-INVITE's offer is being made or is out */
	bool held, hold_wanted;	      /* our own hold: as agreed, as asked */

	const struct ars_call_media_ops *ops;
	void *media;

	gint64 created_at, answered_at, ended_at; /* unix µs; 0: not yet */
	char *codec;
	int end_code;
	char *end_reason;
	const char *end_by;

	ars_call_changed_h *h;
	void *arg;
};

static const char *const state_names[] = {"dialing", "ringing", "incoming", "early", "established", "ended"};

const char *ars_call_state_name(enum ars_call_state s)
{
	return state_names[s];
}

enum ars_call_state ars_call_state(const struct ars_call *c)
{
	return c->state;
}

static void set_state(struct ars_call *c, enum ars_call_state s)
{
	if (c->state == s)
		return;
	c->state = s;
	if (s == ARS_CALL_ESTABLISHED)
		c->answered_at = g_get_real_time();
	g_info("call %" G_GINT64_FORMAT " (%s): %s", c->id, c->call_id, state_names[s]);
	c->h(c, c->arg);
}

static void end(struct ars_call *c, int code, const char *reason, const char *by)
{
	if (c->state == ARS_CALL_ENDED)
		return;
	c->end_code = code;
	c->end_reason = g_strdup(reason);
	c->end_by = by;
	c->ended_at = g_get_real_time();
	set_state(c, ARS_CALL_ENDED);
}

/* "486 Busy Here (User busy)": status, phrase, and the Reason/Warning texts. */
static char *failure_text(const struct ars_sip_msg *resp)
{
	GString *s = g_string_new(NULL);
	g_string_append_printf(s, "%d %s", resp->status, resp->reason);
	const char *reason = ars_sip_msg_get(resp, "Reason");
	g_autofree char *text = reason ? ars_sip_param(reason, "text") : NULL;
	if (text && *text)
		g_string_append_printf(s, " (%s)", text);
	const char *warning = ars_sip_msg_get(resp, "Warning");
	if (warning)
		g_string_append_printf(s, " [%s]", warning);
	return g_string_free(s, FALSE);
}

/* --- outgoing ----------------------------------------------------------------- */

static void on_invite_response(const struct ars_sip_msg *resp, int err, void *arg);

static void send_invite(struct ars_call *c)
{
	struct ars_sip_msg *m = ars_sip_msg_new_request("INVITE", c->remote_uri);
	g_autofree char *branch = ars_sip_new_branch();
	ars_sip_msg_addf(m, "Via", "SIP/2.0/%s %s;branch=%s;rport", c->env.secure ? "WSS" : "WS",
			 c->env.via_host, branch);
	ars_sip_msg_add(m, "Max-Forwards", "70");
	ars_sip_msg_addf(m, "From", "%s;tag=%s", c->env.local_uri, c->local_tag);
	ars_sip_msg_addf(m, "To", "<%s>", c->remote_uri);
	ars_sip_msg_add(m, "Call-ID", c->call_id);
	ars_sip_msg_addf(m, "CSeq", "%u INVITE", ++c->cseq);
	ars_sip_msg_add(m, "Contact", c->env.contact);
	ars_sip_msg_add(m, "Allow", ALLOW);
	ars_sip_msg_add(m, "Supported", "outbound");
	ars_sip_msg_add(m, "User-Agent", "arsphone/" ARS_VERSION);
	ars_sip_credentials_add(&c->creds, m, "INVITE", c->remote_uri);
	ars_sip_msg_set_body(m, "application/sdp", c->local_sdp, strlen(c->local_sdp));
	ars_sip_msg_update_fields(m);
	ars_sip_msg_free(c->invite);
	c->invite = ars_sip_msg_copy(m);
	c->got_provisional = false;
	c->invite_tx = ars_sip_ctxn_send(c->env.txns, m, on_invite_response, c);
}

static void on_offer(const char *sdp, const char *error, void *arg)
{
	struct ars_call *c = arg;
	if (c->state == ARS_CALL_ENDED)
		return; /* hung up while the offer was being made */
	if (!sdp) {
		end(c, 0, error ? error : "the media could not be prepared", "local");
		return;
	}
	c->local_sdp = g_strdup(sdp);
	send_invite(c);
}

/* §9.1: CANCEL copies the INVITE's Request-URI, Call-ID, From, To, CSeq
 * number, Route and top Via (same branch). */
static void send_cancel(struct ars_call *c)
{
	const struct ars_sip_msg *inv = c->invite;
	struct ars_sip_msg *m = ars_sip_msg_new_request("CANCEL", inv->ruri);
	ars_sip_msg_add(m, "Via", ars_sip_msg_get(inv, "Via"));
	ars_sip_msg_add(m, "Max-Forwards", "70");
	ars_sip_msg_add(m, "From", ars_sip_msg_get(inv, "From"));
	ars_sip_msg_add(m, "To", ars_sip_msg_get(inv, "To"));
	ars_sip_msg_add(m, "Call-ID", inv->call_id);
	ars_sip_msg_addf(m, "CSeq", "%u CANCEL", inv->cseq);
	ars_sip_msg_update_fields(m);
	ars_sip_ctxn_send(c->env.txns, m, NULL, NULL);
	c->cancel_pending = false;
}

static void send_bye(struct ars_call *c, const char *reason_header)
{
	struct ars_sip_msg *bye = ars_sip_dialog_request(c->dialog, "BYE", 0);
	if (reason_header)
		ars_sip_msg_add(bye, "Reason", reason_header);
	ars_sip_msg_add(bye, "User-Agent", "arsphone/" ARS_VERSION);
	ars_sip_msg_update_fields(bye);
	ars_sip_ctxn_send(c->env.txns, bye, NULL, NULL);
}

static void on_success(struct ars_call *c, const struct ars_sip_msg *resp)
{
	if (!c->dialog) {
		c->dialog = ars_sip_dialog_new_uac(c->invite, resp, c->env.via_host, c->env.secure);
		if (!c->dialog) {
			end(c, 0, "the answer to our INVITE has no Contact or To tag", "remote");
			return;
		}
	}
	/* §13.2.2.4: every 2xx (retransmissions too) gets an ACK. */
	g_autoptr(ArsSipMsg) ack = ars_sip_dialog_request(c->dialog, "ACK", c->invite->cseq);
	ars_sip_txns_send(c->env.txns, ack);
	if (c->state == ARS_CALL_ESTABLISHED)
		return;
	if (c->state == ARS_CALL_ENDED) { /* answered while we were cancelling */
		send_bye(c, NULL);
		return;
	}
	const char *error = NULL;
	g_autofree char *sdp = resp->body ? g_strndup(resp->body, resp->body_len) : NULL;
	if (!c->early_media && (!sdp || !c->ops->set_answer(c->media, sdp, &error))) {
		send_bye(c, "SIP;cause=488;text=\"Not Acceptable Here\"");
		end(c, 488, error ? error : "the answer has no usable SDP", "local");
		return;
	}
	set_state(c, ARS_CALL_ESTABLISHED);
}

static void on_provisional(struct ars_call *c, const struct ars_sip_msg *resp)
{
	if (resp->status == 100)
		return;
	c->got_provisional = true;
	if (c->cancel_pending) {
		send_cancel(c);
		return;
	}
	if (c->state == ARS_CALL_ENDED)
		return;
	if (resp->body && !c->early_media) {
		g_autofree char *sdp = g_strndup(resp->body, resp->body_len);
		const char *error = NULL;
		if (c->ops->set_answer(c->media, sdp, &error)) {
			c->early_media = true;
			set_state(c, ARS_CALL_EARLY);
			return;
		}
		g_info("call %" G_GINT64_FORMAT ": early SDP not usable: %s", c->id, error);
	}
	if (c->state == ARS_CALL_DIALING)
		set_state(c, ARS_CALL_RINGING);
}

static void on_invite_response(const struct ars_sip_msg *resp, int err, void *arg)
{
	struct ars_call *c = arg;
	if (!resp) {
		c->invite_tx = NULL;
		if (err == 0) /* the accepted INVITE's transaction ran out: all is done */
			return;
		end(c, err == -ETIMEDOUT ? 408 : 0,
		    err == -ETIMEDOUT ? "no answer from the other side" : "the connection to the server was lost",
		    "remote");
		return;
	}
	if (resp->status < 200) {
		on_provisional(c, resp);
		return;
	}
	if (resp->status < 300) {
		on_success(c, resp);
		return;
	}
	c->invite_tx = NULL;
	if ((resp->status == 401 || resp->status == 407) && c->state != ARS_CALL_ENDED) {
		switch (ars_sip_credentials_challenge(&c->creds, resp)) {
		case ARS_SIP_CHALLENGE_RETRY:
			send_invite(c);
			return;
		case ARS_SIP_CHALLENGE_NO_PASSWORD:
		case ARS_SIP_CHALLENGE_WRONG:
		case ARS_SIP_CHALLENGE_UNUSABLE:
			break;
		}
	}
	g_autofree char *text = failure_text(resp);
	if (resp->status == 487 && c->state == ARS_CALL_ENDED)
		return; /* our own CANCEL took effect */
	end(c, resp->status, text, "remote");
}

struct ars_call *ars_call_new_outgoing(const struct ars_call_env *env, gint64 id, gint64 account_id,
				       const char *target_uri, const struct ars_call_media_ops *ops,
				       void *media, ars_call_changed_h *h, void *arg)
{
	struct ars_call *c = g_new0(struct ars_call, 1);
	c->id = id;
	c->account_id = account_id;
	c->env = *env;
	c->outgoing = true;
	c->state = ARS_CALL_DIALING;
	c->remote_uri = g_strdup(target_uri);
	c->call_id = ars_sip_random_hex(24);
	c->local_tag = ars_sip_random_hex(12);
	c->ops = ops;
	c->media = media;
	c->h = h;
	c->arg = arg;
	c->created_at = g_get_real_time();
	ars_sip_credentials_init(&c->creds, env->auth_username, env->password);
	ops->offer(media, on_offer, c);
	return c;
}

/* --- incoming ----------------------------------------------------------------- */

static void reply(struct ars_call *c, struct ars_sip_stxn *st, int status, const char *reason,
		  const char *sdp)
{
	struct ars_sip_msg *resp = ars_sip_msg_new_response(ars_sip_stxn_request(st), status, reason,
							    c->local_tag);
	if (status > 100 && status < 300) {
		/* §12.1.1: responses that make a dialog carry the Record-Route. */
		const struct ars_sip_msg *req = ars_sip_stxn_request(st);
		for (guint i = 0; i < ars_sip_msg_count(req, "Record-Route"); i++)
			ars_sip_msg_add(resp, "Record-Route", ars_sip_msg_get_nth(req, "Record-Route", i));
		ars_sip_msg_add(resp, "Contact", c->env.contact);
		ars_sip_msg_add(resp, "Allow", ALLOW);
		ars_sip_msg_add(resp, "Supported", "outbound");
	}
	ars_sip_msg_add(resp, "User-Agent", "arsphone/" ARS_VERSION);
	if (sdp)
		ars_sip_msg_set_body(resp, "application/sdp", sdp, strlen(sdp));
	ars_sip_stxn_reply(st, resp);
}

/* Answers the INVITE with a final status (the server transaction ends). */
static void final_reply(struct ars_call *c, int status, const char *reason, const char *sdp)
{
	if (!c->invite_st)
		return;
	reply(c, c->invite_st, status, reason, sdp);
	c->invite_st = NULL;
}

static void on_answer_sdp(const char *sdp, const char *error, void *arg)
{
	struct ars_call *c = arg;
	if (c->state != ARS_CALL_INCOMING || !c->invite_st)
		return;
	if (!sdp) {
		final_reply(c, 488, "Not Acceptable Here", NULL);
		end(c, 488, error ? error : "no common codec with the caller", "local");
		return;
	}
	c->local_sdp = g_strdup(sdp);
	c->dialog = ars_sip_dialog_new_uas(ars_sip_stxn_request(c->invite_st), c->local_tag,
					   c->env.via_host, c->env.secure);
	final_reply(c, 200, "OK", sdp);
	set_state(c, ARS_CALL_ESTABLISHED);
}

struct ars_call *ars_call_new_incoming(const struct ars_call_env *env, gint64 id, gint64 account_id,
				       struct ars_sip_stxn *st, const struct ars_sip_msg *invite,
				       const struct ars_call_media_ops *ops, void *media,
				       ars_call_changed_h *h, void *arg)
{
	struct ars_call *c = g_new0(struct ars_call, 1);
	c->id = id;
	c->account_id = account_id;
	c->env = *env;
	c->state = ARS_CALL_INCOMING;
	c->call_id = g_strdup(invite->call_id);
	c->local_tag = ars_sip_random_hex(12);
	c->invite_st = st;
	c->ops = ops;
	c->media = media;
	c->h = h;
	c->arg = arg;
	c->created_at = g_get_real_time();
	ars_sip_credentials_init(&c->creds, env->auth_username, env->password);
	char *display = NULL, *uri = NULL;
	const char *params;
	if (ars_sip_nameaddr_parse(ars_sip_msg_get(invite, "From"), &display, &uri, &params)) {
		c->remote_uri = uri;
		c->remote_name = display && *display ? display : (g_free(display), NULL);
	}
	if (!invite->body || !invite->body_len) {
		/* Offerless INVITEs (late offer) are not supported: say so. */
		struct ars_sip_msg *resp = ars_sip_msg_new_response(invite, 488, "Not Acceptable Here", c->local_tag);
		ars_sip_msg_add(resp, "Warning", "399 arsphone \"an SDP offer in the INVITE is required\"");
		ars_sip_stxn_reply(st, resp);
		c->invite_st = NULL;
		c->state = ARS_CALL_ENDED;
		c->end_code = 488;
		c->end_reason = g_strdup("the call came without an SDP offer");
		c->end_by = "local";
		c->ended_at = g_get_real_time();
		return c;
	}
	reply(c, st, 180, "Ringing", NULL);
	return c;
}

bool ars_call_can_answer(const struct ars_call *c)
{
	return c->state == ARS_CALL_INCOMING && c->invite_st && !c->answering;
}

void ars_call_answer(struct ars_call *c)
{
	if (!ars_call_can_answer(c))
		return;
	c->answering = true;
	const struct ars_sip_msg *inv = ars_sip_stxn_request(c->invite_st);
	g_autofree char *offer = g_strndup(inv->body, inv->body_len);
	c->ops->answer(c->media, offer, on_answer_sdp, c);
}

void ars_call_decline(struct ars_call *c)
{
	if (!ars_call_can_answer(c))
		return;
	final_reply(c, 603, "Decline", NULL);
	end(c, 603, "declined", "local");
}

void ars_call_hangup(struct ars_call *c)
{
	switch (c->state) {
	case ARS_CALL_INCOMING:
		ars_call_decline(c);
		return;
	case ARS_CALL_DIALING:
	case ARS_CALL_RINGING:
	case ARS_CALL_EARLY:
		/* §9.1: no CANCEL before a provisional answer; it goes out with the
		 * first one, or never when the INVITE was not sent yet. */
		if (c->invite_tx && c->got_provisional)
			send_cancel(c);
		else if (c->invite_tx)
			c->cancel_pending = true;
		/* What the INVITE will be answered with once the CANCEL lands. */
		end(c, 487, "cancelled", "local");
		return;
	case ARS_CALL_ESTABLISHED:
		send_bye(c, NULL);
		end(c, 0, "hung up", "local");
		return;
	case ARS_CALL_ENDED:
		return;
	}
}

void ars_call_media_failed(struct ars_call *c, const char *reason)
{
	if (c->state != ARS_CALL_ESTABLISHED) {
		ars_call_hangup(c);
		return;
	}
	g_autofree char *header = g_strdup_printf("SIP;cause=500;text=\"%s\"", reason);
	send_bye(c, header);
	end(c, 0, reason, "local");
}

void ars_call_flow_lost(struct ars_call *c)
{
	c->invite_tx = NULL;
	c->invite_st = NULL;
	c->reoffer_st = NULL;
	c->reinvite_tx = NULL;
	c->reinviting = false;
	c->cancel_pending = false;
	end(c, 0, "the connection to the server was lost", "remote");
}

void ars_call_set_codec(struct ars_call *c, const char *codec)
{
	g_free(c->codec);
	c->codec = g_strdup(codec);
	c->h(c, c->arg);
}

gint64 ars_call_id(const struct ars_call *c)
{
	return c->id;
}

gint64 ars_call_account_id(const struct ars_call *c)
{
	return c->account_id;
}

static void on_reoffer_answer(const char *sdp, const char *error, void *arg)
{
	struct ars_call *c = arg;
	struct ars_sip_stxn *st = g_steal_pointer(&c->reoffer_st);
	if (!st || c->state == ARS_CALL_ENDED)
		return;
	if (!sdp) {
		g_info("call %" G_GINT64_FORMAT ": new offer refused: %s", c->id, error);
		reply(c, st, 488, "Not Acceptable Here", NULL);
		return;
	}
	g_free(c->local_sdp);
	c->local_sdp = g_strdup(sdp);
	reply(c, st, 200, "OK", sdp);
}

bool ars_call_take_request(struct ars_call *c, struct ars_sip_stxn *st, const struct ars_sip_msg *req)
{
	if (strcmp(req->method, "CANCEL") == 0) {
		if (!c->invite_st || g_strcmp0(req->call_id, c->call_id) != 0 || !st)
			return false;
		reply(c, st, 200, "OK", NULL);
		final_reply(c, 487, "Request Terminated", NULL);
		end(c, 487, "the caller hung up before the answer", "remote");
		return true;
	}
	if (!c->dialog || !ars_sip_dialog_matches(c->dialog, req))
		return false;
	if (!st) /* an ACK for our 2xx */
		return true;
	if (!ars_sip_dialog_accept_request(c->dialog, req)) {
		struct ars_sip_msg *resp = ars_sip_msg_new_response(req, 500, "Server Internal Error", NULL);
		ars_sip_msg_add(resp, "Retry-After", "1");
		ars_sip_stxn_reply(st, resp);
		return true;
	}
	if (strcmp(req->method, "BYE") == 0) {
		reply(c, st, 200, "OK", NULL);
		end(c, 0, "the other side hung up", "remote");
	} else if ((strcmp(req->method, "INVITE") == 0 || strcmp(req->method, "UPDATE") == 0) &&
		   req->body_len && c->state == ARS_CALL_ESTABLISHED) {
		/* A new offer (hold, codec change, refresh): the media answers it;
		 * not while one is pending either way (§14.2). */
		if (c->reoffer_st || c->reinviting) {
			reply(c, st, 491, "Request Pending", NULL);
			return true;
		}
		c->reoffer_st = st;
		g_autofree char *offer = g_strndup(req->body, req->body_len);
		c->ops->answer(c->media, offer, on_reoffer_answer, c);
	} else if (strcmp(req->method, "INVITE") == 0 && c->local_sdp) {
		/* Without an offer: ours is the session we have. */
		reply(c, st, 200, "OK", c->local_sdp);
	} else if (strcmp(req->method, "UPDATE") == 0) {
		reply(c, st, 200, "OK", NULL); /* a session timer refresh */
	} else if (strcmp(req->method, "OPTIONS") == 0) {
		reply(c, st, 200, "OK", NULL);
	} else {
		reply(c, st, 488, "Not Acceptable Here", NULL);
	}
	return true;
}

/* --- our re-INVITE (hold) ----------------------------------------------------- */

static void reinvite_refused(struct ars_call *c, const char *why)
{
	g_info("call %" G_GINT64_FORMAT ": %s refused: %s", c->id, c->hold_wanted ? "hold" : "resume", why);
	c->reinviting = false;
	c->ops->offer_refused(c->media);
	c->h(c, c->arg);
}

static void on_reinvite_response(const struct ars_sip_msg *resp, int err, void *arg)
{
	struct ars_call *c = arg;
	if (!resp) {
		c->reinvite_tx = NULL;
		if (err == 0 || c->state == ARS_CALL_ENDED || !c->reinviting)
			return; /* the transaction ran out after its final answer */
		send_bye(c, NULL);
		end(c, 408, "no answer to our re-INVITE", "remote");
		return;
	}
	if (resp->status < 200 || c->state == ARS_CALL_ENDED)
		return;
	if (resp->status < 300) {
		/* §13.2.2.4: every 2xx (retransmissions too) gets an ACK */
		g_autoptr(ArsSipMsg) ack = ars_sip_dialog_request(c->dialog, "ACK", c->reinvite_cseq);
		ars_sip_txns_send(c->env.txns, ack);
	}
	if (!c->reinviting)
		return;
	if (resp->status >= 300) {
		c->reinvite_tx = NULL; /* ended with this answer */
		g_autofree char *text = failure_text(resp);
		if (resp->status == 408 || resp->status == 481) { /* §14.1: the dialog is gone */
			send_bye(c, NULL);
			end(c, resp->status, text, "remote");
			return;
		}
		reinvite_refused(c, text);
		return;
	}
	ars_sip_dialog_refresh_target(c->dialog, resp);
	const char *error = NULL;
	g_autofree char *sdp = resp->body ? g_strndup(resp->body, resp->body_len) : NULL;
	if (!sdp) {
		reinvite_refused(c, "the 2xx has no answer");
		return;
	}
	if (!c->ops->set_answer(c->media, sdp, &error)) {
		send_bye(c, "SIP;cause=488;text=\"Not Acceptable Here\"");
		end(c, 488, error ? error : "the answer to our re-INVITE is not usable", "local");
		return;
	}
	c->reinviting = false;
	c->held = c->hold_wanted;
	g_info("call %" G_GINT64_FORMAT ": %s", c->id, c->held ? "on hold" : "resumed");
	c->h(c, c->arg);
}

static void on_hold_offer(const char *sdp, const char *error, void *arg)
{
	struct ars_call *c = arg;
	if (c->state != ARS_CALL_ESTABLISHED || !c->reinviting)
		return;
	if (!sdp) {
		g_info("call %" G_GINT64_FORMAT ": no offer for the re-INVITE: %s", c->id, error);
		c->reinviting = false;
		return;
	}
	g_free(c->local_sdp);
	c->local_sdp = g_strdup(sdp);
	struct ars_sip_msg *m = ars_sip_dialog_request(c->dialog, "INVITE", 0);
	ars_sip_msg_add(m, "Contact", c->env.contact);
	ars_sip_msg_add(m, "Allow", ALLOW);
	ars_sip_msg_add(m, "Supported", "outbound");
	ars_sip_msg_add(m, "User-Agent", "arsphone/" ARS_VERSION);
	ars_sip_msg_set_body(m, "application/sdp", sdp, strlen(sdp));
	ars_sip_msg_update_fields(m);
	c->reinvite_cseq = m->cseq;
	if (c->reinvite_tx)
		ars_sip_ctxn_forget(c->reinvite_tx); /* the last one's, lingering */
	c->reinvite_tx = ars_sip_ctxn_send(c->env.txns, m, on_reinvite_response, c);
}

int ars_call_hold(struct ars_call *c, bool hold)
{
	if (c->state != ARS_CALL_ESTABLISHED || !c->dialog || c->reinviting || c->reoffer_st)
		return -EBUSY;
	if (c->held == hold)
		return 0;
	c->reinviting = true;
	c->hold_wanted = hold;
	c->ops->hold_offer(c->media, hold, on_hold_offer, c);
	return 0;
}

/* --- the API object ------------------------------------------------------------ */

static json_t *time_json(gint64 us)
{
	if (!us)
		return json_null();
	g_autoptr(GDateTime) t = g_date_time_new_from_unix_utc(us / G_USEC_PER_SEC);
	g_autofree char *s = g_date_time_format(t, "%Y-%m-%dT%H:%M:%SZ");
	return json_string(s);
}

json_t *ars_call_to_json(const struct ars_call *c)
{
	json_t *end_obj = c->state == ARS_CALL_ENDED
				  ? json_pack("{s:o, s:s?, s:s?}", "code",
					      c->end_code ? json_integer(c->end_code) : json_null(), "reason",
					      c->end_reason, "by", c->end_by)
				  : json_null();
	return json_pack("{s:I, s:I, s:s, s:s?, s:s?, s:s, s:o, s:o, s:o, s:o, s:s?, s:b}", "id", (json_int_t)c->id,
			 "account_id", (json_int_t)c->account_id, "direction", c->outgoing ? "out" : "in",
			 "remote_uri", c->remote_uri, "remote_name", c->remote_name, "state",
			 state_names[c->state], "created_at", time_json(c->created_at), "answered_at",
			 time_json(c->answered_at), "ended_at", time_json(c->ended_at), "end", end_obj,
			 "codec", c->codec, "held", c->held);
}

void ars_call_free(struct ars_call *c)
{
	if (!c)
		return;
	if (c->invite_tx)
		ars_sip_ctxn_forget(c->invite_tx);
	if (c->reinvite_tx)
		ars_sip_ctxn_forget(c->reinvite_tx);
	ars_sip_msg_free(c->invite);
	ars_sip_dialog_free(c->dialog);
	ars_sip_credentials_clear(&c->creds);
	g_free(c->remote_uri);
	g_free(c->remote_name);
	g_free(c->call_id);
	g_free(c->local_tag);
	g_free(c->local_sdp);
	g_free(c->end_reason);
	g_free(c->codec);
	g_free(c);
}
