/* SDP as text: just enough parsing to read and rewrite lines, and the
 * fix-ups webrtcbin's descriptions need before SIP peers accept them
 * (shared/PLATFORM-NOTES.md): c= from the first IPv4 UDP host candidate, our
 * own o= line, telephone-event in answers, stable DTLS a=setup roles; and
 * reading the negotiated codec from an answer.
 *
 * Pure functions on text, no GStreamer: unit-tested on captured offers and
 * answers (tests/media/sdp/) and meant to be fuzzed. Input comes from the
 * network: everything is validated, nothing asserted. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

/* Limits for SDP from the network. */
#define ARS_SDP_MAX_LEN 65536
#define ARS_SDP_MAX_LINES 2048

struct ars_sdp; /* lines of one session description */
typedef struct ars_sdp ars_sdp;

/* Parses `text` (`len` bytes, CRLF or LF line ends; need not be
 * NUL-terminated). Every line must be `x=...` with x a lower-case letter, the
 * first `v=0`. Returns 0 and sets *out, or -EINVAL (not SDP; *err says why,
 * g_free it) or -E2BIG (over the limits). */
int ars_sdp_parse(struct ars_sdp **out, const char *text, size_t len, char **err);
void ars_sdp_free(struct ars_sdp *sdp);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ars_sdp, ars_sdp_free)
/* The description as text with CRLF line ends; g_free it. */
char *ars_sdp_print(const struct ars_sdp *sdp);

/* Number of m= sections. Sections are numbered from 0; -1 is the session
 * level. */
int ars_sdp_media_count(const struct ars_sdp *sdp);
/* The value of the first `a=NAME:VALUE` (or "" for `a=NAME`) in `section`,
 * or NULL. Borrowed until the next change to `sdp`. */
const char *ars_sdp_attr(const struct ars_sdp *sdp, int section, const char *name);
/* Media type ("audio", cut to 15 characters) and port (0 when unreadable)
 * of a section's m= line; false when `section` is out of range. */
bool ars_sdp_media(const struct ars_sdp *sdp, int section, char type[16], unsigned *port);

/* A section's direction, with the session level as default. */
enum ars_sdp_dir {
	ARS_SDP_DIR_SENDRECV,
	ARS_SDP_DIR_SENDONLY,
	ARS_SDP_DIR_RECVONLY,
	ARS_SDP_DIR_INACTIVE,
};
enum ars_sdp_dir ars_sdp_direction(const struct ars_sdp *sdp, int section);
/* The direction that answers an offered one (sendonly -> recvonly, ...). */
enum ars_sdp_dir ars_sdp_dir_answer(enum ars_sdp_dir offered);
/* What both allow (sendonly and sendrecv: sendonly; sendonly and
 * recvonly: inactive). */
enum ars_sdp_dir ars_sdp_dir_both(enum ars_sdp_dir a, enum ars_sdp_dir b);
/* Makes `dir` the only direction attribute of media section `section`
 * (session-level ones stay; the media level wins). No-op when out of
 * range or when it already is. webrtcbin 1.22 refuses a transceiver's direction to change on
 * renegotiation ("not implemented"), so it is always shown sendrecv and
 * hold is carried in the SDP text and done by the session itself. */
void ars_sdp_set_direction(struct ars_sdp *sdp, int section, enum ars_sdp_dir dir);

/* The payload number of codec NAME/RATE (case-insensitive; static payloads
 * 0 = PCMU/8000 and 8 = PCMA/8000 count without an rtpmap) in the format
 * list of `section`, or -1. */
int ars_sdp_find_payload(const struct ars_sdp *sdp, int section, const char *name, unsigned rate);

/* The addresses of every a=candidate line (all sections), in order;
 * g_strfreev it. */
char **ars_sdp_candidate_addresses(const struct ars_sdp *sdp);

/* Fix-up 1: puts the first IPv4 UDP host candidate's address (component 1)
 * into the c= lines, session level and media level (adding a media-level
 * c= where neither exists), and its port into an m= line still holding
 * the placeholder 9 (and into `a=rtcp:9`). Returns 0, or -ENOENT when there
 * is no such candidate (nothing changed). */
int ars_sdp_fix_connection(struct ars_sdp *sdp);

/* For re-offers/answers: webrtcbin lists only candidates gathered since the
 * description was made, i.e. none once gathering is over. Copies the
 * a=candidate (and a=end-of-candidates) lines of each section of `from`
 * (our previous description) into the same section of `to` when `to` has
 * none and both use the same a=ice-ufrag. Returns sections changed. */
int ars_sdp_copy_candidates(struct ars_sdp *to, const struct ars_sdp *from);

/* For the far end's descriptions: a section without a direction attribute
 * is sendrecv (RFC 4566, or the session-level one), but webrtcbin 1.22
 * rejects such a stream ("could not intersect offer direction"). Adds the
 * direction explicitly; returns sections changed. */
int ars_sdp_fix_remote_direction(struct ars_sdp *sdp);

/* Fix-up 2: our own o= line. Keep one origin per session: init draws a
 * random 62-bit session id; ars_sdp_set_origin() writes
 * `o=- ID VERSION IN IP4 ADDR`, ADDR being the session-level (else first
 * media-level) c= address, 127.0.0.1 if none. The version is incremented,
 * except when `prev` (the last description written with `o`; may be NULL)
 * equals `sdp` in every line but o= (RFC 3264 §8: a session refresh keeps
 * the version). */
struct ars_sdp_origin {
	uint64_t sess_id;
	uint64_t version; /* of the last description written; 0 = none yet */
};
void ars_sdp_origin_init(struct ars_sdp_origin *o);
void ars_sdp_set_origin(struct ars_sdp *sdp, struct ars_sdp_origin *o, const struct ars_sdp *prev);

/* Fix-up 3: for each section of `offer` with telephone-event/8000 whose
 * answer section is accepted (port != 0) but lacks it, adds the offer's
 * payload to the answer's m= line with `a=rtpmap:PT telephone-event/8000`
 * and `a=fmtp:PT 0-16`. Also adds `a=fmtp:PT 0-16` to a telephone-event
 * that has no fmtp. Returns how many sections were changed. */
int ars_sdp_add_telephone_event(struct ars_sdp *answer, const struct ars_sdp *offer);

/* Fix-up 4: stable DTLS roles. ROLE_NONE until a negotiation ended. */
enum ars_sdp_role {
	ARS_SDP_ROLE_NONE,
	ARS_SDP_ROLE_ACTIVE,  /* we are the DTLS client */
	ARS_SDP_ROLE_PASSIVE, /* we are the DTLS server */
};
/* Our offer: a=setup:actpass while `role` is NONE, else our role. Returns
 * the number of a=setup lines changed. */
int ars_sdp_keep_setup_offer(struct ars_sdp *offer, enum ars_sdp_role role);
/* Our answer to `offer`: the remote's role decides when it is active or
 * passive; for actpass we keep `role` when known (else leave webrtcbin's
 * choice). Returns the number of a=setup lines changed. */
int ars_sdp_keep_setup_answer(struct ars_sdp *answer, const struct ars_sdp *offer, enum ars_sdp_role role);
/* Our role once `answer` (ours when `answer_is_local`) ends a negotiation;
 * NONE when the answer has no usable a=setup. */
enum ars_sdp_role ars_sdp_role_after_answer(const struct ars_sdp *answer, bool answer_is_local);

/* Reads the codec an answer settled on: the first payload of the first
 * accepted audio section that is not telephone-event, CN, red, rtx or
 * ulpfec. Returns 0, or -ENOENT (no accepted audio section / no codec). */
struct ars_sdp_codec {
	char name[32]; /* as written: "opus", "OPUS", "PCMU", ... */
	unsigned rate;
	unsigned channels; /* 1 when not given */
	int payload;
	int dtmf_payload; /* telephone-event/8000 (else any rate), -1 if none */
	int section;
};
int ars_sdp_read_codec(const struct ars_sdp *sdp, struct ars_sdp_codec *codec);
