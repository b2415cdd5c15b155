/* test_sip_call.c - call signalling against scripted peers, with a fake media
 * session: outgoing (provisional, early media, 2xx/ACK, digest, failure
 * texts, CANCEL and its races, BYE) and incoming (ringing, answer, decline,
 * CANCEL, BYE, offerless INVITE), and in-dialog requests (re-INVITE and
 * UPDATE with and without an offer, 491, OPTIONS). */
#include "sip_call_fixture.h"

static void test_outgoing_answered(struct fixture *f, gconstpointer data)
{
	f->call = ars_call_new_outgoing(&f->env, 1, 7, "sip:1001@pbx.example", &ops, &f->media, on_changed, f);
	g_assert_cmpint(f->media.offers, ==, 1);
	struct ars_sip_msg *inv = ars_sip_msg_copy(sent(f, 0));
	g_autoptr(ArsSipMsg) keep = inv;
	g_assert_cmpstr(inv->method, ==, "INVITE");
	g_assert_cmpstr(inv->ruri, ==, "sip:1001@pbx.example");
	g_assert_cmpstr(ars_sip_msg_get(inv, "Contact"), ==, "<sip:u1@abc.invalid;transport=ws;ob>");
	g_assert_cmpstr(ars_sip_msg_get(inv, "Content-Type"), ==, "application/sdp");
	g_assert_cmpmem(inv->body, inv->body_len, OFFER, strlen(OFFER));
	g_assert_cmpstr(ars_call_state_name(ars_call_state(f->call)), ==, "dialing");

	answer_invite(f, inv, 100, "Trying", NULL, NULL);
	g_assert_cmpuint(f->states->len, ==, 0);
	answer_invite(f, inv, 180, "Ringing", NULL, NULL);
	g_assert_cmpstr(last_state(f), ==, "ringing");
	answer_invite(f, inv, 200, "OK", ANSWER, NULL);
	g_assert_cmpstr(last_state(f), ==, "established");
	g_assert_cmpstr(f->media.remote_answer, ==, ANSWER);
	struct ars_sip_msg *ack = last(f);
	g_assert_cmpstr(ack->method, ==, "ACK");
	g_assert_cmpstr(ack->ruri, ==, "sip:1001@10.0.0.20");
	g_assert_cmpstr(ars_sip_msg_get(ack, "Route"), ==, "<sip:10.0.0.1;transport=ws;lr>");
	g_assert_cmpuint(ack->cseq, ==, inv->cseq);
	g_assert_cmpstr(ack->to_tag, ==, "callee");

	/* a retransmitted 200 is acknowledged again, nothing else changes */
	guint before = f->sent.msgs->len;
	answer_invite(f, inv, 200, "OK", ANSWER, NULL);
	g_assert_cmpuint(f->sent.msgs->len, ==, before + 1);
	g_assert_cmpstr(last(f)->method, ==, "ACK");
	g_assert_cmpint(f->media.set_answers, ==, 1);

	ars_call_hangup(f->call);
	struct ars_sip_msg *bye = last(f);
	g_assert_cmpstr(bye->method, ==, "BYE");
	g_assert_cmpuint(bye->cseq, ==, inv->cseq + 1);
	g_assert_cmpstr(last_state(f), ==, "ended");
	json_auto_t *j = ars_call_to_json(f->call);
	g_assert_cmpstr(json_string_value(json_object_get(j, "direction")), ==, "out");
	g_assert_cmpstr(json_string_value(json_object_get(json_object_get(j, "end"), "by")), ==, "local");
	g_assert_nonnull(json_string_value(json_object_get(j, "answered_at")));
}

static void test_outgoing_auth_then_busy(struct fixture *f, gconstpointer data)
{
	f->call = ars_call_new_outgoing(&f->env, 2, 7, "sip:1001@pbx.example", &ops, &f->media, on_changed, f);
	g_autoptr(ArsSipMsg) inv = ars_sip_msg_copy(sent(f, 0));
	const char *const challenge[] = {"Proxy-Authenticate", "Digest realm=\"pbx.example\", nonce=\"n1\", qop=\"auth\"", NULL};
	answer_invite(f, inv, 407, "Proxy Authentication Required", NULL, challenge);
	/* the transaction acknowledged the 407; then a new INVITE with credentials */
	g_assert_cmpstr(sent(f, 1)->method, ==, "ACK");
	g_autoptr(ArsSipMsg) inv2 = ars_sip_msg_copy(sent(f, 2));
	g_assert_cmpstr(inv2->method, ==, "INVITE");
	g_assert_cmpuint(inv2->cseq, ==, inv->cseq + 1);
	g_assert_cmpstr(inv2->call_id, ==, inv->call_id);
	g_assert_nonnull(ars_sip_msg_get(inv2, "Proxy-Authorization"));
	g_assert_cmpstr(inv2->via_branch, !=, inv->via_branch);

	const char *const busy[] = {"Reason", "Q.850;cause=17;text=\"User busy\"", NULL};
	answer_invite(f, inv2, 486, "Busy Here", NULL, busy);
	g_assert_cmpstr(last_state(f), ==, "ended");
	json_auto_t *j = ars_call_to_json(f->call);
	json_t *e = json_object_get(j, "end");
	g_assert_cmpint(json_integer_value(json_object_get(e, "code")), ==, 486);
	g_assert_cmpstr(json_string_value(json_object_get(e, "reason")), ==, "486 Busy Here (User busy)");
	g_assert_cmpstr(json_string_value(json_object_get(e, "by")), ==, "remote");
}

static void test_cancel(struct fixture *f, gconstpointer data)
{
	f->call = ars_call_new_outgoing(&f->env, 3, 7, "sip:1001@pbx.example", &ops, &f->media, on_changed, f);
	g_autoptr(ArsSipMsg) inv = ars_sip_msg_copy(sent(f, 0));
	/* no CANCEL before a provisional answer */
	ars_call_hangup(f->call);
	g_assert_cmpstr(last_state(f), ==, "ended");
	g_assert_cmpuint(f->sent.msgs->len, ==, 1);
	answer_invite(f, inv, 180, "Ringing", NULL, NULL);
	struct ars_sip_msg *cancel = last(f);
	g_assert_cmpstr(cancel->method, ==, "CANCEL");
	g_assert_cmpstr(cancel->via_branch, ==, inv->via_branch);
	g_assert_cmpuint(cancel->cseq, ==, inv->cseq);
	g_assert_cmpstr(cancel->ruri, ==, inv->ruri);
	/* the 200 for the INVITE raced the CANCEL: acknowledged, then BYE */
	answer_invite(f, inv, 200, "OK", ANSWER, NULL);
	g_assert_cmpstr(sent(f, f->sent.msgs->len - 2)->method, ==, "ACK");
	g_assert_cmpstr(last(f)->method, ==, "BYE");
	g_assert_cmpuint(f->states->len, ==, 1); /* just "ended" */
}

static void test_early_media(struct fixture *f, gconstpointer data)
{
	f->call = ars_call_new_outgoing(&f->env, 4, 7, "sip:1001@pbx.example", &ops, &f->media, on_changed, f);
	g_autoptr(ArsSipMsg) inv = ars_sip_msg_copy(sent(f, 0));
	answer_invite(f, inv, 183, "Session Progress", ANSWER, NULL);
	g_assert_cmpstr(last_state(f), ==, "early");
	answer_invite(f, inv, 200, "OK", NULL, NULL);
	g_assert_cmpstr(last_state(f), ==, "established");
	g_assert_cmpint(f->media.set_answers, ==, 1);
}

/* A request in the incoming call's dialog (our tag `tag`), with an SDP
 * body when `sdp` is not NULL. */
static struct ars_sip_msg *in_dialog(const char *method, const char *branch, uint32_t cseq, const char *tag,
				     const char *sdp)
{
	g_autofree char *text = g_strdup_printf(
		"%s sip:u1@abc.invalid SIP/2.0\r\n"
		"Via: SIP/2.0/WSS 10.0.0.1;branch=%s\r\n"
		"Max-Forwards: 69\r\n"
		"From: <sip:1001@pbx.example>;tag=caller\r\n"
		"To: <sip:505@pbx.example>;tag=%s\r\n"
		"Call-ID: in-1\r\n"
		"CSeq: %u %s\r\n"
		"Contact: <sip:1001@10.0.0.20>\r\n"
		"%s"
		"Content-Length: %zu\r\n\r\n%s",
		method, branch, tag, cseq, method, sdp ? "Content-Type: application/sdp\r\n" : "",
		sdp ? strlen(sdp) : 0, sdp ? sdp : "");
	struct ars_sip_msg *m = NULL;
	const char *why;
	g_assert_cmpint(ars_sip_msg_parse(text, strlen(text), &m, &why), ==, ARS_SIP_PARSE_OK);
	return m;
}

/* An incoming call, answered; returns our tag (g_free). */
static char *answered_incoming(struct fixture *f)
{
	deliver_invite(f, OFFER);
	ars_call_answer(f->call);
	g_assert_cmpint(last(f)->status, ==, 200);
	g_assert_cmpstr(last_state(f), ==, "established");
	return g_strdup(last(f)->to_tag);
}

/* In-dialog requests without an offer: OPTIONS (a keep-alive or a
 * capability query) gets 200 with Allow; an offerless re-INVITE gets our
 * current session as the offer; an UPDATE without a body (session timer)
 * gets 200; INFO (a method we do not take) gets 501 with Allow. The call
 * goes on. */
static void test_in_dialog_no_offer(struct fixture *f, gconstpointer data)
{
	g_autofree char *tag = answered_incoming(f);
	g_autoptr(ArsSipMsg) options = in_dialog("OPTIONS", "z9hG4bKopt", 11, tag, NULL);
	ars_sip_txns_recv(f->txns, options);
	g_assert_cmpint(last(f)->status, ==, 200);
	g_assert_cmpstr(last(f)->cseq_method, ==, "OPTIONS");
	g_assert_cmpstr(last(f)->to_tag, ==, tag);
	GString *allow = g_string_new(NULL);
	for (guint i = 0; i < ars_sip_msg_count(last(f), "Allow"); i++)
		g_string_append_printf(allow, "%s;", ars_sip_msg_get_nth(last(f), "Allow", i));
	g_assert_cmpstr(allow->str, ==, "INVITE;ACK;CANCEL;BYE;OPTIONS;PRACK;UPDATE;");
	g_string_free(allow, TRUE);

	g_autoptr(ArsSipMsg) reinvite = in_dialog("INVITE", "z9hG4bKre0", 12, tag, NULL);
	ars_sip_txns_recv(f->txns, reinvite);
	g_assert_cmpint(last(f)->status, ==, 200);
	g_assert_cmpmem(last(f)->body, last(f)->body_len, ANSWER, strlen(ANSWER));
	g_assert_cmpint(f->media.answers, ==, 1); /* the media was not asked */

	g_autoptr(ArsSipMsg) update = in_dialog("UPDATE", "z9hG4bKupd", 13, tag, NULL);
	ars_sip_txns_recv(f->txns, update);
	g_assert_cmpint(last(f)->status, ==, 200);
	g_assert_cmpstr(last(f)->cseq_method, ==, "UPDATE");
	g_assert_cmpuint(last(f)->body_len, ==, 0);
	g_assert_cmpstr(last_state(f), ==, "established");

	/* a method this phone does not take in a dialog: 501 with what it does */
	g_autoptr(ArsSipMsg) info = in_dialog("INFO", "z9hG4bKinf", 14, tag, NULL);
	ars_sip_txns_recv(f->txns, info);
	g_assert_cmpint(last(f)->status, ==, 501);
	g_assert_cmpstr(last(f)->cseq_method, ==, "INFO");
	g_assert_nonnull(ars_sip_msg_get(last(f), "Allow"));
	g_assert_cmpstr(last_state(f), ==, "established");
}

/* New offers in UPDATE and re-INVITE: answered by the media; a second one
 * while the first waits for it gets 491 (RFC 3261 §14.2); one the media
 * refuses gets 488 and the call goes on with the session it had. */
static void test_in_dialog_offers(struct fixture *f, gconstpointer data)
{
	g_autofree char *tag = answered_incoming(f);
	g_autoptr(ArsSipMsg) update = in_dialog("UPDATE", "z9hG4bKupd", 11, tag, OFFER "a=inactive\r\n");
	ars_sip_txns_recv(f->txns, update);
	g_assert_cmpint(f->media.answers, ==, 2);
	g_assert_nonnull(strstr(f->media.remote_offer, "a=inactive"));
	g_assert_cmpint(last(f)->status, ==, 200);
	g_assert_cmpstr(last(f)->cseq_method, ==, "UPDATE");
	g_assert_cmpmem(last(f)->body, last(f)->body_len, ANSWER, strlen(ANSWER));

	f->media.defer_answer = true;
	guint n = f->sent.msgs->len;
	g_autoptr(ArsSipMsg) first = in_dialog("INVITE", "z9hG4bKre1", 12, tag, OFFER);
	ars_sip_txns_recv(f->txns, first);
	g_assert_cmpuint(f->sent.msgs->len, ==, n); /* the media is working on it */
	g_autoptr(ArsSipMsg) second = in_dialog("INVITE", "z9hG4bKre2", 13, tag, OFFER);
	ars_sip_txns_recv(f->txns, second);
	g_assert_cmpint(last(f)->status, ==, 491);
	g_assert_cmpint(last(f)->cseq, ==, 13);
	g_assert_cmpint(f->media.answers, ==, 3);
	f->media.deferred(ANSWER, NULL, f->media.deferred_arg);
	g_assert_cmpint(last(f)->status, ==, 200);
	g_assert_cmpint(last(f)->cseq, ==, 12);
	g_assert_cmpmem(last(f)->body, last(f)->body_len, ANSWER, strlen(ANSWER));

	f->media.defer_answer = false;
	f->media.fail_answer = true;
	g_autoptr(ArsSipMsg) refused = in_dialog("INVITE", "z9hG4bKre3", 14, tag, OFFER);
	ars_sip_txns_recv(f->txns, refused);
	g_assert_cmpint(last(f)->status, ==, 488);
	g_assert_cmpstr(last_state(f), ==, "established");
	/* the session we had is still ours: an offerless re-INVITE gets it */
	g_autoptr(ArsSipMsg) again = in_dialog("INVITE", "z9hG4bKre4", 15, tag, NULL);
	ars_sip_txns_recv(f->txns, again);
	g_assert_cmpint(last(f)->status, ==, 200);
	g_assert_cmpmem(last(f)->body, last(f)->body_len, ANSWER, strlen(ANSWER));
}

static bool held(struct fixture *f)
{
	json_auto_t *j = ars_call_to_json(f->call);
	return json_is_true(json_object_get(j, "held"));
}

/* Our own hold: a re-INVITE in the dialog with the media's sendonly offer,
 * `held` once its 2xx is ACKed; while it is out, another hold and the
 * peer's new offer (491) wait; a refused resume (491) leaves us held and
 * the media goes back; a 481 ends the call (§14.1). */
static void test_own_hold(struct fixture *f, gconstpointer data)
{
	g_autofree char *tag = answered_incoming(f);
	g_assert_false(held(f));
	guint n = f->sent.msgs->len;
	g_assert_cmpint(ars_call_hold(f->call, true), ==, 0);
	g_assert_cmpuint(f->sent.msgs->len, ==, n + 1);
	struct ars_sip_msg *reinv = ars_sip_msg_copy(last(f));
	g_autoptr(ArsSipMsg) keep = reinv;
	g_assert_cmpstr(reinv->method, ==, "INVITE");
	g_assert_cmpstr(reinv->ruri, ==, "sip:1001@10.0.0.20");
	g_assert_cmpstr(ars_sip_msg_get(reinv, "Route"), ==, "<sip:10.0.0.1;transport=ws;lr>");
	g_assert_cmpstr(reinv->from_tag, ==, tag);
	g_assert_cmpstr(reinv->to_tag, ==, "caller");
	g_assert_cmpmem(reinv->body, reinv->body_len, HOLD_OFFER, strlen(HOLD_OFFER));
	g_assert_nonnull(ars_sip_msg_get(reinv, "Contact"));
	g_assert_false(held(f)); /* not before the answer */
	g_assert_cmpint(ars_call_hold(f->call, true), ==, -EBUSY);
	g_autoptr(ArsSipMsg) glare = in_dialog("INVITE", "z9hG4bKgl", 11, tag, OFFER);
	ars_sip_txns_recv(f->txns, glare);
	g_assert_cmpint(last(f)->status, ==, 491);
	g_assert_cmpint(f->media.answers, ==, 1);

	guint states = f->states->len;
	answer_invite(f, reinv, 200, "OK", ANSWER "a=recvonly\r\n", NULL);
	g_assert_cmpstr(last(f)->method, ==, "ACK");
	g_assert_cmpuint(last(f)->cseq, ==, reinv->cseq);
	g_assert_nonnull(strstr(f->media.remote_answer, "a=recvonly"));
	g_assert_true(held(f));
	g_assert_cmpuint(f->states->len, >, states); /* the API hears of it */
	g_assert_cmpint(ars_call_hold(f->call, true), ==, 0); /* already */
	g_assert_cmpint(f->media.hold_offers, ==, 1);

	/* resume, refused with 491: still held, the media goes back */
	g_assert_cmpint(ars_call_hold(f->call, false), ==, 0);
	struct ars_sip_msg *resume = ars_sip_msg_copy(last(f));
	g_autoptr(ArsSipMsg) keep2 = resume;
	g_assert_cmpmem(resume->body, resume->body_len, OFFER, strlen(OFFER));
	g_assert_cmpuint(resume->cseq, ==, reinv->cseq + 1);
	answer_invite(f, resume, 491, "Request Pending", NULL, NULL);
	g_assert_cmpint(f->media.refused, ==, 1);
	g_assert_true(held(f));
	g_assert_cmpstr(last_state(f), ==, "established");

	/* resume again: the dialog is gone (481), the call ends with a BYE */
	g_assert_cmpint(ars_call_hold(f->call, false), ==, 0);
	struct ars_sip_msg *again = ars_sip_msg_copy(last(f));
	g_autoptr(ArsSipMsg) keep3 = again;
	answer_invite(f, again, 481, "Call/Transaction Does Not Exist", NULL, NULL);
	g_assert_cmpstr(last_state(f), ==, "ended");
	g_assert_cmpstr(last(f)->method, ==, "BYE");
	g_assert_cmpint(ars_call_hold(f->call, true), ==, -EBUSY);
}

static void test_incoming_answered(struct fixture *f, gconstpointer data)
{
	deliver_invite(f, OFFER);
	struct ars_sip_msg *ringing = last(f);
	g_assert_cmpint(ringing->status, ==, 180);
	g_assert_nonnull(ringing->to_tag);
	g_assert_cmpstr(ars_sip_msg_get(ringing, "Record-Route"), ==, "<sip:10.0.0.1;transport=ws;lr>");
	g_assert_cmpstr(ars_call_state_name(ars_call_state(f->call)), ==, "incoming");
	json_auto_t *j = ars_call_to_json(f->call);
	g_assert_cmpstr(json_string_value(json_object_get(j, "remote_name")), ==, "Boss");
	g_assert_cmpstr(json_string_value(json_object_get(j, "remote_uri")), ==, "sip:1001@pbx.example");

	ars_call_answer(f->call);
	g_assert_cmpstr(f->media.remote_offer, ==, OFFER);
	struct ars_sip_msg *ok = last(f);
	g_assert_cmpint(ok->status, ==, 200);
	g_assert_cmpmem(ok->body, ok->body_len, ANSWER, strlen(ANSWER));
	g_assert_cmpstr(ok->to_tag, ==, ringing->to_tag);
	g_assert_cmpstr(ars_sip_msg_get(ok, "Record-Route"), ==, "<sip:10.0.0.1;transport=ws;lr>");
	g_assert_cmpstr(last_state(f), ==, "established");

	g_autofree char *tag = g_strdup(ok->to_tag);

	/* the caller puts us on hold: a re-INVITE with a new offer is answered
	 * by the media, in a 200 with the answer */
	g_autoptr(ArsSipMsg) re = in_dialog("INVITE", "z9hG4bKre1", 11, tag, OFFER "a=sendonly\r\n");
	ars_sip_txns_recv(f->txns, re);
	g_assert_cmpint(f->media.answers, ==, 2);
	g_assert_nonnull(strstr(f->media.remote_offer, "a=sendonly"));
	g_assert_cmpint(last(f)->status, ==, 200);
	g_assert_cmpstr(last(f)->cseq_method, ==, "INVITE");
	g_assert_cmpmem(last(f)->body, last(f)->body_len, ANSWER, strlen(ANSWER));
	g_assert_cmpstr(last_state(f), ==, "established");

	g_autoptr(ArsSipMsg) bye = request("BYE", "z9hG4bKbye", 12, true, tag);
	ars_sip_txns_recv(f->txns, bye);
	g_assert_cmpint(last(f)->status, ==, 200);
	g_assert_cmpstr(last(f)->cseq_method, ==, "BYE");
	g_assert_cmpstr(last_state(f), ==, "ended");
	json_auto_t *j2 = ars_call_to_json(f->call);
	g_assert_cmpstr(json_string_value(json_object_get(json_object_get(j2, "end"), "by")), ==, "remote");
}

static void test_incoming_declined(struct fixture *f, gconstpointer data)
{
	deliver_invite(f, OFFER);
	ars_call_decline(f->call);
	g_assert_cmpint(last(f)->status, ==, 603);
	g_assert_cmpstr(last_state(f), ==, "ended");
}

static void test_incoming_cancelled(struct fixture *f, gconstpointer data)
{
	deliver_invite(f, OFFER);
	g_autoptr(ArsSipMsg) cancel = request("CANCEL", "z9hG4bKin1", 10, false, NULL);
	ars_sip_txns_recv(f->txns, cancel);
	g_assert_cmpint(sent(f, f->sent.msgs->len - 2)->status, ==, 200);
	g_assert_cmpstr(sent(f, f->sent.msgs->len - 2)->cseq_method, ==, "CANCEL");
	g_assert_cmpint(last(f)->status, ==, 487);
	g_assert_cmpstr(last(f)->cseq_method, ==, "INVITE");
	g_assert_cmpstr(last_state(f), ==, "ended");
}

static void test_incoming_offerless(struct fixture *f, gconstpointer data)
{
	deliver_invite(f, NULL);
	g_assert_cmpint(last(f)->status, ==, 488);
	g_assert_nonnull(ars_sip_msg_get(last(f), "Warning"));
	g_assert_cmpstr(ars_call_state_name(ars_call_state(f->call)), ==, "ended");
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add(path, struct fixture, NULL, setup, fn, teardown)
	ADD("/sip-call/outgoing-answered", test_outgoing_answered);
	ADD("/sip-call/outgoing-auth-then-busy", test_outgoing_auth_then_busy);
	ADD("/sip-call/cancel", test_cancel);
	ADD("/sip-call/early-media", test_early_media);
	ADD("/sip-call/incoming-answered", test_incoming_answered);
	ADD("/sip-call/incoming-declined", test_incoming_declined);
	ADD("/sip-call/incoming-cancelled", test_incoming_cancelled);
	ADD("/sip-call/incoming-offerless", test_incoming_offerless);
	ADD("/sip-call/in-dialog-no-offer", test_in_dialog_no_offer);
	ADD("/sip-call/in-dialog-offers", test_in_dialog_offers);
	ADD("/sip-call/own-hold", test_own_hold);
	return g_test_run();
}
