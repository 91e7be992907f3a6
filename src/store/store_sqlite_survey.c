/*
 * store_sqlite_survey.c - the SQLite backend of store_survey.h: surveys,
 * invitations (found by their token's SHA-256), responses with their
 * answers and complaint ticket, and the results' figures.
 */
#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite_int.h"
#include "store/store.h"
#include "store/store_survey.h"
#include "util/timeutil.h"

/*
 * ?4/?5: the scope's store and region (0/'': every store), as in
 * store_sqlite.c; X is the column holding the row's store.
 */
#define SCOPE_STORES                                                                               \
	"(SELECT id FROM stores WHERE (?4 <> 0 AND id = ?4) OR (?5 <> '' AND region = ?5))"
#define IN_SCOPE(x) " AND ((?4 = 0 AND ?5 = '') OR " x " IN " SCOPE_STORES ")"

static void bind_scope(sqlite3_stmt *s, const struct lk_scope *scope)
{
	sqlite3_bind_int64(s, 4, scope ? scope->store_id : 0);
	bind_str(s, 5, scope ? scope->region : "");
}

static char *col_dup(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);
	return strdup(t ? (const char *)t : "");
}

/* ---- surveys ---- */

/* ?9: whether to count the survey's invitations and responses (a scan of each) */

#define SURVEY_COLS                                                                          \
	"s.id, s.name, s.trigger, s.questions, coalesce(s.store_id, 0), s.active,"             \
	" coalesce(s.created_by, 0), s.created_at, s.updated_at, coalesce(t.code, ''),"         \
	" coalesce(t.name, ''),"                                                                \
	" CASE WHEN ?9 THEN (SELECT count(*) FROM survey_invites i WHERE i.survey_id = s.id)"   \
	" ELSE 0 END, CASE WHEN ?9 THEN (SELECT count(*) FROM survey_responses r"             \
	" WHERE r.survey_id = s.id) ELSE 0 END"
#define SURVEY_FROM " FROM surveys s LEFT JOIN stores t ON t.id = s.store_id"

void store_survey_release(struct store_survey *s)
{
	free(s->questions);
	s->questions = NULL;
}

void store_surveys_free(struct store_survey *list, int n)
{
	for (int i = 0; i < n; i++)
		store_survey_release(&list[i]);
	free(list);
}

/* Fill s from the row; false when out of memory (s holds nothing to free). */
static bool survey_row(sqlite3_stmt *st, struct store_survey *s)
{
	memset(s, 0, sizeof(*s));
	s->id = sqlite3_column_int64(st, 0);
	col_text(st, 1, s->name, sizeof(s->name));
	col_text(st, 2, s->trigger, sizeof(s->trigger));
	s->questions = col_dup(st, 3);
	s->store_id = sqlite3_column_int64(st, 4);
	s->active = sqlite3_column_int(st, 5) != 0;
	s->created_by = sqlite3_column_int64(st, 6);
	s->created_at = sqlite3_column_int64(st, 7);
	s->updated_at = sqlite3_column_int64(st, 8);
	col_text(st, 9, s->store_code, sizeof(s->store_code));
	col_text(st, 10, s->store_name, sizeof(s->store_name));
	s->invites = sqlite3_column_int64(st, 11);
	s->responses = sqlite3_column_int64(st, 12);
	return s->questions != NULL;
}

static const char SQL_SURVEY_ADD[] =
	"INSERT INTO surveys(name, trigger, questions, store_id, active, created_by, created_at,"
	" updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)";

enum lk_rc store_survey_add(struct store *st, struct store_survey *s, struct lk_err *err)
{
	enum lk_rc rc = sq_tx_begin(st, err);
	if (rc != LK_OK)
		return rc;
	if (s->store_id && (rc = sq_store_exists(st, s->store_id, "store_id", err)) != LK_OK)
		goto fail;
	sqlite3_stmt *q = sq_prep(st, SQL_SURVEY_ADD, err);
	if (!q) {
		rc = LK_EDB;
		goto fail;
	}
	s->created_at = s->updated_at = lk_now();
	bind_str(q, 1, s->name);
	bind_str(q, 2, s->trigger);
	bind_str(q, 3, s->questions);
	bind_opt_int(q, 4, s->store_id);
	sqlite3_bind_int(q, 5, s->active);
	bind_opt_int(q, 6, s->created_by);
	sqlite3_bind_int64(q, 7, s->created_at);
	if ((rc = sq_step_done(st, q, err, "survey")) != LK_OK)
		goto fail;
	s->id = sqlite3_last_insert_rowid(st->db);
	return sq_tx_commit(st, err);
fail:
	sq_tx_rollback(st);
	return rc;
}

static const char SQL_SURVEY_GET[] = "SELECT " SURVEY_COLS SURVEY_FROM " WHERE s.id = ?1";

static enum lk_rc survey_get(struct store *st, int64_t id, bool counts, struct store_survey *s,
			     struct lk_err *err)
{
	memset(s, 0, sizeof(*s));
	sqlite3_stmt *q = sq_prep(st, SQL_SURVEY_GET, err);
	if (!q)
		return LK_EDB;
	sqlite3_bind_int64(q, 1, id);
	sqlite3_bind_int(q, 9, counts);
	int rc = sqlite3_step(q);
	enum lk_rc out = LK_OK;
	if (rc == SQLITE_ROW) {
		if (!survey_row(q, s))
			out = lk_fail(err, LK_ENOMEM, "out_of_memory", NULL, "out of memory");
	} else if (rc == SQLITE_DONE) {
		out = lk_fail(err, LK_ENOTFOUND, "not_found", NULL, "survey %lld not found",
			      (long long)id);
	} else {
		out = sq_db_fail(st, err, "survey");
	}
	sqlite3_reset(q);
	return out;
}

enum lk_rc store_survey_get(struct store *st, int64_t id, struct store_survey *s,
			    struct lk_err *err)
{
	return survey_get(st, id, true, s, err);
}

enum lk_rc store_survey_get_brief(struct store *st, int64_t id, struct store_survey *s,
				  struct lk_err *err)
{
	return survey_get(st, id, false, s, err);
}

static const char SQL_SURVEY_LIST[] =
	"SELECT " SURVEY_COLS SURVEY_FROM
	" WHERE (?1 = 0 OR s.id < ?1) AND (?2 < 0 OR s.active = ?2)"
	" AND (s.store_id IS NULL OR (?4 = 0 AND ?5 = '') OR s.store_id IN " SCOPE_STORES ")"
	" ORDER BY s.id DESC LIMIT ?3";

enum lk_rc store_survey_list(struct store *st, const struct lk_scope *scope, int active,
			     int64_t cursor, int limit, struct store_survey **out, int *n,
			     int64_t *next, struct lk_err *err)
{
	*out = NULL;
	*n = 0;
	*next = 0;
	sqlite3_stmt *q = sq_prep(st, SQL_SURVEY_LIST, err);
	if (!q)
		return LK_EDB;
	sqlite3_bind_int64(q, 1, cursor);
	sqlite3_bind_int(q, 2, active);
	sqlite3_bind_int(q, 3, limit + 1);
	bind_scope(q, scope);
	sqlite3_bind_int(q, 9, 1);
	struct store_survey *arr = calloc((size_t)limit + 1, sizeof(*arr));
	if (!arr) {
		sqlite3_reset(q);
		return lk_fail(err, LK_ENOMEM, "out_of_memory", NULL, "out of memory");
	}
	int len = 0, rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW && len <= limit) {
		if (!survey_row(q, &arr[len])) {
			sqlite3_reset(q);
			store_surveys_free(arr, len);
			return lk_fail(err, LK_ENOMEM, "out_of_memory", NULL, "out of memory");
		}
		len++;
	}
	sqlite3_reset(q);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		store_surveys_free(arr, len);
		return sq_db_fail(st, err, "surveys");
	}
	if (len > limit) {
		store_survey_release(&arr[limit]);
		len = limit;
		*next = arr[limit - 1].id;
	}
	*out = arr;
	*n = len;
	return LK_OK;
}

static const char SQL_SURVEY_RESPONSES[] =
	"SELECT (SELECT count(*) FROM survey_responses WHERE survey_id = ?1)"
	" FROM surveys WHERE id = ?1";
static const char SQL_SURVEY_UPDATE[] =
	"UPDATE surveys SET name = coalesce(?2, name),"
	" active = CASE WHEN ?3 < 0 THEN active ELSE ?3 END,"
	" questions = coalesce(?4, questions), updated_at = ?5 WHERE id = ?1";

enum lk_rc store_survey_update(struct store *st, int64_t id, const struct store_survey_patch *p,
			       int64_t now, struct store_survey *s, struct lk_err *err)
{
	memset(s, 0, sizeof(*s));
	enum lk_rc rc = sq_tx_begin(st, err);
	if (rc != LK_OK)
		return rc;
	sqlite3_stmt *q = sq_prep(st, SQL_SURVEY_RESPONSES, err);
	if (!q)
		goto db;
	sqlite3_bind_int64(q, 1, id);
	int r = sqlite3_step(q);
	int64_t responses = r == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
	sqlite3_reset(q);
	if (r == SQLITE_DONE) {
		rc = lk_fail(err, LK_ENOTFOUND, "not_found", NULL, "survey %lld not found",
			     (long long)id);
		goto fail;
	}
	if (r != SQLITE_ROW) {
		rc = sq_db_fail(st, err, "survey");
		goto fail;
	}
	if (p->questions && responses > 0) {
		rc = lk_fail(err, LK_ECONFLICT, "survey_answered", "questions",
			     "the questions cannot change: the survey has %lld response%s",
			     (long long)responses, responses == 1 ? "" : "s");
		err->ref_id = responses;
		goto fail;
	}
	if (!(q = sq_prep(st, SQL_SURVEY_UPDATE, err)))
		goto db;
	sqlite3_bind_int64(q, 1, id);
	bind_text(q, 2, p->name);
	sqlite3_bind_int(q, 3, p->active);
	bind_text(q, 4, p->questions);
	sqlite3_bind_int64(q, 5, now);
	if ((rc = sq_step_done(st, q, err, "survey")) != LK_OK)
		goto fail;
	if ((rc = sq_tx_commit(st, err)) != LK_OK)
		goto fail;
	return store_survey_get(st, id, s, err);
db:
	rc = LK_EDB;
fail:
	sq_tx_rollback(st);
	return rc;
}

/* ---- invitations ---- */

#define INVITE_COLS                                                                          \
	"i.id, i.survey_id, coalesce(i.customer_id, 0), coalesce(i.store_id, 0),"              \
	" coalesce(i.visit_id, 0), coalesce(i.period, ''), i.created_at, i.expires_at,"         \
	" coalesce(i.responded_at, 0), coalesce(r.id, 0), coalesce(t.code, ''),"               \
	" coalesce(t.name, ''), CASE WHEN c.deleted_at IS NULL THEN coalesce(c.name, '')"      \
	" ELSE '' END, c.id IS NOT NULL AND c.deleted_at IS NULL"
#define INVITE_FROM                                                                          \
	" FROM survey_invites i LEFT JOIN survey_responses r ON r.invite_id = i.id"            \
	" LEFT JOIN stores t ON t.id = i.store_id LEFT JOIN customers c ON c.id = i.customer_id"

static void invite_row(sqlite3_stmt *s, void *p)
{
	struct store_survey_invite *v = p;
	memset(v, 0, sizeof(*v));
	v->id = sqlite3_column_int64(s, 0);
	v->survey_id = sqlite3_column_int64(s, 1);
	v->customer_id = sqlite3_column_int64(s, 2);
	v->store_id = sqlite3_column_int64(s, 3);
	v->visit_id = sqlite3_column_int64(s, 4);
	col_text(s, 5, v->period, sizeof(v->period));
	v->created_at = sqlite3_column_int64(s, 6);
	v->expires_at = sqlite3_column_int64(s, 7);
	v->responded_at = sqlite3_column_int64(s, 8);
	v->response_id = sqlite3_column_int64(s, 9);
	col_text(s, 10, v->store_code, sizeof(v->store_code));
	col_text(s, 11, v->store_name, sizeof(v->store_name));
	col_text(s, 12, v->customer_name, sizeof(v->customer_name));
	v->customer_live = sqlite3_column_int(s, 13) != 0;
}

/* Step s for at most one invitation; LK_ENOTFOUND "not_found" when none. */
static enum lk_rc invite_one(struct store *st, sqlite3_stmt *s, struct store_survey_invite *inv,
			     struct lk_err *err)
{
	int rc = sqlite3_step(s);
	enum lk_rc out = LK_OK;
	if (rc == SQLITE_ROW)
		invite_row(s, inv);
	else if (rc == SQLITE_DONE)
		out = lk_fail(err, LK_ENOTFOUND, "not_found", NULL, "invitation not found");
	else
		out = sq_db_fail(st, err, "invitation");
	sqlite3_reset(s);
	return out;
}

static const char SQL_CUSTOMER_LIVE[] =
	"SELECT 1 FROM customers WHERE id = ?1 AND deleted_at IS NULL";
static const char SQL_VISIT_EXISTS[] = "SELECT 1 FROM visits WHERE id = ?1";
static const char SQL_INVITE_OF_VISIT[] =
	"SELECT id FROM survey_invites WHERE survey_id = ?1 AND visit_id = ?2";
static const char SQL_INVITE_ADD[] =
	"INSERT INTO survey_invites(survey_id, customer_id, store_id, visit_id, period, token_hash,"
	" created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";

/* *id: the first column of the row sql gives for a (and b), 0 when none. */
static enum lk_rc lookup_id(struct store *st, const char *sql, int64_t a, int64_t b, int64_t *id,
			    struct lk_err *err)
{
	sqlite3_stmt *s = sq_prep(st, sql, err);
	if (!s)
		return LK_EDB;
	sqlite3_bind_int64(s, 1, a);
	if (sqlite3_bind_parameter_count(s) >= 2)
		sqlite3_bind_int64(s, 2, b);
	int rc = sqlite3_step(s);
	*id = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return sq_db_fail(st, err, "lookup");
	return LK_OK;
}

enum lk_rc store_survey_invite_add(struct store *st, struct store_survey_invite *inv,
				   const unsigned char hash[32], struct lk_err *err)
{
	enum lk_rc rc = sq_tx_begin(st, err);
	if (rc != LK_OK)
		return rc;
	int64_t found;
	if ((rc = lookup_id(st, SQL_CUSTOMER_LIVE, inv->customer_id, 0, &found, err)) != LK_OK)
		goto fail;
	if (!found) {
		rc = lk_fail(err, LK_EINVAL, "unknown_customer", "customer_id",
			     "guest %lld does not exist", (long long)inv->customer_id);
		goto fail;
	}
	if ((rc = sq_store_exists(st, inv->store_id, "store_id", err)) != LK_OK)
		goto fail;
	if (inv->visit_id) {
		if ((rc = lookup_id(st, SQL_VISIT_EXISTS, inv->visit_id, 0, &found, err)) != LK_OK)
			goto fail;
		if (!found) {
			rc = lk_fail(err, LK_EINVAL, "unknown_visit", "visit_id",
				     "visit %lld does not exist", (long long)inv->visit_id);
			goto fail;
		}
		if ((rc = lookup_id(st, SQL_INVITE_OF_VISIT, inv->survey_id, inv->visit_id, &found,
				    err)) != LK_OK)
			goto fail;
		if (found) {
			rc = lk_fail(err, LK_ECONFLICT, "already_invited", "visit_id",
				     "visit %lld is invited already (invitation %lld)",
				     (long long)inv->visit_id, (long long)found);
			err->ref_id = found;
			goto fail;
		}
	}
	sqlite3_stmt *s = sq_prep(st, SQL_INVITE_ADD, err);
	if (!s) {
		rc = LK_EDB;
		goto fail;
	}
	sqlite3_bind_int64(s, 1, inv->survey_id);
	sqlite3_bind_int64(s, 2, inv->customer_id);
	sqlite3_bind_int64(s, 3, inv->store_id);
	bind_opt_int(s, 4, inv->visit_id);
	bind_text(s, 5, inv->period);
	sqlite3_bind_blob(s, 6, hash, 32, SQLITE_STATIC);
	sqlite3_bind_int64(s, 7, inv->created_at);
	sqlite3_bind_int64(s, 8, inv->expires_at);
	if ((rc = sq_step_done(st, s, err, "invitation")) != LK_OK)
		goto fail;
	inv->id = sqlite3_last_insert_rowid(st->db);
	return sq_tx_commit(st, err);
fail:
	sq_tx_rollback(st);
	return rc;
}

static const char SQL_INVITE_GET[] =
	"SELECT " INVITE_COLS INVITE_FROM " WHERE i.id = ?1 AND i.survey_id = ?2";

enum lk_rc store_survey_invite_get(struct store *st, int64_t survey_id, int64_t id,
				   struct store_survey_invite *inv, struct lk_err *err)
{
	sqlite3_stmt *s = sq_prep(st, SQL_INVITE_GET, err);
	if (!s)
		return LK_EDB;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, survey_id);
	return invite_one(st, s, inv, err);
}

static const char SQL_INVITE_BY_HASH[] =
	"SELECT " INVITE_COLS INVITE_FROM " WHERE i.token_hash = ?1";

enum lk_rc store_survey_invite_by_hash(struct store *st, const unsigned char hash[32],
				       struct store_survey_invite *inv, struct lk_err *err)
{
	sqlite3_stmt *s = sq_prep(st, SQL_INVITE_BY_HASH, err);
	if (!s)
		return LK_EDB;
	sqlite3_bind_blob(s, 1, hash, 32, SQLITE_STATIC);
	return invite_one(st, s, inv, err);
}

static const char SQL_INVITE_LIST[] =
	"SELECT " INVITE_COLS INVITE_FROM
	" WHERE i.survey_id = ?1 AND (?2 = 0 OR i.id < ?2)"
	" AND (?6 < 0 OR (?6 = 1) = (i.responded_at IS NOT NULL))" IN_SCOPE("i.store_id")
	" ORDER BY i.id DESC LIMIT ?3";

enum lk_rc store_survey_invite_list(struct store *st, int64_t survey_id,
				    const struct lk_scope *scope, int responded, int64_t cursor,
				    int limit, struct store_survey_invite **out, int *n,
				    int64_t *next, struct lk_err *err)
{
	*out = NULL;
	*n = 0;
	*next = 0;
	sqlite3_stmt *s = sq_prep(st, SQL_INVITE_LIST, err);
	if (!s)
		return LK_EDB;
	sqlite3_bind_int64(s, 1, survey_id);
	sqlite3_bind_int64(s, 2, cursor);
	sqlite3_bind_int(s, 3, limit + 1);
	bind_scope(s, scope);
	sqlite3_bind_int(s, 6, responded);
	struct store_survey_invite *arr;
	int len;
	enum lk_rc rc = sq_collect(st, s, sizeof(*arr), invite_row, (void **)&arr, &len, err);
	if (rc != LK_OK)
		return rc;
	if (len > limit) {
		len = limit;
		*next = arr[limit - 1].id;
	}
	*out = arr;
	*n = len;
	return LK_OK;
}

static const char SQL_INVITE_REHASH[] =
	"UPDATE survey_invites SET token_hash = ?2, expires_at = ?3"
	" WHERE id = ?1 AND responded_at IS NULL";
static const char SQL_INVITE_EXISTS[] = "SELECT 1 FROM survey_invites WHERE id = ?1";

enum lk_rc store_survey_invite_rehash(struct store *st, int64_t id, const unsigned char hash[32],
				      int64_t expires_at, struct lk_err *err)
{
	enum lk_rc rc = sq_tx_begin(st, err);
	if (rc != LK_OK)
		return rc;
	sqlite3_stmt *s = sq_prep(st, SQL_INVITE_REHASH, err);
	if (!s) {
		rc = LK_EDB;
		goto fail;
	}
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_blob(s, 2, hash, 32, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, expires_at);
	if ((rc = sq_step_done(st, s, err, "invitation")) != LK_OK)
		goto fail;
	if (sqlite3_changes(st->db) == 0) {
		int64_t found;
		if ((rc = lookup_id(st, SQL_INVITE_EXISTS, id, 0, &found, err)) != LK_OK)
			goto fail;
		rc = found ? lk_fail(err, LK_ECONFLICT, "already_answered", NULL,
				     "invitation %lld is answered already", (long long)id)
			   : lk_fail(err, LK_ENOTFOUND, "not_found", NULL,
				     "invitation %lld not found", (long long)id);
		goto fail;
	}
	return sq_tx_commit(st, err);
fail:
	sq_tx_rollback(st);
	return rc;
}

/*
 * Automatic invitations carry randomblob(32) as their token hash: a value
 * no token hashes to (finding one is a SHA-256 preimage), so they cannot be
 * answered until store_survey_invite_rehash() gives them a real token.
 */
static const char SQL_AFTER_VISIT[] =
	"INSERT OR IGNORE INTO survey_invites(survey_id, customer_id, store_id, visit_id, period,"
	" token_hash, created_at, expires_at)"
	" SELECT s.id, ?1, ?2, ?3, NULL, randomblob(32), ?4, ?5 FROM surveys s"
	" WHERE s.active = 1 AND s.trigger = 'after_visit'"
	" AND (s.store_id IS NULL OR s.store_id = ?2) ORDER BY s.id";

enum lk_rc store_survey_after_visit(struct store *st, int64_t visit_id, int64_t customer_id,
				    int64_t store_id, int64_t now, int64_t expires_at,
				    int *created, struct lk_err *err)
{
	*created = 0;
	enum lk_rc rc = sq_tx_begin(st, err);
	if (rc != LK_OK)
		return rc;
	sqlite3_stmt *s = sq_prep(st, SQL_AFTER_VISIT, err);
	if (!s) {
		rc = LK_EDB;
		goto fail;
	}
	sqlite3_bind_int64(s, 1, customer_id);
	sqlite3_bind_int64(s, 2, store_id);
	sqlite3_bind_int64(s, 3, visit_id);
	sqlite3_bind_int64(s, 4, now);
	sqlite3_bind_int64(s, 5, expires_at);
	if ((rc = sq_step_done(st, s, err, "invitation")) != LK_OK)
		goto fail;
	*created = sqlite3_changes(st->db);
	return sq_tx_commit(st, err);
fail:
	sq_tx_rollback(st);
	return rc;
}

#define MONTHLY_BATCH 10000   /* guest ids per transaction */

static const char SQL_MONTHLY_ANY[] =
	"SELECT count(*) FROM surveys WHERE active = 1 AND trigger = 'monthly'";
static const char SQL_MAX_CUSTOMER[] = "SELECT coalesce(max(id), 0) FROM customers";
/* the bare v.store_id comes from the row holding max(visited_at): the last visit's store */
static const char SQL_MONTHLY[] =
	"INSERT OR IGNORE INTO survey_invites(survey_id, customer_id, store_id, period, token_hash,"
	" created_at, expires_at)"
	" SELECT sid, cid, sto, ?1, randomblob(32), ?2, ?3 FROM ("
	"  SELECT s.id AS sid, v.customer_id AS cid, v.store_id AS sto, max(v.visited_at) AS last"
	"  FROM surveys s JOIN visits v ON v.customer_id > ?6 AND v.customer_id <= ?7"
	"   AND v.visited_at >= ?4 AND v.visited_at < ?5"
	"   AND (s.store_id IS NULL OR v.store_id = s.store_id)"
	"  JOIN customers c ON c.id = v.customer_id AND c.deleted_at IS NULL"
	"  WHERE s.active = 1 AND s.trigger = 'monthly'"
	"  GROUP BY s.id, v.customer_id ORDER BY s.id, v.customer_id)";

enum lk_rc store_survey_monthly(struct store *st, const char *period, int64_t from, int64_t to,
				int64_t now, int64_t expires_at, int64_t *created,
				struct lk_err *err)
{
	*created = 0;
	int64_t surveys, max_id;
	enum lk_rc rc = lookup_id(st, SQL_MONTHLY_ANY, 0, 0, &surveys, err);
	if (rc != LK_OK || !surveys)
		return rc;
	if ((rc = lookup_id(st, SQL_MAX_CUSTOMER, 0, 0, &max_id, err)) != LK_OK)
		return rc;
	for (int64_t lo = 0; lo < max_id; lo += MONTHLY_BATCH) {
		if ((rc = sq_tx_begin(st, err)) != LK_OK)
			return rc;
		sqlite3_stmt *s = sq_prep(st, SQL_MONTHLY, err);
		if (!s) {
			sq_tx_rollback(st);
			return LK_EDB;
		}
		bind_str(s, 1, period);
		sqlite3_bind_int64(s, 2, now);
		sqlite3_bind_int64(s, 3, expires_at);
		sqlite3_bind_int64(s, 4, from);
		sqlite3_bind_int64(s, 5, to);
		sqlite3_bind_int64(s, 6, lo);
		sqlite3_bind_int64(s, 7, lo + MONTHLY_BATCH);
		if ((rc = sq_step_done(st, s, err, "invitation")) != LK_OK) {
			sq_tx_rollback(st);
			return rc;
		}
		int added = sqlite3_changes(st->db);
		if ((rc = sq_tx_commit(st, err)) != LK_OK) {
			sq_tx_rollback(st);
			return rc;
		}
		*created += added;
	}
	return LK_OK;
}

/* ---- responses ---- */

static const char SQL_INVITE_ANSWER[] =
	"UPDATE survey_invites SET responded_at = ?2"
	" WHERE id = ?1 AND responded_at IS NULL AND expires_at > ?2";
static const char SQL_INVITE_STATE[] =
	"SELECT coalesce(responded_at, 0) FROM survey_invites WHERE id = ?1";
static const char SQL_RESPONSE_ADD[] =
	"INSERT INTO survey_responses(invite_id, survey_id, store_id, customer_id, csat, nps,"
	" feedback_id, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
static const char SQL_ANSWER_ADD[] =
	"INSERT INTO survey_answers(response_id, q, value_int, value_text) VALUES (?1, ?2, ?3, ?4)";

enum lk_rc store_survey_respond(struct store *st, struct store_survey_response *r,
				struct store_feedback *fb, struct lk_err *err)
{
	enum lk_rc rc = sq_tx_begin(st, err);
	if (rc != LK_OK)
		return rc;
	sqlite3_stmt *s = sq_prep(st, SQL_INVITE_ANSWER, err);
	if (!s)
		goto db;
	sqlite3_bind_int64(s, 1, r->invite_id);
	sqlite3_bind_int64(s, 2, r->created_at);
	if ((rc = sq_step_done(st, s, err, "invitation")) != LK_OK)
		goto fail;
	if (sqlite3_changes(st->db) == 0) {
		/* answered meanwhile (a second request racing this one), or expired */
		if (!(s = sq_prep(st, SQL_INVITE_STATE, err)))
			goto db;
		sqlite3_bind_int64(s, 1, r->invite_id);
		int q = sqlite3_step(s);
		int64_t responded = q == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
		sqlite3_reset(s);
		if (q != SQLITE_ROW && q != SQLITE_DONE)
			goto db;
		if (q == SQLITE_DONE)
			rc = lk_fail(err, LK_ENOTFOUND, "not_found", NULL, "invitation not found");
		else if (responded)
			rc = lk_fail(err, LK_ECONFLICT, "already_answered", "token",
				     "this survey link has been answered already");
		else
			rc = lk_fail(err, LK_ENOTFOUND, "expired", "token",
				     "this survey link has expired");
		goto fail;
	}
	r->feedback_id = 0;
	if (fb) {
		if ((rc = store_feedback_add(st, fb, true, err)) != LK_OK)
			goto fail;
		r->feedback_id = fb->id;
	}
	if (!(s = sq_prep(st, SQL_RESPONSE_ADD, err)))
		goto db;
	sqlite3_bind_int64(s, 1, r->invite_id);
	sqlite3_bind_int64(s, 2, r->survey_id);
	bind_opt_int(s, 3, r->store_id);
	bind_opt_int(s, 4, r->customer_id);
	bind_opt_int(s, 5, r->csat);
	if (r->nps >= 0)
		sqlite3_bind_int(s, 6, r->nps);
	else
		sqlite3_bind_null(s, 6);
	bind_opt_int(s, 7, r->feedback_id);
	sqlite3_bind_int64(s, 8, r->created_at);
	if ((rc = sq_step_done(st, s, err, "response")) != LK_OK)
		goto fail;
	r->id = sqlite3_last_insert_rowid(st->db);
	for (int i = 0; i < r->nanswers; i++) {
		const struct store_survey_answer *a = &r->answers[i];
		if (!(s = sq_prep(st, SQL_ANSWER_ADD, err)))
			goto db;
		sqlite3_bind_int64(s, 1, r->id);
		sqlite3_bind_int(s, 2, a->q);
		if (a->has_int)
			sqlite3_bind_int64(s, 3, a->value_int);
		else
			sqlite3_bind_null(s, 3);
		if (a->value_text)
			sqlite3_bind_text(s, 4, a->value_text, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(s, 4);
		if ((rc = sq_step_done(st, s, err, "answer")) != LK_OK)
			goto fail;
	}
	return sq_tx_commit(st, err);
db:
	rc = LK_EDB;
fail:
	sq_tx_rollback(st);
	if (fb)
		fb->id = 0;
	r->id = r->feedback_id = 0;
	return rc;
}

/* ---- results ---- */

/*
 * The responses of a filter: ?1 survey, ?2/?3 created_at bounds, ?6 a
 * store (0: any), ?7 a region ('': any), ?4/?5 the scope.
 */
#define RESP_WHERE                                                                           \
	" WHERE r.survey_id = ?1 AND r.created_at BETWEEN ?2 AND ?3"                            \
	" AND (?6 = 0 OR r.store_id = ?6)"                                                      \
	" AND (?7 = '' OR r.store_id IN (SELECT id FROM stores WHERE region = ?7))"            \
	IN_SCOPE("r.store_id")

static const char SQL_RES_STORES[] =
	"SELECT coalesce(r.store_id, 0), coalesce(t.code, ''), coalesce(t.name, ''), count(*),"
	" count(r.csat), coalesce(sum(r.csat), 0), count(r.nps),"
	" coalesce(sum(r.nps >= 9), 0), coalesce(sum(r.nps <= 6), 0)"
	" FROM survey_responses r LEFT JOIN stores t ON t.id = r.store_id" RESP_WHERE
	" GROUP BY r.store_id ORDER BY t.code, r.store_id";
static const char SQL_RES_CSAT[] =
	"SELECT r.csat, count(*) FROM survey_responses r" RESP_WHERE
	" AND r.csat IS NOT NULL GROUP BY r.csat";
static const char SQL_RES_NPS[] =
	"SELECT r.nps, count(*) FROM survey_responses r" RESP_WHERE
	" AND r.nps IS NOT NULL GROUP BY r.nps";
static const char SQL_RES_COUNTS[] =
	"SELECT a.q, a.value_int, count(*) FROM survey_answers a"
	" JOIN survey_responses r ON r.id = a.response_id" RESP_WHERE
	" AND a.value_int IS NOT NULL GROUP BY a.q, a.value_int ORDER BY a.q, a.value_int";
static const char SQL_RES_TEXT_COUNTS[] =
	"SELECT a.q, 0, count(*) FROM survey_answers a"
	" JOIN survey_responses r ON r.id = a.response_id" RESP_WHERE
	" AND a.value_text IS NOT NULL GROUP BY a.q ORDER BY a.q";
static const char SQL_RES_TEXTS[] =
	"SELECT q, value_text, at FROM ("
	" SELECT a.q AS q, a.value_text AS value_text, r.created_at AS at, r.id AS rid,"
	"  row_number() OVER (PARTITION BY a.q ORDER BY r.created_at DESC, r.id DESC) AS k"
	" FROM survey_answers a JOIN survey_responses r ON r.id = a.response_id" RESP_WHERE
	" AND a.value_text IS NOT NULL)"
	" WHERE k <= ?8 ORDER BY q, at DESC, rid DESC";

static void bind_filter(sqlite3_stmt *s, const struct store_survey_filter *f,
			const struct lk_scope *scope)
{
	sqlite3_bind_int64(s, 1, f->survey_id);
	sqlite3_bind_int64(s, 2, f->from);
	sqlite3_bind_int64(s, 3, f->to);
	bind_scope(s, scope);
	sqlite3_bind_int64(s, 6, f->store_id);
	bind_str(s, 7, f->region);
}

static void store_row(sqlite3_stmt *s, void *p)
{
	struct store_survey_store_row *w = p;
	memset(w, 0, sizeof(*w));
	w->store_id = sqlite3_column_int64(s, 0);
	col_text(s, 1, w->code, sizeof(w->code));
	col_text(s, 2, w->name, sizeof(w->name));
	w->responses = sqlite3_column_int64(s, 3);
	w->csat_count = sqlite3_column_int64(s, 4);
	w->csat_sum = sqlite3_column_int64(s, 5);
	w->nps_count = sqlite3_column_int64(s, 6);
	w->promoters = sqlite3_column_int64(s, 7);
	w->detractors = sqlite3_column_int64(s, 8);
}

static void count_row(sqlite3_stmt *s, void *p)
{
	struct store_survey_count *c = p;
	c->q = sqlite3_column_int(s, 0);
	c->value = sqlite3_column_int64(s, 1);
	c->n = sqlite3_column_int64(s, 2);
}

/* dist[value - base] += n for each (value, n) row within 0..len-1. */
static enum lk_rc read_dist(struct store *st, const char *sql, const struct store_survey_filter *f,
			    const struct lk_scope *scope, int64_t *dist, int base, int len,
			    struct lk_err *err)
{
	sqlite3_stmt *s = sq_prep(st, sql, err);
	if (!s)
		return LK_EDB;
	bind_filter(s, f, scope);
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t v = sqlite3_column_int64(s, 0) - base;
		if (v >= 0 && v < len)
			dist[v] += sqlite3_column_int64(s, 1);
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? LK_OK : sq_db_fail(st, err, "survey results");
}

static enum lk_rc read_texts(struct store *st, const struct store_survey_filter *f,
			     const struct lk_scope *scope, int limit,
			     struct store_survey_results *out, struct lk_err *err)
{
	sqlite3_stmt *s = sq_prep(st, SQL_RES_TEXTS, err);
	if (!s)
		return LK_EDB;
	bind_filter(s, f, scope);
	sqlite3_bind_int(s, 8, limit);
	int rc, cap = 0;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (out->ntexts == cap) {
			int ncap = cap ? cap * 2 : 16;
			size_t bytes = (size_t)ncap * sizeof(*out->texts);
			struct store_survey_text *p = realloc(out->texts, bytes);
			if (!p)
				break;
			out->texts = p;
			cap = ncap;
		}
		struct store_survey_text *t = &out->texts[out->ntexts];
		t->q = sqlite3_column_int(s, 0);
		t->text = col_dup(s, 1);
		t->at = sqlite3_column_int64(s, 2);
		if (!t->text)
			break;
		out->ntexts++;
	}
	sqlite3_reset(s);
	if (rc == SQLITE_ROW)
		return lk_fail(err, LK_ENOMEM, "out_of_memory", NULL, "out of memory");
	return rc == SQLITE_DONE ? LK_OK : sq_db_fail(st, err, "survey results");
}

void store_survey_results_free(struct store_survey_results *r)
{
	free(r->stores);
	free(r->counts);
	free(r->text_counts);
	for (int i = 0; i < r->ntexts; i++)
		free(r->texts[i].text);
	free(r->texts);
	memset(r, 0, sizeof(*r));
}

enum lk_rc store_survey_results(struct store *st, const struct store_survey_filter *f,
				const struct lk_scope *scope, int text_limit,
				struct store_survey_results *out, struct lk_err *err)
{
	memset(out, 0, sizeof(*out));
	/* one read transaction: every figure from the same snapshot */
	if (sqlite3_exec(st->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return sq_db_fail(st, err, "begin");
	enum lk_rc rc;
	sqlite3_stmt *s;
	if (!(s = sq_prep(st, SQL_RES_STORES, err))) {
		rc = LK_EDB;
		goto done;
	}
	bind_filter(s, f, scope);
	if ((rc = sq_collect(st, s, sizeof(*out->stores), store_row, (void **)&out->stores,
			     &out->nstores, err)) != LK_OK)
		goto done;
	for (int i = 0; i < out->nstores; i++)
		out->responses += out->stores[i].responses;
	if ((rc = read_dist(st, SQL_RES_CSAT, f, scope, out->csat_dist, 1, 5, err)) != LK_OK ||
	    (rc = read_dist(st, SQL_RES_NPS, f, scope, out->nps_dist, 0, 11, err)) != LK_OK)
		goto done;
	if (!(s = sq_prep(st, SQL_RES_COUNTS, err))) {
		rc = LK_EDB;
		goto done;
	}
	bind_filter(s, f, scope);
	if ((rc = sq_collect(st, s, sizeof(*out->counts), count_row, (void **)&out->counts,
			     &out->ncounts, err)) != LK_OK)
		goto done;
	if (!(s = sq_prep(st, SQL_RES_TEXT_COUNTS, err))) {
		rc = LK_EDB;
		goto done;
	}
	bind_filter(s, f, scope);
	if ((rc = sq_collect(st, s, sizeof(*out->text_counts), count_row,
			     (void **)&out->text_counts, &out->ntext_counts, err)) != LK_OK)
		goto done;
	rc = read_texts(st, f, scope, text_limit, out, err);
done:
	sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
	return rc;
}
