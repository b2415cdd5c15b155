/* http.h - the control page's HTTP server (libmicrohttpd on the GLib loop):
 * the guard, static files, the JSON API and the event WebSocket upgrade. */
#pragma once
#include "api.h"
#include "guard.h"

struct ars_http;

/* listen_fd: a bound, listening TCP socket; the server takes it over. */
struct ars_http *ars_http_start(int listen_fd, const struct ars_guard *guard,
				struct ars_api_ctx *api, GError **err);
/* Closes every event client, then the server. */
void ars_http_stop(struct ars_http *h);
