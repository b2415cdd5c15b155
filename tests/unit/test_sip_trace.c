/* test_sip_trace.c - --sip-trace never shows credentials. */
#include "sip/trace.h"

#include <glib.h>
#include <string.h>

static void test_redact(void)
{
	const char *msg = "REGISTER sip:pbx.example SIP/2.0\r\n"
			  "Via: SIP/2.0/WSS a.invalid;branch=z9hG4bK1\r\n"
			  "Authorization: Digest username=\"505\", realm=\"pbx\", nonce=\"n\",\r\n"
			  "  response=\"0123456789abcdef0123456789abcdef\"\r\n"
			  "proxy-authorization : Digest username=\"505\", response=\"feedface\"\r\n"
			  "Contact: <sip:x@a.invalid;transport=ws>\r\n"
			  "Content-Length: 0\r\n\r\n";
	g_autofree char *out = ars_sip_trace_redact(msg, strlen(msg));
	g_assert_null(strstr(out, "0123456789abcdef"));
	g_assert_null(strstr(out, "feedface"));
	g_assert_null(strstr(out, "username"));
	g_assert_nonnull(strstr(out, "Authorization: <redacted>\r\n"));
	g_assert_nonnull(strstr(out, "proxy-authorization : <redacted>\r\n"));
	g_assert_nonnull(strstr(out, "Via: SIP/2.0/WSS a.invalid;branch=z9hG4bK1\r\n"));
	g_assert_nonnull(strstr(out, "Contact: <sip:x@a.invalid;transport=ws>\r\n"));
	g_assert_true(g_str_has_suffix(out, "Content-Length: 0\r\n\r\n"));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/sip-trace/redact", test_redact);
	return g_test_run();
}
