/* ws_conn.h - one server-side WebSocket connection on a socket that the HTTP
 * layer has already upgraded. It only sends; what the client sends is read for
 * control frames and otherwise ignored. */
#pragma once
#include <glib.h>
#include <stddef.h>
#include <stdint.h>

struct ars_ws_conn;

/* Called once, from the main loop (never from inside an ars_ws_conn_* call),
 * when the connection has ended for any reason. The owner then frees conn and
 * releases the socket. */
typedef void(ars_ws_closed_h)(struct ars_ws_conn *conn, void *arg);

/* fd stays owned by the caller. extra: bytes that arrived with the upgrade
 * request. A backlog of unsent bytes over max_backlog ends the connection. */
struct ars_ws_conn *ars_ws_conn_new(int fd, const void *extra, size_t extra_len, size_t max_backlog,
				    ars_ws_closed_h *closed_h, void *arg);
void ars_ws_conn_free(struct ars_ws_conn *c);
/* Queues a complete frame (from ars_ws_frame_build); never blocks. */
void ars_ws_conn_send(struct ars_ws_conn *c, GBytes *frame);
/* Sends a close frame with code and ends the connection once it is out. */
void ars_ws_conn_close(struct ars_ws_conn *c, uint16_t code);
size_t ars_ws_conn_backlog(const struct ars_ws_conn *c);
