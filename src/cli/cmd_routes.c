#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "cli/cli.h"
#include "core/rules.h"

/* Print every route of every table: the access matrix as the code has it. */
int cmd_routes(int argc, char **argv)
{
	bool json = argc == 2 && strcmp(argv[1], "--json") == 0;
	if (argc > 2 || (argc == 2 && !json)) {
		cli_usage("routes", true);
		return 2;
	}
	if (json)
		printf("[");
	int n = 0;
	for (int t = 0; api_tables[t]; t++) {
		for (const struct api_route *r = api_tables[t]; r->pattern; r++) {
			char roles[80] = "";
			if (r->flags & API_PUBLIC) {
				snprintf(roles, sizeof(roles), "public");
			} else {
				size_t used = 0;
				for (int i = 0; lk_roles[i]; i++) {
					if (!(r->roles & (1u << i)))
						continue;
					int k = snprintf(roles + used, sizeof(roles) - used, "%s%s",
							 used ? "," : "", lk_roles[i]);
					if (k > 0)
						used += (size_t)k;
				}
			}
			if (json)
				printf("%s\n {\"method\":\"%s\",\"path\":\"%s\",\"roles\":\"%s\",\"body\":%s}",
				       n ? "," : "", r->method, r->pattern, roles,
				       (r->flags & API_BODY) ? "true" : "false");
			else
				printf("%-7s %-40s %s\n", r->method, r->pattern, roles);
			n++;
		}
	}
	if (json)
		printf("\n]\n");
	return 0;
}
