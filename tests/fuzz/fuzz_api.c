/*
 * libFuzzer target: a whole API request through api_dispatch() against an
 * in-memory database, as an authenticated admin. The first byte picks the
 * route, the rest is the JSON body. No input may crash, leak, or be
 * answered with a 5xx.
 */
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "store/store_survey.h"
#include "util/log.h"
#include "util/timeutil.h"

static struct store *st;
static struct api_config cfg = { .tz_offset_min = 480, .session_ttl = 3600, .body_limit = 1 << 20 };
static const char token[] = "fuzz-token-0123456789abcdef";
static char auth[64];

static const struct {
	const char *method, *path;
} routes[] = {
	{ "POST", "/api/v1/customers" },        { "PATCH", "/api/v1/customers/1" },
	{ "POST", "/api/v1/visits" },           { "POST", "/api/v1/customers/1/facts" },
	{ "POST", "/api/v1/dishes" },           { "PATCH", "/api/v1/dishes/1" },
	{ "POST", "/api/v1/stores" },           { "POST", "/api/v1/auth/login" },
	{ "GET", "/api/v1/customers" },         { "GET", "/api/v1/customers/1/visits" },
	/* issues 6 and 7 */
	{ "POST", "/api/v1/feedback" },         { "POST", "/api/v1/feedback/1/transitions" },
	{ "PATCH", "/api/v1/feedback/1" },      { "POST", "/api/v1/public/feedback" },
	{ "POST", "/api/v1/public/survey" },    { "POST", "/api/v1/surveys" },
	{ "PATCH", "/api/v1/surveys/1" },       { "POST", "/api/v1/surveys/1/invites" },
	{ "PUT", "/api/v1/settings/classification" }, { "PUT", "/api/v1/settings/feedback" },
	{ "POST", "/api/v1/customers/1/needs" }, { "POST", "/api/v1/classification/run" },
};

static const char *no_args(void *ctx, const char *key)
{
	(void)ctx;
	(void)key;
	return NULL;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	lk_log_set_quiet(1);
	if (sodium_init() < 0)
		abort();
	struct lk_err err;
	int applied;
	if (store_open("sqlite::memory:", &st, &err) || store_migrate(st, &applied, &err))
		abort();
	struct lk_store s = { .code = "CD01", .name = "成都春熙路店" };
	struct lk_dish d = { .name = "毛肚", .category = "meat", .price_fen = 6800, .active = true };
	struct lk_user u = { .username = "fuzz", .role = "admin" };
	struct lk_customer c = { .name = "张伟", .phone = "+8613812345678", .source = "waiter" };
	unsigned char h[32];
	crypto_generichash(h, sizeof(h), (const unsigned char *)token, strlen(token), NULL, 0);
	if (store_store_add(st, &s, &err) || store_dish_add(st, &d, &err) ||
	    store_user_add(st, &u, "$argon2id$unused", &err) ||
	    store_session_add(st, h, u.id, lk_now() + 86400 * 365, &err) ||
	    store_customer_add(st, &c, &err))
		abort();
	/* a complaint with its ticket (feedback 1) and a survey (survey 1) to act on */
	struct store_feedback *f = calloc(1, sizeof(*f));
	if (!f)
		abort();
	f->store_id = s.id;
	f->customer_id = c.id;
	f->rating = 1;
	f->complaint = true;
	f->received_at = lk_now();
	snprintf(f->channel, sizeof(f->channel), "in_store");
	snprintf(f->category, sizeof(f->category), "dish");
	snprintf(f->source, sizeof(f->source), "staff");
	snprintf(f->status, sizeof(f->status), "received");
	f->response_due_at = f->received_at + 86400;
	f->resolve_due_at = f->received_at + 3 * 86400;
	if (store_feedback_add(st, f, false, &err))
		abort();
	free(f);
	struct store_survey sv = { .trigger = "manual", .active = true };
	snprintf(sv.name, sizeof(sv.name), "到店满意度");
	sv.questions = strdup("[{\"type\":\"csat\",\"text\":\"满意吗\",\"required\":true},"
			      "{\"type\":\"text\",\"text\":\"建议\"}]");
	if (!sv.questions || store_survey_add(st, &sv, &err))
		abort();
	store_survey_release(&sv);
	snprintf(auth, sizeof(auth), "Bearer %s", token);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t ri = data[0] % (sizeof(routes) / sizeof(routes[0]));
	/* a new address each time: the public routes' rate limit would answer 429 only */
	static unsigned n;
	char ip[32];
	n++;
	snprintf(ip, sizeof(ip), "10.%u.%u.%u", (n >> 16) & 255, (n >> 8) & 255, n & 255);
	struct api_req r = {
		.method = routes[ri].method,
		.path = routes[ri].path,
		.content_type = "application/json",
		.authorization = auth,
		.body = (const char *)data + 1,
		.body_len = size - 1,
		.arg = no_args,
		.client_ip = ip,
		.st = st,
		.cfg = &cfg,
	};
	api_dispatch(&r);
	unsigned status;
	char *text = api_render(&r, &status);
	if (!text || status >= 500)
		abort();
	free(text);
	api_req_release(&r);
	return 0;
}
