"""
test_fb_export.py - the 客户反馈处理表 export (GET /api/v1/exports/feedback,
`laoke export feedback`): CSV and XLSX of every piece of feedback with every
step of its complaint ticket, Chinese or English headers and words, the store
and period filters, store scope, masking and pseudonymisation, formula
injection, and bad input.

The tests make their own store (FBX1), its manager and analyst, and their
feedback through the API (a complaint moved through every step with real
transitions, a reopened one, praise without a ticket, an overdue one received
days ago), and filter by the store, so they never depend on what other tests
wrote.
"""

import csv
import datetime
import io
import sqlite3
import subprocess
import time
import urllib.parse

from harness import (PASSWORD, add_user, eq, expect, expect_error, ok, test)

EXP = "/api/v1/exports/feedback"
BOM = b"\xef\xbb\xbf"
TZ8 = datetime.timezone(datetime.timedelta(hours=8))
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

FB_ZH = ["反馈编号", "收到时间", "门店", "渠道", "类别", "评分", "客户编号", "客户", "联系电话", "菜品",
         "员工", "反馈内容", "投诉", "状态", "负责人", "首次响应期限", "首次响应", "分析时间", "根本原因",
         "方案时间", "解决方案", "实施时间", "评估时间", "评估结果", "回访时间", "客户满意度", "关闭时间",
         "解决期限", "是否超时", "补偿券(元)", "重开次数"]
FB_EN = ["Feedback ID", "Received", "Store", "Channel", "Category", "Rating", "Guest ID", "Guest",
         "Contact phone", "Dish", "Staff", "Feedback", "Complaint", "Status", "Owner",
         "Response due", "First response", "Analysed", "Root cause", "Planned", "Solution",
         "Implemented", "Evaluated", "Result", "Called back", "Satisfaction", "Closed",
         "Resolution due", "Overdue", "Recovery coupon (CNY)", "Reopened"]
COL = {name: i for i, name in enumerate(FB_EN)}
# the step columns in the order a ticket reaches them, with their API status
STEP_COLS = (("Analysed", "analysed"), ("Planned", "planned"), ("Implemented", "implemented"),
             ("Evaluated", "evaluated"), ("Called back", "called_back"), ("Closed", "closed"))
TICKET_COLS = ("Status", "Owner", "Response due", "First response", "Analysed", "Root cause",
               "Planned", "Solution", "Implemented", "Evaluated", "Result", "Called back",
               "Satisfaction", "Closed", "Resolution due", "Overdue", "Recovery coupon (CNY)",
               "Reopened")
INJECTION = '=HYPERLINK("http://evil.example/x","点我")'


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


def masked(phone):
    """+8613712345678 -> 137****5678, as lk_phone_mask() prints a mainland mobile."""
    return phone[3:6] + "****" + phone[-4:]


def fixture(env):
    """
    Store FBX1 with its manager (the tickets' default owner) and a store-bound
    analyst; a guest's complaint (rating 1) moved through every step to closed
    with a recovery coupon; praise without a ticket; feedback whose text is a
    formula; a complaint closed, reopened and analysed again; a complaint left
    by phone ten days ago (overdue); feedback at BJ01. Made once, shared.
    """
    if getattr(env, "fb_export_fx", None):
        return env.fb_export_fx
    a = env.admin()
    st = expect(env.api.post("/api/v1/stores", {"code": "FBX1", "name": "成都反馈测试店",
                                                "region": "西南反馈"}, token=a),
                201, "create store FBX1")
    add_user(env.laoke, env.db_url, "u_fbx_mgr", "manager", PASSWORD, store="FBX1")
    add_user(env.laoke, env.db_url, "u_fbx_ana", "analyst", PASSWORD, store="FBX1")
    guest = env.new_guest(name="韩投诉", home_store_id=st["id"])

    def fb(body, what):
        return expect(env.api.post("/api/v1/feedback", body, token=a), 201, what)

    def move(fid, to, what, **fields):
        body = {"to": to}
        body.update(fields)
        return expect(env.api.post("/api/v1/feedback/%d/transitions" % fid, body, token=a),
                      200, what)

    def walk(fid, tag, pause=False):
        # pause: a new second before planned and closed, so swapped columns would show
        move(fid, "analysed", tag + " analysed", root_cause="锅底配方调整后盐量没改")
        if pause:
            time.sleep(1.05)
        move(fid, "planned", tag + " planned", solution="按新配方重新称量盐")
        move(fid, "implemented", tag + " implemented", note="已培训后厨")
        move(fid, "evaluated", tag + " evaluated", result="连续一周抽检合格")
        move(fid, "called_back", tag + " called back", satisfaction=4)
        if pause:
            time.sleep(1.05)
        return move(fid, "closed", tag + " closed", note="客户满意")

    done = fb({"store_id": st["id"], "customer_id": guest["id"], "channel": "phone",
               "category": "dish", "rating": 1, "text": "锅底太咸，没法吃",
               "dish_id": env.dishes["soup_base"]["id"], "staff_name": "小李"}, "complaint")
    ok(done["ticket"] is not None, "a rating of 1 opens a ticket")
    expect(env.api.patch("/api/v1/feedback/%d" % done["id"],
                         {"coupon": {"value_fen": 5000, "note": "下次来店抵扣"}}, token=a),
           200, "attach a recovery coupon")
    done = walk(done["id"], "complaint", pause=True)
    eq(done["ticket"]["status"], "closed", "the complaint is closed")
    praise = fb({"store_id": st["id"], "channel": "online_review", "category": "service",
                 "rating": 5, "text": "服务员很热情", "contact_name": "路过的食客"}, "praise")
    eq(praise["ticket"], None, "praise opens no ticket")
    inj = fb({"store_id": st["id"], "channel": "form", "category": "other", "rating": 4,
              "text": INJECTION}, "formula text")
    again = fb({"store_id": st["id"], "channel": "in_store", "category": "waiting",
                "complaint": True, "text": "等位一个小时"}, "marked complaint")
    walk(again["id"], "reopened")
    time.sleep(1.05)  # the second round in a later second than the first
    move(again["id"], "received", "reopen", note="客户再次来电投诉")
    again = move(again["id"], "analysed", "analysed again", root_cause="周末排班不足")
    eq(again["ticket"]["reopened"], 1, "reopened once")
    old_at = datetime.datetime.now(TZ8).replace(microsecond=0) - datetime.timedelta(days=10)
    contact = "+86" + env.phone()
    old = fb({"store_id": st["id"], "channel": "survey", "category": "hygiene", "rating": 2,
              "text": "桌面有油污", "contact_name": "卫先生", "contact_phone": contact,
              "callback": True, "received_at": local(old_at)}, "old complaint")
    ok(old["ticket"]["overdue"], "received ten days ago: overdue")
    other = fb({"store_id": env.store["id"], "channel": "form", "category": "price",
                "rating": 3, "text": "有点贵"}, "feedback at BJ01")

    def read(fid):
        return expect(env.api.get("/api/v1/feedback/%d" % fid, token=a), 200,
                      "read feedback %d" % fid)

    env.fb_export_fx = {
        "store": st, "guest": guest, "done": read(done["id"]), "praise": read(praise["id"]),
        "inj": read(inj["id"]), "again": read(again["id"]), "old": read(old["id"]),
        "old_at": old_at, "contact": contact, "other": other,
        "mgr": env.login("u_fbx_mgr"), "ana": env.login("u_fbx_ana"),
    }
    return env.fb_export_fx


def mine(fx):
    return [fx[k]["id"] for k in ("done", "praise", "inj", "again", "old")]


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


def last_reached(fb, status):
    """The last time the ticket reached status, from its recorded steps."""
    times = [s["at"] for s in fb["steps"] if s["to"] == status]
    # RFC 3339 at one offset: text order is time order
    return max(times) if times else ""


@test("fb_export: feedback export CSV: Chinese headers, one row per feedback of the store in id order, the words in Chinese")
def t_fb_export_csv(env):
    fx = fixture(env)
    r = get(env, "store=FBX1")
    rows = csv_rows(r, "feedback csv")
    eq(r.header("Content-Type"), "text/csv; charset=utf-8", "content type")
    cd = r.header("Content-Disposition") or ""
    ok(cd.startswith("attachment; filename=\"feedback-") and cd.endswith(".csv"),
       "ASCII filename in %r" % cd)
    ok("filename*=UTF-8''" + urllib.parse.quote("客户反馈处理表-") in cd,
       "RFC 5987 name in %r" % cd)
    eq(rows[0], FB_ZH, "Chinese header row")
    eq([int(x[0]) for x in rows[1:]], mine(fx), "one row per feedback of FBX1, in id order")
    got = by_id(rows)
    done = fx["done"]
    d = got[done["id"]]
    t = done["ticket"]
    eq(d[:15], [str(done["id"]), done["received_at"], "成都反馈测试店", "电话", "菜品", "1",
                str(fx["guest"]["id"]), "韩投诉", fx["guest"]["phone"], "番茄锅底", "小李",
                "锅底太咸，没法吃", "是", "已关闭", t["owner"]["name"]],
       "the complaint's feedback columns in Chinese")
    eq(t["owner"]["name"], "u_fbx_mgr", "the store's manager owns the ticket")
    eq([d[COL["Response due"]], d[COL["First response"]], d[COL["Resolution due"]]],
       [t["response_due_at"], t["first_response_at"], t["resolve_due_at"]], "deadlines")
    for col, status in STEP_COLS:
        eq(d[COL[col]], last_reached(done, status), "%s: when the ticket reached %s" % (col, status))
    eq(d[COL["Closed"]], t["closed_at"], "closed time")
    seq = [d[COL["Received"]], d[COL["First response"]]] + [d[COL[c]] for c, _ in STEP_COLS]
    ok(all(seq), "every step of the closed complaint has a time: %r" % seq)
    eq(seq, sorted(seq), "the step times are in order (received <= first response <= analysed "
       "<= planned <= implemented <= evaluated <= called back <= closed)")
    ok(d[COL["Analysed"]] < d[COL["Planned"]] and d[COL["Called back"]] < d[COL["Closed"]],
       "planned and closed came a second later: %r" % seq)
    eq([d[COL[c]] for c in ("Root cause", "Solution", "Result", "Satisfaction", "Overdue",
                            "Recovery coupon (CNY)", "Reopened")],
       ["锅底配方调整后盐量没改", "按新配方重新称量盐", "连续一周抽检合格", "4", "否", "50.00", "0"],
       "root cause, solution, result, satisfaction, not overdue, the coupon in yuan, reopened")
    p = got[fx["praise"]["id"]]
    eq(p[:14], [str(fx["praise"]["id"]), fx["praise"]["received_at"], "成都反馈测试店", "线上评价",
                "服务", "5", "", "路过的食客", "", "", "", "服务员很热情", "否", ""],
       "praise: no guest id, the contact name, no ticket")
    eq([p[COL[c]] for c in TICKET_COLS], [""] * len(TICKET_COLS),
       "praise: every ticket column empty")
    a = got[fx["again"]["id"]]
    ta = fx["again"]["ticket"]
    eq([a[COL[c]] for c in ("Channel", "Category", "Rating", "Complaint", "Status", "Reopened")],
       ["到店", "等候", "", "是", "已分析", "1"], "the reopened complaint")
    for col, status in STEP_COLS:
        eq(a[COL[col]], last_reached(fx["again"], status),
           "reopened %s: the LAST time it reached %s" % (col, status))
    first = min(s["at"] for s in fx["again"]["steps"] if s["to"] == "analysed")
    ok(a[COL["Analysed"]] > first and a[COL["Analysed"]] > a[COL["Closed"]],
       "reopened: the second analysis (%s), not the first (%s), after the first round's "
       "closing (%s)" % (a[COL["Analysed"]], first, a[COL["Closed"]]))
    eq(a[COL["Root cause"]], "周末排班不足", "the root cause of the second round")
    eq(a[COL["Response due"]], ta["response_due_at"], "deadlines run again from the reopening")
    o = got[fx["old"]["id"]]
    eq([o[COL[c]] for c in ("Received", "Channel", "Category", "Rating", "Guest ID", "Guest",
                            "Contact phone", "Status", "Overdue", "Analysed",
                            "Recovery coupon (CNY)")],
       [local(fx["old_at"]), "问卷", "卫生", "2", "", "卫先生", fx["contact"], "已收到", "是", "",
        "", ], "the old complaint: contact left, still received, overdue, no coupon")
    eq(got[fx["inj"]["id"]][COL["Channel"]], "表单", "a form's channel")
    # no store: the whole chain
    all_ids = set(by_id(csv_rows(get(env), "all")))
    ok(set(mine(fx)) | {fx["other"]["id"]} <= all_ids, "no store: the feedback of every store")


@test("fb_export: feedback export in English: lang=en headers and the API words")
def t_fb_export_en(env):
    fx = fixture(env)
    r = get(env, "store=FBX1&lang=en")
    rows = csv_rows(r, "feedback en")
    eq(rows[0], FB_EN, "English header row")
    ok((r.header("Content-Disposition") or "").startswith("attachment; filename=\"feedback-"),
       "English file name")
    got = by_id(rows)
    d = got[fx["done"]["id"]]
    eq([d[COL[c]] for c in ("Channel", "Category", "Complaint", "Status", "Overdue")],
       ["phone", "dish", "yes", "closed", "no"], "the complaint in API words")
    p = got[fx["praise"]["id"]]
    eq([p[COL[c]] for c in ("Channel", "Category", "Complaint", "Status", "Overdue")],
       ["online_review", "service", "no", "", ""], "praise in API words, no ticket")
    eq(got[fx["again"]["id"]][COL["Status"]], "analysed", "a step as its API word")
    eq(got[fx["old"]["id"]][COL["Overdue"]], "yes", "overdue in English")


@test("fb_export: feedback export filters: store by code (unknown 400), the period by received time")
def t_fb_export_filters(env):
    fx = fixture(env)
    ids = [int(r[0]) for r in csv_rows(get(env, "store=BJ01"), "BJ01")[1:]]
    ok(fx["other"]["id"] in ids and not set(mine(fx)) & set(ids),
       "store=BJ01: BJ01's feedback, none of FBX1's")
    day = local(fx["old_at"])[:10]
    ids = list(by_id(csv_rows(get(env, "store=FBX1&from=%s&to=%s" % (day, day)), "one day")))
    eq(ids, [fx["old"]["id"]], "the day the old complaint was received holds only it")
    today = datetime.datetime.now(TZ8).strftime("%Y-%m-%d")
    ids = list(by_id(csv_rows(get(env, "store=FBX1&from=" + today), "from today")))
    eq(ids, [fx[k]["id"] for k in ("done", "praise", "inj", "again")],
       "from today: everything but the old complaint")
    eq(len(csv_rows(get(env, "store=FBX1&to=2020-01-01"), "long ago")), 1,
       "a period with no feedback gives just the header")
    for query, code, field in (("store=NOPE9", "unknown_store", "store"),
                               ("store=" + urllib.parse.quote("fb'1;--", safe=""),
                                "invalid_store", "store"),
                               ("format=pdf", "invalid_format", "format"),
                               ("lang=fr", "invalid_lang", "lang"),
                               ("from=2026-02-30", "invalid_date", "from"),
                               ("from=2026-03-02&to=2026-03-01", "invalid_period", "to")):
        expect_error(get(env, query), 400, code, field, what="feedback?" + query)


@test("fb_export: feedback export: formula injection in typed text is defused in CSV and stays text in XLSX")
def t_fb_export_injection(env):
    fx = fixture(env)
    rows = csv_rows(get(env, "store=FBX1"), "injection csv")
    eq(by_id(rows)[fx["inj"]["id"]][COL["Feedback"]], "'" + INJECTION,
       "a text starting with '=' gets a leading apostrophe")
    r = get(env, "store=FBX1&format=xlsx")
    expect(r, 200, "injection xlsx")
    try:
        import openpyxl
    except ImportError:
        print("# openpyxl is absent: the XLSX is not read back")
        return
    ws = openpyxl.load_workbook(io.BytesIO(r.body)).worksheets[0]
    for row in ws.iter_rows(min_row=2):
        if row[0].value == fx["inj"]["id"]:
            cell = row[COL["Feedback"]]
            eq(cell.data_type, "s", "the formula text is a string cell, not a formula")
            eq(cell.value, INJECTION, "the text as typed")
            break
    else:
        ok(False, "the formula feedback is in the XLSX")


@test("fb_export: feedback export XLSX: sheet 客户反馈处理表, header, numbers, dates and empty ticket cells (read back with openpyxl when present)")
def t_fb_export_xlsx(env):
    fx = fixture(env)
    r = get(env, "store=FBX1&format=xlsx")
    expect(r, 200, "feedback xlsx")
    eq(r.header("Content-Type"), XLSX_TYPE, "content type")
    cd = r.header("Content-Disposition") or ""
    ok(cd.startswith("attachment; filename=\"feedback-") and cd.endswith(".xlsx"),
       "xlsx file name %r" % cd)
    ok(r.body.startswith(b"PK\x03\x04"), "an XLSX file is a ZIP archive")
    try:
        import openpyxl
    except ImportError:
        print("# openpyxl is absent: the XLSX is not read back")
        return
    ws = openpyxl.load_workbook(io.BytesIO(r.body)).worksheets[0]
    eq(ws.title, "客户反馈处理表", "sheet name")
    rows = list(ws.iter_rows(values_only=True))
    eq(list(rows[0]), FB_ZH, "header row")
    ok(ws["A1"].font.b, "bold header")
    eq(ws.freeze_panes, "A2", "header row frozen")
    eq([row[0] for row in rows[1:]], mine(fx), "one row per feedback, id order")
    got = {row[0]: row for row in rows[1:]}
    d = got[fx["done"]["id"]]
    eq((d[COL["Rating"]], d[COL["Guest ID"]], d[COL["Satisfaction"]], d[COL["Reopened"]]),
       (1, fx["guest"]["id"], 4, 0), "numbers are numbers")
    ok(isinstance(d[COL["Recovery coupon (CNY)"]], (int, float))
       and abs(d[COL["Recovery coupon (CNY)"]] - 50.0) < 1e-9,
       "the coupon is a number in yuan: %r" % (d[COL["Recovery coupon (CNY)"]],))
    steps = [d[COL["Received"]], d[COL["First response"]]] + [d[COL[c]] for c, _ in STEP_COLS]
    ok(all(isinstance(x, datetime.datetime) for x in steps),
       "every step time is a real date: %r" % (steps,))
    eq(steps, sorted(steps), "the step times are in order")
    closed = datetime.datetime.fromisoformat(fx["done"]["ticket"]["closed_at"])
    eq(d[COL["Closed"]], closed.replace(tzinfo=None), "closed at, as a +08:00 date")
    eq((d[COL["Channel"]], d[COL["Category"]], d[COL["Status"]], d[COL["Overdue"]]),
       ("电话", "菜品", "已关闭", "否"), "the words")
    p = got[fx["praise"]["id"]]
    eq([p[COL[c]] for c in TICKET_COLS], [None] * len(TICKET_COLS),
       "praise: empty ticket cells")
    eq(p[COL["Guest ID"]], None, "no guest: an empty cell")
    r = get(env, "store=FBX1&format=xlsx&lang=en")
    expect(r, 200, "feedback xlsx en")
    ws = openpyxl.load_workbook(io.BytesIO(r.body)).worksheets[0]
    eq(ws.title, "Feedback", "English sheet name")
    eq(list(next(ws.iter_rows(values_only=True))), FB_EN, "English header")


@test("fb_export: feedback export: analysts get names pseudonymised and phones masked; a store-bound manager gets the store only; waiter and support 403")
def t_fb_export_roles(env):
    fx = fixture(env)
    gp = fx["guest"]["phone"]
    for tok, what in ((env.tok["analyst"], "chain analyst"), (fx["ana"], "store analyst")):
        r = get(env, "store=FBX1", token=tok)
        got = by_id(csv_rows(r, what))
        d = got[fx["done"]["id"]]
        eq((d[COL["Guest"]], d[COL["Contact phone"]]), ("韩**", masked(gp)),
           "%s: the guest's name pseudonymised, the phone masked" % what)
        o = got[fx["old"]["id"]]
        eq((o[COL["Guest"]], o[COL["Contact phone"]]), ("卫**", masked(fx["contact"])),
           "%s: the contact left, pseudonymised and masked" % what)
        body = r.body.decode("utf-8")
        ok("韩投诉" not in body and "卫先生" not in body and gp[-8:] not in body
           and fx["contact"][-8:] not in body,
           "%s: no real name or phone anywhere in the file" % what)
        eq(d[COL["Root cause"]], "锅底配方调整后盐量没改", "%s: the ticket is there" % what)
    rows = csv_rows(get(env, token=fx["mgr"]), "store manager")
    eq([int(x[0]) for x in rows[1:]], mine(fx), "no store named: the manager's own store only")
    d = by_id(rows)[fx["done"]["id"]]
    eq((d[COL["Guest"]], d[COL["Contact phone"]]), ("韩投诉", gp),
       "the manager sees the name and the full phone")
    eq([int(x[0]) for x in csv_rows(get(env, token=fx["ana"]), "store analyst")[1:]], mine(fx),
       "a store-bound analyst: the own store only")
    for tok in (fx["mgr"], fx["ana"]):
        expect_error(get(env, "store=BJ01", token=tok), 403, "out_of_scope", field="store",
                     what="bound user names another store")
    for role in ("waiter", "support"):
        expect_error(get(env, "store=FBX1", token=env.tok[role]), 403, "forbidden",
                     what="%s exports the feedback" % role)
        expect_error(get(env, "store=FBX1&format=xlsx", token=env.tok[role]), 403, "forbidden",
                     what="%s exports the feedback as xlsx" % role)
    rows = db_rows(env, "SELECT detail FROM audit_log WHERE action = 'export.feedback'"
                   " AND username = 'u_fbx_ana' AND detail LIKE '%\"rows\":%' ORDER BY id")
    ok(rows and all('"pseudonymised":true' in d for (d,) in rows),
       "the analyst's exports are audited as pseudonymised: %r" % rows)


@test("fb_export: `laoke export feedback -o FILE` writes the 客户反馈处理表; --format xlsx --lang en too")
def t_fb_export_cli(env):
    fx = fixture(env)
    out = env.tmp + "/feedback.csv"
    p = subprocess.run([env.laoke, "export", "feedback", "--store", "FBX1", "-o", out,
                        "--db", env.db_url], capture_output=True, text=True, timeout=60)
    eq(p.returncode, 0, "exit status (stderr %r)" % p.stderr)
    ok("exported 5 feedback" in p.stderr, "summary on stderr: %r" % p.stderr)
    with open(out, "rb") as f:
        body = f.read()
    ok(body.startswith(BOM), "BOM")
    rows = list(csv.reader(io.StringIO(body[3:].decode("utf-8"), newline="")))
    eq(rows[0], FB_ZH, "Chinese headers")
    eq([int(x[0]) for x in rows[1:]], mine(fx), "FBX1's feedback in id order")
    d = by_id(rows)[fx["done"]["id"]]
    eq((d[COL["Guest"]], d[COL["Contact phone"]]), ("韩投诉", fx["guest"]["phone"]),
       "the shell export is the admin's")
    xl = env.tmp + "/feedback.xlsx"
    p = subprocess.run([env.laoke, "export", "feedback", "--format", "xlsx", "--lang", "en",
                        "--store", "FBX1", "-o", xl, "--db", env.db_url],
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
        eq(list(rows[0]), FB_EN, "English headers")
        eq(len(rows) - 1, 5, "five pieces of feedback")
    p = subprocess.run([env.laoke, "export", "feedbacks", "--db", env.db_url],
                       capture_output=True, text=True, timeout=60)
    ok(p.returncode != 0 and "'feedback'" in p.stderr,
       "an unknown table names feedback among the tables: %r" % p.stderr)
