/* sip_fake.h - test doubles for the SIP layers: a manual clock for
 * transactions and a flow that records what is sent. */
#pragma once
#include "sip/msg.h"
#include "sip/txn.h"

#include <string.h>

struct fake_timer {
	guint id;
	gint64 due;
	GSourceFunc fn;
	gpointer data;
};

struct fake_clock {
	gint64 now;
	guint next_id;
	GArray *timers; /* of struct fake_timer */
};

static G_GNUC_UNUSED guint fake_add(guint ms, GSourceFunc fn, gpointer data, void *impl)
{
	struct fake_clock *c = impl;
	struct fake_timer t = {++c->next_id, c->now + ms, fn, data};
	g_array_append_val(c->timers, t);
	return t.id;
}

static G_GNUC_UNUSED void fake_remove(guint id, void *impl)
{
	struct fake_clock *c = impl;
	for (guint i = 0; i < c->timers->len; i++)
		if (g_array_index(c->timers, struct fake_timer, i).id == id) {
			g_array_remove_index(c->timers, i);
			return;
		}
	g_error("removing unknown timer %u", id);
}

/* Moves the clock forward, firing due timers in order. */
static G_GNUC_UNUSED void fake_advance(struct fake_clock *c, gint64 ms)
{
	gint64 until = c->now + ms;
	for (;;) {
		gint best = -1;
		for (guint i = 0; i < c->timers->len; i++) {
			struct fake_timer *t = &g_array_index(c->timers, struct fake_timer, i);
			if (t->due <= until && (best < 0 || t->due < g_array_index(c->timers, struct fake_timer, best).due))
				best = (gint)i;
		}
		if (best < 0)
			break;
		struct fake_timer t = g_array_index(c->timers, struct fake_timer, best);
		g_array_remove_index(c->timers, (guint)best);
		c->now = t.due;
		t.fn(t.data);
	}
	c->now = until;
}

/* What a transaction layer sent, parsed. */
struct sent_log {
	GPtrArray *msgs; /* of struct ars_sip_msg* */
};

static G_GNUC_UNUSED void record_send(const char *wire, size_t len, void *arg)
{
	struct sent_log *log = arg;
	struct ars_sip_msg *m = NULL;
	const char *why;
	if (ars_sip_msg_parse(wire, len, &m, &why) != ARS_SIP_PARSE_OK)
		g_error("we sent an unparsable message (%s):\n%.*s", why, (int)len, wire);
	g_ptr_array_add(log->msgs, m);
}

static G_GNUC_UNUSED struct ars_sip_msg *parse_text(const char *text)
{
	g_autofree char *crlf = NULL;
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	crlf = g_strjoinv("\r\n", lines);
	struct ars_sip_msg *m = NULL;
	const char *why;
	if (ars_sip_msg_parse(crlf, strlen(crlf), &m, &why) != ARS_SIP_PARSE_OK)
		g_error("test message does not parse (%s):\n%s", why, text);
	return m;
}
