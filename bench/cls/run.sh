#!/usr/bin/env bash
# A full classification run of every guest (`laoke classify`, issue 6) against
# DuckDB computing the same classification from the same data. Not a test: it
# prints figures and ratios and asserts nothing about speed; it exits 1 when the
# counts per field and value differ between laoke and DuckDB.
#
#   bench/cls/run.sh [--db PATH] [--build DIR] [--as-of TIME] [--rounds N] [--profile]
#                    [--keep]
#
#   --db PATH     a laoke SQLite database (default $LAOKE_BENCH_CLS_DB or
#                 /tmp/bench-cls.db); made with `laoke demo --guests 1000000
#                 --months 24` (~3.5 min) when absent (LAOKE_BENCH_GUESTS=N: a
#                 smaller one). Never written: the runs use a copy in a temporary
#                 directory (3.3 GB for 1M guests, plus ~0.5 GB of CSV and
#                 Parquet; removed at the end). An older schema is migrated on the
#                 copy first (timed: a one-time cost; migration 7 builds every
#                 guest's day log from all visits); a classification already in
#                 the copy is deleted so that the first run writes every guest.
#   --build DIR   the meson build holding `laoke` (default $LAOKE_BUILD or build);
#                 the figures in docs/PERFORMANCE.md use --buildtype=release
#   --as-of TIME  the run's "now", RFC 3339 (default: 03:30 +08:00, the nightly
#                 run, on the day after the database's last visit); both laoke
#                 runs and DuckDB use it
#   --rounds N    rounds (default 3): each takes a fresh copy of the database and
#                 measures laoke's first run and rerun, then DuckDB over CSV and over
#                 Parquet; the figures are the medians (the machine may be shared:
#                 the load average is printed with every round)
#   --profile     afterwards, `perf record` a first run and a rerun on the last
#                 copy (its classification deleted first) and print where the time
#                 goes
#   --keep        keep the temporary directory
#
# What it measures, each under /usr/bin/time -v (wall time, peak RSS):
#  1. `laoke classify` on the copy with no classification yet: every live guest
#     decided and all of them written (cls_current, cls_history, cls_counts) in
#     one transaction;
#  2. the same command again right after: the same decisions, only changes written;
#  3. the export of laoke's data for DuckDB: sqlite3 writes CSV files (visits,
#     guests, per-guest spend per dish category from customer_stats, preference
#     facts), then DuckDB turns them into Parquet. Reported separately; NOT part of
#     DuckDB's time;
#  4. `node bench/cls/duckdb_cls.mjs classify` over the CSV files, then over the
#     Parquet files: the whole node process (start, reading the files, the SQL,
#     writing the counts). DuckDB (@duckdb/node-api, pinned in
#     bench/cls/package.json; `npm ci` there when bench/cls/node_modules is absent)
#     runs in memory with its default threads (one per core).
# Then the counts per field and value: laoke's cls_counts of the first run (summed
# over home stores) beside DuckDB's, and the RFM quintile cuts of both.
set -euo pipefail
here=$PWD
cd "$(dirname "$0")/../.."

db=${LAOKE_BENCH_CLS_DB:-/tmp/bench-cls.db}
build=${LAOKE_BUILD:-build}
as_of=
rounds=3
profile=0
keep=0
while [ $# -gt 0 ]; do
	case $1 in
	--db) db=$2; shift 2 ;;
	--build) build=$2; shift 2 ;;
	--as-of) as_of=$2; shift 2 ;;
	--rounds) rounds=$2; shift 2 ;;
	--profile) profile=1; shift ;;
	--keep) keep=1; shift ;;
	-h|--help) sed -n '2,/^set -euo/{/^#/p}' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "bench/cls/run.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
	esac
done
db=${db#sqlite:}
case $db in /*) ;; *) db=$here/$db ;; esac
case $build in /*) ;; *) [ -d "$here/$build" ] && build=$here/$build ;; esac
case $rounds in ''|*[!0-9]*|0) echo "bench/cls/run.sh: --rounds must be a positive whole number" >&2; exit 2 ;; esac

log() { printf '%s %s\n' "$(date +%T)" "$*"; }

# ---- tools -------------------------------------------------------------------
apt_install() {
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		log "installing $*"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null ||
			{ apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null; }
	else
		echo "bench/cls/run.sh: missing $*: apt-get install $*" >&2
		exit 1
	fi
}
[ -x /usr/bin/time ] || apt_install time
command -v sqlite3 >/dev/null || apt_install sqlite3
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then apt_install nodejs npm; fi
if [ $profile = 1 ] && ! command -v perf >/dev/null; then apt_install linux-perf; fi
if [ ! -d bench/cls/node_modules/@duckdb/node-api ]; then
	log "npm ci in bench/cls (DuckDB for this bench only)"
	(cd bench/cls && npm ci --no-audit --no-fund --loglevel=error)
fi
bin=$build/laoke
[ -x "$bin" ] || { echo "bench/cls/run.sh: no $bin: build first (meson setup $build --buildtype=release && ninja -C $build), or give --build DIR" >&2; exit 1; }
bin=$(cd "$(dirname "$bin")" && pwd)/laoke

work=$(mktemp -d "${TMPDIR:-/tmp}/laoke-bench-cls.XXXXXX")
cleanup() {
	if [ $keep = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

# ---- the database ------------------------------------------------------------
# shellcheck source=bench/demo_db.sh
. bench/demo_db.sh
bench_demo_db "$bin" "$db" "$work" || exit 1
need=$(( $(stat -c %s "$db") * 13 / 10240 + 1048576 ))
avail=$(df -Pk "$work" | awk 'NR == 2 {print $4}')
[ "$avail" -gt "$need" ] || { echo "bench/cls/run.sh: $work needs $((need / 1024)) MiB free (a copy of the database, CSV, Parquet)" >&2; exit 1; }
wdb=$work/cls.db

# /usr/bin/time -v figures: "secs kb"
tv() {
	awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i] }
		/Maximum resident set size/ { kb = $2 } END { printf "%.2f %d\n", s, kb }' "$1"
}
mib() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { printf "%.2f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
jnum() { sed -n "s/.*\"$2\":\([0-9.]*\).*/\1/p" "$1"; }
jcuts() { sed -n 's/.*"cuts":\({[^}]*}\).*/\1/p' "$1"; }

# A fresh copy without any classification: migrated (a no-op on a current
# schema; the time counts only when something ran), earlier runs deleted.
migrated=0
fresh_copy() {
	rm -f "$wdb" "$wdb-wal" "$wdb-shm"
	local t0 n old
	t0=$(date +%s%N)
	if [ -s "$db-wal" ]; then
		sqlite3 "file:$db?mode=ro" ".backup '$wdb'"
	else
		cp "$db" "$wdb"
	fi
	log "copied $db ($(du -m "$wdb" | cut -f1) MiB) in $(( ($(date +%s%N) - t0) / 1000000 )) ms"
	/usr/bin/time -v "$bin" migrate --db "sqlite:$wdb" >"$work/migrate.out" 2>"$work/migrate.time"
	n=$(sed -n 's/.*(\([0-9]*\) migrations\{0,1\} applied).*/\1/p' "$work/migrate.out")
	if [ -n "$n" ] && [ "$n" != 0 ]; then
		read -r mig_s mig_kb < <(tv "$work/migrate.time")
		migrated=$n
		log "migrated the copy: $(cat "$work/migrate.out") in $mig_s s (one-time), peak RSS $(mib "$mig_kb") MiB"
	fi
	old=$(sqlite3 "$wdb" "SELECT count(*) FROM cls_runs")
	if [ "$old" != 0 ]; then
		log "the copy holds $old classification runs: deleting them so that the first run writes every guest"
		sqlite3 "$wdb" "DELETE FROM cls_counts; DELETE FROM cls_history; DELETE FROM cls_current; DELETE FROM cls_runs;"
	fi
	sync
}

# laoke classify under time -v: $1 = first|rerun, $2 = round
laoke_run() {
	/usr/bin/time -v "$bin" classify --db "sqlite:$wdb" --as-of "$as_of" >"$work/$1.$2.out" 2>"$work/$1.$2.err" ||
		{ cat "$work/$1.$2.out" "$work/$1.$2.err" >&2; exit 1; }
	echo "  $(cat "$work/$1.$2.out")"
}

# cls_counts of the copy's first run, summed over home stores: $1 = round
laoke_counts() {
	sqlite3 -separator $'\t' "$wdb" "SELECT field, value, sum(n) FROM cls_counts
		WHERE run_id = (SELECT min(id) FROM cls_runs) GROUP BY field, value ORDER BY field, value" \
		>"$work/laoke.$1.tsv"
}

# the input data for DuckDB, from the copy: CSV by sqlite3, then Parquet by DuckDB
export_data() {
	mkdir -p "$work/csv" "$work/parquet"
	log "export: sqlite3 -> CSV"
	local t0
	t0=$(date +%s%N)
	sqlite3 -readonly "$wdb" <<SQL
.headers on
.mode csv
.once $work/csv/visits.csv
SELECT customer_id, visited_at, amount_fen FROM visits WHERE customer_id IS NOT NULL;
.once $work/csv/guests.csv
SELECT id, created_at, home_store_id FROM customers WHERE deleted_at IS NULL;
.once $work/csv/cat_spend.csv
SELECT customer_id, spend_meat AS meat, spend_seafood AS seafood, spend_vegetable AS vegetable,
       spend_soup_base AS soup_base, spend_staple AS staple, spend_snack AS snack,
       spend_drink AS drink, spend_dessert AS dessert FROM customer_stats;
.once $work/csv/prefs.csv
SELECT id, customer_id, value FROM customer_facts WHERE kind = 'preference';
SQL
	csv_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	log "export: CSV -> Parquet (DuckDB)"
	t0=$(date +%s%N)
	node bench/cls/duckdb_cls.mjs to-parquet "$work/csv" "$work/parquet"
	pq_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	csv_mb=$(du -cm "$work"/csv/*.csv | awk 'END {print $1}')
	pq_mb=$(du -cm "$work"/parquet/*.parquet | awk 'END {print $1}')
}

# DuckDB under time -v: $1 = csv|parquet, $2 = round
duck() {
	/usr/bin/time -v node bench/cls/duckdb_cls.mjs classify --format "$1" --dir "$work/$1" \
		--as-of "$as_of_unix" --tz "$tz" --settings "$settings" --out "$work/duck_$1.$2.tsv" \
		>"$work/duck_$1.$2.json" 2>"$work/duck_$1.$2.time" ||
		{ cat "$work/duck_$1.$2.time" >&2; exit 1; }
	echo "  $(cat "$work/duck_$1.$2.json")"
}

# ---- the rounds ------------------------------------------------------------------
F_S=() F_KB=() R_S=() R_KB=() C_S=() C_KB=() P_S=() P_KB=() C_SQL=() P_SQL=() F_MS=() R_MS=()
same_rounds=yes
for round in $(seq 1 "$rounds"); do
	echo
	log "round $round of $rounds (load average $(loadavg))"
	fresh_copy
	if [ "$round" = 1 ]; then
		if [ -z "$as_of" ]; then
			as_of=$(sqlite3 "$wdb" "SELECT strftime('%Y-%m-%dT03:30:00+08:00', max(visited_at) + 28800, 'unixepoch', '+1 day') FROM visits")
			[ -n "$as_of" ] || as_of=$(date -u -d '+8 hours' +%Y-%m-%dT03:30:00+08:00)
		fi
		read -r n_guests n_visits < <(sqlite3 -separator ' ' "$wdb" \
			"SELECT (SELECT count(*) FROM customers WHERE deleted_at IS NULL), (SELECT count(*) FROM visits)")
		log "$n_guests live guests, $n_visits visits; --as-of $as_of"
	fi
	log "laoke classify: first run"
	laoke_run first "$round"
	log "laoke classify: rerun"
	laoke_run rerun "$round"
	laoke_counts "$round"
	if [ "$round" = 1 ]; then
		run_id=$(sed -n 's/^classification run \([0-9]*\):.*/\1/p' "$work/first.1.out")
		IFS='|' read -r settings tz laoke_cuts as_of_unix < <(sqlite3 "$wdb" \
			"SELECT settings, tz_offset_min, cuts, as_of FROM cls_runs WHERE id = $run_id")
		export_data
		sync
	fi
	log "DuckDB over CSV"
	duck csv "$round"
	log "DuckDB over Parquet"
	duck parquet "$round"
	for f in laoke duck_csv duck_parquet; do
		cmp -s "$work/$f.$round.tsv" "$work/$f.1.tsv" ||
			{ same_rounds=no; echo "  $f.$round.tsv differs from round 1's" >&2; }
	done
	read -r s kb < <(tv "$work/first.$round.err"); F_S+=("$s"); F_KB+=("$kb")
	read -r s kb < <(tv "$work/rerun.$round.err"); R_S+=("$s"); R_KB+=("$kb")
	read -r s kb < <(tv "$work/duck_csv.$round.time"); C_S+=("$s"); C_KB+=("$kb")
	read -r s kb < <(tv "$work/duck_parquet.$round.time"); P_S+=("$s"); P_KB+=("$kb")
	F_MS+=("$(sed -n 's/.*rows written, \([0-9]*\) ms.*/\1/p' "$work/first.$round.err")")
	R_MS+=("$(sed -n 's/.*rows written, \([0-9]*\) ms.*/\1/p' "$work/rerun.$round.err")")
	C_SQL+=("$(jnum "$work/duck_csv.$round.json" seconds)")
	P_SQL+=("$(jnum "$work/duck_parquet.$round.json" seconds)")
	log "round $round: laoke ${F_S[-1]} s first, ${R_S[-1]} s rerun; DuckDB ${C_S[-1]} s CSV, ${P_S[-1]} s Parquet (load average $(loadavg))"
done

# ---- the counts ------------------------------------------------------------------
echo
echo "counts per field and value (laoke: cls_counts of the first run, summed over home stores)"
awk -F'\t' '
	FNR == 1 { file++ }
	{ k = $1 "\t" $2; keys[k] = 1 }
	file == 1 { L[k] = $3 }
	file == 2 { C[k] = $3 }
	file == 3 { P[k] = $3 }
	END {
		for (k in keys) {
			split(k, f, "\t")
			l = (k in L) ? L[k] : 0; c = (k in C) ? C[k] : 0; p = (k in P) ? P[k] : 0
			mark = (l == c && l == p) ? "" : sprintf("   <- differs (duckdb csv - laoke %+d, parquet - laoke %+d)", c - l, p - l)
			printf "  %-15s %-19s %10d %12d %16d%s\n", f[1], f[2], l, c, p, mark
		}
	}' "$work/laoke.1.tsv" "$work/duck_csv.1.tsv" "$work/duck_parquet.1.tsv" | sort >"$work/compare.txt"
printf '  %-15s %-19s %10s %12s %16s\n' field value laoke "duckdb csv" "duckdb parquet"
cat "$work/compare.txt"
mismatch=$(grep -c -- '<- differs' "$work/compare.txt" || true)
echo
echo "RFM quintile cuts  laoke:          $laoke_cuts"
echo "                   duckdb csv:     $(jcuts "$work/duck_csv.1.json")"
echo "                   duckdb parquet: $(jcuts "$work/duck_parquet.1.json")"
cuts_same=yes
[ "$laoke_cuts" = "$(jcuts "$work/duck_csv.1.json")" ] && [ "$laoke_cuts" = "$(jcuts "$work/duck_parquet.1.json")" ] || cuts_same=no
laoke_guests=$(sed -n 's/.*: \([0-9]*\) guests (\([0-9]*\) with a visit).*/\1 \2/p' "$work/first.1.out")
duck_guests="$(jnum "$work/duck_csv.1.json" guests) $(jnum "$work/duck_csv.1.json" scored)"
ok=yes
if [ "$mismatch" != 0 ] || [ "$cuts_same" = no ] || [ "$laoke_guests" != "$duck_guests" ] || [ "$same_rounds" = no ]; then
	ok=no
	echo
	echo "MISMATCH: $mismatch values differ; the same cuts: $cuts_same; guests (with a visit): laoke $laoke_guests, duckdb $duck_guests; every round the same counts: $same_rounds"
	log "per guest (untimed): laoke's cls_current against DuckDB over Parquet"
	sqlite3 -readonly -header -csv "$wdb" "SELECT * FROM cls_current" >"$work/laoke_current.csv"
	node bench/cls/duckdb_cls.mjs classify --format parquet --dir "$work/parquet" --as-of "$as_of_unix" \
		--tz "$tz" --settings "$settings" --out /dev/null --laoke-current "$work/laoke_current.csv" >/dev/null
else
	echo "every count matches ($n_guests guests, $(echo "$laoke_guests" | cut -d' ' -f2) with a visit), and so do the cuts"
fi

# ---- the figures -----------------------------------------------------------------
f_s=$(median "${F_S[@]}") r_s=$(median "${R_S[@]}") c_s=$(median "${C_S[@]}") p_s=$(median "${P_S[@]}")
first_written=$(sed -n 's/.*changed, \([0-9]*\) rows written.*/\1/p' "$work/first.1.out")
rerun_written=$(sed -n 's/.*changed, \([0-9]*\) rows written.*/\1/p' "$work/rerun.1.out")
echo
echo "figures: medians of $rounds round(s) (each: ${F_S[*]} | ${R_S[*]} | ${C_S[*]} | ${P_S[*]} s)"
echo "  $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB RAM; every file in the page cache; $n_guests guests, $n_visits visits; --as-of $as_of"
printf '  %-48s %8s %10s\n' "" "wall s" "peak RSS"
printf '  %-48s %8s %6s MiB   (the run itself %s ms)\n' "laoke classify, first run ($first_written rows written)" "$f_s" "$(mib "$(median "${F_KB[@]}")")" "$(median "${F_MS[@]}" | cut -d. -f1)"
printf '  %-48s %8s %6s MiB   (the run itself %s ms)\n' "laoke classify, rerun ($rerun_written rows written)" "$r_s" "$(mib "$(median "${R_KB[@]}")")" "$(median "${R_MS[@]}" | cut -d. -f1)"
printf '  %-48s %8s %6s MiB   (in node: %s s)\n' "DuckDB over CSV (the node process)" "$c_s" "$(mib "$(median "${C_KB[@]}")")" "$(median "${C_SQL[@]}")"
printf '  %-48s %8s %6s MiB   (in node: %s s)\n' "DuckDB over Parquet (the node process)" "$p_s" "$(mib "$(median "${P_KB[@]}")")" "$(median "${P_SQL[@]}")"
echo "  ratios of the medians (< 1: laoke faster)"
echo "    laoke first run / DuckDB CSV      $(ratio "$f_s" "$c_s")"
echo "    laoke first run / DuckDB Parquet  $(ratio "$f_s" "$p_s")"
echo "    laoke rerun / DuckDB CSV          $(ratio "$r_s" "$c_s")"
echo "    laoke rerun / DuckDB Parquet      $(ratio "$r_s" "$p_s")"
echo "  export for DuckDB, once, NOT in DuckDB's time: sqlite3 -> CSV $(awk -v m="$csv_ms" 'BEGIN { printf "%.2f", m / 1000 }') s ($csv_mb MiB)," \
	"CSV -> Parquet $(awk -v m="$pq_ms" 'BEGIN { printf "%.2f", m / 1000 }') s ($pq_mb MiB)"
if [ "$migrated" != 0 ]; then
	echo "  migration of the copy (one-time, $migrated migrations, the last round's): $mig_s s, peak RSS $(mib "$mig_kb") MiB"
fi

# ---- profile ---------------------------------------------------------------------
if [ $profile = 1 ]; then
	for what in first rerun; do
		if [ $what = first ]; then
			sqlite3 "$wdb" "DELETE FROM cls_counts; DELETE FROM cls_history; DELETE FROM cls_current; DELETE FROM cls_runs;"
		fi
		echo
		log "perf: laoke classify ($what; time including callees, then self time)"
		perf record -q -F 499 --call-graph dwarf,16384 -o "$work/perf.$what" \
			"$bin" classify --db "sqlite:$wdb" --as-of "$as_of" >/dev/null 2>&1
		perf report -q -i "$work/perf.$what" --children --percent-limit 4 --stdio -g none \
			--sort symbol 2>/dev/null | grep -v '^$' | sed 's/ *- *- *$//; s/^/    /' | head -25 || true
		echo "    --"
		perf report -q -i "$work/perf.$what" --no-children --percent-limit 2 --stdio -g none \
			--sort dso,symbol 2>/dev/null | grep -v '^$' | sed 's/ *- *- *$//; s/^/    /' | head -15 || true
	done
fi
[ $ok = yes ]
