/*
 * log.h - one JSON object per line on stderr.
 *
 * Callers pass already-safe values: never a password, token or query
 * string with personal data.
 */
#ifndef LK_LOG_H
#define LK_LOG_H

#include <stdint.h>

/* A free-form event: level is "info", "warn" or "error". */
void lk_log(const char *level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The access log line of one request (a survey link's token, /s/<token>, is left out). */
void lk_log_request(const char *request_id, const char *method,
		    const char *path, unsigned status, int64_t duration_us,
		    int64_t user_id);

/* Silence lk_log (not request lines) below "warn"; for tests and CLI. */
void lk_log_set_quiet(int quiet);

#endif
