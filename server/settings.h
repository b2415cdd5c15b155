/* settings.h - the table of known user settings: name, default, validator. */
#pragma once
#include "verr.h"

#include <jansson.h>
#include <stdbool.h>

/* A new object holding every known setting at its default. */
json_t *ars_settings_defaults(void);
/* Validates every name and value of changes (a PATCH body); all errors go to
 * errs. Returns true when the whole change is acceptable. */
bool ars_settings_validate(json_t *changes, struct ars_verr *errs);
/* Whether a stored value is still acceptable for name (values written by an
 * older or newer version are dropped with a warning instead of used). */
bool ars_settings_value_ok(const char *name, json_t *value);
