/*
 * ratelimit.h - a request-rate limiter for public endpoints (the guest
 * survey and feedback forms): at most `limit` requests per `window` per
 * key (a client IP), with a burst of up to `limit` at once.
 *
 * The rule is the generic cell rate algorithm (GCRA), a token bucket kept
 * as one time per key: each request pushes the key's "theoretical arrival
 * time" (tat) on by window / limit; a request is refused while tat lies
 * more than window - window / limit ahead of now, and is then told how
 * long to wait. A refused request costs nothing.
 *
 * Memory is fixed: API_RATE_SLOTS keys per limiter in an open-addressed
 * table, each key's slot found within API_RATE_PROBE places of its hash
 * (SipHash-2-4 with a per-process random key, so a client cannot aim
 * keys at one place). A key whose tat has passed holds nothing and its
 * slot is free; when every place is busy the key closest to a full bucket
 * makes room (forgetting it can only let its owner in sooner). A restart
 * forgets everything.
 *
 * Thread-safe: one mutex per limiter. Define a limiter with
 * API_RATE_INITIALIZER (no init call, nothing to free). Times are
 * milliseconds of a monotonic clock: api_rate_take() reads the process's,
 * api_rate_take_at() takes one (tests).
 */
#ifndef LK_API_RATELIMIT_H
#define LK_API_RATELIMIT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define API_RATE_SLOTS 4096
#define API_RATE_PROBE 8

struct api_rate_slot {
	uint64_t key;                   /* keyed hash of the key; 0: free */
	int64_t tat_ms;                 /* theoretical arrival time */
};

struct api_rate {
	pthread_mutex_t mu;
	int64_t interval_ms;            /* one request's cost: window / limit */
	int64_t burst_ms;               /* how far tat may run ahead: window - interval */
	bool keyed;                     /* hkey drawn yet */
	unsigned char hkey[16];         /* the hash key (random, drawn on first use) */
	struct api_rate_slot slot[API_RATE_SLOTS];
};

/* A limiter of limit requests (>= 1) per window_ms (>= limit) milliseconds. */
#define API_RATE_INITIALIZER(limit, window_ms)                                               \
	{                                                                                    \
		.mu = PTHREAD_MUTEX_INITIALIZER, .interval_ms = (window_ms) / (limit),       \
		.burst_ms = (window_ms) - (window_ms) / (limit),                             \
	}

/*
 * One request for key (any NUL-terminated text; NULL counts as ""): true
 * when it may go ahead (and is counted), else false with *retry_after the
 * whole seconds (>= 1) until one would be let through.
 */
bool api_rate_take(struct api_rate *rl, const char *key, int64_t *retry_after);
bool api_rate_take_at(struct api_rate *rl, const char *key, int64_t now_ms,
		      int64_t *retry_after);
/* Forget every key (tests). */
void api_rate_reset(struct api_rate *rl);

/*
 * The public endpoints' limiter (no login: the guests' survey and feedback
 * forms): API_RATE_PUBLIC requests a minute per client address (its
 * api_rate_ip_key()) and endpoint, a short name the caller picks
 * ("survey", "feedback"; routes sharing a name share the budget). Call it
 * first in the handler. false with r->err set: 429 "rate_limited", the
 * seconds to wait in err.ref_id (the router writes them as retry_after
 * and the server as Retry-After).
 */
#define API_RATE_PUBLIC 30
struct api_req;
bool api_rate_public(struct api_req *r, const char *endpoint);

/*
 * The key of a client address: the address itself for IPv4 (also
 * IPv4-mapped IPv6), its /64 network for IPv6 (one subscriber's usual
 * allocation, so rotating addresses within it does not help), the text as
 * given when it is no address. out holds at least 48 bytes.
 */
void api_rate_ip_key(const char *ip, char *out, size_t outsz);

#endif
