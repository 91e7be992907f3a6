/*
 * store_sqlite_keys.c - API keys: one row per key in api_keys, found by
 * the BLAKE2b-256 hash of its token (a UNIQUE index), never by the token.
 * Revoked keys stay, so the audit log's key_id keeps pointing somewhere.
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite_int.h"
#include "store/store.h"

#define KEY_COLS                                                                         \
	"k.id, k.name, k.prefix, k.scopes, coalesce(k.store_id, 0),"                     \
	" coalesce(k.created_by, 0), coalesce(u.username, ''), k.created_at,"           \
	" coalesce(k.last_used_at, 0), coalesce(k.revoked_at, 0), coalesce(k.revoked_by, 0)"
#define KEY_FROM " FROM api_keys k LEFT JOIN users u ON u.id = k.created_by"

static void key_row(sqlite3_stmt *s, struct lk_api_key *k)
{
	memset(k, 0, sizeof(*k));
	k->id = sqlite3_column_int64(s, 0);
	col_text(s, 1, k->name, sizeof(k->name));
	col_text(s, 2, k->prefix, sizeof(k->prefix));
	col_text(s, 3, k->scopes, sizeof(k->scopes));
	k->store_id = sqlite3_column_int64(s, 4);
	k->created_by = sqlite3_column_int64(s, 5);
	col_text(s, 6, k->created_by_name, sizeof(k->created_by_name));
	k->created_at = sqlite3_column_int64(s, 7);
	k->last_used_at = sqlite3_column_int64(s, 8);
	k->revoked_at = sqlite3_column_int64(s, 9);
	k->revoked_by = sqlite3_column_int64(s, 10);
}

static const char SQL_KEY_ADD[] =
	"INSERT INTO api_keys(name, prefix, token_hash, scopes, store_id, created_by, created_at)"
	" VALUES (?,?,?,?,?,?,?)";

enum lk_rc store_key_add(struct store *st, struct lk_api_key *k, const unsigned char hash[32],
			 struct lk_err *err)
{
	sqlite3_stmt *s = sq_prep(st, SQL_KEY_ADD, err);
	if (!s)
		return LK_EDB;
	bind_str(s, 1, k->name);
	bind_str(s, 2, k->prefix);
	sqlite3_bind_blob(s, 3, hash, 32, SQLITE_STATIC);
	bind_str(s, 4, k->scopes);
	bind_opt_int(s, 5, k->store_id);
	bind_opt_int(s, 6, k->created_by);
	sqlite3_bind_int64(s, 7, k->created_at);
	enum lk_rc rc = sq_step_queued(st, s, err, "api key");
	if (rc == LK_EINVAL)
		return lk_fail(err, LK_EINVAL, "unknown_store", "store_id", "no such store");
	if (rc != LK_OK)
		return rc;
	k->id = sqlite3_last_insert_rowid(st->db);
	return LK_OK;
}

static const char SQL_KEY_LIST[] =
	"SELECT " KEY_COLS KEY_FROM " ORDER BY k.id DESC LIMIT ?";

enum lk_rc store_key_list(struct store *st, int limit, struct lk_api_key **out, int *n,
			  struct lk_err *err)
{
	*out = NULL;
	*n = 0;
	if (limit < 1)
		limit = 1;
	if (limit > LK_KEY_LIST_MAX)
		limit = LK_KEY_LIST_MAX;
	sqlite3_stmt *s = sq_prep(st, SQL_KEY_LIST, err);
	if (!s)
		return LK_EDB;
	sqlite3_bind_int(s, 1, limit);
	/* limit is small and fixed: one allocation, no growing */
	struct lk_api_key *arr = malloc((size_t)limit * sizeof(*arr));
	if (!arr) {
		sqlite3_reset(s);
		return lk_fail(err, LK_ENOMEM, "out_of_memory", NULL, "out of memory");
	}
	int len = 0, rc = SQLITE_DONE;
	while (len < limit && (rc = sqlite3_step(s)) == SQLITE_ROW)
		key_row(s, &arr[len++]);
	if (len == limit)
		rc = SQLITE_DONE;
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		free(arr);
		return sq_db_fail(st, err, "api keys");
	}
	*out = arr;
	*n = len;
	return LK_OK;
}

static const char SQL_KEY_GET[] = "SELECT " KEY_COLS KEY_FROM " WHERE k.id = ?";

enum lk_rc store_key_get(struct store *st, int64_t id, struct lk_api_key *k,
			 struct lk_err *err)
{
	sqlite3_stmt *s = sq_prep(st, SQL_KEY_GET, err);
	if (!s)
		return LK_EDB;
	sqlite3_bind_int64(s, 1, id);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		key_row(s, k);
		sqlite3_reset(s);
		return LK_OK;
	}
	sqlite3_reset(s);
	if (rc == SQLITE_DONE)
		return lk_fail(err, LK_ENOTFOUND, "not_found", NULL, "API key not found");
	return sq_db_fail(st, err, "api key");
}

/*
 * Only a key in force is revoked; a key is never un-revoked or deleted, so
 * when nothing changed, reading it again tells unknown from revoked
 * without a race.
 */
static const char SQL_KEY_REVOKE[] =
	"UPDATE api_keys SET revoked_at = ?, revoked_by = ? WHERE id = ? AND revoked_at IS NULL";

enum lk_rc store_key_revoke(struct store *st, int64_t id, int64_t user_id, int64_t now,
			    struct lk_api_key *k, struct lk_err *err)
{
	sqlite3_stmt *s = sq_prep(st, SQL_KEY_REVOKE, err);
	if (!s)
		return LK_EDB;
	sqlite3_bind_int64(s, 1, now);
	bind_opt_int(s, 2, user_id);
	sqlite3_bind_int64(s, 3, id);
	enum lk_rc rc = sq_step_queued(st, s, err, "api key");
	if (rc != LK_OK)
		return rc;
	bool changed = sqlite3_changes(st->db) > 0;
	if ((rc = store_key_get(st, id, k, err)) != LK_OK)
		return rc;
	if (!changed)
		return lk_fail(err, LK_ECONFLICT, "already_revoked", NULL,
			       "API key %lld is already revoked", (long long)id);
	return LK_OK;
}

static const char SQL_KEY_BY_HASH[] =
	"SELECT " KEY_COLS ", k.token_hash" KEY_FROM
	" WHERE k.token_hash = ? AND k.revoked_at IS NULL";

enum lk_rc store_key_by_hash(struct store *st, const unsigned char hash[32],
			     struct lk_api_key *k, unsigned char stored[32], struct lk_err *err)
{
	sqlite3_stmt *s = sq_prep(st, SQL_KEY_BY_HASH, err);
	if (!s)
		return LK_EDB;
	sqlite3_bind_blob(s, 1, hash, 32, SQLITE_STATIC);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		key_row(s, k);
		const void *h = sqlite3_column_blob(s, 11);
		int hn = sqlite3_column_bytes(s, 11);
		/* a row of another length cannot match; hand back zeros, never a short copy */
		memset(stored, 0, 32);
		if (h && hn == 32)
			memcpy(stored, h, 32);
		sqlite3_reset(s);
		return hn == 32 ? LK_OK : lk_fail(err, LK_ENOTFOUND, "not_found", NULL,
						   "API key not found");
	}
	sqlite3_reset(s);
	if (rc == SQLITE_DONE)
		return lk_fail(err, LK_ENOTFOUND, "not_found", NULL, "API key not found");
	return sq_db_fail(st, err, "api key");
}

/*
 * A busy POS calls many times a minute; the condition keeps this a no-op
 * (no row written) within the minute, also when two requests race.
 */
static const char SQL_KEY_TOUCH[] =
	"UPDATE api_keys SET last_used_at = ?1"
	" WHERE id = ?2 AND (last_used_at IS NULL OR last_used_at < ?1 - 60)";

enum lk_rc store_key_touch(struct store *st, int64_t id, int64_t now, struct lk_err *err)
{
	sqlite3_stmt *s = sq_prep(st, SQL_KEY_TOUCH, err);
	if (!s)
		return LK_EDB;
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_int64(s, 2, id);
	return sq_step_queued(st, s, err, "api key");
}
