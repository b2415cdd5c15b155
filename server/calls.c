/* calls.c - calls across accounts and their media. DESIGN: a call's media
 * session is created with the call and freed when the call ends; the SIP
 * call object outlives that as history (and to acknowledge a 2xx that races
 * our CANCEL). Media events arrive on the main loop (media/session.h), so
 * nothing here is touched from another thread. */
#define G_LOG_DOMAIN "calls"

#include "calls.h"

#include "media_link.h"
#include "sip/dial.h"

#include <errno.h>
#include <string.h>

#define MAX_ACTIVE 4	/* an INVITE beyond this gets 486 Busy Here */
#define MAX_HISTORY 20

struct slot {
	struct ars_calls *calls;
	struct ars_sip_ua *ua; /* NULL once its flow is gone */
	struct ars_call *call;
	struct ars_media_session *media;
	ars_call_sdp_h *ready; /* a pending offer/answer */
	void *ready_arg;
	char *media_error;
	bool in_media_event; /* the session may not be freed right now */
};

struct ars_calls {
	const struct ars_media_api *media; /* loaded with the first call */
	struct ars_media_config media_cfg;
	char *audio_in, *audio_out;
	json_t *settings;
	struct ars_events *events;
	struct ars_notify *notify;
	GPtrArray *slots; /* of struct slot*, oldest first, owned */
	gint64 next_id;
};

static void drop_media(struct slot *s)
{
	if (s->media)
		s->calls->media->session_free(g_steal_pointer(&s->media));
}

/* --- media adapter ------------------------------------------------------------- */

static void media_offer(void *m, ars_call_sdp_h *ready, void *arg)
{
	struct slot *s = m;
	s->ready = ready;
	s->ready_arg = arg;
	if (s->calls->media->session_offer(s->media) != 0) {
		s->ready = NULL;
		ready(NULL, "the media is busy with another negotiation", arg);
	}
}

static void media_answer(void *m, const char *offer, ars_call_sdp_h *ready, void *arg)
{
	struct slot *s = m;
	g_autofree char *err = NULL;
	if (s->calls->media->session_set_remote(s->media, offer, true, &err) != 0) {
		ready(NULL, err, arg);
		return;
	}
	s->ready = ready;
	s->ready_arg = arg;
	s->calls->media->session_answer(s->media);
}

static bool media_set_answer(void *m, const char *answer, const char **error)
{
	struct slot *s = m;
	g_clear_pointer(&s->media_error, g_free);
	if (s->calls->media->session_set_remote(s->media, answer, false, &s->media_error) == 0)
		return true;
	*error = s->media_error;
	return false;
}

static void media_hold_offer(void *m, bool hold, ars_call_sdp_h *ready, void *arg)
{
	struct slot *s = m;
	s->ready = ready;
	s->ready_arg = arg;
	if (s->calls->media->session_hold(s->media, hold) != 0) {
		s->ready = NULL;
		ready(NULL, "the media is busy with another negotiation", arg);
	}
}

static void media_offer_refused(void *m)
{
	struct slot *s = m;
	s->calls->media->session_offer_refused(s->media);
}

static const struct ars_call_media_ops media_ops = {media_offer, media_answer, media_set_answer,
						    media_hold_offer, media_offer_refused};

static void on_media(struct ars_media_session *ms, const struct ars_media_event *ev, void *arg)
{
	struct slot *s = arg;
	ars_call_sdp_h *ready = s->ready;
	s->in_media_event = true;
	switch (ev->type) {
	case ARS_MEDIA_EVENT_LOCAL_SDP:
		s->ready = NULL;
		if (ready)
			ready(ev->sdp, NULL, s->ready_arg);
		break;
	case ARS_MEDIA_EVENT_CODEC:
		if (s->call)
			ars_call_set_codec(s->call, ev->codec);
		break;
	case ARS_MEDIA_EVENT_CONNECTED:
		g_info("call %" G_GINT64_FORMAT ": media connected", s->call ? ars_call_id(s->call) : 0);
		break;
	case ARS_MEDIA_EVENT_FAILED:
		s->ready = NULL;
		if (ready)
			ready(NULL, ev->reason, s->ready_arg);
		/* failing while answering a new offer mid-call (the offer gets its
		 * 488) ends the call too: its media is gone */
		if (s->call && (!ready || ars_call_state(s->call) == ARS_CALL_ESTABLISHED))
			ars_call_media_failed(s->call, ev->reason);
		break;
	}
	s->in_media_event = false;
	/* The call ended during this event: its media goes now. */
	if (s->call && ars_call_state(s->call) == ARS_CALL_ENDED && s->media)
		drop_media(s);
}

/* --- slots ----------------------------------------------------------------------- */

static void slot_free(gpointer data)
{
	struct slot *s = data;
	drop_media(s);
	ars_call_free(s->call);
	g_free(s->media_error);
	g_free(s);
}

static void trim_history(struct ars_calls *calls)
{
	guint ended = 0;
	for (guint i = 0; i < calls->slots->len; i++)
		ended += ars_call_state(((struct slot *)calls->slots->pdata[i])->call) == ARS_CALL_ENDED;
	for (guint i = 0; ended > MAX_HISTORY && i < calls->slots->len;) {
		struct slot *s = calls->slots->pdata[i];
		if (ars_call_state(s->call) == ARS_CALL_ENDED) {
			g_ptr_array_remove_index(calls->slots, i);
			ended--;
		} else {
			i++;
		}
	}
}

static void on_call_changed(struct ars_call *call, void *arg)
{
	struct slot *s = arg;
	if (!s->call) /* still inside ars_call_new_*(): announced by the creator */
		return;
	if (ars_call_state(call) != ARS_CALL_INCOMING && s->calls->notify)
		ars_notify_withdraw(s->calls->notify, ars_call_id(call));
	if (ars_call_state(call) == ARS_CALL_ENDED) {
		s->ready = NULL;
		if (!s->in_media_event) /* else on_media frees it on the way out */
			drop_media(s);
	}
	ars_events_emit(s->calls->events, "call", json_pack("{s:o}", "call", ars_call_to_json(call)));
}

static struct slot *new_slot(struct ars_calls *calls, struct ars_sip_ua *ua, char **err)
{
	struct slot *s = g_new0(struct slot, 1);
	s->calls = calls;
	s->ua = ua;
	g_autofree char *log_id = g_strdup_printf("call-%" G_GINT64_FORMAT, calls->next_id + 1);
	struct ars_media_config cfg = calls->media_cfg;
	cfg.log_id = log_id;
	cfg.jitter_ms = (unsigned)json_integer_value(json_object_get(calls->settings, "jitter_buffer_ms"));
	if (!calls->media)
		calls->media = ars_media_link(err);
	if (!calls->media || calls->media->session_new(&s->media, &cfg, on_media, s, err) != 0) {
		g_free(s);
		return NULL;
	}
	return s;
}

static struct slot *find(struct ars_calls *calls, gint64 id)
{
	for (guint i = 0; i < calls->slots->len; i++) {
		struct slot *s = calls->slots->pdata[i];
		if (ars_call_id(s->call) == id)
			return s;
	}
	return NULL;
}

static guint active_count(struct ars_calls *calls)
{
	guint n = 0;
	for (guint i = 0; i < calls->slots->len; i++)
		n += ars_call_state(((struct slot *)calls->slots->pdata[i])->call) != ARS_CALL_ENDED;
	return n;
}

static void add(struct ars_calls *calls, struct slot *s, struct ars_call *call)
{
	s->call = call;
	g_ptr_array_add(calls->slots, s);
	trim_history(calls);
	on_call_changed(call, s);
}

/* --- hooks from the user agents ------------------------------------------------- */

static bool take_request(struct ars_sip_ua *ua, struct ars_sip_stxn *st, const struct ars_sip_msg *req,
			 void *arg)
{
	struct ars_calls *calls = arg;
	for (guint i = 0; i < calls->slots->len; i++) {
		struct slot *s = calls->slots->pdata[i];
		if (s->ua == ua && ars_call_take_request(s->call, st, req))
			return true;
	}
	return false;
}

static void incoming(struct ars_sip_ua *ua, struct ars_sip_stxn *st, const struct ars_sip_msg *invite,
		     void *arg)
{
	struct ars_calls *calls = arg;
	struct ars_call_env env;
	if (!ars_sip_ua_call_env(ua, &env)) {
		ars_sip_ua_reply(st, 480, "Temporarily Unavailable");
		return;
	}
	if (active_count(calls) >= MAX_ACTIVE) {
		ars_sip_ua_reply(st, 486, "Busy Here");
		return;
	}
	g_autofree char *err = NULL;
	struct slot *s = new_slot(calls, ua, &err);
	if (!s) {
		g_warning("incoming call refused: %s", err);
		ars_sip_ua_reply(st, 480, "Temporarily Unavailable");
		return;
	}
	gint64 id = ++calls->next_id;
	struct ars_call *call = ars_call_new_incoming(&env, id, ars_sip_ua_account_id(ua), st, invite,
						      &media_ops, s, on_call_changed, s);
	add(calls, s, call);
	/* No page is open to ring: the desktop shows it. */
	if (calls->notify && ars_events_client_count(calls->events) == 0 &&
	    ars_call_state(call) == ARS_CALL_INCOMING) {
		json_auto_t *j = ars_call_to_json(call);
		const char *name = json_string_value(json_object_get(j, "remote_name"));
		ars_notify_incoming(calls->notify, id,
				    name ? name : json_string_value(json_object_get(j, "remote_uri")));
	}
}

static void flow_lost(struct ars_sip_ua *ua, void *arg)
{
	struct ars_calls *calls = arg;
	for (guint i = 0; i < calls->slots->len; i++) {
		struct slot *s = calls->slots->pdata[i];
		if (s->ua != ua)
			continue;
		s->ua = NULL;
		ars_call_flow_lost(s->call);
	}
}

struct ars_sip_ua_call_hooks ars_calls_hooks(struct ars_calls *calls)
{
	return (struct ars_sip_ua_call_hooks){take_request, incoming, flow_lost, calls};
}

/* --- the API --------------------------------------------------------------------- */

json_t *ars_calls_place(struct ars_calls *calls, struct ars_sip_ua *ua, const char *to,
			const char **code, char **message)
{
	const struct ars_account *a = ars_sip_ua_account(ua);
	const char *why = NULL;
	g_autofree char *uri = ars_dial_uri(to, a->domain, &why);
	if (!uri) {
		*code = "validation_failed";
		*message = g_strdup(why);
		return NULL;
	}
	struct ars_call_env env;
	if (!ars_sip_ua_call_env(ua, &env)) {
		json_t *reg = ars_sip_ua_registration(ua);
		const char *reason = json_string_value(json_object_get(reg, "reason"));
		*code = "account_not_registered";
		*message = g_strdup_printf("the account is not registered%s%s", reason ? ": " : "",
					   reason ? reason : "");
		return NULL;
	}
	g_autofree char *err = NULL;
	struct slot *s = new_slot(calls, ua, &err);
	if (!s) {
		*code = "media_unavailable";
		*message = g_steal_pointer(&err);
		return NULL;
	}
	gint64 id = ++calls->next_id;
	struct ars_call *call = ars_call_new_outgoing(&env, id, a->id, uri, &media_ops, s, on_call_changed, s);
	add(calls, s, call);
	return ars_call_to_json(call);
}

int ars_calls_act(struct ars_calls *calls, gint64 id, const char *action)
{
	struct slot *s = find(calls, id);
	if (!s)
		return -ENOENT;
	enum ars_call_state st = ars_call_state(s->call);
	bool incoming = ars_call_can_answer(s->call); /* a second answer is refused */
	if (strcmp(action, "answer") == 0 && incoming)
		ars_call_answer(s->call);
	else if (strcmp(action, "decline") == 0 && incoming)
		ars_call_decline(s->call);
	else if (strcmp(action, "hangup") == 0 && st != ARS_CALL_ENDED)
		ars_call_hangup(s->call);
	else if (strcmp(action, "hold") == 0 || strcmp(action, "resume") == 0)
		return ars_call_hold(s->call, strcmp(action, "hold") == 0) == 0 ? 0 : -EINVAL;
	else
		return -EINVAL;
	return 0;
}

json_t *ars_calls_list(struct ars_calls *calls, bool active_only)
{
	json_t *list = json_array();
	for (guint i = calls->slots->len; i > 0; i--) {
		struct slot *s = calls->slots->pdata[i - 1];
		if (!active_only || ars_call_state(s->call) != ARS_CALL_ENDED)
			json_array_append_new(list, ars_call_to_json(s->call));
	}
	return list;
}

json_t *ars_calls_get(struct ars_calls *calls, gint64 id)
{
	struct slot *s = find(calls, id);
	return s ? ars_call_to_json(s->call) : NULL;
}

struct ars_calls *ars_calls_new(const struct ars_calls_config *cfg, struct ars_events *events,
				struct ars_notify *notify)
{
	struct ars_calls *calls = g_new0(struct ars_calls, 1);
	calls->notify = notify;
	calls->audio_in = g_strdup(cfg->audio_in);
	calls->audio_out = g_strdup(cfg->audio_out);
	calls->media_cfg = (struct ars_media_config){
		.audio_in = calls->audio_in,
		.audio_out = calls->audio_out,
	};
	calls->settings = cfg->settings;
	calls->events = events;
	calls->slots = g_ptr_array_new_with_free_func(slot_free);
	return calls;
}

void ars_calls_hangup_all(struct ars_calls *calls)
{
	for (guint i = 0; calls && i < calls->slots->len; i++) {
		struct slot *s = calls->slots->pdata[i];
		if (ars_call_state(s->call) != ARS_CALL_ENDED && s->ua)
			ars_call_hangup(s->call);
	}
}

void ars_calls_free(struct ars_calls *calls)
{
	if (!calls)
		return;
	g_ptr_array_unref(calls->slots);
	g_free(calls->audio_in);
	g_free(calls->audio_out);
	g_free(calls);
}
