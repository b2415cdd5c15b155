/* datadir.h - the private data directory (--data-dir). */
#pragma once
#include <gio/gio.h>

/* DIR from --data-dir, else $XDG_DATA_HOME/arsphone (~/.local/share/arsphone). */
char *ars_datadir_resolve(const char *option);
/* Creates dir (mode 0700), makes it private if it is not, and takes a lock
 * so that two daemons never share one database. Returns the lock fd. */
int ars_datadir_prepare(const char *dir, GError **err);
