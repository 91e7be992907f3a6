/*
 * Tests of src/core/demo.c (the pure generator) and, through it, of
 * src/store/store_sqlite_bulk.c (the bulk loader) on a temporary database.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/demo.h"
#include "core/rules.h"
#include "store/bulk.h"
#include "store/store.h"
#include "util/log.h"

/* 2025-03-15T12:00:00+08:00: a fixed "now" with a Spring Festival in the window */
#define NOW 1742011200LL

static struct lk_demo *demo_new(int64_t guests, int months, uint64_t seed)
{
	struct lk_demo_config cfg = { .nstores = 10, .nguests = guests, .months = months,
				      .seed = seed, .now = NOW };
	const char *why = NULL;
	assert_true(lk_demo_config_check(&cfg, &why));
	struct lk_demo *d = malloc(sizeof(*d));
	assert_non_null(d);
	lk_demo_init(d, &cfg);
	return d;
}

static const struct lk_demo_dish *dish_by_id(const struct lk_demo *d, int64_t id)
{
	for (int i = 0; i < d->ndishes; i++)
		if (d->dishes[i].d.id == id)
			return &d->dishes[i];
	return NULL;
}

/* 1: the PRNG repeats itself for a seed and differs across seeds */
static void rng_is_deterministic_per_seed(void **state)
{
	(void)state;
	struct lk_rng a, b, c;
	lk_rng_seed(&a, 42);
	lk_rng_seed(&b, 42);
	lk_rng_seed(&c, 43);
	int same_c = 0;
	for (int i = 0; i < 1000; i++) {
		uint64_t x = lk_rng_next(&a);
		assert_true(x == lk_rng_next(&b));
		same_c += x == lk_rng_next(&c);
		assert_true(lk_rng_below(&a, 7) < 7);
		double u = lk_rng_unit(&b);
		assert_true(u >= 0.0 && u < 1.0);
	}
	assert_true(same_c < 2);
}

static void guest_equal(const struct lk_demo_guest *a, const struct lk_demo_guest *b)
{
	assert_string_equal(a->c.name, b->c.name);
	assert_string_equal(a->c.phone, b->c.phone);
	assert_int_equal(a->c.birth_year, b->c.birth_year);
	assert_int_equal(a->c.created_at, b->c.created_at);
	assert_int_equal(a->nfacts, b->nfacts);
	assert_int_equal(a->nvisits, b->nvisits);
	assert_int_equal(a->c.total_spend_fen, b->c.total_spend_fen);
	for (int k = 0; k < a->nvisits; k++) {
		assert_int_equal(a->visits[k].visited_at, b->visits[k].visited_at);
		assert_int_equal(a->visits[k].nitems, b->visits[k].nitems);
		assert_memory_equal(a->visits[k].items, b->visits[k].items,
				    sizeof(struct lk_visit_item) * (size_t)a->visits[k].nitems);
	}
}

/* 2: same seed, same guests, in any order; another seed, other guests */
static void generator_is_deterministic_and_order_free(void **state)
{
	(void)state;
	struct lk_demo *d1 = demo_new(300, 24, 7), *d2 = demo_new(300, 24, 7);
	struct lk_demo *d3 = demo_new(300, 24, 8);
	struct lk_demo_guest *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
	assert_non_null(a);
	assert_non_null(b);
	assert_memory_equal(d1->stores, d2->stores, sizeof(d1->stores));
	int differ = 0;
	for (int64_t i = 299; i >= 0; i--) {
		lk_demo_guest_gen(d1, i, a);
		lk_demo_guest_gen(d2, 299 - i, b); /* dirty the buffer with another guest */
		lk_demo_guest_gen(d2, i, b);
		guest_equal(a, b);
		lk_demo_guest_gen(d3, i, b);
		differ += strcmp(a->c.phone, b->c.phone) != 0;
	}
	assert_true(differ > 290);
	free(a);
	free(b);
	free(d1);
	free(d2);
	free(d3);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

/* 3: every phone is a valid mainland mobile in E.164 and no two guests share one */
static void phones_are_valid_and_unique(void **state)
{
	(void)state;
	enum { N = 30000 };
	struct lk_demo *d = demo_new(N, 12, 3);
	struct lk_demo_guest *g = malloc(sizeof(*g));
	char(*phones)[16] = calloc(N, 16);
	assert_non_null(g);
	assert_non_null(phones);
	for (int i = 0; i < N; i++) {
		lk_demo_guest_gen(d, i, g);
		char out[LK_PHONE_E164_LEN];
		struct lk_err err;
		lk_err_clear(&err);
		assert_int_equal(lk_phone_normalize(g->c.phone, out, "phone", &err), LK_OK);
		assert_string_equal(out, g->c.phone);
		memcpy(phones[i], g->c.phone, 16);
	}
	qsort(phones, N, 16, cmp_str);
	for (int i = 1; i < N; i++)
		assert_true(strcmp(phones[i - 1], phones[i]) != 0);
	free(phones);
	free(g);
	free(d);
}

/*
 * 4: vegetarians never order meat or seafood, nobody orders what they are
 * allergic to, dine-in visits have exactly one soup base, and the guest's
 * aggregates are the sums of the items.
 */
static void orders_follow_diet_allergies_and_add_up(void **state)
{
	(void)state;
	enum { N = 20000 };
	struct lk_demo *d = demo_new(N, 24, 5);
	struct lk_demo_guest *g = malloc(sizeof(*g));
	assert_non_null(g);
	int vegetarians = 0, allergic = 0;
	for (int i = 0; i < N; i++) {
		lk_demo_guest_gen(d, i, g);
		bool veg = g->traits & LK_TRAIT_VEGETARIAN;
		vegetarians += veg;
		allergic += g->allergens != 0;
		int64_t total = 0, cat[LK_NCATEGORIES] = { 0 };
		for (int k = 0; k < g->nvisits; k++) {
			const struct lk_visit *v = &g->visits[k];
			int soups = 0;
			int64_t sum = 0;
			assert_true(v->nitems >= 2 && v->nitems <= LK_DEMO_LINES_MAX);
			for (int j = 0; j < v->nitems; j++) {
				const struct lk_demo_dish *m = dish_by_id(d, v->items[j].dish_id);
				assert_non_null(m);
				assert_int_equal(v->items[j].unit_price_fen, m->d.price_fen);
				if (veg)
					assert_true(strcmp(m->d.category, "meat") != 0 &&
						    strcmp(m->d.category, "seafood") != 0);
				assert_int_equal(m->allergens & g->allergens, 0);
				soups += strcmp(m->d.category, "soup_base") == 0;
				sum += v->items[j].unit_price_fen * v->items[j].qty;
				cat[m->category] += v->items[j].unit_price_fen * v->items[j].qty;
			}
			if (strcmp(v->channel, "dine_in") == 0)
				assert_int_equal(soups, 1);
			else
				assert_true(soups <= 1);
			assert_int_equal(sum, v->amount_fen);
			total += sum;
		}
		assert_int_equal(g->c.visit_count, g->nvisits);
		assert_int_equal(g->c.total_spend_fen, total);
		assert_memory_equal(g->c.spend_by_category, cat, sizeof(cat));
	}
	/* the shares are what demo.c promises, roughly */
	assert_true(vegetarians > N * 3 / 100 && vegetarians < N * 6 / 100);
	assert_true(allergic > N * 5 / 100 && allergic < N * 9 / 100);
	free(g);
	free(d);
}

/* 5: visits lie in the window, in time order, inside the store's opening hours */
static void visits_fall_inside_window_and_opening_hours(void **state)
{
	(void)state;
	enum { N = 20000 };
	struct lk_demo *d = demo_new(N, 24, 9);
	struct lk_demo_guest *g = malloc(sizeof(*g));
	assert_non_null(g);
	int64_t visits = 0, weekend = 0, late = 0, lunch = 0, dinner = 0, cny = 0;
	/* Spring Festival 2025: 2025-01-29; the surge window is -8..+6 days */
	int64_t cny_day = 20117;
	for (int i = 0; i < N; i++) {
		lk_demo_guest_gen(d, i, g);
		assert_true(g->nvisits >= 1);
		assert_true(g->c.created_at <= g->c.updated_at);
		for (int k = 0; k < g->nvisits; k++) {
			const struct lk_visit *v = &g->visits[k];
			assert_true(v->visited_at < NOW);
			assert_true(v->created_at > v->visited_at);
			if (k)
				assert_true(v->visited_at >= g->visits[k - 1].visited_at);
			const struct lk_demo_store *s = &d->stores[v->store_id - 1];
			int m = lk_demo_business_minute(v->visited_at);
			int last = s->late_night ? LK_DEMO_LATE_SEAT_MIN : LK_DEMO_LAST_SEAT_MIN;
			assert_true(m >= LK_DEMO_OPEN_MIN && m <= last);
			int64_t day = lk_demo_local_day(v->visited_at - (m >= 24 * 60 ? 86400 : 0));
			assert_true(day >= d->first_day && day <= d->last_day);
			int wd = (int)((day + 4) % 7);
			weekend += wd == 0 || wd == 5 || wd == 6;
			late += m >= 23 * 60;
			lunch += m >= 11 * 60 && m < 14 * 60;
			dinner += m >= 17 * 60 && m < 21 * 60;
			cny += day >= cny_day - 8 && day <= cny_day + 6;
			visits++;
		}
	}
	/* Fri-Sun are 3/7 of the days but carry more than half of the visits */
	assert_true(weekend * 2 > visits);
	assert_true(late > 0);
	assert_true(lunch * 4 > visits && dinner * 3 > visits);
	/* the 15 festival days carry clearly more than 15/730 of the visits */
	assert_true((double)cny / (double)visits > 2.0 * 15.0 / 730.0);
	/* about ten visits per guest over 24 months */
	assert_true(visits > N * 8 && visits < N * 12);
	free(g);
	free(d);
}

/* ---- store level ---- */

struct tmpdb {
	char dir[64];
	char path[96];
};

static void tmpdb_make(struct tmpdb *t)
{
	snprintf(t->dir, sizeof(t->dir), "/tmp/laoke-demo-XXXXXX");
	assert_non_null(mkdtemp(t->dir));
	snprintf(t->path, sizeof(t->path), "%s/demo.db", t->dir);
}

static void tmpdb_remove(struct tmpdb *t)
{
	char p[128];
	static const char *const sfx[] = { "", "-wal", "-shm" };
	for (int i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s%s", t->path, sfx[i]);
		unlink(p);
	}
	rmdir(t->dir);
}

/* The same steps as `laoke demo`, small batches to cross commit boundaries. */
static void load(const char *path, struct lk_demo *d)
{
	struct store *st;
	struct lk_err err;
	lk_err_clear(&err);
	assert_int_equal(store_open(path, &st, &err), LK_OK);
	int applied;
	assert_int_equal(store_migrate(st, &applied, &err), LK_OK);
	struct store_bulk *b;
	assert_int_equal(store_bulk_begin(st, &b, &err), LK_OK);
	for (int i = 0; i < d->nstores; i++)
		assert_int_equal(store_bulk_store(b, &d->stores[i].s, d->stores[i].opened_at, &err),
				 LK_OK);
	for (int i = 0; i < d->ndishes; i++)
		assert_int_equal(store_bulk_dish(b, &d->dishes[i].d, d->stores[0].opened_at, &err),
				 LK_OK);
	struct lk_demo_guest *g = malloc(sizeof(*g));
	assert_non_null(g);
	for (int64_t i = 0; i < d->cfg.nguests; i++) {
		lk_demo_guest_gen(d, i, g);
		assert_int_equal(store_bulk_customer(b, &g->c, &err), LK_OK);
		for (int k = 0; k < g->nfacts; k++) {
			g->facts[k].customer_id = g->c.id;
			assert_int_equal(store_bulk_fact(b, &g->facts[k], &err), LK_OK);
		}
		for (int k = 0; k < g->nvisits; k++) {
			g->visits[k].customer_id = g->c.id;
			assert_int_equal(store_bulk_visit(b, &g->visits[k], &err), LK_OK);
			/* a commit in the middle of a guest's visits must not break the totals */
			if (k == 1 && i % 97 == 0)
				assert_int_equal(store_bulk_commit(b, &err), LK_OK);
		}
		if (i % 500 == 499)
			assert_int_equal(store_bulk_commit(b, &err), LK_OK);
	}
	free(g);
	assert_int_equal(store_bulk_finish(b, &err), LK_OK);
	store_close(st);
}

static const char *const dump_sql[] = {
	"SELECT * FROM stores ORDER BY id",
	"SELECT * FROM dishes ORDER BY id",
	"SELECT id, name, phone, gender, birth_year, birth_month, birth_day, home_store_id,"
	" source, marketing_consent, consent_at, consent_channel, notes, version, created_at,"
	" updated_at, deleted_at FROM customers ORDER BY id",
	"SELECT * FROM customer_tags ORDER BY customer_id, tag",
	"SELECT * FROM family_members ORDER BY customer_id, position",
	"SELECT * FROM customer_facts ORDER BY id",
	"SELECT * FROM visits ORDER BY id",
	"SELECT * FROM visit_items ORDER BY visit_id, line",
	"SELECT * FROM customer_stats ORDER BY customer_id",
};

/* BLAKE2b of a canonical text dump of every row the loader wrote. */
static void content_hash(const char *path, unsigned char out[32])
{
	sqlite3 *db;
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	crypto_generichash_state h;
	crypto_generichash_init(&h, NULL, 0, 32);
	for (size_t q = 0; q < sizeof(dump_sql) / sizeof(dump_sql[0]); q++) {
		sqlite3_stmt *s;
		assert_int_equal(sqlite3_prepare_v2(db, dump_sql[q], -1, &s, NULL), SQLITE_OK);
		crypto_generichash_update(&h, (const unsigned char *)dump_sql[q], strlen(dump_sql[q]));
		while (sqlite3_step(s) == SQLITE_ROW) {
			for (int c = 0; c < sqlite3_column_count(s); c++) {
				unsigned char type = (unsigned char)sqlite3_column_type(s, c);
				const unsigned char *t = sqlite3_column_text(s, c);
				crypto_generichash_update(&h, &type, 1);
				if (t)
					crypto_generichash_update(&h, t, strlen((const char *)t) + 1);
			}
		}
		sqlite3_finalize(s);
	}
	crypto_generichash_final(&h, out, 32);
	sqlite3_close(db);
}

static int64_t q_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *s;
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	int64_t v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

/* 6: two loads with one seed are byte-for-byte the same content; another seed is not */
static void load_twice_same_seed_same_content(void **state)
{
	(void)state;
	struct tmpdb t1, t2, t3;
	tmpdb_make(&t1);
	tmpdb_make(&t2);
	tmpdb_make(&t3);
	struct lk_demo *d1 = demo_new(1500, 14, 11), *d2 = demo_new(1500, 14, 11);
	struct lk_demo *d3 = demo_new(1500, 14, 12);
	load(t1.path, d1);
	load(t2.path, d2);
	load(t3.path, d3);
	unsigned char h1[32], h2[32], h3[32];
	content_hash(t1.path, h1);
	content_hash(t2.path, h2);
	content_hash(t3.path, h3);
	assert_memory_equal(h1, h2, 32);
	assert_memory_not_equal(h1, h3, 32);
	free(d1);
	free(d2);
	free(d3);
	tmpdb_remove(&t1);
	tmpdb_remove(&t2);
	tmpdb_remove(&t3);
}

/*
 * 7: customer_stats equal a recomputation from visits and visit_items, the
 * name index answers, and the chain looks like a hot-pot chain.
 */
static void loaded_chain_is_consistent_and_plausible(void **state)
{
	(void)state;
	enum { N = 3000 };
	struct tmpdb t;
	tmpdb_make(&t);
	struct lk_demo *d = demo_new(N, 24, 21);
	load(t.path, d);

	sqlite3 *db;
	assert_int_equal(sqlite3_open(t.path, &db), SQLITE_OK);
	/* the WAL was checkpointed away and the file is sound */
	assert_int_equal(q_int(db, "SELECT count(*) FROM pragma_integrity_check"
				   " WHERE integrity_check <> 'ok'"), 0);
	assert_int_equal(q_int(db, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
	assert_int_equal(sqlite3_exec(db, "INSERT INTO customer_names(customer_names)"
					  " VALUES ('integrity-check')", NULL, NULL, NULL),
			 SQLITE_OK);
	assert_int_equal(q_int(db, "SELECT count(*) FROM customers"), N);
	assert_int_equal(q_int(db, "SELECT count(*) FROM customer_stats"), N);
	/* the stats as store_visit_add would have kept them */
	assert_int_equal(
		q_int(db,
		      "WITH v AS (SELECT customer_id, count(*) n, sum(amount_fen) total,"
		      "  min(visited_at) f, max(visited_at) l FROM visits GROUP BY customer_id),"
		      " c AS (SELECT i.customer_id,"
		      "  sum(CASE WHEN d.category = 'meat' THEN i.qty * i.unit_price_fen END) meat,"
		      "  sum(CASE WHEN d.category = 'seafood' THEN i.qty * i.unit_price_fen END) sea,"
		      "  sum(CASE WHEN d.category = 'vegetable' THEN i.qty * i.unit_price_fen END) veg,"
		      "  sum(CASE WHEN d.category = 'soup_base' THEN i.qty * i.unit_price_fen END) soup,"
		      "  sum(CASE WHEN d.category = 'staple' THEN i.qty * i.unit_price_fen END) staple,"
		      "  sum(CASE WHEN d.category = 'snack' THEN i.qty * i.unit_price_fen END) snack,"
		      "  sum(CASE WHEN d.category = 'drink' THEN i.qty * i.unit_price_fen END) drink,"
		      "  sum(CASE WHEN d.category = 'dessert' THEN i.qty * i.unit_price_fen END) dess"
		      "  FROM visit_items i JOIN dishes d ON d.id = i.dish_id GROUP BY i.customer_id)"
		      " SELECT count(*) FROM customer_stats s JOIN v ON v.customer_id = s.customer_id"
		      " JOIN c ON c.customer_id = s.customer_id"
		      " WHERE s.visit_count = v.n AND s.total_spend_fen = v.total"
		      " AND s.first_visit_at = v.f AND s.last_visit_at = v.l"
		      " AND s.spend_meat = coalesce(c.meat, 0) AND s.spend_seafood = coalesce(c.sea, 0)"
		      " AND s.spend_vegetable = coalesce(c.veg, 0)"
		      " AND s.spend_soup_base = coalesce(c.soup, 0)"
		      " AND s.spend_staple = coalesce(c.staple, 0)"
		      " AND s.spend_snack = coalesce(c.snack, 0)"
		      " AND s.spend_drink = coalesce(c.drink, 0)"
		      " AND s.spend_dessert = coalesce(c.dess, 0)"),
		N);
	/* a visit's amount is the sum of its items; items carry the visit's guest */
	assert_int_equal(q_int(db, "SELECT count(*) FROM visits v WHERE amount_fen <>"
				   " (SELECT sum(qty * unit_price_fen) FROM visit_items"
				   "  WHERE visit_id = v.id)"),
			 0);
	assert_int_equal(q_int(db, "SELECT count(*) FROM visit_items i JOIN visits v"
				   " ON v.id = i.visit_id WHERE i.customer_id IS NOT v.customer_id"),
			 0);
	/* guests recorded as vegetarian never spent on meat or seafood */
	assert_true(q_int(db, "SELECT count(*) FROM customer_facts WHERE value = '素食'") > 0);
	assert_int_equal(q_int(db, "SELECT count(*) FROM customer_stats s JOIN customer_facts f"
				   " ON f.customer_id = s.customer_id AND f.value = '素食'"
				   " WHERE s.spend_meat + s.spend_seafood > 0"),
			 0);
	/* nobody with a shrimp allergy ate 虾滑 */
	assert_int_equal(q_int(db, "SELECT count(*) FROM visit_items i JOIN dishes d"
				   " ON d.id = i.dish_id AND d.name = '虾滑' JOIN customer_facts f"
				   " ON f.customer_id = i.customer_id AND f.kind = 'allergy'"
				   " AND f.value IN ('虾', '海鲜')"),
			 0);
	/* mostly dine-in, some delivery; party sizes and bills of a hot-pot dinner */
	int64_t visits = q_int(db, "SELECT count(*) FROM visits");
	int64_t dine = q_int(db, "SELECT count(*) FROM visits WHERE channel = 'dine_in'");
	assert_true(dine * 100 > visits * 75 && dine < visits);
	int64_t avg_party = q_int(db, "SELECT avg(party_size) * 10 FROM visits"
				      " WHERE channel = 'dine_in'");
	assert_true(avg_party >= 25 && avg_party <= 50);
	int64_t per_head = q_int(db, "SELECT sum(amount_fen) / sum(party_size) FROM visits"
				     " WHERE channel = 'dine_in'");
	assert_true(per_head >= 4000 && per_head <= 15000);
	/* every store has guests calling it home and visits */
	assert_int_equal(q_int(db, "SELECT count(DISTINCT home_store_id) FROM customers"), 10);
	assert_int_equal(q_int(db, "SELECT count(DISTINCT store_id) FROM visits"), 10);
	/* dormant and churned guests exist beside active ones */
	assert_true(q_int(db, "SELECT count(*) FROM customer_stats WHERE last_visit_at < "
			      "1742011200 - 180 * 86400") > N / 10);
	assert_true(q_int(db, "SELECT count(*) FROM customer_stats WHERE last_visit_at > "
			      "1742011200 - 60 * 86400") > N / 5);
	/* created_at comes from the timeline: nothing is stamped with the clock */
	assert_int_equal(q_int(db, "SELECT count(*) FROM customers WHERE created_at > 1742011200"
				   " OR updated_at > 1742011200"),
			 0);
	assert_int_equal(q_int(db, "SELECT count(*) FROM visits WHERE created_at > 1742011200 + 86400"),
			 0);
	/* settings are back to durable */
	sqlite3_close(db);

	/* the store's own lookups see the loaded guests, by name through the FTS index */
	struct store *st;
	struct lk_err err;
	lk_err_clear(&err);
	assert_int_equal(store_open(t.path, &st, &err), LK_OK);
	struct lk_customer c;
	assert_int_equal(store_customer_get(st, 17, &c, &err), LK_OK);
	assert_true(c.visit_count >= 1);
	struct lk_customer *found;
	int n;
	int64_t next;
	char name[sizeof(c.name)];
	snprintf(name, sizeof(name), "%s", c.name);
	lk_customer_release(&c);
	if (lk_utf8_chars(name) >= 3) {
		assert_int_equal(store_customer_search(st, LK_SEARCH_NAME, name, NULL, 0, 50, &found, &n,
						       &next, &err),
				 LK_OK);
		bool hit = false;
		for (int i = 0; i < n; i++)
			hit |= found[i].id == 17;
		assert_true(hit);
		store_customers_free(found, n);
	}
	store_close(st);
	free(d);
	tmpdb_remove(&t);
}

int main(void)
{
	lk_log_set_quiet(1);
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rng_is_deterministic_per_seed),
		cmocka_unit_test(generator_is_deterministic_and_order_free),
		cmocka_unit_test(phones_are_valid_and_unique),
		cmocka_unit_test(orders_follow_diet_allergies_and_add_up),
		cmocka_unit_test(visits_fall_inside_window_and_opening_hours),
		cmocka_unit_test(load_twice_same_seed_same_content),
		cmocka_unit_test(loaded_chain_is_consistent_and_plausible),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
