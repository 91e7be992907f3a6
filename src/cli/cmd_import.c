/*
 * cmd_import.c - `laoke import guests|visits|dishes FILE.csv`: the CLI
 * around api/import_run.h. Reports each rejected row on stderr as
 * "laoke: error: FILE:LINE: column 'X': reason", writes them to --rejects
 * as CSV (original columns plus a reason column, UTF-8 with BOM so Excel
 * opens it), shows progress, and prints the summary.
 */
#include <csv.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "api/import_run.h"
#include "cli/cli.h"
#include "cli/progress.h"

struct cmd_import_ctx {
	const char *file;
	FILE *rejects;
	bool header_written;
	int64_t total_bytes;
	struct cli_progress progress;
	bool writing;            /* the orders' bar has replaced the file's */
};

static void write_cell(FILE *f, const char *s, bool last)
{
	csv_fwrite(f, s, strlen(s));
	fputc(last ? '\n' : ',', f);
}

static void on_reject(void *arg, const struct lk_import_reject *r)
{
	struct cmd_import_ctx *c = arg;
	if (c->progress.tty)
		fputc('\n', stderr);
	if (r->column[0])
		cli_error("%s:%lld: column '%s': %s", c->file, (long long)r->line, r->column,
			  r->reason);
	else
		cli_error("%s:%lld: %s", c->file, (long long)r->line, r->reason);
	if (!c->rejects)
		return;
	if (!c->header_written) {
		fputs("\xef\xbb\xbf", c->rejects);
		for (int i = 0; i < r->nheader; i++)
			write_cell(c->rejects, r->header[i], false);
		write_cell(c->rejects, "line", false);
		write_cell(c->rejects, "reason", true);
		c->header_written = true;
	}
	for (int i = 0; i < r->nheader; i++)
		write_cell(c->rejects, i < r->ncells ? r->cells[i] : "", false);
	char line[32];
	snprintf(line, sizeof(line), "%lld", (long long)r->line);
	write_cell(c->rejects, line, false);
	char reason[600];
	if (r->column[0])
		snprintf(reason, sizeof(reason), "column '%s': %s", r->column, r->reason);
	else
		snprintf(reason, sizeof(reason), "%s", r->reason);
	write_cell(c->rejects, reason, true);
}

static void on_progress(void *arg, const struct lk_import_progress *p)
{
	struct cmd_import_ctx *c = arg;
	/* small files finish before anyone looks */
	if (c->total_bytes < (c->progress.tty ? 65536 : 1048576))
		return;
	if (p->writing && !c->writing) {
		/* reading is done: close its bar, start the one of the orders */
		cli_progress_show(&c->progress, c->total_bytes / 1024, c->total_bytes / 1024,
				  p->rows, true);
		cli_progress_init(&c->progress, "import", "orders written", "orders");
		c->writing = true;
	}
	if (p->writing)
		cli_progress_show(&c->progress, p->done, p->total, p->done, false);
	else
		cli_progress_show(&c->progress, p->done / 1024, c->total_bytes / 1024, p->rows, false);
}

int cmd_import(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "store", required_argument, NULL, 's' },
		{ "encoding", required_argument, NULL, 'e' },
		{ "map", required_argument, NULL, 'm' },
		{ "date-format", required_argument, NULL, 'f' },
		{ "strict", no_argument, NULL, 'S' },
		{ "rejects", required_argument, NULL, 'r' },
		{ "dishes", required_argument, NULL, 'D' },
		{ "category-map", required_argument, NULL, 'c' },
		{ "null", required_argument, NULL, 'n' },
		{ "batch", required_argument, NULL, 'b' },
		{ NULL, 0, NULL, 0 },
	};
	struct lk_import_opts o = { .encoding = LK_ENC_AUTO, .date_order = LK_DATE_YMD };
	const char *db = NULL, *rejects = NULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		int v;
		int64_t n;
		switch (c) {
		case 'd': db = optarg; break;
		case 's': o.default_store = optarg; break;
		case 'm': o.map = optarg; break;
		case 'S': o.strict = true; break;
		case 'r': rejects = optarg; break;
		case 'c': o.category_map = optarg; break;
		case 'n': o.null_text = optarg; break;
		case 'e':
			if ((v = lk_encoding_parse(optarg)) < 0)
				return cli_error("--encoding must be auto, utf-8 or gb18030, not '%s'",
						 optarg);
			o.encoding = (enum lk_encoding)v;
			break;
		case 'f':
			if ((v = lk_date_order_parse(optarg)) < 0)
				return cli_error("--date-format must be ymd, dmy or mdy, not '%s'",
						 optarg);
			o.date_order = (enum lk_date_order)v;
			break;
		case 'D':
			if (strcmp(optarg, "create") != 0 && strcmp(optarg, "require") != 0)
				return cli_error("--dishes must be create or require, not '%s'", optarg);
			o.create_dishes = strcmp(optarg, "create") == 0;
			break;
		case 'b':
			if (!cli_parse_i64(optarg, 1, 1000000, &n))
				return cli_error("--batch must be a number from 1 to 1000000");
			o.batch_rows = (int)n;
			break;
		default:
			cli_usage("import", true);
			return 2;
		}
	}
	if (argc - optind != 2) {
		cli_usage("import", true);
		return 2;
	}
	int kind = lk_import_kind_parse(argv[optind]);
	if (kind < 0)
		return cli_error("import what? 'guests', 'visits' or 'dishes', not '%s'",
				 argv[optind]);
	o.kind = (enum lk_import_kind)kind;
	const char *file = argv[optind + 1];
	FILE *in = fopen(file, "rb");
	if (!in)
		return cli_error("cannot open '%s': %m", file);
	struct cmd_import_ctx ctx = { .file = file };
	struct stat sb;
	if (fstat(fileno(in), &sb) == 0 && S_ISREG(sb.st_mode))
		ctx.total_bytes = sb.st_size;
	if (rejects) {
		o.keep_rows = true;
		if (!(ctx.rejects = fopen(rejects, "wb"))) {
			fclose(in);
			return cli_error("cannot create '%s': %m", rejects);
		}
	}
	const char *url = cli_db_url(db);
	struct store *st = cli_open_store(url, true);
	if (!st) {
		fclose(in);
		if (ctx.rejects)
			fclose(ctx.rejects);
		return 1;
	}
	cli_progress_init(&ctx.progress, "import", "KiB read", "rows");
	struct lk_import_hooks hooks = { on_progress, on_reject, &ctx };
	struct lk_import_summary sum;
	struct lk_err err;
	lk_err_clear(&err);
	enum lk_rc rc = lk_import_run(st, &o, in, &hooks, &sum, &err);
	fclose(in);
	store_close(st);
	if (rc == LK_OK && ctx.total_bytes >= (ctx.progress.tty ? 65536 : 1048576)) {
		if (ctx.writing)
			cli_progress_show(&ctx.progress, sum.orders, sum.orders, sum.orders, true);
		else
			cli_progress_show(&ctx.progress, ctx.total_bytes / 1024,
					  ctx.total_bytes / 1024, sum.read, true);
	}
	if (ctx.rejects && fclose(ctx.rejects) != 0 && rc == LK_OK)
		return cli_error("cannot write '%s': %m", rejects);
	if (rc != LK_OK)
		return cli_error("%s: %s", file, err.msg);
	const char *what = o.kind == LK_IMPORT_GUESTS ? "guests"
			   : o.kind == LK_IMPORT_DISHES ? "dishes" : "orders";
	printf("%s: read %lld rows", file, (long long)sum.read);
	if (o.kind == LK_IMPORT_VISITS)
		printf(" (%lld orders)", (long long)sum.orders);
	printf("; %s inserted %lld, updated %lld, unchanged %lld; rejected %lld rows\n", what,
	       (long long)sum.inserted, (long long)sum.updated, (long long)sum.unchanged,
	       (long long)sum.rejected);
	if (sum.guests_created)
		printf("guests created from phones: %lld\n", (long long)sum.guests_created);
	if (sum.rolled_back)
		printf("--strict: %lld bad rows, nothing was written\n", (long long)sum.rejected);
	if (rejects && sum.rejected)
		printf("rejected rows written to %s\n", rejects);
	return sum.rejected ? 1 : 0;
}
