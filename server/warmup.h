/* warmup.h - readies the media layer before the first call when the user is
 * about to call (the page asks when its number field is used): loads the
 * media module and GStreamer's plugins, and has webrtcbin generate its DTLS
 * certificate in a worker thread, so the first call is as fast as later
 * ones. Not done at start, so an idle or merely registered daemon stays
 * small (README, "Benchmarks"). */
#pragma once
#include <jansson.h>

struct ars_warmup;

struct ars_warmup *ars_warmup_new(void);
/* Starts the warm-up unless it ran or runs. Returns 0, or -ENOENT with *err
 * (g_free) when the media layer cannot be loaded. */
int ars_warmup_start(struct ars_warmup *w, char **err);
/* {"state": "cold|warming|warm|failed", "ms": number|null, "error":
 * string|null} (new reference). */
json_t *ars_warmup_json(const struct ars_warmup *w);
/* A warm-up still running finishes into nothing. NULL is a no-op. */
void ars_warmup_free(struct ars_warmup *w);
