/* ws_frame.h - RFC 6455 framing for the server side of the page's event
 * WebSocket: parsing client frames, building server frames, the handshake key. */
#pragma once
#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum ars_ws_opcode {
	ARS_WS_CONTINUATION = 0x0,
	ARS_WS_TEXT = 0x1,
	ARS_WS_BINARY = 0x2,
	ARS_WS_CLOSE = 0x8,
	ARS_WS_PING = 0x9,
	ARS_WS_PONG = 0xA,
};

enum ars_ws_parse {
	ARS_WS_NEED_MORE,
	ARS_WS_FRAME,
	ARS_WS_PROTOCOL_ERROR, /* close with 1002 */
	ARS_WS_TOO_BIG,	       /* close with 1009 */
};

struct ars_ws_frame {
	bool fin;
	enum ars_ws_opcode opcode;
	uint8_t *payload; /* points into the parsed buffer, unmasked in place */
	size_t len;
};

/* Parses one client frame at the start of buf. Client frames must be masked.
 * On ARS_WS_FRAME, *consumed is the frame's size. */
enum ars_ws_parse ars_ws_frame_parse(uint8_t *buf, size_t len, size_t max_payload,
				     struct ars_ws_frame *f, size_t *consumed);
/* An unmasked server frame (FIN set) holding payload. */
GBytes *ars_ws_frame_build(enum ars_ws_opcode op, const void *payload, size_t len);
/* A close frame with a status code. */
GBytes *ars_ws_frame_close(uint16_t code);
/* Sec-WebSocket-Accept for a Sec-WebSocket-Key; NULL when the key is not the
 * base64 of 16 bytes. */
char *ars_ws_accept_key(const char *client_key);
