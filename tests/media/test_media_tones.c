/* Unit tests of media/tones.c: the Goertzel detector tells tones apart, the
 * call-progress patterns have their frequencies and cadence, and the WAV
 * writer/reader round-trip. */
#include "media/tones.h"

#include <errno.h>
#include <math.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

static int16_t *sine(double hz, unsigned rate, size_t n, double amp)
{
	int16_t *s = g_new(int16_t, n);
	for (size_t i = 0; i < n; i++)
		s[i] = (int16_t)(amp * 32767.0 * sin(2.0 * M_PI * hz * (double)i / rate));
	return s;
}

static void test_detect(void)
{
	static const unsigned rates[] = { 8000, 48000 };
	for (size_t r = 0; r < G_N_ELEMENTS(rates); r++) {
		unsigned rate = rates[r];
		g_autofree int16_t *a = sine(440, rate, rate / 2, 0.3);
		g_assert_cmpfloat(ars_media_detect_tone(a, rate / 2, rate, 440), >, 0.9);
		g_assert_cmpfloat(ars_media_detect_tone(a, rate / 2, rate, 880), <, 0.01);
		/* two tones mixed: each about half */
		g_autofree int16_t *b = sine(880, rate, rate / 2, 0.3);
		for (size_t i = 0; i < rate / 2; i++)
			b[i] = (int16_t)((a[i] + b[i]) / 2);
		double r440 = ars_media_detect_tone(b, rate / 2, rate, 440);
		g_assert_cmpfloat(r440, >, 0.4);
		g_assert_cmpfloat(r440, <, 0.6);
		g_assert_cmpfloat(ars_media_level_dbfs(a, rate / 2), >, -14);
		g_assert_cmpfloat(ars_media_level_dbfs(a, rate / 2), <, -12);
	}
	int16_t silence[4800] = { 0 };
	g_assert_cmpfloat(ars_media_detect_tone(silence, 4800, 48000, 440), ==, 0);
	g_assert_cmpfloat(ars_media_level_dbfs(silence, 4800), ==, -120);
	/* too short, bad frequency */
	g_assert_cmpfloat(ars_media_detect_tone(silence, 10, 48000, 440), ==, 0);
	g_assert_cmpfloat(ars_media_detect_tone(silence, 4800, 48000, 30000), ==, 0);
}

/* Ring: 440+480 Hz for 2 s then 4 s of silence; ringback: 425 Hz 1 s / 4 s;
 * the peak follows the amplitude asked for. */
static void test_patterns(void)
{
	static const struct {
		enum ars_tone tone;
		double on_s, period_s, other_hz;
	} cases[] = {
		{ ARS_TONE_RING, 2.0, 6.0, 425 },
		{ ARS_TONE_RINGBACK, 1.0, 5.0, 440 },
	};
	for (size_t c = 0; c < G_N_ELEMENTS(cases); c++) {
		struct ars_wav w = { 0 };
		ars_tone_render(cases[c].tone, 16000, 0.5, &w);
		g_assert_cmpuint(w.rate, ==, 16000);
		g_assert_cmpuint(w.n, ==, (size_t)(cases[c].period_s * 16000));
		size_t on = (size_t)(cases[c].on_s * 16000);
		const double *f = ars_tone_freqs(cases[c].tone);
		double sum = 0;
		for (size_t k = 0; f[k] > 0; k++)
			sum += ars_media_detect_tone(w.samples + 800, on - 1600, 16000, f[k]);
		g_assert_cmpfloat(sum, >, 0.9); /* all the power is in the pattern's tones */
		g_assert_cmpfloat(ars_media_detect_tone(w.samples + 800, on - 1600, 16000, cases[c].other_hz), <,
		                  0.05);
		int peak = 0;
		for (size_t i = 0; i < on; i++)
			peak = MAX(peak, abs(w.samples[i]));
		g_assert_cmpint(peak, >, 14000);
		g_assert_cmpint(peak, <=, 16384);
		g_assert_cmpint(w.samples[0], ==, 0); /* ramped in */
		g_assert_cmpfloat(ars_media_level_dbfs(w.samples + on, w.n - on), ==, -120);
		ars_wav_clear(&w);
	}
	/* amplitude 0: silence */
	struct ars_wav w = { 0 };
	ars_tone_render(ARS_TONE_RING, 8000, 0, &w);
	g_assert_cmpfloat(ars_media_level_dbfs(w.samples, w.n), ==, -120);
	ars_wav_clear(&w);
}

static void test_wav_roundtrip(void)
{
	g_autofree char *dir = g_dir_make_tmp("ars-wav-XXXXXX", NULL);
	g_autofree char *path = g_build_filename(dir, "t.wav", NULL);
	struct ars_wav_writer *w = NULL;
	g_assert_cmpint(ars_wav_writer_open(&w, path, 16000), ==, 0);
	g_autofree int16_t *s = sine(1000, 16000, 16000, 0.5);
	g_assert_cmpint(ars_wav_writer_write(w, s, 8000), ==, 0);
	g_assert_cmpint(ars_wav_writer_write(w, s + 8000, 8000), ==, 0);
	g_assert_cmpint(ars_wav_writer_close(w), ==, 0);
	struct ars_wav wav = { 0 };
	g_autofree char *err = NULL;
	g_assert_cmpint(ars_wav_read(path, &wav, &err), ==, 0);
	g_assert_cmpuint(wav.rate, ==, 16000);
	g_assert_cmpuint(wav.n, ==, 16000);
	g_assert_cmpint(memcmp(wav.samples, s, 16000 * 2), ==, 0);
	ars_wav_clear(&wav);
	/* not a WAV */
	g_assert_true(g_file_set_contents(path, "RIFF....WAVEjunk", 16, NULL));
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(ars_wav_read(path, &wav, &err), ==, -EINVAL);
	g_assert_nonnull(err);
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(ars_wav_read("/nonexistent/x.wav", &wav, &err), ==, -ENOENT);
	g_remove(path);
	g_rmdir(dir);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/media/tones/detect", test_detect);
	g_test_add_func("/media/tones/patterns", test_patterns);
	g_test_add_func("/media/tones/wav", test_wav_roundtrip);
	return g_test_run();
}
