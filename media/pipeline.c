/* Building the pieces of a session's pipeline: ICE tuning, the output
 * (funnel ! sink, with the tap probe), and the send branch linked to the
 * sink pad of the transceiver offer/answer made (replaced on a codec
 * change, muted on hold). Main context only. */
#define G_LOG_DOMAIN "media"
#include "session_priv.h"
#include "tones.h"

#include <errno.h>

/* webrtcbin's unlinked sink pad whose transceiver has m-line `mline`. */
static GstPad *sink_pad_for_mline(GstElement *webrtc, int mline)
{
	GstPad *found = NULL;
	GstIterator *it = gst_element_iterate_sink_pads(webrtc);
	GValue v = G_VALUE_INIT;
	while (!found && gst_iterator_next(it, &v) == GST_ITERATOR_OK) {
		GstPad *pad = g_value_get_object(&v);
		GstWebRTCRTPTransceiver *tr = NULL;
		g_object_get(pad, "transceiver", &tr, NULL);
		if (tr) {
			guint idx = G_MAXUINT;
			g_object_get(tr, "mlineindex", &idx, NULL);
			if ((int)idx == mline && !gst_pad_is_linked(pad))
				found = gst_object_ref(pad);
			gst_object_unref(tr);
		}
		g_value_reset(&v);
	}
	g_value_unset(&v);
	gst_iterator_free(it);
	return found;
}

/* Our RTP on its way into webrtcbin: dropped while the far end does not
 * want it (hold). */
static GstPadProbeReturn on_send(GstPad *pad, GstPadProbeInfo *info, gpointer user)
{
	struct shared *sh = user;
	return g_atomic_int_get(&sh->send_off) ? GST_PAD_PROBE_DROP : GST_PAD_PROBE_OK;
}

/* The payloader inside a send bin (the target of its ghost pad "src"). */
static GstElement *send_payloader(GstElement *bin)
{
	g_autoptr(GstPad) ghost = gst_element_get_static_pad(bin, "src");
	g_autoptr(GstPad) target = ghost ? gst_ghost_pad_get_target(GST_GHOST_PAD(ghost)) : NULL;
	return target ? gst_pad_get_parent_element(target) : NULL;
}

/* Stops and removes the running send branch for a codec change; the new
 * payloader `pay` continues its SSRC and sequence numbers, so the far end
 * sees one stream whose payload type changes (RFC 3550 §5.1). */
static void drop_sender(struct ars_media_session *s, GstElement *pay)
{
	g_autoptr(GstElement) old_pay = send_payloader(s->send);
	GstStructure *stats = NULL;
	if (old_pay)
		g_object_get(old_pay, "stats", &stats, NULL);
	guint ssrc = 0, seq = 0;
	if (stats && gst_structure_get_uint(stats, "ssrc", &ssrc) &&
	    gst_structure_get_uint(stats, "seqnum", &seq))
		g_object_set(pay, "ssrc", ssrc, "seqnum-offset", (gint)((seq + 1) & 0xffff), NULL);
	if (stats)
		gst_structure_free(stats);
	gst_element_set_locked_state(s->send, TRUE);
	gst_element_set_state(s->send, GST_STATE_NULL);
	g_autoptr(GstPad) out = gst_element_get_static_pad(s->send, "src");
	gst_pad_unlink(out, s->sinkpad);
	gst_bin_remove(GST_BIN(s->pipeline), s->send);
	s->send = NULL;
}

/* Links the encoder for `c` with payload `pt` to webrtcbin's sink pad for
 * m-line `mline` (the transceiver that offer/answer already made). When
 * another codec is being sent, its branch is replaced on the same sink pad
 * (same transceiver, m-line and DTLS transport). Returns 0, or -EIO with
 * *err. */
int ars_media_link_sender(struct ars_media_session *s, const struct ars_codec *c, int pt, int mline,
                          char **err)
{
	s->codec = c;
	s->payload = pt;
	if (s->send && s->send_codec == c && s->send_pt == pt)
		return 0;
	g_autofree char *why = NULL;
	GstElement *src = ars_audio_source_new(&s->in, c->rate, &why);
	GstElement *bin = src ? ars_codec_send_bin(c, pt, src, &why) : NULL;
	if (!bin) {
		*err = g_strdup_printf("audio input: %s", why);
		return -EIO;
	}
	ars_audio_source_set_muted(bin, s->muted); /* a codec change keeps the mute */
	GstPad *pad = s->sinkpad;
	if (s->send) {
		g_autoptr(GstElement) pay = send_payloader(bin);
		g_info("[%s] codec change: %s/%d -> %s/%d", LOGID(s), s->send_codec->name, s->send_pt,
		       c->name, pt);
		drop_sender(s, pay);
	} else {
		/* add-transceiver made a sink pad of its own (named sink_1 for m-line
		 * 0, PLATFORM-NOTES): use it; else request the m-line's pad */
		pad = sink_pad_for_mline(s->webrtc, mline);
		s->sinkpad_requested = pad == NULL;
		if (!pad) {
			g_autofree char *name = g_strdup_printf("sink_%d", mline);
			pad = gst_element_request_pad_simple(s->webrtc, name);
		}
		if (!pad) {
			gst_object_unref(gst_object_ref_sink(bin));
			*err = g_strdup_printf("webrtcbin refused a send pad for m-line %d", mline);
			return -EIO;
		}
		gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, on_send, ars_media_shared_ref(s->sh),
		                  ars_media_shared_unref);
	}
	gst_bin_add(GST_BIN(s->pipeline), bin);
	s->send = bin;
	s->send_codec = c;
	s->send_pt = pt;
	s->sinkpad = pad;
	s->send_caps = false;
	ars_media_probe_send_caps(s->sh, pad);
	g_autoptr(GstPad) out = gst_element_get_static_pad(bin, "src");
	GstPadLinkReturn lr = gst_pad_link(out, pad);
	if (lr != GST_PAD_LINK_OK) {
		*err = g_strdup_printf("cannot link the %s encoder to webrtcbin (%s)", c->name,
		                       gst_pad_link_get_name(lr));
		return -EIO;
	}
	GstWebRTCRTPTransceiver *tr = NULL;
	g_object_get(pad, "transceiver", &tr, NULL);
	if (tr) {
		/* codec preferences from an earlier offer would leave the new
		 * encoder's caps out of the answer (the m-line rejected): the caps
		 * on the sink pad decide */
		g_object_set(tr, "codec-preferences", NULL, NULL);
		GstWebRTCRTPTransceiverDirection dir;
		g_object_get(tr, "direction", &dir, NULL);
		if (dir != GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDRECV) {
			g_info("[%s] transceiver direction %d -> sendrecv", LOGID(s), dir);
			g_object_set(tr, "direction", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDRECV, NULL);
		}
		gst_object_unref(tr);
	}
	ars_dtmf_attach(s->dtmf, bin);
	gst_element_sync_state_with_parent(bin);
	g_info("[%s] sending %s/%u payload %d on m-line %d", LOGID(s), c->name, c->rate, pt, mline);
	return 0;
}

/* libnice: no UPnP wait and no TCP candidates (PLATFORM-NOTES: gathering
 * drops from ~200 ms to ~1 ms). */
void ars_media_tune_ice(GstElement *webrtc)
{
	GObject *ice = NULL;
	g_object_get(webrtc, "ice-agent", &ice, NULL);
	if (!ice)
		return;
	if (g_object_class_find_property(G_OBJECT_GET_CLASS(ice), "ice-tcp"))
		g_object_set(ice, "ice-tcp", FALSE, NULL);
	if (g_object_class_find_property(G_OBJECT_GET_CLASS(ice), "agent")) {
		GObject *agent = NULL;
		g_object_get(ice, "agent", &agent, NULL);
		if (agent) {
			if (g_object_class_find_property(G_OBJECT_GET_CLASS(agent), "upnp"))
				g_object_set(agent, "upnp", FALSE, NULL);
			if (g_object_class_find_property(G_OBJECT_GET_CLASS(agent), "ice-tcp"))
				g_object_set(agent, "ice-tcp", FALSE, NULL);
			g_object_unref(agent);
		}
	}
	g_object_unref(ice);
}

/* funnel ! sink, with the output probe on the sink's pad. */
int ars_media_build_output(struct ars_media_session *s, const struct ars_audio_out *out, char **err)
{
	GstElement *funnel = gst_element_factory_make("funnel", NULL);
	GstElement *sink = ars_audio_sink_new(out, err);
	if (!funnel || !sink) {
		if (funnel)
			gst_object_unref(gst_object_ref_sink(funnel));
		if (sink)
			gst_object_unref(gst_object_ref_sink(sink));
		if (!*err)
			*err = g_strdup("GStreamer element 'funnel' is missing");
		return -ENOENT;
	}
	gst_bin_add_many(GST_BIN(s->pipeline), funnel, sink, NULL);
	gst_element_link(funnel, sink);
	s->sh->funnel = gst_object_ref(funnel);
	if (out->kind == ARS_AUDIO_OUT_FILE) {
		int rc = ars_wav_writer_open(&s->sh->wav, out->path, ARS_CODEC_OUT_RATE);
		if (rc != 0) {
			*err = g_strdup_printf("audio output file:%s: %s", out->path, g_strerror(-rc));
			return -EINVAL;
		}
	}
	g_autoptr(GstPad) pad = gst_element_get_static_pad(sink, "sink");
	if (pad && (s->sh->tap || s->sh->wav))
		ars_media_probe_output(s->sh, pad);
	return 0;
}
