/* auth.h - HTTP Digest for SIP (RFC 2617, RFC 7616, RFC 8760): parsing
 * WWW-Authenticate / Proxy-Authenticate challenges, choosing the strongest
 * one, and computing Authorization / Proxy-Authorization values. */
#pragma once
#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

enum ars_digest_alg {
	ARS_DIGEST_MD5,
	ARS_DIGEST_MD5_SESS,
	ARS_DIGEST_SHA256,
	ARS_DIGEST_SHA256_SESS,
};

struct ars_digest_challenge {
	char *realm;
	char *nonce;
	char *opaque;	/* NULL when absent */
	enum ars_digest_alg alg;
	bool algorithm_given; /* the challenge named its algorithm (echo it back) */
	bool qop_auth;	/* "auth" among the offered qop values */
	bool stale;
};

/* Parses one challenge (the value of one WWW-Authenticate or
 * Proxy-Authenticate header). False, with a static reason, for a scheme other
 * than Digest, a missing realm or nonce, an unknown algorithm, or a qop list
 * without "auth" (auth-int alone is not supported). */
bool ars_digest_challenge_parse(const char *value, struct ars_digest_challenge *out,
				const char **why);
void ars_digest_challenge_clear(struct ars_digest_challenge *c);
/* Index of the strongest usable challenge among values (SHA-256 before MD5,
 * RFC 8760 §2.4), or -1 when none can be used. */
int ars_digest_pick(const char *const *values, guint n);

struct ars_digest_request {
	const char *username; /* auth_username */
	const char *password;
	const char *method;
	const char *uri;      /* digest-uri: the Request-URI as sent */
	const char *cnonce;   /* NULL: make a random one */
	uint32_t nc;	      /* nonce count, from 1 */
};

/* The credentials header value ("Digest username=..., response=..."). */
char *ars_digest_authorization(const struct ars_digest_challenge *c,
			       const struct ars_digest_request *r);
