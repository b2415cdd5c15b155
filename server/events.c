/* events.c - numbers events and sends each one, serialized once, to every
 * client. A slow client is cut off by its own backlog bound (ws_conn.c). */
#define G_LOG_DOMAIN "events"

#include "events.h"

#include "ws_frame.h"

#include <glib.h>
#include <string.h>

struct ars_events {
	GPtrArray *clients; /* of struct ars_ws_conn*, not owned */
	gint64 seq;
	ars_events_status_h *status_h;
	void *arg;
};

struct ars_events *ars_events_new(ars_events_status_h *status_h, void *arg)
{
	struct ars_events *ev = g_new0(struct ars_events, 1);
	ev->clients = g_ptr_array_new();
	ev->status_h = status_h;
	ev->arg = arg;
	return ev;
}

void ars_events_free(struct ars_events *ev)
{
	if (!ev)
		return;
	g_ptr_array_unref(ev->clients);
	g_free(ev);
}

static GBytes *frame_of(json_t *msg)
{
	g_autofree char *text = json_dumps(msg, JSON_COMPACT);
	return ars_ws_frame_build(ARS_WS_TEXT, text, strlen(text));
}

void ars_events_add_client(struct ars_events *ev, struct ars_ws_conn *conn)
{
	json_auto_t *hello = json_pack("{s:s, s:I, s:o}", "type", "hello", "seq", (json_int_t)ev->seq,
				       "status", ev->status_h(ev->arg));
	g_autoptr(GBytes) frame = frame_of(hello);
	g_ptr_array_add(ev->clients, conn);
	ars_ws_conn_send(conn, frame);
	g_debug("event client added (%u now)", ev->clients->len);
}

void ars_events_remove_client(struct ars_events *ev, struct ars_ws_conn *conn)
{
	g_ptr_array_remove_fast(ev->clients, conn);
}

guint ars_events_client_count(const struct ars_events *ev)
{
	return ev->clients->len;
}

void ars_events_emit(struct ars_events *ev, const char *type, json_t *fields)
{
	json_auto_t *msg = fields ? fields : json_object();
	json_object_set_new(msg, "type", json_string(type));
	json_object_set_new(msg, "seq", json_integer(++ev->seq));
	g_autoptr(GBytes) frame = frame_of(msg);
	for (guint i = 0; i < ev->clients->len; i++)
		ars_ws_conn_send(g_ptr_array_index(ev->clients, i), frame);
	g_debug("event %s #%" G_GINT64_FORMAT " to %u clients", type, ev->seq, ev->clients->len);
}
