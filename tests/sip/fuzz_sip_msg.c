/* fuzz_sip_msg.c - libFuzzer target: the SIP message parser. Whatever it
 * accepts (OK or REJECT) must survive the value helpers, the response
 * builder and the serializer, and the printed text must parse again: an OK
 * message into the same message, a rejected one into something answerable. */
#include "sip/msg.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void poke_headers(const struct ars_sip_msg *m)
{
	for (guint i = 0; i < m->headers->len; i++) {
		const struct ars_sip_header *h = m->headers->pdata[i];
		g_assert(h->name && h->value && h->value_len >= strlen(h->value));
		g_free(ars_sip_param(h->value, "tag"));
		char *display = NULL, *uri = NULL;
		const char *params = NULL;
		if (ars_sip_nameaddr_parse(h->value, &display, &uri, &params)) {
			g_assert(uri && params && params >= h->value && params <= h->value + strlen(h->value));
			g_free(display);
			g_free(uri);
		}
		struct ars_sip_via v;
		if (ars_sip_via_parse(h->value, &v)) {
			g_assert(v.transport && v.host);
			ars_sip_via_clear(&v);
		}
	}
}

static void same(const struct ars_sip_msg *a, const struct ars_sip_msg *b)
{
	g_assert(a->request == b->request && a->status == b->status);
	g_assert(g_strcmp0(a->method, b->method) == 0 && g_strcmp0(a->ruri, b->ruri) == 0);
	g_assert(g_strcmp0(a->reason, b->reason) == 0);
	g_assert(g_strcmp0(a->call_id, b->call_id) == 0 && a->cseq == b->cseq);
	g_assert(g_strcmp0(a->cseq_method, b->cseq_method) == 0);
	g_assert(g_strcmp0(a->from_tag, b->from_tag) == 0 && g_strcmp0(a->to_tag, b->to_tag) == 0);
	g_assert(g_strcmp0(a->via_branch, b->via_branch) == 0);
	g_assert(a->body_len == b->body_len && (a->body_len == 0 || memcmp(a->body, b->body, a->body_len) == 0));
	g_assert(a->headers->len - ars_sip_msg_count(a, "Content-Length") ==
		 b->headers->len - ars_sip_msg_count(b, "Content-Length"));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ars_sip_msg *m = NULL;
	const char *why = NULL;
	enum ars_sip_parse r = ars_sip_msg_parse((const char *)data, size, &m, &why);
	if (r == ARS_SIP_PARSE_DROP) {
		g_assert(!m && why);
		return 0;
	}
	g_assert(m);
	if (r == ARS_SIP_PARSE_REJECT)
		g_assert(why && m->request && (m->reject_status == 400 || m->reject_status == 505));
	poke_headers(m);

	size_t len;
	char *wire = ars_sip_msg_print(m, &len);
	if (len <= ARS_SIP_MAX_MSG) { /* lists printed one per line may grow */
		struct ars_sip_msg *again = NULL;
		const char *why2 = NULL;
		enum ars_sip_parse r2 = ars_sip_msg_parse(wire, len, &again, &why2);
		if (r == ARS_SIP_PARSE_OK) {
			if (r2 != ARS_SIP_PARSE_OK)
				g_error("printed message no longer parses: %s", why2);
			same(m, again);
		} else {
			g_assert(r2 != ARS_SIP_PARSE_DROP);
		}
		ars_sip_msg_free(again);
	}
	g_free(wire);

	if (m->request) {
		struct ars_sip_msg *resp = ars_sip_msg_new_response(m, r == ARS_SIP_PARSE_OK ? 200 : 400, why, "fz1");
		wire = ars_sip_msg_print(resp, &len);
		struct ars_sip_msg *back = NULL;
		enum ars_sip_parse r3 = ars_sip_msg_parse(wire, len, &back, &why);
		if (r == ARS_SIP_PARSE_OK && r3 != ARS_SIP_PARSE_OK)
			g_error("response to a valid request does not parse: %s", why);
		ars_sip_msg_free(back);
		g_free(wire);
		ars_sip_msg_free(resp);
	}
	ars_sip_msg_free(m);
	return 0;
}
