/* What the media session's files share (session.c: the state machine and
 * API; bridge.c: crossing from GStreamer threads to the main context and on
 * to the owner; pipeline.c: building the pipeline's pieces). Not for use
 * outside media/. */
#pragma once

#include "audio.h"
#include "codec.h"
#include "dtmf.h"
#include "sdp.h"
#include "session.h"

#ifndef GST_USE_UNSTABLE_API
#define GST_USE_UNSTABLE_API
#endif
#include <gst/gst.h>
#include <gst/webrtc/webrtc.h>

#define LOGID(s) ((s)->log_id ? (s)->log_id : "-")

/* Reachable from GStreamer threads; refcounted. */
struct shared {
	gatomicrefcount ref;
	GMainContext *ctx;
	struct ars_media_session *s; /* main thread only; NULL once freed */
	/* immutable after creation */
	GstElement *funnel; /* decoded audio of every source pad goes here */
	ars_media_tap_h *tap;
	void *tap_arg;
	char *log_id;
	/* written by the RTP probe (streaming thread): monotonic seconds of the
	 * last packet from the far end, read by the silence watchdog */
	gint last_rtp_s;
	/* set on the main context when the negotiated direction forbids us to
	 * send (the far end holds us with a=sendonly, or a=inactive); read by the
	 * send probe (pipeline.c), which then drops our RTP */
	gint send_off;
	/* written by the output probe (streaming thread) */
	GMutex out_lock;
	struct ars_wav_writer *wav;
};

enum phase {
	PH_IDLE,        /* stable: nothing in progress */
	PH_DESCRIBING,  /* create-offer/answer sent, waiting for its reply */
	PH_LOCAL,       /* set-local-description sent; waiting for it and gathering */
	PH_WAIT_ANSWER, /* our offer is out */
	PH_HAVE_OFFER,  /* remote offer applied (or being applied); answer not yet made */
};

struct ars_media_session {
	struct shared *sh;
	char *log_id;
	ars_media_event_h *h;
	void *arg;
	struct ars_audio_in in;
	unsigned jitter_ms, gather_cap_ms, connect_timeout_ms;
	const struct ars_codec *codecs[ARS_CODEC_MAX];
	int n_codecs;

	GstElement *pipeline, *webrtc;
	GstBus *bus;
	guint bus_watch;
	GstWebRTCRTPTransceiver *trans; /* ours, when we offered first */
	GstPad *sinkpad;                /* webrtcbin's, linked to `send` */
	bool sinkpad_requested;         /* by us (else made by add-transceiver) */
	GstElement *send;
	struct ars_dtmf *dtmf; /* events sent in the send branch's stream */
	const struct ars_codec *send_codec; /* what `send` encodes, with send_pt */
	int send_pt;

	enum phase phase;
	bool local_is_offer;
	bool local_set, gathered;
	bool remote_pending; /* set-remote-description in flight */
	bool answer_wanted;  /* ars_media_session_answer() called */
	bool send_caps;      /* caps reached webrtcbin's sink pad */
	struct ars_sdp *remote_offer;
	struct ars_sdp *remote_answer;
	struct ars_sdp *last_local; /* the last LOCAL_SDP we gave out */
	const struct ars_codec *codec;
	int payload;
	struct ars_sdp_origin origin;
	enum ars_sdp_role role;

	bool connected, failed, pc_up, got_rtp, expect_rtp, both_set;
	bool held; /* the negotiated direction is not sendrecv: silence is expected */
	/* the direction in the far end's last description, as it wrote it
	 * (webrtcbin is shown sendrecv: sdp.h, ars_sdp_set_direction) */
	enum ars_sdp_dir remote_dir;
	struct ars_sdp *last_remote; /* the far end's last description, as it wrote it */
	bool hold, hold_before;      /* our own hold; before the offer in flight */
	bool muted;                  /* our microphone: silence is sent */
	GstWebRTCICEConnectionState ice_state;
	GSource *gather_timer, *connect_timer; /* on sh->ctx */
	GSource *silence_timer;		       /* watches for media that stops mid-call */
	GQueue events;                         /* struct queued, delivered by flush() */
	gint64 t_describe, t_local, t_both;
	struct ars_media_timings timings;
};

enum post_kind {
	POST_DESCRIPTION, /* desc or error */
	POST_LOCAL_SET,   /* error or none */
	POST_REMOTE_SET,
	POST_GATHERING, /* value */
	POST_ICE_STATE,
	POST_PC_STATE,
	POST_FIRST_RTP,
	POST_SEND_CAPS,
	POST_DTMF, /* value: the digit received */
};

struct post {
	struct shared *sh;
	enum post_kind kind;
	int value;
	char *error;
	GstWebRTCSessionDescription *desc;
};

/* Events are queued while the state machine runs and handed to the owner by
 * flush() once it is done, so a handler that frees the session never pulls
 * the state out from under us. */
struct queued {
	struct ars_media_event ev;
	char *text;
};

/* bridge.c */
struct shared *ars_media_shared_ref(struct shared *sh);
void ars_media_shared_unref(gpointer sh);
void ars_media_shared_closure_unref(gpointer sh, GClosure *closure);
/* Any thread: hands a post to the main context (always asynchronously);
 * takes `error` and `desc`. */
void ars_media_post(struct shared *sh, enum post_kind kind, int value, char *error,
                    GstWebRTCSessionDescription *desc);
/* A promise whose reply is posted as `kind`. */
GstPromise *ars_media_promise(struct shared *sh, enum post_kind kind);
/* Connects webrtcbin's notify::* and pad-added to posts. */
void ars_media_watch_webrtc(struct shared *sh, GstElement *webrtc);
/* Probes: decoded audio to the tap and the WAV file; caps reaching
 * webrtcbin's sink pad (posted once as POST_SEND_CAPS). */
void ars_media_probe_output(struct shared *sh, GstPad *sinkpad);
void ars_media_probe_send_caps(struct shared *sh, GstPad *pad);
/* Main context: queue an event for the owner (copying `text` into its
 * sdp/reason), FAILED at most once, and deliver the queue. */
void ars_media_emit(struct ars_media_session *s, const struct ars_media_event *ev, const char *text);
void ars_media_fail(struct ars_media_session *s, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
void ars_media_flush(struct shared *sh);
void ars_media_queued_free(gpointer q);
/* One-shot timers on the session's main context; clearing a NULL timer is a
 * no-op, and a timer's callback clears its own before anything else. */
GSource *ars_media_timer(struct ars_media_session *s, unsigned ms, GSourceFunc fn);
void ars_media_timer_clear(GSource **timer);

/* session.c: runs one post on the main context (GSourceFunc). */
gboolean ars_media_deliver(gpointer post);

/* pipeline.c */
void ars_media_tune_ice(GstElement *webrtc);
int ars_media_build_output(struct ars_media_session *s, const struct ars_audio_out *out, char **err);
int ars_media_link_sender(struct ars_media_session *s, const struct ars_codec *c, int pt, int mline,
                          char **err);
