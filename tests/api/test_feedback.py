"""
test_feedback.py - 客户反馈处理 over HTTP (issue 7): recording feedback
(staff, API keys of review platforms, the guests' public form), the
complaint tickets it opens, every legal and illegal move through the
steps, deadlines and overdue tickets, the owner and the recovery coupon,
the board's lists and counts, the feedback rules, roles and scope.

Deadlines run from when the guest gave the feedback (received_at), so a
complaint recorded with a received_at 30 hours ago is a controllable clock:
its first response is overdue at once.
"""

import datetime
import json
import sqlite3
import time

from harness import PASSWORD, add_user, eq, expect, expect_error, ok, run_cli, test

FB = "/api/v1/feedback"
STEPS = ("received", "analysed", "planned", "implemented", "evaluated", "called_back", "closed")
# what each step needs (the minimum body besides "to")
NEEDS = {"analysed": {"root_cause": "锅底上桌太慢，后厨人手不足"},
         "planned": {"solution": "高峰期加派一名传菜员"},
         "implemented": {},
         "evaluated": {"result": "上菜时间从 25 分钟降到 12 分钟"},
         "called_back": {"satisfaction": 4},
         "closed": {},
         "received": {"note": "客人再次来电，问题未解决"}}


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%S+08:00", time.gmtime(t + 8 * 3600))


def fixture(env):
    if getattr(env, "fb_fx", None):
        return env.fb_fx
    a = env.admin()
    s1 = expect(env.api.post("/api/v1/stores", {"code": "FB01", "name": "杭州西湖店",
                                                "city": "杭州", "region": "华东"}, token=a),
                201, "store FB01")
    s2 = expect(env.api.post("/api/v1/stores", {"code": "FB02", "name": "南京新街口店",
                                                "city": "南京", "region": "华东"}, token=a),
                201, "store FB02")
    add_user(env.laoke, env.db_url, "u_fb_mgr", "manager", PASSWORD, store="FB01")
    add_user(env.laoke, env.db_url, "u_fb_mgr2", "manager", PASSWORD, store="FB02")
    add_user(env.laoke, env.db_url, "u_fb_waiter", "waiter", PASSWORD, store="FB01")
    mgr = env.login("u_fb_mgr")
    me = expect(env.api.get("/api/v1/auth/me", token=mgr), 200, "me")["user"]
    env.fb_fx = {"s1": s1, "s2": s2, "mgr": mgr, "mgr_id": me["id"],
                 "mgr2": env.login("u_fb_mgr2"), "waiter": env.login("u_fb_waiter")}
    return env.fb_fx


def add(env, token=None, status=201, **body):
    fx = fixture(env)
    b = {"store_id": fx["s1"]["id"], "channel": "in_store", "category": "service"}
    b.update(body)
    r = env.api.post(FB, b, token=token or fx["mgr"])
    if status is None:
        return r
    return expect(r, status, "feedback %r" % b)


def move(env, fid, to, token=None, status=200, **extra):
    body = {"to": to}
    body.update(extra)
    r = env.api.post("%s/%d/transitions" % (FB, fid), body, token=token or fixture(env)["mgr"])
    if status is None:
        return r
    return expect(r, status, "move %d to %s" % (fid, to))


@test("feedback: praise is recorded without a ticket; a rating of 1-2 or a marked complaint opens one")
def t_fb_create(env):
    fx = fixture(env)
    dish = env.dishes["meat"]["id"]
    j = add(env, rating=5, text="服务员小王很热情", category="service", staff_name="小王")
    eq(j["ticket"], None, "praise: no ticket")
    eq((j["rating"], j["complaint"], j["source"], j["staff"]["name"]), (5, False, "staff", "小王"),
       "recorded as given")
    eq(j["store"]["code"], "FB01", "the store")
    for rating, marked in ((1, False), (2, False), (4, True)):
        j = add(env, rating=rating, complaint=marked, category="dish", dish_id=dish,
                text="肥牛不新鲜")
        ok(j["complaint"], "a complaint (rating %d, marked %s)" % (rating, marked))
        t = j["ticket"]
        eq(t["status"], "received", "the ticket opens as received")
        eq(t["owner"]["id"], fx["mgr_id"], "owned by the store's manager")
        eq(t["next"], ["analysed"], "the next step")
        eq(j["dish"]["name"], "肥牛卷", "the dish")
        ok(not t["overdue"], "not overdue yet")
    j = add(env, rating=3, category="price")
    eq(j["ticket"], None, "a 3 is not a complaint")
    full = expect(env.api.get("%s/%d" % (FB, add(env, rating=1)["id"]), token=fx["mgr"]), 200,
                  "read")
    eq([(s["from"], s["to"]) for s in full["steps"]], [(None, "received")], "the opening step")


@test("feedback: deadlines run from receipt (24 h response, 72 h resolution); overdue tickets are listed")
def t_fb_deadlines(env):
    fx = fixture(env)
    now = int(time.time())
    late = add(env, rating=1, text="等位一个小时", category="waiting", received_at=iso(now - 30 * 3600))
    t = late["ticket"]
    ok(t["response_overdue"] and t["overdue"], "30 h without a response: overdue")
    ok(not t["resolve_overdue"], "the 72 h resolution is not due yet")
    due = datetime.datetime.fromisoformat(t["response_due_at"]).timestamp()
    ok(abs((due - (now - 30 * 3600)) - 24 * 3600) < 60, "response due 24 h after receipt")
    old = add(env, rating=2, category="hygiene", received_at=iso(now - 80 * 3600))
    ok(old["ticket"]["resolve_overdue"], "80 h open: resolution overdue")
    fresh = add(env, rating=1, category="hygiene")
    ids = [x["id"] for x in search_fb(env, "overdue=true&store=FB01", fx["mgr"])]
    ok(late["id"] in ids and old["id"] in ids, "overdue tickets listed")
    ok(fresh["id"] not in ids, "a fresh one is not")
    # a response ends the response deadline; the resolution one runs on
    j = move(env, late["id"], "analysed", **NEEDS["analysed"])
    ok(not j["ticket"]["response_overdue"] and j["ticket"]["first_response_at"], "responded")
    board = expect(env.api.get(FB + "/board?store=FB01", token=fx["mgr"]), 200, "board")
    cols = {c["status"]: c["count"] for c in board["columns"]}
    eq(set(cols), set(STEPS), "a column per step")
    ok(board["overdue"] >= 1, "the board counts overdue tickets")
    # the deadlines are settings
    a = env.admin()
    expect(env.api.request("PUT", "/api/v1/settings/feedback",
                           body={"deadlines": {"response_hours": 48}}, token=a), 200, "48 h")
    try:
        j = add(env, rating=1, received_at=iso(now - 30 * 3600))
        ok(not j["ticket"]["response_overdue"], "with 48 h, 30 h is not late")
    finally:
        expect(env.api.request("PUT", "/api/v1/settings/feedback",
                               body={"deadlines": {"response_hours": 24}}, token=a), 200, "back")


def search_fb(env, query, token):
    return expect(env.api.get(FB + "?" + query, token=token), 200, "list " + query)["items"]


@test("feedback: every legal move with what it needs, recorded with who, when and the note")
def t_fb_moves(env):
    fx = fixture(env)
    f = add(env, rating=1, text="锅底太咸", category="dish")
    fid = f["id"]
    for to in STEPS[1:]:
        # without its required field the move is refused and nothing changes
        for field in NEEDS[to]:
            r = move(env, fid, to, status=None, note="缺字段")
            expect_error(r, 400, "missing_field", field, what="%s without %s" % (to, field))
        j = move(env, fid, to, note="第%d步" % STEPS.index(to), **NEEDS[to])
        eq(j["ticket"]["status"], to, "moved to " + to)
    t = j["ticket"]
    eq((t["root_cause"], t["solution"], t["result"], t["satisfaction"]),
       (NEEDS["analysed"]["root_cause"], NEEDS["planned"]["solution"],
        NEEDS["evaluated"]["result"], 4), "what each step recorded")
    ok(t["closed_at"] and t["first_response_at"], "times")
    eq(t["next"], ["received"], "closed: only reopening")
    full = expect(env.api.get("%s/%d" % (FB, fid), token=fx["mgr"]), 200, "read")
    eq([s["to"] for s in full["steps"]], list(STEPS), "every step recorded in order")
    ok(all(s["by"] and s["by"]["id"] == fx["mgr_id"] for s in full["steps"][1:]), "who")
    eq(full["steps"][2]["note"], "第2步", "the note")
    # reopen: needs a note; deadlines run again
    expect_error(move(env, fid, "received", status=None), 400, "missing_field", "note",
                 what="reopen without a note")
    j = move(env, fid, "received", **NEEDS["received"])
    eq((j["ticket"]["status"], j["ticket"]["reopened"], j["ticket"]["closed_at"]),
       ("received", 1, None), "reopened")
    ok(not j["ticket"]["overdue"], "the deadlines run again from the reopening")
    audit = expect(env.api.get("/api/v1/audit?action=ticket.transition&target_id=%d" % fid,
                               token=env.admin()), 200, "audit")["items"]
    eq(len(audit), 7, "every move audited")


@test("feedback: every illegal move is 409 naming the allowed next step, and changes nothing")
def t_fb_illegal(env):
    fx = fixture(env)
    for i, at in enumerate(STEPS):
        f = add(env, rating=1, text="非法流转 %d" % i)
        fid = f["id"]
        for to in STEPS[1:STEPS.index(at) + 1]:
            move(env, fid, to, **NEEDS[to])
        legal = "received" if at == "closed" else STEPS[STEPS.index(at) + 1]
        before = expect(env.api.get("%s/%d" % (FB, fid), token=fx["mgr"]), 200, "before")
        for to in STEPS:
            if to == legal:
                continue
            body = dict(NEEDS[to])
            body.setdefault("note", "x")
            r = move(env, fid, to, status=None, **body)
            expect_error(r, 409, "illegal_transition", "to", what="%s -> %s" % (at, to))
            ok(legal in r.json["error"]["message"], "names the allowed next step: %r" %
               r.json["error"]["message"])
        eq(expect(env.api.get("%s/%d" % (FB, fid), token=fx["mgr"]), 200, "after"), before,
           "nothing changed (%s)" % at)
    praise = add(env, rating=5)
    expect_error(move(env, praise["id"], "analysed", status=None, root_cause="x"), 409,
                 "not_a_ticket", what="praise has no ticket")
    f = add(env, rating=1)
    for body, code, field in (({"to": "done"}, "invalid_to", "to"),
                              ({"to": "analysed", "root_cause": 5}, "invalid_type", "root_cause"),
                              ({"to": "analysed", "root_cause": "x", "extra": 1}, "unknown_field",
                               "extra")):
        expect_error(env.api.post("%s/%d/transitions" % (FB, f["id"]), body, token=fx["mgr"]),
                     400, code, field, what=repr(body))
    for to in ("analysed", "planned", "implemented", "evaluated"):
        move(env, f["id"], to, **NEEDS[to])
    expect_error(move(env, f["id"], "called_back", status=None, satisfaction=6), 400,
                 "out_of_range", "satisfaction", what="satisfaction 6")
    # two managers moving the same ticket: the stale one loses
    j = expect(env.api.get("%s/%d" % (FB, f["id"]), token=fx["mgr"]), 200, "read")
    v = j["ticket"]["version"]
    move(env, f["id"], "called_back", satisfaction=5, version=v)
    expect_error(move(env, f["id"], "closed", status=None, version=v), 409, "version_conflict",
                 "version", what="stale version")


@test("feedback: owner and recovery coupon; roles and scope")
def t_fb_owner_coupon_roles(env):
    fx = fixture(env)
    f = add(env, rating=2, text="上错菜")
    url = "%s/%d" % (FB, f["id"])
    j = expect(env.api.patch(url, {"coupon": {"value_fen": 5000, "note": "赠送50元代金券"}},
                             token=fx["mgr"]), 200, "coupon")
    eq(j["ticket"]["coupon"]["value_fen"], 5000, "coupon recorded")
    eq(j["ticket"]["coupon"]["by"], fx["mgr_id"], "by whom")
    expect_error(env.api.patch(url, {"coupon": {"value_fen": 0}}, token=fx["mgr"]), 400,
                 "out_of_range", "coupon.value_fen", what="coupon of 0")
    expect_error(env.api.patch(url, {"owner_user_id": 987654}, token=fx["mgr"]), 400,
                 "unknown_user", "owner_user_id", what="unknown owner")
    expect_error(env.api.patch(url, {}, token=fx["mgr"]), 400, "missing_field", what="empty")
    # waiters record feedback for their store, cannot read or move tickets
    w = fx["waiter"]
    j = add(env, token=w, rating=1, text="客人说汤凉了")
    expect_error(env.api.get(FB, token=w), 403, "forbidden", what="waiter lists")
    expect_error(move(env, j["id"], "analysed", token=w, status=None, root_cause="x"), 403,
                 "forbidden", what="waiter moves")
    expect_error(add(env, token=w, status=None, store_id=fx["s2"]["id"]), 403, "out_of_scope",
                 "store_id", what="waiter at another store")
    expect_error(add(env, token=env.tok["analyst"], status=None), 403, "forbidden",
                 what="analyst records")
    expect_error(env.api.get(FB, token=env.tok["support"]), 403, "forbidden", what="support")
    # an analyst reads, pseudonymised
    g = env.new_guest(name="周杰", phone=env.phone(), home_store_id=fx["s1"]["id"])
    j = add(env, rating=1, customer_id=g["id"], contact_phone="13912345678")
    r = expect(env.api.get("%s/%d" % (FB, j["id"]), token=env.tok["analyst"]), 200, "analyst")
    eq(r["customer_name"], "周**", "pseudonym")
    eq(r["contact"]["phone"], None, "no full phone")
    eq(r["contact"]["phone_masked"], "139****5678", "masked")
    # another store's manager sees none of FB01's feedback
    ids = [x["id"] for x in search_fb(env, "", fx["mgr2"])]
    ok(j["id"] not in ids, "scope: another store's feedback is not listed")
    expect_error(env.api.get("%s/%d" % (FB, j["id"]), token=fx["mgr2"]), 404, "not_found",
                 what="another store's feedback")
    expect_error(move(env, j["id"], "analysed", token=fx["mgr2"], status=None, root_cause="x"),
                 404, "not_found", what="moving another store's ticket")


@test("feedback: lists filter by status, store, category, channel, overdue; bad filters are 400")
def t_fb_lists(env):
    fx = fixture(env)
    a = add(env, rating=1, category="hygiene", channel="phone")
    b = add(env, rating=5, category="environment", channel="online_review")
    move(env, a["id"], "analysed", **NEEDS["analysed"])

    def ids(q):
        return [x["id"] for x in search_fb(env, q, fx["mgr"])]
    ok(a["id"] in ids("status=analysed") and b["id"] not in ids("status=analysed"), "status")
    ok(a["id"] in ids("status=open"), "open tickets")
    ok(b["id"] in ids("tickets=false") and a["id"] not in ids("tickets=false"), "no ticket")
    ok(a["id"] in ids("category=hygiene&channel=phone"), "category and channel")
    ok(b["id"] not in ids("category=hygiene"), "category excludes")
    page = expect(env.api.get(FB + "?limit=1", token=fx["mgr"]), 200, "page")
    eq(len(page["items"]), 1, "limit")
    ok(page["next_cursor"], "next page")
    for q, code, field in (("status=done", "invalid_status", "status"),
                           ("category=noise", "invalid_category", "category"),
                           ("overdue=yes", "invalid_value", "overdue"),
                           ("overdue=false", "invalid_value", "overdue"),
                           ("store=NOPE", "unknown_store", "store"),
                           ("from=2025-02-30", "invalid_date", "from"),
                           ("from=2025-02-02&to=2025-02-01", "invalid_period", "to")):
        expect_error(env.api.get(FB + "?" + q, token=fx["mgr"]), 400, code, field, what=q)
    expect_error(env.api.get(FB + "?store=FB02", token=fx["mgr"]), 403, "out_of_scope", "store",
                 what="another store")


@test("feedback: bad bodies are 400 naming the field and write nothing")
def t_fb_bad(env):
    fx = fixture(env)
    db = sqlite3.connect(env.db_path, timeout=10)
    before = db.execute("SELECT count(*) FROM feedback").fetchone()[0]
    s = fx["s1"]["id"]
    for body, code, field in (
            ({"channel": "in_store", "category": "service"}, "missing_field", "store_id"),
            ({"store_id": s, "category": "service"}, "missing_field", "channel"),
            ({"store_id": s, "channel": "fax", "category": "service"}, "invalid_channel",
             "channel"),
            ({"store_id": s, "channel": "phone", "category": "noise"}, "invalid_category",
             "category"),
            ({"store_id": s, "channel": "phone", "category": "dish", "rating": 6}, "out_of_range",
             "rating"),
            ({"store_id": s, "channel": "phone", "category": "dish", "rating": 0}, "out_of_range",
             "rating"),
            ({"store_id": s, "channel": "phone", "category": "dish", "text": "长" * 1001},
             "too_long", "text"),
            ({"store_id": s, "channel": "phone", "category": "dish", "dish_id": 987654},
             "unknown_dish", "dish_id"),
            ({"store_id": 987654, "channel": "phone", "category": "dish"}, "unknown_store",
             "store_id"),
            ({"store_id": s, "channel": "phone", "category": "dish", "staff_user_id": 987654},
             "unknown_user", "staff_user_id"),
            ({"store_id": s, "channel": "phone", "category": "dish", "received_at": "2099-01-01T00:00:00+08:00"},
             "invalid_time", "received_at"),
            ({"store_id": s, "channel": "phone", "category": "dish", "contact_phone": "123"},
             "invalid_phone", "contact_phone"),
            ({"store_id": s, "channel": "phone", "category": "dish", "callback": True},
             "missing_field", "contact_phone"),
            ({"store_id": s, "channel": "phone", "category": "dish", "mood": "bad"},
             "unknown_field", "mood")):
        r = env.api.post(FB, body, token=env.admin())
        eq(r.status, 400, repr(body))
        eq((r.json["error"]["code"], r.json["error"].get("field")), (code, field), repr(body))
    eq(db.execute("SELECT count(*) FROM feedback").fetchone()[0], before, "nothing written")
    db.close()


@test("feedback: a review platform's key records reviews once (external_ref replays the first)")
def t_fb_key(env):
    fx = fixture(env)
    key = expect(env.api.post("/api/v1/keys", {"name": "大众点评同步", "scopes": ["feedback:write"]},
                              token=env.admin()), 201, "key")
    tok = key["token"]
    body = {"store_id": fx["s1"]["id"], "channel": "online_review", "category": "environment",
            "rating": 2, "text": "环境太吵", "external_ref": "dp-889123"}
    first = expect(env.api.post(FB, body, token=tok), 201, "review")
    eq((first["source"], first["external_ref"]), ("api_key", "dp-889123"), "from the key")
    ok(first["ticket"], "a 2-star review opens a ticket")
    again = expect(env.api.post(FB, body, token=tok), 200, "the same review again")
    eq(again["id"], first["id"], "recorded once")
    expect_error(env.api.get(FB, token=tok), 403, "forbidden", what="the key cannot read")


@test("feedback: the public form: no login, consent required, small bodies, clear errors, nothing half-written")
def t_fb_public(env):
    fx = fixture(env)
    form = expect(env.api.get("/api/v1/public/feedback-form?store=FB01"), 200, "form")
    eq(form["store"]["name"], "杭州西湖店", "the store's name")
    ok("dish" in form["categories"] and form["dishes"], "categories and dishes")
    expect_error(env.api.get("/api/v1/public/feedback-form?store=NOPE"), 404, "not_found",
                 "store", what="unknown store")
    expect_error(env.api.get("/api/v1/public/feedback-form"), 400, "missing_field", "store",
                 what="no store")
    P = "/api/v1/public/feedback"
    db = sqlite3.connect(env.db_path, timeout=10)
    count = lambda: db.execute("SELECT count(*) FROM feedback").fetchone()[0]
    before = count()
    good = {"store": "FB01", "category": "service", "rating": 1, "text": "等了四十分钟没人理",
            "phone": "138 0013 9000", "callback": True, "consent": True, "name": "吴先生"}
    for body, code, field in (
            (dict(good, consent=False), "consent_required", "consent"),
            ({k: v for k, v in good.items() if k != "consent"}, "missing_field", "consent"),
            (dict(good, store="NOPE"), "unknown_store", "store"),
            (dict(good, rating=None, text=None), "missing_field", "rating"),
            (dict(good, phone=None), "missing_field", "phone"),
            (dict(good, phone="12345"), "invalid_phone", "phone"),
            (dict(good, text="字" * 1001), "too_long", "text"),
            (dict(good, channel="phone"), "unknown_field", "channel"),
            (dict(good, dish_id=987654), "unknown_dish", "dish_id")):
        body = {k: v for k, v in body.items() if v is not None}
        expect_error(env.api.post(P, body), 400, code, field, what=repr(body)[:80])
    r = env.api.request("POST", P, raw=json.dumps(dict(good, text="x" * 20000)).encode(),
                        headers={"Content-Type": "application/json"})
    eq(r.status, 413, "a body over 16 KiB")
    eq(count(), before, "nothing written by bad requests")
    j = expect(env.api.post(P, good), 201, "a guest's complaint")
    ok(j["complaint"] and "回电" in j["message_zh"], "thanks, with the call back promised")
    row = expect(env.api.get("%s/%d" % (FB, j["id"]), token=fx["mgr"]), 200, "as staff see it")
    eq((row["channel"], row["source"], row["contact"]["phone"], row["contact"]["callback"]),
       ("form", "public", "+8613800139000", True), "the guest's phone to call back")
    eq(row["ticket"]["status"], "received", "a ticket for the store's manager")
    eq(count(), before + 1, "one row")
    db.close()


@test("feedback: the feedback rules are settings, validated and chain-wide")
def t_fb_settings(env):
    a = env.admin()
    j = expect(env.api.get("/api/v1/settings/feedback", token=env.tok["analyst"]), 200, "read")
    eq(j["defaults"]["deadlines"], {"response_hours": 24, "resolution_hours": 72}, "defaults")
    eq(j["defaults"]["alerts"]["min_complaints"], 5, "alert minimum")
    for body, field in (({"deadlines": {"response_hours": 0}}, "deadlines.response_hours"),
                        ({"deadlines": {"resolution_hours": 10}}, "deadlines.resolution_hours"),
                        ({"alerts": {"p_value": 0.5}}, "alerts.p_value"),
                        ({"surveys": {"low_nps": 9}}, "surveys.low_nps")):
        expect_error(env.api.request("PUT", "/api/v1/settings/feedback", body=body, token=a), 400,
                     "invalid_setting", field, what=repr(body))
    expect_error(env.api.request("PUT", "/api/v1/settings/feedback",
                                 body={"deadlines": {"response_hours": 12}},
                                 token=fixture(env)["mgr"]), 403, "out_of_scope",
                 what="a store manager")


@test("feedback: a flood on the public form is refused with 429 and retry_after, and writes nothing")
def t_fb_public_flood(env):
    fixture(env)
    db = sqlite3.connect(env.db_path, timeout=10)
    before = db.execute("SELECT count(*) FROM feedback").fetchone()[0]
    body = {"store": "FB01", "category": "other", "rating": 4, "text": "刷屏", "consent": True}
    statuses = []
    for _ in range(45):
        r = env.api.post("/api/v1/public/feedback", body)
        statuses.append(r.status)
        if r.status == 429:
            err = r.json["error"]
            eq(err["code"], "rate_limited", "the code")
            ok(err.get("retry_after", 0) >= 1, "says when to come back: %r" % err)
            ok(r.header("Retry-After"), "and the header")
    ok(429 in statuses, "a flood is refused: %r" % statuses)
    written = db.execute("SELECT count(*) FROM feedback").fetchone()[0] - before
    eq(written, statuses.count(201), "only the requests let through wrote a row")
    ok(written <= 30, "at most the minute's budget got through: %d" % written)
    db.close()
