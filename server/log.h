/* log.h - GLib structured-log writer with a level threshold (--log-level). */
#pragma once
#include <glib.h>
#include <stdbool.h>

/* Parses "error", "warning", "info" or "debug"; false on anything else. */
bool ars_log_level_parse(const char *name, GLogLevelFlags *out);
/* Installs the writer: messages above the threshold are dropped, the rest go to
 * stderr as "arsphone[domain] LEVEL: message". */
void ars_log_init(GLogLevelFlags threshold);
