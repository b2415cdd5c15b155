/* store_priv.h - what the store's files share; not for other modules. */
#pragma once
#include "store.h"

#include <sqlite3.h>

struct ars_store {
	sqlite3 *db;
	char *path;
	int file_version;
};

/* Sets err from the connection's last error, as domain code. */
void ars_store_set_error(struct ars_store *s, GError **err, int code, const char *what);
bool ars_store_begin(struct ars_store *s, GError **err);
bool ars_store_commit(struct ars_store *s, GError **err);
void ars_store_rollback(struct ars_store *s);
