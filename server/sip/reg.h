/* reg.h - registration of one contact (RFC 3261 §10) with RFC 5626 outbound
 * (+sip.instance, reg-id=1, ob): REGISTER with digest authentication, 423
 * Interval Too Brief, refresh before expiry, unregistration. */
#pragma once
#include "txn.h"

struct ars_sip_reg;

struct ars_sip_reg_config {
	const char *user;	   /* AOR user part */
	const char *domain;	   /* AOR and Request-URI host */
	const char *aor;	   /* From/To: "Name" <sip:user@domain> */
	const char *auth_username; /* digest user */
	const char *password;	   /* or NULL */
	const char *instance;	   /* "urn:uuid:..." */
	int expires;		   /* what we ask for */
	bool secure;		   /* WSS (else WS) in Via */
};

struct ars_sip_reg_result {
	bool registered;    /* false: unregistered (after unregister) or failed */
	int code;	    /* SIP status, or 0 */
	const char *error;  /* api.md code, or NULL */
	char *reason;	    /* a sentence for the user */
	int expires;	    /* registered: granted seconds */
	int retry_after;    /* server's Retry-After, seconds, or 0 */
};

/* Every outcome: registered (also after each refresh), failed, unregistered. */
typedef void(ars_sip_reg_h)(const struct ars_sip_reg_result *r, void *arg);

struct ars_sip_reg *ars_sip_reg_new(struct ars_sip_txns *txns, const struct ars_sip_reg_config *cfg,
				    ars_sip_reg_h *h, void *arg);
void ars_sip_reg_free(struct ars_sip_reg *r);
/* Sends REGISTER now (a new one; any refresh timer is reset). */
void ars_sip_reg_start(struct ars_sip_reg *r);
/* Sends REGISTER with Expires: 0; the handler then reports unregistered. */
void ars_sip_reg_stop(struct ars_sip_reg *r);
/* Our Contact header value, and the host our Via headers name. */
const char *ars_sip_reg_contact(const struct ars_sip_reg *r);
const char *ars_sip_reg_via_host(const struct ars_sip_reg *r);
/* When to refresh a registration granted for expires seconds. */
guint ars_sip_reg_refresh_delay_ms(int expires);
