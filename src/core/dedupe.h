/*
 * dedupe.h - is this pair of guests probably one person? Pure functions,
 * no I/O: the store finds candidate pairs by indexed keys (same name,
 * phones one edit apart) and asks lk_dupe_score() how likely and why.
 *
 * Reasons and base scores (0..100):
 *   phone_one_edit + same name       90  one digit mistyped or two adjacent
 *   phone_one_edit + similar name    70  digits swapped ("138...5678" vs
 *                                        "138...5687"); similar = one
 *                                        character added, dropped or changed
 *                                        in a name of 2+ characters
 *   same_name_birthday               80  same name, same month-day, years
 *                                        equal or one unknown (65 when a
 *                                        year is unknown: common names share
 *                                        birthdays by chance)
 *   same_name_store_no_phone         60  same name, same home store and one
 *                                        of them has no phone (a walk-in
 *                                        profile made before the member one;
 *                                        family members have no phone, so
 *                                        this is the schema's stand-in)
 * "Same name" never holds for a generic name ("王先生", lk_name_generic).
 * The score is the best base, +5 for each further reason, -30 when both
 * birthdays are known and differ, -15 when both genders are known and
 * differ, clamped to 0..100. Pairs under LK_DUPE_MIN_SCORE are not shown.
 */
#ifndef LK_DEDUPE_H
#define LK_DEDUPE_H

#include <stdint.h>

#include <stdbool.h>

#include "core/model.h"
#include "core/rules.h"

#define LK_DUPE_MIN_SCORE 50
/* one-edit variants of an 11-digit number: 11 x 9 substitutions + 10 swaps */
#define LK_PHONE_VARIANTS_MAX 109

enum lk_dupe_reason {
	LK_DUPE_PHONE_ONE_EDIT = 1 << 0,
	LK_DUPE_NAME_BIRTHDAY = 1 << 1,
	LK_DUPE_NAME_STORE_NO_PHONE = 1 << 2,
};

/* What the scorer looks at; strings borrowed, "" when absent. */
struct lk_dupe_key {
	int64_t id;
	const char *name;
	const char *phone;            /* E.164 or "" */
	const char *gender;           /* lk_genders; "unknown" counts as absent */
	int birth_year, birth_month, birth_day; /* 0 when absent */
	int64_t home_store_id;        /* 0 when none */
};

/*
 * The one-edit variants of a mainland mobile "+86" + 11 digits: every
 * digit replaced by each other digit, and every two adjacent different
 * digits swapped; only variants that still start with "1" (a mobile).
 * Returns how many were written to out (at most LK_PHONE_VARIANTS_MAX),
 * 0 when phone is not "+86" and 11 digits.
 */
int lk_phone_variants(const char *phone, char out[][LK_PHONE_E164_LEN]);

enum lk_phone_edit {
	LK_PHONE_EDIT_NONE = 0,  /* equal, or more than one edit apart */
	LK_PHONE_EDIT_SUBST,     /* one digit differs */
	LK_PHONE_EDIT_SWAP,      /* two adjacent digits swapped */
};
enum lk_phone_edit lk_phone_edit(const char *a, const char *b);

enum lk_name_match {
	LK_NAME_DIFFERENT = 0,
	LK_NAME_SIMILAR,  /* edit distance 1 in characters, both 2+ characters */
	LK_NAME_SAME,     /* equal and not empty */
};
/*
 * a and b are valid UTF-8. A generic name (see lk_name_generic) is at best
 * SIMILAR to another: "王先生" and "王先生" are not known to be one person.
 */
enum lk_name_match lk_name_match(const char *a, const char *b);

/* A surname and a form of address only: "王先生", "李女士", "陈小姐", "张太太". */
bool lk_name_generic(const char *name);

/* The score 0..100 of the pair and, in *reasons, the lk_dupe_reason bits. */
int lk_dupe_score(const struct lk_dupe_key *a, const struct lk_dupe_key *b, unsigned *reasons);

/* The API word of one reason bit ("phone_one_edit"), NULL for others. */
const char *lk_dupe_reason_name(unsigned bit);


/*
 * A merge keeps one guest and fills its empty profile fields from each
 * merged one, in order; the kept guest's non-empty values always win:
 *   name, home store         taken when kept has none
 *   phone                    taken when kept has none (the merged guest is
 *                            deleted, which frees it); otherwise the merged
 *                            phone goes into the notes as "#<id> <phone>"
 *   gender                   taken when kept's is "unknown"
 *   birthday                 taken whole when kept has none; just the year
 *                            when the month-day agree and kept has no year
 *   marketing consent        taken (with its time and channel) when kept
 *                            has never had one recorded
 *   notes                    the merged notes appended on a new line, unless
 *                            already there or the result would pass
 *                            LK_NOTES_MAX characters (the merge record
 *                            keeps them either way)
 * Tags, family, facts and visits are the store's business (rows, not
 * fields). Returns false when out of memory, kept then holds what was
 * filled so far.
 */
bool lk_merge_fill(struct lk_customer *kept, const struct lk_customer *from);

#endif
