/* Two media sessions in one process call each other over real ICE,
 * DTLS-SRTP and RTP: A offers, B answers, A applies the answer; A sends
 * tone:440 and B tone:880, and each side's decoded audio must hold the
 * other's tone and not its own. For Opus, PCMU-only and PCMA-only; plus
 * answers to captured offers (Asterisk, FreeSWITCH, SIP.js, JsSIP,
 * rtpengine), stable DTLS roles across re-offers, re-offers from the far
 * end (codec change, hold, resume, refresh), our own hold (and a refused
 * resume), an ICE failure, and DTMF (RFC 4733 events sent by one side
 * arrive as the same digits at the other, refused when the far end did not
 * accept telephone-event).
 *
 * Runs only inside the network namespace made by in-netns.sh (meson runs
 * it that way): every candidate in every SDP must be one of the
 * namespace's addresses. Prints timings and PSS as TAP comments. */
#include "media/sdp.h"
#include "media/session.h"
#include "media/tones.h"

#include <arpa/inet.h>
#include <glib/gstdio.h>
#include <math.h>
#include <gst/gst.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/stat.h>

#define CAPTURE_RATE 48000

/* Under ASan: unwind malloc stacks fully, so that tests/lsan.supp can name
 * the loader frame of GLib's deliberately kept quark block (GLib is
 * stripped; the fast unwinder stops at g_malloc). ASAN_OPTIONS still
 * overrides this. Unused without ASan. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "fast_unwind_on_malloc=0";
}

struct side {
	const char *name;
	struct ars_media_session *s;
	char *sdp; /* last LOCAL_SDP */
	int sdps;  /* how many */
	bool connected, failed;
	char *reason;
	GString *dtmf; /* digits received (DTMF events) */
	char codec[16];
	int payload;
	/* the tap (GStreamer thread) */
	GMutex lock;
	int16_t *buf;
	size_t want, have;
	size_t seen; /* samples received in all */
};

static void on_event(struct ars_media_session *s, const struct ars_media_event *ev, void *arg)
{
	struct side *x = arg;
	switch (ev->type) {
	case ARS_MEDIA_EVENT_LOCAL_SDP:
		g_free(x->sdp);
		x->sdp = g_strdup(ev->sdp);
		x->sdps++;
		break;
	case ARS_MEDIA_EVENT_CODEC:
		g_strlcpy(x->codec, ev->codec, sizeof x->codec);
		x->payload = ev->payload;
		break;
	case ARS_MEDIA_EVENT_CONNECTED:
		x->connected = true;
		break;
	case ARS_MEDIA_EVENT_FAILED:
		x->failed = true;
		g_free(x->reason);
		x->reason = g_strdup(ev->reason);
		break;
	case ARS_MEDIA_EVENT_DTMF:
		g_string_append_c(x->dtmf, ev->digit);
		break;
	}
}

static void on_tap(const int16_t *samples, size_t n, unsigned rate, void *arg)
{
	struct side *x = arg;
	g_assert_cmpuint(rate, ==, CAPTURE_RATE);
	g_mutex_lock(&x->lock);
	x->seen += n;
	size_t take = MIN(n, x->want - x->have);
	if (x->buf && take) {
		memcpy(x->buf + x->have, samples, take * 2);
		x->have += take;
	}
	g_mutex_unlock(&x->lock);
}

static gboolean wake(gpointer p)
{
	*(bool *)p = true;
	return G_SOURCE_REMOVE;
}

/* Iterates the main loop until *flag or timeout; returns *flag. */
static bool wait_for(bool *flag, unsigned ms)
{
	bool timeout = false;
	guint id = g_timeout_add(ms, wake, &timeout);
	while (!*flag && !timeout)
		g_main_context_iteration(NULL, TRUE);
	if (!timeout)
		g_source_remove(id);
	return *flag;
}

static void spin(unsigned ms)
{
	bool done = false;
	wait_for(&done, ms);
}

static bool wait_sdp(struct side *x, int count, unsigned ms)
{
	gint64 end = g_get_monotonic_time() + ms * 1000;
	while (x->sdps < count && !x->failed && g_get_monotonic_time() < end)
		spin(5);
	return x->sdps >= count;
}

static void side_init(struct side *x, const char *name)
{
	memset(x, 0, sizeof *x);
	x->name = name;
	x->dtmf = g_string_new(NULL);
	g_mutex_init(&x->lock);
}

static void side_new(struct side *x, const char *name, const char *in, const char *codecs)
{
	side_init(x, name);
	struct ars_media_config cfg = {
		.audio_in = in,
		.audio_out = "null",
		.codecs = codecs,
		.log_id = name,
		.tap = on_tap,
		.tap_arg = x,
	};
	g_autofree char *err = NULL;
	int rc = ars_media_session_new(&x->s, &cfg, on_event, x, &err);
	if (rc != 0)
		g_error("session %s: %s", name, err);
}

static void side_clear(struct side *x)
{
	ars_media_session_free(x->s);
	x->s = NULL;
	g_free(x->sdp);
	g_free(x->reason);
	g_free(x->buf);
	g_string_free(x->dtmf, TRUE);
	g_mutex_clear(&x->lock);
}

static void capture_start(struct side *x, size_t n)
{
	g_mutex_lock(&x->lock);
	g_free(x->buf);
	x->buf = g_new0(int16_t, n);
	x->want = n;
	x->have = 0;
	g_mutex_unlock(&x->lock);
}

static bool capture_done(struct side *x)
{
	g_mutex_lock(&x->lock);
	bool done = x->have == x->want;
	g_mutex_unlock(&x->lock);
	return done;
}

/* Starts capturing n samples on each of a and b (b may be NULL); returns
 * when they are in (or times out). */
static bool capture(struct side *a, struct side *b, size_t n, unsigned ms)
{
	capture_start(a, n);
	if (b)
		capture_start(b, n);
	gint64 end = g_get_monotonic_time() + ms * 1000;
	for (;;) {
		if (capture_done(a) && (!b || capture_done(b)))
			return true;
		if (g_get_monotonic_time() > end)
			return false;
		spin(10);
	}
}

/* ---- the namespace ------------------------------------------------------- */

static char **ns_addrs; /* every address of every interface here */

static bool in_own_netns(void)
{
	struct stat self, init;
	if (!g_getenv("ARS_NETNS") || !g_getenv("ARS_NETNS_ADDRS"))
		return false;
	if (stat("/proc/self/ns/net", &self) != 0)
		return false;
	/* PID 1's namespace is the host's unless we are in a container that
	 * already is one; either way ours must differ from it */
	if (stat("/proc/1/ns/net", &init) == 0 && self.st_ino == init.st_ino)
		return false;
	return true;
}

static void load_ns_addrs(void)
{
	struct ifaddrs *ifa = NULL;
	g_assert_cmpint(getifaddrs(&ifa), ==, 0);
	GPtrArray *a = g_ptr_array_new();
	for (struct ifaddrs *i = ifa; i; i = i->ifa_next) {
		char buf[INET6_ADDRSTRLEN];
		if (!i->ifa_addr)
			continue;
		if (i->ifa_addr->sa_family == AF_INET)
			inet_ntop(AF_INET, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, buf, sizeof buf);
		else if (i->ifa_addr->sa_family == AF_INET6)
			inet_ntop(AF_INET6, &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, buf,
			          sizeof buf);
		else
			continue;
		g_ptr_array_add(a, g_strdup(buf));
	}
	freeifaddrs(ifa);
	g_ptr_array_add(a, NULL);
	ns_addrs = (char **)g_ptr_array_free(a, FALSE);
}

/* Every candidate is a namespace address, IPv4 ones the veth's two; c= is
 * one of them too. */
static void check_sdp_addresses(const char *text)
{
	g_autoptr(ars_sdp) sdp = NULL;
	g_autofree char *err = NULL;
	g_assert_cmpint(ars_sdp_parse(&sdp, text, strlen(text), &err), ==, 0);
	g_auto(GStrv) cands = ars_sdp_candidate_addresses(sdp);
	g_auto(GStrv) v4 = g_strsplit(g_getenv("ARS_NETNS_ADDRS"), " ", -1);
	g_assert_cmpuint(g_strv_length(cands), >, 0);
	for (int i = 0; cands[i]; i++) {
		char *pct = strchr(cands[i], '%');
		if (pct)
			*pct = '\0';
		if (!g_strv_contains((const char *const *)ns_addrs, cands[i]))
			g_error("candidate %s is not an address of the test's namespace", cands[i]);
		if (strchr(cands[i], '.') && !g_strv_contains((const char *const *)v4, cands[i]))
			g_error("IPv4 candidate %s is not one of %s", cands[i], g_getenv("ARS_NETNS_ADDRS"));
	}
	g_assert_null(strstr(text, "c=IN IP4 0.0.0.0"));
	bool c_ok = false;
	for (int i = 0; v4[i]; i++) {
		g_autofree char *c = g_strdup_printf("c=IN IP4 %s\r\n", v4[i]);
		c_ok |= strstr(text, c) != NULL;
	}
	g_assert_true(c_ok);
	g_assert_true(g_str_has_prefix(strstr(text, "o="), "o=- "));
}

static long pss_kb(void)
{
	g_autofree char *t = NULL;
	if (!g_file_get_contents("/proc/self/smaps_rollup", &t, NULL, NULL))
		return -1;
	const char *p = strstr(t, "\nPss:");
	return p ? strtol(p + 5, NULL, 10) : -1;
}

/* ---- calls ---------------------------------------------------------------- */

static void tones_ok(struct side *x, double hear, double not_hear)
{
	double r_other = ars_media_detect_tone(x->buf, x->have, CAPTURE_RATE, hear);
	double r_own = ars_media_detect_tone(x->buf, x->have, CAPTURE_RATE, not_hear);
	double db = ars_media_level_dbfs(x->buf, x->have);
	g_test_message("%s hears %.0f Hz: ratio %.3f (own %.0f Hz: %.4f), level %.1f dBFS", x->name, hear,
	               r_other, not_hear, r_own, db);
	g_assert_cmpfloat(r_other, >, 0.5);
	g_assert_cmpfloat(r_own, <, 0.02);
	g_assert_cmpfloat(db, >, -30);
}

/* A offers, B answers; both connected. */
static void connect_pair(struct side *a, struct side *b)
{
	gint64 t0 = g_get_monotonic_time();
	g_assert_cmpint(ars_media_session_offer(a->s), ==, 0);
	g_assert_true(wait_sdp(a, a->sdps + 1, 3000));
	g_assert_false(a->failed);
	check_sdp_addresses(a->sdp);
	g_assert_nonnull(strstr(a->sdp, "a=setup:"));
	g_autofree char *err = NULL;
	int before = b->sdps;
	g_assert_cmpint(ars_media_session_set_remote(b->s, a->sdp, true, &err), ==, 0);
	g_assert_cmpint(ars_media_session_answer(b->s), ==, 0);
	g_assert_true(wait_sdp(b, before + 1, 3000));
	check_sdp_addresses(b->sdp);
	g_assert_cmpint(ars_media_session_set_remote(a->s, b->sdp, false, &err), ==, 0);
	g_assert_true(wait_for(&a->connected, 8000));
	g_assert_true(wait_for(&b->connected, 8000));
	struct ars_media_timings ta, tb;
	ars_media_session_timings(a->s, &ta);
	ars_media_session_timings(b->s, &tb);
	g_test_message(
	    "offer %.1f ms, gathering %.1f ms; answer %.1f ms, gathering %.1f ms; "
	    "CONNECTED A %.1f ms, B %.1f ms after both descriptions; offer->both connected %.1f ms",
	    ta.describe_ms, ta.gather_ms, tb.describe_ms, tb.gather_ms, ta.connect_ms, tb.connect_ms,
	    (double)(g_get_monotonic_time() - t0) / 1000.0);
}

static void run_call(const char *codecs, const char *want_codec, int want_pt, bool measure)
{
	struct side a, b;
	long pss0 = pss_kb();
	side_new(&a, "A", "tone:440", codecs);
	side_new(&b, "B", "tone:880", codecs);
	connect_pair(&a, &b);
	g_assert_false(a.failed || b.failed);
	g_assert_cmpstr(a.codec, ==, want_codec);
	g_assert_cmpstr(b.codec, ==, want_codec);
	g_assert_cmpint(a.payload, ==, want_pt);
	g_assert_cmpint(b.payload, ==, want_pt);
	spin(300); /* let the jitter buffers settle */
	g_assert_true(capture(&a, &b, CAPTURE_RATE, 5000));
	tones_ok(&a, 880, 440);
	tones_ok(&b, 440, 880);
	if (measure)
		g_test_message("PSS: %ld kB before, %ld kB with two connected sessions", pss0, pss_kb());
	side_clear(&a);
	side_clear(&b);
}

static void test_opus(void)
{
	run_call(NULL, "opus", 111, true);
}
static void test_pcmu(void)
{
	run_call("pcmu", "PCMU", 0, false);
}
static void test_pcma(void)
{
	run_call("pcma", "PCMA", 8, false);
}

/* B prefers PCMA and answers with it although A put Opus first. */
static void test_answerer_choice(void)
{
	struct side a, b;
	side_new(&a, "A", "tone:440", "opus,pcmu,pcma");
	side_new(&b, "B", "tone:880", "pcma,opus");
	connect_pair(&a, &b);
	g_assert_cmpstr(a.codec, ==, "PCMA");
	g_assert_cmpstr(b.codec, ==, "PCMA");
	side_clear(&a);
	side_clear(&b);
}

/* Re-offers from each side keep the DTLS roles, and audio keeps flowing. */
static void test_reoffer(void)
{
	struct side a, b;
	side_new(&a, "A", "tone:440", NULL);
	side_new(&b, "B", "tone:880", NULL);
	connect_pair(&a, &b);
	/* A offered actpass, B answered active: A is passive */
	g_assert_nonnull(strstr(b.sdp, "a=setup:active"));
	g_autofree char *err = NULL;
	g_autofree char *o1 = g_strdup(strstr(a.sdp, "o=- "));
	/* A re-offers */
	g_assert_cmpint(ars_media_session_offer(a.s), ==, 0);
	g_assert_true(wait_sdp(&a, 2, 3000));
	g_assert_nonnull(strstr(a.sdp, "a=setup:passive"));
	g_assert_null(strstr(a.sdp, "a=setup:actpass"));
	/* same session id, version 2 */
	g_autofree char *id = g_strndup(o1 + 4, strcspn(o1 + 4, " "));
	g_autofree char *o2 = g_strdup_printf("o=- %s 2 ", id);
	g_assert_nonnull(strstr(a.sdp, o2));
	g_assert_cmpint(ars_media_session_set_remote(b.s, a.sdp, true, &err), ==, 0);
	g_assert_cmpint(ars_media_session_answer(b.s), ==, 0);
	g_assert_true(wait_sdp(&b, 2, 3000));
	g_assert_nonnull(strstr(b.sdp, "a=setup:active"));
	g_assert_cmpint(ars_media_session_set_remote(a.s, b.sdp, false, &err), ==, 0);
	spin(300);
	/* B re-offers: it is active, A answers passive */
	g_assert_cmpint(ars_media_session_offer(b.s), ==, 0);
	g_assert_true(wait_sdp(&b, 3, 3000));
	g_assert_nonnull(strstr(b.sdp, "a=setup:active"));
	g_assert_cmpint(ars_media_session_set_remote(a.s, b.sdp, true, &err), ==, 0);
	g_assert_cmpint(ars_media_session_answer(a.s), ==, 0);
	g_assert_true(wait_sdp(&a, 3, 3000));
	g_assert_nonnull(strstr(a.sdp, "a=setup:passive"));
	g_assert_cmpint(ars_media_session_set_remote(b.s, a.sdp, false, &err), ==, 0);
	spin(300);
	g_assert_false(a.failed || b.failed);
	g_assert_true(capture(&a, &b, CAPTURE_RATE, 5000));
	tones_ok(&a, 880, 440);
	tones_ok(&b, 440, 880);
	side_clear(&a);
	side_clear(&b);
}

/* ---- re-offers from the far end: codec change, hold, refresh ------------------ */

/* `sdp` offering PCMU in place of its Opus payload 111 (webrtcbin's
 * re-offers list only the codec being sent). */
static char *opus_to_pcmu(const char *sdp)
{
	g_auto(GStrv) lines = g_strsplit(sdp, "\r\n", -1);
	GString *out = g_string_new(NULL);
	for (int i = 0; lines[i] && *lines[i]; i++) {
		const char *l = lines[i];
		if (g_str_has_prefix(l, "a=fmtp:111 ") || g_str_has_prefix(l, "a=rtcp-fb:111 "))
			continue;
		if (g_str_has_prefix(l, "a=rtpmap:111 ")) {
			g_string_append(out, "a=rtpmap:0 PCMU/8000\r\n");
			continue;
		}
		if (g_str_has_prefix(l, "m=audio ")) {
			g_auto(GStrv) tok = g_strsplit(l, " ", -1);
			for (int k = 0; tok[k]; k++)
				g_string_append_printf(out, "%s%s", k ? " " : "",
				                       k >= 3 && strcmp(tok[k], "111") == 0 ? "0" : tok[k]);
			g_string_append(out, "\r\n");
			continue;
		}
		g_string_append_printf(out, "%s\r\n", l);
	}
	g_assert_nonnull(strstr(out->str, "a=rtpmap:0 PCMU"));
	return g_string_free(out, FALSE);
}

/* `sdp` with its a=sendrecv replaced by a=`dir`. */
static char *with_direction(const char *sdp, const char *dir)
{
	g_assert_nonnull(strstr(sdp, "a=sendrecv\r\n"));
	g_auto(GStrv) parts = g_strsplit(sdp, "a=sendrecv\r\n", -1);
	g_autofree char *with = g_strdup_printf("a=%s\r\n", dir);
	return g_strjoinv(with, parts);
}

/* The version of the o= line. */
static guint64 origin_version(const char *sdp)
{
	const char *o = strstr(sdp, "o=- ");
	g_assert_nonnull(o);
	guint64 id = 0, version = 0;
	g_assert_cmpint(sscanf(o, "o=- %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT, &id, &version), ==, 2);
	return version;
}

/* A's re-offer, already started, comes (passed through `edit`, NULL = as
 * is) to B, B answers, A applies the answer. Returns B's answer (g_free). */
static char *exchange(struct side *a, struct side *b, char *(*edit)(const char *sdp, const void *arg),
                      const void *arg)
{
	g_autofree char *err = NULL;
	g_assert_true(wait_sdp(a, a->sdps + 1, 3000));
	g_autofree char *offer = edit ? edit(a->sdp, arg) : g_strdup(a->sdp);
	int before = b->sdps;
	if (g_getenv("ARS_MEDIA_PRINT_SDP"))
		g_printerr("---- re-offer\n%s", offer);
	int rc = ars_media_session_set_remote(b->s, offer, true, &err);
	if (rc != 0)
		g_error("B refused the re-offer: %s", err);
	g_assert_cmpint(ars_media_session_answer(b->s), ==, 0);
	g_assert_true(wait_sdp(b, before + 1, 3000));
	g_assert_false(b->failed);
	rc = ars_media_session_set_remote(a->s, b->sdp, false, &err);
	if (rc != 0)
		g_error("A refused the answer: %s", err);
	return g_strdup(b->sdp);
}

/* A re-offers; then exchange(). */
static char *reoffer(struct side *a, struct side *b, char *(*edit)(const char *sdp, const void *arg),
                     const void *arg)
{
	g_assert_cmpint(ars_media_session_offer(a->s), ==, 0);
	return exchange(a, b, edit, arg);
}

static char *edit_opus_to_pcmu(const char *sdp, const void *arg)
{
	return opus_to_pcmu(sdp);
}

static char *edit_direction(const char *sdp, const void *arg)
{
	return with_direction(sdp, arg);
}

/* Samples received by x since the last call (the tap counts them). */
static size_t take_seen(struct side *x)
{
	g_mutex_lock(&x->lock);
	size_t n = x->seen;
	x->seen = 0;
	g_mutex_unlock(&x->lock);
	return n;
}

static void both_hear(struct side *a, struct side *b)
{
	spin(500); /* the jitter buffers settle on the new stream */
	g_assert_true(capture(a, b, CAPTURE_RATE / 2, 5000));
	tones_ok(a, 880, 440);
	tones_ok(b, 440, 880);
}

/* The far end changes the codec, holds (sendonly, inactive) past the
 * no-media watchdog, resumes and refreshes; tones both ways after each
 * step that has audio. */
static void test_far_reoffers(void)
{
	struct side a, b;
	side_new(&a, "A", "tone:440", NULL);
	side_new(&b, "B", "tone:880", NULL);
	connect_pair(&a, &b);
	g_assert_cmpstr(b.codec, ==, "opus");
	both_hear(&a, &b);

	/* codec change: A's re-offer has PCMU instead of Opus; both switch on
	 * the same m-line and DTLS roles */
	g_autofree char *ans = reoffer(&a, &b, edit_opus_to_pcmu, NULL);
	g_assert_cmpstr(b.codec, ==, "PCMU");
	g_assert_cmpint(b.payload, ==, 0);
	g_assert_nonnull(strstr(ans, "m=audio "));
	g_assert_null(strstr(ans, "opus"));
	g_assert_nonnull(strstr(ans, "a=setup:active"));
	g_assert_nonnull(strstr(ans, "a=sendrecv"));
	spin(200);
	g_assert_cmpstr(a.codec, ==, "PCMU");
	both_hear(&a, &b);
	g_test_message("codec change Opus -> PCMU: audio both ways");

	/* A holds B (sendonly): B answers recvonly and stops sending */
	g_clear_pointer(&ans, g_free);
	ans = reoffer(&a, &b, edit_direction, "sendonly");
	g_assert_nonnull(strstr(ans, "a=recvonly"));
	spin(1000);
	take_seen(&a);
	spin(1000);
	size_t a_heard = take_seen(&a);
	g_assert_true(capture(&b, NULL, CAPTURE_RATE / 2, 3000));
	tones_ok(&b, 440, 880);
	g_test_message("on hold (sendonly): A received %zu samples in 1 s", a_heard);
	g_assert_cmpuint(a_heard, <, CAPTURE_RATE / 10);

	/* inactive, past the watchdog (5 s without RTP): nobody fails */
	g_clear_pointer(&ans, g_free);
	ans = reoffer(&a, &b, edit_direction, "inactive");
	g_assert_nonnull(strstr(ans, "a=inactive"));
	spin(1000);
	take_seen(&a);
	take_seen(&b);
	spin(6500);
	size_t heard_a = take_seen(&a), heard_b = take_seen(&b);
	g_test_message("inactive for 6.5 s: A received %zu samples, B %zu", heard_a, heard_b);
	g_assert_false(a.failed || b.failed);
	g_assert_cmpuint(heard_a, <, CAPTURE_RATE / 10);
	g_assert_cmpuint(heard_b, <, CAPTURE_RATE / 10);

	/* resume: sendrecv, audio both ways again */
	g_clear_pointer(&ans, g_free);
	ans = reoffer(&a, &b, NULL, NULL);
	g_assert_nonnull(strstr(ans, "a=sendrecv"));
	both_hear(&a, &b);
	guint64 v = origin_version(ans);

	/* session refresh: the same offer again, the same answer (version too) */
	g_autofree char *again = reoffer(&a, &b, NULL, NULL);
	g_assert_cmpuint(origin_version(again), ==, v);
	g_assert_cmpstr(b.codec, ==, "PCMU");
	both_hear(&a, &b);
	g_assert_false(a.failed || b.failed);
	side_clear(&a);
	side_clear(&b);
}

/* Our own hold: A's re-offer says sendonly and A stops sending, B answers
 * recvonly and stops too; a refused resume puts A back on hold (the
 * session as it was); the next resume brings audio both ways. */
static void test_own_hold(void)
{
	struct side a, b;
	side_new(&a, "A", "tone:440", NULL);
	side_new(&b, "B", "tone:880", NULL);
	g_assert_cmpint(ars_media_session_hold(a.s, true), ==, -EPROTO); /* no call yet */
	connect_pair(&a, &b);
	both_hear(&a, &b);

	g_assert_cmpint(ars_media_session_hold(a.s, true), ==, 0);
	g_autofree char *ans = exchange(&a, &b, NULL, NULL);
	g_assert_nonnull(strstr(a.sdp, "a=sendonly"));
	g_assert_nonnull(strstr(ans, "a=recvonly"));
	spin(1000);
	take_seen(&a);
	take_seen(&b);
	spin(1500);
	size_t heard_a = take_seen(&a), heard_b = take_seen(&b);
	g_test_message("A holds: A received %zu samples in 1.5 s, B %zu", heard_a, heard_b);
	g_assert_cmpuint(heard_a, <, CAPTURE_RATE / 10);
	g_assert_cmpuint(heard_b, <, CAPTURE_RATE / 10);

	/* resume, refused (a non-2xx to the re-INVITE): back on hold */
	g_assert_cmpint(ars_media_session_hold(a.s, false), ==, 0);
	g_assert_true(wait_sdp(&a, 3, 3000));
	g_assert_nonnull(strstr(a.sdp, "a=sendrecv"));
	g_assert_cmpint(ars_media_session_offer_refused(a.s), ==, 0);
	g_assert_cmpint(ars_media_session_offer_refused(a.s), ==, -EPROTO);
	spin(1000);
	take_seen(&b);
	spin(1000);
	heard_b = take_seen(&b);
	g_test_message("resume refused: B received %zu samples in 1 s", heard_b);
	g_assert_cmpuint(heard_b, <, CAPTURE_RATE / 10);
	g_assert_false(a.failed || b.failed);

	/* resume for real */
	g_assert_cmpint(ars_media_session_hold(a.s, false), ==, 0);
	g_clear_pointer(&ans, g_free);
	ans = exchange(&a, &b, NULL, NULL);
	g_assert_nonnull(strstr(a.sdp, "a=sendrecv"));
	g_assert_nonnull(strstr(ans, "a=sendrecv"));
	both_hear(&a, &b);
	g_assert_false(a.failed || b.failed);
	side_clear(&a);
	side_clear(&b);
}

/* x hears silence from the far end (no far_hz tone, level far down) while
 * its samples keep arriving: the far end's RTP still flows. */
static void hears_silence(struct side *x, double far_hz)
{
	spin(300);
	g_assert_true(capture(x, NULL, CAPTURE_RATE / 2, 5000));
	take_seen(x);
	spin(1000);
	size_t seen = take_seen(x);
	double db = ars_media_level_dbfs(x->buf, x->have);
	double r = ars_media_detect_tone(x->buf, x->have, CAPTURE_RATE, far_hz);
	g_test_message("%s, far end muted: level %.1f dBFS, %.0f Hz ratio %.3f, %zu samples in 1 s", x->name,
	               db, far_hz, r, seen);
	g_assert_cmpfloat(db, <, -60);
	g_assert_cmpuint(seen, >, CAPTURE_RATE * 8 / 10);
}

/* Mute: B's microphone sends silence at once, no renegotiation, RTP still
 * flowing; the mute survives a codec change (a new send branch); unmute
 * brings B's tone back. A's own sending is untouched. */
static void test_mute(void)
{
	struct side a, b;
	side_new(&a, "A", "tone:440", NULL);
	side_new(&b, "B", "tone:880", NULL);
	connect_pair(&a, &b);
	both_hear(&a, &b);
	int sdps = b.sdps;
	g_assert_cmpint(ars_media_session_mute(b.s, true), ==, 0);
	hears_silence(&a, 880);
	g_assert_true(capture(&b, NULL, CAPTURE_RATE / 2, 5000));
	tones_ok(&b, 440, 880);
	g_assert_cmpint(b.sdps, ==, sdps); /* no re-offer, no answer */

	g_autofree char *ans = reoffer(&a, &b, edit_opus_to_pcmu, NULL);
	g_assert_cmpstr(b.codec, ==, "PCMU");
	hears_silence(&a, 880);

	g_assert_cmpint(ars_media_session_mute(b.s, false), ==, 0);
	both_hear(&a, &b);
	g_assert_false(a.failed || b.failed);
	side_clear(&a);
	side_clear(&b);
}

/* Answers to offers captured from SIP peers: the offer's payload numbers,
 * telephone-event added, c= fixed, sendrecv. (Their candidates are
 * unreachable from the namespace; the session is dropped right after.) */
static void test_captured_offers(void)
{
	static const struct {
		const char *file;
		int opus_pt, dtmf_pt;
	} offers[] = {
		{ "asterisk-offer.sdp", 107, 101 },       { "freeswitch-offer.sdp", 111, 101 },
		{ "sipjs-chromium-offer.sdp", 111, 126 }, { "jssip-firefox-offer.sdp", 109, 101 },
		{ "rtpengine-offer.sdp", 111, 126 },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(offers); i++) {
		if (g_getenv("ARS_MEDIA_ONLY") && !strstr(offers[i].file, g_getenv("ARS_MEDIA_ONLY")))
			continue;
		g_autofree char *path = g_build_filename(SDP_DIR, offers[i].file, NULL);
		g_autofree char *offer = NULL;
		g_assert_true(g_file_get_contents(path, &offer, NULL, NULL));
		struct side b;
		side_new(&b, "B", "silence", NULL);
		g_autofree char *err = NULL;
		int rc = ars_media_session_set_remote(b.s, offer, true, &err);
		if (rc != 0)
			g_error("%s: %s", offers[i].file, err);
		g_assert_cmpint(ars_media_session_answer(b.s), ==, 0);
		g_assert_true(wait_sdp(&b, 1, 3000));
		if (b.failed)
			g_error("%s: %s", offers[i].file, b.reason);
		check_sdp_addresses(b.sdp);
		g_autoptr(ars_sdp) ans = NULL;
		g_assert_cmpint(ars_sdp_parse(&ans, b.sdp, strlen(b.sdp), &err), ==, 0);
		struct ars_sdp_codec c;
		g_assert_cmpint(ars_sdp_read_codec(ans, &c), ==, 0);
		g_assert_cmpint(g_ascii_strcasecmp(c.name, "opus"), ==, 0);
		g_assert_cmpint(c.payload, ==, offers[i].opus_pt);
		g_assert_cmpint(c.dtmf_payload, ==, offers[i].dtmf_pt);
		g_assert_cmpint(ars_sdp_direction(ans, 0), ==, ARS_SDP_DIR_SENDRECV);
		g_assert_cmpstr(ars_sdp_attr(ans, 0, "setup"), ==, "active");
		g_assert_cmpstr(b.codec, ==, "opus");
		g_assert_cmpint(b.payload, ==, offers[i].opus_pt);
		g_test_message("%s answered: opus %d, telephone-event %d", offers[i].file, c.payload,
		               c.dtmf_payload);
		if (g_getenv("ARS_MEDIA_PRINT_SDP"))
			g_printerr("---- answer to %s\n%s", offers[i].file, b.sdp);
		side_clear(&b);
	}
}

/* Bad input is refused with a reason, not asserted on. */
static void test_bad_remote(void)
{
	struct side b;
	side_new(&b, "B", "silence", "pcmu");
	g_autofree char *err = NULL;
	g_assert_cmpint(ars_media_session_set_remote(b.s, "garbage", true, &err), ==, -EINVAL);
	g_assert_nonnull(err);
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(ars_media_session_set_remote(b.s, "v=0\r\nm=audio 0 RTP/AVP 0\r\n", true, &err), ==,
	                -EPROTO);
	g_clear_pointer(&err, g_free);
	/* an Opus-only offer to a PCMU-only session */
	g_assert_cmpint(ars_media_session_set_remote(b.s,
	                                             "v=0\r\nm=audio 5 UDP/TLS/RTP/SAVPF 111\r\n"
	                                             "a=rtpmap:111 opus/48000/2\r\n",
	                                             true, &err),
	                ==, -ENOTSUP);
	g_assert_nonnull(strstr(err, "no common codec"));
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(ars_media_session_set_remote(b.s, "v=0\r\nm=audio 5 RTP/AVP 0\r\n", false, &err), ==,
	                -EPROTO); /* an answer without our offer */
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(ars_media_session_answer(b.s), ==, -EPROTO);
	g_assert_false(b.failed);
	side_clear(&b);
	struct ars_media_session *s = NULL;
	struct ars_media_config cfg = { .audio_in = "tone:5" };
	g_assert_cmpint(ars_media_session_new(&s, &cfg, on_event, NULL, &err), ==, -EINVAL);
	g_assert_nonnull(strstr(err, "tone:HZ"));
	g_assert_null(s);
}

/* The answer's candidates point at a port nobody listens on: FAILED with a
 * reason naming ICE, within the connect timeout. */
static void test_ice_failure(void)
{
	struct side a, b;
	side_init(&a, "A");
	side_new(&b, "B", "tone:880", NULL);
	struct ars_media_config cfg = {
		.audio_in = "tone:440", .audio_out = "null", .connect_timeout_ms = 3000, .log_id = "A"
	};
	g_autofree char *err = NULL;
	g_assert_cmpint(ars_media_session_new(&a.s, &cfg, on_event, &a, &err), ==, 0);
	g_assert_cmpint(ars_media_session_offer(a.s), ==, 0);
	g_assert_true(wait_sdp(&a, 1, 3000));
	g_assert_cmpint(ars_media_session_set_remote(b.s, a.sdp, true, &err), ==, 0);
	g_assert_cmpint(ars_media_session_answer(b.s), ==, 0);
	g_assert_true(wait_sdp(&b, 1, 3000));
	/* drop B's session: its ports close, and A's checks go nowhere */
	g_autofree char *answer = g_strdup(b.sdp);
	side_clear(&b);
	g_assert_cmpint(ars_media_session_set_remote(a.s, answer, false, &err), ==, 0);
	gint64 t0 = g_get_monotonic_time();
	g_assert_true(wait_for(&a.failed, 8000));
	g_test_message("FAILED after %.1f s: %s", (double)(g_get_monotonic_time() - t0) / 1e6, a.reason);
	g_assert_nonnull(strstr(a.reason, "ICE"));
	g_assert_false(a.connected);
	side_clear(&a);
}

/* File in, file out: A plays a WAV (looped), B writes what it hears. */
static void test_files(void)
{
	g_autofree char *dir = g_dir_make_tmp("ars-media-XXXXXX", NULL);
	g_autofree char *in = g_build_filename(dir, "in.wav", NULL);
	g_autofree char *out = g_build_filename(dir, "out.wav", NULL);
	struct ars_wav_writer *w = NULL;
	g_assert_cmpint(ars_wav_writer_open(&w, in, 16000), ==, 0);
	int16_t tone[1600]; /* 0.1 s of 660 Hz, looped by the source */
	for (int i = 0; i < 1600; i++)
		tone[i] = (int16_t)(9000 * sin(2 * G_PI * 660 * i / 16000.0));
	g_assert_cmpint(ars_wav_writer_write(w, tone, 1600), ==, 0);
	g_assert_cmpint(ars_wav_writer_close(w), ==, 0);

	struct side a, b;
	side_init(&a, "A");
	side_init(&b, "B");
	g_autofree char *in_spec = g_strconcat("file:", in, NULL);
	g_autofree char *out_spec = g_strconcat("file:", out, NULL);
	struct ars_media_config ca = {
		.audio_in = in_spec, .audio_out = "null", .log_id = "A", .tap = on_tap, .tap_arg = &a
	};
	struct ars_media_config cb = {
		.audio_in = "silence", .audio_out = out_spec, .log_id = "B", .tap = on_tap, .tap_arg = &b
	};
	g_autofree char *err = NULL;
	g_assert_cmpint(ars_media_session_new(&a.s, &ca, on_event, &a, &err), ==, 0);
	g_assert_cmpint(ars_media_session_new(&b.s, &cb, on_event, &b, &err), ==, 0);
	connect_pair(&a, &b);
	spin(1500);
	side_clear(&b); /* closes out.wav */
	side_clear(&a);
	struct ars_wav wav = { 0 };
	g_assert_cmpint(ars_wav_read(out, &wav, &err), ==, 0);
	g_assert_cmpuint(wav.rate, ==, 48000);
	g_assert_cmpuint(wav.n, >, 48000);
	double r = ars_media_detect_tone(wav.samples + wav.n - 48000, 48000, 48000, 660);
	g_test_message("out.wav: %.2f s, 660 Hz ratio %.3f in the last second", wav.n / 48000.0, r);
	g_assert_cmpfloat(r, >, 0.5);
	ars_wav_clear(&wav);
	g_remove(in);
	g_remove(out);
	g_rmdir(dir);
}

/* The answer comes 2 s after the offer (ringing): the send branch starts
 * late in a running pipeline and must not burst those 2 s of audio. */
static void test_late_answer(void)
{
	struct side a, b;
	side_new(&a, "A", "tone:440", "pcmu");
	side_new(&b, "B", "tone:880", "pcmu");
	g_assert_cmpint(ars_media_session_offer(a.s), ==, 0);
	g_assert_true(wait_sdp(&a, 1, 3000));
	g_autofree char *err = NULL;
	g_assert_cmpint(ars_media_session_set_remote(b.s, a.sdp, true, &err), ==, 0);
	spin(1000); /* ringing before the user answers */
	g_assert_cmpint(ars_media_session_answer(b.s), ==, 0);
	g_assert_true(wait_sdp(&b, 1, 3000));
	spin(2000); /* the answer travels back slowly */
	g_assert_cmpint(ars_media_session_set_remote(a.s, b.sdp, false, &err), ==, 0);
	g_assert_true(wait_for(&a.connected, 8000) && wait_for(&b.connected, 8000));
	spin(200);
	g_mutex_lock(&b.lock);
	b.seen = 0;
	g_mutex_unlock(&b.lock);
	gint64 t0 = g_get_monotonic_time();
	spin(1000);
	g_mutex_lock(&b.lock);
	double secs = (double)b.seen / CAPTURE_RATE;
	g_mutex_unlock(&b.lock);
	double real = (double)(g_get_monotonic_time() - t0) / 1e6;
	g_test_message("B received %.2f s of audio in %.2f s", secs, real);
	g_assert_cmpfloat(secs, <, real * 1.25);
	g_assert_cmpfloat(secs, >, real * 0.75);
	g_assert_true(capture(&a, &b, CAPTURE_RATE / 2, 5000));
	tones_ok(&a, 880, 440);
	tones_ok(&b, 440, 880);
	side_clear(&a);
	side_clear(&b);
}

/* Freeing at awkward moments: with replies in flight, and from inside an
 * event handler. (ASan/LSan builds check for use-after-free and leaks.) */
static void free_in_handler(struct ars_media_session *s, const struct ars_media_event *ev, void *arg)
{
	if (ev->type == ARS_MEDIA_EVENT_LOCAL_SDP) {
		ars_media_session_free(s);
		*(bool *)arg = true;
	}
}

static void test_free_early(void)
{
	struct side a, b;
	side_new(&a, "A", "tone:440", NULL);
	g_assert_cmpint(ars_media_session_offer(a.s), ==, 0);
	side_clear(&a); /* create-offer in flight */
	side_new(&a, "A", "tone:440", NULL);
	side_new(&b, "B", "tone:880", NULL);
	g_assert_cmpint(ars_media_session_offer(a.s), ==, 0);
	g_assert_true(wait_sdp(&a, 1, 3000));
	g_autofree char *err = NULL;
	g_assert_cmpint(ars_media_session_set_remote(b.s, a.sdp, true, &err), ==, 0);
	g_assert_cmpint(ars_media_session_answer(b.s), ==, 0);
	side_clear(&b); /* set-remote, caps, create-answer in flight */
	side_clear(&a);
	spin(200);

	bool freed = false;
	struct ars_media_session *s = NULL;
	struct ars_media_config cfg = { .audio_in = "silence", .audio_out = "null" };
	g_assert_cmpint(ars_media_session_new(&s, &cfg, free_in_handler, &freed, &err), ==, 0);
	g_assert_cmpint(ars_media_session_offer(s), ==, 0);
	g_assert_true(wait_for(&freed, 3000));
	spin(200);
}

/* ---- DTMF ------------------------------------------------------------------------ */

/* Iterates until `x` received `n` digits (or timeout). */
static bool wait_digits(struct side *x, size_t n, unsigned ms)
{
	gint64 end = g_get_monotonic_time() + ms * 1000;
	while (x->dtmf->len < n && g_get_monotonic_time() < end)
		spin(10);
	return x->dtmf->len >= n;
}

/* A sends digits (two batches, queued behind each other), B must receive
 * exactly them, in order, each once; then B answers with its own; audio
 * keeps flowing both ways afterwards. */
static void run_dtmf(const char *codecs)
{
	struct side a, b;
	side_new(&a, "A", "tone:440", codecs);
	side_new(&b, "B", "tone:880", codecs);
	connect_pair(&a, &b);
	g_autofree char *err = NULL;
	gint64 t0 = g_get_monotonic_time();
	g_assert_cmpint(ars_media_session_dtmf(a.s, "147*", 0, &err), ==, 0);
	g_assert_cmpint(ars_media_session_dtmf(a.s, "2580#abcD", 60, &err), ==, 0);
	g_assert_true(wait_digits(&b, 13, 8000));
	double secs = (double)(g_get_monotonic_time() - t0) / 1e6;
	g_test_message("%s: B received %s in %.2f s", codecs, b.dtmf->str, secs);
	g_assert_cmpstr(b.dtmf->str, ==, "147*2580#ABCD");
	/* 4 x (100 + 70) + 9 x (60 + 70) ms at least, plus the end packets */
	g_assert_cmpfloat(secs, >, 1.5);
	g_assert_cmpint(ars_media_session_dtmf(b.s, "9", 0, &err), ==, 0);
	g_assert_true(wait_digits(&a, 1, 3000));
	g_assert_cmpstr(a.dtmf->str, ==, "9");
	spin(300);
	g_assert_cmpstr(b.dtmf->str, ==, "147*2580#ABCD"); /* nothing repeated */
	g_assert_false(a.failed || b.failed);
	g_assert_true(capture(&a, &b, CAPTURE_RATE / 2, 5000));
	tones_ok(&a, 880, 440);
	tones_ok(&b, 440, 880);
	side_clear(&a);
	side_clear(&b);
}

static void test_dtmf_opus(void)
{
	run_dtmf("opus");
}
static void test_dtmf_pcmu(void)
{
	run_dtmf("pcmu");
}

/* Without telephone-event in the offer (so in neither description), both
 * sides refuse to send events; bad input and a session that does not send
 * yet are refused too. */
static void test_dtmf_refused(void)
{
	struct side a, b;
	side_new(&a, "A", "tone:440", "pcmu");
	side_new(&b, "B", "tone:880", "pcmu");
	g_autofree char *err = NULL;
	g_assert_cmpint(ars_media_session_dtmf(a.s, "1", 0, &err), ==, -EAGAIN);
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(ars_media_session_offer(a.s), ==, 0);
	g_assert_true(wait_sdp(&a, 1, 3000));
	/* drop telephone-event from A's offer */
	g_autoptr(GString) offer = g_string_new(a.sdp);
	g_assert_cmpint(g_string_replace(offer, " 0 101\r\n", " 0\r\n", 1), ==, 1);
	g_assert_cmpint(g_string_replace(offer, "a=rtpmap:101 TELEPHONE-EVENT/8000\r\n", "", 1), ==, 1);
	g_string_replace(offer, "a=fmtp:101 0-16\r\n", "", 1);
	g_string_replace(offer, "a=rtcp-fb:101 transport-cc\r\n", "", 1);
	g_assert_null(strstr(offer->str, "TELEPHONE-EVENT"));
	g_assert_null(strstr(offer->str, ":101 "));
	g_assert_cmpint(ars_media_session_set_remote(b.s, offer->str, true, &err), ==, 0);
	g_assert_cmpint(ars_media_session_answer(b.s), ==, 0);
	g_assert_true(wait_sdp(&b, 1, 3000));
	g_assert_null(strstr(b.sdp, "telephone-event"));
	g_assert_null(strstr(b.sdp, "TELEPHONE-EVENT"));
	g_assert_cmpint(ars_media_session_set_remote(a.s, b.sdp, false, &err), ==, 0);
	g_assert_true(wait_for(&a.connected, 8000) && wait_for(&b.connected, 8000));
	g_assert_cmpint(ars_media_session_dtmf(a.s, "1", 0, &err), ==, -ENOTSUP);
	g_assert_nonnull(strstr(err, "telephone-event"));
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(ars_media_session_dtmf(b.s, "1", 0, &err), ==, -ENOTSUP);
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(ars_media_session_dtmf(a.s, "12x", 0, &err), ==, -EINVAL);
	g_assert_nonnull(strstr(err, "'x'"));
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(ars_media_session_dtmf(a.s, "", 0, &err), ==, -EINVAL);
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(ars_media_session_dtmf(a.s, "1", 5000, &err), ==, -EINVAL);
	g_clear_pointer(&err, g_free);
	spin(300);
	g_assert_cmpuint(b.dtmf->len, ==, 0);
	side_clear(&a);
	side_clear(&b);
}

/* ---- first offer, cold and warm -------------------------------------------------- */

static gboolean quit_loop(gpointer p)
{
	g_main_loop_quit(p);
	return G_SOURCE_REMOVE;
}

/* Child mode: print how long the first offer of a process takes (no
 * warm-up), then a second one. */
static int cold_offer(void)
{
	double ms[2];
	for (int i = 0; i < 2; i++) {
		struct side a;
		side_new(&a, "cold", "silence", NULL);
		g_assert_cmpint(ars_media_session_offer(a.s), ==, 0);
		g_assert_true(wait_sdp(&a, 1, 5000));
		struct ars_media_timings t;
		ars_media_session_timings(a.s, &t);
		ms[i] = t.describe_ms;
		side_clear(&a);
	}
	printf("\nRESULT %.1f %.1f %ld\n", ms[0], ms[1], pss_kb());
	return 0;
}

static void warmed(double ms, const char *err, void *arg)
{
	g_assert_null(err);
	*(double *)arg = ms;
}

/* Child mode: PSS of a fresh process at each step. */
static int pss_steps(void)
{
	long p[5];
	p[0] = pss_kb(); /* after gst_init (main() ran ars_media_init) */
	double warm_ms = -2;
	g_autofree char *err = NULL;
	g_assert_cmpint(ars_media_warmup(warmed, &warm_ms, &err), ==, 0);
	while (warm_ms == -2)
		spin(5);
	p[1] = pss_kb();
	struct side a, b;
	side_new(&a, "A", "tone:440", NULL);
	g_assert_cmpint(ars_media_session_offer(a.s), ==, 0);
	g_assert_true(wait_sdp(&a, 1, 3000));
	p[2] = pss_kb();
	side_new(&b, "B", "tone:880", NULL);
	g_assert_cmpint(ars_media_session_set_remote(b.s, a.sdp, true, &err), ==, 0);
	g_assert_cmpint(ars_media_session_answer(b.s), ==, 0);
	g_assert_true(wait_sdp(&b, 1, 3000));
	g_assert_cmpint(ars_media_session_set_remote(a.s, b.sdp, false, &err), ==, 0);
	g_assert_true(wait_for(&a.connected, 8000) && wait_for(&b.connected, 8000));
	spin(1000);
	p[3] = pss_kb();
	side_clear(&b);
	spin(200);
	p[4] = pss_kb();
	side_clear(&a);
	printf("\nRESULT %ld %ld %ld %ld %ld\n", p[0], p[1], p[2], p[3], p[4]);
	return 0;
}

static void test_first_offer(void)
{
	/* without warm-up: a child process of ours, in this namespace too */
	g_autofree char *out = NULL;
	const char *argv[] = { "/proc/self/exe", "--cold-offer", NULL };
	int status = 0;
	g_assert_true(
	    g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, NULL, &status, NULL));
	g_assert_true(g_spawn_check_wait_status(status, NULL));
	double cold = 0, cold2 = 0;
	long pss1 = 0;
	const char *res = strstr(out, "\nRESULT ");
	g_assert_nonnull(res);
	g_assert_cmpint(sscanf(res, "\nRESULT %lf %lf %ld", &cold, &cold2, &pss1), ==, 3);

	/* with warm-up, here */
	double warm_ms = -2;
	g_autofree char *err = NULL;
	g_assert_cmpint(ars_media_warmup(warmed, &warm_ms, &err), ==, 0);
	gint64 end = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
	while (warm_ms == -2 && g_get_monotonic_time() < end)
		spin(5);
	g_assert_cmpfloat(warm_ms, >, 0);
	struct side a;
	side_new(&a, "warm", "silence", NULL);
	gint64 t0 = g_get_monotonic_time();
	g_assert_cmpint(ars_media_session_offer(a.s), ==, 0);
	g_assert_true(wait_sdp(&a, 1, 3000));
	double to_sdp = (double)(g_get_monotonic_time() - t0) / 1000.0;
	struct ars_media_timings t;
	ars_media_session_timings(a.s, &t);
	g_test_message("first offer without warm-up %.1f ms (second %.1f ms); warm-up took %.1f ms; "
	               "first offer after warm-up %.1f ms, gathering %.1f ms, offer() -> LOCAL_SDP %.1f ms",
	               cold, cold2, warm_ms, t.describe_ms, t.gather_ms, to_sdp);
	const char *argv2[] = { "/proc/self/exe", "--pss", NULL };
	g_clear_pointer(&out, g_free);
	g_assert_true(
	    g_spawn_sync(NULL, (char **)argv2, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, NULL, &status, NULL));
	g_assert_true(g_spawn_check_wait_status(status, NULL));
	long p[5];
	res = strstr(out, "\nRESULT ");
	g_assert_nonnull(res);
	g_assert_cmpint(sscanf(res, "\nRESULT %ld %ld %ld %ld %ld", &p[0], &p[1], &p[2], &p[3], &p[4]), ==,
	                5);
	g_test_message("PSS of a fresh process: %.1f MB after gst_init, %.1f MB after warm-up, "
	               "%.1f MB with one session (offer made), %.1f MB with two sessions in a call, "
	               "%.1f MB after freeing one",
	               p[0] / 1024.0, p[1] / 1024.0, p[2] / 1024.0, p[3] / 1024.0, p[4] / 1024.0);
	g_assert_cmpfloat(t.describe_ms, <, 100);
	side_clear(&a);
	GMainLoop *loop = g_main_loop_new(NULL, FALSE);
	g_idle_add(quit_loop, loop);
	g_main_loop_run(loop);
	g_main_loop_unref(loop);
}

int main(int argc, char **argv)
{
	g_autofree char *err = NULL;
	if (ars_media_init(&err) != 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	if (!in_own_netns()) {
		fprintf(stderr, "test_media_loop must run inside its own network namespace: "
		                "run it through tests/media/in-netns.sh (meson test does)\n");
		return 1;
	}
	if (argc > 1 && strcmp(argv[1], "--cold-offer") == 0)
		return cold_offer();
	if (argc > 1 && strcmp(argv[1], "--pss") == 0)
		return pss_steps();
	load_ns_addrs();
	g_test_init(&argc, &argv, NULL);
	/* the media layer logs what goes wrong in a call as warnings (e.g. the
	 * ignored not-linked error); criticals stay fatal */
	g_log_set_always_fatal(G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
	g_test_add_func("/media/loop/first-offer", test_first_offer);
	g_test_add_func("/media/loop/opus", test_opus);
	g_test_add_func("/media/loop/pcmu", test_pcmu);
	g_test_add_func("/media/loop/pcma", test_pcma);
	g_test_add_func("/media/loop/answerer-choice", test_answerer_choice);
	g_test_add_func("/media/loop/reoffer", test_reoffer);
	g_test_add_func("/media/loop/far-reoffers", test_far_reoffers);
	g_test_add_func("/media/loop/own-hold", test_own_hold);
	g_test_add_func("/media/loop/mute", test_mute);
	g_test_add_func("/media/loop/captured-offers", test_captured_offers);
	g_test_add_func("/media/loop/bad-remote", test_bad_remote);
	g_test_add_func("/media/loop/ice-failure", test_ice_failure);
	g_test_add_func("/media/loop/files", test_files);
	g_test_add_func("/media/loop/late-answer", test_late_answer);
	g_test_add_func("/media/loop/free-early", test_free_early);
	g_test_add_func("/media/loop/dtmf-opus", test_dtmf_opus);
	g_test_add_func("/media/loop/dtmf-pcmu", test_dtmf_pcmu);
	g_test_add_func("/media/loop/dtmf-refused", test_dtmf_refused);
	int rc = g_test_run();
	g_strfreev(ns_addrs);
	gst_deinit();
	return rc;
}
