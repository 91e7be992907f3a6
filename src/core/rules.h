/*
 * rules.h - validation of guest data: pure functions, no I/O.
 *
 * Each check returns LK_OK or LK_EINVAL with err naming the field, so the
 * HTTP layer and the CLI report the same words.
 */
#ifndef LK_RULES_H
#define LK_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/rc.h"

/* "+8613812345678" plus NUL */
#define LK_PHONE_E164_LEN 15

/*
 * Normalise a mainland mobile number written any common way
 * ("138 1234 5678", "+86-138-1234-5678", "8613812345678", "0086 138...",
 * full-width digits) to E.164 "+8613812345678". out must hold
 * LK_PHONE_E164_LEN bytes. LK_EINVAL ("invalid_phone") otherwise.
 */
enum lk_rc lk_phone_normalize(const char *in, char out[LK_PHONE_E164_LEN],
			      const char *field, struct lk_err *err);

/* Exactly four ASCII digits: the "尾号" lookup. */
bool lk_phone_tail_valid(const char *s);

/* Mask "+8613812345678" as "138****5678"; out holds at least 12 bytes. */
void lk_phone_mask(const char *e164, char *out, size_t outsz);

/*
 * A birthday "MM-DD" or "YYYY-MM-DD". year is 0 when absent. Feb 29 is fine
 * without a year; a year must lie between 1900 and this_year.
 */
enum lk_rc lk_birthday_parse(const char *s, int this_year, int *year,
			     int *month, int *day, const char *field,
			     struct lk_err *err);
/* Write a birthday back as text ("03-05" or "1990-03-05"); out >= 11 bytes. */
void lk_birthday_format(int year, int month, int day, char *out, size_t outsz);

/* Money in fen: 0 <= v <= max. */
enum lk_rc lk_money_check(int64_t fen, int64_t max, const char *field,
			  struct lk_err *err);

/*
 * Free text from outside: valid UTF-8 is given (JSON), so check the length
 * in characters (1..max_chars, or 0..max_chars when !required), no NUL and,
 * when single_line, no control characters at all.
 */
enum lk_rc lk_text_check(const char *s, size_t byte_len, size_t max_chars,
			 bool required, bool single_line, const char *field,
			 struct lk_err *err);

/* Number of UTF-8 code points in s (s must be valid UTF-8). */
size_t lk_utf8_chars(const char *s);

/* The closed vocabularies of the data model, NULL-terminated. */
extern const char *const lk_genders[];
extern const char *const lk_dish_categories[];
extern const char *const lk_fact_kinds[];
extern const char *const lk_fact_sources[];
extern const char *const lk_guest_sources[];
extern const char *const lk_channels[];
extern const char *const lk_roles[];
extern const char *const lk_consent_channels[];
/* Where a recorded need comes from (客户需求分析). */
extern const char *const lk_need_sources[];

/* Index of s in list, or -1. */
int lk_enum_index(const char *const *list, const char *s);
/* LK_EINVAL ("invalid_<field>") naming the allowed words when s is not in list. */
enum lk_rc lk_enum_check(const char *const *list, const char *s,
			 const char *field, struct lk_err *err);

/*
 * Password rules ("weak_password", field "password", the message names the
 * rule): LK_PASSWORD_MIN..LK_PASSWORD_MAX bytes, neither the username nor
 * containing it (ASCII case ignored), not one character repeated.
 * username may be NULL or "" (then only length and repetition count).
 */
#define LK_PASSWORD_MIN 10
#define LK_PASSWORD_MAX 128
enum lk_rc lk_password_check(const char *password, const char *username,
			     struct lk_err *err);
/* Usernames: 3..32 of [a-z0-9_.-], starting with a letter. */
enum lk_rc lk_username_check(const char *username, struct lk_err *err);
/* Store codes: 1..16 of [A-Z0-9_-]. */
enum lk_rc lk_store_code_check(const char *code, struct lk_err *err);

#endif
