/* app.c - builds the subsystems in dependency order and tears them down in
 * reverse. DESIGN: everything here lives on the one GLib main loop of the main
 * thread; no subsystem has a thread of its own, so there are no locks. */
#define G_LOG_DOMAIN "app"

#include "app.h"

#include "api.h"
#include "calls.h"
#include "warmup.h"
#include "notify.h"
#include "events.h"
#include "http.h"
#include "phone.h"
#include "sip/transport_wss.h"
#include "settings.h"
#include "store.h"

struct ars_app {
	struct ars_store *store;
	struct ars_events *events;
	struct lws_context *lws;
	struct ars_calls *calls;
	struct ars_warmup *warmup;
	struct ars_notify *notify;
	struct ars_phone *phone;
	guint start_src;

	struct ars_api_ctx api;
	struct ars_http *http;
};

static json_t *status_for_hello(void *arg)
{
	struct ars_app *app = arg;
	return ars_api_status(&app->api);
}

/* Stored settings over the defaults; values this version does not accept
 * are ignored, not fatal. */
static json_t *load_settings(struct ars_store *store, GError **err)
{
	json_auto_t *stored = ars_store_settings_load(store, err);
	if (!stored)
		return NULL;
	json_t *settings = ars_settings_defaults();
	const char *name;
	json_t *v;
	json_object_foreach(stored, name, v) {
		if (ars_settings_value_ok(name, v))
			json_object_set(settings, name, v);
		else
			g_warning("ignoring stored setting %s: not valid for this version", name);
	}
	return settings;
}

static gboolean start_phone(gpointer data)
{
	struct ars_app *app = data;
	app->start_src = 0;
	ars_phone_start(app->phone);
	return G_SOURCE_REMOVE;
}

struct ars_app *ars_app_new(const struct ars_app_config *cfg, GError **err)
{
	struct ars_app *app = g_new0(struct ars_app, 1);
	g_autofree char *db_path = g_build_filename(cfg->data_dir, "arsphone.db", NULL);
	struct ars_guard guard;

	app->store = ars_store_open(db_path, err);
	if (!app->store)
		goto fail;
	app->api.settings = load_settings(app->store, err);
	if (!app->api.settings)
		goto fail;
	app->events = ars_events_new(status_for_hello, app);
	app->api.store = app->store;
	app->api.events = app->events;
	app->lws = ars_sip_flow_context_new(cfg->loop, err);
	if (!app->lws)
		goto fail;
	struct ars_calls_config calls_cfg = {cfg->audio_in, cfg->audio_out, app->api.settings, app->store};
	char *base_url = g_strdup_printf("http://%s:%u/", cfg->listen_ip, cfg->port);
	app->notify = ars_notify_new(base_url, cfg->token);
	g_free(base_url);
	app->calls = ars_calls_new(&calls_cfg, app->events, app->notify);
	struct ars_sip_ua_call_hooks hooks = ars_calls_hooks(app->calls);
	app->phone = ars_phone_new(app->lws, cfg->data_dir, cfg->sip_trace, app->store, app->events, &hooks);
	app->api.phone = app->phone;
	app->api.calls = app->calls;
	app->warmup = ars_warmup_new();
	app->api.warmup = app->warmup;

	ars_guard_init(&guard, cfg->listen_ip, cfg->port, cfg->token);
	app->http = ars_http_start(cfg->listen_fd, &guard, &app->api, err);
	if (!app->http)
		goto fail;
	/* Registration starts once the loop runs: TLS set-up (loading the
	 * system CAs) must not delay the page. */
	app->start_src = g_idle_add(start_phone, app);
	return app;
fail:
	ars_app_free(app);
	return NULL;
}

void ars_app_free(struct ars_app *app)
{
	if (!app)
		return;
	g_clear_handle_id(&app->start_src, g_source_remove);
	ars_calls_hangup_all(app->calls);
	ars_phone_shutdown(app->phone);
	ars_calls_free(app->calls);
	ars_warmup_free(app->warmup);
	ars_notify_free(app->notify);
	ars_http_stop(app->http);
	ars_sip_flow_context_free(app->lws);
	ars_events_free(app->events);
	json_decref(app->api.settings);
	ars_store_close(app->store);
	g_free(app);
}
