/* fuzz_account_json.c - libFuzzer target: account validation (URL, host
 * names, PEM, fingerprints, host_map) on any JSON the page could send. */
#include "account.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *obj = json_loadb((const char *)data, size, 0, NULL);
	if (!json_is_object(obj)) {
		json_decref(obj);
		return 0;
	}
	struct ars_verr e;
	ars_verr_init(&e);
	struct ars_account *a = ars_account_from_json(obj, &e);
	/* Either an account or at least one field error, never both. */
	g_assert((a != NULL) != ars_verr_any(&e));
	if (a) {
		json_t *back = ars_account_to_json(a, ARS_ACCOUNT_JSON_EDITABLE);
		struct ars_verr e2;
		ars_verr_init(&e2);
		/* What we produce is valid input again (normalization is stable). */
		struct ars_account *b = ars_account_from_json(back, &e2);
		g_assert(b != NULL);
		g_assert(g_strcmp0(a->server, b->server) == 0);
		ars_account_free(b);
		ars_verr_clear(&e2);
		json_decref(back);
	}
	ars_account_free(a);
	ars_verr_clear(&e);
	json_decref(obj);
	return 0;
}
