/* guard.c - Host, Origin and token checks, kept free of HTTP library types so
 * they are unit-tested directly. */
#include "guard.h"

#include <glib.h>
#include <string.h>

void ars_guard_init(struct ars_guard *g, const char *bind_ip, uint16_t port, const char *token)
{
	memset(g, 0, sizeof *g);
	g_snprintf(g->hosts[0], sizeof g->hosts[0], "127.0.0.1:%u", port);
	g_snprintf(g->hosts[1], sizeof g->hosts[1], "localhost:%u", port);
	g_snprintf(g->hosts[2], sizeof g->hosts[2], "[::1]:%u", port);
	g->n_hosts = 3;
	if (strcmp(bind_ip, "127.0.0.1") != 0)
		g_snprintf(g->hosts[g->n_hosts++], sizeof g->hosts[0], "%s:%u", bind_ip, port);
	g_snprintf(g->origins[0], sizeof g->origins[0], "http://127.0.0.1:%u", port);
	g_snprintf(g->origins[1], sizeof g->origins[1], "http://localhost:%u", port);
	g_strlcpy(g->token, token, sizeof g->token);
}

bool ars_guard_host_ok(const struct ars_guard *g, const char *host)
{
	for (int i = 0; host && i < g->n_hosts; i++)
		if (g_ascii_strcasecmp(host, g->hosts[i]) == 0)
			return true;
	return false;
}

bool ars_guard_origin_ok(const struct ars_guard *g, const char *origin)
{
	if (!origin)
		return true;
	for (size_t i = 0; i < G_N_ELEMENTS(g->origins); i++)
		if (g_ascii_strcasecmp(origin, g->origins[i]) == 0)
			return true;
	return false;
}

bool ars_guard_token_ok(const struct ars_guard *g, const char *token)
{
	return token && ars_token_equal(g->token, token, strlen(token));
}

bool ars_guard_bearer_ok(const struct ars_guard *g, const char *authorization)
{
	if (!authorization || g_ascii_strncasecmp(authorization, "Bearer ", 7) != 0)
		return false;
	const char *t = authorization + 7;
	while (*t == ' ')
		t++;
	return ars_guard_token_ok(g, t);
}
