#!/usr/bin/env python3
"""
run.py - tests of `laoke import` on fixture files, TAP version 13 on stdout.

    python3 tests/import/run.py --laoke /path/to/laoke [--keep] [--filter TEXT]

Each test gets a fresh database with two stores and a small menu, runs the
CLI on files from tests/fixtures/import/ (or files it writes), and checks
the summary, the report lines on stderr, the rejects file and the tables.
The Maven test reads ../shared/data/restaurant_orders_maven beside the
repository and is skipped when that is absent. The kill test generates a
file with bench/gen_visits_csv.py.
"""

import argparse
import csv
import decimal
import io
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import traceback
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
FIX = os.path.join(ROOT, "tests", "fixtures", "import")
MAVEN = os.path.join(os.path.dirname(ROOT), "shared", "data", "restaurant_orders_maven")
sys.dont_write_bytecode = True

REGISTRY = []


class Skip(Exception):
    pass


def test(name):
    def deco(fn):
        REGISTRY.append((name, fn))
        return fn
    return deco


def eq(got, want, what):
    if got != want:
        raise AssertionError("%s: got %r, want %r" % (what, got, want))


def ok(cond, what):
    if not cond:
        raise AssertionError(what)


class Env:
    def __init__(self, laoke, tmp, n):
        self.laoke = laoke
        self.dir = os.path.join(tmp, "t%02d" % n)
        os.makedirs(self.dir)
        self.db = os.path.join(self.dir, "laoke.db")
        r = self.run("migrate")
        eq(r.returncode, 0, "migrate: " + r.stderr)
        with self.sql() as c:
            c.execute("INSERT INTO stores(code, name, timezone, created_at) VALUES"
                      " ('CD01', '成都春熙路店', 'Asia/Shanghai', 0),"
                      " ('BJ01', '北京国贸店', 'Asia/Shanghai', 0)")
            c.execute("INSERT INTO dishes(name, category, price_fen, created_at) VALUES"
                      " ('肥牛卷', 'meat', 3800, 0), ('虾滑', 'seafood', 3200, 0),"
                      " ('番茄锅底', 'soup_base', 2800, 0)")

    def sql(self):
        return sqlite3.connect(self.db)

    def q(self, query, *args):
        c = self.sql()
        try:
            return c.execute(query, args).fetchall()
        finally:
            c.close()

    def run(self, *args, timeout=600):
        return subprocess.run([self.laoke, *args, "--db", "sqlite:" + self.db],
                              capture_output=True, text=True, timeout=timeout)

    def imp(self, kind, path, *opts):
        return self.run("import", kind, path, *opts)

    def path(self, name):
        return os.path.join(self.dir, name)

    def dump(self):
        """Every table's rows without the clock columns, for comparing runs."""
        out = {}
        c = self.sql()
        for (t,) in c.execute("SELECT name FROM sqlite_schema WHERE type = 'table'"
                              " AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'customer_names%'"
                              " AND name NOT IN ('schema_migrations', 'sessions', 'users')"):
            cols = [r[1] for r in c.execute("PRAGMA table_info(%s)" % t)
                    if r[1] not in ("created_at", "updated_at")]
            out[t] = c.execute("SELECT %s FROM %s ORDER BY 1, 2" % (", ".join(cols), t)).fetchall()
        c.close()
        return out


def summary(r):
    return [l for l in r.stdout.splitlines() if ": read " in l][0].split(": ", 1)[1]


def errors(r):
    return [l for l in r.stderr.splitlines() if l.startswith("laoke: error: ")]


# ---------------------------------------------------------------- guests

@test("guests: UTF-8 with BOM and Chinese headers imports the good rows and reports each bad one with file, line, column and reason")
def t_guests_bom(env):
    f = os.path.join(FIX, "guests_utf8_bom.csv")
    r = env.imp("guests", f, "--rejects", env.path("rej.csv"))
    eq(r.returncode, 1, "exit status with rejected rows")
    eq(summary(r), "read 5 rows; guests inserted 2, updated 0, unchanged 0; rejected 3 rows", "summary")
    eq(errors(r), [
        "laoke: error: %s:4: column '手机': 'phone' must be a mainland mobile number: 11 digits starting with 1" % f,
        "laoke: error: %s:5: column '性别': '不详' is not a known gender" % f,
        "laoke: error: %s:6: column '生日': 'birthday' must be a real date written MM-DD or YYYY-MM-DD" % f,
    ], "report lines")
    rows = env.q("SELECT name, phone, gender, birth_year, birth_month, birth_day, home_store_id,"
                 " source, notes FROM customers ORDER BY id")
    eq(rows, [("张三", "+8613812345678", "male", 1990, 3, 5, 1, "member_card", "爱坐靠窗"),
              ("李四", "+8613912345678", "female", None, 3, 8, 1, "import", None)], "guests")
    eq(env.q("SELECT customer_id, tag FROM customer_tags ORDER BY 1, 2"),
       [(1, "常客"), (1, "爱吃辣"), (2, "VIP")], "tags split at 、 and ,")
    eq(env.q("SELECT customer_id, kind, value, source FROM customer_facts"),
       [(1, "allergy", "花生", "import")], "allergy recorded as a fact")
    raw = open(env.path("rej.csv"), "rb").read()
    ok(raw.startswith(b"\xef\xbb\xbf"), "rejects file starts with a BOM for Excel")
    rej = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    eq(rej[0], ["姓名", "手机", "性别", "生日", "门店", "备注", "标签", "过敏", "来源", "line", "reason"],
       "rejects header: original columns + line + reason")
    eq([(x[0], x[1], x[9]) for x in rej[1:]],
       [("王五", "12345", "4"), ("赵六", "13700001111", "5"), ("钱七", "13600002222", "6")],
       "rejected rows keep their cells")
    eq(rej[2][10], "column '性别': '不详' is not a known gender", "reason column")


@test("guests: a GB18030 file (Chinese Excel) is detected and decoded; store found by name")
def t_guests_gb18030(env):
    f = os.path.join(FIX, "guests_gb18030.csv")
    raw = open(f, "rb").read()
    ok(raw.decode("gb18030").startswith("姓名"), "fixture is GB18030")
    try:
        raw.decode("utf-8")
        raise AssertionError("fixture must not be valid UTF-8")
    except UnicodeDecodeError:
        pass
    r = env.imp("guests", f)
    eq(r.returncode, 0, "exit status: " + r.stderr)
    eq(env.q("SELECT name, phone, gender, home_store_id FROM customers ORDER BY id"),
       [("孙八", "+8615800003333", "female", 1), ("周九", "+8615900004444", "male", 1)], "guests")
    eq(env.q("SELECT tag FROM customer_tags ORDER BY tag"), [("爱吃辣",), ("老客",)],
       "tags split at the full-width ；")
    r = env.imp("guests", f, "--encoding", "utf-8")
    eq(r.returncode, 1, "forcing UTF-8 on GB18030 fails")
    ok("the header has no column for phone" in r.stderr, "says which column is missing: " + r.stderr)


@test("guests: importing the same file twice changes nothing; a changed field counts as updated")
def t_guests_idempotent(env):
    f = os.path.join(FIX, "guests_utf8_bom.csv")
    env.imp("guests", f)
    before = env.dump()
    r = env.imp("guests", f)
    eq(summary(r), "read 5 rows; guests inserted 0, updated 0, unchanged 2; rejected 3 rows", "second run")
    eq(env.dump(), before, "tables after the second run")
    eq(env.q("SELECT version FROM customers ORDER BY id"), [(1,), (1,)], "versions untouched")
    changed = env.path("changed.csv")
    with open(changed, "w", encoding="utf-8") as out:
        out.write("手机,姓名,标签,过敏\n13812345678,张三丰,常客,花生\n13912345678,李四,VIP,\n")
    r = env.imp("guests", changed)
    eq(summary(r), "read 2 rows; guests inserted 0, updated 1, unchanged 1; rejected 0 rows", "changed run")
    eq(env.q("SELECT name, version, notes FROM customers WHERE id = 1"), [("张三丰", 2, "爱坐靠窗")],
       "only the named columns change; the version is bumped")
    eq(env.q("SELECT count(*) FROM customer_facts"), [(1,)], "the same allergy is not added twice")


@test("guests: --strict writes nothing at all when any row is bad, and everything when none is")
def t_guests_strict(env):
    r = env.imp("guests", os.path.join(FIX, "guests_utf8_bom.csv"), "--strict")
    eq(r.returncode, 1, "exit status")
    ok("--strict: 3 bad rows, nothing was written" in r.stdout, r.stdout)
    eq(env.q("SELECT count(*) FROM customers"), [(0,)], "no guest written")
    eq(env.q("SELECT count(*) FROM customer_tags"), [(0,)], "no tag written")
    r = env.imp("guests", os.path.join(FIX, "guests_gb18030.csv"), "--strict")
    eq(r.returncode, 0, "clean file under --strict: " + r.stderr)
    eq(env.q("SELECT count(*) FROM customers"), [(2,)], "all written")


@test("import: bad options and files are refused with a clear error and write nothing")
def t_bad_options(env):
    f = os.path.join(FIX, "guests_gb18030.csv")
    cases = [
        (("import", "people", f), "import what? 'guests', 'visits' or 'dishes', not 'people'"),
        (("import", "guests", env.path("absent.csv")), "cannot open"),
        (("import", "guests", f, "--encoding", "latin1"), "--encoding must be auto, utf-8 or gb18030"),
        (("import", "guests", f, "--date-format", "ydm"), "--date-format must be ymd, dmy or mdy"),
        (("import", "guests", f, "--map", "x=order_id"), "'order_id' is not a column of guests files"),
        (("import", "visits", f, "--store", "NOPE"), "'NOPE' is neither a store code nor a store name"),
        (("import", "visits", f, "--dishes", "maybe"), "--dishes must be create or require"),
    ]
    for args, msg in cases:
        r = env.run(*args)
        ok(r.returncode != 0, "%s must fail" % (args,))
        ok(msg in r.stderr, "%s: %r not in %r" % (args, msg, r.stderr))
    empty = env.path("empty.csv")
    open(empty, "w").close()
    r = env.imp("guests", empty)
    ok("the file has no header row" in r.stderr, r.stderr)
    bad = env.path("badquote.csv")
    open(bad, "wb").write(b"name,phone\n\"unterminated,13812345678\n")
    r = env.imp("guests", bad)
    eq(r.returncode, 1, "a file ending inside quotes is not imported silently")
    ok("line 2: the file ends inside a quoted field" in r.stderr, r.stderr)
    eq(env.q("SELECT count(*) FROM customers"), [(0,)], "nothing written")


# ---------------------------------------------------------------- visits

@test("visits: order lines group into one visit per order wherever they stand; walk-ins have no guest; a bad line rejects its whole order")
def t_visits(env):
    env.imp("guests", os.path.join(FIX, "guests_utf8_bom.csv"))
    f = os.path.join(FIX, "visits_utf8.csv")
    r = env.imp("visits", f, "--date-format", "dmy", "--rejects", env.path("rej.csv"))
    eq(r.returncode, 1, "exit status")
    eq(summary(r), "read 8 rows (6 orders); orders inserted 3, updated 0, unchanged 0; rejected 4 rows",
       "summary")
    eq(errors(r), [
        "laoke: error: %s:5: column '菜品': '不存在的菜' is not on the menu" % f,
        "laoke: error: %s:6: order 'A3' has a rejected line 5" % f,
        "laoke: error: %s:7: column '数量': 'x' is not a whole number" % f,
        "laoke: error: %s:8: column '单价': '12.345' has fractions of a fen" % f,
    ], "report lines")
    visits = env.q("SELECT pos_order_id, customer_id, visited_at, party_size, amount_fen, channel"
                   " FROM visits ORDER BY id")
    # 2024-03-05 18:30 +08:00 = 1709634600
    eq(visits, [("A1", 1, 1709634600, 4, 10450, "dine_in"),
                ("A2", None, 1709636400, 2, 3200, "dine_in"),
                ("A5", 3, 1709805600, 2, 3200, "delivery")], "visits")
    eq(env.q("SELECT v.pos_order_id, d.name, i.qty, i.unit_price_fen FROM visit_items i"
             " JOIN visits v ON v.id = i.visit_id JOIN dishes d ON d.id = i.dish_id ORDER BY v.id, i.line"),
       [("A1", "肥牛卷", 2, 3800), ("A1", "番茄锅底", 1, 2850), ("A2", "虾滑", 1, 3200),
        ("A5", "虾滑", 1, 3200)], "items: the non-adjacent line of A1 joined it; empty price = menu price")
    eq(env.q("SELECT customer_id, visit_count, total_spend_fen, spend_meat, spend_soup_base, spend_seafood"
             " FROM customer_stats ORDER BY 1"),
       [(1, 1, 10450, 7600, 2850, 0), (3, 1, 3200, 0, 0, 3200)], "aggregates as store_visit_add keeps them")
    eq(env.q("SELECT name, phone, source, home_store_id FROM customers WHERE id = 3"),
       [("新客人", "+8613811113333", "pos", 1)], "a guest created from the order's phone")
    rej = list(csv.reader(open(env.path("rej.csv"), encoding="utf-8-sig")))
    eq([x[-2] for x in rej[1:]], ["5", "6", "7", "8"], "every line of a rejected order is in the rejects file")
    before = env.dump()
    r = env.imp("visits", f, "--date-format", "dmy")
    eq(summary(r), "read 8 rows (6 orders); orders inserted 0, updated 0, unchanged 3; rejected 4 rows",
       "second run")
    eq(env.dump(), before, "nothing changes on the second run")


@test("visits: --strict writes no visit, guest or dish when a line is bad")
def t_visits_strict(env):
    r = env.imp("visits", os.path.join(FIX, "visits_utf8.csv"), "--date-format", "dmy", "--strict",
                "--dishes", "create")
    eq(r.returncode, 1, "exit status")
    eq(env.q("SELECT count(*) FROM visits"), [(0,)], "visits")
    eq(env.q("SELECT count(*) FROM customers"), [(0,)], "guests")
    eq(env.q("SELECT count(*) FROM dishes"), [(3,)], "dishes")


@test("visits: --dishes create adds an unknown dish from the row's category and price; without a category the row is rejected")
def t_visits_create_dishes(env):
    f = env.path("v.csv")
    with open(f, "w", encoding="utf-8") as out:
        out.write("门店,单号,消费时间,菜品,类别,单价,数量,金额\n"
                  "北京国贸店,X1,2024-03-05 12:00,鸭血,肉类,18,2,80.00\n"
                  "BJ01,X1,2024-03-05 12:00,米饭,,3,1,80.00\n"
                  "BJ01,X2,2024-03-05 12:30,鸭血,,18,1,\n")
    r = env.imp("visits", f, "--dishes", "create")
    eq(errors(r), [
        "laoke: error: %s:2: order 'X1' has a rejected line 3" % f,
        "laoke: error: %s:3: column '菜品': '米饭' is not on the menu and the row has no category to add it" % f,
    ], "report")
    eq(env.q("SELECT name, category, price_fen FROM dishes WHERE name = '鸭血'"), [("鸭血", "meat", 1800)],
       "dish created")
    eq(env.q("SELECT pos_order_id, store_id, amount_fen FROM visits"), [("X2", 2, 1800)], "X2 written, X1 not")


# ---------------------------------------------------------------- kill -9

@test("visits: kill -9 in the middle of a big import, then run again: the same tables as one clean run")
def t_kill(env):
    gen = os.path.join(ROOT, "bench", "gen_visits_csv.py")
    big, menu = env.path("big.csv"), env.path("menu.csv")
    subprocess.run([sys.executable, gen, "--lines", "60000", "--stores", "CD01,BJ01", "--out", big,
                    "--menu", menu], check=True)
    eq(env.imp("dishes", menu).returncode, 0, "menu")
    clean = Env(env.laoke, os.path.dirname(env.dir), 99)
    eq(clean.imp("dishes", menu).returncode, 0, "menu (clean)")
    r = clean.imp("visits", big, "--batch", "500")
    eq(r.returncode, 0, "clean run: " + r.stderr)
    p = subprocess.Popen([env.laoke, "import", "visits", big, "--batch", "500", "--db", "sqlite:" + env.db],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    killed = False
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and p.poll() is None:
        try:
            n = env.q("SELECT count(*) FROM visits")[0][0]
        except sqlite3.OperationalError:
            n = 0
        if n >= 1000:
            p.send_signal(signal.SIGKILL)
            killed = True
            break
        time.sleep(0.005)
    p.wait()
    ok(killed, "the import was killed while writing")
    partial = env.q("SELECT count(*) FROM visits")[0][0]
    total = clean.q("SELECT count(*) FROM visits")[0][0]
    ok(0 < partial < total, "killed half-way: %d of %d orders" % (partial, total))
    eq(env.q("SELECT count(*) FROM visits v WHERE NOT EXISTS (SELECT 1 FROM visit_items i"
             " WHERE i.visit_id = v.id)"), [(0,)], "no order was left without its items")
    r = env.imp("visits", big, "--batch", "500")
    eq(r.returncode, 0, "rerun: " + r.stderr)
    ok("unchanged %d" % partial in r.stdout, "rerun skips what was written: " + r.stdout)
    eq(env.dump(), clean.dump(), "tables after kill + rerun vs one clean run")


# ---------------------------------------------------------------- Maven

CATEGORY_MAP = (
    "Hamburger=meat,Cheeseburger=meat,Hot Dog=meat,Veggie Burger=vegetable,Mac & Cheese=staple,"
    "French Fries=snack,Orange Chicken=meat,Tofu Pad Thai=vegetable,Korean Beef Bowl=meat,"
    "Pork Ramen=meat,California Roll=seafood,Salmon Roll=seafood,Edamame=vegetable,"
    "Potstickers=snack,Chicken Tacos=meat,Steak Tacos=meat,Chicken Burrito=meat,"
    "Steak Burrito=meat,Chicken Torta=meat,Steak Torta=meat,Cheese Quesadillas=staple,"
    "Chips & Salsa=snack,Chips & Guacamole=snack,Spaghetti=staple,Spaghetti & Meatballs=meat,"
    "Fettuccine Alfredo=staple,Meat Lasagna=meat,Cheese Lasagna=staple,"
    "Mushroom Ravioli=vegetable,Shrimp Scampi=seafood,Chicken Parmesan=meat,"
    "Eggplant Parmesan=vegetable")


@test("real data: the Maven restaurant orders import as walk-in visits; twice gives the same totals; figures match the CSV")
def t_maven(env):
    if not os.path.isdir(MAVEN):
        raise Skip("no ../shared/data/restaurant_orders_maven beside the repository")
    with env.sql() as c:
        c.execute("INSERT INTO stores(code, name, timezone, created_at)"
                  " VALUES ('MAVEN', 'Taste of the World Cafe', 'Asia/Shanghai', 0)")
    menu, orders = os.path.join(MAVEN, "menu_items.csv"), os.path.join(MAVEN, "order_details.csv")
    r = env.imp("dishes", menu, "--category-map", CATEGORY_MAP)
    eq(summary(r), "read 32 rows; dishes inserted 32, updated 0, unchanged 0; rejected 0 rows", "menu")
    args = ("--store", "MAVEN", "--date-format", "dmy", "--null", "NULL")
    r = env.imp("visits", orders, *args)
    eq(r.returncode, 0, "orders: " + r.stderr[-2000:])
    first = env.dump()
    r = env.imp("visits", orders, *args)
    ok("orders inserted 0, updated 0, unchanged 5370" in r.stdout, r.stdout)
    eq(env.dump(), first, "second import changes nothing")

    # the same figures straight from the CSV (prices are decimals: exact)
    items = {m["menu_item_id"]: m for m in csv.DictReader(open(menu, encoding="utf-8-sig"))}
    rows = list(csv.DictReader(open(orders, encoding="utf-8-sig")))
    lines = [x for x in rows if x["item_id"] != "NULL"]
    count = Counter(items[x["item_id"]]["item_name"] for x in lines)
    revenue = sum(decimal.Decimal(items[x["item_id"]]["price"]) for x in lines) * 100
    eq(env.q("SELECT count(*) FROM visits WHERE customer_id IS NULL"),
       [(len({x["order_id"] for x in rows}),)], "orders, all walk-ins")
    eq(env.q("SELECT count(*), count(DISTINCT dish_id) FROM visit_items"), [(len(lines), len(count))],
       "order lines and distinct dishes")
    eq(env.q("SELECT sum(amount_fen) FROM visits"), [(int(revenue),)], "revenue in fen")
    ranked = env.q("SELECT d.name, sum(i.qty) FROM visit_items i JOIN dishes d ON d.id = i.dish_id"
                   " GROUP BY d.id ORDER BY 2 DESC, d.name")
    eq(ranked[0], count.most_common(1)[0], "most ordered dish")
    eq(ranked[-1], min(count.items(), key=lambda kv: (kv[1], kv[0])), "least ordered dish")
    eq(env.q("SELECT min(visited_at), max(visited_at) FROM visits"),
       [(1672544316, 1680272148)], "first and last order (2023-01-01 11:38:36 .. 2023-03-31 22:15:48 +08:00)")


# ---------------------------------------------------------------- runner

def main():
    ap = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    ap.add_argument("--laoke", required=True)
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--filter")
    a = ap.parse_args()
    tests = [t for t in REGISTRY if not a.filter or a.filter in t[0]]
    tmp = tempfile.mkdtemp(prefix="laoke-import-")
    print("TAP version 13")
    print("1..%d" % len(tests))
    failed = 0
    for i, (name, fn) in enumerate(tests, 1):
        t0 = time.monotonic()
        try:
            fn(Env(os.path.abspath(a.laoke), tmp, i))
            print("ok %d - %s # %.2f s" % (i, name, time.monotonic() - t0))
        except Skip as e:
            print("ok %d - %s # SKIP %s" % (i, name, e))
        except Exception as e:  # noqa: BLE001 - a failing test is reported, the rest run
            failed += 1
            print("not ok %d - %s" % (i, name))
            for line in traceback.format_exc().splitlines()[-6:]:
                print("#   " + line)
            del e
    if a.keep:
        print("# kept %s" % tmp)
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
