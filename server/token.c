/* token.c - makes, keeps and checks the API token. The token is the only thing
 * between another local user's browser tab and the user's PBX accounts. */
#define G_LOG_DOMAIN "token"

#include "token.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

static bool is_token(const char *s, size_t len)
{
	if (len != ARS_TOKEN_HEX_LEN)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!g_ascii_isxdigit(s[i]) || g_ascii_isupper(s[i]))
			return false;
	return true;
}

static bool make_token(char *out, GError **err)
{
	guint8 raw[ARS_TOKEN_HEX_LEN / 2];
	if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw) {
		g_set_error(err, G_IO_ERROR, g_io_error_from_errno(errno), "no random bytes: %s",
			    g_strerror(errno));
		return false;
	}
	for (size_t i = 0; i < sizeof raw; i++)
		g_snprintf(out + 2 * i, 3, "%02x", raw[i]);
	return true;
}

bool ars_token_load_or_create(const char *dir, char *out, GError **err)
{
	g_autofree char *path = g_build_filename(dir, "token", NULL);
	g_autofree char *text = NULL;
	gsize len = 0;

	if (g_file_get_contents(path, &text, &len, NULL)) {
		g_strchomp(text);
		if (is_token(text, strlen(text))) {
			memcpy(out, text, ARS_TOKEN_HEX_LEN + 1);
			/* An older copy may have been created with a loose umask. */
			chmod(path, 0600);
			return true;
		}
		g_warning("%s is not a valid token; making a new one", path);
	}
	if (!make_token(out, err))
		return false;

	g_autofree char *tmp = g_strconcat(path, ".tmp", NULL);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		g_set_error(err, G_IO_ERROR, g_io_error_from_errno(errno), "cannot write %s: %s", tmp,
			    g_strerror(errno));
		return false;
	}
	g_autofree char *line = g_strconcat(out, "\n", NULL);
	bool ok = write(fd, line, strlen(line)) == (ssize_t)strlen(line) && fsync(fd) == 0;
	int saved = errno;
	close(fd);
	if (!ok || rename(tmp, path) != 0) {
		if (ok)
			saved = errno;
		unlink(tmp);
		g_set_error(err, G_IO_ERROR, g_io_error_from_errno(saved), "cannot write %s: %s", path,
			    g_strerror(saved));
		return false;
	}
	return true;
}

bool ars_token_equal(const char *token, const char *candidate, size_t candidate_len)
{
	if (!candidate || candidate_len != ARS_TOKEN_HEX_LEN)
		return false;
	/* Always touch every byte so the time taken does not depend on where the
	 * first difference is. */
	unsigned char diff = 0;
	for (size_t i = 0; i < ARS_TOKEN_HEX_LEN; i++)
		diff |= (unsigned char)(token[i] ^ candidate[i]);
	return diff == 0;
}
