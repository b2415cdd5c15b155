/* DTMF without a network (media/dtmf.c): digit <-> RFC 4733 event codes,
 * reading received events once each, and the send probe on a real PCMU
 * branch (audiotestsrc ! mulawenc ! rtppcmupay, as fast as it can run):
 * the exact packets it turns into events — marker, one timestamp per event,
 * growing durations, three end packets, the 70 ms audio gap — with the
 * audio's SSRC and unbroken sequence numbers. */
#include "media/dtmf.h"

#include <errno.h>
#include <gst/rtp/rtp.h>
#include <string.h>

/* Under ASan: full malloc stacks, so that tests/lsan.supp can name the
 * loader frame of GLib's deliberately kept quark block (as in
 * test_media_loop.c; GStreamer registers enough quarks to trigger it). */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "fast_unwind_on_malloc=0";
}

static void test_codes(void)
{
	const char *all = "0123456789*#ABCD";
	for (int i = 0; i < 16; i++) {
		g_assert_cmpint(ars_dtmf_event_code(all[i]), ==, i);
		g_assert_cmpint(ars_dtmf_digit(i), ==, all[i]);
	}
	g_assert_cmpint(ars_dtmf_event_code('a'), ==, 12);
	g_assert_cmpint(ars_dtmf_event_code('d'), ==, 15);
	g_assert_cmpint(ars_dtmf_event_code('E'), ==, -1);
	g_assert_cmpint(ars_dtmf_event_code('+'), ==, -1);
	g_assert_cmpint(ars_dtmf_event_code('\0'), ==, -1);
	g_assert_cmpint(ars_dtmf_digit(16), ==, 0); /* flash and tones: not digits */
	g_assert_cmpint(ars_dtmf_digit(-1), ==, 0);
}

static void test_read(void)
{
	guint32 last = 0;
	gboolean have = FALSE;
	const guint8 five[] = { 5, 10, 0, 160 }, five_end[] = { 5, 0x80 | 10, 3, 32 };
	const guint8 hash[] = { 11, 10, 0, 160 }, flash[] = { 16, 10, 0, 160 };
	g_assert_cmpint(ars_dtmf_read_event(five, 4, 1000, &last, &have), ==, '5');
	g_assert_cmpint(ars_dtmf_read_event(five, 4, 1000, &last, &have), ==, 0); /* same event */
	g_assert_cmpint(ars_dtmf_read_event(five_end, 4, 1000, &last, &have), ==, 0);
	g_assert_cmpint(ars_dtmf_read_event(five, 4, 5000, &last, &have), ==, '5'); /* pressed again */
	g_assert_cmpint(ars_dtmf_read_event(hash, 3, 9000, &last, &have), ==, 0);    /* too short */
	g_assert_cmpint(ars_dtmf_read_event(flash, 4, 9000, &last, &have), ==, 0);
	g_assert_cmpint(ars_dtmf_read_event(hash, 4, 9000, &last, &have), ==, '#');
	/* the very first event may have timestamp 0 */
	have = FALSE;
	g_assert_cmpint(ars_dtmf_read_event(hash, 4, 0, &last, &have), ==, '#');
}

struct pkt {
	guint8 pt;
	gboolean marker;
	guint16 seq;
	guint32 ts, ssrc;
	guint8 payload[4];
};

static GstPadProbeReturn collect(GstPad *pad, GstPadProbeInfo *info, gpointer user)
{
	GArray *out = user;
	GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
	g_assert_true(gst_rtp_buffer_map(GST_PAD_PROBE_INFO_BUFFER(info), GST_MAP_READ, &rtp));
	struct pkt p = { .pt = gst_rtp_buffer_get_payload_type(&rtp),
		         .marker = gst_rtp_buffer_get_marker(&rtp),
		         .seq = gst_rtp_buffer_get_seq(&rtp),
		         .ts = gst_rtp_buffer_get_timestamp(&rtp),
		         .ssrc = gst_rtp_buffer_get_ssrc(&rtp) };
	if (p.pt == 101) {
		g_assert_cmpuint(gst_rtp_buffer_get_payload_len(&rtp), ==, 4);
		memcpy(p.payload, gst_rtp_buffer_get_payload(&rtp), 4);
	}
	gst_rtp_buffer_unmap(&rtp);
	g_array_append_val(out, p);
	return GST_PAD_PROBE_OK;
}

/* 1 s of PCMU in 20 ms packets; digits queued before it starts. */
static GArray *run_branch(struct ars_dtmf *d, const char *keys, unsigned ms)
{
	GstElement *pipe = gst_pipeline_new(NULL);
	GstElement *bin = gst_bin_new("send");
	GstElement *src = gst_element_factory_make("audiotestsrc", NULL);
	GstElement *caps = gst_element_factory_make("capsfilter", NULL);
	GstElement *enc = gst_element_factory_make("mulawenc", NULL);
	GstElement *pay = gst_element_factory_make("rtppcmupay", NULL);
	GstElement *sink = gst_element_factory_make("fakesink", NULL);
	g_assert_true(src && caps && enc && pay && sink);
	g_object_set(src, "num-buffers", 50, "samplesperbuffer", 160, NULL);
	g_autoptr(GstCaps) raw = gst_caps_from_string("audio/x-raw,rate=8000,channels=1");
	g_object_set(caps, "caps", raw, NULL);
	g_object_set(pay, "pt", 0u, "min-ptime", (gint64)20 * GST_MSECOND, "max-ptime", (gint64)20 * GST_MSECOND,
	             NULL);
	g_object_set(sink, "sync", FALSE, NULL);
	gst_bin_add_many(GST_BIN(bin), src, caps, enc, pay, NULL);
	g_assert_true(gst_element_link_many(src, caps, enc, pay, NULL));
	g_autoptr(GstPad) out = gst_element_get_static_pad(pay, "src");
	gst_element_add_pad(bin, gst_ghost_pad_new("src", out));
	gst_bin_add_many(GST_BIN(pipe), bin, sink, NULL);
	g_assert_true(gst_element_link(bin, sink));
	ars_dtmf_attach(d, bin);
	g_autofree char *err = NULL;
	g_assert_cmpint(ars_dtmf_queue(d, keys, strlen(keys), ms, &err), ==, 0);
	GArray *pkts = g_array_new(FALSE, TRUE, sizeof(struct pkt));
	g_autoptr(GstPad) in = gst_element_get_static_pad(sink, "sink");
	gst_pad_add_probe(in, GST_PAD_PROBE_TYPE_BUFFER, collect, pkts, NULL);
	gst_element_set_state(pipe, GST_STATE_PLAYING);
	g_autoptr(GstBus) bus = gst_element_get_bus(pipe);
	GstMessage *m = gst_bus_timed_pop_filtered(bus, 10 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
	g_assert_nonnull(m);
	g_assert_cmpint(GST_MESSAGE_TYPE(m), ==, GST_MESSAGE_EOS);
	gst_message_unref(m);
	gst_element_set_state(pipe, GST_STATE_NULL);
	gst_object_unref(pipe);
	return pkts;
}

static void test_send(void)
{
	g_autoptr(ars_sdp) sdp = NULL;
	g_autofree char *err = NULL;
	const char *answer = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
	                     "m=audio 5000 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\n";
	g_assert_cmpint(ars_sdp_parse(&sdp, answer, strlen(answer), &err), ==, 0);
	struct ars_dtmf *d = ars_dtmf_new("unit");
	ars_dtmf_set_remote(d, sdp, 0);
	GArray *pkts = run_branch(d, "5#", 100);
	g_assert_cmpuint(pkts->len, ==, 50);
	const struct pkt *p = (const struct pkt *)pkts->data;
	/* one packet per 20 ms: event 5 for 100 ms (5 packets, the 5th with E),
	 * two more E packets, 70 ms of audio (4 packets), then # the same way */
	const int code[] = { 5, 5, 5, 5, 5, 5, 5, -1, -1, -1, -1, 11, 11, 11, 11, 11, 11, 11 };
	const int dur[] = { 160, 320, 480, 640, 800, 800, 800 };
	for (guint i = 0; i < pkts->len; i++) {
		g_assert_cmpuint(p[i].ssrc, ==, p[0].ssrc);
		if (i > 0)
			g_assert_cmpuint(p[i].seq, ==, (guint16)(p[i - 1].seq + 1));
		int want = i < G_N_ELEMENTS(code) ? code[i] : -1;
		if (want < 0) {
			g_assert_cmpuint(p[i].pt, ==, 0);
			continue;
		}
		int k = i < 7 ? (int)i : (int)i - 11; /* index within its event */
		int first = i < 7 ? 0 : 11;
		g_assert_cmpuint(p[i].pt, ==, 101);
		g_assert_cmpint(p[i].payload[0], ==, want);
		g_assert_cmpint(p[i].marker, ==, k == 0);
		g_assert_cmpuint(p[i].ts, ==, p[first].ts);
		g_assert_cmpint(!!(p[i].payload[1] & 0x80), ==, k >= 4); /* E bit */
		g_assert_cmpint(p[i].payload[1] & 0x3f, ==, 10);
		g_assert_cmpint(p[i].payload[2] << 8 | p[i].payload[3], ==, dur[k]);
	}
	/* the event's timestamp is the audio's at its start: 160 per packet */
	g_assert_cmpuint(p[11].ts, ==, p[7].ts + 4 * 160);
	g_array_unref(pkts);

	/* a description without telephone-event: nothing is queued or sent */
	g_autoptr(ars_sdp) plain = NULL;
	const char *none = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 5000 RTP/AVP 0\r\n";
	g_assert_cmpint(ars_sdp_parse(&plain, none, strlen(none), &err), ==, 0);
	ars_dtmf_set_remote(d, plain, 0);
	g_assert_cmpint(ars_dtmf_queue(d, "1", 1, 100, &err), ==, -ENOTSUP);
	g_assert_nonnull(strstr(err, "telephone-event"));
	g_clear_pointer(&err, g_free);
	ars_dtmf_set_remote(d, sdp, 0);
	char many[66];
	memset(many, '1', 65);
	many[65] = '\0';
	g_assert_cmpint(ars_dtmf_queue(d, many, 65, 100, &err), ==, -ENOSPC);
	g_clear_pointer(&err, g_free);
	ars_dtmf_unref(d);
}

int main(int argc, char **argv)
{
	gst_init(&argc, &argv);
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/media/dtmf/codes", test_codes);
	g_test_add_func("/media/dtmf/read", test_read);
	g_test_add_func("/media/dtmf/send", test_send);
	int rc = g_test_run();
	gst_deinit();
	return rc;
}
