/*
 * throttle.c - the login throttle (see throttle.h): a fixed table of keys
 * with their failure counts, scanned whole under one mutex. 4096 entries
 * scan in microseconds, far below the argon2 hash a login costs anyway,
 * and a fixed table cannot be grown by an attacker sending many names.
 */
#include "api/throttle.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "util/timeutil.h"

/* "u:" + a login name (at most 32 characters of UTF-8) or "i:" + an IP address */
#define KEY_SZ 136

struct entry {
	uint64_t h;          /* hash of key; 0: a free slot */
	char key[KEY_SZ];
	uint32_t failures;
	int64_t last_ms;     /* the last failure */
	int64_t next_ms;     /* no attempt before this */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct entry table[API_THROTTLE_ENTRIES];

static int64_t now_ms(void)
{
	return lk_mono_us() / 1000;
}

/* kind 'u': the name lowercased (ASCII), so "Admin" and "admin" are one key. */
static void make_key(char kind, const char *s, char out[KEY_SZ])
{
	size_t i = 0;
	out[i++] = kind;
	out[i++] = ':';
	for (; *s && i < KEY_SZ - 1; s++) {
		char c = *s;
		if (kind == 'u' && c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		out[i++] = c;
	}
	out[i] = '\0';
}

static uint64_t key_hash(const char *k)
{
	uint64_t h = 14695981039346656037u; /* FNV-1a */
	for (; *k; k++) {
		h ^= (unsigned char)*k;
		h *= 1099511628211u;
	}
	return h | 1; /* never 0, which marks a free slot */
}

/* Whether e holds nothing worth keeping at now: no failure for API_THROTTLE_FORGET. */
static bool stale(const struct entry *e, int64_t now)
{
	return e->h == 0 ||
	       (now - e->last_ms >= (int64_t)API_THROTTLE_FORGET * 1000 && now >= e->next_ms);
}

/*
 * The entry of key; with create, a new one when absent, taking a free or
 * stale slot, else the one with the oldest failure. NULL when absent
 * (and not create). A stale entry found is returned emptied.
 */
static struct entry *find(const char *key, int64_t now, bool create)
{
	uint64_t h = key_hash(key);
	struct entry *e = NULL, *spare = NULL, *oldest = NULL;
	for (size_t i = 0; i < API_THROTTLE_ENTRIES; i++) {
		struct entry *t = &table[i];
		if (t->h == h && strcmp(t->key, key) == 0) {
			e = t;
			break;
		}
		if (!spare && stale(t, now))
			spare = t;
		if (!oldest || t->last_ms < oldest->last_ms)
			oldest = t;
	}
	if (e && stale(e, now)) {
		e->failures = 0;
		e->last_ms = 0;
		e->next_ms = 0;
	}
	if (e || !create)
		return e;
	e = spare ? spare : oldest;
	memset(e, 0, sizeof(*e));
	e->h = h;
	snprintf(e->key, sizeof(e->key), "%s", key);
	return e;
}

/* The wait after n failures, in milliseconds: 0 for the free ones, then 1 s, 2 s, 4 s ... */
static int64_t delay_ms(uint32_t n)
{
	if (n < API_THROTTLE_FREE)
		return 0;
	uint32_t shift = n - API_THROTTLE_FREE;
	int64_t s = shift >= 10 ? API_THROTTLE_MAX_DELAY : (int64_t)1 << shift;
	if (s > API_THROTTLE_MAX_DELAY)
		s = API_THROTTLE_MAX_DELAY;
	return s * 1000;
}

bool api_throttle_check_at(const char *username, const char *ip, int64_t now,
			   int64_t *retry_after)
{
	char ku[KEY_SZ], ki[KEY_SZ];
	make_key('u', username ? username : "", ku);
	make_key('i', ip ? ip : "", ki);
	pthread_mutex_lock(&lock);
	struct entry *eu = username && *username ? find(ku, now, false) : NULL;
	struct entry *ei = ip && *ip ? find(ki, now, false) : NULL;
	int64_t wait = 0;
	if (eu && eu->next_ms - now > wait)
		wait = eu->next_ms - now;
	if (ei && ei->next_ms - now > wait)
		wait = ei->next_ms - now;
	if (wait == 0) {
		/*
		 * Let this one attempt through and take the key's next slot now:
		 * attempts racing in parallel must not all pass before the first
		 * of them has been counted as a failure.
		 */
		if (eu && eu->failures >= API_THROTTLE_FREE)
			eu->next_ms = now + delay_ms(eu->failures);
		if (ei && ei->failures >= API_THROTTLE_FREE)
			ei->next_ms = now + delay_ms(ei->failures);
	}
	pthread_mutex_unlock(&lock);
	if (wait > 0 && retry_after)
		*retry_after = (wait + 999) / 1000;
	return wait == 0;
}

void api_throttle_failure_at(const char *username, const char *ip, int64_t now)
{
	char k[KEY_SZ];
	pthread_mutex_lock(&lock);
	for (int i = 0; i < 2; i++) {
		const char *s = i == 0 ? username : ip;
		if (!s || !*s)
			continue;
		make_key(i == 0 ? 'u' : 'i', s, k);
		struct entry *e = find(k, now, true);
		if (e->failures < UINT32_MAX)
			e->failures++;
		e->last_ms = now;
		e->next_ms = now + delay_ms(e->failures);
	}
	pthread_mutex_unlock(&lock);
}

void api_throttle_success_at(const char *username, int64_t now)
{
	if (!username || !*username)
		return;
	char k[KEY_SZ];
	make_key('u', username, k);
	pthread_mutex_lock(&lock);
	struct entry *e = find(k, now, false);
	if (e)
		memset(e, 0, sizeof(*e));
	pthread_mutex_unlock(&lock);
}

void api_throttle_reset(void)
{
	pthread_mutex_lock(&lock);
	memset(table, 0, sizeof(table));
	pthread_mutex_unlock(&lock);
}

bool api_throttle_check(const char *username, const char *ip, int64_t *retry_after)
{
	return api_throttle_check_at(username, ip, now_ms(), retry_after);
}

void api_throttle_failure(const char *username, const char *ip)
{
	api_throttle_failure_at(username, ip, now_ms());
}

void api_throttle_success(const char *username)
{
	api_throttle_success_at(username, now_ms());
}
