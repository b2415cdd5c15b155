/* wsurl.h - the account's PBX address: ws:// or wss:// URLs (RFC 6455 §3). */
#pragma once
#include <stdbool.h>
#include <stdint.h>

struct ars_wsurl {
	bool secure;   /* wss:// */
	char *host;    /* name or IP, IPv6 without brackets, lower case */
	uint16_t port; /* given port, or 443 / 80 */
	char *path;    /* "/" when none was given; includes any "?query" */
	char *normalized; /* the URL with scheme and host in lower case */
};

/* Parses s. On failure returns false and sets *code and *message (static
 * strings, see schema/api.md "Field codes"); out is untouched then. */
bool ars_wsurl_parse(const char *s, struct ars_wsurl *out, const char **code, const char **message);
void ars_wsurl_clear(struct ars_wsurl *u);
