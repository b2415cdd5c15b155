/* media_link.c - finds and opens the media module: ARSPHONE_MEDIA_MODULE when
 * set, else media/ beside the executable (a build tree), else the installed
 * module directory. */
#define G_LOG_DOMAIN "media-link"

#include "media_link.h"

#include "ars_config.h"

#include <gmodule.h>

static char *module_path(void)
{
	const char *env = g_getenv("ARSPHONE_MEDIA_MODULE");
	if (env)
		return g_strdup(env);
	g_autofree char *exe = g_file_read_link("/proc/self/exe", NULL);
	if (exe) {
		g_autofree char *dir = g_path_get_dirname(exe);
		char *beside = g_build_filename(dir, "media", "libarsphone-media.so", NULL);
		if (g_file_test(beside, G_FILE_TEST_EXISTS))
			return beside;
		g_free(beside);
	}
	return g_build_filename(ARS_MEDIA_MODULE_DIR, "libarsphone-media.so", NULL);
}

const struct ars_media_api *ars_media_link(char **err)
{
	static const struct ars_media_api *api;
	if (api)
		return api;
	g_autofree char *path = module_path();
	/* Local binding: the module's GStreamer symbols stay out of our namespace. */
	GModule *m = g_module_open(path, G_MODULE_BIND_LOCAL);
	if (!m) {
		*err = g_strdup_printf("cannot load the media module %s: %s", path, g_module_error());
		return NULL;
	}
	const struct ars_media_api *(*entry)(void) = NULL;
	if (!g_module_symbol(m, ARS_MEDIA_MODULE_SYMBOL, (gpointer *)&entry) || !entry) {
		*err = g_strdup_printf("%s is not an arsphone media module", path);
		g_module_close(m);
		return NULL;
	}
	g_module_make_resident(m);
	api = entry();
	g_info("media module %s loaded", path);
	return api;
}
