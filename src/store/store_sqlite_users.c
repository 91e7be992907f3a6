/* store_sqlite_users.c - being written (issue 5). */
#include "store/sqlite_int.h"
#include "store/store.h"
