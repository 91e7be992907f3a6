#!/bin/sh
# Rewrite the routes table of docs/ROLES.md from the route tables in the code
# (`laoke routes --markdown`). The API tests fail until the two agree.
set -eu
cd "$(dirname "$0")/.."
bin=${LAOKE_BIN:-build/laoke}
python3 - "$bin" <<'PY'
import subprocess, sys
out = subprocess.run([sys.argv[1], "routes", "--markdown"], check=True,
                     capture_output=True, text=True).stdout
p = "docs/ROLES.md"
s = open(p, encoding="utf-8").read()
a, rest = s.split("<!-- routes:begin -->", 1)
_, b = rest.split("<!-- routes:end -->", 1)
open(p, "w", encoding="utf-8").write(a + "<!-- routes:begin -->\n" + out + "<!-- routes:end -->" + b)
PY
