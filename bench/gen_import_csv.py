#!/usr/bin/env python3
"""Write a visits CSV for `laoke import visits` from a laoke SQLite database.

    bench/gen_import_csv.py --db PATH --rows N --store CODE --out FILE [--new 0.2] [--seed 1]

One row per item line, English headers:
store,pos_order_id,visited_at,phone,name,party_size,amount,channel,dish,qty,unit_price
(amount and unit_price in yuan like 128.50; visited_at like 2024-03-05 18:30:00).
Visits have 3 to 7 lines of active dishes of the database, priced at the menu price;
amount is the sum of the lines. A share --new of the visits (default 0.2) belongs to
phones no guest has (prefix 170, absent from the demo); the rest to real guests of the
database with their names. Order ids are unique per run (a time-based prefix), so the
file never replays an earlier import. Only the standard library; the database is
opened read-only.
"""
import argparse
import csv
import random
import sqlite3
import sys
import time


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", required=True)
    ap.add_argument("--rows", type=int, default=100000)
    ap.add_argument("--store", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--new", type=float, default=0.2)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    db = sqlite3.connect("file:%s?mode=ro" % a.db, uri=True)
    dishes = db.execute(
        "SELECT name, price_fen FROM dishes WHERE active = 1 ORDER BY id").fetchall()
    if not dishes:
        sys.exit("gen_import_csv: the database has no dishes")
    maxid = db.execute("SELECT coalesce(max(id), 0) FROM customers").fetchone()[0]
    want = max(1, a.rows // 5)
    guests = []
    if maxid:
        step = max(1, maxid // (want * 2))
        guests = db.execute(
            "SELECT substr(phone, 4), name FROM customers WHERE id % ? = 0"
            " AND phone IS NOT NULL AND deleted_at IS NULL LIMIT ?",
            (step, want * 2)).fetchall()
    db.close()
    surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
    given = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂"
    prefix = "IMP%x" % int(time.time() * 1000)
    now = int(time.time())
    rows = 0
    visit = 0
    with open(a.out, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["store", "pos_order_id", "visited_at", "phone", "name", "party_size",
                    "amount", "channel", "dish", "qty", "unit_price"])
        while rows < a.rows:
            visit += 1
            if guests and rnd.random() >= a.new:
                phone, name = rnd.choice(guests)
            else:
                phone = "170%08d" % rnd.randrange(10 ** 8)
                name = rnd.choice(surnames) + rnd.choice(given) + rnd.choice(given)
            t = now - rnd.randrange(2 * 86400, 365 * 86400)
            at = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(t))
            n = min(rnd.randrange(3, 8), a.rows - rows)
            lines = [(d, rnd.choice((1, 1, 1, 2))) for d in rnd.sample(dishes, n)]
            amount = sum(p * q for (_, p), q in lines)
            party = rnd.randrange(1, 9)
            channel = rnd.choice(("dine_in", "dine_in", "dine_in", "takeout", "delivery"))
            for (dish, price), qty in lines:
                w.writerow([a.store, "%s-%d" % (prefix, visit), at, phone, name, party,
                            "%d.%02d" % divmod(amount, 100), channel, dish, qty,
                            "%d.%02d" % divmod(price, 100)])
                rows += 1
    print("%d rows, %d visits" % (rows, visit))


if __name__ == "__main__":
    main()
