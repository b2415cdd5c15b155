/* wsurl.c - strict parsing of ws:// and wss:// URLs. Anything a PBX URL does
 * not need (user info, fragments, raw spaces) is refused with a reason. */
#include "wsurl.h"

#include "netname.h"

#include <glib.h>
#include <string.h>

#define MAX_URL 2048

/* RFC 3986 pchar plus "/" and "?": what may follow the authority. */
static bool is_path_char(char c)
{
	return g_ascii_isalnum(c) || strchr("-._~!$&'()*+,;=:@/?", c) != NULL;
}

static bool path_ok(const char *p)
{
	for (; *p; p++) {
		if (*p == '%') {
			if (!g_ascii_isxdigit(p[1]) || !g_ascii_isxdigit(p[2]))
				return false;
			p += 2;
		} else if (!is_path_char(*p)) {
			return false;
		}
	}
	return true;
}

#define FAIL(c, m)                                                                                 \
	do {                                                                                       \
		*code = (c);                                                                       \
		*message = (m);                                                                    \
		return false;                                                                      \
	} while (0)

bool ars_wsurl_parse(const char *s, struct ars_wsurl *out, const char **code, const char **message)
{
	size_t len = strlen(s);
	if (len > MAX_URL)
		FAIL("too_long", "must be at most 2048 characters");

	bool secure;
	const char *rest;
	if (g_ascii_strncasecmp(s, "wss://", 6) == 0) {
		secure = true;
		rest = s + 6;
	} else if (g_ascii_strncasecmp(s, "ws://", 5) == 0) {
		secure = false;
		rest = s + 5;
	} else {
		FAIL("bad_scheme", "must start with wss:// or ws://");
	}
	if (strchr(rest, '#'))
		FAIL("bad_url", "must not contain a fragment (#)");

	size_t auth_len = strcspn(rest, "/?");
	const char *path = rest + auth_len;
	if (memchr(rest, '@', auth_len))
		FAIL("bad_url", "must not contain a user name or password");
	if (auth_len == 0)
		FAIL("bad_host", "has no host name");

	/* Split host and port; an IPv6 literal keeps its colons inside brackets. */
	size_t host_len = auth_len;
	const char *port_str = NULL;
	if (rest[0] == '[') {
		const char *close = memchr(rest, ']', auth_len);
		if (!close)
			FAIL("bad_host", "has an IPv6 address without its closing ]");
		host_len = (size_t)(close - rest) + 1;
		if (host_len < auth_len) {
			if (rest[host_len] != ':')
				FAIL("bad_host", "has characters after the IPv6 address");
			port_str = rest + host_len + 1;
		}
	} else {
		const char *colon = memchr(rest, ':', auth_len);
		if (colon) {
			host_len = (size_t)(colon - rest);
			port_str = colon + 1;
		}
	}
	if (!ars_netname_is_host(rest, host_len, false))
		FAIL("bad_host", "has an invalid host name or IP address");

	guint64 port = secure ? 443 : 80;
	if (port_str) {
		size_t plen = (size_t)(rest + auth_len - port_str);
		if (plen == 0 || plen > 5)
			FAIL("bad_port", "has an invalid port (1-65535)");
		g_autofree char *digits = g_strndup(port_str, plen);
		if (!g_ascii_string_to_unsigned(digits, 10, 1, 65535, &port, NULL))
			FAIL("bad_port", "has an invalid port (1-65535)");
	}
	if (!path_ok(path))
		FAIL("bad_path", "has characters not allowed in a URL path (escape them as %XX)");

	g_autofree char *host = g_ascii_strdown(rest, host_len);
	if (host[0] == '[') {
		memmove(host, host + 1, host_len - 2);
		host[host_len - 2] = '\0';
	}
	g_autofree char *authority = g_ascii_strdown(rest, auth_len);
	out->secure = secure;
	out->port = (uint16_t)port;
	out->path = g_strdup(path[0] == '/' ? path : (path[0] ? NULL : "/"));
	if (!out->path)
		out->path = g_strconcat("/", path, NULL);
	out->normalized = g_strconcat(secure ? "wss://" : "ws://", authority, path, NULL);
	out->host = g_steal_pointer(&host);
	return true;
}

void ars_wsurl_clear(struct ars_wsurl *u)
{
	g_clear_pointer(&u->host, g_free);
	g_clear_pointer(&u->path, g_free);
	g_clear_pointer(&u->normalized, g_free);
}
