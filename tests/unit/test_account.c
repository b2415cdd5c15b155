/* test_account.c - every account field rule, good and bad, and the JSON forms. */
#include "account.h"

#include <string.h>

#define PEM "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----\n"
#define FP "ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89"

static json_t *valid_account(void)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s}", "name", "Office", "username", "505", "domain",
			 "f2.ads365.ru", "password", "secret", "server", "wss://f2.ads365.ru:6060/ws");
}

/* One case: field (top-level key) set to a JSON value; expect NULL = valid, or
 * the field code at path. */
struct rule_case {
	const char *field;
	const char *value_json;
	const char *path;
	const char *code;
};

static const struct rule_case cases[] = {
	{"name", "\"Офис\"", NULL, NULL},
	{"name", "\"  Office 2  \"", NULL, NULL},
	{"name", "\"\"", "name", "required"},
	{"name", "\"   \"", "name", "required"},
	{"name", "null", "name", "required"},
	{"name", "42", "name", "wrong_type"},
	{"name", "\"a\\nb\"", "name", "bad_characters"},
	{"name", "\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"", "name", "too_long"},
	{"username", "\"user.name-1_!~*'()&=+$,;?/%41\"", NULL, NULL},
	{"username", "\"50 5\"", "username", "bad_characters"},
	{"username", "\"a@b\"", "username", "bad_characters"},
	{"username", "\"%4\"", "username", "bad_characters"},
	{"username", "\"\"", "username", "required"},
	{"auth_username", "\"auth user\"", NULL, NULL},
	{"auth_username", "null", NULL, NULL},
	{"auth_username", "\"a\\\"b\"", "auth_username", "bad_characters"},
	{"auth_username", "\"\"", "auth_username", "too_short"},
	{"display_name", "\"Приёмная\"", NULL, NULL},
	{"display_name", "\"\"", NULL, NULL},
	{"display_name", "\"a\\u0007\"", "display_name", "bad_characters"},
	{"domain", "\"PBX.Example.com\"", NULL, NULL},
	{"domain", "\"10.0.0.1\"", NULL, NULL},
	{"domain", "\"[2001:db8::1]\"", NULL, NULL},
	{"domain", "\"2001:db8::1\"", NULL, NULL},
	{"domain", "\"-bad.example\"", "domain", "bad_host"},
	{"domain", "\"bad..example\"", "domain", "bad_host"},
	{"domain", "\"1.2.3\"", "domain", "bad_host"},
	{"domain", "\"under_score.example\"", "domain", "bad_host"},
	{"password", "\"\"", "password", "too_short"},
	{"password", "null", NULL, NULL},
	{"password", "true", "password", "wrong_type"},
	{"server", "\"ws://pbx.example:8080\"", NULL, NULL},
	{"server", "\"WSS://[2001:db8::1]:8089/ws?x=1\"", NULL, NULL},
	{"server", "\"http://pbx.example\"", "server", "bad_scheme"},
	{"server", "\"pbx.example\"", "server", "bad_scheme"},
	{"server", "\"wss://pbx.example:0/ws\"", "server", "bad_port"},
	{"server", "\"wss://pbx.example:65536/ws\"", "server", "bad_port"},
	{"server", "\"wss://pbx.example:/ws\"", "server", "bad_port"},
	{"server", "\"wss://user:pw@pbx.example/ws\"", "server", "bad_url"},
	{"server", "\"wss://pbx.example/ws#x\"", "server", "bad_url"},
	{"server", "\"wss://pbx.example/a b\"", "server", "bad_path"},
	{"server", "\"wss://[2001:db8::1/ws\"", "server", "bad_host"},
	{"server", "\"wss:///ws\"", "server", "bad_host"},
	{"host_map", "[{\"host\": \"pbx.example\", \"address\": \"10.1.2.3\"}, {\"host\": \"b.example\", \"address\": \"::1\"}]", NULL, NULL},
	{"host_map", "[]", NULL, NULL},
	{"host_map", "{}", "host_map", "wrong_type"},
	{"host_map", "[{\"host\": \"10.0.0.1\", \"address\": \"10.1.2.3\"}]", "host_map[0].host", "bad_host"},
	{"host_map", "[{\"host\": \"pbx.example\", \"address\": \"pbx.example\"}]", "host_map[0].address", "bad_ip"},
	{"host_map", "[{\"host\": \"a.example\", \"address\": \"10.0.0.1\"}, {\"host\": \"A.example\", \"address\": \"10.0.0.2\"}]", "host_map[1].host", "duplicate"},
	{"host_map", "[{\"host\": \"a.example\"}]", "host_map[0].address", "required"},
	{"host_map", "[5]", "host_map[0]", "wrong_type"},
	{"host_map", "[{\"host\": \"a.example\", \"address\": \"::1\", \"port\": 5}]", "host_map[0].port", "unknown_field"},
	{"tls", "{\"mode\": 1}", "tls.mode", "wrong_type"},
	{"tls", "{\"mode\": \"verify\", \"ca_pem\": \"" "-----BEGIN CERTIFICATE-----\\nMIIBszCCAVmgAwIBAgIU\\n-----END CERTIFICATE-----\\n" "\"}", NULL, NULL},
	{"tls", "{\"mode\": \"pin\", \"pin_sha256\": \"" FP "\"}", NULL, NULL},
	{"tls", "{\"mode\": \"insecure\"}", NULL, NULL},
	{"tls", "{\"mode\": \"trust-all\"}", "tls.mode", "bad_choice"},
	{"tls", "{\"mode\": \"pin\"}", "tls.pin_sha256", "required"},
	{"tls", "{\"pin_sha256\": \"abcd\"}", "tls.pin_sha256", "bad_fingerprint"},
	{"tls", "{\"ca_pem\": \"not a certificate\"}", "tls.ca_pem", "bad_pem"},
	{"tls", "{\"ca_pem\": \"-----BEGIN CERTIFICATE-----\\nM!!\\n-----END CERTIFICATE-----\"}", "tls.ca_pem", "bad_pem"},
	{"tls", "{\"verify\": false}", "tls.verify", "unknown_field"},
	{"register_expires", "60", NULL, NULL},
	{"register_expires", "86400", NULL, NULL},
	{"register_expires", "59", "register_expires", "out_of_range"},
	{"register_expires", "86401", "register_expires", "out_of_range"},
	{"register_expires", "\"600\"", "register_expires", "wrong_type"},
	{"register_expires", "600.5", "register_expires", "wrong_type"},
	{"enabled", "false", NULL, NULL},
	{"enabled", "1", "enabled", "wrong_type"},
	{"id", "7", "id", "read_only"},
	{"has_password", "true", "has_password", "read_only"},
	{"sever", "\"wss://typo\"", "sever", "unknown_field"},
};

static void test_rules(void)
{
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		const struct rule_case *c = &cases[i];
		json_auto_t *o = valid_account();
		json_error_t jerr;
		json_t *v = json_loads(c->value_json, JSON_DECODE_ANY, &jerr);
		if (!v)
			g_error("case %zu: bad test JSON %s: %s", i, c->value_json, jerr.text);
		json_object_set_new(o, c->field, v);
		struct ars_verr e;
		ars_verr_init(&e);
		g_autoptr(ArsAccount) a = ars_account_from_json(o, &e);
		g_test_message("case %zu: %s = %s", i, c->field, c->value_json);
		if (!c->path) {
			if (!a)
				g_error("case %zu (%s = %s) refused: %s", i, c->field, c->value_json,
					json_dumps(e.fields, 0));
		} else {
			g_assert_null(a);
			g_assert_cmpstr(json_string_value(json_object_get(e.field_codes, c->path)), ==, c->code);
			g_assert_nonnull(json_string_value(json_object_get(e.fields, c->path)));
		}
		ars_verr_clear(&e);
	}
}

static void test_all_errors_at_once(void)
{
	json_auto_t *o = json_pack("{s:s, s:s, s:s, s:i}", "name", "", "username", "a b", "server",
				   "http://x", "register_expires", 1);
	struct ars_verr e;
	ars_verr_init(&e);
	g_assert_null(ars_account_from_json(o, &e));
	/* name, username, domain (missing), server, register_expires */
	g_assert_cmpuint(json_object_size(e.fields), ==, 5);
	g_assert_cmpstr(json_string_value(json_object_get(e.field_codes, "domain")), ==, "required");
	ars_verr_clear(&e);
}

static void test_normalization(void)
{
	json_auto_t *o = valid_account();
	json_object_set_new(o, "domain", json_string("PBX.Example.COM"));
	json_object_set_new(o, "server", json_string("WSS://PBX.Example.com:6060/WS"));
	json_object_set_new(o, "name", json_string("  Office  "));
	json_object_set_new(o, "tls", json_pack("{s:s, s:s}", "mode", "pin", "pin_sha256",
						 "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789"));
	struct ars_verr e;
	ars_verr_init(&e);
	g_autoptr(ArsAccount) a = ars_account_from_json(o, &e);
	g_assert_nonnull(a);
	g_assert_cmpstr(a->domain, ==, "pbx.example.com");
	g_assert_cmpstr(a->server, ==, "wss://pbx.example.com:6060/WS");
	g_assert_cmpstr(a->name, ==, "Office");
	g_assert_cmpstr(a->tls_pin_sha256, ==,
			"AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89");
	g_assert_cmpint(a->register_expires, ==, 600);
	g_assert_true(a->enabled);
	ars_verr_clear(&e);
}

static void test_public_json_hides_password(void)
{
	json_auto_t *o = valid_account();
	struct ars_verr e;
	ars_verr_init(&e);
	g_autoptr(ArsAccount) a = ars_account_from_json(o, &e);
	ars_verr_clear(&e);
	json_auto_t *pub = ars_account_to_json(a, ARS_ACCOUNT_JSON_PUBLIC);
	g_autofree char *text = json_dumps(pub, 0);
	g_assert_null(strstr(text, "secret"));
	g_assert_null(json_object_get(pub, "password"));
	g_assert_true(json_is_true(json_object_get(pub, "has_password")));
	json_auto_t *ed = ars_account_to_json(a, ARS_ACCOUNT_JSON_EDITABLE);
	g_assert_cmpstr(json_string_value(json_object_get(ed, "password")), ==, "secret");
	g_assert_null(json_object_get(ed, "id"));
}

static void test_merge_patch(void)
{
	json_auto_t *o = valid_account();
	json_object_set_new(o, "tls", json_pack("{s:s, s:s}", "mode", "verify", "ca_pem", PEM));
	struct ars_verr e;
	ars_verr_init(&e);
	g_autoptr(ArsAccount) a = ars_account_from_json(o, &e);
	json_auto_t *base = ars_account_to_json(a, ARS_ACCOUNT_JSON_EDITABLE);
	json_auto_t *patch = json_pack("{s:s, s:{s:s, s:s}}", "display_name", "Desk", "tls", "mode",
				       "pin", "pin_sha256", FP);
	ars_account_merge_patch(base, patch);
	g_autoptr(ArsAccount) b = ars_account_from_json(base, &e);
	g_assert_nonnull(b);
	g_assert_cmpstr(b->password, ==, "secret");	/* omitted: kept */
	g_assert_cmpstr(b->tls_ca_pem, ==, PEM);	/* tls merged by key */
	g_assert_cmpint(b->tls_mode, ==, ARS_TLS_PIN);
	g_assert_cmpstr(b->display_name, ==, "Desk");

	json_auto_t *clear = json_pack("{s:n, s:{s:n}}", "password", "tls", "ca_pem");
	ars_account_merge_patch(base, clear);
	g_autoptr(ArsAccount) c = ars_account_from_json(base, &e);
	g_assert_nonnull(c);
	g_assert_null(c->password);
	g_assert_null(c->tls_ca_pem);
	ars_verr_clear(&e);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/account/rules", test_rules);
	g_test_add_func("/account/all-errors-at-once", test_all_errors_at_once);
	g_test_add_func("/account/normalization", test_normalization);
	g_test_add_func("/account/public-json-hides-password", test_public_json_hides_password);
	g_test_add_func("/account/merge-patch", test_merge_patch);
	return g_test_run();
}
