/* store.c - opening the database and applying schema/NNNN_name.sql migrations
 * (embedded as GResources) in order, one transaction each, tracked with
 * PRAGMA user_version. A file we cannot trust is never written to. */
#define G_LOG_DOMAIN "store"

#include "store_priv.h"

#include "ars-schema-resources.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define SCHEMA_PREFIX "/arsphone/schema/"

G_DEFINE_QUARK(ars-store-error-quark, ars_store_error)

void ars_store_set_error(struct ars_store *s, GError **err, int code, const char *what)
{
	g_set_error(err, ARS_STORE_ERROR, code, "%s %s: %s", what, s->path, sqlite3_errmsg(s->db));
}

static bool exec(struct ars_store *s, const char *sql, GError **err, int code, const char *what)
{
	if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) == SQLITE_OK)
		return true;
	ars_store_set_error(s, err, code, what);
	return false;
}

bool ars_store_begin(struct ars_store *s, GError **err)
{
	return exec(s, "BEGIN IMMEDIATE", err, ARS_STORE_ERROR_WRITE, "cannot write to");
}

bool ars_store_commit(struct ars_store *s, GError **err)
{
	if (exec(s, "COMMIT", err, ARS_STORE_ERROR_WRITE, "cannot write to"))
		return true;
	ars_store_rollback(s);
	return false;
}

void ars_store_rollback(struct ars_store *s)
{
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The migrations in the binary, sorted by name ("0001_accounts.sql", ...). */
static char **migration_names(void)
{
	char **names = g_resources_enumerate_children(SCHEMA_PREFIX, 0, NULL);
	g_assert(names);
	guint n = g_strv_length(names);
	qsort(names, n, sizeof *names, compare_names);
	/* A gap or a duplicate number is a packaging bug, not a user problem. */
	for (guint i = 0; i < n; i++)
		g_assert(g_str_has_suffix(names[i], ".sql") && atoi(names[i]) == (int)i + 1);
	return names;
}

int ars_store_schema_version(void)
{
	g_auto(GStrv) names = migration_names();
	return (int)g_strv_length(names);
}

int ars_store_file_version(struct ars_store *s)
{
	return s->file_version;
}

static bool read_int_pragma(struct ars_store *s, const char *sql, int *out)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return false;
	bool ok = sqlite3_step(st) == SQLITE_ROW;
	if (ok)
		*out = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return ok;
}

static bool quick_check(struct ars_store *s, GError **err)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, "PRAGMA quick_check", -1, &st, NULL) != SQLITE_OK) {
		ars_store_set_error(s, err, ARS_STORE_ERROR_CORRUPT, "damaged database");
		return false;
	}
	int rc = sqlite3_step(st);
	bool ok = rc == SQLITE_ROW && g_strcmp0((const char *)sqlite3_column_text(st, 0), "ok") == 0;
	if (!ok)
		g_set_error(err, ARS_STORE_ERROR, ARS_STORE_ERROR_CORRUPT,
			    "damaged database %s: %s; it was left as it is: restore it from a backup or move it away",
			    s->path,
			    rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : sqlite3_errmsg(s->db));
	sqlite3_finalize(st);
	return ok;
}

static bool apply_migration(struct ars_store *s, const char *name, int version, GError **err)
{
	g_autofree char *path = g_strconcat(SCHEMA_PREFIX, name, NULL);
	g_autoptr(GBytes) sql = g_resources_lookup_data(path, 0, NULL);
	g_autofree char *text = g_strndup(g_bytes_get_data(sql, NULL), g_bytes_get_size(sql));
	g_autofree char *bump = g_strdup_printf("PRAGMA user_version = %d", version);

	if (!ars_store_begin(s, err))
		return false;
	if (!exec(s, text, err, ARS_STORE_ERROR_MIGRATION, "migration failed on") ||
	    !exec(s, bump, err, ARS_STORE_ERROR_MIGRATION, "migration failed on")) {
		ars_store_rollback(s);
		return false;
	}
	if (!ars_store_commit(s, err))
		return false;
	g_info("applied migration %s", name);
	return true;
}

static bool migrate(struct ars_store *s, GError **err)
{
	g_auto(GStrv) names = migration_names();
	int known = (int)g_strv_length(names);

	if (!read_int_pragma(s, "PRAGMA user_version", &s->file_version)) {
		int rc = sqlite3_errcode(s->db);
		bool corrupt = rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT;
		g_set_error(err, ARS_STORE_ERROR, corrupt ? ARS_STORE_ERROR_CORRUPT : ARS_STORE_ERROR_OPEN,
			    "cannot read database %s: %s%s", s->path, sqlite3_errmsg(s->db),
			    corrupt ? "; it was left as it is: restore it from a backup or move it away" : "");
		return false;
	}
	if (s->file_version > known) {
		g_set_error(err, ARS_STORE_ERROR, ARS_STORE_ERROR_TOO_NEW,
			    "database %s has schema version %d, written by a newer arsphone (this one knows "
			    "version %d); it was left as it is: run the newer arsphone or use another --data-dir",
			    s->path, s->file_version, known);
		return false;
	}
	if (!quick_check(s, err))
		return false;
	/* From here on the file is ours to write. */
	if (!exec(s, "PRAGMA journal_mode = WAL", err, ARS_STORE_ERROR_OPEN, "cannot use") ||
	    !exec(s, "PRAGMA synchronous = FULL", err, ARS_STORE_ERROR_OPEN, "cannot use"))
		return false;
	for (int v = s->file_version + 1; v <= known; v++) {
		if (!apply_migration(s, names[v - 1], v, err))
			return false;
		s->file_version = v;
	}
	return true;
}

struct ars_store *ars_store_open(const char *path, GError **err)
{
	static gsize registered;
	if (g_once_init_enter(&registered)) {
		ars_schema_register_resource();
		g_once_init_leave(&registered, 1);
	}
	struct ars_store *s = g_new0(struct ars_store, 1);
	s->path = g_strdup(path);
	int rc = sqlite3_open_v2(path, &s->db,
				 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		g_set_error(err, ARS_STORE_ERROR, ARS_STORE_ERROR_OPEN, "cannot open database %s: %s", path,
			    s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
		ars_store_close(s);
		return NULL;
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, 2000);
	if (!migrate(s, err)) {
		ars_store_close(s);
		return NULL;
	}
	/* The umask makes new files private; tighten one made by hand too. */
	if (chmod(path, 0600) != 0)
		g_warning("cannot make %s private: %s", path, g_strerror(errno));
	return s;
}

void ars_store_close(struct ars_store *s)
{
	if (!s)
		return;
	sqlite3_close(s->db);
	g_free(s->path);
	g_free(s);
}
