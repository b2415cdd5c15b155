/* test_guard.c - Host, Origin and token checks. */
#include "guard.h"

#include <glib.h>

#define TOKEN "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void test_host(void)
{
	struct ars_guard g;
	ars_guard_init(&g, "127.0.0.1", 8765, TOKEN);
	g_assert_true(ars_guard_host_ok(&g, "127.0.0.1:8765"));
	g_assert_true(ars_guard_host_ok(&g, "localhost:8765"));
	g_assert_true(ars_guard_host_ok(&g, "LOCALHOST:8765"));
	g_assert_true(ars_guard_host_ok(&g, "[::1]:8765"));
	g_assert_false(ars_guard_host_ok(&g, NULL));
	g_assert_false(ars_guard_host_ok(&g, ""));
	g_assert_false(ars_guard_host_ok(&g, "127.0.0.1"));
	g_assert_false(ars_guard_host_ok(&g, "127.0.0.1:8766"));
	g_assert_false(ars_guard_host_ok(&g, "evil.example:8765"));
	g_assert_false(ars_guard_host_ok(&g, "localhost.evil.example:8765"));
	g_assert_false(ars_guard_host_ok(&g, "127.0.0.2:8765"));
}

static void test_host_other_loopback(void)
{
	struct ars_guard g;
	ars_guard_init(&g, "127.0.0.2", 9000, TOKEN);
	g_assert_true(ars_guard_host_ok(&g, "127.0.0.2:9000"));
	g_assert_true(ars_guard_host_ok(&g, "127.0.0.1:9000"));
	g_assert_false(ars_guard_host_ok(&g, "127.0.0.3:9000"));
}

static void test_origin(void)
{
	struct ars_guard g;
	ars_guard_init(&g, "127.0.0.1", 8765, TOKEN);
	g_assert_true(ars_guard_origin_ok(&g, NULL));
	g_assert_true(ars_guard_origin_ok(&g, "http://127.0.0.1:8765"));
	g_assert_true(ars_guard_origin_ok(&g, "http://localhost:8765"));
	g_assert_false(ars_guard_origin_ok(&g, "null"));
	g_assert_false(ars_guard_origin_ok(&g, "https://127.0.0.1:8765"));
	g_assert_false(ars_guard_origin_ok(&g, "http://127.0.0.1:8766"));
	g_assert_false(ars_guard_origin_ok(&g, "http://evil.example"));
	g_assert_false(ars_guard_origin_ok(&g, "http://127.0.0.1:8765.evil.example"));
}

static void test_token(void)
{
	struct ars_guard g;
	ars_guard_init(&g, "127.0.0.1", 8765, TOKEN);
	g_assert_true(ars_guard_bearer_ok(&g, "Bearer " TOKEN));
	g_assert_true(ars_guard_bearer_ok(&g, "bearer " TOKEN));
	g_assert_false(ars_guard_bearer_ok(&g, NULL));
	g_assert_false(ars_guard_bearer_ok(&g, TOKEN));
	g_assert_false(ars_guard_bearer_ok(&g, "Basic " TOKEN));
	g_assert_false(ars_guard_bearer_ok(&g, "Bearer " TOKEN "0"));
	g_assert_false(ars_guard_bearer_ok(&g, "Bearer 0123"));
	g_assert_false(ars_guard_bearer_ok(&g, "Bearer "));
	/* one character off at the end */
	g_assert_false(
		ars_guard_token_ok(&g, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdee"));
	g_assert_false(ars_guard_token_ok(&g, NULL));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/guard/host", test_host);
	g_test_add_func("/guard/host-other-loopback", test_host_other_loopback);
	g_test_add_func("/guard/origin", test_origin);
	g_test_add_func("/guard/token", test_token);
	return g_test_run();
}
