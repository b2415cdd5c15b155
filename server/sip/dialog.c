/* dialog.c - dialog state and in-dialog requests (RFC 3261 §12). */
#define G_LOG_DOMAIN "sip-dialog"

#include "dialog.h"

#include "txn.h"

#include <string.h>

/* The URI of a Contact or Record-Route value. */
static char *uri_of(const char *value)
{
	char *display = NULL, *uri = NULL;
	const char *params;
	if (!value || !ars_sip_nameaddr_parse(value, &display, &uri, &params))
		return NULL;
	g_free(display);
	return uri;
}

/* From/To without the tag parameter: what the dialog keeps as URIs. */
static char *without_tag(const char *value)
{
	char *display = NULL, *uri = NULL;
	const char *params;
	if (!ars_sip_nameaddr_parse(value, &display, &uri, &params))
		return g_strdup(value);
	char *out = display && *display ? g_strdup_printf("\"%s\" <%s>", display, uri)
					 : g_strdup_printf("<%s>", uri);
	g_free(display);
	g_free(uri);
	return out;
}

static struct ars_sip_dialog *dialog_new(const char *via_host, bool secure)
{
	struct ars_sip_dialog *d = g_new0(struct ars_sip_dialog, 1);
	d->route_set = g_ptr_array_new_with_free_func(g_free);
	d->via_host = g_strdup(via_host);
	d->secure = secure;
	return d;
}

struct ars_sip_dialog *ars_sip_dialog_new_uac(const struct ars_sip_msg *invite,
					      const struct ars_sip_msg *resp, const char *via_host,
					      bool secure)
{
	g_autofree char *target = uri_of(ars_sip_msg_get(resp, "Contact"));
	if (!resp->to_tag || !target)
		return NULL;
	struct ars_sip_dialog *d = dialog_new(via_host, secure);
	d->call_id = g_strdup(invite->call_id);
	d->local_tag = g_strdup(invite->from_tag);
	d->remote_tag = g_strdup(resp->to_tag);
	d->local_uri = without_tag(ars_sip_msg_get(invite, "From"));
	d->remote_uri = without_tag(ars_sip_msg_get(resp, "To"));
	d->remote_target = g_steal_pointer(&target);
	d->local_cseq = invite->cseq;
	/* §12.1.2: the UAC's route set is the Record-Route in reverse order. */
	for (guint i = ars_sip_msg_count(resp, "Record-Route"); i > 0; i--)
		g_ptr_array_add(d->route_set, g_strdup(ars_sip_msg_get_nth(resp, "Record-Route", i - 1)));
	return d;
}

struct ars_sip_dialog *ars_sip_dialog_new_uas(const struct ars_sip_msg *invite, const char *local_tag,
					      const char *via_host, bool secure)
{
	g_autofree char *target = uri_of(ars_sip_msg_get(invite, "Contact"));
	if (!target || !invite->from_tag)
		return NULL;
	struct ars_sip_dialog *d = dialog_new(via_host, secure);
	d->call_id = g_strdup(invite->call_id);
	d->local_tag = g_strdup(local_tag);
	d->remote_tag = g_strdup(invite->from_tag);
	d->local_uri = without_tag(ars_sip_msg_get(invite, "To"));
	d->remote_uri = without_tag(ars_sip_msg_get(invite, "From"));
	d->remote_target = g_steal_pointer(&target);
	d->remote_cseq = invite->cseq;
	/* §12.1.1: the UAS keeps the Record-Route order. */
	for (guint i = 0; i < ars_sip_msg_count(invite, "Record-Route"); i++)
		g_ptr_array_add(d->route_set, g_strdup(ars_sip_msg_get_nth(invite, "Record-Route", i)));
	return d;
}

void ars_sip_dialog_free(struct ars_sip_dialog *d)
{
	if (!d)
		return;
	g_ptr_array_unref(d->route_set);
	g_free(d->call_id);
	g_free(d->local_tag);
	g_free(d->remote_tag);
	g_free(d->local_uri);
	g_free(d->remote_uri);
	g_free(d->remote_target);
	g_free(d->via_host);
	g_free(d);
}

struct ars_sip_msg *ars_sip_dialog_request(struct ars_sip_dialog *d, const char *method,
					   uint32_t ack_cseq)
{
	bool same_cseq = strcmp(method, "ACK") == 0 || strcmp(method, "CANCEL") == 0;
	uint32_t cseq = same_cseq ? ack_cseq : ++d->local_cseq;
	/* Loose routing (§12.2.1.1): the route set goes in Route headers and
	 * the Request-URI is the remote target. A strict router (no ;lr) is
	 * not supported: WebSocket servers all loose-route. */
	struct ars_sip_msg *m = ars_sip_msg_new_request(method, d->remote_target);
	g_autofree char *branch = ars_sip_new_branch();
	ars_sip_msg_addf(m, "Via", "SIP/2.0/%s %s;branch=%s;rport", d->secure ? "WSS" : "WS", d->via_host,
			 branch);
	ars_sip_msg_add(m, "Max-Forwards", "70");
	for (guint i = 0; i < d->route_set->len; i++)
		ars_sip_msg_add(m, "Route", d->route_set->pdata[i]);
	ars_sip_msg_addf(m, "From", "%s;tag=%s", d->local_uri, d->local_tag);
	ars_sip_msg_addf(m, "To", "%s;tag=%s", d->remote_uri, d->remote_tag);
	ars_sip_msg_add(m, "Call-ID", d->call_id);
	ars_sip_msg_addf(m, "CSeq", "%u %s", cseq, method);
	ars_sip_msg_update_fields(m);
	return m;
}

bool ars_sip_dialog_matches(const struct ars_sip_dialog *d, const struct ars_sip_msg *msg)
{
	if (g_strcmp0(msg->call_id, d->call_id) != 0)
		return false;
	/* A request from the peer has their tag in From; a response to ours has
	 * it in To. */
	const char *ours = msg->request ? msg->to_tag : msg->from_tag;
	const char *theirs = msg->request ? msg->from_tag : msg->to_tag;
	return g_strcmp0(ours, d->local_tag) == 0 && g_strcmp0(theirs, d->remote_tag) == 0;
}

bool ars_sip_dialog_accept_request(struct ars_sip_dialog *d, const struct ars_sip_msg *req)
{
	if (strcmp(req->method, "ACK") == 0 || strcmp(req->method, "CANCEL") == 0)
		return true;
	if (d->remote_cseq && req->cseq <= d->remote_cseq)
		return false;
	d->remote_cseq = req->cseq;
	if (strcmp(req->method, "INVITE") == 0 || strcmp(req->method, "UPDATE") == 0) {
		char *target = uri_of(ars_sip_msg_get(req, "Contact"));
		if (target) {
			g_free(d->remote_target);
			d->remote_target = target;
		}
	}
	return true;
}

void ars_sip_dialog_refresh_target(struct ars_sip_dialog *d, const struct ars_sip_msg *resp)
{
	char *target = uri_of(ars_sip_msg_get(resp, "Contact"));
	if (target) {
		g_free(d->remote_target);
		d->remote_target = target;
	}
}
