/* phone.c - user agents by account id. DESIGN: a binding is identified at the
 * registrar by +sip.instance and reg-id (RFC 5626), which stay the same when
 * an account is edited; so the old user agent must finish unregistering
 * before the new one registers, or its Expires: 0 could remove the new
 * binding. Each slot therefore holds the running agent and, while it shuts
 * down, the account to start next. */
#define G_LOG_DOMAIN "phone"

#include "phone.h"

#include "sip/ua.h"

#include <errno.h>

#define SHUTDOWN_LIMIT_MS 2500

struct slot {
	struct ars_phone *phone;
	gint64 id;
	struct ars_sip_ua *ua;
	bool stopping;
	struct ars_account *next; /* start this once ua has stopped */
};

struct ars_phone {
	struct ars_sip_ua_env env;
	char *data_dir;
	struct ars_store *store;
	struct ars_events *events;
	GHashTable *slots; /* gint64* id -> struct slot*, owned */
	guint stopping;	   /* agents still unregistering */
};

static void slot_free(gpointer data)
{
	struct slot *s = data;
	ars_sip_ua_free(s->ua);
	ars_account_free(s->next);
	g_free(s);
}

static void on_ua_changed(struct ars_sip_ua *ua, json_t *reg, void *arg)
{
	struct ars_phone *p = arg;
	gint64 id = ars_sip_ua_account_id(ua);
	json_t *fields = json_pack("{s:I, s:O, s:O, s:O, s:O, s:O}", "account_id", (json_int_t)id,
				   "registration", reg, "state", json_object_get(reg, "state"), "code",
				   json_object_get(reg, "code"), "reason", json_object_get(reg, "reason"),
				   "expires", json_object_get(reg, "expires"));
	ars_events_emit(p->events, "registration", fields);
}

/* Takes a. */
static void start_ua(struct ars_phone *p, struct slot *s, struct ars_account *a)
{
	g_autoptr(GError) err = NULL;
	g_autofree char *instance = ars_store_account_instance(p->store, a->id, &err);
	if (!instance) {
		g_warning("account %" G_GINT64_FORMAT ": %s", a->id, err->message);
		ars_account_free(a);
		return;
	}
	bool enabled = a->enabled;
	s->ua = ars_sip_ua_new(&p->env, a, instance, on_ua_changed, p);
	if (!enabled)
		on_ua_changed(s->ua, ars_sip_ua_registration(s->ua), p);
}

static void on_ua_stopped(struct ars_sip_ua *ua, void *arg)
{
	struct slot *s = arg;
	struct ars_phone *p = s->phone;
	g_clear_pointer(&s->ua, ars_sip_ua_free);
	s->stopping = false;
	p->stopping--;
	if (s->next) {
		start_ua(p, s, g_steal_pointer(&s->next));
	} else {
		g_hash_table_remove(p->slots, &s->id);
	}
}

static void stop_slot(struct ars_phone *p, struct slot *s)
{
	if (!s->ua || s->stopping)
		return;
	s->stopping = true;
	p->stopping++;
	ars_sip_ua_shutdown(s->ua, on_ua_stopped, s);
}

static struct slot *slot_for(struct ars_phone *p, gint64 id)
{
	struct slot *s = g_hash_table_lookup(p->slots, &id);
	if (!s) {
		s = g_new0(struct slot, 1);
		s->phone = p;
		s->id = id;
		g_hash_table_insert(p->slots, &s->id, s);
	}
	return s;
}

struct ars_phone *ars_phone_new(struct lws_context *lws, const char *data_dir, bool sip_trace,
				struct ars_store *store, struct ars_events *events,
				const struct ars_sip_ua_call_hooks *calls)
{
	struct ars_phone *p = g_new0(struct ars_phone, 1);
	p->data_dir = g_strdup(data_dir);
	p->env = (struct ars_sip_ua_env){lws, p->data_dir, sip_trace, calls ? *calls : (struct ars_sip_ua_call_hooks){0}};
	p->store = store;
	p->events = events;
	p->slots = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, slot_free);
	return p;
}

void ars_phone_start(struct ars_phone *p)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(GPtrArray) accounts = ars_store_accounts_list(p->store, &err);
	for (guint i = 0; accounts && i < accounts->len; i++) {
		struct ars_account *a = g_steal_pointer(&accounts->pdata[i]);
		start_ua(p, slot_for(p, a->id), a);
	}
	if (err)
		g_warning("%s", err->message);
}

static gboolean deadline_passed(gpointer data)
{
	*(bool *)data = true;
	return G_SOURCE_REMOVE;
}

void ars_phone_shutdown(struct ars_phone *p)
{
	if (!p)
		return;
	GHashTableIter it;
	gpointer value;
	g_hash_table_iter_init(&it, p->slots);
	while (g_hash_table_iter_next(&it, NULL, &value)) {
		struct slot *s = value;
		g_clear_pointer(&s->next, ars_account_free);
	}
	/* stop_slot may remove slots (an agent that was never registered stops
	 * at once): iterate over a copy. */
	GList *all = g_hash_table_get_values(p->slots);
	for (GList *l = all; l; l = l->next)
		stop_slot(p, l->data);
	g_list_free(all);

	bool late = false;
	guint deadline = g_timeout_add(SHUTDOWN_LIMIT_MS, deadline_passed, &late);
	while (p->stopping > 0 && !late)
		g_main_context_iteration(NULL, TRUE);
	if (!late)
		g_source_remove(deadline);
	g_hash_table_unref(p->slots);
	g_free(p->data_dir);
	g_free(p);
}

void ars_phone_account_changed(struct ars_phone *p, const struct ars_account *changed)
{
	/* The agent keeps its own copy, as stored. */
	struct ars_account *a = ars_store_account_get(p->store, changed->id, NULL);
	if (!a)
		return;
	struct slot *s = slot_for(p, a->id);
	if (s->ua) {
		ars_account_free(s->next);
		s->next = a;
		stop_slot(p, s);
		return;
	}
	start_ua(p, s, a);
}

void ars_phone_account_deleted(struct ars_phone *p, gint64 id)
{
	struct slot *s = g_hash_table_lookup(p->slots, &id);
	if (!s)
		return;
	g_clear_pointer(&s->next, ars_account_free);
	if (s->ua)
		stop_slot(p, s);
	else
		g_hash_table_remove(p->slots, &id);
}

json_t *ars_phone_registration(struct ars_phone *p, const struct ars_account *a)
{
	struct slot *s = p ? g_hash_table_lookup(p->slots, &a->id) : NULL;
	if (s && s->ua && !s->stopping)
		return json_incref(ars_sip_ua_registration(s->ua));
	if (s && s->next)
		return json_pack("{s:s, s:n, s:s, s:n, s:n, s:n, s:n}", "state", "registering", "code",
				 "reason", "applying the new settings", "error", "expires", "retry_at",
				 "target");
	return json_pack("{s:s, s:n, s:n, s:n, s:n, s:n, s:n}", "state",
			 a->enabled ? "unregistered" : "disabled", "code", "reason", "error", "expires",
			 "retry_at", "target");
}

struct ars_sip_ua *ars_phone_ua(struct ars_phone *p, gint64 id)
{
	struct slot *s = p ? g_hash_table_lookup(p->slots, &id) : NULL;
	return s && s->ua && !s->stopping ? s->ua : NULL;
}

int ars_phone_register_now(struct ars_phone *p, gint64 id)
{
	g_autoptr(ArsAccount) a = ars_store_account_get(p->store, id, NULL);
	if (!a)
		return -ENOENT;
	if (!a->enabled)
		return -EPERM;
	struct slot *s = g_hash_table_lookup(p->slots, &id);
	if (s && s->ua && !s->stopping)
		ars_sip_ua_register_now(s->ua);
	else if (!s || !s->next)
		start_ua(p, slot_for(p, id), g_steal_pointer(&a));
	return 0;
}
