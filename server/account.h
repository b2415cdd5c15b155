/* account.h - a SIP account as the user configured it, its validation and its
 * JSON forms (schema/api.md "The account object"). */
#pragma once
#include "verr.h"

#include <glib.h>
#include <jansson.h>
#include <stdbool.h>

enum ars_tls_mode {
	ARS_TLS_VERIFY,
	ARS_TLS_PIN,
	ARS_TLS_INSECURE,
};

struct ars_host_map_entry {
	char *host;
	char *address;
};

struct ars_account {
	gint64 id; /* 0 until stored */
	char *name;
	char *username;
	char *auth_username; /* NULL: same as username */
	char *display_name;  /* NULL: none */
	char *domain;
	char *password; /* NULL: none saved. Never logged, never sent to the page */
	char *server;	/* normalized ws:// or wss:// URL */
	GArray *host_map; /* of struct ars_host_map_entry */
	enum ars_tls_mode tls_mode;
	char *tls_ca_pem;
	char *tls_pin_sha256; /* "AB:CD:..." */
	int register_expires;
	bool enabled;
	char *created_at;
	char *updated_at;
};

enum ars_account_json {
	/* What the API returns: read-only fields, has_password, no password. */
	ARS_ACCOUNT_JSON_PUBLIC,
	/* The writable fields including the password: the base a PATCH merges into. */
	ARS_ACCOUNT_JSON_EDITABLE,
};

struct ars_account *ars_account_new(void);
void ars_account_free(struct ars_account *a);
typedef struct ars_account ArsAccount;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ArsAccount, ars_account_free)

/* Validates a JSON object of writable fields (POST body, or a merged PATCH)
 * and builds an account from it. Every problem goes to errs; returns NULL when
 * there is any. */
struct ars_account *ars_account_from_json(json_t *obj, struct ars_verr *errs);
json_t *ars_account_to_json(const struct ars_account *a, enum ars_account_json form);
const char *ars_tls_mode_name(enum ars_tls_mode m);
bool ars_tls_mode_parse(const char *s, enum ars_tls_mode *out);

/* JSON merge patch (RFC 7396) of an account's editable form; "tls" merges by
 * key, everything else replaces. */
void ars_account_merge_patch(json_t *base, json_t *patch);
