#!/usr/bin/env bash
# shellcheck disable=SC2046,SC2086  # "set -- $(wrk_run …)" and $(cpu_ticks) split on purpose
# Benchmarks against limits measured in the same run (issue 4 §4). Not a test:
# it prints figures and ratios and asserts nothing about speed.
#
#   bench/run.sh [--db PATH] [--build DIR] [--rounds N] [--seconds S] [--conns C]
#                [--import-rows N] [--profile] [--keep]
#
#   --db PATH        a 1M-guest demo database (default $LAOKE_BENCH_DB or
#                    /tmp/laoke-bench-1m.db); made with `laoke demo --guests 1000000
#                    --months 24` (~3.5 min) when absent. Never written: the runs use a
#                    copy in a temporary directory (3 GB; removed at the end).
#                    LAOKE_BENCH_GUESTS=N makes a smaller one instead (a quick check).
#   --build DIR      the meson build holding `laoke` (default $LAOKE_BUILD or build)
#   --rounds N       rounds per comparison (default 5); laoke and its limit alternate
#                    round by round so that a busy machine slows both alike; the
#                    figures are the medians over the rounds
#   --seconds S      seconds per round (default 5)
#   --conns C        HTTP connections of wrk, and threads of bare_insert (default 8)
#   --import-rows N  item lines in the import CSV (default 100000)
#   --profile        afterwards, profile the server during a lookup run: perf
#                    (where the CPU goes) and strace -c (system calls per request)
#   --keep           keep the temporary directory (database copy, logs, CSV)
#
# The figures:
#  1. guest lookup by phone (GET /api/v1/customers?phone=…, keep-alive, phones of real
#     guests) against bench/bare_http.c: the same libmicrohttpd flags and thread pool,
#     a fixed JSON body of the size of laoke's answer. Goal ≥ 0.5.
#  2. a durable visit with 5 items (POST /api/v1/visits) against bench/bare_insert.c:
#     the same rows in one transaction per visit, WAL + synchronous=FULL, as many
#     threads as wrk has connections. Goal ≥ 0.5.
#  3. `laoke import visits FILE.csv --store CODE` against `sqlite3 .import` of the same
#     CSV into a plain table (when this build has `laoke import`).
#  4. the server's peak RSS (VmHWM) over the runs, beside bare_http's.
set -euo pipefail
here=$PWD
cd "$(dirname "$0")/.."

db=${LAOKE_BENCH_DB:-/tmp/laoke-bench-1m.db}
build=${LAOKE_BUILD:-build}
rounds=5
seconds=5
conns=8
import_rows=100000
profile=0
keep=0
server_threads=4
wrk_threads=2
while [ $# -gt 0 ]; do
	case $1 in
	--db) db=$2; shift 2 ;;
	--build) build=$2; shift 2 ;;
	--rounds) rounds=$2; shift 2 ;;
	--seconds) seconds=$2; shift 2 ;;
	--conns) conns=$2; shift 2 ;;
	--import-rows) import_rows=$2; shift 2 ;;
	--profile) profile=1; shift ;;
	--keep) keep=1; shift ;;
	-h|--help) sed -n '3,/^set -euo/{/^#/p}' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "bench/run.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
	esac
done
db=${db#sqlite:}
case $db in /*) ;; *) db=$here/$db ;; esac
case $build in /*) ;; *) [ -d "$here/$build" ] && build=$here/$build ;; esac
for n in "$rounds" "$seconds" "$conns" "$import_rows"; do
	case $n in ''|*[!0-9]*|0) echo "bench/run.sh: counts must be positive whole numbers" >&2; exit 2 ;; esac
done

# ---- tools -------------------------------------------------------------------
missing=()
for t in wrk hyperfine sqlite3 curl cc pkg-config python3; do
	command -v $t >/dev/null || missing+=("$t")
done
pkg-config --exists libmicrohttpd sqlite3 2>/dev/null || missing+=("libmicrohttpd-dev/libsqlite3-dev")
if [ $profile = 1 ]; then
	command -v perf >/dev/null || missing+=("perf (linux-perf)")
	command -v strace >/dev/null || missing+=("strace")
fi
if [ ${#missing[@]} -gt 0 ]; then
	echo "bench/run.sh: missing: ${missing[*]}" >&2
	extra=""; [ $profile = 1 ] && extra=" linux-perf strace"
	echo "  install with: apt-get install wrk hyperfine sqlite3 curl build-essential pkg-config libmicrohttpd-dev libsqlite3-dev python3$extra" >&2
	exit 1
fi
bin=$build/laoke
[ -x "$bin" ] || { echo "bench/run.sh: no $bin: build first (meson setup $build --buildtype=debugoptimized && ninja -C $build), or give --build DIR" >&2; exit 1; }
bin=$(cd "$(dirname "$bin")" && pwd)/laoke

work=$(mktemp -d "${TMPDIR:-/tmp}/laoke-bench.XXXXXX")
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	if [ $keep = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
log() { printf '%s %s\n' "$(date +%T)" "$*"; }

# ---- the limits' programs, with meson's debugoptimized flags -----------------
cflags="-std=gnu17 -O2 -g -Wall -Wextra -Werror -pthread -D_FILE_OFFSET_BITS=64"
log "compiling bench/bare_http.c and bench/bare_insert.c: cc $cflags"
# shellcheck disable=SC2046,SC2086
cc $cflags bench/bare_http.c -o "$work/bare_http" $(pkg-config --cflags --libs libmicrohttpd)
# shellcheck disable=SC2046,SC2086
cc $cflags bench/bare_insert.c -o "$work/bare_insert" $(pkg-config --cflags --libs sqlite3)

# ---- the database ------------------------------------------------------------
# shellcheck source=bench/demo_db.sh
. bench/demo_db.sh
bench_demo_db "$bin" "$db" "$work" || exit 1
need=$(( $(stat -c %s "$db") / 1024 + 1048576 ))
avail=$(df -Pk "$work" | awk 'NR == 2 {print $4}')
[ "$avail" -gt "$need" ] || { echo "bench/run.sh: $work needs $((need / 1024)) MiB free for a copy of the database" >&2; exit 1; }
wdb=$work/bench.db
t0=$(date +%s%N)
if [ -s "$db-wal" ]; then
	# a live WAL: copy through SQLite so the copy is consistent
	sqlite3 "file:$db?mode=ro" ".backup '$wdb'"
else
	cp "$db" "$wdb"
fi
sync "$wdb" # write the copy back now, not during the runs
log "copied $db ($(( $(stat -c %s "$db") / 1048576 )) MiB) to $wdb in $(awk -v a="$t0" -v b="$(date +%s%N)" 'BEGIN {printf "%.1f", (b - a) / 1e9}') s"
q() { sqlite3 -batch -noheader "file:$wdb?mode=ro" "$1"; }
guests=$(q "SELECT count(*) FROM customers WHERE deleted_at IS NULL")
visits0=$(q "SELECT max(id) FROM visits")
maxid=$(q "SELECT max(id) FROM customers")
store_ids=$(q "SELECT group_concat(id) FROM stores")
store_code=$(q "SELECT code FROM stores ORDER BY id LIMIT 1")
[ "${guests:-0}" -gt 0 ] && [ -n "$store_ids" ] || { echo "bench/run.sh: $db has no guests or stores: is it a laoke demo database?" >&2; exit 1; }
log "database: $guests guests, ~$visits0 visits, stores $store_ids"

# ---- laoke serve on the copy -------------------------------------------------
t0=$(date +%s%N)
"$bin" migrate --db "sqlite:$wdb" >"$work/migrate.log" 2>&1 || { cat "$work/migrate.log" >&2; exit 1; }
log "laoke migrate on the copy: $(awk -v a="$t0" -v b="$(date +%s%N)" 'BEGIN {printf "%.1f", (b - a) / 1e9}') s"
# A manager of the whole chain: a store-bound waiter could not record visits at every
# store, and each first lookup of another store's guest would write a guest_store_links
# row (docs/ROLES.md), which is not what the read-only bare_http limit does.
user=bench_manager_$$
pass=bench-password-$$
printf '%s\n' "$pass" | "$bin" user add $user --role manager --password-stdin --db "sqlite:$wdb" >/dev/null
"$bin" serve --db "sqlite:$wdb" --listen 127.0.0.1:0 --port-file "$work/port" \
	--threads $server_threads 2>"$work/server.log" &
spid=$!
pids+=("$spid")
for _ in $(seq 3000); do [ -s "$work/port" ] && break; kill -0 $spid 2>/dev/null || break; sleep 0.1; done
[ -s "$work/port" ] || { echo "bench/run.sh: the server did not start:" >&2; tail -5 "$work/server.log" >&2; exit 1; }
base=http://127.0.0.1:$(cat "$work/port")
token=$(curl -sf -H 'Content-Type: application/json' \
	-d "{\"username\":\"$user\",\"password\":\"$pass\"}" "$base/api/v1/auth/login" |
	python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')
log "laoke serve --threads $server_threads on $base (pid $spid), logged in as manager '$user' (all stores)"

# phones of real guests, spread over the id range
step=$(( maxid / 3000 )); [ $step -ge 1 ] || step=1
q "SELECT substr(phone, 4) FROM customers WHERE id % $step = 0 AND phone IS NOT NULL
   AND deleted_at IS NULL LIMIT 3000" >"$work/phones.txt"
nphones=$(wc -l <"$work/phones.txt")
{
	echo "local phones = {"
	sed 's/.*/"&",/' "$work/phones.txt"
	echo "}"
	cat <<LUA
local i = math.random(#phones)
request = function()
  i = i % #phones + 1
  return wrk.format("GET", "/api/v1/customers?phone=" .. phones[i],
    {["Authorization"] = "Bearer $token"})
end
LUA
} >"$work/lookup.lua"

# the size of laoke's answer: the median over 51 of those guests
body=$(head -51 "$work/phones.txt" | while read -r p; do
	curl -s -o /dev/null -w '%{size_download}\n' -H "Authorization: Bearer $token" \
		"$base/api/v1/customers?phone=$p"
done | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}')
"$work/bare_http" "$work/bare_port" "$body" $server_threads 2>"$work/bare_http.log" &
bpid=$!
pids+=("$bpid")
for _ in $(seq 50); do [ -s "$work/bare_port" ] && break; sleep 0.1; done
bare=http://127.0.0.1:$(cat "$work/bare_port")
log "bare_http (pid $bpid) on $bare answering $body bytes, the median laoke answer"

# wrk: "rps p99_ms errors requests"
wrk_run() { # URL SCRIPT SECONDS LABEL
	local out=$work/wrk-$4.txt
	wrk -t$wrk_threads -c"$conns" -d"$3"s --latency -s "$2" "$1" >"$out" 2>&1 || true
	awk '
		function ms(v) {
			if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0
			if (v ~ /m$/) return v * 60000; if (v ~ /s$/) return v * 1000; return v }
		/Requests\/sec/ { rps = $2 }
		/ requests in / { n = $1 }
		$1 == "99%" { p99 = ms($2) }
		/Non-2xx/ { err += $NF }
		/Socket errors/ { gsub(",", ""); err += $4 + $6 + $8 + $10 }
		END { printf "%.0f %.2f %d %d\n", rps, p99, err, n }' "$out"
}
median() { sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
hz=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; } # user + system of a process
per_req_us() { # TICKS REQUESTS
	awk -v t="$1" -v n="$2" -v hz="$hz" 'BEGIN { if (n > 0) printf "%.0f", t * 1e6 / hz / n; else print 0 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }

# ---- 1. lookup by phone ------------------------------------------------------
log "1. lookup by phone: $nphones guests' phones, wrk -t$wrk_threads -c$conns, $rounds rounds of ${seconds}s each side"
wrk_run "$base" "$work/lookup.lua" 2 warm-laoke >/dev/null
wrk_run "$bare" "$work/lookup.lua" 2 warm-bare >/dev/null
: >"$work/lookup-laoke" ; : >"$work/lookup-bare"
# each line: rps p99_ms errors requests server_cpu_us_per_request
for r in $(seq "$rounds"); do
	c0=$(cpu_ticks $spid)
	set -- $(wrk_run "$base" "$work/lookup.lua" "$seconds" "lookup-laoke-$r")
	us=$(per_req_us $(( $(cpu_ticks $spid) - c0 )) "$4")
	echo "$* $us" >>"$work/lookup-laoke"
	printf '   round %d  laoke    %7d req/s  p99 %7.2f ms  server CPU %4d us/request  errors %d\n' "$r" "$1" "$2" "$us" "$3"
	c0=$(cpu_ticks $bpid)
	set -- $(wrk_run "$bare" "$work/lookup.lua" "$seconds" "lookup-bare-$r")
	us=$(per_req_us $(( $(cpu_ticks $bpid) - c0 )) "$4")
	echo "$* $us" >>"$work/lookup-bare"
	printf '   round %d  bare     %7d req/s  p99 %7.2f ms  server CPU %4d us/request\n' "$r" "$1" "$2" "$us"
done
lk_rps=$(cut -d' ' -f1 "$work/lookup-laoke" | median)
lk_p99=$(cut -d' ' -f2 "$work/lookup-laoke" | median)
lk_err=$(awk '{s += $3} END {print s + 0}' "$work/lookup-laoke")
bh_rps=$(cut -d' ' -f1 "$work/lookup-bare" | median)
bh_p99=$(cut -d' ' -f2 "$work/lookup-bare" | median)
lk_us=$(cut -d' ' -f5 "$work/lookup-laoke" | median)
bh_us=$(cut -d' ' -f5 "$work/lookup-bare" | median)
lk_ratio=$(ratio "$lk_rps" "$bh_rps")
log "   median: laoke $lk_rps req/s (p99 $lk_p99 ms), bare_http $bh_rps req/s (p99 $bh_p99 ms): ratio $lk_ratio"
log "   server CPU per lookup (user + system, median): laoke $lk_us us, bare_http $bh_us us"
[ "$lk_err" = 0 ] || log "   WARNING: $lk_err lookups were not 2xx: see $work/wrk-lookup-laoke-*.txt"

# ---- 2. durable visit with 5 items ------------------------------------------
# one active dish of each of five categories; category index in lk_dish_categories order
dishes=$(q "SELECT id || ':' || CASE category WHEN 'meat' THEN 2 ELSE 1 END || ':' || price_fen || ':' ||
	CASE category WHEN 'meat' THEN 0 WHEN 'seafood' THEN 1 WHEN 'vegetable' THEN 2
	WHEN 'soup_base' THEN 3 WHEN 'drink' THEN 6 END
	FROM dishes WHERE active = 1 AND id IN (SELECT min(id) FROM dishes WHERE active = 1
	AND category IN ('meat','seafood','vegetable','soup_base','drink') GROUP BY category)
	ORDER BY id" | paste -sd,)
[ "$(echo "$dishes" | tr ',' '\n' | wc -l)" = 5 ] || { echo "bench/run.sh: need active dishes of meat, seafood, vegetable, soup_base and drink" >&2; exit 1; }
items=$(echo "$dishes" | tr ',' '\n' | awk -F: '{printf "%s{\"dish_id\":%s,\"qty\":%s}", (NR > 1 ? "," : ""), $1, $2}')
# every wrk run gets its own order ids (W<run>-<round>-<thread>-<n>): a repeated id would
# be answered as a replay, without a write
run_id=$(date +%s)-$$
visit_lua() { # ROUND -> $work/visit.lua
cat >"$work/visit.lua" <<LUA
local n = 0
function setup(thread)
  n = n + 1
  thread:set("tid", n)
end
local stores = {$store_ids}
local i = 0
local nonce = "$run_id-$1"
request = function()
  i = i + 1
  local body = string.format('{"customer_id":%d,"store_id":%d,"pos_order_id":"W%s-%d-%d",'
    .. '"party_size":3,"items":[$items]}',
    math.random(1, $maxid), stores[math.random(#stores)], nonce, tid, i)
  return wrk.format("POST", "/api/v1/visits",
    {["Authorization"] = "Bearer $token", ["Content-Type"] = "application/json"}, body)
end
LUA
}
log "2. durable visit, 5 items ($dishes as dish:qty:price_fen:category): wrk -c$conns against bare_insert with $conns threads, $rounds rounds of ${seconds}s each side"
visit_lua warm
wrk_run "$base" "$work/visit.lua" 2 warm-visit >/dev/null
before=$(q "SELECT max(id) FROM visits")
: >"$work/visit-laoke" ; : >"$work/visit-bare"
for r in $(seq "$rounds"); do
	visit_lua "$r"
	set -- $(wrk_run "$base" "$work/visit.lua" "$seconds" "visit-laoke-$r")
	echo "$*" >>"$work/visit-laoke"
	printf '   round %d  laoke        %6d visits/s  p99 %7.2f ms  errors %d\n' "$r" "$1" "$2" "$3"
	out=$("$work/bare_insert" "$wdb" "$conns" "$seconds" "$maxid" "$dishes")
	echo "$out" | awk '{print $6}' >>"$work/visit-bare"
	printf '   round %d  bare_insert  %6d visits/s\n' "$r" "$(echo "$out" | awk '{print $6}')"
done
# references, not limits: the same rows from one thread (commits in a row, one warm page
# cache) and ten visits per transaction (what grouping commits could reach)
bi1_rps=$("$work/bare_insert" "$wdb" 1 "$seconds" "$maxid" "$dishes" | awk '{print $6}')
printf '   reference  bare_insert, 1 thread              %6d visits/s\n' "$bi1_rps"
bi10_rps=$("$work/bare_insert" "$wdb" "$conns" "$seconds" "$maxid" "$dishes" 10 | awk '{print $6}')
printf '   reference  bare_insert, 10 visits per commit  %6d visits/s\n' "$bi10_rps"
vi_rps=$(cut -d' ' -f1 "$work/visit-laoke" | median)
vi_p99=$(cut -d' ' -f2 "$work/visit-laoke" | median)
vi_err=$(awk '{s += $3} END {print s + 0}' "$work/visit-laoke")
vi_sent=$(awk '{s += $4} END {print s + 0}' "$work/visit-laoke")
vi_written=$(q "SELECT count(*) FROM visits WHERE id > $before AND pos_order_id GLOB 'W$run_id-[0-9]*'")
log "   laoke answered $vi_sent visit requests and wrote $vi_written visits (more when requests were cut off at the end)"
[ "$vi_written" -ge "$vi_sent" ] || log "   WARNING: fewer visits written than answered: replays?"
bi_rps=$(median <"$work/visit-bare")
vi_ratio=$(ratio "$vi_rps" "$bi_rps")
log "   median: laoke $vi_rps visits/s (p99 $vi_p99 ms), bare_insert $bi_rps visits/s: ratio $vi_ratio"
[ "$vi_err" = 0 ] || log "   WARNING: $vi_err visits were not 2xx: see $work/wrk-visit-laoke-*.txt"
rss_kb=$(awk '/VmHWM/ {print $2}' /proc/$spid/status)
rss_now_kb=$(awk '/VmRSS/ {print $2}' /proc/$spid/status)
bare_rss_kb=$(awk '/VmHWM/ {print $2}' /proc/$bpid/status)

# ---- 3. import ---------------------------------------------------------------
im_line="import: not available in this build"
im_rps="" ; si_rps="" ; im_ratio=""
if "$bin" help import >/dev/null 2>&1; then
	csv=$work/visits.csv
	log "3. import: $(python3 bench/gen_import_csv.py --db "$wdb" --rows "$import_rows" --store "$store_code" --out "$csv") for store $store_code"
	hyperfine --style basic --runs 3 --export-json "$work/hf-sqlite.json" \
		--prepare "rm -f '$work/plain.db'" \
		"sqlite3 '$work/plain.db' \".import --csv '$csv' visits_csv\"" >"$work/hf-sqlite.txt" 2>&1 ||
		{ cat "$work/hf-sqlite.txt" >&2; exit 1; }
	# one run: a second one would find every order already imported (replays)
	if hyperfine --style basic --runs 1 --export-json "$work/hf-laoke.json" \
		"'$bin' import visits '$csv' --db 'sqlite:$wdb' --store $store_code >'$work/import.out' 2>&1" \
		>"$work/hf-laoke.txt" 2>&1; then
		mean() { python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["results"][0]["mean"])' "$1"; }
		si_s=$(mean "$work/hf-sqlite.json"); im_s=$(mean "$work/hf-laoke.json")
		si_rps=$(awk -v n="$import_rows" -v s="$si_s" 'BEGIN {printf "%.0f", n / s}')
		im_rps=$(awk -v n="$import_rows" -v s="$im_s" 'BEGIN {printf "%.0f", n / s}')
		im_ratio=$(ratio "$im_rps" "$si_rps")
		im_line=$(printf 'import: laoke %s rows/s (%.2f s), sqlite3 .import %s rows/s (%.2f s): ratio %s' \
			"$im_rps" "$im_s" "$si_rps" "$si_s" "$im_ratio")
		im_line="$im_line
   laoke: $(grep -v '^import: ' "$work/import.out" | paste -sd' ')"
	else
		im_line="import: laoke import failed (see $work/import.out; --keep keeps it)"
		grep -v '^import: ' "$work/import.out" | tail -5 >&2 || true
	fi
fi
log "$im_line"

# ---- profile (optional) ------------------------------------------------------
if [ $profile = 1 ]; then
	log "profile: perf record -g (dwarf) of the server over a ${seconds}s lookup run"
	wrk -t$wrk_threads -c"$conns" -d$((seconds + 2))s -s "$work/lookup.lua" "$base" >"$work/wrk-profile.txt" 2>&1 &
	wp=$!
	sleep 1
	perf record -q -F 499 --call-graph dwarf,16384 -p $spid -o "$work/perf.data" -- sleep "$seconds" >/dev/null 2>&1 || true
	wait $wp || true
	echo "   inclusive CPU share of the server's time (children included):"
	perf report -i "$work/perf.data" --children --sort sym --stdio -g none 2>/dev/null |
		grep -E '\] (answer|bearer_user|store_session_user|store_customer_search|cust_load_children|customer_json|api_render|json_dumps|emit|lk_log_request|sqlite3_step|sqlite3WalBeginReadTransaction|sqlite3BtreeCommitPhaseTwo|__libc_pread64 \(inlined\)|__fcntl64_nocancel_adjusted|__libc_sendmsg|__libc_recv|epoll_wait|__GI___libc_write|__memset_avx512_unaligned_erms|malloc|_int_malloc)$' |
		awk '{printf "   %7s  %s %s\n", $1, $4, $5}' | head -30
	perf report -i "$work/perf.data" --no-children --sort dso --stdio -g none 2>/dev/null |
		grep -E '^ +[0-9]' | head -8 | awk '{printf "   %7s  self in %s\n", $1, $2}'
	log "profile: system calls per lookup (strace -c -f, one connection, 3 s)"
	n0=$(grep -c '"path":"/api/v1/customers"' "$work/server.log" || true)
	timeout -s INT 5 strace -f -c -p $spid -o "$work/strace.txt" >/dev/null 2>&1 &
	sp=$!
	sleep 0.5
	wrk -t1 -c1 -d3s -s "$work/lookup.lua" "$base" >/dev/null 2>&1 || true
	wait $sp || true
	n1=$(grep -c '"path":"/api/v1/customers"' "$work/server.log" || true)
	awk -v n=$((n1 - n0)) '$NF ~ /^[a-z_0-9]+$/ && $4 ~ /^[0-9]+$/ && $NF != "total" {
		printf "   %-14s %6.2f per request\n", $NF, $4 / n }' "$work/strace.txt" | head -10
	echo "   ($((n1 - n0)) requests; SQL statements per lookup: session, search, tags, family, allergies = 5)"
fi

# ---- summary -----------------------------------------------------------------
goal() { awk -v r="$1" -v g="$2" 'BEGIN { if (r == "" || r == "-") print "-"; else print (r >= g ? "yes" : "NO") }'; }
echo
echo "== laoke benchmarks $(date +%F), $(nproc) cores, $(uname -m), db $guests guests, rounds ${rounds}x${seconds}s, $conns connections"
printf '%-44s %18s %18s %6s %6s\n' figure value limit ratio "goal"
printf '%-44s %18s %18s %6s %6s\n' "lookup by phone, requests/s" "$lk_rps" "$bh_rps (bare_http)" "$lk_ratio" "$(goal "$lk_ratio" 0.5)"
printf '%-44s %18s %18s %6s %6s\n' "lookup by phone, p99 ms" "$lk_p99" "$bh_p99 (bare_http)" "-" "-"
printf '%-44s %18s %18s %6s %6s\n' "lookup by phone, server CPU us/request" "$lk_us" "$bh_us (bare_http)" "$(ratio "$lk_us" "$bh_us")" "-"
printf '%-44s %18s %18s %6s %6s\n' "visit with 5 items, durable, visits/s" "$vi_rps" "$bi_rps (bare_insert)" "$vi_ratio" "$(goal "$vi_ratio" 0.5)"
printf '%-44s %18s %18s %6s %6s\n' "visit with 5 items, p99 ms" "$vi_p99" "-" "-" "-"
printf '%-44s %18s %18s %6s %6s\n' "  reference: bare_insert 1 thread" "$bi1_rps" "-" "$(ratio "$vi_rps" "$bi1_rps")" "-"
printf '%-44s %18s %18s %6s %6s\n' "  reference: bare_insert 10 visits/commit" "$bi10_rps" "-" "$(ratio "$vi_rps" "$bi10_rps")" "-"
if [ -n "$im_rps" ]; then
	printf '%-44s %18s %18s %6s %6s\n' "import visits CSV, rows/s" "$im_rps" "$si_rps (sqlite3)" "$im_ratio" "-"
else
	printf '%-44s %18s %18s %6s %6s\n' "import visits CSV, rows/s" "n/a" "-" "-" "-"
fi
printf '%-44s %18s %18s %6s %6s\n' "server peak RSS (VmHWM), MB" "$((rss_kb / 1024))" "$((bare_rss_kb / 1024)) (bare_http)" \
	"$(ratio "$rss_kb" "$bare_rss_kb")" "-"
printf '%-44s %18s %18s %6s %6s\n' "server RSS after the runs (VmRSS), MB" "$((rss_now_kb / 1024))" "-" "-" "-"
