/* ws_conn.c - non-blocking WebSocket I/O on the GLib loop with a bounded send
 * backlog: a page that stops reading is cut off instead of growing our memory
 * or delaying the other pages. */
#define G_LOG_DOMAIN "ws"

#include "ws_conn.h"

#include "ws_frame.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_CLIENT_MESSAGE (64 * 1024)
#define KERNEL_SNDBUF (64 * 1024) /* keep most of the backlog where we can count it */
#define CLOSE_GRACE_MS 1000

struct ars_ws_conn {
	int fd;
	guint in_src, out_src, end_src, grace_src;
	GByteArray *rx;
	GQueue tx; /* of GBytes, whole frames */
	size_t tx_offset; /* bytes of the head frame already written */
	size_t backlog;
	size_t max_backlog;
	bool in_message;
	size_t message_len;
	bool closing; /* close frame queued: no more frames, end when flushed */
	bool ended;
	ars_ws_closed_h *closed_h;
	void *arg;
};

static gboolean report_end(gpointer data)
{
	struct ars_ws_conn *c = data;
	c->end_src = 0;
	c->closed_h(c, c->arg);
	return G_SOURCE_REMOVE;
}

static void clear_source(guint *id)
{
	if (*id) {
		g_source_remove(*id);
		*id = 0;
	}
}

/* Stops all I/O and tells the owner from a fresh main-loop iteration, so no
 * caller up the stack sees the connection vanish under it. */
static void end(struct ars_ws_conn *c, const char *why)
{
	if (c->ended)
		return;
	c->ended = true;
	g_debug("event client %d ended: %s", c->fd, why);
	clear_source(&c->in_src);
	clear_source(&c->out_src);
	clear_source(&c->grace_src);
	c->end_src = g_idle_add(report_end, c);
}

static gboolean on_writable(int fd, GIOCondition cond, gpointer data);

static void flush(struct ars_ws_conn *c)
{
	while (!c->ended && !g_queue_is_empty(&c->tx)) {
		GBytes *head = g_queue_peek_head(&c->tx);
		gsize size;
		const guint8 *data = g_bytes_get_data(head, &size);
		ssize_t n = send(c->fd, data + c->tx_offset, size - c->tx_offset, MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (!c->out_src)
				c->out_src = g_unix_fd_add(c->fd, G_IO_OUT, on_writable, c);
			return;
		}
		if (n < 0) {
			end(c, g_strerror(errno));
			return;
		}
		c->tx_offset += (size_t)n;
		c->backlog -= (size_t)n;
		if (c->tx_offset == size) {
			g_bytes_unref(g_queue_pop_head(&c->tx));
			c->tx_offset = 0;
		}
	}
	clear_source(&c->out_src);
	if (c->closing)
		end(c, "closed");
}

static gboolean on_writable(int fd, GIOCondition cond, gpointer data)
{
	struct ars_ws_conn *c = data;
	c->out_src = 0;
	flush(c);
	return G_SOURCE_REMOVE;
}

static void enqueue(struct ars_ws_conn *c, GBytes *frame)
{
	c->backlog += g_bytes_get_size(frame);
	g_queue_push_tail(&c->tx, g_bytes_ref(frame));
}

size_t ars_ws_conn_backlog(const struct ars_ws_conn *c)
{
	return c->backlog;
}

void ars_ws_conn_send(struct ars_ws_conn *c, GBytes *frame)
{
	if (c->ended || c->closing)
		return;
	if (c->backlog + g_bytes_get_size(frame) > c->max_backlog) {
		g_warning("event client %d stopped reading (%zu bytes waiting); disconnecting it", c->fd,
			  c->backlog);
		end(c, "backlog full");
		return;
	}
	enqueue(c, frame);
	if (!c->out_src)
		flush(c);
}

static gboolean grace_over(gpointer data)
{
	struct ars_ws_conn *c = data;
	c->grace_src = 0;
	end(c, "close not acknowledged");
	return G_SOURCE_REMOVE;
}

void ars_ws_conn_close(struct ars_ws_conn *c, uint16_t code)
{
	if (c->ended || c->closing)
		return;
	g_autoptr(GBytes) frame = ars_ws_frame_close(code);
	enqueue(c, frame);
	c->closing = true;
	clear_source(&c->in_src);
	c->grace_src = g_timeout_add(CLOSE_GRACE_MS, grace_over, c);
	if (!c->out_src)
		flush(c);
}

/* Handles one client frame; returns false once the connection is closing. */
static bool handle_frame(struct ars_ws_conn *c, const struct ars_ws_frame *f)
{
	switch (f->opcode) {
	case ARS_WS_CLOSE:
		ars_ws_conn_close(c, 1000);
		return false;
	case ARS_WS_PING: {
		g_autoptr(GBytes) pong = ars_ws_frame_build(ARS_WS_PONG, f->payload, f->len);
		ars_ws_conn_send(c, pong);
		return true;
	}
	case ARS_WS_PONG:
		return true;
	case ARS_WS_TEXT:
	case ARS_WS_BINARY:
		if (c->in_message)
			break;
		c->message_len = 0;
		/* fall through */
	case ARS_WS_CONTINUATION:
		if (f->opcode == ARS_WS_CONTINUATION && !c->in_message)
			break;
		c->message_len += f->len;
		if (c->message_len > MAX_CLIENT_MESSAGE) {
			ars_ws_conn_close(c, 1009);
			return false;
		}
		c->in_message = !f->fin;
		return true;
	}
	ars_ws_conn_close(c, 1002);
	return false;
}

static void parse_input(struct ars_ws_conn *c)
{
	size_t used = 0;
	while (!c->ended && !c->closing) {
		struct ars_ws_frame f;
		size_t n = 0;
		enum ars_ws_parse r = ars_ws_frame_parse(c->rx->data + used, c->rx->len - used,
							 MAX_CLIENT_MESSAGE, &f, &n);
		if (r == ARS_WS_NEED_MORE)
			break;
		if (r != ARS_WS_FRAME) {
			ars_ws_conn_close(c, r == ARS_WS_TOO_BIG ? 1009 : 1002);
			break;
		}
		used += n;
		if (!handle_frame(c, &f))
			break;
	}
	g_byte_array_remove_range(c->rx, 0, (guint)used);
}

static gboolean on_readable(int fd, GIOCondition cond, gpointer data)
{
	struct ars_ws_conn *c = data;
	guint8 buf[16384];
	ssize_t n = recv(fd, buf, sizeof buf, 0);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		c->in_src = 0;
		end(c, n == 0 ? "peer went away" : g_strerror(errno));
		return G_SOURCE_REMOVE;
	}
	if (n > 0) {
		g_byte_array_append(c->rx, buf, (guint)n);
		parse_input(c);
	}
	return c->in_src ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

struct ars_ws_conn *ars_ws_conn_new(int fd, const void *extra, size_t extra_len, size_t max_backlog,
				    ars_ws_closed_h *closed_h, void *arg)
{
	struct ars_ws_conn *c = g_new0(struct ars_ws_conn, 1);
	c->fd = fd;
	c->max_backlog = max_backlog;
	c->closed_h = closed_h;
	c->arg = arg;
	c->rx = g_byte_array_new();
	g_queue_init(&c->tx);

	int flags = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, flags | O_NONBLOCK);
	int sndbuf = KERNEL_SNDBUF;
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);

	c->in_src = g_unix_fd_add(fd, G_IO_IN | G_IO_HUP | G_IO_ERR, on_readable, c);
	if (extra_len) {
		g_byte_array_append(c->rx, extra, (guint)extra_len);
		parse_input(c);
	}
	return c;
}

void ars_ws_conn_free(struct ars_ws_conn *c)
{
	if (!c)
		return;
	clear_source(&c->in_src);
	clear_source(&c->out_src);
	clear_source(&c->end_src);
	clear_source(&c->grace_src);
	g_queue_clear_full(&c->tx, (GDestroyNotify)g_bytes_unref);
	g_byte_array_unref(c->rx);
	g_free(c);
}
