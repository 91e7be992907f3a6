/*
 * import_run.h - import guests, visits or dishes from a CSV file into the
 * store: the library function behind `laoke import` (and, later, the
 * console's upload).
 *
 * The file is read as a stream: bytes -> (iconv, when GB18030) UTF-8 ->
 * libcsv records. The first record is the header; columns are mapped by
 * core/import_rules.h. Rows are written through store.h's store_import_*()
 * in batches of o->batch_rows, each row (or whole order) all-or-nothing.
 * A bad row is reported through hooks->reject and skipped; with o->strict
 * the whole import is one transaction, rolled back when any row was bad.
 *
 * Locking: a batch holds the process's writers' queue and SQLite's write
 * lock (store_import_begin); under o->strict that is the whole import, so
 * in a server other writers wait until it ends. The function keeps no
 * global state: several imports may run on different connections. It
 * sets a 128 MiB page cache on st while it runs (store_import_cache).
 *
 * Visits: rows are order lines grouped by (store, order id) wherever they
 * stand in the file, so orders are written after the whole file was read;
 * a bad line rejects its whole order (each of its lines is reported), since
 * a visit is written once and never added to. Rows without a phone become
 * walk-in visits (customer_id NULL) that still count for dish and store
 * figures.
 */
#ifndef LK_IMPORT_RUN_H
#define LK_IMPORT_RUN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/import_rules.h"
#include "store/store.h"
#include "util/rc.h"

struct lk_import_opts {
	enum lk_import_kind kind;
	enum lk_encoding encoding;     /* LK_ENC_AUTO: UTF-8 if the start is valid UTF-8 */
	enum lk_date_order date_order;
	const char *map;               /* "src=field,..." or NULL */
	const char *category_map;      /* dishes: "value-or-name=category,..." or NULL */
	const char *default_store;     /* code or name for rows without a store, or NULL */
	const char *null_text;         /* a cell equal to this reads as empty ("NULL"), or NULL */
	bool strict;                   /* any bad row: write nothing */
	bool create_dishes;            /* visits: unknown dishes with a category are created */
	bool keep_rows;                /* keep rejected rows' cells for hooks->reject */
	int batch_rows;                /* rows per transaction (whole orders); 0: 10,000 */
	const struct lk_scope *scope;  /* stores rows may name (docs/ROLES.md); NULL: any */
};

struct lk_import_summary {
	int64_t read;            /* data rows read (header excluded) */
	int64_t inserted, updated, unchanged; /* records: guests, dishes, or orders */
	int64_t rejected;        /* rows rejected */
	int64_t orders;          /* visits: distinct orders seen */
	int64_t guests_created;  /* visits: guests created from a phone */
	bool rolled_back;        /* strict and something was bad: nothing written */
};

/* A rejected row: where, why, and its cells (header and row, UTF-8). */
struct lk_import_reject {
	int64_t line;            /* the row's first line in the file (1 = header) */
	const char *column;      /* header text of the bad column, "" when none */
	const char *reason;      /* lower-case message */
	int ncells;
	const char *const *cells; /* NULL unless o->keep_rows */
	int nheader;
	const char *const *header;
};

/* Where an import stands. */
struct lk_import_progress {
	bool writing;            /* false: reading the file; true: writing the orders (visits) */
	int64_t done;            /* reading: bytes read; writing: orders written */
	int64_t total;           /* reading: 0 (the caller knows the size); writing: orders */
	int64_t rows;            /* data rows read so far */
};

struct lk_import_hooks {
	/* called every 64 KiB read and every 1,024 orders written; may be NULL */
	void (*progress)(void *arg, const struct lk_import_progress *p);
	/* one call per rejected row, in line order per phase; may be NULL */
	void (*reject)(void *arg, const struct lk_import_reject *r);
	void *arg;
};

/*
 * Import the CSV read from in (name: for messages only). Returns LK_OK
 * when the file could be read to its end (rejected rows included: see
 * sum->rejected), else an lk_rc with err set: unreadable or undecodable
 * input, no header, a required column missing, bad options, or a database
 * failure (the batch in flight is rolled back; earlier batches stay, and
 * running the import again completes it).
 */
enum lk_rc lk_import_run(struct store *st, const struct lk_import_opts *o, FILE *in,
			 const struct lk_import_hooks *hooks, struct lk_import_summary *sum,
			 struct lk_err *err);

#endif
