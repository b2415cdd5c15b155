/* txn.c - client and server transactions on a reliable transport.
 *
 * Reliable transport means no retransmission timers (A, E, G) and zero wait
 * in Completed for client transactions (Timers D and K). Server transactions
 * still linger for 64*T1 after their final response so that a request that
 * is retransmitted anyway (by a proxy behind the WebSocket server) gets the
 * same answer instead of being handled twice. */
#define G_LOG_DOMAIN "sip-txn"

#include "txn.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

enum ctxn_state { C_CALLING, C_PROCEEDING, C_ACCEPTED };
enum stxn_state { S_TRYING, S_PROCEEDING, S_COMPLETED, S_ACCEPTED };

struct ars_sip_ctxn {
	struct ars_sip_txns *t;
	struct ars_sip_msg *req;
	enum ctxn_state state;
	bool invite;
	guint timer;
	ars_sip_response_h *h;
	void *arg;
};

struct ars_sip_stxn {
	struct ars_sip_txns *t;
	struct ars_sip_msg *req;
	char *branch;
	char *sent_by;
	bool invite;
	enum stxn_state state;
	char *last_wire; /* last response sent, for retransmitted requests */
	size_t last_len;
	guint timer;
};

struct ars_sip_txns {
	struct ars_sip_timers timers;
	ars_sip_send_h *send_h;
	ars_sip_request_h *request_h;
	void *arg;
	GPtrArray *clients; /* of struct ars_sip_ctxn*, owned */
	GPtrArray *servers; /* of struct ars_sip_stxn*, owned */
};

/* --- the clock -------------------------------------------------------------- */

static guint glib_add(guint ms, GSourceFunc fn, gpointer data, void *impl)
{
	return g_timeout_add(ms, fn, data);
}

static void glib_remove(guint id, void *impl)
{
	g_source_remove(id);
}

static const struct ars_sip_timers glib_timers = {glib_add, glib_remove, NULL};

static void stop_timer(struct ars_sip_txns *t, guint *id)
{
	if (*id) {
		t->timers.remove(*id, t->timers.impl);
		*id = 0;
	}
}

/* --- helpers ---------------------------------------------------------------- */

char *ars_sip_random_hex(guint n)
{
	GString *s = g_string_sized_new(n);
	while (s->len < n) {
		guint8 b[16];
		if (getrandom(b, sizeof b, 0) != (ssize_t)sizeof b)
			g_error("no random bytes");
		for (size_t i = 0; i < sizeof b && s->len < n; i++)
			g_string_append_printf(s, "%x", b[i] & 0xf);
	}
	return g_string_free(s, FALSE);
}

char *ars_sip_new_branch(void)
{
	g_autofree char *r = ars_sip_random_hex(16);
	return g_strconcat("z9hG4bK", r, NULL);
}

static void send_msg(struct ars_sip_txns *t, const struct ars_sip_msg *m, char **keep, size_t *keep_len)
{
	size_t len;
	char *wire = ars_sip_msg_print(m, &len);
	t->send_h(wire, len, t->arg);
	if (keep) {
		g_free(*keep);
		*keep = wire;
		*keep_len = len;
	} else {
		g_free(wire);
	}
}

void ars_sip_txns_send(struct ars_sip_txns *t, const struct ars_sip_msg *m)
{
	send_msg(t, m, NULL, NULL);
}

/* --- client transactions ---------------------------------------------------- */

static void ctxn_free(gpointer data)
{
	struct ars_sip_ctxn *c = data;
	stop_timer(c->t, &c->timer);
	ars_sip_msg_free(c->req);
	g_free(c);
}

static void ctxn_end(struct ars_sip_ctxn *c)
{
	g_ptr_array_remove_fast(c->t->clients, c);
}

static gboolean ctxn_timeout(gpointer data)
{
	struct ars_sip_ctxn *c = data;
	c->timer = 0;
	ars_sip_response_h *h = c->h;
	void *arg = c->arg;
	bool accepted = c->state == C_ACCEPTED;
	if (!accepted)
		g_info("%s %s: no final response in %d s", c->req->method, c->req->call_id,
		       ARS_SIP_TXN_TIMEOUT_MS / 1000);
	ctxn_end(c);
	if (h) /* err 0: an accepted INVITE's transaction is over */
		h(NULL, accepted ? 0 : -ETIMEDOUT, arg);
	return G_SOURCE_REMOVE;
}

struct ars_sip_ctxn *ars_sip_ctxn_send(struct ars_sip_txns *t, struct ars_sip_msg *req,
				       ars_sip_response_h *h, void *arg)
{
	struct ars_sip_ctxn *c = g_new0(struct ars_sip_ctxn, 1);
	c->t = t;
	c->req = req;
	c->h = h;
	c->arg = arg;
	c->invite = strcmp(req->method, "INVITE") == 0;
	ars_sip_msg_update_fields(req);
	g_assert(req->via_branch && g_str_has_prefix(req->via_branch, "z9hG4bK"));
	g_ptr_array_add(t->clients, c);
	send_msg(t, req, NULL, NULL);
	c->timer = t->timers.add(ARS_SIP_TXN_TIMEOUT_MS, ctxn_timeout, c, t->timers.impl);
	return c;
}

void ars_sip_ctxn_forget(struct ars_sip_ctxn *c)
{
	c->h = NULL;
	c->arg = NULL;
}

/* §17.1.1.3: the ACK for a non-2xx final response, in the same transaction. */
static void send_invite_ack(struct ars_sip_ctxn *c, const struct ars_sip_msg *resp)
{
	g_autoptr(ArsSipMsg) ack = ars_sip_msg_new_request("ACK", c->req->ruri);
	ars_sip_msg_add(ack, "Via", ars_sip_msg_get(c->req, "Via"));
	for (guint i = 0; i < ars_sip_msg_count(c->req, "Route"); i++)
		ars_sip_msg_add(ack, "Route", ars_sip_msg_get_nth(c->req, "Route", i));
	ars_sip_msg_add(ack, "Max-Forwards", "70");
	ars_sip_msg_add(ack, "From", ars_sip_msg_get(c->req, "From"));
	ars_sip_msg_add(ack, "To", ars_sip_msg_get(resp, "To"));
	ars_sip_msg_add(ack, "Call-ID", c->req->call_id);
	ars_sip_msg_addf(ack, "CSeq", "%u ACK", c->req->cseq);
	send_msg(c->t, ack, NULL, NULL);
}

static struct ars_sip_ctxn *match_client(struct ars_sip_txns *t, const struct ars_sip_msg *resp)
{
	for (guint i = 0; i < t->clients->len; i++) {
		struct ars_sip_ctxn *c = t->clients->pdata[i];
		if (g_strcmp0(c->req->via_branch, resp->via_branch) == 0 &&
		    g_strcmp0(c->req->method, resp->cseq_method) == 0)
			return c;
	}
	return NULL;
}

static void client_response(struct ars_sip_txns *t, const struct ars_sip_msg *resp)
{
	struct ars_sip_ctxn *c = match_client(t, resp);
	if (!c) {
		g_info("response %d to %s matches no transaction; dropped", resp->status,
		       resp->cseq_method ? resp->cseq_method : "?");
		return;
	}
	ars_sip_response_h *h = c->h;
	void *arg = c->arg;
	if (resp->status < 200) {
		if (c->state == C_CALLING)
			c->state = C_PROCEEDING;
		if (h && c->state != C_ACCEPTED)
			h(resp, 0, arg);
		return;
	}
	if (c->invite && resp->status < 300) {
		/* RFC 6026: stay to pass 2xx retransmissions to the dialog layer. */
		if (c->state != C_ACCEPTED) {
			c->state = C_ACCEPTED;
			stop_timer(t, &c->timer);
			c->timer = t->timers.add(ARS_SIP_TXN_TIMEOUT_MS, ctxn_timeout, c, t->timers.impl);
		}
		if (h)
			h(resp, 0, arg);
		return;
	}
	if (c->state == C_ACCEPTED)
		return;
	if (c->invite)
		send_invite_ack(c, resp);
	ctxn_end(c);
	if (h)
		h(resp, 0, arg);
}

/* --- server transactions ---------------------------------------------------- */

static void stxn_free(gpointer data)
{
	struct ars_sip_stxn *s = data;
	stop_timer(s->t, &s->timer);
	ars_sip_msg_free(s->req);
	g_free(s->branch);
	g_free(s->sent_by);
	g_free(s->last_wire);
	g_free(s);
}

static gboolean stxn_expire(gpointer data)
{
	struct ars_sip_stxn *s = data;
	s->timer = 0;
	g_ptr_array_remove_fast(s->t->servers, s);
	return G_SOURCE_REMOVE;
}

const struct ars_sip_msg *ars_sip_stxn_request(const struct ars_sip_stxn *st)
{
	return st->req;
}

void ars_sip_stxn_reply(struct ars_sip_stxn *s, struct ars_sip_msg *resp)
{
	g_autoptr(ArsSipMsg) owned = resp;
	if (s->state == S_COMPLETED || s->state == S_ACCEPTED) {
		g_warning("%s %s: a second final response was not sent", s->req->method, s->req->call_id);
		return;
	}
	ars_sip_msg_update_fields(resp);
	send_msg(s->t, resp, &s->last_wire, &s->last_len);
	if (resp->status < 200) {
		s->state = S_PROCEEDING;
		return;
	}
	s->state = s->invite && resp->status < 300 ? S_ACCEPTED : S_COMPLETED;
	s->timer = s->t->timers.add(ARS_SIP_TXN_TIMEOUT_MS, stxn_expire, s, s->t->timers.impl);
}

static char *sent_by_of(const struct ars_sip_msg *m)
{
	struct ars_sip_via via = {0};
	if (!ars_sip_via_parse(ars_sip_msg_get(m, "Via"), &via))
		return g_strdup("");
	char *s = g_strdup_printf("%s:%d", via.host, via.port);
	ars_sip_via_clear(&via);
	return s;
}

/* §17.2.3: same branch, same sent-by, and the same method (ACK matches the
 * INVITE it acknowledges). */
static struct ars_sip_stxn *match_server(struct ars_sip_txns *t, const struct ars_sip_msg *req,
					 const char *method)
{
	g_autofree char *sent_by = sent_by_of(req);
	for (guint i = 0; i < t->servers->len; i++) {
		struct ars_sip_stxn *s = t->servers->pdata[i];
		if (g_strcmp0(s->branch, req->via_branch) == 0 && strcmp(s->sent_by, sent_by) == 0 &&
		    strcmp(s->req->method, method) == 0)
			return s;
	}
	return NULL;
}

struct ars_sip_stxn *ars_sip_txns_find_invite(struct ars_sip_txns *t, const struct ars_sip_msg *cancel)
{
	return match_server(t, cancel, "INVITE");
}

static void server_request(struct ars_sip_txns *t, const struct ars_sip_msg *req)
{
	bool ack = strcmp(req->method, "ACK") == 0;
	struct ars_sip_stxn *s = match_server(t, req, ack ? "INVITE" : req->method);
	if (s && ack) {
		if (s->state == S_COMPLETED) /* ACK for our non-2xx final: absorbed */
			return;
		if (s->state != S_ACCEPTED)
			return;
		/* An ACK for a 2xx is end to end: the dialog layer takes it. */
		s = NULL;
	}
	if (s) {
		if (s->last_wire) {
			g_debug("%s retransmitted: answering again", req->method);
			t->send_h(s->last_wire, s->last_len, t->arg);
		}
		return;
	}
	if (ack) {
		t->request_h(NULL, req, t->arg);
		return;
	}
	s = g_new0(struct ars_sip_stxn, 1);
	s->t = t;
	s->req = ars_sip_msg_copy(req);
	s->branch = g_strdup(req->via_branch);
	s->sent_by = sent_by_of(req);
	s->invite = strcmp(req->method, "INVITE") == 0;
	s->state = S_TRYING;
	g_ptr_array_add(t->servers, s);
	t->request_h(s, s->req, t->arg);
}

/* --- the layer -------------------------------------------------------------- */

struct ars_sip_txns *ars_sip_txns_new(const struct ars_sip_timers *timers, ars_sip_send_h *send_h,
				      ars_sip_request_h *request_h, void *arg)
{
	struct ars_sip_txns *t = g_new0(struct ars_sip_txns, 1);
	t->timers = timers ? *timers : glib_timers;
	t->send_h = send_h;
	t->request_h = request_h;
	t->arg = arg;
	t->clients = g_ptr_array_new_with_free_func(ctxn_free);
	t->servers = g_ptr_array_new_with_free_func(stxn_free);
	return t;
}

void ars_sip_txns_free(struct ars_sip_txns *t)
{
	if (!t)
		return;
	g_ptr_array_unref(t->clients);
	g_ptr_array_unref(t->servers);
	g_free(t);
}

void ars_sip_txns_recv(struct ars_sip_txns *t, const struct ars_sip_msg *msg)
{
	if (!msg->via_branch) {
		g_info("message without a Via branch dropped");
		return;
	}
	if (msg->request)
		server_request(t, msg);
	else
		client_response(t, msg);
}

void ars_sip_txns_flow_failed(struct ars_sip_txns *t)
{
	/* Detach the list first: callbacks may start new transactions. */
	GPtrArray *failed = t->clients;
	t->clients = g_ptr_array_new_with_free_func(ctxn_free);
	for (guint i = 0; i < failed->len; i++) {
		struct ars_sip_ctxn *c = failed->pdata[i];
		stop_timer(t, &c->timer);
		if (c->h && c->state != C_ACCEPTED)
			c->h(NULL, -ECONNRESET, c->arg);
	}
	g_ptr_array_unref(failed);
}

guint ars_sip_txns_count(const struct ars_sip_txns *t)
{
	return t->clients->len + t->servers->len;
}

const struct ars_sip_timers *ars_sip_txns_timers(const struct ars_sip_txns *t)
{
	return &t->timers;
}
