/* dial.h - what the user typed into the number field, as a SIP URI. */
#pragma once
#include <stdbool.h>

/* "1001", "+7 (495) 123-45-67", "*97", "alice@pbx.example", "sip:…",
 * "sips:…" or "tel:…". A number becomes sip:NUMBER@domain (spaces, dashes,
 * dots and parentheses dropped; + * # kept, # escaped). Returns the URI, or
 * NULL with a static reason in *why. */
char *ars_dial_uri(const char *to, const char *domain, const char **why);
