/* warmup.c - the media warm-up and its state; see warmup.h.
 * DESIGN: the worker's completion may arrive after the daemon dropped its
 * warm-up object (shutdown), so the state lives in a refcounted box that the
 * completion holds too. */
#define G_LOG_DOMAIN "warmup"

#include "warmup.h"

#include "media_link.h"

#include <errno.h>

enum warm_state { WARM_COLD, WARM_WARMING, WARM_DONE, WARM_FAILED };
static const char *const state_names[] = {"cold", "warming", "warm", "failed"};

struct ars_warmup {
	enum warm_state state;
	double ms;
	char *error;
};

static void warmup_clear(gpointer p)
{
	g_free(((struct ars_warmup *)p)->error);
}

struct ars_warmup *ars_warmup_new(void)
{
	return g_rc_box_new0(struct ars_warmup);
}

static void fail(struct ars_warmup *w, const char *error)
{
	w->state = WARM_FAILED;
	g_free(w->error);
	w->error = g_strdup(error);
}

/* Main loop: the worker is done. */
static void done(double ms, const char *err, void *arg)
{
	struct ars_warmup *w = arg;
	if (err) {
		fail(w, err);
	} else {
		w->state = WARM_DONE;
		w->ms = ms;
	}
	g_rc_box_release_full(w, warmup_clear);
}

int ars_warmup_start(struct ars_warmup *w, char **err)
{
	if (w->state == WARM_WARMING || w->state == WARM_DONE)
		return 0;
	const struct ars_media_api *media = ars_media_link(err);
	if (!media || media->warmup(done, g_rc_box_acquire(w), err) != 0) {
		if (media) /* the completion will not come */
			g_rc_box_release_full(w, warmup_clear);
		fail(w, *err);
		return -ENOENT;
	}
	w->state = WARM_WARMING;
	return 0;
}

json_t *ars_warmup_json(const struct ars_warmup *w)
{
	return json_pack("{s:s, s:o, s:o}", "state", state_names[w->state], "ms",
			 w->state == WARM_DONE ? json_real(w->ms) : json_null(), "error",
			 w->error ? json_string(w->error) : json_null());
}

void ars_warmup_free(struct ars_warmup *w)
{
	if (w)
		g_rc_box_release_full(w, warmup_clear);
}
