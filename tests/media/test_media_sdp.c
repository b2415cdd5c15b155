/* Unit tests of media/sdp.c on offers and answers as Asterisk, FreeSWITCH,
 * SIP.js (Chromium), JsSIP (Firefox), rtpengine and webrtcbin itself send
 * them (tests/media/sdp/): parsing and every fix-up of PLATFORM-NOTES. */
#include "media/sdp.h"

#include <errno.h>
#include <string.h>

static struct ars_sdp *load(const char *name)
{
	g_autofree char *path = g_build_filename(SDP_DIR, name, NULL);
	g_autofree char *text = NULL;
	gsize len = 0;
	g_assert_true(g_file_get_contents(path, &text, &len, NULL));
	struct ars_sdp *sdp = NULL;
	g_autofree char *err = NULL;
	int rc = ars_sdp_parse(&sdp, text, len, &err);
	if (rc != 0)
		g_error("%s: %s", name, err);
	return sdp;
}

static struct ars_sdp *from_text(const char *text)
{
	struct ars_sdp *sdp = NULL;
	g_autofree char *err = NULL;
	g_assert_cmpint(ars_sdp_parse(&sdp, text, strlen(text), &err), ==, 0);
	return sdp;
}

/* Does the printed description contain `line` as a whole line? */
static gboolean has_line(const struct ars_sdp *sdp, const char *line)
{
	g_autofree char *text = ars_sdp_print(sdp);
	g_autofree char *needle = g_strdup_printf("\r\n%s\r\n", line);
	g_autofree char *hay = g_strconcat("\r\n", text, NULL);
	return strstr(hay, needle) != NULL;
}

static int count_prefix(const struct ars_sdp *sdp, const char *prefix)
{
	g_autofree char *text = ars_sdp_print(sdp);
	g_auto(GStrv) lines = g_strsplit(text, "\r\n", -1);
	int n = 0;
	for (int i = 0; lines[i]; i++)
		n += g_str_has_prefix(lines[i], prefix);
	return n;
}

static const char *const captured[] = {
	"asterisk-offer.sdp",       "asterisk-answer.sdp",       "freeswitch-offer.sdp",
	"sipjs-chromium-offer.sdp", "sipjs-chromium-answer.sdp", "jssip-firefox-offer.sdp",
	"rtpengine-offer.sdp",      "rtpengine-answer.sdp",      "webrtcbin-offer.sdp",
	"webrtcbin-answer.sdp",
};

static void test_parse_captured(void)
{
	for (size_t i = 0; i < G_N_ELEMENTS(captured); i++) {
		g_autoptr(ars_sdp) sdp = load(captured[i]);
		g_assert_cmpint(ars_sdp_media_count(sdp), ==, 1);
		char type[16];
		unsigned port;
		g_assert_true(ars_sdp_media(sdp, 0, type, &port));
		g_assert_cmpstr(type, ==, "audio");
		g_assert_cmpuint(port, >, 0);
		/* printing and parsing again gives the same text */
		g_autofree char *once = ars_sdp_print(sdp);
		g_autoptr(ars_sdp) again = from_text(once);
		g_autofree char *twice = ars_sdp_print(again);
		g_assert_cmpstr(once, ==, twice);
	}
}

static void test_parse_rejects(void)
{
	static const struct {
		const char *text;
		size_t len;
		int rc;
	} bad[] = {
		{ "", 0, -EINVAL },
		{ "hello\r\n", 7, -EINVAL },
		{ "o=- 1 1 IN IP4 1.2.3.4\r\nv=0\r\n", 29, -EINVAL }, /* v= not first */
		{ "v=0\r\nXY\r\n", 9, -EINVAL },
		{ "v=0\r\nA=b\r\n", 10, -EINVAL },
		{ "v=0\r\na=x\0y\r\n", 12, -EINVAL },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		struct ars_sdp *sdp = NULL;
		char *err = NULL;
		g_assert_cmpint(ars_sdp_parse(&sdp, bad[i].text, bad[i].len, &err), ==, bad[i].rc);
		g_assert_null(sdp);
		g_assert_nonnull(err);
		g_free(err);
	}
	g_autofree char *big = g_malloc(ARS_SDP_MAX_LEN + 10);
	memset(big, 'a', ARS_SDP_MAX_LEN + 10);
	struct ars_sdp *sdp = NULL;
	g_autofree char *err = NULL;
	g_assert_cmpint(ars_sdp_parse(&sdp, big, ARS_SDP_MAX_LEN + 10, &err), ==, -E2BIG);
	/* LF-only and a missing final line end are fine */
	g_autoptr(ars_sdp) lf = from_text("v=0\nm=audio 5 RTP/AVP 0\na=sendonly");
	g_assert_cmpint(ars_sdp_direction(lf, 0), ==, ARS_SDP_DIR_SENDONLY);
}

/* Fix-up 1: c= from the first IPv4 UDP host candidate. */
static void test_connection_webrtcbin(void)
{
	g_autoptr(ars_sdp) sdp = load("webrtcbin-offer.sdp");
	g_assert_true(has_line(sdp, "c=IN IP4 0.0.0.0"));
	g_assert_cmpint(ars_sdp_fix_connection(sdp), ==, 0);
	g_assert_false(has_line(sdp, "c=IN IP4 0.0.0.0"));
	g_assert_true(has_line(sdp, "c=IN IP4 192.0.2.2"));
	g_assert_true(has_line(sdp, "m=audio 40721 UDP/TLS/RTP/SAVPF 111 0 8 101"));
	g_assert_cmpint(count_prefix(sdp, "c="), ==, 1);
}

static void test_connection_chromium(void)
{
	g_autoptr(ars_sdp) sdp = load("sipjs-chromium-offer.sdp");
	g_assert_cmpint(ars_sdp_fix_connection(sdp), ==, 0);
	g_assert_true(has_line(sdp, "c=IN IP4 203.0.113.30"));
	/* the placeholder a=rtcp gets the real address and port */
	g_assert_true(has_line(sdp, "a=rtcp:41526 IN IP4 203.0.113.30"));
	g_assert_true(has_line(sdp, "m=audio 41526 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126"));
}

static void test_connection_session_level(void)
{
	/* FreeSWITCH: session-level c= only; no media-level c= is added */
	g_autoptr(ars_sdp) fs = load("freeswitch-offer.sdp");
	g_assert_cmpint(ars_sdp_fix_connection(fs), ==, 0);
	g_assert_true(has_line(fs, "c=IN IP4 198.51.100.20"));
	g_assert_cmpint(count_prefix(fs, "c="), ==, 1);
	/* neither level: one is added after m= */
	g_autoptr(ars_sdp) bare =
	    from_text("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
	              "m=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=mid:0\r\n"
	              "a=candidate:1 1 TCP 1 10.0.0.9 9 typ host tcptype active\r\n"
	              "a=candidate:2 1 UDP 2 fe80::1 4000 typ host\r\n"
	              "a=candidate:3 2 UDP 3 10.0.0.8 4002 typ host\r\n"
	              "a=candidate:4 1 UDP 4 10.0.0.7 4001 typ srflx raddr 0.0.0.0 rport 0\r\n"
	              "a=candidate:5 1 udp 5 10.0.0.6 4004 typ host\r\n");
	g_assert_cmpint(ars_sdp_fix_connection(bare), ==, 0);
	g_autofree char *text = ars_sdp_print(bare);
	g_assert_true(strstr(text, "m=audio 4004 UDP/TLS/RTP/SAVPF 0\r\nc=IN IP4 10.0.0.6\r\n") != NULL);
}

static void test_connection_no_candidate(void)
{
	g_autoptr(ars_sdp) sdp = from_text("v=0\r\ns=-\r\nc=IN IP4 0.0.0.0\r\nm=audio 9 RTP/AVP 0\r\n"
	                                   "a=candidate:1 1 UDP 2 fe80::1 4000 typ host\r\n");
	g_autofree char *before = ars_sdp_print(sdp);
	g_assert_cmpint(ars_sdp_fix_connection(sdp), ==, -ENOENT);
	g_autofree char *after = ars_sdp_print(sdp);
	g_assert_cmpstr(before, ==, after);
}

/* Re-offers: webrtcbin lists no candidates once gathering is over. */
static void test_copy_candidates(void)
{
	g_autoptr(ars_sdp) prev = load("webrtcbin-offer.sdp");
	g_autoptr(ars_sdp) again = load("webrtcbin-offer.sdp");
	/* strip the candidates, as in webrtcbin's re-offer */
	g_autofree char *text = ars_sdp_print(again);
	g_auto(GStrv) lines = g_strsplit(text, "\r\n", -1);
	GString *no = g_string_new(NULL);
	for (int i = 0; lines[i] && lines[i][0]; i++)
		if (!g_str_has_prefix(lines[i], "a=candidate:"))
			g_string_append_printf(no, "%s\r\n", lines[i]);
	g_autoptr(ars_sdp) bare = from_text(no->str);
	g_string_free(no, TRUE);
	g_assert_cmpint(ars_sdp_fix_connection(bare), ==, -ENOENT);
	g_assert_cmpint(ars_sdp_copy_candidates(bare, prev), ==, 1);
	g_assert_cmpint(count_prefix(bare, "a=candidate:"), ==, 3);
	g_assert_cmpint(ars_sdp_fix_connection(bare), ==, 0);
	g_assert_true(has_line(bare, "c=IN IP4 192.0.2.2"));
	/* has its own already: untouched */
	g_assert_cmpint(ars_sdp_copy_candidates(again, prev), ==, 0);
	g_assert_cmpint(count_prefix(again, "a=candidate:"), ==, 3);
	/* an ICE restart (other ufrag): old candidates do not belong */
	g_autoptr(ars_sdp) other = from_text("v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=ice-ufrag:zzz\r\n");
	g_assert_cmpint(ars_sdp_copy_candidates(other, prev), ==, 0);
}

/* The far end's stream without a direction attribute is sendrecv. */
static void test_remote_direction(void)
{
	g_autoptr(ars_sdp) fs = load("freeswitch-offer.sdp");
	g_assert_null(ars_sdp_attr(fs, 0, "sendrecv"));
	g_assert_cmpint(ars_sdp_fix_remote_direction(fs), ==, 1);
	g_assert_nonnull(ars_sdp_attr(fs, 0, "sendrecv"));
	g_assert_cmpint(ars_sdp_fix_remote_direction(fs), ==, 0);
	/* Firefox: session-level sendrecv and a media-level one: nothing to do */
	g_autoptr(ars_sdp) ff = load("jssip-firefox-offer.sdp");
	g_assert_cmpint(ars_sdp_fix_remote_direction(ff), ==, 0);
	/* session-level only: copied down */
	g_autoptr(ars_sdp) hold = from_text("v=0\r\na=sendonly\r\nm=audio 5 RTP/AVP 0\r\n");
	g_assert_cmpint(ars_sdp_fix_remote_direction(hold), ==, 1);
	g_assert_nonnull(ars_sdp_attr(hold, 0, "sendonly"));
}

/* Hold in the SDP text: setting a section's direction, answering one,
 * intersecting two. */
static void test_set_direction(void)
{
	g_autoptr(ars_sdp) sdp = from_text("v=0\r\na=sendrecv\r\nm=audio 5 RTP/AVP 0\r\na=sendonly\r\n"
	                                   "a=recvonly\r\na=rtpmap:0 PCMU/8000\r\n");
	ars_sdp_set_direction(sdp, 0, ARS_SDP_DIR_INACTIVE);
	g_assert_cmpint(ars_sdp_direction(sdp, 0), ==, ARS_SDP_DIR_INACTIVE);
	g_assert_cmpint(count_prefix(sdp, "a=sendonly"), ==, 0);
	g_assert_cmpint(count_prefix(sdp, "a=recvonly"), ==, 0);
	g_assert_cmpint(count_prefix(sdp, "a=sendrecv"), ==, 1); /* session level stays */
	/* already so: nothing moves */
	g_autofree char *before = ars_sdp_print(sdp);
	ars_sdp_set_direction(sdp, 0, ARS_SDP_DIR_INACTIVE);
	g_autofree char *after = ars_sdp_print(sdp);
	g_assert_cmpstr(before, ==, after);
	ars_sdp_set_direction(sdp, 3, ARS_SDP_DIR_SENDONLY); /* no such section */
	g_assert_cmpint(ars_sdp_dir_answer(ARS_SDP_DIR_SENDONLY), ==, ARS_SDP_DIR_RECVONLY);
	g_assert_cmpint(ars_sdp_dir_answer(ARS_SDP_DIR_RECVONLY), ==, ARS_SDP_DIR_SENDONLY);
	g_assert_cmpint(ars_sdp_dir_answer(ARS_SDP_DIR_INACTIVE), ==, ARS_SDP_DIR_INACTIVE);
	g_assert_cmpint(ars_sdp_dir_answer(ARS_SDP_DIR_SENDRECV), ==, ARS_SDP_DIR_SENDRECV);
	g_assert_cmpint(ars_sdp_dir_both(ARS_SDP_DIR_SENDONLY, ARS_SDP_DIR_SENDRECV), ==, ARS_SDP_DIR_SENDONLY);
	g_assert_cmpint(ars_sdp_dir_both(ARS_SDP_DIR_SENDONLY, ARS_SDP_DIR_RECVONLY), ==, ARS_SDP_DIR_INACTIVE);
	g_assert_cmpint(ars_sdp_dir_both(ARS_SDP_DIR_SENDRECV, ARS_SDP_DIR_RECVONLY), ==, ARS_SDP_DIR_RECVONLY);
}

/* Fix-up 2: our o= line, id fixed per session, version +1 for each changed
 * description. */
static void test_origin(void)
{
	struct ars_sdp_origin o;
	ars_sdp_origin_init(&o);
	g_assert_cmpuint(o.sess_id, >, 0);
	g_assert_cmpuint(o.sess_id, <, G_GUINT64_CONSTANT(1) << 62);
	g_autoptr(ars_sdp) sdp = load("webrtcbin-offer.sdp");
	ars_sdp_fix_connection(sdp);
	ars_sdp_set_origin(sdp, &o, NULL);
	g_autofree char *want1 =
	    g_strdup_printf("o=- %" G_GUINT64_FORMAT " 1 IN IP4 192.0.2.2", (guint64)o.sess_id);
	g_assert_true(has_line(sdp, want1));
	ars_sdp_set_origin(sdp, &o, NULL);
	g_autofree char *want2 =
	    g_strdup_printf("o=- %" G_GUINT64_FORMAT " 2 IN IP4 192.0.2.2", (guint64)o.sess_id);
	g_assert_true(has_line(sdp, want2));
	g_assert_cmpint(count_prefix(sdp, "o="), ==, 1);
	/* a session refresh: the same description (webrtcbin's own o= line
	 * aside) keeps version 2; a changed one (hold) gets 3 */
	g_autoptr(ars_sdp) same = load("webrtcbin-offer.sdp");
	ars_sdp_fix_connection(same);
	ars_sdp_set_origin(same, &o, sdp);
	g_assert_true(has_line(same, want2));
	g_autoptr(ars_sdp) held = from_text("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\nm=audio 5 RTP/AVP 0\r\n"
	                                    "c=IN IP4 192.0.2.2\r\na=sendonly\r\n");
	ars_sdp_set_origin(held, &o, sdp);
	g_autofree char *want3 =
	    g_strdup_printf("o=- %" G_GUINT64_FORMAT " 3 IN IP4 192.0.2.2", (guint64)o.sess_id);
	g_assert_true(has_line(held, want3));
	/* two sessions do not share an id */
	struct ars_sdp_origin other;
	ars_sdp_origin_init(&other);
	g_assert_cmpuint(other.sess_id, !=, o.sess_id);
}

/* Fix-up 3: telephone-event in answers. */
static void test_telephone_event_added(void)
{
	static const struct {
		const char *offer;
		int pt;
	} cases[] = {
		{ "asterisk-offer.sdp", 101 },       { "freeswitch-offer.sdp", 101 },
		{ "sipjs-chromium-offer.sdp", 126 }, /* the /8000 one, not 110 (/48000) */
		{ "jssip-firefox-offer.sdp", 101 },  /* telephone-event/8000/1 */
		{ "rtpengine-offer.sdp", 126 },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(ars_sdp) offer = load(cases[i].offer);
		g_autoptr(ars_sdp) answer = load("webrtcbin-answer.sdp");
		g_assert_cmpint(ars_sdp_find_payload(answer, 0, "telephone-event", 8000), ==, -1);
		g_assert_cmpint(ars_sdp_add_telephone_event(answer, offer), ==, 1);
		g_assert_cmpint(ars_sdp_find_payload(answer, 0, "telephone-event", 8000), ==, cases[i].pt);
		g_autofree char *fmtp = g_strdup_printf("a=fmtp:%d 0-16", cases[i].pt);
		g_assert_true(has_line(answer, fmtp));
		/* the codec is still the first payload */
		struct ars_sdp_codec c;
		g_assert_cmpint(ars_sdp_read_codec(answer, &c), ==, 0);
		g_assert_cmpint(c.dtmf_payload, ==, cases[i].pt);
		/* idempotent */
		g_assert_cmpint(ars_sdp_add_telephone_event(answer, offer), ==, 0);
	}
}

static void test_telephone_event_cases(void)
{
	/* an answer that has it without fmtp gets the fmtp */
	g_autoptr(ars_sdp) offer = load("asterisk-offer.sdp");
	g_autoptr(ars_sdp) chrome = load("sipjs-chromium-answer.sdp");
	g_assert_false(has_line(chrome, "a=fmtp:101 0-16"));
	g_assert_cmpint(ars_sdp_add_telephone_event(chrome, offer), ==, 1);
	g_assert_true(has_line(chrome, "a=fmtp:101 0-16"));
	/* no telephone-event offered: nothing added */
	g_autoptr(ars_sdp) plain = from_text("v=0\r\nm=audio 5000 RTP/AVP 0\r\n");
	g_autoptr(ars_sdp) ans = from_text("v=0\r\nm=audio 6000 RTP/AVP 0\r\n");
	g_assert_cmpint(ars_sdp_add_telephone_event(ans, plain), ==, 0);
	/* a rejected stream stays rejected */
	g_autoptr(ars_sdp) rejected = from_text("v=0\r\nm=audio 0 RTP/AVP 0\r\n");
	g_assert_cmpint(ars_sdp_add_telephone_event(rejected, offer), ==, 0);
	/* the offer's number is taken by another codec in the answer: no clash */
	g_autoptr(ars_sdp) clash =
	    from_text("v=0\r\nm=audio 6000 RTP/AVP 101\r\na=rtpmap:101 opus/48000/2\r\n");
	g_assert_cmpint(ars_sdp_add_telephone_event(clash, offer), ==, 0);
}

/* Fix-up 4: DTLS roles stay what they were after the first negotiation. */
static void test_setup_roles(void)
{
	/* we offer first: actpass; the answer says active -> we are passive */
	g_autoptr(ars_sdp) offer = load("webrtcbin-offer.sdp");
	g_assert_cmpint(ars_sdp_keep_setup_offer(offer, ARS_SDP_ROLE_NONE), ==, 0);
	g_assert_true(has_line(offer, "a=setup:actpass"));
	g_autoptr(ars_sdp) asterisk = load("asterisk-answer.sdp");
	enum ars_sdp_role role = ars_sdp_role_after_answer(asterisk, false);
	g_assert_cmpint(role, ==, ARS_SDP_ROLE_PASSIVE);
	/* the re-offer keeps passive */
	g_autoptr(ars_sdp) reoffer = load("webrtcbin-offer.sdp");
	g_assert_cmpint(ars_sdp_keep_setup_offer(reoffer, role), ==, 1);
	g_assert_true(has_line(reoffer, "a=setup:passive"));
	g_assert_false(has_line(reoffer, "a=setup:actpass"));

	/* we answered first with active; their re-offer says actpass: stay active */
	g_autoptr(ars_sdp) our_answer = load("webrtcbin-answer.sdp");
	g_assert_cmpint(ars_sdp_role_after_answer(our_answer, true), ==, ARS_SDP_ROLE_ACTIVE);
	g_autoptr(ars_sdp) their = load("rtpengine-offer.sdp");
	g_autoptr(ars_sdp) passive_answer = load("webrtcbin-answer.sdp");
	/* pretend webrtcbin chose passive this time */
	ars_sdp_keep_setup_offer(passive_answer, ARS_SDP_ROLE_PASSIVE);
	g_assert_cmpint(ars_sdp_keep_setup_answer(passive_answer, their, ARS_SDP_ROLE_ACTIVE), ==, 1);
	g_assert_true(has_line(passive_answer, "a=setup:active"));
	/* an offer that says active forces passive, whatever we had */
	g_autoptr(ars_sdp) active_offer =
	    from_text("v=0\r\nm=audio 5 UDP/TLS/RTP/SAVPF 0\r\na=setup:active\r\n");
	g_autoptr(ars_sdp) ans = load("webrtcbin-answer.sdp");
	g_assert_cmpint(ars_sdp_keep_setup_answer(ans, active_offer, ARS_SDP_ROLE_ACTIVE), ==, 1);
	g_assert_true(has_line(ans, "a=setup:passive"));
	/* no role known yet: webrtcbin's choice stays */
	g_autoptr(ars_sdp) first = load("webrtcbin-answer.sdp");
	g_assert_cmpint(ars_sdp_keep_setup_answer(first, their, ARS_SDP_ROLE_NONE), ==, 0);
	/* Firefox puts a=setup at media level only; session-level fingerprint is fine */
	g_autoptr(ars_sdp) ff = load("jssip-firefox-offer.sdp");
	g_assert_cmpstr(ars_sdp_attr(ff, 0, "setup"), ==, "actpass");
	g_assert_nonnull(ars_sdp_attr(ff, -1, "fingerprint"));
}

/* Reading the negotiated codec. */
static void test_read_codec(void)
{
	static const struct {
		const char *file;
		const char *name;
		unsigned rate, ch;
		int pt, dtmf;
	} cases[] = {
		{ "asterisk-answer.sdp", "opus", 48000, 2, 111, 101 },
		{ "sipjs-chromium-answer.sdp", "OPUS", 48000, 2, 111, 101 },
		{ "rtpengine-answer.sdp", "opus", 48000, 2, 111, 101 },
		{ "asterisk-offer.sdp", "opus", 48000, 2, 107, 101 },
		{ "jssip-firefox-offer.sdp", "opus", 48000, 2, 109, 101 },
		{ "sipjs-chromium-offer.sdp", "opus", 48000, 2, 111, 126 },
		{ "webrtcbin-answer.sdp", "OPUS", 48000, 2, 107, -1 },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(ars_sdp) sdp = load(cases[i].file);
		struct ars_sdp_codec c;
		g_assert_cmpint(ars_sdp_read_codec(sdp, &c), ==, 0);
		g_assert_cmpstr(c.name, ==, cases[i].name);
		g_assert_cmpuint(c.rate, ==, cases[i].rate);
		g_assert_cmpuint(c.channels, ==, cases[i].ch);
		g_assert_cmpint(c.payload, ==, cases[i].pt);
		g_assert_cmpint(c.dtmf_payload, ==, cases[i].dtmf);
	}
	/* static payload without rtpmap; CN and telephone-event skipped */
	g_autoptr(ars_sdp) pcmu = from_text("v=0\r\nm=audio 5000 RTP/AVP 13 101 0\r\n"
	                                    "a=rtpmap:101 telephone-event/8000\r\n");
	struct ars_sdp_codec c;
	g_assert_cmpint(ars_sdp_read_codec(pcmu, &c), ==, 0);
	g_assert_cmpstr(c.name, ==, "PCMU");
	g_assert_cmpint(c.payload, ==, 0);
	/* rejected or not audio: none */
	g_autoptr(ars_sdp) none = from_text("v=0\r\nm=audio 0 RTP/AVP 0\r\nm=video 5 RTP/AVP 96\r\n"
	                                    "a=rtpmap:96 VP8/90000\r\n");
	g_assert_cmpint(ars_sdp_read_codec(none, &c), ==, -ENOENT);
	/* a bundle offer whose first section is video */
	g_autoptr(ars_sdp) second = from_text("v=0\r\nm=video 5 RTP/AVP 96\r\na=rtpmap:96 VP8/90000\r\n"
	                                      "m=audio 5 RTP/AVP 8\r\n");
	g_assert_cmpint(ars_sdp_read_codec(second, &c), ==, 0);
	g_assert_cmpint(c.section, ==, 1);
	g_assert_cmpstr(c.name, ==, "PCMA");
}

static void test_lookups(void)
{
	g_autoptr(ars_sdp) a = load("asterisk-offer.sdp");
	g_assert_cmpint(ars_sdp_find_payload(a, 0, "OPUS", 48000), ==, 107);
	g_assert_cmpint(ars_sdp_find_payload(a, 0, "pcmu", 8000), ==, 0);
	g_assert_cmpint(ars_sdp_find_payload(a, 0, "PCMA", 8000), ==, 8);
	g_assert_cmpint(ars_sdp_find_payload(a, 0, "G722", 8000), ==, -1);
	g_assert_cmpint(ars_sdp_find_payload(a, 1, "PCMA", 8000), ==, -1);
	g_assert_cmpint(ars_sdp_direction(a, 0), ==, ARS_SDP_DIR_SENDRECV);
	g_autoptr(ars_sdp) ff = load("jssip-firefox-offer.sdp");
	g_auto(GStrv) addrs = ars_sdp_candidate_addresses(ff);
	g_assert_cmpuint(g_strv_length(addrs), ==, 2);
	g_assert_cmpstr(addrs[0], ==, "203.0.113.40");
	g_autoptr(ars_sdp) rtpe = load("rtpengine-offer.sdp");
	g_assert_cmpstr(ars_sdp_attr(rtpe, 0, "rtcp"), ==, "30129");
	g_assert_nonnull(ars_sdp_attr(rtpe, 0, "rtcp-mux"));
	g_assert_null(ars_sdp_attr(rtpe, 0, "rtcp-mux-only"));
	g_assert_null(ars_sdp_attr(rtpe, 3, "rtcp"));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/media/sdp/parse-captured", test_parse_captured);
	g_test_add_func("/media/sdp/parse-rejects", test_parse_rejects);
	g_test_add_func("/media/sdp/connection/webrtcbin", test_connection_webrtcbin);
	g_test_add_func("/media/sdp/connection/chromium", test_connection_chromium);
	g_test_add_func("/media/sdp/connection/session-level", test_connection_session_level);
	g_test_add_func("/media/sdp/connection/no-candidate", test_connection_no_candidate);
	g_test_add_func("/media/sdp/copy-candidates", test_copy_candidates);
	g_test_add_func("/media/sdp/remote-direction", test_remote_direction);
	g_test_add_func("/media/sdp/set-direction", test_set_direction);
	g_test_add_func("/media/sdp/origin", test_origin);
	g_test_add_func("/media/sdp/telephone-event/added", test_telephone_event_added);
	g_test_add_func("/media/sdp/telephone-event/cases", test_telephone_event_cases);
	g_test_add_func("/media/sdp/setup-roles", test_setup_roles);
	g_test_add_func("/media/sdp/read-codec", test_read_codec);
	g_test_add_func("/media/sdp/lookups", test_lookups);
	return g_test_run();
}
