/* notify.c - org.freedesktop.Notifications over GDBus, asynchronous so that a
 * slow or missing notification service never blocks the main loop. */
#define G_LOG_DOMAIN "notify"

#include "notify.h"

#include <gio/gio.h>

#define BUS_NAME "org.freedesktop.Notifications"
#define OBJECT_PATH "/org/freedesktop/Notifications"

struct ars_notify {
	char *base_url, *token;
	GDBusConnection *bus; /* NULL: no session bus */
	guint action_sub;
	GCancellable *cancel;
	GHashTable *by_call; /* gint64* call id -> notification id */
};

struct pending {
	struct ars_notify *n;
	gint64 call_id;
};

static gint64 call_of(struct ars_notify *n, guint32 id)
{
	GHashTableIter it;
	gpointer key, value;
	g_hash_table_iter_init(&it, n->by_call);
	while (g_hash_table_iter_next(&it, &key, &value))
		if (GPOINTER_TO_UINT(value) == id)
			return *(gint64 *)key;
	return 0;
}

static void on_action(GDBusConnection *bus, const char *sender, const char *path, const char *iface,
		      const char *signal, GVariant *params, gpointer data)
{
	struct ars_notify *n = data;
	guint32 id;
	const char *action;
	g_variant_get(params, "(u&s)", &id, &action);
	gint64 call = call_of(n, id);
	if (!call)
		return;
	/* The popup takes the token from the fragment, as the page does. */
	g_autofree char *url = g_strdup_printf("%spopup.html#token=%s&call=%" G_GINT64_FORMAT, n->base_url,
					       n->token, call);
	g_autoptr(GError) err = NULL;
	if (!g_app_info_launch_default_for_uri(url, NULL, &err))
		g_warning("cannot open the incoming-call popup: %s", err->message);
}

struct ars_notify *ars_notify_new_on(GDBusConnection *bus, const char *base_url, const char *token)
{
	struct ars_notify *n = g_new0(struct ars_notify, 1);
	n->base_url = g_strdup(base_url);
	n->token = g_strdup(token);
	n->cancel = g_cancellable_new();
	n->by_call = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
	if (bus) {
		n->bus = g_object_ref(bus);
		n->action_sub = g_dbus_connection_signal_subscribe(n->bus, NULL, BUS_NAME, "ActionInvoked",
								   OBJECT_PATH, NULL, G_DBUS_SIGNAL_FLAGS_NONE,
								   on_action, n, NULL);
	}
	return n;
}

struct ars_notify *ars_notify_new(const char *base_url, const char *token)
{
	g_autoptr(GDBusConnection) bus = NULL;
	/* No desktop session: do not even try to reach a bus. */
	if (g_getenv("DBUS_SESSION_BUS_ADDRESS") || g_getenv("XDG_RUNTIME_DIR")) {
		g_autoptr(GError) err = NULL;
		bus = g_bus_get_sync(G_BUS_TYPE_SESSION, NULL, &err);
		if (!bus)
			g_info("no session bus (%s): incoming calls show only in the page", err->message);
	}
	return ars_notify_new_on(bus, base_url, token);
}

void ars_notify_free(struct ars_notify *n)
{
	if (!n)
		return;
	g_cancellable_cancel(n->cancel);
	g_object_unref(n->cancel);
	if (n->bus) {
		g_dbus_connection_signal_unsubscribe(n->bus, n->action_sub);
		g_object_unref(n->bus);
	}
	g_hash_table_unref(n->by_call);
	g_free(n->base_url);
	g_free(n->token);
	g_free(n);
}

static void notified(GObject *src, GAsyncResult *res, gpointer data)
{
	struct pending *p = data;
	g_autoptr(GError) err = NULL;
	g_autoptr(GVariant) reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(src), res, &err);
	if (g_error_matches(err, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
		g_free(p); /* the notifier is gone */
		return;
	}
	if (!reply) {
		g_info("no desktop notification: %s", err->message);
	} else {
		guint32 id;
		g_variant_get(reply, "(u)", &id);
		gint64 *key = g_new(gint64, 1);
		*key = p->call_id;
		g_hash_table_replace(p->n->by_call, key, GUINT_TO_POINTER(id));
	}
	g_free(p);
}

void ars_notify_incoming(struct ars_notify *n, gint64 call_id, const char *who)
{
	if (!n->bus)
		return;
	struct pending *p = g_new0(struct pending, 1);
	p->n = n;
	p->call_id = call_id;
	g_autofree char *body = g_strdup_printf("Incoming call from %s", who);
	const char *actions[] = {"default", "Answer or decline", NULL};
	GVariantBuilder hints;
	g_variant_builder_init(&hints, G_VARIANT_TYPE("a{sv}"));
	g_variant_builder_add(&hints, "{sv}", "urgency", g_variant_new_byte(2));
	g_variant_builder_add(&hints, "{sv}", "category", g_variant_new_string("call.incoming"));
	g_dbus_connection_call(n->bus, BUS_NAME, OBJECT_PATH, BUS_NAME, "Notify",
			       g_variant_new("(susss^asa{sv}i)", "arsphone", 0u, "call-start", "arsphone",
					     body, actions, &hints, 30000),
			       G_VARIANT_TYPE("(u)"), G_DBUS_CALL_FLAGS_NONE, 2000, n->cancel, notified, p);
}

void ars_notify_withdraw(struct ars_notify *n, gint64 call_id)
{
	gpointer id;
	if (!n->bus || !g_hash_table_lookup_extended(n->by_call, &call_id, NULL, &id))
		return;
	g_dbus_connection_call(n->bus, BUS_NAME, OBJECT_PATH, BUS_NAME, "CloseNotification",
			       g_variant_new("(u)", GPOINTER_TO_UINT(id)), NULL, G_DBUS_CALL_FLAGS_NONE, 2000,
			       NULL, NULL, NULL);
	g_hash_table_remove(n->by_call, &call_id);
}
