#!/usr/bin/env python3
"""
cdnow_to_laoke.py - turn the CDNOW purchase log into files `laoke import` reads.

    python3 tests/cli/cdnow_to_laoke.py CDNOW_master.txt OUTDIR [--sample CDNOW_sample.txt]

CDNOW_master.txt (lifetimes/datasets, see ../shared/data/PROVENANCE.md) has a
header and one purchase a line: customer id (00001..23570), date YYYYMMDD,
number of CDs, dollars, whitespace-separated, CRLF. Written to OUTDIR:

  guests.csv   phone,name       one guest per CDNOW customer, in id order, so
                                that in a fresh database guest id = CDNOW id.
  visits.csv   order_id,phone,date,time,amount
                                one visit per purchase line.
  sample_phones.txt             (with --sample) the phones of the customers of
                                CDNOW_sample.txt, for `laoke summary --customers`.
  sample_ids.csv                (with --sample) sample_id,master_id,phone.

Conventions (documented in docs/API.md, "Purchase summaries"):
  * phone: laoke keys guests by a mainland mobile number, which CDNOW does not
    have. Each customer gets a SYNTHETIC but valid-format number: '1390'
    and the id zero-padded to 7 digits, i.e. customer 00001 -> 13900000001,
    23570 -> 13900023570. They are not anyone's real numbers.
  * name: 'CDNOW 00001' (the id, so the card says where the guest came from).
  * order_id: 'CDNOW-<line>' with <line> the purchase's line in the file (the
    header is line 1), so a second import of the same file changes nothing
    and two purchases on one day stay two visits (laoke merges them into one
    period in the summary, as lifetimes does).
  * date/time: the CDNOW date at 12:00 on the store's clock; with a store in
    Asia/Shanghai every purchase's local day is its CDNOW date.
  * amount: dollars as yuan text with two decimals; laoke reads it as fen
    (dollars x 100, rounded half-up to the cent, exact for this file).
"""

import argparse
import decimal
import os
import re
import sys

DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def phone_of(cid):
    """The synthetic mobile number of CDNOW customer cid (1..9,999,999)."""
    if not 1 <= cid <= 9999999:
        raise ValueError("customer id %d out of range" % cid)
    return "1390%07d" % cid


def read_master(path):
    """Yield (line_no, customer_id, 'YYYY-MM-DD', dollars as Decimal)."""
    with open(path, "r", encoding="ascii", newline="") as f:
        for no, line in enumerate(f, 1):
            parts = line.split()
            if not parts:
                continue
            if no == 1 and not parts[0].isdigit():
                continue  # header
            if len(parts) != 4:
                raise ValueError("%s:%d: expected 4 fields, got %r" % (path, no, line))
            cid = int(parts[0])
            m = DATE.match(parts[1])
            if not m:
                raise ValueError("%s:%d: bad date %r" % (path, no, parts[1]))
            dollars = decimal.Decimal(parts[3]).quantize(decimal.Decimal("0.01"),
                                                         rounding=decimal.ROUND_HALF_UP)
            if dollars < 0:
                raise ValueError("%s:%d: negative amount %s" % (path, no, parts[3]))
            yield no, cid, "%s-%s-%s" % m.groups(), dollars


def read_sample(path):
    """{sample_id: master_id} from CDNOW_sample.txt (master sample date cds dollars)."""
    ids = {}
    with open(path, "r", encoding="ascii", newline="") as f:
        for line in f:
            p = line.split()
            if not p:
                continue
            mid, sid = int(p[0]), int(p[1])
            if ids.setdefault(sid, mid) != mid:
                raise ValueError("sample id %d has two master ids" % sid)
    return ids


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("master")
    ap.add_argument("outdir")
    ap.add_argument("--sample")
    a = ap.parse_args()
    os.makedirs(a.outdir, exist_ok=True)

    customers = set()
    nvis = 0
    with open(os.path.join(a.outdir, "visits.csv"), "w", encoding="utf-8", newline="") as out:
        out.write("order_id,phone,date,time,amount\r\n")
        for no, cid, day, dollars in read_master(a.master):
            customers.add(cid)
            out.write("CDNOW-%d,%s,%s,12:00,%s\r\n" % (no, phone_of(cid), day, dollars))
            nvis += 1
    with open(os.path.join(a.outdir, "guests.csv"), "w", encoding="utf-8", newline="") as out:
        out.write("phone,name\r\n")
        for cid in sorted(customers):
            out.write("%s,CDNOW %05d\r\n" % (phone_of(cid), cid))
    msg = "%d customers, %d purchases" % (len(customers), nvis)
    if a.sample:
        ids = read_sample(a.sample)
        missing = [m for m in ids.values() if m not in customers]
        if missing:
            raise SystemExit("sample customers not in the master file: %r" % missing[:10])
        with open(os.path.join(a.outdir, "sample_phones.txt"), "w", encoding="ascii") as out:
            for sid in sorted(ids):
                out.write(phone_of(ids[sid]) + "\n")
        with open(os.path.join(a.outdir, "sample_ids.csv"), "w", encoding="ascii") as out:
            out.write("sample_id,master_id,phone\n")
            for sid in sorted(ids):
                out.write("%d,%d,%s\n" % (sid, ids[sid], phone_of(ids[sid])))
        msg += "; sample of %d customers" % len(ids)
    print("cdnow_to_laoke: %s -> %s (%s)" % (a.master, a.outdir, msg))


if __name__ == "__main__":
    main()
