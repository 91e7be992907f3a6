/*
 * buf.h - a growable byte buffer with a hard size cap (after curl's dynbuf).
 *
 * The buffer is always NUL-terminated once anything was added. When an
 * append would pass the cap, or memory runs out, the buffer frees its
 * contents and every later append fails too: callers check once, at the end.
 */
#ifndef LK_BUF_H
#define LK_BUF_H

#include <stddef.h>

#include "util/rc.h"

struct buf {
	char *ptr;     /* owned; NULL until the first append */
	size_t len;    /* bytes used, excluding the NUL */
	size_t alloc;  /* bytes allocated */
	size_t cap;    /* hard limit on len */
	int failed;    /* set once an append failed: LK_ETOOBIG or LK_ENOMEM */
};

/* Start empty with a cap on its length. */
void buf_init(struct buf *b, size_t cap);
/* Free the contents; the buffer may be reused after buf_init. */
void buf_release(struct buf *b);
/* Make empty again, keeping the memory and the cap. */
void buf_reset(struct buf *b);

/* Append; return LK_OK, LK_ETOOBIG past the cap, LK_ENOMEM. */
enum lk_rc buf_add(struct buf *b, const void *data, size_t len);
enum lk_rc buf_adds(struct buf *b, const char *s);
enum lk_rc buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The contents as a C string ("" when empty); owned by b. */
const char *buf_str(const struct buf *b);

/* Hand the contents to the caller (free() it); b is left empty. */
char *buf_detach(struct buf *b);

#endif
