/* store_calls.c - the call history table (schema/0004_call_history.sql):
 * ended call objects of schema/api.md "Calls", the newest
 * ARS_STORE_CALLS_MAX kept. */
#define G_LOG_DOMAIN "store"

#include "store_priv.h"

#define COLUMNS                                                                              \
	"id, account_id, direction, remote_uri, remote_name, created_at, answered_at, ended_at, " \
	"duration, end_code, end_reason, end_by, codec, missed"

static void bind_text(sqlite3_stmt *st, int i, const json_t *obj, const char *key)
{
	const char *v = json_string_value(json_object_get(obj, key));
	if (v)
		sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

static void bind_int(sqlite3_stmt *st, int i, const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);
	if (json_is_integer(v))
		sqlite3_bind_int64(st, i, json_integer_value(v));
	else
		sqlite3_bind_null(st, i);
}

bool ars_store_call_insert(struct ars_store *s, const json_t *call, GError **err)
{
	const json_t *end = json_object_get(call, "end");
	/* Our own call objects: anything else is a bug in the caller. */
	g_return_val_if_fail(json_is_integer(json_object_get(call, "id")) && json_is_object(end), false);
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db,
			       "INSERT INTO call_history (" COLUMNS ") "
			       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			       -1, &st, NULL) != SQLITE_OK) {
		ars_store_set_error(s, err, ARS_STORE_ERROR_WRITE, "cannot write to");
		return false;
	}
	bind_int(st, 1, call, "id");
	bind_int(st, 2, call, "account_id");
	bind_text(st, 3, call, "direction");
	bind_text(st, 4, call, "remote_uri");
	bind_text(st, 5, call, "remote_name");
	bind_text(st, 6, call, "created_at");
	bind_text(st, 7, call, "answered_at");
	bind_text(st, 8, call, "ended_at");
	bind_int(st, 9, call, "duration");
	bind_int(st, 10, end, "code");
	bind_text(st, 11, end, "reason");
	bind_text(st, 12, end, "by");
	bind_text(st, 13, call, "codec");
	sqlite3_bind_int(st, 14, json_is_true(json_object_get(call, "missed")));

	bool ok = ars_store_begin(s, err);
	if (ok && sqlite3_step(st) != SQLITE_DONE) {
		ars_store_set_error(s, err, ARS_STORE_ERROR_WRITE, "cannot write to");
		ok = false;
	}
	sqlite3_finalize(st);
	/* Trimmed in the same transaction, so the table never exceeds the bound. */
	if (ok && sqlite3_exec(s->db,
			       "DELETE FROM call_history WHERE id <= (SELECT id FROM call_history "
			       "ORDER BY id DESC LIMIT 1 OFFSET " G_STRINGIFY(ARS_STORE_CALLS_MAX) ")",
			       NULL, NULL, NULL) != SQLITE_OK) {
		ars_store_set_error(s, err, ARS_STORE_ERROR_WRITE, "cannot write to");
		ok = false;
	}
	if (!ok) {
		ars_store_rollback(s);
		return false;
	}
	return ars_store_commit(s, err);
}

static json_t *column_text(sqlite3_stmt *st, int i)
{
	const char *v = (const char *)sqlite3_column_text(st, i);
	return v ? json_string(v) : json_null();
}

static json_t *column_int(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? json_null() : json_integer(sqlite3_column_int64(st, i));
}

/* A row in COLUMNS order as the API's call object. */
static json_t *row_to_json(sqlite3_stmt *st)
{
	json_t *end = json_pack("{s:o, s:o, s:o}", "code", column_int(st, 9), "reason", column_text(st, 10), "by",
				column_text(st, 11));
	return json_pack("{s:I, s:o, s:o, s:o, s:o, s:s, s:o, s:o, s:o, s:o, s:o, s:b, s:o}", "id",
			 (json_int_t)sqlite3_column_int64(st, 0), "account_id", column_int(st, 1), "direction",
			 column_text(st, 2), "remote_uri", column_text(st, 3), "remote_name", column_text(st, 4),
			 "state", "ended", "created_at", column_text(st, 5), "answered_at", column_text(st, 6),
			 "ended_at", column_text(st, 7), "end", end, "codec", column_text(st, 12), "missed",
			 sqlite3_column_int(st, 13) != 0, "duration", column_int(st, 8));
}

json_t *ars_store_calls_list(struct ars_store *s, int limit, GError **err)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, "SELECT " COLUMNS " FROM call_history ORDER BY id DESC LIMIT ?", -1, &st,
			       NULL) != SQLITE_OK) {
		ars_store_set_error(s, err, ARS_STORE_ERROR_OPEN, "cannot read");
		return NULL;
	}
	sqlite3_bind_int(st, 1, limit);
	json_t *list = json_array();
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(list, row_to_json(st));
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		ars_store_set_error(s, err, ARS_STORE_ERROR_OPEN, "cannot read");
		json_decref(list);
		return NULL;
	}
	return list;
}

json_t *ars_store_call_get(struct ars_store *s, gint64 id, GError **err)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, "SELECT " COLUMNS " FROM call_history WHERE id = ?", -1, &st, NULL) !=
	    SQLITE_OK) {
		ars_store_set_error(s, err, ARS_STORE_ERROR_OPEN, "cannot read");
		return NULL;
	}
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	json_t *call = rc == SQLITE_ROW ? row_to_json(st) : NULL;
	if (rc == SQLITE_DONE)
		g_set_error(err, ARS_STORE_ERROR, ARS_STORE_ERROR_NOT_FOUND, "no stored call %" G_GINT64_FORMAT, id);
	else if (!call)
		ars_store_set_error(s, err, ARS_STORE_ERROR_OPEN, "cannot read");
	sqlite3_finalize(st);
	return call;
}

bool ars_store_calls_clear(struct ars_store *s, GError **err)
{
	if (sqlite3_exec(s->db, "DELETE FROM call_history", NULL, NULL, NULL) == SQLITE_OK)
		return true;
	ars_store_set_error(s, err, ARS_STORE_ERROR_WRITE, "cannot write to");
	return false;
}

gint64 ars_store_calls_last_id(struct ars_store *s, GError **err)
{
	sqlite3_stmt *st;
	/* sqlite_sequence remembers ids of cleared rows too. */
	if (sqlite3_prepare_v2(s->db,
			       "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'call_history'), 0), "
			       "coalesce((SELECT max(id) FROM call_history), 0))",
			       -1, &st, NULL) != SQLITE_OK) {
		ars_store_set_error(s, err, ARS_STORE_ERROR_OPEN, "cannot read");
		return -1;
	}
	gint64 last = -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		last = sqlite3_column_int64(st, 0);
	else
		ars_store_set_error(s, err, ARS_STORE_ERROR_OPEN, "cannot read");
	sqlite3_finalize(st);
	return last;
}
