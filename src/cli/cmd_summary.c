/*
 * cmd_summary.c - `laoke summary --end YYYY-MM-DD`: each guest's purchase
 * summary (frequency, recency, T, monetary value) as of the end of a day,
 * with the conventions of lifetimes' summary_data_from_transaction_data
 * (core/rfm_summary.h), as CSV on standard output:
 *
 *   guest_id,phone,frequency,recency,T,monetary_value
 *
 * The guests and their visits up to the end come from the store one guest
 * at a time (store_purchase_scan(), guest id order); a visit's day is its
 * local day in the chain's zone (Asia/Shanghai). Guests without a visit up
 * to the end are not printed (lifetimes leaves them out too). recency and T
 * are whole days, or days / 7 with --unit weeks (lifetimes' freq='D',
 * freq_multiplier=7, the unit of the CDNOW reference files); monetary_value
 * is the mean of the repeat days' totals in yuan.
 */
#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/rfm_summary.h"
#include "core/rules.h"
#include "util/timeutil.h"

/* Guests to print (--customers): ids and E.164 phones, both sorted. */
struct summary_filter {
	int64_t *ids;
	size_t nids;
	char (*phones)[LK_PHONE_E164_LEN];
	size_t nphones;
};

struct summary_ctx {
	FILE *out;
	bool weeks;
	int tz_min;
	int64_t end_day;
	const struct summary_filter *filter;  /* NULL: every guest */
	struct lk_purchase *p;
	size_t cap;
	int64_t printed;
	bool oom;
};

/* "YYYY-MM-DD" (a real day, 1970 or later) to days since 1970-01-01. */
static bool parse_day(const char *s, int64_t *days)
{
	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return false;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
			return false;
	int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (y < 1970 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return false;
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (m == 2 && d == 29 && !leap)
		return false;
	*days = lk_days_from_civil(y, (unsigned)m, (unsigned)d);
	return true;
}

/* The local day of Unix time t at tz_min minutes east of UTC (floor division). */
static int64_t local_day(int64_t t, int tz_min)
{
	int64_t s = t + (int64_t)tz_min * 60;
	return s >= 0 ? s / 86400 : -((-s + 86399) / 86400);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static int cmp_phone(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void filter_free(struct summary_filter *f)
{
	free(f->ids);
	free(f->phones);
}

/*
 * Read --customers FILE: one guest a line, a mainland mobile number in any
 * form laoke accepts or else a guest id; blank lines and lines starting
 * with '#' are skipped. Returns 0 or 1 after printing the problem.
 */
static int filter_read(const char *path, struct summary_filter *f)
{
	memset(f, 0, sizeof(*f));
	FILE *in = fopen(path, "r");
	if (!in)
		return cli_error("cannot open '%s': %m", path);
	size_t capi = 0, capp = 0;
	char line[256];
	long lineno = 0;
	int rc = 0;
	while (fgets(line, sizeof(line), in)) {
		lineno++;
		char *s = line;
		if (lineno == 1 && strncmp(s, "\xef\xbb\xbf", 3) == 0)
			s += 3;
		while (*s == ' ' || *s == '\t')
			s++;
		size_t len = strlen(s);
		while (len && (s[len - 1] == '\n' || s[len - 1] == '\r' || s[len - 1] == ' ' ||
			       s[len - 1] == '\t'))
			s[--len] = '\0';
		if (!len || s[0] == '#')
			continue;
		char e164[LK_PHONE_E164_LEN];
		struct lk_err err;
		lk_err_clear(&err);
		int64_t id;
		if (lk_phone_normalize(s, e164, "phone", &err) == LK_OK) {
			if (f->nphones == capp) {
				capp = capp ? capp * 2 : 256;
				void *np = realloc(f->phones, capp * sizeof(*f->phones));
				if (!np) {
					rc = cli_error("out of memory");
					break;
				}
				f->phones = np;
			}
			memcpy(f->phones[f->nphones++], e164, sizeof(e164));
		} else if (cli_parse_i64(s, 1, INT64_MAX, &id)) {
			if (f->nids == capi) {
				capi = capi ? capi * 2 : 256;
				void *ni = realloc(f->ids, capi * sizeof(*f->ids));
				if (!ni) {
					rc = cli_error("out of memory");
					break;
				}
				f->ids = ni;
			}
			f->ids[f->nids++] = id;
		} else {
			rc = cli_error("%s:%ld: '%.64s' is neither a guest id nor a mainland mobile "
				       "number", path, lineno, s);
			break;
		}
	}
	if (!rc && ferror(in))
		rc = cli_error("cannot read '%s': %m", path);
	fclose(in);
	if (rc) {
		filter_free(f);
		return rc;
	}
	if (f->nids)
		qsort(f->ids, f->nids, sizeof(*f->ids), cmp_i64);
	if (f->nphones)
		qsort(f->phones, f->nphones, sizeof(*f->phones), cmp_phone);
	return 0;
}

static bool filter_has(const struct summary_filter *f, const struct store_purchase_guest *g)
{
	if (f->nids && bsearch(&g->id, f->ids, f->nids, sizeof(*f->ids), cmp_i64))
		return true;
	return f->nphones && g->phone[0] &&
	       bsearch(g->phone, f->phones, f->nphones, sizeof(*f->phones), cmp_phone);
}

static int on_guest(const struct store_purchase_guest *g, void *arg)
{
	struct summary_ctx *c = arg;
	if (c->filter && !filter_has(c->filter, g))
		return 0;
	if (g->n > c->cap) {
		size_t nc = c->cap ? c->cap : 64;
		while (nc < g->n)
			nc *= 2;
		struct lk_purchase *np = realloc(c->p, nc * sizeof(*np));
		if (!np) {
			c->oom = true;
			return 1;
		}
		c->p = np;
		c->cap = nc;
	}
	/* visits come in time order, so their local days are in order too */
	for (size_t i = 0; i < g->n; i++) {
		c->p[i].day = local_day(g->v[i].visited_at, c->tz_min);
		c->p[i].amount_cents = g->v[i].amount_fen;
	}
	struct lk_purchase_summary s;
	lk_purchase_summary(c->p, g->n, c->end_day, &s);
	if (s.periods == 0)
		return 0;
	double money = s.monetary / 100.0;
	if (c->weeks)
		fprintf(c->out, "%lld,%s,%lld,%.6f,%.6f,%.6f\n", (long long)g->id, g->phone,
			(long long)s.frequency, (double)s.recency_days / 7.0,
			(double)s.T_days / 7.0, money);
	else
		fprintf(c->out, "%lld,%s,%lld,%lld,%lld,%.6f\n", (long long)g->id, g->phone,
			(long long)s.frequency, (long long)s.recency_days, (long long)s.T_days,
			money);
	c->printed++;
	return 0;
}

int cmd_summary(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "end", required_argument, NULL, 'e' },
		{ "unit", required_argument, NULL, 'u' },
		{ "customers", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	const char *db = NULL, *end = NULL, *unit = "days", *customers = NULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 'e': end = optarg; break;
		case 'u': unit = optarg; break;
		case 'c': customers = optarg; break;
		default: cli_usage("summary", true); return 2;
		}
	}
	if (optind < argc)
		return cli_error("unexpected argument '%s'", argv[optind]);
	if (!end) {
		cli_usage("summary", true);
		return 2;
	}
	struct summary_ctx ctx = { .out = stdout };
	if (!parse_day(end, &ctx.end_day))
		return cli_error("--end must be a date YYYY-MM-DD, not '%s'", end);
	if (strcmp(unit, "weeks") == 0)
		ctx.weeks = true;
	else if (strcmp(unit, "days") != 0)
		return cli_error("--unit must be days or weeks, not '%s'", unit);
	lk_tz_offset(LK_DEFAULT_TZ, &ctx.tz_min);

	struct summary_filter filter;
	if (customers) {
		if (filter_read(customers, &filter) != 0)
			return 1;
		ctx.filter = &filter;
	}
	struct store *st = cli_open_store(cli_db_url(db), false);
	if (!st) {
		if (customers)
			filter_free(&filter);
		return 1;
	}
	/* visits up to the last second of the end day, local time */
	int64_t until = (ctx.end_day + 1) * 86400 - (int64_t)ctx.tz_min * 60 - 1;
	int64_t t0 = lk_mono_us();
	fputs("guest_id,phone,frequency,recency,T,monetary_value\n", stdout);
	struct lk_err err;
	lk_err_clear(&err);
	int64_t guests = 0, visits = 0;
	enum lk_rc rc = store_purchase_scan(st, until, on_guest, &ctx, &guests, &visits, NULL,
					    &err);
	store_close(st);
	int ret = 0;
	if (rc != LK_OK)
		ret = cli_error("%s", err.msg);
	else if (ctx.oom)
		ret = cli_error("out of memory");
	else if (fflush(stdout) != 0 || ferror(stdout))
		ret = cli_error("cannot write the summary: %m");
	else
		fprintf(stderr, "summary: %lld guests printed (%lld with a visit up to %s, "
			"%lld visits read) in %.3f s\n", (long long)ctx.printed,
			(long long)guests, end, (long long)visits,
			(double)(lk_mono_us() - t0) / 1e6);
	if (customers) {
		size_t listed = filter.nids + filter.nphones;
		if (!ret && (int64_t)listed > ctx.printed)
			fprintf(stderr, "summary: %lld of the %zu guests listed in %s are unknown or "
				"have no visit up to %s\n", (long long)((int64_t)listed - ctx.printed),
				listed, customers, end);
		filter_free(&filter);
	}
	free(ctx.p);
	return ret;
}
