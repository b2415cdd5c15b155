/* DTMF as RFC 4733 telephone-events inside the call's RTP stream, both ways
 * (dtmf.c). Not for use outside media/ (the API is in session.h).
 *
 * Sending: a probe on the send branch's RTP output replaces audio packets
 * with telephone-event packets while a digit plays, so the events share the
 * audio's SSRC, sequence numbers and timeline by construction (no second
 * payloader or mux whose caps webrtcbin's sink pad would have to take).
 * Receiving: a probe on webrtcbin's telephone-event source pad reads each
 * new event once and posts its digit to the main context. */
#pragma once

#include "sdp.h"

#include <gst/gst.h>

struct ars_dtmf; /* per session; refcounted (the send probe holds a ref) */

struct ars_dtmf *ars_dtmf_new(const char *log_id);
void ars_dtmf_unref(struct ars_dtmf *d);

/* Main context. The telephone-event/8000 payload number that `sdp` (the far
 * end's offer or answer) accepts in `section`; none = no events are sent. */
void ars_dtmf_set_remote(struct ars_dtmf *d, const struct ars_sdp *sdp, int section);

/* Main context: probes the RTP leaving `send` (its "src" pad) so that queued
 * digits replace audio packets there. Drops digits still queued for an
 * earlier branch. */
void ars_dtmf_attach(struct ars_dtmf *d, GstElement *send);

/* Main context: queues `n` digits (already checked: ars_dtmf_event_code()
 * >= 0), each `ms` long. Returns 0, or with *err: -ENOTSUP (no
 * telephone-event accepted), -ENOSPC (over 64 digits waiting). */
int ars_dtmf_queue(struct ars_dtmf *d, const char *keys, size_t n, unsigned ms, char **err);

/* Is `caps` (a webrtcbin source pad's) telephone-event? */
gboolean ars_dtmf_caps_are_events(const GstCaps *caps);
/* Any thread (pad-added): reads the events arriving on `pad` and posts each
 * new digit to the session's main context (POST_DTMF). */
struct shared;
void ars_dtmf_probe_receive(struct shared *sh, GstPad *pad);

/* Any thread: the RFC 4733 event code of digit `c` (0-9 * # A-D, a-d), or -1;
 * and the digit of an event code, or 0. */
int ars_dtmf_event_code(char c);
char ars_dtmf_digit(int code);

/* Reads one RFC 4733 packet (`payload`, `len` bytes, RTP timestamp `ts`) of
 * a receive stream whose last reported event had timestamp *last_ts
 * (*have_last false before the first): returns the digit of a new event and
 * updates *last_ts, or 0 (repeat, end packets of a known event, not a digit
 * event, too short). */
char ars_dtmf_read_event(const guint8 *payload, gsize len, guint32 ts, guint32 *last_ts,
                         gboolean *have_last);
