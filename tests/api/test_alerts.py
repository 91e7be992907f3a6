"""
test_alerts.py - what feedback says about stores and staff (issue 7):
complaint-spike alerts (GET /api/v1/alerts: per store, region and chain, the
last 7 days' complaints per 1,000 visits against the 8 weeks before, the
Poisson upper tail), staff praise and complaints (GET /api/v1/analytics/staff)
and dish ratings in GET /api/v1/analytics/dishes.

The alerts' data: 63 days of visits and complaints ending 2020-06-30 at the
stores ALR1, ALR2 (region 告警测试区), ALR3, ALR4 (告警别区), written in bulk
with sqlite3 (the API records one visit or feedback at a time) plus a few
complaints through POST /api/v1/feedback; no other test has data in those
weeks. The staff and dish data lie in September 2020 at ALR5, ALR6 (告警菜品区).
"""

import datetime
import sqlite3
import time
from decimal import Decimal, getcontext

from harness import PASSWORD, add_user, eq, expect, expect_error, ok, q, run_cli, test

URL = "/api/v1/alerts"
STAFF = "/api/v1/analytics/staff"
DISHES = "/api/v1/analytics/dishes"
R1, R2, R3 = "告警测试区", "告警别区", "告警菜品区"
DAY = "2020-06-30"
TZ = datetime.timezone(datetime.timedelta(hours=8))
ITEM_FIELDS = {"level", "store", "region", "stores", "status", "alert", "reason",
               "complaints_7d", "visits_7d", "rate_per_1000", "baseline_complaints",
               "baseline_visits", "baseline_rate_per_1000", "expected", "p_value",
               "min_complaints", "threshold_p", "message"}


def ts(y, m, d, hh=12, mm=0, ss=0):
    return int(datetime.datetime(y, m, d, hh, mm, ss, tzinfo=TZ).timestamp())


def iso(t):
    return datetime.datetime.fromtimestamp(t, TZ).isoformat()


RECENT0 = ts(2020, 6, 24, 0, 0, 0)       # the 7 days: June 24th 00:00 ...
END = ts(2020, 6, 30, 23, 59, 59)        # ... to June 30th 23:59:59 (+08:00)
BASE0 = ts(2020, 4, 29, 0, 0, 0)         # the 56 days before: April 29th ... June 23rd


def poisson_sf(k, lam):
    """P(X >= k | Poisson(lam)), 60 digits: the reference for p_value."""
    getcontext().prec = 60
    lam = Decimal(repr(lam))
    term, lower = (-lam).exp(), Decimal(0)
    for j in range(k):
        lower += term
        term = term * lam / (j + 1)
    return float(1 - lower)


def close(got, want, what, rel=1e-9):
    ok(got is not None and abs(got - want) <= rel * abs(want),
       "%s: got %r, want %r" % (what, got, want))


# ------------------------------------------------------------------ the data


def bulk(env, visits=(), feedback=()):
    """visits: (store_id, at); feedback: (store_id, at, complaint, rating) written directly."""
    now = int(time.time())
    db = sqlite3.connect(env.db_path, timeout=30)
    try:
        with db:
            db.executemany(
                "INSERT INTO visits (customer_id, store_id, visited_at, party_size, amount_fen,"
                " channel, created_at) VALUES (NULL, ?, ?, 2, 10000, 'dine_in', ?)",
                [(s, at, now) for s, at in visits])
            db.executemany(
                "INSERT INTO feedback (store_id, channel, category, rating, complaint, source,"
                " received_at, created_at) VALUES (?, 'form', 'service', ?, ?, 'staff', ?, ?)",
                [(s, rating, c, at, now) for s, at, c, rating in feedback])
    finally:
        db.close()


def spread(store, per_day, days, first_day, hour=12):
    """per_day visits on each of `days` days from first_day (a date), at hour:00 plus seconds."""
    out = []
    for d in range(days):
        day = first_day + datetime.timedelta(days=d)
        base = ts(day.year, day.month, day.day, hour)
        out += [(store, base + i) for i in range(per_day)]
    return out


def complaints(store, n, first, last):
    """n complaints (rating 1) spread evenly over [first, last]."""
    step = (last - first) // max(n, 1)
    return [(store, first + i * step, 1, 1) for i in range(n)]


def store(env, code, name, region):
    return expect(env.api.post("/api/v1/stores", {"code": code, "name": name, "region": region},
                               token=env.admin()), 201, "store " + code)


def fixture(env):
    """The four stores' 63 days; made once. Expected figures in fx["want"]."""
    if getattr(env, "alr_fx", None):
        return env.alr_fx
    s1 = store(env, "ALR1", "告警一店", R1)
    s2 = store(env, "ALR2", "告警二店", R1)
    s3 = store(env, "ALR3", "告警三店", R2)
    s4 = store(env, "ALR4", "告警四店", R2)
    i1, i2, i3, i4 = s1["id"], s2["id"], s3["id"], s4["id"]
    apr29, jun24 = datetime.date(2020, 4, 29), datetime.date(2020, 6, 24)
    visits, fb = [], []
    # ALR1, a spike: 100 visits a day; 11 complaints in the 8 weeks, 12 in the last 7 days
    # (9 written here, 3 through the API below)
    visits += spread(i1, 100, 56, apr29) + spread(i1, 100, 7, jun24)
    fb += complaints(i1, 11, BASE0 + 3600, RECENT0 - 3600)
    fb += complaints(i1, 9, RECENT0 + 3600, END - 3600)
    # the windows' edges: in, in, in, in ...
    visits += [(i1, BASE0), (i1, RECENT0 - 1), (i1, RECENT0), (i1, END)]
    # ... and out, out
    visits += [(i1, BASE0 - 1), (i1, END + 1)]
    fb += [(i1, BASE0 - 1, 1, 1), (i1, END + 1, 1, 2)]              # outside: not counted
    fb += [(i1, RECENT0 + 7200, 0, 5), (i1, BASE0 + 7200, 0, 3)]     # not complaints
    # ALR2, no spike: 28 complaints in the 8 weeks, 4 now (below the minimum of 5)
    visits += spread(i2, 100, 56, apr29) + spread(i2, 100, 7, jun24)
    fb += complaints(i2, 28, BASE0, RECENT0 - 1) + complaints(i2, 4, RECENT0, END)
    # ALR3, a rise that is noise: 40 complaints in the 8 weeks, 6 now
    visits += spread(i3, 100, 56, apr29) + spread(i3, 100, 7, jun24)
    fb += complaints(i3, 40, BASE0, RECENT0 - 1) + complaints(i3, 6, RECENT0, END)
    # ALR4, closed for the last week: no visits in the 7 days, one complaint all the same
    visits += spread(i4, 20, 50, apr29)
    fb += [(i4, RECENT0 + 100, 1, 1)]
    bulk(env, visits, fb)
    # three of ALR1's recent complaints come through the API: rating 1, rating 2, and a
    # rating 3 marked as a complaint
    a = env.admin()
    for body in ({"rating": 1}, {"rating": 2}, {"rating": 3, "complaint": True}):
        b = {"store_id": i1, "channel": "phone", "category": "waiting",
             "received_at": iso(ts(2020, 6, 29, 19)), "text": "等位太久"}
        b.update(body)
        j = expect(env.api.post("/api/v1/feedback", b, token=a), 201, "feedback %r" % body)
        ok(j["complaint"] is True, "recorded as a complaint")
    add_user(env.laoke, env.db_url, "u_alr_mgr1", "manager", PASSWORD, store="ALR1")
    add_user(env.laoke, env.db_url, "u_alr_mgr2", "manager", PASSWORD, store="ALR2")
    run_cli(env.laoke, ["user", "add", "u_alr_areg", "--role", "analyst", "--region", R1,
                        "--password-stdin", "--db", env.db_url], stdin_text=PASSWORD + "\n")
    # (complaints_7d, visits_7d, baseline_complaints, baseline_visits)
    want = {"ALR1": (12, 702, 11, 5602), "ALR2": (4, 700, 28, 5600),
            "ALR3": (6, 700, 40, 5600), "ALR4": (1, 0, 0, 1000)}
    want[R1] = tuple(a + b for a, b in zip(want["ALR1"], want["ALR2"]))
    want[R2] = tuple(a + b for a, b in zip(want["ALR3"], want["ALR4"]))
    env.alr_fx = {"s": {"ALR1": s1, "ALR2": s2, "ALR3": s3, "ALR4": s4}, "want": want,
                  "mgr1": env.login("u_alr_mgr1"), "mgr2": env.login("u_alr_mgr2"),
                  "areg": env.login("u_alr_areg")}
    return env.alr_fx


def chain_counts(env):
    """The whole chain's counts for the windows, straight from the tables."""
    db = sqlite3.connect(env.db_path, timeout=30)
    try:
        def one(sql, a, b):
            return db.execute(sql, (a, b)).fetchone()[0]
        v = "SELECT count(*) FROM visits WHERE visited_at BETWEEN ? AND ?"
        c = "SELECT count(*) FROM feedback WHERE complaint = 1 AND received_at BETWEEN ? AND ?"
        return (one(c, RECENT0, END), one(v, RECENT0, END), one(c, BASE0, RECENT0 - 1),
                one(v, BASE0, RECENT0 - 1))
    finally:
        db.close()


def get(env, query="", token=None, status=200):
    path = URL + ("?" + query if query else "")
    return expect(env.api.get(path, token=token or env.admin()), status, "GET " + path)


def key(it):
    if it["level"] == "store":
        return it["store"]["code"]
    return it["region"] if it["level"] == "region" else "chain"


def keys(j):
    return [key(it) for it in j["items"]]


def check_figures(it, counts, what):
    """Every figure of an item against the counts (k, v, c, V), as the test defines them."""
    k, v, c, V = counts
    eq(set(it), ITEM_FIELDS, what + ": fields")
    eq((it["complaints_7d"], it["visits_7d"], it["baseline_complaints"], it["baseline_visits"]),
       counts, what + ": counts")
    eq(it["rate_per_1000"], 1000 * k / v if v else None, what + ": rate")
    eq(it["baseline_rate_per_1000"], 1000 * c / V if V else None, what + ": baseline rate")
    eq((it["min_complaints"], it["threshold_p"]), (5, 0.01), what + ": the settings")
    if not v or not V:
        eq((it["status"], it["alert"], it["expected"], it["p_value"]),
           ("not_enough_data", False, None, None), what + ": no test")
        return
    lam = v * (c + 0.5) / V
    eq(it["expected"], lam, what + ": expected = visits_7d x (baseline + 0.5) / baseline_visits")
    close(it["p_value"], poisson_sf(k, lam), what + ": p = P(X >= k | expected)")
    alert = k >= 5 and it["p_value"] < 0.01 and k * V > c * v
    eq((it["alert"], it["status"]), (alert, "alert" if alert else "normal"), what + ": verdict")


# ================================================================ alerts


@test("alerts: a store whose complaints tripled alerts with its exact figures, p from the Poisson tail and a zh/en message")
def t_alert_spike(env):
    fx = fixture(env)
    j = get(env, "day=" + DAY)
    eq((j["day"], j["period"], j["baseline"]),
       (DAY, {"from": "2020-06-24", "to": DAY}, {"from": "2020-04-29", "to": "2020-06-23"}),
       "the windows")
    eq((j["min_complaints"], j["threshold_p"]), (5, 0.01), "the settings in force")
    by = {key(it): it for it in j["items"]}
    ok("ALR1" in by, "ALR1 alerts: %r" % keys(j))
    it = by["ALR1"]
    check_figures(it, fx["want"]["ALR1"], "ALR1")
    eq((it["status"], it["alert"], it["reason"]), ("alert", True, "significant_rise"), "verdict")
    eq(it["store"], {"id": fx["s"]["ALR1"]["id"], "code": "ALR1", "name": "告警一店"}, "store")
    eq((it["level"], it["region"], it["stores"]), ("store", R1, 1), "level and region")
    ok(it["p_value"] < 1e-6, "p is tiny: %r" % it["p_value"])
    rate, base = 1000 * 12 / 702, 1000 * 11 / 5602
    eq(it["message"]["zh"], "告警一店 近7天投诉 12 次 / 千次到店 %.1f，前8周基线 %.1f (p<0.0001)"
       % (rate, base), "message zh")
    eq(it["message"]["en"], "告警一店 (ALR1): 12 complaints in the last 7 days, %.1f per 1,000 "
       "visits, against %.1f in the previous 8 weeks (p<0.0001)" % (rate, base), "message en")
    # without ?all only alerting units: never ALR2, ALR3, ALR4
    for it in j["items"]:
        eq(it["alert"], True, "only alerts by default (%s)" % key(it))
    eq(j["alerts"], len(j["items"]), "alerts counts the items")
    for code in ("ALR2", "ALR3", "ALR4", R2):
        ok(code not in by, "%s does not alert" % code)


@test("alerts: ?all=true lists every unit with its figures: below the minimum, noise, not enough data, region and chain levels")
def t_alert_all(env):
    fx = fixture(env)
    j = get(env, "day=%s&all=true" % DAY)
    by = {key(it): it for it in j["items"]}
    eq(j["units"], len(j["items"]), "every unit is listed")
    for code in ("ALR1", "ALR2", "ALR3", "ALR4", R1, R2):
        check_figures(by[code], fx["want"][code], code)
    eq(by["ALR2"]["reason"], "below_min_complaints", "ALR2: 4 complaints")
    ok(by["ALR2"]["message"]["zh"].endswith("，不足 5 次，不报警"), by["ALR2"]["message"]["zh"])
    eq(by["ALR3"]["reason"], "not_significant", "ALR3: 6 against 5.06 expected")
    ok(by["ALR3"]["p_value"] > 0.3, "ALR3 p %r" % by["ALR3"]["p_value"])
    ok(by["ALR3"]["message"]["en"].endswith("; no significant rise"), by["ALR3"]["message"]["en"])
    eq((by["ALR4"]["status"], by["ALR4"]["reason"]), ("not_enough_data", "no_visits"), "ALR4")
    eq(by["ALR4"]["message"]["zh"], "告警四店 数据不足：近7天没有到店记录，无法比较", "ALR4 zh")
    eq(by["ALR4"]["message"]["en"],
       "告警四店 (ALR4): not enough data, no visits in the last 7 days", "ALR4 en")
    # regions: the stores summed, then tested the same way
    r1 = by[R1]
    eq((r1["level"], r1["store"], r1["stores"]), ("region", None, 2), "region level")
    eq((r1["status"], r1["reason"]), ("alert", "significant_rise"), "告警测试区 alerts (16 vs 4.9)")
    ok(r1["message"]["zh"].startswith("告警测试区 近7天投诉 16 次"), r1["message"]["zh"])
    ok(r1["message"]["en"].startswith("region 告警测试区: 16 complaints"), r1["message"]["en"])
    eq((by[R2]["status"], by[R2]["stores"]), ("normal", 2), "告警别区: ALR4's zeros add nothing")
    # the chain: every store's counts, checked against the tables directly
    ch = by["chain"]
    eq((ch["level"], ch["store"], ch["region"]), ("chain", None, None), "chain level")
    check_figures(ch, chain_counts(env), "chain")
    ok(ch["message"]["zh"].startswith("全部门店 近7天投诉"), ch["message"]["zh"])
    # order: alerts first, then by p (smallest first), untested last
    st = [it["status"] for it in j["items"]]
    eq(st, sorted(st, key=["alert", "normal", "not_enough_data"].index), "alerts first")
    ps = [it["p_value"] for it in j["items"] if it["status"] == "normal"]
    eq(ps, sorted(ps), "then by p")
    # all=false is the default
    eq(keys(get(env, "day=%s&all=false" % DAY)), keys(get(env, "day=" + DAY)), "all=false")


@test("alerts: the windows are whole days at +08:00 (edges included), complaints by received_at, visits by visited_at; other days differ")
def t_alert_windows(env):
    fx = fixture(env)
    # the edge visits of ALR1 are counted above (702 and 5602); one day later the 7 days
    # are June 25th - July 1st: the visit at July 1st 00:00:00 comes in, June 24th's go
    j = get(env, "day=2020-07-01&all=true&store=ALR1")
    eq(keys(j), ["ALR1"], "store filter: that store only")
    it = j["items"][0]
    eq((it["visits_7d"], it["baseline_visits"]), (100 * 6 + 1 + 1, 100 * 56 + 1 + 100 + 1 - 100),
       "visits of June 25th - July 1st (with 23:59:59 and July 1st 00:00:00) against "
       "April 30th - June 24th")
    eq(j["period"], {"from": "2020-06-25", "to": "2020-07-01"}, "the period moves with day")
    # long before: nothing at all, so nothing to test
    j = get(env, "day=2019-01-01&all=true&store=ALR1")
    eq((j["items"][0]["status"], j["items"][0]["reason"]), ("not_enough_data", "no_visits"),
       "no data in 2019")
    # the default day is today (+08:00)
    today = datetime.datetime.now(TZ).date().isoformat()
    eq(get(env, "store=ALR1")["day"], today, "day defaults to today")
    ok(fx, "fixture")


@test("alerts: region and store filters; the settings (min_complaints) decide")
def t_alert_filters(env):
    fixture(env)
    j = get(env, "day=%s&all=true&region=%s" % (DAY, q(R1)))
    eq(sorted(keys(j)), sorted(["ALR1", "ALR2", R1]), "region: its stores and itself, no chain")
    j = get(env, "day=%s&region=%s" % (DAY, q(R1)))
    eq(sorted(keys(j)), sorted(["ALR1", R1]), "region: alerts only")
    eq(keys(get(env, "day=%s&store=ALR2" % DAY)), [], "ALR2 has no alert")
    eq(keys(get(env, "day=%s&store=ALR1&region=%s" % (DAY, q(R2)))), [],
       "a store outside the region: nothing")
    a = env.admin()
    expect(env.api.request("PUT", "/api/v1/settings/feedback",
                           body={"alerts": {"min_complaints": 13}}, token=a), 200, "min 13")
    try:
        j = get(env, "day=%s&all=true&store=ALR1" % DAY)
        eq((j["items"][0]["alert"], j["items"][0]["reason"], j["items"][0]["min_complaints"]),
           (False, "below_min_complaints", 13), "12 complaints < 13")
    finally:
        expect(env.api.request("PUT", "/api/v1/settings/feedback",
                               body={"alerts": {"min_complaints": 5}}, token=a), 200, "back")
    eq(keys(get(env, "day=%s&store=ALR1" % DAY)), ["ALR1"], "alerts again at 5")


@test("alerts: scope: a store-bound manager sees only their store's alert, a region-bound analyst their region")
def t_alert_scope(env):
    fx = fixture(env)
    j = get(env, "day=" + DAY, token=fx["mgr1"])
    eq(keys(j), ["ALR1"], "ALR1's manager: their store's alert, no region, no chain")
    eq(keys(get(env, "day=%s&all=true" % DAY, token=fx["mgr1"])), ["ALR1"], "all: still one")
    eq(keys(get(env, "day=" + DAY, token=fx["mgr2"])), [], "ALR2's manager: no alert")
    eq(keys(get(env, "day=%s&all=true" % DAY, token=fx["mgr2"])), ["ALR2"], "ALR2's figures")
    expect_error(env.api.get(URL + "?store=ALR1", token=fx["mgr2"]), 403, "out_of_scope",
                 "store", "another store")
    expect_error(env.api.get(URL + "?region=" + q(R1), token=fx["mgr1"]), 403, "out_of_scope",
                 "region", "a store-bound manager names no region")
    j = get(env, "day=%s&all=true" % DAY, token=fx["areg"])
    eq(sorted(keys(j)), sorted(["ALR1", "ALR2", R1]), "the region's analyst: stores and region")
    eq(sorted(keys(get(env, "day=" + DAY, token=fx["areg"]))), sorted(["ALR1", R1]),
       "the region's alerts")
    expect_error(env.api.get(URL + "?region=" + q(R2), token=fx["areg"]), 403, "out_of_scope",
                 "region", "another region")
    expect_error(env.api.get(URL + "?store=ALR3", token=fx["areg"]), 403, "out_of_scope",
                 "store", "a store of another region")


@test("alerts: roles (waiter, support 403; no token 401) and bad parameters (400 naming day, store, region, all)")
def t_alert_errors(env):
    fixture(env)
    for role in ("waiter", "support"):
        expect_error(env.api.get(URL, token=env.tok[role]), 403, "forbidden", what=role)
    for role in ("manager", "analyst"):
        expect(env.api.get(URL, token=env.tok[role]), 200, role)
    expect_error(env.api.get(URL), 401, what="no token")
    tomorrow = (datetime.datetime.now(TZ).date() + datetime.timedelta(days=1)).isoformat()
    for query, code, field in (("day=2020-13-01", "invalid_date", "day"),
                               ("day=2020-02-30", "invalid_date", "day"),
                               ("day=20200630", "invalid_date", "day"),
                               ("day=" + tomorrow, "invalid_date", "day"),
                               ("store=alr1!", "invalid_store", "store"),
                               ("store=NOPE99", "unknown_store", "store"),
                               ("region=" + q("没有这个区"), "unknown_region", "region"),
                               ("region=" + q("区" * 41), "too_long", "region"),
                               ("all=yes", "invalid_value", "all")):
        expect_error(env.api.get(URL + "?" + query, token=env.admin()), 400, code, field,
                     what=query)


# ================================================================ staff


def staff_fixture(env):
    """September 2020 at ALR5 and ALR6 (告警菜品区): feedback naming staff and dishes."""
    if getattr(env, "alr_staff", None):
        return env.alr_staff
    a = env.admin()
    s5, s6 = store(env, "ALR5", "告警五店", R3), store(env, "ALR6", "告警六店", R3)

    def user(name, display, store_id):
        return expect(env.api.post("/api/v1/users", {"username": name, "display_name": display,
                                                     "role": "waiter", "store_id": store_id,
                                                     "password": PASSWORD}, token=a),
                      201, "user " + name)["id"]

    zhang = user("alr_zhang", "张伟", s5["id"])
    wu = user("alr_wu", "", s6["id"])  # no display name: the username shows

    def fb(store_id, day, **body):
        b = {"store_id": store_id, "channel": "in_store", "category": "service",
             "received_at": iso(ts(2020, 9, day, 19))}
        b.update(body)
        return expect(env.api.post("/api/v1/feedback", b, token=a), 201, "feedback %r" % b)

    i5, i6 = s5["id"], s6["id"]
    # 张伟: 5, 4 (praise), 1, 2 (complaints), a marked complaint without a rating
    for r in (5, 4, 1, 2):
        fb(i5, 3, staff_user_id=zhang, rating=r)
    fb(i5, 4, staff_user_id=zhang, complaint=True, text="态度差")
    # staff_user_id wins over a staff_name given with it
    fb(i5, 5, staff_user_id=zhang, staff_name="别的名字", rating=3)
    # 小李 (no account): two 5s
    fb(i5, 6, staff_name="小李", rating=5)
    fb(i5, 7, staff_name="小李", rating=5, category="dish")
    # 小王 (no account): one 1
    fb(i5, 8, staff_name="小王", rating=1)
    # alr_wu at ALR6: three complaints, one praise
    for r in (1, 1, 2, 4):
        fb(i6, 9, staff_user_id=wu, rating=r)
    # nobody named: not counted; outside September: not counted
    fb(i5, 10, rating=1)
    fb(i5, 1, staff_name="小李", rating=1, received_at="2020-08-31T23:59:59+08:00")
    fb(i5, 1, staff_name="小李", rating=1, received_at="2020-10-01T00:00:00+08:00")
    fb(i5, 1, staff_name="小李", rating=4, received_at="2020-09-01T00:00:00+08:00")
    fb(i5, 1, staff_name="小李", rating=4, received_at="2020-09-30T23:59:59+08:00")
    add_user(env.laoke, env.db_url, "u_alr_mgr5", "manager", PASSWORD, store="ALR5")
    env.alr_staff = {"s5": s5, "s6": s6, "zhang": zhang, "wu": wu,
                     "mgr5": env.login("u_alr_mgr5")}
    return env.alr_staff


SEPT = "from=2020-09-01&to=2020-09-30"


def staff(env, query, token=None, status=200):
    return expect(env.api.get(STAFF + "?" + query, token=token or env.admin()), status,
                  "GET staff?" + query)


def row(it):
    return (it["name"], it["feedback"], it["praise"], it["complaints"], it["ratings"],
            it["avg_rating"])


@test("staff analytics: praise (rating >= 4) and complaints per staff member, by complaints then name; accounts and bare names")
def t_staff(env):
    fx = staff_fixture(env)
    j = staff(env, SEPT + "&region=" + q(R3))
    eq(set(j), {"from", "to", "total", "items"}, "answer fields")
    eq((j["from"], j["to"], j["total"]), ("2020-09-01", "2020-09-30", 4), "period and total")
    eq([row(it) for it in j["items"]], [
        ("alr_wu", 4, 1, 3, 4, 2.0),        # 3 complaints, name 'alr_wu' < '张伟' (bytes)
        ("张伟", 6, 2, 3, 5, 3.0),           # 5, 4, 1, 2, 3; the marked one has no rating
        ("小王", 1, 0, 1, 1, 1.0),
        ("小李", 4, 4, 0, 4, 4.5),           # 5, 5 and the 4s on Sept 1st 00:00 and 30th 23:59:59
    ], "by complaints desc, then name")
    by = {it["name"]: it for it in j["items"]}
    eq(by["张伟"]["user"], {"id": fx["zhang"], "username": "alr_zhang"}, "an account")
    eq(by["alr_wu"]["user"], {"id": fx["wu"], "username": "alr_wu"}, "no display name")
    eq(by["小李"]["user"], None, "a name without an account")
    ok("别的名字" not in by, "a staff_name given with an account does not count on its own")
    j = staff(env, SEPT + "&store=ALR6")
    eq([row(it) for it in j["items"]], [("alr_wu", 4, 1, 3, 4, 2.0)], "one store")
    j = staff(env, SEPT + "&region=" + q(R3) + "&limit=2")
    eq((len(j["items"]), j["total"]), (2, 4), "limit cuts the list, total does not")
    j = staff(env, "from=2020-09-03&to=2020-09-03&store=ALR5")
    eq([row(it) for it in j["items"]], [("张伟", 4, 2, 2, 4, 3.0)], "one day")


@test("staff analytics: scope, roles, the default period and bad parameters")
def t_staff_errors(env):
    fx = staff_fixture(env)
    j = staff(env, SEPT, token=fx["mgr5"])
    ok("alr_wu" not in [it["name"] for it in j["items"]], "ALR5's manager: not ALR6's staff")
    ok("张伟" in [it["name"] for it in j["items"]], "ALR5's manager: ALR5's staff")
    expect_error(env.api.get(STAFF + "?store=ALR6", token=fx["mgr5"]), 403, "out_of_scope",
                 "store", "another store")
    for role in ("waiter", "support"):
        expect_error(env.api.get(STAFF, token=env.tok[role]), 403, "forbidden", what=role)
    expect(env.api.get(STAFF, token=env.tok["analyst"]), 200, "analyst")
    j = staff(env, "")
    today = datetime.datetime.now(TZ).date()
    eq((j["from"], j["to"]), ((today - datetime.timedelta(days=89)).isoformat(),
                              today.isoformat()), "the last 90 days")
    for query, code, field in (("from=2020-09-31", "invalid_date", "from"),
                               ("to=x", "invalid_date", "to"),
                               ("from=2020-09-02&to=2020-09-01", "invalid_period", "to"),
                               ("from=2019-01-01&to=2020-01-02", "invalid_period", "to"),
                               ("store=NOPE99", "unknown_store", "store"),
                               ("region=" + q("没有这个区"), "unknown_region", "region"),
                               ("limit=0", "invalid_limit", "limit"),
                               ("limit=501", "invalid_limit", "limit")):
        expect_error(env.api.get(STAFF + "?" + query, token=env.admin()), 400, code, field,
                     what=query)


# ================================================================ dish ratings


@test("dish analytics: ratings, avg_rating and complaints per dish from feedback, within the period, store and segment")
def t_dish_ratings(env):
    fx = staff_fixture(env)
    a = env.admin()
    beef, shrimp = env.dishes["meat"]["id"], env.dishes["seafood"]["id"]
    i5, i6 = fx["s5"]["id"], fx["s6"]["id"]
    if not getattr(env, "alr_dish", None):
        for sid in (i5, i6):
            expect(env.api.post("/api/v1/visits", {
                "store_id": sid, "visited_at": "2020-09-12T18:00:00+08:00",
                "items": [{"dish_id": beef, "qty": 1}, {"dish_id": shrimp, "qty": 1}]},
                token=a), 201, "visit")

        def fb(sid, **body):
            b = {"store_id": sid, "channel": "form", "category": "dish", "dish_id": beef,
                 "received_at": "2020-09-13T12:00:00+08:00"}
            b.update(body)
            expect(env.api.post("/api/v1/feedback", b, token=a), 201, "feedback %r" % b)

        for r in (5, 3, 1):
            fb(i5, rating=r)
        fb(i5, complaint=True, text="肉不新鲜")                      # a complaint, no rating
        fb(i6, rating=2)
        fb(i5, rating=5, received_at="2020-10-01T00:00:00+08:00")    # after the period
        env.alr_dish = True

    def dishes(query):
        j = expect(env.api.get(DISHES + "?" + query, token=a), 200, "dishes?" + query)
        return {it["dish_id"]: (it["ratings"], it["avg_rating"], it["complaints"])
                for it in j["items"]}

    j = dishes(SEPT + "&store=%d" % i5)
    eq(j[beef], (3, 3.0, 2), "ALR5's beef: 5, 3, 1 and a marked complaint")
    eq(j[shrimp], (0, None, 0), "no feedback: avg_rating null")
    j = dishes(SEPT + "&region=" + q(R3))
    eq(j[beef], (4, 11 / 4, 3), "the region: ALR6's 2 too")
    j = dishes("from=2020-09-01&to=2020-10-01&store=%d" % i5)
    eq(j[beef], (4, 3.5, 2), "October 1st 00:00 brings the 5")
    # a segment filter counts the feedback of its guests only: these have none
    j = dishes(SEPT + "&region=" + q(R3) + "&lifecycle=active")
    eq(j, {}, "the segment's guests ordered nothing in the period")
    j = expect(env.api.get(DISHES + "?" + SEPT + "&store=%d" % i5, token=fx["mgr5"]), 200,
               "ALR5's manager")
    eq({it["dish_id"]: it["ratings"] for it in j["items"]}[beef], 3, "within scope")
