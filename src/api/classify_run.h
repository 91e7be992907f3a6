/*
 * classify_run.h - a classification run (客户分类): every live guest's
 * tiers, preference, lifecycle, rhythm, grade, VIP and RFM segment decided
 * from the per-guest aggregates (customer_stats and its day log, never the
 * visits), written as the new snapshot in one transaction. The library
 * function behind the nightly run in the server, `laoke classify` and
 * POST /api/v1/classification/run.
 *
 * A run:
 *   1. loads the classification settings and records the run as running
 *      (another running run: LK_ECONFLICT "run_in_progress");
 *   2. scans the guests in one read transaction (store_cls_scan()),
 *      deciding each guest's values with lk_cls_decide() and collecting
 *      R (days since the last visit), F (visits) and M (spend) of the
 *      guests with a visit;
 *   3. computes the RFM quintile cuts (lk_rfm_quintiles()) and scores;
 *   4. commits in one transaction only what changed (store_cls_run_commit():
 *      the rows whose values, inputs or home store changed, a history row
 *      for each whose values changed) with the counts per home store.
 * Readers see the previous snapshot until the commit, then the new one.
 *
 * Memory: 48 bytes per guest plus one row (about 260 bytes) per guest
 * written; the first run writes every guest, later runs only the changes.
 */
#ifndef LK_CLASSIFY_RUN_H
#define LK_CLASSIFY_RUN_H

#include <stdint.h>

#include "core/classify.h"
#include "store/store.h"
#include "util/rc.h"

/* A run that has not finished (heartbeat) after this long is taken as abandoned. */
#define LK_CLS_RUN_STALE_AFTER 1800

struct lk_cls_run_opts {
	const char *trigger;          /* nightly | cli | api */
	int64_t user_id, key_id;      /* who started it, 0: nobody (nightly, cli) */
	int64_t now;                  /* the moment classified ("as of"); 0: lk_now() */
	int tz_offset_min;            /* the chain's zone: days are local days */
};

struct lk_cls_run_result {
	int64_t run_id;
	int64_t guests;               /* live guests classified */
	int64_t scored;               /* of them with a visit (RFM scored) */
	int64_t changed;              /* guests whose values changed (new ones included) */
	int64_t written;              /* rows written (changed values, inputs or home store) */
	int64_t millis;               /* wall time of the run */
};

/*
 * Run a classification on st. On failure after the run was recorded, the
 * run is marked failed with the message and nothing of it is visible.
 */
enum lk_rc lk_classify_run(struct store *st, const struct lk_cls_run_opts *o,
			   struct lk_cls_run_result *res, struct lk_err *err);

/* The settings and the RFM cuts a finished run recorded. */
enum lk_rc lk_cls_run_rules(const struct store_cls_run *run, struct lk_cls_settings *s,
			    struct lk_rfm_cuts *cuts, struct lk_err *err);

/* A stored guest's classification as the engine's types. */
void lk_cls_input_from_stored(const struct store_cls_inputs *si, struct lk_cls_input *in);
void lk_cls_result_from_stored(const struct store_cls_vals *v, struct lk_cls_result *out);

#endif
