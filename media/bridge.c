/* The boundary between GStreamer's threads and the daemon's main loop for
 * one media session, in both steps:
 *   1. webrtcbin's callbacks (promise replies, notify::*, pad-added) and
 *      pad probes run on GStreamer threads: they copy what they got into a
 *      `struct post` and attach an idle source to the session's main
 *      context (ars_media_post); session.c's ars_media_deliver() runs it.
 *      They reach the session only through `struct shared`, refcounted, so
 *      a post queued after ars_media_session_free() finds shared->s NULL
 *      and is dropped.
 *   2. On the main context, events for the owner are queued while the state
 *      machine runs and handed over by ars_media_flush() once it is done, so
 *      a handler may free the session.
 * pad-added is the one callback that acts on its thread: the new source pad
 * must be linked at once (nicesrc posts an error for unlinked data), to a
 * decoder for our codecs or to a fakesink. */
#define G_LOG_DOMAIN "media"
#include "session_priv.h"
#include "tones.h"

#include <string.h>

struct shared *ars_media_shared_ref(struct shared *sh)
{
	g_atomic_ref_count_inc(&sh->ref);
	return sh;
}

void ars_media_shared_unref(gpointer p)
{
	struct shared *sh = p;
	if (!g_atomic_ref_count_dec(&sh->ref))
		return;
	if (sh->funnel)
		gst_object_unref(sh->funnel);
	g_main_context_unref(sh->ctx);
	g_mutex_clear(&sh->out_lock);
	g_free(sh->log_id);
	g_free(sh);
}

void ars_media_shared_closure_unref(gpointer data, GClosure *closure)
{
	ars_media_shared_unref(data);
}

static void post_free(gpointer p)
{
	struct post *m = p;
	if (m->desc)
		gst_webrtc_session_description_free(m->desc);
	g_free(m->error);
	ars_media_shared_unref(m->sh);
	g_free(m);
}

/* Any thread. Always asynchronous, even on the main thread, so the state
 * machine is never re-entered from inside a webrtcbin call. */
void ars_media_post(struct shared *sh, enum post_kind kind, int value, char *error,
                    GstWebRTCSessionDescription *desc)
{
	struct post *m = g_new0(struct post, 1);
	m->sh = ars_media_shared_ref(sh);
	m->kind = kind;
	m->value = value;
	m->error = error;
	m->desc = desc;
	GSource *src = g_idle_source_new();
	g_source_set_priority(src, G_PRIORITY_DEFAULT);
	g_source_set_callback(src, ars_media_deliver, m, post_free);
	g_source_attach(src, sh->ctx);
	g_source_unref(src);
}

/* Promise replies (webrtcbin's thread). */
static void on_promise(GstPromise *promise, gpointer user)
{
	struct post *want = user; /* template: sh + kind */
	GstPromiseResult r = gst_promise_wait(promise);
	const GstStructure *reply = r == GST_PROMISE_RESULT_REPLIED ? gst_promise_get_reply(promise) : NULL;
	char *error = NULL;
	GstWebRTCSessionDescription *desc = NULL;
	if (r != GST_PROMISE_RESULT_REPLIED) {
		error =
		    g_strdup(r == GST_PROMISE_RESULT_INTERRUPTED ? "interrupted" : "webrtcbin gave no reply");
	} else if (!reply) {
		/* set-*-description reply NULL on success */
		if (want->kind == POST_DESCRIPTION)
			error = g_strdup("webrtcbin replied without a description");
	} else if (gst_structure_has_field(reply, "error")) {
		GError *e = NULL;
		gst_structure_get(reply, "error", G_TYPE_ERROR, &e, NULL);
		error = g_strdup(e ? e->message : "unknown error");
		g_clear_error(&e);
	} else if (want->kind == POST_DESCRIPTION) {
		const char *field = gst_structure_has_field(reply, "offer") ? "offer" : "answer";
		gst_structure_get(reply, field, GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &desc, NULL);
		if (!desc)
			error = g_strdup("webrtcbin replied without a description");
	}
	ars_media_post(want->sh, want->kind, 0, error, desc);
	gst_promise_unref(promise);
}

static void promise_tmpl_free(gpointer p)
{
	struct post *t = p;
	ars_media_shared_unref(t->sh);
	g_free(t);
}

GstPromise *ars_media_promise(struct shared *sh, enum post_kind kind)
{
	struct post *t = g_new0(struct post, 1);
	t->sh = ars_media_shared_ref(sh);
	t->kind = kind;
	return gst_promise_new_with_change_func(on_promise, t, promise_tmpl_free);
}

static void on_gathering(GObject *o, GParamSpec *ps, gpointer user)
{
	GstWebRTCICEGatheringState st;
	g_object_get(o, "ice-gathering-state", &st, NULL);
	ars_media_post(user, POST_GATHERING, (int)st, NULL, NULL);
}

static void on_ice_state(GObject *o, GParamSpec *ps, gpointer user)
{
	GstWebRTCICEConnectionState st;
	g_object_get(o, "ice-connection-state", &st, NULL);
	ars_media_post(user, POST_ICE_STATE, (int)st, NULL, NULL);
}

static void on_pc_state(GObject *o, GParamSpec *ps, gpointer user)
{
	GstWebRTCPeerConnectionState st;
	g_object_get(o, "connection-state", &st, NULL);
	ars_media_post(user, POST_PC_STATE, (int)st, NULL, NULL);
}

/* Decoded audio on its way to the sink: the tap and the WAV file. */
static GstPadProbeReturn on_output(GstPad *pad, GstPadProbeInfo *info, gpointer user)
{
	struct shared *sh = user;
	GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER(info);
	GstMapInfo map;
	if (!buf || !gst_buffer_map(buf, &map, GST_MAP_READ))
		return GST_PAD_PROBE_OK;
	const int16_t *samples = (const int16_t *)map.data;
	size_t n = map.size / 2;
	g_mutex_lock(&sh->out_lock);
	if (sh->wav && ars_wav_writer_write(sh->wav, samples, n) != 0) {
		g_warning("[%s] audio output file: write failed, not writing any more", sh->log_id);
		ars_wav_writer_close(sh->wav);
		sh->wav = NULL;
	}
	if (sh->tap)
		sh->tap(samples, n, ARS_CODEC_OUT_RATE, sh->tap_arg);
	g_mutex_unlock(&sh->out_lock);
	gst_buffer_unmap(buf, &map);
	return GST_PAD_PROBE_OK;
}

static gint now_s(void)
{
	return (gint)(g_get_monotonic_time() / G_USEC_PER_SEC);
}

/* Every RTP packet from the far end (after SRTP): the silence watchdog in
 * session.c reads the time of the last one. */
static GstPadProbeReturn on_rtp(GstPad *pad, GstPadProbeInfo *info, gpointer user)
{
	struct shared *sh = user;
	g_atomic_int_set(&sh->last_rtp_s, now_s());
	return GST_PAD_PROBE_OK;
}

/* webrtcbin asks what a source pad's peer accepts before it answers a
 * re-offer; the branch linked now decodes only the current codec, but a
 * codec change makes a new stream (and branch) anyway: any RTP will do. */
static GstPadProbeReturn on_recv_query(GstPad *pad, GstPadProbeInfo *info, gpointer user)
{
	GstQuery *q = GST_PAD_PROBE_INFO_QUERY(info);
	if (GST_QUERY_TYPE(q) != GST_QUERY_CAPS)
		return GST_PAD_PROBE_OK;
	GstCaps *filter = NULL;
	gst_query_parse_caps(q, &filter);
	GstCaps *any = gst_caps_new_empty_simple("application/x-rtp");
	GstCaps *caps = filter ? gst_caps_intersect(filter, any) : gst_caps_ref(any);
	gst_query_set_caps_result(q, caps);
	gst_caps_unref(caps);
	gst_caps_unref(any);
	return GST_PAD_PROBE_HANDLED;
}

/* webrtcbin exposes a source pad for each new incoming stream: link it at
 * once, to a decoder for our codecs, else to a fakesink. */
static void on_pad_added(GstElement *webrtc, GstPad *pad, gpointer user)
{
	struct shared *sh = user;
	if (GST_PAD_DIRECTION(pad) != GST_PAD_SRC)
		return;
	GstElement *pipeline = GST_ELEMENT(gst_object_get_parent(GST_OBJECT(webrtc)));
	if (!pipeline)
		return;
	GstCaps *caps = gst_pad_get_current_caps(pad);
	if (!caps)
		caps = gst_pad_query_caps(pad, NULL);
	GstElement *branch = ars_codec_recv_bin(caps);
	if (ars_dtmf_caps_are_events(caps))
		ars_dtmf_probe_receive(sh, pad);
	g_autofree char *desc = caps ? gst_caps_to_string(caps) : g_strdup("(no caps)");
	if (caps)
		gst_caps_unref(caps);
	g_atomic_int_set(&sh->last_rtp_s, now_s());
	gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, on_rtp, ars_media_shared_ref(sh),
			  ars_media_shared_unref);
	gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_QUERY_DOWNSTREAM, on_recv_query, NULL, NULL);
	gboolean ok;
	if (branch) {
		gst_bin_add(GST_BIN(pipeline), branch);
		g_autoptr(GstPad) in = gst_element_get_static_pad(branch, "sink");
		g_autoptr(GstPad) out = gst_element_get_static_pad(branch, "src");
		GstPad *fin = gst_element_request_pad_simple(sh->funnel, "sink_%u");
		ok = gst_pad_link(out, fin) == GST_PAD_LINK_OK && gst_pad_link(pad, in) == GST_PAD_LINK_OK;
		gst_object_unref(fin); /* the funnel keeps it */
		gst_element_sync_state_with_parent(branch);
		g_info("[%s] receiving %s", sh->log_id, desc);
	} else {
		GstElement *sink = gst_element_factory_make("fakesink", NULL);
		g_object_set(sink, "sync", FALSE, "async", FALSE, NULL);
		gst_bin_add(GST_BIN(pipeline), sink);
		g_autoptr(GstPad) in = gst_element_get_static_pad(sink, "sink");
		ok = gst_pad_link(pad, in) == GST_PAD_LINK_OK;
		gst_element_sync_state_with_parent(sink);
		g_info("[%s] discarding stream %s", sh->log_id, desc);
	}
	if (!ok)
		g_warning("[%s] could not link incoming stream %s", sh->log_id, desc);
	gst_object_unref(pipeline);
	ars_media_post(sh, POST_FIRST_RTP, 0, NULL, NULL);
}

/* The sink pad's caps event: our encoder's caps reached webrtcbin. */
static GstPadProbeReturn on_sink_event(GstPad *pad, GstPadProbeInfo *info, gpointer user)
{
	GstEvent *ev = GST_PAD_PROBE_INFO_EVENT(info);
	if (GST_EVENT_TYPE(ev) != GST_EVENT_CAPS)
		return GST_PAD_PROBE_OK;
	ars_media_post(user, POST_SEND_CAPS, 0, NULL, NULL);
	return GST_PAD_PROBE_REMOVE;
}

void ars_media_watch_webrtc(struct shared *sh, GstElement *webrtc)
{
	g_signal_connect_data(webrtc, "notify::ice-gathering-state", G_CALLBACK(on_gathering),
	                      ars_media_shared_ref(sh), ars_media_shared_closure_unref, 0);
	g_signal_connect_data(webrtc, "notify::ice-connection-state", G_CALLBACK(on_ice_state),
	                      ars_media_shared_ref(sh), ars_media_shared_closure_unref, 0);
	g_signal_connect_data(webrtc, "notify::connection-state", G_CALLBACK(on_pc_state),
	                      ars_media_shared_ref(sh), ars_media_shared_closure_unref, 0);
	g_signal_connect_data(webrtc, "pad-added", G_CALLBACK(on_pad_added), ars_media_shared_ref(sh),
	                      ars_media_shared_closure_unref, 0);
}

void ars_media_queued_free(gpointer p)
{
	struct queued *q = p;
	g_free(q->text);
	g_free(q);
}

/* Queues `ev`, copying `text` into the field it points to. */
void ars_media_emit(struct ars_media_session *s, const struct ars_media_event *ev, const char *text)
{
	if (s->failed && ev->type != ARS_MEDIA_EVENT_FAILED)
		return;
	struct queued *q = g_new0(struct queued, 1);
	q->ev = *ev;
	q->text = g_strdup(text);
	if (ev->type == ARS_MEDIA_EVENT_LOCAL_SDP)
		q->ev.sdp = q->text;
	else if (ev->type == ARS_MEDIA_EVENT_FAILED)
		q->ev.reason = q->text;
	g_queue_push_tail(&s->events, q);
}

/* Delivers queued events until none is left or the owner freed the
 * session. Call last, from main-context entry points only. */
void ars_media_flush(struct shared *sh)
{
	ars_media_shared_ref(sh);
	struct ars_media_session *s;
	while ((s = sh->s) && !g_queue_is_empty(&s->events)) {
		struct queued *q = g_queue_pop_head(&s->events);
		s->h(s, &q->ev, s->arg); /* may free s */
		ars_media_queued_free(q);
	}
	ars_media_shared_unref(sh);
}

/* FAILED at most once; nothing is emitted after it. */
void ars_media_fail(struct ars_media_session *s, const char *fmt, ...)
{
	if (s->failed)
		return;
	va_list ap;
	va_start(ap, fmt);
	g_autofree char *reason = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_message("[%s] media failed: %s", LOGID(s), reason);
	ars_media_timer_clear(&s->connect_timer);
	ars_media_timer_clear(&s->gather_timer);
	ars_media_timer_clear(&s->silence_timer);
	struct ars_media_event ev = { .type = ARS_MEDIA_EVENT_FAILED };
	ars_media_emit(s, &ev, reason);
	s->failed = true;
}

void ars_media_probe_output(struct shared *sh, GstPad *sinkpad)
{
	gst_pad_add_probe(sinkpad, GST_PAD_PROBE_TYPE_BUFFER, on_output, ars_media_shared_ref(sh),
	                  ars_media_shared_unref);
}

void ars_media_probe_send_caps(struct shared *sh, GstPad *pad)
{
	gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, on_sink_event, ars_media_shared_ref(sh),
	                  ars_media_shared_unref);
}

GSource *ars_media_timer(struct ars_media_session *s, unsigned ms, GSourceFunc fn)
{
	GSource *t = g_timeout_source_new(ms);
	g_source_set_callback(t, fn, s, NULL);
	g_source_attach(t, s->sh->ctx);
	return t;
}

void ars_media_timer_clear(GSource **timer)
{
	if (!*timer)
		return;
	g_source_destroy(*timer);
	g_source_unref(*timer);
	*timer = NULL;
}
