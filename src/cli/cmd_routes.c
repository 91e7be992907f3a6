#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "cli/cli.h"
#include "core/rules.h"

/* "admin,manager" for the roles holding the route's permission, "public" without a token. */
static void roles_text(const struct api_route *r, char *out, size_t outsz)
{
	out[0] = '\0';
	if (r->flags & API_PUBLIC) {
		snprintf(out, outsz, "public");
		return;
	}
	unsigned bits = api_perm_roles(r->perm);
	size_t used = 0;
	for (int i = 0; lk_roles[i]; i++) {
		if (!(bits & (1u << i)))
			continue;
		int k = snprintf(out + used, outsz - used, "%s%s", used ? "," : "", lk_roles[i]);
		if (k > 0 && (size_t)k < outsz - used)
			used += (size_t)k;
	}
}

/*
 * Print every route of every table: the access matrix as the code has it.
 * --json for the tests, --markdown for the routes table in docs/ROLES.md.
 */
int cmd_routes(int argc, char **argv)
{
	bool json = argc == 2 && strcmp(argv[1], "--json") == 0;
	bool md = argc == 2 && strcmp(argv[1], "--markdown") == 0;
	if (argc > 2 || (argc == 2 && !json && !md)) {
		cli_usage("routes", true);
		return 2;
	}
	if (json)
		printf("[");
	if (md)
		printf("| method | path | permission | roles | key scope | audit |\n"
		       "|---|---|---|---|---|---|\n");
	int n = 0;
	for (int t = 0; api_tables[t]; t++) {
		for (const struct api_route *r = api_tables[t]; r->pattern; r++) {
			char roles[80];
			roles_text(r, roles, sizeof(roles));
			bool pub = r->flags & API_PUBLIC;
			const char *perm = pub ? "public" : lk_perms[r->perm].name;
			const char *scope = pub ? NULL : lk_perms[r->perm].key_scope;
			if (json)
				printf("%s\n {\"method\":\"%s\",\"path\":\"%s\",\"perm\":\"%s\","
				       "\"roles\":\"%s\",\"key_scope\":%s%s%s,\"audit\":%s%s%s,"
				       "\"body\":%s}",
				       n ? "," : "", r->method, r->pattern, perm, roles,
				       scope ? "\"" : "", scope ? scope : "null", scope ? "\"" : "",
				       r->audit ? "\"" : "", r->audit ? r->audit : "null",
				       r->audit ? "\"" : "", (r->flags & API_BODY) ? "true" : "false");
			else if (md)
				printf("| %s | `%s` | %s | %s | %s | %s |\n", r->method, r->pattern, perm,
				       roles, scope ? scope : "—", r->audit ? r->audit : "—");
			else
				printf("%-7s %-40s %-16s %s\n", r->method, r->pattern, perm, roles);
			n++;
		}
	}
	if (json)
		printf("\n]\n");
	return 0;
}
