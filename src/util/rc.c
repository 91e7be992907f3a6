#include "util/rc.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *lk_strerror(enum lk_rc rc)
{
	switch (rc) {
	case LK_OK: return "ok";
	case LK_EINVAL: return "invalid input";
	case LK_ENOTFOUND: return "not found";
	case LK_ECONFLICT: return "conflict";
	case LK_EAUTH: return "authentication required";
	case LK_EFORBIDDEN: return "forbidden";
	case LK_ETOOBIG: return "too large";
	case LK_EMEDIA: return "unsupported media type";
	case LK_EMETHOD: return "method not allowed";
	case LK_EDB: return "database error";
	case LK_ENOMEM: return "out of memory";
	case LK_EIO: return "i/o error";
	case LK_ESCHEMA: return "database schema is newer than this program";
	case LK_ETOOMANY: return "too many attempts";
	}
	return "unknown error";
}

void lk_err_clear(struct lk_err *err)
{
	if (!err)
		return;
	memset(err, 0, sizeof(*err));
}

enum lk_rc lk_fail(struct lk_err *err, enum lk_rc rc, const char *code,
		   const char *field, const char *fmt, ...)
{
	if (!err)
		return rc;
	err->rc = rc;
	snprintf(err->code, sizeof(err->code), "%s", code ? code : "");
	snprintf(err->field, sizeof(err->field), "%s", field ? field : "");
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return rc;
}

void lk_err_prefix_field(struct lk_err *err, const char *prefix)
{
	if (!err)
		return;
	size_t p = strlen(prefix), f = strlen(err->field);
	if (p >= sizeof(err->field))
		p = sizeof(err->field) - 1;
	if (p + f >= sizeof(err->field))
		f = sizeof(err->field) - 1 - p;
	memmove(err->field + p, err->field, f);
	memcpy(err->field, prefix, p);
	err->field[p + f] = '\0';
}
