#include "util/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void buf_init(struct buf *b, size_t cap)
{
	memset(b, 0, sizeof(*b));
	b->cap = cap;
}

void buf_release(struct buf *b)
{
	free(b->ptr);
	b->ptr = NULL;
	b->len = b->alloc = 0;
	b->failed = 0;
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	b->failed = 0;
	if (b->ptr)
		b->ptr[0] = '\0';
}

static enum lk_rc buf_fail(struct buf *b, enum lk_rc rc)
{
	free(b->ptr);
	b->ptr = NULL;
	b->len = b->alloc = 0;
	b->failed = rc;
	return rc;
}

enum lk_rc buf_add(struct buf *b, const void *data, size_t len)
{
	if (b->failed)
		return b->failed;
	if (len > b->cap || b->len > b->cap - len)
		return buf_fail(b, LK_ETOOBIG);
	size_t need = b->len + len + 1;
	if (need > b->alloc) {
		size_t n = b->alloc ? b->alloc : 256;
		while (n < need)
			n *= 2;
		char *p = realloc(b->ptr, n);
		if (!p)
			return buf_fail(b, LK_ENOMEM);
		b->ptr = p;
		b->alloc = n;
	}
	if (len)
		memcpy(b->ptr + b->len, data, len);
	b->len += len;
	b->ptr[b->len] = '\0';
	return LK_OK;
}

enum lk_rc buf_adds(struct buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

enum lk_rc buf_printf(struct buf *b, const char *fmt, ...)
{
	char small[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return buf_fail(b, LK_EINVAL);
	if ((size_t)n < sizeof(small))
		return buf_add(b, small, (size_t)n);
	char *big = malloc((size_t)n + 1);
	if (!big)
		return buf_fail(b, LK_ENOMEM);
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	enum lk_rc rc = buf_add(b, big, (size_t)n);
	free(big);
	return rc;
}

const char *buf_str(const struct buf *b)
{
	return b->ptr ? b->ptr : "";
}

char *buf_detach(struct buf *b)
{
	char *p = b->ptr;
	if (!p)
		p = calloc(1, 1);
	b->ptr = NULL;
	b->len = b->alloc = 0;
	return p;
}
