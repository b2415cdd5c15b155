/* test_sip_reg.c - the REGISTER client against scripted answers: digest,
 * wrong password, stale nonce, 423, 403/404/503, Contact matching by
 * +sip.instance, unregistration; and the refresh and backoff schedules. */
#include "sip/reg.h"
#include "sip/ua.h"
#include "sip_fake.h"

#include <string.h>

#define INSTANCE "urn:uuid:6f1c0e2a-1b2c-4d3e-8f90-0123456789ab"

struct fixture {
	struct fake_clock clock;
	struct ars_sip_timers timers;
	struct sent_log sent;
	struct ars_sip_txns *txns;
	struct ars_sip_reg *reg;
	GPtrArray *results; /* of struct ars_sip_reg_result* copies */
};

static void send_into(const char *wire, size_t len, void *arg)
{
	struct fixture *f = arg;
	record_send(wire, len, &f->sent);
}

static void no_requests(struct ars_sip_stxn *st, const struct ars_sip_msg *req, void *arg)
{
	g_error("unexpected request");
}

static void on_result(const struct ars_sip_reg_result *r, void *arg)
{
	struct fixture *f = arg;
	struct ars_sip_reg_result *copy = g_new0(struct ars_sip_reg_result, 1);
	*copy = *r;
	copy->reason = g_strdup(r->reason);
	g_ptr_array_add(f->results, copy);
}

static void result_free(gpointer data)
{
	struct ars_sip_reg_result *r = data;
	g_free(r->reason);
	g_free(r);
}

static void setup(struct fixture *f, gconstpointer data)
{
	f->clock.timers = g_array_new(FALSE, FALSE, sizeof(struct fake_timer));
	f->timers = (struct ars_sip_timers){fake_add, fake_remove, &f->clock};
	f->sent.msgs = g_ptr_array_new_with_free_func((GDestroyNotify)ars_sip_msg_free);
	f->results = g_ptr_array_new_with_free_func(result_free);
	f->txns = ars_sip_txns_new(&f->timers, send_into, no_requests, f);
	struct ars_sip_reg_config cfg = {
		.user = "505",
		.domain = "pbx.example",
		.aor = "\"Reception\" <sip:505@pbx.example>",
		.auth_username = "505",
		.password = data ? data : "secret",
		.instance = INSTANCE,
		.expires = 600,
		.secure = true,
	};
	f->reg = ars_sip_reg_new(f->txns, &cfg, on_result, f);
}

static void teardown(struct fixture *f, gconstpointer data)
{
	ars_sip_reg_free(f->reg);
	ars_sip_txns_free(f->txns);
	g_array_unref(f->clock.timers);
	g_ptr_array_unref(f->sent.msgs);
	g_ptr_array_unref(f->results);
}

static struct ars_sip_msg *last_sent(struct fixture *f)
{
	g_assert_cmpuint(f->sent.msgs->len, >, 0);
	return f->sent.msgs->pdata[f->sent.msgs->len - 1];
}

static struct ars_sip_reg_result *last_result(struct fixture *f)
{
	g_assert_cmpuint(f->results->len, >, 0);
	return f->results->pdata[f->results->len - 1];
}

/* Answers the last REGISTER with status and extra header lines. */
static void answer(struct fixture *f, int status, const char *reason, const char *const *headers)
{
	struct ars_sip_msg *req = last_sent(f);
	g_autoptr(ArsSipMsg) resp = ars_sip_msg_new_response(req, status, reason, "srv");
	for (const char *const *h = headers; h && *h; h += 2)
		ars_sip_msg_add(resp, h[0], h[1]);
	ars_sip_msg_update_fields(resp);
	ars_sip_txns_recv(f->txns, resp);
}

static const char *const md5_challenge[] = {
	"WWW-Authenticate", "Digest realm=\"pbx.example\", nonce=\"n1\", algorithm=MD5, qop=\"auth\"", NULL};

static void test_register_flow(struct fixture *f, gconstpointer data)
{
	ars_sip_reg_start(f->reg);
	struct ars_sip_msg *r1 = last_sent(f);
	g_assert_cmpstr(r1->method, ==, "REGISTER");
	g_assert_cmpstr(r1->ruri, ==, "sip:pbx.example");
	g_assert_true(g_str_has_prefix(ars_sip_msg_get(r1, "Via"), "SIP/2.0/WSS "));
	g_assert_nonnull(strstr(ars_sip_msg_get(r1, "Via"), ".invalid;branch=z9hG4bK"));
	g_assert_nonnull(strstr(ars_sip_msg_get(r1, "Via"), ";rport"));
	const char *contact = ars_sip_msg_get(r1, "Contact");
	g_assert_nonnull(strstr(contact, ";transport=ws;ob>"));
	g_assert_nonnull(strstr(contact, "+sip.instance=\"<" INSTANCE ">\""));
	g_assert_nonnull(strstr(contact, ";reg-id=1"));
	g_assert_cmpstr(ars_sip_msg_get(r1, "Expires"), ==, "600");
	g_assert_null(ars_sip_msg_get(r1, "Authorization"));
	g_assert_nonnull(strstr(ars_sip_msg_get(r1, "From"), "\"Reception\" <sip:505@pbx.example>;tag="));

	answer(f, 401, "Unauthorized", md5_challenge);
	struct ars_sip_msg *r2 = last_sent(f);
	g_assert_cmpuint(r2->cseq, ==, r1->cseq + 1);
	g_assert_cmpstr(r2->call_id, ==, r1->call_id);
	g_assert_cmpstr(r2->from_tag, ==, r1->from_tag);
	const char *auth = ars_sip_msg_get(r2, "Authorization");
	g_assert_nonnull(auth);
	g_assert_nonnull(strstr(auth, "username=\"505\""));
	g_assert_nonnull(strstr(auth, "nc=00000001"));
	g_assert_null(strstr(auth, "secret"));
	g_assert_cmpuint(f->results->len, ==, 0);

	/* the registrar lists another phone's contact first */
	g_autofree char *ours = g_strdup_printf("%s;expires=300", ars_sip_reg_contact(f->reg));
	const char *const ok[] = {"Contact", "<sip:other@10.0.0.9;transport=ws>;expires=999;+sip.instance=\"<urn:uuid:00000000-0000-0000-0000-000000000000>\"",
				  "Contact", ours, NULL};
	answer(f, 200, "OK", ok);
	struct ars_sip_reg_result *res = last_result(f);
	g_assert_true(res->registered);
	g_assert_cmpint(res->code, ==, 200);
	g_assert_cmpint(res->expires, ==, 300);
	g_assert_null(res->error);

	/* refresh reuses the challenge with the next nonce count */
	ars_sip_reg_start(f->reg);
	const char *auth3 = ars_sip_msg_get(last_sent(f), "Authorization");
	g_assert_nonnull(auth3);
	g_assert_nonnull(strstr(auth3, "nc=00000002"));

	/* unregistration */
	answer(f, 200, "OK", ok);
	ars_sip_reg_stop(f->reg);
	g_assert_cmpstr(ars_sip_msg_get(last_sent(f), "Expires"), ==, "0");
	g_assert_nonnull(strstr(ars_sip_msg_get(last_sent(f), "Contact"), ";expires=0"));
	answer(f, 200, "OK", NULL);
	g_assert_false(last_result(f)->registered);
	g_assert_null(last_result(f)->error);
}

static void test_wrong_password(struct fixture *f, gconstpointer data)
{
	ars_sip_reg_start(f->reg);
	answer(f, 401, "Unauthorized", md5_challenge);
	const char *const again[] = {"WWW-Authenticate", "Digest realm=\"pbx.example\", nonce=\"n2\", qop=\"auth\"", NULL};
	answer(f, 401, "Unauthorized", again);
	g_assert_cmpuint(f->sent.msgs->len, ==, 2);
	struct ars_sip_reg_result *res = last_result(f);
	g_assert_false(res->registered);
	g_assert_cmpstr(res->error, ==, "wrong_password");
	g_assert_cmpint(res->code, ==, 401);
	g_assert_nonnull(res->reason);
}

static void test_stale_nonce(struct fixture *f, gconstpointer data)
{
	ars_sip_reg_start(f->reg);
	answer(f, 401, "Unauthorized", md5_challenge);
	const char *const stale[] = {"WWW-Authenticate", "Digest realm=\"pbx.example\", nonce=\"n3\", stale=true, qop=\"auth\"", NULL};
	answer(f, 401, "Unauthorized", stale);
	g_assert_cmpuint(f->results->len, ==, 0);
	g_assert_nonnull(strstr(ars_sip_msg_get(last_sent(f), "Authorization"), "nonce=\"n3\""));
	answer(f, 200, "OK", NULL);
	g_assert_true(last_result(f)->registered);
	g_assert_cmpint(last_result(f)->expires, ==, 600); /* no Contact expiry: what we asked */
}

static void test_sha256_preferred(struct fixture *f, gconstpointer data)
{
	ars_sip_reg_start(f->reg);
	const char *const both[] = {
		"WWW-Authenticate", "Digest realm=\"pbx.example\", nonce=\"m\", algorithm=MD5, qop=\"auth\"",
		"WWW-Authenticate", "Digest realm=\"pbx.example\", nonce=\"s\", algorithm=SHA-256, qop=\"auth\"",
		NULL};
	answer(f, 401, "Unauthorized", both);
	const char *auth = ars_sip_msg_get(last_sent(f), "Authorization");
	g_assert_nonnull(strstr(auth, "algorithm=SHA-256"));
	g_assert_nonnull(strstr(auth, "nonce=\"s\""));
}

static void test_proxy_auth_407(struct fixture *f, gconstpointer data)
{
	ars_sip_reg_start(f->reg);
	const char *const c[] = {"Proxy-Authenticate", "Digest realm=\"proxy\", nonce=\"p1\"", NULL};
	answer(f, 407, "Proxy Authentication Required", c);
	g_assert_nonnull(ars_sip_msg_get(last_sent(f), "Proxy-Authorization"));
	g_assert_null(ars_sip_msg_get(last_sent(f), "Authorization"));
}

static void test_interval_too_brief(struct fixture *f, gconstpointer data)
{
	ars_sip_reg_start(f->reg);
	const char *const min[] = {"Min-Expires", "1800", NULL};
	answer(f, 423, "Interval Too Brief", min);
	g_assert_cmpstr(ars_sip_msg_get(last_sent(f), "Expires"), ==, "1800");
	g_assert_cmpuint(f->results->len, ==, 0);
	answer(f, 200, "OK", NULL);
	g_assert_cmpint(last_result(f)->expires, ==, 1800);
}

static void test_final_failures(struct fixture *f, gconstpointer data)
{
	static const struct {
		int status;
		const char *error;
	} cases[] = {{403, "wrong_password"}, {404, "unknown_user"}, {503, "server_error"}, {480, "server_error"}};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		ars_sip_reg_start(f->reg);
		const char *const ra[] = {"Retry-After", "30", NULL};
		answer(f, cases[i].status, "No", cases[i].status == 503 ? ra : NULL);
		struct ars_sip_reg_result *res = last_result(f);
		g_assert_false(res->registered);
		g_assert_cmpint(res->code, ==, cases[i].status);
		g_assert_cmpstr(res->error, ==, cases[i].error);
		g_assert_cmpint(res->retry_after, ==, cases[i].status == 503 ? 30 : 0);
	}
}

static void test_timeout(struct fixture *f, gconstpointer data)
{
	ars_sip_reg_start(f->reg);
	fake_advance(&f->clock, ARS_SIP_TXN_TIMEOUT_MS);
	g_assert_cmpstr(last_result(f)->error, ==, "timeout");
}

static void test_no_password(struct fixture *f, gconstpointer data)
{
	ars_sip_reg_free(f->reg);
	struct ars_sip_reg_config cfg = {.user = "505", .domain = "pbx.example", .aor = "<sip:505@pbx.example>",
					 .auth_username = "505",
					 .instance = INSTANCE, .expires = 600};
	f->reg = ars_sip_reg_new(f->txns, &cfg, on_result, f);
	ars_sip_reg_start(f->reg);
	answer(f, 401, "Unauthorized", md5_challenge);
	g_assert_cmpstr(last_result(f)->error, ==, "no_password");
	g_assert_null(strstr(ars_sip_msg_get(last_sent(f), "Via"), "WSS"));
}

static void test_schedules(void)
{
	g_assert_cmpuint(ars_sip_reg_refresh_delay_ms(600), ==, 540000);
	g_assert_cmpuint(ars_sip_reg_refresh_delay_ms(120), ==, 90000);
	g_assert_cmpuint(ars_sip_reg_refresh_delay_ms(60), ==, 45000);
	for (guint n = 1; n <= 10; n++) {
		guint full = MIN(1u << (n - 1), 60u) * 1000;
		for (int k = 0; k < 50; k++) {
			guint ms = ars_sip_ua_backoff_ms(n);
			g_assert_cmpuint(ms, <=, full);
			g_assert_cmpuint(ms, >=, full / 2);
		}
	}
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add(path, struct fixture, NULL, setup, fn, teardown)
	ADD("/sip-reg/register-flow", test_register_flow);
	ADD("/sip-reg/wrong-password", test_wrong_password);
	ADD("/sip-reg/stale-nonce", test_stale_nonce);
	ADD("/sip-reg/sha256-preferred", test_sha256_preferred);
	ADD("/sip-reg/proxy-auth-407", test_proxy_auth_407);
	ADD("/sip-reg/interval-too-brief", test_interval_too_brief);
	ADD("/sip-reg/final-failures", test_final_failures);
	ADD("/sip-reg/timeout", test_timeout);
	ADD("/sip-reg/no-password", test_no_password);
	g_test_add_func("/sip-reg/schedules", test_schedules);
	return g_test_run();
}
