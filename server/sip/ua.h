/* ua.h - the SIP user agent of one account: its flow to the PBX, kept up
 * with reconnects and backoff, its registration, and answers to requests the
 * PBX sends on the flow. Reports every change of its registration object
 * (schema/api.md "Registration"). */
#pragma once
#include "../account.h"
#include "call.h"

#include <jansson.h>

struct lws_context;
struct ars_sip_ua;

/* How an agent hands calls to their owner. All optional (NULL: requests
 * that no call takes get 481, INVITEs 480). */
struct ars_sip_ua_call_hooks {
	/* Offers a request to the calls (in-dialog requests, CANCEL); true when
	 * one of them took it. st is NULL for an ACK. */
	bool (*take)(struct ars_sip_ua *ua, struct ars_sip_stxn *st, const struct ars_sip_msg *req, void *arg);
	/* A new INVITE: the owner answers it (through a new call or a refusal). */
	void (*incoming)(struct ars_sip_ua *ua, struct ars_sip_stxn *st, const struct ars_sip_msg *invite,
			 void *arg);
	/* The flow is gone: calls on it must end without sending (the
	 * transactions go with the flow). */
	void (*flow_lost)(struct ars_sip_ua *ua, void *arg);
	void *arg;
};

struct ars_sip_ua_env {
	struct lws_context *lws;
	const char *data_dir; /* where CA files for verify mode are written */
	bool trace;	      /* --sip-trace */
	struct ars_sip_ua_call_hooks calls;
};

/* reg is the registration object (borrowed). */
typedef void(ars_sip_ua_changed_h)(struct ars_sip_ua *ua, json_t *reg, void *arg);

/* Starts connecting and registering at once when the account is enabled.
 * Takes acct. */
struct ars_sip_ua *ars_sip_ua_new(const struct ars_sip_ua_env *env, struct ars_account *acct,
				  const char *instance, ars_sip_ua_changed_h *h, void *arg);
/* Frees at once, without unregistering. */
void ars_sip_ua_free(struct ars_sip_ua *ua);
/* Unregisters (when registered), then calls done; free the ua there. */
void ars_sip_ua_shutdown(struct ars_sip_ua *ua, void (*done)(struct ars_sip_ua *ua, void *arg), void *arg);
/* Registers now: drops any wait and reconnects when needed. */
void ars_sip_ua_register_now(struct ars_sip_ua *ua);
/* The registration object (owned by the ua). */
json_t *ars_sip_ua_registration(const struct ars_sip_ua *ua);
/* What a call on this account needs; false unless registered. The strings
 * live as long as the flow. */
bool ars_sip_ua_call_env(struct ars_sip_ua *ua, struct ars_call_env *out);
const struct ars_account *ars_sip_ua_account(const struct ars_sip_ua *ua);
/* Answers a request without a call (e.g. 486 Busy Here to an INVITE). */
void ars_sip_ua_reply(struct ars_sip_stxn *st, int status, const char *reason);
gint64 ars_sip_ua_account_id(const struct ars_sip_ua *ua);

/* Backoff before attempt n (n >= 1): 1 s doubling to 60 s, less up to half
 * of it at random so that many phones do not come back at once. */
guint ars_sip_ua_backoff_ms(guint attempt);
