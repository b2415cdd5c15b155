/* test_wsurl.c - ws:// / wss:// URL parsing and host name rules. */
#include "netname.h"
#include "wsurl.h"

#include <glib.h>

static void test_parse_good(void)
{
	static const struct {
		const char *in;
		bool secure;
		const char *host;
		unsigned port;
		const char *path;
		const char *normalized;
	} cases[] = {
		{"wss://f2.ads365.ru:6060/ws", true, "f2.ads365.ru", 6060, "/ws", "wss://f2.ads365.ru:6060/ws"},
		{"wss://pbx.example", true, "pbx.example", 443, "/", "wss://pbx.example"},
		{"ws://pbx.example", false, "pbx.example", 80, "/", "ws://pbx.example"},
		{"WSS://PBX.Example:8089/Ws", true, "pbx.example", 8089, "/Ws", "wss://pbx.example:8089/Ws"},
		{"wss://[2001:DB8::1]:8089/ws", true, "2001:db8::1", 8089, "/ws", "wss://[2001:db8::1]:8089/ws"},
		{"wss://10.0.0.1/ws?transport=ws", true, "10.0.0.1", 443, "/ws?transport=ws", NULL},
		{"wss://pbx.example?x", true, "pbx.example", 443, "/?x", NULL},
		{"wss://pbx.example/a%20b", true, "pbx.example", 443, "/a%20b", NULL},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct ars_wsurl u;
		const char *code, *msg;
		g_assert_true(ars_wsurl_parse(cases[i].in, &u, &code, &msg));
		g_assert_cmpint(u.secure, ==, cases[i].secure);
		g_assert_cmpstr(u.host, ==, cases[i].host);
		g_assert_cmpuint(u.port, ==, cases[i].port);
		g_assert_cmpstr(u.path, ==, cases[i].path);
		if (cases[i].normalized)
			g_assert_cmpstr(u.normalized, ==, cases[i].normalized);
		ars_wsurl_clear(&u);
	}
}

static void test_parse_bad(void)
{
	static const struct {
		const char *in, *code;
	} cases[] = {
		{"", "bad_scheme"},
		{"https://pbx.example", "bad_scheme"},
		{"wss:/pbx.example", "bad_scheme"},
		{"wss://", "bad_host"},
		{"wss://pbx..example", "bad_host"},
		{"wss://pbx.example:", "bad_port"},
		{"wss://pbx.example:99999", "bad_port"},
		{"wss://pbx.example:12a", "bad_port"},
		{"wss://[::1", "bad_host"},
		{"wss://[::1]x", "bad_host"},
		{"wss://::1/ws", "bad_host"},
		{"wss://a@pbx.example", "bad_url"},
		{"wss://pbx.example/#frag", "bad_url"},
		{"wss://pbx.example/a b", "bad_path"},
		{"wss://pbx.example/%zz", "bad_path"},
		{"wss://pbx.example/\xd0\xb0", "bad_path"},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct ars_wsurl u = {0};
		const char *code = NULL, *msg = NULL;
		g_test_message("%s", cases[i].in);
		g_assert_false(ars_wsurl_parse(cases[i].in, &u, &code, &msg));
		g_assert_cmpstr(code, ==, cases[i].code);
		g_assert_nonnull(msg);
		g_assert_null(u.host);
	}
}

static void test_hostnames(void)
{
	g_assert_true(ars_netname_is_hostname("localhost"));
	g_assert_true(ars_netname_is_hostname("a-b.c0.example"));
	g_assert_true(ars_netname_is_hostname("123.example"));
	g_assert_false(ars_netname_is_hostname(""));
	g_assert_false(ars_netname_is_hostname("a.-b"));
	g_assert_false(ars_netname_is_hostname("a."));
	g_assert_false(ars_netname_is_hostname("1.2.3.4"));
	g_assert_false(ars_netname_is_hostname("xn--p1ai.b_c"));
	g_autofree char *long_label = g_strnfill(64, 'a');
	g_assert_false(ars_netname_is_hostname(long_label));
	g_assert_true(ars_netname_is_ipv4("127.0.0.1"));
	g_assert_false(ars_netname_is_ipv4("127.1"));
	g_assert_true(ars_netname_is_ipv6("::1"));
	g_assert_false(ars_netname_is_ipv6("fe80::1%eth0"));
	g_assert_true(ars_netname_is_host("[::1]", 5, false));
	g_assert_false(ars_netname_is_host("::1", 3, false));
	g_assert_true(ars_netname_is_host("::1", 3, true));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/wsurl/parse-good", test_parse_good);
	g_test_add_func("/wsurl/parse-bad", test_parse_bad);
	g_test_add_func("/netname/hostnames", test_hostnames);
	return g_test_run();
}
