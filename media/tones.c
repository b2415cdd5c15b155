/* Tone detection (Goertzel) and minimal 16-bit PCM WAV I/O; see tones.h. */
#include "tones.h"

#include <errno.h>
#include <math.h>
#include <string.h>

double ars_media_detect_tone(const int16_t *samples, size_t n, unsigned rate, double freq)
{
	if (!samples || rate == 0 || n < rate / 100 || freq <= 0 || freq >= rate / 2.0)
		return 0;
	/* Hann window; Goertzel at the (non-integer) bin of `freq`. */
	const double w = 2.0 * M_PI * freq / rate;
	const double coeff = 2.0 * cos(w);
	double s1 = 0, s2 = 0, total = 0;
	for (size_t i = 0; i < n; i++) {
		double win = 0.5 - 0.5 * cos(2.0 * M_PI * (double)i / (double)(n - 1));
		double x = samples[i] * win;
		double s0 = x + coeff * s1 - s2;
		s2 = s1;
		s1 = s0;
		total += x * x;
	}
	if (total < 1e-9)
		return 0;
	double power = s1 * s1 + s2 * s2 - coeff * s1 * s2; /* |X(f)|^2 */
	/* A Hann-windowed sinusoid of amplitude A gives |X|^2 = (A/2 · n/2)^2 and
	 * a windowed energy of A^2/2 · 3n/8: their ratio, times 3/n, is 1. */
	double ratio = 3.0 * power / ((double)n * total);
	return ratio > 1.0 ? 1.0 : ratio;
}

double ars_media_level_dbfs(const int16_t *samples, size_t n)
{
	if (n == 0)
		return -120;
	double sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += (double)samples[i] * samples[i];
	double rms = sqrt(sum / (double)n) / 32768.0;
	return rms > 1e-6 ? 20.0 * log10(rms) : -120;
}

/* ---- call-progress tones ---------------------------------------------------- */

static const struct {
	double freqs[3]; /* 0-terminated */
	double on_s, off_s;
} patterns[] = {
	[ARS_TONE_RING] = { { 440, 480, 0 }, 2.0, 4.0 },
	[ARS_TONE_RINGBACK] = { { 425, 0, 0 }, 1.0, 4.0 },
};

const double *ars_tone_freqs(enum ars_tone tone)
{
	return patterns[tone].freqs;
}

void ars_tone_render(enum ars_tone tone, unsigned rate, double amplitude, struct ars_wav *out)
{
	const double *f = patterns[tone].freqs;
	size_t nf = f[1] > 0 ? 2 : 1;
	size_t on = (size_t)(patterns[tone].on_s * rate);
	size_t ramp = rate / 200; /* 5 ms */
	out->rate = rate;
	out->n = on + (size_t)(patterns[tone].off_s * rate);
	out->samples = g_new0(int16_t, out->n);
	double peak = CLAMP(amplitude, 0.0, 1.0) * 32767.0 / (double)nf;
	for (size_t i = 0; i < on; i++) {
		double edge = 1.0;
		if (i < ramp)
			edge = (double)i / (double)ramp;
		else if (on - i < ramp)
			edge = (double)(on - i) / (double)ramp;
		double v = 0;
		for (size_t k = 0; k < nf; k++)
			v += sin(2.0 * M_PI * f[k] * (double)i / rate);
		out->samples[i] = (int16_t)lrint(v * peak * edge);
	}
}

/* ---- WAV ---------------------------------------------------------------- */

static uint32_t le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

void ars_wav_clear(struct ars_wav *w)
{
	g_clear_pointer(&w->samples, g_free);
	w->n = 0;
}

int ars_wav_read(const char *path, struct ars_wav *out, char **err)
{
	g_autofree char *data = NULL;
	gsize len = 0;
	g_autoptr(GError) gerr = NULL;
	if (!g_file_get_contents(path, &data, &len, &gerr)) {
		*err = g_strdup(gerr->message);
		return gerr->domain == G_FILE_ERROR && gerr->code == G_FILE_ERROR_NOENT ? -ENOENT : -EIO;
	}
	const uint8_t *p = (const uint8_t *)data;
	if (len < 12 || memcmp(p, "RIFF", 4) != 0 || memcmp(p + 8, "WAVE", 4) != 0) {
		*err = g_strdup_printf("%s: not a RIFF/WAVE file", path);
		return -EINVAL;
	}
	unsigned channels = 0, rate = 0, bits = 0;
	const uint8_t *pcm = NULL;
	size_t pcm_len = 0;
	for (size_t off = 12; off + 8 <= len;) {
		uint32_t size = le32(p + off + 4);
		const uint8_t *body = p + off + 8;
		size_t avail = len - off - 8;
		if (memcmp(p + off, "fmt ", 4) == 0 && size >= 16 && avail >= 16) {
			if (le16(body) != 1 && le16(body) != 0xFFFE) {
				*err = g_strdup_printf("%s: WAV format %u is not PCM", path, le16(body));
				return -EINVAL;
			}
			channels = le16(body + 2);
			rate = le32(body + 4);
			bits = le16(body + 14);
		} else if (memcmp(p + off, "data", 4) == 0) {
			pcm = body;
			pcm_len = MIN((size_t)size, avail); /* streamed files may say 0 or too much */
			if (size == 0 || size == 0xFFFFFFFF)
				pcm_len = avail;
			break;
		}
		if (size > avail)
			break;
		off += 8 + size + (size & 1);
	}
	if (!pcm || bits != 16 || channels == 0 || channels > 8 || rate < 4000 || rate > 192000) {
		*err = g_strdup_printf("%s: need 16-bit PCM (got %u bits, %u channels, %u Hz%s)", path, bits,
		                       channels, rate, pcm ? "" : ", no data chunk");
		return -EINVAL;
	}
	size_t frames = pcm_len / (2 * channels);
	if (frames == 0) {
		*err = g_strdup_printf("%s: no samples", path);
		return -EINVAL;
	}
	out->samples = g_new(int16_t, frames);
	out->n = frames;
	out->rate = rate;
	for (size_t f = 0; f < frames; f++) {
		int32_t sum = 0;
		for (unsigned c = 0; c < channels; c++)
			sum += (int16_t)le16(pcm + 2 * (f * channels + c));
		out->samples[f] = (int16_t)(sum / (int32_t)channels);
	}
	return 0;
}

struct ars_wav_writer {
	FILE *f;
	unsigned rate;
	uint64_t bytes;
	int err;
};

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v & 0xff;
	p[1] = v >> 8 & 0xff;
	p[2] = v >> 16 & 0xff;
	p[3] = v >> 24 & 0xff;
}

/* The 44-byte header of a mono 16-bit PCM WAV file. */
static void put_header(uint8_t h[44], unsigned rate, uint32_t data_bytes)
{
	memcpy(h, "RIFF", 4);
	put32(h + 4, 36 + data_bytes);
	memcpy(h + 8, "WAVEfmt ", 8);
	put32(h + 16, 16);           /* fmt chunk size */
	put32(h + 20, 1 | 1u << 16); /* PCM, 1 channel */
	put32(h + 24, rate);
	put32(h + 28, rate * 2);      /* bytes per second */
	put32(h + 32, 2 | 16u << 16); /* block align, bits */
	memcpy(h + 36, "data", 4);
	put32(h + 40, data_bytes);
}

int ars_wav_writer_open(struct ars_wav_writer **out, const char *path, unsigned rate)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return -errno;
	uint8_t h[44];
	put_header(h, rate, 0);
	if (fwrite(h, 1, sizeof h, f) != sizeof h) {
		int e = -errno;
		fclose(f);
		return e ? e : -EIO;
	}
	struct ars_wav_writer *w = g_new0(struct ars_wav_writer, 1);
	w->f = f;
	w->rate = rate;
	*out = w;
	return 0;
}

int ars_wav_writer_write(struct ars_wav_writer *w, const int16_t *samples, size_t n)
{
	if (w->err)
		return w->err;
	/* WAV is little-endian, like every machine we build for */
	G_STATIC_ASSERT(G_BYTE_ORDER == G_LITTLE_ENDIAN);
	if (w->bytes + n * 2 > UINT32_MAX - 44)
		return w->err = -EFBIG;
	if (fwrite(samples, 2, n, w->f) != n)
		return w->err = errno ? -errno : -EIO;
	w->bytes += n * 2;
	return 0;
}

int ars_wav_writer_close(struct ars_wav_writer *w)
{
	if (!w)
		return 0;
	int rc = w->err;
	uint8_t h[44];
	put_header(h, w->rate, (uint32_t)w->bytes);
	if (fseek(w->f, 0, SEEK_SET) != 0 || fwrite(h, 1, sizeof h, w->f) != sizeof h)
		rc = rc ? rc : -EIO;
	if (fclose(w->f) != 0 && !rc)
		rc = -errno;
	g_free(w);
	return rc;
}
