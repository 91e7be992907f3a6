/*
 * main.c - the laoke command: a table of subcommands, one file each.
 */
#include <errno.h>
#include <getopt.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "util/log.h"

const struct cli_cmd cli_cmds[] = {
	{ "serve", cmd_serve, "run the HTTP API (and console) server",
	  "usage: laoke serve [--db URL] [--listen HOST:PORT] [--web DIR] [--threads N]\n"
	  "                   [--port-file FILE] [--nightly on|off]\n"
	  "\n"
	  "Serve the JSON API under /api/v1 and the console at /.\n"
	  "  --db URL            database (default $LAOKE_DB or sqlite:data/laoke.db)\n"
	  "  --listen HOST:PORT  address to listen on (default $LAOKE_LISTEN or 127.0.0.1:8080;\n"
	  "                      port 0 picks a free port)\n"
	  "  --web DIR           console files (default $LAOKE_WEB, else ./web/dist when present)\n"
	  "  --threads N         worker threads, each with its own database connection (default 4)\n"
	  "  --port-file FILE    write the port actually bound to FILE\n"
	  "  --nightly on|off    the nightly classification run (default $LAOKE_NIGHTLY or on):\n"
	  "                      every day at schedule.run_at_minute of the classification\n"
	  "                      settings (03:30 Asia/Shanghai), and once at start when the\n"
	  "                      last one was missed\n"
	  "The schema is migrated on start. Stops cleanly on SIGINT or SIGTERM.\n" },
	{ "migrate", cmd_migrate, "bring the database schema up to date",
	  "usage: laoke migrate [--db URL]\n"
	  "\n"
	  "Apply pending schema migrations, each in its own transaction.\n" },
	{ "user", cmd_user, "add, list, disable and enable users, set passwords",
	  "usage: laoke user add NAME --role ROLE [--store CODE | --region NAME]\n"
	  "                      [--display-name TEXT] --password-stdin [--db URL]\n"
	  "       laoke user passwd NAME --password-stdin [--db URL]\n"
	  "       laoke user disable NAME [--db URL]\n"
	  "       laoke user enable NAME [--db URL]\n"
	  "       laoke user list [--db URL]\n"
	  "\n"
	  "ROLE is one of admin, manager, analyst, waiter, support. An account works for\n"
	  "one store (--store), every store of a region (--region, the region of at least\n"
	  "one store) or every store (neither); an admin takes neither, a waiter needs\n"
	  "--store. The password is read from the first line of standard input (never\n"
	  "from the command line): 10 to 128 bytes, not containing the username, not one\n"
	  "character repeated. A new password or disabling ends the user's open sessions;\n"
	  "the last enabled admin cannot be disabled.\n" },
	{ "setup", cmd_setup, "create the database and a first admin when absent",
	  "usage: laoke setup [--db URL]\n"
	  "\n"
	  "Migrate the database and, when it has no users yet, create the user 'admin'\n"
	  "with a random password, written to admin-password.txt beside the database\n"
	  "(mode 0600) and printed once. Safe to run again: it changes nothing then.\n" },
	{ "routes", cmd_routes, "list every API route and the roles allowed",
	  "usage: laoke routes [--json | --markdown]\n"
	  "\n"
	  "Print the route tables: method, path, the permission each route needs and\n"
	  "the roles holding it ('public' needs no token), from the matrix in\n"
	  "docs/ROLES.md. --markdown prints the routes table of docs/ROLES.md. The\n"
	  "tests check docs and OpenAPI against this list.\n" },
	{ "demo", cmd_demo, "fill a new database with a generated hot-pot chain",
	  "usage: laoke demo [--db URL] [--stores N] [--guests N] [--months N] [--seed S]\n"
	  "                  [--now TIME]\n"
	  "\n"
	  "Generate a realistic chain: stores in several cities, an ~90-dish menu, guests\n"
	  "with profiles, allergies, tastes and families, and their visits over the last\n"
	  "months. The same seed and --now give the same database.\n"
	  "  --db URL      database (default $LAOKE_DB or sqlite:data/laoke.db); it must\n"
	  "                have no stores, dishes or guests yet (users are fine)\n"
	  "  --stores N    stores, 1..500 (default 10)\n"
	  "  --guests N    guests, 0..50000000 (default 2000; about 10 visits each over 24 months)\n"
	  "  --months N    months of history ending yesterday, 1..60 (default 12)\n"
	  "  --seed S      random seed (default 1)\n"
	  "  --now TIME    the end of the history, RFC 3339 (default: the clock)\n"
	  "The load runs with synchronous=OFF and is not crash-safe until it finishes:\n"
	  "if it is interrupted, delete the database and start again.\n" },
	{ "export", cmd_export,
	  "write the guests, visits, needs, classification or feedback as CSV or Excel",
	  "usage: laoke export guests|visits|needs|classification|feedback\n"
	  "                    [--format csv|xlsx] [--store CODE] [--from DATE] [--to DATE]\n"
	  "                    [--lang zh|en] [-o FILE] [--db URL]\n"
	  "\n"
	  "Write 客户信息表 (guests), the visit list, 客户需求分析表 (needs), 客户分类表\n"
	  "(classification: each guest's values from the latest classification run) or\n"
	  "客户反馈处理表 (feedback: each piece of feedback with every step of its\n"
	  "complaint ticket), streamed from the database.\n"
	  "  --format csv|xlsx  CSV (UTF-8 with BOM, RFC 4180) or Excel (default csv)\n"
	  "  --store CODE       guests whose home store is CODE or who visited it;\n"
	  "                     visits at CODE; the needs and classification of those\n"
	  "                     guests; the feedback given at CODE\n"
	  "  --from, --to DATE  YYYY-MM-DD, whole days in Asia/Shanghai, both included:\n"
	  "                     guests and classification by last visit (creation when\n"
	  "                     none), visits by time, needs by the time they were\n"
	  "                     recorded, feedback by the time it was received\n"
	  "  --lang zh|en       header and word language (default zh)\n"
	  "  -o, --output FILE  where to write (default: standard output; xlsx needs a file)\n"
	  "  --db URL           database (default $LAOKE_DB or sqlite:data/laoke.db)\n" },
	{ "import", cmd_import, "import guests, visits or dishes from a CSV file",
	  "usage: laoke import guests|visits|dishes FILE.csv [--db URL] [--store CODE]\n"
	  "                   [--encoding auto|utf-8|gb18030] [--map 'SRC=FIELD,...']\n"
	  "                   [--date-format ymd|dmy|mdy] [--strict] [--rejects FILE]\n"
	  "                   [--dishes create|require] [--category-map 'VALUE=CATEGORY,...']\n"
	  "                   [--null TEXT] [--batch N]\n"
	  "\n"
	  "Columns are found by their Chinese or English names (手机/phone, 订单号/order_id,\n"
	  "菜品/dish, item_id/dish_code ...); --map names others (FIELD '-' ignores one).\n"
	  "Guests are keyed by phone, visits by store + order id, dishes by item code or\n"
	  "name: importing a file again changes nothing. Visit rows are order lines, grouped\n"
	  "into one visit per order; rows without a phone are walk-in visits.\n"
	  "  --store CODE        store (code or name) for rows without one\n"
	  "  --encoding E        auto (default: UTF-8 if valid, else GB18030), utf-8, gb18030\n"
	  "  --date-format F     how to read dates with the year last: dmy or mdy\n"
	  "  --strict            any bad row: write nothing at all\n"
	  "  --rejects FILE      write the rejected rows, with a reason column, as CSV\n"
	  "  --dishes create     add unknown dishes (the row needs a category); default require\n"
	  "  --category-map M    dishes: dish name or category value -> laoke category\n"
	  "  --null TEXT         read cells equal to TEXT (e.g. NULL) as empty\n"
	  "  --batch N           rows per transaction, whole orders (default 10000)\n"
	  "Each bad row is reported as FILE:LINE; the exit status is 1 when any was rejected.\n" },
	{ "summary", cmd_summary, "each guest's purchase summary (frequency, recency, T, value) as CSV",
	  "usage: laoke summary --end YYYY-MM-DD [--unit days|weeks] [--customers FILE] [--db URL]\n"
	  "\n"
	  "Print guest_id,phone,frequency,recency,T,monetary_value for every guest with a\n"
	  "visit up to the end of the day --end (Asia/Shanghai), in guest id order, as the\n"
	  "Python lifetimes library's summary_data_from_transaction_data computes it with\n"
	  "daily periods: the visits of one local day are one purchase (their amounts\n"
	  "summed); frequency is the number of days with a visit after the first one;\n"
	  "recency the last such day minus the first; T the end day minus the first;\n"
	  "monetary_value the mean of the repeat days' totals in yuan (0 when none).\n"
	  "Visits after the end day are ignored. See docs/API.md, \"Purchase summaries\".\n"
	  "  --end YYYY-MM-DD   the last day observed (required)\n"
	  "  --unit days|weeks  recency and T in whole days (default) or days / 7\n"
	  "  --customers FILE   only these guests: one a line, a mobile number or a guest id\n"
	  "  --db URL           database (default $LAOKE_DB or sqlite:data/laoke.db)\n" },
	{ "classify", cmd_classify, "classify every guest now (the nightly run)",
	  "usage: laoke classify [--as-of TIME] [--db URL]\n"
	  "\n"
	  "Run the classification (客户分类) once: every live guest's frequency and spend\n"
	  "tiers, preference, lifecycle, at-risk rhythm, grade, VIP and RFM segment from\n"
	  "the per-guest aggregates, with the settings in force, written as the new\n"
	  "snapshot in one transaction (the previous one stays until it commits). The\n"
	  "server does this every night at schedule.run_at_minute. Fails while another\n"
	  "run is under way. See docs/API.md, \"Classification runs\".\n"
	  "  --as-of TIME   classify as of this moment (RFC 3339, e.g.\n"
	  "                 2026-11-24T03:30:00+08:00) instead of now\n"
	  "  --db URL       database (default $LAOKE_DB or sqlite:data/laoke.db)\n" },
	{ NULL, NULL, NULL, NULL },
};

static void main_usage(FILE *f)
{
	fprintf(f, "laoke - guest relationships for restaurant chains\n\n"
		   "usage: laoke COMMAND [OPTIONS]\n\ncommands:\n");
	for (const struct cli_cmd *c = cli_cmds; c->name; c++)
		fprintf(f, "  %-10s %s\n", c->name, c->summary);
	fprintf(f, "\n'laoke help COMMAND' or 'laoke COMMAND --help' for a command's options.\n"
		   "environment: LAOKE_DB, LAOKE_LISTEN, LAOKE_WEB\n");
}

void cli_usage(const char *cmd, bool to_stderr)
{
	for (const struct cli_cmd *c = cli_cmds; c->name; c++)
		if (strcmp(c->name, cmd) == 0)
			fputs(c->usage, to_stderr ? stderr : stdout);
}

int cli_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("laoke: error: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return 1;
}

const char *cli_db_url(const char *opt)
{
	if (opt && *opt)
		return opt;
	const char *env = getenv("LAOKE_DB");
	if (env && *env)
		return env;
	return "sqlite:data/laoke.db";
}

int cli_ensure_db_dir(const char *url)
{
	const char *path = strncmp(url, "sqlite:", 7) == 0 ? url + 7 : url;
	const char *slash = strrchr(path, '/');
	if (!slash || slash == path)
		return 0;
	char dir[4096];
	size_t n = (size_t)(slash - path);
	if (n >= sizeof(dir))
		return cli_error("database path '%s' is too long", path);
	memcpy(dir, path, n);
	dir[n] = '\0';
	if (mkdir(dir, 0750) != 0 && errno != EEXIST)
		return cli_error("cannot create directory '%s': %s", dir, strerror(errno));
	return 0;
}

bool cli_parse_i64(const char *s, int64_t lo, int64_t hi, int64_t *out)
{
	if (*s < '0' || *s > '9')
		return false;
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (*end || errno || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

int cli_db_only_args(int argc, char **argv, const char *cmd, const char **url)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	const char *db = NULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'd') {
			cli_usage(cmd, true);
			return 2;
		}
		db = optarg;
	}
	if (optind < argc)
		return cli_error("unexpected argument '%s'", argv[optind]);
	*url = cli_db_url(db);
	return cli_ensure_db_dir(*url);
}

struct store *cli_open_store(const char *url, bool migrate)
{
	struct store *st;
	struct lk_err err;
	lk_err_clear(&err);
	if (store_open(url, &st, &err) != LK_OK) {
		cli_error("%s", err.msg);
		return NULL;
	}
	if (migrate) {
		int applied;
		if (store_migrate(st, &applied, &err) != LK_OK) {
			cli_error("migration failed: %s", err.msg);
			store_close(st);
			return NULL;
		}
		if (applied)
			lk_log("info", "applied %d schema migration(s)", applied);
	}
	if (store_check_schema(st, &err) != LK_OK) {
		cli_error("%s", err.msg);
		store_close(st);
		return NULL;
	}
	return st;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		main_usage(stderr);
		return 2;
	}
	const char *name = argv[1];
	if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
		main_usage(stdout);
		return 0;
	}
	if (strcmp(name, "help") == 0) {
		if (argc < 3) {
			main_usage(stdout);
			return 0;
		}
		name = argv[2];
		for (const struct cli_cmd *c = cli_cmds; c->name; c++) {
			if (strcmp(c->name, name) == 0) {
				fputs(c->usage, stdout);
				return 0;
			}
		}
		cli_error("unknown command '%s'", name);
		return 2;
	}
	for (const struct cli_cmd *c = cli_cmds; c->name; c++) {
		if (strcmp(c->name, name) == 0) {
			for (int i = 2; i < argc; i++) {
				if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
					fputs(c->usage, stdout);
					return 0;
				}
			}
			if (sodium_init() < 0)
				return cli_error("cannot initialise libsodium");
			return c->fn(argc - 1, argv + 1);
		}
	}
	cli_error("unknown command '%s' (see 'laoke --help')", name);
	return 2;
}
