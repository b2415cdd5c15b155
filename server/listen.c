/* listen.c - parsing and binding the control page's address. */
#include "listen.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

bool ars_listen_parse(const char *spec, char ip[INET_ADDRSTRLEN], uint16_t *port, GError **err)
{
	const char *colon = strrchr(spec, ':');
	guint64 p;
	if (!colon || !g_ascii_string_to_unsigned(colon + 1, 10, 0, 65535, &p, NULL)) {
		g_set_error(err, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
			    "--listen %s: expected ADDRESS:PORT, e.g. 127.0.0.1:8765", spec);
		return false;
	}
	g_autofree char *host = g_strndup(spec, (gsize)(colon - spec));
	if (g_ascii_strcasecmp(host, "localhost") == 0)
		strcpy(ip, "127.0.0.1");
	else
		g_strlcpy(ip, host, INET_ADDRSTRLEN);

	struct in_addr a;
	if (inet_pton(AF_INET, ip, &a) != 1 || (ntohl(a.s_addr) >> 24) != 127) {
		g_set_error(err, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
			    "--listen %s: the control page is served on the loopback address only "
			    "(127.0.0.1), so that no other machine can reach it",
			    spec);
		return false;
	}
	*port = (uint16_t)p;
	return true;
}

int ars_listen_bind(const char *ip, uint16_t port, uint16_t *bound_port, GError **err)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
	inet_pton(AF_INET, ip, &sa.sin_addr);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int one = 1;
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, 64) != 0) {
		int e = errno;
		g_set_error(err, G_IO_ERROR, g_io_error_from_errno(e), "cannot listen on %s:%u: %s%s", ip,
			    port, g_strerror(e),
			    e == EADDRINUSE ? " (another program, or another arsphone, uses it; pick "
					      "another with --listen 127.0.0.1:PORT)"
					    : "");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	socklen_t len = sizeof sa;
	getsockname(fd, (struct sockaddr *)&sa, &len);
	*bound_port = ntohs(sa.sin_port);
	return fd;
}
