/* test_store.c - migrations (fresh, upgrade, newer-version and damaged-file
 * refusal) and the account and settings tables. */
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

static void test_upgrade_from_v1(struct fixture *f, gconstpointer data)
{
	/* A database as the first migration left it, with an account in it. */
	g_autoptr(GBytes) v1 = g_resources_lookup_data("/arsphone/schema/0001_accounts.sql", 0, NULL);
	sqlite3 *db;
	g_assert_cmpint(sqlite3_open(f->db, &db), ==, SQLITE_OK);
	g_autofree char *sql = g_strndup(g_bytes_get_data(v1, NULL), g_bytes_get_size(v1));
	g_assert_cmpint(sqlite3_exec(db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
	g_assert_cmpint(sqlite3_exec(db,
				     "INSERT INTO accounts (name, username, domain, server) VALUES "
				     "('Old', '100', 'pbx.example', 'wss://pbx.example/ws');"
				     "PRAGMA user_version = 1;",
				     NULL, NULL, NULL),
			==, SQLITE_OK);
	sqlite3_close(db);

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
	return g_test_run();
}
