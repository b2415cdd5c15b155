/* settings.c - one table of known settings (redis-style): adding a setting is
 * adding a row. Values are JSON; the store keeps only non-default values. */
#include "settings.h"

#include <glib.h>
#include <string.h>

typedef const char *(*setting_check_fn)(json_t *v, const char **code);

static const char *check_language(json_t *v, const char **code)
{
	if (json_is_null(v))
		return NULL;
	if (!json_is_string(v)) {
		*code = "wrong_type";
		return "must be a string: \"ru\", \"en\", or null (the browser's language)";
	}
	const char *s = json_string_value(v);
	if (s && (strcmp(s, "ru") == 0 || strcmp(s, "en") == 0))
		return NULL;
	*code = "bad_choice";
	return "must be \"ru\", \"en\" or null (the browser's language)";
}

static const char *check_bool(json_t *v, const char **code)
{
	if (json_is_boolean(v))
		return NULL;
	*code = "wrong_type";
	return "must be true or false";
}

static const char *check_volume(json_t *v, const char **code)
{
	if (!json_is_integer(v)) {
		*code = "wrong_type";
		return "must be a whole number";
	}
	if (json_integer_value(v) < 0 || json_integer_value(v) > 100) {
		*code = "out_of_range";
		return "must be between 0 and 100";
	}
	return NULL;
}

static const char *check_jitter(json_t *v, const char **code)
{
	if (!json_is_integer(v)) {
		*code = "wrong_type";
		return "must be a whole number of milliseconds";
	}
	if (json_integer_value(v) < 20 || json_integer_value(v) > 500) {
		*code = "out_of_range";
		return "must be between 20 and 500 ms";
	}
	return NULL;
}

static const struct setting_def {
	const char *name;
	const char *default_json;
	setting_check_fn check;
} table[] = {
	{"language", "null", check_language},
	{"popup_on_incoming", "true", check_bool},
	{"ring_volume", "80", check_volume},
	{"jitter_buffer_ms", "60", check_jitter},
};

static const struct setting_def *find(const char *name)
{
	for (size_t i = 0; i < G_N_ELEMENTS(table); i++)
		if (strcmp(table[i].name, name) == 0)
			return &table[i];
	return NULL;
}

json_t *ars_settings_defaults(void)
{
	json_t *o = json_object();
	for (size_t i = 0; i < G_N_ELEMENTS(table); i++)
		json_object_set_new(o, table[i].name,
				    json_loads(table[i].default_json, JSON_DECODE_ANY, NULL));
	return o;
}

bool ars_settings_value_ok(const char *name, json_t *value)
{
	const struct setting_def *def = find(name);
	const char *code;
	return def && def->check(value, &code) == NULL;
}

bool ars_settings_validate(json_t *changes, struct ars_verr *errs)
{
	const char *name;
	json_t *v;
	json_object_foreach(changes, name, v) {
		const struct setting_def *def = find(name);
		const char *code = NULL, *msg;
		if (!def)
			ars_verr_add(errs, name, "unknown_field", "is not a known setting");
		else if ((msg = def->check(v, &code)))
			ars_verr_add(errs, name, code, msg);
	}
	return !ars_verr_any(errs);
}
