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
#include "permissions.h" /* generated from docs/ROLES.md */
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
};

/* Route flags. */
enum {
	API_PUBLIC = 1 << 0,  /* no token needed */
	API_BODY = 1 << 1,    /* a JSON object body is required */
	API_UPLOAD = 1 << 2,  /* a file body (CSV) up to API_UPLOAD_LIMIT, not JSON */
};

#define API_UPLOAD_LIMIT (32u * 1024 * 1024)
/* the body limit of public routes (no login): the guests' forms */
#define API_PUBLIC_BODY_LIMIT (16u * 1024)

#define API_MAX_PARAMS 4

/* Settings shared by every request; owned by the server. */
struct api_config {
	int tz_offset_min;     /* offset used to print times */
	int64_t session_ttl;   /* seconds a login lasts */
	size_t body_limit;     /* bytes */
	const char *db_url;    /* for work that runs on its own connection (imports) */
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
	struct lk_user user;         /* the staff member; for an API key: id 0, the key's name, role "api_key" */
	unsigned char token_hash[32];
	int64_t key_id;              /* > 0: authenticated by this API key, not a session */
	char key_scopes[256];        /* the key's scopes, space-separated */
	struct lk_scope scope;       /* the stores this request may see */

	/*
	 * audit: dispatch appends one audit_log row after the handler when the
	 * route names an action (or the handler sets one, or an API key was
	 * used). Handlers may set the target, add detail (never guest PII:
	 * ids, counts and field names only) or skip the row.
	 */
	const char *audit_action;    /* overrides the route's */
	const char *audit_target_type;
	int64_t audit_target_id;
	json_t *audit_detail;        /* owned by the request */
	bool audit_skip;

	/* out */
	unsigned status;             /* HTTP status when resp is set */
	json_t *resp;                /* owned by the request */
	struct lk_err err;           /* used when resp is NULL */
	/*
	 * out, instead of resp: a file sent as the body with status 200 (an
	 * export). The transport opens it, unlinks it and sends from the open
	 * descriptor; a handler that fails after creating it unlinks it itself.
	 */
	struct api_file {
		char path[256];          /* "" when none */
		const char *type;        /* Content-Type */
		char name[128];          /* download name, UTF-8 (filename*=, RFC 5987) */
		char ascii_name[64];     /* download name for old clients (filename=) */
	} file;
};

typedef void (*api_handler)(struct api_req *r);

struct api_route {
	const char *method;
	const char *pattern;   /* "/api/v1/customers/{id}/facts"; {id} is a positive integer */
	api_handler fn;
	enum lk_perm perm;     /* the permission needed (docs/ROLES.md); ignored with API_PUBLIC */
	unsigned flags;        /* API_* */
	const char *audit;     /* audit action written after the request, NULL for none */
};

/* The roles (ROLE_* bits) that hold perm, from the matrix. */
unsigned api_perm_roles(enum lk_perm perm);
/* Whether the request's user (or API key) holds perm. */
bool api_can(const struct api_req *r, enum lk_perm perm);

/* The route tables of every resource, NULL-pattern terminated each. */
extern const struct api_route api_auth_routes[];
extern const struct api_route api_catalog_routes[];
extern const struct api_route api_customer_routes[];
extern const struct api_route api_fact_routes[];
extern const struct api_route api_need_routes[];   /* needs.c: what guests need (客户需求分析) */
extern const struct api_route api_visit_routes[];
extern const struct api_route api_export_routes[];
extern const struct api_route api_merge_routes[];
extern const struct api_route api_import_routes[];
extern const struct api_route api_user_routes[];   /* users.c: staff accounts */
extern const struct api_route api_key_routes[];    /* keys.c: API keys */
extern const struct api_route api_rights_routes[]; /* rights.c: consent, guest export, erasure */
extern const struct api_route api_audit_routes[];  /* audit.c: the audit log */
extern const struct api_route api_settings_routes[]; /* settings.c: classification rules */
/* NULL-terminated list of the tables above. */
extern const struct api_route *const api_tables[];

/*
 * The body limit for a request: API_UPLOAD_LIMIT for upload routes,
 * API_PUBLIC_BODY_LIMIT for public ones (login, the guests' forms), else dflt.
 */
size_t api_body_limit(const char *method, const char *path, size_t dflt);

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

/* ---- exports (exports.c), shared by GET /api/v1/exports/... and `laoke export` ---- */

enum api_export_kind {
	API_EXPORT_GUESTS,              /* 客户信息表 */
	API_EXPORT_VISITS,              /* 到店记录表 */
	API_EXPORT_NEEDS,               /* 客户需求分析表 */
	API_EXPORT_CLASSIFICATION,      /* 客户分类表: the latest classification run's values */
	API_EXPORT_FEEDBACK,            /* 客户反馈处理表: feedback and its ticket's steps */
};
enum api_export_format { API_EXPORT_CSV, API_EXPORT_XLSX };

struct api_export {
	enum api_export_kind kind;
	enum api_export_format format;
	bool en;                        /* English headers and words; Chinese otherwise */
	bool mask_phone;                /* phones as 138****5678 */
	bool pseudonymise;              /* names as 张**, no notes, birthday month only */
	int tz_offset_min;              /* for printed times and the day bounds of from/to */
	struct lk_export_filter filter;
	struct store_cls_filter cls;    /* the classification table: value filters */
};

/*
 * Fill x from options as text, as the query string and the CLI give them
 * (each may be NULL: csv, every store, open period, zh): format csv|xlsx,
 * store CODE (looked up), from/to YYYY-MM-DD (whole days at tz_offset_min),
 * lang zh|en. LK_EINVAL naming the field on a bad value.
 */
enum lk_rc api_export_prepare(struct store *st, struct api_export *x, enum api_export_kind kind,
			      const char *format, const char *store, const char *from,
			      const char *to, const char *lang, int tz_offset_min,
			      struct lk_err *err);
/*
 * Write the export to path ("-" is stdout, CSV only), streaming from the
 * store: memory does not grow with the rows. *rows counts data rows.
 * CSV: UTF-8 with a BOM, RFC 4180 quoting (libcsv). XLSX: libxlsxwriter in
 * constant-memory mode. On failure a partial file may be left at path.
 */
enum lk_rc api_export_write(struct store *st, const struct api_export *x, const char *path,
			    int64_t *rows, struct lk_err *err);
/* The download name, e.g. "客户信息表-2026-11-24.xlsx" (ascii: "guests-2026-11-24.xlsx"). */
void api_export_filename(const struct api_export *x, int64_t now, bool ascii, char *out,
			 size_t outsz);

#endif
