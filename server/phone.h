/* phone.h - the SIP side of the daemon: one user agent per account, kept in
 * step with the stored accounts, and their registration state. */
#pragma once
#include "account.h"
#include "events.h"
#include "store.h"
#include "sip/ua.h"

#include <jansson.h>

struct lws_context;
struct ars_phone;

/* calls receives the accounts' call requests (may be NULL: no calls). */
struct ars_phone *ars_phone_new(struct lws_context *lws, const char *data_dir, bool sip_trace,
				struct ars_store *store, struct ars_events *events,
				const struct ars_sip_ua_call_hooks *calls);
/* Starts a user agent for every stored account. */
void ars_phone_start(struct ars_phone *p);
/* Unregisters every account, waiting at most 2 s on the main loop, then frees. */
void ars_phone_shutdown(struct ars_phone *p);

/* The account was created or changed: unregister the old binding, then
 * register with the new settings. */
void ars_phone_account_changed(struct ars_phone *p, const struct ars_account *a);
void ars_phone_account_deleted(struct ars_phone *p, gint64 id);
/* A new reference to the registration object of schema/api.md; an account
 * without a user agent is "disabled" or "unregistered". */
json_t *ars_phone_registration(struct ars_phone *p, const struct ars_account *a);
/* 0, -ENOENT (no such account), -EPERM (disabled). */
int ars_phone_register_now(struct ars_phone *p, gint64 id);
/* The running user agent of an account, or NULL. */
struct ars_sip_ua *ars_phone_ua(struct ars_phone *p, gint64 id);
