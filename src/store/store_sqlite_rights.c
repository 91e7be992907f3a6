/*
 * store_sqlite_rights.c - a guest's rights under PIPL for the SQLite
 * backend: the history of their marketing consent, everything laoke holds
 * about them (the access request), and erasure.
 *
 * Erasure blanks the guest's row rather than deleting it, so visits,
 * items and aggregates stay, anonymous, and the chain's figures do not
 * move; every other row that names the guest goes. SQLite keeps old bytes
 * in places SQL does not see: freed cells and pages (secure_delete zeroes
 * them), FTS5 segments (a delete only adds a tombstone until the segments
 * are merged: 'optimize' rewrites the index without the old tokens) and
 * the WAL (a TRUNCATE checkpoint empties it).
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite_int.h"
#include "store/store.h"
#include "util/log.h"
#include "util/timeutil.h"

/* ---- who writes: one connection per thread, so a thread-local slot per connection ---- */

static _Thread_local struct {
	const struct store *st;
	int64_t user_id, key_id;
} actor;

void store_set_actor(struct store *st, int64_t user_id, int64_t key_id)
{
	actor.st = st;
	actor.user_id = user_id;
	actor.key_id = key_id;
}

/* ---- consent ---- */

static const char SQL_CONSENT_ADD[] =
	"INSERT INTO consent_events(customer_id, consent, channel, at, recorded_by, key_id, note)"
	" VALUES (?,?,?,?,?,?,?)";

static enum lk_rc event_insert(struct store *st, const struct lk_consent_event *e, int64_t *id,
			       struct lk_err *err)
{
	sqlite3_stmt *s = sq_prep(st, SQL_CONSENT_ADD, err);
	if (!s)
		return LK_EDB;
	sqlite3_bind_int64(s, 1, e->customer_id);
	sqlite3_bind_int(s, 2, e->consent ? 1 : 0);
	bind_str(s, 3, e->channel);
	sqlite3_bind_int64(s, 4, e->at);
	bind_opt_int(s, 5, e->recorded_by);
	bind_opt_int(s, 6, e->key_id);
	bind_str(s, 7, e->note);
	enum lk_rc rc = sq_step_done(st, s, err, "consent event");
	if (rc == LK_OK && id)
		*id = sqlite3_last_insert_rowid(st->db);
	return rc;
}

enum lk_rc sq_consent_event_add(struct store *st, int64_t customer_id, bool consent,
				const char *channel, int64_t at, struct lk_err *err)
{
	struct lk_consent_event e;
	memset(&e, 0, sizeof(e));
	e.customer_id = customer_id;
	e.consent = consent;
	snprintf(e.channel, sizeof(e.channel), "%s", channel ? channel : "");
	e.at = at ? at : lk_now();
	if (actor.st == st) {
		e.recorded_by = actor.user_id;
		e.key_id = actor.key_id;
	}
	return event_insert(st, &e, NULL, err);
}

/*
 * The event becomes the guest's consent unless the guest's consent time is
 * later (?2 is the event's time); the version moves either way: the
 * guest's record (its history) changed.
 */
static const char SQL_CONSENT_APPLY[] =
	"UPDATE customers SET"
	" marketing_consent = CASE WHEN consent_at IS NULL OR consent_at <= ?2 THEN ?3"
	"   ELSE marketing_consent END,"
	" consent_channel = CASE WHEN consent_at IS NULL OR consent_at <= ?2 THEN ?4"
	"   ELSE consent_channel END,"
	" consent_at = CASE WHEN consent_at IS NULL OR consent_at <= ?2 THEN ?2 ELSE consent_at END,"
	" version = version + 1, updated_at = ?5"
	" WHERE id = ?1 AND deleted_at IS NULL";

enum lk_rc store_consent_add(struct store *st, struct lk_consent_event *e, struct lk_err *err)
{
	enum lk_rc rc = sq_tx_begin(st, err);
	if (rc != LK_OK)
		return rc;
	sqlite3_stmt *s = sq_prep(st, SQL_CONSENT_APPLY, err);
	if (!s) {
		rc = LK_EDB;
		goto fail;
	}
	sqlite3_bind_int64(s, 1, e->customer_id);
	sqlite3_bind_int64(s, 2, e->at);
	sqlite3_bind_int(s, 3, e->consent ? 1 : 0);
	bind_str(s, 4, e->channel);
	sqlite3_bind_int64(s, 5, lk_now());
	if ((rc = sq_step_done(st, s, err, "guest")) != LK_OK)
		goto fail;
	if (sqlite3_changes(st->db) == 0) {
		rc = lk_fail(err, LK_ENOTFOUND, "not_found", NULL, "guest %lld not found",
			     (long long)e->customer_id);
		goto fail;
	}
	if ((rc = event_insert(st, e, &e->id, err)) != LK_OK)
		goto fail;
	return sq_tx_commit(st, err);
fail:
	sq_tx_rollback(st);
	return rc;
}

static const char SQL_CONSENT_LIST[] =
	"SELECT e.id, e.customer_id, e.consent, e.channel, e.at, coalesce(e.recorded_by, 0),"
	" coalesce(u.username, ''), coalesce(e.key_id, 0), e.note"
	" FROM consent_events e LEFT JOIN users u ON u.id = e.recorded_by"
	" WHERE e.customer_id = ? ORDER BY e.at DESC, e.id DESC";

static void consent_row(sqlite3_stmt *s, void *p)
{
	struct lk_consent_event *e = p;
	memset(e, 0, sizeof(*e));
	e->id = sqlite3_column_int64(s, 0);
	e->customer_id = sqlite3_column_int64(s, 1);
	e->consent = sqlite3_column_int(s, 2) != 0;
	col_text(s, 3, e->channel, sizeof(e->channel));
	e->at = sqlite3_column_int64(s, 4);
	e->recorded_by = sqlite3_column_int64(s, 5);
	col_text(s, 6, e->recorded_by_name, sizeof(e->recorded_by_name));
	e->key_id = sqlite3_column_int64(s, 7);
	col_text(s, 8, e->note, sizeof(e->note));
}

enum lk_rc store_consent_list(struct store *st, int64_t customer_id,
			      struct lk_consent_event **out, int *n, struct lk_err *err)
{
	*out = NULL;
	*n = 0;
	enum lk_rc rc = store_customer_in_scope(st, customer_id, NULL, err);
	if (rc != LK_OK)
		return rc;
	sqlite3_stmt *s = sq_prep(st, SQL_CONSENT_LIST, err);
	if (!s)
		return LK_EDB;
	sqlite3_bind_int64(s, 1, customer_id);
	return sq_collect(st, s, sizeof(**out), consent_row, (void **)out, n, err);
}

/* ---- a guest's data ---- */

/* visits_customer gives the order; each visit's items follow it by their primary key */
static const char SQL_GUEST_VISITS[] =
	"SELECT v.id, v.store_id, s.code, s.name, v.visited_at, v.party_size, v.amount_fen,"
	" v.channel, coalesce(v.pos_order_id, ''), v.created_at,"
	" i.line, i.dish_id, coalesce(d.name, ''), i.qty, i.unit_price_fen"
	" FROM visits v JOIN stores s ON s.id = v.store_id"
	" LEFT JOIN visit_items i ON i.visit_id = v.id LEFT JOIN dishes d ON d.id = i.dish_id"
	" WHERE v.customer_id = ? ORDER BY v.visited_at, v.id, i.line";

enum lk_rc store_guest_visits_each(struct store *st, int64_t customer_id,
				   int (*fn)(const struct lk_guest_visit *, void *), void *arg,
				   struct lk_err *err)
{
	sqlite3_stmt *s = sq_prep(st, SQL_GUEST_VISITS, err);
	if (!s)
		return LK_EDB;
	sqlite3_bind_int64(s, 1, customer_id);
	struct lk_guest_visit v;
	memset(&v, 0, sizeof(v));
	struct lk_guest_visit_item *items = NULL;
	int cap = 0, r, stop = 0;
	enum lk_rc rc = LK_OK;
	while ((r = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(s, 0);
		if (id != v.id) {
			if (v.id) {
				v.items = items;
				if ((stop = fn(&v, arg)) != 0)
					break;
			}
			memset(&v, 0, sizeof(v));
			v.id = id;
			v.store_id = sqlite3_column_int64(s, 1);
			col_text(s, 2, v.store_code, sizeof(v.store_code));
			col_text(s, 3, v.store_name, sizeof(v.store_name));
			v.visited_at = sqlite3_column_int64(s, 4);
			v.party_size = sqlite3_column_int(s, 5);
			v.amount_fen = sqlite3_column_int64(s, 6);
			col_text(s, 7, v.channel, sizeof(v.channel));
			col_text(s, 8, v.pos_order_id, sizeof(v.pos_order_id));
			v.created_at = sqlite3_column_int64(s, 9);
		}
		if (sqlite3_column_type(s, 10) == SQLITE_NULL)
			continue; /* a visit without items */
		if (v.nitems == cap) {
			int ncap = cap ? cap * 2 : 16;
			void *p = realloc(items, (size_t)ncap * sizeof(*items));
			if (!p) {
				rc = lk_fail(err, LK_ENOMEM, "out_of_memory", NULL, "out of memory");
				break;
			}
			items = p;
			cap = ncap;
		}
		struct lk_guest_visit_item *it = &items[v.nitems++];
		memset(it, 0, sizeof(*it));
		it->line = sqlite3_column_int(s, 10);
		it->dish_id = sqlite3_column_int64(s, 11);
		col_text(s, 12, it->dish_name, sizeof(it->dish_name));
		it->qty = sqlite3_column_int(s, 13);
		it->unit_price_fen = sqlite3_column_int64(s, 14);
	}
	if (rc == LK_OK && !stop && r != SQLITE_DONE && r != SQLITE_ROW)
		rc = sq_db_fail(st, err, "visits");
	if (rc == LK_OK && !stop && r == SQLITE_DONE && v.id) {
		v.items = items;
		fn(&v, arg);
	}
	sqlite3_reset(s);
	free(items);
	return rc;
}

static const char SQL_GUEST_LINKS[] =
	"SELECT l.store_id, s.code, s.name, l.via, l.created_at FROM guest_store_links l"
	" JOIN stores s ON s.id = l.store_id WHERE l.customer_id = ? ORDER BY l.created_at, l.store_id";

static void link_row(sqlite3_stmt *s, void *p)
{
	struct lk_guest_link *l = p;
	memset(l, 0, sizeof(*l));
	l->store_id = sqlite3_column_int64(s, 0);
	col_text(s, 1, l->store_code, sizeof(l->store_code));
	col_text(s, 2, l->store_name, sizeof(l->store_name));
	col_text(s, 3, l->via, sizeof(l->via));
	l->created_at = sqlite3_column_int64(s, 4);
}

enum lk_rc store_guest_links(struct store *st, int64_t customer_id, struct lk_guest_link **out,
			     int *n, struct lk_err *err)
{
	*out = NULL;
	*n = 0;
	sqlite3_stmt *s = sq_prep(st, SQL_GUEST_LINKS, err);
	if (!s)
		return LK_EDB;
	sqlite3_bind_int64(s, 1, customer_id);
	return sq_collect(st, s, sizeof(**out), link_row, (void **)out, n, err);
}

/* merges are few (a person's duplicates): a scan is fine */
static const char SQL_GUEST_MERGES[] =
	"SELECT m.id, m.kept_id, m.merged_ids, coalesce(m.user_id, 0), coalesce(u.username, ''),"
	" m.created_at, coalesce(m.undone_at, 0), coalesce(m.undone_by, 0),"
	" coalesce(w.username, '')"
	" FROM merges m LEFT JOIN users u ON u.id = m.user_id LEFT JOIN users w ON w.id = m.undone_by"
	" WHERE m.kept_id = ?1 OR EXISTS (SELECT 1 FROM json_each(m.merged_ids) j WHERE j.value = ?1)"
	" ORDER BY m.created_at, m.id";

static void merge_row(sqlite3_stmt *s, void *p)
{
	struct lk_merge *m = p;
	memset(m, 0, sizeof(*m));
	m->id = sqlite3_column_int64(s, 0);
	m->kept_id = sqlite3_column_int64(s, 1);
	m->nmerged = sq_parse_ids((const char *)sqlite3_column_text(s, 2), m->merged_ids,
				  LK_MERGE_MAX);
	m->user_id = sqlite3_column_int64(s, 3);
	col_text(s, 4, m->user_name, sizeof(m->user_name));
	m->created_at = sqlite3_column_int64(s, 5);
	m->undone_at = sqlite3_column_int64(s, 6);
	m->undone_by = sqlite3_column_int64(s, 7);
	col_text(s, 8, m->undone_by_name, sizeof(m->undone_by_name));
}

enum lk_rc store_guest_merges(struct store *st, int64_t customer_id, struct lk_merge **out,
			      int *n, struct lk_err *err)
{
	*out = NULL;
	*n = 0;
	sqlite3_stmt *s = sq_prep(st, SQL_GUEST_MERGES, err);
	if (!s)
		return LK_EDB;
	sqlite3_bind_int64(s, 1, customer_id);
	return sq_collect(st, s, sizeof(**out), merge_row, (void **)out, n, err);
}

/* the index audit_log_target */
static const char SQL_GUEST_ACCESS[] =
	"SELECT id, at, coalesce(user_id, 0), username, role, coalesce(key_id, 0), action, status"
	" FROM audit_log WHERE target_type = 'customer' AND target_id = ? ORDER BY id";

enum lk_rc store_guest_access_each(struct store *st, int64_t customer_id,
				   int (*fn)(const struct lk_audit *, void *), void *arg,
				   struct lk_err *err)
{
	sqlite3_stmt *s = sq_prep(st, SQL_GUEST_ACCESS, err);
	if (!s)
		return LK_EDB;
	sqlite3_bind_int64(s, 1, customer_id);
	int r;
	while ((r = sqlite3_step(s)) == SQLITE_ROW) {
		struct lk_audit a;
		memset(&a, 0, sizeof(a));
		a.id = sqlite3_column_int64(s, 0);
		a.at = sqlite3_column_int64(s, 1);
		a.user_id = sqlite3_column_int64(s, 2);
		col_text(s, 3, a.username, sizeof(a.username));
		col_text(s, 4, a.role, sizeof(a.role));
		a.key_id = sqlite3_column_int64(s, 5);
		col_text(s, 6, a.action, sizeof(a.action));
		snprintf(a.target_type, sizeof(a.target_type), "customer");
		a.target_id = customer_id;
		a.status = sqlite3_column_int(s, 7);
		if (fn(&a, arg) != 0) {
			r = SQLITE_DONE;
			break;
		}
	}
	sqlite3_reset(s);
	if (r != SQLITE_DONE)
		return sq_db_fail(st, err, "audit");
	return LK_OK;
}

/* ---- erasure ---- */

static const char SQL_ERASE_WHO[] =
	"SELECT name, coalesce(phone, '') FROM customers WHERE id = ? AND erased_at IS NULL";
/* the guests a merge in force folded into this one */
static const char SQL_ERASE_MERGED[] =
	"SELECT merged_ids FROM merges WHERE kept_id = ? AND undone_at IS NULL ORDER BY id";

#define ERASE_IDS "(SELECT value FROM json_each(?1))"

/* in order; ?1 is the JSON array of the guests' ids, ?2 now */
static const char *const sql_erase[] = {
	/*
	 * feedback keeps its store, category, rating and ticket steps for the
	 * KPIs; what the guest wrote, their name and phone (also feedback left
	 * on the public form with their phone before it was linked) and the
	 * staff's notes about it go. First: the phones are still there.
	 */
	"UPDATE feedback_steps SET note = '' WHERE feedback_id IN (SELECT f.id FROM feedback f"
	" WHERE f.customer_id IN " ERASE_IDS " OR f.contact_phone IN (SELECT phone FROM customers"
	" WHERE id IN " ERASE_IDS " AND phone IS NOT NULL)) AND ?2 IS NOT NULL",
	"UPDATE feedback SET text = '', contact_name = '', contact_phone = NULL, root_cause = '',"
	" solution = '', result = '', coupon_note = '', customer_id = NULL"
	" WHERE (customer_id IN " ERASE_IDS " OR contact_phone IN (SELECT phone FROM customers"
	" WHERE id IN " ERASE_IDS " AND phone IS NOT NULL)) AND ?2 IS NOT NULL",
	"UPDATE survey_answers SET value_text = NULL WHERE value_text IS NOT NULL AND response_id IN"
	" (SELECT id FROM survey_responses WHERE customer_id IN " ERASE_IDS ") AND ?2 IS NOT NULL",
	"UPDATE customers SET name = '', phone = NULL, gender = 'unknown', birth_year = NULL,"
	" birth_month = NULL, birth_day = NULL, notes = NULL, marketing_consent = 0,"
	" consent_at = NULL, consent_channel = NULL, deleted_at = coalesce(deleted_at, ?2),"
	" erased_at = ?2, updated_at = ?2, version = version + 1"
	" WHERE id IN " ERASE_IDS " AND ?2 IS NOT NULL",
	"DELETE FROM customer_tags WHERE customer_id IN " ERASE_IDS " AND ?2 IS NOT NULL",
	"DELETE FROM family_members WHERE customer_id IN " ERASE_IDS " AND ?2 IS NOT NULL",
	"DELETE FROM customer_facts WHERE customer_id IN " ERASE_IDS " AND ?2 IS NOT NULL",
	"DELETE FROM customer_needs WHERE customer_id IN " ERASE_IDS " AND ?2 IS NOT NULL",
	"DELETE FROM consent_events WHERE customer_id IN " ERASE_IDS " AND ?2 IS NOT NULL",
	"DELETE FROM guest_store_links WHERE customer_id IN " ERASE_IDS " AND ?2 IS NOT NULL",
	"DELETE FROM duplicate_dismissals WHERE (a IN " ERASE_IDS " OR b IN " ERASE_IDS ")"
	" AND ?2 IS NOT NULL",
	/* the dumps hold every row of the guests then, phones and names included */
	"UPDATE merges SET before = '{}', after = '{}', merged_phones = '[]'"
	" WHERE (kept_id IN " ERASE_IDS " OR EXISTS (SELECT 1 FROM json_each(merges.merged_ids) j"
	"        WHERE j.value IN " ERASE_IDS "))"
	" AND (before <> '{}' OR after <> '{}' OR merged_phones <> '[]') AND ?2 IS NOT NULL",
	/* FTS5 keeps a deleted name's tokens in its segments until they are merged */
	"INSERT INTO customer_names(customer_names) VALUES ('optimize')",
};

static bool erase_has(const int64_t *ids, int n, int64_t id)
{
	for (int i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

/* id and the guests merged into it, transitively; LK_ENOTFOUND unless id is there to erase */
static enum lk_rc erase_collect(struct store *st, int64_t id, int64_t ids[LK_ERASE_MAX], int *n,
				bool (*check)(const char *, const char *, void *, struct lk_err *),
				void *arg, struct lk_err *err)
{
	*n = 0;
	ids[(*n)++] = id;
	for (int k = 0; k < *n; k++) {
		sqlite3_stmt *s = sq_prep(st, SQL_ERASE_WHO, err);
		if (!s)
			return LK_EDB;
		sqlite3_bind_int64(s, 1, ids[k]);
		int r = sqlite3_step(s);
		if (r != SQLITE_ROW) {
			sqlite3_reset(s);
			if (r != SQLITE_DONE)
				return sq_db_fail(st, err, "guest");
			if (k == 0)
				return lk_fail(err, LK_ENOTFOUND, "not_found", NULL,
					       "guest %lld not found", (long long)id);
			/* a merged guest erased before: nothing left of them */
			ids[k--] = ids[--*n];
			continue;
		}
		char name[LK_TXT(LK_NAME_MAX)], phone[16];
		col_text(s, 0, name, sizeof(name));
		col_text(s, 1, phone, sizeof(phone));
		sqlite3_reset(s);
		if (check && !check(name, phone, arg, err))
			return err && err->rc != LK_OK ? err->rc : LK_EINVAL;
		if (!(s = sq_prep(st, SQL_ERASE_MERGED, err)))
			return LK_EDB;
		sqlite3_bind_int64(s, 1, ids[k]);
		while ((r = sqlite3_step(s)) == SQLITE_ROW) {
			int64_t m[LK_MERGE_MAX];
			int nm = sq_parse_ids((const char *)sqlite3_column_text(s, 0), m, LK_MERGE_MAX);
			for (int i = 0; i < nm; i++) {
				if (erase_has(ids, *n, m[i]))
					continue;
				if (*n == LK_ERASE_MAX) {
					sqlite3_reset(s);
					return lk_fail(err, LK_ECONFLICT, "too_many_merged", NULL,
						       "more than %d guests were merged into guest"
						       " %lld: erase some of them first",
						       LK_ERASE_MAX - 1, (long long)id);
				}
				ids[(*n)++] = m[i];
			}
		}
		sqlite3_reset(s);
		if (r != SQLITE_DONE)
			return sq_db_fail(st, err, "merges");
	}
	return LK_OK;
}

static enum lk_rc pragma(struct store *st, const char *sql, struct lk_err *err)
{
	char *msg = NULL;
	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		lk_log("error", "sqlite: %s: %s", sql, msg ? msg : "?");
		sqlite3_free(msg);
		return sq_db_fail(st, err, "pragma");
	}
	return LK_OK;
}

/* The connection's secure_delete setting (0 off, 1 on, 2 fast), -1 when unknown. */
static int secure_delete_get(struct store *st)
{
	sqlite3_stmt *s = NULL;
	int v = -1;
	if (sqlite3_prepare_v2(st->db, "PRAGMA secure_delete", -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return v;
}

static void secure_delete_set(struct store *st, int v)
{
	static const char *const sql[] = { "PRAGMA secure_delete = OFF", "PRAGMA secure_delete = ON",
					   "PRAGMA secure_delete = FAST" };
	if (v >= 0 && v <= 2)
		pragma(st, sql[v], NULL);
}

enum lk_rc store_customer_erase(struct store *st, int64_t id, int64_t now,
				bool (*check)(const char *name, const char *phone, void *arg,
					      struct lk_err *err),
				void *arg, int64_t ids[LK_ERASE_MAX], int *n, struct lk_err *err)
{
	*n = 0;
	int old_secure = secure_delete_get(st);
	enum lk_rc rc = pragma(st, "PRAGMA secure_delete = ON", err);
	if (rc != LK_OK)
		return rc;
	if ((rc = sq_tx_begin(st, err)) != LK_OK) {
		secure_delete_set(st, old_secure);
		return rc;
	}
	int64_t found[LK_ERASE_MAX];
	int nfound = 0;
	if ((rc = erase_collect(st, id, found, &nfound, check, arg, err)) != LK_OK)
		goto fail;
	/* "[1,2,3]" */
	char list[LK_ERASE_MAX * 22 + 2];
	size_t used = 0;
	list[used++] = '[';
	for (int i = 0; i < nfound; i++)
		used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%lld", i ? "," : "",
					 (long long)found[i]);
	snprintf(list + used, sizeof(list) - used, "]");
	for (size_t i = 0; i < sizeof(sql_erase) / sizeof(sql_erase[0]); i++) {
		/* rare: prepared per call, not cached */
		sqlite3_stmt *s = NULL;
		if (sqlite3_prepare_v2(st->db, sql_erase[i], -1, &s, NULL) != SQLITE_OK) {
			rc = sq_db_fail(st, err, "erase");
			goto fail;
		}
		if (sqlite3_bind_parameter_count(s) >= 2) {
			sqlite3_bind_text(s, 1, list, -1, SQLITE_STATIC);
			sqlite3_bind_int64(s, 2, now);
		}
		rc = sq_step_done(st, s, err, "erase");
		sqlite3_finalize(s);
		if (rc != LK_OK)
			goto fail;
	}
	if ((rc = sq_tx_commit(st, err)) != LK_OK)
		goto fail;
	secure_delete_set(st, old_secure);
	/* the old pages live on in the WAL until it is checkpointed and emptied */
	int log = 0, done = 0;
	int r = sqlite3_wal_checkpoint_v2(st->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, &log, &done);
	if (r != SQLITE_OK)
		lk_log("warn", "erase of guest %lld: WAL checkpoint incomplete (%s, %d of %d frames):"
		       " the old bytes leave the WAL at the next checkpoint",
		       (long long)id, sqlite3_errstr(r), done, log);
	memcpy(ids, found, (size_t)nfound * sizeof(found[0]));
	*n = nfound;
	return LK_OK;
fail:
	sq_tx_rollback(st);
	secure_delete_set(st, old_secure);
	return rc;
}
