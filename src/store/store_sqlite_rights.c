/* store_sqlite_rights.c - being written (issue 5). */
#include "store/sqlite_int.h"
#include "store/store.h"
