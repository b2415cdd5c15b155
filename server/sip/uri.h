/* uri.h - sip:, sips: and tel: URIs (RFC 3261 §19.1, RFC 3966 for tel):
 * parsing with escapes, printing, and the §19.1.4 comparison rules. */
#pragma once
#include <glib.h>
#include <stdbool.h>
#include <stddef.h>

enum ars_uri_scheme {
	ARS_URI_SIP,
	ARS_URI_SIPS,
	ARS_URI_TEL,
};

struct ars_uri_param {
	char *name;  /* lower case */
	char *value; /* unescaped; NULL for a parameter without "=" */
};

struct ars_uri {
	enum ars_uri_scheme scheme;
	char *user;	  /* unescaped; NULL when none. tel: the number */
	char *host;	  /* lower case; IPv6 without brackets; NULL for tel: */
	bool host_is_ipv6;
	int port;	  /* 0 when none */
	GPtrArray *params;  /* of struct ars_uri_param*, in order */
	GPtrArray *headers; /* of struct ars_uri_param* ("?name=value&..."), names as given */
};

/* Strict parse of len bytes of s. Userinfo with a password ("user:pw@") is
 * refused: arsphone never puts secrets in URIs. So is an escaped NUL (%00),
 * which the unescaped C strings below could not carry. Parameter names may
 * not repeat, and there are at most 100 parameters and 100 headers. Returns
 * NULL on error with a static reason in *why (may be NULL). */
struct ars_uri *ars_uri_parse(const char *s, size_t len, const char **why);
void ars_uri_free(struct ars_uri *u);
typedef struct ars_uri ArsUri;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ArsUri, ars_uri_free)

/* The parameter's value: "" for a flag parameter, NULL when absent. */
const char *ars_uri_param(const struct ars_uri *u, const char *name);
/* RFC 3261 §19.1.4 equality (user case-sensitive, host case-insensitive,
 * escapes compared unescaped, the user/ttl/method/maddr/transport rule for
 * parameters, headers all compared). tel: compares the number. */
bool ars_uri_equal(const struct ars_uri *a, const struct ars_uri *b);
/* Canonical text, escaping what needs it. */
char *ars_uri_print(const struct ars_uri *u);

/* Syntax check of a URI found in a SIP message (Request-URI, name-addr,
 * addr-spec): a sip:, sips: or tel: URI by the same rules as ars_uri_parse
 * except that a password, %00 and a repeated parameter are accepted (the
 * grammar allows them and others may send them), or any
 * other absoluteURI (RFC 3261 §25.1: scheme ":" 1*uric). *has_headers (may
 * be NULL) tells whether a sip:/sips: URI carries "?headers". */
bool ars_uri_check(const char *s, size_t len, bool *has_headers, const char **why);
