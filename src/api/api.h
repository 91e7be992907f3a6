/*
 * api.h - the HTTP-free core of laoke's JSON API.
 *
 * The http layer turns a connection into a struct api_req and calls
 * api_dispatch(). Dispatch finds the route in the route tables, then checks
 * once, centrally, what the route's flags ask: bearer token, role, content
 * type and strict JSON body. Only then does the handler run; it reads the
 * request and sets either r->resp (with r->status) or r->err. Handlers never
 * see sockets and never check roles themselves.
 */
#ifndef LK_API_H
#define LK_API_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/model.h"
#include "store/store.h"
#include "util/rc.h"

/* Role bits, in the order of lk_roles. */
enum {
	ROLE_ADMIN = 1 << 0,
	ROLE_MANAGER = 1 << 1,
	ROLE_ANALYST = 1 << 2,
	ROLE_WAITER = 1 << 3,
	ROLE_SUPPORT = 1 << 4,
	ROLES_ALL = 0x1f,
	ROLES_GUEST_READ = ROLE_ADMIN | ROLE_MANAGER | ROLE_ANALYST | ROLE_WAITER,
	ROLES_GUEST_WRITE = ROLE_ADMIN | ROLE_MANAGER | ROLE_WAITER,
};

/* Route flags. */
enum {
	API_PUBLIC = 1 << 0,  /* no token needed */
	API_BODY = 1 << 1,    /* a JSON object body is required */
};

#define API_MAX_PARAMS 4

/* Settings shared by every request; owned by the server. */
struct api_config {
	int tz_offset_min;     /* offset used to print times */
	int64_t session_ttl;   /* seconds a login lasts */
	size_t body_limit;     /* bytes */
};

struct api_req {
	/* in: filled by the transport */
	const char *method;
	const char *path;            /* decoded, without the query */
	const char *content_type;    /* NULL when absent */
	const char *authorization;   /* NULL when absent */
	const char *body;            /* NULL when none */
	size_t body_len;
	bool body_too_big;           /* the transport dropped a body over the limit */
	const char *(*arg)(void *ctx, const char *key); /* query string lookup */
	void *arg_ctx;
	const char *client_ip;
	struct store *st;            /* this thread's connection */
	const struct api_config *cfg;

	/* set by dispatch before the handler */
	int64_t params[API_MAX_PARAMS]; /* the {id} parts of the path, in order */
	int nparams;
	json_t *json;                /* the parsed body (API_BODY routes) */
	bool authed;
	struct lk_user user;
	unsigned char token_hash[32];

	/* out */
	unsigned status;             /* HTTP status when resp is set */
	json_t *resp;                /* owned by the request */
	struct lk_err err;           /* used when resp is NULL */
};

typedef void (*api_handler)(struct api_req *r);

struct api_route {
	const char *method;
	const char *pattern;   /* "/api/v1/customers/{id}/facts"; {id} is a positive integer */
	api_handler fn;
	unsigned roles;        /* ROLE_* bits allowed; ignored with API_PUBLIC */
	unsigned flags;        /* API_* */
};

/* The route tables of every resource, NULL-pattern terminated each. */
extern const struct api_route api_auth_routes[];
extern const struct api_route api_catalog_routes[];
extern const struct api_route api_customer_routes[];
extern const struct api_route api_fact_routes[];
extern const struct api_route api_visit_routes[];
/* NULL-terminated list of the tables above. */
extern const struct api_route *const api_tables[];

/* Run one request through lookup, checks and its handler. */
void api_dispatch(struct api_req *r);
/* Free what dispatch and the handler left in r (json, resp). */
void api_req_release(struct api_req *r);
/* Render r's outcome (resp or err) as JSON text (free()); *status the HTTP status. */
char *api_render(struct api_req *r, unsigned *status);
/* HTTP status for an lk_rc. */
unsigned api_status_of(enum lk_rc rc);
/* The JSON error body for err (caller owns). */
json_t *api_error_json(const struct lk_err *err);

/* Password hashing (argon2id, libsodium). Call api_crypto_init() before threads. */
int api_crypto_init(void);
enum lk_rc api_password_hash(const char *password, char out[128], struct lk_err *err);

#endif
