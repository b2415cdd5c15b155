/* The daemon's own call-progress tones on the speaker: the ring of an
 * incoming call (heard with no page open) and the ringback of an outgoing
 * one. One small pipeline per tone: the looped cadence (tones.c) from an
 * appsrc into autoaudiosink, or, when the speaker is a file
 * (`--audio-out file:PATH.wav`), into PATH.tones.wav, written as the
 * samples are due so that the file shows exactly when the tone played.
 *
 * DESIGN: the sink paces the pipeline (sync), so no clocksync; stopping
 * sets the pipeline to NULL, which joins the streaming thread, so the tone
 * is silent and the file complete when ars_tone_player_stop() returns. */
#define G_LOG_DOMAIN "media"
#include "tone_player.h"

#include "audio.h"
#include "session.h"
#include "tones.h"

#include <errno.h>

#define TONE_RATE 16000

struct ars_tone_player {
	GstElement *pipeline;
	guint bus_watch;
	struct ars_wav_writer *wav; /* streaming thread only, until stopped */
	char *path;
};

/* Streaming thread: a buffer is due now. */
static void on_handoff(GstElement *sink, GstBuffer *buf, GstPad *pad, gpointer user)
{
	struct ars_tone_player *p = user;
	GstMapInfo map;
	if (!p->wav || !gst_buffer_map(buf, &map, GST_MAP_READ))
		return;
	if (ars_wav_writer_write(p->wav, (const int16_t *)map.data, map.size / 2) != 0)
		g_warning("tones: cannot write %s", p->path);
	gst_buffer_unmap(buf, &map);
}

/* Main context: a speaker that fails later (unplugged, no sound server) is
 * logged; the call goes on without the tone. */
static gboolean on_bus(GstBus *bus, GstMessage *msg, gpointer user)
{
	if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR) {
		g_autoptr(GError) e = NULL;
		gst_message_parse_error(msg, &e, NULL);
		g_warning("tones: the speaker stopped: %s", e->message);
	}
	return G_SOURCE_CONTINUE;
}

static GstElement *make_sink(struct ars_tone_player *p, const struct ars_audio_out *out, char **err)
{
	if (out->kind == ARS_AUDIO_OUT_AUTO)
		return ars_audio_sink_new(out, err);
	p->path = ars_audio_out_tones_path(out);
	int rc = ars_wav_writer_open(&p->wav, p->path, TONE_RATE);
	if (rc != 0) {
		*err = g_strdup_printf("cannot write %s: %s", p->path, g_strerror(-rc));
		return NULL;
	}
	GstElement *sink = gst_element_factory_make("fakesink", NULL);
	g_object_set(sink, "sync", TRUE, "signal-handoffs", TRUE, NULL);
	g_signal_connect(sink, "handoff", G_CALLBACK(on_handoff), p);
	return sink;
}

int ars_tone_player_start(struct ars_tone_player **out, enum ars_tone tone, unsigned volume,
                          const char *audio_out, char **err)
{
	*err = NULL;
	int rc = ars_media_init(err);
	if (rc != 0)
		return rc;
	struct ars_audio_out spec;
	if (ars_audio_out_parse(audio_out, &spec, err) != 0)
		return -EINVAL;
	if (spec.kind == ARS_AUDIO_OUT_NULL) {
		ars_audio_out_clear(&spec);
		*out = NULL;
		return 0;
	}
	struct ars_tone_player *p = g_new0(struct ars_tone_player, 1);
	struct ars_wav pcm = { 0 };
	/* a perceptual-ish curve: half the slider is a quarter of full scale */
	double level = (double)MIN(volume, 100u) / 100.0;
	ars_tone_render(tone, TONE_RATE, 0.9 * level * level, &pcm);
	GstElement *src = ars_audio_pcm_loop_new(&pcm);
	ars_wav_clear(&pcm);
	GstElement *conv = gst_element_factory_make("audioconvert", NULL);
	GstElement *res = gst_element_factory_make("audioresample", NULL);
	GstElement *sink = make_sink(p, &spec, err);
	ars_audio_out_clear(&spec);
	p->pipeline = gst_pipeline_new(tone == ARS_TONE_RING ? "ars-ring" : "ars-ringback");
	if (!src || !conv || !res || !sink) {
		GstElement *all[] = { src, conv, res, sink };
		for (size_t i = 0; i < G_N_ELEMENTS(all); i++)
			if (all[i])
				gst_object_unref(gst_object_ref_sink(all[i]));
		if (!*err)
			*err = g_strdup("GStreamer elements for tones are missing");
		ars_tone_player_stop(p);
		return -ENOENT;
	}
	gst_bin_add_many(GST_BIN(p->pipeline), src, conv, res, sink, NULL);
	g_autoptr(GstBus) bus = gst_element_get_bus(p->pipeline);
	p->bus_watch = gst_bus_add_watch(bus, on_bus, NULL);
	if (!gst_element_link_many(src, conv, res, sink, NULL) ||
	    gst_element_set_state(p->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
		*err = g_strdup("the speaker does not play (tone pipeline did not start)");
		ars_tone_player_stop(p);
		return -EIO;
	}
	*out = p;
	return 0;
}

void ars_tone_player_stop(struct ars_tone_player *p)
{
	if (!p)
		return;
	if (p->bus_watch)
		g_source_remove(p->bus_watch);
	if (p->pipeline) {
		gst_element_set_state(p->pipeline, GST_STATE_NULL);
		gst_object_unref(p->pipeline);
	}
	if (ars_wav_writer_close(p->wav) != 0)
		g_warning("tones: cannot complete %s", p->path);
	g_free(p->path);
	g_free(p);
}
