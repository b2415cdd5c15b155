/* The audio ends of a call: the microphone side (`--audio-in
 * auto|tone:HZ|file:PATH.wav|silence`) and the speaker side (`--audio-out
 * auto|null|file:PATH.wav`) as specs that are validated once, and the
 * GStreamer elements built from them for each call. */
#pragma once

#include <gst/gst.h>
#include <stdbool.h>

enum ars_audio_in_kind { ARS_AUDIO_IN_AUTO, ARS_AUDIO_IN_TONE, ARS_AUDIO_IN_FILE, ARS_AUDIO_IN_SILENCE };
enum ars_audio_out_kind { ARS_AUDIO_OUT_AUTO, ARS_AUDIO_OUT_NULL, ARS_AUDIO_OUT_FILE };

struct ars_audio_in {
	enum ars_audio_in_kind kind;
	double hz;  /* TONE: 20..20000 */
	char *path; /* FILE, owned */
};
struct ars_audio_out {
	enum ars_audio_out_kind kind;
	char *path; /* FILE, owned */
};

/* Parse a spec (NULL or "" = auto). Returns 0, or -EINVAL with *err set
 * (g_free) naming what is wrong. A file: input must exist and be 16-bit PCM
 * WAV (it is read here, once, to check); a file: output must name a file in
 * an existing directory. */
int ars_audio_in_parse(const char *spec, struct ars_audio_in *out, char **err);
int ars_audio_out_parse(const char *spec, struct ars_audio_out *out, char **err);
/* Where the daemon's own tones (ring, ringback) go when the speaker is a
 * file: PATH.wav becomes PATH.tones.wav (PATH gets ".tones.wav" when it
 * does not end in .wav). NULL (no file) for auto and null. g_free. */
char *ars_audio_out_tones_path(const struct ars_audio_out *out);
void ars_audio_in_clear(struct ars_audio_in *in);
void ars_audio_out_clear(struct ars_audio_out *out);

/* A bin with one ghost pad "src" giving live, clock-paced
 * audio/x-raw,format=S16LE,channels=1,rate=RATE. Files are read whole and
 * looped. Returns a floating reference, or NULL with *err set. */
GstElement *ars_audio_source_new(const struct ars_audio_in *in, unsigned rate, char **err);

/* Mutes (silence, still flowing) or unmutes the source bin made by
 * ars_audio_source_new(), found inside `bin` (it may be wrapped in an
 * encoder bin). Safe from any thread. */
void ars_audio_source_set_muted(GstElement *bin, bool muted);

/* A live appsrc giving `pcm` (taken: *pcm is emptied) again and again,
 * timestamped from the running time at its first buffer; a sink or
 * clocksync paces it. Floating reference, or NULL if appsrc is missing. */
struct ars_wav;
GstElement *ars_audio_pcm_loop_new(struct ars_wav *pcm);

/* The element that ends the receive path: autoaudiosink for auto, a
 * non-syncing fakesink for null and file (the file is written from the
 * session's tap). Floating reference, or NULL with *err set. */
GstElement *ars_audio_sink_new(const struct ars_audio_out *out, char **err);
