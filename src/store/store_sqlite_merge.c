/*
 * store_sqlite_merge.c - duplicate guests: candidate pairs, dismissals,
 * merges and their undo, for the SQLite backend.
 *
 * Candidates come from indexed keys only, one guest at a time, so a page
 * costs the same on a thousand guests or a million: the same name and
 * birthday (a seek in customers_name_keys), the same name and home store
 * where one has no phone (the small partial index customers_nophone_name),
 * and the phones one edit away (core/dedupe.h generates them; one
 * statement looks them all up in the unique phone index with an IN list).
 *
 * A merge records a JSON dump (SQLite's json functions) of every row of
 * the guests involved before and after it. Undo refuses unless the rows
 * still equal the "after" dump, then writes the "before" dump back and
 * checks the result equals it, so an undo is exact or does not happen.
 * The dump lists the guest tables and their columns by name: a migration
 * that adds a column or a guest table adds it here too.
 *
 * Merge and undo statements are prepared per call (rare operations); the
 * scan's statements are cached.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/dedupe.h"
#include "store/sqlite_int.h"
#include "store/store.h"
#include "util/log.h"
#include "util/timeutil.h"

/* ---- candidates ---- */

#define SIDE_COLS                                                                         \
	"c.id, c.name, coalesce(c.phone, ''), c.gender, coalesce(c.birth_year, 0),"        \
	" coalesce(c.birth_month, 0), coalesce(c.birth_day, 0), coalesce(c.home_store_id, 0)," \
	" c.version, coalesce(s.visit_count, 0), coalesce(s.total_spend_fen, 0),"          \
	" coalesce(s.first_visit_at, 0), coalesce(s.last_visit_at, 0)"

static const char SQL_DUPE_GUESTS[] =
	"SELECT " SIDE_COLS " FROM customers c LEFT JOIN customer_stats s ON s.customer_id = c.id"
	" WHERE c.deleted_at IS NULL AND c.id > ?1 ORDER BY c.id LIMIT ?2";
static const char SQL_DUPE_SIDE[] =
	"SELECT " SIDE_COLS " FROM customers c LEFT JOIN customer_stats s ON s.customer_id = c.id"
	" WHERE c.id = ?1";
/* same name and birthday: a seek in customers_name_keys */
static const char SQL_DUPE_BY_BIRTHDAY[] =
	"SELECT id FROM customers WHERE name = ?2 AND name <> '' AND deleted_at IS NULL"
	" AND birth_month = ?3 AND birth_day = ?4 AND id > ?1";
/* same name and store, without a phone: the small index customers_nophone_name */
static const char SQL_DUPE_NOPHONE[] =
	"SELECT id FROM customers WHERE name = ?2 AND name <> '' AND deleted_at IS NULL"
	" AND phone IS NULL AND home_store_id = ?3 AND id > ?1";
/* a guest without a phone: the same name and store, with one (name range of customers_name_keys) */
static const char SQL_DUPE_SAME_STORE[] =
	"SELECT id FROM customers WHERE name = ?2 AND name <> '' AND deleted_at IS NULL"
	" AND home_store_id = ?3 AND id > ?1";

#define P10 "?,?,?,?,?,?,?,?,?,?"
#define P100 P10 "," P10 "," P10 "," P10 "," P10 "," P10 "," P10 "," P10 "," P10 "," P10
/* ?1 is the guest id; then LK_PHONE_VARIANTS_MAX (109) placeholders */
static const char SQL_DUPE_BY_PHONE[] =
	"SELECT id FROM customers WHERE id > ?1 AND deleted_at IS NULL AND phone IN ("
	P100 ",?,?,?,?,?,?,?,?,?)";
#define PHONE_PARAMS 109
_Static_assert(PHONE_PARAMS == LK_PHONE_VARIANTS_MAX, "one placeholder per variant");

static const char SQL_DUPE_DISMISSED[] =
	"SELECT 1 FROM duplicate_dismissals WHERE a = ?1 AND b = ?2";

static void side_row(sqlite3_stmt *s, struct lk_customer *c)
{
	memset(c, 0, sizeof(*c));
	c->id = sqlite3_column_int64(s, 0);
	col_text(s, 1, c->name, sizeof(c->name));
	col_text(s, 2, c->phone, sizeof(c->phone));
	col_text(s, 3, c->gender, sizeof(c->gender));
	c->birth_year = sqlite3_column_int(s, 4);
	c->birth_month = sqlite3_column_int(s, 5);
	c->birth_day = sqlite3_column_int(s, 6);
	c->home_store_id = sqlite3_column_int64(s, 7);
	c->version = sqlite3_column_int64(s, 8);
	c->visit_count = sqlite3_column_int64(s, 9);
	c->total_spend_fen = sqlite3_column_int64(s, 10);
	c->first_visit_at = sqlite3_column_int64(s, 11);
	c->last_visit_at = sqlite3_column_int64(s, 12);
}

static struct lk_dupe_key key_of(const struct lk_customer *c)
{
	struct lk_dupe_key k = {
		.id = c->id, .name = c->name, .phone = c->phone, .gender = c->gender,
		.birth_year = c->birth_year, .birth_month = c->birth_month,
		.birth_day = c->birth_day, .home_store_id = c->home_store_id,
	};
	return k;
}

/* Candidate ids (greater than g) of one guest, deduplicated, ascending. */
struct idset {
	int64_t *v;
	int n, cap;
};

static bool idset_add(struct idset *s, int64_t id)
{
	for (int i = 0; i < s->n; i++)
		if (s->v[i] == id)
			return true;
	if (s->n == s->cap) {
		int cap = s->cap ? s->cap * 2 : 16;
		int64_t *p = realloc(s->v, (size_t)cap * sizeof(*p));
		if (!p)
			return false;
		s->v = p;
		s->cap = cap;
	}
	s->v[s->n++] = id;
	return true;
}

static int cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* Step s (bound) and add every first-column id to set. */
static enum lk_rc collect_ids(struct store *st, sqlite3_stmt *s, struct idset *set,
			      struct lk_err *err)
{
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (!idset_add(set, sqlite3_column_int64(s, 0))) {
			sqlite3_reset(s);
			return lk_fail(err, LK_ENOMEM, "out_of_memory", NULL, "out of memory");
		}
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return sq_db_fail(st, err, "duplicates");
	return LK_OK;
}

static enum lk_rc candidates_of(struct store *st, const struct lk_customer *g, struct idset *set,
				struct lk_err *err)
{
	set->n = 0;
	sqlite3_stmt *s;
	enum lk_rc rc;
	/* a name like "王先生" says too little to look for its namesakes */
	bool named = g->name[0] && !lk_name_generic(g->name);
	if (named && g->birth_month) {
		if (!(s = sq_prep(st, SQL_DUPE_BY_BIRTHDAY, err)))
			return LK_EDB;
		sqlite3_bind_int64(s, 1, g->id);
		bind_str(s, 2, g->name);
		sqlite3_bind_int(s, 3, g->birth_month);
		sqlite3_bind_int(s, 4, g->birth_day);
		if ((rc = collect_ids(st, s, set, err)) != LK_OK)
			return rc;
	}
	if (named && g->home_store_id) {
		if (!(s = sq_prep(st, g->phone[0] ? SQL_DUPE_NOPHONE : SQL_DUPE_SAME_STORE, err)))
			return LK_EDB;
		sqlite3_bind_int64(s, 1, g->id);
		bind_str(s, 2, g->name);
		sqlite3_bind_int64(s, 3, g->home_store_id);
		if ((rc = collect_ids(st, s, set, err)) != LK_OK)
			return rc;
	}
	char var[LK_PHONE_VARIANTS_MAX][LK_PHONE_E164_LEN];
	int nv = lk_phone_variants(g->phone, var);
	if (nv > 0) {
		if (!(s = sq_prep(st, SQL_DUPE_BY_PHONE, err)))
			return LK_EDB;
		sqlite3_bind_int64(s, 1, g->id);
		for (int i = 0; i < nv; i++)
			sqlite3_bind_text(s, 2 + i, var[i], -1, SQLITE_TRANSIENT);
		if ((rc = collect_ids(st, s, set, err)) != LK_OK)
			return rc;
	}
	if (set->n > 1)
		qsort(set->v, (size_t)set->n, sizeof(*set->v), cmp_id);
	return LK_OK;
}

static enum lk_rc load_side(struct store *st, int64_t id, struct lk_customer *c, bool *found,
			    struct lk_err *err)
{
	sqlite3_stmt *s = sq_prep(st, SQL_DUPE_SIDE, err);
	if (!s)
		return LK_EDB;
	sqlite3_bind_int64(s, 1, id);
	int rc = sqlite3_step(s);
	*found = rc == SQLITE_ROW;
	if (*found)
		side_row(s, c);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return sq_db_fail(st, err, "duplicates");
	return LK_OK;
}

static enum lk_rc dismissed(struct store *st, int64_t a, int64_t b, bool *yes, struct lk_err *err)
{
	sqlite3_stmt *s = sq_prep(st, SQL_DUPE_DISMISSED, err);
	if (!s)
		return LK_EDB;
	sqlite3_bind_int64(s, 1, a);
	sqlite3_bind_int64(s, 2, b);
	int rc = sqlite3_step(s);
	*yes = rc == SQLITE_ROW;
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return sq_db_fail(st, err, "duplicates");
	return LK_OK;
}

struct pairs {
	struct lk_dupe_pair *v;
	int n, cap;
};

static struct lk_dupe_pair *pairs_push(struct pairs *p)
{
	if (p->n == p->cap) {
		int cap = p->cap ? p->cap * 2 : 16;
		struct lk_dupe_pair *q = realloc(p->v, (size_t)cap * sizeof(*q));
		if (!q)
			return NULL;
		p->v = q;
		p->cap = cap;
	}
	return &p->v[p->n++];
}

enum lk_rc store_dupes_page(struct store *st, int64_t after_id, int limit, int budget,
			    struct lk_dupe_pair **out, int *n, int64_t *next, struct lk_err *err)
{
	*out = NULL;
	*n = 0;
	*next = 0;
	/* the guests of this page first (one more: is there a next page?) */
	struct lk_customer *guests = calloc((size_t)budget + 1, sizeof(*guests));
	if (!guests)
		return lk_fail(err, LK_ENOMEM, "out_of_memory", NULL, "out of memory");
	sqlite3_stmt *s = sq_prep(st, SQL_DUPE_GUESTS, err);
	if (!s) {
		free(guests);
		return LK_EDB;
	}
	sqlite3_bind_int64(s, 1, after_id);
	sqlite3_bind_int(s, 2, budget + 1);
	int ng = 0, rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW && ng <= budget)
		side_row(s, &guests[ng++]);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		free(guests);
		return sq_db_fail(st, err, "duplicates");
	}
	bool more = ng > budget;
	if (more)
		ng = budget;

	struct pairs p = { 0 };
	struct idset cand = { 0 };
	enum lk_rc r = LK_OK;
	int done = 0; /* guests fully examined */
	for (; done < ng; done++) {
		const struct lk_customer *g = &guests[done];
		if (p.n >= limit)
			break;
		if ((r = candidates_of(st, g, &cand, err)) != LK_OK)
			goto fail;
		for (int i = 0; i < cand.n; i++) {
			struct lk_customer o;
			bool found, gone;
			if ((r = load_side(st, cand.v[i], &o, &found, err)) != LK_OK)
				goto fail;
			if (!found)
				continue;
			struct lk_dupe_key ka = key_of(g), kb = key_of(&o);
			unsigned why;
			int score = lk_dupe_score(&ka, &kb, &why);
			if (score < LK_DUPE_MIN_SCORE)
				continue;
			if ((r = dismissed(st, g->id, o.id, &gone, err)) != LK_OK)
				goto fail;
			if (gone)
				continue;
			struct lk_dupe_pair *d = pairs_push(&p);
			if (!d) {
				r = lk_fail(err, LK_ENOMEM, "out_of_memory", NULL, "out of memory");
				goto fail;
			}
			d->a = *g;
			d->b = o;
			d->score = score;
			d->reasons = why;
		}
	}
	/* guests left after the last one examined: the next page goes on from there */
	if (done > 0 && (done < ng || more))
		*next = guests[done - 1].id;
	free(cand.v);
	free(guests);
	*out = p.v;
	*n = p.n;
	return LK_OK;
fail:
	free(cand.v);
	free(guests);
	free(p.v);
	return r;
}

void store_dupes_free(struct lk_dupe_pair *list, int n)
{
	(void)n; /* sides carry no notes: nothing owned inside */
	free(list);
}

/* ---- per-call statements for the rare writes ---- */

/* A statement of this file's rare writes: prepared now, finalized by the caller. */
static sqlite3_stmt *once(struct store *st, const char *sql, struct lk_err *err)
{
	sqlite3_stmt *s = NULL;
	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
		sq_db_fail(st, err, "prepare");
		return NULL;
	}
	return s;
}

/* Run sql with ?1 = a, ?2 = b (either may be unused), to the end. */
static enum lk_rc run2(struct store *st, const char *sql, int64_t a, int64_t b,
		       struct lk_err *err)
{
	sqlite3_stmt *s = once(st, sql, err);
	if (!s)
		return LK_EDB;
	if (sqlite3_bind_parameter_count(s) >= 1)
		sqlite3_bind_int64(s, 1, a);
	if (sqlite3_bind_parameter_count(s) >= 2)
		sqlite3_bind_int64(s, 2, b);
	enum lk_rc rc = sq_step_done(st, s, err, "merge");
	sqlite3_finalize(s);
	return rc;
}

static const char SQL_LIVE[] = "SELECT 1 FROM customers WHERE id = ?1 AND deleted_at IS NULL";

static enum lk_rc live(struct store *st, int64_t id, const char *field, struct lk_err *err)
{
	sqlite3_stmt *s = once(st, SQL_LIVE, err);
	if (!s)
		return LK_EDB;
	sqlite3_bind_int64(s, 1, id);
	int rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc == SQLITE_ROW)
		return LK_OK;
	if (rc == SQLITE_DONE)
		return lk_fail(err, LK_ENOTFOUND, "not_found", field,
			       "guest %lld not found (unknown, deleted or merged)", (long long)id);
	return sq_db_fail(st, err, "guest");
}

static const char SQL_DISMISS[] =
	"INSERT INTO duplicate_dismissals(a, b, user_id, created_at) VALUES (?1, ?2, ?3, ?4)"
	" ON CONFLICT(a, b) DO NOTHING";

enum lk_rc store_dupe_dismiss(struct store *st, int64_t a, int64_t b, int64_t user_id,
			      struct lk_err *err)
{
	if (a > b) {
		int64_t t = a;
		a = b;
		b = t;
	}
	enum lk_rc rc = sq_tx_begin(st, err);
	if (rc != LK_OK)
		return rc;
	if ((rc = live(st, a, "a", err)) != LK_OK || (rc = live(st, b, "b", err)) != LK_OK)
		goto fail;
	sqlite3_stmt *s = once(st, SQL_DISMISS, err);
	if (!s) {
		rc = LK_EDB;
		goto fail;
	}
	sqlite3_bind_int64(s, 1, a);
	sqlite3_bind_int64(s, 2, b);
	bind_opt_int(s, 3, user_id);
	sqlite3_bind_int64(s, 4, lk_now());
	rc = sq_step_done(st, s, err, "dismissal");
	sqlite3_finalize(s);
	if (rc != LK_OK)
		goto fail;
	return sq_tx_commit(st, err);
fail:
	sq_tx_rollback(st);
	return rc;
}

/* ---- the dump ---- */

#define IDS "(SELECT value FROM json_each(?1))"

/*
 * Every row of the guests ?1 (a JSON array of ids) as one JSON text, each
 * table's rows as arrays of their columns, in key order.
 */
static const char SQL_DUMP[] =
	"SELECT json_object("
	"'customers', (SELECT json_group_array(json_array(id, name, phone, gender, birth_year,"
	"  birth_month, birth_day, home_store_id, source, marketing_consent, consent_at,"
	"  consent_channel, notes, version, created_at, updated_at, deleted_at))"
	"  FROM (SELECT * FROM customers WHERE id IN " IDS " ORDER BY id)),"
	"'customer_tags', (SELECT json_group_array(json_array(customer_id, tag))"
	"  FROM (SELECT * FROM customer_tags WHERE customer_id IN " IDS
	"  ORDER BY customer_id, tag)),"
	"'family_members', (SELECT json_group_array(json_array(customer_id, position, relation,"
	"  name, birth_year, birth_month, birth_day))"
	"  FROM (SELECT * FROM family_members WHERE customer_id IN " IDS
	"  ORDER BY customer_id, position)),"
	"'customer_facts', (SELECT json_group_array(json_array(id, customer_id, kind, value,"
	"  source, created_by, created_at))"
	"  FROM (SELECT * FROM customer_facts WHERE customer_id IN " IDS " ORDER BY id)),"
	"'visits', (SELECT json_group_array(json_array(id, customer_id, store_id, visited_at,"
	"  party_size, amount_fen, channel, pos_order_id, created_at))"
	"  FROM (SELECT * FROM visits WHERE customer_id IN " IDS " ORDER BY id)),"
	"'visit_items', (SELECT json_group_array(json_array(visit_id, line, customer_id, dish_id,"
	"  qty, unit_price_fen))"
	"  FROM (SELECT i.* FROM visits v JOIN visit_items i ON i.visit_id = v.id"
	"  WHERE v.customer_id IN " IDS " ORDER BY i.visit_id, i.line)),"
	"'customer_stats', (SELECT json_group_array(json_array(customer_id, visit_count,"
	"  total_spend_fen, first_visit_at, last_visit_at, spend_meat, spend_seafood,"
	"  spend_vegetable, spend_soup_base, spend_staple, spend_snack, spend_drink,"
	"  spend_dessert))"
	"  FROM (SELECT * FROM customer_stats WHERE customer_id IN " IDS
	"  ORDER BY customer_id)))";

/* *out malloc'd JSON text of every row of the guests in ids_json. */
static enum lk_rc dump(struct store *st, const char *ids_json, char **out, struct lk_err *err)
{
	sqlite3_stmt *s = once(st, SQL_DUMP, err);
	if (!s)
		return LK_EDB;
	sqlite3_bind_text(s, 1, ids_json, -1, SQLITE_STATIC);
	int rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(s);
		return sq_db_fail(st, err, "merge dump");
	}
	const unsigned char *t = sqlite3_column_text(s, 0);
	*out = t ? strdup((const char *)t) : NULL;
	sqlite3_finalize(s);
	if (!*out)
		return lk_fail(err, LK_ENOMEM, "out_of_memory", NULL, "out of memory");
	return LK_OK;
}

/* "[1,2,3]": the ids as a JSON array */
static void ids_json(char *out, size_t sz, const int64_t *v, int n)
{
	size_t used = (size_t)snprintf(out, sz, "[");
	for (int i = 0; i < n && used < sz; i++)
		used += (size_t)snprintf(out + used, sz - used, "%s%lld", i ? "," : "",
					 (long long)v[i]);
	if (used < sz)
		snprintf(out + used, sz - used, "]");
}

/* ---- merge ---- */

static const char SQL_KEPT_UPDATE[] =
	"UPDATE customers SET name = ?1, phone = ?2, gender = ?3, birth_year = ?4,"
	" birth_month = ?5, birth_day = ?6, home_store_id = ?7, marketing_consent = ?8,"
	" consent_at = ?9, consent_channel = ?10, notes = ?11, version = version + 1,"
	" updated_at = ?12 WHERE id = ?13";
static const char SQL_SOFT_DELETE[] =
	"UPDATE customers SET deleted_at = ?2, updated_at = ?2, version = version + 1"
	" WHERE id = ?1";
static const char SQL_FACTS_DROP_SAME[] =
	"DELETE FROM customer_facts WHERE customer_id = ?2 AND EXISTS (SELECT 1 FROM"
	" customer_facts k WHERE k.customer_id = ?1 AND k.kind = customer_facts.kind"
	" AND k.value = customer_facts.value)";
static const char SQL_FACTS_MOVE[] = "UPDATE customer_facts SET customer_id = ?1 WHERE customer_id = ?2";
static const char SQL_TAGS_COPY[] =
	"INSERT OR IGNORE INTO customer_tags(customer_id, tag)"
	" SELECT ?1, tag FROM customer_tags WHERE customer_id = ?2";
static const char SQL_TAGS_DROP[] = "DELETE FROM customer_tags WHERE customer_id = ?2";
static const char SQL_FAMILY_NEXT[] =
	"SELECT coalesce(max(position), -1) + 1 FROM family_members WHERE customer_id = ?1";
static const char SQL_FAMILY_COPY[] =
	"INSERT INTO family_members(customer_id, position, relation, name, birth_year,"
	" birth_month, birth_day)"
	" SELECT ?1, ?3 + row_number() OVER (ORDER BY f.position) - 1, f.relation, f.name,"
	" f.birth_year, f.birth_month, f.birth_day FROM family_members f WHERE f.customer_id = ?2"
	" AND NOT EXISTS (SELECT 1 FROM family_members k WHERE k.customer_id = ?1"
	" AND k.relation = f.relation AND k.name = f.name) ORDER BY f.position";
static const char SQL_FAMILY_DROP[] = "DELETE FROM family_members WHERE customer_id = ?2";
/* items first: they are found through the visits still owned by ?2 */
static const char SQL_ITEMS_MOVE[] =
	"UPDATE visit_items SET customer_id = ?1"
	" WHERE visit_id IN (SELECT id FROM visits WHERE customer_id = ?2)";
static const char SQL_VISITS_MOVE[] = "UPDATE visits SET customer_id = ?1 WHERE customer_id = ?2";
static const char SQL_STATS_DROP[] = "DELETE FROM customer_stats WHERE customer_id = ?1";
/* the aggregates store_visit_add keeps, recomputed from the visits and items */
static const char SQL_STATS_RECOMPUTE[] =
	"INSERT INTO customer_stats(customer_id, visit_count, total_spend_fen, first_visit_at,"
	" last_visit_at, spend_meat, spend_seafood, spend_vegetable, spend_soup_base,"
	" spend_staple, spend_snack, spend_drink, spend_dessert, recent)"
	" SELECT ?1, v.n, v.total, v.first, v.last, coalesce(c.meat, 0), coalesce(c.seafood, 0),"
	" coalesce(c.vegetable, 0), coalesce(c.soup_base, 0), coalesce(c.staple, 0),"
	" coalesce(c.snack, 0), coalesce(c.drink, 0), coalesce(c.dessert, 0), v.recent"
	" FROM (SELECT count(*) n, sum(amount_fen) total, min(visited_at) first,"
	"  max(visited_at) last, lk_daylog_agg(visited_at, amount_fen) recent"
	"  FROM visits WHERE customer_id = ?1) v,"
	" (SELECT"
	"  sum(CASE d.category WHEN 'meat' THEN i.qty * i.unit_price_fen END) meat,"
	"  sum(CASE d.category WHEN 'seafood' THEN i.qty * i.unit_price_fen END) seafood,"
	"  sum(CASE d.category WHEN 'vegetable' THEN i.qty * i.unit_price_fen END) vegetable,"
	"  sum(CASE d.category WHEN 'soup_base' THEN i.qty * i.unit_price_fen END) soup_base,"
	"  sum(CASE d.category WHEN 'staple' THEN i.qty * i.unit_price_fen END) staple,"
	"  sum(CASE d.category WHEN 'snack' THEN i.qty * i.unit_price_fen END) snack,"
	"  sum(CASE d.category WHEN 'drink' THEN i.qty * i.unit_price_fen END) drink,"
	"  sum(CASE d.category WHEN 'dessert' THEN i.qty * i.unit_price_fen END) dessert"
	"  FROM visits vv JOIN visit_items i ON i.visit_id = vv.id JOIN dishes d ON d.id = i.dish_id"
	"  WHERE vv.customer_id = ?1) c"
	" WHERE v.n > 0";
static const char SQL_MERGE_ADD[] =
	"INSERT INTO merges(kept_id, merged_ids, merged_phones, user_id, created_at, before, after)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";

/* Move every row of guest from to kept (see store_merge). */
static enum lk_rc move_rows(struct store *st, int64_t kept, int64_t from, struct lk_err *err)
{
	static const char *const steps[] = {
		SQL_FACTS_DROP_SAME, SQL_FACTS_MOVE, SQL_TAGS_COPY, SQL_TAGS_DROP,
		SQL_ITEMS_MOVE, SQL_VISITS_MOVE,
	};
	enum lk_rc rc;
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		if ((rc = run2(st, steps[i], kept, from, err)) != LK_OK)
			return rc;
	sqlite3_stmt *s = once(st, SQL_FAMILY_NEXT, err);
	if (!s)
		return LK_EDB;
	sqlite3_bind_int64(s, 1, kept);
	int64_t pos = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : -1;
	sqlite3_finalize(s);
	if (pos < 0)
		return sq_db_fail(st, err, "family");
	if (!(s = once(st, SQL_FAMILY_COPY, err)))
		return LK_EDB;
	sqlite3_bind_int64(s, 1, kept);
	sqlite3_bind_int64(s, 2, from);
	sqlite3_bind_int64(s, 3, pos);
	rc = sq_step_done(st, s, err, "family member");
	sqlite3_finalize(s);
	if (rc != LK_OK)
		return rc;
	return run2(st, SQL_FAMILY_DROP, kept, from, err);
}

static enum lk_rc kept_save(struct store *st, const struct lk_customer *c, int64_t now,
			    struct lk_err *err)
{
	sqlite3_stmt *s = once(st, SQL_KEPT_UPDATE, err);
	if (!s)
		return LK_EDB;
	bind_str(s, 1, c->name);
	bind_text(s, 2, c->phone);
	bind_str(s, 3, c->gender[0] ? c->gender : "unknown");
	bind_opt_int(s, 4, c->birth_year);
	bind_opt_int(s, 5, c->birth_month);
	bind_opt_int(s, 6, c->birth_day);
	bind_opt_int(s, 7, c->home_store_id);
	sqlite3_bind_int(s, 8, c->consent);
	bind_opt_int(s, 9, c->consent_at);
	bind_text(s, 10, c->consent_channel);
	bind_text(s, 11, c->notes);
	sqlite3_bind_int64(s, 12, now);
	sqlite3_bind_int64(s, 13, c->id);
	enum lk_rc rc = sq_step_done(st, s, err, "guest");
	sqlite3_finalize(s);
	return rc;
}

enum lk_rc store_merge(struct store *st, int64_t kept, const int64_t *from, int n,
		       int64_t expect_version, int64_t user_id, int64_t *merge_id,
		       struct lk_err *err)
{
	if (n < 1 || n > LK_MERGE_MAX)
		return lk_fail(err, LK_EINVAL, "invalid_from", "from",
			       "'from' must list 1 to %d guests", LK_MERGE_MAX);
	int64_t all[LK_MERGE_MAX + 1];
	all[0] = kept;
	memcpy(all + 1, from, (size_t)n * sizeof(*from));
	char ids[(LK_MERGE_MAX + 1) * 24], merged[LK_MERGE_MAX * 24];
	ids_json(ids, sizeof(ids), all, n + 1);
	ids_json(merged, sizeof(merged), from, n);
	struct lk_customer k, m;
	char *before = NULL, *after = NULL;
	bool have_k = false;
	char phones[LK_MERGE_MAX * 20 + 4] = "[";
	enum lk_rc rc = sq_tx_begin(st, err);
	if (rc != LK_OK)
		return rc;
	if ((rc = store_customer_get(st, kept, &k, err)) != LK_OK)
		goto fail;
	have_k = true;
	if (expect_version && k.version != expect_version) {
		rc = lk_fail(err, LK_ECONFLICT, "version_conflict", "version",
			     "guest was changed by someone else (version %lld, yours %lld): reload",
			     (long long)k.version, (long long)expect_version);
		err->ref_id = k.version;
		goto fail;
	}
	for (int i = 0; i < n; i++) {
		char field[32];
		snprintf(field, sizeof(field), "from[%d]", i);
		if (from[i] == kept) {
			rc = lk_fail(err, LK_EINVAL, "merge_into_self", field,
				     "a guest cannot be merged into itself");
			goto fail;
		}
		for (int j = 0; j < i; j++)
			if (from[j] == from[i]) {
				rc = lk_fail(err, LK_EINVAL, "duplicate_id", field,
					     "guest %lld is listed twice", (long long)from[i]);
				goto fail;
			}
		if ((rc = live(st, from[i], field, err)) != LK_OK)
			goto fail;
	}
	if ((rc = dump(st, ids, &before, err)) != LK_OK)
		goto fail;
	int64_t now = lk_now();
	/* the merged guests go first: their phones are free before kept may take one */
	for (int i = 0; i < n; i++) {
		if ((rc = store_customer_get(st, from[i], &m, err)) != LK_OK)
			goto fail;
		bool ok = lk_merge_fill(&k, &m);
		size_t used = strlen(phones);
		snprintf(phones + used, sizeof(phones) - used, "%s%s%s%s", i ? "," : "",
			 m.phone[0] ? "\"" : "null", m.phone, m.phone[0] ? "\"" : "");
		lk_customer_release(&m);
		if (!ok) {
			rc = lk_fail(err, LK_ENOMEM, "out_of_memory", NULL, "out of memory");
			goto fail;
		}
		if ((rc = run2(st, SQL_SOFT_DELETE, from[i], now, err)) != LK_OK ||
		    (rc = move_rows(st, kept, from[i], err)) != LK_OK ||
		    (rc = run2(st, SQL_STATS_DROP, from[i], 0, err)) != LK_OK)
			goto fail;
	}
	snprintf(phones + strlen(phones), sizeof(phones) - strlen(phones), "]");
	if ((rc = kept_save(st, &k, now, err)) != LK_OK ||
	    (rc = run2(st, SQL_STATS_DROP, kept, 0, err)) != LK_OK ||
	    (rc = run2(st, SQL_STATS_RECOMPUTE, kept, 0, err)) != LK_OK)
		goto fail;
	if ((rc = dump(st, ids, &after, err)) != LK_OK)
		goto fail;
	sqlite3_stmt *s = once(st, SQL_MERGE_ADD, err);
	if (!s) {
		rc = LK_EDB;
		goto fail;
	}
	sqlite3_bind_int64(s, 1, kept);
	sqlite3_bind_text(s, 2, merged, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, phones, -1, SQLITE_STATIC);
	bind_opt_int(s, 4, user_id);
	sqlite3_bind_int64(s, 5, now);
	sqlite3_bind_text(s, 6, before, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 7, after, -1, SQLITE_STATIC);
	rc = sq_step_done(st, s, err, "merge");
	sqlite3_finalize(s);
	if (rc != LK_OK)
		goto fail;
	*merge_id = sqlite3_last_insert_rowid(st->db);
	if ((rc = sq_tx_commit(st, err)) != LK_OK)
		goto fail;
	lk_customer_release(&k);
	free(before);
	free(after);
	return LK_OK;
fail:
	if (have_k)
		lk_customer_release(&k);
	free(before);
	free(after);
	sq_tx_rollback(st);
	return rc;
}

/* ---- read and undo ---- */

static const char SQL_MERGE_GET[] =
	"SELECT m.id, m.kept_id, m.merged_ids, m.merged_phones, coalesce(m.user_id, 0),"
	" coalesce(nullif(u.display_name, ''), u.username, ''), m.created_at,"
	" coalesce(m.undone_at, 0), coalesce(m.undone_by, 0),"
	" coalesce(nullif(w.display_name, ''), w.username, ''),"
	" json_array_length(m.before, '$.visits'), json_array_length(m.before, '$.customer_facts'),"
	" json_array_length(m.before, '$.customer_tags'),"
	" json_array_length(m.before, '$.family_members'),"
	" (SELECT json_group_array(coalesce(value, '')) FROM json_each(m.merged_phones))"
	" FROM merges m LEFT JOIN users u ON u.id = m.user_id LEFT JOIN users w ON w.id = m.undone_by"
	" WHERE m.id = ?1";

/* Parse "[1,2,3]" (what this file wrote) into ids. */
int sq_parse_ids(const char *s, int64_t *out, int max)
{
	int n = 0;
	while (s && *s && n < max) {
		while (*s && (*s < '0' || *s > '9'))
			s++;
		if (!*s)
			break;
		char *end;
		out[n++] = strtoll(s, &end, 10);
		s = end;
	}
	return n;
}

/* Parse ["a",""] (strings without escapes) into phones. */
static void parse_phones(const char *s, char out[][16], int max)
{
	int n = 0;
	while (*s && n < max) {
		const char *q = strchr(s, '"');
		if (!q)
			break;
		const char *e = strchr(q + 1, '"');
		if (!e)
			break;
		snprintf(out[n++], 16, "%.*s", (int)(e - q - 1), q + 1);
		s = e + 1;
	}
}

enum lk_rc store_merge_get(struct store *st, int64_t id, struct lk_merge *m, struct lk_err *err)
{
	memset(m, 0, sizeof(*m));
	sqlite3_stmt *s = once(st, SQL_MERGE_GET, err);
	if (!s)
		return LK_EDB;
	sqlite3_bind_int64(s, 1, id);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		m->id = sqlite3_column_int64(s, 0);
		m->kept_id = sqlite3_column_int64(s, 1);
		m->nmerged = sq_parse_ids((const char *)sqlite3_column_text(s, 2), m->merged_ids,
				       LK_MERGE_MAX);
		m->user_id = sqlite3_column_int64(s, 4);
		col_text(s, 5, m->user_name, sizeof(m->user_name));
		m->created_at = sqlite3_column_int64(s, 6);
		m->undone_at = sqlite3_column_int64(s, 7);
		m->undone_by = sqlite3_column_int64(s, 8);
		col_text(s, 9, m->undone_by_name, sizeof(m->undone_by_name));
		m->rows_visits = sqlite3_column_int64(s, 10);
		m->rows_facts = sqlite3_column_int64(s, 11);
		m->rows_tags = sqlite3_column_int64(s, 12);
		m->rows_family = sqlite3_column_int64(s, 13);
		parse_phones((const char *)sqlite3_column_text(s, 14), m->merged_phones,
			     LK_MERGE_MAX);
	}
	sqlite3_finalize(s);
	if (rc == SQLITE_ROW)
		return LK_OK;
	if (rc == SQLITE_DONE)
		return lk_fail(err, LK_ENOTFOUND, "not_found", NULL, "merge %lld not found",
			       (long long)id);
	return sq_db_fail(st, err, "merge");
}

static const char SQL_MERGE_DUMPS[] =
	"SELECT kept_id, merged_ids, before, after, coalesce(undone_at, 0) FROM merges WHERE id = ?1";

/* In the restore statements ?1 is the "before" dump and ?2 the ids. */
#define IDS2 "(SELECT value FROM json_each(?2))"

/* a live guest outside the merge holding a phone a restored guest needs */
static const char SQL_UNDO_PHONE_TAKEN[] =
	"SELECT c.id, c.phone FROM json_each(?1, '$.customers') j JOIN customers c"
	" ON c.phone = j.value->>2 AND c.deleted_at IS NULL"
	" WHERE j.value->>16 IS NULL AND c.id NOT IN " IDS2 " LIMIT 1";

/* in order: phones off first, so restoring them never meets the unique index midway */
static const char *const sql_restore[] = {
	"UPDATE customers SET phone = NULL WHERE id IN " IDS2,
	"UPDATE customers SET name = j.value->>1, phone = j.value->>2, gender = j.value->>3,"
	" birth_year = j.value->>4, birth_month = j.value->>5, birth_day = j.value->>6,"
	" home_store_id = j.value->>7, source = j.value->>8, marketing_consent = j.value->>9,"
	" consent_at = j.value->>10, consent_channel = j.value->>11, notes = j.value->>12,"
	" version = j.value->>13, created_at = j.value->>14, updated_at = j.value->>15,"
	" deleted_at = j.value->>16"
	" FROM json_each(?1, '$.customers') j WHERE customers.id = j.value->>0",
	"DELETE FROM customer_tags WHERE customer_id IN " IDS2,
	"INSERT INTO customer_tags(customer_id, tag)"
	" SELECT value->>0, value->>1 FROM json_each(?1, '$.customer_tags')",
	"DELETE FROM family_members WHERE customer_id IN " IDS2,
	"INSERT INTO family_members(customer_id, position, relation, name, birth_year,"
	" birth_month, birth_day) SELECT value->>0, value->>1, value->>2, value->>3, value->>4,"
	" value->>5, value->>6 FROM json_each(?1, '$.family_members')",
	"DELETE FROM customer_facts WHERE customer_id IN " IDS2,
	"INSERT INTO customer_facts(id, customer_id, kind, value, source, created_by, created_at)"
	" SELECT value->>0, value->>1, value->>2, value->>3, value->>4, value->>5, value->>6"
	" FROM json_each(?1, '$.customer_facts')",
	/* visits and items never change hands but by a merge: their owner goes back */
	"UPDATE visit_items SET customer_id = j.value->>2 FROM json_each(?1, '$.visit_items') j"
	" WHERE visit_items.visit_id = j.value->>0 AND visit_items.line = j.value->>1",
	"UPDATE visits SET customer_id = j.value->>1 FROM json_each(?1, '$.visits') j"
	" WHERE visits.id = j.value->>0",
	"DELETE FROM customer_stats WHERE customer_id IN " IDS2,
	"INSERT INTO customer_stats(customer_id, visit_count, total_spend_fen, first_visit_at,"
	" last_visit_at, spend_meat, spend_seafood, spend_vegetable, spend_soup_base,"
	" spend_staple, spend_snack, spend_drink, spend_dessert)"
	" SELECT value->>0, value->>1, value->>2, value->>3, value->>4, value->>5, value->>6,"
	" value->>7, value->>8, value->>9, value->>10, value->>11, value->>12"
	" FROM json_each(?1, '$.customer_stats')",
	/* the day logs (not in the snapshot: a blob) from the visits given back */
	"UPDATE customer_stats SET recent = (SELECT lk_daylog_agg(v.visited_at, v.amount_fen)"
	" FROM visits v WHERE v.customer_id = customer_stats.customer_id)"
	" WHERE customer_id IN " IDS2,
};

static const char SQL_MERGE_UNDONE[] =
	"UPDATE merges SET undone_at = ?2, undone_by = ?3 WHERE id = ?1";

static enum lk_rc restore(struct store *st, const char *before, const char *ids,
			  struct lk_err *err)
{
	for (size_t i = 0; i < sizeof(sql_restore) / sizeof(sql_restore[0]); i++) {
		sqlite3_stmt *s = once(st, sql_restore[i], err);
		if (!s)
			return LK_EDB;
		sqlite3_bind_text(s, 1, before, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, ids, -1, SQLITE_STATIC);
		enum lk_rc rc = sq_step_done(st, s, err, "undo");
		sqlite3_finalize(s);
		if (rc != LK_OK)
			return rc;
	}
	return LK_OK;
}

enum lk_rc store_merge_undo(struct store *st, int64_t id, int64_t user_id, struct lk_err *err)
{
	char *before = NULL, *after = NULL, *now_rows = NULL;
	char ids[(LK_MERGE_MAX + 1) * 24];
	sqlite3_stmt *s = NULL;
	enum lk_rc rc = sq_tx_begin(st, err);
	if (rc != LK_OK)
		return rc;
	if (!(s = once(st, SQL_MERGE_DUMPS, err))) {
		rc = LK_EDB;
		goto fail;
	}
	sqlite3_bind_int64(s, 1, id);
	int r = sqlite3_step(s);
	if (r != SQLITE_ROW) {
		rc = r == SQLITE_DONE ? lk_fail(err, LK_ENOTFOUND, "not_found", NULL,
						"merge %lld not found", (long long)id)
				      : sq_db_fail(st, err, "merge");
		goto fail;
	}
	int64_t all[LK_MERGE_MAX + 1];
	all[0] = sqlite3_column_int64(s, 0);
	int n = sq_parse_ids((const char *)sqlite3_column_text(s, 1), all + 1, LK_MERGE_MAX);
	before = strdup((const char *)sqlite3_column_text(s, 2));
	after = strdup((const char *)sqlite3_column_text(s, 3));
	int64_t undone = sqlite3_column_int64(s, 4);
	sqlite3_finalize(s);
	s = NULL;
	if (!before || !after) {
		rc = lk_fail(err, LK_ENOMEM, "out_of_memory", NULL, "out of memory");
		goto fail;
	}
	if (undone) {
		rc = lk_fail(err, LK_ECONFLICT, "already_undone", NULL,
			     "merge %lld was undone already", (long long)id);
		goto fail;
	}
	ids_json(ids, sizeof(ids), all, n + 1);
	if ((rc = dump(st, ids, &now_rows, err)) != LK_OK)
		goto fail;
	if (strcmp(now_rows, after) != 0) {
		rc = lk_fail(err, LK_ECONFLICT, "guests_changed", NULL,
			     "the guests of merge %lld changed after it (a visit, a fact, an edit or"
			     " another merge): it can no longer be undone", (long long)id);
		goto fail;
	}
	if (!(s = once(st, SQL_UNDO_PHONE_TAKEN, err))) {
		rc = LK_EDB;
		goto fail;
	}
	sqlite3_bind_text(s, 1, before, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, ids, -1, SQLITE_STATIC);
	r = sqlite3_step(s);
	if (r == SQLITE_ROW) {
		rc = lk_fail(err, LK_ECONFLICT, "duplicate_phone", NULL,
			     "phone %s now belongs to guest %lld: undo would give it to two guests",
			     (const char *)sqlite3_column_text(s, 1),
			     (long long)sqlite3_column_int64(s, 0));
		err->ref_id = sqlite3_column_int64(s, 0);
		goto fail;
	}
	if (r != SQLITE_DONE) {
		rc = sq_db_fail(st, err, "undo");
		goto fail;
	}
	sqlite3_finalize(s);
	s = NULL;
	if ((rc = restore(st, before, ids, err)) != LK_OK)
		goto fail;
	free(now_rows);
	now_rows = NULL;
	if ((rc = dump(st, ids, &now_rows, err)) != LK_OK)
		goto fail;
	if (strcmp(now_rows, before) != 0) {
		lk_log("error", "merge %lld: the rows after undo differ from the dump", (long long)id);
		rc = lk_fail(err, LK_EDB, "undo_mismatch", NULL,
			     "undo could not restore the guests exactly; nothing was changed");
		goto fail;
	}
	if (!(s = once(st, SQL_MERGE_UNDONE, err))) {
		rc = LK_EDB;
		goto fail;
	}
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, lk_now());
	bind_opt_int(s, 3, user_id);
	rc = sq_step_done(st, s, err, "merge");
	sqlite3_finalize(s);
	s = NULL;
	if (rc != LK_OK || (rc = sq_tx_commit(st, err)) != LK_OK)
		goto fail;
	free(before);
	free(after);
	free(now_rows);
	return LK_OK;
fail:
	sqlite3_finalize(s);
	free(before);
	free(after);
	free(now_rows);
	sq_tx_rollback(st);
	return rc;
}
