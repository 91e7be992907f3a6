#!/usr/bin/env python3
"""
gen_permissions.py - turn the access matrix in docs/ROLES.md into C.

    gen_permissions.py docs/ROLES.md permissions.h permissions.c

The table between <!-- matrix:begin --> and <!-- matrix:end --> is the only
place the matrix is written; this script fails the build (naming the line)
when it is malformed.
"""
import re
import sys

ROLES = ("admin", "manager", "analyst", "waiter", "support")


def die(path, line, msg):
    sys.stderr.write("%s:%d: %s\n" % (path, line, msg))
    sys.exit(1)


def parse(path):
    rows, inside, header = [], False, None
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    for no, line in enumerate(lines, 1):
        if "<!-- matrix:begin -->" in line:
            inside = True
            continue
        if "<!-- matrix:end -->" in line:
            inside = False
            break
        if not inside or not line.strip():
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if header is None:
            header = cells
            want = ["permission"] + list(ROLES) + ["key scope", "what it allows"]
            if header != want:
                die(path, no, "matrix header must be: | " + " | ".join(want) + " |")
            continue
        if set("".join(cells)) <= set("-: "):
            continue
        if len(cells) != len(header):
            die(path, no, "matrix row has %d cells, want %d" % (len(cells), len(header)))
        name = cells[0]
        if not re.fullmatch(r"[a-z]+(\.[a-z_]+)*", name):
            die(path, no, "permission name %r must look like 'guests.find'" % name)
        if any(r[0] == name for r in rows):
            die(path, no, "permission %r appears twice" % name)
        roles = 0
        for i, role in enumerate(ROLES):
            c = cells[1 + i]
            if c not in ("", "✓"):
                die(path, no, "cell for %s must be ✓ or empty, not %r" % (role, c))
            if c == "✓":
                roles |= 1 << i
        scope = cells[6]
        if scope in ("—", "-", ""):
            scope = None
        elif not re.fullmatch(r"[a-z]+:[a-z]+", scope):
            die(path, no, "key scope %r must look like 'visits:write' or —" % scope)
        rows.append((name, roles, scope, cells[7], no))
    if not rows:
        die(path, 1, "no matrix between <!-- matrix:begin --> and <!-- matrix:end -->")
    return rows


def cstr(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def main():
    if len(sys.argv) != 4:
        sys.stderr.write(__doc__)
        return 2
    src, out_h, out_c = sys.argv[1:]
    rows = parse(src)
    ident = [("PERM_" + r[0].replace(".", "_")).upper() for r in rows]
    with open(out_h, "w", encoding="utf-8") as f:
        f.write("/* Generated from docs/ROLES.md by scripts/gen_permissions.py; do not edit. */\n")
        f.write("#ifndef LK_PERMISSIONS_H\n#define LK_PERMISSIONS_H\n\n")
        f.write("enum lk_perm {\n")
        for i in ident:
            f.write("\t%s,\n" % i)
        f.write("\tPERM_COUNT\n};\n\n")
        f.write("struct lk_perm_info {\n\tconst char *name;\n\tunsigned roles;"
                "      /* bit i: lk_roles[i] */\n\tconst char *key_scope; /* NULL: no API key */\n"
                "\tconst char *what;\n};\n\n")
        f.write("extern const struct lk_perm_info lk_perms[PERM_COUNT];\n")
        f.write("/* Every key scope named in the matrix, NULL-terminated. */\n")
        f.write("extern const char *const lk_key_scopes[];\n\n#endif\n")
    scopes = []
    for r in rows:
        if r[2] and r[2] not in scopes:
            scopes.append(r[2])
    with open(out_c, "w", encoding="utf-8") as f:
        f.write("/* Generated from docs/ROLES.md by scripts/gen_permissions.py; do not edit. */\n")
        f.write('#include <stddef.h>\n\n#include "permissions.h"\n\n')
        f.write("const struct lk_perm_info lk_perms[PERM_COUNT] = {\n")
        for i, r in zip(ident, rows):
            f.write("\t[%s] = { %s, 0x%02x, %s, %s },\n" %
                    (i, cstr(r[0]), r[1], cstr(r[2]) if r[2] else "NULL", cstr(r[3])))
        f.write("};\n\nconst char *const lk_key_scopes[] = {\n")
        for s in scopes:
            f.write("\t%s,\n" % cstr(s))
        f.write("\tNULL,\n};\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
