/* Call-progress tones played by the daemon itself (ring, ringback) on the
 * speaker given by `--audio-out`; see tone_player.c. Main thread only. */
#pragma once

#include "tones.h"

struct ars_tone_player;

/* Starts looping `tone` at `volume` (0..100) on `audio_out` (the
 * --audio-out spec: auto = the desktop's speaker, null = nothing,
 * file:PATH.wav = PATH.tones.wav). Returns 0 and sets *out (NULL for the
 * null speaker), or -errno with *err (g_free) set. */
int ars_tone_player_start(struct ars_tone_player **out, enum ars_tone tone, unsigned volume,
                          const char *audio_out, char **err);
/* Stops at once (the file, if any, is complete on return) and frees. NULL
 * is a no-op. */
void ars_tone_player_stop(struct ars_tone_player *p);
