/* api.c - routes and handlers of the JSON API. Dispatch is a table of paths
 * and methods; every handler validates its input and answers with a stable
 * error code (schema/api.md "Errors"). */
#define G_LOG_DOMAIN "api"

#include "api.h"

#include "ars_config.h"
#include "settings.h"
#include "warmup.h"

#include <errno.h>
#include <string.h>

struct request {
	gint64 id;    /* {id} in the path, 0 when none */
	json_t *body; /* parsed JSON object, or NULL when the route takes none */
};

typedef void (*api_handler_fn)(struct ars_api_ctx *ctx, const struct request *req,
			       struct ars_api_reply *rep);

void ars_api_reply_clear(struct ars_api_reply *rep)
{
	json_decref(rep->body);
	g_free(rep->location);
	memset(rep, 0, sizeof *rep);
}

void ars_api_error(struct ars_api_reply *rep, unsigned status, const char *code, const char *message,
		   const struct ars_verr *errs)
{
	json_t *err = json_pack("{s:s, s:s}", "code", code, "message", message);
	if (errs) {
		json_object_set(err, "fields", errs->fields);
		json_object_set(err, "field_codes", errs->field_codes);
	}
	json_decref(rep->body);
	rep->status = status;
	rep->body = json_pack("{s:o}", "error", err);
}

static void reply(struct ars_api_reply *rep, unsigned status, json_t *body)
{
	rep->status = status;
	rep->body = body;
}

static void storage_failed(struct ars_api_reply *rep, const GError *err)
{
	g_warning("%s", err->message);
	ars_api_error(rep, 500, "storage_failed", "the database refused the change; nothing was changed",
		      NULL);
}

/* --- status ----------------------------------------------------------------- */

json_t *ars_api_status(struct ars_api_ctx *ctx)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(GPtrArray) accounts = ars_store_accounts_list(ctx->store, &err);
	json_t *list = json_array();
	for (guint i = 0; accounts && i < accounts->len; i++) {
		const struct ars_account *a = g_ptr_array_index(accounts, i);
		json_array_append_new(list, json_pack("{s:I, s:s, s:o}", "id", (json_int_t)a->id, "name",
						      a->name, "registration",
						      ars_phone_registration(ctx->phone, a)));
	}
	if (err)
		g_warning("%s", err->message);
	return json_pack("{s:s, s:o, s:o, s:o}", "version", ARS_VERSION, "accounts", list, "calls",
			 ctx->calls ? ars_calls_list(ctx->calls, true) : json_array(), "media",
			 ctx->warmup ? ars_warmup_json(ctx->warmup) : json_null());
}

static void get_status(struct ars_api_ctx *ctx, const struct request *req, struct ars_api_reply *rep)
{
	reply(rep, 200, ars_api_status(ctx));
}

/* --- accounts --------------------------------------------------------------- */

static void list_accounts(struct ars_api_ctx *ctx, const struct request *req,
			  struct ars_api_reply *rep)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(GPtrArray) accounts = ars_store_accounts_list(ctx->store, &err);
	if (!accounts) {
		storage_failed(rep, err);
		return;
	}
	json_t *list = json_array();
	for (guint i = 0; i < accounts->len; i++)
		json_array_append_new(list, ars_account_to_json(g_ptr_array_index(accounts, i),
								ARS_ACCOUNT_JSON_PUBLIC));
	reply(rep, 200, json_pack("{s:o}", "accounts", list));
}

/* Answers a failed insert/update; the name conflict is a field error. */
static void write_failed(struct ars_api_reply *rep, const GError *err)
{
	if (g_error_matches(err, ARS_STORE_ERROR, ARS_STORE_ERROR_NAME_TAKEN)) {
		struct ars_verr errs;
		ars_verr_init(&errs);
		ars_verr_add(&errs, "name", "taken", "another account already has this name");
		ars_api_error(rep, 409, "name_taken", err->message, &errs);
		ars_verr_clear(&errs);
	} else if (g_error_matches(err, ARS_STORE_ERROR, ARS_STORE_ERROR_NOT_FOUND)) {
		ars_api_error(rep, 404, "not_found", "no such account", NULL);
	} else {
		storage_failed(rep, err);
	}
}

/* Validates obj into an account, or answers 400 with every field error. */
static struct ars_account *validated(json_t *obj, struct ars_api_reply *rep)
{
	struct ars_verr errs;
	ars_verr_init(&errs);
	struct ars_account *a = ars_account_from_json(obj, &errs);
	if (!a)
		ars_api_error(rep, 400, "validation_failed", "some fields are invalid", &errs);
	ars_verr_clear(&errs);
	return a;
}

/* Answers with the account as stored (timestamps included) and announces it. */
static void reply_stored(struct ars_api_ctx *ctx, gint64 id, unsigned status, const char *event,
			 struct ars_api_reply *rep)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(ArsAccount) stored = ars_store_account_get(ctx->store, id, &err);
	if (!stored) {
		storage_failed(rep, err);
		return;
	}
	reply(rep, status, ars_account_to_json(stored, ARS_ACCOUNT_JSON_PUBLIC));
	ars_events_emit(ctx->events, event,
			json_pack("{s:o}", "account", ars_account_to_json(stored, ARS_ACCOUNT_JSON_PUBLIC)));
	/* After the account event, so pages know the account its registration
	 * events are about. */
	if (ctx->phone)
		ars_phone_account_changed(ctx->phone, stored);
}

static void create_account(struct ars_api_ctx *ctx, const struct request *req,
			   struct ars_api_reply *rep)
{
	g_autoptr(ArsAccount) a = validated(req->body, rep);
	if (!a)
		return;
	g_autoptr(GError) err = NULL;
	if (!ars_store_account_insert(ctx->store, a, &err)) {
		write_failed(rep, err);
		return;
	}
	g_info("account %" G_GINT64_FORMAT " created", a->id);
	rep->location = g_strdup_printf("/api/v1/accounts/%" G_GINT64_FORMAT, a->id);
	reply_stored(ctx, a->id, 201, "account.created", rep);
}

static void get_account(struct ars_api_ctx *ctx, const struct request *req, struct ars_api_reply *rep)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(ArsAccount) a = ars_store_account_get(ctx->store, req->id, &err);
	if (!a)
		write_failed(rep, err);
	else
		reply(rep, 200, ars_account_to_json(a, ARS_ACCOUNT_JSON_PUBLIC));
}

static void patch_account(struct ars_api_ctx *ctx, const struct request *req,
			  struct ars_api_reply *rep)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(ArsAccount) old = ars_store_account_get(ctx->store, req->id, &err);
	if (!old) {
		write_failed(rep, err);
		return;
	}
	json_auto_t *merged = ars_account_to_json(old, ARS_ACCOUNT_JSON_EDITABLE);
	ars_account_merge_patch(merged, req->body);
	g_autoptr(ArsAccount) a = validated(merged, rep);
	if (!a)
		return;
	a->id = req->id;
	if (!ars_store_account_update(ctx->store, a, &err)) {
		write_failed(rep, err);
		return;
	}
	g_info("account %" G_GINT64_FORMAT " updated", a->id);
	reply_stored(ctx, a->id, 200, "account.updated", rep);
}

static void delete_account(struct ars_api_ctx *ctx, const struct request *req,
			   struct ars_api_reply *rep)
{
	g_autoptr(GError) err = NULL;
	if (!ars_store_account_delete(ctx->store, req->id, &err)) {
		write_failed(rep, err);
		return;
	}
	g_info("account %" G_GINT64_FORMAT " deleted", req->id);
	rep->status = 204;
	if (ctx->phone)
		ars_phone_account_deleted(ctx->phone, req->id);
	ars_events_emit(ctx->events, "account.deleted",
			json_pack("{s:I}", "account_id", (json_int_t)req->id));
}

static void register_account(struct ars_api_ctx *ctx, const struct request *req,
			     struct ars_api_reply *rep)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(ArsAccount) a = ars_store_account_get(ctx->store, req->id, &err);
	if (!a) {
		write_failed(rep, err);
		return;
	}
	if (!a->enabled) {
		ars_api_error(rep, 409, "account_disabled", "enable the account to register it", NULL);
		return;
	}
	if (ctx->phone)
		ars_phone_register_now(ctx->phone, req->id);
	reply(rep, 202, ars_phone_registration(ctx->phone, a));
}

/* --- calls ------------------------------------------------------------------ */

static void list_calls(struct ars_api_ctx *ctx, const struct request *req, struct ars_api_reply *rep)
{
	reply(rep, 200, json_pack("{s:o}", "calls", ctx->calls ? ars_calls_list(ctx->calls, false) : json_array()));
}

static void get_call(struct ars_api_ctx *ctx, const struct request *req, struct ars_api_reply *rep)
{
	json_t *call = ctx->calls ? ars_calls_get(ctx->calls, req->id) : NULL;
	if (call)
		reply(rep, 200, call);
	else
		ars_api_error(rep, 404, "not_found", "no such call", NULL);
}

static void place_call(struct ars_api_ctx *ctx, const struct request *req, struct ars_api_reply *rep)
{
	struct ars_verr errs;
	ars_verr_init(&errs);
	json_t *account = json_object_get(req->body, "account_id");
	json_t *to = json_object_get(req->body, "to");
	const char *key;
	json_t *v;
	json_object_foreach(req->body, key, v) {
		if (strcmp(key, "account_id") && strcmp(key, "to"))
			ars_verr_add(&errs, key, "unknown_field", "is not a known field");
	}
	if (!json_is_integer(account))
		ars_verr_add(&errs, "account_id", account ? "wrong_type" : "required",
			     account ? "must be an account id" : "is required");
	if (!json_is_string(to))
		ars_verr_add(&errs, "to", to ? "wrong_type" : "required",
			     to ? "must be a number or a SIP address" : "is required");
	g_autoptr(ArsAccount) a = NULL;
	if (json_is_integer(account)) {
		a = ars_store_account_get(ctx->store, json_integer_value(account), NULL);
		if (!a)
			ars_verr_add(&errs, "account_id", "not_found", "no such account");
	}
	struct ars_sip_ua *ua = a ? ars_phone_ua(ctx->phone, a->id) : NULL;
	if (ars_verr_any(&errs)) {
		ars_api_error(rep, 400, "validation_failed", "some fields are invalid", &errs);
	} else if (!a->enabled || !ua || !ctx->calls) {
		ars_api_error(rep, 409, "account_not_registered",
			      a->enabled ? "the account is not registered" : "the account is disabled", NULL);
	} else {
		const char *code = NULL;
		g_autofree char *message = NULL;
		json_t *call = ars_calls_place(ctx->calls, ua, json_string_value(to), &code, &message);
		if (call) {
			rep->location = g_strdup_printf("/api/v1/calls/%" JSON_INTEGER_FORMAT,
							json_integer_value(json_object_get(call, "id")));
			reply(rep, 201, call);
		} else if (strcmp(code, "validation_failed") == 0) {
			ars_verr_add(&errs, "to", "bad_number", message);
			ars_api_error(rep, 400, code, "some fields are invalid", &errs);
		} else {
			ars_api_error(rep, strcmp(code, "media_unavailable") == 0 ? 503 : 409, code, message, NULL);
		}
	}
	ars_verr_clear(&errs);
}

static void act_on_call(struct ars_api_ctx *ctx, const struct request *req, struct ars_api_reply *rep,
			const char *action)
{
	int r = ctx->calls ? ars_calls_act(ctx->calls, req->id, action) : -ENOENT;
	if (r == -ENOENT)
		ars_api_error(rep, 404, "not_found", "no such call", NULL);
	else if (r == -EINVAL)
		ars_api_error(rep, 409, "call_state", "the call is not in a state that allows this", NULL);
	else
		reply(rep, 200, ars_calls_get(ctx->calls, req->id));
}

static void answer_call(struct ars_api_ctx *ctx, const struct request *req, struct ars_api_reply *rep)
{
	act_on_call(ctx, req, rep, "answer");
}

static void decline_call(struct ars_api_ctx *ctx, const struct request *req, struct ars_api_reply *rep)
{
	act_on_call(ctx, req, rep, "decline");
}

static void hangup_call(struct ars_api_ctx *ctx, const struct request *req, struct ars_api_reply *rep)
{
	act_on_call(ctx, req, rep, "hangup");
}

/* Forgets the stored ended calls; active calls are not touched. */
static void clear_call_history(struct ars_api_ctx *ctx, const struct request *req,
			       struct ars_api_reply *rep)
{
	g_autoptr(GError) err = NULL;
	if (!ars_store_calls_clear(ctx->store, &err)) {
		storage_failed(rep, err);
		return;
	}
	g_info("call history cleared");
	rep->status = 204;
	ars_events_emit(ctx->events, "call_history.cleared", json_object());
}

#define DTMF_MAX_DIGITS 32

/* {"digits": "123#", "duration_ms": 100}: validated here, sent by the media. */
static void validate_dtmf(const json_t *body, struct ars_verr *errs)
{
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)body, key, v) {
		if (strcmp(key, "digits") && strcmp(key, "duration_ms"))
			ars_verr_add(errs, key, "unknown_field", "is not a known field");
	}
	json_t *digits = json_object_get(body, "digits");
	const char *d = json_string_value(digits);
	if (!digits)
		ars_verr_add(errs, "digits", "required", "is required");
	else if (!d)
		ars_verr_add(errs, "digits", "wrong_type", "must be a string of DTMF digits");
	else if (ars_verr_text(errs, "digits", d, 1, DTMF_MAX_DIGITS) &&
		 strspn(d, "0123456789*#ABCDabcd") != strlen(d))
		ars_verr_add(errs, "digits", "bad_characters", "may hold only 0-9, *, # and A-D");
	json_t *ms = json_object_get(body, "duration_ms");
	if (ms && (!json_is_integer(ms) || json_integer_value(ms) < 40 || json_integer_value(ms) > 2000))
		ars_verr_add(errs, "duration_ms", json_is_integer(ms) ? "out_of_range" : "wrong_type",
			     "must be a whole number of milliseconds from 40 to 2000");
}

static void send_dtmf(struct ars_api_ctx *ctx, const struct request *req, struct ars_api_reply *rep)
{
	struct ars_verr errs;
	ars_verr_init(&errs);
	validate_dtmf(req->body, &errs);
	json_t *call = ctx->calls ? ars_calls_get(ctx->calls, req->id) : NULL;
	if (!call) {
		ars_api_error(rep, 404, "not_found", "no such call", NULL);
	} else if (ars_verr_any(&errs)) {
		ars_api_error(rep, 400, "validation_failed", "some fields are invalid", &errs);
	} else {
		g_autofree char *message = NULL;
		const char *digits = json_string_value(json_object_get(req->body, "digits"));
		unsigned ms = (unsigned)json_integer_value(json_object_get(req->body, "duration_ms"));
		int r = ars_calls_dtmf(ctx->calls, req->id, digits, ms, &message);
		if (r == 0)
			reply(rep, 202, ars_calls_get(ctx->calls, req->id));
		else if (r == -ENOTSUP)
			ars_api_error(rep, 409, "dtmf_not_negotiated", message, NULL);
		else if (r == -ENOSPC)
			ars_api_error(rep, 409, "dtmf_busy", message, NULL);
		else
			ars_api_error(rep, 409, "call_state", message ? message : "the call cannot send DTMF now",
				      NULL);
	}
	json_decref(call);
	ars_verr_clear(&errs);
}

static void hold_call(struct ars_api_ctx *ctx, const struct request *req, struct ars_api_reply *rep)
{
	act_on_call(ctx, req, rep, "hold");
}

static void resume_call(struct ars_api_ctx *ctx, const struct request *req, struct ars_api_reply *rep)
{
	act_on_call(ctx, req, rep, "resume");
}

static void mute_call(struct ars_api_ctx *ctx, const struct request *req, struct ars_api_reply *rep)
{
	act_on_call(ctx, req, rep, "mute");
}

static void unmute_call(struct ars_api_ctx *ctx, const struct request *req, struct ars_api_reply *rep)
{
	act_on_call(ctx, req, rep, "unmute");
}

/* --- media ------------------------------------------------------------------- */

static void warm_media(struct ars_api_ctx *ctx, const struct request *req, struct ars_api_reply *rep)
{
	g_autofree char *err = NULL;
	if (!ctx->warmup) {
		ars_api_error(rep, 503, "media_unavailable", "this daemon has no media layer", NULL);
		return;
	}
	if (ars_warmup_start(ctx->warmup, &err) != 0) {
		ars_api_error(rep, 503, "media_unavailable", err, NULL);
		return;
	}
	reply(rep, 202, ars_warmup_json(ctx->warmup));
}

/* --- settings --------------------------------------------------------------- */

static void get_settings(struct ars_api_ctx *ctx, const struct request *req,
			 struct ars_api_reply *rep)
{
	reply(rep, 200, json_deep_copy(ctx->settings));
}

static void patch_settings(struct ars_api_ctx *ctx, const struct request *req,
			   struct ars_api_reply *rep)
{
	struct ars_verr errs;
	ars_verr_init(&errs);
	if (!ars_settings_validate(req->body, &errs)) {
		ars_api_error(rep, 400, "validation_failed", "some settings are invalid", &errs);
		ars_verr_clear(&errs);
		return;
	}
	ars_verr_clear(&errs);
	g_autoptr(GError) err = NULL;
	if (!ars_store_settings_save(ctx->store, req->body, &err)) {
		storage_failed(rep, err);
		return;
	}
	json_object_update(ctx->settings, req->body);
	reply(rep, 200, json_deep_copy(ctx->settings));
	ars_events_emit(ctx->events, "settings.updated",
			json_pack("{s:O}", "settings", ctx->settings));
}

/* --- dispatch --------------------------------------------------------------- */

struct method_entry {
	const char *method;
	api_handler_fn handler;
	bool takes_body;
};

static const struct route {
	const char *path; /* a trailing "{id}" matches a positive integer */
	const char *allow;
	struct method_entry methods[3];
} routes[] = {
	{"/api/v1/status", "GET", {{"GET", get_status, false}}},
	{"/api/v1/accounts", "GET, POST", {{"GET", list_accounts, false}, {"POST", create_account, true}}},
	{"/api/v1/accounts/{id}",
	 "GET, PATCH, DELETE",
	 {{"GET", get_account, false}, {"PATCH", patch_account, true}, {"DELETE", delete_account, false}}},
	{"/api/v1/accounts/{id}/register", "POST", {{"POST", register_account, false}}},
	{"/api/v1/calls", "GET, POST", {{"GET", list_calls, false}, {"POST", place_call, true}}},
	{"/api/v1/calls/{id}", "GET", {{"GET", get_call, false}}},
	{"/api/v1/calls/history", "DELETE", {{"DELETE", clear_call_history, false}}},
	{"/api/v1/calls/{id}/answer", "POST", {{"POST", answer_call, false}}},
	{"/api/v1/calls/{id}/decline", "POST", {{"POST", decline_call, false}}},
	{"/api/v1/calls/{id}/hangup", "POST", {{"POST", hangup_call, false}}},
	{"/api/v1/calls/{id}/hold", "POST", {{"POST", hold_call, false}}},
	{"/api/v1/calls/{id}/resume", "POST", {{"POST", resume_call, false}}},
	{"/api/v1/calls/{id}/mute", "POST", {{"POST", mute_call, false}}},
	{"/api/v1/calls/{id}/unmute", "POST", {{"POST", unmute_call, false}}},
	{"/api/v1/calls/{id}/dtmf", "POST", {{"POST", send_dtmf, true}}},
	{"/api/v1/media/warmup", "POST", {{"POST", warm_media, false}}},
	{"/api/v1/settings", "GET, PATCH", {{"GET", get_settings, false}, {"PATCH", patch_settings, true}}},
};

static bool parse_id(const char *s, gint64 *out)
{
	guint64 v;
	if (!*s || s[0] == '0' || strlen(s) > 15 ||
	    !g_ascii_string_to_unsigned(s, 10, 1, G_MAXINT64, &v, NULL))
		return false;
	*out = (gint64)v;
	return true;
}

/* A "{id}" in a route's path matches a positive decimal number. */
static const struct route *match(const char *path, gint64 *id)
{
	for (size_t i = 0; i < G_N_ELEMENTS(routes); i++) {
		const char *p = routes[i].path, *hole = strstr(p, "{id}");
		if (!hole) {
			if (strcmp(p, path) == 0)
				return &routes[i];
			continue;
		}
		size_t prefix = (size_t)(hole - p);
		if (strncmp(p, path, prefix) != 0)
			continue;
		const char *digits = path + prefix;
		size_t n = strcspn(digits, "/");
		g_autofree char *number = g_strndup(digits, n);
		if (parse_id(number, id) && strcmp(digits + n, hole + 4) == 0)
			return &routes[i];
	}
	return NULL;
}

static bool is_json_type(const char *content_type)
{
	if (!content_type)
		return false;
	size_t n = strcspn(content_type, ";");
	g_autofree char *mime = g_strstrip(g_strndup(content_type, n));
	return g_ascii_strcasecmp(mime, "application/json") == 0;
}

void ars_api_handle(struct ars_api_ctx *ctx, const char *method, const char *path,
		    const char *content_type, const char *body, size_t body_len,
		    struct ars_api_reply *rep)
{
	struct request req = {0};
	const struct route *r = match(path, &req.id);
	if (!r) {
		ars_api_error(rep, 404, "not_found", "no such API path", NULL);
		return;
	}
	const struct method_entry *m = NULL;
	for (size_t i = 0; i < G_N_ELEMENTS(r->methods) && r->methods[i].method; i++)
		if (strcmp(r->methods[i].method, method) == 0)
			m = &r->methods[i];
	if (!m) {
		ars_api_error(rep, 405, "method_not_allowed", "this path does not take that method", NULL);
		rep->allow = r->allow;
		return;
	}
	if (body_len > 0 && !is_json_type(content_type)) {
		ars_api_error(rep, 415, "unsupported_media_type", "send the body as application/json", NULL);
		return;
	}
	json_auto_t *parsed = NULL;
	if (m->takes_body) {
		json_error_t jerr;
		parsed = body_len ? json_loadb(body, body_len, JSON_REJECT_DUPLICATES, &jerr) : NULL;
		if (!json_is_object(parsed)) {
			ars_api_error(rep, 400, "invalid_json", "the body must be a JSON object", NULL);
			return;
		}
		req.body = parsed;
	}
	m->handler(ctx, &req, rep);
}
