/*
 * store_sqlite_alerts.c - the counts behind complaint-spike alerts and
 * staff praise and complaints (store_alerts.h).
 *
 * The spike counts are three statements in one read transaction: the
 * stores of the filter, then visits and complaints grouped by store. The
 * grouped reads go through visits_store_time (store_id, visited_at) and
 * feedback_store_time (store_id, received_at), one range per store over
 * the 63 days only (EXPLAIN QUERY PLAN: SEARCH ... USING COVERING INDEX
 * visits_store_time (store_id=? AND visited_at>? AND visited_at<?)), so
 * the cost grows with the visits of the windows, not of the table. One
 * query per store in a loop would do the same reads with a round trip
 * each; the whole-table GROUP BY would read every visit ever.
 */
#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite_int.h"
#include "store/store_alerts.h"

/*
 * The stores of the filter (?4 a store, 0 any; ?5 a region, '' any)
 * within the scope (?6/?7: 0/'' every store; else the store or the
 * region's stores, as SCOPE_STORES in store_sqlite.c).
 */
#define STORE_WHERE                                                                            \
	"(?4 = 0 OR id = ?4) AND (?5 = '' OR region = ?5)"                                      \
	" AND ((?6 = 0 AND ?7 = '') OR (?6 <> 0 AND id = ?6) OR (?7 <> '' AND region = ?7))"
#define STORE_SET "(SELECT id FROM stores WHERE " STORE_WHERE ")"

static const char SQL_STORES[] =
	"SELECT id, code, name, region FROM stores WHERE " STORE_WHERE " ORDER BY code";

/* ?1 baseline start, ?2 the recent days' start, ?3 their end (all included). */
static const char SQL_VISITS[] =
	"SELECT store_id, count(*), count(CASE WHEN visited_at >= ?2 THEN 1 END)"
	" FROM visits WHERE store_id IN " STORE_SET " AND visited_at BETWEEN ?1 AND ?3"
	" GROUP BY store_id";

static const char SQL_COMPLAINTS[] =
	"SELECT store_id, count(*), count(CASE WHEN received_at >= ?2 THEN 1 END)"
	" FROM feedback WHERE store_id IN " STORE_SET " AND received_at BETWEEN ?1 AND ?3"
	"  AND complaint = 1"
	" GROUP BY store_id";

static void bind_filter(sqlite3_stmt *s, int64_t store_id, const char *region,
			const struct lk_scope *scope)
{
	sqlite3_bind_int64(s, 4, store_id);
	bind_str(s, 5, region);
	sqlite3_bind_int64(s, 6, scope ? scope->store_id : 0);
	bind_str(s, 7, scope ? scope->region : "");
}

static void store_row(sqlite3_stmt *s, void *p)
{
	struct store_spike_row *r = p;
	memset(r, 0, sizeof(*r));
	r->store_id = sqlite3_column_int64(s, 0);
	col_text(s, 1, r->code, sizeof(r->code));
	col_text(s, 2, r->name, sizeof(r->name));
	col_text(s, 3, r->region, sizeof(r->region));
}

/* Store id -> row, for the grouped reads: rows sorted by id in idx. */
struct by_id {
	int64_t id;
	int row;
};

static int cmp_id(const void *a, const void *b)
{
	const struct by_id *x = a, *y = b;
	return (x->id > y->id) - (x->id < y->id);
}

/* Add the grouped counts of s (store, all, recent) into rows: base = all - recent. */
static enum lk_rc add_counts(struct store *st, sqlite3_stmt *s, const struct by_id *idx, int n,
			     struct store_spike_row *rows, bool visits, struct lk_err *err)
{
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct by_id key = { sqlite3_column_int64(s, 0), 0 };
		const struct by_id *hit = bsearch(&key, idx, (size_t)n, sizeof(*idx), cmp_id);
		if (!hit)
			continue; /* a store added since the list was read: not in this snapshot */
		struct store_spike_row *r = &rows[hit->row];
		int64_t all = sqlite3_column_int64(s, 1), recent = sqlite3_column_int64(s, 2);
		if (visits) {
			r->visits = recent;
			r->base_visits = all - recent;
		} else {
			r->complaints = recent;
			r->base_complaints = all - recent;
		}
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? LK_OK : sq_db_fail(st, err, "complaint-spike counts");
}

static enum lk_rc grouped(struct store *st, const char *sql, const struct store_spike_window *w,
			  int64_t store_id, const char *region, const struct lk_scope *scope,
			  const struct by_id *idx, int n, struct store_spike_row *rows,
			  bool visits, struct lk_err *err)
{
	sqlite3_stmt *s = sq_prep(st, sql, err);
	if (!s)
		return LK_EDB;
	sqlite3_bind_int64(s, 1, w->base_from);
	sqlite3_bind_int64(s, 2, w->recent_from);
	sqlite3_bind_int64(s, 3, w->to);
	bind_filter(s, store_id, region, scope);
	enum lk_rc rc = add_counts(st, s, idx, n, rows, visits, err);
	sqlite3_clear_bindings(s);
	return rc;
}

enum lk_rc store_spike_counts(struct store *st, const struct store_spike_window *w,
			      int64_t store_id, const char *region, const struct lk_scope *scope,
			      struct store_spike_row **out, int *n, struct lk_err *err)
{
	*out = NULL;
	*n = 0;
	if (!region)
		region = "";
	/* one read transaction: the three reads see the same moment */
	if (sqlite3_exec(st->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return sq_db_fail(st, err, "complaint-spike counts");
	struct store_spike_row *rows = NULL;
	struct by_id *idx = NULL;
	int len = 0;
	enum lk_rc rc = LK_OK;
	sqlite3_stmt *s = sq_prep(st, SQL_STORES, err);
	if (!s)
		rc = LK_EDB;
	if (rc == LK_OK) {
		bind_filter(s, store_id, region, scope);
		rc = sq_collect(st, s, sizeof(*rows), store_row, (void **)&rows, &len, err);
		sqlite3_clear_bindings(s);
	}
	if (rc == LK_OK && len > 0) {
		idx = malloc((size_t)len * sizeof(*idx));
		if (!idx)
			rc = lk_fail(err, LK_ENOMEM, "out_of_memory", NULL, "out of memory");
	}
	if (rc == LK_OK && len > 0) {
		for (int i = 0; i < len; i++)
			idx[i] = (struct by_id){ rows[i].store_id, i };
		qsort(idx, (size_t)len, sizeof(*idx), cmp_id);
		rc = grouped(st, SQL_VISITS, w, store_id, region, scope, idx, len, rows, true, err);
		if (rc == LK_OK)
			rc = grouped(st, SQL_COMPLAINTS, w, store_id, region, scope, idx, len, rows,
				     false, err);
	}
	sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
	free(idx);
	if (rc != LK_OK) {
		free(rows);
		return rc;
	}
	*out = rows;
	*n = len;
	return LK_OK;
}

/* ---- staff praise and complaints ---- */

/*
 * Grouped by account, or by the name for feedback naming no account;
 * the account's name is read at the end, as it is now. ?1/?2 the period.
 */
static const char SQL_STAFF[] =
	"SELECT g.uid, coalesce(u.username, ''),"
	"  CASE WHEN g.uid = 0 THEN g.sname WHEN u.display_name <> '' THEN u.display_name"
	"   ELSE coalesce(u.username, '') END AS name,"
	"  g.n, g.praise, g.complaints, g.ratings, coalesce(g.avg, 0)"
	" FROM (SELECT coalesce(staff_user_id, 0) AS uid,"
	"    CASE WHEN staff_user_id IS NULL THEN staff_name ELSE '' END AS sname,"
	"    count(*) AS n, count(CASE WHEN rating >= 4 THEN 1 END) AS praise,"
	"    sum(complaint) AS complaints, count(rating) AS ratings, avg(rating) AS avg"
	"   FROM feedback WHERE store_id IN " STORE_SET " AND received_at BETWEEN ?1 AND ?2"
	"    AND (staff_user_id IS NOT NULL OR staff_name <> '')"
	"   GROUP BY uid, sname) g"
	" LEFT JOIN users u ON g.uid <> 0 AND u.id = g.uid"
	" ORDER BY g.complaints DESC, name, g.uid";

static void staff_row(sqlite3_stmt *s, void *p)
{
	struct store_staff_row *r = p;
	memset(r, 0, sizeof(*r));
	r->user_id = sqlite3_column_int64(s, 0);
	col_text(s, 1, r->username, sizeof(r->username));
	col_text(s, 2, r->name, sizeof(r->name));
	r->feedback = sqlite3_column_int64(s, 3);
	r->praise = sqlite3_column_int64(s, 4);
	r->complaints = sqlite3_column_int64(s, 5);
	r->ratings = sqlite3_column_int64(s, 6);
	r->avg_rating = sqlite3_column_double(s, 7);
}

enum lk_rc store_staff_feedback(struct store *st, int64_t from, int64_t to, int64_t store_id,
				const char *region, const struct lk_scope *scope,
				struct store_staff_row **out, int *n, struct lk_err *err)
{
	*out = NULL;
	*n = 0;
	sqlite3_stmt *s = sq_prep(st, SQL_STAFF, err);
	if (!s)
		return LK_EDB;
	sqlite3_bind_int64(s, 1, from);
	sqlite3_bind_int64(s, 2, to);
	bind_filter(s, store_id, region ? region : "", scope);
	enum lk_rc rc = sq_collect(st, s, sizeof(**out), staff_row, (void **)out, n, err);
	sqlite3_clear_bindings(s);
	return rc;
}
