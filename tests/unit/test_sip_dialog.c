/* test_sip_dialog.c - dialogs from both sides: route sets, targets, CSeq,
 * tags, and requests that belong to them. */
#include "sip/dialog.h"
#include "sip_fake.h"

static const char INVITE[] =
	"INVITE sip:1001@pbx.example SIP/2.0\n"
	"Via: SIP/2.0/WSS abc.invalid;branch=z9hG4bKinv;rport\n"
	"Max-Forwards: 70\n"
	"From: \"Reception\" <sip:505@pbx.example>;tag=ours\n"
	"To: <sip:1001@pbx.example>\n"
	"Call-ID: call-7\n"
	"CSeq: 20 INVITE\n"
	"Contact: <sip:u1@abc.invalid;transport=ws;ob>\n"
	"Content-Length: 0\n\n";

static const char OK_200[] =
	"SIP/2.0 200 OK\n"
	"Via: SIP/2.0/WSS abc.invalid;branch=z9hG4bKinv;rport=5000;received=10.0.0.9\n"
	"Record-Route: <sip:10.0.0.1;transport=ws;r2=on;lr>\n"
	"Record-Route: <sip:10.0.0.1;r2=on;lr>, <sip:proxy2.example;lr>\n"
	"From: \"Reception\" <sip:505@pbx.example>;tag=ours\n"
	"To: <sip:1001@pbx.example>;tag=theirs\n"
	"Call-ID: call-7\n"
	"CSeq: 20 INVITE\n"
	"Contact: <sip:1001@10.0.0.20:5060;transport=udp>\n"
	"Content-Length: 0\n\n";

static void test_uac(void)
{
	g_autoptr(ArsSipMsg) inv = parse_text(INVITE);
	g_autoptr(ArsSipMsg) ok = parse_text(OK_200);
	g_autoptr(ArsSipDialog) d = ars_sip_dialog_new_uac(inv, ok, "abc.invalid", true);
	g_assert_nonnull(d);
	g_assert_cmpstr(d->remote_target, ==, "sip:1001@10.0.0.20:5060;transport=udp");
	g_assert_cmpuint(d->route_set->len, ==, 3);
	/* reversed: the proxy nearest to us first */
	g_assert_cmpstr(d->route_set->pdata[0], ==, "<sip:proxy2.example;lr>");
	g_assert_cmpstr(d->route_set->pdata[2], ==, "<sip:10.0.0.1;transport=ws;r2=on;lr>");

	g_autoptr(ArsSipMsg) ack = ars_sip_dialog_request(d, "ACK", inv->cseq);
	g_assert_cmpstr(ack->ruri, ==, "sip:1001@10.0.0.20:5060;transport=udp");
	g_assert_cmpuint(ack->cseq, ==, 20);
	g_assert_cmpstr(ack->cseq_method, ==, "ACK");
	g_assert_cmpstr(ack->from_tag, ==, "ours");
	g_assert_cmpstr(ack->to_tag, ==, "theirs");
	g_assert_cmpstr(ars_sip_msg_get(ack, "Route"), ==, "<sip:proxy2.example;lr>");
	g_assert_true(g_str_has_prefix(ars_sip_msg_get(ack, "Via"), "SIP/2.0/WSS abc.invalid;branch=z9hG4bK"));
	g_assert_cmpstr(ack->via_branch, !=, "z9hG4bKinv");

	g_autoptr(ArsSipMsg) bye = ars_sip_dialog_request(d, "BYE", 0);
	g_assert_cmpuint(bye->cseq, ==, 21);
	g_assert_cmpstr(ars_sip_msg_get(bye, "From"), ==, "\"Reception\" <sip:505@pbx.example>;tag=ours");
	g_assert_cmpstr(ars_sip_msg_get(bye, "To"), ==, "<sip:1001@pbx.example>;tag=theirs");
	g_autoptr(ArsSipMsg) again = ars_sip_dialog_request(d, "OPTIONS", 0);
	g_assert_cmpuint(again->cseq, ==, 22);

	/* a response without a To tag makes no dialog */
	g_autoptr(ArsSipMsg) trying = ars_sip_msg_new_response(inv, 100, "Trying", NULL);
	ars_sip_msg_update_fields(trying);
	g_assert_null(ars_sip_dialog_new_uac(inv, trying, "abc.invalid", true));
}

static void test_uas(void)
{
	g_autoptr(ArsSipMsg) inv = parse_text(
		"INVITE sip:u1@abc.invalid;transport=ws SIP/2.0\n"
		"Via: SIP/2.0/WSS 10.0.0.1;branch=z9hG4bKsrv\n"
		"Record-Route: <sip:10.0.0.1;transport=ws;lr>\n"
		"Max-Forwards: 69\n"
		"From: <sip:1001@pbx.example>;tag=caller\n"
		"To: <sip:505@pbx.example>\n"
		"Call-ID: call-9\n"
		"CSeq: 5 INVITE\n"
		"Contact: <sip:1001@10.0.0.20>\n"
		"Content-Length: 0\n\n");
	g_autoptr(ArsSipDialog) d = ars_sip_dialog_new_uas(inv, "mine", "abc.invalid", false);
	g_assert_nonnull(d);
	g_assert_cmpuint(d->remote_cseq, ==, 5);
	g_autoptr(ArsSipMsg) bye = ars_sip_dialog_request(d, "BYE", 0);
	g_assert_cmpstr(bye->ruri, ==, "sip:1001@10.0.0.20");
	g_assert_cmpstr(ars_sip_msg_get(bye, "Route"), ==, "<sip:10.0.0.1;transport=ws;lr>");
	g_assert_cmpstr(bye->from_tag, ==, "mine");
	g_assert_cmpstr(bye->to_tag, ==, "caller");
	g_assert_true(g_str_has_prefix(ars_sip_msg_get(bye, "Via"), "SIP/2.0/WS "));

	/* the peer's in-dialog requests: matched, CSeq must grow, target refresh */
	g_autoptr(ArsSipMsg) reinvite = parse_text(
		"INVITE sip:u1@abc.invalid;transport=ws SIP/2.0\n"
		"Via: SIP/2.0/WSS 10.0.0.1;branch=z9hG4bKre\n"
		"Max-Forwards: 69\n"
		"From: <sip:1001@pbx.example>;tag=caller\n"
		"To: <sip:505@pbx.example>;tag=mine\n"
		"Call-ID: call-9\n"
		"CSeq: 6 INVITE\n"
		"Contact: <sip:1001@10.0.0.21>\n"
		"Content-Length: 0\n\n");
	g_assert_true(ars_sip_dialog_matches(d, reinvite));
	g_assert_true(ars_sip_dialog_accept_request(d, reinvite));
	g_assert_cmpstr(d->remote_target, ==, "sip:1001@10.0.0.21");
	g_assert_false(ars_sip_dialog_accept_request(d, reinvite)); /* same CSeq again */

	g_autoptr(ArsSipMsg) other = parse_text(
		"BYE sip:u1@abc.invalid SIP/2.0\n"
		"Via: SIP/2.0/WSS 10.0.0.1;branch=z9hG4bKx\n"
		"Max-Forwards: 69\n"
		"From: <sip:1001@pbx.example>;tag=someone-else\n"
		"To: <sip:505@pbx.example>;tag=mine\n"
		"Call-ID: call-9\n"
		"CSeq: 7 BYE\n"
		"Content-Length: 0\n\n");
	g_assert_false(ars_sip_dialog_matches(d, other));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/sip-dialog/uac", test_uac);
	g_test_add_func("/sip-dialog/uas", test_uas);
	return g_test_run();
}
