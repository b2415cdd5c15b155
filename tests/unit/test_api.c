/* test_api.c - the API below HTTP: routing, JSON errors, settings table,
 * events emitted for changes. */
#include "api.h"
#include "settings.h"

#include <glib/gstdio.h>
#include <string.h>

struct fixture {
	char *dir;
	struct ars_api_ctx ctx;
	int status_calls;
};

static json_t *status_h(void *arg)
{
	return json_object();
}

static void setup(struct fixture *f, gconstpointer data)
{
	f->dir = g_dir_make_tmp("ars-api-XXXXXX", NULL);
	g_autofree char *db = g_build_filename(f->dir, "arsphone.db", NULL);
	f->ctx.store = ars_store_open(db, NULL);
	g_assert_nonnull(f->ctx.store);
	f->ctx.events = ars_events_new(status_h, f);
	f->ctx.settings = ars_settings_defaults();
}

static void teardown(struct fixture *f, gconstpointer data)
{
	ars_store_close(f->ctx.store);
	ars_events_free(f->ctx.events);
	json_decref(f->ctx.settings);
	g_autoptr(GDir) d = g_dir_open(f->dir, 0, NULL);
	for (const char *n; (n = g_dir_read_name(d));) {
		g_autofree char *p = g_build_filename(f->dir, n, NULL);
		g_unlink(p);
	}
	g_rmdir(f->dir);
	g_free(f->dir);
}

static unsigned call(struct fixture *f, const char *method, const char *path, const char *type,
		     const char *body, json_t **out)
{
	struct ars_api_reply rep = {0};
	ars_api_handle(&f->ctx, method, path, type, body ? body : "", body ? strlen(body) : 0, &rep);
	unsigned status = rep.status;
	if (out)
		*out = json_incref(rep.body);
	ars_api_reply_clear(&rep);
	return status;
}

static const char *error_code(json_t *body)
{
	return json_string_value(json_object_get(json_object_get(body, "error"), "code"));
}

static void test_errors(struct fixture *f, gconstpointer data)
{
	json_t *b = NULL;
	g_assert_cmpuint(call(f, "GET", "/api/v1/nope", NULL, NULL, &b), ==, 404);
	g_assert_cmpstr(error_code(b), ==, "not_found");
	g_clear_pointer(&b, json_decref);
	g_assert_cmpuint(call(f, "GET", "/api/v1/accounts/0", NULL, NULL, &b), ==, 404);
	g_clear_pointer(&b, json_decref);
	g_assert_cmpuint(call(f, "GET", "/api/v1/accounts/abc", NULL, NULL, &b), ==, 404);
	g_clear_pointer(&b, json_decref);
	g_assert_cmpuint(call(f, "GET", "/api/v1/accounts/99", NULL, NULL, &b), ==, 404);
	g_assert_cmpstr(error_code(b), ==, "not_found");
	g_clear_pointer(&b, json_decref);

	struct ars_api_reply rep = {0};
	ars_api_handle(&f->ctx, "PUT", "/api/v1/accounts", NULL, "", 0, &rep);
	g_assert_cmpuint(rep.status, ==, 405);
	g_assert_cmpstr(rep.allow, ==, "GET, POST");
	g_assert_cmpstr(error_code(rep.body), ==, "method_not_allowed");
	ars_api_reply_clear(&rep);

	g_assert_cmpuint(call(f, "POST", "/api/v1/accounts", "text/plain", "{}", &b), ==, 415);
	g_assert_cmpstr(error_code(b), ==, "unsupported_media_type");
	g_clear_pointer(&b, json_decref);
	g_assert_cmpuint(call(f, "POST", "/api/v1/accounts", "application/json", "{nope", &b), ==, 400);
	g_assert_cmpstr(error_code(b), ==, "invalid_json");
	g_clear_pointer(&b, json_decref);
	g_assert_cmpuint(call(f, "POST", "/api/v1/accounts", "application/json", "[1]", &b), ==, 400);
	g_assert_cmpstr(error_code(b), ==, "invalid_json");
	g_clear_pointer(&b, json_decref);
	g_assert_cmpuint(call(f, "POST", "/api/v1/accounts", "application/json", "", &b), ==, 400);
	g_clear_pointer(&b, json_decref);
	/* duplicate keys are ambiguous: refused */
	g_assert_cmpuint(call(f, "PATCH", "/api/v1/settings", "application/json; charset=utf-8",
			      "{\"ring_volume\": 1, \"ring_volume\": 2}", &b),
			 ==, 400);
	g_clear_pointer(&b, json_decref);

	g_assert_cmpuint(call(f, "POST", "/api/v1/accounts", "application/json", "{\"name\": 1}", &b),
			 ==, 400);
	json_t *err = json_object_get(b, "error");
	g_assert_cmpstr(error_code(b), ==, "validation_failed");
	g_assert_nonnull(json_string_value(json_object_get(err, "message")));
	g_assert_cmpstr(json_string_value(json_object_get(json_object_get(err, "field_codes"), "name")),
			==, "wrong_type");
	g_assert_nonnull(json_object_get(json_object_get(err, "fields"), "server"));
	g_clear_pointer(&b, json_decref);
}

static void test_account_flow(struct fixture *f, gconstpointer data)
{
	const char *body = "{\"name\": \"Office\", \"username\": \"505\", \"domain\": \"pbx.example\","
			   " \"password\": \"hunter2\", \"server\": \"wss://pbx.example/ws\"}";
	json_t *b = NULL;
	g_assert_cmpuint(call(f, "POST", "/api/v1/accounts", "application/json", body, &b), ==, 201);
	gint64 id = json_integer_value(json_object_get(b, "id"));
	g_assert_cmpint(id, >, 0);
	g_autofree char *text = json_dumps(b, 0);
	g_assert_null(strstr(text, "hunter2"));
	g_clear_pointer(&b, json_decref);

	g_assert_cmpuint(call(f, "POST", "/api/v1/accounts", "application/json", body, &b), ==, 409);
	g_assert_cmpstr(error_code(b), ==, "name_taken");
	g_clear_pointer(&b, json_decref);

	g_autofree char *path = g_strdup_printf("/api/v1/accounts/%" G_GINT64_FORMAT, id);
	g_assert_cmpuint(call(f, "PATCH", path, "application/json", "{\"enabled\": false}", &b), ==, 200);
	g_assert_true(json_is_false(json_object_get(b, "enabled")));
	g_assert_true(json_is_true(json_object_get(b, "has_password")));
	g_clear_pointer(&b, json_decref);

	g_assert_cmpuint(call(f, "GET", "/api/v1/status", NULL, NULL, &b), ==, 200);
	json_t *reg = json_object_get(json_array_get(json_object_get(b, "accounts"), 0), "registration");
	g_assert_cmpstr(json_string_value(json_object_get(reg, "state")), ==, "disabled");
	g_assert_true(json_is_null(json_object_get(reg, "code")));
	g_assert_true(json_is_array(json_object_get(b, "calls")));
	g_clear_pointer(&b, json_decref);

	g_assert_cmpuint(call(f, "DELETE", path, NULL, NULL, &b), ==, 204);
	g_assert_null(b);
	g_assert_cmpuint(call(f, "DELETE", path, NULL, NULL, &b), ==, 404);
	g_clear_pointer(&b, json_decref);
}

static void test_settings(struct fixture *f, gconstpointer data)
{
	json_t *b = NULL;
	g_assert_cmpuint(call(f, "GET", "/api/v1/settings", NULL, NULL, &b), ==, 200);
	json_auto_t *defaults = ars_settings_defaults();
	g_assert_true(json_equal(b, defaults));
	g_assert_true(json_is_null(json_object_get(b, "language")));
	g_assert_true(json_is_true(json_object_get(b, "popup_on_incoming")));
	g_assert_cmpint(json_integer_value(json_object_get(b, "ring_volume")), ==, 80);
	g_clear_pointer(&b, json_decref);

	/* one bad value: nothing changes */
	g_assert_cmpuint(call(f, "PATCH", "/api/v1/settings", "application/json",
			      "{\"language\": \"de\", \"ring_volume\": 101, \"volume\": 1, \"popup_on_incoming\": true}", &b),
			 ==, 400);
	json_t *codes = json_object_get(json_object_get(b, "error"), "field_codes");
	g_assert_cmpstr(json_string_value(json_object_get(codes, "language")), ==, "bad_choice");
	g_assert_cmpstr(json_string_value(json_object_get(codes, "ring_volume")), ==, "out_of_range");
	g_assert_cmpstr(json_string_value(json_object_get(codes, "volume")), ==, "unknown_field");
	g_assert_null(json_object_get(codes, "popup_on_incoming"));
	g_clear_pointer(&b, json_decref);
	g_assert_true(json_equal(f->ctx.settings, defaults));

	g_assert_cmpuint(call(f, "PATCH", "/api/v1/settings", "application/json",
			      "{\"language\": \"ru\", \"ring_volume\": 0, \"popup_on_incoming\": false}", &b),
			 ==, 200);
	g_assert_cmpstr(json_string_value(json_object_get(b, "language")), ==, "ru");
	g_assert_cmpint(json_integer_value(json_object_get(b, "ring_volume")), ==, 0);
	g_clear_pointer(&b, json_decref);
	g_assert_cmpuint(call(f, "PATCH", "/api/v1/settings", "application/json",
			      "{\"language\": null, \"ring_volume\": \"5\", \"popup_on_incoming\": 1}", &b),
			 ==, 400);
	codes = json_object_get(json_object_get(b, "error"), "field_codes");
	g_assert_cmpstr(json_string_value(json_object_get(codes, "ring_volume")), ==, "wrong_type");
	g_assert_cmpstr(json_string_value(json_object_get(codes, "popup_on_incoming")), ==, "wrong_type");
	g_clear_pointer(&b, json_decref);
	g_assert_cmpuint(call(f, "PATCH", "/api/v1/settings", "application/json", "{\"language\": null}", &b),
			 ==, 200);
	g_assert_true(json_is_null(json_object_get(b, "language")));
	g_clear_pointer(&b, json_decref);
}

static void test_settings_table(void)
{
	json_auto_t *en = json_string("en"), *upper = json_string("EN"), *yes = json_true();
	json_auto_t *loud = json_integer(100), *negative = json_integer(-1);
	g_assert_true(ars_settings_value_ok("language", en));
	g_assert_false(ars_settings_value_ok("language", upper));
	g_assert_false(ars_settings_value_ok("unknown", yes));
	g_assert_true(ars_settings_value_ok("ring_volume", loud));
	g_assert_false(ars_settings_value_ok("ring_volume", negative));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add(path, struct fixture, NULL, setup, fn, teardown)
	ADD("/api/errors", test_errors);
	ADD("/api/account-flow", test_account_flow);
	ADD("/api/settings", test_settings);
	g_test_add_func("/settings/table", test_settings_table);
	return g_test_run();
}
