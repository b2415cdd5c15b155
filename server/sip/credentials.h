/* credentials.h - the client side of digest authentication for one request
 * stream (a registration, a call): remembers the last challenge, counts
 * nonce uses, and tells a wrong password from a stale nonce. */
#pragma once
#include "auth.h"
#include "msg.h"

struct ars_sip_credentials {
	const char *username; /* borrowed */
	const char *password; /* borrowed; NULL: none */
	struct ars_digest_challenge challenge;
	bool have_challenge;
	bool proxy;	/* the challenge came in a 407 */
	uint32_t nc;
	bool fresh;	/* the request in flight answers a challenge just received */
	int challenges; /* 401/407 seen in this attempt */
};

enum ars_sip_challenge_result {
	ARS_SIP_CHALLENGE_RETRY,    /* send the request again with credentials */
	ARS_SIP_CHALLENGE_NO_PASSWORD,
	ARS_SIP_CHALLENGE_WRONG,    /* our credentials were refused */
	ARS_SIP_CHALLENGE_UNUSABLE, /* no challenge we can answer */
};

void ars_sip_credentials_init(struct ars_sip_credentials *c, const char *username, const char *password);
void ars_sip_credentials_clear(struct ars_sip_credentials *c);
/* A new attempt (not a retry after a challenge) starts. */
void ars_sip_credentials_new_attempt(struct ars_sip_credentials *c);
/* Takes in a 401/407 answer to our last request. */
enum ars_sip_challenge_result ars_sip_credentials_challenge(struct ars_sip_credentials *c,
							    const struct ars_sip_msg *resp);
/* A final answer other than 401/407 arrived. */
void ars_sip_credentials_answered(struct ars_sip_credentials *c);
/* Adds Authorization or Proxy-Authorization when a challenge is known. */
void ars_sip_credentials_add(struct ars_sip_credentials *c, struct ars_sip_msg *req, const char *method,
			     const char *ruri);
