/*
 * store_sqlite_export.c - the SQLite side of the exports: one SELECT per
 * export, stepped row by row into a callback, so a million guests never
 * sit in memory at once.
 *
 * Tags, allergies and a visit's dishes come from correlated group_concat
 * subqueries over their (customer_id, ...) and (visit_id, line) keys:
 * one statement, no query per row. One statement is also one read
 * snapshot, so an export is consistent while writers go on (WAL).
 * The guest's "visited this store" test is written "+v.store_id" so the
 * planner walks the guest's few visits (visits_customer), not every visit
 * of the store (visits_store_time) once per guest.
 * The statements are prepared per export, not cached: exports are rare
 * and the cache is for the hot paths.
 */
#include <sqlite3.h>
#include <stdint.h>
#include <string.h>

#include "store/sqlite_int.h"
#include "store/store.h"
#include "util/log.h"

static enum lk_rc export_fail(struct store *st, struct lk_err *err, const char *what)
{
	int ext = sqlite3_extended_errcode(st->db);
	lk_log("error", "sqlite: export %s: %s (%d)", what, sqlite3_errmsg(st->db), ext);
	if ((ext & 0xff) == SQLITE_BUSY || (ext & 0xff) == SQLITE_LOCKED)
		return lk_fail(err, LK_EDB, "database_busy", NULL, "the database is busy, try again");
	if ((ext & 0xff) == SQLITE_INTERRUPT)
		return lk_fail(err, LK_EDB, "export_interrupted", NULL, "the export was interrupted");
	return lk_fail(err, LK_EDB, "database_error", NULL, "database error");
}

static const char *col_str(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);
	return t ? (const char *)t : "";
}

static void bind_filter(sqlite3_stmt *s, const struct lk_export_filter *f)
{
	bind_opt_int(s, 1, f->store_id);
	sqlite3_bind_int64(s, 2, f->from);
	sqlite3_bind_int64(s, 3, f->to);
	bind_text(s, 4, f->region);
}

/* Step s to the end, calling row() for each row; shared by every export. */
static enum lk_rc export_run(struct store *st, sqlite3_stmt *s, int (*row)(sqlite3_stmt *, void *),
			     void *ctx, int64_t *rows, int *stopped, struct lk_err *err)
{
	int64_t n = 0;
	int stop = 0, rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		n++;
		if ((stop = row(s, ctx)) != 0)
			break;
	}
	enum lk_rc out = LK_OK;
	if (!stop && rc != SQLITE_DONE)
		out = export_fail(st, err, "step");
	sqlite3_finalize(s);
	if (rows)
		*rows = n;
	if (stopped)
		*stopped = stop;
	return out;
}

/* ---- guests ---- */

/*
 * Guest c within the filter's store (?1) and region (?4): home store, a
 * visit there, or a link made when they were identified there.
 */
#define GUEST_IN_FILTER                                                                          \
	"  AND (?1 IS NULL OR c.home_store_id = ?1"                                              \
	"       OR EXISTS (SELECT 1 FROM visits v WHERE v.customer_id = c.id AND +v.store_id = ?1)" \
	"       OR EXISTS (SELECT 1 FROM guest_store_links l WHERE l.customer_id = c.id"           \
	"                  AND l.store_id = ?1))"                                                \
	"  AND (?4 IS NULL OR c.home_store_id IN (SELECT id FROM stores WHERE region = ?4)"     \
	"       OR EXISTS (SELECT 1 FROM visits v WHERE v.customer_id = c.id"                    \
	"                  AND +v.store_id IN (SELECT id FROM stores WHERE region = ?4))"        \
	"       OR EXISTS (SELECT 1 FROM guest_store_links l WHERE l.customer_id = c.id"         \
	"                  AND l.store_id IN (SELECT id FROM stores WHERE region = ?4)))"

static const char SQL_EXPORT_GUESTS[] =
	"SELECT c.id, c.name, c.phone, c.gender, c.birth_year, c.birth_month, c.birth_day,"
	"  hs.code, hs.name, c.source, c.marketing_consent, c.consent_at, c.consent_channel,"
	"  c.notes,"
	"  (SELECT group_concat(t.tag, '; ') FROM customer_tags t WHERE t.customer_id = c.id),"
	"  (SELECT group_concat(f.value, '; ') FROM customer_facts f"
	"    WHERE f.customer_id = c.id AND f.kind = 'allergy'),"
	"  coalesce(cs.visit_count, 0), coalesce(cs.total_spend_fen, 0),"
	"  cs.first_visit_at, cs.last_visit_at, c.created_at"
	" FROM customers c"
	" LEFT JOIN customer_stats cs ON cs.customer_id = c.id"
	" LEFT JOIN stores hs ON hs.id = c.home_store_id"
	" WHERE c.deleted_at IS NULL"
	GUEST_IN_FILTER
	"  AND coalesce(cs.last_visit_at, c.created_at) BETWEEN ?2 AND ?3"
	" ORDER BY c.id";

struct guest_ctx {
	int (*fn)(const struct lk_export_guest *, void *);
	void *arg;
};

static int guest_row(sqlite3_stmt *s, void *p)
{
	struct guest_ctx *g = p;
	struct lk_export_guest r = {
		.id = sqlite3_column_int64(s, 0),
		.name = col_str(s, 1),
		.phone = col_str(s, 2),
		.gender = col_str(s, 3),
		.birth_year = sqlite3_column_int(s, 4),
		.birth_month = sqlite3_column_int(s, 5),
		.birth_day = sqlite3_column_int(s, 6),
		.home_store_code = col_str(s, 7),
		.home_store_name = col_str(s, 8),
		.source = col_str(s, 9),
		.consent = sqlite3_column_int(s, 10) != 0,
		.consent_at = sqlite3_column_int64(s, 11),
		.consent_channel = col_str(s, 12),
		.notes = col_str(s, 13),
		.tags = col_str(s, 14),
		.allergies = col_str(s, 15),
		.visit_count = sqlite3_column_int64(s, 16),
		.total_spend_fen = sqlite3_column_int64(s, 17),
		.first_visit_at = sqlite3_column_int64(s, 18),
		.last_visit_at = sqlite3_column_int64(s, 19),
		.created_at = sqlite3_column_int64(s, 20),
	};
	return g->fn(&r, g->arg);
}

enum lk_rc store_export_guests(struct store *st, const struct lk_export_filter *f,
			       int (*fn)(const struct lk_export_guest *, void *), void *arg,
			       int64_t *rows, int *stopped, struct lk_err *err)
{
	sqlite3_stmt *s = NULL;
	if (sqlite3_prepare_v2(st->db, SQL_EXPORT_GUESTS, -1, &s, NULL) != SQLITE_OK)
		return export_fail(st, err, "prepare");
	bind_filter(s, f);
	struct guest_ctx g = { fn, arg };
	return export_run(st, s, guest_row, &g, rows, stopped, err);
}

/* ---- visits ---- */

#define VISIT_EXPORT_COLS                                                                       \
	"SELECT v.id, v.pos_order_id, st.code, st.name, v.visited_at, v.customer_id,"          \
	"  CASE WHEN c.deleted_at IS NULL THEN c.name END, v.party_size, v.amount_fen,"        \
	"  v.channel,"                                                                          \
	"  (SELECT group_concat(d.name || '×' || i.qty, '; ') FROM visit_items i"              \
	"    JOIN dishes d ON d.id = i.dish_id WHERE i.visit_id = v.id)"                         \
	" FROM visits v JOIN stores st ON st.id = v.store_id"                                   \
	" LEFT JOIN customers c ON c.id = v.customer_id"

/* one store: its (store_id, visited_at) index gives time order without a sort */
static const char SQL_EXPORT_VISITS_STORE[] =
	VISIT_EXPORT_COLS
	" WHERE v.store_id = ?1 AND v.visited_at BETWEEN ?2 AND ?3"
	" AND (?4 IS NULL OR st.region = ?4)"
	" ORDER BY v.visited_at, v.id";
/* every store: table order; a time order would sort all visits first */
static const char SQL_EXPORT_VISITS_ALL[] =
	VISIT_EXPORT_COLS
	" WHERE ?1 IS NULL AND v.visited_at BETWEEN ?2 AND ?3"
	" AND (?4 IS NULL OR st.region = ?4)"
	" ORDER BY v.id";

struct visit_ctx {
	int (*fn)(const struct lk_export_visit *, void *);
	void *arg;
};

static int visit_row(sqlite3_stmt *s, void *p)
{
	struct visit_ctx *g = p;
	struct lk_export_visit r = {
		.id = sqlite3_column_int64(s, 0),
		.pos_order_id = col_str(s, 1),
		.store_code = col_str(s, 2),
		.store_name = col_str(s, 3),
		.visited_at = sqlite3_column_int64(s, 4),
		.customer_id = sqlite3_column_int64(s, 5),
		.customer_name = col_str(s, 6),
		.party_size = sqlite3_column_int(s, 7),
		.amount_fen = sqlite3_column_int64(s, 8),
		.channel = col_str(s, 9),
		.items = col_str(s, 10),
	};
	return g->fn(&r, g->arg);
}

enum lk_rc store_export_visits(struct store *st, const struct lk_export_filter *f,
			       int (*fn)(const struct lk_export_visit *, void *), void *arg,
			       int64_t *rows, int *stopped, struct lk_err *err)
{
	const char *sql = f->store_id ? SQL_EXPORT_VISITS_STORE : SQL_EXPORT_VISITS_ALL;
	sqlite3_stmt *s = NULL;
	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return export_fail(st, err, "prepare");
	bind_filter(s, f);
	struct visit_ctx g = { fn, arg };
	return export_run(st, s, visit_row, &g, rows, stopped, err);
}

/* ---- needs (客户需求分析表) ---- */

static const char SQL_EXPORT_NEEDS[] =
	"SELECT n.id, n.customer_id, c.name, coalesce(c.phone, ''), hs.code, hs.name,"
	"  n.need, n.expectation, n.source,"
	"  coalesce(nullif(u.display_name, ''), u.username, ''), n.created_at"
	" FROM customer_needs n"
	" JOIN customers c ON c.id = n.customer_id"
	" LEFT JOIN stores hs ON hs.id = c.home_store_id"
	" LEFT JOIN users u ON u.id = n.created_by"
	" WHERE c.deleted_at IS NULL"
	GUEST_IN_FILTER
	"  AND n.created_at BETWEEN ?2 AND ?3"
	" ORDER BY n.id";

struct need_ctx {
	int (*fn)(const struct lk_export_need *, void *);
	void *arg;
};

static int need_row(sqlite3_stmt *s, void *p)
{
	struct need_ctx *g = p;
	struct lk_export_need r = {
		.id = sqlite3_column_int64(s, 0),
		.customer_id = sqlite3_column_int64(s, 1),
		.customer_name = col_str(s, 2),
		.phone = col_str(s, 3),
		.home_store_code = col_str(s, 4),
		.home_store_name = col_str(s, 5),
		.need = col_str(s, 6),
		.expectation = col_str(s, 7),
		.source = col_str(s, 8),
		.created_by = col_str(s, 9),
		.created_at = sqlite3_column_int64(s, 10),
	};
	return g->fn(&r, g->arg);
}

enum lk_rc store_export_needs(struct store *st, const struct lk_export_filter *f,
			      int (*fn)(const struct lk_export_need *, void *), void *arg,
			      int64_t *rows, int *stopped, struct lk_err *err)
{
	sqlite3_stmt *s = NULL;
	if (sqlite3_prepare_v2(st->db, SQL_EXPORT_NEEDS, -1, &s, NULL) != SQLITE_OK)
		return export_fail(st, err, "prepare");
	bind_filter(s, f);
	struct need_ctx g = { fn, arg };
	return export_run(st, s, need_row, &g, rows, stopped, err);
}

/* ---- classification (客户分类表) ---- */

/*
 * cls_current holds the snapshot of the latest finished run, but a run
 * rewrites only the rows that changed, so a row's run_id can be older: the
 * time shown is the latest finished run's (as the guest card shows it), an
 * uncorrelated subquery SQLite computes once.
 */
static const char SQL_EXPORT_CLS[] =
	"SELECT c.id, c.name, coalesce(c.phone, ''), hs.code, hs.name,"
	"  k.frequency_tier, k.spend_tier, k.preference, k.preference_by_staff, k.lifecycle,"
	"  k.at_risk, k.grade, k.vip, k.r, k.f, k.m, k.segment,"
	"  k.visit_count, k.total_spend_fen, k.last_visit_at,"
	"  (SELECT finished_at FROM cls_runs WHERE status = 'done' ORDER BY id DESC LIMIT 1)"
	" FROM customers c"
	" JOIN cls_current k ON k.customer_id = c.id"
	" LEFT JOIN stores hs ON hs.id = c.home_store_id"
	" WHERE c.deleted_at IS NULL"
	GUEST_IN_FILTER
	"  AND coalesce(nullif(k.last_visit_at, 0), c.created_at) BETWEEN ?2 AND ?3"
	"  AND (?5 < 0 OR k.frequency_tier = ?5) AND (?6 < 0 OR k.spend_tier = ?6)"
	"  AND (?7 < 0 OR k.preference = ?7) AND (?8 < 0 OR k.lifecycle = ?8)"
	"  AND (?9 < 0 OR k.at_risk = ?9) AND (?10 < 0 OR k.grade = ?10)"
	"  AND (?11 < 0 OR k.vip = ?11) AND (?12 = -2 OR k.segment = ?12)"
	" ORDER BY c.id";

struct cls_ctx {
	int (*fn)(const struct lk_export_cls *, void *);
	void *arg;
};

static int cls_row(sqlite3_stmt *s, void *p)
{
	struct cls_ctx *g = p;
	struct lk_export_cls r = {
		.id = sqlite3_column_int64(s, 0),
		.name = col_str(s, 1),
		.phone = col_str(s, 2),
		.home_store_code = col_str(s, 3),
		.home_store_name = col_str(s, 4),
		.frequency_tier = sqlite3_column_int(s, 5),
		.spend_tier = sqlite3_column_int(s, 6),
		.preference = sqlite3_column_int(s, 7),
		.preference_by_staff = sqlite3_column_int(s, 8),
		.lifecycle = sqlite3_column_int(s, 9),
		.at_risk = sqlite3_column_int(s, 10),
		.grade = sqlite3_column_int(s, 11),
		.vip = sqlite3_column_int(s, 12),
		.r = sqlite3_column_int(s, 13),
		.f = sqlite3_column_int(s, 14),
		.m = sqlite3_column_int(s, 15),
		.segment = sqlite3_column_int(s, 16),
		.visit_count = sqlite3_column_int64(s, 17),
		.total_spend_fen = sqlite3_column_int64(s, 18),
		.last_visit_at = sqlite3_column_int64(s, 19),
		.classified_at = sqlite3_column_int64(s, 20),
	};
	return g->fn(&r, g->arg);
}

enum lk_rc store_export_classification(struct store *st, const struct lk_export_filter *f,
				       const struct store_cls_filter *cf,
				       int (*fn)(const struct lk_export_cls *, void *), void *arg,
				       int64_t *rows, int *stopped, struct lk_err *err)
{
	sqlite3_stmt *s = NULL;
	if (sqlite3_prepare_v2(st->db, SQL_EXPORT_CLS, -1, &s, NULL) != SQLITE_OK)
		return export_fail(st, err, "prepare");
	bind_filter(s, f);
	struct store_cls_filter any;
	if (!cf) {
		store_cls_filter_init(&any);
		cf = &any;
	}
	const int v[8] = { cf->frequency_tier, cf->spend_tier, cf->preference, cf->lifecycle,
			   cf->at_risk, cf->grade, cf->vip, cf->segment };
	for (int i = 0; i < 8; i++)
		sqlite3_bind_int(s, 5 + i, v[i]);
	struct cls_ctx g = { fn, arg };
	return export_run(st, s, cls_row, &g, rows, stopped, err);
}

/* ---- feedback (客户反馈处理表) ---- */

/*
 * The last time feedback f reached status S: a correlated max() over the
 * feedback's few steps, found through feedback_steps_feedback. Seven of
 * them are seven index probes per row, no grouping of every step first.
 */
#define FB_REACHED(s)                                                                          \
	"  (SELECT max(t.at) FROM feedback_steps t WHERE t.feedback_id = f.id"               \
	"    AND t.to_status = '" s "'),"

/*
 * The guest's name and phone: a live guest's; the contact left with the
 * feedback when there is no guest (the phone left comes first: it is the
 * one to call back). Nothing of a guest who was erased.
 */
static const char SQL_EXPORT_FEEDBACK[] =
	"SELECT f.id, f.received_at, s.code, s.name, f.channel, f.category,"
	"  coalesce(f.rating, 0), coalesce(f.customer_id, 0),"
	"  CASE WHEN f.customer_id IS NULL THEN f.contact_name"
	"       WHEN c.deleted_at IS NULL THEN coalesce(nullif(c.name, ''), f.contact_name)"
	"       ELSE '' END,"
	"  CASE WHEN f.customer_id IS NOT NULL AND (c.id IS NULL OR c.deleted_at IS NOT NULL)"
	"       THEN '' ELSE coalesce(nullif(f.contact_phone, ''), c.phone, '') END,"
	"  coalesce(d.name, ''),"
	"  coalesce(nullif(su.display_name, ''), su.username, f.staff_name),"
	"  f.text, f.complaint, coalesce(f.status, ''),"
	"  coalesce(nullif(ou.display_name, ''), ou.username, ''),"
	"  coalesce(f.response_due_at, 0), coalesce(f.resolve_due_at, 0),"
	"  coalesce(f.first_response_at, 0), coalesce(f.closed_at, 0),"
	FB_REACHED("received")
	FB_REACHED("analysed")
	FB_REACHED("planned")
	FB_REACHED("implemented")
	FB_REACHED("evaluated")
	FB_REACHED("called_back")
	FB_REACHED("closed")
	"  f.root_cause, f.solution, f.result, coalesce(f.satisfaction, 0),"
	"  coalesce(f.coupon_value_fen, 0), f.reopened"
	" FROM feedback f JOIN stores s ON s.id = f.store_id"
	" LEFT JOIN customers c ON c.id = f.customer_id"
	" LEFT JOIN dishes d ON d.id = f.dish_id"
	" LEFT JOIN users su ON su.id = f.staff_user_id"
	" LEFT JOIN users ou ON ou.id = f.owner_user_id"
	" WHERE (?1 IS NULL OR f.store_id = ?1)"
	"  AND (?4 IS NULL OR s.region = ?4)"
	"  AND f.received_at BETWEEN ?2 AND ?3"
	" ORDER BY f.id";

struct feedback_ctx {
	int (*fn)(const struct lk_export_feedback *, void *);
	void *arg;
};

static int feedback_row(sqlite3_stmt *s, void *p)
{
	struct feedback_ctx *g = p;
	struct lk_export_feedback r = {
		.id = sqlite3_column_int64(s, 0),
		.received_at = sqlite3_column_int64(s, 1),
		.store_code = col_str(s, 2),
		.store_name = col_str(s, 3),
		.channel = col_str(s, 4),
		.category = col_str(s, 5),
		.rating = sqlite3_column_int(s, 6),
		.customer_id = sqlite3_column_int64(s, 7),
		.customer_name = col_str(s, 8),
		.phone = col_str(s, 9),
		.dish_name = col_str(s, 10),
		.staff_name = col_str(s, 11),
		.text = col_str(s, 12),
		.complaint = sqlite3_column_int(s, 13) != 0,
		.status = col_str(s, 14),
		.owner_name = col_str(s, 15),
		.response_due_at = sqlite3_column_int64(s, 16),
		.resolve_due_at = sqlite3_column_int64(s, 17),
		.first_response_at = sqlite3_column_int64(s, 18),
		.closed_at = sqlite3_column_int64(s, 19),
		.reached = {
			.received = sqlite3_column_int64(s, 20),
			.analysed = sqlite3_column_int64(s, 21),
			.planned = sqlite3_column_int64(s, 22),
			.implemented = sqlite3_column_int64(s, 23),
			.evaluated = sqlite3_column_int64(s, 24),
			.called_back = sqlite3_column_int64(s, 25),
			.closed = sqlite3_column_int64(s, 26),
		},
		.root_cause = col_str(s, 27),
		.solution = col_str(s, 28),
		.result = col_str(s, 29),
		.satisfaction = sqlite3_column_int(s, 30),
		.coupon_value_fen = sqlite3_column_int64(s, 31),
		.reopened = sqlite3_column_int(s, 32),
	};
	return g->fn(&r, g->arg);
}

enum lk_rc store_export_feedback(struct store *st, const struct lk_export_filter *f,
				 int (*fn)(const struct lk_export_feedback *, void *), void *arg,
				 int64_t *rows, int *stopped, struct lk_err *err)
{
	sqlite3_stmt *s = NULL;
	if (sqlite3_prepare_v2(st->db, SQL_EXPORT_FEEDBACK, -1, &s, NULL) != SQLITE_OK)
		return export_fail(st, err, "prepare");
	bind_filter(s, f);
	struct feedback_ctx g = { fn, arg };
	return export_run(st, s, feedback_row, &g, rows, stopped, err);
}
