/* account.c - validation of account fields (one table row per field) and the
 * JSON forms of an account. The rules are those of schema/api.md. */
#include "account.h"

#include "netname.h"
#include "wsurl.h"

#include <string.h>

#define MAX_HOST_MAP 16
#define MAX_PEM_CHARS 60000

struct ars_account *ars_account_new(void)
{
	struct ars_account *a = g_new0(struct ars_account, 1);
	a->host_map = g_array_new(FALSE, TRUE, sizeof(struct ars_host_map_entry));
	a->tls_mode = ARS_TLS_VERIFY;
	a->register_expires = 600;
	a->enabled = true;
	return a;
}

void ars_account_free(struct ars_account *a)
{
	if (!a)
		return;
	for (guint i = 0; a->host_map && i < a->host_map->len; i++) {
		struct ars_host_map_entry *e = &g_array_index(a->host_map, struct ars_host_map_entry, i);
		g_free(e->host);
		g_free(e->address);
	}
	if (a->host_map)
		g_array_unref(a->host_map);
	if (a->password) /* do not leave the secret behind in freed memory */
		memset(a->password, 0, strlen(a->password));
	g_free(a->name);
	g_free(a->username);
	g_free(a->auth_username);
	g_free(a->display_name);
	g_free(a->domain);
	g_free(a->password);
	g_free(a->server);
	g_free(a->tls_ca_pem);
	g_free(a->tls_pin_sha256);
	g_free(a->created_at);
	g_free(a->updated_at);
	g_free(a);
}

static const char *const tls_mode_names[] = {"verify", "pin", "insecure"};

const char *ars_tls_mode_name(enum ars_tls_mode m)
{
	return tls_mode_names[m];
}

bool ars_tls_mode_parse(const char *s, enum ars_tls_mode *out)
{
	for (size_t i = 0; i < G_N_ELEMENTS(tls_mode_names); i++) {
		if (g_strcmp0(s, tls_mode_names[i]) == 0) {
			*out = (enum ars_tls_mode)i;
			return true;
		}
	}
	return false;
}

/* --- field rules ------------------------------------------------------------ */

/* Returns the string value of field, or NULL (with an error unless optional
 * and null/absent). */
static const char *get_string(json_t *obj, const char *key, bool required, struct ars_verr *e)
{
	json_t *v = json_object_get(obj, key);
	if (!v || json_is_null(v) || (required && json_is_string(v) && !*json_string_value(v))) {
		if (required)
			ars_verr_add(e, key, "required", "is required");
		return NULL;
	}
	if (!json_is_string(v)) {
		ars_verr_add(e, key, "wrong_type", "must be a string");
		return NULL;
	}
	return json_string_value(v);
}

/* RFC 3261 §25.1 user: unreserved / escaped / user-unreserved. */
static bool sip_user_ok(const char *s)
{
	for (; *s; s++) {
		if (*s == '%') {
			if (!g_ascii_isxdigit(s[1]) || !g_ascii_isxdigit(s[2]))
				return false;
			s += 2;
		} else if (!g_ascii_isalnum(*s) && !strchr("-_.!~*'()&=+$,;?/", *s)) {
			return false;
		}
	}
	return true;
}

static void rule_name(json_t *o, struct ars_account *a, struct ars_verr *e)
{
	const char *v = get_string(o, "name", true, e);
	if (!v)
		return;
	g_autofree char *trimmed = g_strstrip(g_strdup(v));
	if (ars_verr_text(e, "name", trimmed, 1, 64))
		a->name = g_steal_pointer(&trimmed);
}

static void rule_username(json_t *o, struct ars_account *a, struct ars_verr *e)
{
	const char *v = get_string(o, "username", true, e);
	if (!v || !ars_verr_text(e, "username", v, 1, 128))
		return;
	if (!sip_user_ok(v)) {
		ars_verr_add(e, "username", "bad_characters",
			     "may contain only letters, digits, -_.!~*'()&=+$,;?/ and %XX escapes");
		return;
	}
	a->username = g_strdup(v);
}

static void rule_auth_username(json_t *o, struct ars_account *a, struct ars_verr *e)
{
	const char *v = get_string(o, "auth_username", false, e);
	if (v && !*v) {
		ars_verr_add(e, "auth_username", "too_short",
			     "must not be empty (send null to use the username)");
		return;
	}
	if (!v || !ars_verr_text(e, "auth_username", v, 1, 128))
		return;
	if (strpbrk(v, "\"\\")) {
		ars_verr_add(e, "auth_username", "bad_characters", "must not contain \" or \\");
		return;
	}
	a->auth_username = g_strdup(v);
}

static void rule_display_name(json_t *o, struct ars_account *a, struct ars_verr *e)
{
	const char *v = get_string(o, "display_name", false, e);
	if (!v || !ars_verr_text(e, "display_name", v, 0, 64))
		return;
	if (*v)
		a->display_name = g_strdup(v);
}

static void rule_domain(json_t *o, struct ars_account *a, struct ars_verr *e)
{
	const char *v = get_string(o, "domain", true, e);
	if (!v)
		return;
	if (!ars_netname_is_host(v, strlen(v), true)) {
		ars_verr_add(e, "domain", "bad_host", "must be a host name or an IP address");
		return;
	}
	a->domain = g_ascii_strdown(v, -1);
}

static void rule_password(json_t *o, struct ars_account *a, struct ars_verr *e)
{
	const char *v = get_string(o, "password", false, e);
	if (!v)
		return;
	size_t n = g_utf8_strlen(v, -1);
	if (n == 0)
		ars_verr_add(e, "password", "too_short", "must not be empty (send null to remove it)");
	else if (n > 256)
		ars_verr_add(e, "password", "too_long", "must be at most 256 characters");
	else
		a->password = g_strdup(v);
}

static void rule_server(json_t *o, struct ars_account *a, struct ars_verr *e)
{
	const char *v = get_string(o, "server", true, e);
	if (!v)
		return;
	struct ars_wsurl url;
	const char *code, *msg;
	if (!ars_wsurl_parse(v, &url, &code, &msg)) {
		ars_verr_add(e, "server", code, msg);
		return;
	}
	a->server = g_steal_pointer(&url.normalized);
	ars_wsurl_clear(&url);
}

static void rule_host_map(json_t *o, struct ars_account *a, struct ars_verr *e)
{
	json_t *list = json_object_get(o, "host_map");
	if (!list || json_is_null(list))
		return;
	if (!json_is_array(list)) {
		ars_verr_add(e, "host_map", "wrong_type", "must be a list of {host, address}");
		return;
	}
	if (json_array_size(list) > MAX_HOST_MAP) {
		ars_verr_add(e, "host_map", "too_long", "may have at most 16 entries");
		return;
	}
	size_t i;
	json_t *item;
	json_array_foreach(list, i, item) {
		g_autofree char *hpath = g_strdup_printf("host_map[%zu].host", i);
		g_autofree char *apath = g_strdup_printf("host_map[%zu].address", i);
		if (!json_is_object(item)) {
			g_autofree char *path = g_strdup_printf("host_map[%zu]", i);
			ars_verr_add(e, path, "wrong_type", "must be {\"host\": ..., \"address\": ...}");
			continue;
		}
		const char *key;
		json_t *v;
		json_object_foreach(item, key, v) {
			if (strcmp(key, "host") && strcmp(key, "address")) {
				g_autofree char *path = g_strdup_printf("host_map[%zu].%s", i, key);
				ars_verr_add(e, path, "unknown_field", "is not a known field");
			}
		}
		json_t *h = json_object_get(item, "host"), *ad = json_object_get(item, "address");
		const char *hs = json_string_value(h), *as = json_string_value(ad);
		if (!h || json_is_null(h))
			ars_verr_add(e, hpath, "required", "is required");
		else if (!hs)
			ars_verr_add(e, hpath, "wrong_type", "must be a string");
		else if (!ars_netname_is_hostname(hs))
			ars_verr_add(e, hpath, "bad_host", "must be a host name (not an IP address)");
		if (!ad || json_is_null(ad))
			ars_verr_add(e, apath, "required", "is required");
		else if (!as)
			ars_verr_add(e, apath, "wrong_type", "must be a string");
		else if (!(ars_netname_is_ipv4(as) || ars_netname_is_ipv6(as)))
			ars_verr_add(e, apath, "bad_ip", "must be an IPv4 or IPv6 address");
		if (!hs || !as || !ars_netname_is_hostname(hs))
			continue;
		g_autofree char *host = g_ascii_strdown(hs, -1);
		for (guint j = 0; j < a->host_map->len; j++) {
			if (strcmp(g_array_index(a->host_map, struct ars_host_map_entry, j).host, host) == 0) {
				ars_verr_add(e, hpath, "duplicate", "is mapped twice");
				break;
			}
		}
		struct ars_host_map_entry entry = {g_steal_pointer(&host), g_ascii_strdown(as, -1)};
		g_array_append_val(a->host_map, entry);
	}
}

/* One or more "-----BEGIN CERTIFICATE-----" blocks with base64 inside; text
 * between blocks is allowed, as in CA bundles. */
static bool pem_ok(const char *s)
{
	static const char begin[] = "-----BEGIN CERTIFICATE-----", end[] = "-----END CERTIFICATE-----";
	int blocks = 0;
	for (const char *p = strstr(s, begin); p; p = strstr(p, begin)) {
		p += sizeof begin - 1;
		const char *stop = strstr(p, end);
		if (!stop)
			return false;
		size_t data = 0;
		for (const char *q = p; q < stop; q++) {
			if (g_ascii_isalnum(*q) || *q == '+' || *q == '/' || *q == '=')
				data++;
			else if (!g_ascii_isspace(*q))
				return false;
		}
		if (data < 4 || data % 4 != 0)
			return false;
		blocks++;
		p = stop + sizeof end - 1;
	}
	return blocks > 0;
}

/* "AB:CD:..." from 64 hex digits with or without ':' or spaces. */
static char *normalize_fingerprint(const char *s)
{
	GString *hex = g_string_new(NULL);
	for (; *s; s++) {
		if (g_ascii_isxdigit(*s))
			g_string_append_c(hex, g_ascii_toupper(*s));
		else if (*s != ':' && *s != ' ')
			return g_string_free(hex, TRUE), NULL;
	}
	if (hex->len != 64)
		return g_string_free(hex, TRUE), NULL;
	GString *out = g_string_new(NULL);
	for (gsize i = 0; i < hex->len; i += 2)
		g_string_append_printf(out, "%s%c%c", i ? ":" : "", hex->str[i], hex->str[i + 1]);
	g_string_free(hex, TRUE);
	return g_string_free(out, FALSE);
}

static void rule_tls(json_t *o, struct ars_account *a, struct ars_verr *e)
{
	json_t *tls = json_object_get(o, "tls");
	if (!tls || json_is_null(tls))
		return;
	if (!json_is_object(tls)) {
		ars_verr_add(e, "tls", "wrong_type", "must be an object {mode, ca_pem, pin_sha256}");
		return;
	}
	const char *key;
	json_t *v;
	json_object_foreach(tls, key, v) {
		if (strcmp(key, "mode") && strcmp(key, "ca_pem") && strcmp(key, "pin_sha256")) {
			g_autofree char *path = g_strconcat("tls.", key, NULL);
			ars_verr_add(e, path, "unknown_field", "is not a known field");
		}
	}
	json_t *mode = json_object_get(tls, "mode");
	if (mode && !json_is_null(mode) && !json_is_string(mode))
		ars_verr_add(e, "tls.mode", "wrong_type", "must be a string: verify, pin or insecure");
	else if (mode && !json_is_null(mode) && !ars_tls_mode_parse(json_string_value(mode), &a->tls_mode))
		ars_verr_add(e, "tls.mode", "bad_choice", "must be verify, pin or insecure");

	json_t *pem = json_object_get(tls, "ca_pem");
	if (pem && !json_is_null(pem)) {
		const char *s = json_string_value(pem);
		if (!s)
			ars_verr_add(e, "tls.ca_pem", "wrong_type", "must be PEM text");
		else if (strlen(s) > MAX_PEM_CHARS)
			ars_verr_add(e, "tls.ca_pem", "too_long", "must be at most 60000 characters");
		else if (!pem_ok(s))
			ars_verr_add(e, "tls.ca_pem", "bad_pem",
				     "must hold -----BEGIN CERTIFICATE----- blocks in PEM format");
		else
			a->tls_ca_pem = g_strdup(s);
	}
	json_t *pin = json_object_get(tls, "pin_sha256");
	if (pin && !json_is_null(pin)) {
		const char *s = json_string_value(pin);
		a->tls_pin_sha256 = s ? normalize_fingerprint(s) : NULL;
		if (!s)
			ars_verr_add(e, "tls.pin_sha256", "wrong_type", "must be a string like AB:CD:...");
		else if (!a->tls_pin_sha256)
			ars_verr_add(e, "tls.pin_sha256", "bad_fingerprint",
				     "must be a SHA-256 fingerprint: 32 bytes in hex, e.g. AB:CD:...");
	}
	if (a->tls_mode == ARS_TLS_PIN && !a->tls_pin_sha256 && !(pin && !json_is_null(pin)))
		ars_verr_add(e, "tls.pin_sha256", "required", "is required in pin mode");
}

static void rule_register_expires(json_t *o, struct ars_account *a, struct ars_verr *e)
{
	json_t *v = json_object_get(o, "register_expires");
	if (!v || json_is_null(v))
		return;
	if (!json_is_integer(v))
		ars_verr_add(e, "register_expires", "wrong_type", "must be a whole number of seconds");
	else if (json_integer_value(v) < 60 || json_integer_value(v) > 86400)
		ars_verr_add(e, "register_expires", "out_of_range", "must be between 60 and 86400 seconds");
	else
		a->register_expires = (int)json_integer_value(v);
}

static void rule_enabled(json_t *o, struct ars_account *a, struct ars_verr *e)
{
	json_t *v = json_object_get(o, "enabled");
	if (!v || json_is_null(v))
		return;
	if (!json_is_boolean(v))
		ars_verr_add(e, "enabled", "wrong_type", "must be true or false");
	else
		a->enabled = json_is_true(v);
}

static const struct field_rule {
	const char *name;
	void (*check)(json_t *obj, struct ars_account *a, struct ars_verr *e);
} rules[] = {
	{"name", rule_name},
	{"username", rule_username},
	{"auth_username", rule_auth_username},
	{"display_name", rule_display_name},
	{"domain", rule_domain},
	{"password", rule_password},
	{"server", rule_server},
	{"host_map", rule_host_map},
	{"tls", rule_tls},
	{"register_expires", rule_register_expires},
	{"enabled", rule_enabled},
};

static const char *const read_only_fields[] = {"id", "has_password", "created_at", "updated_at"};

static bool is_known(const char *key)
{
	for (size_t i = 0; i < G_N_ELEMENTS(rules); i++)
		if (strcmp(rules[i].name, key) == 0)
			return true;
	return false;
}

struct ars_account *ars_account_from_json(json_t *obj, struct ars_verr *errs)
{
	g_autoptr(ArsAccount) a = ars_account_new();
	const char *key;
	json_t *v;
	json_object_foreach(obj, key, v) {
		if (is_known(key))
			continue;
		bool ro = false;
		for (size_t i = 0; i < G_N_ELEMENTS(read_only_fields); i++)
			ro = ro || strcmp(read_only_fields[i], key) == 0;
		ars_verr_add(errs, key, ro ? "read_only" : "unknown_field",
			     ro ? "is read-only" : "is not a known field");
	}
	for (size_t i = 0; i < G_N_ELEMENTS(rules); i++)
		rules[i].check(obj, a, errs);
	return ars_verr_any(errs) ? NULL : g_steal_pointer(&a);
}

static json_t *string_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

json_t *ars_account_to_json(const struct ars_account *a, enum ars_account_json form)
{
	json_t *map = json_array();
	for (guint i = 0; i < a->host_map->len; i++) {
		const struct ars_host_map_entry *e = &g_array_index(a->host_map, struct ars_host_map_entry, i);
		json_array_append_new(map, json_pack("{s:s, s:s}", "host", e->host, "address", e->address));
	}
	json_t *o = form == ARS_ACCOUNT_JSON_PUBLIC ? json_pack("{s:I}", "id", (json_int_t)a->id)
						    : json_object();
	json_object_update_new(o, json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:{s:s, s:o, s:o}, s:i, s:b}",
			      "name", string_or_null(a->name), "username", string_or_null(a->username),
			      "auth_username", string_or_null(a->auth_username), "display_name",
			      string_or_null(a->display_name), "domain", string_or_null(a->domain),
			      "server", string_or_null(a->server), "host_map", map, "tls", "mode",
			      ars_tls_mode_name(a->tls_mode), "ca_pem", string_or_null(a->tls_ca_pem),
			      "pin_sha256", string_or_null(a->tls_pin_sha256), "register_expires",
			      a->register_expires, "enabled", a->enabled));
	if (form == ARS_ACCOUNT_JSON_EDITABLE) {
		json_object_set_new(o, "password", string_or_null(a->password));
	} else {
		json_object_set_new(o, "has_password", json_boolean(a->password != NULL));
		json_object_set_new(o, "created_at", string_or_null(a->created_at));
		json_object_set_new(o, "updated_at", string_or_null(a->updated_at));
	}
	return o;
}

void ars_account_merge_patch(json_t *base, json_t *patch)
{
	const char *key;
	json_t *v;
	json_object_foreach(patch, key, v) {
		json_t *old = json_object_get(base, key);
		if (strcmp(key, "tls") == 0 && json_is_object(v) && json_is_object(old)) {
			const char *k;
			json_t *sub;
			json_object_foreach(v, k, sub)
				json_object_set(old, k, sub);
		} else {
			json_object_set(base, key, v);
		}
	}
}
