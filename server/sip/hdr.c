/* hdr.c - SIP header fields (RFC 3261 §7.3, §20, §25.1): the table of known
 * names and one strict check per grammar, plus the value helpers of msg.h
 * (ars_sip_param, ars_sip_nameaddr_parse, ars_sip_via_parse). */
#include "hdr.h"

#include "lex.h"
#include "msg.h"
#include "uri.h"

#include <string.h>

#define L ARS_HDR_LIST
#define S ARS_HDR_SINGLE

static const struct ars_hdr_info table[] = {
	{"Accept", 0, L, ARS_HDR_ANY, "Bad Accept"},
	{"Accept-Contact", 'a', L, ARS_HDR_ANY, "Bad Accept-Contact"},
	{"Accept-Encoding", 0, L, ARS_HDR_ANY, "Bad Accept-Encoding"},
	{"Accept-Language", 0, L, ARS_HDR_ANY, "Bad Accept-Language"},
	{"Accept-Resource-Priority", 0, L, ARS_HDR_ANY, "Bad Accept-Resource-Priority"},
	{"Alert-Info", 0, L, ARS_HDR_ANY, "Bad Alert-Info"},
	{"Allow", 0, L, ARS_HDR_TOKEN, "Bad Allow"},
	{"Allow-Events", 'u', L, ARS_HDR_TOKEN, "Bad Allow-Events"},
	{"Authentication-Info", 0, 0, ARS_HDR_ANY, "Bad Authentication-Info"},
	{"Authorization", 0, 0, ARS_HDR_ANY, "Bad Authorization"},
	{"Call-ID", 'i', S, ARS_HDR_CALL_ID, "Bad Call-ID"},
	{"Call-Info", 0, L, ARS_HDR_ANY, "Bad Call-Info"},
	{"Contact", 'm', L, ARS_HDR_CONTACT, "Bad Contact"},
	{"Content-Disposition", 0, S, ARS_HDR_ANY, "Bad Content-Disposition"},
	{"Content-Encoding", 'e', L, ARS_HDR_TOKEN, "Bad Content-Encoding"},
	{"Content-Language", 0, L, ARS_HDR_ANY, "Bad Content-Language"},
	{"Content-Length", 'l', S, ARS_HDR_NUMBER, "Bad Content-Length"},
	{"Content-Type", 'c', S, ARS_HDR_MEDIA, "Bad Content-Type"},
	{"CSeq", 0, S, ARS_HDR_CSEQ, "Bad CSeq"},
	{"Date", 0, S, ARS_HDR_DATE, "Bad Date"},
	{"Error-Info", 0, L, ARS_HDR_ANY, "Bad Error-Info"},
	{"Event", 'o', S, ARS_HDR_ANY, "Bad Event"},
	{"Expires", 0, S, ARS_HDR_NUMBER, "Bad Expires"},
	{"From", 'f', S, ARS_HDR_FROM_TO, "Bad From"},
	{"History-Info", 0, L, ARS_HDR_ANY, "Bad History-Info"},
	{"Identity", 'y', 0, ARS_HDR_ANY, "Bad Identity"},
	{"Identity-Info", 'n', 0, ARS_HDR_ANY, "Bad Identity-Info"},
	{"In-Reply-To", 0, L, ARS_HDR_ANY, "Bad In-Reply-To"},
	{"Max-Forwards", 0, S, ARS_HDR_MAX_FORWARDS, "Bad Max-Forwards"},
	{"MIME-Version", 0, S, ARS_HDR_ANY, "Bad MIME-Version"},
	{"Min-Expires", 0, S, ARS_HDR_NUMBER, "Bad Min-Expires"},
	{"Min-SE", 0, S, ARS_HDR_ANY, "Bad Min-SE"},
	{"Organization", 0, 0, ARS_HDR_ANY, "Bad Organization"},
	{"P-Asserted-Identity", 0, L, ARS_HDR_ANY, "Bad P-Asserted-Identity"},
	{"P-Preferred-Identity", 0, L, ARS_HDR_ANY, "Bad P-Preferred-Identity"},
	{"Path", 0, L, ARS_HDR_ROUTE, "Bad Path"},
	{"Permission-Missing", 0, L, ARS_HDR_ANY, "Bad Permission-Missing"},
	{"Priority", 0, S, ARS_HDR_ANY, "Bad Priority"},
	{"Privacy", 0, 0, ARS_HDR_ANY, "Bad Privacy"},
	{"Proxy-Authenticate", 0, 0, ARS_HDR_ANY, "Bad Proxy-Authenticate"},
	{"Proxy-Authorization", 0, 0, ARS_HDR_ANY, "Bad Proxy-Authorization"},
	{"Proxy-Require", 0, L, ARS_HDR_TOKEN, "Bad Proxy-Require"},
	{"RAck", 0, S, ARS_HDR_ANY, "Bad RAck"},
	{"Reason", 0, L, ARS_HDR_ANY, "Bad Reason"},
	{"Record-Route", 0, L, ARS_HDR_ROUTE, "Bad Record-Route"},
	{"Refer-To", 'r', S, ARS_HDR_ANY, "Bad Refer-To"},
	{"Referred-By", 'b', S, ARS_HDR_ANY, "Bad Referred-By"},
	{"Reject-Contact", 'j', L, ARS_HDR_ANY, "Bad Reject-Contact"},
	{"Replaces", 0, S, ARS_HDR_ANY, "Bad Replaces"},
	{"Reply-To", 0, S, ARS_HDR_ANY, "Bad Reply-To"},
	{"Request-Disposition", 'd', L, ARS_HDR_ANY, "Bad Request-Disposition"},
	{"Require", 0, L, ARS_HDR_TOKEN, "Bad Require"},
	{"Resource-Priority", 0, L, ARS_HDR_ANY, "Bad Resource-Priority"},
	{"Retry-After", 0, S, ARS_HDR_ANY, "Bad Retry-After"},
	{"Route", 0, L, ARS_HDR_ROUTE, "Bad Route"},
	{"RSeq", 0, S, ARS_HDR_ANY, "Bad RSeq"},
	{"Security-Client", 0, L, ARS_HDR_ANY, "Bad Security-Client"},
	{"Security-Server", 0, L, ARS_HDR_ANY, "Bad Security-Server"},
	{"Security-Verify", 0, L, ARS_HDR_ANY, "Bad Security-Verify"},
	{"Server", 0, 0, ARS_HDR_ANY, "Bad Server"},
	{"Service-Route", 0, L, ARS_HDR_ROUTE, "Bad Service-Route"},
	{"Session-Expires", 'x', S, ARS_HDR_ANY, "Bad Session-Expires"},
	{"SIP-ETag", 0, S, ARS_HDR_ANY, "Bad SIP-ETag"},
	{"SIP-If-Match", 0, S, ARS_HDR_ANY, "Bad SIP-If-Match"},
	{"Subject", 's', 0, ARS_HDR_ANY, "Bad Subject"},
	{"Subscription-State", 0, S, ARS_HDR_ANY, "Bad Subscription-State"},
	{"Supported", 'k', L, ARS_HDR_TOKEN, "Bad Supported"},
	{"Target-Dialog", 0, S, ARS_HDR_ANY, "Bad Target-Dialog"},
	{"Timestamp", 0, S, ARS_HDR_ANY, "Bad Timestamp"},
	{"To", 't', S, ARS_HDR_FROM_TO, "Bad To"},
	{"Unsupported", 0, L, ARS_HDR_TOKEN, "Bad Unsupported"},
	{"User-Agent", 0, 0, ARS_HDR_ANY, "Bad User-Agent"},
	{"Via", 'v', L, ARS_HDR_VIA, "Bad Via"},
	{"Warning", 0, L, ARS_HDR_ANY, "Bad Warning"},
	{"WWW-Authenticate", 0, 0, ARS_HDR_ANY, "Bad WWW-Authenticate"},
};

#undef L
#undef S

G_STATIC_ASSERT(G_N_ELEMENTS(table) <= ARS_HDR_COUNT);

unsigned ars_hdr_index(const struct ars_hdr_info *h)
{
	return (unsigned)(h - table);
}

const struct ars_hdr_info *ars_hdr_lookup(const char *name, size_t len)
{
	for (size_t i = 0; i < G_N_ELEMENTS(table); i++) {
		const struct ars_hdr_info *h = &table[i];
		if (len == 1 && h->compact && g_ascii_tolower(name[0]) == h->compact)
			return h;
		if (strlen(h->name) == len && g_ascii_strncasecmp(h->name, name, len) == 0)
			return h;
	}
	return NULL;
}

/* --- Via (§20.42) -------------------------------------------------------- */

struct via_scan {
	const char *transport;
	size_t transport_len;
	const char *host; /* brackets included */
	size_t host_len;
	bool ipv6;
	int port;
	const char *params;
};

static const char *slash(const char *p, const char *end)
{
	p = ars_lex_skip_wsp(p, end);
	if (p == end || *p != '/')
		return NULL;
	return ars_lex_skip_wsp(p + 1, end);
}

/* sent-protocol LWS sent-by; v->params is what follows. */
static bool via_scan(const char *p, const char *end, struct via_scan *v)
{
	p = ars_lex_skip_wsp(p, end);
	size_t n = ars_lex_token_len(p, end); /* protocol-name */
	if (n == 0 || !(p = slash(p + n, end)))
		return false;
	n = ars_lex_token_len(p, end); /* protocol-version */
	if (n == 0 || !(p = slash(p + n, end)))
		return false;
	n = ars_lex_token_len(p, end);
	if (n == 0)
		return false;
	v->transport = p;
	v->transport_len = n;
	p += n;
	if (p == end || !ars_lex_wsp(*p))
		return false;
	p = ars_lex_skip_wsp(p, end);
	const char *h = p;
	if (p < end && *p == '[') {
		const char *rb = memchr(p, ']', (size_t)(end - p));
		if (!rb)
			return false;
		p = rb + 1;
	} else {
		while (p < end && (g_ascii_isalnum(*p) || *p == '.' || *p == '-'))
			p++;
	}
	if (!ars_lex_host(h, (size_t)(p - h), &v->ipv6))
		return false;
	v->host = h;
	v->host_len = (size_t)(p - h);
	v->port = 0;
	const char *q = ars_lex_skip_wsp(p, end);
	if (q < end && *q == ':') {
		q = ars_lex_skip_wsp(q + 1, end);
		const char *d = q;
		while (q < end && g_ascii_isdigit(*q))
			q++;
		uint64_t port;
		if (!ars_lex_uint(d, (size_t)(q - d), 65535, &port) || port == 0)
			return false;
		v->port = (int)port;
		p = q;
	}
	if (p < end && !ars_lex_wsp(*p) && *p != ';')
		return false;
	v->params = p;
	return true;
}

static bool via_params_ok(const char *p, const char *end)
{
	struct ars_lex_param prm;
	int r;
	while ((r = ars_lex_param_next(&p, end, &prm)) == 1) {
		const char *v = prm.value;
		size_t n = prm.value_len;
		if (ars_lex_param_is(&prm, "branch")) {
			if (!v || !ars_lex_is_token(v, n))
				return false;
		} else if (ars_lex_param_is(&prm, "received")) {
			if (!v || prm.quoted || !(ars_lex_ipv4(v, n) || ars_lex_ipv6(v, n)))
				return false;
		} else if (ars_lex_param_is(&prm, "rport")) {
			uint64_t port;
			if (v && (!ars_lex_uint(v, n, 65535, &port) || port == 0))
				return false;
		} else if (ars_lex_param_is(&prm, "ttl")) {
			if (!v || n > 3 || !ars_lex_uint(v, n, 255, NULL))
				return false;
		} else if (ars_lex_param_is(&prm, "maddr")) {
			if (!v || prm.quoted || !ars_lex_host(v, n, NULL))
				return false;
		}
	}
	return r == 0;
}

bool ars_hdr_via_core(const char *v, size_t len)
{
	struct via_scan s;
	return via_scan(v, v + len, &s);
}

bool ars_sip_via_parse(const char *value, struct ars_sip_via *out)
{
	if (!value)
		return false;
	const char *end = value + strlen(value);
	struct via_scan s;
	if (!via_scan(value, end, &s) || !via_params_ok(s.params, end))
		return false;
	struct ars_sip_via v = {0};
	v.transport = g_ascii_strup(s.transport, (gssize)s.transport_len);
	v.host = s.ipv6 ? g_strndup(s.host + 1, s.host_len - 2) : g_strndup(s.host, s.host_len);
	v.port = s.port;
	const char *p = s.params;
	struct ars_lex_param prm;
	while (ars_lex_param_next(&p, end, &prm) == 1) {
		if (ars_lex_param_is(&prm, "branch") && !v.branch) {
			v.branch = ars_lex_param_value(&prm);
		} else if (ars_lex_param_is(&prm, "received") && !v.received) {
			v.received = ars_lex_param_value(&prm);
		} else if (ars_lex_param_is(&prm, "rport")) {
			v.rport = true;
			uint64_t port = 0;
			if (prm.value)
				ars_lex_uint(prm.value, prm.value_len, 65535, &port);
			v.rport_value = (int)port;
		}
	}
	*out = v;
	return true;
}

void ars_sip_via_clear(struct ars_sip_via *v)
{
	if (!v)
		return;
	g_free(v->transport);
	g_free(v->host);
	g_free(v->branch);
	g_free(v->received);
	memset(v, 0, sizeof *v);
}

/* --- name-addr / addr-spec (§20.10, §25.1) ------------------------------- */

struct nameaddr {
	const char *disp, *disp_end; /* NULL when none; quotes included */
	bool quoted;
	const char *uri, *uri_end;
	bool angle;
	const char *params; /* what follows: SWS ";" ... */
};

static bool nameaddr_scan(const char *p, const char *end, struct nameaddr *na)
{
	memset(na, 0, sizeof *na);
	p = ars_lex_skip_wsp(p, end);
	if (p == end)
		return false;
	if (*p == '"') {
		const char *q = ars_lex_quoted(p, end);
		if (!q)
			return false;
		na->disp = p;
		na->disp_end = q;
		na->quoted = true;
		p = ars_lex_skip_wsp(q, end);
		if (p == end || *p != '<')
			return false;
	} else {
		const char *q = p;
		while (q < end && *q != '<' && *q != ';' && *q != '"')
			q++;
		if (q < end && *q == '"')
			return false;
		if (q == end || *q == ';') { /* addr-spec: no ',', '?' nor ';' in the URI */
			na->uri = p;
			na->uri_end = ars_lex_trim_end(p, q);
			if (na->uri == na->uri_end)
				return false;
			for (const char *r = na->uri; r < na->uri_end; r++)
				if (ars_lex_wsp(*r) || *r == ',' || *r == '?' || *r == '>')
					return false;
			na->params = q;
			return true;
		}
		/* display-name = *(token LWS): tokens, and LWS before '<' optional
		 * (RFC 4475 §3.1.1.6) */
		const char *dend = ars_lex_trim_end(p, q);
		for (const char *r = p; r < dend; r++)
			if (!ars_lex_token_char(*r) && !ars_lex_wsp(*r))
				return false;
		if (dend > p) {
			na->disp = p;
			na->disp_end = dend;
		}
		p = q;
	}
	p++; /* '<' */
	const char *gt = memchr(p, '>', (size_t)(end - p));
	if (!gt || gt == p)
		return false;
	for (const char *r = p; r < gt; r++)
		if (ars_lex_wsp(*r) || *r == '<')
			return false;
	na->uri = p;
	na->uri_end = gt;
	na->angle = true;
	na->params = gt + 1;
	return true;
}

static bool qvalue(const char *v, size_t n)
{
	/* qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ) */
	if (n == 0 || (v[0] != '0' && v[0] != '1'))
		return false;
	if (n == 1)
		return true;
	if (v[1] != '.' || n > 5)
		return false;
	for (size_t i = 2; i < n; i++)
		if (!g_ascii_isdigit(v[i]) || (v[0] == '1' && v[i] != '0'))
			return false;
	return true;
}

enum { NA_ANGLE = 1, NA_TAG = 2, NA_CONTACT = 4 };

static bool nameaddr_check(const char *v, size_t len, unsigned how)
{
	const char *end = v + len;
	struct nameaddr na;
	if (!nameaddr_scan(v, end, &na) || ((how & NA_ANGLE) && !na.angle))
		return false;
	if (!ars_uri_check(na.uri, (size_t)(na.uri_end - na.uri), NULL, NULL))
		return false;
	const char *p = na.params;
	struct ars_lex_param prm;
	int r;
	while ((r = ars_lex_param_next(&p, end, &prm)) == 1) {
		if ((how & NA_TAG) && ars_lex_param_is(&prm, "tag")) {
			if (!prm.value || !ars_lex_is_token(prm.value, prm.value_len))
				return false;
		} else if ((how & NA_CONTACT) && ars_lex_param_is(&prm, "q")) {
			if (!prm.value || prm.quoted || !qvalue(prm.value, prm.value_len))
				return false;
		} else if ((how & NA_CONTACT) && ars_lex_param_is(&prm, "expires")) {
			if (!prm.value || !ars_lex_uint(prm.value, prm.value_len, UINT64_MAX, NULL))
				return false;
		}
	}
	return r == 0;
}

bool ars_sip_nameaddr_parse(const char *value, char **display, char **uri, const char **params)
{
	if (!value)
		return false;
	const char *end = value + strlen(value);
	struct nameaddr na;
	if (!nameaddr_scan(value, end, &na))
		return false;
	const char *p = na.params;
	struct ars_lex_param prm;
	int r;
	while ((r = ars_lex_param_next(&p, end, &prm)) == 1)
		;
	if (r < 0)
		return false;
	if (!na.disp)
		*display = NULL;
	else if (na.quoted)
		*display = ars_lex_unquote(na.disp, na.disp_end, NULL);
	else
		*display = g_strndup(na.disp, na.disp_end - na.disp);
	*uri = g_strndup(na.uri, na.uri_end - na.uri);
	*params = ars_lex_skip_wsp(na.params, end);
	return true;
}

/* --- the other grammars -------------------------------------------------- */

bool ars_hdr_cseq(const char *v, size_t len, uint32_t *num, const char **method, size_t *mlen)
{
	const char *end = v + len, *p = v;
	while (p < end && g_ascii_isdigit(*p))
		p++;
	uint64_t n;
	if (!ars_lex_uint(v, (size_t)(p - v), UINT32_MAX, &n))
		return false;
	if (p == end || !ars_lex_wsp(*p))
		return false;
	p = ars_lex_skip_wsp(p, end);
	size_t m = ars_lex_token_len(p, end);
	if (m == 0 || ars_lex_skip_wsp(p + m, end) != end)
		return false;
	*num = (uint32_t)n;
	*method = p;
	*mlen = m;
	return true;
}

static bool call_id(const char *v, size_t len)
{
	/* callid = word [ "@" word ] */
	const char *end = v + len;
	const char *at = memchr(v, '@', len);
	const char *w1 = at ? at : end;
	if (w1 == v || (at && at + 1 == end))
		return false;
	for (const char *p = v; p < end; p++)
		if (p != at && !ars_lex_word_char(*p))
			return false;
	return true;
}

static bool media_type(const char *v, size_t len)
{
	const char *end = v + len, *p = ars_lex_skip_wsp(v, end);
	size_t n = ars_lex_token_len(p, end);
	if (n == 0 || !(p = slash(p + n, end)))
		return false;
	n = ars_lex_token_len(p, end);
	if (n == 0)
		return false;
	p += n;
	struct ars_lex_param prm;
	int r;
	while ((r = ars_lex_param_next(&p, end, &prm)) == 1)
		;
	return r == 0;
}

static int index_of(const char *v, const char *const *names, int n)
{
	for (int i = 0; i < n; i++)
		if (g_ascii_strncasecmp(v, names[i], 3) == 0)
			return i;
	return -1;
}

static bool digits(const char *v, int n, int max)
{
	int x = 0;
	for (int i = 0; i < n; i++) {
		if (!g_ascii_isdigit(v[i]))
			return false;
		x = x * 10 + (v[i] - '0');
	}
	return x <= max;
}

/* rfc1123-date = wkday "," SP date1 SP time SP "GMT" (exactly 29 octets) */
static bool sip_date(const char *v, size_t len)
{
	static const char *const days[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
	static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	if (len != 29)
		return false;
	return index_of(v, days, 7) >= 0 && memcmp(v + 3, ", ", 2) == 0 && digits(v + 5, 2, 31) &&
	       v[7] == ' ' && index_of(v + 8, months, 12) >= 0 && v[11] == ' ' &&
	       digits(v + 12, 4, 9999) && v[16] == ' ' && digits(v + 17, 2, 23) && v[19] == ':' &&
	       digits(v + 20, 2, 59) && v[22] == ':' && digits(v + 23, 2, 60) && v[25] == ' ' &&
	       g_ascii_strncasecmp(v + 26, "GMT", 3) == 0;
}

static bool empty_ok(const struct ars_hdr_info *h)
{
	static const char *const names[] = {"Accept", "Accept-Encoding", "Accept-Language", "Allow",
					    "Supported"};
	for (size_t i = 0; i < G_N_ELEMENTS(names); i++)
		if (strcmp(h->name, names[i]) == 0)
			return true;
	return false;
}

bool ars_hdr_check(const struct ars_hdr_info *h, const char *v, size_t len)
{
	uint32_t n;
	const char *m;
	size_t mlen;
	switch (h->kind) {
	case ARS_HDR_ANY:
		return true;
	case ARS_HDR_VIA: {
		struct via_scan s;
		return via_scan(v, v + len, &s) && via_params_ok(s.params, v + len);
	}
	case ARS_HDR_FROM_TO:
		return nameaddr_check(v, len, NA_TAG);
	case ARS_HDR_CONTACT:
		return (len == 1 && v[0] == '*') || nameaddr_check(v, len, NA_CONTACT);
	case ARS_HDR_ROUTE:
		return nameaddr_check(v, len, NA_ANGLE);
	case ARS_HDR_CALL_ID:
		return call_id(v, len);
	case ARS_HDR_CSEQ:
		return ars_hdr_cseq(v, len, &n, &m, &mlen);
	case ARS_HDR_MAX_FORWARDS:
		return ars_lex_uint(v, len, 255, NULL);
	case ARS_HDR_NUMBER:
		return ars_lex_uint(v, len, UINT64_MAX, NULL);
	case ARS_HDR_MEDIA:
		return media_type(v, len);
	case ARS_HDR_DATE:
		return sip_date(v, len);
	case ARS_HDR_TOKEN:
		return ars_lex_is_token(v, len) || (len == 0 && empty_ok(h));
	}
	return false;
}

/* --- lists and parameters ------------------------------------------------ */

static void push(GPtrArray *a, const char *s, const char *e)
{
	s = ars_lex_skip_wsp(s, e);
	e = ars_lex_trim_end(s, e);
	g_ptr_array_add(a, (gpointer)s);
	g_ptr_array_add(a, (gpointer)e);
}

GPtrArray *ars_hdr_split(const char *v, size_t len)
{
	GPtrArray *out = g_ptr_array_new();
	const char *p = v, *end = v + len, *start = v;
	bool angle = false;
	while (p < end) {
		if (*p == '"' && !angle) {
			p = ars_lex_quoted(p, end);
			if (!p)
				goto fail;
			continue;
		}
		if (*p == '<') {
			if (angle)
				goto fail;
			angle = true;
		} else if (*p == '>') {
			angle = false;
		} else if (*p == ',' && !angle) {
			push(out, start, p);
			start = p + 1;
		}
		p++;
	}
	if (angle)
		goto fail;
	push(out, start, end);
	return out;
fail:
	g_ptr_array_unref(out);
	return NULL;
}

char *ars_hdr_param(const char *v, size_t len, const char *name)
{
	const char *end = v + len;
	const char *p = ars_lex_find_params(v, end);
	struct ars_lex_param prm;
	while (ars_lex_param_next(&p, end, &prm) == 1)
		if (ars_lex_param_is(&prm, name))
			return ars_lex_param_value(&prm);
	return NULL;
}

char *ars_sip_param(const char *value, const char *name)
{
	if (!value || !name)
		return NULL;
	return ars_hdr_param(value, strlen(value), name);
}
