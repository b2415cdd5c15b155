/* Audio ends of a call built from their specs; see audio.h.
 *
 * DESIGN: a file source is decoded once into memory (tones.c) and fed
 * through appsrc with timestamps we compute from the running time at its
 * first buffer, then paced by clocksync; so a file behaves like a live
 * microphone and loops for calls longer than the file. */
#define G_LOG_DOMAIN "media"
#include "audio.h"
#include "tones.h"

#include <errno.h>
#include <gst/app/gstappsrc.h>
#include <math.h>
#include <string.h>

#define ARS_AUDIO_MUTE_NAME "mute"

static char *path_of(const char *spec)
{
	return g_str_has_prefix(spec, "file:") && spec[5] ? g_strdup(spec + 5) : NULL;
}

int ars_audio_in_parse(const char *spec, struct ars_audio_in *out, char **err)
{
	memset(out, 0, sizeof *out);
	if (!spec || !*spec || strcmp(spec, "auto") == 0) {
		out->kind = ARS_AUDIO_IN_AUTO;
		return 0;
	}
	if (strcmp(spec, "silence") == 0) {
		out->kind = ARS_AUDIO_IN_SILENCE;
		return 0;
	}
	if (g_str_has_prefix(spec, "tone:")) {
		char *end = NULL;
		double hz = g_ascii_strtod(spec + 5, &end);
		if (end == spec + 5 || *end || !(hz >= 20 && hz <= 20000)) {
			*err = g_strdup_printf("audio input '%s': tone:HZ needs a frequency from 20 to 20000",
			                       spec);
			return -EINVAL;
		}
		out->kind = ARS_AUDIO_IN_TONE;
		out->hz = hz;
		return 0;
	}
	g_autofree char *path = path_of(spec);
	if (path) {
		struct ars_wav wav = { 0 };
		g_autofree char *why = NULL;
		if (ars_wav_read(path, &wav, &why) != 0) {
			*err = g_strdup_printf("audio input '%s': %s", spec, why);
			return -EINVAL;
		}
		ars_wav_clear(&wav);
		out->kind = ARS_AUDIO_IN_FILE;
		out->path = g_steal_pointer(&path);
		return 0;
	}
	*err = g_strdup_printf("audio input '%s': expected auto, tone:HZ, file:PATH.wav or silence", spec);
	return -EINVAL;
}

int ars_audio_out_parse(const char *spec, struct ars_audio_out *out, char **err)
{
	memset(out, 0, sizeof *out);
	if (!spec || !*spec || strcmp(spec, "auto") == 0) {
		out->kind = ARS_AUDIO_OUT_AUTO;
		return 0;
	}
	if (strcmp(spec, "null") == 0) {
		out->kind = ARS_AUDIO_OUT_NULL;
		return 0;
	}
	g_autofree char *path = path_of(spec);
	if (path) {
		g_autofree char *dir = g_path_get_dirname(path);
		if (!g_file_test(dir, G_FILE_TEST_IS_DIR)) {
			*err = g_strdup_printf("audio output '%s': directory %s does not exist", spec, dir);
			return -EINVAL;
		}
		out->kind = ARS_AUDIO_OUT_FILE;
		out->path = g_steal_pointer(&path);
		return 0;
	}
	*err = g_strdup_printf("audio output '%s': expected auto, null or file:PATH.wav", spec);
	return -EINVAL;
}

char *ars_audio_out_tones_path(const struct ars_audio_out *out)
{
	if (out->kind != ARS_AUDIO_OUT_FILE)
		return NULL;
	size_t len = strlen(out->path);
	if (g_str_has_suffix(out->path, ".wav"))
		len -= 4;
	return g_strdup_printf("%.*s.tones.wav", (int)len, out->path);
}

void ars_audio_in_clear(struct ars_audio_in *in)
{
	g_clear_pointer(&in->path, g_free);
}

void ars_audio_out_clear(struct ars_audio_out *out)
{
	g_clear_pointer(&out->path, g_free);
}

/* ---- file source ------------------------------------------------------------ */

struct file_feed {
	struct ars_wav wav;
	size_t pos;         /* next sample */
	guint64 sent;       /* samples pushed so far */
	GstClockTime start; /* running time of the first buffer, NONE until then */
};

static void file_feed_free(gpointer p)
{
	struct file_feed *f = p;
	ars_wav_clear(&f->wav);
	g_free(f);
}

/* appsrc streaming thread: pushes 20 ms of the looped file. */
static void file_need_data(GstAppSrc *src, guint length, gpointer user)
{
	struct file_feed *f = user;
	if (f->start == GST_CLOCK_TIME_NONE) {
		GstClock *clock = gst_element_get_clock(GST_ELEMENT(src));
		f->start = 0;
		if (clock) {
			GstClockTime now = gst_clock_get_time(clock);
			GstClockTime base = gst_element_get_base_time(GST_ELEMENT(src));
			f->start = now > base ? now - base : 0;
			gst_object_unref(clock);
		}
	}
	size_t n = f->wav.rate / 50;
	GstBuffer *buf = gst_buffer_new_allocate(NULL, n * 2, NULL);
	GstMapInfo map;
	gst_buffer_map(buf, &map, GST_MAP_WRITE);
	int16_t *out = (int16_t *)map.data;
	for (size_t i = 0; i < n; i++) {
		out[i] = f->wav.samples[f->pos];
		f->pos = (f->pos + 1) % f->wav.n;
	}
	gst_buffer_unmap(buf, &map);
	GST_BUFFER_PTS(buf) = f->start + gst_util_uint64_scale(f->sent, GST_SECOND, f->wav.rate);
	GST_BUFFER_DURATION(buf) = gst_util_uint64_scale(n, GST_SECOND, f->wav.rate);
	f->sent += n;
	gst_app_src_push_buffer(src, buf);
}

GstElement *ars_audio_pcm_loop_new(struct ars_wav *pcm)
{
	struct file_feed *f = g_new0(struct file_feed, 1);
	f->start = GST_CLOCK_TIME_NONE;
	f->wav = *pcm;
	*pcm = (struct ars_wav){ 0 };
	GstElement *src = gst_element_factory_make("appsrc", NULL);
	if (!src) {
		file_feed_free(f);
		return NULL;
	}
	g_autoptr(GstCaps) caps = gst_caps_new_simple(
	    "audio/x-raw", "format", G_TYPE_STRING, "S16LE", "layout", G_TYPE_STRING, "interleaved",
	    "channels", G_TYPE_INT, 1, "rate", G_TYPE_INT, (int)f->wav.rate, NULL);
	g_object_set(src, "caps", caps, "format", GST_FORMAT_TIME, "is-live", TRUE, "max-bytes",
	             (guint64)(f->wav.rate / 50 * 2 * 3), NULL);
	GstAppSrcCallbacks cb = { .need_data = file_need_data };
	gst_app_src_set_callbacks(GST_APP_SRC(src), &cb, f, file_feed_free);
	return src;
}

static GstElement *file_source(const char *path, char **err)
{
	struct ars_wav wav = { 0 };
	if (ars_wav_read(path, &wav, err) != 0)
		return NULL;
	GstElement *src = ars_audio_pcm_loop_new(&wav);
	ars_wav_clear(&wav);
	if (!src)
		*err = g_strdup("GStreamer element 'appsrc' is missing");
	return src;
}

/* ---- bins ---------------------------------------------------------------------- */

static GstElement *make(const char *factory, char **err)
{
	GstElement *e = gst_element_factory_make(factory, NULL);
	if (!e && !*err)
		*err = g_strdup_printf("GStreamer element '%s' is missing", factory);
	return e;
}

GstElement *ars_audio_source_new(const struct ars_audio_in *in, unsigned rate, char **err)
{
	*err = NULL;
	GstElement *src = NULL, *pace = NULL;
	switch (in->kind) {
	case ARS_AUDIO_IN_AUTO:
		src = make("autoaudiosrc", err);
		break;
	case ARS_AUDIO_IN_TONE:
	case ARS_AUDIO_IN_SILENCE:
		src = make("audiotestsrc", err);
		if (src)
			g_object_set(src, "is-live", TRUE, "samplesperbuffer", (int)(rate / 50), "wave",
			             in->kind == ARS_AUDIO_IN_TONE ? 0 /* sine */ : 4 /* silence */, "freq",
			             in->kind == ARS_AUDIO_IN_TONE ? in->hz : 440.0, "volume", 0.3, NULL);
		break;
	case ARS_AUDIO_IN_FILE:
		src = file_source(in->path, err);
		pace = make("clocksync", err);
		break;
	}
	GstElement *conv = make("audioconvert", err);
	GstElement *res = make("audioresample", err);
	GstElement *filter = make("capsfilter", err);
	/* mute keeps the stream (and RTP) flowing with zeros: the far end and
	 * PBX no-media watchdogs still see a live call */
	GstElement *mute = make("volume", err);
	if (!src || !conv || !res || !filter || !mute || (in->kind == ARS_AUDIO_IN_FILE && !pace)) {
		GstElement *all[] = { src, pace, conv, res, filter, mute };
		for (size_t i = 0; i < G_N_ELEMENTS(all); i++)
			if (all[i])
				gst_object_unref(gst_object_ref_sink(all[i]));
		return NULL;
	}
	g_autoptr(GstCaps) caps =
	    gst_caps_new_simple("audio/x-raw", "format", G_TYPE_STRING, "S16LE", "channels", G_TYPE_INT, 1,
	                        "rate", G_TYPE_INT, (int)rate, NULL);
	g_object_set(filter, "caps", caps, NULL);
	gst_object_set_name(GST_OBJECT(mute), ARS_AUDIO_MUTE_NAME);
	GstElement *bin = gst_bin_new("audio-in");
	gst_bin_add_many(GST_BIN(bin), src, conv, res, filter, mute, NULL);
	if (pace) {
		gst_bin_add(GST_BIN(bin), pace);
		gst_element_link_many(src, pace, conv, NULL);
	} else {
		gst_element_link(src, conv);
	}
	gst_element_link_many(conv, res, filter, mute, NULL);
	g_autoptr(GstPad) pad = gst_element_get_static_pad(mute, "src");
	gst_element_add_pad(bin, gst_ghost_pad_new("src", pad));
	return bin;
}

void ars_audio_source_set_muted(GstElement *bin, bool muted)
{
	g_autoptr(GstElement) mute = gst_bin_get_by_name(GST_BIN(bin), ARS_AUDIO_MUTE_NAME);
	if (mute)
		g_object_set(mute, "mute", muted, NULL);
}

GstElement *ars_audio_sink_new(const struct ars_audio_out *out, char **err)
{
	*err = NULL;
	if (out->kind == ARS_AUDIO_OUT_AUTO)
		return make("autoaudiosink", err);
	GstElement *sink = make("fakesink", err);
	if (sink)
		g_object_set(sink, "sync", FALSE, "async", FALSE, NULL);
	return sink;
}
