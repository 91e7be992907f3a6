#include <getopt.h>
#include <stdio.h>

#include "cli/cli.h"

int cmd_migrate(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	const char *db = NULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'd') {
			db = optarg;
		} else {
			cli_usage("migrate", true);
			return 2;
		}
	}
	if (optind < argc)
		return cli_error("unexpected argument '%s'", argv[optind]);
	const char *url = cli_db_url(db);
	if (cli_ensure_db_dir(url))
		return 1;
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
