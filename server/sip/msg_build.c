/* msg_build.c - SIP messages (RFC 3261 §7, §8.2.6, §20): header access, the
 * builders of requests and responses, and the serializer, which always
 * writes CRLF line ends and a Content-Length that matches the body. */
#define G_LOG_DOMAIN "sip-msg"
#include "msg.h"

#include "msg_priv.h"

#include <string.h>

/* --- header access -------------------------------------------------------- */

const char *ars_sip_msg_get_nth(const struct ars_sip_msg *m, const char *name, guint n)
{
	const char *want = ars_msg_canonical(name);
	for (guint i = 0; i < m->headers->len; i++) {
		const struct ars_sip_header *h = m->headers->pdata[i];
		if (g_ascii_strcasecmp(h->name, want) == 0 && n-- == 0)
			return h->value;
	}
	return NULL;
}

const char *ars_sip_msg_get(const struct ars_sip_msg *m, const char *name)
{
	return ars_sip_msg_get_nth(m, name, 0);
}

guint ars_sip_msg_count(const struct ars_sip_msg *m, const char *name)
{
	const char *want = ars_msg_canonical(name);
	guint n = 0;
	for (guint i = 0; i < m->headers->len; i++) {
		const struct ars_sip_header *h = m->headers->pdata[i];
		if (g_ascii_strcasecmp(h->name, want) == 0)
			n++;
	}
	return n;
}

/* --- builders ------------------------------------------------------------- */

/* Text from our own code goes on the wire: a line break in it would let a
 * display name or a number from the page forge header fields. */
static char *one_line(const char *s, const char *what)
{
	char *d = g_strdup(s ? s : "");
	bool changed = false;
	for (char *p = d; *p; p++) {
		if (*p == '\r' || *p == '\n') {
			*p = ' ';
			changed = true;
		}
	}
	if (changed)
		g_message("line break in %s replaced by a space", what);
	return d;
}

struct ars_sip_msg *ars_sip_msg_new_request(const char *method, const char *ruri)
{
	struct ars_sip_msg *m = ars_msg_alloc(true);
	m->method = one_line(method, "a method");
	m->ruri = one_line(ruri, "a Request-URI");
	return m;
}

void ars_sip_msg_add(struct ars_sip_msg *m, const char *name, const char *value)
{
	g_autofree char *n = one_line(ars_msg_canonical(name), "a header name");
	g_autofree char *v = one_line(value, n);
	ars_msg_append(m, n, v, strlen(v));
}

void ars_sip_msg_addf(struct ars_sip_msg *m, const char *name, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	g_autofree char *v = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	ars_sip_msg_add(m, name, v);
}

void ars_sip_msg_remove(struct ars_sip_msg *m, const char *name)
{
	const char *want = ars_msg_canonical(name);
	for (guint i = m->headers->len; i-- > 0;) {
		const struct ars_sip_header *h = m->headers->pdata[i];
		if (g_ascii_strcasecmp(h->name, want) == 0)
			g_ptr_array_remove_index(m->headers, i);
	}
}

void ars_sip_msg_set_body(struct ars_sip_msg *m, const char *content_type, const char *data,
			  size_t len)
{
	g_clear_pointer(&m->body, g_free);
	m->body_len = 0;
	if (!data) {
		ars_sip_msg_remove(m, "Content-Type");
		return;
	}
	m->body = g_malloc(len + 1);
	memcpy(m->body, data, len);
	m->body[len] = '\0';
	m->body_len = len;
	if (content_type) {
		ars_sip_msg_remove(m, "Content-Type");
		ars_sip_msg_add(m, "Content-Type", content_type);
	}
}

static const char *default_reason(int status)
{
	static const struct {
		int status;
		const char *reason;
	} phrases[] = {
		{100, "Trying"},
		{180, "Ringing"},
		{181, "Call Is Being Forwarded"},
		{182, "Queued"},
		{183, "Session Progress"},
		{200, "OK"},
		{202, "Accepted"},
		{400, "Bad Request"},
		{401, "Unauthorized"},
		{403, "Forbidden"},
		{404, "Not Found"},
		{405, "Method Not Allowed"},
		{406, "Not Acceptable"},
		{407, "Proxy Authentication Required"},
		{408, "Request Timeout"},
		{410, "Gone"},
		{413, "Request Entity Too Large"},
		{415, "Unsupported Media Type"},
		{416, "Unsupported URI Scheme"},
		{420, "Bad Extension"},
		{421, "Extension Required"},
		{423, "Interval Too Brief"},
		{480, "Temporarily Unavailable"},
		{481, "Call/Transaction Does Not Exist"},
		{482, "Loop Detected"},
		{483, "Too Many Hops"},
		{484, "Address Incomplete"},
		{486, "Busy Here"},
		{487, "Request Terminated"},
		{488, "Not Acceptable Here"},
		{491, "Request Pending"},
		{500, "Server Internal Error"},
		{501, "Not Implemented"},
		{503, "Service Unavailable"},
		{504, "Server Time-out"},
		{505, "Version Not Supported"},
		{513, "Message Too Large"},
		{600, "Busy Everywhere"},
		{603, "Decline"},
		{604, "Does Not Exist Anywhere"},
		{606, "Not Acceptable"},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(phrases); i++)
		if (phrases[i].status == status)
			return phrases[i].reason;
	return "";
}

struct ars_sip_msg *ars_sip_msg_new_response(const struct ars_sip_msg *req, int status,
					     const char *reason, const char *to_tag)
{
	struct ars_sip_msg *m = ars_msg_alloc(false);
	m->status = status;
	m->reason = one_line(reason ? reason : default_reason(status), "a reason phrase");
	for (guint i = 0; i < req->headers->len; i++) {
		const struct ars_sip_header *h = req->headers->pdata[i];
		if (g_ascii_strcasecmp(h->name, "Via") == 0)
			ars_msg_append(m, "Via", h->value, h->value_len);
	}
	static const char *const copied[] = {"From", "To", "Call-ID", "CSeq"};
	for (size_t i = 0; i < G_N_ELEMENTS(copied); i++) {
		const struct ars_sip_header *h = ars_msg_first(req, copied[i]);
		if (!h)
			continue;
		g_autofree char *tag = NULL;
		if (strcmp(copied[i], "To") == 0 && to_tag && !(tag = ars_msg_param(h, "tag"))) {
			g_autofree char *t = one_line(to_tag, "a tag");
			GString *v = g_string_new_len(h->value, (gssize)h->value_len);
			g_string_append_printf(v, ";tag=%s", t);
			ars_msg_append(m, "To", v->str, v->len);
			g_string_free(v, TRUE);
		} else {
			ars_msg_append(m, copied[i], h->value, h->value_len);
		}
	}
	ars_sip_msg_update_fields(m);
	return m;
}

/* --- serializer ----------------------------------------------------------- */

char *ars_sip_msg_print(const struct ars_sip_msg *m, size_t *len)
{
	GString *s = g_string_sized_new(512 + m->body_len);
	if (m->request)
		g_string_append_printf(s, "%s %s SIP/2.0\r\n", m->method, m->ruri);
	else
		g_string_append_printf(s, "SIP/2.0 %03d %s\r\n", m->status, m->reason ? m->reason : "");
	for (guint i = 0; i < m->headers->len; i++) {
		const struct ars_sip_header *h = m->headers->pdata[i];
		if (g_ascii_strcasecmp(h->name, "Content-Length") == 0)
			continue;
		g_string_append(s, h->name);
		g_string_append(s, ": ");
		g_string_append_len(s, h->value, (gssize)h->value_len);
		g_string_append(s, "\r\n");
	}
	g_string_append_printf(s, "Content-Length: %zu\r\n\r\n", m->body_len);
	if (m->body_len)
		g_string_append_len(s, m->body, (gssize)m->body_len);
	if (len)
		*len = s->len;
	return g_string_free(s, FALSE);
}
