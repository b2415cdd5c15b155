/* msg.c - SIP messages (RFC 3261 §7, §20, §25): the strict parser of one
 * message as it arrives in a WebSocket message. Builders, header access and
 * the serializer are in msg_build.c, header grammars in hdr.c, character
 * classes in lex.c. Pure functions: fuzzed by tests/sip/fuzz_sip_msg.c
 * against the RFC 4475 torture messages and more. */
#define G_LOG_DOMAIN "sip-msg"
#include "msg.h"

#include "hdr.h"
#include "msg_priv.h"
#include "lex.h"
#include "uri.h"

#include <string.h>

static void header_free(gpointer p)
{
	struct ars_sip_header *h = p;
	g_free(h->name);
	g_free(h->value);
	g_free(h);
}

struct ars_sip_msg *ars_msg_alloc(bool request)
{
	struct ars_sip_msg *m = g_new0(struct ars_sip_msg, 1);
	m->request = request;
	m->headers = g_ptr_array_new_with_free_func(header_free);
	return m;
}

void ars_sip_msg_free(struct ars_sip_msg *m)
{
	if (!m)
		return;
	g_free(m->method);
	g_free(m->ruri);
	g_free(m->reason);
	g_ptr_array_unref(m->headers);
	g_free(m->body);
	g_free(m->call_id);
	g_free(m->cseq_method);
	g_free(m->from_tag);
	g_free(m->to_tag);
	g_free(m->via_branch);
	g_free(m);
}

/* The canonical spelling of a header name (compact forms expanded), or the
 * name as given for unknown headers. */
const char *ars_msg_canonical(const char *name)
{
	const struct ars_hdr_info *h = ars_hdr_lookup(name, strlen(name));
	return h ? h->name : name;
}

void ars_msg_append(struct ars_sip_msg *m, const char *name, const char *value, size_t len)
{
	struct ars_sip_header *h = g_new(struct ars_sip_header, 1);
	h->name = g_strdup(name);
	h->value = g_malloc(len + 1);
	memcpy(h->value, value, len);
	h->value[len] = '\0';
	h->value_len = len;
	g_ptr_array_add(m->headers, h);
}

const struct ars_sip_header *ars_msg_first(const struct ars_sip_msg *m, const char *name)
{
	for (guint i = 0; i < m->headers->len; i++) {
		const struct ars_sip_header *h = m->headers->pdata[i];
		if (g_ascii_strcasecmp(h->name, name) == 0)
			return h;
	}
	return NULL;
}

/* --- fields --------------------------------------------------------------- */

char *ars_msg_param(const struct ars_sip_header *h, const char *name)
{
	return h ? ars_hdr_param(h->value, h->value_len, name) : NULL;
}

void ars_sip_msg_update_fields(struct ars_sip_msg *m)
{
	g_clear_pointer(&m->call_id, g_free);
	g_clear_pointer(&m->cseq_method, g_free);
	g_clear_pointer(&m->from_tag, g_free);
	g_clear_pointer(&m->to_tag, g_free);
	g_clear_pointer(&m->via_branch, g_free);
	m->cseq = 0;
	const struct ars_sip_header *h = ars_msg_first(m, "Call-ID");
	if (h)
		m->call_id = g_strdup(h->value);
	h = ars_msg_first(m, "CSeq");
	uint32_t num;
	const char *method;
	size_t mlen;
	if (h && ars_hdr_cseq(h->value, h->value_len, &num, &method, &mlen)) {
		m->cseq = num;
		m->cseq_method = g_strndup(method, mlen);
	}
	m->from_tag = ars_msg_param(ars_msg_first(m, "From"), "tag");
	m->to_tag = ars_msg_param(ars_msg_first(m, "To"), "tag");
	m->via_branch = ars_msg_param(ars_msg_first(m, "Via"), "branch");
}

/* --- parsing -------------------------------------------------------------- */

struct parse {
	struct ars_sip_msg *m;
	const char *reject; /* the first reason to answer 400 */
	const char *drop;   /* the first reason the message cannot be answered */
	int status;	    /* of the answer: 400 or 505 */
	guint seen[ARS_HDR_COUNT]; /* values stored per known header */
};

static void reject(struct parse *ps, const char *why)
{
	if (!ps->reject)
		ps->reject = why;
}

static void drop(struct parse *ps, const char *why)
{
	if (!ps->drop)
		ps->drop = why;
}

/* The line at p: [p, *eol) without its CRLF or LF; *next follows it. */
static bool next_line(const char *p, const char *end, const char **eol, const char **next)
{
	const char *lf = memchr(p, '\n', (size_t)(end - p));
	if (!lf) {
		*eol = *next = end;
		return false;
	}
	*eol = lf > p && lf[-1] == '\r' ? lf - 1 : lf;
	*next = lf + 1;
	return true;
}

/* Header values: UTF-8 without control characters, except HTAB and what a
 * backslash escapes (quoted-pair: anything but CR and LF). The grammars of
 * the known headers then say where a backslash may escape. */
static bool text_ok(const char *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];
		if (c == '\\' && i + 1 < n) {
			unsigned char e = (unsigned char)v[++i];
			if (e == '\r' || e == '\n')
				return false;
			continue;
		}
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return false;
	}
	return ars_lex_utf8(v, n);
}

/* SIP-Version = "SIP" "/" 1*DIGIT "." 1*DIGIT */
static bool sip_version(const char *p, size_t n, bool *is20)
{
	if (n < 7 || g_ascii_strncasecmp(p, "SIP/", 4) != 0)
		return false;
	const char *q = p + 4, *end = p + n, *d = q;
	while (q < end && g_ascii_isdigit(*q))
		q++;
	if (q == d || q == end || *q != '.')
		return false;
	d = ++q;
	while (q < end && g_ascii_isdigit(*q))
		q++;
	if (q == d || q != end)
		return false;
	*is20 = n == 7 && memcmp(p + 4, "2.0", 3) == 0;
	return true;
}

static void parse_status_line(struct parse *ps, const char *p, const char *e, const char *sp)
{
	bool is20;
	if (!sip_version(p, (size_t)(sp - p), &is20)) {
		drop(ps, "Bad start line");
		return;
	}
	if (!is20) {
		drop(ps, "SIP Version Not Supported");
		return;
	}
	const char *d = sp + 1;
	uint64_t status;
	if (e - d < 3 || !ars_lex_uint(d, 3, 699, &status) || status < 100 ||
	    (e - d > 3 && d[3] != ' ')) {
		drop(ps, "Bad status code");
		return;
	}
	ps->m->status = (int)status;
	ps->m->reason = e - d > 3 ? g_strndup(d + 4, e - d - 4) : g_strdup("");
}

static void parse_request_line(struct parse *ps, const char *p, const char *e, const char *sp1)
{
	struct ars_sip_msg *m = ps->m;
	if (!ars_lex_is_token(p, (size_t)(sp1 - p))) {
		drop(ps, "Bad method");
		return;
	}
	const char *e2 = ars_lex_trim_end(sp1, e);
	if (e2 != e)
		reject(ps, "Malformed Request-Line");
	const char *sp2 = e2;
	while (sp2 > sp1 && sp2[-1] != ' ')
		sp2--;
	bool is20;
	if (sp2 <= sp1 + 1 || !sip_version(sp2, (size_t)(e2 - sp2), &is20)) {
		drop(ps, "Bad start line");
		return;
	}
	sp2--; /* the SP before the version */
	const char *u = ars_lex_skip_wsp(sp1 + 1, sp2), *ue = ars_lex_trim_end(u, sp2);
	if (u == ue) {
		drop(ps, "Bad start line");
		return;
	}
	if (u != sp1 + 1 || ue != sp2 || memchr(u, ' ', (size_t)(ue - u)) || memchr(u, '\t', (size_t)(ue - u)))
		reject(ps, "Malformed Request-Line");
	m->method = g_strndup(p, sp1 - p);
	m->ruri = g_strndup(u, ue - u);
	if (!is20) { /* answered 505 (§21.5.7), whatever else is wrong */
		ps->reject = "SIP Version Not Supported";
		ps->status = 505;
	}
}

static void parse_start_line(struct parse *ps, const char *p, const char *e)
{
	const char *sp = memchr(p, ' ', (size_t)(e - p));
	bool ok = ars_lex_utf8(p, (size_t)(e - p));
	for (const char *q = p; ok && q < e; q++)
		ok = !(((unsigned char)*q < 0x20 && *q != '\t') || *q == 0x7f);
	if (!sp || !ok) {
		drop(ps, "Bad start line");
		return;
	}
	if (e - p >= 4 && g_ascii_strncasecmp(p, "SIP/", 4) == 0) {
		ps->m->request = false;
		parse_status_line(ps, p, e, sp);
	} else {
		ps->m->request = true;
		parse_request_line(ps, p, e, sp);
	}
}

static bool essential(const struct ars_hdr_info *h)
{
	static const char *const names[] = {"Via", "From", "To", "Call-ID", "CSeq"};
	for (size_t i = 0; h && i < G_N_ELEMENTS(names); i++)
		if (strcmp(h->name, names[i]) == 0)
			return true;
	return false;
}

/* Real messages carry a few dozen; thousands would only make every later
 * look-up (ars_sip_msg_get_nth in a loop) expensive. */
#define MAX_HEADERS 1000

static void store(struct parse *ps, const char *name, const struct ars_hdr_info *h, const char *v,
		  const char *e)
{
	if (ps->m->headers->len >= MAX_HEADERS) {
		reject(ps, "Too many header fields");
		return;
	}
	if (h) {
		if (!ars_hdr_check(h, v, (size_t)(e - v)))
			reject(ps, h->bad);
		if ((h->flags & ARS_HDR_SINGLE) && ps->seen[ars_hdr_index(h)]++ > 0)
			reject(ps, h->bad); /* at most one of each single-valued header */
	}
	ars_msg_append(ps->m, name, v, (size_t)(e - v));
}

/* One header field: name and its unfolded value. */
static void header_done(struct parse *ps, const char *name, size_t nlen, GString *value)
{
	const char *v = ars_lex_skip_wsp(value->str, value->str + value->len);
	const char *e = ars_lex_trim_end(v, value->str + value->len);
	const struct ars_hdr_info *h = ars_hdr_lookup(name, nlen);
	if (!text_ok(v, (size_t)(e - v))) {
		if (essential(h))
			drop(ps, h->bad);
		else
			reject(ps, h ? h->bad : "Bad header value");
		return;
	}
	g_autofree char *given = h ? NULL : g_strndup(name, nlen);
	const char *cname = h ? h->name : given;
	if (!h || !(h->flags & ARS_HDR_LIST) || v == e) {
		store(ps, cname, h, v, e);
		return;
	}
	GPtrArray *parts = ars_hdr_split(v, (size_t)(e - v));
	if (!parts) {
		reject(ps, h->bad);
		if (ps->m->headers->len < MAX_HEADERS)
			ars_msg_append(ps->m, cname, v, (size_t)(e - v));
		return;
	}
	for (guint i = 0; i + 1 < parts->len; i += 2) {
		const char *s = parts->pdata[i], *se = parts->pdata[i + 1];
		if (s == se)
			reject(ps, h->bad);
		else
			store(ps, cname, h, s, se);
	}
	g_ptr_array_unref(parts);
}

/* The header section, from p; returns where the body starts (NULL when the
 * empty line that ends the section is missing). */
static const char *parse_headers(struct parse *ps, const char *p, const char *end)
{
	g_autoptr(GString) value = g_string_new(NULL);
	const char *name = NULL; /* of the header being read, NULL when none */
	size_t nlen = 0;
	bool skipping = false; /* continuation lines of a malformed header line */
	while (p < end) {
		const char *eol, *next;
		bool terminated = next_line(p, end, &eol, &next);
		if (eol == p && terminated) {
			if (name)
				header_done(ps, name, nlen, value);
			return next;
		}
		if (ars_lex_wsp(*p)) { /* LWS continuation: CRLF 1*WSP is one SP */
			if (name) {
				g_string_append_c(value, ' ');
				const char *s = ars_lex_skip_wsp(p, eol);
				g_string_append_len(value, s, eol - s);
			} else if (!skipping) {
				reject(ps, "Malformed header line");
				skipping = true;
			}
			p = next;
			continue;
		}
		if (name)
			header_done(ps, name, nlen, value);
		name = NULL;
		skipping = false;
		size_t n = ars_lex_token_len(p, eol);
		const char *colon = ars_lex_skip_wsp(p + n, eol);
		if (n == 0 || colon == eol || *colon != ':') {
			reject(ps, "Malformed header line");
			skipping = true;
		} else {
			name = p;
			nlen = n;
			g_string_truncate(value, 0);
			g_string_append_len(value, colon + 1, eol - colon - 1);
		}
		p = next;
	}
	if (name)
		header_done(ps, name, nlen, value);
	return NULL;
}

static void check_essentials(struct parse *ps)
{
	static const struct {
		const char *name, *missing;
	} need[] = {
		{"Via", "Missing Via"},	    {"From", "Missing From"}, {"To", "Missing To"},
		{"Call-ID", "Missing Call-ID"}, {"CSeq", "Missing CSeq"},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(need); i++)
		if (!ars_msg_first(ps->m, need[i].name))
			drop(ps, need[i].missing);
	const struct ars_sip_header *via = ars_msg_first(ps->m, "Via");
	if (via && !ars_hdr_via_core(via->value, via->value_len))
		drop(ps, "Bad Via");
}

static void check_request(struct parse *ps)
{
	struct ars_sip_msg *m = ps->m;
	bool headers;
	if (!ars_uri_check(m->ruri, strlen(m->ruri), &headers, NULL))
		reject(ps, "Bad Request-URI");
	else if (headers)
		reject(ps, "Request-URI with headers");
	if (m->cseq_method && strcmp(m->cseq_method, m->method) != 0)
		reject(ps, "CSeq method does not match the request");
}

static void take_body(struct parse *ps, const char *body, const char *end)
{
	struct ars_sip_msg *m = ps->m;
	size_t avail = body ? (size_t)(end - body) : 0;
	if (!body)
		reject(ps, "Missing empty line after the header fields");
	const struct ars_sip_header *cl = ars_msg_first(m, "Content-Length");
	uint64_t n = avail;
	if (cl && !ars_lex_uint(cl->value, cl->value_len, ARS_SIP_MAX_MSG, &n)) {
		if (ars_lex_uint(cl->value, cl->value_len, UINT64_MAX, NULL))
			reject(ps, "Content-Length does not match the body");
		n = avail;
	} else if (n != avail) {
		reject(ps, "Content-Length does not match the body");
		n = MIN(n, avail);
	}
	if (n > 0) {
		m->body = g_malloc(n + 1);
		memcpy(m->body, body, n);
		m->body[n] = '\0';
		m->body_len = n;
		if (!ars_msg_first(m, "Content-Type"))
			reject(ps, "Body without Content-Type");
	}
}

enum ars_sip_parse ars_sip_msg_parse(const char *buf, size_t len, struct ars_sip_msg **out,
				     const char **why)
{
	const char *dummy;
	if (!why)
		why = &dummy;
	*out = NULL;
	*why = NULL;
	if (len > ARS_SIP_MAX_MSG) {
		*why = "Message Too Large";
		return ARS_SIP_PARSE_DROP;
	}
	const char *p = buf, *end = buf + len;
	while (p < end && (*p == '\n' || (*p == '\r' && p + 1 < end && p[1] == '\n')))
		p += *p == '\r' ? 2 : 1;
	if (p == end) {
		*why = "Empty message";
		return ARS_SIP_PARSE_DROP;
	}

	struct parse ps = {.m = ars_msg_alloc(true), .status = 400};
	const char *eol, *next;
	next_line(p, end, &eol, &next);
	parse_start_line(&ps, p, eol);
	if (!ps.drop) {
		const char *body = parse_headers(&ps, next, end);
		ars_sip_msg_update_fields(ps.m);
		check_essentials(&ps);
		if (ps.m->request)
			check_request(&ps);
		take_body(&ps, body, end);
	}

	if (!ps.drop && ps.reject && (!ps.m->request || strcmp(ps.m->method, "ACK") == 0))
		ps.drop = ps.reject;
	if (ps.drop) {
		*why = ps.drop;
		ars_sip_msg_free(ps.m);
		return ARS_SIP_PARSE_DROP;
	}
	*out = ps.m;
	if (ps.reject) {
		*why = ps.reject;
		ps.m->reject_status = ps.status;
		return ARS_SIP_PARSE_REJECT;
	}
	return ARS_SIP_PARSE_OK;
}

struct ars_sip_msg *ars_sip_msg_copy(const struct ars_sip_msg *m)
{
	/* Printing and parsing again keeps one definition of what a message is. */
	size_t len;
	g_autofree char *wire = ars_sip_msg_print(m, &len);
	struct ars_sip_msg *copy = NULL;
	const char *why;
	enum ars_sip_parse r = ars_sip_msg_parse(wire, len, &copy, &why);
	g_assert(r == ARS_SIP_PARSE_OK);
	return copy;
}
