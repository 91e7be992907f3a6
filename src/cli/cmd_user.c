/*
 * cmd_user.c - `laoke user`: add, list, set a password, disable, enable.
 * The same rules as the API (core/rules.c); passwords only on stdin.
 */
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "cli/cli.h"
#include "core/rules.h"

/* Read the first line of stdin as a password; trailing CR/LF dropped. */
static int read_password(char *out, size_t outsz)
{
	if (!fgets(out, (int)outsz, stdin))
		return cli_error("no password on standard input");
	size_t n = strlen(out);
	if (n == outsz - 1 && out[n - 1] != '\n')
		return cli_error("password is longer than 128 bytes");
	while (n && (out[n - 1] == '\n' || out[n - 1] == '\r'))
		out[--n] = '\0';
	return 0;
}

static int print_user(const struct lk_user *u, void *arg)
{
	(void)arg;
	char scope[24];
	if (u->store_id)
		snprintf(scope, sizeof(scope), "store %lld", (long long)u->store_id);
	else
		snprintf(scope, sizeof(scope), "%s", u->region[0] ? "region" : "all");
	printf("%-6lld %-20s %-8s %-10s %s%s%s%s\n", (long long)u->id, u->username, u->role, scope,
	       u->region[0] ? u->region : "", u->region[0] ? " " : "", u->display_name,
	       u->disabled ? " (disabled)" : "");
	return 0;
}

/*
 * The scope rules of the API (users.c), by option name: an admin works
 * for every store, a waiter at one store, nobody for a store and a region
 * at once.
 */
static int scope_args_ok(const char *role, const char *store_code, const char *region)
{
	if (store_code && region)
		return cli_error("--store and --region: give one of them, not both");
	if (strcmp(role, "admin") == 0 && (store_code || region))
		return cli_error("%s: an admin works for every store; leave it out",
				 store_code ? "--store" : "--region");
	if (strcmp(role, "waiter") == 0 && !store_code)
		return cli_error("--store is required: a waiter works at one store");
	if (region && !*region)
		return cli_error("--region must not be empty");
	return 0;
}

static int user_add(const char *url, const char *name, const char *role, const char *store_code,
		    const char *region, const char *display, bool pw_stdin)
{
	struct lk_err err;
	lk_err_clear(&err);
	if (lk_username_check(name, &err) != LK_OK)
		return cli_error("NAME: %s", err.msg);
	if (!role)
		return cli_error("--role is required (admin, manager, analyst, waiter, support)");
	if (lk_enum_check(lk_roles, role, "role", &err) != LK_OK)
		return cli_error("--role: %s", err.msg);
	if (scope_args_ok(role, store_code, region))
		return 1;
	if (region && lk_text_check(region, strlen(region), LK_PLACE_MAX, true, true, "region",
				    &err) != LK_OK)
		return cli_error("--region: %s", err.msg);
	if (!pw_stdin)
		return cli_error("--password-stdin is required: passwords never go on the command line");
	if (display && lk_text_check(display, strlen(display), LK_DISPLAY_MAX, false, true,
				     "display-name", &err) != LK_OK)
		return cli_error("--display-name: %s", err.msg);
	char pw[130];
	if (read_password(pw, sizeof(pw)))
		return 1;
	if (lk_password_check(pw, name, &err) != LK_OK) {
		sodium_memzero(pw, sizeof(pw));
		return cli_error("password: %s", err.msg);
	}
	struct store *st = cli_open_store(url, false);
	if (!st)
		return 1;
	struct lk_user u = { 0 };
	snprintf(u.username, sizeof(u.username), "%s", name);
	snprintf(u.role, sizeof(u.role), "%s", role);
	snprintf(u.display_name, sizeof(u.display_name), "%s", display ? display : "");
	snprintf(u.region, sizeof(u.region), "%s", region ? region : "");
	int rc = 0;
	if (store_code) {
		struct lk_store s;
		if (store_store_by_code(st, store_code, &s, &err) != LK_OK) {
			rc = cli_error("--store: no store with code '%s'", store_code);
			goto out;
		}
		u.store_id = s.id;
	}
	if (region) {
		bool exists = false;
		if (store_region_exists(st, region, &exists, &err) != LK_OK) {
			rc = cli_error("%s", err.msg);
			goto out;
		}
		if (!exists) {
			rc = cli_error("--region: no store has the region '%s'", region);
			goto out;
		}
	}
	char hash[128];
	if (api_password_hash(pw, hash, &err) != LK_OK ||
	    store_user_add(st, &u, hash, &err) != LK_OK) {
		rc = cli_error("%s", err.msg);
		goto out;
	}
	printf("user '%s' added as %s (id %lld)\n", u.username, u.role, (long long)u.id);
out:
	sodium_memzero(pw, sizeof(pw));
	store_close(st);
	return rc;
}

static int user_passwd(const char *url, const char *name, bool pw_stdin)
{
	if (!pw_stdin)
		return cli_error("--password-stdin is required: passwords never go on the command line");
	char pw[130];
	if (read_password(pw, sizeof(pw)))
		return 1;
	struct lk_err err;
	lk_err_clear(&err);
	if (lk_password_check(pw, name, &err) != LK_OK) {
		sodium_memzero(pw, sizeof(pw));
		return cli_error("password: %s", err.msg);
	}
	struct store *st = cli_open_store(url, false);
	if (!st)
		return 1;
	char hash[128];
	int rc = 0;
	if (api_password_hash(pw, hash, &err) != LK_OK ||
	    store_user_set_password(st, name, hash, &err) != LK_OK)
		rc = cli_error("%s", err.msg);
	else
		printf("password of '%s' changed; their sessions ended\n", name);
	sodium_memzero(pw, sizeof(pw));
	store_close(st);
	return rc;
}

/* Disable (ending every session at once) or enable the account NAME. */
static int user_set_disabled(const char *url, const char *name, bool disabled)
{
	struct store *st = cli_open_store(url, false);
	if (!st)
		return 1;
	struct lk_user u;
	struct lk_err err;
	lk_err_clear(&err);
	int rc = 0;
	if (store_user_by_name(st, name, &u, NULL, 0, &err) != LK_OK) {
		rc = cli_error("NAME: %s", err.msg);
	} else if (u.disabled == disabled) {
		printf("user '%s' is already %s\n", name, disabled ? "disabled" : "enabled");
	} else {
		u.disabled = disabled;
		if (store_user_update(st, &u, NULL, disabled, &err) != LK_OK)
			rc = cli_error("%s", err.msg);
		else if (disabled)
			printf("user '%s' disabled; their sessions ended\n", name);
		else
			printf("user '%s' enabled\n", name);
	}
	store_close(st);
	return rc;
}

int cmd_user(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "role", required_argument, NULL, 'r' },
		{ "store", required_argument, NULL, 's' },
		{ "region", required_argument, NULL, 'g' },
		{ "display-name", required_argument, NULL, 'n' },
		{ "password-stdin", no_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	const char *db = NULL, *role = NULL, *store = NULL, *region = NULL, *display = NULL;
	bool pw_stdin = false;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 'r': role = optarg; break;
		case 's': store = optarg; break;
		case 'g': region = optarg; break;
		case 'n': display = optarg; break;
		case 'p': pw_stdin = true; break;
		default: cli_usage("user", true); return 2;
		}
	}
	const char *url = cli_db_url(db);
	int rest = argc - optind;
	char **args = argv + optind;
	if (rest >= 1 && strcmp(args[0], "list") == 0 && rest == 1) {
		struct store *st = cli_open_store(url, false);
		if (!st)
			return 1;
		struct lk_err err;
		int rc = 0;
		if (store_user_each(st, print_user, NULL, &err) != LK_OK)
			rc = cli_error("%s", err.msg);
		store_close(st);
		return rc;
	}
	if (rest == 2 && strcmp(args[0], "add") == 0)
		return user_add(url, args[1], role, store, region, display, pw_stdin);
	if (rest == 2 && strcmp(args[0], "passwd") == 0)
		return user_passwd(url, args[1], pw_stdin);
	if (rest == 2 && strcmp(args[0], "disable") == 0)
		return user_set_disabled(url, args[1], true);
	if (rest == 2 && strcmp(args[0], "enable") == 0)
		return user_set_disabled(url, args[1], false);
	cli_usage("user", true);
	return 2;
}
