/* fuzz_sip_uri.c - libFuzzer target: sip:/sips:/tel: URIs. A URI that parses
 * prints to text that parses again into an equal URI, printed the same way;
 * whatever ars_uri_parse accepts, ars_uri_check accepts too. */
#include "sip/uri.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	const char *why = NULL;
	bool headers;
	bool checked = ars_uri_check(s, size, &headers, &why);
	struct ars_uri *u = ars_uri_parse(s, size, &why);
	if (!u) {
		g_assert(why);
		return 0;
	}
	g_assert(checked);
	g_assert(ars_uri_equal(u, u));
	for (guint i = 0; i < u->params->len; i++) {
		const struct ars_uri_param *p = u->params->pdata[i];
		g_assert(ars_uri_param(u, p->name));
	}
	char *text = ars_uri_print(u);
	struct ars_uri *again = ars_uri_parse(text, strlen(text), &why);
	if (!again)
		g_error("%s does not parse again: %s", text, why);
	if (!ars_uri_equal(u, again) || !ars_uri_equal(again, u))
		g_error("%s differs from its re-parse", text);
	char *text2 = ars_uri_print(again);
	g_assert(strcmp(text, text2) == 0);
	g_free(text2);
	g_free(text);
	ars_uri_free(again);
	ars_uri_free(u);
	return 0;
}
