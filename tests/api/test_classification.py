"""
test_classification.py - 客户分类 over HTTP (issue 6): runs (POST
/api/v1/classification/run, `laoke classify`, the server's nightly run), a
guest's classification with explanations and previous values, the segment
counts with movement, segment lists on GET /api/v1/customers, runs that
cannot overlap and failed runs that leave the previous snapshot.

Every run is made with an "as_of" moment so the windows are fixed; the
guests checked live at a store of their own (CLT1, region 西南), so the
counts filtered by that store are exactly theirs whatever other tests add.
"""

import os
import sqlite3
import subprocess
import time

from harness import (PASSWORD, Server, add_user, eq, expect, expect_error, ok, run_cli, test)

RUN = "/api/v1/classification/run"
AS_OF = "2025-06-15T12:00:00+08:00"
AS_OF2 = "2025-06-16T12:00:00+08:00"
DAY = 86400
NOON = 1749960000  # 2025-06-15T12:00:00+08:00


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%S+08:00", time.gmtime(t + 8 * 3600))


def fixture(env):
    """Guests at CLT1 whose classification as of AS_OF is known by hand."""
    if getattr(env, "cls_fx", None):
        return env.cls_fx
    a = env.admin()
    store = expect(env.api.post("/api/v1/stores", {"code": "CLT1", "name": "成都春熙路店",
                                                   "city": "成都", "region": "西南"}, token=a),
                   201, "store CLT1")
    other = expect(env.api.post("/api/v1/stores", {"code": "CLT2", "name": "重庆解放碑店",
                                                   "city": "重庆", "region": "西南"}, token=a),
                   201, "store CLT2")
    sid = store["id"]
    meat = env.dishes["meat"]["id"]
    veg = env.dishes["vegetable"]["id"]

    def guest(name):
        return env.new_guest(name=name, home_store_id=sid)["id"]

    def visit(gid, days_ago, amount, dish=meat):
        body = {"store_id": sid, "customer_id": gid, "visited_at": iso(NOON - days_ago * DAY),
                "items": [{"dish_id": dish, "qty": 1, "unit_price_fen": amount}]}
        expect(env.api.post("/api/v1/visits", body, token=a), 201, "visit")

    # loyal: 30 weekly visits, the last 6 days ago (first 209 days ago), ¥300 each
    loyal = guest("王忠诚")
    for k in range(30):
        visit(loyal, 6 + 7 * k, 30000)
    # a weekly regular silent for 30 days: still active, but at risk by their rhythm
    risky = guest("李常来")
    for k in range(10):
        visit(risky, 30 + 7 * k, 8000)
    # two visits, the last 100 days ago: dormant
    dormant = guest("赵沉睡")
    visit(dormant, 130, 9000)
    visit(dormant, 100, 9000)
    # never came: new, not scored by RFM
    fresh = guest("钱新客")
    # meat on every visit, but staff wrote down that the guest eats vegetarian now
    staff = guest("孙素食")
    visit(staff, 40, 12000)
    visit(staff, 10, 12000, dish=veg)
    expect(env.api.post("/api/v1/customers/%d/facts" % staff,
                        {"kind": "preference", "value": "最近改吃素了", "source": "waiter"},
                        token=a), 201, "preference fact")
    env.cls_fx = {"store": store, "other": other, "loyal": loyal, "risky": risky,
                  "dormant": dormant, "fresh": fresh, "staff": staff, "visit": visit}
    return env.cls_fx


def run(env, as_of=AS_OF, token=None, status=200):
    r = env.api.post(RUN, {"as_of": as_of}, token=token or env.admin())
    if status != 200:
        return r
    return expect(r, 200, "classification run")["run"]


def card(env, gid, token=None):
    return expect(env.api.get("/api/v1/customers/%d/classification" % gid,
                              token=token or env.admin()), 200, "classification of %d" % gid)


def segments(env, query="store=CLT1", token=None):
    return expect(env.api.get("/api/v1/segments?" + query, token=token or env.admin()), 200,
                  "segments " + query)


def counts(seg, dim):
    return {r["value"]: r["count"] for r in seg["dimensions"][dim]}


def ids(env, query, token=None):
    return [c["id"] for c in env.search(query, token=token)["items"]]


@test("classification: a guest before any run is 'classified: false', not an error")
def t_cls_unclassified(env):
    g = env.new_guest()["id"]
    j = card(env, g)
    eq(j["classified"], False, "not classified yet")
    eq(j["computed_at"], None, "no time")
    expect_error(env.api.get("/api/v1/customers/987654/classification", token=env.admin()), 404,
                 "not_found", what="unknown guest")


@test("classification: a run classifies every guest from the aggregates with the reasons in zh and en")
def t_cls_run_card(env):
    fx = fixture(env)
    r = run(env)
    eq(r["status"], "done", "run done")
    eq(r["trigger"], "api", "started over the API")
    eq(r["as_of"], AS_OF, "as of the moment asked")
    ok(r["guests"] >= 5 and r["scored"] >= 4, "guests counted: %r" % r)
    ok(r["changed"] >= 5, "the first run changes everyone it classifies")

    j = card(env, fx["loyal"])
    eq(j["classified"], True, "classified")
    eq((j["frequency_tier"], j["spend_tier"], j["lifecycle"], j["grade"], j["vip"],
        j["at_risk"]), ("high", "high", "active", "loyal", True, False), "the loyal regular")
    eq(j["preference"], "meat", "only meat ordered")
    eq(j["preference_by_staff"], False, "from the spending")
    ok(1 <= j["rfm"]["r"] <= 5 and j["rfm"]["segment"], "RFM scored: %r" % j["rfm"])
    eq(j["computed_at"], r["computed_at"], "the run's time")
    eq(j["previous"], None, "no previous values after the first run")
    eq(j["changed"], [], "nothing changed yet")
    why = j["explanations"]
    for f in ("frequency_tier", "spend_tier", "preference", "lifecycle", "at_risk", "grade",
              "vip", "rfm"):
        ok(why[f]["zh"] and why[f]["en"], "explanation of %s in both languages" % f)
    ok("6" in why["lifecycle"]["zh"] and "天" in why["lifecycle"]["zh"],
       "the lifecycle reason gives the days: %r" % why["lifecycle"]["zh"])
    ok("30" in why["frequency_tier"]["en"], "visits counted in the reason: %r" %
       why["frequency_tier"]["en"])

    j = card(env, fx["risky"])
    eq((j["lifecycle"], j["at_risk"]), ("active", True),
       "a weekly regular silent 30 days: active, yet at risk by their own rhythm")
    ok("7" in j["explanations"]["at_risk"]["zh"], "the usual gap in the reason: %r" %
       j["explanations"]["at_risk"]["zh"])
    eq(card(env, fx["dormant"])["lifecycle"], "dormant", "last visit 100 days ago")
    j = card(env, fx["fresh"])
    eq((j["lifecycle"], j["rfm"]["segment"], j["rfm"]["r"]), ("new", None, 0),
       "never came: new, not RFM-scored")
    j = card(env, fx["staff"])
    eq((j["preference"], j["preference_by_staff"]), ("vegetarian", True),
       "the staff-recorded preference wins over the spending")

    # the counts of the store are exactly these five guests
    seg = segments(env)
    eq(seg["run"]["id"], r["id"], "the latest run")
    eq(seg["total"], 5, "five guests at CLT1")
    eq(counts(seg, "lifecycle"), {"active": 3, "dormant": 1, "new": 1}, "lifecycle counts")
    eq(counts(seg, "vip").get("true"), 1, "one VIP")
    eq(counts(seg, "rfm_segment").get("none"), 1, "one guest not scored")
    for dim in ("frequency_tier", "spend_tier", "preference", "at_risk", "grade"):
        eq(sum(counts(seg, dim).values()), 5, "every guest counted once in " + dim)


@test("classification: a second run records what changed; the card shows the previous values")
def t_cls_movement(env):
    fx = fixture(env)
    if not card(env, fx["loyal"])["classified"]:
        run(env)
    first = segments(env)["run"]["id"]
    # the dormant guest comes back the day before AS_OF2
    fx["visit"](fx["dormant"], -0.5, 15000)
    r = run(env, AS_OF2)
    ok(r["changed"] >= 1, "something changed")
    j = card(env, fx["dormant"])
    eq(j["lifecycle"], "active", "back: active")
    ok(j["previous"] is not None, "previous values")
    eq(j["previous"]["lifecycle"], "dormant", "was dormant")
    eq(j["previous"]["changed_in_run"], r["id"], "changed by the latest run")
    ok("lifecycle" in j["changed"], "lifecycle listed as changed: %r" % j["changed"])
    seg = segments(env)
    eq(seg["base_run"]["id"], first, "compared with the run before")
    moves = {(m["from"], m["to"]): m["count"] for m in seg["movement"]["lifecycle"]}
    eq(moves.get(("dormant", "active")), 1, "one guest moved dormant → active: %r" % moves)
    life = {x["value"]: x for x in seg["dimensions"]["lifecycle"]}
    eq((life["dormant"]["count"], life["dormant"]["previous"]), (0, 1), "dormant 1 → 0")
    eq((life["active"]["count"], life["active"]["previous"]), (4, 3), "active 3 → 4")
    # a run with nothing new writes nothing
    again = run(env, AS_OF2)
    eq(again["changed"], 0, "nothing changed")
    eq(again["written"], 0, "nothing written")
    eq(card(env, fx["dormant"])["previous"]["lifecycle"], "dormant",
       "the previous values stay those before the latest change")


@test("classification: segments filter by store, region and period; bad filters are 400")
def t_cls_segments_filters(env):
    fx = fixture(env)
    if not card(env, fx["loyal"])["classified"]:
        run(env)
    eq(segments(env, "store=CLT2")["total"], 0, "nobody's home store is CLT2")
    ok(segments(env, "region=%E8%A5%BF%E5%8D%97")["total"] >= 5, "the region 西南 holds CLT1")
    ok(segments(env, "")["total"] >= segments(env, "region=%E8%A5%BF%E5%8D%97")["total"],
       "chain ≥ region")
    # a period before any run: no run to show
    old = segments(env, "store=CLT1&to=2000-01-01")
    eq((old["run"], old["total"]), (None, 0), "no run finished by 2000")
    a = env.admin()
    for query, code, field in (("store=NOPE", "unknown_store", "store"),
                               ("store=%20x", "invalid_store", "store"),
                               ("from=2025-13-01", "invalid_date", "from"),
                               ("to=yesterday", "invalid_date", "to"),
                               ("from=2025-06-02&to=2025-06-01", "invalid_period", "to")):
        expect_error(env.api.get("/api/v1/segments?" + query, token=a), 400, code, field,
                     what=query)
    expect_error(env.api.get("/api/v1/segments", token=env.tok["waiter"]), 403, "forbidden",
                 what="a waiter sees no segment counts")
    add_user(env.laoke, env.db_url, "u_cls_mgr2", "manager", PASSWORD, store="CLT2")
    tok = env.login("u_cls_mgr2")
    eq(segments(env, "", token=tok)["total"], 0, "a CLT2 manager counts CLT2's guests only")
    expect_error(env.api.get("/api/v1/segments?store=CLT1", token=tok), 403, "out_of_scope",
                 "store", what="another store")


@test("classification: segment lists on GET /customers, paged, within scope, with clear errors")
def t_cls_lists(env):
    fx = fixture(env)
    run(env, AS_OF)
    eq(ids(env, "grade=loyal&store=CLT1"), [fx["loyal"]], "the loyal guest")
    eq(ids(env, "at_risk=true&lifecycle=active&store=CLT1"), [fx["risky"]], "active but at risk")
    eq(ids(env, "rfm_segment=none&store=CLT1"), [fx["fresh"]], "not scored")
    eq(ids(env, "vip=true&store=CLT1"), [fx["loyal"]], "VIP")
    eq(ids(env, "preference=vegetarian&store=CLT1"), [fx["staff"]], "vegetarian by staff")
    first = env.search("lifecycle=active&store=CLT1&limit=1")
    eq(len(first["items"]), 1, "one a page")
    ok(first["next_cursor"], "a next page")
    nxt = env.search("lifecycle=active&store=CLT1&limit=1&cursor=" + first["next_cursor"])
    ok(nxt["items"][0]["id"] > first["items"][0]["id"], "keyset paging")
    a = env.admin()
    for query, code, field in (("lifecycle=sleepy", "invalid_value", "lifecycle"),
                               ("vip=yes", "invalid_value", "vip"),
                               ("rfm_segment=kings", "invalid_value", "rfm_segment"),
                               ("grade=loyal&q=%E7%8E%8B", "conflicting_filters", "q"),
                               ("store=NOPE&grade=loyal", "unknown_store", "store")):
        r = env.api.get("/api/v1/customers?" + query, token=a)
        eq(r.status, 400, query)
        eq(r.json["error"]["field"], field, query + ": field")
        if code != "invalid_value":
            eq(r.json["error"]["code"], code, query + ": code")
    expect_error(env.api.get("/api/v1/customers?grade=loyal", token=env.tok["waiter"]), 403,
                 "forbidden", what="a segment list needs guests.list")
    add_user(env.laoke, env.db_url, "u_cls_mgr3", "manager", PASSWORD, store="CLT2")
    tok = env.login("u_cls_mgr3")
    eq(ids(env, "grade=loyal", token=tok), [], "out of a CLT2 manager's scope")
    expect_error(env.api.get("/api/v1/customers?grade=loyal&store=CLT1", token=tok), 403,
                 "out_of_scope", "store", what="another store's list")


@test("classification: two runs never overlap; a stale one is taken as abandoned")
def t_cls_overlap(env):
    fixture(env)
    db = sqlite3.connect(env.db_path, timeout=10)
    now = int(time.time())
    cur = db.execute("INSERT INTO cls_runs(trigger, status, started_at, heartbeat_at, as_of,"
                     " tz_offset_min, settings) VALUES ('cli', 'running', ?, ?, ?, 480, '{}')",
                     (now, now, now))
    rid = cur.lastrowid
    db.commit()
    try:
        r = run(env, status=409)
        expect_error(r, 409, "run_in_progress", what="a run under way")
        eq(r.json["error"]["running_run"], rid, "names the running run")
        p = subprocess.run([env.laoke, "classify", "--db", env.db_url], capture_output=True,
                           text=True, timeout=60)
        eq(p.returncode, 1, "laoke classify fails too")
        ok("still running" in p.stderr, "and says why: %r" % p.stderr)
        # its process died an hour ago: the next run marks it failed and goes ahead
        db.execute("UPDATE cls_runs SET heartbeat_at = ? WHERE id = ?", (now - 3600, rid))
        db.commit()
        r = run(env)
        eq(r["status"], "done", "ran")
        row = db.execute("SELECT status, error FROM cls_runs WHERE id = ?", (rid,)).fetchone()
        eq(row[0], "failed", "the stale run is marked failed")
        ok("abandoned" in row[1], "as abandoned: %r" % row[1])
    finally:
        db.execute("UPDATE cls_runs SET status = 'failed' WHERE id = ? AND status = 'running'",
                   (rid,))
        db.commit()
        db.close()


@test("classification: a run that fails leaves the previous snapshot whole")
def t_cls_failed_run(env):
    fx = fixture(env)
    good = run(env, AS_OF)
    before = card(env, fx["loyal"])
    db = sqlite3.connect(env.db_path, timeout=10)
    saved = db.execute("SELECT recent FROM customer_stats WHERE customer_id = ?",
                       (fx["risky"],)).fetchone()[0]
    db.execute("UPDATE customer_stats SET recent = x'0102' WHERE customer_id = ?", (fx["risky"],))
    db.commit()
    try:
        r = run(env, AS_OF2, status=500)
        expect_error(r, 500, "database_error", what="a damaged aggregate")
        ok("day log" in r.json["error"]["message"], "says what: %r" % r.json["error"]["message"])
        runs = expect(env.api.get("/api/v1/classification/runs?limit=2", token=env.admin()), 200,
                      "runs")["items"]
        eq(runs[0]["status"], "failed", "the run is recorded as failed")
        ok(runs[0]["error"], "with its error")
        eq(segments(env)["run"]["id"], good["id"], "segments still show the last good run")
        eq(card(env, fx["loyal"]), before, "the card is unchanged")
    finally:
        db.execute("UPDATE customer_stats SET recent = ? WHERE customer_id = ?",
                   (saved, fx["risky"]))
        db.commit()
        db.close()
    run(env, AS_OF)


@test("classification: who may run it; bad bodies are 400; runs are listed and audited")
def t_cls_run_roles(env):
    fixture(env)
    for role in ("analyst", "waiter", "support"):
        expect_error(env.api.post(RUN, {}, token=env.tok[role]), 403, "forbidden", what=role)
    add_user(env.laoke, env.db_url, "u_cls_mgr4", "manager", PASSWORD, store="CLT1")
    expect_error(env.api.post(RUN, {}, token=env.login("u_cls_mgr4")), 403, "out_of_scope",
                 what="a store manager: a run classifies the whole chain")
    a = env.admin()
    expect_error(env.api.post(RUN, {"as_of": "tomorrow"}, token=a), 400, "invalid_time",
                 "as_of")
    expect_error(env.api.post(RUN, {"when": "now"}, token=a), 400, "unknown_field", "when")
    r = expect(env.api.post(RUN, {}, token=env.tok["manager"]), 200, "a chain manager runs it")
    ok(r["run"]["seconds"] >= 0 and r["run"]["started_by"], "who and how long")
    runs = expect(env.api.get("/api/v1/classification/runs", token=env.tok["analyst"]), 200,
                  "an analyst reads the runs")["items"]
    eq(runs[0]["id"], r["run"]["id"], "newest first")
    audit = expect(env.api.get("/api/v1/audit?action=classification.run", token=a), 200,
                   "audit")["items"]
    eq(audit[0]["target_id"], r["run"]["id"], "the run is audited")
    eq(audit[0]["username"], "u_manager", "by whom")


@test("classification: a deleted guest leaves the snapshot and the counts of the next run")
def t_cls_deleted(env):
    fx = fixture(env)
    g = env.new_guest(home_store_id=fx["other"]["id"])["id"]
    run(env, AS_OF)
    eq(segments(env, "store=CLT2")["total"], 1, "counted at CLT2")
    expect(env.api.delete("/api/v1/customers/%d" % g, token=env.admin()), 200, "delete")
    run(env, AS_OF)
    eq(segments(env, "store=CLT2")["total"], 0, "gone from the counts")
    expect_error(env.api.get("/api/v1/customers/%d/classification" % g, token=env.admin()), 404,
                 "not_found", what="a deleted guest")


@test("classification: the server runs it by itself when the nightly run was missed")
def t_cls_nightly(env):
    d = os.path.join(env.tmp, "nightly")
    os.makedirs(d, exist_ok=True)
    url = "sqlite:" + os.path.join(d, "n.db")
    run_cli(env.laoke, ["demo", "--db", url, "--guests", "50", "--months", "2"], timeout=120)
    srv = Server(env.laoke, url, d, None, os.path.join(d, "server.log"), "nightly",
                 nightly=True).start()
    try:
        db = sqlite3.connect(os.path.join(d, "n.db"), timeout=10)
        row = None
        for _ in range(100):
            row = db.execute("SELECT trigger, status, guests FROM cls_runs"
                             " ORDER BY id DESC LIMIT 1").fetchone()
            if row and row[1] != "running":
                break
            time.sleep(0.1)
        db.close()
        eq(row, ("nightly", "done", 50), "a nightly run classified the 50 guests at start")
    finally:
        srv.stop()


@test("classification: a regular whose feedback averages below grade.loyal_min_rating is not loyal")
def t_cls_ratings(env):
    fx = fixture(env)
    a = env.admin()
    g = env.new_guest(name="郑挑剔")["id"]   # no home store: the stores' counts stay as they are
    for k in range(30):
        body = {"store_id": fx["store"]["id"], "customer_id": g,
                "visited_at": iso(NOON - (6 + 7 * k) * DAY),
                "items": [{"dish_id": env.dishes["meat"]["id"], "qty": 1, "unit_price_fen": 30000}]}
        expect(env.api.post("/api/v1/visits", body, token=a), 201, "visit")
    run(env, AS_OF)
    eq(card(env, g)["grade"], "loyal", "without ratings: loyal, like 王忠诚")
    for rating in (2, 3):
        expect(env.api.post("/api/v1/feedback", {"store_id": fx["store"]["id"], "customer_id": g,
                                                 "channel": "in_store", "category": "service",
                                                 "rating": rating}, token=a), 201, "feedback")
    run(env, AS_OF)
    j = card(env, g)
    eq(j["grade"], "potential", "rated 2.5 on average: not loyal (¥300 a visit: potential)")
    ok("2.5" in j["explanations"]["grade"]["en"] or "2.5" in j["explanations"]["grade"]["zh"],
       "the reason gives the rating: %r" % j["explanations"]["grade"])
    eq(j["previous"]["grade"], "loyal", "was loyal")
