/*
 * bulk.h - fast loading of many rows (the demo generator, imports).
 *
 * A struct store_bulk wraps one open struct store for the time of a load.
 * Rows go in through one prepared statement per table inside large
 * transactions: store_bulk_commit() ends a batch and starts the next.
 *
 * NOT CRASH-DURABLE UNTIL IT FINISHES: while the loader is open the
 * connection runs with PRAGMA synchronous=OFF (and a large page cache).
 * A power cut or OS crash during a load may lose or corrupt the batches
 * written so far; a process crash loses the open batch only. Load into a
 * new database and discard it if the load did not finish.
 * store_bulk_finish() commits, restores synchronous=FULL and checkpoints
 * the WAL into the main file, after which the data is as durable as any.
 *
 * Guest aggregates (customer_stats) are kept by the loader itself from the
 * visits it writes, exactly as store_visit_add() keeps them: visit count,
 * total spend, first and last visit and spend per dish category, the
 * category of each dish read from the dishes table (or added through
 * store_bulk_dish). The FTS name index is kept by the schema's triggers.
 *
 * The secondary indexes of visits, visit_items and customer_facts are
 * dropped at begin and built again by finish (or abort): an interrupted
 * load leaves a database without them, one more reason to discard it.
 *
 * Foreign keys are not checked during a load (PRAGMA foreign_keys=OFF):
 * the loader checks dish ids itself; store and guest ids are the caller's
 * responsibility. Every function returns LK_OK or an lk_rc with err set;
 * after a failure call store_bulk_abort().
 */
#ifndef LK_STORE_BULK_H
#define LK_STORE_BULK_H

#include <stdint.h>

#include "core/model.h"
#include "store/store.h"
#include "util/rc.h"

struct store_bulk;

/* Start a load on st (which must stay open until finish/abort). */
enum lk_rc store_bulk_begin(struct store *st, struct store_bulk **out, struct lk_err *err);

/* Insert a store with the given created_at; s->id is set. */
enum lk_rc store_bulk_store(struct store_bulk *b, struct lk_store *s, int64_t created_at,
			    struct lk_err *err);
/* Insert a dish with the given created_at; d->id is set. */
enum lk_rc store_bulk_dish(struct store_bulk *b, struct lk_dish *d, int64_t created_at,
			   struct lk_err *err);
/*
 * Insert a guest with its family members and tags, taking version,
 * created_at and updated_at from c as they are; c->id is set. The
 * aggregate fields of c are ignored: visits make them.
 */
enum lk_rc store_bulk_customer(struct store_bulk *b, struct lk_customer *c, struct lk_err *err);
/* Insert a fact as it is (customer_id, created_at set by the caller); f->id is set. */
enum lk_rc store_bulk_fact(struct store_bulk *b, struct lk_fact *f, struct lk_err *err);
/*
 * Insert a visit and its items as they are (created_at included; a
 * negative amount_fen means the sum of the items; prices must be given)
 * and add it to the guest's aggregates; v->id is set. Visits of one guest
 * are best added together: the aggregates are written when the guest
 * changes, at commit and at finish.
 */
enum lk_rc store_bulk_visit(struct store_bulk *b, struct lk_visit *v, struct lk_err *err);

/* Commit the open batch and begin the next. */
enum lk_rc store_bulk_commit(struct store_bulk *b, struct lk_err *err);
/*
 * Rebuild the indexes, commit, restore synchronous=FULL and foreign keys,
 * checkpoint the WAL
 * (TRUNCATE) and free b, also on failure.
 */
enum lk_rc store_bulk_finish(struct store_bulk *b, struct lk_err *err);
/* Roll back the open batch, restore the settings and free b. NULL is fine. */
void store_bulk_abort(struct store_bulk *b);

/* Rows written so far, all tables together. */
int64_t store_bulk_rows(const struct store_bulk *b);

#endif
