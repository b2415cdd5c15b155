/* listen.h - the --listen address: loopback only, bound before anything else
 * so a taken port is reported at once. */
#pragma once
#include <gio/gio.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#define ARS_DEFAULT_LISTEN "127.0.0.1:8765"

/* Parses "IPv4:PORT" or "localhost:PORT"; refuses anything not in 127.0.0.0/8. */
bool ars_listen_parse(const char *spec, char ip[INET_ADDRSTRLEN], uint16_t *port, GError **err);
/* Returns a listening socket (port 0: any free port, reported in *bound_port)
 * or -1 with G_IO_ERROR_ADDRESS_IN_USE when the address is taken. */
int ars_listen_bind(const char *ip, uint16_t port, uint16_t *bound_port, GError **err);
