/* test_sip_prack.c - reliable provisional responses (RFC 3262) in calls,
 * against scripted peers on the fake clock: as caller (PRACK for each new
 * RSeq, none for retransmissions or out-of-order ones, early media once,
 * the PRACK's own failures and challenge) and as callee (reliable 180
 * retransmitted at T1 doubling, PRACK matching, 481, 504 after 64*T1, our
 * 200 held until the PRACK, 420 for unsupported extensions); and the
 * RSeq/RAck/option-tag helpers. */
#include "sip/prack.h"
#include "sip_call_fixture.h"

/* --- helpers ------------------------------------------------------------------- */

static const char *const rel_180[] = {"Require", "100rel", "RSeq", "7", NULL};

/* The peer answers one of our non-INVITE requests (a PRACK). */
static void answer_request(struct fixture *f, const struct ars_sip_msg *req, int status, const char *reason,
			   const char *const *headers)
{
	g_autoptr(ArsSipMsg) resp = ars_sip_msg_new_response(req, status, reason, NULL);
	for (const char *const *h = headers; h && *h; h += 2)
		ars_sip_msg_add(resp, h[0], h[1]);
	ars_sip_msg_update_fields(resp);
	ars_sip_txns_recv(f->txns, resp);
}

static guint count_sent(struct fixture *f, const char *method, int status)
{
	guint n = 0;
	for (guint i = 0; i < f->sent.msgs->len; i++) {
		struct ars_sip_msg *m = sent(f, i);
		n += method ? m->request && strcmp(m->method, method) == 0 : !m->request && m->status == status;
	}
	return n;
}

static struct ars_sip_msg *dial(struct fixture *f)
{
	f->call = ars_call_new_outgoing(&f->env, 1, 7, "sip:1001@pbx.example", &ops, &f->media, on_changed, f);
	return ars_sip_msg_copy(sent(f, 0));
}

/* --- as caller ----------------------------------------------------------------- */

static void test_uac_prack(struct fixture *f, gconstpointer data)
{
	g_autoptr(ArsSipMsg) inv = dial(f);
	g_assert_true(ars_sip_msg_has_option(inv, "Supported", "100rel"));
	g_assert_true(ars_sip_msg_has_option(inv, "Supported", "outbound"));
	g_assert_nonnull(strstr(ars_sip_msg_get_nth(inv, "Allow", 5), "PRACK"));

	answer_invite(f, inv, 180, "Ringing", NULL, rel_180);
	g_assert_cmpstr(last_state(f), ==, "ringing");
	g_autoptr(ArsSipMsg) prack = ars_sip_msg_copy(last(f));
	g_assert_cmpstr(prack->method, ==, "PRACK");
	g_autofree char *rack7 = g_strdup_printf("7 %u INVITE", inv->cseq);
	g_assert_cmpstr(ars_sip_msg_get(prack, "RAck"), ==, rack7);
	g_assert_cmpuint(prack->cseq, ==, inv->cseq + 1);
	g_assert_cmpstr(prack->ruri, ==, "sip:1001@10.0.0.20");
	g_assert_cmpstr(ars_sip_msg_get(prack, "Route"), ==, "<sip:10.0.0.1;transport=ws;lr>");
	g_assert_cmpstr(prack->to_tag, ==, "callee");
	g_assert_cmpstr(prack->from_tag, ==, inv->from_tag);
	g_assert_cmpstr(prack->call_id, ==, inv->call_id);
	g_assert_cmpstr(prack->via_branch, !=, inv->via_branch);
	answer_request(f, prack, 200, "OK", NULL);

	/* the same 180 again (a retransmission) and one out of order: nothing */
	guint sent_before = f->sent.msgs->len, states_before = f->states->len;
	answer_invite(f, inv, 180, "Ringing", NULL, rel_180);
	const char *const skipped[] = {"Require", "100rel", "RSeq", "9", NULL};
	answer_invite(f, inv, 180, "Ringing", NULL, skipped);
	g_assert_cmpuint(f->sent.msgs->len, ==, sent_before);
	g_assert_cmpuint(f->states->len, ==, states_before);

	/* the next RSeq, a 183 with the answer: PRACKed, early media applied once */
	const char *const rel_183[] = {"Require", "100rel", "RSeq", "8", NULL};
	answer_invite(f, inv, 183, "Session Progress", ANSWER, rel_183);
	g_assert_cmpstr(last_state(f), ==, "early");
	g_assert_cmpint(f->media.set_answers, ==, 1);
	g_autoptr(ArsSipMsg) prack2 = ars_sip_msg_copy(last(f));
	g_assert_cmpstr(prack2->method, ==, "PRACK");
	g_autofree char *rack8 = g_strdup_printf("8 %u INVITE", inv->cseq);
	g_assert_cmpstr(ars_sip_msg_get(prack2, "RAck"), ==, rack8);
	g_assert_cmpuint(prack2->cseq, ==, prack->cseq + 1);
	answer_invite(f, inv, 183, "Session Progress", ANSWER, rel_183);
	g_assert_cmpint(f->media.set_answers, ==, 1);
	g_assert_cmpuint(count_sent(f, "PRACK", 0), ==, 2);
	answer_request(f, prack2, 200, "OK", NULL);

	answer_invite(f, inv, 200, "OK", ANSWER, NULL);
	g_assert_cmpstr(last_state(f), ==, "established");
	g_assert_cmpint(f->media.set_answers, ==, 1);
	g_assert_cmpstr(last(f)->method, ==, "ACK");
	g_assert_cmpuint(last(f)->cseq, ==, inv->cseq);
	ars_call_hangup(f->call);
	g_assert_cmpstr(last(f)->method, ==, "BYE");
	g_assert_cmpuint(last(f)->cseq, ==, prack2->cseq + 1);
}

static void test_uac_without_rseq(struct fixture *f, gconstpointer data)
{
	g_autoptr(ArsSipMsg) inv = dial(f);
	const char *const no_rseq[] = {"Require", "100rel", NULL};
	answer_invite(f, inv, 180, "Ringing", NULL, no_rseq);
	const char *const bad_rseq[] = {"Require", "100rel", "RSeq", "x1", NULL};
	answer_invite(f, inv, 180, "Ringing", NULL, bad_rseq);
	g_assert_cmpuint(f->sent.msgs->len, ==, 1); /* the INVITE only */
	g_assert_cmpuint(f->states->len, ==, 0);
	/* the 200 still makes the call */
	answer_invite(f, inv, 200, "OK", ANSWER, NULL);
	g_assert_cmpstr(last_state(f), ==, "established");
}

static void test_uac_prack_481(struct fixture *f, gconstpointer data)
{
	g_autoptr(ArsSipMsg) inv = dial(f);
	answer_invite(f, inv, 180, "Ringing", NULL, rel_180);
	g_autoptr(ArsSipMsg) prack = ars_sip_msg_copy(last(f));
	answer_request(f, prack, 481, "Call/Transaction Does Not Exist", NULL);
	/* the early dialog is gone: the INVITE is cancelled, the call ends */
	struct ars_sip_msg *cancel = last(f);
	g_assert_cmpstr(cancel->method, ==, "CANCEL");
	g_assert_cmpstr(cancel->via_branch, ==, inv->via_branch);
	g_assert_cmpstr(last_state(f), ==, "ended");
	json_auto_t *j = ars_call_to_json(f->call);
	json_t *e = json_object_get(j, "end");
	g_assert_cmpint(json_integer_value(json_object_get(e, "code")), ==, 481);
	g_assert_nonnull(strstr(json_string_value(json_object_get(e, "reason")), "PRACK"));
}

static void test_uac_prack_other_failure(struct fixture *f, gconstpointer data)
{
	g_autoptr(ArsSipMsg) inv = dial(f);
	answer_invite(f, inv, 180, "Ringing", NULL, rel_180);
	g_autoptr(ArsSipMsg) prack = ars_sip_msg_copy(last(f));
	guint before = f->sent.msgs->len;
	answer_request(f, prack, 500, "Server Internal Error", NULL);
	/* logged; the call goes on */
	g_assert_cmpuint(f->sent.msgs->len, ==, before);
	g_assert_cmpstr(last_state(f), ==, "ringing");
	answer_invite(f, inv, 200, "OK", ANSWER, NULL);
	g_assert_cmpstr(last_state(f), ==, "established");
}

static void test_uac_prack_challenged(struct fixture *f, gconstpointer data)
{
	g_autoptr(ArsSipMsg) inv = dial(f);
	answer_invite(f, inv, 180, "Ringing", NULL, rel_180);
	g_autoptr(ArsSipMsg) prack = ars_sip_msg_copy(last(f));
	g_assert_null(ars_sip_msg_get(prack, "Proxy-Authorization"));
	const char *const challenge[] = {"Proxy-Authenticate",
					 "Digest realm=\"pbx.example\", nonce=\"n2\", qop=\"auth\"", NULL};
	answer_request(f, prack, 407, "Proxy Authentication Required", challenge);
	struct ars_sip_msg *again = last(f);
	g_assert_cmpstr(again->method, ==, "PRACK");
	g_assert_cmpuint(again->cseq, ==, prack->cseq + 1);
	g_assert_cmpstr(ars_sip_msg_get(again, "RAck"), ==, ars_sip_msg_get(prack, "RAck"));
	const char *auth = ars_sip_msg_get(again, "Proxy-Authorization");
	g_assert_nonnull(auth);
	g_assert_nonnull(strstr(auth, "nonce=\"n2\""));
	g_assert_nonnull(strstr(auth, "uri=\"sip:1001@10.0.0.20\""));
	g_assert_cmpstr(last_state(f), ==, "ringing");
}

/* --- as callee ----------------------------------------------------------------- */

#define REQUIRE_100REL "Require: 100rel\r\nSupported: 100rel\r\n"

/* A PRACK from the caller in the early dialog of our 180. */
static void deliver_prack(struct fixture *f, const char *branch, uint32_t cseq, const char *rack)
{
	g_autofree char *text = g_strdup_printf(
		"PRACK sip:u1@abc.invalid SIP/2.0\n"
		"Via: SIP/2.0/WSS 10.0.0.1;branch=%s\n"
		"Max-Forwards: 69\n"
		"From: <sip:1001@pbx.example>;tag=caller\n"
		"To: <sip:505@pbx.example>;tag=%s\n"
		"Call-ID: in-1\n"
		"CSeq: %u PRACK\n"
		"RAck: %s\n"
		"Content-Length: 0\n\n",
		branch, sent(f, 0)->to_tag, cseq, rack);
	g_autoptr(ArsSipMsg) m = parse_text(text);
	ars_sip_txns_recv(f->txns, m);
}

static uint32_t reliable_rseq(struct ars_sip_msg *m)
{
	g_assert_cmpint(m->status, ==, 180);
	g_assert_cmpstr(ars_sip_msg_get(m, "Require"), ==, "100rel");
	uint32_t rseq = 0;
	g_assert_true(ars_sip_rseq_parse(ars_sip_msg_get(m, "RSeq"), &rseq));
	g_assert_cmpuint(rseq, <, 1u << 31);
	return rseq;
}

static void test_uas_reliable_ringing(struct fixture *f, gconstpointer data)
{
	deliver_invite_with(f, OFFER, REQUIRE_100REL);
	uint32_t rseq = reliable_rseq(sent(f, 0));
	g_assert_true(ars_sip_msg_has_option(sent(f, 0), "Supported", "100rel"));
	g_assert_cmpstr(ars_call_state_name(ars_call_state(f->call)), ==, "incoming");

	/* retransmitted at T1, then 2*T1, 4*T1, with the same RSeq */
	fake_advance(&f->clock, ARS_SIP_T1_MS - 1);
	g_assert_cmpuint(f->sent.msgs->len, ==, 1);
	fake_advance(&f->clock, 1);
	g_assert_cmpuint(f->sent.msgs->len, ==, 2);
	g_assert_cmpuint(reliable_rseq(last(f)), ==, rseq);
	g_assert_cmpstr(last(f)->to_tag, ==, sent(f, 0)->to_tag);
	fake_advance(&f->clock, 2 * ARS_SIP_T1_MS - 1);
	g_assert_cmpuint(f->sent.msgs->len, ==, 2);
	fake_advance(&f->clock, 1);
	g_assert_cmpuint(f->sent.msgs->len, ==, 3);
	fake_advance(&f->clock, 4 * ARS_SIP_T1_MS);
	g_assert_cmpuint(f->sent.msgs->len, ==, 4);

	/* answered before the PRACK: our 200 waits */
	ars_call_answer(f->call);
	g_assert_cmpint(f->media.answers, ==, 1);
	g_assert_cmpuint(f->sent.msgs->len, ==, 4);
	g_assert_cmpstr(ars_call_state_name(ars_call_state(f->call)), ==, "incoming");
	g_assert_false(ars_call_can_answer(f->call));

	g_autofree char *rack = g_strdup_printf("%u 10 INVITE", rseq);
	deliver_prack(f, "z9hG4bKpr1", 11, rack);
	struct ars_sip_msg *prack_ok = sent(f, f->sent.msgs->len - 2);
	g_assert_cmpint(prack_ok->status, ==, 200);
	g_assert_cmpstr(prack_ok->cseq_method, ==, "PRACK");
	struct ars_sip_msg *ok = last(f);
	g_assert_cmpint(ok->status, ==, 200);
	g_assert_cmpstr(ok->cseq_method, ==, "INVITE");
	g_assert_cmpmem(ok->body, ok->body_len, ANSWER, strlen(ANSWER));
	g_assert_cmpstr(ok->to_tag, ==, sent(f, 0)->to_tag);
	g_assert_cmpstr(last_state(f), ==, "established");

	/* no more 180s; a second PRACK for it matches nothing now */
	guint n = f->sent.msgs->len;
	fake_advance(&f->clock, 40000);
	g_assert_cmpuint(count_sent(f, NULL, 180), ==, 4);
	deliver_prack(f, "z9hG4bKpr2", 12, rack);
	g_assert_cmpuint(f->sent.msgs->len, ==, n + 1);
	g_assert_cmpint(last(f)->status, ==, 481);
	g_assert_cmpstr(last_state(f), ==, "established");
}

static void test_uas_prack_first(struct fixture *f, gconstpointer data)
{
	deliver_invite_with(f, OFFER, REQUIRE_100REL);
	uint32_t rseq = reliable_rseq(sent(f, 0));
	g_autofree char *rack = g_strdup_printf("%u 10 INVITE", rseq);
	deliver_prack(f, "z9hG4bKpr1", 11, rack);
	g_assert_cmpint(last(f)->status, ==, 200);
	/* answering after the PRACK: the 200 goes out at once */
	ars_call_answer(f->call);
	g_assert_cmpint(last(f)->status, ==, 200);
	g_assert_cmpstr(last(f)->cseq_method, ==, "INVITE");
	g_assert_cmpstr(last_state(f), ==, "established");
	fake_advance(&f->clock, 40000);
	g_assert_cmpuint(count_sent(f, NULL, 180), ==, 1);
}

static void test_uas_prack_mismatch(struct fixture *f, gconstpointer data)
{
	deliver_invite_with(f, OFFER, REQUIRE_100REL);
	uint32_t rseq = reliable_rseq(sent(f, 0));
	g_autofree char *wrong_rseq = g_strdup_printf("%u 10 INVITE", rseq + 1);
	deliver_prack(f, "z9hG4bKpr1", 11, wrong_rseq);
	g_assert_cmpint(last(f)->status, ==, 481);
	g_autofree char *wrong_cseq = g_strdup_printf("%u 9 INVITE", rseq);
	deliver_prack(f, "z9hG4bKpr2", 12, wrong_cseq);
	g_assert_cmpint(last(f)->status, ==, 481);
	deliver_prack(f, "z9hG4bKpr3", 13, "garbage");
	g_assert_cmpint(last(f)->status, ==, 481);
	/* still unacknowledged: retransmitted */
	fake_advance(&f->clock, ARS_SIP_T1_MS);
	g_assert_cmpint(last(f)->status, ==, 180);
	g_autofree char *rack = g_strdup_printf("%u 10 INVITE", rseq);
	deliver_prack(f, "z9hG4bKpr4", 14, rack);
	g_assert_cmpint(last(f)->status, ==, 200);
	g_assert_cmpstr(last(f)->cseq_method, ==, "PRACK");
}

static void test_uas_no_prack(struct fixture *f, gconstpointer data)
{
	deliver_invite_with(f, OFFER, REQUIRE_100REL);
	ars_call_answer(f->call); /* held: there never is a PRACK */
	fake_advance(&f->clock, ARS_SIP_TXN_TIMEOUT_MS - 1);
	g_assert_cmpstr(ars_call_state_name(ars_call_state(f->call)), ==, "incoming");
	/* sent at 0, then at 0.5 1.5 3.5 7.5 15.5 31.5 s */
	g_assert_cmpuint(count_sent(f, NULL, 180), ==, 7);
	fake_advance(&f->clock, 1);
	g_assert_cmpint(last(f)->status, ==, 504);
	g_assert_cmpstr(last(f)->cseq_method, ==, "INVITE");
	g_assert_cmpuint(count_sent(f, NULL, 200), ==, 0);
	g_assert_cmpstr(last_state(f), ==, "ended");
	json_auto_t *j = ars_call_to_json(f->call);
	g_assert_cmpint(json_integer_value(json_object_get(json_object_get(j, "end"), "code")), ==, 504);
	fake_advance(&f->clock, 40000);
	g_assert_cmpuint(count_sent(f, NULL, 180), ==, 7);
}

static void test_uas_declined_stops_ringing(struct fixture *f, gconstpointer data)
{
	deliver_invite_with(f, OFFER, REQUIRE_100REL);
	ars_call_decline(f->call);
	g_assert_cmpint(last(f)->status, ==, 603);
	fake_advance(&f->clock, 40000);
	g_assert_cmpuint(count_sent(f, NULL, 180), ==, 1);
}

static void test_uas_supported_only(struct fixture *f, gconstpointer data)
{
	deliver_invite_with(f, OFFER, "Supported: 100rel, timer\r\n");
	struct ars_sip_msg *ringing = sent(f, 0);
	g_assert_cmpint(ringing->status, ==, 180);
	g_assert_null(ars_sip_msg_get(ringing, "Require"));
	g_assert_null(ars_sip_msg_get(ringing, "RSeq"));
	fake_advance(&f->clock, 4000);
	g_assert_cmpuint(f->sent.msgs->len, ==, 1);
	ars_call_answer(f->call);
	g_assert_cmpint(last(f)->status, ==, 200);
	g_assert_cmpstr(last_state(f), ==, "established");
	/* a PRACK for nothing in the dialog */
	deliver_prack(f, "z9hG4bKpr1", 11, "1 10 INVITE");
	g_assert_cmpint(last(f)->status, ==, 481);
}

static void test_uas_bad_extension(struct fixture *f, gconstpointer data)
{
	deliver_invite_with(f, OFFER, "Require: 100rel, foo\r\nRequire: bar\r\n");
	g_assert_cmpuint(f->sent.msgs->len, ==, 1);
	struct ars_sip_msg *resp = last(f);
	g_assert_cmpint(resp->status, ==, 420);
	g_assert_cmpuint(ars_sip_msg_count(resp, "Unsupported"), ==, 2);
	g_assert_cmpstr(ars_sip_msg_get_nth(resp, "Unsupported", 0), ==, "foo");
	g_assert_cmpstr(ars_sip_msg_get_nth(resp, "Unsupported", 1), ==, "bar");
	g_assert_cmpstr(ars_call_state_name(ars_call_state(f->call)), ==, "ended");
	g_assert_false(ars_call_can_answer(f->call));
	json_auto_t *j = ars_call_to_json(f->call);
	g_assert_cmpint(json_integer_value(json_object_get(json_object_get(j, "end"), "code")), ==, 420);
}

/* --- helpers of prack.h ---------------------------------------------------------- */

static void test_parse(void)
{
	uint32_t rseq, cseq;
	char *method = NULL;
	g_assert_true(ars_sip_rseq_parse("4294967295", &rseq));
	g_assert_cmpuint(rseq, ==, 4294967295u);
	g_assert_false(ars_sip_rseq_parse("4294967296", &rseq));
	g_assert_false(ars_sip_rseq_parse("0", &rseq));
	g_assert_false(ars_sip_rseq_parse("", &rseq));
	g_assert_false(ars_sip_rseq_parse("12a", &rseq));
	g_assert_false(ars_sip_rseq_parse(NULL, &rseq));

	g_assert_true(ars_sip_rack_parse("776656 1  INVITE", &rseq, &cseq, &method));
	g_assert_cmpuint(rseq, ==, 776656);
	g_assert_cmpuint(cseq, ==, 1);
	g_assert_cmpstr(method, ==, "INVITE");
	g_free(method);
	const char *bad[] = {"1 INVITE", "1 2", "1 2 INVITE x", "x 2 INVITE", "0 2 INVITE", "1 99999999999 INVITE", ""};
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
		g_assert_false(ars_sip_rack_parse(bad[i], &rseq, &cseq, &method));

	for (int i = 0; i < 100; i++) {
		uint32_t first = ars_sip_rseq_first();
		g_assert_cmpuint(first, >=, 1);
		g_assert_cmpuint(first, <, 1u << 31);
	}
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add(path, struct fixture, NULL, setup, fn, teardown)
	ADD("/sip-prack/uac-prack", test_uac_prack);
	ADD("/sip-prack/uac-without-rseq", test_uac_without_rseq);
	ADD("/sip-prack/uac-prack-481", test_uac_prack_481);
	ADD("/sip-prack/uac-prack-other-failure", test_uac_prack_other_failure);
	ADD("/sip-prack/uac-prack-challenged", test_uac_prack_challenged);
	ADD("/sip-prack/uas-reliable-ringing", test_uas_reliable_ringing);
	ADD("/sip-prack/uas-prack-first", test_uas_prack_first);
	ADD("/sip-prack/uas-prack-mismatch", test_uas_prack_mismatch);
	ADD("/sip-prack/uas-no-prack-504", test_uas_no_prack);
	ADD("/sip-prack/uas-declined-stops-ringing", test_uas_declined_stops_ringing);
	ADD("/sip-prack/uas-supported-only", test_uas_supported_only);
	ADD("/sip-prack/uas-bad-extension", test_uas_bad_extension);
	g_test_add_func("/sip-prack/parse", test_parse);
	return g_test_run();
}
