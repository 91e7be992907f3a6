/*
 * bare_insert.c - the storage limit for bench/run.sh: the rows of one
 * recorded visit (the visit, 5 items, the customer_stats upsert) written by
 * plain C against SQLite with the settings laoke uses (WAL,
 * synchronous=FULL, foreign_keys=ON), one transaction per visit, from
 * THREADS threads with a connection each. Like laoke, the threads of the
 * process queue on a mutex before BEGIN IMMEDIATE (SQLite's busy handler
 * would make them sleep instead). No HTTP, no JSON, no validation reads.
 *
 *   bare_insert DB THREADS SECONDS MAX_CUSTOMER_ID ITEMS [VISITS_PER_TX]
 *
 * ITEMS is the visit's five lines as "dish:qty:unit_price_fen:category_index"
 * joined by commas (category_index 0..7 in lk_dish_categories order: meat,
 * seafood, vegetable, soup_base, staple, snack, drink, dessert). Each visit
 * goes to a random guest id from 1 to MAX_CUSTOMER_ID and a store from 1 to
 * 10, with a unique pos_order_id. Prints one line:
 * "visits N seconds S visits_per_s R". VISITS_PER_TX (default 1) above 1
 * shows what grouping commits would give; run.sh uses 1.
 */
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *db_path;
static int64_t max_customer;
static int per_tx = 1;
static int64_t item_dish[5], item_price[5];
static int item_qty[5], item_cat[5];
static double deadline;
static atomic_long done_visits;
static atomic_int failed;
static pthread_mutex_t write_lock = PTHREAD_MUTEX_INITIALIZER;
static char run_id[40]; /* pid and start time: order ids never repeat across runs */

static const char SQL_VISIT[] =
	"INSERT INTO visits(customer_id, store_id, visited_at, party_size, amount_fen, channel,"
	" pos_order_id, created_at) VALUES (?,?,?,?,?,?,?,?)";
static const char SQL_ITEM[] =
	"INSERT INTO visit_items(visit_id, line, customer_id, dish_id, qty, unit_price_fen)"
	" VALUES (?,?,?,?,?,?)";
static const char SQL_STATS[] =
	"INSERT INTO customer_stats(customer_id, visit_count, total_spend_fen, first_visit_at,"
	" last_visit_at, spend_meat, spend_seafood, spend_vegetable, spend_soup_base,"
	" spend_staple, spend_snack, spend_drink, spend_dessert)"
	" VALUES (?1, 1, ?2, ?3, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
	" ON CONFLICT(customer_id) DO UPDATE SET"
	" visit_count = visit_count + 1,"
	" total_spend_fen = total_spend_fen + ?2,"
	" first_visit_at = min(first_visit_at, ?3),"
	" last_visit_at = max(last_visit_at, ?3),"
	" spend_meat = spend_meat + ?4, spend_seafood = spend_seafood + ?5,"
	" spend_vegetable = spend_vegetable + ?6, spend_soup_base = spend_soup_base + ?7,"
	" spend_staple = spend_staple + ?8, spend_snack = spend_snack + ?9,"
	" spend_drink = spend_drink + ?10, spend_dessert = spend_dessert + ?11";

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int check(sqlite3 *db, int rc, int want, const char *what)
{
	if (rc == want)
		return 1;
	fprintf(stderr, "bare_insert: %s: %s\n", what, sqlite3_errmsg(db));
	atomic_store(&failed, 1);
	return 0;
}

static int exec(sqlite3 *db, const char *sql)
{
	return check(db, sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK, sql);
}

static int step(sqlite3 *db, sqlite3_stmt *s, const char *what)
{
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	return check(db, rc, SQLITE_DONE, what);
}

static void *worker(void *arg)
{
	unsigned seed = (unsigned)(uintptr_t)arg * 2654435761u + (unsigned)time(NULL);
	int tid = (int)(uintptr_t)arg;
	sqlite3 *db = NULL;
	if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		fprintf(stderr, "bare_insert: cannot open %s\n", db_path);
		atomic_store(&failed, 1);
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(db, 10000);
	sqlite3_stmt *sv = NULL, *si = NULL, *ss = NULL, *sb = NULL, *sc = NULL;
	if (!exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
		      " PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;") ||
	    !check(db, sqlite3_prepare_v3(db, SQL_VISIT, -1, SQLITE_PREPARE_PERSISTENT, &sv, NULL),
		   SQLITE_OK, "prepare visit") ||
	    !check(db, sqlite3_prepare_v3(db, SQL_ITEM, -1, SQLITE_PREPARE_PERSISTENT, &si, NULL),
		   SQLITE_OK, "prepare item") ||
	    !check(db, sqlite3_prepare_v3(db, SQL_STATS, -1, SQLITE_PREPARE_PERSISTENT, &ss, NULL),
		   SQLITE_OK, "prepare stats") ||
	    !check(db, sqlite3_prepare_v3(db, "BEGIN IMMEDIATE", -1, SQLITE_PREPARE_PERSISTENT, &sb,
					  NULL),
		   SQLITE_OK, "prepare begin") ||
	    !check(db, sqlite3_prepare_v3(db, "COMMIT", -1, SQLITE_PREPARE_PERSISTENT, &sc, NULL),
		   SQLITE_OK, "prepare commit"))
		goto out;
	int64_t amount = 0, cat[8] = { 0 };
	for (int i = 0; i < 5; i++) {
		amount += item_price[i] * item_qty[i];
		cat[item_cat[i]] += item_price[i] * item_qty[i];
	}
	long seq = 0;
	while (!atomic_load(&failed) && now_s() < deadline) {
		pthread_mutex_lock(&write_lock);
		if (!step(db, sb, "begin")) {
			pthread_mutex_unlock(&write_lock);
			break;
		}
		int ok = 1;
		for (int k = 0; ok && k < per_tx; k++) {
			int64_t cust = 1 + (int64_t)(rand_r(&seed) % (unsigned)max_customer);
			int64_t store = 1 + rand_r(&seed) % 10;
			int64_t t = (int64_t)time(NULL);
			char pos[96];
			snprintf(pos, sizeof(pos), "BARE%s-%d-%ld", run_id, tid, ++seq);
			sqlite3_bind_int64(sv, 1, cust);
			sqlite3_bind_int64(sv, 2, store);
			sqlite3_bind_int64(sv, 3, t);
			sqlite3_bind_int(sv, 4, 3);
			sqlite3_bind_int64(sv, 5, amount);
			sqlite3_bind_text(sv, 6, "dine_in", -1, SQLITE_STATIC);
			sqlite3_bind_text(sv, 7, pos, -1, SQLITE_TRANSIENT);
			sqlite3_bind_int64(sv, 8, t);
			if (!(ok = step(db, sv, "insert visit")))
				break;
			int64_t vid = sqlite3_last_insert_rowid(db);
			for (int i = 0; ok && i < 5; i++) {
				sqlite3_bind_int64(si, 1, vid);
				sqlite3_bind_int(si, 2, i + 1);
				sqlite3_bind_int64(si, 3, cust);
				sqlite3_bind_int64(si, 4, item_dish[i]);
				sqlite3_bind_int(si, 5, item_qty[i]);
				sqlite3_bind_int64(si, 6, item_price[i]);
				ok = step(db, si, "insert item");
			}
			if (!ok)
				break;
			sqlite3_bind_int64(ss, 1, cust);
			sqlite3_bind_int64(ss, 2, amount);
			sqlite3_bind_int64(ss, 3, t);
			for (int i = 0; i < 8; i++)
				sqlite3_bind_int64(ss, 4 + i, cat[i]);
			ok = step(db, ss, "upsert stats");
		}
		if (ok)
			ok = step(db, sc, "commit");
		if (!ok)
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		pthread_mutex_unlock(&write_lock);
		if (!ok)
			break;
		atomic_fetch_add(&done_visits, per_tx);
	}
out:
	sqlite3_finalize(sv);
	sqlite3_finalize(si);
	sqlite3_finalize(ss);
	sqlite3_finalize(sb);
	sqlite3_finalize(sc);
	sqlite3_close(db);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc < 6) {
		fprintf(stderr, "usage: bare_insert DB THREADS SECONDS MAX_CUSTOMER_ID ITEMS "
				"[VISITS_PER_TX]\n");
		return 2;
	}
	db_path = argv[1];
	int threads = atoi(argv[2]);
	double seconds = atof(argv[3]);
	max_customer = atoll(argv[4]);
	const char *p = argv[5];
	for (int i = 0; i < 5; i++) {
		long long d, pr;
		int q, c, used = 0;
		if (sscanf(p, "%lld:%d:%lld:%d%n", &d, &q, &pr, &c, &used) != 4 || d < 1 ||
		    q < 1 || pr < 0 || c < 0 || c > 7 || (p[used] != (i < 4 ? ',' : '\0'))) {
			fprintf(stderr, "bare_insert: ITEMS must be five dish:qty:price:category\n");
			return 2;
		}
		item_dish[i] = d;
		item_qty[i] = q;
		item_price[i] = pr;
		item_cat[i] = c;
		p += used + (i < 4);
	}
	if (argc > 6)
		per_tx = atoi(argv[6]);
	if (threads < 1 || threads > 256 || seconds <= 0 || max_customer < 1 || per_tx < 1) {
		fprintf(stderr, "bare_insert: bad arguments\n");
		return 2;
	}
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(run_id, sizeof(run_id), "%lld%09ld-%d", (long long)ts.tv_sec, ts.tv_nsec,
		 (int)getpid());
	pthread_t th[256];
	double start = now_s();
	deadline = start + seconds;
	for (int i = 0; i < threads; i++)
		pthread_create(&th[i], NULL, worker, (void *)(uintptr_t)(i + 1));
	for (int i = 0; i < threads; i++)
		pthread_join(th[i], NULL);
	double el = now_s() - start;
	long n = atomic_load(&done_visits);
	printf("visits %ld seconds %.2f visits_per_s %.0f\n", n, el, (double)n / el);
	return atomic_load(&failed) ? 1 : 0;
}
