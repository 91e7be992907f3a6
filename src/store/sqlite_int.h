/* sqlite_int.h - private to the SQLite backend. */
#ifndef LK_SQLITE_INT_H
#define LK_SQLITE_INT_H

#include <sqlite3.h>

#define STMT_CACHE 96

/* One connection and its cached statements (see store_sqlite.c). */
struct store {
	sqlite3 *db;
	int nstmt;
	struct {
		const char *sql;     /* key: the literal's address */
		sqlite3_stmt *stmt;
	} cache[STMT_CACHE];
};

/* Migration n (1-based) is lk_sqlite_migrations[n - 1]. */
extern const char *const lk_sqlite_migrations[];
extern const int lk_sqlite_nmigrations;

#endif
