/* test_lws_events.c - proves that libwebsockets runs on the daemon's GLib main
 * loop (LWS_SERVER_OPTION_GLIB, as the SIP transport will), side by side with
 * libmicrohttpd: an lws WebSocket client and the whole app share one loop,
 * the client receives "hello" and a live event, and the guard refuses a
 * wrong token and a foreign Origin before the upgrade. */
#include "app.h"
#include "listen.h"
#include "token.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <jansson.h>
#include <libwebsockets.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct client {
	const char *label;
	bool established, failed, closed;
	char *fail_reason;
	GPtrArray *messages; /* of json_t* */
	GString *partial;
};

static GMainLoop *loop;

static int on_lws(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	struct client *c = lws_get_opaque_user_data(wsi);
	switch (reason) {
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		c->established = true;
		break;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		c->failed = true;
		c->fail_reason = g_strdup_printf("%s (HTTP %u)", in ? (const char *)in : "(none)",
						 wsi ? lws_http_client_http_response(wsi) : 0);
		g_main_loop_quit(loop);
		break;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		g_string_append_len(c->partial, in, (gssize)len);
		if (lws_is_final_fragment(wsi)) {
			json_t *msg = json_loads(c->partial->str, 0, NULL);
			g_assert_nonnull(msg);
			g_ptr_array_add(c->messages, msg);
			g_string_truncate(c->partial, 0);
			g_main_loop_quit(loop);
		}
		break;
	case LWS_CALLBACK_CLIENT_CLOSED:
		c->closed = true;
		g_main_loop_quit(loop);
		break;
	default:
		break;
	}
	return 0;
}

static const struct lws_protocols protocols[] = {
	{"arsphone-test", on_lws, 0, 0, 0, NULL, 0},
	{NULL, NULL, 0, 0, 0, NULL, 0},
};

static gboolean timeout_quit(gpointer data)
{
	*(bool *)data = true;
	g_main_loop_quit(loop);
	return G_SOURCE_REMOVE;
}

/* Runs the loop until cond holds or 5 s pass. */
#define RUN_UNTIL(cond)                                                                            \
	do {                                                                                       \
		bool timed_out = false;                                                            \
		guint guard_src = g_timeout_add(5000, timeout_quit, &timed_out);                           \
		while (!(cond) && !timed_out)                                                      \
			g_main_loop_run(loop);                                                     \
		if (!timed_out)                                                                    \
			g_source_remove(guard_src);                                                      \
		g_assert_true(cond);                                                               \
	} while (0)

static void connect_client(struct lws_context *ctx, struct client *c, uint16_t port,
			   const char *token, const char *origin)
{
	c->messages = g_ptr_array_new_with_free_func((GDestroyNotify)json_decref);
	c->partial = g_string_new(NULL);
	g_autofree char *path = g_strdup_printf("/api/v1/events?token=%s", token);
	g_autofree char *host = g_strdup_printf("127.0.0.1:%u", port);
	struct lws_client_connect_info i = {
		.context = ctx,
		.address = "127.0.0.1",
		.port = port,
		.path = path,
		.host = host,
		.origin = origin,
		.local_protocol_name = "arsphone-test",
		.opaque_user_data = c,
	};
	g_assert_nonnull(lws_client_connect_via_info(&i));
}

/* A plain blocking HTTP POST from another thread: the main thread keeps
 * running the loop that serves it. */
struct post {
	uint16_t port;
	const char *token;
	char reply[4096];
};

static gpointer do_post(gpointer data)
{
	struct post *p = data;
	const char *body = "{\"name\": \"Office\", \"username\": \"505\", \"domain\": \"pbx.example\","
			   " \"server\": \"wss://pbx.example/ws\"}";
	g_autofree char *req = g_strdup_printf(
		"POST /api/v1/accounts HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nAuthorization: Bearer %s\r\n"
		"Content-Type: application/json\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%s",
		p->port, p->token, strlen(body), body);
	g_autoptr(GSocketClient) sc = g_socket_client_new();
	g_autoptr(GSocketConnection) conn =
		g_socket_client_connect_to_host(sc, "127.0.0.1", p->port, NULL, NULL);
	g_assert_nonnull(conn);
	GOutputStream *out = g_io_stream_get_output_stream(G_IO_STREAM(conn));
	g_assert_true(g_output_stream_write_all(out, req, strlen(req), NULL, NULL, NULL));
	GInputStream *in = g_io_stream_get_input_stream(G_IO_STREAM(conn));
	gsize got = 0;
	g_input_stream_read_all(in, p->reply, sizeof p->reply - 1, &got, NULL, NULL);
	p->reply[got] = '\0';
	return NULL;
}

static void test_lws_on_glib(void)
{
	g_autofree char *dir = g_dir_make_tmp("ars-loop-XXXXXX", NULL);
	char token[ARS_TOKEN_HEX_LEN + 1];
	g_assert_true(ars_token_load_or_create(dir, token, NULL));
	uint16_t port;
	int fd = ars_listen_bind("127.0.0.1", 0, &port, NULL);
	g_assert_cmpint(fd, >=, 0);
	loop = g_main_loop_new(NULL, FALSE);
	/* The app runs its own lws context (for SIP) on the same loop. */
	struct ars_app_config cfg = {.data_dir = dir, .token = token, .listen_fd = fd,
				     .listen_ip = "127.0.0.1", .port = port, .loop = loop};
	g_autoptr(GError) err = NULL;
	struct ars_app *app = ars_app_new(&cfg, &err);
	g_assert_no_error(err);

	void *foreign[] = {loop};
	struct lws_context_creation_info info = {
		.port = CONTEXT_PORT_NO_LISTEN,
		.protocols = protocols,
		.options = LWS_SERVER_OPTION_GLIB,
		.foreign_loops = foreign,
	};
	lws_set_log_level(LLL_ERR, NULL);
	struct lws_context *ctx = lws_create_context(&info);
	g_assert_nonnull(ctx); /* fails when libwebsockets-evlib-glib is missing */

	/* lws adds "http://" to the origin itself */
	g_autofree char *origin = g_strdup_printf("127.0.0.1:%u", port);
	struct client good = {.label = "good"}, bad_token = {.label = "bad token"},
		      bad_origin = {.label = "bad origin"};
	connect_client(ctx, &good, port, token, origin);
	RUN_UNTIL(good.messages->len >= 1);
	g_assert_true(good.established);
	json_t *hello = good.messages->pdata[0];
	g_assert_cmpstr(json_string_value(json_object_get(hello, "type")), ==, "hello");
	g_assert_cmpint(json_integer_value(json_object_get(hello, "seq")), ==, 0);
	g_assert_nonnull(json_object_get(json_object_get(hello, "status"), "version"));

	struct post p = {.port = port, .token = token};
	GThread *t = g_thread_new("post", do_post, &p);
	RUN_UNTIL(good.messages->len >= 2);
	g_thread_join(t);
	g_assert_nonnull(strstr(p.reply, "HTTP/1.1 201"));
	json_t *created = good.messages->pdata[1];
	g_assert_cmpstr(json_string_value(json_object_get(created, "type")), ==, "account.created");
	g_assert_cmpint(json_integer_value(json_object_get(created, "seq")), ==, 1);
	g_assert_cmpstr(json_string_value(json_object_get(json_object_get(created, "account"), "name")),
			==, "Office");

	char wrong[ARS_TOKEN_HEX_LEN + 1];
	memcpy(wrong, token, sizeof wrong);
	wrong[0] = wrong[0] == 'a' ? 'b' : 'a';
	connect_client(ctx, &bad_token, port, wrong, origin);
	RUN_UNTIL(bad_token.failed);
	g_assert_false(bad_token.established);
	g_test_message("wrong token: %s", bad_token.fail_reason);
	g_assert_nonnull(strstr(bad_token.fail_reason, "HTTP 401"));

	connect_client(ctx, &bad_origin, port, token, "evil.example");
	RUN_UNTIL(bad_origin.failed);
	g_assert_false(bad_origin.established);
	g_assert_nonnull(strstr(bad_origin.fail_reason, "HTTP 403"));

	lws_context_destroy(ctx);
	ars_app_free(app);
	g_main_loop_unref(loop);
	for (struct client *c = &good; c; c = c == &good ? &bad_token : c == &bad_token ? &bad_origin : NULL) {
		g_ptr_array_unref(c->messages);
		g_string_free(c->partial, TRUE);
		g_free(c->fail_reason);
	}
	const char *files[] = {"arsphone.db", "arsphone.db-wal", "arsphone.db-shm", "token", NULL};
	for (const char **f = files; *f; f++) {
		g_autofree char *path = g_build_filename(dir, *f, NULL);
		g_unlink(path);
	}
	g_rmdir(dir);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/loop/lws-client-and-mhd-on-one-glib-loop", test_lws_on_glib);
	return g_test_run();
}
