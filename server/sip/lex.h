/* lex.h - RFC 3261 §25.1 character classes and small scanners shared by
 * the SIP syntax files (msg, hdr, uri, auth). Internal to server/sip.
 * Everything works on [p, end) ranges: no input is assumed NUL-terminated,
 * and nothing reads outside the range it is given. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* token: alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~" */
bool ars_lex_token_char(unsigned char c);
/* word (Call-ID): the token characters and ( ) < > : \ " / [ ] ? { } */
bool ars_lex_word_char(unsigned char c);
/* unreserved: alphanum / "-" / "_" / "." / "!" / "~" / "*" / "'" / "(" / ")" */
bool ars_lex_unreserved(unsigned char c);
static inline bool ars_lex_wsp(unsigned char c)
{
	return c == ' ' || c == '\t';
}
int ars_lex_hex(unsigned char c); /* -1 when not a hex digit */

const char *ars_lex_skip_wsp(const char *p, const char *end);
/* The end of [start, end) without its trailing SP/HTAB. */
const char *ars_lex_trim_end(const char *start, const char *end);
/* Length of the run of token characters at p. */
size_t ars_lex_token_len(const char *p, const char *end);
bool ars_lex_is_token(const char *p, size_t len);
/* 1*DIGIT with a value <= max. */
bool ars_lex_uint(const char *p, size_t len, uint64_t max, uint64_t *out);

/* p is at a '"': the position after the closing quote, or NULL when the
 * string is unterminated or holds what a quoted-string cannot (raw control
 * characters other than HTAB; an escaped CR, LF or non-ASCII byte). */
const char *ars_lex_quoted(const char *p, const char *end);
/* The text of the quoted-string [p, end) (quotes included) with its
 * quoted-pairs resolved; *len (may be NULL) gets its length, which may
 * count NUL bytes. */
char *ars_lex_unquote(const char *p, const char *end, size_t *len);

/* UTF-8 (RFC 3629: no overlongs, no surrogates, at most U+10FFFF); NUL
 * bytes are accepted here. */
bool ars_lex_utf8(const char *p, size_t len);

/* host = hostname / IPv4address / IPv6reference (RFC 3261 §25.1, with dotted
 * quads limited to 255 and IPv6 checked by inet_pton). */
bool ars_lex_ipv4(const char *p, size_t len);
bool ars_lex_ipv6(const char *p, size_t len); /* without brackets */
bool ars_lex_hostname(const char *p, size_t len);
bool ars_lex_host(const char *p, size_t len, bool *ipv6);

/* One ";name[=value]" header parameter (generic-param: the value is a token,
 * a host or a quoted-string, with SWS allowed around ';' and '='). */
struct ars_lex_param {
	const char *name;
	size_t name_len;
	const char *value; /* NULL: no "="; a quoted value keeps its quotes */
	size_t value_len;
	bool quoted;
};
/* Reads the parameter at *pp (SWS ";" ...) and moves *pp past it. Returns
 * 1 with *out filled, 0 when only white space is left, -1 on a syntax error. */
int ars_lex_param_next(const char **pp, const char *end, struct ars_lex_param *out);
/* The first ';' of [p, end) that is outside quoted strings and <>, or end. */
const char *ars_lex_find_params(const char *p, const char *end);
/* The value of a parameter as a new string (unquoted), "" without value. */
char *ars_lex_param_value(const struct ars_lex_param *prm);
bool ars_lex_param_is(const struct ars_lex_param *prm, const char *name);
