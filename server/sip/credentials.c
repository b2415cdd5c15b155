/* credentials.c - digest credentials for requests we send. A 401/407 to a
 * request that answered the previous challenge means the password is wrong,
 * unless the server only says the nonce went stale (RFC 7616 §3.3). */
#include "credentials.h"

#include <string.h>

#define MAX_CHALLENGES 4

void ars_sip_credentials_init(struct ars_sip_credentials *c, const char *username, const char *password)
{
	memset(c, 0, sizeof *c);
	c->username = username;
	c->password = password;
}

void ars_sip_credentials_clear(struct ars_sip_credentials *c)
{
	ars_digest_challenge_clear(&c->challenge);
	c->have_challenge = false;
}

void ars_sip_credentials_new_attempt(struct ars_sip_credentials *c)
{
	c->fresh = false;
	c->challenges = 0;
}

void ars_sip_credentials_answered(struct ars_sip_credentials *c)
{
	c->fresh = false;
}

enum ars_sip_challenge_result ars_sip_credentials_challenge(struct ars_sip_credentials *c,
							    const struct ars_sip_msg *resp)
{
	bool proxy = resp->status == 407;
	const char *name = proxy ? "Proxy-Authenticate" : "WWW-Authenticate";
	const char *values[16];
	guint n = MIN(ars_sip_msg_count(resp, name), G_N_ELEMENTS(values));
	for (guint i = 0; i < n; i++)
		values[i] = ars_sip_msg_get_nth(resp, name, i);
	int pick = ars_digest_pick(values, n);
	if (pick < 0)
		return ARS_SIP_CHALLENGE_UNUSABLE;
	if (!c->password)
		return ARS_SIP_CHALLENGE_NO_PASSWORD;

	struct ars_digest_challenge ch = {0};
	const char *why;
	if (!ars_digest_challenge_parse(values[pick], &ch, &why))
		return ARS_SIP_CHALLENGE_UNUSABLE;
	bool answered_previous = c->fresh;
	if ((answered_previous && !ch.stale) || ++c->challenges > MAX_CHALLENGES) {
		ars_digest_challenge_clear(&ch);
		c->fresh = false;
		return ARS_SIP_CHALLENGE_WRONG;
	}
	ars_digest_challenge_clear(&c->challenge);
	c->challenge = ch;
	c->have_challenge = true;
	c->proxy = proxy;
	c->nc = 0;
	c->fresh = true;
	return ARS_SIP_CHALLENGE_RETRY;
}

void ars_sip_credentials_add(struct ars_sip_credentials *c, struct ars_sip_msg *req, const char *method,
			     const char *ruri)
{
	if (!c->have_challenge || !c->password)
		return;
	struct ars_digest_request dr = {
		.username = c->username,
		.password = c->password,
		.method = method,
		.uri = ruri,
		.nc = ++c->nc,
	};
	g_autofree char *value = ars_digest_authorization(&c->challenge, &dr);
	ars_sip_msg_add(req, c->proxy ? "Proxy-Authorization" : "Authorization", value);
}
