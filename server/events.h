/* events.h - the page's event stream: numbered JSON events fanned out to every
 * connected WebSocket client (schema/api.md "Events"). */
#pragma once
#include "ws_conn.h"

#include <jansson.h>

struct ars_events;

/* Builds the status object sent in each client's "hello". */
typedef json_t *(ars_events_status_h)(void *arg);

struct ars_events *ars_events_new(ars_events_status_h *status_h, void *arg);
void ars_events_free(struct ars_events *ev);
/* Starts sending to conn: "hello" first. The hub does not own conn. */
void ars_events_add_client(struct ars_events *ev, struct ars_ws_conn *conn);
void ars_events_remove_client(struct ars_events *ev, struct ars_ws_conn *conn);
guint ars_events_client_count(const struct ars_events *ev);
/* Sends {"type": type, "seq": N, ...fields} to every client; steals fields. */
void ars_events_emit(struct ars_events *ev, const char *type, json_t *fields);
