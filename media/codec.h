/* The codecs a call can use (Opus, PCMU, PCMA; telephone-event rides
 * along) and the GStreamer branches that send and receive each one. */
#pragma once

#include <gst/gst.h>

struct ars_codec {
	const char *id;       /* configuration name: "opus", "pcmu", "pcma" */
	const char *name;     /* as reported in events and looked up in SDP: "opus", "PCMU", "PCMA" */
	const char *encoding; /* RTP caps encoding-name: "OPUS", "PCMU", "PCMA" */
	unsigned rate;        /* RTP clock rate and encoder sample rate */
	int default_pt;       /* payload number in our offers */
	const char *encoder, *payloader, *depayloader, *decoder;
};

#define ARS_CODEC_MAX 3
#define ARS_DTMF_PT 101

/* The codec table entry for a configuration id or an SDP/caps encoding name
 * (case-insensitive), or NULL. */
const struct ars_codec *ars_codec_by_id(const char *id);
const struct ars_codec *ars_codec_by_name(const char *name);

/* Parses "opus,pcmu,pcma" (any non-empty subset, any order, no repeats;
 * NULL = all, opus first). Returns the count (1..3) or -EINVAL with *err. */
int ars_codec_list_parse(const char *spec, const struct ars_codec *out[ARS_CODEC_MAX], char **err);

/* Caps for webrtcbin's add-transceiver: one structure per codec in order
 * (Opus with encoding-params=2 and useinbandfec=1), then telephone-event. */
GstCaps *ars_codec_offer_caps(const struct ars_codec *const *list, int n);

/* source ! encoder ! payloader(pt) in one bin with a ghost pad "src".
 * Takes the floating `source` (bin from audio.c with pad "src"). NULL with
 * *err when an element is missing. */
GstElement *ars_codec_send_bin(const struct ars_codec *c, int pt, GstElement *source, char **err);

/* depayloader ! decoder ! convert/resample to ARS_CODEC_OUT_RATE mono S16,
 * with ghost pads "sink" and "src", chosen from the RTP caps of a webrtcbin
 * source pad; NULL when the caps are not a codec of ours. */
#define ARS_CODEC_OUT_RATE 48000
GstElement *ars_codec_recv_bin(const GstCaps *rtp_caps);
