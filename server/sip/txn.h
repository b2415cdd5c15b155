/* txn.h - SIP transactions (RFC 3261 §17, with RFC 6026's Accepted states)
 * on a reliable transport: client transactions time out (Timer B/F) and
 * match responses; server transactions absorb retransmitted requests by
 * resending their last response. One layer per connection (flow). */
#pragma once
#include "msg.h"

#include <glib.h>

#define ARS_SIP_T1_MS 500
#define ARS_SIP_TXN_TIMEOUT_MS (64 * ARS_SIP_T1_MS) /* Timers B, F, H, J and RFC 6026's L, M */

/* The clock, replaceable in tests. add() returns a non-zero id. */
struct ars_sip_timers {
	guint (*add)(guint ms, GSourceFunc fn, gpointer data, void *impl);
	void (*remove)(guint id, void *impl);
	void *impl;
};

struct ars_sip_txns;
struct ars_sip_ctxn;
struct ars_sip_stxn;

/* Sends one whole message on the flow. */
typedef void(ars_sip_send_h)(const char *wire, size_t len, void *arg);
/* A new request (not a retransmission, not an ACK matched to a transaction).
 * Answer it with ars_sip_stxn_reply(); ACKs for 2xx arrive with st == NULL. */
typedef void(ars_sip_request_h)(struct ars_sip_stxn *st, const struct ars_sip_msg *req, void *arg);
/* A response for a client transaction, or resp == NULL with err (-ETIMEDOUT:
 * no final answer in time, -ECONNRESET: the flow failed). Called for every
 * provisional and final response; after a final one (or an error) the
 * transaction is over and the handle invalid, except that an INVITE's 2xx
 * retransmissions keep coming for 32 s (RFC 6026), after which a last call
 * with resp == NULL and err == 0 says the transaction is over. */
typedef void(ars_sip_response_h)(const struct ars_sip_msg *resp, int err, void *arg);

/* timers may be NULL: the GLib main loop's clock. */
struct ars_sip_txns *ars_sip_txns_new(const struct ars_sip_timers *timers, ars_sip_send_h *send_h,
				      ars_sip_request_h *request_h, void *arg);
/* Ends every transaction without calling anyone back. */
void ars_sip_txns_free(struct ars_sip_txns *t);
/* A message from the flow; responses without a transaction are logged and dropped. */
void ars_sip_txns_recv(struct ars_sip_txns *t, const struct ars_sip_msg *msg);
/* The flow is gone: every client transaction fails with -ECONNRESET. */
void ars_sip_txns_flow_failed(struct ars_sip_txns *t);
guint ars_sip_txns_count(const struct ars_sip_txns *t);
/* The clock the layer runs on, for timers of the layers above. */
const struct ars_sip_timers *ars_sip_txns_timers(const struct ars_sip_txns *t);

/* Sends a message outside any transaction: the ACK for a 2xx, which is end
 * to end (§13.2.2.4). */
void ars_sip_txns_send(struct ars_sip_txns *t, const struct ars_sip_msg *m);

/* Sends req (with a top Via whose branch starts with z9hG4bK) and tracks it.
 * Takes req. */
struct ars_sip_ctxn *ars_sip_ctxn_send(struct ars_sip_txns *t, struct ars_sip_msg *req,
				       ars_sip_response_h *h, void *arg);
/* The owner no longer wants callbacks (the transaction still runs out). */
void ars_sip_ctxn_forget(struct ars_sip_ctxn *c);

/* Sends a response (takes resp). Provisional ones may be followed by more. */
void ars_sip_stxn_reply(struct ars_sip_stxn *st, struct ars_sip_msg *resp);
const struct ars_sip_msg *ars_sip_stxn_request(const struct ars_sip_stxn *st);
/* The INVITE server transaction a CANCEL refers to (§9.2), or NULL. */
struct ars_sip_stxn *ars_sip_txns_find_invite(struct ars_sip_txns *t, const struct ars_sip_msg *cancel);

/* A new branch parameter: "z9hG4bK" + 16 random hex digits. */
char *ars_sip_new_branch(void);
/* Random token of n hex digits (tags, Call-ID parts). */
char *ars_sip_random_hex(guint n);
