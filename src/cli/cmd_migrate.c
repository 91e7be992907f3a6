#include <stdio.h>

#include "cli/cli.h"

int cmd_migrate(int argc, char **argv)
{
	const char *url;
	int rc = cli_db_only_args(argc, argv, "migrate", &url);
	if (rc)
		return rc;
	struct store *st;
	struct lk_err err;
	lk_err_clear(&err);
	if (store_open(url, &st, &err) != LK_OK)
		return cli_error("%s", err.msg);
	int applied = 0, dbv = 0, codev = 0;
	if (store_migrate(st, &applied, &err) != LK_OK ||
	    store_schema_version(st, &dbv, &codev, &err) != LK_OK) {
		store_close(st);
		return cli_error("%s", err.msg);
	}
	store_close(st);
	printf("schema at version %d (%d migration%s applied)\n", dbv, applied,
	       applied == 1 ? "" : "s");
	return 0;
}
