/* call.h - one voice call's signalling (RFC 3261 §13-15): INVITE as caller
 * or callee, provisional answers and early media, CANCEL, BYE, digest on
 * INVITE. Media is driven through a small interface so that the state
 * machine is tested without GStreamer. */
#pragma once
#include "credentials.h"
#include "dialog.h"
#include "txn.h"

#include <jansson.h>

enum ars_call_state {
	ARS_CALL_DIALING,     /* our INVITE is out */
	ARS_CALL_RINGING,     /* 180 for our INVITE */
	ARS_CALL_INCOMING,    /* an INVITE for us, not answered yet */
	ARS_CALL_EARLY,	      /* early media (183 with SDP) */
	ARS_CALL_ESTABLISHED,
	ARS_CALL_ENDED,
};

/* Produces a local SDP; the call owns nothing of the media. Each function
 * calls ready(sdp or NULL, error) exactly once, possibly later, on the main
 * loop. */
typedef void(ars_call_sdp_h)(const char *sdp, const char *error, void *arg);
struct ars_call_media_ops {
	void (*offer)(void *media, ars_call_sdp_h *ready, void *arg);
	void (*answer)(void *media, const char *remote_offer, ars_call_sdp_h *ready, void *arg);
	/* The peer's answer to our offer; false with *error when unusable. */
	bool (*set_answer)(void *media, const char *remote_answer, const char **error);
	/* Our own hold (true) or its end: a new offer saying so. */
	void (*hold_offer)(void *media, bool hold, ars_call_sdp_h *ready, void *arg);
	/* The peer refused our new offer: the media goes back to what it had. */
	void (*offer_refused)(void *media);
};

/* What the account's user agent gives each call; strings are borrowed and
 * outlive the call. */
struct ars_call_env {
	struct ars_sip_txns *txns;
	const char *local_uri;	   /* "\"Name\" <sip:505@pbx.example>" */
	const char *contact;	   /* our Contact value */
	const char *via_host;
	bool secure;
	const char *auth_username;
	const char *password;
};

struct ars_call;
/* Every change of state (and the end). */
typedef void(ars_call_changed_h)(struct ars_call *call, void *arg);

struct ars_call *ars_call_new_outgoing(const struct ars_call_env *env, gint64 id, gint64 account_id,
				       const char *target_uri, const struct ars_call_media_ops *ops,
				       void *media, ars_call_changed_h *h, void *arg);
/* For an INVITE that reached no dialog: answers 180 Ringing at once (or 488
 * when it carries no SDP offer, and the call ends). */
struct ars_call *ars_call_new_incoming(const struct ars_call_env *env, gint64 id, gint64 account_id,
				       struct ars_sip_stxn *st, const struct ars_sip_msg *invite,
				       const struct ars_call_media_ops *ops, void *media,
				       ars_call_changed_h *h, void *arg);
void ars_call_free(struct ars_call *c);

/* An incoming call not yet being answered. */
bool ars_call_can_answer(const struct ars_call *c);
/* Prepares our answer; "established" follows once the media has it. */
void ars_call_answer(struct ars_call *c);
void ars_call_decline(struct ars_call *c);
/* CANCEL before an answer, BYE after. */
void ars_call_hangup(struct ars_call *c);
/* Our own hold (true) or its end (false): a re-INVITE with the media's
 * new offer; `held` in the call object follows its 2xx (a refusal leaves
 * it as it was; 408/481 end the call, RFC 3261 §14.1). 0 (also when it
 * already is so), or -EBUSY (not established, or an offer/answer in
 * progress either way). */
int ars_call_hold(struct ars_call *c, bool hold);
/* Media failed (ICE/DTLS): BYE with a Reason header, call ends. */
void ars_call_media_failed(struct ars_call *c, const char *reason);

/* The flow under the call is gone: it ends without sending anything (its
 * transactions went with the flow). */
void ars_call_flow_lost(struct ars_call *c);
/* The negotiated codec, for the API ("opus", "PCMU", "PCMA"). */
void ars_call_set_codec(struct ars_call *c, const char *codec);
gint64 ars_call_id(const struct ars_call *c);
gint64 ars_call_account_id(const struct ars_call *c);

/* A request in this call's dialog, or a CANCEL for its INVITE: answered
 * here. True when the call took it. */
bool ars_call_take_request(struct ars_call *c, struct ars_sip_stxn *st, const struct ars_sip_msg *req);

enum ars_call_state ars_call_state(const struct ars_call *c);
const char *ars_call_state_name(enum ars_call_state s);
/* The call object of the API (schema/api.md "Calls"). */
json_t *ars_call_to_json(const struct ars_call *c);
