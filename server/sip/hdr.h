/* hdr.h - SIP header fields (RFC 3261 §7.3, §20, §25.1): the table of known
 * names (canonical spelling, compact forms, which grammars are lists) and a
 * strict check of one value per known grammar. Internal to server/sip; the
 * value helpers for everyone else (ars_sip_param, name-addr, Via) are in
 * msg.h and implemented in hdr.c. */
#pragma once
#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum ars_hdr_flags {
	ARS_HDR_LIST = 1 << 0,	 /* #(element): one stored header per element */
	ARS_HDR_SINGLE = 1 << 1, /* at most one per message */
};

enum ars_hdr_kind {
	ARS_HDR_ANY,	  /* not checked beyond the generic rules */
	ARS_HDR_VIA,
	ARS_HDR_FROM_TO,  /* name-addr / addr-spec, tag */
	ARS_HDR_CONTACT,  /* "*" or name-addr / addr-spec with q and expires */
	ARS_HDR_ROUTE,	  /* name-addr only */
	ARS_HDR_CALL_ID,
	ARS_HDR_CSEQ,
	ARS_HDR_MAX_FORWARDS,
	ARS_HDR_NUMBER,	  /* 1*DIGIT: Content-Length, Expires, Min-Expires */
	ARS_HDR_MEDIA,	  /* type "/" subtype *(;param): Content-Type */
	ARS_HDR_DATE,
	ARS_HDR_TOKEN,	  /* one token per element: Allow, Require, Supported, ... */
};

struct ars_hdr_info {
	const char *name;
	char compact; /* 0 when none */
	unsigned flags;
	enum ars_hdr_kind kind;
	const char *bad; /* reason phrase when a value is malformed */
};

/* The known header of that name (any case; a compact form counts), or NULL. */
const struct ars_hdr_info *ars_hdr_lookup(const char *name, size_t len);
/* Its position in the table, below ARS_HDR_COUNT. */
#define ARS_HDR_COUNT 96
unsigned ars_hdr_index(const struct ars_hdr_info *h);
/* Strict check of one value (one list element) of a known header. */
bool ars_hdr_check(const struct ars_hdr_info *h, const char *v, size_t len);

/* Splits a list value at the commas outside quoted strings and <>. Returns
 * an array of [start, end) pairs (2 pointers per element), or NULL when a
 * quote or a <> is not closed. Elements are trimmed and may be empty. */
GPtrArray *ars_hdr_split(const char *v, size_t len);

/* The top of a Via value: sent-protocol and sent-by (what a response needs). */
bool ars_hdr_via_core(const char *v, size_t len);
/* CSeq: the number and the method (pointing into v). */
bool ars_hdr_cseq(const char *v, size_t len, uint32_t *num, const char **method, size_t *mlen);
/* A header parameter of [v, v + len) as a new string (see ars_sip_param). */
char *ars_hdr_param(const char *v, size_t len, const char *name);
