#include "core/dedupe.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "+86" and 11 ASCII digits: the national part, or NULL. */
static const char *national(const char *phone)
{
	if (!phone || strncmp(phone, "+86", 3) != 0 || strlen(phone) != 14)
		return NULL;
	for (int i = 3; i < 14; i++)
		if (phone[i] < '0' || phone[i] > '9')
			return NULL;
	return phone + 3;
}

int lk_phone_variants(const char *phone, char out[][LK_PHONE_E164_LEN])
{
	const char *n = national(phone);
	if (!n)
		return 0;
	int k = 0;
	for (int i = 0; i < 11; i++) {
		for (char d = '0'; d <= '9'; d++) {
			if (d == n[i] || (i == 0 && d != '1'))
				continue;
			memcpy(out[k], phone, LK_PHONE_E164_LEN);
			out[k][3 + i] = d;
			k++;
		}
	}
	for (int i = 0; i < 10; i++) {
		if (n[i] == n[i + 1] || (i == 0 && n[1] != '1'))
			continue;
		memcpy(out[k], phone, LK_PHONE_E164_LEN);
		out[k][3 + i] = n[i + 1];
		out[k][3 + i + 1] = n[i];
		k++;
	}
	return k;
}

enum lk_phone_edit lk_phone_edit(const char *a, const char *b)
{
	const char *x = national(a), *y = national(b);
	if (!x || !y)
		return LK_PHONE_EDIT_NONE;
	int diff[11], nd = 0;
	for (int i = 0; i < 11; i++)
		if (x[i] != y[i]) {
			if (nd == 2)
				return LK_PHONE_EDIT_NONE;
			diff[nd++] = i;
		}
	if (nd == 1)
		return LK_PHONE_EDIT_SUBST;
	if (nd == 2 && diff[1] == diff[0] + 1 && x[diff[0]] == y[diff[1]] &&
	    x[diff[1]] == y[diff[0]])
		return LK_PHONE_EDIT_SWAP;
	return LK_PHONE_EDIT_NONE;
}

#define NAME_CP_MAX 64

/* Decode UTF-8 into code points; at most max, the rest ignored. */
static int codepoints(const char *s, unsigned *out, int max)
{
	const unsigned char *p = (const unsigned char *)s;
	int n = 0;
	while (*p && n < max) {
		unsigned c = *p;
		int extra = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc0 ? 1 : 0;
		if (extra)
			c &= 0x3fu >> extra;
		p++;
		for (int i = 0; i < extra && (*p & 0xc0) == 0x80; i++, p++)
			c = (c << 6) | (*p & 0x3f);
		out[n++] = c;
	}
	return n;
}

/* At most one insertion, deletion or substitution apart (and not equal). */
static bool one_edit(const unsigned *a, int na, const unsigned *b, int nb)
{
	if (na < nb)
		return one_edit(b, nb, a, na);
	if (na - nb > 1)
		return false;
	int i = 0;
	while (i < nb && a[i] == b[i])
		i++;
	if (na == nb) {
		if (i == na)
			return false;
		return memcmp(a + i + 1, b + i + 1, (size_t)(na - i - 1) * sizeof(*a)) == 0;
	}
	/* a is one longer: drop a[i] */
	return memcmp(a + i + 1, b + i, (size_t)(nb - i) * sizeof(*a)) == 0;
}

bool lk_name_generic(const char *name)
{
	static const char *const address[] = { "先生", "女士", "小姐", "太太", NULL };
	unsigned cp[NAME_CP_MAX];
	int n = codepoints(name, cp, NAME_CP_MAX);
	if (n < 3 || n > 4)
		return false;
	size_t len = strlen(name);
	for (int i = 0; address[i]; i++) {
		size_t al = strlen(address[i]);
		if (len > al && strcmp(name + len - al, address[i]) == 0)
			return true;
	}
	return false;
}

enum lk_name_match lk_name_match(const char *a, const char *b)
{
	if (!a || !b || !*a || !*b)
		return LK_NAME_DIFFERENT;
	if (strcmp(a, b) == 0)
		return lk_name_generic(a) ? LK_NAME_SIMILAR : LK_NAME_SAME;
	unsigned ca[NAME_CP_MAX], cb[NAME_CP_MAX];
	int na = codepoints(a, ca, NAME_CP_MAX), nb = codepoints(b, cb, NAME_CP_MAX);
	if (na < 2 || nb < 2)
		return LK_NAME_DIFFERENT;
	return one_edit(ca, na, cb, nb) ? LK_NAME_SIMILAR : LK_NAME_DIFFERENT;
}

static bool known_gender(const char *g)
{
	return g && *g && strcmp(g, "unknown") != 0;
}

int lk_dupe_score(const struct lk_dupe_key *a, const struct lk_dupe_key *b, unsigned *reasons)
{
	*reasons = 0;
	if (a->id == b->id && a->id)
		return 0;
	enum lk_name_match nm = lk_name_match(a->name, b->name);
	bool both_bday = a->birth_month && b->birth_month;
	bool bday_same = both_bday && a->birth_month == b->birth_month &&
			 a->birth_day == b->birth_day &&
			 (!a->birth_year || !b->birth_year || a->birth_year == b->birth_year);
	bool has_a = a->phone && *a->phone, has_b = b->phone && *b->phone;
	int best = 0, n = 0;
	if (nm != LK_NAME_DIFFERENT && has_a && has_b &&
	    lk_phone_edit(a->phone, b->phone) != LK_PHONE_EDIT_NONE) {
		*reasons |= LK_DUPE_PHONE_ONE_EDIT;
		best = nm == LK_NAME_SAME ? 90 : 70;
		n++;
	}
	if (nm == LK_NAME_SAME && bday_same) {
		*reasons |= LK_DUPE_NAME_BIRTHDAY;
		int base = a->birth_year && b->birth_year ? 80 : 65;
		best = best > base ? best : base;
		n++;
	}
	if (nm == LK_NAME_SAME && a->home_store_id && a->home_store_id == b->home_store_id &&
	    (!has_a || !has_b)) {
		*reasons |= LK_DUPE_NAME_STORE_NO_PHONE;
		best = best > 60 ? best : 60;
		n++;
	}
	if (!n)
		return 0;
	int score = best + 5 * (n - 1);
	if (both_bday && !bday_same)
		score -= 30;
	if (known_gender(a->gender) && known_gender(b->gender) && strcmp(a->gender, b->gender) != 0)
		score -= 15;
	return score < 0 ? 0 : score > 100 ? 100 : score;
}

const char *lk_dupe_reason_name(unsigned bit)
{
	switch (bit) {
	case LK_DUPE_PHONE_ONE_EDIT: return "phone_one_edit";
	case LK_DUPE_NAME_BIRTHDAY: return "same_name_birthday";
	case LK_DUPE_NAME_STORE_NO_PHONE: return "same_name_store_no_phone";
	default: return NULL;
	}
}

/* kept->notes + "\n" + line when it fits and is not there yet. */
static bool notes_add(struct lk_customer *kept, const char *line)
{
	if (!line || !*line)
		return true;
	const char *cur = kept->notes ? kept->notes : "";
	if (strstr(cur, line))
		return true;
	if (lk_utf8_chars(cur) + (*cur ? 1 : 0) + lk_utf8_chars(line) > LK_NOTES_MAX)
		return true;
	size_t n = strlen(cur) + 1 + strlen(line) + 1;
	char *s = malloc(n);
	if (!s)
		return false;
	snprintf(s, n, "%s%s%s", cur, *cur ? "\n" : "", line);
	free(kept->notes);
	kept->notes = s;
	return true;
}

bool lk_merge_fill(struct lk_customer *kept, const struct lk_customer *from)
{
	if (!kept->name[0])
		memcpy(kept->name, from->name, sizeof(kept->name));
	if (!kept->home_store_id)
		kept->home_store_id = from->home_store_id;
	if (!kept->gender[0] || strcmp(kept->gender, "unknown") == 0)
		memcpy(kept->gender, from->gender, sizeof(kept->gender));
	if (!kept->birth_month) {
		kept->birth_year = from->birth_year;
		kept->birth_month = from->birth_month;
		kept->birth_day = from->birth_day;
	} else if (!kept->birth_year && kept->birth_month == from->birth_month &&
		   kept->birth_day == from->birth_day) {
		kept->birth_year = from->birth_year;
	}
	if (!kept->consent_at && from->consent_at) {
		kept->consent = from->consent;
		kept->consent_at = from->consent_at;
		memcpy(kept->consent_channel, from->consent_channel, sizeof(kept->consent_channel));
	}
	if (!notes_add(kept, from->notes))
		return false;
	if (from->phone[0] && !kept->phone[0]) {
		memcpy(kept->phone, from->phone, sizeof(kept->phone));
	} else if (from->phone[0] && strcmp(from->phone, kept->phone) != 0) {
		char line[48];
		snprintf(line, sizeof(line), "#%lld %s", (long long)from->id, from->phone);
		if (!notes_add(kept, line))
			return false;
	}
	return true;
}
