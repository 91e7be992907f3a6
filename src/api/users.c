/* users.c - being written (issue 5). */
#include "api/api_int.h"

const struct api_route api_user_routes[] = {
	{ NULL, NULL, NULL, 0, 0, NULL },
};
