/* module.c - the entry point of libarsphone-media.so: the daemon opens this
 * module on the first call (server/media_link.c), so GStreamer is loaded
 * only by a daemon that actually calls. */
#include "media/media_api.h"

const struct ars_media_api *ars_media_module_api(void);

const struct ars_media_api *ars_media_module_api(void)
{
	static const struct ars_media_api api = {
		.warmup = ars_media_warmup,
		.config_check = ars_media_config_check,
		.session_new = ars_media_session_new,
		.session_offer = ars_media_session_offer,
		.session_set_remote = ars_media_session_set_remote,
		.session_answer = ars_media_session_answer,
		.session_dtmf = ars_media_session_dtmf,
		.session_hold = ars_media_session_hold,
		.session_mute = ars_media_session_mute,
		.session_offer_refused = ars_media_session_offer_refused,
		.session_free = ars_media_session_free,
		.tone_start = ars_tone_player_start,
		.tone_stop = ars_tone_player_stop,
	};
	return &api;
}
