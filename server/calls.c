/* calls.c - calls across accounts, their media and the daemon's own
 * call-progress tones. DESIGN: a call's media session is created with the
 * call and freed when the call ends; the SIP call object outlives that as
 * history (and to acknowledge a 2xx that races our CANCEL). Media events
 * arrive on the main loop (media/session.h), so nothing here is touched
 * from another thread. The tone (ring or ringback) follows from the states
 * of all calls and is re-decided on every change. */
#define G_LOG_DOMAIN "calls"

#include "calls.h"

#include "media_link.h"
#include "sip/dial.h"

#include <errno.h>
#include <string.h>

#define MAX_ACTIVE 4	/* an INVITE beyond this gets 486 Busy Here */
#define MAX_HISTORY 20	/* ended calls kept in memory (a 2xx racing our CANCEL) */
#define RINGBACK_VOLUME 50 /* of 100; the ring follows the ring_volume setting */
#define NO_TONE (-1)
#define MAX_DTMF_SHOWN 64 /* the call object keeps the last digits sent */

struct slot {
	struct ars_calls *calls;
	struct ars_sip_ua *ua; /* NULL once its flow is gone */
	struct ars_call *call;
	struct ars_media_session *media;
	ars_call_sdp_h *ready; /* a pending offer/answer */
	void *ready_arg;
	char *media_error;
	GString *dtmf_sent; /* digits queued for sending, oldest cut first */
	bool in_media_event; /* the session may not be freed right now */
	bool muted; /* our microphone: the media sends silence */
	bool recorded, stored; /* history write tried / succeeded */
};

struct ars_calls {
	const struct ars_media_api *media; /* loaded with the first call */
	struct ars_media_config media_cfg;
	char *audio_in, *audio_out;
	json_t *settings;
	struct ars_events *events;
	struct ars_notify *notify;
	struct ars_store *store;
	GPtrArray *slots; /* of struct slot*, oldest first, owned */
	gint64 next_id;
	int tone; /* enum ars_tone playing (or that failed to), or NO_TONE */
	struct ars_tone_player *tone_player;
};

/* The API's call object: the SIP call's, plus the digits sent while it is
 * active (null once it ended: digits can be PINs and are not kept) and our
 * microphone's mute (false once it ended). */
static json_t *call_json(const struct slot *s)
{
	json_t *j = ars_call_to_json(s->call);
	bool ended = ars_call_state(s->call) == ARS_CALL_ENDED;
	json_object_set_new(j, "dtmf_sent", ended ? json_null() : json_string(s->dtmf_sent->str));
	json_object_set_new(j, "muted", json_boolean(s->muted && !ended));
	return j;
}

/* A stored call's object, shaped like call_json() of an ended call (the
 * store keeps none of these: digits can be PINs, and an ended call is
 * neither held nor muted). */
static json_t *stored_call_json(json_t *stored)
{
	json_object_set_new(stored, "dtmf_sent", json_null());
	json_object_set_new(stored, "held", json_false());
	json_object_set_new(stored, "muted", json_false());
	return stored;
}

static void announce(const struct slot *s)
{
	ars_events_emit(s->calls->events, "call", json_pack("{s:o}", "call", call_json(s)));
}

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
	case ARS_MEDIA_EVENT_DTMF:
		if (s->call)
			ars_events_emit(s->calls->events, "dtmf",
					json_pack("{s:I, s:s#}", "call_id", (json_int_t)ars_call_id(s->call),
						  "digit", &ev->digit, (size_t)1));
		break;
	}
	s->in_media_event = false;
	/* The call ended during this event: its media goes now. */
	if (s->call && ars_call_state(s->call) == ARS_CALL_ENDED && s->media)
		drop_media(s);
}

/* --- call-progress tones ---------------------------------------------------------- */

/* The ring while a call rings here and no call has audio; else the ringback
 * while one of ours rings at the far end (until early media or the answer). */
static int wanted_tone(struct ars_calls *calls)
{
	bool incoming = false, ringing_out = false, audio = false;
	for (guint i = 0; i < calls->slots->len; i++) {
		struct ars_call *c = ((struct slot *)calls->slots->pdata[i])->call;
		switch (ars_call_state(c)) {
		case ARS_CALL_INCOMING:
			incoming |= ars_call_can_answer(c); /* not once the user answered */
			break;
		case ARS_CALL_RINGING:
			ringing_out = true;
			break;
		case ARS_CALL_EARLY:
		case ARS_CALL_ESTABLISHED:
			audio = true;
			break;
		default:
			break;
		}
	}
	if (audio)
		return NO_TONE;
	return incoming ? ARS_TONE_RING : ringing_out ? ARS_TONE_RINGBACK : NO_TONE;
}

static void stop_tone(struct ars_calls *calls)
{
	if (calls->tone_player)
		calls->media->tone_stop(g_steal_pointer(&calls->tone_player));
	calls->tone = NO_TONE;
}

static void update_tone(struct ars_calls *calls)
{
	int want = wanted_tone(calls);
	if (want == calls->tone)
		return;
	stop_tone(calls);
	calls->tone = want;
	unsigned volume = RINGBACK_VOLUME;
	if (want == ARS_TONE_RING)
		volume = (unsigned)json_integer_value(json_object_get(calls->settings, "ring_volume"));
	if (want == NO_TONE || volume == 0 || !calls->media)
		return;
	g_autofree char *err = NULL;
	if (calls->media->tone_start(&calls->tone_player, (enum ars_tone)want, volume, calls->audio_out,
				     &err) != 0)
		g_warning("no %s tone: %s", want == ARS_TONE_RING ? "ring" : "ringback", err);
}

/* --- slots ----------------------------------------------------------------------- */

static void slot_free(gpointer data)
{
	struct slot *s = data;
	drop_media(s);
	ars_call_free(s->call);
	g_free(s->media_error);
	g_string_free(s->dtmf_sent, TRUE);
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

/* An ended call goes to the stored history once; a failed write costs only
 * that entry (logged), never the call. */
static void record(struct slot *s)
{
	if (s->recorded || !s->calls->store)
		return;
	s->recorded = true;
	g_autoptr(GError) err = NULL;
	json_auto_t *j = ars_call_to_json(s->call);
	s->stored = ars_store_call_insert(s->calls->store, j, &err);
	if (!s->stored)
		g_warning("call %" G_GINT64_FORMAT ": not kept in the history: %s", ars_call_id(s->call),
			  err->message);
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
		record(s);
	}
	update_tone(s->calls);
	announce(s);
}

static struct slot *new_slot(struct ars_calls *calls, struct ars_sip_ua *ua, char **err)
{
	struct slot *s = g_new0(struct slot, 1);
	s->calls = calls;
	s->ua = ua;
	s->dtmf_sent = g_string_new(NULL);
	g_autofree char *log_id = g_strdup_printf("call-%" G_GINT64_FORMAT, calls->next_id + 1);
	struct ars_media_config cfg = calls->media_cfg;
	cfg.log_id = log_id;
	cfg.jitter_ms = (unsigned)json_integer_value(json_object_get(calls->settings, "jitter_buffer_ms"));
	if (!calls->media)
		calls->media = ars_media_link(err);
	if (!calls->media || calls->media->session_new(&s->media, &cfg, on_media, s, err) != 0) {
		g_string_free(s->dtmf_sent, TRUE);
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
	return call_json(s);
}

/* Mute is ours alone (no renegotiation): any call with media, ringing
 * included, so a call can be answered already muted. */
static int mute(struct slot *s, bool muted)
{
	if (!s->media || ars_call_state(s->call) == ARS_CALL_ENDED)
		return -EINVAL;
	if (s->muted == muted)
		return 0;
	s->calls->media->session_mute(s->media, muted);
	s->muted = muted;
	g_info("call %" G_GINT64_FORMAT ": microphone %s", ars_call_id(s->call), muted ? "muted" : "on");
	announce(s);
	return 0;
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
	else if (strcmp(action, "mute") == 0 || strcmp(action, "unmute") == 0)
		return mute(s, strcmp(action, "mute") == 0);
	else
		return -EINVAL;
	update_tone(calls); /* an answer stops the ring before the call changes state */
	return 0;
}

json_t *ars_calls_list(struct ars_calls *calls, bool active_only)
{
	json_t *list = json_array();
	for (guint i = calls->slots->len; i > 0; i--) {
		struct slot *s = calls->slots->pdata[i - 1];
		if (ars_call_state(s->call) != ARS_CALL_ENDED)
			json_array_append_new(list, call_json(s));
	}
	if (active_only || !calls->store)
		return list;
	g_autoptr(GError) err = NULL;
	json_auto_t *history = ars_store_calls_list(calls->store, ARS_STORE_CALLS_MAX, &err);
	size_t i;
	json_t *stored;
	json_array_foreach(history, i, stored)
		json_array_append(list, stored_call_json(stored));
	if (!history)
		g_warning("%s", err->message);
	return list;
}

json_t *ars_calls_get(struct ars_calls *calls, gint64 id)
{
	struct slot *s = find(calls, id);
	/* Ended and stored: the history says it (and forgets it once cleared). */
	if (s && !(s->stored && ars_call_state(s->call) == ARS_CALL_ENDED))
		return call_json(s);
	if (!calls->store)
		return NULL;
	g_autoptr(GError) err = NULL;
	json_t *stored = ars_store_call_get(calls->store, id, &err);
	if (!stored && !g_error_matches(err, ARS_STORE_ERROR, ARS_STORE_ERROR_NOT_FOUND))
		g_warning("%s", err->message);
	return stored ? stored_call_json(stored) : NULL;
}

int ars_calls_dtmf(struct ars_calls *calls, gint64 id, const char *digits, unsigned duration_ms,
		   char **message)
{
	struct slot *s = find(calls, id);
	if (!s)
		return -ENOENT;
	if (ars_call_state(s->call) != ARS_CALL_ESTABLISHED || !s->media) {
		*message = g_strdup("DTMF needs an established call");
		return -EINVAL;
	}
	int rc = s->calls->media->session_dtmf(s->media, digits, duration_ms, message);
	if (rc != 0)
		return rc;
	g_autofree char *upper = g_ascii_strup(digits, -1); /* a-d are A-D */
	g_string_append(s->dtmf_sent, upper);
	if (s->dtmf_sent->len > MAX_DTMF_SHOWN)
		g_string_erase(s->dtmf_sent, 0, (gssize)(s->dtmf_sent->len - MAX_DTMF_SHOWN));
	announce(s);
	return 0;
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
	calls->tone = NO_TONE;
	calls->store = cfg->store;
	/* Ids continue after the stored ones, so they stay unique across restarts. */
	g_autoptr(GError) err = NULL;
	calls->next_id = cfg->store ? MAX(ars_store_calls_last_id(cfg->store, &err), 0) : 0;
	if (err)
		g_warning("%s", err->message);
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
	stop_tone(calls);
	g_ptr_array_unref(calls->slots);
	g_free(calls->audio_in);
	g_free(calls->audio_out);
	g_free(calls);
}
