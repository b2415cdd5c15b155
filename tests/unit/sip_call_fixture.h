/* sip_call_fixture.h - what the call tests share: a fake media session
 * (offers OFFER, answers ANSWER), a transaction layer on the fake clock
 * recording what is sent, and scripted peers (answers to our INVITE, an
 * incoming INVITE, in-dialog requests). */
#pragma once
#include "sip/call.h"
#include "sip_fake.h"

#define OFFER "v=0\r\no=- 1 1 IN IP4 10.0.0.5\r\ns=-\r\nc=IN IP4 10.0.0.5\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
#define ANSWER "v=0\r\no=- 2 1 IN IP4 10.0.0.9\r\ns=-\r\nc=IN IP4 10.0.0.9\r\nt=0 0\r\nm=audio 4000 UDP/TLS/RTP/SAVPF 111\r\n"

struct fake_media {
	int offers, answers, set_answers;
	char *remote_answer, *remote_offer;
	bool fail_answer;
	int hold_offers, refused;
	bool defer_answer; /* keep the answer until the test calls deferred() */
	ars_call_sdp_h *deferred;
	void *deferred_arg;
};

static void media_offer(void *m, ars_call_sdp_h *ready, void *arg)
{
	struct fake_media *fm = m;
	fm->offers++;
	ready(OFFER, NULL, arg);
}

static void media_answer(void *m, const char *offer, ars_call_sdp_h *ready, void *arg)
{
	struct fake_media *fm = m;
	fm->answers++;
	g_free(fm->remote_offer);
	fm->remote_offer = g_strdup(offer);
	if (fm->defer_answer) {
		fm->deferred = ready;
		fm->deferred_arg = arg;
		return;
	}
	ready(fm->fail_answer ? NULL : ANSWER, fm->fail_answer ? "no common codec" : NULL, arg);
}

static bool media_set_answer(void *m, const char *answer, const char **error)
{
	struct fake_media *fm = m;
	fm->set_answers++;
	g_free(fm->remote_answer);
	fm->remote_answer = g_strdup(answer);
	return true;
}

#define HOLD_OFFER OFFER "a=sendonly\r\n"

static void media_hold_offer(void *m, bool hold, ars_call_sdp_h *ready, void *arg)
{
	struct fake_media *fm = m;
	fm->hold_offers++;
	ready(hold ? HOLD_OFFER : OFFER, NULL, arg);
}

static void media_offer_refused(void *m)
{
	struct fake_media *fm = m;
	fm->refused++;
}

static const struct ars_call_media_ops ops = {media_offer, media_answer, media_set_answer, media_hold_offer,
					      media_offer_refused};

struct fixture {
	struct fake_clock clock;
	struct ars_sip_timers timers;
	struct sent_log sent;
	struct ars_sip_txns *txns;
	struct ars_call_env env;
	struct fake_media media;
	struct ars_call *call;
	GPtrArray *states; /* of const char* */
	struct ars_sip_stxn *last_st;
	const struct ars_sip_msg *last_req;
};

static void send_into(const char *wire, size_t len, void *arg)
{
	struct fixture *f = arg;
	record_send(wire, len, &f->sent);
}

static void on_request(struct ars_sip_stxn *st, const struct ars_sip_msg *req, void *arg)
{
	struct fixture *f = arg;
	f->last_st = st;
	f->last_req = req;
	if (f->call && ars_call_take_request(f->call, st, req))
		return;
	if (!f->call && strcmp(req->method, "INVITE") == 0)
		return; /* the test makes the incoming call */
	g_error("request %s not taken", req->method);
}

static void on_changed(struct ars_call *c, void *arg)
{
	struct fixture *f = arg;
	g_ptr_array_add(f->states, (gpointer)ars_call_state_name(ars_call_state(c)));
}

static void setup(struct fixture *f, gconstpointer data)
{
	f->clock.timers = g_array_new(FALSE, FALSE, sizeof(struct fake_timer));
	f->timers = (struct ars_sip_timers){fake_add, fake_remove, &f->clock};
	f->sent.msgs = g_ptr_array_new_with_free_func((GDestroyNotify)ars_sip_msg_free);
	f->states = g_ptr_array_new();
	f->txns = ars_sip_txns_new(&f->timers, send_into, on_request, f);
	f->env = (struct ars_call_env){
		.txns = f->txns,
		.local_uri = "\"Reception\" <sip:505@pbx.example>",
		.contact = "<sip:u1@abc.invalid;transport=ws;ob>",
		.via_host = "abc.invalid",
		.secure = true,
		.auth_username = "505",
		.password = "secret",
	};
}

static void teardown(struct fixture *f, gconstpointer data)
{
	ars_call_free(f->call);
	ars_sip_txns_free(f->txns);
	g_array_unref(f->clock.timers);
	g_ptr_array_unref(f->sent.msgs);
	g_ptr_array_unref(f->states);
	g_free(f->media.remote_answer);
	g_free(f->media.remote_offer);
}

static G_GNUC_UNUSED struct ars_sip_msg *sent(struct fixture *f, guint i)
{
	g_assert_cmpuint(i, <, f->sent.msgs->len);
	return f->sent.msgs->pdata[i];
}

static G_GNUC_UNUSED struct ars_sip_msg *last(struct fixture *f)
{
	return sent(f, f->sent.msgs->len - 1);
}

static G_GNUC_UNUSED const char *last_state(struct fixture *f)
{
	return f->states->len ? f->states->pdata[f->states->len - 1] : NULL;
}

/* The peer answers our INVITE. */
static G_GNUC_UNUSED void answer_invite(struct fixture *f, const struct ars_sip_msg *inv, int status, const char *reason,
			  const char *sdp, const char *const *headers)
{
	g_autoptr(ArsSipMsg) resp = ars_sip_msg_new_response(inv, status, reason, status > 100 ? "callee" : NULL);
	if (status > 100 && status < 300) {
		ars_sip_msg_add(resp, "Record-Route", "<sip:10.0.0.1;transport=ws;lr>");
		ars_sip_msg_add(resp, "Contact", "<sip:1001@10.0.0.20>");
	}
	for (const char *const *h = headers; h && *h; h += 2)
		ars_sip_msg_add(resp, h[0], h[1]);
	if (sdp)
		ars_sip_msg_set_body(resp, "application/sdp", sdp, strlen(sdp));
	ars_sip_msg_update_fields(resp);
	ars_sip_txns_recv(f->txns, resp);
}

/* An INVITE from the caller (extra: header lines, each ending in CRLF);
 * f->call becomes the incoming call it makes. */
static G_GNUC_UNUSED void deliver_invite_with(struct fixture *f, const char *body, const char *extra)
{
	/* CRLF written out: the SDP body has its own line ends */
	g_autofree char *text = g_strdup_printf(
		"INVITE sip:u1@abc.invalid;transport=ws SIP/2.0\r\n"
		"Via: SIP/2.0/WSS 10.0.0.1;branch=z9hG4bKin1\r\n"
		"Record-Route: <sip:10.0.0.1;transport=ws;lr>\r\n"
		"Max-Forwards: 69\r\n"
		"From: \"Boss\" <sip:1001@pbx.example>;tag=caller\r\n"
		"To: <sip:505@pbx.example>\r\n"
		"Call-ID: in-1\r\n"
		"CSeq: 10 INVITE\r\n"
		"Contact: <sip:1001@10.0.0.20>\r\n"
		"%s%s"
		"Content-Length: %zu\r\n\r\n%s",
		extra ? extra : "", body ? "Content-Type: application/sdp\r\n" : "", body ? strlen(body) : 0,
		body ? body : "");
	struct ars_sip_msg *inv = NULL;
	const char *why;
	g_assert_cmpint(ars_sip_msg_parse(text, strlen(text), &inv, &why), ==, ARS_SIP_PARSE_OK);
	g_autoptr(ArsSipMsg) owned = inv;
	ars_sip_txns_recv(f->txns, inv);
	g_assert_nonnull(f->last_st);
	f->call = ars_call_new_incoming(&f->env, 5, 7, f->last_st, f->last_req, &ops, &f->media, on_changed, f);
}

static G_GNUC_UNUSED void deliver_invite(struct fixture *f, const char *body)
{
	deliver_invite_with(f, body, NULL);
}

static G_GNUC_UNUSED struct ars_sip_msg *request(const char *method, const char *branch, uint32_t cseq, bool to_tag,
				   const char *call_tag)
{
	g_autofree char *text = g_strdup_printf(
		"%s sip:u1@abc.invalid SIP/2.0\n"
		"Via: SIP/2.0/WSS 10.0.0.1;branch=%s\n"
		"Max-Forwards: 69\n"
		"From: <sip:1001@pbx.example>;tag=caller\n"
		"To: <sip:505@pbx.example>%s%s\n"
		"Call-ID: in-1\n"
		"CSeq: %u %s\n"
		"Content-Length: 0\n\n",
		method, branch, to_tag ? ";tag=" : "", to_tag ? call_tag : "", cseq, method);
	return parse_text(text);
}

