/*
 * ratelimit.c - see ratelimit.h.
 */
#include "api/ratelimit.h"

#include <arpa/inet.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "api/api_int.h"
#include "util/timeutil.h"

static uint64_t key_hash(struct api_rate *rl, const char *key)
{
	if (!rl->keyed) {
		randombytes_buf(rl->hkey, sizeof(rl->hkey));
		rl->keyed = true;
	}
	unsigned char h[crypto_shorthash_BYTES];
	crypto_shorthash(h, (const unsigned char *)key, strlen(key), rl->hkey);
	uint64_t v;
	memcpy(&v, h, sizeof(v));
	return v ? v : 1; /* 0 marks a free slot */
}

/*
 * The slot of hash h among its API_RATE_PROBE places: its own, else a free
 * one (never used, or its tat passed), else the one with the earliest tat
 * (the key nearest a full bucket), emptied.
 */
static struct api_rate_slot *find(struct api_rate *rl, uint64_t h, int64_t now)
{
	struct api_rate_slot *spare = NULL, *earliest = NULL;
	for (size_t i = 0; i < API_RATE_PROBE; i++) {
		struct api_rate_slot *s = &rl->slot[(h + i) % API_RATE_SLOTS];
		if (s->key == h)
			return s;
		if (!spare && (s->key == 0 || s->tat_ms <= now))
			spare = s;
		if (!earliest || s->tat_ms < earliest->tat_ms)
			earliest = s;
	}
	struct api_rate_slot *s = spare ? spare : earliest;
	s->key = h;
	s->tat_ms = now;
	return s;
}

bool api_rate_take_at(struct api_rate *rl, const char *key, int64_t now_ms,
		      int64_t *retry_after)
{
	pthread_mutex_lock(&rl->mu);
	struct api_rate_slot *s = find(rl, key_hash(rl, key ? key : ""), now_ms);
	int64_t tat = s->tat_ms > now_ms ? s->tat_ms : now_ms;
	bool ok = tat - now_ms <= rl->burst_ms;
	if (ok) {
		s->tat_ms = tat + rl->interval_ms;
	} else if (retry_after) {
		int64_t wait_ms = tat - now_ms - rl->burst_ms;
		*retry_after = (wait_ms + 999) / 1000;
		if (*retry_after < 1)
			*retry_after = 1;
	}
	pthread_mutex_unlock(&rl->mu);
	return ok;
}

bool api_rate_take(struct api_rate *rl, const char *key, int64_t *retry_after)
{
	return api_rate_take_at(rl, key, lk_mono_us() / 1000, retry_after);
}

void api_rate_reset(struct api_rate *rl)
{
	pthread_mutex_lock(&rl->mu);
	memset(rl->slot, 0, sizeof(rl->slot));
	pthread_mutex_unlock(&rl->mu);
}

void api_rate_ip_key(const char *ip, char *out, size_t outsz)
{
	unsigned char a[16];
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	if (outsz == 0)
		return;
	if (!ip || inet_pton(AF_INET6, ip, a) != 1) {
		snprintf(out, outsz, "%s", ip ? ip : "");
		return;
	}
	if (memcmp(a, mapped, sizeof(mapped)) == 0) {
		inet_ntop(AF_INET, a + 12, out, (socklen_t)outsz);
		return;
	}
	memset(a + 8, 0, 8);
	char net[INET6_ADDRSTRLEN];
	if (!inet_ntop(AF_INET6, a, net, sizeof(net))) {
		snprintf(out, outsz, "%s", ip);
		return;
	}
	snprintf(out, outsz, "%s/64", net);
}

static struct api_rate public_rate = API_RATE_INITIALIZER(API_RATE_PUBLIC, 60000);

bool api_rate_public(struct api_req *r, const char *endpoint)
{
	char ip[64], key[128];
	api_rate_ip_key(r->client_ip, ip, sizeof(ip));
	snprintf(key, sizeof(key), "%s %s", endpoint ? endpoint : "", ip);
	int64_t retry = 0;
	if (api_rate_take(&public_rate, key, &retry))
		return true;
	lk_fail(&r->err, LK_ETOOMANY, "rate_limited", NULL,
		"too many requests from your address: try again in %lld s", (long long)retry);
	r->err.ref_id = retry;
	return false;
}
