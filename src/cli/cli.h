/*
 * cli.h - shared pieces of the laoke commands (one cmd_<noun>.c each).
 */
#ifndef LK_CLI_H
#define LK_CLI_H

#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"

struct cli_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
	const char *usage;   /* full help text */
};

extern const struct cli_cmd cli_cmds[];

int cmd_serve(int argc, char **argv);
int cmd_migrate(int argc, char **argv);
int cmd_user(int argc, char **argv);
int cmd_setup(int argc, char **argv);
int cmd_routes(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_summary(int argc, char **argv);
int cmd_classify(int argc, char **argv);

/* The database URL: --db, else $LAOKE_DB, else sqlite:data/laoke.db. */
const char *cli_db_url(const char *opt);

/* Print "laoke: error: ..." to stderr; returns 1 for `return cli_error(...)`. */
int cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print a command's usage to stdout (help) or stderr (misuse). */
void cli_usage(const char *cmd, bool to_stderr);

/*
 * Open the database and make sure its schema matches this binary
 * (migrating first when migrate is true). Prints the error itself.
 */
struct store *cli_open_store(const char *url, bool migrate);

/* A whole decimal number from lo to hi (digits only, no sign or spaces). */
bool cli_parse_i64(const char *s, int64_t lo, int64_t hi, int64_t *out);

/*
 * Parse the arguments of a command whose only option is --db; *url is the
 * database (its directory created). Returns 0, or the exit code after
 * printing the problem.
 */
int cli_db_only_args(int argc, char **argv, const char *cmd, const char **url);

/* Create the parent directory of a sqlite:PATH database when missing. */
int cli_ensure_db_dir(const char *url);

#endif
