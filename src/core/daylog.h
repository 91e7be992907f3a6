/*
 * daylog.h - a guest's recent visit days, the per-guest aggregate the
 * classification's windows are read from (visits and spend in the last N
 * days, the usual gap between visit days) without reading the visits.
 *
 * A day log is a list of records {local day, visits, spend}, one per
 * calendar day (in the chain's zone) on which the guest came, ascending by
 * day, holding the LK_DAYLOG_DAYS days up to and including the newest one:
 * older days fall out when a newer visit arrives. A weekly regular has about
 * 104 records; one who came every day 731.
 *
 * Stored as a blob of 16-byte little-endian records (int32 day, int32
 * visits, int64 spend in fen), so the encoding does not depend on the host.
 * Pure: no I/O.
 */
#ifndef LK_DAYLOG_H
#define LK_DAYLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/classify.h"

#define LK_DAYLOG_DAYS 731           /* two years and a day */
#define LK_DAYLOG_REC_BYTES 16
#define LK_DAYLOG_MAX LK_DAYLOG_DAYS /* records */
#define LK_DAYLOG_BLOB_MAX (LK_DAYLOG_MAX * LK_DAYLOG_REC_BYTES)

struct lk_dayrec {
	int32_t day;            /* days since 1970-01-01 in the zone */
	int32_t visits;
	int64_t spend_fen;
};

/* The local calendar day of unix time t, zone tz_offset_min east of UTC. */
int32_t lk_local_day(int64_t t, int tz_offset_min);

/*
 * Decode a blob into out (room for LK_DAYLOG_MAX records). false when the
 * blob is not a day log (length not a multiple of 16, more than
 * LK_DAYLOG_MAX records, days not strictly ascending, a count below 1, a
 * negative spend); *n is then 0. An empty blob (or NULL) is a valid empty log.
 */
bool lk_daylog_decode(const void *blob, size_t len, struct lk_dayrec *out, size_t *n);
/* Encode n records into out (room for n * 16 bytes); returns the length. */
size_t lk_daylog_encode(const struct lk_dayrec *r, size_t n, void *out);

/*
 * Merge the sorted logs a and b (the same day adds up) into out (room for
 * na + nb records, at most LK_DAYLOG_MAX are kept), dropping the days
 * LK_DAYLOG_DAYS or more before the newest day. Returns the number of
 * records in out. out may not alias a or b.
 */
size_t lk_daylog_merge(const struct lk_dayrec *a, size_t na, const struct lk_dayrec *b,
		       size_t nb, struct lk_dayrec *out);

/*
 * Sort n records (any order, a day may repeat) by day in place, add up the
 * same days and keep the LK_DAYLOG_DAYS days up to the newest, as
 * lk_daylog_merge() does. Returns the number kept (at the start of r).
 */
size_t lk_daylog_build(struct lk_dayrec *r, size_t n);

/* Visits and spend on days from..to (inclusive). */
void lk_daylog_sum(const struct lk_dayrec *r, size_t n, int32_t from, int32_t to,
		   int *visits, int64_t *spend_fen);

/*
 * The windowed inputs of the classification from a guest's day log, as of
 * the local day of now: visits_365 (frequency.window_days), spend_365_fen
 * (spend.window_days), visits_90 and visits_prev_90
 * (grade.rising_window_days), usual_gap_days and n_gaps. A window of W days
 * covers today and the W - 1 days before it; the rising window before the
 * last W days is the W days before those. The usual gap is the mean gap
 * between the log's visit days, (last day - first day) / (days - 1): the
 * guest's rhythm over the two years up to their last visit. The other
 * fields of in are left alone. The windows must be at most LK_DAYLOG_DAYS
 * (for the rising one, twice it), as lk_cls_settings_check() ensures.
 */
void lk_daylog_cls_input(const struct lk_dayrec *r, size_t n, const struct lk_cls_settings *s,
			 int64_t now, int tz_offset_min, struct lk_cls_input *in);

#endif
