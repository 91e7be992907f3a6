"""
test_export.py - GET /api/v1/exports/guests|visits and `laoke export`:
CSV (BOM, headers, quoting through libcsv), XLSX read back with openpyxl,
store and period filters, store scope, roles and bad input.

The tests make their own store (EXP1) and guests, so they filter by it and
never depend on what other tests wrote.
"""

import csv
import datetime
import io
import os
import subprocess
import urllib.parse

from harness import (PASSWORD, add_user, eq, expect, expect_error, ok, q, test)

EXP = "/api/v1/exports/"
BOM = b"\xef\xbb\xbf"
TZ8 = datetime.timezone(datetime.timedelta(hours=8))

GUEST_ZH = ["客户编号", "姓名", "手机", "性别", "生日", "常去门店", "来源", "营销同意",
            "同意时间", "同意渠道", "标签", "过敏", "备注", "到店次数", "累计消费(元)",
            "首次到店", "最近到店", "创建时间"]
GUEST_EN = ["Guest ID", "Name", "Phone", "Gender", "Birthday", "Home store", "Source",
            "Marketing consent", "Consent time", "Consent channel", "Tags", "Allergies",
            "Notes", "Visits", "Total spend (CNY)", "First visit", "Last visit", "Created"]
VISIT_ZH = ["到店编号", "订单号", "门店", "门店编码", "到店时间", "客户编号", "姓名", "人数",
            "金额(元)", "渠道", "菜品明细"]
VISIT_EN = ["Visit ID", "Order no.", "Store", "Store code", "Visited at", "Guest ID", "Name",
            "Party size", "Amount (CNY)", "Channel", "Items"]

TRICKY_NOTES = '爱吃辣, 说"多放花椒"\n第二行'


def fixture(env):
    """Store EXP1 with three guests and their visits; made once, shared by the tests."""
    if getattr(env, "exp", None):
        return env.exp
    a = env.admin()
    st = expect(env.api.post("/api/v1/stores", {"code": "EXP1", "name": "成都导出测试店"},
                             token=a), 201, "create store EXP1")
    home = env.new_guest(name="王小明", gender="male", birthday="1990-03-05",
                         home_store_id=st["id"], notes=TRICKY_NOTES, tags=["常客", "VIP"],
                         marketing_consent=True, consent_channel="wechat")
    expect(env.api.post("/api/v1/customers/%d/facts" % home["id"],
                        {"kind": "allergy", "value": "花生", "source": "waiter"}, token=a),
           201, "allergy fact")
    visitor = env.new_guest(name="李四")          # home store elsewhere, visits EXP1 once
    old = env.new_guest(name="张老客")            # visits EXP1, but long ago
    env.new_guest(name="路人甲")                  # nothing to do with EXP1

    def visit(gid, when, amount, order, items=None):
        body = {"customer_id": gid, "store_id": st["id"], "visited_at": when,
                "party_size": 3, "amount_fen": amount, "channel": "dine_in",
                "pos_order_id": order}
        if items is not None:
            body["items"] = items
        return expect(env.api.post("/api/v1/visits", body, token=a), 201, "visit " + order)

    meat = env.dishes["meat"]["id"]
    v1 = visit(home["id"], "2026-03-10T19:30:00+08:00", 12345, "EXP-1",
               [{"dish_id": meat, "qty": 2}])
    visit(visitor["id"], "2026-03-20T12:00:00+08:00", 8800, "EXP-2")
    visit(old["id"], "2025-01-05T18:00:00+08:00", 5000, "EXP-3")
    env.exp = {"store": st, "home": home, "visitor": visitor, "old": old, "v1": v1}
    return env.exp


def get(env, path, role="admin"):
    return env.api.get(path, token=env.tok[role])


def csv_rows(resp, what):
    ok(resp.body.startswith(BOM), "%s: body starts with the UTF-8 BOM" % what)
    text = resp.body[len(BOM):].decode("utf-8")
    ok("\r\n" in text, "%s: rows end with CRLF" % what)
    return list(csv.reader(io.StringIO(text, newline="")))


def by_id(rows):
    return {int(r[0]): r for r in rows[1:]}


@test("export guests as CSV: BOM, Chinese headers, a Chinese name, comma/quote/newline notes round-trip")
def t_export_guests_csv(env):
    fx = fixture(env)
    r = get(env, EXP + "guests?format=csv&store=EXP1")
    expect(r, 200, "export guests csv")
    eq(r.header("Content-Type"), "text/csv; charset=utf-8", "content type")
    cd = r.header("Content-Disposition") or ""
    ok(cd.startswith("attachment; filename=\"guests-") and cd.endswith(".csv"),
       "ASCII filename in %r" % cd)
    ok("filename*=UTF-8''" + urllib.parse.quote("客户信息表-") in cd, "RFC 5987 name in %r" % cd)
    rows = csv_rows(r, "guests csv")
    eq(rows[0], GUEST_ZH, "Chinese header row")
    g = by_id(rows)[fx["home"]["id"]]
    eq(g[1], "王小明", "Chinese name")
    eq(g[2], fx["home"]["phone"], "admin sees the full phone")
    eq(g[3], "男", "gender in Chinese")
    eq(g[4], "1990-03-05", "birthday")
    eq(g[5], "成都导出测试店", "home store")
    eq(g[7], "是", "consent")
    eq(g[9], "微信", "consent channel in Chinese")
    eq(g[10], "VIP; 常客", "tags, sorted")
    eq(g[11], "花生", "allergies")
    eq(g[12], TRICKY_NOTES, "notes with comma, quote and newline survive the quoting")
    eq(g[13], "1", "visit count")
    eq(g[14], "123.45", "spend in yuan with two decimals")
    eq(g[16], "2026-03-10T19:30:00+08:00", "last visit at +08:00")
    ok(('"' + TRICKY_NOTES.replace('"', '""') + '"').encode() in r.body,
       "notes quoted by RFC 4180 (quotes doubled)")


@test("export guests in English: --lang en headers and words")
def t_export_guests_en(env):
    fx = fixture(env)
    rows = csv_rows(expect_ok(get(env, EXP + "guests?store=EXP1&lang=en")), "guests en")
    eq(rows[0], GUEST_EN, "English header row")
    g = by_id(rows)[fx["home"]["id"]]
    eq(g[3], "male", "gender word")
    eq(g[7], "yes", "consent word")


def expect_ok(resp):
    expect(resp, 200, "export")
    return resp


@test("export guests store filter: home store or a visit there; period filter by last visit")
def t_export_guests_filters(env):
    fx = fixture(env)
    ids = set(by_id(csv_rows(expect_ok(get(env, EXP + "guests?store=EXP1")), "store")))
    eq(ids, {fx["home"]["id"], fx["visitor"]["id"], fx["old"]["id"]},
       "guests of EXP1 (home store or visited), no one else")
    ids = set(by_id(csv_rows(expect_ok(get(env, EXP + "guests?store=EXP1&from=2026-03-01&to=2026-03-31")),
                             "period")))
    eq(ids, {fx["home"]["id"], fx["visitor"]["id"]}, "last visit in March 2026")
    ids = set(by_id(csv_rows(expect_ok(get(env, EXP + "guests?store=EXP1&from=2026-03-20&to=2026-03-20")),
                             "one day")))
    eq(ids, {fx["visitor"]["id"]}, "a one-day period takes the whole day")
    rows = csv_rows(expect_ok(get(env, EXP + "guests?store=EXP1&from=2030-01-01")), "empty")
    eq(len(rows), 1, "a period with no guests gives just the header")
    all_ids = set(by_id(csv_rows(expect_ok(get(env, EXP + "guests")), "all")))
    ok({fx["home"]["id"], fx["visitor"]["id"]} <= all_ids, "no store: every guest")


@test("export visits CSV: headers, row count, store and period filters, money and dishes")
def t_export_visits_csv(env):
    fx = fixture(env)
    rows = csv_rows(expect_ok(get(env, EXP + "visits?store=EXP1")), "visits")
    eq(rows[0], VISIT_ZH, "Chinese header row")
    eq(len(rows) - 1, 3, "three visits at EXP1")
    eq([r[1] for r in rows[1:]], ["EXP-3", "EXP-1", "EXP-2"], "one store: time order")
    v = by_id(rows)[fx["v1"]["id"]]
    eq(v[2], "成都导出测试店", "store name")
    eq(v[3], "EXP1", "store code")
    eq(v[4], "2026-03-10T19:30:00+08:00", "visit time at +08:00")
    eq(int(v[5]), fx["home"]["id"], "guest id")
    eq(v[6], "王小明", "guest name")
    eq(v[8], "123.45", "amount in yuan")
    eq(v[9], "堂食", "channel in Chinese")
    eq(v[10], "%s×2" % env.dishes["meat"]["name"], "dish lines")
    rows = csv_rows(expect_ok(get(env, EXP + "visits?store=EXP1&from=2026-03-01&to=2026-03-15&lang=en")),
                    "visits period")
    eq(rows[0], VISIT_EN, "English header row")
    eq([r[1] for r in rows[1:]], ["EXP-1"], "period by visit time")


@test("export XLSX read back with openpyxl: bold frozen header, real dates, money as numbers")
def t_export_xlsx(env):
    import openpyxl
    fx = fixture(env)
    r = expect_ok(get(env, EXP + "guests?format=xlsx&store=EXP1"))
    eq(r.header("Content-Type"),
       "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "content type")
    ok((r.header("Content-Disposition") or "").endswith(".xlsx"), "xlsx file name")
    wb = openpyxl.load_workbook(io.BytesIO(r.body))
    ws = wb.worksheets[0]
    eq(ws.title, "客户信息表", "sheet name")
    rows = list(ws.iter_rows(values_only=True))
    eq(list(rows[0]), GUEST_ZH, "header row")
    ok(ws["A1"].font.b, "header is bold")
    eq(ws.freeze_panes, "A2", "header row frozen")
    ok(ws.column_dimensions["M"].width >= 30, "notes column is wide")
    eq(len(rows) - 1, 3, "three guests of EXP1")
    g = {row[0]: row for row in rows[1:]}[fx["home"]["id"]]
    eq(g[1], "王小明", "Chinese name")
    eq(g[12], TRICKY_NOTES, "notes kept exactly")
    ok(isinstance(g[14], float) and abs(g[14] - 123.45) < 1e-9, "spend is a number: %r" % (g[14],))
    eq(g[16], datetime.datetime(2026, 3, 10, 19, 30), "last visit is a real date (+08:00)")
    ok(isinstance(g[0], int), "id is a number")
    r = expect_ok(get(env, EXP + "visits?format=xlsx&store=EXP1&lang=en"))
    ws = openpyxl.load_workbook(io.BytesIO(r.body)).worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    eq(list(rows[0]), VISIT_EN, "visits header")
    eq(len(rows) - 1, 3, "three visits")
    ok(isinstance(rows[1][4], datetime.datetime), "visit time is a date: %r" % (rows[1][4],))


@test("exports: waiter and support get 403; a store-bound manager exports only their store")
def t_export_roles(env):
    fx = fixture(env)
    for role in ("waiter", "support"):
        for kind in ("guests", "visits"):
            expect_error(get(env, EXP + kind + "?format=csv", role), 403, "forbidden",
                         what="%s exports %s" % (role, kind))
    for role in ("manager", "analyst"):
        expect_ok(get(env, EXP + "guests", role))
    if not getattr(env, "exp_mgr", None):
        add_user(env.laoke, env.db_url, "u_mgr_exp1", "manager", PASSWORD, store="EXP1")
        add_user(env.laoke, env.db_url, "u_ana_exp1", "analyst", PASSWORD, store="EXP1")
        env.exp_mgr = env.login("u_mgr_exp1")
        env.exp_ana = env.login("u_ana_exp1")
    rows = csv_rows(expect_ok(env.api.get(EXP + "guests", token=env.exp_mgr)), "bound manager")
    eq(set(by_id(rows)), {fx["home"]["id"], fx["visitor"]["id"], fx["old"]["id"]},
       "no store named: the manager's own store only")
    eq(by_id(rows)[fx["home"]["id"]][2], fx["home"]["phone"], "manager sees the full phone")
    rows = csv_rows(expect_ok(env.api.get(EXP + "visits", token=env.exp_ana)), "bound analyst")
    eq(len(rows) - 1, 3, "analyst: the visits of the own store only")
    rows = csv_rows(expect_ok(env.api.get(EXP + "guests?store=EXP1", token=env.exp_ana)), "ana")
    p = fx["home"]["phone"]
    eq(by_id(rows)[fx["home"]["id"]][2], p[3:6] + "****" + p[-4:], "analyst sees the phone masked")
    for tok in (env.exp_mgr, env.exp_ana):
        expect_error(env.api.get(EXP + "guests?store=BJ01", token=tok), 403, "out_of_scope",
                     field="store", what="bound user names another store")


@test("exports: bad format, lang, dates, period and store answer 400 naming the field")
def t_export_bad_input(env):
    fixture(env)
    cases = [("format=pdf", "invalid_format", "format"),
             ("format=CSV", "invalid_format", "format"),
             ("lang=fr", "invalid_lang", "lang"),
             ("from=2026-02-30", "invalid_date", "from"),
             ("from=2026-1-01", "invalid_date", "from"),
             ("to=yesterday", "invalid_date", "to"),
             ("to=" + q("2026-03-01T00:00:00+08:00"), "invalid_date", "to"),
             ("from=2026-03-02&to=2026-03-01", "invalid_period", "to"),
             ("store=NOPE9", "unknown_store", "store"),
             ("store=" + q("bj'01;--"), "invalid_store", "store")]
    for kind in ("guests", "visits"):
        for query, code, field in cases:
            expect_error(get(env, EXP + kind + "?" + query), 400, code, field=field,
                         what="%s?%s" % (kind, query))


@test("exports leave no temporary files behind")
def t_export_no_temp_files(env):
    fixture(env)
    tmpdir = os.environ.get("TMPDIR") or "/tmp"
    before = {f for f in os.listdir(tmpdir) if f.startswith("laoke-export-")}
    expect_ok(get(env, EXP + "guests?format=xlsx&store=EXP1"))
    expect_error(get(env, EXP + "guests?format=xlsx&store=NOPE9"), 400, "unknown_store")
    after = {f for f in os.listdir(tmpdir) if f.startswith("laoke-export-")}
    eq(after - before, set(), "new laoke-export-* files in %s" % tmpdir)


@test("`laoke export guests -o FILE --lang en` and `export visits --format xlsx` write the files")
def t_export_cli(env):
    import openpyxl
    fx = fixture(env)
    out = os.path.join(env.tmp, "guests.csv")
    p = subprocess.run([env.laoke, "export", "guests", "--store", "EXP1", "--lang", "en",
                        "-o", out, "--db", env.db_url], capture_output=True, text=True, timeout=60)
    eq(p.returncode, 0, "exit status (stderr %r)" % p.stderr)
    ok("exported 3 guests" in p.stderr, "summary on stderr: %r" % p.stderr)
    with open(out, "rb") as f:
        body = f.read()
    ok(body.startswith(BOM), "CLI CSV has the BOM")
    rows = list(csv.reader(io.StringIO(body[3:].decode("utf-8"), newline="")))
    eq(rows[0], GUEST_EN, "English headers")
    eq(by_id(rows)[fx["home"]["id"]][12], TRICKY_NOTES, "notes round-trip")
    xl = os.path.join(env.tmp, "visits.xlsx")
    p = subprocess.run([env.laoke, "export", "visits", "--format", "xlsx", "--store", "EXP1",
                        "--from", "2026-01-01", "-o", xl, "--db", env.db_url],
                       capture_output=True, text=True, timeout=60)
    eq(p.returncode, 0, "xlsx exit status (stderr %r)" % p.stderr)
    rows = list(openpyxl.load_workbook(xl).worksheets[0].iter_rows(values_only=True))
    eq(list(rows[0]), VISIT_ZH, "Chinese headers")
    eq(len(rows) - 1, 2, "two visits from 2026")
    p = subprocess.run([env.laoke, "export", "guests", "--from", "2026-13-01",
                        "--db", env.db_url], capture_output=True, text=True, timeout=60)
    eq(p.returncode, 1, "bad date exits 1")
    ok("--from" in p.stderr, "the error names --from: %r" % p.stderr)
    p = subprocess.run([env.laoke, "export", "guests", "--format", "xlsx", "--db", env.db_url],
                       capture_output=True, text=True, timeout=60)
    eq(p.returncode, 1, "xlsx without -o exits 1")
    p = subprocess.run([env.laoke, "export", "orders", "--db", env.db_url],
                       capture_output=True, text=True, timeout=60)
    eq(p.returncode, 1, "unknown table exits 1")


@test("CSV defuses typed text starting with = + - @ (formula injection); XLSX keeps it as a string")
def t_export_formula(env):
    import openpyxl
    a = env.admin()
    st = expect(env.api.post("/api/v1/stores", {"code": "EXP2", "name": "=门店"}, token=a), 201,
                "create store EXP2")
    g = env.new_guest(name='=HYPERLINK("http://x")', home_store_id=st["id"], notes="@SUM(A1)")
    rows = csv_rows(expect_ok(get(env, EXP + "guests?store=EXP2")), "formula csv")
    row = by_id(rows)[g["id"]]
    eq(row[1], '\'=HYPERLINK("http://x")', "name gets a leading apostrophe")
    eq(row[5], "'=门店", "store name too")
    eq(row[12], "'@SUM(A1)", "notes too")
    eq(row[2], g["phone"], "the system's E.164 phone is left alone")
    r = expect_ok(get(env, EXP + "guests?store=EXP2&format=xlsx"))
    ws = openpyxl.load_workbook(io.BytesIO(r.body)).worksheets[0]
    eq(ws["B2"].value, '=HYPERLINK("http://x")', "xlsx: the text as typed")
    eq(ws["B2"].data_type, "s", "xlsx: a string cell, not a formula")
