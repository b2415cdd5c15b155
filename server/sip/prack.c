/* prack.c - RFC 3262 pieces shared by both sides of a call: option tags,
 * RSeq/RAck, and the UAS's retransmission of a reliable provisional. */
#define G_LOG_DOMAIN "sip-prack"

#include "prack.h"

#include <stdlib.h>
#include <string.h>

/* Option tags a Require of a request to us may list. */
static const char *const supported_options[] = {"100rel", "outbound"};

bool ars_sip_msg_has_option(const struct ars_sip_msg *m, const char *header, const char *tag)
{
	/* List headers are stored one element per header (msg.h). */
	for (guint i = 0; i < ars_sip_msg_count(m, header); i++)
		if (g_ascii_strcasecmp(ars_sip_msg_get_nth(m, header, i), tag) == 0)
			return true;
	return false;
}

char *ars_sip_unsupported_required(const struct ars_sip_msg *req)
{
	GString *out = NULL;
	for (guint i = 0; i < ars_sip_msg_count(req, "Require"); i++) {
		const char *tag = ars_sip_msg_get_nth(req, "Require", i);
		bool known = false;
		for (size_t k = 0; k < G_N_ELEMENTS(supported_options); k++)
			known = known || g_ascii_strcasecmp(tag, supported_options[k]) == 0;
		if (known)
			continue;
		if (!out)
			out = g_string_new(NULL);
		else
			g_string_append(out, ", ");
		g_string_append(out, tag);
	}
	return out ? g_string_free(out, FALSE) : NULL;
}

/* 1*DIGIT fitting 32 bits; *end after it. */
static bool number(const char *s, uint32_t *out, const char **end)
{
	if (!g_ascii_isdigit(*s))
		return false;
	guint64 v = 0;
	while (g_ascii_isdigit(*s)) {
		v = v * 10 + (guint64)(*s++ - '0');
		if (v > G_MAXUINT32)
			return false;
	}
	*out = (uint32_t)v;
	*end = s;
	return true;
}

bool ars_sip_rseq_parse(const char *value, uint32_t *rseq)
{
	const char *end;
	return value && number(value, rseq, &end) && *end == '\0' && *rseq > 0;
}

bool ars_sip_rack_parse(const char *value, uint32_t *rseq, uint32_t *cseq, char **method)
{
	const char *p;
	if (!value || !number(value, rseq, &p) || !g_ascii_isspace(*p))
		return false;
	while (g_ascii_isspace(*p))
		p++;
	if (!number(p, cseq, &p) || !g_ascii_isspace(*p))
		return false;
	while (g_ascii_isspace(*p))
		p++;
	size_t n = strcspn(p, " \t\r\n");
	if (n == 0 || p[n] != '\0' || *rseq == 0)
		return false;
	*method = g_strndup(p, n);
	return true;
}

uint32_t ars_sip_rseq_first(void)
{
	return (uint32_t)g_random_int_range(1, G_MAXINT32);
}

/* --- the UAS's reliable provisional ---------------------------------------- */

struct ars_sip_rel1xx {
	struct ars_sip_timers timers;
	struct ars_sip_stxn *st;
	struct ars_sip_msg *resp;
	uint32_t rseq;
	guint timer;
	guint interval; /* ms until the next retransmission: T1, doubling */
	guint elapsed;	/* ms since the first sending */
	guint wait;	/* what the running timer waits */
	ars_sip_rel1xx_timeout_h *timeout_h;
	void *arg;
};

static void arm(struct ars_sip_rel1xx *r, guint ms);

static gboolean tick(gpointer data)
{
	struct ars_sip_rel1xx *r = data;
	r->timer = 0;
	r->elapsed += r->wait;
	if (r->elapsed >= ARS_SIP_TXN_TIMEOUT_MS) {
		g_info("%s: no PRACK for our reliable %d in %d s", r->resp->call_id, r->resp->status,
		       ARS_SIP_TXN_TIMEOUT_MS / 1000);
		r->timeout_h(r->arg); /* frees r */
		return G_SOURCE_REMOVE;
	}
	ars_sip_stxn_reply(r->st, ars_sip_msg_copy(r->resp));
	r->interval *= 2;
	arm(r, MIN(r->interval, ARS_SIP_TXN_TIMEOUT_MS - r->elapsed));
	return G_SOURCE_REMOVE;
}

static void arm(struct ars_sip_rel1xx *r, guint ms)
{
	r->wait = ms;
	r->timer = r->timers.add(ms, tick, r, r->timers.impl);
}

struct ars_sip_rel1xx *ars_sip_rel1xx_send(struct ars_sip_txns *t, struct ars_sip_stxn *st,
					   struct ars_sip_msg *resp, uint32_t rseq,
					   ars_sip_rel1xx_timeout_h *timeout_h, void *arg)
{
	struct ars_sip_rel1xx *r = g_new0(struct ars_sip_rel1xx, 1);
	r->timers = *ars_sip_txns_timers(t);
	r->st = st;
	r->resp = resp;
	r->rseq = rseq;
	r->interval = ARS_SIP_T1_MS;
	r->timeout_h = timeout_h;
	r->arg = arg;
	ars_sip_msg_update_fields(resp);
	ars_sip_stxn_reply(st, ars_sip_msg_copy(resp));
	arm(r, ARS_SIP_T1_MS);
	return r;
}

bool ars_sip_rel1xx_matches(const struct ars_sip_rel1xx *r, const struct ars_sip_msg *prack)
{
	uint32_t rseq, cseq;
	g_autofree char *method = NULL;
	if (!ars_sip_rack_parse(ars_sip_msg_get(prack, "RAck"), &rseq, &cseq, &method))
		return false;
	const struct ars_sip_msg *req = ars_sip_stxn_request(r->st);
	return rseq == r->rseq && cseq == req->cseq && strcmp(method, req->method) == 0;
}

void ars_sip_rel1xx_free(struct ars_sip_rel1xx *r)
{
	if (!r)
		return;
	if (r->timer)
		r->timers.remove(r->timer, r->timers.impl);
	ars_sip_msg_free(r->resp);
	g_free(r);
}
