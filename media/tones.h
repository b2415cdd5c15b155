/* Tones without GStreamer: a Goertzel detector that tells how much of a
 * signal's power sits at one frequency, the call-progress patterns the
 * daemon plays (ring, ringback), and a minimal 16-bit PCM WAV reader and
 * writer. The detector serves tests and benchmarks (is the far end's tone in
 * what we received?); the WAV code backs `--audio-in file:` and
 * `--audio-out file:` (audio.c). */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Power of `freq` in `samples` (mono S16) as a fraction of the signal's
 * total power: ~1 for a pure tone at `freq`, ~0 without it. A Goertzel
 * filter over the whole block with a Hann window; blocks shorter than 10 ms
 * or silent give 0. */
double ars_media_detect_tone(const int16_t *samples, size_t n, unsigned rate, double freq);

/* RMS level of `samples` in dBFS (-inf for silence shows as -120). */
double ars_media_level_dbfs(const int16_t *samples, size_t n);

/* A whole WAV file (PCM 16-bit, any rate, channels mixed down to mono). */
struct ars_wav {
	int16_t *samples; /* g_free */
	size_t n;
	unsigned rate;
};
/* Reads PATH. Returns 0, -errno for I/O, -EINVAL for a file that is not
 * 16-bit PCM WAV (*err says why; g_free it). */
int ars_wav_read(const char *path, struct ars_wav *out, char **err);
void ars_wav_clear(struct ars_wav *w);

/* The daemon's own call-progress tones, one cadence each:
 *   RING      an incoming call on the speaker: 440 Hz + 480 Hz, 2 s on, 4 s off
 *   RINGBACK  our outgoing call rings at the far end: 425 Hz (the CEPT/ETSI
 *             ringback of Europe and Russia), 1 s on, 4 s off */
enum ars_tone { ARS_TONE_RING, ARS_TONE_RINGBACK };
/* Frequencies of a tone (0-terminated, at most 2). */
const double *ars_tone_freqs(enum ars_tone tone);
/* Renders one whole cadence period of `tone` at `rate` (8000..48000) with a
 * peak of `amplitude` (0..1 of full scale) into *out, ready to be looped;
 * on/off edges are ramped over 5 ms so they do not click. */
void ars_tone_render(enum ars_tone tone, unsigned rate, double amplitude, struct ars_wav *out);

/* Streams mono S16 samples into a WAV file; the header's sizes are fixed up
 * by ars_wav_writer_close(). Not thread-safe: one writer per thread. */
struct ars_wav_writer;
int ars_wav_writer_open(struct ars_wav_writer **out, const char *path, unsigned rate);
int ars_wav_writer_write(struct ars_wav_writer *w, const int16_t *samples, size_t n);
/* Closes and frees (NULL is a no-op); returns 0 or -errno. */
int ars_wav_writer_close(struct ars_wav_writer *w);
