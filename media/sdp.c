/* SDP as text: line-level parsing and the fix-ups SIP peers need from
 * webrtcbin's descriptions (see sdp.h and shared/PLATFORM-NOTES.md).
 *
 * A description is kept as its lines (without line ends). Sections are
 * found by scanning for m= lines each time: descriptions are small and this
 * keeps every edit trivially consistent. */
#include "sdp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

struct ars_sdp {
	GPtrArray *lines; /* char *, owned */
};

void ars_sdp_free(struct ars_sdp *sdp)
{
	if (!sdp)
		return;
	g_ptr_array_unref(sdp->lines);
	g_free(sdp);
}

#define LINE(sdp, i) ((char *)g_ptr_array_index((sdp)->lines, (i)))

int ars_sdp_parse(struct ars_sdp **out, const char *text, size_t len, char **err)
{
	if (!text || len == 0) {
		*err = g_strdup("empty SDP");
		return -EINVAL;
	}
	if (len > ARS_SDP_MAX_LEN) {
		*err = g_strdup_printf("SDP of %zu bytes is over the limit of %d", len, ARS_SDP_MAX_LEN);
		return -E2BIG;
	}
	struct ars_sdp *sdp = g_new0(struct ars_sdp, 1);
	sdp->lines = g_ptr_array_new_with_free_func(g_free);
	size_t pos = 0;
	while (pos < len) {
		size_t end = pos;
		while (end < len && text[end] != '\n' && text[end] != '\r')
			end++;
		size_t next = end;
		if (next < len && text[next] == '\r')
			next++;
		if (next < len && text[next] == '\n')
			next++;
		if (end > pos) { /* blank lines (a trailing one, mostly) are skipped */
			const char *l = text + pos;
			size_t n = end - pos;
			if (memchr(l, '\0', n)) {
				*err = g_strdup_printf("NUL byte on line %u", sdp->lines->len + 1);
				goto bad;
			}
			if (n < 2 || l[1] != '=' || l[0] < 'a' || l[0] > 'z') {
				*err = g_strdup_printf("line %u is not 'x=value'", sdp->lines->len + 1);
				goto bad;
			}
			if (sdp->lines->len >= ARS_SDP_MAX_LINES) {
				*err = g_strdup_printf("more than %d lines", ARS_SDP_MAX_LINES);
				ars_sdp_free(sdp);
				return -E2BIG;
			}
			g_ptr_array_add(sdp->lines, g_strndup(l, n));
		}
		pos = next;
	}
	if (sdp->lines->len == 0 || strcmp(LINE(sdp, 0), "v=0") != 0) {
		*err = g_strdup("SDP does not start with v=0");
		goto bad;
	}
	*out = sdp;
	return 0;
bad:
	ars_sdp_free(sdp);
	return -EINVAL;
}

char *ars_sdp_print(const struct ars_sdp *sdp)
{
	GString *s = g_string_new(NULL);
	for (guint i = 0; i < sdp->lines->len; i++) {
		g_string_append(s, LINE(sdp, i));
		g_string_append(s, "\r\n");
	}
	return g_string_free(s, FALSE);
}

/* ---- sections ---------------------------------------------------------- */

int ars_sdp_media_count(const struct ars_sdp *sdp)
{
	int n = 0;
	for (guint i = 0; i < sdp->lines->len; i++)
		n += LINE(sdp, i)[0] == 'm';
	return n;
}

/* Lines [*start, *end) of `section` (-1 = session level). FALSE when out of
 * range. */
static gboolean section_range(const struct ars_sdp *sdp, int section, guint *start, guint *end)
{
	int cur = -1;
	guint s = 0;
	*start = *end = 0;
	for (guint i = 0; i <= sdp->lines->len; i++) {
		if (i == sdp->lines->len || LINE(sdp, i)[0] == 'm') {
			if (cur == section) {
				*start = s;
				*end = i;
				return TRUE;
			}
			cur++;
			s = i;
		}
	}
	return FALSE;
}

/* The value of attribute NAME on `line`: after "a=NAME:" or "" for
 * "a=NAME"; NULL when the line is another attribute. */
static const char *attr_value(const char *line, const char *name)
{
	if (line[0] != 'a')
		return NULL;
	size_t n = strlen(name);
	if (g_ascii_strncasecmp(line + 2, name, n) != 0)
		return NULL;
	const char *v = line + 2 + n;
	if (*v == ':')
		return v + 1;
	return *v == '\0' ? v : NULL;
}

const char *ars_sdp_attr(const struct ars_sdp *sdp, int section, const char *name)
{
	guint start, end;
	if (!section_range(sdp, section, &start, &end))
		return NULL;
	for (guint i = start; i < end; i++) {
		const char *v = attr_value(LINE(sdp, i), name);
		if (v)
			return v;
	}
	return NULL;
}

/* Splits an m= line: "m=audio 9 UDP/TLS/RTP/SAVPF 111 0 8" -> tokens. */
static char **media_tokens(const char *mline)
{
	char **t = g_strsplit_set(mline + 2, " ", -1);
	/* drop empty tokens from repeated spaces */
	guint w = 0;
	for (guint r = 0; t[r]; r++) {
		if (t[r][0])
			t[w++] = t[r];
		else
			g_free(t[r]);
	}
	t[w] = NULL;
	return t;
}

/* Parses a decimal 0..max at the start of `s` (up to a space or '/'). */
static gboolean leading_uint(const char *s, guint64 max, guint64 *out)
{
	char buf[24];
	size_t n = strcspn(s, " /");
	if (n == 0 || n >= sizeof buf)
		return FALSE;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return g_ascii_string_to_unsigned(buf, 10, 0, max, out, NULL);
}

bool ars_sdp_media(const struct ars_sdp *sdp, int section, char type[16], unsigned *port)
{
	guint start, end;
	if (section < 0 || !section_range(sdp, section, &start, &end))
		return false;
	const char *m = LINE(sdp, start) + 2;
	size_t n = strcspn(m, " ");
	g_strlcpy(type, m, MIN(n + 1, 16));
	guint64 v = 0;
	*port = m[n] == ' ' && leading_uint(m + n + 1, 65535, &v) ? (unsigned)v : 0;
	return true;
}

static const char *const dir_names[] = { "sendrecv", "sendonly", "recvonly", "inactive" };

enum ars_sdp_dir ars_sdp_direction(const struct ars_sdp *sdp, int section)
{
	const int levels[] = { section, -1 };
	for (int l = 0; l < 2; l++)
		for (int d = 0; d < 4; d++)
			if (ars_sdp_attr(sdp, levels[l], dir_names[d]))
				return (enum ars_sdp_dir)d;
	return ARS_SDP_DIR_SENDRECV;
}

/* As (sends, receives) bits: sendrecv 11, sendonly 10, recvonly 01,
 * inactive 00. */
static const unsigned dir_bits[] = { 3, 2, 1, 0 };

enum ars_sdp_dir ars_sdp_dir_both(enum ars_sdp_dir a, enum ars_sdp_dir b)
{
	unsigned both = dir_bits[a] & dir_bits[b];
	for (int d = 0; d < 4; d++)
		if (dir_bits[d] == both)
			return (enum ars_sdp_dir)d;
	return ARS_SDP_DIR_INACTIVE;
}

enum ars_sdp_dir ars_sdp_dir_answer(enum ars_sdp_dir offered)
{
	switch (offered) {
	case ARS_SDP_DIR_SENDONLY:
		return ARS_SDP_DIR_RECVONLY;
	case ARS_SDP_DIR_RECVONLY:
		return ARS_SDP_DIR_SENDONLY;
	default:
		return offered;
	}
}

/* ---- rtpmap ------------------------------------------------------------ */

struct rtpmap {
	char name[32];
	unsigned rate, channels;
};

/* Parses "PT NAME/RATE[/CH]" into pt and map. */
static gboolean parse_rtpmap(const char *v, int *pt, struct rtpmap *map)
{
	char name[32];
	unsigned p, rate, ch = 1;
	int used = 0;
	if (sscanf(v, "%u %31[^/ ]/%u%n", &p, name, &rate, &used) < 3 || p > 127)
		return FALSE;
	if (v[used] == '/' && sscanf(v + used, "/%u", &ch) != 1)
		return FALSE;
	*pt = (int)p;
	g_strlcpy(map->name, name, sizeof map->name);
	map->rate = rate;
	map->channels = ch ? ch : 1;
	return TRUE;
}

/* What payload `pt` of `section` maps to (rtpmap, else the static table). */
static gboolean lookup_payload(const struct ars_sdp *sdp, guint start, guint end, int pt, struct rtpmap *map)
{
	for (guint i = start; i < end; i++) {
		const char *v = attr_value(LINE(sdp, i), "rtpmap");
		int p;
		if (v && parse_rtpmap(v, &p, map) && p == pt)
			return TRUE;
	}
	static const struct {
		int pt;
		const char *name;
	} statics[] = {
		{ 0, "PCMU" }, { 8, "PCMA" }, { 9, "G722" }, { 13, "CN" }, { 18, "G729" },
	};
	for (size_t k = 0; k < G_N_ELEMENTS(statics); k++) {
		if (statics[k].pt == pt) {
			g_strlcpy(map->name, statics[k].name, sizeof map->name);
			map->rate = 8000;
			map->channels = 1;
			return TRUE;
		}
	}
	return FALSE;
}

/* Calls fn for each payload in the m= format list of `section`, in order,
 * until it returns TRUE; returns that payload or -1. */
typedef gboolean(payload_fn)(int pt, const struct rtpmap *map, void *arg);
static int each_payload(const struct ars_sdp *sdp, int section, payload_fn *fn, void *arg)
{
	guint start, end;
	if (section < 0 || !section_range(sdp, section, &start, &end))
		return -1;
	g_auto(GStrv) t = media_tokens(LINE(sdp, start));
	if (g_strv_length(t) < 4)
		return -1;
	for (guint k = 3; t[k]; k++) {
		guint64 pt;
		struct rtpmap map = { { 0 }, 0, 0 };
		if (!g_ascii_string_to_unsigned(t[k], 10, 0, 127, &pt, NULL))
			continue;
		if (!lookup_payload(sdp, start, end, (int)pt, &map))
			continue;
		if (fn((int)pt, &map, arg))
			return (int)pt;
	}
	return -1;
}

struct want {
	const char *name;
	unsigned rate;
};
static gboolean match_name_rate(int pt, const struct rtpmap *map, void *arg)
{
	const struct want *w = arg;
	return g_ascii_strcasecmp(map->name, w->name) == 0 && (w->rate == 0 || map->rate == w->rate);
}

int ars_sdp_find_payload(const struct ars_sdp *sdp, int section, const char *name, unsigned rate)
{
	struct want w = { name, rate };
	return each_payload(sdp, section, match_name_rate, &w);
}

/* ---- candidates and c= --------------------------------------------------- */

struct cand {
	char addr[64];
	unsigned port;
	unsigned component;
	gboolean udp_host_v4;
};

/* Parses "a=candidate:FOUNDATION COMPONENT TRANSPORT PRIO ADDR PORT typ TYPE ...". */
static gboolean parse_candidate(const char *line, struct cand *c)
{
	const char *v = attr_value(line, "candidate");
	if (!v)
		return FALSE;
	g_auto(GStrv) t = g_strsplit(v, " ", 10);
	if (g_strv_length(t) < 8 || strlen(t[4]) >= sizeof c->addr)
		return FALSE;
	guint64 comp, port;
	if (!g_ascii_string_to_unsigned(t[1], 10, 1, 256, &comp, NULL) ||
	    !g_ascii_string_to_unsigned(t[5], 10, 0, 65535, &port, NULL))
		return FALSE;
	g_strlcpy(c->addr, t[4], sizeof c->addr);
	c->port = (unsigned)port;
	c->component = (unsigned)comp;
	struct in_addr a4;
	c->udp_host_v4 = g_ascii_strcasecmp(t[2], "udp") == 0 && strcmp(t[6], "typ") == 0 &&
	                 strcmp(t[7], "host") == 0 && inet_pton(AF_INET, c->addr, &a4) == 1 && port != 0;
	return TRUE;
}

/* The first IPv4 UDP host candidate of component 1 in lines [start, end). */
static gboolean first_host_candidate(const struct ars_sdp *sdp, guint start, guint end, struct cand *out)
{
	for (guint i = start; i < end; i++) {
		struct cand c;
		if (parse_candidate(LINE(sdp, i), &c) && c.udp_host_v4 && c.component == 1) {
			*out = c;
			return TRUE;
		}
	}
	return FALSE;
}

char **ars_sdp_candidate_addresses(const struct ars_sdp *sdp)
{
	GPtrArray *a = g_ptr_array_new();
	for (guint i = 0; i < sdp->lines->len; i++) {
		struct cand c;
		if (parse_candidate(LINE(sdp, i), &c))
			g_ptr_array_add(a, g_strdup(c.addr));
	}
	g_ptr_array_add(a, NULL);
	return (char **)g_ptr_array_free(a, FALSE);
}

static void set_line(struct ars_sdp *sdp, guint i, char *text)
{
	g_free(g_ptr_array_index(sdp->lines, i));
	g_ptr_array_index(sdp->lines, i) = text;
}

/* Index of the first line of type `t` in [start, end), or -1. */
static int find_type(const struct ars_sdp *sdp, guint start, guint end, char t)
{
	for (guint i = start; i < end; i++)
		if (LINE(sdp, i)[0] == t)
			return (int)i;
	return -1;
}

/* Replaces the port of an m= line when it is the placeholder 9. */
static void set_placeholder_port(struct ars_sdp *sdp, guint mline, unsigned port)
{
	g_auto(GStrv) t = media_tokens(LINE(sdp, mline));
	if (g_strv_length(t) < 3 || strcmp(t[1], "9") != 0)
		return;
	g_free(t[1]);
	t[1] = g_strdup_printf("%u", port);
	g_autofree char *rest = g_strjoinv(" ", t);
	set_line(sdp, mline, g_strconcat("m=", rest, NULL));
}

int ars_sdp_fix_connection(struct ars_sdp *sdp)
{
	struct cand first;
	if (!first_host_candidate(sdp, 0, sdp->lines->len, &first))
		return -ENOENT;
	guint start, end;
	section_range(sdp, -1, &start, &end);
	int c = find_type(sdp, start, end, 'c');
	gboolean session_c = c >= 0;
	if (session_c)
		set_line(sdp, (guint)c, g_strdup_printf("c=IN IP4 %s", first.addr));
	int n = ars_sdp_media_count(sdp);
	for (int m = 0; m < n; m++) {
		section_range(sdp, m, &start, &end);
		struct cand own;
		gboolean has_own = first_host_candidate(sdp, start, end, &own);
		const struct cand *use = has_own ? &own : &first;
		char type[16];
		unsigned port;
		ars_sdp_media(sdp, m, type, &port);
		if (port == 0)
			continue; /* rejected or bundle-only: leave alone */
		if (has_own)
			set_placeholder_port(sdp, start, own.port);
		c = find_type(sdp, start, end, 'c');
		if (c >= 0) {
			set_line(sdp, (guint)c, g_strdup_printf("c=IN IP4 %s", use->addr));
		} else if (!session_c) {
			guint at = start + 1; /* after m= and an optional i= */
			if (at < end && LINE(sdp, at)[0] == 'i')
				at++;
			g_ptr_array_insert(sdp->lines, (gint)at, g_strdup_printf("c=IN IP4 %s", use->addr));
			end++;
		}
		for (guint i = start; i < end; i++) {
			const char *v = attr_value(LINE(sdp, i), "rtcp");
			if (v && g_str_has_prefix(v, "9 IN IP4 0.0.0.0") && has_own)
				set_line(sdp, i, g_strdup_printf("a=rtcp:%u IN IP4 %s", own.port, own.addr));
		}
	}
	return 0;
}

int ars_sdp_copy_candidates(struct ars_sdp *to, const struct ars_sdp *from)
{
	int changed = 0;
	int n = MIN(ars_sdp_media_count(to), ars_sdp_media_count(from));
	for (int m = 0; m < n; m++) {
		if (ars_sdp_attr(to, m, "candidate"))
			continue;
		const char *u1 = ars_sdp_attr(to, m, "ice-ufrag");
		const char *u2 = ars_sdp_attr(from, m, "ice-ufrag");
		if (!u1 || !u2 || strcmp(u1, u2) != 0)
			continue;
		guint fs, fe, ts, te;
		section_range(from, m, &fs, &fe);
		section_range(to, m, &ts, &te);
		guint at = te;
		for (guint i = fs; i < fe; i++) {
			const char *l = LINE(from, i);
			if (attr_value(l, "candidate") || attr_value(l, "end-of-candidates"))
				g_ptr_array_insert(to->lines, (gint)at++, g_strdup(l));
		}
		changed += at > te;
	}
	return changed;
}

int ars_sdp_fix_remote_direction(struct ars_sdp *sdp)
{
	int changed = 0;
	int n = ars_sdp_media_count(sdp);
	for (int m = 0; m < n; m++) {
		bool has = false;
		for (int d = 0; d < 4 && !has; d++)
			has = ars_sdp_attr(sdp, m, dir_names[d]) != NULL;
		if (has)
			continue;
		enum ars_sdp_dir dir = ars_sdp_direction(sdp, m); /* session level or sendrecv */
		guint start, end;
		section_range(sdp, m, &start, &end);
		g_ptr_array_insert(sdp->lines, (gint)end, g_strdup_printf("a=%s", dir_names[dir]));
		changed++;
	}
	return changed;
}

void ars_sdp_set_direction(struct ars_sdp *sdp, int section, enum ars_sdp_dir dir)
{
	guint start, end;
	if (!section_range(sdp, section, &start, &end))
		return;
	int others = 0;
	for (int d = 0; d < 4; d++)
		others += d != (int)dir && ars_sdp_attr(sdp, section, dir_names[d]) != NULL;
	if (!others && ars_sdp_attr(sdp, section, dir_names[dir]))
		return; /* already so: the text stays as it was */
	for (guint i = end; i > start; i--) {
		const char *l = LINE(sdp, i - 1);
		for (int d = 0; d < 4; d++) {
			if (g_str_has_prefix(l, "a=") && strcmp(l + 2, dir_names[d]) == 0) {
				g_ptr_array_remove_index(sdp->lines, i - 1);
				end--;
				break;
			}
		}
	}
	g_ptr_array_insert(sdp->lines, (gint)end, g_strdup_printf("a=%s", dir_names[dir]));
}

/* ---- o= -------------------------------------------------------------------- */

void ars_sdp_origin_init(struct ars_sdp_origin *o)
{
	/* 62 bits keeps it positive in any signed 64-bit reader (RFC 4566 asks
	 * for an NTP-format-sized number; peers parse it as an integer). */
	o->sess_id = (((uint64_t)g_random_int() << 32) | g_random_int()) >> 2;
	if (o->sess_id == 0)
		o->sess_id = 1;
	o->version = 0;
}

/* Equal line by line, o= lines aside. */
static gboolean same_but_origin(const struct ars_sdp *a, const struct ars_sdp *b)
{
	if (a->lines->len != b->lines->len)
		return FALSE;
	for (guint i = 0; i < a->lines->len; i++) {
		const char *x = LINE(a, i), *y = LINE(b, i);
		if (strcmp(x, y) != 0 && !(x[0] == 'o' && y[0] == 'o'))
			return FALSE;
	}
	return TRUE;
}

void ars_sdp_set_origin(struct ars_sdp *sdp, struct ars_sdp_origin *o, const struct ars_sdp *prev)
{
	char addr[64] = "127.0.0.1";
	for (guint i = 0; i < sdp->lines->len; i++) {
		const char *l = LINE(sdp, i);
		if (g_str_has_prefix(l, "c=IN IP4 ")) {
			g_strlcpy(addr, l + 9, sizeof addr);
			addr[strcspn(addr, " /")] = '\0';
			break;
		}
	}
	/* RFC 3264 §8: an unchanged description keeps its version */
	if (!prev || !o->version || !same_but_origin(sdp, prev))
		o->version++;
	char *line = g_strdup_printf("o=- %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " IN IP4 %s",
	                             (guint64)o->sess_id, (guint64)o->version, addr);
	int at = find_type(sdp, 0, sdp->lines->len, 'o');
	guint start, end;
	section_range(sdp, -1, &start, &end);
	if (at >= 0 && (guint)at < end)
		set_line(sdp, (guint)at, line);
	else
		g_ptr_array_insert(sdp->lines, 1, line); /* right after v= */
}

/* ---- telephone-event ------------------------------------------------------- */

static gboolean has_fmtp(const struct ars_sdp *sdp, guint start, guint end, int pt)
{
	for (guint i = start; i < end; i++) {
		const char *v = attr_value(LINE(sdp, i), "fmtp");
		guint64 p;
		if (v && leading_uint(v, 127, &p) && (int)p == pt)
			return TRUE;
	}
	return FALSE;
}

/* Index just after the last rtpmap/fmtp line of a section (else after c=,
 * else after m=). */
static guint codec_insert_point(const struct ars_sdp *sdp, guint start, guint end)
{
	guint at = start + 1;
	for (guint i = start + 1; i < end; i++) {
		const char *l = LINE(sdp, i);
		if (attr_value(l, "rtpmap") || attr_value(l, "fmtp") || l[0] == 'c')
			at = i + 1;
	}
	return at;
}

int ars_sdp_add_telephone_event(struct ars_sdp *answer, const struct ars_sdp *offer)
{
	int changed = 0;
	int n = MIN(ars_sdp_media_count(answer), ars_sdp_media_count(offer));
	for (int m = 0; m < n; m++) {
		char type[16];
		unsigned port;
		if (!ars_sdp_media(answer, m, type, &port) || strcmp(type, "audio") != 0 || port == 0)
			continue;
		guint start, end;
		section_range(answer, m, &start, &end);
		int have = ars_sdp_find_payload(answer, m, "telephone-event", 8000);
		if (have >= 0) {
			if (!has_fmtp(answer, start, end, have)) {
				g_ptr_array_insert(answer->lines,
				                   (gint)codec_insert_point(answer, start, end),
				                   g_strdup_printf("a=fmtp:%d 0-16", have));
				changed++;
			}
			continue;
		}
		int pt = ars_sdp_find_payload(offer, m, "telephone-event", 8000);
		if (pt < 0)
			continue;
		/* the payload number must not clash with one the answer already uses */
		struct rtpmap clash;
		if (lookup_payload(answer, start, end, pt, &clash))
			continue;
		g_auto(GStrv) t = media_tokens(LINE(answer, start));
		g_autofree char *rest = g_strjoinv(" ", t);
		set_line(answer, start, g_strdup_printf("m=%s %d", rest, pt));
		guint at = codec_insert_point(answer, start, end);
		g_ptr_array_insert(answer->lines, (gint)at, g_strdup_printf("a=fmtp:%d 0-16", pt));
		g_ptr_array_insert(answer->lines, (gint)at,
		                   g_strdup_printf("a=rtpmap:%d telephone-event/8000", pt));
		changed++;
	}
	return changed;
}

/* ---- a=setup ---------------------------------------------------------------- */

static int rewrite_setup(struct ars_sdp *sdp, const char *value)
{
	int changed = 0;
	for (guint i = 0; i < sdp->lines->len; i++) {
		const char *v = attr_value(LINE(sdp, i), "setup");
		if (v && strcmp(v, value) != 0) {
			set_line(sdp, i, g_strdup_printf("a=setup:%s", value));
			changed++;
		}
	}
	return changed;
}

static const char *role_name(enum ars_sdp_role role)
{
	return role == ARS_SDP_ROLE_ACTIVE ? "active" : role == ARS_SDP_ROLE_PASSIVE ? "passive" : "actpass";
}

int ars_sdp_keep_setup_offer(struct ars_sdp *offer, enum ars_sdp_role role)
{
	return rewrite_setup(offer, role_name(role));
}

/* The first a=setup value, media level first. */
static const char *first_setup(const struct ars_sdp *sdp)
{
	int n = ars_sdp_media_count(sdp);
	for (int m = 0; m < n; m++) {
		const char *v = ars_sdp_attr(sdp, m, "setup");
		if (v)
			return v;
	}
	return ars_sdp_attr(sdp, -1, "setup");
}

int ars_sdp_keep_setup_answer(struct ars_sdp *answer, const struct ars_sdp *offer, enum ars_sdp_role role)
{
	const char *theirs = first_setup(offer);
	if (theirs && g_ascii_strcasecmp(theirs, "active") == 0)
		return rewrite_setup(answer, "passive");
	if (theirs && g_ascii_strcasecmp(theirs, "passive") == 0)
		return rewrite_setup(answer, "active");
	if (role == ARS_SDP_ROLE_NONE)
		return 0;
	return rewrite_setup(answer, role_name(role));
}

enum ars_sdp_role ars_sdp_role_after_answer(const struct ars_sdp *answer, bool answer_is_local)
{
	const char *v = first_setup(answer);
	if (!v)
		return ARS_SDP_ROLE_NONE;
	gboolean active = g_ascii_strcasecmp(v, "active") == 0;
	gboolean passive = g_ascii_strcasecmp(v, "passive") == 0;
	if (!active && !passive)
		return ARS_SDP_ROLE_NONE; /* an answer must not say actpass/holdconn */
	if (answer_is_local)
		return active ? ARS_SDP_ROLE_ACTIVE : ARS_SDP_ROLE_PASSIVE;
	return active ? ARS_SDP_ROLE_PASSIVE : ARS_SDP_ROLE_ACTIVE;
}

/* ---- negotiated codec ----------------------------------------------------------- */

static gboolean is_media_codec(int pt, const struct rtpmap *map, void *arg)
{
	static const char *const aux[] = { "telephone-event", "CN", "red", "rtx", "ulpfec", "flexfec-03" };
	for (size_t k = 0; k < G_N_ELEMENTS(aux); k++)
		if (g_ascii_strcasecmp(map->name, aux[k]) == 0)
			return FALSE;
	*(struct rtpmap *)arg = *map;
	return TRUE;
}

int ars_sdp_read_codec(const struct ars_sdp *sdp, struct ars_sdp_codec *codec)
{
	int n = ars_sdp_media_count(sdp);
	for (int m = 0; m < n; m++) {
		char type[16];
		unsigned port;
		if (!ars_sdp_media(sdp, m, type, &port) || strcmp(type, "audio") != 0 || port == 0)
			continue;
		struct rtpmap map;
		int pt = each_payload(sdp, m, is_media_codec, &map);
		if (pt < 0)
			continue;
		g_strlcpy(codec->name, map.name, sizeof codec->name);
		codec->rate = map.rate;
		codec->channels = map.channels;
		codec->payload = pt;
		codec->section = m;
		codec->dtmf_payload = ars_sdp_find_payload(sdp, m, "telephone-event", 8000);
		if (codec->dtmf_payload < 0)
			codec->dtmf_payload = ars_sdp_find_payload(sdp, m, "telephone-event", 0);
		return 0;
	}
	return -ENOENT;
}
