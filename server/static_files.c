/* static_files.c - serves webui/ from GResources compiled into the binary. */
#include "static_files.h"

#include "ars-webui-resources.h"

#include <gio/gio.h>
#include <string.h>

#define PREFIX "/arsphone/webui"

static const struct {
	const char *suffix;
	const char *type;
} types[] = {
	{".html", "text/html; charset=utf-8"},
	{".js", "text/javascript; charset=utf-8"},
	{".css", "text/css; charset=utf-8"},
	{".json", "application/json; charset=utf-8"},
	{".svg", "image/svg+xml"},
	{".png", "image/png"},
	{".wav", "audio/wav"},
};

bool ars_static_lookup(const char *url, const void **data, size_t *len, const char **content_type)
{
	static gsize registered;
	if (g_once_init_enter(&registered)) {
		ars_webui_register_resource();
		g_once_init_leave(&registered, 1);
	}
	if (url[0] != '/' || strstr(url, ".."))
		return false;
	const char *type = NULL;
	const char *path = strcmp(url, "/") == 0 ? "/index.html" : url;
	for (size_t i = 0; i < G_N_ELEMENTS(types); i++)
		if (g_str_has_suffix(path, types[i].suffix))
			type = types[i].type;
	if (!type)
		return false;
	g_autofree char *key = g_strconcat(PREFIX, path, NULL);
	/* Resource data compiled into the binary is static: dropping our reference
	 * leaves it valid. */
	g_autoptr(GBytes) bytes = g_resources_lookup_data(key, 0, NULL);
	if (!bytes)
		return false;
	gsize size;
	*data = g_bytes_get_data(bytes, &size);
	*len = size;
	*content_type = type;
	return true;
}
