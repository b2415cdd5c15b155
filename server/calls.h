/* calls.h - the calls of all accounts: each joins a SIP call (sip/call.c)
 * to its media session (media/session.c), is numbered for the API, and
 * announces every change as a "call" event. Ended calls are kept as a
 * short history. */
#pragma once
#include "events.h"
#include "notify.h"
#include "sip/ua.h"

#include <jansson.h>

struct ars_calls;

struct ars_calls_config {
	const char *audio_in;  /* --audio-in */
	const char *audio_out; /* --audio-out */
	json_t *settings;      /* the live settings (jitter_buffer_ms), borrowed */
};

/* notify (may be NULL) shows incoming calls on the desktop when no page is
 * open to show them. */
struct ars_calls *ars_calls_new(const struct ars_calls_config *cfg, struct ars_events *events,
				struct ars_notify *notify);
/* Hangs up every active call (CANCEL or BYE); for shutting down. */
void ars_calls_hangup_all(struct ars_calls *calls);
/* Frees everything, after the user agents are gone. */
void ars_calls_free(struct ars_calls *calls);
/* The hooks user agents hand their calls' requests to. */
struct ars_sip_ua_call_hooks ars_calls_hooks(struct ars_calls *calls);

/* Places a call from ua's account to what the user typed. Returns the new
 * call object (new reference), or NULL with *code (static, api.md) and
 * *message (g_free). */
json_t *ars_calls_place(struct ars_calls *calls, struct ars_sip_ua *ua, const char *to,
			const char **code, char **message);
/* "answer", "decline", "hangup", "hold" or "resume". 0, -ENOENT (no such
 * call), -EINVAL (not possible in its state). */
int ars_calls_act(struct ars_calls *calls, gint64 id, const char *action);
/* The call objects, newest first; active_only leaves out ended calls. */
json_t *ars_calls_list(struct ars_calls *calls, bool active_only);
json_t *ars_calls_get(struct ars_calls *calls, gint64 id);
