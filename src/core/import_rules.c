/*
 * import_rules.c - see import_rules.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/import_rules.h"
#include "core/rules.h"
#include "util/timeutil.h"

const char *const lk_import_field_names[LK_IF_COUNT] = {
	[LK_IF_NONE] = "",
	[LK_IF_NAME] = "name",
	[LK_IF_PHONE] = "phone",
	[LK_IF_GENDER] = "gender",
	[LK_IF_BIRTHDAY] = "birthday",
	[LK_IF_STORE] = "store",
	[LK_IF_NOTES] = "notes",
	[LK_IF_TAGS] = "tags",
	[LK_IF_ALLERGY] = "allergy",
	[LK_IF_SOURCE] = "source",
	[LK_IF_ORDER_ID] = "order_id",
	[LK_IF_DATE] = "date",
	[LK_IF_TIME] = "time",
	[LK_IF_VISITED_AT] = "visited_at",
	[LK_IF_PARTY_SIZE] = "party_size",
	[LK_IF_AMOUNT] = "amount",
	[LK_IF_CHANNEL] = "channel",
	[LK_IF_DISH] = "dish",
	[LK_IF_DISH_CODE] = "dish_code",
	[LK_IF_QTY] = "qty",
	[LK_IF_UNIT_PRICE] = "unit_price",
	[LK_IF_CATEGORY] = "category",
	[LK_IF_CODE] = "code",
	[LK_IF_PRICE] = "price",
};

static const char *const kind_names[] = { "guests", "visits", "dishes" };

const char *lk_import_kind_name(enum lk_import_kind kind)
{
	return kind_names[kind];
}

int lk_import_kind_parse(const char *s)
{
	for (int i = 0; i < 3; i++)
		if (strcmp(s, kind_names[i]) == 0)
			return i;
	return -1;
}

bool lk_import_field_allowed(enum lk_import_kind kind, enum lk_import_field f)
{
	switch (kind) {
	case LK_IMPORT_GUESTS:
		return f >= LK_IF_NAME && f <= LK_IF_SOURCE;
	case LK_IMPORT_VISITS:
		return f == LK_IF_NAME || f == LK_IF_PHONE || f == LK_IF_STORE ||
		       (f >= LK_IF_ORDER_ID && f <= LK_IF_CATEGORY);
	case LK_IMPORT_DISHES:
		return f == LK_IF_NAME || f == LK_IF_CATEGORY || f == LK_IF_CODE ||
		       f == LK_IF_PRICE;
	}
	return false;
}

/* Built-in header names. Kind-specific entries first: "name" of a dish file is the dish. */
static const struct {
	int kind; /* -1: any kind */
	const char *header;
	enum lk_import_field f;
} synonyms[] = {
	{ LK_IMPORT_DISHES, "菜品", LK_IF_NAME },
	{ LK_IMPORT_DISHES, "菜名", LK_IF_NAME },
	{ LK_IMPORT_DISHES, "名称", LK_IF_NAME },
	{ LK_IMPORT_DISHES, "name", LK_IF_NAME },
	{ LK_IMPORT_DISHES, "item_name", LK_IF_NAME },
	{ LK_IMPORT_DISHES, "dish", LK_IF_NAME },
	{ LK_IMPORT_DISHES, "编号", LK_IF_CODE },
	{ LK_IMPORT_DISHES, "菜品编号", LK_IF_CODE },
	{ LK_IMPORT_DISHES, "code", LK_IF_CODE },
	{ LK_IMPORT_DISHES, "item_id", LK_IF_CODE },
	{ LK_IMPORT_DISHES, "menu_item_id", LK_IF_CODE },
	{ LK_IMPORT_DISHES, "价格", LK_IF_PRICE },
	{ LK_IMPORT_DISHES, "单价", LK_IF_PRICE },
	{ LK_IMPORT_DISHES, "price", LK_IF_PRICE },
	{ LK_IMPORT_DISHES, "unit_price", LK_IF_PRICE },
	{ -1, "姓名", LK_IF_NAME },
	{ -1, "name", LK_IF_NAME },
	{ -1, "手机", LK_IF_PHONE },
	{ -1, "手机号", LK_IF_PHONE },
	{ -1, "电话", LK_IF_PHONE },
	{ -1, "phone", LK_IF_PHONE },
	{ -1, "mobile", LK_IF_PHONE },
	{ -1, "性别", LK_IF_GENDER },
	{ -1, "gender", LK_IF_GENDER },
	{ -1, "生日", LK_IF_BIRTHDAY },
	{ -1, "birthday", LK_IF_BIRTHDAY },
	{ -1, "门店", LK_IF_STORE },
	{ -1, "store", LK_IF_STORE },
	{ -1, "备注", LK_IF_NOTES },
	{ -1, "notes", LK_IF_NOTES },
	{ -1, "标签", LK_IF_TAGS },
	{ -1, "tags", LK_IF_TAGS },
	{ -1, "过敏", LK_IF_ALLERGY },
	{ -1, "allergy", LK_IF_ALLERGY },
	{ -1, "来源", LK_IF_SOURCE },
	{ -1, "source", LK_IF_SOURCE },
	{ -1, "订单号", LK_IF_ORDER_ID },
	{ -1, "单号", LK_IF_ORDER_ID },
	{ -1, "pos_order_id", LK_IF_ORDER_ID },
	{ -1, "order_id", LK_IF_ORDER_ID },
	{ -1, "日期", LK_IF_DATE },
	{ -1, "date", LK_IF_DATE },
	{ -1, "order_date", LK_IF_DATE },
	{ -1, "时间", LK_IF_TIME },
	{ -1, "time", LK_IF_TIME },
	{ -1, "order_time", LK_IF_TIME },
	{ -1, "消费时间", LK_IF_VISITED_AT },
	{ -1, "到店时间", LK_IF_VISITED_AT },
	{ -1, "visited_at", LK_IF_VISITED_AT },
	{ -1, "人数", LK_IF_PARTY_SIZE },
	{ -1, "party_size", LK_IF_PARTY_SIZE },
	{ -1, "消费金额", LK_IF_AMOUNT },
	{ -1, "金额", LK_IF_AMOUNT },
	{ -1, "amount", LK_IF_AMOUNT },
	{ -1, "渠道", LK_IF_CHANNEL },
	{ -1, "channel", LK_IF_CHANNEL },
	{ -1, "菜品", LK_IF_DISH },
	{ -1, "dish", LK_IF_DISH },
	{ -1, "item_name", LK_IF_DISH },
	{ -1, "菜品编号", LK_IF_DISH_CODE },
	{ -1, "dish_code", LK_IF_DISH_CODE },
	{ -1, "item_id", LK_IF_DISH_CODE },
	{ -1, "数量", LK_IF_QTY },
	{ -1, "qty", LK_IF_QTY },
	{ -1, "quantity", LK_IF_QTY },
	{ -1, "单价", LK_IF_UNIT_PRICE },
	{ -1, "unit_price", LK_IF_UNIT_PRICE },
	{ -1, "类别", LK_IF_CATEGORY },
	{ -1, "分类", LK_IF_CATEGORY },
	{ -1, "category", LK_IF_CATEGORY },
};

char *lk_import_trim(char *s)
{
	char *p = s;
	for (;;) {
		if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		else if (strncmp(p, "\xe3\x80\x80", 3) == 0) /* U+3000 ideographic space */
			p += 3;
		else
			break;
	}
	size_t n = strlen(p);
	for (;;) {
		if (n && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r' || p[n - 1] == '\n'))
			n--;
		else if (n >= 3 && memcmp(p + n - 3, "\xe3\x80\x80", 3) == 0)
			n -= 3;
		else
			break;
	}
	memmove(s, p, n);
	s[n] = '\0';
	return s;
}

/* Copy s trimmed into out; false when it does not fit. */
static bool trimmed(const char *s, char *out, size_t outsz)
{
	if (strlen(s) >= outsz)
		return false;
	memcpy(out, s, strlen(s) + 1);
	lk_import_trim(out);
	return true;
}

static int field_by_name(enum lk_import_kind kind, const char *name)
{
	if (strcmp(name, "-") == 0)
		return LK_IF_NONE;
	for (int f = 1; f < LK_IF_COUNT; f++)
		if (strcmp(lk_import_field_names[f], name) == 0 &&
		    lk_import_field_allowed(kind, (enum lk_import_field)f))
			return f;
	return -1;
}

enum lk_rc lk_import_map_parse(const char *spec, enum lk_import_kind kind,
			       struct lk_import_map *m, struct lk_err *err)
{
	m->n = 0;
	if (!spec)
		return LK_OK;
	const char *p = spec;
	while (*p) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		char pair[300];
		if (len >= sizeof(pair))
			return lk_fail(err, LK_EINVAL, "invalid_map", "map", "map entry is too long");
		memcpy(pair, p, len);
		pair[len] = '\0';
		p += len + (end ? 1 : 0);
		lk_import_trim(pair);
		if (!pair[0])
			continue;
		char *eq = strrchr(pair, '=');
		if (!eq)
			return lk_fail(err, LK_EINVAL, "invalid_map", "map",
				       "map entry '%s' is not SRC=FIELD", pair);
		*eq = '\0';
		char *src = lk_import_trim(pair), *dst = lk_import_trim(eq + 1);
		int f = field_by_name(kind, dst);
		if (f < 0)
			return lk_fail(err, LK_EINVAL, "invalid_map", "map",
				       "'%s' is not a column of %s files", dst,
				       lk_import_kind_name(kind));
		if (!src[0] || strlen(src) >= sizeof(m->e[0].src))
			return lk_fail(err, LK_EINVAL, "invalid_map", "map",
				       "map entry for '%s' has no valid source column", dst);
		if (m->n == LK_IMPORT_MAP_MAX)
			return lk_fail(err, LK_EINVAL, "invalid_map", "map",
				       "more than %d map entries", LK_IMPORT_MAP_MAX);
		snprintf(m->e[m->n].src, sizeof(m->e[m->n].src), "%s", src);
		m->e[m->n].dst = (enum lk_import_field)f;
		m->n++;
	}
	return LK_OK;
}

enum lk_import_field lk_import_header_field(enum lk_import_kind kind,
					    const struct lk_import_map *m, const char *header)
{
	char h[256];
	if (!trimmed(header, h, sizeof(h)))
		return LK_IF_NONE;
	for (int i = 0; m && i < m->n; i++)
		if (strcasecmp(m->e[i].src, h) == 0)
			return m->e[i].dst;
	for (size_t i = 0; i < sizeof(synonyms) / sizeof(synonyms[0]); i++) {
		if (synonyms[i].kind >= 0 && synonyms[i].kind != (int)kind)
			continue;
		if (strcasecmp(synonyms[i].header, h) == 0 &&
		    lk_import_field_allowed(kind, synonyms[i].f))
			return synonyms[i].f;
	}
	return LK_IF_NONE;
}

enum lk_rc lk_yuan_to_fen(const char *s, int64_t max_fen, int64_t *fen, const char *field,
			  struct lk_err *err)
{
	char t[64];
	if (!trimmed(s, t, sizeof(t)) || !t[0])
		return lk_fail(err, LK_EINVAL, "invalid_amount", field,
			       "'%.40s' is not an amount in yuan", s);
	const char *p = t;
	if (strncmp(p, "\xc2\xa5", 2) == 0) /* ¥ */
		p += 2;
	else if (strncmp(p, "\xef\xbf\xa5", 3) == 0) /* ￥ */
		p += 3;
	int64_t yuan = 0, cents = 0;
	int digits = 0, group = -1;
	for (; (*p >= '0' && *p <= '9') || *p == ','; p++) {
		if (*p == ',') {
			/* thousands separators only: groups of exactly three digits */
			if (!digits || (group >= 0 && group != 3) || (group < 0 && digits > 3))
				goto bad;
			group = 0;
			continue;
		}
		if (yuan > max_fen / 100 + 1)
			goto toobig;
		yuan = yuan * 10 + (*p - '0');
		digits++;
		if (group >= 0)
			group++;
	}
	if (!digits || (group >= 0 && group != 3))
		goto bad;
	if (*p == '.') {
		p++;
		int dec = 0;
		if (*p < '0' || *p > '9')
			goto bad;
		for (; *p >= '0' && *p <= '9'; p++, dec++) {
			if (dec < 2)
				cents = cents * 10 + (*p - '0');
			else if (*p != '0')
				return lk_fail(err, LK_EINVAL, "invalid_amount", field,
					       "'%s' has fractions of a fen", t);
		}
		if (dec == 1)
			cents *= 10;
	}
	if (*p)
		goto bad;
	if (yuan > (max_fen - cents) / 100)
		goto toobig;
	*fen = yuan * 100 + cents;
	if (*fen > max_fen)
		goto toobig;
	return LK_OK;
bad:
	return lk_fail(err, LK_EINVAL, "invalid_amount", field, "'%s' is not an amount in yuan", t);
toobig:
	return lk_fail(err, LK_EINVAL, "invalid_amount", field, "'%s' is more than ¥%lld", t,
		       (long long)(max_fen / 100));
}

enum lk_rc lk_import_int(const char *s, int64_t lo, int64_t hi, int64_t *out,
			 const char *field, struct lk_err *err)
{
	char t[32];
	if (!trimmed(s, t, sizeof(t)) || !t[0])
		return lk_fail(err, LK_EINVAL, "invalid_number", field, "'%.30s' is not a whole number",
			       s);
	int64_t v = 0;
	for (const char *p = t; *p; p++) {
		if (*p < '0' || *p > '9')
			return lk_fail(err, LK_EINVAL, "invalid_number", field,
				       "'%s' is not a whole number", t);
		if (v > hi)
			break;
		v = v * 10 + (*p - '0');
	}
	if (v < lo || v > hi)
		return lk_fail(err, LK_EINVAL, "invalid_number", field, "'%s' is not within %lld..%lld",
			       t, (long long)lo, (long long)hi);
	*out = v;
	return LK_OK;
}

int lk_date_order_parse(const char *s)
{
	if (strcmp(s, "ymd") == 0)
		return LK_DATE_YMD;
	if (strcmp(s, "dmy") == 0)
		return LK_DATE_DMY;
	if (strcmp(s, "mdy") == 0)
		return LK_DATE_MDY;
	return -1;
}

/* Up to maxd ASCII digits at *p; -1 when none. */
static int num(const char **p, int maxd)
{
	int v = 0, d = 0;
	while (**p >= '0' && **p <= '9' && d < maxd) {
		v = v * 10 + (**p - '0');
		(*p)++;
		d++;
	}
	if (!d || (**p >= '0' && **p <= '9'))
		return -1;
	return v;
}

static bool leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int mdays(int y, int m)
{
	static const int d[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	return m == 2 && leap(y) ? 29 : d[m - 1];
}

/* Parse a time at p: H:MM[:SS] [AM|PM|上午|下午]; p must then end. */
static bool parse_time(const char *p, int *hh, int *mm, int *ss)
{
	bool pm = false, am = false;
	while (*p == ' ')
		p++;
	if (strncmp(p, "上午", 6) == 0) {
		am = true;
		p += 6;
	} else if (strncmp(p, "下午", 6) == 0 || strncmp(p, "晚上", 6) == 0) {
		pm = true;
		p += 6;
	}
	int h = num(&p, 2);
	if (h < 0 || *p++ != ':')
		return false;
	int m = num(&p, 2), s = 0;
	if (m < 0)
		return false;
	if (*p == ':') {
		p++;
		if ((s = num(&p, 2)) < 0)
			return false;
		if (*p == '.') /* fractions of a second: dropped */
			for (p++; *p >= '0' && *p <= '9'; p++)
				;
	}
	while (*p == ' ')
		p++;
	if (!am && !pm) {
		if (strcasecmp(p, "AM") == 0 || strcasecmp(p, "A.M.") == 0) {
			am = true;
			p += strlen(p);
		} else if (strcasecmp(p, "PM") == 0 || strcasecmp(p, "P.M.") == 0) {
			pm = true;
			p += strlen(p);
		}
	}
	if (*p || m > 59 || s > 59)
		return false;
	if (am || pm) {
		if (h < 1 || h > 12)
			return false;
		h = h % 12 + (pm ? 12 : 0);
	} else if (h > 23) {
		return false;
	}
	*hh = h;
	*mm = m;
	*ss = s;
	return true;
}

enum lk_rc lk_import_datetime(const char *date, const char *time, enum lk_date_order order,
			      int offset_min, int64_t *t, const char *field,
			      struct lk_err *err)
{
	char d[80];
	if (!trimmed(date ? date : "", d, sizeof(d)) || !d[0])
		return lk_fail(err, LK_EINVAL, "invalid_date", field, "a date is required");
	const char *p = d;
	int a = num(&p, 4), y, m, day;
	char sep = *p;
	bool cn = strncmp(p, "年", 3) == 0;
	if (a < 0 || (!cn && sep != '-' && sep != '/' && sep != '.'))
		goto bad;
	p += cn ? 3 : 1;
	int b = num(&p, 2);
	if (b < 0 || (cn ? strncmp(p, "月", 3) != 0 : *p != sep))
		goto bad;
	p += cn ? 3 : 1;
	int c = num(&p, 4);
	if (c < 0)
		goto bad;
	if (cn) {
		if (strncmp(p, "日", 3) != 0)
			goto bad;
		p += 3;
	}
	if (a >= 1000) { /* year first, whatever the order says */
		y = a, m = b, day = c;
	} else if (c >= 1000 && order == LK_DATE_DMY) {
		y = c, m = b, day = a;
	} else if (c >= 1000 && order == LK_DATE_MDY) {
		y = c, m = a, day = b;
	} else if (c >= 1000) {
		return lk_fail(err, LK_EINVAL, "ambiguous_date", field,
			       "'%s' has the year last: say --date-format dmy or mdy", d);
	} else {
		goto bad;
	}
	if (y < 1900 || y > 2200 || m < 1 || m > 12 || day < 1 || day > mdays(y, m))
		return lk_fail(err, LK_EINVAL, "invalid_date", field, "'%s' is not a real date", d);
	int hh = 0, mi = 0, ss = 0;
	char tm[40] = "";
	bool in_date = false;
	if (*p == ' ' || *p == 'T') {
		in_date = true;
		snprintf(tm, sizeof(tm), "%s", p + 1);
		if (time && *time)
			return lk_fail(err, LK_EINVAL, "invalid_date", field,
				       "'%s' has a time and so does the time column", d);
	} else if (*p) {
		goto bad;
	} else if (time && !trimmed(time, tm, sizeof(tm))) {
		return lk_fail(err, LK_EINVAL, "invalid_time", "time", "'%.30s' is not a time", time);
	}
	if (tm[0] && !parse_time(tm, &hh, &mi, &ss))
		return lk_fail(err, LK_EINVAL, "invalid_time", in_date ? field : "time",
			       "'%s' is not a time (HH:MM[:SS], AM/PM allowed)", tm);
	*t = lk_days_from_civil(y, (unsigned)m, (unsigned)day) * 86400 + hh * 3600 + mi * 60 +
	     ss - (int64_t)offset_min * 60;
	return LK_OK;
bad:
	return lk_fail(err, LK_EINVAL, "invalid_date", field,
		       "'%s' is not a date (2024-03-05, 2024/3/5, 05/03/2024)", d);
}

int lk_encoding_parse(const char *s)
{
	if (strcasecmp(s, "auto") == 0)
		return LK_ENC_AUTO;
	if (strcasecmp(s, "utf-8") == 0 || strcasecmp(s, "utf8") == 0)
		return LK_ENC_UTF8;
	if (strcasecmp(s, "gb18030") == 0 || strcasecmp(s, "gbk") == 0 ||
	    strcasecmp(s, "gb2312") == 0)
		return LK_ENC_GB18030;
	return -1;
}

size_t lk_utf8_valid_prefix(const unsigned char *p, size_t n, bool at_end)
{
	size_t i = 0;
	while (i < n) {
		unsigned c = p[i];
		size_t len;
		unsigned min;
		if (c < 0x80) {
			i++;
			continue;
		} else if (c >= 0xc2 && c <= 0xdf) {
			len = 2, min = 0x80;
		} else if (c >= 0xe0 && c <= 0xef) {
			len = 3, min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			len = 4, min = 0x10000;
		} else {
			return i;
		}
		if (i + len > n) {
			/* cut by the buffer's end: fine if what is there fits */
			for (size_t k = i + 1; k < n; k++)
				if ((p[k] & 0xc0) != 0x80)
					return i;
			return at_end ? i : n;
		}
		unsigned cp = c & (0xff >> (len + 1));
		for (size_t k = 1; k < len; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return i;
			cp = (cp << 6) | (p[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return i;
		i += len;
	}
	return i;
}

enum lk_encoding lk_encoding_detect(const unsigned char *p, size_t n, bool at_end)
{
	return lk_utf8_valid_prefix(p, n, at_end) == n ? LK_ENC_UTF8 : LK_ENC_GB18030;
}

size_t lk_utf8_bom_len(const unsigned char *p, size_t n)
{
	return n >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf ? 3 : 0;
}

struct word {
	const char *in, *out;
};

static enum lk_rc vocab(const struct word *w, const char *s, char *out, size_t outsz,
			const char *field, const char *dflt, struct lk_err *err)
{
	char t[64];
	if (!trimmed(s ? s : "", t, sizeof(t)))
		return lk_fail(err, LK_EINVAL, "invalid_value", field, "'%s' is too long", field);
	if (!t[0] && dflt) {
		snprintf(out, outsz, "%s", dflt);
		return LK_OK;
	}
	for (; w->in; w++) {
		if (strcasecmp(w->in, t) == 0) {
			snprintf(out, outsz, "%s", w->out);
			return LK_OK;
		}
	}
	return lk_fail(err, LK_EINVAL, "invalid_value", field, "'%s' is not a known %s", t,
		       field);
}

enum lk_rc lk_import_gender(const char *s, char *out, size_t outsz, struct lk_err *err)
{
	static const struct word w[] = {
		{ "男", "male" }, { "male", "male" }, { "m", "male" }, { "先生", "male" },
		{ "女", "female" }, { "female", "female" }, { "f", "female" }, { "女士", "female" },
		{ "未知", "unknown" }, { "unknown", "unknown" }, { NULL, NULL },
	};
	return vocab(w, s, out, outsz, "gender", "unknown", err);
}

enum lk_rc lk_import_channel(const char *s, char *out, size_t outsz, struct lk_err *err)
{
	static const struct word w[] = {
		{ "堂食", "dine_in" }, { "dine_in", "dine_in" }, { "dine-in", "dine_in" },
		{ "外带", "takeout" }, { "打包", "takeout" }, { "自提", "takeout" },
		{ "takeout", "takeout" }, { "外卖", "delivery" }, { "delivery", "delivery" },
		{ NULL, NULL },
	};
	return vocab(w, s, out, outsz, "channel", "dine_in", err);
}

enum lk_rc lk_import_category(const char *s, char *out, size_t outsz, struct lk_err *err)
{
	static const struct word w[] = {
		{ "肉类", "meat" }, { "荤菜", "meat" }, { "meat", "meat" },
		{ "海鲜", "seafood" }, { "水产", "seafood" }, { "seafood", "seafood" },
		{ "蔬菜", "vegetable" }, { "素菜", "vegetable" }, { "vegetable", "vegetable" },
		{ "锅底", "soup_base" }, { "soup_base", "soup_base" },
		{ "主食", "staple" }, { "staple", "staple" },
		{ "小吃", "snack" }, { "snack", "snack" },
		{ "饮品", "drink" }, { "酒水", "drink" }, { "drink", "drink" },
		{ "甜品", "dessert" }, { "dessert", "dessert" }, { NULL, NULL },
	};
	return vocab(w, s, out, outsz, "category", NULL, err);
}

enum lk_rc lk_import_source(const char *s, char *out, size_t outsz, struct lk_err *err)
{
	static const struct word w[] = {
		{ "会员卡", "member_card" }, { "member_card", "member_card" },
		{ "网上预订", "online_booking" }, { "在线预订", "online_booking" },
		{ "online_booking", "online_booking" }, { "服务员", "waiter" },
		{ "waiter", "waiter" }, { "问卷", "survey" }, { "survey", "survey" },
		{ "收银", "pos" }, { "pos", "pos" }, { "导入", "import" }, { "import", "import" },
		{ "散客", "walk_in" }, { "walk_in", "walk_in" }, { NULL, NULL },
	};
	return vocab(w, s, out, outsz, "source", "import", err);
}

int lk_import_split_tags(const char *s, char (*out)[81], int max)
{
	static const char *const seps[] = { "、", "，", "；", ",", ";", "|", NULL };
	int n = 0;
	const char *p = s;
	while (*p) {
		const char *end = NULL;
		size_t seplen = 0;
		for (const char *q = p; *q && !end; q++) {
			for (int k = 0; seps[k]; k++) {
				size_t l = strlen(seps[k]);
				if (strncmp(q, seps[k], l) == 0) {
					end = q;
					seplen = l;
					break;
				}
			}
		}
		size_t len = end ? (size_t)(end - p) : strlen(p);
		char tag[256];
		if (len >= sizeof(tag))
			return -1;
		memcpy(tag, p, len);
		tag[len] = '\0';
		lk_import_trim(tag);
		if (tag[0]) {
			if (n == max || strlen(tag) >= sizeof(out[0]))
				return -1;
			bool dup = false;
			for (int i = 0; i < n; i++)
				dup = dup || strcmp(out[i], tag) == 0;
			if (!dup)
				memcpy(out[n++], tag, strlen(tag) + 1);
		}
		p += len + seplen;
	}
	return n;
}
