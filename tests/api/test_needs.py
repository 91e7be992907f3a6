"""
test_needs.py - what guests need and expect (客户需求分析): POST/GET
/api/v1/customers/{id}/needs, roles, bad bodies, store scope, API keys,
and the 客户需求分析表 export (GET /api/v1/exports/needs, `laoke export needs`)
as CSV and XLSX with its masking and pseudonymisation.

The tests make their own store (NEED1) and guests and filter by it.
"""

import csv
import io
import sqlite3
import subprocess
import urllib.parse

from harness import (PASSWORD, add_user, eq, expect, expect_error, ok, test)

CUST = "/api/v1/customers"
EXP = "/api/v1/exports/needs"
BOM = b"\xef\xbb\xbf"
SOURCES = ["data_analysis", "interview", "feedback", "survey", "market_research"]
NEED_ZH = ["记录编号", "客户编号", "姓名", "手机", "常去门店", "需求", "期望", "来源", "记录人",
           "记录时间"]
NEED_EN = ["Record ID", "Guest ID", "Name", "Phone", "Home store", "Need", "Expectation",
           "Source", "Recorded by", "Recorded at"]
NEED_FIELDS = {"id", "customer_id", "need", "expectation", "source", "created_by", "created_at"}


def db_rows(env, sql, args=()):
    uri = "file:%s?mode=ro" % urllib.parse.quote(env.db_path)
    c = sqlite3.connect(uri, uri=True, timeout=10)
    try:
        return c.execute(sql, args).fetchall()
    finally:
        c.close()


def path(gid):
    return CUST + "/%d/needs" % gid


def add(env, gid, body, token=None, status=201):
    return expect(env.api.post(path(gid), body, token=token or env.admin()), status,
                  "add need %r" % (body,))


def listed(env, gid, token=None):
    return expect(env.api.get(path(gid), token=token or env.admin()), 200, "list needs")["items"]


def fixture(env):
    """Store NEED1, a waiter bound to it, two guests with needs; made once."""
    if getattr(env, "needs_fx", None):
        return env.needs_fx
    a = env.admin()
    st = expect(env.api.post("/api/v1/stores", {"code": "NEED1", "name": "重庆需求测试店",
                                                "region": "西南需求"}, token=a),
                201, "create store NEED1")
    add_user(env.laoke, env.db_url, "u_need_waiter", "waiter", PASSWORD, store="NEED1")
    add_user(env.laoke, env.db_url, "u_need_mgr", "manager", PASSWORD, store="NEED1")
    add_user(env.laoke, env.db_url, "u_need_ana", "analyst", PASSWORD, store="NEED1")
    tok = {"waiter": env.login("u_need_waiter"), "manager": env.login("u_need_mgr"),
           "analyst": env.login("u_need_ana")}
    g1 = env.new_guest(name="赵需求", home_store_id=st["id"])
    g2 = env.new_guest(name="钱期望", home_store_id=st["id"])
    outside = env.new_guest(name="孙外店", home_store_id=env.store2["id"])
    n1 = add(env, g1["id"], {"need": "包间", "expectation": "周末能订到安静的包间",
                             "source": "interview"}, token=tok["waiter"])
    n2 = add(env, g1["id"], {"need": "=少辣锅底", "source": "feedback"}, token=tok["manager"])
    n3 = add(env, g2["id"], {"need": "儿童座椅", "expectation": "带孩子时有宝宝椅",
                             "source": "survey"}, token=a)
    n4 = add(env, outside["id"], {"need": "停车", "source": "market_research"}, token=a)
    env.needs_fx = {"store": st, "tok": tok, "g1": g1, "g2": g2, "outside": outside,
                    "n1": n1, "n2": n2, "n3": n3, "n4": n4}
    return env.needs_fx


def csv_rows(resp, what):
    expect(resp, 200, what)
    ok(resp.body.startswith(BOM), "%s: body starts with the UTF-8 BOM" % what)
    return list(csv.reader(io.StringIO(resp.body[len(BOM):].decode("utf-8"), newline="")))


def by_id(rows):
    return {int(r[0]): r for r in rows[1:]}


# ================================================================ the routes


@test("needs: a waiter and a manager of the store add needs (every source); the list is newest first with who and when")
def t_needs_create_list(env):
    fx = fixture(env)
    g = env.new_guest(home_store_id=fx["store"]["id"])
    made = []
    for i, src in enumerate(SOURCES):
        tok = fx["tok"]["waiter"] if i % 2 == 0 else fx["tok"]["manager"]
        body = {"need": "需求-" + src, "source": src}
        if i != 1:
            body["expectation"] = "期望-" + src
        j = add(env, g["id"], body, token=tok)
        eq(set(j), NEED_FIELDS, "need fields")
        eq((j["customer_id"], j["need"], j["expectation"], j["source"]),
           (g["id"], "需求-" + src, "" if i == 1 else "期望-" + src, src), "need answer")
        eq(j["created_by"], "u_need_waiter" if i % 2 == 0 else "u_need_mgr", "created_by")
        ok(isinstance(j["id"], int) and j["id"] > 0, "id")
        ok(j["created_at"].endswith("+08:00"), "created_at at +08:00: %r" % j["created_at"])
        made.append(j)
    for role in ("waiter", "manager", "analyst"):
        lst = listed(env, g["id"], token=fx["tok"][role])
        eq([n["id"] for n in lst], [n["id"] for n in reversed(made)], "newest first as " + role)
        eq(lst[0], made[-1], "the listed need equals the created one")
    # the chain-wide roles too
    eq(len(listed(env, g["id"], token=env.tok["analyst"])), 5, "chain analyst reads them")
    eq(listed(env, env.new_guest()["id"]), [], "a guest without needs: empty list")
    rows = db_rows(env, "SELECT username, role, detail FROM audit_log WHERE action ="
                   " 'guest.need_add' AND target_type = 'customer' AND target_id = ?"
                   " ORDER BY id", (g["id"],))
    eq(len(rows), 5, "each add is audited as guest.need_add on the guest")
    eq(rows[0][:2], ("u_need_waiter", "waiter"), "who added")
    ok('"need_id":%d' % made[0]["id"] in rows[0][2], "detail names the need: %r" % rows[0][2])
    ok("需求-" not in rows[0][2], "the audit detail holds no need text")


@test("needs: analyst and support may not add (403); support may not read; unknown guests 404")
def t_needs_roles(env):
    fx = fixture(env)
    gid = fx["g2"]["id"]
    before = listed(env, gid)
    for role in ("analyst", "support"):
        expect_error(env.api.post(path(gid), {"need": "x", "source": "survey"},
                                  token=env.tok[role]), 403, "forbidden",
                     what="%s adds a need" % role)
    expect_error(env.api.post(path(gid), {"need": "x", "source": "survey"},
                              token=fx["tok"]["analyst"]), 403, "forbidden",
                 what="store analyst adds a need")
    expect_error(env.api.get(path(gid), token=env.tok["support"]), 403, "forbidden",
                 what="support reads needs")
    eq(listed(env, gid), before, "nothing written")
    expect_error(env.api.get(path(987654321), token=env.admin()), 404, "not_found",
                 what="GET unknown guest")
    expect_error(env.api.post(path(987654321), {"need": "x", "source": "survey"},
                              token=env.admin()), 404, "not_found", what="POST unknown guest")


@test("needs: bad bodies (missing or empty need, too long, bad or missing source, wrong type, unknown field) answer 400 naming the field; nothing written")
def t_needs_bad_bodies(env):
    fx = fixture(env)
    g = env.new_guest(home_store_id=fx["store"]["id"])
    cases = [
        ({"source": "survey"}, "missing_field", "need"),
        ({"need": "", "source": "survey"}, None, "need"),
        ({"need": None, "source": "survey"}, "missing_field", "need"),
        ({"need": 5, "source": "survey"}, "invalid_type", "need"),
        ({"need": "长" * 201, "source": "survey"}, "too_long", "need"),
        ({"need": "a\nb", "source": "survey"}, None, "need"),
        ({"need": "包间", "expectation": "长" * 201, "source": "survey"}, "too_long",
         "expectation"),
        ({"need": "包间", "expectation": ["x"], "source": "survey"}, "invalid_type",
         "expectation"),
        ({"need": "包间"}, "missing_field", "source"),
        ({"need": "包间", "source": "rumour"}, "invalid_source", "source"),
        ({"need": "包间", "source": "Survey"}, "invalid_source", "source"),
        ({"need": "包间", "source": "survey", "priority": 1}, "unknown_field", "priority"),
    ]
    for body, code, field in cases:
        for tok in (env.admin(), fx["tok"]["waiter"]):
            expect_error(env.api.post(path(g["id"]), body, token=tok), 400, code, field,
                         what="need %r" % (body,))
    eq(listed(env, g["id"]), [], "no need written")
    eq(db_rows(env, "SELECT count(*) FROM customer_needs WHERE customer_id = ?", (g["id"],)),
       [(0,)], "no row in customer_needs")
    # the limits themselves are fine
    j = add(env, g["id"], {"need": "长" * 200, "expectation": "期" * 200, "source": "survey"},
            token=fx["tok"]["waiter"])
    eq((len(j["need"]), len(j["expectation"])), (200, 200), "200 characters each")


@test("needs: a store-bound waiter gets 404 for a guest of another store (GET and POST) and writes nothing")
def t_needs_scope(env):
    fx = fixture(env)
    out = fx["outside"]["id"]
    w = fx["tok"]["waiter"]
    expect_error(env.api.get(path(out), token=w), 404, "not_found", what="GET other store")
    expect_error(env.api.post(path(out), {"need": "越权", "source": "interview"}, token=w),
                 404, "not_found", what="POST other store")
    # the same for the harness's BJ01 waiter and a NEED1 guest
    expect_error(env.api.post(path(fx["g1"]["id"]), {"need": "越权", "source": "interview"},
                              token=env.tok["waiter"]), 404, "not_found",
                 what="BJ01 waiter, NEED1 guest")
    eq([n["id"] for n in listed(env, out)], [fx["n4"]["id"]], "nothing written")
    eq(db_rows(env, "SELECT count(*) FROM customer_needs WHERE need = '越权'"), [(0,)],
       "no out-of-scope row")


@test("needs: recorded with an API key (customers:write) have created_by null; customers:read keys may list only")
def t_needs_key(env):
    fx = fixture(env)
    gid = fx["g2"]["id"]
    r = expect(env.api.post("/api/v1/keys", {"name": "需求集成%d" % env.seq(),
                                              "scopes": ["customers:read", "customers:write"]},
                            token=env.admin()), 201, "create key")
    key, key_id = r["token"], r["key"]["id"]
    j = add(env, gid, {"need": "线上排号", "source": "data_analysis"}, token=key)
    eq(j["created_by"], None, "created_by for a key")
    eq(listed(env, gid)[0]["id"], j["id"], "newest first")
    eq(db_rows(env, "SELECT created_by, key_id FROM customer_needs WHERE id = ?", (j["id"],)),
       [(None, key_id)], "the row names the key")
    r = expect(env.api.post("/api/v1/keys", {"name": "只读%d" % env.seq(),
                                              "scopes": ["customers:read"]},
                            token=env.admin()), 201, "create read key")
    ro = r["token"]
    ok(len(expect(env.api.get(path(gid), token=ro), 200, "key lists")["items"]) >= 2,
       "a read key lists needs")
    expect_error(env.api.post(path(gid), {"need": "x", "source": "survey"}, token=ro), 403,
                 "forbidden", what="read key adds a need")


# ================================================================ the export


@test("export needs as CSV: Chinese headers, the store's rows with guest, phone, home store, who, source word; English with lang=en")
def t_needs_export_csv(env):
    fx = fixture(env)
    r = env.api.get(EXP + "?store=NEED1", token=env.admin())
    rows = csv_rows(r, "needs csv")
    eq(r.header("Content-Type"), "text/csv; charset=utf-8", "content type")
    cd = r.header("Content-Disposition") or ""
    ok(cd.startswith("attachment; filename=\"needs-") and cd.endswith(".csv"),
       "ASCII filename in %r" % cd)
    ok("filename*=UTF-8''" + urllib.parse.quote("客户需求分析表-") in cd, "RFC 5987 name in %r" % cd)
    eq(rows[0], NEED_ZH, "Chinese header row")
    got = by_id(rows)
    ok({fx["n1"]["id"], fx["n2"]["id"], fx["n3"]["id"]} <= set(got), "the store's needs")
    ok(fx["n4"]["id"] not in got, "another store's guest is not in NEED1's table")
    n1 = got[fx["n1"]["id"]]
    eq(n1, [str(fx["n1"]["id"]), str(fx["g1"]["id"]), "赵需求", fx["g1"]["phone"],
            "重庆需求测试店", "包间", "周末能订到安静的包间", "访谈", "u_need_waiter",
            fx["n1"]["created_at"]], "a full row")
    eq(got[fx["n2"]["id"]][5], "'=少辣锅底", "typed text starting with = is defused")
    eq(got[fx["n2"]["id"]][6], "", "no expectation: empty")
    eq(got[fx["n2"]["id"]][7], "客户反馈", "feedback in Chinese")
    eq(got[fx["n3"]["id"]][7], "问卷调查", "survey in Chinese")
    ids = [int(x[0]) for x in rows[1:]]
    eq(ids, sorted(ids), "id order")
    rows = csv_rows(env.api.get(EXP + "?store=NEED1&lang=en", token=env.admin()), "needs en")
    eq(rows[0], NEED_EN, "English header row")
    eq(by_id(rows)[fx["n1"]["id"]][7], "interview", "English keeps the word")
    # period: by the time the need was recorded
    rows = csv_rows(env.api.get(EXP + "?store=NEED1&to=2020-01-01", token=env.admin()), "old")
    eq(len(rows), 1, "nothing recorded before 2020: just the header")
    day = fx["n1"]["created_at"][:10]
    rows = csv_rows(env.api.get(EXP + "?store=NEED1&from=%s&to=%s" % (day, day),
                                token=env.admin()), "today")
    ok(fx["n1"]["id"] in by_id(rows), "today's needs in a one-day period")
    # no store: the whole chain
    ok(fx["n4"]["id"] in by_id(csv_rows(env.api.get(EXP, token=env.admin()), "all")),
       "no store: every guest's needs")


@test("export needs as XLSX read back with openpyxl: sheet 客户需求分析表, header, numbers and dates")
def t_needs_export_xlsx(env):
    import datetime
    import openpyxl
    fx = fixture(env)
    r = env.api.get(EXP + "?store=NEED1&format=xlsx", token=env.admin())
    expect(r, 200, "needs xlsx")
    eq(r.header("Content-Type"),
       "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "content type")
    ws = openpyxl.load_workbook(io.BytesIO(r.body)).worksheets[0]
    eq(ws.title, "客户需求分析表", "sheet name")
    rows = list(ws.iter_rows(values_only=True))
    eq(list(rows[0]), NEED_ZH, "header row")
    ok(ws["A1"].font.b, "bold header")
    got = {row[0]: row for row in rows[1:]}
    n1 = got[fx["n1"]["id"]]
    eq((n1[1], n1[2], n1[5], n1[6], n1[7]),
       (fx["g1"]["id"], "赵需求", "包间", "周末能订到安静的包间", "访谈"), "row values")
    ok(isinstance(n1[9], datetime.datetime), "recorded at is a date: %r" % (n1[9],))
    eq(got[fx["n2"]["id"]][5], "=少辣锅底", "xlsx keeps typed text as text")
    r = env.api.get(EXP + "?store=NEED1&format=xlsx&lang=en", token=env.admin())
    expect(r, 200, "needs xlsx en")
    ws = openpyxl.load_workbook(io.BytesIO(r.body)).worksheets[0]
    eq(ws.title, "Needs", "English sheet name")
    eq(list(next(ws.iter_rows(values_only=True))), NEED_EN, "English header")


@test("export needs: analysts get names pseudonymised and phones masked; a store-bound manager gets the store only; waiter and support 403; bad options 400")
def t_needs_export_roles(env):
    fx = fixture(env)
    p = fx["g1"]["phone"]
    for tok, what in ((env.tok["analyst"], "chain analyst"), (fx["tok"]["analyst"], "store analyst")):
        r = env.api.get(EXP + "?store=NEED1", token=tok)
        rows = csv_rows(r, what)
        row = by_id(rows)[fx["n1"]["id"]]
        eq(row[2], "赵**", "%s: the name pseudonymised" % what)
        eq(row[3], p[3:6] + "****" + p[-4:], "%s: the phone masked" % what)
        ok("赵需求" not in r.body.decode("utf-8") and p[-8:] not in r.body.decode("utf-8"),
           "%s: no real name or phone anywhere in the file" % what)
        eq(row[5], "包间", "%s: the need itself is there" % what)
    rows = csv_rows(env.api.get(EXP, token=fx["tok"]["manager"]), "store manager")
    got = by_id(rows)
    ok(fx["n1"]["id"] in got and fx["n4"]["id"] not in got, "the manager's store only")
    eq(got[fx["n1"]["id"]][3], p, "manager sees the full phone")
    eq(got[fx["n1"]["id"]][2], "赵需求", "and the real name")
    expect_error(env.api.get(EXP + "?store=BJ01", token=fx["tok"]["manager"]), 403,
                 "out_of_scope", "store", what="bound manager names another store")
    for role in ("waiter", "support"):
        expect_error(env.api.get(EXP, token=env.tok[role]), 403, "forbidden",
                     what="%s exports needs" % role)
    for query, code, field in (("format=pdf", "invalid_format", "format"),
                               ("lang=fr", "invalid_lang", "lang"),
                               ("from=2026-02-30", "invalid_date", "from"),
                               ("from=2026-03-02&to=2026-03-01", "invalid_period", "to"),
                               ("store=NOPE9", "unknown_store", "store")):
        expect_error(env.api.get(EXP + "?" + query, token=env.admin()), 400, code, field,
                     what="needs?" + query)
    rows = db_rows(env, "SELECT detail FROM audit_log WHERE action = 'export.needs'"
                   " AND username = 'u_need_ana' ORDER BY id DESC LIMIT 1")
    ok(rows and '"pseudonymised":true' in rows[0][0], "the export is audited: %r" % rows)


@test("`laoke export needs -o FILE` writes the 客户需求分析表; --format xlsx too")
def t_needs_export_cli(env):
    import openpyxl
    fx = fixture(env)
    out = env.tmp + "/needs.csv"
    p = subprocess.run([env.laoke, "export", "needs", "--store", "NEED1", "-o", out,
                        "--db", env.db_url], capture_output=True, text=True, timeout=60)
    eq(p.returncode, 0, "exit status (stderr %r)" % p.stderr)
    ok("exported" in p.stderr and "needs" in p.stderr, "summary on stderr: %r" % p.stderr)
    with open(out, "rb") as f:
        body = f.read()
    ok(body.startswith(BOM), "BOM")
    rows = list(csv.reader(io.StringIO(body[3:].decode("utf-8"), newline="")))
    eq(rows[0], NEED_ZH, "Chinese headers")
    eq(by_id(rows)[fx["n1"]["id"]][3], fx["g1"]["phone"], "the shell export is the admin's")
    xl = env.tmp + "/needs.xlsx"
    p = subprocess.run([env.laoke, "export", "needs", "--format", "xlsx", "--lang", "en",
                        "-o", xl, "--db", env.db_url], capture_output=True, text=True,
                       timeout=60)
    eq(p.returncode, 0, "xlsx exit status (stderr %r)" % p.stderr)
    rows = list(openpyxl.load_workbook(xl).worksheets[0].iter_rows(values_only=True))
    eq(list(rows[0]), NEED_EN, "English headers")
