/* test_sip_dial.c - number normalisation for the dial field. */
#include "sip/dial.h"

#include <glib.h>

static void test_dial(void)
{
	static const struct {
		const char *in, *out;
	} good[] = {
		{"1001", "sip:1001@pbx.example"},
		{" 1001 ", "sip:1001@pbx.example"},
		{"+7 (495) 123-45-67", "sip:+74951234567@pbx.example"},
		{"8.800.555.35.35", "sip:88005553535@pbx.example"},
		{"*97", "sip:*97@pbx.example"},
		{"*72#", "sip:*72%23@pbx.example"},
		{"alice@other.example", "sip:alice@other.example"},
		{"sip:bob@pbx.example;transport=ws", "sip:bob@pbx.example;transport=ws"},
		{"SIPS:bob@pbx.example", "sips:bob@pbx.example"},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(good); i++) {
		const char *why = NULL;
		g_autofree char *uri = ars_dial_uri(good[i].in, "pbx.example", &why);
		g_test_message("%s -> %s (%s)", good[i].in, uri, why);
		g_assert_cmpstr(uri, ==, good[i].out);
	}
	static const char *const bad[] = {"", "   ", "+", "12a4", "10 01 ext", "alice@", "sip:", "1+2",
					  "sip:a@b:99999"};
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		const char *why = NULL;
		g_autofree char *uri = ars_dial_uri(bad[i], "pbx.example", &why);
		g_test_message("%s -> %s", bad[i], why);
		g_assert_null(uri);
		g_assert_nonnull(why);
	}
	const char *why = NULL;
	g_assert_null(ars_dial_uri(NULL, "pbx.example", &why));
	g_assert_nonnull(why);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/sip-dial/normalise", test_dial);
	return g_test_run();
}
