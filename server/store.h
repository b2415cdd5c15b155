/* store.h - SQLite persistence: migrations, accounts, settings, call
 * history. Every write is one transaction and is on disk (WAL,
 * synchronous=FULL) when it returns. */
#pragma once
#include "account.h"

#include <gio/gio.h>
#include <jansson.h>

struct ars_store;

#define ARS_STORE_ERROR (ars_store_error_quark())
GQuark ars_store_error_quark(void);
enum ars_store_error {
	ARS_STORE_ERROR_OPEN,	   /* cannot open or read the file */
	ARS_STORE_ERROR_CORRUPT,   /* not a database, or damaged */
	ARS_STORE_ERROR_TOO_NEW,   /* written by a newer arsphone */
	ARS_STORE_ERROR_MIGRATION, /* a migration failed (rolled back) */
	ARS_STORE_ERROR_NOT_FOUND,
	ARS_STORE_ERROR_NAME_TAKEN,
	ARS_STORE_ERROR_WRITE,
};

/* Opens (creating when missing) and migrates the database at path. A database
 * of a newer version or a damaged one is refused without writing to it. */
struct ars_store *ars_store_open(const char *path, GError **err);
void ars_store_close(struct ars_store *s);
/* Schema version the binary knows (number of migrations) and the file's. */
int ars_store_schema_version(void);
int ars_store_file_version(struct ars_store *s);

/* Accounts. Lists return a GPtrArray of struct ars_account* that frees them. */
GPtrArray *ars_store_accounts_list(struct ars_store *s, GError **err);
struct ars_account *ars_store_account_get(struct ars_store *s, gint64 id, GError **err);
/* Inserts a (sets a->id); NAME_TAKEN when the name exists. */
bool ars_store_account_insert(struct ars_store *s, struct ars_account *a, GError **err);
bool ars_store_account_update(struct ars_store *s, const struct ars_account *a, GError **err);
bool ars_store_account_delete(struct ars_store *s, gint64 id, GError **err);

/* Settings as stored: an object of name -> JSON value (no defaults applied). */
json_t *ars_store_settings_load(struct ars_store *s, GError **err);
/* Writes every name -> value of changes in one transaction. */
bool ars_store_settings_save(struct ars_store *s, json_t *changes, GError **err);

/* The account's RFC 5626 instance id ("urn:uuid:..."), made and stored on
 * first use. NULL with err when the account does not exist. */
char *ars_store_account_instance(struct ars_store *s, gint64 id, GError **err);

/* Call history (store_calls.c): ended call objects of schema/api.md "Calls",
 * plus "missed" and "duration"; the newest ARS_STORE_CALLS_MAX are kept. */
#define ARS_STORE_CALLS_MAX 500
/* Stores an ended call object (its "id" is the key) and trims the oldest. */
bool ars_store_call_insert(struct ars_store *s, const json_t *call, GError **err);
/* Stored calls, newest first, at most limit. */
json_t *ars_store_calls_list(struct ars_store *s, int limit, GError **err);
/* The stored call, or NULL with err (NOT_FOUND when there is none). */
json_t *ars_store_call_get(struct ars_store *s, gint64 id, GError **err);
bool ars_store_calls_clear(struct ars_store *s, GError **err);
/* The largest call id ever stored, cleared ones included (0: none), or -1
 * with err: new calls are numbered after it. */
gint64 ars_store_calls_last_id(struct ars_store *s, GError **err);
