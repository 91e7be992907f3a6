#include "core/rules.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

const char *const lk_genders[] = { "female", "male", "unknown", NULL };
const char *const lk_dish_categories[] = { "meat", "seafood", "vegetable", "soup_base",
					   "staple", "snack", "drink", "dessert", NULL };
const char *const lk_fact_kinds[] = { "allergy", "dislike", "taste", "spice_level",
				      "soup_base", "favorite_dish", "special_need",
				      "preference", NULL };
const char *const lk_fact_sources[] = { "member_card", "online_booking", "waiter",
					"survey", "pos", "import", NULL };
const char *const lk_guest_sources[] = { "member_card", "online_booking", "waiter",
					 "survey", "pos", "import", "walk_in", NULL };
const char *const lk_channels[] = { "dine_in", "takeout", "delivery", NULL };
const char *const lk_roles[] = { "admin", "manager", "analyst", "waiter", "support", NULL };
const char *const lk_consent_channels[] = { "in_store", "online_booking", "member_card",
					    "app", "wechat", "phone", "form", NULL };
const char *const lk_need_sources[] = { "data_analysis", "interview", "feedback", "survey",
					"market_research", NULL };

int lk_enum_index(const char *const *list, const char *s)
{
	for (int i = 0; list[i]; i++)
		if (strcmp(list[i], s) == 0)
			return i;
	return -1;
}

enum lk_rc lk_enum_check(const char *const *list, const char *s,
			 const char *field, struct lk_err *err)
{
	if (lk_enum_index(list, s) >= 0)
		return LK_OK;
	char allowed[200] = "";
	size_t used = 0;
	for (int i = 0; list[i]; i++) {
		int n = snprintf(allowed + used, sizeof(allowed) - used, "%s%s",
				 i ? ", " : "", list[i]);
		if (n < 0 || (size_t)n >= sizeof(allowed) - used)
			break;
		used += (size_t)n;
	}
	char code[48];
	snprintf(code, sizeof(code), "invalid_%s", field);
	return lk_fail(err, LK_EINVAL, code, field, "'%s' must be one of: %s", field, allowed);
}

/*
 * Copy the digits of in to d (at most dmax), skipping the separators people
 * type. Full-width digits (U+FF10..U+FF19, EF BC 90..99) count as digits.
 * One '+' before the first digit is reported through plus. Returns -1 on
 * any other byte.
 */
static int phone_digits(const char *in, char *d, int dmax, bool *plus)
{
	const unsigned char *p = (const unsigned char *)in;
	int n = 0;
	*plus = false;
	for (; *p; p++) {
		char c;
		if (*p == '+' && n == 0 && !*plus) {
			*plus = true;
			continue;
		}
		if (isdigit(*p)) {
			c = (char)*p;
		} else if (p[0] == 0xEF && p[1] == 0xBC && p[2] >= 0x90 && p[2] <= 0x99) {
			c = (char)('0' + (p[2] - 0x90));
			p += 2;
		} else if (*p == ' ' || *p == '-' || *p == '.' || *p == '(' || *p == ')' ||
			   *p == '\t') {
			continue;
		} else {
			return -1;
		}
		if (n >= dmax)
			return -1;
		d[n++] = c;
	}
	d[n] = '\0';
	return n;
}

enum lk_rc lk_phone_normalize(const char *in, char out[LK_PHONE_E164_LEN],
			      const char *field, struct lk_err *err)
{
	char d[24];
	bool plus;
	int n = phone_digits(in, d, 20, &plus);
	const char *local = NULL;
	if (n == 11 && !plus)
		local = d;
	else if (n == 13 && strncmp(d, "86", 2) == 0)
		local = d + 2;
	else if (n == 15 && !plus && strncmp(d, "0086", 4) == 0)
		local = d + 4;
	if (!local || local[0] != '1' || local[1] < '3' || local[1] > '9')
		return lk_fail(err, LK_EINVAL, "invalid_phone", field,
			       "'%s' must be a mainland mobile number: 11 digits starting with 1",
			       field);
	memcpy(out, "+86", 3);
	memcpy(out + 3, local, 11);
	out[14] = '\0';
	return LK_OK;
}

bool lk_phone_tail_valid(const char *s)
{
	if (strlen(s) != 4)
		return false;
	for (int i = 0; i < 4; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

void lk_phone_mask(const char *e164, char *out, size_t outsz)
{
	const char *l = strncmp(e164, "+86", 3) == 0 ? e164 + 3 : e164;
	if (strlen(l) != 11) {
		snprintf(out, outsz, "****");
		return;
	}
	snprintf(out, outsz, "%.3s****%.4s", l, l + 7);
}

static bool leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

enum lk_rc lk_birthday_parse(const char *s, int this_year, int *year,
			     int *month, int *day, const char *field,
			     struct lk_err *err)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	size_t n = strlen(s);
	int y = 0, m = 0, d = 0;
	const char *md = s;
	if (n == 10) {
		for (int i = 0; i < 4; i++)
			if (!isdigit((unsigned char)s[i]))
				goto bad;
		if (s[4] != '-')
			goto bad;
		y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
		md = s + 5;
	} else if (n != 5) {
		goto bad;
	}
	if (!isdigit((unsigned char)md[0]) || !isdigit((unsigned char)md[1]) || md[2] != '-' ||
	    !isdigit((unsigned char)md[3]) || !isdigit((unsigned char)md[4]))
		goto bad;
	m = (md[0] - '0') * 10 + (md[1] - '0');
	d = (md[3] - '0') * 10 + (md[4] - '0');
	if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		goto bad;
	if (n == 10) {
		if (y < 1900 || y > this_year)
			return lk_fail(err, LK_EINVAL, "invalid_birthday", field,
				       "'%s' year must lie between 1900 and %d", field, this_year);
		if (m == 2 && d == 29 && !leap(y))
			goto bad;
	}
	*year = y;
	*month = m;
	*day = d;
	return LK_OK;
bad:
	return lk_fail(err, LK_EINVAL, "invalid_birthday", field,
		       "'%s' must be a real date written MM-DD or YYYY-MM-DD", field);
}

void lk_birthday_format(int year, int month, int day, char *out, size_t outsz)
{
	if (year > 0)
		snprintf(out, outsz, "%04d-%02d-%02d", year, month, day);
	else
		snprintf(out, outsz, "%02d-%02d", month, day);
}

enum lk_rc lk_money_check(int64_t fen, int64_t max, const char *field, struct lk_err *err)
{
	if (fen < 0 || fen > max)
		return lk_fail(err, LK_EINVAL, "invalid_amount", field,
			       "'%s' must be a whole number of fen between 0 and %lld", field,
			       (long long)max);
	return LK_OK;
}

size_t lk_utf8_chars(const char *s)
{
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p & 0xC0) != 0x80)
			n++;
	return n;
}

enum lk_rc lk_text_check(const char *s, size_t byte_len, size_t max_chars,
			 bool required, bool single_line, const char *field,
			 struct lk_err *err)
{
	if (strlen(s) != byte_len)
		return lk_fail(err, LK_EINVAL, "invalid_text", field,
			       "'%s' must not contain NUL characters", field);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x20 || *p == 0x7F) {
			if (single_line || (*p != '\n' && *p != '\r' && *p != '\t'))
				return lk_fail(err, LK_EINVAL, "invalid_text", field,
					       "'%s' must not contain control characters", field);
		}
	}
	size_t chars = lk_utf8_chars(s);
	if (required && chars == 0)
		return lk_fail(err, LK_EINVAL, "missing_field", field, "'%s' must not be empty",
			       field);
	if (chars > max_chars)
		return lk_fail(err, LK_EINVAL, "too_long", field,
			       "'%s' must be at most %zu characters", field, max_chars);
	return LK_OK;
}

/* Whether hay contains needle, ASCII letters compared without case (needle not empty). */
static bool contains_nocase(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	for (; *hay; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return true;
	return false;
}

/*
 * Whether s is one character repeated ("aaaaaaaaaa", "1111111111",
 * "哈哈哈哈哈哈哈哈哈哈"): compared by UTF-8 sequence, so a repeated Chinese
 * character counts as one character too.
 */
static bool one_char_repeated(const char *s, size_t n)
{
	size_t k = 1;
	while (k < n && ((unsigned char)s[k] & 0xC0) == 0x80)
		k++;
	if (n % k != 0)
		return false;
	for (size_t i = k; i < n; i += k)
		if (memcmp(s + i, s, k) != 0)
			return false;
	return true;
}

enum lk_rc lk_password_check(const char *password, const char *username, struct lk_err *err)
{
	size_t n = strlen(password);
	if (n < LK_PASSWORD_MIN || n > LK_PASSWORD_MAX)
		return lk_fail(err, LK_EINVAL, "weak_password", "password",
			       "'password' must be %d to %d bytes long", LK_PASSWORD_MIN,
			       LK_PASSWORD_MAX);
	/* the username is the first thing anyone guesses */
	if (username && *username && strcasecmp(password, username) == 0)
		return lk_fail(err, LK_EINVAL, "weak_password", "password",
			       "'password' must not be the username");
	if (username && *username && contains_nocase(password, username))
		return lk_fail(err, LK_EINVAL, "weak_password", "password",
			       "'password' must not contain the username");
	if (one_char_repeated(password, n))
		return lk_fail(err, LK_EINVAL, "weak_password", "password",
			       "'password' must not be one character repeated");
	return LK_OK;
}

enum lk_rc lk_username_check(const char *u, struct lk_err *err)
{
	size_t n = strlen(u);
	bool ok = n >= 3 && n <= 32 && u[0] >= 'a' && u[0] <= 'z';
	for (size_t i = 0; ok && i < n; i++) {
		char c = u[i];
		ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
		     c == '-';
	}
	if (!ok)
		return lk_fail(err, LK_EINVAL, "invalid_username", "username",
			       "'username' must be 3 to 32 of a-z 0-9 _ . - starting with a letter");
	return LK_OK;
}

enum lk_rc lk_store_code_check(const char *c, struct lk_err *err)
{
	size_t n = strlen(c);
	bool ok = n >= 1 && n <= 16;
	for (size_t i = 0; ok && i < n; i++)
		ok = (c[i] >= 'A' && c[i] <= 'Z') || (c[i] >= '0' && c[i] <= '9') || c[i] == '_' ||
		     c[i] == '-';
	if (!ok)
		return lk_fail(err, LK_EINVAL, "invalid_code", "code",
			       "'code' must be 1 to 16 of A-Z 0-9 _ -");
	return LK_OK;
}
