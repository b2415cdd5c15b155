/* trace.c - SIP message trace with the digest credentials cut out. */
#include "trace.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>

static bool is_credentials_header(const char *line, size_t len)
{
	static const char *const names[] = {"authorization", "proxy-authorization"};
	for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
		size_t n = strlen(names[i]);
		if (len > n && g_ascii_strncasecmp(line, names[i], n) == 0) {
			const char *p = line + n;
			while (p < line + len && (*p == ' ' || *p == '\t'))
				p++;
			if (p < line + len && *p == ':')
				return true;
		}
	}
	return false;
}

char *ars_sip_trace_redact(const char *msg, size_t len)
{
	GString *out = g_string_sized_new(len);
	const char *p = msg, *end = msg + len;
	bool redacting = false;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t line_len = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
		bool continuation = redacting && (*p == ' ' || *p == '\t');
		if (continuation) {
			/* a folded part of the credentials: dropped */
		} else if (is_credentials_header(p, line_len)) {
			const char *colon = memchr(p, ':', line_len);
			g_string_append_len(out, p, colon - p + 1);
			g_string_append(out, " <redacted>\r\n");
			redacting = true;
		} else {
			redacting = false;
			/* the body and everything after the header block is kept as is */
			g_string_append_len(out, p, (gssize)line_len);
		}
		p += line_len;
	}
	return g_string_free(out, FALSE);
}

void ars_sip_trace(const char *label, bool sent, const char *msg, size_t len)
{
	g_autofree char *safe = ars_sip_trace_redact(msg, len);
	g_autoptr(GDateTime) now = g_date_time_new_now_local();
	g_autofree char *stamp = g_date_time_format(now, "%H:%M:%S.%f");
	stamp[12] = '\0';
	fprintf(stderr, "%s SIP %s %s (%zu bytes)\n%s%s", stamp, sent ? "sent by" : "received by", label,
		len, safe, g_str_has_suffix(safe, "\n") ? "" : "\n");
	fflush(stderr);
}
