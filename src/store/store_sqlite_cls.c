/*
 * store_sqlite_cls.c - the classification's storage (migration 7): the day
 * log SQL functions the visit writes use, the scan a run reads, the run's
 * one-transaction commit, and the reads of the card, the segment counts
 * and the changes between runs.
 *
 * The day log (core/daylog.h) is kept by three SQL functions registered on
 * every connection (sq_register_functions()), so every statement that
 * writes a visit keeps customer_stats.recent in the same statement:
 *   lk_daylog_add(log, t, amount)  the log with a visit at unix time t
 *   lk_daylog_merge(a, b)          two logs as one
 *   lk_daylog_agg(t, amount)       aggregate: the log of a guest's visits
 * Days are local days in the zone the store was opened with.
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "core/daylog.h"
#include "core/rules.h"
#include "store/sqlite_int.h"
#include "store/store.h"
#include "util/timeutil.h"

/* ---- the day log functions ---- */

static int fn_tz(sqlite3_context *cx)
{
	return *(const int *)sqlite3_user_data(cx);
}

/* decode argument i (a blob or NULL); false with the error set on the context */
static bool arg_log(sqlite3_context *cx, sqlite3_value *v, struct lk_dayrec *out, size_t *n)
{
	if (sqlite3_value_type(v) == SQLITE_NULL) {
		*n = 0;
		return true;
	}
	if (sqlite3_value_type(v) != SQLITE_BLOB ||
	    !lk_daylog_decode(sqlite3_value_blob(v), (size_t)sqlite3_value_bytes(v), out, n)) {
		sqlite3_result_error(cx, "customer_stats.recent is not a day log", -1);
		return false;
	}
	return true;
}

static void result_log(sqlite3_context *cx, const struct lk_dayrec *r, size_t n)
{
	if (n == 0) {
		sqlite3_result_null(cx);
		return;
	}
	unsigned char *b = sqlite3_malloc64(n * LK_DAYLOG_REC_BYTES);
	if (!b) {
		sqlite3_result_error_nomem(cx);
		return;
	}
	size_t len = lk_daylog_encode(r, n, b);
	sqlite3_result_blob64(cx, b, len, sqlite3_free);
}

/* scratch for two logs and their merge: 3 x 731 records, 35 KB */
struct merge_buf {
	struct lk_dayrec a[LK_DAYLOG_MAX], b[LK_DAYLOG_MAX], out[2 * LK_DAYLOG_MAX];
};

static void fn_daylog_add(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
	(void)argc;
	struct merge_buf *m = sqlite3_malloc64(sizeof(*m));
	if (!m) {
		sqlite3_result_error_nomem(cx);
		return;
	}
	size_t na;
	if (arg_log(cx, argv[0], m->a, &na)) {
		struct lk_dayrec one = {
			.day = lk_local_day(sqlite3_value_int64(argv[1]), fn_tz(cx)),
			.visits = 1,
			.spend_fen = sqlite3_value_int64(argv[2]),
		};
		result_log(cx, m->out, lk_daylog_merge(m->a, na, &one, 1, m->out));
	}
	sqlite3_free(m);
}

static void fn_daylog_merge(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
	(void)argc;
	struct merge_buf *m = sqlite3_malloc64(sizeof(*m));
	if (!m) {
		sqlite3_result_error_nomem(cx);
		return;
	}
	size_t na, nb;
	if (arg_log(cx, argv[0], m->a, &na) && arg_log(cx, argv[1], m->b, &nb))
		result_log(cx, m->out, lk_daylog_merge(m->a, na, m->b, nb, m->out));
	sqlite3_free(m);
}

/* the aggregate collects every visit, then builds the log once */
struct agg {
	struct lk_dayrec *r;
	size_t n, cap;
	bool failed;
};

static void agg_step(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
	(void)argc;
	struct agg *a = sqlite3_aggregate_context(cx, sizeof(*a));
	if (!a || a->failed)
		return;
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL)
		return;
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 64;
		struct lk_dayrec *r = sqlite3_realloc64(a->r, cap * sizeof(*r));
		if (!r) {
			a->failed = true;
			return;
		}
		a->r = r;
		a->cap = cap;
	}
	a->r[a->n++] = (struct lk_dayrec){
		.day = lk_local_day(sqlite3_value_int64(argv[0]), fn_tz(cx)),
		.visits = 1,
		.spend_fen = sqlite3_value_int64(argv[1]),
	};
}

static void agg_final(sqlite3_context *cx)
{
	struct agg *a = sqlite3_aggregate_context(cx, 0);
	if (!a) {
		sqlite3_result_null(cx);
		return;
	}
	if (a->failed)
		sqlite3_result_error_nomem(cx);
	else
		result_log(cx, a->r, lk_daylog_build(a->r, a->n));
	sqlite3_free(a->r);
}

int sq_register_functions(sqlite3 *db, int *tz_offset_min)
{
	int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC;
	int rc = sqlite3_create_function_v2(db, "lk_daylog_add", 3, flags, tz_offset_min,
					    fn_daylog_add, NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_create_function_v2(db, "lk_daylog_merge", 2, flags, tz_offset_min,
						fn_daylog_merge, NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_create_function_v2(db, "lk_daylog_agg", 2, flags, tz_offset_min, NULL,
						agg_step, agg_final, NULL);
	return rc;
}

/* ---- the scan ---- */

#define CLS_VAL_COLS                                                                        \
	"frequency_tier, spend_tier, preference, preference_by_staff, lifecycle, at_risk,"  \
	" grade, vip, r, f, m, segment"
#define CLS_IN_COLS                                                                         \
	"created_at, first_visit_at, last_visit_at, visits_w, visits_90, visits_prev_90,"   \
	" spend_w, total_spend_fen, visit_count, spend_meat, spend_seafood, spend_vegetable," \
	" spend_soup_base, spend_staple, spend_snack, spend_drink, spend_dessert, usual_gap," \
	" n_gaps, avg_rating, staff_preference"
#define CLS_NVAL 12
#define CLS_NIN 21

/* the category columns are in the order of lk_dish_categories (model.h) */
static const char SQL_SCAN[] =
	"SELECT c.id, coalesce(c.home_store_id, 0), c.created_at,"
	" coalesce(s.visit_count, 0), coalesce(s.total_spend_fen, 0),"
	" coalesce(s.first_visit_at, 0), coalesce(s.last_visit_at, 0),"
	" coalesce(s.spend_meat, 0), coalesce(s.spend_seafood, 0),"
	" coalesce(s.spend_vegetable, 0), coalesce(s.spend_soup_base, 0),"
	" coalesce(s.spend_staple, 0), coalesce(s.spend_snack, 0), coalesce(s.spend_drink, 0),"
	" coalesce(s.spend_dessert, 0), s.recent, k.customer_id IS NOT NULL,"
	" k.frequency_tier, k.spend_tier, k.preference, k.preference_by_staff, k.lifecycle,"
	" k.at_risk, k.grade, k.vip, k.r, k.f, k.m, k.segment,"
	" k.created_at, k.first_visit_at, k.last_visit_at, k.visits_w, k.visits_90,"
	" k.visits_prev_90, k.spend_w, k.total_spend_fen, k.visit_count, k.spend_meat,"
	" k.spend_seafood, k.spend_vegetable, k.spend_soup_base, k.spend_staple, k.spend_snack,"
	" k.spend_drink, k.spend_dessert, k.usual_gap, k.n_gaps, k.avg_rating, k.staff_preference,"
	" coalesce(k.home_store_id, 0)"
	" FROM customers c LEFT JOIN customer_stats s ON s.customer_id = c.id"
	" LEFT JOIN cls_current k ON k.customer_id = c.id"
	" WHERE c.deleted_at IS NULL ORDER BY c.id";
#define SCAN_CUR 17     /* first column of k's values */

/* each guest's latest preference fact, in guest order */
static const char SQL_SCAN_PREFS[] =
	"SELECT customer_id, value FROM customer_facts WHERE kind = 'preference'"
	" ORDER BY customer_id, id DESC";

/* each guest's mean feedback rating, in guest order (grade.loyal_min_rating) */
static const char SQL_SCAN_RATINGS[] =
	"SELECT customer_id, avg(rating) FROM feedback"
	" WHERE customer_id IS NOT NULL AND rating IS NOT NULL"
	" GROUP BY customer_id ORDER BY customer_id";

static void vals_row(sqlite3_stmt *s, int col, struct store_cls_vals *v)
{
	int *p = &v->frequency_tier;
	for (int i = 0; i < CLS_NVAL; i++)
		p[i] = sqlite3_column_int(s, col + i);
}

static void inputs_row(sqlite3_stmt *s, int col, struct store_cls_inputs *in)
{
	in->created_at = sqlite3_column_int64(s, col);
	in->first_visit_at = sqlite3_column_int64(s, col + 1);
	in->last_visit_at = sqlite3_column_int64(s, col + 2);
	in->visits_w = sqlite3_column_int(s, col + 3);
	in->visits_90 = sqlite3_column_int(s, col + 4);
	in->visits_prev_90 = sqlite3_column_int(s, col + 5);
	in->spend_w = sqlite3_column_int64(s, col + 6);
	in->total_spend_fen = sqlite3_column_int64(s, col + 7);
	in->visit_count = sqlite3_column_int64(s, col + 8);
	for (int i = 0; i < LK_NCATEGORIES; i++)
		in->spend_by_category[i] = sqlite3_column_int64(s, col + 9 + i);
	in->usual_gap = sqlite3_column_double(s, col + 9 + LK_NCATEGORIES);
	in->n_gaps = sqlite3_column_int(s, col + 10 + LK_NCATEGORIES);
	in->avg_rating = sqlite3_column_double(s, col + 11 + LK_NCATEGORIES);
	col_text(s, col + 12 + LK_NCATEGORIES, in->staff_preference, sizeof(in->staff_preference));
}

enum lk_rc store_cls_scan(struct store *st, bool (*fn)(void *ctx, const struct store_cls_row *row),
			  void *ctx, struct lk_err *err)
{
	/* one read transaction: the guests and the facts of the same moment */
	if (sqlite3_exec(st->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return sq_db_fail(st, err, "classification scan");
	enum lk_rc rc = LK_OK;
	sqlite3_stmt *s = sq_prep(st, SQL_SCAN, err);
	sqlite3_stmt *p = s ? sq_prep(st, SQL_SCAN_PREFS, err) : NULL;
	sqlite3_stmt *g = p ? sq_prep(st, SQL_SCAN_RATINGS, err) : NULL;
	if (!s || !p || !g) {
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
		return LK_EDB;
	}
	int prc = sqlite3_step(p);
	int64_t pref_id = prc == SQLITE_ROW ? sqlite3_column_int64(p, 0) : INT64_MAX;
	int grc = sqlite3_step(g);
	int64_t rate_id = grc == SQLITE_ROW ? sqlite3_column_int64(g, 0) : INT64_MAX;
	struct store_cls_row row;
	int src;
	while ((src = sqlite3_step(s)) == SQLITE_ROW) {
		memset(&row, 0, sizeof(row));
		row.id = sqlite3_column_int64(s, 0);
		row.home_store_id = sqlite3_column_int64(s, 1);
		row.created_at = sqlite3_column_int64(s, 2);
		row.visit_count = sqlite3_column_int64(s, 3);
		row.total_spend_fen = sqlite3_column_int64(s, 4);
		row.first_visit_at = sqlite3_column_int64(s, 5);
		row.last_visit_at = sqlite3_column_int64(s, 6);
		for (int i = 0; i < LK_NCATEGORIES; i++)
			row.spend_by_category[i] = sqlite3_column_int64(s, 7 + i);
		row.recent = sqlite3_column_blob(s, 15);
		row.recent_len = (size_t)sqlite3_column_bytes(s, 15);
		row.has_current = sqlite3_column_int(s, 16);
		if (row.has_current) {
			vals_row(s, SCAN_CUR, &row.cur);
			inputs_row(s, SCAN_CUR + CLS_NVAL, &row.cur_in);
			row.cur_home_store_id = sqlite3_column_int64(s, SCAN_CUR + CLS_NVAL + CLS_NIN);
		}
		/* the preference facts walk alongside (both in guest order) */
		row.staff_preference = "";
		while (prc == SQLITE_ROW && pref_id < row.id) {
			while ((prc = sqlite3_step(p)) == SQLITE_ROW &&
			       sqlite3_column_int64(p, 0) == pref_id)
				;
			pref_id = prc == SQLITE_ROW ? sqlite3_column_int64(p, 0) : INT64_MAX;
		}
		if (prc == SQLITE_ROW && pref_id == row.id) {
			const unsigned char *t = sqlite3_column_text(p, 1);
			row.staff_preference = t ? (const char *)t : "";
		}
		/* and the ratings: one row per guest */
		while (grc == SQLITE_ROW && rate_id < row.id) {
			grc = sqlite3_step(g);
			rate_id = grc == SQLITE_ROW ? sqlite3_column_int64(g, 0) : INT64_MAX;
		}
		row.avg_rating = grc == SQLITE_ROW && rate_id == row.id ? sqlite3_column_double(g, 1)
									 : 0.0;
		if (!fn(ctx, &row))
			break;
	}
	if (src != SQLITE_ROW && src != SQLITE_DONE)
		rc = sq_db_fail(st, err, "classification scan");
	else if (prc != SQLITE_ROW && prc != SQLITE_DONE)
		rc = sq_db_fail(st, err, "classification scan");
	else if (grc != SQLITE_ROW && grc != SQLITE_DONE)
		rc = sq_db_fail(st, err, "classification scan");
	sqlite3_reset(s);
	sqlite3_reset(p);
	sqlite3_reset(g);
	sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
	return rc;
}

/* ---- runs ---- */

void store_cls_run_release(struct store_cls_run *r)
{
	free(r->settings);
	free(r->cuts);
	r->settings = r->cuts = NULL;
}

static const char SQL_RUN_ABANDON[] =
	"UPDATE cls_runs SET status = 'failed', finished_at = ?2,"
	" error = 'abandoned: the process running it stopped'"
	" WHERE status = 'running' AND heartbeat_at < ?1";
static const char SQL_RUN_RUNNING[] = "SELECT id FROM cls_runs WHERE status = 'running'";
static const char SQL_RUN_ADD[] =
	"INSERT INTO cls_runs(trigger, user_id, key_id, status, started_at, heartbeat_at, as_of,"
	" tz_offset_min, settings) VALUES (?1, ?2, ?3, 'running', ?4, ?4, ?5, ?6, ?7)";

enum lk_rc store_cls_run_begin(struct store_cls_run *run, struct store *st, int64_t stale_after,
			       struct lk_err *err)
{
	enum lk_rc rc = sq_tx_begin(st, err);
	if (rc != LK_OK)
		return rc;
	sqlite3_stmt *s = sq_prep(st, SQL_RUN_ABANDON, err);
	if (!s)
		goto db;
	sqlite3_bind_int64(s, 1, run->started_at - stale_after);
	sqlite3_bind_int64(s, 2, run->started_at);
	if ((rc = sq_step_done(st, s, err, "classification run")) != LK_OK)
		goto fail;
	if (!(s = sq_prep(st, SQL_RUN_RUNNING, err)))
		goto db;
	int r = sqlite3_step(s);
	int64_t running = r == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	sqlite3_reset(s);
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		goto db;
	if (running) {
		rc = lk_fail(err, LK_ECONFLICT, "run_in_progress", NULL,
			     "classification run %lld is still running; try again when it ends",
			     (long long)running);
		err->ref_id = running;
		goto fail;
	}
	if (!(s = sq_prep(st, SQL_RUN_ADD, err)))
		goto db;
	bind_str(s, 1, run->trigger);
	bind_opt_int(s, 2, run->user_id);
	bind_opt_int(s, 3, run->key_id);
	sqlite3_bind_int64(s, 4, run->started_at);
	sqlite3_bind_int64(s, 5, run->as_of);
	sqlite3_bind_int(s, 6, run->tz_offset_min);
	bind_str(s, 7, run->settings ? run->settings : "{}");
	if ((rc = sq_step_done(st, s, err, "classification run")) != LK_OK)
		goto fail;
	run->id = sqlite3_last_insert_rowid(st->db);
	snprintf(run->status, sizeof(run->status), "running");
	return sq_tx_commit(st, err);
db:
	rc = LK_EDB;
fail:
	sq_tx_rollback(st);
	return rc;
}

static const char SQL_RUN_FAIL[] =
	"UPDATE cls_runs SET status = 'failed', finished_at = ?2, error = ?3"
	" WHERE id = ?1 AND status = 'running'";

void store_cls_run_fail(struct store *st, int64_t id, const char *message)
{
	struct lk_err e = { 0 };
	sqlite3_stmt *s = sq_prep(st, SQL_RUN_FAIL, &e);
	if (!s)
		return;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, lk_now());
	bind_str(s, 3, message);
	sq_step_queued(st, s, &e, "classification run");
}

static const char SQL_CUR_PUT[] =
	"INSERT OR REPLACE INTO cls_current(customer_id, run_id, home_store_id, " CLS_VAL_COLS
	", " CLS_IN_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14,"
	" ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31,"
	" ?32, ?33, ?34, ?35, ?36)";
static const char SQL_CUR_VALS[] =
	"UPDATE cls_current SET run_id = ?2, home_store_id = ?3, frequency_tier = ?4,"
	" spend_tier = ?5, preference = ?6, preference_by_staff = ?7, lifecycle = ?8,"
	" at_risk = ?9, grade = ?10, vip = ?11, r = ?12, f = ?13, m = ?14, segment = ?15"
	" WHERE customer_id = ?1";
static const char SQL_HIST_ADD[] =
	"INSERT INTO cls_history(run_id, customer_id, home_store_id, old, new)"
	" VALUES (?1, ?2, ?3, ?4, ?5)";
static const char SQL_COUNT_ADD[] =
	"INSERT INTO cls_counts(run_id, store_id, field, value, n) VALUES (?1, ?2, ?3, ?4, ?5)";
static const char SQL_RUN_DONE[] =
	"UPDATE cls_runs SET status = 'done', finished_at = ?2, heartbeat_at = ?2, cuts = ?3,"
	" guests = ?4, scored = ?5, changed = ?6 WHERE id = ?1 AND status = 'running'";

static void bind_vals(sqlite3_stmt *s, int col, const struct store_cls_vals *v)
{
	const int *p = &v->frequency_tier;
	for (int i = 0; i < CLS_NVAL; i++)
		sqlite3_bind_int(s, col + i, p[i]);
}

static void bind_inputs(sqlite3_stmt *s, int col, const struct store_cls_inputs *in)
{
	sqlite3_bind_int64(s, col, in->created_at);
	sqlite3_bind_int64(s, col + 1, in->first_visit_at);
	sqlite3_bind_int64(s, col + 2, in->last_visit_at);
	sqlite3_bind_int(s, col + 3, in->visits_w);
	sqlite3_bind_int(s, col + 4, in->visits_90);
	sqlite3_bind_int(s, col + 5, in->visits_prev_90);
	sqlite3_bind_int64(s, col + 6, in->spend_w);
	sqlite3_bind_int64(s, col + 7, in->total_spend_fen);
	sqlite3_bind_int64(s, col + 8, in->visit_count);
	for (int i = 0; i < LK_NCATEGORIES; i++)
		sqlite3_bind_int64(s, col + 9 + i, in->spend_by_category[i]);
	sqlite3_bind_double(s, col + 9 + LK_NCATEGORIES, in->usual_gap);
	sqlite3_bind_int(s, col + 10 + LK_NCATEGORIES, in->n_gaps);
	sqlite3_bind_double(s, col + 11 + LK_NCATEGORIES, in->avg_rating);
	bind_str(s, col + 12 + LK_NCATEGORIES, in->staff_preference);
}

enum lk_rc store_cls_run_commit(struct store *st, int64_t id, const struct store_cls_write *w,
				size_t nw, const struct store_cls_count *c, size_t nc,
				const char *cuts, int64_t guests, int64_t scored, int64_t changed,
				int64_t finished_at, struct lk_err *err)
{
	enum lk_rc rc = sq_tx_begin(st, err);
	if (rc != LK_OK)
		return rc;
	sqlite3_stmt *s;
	for (size_t i = 0; i < nw; i++) {
		const struct store_cls_write *x = &w[i];
		if (!(s = sq_prep(st, x->inputs ? SQL_CUR_PUT : SQL_CUR_VALS, err)))
			goto db;
		sqlite3_bind_int64(s, 1, x->customer_id);
		sqlite3_bind_int64(s, 2, id);
		bind_opt_int(s, 3, x->home_store_id);
		bind_vals(s, 4, &x->v);
		if (x->inputs)
			bind_inputs(s, 4 + CLS_NVAL, &x->in);
		if ((rc = sq_step_done(st, s, err, "classification")) != LK_OK)
			goto fail;
		/* a change of values; a guest new to the snapshot has nothing to compare */
		if (x->old_code == x->new_code || x->old_code < 0)
			continue;
		if (!(s = sq_prep(st, SQL_HIST_ADD, err)))
			goto db;
		sqlite3_bind_int64(s, 1, id);
		sqlite3_bind_int64(s, 2, x->customer_id);
		bind_opt_int(s, 3, x->home_store_id);
		sqlite3_bind_int(s, 4, x->old_code);
		sqlite3_bind_int(s, 5, x->new_code);
		if ((rc = sq_step_done(st, s, err, "classification history")) != LK_OK)
			goto fail;
	}
	for (size_t i = 0; i < nc; i++) {
		if (!(s = sq_prep(st, SQL_COUNT_ADD, err)))
			goto db;
		sqlite3_bind_int64(s, 1, id);
		sqlite3_bind_int64(s, 2, c[i].store_id);
		bind_str(s, 3, c[i].field);
		bind_str(s, 4, c[i].value);
		sqlite3_bind_int64(s, 5, c[i].n);
		if ((rc = sq_step_done(st, s, err, "classification counts")) != LK_OK)
			goto fail;
	}
	if (!(s = sq_prep(st, SQL_RUN_DONE, err)))
		goto db;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, finished_at);
	bind_text(s, 3, cuts);
	sqlite3_bind_int64(s, 4, guests);
	sqlite3_bind_int64(s, 5, scored);
	sqlite3_bind_int64(s, 6, changed);
	if ((rc = sq_step_done(st, s, err, "classification run")) != LK_OK)
		goto fail;
	if (sqlite3_changes(st->db) != 1) {
		rc = lk_fail(err, LK_ECONFLICT, "run_abandoned", NULL,
			     "classification run %lld was marked abandoned while it ran",
			     (long long)id);
		goto fail;
	}
	return sq_tx_commit(st, err);
db:
	rc = LK_EDB;
fail:
	sq_tx_rollback(st);
	return rc;
}

#define RUN_COLS                                                                            \
	"id, trigger, coalesce(user_id, 0), coalesce(key_id, 0), status, started_at,"       \
	" coalesce(finished_at, 0), as_of, tz_offset_min, settings, cuts, coalesce(guests, 0)," \
	" coalesce(scored, 0), coalesce(changed, 0), coalesce(error, '')"

static void run_row(sqlite3_stmt *s, void *out)
{
	struct store_cls_run *r = out;
	memset(r, 0, sizeof(*r));
	r->id = sqlite3_column_int64(s, 0);
	col_text(s, 1, r->trigger, sizeof(r->trigger));
	r->user_id = sqlite3_column_int64(s, 2);
	r->key_id = sqlite3_column_int64(s, 3);
	col_text(s, 4, r->status, sizeof(r->status));
	r->started_at = sqlite3_column_int64(s, 5);
	r->finished_at = sqlite3_column_int64(s, 6);
	r->as_of = sqlite3_column_int64(s, 7);
	r->tz_offset_min = sqlite3_column_int(s, 8);
	const unsigned char *t = sqlite3_column_text(s, 9);
	r->settings = t ? strdup((const char *)t) : NULL;
	t = sqlite3_column_text(s, 10);
	r->cuts = t ? strdup((const char *)t) : NULL;
	r->guests = sqlite3_column_int64(s, 11);
	r->scored = sqlite3_column_int64(s, 12);
	r->changed = sqlite3_column_int64(s, 13);
	col_text(s, 14, r->error, sizeof(r->error));
}

static const char SQL_RUN_GET[] = "SELECT " RUN_COLS " FROM cls_runs WHERE id = ?1";
static const char SQL_RUN_LATEST[] =
	"SELECT " RUN_COLS " FROM cls_runs WHERE status = 'done' ORDER BY id DESC LIMIT 1";

enum lk_rc store_cls_run_get(struct store *st, int64_t id, struct store_cls_run *run,
			     struct lk_err *err)
{
	memset(run, 0, sizeof(*run));
	sqlite3_stmt *s = sq_prep(st, id ? SQL_RUN_GET : SQL_RUN_LATEST, err);
	if (!s)
		return LK_EDB;
	if (id)
		sqlite3_bind_int64(s, 1, id);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		run_row(s, run);
	sqlite3_reset(s);
	if (rc == SQLITE_ROW)
		return LK_OK;
	if (rc == SQLITE_DONE)
		return lk_fail(err, LK_ENOTFOUND, "not_found", NULL,
			       id ? "no classification run %lld" : "no classification run yet",
			       (long long)id);
	return sq_db_fail(st, err, "classification run");
}

static const char SQL_RUN_AT[] =
	"SELECT id FROM cls_runs WHERE status = 'done' AND finished_at <= ?1"
	" ORDER BY id DESC LIMIT 1";
static const char SQL_RUN_BEFORE[] =
	"SELECT id FROM cls_runs WHERE status = 'done' AND id < ?1 ORDER BY id DESC LIMIT 1";

enum lk_rc store_cls_run_find(struct store *st, int64_t t, int64_t before_id, int64_t *id,
			      struct lk_err *err)
{
	*id = 0;
	sqlite3_stmt *s = sq_prep(st, before_id > 0 ? SQL_RUN_BEFORE : SQL_RUN_AT, err);
	if (!s)
		return LK_EDB;
	sqlite3_bind_int64(s, 1, before_id > 0 ? before_id : t);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? LK_OK
						     : sq_db_fail(st, err, "classification run");
}

static const char SQL_RUN_LIST[] =
	"SELECT " RUN_COLS " FROM cls_runs ORDER BY id DESC LIMIT ?1";

enum lk_rc store_cls_run_list(struct store *st, int limit, struct store_cls_run **out, int *n,
			      struct lk_err *err)
{
	sqlite3_stmt *s = sq_prep(st, SQL_RUN_LIST, err);
	if (!s)
		return LK_EDB;
	sqlite3_bind_int(s, 1, limit);
	return sq_collect(st, s, sizeof(**out), run_row, (void **)out, n, err);
}

/* ---- a guest's classification ---- */

static const char SQL_GUEST[] =
	"SELECT run_id, " CLS_VAL_COLS ", " CLS_IN_COLS " FROM cls_current k"
	" WHERE customer_id = ?1";
/* the latest change: its old values held until that run */
static const char SQL_GUEST_PREV[] =
	"SELECT run_id, old FROM cls_history WHERE customer_id = ?1"
	" ORDER BY run_id DESC LIMIT 1";

enum lk_rc store_cls_guest(struct store *st, int64_t id, bool *found, int64_t *run_id,
			   struct store_cls_vals *v, struct store_cls_inputs *in,
			   int32_t *prev_code, int64_t *prev_run, struct lk_err *err)
{
	*found = false;
	*prev_code = -1;
	*prev_run = 0;
	sqlite3_stmt *s = sq_prep(st, SQL_GUEST, err);
	if (!s)
		return LK_EDB;
	sqlite3_bind_int64(s, 1, id);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*found = true;
		*run_id = sqlite3_column_int64(s, 0);
		vals_row(s, 1, v);
		inputs_row(s, 1 + CLS_NVAL, in);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return sq_db_fail(st, err, "classification");
	if (!*found)
		return LK_OK;
	if (!(s = sq_prep(st, SQL_GUEST_PREV, err)))
		return LK_EDB;
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*prev_run = sqlite3_column_int64(s, 0);
		*prev_code = sqlite3_column_type(s, 1) == SQLITE_NULL ? -1
								       : sqlite3_column_int(s, 1);
	}
	sqlite3_reset(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? LK_OK
						     : sq_db_fail(st, err, "classification");
}

/* ---- segments ---- */

/*
 * Home stores in the filter: ?2 a store (0 any), ?3 a region ('' any), ?4/?5
 * the scope (as SCOPE_STORES in store_sqlite.c). Store 0 (no home store)
 * is in only when nothing narrows the filter.
 */
#define IN_FILTER(col)                                                                        \
	" (" col " IN (SELECT id FROM stores WHERE (?2 = 0 OR id = ?2) AND (?3 = '' OR region = ?3)" \
	"   AND ((?4 = 0 AND ?5 = '') OR (?4 <> 0 AND id = ?4) OR (?5 <> '' AND region = ?5)))" \
	"  OR (coalesce(" col ", 0) = 0 AND ?2 = 0 AND ?3 = '' AND ?4 = 0 AND ?5 = ''))"

static const char SQL_COUNTS[] =
	"SELECT field, value, sum(n) FROM cls_counts WHERE run_id = ?1 AND" IN_FILTER("store_id")
	" GROUP BY field, value";

static void bind_filter(sqlite3_stmt *s, int64_t store_id, const char *region,
			const struct lk_scope *scope)
{
	sqlite3_bind_int64(s, 2, store_id);
	bind_str(s, 3, region ? region : "");
	sqlite3_bind_int64(s, 4, scope ? scope->store_id : 0);
	bind_str(s, 5, scope ? scope->region : "");
}

enum lk_rc store_cls_counts(struct store *st, int64_t run_id, int64_t store_id, const char *region,
			    const struct lk_scope *scope,
			    void (*fn)(void *ctx, const char *field, const char *value, int64_t n),
			    void *ctx, struct lk_err *err)
{
	sqlite3_stmt *s = sq_prep(st, SQL_COUNTS, err);
	if (!s)
		return LK_EDB;
	sqlite3_bind_int64(s, 1, run_id);
	bind_filter(s, store_id, region, scope);
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		fn(ctx, (const char *)sqlite3_column_text(s, 0),
		   (const char *)sqlite3_column_text(s, 1), sqlite3_column_int64(s, 2));
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? LK_OK : sq_db_fail(st, err, "classification counts");
}

static const char SQL_CHANGES[] =
	"SELECT customer_id, coalesce(old, -1), new FROM cls_history"
	" WHERE run_id > ?1 AND run_id <= ?6 AND" IN_FILTER("home_store_id")
	" ORDER BY customer_id, run_id";

enum lk_rc store_cls_changes(struct store *st, int64_t from_run, int64_t to_run, int64_t store_id,
			     const char *region, const struct lk_scope *scope,
			     void (*fn)(void *ctx, int64_t customer_id, int32_t old, int32_t new_code),
			     void *ctx, struct lk_err *err)
{
	sqlite3_stmt *s = sq_prep(st, SQL_CHANGES, err);
	if (!s)
		return LK_EDB;
	sqlite3_bind_int64(s, 1, from_run);
	bind_filter(s, store_id, region, scope);
	sqlite3_bind_int64(s, 6, to_run);
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		fn(ctx, sqlite3_column_int64(s, 0), sqlite3_column_int(s, 1),
		   sqlite3_column_int(s, 2));
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? LK_OK : sq_db_fail(st, err, "classification changes");
}

void store_cls_filter_init(struct store_cls_filter *f)
{
	memset(f, 0, sizeof(*f));
	f->frequency_tier = f->spend_tier = f->preference = f->lifecycle = -1;
	f->at_risk = f->grade = f->vip = f->segment = -1;
	f->segment = -2; /* -1 is "not scored", a value one may ask for */
}
