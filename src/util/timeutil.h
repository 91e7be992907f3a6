/*
 * timeutil.h - Unix seconds, RFC 3339 text and the fixed-offset time zones
 * laoke supports.
 *
 * The database keeps int64 Unix seconds (UTC). The API speaks RFC 3339 with
 * an offset. Day boundaries use a store's zone; the zones laoke accepts are
 * the ones without daylight saving where Chinese chains operate, so an
 * offset is a constant per zone and no process-wide TZ juggling is needed.
 */
#ifndef LK_TIMEUTIL_H
#define LK_TIMEUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LK_DEFAULT_TZ "Asia/Shanghai"

/* Current time in Unix seconds. */
int64_t lk_now(void);
/* Monotonic clock in microseconds, for durations. */
int64_t lk_mono_us(void);

/* Offset in minutes east of UTC for a supported zone name; false if unknown. */
bool lk_tz_offset(const char *zone, int *minutes);

/*
 * Format t as "2024-03-05T18:30:00+08:00" at the given offset into out
 * (at least 26 bytes). Returns out.
 */
char *lk_time_format(int64_t t, int offset_min, char *out, size_t outsz);

/*
 * Parse RFC 3339 ("2024-03-05T18:30:00+08:00", "...Z", fractional seconds
 * dropped). An offset is required: a bare local time is ambiguous. Returns
 * false on anything else.
 */
bool lk_time_parse(const char *s, int64_t *t);

/* Day of the proleptic Gregorian calendar: days since 1970-01-01. */
int64_t lk_days_from_civil(int y, unsigned m, unsigned d);

#endif
