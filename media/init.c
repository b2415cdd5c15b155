/* Process-wide start of the media layer: gst_init, a check that every
 * element a call needs exists (naming the Debian package when one is
 * missing), and the warm-up that makes webrtcbin generate its DTLS
 * certificate before the first call (PLATFORM-NOTES: the first offer in a
 * process takes 110-590 ms because of it, later ones ~2 ms).
 *
 * DESIGN: the warm-up runs in a GTask worker thread (create-offer is waited
 * for with gst_promise_wait), so the main loop never blocks on RSA key
 * generation; the certificate is kept by GStreamer's DTLS elements for the
 * life of the process and reused by every later webrtcbin. */
#define G_LOG_DOMAIN "media"
#include "codec.h"
#include "session.h"

#ifndef GST_USE_UNSTABLE_API
#define GST_USE_UNSTABLE_API
#endif
#include <errno.h>
#include <gio/gio.h>
#include <gst/webrtc/webrtc.h>

static const struct {
	const char *element, *package;
} needed[] = {
	{ "webrtcbin", "gstreamer1.0-plugins-bad" },
	{ "dtlssrtpenc", "gstreamer1.0-plugins-bad" },
	{ "srtpenc", "gstreamer1.0-plugins-bad" },
	{ "nicesrc", "gstreamer1.0-nice" },
	{ "nicesink", "gstreamer1.0-nice" },
	{ "rtpbin", "gstreamer1.0-plugins-good" },
	{ "rtpopuspay", "gstreamer1.0-plugins-good" },
	{ "rtpopusdepay", "gstreamer1.0-plugins-good" },
	{ "rtppcmupay", "gstreamer1.0-plugins-good" },
	{ "rtppcmudepay", "gstreamer1.0-plugins-good" },
	{ "rtppcmapay", "gstreamer1.0-plugins-good" },
	{ "rtppcmadepay", "gstreamer1.0-plugins-good" },
	{ "mulawenc", "gstreamer1.0-plugins-good" },
	{ "mulawdec", "gstreamer1.0-plugins-good" },
	{ "alawenc", "gstreamer1.0-plugins-good" },
	{ "alawdec", "gstreamer1.0-plugins-good" },
	{ "autoaudiosrc", "gstreamer1.0-plugins-good" },
	{ "autoaudiosink", "gstreamer1.0-plugins-good" },
	{ "opusenc", "gstreamer1.0-plugins-base" },
	{ "opusdec", "gstreamer1.0-plugins-base" },
	{ "audiotestsrc", "gstreamer1.0-plugins-base" },
	{ "audioconvert", "gstreamer1.0-plugins-base" },
	{ "audioresample", "gstreamer1.0-plugins-base" },
	{ "volume", "gstreamer1.0-plugins-base" },
	{ "appsrc", "gstreamer1.0-plugins-base" },
	{ "funnel", "libgstreamer1.0-0" },
	{ "clocksync", "libgstreamer1.0-0" },
	{ "fakesink", "libgstreamer1.0-0" },
	{ "capsfilter", "libgstreamer1.0-0" },
};

static char *missing_elements(void)
{
	GString *msg = NULL;
	for (size_t i = 0; i < G_N_ELEMENTS(needed); i++) {
		GstElementFactory *f = gst_element_factory_find(needed[i].element);
		if (f) {
			gst_object_unref(f);
			continue;
		}
		if (!msg)
			msg = g_string_new("missing GStreamer elements (install the Debian package named):");
		g_string_append_printf(msg, " %s (%s)", needed[i].element, needed[i].package);
	}
	return msg ? g_string_free(msg, FALSE) : NULL;
}

int ars_media_init(char **err)
{
	static gsize done;
	static char *failure; /* the first check's verdict, kept for the process */
	if (g_once_init_enter(&done)) {
		GError *gerr = NULL;
		if (!gst_init_check(NULL, NULL, &gerr)) {
			failure = g_strdup_printf("GStreamer did not start: %s", gerr->message);
			g_error_free(gerr);
		} else {
			failure = missing_elements();
		}
		g_once_init_leave(&done, 1);
	}
	if (failure) {
		*err = g_strdup(failure);
		return -ENOENT;
	}
	return 0;
}

/* ---- warm-up ------------------------------------------------------------------ */

struct warmup {
	ars_media_warmup_h *done;
	void *arg;
	double ms;
	char *err;
};

static void warmup_free(gpointer p)
{
	struct warmup *w = p;
	g_free(w->err);
	g_free(w);
}

/* Worker thread: every element a call uses is made once (its plugin gets
 * loaded), then a throwaway webrtcbin makes one offer. */
static void warmup_thread(GTask *task, gpointer source, gpointer data, GCancellable *c)
{
	struct warmup *w = data;
	gint64 t0 = g_get_monotonic_time();
	for (size_t i = 0; i < G_N_ELEMENTS(needed); i++) {
		GstElement *e = gst_element_factory_make(needed[i].element, NULL);
		if (e)
			gst_object_unref(gst_object_ref_sink(e));
	}
	GstElement *pipe = gst_pipeline_new("ars-warmup");
	GstElement *wb = gst_element_factory_make("webrtcbin", NULL);
	gst_bin_add(GST_BIN(pipe), wb);
	g_object_set(wb, "bundle-policy", GST_WEBRTC_BUNDLE_POLICY_MAX_BUNDLE, NULL);
	if (gst_element_set_state(pipe, GST_STATE_READY) == GST_STATE_CHANGE_FAILURE) {
		w->err = g_strdup("webrtcbin does not start");
	} else {
		const struct ars_codec *list[ARS_CODEC_MAX];
		char *unused = NULL;
		int n = ars_codec_list_parse(NULL, list, &unused);
		GstCaps *caps = ars_codec_offer_caps(list, n);
		GstWebRTCRTPTransceiver *tr = NULL;
		g_signal_emit_by_name(wb, "add-transceiver", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDRECV,
		                      caps, &tr);
		gst_caps_unref(caps);
		if (tr)
			gst_object_unref(tr);
		GstPromise *p = gst_promise_new();
		g_signal_emit_by_name(wb, "create-offer", NULL, p);
		GstPromiseResult r = gst_promise_wait(p);
		const GstStructure *reply = r == GST_PROMISE_RESULT_REPLIED ? gst_promise_get_reply(p) : NULL;
		if (!reply || !gst_structure_has_field(reply, "offer"))
			w->err = g_strdup("webrtcbin made no offer");
		gst_promise_unref(p);
	}
	w->ms = (double)(g_get_monotonic_time() - t0) / 1000.0;
	gst_element_set_state(pipe, GST_STATE_NULL);
	gst_object_unref(pipe);
	g_task_return_boolean(task, TRUE);
}

/* Main context: report. */
static void warmup_done(GObject *source, GAsyncResult *res, gpointer user)
{
	struct warmup *w = g_task_get_task_data(G_TASK(res));
	if (w->err)
		g_warning("media warm-up failed: %s", w->err);
	else
		g_info("media warm-up: first offer (DTLS certificate) took %.1f ms", w->ms);
	if (w->done)
		w->done(w->err ? -1 : w->ms, w->err, w->arg);
}

int ars_media_warmup(ars_media_warmup_h *done, void *arg, char **err)
{
	int rc = ars_media_init(err);
	if (rc != 0)
		return rc;
	struct warmup *w = g_new0(struct warmup, 1);
	w->done = done;
	w->arg = arg;
	GTask *task = g_task_new(NULL, NULL, warmup_done, NULL);
	g_task_set_task_data(task, w, warmup_free);
	g_task_run_in_thread(task, warmup_thread);
	g_object_unref(task);
	return 0;
}
