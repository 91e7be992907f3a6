# shellcheck shell=bash
# Sourced by the benchmarks: make the 1M-guest demo database they measure on.
#
#   bench_demo_db BIN DB WORKDIR
#
# When DB is missing or empty, `BIN demo --guests ${LAOKE_BENCH_GUESTS:-1000000}
# --months 24` writes it (~3.5 min for 1M guests), under another name until it is
# complete: an interrupted demo load is not usable. Needs the caller's `log`.
bench_demo_db() {
	local bin=$1 db=$2 work=$3
	[ -s "$db" ] && return 0
	local demo_guests=${LAOKE_BENCH_GUESTS:-1000000}
	log "no database at $db: making one (laoke demo --guests $demo_guests --months 24; 1M guests take ~3.5 min)"
	mkdir -p "$(dirname "$db")"
	rm -f "$db.partial" "$db.partial-wal" "$db.partial-shm"
	"$bin" demo --db "sqlite:$db.partial" --guests "$demo_guests" --months 24 >"$work/demo.log" 2>&1 ||
		{ rm -f "$db.partial" "$db.partial-wal" "$db.partial-shm"; cat "$work/demo.log" >&2; return 1; }
	[ -s "$db.partial-wal" ] && mv "$db.partial-wal" "$db-wal"
	rm -f "$db.partial-wal" "$db.partial-shm"
	mv "$db.partial" "$db"
}
