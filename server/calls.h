/* calls.h - the calls of all accounts: each joins a SIP call (sip/call.c)
 * to its media session (media/session.c), is numbered for the API, and
 * announces every change as a "call" event. Ended calls go to the stored
 * call history (store_calls.c). */
#pragma once
#include "events.h"
#include "notify.h"
#include "sip/ua.h"
#include "store.h"

#include <jansson.h>

struct ars_calls;

struct ars_calls_config {
	const char *audio_in;  /* --audio-in */
	const char *audio_out; /* --audio-out */
	json_t *settings;      /* the live settings (jitter_buffer_ms), borrowed */
	struct ars_store *store; /* the call history; borrowed, outlives calls */
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
/* "answer", "decline", "hangup", "hold", "resume", "mute" or "unmute". 0, -ENOENT (no such
 * call), -EINVAL (not possible in its state). */
int ars_calls_act(struct ars_calls *calls, gint64 id, const char *action);
/* Sends DTMF digits (already validated: 0-9 * # A-D) on an established
 * call as RFC 4733 events, each duration_ms long (0 = 100). Returns 0 (the
 * call's dtmf_sent grows; a "call" event follows), -ENOENT (no such call),
 * or with *message (g_free): -EINVAL (not established), -ENOTSUP (the far
 * end did not accept telephone-event), -EAGAIN (media not sending yet),
 * -ENOSPC (too many digits waiting). */
int ars_calls_dtmf(struct ars_calls *calls, gint64 id, const char *digits, unsigned duration_ms,
		   char **message);
/* Active calls newest first, then (unless active_only) the stored history
 * newest first. */
json_t *ars_calls_list(struct ars_calls *calls, bool active_only);
json_t *ars_calls_get(struct ars_calls *calls, gint64 id);
