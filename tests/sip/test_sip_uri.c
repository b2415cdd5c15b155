/* test_sip_uri.c - sip:, sips: and tel: URIs: every example of RFC 3261
 * §19.1.4, round trips through the printer, escapes, IPv6, tel: and what
 * is refused. */
#include "sip/uri.h"

#include <glib.h>
#include <string.h>

static struct ars_uri *parse(const char *s)
{
	const char *why = NULL;
	struct ars_uri *u = ars_uri_parse(s, strlen(s), &why);
	if (!u)
		g_error("%s: %s", s, why);
	return u;
}

static bool equal(const char *a, const char *b)
{
	g_autoptr(ArsUri) x = parse(a);
	g_autoptr(ArsUri) y = parse(b);
	bool e = ars_uri_equal(x, y);
	g_assert_cmpint(e, ==, ars_uri_equal(y, x)); /* symmetric */
	g_assert_true(ars_uri_equal(x, x));
	return e;
}

/* RFC 3261 §19.1.4: "The URIs within each of the following sets are
 * equivalent" ... "are not equivalent". */
static void test_rfc3261_equal(void)
{
	static const char *const sets[][3] = {
		{"sip:%61lice@atlanta.com;transport=TCP", "sip:alice@AtLanTa.CoM;Transport=tcp", NULL},
		{"sip:carol@chicago.com", "sip:carol@chicago.com;newparam=5",
		 "sip:carol@chicago.com;security=on"},
		{"sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com",
		 "sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com", NULL},
		{"sip:alice@atlanta.com?subject=project%20x&priority=urgent",
		 "sip:alice@atlanta.com?priority=urgent&subject=project%20x", NULL},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(sets); i++)
		for (int a = 0; a < 3 && sets[i][a]; a++)
			for (int b = 0; b < 3 && sets[i][b]; b++)
				if (!equal(sets[i][a], sets[i][b]))
					g_error("%s != %s", sets[i][a], sets[i][b]);
}

static void test_rfc3261_not_equal(void)
{
	static const char *const pairs[][2] = {
		{"SIP:ALICE@AtLanTa.CoM;Transport=udp", "sip:alice@AtLanTa.CoM;Transport=UDP"},
		{"sip:bob@biloxi.com", "sip:bob@biloxi.com:5060"},
		{"sip:bob@biloxi.com", "sip:bob@biloxi.com;transport=udp"},
		{"sip:bob@biloxi.com", "sip:bob@biloxi.com:6000;transport=tcp"},
		{"sip:carol@chicago.com", "sip:carol@chicago.com?Subject=next%20meeting"},
		{"sip:bob@phone21.boxesbybob.com", "sip:bob@192.0.2.4"},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(pairs); i++)
		if (equal(pairs[i][0], pairs[i][1]))
			g_error("%s == %s", pairs[i][0], pairs[i][1]);
}

static void test_more_comparisons(void)
{
	g_assert_false(equal("sip:alice@atlanta.com", "sips:alice@atlanta.com"));
	g_assert_false(equal("sip:atlanta.com", "sip:alice@atlanta.com"));
	/* user, ttl, method, maddr, transport in only one URI: never equal */
	g_assert_false(equal("sip:a@h", "sip:a@h;user=phone"));
	g_assert_false(equal("sip:a@h", "sip:a@h;ttl=1"));
	g_assert_false(equal("sip:a@h", "sip:a@h;method=INVITE"));
	g_assert_false(equal("sip:a@h", "sip:a@h;maddr=192.0.2.1"));
	g_assert_true(equal("sip:a@h", "sip:a@h;lr"));
	g_assert_false(equal("sip:a@h;lr", "sip:a@h;lr=1"));
	g_assert_false(equal("sip:a@h;x=1", "sip:a@h;x=2"));
	g_assert_true(equal("sip:a@h;X=Abc", "sip:a@h;x=aBC"));
	g_assert_false(equal("sip:a@h?x=1", "sip:a@h?x=1&x=1"));
	g_assert_true(equal("sip:a@[2001:db8::1]", "sip:a@[2001:0DB8:0:0::1]"));
	g_assert_false(equal("sip:a@[2001:db8::1]", "sip:a@[2001:db8::2]"));
	g_assert_true(equal("sip:%41@h", "sip:A@h"));
	g_assert_false(equal("sip:a@h", "sip:A@h")); /* userinfo is case-sensitive */
	g_assert_true(equal("tel:+1-201-555-0123", "tel:+12015550123"));
	g_assert_true(equal("tel:+1(201)5550123;ext=1", "tel:+12015550123;EXT=1"));
	g_assert_false(equal("tel:+12015550123", "tel:+12015550124"));
	g_assert_false(equal("tel:+12015550123", "tel:+12015550123;ext=1"));
	g_assert_false(equal("tel:+12015550123", "sip:+12015550123@h"));
	g_assert_false(ars_uri_equal(NULL, NULL));
}

static void test_round_trip(void)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{"sip:alice@atlanta.com", "sip:alice@atlanta.com"},
		{"SIP:Alice@AtLanTa.CoM:5061;Transport=TCP", "sip:Alice@atlanta.com:5061;transport=TCP"},
		{"sips:1212@gateway.com", "sips:1212@gateway.com"},
		{"sip:%61lice@atlanta.com", "sip:alice@atlanta.com"},
		{"sip:sips%3Auser%40example.com@example.net", "sip:sips%3Auser%40example.com@example.net"},
		{"sip:I%20have%20spaces@example.net", "sip:I%20have%20spaces@example.net"},
		{"sip:user;par=u%40example.net@example.com", "sip:user;par=u%40example.net@example.com"},
		{"sip:atlanta.com;method=REGISTER?to=alice%40atlanta.com",
		 "sip:atlanta.com;method=REGISTER?to=alice%40atlanta.com"},
		{"sip:alice;day=tuesday@atlanta.com", "sip:alice;day=tuesday@atlanta.com"},
		{"sip:h;%6C%72;n%61me=v%61lue%25%34%31", "sip:h;lr;name=value%2541"},
		{"sip:[2001:DB8::1]:5060;transport=ws", "sip:[2001:db8::1]:5060;transport=ws"},
		{"sip:192.0.2.4", "sip:192.0.2.4"},
		{"sip:host.example.com.", "sip:host.example.com."},
		{"sip:a@h?subject=project%20x&priority=urgent", "sip:a@h?subject=project%20x&priority=urgent"},
		{"sip:a@h;x=%3B%3D", "sip:a@h;x=%3B%3D"},
		{"sip:%C3%A9t%C3%A9@h", "sip:%C3%A9t%C3%A9@h"},
		{"tel:+1-201-555-0123", "tel:+1-201-555-0123"},
		{"TEL:7042;Phone-Context=example.com", "tel:7042;phone-context=example.com"},
		{"tel:*21#;phone-context=+1-201", "tel:*21#;phone-context=+1-201"},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(ArsUri) u = parse(cases[i].in);
		g_autofree char *text = ars_uri_print(u);
		g_assert_cmpstr(text, ==, cases[i].out);
		g_autoptr(ArsUri) again = parse(text);
		g_assert_true(ars_uri_equal(u, again));
		g_autofree char *text2 = ars_uri_print(again);
		g_assert_cmpstr(text2, ==, text);
	}
}

static void test_fields(void)
{
	g_autoptr(ArsUri) u = parse("sips:%61lice@[2001:DB8::1]:8443;transport=WSS;lr;ob?X-Y=a%20b");
	g_assert_cmpint(u->scheme, ==, ARS_URI_SIPS);
	g_assert_cmpstr(u->user, ==, "alice");
	g_assert_cmpstr(u->host, ==, "2001:db8::1");
	g_assert_true(u->host_is_ipv6);
	g_assert_cmpint(u->port, ==, 8443);
	g_assert_cmpuint(u->params->len, ==, 3);
	g_assert_cmpstr(ars_uri_param(u, "Transport"), ==, "WSS");
	g_assert_cmpstr(ars_uri_param(u, "lr"), ==, "");
	g_assert_null(ars_uri_param(u, "maddr"));
	const struct ars_uri_param *h = u->headers->pdata[0];
	g_assert_cmpstr(h->name, ==, "X-Y");
	g_assert_cmpstr(h->value, ==, "a b");

	g_autoptr(ArsUri) t = parse("tel:+1-201-555-0123;ext=99");
	g_assert_cmpint(t->scheme, ==, ARS_URI_TEL);
	g_assert_cmpstr(t->user, ==, "+1-201-555-0123");
	g_assert_null(t->host);
	g_assert_cmpstr(ars_uri_param(t, "ext"), ==, "99");

	g_autoptr(ArsUri) n = parse("sip:pbx.example");
	g_assert_null(n->user);
	g_assert_cmpint(n->port, ==, 0);
	g_assert_false(n->host_is_ipv6);
}

static void test_refused(void)
{
	static const struct {
		const char *s, *why;
	} cases[] = {
		{"sip:alice:secretword@atlanta.com", "password in URI"},
		{"sip:alice:@atlanta.com", "password in URI"},
		{"sip:a%2@h", "bad escape"},
		{"sip:a%zz@h", "bad escape"},
		{"sip:a%@h", "bad escape"},
		{"sip:a%00@h", "escaped NUL"},
		{"sip:a b@h", "bad character"},
		{"sip:a\"@h", "bad character"},
		{"sip:a#b@h", "bad character"},
		{"sip:@h", "empty user"},
		{"sip:", "bad host"},
		{"sip:exa mple.com", "bad host"},
		{"sip:-a.com", "bad host"},
		{"sip:a-.com", "bad host"},
		{"sip:a..b", "bad host"},
		{"sip:a_b.com", "bad host"},
		{"sip:256.1.1.1", "bad host"},
		{"sip:1.2.3.4.5", "bad host"},
		{"sip:[::1", "bad host"},
		{"sip:[::1]x", "bad host"},
		{"sip:[zz::1]", "bad host"},
		{"sip:[192.0.2.1]", "bad host"},
		{"sip:::1", "bad host"},
		{"sip:h:65536", "bad port"},
		{"sip:h:99999999999999999999", "bad port"},
		{"sip:h:0", "bad port"},
		{"sip:h:", "bad port"},
		{"sip:h:5x", "bad port"},
		{"sip:h;=x", "bad parameter"},
		{"sip:h;a=", "bad parameter"},
		{"sip:h;", "bad parameter"},
		{"sip:h;a b", "bad character"},
		{"sip:h;lr;LR", "duplicate parameter"},
		{"sip:h?", "bad header"},
		{"sip:h?x", "bad header"},
		{"sip:h?=x", "bad header"},
		{"sip:h?x=1=2", "bad character"},
		{"sips", "unsupported scheme"},
		{"http://example.com", "unsupported scheme"},
		{"", "unsupported scheme"},
		{"tel:", "bad telephone number"},
		{"tel:+", "bad telephone number"},
		{"tel:+1a", "bad telephone number"},
		{"tel:7042", "missing phone-context"},
		{"tel:7042;phone-context", "missing phone-context"},
		{"tel:+1;a_b=1", "bad parameter"},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		const char *why = NULL;
		struct ars_uri *u = ars_uri_parse(cases[i].s, strlen(cases[i].s), &why);
		if (u || g_strcmp0(why, cases[i].why) != 0)
			g_error("%s: %s (%s), expected refusal (%s)", cases[i].s, u ? "parsed" : "refused",
				why, cases[i].why);
	}
	/* Bounded work: at most 100 parameters and 100 headers. */
	GString *many = g_string_new("sip:a@b");
	for (int i = 0; i < 100; i++)
		g_string_append_printf(many, ";p%d", i);
	g_autoptr(ArsUri) hundred = ars_uri_parse(many->str, many->len, NULL);
	g_assert_nonnull(hundred);
	g_string_append(many, ";one-more");
	const char *why = NULL;
	g_assert_null(ars_uri_parse(many->str, many->len, &why));
	g_assert_cmpstr(why, ==, "too many parameters");
	g_assert_true(ars_uri_check(many->str, many->len, NULL, NULL));
	g_string_assign(many, "sip:a@b?h0=");
	for (int i = 1; i <= 100; i++)
		g_string_append_printf(many, "&h%d=", i);
	g_assert_null(ars_uri_parse(many->str, many->len, &why));
	g_assert_cmpstr(why, ==, "too many headers");
	g_string_free(many, TRUE);

	/* Only len bytes are read. */
	g_autoptr(ArsUri) u = ars_uri_parse("sip:a@hostXXXX", 10, NULL);
	g_assert_nonnull(u);
	g_assert_cmpstr(u->host, ==, "host");
	g_assert_null(ars_uri_parse(NULL, 0, NULL));
	ars_uri_free(NULL);
}

static void test_check(void)
{
	static const char *const ok[] = {
		"sip:alice:secretword@atlanta.com", "sip:%00@host5.example.com", "sip:h;lr;LR",
		"nobodyKnowsThisScheme:totallyopaquecontent", "soap.beep://192.0.2.103:3002",
		"isbn:2983792873", "http://www.example.com", "name:John_Smith",
		"urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6",
	};
	for (size_t i = 0; i < G_N_ELEMENTS(ok); i++)
		g_assert_true(ars_uri_check(ok[i], strlen(ok[i]), NULL, NULL));
	static const char *const bad[] = {"<sip:user@example.com>", "sip:user@example.com; lr",
					  "x:", ":x", "1x:y", "x:a b", "x:%zz", "sip:a@h:0", "noscheme",
					  "", "x:\"y\""};
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
		g_assert_false(ars_uri_check(bad[i], strlen(bad[i]), NULL, NULL));
	bool headers = false;
	const char *escruri = "sip:user@example.com?Route=%3Csip:example.com%3E";
	g_assert_true(ars_uri_check(escruri, strlen(escruri), &headers, NULL));
	g_assert_true(headers);
	g_assert_true(ars_uri_check("sip:a@b", 7, &headers, NULL));
	g_assert_false(headers);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/sip/uri/rfc3261-equal", test_rfc3261_equal);
	g_test_add_func("/sip/uri/rfc3261-not-equal", test_rfc3261_not_equal);
	g_test_add_func("/sip/uri/more-comparisons", test_more_comparisons);
	g_test_add_func("/sip/uri/round-trip", test_round_trip);
	g_test_add_func("/sip/uri/fields", test_fields);
	g_test_add_func("/sip/uri/refused", test_refused);
	g_test_add_func("/sip/uri/check", test_check);
	return g_test_run();
}
