"""
test_rights.py - a guest's rights under PIPL over HTTP: the consent history
(who recorded what, through which channel, when), the export of everything
laoke holds about a guest, and erasure, checked down to the bytes of the
database file and its WAL.
"""

import datetime
import os
import sqlite3
import time
import urllib.parse

from harness import eq, expect, expect_error, ok, q, test

CUST = "/api/v1/customers"


def rfc3339(dt):
    return dt.astimezone(datetime.timezone(datetime.timedelta(hours=8))).replace(
        microsecond=0).isoformat()


def ago(**kw):
    return rfc3339(datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(**kw))


def cn_digits(n):
    return "".join("零一二三四五六七八九"[int(d)] for d in str(n))


def db(env):
    """The test database, read-only, while the server runs (WAL lets us)."""
    uri = "file:%s?mode=ro" % urllib.parse.quote(env.db_path)
    return sqlite3.connect(uri, uri=True, timeout=10)


def db_rows(env, sql, args=()):
    c = db(env)
    try:
        return c.execute(sql, args).fetchall()
    finally:
        c.close()


def consent(env, gid, body, token=None, status=201):
    return expect(env.api.post(CUST + "/%d/consent" % gid, body, token=token or env.admin()),
                  status, "POST consent %r" % (body,))


def history(env, gid, token=None):
    return expect(env.api.get(CUST + "/%d/consent" % gid, token=token or env.admin()), 200,
                  "GET consent")


def visit(env, gid, store, when, lines, token=None):
    items = [{"dish_id": env.dishes[cat]["id"], "qty": n} for cat, n in lines]
    r = env.api.post("/api/v1/visits", {"customer_id": gid, "store_id": store["id"],
                                        "party_size": 3, "visited_at": when,
                                        "pos_order_id": "RIGHTS-%d" % env.seq(),
                                        "items": items}, token=token or env.admin())
    return expect(r, 201, "visit")


def audit_rows(env, gid, action):
    """The audit rows of requests on the guest that succeeded."""
    return db_rows(env, "SELECT username, role, detail FROM audit_log WHERE target_type ="
                   " 'customer' AND target_id = ? AND action = ? AND status < 400 ORDER BY id",
                   (gid, action))


# ================================================================ consent


@test("guest rights: consent given then withdrawn keeps both events (channel, time, who, note); the guest follows the latest")
def t_consent_history(env):
    g = env.new_guest(home_store_id=env.store["id"])
    h = history(env, g["id"])
    eq(h["current"], {"marketing_consent": False, "consent_at": None, "consent_channel": None},
       "no consent yet")
    eq(h["items"], [], "no history yet")
    t1 = ago(hours=2)
    j = consent(env, g["id"], {"consent": "given", "channel": "wechat", "at": t1,
                               "note": "扫码关注公众号"}, token=env.tok["manager"])
    e1 = j["event"]
    ok(isinstance(e1["id"], int) and e1["id"] > 0, "event id")
    eq((e1["consent"], e1["channel"], e1["at"], e1["recorded_by"], e1["via_key"], e1["note"]),
       ("given", "wechat", t1, "u_manager", False, "扫码关注公众号"), "the event as recorded")
    eq(j["customer_consent"], {"marketing_consent": True, "consent_at": t1,
                               "consent_channel": "wechat"}, "the guest's consent now")
    # the waiter of the guest's store records the withdrawal, at the till, now
    j = consent(env, g["id"], {"consent": "withdrawn", "channel": "in_store"},
                token=env.tok["waiter"])
    e2 = j["event"]
    eq((e2["consent"], e2["recorded_by"], e2["note"]), ("withdrawn", "u_waiter", None),
       "withdrawal event")
    eq(j["customer_consent"]["marketing_consent"], False, "withdrawn now")
    h = history(env, g["id"], token=env.tok["waiter"])
    eq([(e["id"], e["consent"], e["channel"], e["recorded_by"]) for e in h["items"]],
       [(e2["id"], "withdrawn", "in_store", "u_waiter"), (e1["id"], "given", "wechat", "u_manager")],
       "history newest first, both kept")
    eq(h["items"][1]["at"], t1, "the given event keeps its time")
    eq(h["current"], {"marketing_consent": False, "consent_at": e2["at"],
                      "consent_channel": "in_store"}, "current")
    c = env.guest(g["id"])
    eq((c["marketing_consent"], c["consent_channel"], c["consent_at"]),
       (False, "in_store", e2["at"]), "the card shows the latest")
    eq(c["version"], g["version"] + 2, "each event bumps the version")
    rows = audit_rows(env, g["id"], "guest.consent")
    eq([(u, role) for u, role, _ in rows], [("u_manager", "manager"), ("u_waiter", "waiter")],
       "each recording is audited")
    ok('"consent":"given"' in rows[0][2] and '"channel":"wechat"' in rows[0][2],
       "audit detail names consent and channel: %r" % rows[0][2])
    ok("扫码" not in rows[0][2], "the note stays out of the audit log")


@test("guest rights: a back-dated consent event joins the history but does not override a newer state")
def t_consent_backdated(env):
    g = env.new_guest()
    now = consent(env, g["id"], {"consent": "given", "channel": "app"})
    old = ago(days=3)
    j = consent(env, g["id"], {"consent": "withdrawn", "channel": "form", "at": old,
                               "note": "纸质表格补录"})
    eq(j["customer_consent"], now["customer_consent"], "the newer 'given' stays in force")
    h = history(env, g["id"])
    eq([(e["consent"], e["at"]) for e in h["items"]],
       [("given", now["event"]["at"]), ("withdrawn", old)], "both in the history, by time")
    eq(h["current"]["marketing_consent"], True, "current is still given")
    c = env.guest(g["id"])
    eq((c["marketing_consent"], c["consent_channel"]), (True, "app"), "card unchanged")
    # a newer event does take over
    j = consent(env, g["id"], {"consent": "withdrawn", "channel": "phone"})
    eq(j["customer_consent"]["marketing_consent"], False, "newest wins")


@test("guest rights: a guest created with consent and a PATCH of marketing_consent add consent events")
def t_consent_patch(env):
    g = env.new_guest(marketing_consent=True, consent_channel="in_store")
    h = history(env, g["id"])
    eq([(e["consent"], e["channel"], e["at"]) for e in h["items"]],
       [("given", "in_store", g["consent_at"])], "sign-up consent is the first event")
    r = env.api.patch(CUST + "/%d" % g["id"], {"version": g["version"],
                                               "marketing_consent": False,
                                               "consent_channel": "app"},
                      token=env.tok["manager"])
    c = expect(r, 200, "patch consent")
    h = history(env, g["id"])
    eq([(e["consent"], e["channel"]) for e in h["items"]],
       [("withdrawn", "app"), ("given", "in_store")], "the PATCH added an event")
    eq(h["items"][0]["at"], c["consent_at"], "event time is the guest's consent time")
    eq(h["items"][0]["recorded_by"], "u_manager", "recorded_by of the PATCH's consent event")
    # the same again changes nothing, and so records nothing
    r = env.api.patch(CUST + "/%d" % g["id"], {"version": c["version"],
                                               "marketing_consent": False,
                                               "consent_channel": "app"}, token=env.admin())
    expect(r, 200, "patch same consent")
    eq(len(history(env, g["id"])["items"]), 2, "a repeat is no event")
    # other fields leave the history alone
    g2 = env.new_guest(marketing_consent=False, consent_channel="in_store")
    eq(history(env, g2["id"])["items"], [], "created without consent: no event")


@test("guest rights: consent recorded with an API key (customers:write) shows via_key and no user")
def t_consent_key(env):
    r = env.api.post("/api/v1/keys", {"name": "预订系统%d" % env.seq(),
                                      "scopes": ["customers:write", "customers:read"]},
                     token=env.admin())
    tok = expect(r, 201, "create key")["token"]
    g = env.new_guest()
    j = consent(env, g["id"], {"consent": "given", "channel": "online_booking"}, token=tok)
    eq((j["event"]["via_key"], j["event"]["recorded_by"]), (True, None), "via key")
    h = history(env, g["id"], token=tok)
    eq(h["items"][0]["via_key"], True, "listed via key")
    rows = db_rows(env, "SELECT recorded_by, key_id FROM consent_events WHERE id = ?",
                   (j["event"]["id"],))
    ok(rows[0][0] is None and rows[0][1], "the row names the key, not a user: %r" % rows)


@test("guest rights: bad consent bodies answer 400 naming the field and write nothing; unknown guests 404; roles")
def t_consent_bad(env):
    g = env.new_guest()
    url = CUST + "/%d/consent" % g["id"]
    future = rfc3339(datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1))
    cases = [
        ({}, "missing_field", "consent"),
        ({"channel": "app"}, "missing_field", "consent"),
        ({"consent": "given"}, "missing_field", "channel"),
        ({"consent": "maybe", "channel": "app"}, "invalid_consent", "consent"),
        ({"consent": True, "channel": "app"}, "invalid_type", "consent"),
        ({"consent": "given", "channel": "fax"}, "invalid_channel", "channel"),
        ({"consent": "given", "channel": ""}, None, "channel"),
        ({"consent": "given", "channel": "app", "at": future}, "invalid_time", "at"),
        ({"consent": "given", "channel": "app", "at": "2024-03-05 18:30"}, "invalid_time", "at"),
        ({"consent": "given", "channel": "app", "at": "1970-01-01T00:00:00Z"}, "invalid_time", "at"),
        ({"consent": "given", "channel": "app", "at": 1700000000}, "invalid_type", "at"),
        ({"consent": "given", "channel": "app", "note": "字" * 201}, "too_long", "note"),
        ({"consent": "given", "channel": "app", "note": "a\nb"}, None, "note"),
        ({"consent": "given", "channel": "app", "who": "me"}, "unknown_field", "who"),
    ]
    for body, code, field in cases:
        expect_error(env.api.post(url, body, token=env.admin()), 400, code, field,
                     what="consent %r" % (body,))
    expect_error(env.api.post(url, raw=b"{not json", token=env.admin()), 400, "invalid_json")
    expect_error(env.api.post(url, raw=b"[]", token=env.admin()), 400, "invalid_json")
    expect_error(env.api.post(url, {"consent": "given", "channel": "app"}, token=env.admin(),
                              content_type="text/plain"), 415)
    eq(history(env, g["id"])["items"], [], "nothing written")
    eq(env.guest(g["id"])["version"], g["version"], "guest untouched")
    ok(not db_rows(env, "SELECT 1 FROM consent_events WHERE customer_id = ?", (g["id"],)),
       "no consent_events row")
    body = {"consent": "given", "channel": "app"}
    expect_error(env.api.post(CUST + "/987654321/consent", body, token=env.admin()), 404,
                 "not_found")
    expect_error(env.api.get(CUST + "/987654321/consent", token=env.admin()), 404, "not_found")
    d = env.new_guest()
    expect(env.api.delete(CUST + "/%d" % d["id"], token=env.admin()), 200, "delete")
    expect_error(env.api.post(CUST + "/%d/consent" % d["id"], body, token=env.admin()), 404,
                 "not_found", what="deleted guest")
    expect_error(env.api.get(CUST + "/%d/consent" % d["id"], token=env.admin()), 404,
                 "not_found", what="deleted guest history")
    expect_error(env.api.post(url, body, token=env.tok["analyst"]), 403, "forbidden")
    expect_error(env.api.post(url, body, token=env.tok["support"]), 403, "forbidden")
    expect_error(env.api.get(url, token=env.tok["support"]), 403, "forbidden")
    expect(env.api.get(url, token=env.tok["analyst"]), 200, "analyst reads the history")
    # the waiter's store does not know this guest (home SH02, no visit, no lookup)
    far = env.new_guest(home_store_id=env.store2["id"])
    expect_error(env.api.post(CUST + "/%d/consent" % far["id"], body, token=env.tok["waiter"]),
                 404, "not_found", what="out of the waiter's scope")
    expect_error(env.api.get(CUST + "/%d/consent" % far["id"], token=env.tok["waiter"]), 404,
                 "not_found", what="history out of scope")


# ================================================================ export


@test("guest rights: GET /customers/{id}/export holds profile, tags, family, facts, needs, visits with items, aggregates, consent history, store links, merges and the access log")
def t_export(env):
    name = "导出测试" + cn_digits(env.seq())
    phone = env.phone()
    g = env.new_guest(name=name, phone=phone, gender="female", birthday="1990-03-05",
                      home_store_id=env.store2["id"], notes="爱吃辣，靠窗", tags=["VIP", "常客"],
                      family=[{"relation": "女儿", "name": "小宝", "birthday": "2015-06-01"}],
                      marketing_consent=True, consent_channel="member_card")
    for kind, value in (("allergy", "花生"), ("taste", "微辣")):
        expect(env.api.post(CUST + "/%d/facts" % g["id"], {"kind": kind, "value": value,
                                                           "source": "waiter"},
                            token=env.tok["manager"]), 201, "fact")
    expect(env.api.post(CUST + "/%d/needs" % g["id"], {"need": "靠窗座位", "expectation": "安静",
                                                       "source": "feedback"},
                        token=env.tok["manager"]), 201, "need")
    v1 = visit(env, g["id"], env.store, "2024-01-02T12:00:00+08:00", [("meat", 2), ("vegetable", 1)])
    visit(env, g["id"], env.store2, "2024-02-03T19:30:00+08:00", [("seafood", 1)])
    consent(env, g["id"], {"consent": "withdrawn", "channel": "phone", "note": "电话退订"})
    # the waiter finds the guest by the full number at BJ01's door: a store link; a view
    j = env.search("phone=" + q(phone), token=env.tok["waiter"])
    eq([c["id"] for c in j["items"]], [g["id"]], "waiter finds by phone")
    env.guest(g["id"], token=env.tok["manager"])  # a full-profile view is audited
    # a duplicate merged into the guest
    dup = env.new_guest(name=name, phone=env.phone())
    m = expect(env.api.post(CUST + "/%d/merge" % g["id"], {"from": [dup["id"]]},
                            token=env.admin()), 200, "merge")
    x = expect(env.api.get(CUST + "/%d/export" % g["id"], token=env.tok["manager"]), 200,
               "export")
    eq(x["format_version"], 1, "format_version")
    ok(isinstance(x["exported_at"], str) and x["exported_at"][:2] == "20", "exported_at")
    p = x["profile"]
    eq((p["id"], p["name"], p["phone"], p["gender"], p["birthday"]),
       (g["id"], name, "+86" + phone, "female", "1990-03-05"), "profile, unmasked")
    eq(p["home_store"], {"id": env.store2["id"], "code": "SH02", "name": "上海徐汇店"}, "home store")
    eq((p["source"], p["marketing_consent"], p["consent_channel"]), ("waiter", False, "phone"),
       "source, consent")
    ok(p["notes"].startswith("爱吃辣，靠窗"), "notes: %r" % p["notes"])
    for k in ("consent_at", "created_at", "updated_at", "version"):
        ok(p.get(k), "profile has %s" % k)
    eq(sorted(x["tags"]), ["VIP", "常客"], "tags")
    eq(x["family"], [{"relation": "女儿", "name": "小宝", "birthday": "2015-06-01"}], "family")
    eq([(f["kind"], f["value"], f["source"], f["created_by"]) for f in x["facts"]],
       [("allergy", "花生", "waiter", "u_manager"), ("taste", "微辣", "waiter", "u_manager")],
       "facts with who recorded them")
    ok(all(f["created_at"] for f in x["facts"]), "fact times")
    eq([(n["need"], n["expectation"], n["source"], n["created_by"], n["via_key"])
        for n in x["needs"]], [("靠窗座位", "安静", "feedback", "u_manager", False)],
       "needs with who recorded them")
    ok(all(n["created_at"] for n in x["needs"]), "need times")
    eq(len(x["visits"]), 2, "visits")
    xv = x["visits"][0]
    eq((xv["id"], xv["store"], xv["visited_at"], xv["party_size"], xv["amount_fen"],
        xv["channel"], xv["pos_order_id"]),
       (v1["id"], {"id": env.store["id"], "code": "BJ01", "name": "北京朝阳店"},
        "2024-01-02T12:00:00+08:00", 3, 2 * 5800 + 1200, "dine_in", v1["pos_order_id"]),
       "first visit")
    eq([(i["dish_name"], i["qty"], i["unit_price_fen"]) for i in xv["items"]],
       [("肥牛卷", 2, 5800), ("生菜", 1, 1200)], "items by dish name")
    eq(x["visits"][1]["store"]["code"], "SH02", "second visit's store")
    a = x["aggregates"]
    eq((a["visit_count"], a["total_spend_fen"]), (2, 2 * 5800 + 1200 + 4800), "aggregates")
    eq(a["spend_by_category_fen"]["seafood"], 4800, "per category")
    eq([(e["consent"], e["channel"]) for e in x["consent_history"]],
       [("withdrawn", "phone"), ("given", "member_card")], "consent history")
    eq([(s["code"], s["via"]) for s in x["store_links"]], [("BJ01", "phone_lookup")],
       "the store that identified the guest")
    eq([(mm["id"], mm["kept_id"], mm["merged_ids"], mm["merged_by"]) for mm in x["merges"]],
       [(m["merge_id"], g["id"], [dup["id"]], "u_admin")], "merges, without dumps")
    ok("before" not in x["merges"][0] and "merged_phones" not in x["merges"][0], "no dumps")
    acts = [(e["action"], e["username"], e["role"]) for e in x["access_log"]]
    for want in (("guest.create", "u_admin", "admin"), ("guest.consent", "u_admin", "admin"),
                 ("guest.phone_lookup", "u_waiter", "waiter"),
                 ("guest.view", "u_manager", "manager")):
        ok(want in acts, "access log has %r: %r" % (want, acts))
    ok(all(e["at"] for e in x["access_log"]), "access log times")
    eq(len(audit_rows(env, g["id"], "guest.export_data")), 1, "the export is audited")
    # who may not, and what is not there
    for role in ("analyst", "waiter", "support"):
        expect_error(env.api.get(CUST + "/%d/export" % g["id"], token=env.tok[role]), 403,
                     "forbidden", what="export as " + role)
    expect_error(env.api.get(CUST + "/987654321/export", token=env.admin()), 404, "not_found")
    expect_error(env.api.get(CUST + "/%d/export" % dup["id"], token=env.admin()), 404,
                 "not_found", what="a merged (deleted) guest")


@test("guest rights: the export of a guest with 2,000 visits is complete")
def t_export_big(env):
    g = env.new_guest()
    conn = env.api.connection()
    t0 = time.monotonic()
    try:
        for i in range(2000):
            r = env.api.post("/api/v1/visits", {
                "customer_id": g["id"], "store_id": env.store["id"],
                "visited_at": "2023-01-01T12:00:00+08:00", "pos_order_id": "BIG-%d-%d" % (g["id"], i),
                "items": [{"dish_id": env.dishes["meat"]["id"], "qty": 1},
                          {"dish_id": env.dishes["vegetable"]["id"], "qty": 2}]},
                token=env.admin(), conn=conn)
            eq(r.status, 201, "visit %d" % i)
    finally:
        conn.close()
    t1 = time.monotonic()
    x = expect(env.api.get(CUST + "/%d/export" % g["id"], token=env.admin()), 200, "export")
    dt = time.monotonic() - t1
    eq(len(x["visits"]), 2000, "every visit")
    ok(all(len(v["items"]) == 2 for v in x["visits"]), "every visit's items")
    eq(x["aggregates"]["visit_count"], 2000, "aggregates")
    ok(dt < 5, "export took %.1f s" % dt)
    print("# 2,000 visits recorded in %.1f s, exported in %.2f s" % (t1 - t0, dt))


# ================================================================ erase


@test("guest rights: erase needs a reason from a manager, refuses one repeating the name or phone, 403 for others, 404 twice")
def t_erase_rules(env):
    name = "抹除规则" + cn_digits(env.seq())
    phone = env.phone()
    g = env.new_guest(name=name, phone=phone)
    url = CUST + "/%d/erase" % g["id"]
    m = env.tok["manager"]
    expect_error(env.api.post(url, {}, token=m), 400, "missing_field", "reason")
    expect_error(env.api.post(url, {"reason": ""}, token=m), 400, None, "reason")
    expect_error(env.api.post(url, {"reason": None}, token=m), 400, "missing_field", "reason")
    fullwidth = "".join(chr(0xFF10 + int(d)) for d in phone[-5:])
    for reason in ("%s本人要求删除" % name, "号码尾号%s" % phone[-4:],
                   "电话 %s %s" % (phone[:3], phone[3:7]), "来电" + fullwidth):
        e = expect_error(env.api.post(url, {"reason": reason}, token=m), 400, "invalid_reason",
                         "reason", what="reason %r" % reason)
        ok("name or phone" in e["message"], "message: %r" % e["message"])
    latin = env.new_guest(name="Lily Wang")
    expect_error(env.api.post(CUST + "/%d/erase" % latin["id"], {"reason": "LILY WANG asked"},
                              token=m), 400, "invalid_reason", "reason", what="name, any case")
    expect_error(env.api.post(url, {"reason": "x" * 201}, token=m), 400, "too_long", "reason")
    expect_error(env.api.post(url, {"reason": "a\nb"}, token=m), 400, None, "reason")
    expect_error(env.api.post(url, {"reason": "ok", "why": 1}, token=m), 400, "unknown_field", "why")
    expect_error(env.api.post(url, {"reason": 5}, token=m), 400, "invalid_type", "reason")
    for role in ("analyst", "waiter", "support"):
        expect_error(env.api.post(url, {"reason": "客人要求"}, token=env.tok[role]), 403,
                     "forbidden", what="erase as " + role)
    c = env.guest(g["id"])
    eq((c["name"], c["version"]), (name, g["version"]), "nothing written by refusals")
    eq(audit_rows(env, g["id"], "guest.erase"), [], "refusals are not audited as erasures")
    j = expect(env.api.post(url, {"reason": "客人书面要求删除，工单 A-17"}, token=m), 200, "erase")
    eq(j["id"], g["id"], "answer id")
    ok(isinstance(j["erased_at"], str), "erased_at")
    eq(j["merged_guests_erased"], [], "nobody else")
    expect_error(env.api.post(url, {"reason": "再来一次"}, token=m), 404, "not_found",
                 what="erasing twice")
    expect_error(env.api.post(CUST + "/987654321/erase", {"reason": "x"}, token=m), 404, "not_found")
    # an admin may erase without a reason, also a guest deleted before
    d = env.new_guest(name="已删除" + cn_digits(env.seq()))
    expect(env.api.delete(CUST + "/%d" % d["id"], token=env.admin()), 200, "delete")
    j = expect(env.api.post(CUST + "/%d/erase" % d["id"], {}, token=env.admin()), 200,
               "admin erases a deleted guest without a reason")
    rows = db_rows(env, "SELECT name, phone, erased_at IS NOT NULL FROM customers WHERE id = ?",
                   (d["id"],))
    eq(rows, [("", None, 1)], "the deleted guest's row is blank")
    rows = audit_rows(env, d["id"], "guest.erase")
    eq(len(rows), 1, "audited")
    ok('"reason":null' in rows[0][2], "no reason: %r" % rows[0][2])


def scan_db(env, needles):
    """Every value of every row of every table (FTS shadow tables too) holding a needle."""
    found = []
    c = db(env)
    try:
        tables = [r[0] for r in c.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        ok("customer_names_data" in tables and "customer_names_idx" in tables,
           "the FTS shadow tables are scanned: %r" % tables)
        for t in tables:
            cols = [r[1] for r in c.execute("SELECT * FROM pragma_table_info(?)", (t,))]
            for col in cols:
                qt, qc = '"%s"' % t.replace('"', '""'), '"%s"' % col.replace('"', '""')
                for needle in needles:
                    nb = needle.encode("utf-8")
                    n = c.execute("SELECT count(*) FROM %s WHERE instr(CAST(%s AS TEXT), ?) > 0"
                                  " OR (typeof(%s) = 'blob' AND instr(%s, ?) > 0)"
                                  % (qt, qc, qc, qc), (needle, nb)).fetchone()[0]
                    if n:
                        found.append("%s.%s holds %r (%d rows)" % (t, col, needle, n))
            # and the same in Python, value by value, whatever its type
            for row in c.execute('SELECT * FROM "%s"' % t.replace('"', '""')):
                for v in row:
                    b = v if isinstance(v, bytes) else str(v).encode("utf-8")
                    for needle in needles:
                        if needle.encode("utf-8") in b:
                            found.append("%s row holds %r" % (t, needle))
    finally:
        c.close()
    return found


def scan_files(env, needles):
    found = []
    for path in (env.db_path, env.db_path + "-wal"):
        try:
            with open(path, "rb") as f:
                data = f.read()
        except FileNotFoundError:
            continue
        for needle in needles:
            for enc in ("utf-8", "utf-16-le", "utf-16-be"):
                if needle.encode(enc) in data:
                    found.append("%s holds %r (%s)" % (os.path.basename(path), needle, enc))
    return found


def _varint(b, i):
    """An SQLite varint at b[i:]: (value, next index)."""
    v = 0
    for k in range(8):
        c = b[i + k]
        v = (v << 7) | (c & 0x7f)
        if not c & 0x80:
            return v, i + k + 1
    return (v << 8) | b[i + 8], i + 9


def fts_terms(env):
    """
    Every term stored in the leaves of the name index's segments (FTS5's
    customer_names_data), deleted ones included: a delete only adds a
    marker until the segments are merged.
    """
    terms = set()
    c = db(env)
    try:
        for rid, block in c.execute("SELECT id, block FROM customer_names_data WHERE id > 10"):
            if (rid >> 31) & 0x3f or not block or len(block) < 4:
                continue  # a doclist index or an inner node, not a leaf
            size = (block[2] << 8) | block[3]
            offs, i, acc = [], size, 0
            while i < len(block):
                v, i = _varint(block, i)
                acc += v
                offs.append(acc)
            prev = b""
            for k, off in enumerate(offs):
                if k == 0:
                    n, j = _varint(block, off)
                    term = block[j:j + n]
                else:
                    pre, j = _varint(block, off)
                    n, j = _varint(block, j)
                    term = prev[:pre] + block[j:j + n]
                prev = term
                terms.add(term[1:].decode("utf-8", "replace"))  # after the index byte '0'
    finally:
        c.close()
    return terms


def store_totals(env):
    c = db(env)
    try:
        per_store = c.execute("SELECT store_id, count(*), sum(amount_fen) FROM visits"
                              " GROUP BY store_id ORDER BY store_id").fetchall()
        items = c.execute("SELECT count(*), sum(qty * unit_price_fen) FROM visit_items").fetchone()
        stats = c.execute("SELECT count(*), sum(visit_count), sum(total_spend_fen),"
                          " sum(spend_meat + spend_seafood + spend_vegetable + spend_soup_base)"
                          " FROM customer_stats").fetchone()
        return per_store, items, stats
    finally:
        c.close()


@test("guest rights: erasure leaves no trace of the name or phone in any table, column, FTS segment, the db file or its WAL; visits and store totals stay")
def t_erase_everything(env):
    name = "欧阳娜娜" + cn_digits(env.seq() + 4000)
    phone = env.phone()
    e164 = "+86" + phone
    g = env.new_guest(name=name, phone=phone, gender="female", birthday="1992-08-15",
                      home_store_id=env.store2["id"],
                      notes="%s 喜欢靠窗，电话 %s" % (name, phone), tags=["VIP", "生日会"],
                      family=[{"relation": "女儿", "name": name + "的女儿"}],
                      marketing_consent=True, consent_channel="wechat")
    for kind, value in (("allergy", "花生"), ("preference", name + "爱吃毛肚")):
        expect(env.api.post(CUST + "/%d/facts" % g["id"], {"kind": kind, "value": value,
                                                           "source": "waiter"},
                            token=env.admin()), 201, "fact")
    expect(env.api.post(CUST + "/%d/needs" % g["id"], {"need": name + "想要包间",
                                                       "expectation": "电话 " + phone,
                                                       "source": "interview"},
                        token=env.admin()), 201, "need")
    consent(env, g["id"], {"consent": "withdrawn", "channel": "phone",
                           "note": "%s 来电 %s 退订" % (name, phone)})
    consent(env, g["id"], {"consent": "given", "channel": "app"})
    visit(env, g["id"], env.store, "2024-03-01T12:00:00+08:00", [("meat", 2), ("soup_base", 1)])
    visit(env, g["id"], env.store, "2024-04-01T18:00:00+08:00", [("seafood", 3)])
    visit(env, g["id"], env.store2, "2024-05-01T19:00:00+08:00", [("vegetable", 4), ("meat", 1)])
    # a duplicate of the same person (same name, another number), merged into the guest
    dphone = env.phone()
    dup = env.new_guest(name=name, phone=dphone, notes="旧卡 " + dphone)
    visit(env, dup["id"], env.store2, "2023-12-24T20:00:00+08:00", [("meat", 1)])
    m = expect(env.api.post(CUST + "/%d/merge" % g["id"], {"from": [dup["id"]]},
                            token=env.tok["manager"]), 200, "merge")
    # a store link (the waiter at BJ01 finds them by phone), a dismissed pair, views
    eq([c["id"] for c in env.search("phone=" + q(phone), token=env.tok["waiter"])["items"]],
       [g["id"]], "waiter lookup")
    other = env.new_guest(name="另一位" + cn_digits(env.seq()))
    expect(env.api.post(CUST + "/duplicates/dismiss", {"a": g["id"], "b": other["id"]},
                        token=env.admin()), 200, "dismiss")
    card = env.guest(g["id"])
    eq(card["visit_count"], 4, "4 visits before")
    # the needles are there before: the scan is able to find them
    needles = [name, e164, phone, "+86" + dphone, dphone]
    before_db = scan_db(env, needles)
    ok(any("customers" in f for f in before_db), "the scan sees the guest before: %r" % before_db)
    ok(any("merges" in f for f in before_db), "and the merge dumps: %r" % before_db)
    ok(scan_files(env, needles), "the byte scan sees them before")
    # the name's own trigrams (those with 娜 and the unique suffix) in the FTS segments
    grams = [name[i:i + 3] for i in range(len(name) - 2)]
    grams = [t for t in grams if "娜" in t and t[-1] not in "欧阳娜"]
    eq(sorted(set(grams) - fts_terms(env)), [], "the FTS segments hold the name's trigrams before")
    totals = store_totals(env)
    g_stats = db_rows(env, "SELECT * FROM customer_stats WHERE customer_id = ?", (g["id"],))
    visit_rows = db_rows(env, "SELECT id, store_id, visited_at, amount_fen FROM visits"
                         " WHERE customer_id = ? ORDER BY id", (g["id"],))
    eq(len(visit_rows), 4, "visit rows before")

    reason = "客人到店书面申请删除个人信息，工单 PIPL-2024-017"
    j = expect(env.api.post(CUST + "/%d/erase" % g["id"], {"reason": reason}, token=env.admin()),
               200, "erase")
    eq(j["id"], g["id"], "erased id")
    eq(j["merged_guests_erased"], [dup["id"]], "the merged duplicate goes too")

    # the API knows nobody
    for path in ("", "/consent", "/export", "/facts", "/needs", "/visits"):
        expect_error(env.api.get(CUST + "/%d%s" % (g["id"], path), token=env.admin()), 404,
                     what="GET card%s after erasure" % path)
    eq(env.search("phone=" + q(phone))["items"], [], "search by phone")
    eq(env.search("phone=" + q(dphone))["items"], [], "search by the duplicate's phone")
    eq(env.search("q=" + q(name))["items"], [], "search by name")
    eq(env.search("q=" + q(name[3:]))["items"], [], "search by part of the name")
    ok(g["id"] not in [c["id"] for c in env.search("phone_tail=" + phone[-4:])["items"]],
       "search by the last four digits")
    e = expect_error(env.api.post("/api/v1/merges/%d/undo" % m["merge_id"], token=env.admin()),
                     409, what="undo after erasure")
    ok(e["code"] in ("guests_changed", "erased"), "undo refuses: %r" % e)
    mr = expect(env.api.get("/api/v1/merges/%d" % m["merge_id"], token=env.admin()), 200,
                "the merge record stays")
    ok(phone not in str(mr) and dphone not in str(mr), "the merge record shows no phone: %r" % mr)

    # nothing in any table, any column, any row
    left = scan_db(env, needles)
    eq(left, [], "PII left in the database")
    # nor in the bytes of the file and its WAL (the server checkpointed after the erase)
    left = scan_files(env, needles)
    eq(left, [], "PII left in the database file or WAL")
    eq(sorted(set(grams) & fts_terms(env)), [], "the name's trigrams left in the FTS segments")

    # the guest's rows: blank, and gone where they named the guest
    row = db_rows(env, "SELECT name, phone, gender, birth_year, birth_month, birth_day, notes,"
                  " marketing_consent, consent_at, consent_channel, deleted_at IS NOT NULL,"
                  " erased_at IS NOT NULL FROM customers WHERE id = ?", (g["id"],))
    eq(row, [("", None, "unknown", None, None, None, None, 0, None, None, 1, 1)], "blank row")
    for table, col in (("customer_tags", "customer_id"), ("family_members", "customer_id"),
                       ("customer_facts", "customer_id"), ("customer_needs", "customer_id"),
                       ("consent_events", "customer_id"),
                       ("guest_store_links", "customer_id"), ("duplicate_dismissals", "a"),
                       ("duplicate_dismissals", "b")):
        for gid in (g["id"], dup["id"]):
            eq(db_rows(env, "SELECT count(*) FROM %s WHERE %s = ?" % (table, col), (gid,)),
               [(0,)], "%s rows of guest %d" % (table, gid))
    eq(db_rows(env, "SELECT before, after, merged_phones FROM merges WHERE id = ?",
               (m["merge_id"],)), [("{}", "{}", "[]")], "merge dumps emptied")

    # the figures do not move: visits, items, aggregates stay, anonymous
    eq(store_totals(env), totals, "store totals and customer_stats sums")
    eq(db_rows(env, "SELECT * FROM customer_stats WHERE customer_id = ?", (g["id"],)), g_stats,
       "the guest's aggregates row")
    eq(db_rows(env, "SELECT id, store_id, visited_at, amount_fen FROM visits"
               " WHERE customer_id = ? ORDER BY id", (g["id"],)), visit_rows, "visits stay")

    # the audit log keeps the erasure with its reason, and no PII
    rows = audit_rows(env, g["id"], "guest.erase")
    eq(len(rows), 1, "one guest.erase row")
    eq((rows[0][0], rows[0][1]), ("u_admin", "admin"), "who erased")
    ok(('"reason":"%s"' % reason) in rows[0][2], "the reason is kept: %r" % rows[0][2])
