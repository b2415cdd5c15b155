/* fuzz_digest_challenge.c - libFuzzer target: WWW-Authenticate /
 * Proxy-Authenticate values. Each line of the input is one challenge; every
 * challenge that parses must yield credentials, and ars_digest_pick must
 * choose one of those that parse. */
#include "sip/auth.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = g_strndup((const char *)data, size);
	char **values = g_strsplit(text, "\n", 16);
	guint n = g_strv_length(values);
	bool any = false;
	for (guint i = 0; i < n; i++) {
		struct ars_digest_challenge c = {0};
		const char *why = NULL;
		if (!ars_digest_challenge_parse(values[i], &c, &why)) {
			g_assert(why && !c.realm && !c.nonce);
			continue;
		}
		any = true;
		g_assert(c.realm && c.nonce && *c.nonce);
		struct ars_digest_request r = {"user", "password", "REGISTER", "sip:example.org",
					       i % 2 ? "0a4f113b" : NULL, i + 1};
		char *auth = ars_digest_authorization(&c, &r);
		g_assert(g_str_has_prefix(auth, "Digest username=\"user\", ") && strstr(auth, "response=\""));
		g_assert(!strchr(auth, '\r') && !strchr(auth, '\n'));
		g_free(auth);
		ars_digest_challenge_clear(&c);
	}
	int pick = ars_digest_pick((const char *const *)values, n);
	g_assert(any == (pick >= 0));
	if (pick >= 0) {
		struct ars_digest_challenge c = {0};
		g_assert(ars_digest_challenge_parse(values[pick], &c, NULL));
		ars_digest_challenge_clear(&c);
	}
	g_strfreev(values);
	g_free(text);
	return 0;
}
