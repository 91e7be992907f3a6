#!/bin/sh
# Build the staff console: copy web/src to web/dist. The console is plain
# ES modules with no third-party code at run time, so nothing else is copied.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
src="$root/web/src"
dist="$root/web/dist"
tmp="$root/web/.dist.tmp.$$"
trap 'rm -rf "$tmp"' EXIT
rm -rf "$tmp"
mkdir -p "$tmp"
cp -R "$src/." "$tmp/"
# every locale must be valid JSON: a broken one would leave the console blank
# (checked when node is here; the run command does not install it, the tests do)
command -v node >/dev/null 2>&1 && for f in "$tmp"/locales/*.json; do
	node -e 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))' "$f" ||
		{ echo "build-web: $f is not valid JSON" >&2; exit 1; }
done
rm -rf "$dist"
mv "$tmp" "$dist"
trap - EXIT
echo "build-web: $dist"
