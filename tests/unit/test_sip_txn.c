/* test_sip_txn.c - transaction state machines with a manual clock. */
#include "sip_fake.h"

#include <errno.h>

struct fixture {
	struct fake_clock clock;
	struct ars_sip_timers timers;
	struct sent_log sent;
	struct ars_sip_txns *txns;
	GPtrArray *requests; /* what reached the TU */
	GPtrArray *stxns;
	int responses, last_status, last_err;
};

static void on_request(struct ars_sip_stxn *st, const struct ars_sip_msg *req, void *arg)
{
	struct fixture *f = arg;
	g_ptr_array_add(f->requests, g_strdup(req->method));
	g_ptr_array_add(f->stxns, st);
}

static void on_response(const struct ars_sip_msg *resp, int err, void *arg)
{
	struct fixture *f = arg;
	f->responses++;
	f->last_status = resp ? resp->status : 0;
	f->last_err = err;
}

static void setup(struct fixture *f, gconstpointer data)
{
	f->clock.timers = g_array_new(FALSE, FALSE, sizeof(struct fake_timer));
	f->timers = (struct ars_sip_timers){fake_add, fake_remove, &f->clock};
	f->sent.msgs = g_ptr_array_new_with_free_func((GDestroyNotify)ars_sip_msg_free);
	f->requests = g_ptr_array_new_with_free_func(g_free);
	f->stxns = g_ptr_array_new();
}

static void teardown(struct fixture *f, gconstpointer data)
{
	ars_sip_txns_free(f->txns);
	g_array_unref(f->clock.timers);
	g_ptr_array_unref(f->sent.msgs);
	g_ptr_array_unref(f->requests);
	g_ptr_array_unref(f->stxns);
}

/* The layer under test sends through record_send into f->sent and reports
 * requests to f: one callback argument serves both. */
static void send_into(const char *wire, size_t len, void *arg)
{
	struct fixture *f = arg;
	record_send(wire, len, &f->sent);
}

static void start(struct fixture *f)
{
	f->txns = ars_sip_txns_new(&f->timers, send_into, on_request, f);
}

static struct ars_sip_msg *options_request(const char *branch)
{
	struct ars_sip_msg *m = ars_sip_msg_new_request("OPTIONS", "sip:pbx.example");
	ars_sip_msg_addf(m, "Via", "SIP/2.0/WSS abc.invalid;branch=%s;rport", branch);
	ars_sip_msg_add(m, "Max-Forwards", "70");
	ars_sip_msg_add(m, "From", "<sip:505@pbx.example>;tag=f1");
	ars_sip_msg_add(m, "To", "<sip:pbx.example>");
	ars_sip_msg_add(m, "Call-ID", "call-1");
	ars_sip_msg_add(m, "CSeq", "1 OPTIONS");
	ars_sip_msg_update_fields(m);
	return m;
}

static struct ars_sip_msg *response_to(const struct ars_sip_msg *req, int status)
{
	return ars_sip_msg_new_response(req, status, status == 200 ? "OK" : "Other", "t9");
}

static void test_client_non_invite(struct fixture *f, gconstpointer data)
{
	start(f);
	ars_sip_ctxn_send(f->txns, options_request("z9hG4bKaaa"), on_response, f);
	g_assert_cmpuint(f->sent.msgs->len, ==, 1);
	struct ars_sip_msg *req = f->sent.msgs->pdata[0];

	g_autoptr(ArsSipMsg) trying = response_to(req, 100);
	ars_sip_txns_recv(f->txns, trying);
	g_assert_cmpint(f->responses, ==, 1);
	g_assert_cmpint(f->last_status, ==, 100);

	/* a response for another branch does not match */
	g_autoptr(ArsSipMsg) other = options_request("z9hG4bKbbb");
	g_autoptr(ArsSipMsg) stray = response_to(other, 200);
	ars_sip_txns_recv(f->txns, stray);
	g_assert_cmpint(f->responses, ==, 1);

	g_autoptr(ArsSipMsg) ok = response_to(req, 200);
	ars_sip_txns_recv(f->txns, ok);
	g_assert_cmpint(f->responses, ==, 2);
	g_assert_cmpint(f->last_status, ==, 200);
	/* reliable transport: Timer K is zero, the transaction is gone */
	g_assert_cmpuint(ars_sip_txns_count(f->txns), ==, 0);
	ars_sip_txns_recv(f->txns, ok);
	g_assert_cmpint(f->responses, ==, 2);
}

static void test_client_timeout(struct fixture *f, gconstpointer data)
{
	start(f);
	ars_sip_ctxn_send(f->txns, options_request("z9hG4bKccc"), on_response, f);
	fake_advance(&f->clock, ARS_SIP_TXN_TIMEOUT_MS - 1);
	g_assert_cmpint(f->responses, ==, 0);
	/* no retransmissions on a reliable transport */
	g_assert_cmpuint(f->sent.msgs->len, ==, 1);
	fake_advance(&f->clock, 1);
	g_assert_cmpint(f->responses, ==, 1);
	g_assert_cmpint(f->last_err, ==, -ETIMEDOUT);
	g_assert_cmpuint(ars_sip_txns_count(f->txns), ==, 0);
}

static void test_client_flow_failed(struct fixture *f, gconstpointer data)
{
	start(f);
	ars_sip_ctxn_send(f->txns, options_request("z9hG4bKddd"), on_response, f);
	ars_sip_txns_flow_failed(f->txns);
	g_assert_cmpint(f->last_err, ==, -ECONNRESET);
	g_assert_cmpuint(f->clock.timers->len, ==, 0);
}

static struct ars_sip_msg *invite_request(const char *branch)
{
	struct ars_sip_msg *m = ars_sip_msg_new_request("INVITE", "sip:1001@pbx.example");
	ars_sip_msg_addf(m, "Via", "SIP/2.0/WSS abc.invalid;branch=%s", branch);
	ars_sip_msg_add(m, "Max-Forwards", "70");
	ars_sip_msg_add(m, "From", "<sip:505@pbx.example>;tag=f1");
	ars_sip_msg_add(m, "To", "<sip:1001@pbx.example>");
	ars_sip_msg_add(m, "Call-ID", "call-2");
	ars_sip_msg_add(m, "CSeq", "7 INVITE");
	ars_sip_msg_update_fields(m);
	return m;
}

static void test_client_invite_ack_and_accepted(struct fixture *f, gconstpointer data)
{
	start(f);
	ars_sip_ctxn_send(f->txns, invite_request("z9hG4bKinv1"), on_response, f);
	struct ars_sip_msg *req = f->sent.msgs->pdata[0];
	g_autoptr(ArsSipMsg) busy = response_to(req, 486);
	ars_sip_txns_recv(f->txns, busy);
	g_assert_cmpint(f->last_status, ==, 486);
	/* §17.1.1.3: the transaction itself acknowledges a failure */
	g_assert_cmpuint(f->sent.msgs->len, ==, 2);
	struct ars_sip_msg *ack = f->sent.msgs->pdata[1];
	g_assert_cmpstr(ack->method, ==, "ACK");
	g_assert_cmpstr(ack->via_branch, ==, "z9hG4bKinv1");
	g_assert_cmpuint(ack->cseq, ==, 7);
	g_assert_cmpstr(ack->to_tag, ==, "t9");

	ars_sip_ctxn_send(f->txns, invite_request("z9hG4bKinv2"), on_response, f);
	struct ars_sip_msg *req2 = f->sent.msgs->pdata[2];
	g_autoptr(ArsSipMsg) ok = response_to(req2, 200);
	ars_sip_txns_recv(f->txns, ok);
	g_assert_cmpint(f->responses, ==, 2);
	/* RFC 6026: retransmitted 2xx still reach the TU, no ACK from us */
	ars_sip_txns_recv(f->txns, ok);
	g_assert_cmpint(f->responses, ==, 3);
	g_assert_cmpuint(f->sent.msgs->len, ==, 3);
	fake_advance(&f->clock, ARS_SIP_TXN_TIMEOUT_MS);
	/* the end of the Accepted state is reported: no response, no error */
	g_assert_cmpint(f->responses, ==, 4);
	g_assert_cmpint(f->last_status, ==, 0);
	g_assert_cmpint(f->last_err, ==, 0);
	g_assert_cmpuint(ars_sip_txns_count(f->txns), ==, 0);
}

static void test_server_absorbs_retransmissions(struct fixture *f, gconstpointer data)
{
	start(f);
	g_autoptr(ArsSipMsg) req = options_request("z9hG4bKsrv1");
	ars_sip_txns_recv(f->txns, req);
	g_assert_cmpuint(f->requests->len, ==, 1);
	struct ars_sip_stxn *st = f->stxns->pdata[0];
	ars_sip_stxn_reply(st, response_to(ars_sip_stxn_request(st), 200));
	g_assert_cmpuint(f->sent.msgs->len, ==, 1);

	/* the same request again: answered again, not handed to the TU */
	ars_sip_txns_recv(f->txns, req);
	g_assert_cmpuint(f->requests->len, ==, 1);
	g_assert_cmpuint(f->sent.msgs->len, ==, 2);
	g_assert_cmpint(((struct ars_sip_msg *)f->sent.msgs->pdata[1])->status, ==, 200);

	/* after Timer J it is a new request */
	fake_advance(&f->clock, ARS_SIP_TXN_TIMEOUT_MS);
	ars_sip_txns_recv(f->txns, req);
	g_assert_cmpuint(f->requests->len, ==, 2);
}

static void test_server_invite_ack(struct fixture *f, gconstpointer data)
{
	start(f);
	g_autoptr(ArsSipMsg) inv = invite_request("z9hG4bKsrv2");
	ars_sip_txns_recv(f->txns, inv);
	struct ars_sip_stxn *st = f->stxns->pdata[0];
	ars_sip_stxn_reply(st, response_to(ars_sip_stxn_request(st), 180));
	/* retransmitted INVITE while ringing: the last provisional again */
	ars_sip_txns_recv(f->txns, inv);
	g_assert_cmpuint(f->sent.msgs->len, ==, 2);
	g_assert_cmpint(((struct ars_sip_msg *)f->sent.msgs->pdata[1])->status, ==, 180);
	ars_sip_stxn_reply(st, response_to(ars_sip_stxn_request(st), 603));

	g_autoptr(ArsSipMsg) ack = ars_sip_msg_new_request("ACK", "sip:1001@pbx.example");
	ars_sip_msg_add(ack, "Via", "SIP/2.0/WSS abc.invalid;branch=z9hG4bKsrv2");
	ars_sip_msg_add(ack, "Max-Forwards", "70");
	ars_sip_msg_add(ack, "From", "<sip:505@pbx.example>;tag=f1");
	ars_sip_msg_add(ack, "To", "<sip:1001@pbx.example>;tag=t9");
	ars_sip_msg_add(ack, "Call-ID", "call-2");
	ars_sip_msg_add(ack, "CSeq", "7 ACK");
	ars_sip_msg_update_fields(ack);
	ars_sip_txns_recv(f->txns, ack);
	/* absorbed by the transaction, not seen by the TU */
	g_assert_cmpuint(f->requests->len, ==, 1);

	/* CANCEL finds its INVITE */
	g_autoptr(ArsSipMsg) inv2 = invite_request("z9hG4bKsrv3");
	ars_sip_txns_recv(f->txns, inv2);
	g_autoptr(ArsSipMsg) cancel = ars_sip_msg_new_request("CANCEL", "sip:1001@pbx.example");
	ars_sip_msg_add(cancel, "Via", "SIP/2.0/WSS abc.invalid;branch=z9hG4bKsrv3");
	ars_sip_msg_add(cancel, "Max-Forwards", "70");
	ars_sip_msg_add(cancel, "From", "<sip:505@pbx.example>;tag=f1");
	ars_sip_msg_add(cancel, "To", "<sip:1001@pbx.example>");
	ars_sip_msg_add(cancel, "Call-ID", "call-2");
	ars_sip_msg_add(cancel, "CSeq", "7 CANCEL");
	ars_sip_msg_update_fields(cancel);
	g_assert_true(ars_sip_txns_find_invite(f->txns, cancel) == f->stxns->pdata[1]);
}

static void test_branch(void)
{
	g_autofree char *a = ars_sip_new_branch(), *b = ars_sip_new_branch();
	g_assert_true(g_str_has_prefix(a, "z9hG4bK"));
	g_assert_cmpuint(strlen(a), ==, 7 + 16);
	g_assert_cmpstr(a, !=, b);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add(path, struct fixture, NULL, setup, fn, teardown)
	ADD("/sip-txn/client-non-invite", test_client_non_invite);
	ADD("/sip-txn/client-timeout", test_client_timeout);
	ADD("/sip-txn/client-flow-failed", test_client_flow_failed);
	ADD("/sip-txn/client-invite-ack-and-accepted", test_client_invite_ack_and_accepted);
	ADD("/sip-txn/server-absorbs-retransmissions", test_server_absorbs_retransmissions);
	ADD("/sip-txn/server-invite-ack", test_server_invite_ack);
	g_test_add_func("/sip-txn/branch", test_branch);
	return g_test_run();
}
