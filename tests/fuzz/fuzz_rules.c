/*
 * libFuzzer target: the parsers of outside text in core, util and http
 * (phone, birthday, RFC 3339 time, text limits, static paths, listen address).
 * They must never crash, read out of bounds, or accept what they then print wrong.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/rules.h"
#include "http/server.h"
#include "http/static.h"
#include "util/timeutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	size_t len = strlen(s);

	char e164[LK_PHONE_E164_LEN];
	if (lk_phone_normalize(s, e164, "phone", NULL) == LK_OK) {
		/* an accepted phone is canonical: normalising it again is the identity */
		char again[LK_PHONE_E164_LEN];
		if (lk_phone_normalize(e164, again, "phone", NULL) != LK_OK || strcmp(e164, again))
			abort();
		char masked[16];
		lk_phone_mask(e164, masked, sizeof(masked));
		if (strlen(masked) != 11)
			abort();
	}
	int y, m, d;
	if (lk_birthday_parse(s, 2026, &y, &m, &d, "birthday", NULL) == LK_OK) {
		char out[16];
		lk_birthday_format(y, m, d, out, sizeof(out));
		if (strcmp(out, s) != 0)
			abort();
	}
	int64_t t;
	if (lk_time_parse(s, &t)) {
		char out[40];
		int64_t t2;
		lk_time_format(t, 480, out, sizeof(out));
		if (!lk_time_parse(out, &t2) || t2 != t)
			abort();
	}
	struct lk_err err;
	lk_text_check(s, size, 40, true, true, "name", &err);
	if (len && lk_utf8_chars(s) > len)
		abort();
	(void)http_static_path_safe(s);
	char host[64];
	unsigned port;
	(void)http_parse_listen(s, host, sizeof(host), &port);
	free(s);
	return 0;
}
