/* msg_priv.h - what msg.c (the parser) and msg_build.c (builders, access,
 * serializer) share. Internal to server/sip. */
#pragma once
#include "msg.h"

struct ars_sip_msg *ars_msg_alloc(bool request);
/* Appends a header of len bytes of value (which may hold NULs). */
void ars_msg_append(struct ars_sip_msg *m, const char *name, const char *value, size_t len);
/* The first header of that exact (canonical) name, any case. */
const struct ars_sip_header *ars_msg_first(const struct ars_sip_msg *m, const char *name);
/* The canonical spelling of a header name (compact forms expanded), or the
 * name as given for unknown headers. */
const char *ars_msg_canonical(const char *name);
/* A parameter of the header's value (see ars_sip_param), NULL for no header. */
char *ars_msg_param(const struct ars_sip_header *h, const char *name);
