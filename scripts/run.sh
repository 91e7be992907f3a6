#!/usr/bin/env bash
# The README's run command: install what is missing, build, create
# data/laoke.db with a first admin and a small demo chain when absent, then
# serve the API and the console at http://127.0.0.1:8080 (LAOKE_LISTEN to
# change, LAOKE_DB for another database). Ctrl-C stops the server.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh run
[ -f build/build.ninja ] || meson setup build --buildtype=debugoptimized
ninja -C build
# the console's charts (echarts) and QR codes (qrcode), from the lock file
if [ ! -d node_modules/echarts ] || [ ! -d node_modules/qrcode ]; then
  npm ci --omit=dev --no-audit --no-fund --loglevel=error
fi
scripts/build-web.sh >/dev/null
db=${LAOKE_DB:-sqlite:data/laoke.db}
listen=${LAOKE_LISTEN:-127.0.0.1:8080}
path=${db#sqlite:}
first=0
[ -e "$path" ] || first=1
./build/laoke setup --db "$db"
if [ $first = 1 ]; then
  echo "laoke: first run: filling $path with a small demo chain (laoke demo)"
  ./build/laoke demo --db "$db"
fi
pwfile=$(dirname "$path")/admin-password.txt
echo
echo "laoke: open http://$listen/ and log in as 'admin'"
[ -r "$pwfile" ] && echo "       first password: $(cat "$pwfile") (kept in $pwfile)"
echo
exec ./build/laoke serve --db "$db" --listen "$listen"
