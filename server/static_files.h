/* static_files.h - the control page's files, embedded in the binary. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

/* Finds the file for a URL path ("/" is "/index.html"). The data stays valid
 * for the life of the process. */
bool ars_static_lookup(const char *url, const void **data, size_t *len, const char **content_type);
