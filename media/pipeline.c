/* Building the pieces of a session's pipeline: ICE tuning, the output
 * (funnel ! sink, with the tap probe), and the send branch linked to the
 * sink pad of the transceiver offer/answer made. Main context only. */
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

/* Links the encoder for `c` with payload `pt` to webrtcbin's sink pad for
 * m-line `mline` (the transceiver that offer/answer already made). Returns
 * 0, or -EPROTO (a different codec is already linked) / -EIO with *err. */
int ars_media_link_sender(struct ars_media_session *s, const struct ars_codec *c, int pt, int mline,
                          char **err)
{
	if (s->send) {
		if (s->codec == c && s->payload == pt)
			return 0;
		*err =
		    g_strdup_printf("changing the codec of a running call (%s/%d to %s/%d) is not supported",
		                    s->codec->name, s->payload, c->name, pt);
		return -EPROTO;
	}
	g_autofree char *why = NULL;
	GstElement *src = ars_audio_source_new(&s->in, c->rate, &why);
	GstElement *bin = src ? ars_codec_send_bin(c, pt, src, &why) : NULL;
	if (!bin) {
		*err = g_strdup_printf("audio input: %s", why);
		return -EIO;
	}
	/* add-transceiver made a sink pad of its own (named sink_1 for m-line 0,
	 * PLATFORM-NOTES): use it; else request the m-line's pad */
	GstPad *pad = sink_pad_for_mline(s->webrtc, mline);
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
	gst_bin_add(GST_BIN(s->pipeline), bin);
	s->send = bin;
	s->sinkpad = pad;
	s->codec = c;
	s->payload = pt;
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
