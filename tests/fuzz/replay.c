/* replay.c - runs every file of a corpus directory through a fuzz target in a
 * plain (non-libFuzzer) build, so the corpus is checked by every test run.
 * Prints TAP. */
#include <glib.h>
#include <stdint.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
		return 2;
	}
	g_autoptr(GError) err = NULL;
	g_autoptr(GDir) dir = g_dir_open(argv[1], 0, &err);
	if (!dir) {
		printf("Bail out! %s\n", err->message);
		return 1;
	}
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	for (const char *n; (n = g_dir_read_name(dir));)
		g_ptr_array_add(names, g_strdup(n));
	if (names->len == 0) {
		printf("Bail out! empty corpus %s\n", argv[1]);
		return 1;
	}
	printf("1..%u\n", names->len);
	for (guint i = 0; i < names->len; i++) {
		g_autofree char *path = g_build_filename(argv[1], names->pdata[i], NULL);
		g_autofree char *data = NULL;
		gsize len;
		if (!g_file_get_contents(path, &data, &len, NULL)) {
			printf("not ok %u - %s unreadable\n", i + 1, (char *)names->pdata[i]);
			continue;
		}
		LLVMFuzzerTestOneInput((const uint8_t *)data, len);
		printf("ok %u - %s\n", i + 1, (char *)names->pdata[i]);
	}
	g_ptr_array_unref(names);
	return 0;
}
