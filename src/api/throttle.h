/*
 * throttle.h - slowing down password guessing at the login.
 *
 * Failed logins are counted in memory per login name tried (lowercased,
 * whether or not such a user exists, so the answer says nothing about
 * that) and per client IP. The first API_THROTTLE_FREE failures of a key
 * cost nothing; after n >= API_THROTTLE_FREE failures the next attempt is
 * let through only 2^(n - API_THROTTLE_FREE) seconds after the last one,
 * at most API_THROTTLE_MAX_DELAY. A key without a failure for
 * API_THROTTLE_FORGET seconds is forgotten. The table holds at most
 * API_THROTTLE_ENTRIES keys; when full, the key with the oldest failure
 * makes room. A restart forgets everything (by design: nothing to store,
 * and a restart is no cheaper for an attacker than waiting).
 *
 * Thread-safe (one mutex); the time is the monotonic clock.
 */
#ifndef LK_API_THROTTLE_H
#define LK_API_THROTTLE_H

#include <stdbool.h>
#include <stdint.h>

#define API_THROTTLE_FREE 5
#define API_THROTTLE_MAX_DELAY 900     /* seconds: 15 minutes */
#define API_THROTTLE_FORGET 900        /* seconds without a failure */
#define API_THROTTLE_ENTRIES 4096

/*
 * Whether a login attempt for username from ip (either may be NULL or "")
 * may go ahead now. When not, *retry_after is the whole seconds (>= 1)
 * until it may. An attempt let through while a key is throttled takes
 * that key's next slot at once, so parallel attempts cannot share one.
 * Refused attempts are not failures: they tried no password.
 */
bool api_throttle_check(const char *username, const char *ip, int64_t *retry_after);
/* A wrong password (or unknown or disabled user): one more failure for both keys. */
void api_throttle_failure(const char *username, const char *ip);
/* A successful login: the username's failures are forgotten (the IP's are not). */
void api_throttle_success(const char *username);

/*
 * The same with the time given in milliseconds of any monotonic clock,
 * for tests: the functions above call these with the process's clock.
 */
bool api_throttle_check_at(const char *username, const char *ip, int64_t now_ms,
			   int64_t *retry_after);
void api_throttle_failure_at(const char *username, const char *ip, int64_t now_ms);
void api_throttle_success_at(const char *username, int64_t now_ms);
/* Forget every key (tests). */
void api_throttle_reset(void);

#endif
