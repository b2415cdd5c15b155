/* fuzz_ws_frame.c - libFuzzer target: the page WebSocket frame parser. Feeds
 * the input as a stream of client frames, as ws_conn.c does. */
#include "ws_frame.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf = g_memdup2(data, size);
	size_t used = 0;
	for (;;) {
		struct ars_ws_frame f;
		size_t n = 0;
		enum ars_ws_parse r = ars_ws_frame_parse(buf + used, size - used, 64 * 1024, &f, &n);
		if (r != ARS_WS_FRAME)
			break;
		g_assert(n > 0 && n <= size - used);
		g_assert(f.payload >= buf + used && f.payload + f.len <= buf + used + n);
		used += n;
	}
	g_free(buf);
	/* The accept key must survive any text as well. */
	char *text = g_strndup((const char *)data, size);
	g_free(ars_ws_accept_key(text));
	g_free(text);
	return 0;
}
