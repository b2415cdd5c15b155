/* log.c - one writer for every GLib log message of the daemon, filtered by the
 * --log-level threshold. Secrets are never passed to the log by callers. */
#include "log.h"

#include <stdio.h>
#include <string.h>

static GLogLevelFlags log_threshold = G_LOG_LEVEL_WARNING;

static const struct {
	const char *name;
	GLogLevelFlags level;
} levels[] = {
	{"error", G_LOG_LEVEL_CRITICAL},
	{"warning", G_LOG_LEVEL_WARNING},
	{"info", G_LOG_LEVEL_INFO},
	{"debug", G_LOG_LEVEL_DEBUG},
};

bool ars_log_level_parse(const char *name, GLogLevelFlags *out)
{
	for (size_t i = 0; i < G_N_ELEMENTS(levels); i++) {
		if (g_strcmp0(name, levels[i].name) == 0) {
			*out = levels[i].level;
			return true;
		}
	}
	return false;
}

/* GLib orders levels with the most severe as the lowest bit. */
static int severity(GLogLevelFlags level)
{
	if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
		return 0;
	if (level & G_LOG_LEVEL_WARNING)
		return 1;
	if (level & (G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO))
		return 2;
	return 3;
}

static const char *level_word(GLogLevelFlags level)
{
	static const char *const words[] = {"ERROR", "WARNING", "INFO", "DEBUG"};
	return words[severity(level)];
}

static GLogWriterOutput write_log(GLogLevelFlags level, const GLogField *fields, gsize n_fields,
				  gpointer user_data)
{
	if (severity(level) > severity(log_threshold))
		return G_LOG_WRITER_HANDLED;

	const char *domain = NULL, *message = NULL;
	for (gsize i = 0; i < n_fields; i++) {
		if (strcmp(fields[i].key, "GLIB_DOMAIN") == 0)
			domain = fields[i].value;
		else if (strcmp(fields[i].key, "MESSAGE") == 0)
			message = fields[i].value;
	}
	g_autoptr(GDateTime) now = g_date_time_new_now_local();
	g_autofree char *stamp = g_date_time_format(now, "%H:%M:%S.%f");
	/* %f is microseconds: keep milliseconds. */
	stamp[12] = '\0';
	fprintf(stderr, "%s arsphone[%s] %s: %s\n", stamp, domain ? domain : "main", level_word(level),
		message ? message : "");
	fflush(stderr);
	return G_LOG_WRITER_HANDLED;
}

void ars_log_init(GLogLevelFlags threshold)
{
	log_threshold = threshold;
	g_log_set_writer_func(write_log, NULL, NULL);
}
