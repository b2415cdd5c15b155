/* store_settings.c - the settings table: name -> JSON text. */
#define G_LOG_DOMAIN "store"

#include "store_priv.h"

json_t *ars_store_settings_load(struct ars_store *s, GError **err)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, "SELECT name, value FROM settings", -1, &st, NULL) != SQLITE_OK) {
		ars_store_set_error(s, err, ARS_STORE_ERROR_OPEN, "cannot read");
		return NULL;
	}
	json_t *out = json_object();
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		json_t *v = json_loads((const char *)sqlite3_column_text(st, 1), JSON_DECODE_ANY, NULL);
		if (v)
			json_object_set_new(out, name, v);
		else
			g_warning("setting %s holds invalid JSON; using its default", name);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		ars_store_set_error(s, err, ARS_STORE_ERROR_OPEN, "cannot read");
		json_decref(out);
		return NULL;
	}
	return out;
}

bool ars_store_settings_save(struct ars_store *s, json_t *changes, GError **err)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO settings (name, value) VALUES (?, ?)", -1,
			       &st, NULL) != SQLITE_OK) {
		ars_store_set_error(s, err, ARS_STORE_ERROR_WRITE, "cannot write to");
		return false;
	}
	if (!ars_store_begin(s, err)) {
		sqlite3_finalize(st);
		return false;
	}
	const char *name;
	json_t *v;
	json_object_foreach(changes, name, v) {
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT), -1, free);
		if (sqlite3_step(st) != SQLITE_DONE) {
			ars_store_set_error(s, err, ARS_STORE_ERROR_WRITE, "cannot write to");
			sqlite3_finalize(st);
			ars_store_rollback(s);
			return false;
		}
	}
	sqlite3_finalize(st);
	return ars_store_commit(s, err);
}
