/* api.h - the JSON API of schema/api.md, independent of the HTTP library:
 * method + path + body in, status + JSON out. */
#pragma once
#include "calls.h"
#include "events.h"
#include "phone.h"
#include "store.h"

#include <jansson.h>
#include <stddef.h>

struct ars_api_ctx {
	struct ars_store *store;
	struct ars_events *events;
	json_t *settings; /* every known setting's current value; updated on PATCH */
	struct ars_phone *phone; /* NULL: no SIP (unit tests) */
	struct ars_calls *calls; /* NULL: no calls (unit tests) */
	struct ars_warmup *warmup; /* NULL: no media (unit tests) */
};

struct ars_api_reply {
	unsigned status;
	json_t *body;	  /* NULL: no body (204) */
	char *location;	  /* Location header, or NULL */
	const char *allow; /* Allow header for 405, or NULL */
};

/* path has no query string. content_type may be NULL; body may be empty. */
void ars_api_handle(struct ars_api_ctx *ctx, const char *method, const char *path,
		    const char *content_type, const char *body, size_t body_len,
		    struct ars_api_reply *rep);
void ars_api_reply_clear(struct ars_api_reply *rep);
/* Sets rep to the error object of schema/api.md; errs may be NULL. */
void ars_api_error(struct ars_api_reply *rep, unsigned status, const char *code, const char *message,
		   const struct ars_verr *errs);
/* The object of GET /api/v1/status (also the "hello" event's status). */
json_t *ars_api_status(struct ars_api_ctx *ctx);
