/*
 * import_rules.h - the pure rules of CSV import: which column means what,
 * yuan text to fen, the date and time forms restaurants export, encoding
 * detection, and the small vocabularies (gender, channel, category) in
 * Chinese or English. No I/O: the reader lives in api/import_run.c.
 *
 * Every parser returns LK_OK or LK_EINVAL with err naming the field and
 * quoting the bad text, so the CLI's report line reads
 * "FILE:LINE: column 'X': <message>".
 */
#ifndef LK_IMPORT_RULES_H
#define LK_IMPORT_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/rc.h"

enum lk_import_kind {
	LK_IMPORT_GUESTS,
	LK_IMPORT_VISITS,
	LK_IMPORT_DISHES,
};

/* What a column of the file means. LK_IF_NONE: not ours, ignored. */
enum lk_import_field {
	LK_IF_NONE = 0,
	LK_IF_NAME,       /* guest name; in a dish file the dish name */
	LK_IF_PHONE,
	LK_IF_GENDER,
	LK_IF_BIRTHDAY,
	LK_IF_STORE,      /* store code or name */
	LK_IF_NOTES,
	LK_IF_TAGS,
	LK_IF_ALLERGY,
	LK_IF_SOURCE,
	LK_IF_ORDER_ID,
	LK_IF_DATE,
	LK_IF_TIME,
	LK_IF_VISITED_AT, /* date and time in one cell */
	LK_IF_PARTY_SIZE,
	LK_IF_AMOUNT,
	LK_IF_CHANNEL,
	LK_IF_DISH,       /* dish by name */
	LK_IF_DISH_CODE,  /* dish by the POS's item code */
	LK_IF_QTY,
	LK_IF_UNIT_PRICE,
	LK_IF_CATEGORY,
	LK_IF_CODE,       /* a dish file's item code */
	LK_IF_PRICE,      /* a dish file's price */
	LK_IF_COUNT
};

/* Canonical (English) name of each field: "name", "phone", ...; [0] = "". */
extern const char *const lk_import_field_names[LK_IF_COUNT];

/* The name of a kind: "guests", "visits", "dishes"; -1 from parse when unknown. */
const char *lk_import_kind_name(enum lk_import_kind kind);
int lk_import_kind_parse(const char *s);

/* Whether field f belongs to files of this kind. */
bool lk_import_field_allowed(enum lk_import_kind kind, enum lk_import_field f);

#define LK_IMPORT_MAP_MAX 32

/* The user's --map 'src=dst,...': header text -> field, checked against a kind. */
struct lk_import_map {
	int n;
	struct {
		char src[128];             /* header text as written in the file */
		enum lk_import_field dst;
	} e[LK_IMPORT_MAP_MAX];
};

/*
 * Parse "src=dst,src2=dst2" (spaces around names are trimmed; dst is a
 * canonical field name of kind, or "-" to ignore the column). NULL or ""
 * gives an empty map. LK_EINVAL ("invalid_map", field "map") otherwise.
 */
enum lk_rc lk_import_map_parse(const char *spec, enum lk_import_kind kind,
			       struct lk_import_map *m, struct lk_err *err);

/*
 * The field a header cell names: the user's map first, then the built-in
 * Chinese and English names (case-insensitive, surrounding blanks ignored).
 * m may be NULL. LK_IF_NONE for unknown headers and those the map sends to "-".
 */
enum lk_import_field lk_import_header_field(enum lk_import_kind kind,
					    const struct lk_import_map *m, const char *header);

/*
 * Yuan as decimal text ("128", "128.5", "128.50", "¥1,280.00") to fen,
 * exactly, without floating point. More than two decimals are refused
 * unless they are zeros; so are signs, exponents and values above max fen.
 */
enum lk_rc lk_yuan_to_fen(const char *s, int64_t max_fen, int64_t *fen, const char *field,
			  struct lk_err *err);

/* A whole number lo..hi written plainly (blanks around it allowed). */
enum lk_rc lk_import_int(const char *s, int64_t lo, int64_t hi, int64_t *out,
			 const char *field, struct lk_err *err);

enum lk_date_order {
	LK_DATE_YMD, /* 2024-03-05, 2024/3/5, 2024年3月5日 */
	LK_DATE_DMY, /* 05/03/2024 */
	LK_DATE_MDY, /* 03/05/2024 */
};
/* "ymd", "dmy", "mdy"; -1 when unknown. */
int lk_date_order_parse(const char *s);

/*
 * A local date and time to Unix seconds, the wall clock read at offset_min
 * minutes east of UTC (the store's zone). date is required; it may carry
 * the time itself after a blank or 'T' ("2024/3/5 18:30", "1/01/2023
 * 11:38:36 AM"); time (may be NULL or "") is a separate cell "HH:MM",
 * "HH:MM:SS", 12-hour with AM/PM (or 上午/下午). No time means midnight.
 * Year-first dates are read as such whatever the order; a date with the
 * year last needs LK_DATE_DMY or LK_DATE_MDY (it is ambiguous otherwise).
 */
enum lk_rc lk_import_datetime(const char *date, const char *time, enum lk_date_order order,
			      int offset_min, int64_t *t, const char *field,
			      struct lk_err *err);

enum lk_encoding {
	LK_ENC_AUTO,
	LK_ENC_UTF8,
	LK_ENC_GB18030,
};
/* "auto", "utf-8" (or "utf8"), "gb18030" (or "gbk"); -1 when unknown. */
int lk_encoding_parse(const char *s);

/*
 * Length of the valid UTF-8 prefix of p[0..n). When !at_end an incomplete
 * sequence cut by the end of the buffer counts as valid (more bytes follow).
 */
size_t lk_utf8_valid_prefix(const unsigned char *p, size_t n, bool at_end);

/*
 * Guess the encoding of a file from its first n bytes: valid UTF-8 (with
 * or without BOM) is LK_ENC_UTF8, anything else LK_ENC_GB18030 (what
 * Chinese Excel writes as "CSV").
 */
enum lk_encoding lk_encoding_detect(const unsigned char *p, size_t n, bool at_end);

/* 3 when p starts with the UTF-8 byte order mark, else 0. */
size_t lk_utf8_bom_len(const unsigned char *p, size_t n);

/*
 * The vocabularies in Chinese or English, written into out (sized for the
 * model's field): gender 男/女/male/female/m/f/未知 ("" -> "unknown"),
 * channel 堂食/外带/外卖/dine_in/takeout/delivery, dish category
 * 肉类/海鲜/蔬菜/锅底/主食/小吃/饮品/甜品 or the English words, guest source
 * (the model's words plus 会员卡/网上预订/服务员/问卷/收银/导入/散客).
 */
enum lk_rc lk_import_gender(const char *s, char *out, size_t outsz, struct lk_err *err);
enum lk_rc lk_import_channel(const char *s, char *out, size_t outsz, struct lk_err *err);
enum lk_rc lk_import_category(const char *s, char *out, size_t outsz, struct lk_err *err);
enum lk_rc lk_import_source(const char *s, char *out, size_t outsz, struct lk_err *err);

/*
 * Split a tag cell at 、 , ， ; ； | (blanks around each tag trimmed, empty
 * ones dropped, repeats dropped) into out[max] (LK_TXT(LK_TAG_MAX) = 81
 * bytes each). Returns the count, or -1 when there are more than max tags
 * or one is longer than 80 bytes.
 */
int lk_import_split_tags(const char *s, char (*out)[81], int max);

/* Trim ASCII blanks and full-width spaces in place; returns s. */
char *lk_import_trim(char *s);

#endif
