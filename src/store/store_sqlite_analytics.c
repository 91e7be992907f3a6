/*
 * store_sqlite_analytics.c - dish analytics (客户需求分析: what guests order):
 * per dish the visits that ordered it, quantity, revenue, distinct and
 * repeat guests, and the dishes ordered in the same visits.
 *
 * One statement streams the filtered visits' items grouped by visit (the
 * visits are the outer loop, in id order, each visit's items fetched by
 * primary key, so visit_items is read front to back); everything else is
 * counted here in one pass: per-visit distinct dishes (a stamp per dish),
 * the pairs of dishes of each visit (a triangle of counters, or a hash map
 * for a huge menu), and per dish the guests of its visits, sorted at the
 * end to count distinct and repeat guests (4 bytes per order held while
 * the pass runs). Counting the pairs with a GROUP BY self-join of
 * visit_items instead took 44 s for 90 days of the 1M-guest demo
 * (docs/PERFORMANCE.md, "Dish analytics"). The dishes' ratings come from
 * feedback, one grouped read in the same transaction.
 */
#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite_int.h"
#include "store/store.h"

/*
 * The stores of the filter (?3 a store, 0 any; ?4 a region, '' any) within
 * the scope (?5/?6 as SCOPE_STORES in store_sqlite.c: 0/'' every store).
 */
#define STORE_SET                                                                              \
	"(SELECT id FROM stores WHERE (?3 = 0 OR id = ?3) AND (?4 = '' OR region = ?4)"         \
	"  AND ((?5 = 0 AND ?6 = '') OR (?5 <> 0 AND id = ?5) OR (?6 <> '' AND region = ?6)))"

/*
 * Every statement gives (visit id, customer id or NULL, dish id, qty, unit
 * price) with the rows of one visit together (the visits are the outer
 * loop) and a visit without items as one row of NULLs.
 */

/*
 * The whole chain: the visits table front to back, cheaper than the index
 * and then a sort. NOT INDEXED: else SQLite reads the covering index
 * visits_customer instead, in guest order, and the items then come in
 * random order (90 days of a 1M-guest chain: 11 s instead of 2.3 s).
 */
static const char SQL_CHAIN[] =
	"SELECT v.id, v.customer_id, i.dish_id, i.qty, i.unit_price_fen"
	" FROM visits v NOT INDEXED LEFT JOIN visit_items i ON i.visit_id = v.id"
	" WHERE v.visited_at BETWEEN ?1 AND ?2";

/* Some stores: their visits through visits_store_time, put in id order before the items. */
static const char SQL_STORES[] =
	"WITH w(id) AS MATERIALIZED (SELECT id FROM visits WHERE store_id IN " STORE_SET
	"  AND visited_at BETWEEN ?1 AND ?2 ORDER BY id)"
	" SELECT w.id, v.customer_id, i.dish_id, i.qty, i.unit_price_fen"
	" FROM w CROSS JOIN visits v ON v.id = w.id LEFT JOIN visit_items i ON i.visit_id = w.id";

/* A segment: its guests from cls_current, their visits through visits_customer. */
static const char SQL_SEGMENT[] =
	"WITH g(cid) AS MATERIALIZED (SELECT customer_id FROM cls_current WHERE"
	"  (?7 < 0 OR lifecycle = ?7) AND (?8 < 0 OR frequency_tier = ?8)"
	"  AND (?9 < 0 OR spend_tier = ?9) AND (?10 < 0 OR preference = ?10)"
	"  AND (?11 < 0 OR grade = ?11) AND (?12 < 0 OR vip = ?12)"
	"  AND (?13 < 0 OR at_risk = ?13) AND (?14 < 0 OR segment = ?14)),"
	" w(id, cid) AS MATERIALIZED (SELECT v.id, v.customer_id FROM g CROSS JOIN visits v"
	"  ON v.customer_id = g.cid AND v.visited_at BETWEEN ?1 AND ?2"
	"  WHERE (?3 = 0 AND ?4 = '' AND ?5 = 0 AND ?6 = '') OR v.store_id IN " STORE_SET
	"  ORDER BY v.id)"
	" SELECT w.id, w.cid, i.dish_id, i.qty, i.unit_price_fen"
	" FROM w LEFT JOIN visit_items i ON i.visit_id = w.id";

static const char SQL_MENU[] = "SELECT id, name, category FROM dishes ORDER BY id";

/*
 * The ratings of the dishes: feedback naming a dish, received in the
 * period at a store of the filter and the scope (STORE_SET: every store
 * when no filter or scope, so the read is one feedback_store_time range
 * per store), and with a segment filter (?15 = 1) from a guest of it.
 */
static const char SQL_RATINGS[] =
	"SELECT dish_id, count(rating), coalesce(avg(rating), 0), sum(complaint) FROM feedback"
	" WHERE store_id IN " STORE_SET " AND received_at BETWEEN ?1 AND ?2"
	"  AND dish_id IS NOT NULL"
	"  AND (?15 = 0 OR customer_id IN (SELECT customer_id FROM cls_current WHERE"
	"   (?7 < 0 OR lifecycle = ?7) AND (?8 < 0 OR frequency_tier = ?8)"
	"   AND (?9 < 0 OR spend_tier = ?9) AND (?10 < 0 OR preference = ?10)"
	"   AND (?11 < 0 OR grade = ?11) AND (?12 < 0 OR vip = ?12)"
	"   AND (?13 < 0 OR at_risk = ?13) AND (?14 < 0 OR segment = ?14)))"
	" GROUP BY dish_id";

void store_dish_filter_init(struct store_dish_filter *f)
{
	memset(f, 0, sizeof(*f));
	f->lifecycle = f->frequency_tier = f->spend_tier = f->preference = -1;
	f->grade = f->vip = f->at_risk = f->segment = -1;
	f->limit = 50;
	f->co_limit = 5;
}

/* What a report's rows point into (names, co-ordered dishes). */
struct report_mem {
	char *pool;
	struct store_dish_co *co;
};

void store_dish_report_free(struct store_dish_report *r)
{
	if (!r)
		return;
	struct report_mem *mem = r->mem;
	if (mem) {
		free(mem->pool);
		free(mem->co);
	}
	free(r->items);
	free(mem);
	memset(r, 0, sizeof(*r));
}

/* ---- growing arrays, sorting ---- */

/*
 * Guest ids are kept as 32 bits: SQLite hands out ids one above the
 * largest, and the API never chooses one, so 2^32 guests would have to be
 * made first. A bigger id fails the query (guest_id_range) rather than
 * counting wrong.
 */
struct ids {
	uint32_t *v;
	size_t n, cap;
};

static bool ids_push(struct ids *a, uint32_t x)
{
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap + a->cap / 2 : 16;
		uint32_t *v = realloc(a->v, cap * sizeof(*v));
		if (!v)
			return false;
		a->v = v;
		a->cap = cap;
	}
	a->v[a->n++] = x;
	return true;
}

/*
 * Sort v[0..n-1] ascending: LSD radix by bytes, skipping the bytes every
 * value shares (ids below 2^24 take three passes). tmp holds n.
 */
static void radix_sort(uint32_t *v, uint32_t *tmp, size_t n)
{
	size_t count[4][256];
	memset(count, 0, sizeof(count));
	for (size_t i = 0; i < n; i++)
		for (int b = 0; b < 4; b++)
			count[b][(v[i] >> (8 * b)) & 0xff]++;
	uint32_t *src = v, *dst = tmp;
	for (int b = 0; b < 4; b++) {
		size_t *c = count[b];
		bool trivial = false;
		for (int k = 0; k < 256 && !trivial; k++)
			trivial = c[k] == n;
		if (trivial)
			continue;
		size_t pos = 0;
		for (int k = 0; k < 256; k++) {
			size_t m = c[k];
			c[k] = pos;
			pos += m;
		}
		for (size_t i = 0; i < n; i++)
			dst[c[(src[i] >> (8 * b)) & 0xff]++] = src[i];
		uint32_t *t = src;
		src = dst;
		dst = t;
	}
	if (src != v)
		memcpy(v, src, n * sizeof(*v));
}

/* Distinct values of sorted v, and how many occur at least twice. */
static void runs(const uint32_t *v, size_t n, int64_t *distinct, int64_t *repeated)
{
	*distinct = *repeated = 0;
	for (size_t i = 0; i < n;) {
		size_t j = i + 1;
		while (j < n && v[j] == v[i])
			j++;
		(*distinct)++;
		if (j - i >= 2)
			(*repeated)++;
		i = j;
	}
}

/*
 * ---- pairs of dishes in one visit ----
 * A menu of up to PAIRS_DENSE_MAX dishes counts in a triangle of counters
 * (97 dishes: 37 KB, in cache); a bigger one in a hash map, open addressing
 * on (a << 32 | b), a < b, that holds only the pairs ordered.
 */
#define PAIRS_DENSE_MAX 1024

struct pairs {
	int64_t *tri;           /* dense: the count of (a, b) at tri_at(nd, a, b) */
	size_t nd;
	uint64_t *key;          /* sparse: 0 empty (b > a >= 0, so a real key is never 0) */
	int64_t *n;
	size_t cap, used;       /* cap a power of two */
};

static inline size_t tri_at(size_t nd, size_t a, size_t b)
{
	return a * nd - a * (a + 1) / 2 + (b - a - 1);
}

static size_t pair_slot(const struct pairs *p, uint64_t key)
{
	size_t mask = p->cap - 1;
	size_t h = (size_t)((key * 0x9E3779B97F4A7C15ull) >> 20) & mask;
	while (p->key[h] && p->key[h] != key)
		h = (h + 1) & mask;
	return h;
}

static bool pairs_grow(struct pairs *p)
{
	struct pairs q;
	memset(&q, 0, sizeof(q));
	q.cap = p->cap ? p->cap * 2 : 1024;
	q.used = p->used;
	q.key = calloc(q.cap, sizeof(*q.key));
	q.n = malloc(q.cap * sizeof(*q.n));
	if (!q.key || !q.n) {
		free(q.key);
		free(q.n);
		return false;
	}
	for (size_t i = 0; i < p->cap; i++) {
		if (!p->key[i])
			continue;
		size_t h = pair_slot(&q, p->key[i]);
		q.key[h] = p->key[i];
		q.n[h] = p->n[i];
	}
	free(p->key);
	free(p->n);
	*p = q;
	return true;
}

static bool pair_add(struct pairs *p, uint32_t a, uint32_t b)
{
	if (a > b) {
		uint32_t t = a;
		a = b;
		b = t;
	}
	if (p->tri) {
		p->tri[tri_at(p->nd, a, b)]++;
		return true;
	}
	if ((p->used + 1) * 2 > p->cap && !pairs_grow(p))
		return false;
	uint64_t key = (uint64_t)a << 32 | b;
	size_t h = pair_slot(p, key);
	if (!p->key[h]) {
		p->key[h] = key;
		p->n[h] = 0;
		p->used++;
	}
	p->n[h]++;
	return true;
}

/* ---- the pass ---- */

struct dish {
	int64_t id;
	size_t name, category;  /* offsets in the pool */
	int64_t orders, qty, revenue;
	int64_t stamp;          /* the last visit (sequence number) that had it */
	struct ids cids;        /* the guest of each of its visits (named guests only) */
	int out;                /* position in the answer, -1 when not returned */
};

struct pass {
	struct dish *d;
	size_t nd;
	int32_t *direct;        /* dish id -> index when ids are small, else NULL */
	int64_t direct_max;
	char *pool;
	size_t pool_len, pool_cap;
	struct pairs pairs;
	uint32_t *vd;           /* the distinct dishes of the current visit */
	size_t nvd, cap_vd;
	struct ids visit_cids;  /* the guest of every named visit */
};

static void pass_free(struct pass *p)
{
	for (size_t i = 0; i < p->nd; i++)
		free(p->d[i].cids.v);
	free(p->d);
	free(p->direct);
	free(p->pool);
	free(p->pairs.tri);
	free(p->pairs.key);
	free(p->pairs.n);
	free(p->vd);
	free(p->visit_cids.v);
}

static bool pool_add(struct pass *p, const unsigned char *t, size_t *off)
{
	size_t n = t ? strlen((const char *)t) : 0;
	if (p->pool_len + n + 1 > p->pool_cap) {
		size_t cap = p->pool_cap ? p->pool_cap : 4096;
		while (cap < p->pool_len + n + 1)
			cap *= 2;
		char *np = realloc(p->pool, cap);
		if (!np)
			return false;
		p->pool = np;
		p->pool_cap = cap;
	}
	*off = p->pool_len;
	if (n)
		memcpy(p->pool + p->pool_len, t, n);
	p->pool[p->pool_len + n] = '\0';
	p->pool_len += n + 1;
	return true;
}

static enum lk_rc oom(struct lk_err *err)
{
	return lk_fail(err, LK_ENOMEM, "out_of_memory", NULL, "out of memory");
}

/* The menu, in id order, and the map from dish id to its index. */
static enum lk_rc load_menu(struct store *st, struct pass *p, struct lk_err *err)
{
	sqlite3_stmt *s = sq_prep(st, SQL_MENU, err);
	if (!s)
		return LK_EDB;
	size_t cap = 0;
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (p->nd == cap) {
			cap = cap ? cap * 2 : 128;
			struct dish *nd = realloc(p->d, cap * sizeof(*nd));
			if (!nd) {
				sqlite3_reset(s);
				return oom(err);
			}
			p->d = nd;
		}
		int64_t id = sqlite3_column_int64(s, 0);
		if (id < 1)
			continue; /* not an id the API makes; 0 stands for "no dish" below */
		struct dish *d = &p->d[p->nd];
		memset(d, 0, sizeof(*d));
		d->id = id;
		d->out = -1;
		d->stamp = -1;
		p->nd++;
		if (!pool_add(p, sqlite3_column_text(s, 1), &d->name) ||
		    !pool_add(p, sqlite3_column_text(s, 2), &d->category)) {
			sqlite3_reset(s);
			return oom(err);
		}
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return sq_db_fail(st, err, "dish analytics");
	int64_t max = p->nd ? p->d[p->nd - 1].id : 0;
	if (max <= (1 << 22)) {
		p->direct = malloc((size_t)(max + 1) * sizeof(*p->direct));
		if (!p->direct)
			return oom(err);
		for (int64_t i = 0; i <= max; i++)
			p->direct[i] = -1;
		for (size_t i = 0; i < p->nd; i++)
			p->direct[p->d[i].id] = (int32_t)i;
		p->direct_max = max;
	}
	return LK_OK;
}

static long dish_index(const struct pass *p, int64_t id)
{
	if (p->direct)
		return id >= 0 && id <= p->direct_max ? p->direct[id] : -1;
	size_t lo = 0, hi = p->nd;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (p->d[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < p->nd && p->d[lo].id == id ? (long)lo : -1;
}

/* The pairs of the visit that just ended. */
static bool end_visit(struct pass *p, bool pairs)
{
	if (pairs)
		for (size_t i = 0; i < p->nvd; i++)
			for (size_t j = i + 1; j < p->nvd; j++)
				if (!pair_add(&p->pairs, p->vd[i], p->vd[j]))
					return false;
	p->nvd = 0;
	return true;
}

static enum lk_rc stream(struct store *st, sqlite3_stmt *s, struct pass *p, bool pairs,
			 int64_t *visits, struct lk_err *err)
{
	int64_t cur = INT64_MIN, cid = 0, seq = -1;
	int rc;
	*visits = 0;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t vid = sqlite3_column_int64(s, 0);
		if (vid != cur) {
			if (!end_visit(p, pairs))
				goto nomem;
			cur = vid;
			seq++;
			(*visits)++;
			cid = sqlite3_column_int64(s, 1); /* NULL (a walk-in) reads 0 */
			if (cid < 0 || cid > (int64_t)UINT32_MAX) {
				sqlite3_reset(s);
				return lk_fail(err, LK_EDB, "guest_id_range", NULL,
					       "guest id %lld is too large for dish analytics",
					       (long long)cid);
			}
			if (cid && !ids_push(&p->visit_cids, (uint32_t)cid))
				goto nomem;
		}
		/* dish NULL (a visit without items) reads 0, which no dish has */
		long di = dish_index(p, sqlite3_column_int64(s, 2));
		if (di < 0)
			continue;
		struct dish *d = &p->d[di];
		int64_t qty = sqlite3_column_int64(s, 3);
		d->qty += qty;
		d->revenue += qty * sqlite3_column_int64(s, 4);
		if (d->stamp == seq)
			continue; /* the dish again in the same visit: one order */
		d->stamp = seq;
		d->orders++;
		if (cid && !ids_push(&d->cids, (uint32_t)cid))
			goto nomem;
		if (pairs) {
			if (p->nvd == p->cap_vd) {
				size_t cap = p->cap_vd ? p->cap_vd * 2 : 64;
				uint32_t *nv = realloc(p->vd, cap * sizeof(*nv));
				if (!nv)
					goto nomem;
				p->vd = nv;
				p->cap_vd = cap;
			}
			p->vd[p->nvd++] = (uint32_t)di;
		}
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return sq_db_fail(st, err, "dish analytics");
	return end_visit(p, pairs) ? LK_OK : oom(err);
nomem:
	sqlite3_reset(s);
	return oom(err);
}

/* ---- the answer ---- */

struct rank {
	int64_t orders, id;
	uint32_t i;
};

static int by_orders(const void *a, const void *b)
{
	const struct rank *x = a, *y = b;
	if (x->orders != y->orders)
		return x->orders > y->orders ? -1 : 1;
	return (x->id > y->id) - (x->id < y->id);
}

/* Whether co-ordered (together, id) ranks before c. */
static bool co_before(int64_t together, int64_t id, const struct store_dish_co *c)
{
	return together > c->together || (together == c->together && id < c->dish_id);
}

/* Keep the best co_limit partners of row, best first. */
static void co_offer(struct store_dish_row *row, int co_limit, const char *pool,
		     const struct dish *other, int64_t together)
{
	if (row->nco == co_limit && !co_before(together, other->id, &row->co[co_limit - 1]))
		return;
	int i = row->nco < co_limit ? row->nco++ : co_limit - 1;
	while (i > 0 && co_before(together, other->id, &row->co[i - 1])) {
		row->co[i] = row->co[i - 1];
		i--;
	}
	row->co[i].dish_id = other->id;
	row->co[i].name = pool + other->name;
	row->co[i].together = together;
	row->co[i].orders = other->orders;
}

/* Offer a pair to both of its dishes' lists (when they are returned). */
static void co_pair(struct store_dish_report *out, int co_limit, const char *pool,
		    const struct dish *a, const struct dish *b, int64_t together)
{
	if (a->out >= 0)
		co_offer(&out->items[a->out], co_limit, pool, b, together);
	if (b->out >= 0)
		co_offer(&out->items[b->out], co_limit, pool, a, together);
}

static enum lk_rc build(struct pass *p, const struct store_dish_filter *f,
			struct store_dish_report *out, struct lk_err *err)
{
	/* distinct guests of all the visits */
	size_t maxn = p->visit_cids.n;
	for (size_t i = 0; i < p->nd; i++)
		if (p->d[i].cids.n > maxn)
			maxn = p->d[i].cids.n;
	uint32_t *tmp = maxn ? malloc(maxn * sizeof(*tmp)) : NULL;
	if (maxn && !tmp)
		return oom(err);
	int64_t repeated;
	radix_sort(p->visit_cids.v, tmp, p->visit_cids.n);
	runs(p->visit_cids.v, p->visit_cids.n, &out->guests, &repeated);

	/* the dishes ordered, most first */
	struct rank *order = malloc((p->nd ? p->nd : 1) * sizeof(*order));
	if (!order) {
		free(tmp);
		return oom(err);
	}
	size_t n = 0;
	for (size_t i = 0; i < p->nd; i++)
		if (p->d[i].orders > 0)
			order[n++] = (struct rank){ p->d[i].orders, p->d[i].id, (uint32_t)i };
	qsort(order, n, sizeof(*order), by_orders);
	if (n > (size_t)f->limit)
		n = (size_t)f->limit;

	struct report_mem *mem = calloc(1, sizeof(*mem));
	out->items = calloc(n ? n : 1, sizeof(*out->items));
	int co_limit = f->co_limit > 0 ? f->co_limit : 0;
	if (mem && co_limit && n)
		mem->co = calloc(n * (size_t)co_limit, sizeof(*mem->co));
	if (!mem || !out->items || (co_limit && n && !mem->co)) {
		free(mem ? mem->co : NULL);
		free(mem);
		free(order);
		free(tmp);
		return oom(err);
	}
	out->mem = mem;
	mem->pool = p->pool; /* the names stay with the report */
	p->pool = NULL;
	out->n = (int)n;
	for (size_t k = 0; k < n; k++) {
		struct dish *d = &p->d[order[k].i];
		struct store_dish_row *row = &out->items[k];
		d->out = (int)k;
		radix_sort(d->cids.v, tmp, d->cids.n);
		runs(d->cids.v, d->cids.n, &row->guests, &row->repeat_guests);
		row->dish_id = d->id;
		row->name = mem->pool + d->name;
		row->category = mem->pool + d->category;
		row->orders = d->orders;
		row->qty = d->qty;
		row->revenue_fen = d->revenue;
		row->co = co_limit ? mem->co + k * (size_t)co_limit : NULL;
	}
	free(order);
	free(tmp);
	if (!co_limit)
		return LK_OK;
	const struct pairs *pp = &p->pairs;
	size_t nd = pp->nd;
	for (size_t ia = 0; pp->tri && ia < nd; ia++) {
		for (size_t ib = ia + 1; ib < nd; ib++) {
			int64_t t = pp->tri[tri_at(nd, ia, ib)];
			if (t)
				co_pair(out, co_limit, mem->pool, &p->d[ia], &p->d[ib], t);
		}
	}
	for (size_t h = 0; h < pp->cap; h++)
		if (pp->key[h])
			co_pair(out, co_limit, mem->pool, &p->d[pp->key[h] >> 32],
				&p->d[pp->key[h] & 0xffffffffu], pp->n[h]);
	return LK_OK;
}

/* A dish's ratings, read in the transaction, joined to the answer after build(). */
struct rating {
	int64_t dish_id, ratings, complaints;
	double avg;
};

static void rating_row(sqlite3_stmt *s, void *p)
{
	struct rating *r = p;
	r->dish_id = sqlite3_column_int64(s, 0);
	r->ratings = sqlite3_column_int64(s, 1);
	r->avg = sqlite3_column_double(s, 2);
	r->complaints = sqlite3_column_int64(s, 3);
}

/* Bind a filter as the ?1..?15 of the statements above (unused ones are ignored). */
static void bind_dish_filter(sqlite3_stmt *s, const struct store_dish_filter *f,
			     int64_t scope_store, const char *scope_region, bool segment)
{
	sqlite3_bind_int64(s, 1, f->from);
	sqlite3_bind_int64(s, 2, f->to);
	sqlite3_bind_int64(s, 3, f->store_id);
	bind_str(s, 4, f->region);
	sqlite3_bind_int64(s, 5, scope_store);
	bind_str(s, 6, scope_region);
	const int seg[] = { f->lifecycle, f->frequency_tier, f->spend_tier, f->preference,
			    f->grade, f->vip, f->at_risk, f->segment };
	for (int i = 0; i < 8; i++)
		sqlite3_bind_int(s, 7 + i, seg[i]);
	sqlite3_bind_int(s, 15, segment);
}

static void join_ratings(struct store_dish_report *out, const struct rating *r, int nr)
{
	for (int k = 0; k < out->n; k++) {
		struct store_dish_row *row = &out->items[k];
		for (int i = 0; i < nr; i++) {
			if (r[i].dish_id != row->dish_id)
				continue;
			row->ratings = r[i].ratings;
			row->avg_rating = r[i].avg;
			row->complaints = r[i].complaints;
			break;
		}
	}
}

enum lk_rc store_dish_analytics(struct store *st, const struct store_dish_filter *f,
				const struct lk_scope *scope, struct store_dish_report *out,
				struct lk_err *err)
{
	memset(out, 0, sizeof(*out));
	bool segment = f->lifecycle >= 0 || f->frequency_tier >= 0 || f->spend_tier >= 0 ||
		       f->preference >= 0 || f->grade >= 0 || f->vip >= 0 || f->at_risk >= 0 ||
		       f->segment >= 0;
	int64_t scope_store = scope ? scope->store_id : 0;
	const char *scope_region = scope ? scope->region : "";
	bool stores = f->store_id || f->region[0] || scope_store || scope_region[0];
	const char *sql = segment ? SQL_SEGMENT : stores ? SQL_STORES : SQL_CHAIN;

	/* one read transaction: the menu and the visits of the same moment */
	if (sqlite3_exec(st->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return sq_db_fail(st, err, "dish analytics");
	struct pass p;
	memset(&p, 0, sizeof(p));
	enum lk_rc rc = load_menu(st, &p, err);
	if (rc == LK_OK && f->co_limit > 0 && p.nd <= PAIRS_DENSE_MAX) {
		p.pairs.nd = p.nd;
		p.pairs.tri = calloc(p.nd > 1 ? p.nd * (p.nd - 1) / 2 : 1, sizeof(*p.pairs.tri));
		if (!p.pairs.tri)
			rc = oom(err);
	}
	sqlite3_stmt *s = rc == LK_OK ? sq_prep(st, sql, err) : NULL;
	if (rc == LK_OK && !s)
		rc = LK_EDB;
	if (rc == LK_OK) {
		/* parameters a statement does not use are ignored (SQLITE_RANGE) */
		bind_dish_filter(s, f, scope_store, scope_region, segment);
		rc = stream(st, s, &p, f->co_limit > 0, &out->visits, err);
		sqlite3_clear_bindings(s);
	}
	struct rating *ratings = NULL;
	int nratings = 0;
	if (rc == LK_OK) {
		s = sq_prep(st, SQL_RATINGS, err);
		if (!s)
			rc = LK_EDB;
	}
	if (rc == LK_OK) {
		bind_dish_filter(s, f, scope_store, scope_region, segment);
		rc = sq_collect(st, s, sizeof(*ratings), rating_row, (void **)&ratings, &nratings,
				err);
		sqlite3_clear_bindings(s);
	}
	sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
	if (rc == LK_OK)
		rc = build(&p, f, out, err);
	if (rc == LK_OK)
		join_ratings(out, ratings, nratings);
	free(ratings);
	pass_free(&p);
	if (rc != LK_OK)
		store_dish_report_free(out);
	return rc;
}
