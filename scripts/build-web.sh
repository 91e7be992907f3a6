#!/bin/sh
# Build the staff console: copy web/src to web/dist, and the two libraries
# the console uses from node_modules (pinned in package-lock.json, installed
# by `npm ci`) into web/dist/vendor/: ECharts' ES module build for the survey
# charts, and the qrcode package (CommonJS only) bundled here into one ES
# module for the guests' feedback QR code. Without node_modules the console
# still works: the charts and the QR code say they are not installed.
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
# vendored libraries (third-party code served from our own origin: the CSP holds)
nm="$root/node_modules"
if [ -f "$nm/echarts/dist/echarts.esm.min.js" ] && [ -d "$nm/qrcode/lib" ] && command -v node >/dev/null 2>&1; then
	mkdir -p "$tmp/vendor"
	cp "$nm/echarts/dist/echarts.esm.min.js" "$tmp/vendor/echarts.esm.min.js"
	cp "$nm/echarts/LICENSE" "$tmp/vendor/echarts.LICENSE.txt"
	cp "$nm/qrcode/license" "$tmp/vendor/qrcode.LICENSE.txt"
	# qrcode ships CommonJS only: wrap lib/browser.js and what it requires
	# (dijkstrajs too) in one ES module, the way a bundler would
	node - "$nm" "$tmp/vendor/qrcode.mjs" <<'EOF' || { echo "build-web: bundling qrcode failed" >&2; exit 1; }
const fs = require('fs');
const path = require('path');
const [nm, out] = process.argv.slice(2);
const version = JSON.parse(fs.readFileSync(path.join(nm, 'qrcode/package.json'), 'utf8')).version;
const mods = new Map();
function resolveFrom(dir, name) {
  if (!name.startsWith('.')) {
    const pkg = JSON.parse(fs.readFileSync(path.join(nm, name, 'package.json'), 'utf8'));
    return path.join(nm, name, pkg.main || 'index.js');
  }
  const p = path.resolve(dir, name);
  return fs.existsSync(p) && fs.statSync(p).isFile() ? p : `${p}.js`;
}
function add(file) {
  if (mods.has(file)) return;
  const src = fs.readFileSync(file, 'utf8');
  const deps = {};
  mods.set(file, { src, deps });
  for (const m of src.matchAll(/require\(\s*'([^']+)'\s*\)/g)) {
    const dep = resolveFrom(path.dirname(file), m[1]);
    deps[m[1]] = path.relative(nm, dep);
    add(dep);
  }
}
const entry = path.join(nm, 'qrcode/lib/browser.js');
add(entry);
let js = `/* qrcode ${version} (MIT, see qrcode.LICENSE.txt) and dijkstrajs (MIT), bundled as one ES module by scripts/build-web.sh */\n`;
js += 'const defs = {};\n';
for (const [file, { src, deps }] of mods) {
  js += `defs[${JSON.stringify(path.relative(nm, file))}] = [function (module, exports, require) {\n${src}\n}, ${JSON.stringify(deps)}];\n`;
}
js += `const cache = {};
function load(id) {
  if (cache[id]) return cache[id].exports;
  const [fn, deps] = defs[id];
  const module = { exports: {} };
  cache[id] = module;
  fn.call(module.exports, module, module.exports, (name) => load(deps[name]));
  return module.exports;
}
const QRCode = load(${JSON.stringify(path.relative(nm, entry))});
export default QRCode;
export const { create, toCanvas, toDataURL } = QRCode;
`;
fs.writeFileSync(out, js);
EOF
else
	echo "build-web: node_modules lacks echarts or qrcode (run npm ci): no survey charts or QR codes" >&2
fi
rm -rf "$dist"
mv "$tmp" "$dist"
trap - EXIT
echo "build-web: $dist"
