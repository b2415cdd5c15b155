/* Fuzz target for media/sdp.c: any bytes as a far end's SDP, through the
 * parser and every fix-up and reader (as offer, as answer, against itself).
 * Replayed over tests/media/sdp/ (the captured offers and answers) in every
 * build; a libFuzzer binary with -Dfuzzing=true. */
#include "media/sdp.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ars_sdp *a = NULL, *b = NULL;
	char *err = NULL;
	if (ars_sdp_parse(&a, (const char *)data, size, &err) != 0) {
		g_free(err);
		return 0;
	}
	g_assert_cmpint(ars_sdp_parse(&b, (const char *)data, size, &err), ==, 0);
	struct ars_sdp_codec c;
	ars_sdp_read_codec(a, &c);
	ars_sdp_fix_remote_direction(a);
	g_strfreev(ars_sdp_candidate_addresses(a));
	for (int m = -1; m <= ars_sdp_media_count(a); m++) {
		char type[16];
		unsigned port;
		ars_sdp_media(a, m, type, &port);
		ars_sdp_direction(a, m);
		ars_sdp_attr(a, m, "setup");
		ars_sdp_find_payload(a, m, "opus", 48000);
	}
	ars_sdp_keep_setup_answer(b, a, ARS_SDP_ROLE_ACTIVE);
	ars_sdp_role_after_answer(a, true);
	ars_sdp_add_telephone_event(b, a);
	ars_sdp_copy_candidates(b, a);
	ars_sdp_fix_connection(b);
	struct ars_sdp_origin o;
	ars_sdp_origin_init(&o);
	ars_sdp_set_origin(b, &o, a);
	ars_sdp_keep_setup_offer(b, ARS_SDP_ROLE_PASSIVE);
	/* what we print parses again */
	char *text = ars_sdp_print(b);
	struct ars_sdp *again = NULL;
	g_assert_cmpint(ars_sdp_parse(&again, text, strlen(text), &err), ==, 0);
	ars_sdp_free(again);
	g_free(text);
	ars_sdp_free(a);
	ars_sdp_free(b);
	return 0;
}
