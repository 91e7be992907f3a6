#include "core/model.h"

#include <stdlib.h>

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
