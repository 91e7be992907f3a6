"""
test_analytics.py - dish analytics (客户需求分析: what guests order):
GET /api/v1/analytics/dishes with exact numbers on a small hand-made chain
(orders, quantities, revenue, guests, repeat guests, co-ordering with support,
confidence and lift), the period, store and region filters, store scope,
segment filters, bad parameters and roles.

The tests make their own stores (DISH1, DISH2 in region 菜品分析区, DISH3
elsewhere), dishes and guests, and their visits lie in June 2022, a month no
other test uses, so chain-wide answers for that month are this data only.
"""

import datetime
from fractions import Fraction

from harness import PASSWORD, add_user, eq, expect, expect_error, ok, q, run_cli, test

URL = "/api/v1/analytics/dishes"
REGION = "菜品分析区"
JUNE = "from=2022-06-01&to=2022-06-30"
ITEM_FIELDS = {"dish_id", "name", "category", "orders", "qty", "revenue_fen", "guests",
               "repeat_guests", "repeat_rate", "ratings", "avg_rating", "complaints",
               "co_ordered"}
CO_FIELDS = {"dish_id", "name", "orders_together", "support", "confidence", "lift"}


def get(env, query="", token=None, status=200):
    path = URL + ("?" + query if query else "")
    return expect(env.api.get(path, token=token or env.admin()), status, "GET " + path)


def bad(env, query, code, field, token=None, status=400):
    return expect_error(env.api.get(URL + "?" + query, token=token or env.admin()), status,
                        code, field, what="GET ?" + query)


def fixture(env):
    """Stores, dishes, guests and visits of June 2022; made once."""
    if getattr(env, "dish_fx", None):
        return env.dish_fx
    a = env.admin()

    def store(code, region):
        return expect(env.api.post("/api/v1/stores", {"code": code, "name": "菜品店" + code,
                                                      "region": region}, token=a),
                      201, "store " + code)

    s1, s2, s3 = store("DISH1", REGION), store("DISH2", REGION), store("DISH3", "菜品别区")

    def dish(name, cat, price):
        return expect(env.api.post("/api/v1/dishes", {"name": name, "category": cat,
                                                      "price_fen": price}, token=a),
                      201, "dish " + name)["id"]

    A = dish("析·毛肚", "meat", 6800)
    B = dish("析·鸭肠", "meat", 3800)
    C = dish("析·土豆片", "vegetable", 1200)
    D = dish("析·酸梅汤", "drink", 800)
    g1, g2, g3 = (env.new_guest(name=n, home_store_id=s1["id"])["id"]
                  for n in ("菜一", "菜二", "菜三"))

    def visit(store_id, guest, at, items, **extra):
        body = {"store_id": store_id, "visited_at": at,
                "items": [dict(zip(("dish_id", "qty", "unit_price_fen"), it)) for it in items]}
        if guest:
            body["customer_id"] = guest
        body.update(extra)
        return expect(env.api.post("/api/v1/visits", body, token=a), 201, "visit %r" % body)

    d1, d2, d3 = s1["id"], s2["id"], s3["id"]
    visit(d1, g2, "2022-05-31T23:59:59+08:00", [(A, 1)])                 # before June
    visit(d1, g1, "2022-06-01T00:00:00+08:00", [(A, 2), (B, 1)])         # v1
    visit(d1, g1, "2022-06-05T19:00:00+08:00", [(A, 1), (C, 1)])         # v2
    visit(d1, g2, "2022-06-02T12:00:00+08:00", [(A, 1, 6000), (B, 1), (C, 2)])  # v3
    visit(d1, None, "2022-06-03T18:30:00+08:00", [(B, 1), (D, 3)])       # v4 walk-in
    visit(d1, g3, "2022-06-10T20:00:00+08:00", [(C, 1), (A, 1), (A, 1)])  # v5: A on 2 lines
    visit(d1, g2, "2022-06-20T18:00:00+08:00", [], amount_fen=5000)      # v6: no items
    visit(d2, g1, "2022-06-30T23:59:59+08:00", [(B, 1), (D, 1)])         # v7 at DISH2
    visit(d1, g3, "2022-07-01T00:00:00+08:00", [(D, 5)])                 # after June
    visit(d3, g1, "2022-06-15T12:00:00+08:00", [(A, 1), (D, 1)])         # other region
    add_user(env.laoke, env.db_url, "u_dish_mgr", "manager", PASSWORD, store="DISH1")
    run_cli(env.laoke, ["user", "add", "u_dish_areg", "--role", "analyst", "--region", REGION,
                        "--password-stdin", "--db", env.db_url], stdin_text=PASSWORD + "\n")
    env.dish_fx = {"s1": s1, "s2": s2, "s3": s3, "A": A, "B": B, "C": C, "D": D,
                   "g": (g1, g2, g3), "mgr": env.login("u_dish_mgr"),
                   "areg": env.login("u_dish_areg")}
    return env.dish_fx


def f(x):
    """A ratio as the server's double: Fraction -> nearest float (correctly rounded)."""
    return float(Fraction(x))


def by_id(j):
    return {it["dish_id"]: it for it in j["items"]}


def co(j, dish):
    return [(c["dish_id"], c["orders_together"]) for c in by_id(j)[dish]["co_ordered"]]


# ================================================================ the numbers


@test("dish analytics: orders, qty, revenue, guests, repeat rate, support, confidence and lift on a hand-made month (region filter)")
def t_dish_numbers(env):
    fx = fixture(env)
    A, B, C, D = fx["A"], fx["B"], fx["C"], fx["D"]
    j = get(env, JUNE + "&region=" + q(REGION))
    eq(set(j), {"from", "to", "visits", "guests", "items"}, "answer fields")
    eq((j["from"], j["to"]), ("2022-06-01", "2022-06-30"), "period")
    # v1..v7: the walk-in and the visit without items count as visits
    eq(j["visits"], 7, "visits in June in the region")
    eq(j["guests"], 3, "distinct named guests")
    eq([it["dish_id"] for it in j["items"]], [A, B, C, D],
       "by orders desc, then dish id (A and B tie at 4)")
    for it in j["items"]:
        eq(set(it), ITEM_FIELDS, "item fields")
        eq((it["ratings"], it["avg_rating"], it["complaints"]), (0, None, 0),
           "no feedback on the dishes of this month (test_alerts.py checks ratings)")
        for c in it["co_ordered"]:
            eq(set(c), CO_FIELDS, "co_ordered fields")
    items = by_id(j)
    want = {  # orders, qty, revenue, guests, repeat guests
        A: (4, 6, 2 * 6800 + 6800 + 6000 + 2 * 6800, 3, 1),
        B: (4, 4, 4 * 3800, 2, 1),
        C: (3, 4, 4 * 1200, 3, 0),
        D: (2, 4, 4 * 800, 1, 0),  # the walk-in's 3 count for orders and qty, not guests
    }
    for d, (orders, qty, rev, guests, rep) in want.items():
        it = items[d]
        eq((it["orders"], it["qty"], it["revenue_fen"], it["guests"], it["repeat_guests"]),
           (orders, qty, rev, guests, rep), "numbers of %s" % it["name"])
        eq(it["repeat_rate"], f(Fraction(rep, guests)), "repeat rate of %s" % it["name"])
    eq((items[A]["name"], items[A]["category"]), ("析·毛肚", "meat"), "name and category")
    eq(items[C]["repeat_rate"], 0.0, "no repeat guest: 0")
    # pairs: AB 2 (v1, v3), AC 3 (v2, v3, v5), BC 1 (v3), BD 2 (v4, v7)
    eq(co(j, A), [(C, 3), (B, 2)], "co-ordered with A, most first")
    eq(co(j, B), [(A, 2), (D, 2), (C, 1)], "co-ordered with B: a tie goes by dish id")
    eq(co(j, C), [(A, 3), (B, 1)], "co-ordered with C")
    eq(co(j, D), [(B, 2)], "co-ordered with D")
    visits, orders = 7, {A: 4, B: 4, C: 3, D: 2}
    for a in (A, B, C, D):
        for c in items[a]["co_ordered"]:
            t, b = c["orders_together"], c["dish_id"]
            eq(c["support"], f(Fraction(t, visits)), "support %d-%d" % (a, b))
            eq(c["confidence"], f(Fraction(t, orders[a])), "confidence %d-%d" % (a, b))
            eq(c["lift"], f(Fraction(t * visits, orders[a] * orders[b])), "lift %d-%d" % (a, b))
    c = items[A]["co_ordered"][0]
    eq((c["support"], c["confidence"], c["lift"]), (3 / 7, 0.75, 1.75), "A with C, by hand")
    eq(items[D]["co_ordered"][0]["name"], "析·鸭肠", "co-ordered dish name")


@test("dish analytics: limit and co_limit cut the lists; co_limit=0 gives no co-ordering")
def t_dish_limits(env):
    fx = fixture(env)
    A, B, C, D = fx["A"], fx["B"], fx["C"], fx["D"]
    base = JUNE + "&region=" + q(REGION)
    j = get(env, base + "&limit=2&co_limit=1")
    eq([it["dish_id"] for it in j["items"]], [A, B], "limit=2")
    eq(co(j, A), [(C, 3)], "co_limit=1 for A")
    eq(co(j, B), [(A, 2)], "co_limit=1 for B")
    eq((j["visits"], j["guests"]), (7, 3), "totals do not depend on limit")
    j = get(env, base + "&co_limit=0")
    eq([len(it["co_ordered"]) for it in j["items"]], [0, 0, 0, 0], "co_limit=0")
    eq(by_id(j)[D]["orders"], 2, "numbers without co-ordering")
    j = get(env, base + "&limit=500&co_limit=20")
    eq(len(j["items"]), 4, "max limits")
    eq(co(j, B), [(A, 2), (D, 2), (C, 1)], "every partner within co_limit=20")


@test("dish analytics: the period is whole days at +08:00, both ends included; store and region filters; chain-wide")
def t_dish_filters(env):
    fx = fixture(env)
    A, B, C, D = fx["A"], fx["B"], fx["C"], fx["D"]
    # to=2022-07-01 brings the visit at 00:00:00 of July 1st (D x5)
    j = get(env, "from=2022-06-01&to=2022-07-01&region=" + q(REGION))
    eq((j["visits"], by_id(j)[D]["orders"], by_id(j)[D]["qty"]), (8, 3, 9), "July 1st included")
    eq(by_id(j)[D]["guests"], 2, "g1 and g3 ordered D")
    # from=2022-05-31 brings g2's A at 23:59:59 of May 31st: g2 now has A twice
    j = get(env, "from=2022-05-31&to=2022-06-30&region=" + q(REGION))
    eq((j["visits"], by_id(j)[A]["orders"], by_id(j)[A]["repeat_guests"]), (8, 5, 2),
       "May 31st included")
    # a few days only: v1 (June 1st 00:00), v3, v4
    j = get(env, "from=2022-06-01&to=2022-06-03&region=" + q(REGION))
    eq((j["visits"], j["guests"]), (3, 2), "June 1-3")
    eq([(it["dish_id"], it["orders"]) for it in j["items"]], [(B, 3), (A, 2), (C, 1), (D, 1)],
       "June 1-3 dishes")
    # one store
    j = get(env, JUNE + "&store=%d" % fx["s2"]["id"])
    eq((j["visits"], j["guests"]), (1, 1), "DISH2 in June: v7")
    eq([(it["dish_id"], it["orders"]) for it in j["items"]], [(B, 1), (D, 1)], "DISH2 dishes")
    c = by_id(j)[B]["co_ordered"][0]
    eq((c["dish_id"], c["support"], c["confidence"], c["lift"]), (D, 1.0, 1.0, 1.0),
       "one visit: support, confidence and lift 1")
    j = get(env, JUNE + "&store=%d" % fx["s1"]["id"])
    eq((j["visits"], j["guests"]), (6, 3), "DISH1 in June: v1-v6")
    # store and region together: both must hold
    j = get(env, JUNE + "&store=%d&region=%s" % (fx["s3"]["id"], q(REGION)))
    eq((j["visits"], j["items"]), (0, []), "a store outside the region: nothing")
    # the whole chain in June 2022 (no other test has visits then): the region plus DISH3
    j = get(env, JUNE)
    eq((j["visits"], j["guests"]), (8, 3), "chain-wide June")
    eq((by_id(j)[A]["orders"], by_id(j)[D]["orders"]), (5, 3), "chain-wide A and D")
    eq(co(j, D), [(B, 2), (A, 1)], "chain-wide co-ordering with D")
    # the longest period: 366 days, both ends included
    j = get(env, "from=2021-07-01&to=2022-07-01&region=" + q(REGION))
    eq((j["from"], j["to"], j["visits"]), ("2021-07-01", "2022-07-01", 9), "366 days")
    # a period without visits
    j = get(env, "from=2021-01-01&to=2021-01-31")
    eq((j["from"], j["to"], j["visits"], j["guests"], j["items"]),
       ("2021-01-01", "2021-01-31", 0, 0, []), "an empty month")


@test("dish analytics: default period is the last 90 days up to today (+08:00); from alone runs to today, to alone covers 90 days")
def t_dish_default_period(env):
    today = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=8))).date()
    j = get(env)
    eq((j["from"], j["to"]), (str(today - datetime.timedelta(days=89)), str(today)),
       "the last 90 days")
    ok(isinstance(j["visits"], int) and isinstance(j["items"], list), "an answer")
    start = today - datetime.timedelta(days=30)
    j = get(env, "from=%s&limit=1" % start)
    eq((j["from"], j["to"]), (str(start), str(today)), "from alone")
    j = get(env, "to=2022-06-30&region=" + q(REGION))
    eq((j["from"], j["to"]), ("2022-04-02", "2022-06-30"), "to alone: 90 days ending there")
    eq(j["visits"], 8, "April 2 - June 30 in the region: the May 31st visit and June's")


@test("dish analytics: a manager bound to a store, an analyst bound to a region see their visits only; another store is 403 out_of_scope naming store")
def t_dish_scope(env):
    fx = fixture(env)
    m = fx["mgr"]
    j = get(env, JUNE, token=m)
    eq((j["visits"], j["guests"]), (6, 3), "the manager's store only (no DISH2, no DISH3)")
    eq(get(env, JUNE + "&region=" + q(REGION), token=m)["visits"], 6,
       "a region narrows, never widens the scope")
    eq(get(env, JUNE + "&store=%d" % fx["s1"]["id"], token=m)["visits"], 6, "own store")
    for s in ("s2", "s3"):
        bad(env, JUNE + "&store=%d" % fx[s]["id"], "out_of_scope", "store", token=m,
            status=403)
    # an analyst bound to the region: DISH1 and DISH2, not DISH3
    a = fx["areg"]
    j = get(env, JUNE, token=a)
    eq((j["visits"], j["guests"]), (7, 3), "the region's stores")
    eq(j, get(env, JUNE + "&region=" + q(REGION)), "the same as the admin asking for the region")
    eq(get(env, JUNE + "&store=%d" % fx["s2"]["id"], token=a)["visits"], 1, "a store of the region")
    eq(get(env, JUNE + "&region=" + q("菜品别区"), token=a)["visits"], 0, "another region: none")
    bad(env, JUNE + "&store=%d" % fx["s3"]["id"], "out_of_scope", "store", token=a, status=403)
    # unbound accounts see the chain
    eq(get(env, JUNE, token=env.tok["analyst"])["visits"], 8, "chain analyst")
    eq(get(env, JUNE + "&store=%d" % fx["s1"]["id"], token=env.tok["manager"])["visits"], 6,
       "unbound manager")


@test("dish analytics: segment filters count only visits of guests whose current classification matches")
def t_dish_segment(env):
    fx = fixture(env)
    base = JUNE + "&region=" + q(REGION)
    run = [rt for rt in env.routes
           if rt["method"] == "POST" and rt["path"] == "/api/v1/classification/run"]
    if not run:
        # nobody is classified yet: a segment filter matches no guest, and walk-ins never
        for query in ("lifecycle=churned", "vip=false", "at_risk=false", "grade=ordinary",
                      "frequency_tier=low", "spend_tier=low", "preference=mixed",
                      "rfm_segment=lost"):
            j = get(env, base + "&" + query)
            eq((j["visits"], j["guests"], j["items"]), (0, 0, []), "unclassified: " + query)
        return
    r = env.api.post("/api/v1/classification/run", {}, token=env.admin())
    ok(r.status in (200, 201), "classification run: HTTP %d %s" % (r.status, r.text()[:300]))
    # the June 2022 guests have not come since: churned, low frequency, not VIP
    for query in ("lifecycle=churned", "frequency_tier=low", "vip=false",
                  "lifecycle=churned&frequency_tier=low&vip=false&at_risk=false"):
        j = get(env, base + "&" + query)
        eq((j["visits"], j["guests"]), (6, 3), "%s: every named visit, no walk-in" % query)
        items = by_id(j)
        eq((items[fx["B"]]["orders"], items[fx["D"]]["orders"]), (3, 1),
           "%s: the walk-in's B and D drop out" % query)
        eq(items[fx["D"]]["co_ordered"][0]["orders_together"], 1, "%s: BD pairs" % query)
    for query in ("lifecycle=active", "vip=true", "frequency_tier=high"):
        j = get(env, base + "&" + query)
        eq((j["visits"], j["items"]), (0, []), query + ": none of them")


# ================================================================ refusals


@test("dish analytics: bad parameters are 400 naming the parameter; nothing else is read")
def t_dish_bad_params(env):
    fx = fixture(env)
    cases = [
        ("from=2022-13-01", "invalid_date", "from"),
        ("from=2022-02-29", "invalid_date", "from"),
        ("to=yesterday", "invalid_date", "to"),
        ("to=2022-6-30", "invalid_date", "to"),
        ("from=2022-07-01&to=2022-06-30", "invalid_period", "to"),
        ("from=2021-06-29&to=2022-06-30", "invalid_period", "to"),  # 367 days: 366 is the most
        ("from=2022-06-01", "invalid_period", "to"),                # runs to today
        ("limit=0", "invalid_limit", "limit"),
        ("limit=501", "invalid_limit", "limit"),
        ("limit=", "invalid_limit", "limit"),
        ("limit=5x", "invalid_limit", "limit"),
        ("limit=-1", "invalid_limit", "limit"),
        ("co_limit=21", "invalid_limit", "co_limit"),
        ("co_limit=-1", "invalid_limit", "co_limit"),
        ("co_limit=", "invalid_limit", "co_limit"),
        ("lifecycle=sleeping", "invalid_lifecycle", "lifecycle"),
        ("frequency_tier=medium", "invalid_frequency_tier", "frequency_tier"),
        ("spend_tier=HIGH", "invalid_spend_tier", "spend_tier"),
        ("preference=vegan", "invalid_preference", "preference"),
        ("grade=gold", "invalid_grade", "grade"),
        ("rfm_segment=champion", "invalid_rfm_segment", "rfm_segment"),
        ("vip=yes", "invalid_value", "vip"),
        ("at_risk=1", "invalid_value", "at_risk"),
        ("store=0", "invalid_id", "store"),
        ("store=01", "invalid_id", "store"),
        ("store=abc", "invalid_id", "store"),
        ("store=987654321", "unknown_store", "store"),
        ("region=" + q("区" * 41), "too_long", "region"),
        ("region=" + q("华\n北"), "invalid_text", "region"),
        ("region=%FF%FE", "invalid_text", "region"),
    ]
    for query, code, field in cases:
        bad(env, query, code, field)
    # the first bad parameter answers even when others are fine
    bad(env, JUNE + "&store=%d&grade=gold" % fx["s1"]["id"], "invalid_grade", "grade")
    # an unknown store is 400 before the scope is looked at
    bad(env, "store=987654321", "unknown_store", "store", token=fx["mgr"])


@test("dish analytics: waiter and support are 403 forbidden naming analytics.read; no token is 401")
def t_dish_roles(env):
    for role in ("waiter", "support"):
        e = expect_error(env.api.get(URL + "?" + JUNE, token=env.tok[role]), 403, "forbidden",
                         what="GET as " + role)
        ok("analytics.read" in e["message"], "the refusal names the permission: %r" % e)
    expect_error(env.api.get(URL), 401, "unauthorized", what="GET without a token")
    for role in ("admin", "manager", "analyst"):
        get(env, JUNE, token=env.tok[role])
    expect_error(env.api.post(URL, {}, token=env.admin()), 405, "method_not_allowed",
                 what="POST")
