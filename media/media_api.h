/* media_api.h - what the daemon uses of the media layer, as a table of
 * functions: the layer lives in a module opened on first use (media/module.c,
 * server/media_link.c). */
#pragma once
#include "media/session.h"
#include "media/tone_player.h"

#define ARS_MEDIA_MODULE_SYMBOL "ars_media_module_api"

struct ars_media_api {
	int (*warmup)(ars_media_warmup_h *done, void *arg, char **err);
	int (*config_check)(const struct ars_media_config *cfg, char **err);
	int (*session_new)(struct ars_media_session **out, const struct ars_media_config *cfg,
			   ars_media_event_h *h, void *arg, char **err);
	int (*session_offer)(struct ars_media_session *s);
	int (*session_set_remote)(struct ars_media_session *s, const char *sdp, bool is_offer, char **err);
	int (*session_answer)(struct ars_media_session *s);
	int (*session_dtmf)(struct ars_media_session *s, const char *digits, unsigned duration_ms, char **err);
	int (*session_hold)(struct ars_media_session *s, bool hold);
	int (*session_mute)(struct ars_media_session *s, bool muted);
	int (*session_offer_refused)(struct ars_media_session *s);
	void (*session_free)(struct ars_media_session *s);
	int (*tone_start)(struct ars_tone_player **out, enum ars_tone tone, unsigned volume,
			  const char *audio_out, char **err);
	void (*tone_stop)(struct ars_tone_player *p);
};
