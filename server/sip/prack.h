/* prack.h - reliable provisional responses (RFC 3262) and the option tags
 * of Require/Supported (RFC 3261 §8.2.2.3): RSeq/RAck values, and the UAS
 * side's retransmission of one reliable provisional until its PRACK. */
#pragma once
#include "msg.h"
#include "txn.h"

/* What our INVITEs and their 1xx/2xx answers list in Supported. */
#define ARS_SIP_CALL_SUPPORTED "outbound, 100rel"

/* Whether header (Require, Supported, ...) lists the option tag. */
bool ars_sip_msg_has_option(const struct ars_sip_msg *m, const char *header, const char *tag);
/* The option tags of req's Require that we do not support, as an
 * Unsupported value ("foo, bar"), or NULL when we support them all. */
char *ars_sip_unsupported_required(const struct ars_sip_msg *req);

/* RSeq: 1*DIGIT, 1 to 2^32-1. */
bool ars_sip_rseq_parse(const char *value, uint32_t *rseq);
/* RAck: response-num LWS CSeq-num LWS Method. */
bool ars_sip_rack_parse(const char *value, uint32_t *rseq, uint32_t *cseq, char **method);
/* The RSeq of a UAS's first reliable provisional: random, below 2^31 so
 * that it cannot wrap (§3). */
uint32_t ars_sip_rseq_first(void);

/* UAS: one reliable provisional answer to an INVITE, passed to the
 * transaction again at T1, 2*T1, 4*T1, ... until its PRACK arrives; after
 * 64*T1 without one, timeout_h is called (the owner rejects the INVITE
 * and frees it). */
struct ars_sip_rel1xx;
typedef void(ars_sip_rel1xx_timeout_h)(void *arg);
/* Sends resp (taken; it must carry Require: 100rel and RSeq: rseq). */
struct ars_sip_rel1xx *ars_sip_rel1xx_send(struct ars_sip_txns *t, struct ars_sip_stxn *st,
					   struct ars_sip_msg *resp, uint32_t rseq,
					   ars_sip_rel1xx_timeout_h *timeout_h, void *arg);
/* Whether prack's RAck names this provisional (its RSeq, the INVITE's CSeq
 * number and method). */
bool ars_sip_rel1xx_matches(const struct ars_sip_rel1xx *r, const struct ars_sip_msg *prack);
void ars_sip_rel1xx_free(struct ars_sip_rel1xx *r);
