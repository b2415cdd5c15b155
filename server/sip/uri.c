/* uri.c - sip:, sips: and tel: URIs (RFC 3261 §19.1 and §25.1, RFC 3966):
 * strict parsing with escapes, canonical printing and the §19.1.4
 * comparison rules. Pure functions: fuzzed by tests/sip/fuzz_sip_uri.c. */
#include "uri.h"

#include "lex.h"

#include <arpa/inet.h>
#include <string.h>

enum {
	ALLOW_PASSWORD = 1 << 0,
	ALLOW_NUL = 1 << 1,
	ALLOW_REPEATS = 1 << 2, /* the same parameter name twice, and no limit */
};

/* More would make the quadratic checks below (repeats, ars_uri_equal) a way
 * to burn CPU with one URI; real ones carry a handful. */
#define MAX_PARAMS 100

typedef bool(char_ok)(unsigned char c);

static bool user_char(unsigned char c)
{
	return ars_lex_unreserved(c) || (c && strchr("&=+$,;?/", c));
}

static bool password_char(unsigned char c)
{
	return ars_lex_unreserved(c) || (c && strchr("&=+$,", c));
}

static bool param_char(unsigned char c)
{
	return ars_lex_unreserved(c) || (c && strchr("[]/:&+$", c));
}

static bool hnv_char(unsigned char c)
{
	return ars_lex_unreserved(c) || (c && strchr("[]/?:+$", c));
}

static bool uric(unsigned char c)
{
	return ars_lex_unreserved(c) || (c && strchr(";/?:@&=+$,", c));
}

static bool tel_pname_char(unsigned char c)
{
	return g_ascii_isalnum(c) || c == '-';
}

static void param_free(gpointer p)
{
	struct ars_uri_param *prm = p;
	g_free(prm->name);
	g_free(prm->value);
	g_free(prm);
}

void ars_uri_free(struct ars_uri *u)
{
	if (!u)
		return;
	g_free(u->user);
	g_free(u->host);
	g_ptr_array_unref(u->params);
	g_ptr_array_unref(u->headers);
	g_free(u);
}

/* Checks that every byte of [p, end) is allowed by ok() or is a valid
 * escape, and appends the unescaped text to out (when not NULL). */
static bool unescape(const char *p, const char *end, char_ok *ok, unsigned flags, GString *out,
		     const char **why)
{
	for (; p < end; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '%') {
			int h, l;
			if (end - p < 3 || (h = ars_lex_hex(p[1])) < 0 || (l = ars_lex_hex(p[2])) < 0) {
				*why = "bad escape";
				return false;
			}
			c = (unsigned char)(h << 4 | l);
			if (c == 0 && !(flags & ALLOW_NUL)) {
				*why = "escaped NUL";
				return false;
			}
			p += 2;
		} else if (!ok(c)) {
			*why = "bad character";
			return false;
		}
		if (out)
			g_string_append_c(out, (char)c);
	}
	return true;
}

static char *unescape_dup(const char *p, const char *end, char_ok *ok, unsigned flags, const char **why)
{
	GString *s = g_string_new(NULL);
	if (!unescape(p, end, ok, flags, s, why)) {
		g_string_free(s, TRUE);
		return NULL;
	}
	return g_string_free(s, FALSE);
}

static struct ars_uri_param *find(GPtrArray *a, const char *name)
{
	for (guint i = 0; i < a->len; i++) {
		struct ars_uri_param *prm = a->pdata[i];
		if (g_ascii_strcasecmp(prm->name, name) == 0)
			return prm;
	}
	return NULL;
}

/* uri-parameters (or RFC 3966 par): *( ";" pname [ "=" pvalue ] ). */
static bool parse_params(struct ars_uri *u, const char *p, const char *end, unsigned flags,
			 const char **why)
{
	bool tel = u->scheme == ARS_URI_TEL;
	while (p < end) {
		p++; /* ';' */
		const char *seg = memchr(p, ';', (size_t)(end - p));
		if (!seg)
			seg = end;
		const char *eq = memchr(p, '=', (size_t)(seg - p));
		const char *nend = eq ? eq : seg;
		*why = "bad parameter";
		if (nend == p || (eq && eq + 1 == seg))
			return false;
		if (tel) {
			for (const char *q = p; q < nend; q++)
				if (!tel_pname_char(*q))
					return false;
		}
		g_autofree char *name = unescape_dup(p, nend, param_char, flags, why);
		g_autofree char *value = eq ? unescape_dup(eq + 1, seg, param_char, flags, why) : NULL;
		if (!name || (eq && !value))
			return false;
		if (!*name) {
			*why = "bad parameter";
			return false;
		}
		if (!(flags & ALLOW_REPEATS) && find(u->params, name)) {
			*why = "duplicate parameter";
			return false;
		}
		if (!(flags & ALLOW_REPEATS) && u->params->len == MAX_PARAMS) {
			*why = "too many parameters";
			return false;
		}
		struct ars_uri_param *prm = g_new0(struct ars_uri_param, 1);
		prm->name = g_ascii_strdown(name, -1);
		prm->value = g_steal_pointer(&value);
		g_ptr_array_add(u->params, prm);
		p = seg;
	}
	return true;
}

/* headers: "?" hname "=" hvalue *( "&" hname "=" hvalue ). */
static bool parse_headers(struct ars_uri *u, const char *p, const char *end, unsigned flags,
			  const char **why)
{
	do {
		p++; /* '?' or '&' */
		const char *seg = memchr(p, '&', (size_t)(end - p));
		if (!seg)
			seg = end;
		const char *eq = memchr(p, '=', (size_t)(seg - p));
		*why = "bad header";
		if (!eq || eq == p)
			return false;
		g_autofree char *name = unescape_dup(p, eq, hnv_char, flags, why);
		g_autofree char *value = unescape_dup(eq + 1, seg, hnv_char, flags, why);
		if (!name || !value)
			return false;
		if (!(flags & ALLOW_REPEATS) && u->headers->len == MAX_PARAMS) {
			*why = "too many headers";
			return false;
		}
		struct ars_uri_param *h = g_new0(struct ars_uri_param, 1);
		h->name = g_steal_pointer(&name);
		h->value = g_steal_pointer(&value);
		g_ptr_array_add(u->headers, h);
		p = seg;
	} while (p < end);
	return true;
}

/* hostport, from p to the first ';' or '?' (or end). */
static bool parse_hostport(struct ars_uri *u, const char *p, const char *end, const char **rest,
			   const char **why)
{
	const char *hend;
	if (p < end && *p == '[') {
		hend = memchr(p, ']', (size_t)(end - p));
		hend = hend ? hend + 1 : end;
	} else {
		hend = p;
		while (hend < end && *hend != ':' && *hend != ';' && *hend != '?')
			hend++;
	}
	bool v6 = false;
	if (!ars_lex_host(p, (size_t)(hend - p), &v6)) {
		*why = "bad host";
		return false;
	}
	u->host_is_ipv6 = v6;
	u->host = v6 ? g_ascii_strdown(p + 1, hend - p - 2) : g_ascii_strdown(p, hend - p);
	p = hend;
	if (p < end && *p == ':') {
		const char *q = ++p;
		while (q < end && *q != ';' && *q != '?')
			q++;
		uint64_t port;
		if (!ars_lex_uint(p, (size_t)(q - p), 65535, &port) || port == 0) {
			*why = "bad port";
			return false;
		}
		u->port = (int)port;
		p = q;
	}
	if (p < end && *p != ';' && *p != '?') {
		*why = "bad host";
		return false;
	}
	*rest = p;
	return true;
}

static bool parse_sip(struct ars_uri *u, const char *p, const char *end, unsigned flags,
		      bool *has_headers, const char **why)
{
	const char *at = memchr(p, '@', (size_t)(end - p));
	if (at) {
		const char *colon = memchr(p, ':', (size_t)(at - p));
		const char *uend = colon ? colon : at;
		if (uend == p) {
			*why = "empty user";
			return false;
		}
		if (colon) {
			if (!(flags & ALLOW_PASSWORD)) {
				*why = "password in URI";
				return false;
			}
			if (!unescape(colon + 1, at, password_char, flags, NULL, why))
				return false;
		}
		u->user = unescape_dup(p, uend, user_char, flags, why);
		if (!u->user)
			return false;
		p = at + 1;
	}
	if (!parse_hostport(u, p, end, &p, why))
		return false;
	const char *q = memchr(p, '?', (size_t)(end - p));
	if (!parse_params(u, p, q ? q : end, flags, why))
		return false;
	if (has_headers)
		*has_headers = q != NULL;
	return !q || parse_headers(u, q, end, flags, why);
}

/* RFC 3966: global-number-digits or local-number-digits, then par. */
static bool parse_tel(struct ars_uri *u, const char *p, const char *end, unsigned flags,
		      const char **why)
{
	const char *semi = memchr(p, ';', (size_t)(end - p));
	const char *nend = semi ? semi : end;
	bool global = p < nend && *p == '+';
	int digits = 0;
	*why = "bad telephone number";
	for (const char *q = global ? p + 1 : p; q < nend; q++) {
		unsigned char c = (unsigned char)*q;
		if (strchr("-.()", c) && c)
			continue;
		if (global ? g_ascii_isdigit(c) : (g_ascii_isxdigit(c) || c == '*' || c == '#'))
			digits++;
		else
			return false;
	}
	if (digits == 0)
		return false;
	u->user = g_strndup(p, nend - p);
	if (!parse_params(u, nend, end, flags, why))
		return false;
	if (!global) {
		const char *ctx = ars_uri_param(u, "phone-context");
		if (!ctx || !*ctx) {
			*why = "missing phone-context";
			return false;
		}
	}
	return true;
}

static int scheme_of(const char *s, size_t n)
{
	if (n == 3 && g_ascii_strncasecmp(s, "sip", 3) == 0)
		return ARS_URI_SIP;
	if (n == 4 && g_ascii_strncasecmp(s, "sips", 4) == 0)
		return ARS_URI_SIPS;
	if (n == 3 && g_ascii_strncasecmp(s, "tel", 3) == 0)
		return ARS_URI_TEL;
	return -1;
}

static struct ars_uri *parse(const char *s, size_t len, unsigned flags, bool *has_headers,
			     const char **why)
{
	const char *end = s + len;
	const char *colon = s ? memchr(s, ':', len) : NULL;
	int scheme = colon ? scheme_of(s, (size_t)(colon - s)) : -1;
	if (scheme < 0) {
		*why = "unsupported scheme";
		return NULL;
	}
	struct ars_uri *u = g_new0(struct ars_uri, 1);
	u->scheme = (enum ars_uri_scheme)scheme;
	u->params = g_ptr_array_new_with_free_func(param_free);
	u->headers = g_ptr_array_new_with_free_func(param_free);
	bool ok = scheme == ARS_URI_TEL ? parse_tel(u, colon + 1, end, flags, why)
					: parse_sip(u, colon + 1, end, flags, has_headers, why);
	if (!ok) {
		ars_uri_free(u);
		return NULL;
	}
	return u;
}

struct ars_uri *ars_uri_parse(const char *s, size_t len, const char **why)
{
	const char *dummy;
	return parse(s, len, 0, NULL, why ? why : &dummy);
}

bool ars_uri_check(const char *s, size_t len, bool *has_headers, const char **why)
{
	const char *dummy;
	if (!why)
		why = &dummy;
	if (has_headers)
		*has_headers = false;
	const char *colon = s ? memchr(s, ':', len) : NULL;
	if (colon && scheme_of(s, (size_t)(colon - s)) >= 0) {
		struct ars_uri *u = parse(s, len, ALLOW_PASSWORD | ALLOW_NUL | ALLOW_REPEATS, has_headers, why);
		ars_uri_free(u);
		return u != NULL;
	}
	/* absoluteURI = scheme ":" ( hier-part / opaque-part ) */
	*why = "bad URI";
	if (!colon || colon == s || !g_ascii_isalpha(s[0]) || colon + 1 == s + len)
		return false;
	for (const char *q = s + 1; q < colon; q++)
		if (!g_ascii_isalnum(*q) && *q != '+' && *q != '-' && *q != '.')
			return false;
	return unescape(colon + 1, s + len, uric, ALLOW_NUL, NULL, why);
}

const char *ars_uri_param(const struct ars_uri *u, const char *name)
{
	struct ars_uri_param *prm = find(u->params, name);
	if (!prm)
		return NULL;
	return prm->value ? prm->value : "";
}

/* --- comparison (§19.1.4) ----------------------------------------------- */

static bool host_equal(const struct ars_uri *a, const struct ars_uri *b)
{
	if (a->host_is_ipv6 != b->host_is_ipv6)
		return false;
	if (a->host_is_ipv6) {
		struct in6_addr x, y;
		if (inet_pton(AF_INET6, a->host, &x) == 1 && inet_pton(AF_INET6, b->host, &y) == 1)
			return memcmp(&x, &y, sizeof x) == 0;
	}
	return g_ascii_strcasecmp(a->host, b->host) == 0;
}

static bool value_equal(const char *x, const char *y)
{
	if (!x || !y)
		return x == y;
	return g_ascii_strcasecmp(x, y) == 0;
}

/* Parameters of a not found in b: never equal for the ones that change how
 * the URI resolves (user, ttl, method, maddr, transport). */
static bool params_cover(const struct ars_uri *a, const struct ars_uri *b, bool tel)
{
	static const char *const strict[] = {"user", "ttl", "method", "maddr", "transport"};
	for (guint i = 0; i < a->params->len; i++) {
		const struct ars_uri_param *pa = a->params->pdata[i];
		const struct ars_uri_param *pb = find(b->params, pa->name);
		if (pb) {
			if (!value_equal(pa->value, pb->value))
				return false;
			continue;
		}
		if (tel)
			return false;
		for (size_t k = 0; k < G_N_ELEMENTS(strict); k++)
			if (strcmp(pa->name, strict[k]) == 0)
				return false;
	}
	return true;
}

static bool headers_equal(const struct ars_uri *a, const struct ars_uri *b)
{
	if (a->headers->len != b->headers->len)
		return false;
	g_autofree bool *used = g_new0(bool, b->headers->len + 1);
	for (guint i = 0; i < a->headers->len; i++) {
		const struct ars_uri_param *ha = a->headers->pdata[i];
		guint j;
		for (j = 0; j < b->headers->len; j++) {
			const struct ars_uri_param *hb = b->headers->pdata[j];
			if (!used[j] && g_ascii_strcasecmp(ha->name, hb->name) == 0 &&
			    value_equal(ha->value, hb->value))
				break;
		}
		if (j == b->headers->len)
			return false;
		used[j] = true;
	}
	return true;
}

static char *tel_digits(const char *n)
{
	GString *s = g_string_new(NULL);
	for (; *n; n++)
		if (!strchr("-.()", *n))
			g_string_append_c(s, g_ascii_tolower(*n));
	return g_string_free(s, FALSE);
}

bool ars_uri_equal(const struct ars_uri *a, const struct ars_uri *b)
{
	if (!a || !b || a->scheme != b->scheme)
		return false;
	if (a->scheme == ARS_URI_TEL) {
		g_autofree char *x = tel_digits(a->user);
		g_autofree char *y = tel_digits(b->user);
		return strcmp(x, y) == 0 && params_cover(a, b, true) && params_cover(b, a, true);
	}
	if ((a->user == NULL) != (b->user == NULL) || (a->user && strcmp(a->user, b->user) != 0))
		return false;
	return host_equal(a, b) && a->port == b->port && params_cover(a, b, false) &&
	       params_cover(b, a, false) && headers_equal(a, b);
}

/* --- printing ------------------------------------------------------------ */

static void append_escaped(GString *s, const char *v, char_ok *ok)
{
	for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
		if (ok(*p))
			g_string_append_c(s, (char)*p);
		else
			g_string_append_printf(s, "%%%02X", *p);
	}
}

char *ars_uri_print(const struct ars_uri *u)
{
	static const char *const schemes[] = {"sip:", "sips:", "tel:"};
	GString *s = g_string_new(schemes[u->scheme]);
	if (u->scheme == ARS_URI_TEL) {
		g_string_append(s, u->user);
	} else {
		if (u->user) {
			append_escaped(s, u->user, user_char);
			g_string_append_c(s, '@');
		}
		if (u->host_is_ipv6)
			g_string_append_printf(s, "[%s]", u->host);
		else
			g_string_append(s, u->host);
		if (u->port)
			g_string_append_printf(s, ":%d", u->port);
	}
	for (guint i = 0; i < u->params->len; i++) {
		const struct ars_uri_param *prm = u->params->pdata[i];
		g_string_append_c(s, ';');
		append_escaped(s, prm->name, param_char);
		if (prm->value) {
			g_string_append_c(s, '=');
			append_escaped(s, prm->value, param_char);
		}
	}
	for (guint i = 0; i < u->headers->len; i++) {
		const struct ars_uri_param *h = u->headers->pdata[i];
		g_string_append_c(s, i == 0 ? '?' : '&');
		append_escaped(s, h->name, hnv_char);
		g_string_append_c(s, '=');
		append_escaped(s, h->value, hnv_char);
	}
	return g_string_free(s, FALSE);
}
