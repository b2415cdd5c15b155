/* app.h - the daemon: owns every subsystem; there are no other globals. */
#pragma once
#include <gio/gio.h>
#include <stdbool.h>
#include <stdint.h>

struct ars_app;

struct ars_app_config {
	const char *data_dir; /* exists, mode 0700 */
	const char *token;
	int listen_fd; /* taken over */
	const char *listen_ip;
	uint16_t port;
	GMainLoop *loop; /* the loop libwebsockets joins */
	bool sip_trace;
	const char *audio_in;  /* --audio-in, NULL: auto */
	const char *audio_out; /* --audio-out, NULL: auto */
};

struct ars_app *ars_app_new(const struct ars_app_config *cfg, GError **err);
/* Unregisters every account (at most ~2 s, running the main context), then
 * frees everything. */
void ars_app_free(struct ars_app *app);
