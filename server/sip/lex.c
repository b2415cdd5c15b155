/* lex.c - RFC 3261 §25.1 character classes and the small scanners the SIP
 * syntax files share. Pure functions over [p, end) ranges. */
#include "lex.h"

#include <arpa/inet.h>
#include <glib.h>
#include <string.h>

bool ars_lex_token_char(unsigned char c)
{
	if (g_ascii_isalnum(c))
		return true;
	switch (c) {
	case '-': case '.': case '!': case '%': case '*':
	case '_': case '+': case '`': case '\'': case '~':
		return true;
	default:
		return false;
	}
}

bool ars_lex_word_char(unsigned char c)
{
	if (ars_lex_token_char(c))
		return true;
	switch (c) {
	case '(': case ')': case '<': case '>': case ':': case '\\': case '"':
	case '/': case '[': case ']': case '?': case '{': case '}':
		return true;
	default:
		return false;
	}
}

bool ars_lex_unreserved(unsigned char c)
{
	if (g_ascii_isalnum(c))
		return true;
	switch (c) {
	case '-': case '_': case '.': case '!': case '~':
	case '*': case '\'': case '(': case ')':
		return true;
	default:
		return false;
	}
}

int ars_lex_hex(unsigned char c)
{
	return g_ascii_isxdigit(c) ? g_ascii_xdigit_value(c) : -1;
}

const char *ars_lex_skip_wsp(const char *p, const char *end)
{
	while (p < end && ars_lex_wsp(*p))
		p++;
	return p;
}

const char *ars_lex_trim_end(const char *start, const char *end)
{
	while (end > start && ars_lex_wsp(end[-1]))
		end--;
	return end;
}

size_t ars_lex_token_len(const char *p, const char *end)
{
	const char *q = p;
	while (q < end && ars_lex_token_char(*q))
		q++;
	return (size_t)(q - p);
}

bool ars_lex_is_token(const char *p, size_t len)
{
	return len > 0 && ars_lex_token_len(p, p + len) == len;
}

bool ars_lex_uint(const char *p, size_t len, uint64_t max, uint64_t *out)
{
	if (len == 0)
		return false;
	uint64_t v = 0;
	for (size_t i = 0; i < len; i++) {
		if (!g_ascii_isdigit(p[i]))
			return false;
		unsigned d = (unsigned)(p[i] - '0');
		if (v > (max - d) / 10)
			return false;
		v = v * 10 + d;
	}
	if (out)
		*out = v;
	return true;
}

const char *ars_lex_quoted(const char *p, const char *end)
{
	if (p >= end || *p != '"')
		return NULL;
	for (p++; p < end; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '"')
			return p + 1;
		if (c == '\\') {
			if (++p >= end)
				return NULL;
			unsigned char e = (unsigned char)*p;
			if (e == '\r' || e == '\n' || e > 0x7f)
				return NULL;
			continue;
		}
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return NULL;
	}
	return NULL;
}

char *ars_lex_unquote(const char *p, const char *end, size_t *len)
{
	GString *s = g_string_sized_new((gsize)(end - p));
	if (p < end && *p == '"')
		p++;
	if (end > p && end[-1] == '"')
		end--;
	for (; p < end; p++) {
		if (*p == '\\' && p + 1 < end)
			p++;
		g_string_append_c(s, *p);
	}
	if (len)
		*len = s->len;
	return g_string_free(s, FALSE);
}

bool ars_lex_utf8(const char *p, size_t len)
{
	const unsigned char *s = (const unsigned char *)p, *e = s + len;
	while (s < e) {
		unsigned c = *s;
		if (c < 0x80) {
			s++;
			continue;
		}
		int n;
		unsigned lo = 0x80, hi = 0xbf;
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			if (c == 0xe0)
				lo = 0xa0;
			else if (c == 0xed)
				hi = 0x9f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			if (c == 0xf0)
				lo = 0x90;
			else if (c == 0xf4)
				hi = 0x8f;
		} else {
			return false;
		}
		if (e - s <= n)
			return false;
		if (s[1] < lo || s[1] > hi)
			return false;
		for (int i = 2; i <= n; i++)
			if ((s[i] & 0xc0) != 0x80)
				return false;
		s += n + 1;
	}
	return true;
}

bool ars_lex_ipv4(const char *p, size_t len)
{
	const char *end = p + len;
	for (int part = 0; part < 4; part++) {
		if (part > 0) {
			if (p >= end || *p != '.')
				return false;
			p++;
		}
		unsigned v = 0, digits = 0;
		while (p < end && g_ascii_isdigit(*p) && digits < 3) {
			v = v * 10 + (unsigned)(*p - '0');
			p++;
			digits++;
		}
		if (digits == 0 || v > 255)
			return false;
	}
	return p == end;
}

bool ars_lex_ipv6(const char *p, size_t len)
{
	if (len < 2 || len > 45)
		return false;
	char buf[46];
	for (size_t i = 0; i < len; i++) {
		if (!g_ascii_isxdigit(p[i]) && p[i] != ':' && p[i] != '.')
			return false;
		buf[i] = p[i];
	}
	buf[len] = '\0';
	struct in6_addr a;
	return inet_pton(AF_INET6, buf, &a) == 1;
}

bool ars_lex_hostname(const char *p, size_t len)
{
	if (len == 0 || len > 255)
		return false;
	const char *end = p + len;
	if (end[-1] == '.') /* hostname = *( domainlabel "." ) toplabel [ "." ] */
		end--;
	const char *label = p;
	bool last_alpha = false;
	while (label < end) {
		const char *dot = memchr(label, '.', (size_t)(end - label));
		const char *lend = dot ? dot : end;
		size_t n = (size_t)(lend - label);
		if (n == 0 || n > 63 || !g_ascii_isalnum(label[0]) || !g_ascii_isalnum(lend[-1]))
			return false;
		for (const char *q = label; q < lend; q++)
			if (!g_ascii_isalnum(*q) && *q != '-')
				return false;
		last_alpha = g_ascii_isalpha(label[0]);
		if (!dot)
			break;
		label = dot + 1;
		if (label == end)
			return false; /* ".." or a second trailing dot */
	}
	return last_alpha; /* toplabel starts with ALPHA */
}

bool ars_lex_host(const char *p, size_t len, bool *ipv6)
{
	bool v6 = false;
	bool ok;
	if (len >= 2 && p[0] == '[') {
		ok = p[len - 1] == ']' && ars_lex_ipv6(p + 1, len - 2);
		v6 = true;
	} else {
		ok = ars_lex_ipv4(p, len) || ars_lex_hostname(p, len);
	}
	if (ok && ipv6)
		*ipv6 = v6;
	return ok;
}

static bool gen_value_char(unsigned char c)
{
	return ars_lex_token_char(c) || c == ':' || c == '[' || c == ']';
}

int ars_lex_param_next(const char **pp, const char *end, struct ars_lex_param *out)
{
	const char *p = ars_lex_skip_wsp(*pp, end);
	if (p == end) {
		*pp = p;
		return 0;
	}
	if (*p != ';')
		return -1;
	p = ars_lex_skip_wsp(p + 1, end);
	size_t n = ars_lex_token_len(p, end);
	if (n == 0)
		return -1;
	out->name = p;
	out->name_len = n;
	out->value = NULL;
	out->value_len = 0;
	out->quoted = false;
	p = ars_lex_skip_wsp(p + n, end);
	if (p < end && *p == '=') {
		p = ars_lex_skip_wsp(p + 1, end);
		const char *v = p;
		if (p < end && *p == '"') {
			p = ars_lex_quoted(p, end);
			if (!p)
				return -1;
			out->quoted = true;
		} else {
			while (p < end && gen_value_char(*p))
				p++;
			if (p == v)
				return -1;
		}
		out->value = v;
		out->value_len = (size_t)(p - v);
	}
	*pp = p;
	return 1;
}

const char *ars_lex_find_params(const char *p, const char *end)
{
	bool angle = false;
	while (p < end) {
		if (*p == '"' && !angle) {
			const char *q = ars_lex_quoted(p, end);
			if (!q)
				return end;
			p = q;
			continue;
		}
		if (*p == '<')
			angle = true;
		else if (*p == '>')
			angle = false;
		else if (*p == ';' && !angle)
			return p;
		p++;
	}
	return end;
}

char *ars_lex_param_value(const struct ars_lex_param *prm)
{
	if (!prm->value)
		return g_strdup("");
	if (prm->quoted) {
		char *v = ars_lex_unquote(prm->value, prm->value + prm->value_len, NULL);
		return v;
	}
	return g_strndup(prm->value, prm->value_len);
}

bool ars_lex_param_is(const struct ars_lex_param *prm, const char *name)
{
	size_t n = strlen(name);
	return prm->name_len == n && g_ascii_strncasecmp(prm->name, name, n) == 0;
}
