/* auth.c - HTTP Digest for SIP (RFC 2617, RFC 7616, RFC 8760; RFC 3261
 * §22.4): challenges parsed strictly, the strongest one picked, credentials
 * computed with GLib's GChecksum. The password is only ever hashed; nothing
 * here logs. Challenge parsing is fuzzed by tests/sip/fuzz_digest_challenge.c. */
#define G_LOG_DOMAIN "sip-auth"
#include "auth.h"

#include "lex.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

static const struct {
	const char *name;
	enum ars_digest_alg alg;
	GChecksumType type;
	bool sess;
	int rank; /* RFC 8760 §2.4: SHA-256 before MD5 */
} algs[] = {
	{"MD5", ARS_DIGEST_MD5, G_CHECKSUM_MD5, false, 1},
	{"MD5-sess", ARS_DIGEST_MD5_SESS, G_CHECKSUM_MD5, true, 1},
	{"SHA-256", ARS_DIGEST_SHA256, G_CHECKSUM_SHA256, false, 2},
	{"SHA-256-sess", ARS_DIGEST_SHA256_SESS, G_CHECKSUM_SHA256, true, 2},
};

static bool is(const char *p, size_t n, const char *word)
{
	return strlen(word) == n && g_ascii_strncasecmp(p, word, n) == 0;
}

/* qop-options: a comma-separated list of tokens; is "auth" among them? */
static bool offers_auth(const char *v)
{
	bool found = false;
	const char *p = v, *end = v + strlen(v);
	while (p < end) {
		p = ars_lex_skip_wsp(p, end);
		size_t n = ars_lex_token_len(p, end);
		if (is(p, n, "auth"))
			found = true;
		p = ars_lex_skip_wsp(p + n, end);
		if (p < end && *p != ',')
			return false;
		if (p < end)
			p++;
	}
	return found;
}

void ars_digest_challenge_clear(struct ars_digest_challenge *c)
{
	if (!c)
		return;
	g_free(c->realm);
	g_free(c->nonce);
	g_free(c->opaque);
	memset(c, 0, sizeof *c);
}

static bool fail(struct ars_digest_challenge *c, const char **why, const char *reason)
{
	ars_digest_challenge_clear(c);
	*why = reason;
	return false;
}

/* challenge = "Digest" LWS digest-cln *(COMMA digest-cln), where each
 * digest-cln is name "=" ( token / quoted-string ). Empty list elements are
 * skipped (RFC 7235 #rule); unknown parameters are ignored, repeated ones
 * refused. */
bool ars_digest_challenge_parse(const char *value, struct ars_digest_challenge *out,
				const char **why)
{
	const char *dummy;
	if (!why)
		why = &dummy;
	struct ars_digest_challenge c = {.alg = ARS_DIGEST_MD5};
	if (!value)
		return fail(&c, why, "no challenge");
	const char *end = value + strlen(value);
	const char *p = ars_lex_skip_wsp(value, end);
	size_t n = ars_lex_token_len(p, end);
	if (!is(p, n, "Digest"))
		return fail(&c, why, "not a Digest challenge");
	p += n;
	if (p == end || !ars_lex_wsp(*p))
		return fail(&c, why, "no parameters");
	bool have_realm = false, have_qop = false, have_stale = false;
	while (p < end) {
		p = ars_lex_skip_wsp(p, end);
		if (p < end && *p == ',') {
			p++;
			continue;
		}
		if (p == end)
			break;
		const char *name = p;
		size_t nlen = ars_lex_token_len(p, end);
		p = ars_lex_skip_wsp(p + nlen, end);
		if (nlen == 0 || p == end || *p != '=')
			return fail(&c, why, "malformed parameter");
		p = ars_lex_skip_wsp(p + 1, end);
		g_autofree char *v = NULL;
		if (p < end && *p == '"') {
			const char *q = ars_lex_quoted(p, end);
			if (!q)
				return fail(&c, why, "unterminated quoted string");
			v = ars_lex_unquote(p, q, NULL);
			p = q;
		} else {
			size_t vlen = ars_lex_token_len(p, end);
			if (vlen == 0)
				return fail(&c, why, "malformed parameter");
			v = g_strndup(p, vlen);
			p += vlen;
		}
		p = ars_lex_skip_wsp(p, end);
		if (p < end && *p != ',')
			return fail(&c, why, "malformed parameter");

		bool dup = false;
		if (is(name, nlen, "realm")) {
			dup = have_realm;
			have_realm = true;
			if (!dup)
				c.realm = g_steal_pointer(&v);
		} else if (is(name, nlen, "nonce")) {
			dup = c.nonce != NULL;
			if (!dup)
				c.nonce = g_steal_pointer(&v);
		} else if (is(name, nlen, "opaque")) {
			dup = c.opaque != NULL;
			if (!dup)
				c.opaque = g_steal_pointer(&v);
		} else if (is(name, nlen, "algorithm")) {
			dup = c.algorithm_given;
			c.algorithm_given = true;
			size_t i;
			for (i = 0; i < G_N_ELEMENTS(algs); i++)
				if (g_ascii_strcasecmp(v, algs[i].name) == 0)
					break;
			if (i == G_N_ELEMENTS(algs))
				return fail(&c, why, "unsupported algorithm");
			c.alg = algs[i].alg;
		} else if (is(name, nlen, "qop")) {
			dup = have_qop;
			have_qop = true;
			c.qop_auth = offers_auth(v);
			if (!c.qop_auth)
				return fail(&c, why, "no qop=auth offered");
		} else if (is(name, nlen, "stale")) {
			dup = have_stale;
			have_stale = true;
			c.stale = g_ascii_strcasecmp(v, "true") == 0;
		}
		if (dup)
			return fail(&c, why, "repeated parameter");
	}
	if (!have_realm)
		return fail(&c, why, "no realm");
	if (!c.nonce || !*c.nonce)
		return fail(&c, why, "no nonce");
	*out = c;
	return true;
}

int ars_digest_pick(const char *const *values, guint n)
{
	int best = -1, best_rank = 0;
	for (guint i = 0; values && i < n; i++) {
		struct ars_digest_challenge c = {0};
		const char *why;
		if (!ars_digest_challenge_parse(values[i], &c, &why))
			continue;
		int rank = 0;
		for (size_t k = 0; k < G_N_ELEMENTS(algs); k++)
			if (algs[k].alg == c.alg)
				rank = algs[k].rank;
		ars_digest_challenge_clear(&c);
		if (rank > best_rank) {
			best = (int)i;
			best_rank = rank;
		}
	}
	return best;
}

/* H(a ":" b ":" ...) as lower-case hex. */
static char *hash(GChecksumType type, const char *first, ...)
{
	GChecksum *ck = g_checksum_new(type);
	va_list ap;
	va_start(ap, first);
	int i = 0;
	for (const char *s = first; s; s = va_arg(ap, const char *), i++) {
		if (i > 0)
			g_checksum_update(ck, (const guchar *)":", 1);
		g_checksum_update(ck, (const guchar *)s, (gssize)strlen(s));
	}
	va_end(ap);
	char *hex = g_strdup(g_checksum_get_string(ck));
	g_checksum_free(ck);
	return hex;
}

static char *random_cnonce(void)
{
	guint8 b[16];
	size_t got = 0;
	while (got < sizeof b) {
		ssize_t r = getrandom(b + got, sizeof b - got, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	for (; got < sizeof b; got++) /* no getrandom(): GLib's generator */
		b[got] = (guint8)g_random_int();
	GString *s = g_string_sized_new(2 * sizeof b);
	for (size_t i = 0; i < sizeof b; i++)
		g_string_append_printf(s, "%02x", b[i]);
	return g_string_free(s, FALSE);
}

/* name=quoted-string, '"' and '\' escaped; line breaks cannot go on the wire. */
static void append_quoted(GString *s, const char *name, const char *v)
{
	g_string_append_printf(s, "%s%s=\"", s->len > strlen("Digest ") ? ", " : "", name);
	for (; *v; v++) {
		if (*v == '"' || *v == '\\')
			g_string_append_c(s, '\\');
		g_string_append_c(s, *v == '\r' || *v == '\n' ? ' ' : *v);
	}
	g_string_append_c(s, '"');
}

char *ars_digest_authorization(const struct ars_digest_challenge *c,
			       const struct ars_digest_request *r)
{
	size_t a = 0;
	while (a + 1 < G_N_ELEMENTS(algs) && algs[a].alg != c->alg)
		a++;
	GChecksumType type = algs[a].type;
	bool sess = algs[a].sess;
	bool cnonce_used = c->qop_auth || sess;
	g_autofree char *cnonce = cnonce_used ? (r->cnonce ? g_strdup(r->cnonce) : random_cnonce()) : NULL;
	char nc[9];
	g_snprintf(nc, sizeof nc, "%08x", r->nc);

	const char *realm = c->realm ? c->realm : "";
	const char *nonce = c->nonce ? c->nonce : "";
	const char *user = r->username ? r->username : "";
	const char *uri = r->uri ? r->uri : "";
	g_autofree char *ha1 = hash(type, user, realm, r->password ? r->password : "", NULL);
	if (sess) {
		char *s = hash(type, ha1, nonce, cnonce, NULL);
		g_free(ha1);
		ha1 = s;
	}
	g_autofree char *ha2 = hash(type, r->method ? r->method : "", uri, NULL);
	g_autofree char *response = c->qop_auth ? hash(type, ha1, nonce, nc, cnonce, "auth", ha2, NULL)
						: hash(type, ha1, nonce, ha2, NULL);

	GString *s = g_string_new("Digest ");
	append_quoted(s, "username", user);
	append_quoted(s, "realm", realm);
	append_quoted(s, "nonce", nonce);
	append_quoted(s, "uri", uri);
	append_quoted(s, "response", response);
	if (c->algorithm_given)
		g_string_append_printf(s, ", algorithm=%s", algs[a].name);
	if (cnonce_used)
		append_quoted(s, "cnonce", cnonce);
	if (c->opaque)
		append_quoted(s, "opaque", c->opaque);
	if (c->qop_auth)
		g_string_append_printf(s, ", qop=auth, nc=%s", nc);
	return g_string_free(s, FALSE);
}
