/* One call's media: a pipeline around one webrtcbin, driven by SIP's
 * offer/answer (see session.h for the API and PLATFORM-NOTES for why the
 * steps are ordered as they are).
 *
 * DESIGN (threads): everything here runs on the session's main context.
 * What webrtcbin reports on its own threads arrives as posts (bridge.c) that
 * ars_media_deliver() runs; events for the owner are queued and flushed
 * last, so a handler may free the session.
 *
 * DESIGN (negotiation):
 *   offer:  add-transceiver with caps for every allowed codec (no encoder
 *           yet) -> create-offer -> set-local-description -> gathering
 *           complete or cap -> LOCAL_SDP (fixed up: c=, o=, setup).
 *           Remote answer -> set-remote-description -> link the encoder of
 *           the answered codec with the answered payload -> CODEC.
 *   answer: remote offer -> set-remote-description -> link the encoder with
 *           the offer's payload to sink_<mline> -> caps reach webrtcbin ->
 *           (once asked) create-answer -> set-local-description ->
 *           gathering -> LOCAL_SDP (fixed up: c=, o=, setup,
 *           telephone-event).
 *   CONNECTED = webrtcbin's connection-state CONNECTED (ICE and DTLS) and
 *           the first RTP (a new source pad), unless the far end does not
 *           send. */
#define G_LOG_DOMAIN "media"
#include "session_priv.h"
#include "tones.h"

#include <errno.h>
#include <gst/sdp/sdp.h>
#include <string.h>

static double since_ms(gint64 t0)
{
	return (double)(g_get_monotonic_time() - t0) / 1000.0;
}

#define SILENCE_LIMIT_S 5 /* no RTP this long mid-call: the media path is gone */

static gboolean on_silence_check(gpointer p)
{
	struct ars_media_session *s = p;
	gint last = g_atomic_int_get(&s->sh->last_rtp_s);
	gint now = (gint)(g_get_monotonic_time() / G_USEC_PER_SEC);
	if (!s->got_rtp || s->held || now - last <= SILENCE_LIMIT_S)
		return G_SOURCE_CONTINUE;
	ars_media_timer_clear(&s->silence_timer);
	ars_media_fail(s, "no media: nothing received from the far end for %d s (the media path was lost)",
		       now - last);
	ars_media_flush(s->sh);
	return G_SOURCE_REMOVE;
}

/* What the far end's direction (in its offer or answer) and our own hold
 * mean for us: on hold (either side's) the silence watchdog rests, and we
 * send nothing while we hold or the far end does not want it. Back to
 * sendrecv, the watchdog counts from now. */
static void apply_remote_direction(struct ars_media_session *s, enum ars_sdp_dir dir)
{
	bool held = dir != ARS_SDP_DIR_SENDRECV || s->hold;
	s->expect_rtp = dir == ARS_SDP_DIR_SENDRECV || dir == ARS_SDP_DIR_SENDONLY;
	g_atomic_int_set(&s->sh->send_off,
	                 s->hold || dir == ARS_SDP_DIR_SENDONLY || dir == ARS_SDP_DIR_INACTIVE);
	if (s->held && !held)
		g_atomic_int_set(&s->sh->last_rtp_s, (gint)(g_get_monotonic_time() / G_USEC_PER_SEC));
	if (s->held != held)
		g_info("[%s] %s (far end's direction %d, ours %s)", LOGID(s), held ? "on hold" : "off hold",
		       dir, s->hold ? "sendonly" : "sendrecv");
	s->held = held;
}

static void check_connected(struct ars_media_session *s)
{
	if (s->connected || s->failed || !s->pc_up || (s->expect_rtp && !s->got_rtp))
		return;
	s->connected = true;
	ars_media_timer_clear(&s->connect_timer);
	if (s->t_both)
		s->timings.connect_ms = since_ms(s->t_both);
	g_info("[%s] media connected after %.1f ms", LOGID(s), s->timings.connect_ms);
	s->silence_timer = ars_media_timer(s, 1000, on_silence_check);
	struct ars_media_event ev = { .type = ARS_MEDIA_EVENT_CONNECTED };
	ars_media_emit(s, &ev, NULL);
}

static gboolean on_connect_timeout(gpointer p)
{
	struct ars_media_session *s = p;
	ars_media_timer_clear(&s->connect_timer);
	double secs = s->connect_timeout_ms / 1000.0;
	if (s->ice_state != GST_WEBRTC_ICE_CONNECTION_STATE_CONNECTED &&
	    s->ice_state != GST_WEBRTC_ICE_CONNECTION_STATE_COMPLETED)
		ars_media_fail(
		    s, "ICE did not connect within %.1f s: no candidate pair with the far end worked", secs);
	else if (!s->pc_up)
		ars_media_fail(s, "DTLS handshake did not complete within %.1f s of starting", secs);
	else
		ars_media_fail(
		    s, "no media: no RTP from the far end within %.1f s after ICE and DTLS came up", secs);
	ars_media_flush(s->sh);
	return G_SOURCE_REMOVE;
}

/* Both descriptions are in place: the connection is expected from now. */
static void both_in_place(struct ars_media_session *s)
{
	if (s->connected || s->both_set)
		return;
	s->both_set = true;
	s->t_both = g_get_monotonic_time();
	s->connect_timer = ars_media_timer(s, s->connect_timeout_ms, on_connect_timeout);
	check_connected(s);
}

/* ---- local description ------------------------------------------------------------------ */

static void emit_local_sdp(struct ars_media_session *s)
{
	ars_media_timer_clear(&s->gather_timer);
	GstWebRTCSessionDescription *d = NULL;
	g_object_get(s->webrtc, "local-description", &d, NULL);
	if (!d) {
		ars_media_fail(s, "webrtcbin lost the local description");
		return;
	}
	g_autofree char *raw = gst_sdp_message_as_text(d->sdp);
	gst_webrtc_session_description_free(d);
	g_autoptr(ars_sdp) sdp = NULL;
	g_autofree char *err = NULL;
	if (ars_sdp_parse(&sdp, raw, strlen(raw), &err) != 0) {
		ars_media_fail(s, "webrtcbin made an SDP we cannot read: %s", err);
		return;
	}
	if (s->last_local)
		ars_sdp_copy_candidates(sdp, s->last_local);
	if (ars_sdp_fix_connection(sdp) != 0)
		g_warning("[%s] no IPv4 UDP host candidate: c= stays 0.0.0.0 (peers will read hold)",
		          LOGID(s));
	bool is_offer = s->local_is_offer;
	if (!is_offer && s->remote_offer)
		ars_sdp_add_telephone_event(sdp, s->remote_offer);
	/* webrtcbin always offers (and answers the) sendrecv (sdp.h): the
	 * direction we mean */
	struct ars_sdp_codec ours;
	int section = ars_sdp_read_codec(sdp, &ours) == 0 ? ours.section : 0;
	enum ars_sdp_dir mine = s->hold ? ARS_SDP_DIR_SENDONLY : ARS_SDP_DIR_SENDRECV;
	ars_sdp_set_direction(sdp, section,
	                      is_offer ? mine : ars_sdp_dir_both(mine, ars_sdp_dir_answer(s->remote_dir)));
	ars_sdp_set_origin(sdp, &s->origin, s->last_local);
	g_autofree char *text = ars_sdp_print(sdp);
	ars_sdp_free(s->last_local);
	s->last_local = g_steal_pointer(&sdp);
	if (is_offer) {
		s->phase = PH_WAIT_ANSWER;
	} else {
		s->phase = PH_IDLE;
		enum ars_sdp_role r = ars_sdp_role_after_answer(s->last_local, true);
		if (r != ARS_SDP_ROLE_NONE)
			s->role = r;
		g_clear_pointer(&s->remote_offer, ars_sdp_free);
	}
	struct ars_media_event ev = { .type = ARS_MEDIA_EVENT_LOCAL_SDP, .is_offer = is_offer };
	g_info("[%s] local %s ready (%.1f ms gathering)", LOGID(s), is_offer ? "offer" : "answer",
	       s->timings.gather_ms);
	ars_media_emit(s, &ev, text);
	if (!is_offer)
		both_in_place(s);
}

static void maybe_local_sdp(struct ars_media_session *s)
{
	if (s->phase != PH_LOCAL || !s->local_set || !s->gathered)
		return;
	emit_local_sdp(s);
}

static gboolean on_gather_cap(gpointer p)
{
	struct ars_media_session *s = p;
	ars_media_timer_clear(&s->gather_timer);
	if (!s->gathered) {
		g_warning("[%s] ICE gathering not complete after %u ms: sending what we have", LOGID(s),
		          s->gather_cap_ms);
		s->gathered = true;
		s->timings.gather_ms = since_ms(s->t_local);
	}
	maybe_local_sdp(s);
	ars_media_flush(s->sh);
	return G_SOURCE_REMOVE;
}

/* create-offer/answer replied: fix DTLS roles, then set-local-description. */
static void got_description(struct ars_media_session *s, GstWebRTCSessionDescription *desc)
{
	s->timings.describe_ms = since_ms(s->t_describe);
	g_autofree char *raw = gst_sdp_message_as_text(desc->sdp);
	g_debug("[%s] webrtcbin's %s:\n%s", LOGID(s), s->local_is_offer ? "offer" : "answer", raw);
	g_autoptr(ars_sdp) sdp = NULL;
	g_autofree char *err = NULL;
	if (ars_sdp_parse(&sdp, raw, strlen(raw), &err) != 0) {
		ars_media_fail(s, "webrtcbin made an SDP we cannot read: %s", err);
		return;
	}
	int changed = s->local_is_offer ? ars_sdp_keep_setup_offer(sdp, s->role)
	                                : ars_sdp_keep_setup_answer(sdp, s->remote_offer, s->role);
	/* webrtcbin maps received payloads from its local description: the
	 * telephone-event we answer with must be in it (dtmf.c) */
	if (!s->local_is_offer && s->remote_offer)
		changed += ars_sdp_add_telephone_event(sdp, s->remote_offer);
	GstWebRTCSessionDescription *use = desc;
	GstWebRTCSessionDescription *munged = NULL;
	if (changed > 0) {
		g_autofree char *text = ars_sdp_print(sdp);
		GstSDPMessage *msg = NULL;
		if (gst_sdp_message_new_from_text(text, &msg) == GST_SDP_OK) {
			munged = gst_webrtc_session_description_new(desc->type, msg);
			use = munged;
		}
	}
	s->phase = PH_LOCAL;
	s->local_set = false;
	s->gathered = false;
	s->t_local = g_get_monotonic_time();
	s->timings.gather_ms = -1;
	g_signal_emit_by_name(s->webrtc, "set-local-description", use,
	                      ars_media_promise(s->sh, POST_LOCAL_SET));
	if (munged)
		gst_webrtc_session_description_free(munged);
	ars_media_timer_clear(&s->gather_timer);
	s->gather_timer = ars_media_timer(s, s->gather_cap_ms, on_gather_cap);
}

/* ---- send side (the branch itself: pipeline.c) ------------------------------------------------ */

static void emit_codec(struct ars_media_session *s)
{
	struct ars_media_event ev = { .type = ARS_MEDIA_EVENT_CODEC,
		                      .codec = s->codec->name,
		                      .rate = s->codec->rate,
		                      .payload = s->payload };
	ars_media_emit(s, &ev, NULL);
}

static void create_answer(struct ars_media_session *s)
{
	s->phase = PH_DESCRIBING;
	s->local_is_offer = false;
	s->t_describe = g_get_monotonic_time();
	g_signal_emit_by_name(s->webrtc, "create-answer", NULL, ars_media_promise(s->sh, POST_DESCRIPTION));
}

static void maybe_answer(struct ars_media_session *s)
{
	if (s->phase == PH_HAVE_OFFER && !s->remote_pending && s->send_caps && s->answer_wanted)
		create_answer(s);
}

/* ---- main-context delivery ------------------------------------------------------------------ */

static void remote_applied(struct ars_media_session *s, const char *error)
{
	s->remote_pending = false;
	if (error) {
		ars_media_fail(s, "the far end's description was refused: %s", error);
		return;
	}
	g_autofree char *err = NULL;
	if (s->phase == PH_HAVE_OFFER) {
		struct ars_sdp_codec first;
		int mline = ars_sdp_read_codec(s->remote_offer, &first) == 0 ? first.section : 0;
		bool same = s->send && s->send_codec == s->codec && s->send_pt == s->payload;
		ars_dtmf_set_remote(s->dtmf, s->remote_offer, mline);
		if (ars_media_link_sender(s, s->codec, s->payload, mline, &err) != 0) {
			ars_media_fail(s, "%s", err);
			return;
		}
		if (same)
			s->send_caps = true; /* already flowing */
		else
			emit_codec(s); /* the first, or a codec change */
		maybe_answer(s);
		return;
	}
	/* an answer to our offer */
	struct ars_sdp_codec got;
	if (ars_sdp_read_codec(s->remote_answer, &got) != 0) {
		ars_media_fail(s, "the answer accepts no audio codec");
		return;
	}
	const struct ars_codec *c = ars_codec_by_name(got.name);
	bool allowed = false;
	for (int i = 0; c && i < s->n_codecs; i++)
		allowed |= s->codecs[i] == c;
	if (!c || !allowed || got.rate != c->rate) {
		ars_media_fail(s, "the answer chose %s/%u, which we did not offer", got.name, got.rate);
		return;
	}
	enum ars_sdp_role r = ars_sdp_role_after_answer(s->remote_answer, false);
	if (r != ARS_SDP_ROLE_NONE)
		s->role = r;
	ars_dtmf_set_remote(s->dtmf, s->remote_answer, got.section);
	apply_remote_direction(s, s->remote_dir);
	g_clear_pointer(&s->remote_answer, ars_sdp_free);
	s->phase = PH_IDLE;
	bool same = s->send && s->send_codec == c && s->send_pt == got.payload;
	if (ars_media_link_sender(s, c, got.payload, got.section, &err) != 0) {
		ars_media_fail(s, "%s", err);
		return;
	}
	if (!same)
		emit_codec(s); /* the first, or a codec change */
	both_in_place(s);
}

gboolean ars_media_deliver(gpointer p)
{
	struct post *m = p;
	struct ars_media_session *s = m->sh->s;
	if (!s || s->failed)
		return G_SOURCE_REMOVE;
	switch (m->kind) {
	case POST_DESCRIPTION:
		if (m->error)
			ars_media_fail(s, "webrtcbin could not create the %s: %s",
			               s->local_is_offer ? "offer" : "answer", m->error);
		else
			got_description(s, m->desc);
		break;
	case POST_LOCAL_SET:
		if (m->error) {
			ars_media_fail(s, "webrtcbin refused our own description: %s", m->error);
			break;
		}
		s->local_set = true;
		GstWebRTCICEGatheringState g;
		g_object_get(s->webrtc, "ice-gathering-state", &g, NULL);
		if (g == GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE && !s->gathered) {
			s->gathered = true;
			s->timings.gather_ms = since_ms(s->t_local);
		}
		maybe_local_sdp(s);
		break;
	case POST_REMOTE_SET:
		remote_applied(s, m->error);
		break;
	case POST_GATHERING:
		if (m->value == GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE && s->phase == PH_LOCAL &&
		    !s->gathered) {
			s->gathered = true;
			s->timings.gather_ms = since_ms(s->t_local);
			maybe_local_sdp(s);
		}
		break;
	case POST_ICE_STATE:
		s->ice_state = (GstWebRTCICEConnectionState)m->value;
		g_debug("[%s] ICE state %d at %.1f ms", LOGID(s), m->value,
		        s->t_both ? since_ms(s->t_both) : -1);
		if (s->ice_state == GST_WEBRTC_ICE_CONNECTION_STATE_FAILED)
			ars_media_fail(s, "ICE failed: no candidate pair with the far end worked");
		break;
	case POST_PC_STATE:
		g_debug("[%s] connection state %d at %.1f ms", LOGID(s), m->value,
		        s->t_both ? since_ms(s->t_both) : -1);
		if (m->value == GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTED) {
			s->pc_up = true;
			check_connected(s);
		} else if (m->value == GST_WEBRTC_PEER_CONNECTION_STATE_FAILED) {
			if (s->ice_state == GST_WEBRTC_ICE_CONNECTION_STATE_FAILED)
				ars_media_fail(s, "ICE failed: no candidate pair with the far end worked");
			else
				ars_media_fail(s,
				               "DTLS failed: the handshake with the far end did not succeed");
		}
		break;
	case POST_FIRST_RTP:
		g_debug("[%s] first RTP at %.1f ms", LOGID(s), s->t_both ? since_ms(s->t_both) : -1);
		if (!s->got_rtp) {
			s->got_rtp = true;
			check_connected(s);
		}
		break;
	case POST_SEND_CAPS:
		s->send_caps = true;
		maybe_answer(s);
		break;
	case POST_DTMF: {
		struct ars_media_event ev = { .type = ARS_MEDIA_EVENT_DTMF, .digit = (char)m->value };
		ars_media_emit(s, &ev, NULL);
		break;
	}
	}
	ars_media_flush(m->sh);
	return G_SOURCE_REMOVE;
}

/* ---- bus ------------------------------------------------------------------------------------ */

static gboolean on_bus(GstBus *bus, GstMessage *msg, gpointer user)
{
	struct shared *sh = user;
	struct ars_media_session *s = sh->s;
	if (!s || GST_MESSAGE_TYPE(msg) != GST_MESSAGE_ERROR)
		return G_SOURCE_CONTINUE;
	g_autoptr(GError) e = NULL;
	g_autofree char *debug = NULL;
	gst_message_parse_error(msg, &e, &debug);
	const char *from = GST_OBJECT_NAME(GST_MESSAGE_SRC(msg));
	if (debug && strstr(debug, "not-linked")) {
		/* RTP for a pad not linked yet (PLATFORM-NOTES): not a reason to end */
		g_warning("[%s] %s: %s (%s) — ignored", LOGID(s), from, e->message, debug);
		return G_SOURCE_CONTINUE;
	}
	ars_media_fail(s, "media error in %s: %s", from, e->message);
	ars_media_flush(sh);
	return G_SOURCE_CONTINUE;
}

/* ---- API -------------------------------------------------------------------------------------- */

int ars_media_config_check(const struct ars_media_config *cfg, char **err)
{
	struct ars_audio_in in;
	struct ars_audio_out out;
	const struct ars_codec *list[ARS_CODEC_MAX];
	if (ars_audio_in_parse(cfg->audio_in, &in, err) != 0)
		return -EINVAL;
	ars_audio_in_clear(&in);
	if (ars_audio_out_parse(cfg->audio_out, &out, err) != 0)
		return -EINVAL;
	ars_audio_out_clear(&out);
	if (ars_codec_list_parse(cfg->codecs, list, err) < 0)
		return -EINVAL;
	if (cfg->jitter_ms > 2000) {
		*err = g_strdup_printf("jitter buffer of %u ms is over 2000 ms", cfg->jitter_ms);
		return -EINVAL;
	}
	return 0;
}

int ars_media_session_new(struct ars_media_session **out, const struct ars_media_config *cfg,
                          ars_media_event_h *h, void *arg, char **err)
{
	int rc = ars_media_init(err);
	if (rc != 0)
		return rc;
	if (ars_media_config_check(cfg, err) != 0)
		return -EINVAL;
	struct ars_media_session *s = g_new0(struct ars_media_session, 1);
	struct shared *sh = g_new0(struct shared, 1);
	g_atomic_ref_count_init(&sh->ref);
	sh->ctx = g_main_context_ref_thread_default();
	sh->s = s;
	sh->tap = cfg->tap;
	sh->tap_arg = cfg->tap_arg;
	sh->log_id = g_strdup(cfg->log_id ? cfg->log_id : "-");
	g_mutex_init(&sh->out_lock);
	s->sh = sh;
	s->log_id = g_strdup(cfg->log_id);
	s->h = h;
	s->arg = arg;
	s->jitter_ms = cfg->jitter_ms ? cfg->jitter_ms : 60;
	s->gather_cap_ms = cfg->gather_cap_ms ? cfg->gather_cap_ms : 1000;
	s->connect_timeout_ms = cfg->connect_timeout_ms ? cfg->connect_timeout_ms : 10000;
	s->n_codecs = ars_codec_list_parse(cfg->codecs, s->codecs, err);
	ars_audio_in_parse(cfg->audio_in, &s->in, err); /* checked above */
	ars_sdp_origin_init(&s->origin);
	s->timings = (struct ars_media_timings){ -1, -1, -1 };
	s->expect_rtp = true;
	s->dtmf = ars_dtmf_new(cfg->log_id);

	s->pipeline = gst_pipeline_new(NULL);
	s->webrtc = gst_element_factory_make("webrtcbin", NULL);
	g_object_set(s->webrtc, "bundle-policy", GST_WEBRTC_BUNDLE_POLICY_MAX_BUNDLE, "latency", s->jitter_ms,
	             NULL);
	gst_bin_add(GST_BIN(s->pipeline), s->webrtc);
	ars_media_tune_ice(s->webrtc);

	struct ars_audio_out aout;
	ars_audio_out_parse(cfg->audio_out, &aout, err);
	rc = ars_media_build_output(s, &aout, err);
	ars_audio_out_clear(&aout);
	if (rc != 0) {
		ars_media_session_free(s);
		return rc;
	}

	ars_media_watch_webrtc(sh, s->webrtc);

	s->bus = gst_pipeline_get_bus(GST_PIPELINE(s->pipeline));
	GSource *watch = gst_bus_create_watch(s->bus);
	g_source_set_callback(watch, (GSourceFunc)(void (*)(void))on_bus, ars_media_shared_ref(sh),
	                      ars_media_shared_unref);
	s->bus_watch = g_source_attach(watch, sh->ctx);
	g_source_unref(watch);

	if (gst_element_set_state(s->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
		*err = g_strdup("the media pipeline does not start (audio device?)");
		ars_media_session_free(s);
		return -EIO;
	}
	*out = s;
	return 0;
}

int ars_media_session_offer(struct ars_media_session *s)
{
	if (s->phase != PH_IDLE || s->remote_pending || s->failed)
		return -EBUSY;
	if (!s->trans && !s->send) {
		g_autoptr(GstCaps) caps = ars_codec_offer_caps(s->codecs, s->n_codecs);
		g_signal_emit_by_name(s->webrtc, "add-transceiver",
		                      GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDRECV, caps, &s->trans);
	}
	s->phase = PH_DESCRIBING;
	s->local_is_offer = true;
	s->t_describe = g_get_monotonic_time();
	g_signal_emit_by_name(s->webrtc, "create-offer", NULL, ars_media_promise(s->sh, POST_DESCRIPTION));
	return 0;
}

int ars_media_session_hold(struct ars_media_session *s, bool hold)
{
	if (!s->last_remote) /* no call yet */
		return -EPROTO;
	int rc = ars_media_session_offer(s);
	if (rc != 0)
		return rc;
	s->hold_before = s->hold;
	s->hold = hold;
	apply_remote_direction(s, s->remote_dir);
	return 0;
}

int ars_media_session_mute(struct ars_media_session *s, bool muted)
{
	if (s->muted != muted)
		g_info("[%s] microphone %s", LOGID(s), muted ? "muted" : "on");
	s->muted = muted;
	if (s->send)
		ars_audio_source_set_muted(s->send, muted);
	return 0;
}

int ars_media_session_offer_refused(struct ars_media_session *s)
{
	if (s->phase != PH_WAIT_ANSWER || s->remote_pending || !s->last_remote)
		return -EPROTO;
	/* webrtcbin cannot roll back: the far end's last description, as the
	 * answer, puts back the session we had (the DTLS roles as they were) */
	g_autofree char *err = NULL;
	g_autofree char *text = ars_sdp_print(s->last_remote);
	g_autoptr(ars_sdp) again = NULL;
	ars_sdp_parse(&again, text, strlen(text), &err);
	ars_sdp_keep_setup_offer(again, s->role == ARS_SDP_ROLE_ACTIVE ? ARS_SDP_ROLE_PASSIVE
	                                                               : ARS_SDP_ROLE_ACTIVE);
	g_clear_pointer(&text, g_free);
	text = ars_sdp_print(again);
	s->hold = s->hold_before;
	int rc = ars_media_session_set_remote(s, text, false, &err);
	if (rc != 0)
		g_warning("[%s] could not go back to the previous session: %s", LOGID(s), err);
	return rc;
}

/* The codec we send now if the offer still has it (a re-offer keeps the
 * call's codec), else the first of ours (in our order) that the offer has;
 * with its payload number there. */
static const struct ars_codec *choose_codec(struct ars_media_session *s, const struct ars_sdp *offer,
                                            int section, int *pt)
{
	if (s->send_codec) {
		*pt = ars_sdp_find_payload(offer, section, s->send_codec->name, s->send_codec->rate);
		if (*pt >= 0)
			return s->send_codec;
	}
	for (int i = 0; i < s->n_codecs; i++) {
		*pt = ars_sdp_find_payload(offer, section, s->codecs[i]->name, s->codecs[i]->rate);
		if (*pt >= 0)
			return s->codecs[i];
	}
	return NULL;
}

int ars_media_session_set_remote(struct ars_media_session *s, const char *text, bool is_offer, char **err)
{
	if (s->failed) {
		*err = g_strdup("the session has failed");
		return -EPROTO;
	}
	g_autoptr(ars_sdp) sdp = NULL;
	int rc = ars_sdp_parse(&sdp, text, text ? strlen(text) : 0, err);
	if (rc != 0)
		return rc == -E2BIG ? -EINVAL : rc;
	struct ars_sdp_codec first;
	if (ars_sdp_read_codec(sdp, &first) != 0) {
		*err = g_strdup("the description has no accepted audio stream");
		return -EPROTO;
	}
	if (is_offer && s->phase != PH_IDLE) {
		*err = g_strdup("an offer arrived while a negotiation is in progress");
		return -EBUSY;
	}
	if (!is_offer && (s->phase != PH_WAIT_ANSWER || s->remote_pending)) {
		*err = g_strdup("an answer arrived but no offer of ours is pending");
		return -EPROTO;
	}
	int pt = -1;
	const struct ars_codec *c = NULL;
	if (is_offer) {
		c = choose_codec(s, sdp, first.section, &pt);
		if (!c) {
			GString *want = g_string_new(NULL);
			for (int i = 0; i < s->n_codecs; i++)
				g_string_append_printf(want, "%s%s", i ? ", " : "", s->codecs[i]->name);
			*err = g_strdup_printf("no common codec: we allow %s", want->str);
			g_string_free(want, TRUE);
			return -ENOTSUP;
		}
	}
	/* what webrtcbin gets wrong about the far end's SDP; and it is always
	 * shown sendrecv (hold is ours to do: sdp.h) */
	ars_sdp_fix_remote_direction(sdp);
	enum ars_sdp_dir dir = ars_sdp_direction(sdp, first.section);
	g_autofree char *as_sent = ars_sdp_print(sdp);
	ars_sdp_set_direction(sdp, first.section, ARS_SDP_DIR_SENDRECV);
	g_autofree char *fixed = ars_sdp_print(sdp);
	GstSDPMessage *msg = NULL;
	if (gst_sdp_message_new_from_text(fixed, &msg) != GST_SDP_OK) {
		*err = g_strdup("GStreamer cannot parse the description");
		return -EINVAL;
	}
	GstWebRTCSessionDescription *desc = gst_webrtc_session_description_new(
	    is_offer ? GST_WEBRTC_SDP_TYPE_OFFER : GST_WEBRTC_SDP_TYPE_ANSWER, msg);
	if (is_offer) {
		apply_remote_direction(s, dir);
		s->phase = PH_HAVE_OFFER;
		s->answer_wanted = false;
		s->codec = c;
		s->payload = pt;
		ars_sdp_free(s->remote_offer);
		s->remote_offer = g_steal_pointer(&sdp);
	} else {
		ars_sdp_free(s->remote_answer);
		s->remote_answer = g_steal_pointer(&sdp);
	}
	s->remote_dir = dir;
	ars_sdp_free(s->last_remote);
	ars_sdp_parse(&s->last_remote, as_sent, strlen(as_sent), err); /* printed by us: parses */
	s->remote_pending = true;
	g_signal_emit_by_name(s->webrtc, "set-remote-description", desc,
	                      ars_media_promise(s->sh, POST_REMOTE_SET));
	gst_webrtc_session_description_free(desc);
	return 0;
}

int ars_media_session_answer(struct ars_media_session *s)
{
	if (s->phase != PH_HAVE_OFFER)
		return -EPROTO;
	s->answer_wanted = true;
	maybe_answer(s);
	return 0;
}

void ars_media_session_timings(const struct ars_media_session *s, struct ars_media_timings *t)
{
	*t = s->timings;
}

void ars_media_session_free(struct ars_media_session *s)
{
	if (!s)
		return;
	struct shared *sh = s->sh;
	sh->s = NULL; /* queued posts are dropped from now on */
	ars_media_timer_clear(&s->gather_timer);
	ars_media_timer_clear(&s->connect_timer);
	ars_media_timer_clear(&s->silence_timer);
	if (s->bus_watch) {
		GSource *src = g_main_context_find_source_by_id(sh->ctx, s->bus_watch);
		if (src)
			g_source_destroy(src);
	}
	if (s->pipeline) {
		gst_element_set_state(s->pipeline, GST_STATE_NULL);
		if (s->sinkpad) {
			if (s->sinkpad_requested)
				gst_element_release_request_pad(s->webrtc, s->sinkpad);
			gst_object_unref(s->sinkpad);
		}
		if (s->trans)
			gst_object_unref(s->trans);
		gst_object_unref(s->pipeline);
	}
	if (s->bus)
		gst_object_unref(s->bus);
	ars_dtmf_unref(s->dtmf);
	g_mutex_lock(&sh->out_lock);
	ars_wav_writer_close(sh->wav);
	sh->wav = NULL;
	g_mutex_unlock(&sh->out_lock);
	g_queue_clear_full(&s->events, ars_media_queued_free);
	ars_sdp_free(s->remote_offer);
	ars_sdp_free(s->remote_answer);
	ars_sdp_free(s->last_local);
	ars_sdp_free(s->last_remote);
	ars_audio_in_clear(&s->in);
	g_free(s->log_id);
	g_free(s);
	ars_media_shared_unref(sh);
}
