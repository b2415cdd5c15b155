/* test_ws_frame.c - RFC 6455 framing and the handshake key. */
#include "ws_frame.h"

#include <string.h>

/* Builds a masked client frame as a browser would. */
static GByteArray *client_frame(guint8 first, const void *payload, size_t len)
{
	static const guint8 mask[4] = {0x37, 0xfa, 0x21, 0x3d};
	GByteArray *b = g_byte_array_new();
	g_byte_array_append(b, &first, 1);
	guint8 hdr[9];
	if (len < 126) {
		hdr[0] = 0x80 | (guint8)len;
		g_byte_array_append(b, hdr, 1);
	} else if (len <= 0xffff) {
		hdr[0] = 0x80 | 126;
		hdr[1] = (guint8)(len >> 8);
		hdr[2] = (guint8)len;
		g_byte_array_append(b, hdr, 3);
	} else {
		hdr[0] = 0x80 | 127;
		for (int i = 0; i < 8; i++)
			hdr[1 + i] = (guint8)((guint64)len >> (56 - 8 * i));
		g_byte_array_append(b, hdr, 9);
	}
	g_byte_array_append(b, mask, 4);
	for (size_t i = 0; i < len; i++) {
		guint8 c = ((const guint8 *)payload)[i] ^ mask[i & 3];
		g_byte_array_append(b, &c, 1);
	}
	return b;
}

static void test_accept_key(void)
{
	/* RFC 6455 §1.3 example */
	g_autofree char *k = ars_ws_accept_key("dGhlIHNhbXBsZSBub25jZQ==");
	g_assert_cmpstr(k, ==, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
	g_assert_null(ars_ws_accept_key(NULL));
	g_assert_null(ars_ws_accept_key("short"));
	g_assert_null(ars_ws_accept_key("dGhlIHNhbXBsZSBub25jZQ=!"));
	g_assert_null(ars_ws_accept_key("dGhlIHNhbXBsZSBub25jZXh4eA==")); /* 19 bytes */
}

static void test_parse_text(void)
{
	g_autoptr(GByteArray) b = client_frame(0x81, "Hello", 5);
	struct ars_ws_frame f;
	size_t used = 0;
	for (size_t cut = 0; cut < b->len; cut++)
		g_assert_cmpint(ars_ws_frame_parse(b->data, cut, 100, &f, &used), ==, ARS_WS_NEED_MORE);
	g_assert_cmpint(ars_ws_frame_parse(b->data, b->len, 100, &f, &used), ==, ARS_WS_FRAME);
	g_assert_cmpuint(used, ==, b->len);
	g_assert_true(f.fin);
	g_assert_cmpint(f.opcode, ==, ARS_WS_TEXT);
	g_assert_cmpmem(f.payload, f.len, "Hello", 5);
}

static void test_parse_lengths(void)
{
	size_t sizes[] = {0, 125, 126, 65535, 65536, 70000};
	for (size_t i = 0; i < G_N_ELEMENTS(sizes); i++) {
		g_autofree guint8 *data = g_malloc0(sizes[i] + 1);
		memset(data, 'x', sizes[i]);
		g_autoptr(GByteArray) b = client_frame(0x82, data, sizes[i]);
		struct ars_ws_frame f;
		size_t used;
		g_assert_cmpint(ars_ws_frame_parse(b->data, b->len, 1 << 20, &f, &used), ==, ARS_WS_FRAME);
		g_assert_cmpuint(f.len, ==, sizes[i]);
		g_assert_cmpuint(used, ==, b->len);
		if (sizes[i] > 1000)
			g_assert_cmpint(ars_ws_frame_parse(b->data, b->len, 1000, &f, &used), ==,
					ARS_WS_TOO_BIG);
	}
}

static void test_parse_errors(void)
{
	struct ars_ws_frame f;
	size_t used;
	guint8 unmasked[] = {0x81, 0x02, 'h', 'i'};
	g_assert_cmpint(ars_ws_frame_parse(unmasked, sizeof unmasked, 100, &f, &used), ==,
			ARS_WS_PROTOCOL_ERROR);
	g_autoptr(GByteArray) rsv = client_frame(0xC1, "x", 1);
	g_assert_cmpint(ars_ws_frame_parse(rsv->data, rsv->len, 100, &f, &used), ==, ARS_WS_PROTOCOL_ERROR);
	g_autoptr(GByteArray) op = client_frame(0x83, "x", 1);
	g_assert_cmpint(ars_ws_frame_parse(op->data, op->len, 100, &f, &used), ==, ARS_WS_PROTOCOL_ERROR);
	g_autoptr(GByteArray) frag_ping = client_frame(0x09, "x", 1);
	g_assert_cmpint(ars_ws_frame_parse(frag_ping->data, frag_ping->len, 100, &f, &used), ==,
			ARS_WS_PROTOCOL_ERROR);
	char big[126];
	memset(big, 'p', sizeof big);
	g_autoptr(GByteArray) big_ping = client_frame(0x89, big, sizeof big);
	g_assert_cmpint(ars_ws_frame_parse(big_ping->data, big_ping->len, 1000, &f, &used), ==,
			ARS_WS_PROTOCOL_ERROR);
	/* 16-bit length used for a payload that fits in 7 bits */
	guint8 not_minimal[] = {0x81, 0xfe, 0x00, 0x05, 1, 2, 3, 4, 'a', 'b', 'c', 'd', 'e'};
	g_assert_cmpint(ars_ws_frame_parse(not_minimal, sizeof not_minimal, 100, &f, &used), ==,
			ARS_WS_PROTOCOL_ERROR);
}

static void test_build(void)
{
	g_autoptr(GBytes) small = ars_ws_frame_build(ARS_WS_TEXT, "abc", 3);
	gsize n;
	const guint8 *d = g_bytes_get_data(small, &n);
	g_assert_cmpuint(n, ==, 5);
	g_assert_cmphex(d[0], ==, 0x81);
	g_assert_cmphex(d[1], ==, 3);
	g_assert_cmpmem(d + 2, 3, "abc", 3);

	g_autofree char *mid = g_malloc0(300);
	g_autoptr(GBytes) m = ars_ws_frame_build(ARS_WS_TEXT, mid, 300);
	d = g_bytes_get_data(m, &n);
	g_assert_cmpuint(n, ==, 304);
	g_assert_cmphex(d[1], ==, 126);
	g_assert_cmpuint(d[2] << 8 | d[3], ==, 300);

	g_autofree char *big = g_malloc0(70000);
	g_autoptr(GBytes) bg = ars_ws_frame_build(ARS_WS_BINARY, big, 70000);
	d = g_bytes_get_data(bg, &n);
	g_assert_cmpuint(n, ==, 70010);
	g_assert_cmphex(d[1], ==, 127);

	g_autoptr(GBytes) close = ars_ws_frame_close(1009);
	d = g_bytes_get_data(close, &n);
	g_assert_cmpuint(n, ==, 4);
	g_assert_cmphex(d[0], ==, 0x88);
	g_assert_cmpuint(d[2] << 8 | d[3], ==, 1009);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/ws-frame/accept-key", test_accept_key);
	g_test_add_func("/ws-frame/parse-text", test_parse_text);
	g_test_add_func("/ws-frame/parse-lengths", test_parse_lengths);
	g_test_add_func("/ws-frame/parse-errors", test_parse_errors);
	g_test_add_func("/ws-frame/build", test_build);
	return g_test_run();
}
