#include "core/model.h"

#include <stdlib.h>
#include <string.h>

void lk_customer_release(struct lk_customer *c)
{
	free(c->notes);
	c->notes = NULL;
}

void lk_visit_release(struct lk_visit *v)
{
	free(v->items);
	v->items = NULL;
	v->nitems = 0;
}

void lk_name_pseudonym(const char *name, char *out, size_t outsz)
{
	if (outsz == 0)
		return;
	out[0] = '\0';
	if (!name || !name[0])
		return;
	/* the first character, whole: one UTF-8 sequence (1 to 4 bytes) */
	unsigned char c = (unsigned char)name[0];
	size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 1;
	for (size_t i = 1; i < n; i++) {
		if (((unsigned char)name[i] & 0xc0) != 0x80) {
			n = 1; /* broken sequence: never print part of it */
			break;
		}
	}
	if (n + 3 > outsz)
		return;
	memcpy(out, name, n);
	memcpy(out + n, "**", 3);
}
