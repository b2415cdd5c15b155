/* dialog.h - SIP dialogs (RFC 3261 §12): created from an INVITE and its
 * answer, they build in-dialog requests (route set, remote target, CSeq,
 * tags) and recognise the requests that belong to them. */
#pragma once
#include "msg.h"

struct ars_sip_dialog {
	char *call_id;
	char *local_tag, *remote_tag;
	char *local_uri, *remote_uri; /* From/To values without tag, as name-addr */
	char *remote_target;	      /* the peer's Contact URI */
	GPtrArray *route_set;	      /* of char*: Route values in sending order */
	uint32_t local_cseq;
	uint32_t remote_cseq; /* 0: none seen yet */
	char *via_host;	      /* ours, e.g. "abc.invalid" */
	bool secure;	      /* WSS (else WS) in Via */
};

/* UAC: from the INVITE we sent and a response with a To tag (1xx or 2xx).
 * NULL when resp has no To tag or no Contact. */
struct ars_sip_dialog *ars_sip_dialog_new_uac(const struct ars_sip_msg *invite,
					      const struct ars_sip_msg *resp, const char *via_host,
					      bool secure);
/* UAS: from an INVITE we received; local_tag is the To tag we answer with.
 * NULL when the INVITE has no Contact. */
struct ars_sip_dialog *ars_sip_dialog_new_uas(const struct ars_sip_msg *invite, const char *local_tag,
					      const char *via_host, bool secure);
void ars_sip_dialog_free(struct ars_sip_dialog *d);
typedef struct ars_sip_dialog ArsSipDialog;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ArsSipDialog, ars_sip_dialog_free)

/* A new request in the dialog (§12.2.1.1): Request-URI = remote target,
 * Route = route set, tags, the next local CSeq (ACK and CANCEL reuse the
 * INVITE's number: pass its cseq), a Via with a new branch. */
struct ars_sip_msg *ars_sip_dialog_request(struct ars_sip_dialog *d, const char *method,
					   uint32_t ack_cseq);
/* Whether req is in this dialog (Call-ID and both tags). */
bool ars_sip_dialog_matches(const struct ars_sip_dialog *d, const struct ars_sip_msg *msg);
/* Checks a request from the peer (§12.2.2): its CSeq must grow. False means
 * answer 500 with Retry-After. Updates the remote target from a target
 * refresh (re-INVITE, UPDATE) that carries a Contact. */
bool ars_sip_dialog_accept_request(struct ars_sip_dialog *d, const struct ars_sip_msg *req);
/* The remote target from a 2xx to a re-INVITE/UPDATE we sent. */
void ars_sip_dialog_refresh_target(struct ars_sip_dialog *d, const struct ars_sip_msg *resp);
