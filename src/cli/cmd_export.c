/*
 * cmd_export.c - `laoke export guests|visits|needs|classification|feedback`: the same files as
 * GET /api/v1/exports/..., written by api_export_write() to a file or
 * standard output. Someone at the shell holds the database itself, so the
 * export is the admin's (full phones, every store).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "cli/cli.h"
#include "util/timeutil.h"

int cmd_export(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "format", required_argument, NULL, 'f' },
		{ "store", required_argument, NULL, 's' },
		{ "from", required_argument, NULL, 'F' },
		{ "to", required_argument, NULL, 'T' },
		{ "lang", required_argument, NULL, 'l' },
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	const char *db = NULL, *format = NULL, *store = NULL, *from = NULL, *to = NULL,
		   *lang = NULL, *out = NULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 'f': format = optarg; break;
		case 's': store = optarg; break;
		case 'F': from = optarg; break;
		case 'T': to = optarg; break;
		case 'l': lang = optarg; break;
		case 'o': out = optarg; break;
		default: cli_usage("export", true); return 2;
		}
	}
	if (argc - optind != 1) {
		cli_usage("export", true);
		return 2;
	}
	enum api_export_kind kind;
	if (strcmp(argv[optind], "guests") == 0)
		kind = API_EXPORT_GUESTS;
	else if (strcmp(argv[optind], "visits") == 0)
		kind = API_EXPORT_VISITS;
	else if (strcmp(argv[optind], "needs") == 0)
		kind = API_EXPORT_NEEDS;
	else if (strcmp(argv[optind], "classification") == 0)
		kind = API_EXPORT_CLASSIFICATION;
	else if (strcmp(argv[optind], "feedback") == 0)
		kind = API_EXPORT_FEEDBACK;
	else
		return cli_error("unknown table '%s': export 'guests', 'visits', 'needs', "
				 "'classification' or 'feedback'",
				 argv[optind]);
	int tz = 0;
	lk_tz_offset(LK_DEFAULT_TZ, &tz);

	struct store *st = cli_open_store(cli_db_url(db), false);
	if (!st)
		return 1;
	struct api_export x;
	struct lk_err err;
	lk_err_clear(&err);
	int rc = 0;
	if (api_export_prepare(st, &x, kind, format, store, from, to, lang, tz, &err) != LK_OK) {
		rc = cli_error("--%s: %s", err.field, err.msg);
		goto done;
	}
	if (!out && x.format == API_EXPORT_XLSX) {
		rc = cli_error("xlsx needs a file: add -o FILE");
		goto done;
	}
	int64_t rows = 0;
	if (api_export_write(st, &x, out ? out : "-", &rows, &err) != LK_OK) {
		rc = cli_error("%s", err.msg);
		goto done;
	}
	fprintf(stderr, "exported %lld %s to %s\n", (long long)rows,
		argv[optind], out ? out : "standard output");
done:
	store_close(st);
	return rc;
}
