/* One call's media: a GStreamer webrtcbin (ICE, DTLS-SRTP, Opus/PCMU/PCMA
 * and telephone-event) driven by SIP's offer/answer, with SDP the way SIP
 * peers need it (sdp.h). Also the process-wide start-up check and warm-up.
 *
 * Threads: every function here is called on the thread that owns the GLib
 * main context that was thread-default when the session was created (the
 * daemon's main loop), and every event is delivered there, never on a
 * GStreamer thread. The only exception is the audio tap (see below). */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

struct ars_media_session;

/* Checks once per process: gst_init and that every element a call needs
 * exists. Returns 0, or -ENOENT with *err (g_free) naming the missing
 * elements and the Debian packages that provide them. Idempotent. */
int ars_media_init(char **err);

/* Called on the main context when the warm-up ended: ms is how long the
 * throwaway offer took (the DTLS certificate is generated there), or -1
 * with `err` (borrowed for the call) when it failed. */
typedef void(ars_media_warmup_h)(double ms, const char *err, void *arg);
/* ars_media_init(), then makes one throwaway webrtcbin offer in a worker
 * thread so that the DTLS certificate exists before the first call
 * (webrtcbin keeps the generated certificate for the life of the process
 * and every later session reuses it). Returns what ars_media_init()
 * returns; `done` (may be NULL) is called only when it returned 0. */
int ars_media_warmup(ars_media_warmup_h *done, void *arg, char **err);

/* Decoded audio received from the far end, mono S16 at `rate`. Called on a
 * GStreamer streaming thread (the only callback that is): `samples` is
 * borrowed for the call; do not block, do not touch daemon state. */
typedef void(ars_media_tap_h)(const int16_t *samples, size_t n, unsigned rate, void *arg);

struct ars_media_config {
	const char *audio_in;  /* auto | tone:HZ | file:PATH.wav | silence; NULL = auto */
	const char *audio_out; /* auto | null | file:PATH.wav; NULL = auto */
	unsigned jitter_ms;    /* receive jitter buffer; 0 = 60 */
	/* "opus,pcmu,pcma" in order of preference (a subset is fine); NULL = all,
	 * opus first */
	const char *codecs;
	/* send the SDP at most this long after ICE gathering started, even if
	 * incomplete; 0 = 1000 */
	unsigned gather_cap_ms;
	/* FAILED when not CONNECTED this long after both descriptions are in
	 * place; 0 = 10000 */
	unsigned connect_timeout_ms;
	const char *log_id;   /* call id for log lines; NULL = none */
	ars_media_tap_h *tap; /* optional */
	void *tap_arg;
};

/* Checks a configuration without building anything (for command-line
 * options). Returns 0, or -EINVAL with *err (g_free). */
int ars_media_config_check(const struct ars_media_config *cfg, char **err);

enum ars_media_event_type {
	/* sdp: our offer or answer, ready for SIP */
	ARS_MEDIA_EVENT_LOCAL_SDP,
	/* codec/rate/payload: what this call sends and expects */
	ARS_MEDIA_EVENT_CODEC,
	/* ICE and DTLS are up and the first RTP arrived (or the far end said it
	 * will not send) */
	ARS_MEDIA_EVENT_CONNECTED,
	/* reason: why (ICE failed, DTLS failed, no media, description refused,
	 * audio device error) */
	ARS_MEDIA_EVENT_FAILED,
	/* digit: an RFC 4733 event from the far end (0-9 * # A-D), once per
	 * event */
	ARS_MEDIA_EVENT_DTMF,
};

struct ars_media_event {
	enum ars_media_event_type type;
	const char *sdp;    /* LOCAL_SDP: CRLF text */
	bool is_offer;      /* LOCAL_SDP */
	const char *codec;  /* CODEC: "opus", "PCMU" or "PCMA" */
	unsigned rate;      /* CODEC: clock rate */
	int payload;        /* CODEC: RTP payload number */
	const char *reason; /* FAILED */
	char digit;         /* DTMF */
};

/* Called on the main context. `ev` and its strings are borrowed for the
 * call. The handler may call ars_media_session_free(s); FAILED is sent at
 * most once, and nothing follows it. */
typedef void(ars_media_event_h)(struct ars_media_session *s, const struct ars_media_event *ev, void *arg);

/* Creates the session (its pipeline is running, no offer yet). `cfg` is
 * copied. Returns 0 and sets *out, or -EINVAL (bad config, *err set) or
 * -ENOENT (ars_media_init failed, *err set). */
int ars_media_session_new(struct ars_media_session **out, const struct ars_media_config *cfg,
                          ars_media_event_h *h, void *arg, char **err);

/* Starts an offer (the first, or a re-offer); LOCAL_SDP follows. Returns 0,
 * -EBUSY while another negotiation is in progress. */
int ars_media_session_offer(struct ars_media_session *s);

/* Our own hold (true) or its end (false), from now on: our offers and
 * answers say sendonly (else sendrecv) and nothing is sent while we hold;
 * then makes a re-offer as ars_media_session_offer() does. Returns 0,
 * -EBUSY (a negotiation in progress) or -EPROTO (no call yet). */
int ars_media_session_hold(struct ars_media_session *s, bool hold);

/* Mutes (true) or unmutes our microphone, at once and across codec
 * changes: the far end gets silence while RTP keeps flowing (no
 * renegotiation). Returns 0. */
int ars_media_session_mute(struct ars_media_session *s, bool muted);

/* The far end refused our re-offer (a non-2xx to the re-INVITE): the
 * session goes back to what it was (its hold state too). Returns 0 or
 * -EPROTO (no re-offer of ours pending). */
int ars_media_session_offer_refused(struct ars_media_session *s);

/* Applies the far end's description (SDP text, as received). An answer
 * completes our offer: CODEC follows. An offer prepares our answer (the
 * encoder is linked with the offer's payload number); call
 * ars_media_session_answer() to get it — at once or later (while ringing).
 * Re-offers and their answers may change the call mid-way: a codec the
 * new description no longer has is replaced by a common one (CODEC
 * follows; the same transceiver and DTLS roles stay), and a direction
 * other than sendrecv (hold) stops our sending where the far end does not
 * want it and rests the no-media watchdog until sendrecv is back.
 * Returns 0, or -EINVAL (not SDP), -EPROTO (no audio stream / answer
 * without an offer), -ENOTSUP (no common codec), -EBUSY (offer while ours
 * is pending), with *err (g_free) set. */
int ars_media_session_set_remote(struct ars_media_session *s, const char *sdp, bool is_offer, char **err);

/* Asks for the answer to the offer given to set_remote: LOCAL_SDP follows.
 * Returns 0 or -EPROTO (no remote offer pending). */
int ars_media_session_answer(struct ars_media_session *s);

/* Queues DTMF digits (0-9 * # A-D, a-d) to be sent as RFC 4733
 * telephone-events in the call's RTP stream, each `duration_ms` long (0 =
 * 100; 40..2000) with 70 ms of audio between digits; they follow digits
 * still queued. Returns 0, or with *err (g_free): -EINVAL (not a digit, bad
 * duration), -EAGAIN (not sending audio yet, or failed), -ENOTSUP (the far
 * end's description has no telephone-event/8000), -ENOSPC (over 64 digits
 * waiting). */
int ars_media_session_dtmf(struct ars_media_session *s, const char *digits, unsigned duration_ms, char **err);

/* Timings of this session in ms (-1 = not yet): describe = create-offer or
 * create-answer until webrtcbin replied (the last one); gather = local
 * description set until ICE gathering completed (or the cap); connect = both
 * descriptions in place until CONNECTED. */
struct ars_media_timings {
	double describe_ms, gather_ms, connect_ms;
};
void ars_media_session_timings(const struct ars_media_session *s, struct ars_media_timings *t);

/* Stops the pipeline (waits for GStreamer's threads) and frees everything;
 * no event is delivered after it. NULL is a no-op. */
void ars_media_session_free(struct ars_media_session *s);
