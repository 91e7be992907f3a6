#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "api/api.h"
#include "cli/cli.h"
#include "http/server.h"
#include "util/timeutil.h"

static const char *default_web(void)
{
	const char *env = getenv("LAOKE_WEB");
	if (env && *env)
		return env;
	struct stat sb;
	if (stat("web/dist/index.html", &sb) == 0)
		return "web/dist";
	return NULL;
}

int cmd_serve(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "listen", required_argument, NULL, 'l' },
		{ "web", required_argument, NULL, 'w' },
		{ "threads", required_argument, NULL, 't' },
		{ "port-file", required_argument, NULL, 'p' },
		{ "nightly", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	const char *db = NULL, *listen = NULL, *web = NULL, *port_file = NULL;
	const char *nightly = getenv("LAOKE_NIGHTLY");
	int64_t threads = 4;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 'l': listen = optarg; break;
		case 'w': web = optarg; break;
		case 'p': port_file = optarg; break;
		case 'n': nightly = optarg; break;
		case 't':
			if (!cli_parse_i64(optarg, 1, 64, &threads))
				return cli_error("'--threads' must be a number from 1 to 64");
			break;
		default: cli_usage("serve", true); return 2;
		}
	}
	if (optind < argc)
		return cli_error("unexpected argument '%s'", argv[optind]);
	if (nightly && *nightly && strcmp(nightly, "on") != 0 && strcmp(nightly, "off") != 0)
		return cli_error("'--nightly' (or LAOKE_NIGHTLY) must be 'on' or 'off', not '%s'",
				 nightly);
	if (!listen)
		listen = getenv("LAOKE_LISTEN");
	if (!listen || !*listen)
		listen = "127.0.0.1:8080";
	if (!web)
		web = default_web();
	const char *url = cli_db_url(db);
	if (cli_ensure_db_dir(url))
		return 1;
	struct store *st = cli_open_store(url, true);
	if (!st)
		return 1;
	store_close(st);
	if (api_crypto_init() != 0)
		return cli_error("cannot initialise libsodium");
	int tz = 480;
	lk_tz_offset(LK_DEFAULT_TZ, &tz);
	struct http_config cfg = {
		.db_url = url,
		.listen = listen,
		.web_root = web,
		.port_file = port_file,
		.threads = (unsigned)threads,
		.body_limit = 1024 * 1024,
		.session_ttl = 12 * 3600,
		.tz_offset_min = tz,
		.nightly = !(nightly && strcmp(nightly, "off") == 0),
	};
	struct lk_err err;
	lk_err_clear(&err);
	if (http_serve(&cfg, &err) != LK_OK)
		return cli_error("%s", err.msg);
	return 0;
}
