/* netname.c - strict checks of host names and IP literals. */
#include "netname.h"

#include <arpa/inet.h>
#include <glib.h>
#include <string.h>

bool ars_netname_is_ipv4(const char *s)
{
	struct in_addr a;
	return inet_pton(AF_INET, s, &a) == 1;
}

bool ars_netname_is_ipv6(const char *s)
{
	struct in6_addr a;
	return inet_pton(AF_INET6, s, &a) == 1;
}

bool ars_netname_is_hostname(const char *s)
{
	size_t total = strlen(s);
	if (total == 0 || total > 253)
		return false;

	const char *label = s;
	bool last_all_digits = false;
	for (;;) {
		const char *dot = strchr(label, '.');
		size_t len = dot ? (size_t)(dot - label) : strlen(label);
		if (len == 0 || len > 63 || label[0] == '-' || label[len - 1] == '-')
			return false;
		last_all_digits = true;
		for (size_t i = 0; i < len; i++) {
			char c = label[i];
			if (!g_ascii_isalnum(c) && c != '-')
				return false;
			if (!g_ascii_isdigit(c))
				last_all_digits = false;
		}
		if (!dot)
			break;
		label = dot + 1;
	}
	return !last_all_digits;
}

bool ars_netname_is_host(const char *s, size_t len, bool allow_bare_ipv6)
{
	if (len == 0 || len > 253 + 2)
		return false;
	g_autofree char *copy = g_strndup(s, len);
	if (strlen(copy) != len)
		return false;
	if (copy[0] == '[') {
		if (copy[len - 1] != ']')
			return false;
		copy[len - 1] = '\0';
		return ars_netname_is_ipv6(copy + 1);
	}
	if (strchr(copy, ':'))
		return allow_bare_ipv6 && ars_netname_is_ipv6(copy);
	return ars_netname_is_ipv4(copy) || ars_netname_is_hostname(copy);
}
