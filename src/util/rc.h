/*
 * rc.h - the one error enum of liblaoke and the error record that carries
 * a human message and the offending field up to the caller.
 *
 * Every fallible function returns enum lk_rc and, where it takes a
 * struct lk_err *, fills it on failure. A NULL err is allowed: the detail
 * is then dropped. Messages are lower-case, no final period, subject quoted.
 */
#ifndef LK_RC_H
#define LK_RC_H

#include <stdint.h>

enum lk_rc {
	LK_OK = 0,
	LK_EINVAL,       /* bad input: the field says which */
	LK_ENOTFOUND,    /* no such record */
	LK_ECONFLICT,    /* unique key taken, stale version */
	LK_EAUTH,        /* missing or bad credentials */
	LK_EFORBIDDEN,   /* authenticated, but the role may not */
	LK_ETOOBIG,      /* body or value over its limit */
	LK_EMEDIA,       /* unsupported content type */
	LK_EMETHOD,      /* path exists, method does not */
	LK_EDB,          /* storage failure (not the caller's fault) */
	LK_ENOMEM,       /* allocation failed */
	LK_EIO,          /* file or socket failure */
	LK_ESCHEMA,      /* database schema newer than this binary */
	LK_ETOOMANY,     /* too many attempts: wait (err->ref_id: seconds) */
};

/* Error detail. code is a stable machine word ("invalid_phone"). */
struct lk_err {
	enum lk_rc rc;
	char code[48];      /* stable snake_case word for programs */
	char field[64];     /* offending input field, "" when none */
	char msg[256];      /* lower-case human message */
	int64_t ref_id;     /* e.g. the existing guest on a duplicate phone */
};

/* Human name of a code ("not found"); never NULL. */
const char *lk_strerror(enum lk_rc rc);

/*
 * Fill err (if not NULL) and return rc, so callers can write
 *   return lk_fail(err, LK_EINVAL, "invalid_phone", "phone", "...%s", x);
 */
enum lk_rc lk_fail(struct lk_err *err, enum lk_rc rc, const char *code,
		   const char *field, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* Put prefix before err->field ("items[2]." + "qty"), cutting what does not fit. */
void lk_err_prefix_field(struct lk_err *err, const char *prefix);

/* Reset err to LK_OK with empty strings. */
void lk_err_clear(struct lk_err *err);

#endif
