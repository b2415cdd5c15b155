/* token.h - the per-install API token kept in DATA_DIR/token. */
#pragma once
#include <glib.h>
#include <stdbool.h>

#define ARS_TOKEN_HEX_LEN 64 /* 32 random bytes in hex */

/* Reads DIR/token, or makes a new one (mode 0600) when it is missing or not a
 * well-formed token. out must hold ARS_TOKEN_HEX_LEN + 1 bytes. */
bool ars_token_load_or_create(const char *dir, char *out, GError **err);
/* Constant-time comparison of a candidate with the token; NULL never matches. */
bool ars_token_equal(const char *token, const char *candidate, size_t candidate_len);
