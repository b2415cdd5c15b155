/* test_sip_auth.c - HTTP Digest: the RFC 7616 §3.9.1 and RFC 2617 §3.5
 * vectors, the other algorithms, challenge parsing and the choice between
 * several challenges. */
#include "sip/auth.h"

#include <glib.h>
#include <string.h>

static struct ars_digest_challenge challenge(const char *value)
{
	struct ars_digest_challenge c = {0};
	const char *why = NULL;
	if (!ars_digest_challenge_parse(value, &c, &why))
		g_error("%s: %s", value, why);
	return c;
}

/* The value of name in an Authorization value (quoted or not). */
static char *field(const char *auth, const char *name)
{
	g_autofree char *pat = g_strdup_printf("(^Digest |, )%s=(\"([^\"]*)\"|([^,]*))", name);
	g_autoptr(GRegex) re = g_regex_new(pat, 0, 0, NULL);
	g_autoptr(GMatchInfo) mi = NULL;
	if (!g_regex_match(re, auth, 0, &mi))
		return NULL;
	char *v = g_match_info_fetch(mi, 3);
	if (!*v) {
		g_free(v);
		v = g_match_info_fetch(mi, 4);
	}
	return v;
}

static void assert_field(const char *auth, const char *name, const char *expected)
{
	g_autofree char *v = field(auth, name);
	if (g_strcmp0(v, expected) != 0)
		g_error("%s: %s is %s, expected %s", auth, name, v, expected);
}

/* RFC 7616 §3.9.1: the same request answered with SHA-256 and with MD5. */
static void test_rfc7616(void)
{
	static const struct {
		const char *challenge, *algorithm, *response;
	} cases[] = {
		{"Digest realm=\"http-auth@example.org\", qop=\"auth, auth-int\", algorithm=SHA-256, "
		 "nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", "
		 "opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"",
		 "SHA-256", "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"},
		{"Digest realm=\"http-auth@example.org\", qop=\"auth, auth-int\", algorithm=MD5, "
		 "nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", "
		 "opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"",
		 "MD5", "8ca523f5e9506fed4657c9700eebdbec"},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct ars_digest_challenge c = challenge(cases[i].challenge);
		g_assert_true(c.qop_auth);
		g_assert_true(c.algorithm_given);
		struct ars_digest_request r = {
			.username = "Mufasa",
			.password = "Circle of Life",
			.method = "GET",
			.uri = "/dir/index.html",
			.cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
			.nc = 1,
		};
		g_autofree char *auth = ars_digest_authorization(&c, &r);
		g_assert_true(g_str_has_prefix(auth, "Digest username=\"Mufasa\", "));
		assert_field(auth, "realm", "http-auth@example.org");
		assert_field(auth, "uri", "/dir/index.html");
		assert_field(auth, "algorithm", cases[i].algorithm);
		assert_field(auth, "nonce", "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v");
		assert_field(auth, "nc", "00000001");
		assert_field(auth, "cnonce", "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ");
		assert_field(auth, "qop", "auth");
		assert_field(auth, "response", cases[i].response);
		assert_field(auth, "opaque", "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS");
		g_assert_null(strstr(auth, "Circle"));
		ars_digest_challenge_clear(&c);
	}
}

/* RFC 2617 §3.5: MD5 with qop=auth, no algorithm named (so none echoed). */
static void test_rfc2617(void)
{
	struct ars_digest_challenge c = challenge(
		/* as the message parser hands it over: the RFC's folded lines unfolded */
		"Digest realm=\"testrealm@host.com\", qop=\"auth,auth-int\", "
		"nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", "
		"opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"");
	g_assert_cmpint(c.alg, ==, ARS_DIGEST_MD5);
	g_assert_false(c.algorithm_given);
	g_assert_false(c.stale);
	g_assert_cmpstr(c.opaque, ==, "5ccc069c403ebaf9f0171e9517f40e41");
	struct ars_digest_request r = {
		.username = "Mufasa",
		.password = "Circle Of Life",
		.method = "GET",
		.uri = "/dir/index.html",
		.cnonce = "0a4f113b",
		.nc = 1,
	};
	g_autofree char *auth = ars_digest_authorization(&c, &r);
	assert_field(auth, "response", "6629fae49393a05397450978507c4ef1");
	assert_field(auth, "opaque", "5ccc069c403ebaf9f0171e9517f40e41");
	assert_field(auth, "nc", "00000001");
	g_assert_null(strstr(auth, "algorithm="));
	ars_digest_challenge_clear(&c);
}

/* No qop (RFC 2069 style): response = H(HA1:nonce:HA2), no cnonce, qop or
 * nc sent. The expected values were computed independently with Python's
 * hashlib from RFC 2617 §3.2.2.1. */
static void test_no_qop(void)
{
	struct ars_digest_challenge c =
		challenge("Digest realm=\"testrealm@host.com\", nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\"");
	g_assert_false(c.qop_auth);
	struct ars_digest_request r = {"Mufasa", "CircleOfLife", "GET", "/dir/index.html", NULL, 1};
	g_autofree char *auth = ars_digest_authorization(&c, &r);
	assert_field(auth, "response", "1949323746fe6a43ef61f9606e7febea");
	g_assert_null(strstr(auth, "cnonce="));
	g_assert_null(strstr(auth, "qop="));
	g_assert_null(strstr(auth, "nc="));
	g_assert_null(strstr(auth, "opaque="));
	ars_digest_challenge_clear(&c);

	c = challenge("Digest realm=\"pbx.example\", nonce=\"abc\", algorithm=SHA-256");
	struct ars_digest_request s = {"alice", "s3cret", "REGISTER", "sip:pbx.example", NULL, 1};
	g_autofree char *sha = ars_digest_authorization(&c, &s);
	assert_field(sha, "response", "681848e65c8a13b3cf7274a88bf3f53cfeb9a591a47ff407586336537c47ff51");
	ars_digest_challenge_clear(&c);
}

/* -sess: HA1 = H(H(user:realm:password):nonce:cnonce) (RFC 7616 §3.4.2);
 * expected values from Python's hashlib. */
static void test_sess(void)
{
	static const struct {
		const char *alg, *response;
	} cases[] = {
		{"MD5-sess", "5510a752f45b3d0470bfd15ecd2f6ee0"},
		{"SHA-256-sess", "8cd33577b5389a1325155555c0e8ec515c879dc6f2d6193c44d05ba476cbb9bd"},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *v = g_strdup_printf(
			"Digest realm=\"pbx.example\",nonce=\"abc\",qop=\"auth\",algorithm=%s", cases[i].alg);
		struct ars_digest_challenge c = challenge(v);
		struct ars_digest_request r = {"alice", "s3cret", "REGISTER", "sip:pbx.example", "c0ffee", 2};
		g_autofree char *auth = ars_digest_authorization(&c, &r);
		assert_field(auth, "response", cases[i].response);
		assert_field(auth, "algorithm", cases[i].alg);
		assert_field(auth, "nc", "00000002");
		ars_digest_challenge_clear(&c);
	}
}

static void test_cnonce_and_quoting(void)
{
	struct ars_digest_challenge c = challenge("Digest realm=\"r\", nonce=\"n\", qop=auth");
	struct ars_digest_request r = {"we\"ird\\user", "pw", "REGISTER", "sip:r", NULL, 0x1a};
	g_autofree char *a1 = ars_digest_authorization(&c, &r);
	g_autofree char *a2 = ars_digest_authorization(&c, &r);
	g_autofree char *c1 = field(a1, "cnonce");
	g_autofree char *c2 = field(a2, "cnonce");
	g_assert_cmpuint(strlen(c1), ==, 32);
	g_assert_cmpstr(c1, !=, c2); /* random */
	assert_field(a1, "nc", "0000001a");
	g_assert_true(g_str_has_prefix(a1, "Digest username=\"we\\\"ird\\\\user\", "));
	ars_digest_challenge_clear(&c);
}

static void test_parse(void)
{
	struct ars_digest_challenge c = challenge(
		"digest  realm=\"a, \\\"quoted\\\" realm\" ,nonce=abc123, algorithm=sha-256-SESS,"
		" stale=TRUE, domain=\"sip:pbx.example\", userhash=false, opaque=\"\", qop=\"auth-int,auth\"");
	g_assert_cmpstr(c.realm, ==, "a, \"quoted\" realm");
	g_assert_cmpstr(c.nonce, ==, "abc123");
	g_assert_cmpint(c.alg, ==, ARS_DIGEST_SHA256_SESS);
	g_assert_true(c.algorithm_given);
	g_assert_true(c.stale);
	g_assert_cmpstr(c.opaque, ==, "");
	g_assert_true(c.qop_auth);
	ars_digest_challenge_clear(&c);
	g_assert_null(c.realm);

	c = challenge("Digest realm=\"\", nonce=\"n\", stale=true, algorithm=\"MD5\"");
	g_assert_cmpstr(c.realm, ==, "");
	g_assert_true(c.stale);
	g_assert_null(c.opaque);
	g_assert_false(c.qop_auth);
	ars_digest_challenge_clear(&c);

	c = challenge("Digest realm=r, nonce=n, stale=false, newparam=\"x\", ,");
	g_assert_false(c.stale);
	ars_digest_challenge_clear(&c);

	static const struct {
		const char *v, *why;
	} bad[] = {
		{"Basic realm=\"r\"", "not a Digest challenge"},
		{"Digestrealm=\"r\", nonce=\"n\"", "not a Digest challenge"},
		{"Digest", "no parameters"},
		{"Digest realm=\"r\"", "no nonce"},
		{"Digest realm=\"r\", nonce=\"\"", "no nonce"},
		{"Digest nonce=\"n\"", "no realm"},
		{"Digest realm=\"r\", nonce=\"n\", qop=\"auth-int\"", "no qop=auth offered"},
		{"Digest realm=\"r\", nonce=\"n\", qop=\"\"", "no qop=auth offered"},
		{"Digest realm=\"r\", nonce=\"n\", algorithm=SHA-512-256", "unsupported algorithm"},
		{"Digest realm=\"r\", nonce=\"n\", algorithm=AKAv1-MD5", "unsupported algorithm"},
		{"Digest realm=\"r\", nonce=\"n\", nonce=\"m\"", "repeated parameter"},
		{"Digest realm=\"r\", realm=\"r\", nonce=\"n\"", "repeated parameter"},
		{"Digest realm=\"r, nonce=\"n\"", "malformed parameter"},
		{"Digest realm=\"r\", nonce=\"n", "unterminated quoted string"},
		{"Digest realm \"r\", nonce=\"n\"", "malformed parameter"},
		{"Digest realm=, nonce=\"n\"", "malformed parameter"},
		{"Digest realm=\"r\" nonce=\"n\"", "malformed parameter"},
		{"Digest =\"r\", nonce=\"n\"", "malformed parameter"},
		{"", "not a Digest challenge"},
		{NULL, "no challenge"},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		struct ars_digest_challenge d = {0};
		const char *why = NULL;
		g_assert_false(ars_digest_challenge_parse(bad[i].v, &d, &why));
		if (g_strcmp0(why, bad[i].why) != 0)
			g_error("%s: %s, expected %s", bad[i].v, why, bad[i].why);
		g_assert_null(d.realm);
		g_assert_null(d.nonce);
	}
}

static void test_pick(void)
{
	const char *md5 = "Digest realm=\"r\", nonce=\"n1\", algorithm=MD5, qop=\"auth\"";
	const char *sha = "Digest realm=\"r\", nonce=\"n2\", algorithm=SHA-256, qop=\"auth\"";
	const char *basic = "Basic realm=\"r\"";
	const char *aka = "Digest realm=\"r\", nonce=\"n\", algorithm=AKAv1-MD5";
	const char *plain = "Digest realm=\"r\", nonce=\"n3\"";
	const char *const v1[] = {md5, sha};
	g_assert_cmpint(ars_digest_pick(v1, 2), ==, 1);
	const char *const v2[] = {sha, md5};
	g_assert_cmpint(ars_digest_pick(v2, 2), ==, 0);
	const char *const v3[] = {basic, aka, plain, md5};
	g_assert_cmpint(ars_digest_pick(v3, 4), ==, 2); /* the first of equals */
	const char *const v4[] = {basic, aka, NULL};
	g_assert_cmpint(ars_digest_pick(v4, 3), ==, -1);
	g_assert_cmpint(ars_digest_pick(NULL, 0), ==, -1);
	g_assert_cmpint(ars_digest_pick(v1, 0), ==, -1);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/sip/auth/rfc7616", test_rfc7616);
	g_test_add_func("/sip/auth/rfc2617", test_rfc2617);
	g_test_add_func("/sip/auth/no-qop", test_no_qop);
	g_test_add_func("/sip/auth/sess", test_sess);
	g_test_add_func("/sip/auth/cnonce-and-quoting", test_cnonce_and_quoting);
	g_test_add_func("/sip/auth/parse", test_parse);
	g_test_add_func("/sip/auth/pick", test_pick);
	return g_test_run();
}
