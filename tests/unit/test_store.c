/* test_store.c - migrations (fresh, upgrade, newer-version and damaged-file
 * refusal) and the account, settings and call history tables. */
#include "store.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>

struct fixture {
	char *dir;
	char *db;
};

static void setup(struct fixture *f, gconstpointer data)
{
	f->dir = g_dir_make_tmp("ars-store-XXXXXX", NULL);
	f->db = g_build_filename(f->dir, "arsphone.db", NULL);
}

static void teardown(struct fixture *f, gconstpointer data)
{
	g_autoptr(GDir) d = g_dir_open(f->dir, 0, NULL);
	for (const char *n; (n = g_dir_read_name(d));) {
		g_autofree char *p = g_build_filename(f->dir, n, NULL);
		g_unlink(p);
	}
	g_rmdir(f->dir);
	g_free(f->db);
	g_free(f->dir);
}

static struct ars_account *sample(const char *name)
{
	struct ars_account *a = ars_account_new();
	a->name = g_strdup(name);
	a->username = g_strdup("505");
	a->domain = g_strdup("pbx.example");
	a->password = g_strdup("secret");
	a->server = g_strdup("wss://pbx.example/ws");
	struct ars_host_map_entry e = {g_strdup("pbx.example"), g_strdup("10.1.2.3")};
	g_array_append_val(a->host_map, e);
	return a;
}

static void test_fresh(struct fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	struct ars_store *s = ars_store_open(f->db, &err);
	g_assert_no_error(err);
	g_assert_cmpint(ars_store_schema_version(), >=, 2);
	g_assert_cmpint(ars_store_file_version(s), ==, ars_store_schema_version());
	g_autoptr(GPtrArray) list = ars_store_accounts_list(s, &err);
	g_assert_cmpuint(list->len, ==, 0);
	ars_store_close(s);

	GStatBuf st;
	g_assert_cmpint(g_stat(f->db, &st), ==, 0);
	g_assert_cmpint(st.st_mode & 0777, ==, 0600);

	/* WAL mode is persistent in the file. */
	sqlite3 *db;
	sqlite3_open(f->db, &db);
	sqlite3_stmt *q;
	sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &q, NULL);
	g_assert_cmpint(sqlite3_step(q), ==, SQLITE_ROW);
	g_assert_cmpstr((const char *)sqlite3_column_text(q, 0), ==, "wal");
	sqlite3_finalize(q);
	sqlite3_close(db);
}

/* A database as an older arsphone left it: the first `version` migrations
 * (applied by hand, in name order) and an account named "Old". */
static void old_database(struct fixture *f, int version)
{
	g_auto(GStrv) names = g_resources_enumerate_children("/arsphone/schema/", 0, NULL);
	g_assert_nonnull(names);
	g_assert_cmpint((int)g_strv_length(names), >=, version);
	sqlite3 *db;
	g_assert_cmpint(sqlite3_open(f->db, &db), ==, SQLITE_OK);
	for (int v = 1; v <= version; v++) {
		g_autofree char *prefix = g_strdup_printf("%04d_", v);
		const char *name = NULL;
		for (guint i = 0; names[i]; i++)
			if (g_str_has_prefix(names[i], prefix))
				name = names[i];
		g_assert_nonnull(name);
		g_autofree char *path = g_strconcat("/arsphone/schema/", name, NULL);
		g_autoptr(GBytes) b = g_resources_lookup_data(path, 0, NULL);
		g_autofree char *sql = g_strndup(g_bytes_get_data(b, NULL), g_bytes_get_size(b));
		g_assert_cmpint(sqlite3_exec(db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
	}
	g_autofree char *tail = g_strdup_printf("INSERT INTO accounts (name, username, domain, server) VALUES "
						"('Old', '100', 'pbx.example', 'wss://pbx.example/ws');"
						"PRAGMA user_version = %d;",
						version);
	g_assert_cmpint(sqlite3_exec(db, tail, NULL, NULL, NULL), ==, SQLITE_OK);
	sqlite3_close(db);
}

static void test_upgrade_from_v1(struct fixture *f, gconstpointer data)
{
	old_database(f, 1);
	g_autoptr(GError) err = NULL;
	struct ars_store *s = ars_store_open(f->db, &err);
	g_assert_no_error(err);
	g_assert_cmpint(ars_store_file_version(s), ==, ars_store_schema_version());
	g_autoptr(GPtrArray) list = ars_store_accounts_list(s, &err);
	g_assert_cmpuint(list->len, ==, 1);
	g_assert_cmpstr(((struct ars_account *)list->pdata[0])->name, ==, "Old");
	json_auto_t *settings = ars_store_settings_load(s, &err);
	g_assert_no_error(err);
	g_assert_cmpuint(json_object_size(settings), ==, 0);
	ars_store_close(s);
}

static void assert_refused_untouched(struct fixture *f, int code)
{
	g_autofree char *before = NULL;
	gsize before_len;
	g_assert_true(g_file_get_contents(f->db, &before, &before_len, NULL));

	g_autoptr(GError) err = NULL;
	g_assert_null(ars_store_open(f->db, &err));
	g_assert_error(err, ARS_STORE_ERROR, code);
	g_test_message("refused: %s", err->message);
	g_assert_nonnull(strstr(err->message, f->db));

	g_autofree char *after = NULL;
	gsize after_len;
	g_assert_true(g_file_get_contents(f->db, &after, &after_len, NULL));
	g_assert_cmpmem(before, before_len, after, after_len);
	g_autofree char *wal = g_strconcat(f->db, "-wal", NULL);
	g_assert_false(g_file_test(wal, G_FILE_TEST_EXISTS));
}

static void test_newer_refused(struct fixture *f, gconstpointer data)
{
	sqlite3 *db;
	sqlite3_open(f->db, &db);
	g_autofree char *sql = g_strdup_printf("CREATE TABLE future (x); PRAGMA user_version = %d;",
					       ars_store_schema_version() + 1);
	g_assert_cmpint(sqlite3_exec(db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
	sqlite3_close(db);
	assert_refused_untouched(f, ARS_STORE_ERROR_TOO_NEW);
}

static void test_corrupt_refused(struct fixture *f, gconstpointer data)
{
	guint8 junk[8192];
	for (size_t i = 0; i < sizeof junk; i++)
		junk[i] = (guint8)g_random_int();
	g_assert_true(g_file_set_contents(f->db, (const char *)junk, sizeof junk, NULL));
	assert_refused_untouched(f, ARS_STORE_ERROR_CORRUPT);
}

static void test_damaged_pages_refused(struct fixture *f, gconstpointer data)
{
	/* A real database whose table pages were overwritten. */
	g_autoptr(GError) err = NULL;
	struct ars_store *s = ars_store_open(f->db, &err);
	for (int i = 0; i < 50; i++) {
		g_autofree char *name = g_strdup_printf("Account %d", i);
		g_autoptr(ArsAccount) a = sample(name);
		g_assert_true(ars_store_account_insert(s, a, &err));
	}
	ars_store_close(s);
	/* Fold the WAL into the file, then damage page 2 onwards. */
	sqlite3 *db;
	sqlite3_open(f->db, &db);
	sqlite3_exec(db, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL);
	sqlite3_close(db);
	g_autofree char *text = NULL;
	gsize len;
	g_assert_true(g_file_get_contents(f->db, &text, &len, NULL));
	g_assert_cmpuint(len, >, 8192);
	memset(text + 4096, 0xA5, len - 4096);
	g_assert_true(g_file_set_contents(f->db, text, (gssize)len, NULL));
	assert_refused_untouched(f, ARS_STORE_ERROR_CORRUPT);
}

static void test_accounts_crud(struct fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	struct ars_store *s = ars_store_open(f->db, &err);
	g_autoptr(ArsAccount) a = sample("Office");
	g_assert_true(ars_store_account_insert(s, a, &err));
	g_assert_cmpint(a->id, >, 0);

	g_autoptr(ArsAccount) dup = sample("Office");
	g_assert_false(ars_store_account_insert(s, dup, &err));
	g_assert_error(err, ARS_STORE_ERROR, ARS_STORE_ERROR_NAME_TAKEN);
	g_clear_error(&err);

	g_autoptr(ArsAccount) got = ars_store_account_get(s, a->id, &err);
	g_assert_cmpstr(got->password, ==, "secret");
	g_assert_cmpuint(got->host_map->len, ==, 1);
	g_assert_cmpstr(g_array_index(got->host_map, struct ars_host_map_entry, 0).address, ==, "10.1.2.3");
	g_assert_nonnull(got->created_at);

	g_free(got->display_name);
	got->display_name = g_strdup("Desk");
	got->enabled = false;
	g_assert_true(ars_store_account_update(s, got, &err));
	g_autoptr(ArsAccount) again = ars_store_account_get(s, a->id, &err);
	g_assert_cmpstr(again->display_name, ==, "Desk");
	g_assert_false(again->enabled);

	g_autoptr(ArsAccount) other = sample("Home");
	g_assert_true(ars_store_account_insert(s, other, &err));
	g_free(other->name);
	other->name = g_strdup("Office");
	g_assert_false(ars_store_account_update(s, other, &err));
	g_assert_error(err, ARS_STORE_ERROR, ARS_STORE_ERROR_NAME_TAKEN);
	g_clear_error(&err);

	g_assert_true(ars_store_account_delete(s, a->id, &err));
	g_assert_false(ars_store_account_delete(s, a->id, &err));
	g_assert_error(err, ARS_STORE_ERROR, ARS_STORE_ERROR_NOT_FOUND);
	g_clear_error(&err);
	g_assert_null(ars_store_account_get(s, a->id, &err));
	g_assert_error(err, ARS_STORE_ERROR, ARS_STORE_ERROR_NOT_FOUND);
	g_clear_error(&err);
	ars_store_close(s);

	/* Survives reopening. */
	s = ars_store_open(f->db, &err);
	g_autoptr(GPtrArray) list = ars_store_accounts_list(s, &err);
	g_assert_cmpuint(list->len, ==, 1);
	g_assert_cmpstr(((struct ars_account *)list->pdata[0])->name, ==, "Home");
	ars_store_close(s);
}

static void test_settings(struct fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	struct ars_store *s = ars_store_open(f->db, &err);
	json_auto_t *changes = json_pack("{s:s, s:i, s:b}", "language", "ru", "ring_volume", 35,
					 "popup_on_incoming", 0);
	g_assert_true(ars_store_settings_save(s, changes, &err));
	ars_store_close(s);
	s = ars_store_open(f->db, &err);
	json_auto_t *loaded = ars_store_settings_load(s, &err);
	g_assert_true(json_equal(loaded, changes));
	ars_store_close(s);
}

/* An ended call object as calls.c stores it (sip/call.c's ars_call_to_json). */
static json_t *ended_call(gint64 id, gint64 account_id, const char *direction, bool missed)
{
	return json_pack("{s:I, s:I, s:s, s:s, s:n, s:s, s:s, s:o, s:s, s:{s:i, s:s, s:s}, s:o, s:b, s:o}",
			 "id", (json_int_t)id, "account_id", (json_int_t)account_id, "direction", direction,
			 "remote_uri", "sip:1001@pbx.example", "remote_name", "state", "ended", "created_at",
			 "2026-11-25T16:20:00Z", "answered_at",
			 missed ? json_null() : json_string("2026-11-25T16:20:04Z"), "ended_at",
			 "2026-11-25T16:21:05Z", "end", "code", missed ? 487 : 200, "reason",
			 missed ? "the caller hung up before the answer" : "hung up", "by",
			 missed ? "remote" : "local", "codec", missed ? json_null() : json_string("opus"),
			 "missed", missed, "duration", missed ? json_null() : json_integer(61));
}

static void test_calls_roundtrip(struct fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	struct ars_store *s = ars_store_open(f->db, &err);
	g_assert_no_error(err);
	g_assert_cmpint(ars_store_calls_last_id(s, &err), ==, 0);

	json_auto_t *answered = ended_call(3, 1, "out", false);
	json_auto_t *missed = ended_call(7, 1, "in", true);
	json_object_set_new(missed, "remote_name", json_string("Анна \"A\" Smith"));
	g_assert_true(ars_store_call_insert(s, answered, &err));
	g_assert_true(ars_store_call_insert(s, missed, &err));
	g_assert_no_error(err);

	/* Exactly the objects given, newest (highest id) first. */
	json_auto_t *list = ars_store_calls_list(s, 10, &err);
	g_assert_no_error(err);
	g_assert_cmpuint(json_array_size(list), ==, 2);
	g_assert_true(json_equal(json_array_get(list, 0), missed));
	g_assert_true(json_equal(json_array_get(list, 1), answered));
	json_auto_t *one = ars_store_calls_list(s, 1, &err);
	g_assert_cmpuint(json_array_size(one), ==, 1);

	json_auto_t *got = ars_store_call_get(s, 3, &err);
	g_assert_no_error(err);
	g_assert_true(json_equal(got, answered));
	g_assert_null(ars_store_call_get(s, 4, &err));
	g_assert_error(err, ARS_STORE_ERROR, ARS_STORE_ERROR_NOT_FOUND);
	g_clear_error(&err);

	/* The same id twice is refused, and nothing is half-written. */
	g_assert_false(ars_store_call_insert(s, answered, &err));
	g_assert_error(err, ARS_STORE_ERROR, ARS_STORE_ERROR_WRITE);
	g_clear_error(&err);
	json_auto_t *again = ars_store_calls_list(s, 10, &err);
	g_assert_cmpuint(json_array_size(again), ==, 2);
	g_assert_cmpint(ars_store_calls_last_id(s, &err), ==, 7);
	ars_store_close(s);

	/* Still there after reopening. */
	s = ars_store_open(f->db, &err);
	json_auto_t *reopened = ars_store_calls_list(s, 10, &err);
	g_assert_true(json_equal(reopened, list));
	ars_store_close(s);
}

static void test_calls_trim(struct fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	struct ars_store *s = ars_store_open(f->db, &err);
	g_assert_no_error(err);
	const int total = ARS_STORE_CALLS_MAX + 20;
	for (int id = 1; id <= total; id++) {
		json_auto_t *c = ended_call(id, 1, id % 2 ? "in" : "out", id % 2);
		g_assert_true(ars_store_call_insert(s, c, &err));
	}
	json_auto_t *list = ars_store_calls_list(s, ARS_STORE_CALLS_MAX * 2, &err);
	g_assert_no_error(err);
	g_assert_cmpuint(json_array_size(list), ==, ARS_STORE_CALLS_MAX);
	g_assert_cmpint(json_integer_value(json_object_get(json_array_get(list, 0), "id")), ==, total);
	g_assert_cmpint(json_integer_value(json_object_get(json_array_get(list, ARS_STORE_CALLS_MAX - 1), "id")),
			==, total - ARS_STORE_CALLS_MAX + 1);
	g_assert_null(ars_store_call_get(s, total - ARS_STORE_CALLS_MAX, &err));
	g_clear_error(&err);
	ars_store_close(s);
}

static void test_calls_clear(struct fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	struct ars_store *s = ars_store_open(f->db, &err);
	for (int id = 1; id <= 3; id++) {
		json_auto_t *c = ended_call(id * 10, 1, "in", true);
		g_assert_true(ars_store_call_insert(s, c, &err));
	}
	g_assert_true(ars_store_calls_clear(s, &err));
	g_assert_no_error(err);
	json_auto_t *list = ars_store_calls_list(s, 10, &err);
	g_assert_cmpuint(json_array_size(list), ==, 0);
	ars_store_close(s);
	/* The largest id is remembered after a clear and a restart: new calls do
	 * not reuse the ids of forgotten ones. */
	s = ars_store_open(f->db, &err);
	g_assert_cmpint(ars_store_calls_last_id(s, &err), ==, 30);
	g_assert_no_error(err);
	ars_store_close(s);
}

static void test_calls_account_deleted(struct fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	struct ars_store *s = ars_store_open(f->db, &err);
	g_autoptr(ArsAccount) a = sample("Office");
	g_autoptr(ArsAccount) b = sample("Home");
	g_assert_true(ars_store_account_insert(s, a, &err));
	g_assert_true(ars_store_account_insert(s, b, &err));
	json_auto_t *ca = ended_call(1, a->id, "out", false);
	json_auto_t *cb = ended_call(2, b->id, "in", true);
	g_assert_true(ars_store_call_insert(s, ca, &err));
	g_assert_true(ars_store_call_insert(s, cb, &err));
	g_assert_true(ars_store_account_delete(s, a->id, &err));
	g_assert_no_error(err);

	/* The row stays, with the other party; only the account is gone. */
	json_auto_t *got = ars_store_call_get(s, 1, &err);
	g_assert_no_error(err);
	g_assert_true(json_is_null(json_object_get(got, "account_id")));
	g_assert_cmpstr(json_string_value(json_object_get(got, "remote_uri")), ==, "sip:1001@pbx.example");
	json_auto_t *other = ars_store_call_get(s, 2, &err);
	g_assert_true(json_equal(other, cb));
	ars_store_close(s);
}

/* A file from before the call history (schema 3) gains an empty one. */
static void test_calls_upgrade_from_v3(struct fixture *f, gconstpointer data)
{
	old_database(f, 3);
	g_autoptr(GError) err = NULL;
	struct ars_store *s = ars_store_open(f->db, &err);
	g_assert_no_error(err);
	g_assert_cmpint(ars_store_file_version(s), ==, ars_store_schema_version());
	g_assert_cmpint(ars_store_schema_version(), >=, 4);
	g_assert_cmpint(ars_store_calls_last_id(s, &err), ==, 0);
	json_auto_t *empty = ars_store_calls_list(s, 10, &err);
	g_assert_no_error(err);
	g_assert_cmpuint(json_array_size(empty), ==, 0);
	json_auto_t *c = ended_call(1, 1, "in", true);
	g_assert_true(ars_store_call_insert(s, c, &err));
	g_assert_no_error(err);
	g_autoptr(GPtrArray) accounts = ars_store_accounts_list(s, &err);
	g_assert_cmpuint(accounts->len, ==, 1);
	g_assert_true(ars_store_account_delete(s, ((struct ars_account *)accounts->pdata[0])->id, &err));
	json_auto_t *got = ars_store_call_get(s, 1, &err);
	g_assert_true(json_is_null(json_object_get(got, "account_id")));
	ars_store_close(s);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add(path, struct fixture, NULL, setup, fn, teardown)
	ADD("/store/migrations/fresh", test_fresh);
	ADD("/store/migrations/upgrade-from-v1", test_upgrade_from_v1);
	ADD("/store/migrations/newer-version-refused", test_newer_refused);
	ADD("/store/open/corrupt-refused", test_corrupt_refused);
	ADD("/store/open/damaged-pages-refused", test_damaged_pages_refused);
	ADD("/store/accounts/crud", test_accounts_crud);
	ADD("/store/settings", test_settings);
	ADD("/store/calls/roundtrip", test_calls_roundtrip);
	ADD("/store/calls/trim", test_calls_trim);
	ADD("/store/calls/clear", test_calls_clear);
	ADD("/store/calls/account-deleted", test_calls_account_deleted);
	ADD("/store/calls/upgrade-from-v3", test_calls_upgrade_from_v3);
	return g_test_run();
}
