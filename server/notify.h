/* notify.h - desktop notifications over D-Bus (org.freedesktop.Notifications)
 * for an incoming call when no control page is open. */
#pragma once
#include <gio/gio.h>

struct ars_notify;

/* base_url is the control page ("http://127.0.0.1:PORT/"); clicking a
 * notification opens BASE/popup.html#token=TOKEN&call=ID. */
struct ars_notify *ars_notify_new(const char *base_url, const char *token);
/* The same on a given connection (tests use a private one); NULL: none. */
struct ars_notify *ars_notify_new_on(GDBusConnection *bus, const char *base_url, const char *token);
void ars_notify_free(struct ars_notify *n);
/* Shows "Incoming call from WHO"; without a notification service this is
 * logged, never fatal. */
void ars_notify_incoming(struct ars_notify *n, gint64 call_id, const char *who);
/* Withdraws the notification of a call that was answered or ended. */
void ars_notify_withdraw(struct ars_notify *n, gint64 call_id);
