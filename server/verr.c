/* verr.c - field error collection and the plain-text rule shared by fields. */
#include "verr.h"

#include <glib.h>

void ars_verr_init(struct ars_verr *e)
{
	e->fields = json_object();
	e->field_codes = json_object();
}

void ars_verr_clear(struct ars_verr *e)
{
	json_decref(e->fields);
	json_decref(e->field_codes);
	e->fields = e->field_codes = NULL;
}

void ars_verr_add(struct ars_verr *e, const char *path, const char *code, const char *message)
{
	if (json_object_get(e->fields, path))
		return;
	json_object_set_new(e->fields, path, json_string(message));
	json_object_set_new(e->field_codes, path, json_string(code));
}

bool ars_verr_any(const struct ars_verr *e)
{
	return json_object_size(e->fields) > 0;
}

static bool is_control(gunichar c)
{
	return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x2028 || c == 0x2029;
}

bool ars_verr_text(struct ars_verr *e, const char *path, const char *s, size_t min_chars,
		   size_t max_chars)
{
	/* jansson only hands out valid UTF-8 without NUL bytes. */
	size_t n = 0;
	for (const char *p = s; *p; p = g_utf8_next_char(p)) {
		if (is_control(g_utf8_get_char(p))) {
			ars_verr_add(e, path, "bad_characters", "must not contain control characters");
			return false;
		}
		n++;
	}
	if (n < min_chars) {
		ars_verr_add(e, path, min_chars == 1 ? "required" : "too_short",
			     min_chars == 1 ? "must not be empty" : "is too short");
		return false;
	}
	if (n > max_chars) {
		g_autofree char *msg = g_strdup_printf("must be at most %zu characters", max_chars);
		ars_verr_add(e, path, "too_long", msg);
		return false;
	}
	return true;
}
