"""
test_privacy.py - who may see what (issue 5): the access matrix of
docs/ROLES.md tried route by route and role by role, store and region
scope, the masked and pseudonymised views, the audit log, and the headers
that keep answers out of caches and frames.

The matrix is read from docs/ROLES.md itself (the same table the build
turns into C), so the document, the code and these tests cannot drift.
"""

import csv
import io
import os
import re
import sqlite3
import time

from harness import (PASSWORD, ROLES, eq, expect, expect_error, ok, q, run_cli, test)

HERE = os.path.dirname(os.path.abspath(__file__))
ROLES_MD = os.path.join(HERE, "..", "..", "docs", "ROLES.md")
CUST = "/api/v1/customers"
AUDIT = "/api/v1/audit"


def read_matrix():
    """{permission: (set of roles, key scope or None)} from the table in docs/ROLES.md."""
    text = open(ROLES_MD, encoding="utf-8").read()
    body = text.split("<!-- matrix:begin -->", 1)[1].split("<!-- matrix:end -->", 1)[0]
    rows = [ln.strip().strip("|").split("|") for ln in body.strip().splitlines()]
    head = [c.strip() for c in rows[0]]
    eq(head[1:6], list(ROLES), "matrix columns are the five roles")
    perms = {}
    for cells in rows[2:]:
        cells = [c.strip() for c in cells]
        roles = {ROLES[i] for i in range(5) if cells[1 + i] == "✓"}
        perms[cells[0]] = (roles, None if cells[6] in ("—", "") else cells[6])
    return perms


def doc_section(name):
    text = open(ROLES_MD, encoding="utf-8").read()
    return text.split("<!-- %s:begin -->" % name, 1)[1].split("<!-- %s:end -->" % name, 1)[0]


def body_of(r, what):
    """The bytes of a 200 file answer (an export)."""
    eq(r.status, 200, "%s: HTTP status (body %r)" % (what, r.body[:200]))
    return r.body


def db(env):
    """The server's database, read-only (WAL lets us read while it writes)."""
    return sqlite3.connect("file:%s?mode=ro" % env.db_path, uri=True)


# ================================================================ the matrix


@test("docs/ROLES.md is the matrix the server enforces: every route's roles come from its permission row")
def t_matrix_doc_equals_code(env):
    perms = read_matrix()
    for rt in env.routes:
        if rt["perm"] == "public":
            continue
        ok(rt["perm"] in perms, "%s %s names permission %r, which docs/ROLES.md lacks"
           % (rt["method"], rt["path"], rt["perm"]))
        roles, scope = perms[rt["perm"]]
        eq(set(rt["roles"].split(",")) if rt["roles"] else set(), roles,
           "roles of %s %s (%s)" % (rt["method"], rt["path"], rt["perm"]))
        eq(rt["key_scope"], scope, "key scope of %s %s" % (rt["method"], rt["path"]))
    out = run_cli(env.laoke, ["routes", "--markdown"])
    eq(doc_section("routes").strip(), out.strip(),
       "the routes table in docs/ROLES.md (regenerate with `laoke routes --markdown`)")


@test("only the login and the guests' forms are public; every other route needs a token (401 without)")
def t_public_routes(env):
    public = sorted("%s %s" % (rt["method"], rt["path"]) for rt in env.routes
                    if rt["perm"] == "public")
    # the guests' forms of issue 7 (feedback, surveys): no login, small bodies, rate-limited
    eq(public, ["GET /api/v1/public/feedback-form", "GET /api/v1/public/survey",
                "POST /api/v1/auth/login", "POST /api/v1/public/feedback",
                "POST /api/v1/public/survey"], "public routes")
    for rt in env.routes:
        if rt["perm"] == "public":
            continue
        path = rt["path"].replace("{id}", "987654")
        r = env.api.request(rt["method"], path, body={} if rt["body"] else None)
        expect_error(r, 401, "unauthorized", what="%s %s without a token" % (rt["method"], path))


@test("every role x every route from docs/ROLES.md: 403 forbidden where the matrix has no tick, never where it has one")
def t_matrix_enforced(env):
    perms = read_matrix()
    for rt in env.routes:
        if rt["perm"] == "public" or rt["path"].endswith("/auth/logout"):
            continue  # logout as an allowed role would end the shared sessions
        roles, _ = perms[rt["perm"]]
        path = rt["path"].replace("{id}", "987654")
        if path == CUST and rt["method"] == "GET":
            path += "?phone_tail=0000"  # a search; a list needs guests.list (tried below)
        for role in ROLES:
            body = {"zz_unknown": 1} if rt["body"] else None
            r = env.api.request(rt["method"], path, body=body, token=env.tok[role])
            what = "%s %s as %s" % (rt["method"], path, role)
            if role in roles:
                ok(r.status not in (401, 403), "%s: HTTP %d, the matrix allows it" % (what, r.status))
            else:
                e = expect_error(r, 403, "forbidden", what=what)
                ok(rt["perm"] in e["message"], "%s: the refusal names %r: %r"
                   % (what, rt["perm"], e["message"]))


@test("permissions without a route of their own, from the matrix: guests.list, guests.phone, guests.identity")
def t_matrix_view_permissions(env):
    perms = read_matrix()
    phone = env.phone()
    g = env.new_guest(name="欧阳娜娜", phone=phone, home_store_id=env.store["id"],
                      notes="喜欢靠窗", birthday="1992-07-15",
                      family=[{"relation": "女儿", "name": "欧阳小米"}])
    for role in ROLES:
        r = env.api.get(CUST + "?limit=5", token=env.tok[role])
        if role in perms["guests.list"][0]:
            expect(r, 200, "list as " + role)
        else:
            expect_error(r, 403, "forbidden", what="list without a search as " + role)
        if role not in perms["guests.find"][0]:
            continue
        j = env.guest(g["id"], token=env.tok[role])
        full_phone = role in perms["guests.phone"][0]
        identity = role in perms["guests.identity"][0]
        eq(j["phone"], "+86" + phone if full_phone else None, "phone seen by " + role)
        eq(j["phone_masked"], phone[:3] + "****" + phone[-4:], "masked phone seen by " + role)
        eq(j["name"], "欧阳娜娜" if identity else "欧**", "name seen by " + role)
        eq(j["pseudonymised"], not identity, "pseudonymised flag for " + role)
        eq(j["notes"], "喜欢靠窗" if identity else None, "notes seen by " + role)
        eq(len(j["family"]), 1 if identity else 0, "family seen by " + role)
        eq(j["birthday"], "1992-07-15" if identity else None, "birthday seen by " + role)
        eq(j["birth_month"], 7, "birth month seen by " + role)
        s = env.search("phone_tail=" + phone[-4:], token=env.tok[role])
        mine = [x for x in s["items"] if x["id"] == g["id"]]
        eq(len(mine), 1, "found by phone tail as " + role)
        eq(mine[0]["name"], "欧阳娜娜" if identity else "欧**", "name in results for " + role)


# ================================================================ scope


class Chain:
    """Stores in two regions, staff bound to a store or a region, guests at each."""


def chain(env):
    if getattr(env, "chain", None):
        return env.chain
    a = env.admin()
    c = Chain()

    def store(code, name, region):
        return expect(env.api.post("/api/v1/stores", {"code": code, "name": name, "city": "成都",
                                                      "region": region}, token=a),
                      201, "store " + code)
    c.a = store("SCA1", "成都春熙路店", "西南")
    c.c = store("SCC1", "成都太古里店", "西南")
    c.b = store("SCB1", "北京朝阳店", "华北")
    users = (("u_wa", "waiter", ["--store", "SCA1"]), ("u_wb", "waiter", ["--store", "SCB1"]),
             ("u_mreg", "manager", ["--region", "西南"]),
             ("u_mb", "manager", ["--store", "SCB1"]),
             ("u_areg", "analyst", ["--region", "西南"]))
    c.tok = {}
    for name, role, extra in users:
        run_cli(env.laoke, ["user", "add", name, "--role", role, "--password-stdin",
                            "--db", env.db_url] + extra, stdin_text=PASSWORD + "\n")
        c.tok[name] = env.login(name)
    c.ga = env.new_guest(name="春熙客人", home_store_id=c.a["id"])
    c.gc = env.new_guest(name="太古里客人", home_store_id=c.c["id"])
    c.gb = env.new_guest(name="朝阳客人", home_store_id=c.b["id"])
    # one phone tail shared by all three, so a tail search would show each of them
    c.tail = "%04d" % (env.seq() % 10000)
    for g in (c.ga, c.gc, c.gb):
        p = "139%04d%s" % (env.seq() % 10000, c.tail)
        g["phone"] = "+86" + p
        g.update(expect(env.api.patch(CUST + "/%d" % g["id"], {"version": g["version"],
                                                               "phone": p}, token=a),
                        200, "give a phone"))
    # ga also ate at the Beijing store once
    for store_id, amount in ((c.a["id"], 30000), (c.b["id"], 50000)):
        expect(env.api.post("/api/v1/visits", {"customer_id": c.ga["id"], "store_id": store_id,
                                               "amount_fen": amount}, token=a), 201, "visit")
    env.chain = c
    return c


@test("a waiter of store A finds store A's guests only (tail, name); store B's guest is 404 everywhere")
def t_scope_waiter(env):
    c = chain(env)
    w = c.tok["u_wa"]
    ids = {x["id"] for x in env.search("phone_tail=" + c.tail, token=w)["items"]}
    ok(c.ga["id"] in ids, "own store's guest found by tail")
    ok(c.gb["id"] not in ids and c.gc["id"] not in ids,
       "other stores' guests not found by tail: %r" % ids)
    ids = {x["id"] for x in env.search("q=" + q("客人"), token=w)["items"]}
    ok(c.ga["id"] in ids and c.gb["id"] not in ids, "name search within scope: %r" % ids)
    for path in ("", "/facts", "/visits"):
        expect_error(env.api.get(CUST + "/%d%s" % (c.gc["id"], path), token=w), 404,
                     "not_found", what="other store's guest %s" % (path or "card"))
    expect_error(env.api.patch(CUST + "/%d" % c.gc["id"], {"version": 1, "name": "x"}, token=w),
                 404, "not_found", what="patch another store's guest")
    expect_error(env.api.post(CUST + "/%d/facts" % c.gc["id"], {"kind": "taste", "value": "辣"},
                              token=w), 404, "not_found", what="fact on another store's guest")
    expect_error(env.api.get(CUST, token=w), 403, "forbidden", "q", what="waiter lists guests")
    for kind in ("guests", "visits"):
        expect_error(env.api.get("/api/v1/exports/" + kind, token=w), 403, "forbidden",
                     what="waiter exports " + kind)
    j = env.guest(c.ga["id"], token=w)
    eq(j["phone"], None, "waiter gets no full phone")
    p = c.ga["phone"][3:]
    eq(j["phone_masked"], p[:3] + "****" + p[-4:], "waiter sees 138****5678 style")


@test("a store-bound card shows the visits at the store's own stores; totals stay chain-wide")
def t_scope_card_visits(env):
    c = chain(env)
    mine = expect(env.api.get(CUST + "/%d/visits" % c.ga["id"], token=c.tok["u_wa"]), 200,
                  "visits as waiter A")["items"]
    eq([v["store_id"] for v in mine], [c.a["id"]], "only the visit at store A")
    allv = expect(env.api.get(CUST + "/%d/visits" % c.ga["id"], token=env.admin()), 200,
                  "visits as admin")["items"]
    eq(len(allv), 2, "admin sees both visits")
    card = env.guest(c.ga["id"], token=c.tok["u_wa"])
    eq((card["visit_count"], card["total_spend_fen"]), (2, 80000), "chain-wide totals")


@test("a full phone finds a guest of another store; the lookup links them to the store and is audited")
def t_scope_full_phone(env):
    c = chain(env)
    w = c.tok["u_wb"]
    expect_error(env.api.get(CUST + "/%d" % c.gc["id"], token=w), 404, "not_found",
                 what="before the lookup")
    s = env.search("phone=" + q(c.gc["phone"]), token=w)
    eq([x["id"] for x in s["items"]], [c.gc["id"]], "found chain-wide by the full phone")
    eq(s["items"][0]["phone"], None, "still masked for the waiter")
    card = env.guest(c.gc["id"], token=w)
    eq(card["id"], c.gc["id"], "the card opens after the lookup")
    env.search("phone=" + q(c.gc["phone"]), token=w)  # a second lookup is not a new link
    rows = audit(env, "action=guest.phone_lookup&target_id=%d" % c.gc["id"])
    eq(len(rows), 1, "one audit row for the first link")
    eq((rows[0]["username"], rows[0]["detail"]["store_id"]), ("u_wb", c.b["id"]), "who, where")
    # a region-bound manager gets no chain-wide exception
    s = env.search("phone=" + q(c.gb["phone"]), token=c.tok["u_mreg"])
    eq(s["items"], [], "region manager: a guest outside the region is not found by phone")


@test("a waiter records visits only at their own store (403 out_of_scope elsewhere, nothing written)")
def t_scope_visit_store(env):
    c = chain(env)
    w = c.tok["u_wa"]
    before = env.guest(c.ga["id"])["visit_count"]
    expect_error(env.api.post("/api/v1/visits", {"customer_id": c.ga["id"],
                                                 "store_id": c.b["id"], "amount_fen": 100},
                              token=w), 403, "out_of_scope", "store_id",
                 what="visit at another store")
    eq(env.guest(c.ga["id"])["visit_count"], before, "nothing written")
    expect(env.api.post("/api/v1/visits", {"customer_id": c.ga["id"], "store_id": c.a["id"],
                                           "amount_fen": 100}, token=w), 201, "own store")
    j = expect(env.api.post(CUST, {"name": "门口新客"}, token=w), 201, "new guest at the door")
    eq(j["home_store_id"], c.a["id"], "a waiter's new guest belongs to their store")
    expect_error(env.api.post(CUST, {"name": "别店新客", "home_store_id": c.b["id"]}, token=w),
                 403, "out_of_scope", "home_store_id", what="new guest of another store")


@test("a region manager lists and exports the region's guests and visits, nothing of other regions")
def t_scope_region(env):
    c = chain(env)
    m = c.tok["u_mreg"]
    ids = set()
    cursor = ""
    while True:
        j = expect(env.api.get(CUST + "?limit=100" + ("&cursor=" + cursor if cursor else ""),
                               token=m), 200, "list")
        ids |= {x["id"] for x in j["items"]}
        if not j["next_cursor"]:
            break
        cursor = j["next_cursor"]
    ok(c.ga["id"] in ids and c.gc["id"] in ids, "region guests listed")
    ok(c.gb["id"] not in ids, "guest of another region not listed")
    r = env.api.get("/api/v1/exports/guests?lang=en", token=m)
    rows = list(csv.reader(io.StringIO(body_of(r, "export").decode("utf-8-sig"))))
    got = {int(x[0]) for x in rows[1:]}
    ok(c.ga["id"] in got and c.gc["id"] in got, "region guests exported")
    ok(c.gb["id"] not in got, "other region's guest not exported")
    r = env.api.get("/api/v1/exports/visits?lang=en", token=m)
    rows = list(csv.reader(io.StringIO(body_of(r, "export").decode("utf-8-sig"))))
    eq({x[3] for x in rows[1:]} - {"SCA1", "SCC1"}, set(), "visits of the region's stores only")
    expect_error(env.api.get("/api/v1/exports/guests?store=SCB1", token=m), 403, "out_of_scope",
                 "store", what="another region's store")
    expect(env.api.get("/api/v1/exports/guests?store=SCC1", token=m), 200, "a store of the region")
    expect_error(env.api.get(CUST + "/%d" % c.gb["id"], token=m), 404, "not_found",
                 what="region manager opens another region's guest")
    j = env.guest(c.ga["id"], token=m)
    eq(j["phone"], c.ga["phone"], "a manager sees the full phone within scope")


@test("the analyst's exports carry no names and no phones: 张** and 138****5678")
def t_analyst_export(env):
    c = chain(env)
    a = c.tok["u_areg"]
    for kind in ("guests", "visits"):
        r = env.api.get("/api/v1/exports/%s?lang=en" % kind, token=a)
        text = body_of(r, "export").decode("utf-8-sig")
        for g in (c.ga, c.gc, c.gb):
            ok(g["name"] not in text, "%s export has no name %r" % (kind, g["name"]))
            ok(g["phone"] not in text and g["phone"][3:] not in text,
               "%s export has no phone %s" % (kind, g["phone"]))
        rows = list(csv.reader(io.StringIO(text)))
        col = rows[0].index("Name")
        names = {x[col] for x in rows[1:] if x[col]}
        ok(names and all(re.fullmatch(r".\*\*", n) for n in names),
           "%s: names are pseudonyms: %r" % (kind, sorted(names)[:5]))
    r = env.api.get("/api/v1/exports/guests?lang=en&format=csv", token=a)
    rows = list(csv.reader(io.StringIO(body_of(r, "export").decode("utf-8-sig"))))
    phone_col, notes_col = rows[0].index("Phone"), rows[0].index("Notes")
    ok(all(x[phone_col] == "" or "****" in x[phone_col] for x in rows[1:]), "phones masked")
    ok(all(x[notes_col] == "" for x in rows[1:]), "no notes")


@test("support cannot open a guest card, search or export (403), but manages users and keys")
def t_support(env):
    c = chain(env)
    s = env.tok["support"]
    expect_error(env.api.get(CUST + "/%d" % c.ga["id"], token=s), 403, "forbidden", what="card")
    expect_error(env.api.get(CUST + "?phone_tail=" + c.tail, token=s), 403, "forbidden",
                 what="search")
    expect_error(env.api.get("/api/v1/exports/guests", token=s), 403, "forbidden", what="export")
    expect(env.api.get("/api/v1/users", token=s), 200, "users")
    expect(env.api.get("/api/v1/keys", token=s), 200, "keys")


# ================================================================ audit log


def audit(env, query=""):
    j = expect(env.api.get(AUDIT + "?limit=100&" + query, token=env.admin()), 200, "audit " + query)
    return j["items"]


@test("the audit log records full-profile views, changes, exports, refusals; masked views are not 'full'")
def t_audit_rows(env):
    c = chain(env)
    env.guest(c.ga["id"])  # admin: full profile
    env.guest(c.ga["id"], token=c.tok["u_wa"])  # waiter: masked, not a full-profile view
    views = audit(env, "action=guest.view&target_type=customer&target_id=%d" % c.ga["id"])
    who = [v["username"] for v in views]
    ok("u_admin" in who, "admin's view recorded: %r" % who)
    ok("u_wa" not in who, "the waiter's masked view is not a full-profile view")
    v = views[0]
    eq(v["ip"], "127.0.0.1", "from where")
    eq(v["role"], "admin", "role")
    ok(v["at"].endswith("+08:00"), "when, in local time: %r" % v["at"])
    eq(v["detail"]["path"], "/api/v1/customers/{id}", "what: the route")
    g = env.guest(c.gc["id"])
    expect(env.api.patch(CUST + "/%d" % c.gc["id"], {"version": g["version"], "notes": "改"},
                         token=env.admin()), 200, "patch")
    rows = audit(env, "action=guest.update&target_id=%d" % c.gc["id"])
    eq(rows[0]["detail"]["fields"], ["notes"], "changed field names, not values")
    expect(env.api.get("/api/v1/exports/guests?store=SCA1", token=c.tok["u_mreg"]), 200, "export")
    rows = audit(env, "action=export.guests")
    eq(rows[0]["username"], "u_mreg", "export recorded with who")
    ok(rows[0]["detail"]["rows"] >= 1, "and how many rows: %r" % rows[0]["detail"])
    expect_error(env.api.get("/api/v1/exports/guests", token=env.tok["waiter"]), 403, "forbidden",
                 what="waiter export")
    rows = audit(env, "action=export.guests")
    ok(any(r["username"] == "u_waiter" and r["status"] == 403 for r in rows),
       "a refusal is recorded under the route's action, with status 403")
    expect_error(env.api.get(CUST + "?phone_tail=0000", token=env.tok["support"]), 403,
                 "forbidden", what="support searches")
    rows = audit(env, "action=access.denied")
    ok(any(r["username"] == "u_support" and r["status"] == 403 for r in rows),
       "a refusal on a route without an action is recorded as access.denied")
    expect_error(env.api.post("/api/v1/auth/login", {"username": "u_admin", "password": "nope-nope-1"}),
                 401, "invalid_credentials", what="wrong password")
    rows = audit(env, "action=auth.login")
    ok(any(r["status"] == 401 and r["username"] == "u_admin" for r in rows),
       "a failed login is recorded with the name tried")
    ok(any(r["status"] == 200 for r in rows), "successful logins are recorded")
    # every row's detail is free of guest PII
    for r in audit(env, "action=guest."):
        text = str(r["detail"])
        for g in (c.ga, c.gb, c.gc):
            ok(g["phone"] not in text and g["name"] not in text, "no PII in audit detail")


@test("GET /api/v1/audit filters (action prefix, user, target, dates) and pages; bad filters are 400")
def t_audit_filters(env):
    rows = audit(env, "action=guest.")
    ok(rows and all(r["action"].startswith("guest.") for r in rows), "action prefix")
    uid = rows[0]["user_id"]
    ok(all(r["user_id"] == uid for r in audit(env, "user_id=%d" % uid)), "user filter")
    ids = [r["id"] for r in audit(env)]
    eq(ids, sorted(ids, reverse=True), "newest first")
    first = expect(env.api.get(AUDIT + "?limit=3", token=env.admin()), 200, "page 1")
    ok(first["next_cursor"], "a next cursor")
    second = expect(env.api.get(AUDIT + "?limit=3&cursor=" + first["next_cursor"],
                                token=env.admin()), 200, "page 2")
    eq(second["items"][0]["id"] < first["items"][-1]["id"], True, "page 2 continues page 1")
    eq(audit(env, "from=2001-01-01&to=2001-01-02"), [], "an old period is empty")
    for bad, field in (("from=2026-13-01", "from"), ("to=yesterday", "to"),
                       ("from=2026-02-02&to=2026-02-01", "to"), ("user_id=abc", "user_id"),
                       ("target_id=0", "target_id"), ("action=DROP%20TABLE", "action"),
                       ("limit=1000", "limit"), ("cursor=x", "cursor")):
        expect_error(env.api.get(AUDIT + "?" + bad, token=env.admin()), 400, None, field,
                     what="audit ?" + bad)


@test("no API can change or delete the audit log, and the database itself refuses it")
def t_audit_append_only(env):
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        r = env.api.request(method, AUDIT, body={} if method != "DELETE" else None,
                            token=env.admin())
        expect_error(r, 405, "method_not_allowed", what=method + " /audit")
    r = env.api.request("DELETE", AUDIT + "/1", token=env.admin())
    expect_error(r, 404, "not_found", what="DELETE /audit/1")
    n = len(audit(env))
    con = sqlite3.connect(env.db_path, timeout=10)
    for sql in ("UPDATE audit_log SET action = 'x'", "DELETE FROM audit_log"):
        try:
            con.execute(sql)
            con.commit()
            ok(False, "the database accepted %r" % sql)
        except sqlite3.DatabaseError as e:
            ok("append-only" in str(e), "refused with the reason: %s" % e)
    con.close()
    ok(len(audit(env)) >= n, "nothing removed")


# ================================================================ hardening


@test("API answers are never cached or framed: no-store, DENY, nosniff, CSP none, no-referrer")
def t_api_headers(env):
    for r in (env.api.get(CUST + "/%d" % env.new_guest()["id"], token=env.admin()),
              env.api.get(CUST + "/1"), env.api.get("/api/v1/nope")):
        eq(r.header("Cache-Control"), "no-store", "Cache-Control")
        eq(r.header("X-Frame-Options"), "DENY", "X-Frame-Options")
        eq(r.header("X-Content-Type-Options"), "nosniff", "nosniff")
        eq(r.header("Referrer-Policy"), "no-referrer", "Referrer-Policy")
        ok("frame-ancestors 'none'" in (r.header("Content-Security-Policy") or ""), "CSP")


@test("oversized headers are refused with 4xx and the server goes on answering")
def t_header_limit(env):
    r = env.api.request("GET", CUST + "/1", token=env.admin(), headers={"X-Big": "a" * 100000})
    ok(400 <= r.status < 500, "huge header: HTTP %d" % r.status)
    r = env.api.request("GET", CUST + "/1", headers={"Authorization": "Bearer " + "x" * 5000})
    expect_error(r, 401, what="a 5000-byte token")
    expect(env.api.get("/api/v1/auth/me", token=env.admin()), 200, "still answering")


@test("tokens, passwords and phone numbers never reach the server log")
def t_no_secrets_in_log(env):
    tok = env.login("u_analyst")
    phone = env.phone()
    env.new_guest(phone=phone)
    env.search("phone=" + phone)
    expect(env.api.get("/api/v1/auth/me", token=tok), 200, "me")
    log = open(env.log_path, encoding="utf-8", errors="replace").read()
    ok(tok not in log, "no session token in the log")
    ok(PASSWORD not in log, "no password in the log")
    ok(phone not in log and phone[-8:] not in log, "no phone in the log")


@test("docs/openapi.json names the same roles (x-roles) as the matrix for every operation")
def t_openapi_roles(env):
    spec = expect(env.api.get("/api/v1/openapi.json"), 200, "openapi")
    ops = {}
    for path, item in spec["paths"].items():
        for method, op in item.items():
            ops[(method.upper(), re.sub(r"\{[^}]*\}", "{}", path))] = op
    for rt in env.routes:
        op = ops.get((rt["method"], re.sub(r"\{[^}]*\}", "{}", rt["path"])))
        if op is None:
            continue  # a missing route is t_openapi's finding
        want = [] if rt["roles"] == "public" else rt["roles"].split(",")
        eq(sorted(op.get("x-roles", [])), sorted(want),
           "x-roles of %s %s" % (rt["method"], rt["path"]))


@test("a region manager imports for the region's stores only: another store is 403, its rows are rejected")
def t_scope_import(env):
    c = chain(env)
    m = c.tok["u_mreg"]
    imp = "/api/v1/imports"
    phone = "1395555%04d" % (env.seq() % 10000)
    data = ("姓名,手机\n区域导入,%s\n" % phone).encode("utf-8")

    def upload(query, body):
        return env.api.post(imp + "?" + query, raw=body, token=m,
                            content_type="text/csv; charset=utf-8")
    expect_error(upload("kind=guests&store=SCB1", data), 403, "out_of_scope", "store",
                 what="guests for another region's store")
    expect_error(upload("kind=guests", data), 400, "missing_field", "store",
                 what="guests without a store")
    order = "SCOPE-%d" % env.seq()
    text = ("门店,订单号,消费时间,菜品,数量,单价\n"
            "SCA1,%s-a,2024-03-05 18:30:00,肥牛卷,1,58.00\n"
            "SCB1,%s-b,2024-03-05 18:30:00,肥牛卷,1,58.00\n" % (order, order)).encode("utf-8")
    job = expect(upload("kind=visits", text), 202, "visits")
    for _ in range(200):
        j = expect(env.api.get(imp + "/%d" % job["id"], token=m), 200, "status")
        if j["status"] != "running":
            break
        time.sleep(0.05)
    eq((j["summary"]["inserted"], j["summary"]["rejected"]), (1, 1), "one order in, one out")
    ok("SCB1" in j["rejects"][0]["reason"] or "scope" in j["rejects"][0]["reason"],
       "the reject says why: %r" % j["rejects"][0])
    job = expect(upload("kind=guests&store=SCC1", data), 202, "guests for SCC1")
    for _ in range(200):
        j = expect(env.api.get(imp + "/%d" % job["id"], token=m), 200, "status")
        if j["status"] != "running":
            break
        time.sleep(0.05)
    eq(j["summary"]["inserted"], 1, "guest imported")
    s = env.search("phone=" + phone, token=m)
    eq(len(s["items"]), 1, "and in the manager's scope")


@test("issue 5 walk-through as each role would try it, and the audit log shows each step")
def t_done_when(env):
    c = chain(env)
    a = env.admin()
    # the waiter of store A: no list, no export, masked phone
    expect_error(env.api.get(CUST, token=c.tok["u_wa"]), 403, "forbidden", what="waiter list")
    expect_error(env.api.get("/api/v1/exports/guests", token=c.tok["u_wa"]), 403, "forbidden",
                 what="waiter export")
    # the analyst's export: pseudonymised
    r = env.api.get("/api/v1/exports/guests?lang=en", token=c.tok["u_areg"])
    body_of(r, "analyst export")
    # support and a guest card
    expect_error(env.api.get(CUST + "/%d" % c.ga["id"], token=env.tok["support"]), 403,
                 "forbidden", what="support card")
    # a disabled user's token stops at once
    run_cli(env.laoke, ["user", "add", "u_leaver", "--role", "waiter", "--store", "SCA1",
                        "--password-stdin", "--db", env.db_url], stdin_text=PASSWORD + "\n")
    tok = env.login("u_leaver")
    uid = expect(env.api.get("/api/v1/auth/me", token=tok), 200, "me")["user"]["id"]
    expect(env.api.patch("/api/v1/users/%d" % uid, {"disabled": True}, token=a), 200, "disable")
    expect_error(env.api.get("/api/v1/auth/me", token=tok), 401, "unauthorized",
                 what="the disabled user's token")
    # an erasure
    g = env.new_guest(name="待抹去客人", home_store_id=c.a["id"])
    expect(env.api.post(CUST + "/%d/erase" % g["id"], {"reason": "客人当面要求删除"}, token=a),
           200, "erase")
    expect_error(env.api.get(CUST + "/%d" % g["id"], token=a), 404, "not_found",
                 what="erased guest")
    rows = audit(env)
    seen = {(x["action"], x["username"], x["status"]) for x in rows}
    for want in (("access.denied", "u_wa", 403), ("export.guests", "u_wa", 403),
                 ("export.guests", "u_areg", 200), ("guest.view", "u_support", 403),
                 ("user.update", "u_admin", 200), ("guest.erase", "u_admin", 200)):
        ok(want in seen, "audit row %r among the newest" % (want,))
    ex = [x for x in rows if x["action"] == "export.guests" and x["username"] == "u_areg"][0]
    eq(ex["detail"]["pseudonymised"], True, "the analyst's export is marked pseudonymised")
    up = [x for x in rows if x["action"] == "user.update" and x["target_id"] == uid][0]
    eq(up["detail"]["fields"], ["disabled"], "the disabling is the change recorded")
    er = [x for x in rows if x["action"] == "guest.erase"][0]
    eq((er["target_id"], er["detail"]["reason"]), (g["id"], "客人当面要求删除"), "erase row")
