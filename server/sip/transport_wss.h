/* transport_wss.h - one SIP-over-WebSocket connection to a PBX (RFC 7118), on
 * libwebsockets running on the GLib main loop: name resolution (or the
 * account's host_map), TLS per the account's trust mode, the "sip"
 * subprotocol required, one SIP message per WebSocket message, pings. */
#pragma once
#include "../account.h"

#include <stdbool.h>
#include <stddef.h>

struct lws_context;
struct ars_sip_flow;

struct ars_sip_flow_config {
	const char *url;	     /* normalized ws:// or wss:// URL */
	const char *connect_address; /* from host_map, or NULL to resolve the host */
	enum ars_tls_mode tls_mode;
	const char *ca_file;	/* verify mode: extra trusted CAs, or NULL */
	const char *pin_sha256; /* pin mode: "AB:CD:..." */
	const char *label;	/* for logs and --sip-trace: the account's name */
	bool trace;
};

struct ars_cert_info {
	char *sha256; /* "AB:CD:..." */
	char *subject;
	char *issuer;
	char *not_before; /* ISO 8601 UTC */
	char *not_after;
};

/* Why a flow could not be opened or ended; error is a code of schema/api.md. */
struct ars_sip_flow_error {
	const char *error;
	char *reason;
	int http_status;	    /* refused WebSocket handshake, else 0 */
	struct ars_cert_info *cert; /* TLS errors, else NULL */
};

typedef void(ars_sip_flow_up_h)(void *arg);
/* One SIP message (not NUL-terminated). */
typedef void(ars_sip_flow_recv_h)(const char *data, size_t len, void *arg);
/* Called once, from a fresh main-loop iteration; the flow is dead then and
 * only ars_sip_flow_close() may be called on it. */
typedef void(ars_sip_flow_down_h)(const struct ars_sip_flow_error *e, void *arg);

struct ars_sip_flow *ars_sip_flow_open(struct lws_context *ctx, const struct ars_sip_flow_config *cfg,
				       ars_sip_flow_up_h *up_h, ars_sip_flow_recv_h *recv_h,
				       ars_sip_flow_down_h *down_h, void *arg);
/* Queues one message; false when the flow is not up. */
bool ars_sip_flow_send(struct ars_sip_flow *f, const char *data, size_t len);
/* "host:port" the flow connects to. */
const char *ars_sip_flow_target(const struct ars_sip_flow *f);
/* Closes the connection and frees f; no callback follows. */
void ars_sip_flow_close(struct ars_sip_flow *f);

/* The libwebsockets context for all flows, on the GLib main loop. NULL with
 * err when it cannot be made (e.g. libwebsockets-evlib-glib is missing). */
struct lws_context *ars_sip_flow_context_new(void *glib_main_loop, GError **err);
void ars_sip_flow_context_free(struct lws_context *ctx);

void ars_cert_info_free(struct ars_cert_info *c);
void ars_sip_flow_error_clear(struct ars_sip_flow_error *e);
