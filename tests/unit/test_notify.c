/* test_notify.c - incoming-call notifications reach a notification service
 * (a fake one on a private session bus) and are withdrawn; without a bus
 * nothing fails. */
#include "notify.h"

#include <gio/gio.h>
#include <sys/socket.h>
#include <stdbool.h>
#include <string.h>

static const char introspection[] =
	"<node><interface name='org.freedesktop.Notifications'>"
	"<method name='Notify'><arg type='s' direction='in'/><arg type='u' direction='in'/>"
	"<arg type='s' direction='in'/><arg type='s' direction='in'/><arg type='s' direction='in'/>"
	"<arg type='as' direction='in'/><arg type='a{sv}' direction='in'/><arg type='i' direction='in'/>"
	"<arg type='u' direction='out'/></method>"
	"<method name='CloseNotification'><arg type='u' direction='in'/></method>"
	"</interface></node>";

struct service {
	char *body;
	guint notified, closed;
	guint32 closed_id;
};

static void on_call(GDBusConnection *c, const char *sender, const char *path, const char *iface,
		    const char *method, GVariant *params, GDBusMethodInvocation *inv, gpointer data)
{
	struct service *s = data;
	if (strcmp(method, "Notify") == 0) {
		const char *body;
		g_variant_get_child(params, 4, "&s", &body);
		g_free(s->body);
		s->body = g_strdup(body);
		s->notified++;
		g_dbus_method_invocation_return_value(inv, g_variant_new("(u)", 41u));
	} else {
		g_variant_get(params, "(u)", &s->closed_id);
		s->closed++;
		g_dbus_method_invocation_return_value(inv, NULL);
	}
}

static const GDBusInterfaceVTable vtable = {on_call, NULL, NULL, {0}};

/* A private peer-to-peer D-Bus connection pair over a socketpair: no bus
 * daemon, no session. */
static void connected(GObject *src, GAsyncResult *res, gpointer data)
{
	*(GDBusConnection **)data = g_dbus_connection_new_finish(res, NULL);
}

static void connection_pair(GDBusConnection **client, GDBusConnection **server)
{
	int fds[2];
	g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), ==, 0);
	g_autoptr(GSocket) a = g_socket_new_from_fd(fds[0], NULL);
	g_autoptr(GSocket) b = g_socket_new_from_fd(fds[1], NULL);
	g_autoptr(GSocketConnection) ca = g_socket_connection_factory_create_connection(a);
	g_autoptr(GSocketConnection) cb = g_socket_connection_factory_create_connection(b);
	g_autofree char *guid = g_dbus_generate_guid();
	*client = *server = NULL;
	g_dbus_connection_new(G_IO_STREAM(cb), guid,
			      G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_SERVER |
				      G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_ALLOW_ANONYMOUS,
			      NULL, NULL, connected, server);
	g_dbus_connection_new(G_IO_STREAM(ca), NULL, G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT, NULL,
			      NULL, connected, client);
	while (!*client || !*server)
		g_main_context_iteration(NULL, TRUE);
}

static void test_notify(void)
{
	GDBusConnection *client, *server;
	connection_pair(&client, &server);
	struct service s = {0};
	g_autoptr(GDBusNodeInfo) info = g_dbus_node_info_new_for_xml(introspection, NULL);
	guint reg = g_dbus_connection_register_object(server, "/org/freedesktop/Notifications",
						      info->interfaces[0], &vtable, &s, NULL, NULL);

	struct ars_notify *n = ars_notify_new_on(client, "http://127.0.0.1:8765/", "0123");
	ars_notify_incoming(n, 7, "Boss");
	while (!s.notified)
		g_main_context_iteration(NULL, TRUE);
	g_assert_cmpstr(s.body, ==, "Incoming call from Boss");
	/* Withdrawing works once the reply (notification id 41) is in; until
	 * then it has nothing to withdraw. */
	for (int tries = 0; !s.closed && tries < 200; tries++) {
		while (g_main_context_iteration(NULL, FALSE))
			;
		ars_notify_withdraw(n, 7);
		g_usleep(10000);
		while (g_main_context_iteration(NULL, FALSE))
			;
	}
	g_assert_cmpuint(s.closed, ==, 1);
	g_assert_cmpuint(s.closed_id, ==, 41);
	ars_notify_free(n);

	g_dbus_connection_unregister_object(server, reg);
	g_free(s.body);
	g_object_unref(client);
	g_object_unref(server);
}

static void test_no_bus(void)
{
	g_unsetenv("DBUS_SESSION_BUS_ADDRESS");
	g_unsetenv("XDG_RUNTIME_DIR");
	struct ars_notify *n = ars_notify_new("http://127.0.0.1:8765/", "0123");
	ars_notify_incoming(n, 1, "Boss"); /* logged only */
	ars_notify_withdraw(n, 1);
	ars_notify_free(n);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/notify/incoming-and-withdraw", test_notify);
	g_test_add_func("/notify/no-bus", test_no_bus);
	return g_test_run();
}
