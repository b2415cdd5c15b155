/* verr.h - collects every invalid field of a request at once, as the API's
 * "fields" (English message) and "field_codes" (stable code) objects. */
#pragma once
#include <jansson.h>
#include <stdbool.h>

struct ars_verr {
	json_t *fields;	     /* path -> message */
	json_t *field_codes; /* path -> code */
};

void ars_verr_init(struct ars_verr *e);
void ars_verr_clear(struct ars_verr *e);
/* Records the first error of a field; later ones for the same path are kept out
 * so the user sees the most basic problem first. */
void ars_verr_add(struct ars_verr *e, const char *path, const char *code, const char *message);
bool ars_verr_any(const struct ars_verr *e);

/* Checks shared by the validators. Each returns true when the value is fine,
 * else records an error for path and returns false. */
bool ars_verr_text(struct ars_verr *e, const char *path, const char *s, size_t min_chars,
		   size_t max_chars);
