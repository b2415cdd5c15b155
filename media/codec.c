/* Codec table and the per-codec send and receive branches; see codec.h. */
#include "codec.h"

#include <errno.h>
#include <string.h>

static const struct ars_codec codecs[ARS_CODEC_MAX] = {
	{ "opus", "opus", "OPUS", 48000, 111, "opusenc", "rtpopuspay", "rtpopusdepay", "opusdec" },
	{ "pcmu", "PCMU", "PCMU", 8000, 0, "mulawenc", "rtppcmupay", "rtppcmudepay", "mulawdec" },
	{ "pcma", "PCMA", "PCMA", 8000, 8, "alawenc", "rtppcmapay", "rtppcmadepay", "alawdec" },
};

const struct ars_codec *ars_codec_by_id(const char *id)
{
	for (int i = 0; i < ARS_CODEC_MAX; i++)
		if (id && strcmp(codecs[i].id, id) == 0)
			return &codecs[i];
	return NULL;
}

const struct ars_codec *ars_codec_by_name(const char *name)
{
	for (int i = 0; i < ARS_CODEC_MAX; i++)
		if (name && g_ascii_strcasecmp(codecs[i].encoding, name) == 0)
			return &codecs[i];
	return NULL;
}

int ars_codec_list_parse(const char *spec, const struct ars_codec *out[ARS_CODEC_MAX], char **err)
{
	if (!spec) {
		for (int i = 0; i < ARS_CODEC_MAX; i++)
			out[i] = &codecs[i];
		return ARS_CODEC_MAX;
	}
	g_auto(GStrv) ids = g_strsplit(spec, ",", -1);
	int n = 0;
	for (int i = 0; ids[i]; i++) {
		const char *id = g_strstrip(ids[i]);
		const struct ars_codec *c = ars_codec_by_id(id);
		if (!c) {
			*err = g_strdup_printf("codec '%s' is not one of opus, pcmu, pcma", id);
			return -EINVAL;
		}
		for (int k = 0; k < n; k++) {
			if (out[k] == c) {
				*err = g_strdup_printf("codec '%s' is listed twice", id);
				return -EINVAL;
			}
		}
		out[n++] = c;
	}
	if (n == 0) {
		*err = g_strdup("no codec allowed");
		return -EINVAL;
	}
	return n;
}

GstCaps *ars_codec_offer_caps(const struct ars_codec *const *list, int n)
{
	GstCaps *caps = gst_caps_new_empty();
	for (int i = 0; i < n; i++) {
		GstStructure *s =
		    gst_structure_new("application/x-rtp", "media", G_TYPE_STRING, "audio", "encoding-name",
		                      G_TYPE_STRING, list[i]->encoding, "clock-rate", G_TYPE_INT,
		                      (int)list[i]->rate, "payload", G_TYPE_INT, list[i]->default_pt, NULL);
		if (strcmp(list[i]->id, "opus") == 0)
			gst_structure_set(s, "encoding-params", G_TYPE_STRING, "2", "useinbandfec",
			                  G_TYPE_STRING, "1", NULL);
		gst_caps_append_structure(caps, s);
	}
	gst_caps_append_structure(caps, gst_structure_new("application/x-rtp", "media", G_TYPE_STRING,
	                                                  "audio", "encoding-name", G_TYPE_STRING,
	                                                  "TELEPHONE-EVENT", "clock-rate", G_TYPE_INT, 8000,
	                                                  "payload", G_TYPE_INT, ARS_DTMF_PT, NULL));
	return caps;
}

GstElement *ars_codec_send_bin(const struct ars_codec *c, int pt, GstElement *source, char **err)
{
	GstElement *enc = gst_element_factory_make(c->encoder, NULL);
	GstElement *pay = gst_element_factory_make(c->payloader, NULL);
	if (!enc || !pay) {
		*err = g_strdup_printf("GStreamer element '%s' is missing", enc ? c->payloader : c->encoder);
		if (enc)
			gst_object_unref(gst_object_ref_sink(enc));
		if (pay)
			gst_object_unref(gst_object_ref_sink(pay));
		gst_object_unref(gst_object_ref_sink(source));
		return NULL;
	}
	if (strcmp(c->id, "opus") == 0) {
		/* voice, 20 ms frames, in-band FEC (effective once loss is expected);
		 * complexity 5 halves the encoder's CPU for no audible loss on voice
		 * at this bitrate */
		g_object_set(enc, "audio-type", 2048 /* voice */, "inband-fec", TRUE,
		             "packet-loss-percentage", 5, "bitrate", 32000, "complexity", 5, NULL);
	} else {
		/* without these rtppcm*pay sends whatever the source's buffer holds
		 * (128 ms from audiotestsrc): PLATFORM-NOTES */
		g_object_set(pay, "min-ptime", (gint64)20 * GST_MSECOND, "max-ptime",
		             (gint64)20 * GST_MSECOND, NULL);
	}
	g_object_set(pay, "pt", (guint)pt, NULL);
	GstElement *bin = gst_bin_new("send");
	gst_bin_add_many(GST_BIN(bin), source, enc, pay, NULL);
	if (!gst_element_link_many(source, enc, pay, NULL)) {
		*err = g_strdup_printf("cannot link the audio source to %s", c->encoder);
		gst_object_unref(gst_object_ref_sink(bin));
		return NULL;
	}
	g_autoptr(GstPad) pad = gst_element_get_static_pad(pay, "src");
	gst_element_add_pad(bin, gst_ghost_pad_new("src", pad));
	return bin;
}

GstElement *ars_codec_recv_bin(const GstCaps *rtp_caps)
{
	if (!rtp_caps || gst_caps_is_empty(rtp_caps))
		return NULL;
	const GstStructure *s = gst_caps_get_structure(rtp_caps, 0);
	const struct ars_codec *c = ars_codec_by_name(gst_structure_get_string(s, "encoding-name"));
	if (!c)
		return NULL;
	GstElement *dep = gst_element_factory_make(c->depayloader, NULL);
	GstElement *dec = gst_element_factory_make(c->decoder, NULL);
	GstElement *conv = gst_element_factory_make("audioconvert", NULL);
	GstElement *res = gst_element_factory_make("audioresample", NULL);
	GstElement *filter = gst_element_factory_make("capsfilter", NULL);
	GstElement *all[] = { dep, dec, conv, res, filter };
	for (size_t i = 0; i < G_N_ELEMENTS(all); i++) {
		if (!all[i]) {
			for (size_t k = 0; k < G_N_ELEMENTS(all); k++)
				if (all[k])
					gst_object_unref(gst_object_ref_sink(all[k]));
			return NULL;
		}
	}
	if (strcmp(c->id, "opus") == 0)
		g_object_set(dec, "use-inband-fec", TRUE, "plc", TRUE, NULL);
	g_autoptr(GstCaps) out = gst_caps_new_simple(
	    "audio/x-raw", "format", G_TYPE_STRING, "S16LE", "layout", G_TYPE_STRING, "interleaved",
	    "channels", G_TYPE_INT, 1, "rate", G_TYPE_INT, ARS_CODEC_OUT_RATE, NULL);
	g_object_set(filter, "caps", out, NULL);
	GstElement *bin = gst_bin_new(NULL);
	gst_bin_add_many(GST_BIN(bin), dep, dec, conv, res, filter, NULL);
	gst_element_link_many(dep, dec, conv, res, filter, NULL);
	g_autoptr(GstPad) sink = gst_element_get_static_pad(dep, "sink");
	g_autoptr(GstPad) src = gst_element_get_static_pad(filter, "src");
	gst_element_add_pad(bin, gst_ghost_pad_new("sink", sink));
	gst_element_add_pad(bin, gst_ghost_pad_new("src", src));
	return bin;
}
