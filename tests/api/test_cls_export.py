"""
test_cls_export.py - the 客户分类表 export (GET /api/v1/exports/classification,
`laoke export classification`): CSV and XLSX of each guest's values from the
latest classification run, with Chinese or English headers and words, the
store and period filters, store scope, masking and pseudonymisation, and bad
input.

The tests make their own store (CEX1) and guests, start a run with
POST /api/v1/classification/run and filter by the store, so they never depend
on what other tests wrote.
"""

import csv
import datetime
import io
import sqlite3
import subprocess
import urllib.parse

from harness import (PASSWORD, add_user, eq, expect, expect_error, ok, test)

EXP = "/api/v1/exports/classification"
BOM = b"\xef\xbb\xbf"
TZ8 = datetime.timezone(datetime.timedelta(hours=8))

CLS_ZH = ["客户编号", "姓名", "手机", "常去门店", "频次等级", "消费等级", "口味偏好", "偏好来源",
          "生命周期", "流失风险", "客户等级", "VIP", "R", "F", "M", "RFM分群", "到店次数",
          "累计消费(元)", "最近到店", "分类时间"]
CLS_EN = ["Guest ID", "Name", "Phone", "Home store", "Frequency tier", "Spend tier",
          "Preference", "Preference source", "Lifecycle", "At risk", "Grade", "VIP", "R", "F",
          "M", "RFM segment", "Visits", "Total spend (CNY)", "Last visit", "Classified at"]
SEG_ZH = {"冠军客户", "忠实客户", "潜在忠实客户", "新客户", "有潜力客户", "需要关注", "即将沉睡",
          "有流失风险", "不能失去", "休眠客户", "已流失"}
SEG_EN = {"champions", "loyal", "potential_loyalist", "new_customers", "promising",
          "need_attention", "about_to_sleep", "at_risk", "cannot_lose", "hibernating", "lost"}
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def db_rows(env, sql, args=()):
    uri = "file:%s?mode=ro" % urllib.parse.quote(env.db_path)
    c = sqlite3.connect(uri, uri=True, timeout=10)
    try:
        return c.execute(sql, args).fetchall()
    finally:
        c.close()


def local(t):
    """A datetime as the API and the export print it: RFC 3339 at +08:00, seconds."""
    return t.astimezone(TZ8).replace(microsecond=0).isoformat()


def fixture(env):
    """
    Store CEX1 with a regular (13 visits in the last year, 5,200 yuan), a
    guest who never came, a guest whose staff recorded 素食, a guest of
    another store who once ate at CEX1 and one who did not; then a run, and a
    guest made after it. Made once, shared by the tests.
    """
    if getattr(env, "cls_export_fx", None):
        return env.cls_export_fx
    a = env.admin()
    st = expect(env.api.post("/api/v1/stores", {"code": "CEX1", "name": "杭州分类测试店",
                                                "region": "华东分类"}, token=a),
                201, "create store CEX1")
    regular = env.new_guest(name="周常客", home_store_id=st["id"])
    never = env.new_guest(name="吴未到", home_store_id=st["id"])
    veg = env.new_guest(name="郑素食", home_store_id=st["id"])
    visitor = env.new_guest(name="冯路过", home_store_id=env.store2["id"])
    outside = env.new_guest(name="陈外店", home_store_id=env.store2["id"])
    now = datetime.datetime.now(TZ8).replace(microsecond=0)
    times = [now - datetime.timedelta(days=10 + 25 * k, hours=2) for k in range(13)]

    def visit(gid, when, amount, order):
        body = {"customer_id": gid, "store_id": st["id"], "visited_at": local(when),
                "party_size": 2, "amount_fen": amount, "channel": "dine_in",
                "pos_order_id": order}
        return expect(env.api.post("/api/v1/visits", body, token=a), 201, "visit " + order)

    for k, when in enumerate(times):
        visit(regular["id"], when, 40000, "CEX-R%d" % k)
    visit(veg["id"], now - datetime.timedelta(days=3), 6000, "CEX-V1")
    visit(visitor["id"], now - datetime.timedelta(days=5), 9900, "CEX-X1")
    expect(env.api.post("/api/v1/customers/%d/facts" % veg["id"],
                        {"kind": "preference", "value": "素食", "source": "waiter"}, token=a),
           201, "preference fact")
    run = expect(env.api.post("/api/v1/classification/run", {}, token=a), 200,
                 "start a classification run")["run"]
    eq(run["status"], "done", "the run finished")
    late = env.new_guest(name="褚后来", home_store_id=st["id"])
    add_user(env.laoke, env.db_url, "u_cex_mgr", "manager", PASSWORD, store="CEX1")
    add_user(env.laoke, env.db_url, "u_cex_ana", "analyst", PASSWORD, store="CEX1")
    env.cls_export_fx = {"store": st, "regular": regular, "never": never, "veg": veg,
                  "visitor": visitor, "outside": outside, "late": late, "run": run,
                  "last": max(times), "mgr": env.login("u_cex_mgr"),
                  "ana": env.login("u_cex_ana")}
    return env.cls_export_fx


def csv_rows(resp, what):
    expect(resp, 200, what)
    ok(resp.body.startswith(BOM), "%s: body starts with the UTF-8 BOM" % what)
    text = resp.body[len(BOM):].decode("utf-8")
    ok("\r\n" in text, "%s: rows end with CRLF" % what)
    return list(csv.reader(io.StringIO(text, newline="")))


def by_id(rows):
    return {int(r[0]): r for r in rows[1:]}


def get(env, query="", token=None):
    return env.api.get(EXP + ("?" + query if query else ""), token=token or env.admin())


@test("cls_export: classification export CSV: Chinese headers, one row per classified guest of the store, the values in Chinese")
def t_cls_export_csv(env):
    fx = fixture(env)
    r = get(env, "store=CEX1")
    rows = csv_rows(r, "classification csv")
    eq(r.header("Content-Type"), "text/csv; charset=utf-8", "content type")
    cd = r.header("Content-Disposition") or ""
    ok(cd.startswith("attachment; filename=\"classification-") and cd.endswith(".csv"),
       "ASCII filename in %r" % cd)
    ok("filename*=UTF-8''" + urllib.parse.quote("客户分类表-") in cd, "RFC 5987 name in %r" % cd)
    eq(rows[0], CLS_ZH, "Chinese header row")
    got = by_id(rows)
    eq(set(got), {fx[k]["id"] for k in ("regular", "never", "veg", "visitor")},
       "the classified guests of CEX1 (home store or a visit there); not the one made after the run")
    ids = [int(x[0]) for x in rows[1:]]
    eq(ids, sorted(ids), "id order")
    reg = got[fx["regular"]["id"]]
    computed = fx["run"]["computed_at"]
    eq(reg[1:12], ["周常客", fx["regular"]["phone"], "杭州分类测试店", "高频", "高消费", "混合",
                   "消费数据", "活跃", "否", "忠诚", "是"], "the regular's values in Chinese")
    for i in (12, 13, 14):
        ok(reg[i] in ("1", "2", "3", "4", "5"), "%s score 1..5: %r" % (CLS_ZH[i], reg[i]))
    ok(reg[15] in SEG_ZH, "a scored guest has a segment in Chinese: %r" % reg[15])
    eq(reg[16:], ["13", "5200.00", local(fx["last"]), computed],
       "visits, spend in yuan, last visit and the run's time")
    nev = got[fx["never"]["id"]]
    eq(nev[4:12], ["低频", "低消费", "混合", "消费数据", "新客", "否", "普通", "否"],
       "a guest who never came")
    eq(nev[12:], ["", "", "", "未评分", "0", "0.00", "", computed],
       "never came: empty R F M, 未评分, no last visit")
    veg = got[fx["veg"]["id"]]
    eq((veg[6], veg[7]), ("素食", "员工记录"), "a preference staff recorded")
    eq(got[fx["visitor"]["id"]][3], "上海徐汇店", "the guest's own home store")
    ok(fx["outside"]["id"] not in got, "another store's guest is not in CEX1's table")
    # no store: the whole chain, still only guests with a classification
    all_ids = set(by_id(csv_rows(get(env), "all")))
    ok({fx["outside"]["id"], fx["regular"]["id"]} <= all_ids, "no store: every classified guest")
    ok(fx["late"]["id"] not in all_ids, "a guest made after the run waits for the next one")


@test("cls_export: classification export in English: lang=en headers and the API words")
def t_cls_export_en(env):
    fx = fixture(env)
    r = get(env, "store=CEX1&lang=en")
    rows = csv_rows(r, "classification en")
    eq(rows[0], CLS_EN, "English header row")
    got = by_id(rows)
    reg = got[fx["regular"]["id"]]
    eq(reg[4:12], ["high", "high", "mixed", "spending", "active", "no", "loyal", "yes"],
       "the regular's values as API words")
    ok(reg[15] in SEG_EN, "segment as an API word: %r" % reg[15])
    nev = got[fx["never"]["id"]]
    eq((nev[4], nev[5], nev[8], nev[10], nev[15]), ("low", "low", "new", "ordinary", "none"),
       "never came, in English")
    eq(got[fx["veg"]["id"]][6:8], ["vegetarian", "staff"], "staff's preference in English")
    ok((r.header("Content-Disposition") or "").startswith(
        "attachment; filename=\"classification-"), "English file name")


@test("cls_export: classification export period filter: by the last visit as classified, creation when none")
def t_cls_export_period(env):
    fx = fixture(env)
    day = local(fx["last"])[:10]
    ids = set(by_id(csv_rows(get(env, "store=CEX1&from=%s&to=%s" % (day, day)), "one day")))
    eq(ids, {fx["regular"]["id"]}, "the regular's last visit day holds only the regular")
    today = datetime.datetime.now(TZ8).strftime("%Y-%m-%d")
    ids = set(by_id(csv_rows(get(env, "store=CEX1&from=" + today), "from today")))
    eq(ids, {fx["never"]["id"]}, "from today: the guest created today who never came")
    rows = csv_rows(get(env, "store=CEX1&to=2020-01-01"), "long ago")
    eq(len(rows), 1, "a period with no guests gives just the header")


@test("cls_export: classification export XLSX: sheet 客户分类表, header, numbers, dates and empty R/F/M (read back with openpyxl when present)")
def t_cls_export_xlsx(env):
    fx = fixture(env)
    r = get(env, "store=CEX1&format=xlsx")
    expect(r, 200, "classification xlsx")
    eq(r.header("Content-Type"), XLSX_TYPE, "content type")
    ok((r.header("Content-Disposition") or "").endswith(".xlsx"), "xlsx file name")
    ok(r.body.startswith(b"PK\x03\x04"), "an XLSX file is a ZIP archive")
    try:
        import openpyxl
    except ImportError:
        print("# openpyxl is absent: the XLSX is not read back")
        return
    ws = openpyxl.load_workbook(io.BytesIO(r.body)).worksheets[0]
    eq(ws.title, "客户分类表", "sheet name")
    rows = list(ws.iter_rows(values_only=True))
    eq(list(rows[0]), CLS_ZH, "header row")
    ok(ws["A1"].font.b, "bold header")
    eq(ws.freeze_panes, "A2", "header row frozen")
    got = {row[0]: row for row in rows[1:]}
    eq(len(got), 4, "four classified guests of CEX1")
    reg = got[fx["regular"]["id"]]
    eq(reg[1:12], ("周常客", fx["regular"]["phone"], "杭州分类测试店", "高频", "高消费", "混合",
                   "消费数据", "活跃", "否", "忠诚", "是"), "the regular's values")
    ok(all(isinstance(reg[i], int) and 1 <= reg[i] <= 5 for i in (12, 13, 14)),
       "R F M are numbers: %r" % (reg[12:15],))
    eq(reg[16], 13, "visits is a number")
    ok(isinstance(reg[17], (int, float)) and abs(reg[17] - 5200.0) < 1e-9,
       "spend is a number: %r" % (reg[17],))
    eq(reg[18], fx["last"].replace(tzinfo=None), "last visit is a real date (+08:00)")
    ok(isinstance(reg[19], datetime.datetime), "classified at is a date: %r" % (reg[19],))
    nev = got[fx["never"]["id"]]
    eq(nev[12:16], (None, None, None, "未评分"), "never came: empty R F M cells")
    eq(nev[18], None, "no last visit: an empty cell")
    r = get(env, "store=CEX1&format=xlsx&lang=en")
    expect(r, 200, "classification xlsx en")
    ws = openpyxl.load_workbook(io.BytesIO(r.body)).worksheets[0]
    eq(ws.title, "Classification", "English sheet name")
    eq(list(next(ws.iter_rows(values_only=True))), CLS_EN, "English header")


@test("cls_export: classification export: analysts get names pseudonymised and phones masked; a store-bound manager gets the store only; waiter and support 403")
def t_cls_export_roles(env):
    fx = fixture(env)
    p = fx["regular"]["phone"]
    for tok, what in ((env.tok["analyst"], "chain analyst"), (fx["ana"], "store analyst")):
        r = get(env, "store=CEX1", token=tok)
        row = by_id(csv_rows(r, what))[fx["regular"]["id"]]
        eq(row[1], "周**", "%s: the name pseudonymised" % what)
        eq(row[2], p[3:6] + "****" + p[-4:], "%s: the phone masked" % what)
        body = r.body.decode("utf-8")
        ok("周常客" not in body and p[-8:] not in body,
           "%s: no real name or phone anywhere in the file" % what)
        eq(row[4], "高频", "%s: the values are there" % what)
    rows = csv_rows(get(env, token=fx["mgr"]), "store manager")
    got = by_id(rows)
    eq(set(got), {fx[k]["id"] for k in ("regular", "never", "veg", "visitor")},
       "no store named: the manager's own store only")
    eq(got[fx["regular"]["id"]][1:3], ["周常客", p], "the manager sees the name and full phone")
    ok(fx["outside"]["id"] not in set(by_id(csv_rows(get(env, token=fx["ana"]), "ana"))),
       "a store-bound analyst: the own store only")
    for tok in (fx["mgr"], fx["ana"]):
        expect_error(get(env, "store=BJ01", token=tok), 403, "out_of_scope", field="store",
                     what="bound user names another store")
    for role in ("waiter", "support"):
        expect_error(get(env, "store=CEX1", token=env.tok[role]), 403, "forbidden",
                     what="%s exports the classification" % role)
    rows = db_rows(env, "SELECT detail FROM audit_log WHERE action = 'export.classification'"
                   " AND username = 'u_cex_ana' AND detail LIKE '%\"rows\":%' ORDER BY id")
    ok(rows and all('"pseudonymised":true' in d for (d,) in rows),
       "the analyst's exports are audited as pseudonymised: %r" % rows)


@test("cls_export: classification export: bad format, lang, dates, period and store answer 400 naming the field")
def t_cls_export_bad_input(env):
    fixture(env)
    for query, code, field in (("format=pdf", "invalid_format", "format"),
                               ("format=CSV", "invalid_format", "format"),
                               ("lang=fr", "invalid_lang", "lang"),
                               ("from=2026-02-30", "invalid_date", "from"),
                               ("to=yesterday", "invalid_date", "to"),
                               ("from=2026-03-02&to=2026-03-01", "invalid_period", "to"),
                               ("store=NOPE9", "unknown_store", "store"),
                               ("store=" + urllib.parse.quote("cls'1;--", safe=""),
                                "invalid_store", "store")):
        expect_error(get(env, query), 400, code, field, what="classification?" + query)


@test("cls_export: `laoke export classification -o FILE` writes the 客户分类表; --format xlsx --lang en too")
def t_cls_export_cli(env):
    fx = fixture(env)
    out = env.tmp + "/classification.csv"
    p = subprocess.run([env.laoke, "export", "classification", "--store", "CEX1", "-o", out,
                        "--db", env.db_url], capture_output=True, text=True, timeout=60)
    eq(p.returncode, 0, "exit status (stderr %r)" % p.stderr)
    ok("exported 4 classification" in p.stderr, "summary on stderr: %r" % p.stderr)
    with open(out, "rb") as f:
        body = f.read()
    ok(body.startswith(BOM), "BOM")
    rows = list(csv.reader(io.StringIO(body[3:].decode("utf-8"), newline="")))
    eq(rows[0], CLS_ZH, "Chinese headers")
    eq(by_id(rows)[fx["regular"]["id"]][1:3], ["周常客", fx["regular"]["phone"]],
       "the shell export is the admin's")
    xl = env.tmp + "/classification.xlsx"
    p = subprocess.run([env.laoke, "export", "classification", "--format", "xlsx", "--lang",
                        "en", "--store", "CEX1", "-o", xl, "--db", env.db_url],
                       capture_output=True, text=True, timeout=60)
    eq(p.returncode, 0, "xlsx exit status (stderr %r)" % p.stderr)
    with open(xl, "rb") as f:
        ok(f.read(4) == b"PK\x03\x04", "the CLI wrote an XLSX (ZIP) file")
    try:
        import openpyxl
    except ImportError:
        print("# openpyxl is absent: the XLSX is not read back")
    else:
        rows = list(openpyxl.load_workbook(xl).worksheets[0].iter_rows(values_only=True))
        eq(list(rows[0]), CLS_EN, "English headers")
        eq(len(rows) - 1, 4, "four guests")
    p = subprocess.run([env.laoke, "export", "classification", "--store", "NOPE9",
                        "--db", env.db_url], capture_output=True, text=True, timeout=60)
    eq(p.returncode, 1, "unknown store exits 1")
    ok("--store" in p.stderr, "the error names --store: %r" % p.stderr)
