/* msg.h - SIP messages (RFC 3261 §7, §20, §25): strict parsing of what
 * arrives in one WebSocket message, building requests and responses, and
 * serializing them. Header values are kept as text in message order; the
 * fields every layer needs (Call-ID, CSeq, tags, top Via branch) are parsed
 * once and checked by the parser. */
#pragma once
#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ARS_SIP_MAX_MSG (64 * 1024)

struct ars_sip_header {
	char *name;  /* canonical spelling ("Via", "Call-ID", "WWW-Authenticate"); compact
		      * forms (v f t i m l c k s e o u) are expanded */
	char *value; /* one value, surrounding white space removed, folded lines unfolded;
		      * comma-separated lists of the headers that allow them are split into
		      * one header each (never inside quotes or <>, never for
		      * WWW-/Proxy-Authenticate, Authorization, Date and the like) */
	size_t value_len; /* strlen(value), except that a parsed value may hold a NUL
			   * escaped inside a quoted string (RFC 3261 quoted-pair allows
			   * "\" %x00): C-string readers then see it cut there */
};

struct ars_sip_msg {
	bool request;
	char *method;  /* request: as sent (methods are case-sensitive) */
	char *ruri;    /* request: the Request-URI text */
	int status;    /* response: 100-699 */
	char *reason;  /* response: reason phrase (may be empty) */
	GPtrArray *headers; /* of struct ars_sip_header*, owned */
	char *body;    /* NULL when none; not NUL-terminated in general: use body_len */
	size_t body_len;

	/* Parsed by ars_sip_msg_parse and the builders; NULL/0 when absent. */
	char *call_id;
	uint32_t cseq;
	char *cseq_method;
	char *from_tag;
	char *to_tag;
	char *via_branch; /* branch of the top Via */

	/* ARS_SIP_PARSE_REJECT: the status to answer with, 400, or 505 for a
	 * request whose SIP-Version is not 2.0 (RFC 3261 §21.5.7). */
	int reject_status;
};

enum ars_sip_parse {
	ARS_SIP_PARSE_OK,
	/* A request whose start line and Via, From, To, Call-ID and CSeq are
	 * fine but which is otherwise malformed: *out holds it so the caller can
	 * answer 400 with *why as the reason phrase. "Fine" means what a
	 * response needs: a method, and each of these headers present (the top
	 * Via with a readable sent-protocol and sent-by); their values may still
	 * be what is wrong (RFC 4475 wants 400 for a bad To or CSeq too), and are
	 * copied as they came. Never for ACK, which is not answered. See
	 * reject_status for the one case that deserves 505. */
	ARS_SIP_PARSE_REJECT,
	/* Nothing that can be answered: log *why and drop. *out is NULL. */
	ARS_SIP_PARSE_DROP,
};

/* Parses exactly one message of len bytes (no trailing data allowed beyond
 * Content-Length, which must match when present). *why is a static string,
 * usable as a reason phrase (NULL for OK). Lines of the start line and header section may
 * end with CRLF or a bare LF (leading empty lines are skipped); the body is
 * taken as it is. At most 1000 header fields (after list splitting). */
enum ars_sip_parse ars_sip_msg_parse(const char *buf, size_t len, struct ars_sip_msg **out,
				     const char **why);
void ars_sip_msg_free(struct ars_sip_msg *m);
typedef struct ars_sip_msg ArsSipMsg;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ArsSipMsg, ars_sip_msg_free)

/* Header access; name is case-insensitive and may be a compact form. */
const char *ars_sip_msg_get(const struct ars_sip_msg *m, const char *name);
guint ars_sip_msg_count(const struct ars_sip_msg *m, const char *name);
const char *ars_sip_msg_get_nth(const struct ars_sip_msg *m, const char *name, guint n);

/* Builders. New requests have no headers; add them in the order they should
 * go out. ars_sip_msg_new_response copies Via (all), From, To, Call-ID and CSeq
 * from req (§8.2.6.2) and, when to_tag is given and To has no tag, adds it. */
struct ars_sip_msg *ars_sip_msg_new_request(const char *method, const char *ruri);
struct ars_sip_msg *ars_sip_msg_new_response(const struct ars_sip_msg *req, int status,
					     const char *reason, const char *to_tag);
void ars_sip_msg_add(struct ars_sip_msg *m, const char *name, const char *value);
void ars_sip_msg_addf(struct ars_sip_msg *m, const char *name, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
void ars_sip_msg_remove(struct ars_sip_msg *m, const char *name);
/* Sets the body and its Content-Type (NULL data: no body, Content-Type removed). */
void ars_sip_msg_set_body(struct ars_sip_msg *m, const char *content_type, const char *data, size_t len);
/* Re-reads call_id, cseq, tags and via_branch from the headers after edits. */
void ars_sip_msg_update_fields(struct ars_sip_msg *m);

/* A deep copy (what outlives the buffer or the builder it came from). */
struct ars_sip_msg *ars_sip_msg_copy(const struct ars_sip_msg *m);

/* The message on the wire, with a Content-Length that matches the body. */
char *ars_sip_msg_print(const struct ars_sip_msg *m, size_t *len);

/* --- pieces of header values -------------------------------------------- */

/* A header parameter (";name=value" after the main value, outside quotes and
 * <>) of value: returns a new string (unquoted), "" for a parameter without
 * value, NULL when absent. Name is case-insensitive. */
char *ars_sip_param(const char *value, const char *name);

/* name-addr / addr-spec (From, To, Contact, Route, Record-Route):
 * display name (unquoted, may be NULL), the URI text, and where the header
 * parameters start (points into value, "" when none). */
bool ars_sip_nameaddr_parse(const char *value, char **display, char **uri, const char **params);

struct ars_sip_via {
	char *transport; /* upper case: "WSS", "WS", "UDP", ... */
	char *host;	 /* sent-by host (IPv6 without brackets) */
	int port;	 /* 0 when absent */
	char *branch;
	char *received;
	bool rport;	 /* rport present */
	int rport_value; /* 0 when rport has no value */
};
bool ars_sip_via_parse(const char *value, struct ars_sip_via *out);
void ars_sip_via_clear(struct ars_sip_via *v);
