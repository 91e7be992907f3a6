#!/usr/bin/env bash
# Foundation figures: guest lookup by phone tail and durable visit recording
# over HTTP with keep-alive, on a fresh database of N guests.
#   bench/foundation.sh [GUESTS]     (default 20000; needs wrk, python3;
#                                    LAOKE_BUILD=DIR for a build other than build/)
# Prints requests/s and latency from wrk. Not a test: no assertion on speed.
set -euo pipefail
cd "$(dirname "$0")/.."
guests=${1:-20000}
bin=${LAOKE_BUILD:-build}/laoke
[ -x $bin ] || { echo "build first: ninja -C build" >&2; exit 1; }
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)" >&2; exit 1; }
dir=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
db=sqlite:$dir/b.db
$bin migrate --db $db >/dev/null
printf 'bench-password\n' | $bin user add bench --role admin --password-stdin --db $db >/dev/null
$bin serve --db $db --listen 127.0.0.1:0 --port-file $dir/port --threads 4 2>$dir/log &
pid=$!
for _ in $(seq 50); do [ -s $dir/port ] && break; sleep 0.1; done
port=$(cat $dir/port)
base=http://127.0.0.1:$port
token=$(python3 - "$base" "$guests" <<'PY'
import http.client, json, sys, urllib.parse
base, n = sys.argv[1], int(sys.argv[2])
host = urllib.parse.urlparse(base)
c = http.client.HTTPConnection(host.hostname, host.port)
def req(m, p, body=None, tok=None):
    h = {"Content-Type": "application/json"}
    if tok: h["Authorization"] = "Bearer " + tok
    c.request(m, p, json.dumps(body) if body is not None else None, h)
    r = c.getresponse(); d = r.read()
    return r.status, json.loads(d)
_, r = req("POST", "/api/v1/auth/login", {"username": "bench", "password": "bench-password"})
t = r["token"]
req("POST", "/api/v1/stores", {"code": "CD01", "name": "成都春熙路店"}, t)
for name, cat, price in [("毛肚","meat",6800),("虾滑","seafood",4200),("土豆片","vegetable",1200),
                         ("番茄锅底","soup_base",3800),("酸梅汤","drink",1500)]:
    req("POST", "/api/v1/dishes", {"name": name, "category": cat, "price_fen": price}, t)
surn = "王李张刘陈杨黄赵吴周"
for i in range(n):
    s, _ = req("POST", "/api/v1/customers",
               {"name": surn[i % 10] + "客" + str(i), "phone": "139%08d" % i}, t)
    assert s == 201, s
print(t)
PY
)
cat > $dir/lookup.lua <<LUA
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", string.format("/api/v1/customers?phone_tail=%04d", (i * 7919) % 10000),
    {["Authorization"] = "Bearer $token"})
end
LUA
cat > $dir/visit.lua <<LUA
local i = 0
local tid = math.random(1, 1000000000)
request = function()
  i = i + 1
  local body = string.format('{"customer_id":%d,"store_id":1,"pos_order_id":"B%d-%d","party_size":3,'
    .. '"items":[{"dish_id":1,"qty":2},{"dish_id":2},{"dish_id":3},{"dish_id":4},{"dish_id":5}]}',
    (i % $guests) + 1, tid, i)
  return wrk.format("POST", "/api/v1/visits",
    {["Authorization"] = "Bearer $token", ["Content-Type"] = "application/json"}, body)
end
LUA
echo "== $guests guests; lookup by phone tail (GET /api/v1/customers?phone_tail=NNNN), 4 connections, 10 s"
wrk -t2 -c4 -d10s --latency -s $dir/lookup.lua $base | grep -E 'Requests/sec|Latency|99%|50%|Non-2xx'
echo "== durable visit with 5 items (POST /api/v1/visits), 4 connections, 10 s"
wrk -t2 -c4 -d10s --latency -s $dir/visit.lua $base | grep -E 'Requests/sec|Latency|99%|50%|Non-2xx'
echo "== server RSS: $(awk '/VmHWM/ {print $2, $3}' /proc/$pid/status) peak"
