/*
 * store_sqlite_settings.c - named settings as JSON text (migration 5): the
 * classification rules today. One row per key; a write replaces the row
 * and records who and when.
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite_int.h"
#include "store/store.h"

static const char SQL_SETTING_GET[] =
	"SELECT value, updated_at, coalesce(updated_by, 0) FROM settings WHERE key = ?";

enum lk_rc store_setting_get(struct store *st, const char *key, char **value, int64_t *updated_at,
			     int64_t *updated_by, struct lk_err *err)
{
	*value = NULL;
	sqlite3_stmt *s = sq_prep(st, SQL_SETTING_GET, err);
	if (!s)
		return LK_EDB;
	bind_str(s, 1, key);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(s, 0);
		*value = strdup(t ? (const char *)t : "{}");
		if (updated_at)
			*updated_at = sqlite3_column_int64(s, 1);
		if (updated_by)
			*updated_by = sqlite3_column_int64(s, 2);
	}
	sqlite3_reset(s);
	if (rc == SQLITE_ROW)
		return *value ? LK_OK
			      : lk_fail(err, LK_ENOMEM, "out_of_memory", NULL, "out of memory");
	if (rc == SQLITE_DONE)
		return lk_fail(err, LK_ENOTFOUND, "not_found", NULL, "no setting '%s'", key);
	return sq_db_fail(st, err, "setting");
}

static const char SQL_SETTING_PUT[] =
	"INSERT INTO settings(key, value, updated_at, updated_by) VALUES (?1, ?2, ?3, ?4)"
	" ON CONFLICT(key) DO UPDATE SET value = ?2, updated_at = ?3, updated_by = ?4";

enum lk_rc store_setting_put(struct store *st, const char *key, const char *value,
			     int64_t updated_at, int64_t updated_by, struct lk_err *err)
{
	sqlite3_stmt *s = sq_prep(st, SQL_SETTING_PUT, err);
	if (!s)
		return LK_EDB;
	bind_str(s, 1, key);
	bind_str(s, 2, value);
	sqlite3_bind_int64(s, 3, updated_at);
	bind_opt_int(s, 4, updated_by);
	return sq_step_queued(st, s, err, "setting");
}
