/* DTMF during a call as RFC 4733 telephone-events (see dtmf.h), and
 * ars_media_session_dtmf().
 *
 * DESIGN (sending): digits are queued on the main context; a buffer probe on
 * the send branch's output (a GStreamer streaming thread) turns the next
 * audio packets into event packets: same SSRC and sequence number, the
 * audio's RTP timestamp at the event's start, durations in the 8000 Hz
 * event clock. An event ends with three packets carrying the E bit (RFC 4733
 * 2.5.1.4), then audio flows for the gap before the next digit. Driven by
 * the packets themselves, so the timing follows the media clock and needs
 * no timers. The queue and the stream state are shared under `lock`. */
#define G_LOG_DOMAIN "media"
#include "dtmf.h"
#include "session_priv.h"

#include <errno.h>
#include <gst/rtp/rtp.h>
#include <string.h>

#define EVENT_RATE 8000   /* telephone-event/8000: the only rate we send */
#define GAP_MS 70         /* audio between two digits */
#define END_PACKETS 3     /* the final packet, sent three times */
#define VOLUME 10         /* -10 dBm0 */
#define MAX_PENDING 64    /* digits queued and not yet played */
#define DEFAULT_MS 100
#define MIN_MS 40
#define MAX_MS 2000

struct ars_dtmf {
	gatomicrefcount ref;
	char *log_id;
	GMutex lock;
	/* under lock */
	int pt;           /* negotiated telephone-event/8000 payload, -1 = none */
	guint gen;        /* bumped by attach: older probes remove themselves */
	GQueue pending;   /* GUINT_TO_POINTER(code | ms << 8) */
	gboolean active;  /* an event is being sent */
	int code;
	guint32 ts0;
	GstClockTime elapsed, length, gap_left;
	int ends;
};

struct send_hook {
	struct ars_dtmf *d;
	guint gen;
};

static const char digits[] = "0123456789*#ABCD";

int ars_dtmf_event_code(char c)
{
	const char *p = c ? strchr(digits, g_ascii_toupper(c)) : NULL;
	return p ? (int)(p - digits) : -1;
}

char ars_dtmf_digit(int code)
{
	return code >= 0 && code < 16 ? digits[code] : 0;
}

struct ars_dtmf *ars_dtmf_new(const char *log_id)
{
	struct ars_dtmf *d = g_new0(struct ars_dtmf, 1);
	g_atomic_ref_count_init(&d->ref);
	d->log_id = g_strdup(log_id ? log_id : "-");
	g_mutex_init(&d->lock);
	d->pt = -1;
	return d;
}

static struct ars_dtmf *dtmf_ref(struct ars_dtmf *d)
{
	g_atomic_ref_count_inc(&d->ref);
	return d;
}

void ars_dtmf_unref(struct ars_dtmf *d)
{
	if (!d || !g_atomic_ref_count_dec(&d->ref))
		return;
	g_queue_clear(&d->pending);
	g_mutex_clear(&d->lock);
	g_free(d->log_id);
	g_free(d);
}

void ars_dtmf_set_remote(struct ars_dtmf *d, const struct ars_sdp *sdp, int section)
{
	int pt = ars_sdp_find_payload(sdp, section, "telephone-event", EVENT_RATE);
	g_mutex_lock(&d->lock);
	if (pt != d->pt)
		g_info("[%s] telephone-event: %s", d->log_id,
		       pt >= 0 ? "accepted by the far end" : "not accepted by the far end");
	d->pt = pt;
	if (pt < 0)
		g_queue_clear(&d->pending);
	g_mutex_unlock(&d->lock);
}

int ars_dtmf_queue(struct ars_dtmf *d, const char *keys, size_t n, unsigned ms, char **err)
{
	int rc = 0;
	g_mutex_lock(&d->lock);
	if (d->pt < 0) {
		*err = g_strdup("the far end did not accept telephone-event (RFC 4733 DTMF) for this call");
		rc = -ENOTSUP;
	} else if (g_queue_get_length(&d->pending) + n > MAX_PENDING) {
		*err = g_strdup_printf("too many digits waiting to be sent (at most %d)", MAX_PENDING);
		rc = -ENOSPC;
	} else {
		for (size_t i = 0; i < n; i++)
			g_queue_push_tail(&d->pending, GUINT_TO_POINTER((guint)ars_dtmf_event_code(keys[i]) | ms << 8));
		/* the digits themselves may be a PIN: not logged */
		g_info("[%s] DTMF: %zu digits queued (%u ms each, payload %d)", d->log_id, n, ms, d->pt);
	}
	g_mutex_unlock(&d->lock);
	return rc;
}

/* ---- sending (streaming thread) ------------------------------------------------------- */

/* An event packet in place of `audio`: its SSRC, sequence number and
 * buffer timestamps; NULL when `audio` is not RTP. */
static GstBuffer *event_packet(GstBuffer *audio, const struct ars_dtmf *d, gboolean marker, gboolean end)
{
	GstRTPBuffer in = GST_RTP_BUFFER_INIT, out = GST_RTP_BUFFER_INIT;
	if (!gst_rtp_buffer_map(audio, GST_MAP_READ, &in))
		return NULL;
	GstBuffer *pkt = gst_rtp_buffer_new_allocate(4, 0, 0);
	gst_rtp_buffer_map(pkt, GST_MAP_WRITE, &out);
	gst_rtp_buffer_set_ssrc(&out, gst_rtp_buffer_get_ssrc(&in));
	gst_rtp_buffer_set_seq(&out, gst_rtp_buffer_get_seq(&in));
	gst_rtp_buffer_set_timestamp(&out, d->ts0);
	gst_rtp_buffer_set_payload_type(&out, (guint8)d->pt);
	gst_rtp_buffer_set_marker(&out, marker);
	guint64 units = gst_util_uint64_scale(d->elapsed, EVENT_RATE, GST_SECOND);
	guint16 dur = (guint16)MIN(units, 0xffff);
	guint8 *p = gst_rtp_buffer_get_payload(&out);
	p[0] = (guint8)d->code;
	p[1] = (guint8)((end ? 0x80 : 0) | VOLUME);
	p[2] = (guint8)(dur >> 8);
	p[3] = (guint8)(dur & 0xff);
	gst_rtp_buffer_unmap(&out);
	gst_rtp_buffer_unmap(&in);
	gst_buffer_copy_into(pkt, audio, GST_BUFFER_COPY_FLAGS | GST_BUFFER_COPY_TIMESTAMPS, 0, -1);
	return pkt;
}

/* What goes out instead of `audio`, or NULL to let it pass. Under lock. */
static GstBuffer *next_packet(struct ars_dtmf *d, GstBuffer *audio)
{
	GstClockTime dur = GST_BUFFER_DURATION_IS_VALID(audio) ? GST_BUFFER_DURATION(audio) : 20 * GST_MSECOND;
	gboolean marker = FALSE;
	if (!d->active) {
		if (d->gap_left > 0) {
			d->gap_left = d->gap_left > dur ? d->gap_left - dur : 0;
			return NULL;
		}
		if (d->pt < 0 || g_queue_is_empty(&d->pending))
			return NULL;
		GstRTPBuffer in = GST_RTP_BUFFER_INIT;
		if (!gst_rtp_buffer_map(audio, GST_MAP_READ, &in))
			return NULL;
		d->ts0 = gst_rtp_buffer_get_timestamp(&in);
		gst_rtp_buffer_unmap(&in);
		guint v = GPOINTER_TO_UINT(g_queue_pop_head(&d->pending));
		d->code = (int)(v & 0xff);
		d->length = (GstClockTime)(v >> 8) * GST_MSECOND;
		d->elapsed = 0;
		d->ends = 0;
		d->active = TRUE;
		marker = TRUE;
	}
	if (d->ends == 0)
		d->elapsed += dur;
	gboolean end = d->elapsed >= d->length;
	GstBuffer *pkt = event_packet(audio, d, marker, end);
	if (end && ++d->ends == END_PACKETS) {
		d->active = FALSE;
		d->gap_left = GAP_MS * GST_MSECOND;
		g_debug("[%s] sent DTMF %c (%" G_GUINT64_FORMAT " ms)", d->log_id, ars_dtmf_digit(d->code),
		        d->elapsed / GST_MSECOND);
	}
	return pkt;
}

static GstPadProbeReturn on_send(GstPad *pad, GstPadProbeInfo *info, gpointer user)
{
	struct send_hook *h = user;
	struct ars_dtmf *d = h->d;
	GstBuffer *audio = GST_PAD_PROBE_INFO_BUFFER(info);
	g_mutex_lock(&d->lock);
	if (h->gen != d->gen) {
		g_mutex_unlock(&d->lock);
		return GST_PAD_PROBE_REMOVE;
	}
	GstBuffer *pkt = audio ? next_packet(d, audio) : NULL;
	g_mutex_unlock(&d->lock);
	if (pkt) {
		gst_buffer_unref(audio);
		GST_PAD_PROBE_INFO_DATA(info) = pkt;
	}
	return GST_PAD_PROBE_OK;
}

static void send_hook_free(gpointer p)
{
	struct send_hook *h = p;
	ars_dtmf_unref(h->d);
	g_free(h);
}

void ars_dtmf_attach(struct ars_dtmf *d, GstElement *send)
{
	g_autoptr(GstPad) pad = gst_element_get_static_pad(send, "src");
	if (!pad)
		return;
	struct send_hook *h = g_new0(struct send_hook, 1);
	h->d = dtmf_ref(d);
	g_mutex_lock(&d->lock);
	h->gen = ++d->gen;
	g_queue_clear(&d->pending);
	d->active = FALSE;
	d->gap_left = 0;
	g_mutex_unlock(&d->lock);
	gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, on_send, h, send_hook_free);
}

/* ---- receiving (streaming thread) ------------------------------------------------------ */

gboolean ars_dtmf_caps_are_events(const GstCaps *caps)
{
	if (!caps || gst_caps_is_empty(caps))
		return FALSE;
	const char *enc = gst_structure_get_string(gst_caps_get_structure(caps, 0), "encoding-name");
	return enc && g_ascii_strcasecmp(enc, "TELEPHONE-EVENT") == 0;
}

char ars_dtmf_read_event(const guint8 *payload, gsize len, guint32 ts, guint32 *last_ts,
                         gboolean *have_last)
{
	if (len < 4)
		return 0;
	char digit = ars_dtmf_digit(payload[0]);
	if (!digit || (*have_last && ts == *last_ts))
		return 0;
	*last_ts = ts;
	*have_last = TRUE;
	return digit;
}

struct recv_hook {
	struct shared *sh;
	guint32 last_ts;
	gboolean have_last;
};

static GstPadProbeReturn on_receive(GstPad *pad, GstPadProbeInfo *info, gpointer user)
{
	struct recv_hook *h = user;
	GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER(info);
	GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
	if (!buf || !gst_rtp_buffer_map(buf, GST_MAP_READ, &rtp))
		return GST_PAD_PROBE_OK;
	char digit = ars_dtmf_read_event(gst_rtp_buffer_get_payload(&rtp), gst_rtp_buffer_get_payload_len(&rtp),
	                                 gst_rtp_buffer_get_timestamp(&rtp), &h->last_ts, &h->have_last);
	gst_rtp_buffer_unmap(&rtp);
	if (digit)
		ars_media_post(h->sh, POST_DTMF, digit, NULL, NULL);
	return GST_PAD_PROBE_OK;
}

static void recv_hook_free(gpointer p)
{
	struct recv_hook *h = p;
	ars_media_shared_unref(h->sh);
	g_free(h);
}

void ars_dtmf_probe_receive(struct shared *sh, GstPad *pad)
{
	struct recv_hook *h = g_new0(struct recv_hook, 1);
	h->sh = ars_media_shared_ref(sh);
	gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, on_receive, h, recv_hook_free);
}

/* ---- the API (main context) ------------------------------------------------------------- */

int ars_media_session_dtmf(struct ars_media_session *s, const char *keys, unsigned duration_ms, char **err)
{
	if (duration_ms == 0)
		duration_ms = DEFAULT_MS;
	size_t n = keys ? strlen(keys) : 0;
	if (n == 0 || duration_ms < MIN_MS || duration_ms > MAX_MS) {
		*err = n == 0 ? g_strdup("no digits to send")
		              : g_strdup_printf("a digit lasts %d to %d ms, not %u", MIN_MS, MAX_MS, duration_ms);
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		if (ars_dtmf_event_code(keys[i]) < 0) {
			*err = g_strdup_printf("'%c' is not a DTMF digit (0-9 * # A-D)", keys[i]);
			return -EINVAL;
		}
	}
	if (s->failed || !s->send) {
		*err = g_strdup(s->failed ? "the call's media has failed" : "the call is not sending audio yet");
		return -EAGAIN;
	}
	return ars_dtmf_queue(s->dtmf, keys, n, duration_ms, err);
}
