/* main.c - the arsphone command: options, start-up order, signals, exit
 * status (0 clean stop, 1 cannot run, 2 bad usage or address in use). */
#define G_LOG_DOMAIN "main"

#include "app.h"
#include "ars_config.h"
#include "datadir.h"
#include "listen.h"
#include "log.h"
#include "media_link.h"
#include "token.h"

#include <glib-unix.h>
#include <locale.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

enum { EXIT_USAGE = 2 };

struct options {
	char *data_dir;
	char *listen;
	gboolean no_open;
	char *log_level;
	gboolean version;
	gboolean sip_trace;
	char *audio_in;
	char *audio_out;
};

static int usage_error(GOptionContext *ctx, const char *message)
{
	g_autofree char *help = g_option_context_get_help(ctx, TRUE, NULL);
	fprintf(stderr, "arsphone: %s\n\n%s", message, help);
	return EXIT_USAGE;
}

static gboolean on_signal(gpointer loop)
{
	g_info("stopping");
	g_main_loop_quit(loop);
	return G_SOURCE_CONTINUE;
}

static gboolean open_browser(gpointer url)
{
	g_autoptr(GError) err = NULL;
	if (!g_app_info_launch_default_for_uri(url, NULL, &err))
		g_warning("cannot open a browser (%s); open the URL above yourself", err->message);
	return G_SOURCE_REMOVE;
}

static bool have_display(void)
{
	return g_getenv("DISPLAY") || g_getenv("WAYLAND_DISPLAY");
}

static int run(const struct options *o)
{
	char ip[INET_ADDRSTRLEN];
	uint16_t port, bound_port;
	g_autoptr(GError) err = NULL;

	if (!ars_listen_parse(o->listen ? o->listen : ARS_DEFAULT_LISTEN, ip, &port, &err)) {
		fprintf(stderr, "arsphone: %s\n", err->message);
		return EXIT_USAGE;
	}
	g_autofree char *dir = ars_datadir_resolve(o->data_dir);
	int lock_fd = ars_datadir_prepare(dir, &err);
	if (lock_fd < 0) {
		fprintf(stderr, "arsphone: %s\n", err->message);
		return EXIT_FAILURE;
	}
	int listen_fd = ars_listen_bind(ip, port, &bound_port, &err);
	if (listen_fd < 0) {
		fprintf(stderr, "arsphone: %s\n", err->message);
		return g_error_matches(err, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE) ? EXIT_USAGE
										  : EXIT_FAILURE;
	}
	char token[ARS_TOKEN_HEX_LEN + 1];
	if (!ars_token_load_or_create(dir, token, &err)) {
		fprintf(stderr, "arsphone: %s\n", err->message);
		return EXIT_FAILURE;
	}

	g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
	struct ars_app_config cfg = {
		.data_dir = dir,
		.token = token,
		.listen_fd = listen_fd,
		.listen_ip = ip,
		.port = bound_port,
		.loop = loop,
		.sip_trace = o->sip_trace,
		.audio_in = o->audio_in,
		.audio_out = o->audio_out,
	};
	struct ars_app *app = ars_app_new(&cfg, &err);
	if (!app) {
		fprintf(stderr, "arsphone: %s\n", err->message);
		return EXIT_FAILURE;
	}

	guint sigint = g_unix_signal_add(SIGINT, on_signal, loop);
	guint sigterm = g_unix_signal_add(SIGTERM, on_signal, loop);

	g_autofree char *url = g_strdup_printf("http://%s:%u/#token=%s", ip, bound_port, token);
	printf("arsphone: control page %s\n", url);
	fflush(stdout);
	g_info("data directory %s", dir);
	if (!o->no_open && have_display())
		g_idle_add(open_browser, url);

	g_main_loop_run(loop);

	g_source_remove(sigint);
	g_source_remove(sigterm);
	ars_app_free(app);
	close(lock_fd);
	return EXIT_SUCCESS;
}

static void options_clear(struct options *o)
{
	g_free(o->data_dir);
	g_free(o->listen);
	g_free(o->log_level);
	g_free(o->audio_in);
	g_free(o->audio_out);
}

/* Parses the command line and runs; returns the exit status. */
static int parse_and_run(int argc, char **argv, struct options *o)
{
	GOptionEntry entries[] = {
		{"data-dir", 0, 0, G_OPTION_ARG_FILENAME, &o->data_dir,
		 "Where accounts and settings are kept (default ~/.local/share/arsphone)", "DIR"},
		{"listen", 0, 0, G_OPTION_ARG_STRING, &o->listen,
		 "Loopback address of the control page (default " ARS_DEFAULT_LISTEN "; port 0 picks a free one)",
		 "127.0.0.1:PORT"},
		{"no-open", 0, 0, G_OPTION_ARG_NONE, &o->no_open, "Do not open the page in a browser", NULL},
		{"log-level", 0, 0, G_OPTION_ARG_STRING, &o->log_level,
		 "error, warning (default), info or debug", "LEVEL"},
		{"sip-trace", 0, 0, G_OPTION_ARG_NONE, &o->sip_trace,
		 "Print every SIP message sent and received (credentials redacted) on stderr", NULL},
		{"audio-in", 0, 0, G_OPTION_ARG_STRING, &o->audio_in,
		 "What calls send: auto (the microphone), tone:HZ, file:PATH.wav or silence", "SPEC"},
		{"audio-out", 0, 0, G_OPTION_ARG_STRING, &o->audio_out,
		 "Where calls and their ring/ringback tones play: auto (the speaker), null or file:PATH.wav "
		 "(tones go to PATH.tones.wav)", "SPEC"},
		{"version", 0, 0, G_OPTION_ARG_NONE, &o->version, "Print the version and exit", NULL},
		{NULL},
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("- desktop softphone for SIP over WebSocket");
	g_option_context_add_main_entries(ctx, entries, NULL);
	g_autoptr(GError) err = NULL;
	if (!g_option_context_parse(ctx, &argc, &argv, &err))
		return usage_error(ctx, err->message);
	if (argc > 1)
		return usage_error(ctx, "unexpected argument");

	GLogLevelFlags level = G_LOG_LEVEL_WARNING;
	if (o->log_level && !ars_log_level_parse(o->log_level, &level))
		return usage_error(ctx, "--log-level takes error, warning, info or debug");
	ars_log_init(level);

	if (o->version) {
		printf("arsphone %s\n", ARS_VERSION);
		return EXIT_SUCCESS;
	}
	if (o->audio_in || o->audio_out) { /* checked now, not at the first call */
		struct ars_media_config media = {.audio_in = o->audio_in, .audio_out = o->audio_out};
		g_autofree char *media_err = NULL;
		const struct ars_media_api *api = ars_media_link(&media_err);
		if (!api) {
			fprintf(stderr, "arsphone: %s\n", media_err);
			return EXIT_FAILURE;
		}
		if (api->config_check(&media, &media_err) != 0)
			return usage_error(ctx, media_err);
	}
	return run(o);
}

int main(int argc, char **argv)
{
	setlocale(LC_ALL, "");
	/* Everything we create (database, WAL, token) is private to the user. */
	umask(077);

	struct options o = {0};
	int status = parse_and_run(argc, argv, &o);
	options_clear(&o);
	return status;
}
