/* netname.h - host names and IP literals as they appear in SIP and URLs. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

bool ars_netname_is_ipv4(const char *s);
bool ars_netname_is_ipv6(const char *s); /* bare, without brackets or zone */
/* A DNS host name: LDH labels of 1-63 characters, at most 253 in all, and a
 * last label that is not all digits (that would be a broken IPv4 address). */
bool ars_netname_is_hostname(const char *s);
/* A host name, an IPv4 address, or an IPv6 address in brackets ("[::1]"),
 * or bare when allow_bare_ipv6. len bytes of s are examined. */
bool ars_netname_is_host(const char *s, size_t len, bool allow_bare_ipv6);
