/*
 * cmd_demo.c - `laoke demo`: fill an empty database with a generated
 * hot-pot chain (core/demo.h) through the bulk loader (store/bulk.h).
 *
 * The database must hold no stores, dishes or guests yet (users are fine,
 * so `laoke setup` may come first); there is no --force: demo data never
 * mixes with real data. Start from a new file to generate again.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "cli/progress.h"
#include "core/demo.h"
#include "store/bulk.h"
#include "util/timeutil.h"

/* Rows per transaction: big enough to amortise the commit, small enough for the WAL. */
#define BATCH_ROWS 300000

struct demo_totals {
	int64_t guests, facts, family, visits, items, spend_fen;
	int64_t archetypes[LK_ARCH_COUNT];
	int64_t vegetarians, seafood, big_spenders;
};

/* Load everything; on failure err is set and nothing is left open. */
static enum lk_rc demo_load(struct store *st, struct lk_demo *d, struct demo_totals *t,
			    int64_t *rows, struct lk_err *err)
{
	struct lk_demo_guest *g = malloc(sizeof(*g));
	if (!g)
		return lk_fail(err, LK_ENOMEM, "out_of_memory", NULL, "out of memory");
	struct store_bulk *b = NULL;
	enum lk_rc rc = store_bulk_begin(st, &b, err);
	if (rc != LK_OK) {
		free(g);
		return rc;
	}
	int64_t menu_at = d->stores[0].opened_at;
	for (int i = 0; i < d->nstores && rc == LK_OK; i++) {
		rc = store_bulk_store(b, &d->stores[i].s, d->stores[i].opened_at, err);
		if (d->stores[i].opened_at < menu_at)
			menu_at = d->stores[i].opened_at;
	}
	for (int i = 0; i < d->ndishes && rc == LK_OK; i++)
		rc = store_bulk_dish(b, &d->dishes[i].d, menu_at - 86400, err);

	struct cli_progress p;
	cli_progress_init(&p, "demo", "guests", "visits");
	int64_t batch_start = store_bulk_rows(b);
	for (int64_t i = 0; i < d->cfg.nguests && rc == LK_OK; i++) {
		lk_demo_guest_gen(d, i, g);
		if ((rc = store_bulk_customer(b, &g->c, err)) != LK_OK)
			break;
		for (int k = 0; k < g->nfacts && rc == LK_OK; k++) {
			g->facts[k].customer_id = g->c.id;
			rc = store_bulk_fact(b, &g->facts[k], err);
		}
		for (int k = 0; k < g->nvisits && rc == LK_OK; k++) {
			g->visits[k].customer_id = g->c.id;
			rc = store_bulk_visit(b, &g->visits[k], err);
			t->items += g->visits[k].nitems;
		}
		if (rc != LK_OK)
			break;
		t->guests++;
		t->facts += g->nfacts;
		t->family += g->c.nfamily;
		t->visits += g->nvisits;
		t->spend_fen += g->c.total_spend_fen;
		t->archetypes[g->archetype]++;
		t->vegetarians += (g->traits & LK_TRAIT_VEGETARIAN) != 0;
		t->seafood += (g->traits & LK_TRAIT_SEAFOOD) != 0;
		t->big_spenders += (g->traits & LK_TRAIT_BIG_SPENDER) != 0;
		if (store_bulk_rows(b) - batch_start >= BATCH_ROWS) {
			if ((rc = store_bulk_commit(b, err)) != LK_OK)
				break;
			batch_start = store_bulk_rows(b);
		}
		if ((i & 255) == 0)
			cli_progress_show(&p, i, d->cfg.nguests, t->visits, false);
	}
	free(g);
	if (rc != LK_OK) {
		store_bulk_abort(b);
		return rc;
	}
	*rows = store_bulk_rows(b);
	cli_progress_show(&p, d->cfg.nguests, d->cfg.nguests, t->visits, true);
	fprintf(stderr, "demo: building indexes and checkpointing the write-ahead log\n");
	return store_bulk_finish(b, err);
}

/* LK_ECONFLICT unless the database has no stores, dishes or guests. */
static enum lk_rc demo_check_empty(struct store *st, struct lk_err *err)
{
	struct lk_store *stores = NULL;
	struct lk_dish *dishes = NULL;
	struct lk_customer *guests = NULL;
	int ns = 0, nd = 0, ng = 0;
	int64_t next = 0;
	enum lk_rc rc = store_store_list(st, &stores, &ns, err);
	if (rc == LK_OK)
		rc = store_dish_list(st, false, &dishes, &nd, err);
	if (rc == LK_OK)
		rc = store_customer_search(st, LK_SEARCH_ALL, "", NULL, 0, 1, &guests, &ng, &next, err);
	free(stores);
	free(dishes);
	if (rc == LK_OK)
		store_customers_free(guests, ng);
	if (rc != LK_OK)
		return rc;
	if (ns || nd || ng)
		return lk_fail(err, LK_ECONFLICT, "not_empty", NULL,
			       "the database already has %s: demo data goes into a new database"
			       " only (use another --db)",
			       ng ? "guests" : ns ? "stores" : "dishes");
	return LK_OK;
}

int cmd_demo(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "stores", required_argument, NULL, 's' },
		{ "guests", required_argument, NULL, 'g' },
		{ "months", required_argument, NULL, 'm' },
		{ "seed", required_argument, NULL, 'r' },
		{ "now", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	struct lk_demo_config cfg = { .nstores = 10, .nguests = 2000, .months = 12, .seed = 1 };
	const char *db = NULL, *now_text = NULL;
	int64_t v;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 's':
			if (!cli_parse_i64(optarg, 1, LK_DEMO_STORES_MAX, &v))
				return cli_error("'--stores' must be a number from 1 to %d",
						 LK_DEMO_STORES_MAX);
			cfg.nstores = (int)v;
			break;
		case 'g':
			if (!cli_parse_i64(optarg, 0, LK_DEMO_GUESTS_MAX, &v))
				return cli_error("'--guests' must be a number from 0 to %lld",
						 (long long)LK_DEMO_GUESTS_MAX);
			cfg.nguests = v;
			break;
		case 'm':
			if (!cli_parse_i64(optarg, 1, LK_DEMO_MONTHS_MAX, &v))
				return cli_error("'--months' must be a number from 1 to %d",
						 LK_DEMO_MONTHS_MAX);
			cfg.months = (int)v;
			break;
		case 'r':
			if (!cli_parse_i64(optarg, 0, INT64_MAX, &v))
				return cli_error("'--seed' must be a non-negative number");
			cfg.seed = (uint64_t)v;
			break;
		case 'n': now_text = optarg; break;
		default: cli_usage("demo", true); return 2;
		}
	}
	if (optind < argc)
		return cli_error("unexpected argument '%s'", argv[optind]);
	cfg.now = lk_now();
	if (now_text && !lk_time_parse(now_text, &cfg.now))
		return cli_error("'--now' must be an RFC 3339 time such as 2025-06-30T12:00:00+08:00");
	const char *why;
	if (!lk_demo_config_check(&cfg, &why))
		return cli_error("%s", why);

	const char *url = cli_db_url(db);
	if (cli_ensure_db_dir(url))
		return 1;
	struct store *st = cli_open_store(url, true);
	if (!st)
		return 1;
	struct lk_err err;
	lk_err_clear(&err);
	if (demo_check_empty(st, &err) != LK_OK) {
		store_close(st);
		return cli_error("%s", err.msg);
	}
	struct lk_demo *d = malloc(sizeof(*d));
	if (!d) {
		store_close(st);
		return cli_error("out of memory");
	}
	lk_demo_init(d, &cfg);
	struct demo_totals t = { 0 };
	int64_t rows = 0;
	int64_t t0 = lk_mono_us();
	enum lk_rc rc = demo_load(st, d, &t, &rows, &err);
	double secs = (double)(lk_mono_us() - t0) / 1e6;
	store_close(st);
	if (rc != LK_OK) {
		free(d);
		return cli_error("demo load failed: %s (the database is incomplete: delete it)",
				 err.msg);
	}

	char a[32], b2[32], c2[32], e[32], f[32], h[32];
	char from[40], to[40];
	lk_time_format((d->first_day) * 86400 - 8 * 3600, 480, from, sizeof(from));
	lk_time_format((d->last_day) * 86400 - 8 * 3600, 480, to, sizeof(to));
	from[10] = to[10] = '\0';
	printf("demo chain written to %s (seed %" PRIu64 ")\n", url, cfg.seed);
	printf("  stores       %d (all Asia/Shanghai)\n", d->nstores);
	printf("  dishes       %d\n", d->ndishes);
	printf("  guests       %s (facts %s, family members %s)\n", cli_thousands(t.guests, a, 32),
	       cli_thousands(t.facts, b2, 32), cli_thousands(t.family, c2, 32));
	printf("  visits       %s with %s items, %s to %s (%d months)\n",
	       cli_thousands(t.visits, e, 32), cli_thousands(t.items, f, 32), from, to, cfg.months);
	printf("  spend        ¥%s\n", cli_thousands(t.spend_fen / 100, h, 32));
	printf("  archetypes  ");
	for (int i = 0; i < LK_ARCH_COUNT; i++)
		printf(" %s %s", lk_demo_archetype_names[i], cli_thousands(t.archetypes[i], a, 32));
	printf("\n  traits       vegetarian %s, seafood lover %s, big spender %s\n",
	       cli_thousands(t.vegetarians, a, 32), cli_thousands(t.seafood, b2, 32),
	       cli_thousands(t.big_spenders, c2, 32));
	const char *path = strncmp(url, "sqlite:", 7) == 0 ? url + 7 : url;
	struct stat sb;
	char size[48] = "";
	if (stat(path, &sb) == 0)
		snprintf(size, sizeof(size), ", file %.1f MiB", (double)sb.st_size / 1048576.0);
	printf("  took         %.1f s (%s rows/s%s)\n", secs,
	       cli_thousands(secs > 0 ? (int64_t)((double)rows / secs) : rows, a, 32), size);
	free(d);
	return 0;
}
