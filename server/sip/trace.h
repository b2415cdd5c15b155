/* trace.h - --sip-trace: every SIP message sent and received, on stderr,
 * with credentials redacted. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

void ars_sip_trace(const char *label, bool sent, const char *msg, size_t len);
/* A copy of msg with the values of Authorization and Proxy-Authorization
 * headers replaced by "<redacted>". */
char *ars_sip_trace_redact(const char *msg, size_t len);
