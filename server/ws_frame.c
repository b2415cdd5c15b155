/* ws_frame.c - RFC 6455 §5 frames and the §4.2.2 accept key. Pure functions:
 * fuzzed by tests/fuzz/fuzz_ws_frame.c. */
#include "ws_frame.h"

#include <string.h>

enum ars_ws_parse ars_ws_frame_parse(uint8_t *buf, size_t len, size_t max_payload,
				     struct ars_ws_frame *f, size_t *consumed)
{
	if (len < 2)
		return ARS_WS_NEED_MORE;
	bool fin = buf[0] & 0x80;
	unsigned op = buf[0] & 0x0f;
	if (buf[0] & 0x70) /* no extension was negotiated */
		return ARS_WS_PROTOCOL_ERROR;
	if (!(buf[1] & 0x80)) /* §5.1: client frames are masked */
		return ARS_WS_PROTOCOL_ERROR;
	bool control = op & 0x8;
	if (!(op <= ARS_WS_BINARY || (op >= ARS_WS_CLOSE && op <= ARS_WS_PONG)))
		return ARS_WS_PROTOCOL_ERROR;

	uint64_t plen = buf[1] & 0x7f;
	size_t hdr = 2;
	if (plen == 126) {
		if (len < 4)
			return ARS_WS_NEED_MORE;
		plen = (uint64_t)buf[2] << 8 | buf[3];
		hdr = 4;
		if (plen < 126)
			return ARS_WS_PROTOCOL_ERROR; /* not minimal */
	} else if (plen == 127) {
		if (len < 10)
			return ARS_WS_NEED_MORE;
		plen = 0;
		for (int i = 0; i < 8; i++)
			plen = plen << 8 | buf[2 + i];
		hdr = 10;
		if (plen >> 63 || plen <= 0xffff)
			return ARS_WS_PROTOCOL_ERROR;
	}
	if (control && (!fin || plen > 125))
		return ARS_WS_PROTOCOL_ERROR;
	if (plen > max_payload)
		return ARS_WS_TOO_BIG;
	if (len < hdr + 4 || len - hdr - 4 < plen)
		return ARS_WS_NEED_MORE;

	const uint8_t *mask = buf + hdr;
	uint8_t *payload = buf + hdr + 4;
	for (size_t i = 0; i < plen; i++)
		payload[i] ^= mask[i & 3];
	f->fin = fin;
	f->opcode = (enum ars_ws_opcode)op;
	f->payload = payload;
	f->len = (size_t)plen;
	*consumed = hdr + 4 + (size_t)plen;
	return ARS_WS_FRAME;
}

GBytes *ars_ws_frame_build(enum ars_ws_opcode op, const void *payload, size_t len)
{
	size_t hdr = len < 126 ? 2 : len <= 0xffff ? 4 : 10;
	uint8_t *out = g_malloc(hdr + len);
	out[0] = 0x80 | (uint8_t)op;
	if (hdr == 2) {
		out[1] = (uint8_t)len;
	} else if (hdr == 4) {
		out[1] = 126;
		out[2] = (uint8_t)(len >> 8);
		out[3] = (uint8_t)len;
	} else {
		out[1] = 127;
		for (int i = 0; i < 8; i++)
			out[2 + i] = (uint8_t)((uint64_t)len >> (56 - 8 * i));
	}
	if (len)
		memcpy(out + hdr, payload, len);
	return g_bytes_new_take(out, hdr + len);
}

GBytes *ars_ws_frame_close(uint16_t code)
{
	uint8_t body[2] = {(uint8_t)(code >> 8), (uint8_t)code};
	return ars_ws_frame_build(ARS_WS_CLOSE, body, sizeof body);
}

char *ars_ws_accept_key(const char *client_key)
{
	static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
	if (!client_key || strlen(client_key) != 24)
		return NULL;
	for (const char *p = client_key; *p; p++)
		if (!g_ascii_isalnum(*p) && *p != '+' && *p != '/' && *p != '=')
			return NULL;
	gsize raw_len = 0;
	g_autofree guchar *raw = g_base64_decode(client_key, &raw_len);
	if (raw_len != 16)
		return NULL;

	g_autoptr(GChecksum) sha1 = g_checksum_new(G_CHECKSUM_SHA1);
	g_checksum_update(sha1, (const guchar *)client_key, 24);
	g_checksum_update(sha1, (const guchar *)guid, sizeof guid - 1);
	guint8 digest[20];
	gsize dlen = sizeof digest;
	g_checksum_get_digest(sha1, digest, &dlen);
	return g_base64_encode(digest, dlen);
}
