/* media_link.h - opens the media module (libarsphone-media.so) the first time
 * a call needs it, so that an idle or merely registered daemon never loads
 * GStreamer. */
#pragma once
#include "media/media_api.h"

/* The media layer; NULL with *err (g_free) when the module or what it needs
 * cannot be loaded. Loaded once, kept for the life of the process. */
const struct ars_media_api *ars_media_link(char **err);
