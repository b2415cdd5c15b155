/* store_accounts.c - the accounts table <-> struct ars_account. */
#define G_LOG_DOMAIN "store"

#include "store_priv.h"

#define COLUMNS                                                                                    \
	"id, name, username, auth_username, display_name, domain, password, server, host_map, "   \
	"tls_mode, tls_ca_pem, tls_pin_sha256, register_expires, enabled, created_at, updated_at"

static char *column_text(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return t ? g_strdup((const char *)t) : NULL;
}

static void load_host_map(struct ars_account *a, const char *text)
{
	json_auto_t *list = json_loads(text ? text : "[]", 0, NULL);
	size_t i;
	json_t *item;
	json_array_foreach(list, i, item) {
		const char *h = json_string_value(json_object_get(item, "host"));
		const char *ad = json_string_value(json_object_get(item, "address"));
		if (!h || !ad)
			continue;
		struct ars_host_map_entry e = {g_strdup(h), g_strdup(ad)};
		g_array_append_val(a->host_map, e);
	}
}

static struct ars_account *row_to_account(sqlite3_stmt *st)
{
	struct ars_account *a = ars_account_new();
	a->id = sqlite3_column_int64(st, 0);
	a->name = column_text(st, 1);
	a->username = column_text(st, 2);
	a->auth_username = column_text(st, 3);
	a->display_name = column_text(st, 4);
	a->domain = column_text(st, 5);
	a->password = column_text(st, 6);
	a->server = column_text(st, 7);
	load_host_map(a, (const char *)sqlite3_column_text(st, 8));
	if (!ars_tls_mode_parse((const char *)sqlite3_column_text(st, 9), &a->tls_mode))
		a->tls_mode = ARS_TLS_VERIFY;
	a->tls_ca_pem = column_text(st, 10);
	a->tls_pin_sha256 = column_text(st, 11);
	a->register_expires = sqlite3_column_int(st, 12);
	a->enabled = sqlite3_column_int(st, 13) != 0;
	a->created_at = column_text(st, 14);
	a->updated_at = column_text(st, 15);
	return a;
}

GPtrArray *ars_store_accounts_list(struct ars_store *s, GError **err)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, "SELECT " COLUMNS " FROM accounts ORDER BY id", -1, &st, NULL) !=
	    SQLITE_OK) {
		ars_store_set_error(s, err, ARS_STORE_ERROR_OPEN, "cannot read");
		return NULL;
	}
	GPtrArray *list = g_ptr_array_new_with_free_func((GDestroyNotify)ars_account_free);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		g_ptr_array_add(list, row_to_account(st));
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		ars_store_set_error(s, err, ARS_STORE_ERROR_OPEN, "cannot read");
		g_ptr_array_unref(list);
		return NULL;
	}
	return list;
}

struct ars_account *ars_store_account_get(struct ars_store *s, gint64 id, GError **err)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, "SELECT " COLUMNS " FROM accounts WHERE id = ?", -1, &st, NULL) !=
	    SQLITE_OK) {
		ars_store_set_error(s, err, ARS_STORE_ERROR_OPEN, "cannot read");
		return NULL;
	}
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	struct ars_account *a = rc == SQLITE_ROW ? row_to_account(st) : NULL;
	if (rc == SQLITE_DONE)
		g_set_error(err, ARS_STORE_ERROR, ARS_STORE_ERROR_NOT_FOUND, "no account %" G_GINT64_FORMAT, id);
	else if (!a)
		ars_store_set_error(s, err, ARS_STORE_ERROR_OPEN, "cannot read");
	sqlite3_finalize(st);
	return a;
}

static char *host_map_text(const struct ars_account *a)
{
	json_auto_t *list = json_array();
	for (guint i = 0; i < a->host_map->len; i++) {
		const struct ars_host_map_entry *e = &g_array_index(a->host_map, struct ars_host_map_entry, i);
		json_array_append_new(list, json_pack("{s:s, s:s}", "host", e->host, "address", e->address));
	}
	return json_dumps(list, JSON_COMPACT);
}

/* Binds the writable fields as parameters 1..13 in COLUMNS order after id. */
static void bind_fields(sqlite3_stmt *st, const struct ars_account *a, char *map)
{
	sqlite3_bind_text(st, 1, a->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, a->username, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, a->auth_username, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, a->display_name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, a->domain, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, a->password, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, a->server, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, map, -1, free);
	sqlite3_bind_text(st, 9, ars_tls_mode_name(a->tls_mode), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, a->tls_ca_pem, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 11, a->tls_pin_sha256, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 12, a->register_expires);
	sqlite3_bind_int(st, 13, a->enabled);
}

/* Runs one write statement in its own durable transaction. */
static bool write_account(struct ars_store *s, const char *sql, const struct ars_account *a,
			  gint64 id, GError **err)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
		ars_store_set_error(s, err, ARS_STORE_ERROR_WRITE, "cannot write to");
		return false;
	}
	if (a)
		bind_fields(st, a, host_map_text(a));
	if (id)
		sqlite3_bind_int64(st, a ? 14 : 1, id);
	if (!ars_store_begin(s, err)) {
		sqlite3_finalize(st);
		return false;
	}
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		if (rc == SQLITE_CONSTRAINT_UNIQUE)
			g_set_error(err, ARS_STORE_ERROR, ARS_STORE_ERROR_NAME_TAKEN,
				    "an account named \"%s\" already exists", a->name);
		else
			ars_store_set_error(s, err, ARS_STORE_ERROR_WRITE, "cannot write to");
		ars_store_rollback(s);
		return false;
	}
	if (id && sqlite3_changes(s->db) == 0) {
		ars_store_rollback(s);
		g_set_error(err, ARS_STORE_ERROR, ARS_STORE_ERROR_NOT_FOUND, "no account %" G_GINT64_FORMAT, id);
		return false;
	}
	return ars_store_commit(s, err);
}

bool ars_store_account_insert(struct ars_store *s, struct ars_account *a, GError **err)
{
	static const char sql[] =
		"INSERT INTO accounts (name, username, auth_username, display_name, domain, password, "
		"server, host_map, tls_mode, tls_ca_pem, tls_pin_sha256, register_expires, enabled) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)";
	if (!write_account(s, sql, a, 0, err))
		return false;
	a->id = sqlite3_last_insert_rowid(s->db);
	return true;
}

bool ars_store_account_update(struct ars_store *s, const struct ars_account *a, GError **err)
{
	static const char sql[] =
		"UPDATE accounts SET name = ?1, username = ?2, auth_username = ?3, display_name = ?4, "
		"domain = ?5, password = ?6, server = ?7, host_map = ?8, tls_mode = ?9, tls_ca_pem = ?10, "
		"tls_pin_sha256 = ?11, register_expires = ?12, enabled = ?13, "
		"updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id = ?14";
	return write_account(s, sql, a, a->id, err);
}

bool ars_store_account_delete(struct ars_store *s, gint64 id, GError **err)
{
	return write_account(s, "DELETE FROM accounts WHERE id = ?1", NULL, id, err);
}

char *ars_store_account_instance(struct ars_store *s, gint64 id, GError **err)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, "SELECT sip_instance FROM accounts WHERE id = ?", -1, &st, NULL) !=
	    SQLITE_OK) {
		ars_store_set_error(s, err, ARS_STORE_ERROR_OPEN, "cannot read");
		return NULL;
	}
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	char *instance = rc == SQLITE_ROW ? column_text(st, 0) : NULL;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW) {
		g_set_error(err, ARS_STORE_ERROR, ARS_STORE_ERROR_NOT_FOUND, "no account %" G_GINT64_FORMAT, id);
		return NULL;
	}
	if (instance)
		return instance;

	g_autofree char *uuid = g_uuid_string_random();
	instance = g_strconcat("urn:uuid:", uuid, NULL);
	if (sqlite3_prepare_v2(s->db, "UPDATE accounts SET sip_instance = ? WHERE id = ?", -1, &st, NULL) !=
	    SQLITE_OK) {
		ars_store_set_error(s, err, ARS_STORE_ERROR_WRITE, "cannot write to");
		g_free(instance);
		return NULL;
	}
	sqlite3_bind_text(st, 1, instance, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, id);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		ars_store_set_error(s, err, ARS_STORE_ERROR_WRITE, "cannot write to");
		g_free(instance);
		return NULL;
	}
	return instance;
}
