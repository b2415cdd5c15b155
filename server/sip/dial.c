/* dial.c - turning a dialled string into a request URI. */
#include "dial.h"

#include "uri.h"

#include <glib.h>
#include <string.h>

static char *number_uri(const char *to, const char *domain, const char **why)
{
	GString *user = g_string_new(NULL);
	for (const char *p = to; *p; p++) {
		if (strchr(" -.()\t", *p))
			continue;
		if (g_ascii_isdigit(*p) || *p == '*' || (*p == '+' && user->len == 0))
			g_string_append_c(user, *p);
		else if (*p == '#')
			g_string_append(user, "%23");
		else {
			*why = "a number may hold only digits, +, *, # and separators";
			return g_string_free(user, TRUE), NULL;
		}
	}
	if (user->len == 0 || strcmp(user->str, "+") == 0) {
		*why = "there is no number to call";
		return g_string_free(user, TRUE), NULL;
	}
	char *uri = g_strdup_printf("sip:%s@%s", user->str, domain);
	g_string_free(user, TRUE);
	return uri;
}

char *ars_dial_uri(const char *to, const char *domain, const char **why)
{
	g_autofree char *text = g_strstrip(g_strdup(to ? to : ""));
	*why = NULL;
	if (!*text) {
		*why = "there is no number to call";
		return NULL;
	}
	if (strlen(text) > 256) {
		*why = "is too long";
		return NULL;
	}
	g_autofree char *uri = NULL;
	if (g_ascii_strncasecmp(text, "sip:", 4) == 0 || g_ascii_strncasecmp(text, "sips:", 5) == 0 ||
	    g_ascii_strncasecmp(text, "tel:", 4) == 0)
		uri = g_strdup(text);
	else if (strchr(text, '@'))
		uri = g_strconcat("sip:", text, NULL);
	else
		return number_uri(text, domain, why);

	const char *uri_why = NULL;
	g_autoptr(ArsUri) parsed = ars_uri_parse(uri, strlen(uri), &uri_why);
	if (!parsed) {
		*why = "is not a valid SIP address";
		return NULL;
	}
	return ars_uri_print(parsed);
}
