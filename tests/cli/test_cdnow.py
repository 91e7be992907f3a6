#!/usr/bin/env python3
"""
test_cdnow.py - the CDNOW purchase log through laoke, checked against the
lifetimes reference summaries. TAP version 13 on stdout.

    python3 tests/cli/test_cdnow.py --laoke /path/to/laoke [--data DIR] [--keep]

1. cdnow_to_laoke.py turns lifetimes' CDNOW_master.txt (23,570 customers,
   69,659 purchases) into a guest file and a visit file;
2. a fresh database gets one store (Asia/Shanghai), then `laoke import
   guests` and `laoke import visits` load them (every purchase a visit at
   noon local time, amounts in fen);
3. `laoke summary --end 1997-09-30 --unit weeks --customers PHONES` reads
   the sample's 2,357 guests back from the store;
4. every sample customer is compared with cdnow_customers_summary.csv
   (ID,frequency,recency,T) and cdnow_customers_summary_with_transactions.csv
   (ID,x,t_x,T,zbar): frequency exact, recency and T within 0.01 week,
   monetary within 0.01 dollar. The sample ids map to master ids through
   CDNOW_sample.txt.

DIR is $LAOKE_SHARED_DATA (meson sets it), else ../shared/data beside the
repository; without its lifetimes/ folder the whole test is skipped
("1..0 # SKIP"), as the unit test of core/rfm_summary.c skips its CDNOW part.
"""

import argparse
import csv
import decimal
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
END = "1997-09-30"
TOL_WEEKS = 1e-2
TOL_MONEY = 0.01
sys.dont_write_bytecode = True


class Ctx:
    pass


def run(cmd, what, timeout=600):
    t0 = time.monotonic()
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    dt = time.monotonic() - t0
    if r.returncode != 0:
        raise AssertionError("%s exited %d\nstdout: %s\nstderr: %s"
                             % (what, r.returncode, r.stdout[-2000:], r.stderr[-2000:]))
    return r, dt


def eq(got, want, what):
    if got != want:
        raise AssertionError("%s: got %r, want %r" % (what, got, want))


def t_convert(c):
    r, dt = run([sys.executable, os.path.join(HERE, "cdnow_to_laoke.py"),
                 os.path.join(c.lt, "CDNOW_master.txt"), c.dir,
                 "--sample", os.path.join(c.lt, "CDNOW_sample.txt")], "cdnow_to_laoke.py")
    eq(r.stdout.strip().split("(", 1)[1],
       "23570 customers, 69659 purchases; sample of 2357 customers)", "converter summary")
    return "converted in %.2f s" % dt


def t_import(c):
    run([c.laoke, "migrate", "--db", c.url], "laoke migrate")
    # laoke has no command that adds a store; the import tests add theirs the same way
    db = sqlite3.connect(c.db)
    db.execute("INSERT INTO stores(code, name, timezone, created_at)"
               " VALUES ('CDNOW', 'CDNOW (lifetimes reference data)', 'Asia/Shanghai', 0)")
    db.commit()
    db.close()
    r, dg = run([c.laoke, "import", "guests", os.path.join(c.dir, "guests.csv"),
                 "--store", "CDNOW", "--db", c.url], "laoke import guests")
    eq(r.stdout.strip().split(": ", 1)[1],
       "read 23570 rows; guests inserted 23570, updated 0, unchanged 0; rejected 0 rows",
       "guest import summary")
    r, dv = run([c.laoke, "import", "visits", os.path.join(c.dir, "visits.csv"),
                 "--store", "CDNOW", "--db", c.url], "laoke import visits")
    eq(r.stdout.strip().split(": ", 1)[1],
       "read 69659 rows (69659 orders); orders inserted 69659, updated 0, unchanged 0;"
       " rejected 0 rows", "visit import summary")
    c.timings["import guests"] = dg
    c.timings["import visits"] = dv
    return "guests %.2f s, visits %.2f s" % (dg, dv)


def t_stored(c):
    """What is in the store, read with sqlite3 and checked against the file itself."""
    want = {}
    with open(os.path.join(c.lt, "CDNOW_master.txt"), encoding="ascii") as f:
        for no, line in enumerate(f, 1):
            p = line.split()
            if no == 1 or not p:
                continue
            want["CDNOW-%d" % no] = (int(p[0]), p[1], int(decimal.Decimal(p[3]) * 100))
    db = sqlite3.connect(c.db)
    guests = dict(db.execute("SELECT id, phone FROM customers"))
    eq(len(guests), 23570, "guests")
    eq(all(guests[i] == "+861390%07d" % i for i in guests), True,
       "guest id n has the phone 1390 + n (the converter's id order)")
    rows = db.execute("SELECT v.pos_order_id, v.customer_id, v.amount_fen,"
                      " strftime('%Y%m%d', v.visited_at + 8 * 3600, 'unixepoch'),"
                      " (v.visited_at + 8 * 3600) % 86400"
                      " FROM visits v").fetchall()
    db.close()
    eq(len(rows), len(want), "visits")
    bad = [r for r in rows
           if want.get(r[0]) != (r[1], r[3], r[2]) or r[4] != 12 * 3600]
    eq(bad[:5], [], "visits whose guest, local date (+08:00), amount or noon differ from the file")
    return "%d visits: guest, Shanghai date, noon and fen as in the file" % len(rows)


def load_reference(c):
    sample = {}
    with open(os.path.join(c.dir, "sample_ids.csv"), encoding="ascii") as f:
        for r in csv.DictReader(f):
            sample[r["phone"]] = int(r["sample_id"])
    ref = {}
    with open(os.path.join(c.lt, "cdnow_customers_summary.csv"), encoding="ascii",
              newline="") as f:
        for r in csv.DictReader(f):
            ref[int(r["ID"])] = {"frequency": int(r["frequency"]), "recency": float(r["recency"]),
                                 "T": float(r["T"])}
    with open(os.path.join(c.lt, "cdnow_customers_summary_with_transactions.csv"),
              encoding="ascii", newline="") as f:
        for r in csv.DictReader(f):
            x = ref.setdefault(int(r["ID"]), {})
            x.update({"x": int(r["x"]), "t_x": float(r["t_x"]), "T2": float(r["T"]),
                      "zbar": float(r["zbar"])})
    return sample, ref


def summary(c, *args):
    r, dt = run([c.laoke, "summary", "--db", c.url, "--end", END, *args], "laoke summary")
    lines = r.stdout.splitlines()
    eq(lines[0], "guest_id,phone,frequency,recency,T,monetary_value", "summary header")
    return list(csv.DictReader(lines)), dt, r.stderr


def t_reference(c):
    sample, ref = load_reference(c)
    eq(len(sample), 2357, "sample customers")
    eq(sorted(ref), list(range(1, 2358)), "reference ids")
    rows, dt, _ = summary(c, "--unit", "weeks",
                          "--customers", os.path.join(c.dir, "sample_phones.txt"))
    c.timings["summary sample"] = dt
    got = {}
    for r in rows:
        phone = r["phone"]
        eq(phone.startswith("+86"), True, "E.164 phone")
        got[sample[phone[3:]]] = r
    eq(len(rows), 2357, "rows printed for the sample")
    missing = sorted(set(ref) - set(got))
    eq(missing[:10], [], "sample customers without a summary")

    dev = {"recency": 0.0, "T": 0.0, "monetary": 0.0}
    bad = []
    for sid in sorted(ref):
        want, r = ref[sid], got[sid]
        freq = int(r["frequency"])
        rec, T, money = float(r["recency"]), float(r["T"]), float(r["monetary_value"])
        if freq != want["frequency"] or freq != want["x"]:
            bad.append("sample %d (guest %s): frequency %d, reference %d/%d"
                       % (sid, r["guest_id"], freq, want["frequency"], want["x"]))
        for name, val, refs in (("recency", rec, (want["recency"], want["t_x"])),
                                ("T", T, (want["T"], want["T2"]))):
            for rv in refs:
                d = abs(val - rv)
                dev[name] = max(dev[name], d)
                if d > TOL_WEEKS:
                    bad.append("sample %d (guest %s): %s %.4f weeks, reference %.2f"
                               % (sid, r["guest_id"], name, val, rv))
        d = abs(money - want["zbar"])
        dev["monetary"] = max(dev["monetary"], d)
        if d > TOL_MONEY:
            bad.append("sample %d (guest %s): monetary %.4f, reference zbar %.2f"
                       % (sid, r["guest_id"], money, want["zbar"]))
    c.checked = len(ref)
    c.dev = dev
    if bad:
        raise AssertionError("%d mismatches among %d customers, e.g.:\n%s"
                             % (len(bad), len(ref), "\n".join(bad[:10])))
    return ("%d customers checked; max |deviation| recency %.5f w, T %.5f w, monetary %.5f $"
            % (len(ref), dev["recency"], dev["T"], dev["monetary"]))


def t_whole_log(c):
    """Every guest, in days: the same numbers as the weeks of the sample, and timed."""
    rows, dt, err = summary(c)
    c.timings["summary all"] = dt
    # every CDNOW customer first bought in Q1 1997, before the end
    eq(len(rows), 23570, "guests with a visit up to the end")
    eq([int(r["guest_id"]) for r in rows], list(range(1, 23571)), "guest id order")
    weeks, _, _ = summary(c, "--unit", "weeks")
    for d, w in zip(rows, weeks):
        for k in ("recency", "T"):
            if abs(int(d[k]) / 7.0 - float(w[k])) > 1e-6:
                raise AssertionError("guest %s: %s %s days but %s weeks"
                                     % (d["guest_id"], k, d[k], w[k]))
    return "23570 guests in %.2f s (%s)" % (dt, err.strip().splitlines()[-1])


def t_day_boundary(c):
    """The end is midnight in Asia/Shanghai, not UTC: a guest not in CDNOW."""
    late = os.path.join(c.dir, "late.csv")
    with open(late, "w", encoding="utf-8") as f:
        f.write("order_id,phone,date,time,amount\n"
                "LATE-1,13900099999,1997-09-01,12:00,10.00\n"
                "LATE-2,13900099999,1997-09-30,23:59,20.00\n"   # 15:59 UTC: counts
                "LATE-3,13900099999,1997-10-01,00:01,40.00\n")  # 16:01 UTC on 09-30: does not
    r, _ = run([c.laoke, "import", "visits", late, "--store", "CDNOW", "--db", c.url],
               "laoke import visits (late)")
    phones = os.path.join(c.dir, "late_phone.txt")
    with open(phones, "w", encoding="ascii") as f:
        f.write("139 0009 9999\n")
    rows, _, _ = summary(c, "--customers", phones)
    eq([(r["phone"], r["frequency"], r["recency"], r["T"], r["monetary_value"]) for r in rows],
       [("+8613900099999", "1", "29", "29", "20.000000")], "the late guest")
    return "a visit at 00:01 on 10-01 (Shanghai) is after the end 09-30, one at 23:59 is not"


TESTS = [
    ("convert CDNOW_master.txt with cdnow_to_laoke.py", t_convert),
    ("laoke import guests and visits into a fresh database", t_import),
    ("the store holds every purchase as a visit at noon Asia/Shanghai of its date", t_stored),
    ("laoke summary --unit weeks matches lifetimes' CDNOW summaries for all 2,357 sample customers",
     t_reference),
    ("laoke summary of the whole log: every guest, days agree with weeks", t_whole_log),
    ("laoke summary ends the day at midnight Asia/Shanghai", t_day_boundary),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--laoke", required=True)
    ap.add_argument("--data", default=os.environ.get("LAOKE_SHARED_DATA")
                    or os.path.join(os.path.dirname(ROOT), "shared", "data"))
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    a = ap.parse_args()
    print("TAP version 13")
    lt = os.path.join(a.data, "lifetimes")
    if not os.path.isfile(os.path.join(lt, "CDNOW_master.txt")):
        print("1..0 # SKIP no CDNOW data: %s is absent" % lt)
        return 0
    c = Ctx()
    c.laoke = os.path.abspath(a.laoke)
    c.lt = lt
    c.dir = tempfile.mkdtemp(prefix="laoke-cdnow-")
    c.db = os.path.join(c.dir, "laoke.db")
    c.url = "sqlite:" + c.db
    c.timings = {}
    print("1..%d" % len(TESTS))
    failed = 0
    for n, (name, fn) in enumerate(TESTS, 1):
        if failed:
            print("ok %d - %s # SKIP an earlier step failed" % (n, name))
            continue
        try:
            note = fn(c)
            print("ok %d - %s" % (n, name))
            if note:
                print("# " + note)
        except Exception:
            failed += 1
            print("not ok %d - %s" % (n, name))
            for line in traceback.format_exc().splitlines():
                print("# " + line)
        sys.stdout.flush()
    if c.timings:
        print("# timings: " + ", ".join("%s %.2f s" % kv for kv in c.timings.items()))
    if a.keep:
        print("# kept " + c.dir)
    else:
        shutil.rmtree(c.dir, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
