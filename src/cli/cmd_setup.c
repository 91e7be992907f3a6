#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "api/api.h"
#include "cli/cli.h"

/* "<dir of the database>/admin-password.txt" */
static void password_path(const char *url, char *out, size_t outsz)
{
	const char *path = strncmp(url, "sqlite:", 7) == 0 ? url + 7 : url;
	const char *slash = strrchr(path, '/');
	if (slash)
		snprintf(out, outsz, "%.*s/admin-password.txt", (int)(slash - path), path);
	else
		snprintf(out, outsz, "admin-password.txt");
}

int cmd_setup(int argc, char **argv)
{
	const char *url;
	int rc = cli_db_only_args(argc, argv, "setup", &url);
	if (rc)
		return rc;
	struct store *st = cli_open_store(url, true);
	if (!st)
		return 1;
	struct lk_err err;
	lk_err_clear(&err);
	int64_t users = 0;
	char pwfile[4200];
	password_path(url, pwfile, sizeof(pwfile));
	if (store_user_count(st, &users, &err) != LK_OK) {
		store_close(st);
		return cli_error("%s", err.msg);
	}
	if (users > 0) {
		store_close(st);
		printf("laoke: database ready (%lld users). Log in as admin; its first password is in "
		       "%s unless changed.\n",
		       (long long)users, pwfile);
		return 0;
	}
	unsigned char raw[12];
	randombytes_buf(raw, sizeof(raw));
	char pw[sodium_base64_ENCODED_LEN(12, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
	sodium_bin2base64(pw, sizeof(pw), raw, sizeof(raw), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char hash[128];
	struct lk_user u = { 0 };
	snprintf(u.username, sizeof(u.username), "admin");
	snprintf(u.role, sizeof(u.role), "admin");
	snprintf(u.display_name, sizeof(u.display_name), "管理员");
	if (api_password_hash(pw, hash, &err) != LK_OK || store_user_add(st, &u, hash, &err) != LK_OK) {
		store_close(st);
		return cli_error("%s", err.msg);
	}
	store_close(st);
	int fd = open(pwfile, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return cli_error("cannot write '%s': %s", pwfile, strerror(errno));
	dprintf(fd, "%s\n", pw);
	close(fd);
	printf("laoke: created user 'admin' with password %s\n"
	       "       (kept in %s; change it with 'laoke user passwd admin --password-stdin')\n",
	       pw, pwfile);
	return 0;
}
