/* call.c - the signalling of one call. The media session is reached only
 * through struct ars_call_media_ops. An ended call stays alive (as history)
 * so that a 2xx racing our CANCEL is still acknowledged and hung up. */
#define G_LOG_DOMAIN "sip-call"

#include "call.h"

#include "prack.h"
#include "ars_config.h"

#include <errno.h>
#include <string.h>

#define ALLOW "INVITE, ACK, CANCEL, BYE, OPTIONS, PRACK, UPDATE" /* in a dialog */

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
	bool confirmed; /* the dialog has its 2xx (before: an early dialog, or none) */

	/* RFC 3262 */
	uint32_t rseq_seen;	       /* outgoing: RSeq of the last reliable 1xx taken; 0: none */
	struct ars_sip_ctxn *prack_tx; /* outgoing: our last PRACK until its final answer */
	char *prack_rack;	       /* its RAck, for a retry with credentials */
	struct ars_sip_rel1xx *rel1xx; /* incoming: our reliable 180 until its PRACK */

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
	ars_sip_msg_add(m, "Supported", ARS_SIP_CALL_SUPPORTED);
	ars_sip_msg_add(m, "User-Agent", "arsphone/" ARS_VERSION);
	ars_sip_credentials_add(&c->creds, m, "INVITE", c->remote_uri);
	ars_sip_msg_set_body(m, "application/sdp", c->local_sdp, strlen(c->local_sdp));
	ars_sip_msg_update_fields(m);
	ars_sip_msg_free(c->invite);
	c->invite = ars_sip_msg_copy(m);
	c->got_provisional = false;
	c->rseq_seen = 0;
	g_clear_pointer(&c->dialog, ars_sip_dialog_free); /* an early one of the last INVITE */
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
	if (!c->confirmed) {
		/* §13.2.2.4: the 2xx sets the route set and remote target, an early
		 * dialog's too; the CSeq goes on after its PRACKs. */
		struct ars_sip_dialog *d = ars_sip_dialog_new_uac(c->invite, resp, c->env.via_host, c->env.secure);
		if (!d) {
			end(c, 0, "the answer to our INVITE has no Contact or To tag", "remote");
			return;
		}
		if (c->dialog)
			d->local_cseq = MAX(d->local_cseq, c->dialog->local_cseq);
		ars_sip_dialog_free(c->dialog);
		c->dialog = d;
		c->confirmed = true;
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

/* The INVITE is cancelled (CANCEL now, or once a provisional allows it)
 * and the call ends. */
static void cancel_invite(struct ars_call *c, int code, const char *reason, const char *by)
{
	/* §9.1: no CANCEL before a provisional answer; it goes out with the
	 * first one, or never when the INVITE was not sent yet. */
	if (c->invite_tx && c->got_provisional)
		send_cancel(c);
	else if (c->invite_tx)
		c->cancel_pending = true;
	end(c, code, reason, by);
}

static void on_prack_response(const struct ars_sip_msg *resp, int err, void *arg);

static void send_prack(struct ars_call *c, const char *rack)
{
	struct ars_sip_msg *m = ars_sip_dialog_request(c->dialog, "PRACK", 0);
	ars_sip_msg_add(m, "RAck", rack);
	ars_sip_credentials_add(&c->creds, m, "PRACK", m->ruri);
	ars_sip_msg_add(m, "User-Agent", "arsphone/" ARS_VERSION);
	ars_sip_msg_update_fields(m);
	if (rack != c->prack_rack) {
		g_free(c->prack_rack);
		c->prack_rack = g_strdup(rack);
	}
	if (c->prack_tx) /* an earlier PRACK's answer no longer matters */
		ars_sip_ctxn_forget(c->prack_tx);
	c->prack_tx = ars_sip_ctxn_send(c->env.txns, m, on_prack_response, c);
}

static void on_prack_response(const struct ars_sip_msg *resp, int err, void *arg)
{
	struct ars_call *c = arg;
	if (resp && resp->status < 200)
		return;
	c->prack_tx = NULL;
	if (resp && resp->status < 300) {
		ars_sip_credentials_answered(&c->creds);
		return;
	}
	if (resp && (resp->status == 401 || resp->status == 407) && c->state != ARS_CALL_ENDED &&
	    ars_sip_credentials_challenge(&c->creds, resp) == ARS_SIP_CHALLENGE_RETRY) {
		send_prack(c, c->prack_rack);
		return;
	}
	g_autofree char *text = resp ? failure_text(resp)
				     : g_strdup(err == -ETIMEDOUT ? "no answer" : "the connection was lost");
	g_info("call %" G_GINT64_FORMAT ": our PRACK failed: %s", c->id, text);
	/* §12.2.1.2: a 481 or 408 (or no answer at all) ends the dialog; an
	 * early one ends by cancelling the INVITE. Other failures leave it. */
	bool gone = resp ? resp->status == 481 || resp->status == 408 : err == -ETIMEDOUT;
	if (gone && !c->confirmed && c->state != ARS_CALL_ENDED) {
		g_autofree char *why = g_strdup_printf("our PRACK failed: %s", text);
		cancel_invite(c, resp ? resp->status : 408, why, "remote");
	}
}

/* RFC 3262 §4: a reliable provisional is PRACKed once, in RSeq order, in
 * the early dialog it makes. False when it must not be processed further
 * (a retransmission, out of order, unusable). */
static bool take_reliable(struct ars_call *c, const struct ars_sip_msg *resp)
{
	uint32_t rseq;
	if (!ars_sip_rseq_parse(ars_sip_msg_get(resp, "RSeq"), &rseq)) {
		g_info("call %" G_GINT64_FORMAT ": reliable %d without a valid RSeq ignored", c->id,
		       resp->status);
		return false;
	}
	if (c->dialog && g_strcmp0(c->dialog->remote_tag, resp->to_tag) != 0) {
		/* A second early dialog (a forked INVITE): one is followed. */
		g_info("call %" G_GINT64_FORMAT ": reliable %d of another early dialog ignored", c->id,
		       resp->status);
		return false;
	}
	if (c->rseq_seen && rseq != c->rseq_seen + 1) {
		g_debug("call %" G_GINT64_FORMAT ": reliable %d with RSeq %u after %u: %s", c->id,
			resp->status, rseq, c->rseq_seen,
			rseq <= c->rseq_seen ? "a retransmission" : "out of order, ignored");
		return false;
	}
	if (!c->dialog) {
		c->dialog = ars_sip_dialog_new_uac(c->invite, resp, c->env.via_host, c->env.secure);
		if (!c->dialog) {
			g_info("call %" G_GINT64_FORMAT ": reliable %d without Contact or To tag ignored",
			       c->id, resp->status);
			return false;
		}
	}
	c->rseq_seen = rseq;
	ars_sip_credentials_answered(&c->creds); /* the INVITE got through */
	g_autofree char *rack = g_strdup_printf("%u %u INVITE", rseq, c->invite->cseq);
	send_prack(c, rack);
	return true;
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
	if (ars_sip_msg_has_option(resp, "Require", "100rel") && !take_reliable(c, resp))
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

/* What every call starts with, either way. */
static struct ars_call *call_alloc(const struct ars_call_env *env, gint64 id, gint64 account_id,
				   const struct ars_call_media_ops *ops, void *media, ars_call_changed_h *h,
				   void *arg)
{
	struct ars_call *c = g_new0(struct ars_call, 1);
	c->id = id;
	c->account_id = account_id;
	c->env = *env;
	c->local_tag = ars_sip_random_hex(12);
	c->ops = ops;
	c->media = media;
	c->h = h;
	c->arg = arg;
	c->created_at = g_get_real_time();
	ars_sip_credentials_init(&c->creds, env->auth_username, env->password);
	return c;
}

struct ars_call *ars_call_new_outgoing(const struct ars_call_env *env, gint64 id, gint64 account_id,
				       const char *target_uri, const struct ars_call_media_ops *ops,
				       void *media, ars_call_changed_h *h, void *arg)
{
	struct ars_call *c = call_alloc(env, id, account_id, ops, media, h, arg);
	c->outgoing = true;
	c->state = ARS_CALL_DIALING;
	c->remote_uri = g_strdup(target_uri);
	c->call_id = ars_sip_random_hex(24);
	ops->offer(media, on_offer, c);
	return c;
}

/* --- incoming ----------------------------------------------------------------- */

static struct ars_sip_msg *response(struct ars_call *c, struct ars_sip_stxn *st, int status,
				     const char *reason, const char *sdp)
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
		ars_sip_msg_add(resp, "Supported", ARS_SIP_CALL_SUPPORTED);
	} else if (status == 501) {
		ars_sip_msg_add(resp, "Allow", ALLOW); /* what we do take */
	}
	ars_sip_msg_add(resp, "User-Agent", "arsphone/" ARS_VERSION);
	if (sdp)
		ars_sip_msg_set_body(resp, "application/sdp", sdp, strlen(sdp));
	return resp;
}

static void reply(struct ars_call *c, struct ars_sip_stxn *st, int status, const char *reason,
		  const char *sdp)
{
	ars_sip_stxn_reply(st, response(c, st, status, reason, sdp));
}

/* Answers the INVITE with a final status (the server transaction ends). */
static void final_reply(struct ars_call *c, int status, const char *reason, const char *sdp)
{
	if (!c->invite_st)
		return;
	/* §3: no more retransmissions of our reliable 180 after a final. */
	g_clear_pointer(&c->rel1xx, ars_sip_rel1xx_free);
	reply(c, c->invite_st, status, reason, sdp);
	c->invite_st = NULL;
}

static void send_answer(struct ars_call *c)
{
	if (!c->dialog)
		c->dialog = ars_sip_dialog_new_uas(ars_sip_stxn_request(c->invite_st), c->local_tag,
						   c->env.via_host, c->env.secure);
	c->confirmed = true;
	final_reply(c, 200, "OK", c->local_sdp);
	set_state(c, ARS_CALL_ESTABLISHED);
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
	if (c->rel1xx) {
		/* §3: no 2xx while our reliable 180 is not acknowledged. */
		g_info("call %" G_GINT64_FORMAT ": answer held until the caller's PRACK", c->id);
		return;
	}
	send_answer(c);
}

/* No PRACK for our reliable 180 in 64*T1: §3 wants a 5xx. */
static void on_no_prack(void *arg)
{
	struct ars_call *c = arg;
	final_reply(c, 504, "Server Time-out", NULL);
	end(c, 504, "the caller never acknowledged our ringing (no PRACK)", "remote");
}

/* RFC 3262 §3: the caller requires a reliable 180; it makes the early
 * dialog its PRACK comes in. */
static void ring_reliably(struct ars_call *c)
{
	c->dialog = ars_sip_dialog_new_uas(ars_sip_stxn_request(c->invite_st), c->local_tag,
					   c->env.via_host, c->env.secure);
	if (!c->dialog) { /* no Contact to build it from: plain ringing */
		reply(c, c->invite_st, 180, "Ringing", NULL);
		return;
	}
	struct ars_sip_msg *resp = response(c, c->invite_st, 180, "Ringing", NULL);
	uint32_t rseq = ars_sip_rseq_first();
	ars_sip_msg_add(resp, "Require", "100rel");
	ars_sip_msg_addf(resp, "RSeq", "%u", rseq);
	c->rel1xx = ars_sip_rel1xx_send(c->env.txns, c->invite_st, resp, rseq, on_no_prack, c);
}

/* A PRACK in our early dialog: it must name our unacknowledged 180. */
static void take_prack(struct ars_call *c, struct ars_sip_stxn *st, const struct ars_sip_msg *req)
{
	if (!c->rel1xx || !ars_sip_rel1xx_matches(c->rel1xx, req)) {
		g_info("call %" G_GINT64_FORMAT ": PRACK (RAck %s) matches nothing: 481", c->id,
		       ars_sip_msg_get(req, "RAck"));
		reply(c, st, 481, "Call/Transaction Does Not Exist", NULL);
		return;
	}
	g_clear_pointer(&c->rel1xx, ars_sip_rel1xx_free);
	reply(c, st, 200, "OK", NULL);
	if (c->state == ARS_CALL_INCOMING && c->answering && c->local_sdp)
		send_answer(c); /* the answer that was held */
}

/* §8.2.2.3: a request that requires what we do not support gets 420 with
 * the list. True when req was refused. */
static bool refuse_extensions(struct ars_call *c, struct ars_sip_stxn *st, const struct ars_sip_msg *req)
{
	g_autofree char *unsupported = ars_sip_unsupported_required(req);
	if (!unsupported)
		return false;
	g_info("call %" G_GINT64_FORMAT ": %s requires %s: 420", c->id, req->method, unsupported);
	struct ars_sip_msg *resp = ars_sip_msg_new_response(req, 420, "Bad Extension", c->local_tag);
	ars_sip_msg_add(resp, "Unsupported", unsupported);
	ars_sip_msg_add(resp, "User-Agent", "arsphone/" ARS_VERSION);
	ars_sip_stxn_reply(st, resp);
	return true;
}

/* An incoming call refused at once: it is born ended. */
static void born_ended(struct ars_call *c, int code, const char *reason)
{
	c->invite_st = NULL;
	c->state = ARS_CALL_ENDED;
	c->end_code = code;
	c->end_reason = g_strdup(reason);
	c->end_by = "local";
	c->ended_at = g_get_real_time();
}

struct ars_call *ars_call_new_incoming(const struct ars_call_env *env, gint64 id, gint64 account_id,
				       struct ars_sip_stxn *st, const struct ars_sip_msg *invite,
				       const struct ars_call_media_ops *ops, void *media,
				       ars_call_changed_h *h, void *arg)
{
	struct ars_call *c = call_alloc(env, id, account_id, ops, media, h, arg);
	c->state = ARS_CALL_INCOMING;
	c->call_id = g_strdup(invite->call_id);
	c->invite_st = st;
	char *display = NULL, *uri = NULL;
	const char *params;
	if (ars_sip_nameaddr_parse(ars_sip_msg_get(invite, "From"), &display, &uri, &params)) {
		c->remote_uri = uri;
		c->remote_name = display && *display ? display : (g_free(display), NULL);
	}
	if (refuse_extensions(c, st, invite)) {
		born_ended(c, 420, "the call requires SIP extensions we do not support");
		return c;
	}
	if (!invite->body || !invite->body_len) {
		/* Offerless INVITEs (late offer) are not supported: say so. */
		struct ars_sip_msg *resp = ars_sip_msg_new_response(invite, 488, "Not Acceptable Here", c->local_tag);
		ars_sip_msg_add(resp, "Warning", "399 arsphone \"an SDP offer in the INVITE is required\"");
		ars_sip_stxn_reply(st, resp);
		born_ended(c, 488, "the call came without an SDP offer");
		return c;
	}
	/* Only a caller that requires 100rel gets a reliable 180; Supported
	 * alone keeps it plain (§3 allows both). */
	if (ars_sip_msg_has_option(invite, "Require", "100rel"))
		ring_reliably(c);
	else
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
		/* 487: what the INVITE will be answered with once the CANCEL lands. */
		cancel_invite(c, 487, "cancelled", "local");
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
	c->prack_tx = NULL;
	c->invite_st = NULL;
	c->reoffer_st = NULL;
	g_clear_pointer(&c->rel1xx, ars_sip_rel1xx_free);
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
	if (refuse_extensions(c, st, req))
		return true;
	if (!ars_sip_dialog_accept_request(c->dialog, req)) {
		struct ars_sip_msg *resp = ars_sip_msg_new_response(req, 500, "Server Internal Error", NULL);
		ars_sip_msg_add(resp, "Retry-After", "1");
		ars_sip_stxn_reply(st, resp);
		return true;
	}
	if (strcmp(req->method, "BYE") == 0) {
		reply(c, st, 200, "OK", NULL);
		final_reply(c, 487, "Request Terminated", NULL); /* a BYE in our early dialog */
		end(c, 0, "the other side hung up", "remote");
	} else if (strcmp(req->method, "PRACK") == 0) {
		take_prack(c, st, req);
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
	} else if ((strcmp(req->method, "INVITE") == 0 || strcmp(req->method, "UPDATE") == 0) &&
		   req->body_len) {
		/* a new offer before the call is established (an early UPDATE) */
		reply(c, st, 488, "Not Acceptable Here", NULL);
	} else if (strcmp(req->method, "INVITE") == 0 && c->local_sdp) {
		/* Without an offer: ours is the session we have. */
		reply(c, st, 200, "OK", c->local_sdp);
	} else if (strcmp(req->method, "UPDATE") == 0) {
		reply(c, st, 200, "OK", NULL); /* a session timer refresh */
	} else if (strcmp(req->method, "OPTIONS") == 0) {
		reply(c, st, 200, "OK", NULL);
	} else {
		/* INFO, REFER, MESSAGE, NOTIFY...: not for this phone */
		reply(c, st, 501, "Not Implemented", NULL);
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

/* Missed: rang here, never established, and not ended by this phone (the
 * caller gave up, or the connection went); declined calls are not missed. */
static bool missed(const struct ars_call *c)
{
	return c->state == ARS_CALL_ENDED && !c->outgoing && !c->answered_at &&
	       g_strcmp0(c->end_by, "local") != 0;
}

/* Whole seconds talked, once an answered call has ended. */
static json_t *duration_json(const struct ars_call *c)
{
	if (c->state != ARS_CALL_ENDED || !c->answered_at || c->ended_at < c->answered_at)
		return json_null();
	return json_integer((c->ended_at - c->answered_at + G_USEC_PER_SEC / 2) / G_USEC_PER_SEC);
}

json_t *ars_call_to_json(const struct ars_call *c)
{
	json_t *end_obj = c->state == ARS_CALL_ENDED
				  ? json_pack("{s:o, s:s?, s:s?}", "code",
					      c->end_code ? json_integer(c->end_code) : json_null(), "reason",
					      c->end_reason, "by", c->end_by)
				  : json_null();
	return json_pack("{s:I, s:I, s:s, s:s?, s:s?, s:s, s:o, s:o, s:o, s:o, s:s?, s:b, s:o, s:b}", "id",
			 (json_int_t)c->id, "account_id", (json_int_t)c->account_id, "direction",
			 c->outgoing ? "out" : "in", "remote_uri", c->remote_uri, "remote_name",
			 c->remote_name, "state", state_names[c->state], "created_at", time_json(c->created_at),
			 "answered_at", time_json(c->answered_at), "ended_at", time_json(c->ended_at), "end",
			 end_obj, "codec", c->codec, "missed", missed(c), "duration", duration_json(c), "held",
			 c->held && c->state != ARS_CALL_ENDED);
}

void ars_call_free(struct ars_call *c)
{
	if (!c)
		return;
	if (c->invite_tx)
		ars_sip_ctxn_forget(c->invite_tx);
	if (c->prack_tx)
		ars_sip_ctxn_forget(c->prack_tx);
	ars_sip_rel1xx_free(c->rel1xx);
	g_free(c->prack_rack);
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
