/*
 * cmd_classify.c - `laoke classify`: one classification run now (the run
 * the server makes nightly), see api/classify_run.h. Prints what it did;
 * exit status 1 when another run is under way or the run failed (nothing
 * of it is then visible).
 */
#include <getopt.h>
#include <stdio.h>

#include "api/classify_run.h"
#include "cli/cli.h"
#include "util/timeutil.h"

int cmd_classify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "as-of", required_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	const char *db = NULL, *as_of = NULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 'a': as_of = optarg; break;
		default: cli_usage("classify", true); return 2;
		}
	}
	if (optind < argc)
		return cli_error("unexpected argument '%s'", argv[optind]);
	struct lk_cls_run_opts o = { .trigger = "cli" };
	if (as_of && !lk_time_parse(as_of, &o.now))
		return cli_error("--as-of must be a time like 2026-11-24T03:30:00+08:00, not '%s'",
				 as_of);
	lk_tz_offset(LK_DEFAULT_TZ, &o.tz_offset_min);
	const char *url = cli_db_url(db);
	if (cli_ensure_db_dir(url))
		return 1;
	struct store *st = cli_open_store(url, false);
	if (!st)
		return 1;
	struct lk_err err;
	lk_err_clear(&err);
	struct lk_cls_run_result res;
	enum lk_rc rc = lk_classify_run(st, &o, &res, &err);
	store_close(st);
	if (rc != LK_OK)
		return cli_error("%s", err.msg);
	printf("classification run %lld: %lld guests (%lld with a visit), %lld changed, "
	       "%lld rows written, %.1f s\n",
	       (long long)res.run_id, (long long)res.guests, (long long)res.scored,
	       (long long)res.changed, (long long)res.written, (double)res.millis / 1000.0);
	return 0;
}
