/* test_sip_call.c - call signalling against scripted peers, with a fake media
 * session: outgoing (provisional, early media, 2xx/ACK, digest, failure
 * texts, CANCEL and its races, BYE) and incoming (ringing, answer, decline,
 * CANCEL, BYE, offerless INVITE). */
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
	g_autofree char *reinvite = g_strdup_printf(
		"INVITE sip:u1@abc.invalid SIP/2.0\r\n"
		"Via: SIP/2.0/WSS 10.0.0.1;branch=z9hG4bKre1\r\n"
		"Max-Forwards: 69\r\n"
		"From: <sip:1001@pbx.example>;tag=caller\r\n"
		"To: <sip:505@pbx.example>;tag=%s\r\n"
		"Call-ID: in-1\r\n"
		"CSeq: 11 INVITE\r\n"
		"Contact: <sip:1001@10.0.0.20>\r\n"
		"Content-Type: application/sdp\r\n"
		"Content-Length: %zu\r\n\r\n%s",
		tag, strlen(OFFER "a=sendonly\r\n"), OFFER "a=sendonly\r\n");
	struct ars_sip_msg *re = NULL;
	const char *why;
	g_assert_cmpint(ars_sip_msg_parse(reinvite, strlen(reinvite), &re, &why), ==, ARS_SIP_PARSE_OK);
	g_autoptr(ArsSipMsg) re_owned = re;
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
	return g_test_run();
}
