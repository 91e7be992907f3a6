#!/usr/bin/env bash
# The README's run command: install what is missing, build, create
# data/laoke.db with a first admin when absent, then serve the API and the
# console at http://127.0.0.1:8080 (LAOKE_LISTEN to change, LAOKE_DB for
# another database). Ctrl-C stops the server.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh run
[ -f build/build.ninja ] || meson setup build --buildtype=debugoptimized >/dev/null
ninja -C build >/dev/null
[ -x scripts/build-web.sh ] && scripts/build-web.sh
db=${LAOKE_DB:-sqlite:data/laoke.db}
./build/laoke setup --db "$db"
exec ./build/laoke serve --db "$db" --listen "${LAOKE_LISTEN:-127.0.0.1:8080}"
