/* guard.h - who may talk to the daemon: Host (against DNS rebinding), Origin
 * (against cross-site requests) and the per-install token. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "token.h"

struct ars_guard {
	char hosts[4][64];   /* accepted Host values */
	int n_hosts;
	char origins[2][64]; /* accepted Origin values */
	char token[ARS_TOKEN_HEX_LEN + 1];
};

/* bind_ip is the dotted IPv4 address the daemon listens on. */
void ars_guard_init(struct ars_guard *g, const char *bind_ip, uint16_t port, const char *token);
bool ars_guard_host_ok(const struct ars_guard *g, const char *host);
/* A missing Origin (NULL) is fine: non-browser clients and same-origin GETs. */
bool ars_guard_origin_ok(const struct ars_guard *g, const char *origin);
/* "Bearer TOKEN" (scheme case-insensitive). */
bool ars_guard_bearer_ok(const struct ars_guard *g, const char *authorization);
bool ars_guard_token_ok(const struct ars_guard *g, const char *token);
