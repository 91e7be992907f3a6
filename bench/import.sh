#!/usr/bin/env bash
# Import speed: `laoke import visits` of a generated POS export of N order lines
# (bench/gen_visits_csv.py: ~3.5 lines per order, 40% of orders with a member's
# phone) into a fresh database with synchronous=FULL, then the same file again
# (every order "unchanged"). Also the bare limit on the same machine: the same
# rows inserted by sqlite3's shell from a staging table in one transaction.
#   bench/import.sh [LINES] [BIN]     (default 1000000, build/laoke)
# Prints wall time and rows/s of each step. Not a test: no assertion on speed.
set -euo pipefail
cd "$(dirname "$0")/.."
lines=${1:-1000000}
bin=${2:-build/laoke}
[ -x "$bin" ] || { echo "build first: ninja -C build" >&2; exit 1; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
python3 bench/gen_visits_csv.py --lines "$lines" --out "$dir/v.csv" --menu "$dir/menu.csv"
db=sqlite:$dir/b.db
"$bin" migrate --db $db >/dev/null
sqlite3 "$dir/b.db" "INSERT INTO stores(code, name, created_at) VALUES
  ('CD01', '成都一店', 0), ('CD02', '成都二店', 0), ('BJ01', '北京一店', 0)"
"$bin" import dishes "$dir/menu.csv" --db $db >/dev/null
rate() { python3 -c "import sys; print('%.1f s, %d rows/s' % (float(sys.argv[1]), int(sys.argv[2]) / float(sys.argv[1])))" "$@"; }
for run in first again; do
	t0=$(date +%s.%N)
	"$bin" import visits "$dir/v.csv" --db $db 2>/dev/null | head -1
	t1=$(date +%s.%N)
	echo "import visits ($run): $(rate "$(echo "$t1 - $t0" | bc)" "$lines")"
done
# the bare limit: the same visit and item rows from a staging table, one INSERT ... SELECT each
t0=$(date +%s.%N)
sqlite3 "$dir/bare.db" <<SQL >/dev/null
PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;
ATTACH '$dir/b.db' AS src;
CREATE TABLE visits AS SELECT * FROM src.visits WHERE 0;
CREATE UNIQUE INDEX v_pos ON visits(store_id, pos_order_id);
CREATE INDEX v_cust ON visits(customer_id, visited_at, id);
CREATE INDEX v_time ON visits(store_id, visited_at);
CREATE TABLE visit_items AS SELECT * FROM src.visit_items WHERE 0;
CREATE UNIQUE INDEX i_pk ON visit_items(visit_id, line);
CREATE INDEX i_dish ON visit_items(dish_id);
BEGIN; INSERT INTO visits SELECT * FROM src.visits; INSERT INTO visit_items SELECT * FROM src.visit_items; COMMIT;
SQL
t1=$(date +%s.%N)
echo "bare sqlite3 INSERT ... SELECT of the same rows: $(rate "$(echo "$t1 - $t0" | bc)" "$lines")"
