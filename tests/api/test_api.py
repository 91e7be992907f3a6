"""
test_api.py - the JSON API: auth, roles, request checks, guests, facts,
visits, search and pagination. Each test states the behaviour it checks.
"""

import datetime
import json
import re
import threading

from harness import (PASSWORD, ROLES, eq, expect, expect_error, ne, ok, q, test)

CUST = "/api/v1/customers"
NAME_MAX = 40
NOTES_MAX = 2000
TAG_MAX = 20
TAGS_MAX = 32
FAMILY_MAX = 12
FACT_MAX = 200


def now_utc():
    return datetime.datetime.now(datetime.timezone.utc)


def rfc3339(dt):
    return dt.astimezone(datetime.timezone(datetime.timedelta(hours=8))).replace(
        microsecond=0).isoformat()


def parse_time(s):
    ok(isinstance(s, str) and re.match(
        r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$", s),
       "time %r is not RFC 3339 with an offset" % (s,))
    return datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))


def marker(env, prefix="标记"):
    """A name fragment no other guest has (3+ characters, so the FTS path finds it)."""
    return "%s%s" % (prefix, "".join("零一二三四五六七八九"[int(d)] for d in str(env.seq() + 1000)))


def assert_no_guest_named(env, text, what):
    j = env.search("q=" + q(text))
    eq([c["id"] for c in j["items"]], [], what + ": a guest was written anyway")


def assert_no_guest_phone(env, phone, what):
    j = env.search("phone=" + q(phone))
    eq([c["id"] for c in j["items"]], [], what + ": a guest was written anyway")


# ================================================================ health, routing


@test("GET /healthz answers 200 {\"status\":\"ok\"} without a token")
def t_healthz(env):
    r = env.api.get("/healthz")
    j = expect(r, 200, "healthz")
    eq(j, {"status": "ok"}, "healthz body")
    ok((r.header("Content-Type") or "").startswith("application/json"), "healthz is JSON")


@test("unknown paths under /api answer JSON 404 not_found, with or without a token")
def t_unknown_api_path(env):
    for path in ("/api/v1/nope", "/api", "/api/", "/api/v2/customers", "/api/v1/customers/1/nope",
                 "/api/v1/stores/1", "/api/v1/auth", "/api/v1/customers/1/facts/1/x"):
        for tok in (None, env.admin()):
            r = env.api.get(path, token=tok)
            expect_error(r, 404, "not_found", what="GET " + path)


@test("a known path with the wrong method answers JSON 405 method_not_allowed")
def t_wrong_method(env):
    cases = [("PUT", CUST), ("DELETE", "/api/v1/stores"), ("GET", "/api/v1/auth/login"),
             ("POST", CUST + "/1/visits"), ("PATCH", "/api/v1/stores"),
             ("GET", "/api/v1/visits"), ("POST", CUST + "/1"), ("PUT", "/api/v1/dishes/1"),
             ("GET", "/api/v1/auth/logout"), ("POST", "/api/v1/auth/me")]
    for method, path in cases:
        r = env.api.request(method, path, token=env.admin())
        expect_error(r, 405, "method_not_allowed", what="%s %s" % (method, path))


@test("path ids that are not positive integers (0, -1, 01, abc, 1.5, 1e3, huge, empty) answer 404")
def t_bad_path_ids(env):
    g = env.new_guest()
    bad = ["0", "-1", "01", "abc", "1.5", "1e3", "+1", "99999999999999999999",
           "%d%%20" % g["id"], "%%20%d" % g["id"], "0x1", ""]
    for b in bad:
        for path in (CUST + "/" + b, CUST + "/" + b + "/facts", CUST + "/" + b + "/visits"):
            r = env.api.get(path, token=env.admin())
            expect_error(r, 404, what="GET " + path)
        r = env.api.patch(CUST + "/" + b, {"version": 1, "name": "x"}, token=env.admin())
        expect_error(r, 404, what="PATCH " + CUST + "/" + b)
        r = env.api.delete("%s/%d/facts/%s" % (CUST, g["id"], b), token=env.admin())
        expect_error(r, 404, what="DELETE fact id " + b)
        r = env.api.patch("/api/v1/dishes/" + b, {"price_fen": 1}, token=env.admin())
        expect_error(r, 404, what="PATCH dish id " + b)
    # the guest is intact
    eq(env.guest(g["id"])["version"], 1, "guest untouched by bad-id requests")


@test("ids that are well formed but unknown answer 404 (guest, dish, fact)")
def t_unknown_ids(env):
    for path in (CUST + "/987654", CUST + "/987654/facts", CUST + "/987654/visits"):
        expect_error(env.api.get(path, token=env.admin()), 404, "not_found", what=path)
    expect_error(env.api.patch(CUST + "/987654", {"version": 1, "name": "x"},
                               token=env.admin()), 404, what="PATCH unknown guest")
    expect_error(env.api.delete(CUST + "/987654", token=env.admin()), 404,
                 what="DELETE unknown guest")
    expect_error(env.api.patch("/api/v1/dishes/987654", {"price_fen": 1},
                               token=env.admin()), 404, what="PATCH unknown dish")
    expect_error(env.api.post(CUST + "/987654/facts", {"kind": "taste", "value": "x"},
                              token=env.admin()), 404, what="POST fact to unknown guest")


# ================================================================ auth


@test("login returns a token, its expiry and the user; /auth/me names each role's user")
def t_login_me(env):
    for role in ROLES:
        r = env.api.get("/api/v1/auth/me", token=env.tok[role])
        j = expect(r, 200, "me as " + role)
        eq(j["user"]["username"], env.users[role], "me username")
        eq(j["user"]["role"], role, "me role")
    j = expect(env.api.get("/api/v1/auth/me", token=env.tok["waiter"]), 200, "me waiter")
    eq(j["user"]["store_id"], env.store["id"], "the waiter is bound to store BJ01")
    j = expect(env.api.get("/api/v1/auth/me", token=env.tok["manager"]), 200, "me manager")
    eq(j["user"]["store_id"], None, "an unbound manager has store_id null")
    r = env.api.post("/api/v1/auth/login", {"username": "u_analyst", "password": PASSWORD})
    j = expect(r, 200, "login")
    ok(isinstance(j["token"], str) and len(j["token"]) >= 32, "token looks random: %r" % j)
    exp = parse_time(j["expires_at"])
    ok(exp > now_utc(), "expires_at is in the future")
    eq(j["user"]["role"], "analyst", "login user role")
    ok("password" not in json.dumps(j), "login answer holds no password or hash")


@test("login with a wrong password or an unknown user answers 401 invalid_credentials, same message")
def t_login_bad(env):
    r1 = env.api.post("/api/v1/auth/login", {"username": "u_admin", "password": "wrong-password"})
    e1 = expect_error(r1, 401, "invalid_credentials", what="wrong password")
    r2 = env.api.post("/api/v1/auth/login", {"username": "nobody_here", "password": "whatever1"})
    e2 = expect_error(r2, 401, "invalid_credentials", what="unknown user")
    eq(e1["message"], e2["message"], "the message does not tell which was wrong")
    ok("token" not in r1.text() and "token" not in r2.text(), "no token handed out")


@test("login body checks: missing username/password, wrong types, unknown fields answer 400 naming the field")
def t_login_validation(env):
    cases = [({"password": PASSWORD}, "missing_field", "username"),
             ({"username": "u_admin"}, "missing_field", "password"),
             ({"username": "u_admin", "password": ""}, "missing_field", "password"),
             ({"username": 5, "password": PASSWORD}, "invalid_type", "username"),
             ({"username": "u_admin", "password": 12345678}, None, "password"),
             ({"username": "u_admin", "password": "x" * 129}, None, "password"),
             ({"username": "u_admin", "password": PASSWORD, "remember": True},
              "unknown_field", "remember")]
    for body, code, field in cases:
        r = env.api.post("/api/v1/auth/login", body)
        expect_error(r, 400, code, field, what="login %r" % (body,))


@test("no token answers 401 unauthorized on every non-public route")
def t_no_token(env):
    for rt in env.routes:
        if rt["roles"] == "public":
            continue
        path = rt["path"].replace("{id}", "1")
        body = {} if rt["body"] else None
        r = env.api.request(rt["method"], path, body=body)
        expect_error(r, 401, "unauthorized", what="%s %s without a token" % (rt["method"], path))


@test("bad tokens (unknown, short, wrong scheme, empty) answer 401")
def t_bad_token(env):
    good = env.tok["admin"]
    for h in ("Bearer " + "A" * 43, "Bearer " + good[:-1] + ("A" if good[-1] != "A" else "B"),
              "Bearer short", "Bearer ", "Basic " + good, good, "Bearer " + "x" * 200,
              "bearer-" + good):
        r = env.api.get("/api/v1/auth/me", headers={"Authorization": h})
        expect_error(r, 401, what="Authorization %r" % h[:30])
    r = env.api.get(CUST + "?q=" + q("客人"), headers={"Authorization": "Bearer " + "Z" * 43})
    expect_error(r, 401, what="search with a bad token")


@test("logout ends that session only: its token then answers 401, others still work")
def t_logout(env):
    t = env.login("u_waiter")
    expect(env.api.get("/api/v1/auth/me", token=t), 200, "fresh token works")
    j = expect(env.api.post("/api/v1/auth/logout", token=t), 200, "logout")
    eq(j, {"ok": True}, "logout body")
    expect_error(env.api.get("/api/v1/auth/me", token=t), 401, "unauthorized",
                 what="me after logout")
    expect_error(env.api.post("/api/v1/auth/logout", token=t), 401, what="logout twice")
    expect(env.api.get("/api/v1/auth/me", token=env.tok["waiter"]), 200,
           "the waiter's other session still works")


# ================================================================ roles


# The whole matrix (every route x every role, from docs/ROLES.md) is tried in
# test_privacy.py.


@test("support may not read guests, a waiter may not create a store, an analyst may not create a guest")
def t_roles_named(env):
    g = env.new_guest()
    expect_error(env.api.get(CUST + "/%d" % g["id"], token=env.tok["support"]), 403,
                 "forbidden", what="support reads a guest")
    expect_error(env.api.get(CUST + "?phone_tail=0001", token=env.tok["support"]), 403,
                 "forbidden", what="support searches guests")
    before = len(expect(env.api.get("/api/v1/stores", token=env.tok["waiter"]), 200,
                        "stores")["items"])
    expect_error(env.api.post("/api/v1/stores", {"code": "WX99", "name": "x"},
                              token=env.tok["waiter"]), 403, "forbidden",
                 what="waiter creates a store")
    after = len(expect(env.api.get("/api/v1/stores", token=env.tok["admin"]), 200,
                       "stores")["items"])
    eq(after, before, "no store written by the waiter")
    m = marker(env, "分析员")
    expect_error(env.api.post(CUST, {"name": m}, token=env.tok["analyst"]), 403, "forbidden",
                 what="analyst creates a guest")
    assert_no_guest_named(env, m, "analyst create")
    expect_error(env.api.delete(CUST + "/%d" % g["id"], token=env.tok["waiter"]), 403,
                 "forbidden", what="waiter deletes a guest")
    env.guest(g["id"])


@test("only admin and manager see the full phone; analyst and waiter get it masked 138****5678")
def t_phone_masking(env):
    g = env.new_guest(phone="13912345670", home_store_id=env.store["id"])
    for role, full in (("admin", True), ("manager", True), ("analyst", False), ("waiter", False)):
        j = env.guest(g["id"], token=env.tok[role])
        eq(j["phone"], "+8613912345670" if full else None, "phone seen by " + role)
        eq(j["phone_masked"], "139****5670", "phone_masked seen by " + role)
        s = env.search("phone=13912345670", token=env.tok[role])
        eq(s["items"][0]["phone"], "+8613912345670" if full else None,
           "phone in search results seen by " + role)


# ================================================================ request body checks


@test("a body over 1 MiB answers 413 body_too_large and writes nothing")
def t_oversized(env):
    m = marker(env, "超大")
    body = json.dumps({"name": m, "notes": "x" * 100}).encode()
    raw = body[:-1] + b" " * (1024 * 1024 + 10) + b"}"
    r = env.api.post(CUST, raw=raw, token=env.admin())
    expect_error(r, 413, "body_too_large", what="1 MiB + 10 bytes")
    assert_no_guest_named(env, m, "oversized body")
    r = env.api.post(CUST, raw=b"{" + b" " * (3 * 1024 * 1024) + b"}", token=env.admin())
    expect_error(r, 413, "body_too_large", what="3 MiB body")
    expect(env.api.get("/healthz"), 200, "server still healthy after big bodies")


@test("a body of exactly 1 MiB is accepted")
def t_exactly_limit(env):
    m = marker(env, "整兆")
    body = json.dumps({"name": m}, ensure_ascii=False).encode()
    raw = body[:-1] + b" " * (1024 * 1024 - len(body)) + b"}"
    eq(len(raw), 1024 * 1024, "body length")
    j = expect(env.api.post(CUST, raw=raw, token=env.admin()), 201, "1 MiB body")
    eq(j["name"], m, "name")


@test("malformed JSON, a non-object, an empty body or bad UTF-8 answer 400 invalid_json and write nothing")
def t_malformed_json(env):
    m = marker(env, "坏格式")
    for raw in ('{"name": "%s"' % m, '{"name": "%s",}' % m, "[]", '"%s"' % m, "null", "",
                "{name: 'x'}", '{"name": "%s"} trailing' % m):
        r = env.api.post(CUST, raw=raw.encode(), token=env.admin())
        expect_error(r, 400, "invalid_json", what="body %r" % raw)
    r = env.api.post(CUST, raw=b'{"name": "\xff\xfe' + m.encode() + b'"}', token=env.admin())
    expect_error(r, 400, "invalid_json", what="invalid UTF-8")
    assert_no_guest_named(env, m, "malformed JSON")


@test("duplicate JSON keys answer 400 invalid_json and write nothing")
def t_duplicate_keys(env):
    m = marker(env, "重复键")
    raw = ('{"name": "%s", "phone": "13700000001", "name": "%s"}' % (m, m)).encode()
    expect_error(env.api.post(CUST, raw=raw, token=env.admin()), 400, "invalid_json",
                 what="duplicate key")
    assert_no_guest_named(env, m, "duplicate keys")
    g = env.new_guest()
    raw = ('{"version": 1, "version": 1, "name": "%s"}' % m).encode()
    expect_error(env.api.patch(CUST + "/%d" % g["id"], raw=raw, token=env.admin()), 400,
                 "invalid_json", what="duplicate key in PATCH")
    eq(env.guest(g["id"])["version"], 1, "guest unchanged")


@test("a body that is not application/json answers 415 unsupported_media_type; charset parameter is fine")
def t_content_type(env):
    m = marker(env, "类型")
    raw = json.dumps({"name": m}, ensure_ascii=False).encode()
    for ct in ("text/plain", "application/x-www-form-urlencoded", "application/jsonx",
               "application/json-patch+json", "multipart/form-data", None):
        r = env.api.post(CUST, raw=raw, token=env.admin(), content_type=ct)
        expect_error(r, 415, "unsupported_media_type", what="Content-Type %r" % ct)
    assert_no_guest_named(env, m, "wrong content type")
    r = env.api.post(CUST, raw=raw, token=env.admin(),
                     content_type="application/json; charset=utf-8")
    eq(expect(r, 201, "charset parameter")["name"], m, "name")
    r = env.api.post(CUST, raw=json.dumps({"name": m + "b"}, ensure_ascii=False).encode(),
                     token=env.admin(), content_type="Application/JSON")
    expect(r, 201, "media type is case-insensitive")


@test("unknown fields answer 400 unknown_field naming the field (top level, family[i], items[i])")
def t_unknown_fields(env):
    m = marker(env, "未知")
    expect_error(env.api.post(CUST, {"name": m, "nickname": "x"}, token=env.admin()), 400,
                 "unknown_field", "nickname", what="guest")
    expect_error(env.api.post(CUST, {"name": m, "family": [{"relation": "子", "age": 3}]},
                              token=env.admin()), 400, "unknown_field", "family[0].age",
                 what="family member")
    expect_error(env.api.post(CUST, {"name": m, "version": 1}, token=env.admin()), 400,
                 "unknown_field", "version", what="version on create")
    assert_no_guest_named(env, m, "unknown fields")
    expect_error(env.api.post("/api/v1/visits", {"store_id": env.store["id"],
                                                 "items": [{"dish_id": 1, "price": 5}]},
                              token=env.admin()), 400, "unknown_field", "items[0].price",
                 what="visit item")
    expect_error(env.api.post("/api/v1/visits", {"store_id": env.store["id"], "tip": 1},
                              token=env.admin()), 400, "unknown_field", "tip", what="visit")
    expect_error(env.api.post("/api/v1/stores", {"code": "ZZ1", "name": "x", "owner": "y"},
                              token=env.admin()), 400, "unknown_field", "owner", what="store")
    expect_error(env.api.post("/api/v1/dishes", {"name": "x", "category": "meat",
                                                 "price_fen": 1, "spicy": True},
                              token=env.admin()), 400, "unknown_field", "spicy", what="dish")


# ================================================================ phones


@test("phone formats ('138 1234 5678', '+86-138-1234-5678', '8613812345678', '0086 138 1234 5678', full-width) all normalise to +8613812345678")
def t_phone_normalise(env):
    g = env.new_guest(phone="138 1234 5678", name="号码测试")
    eq(g["phone"], "+8613812345678", "stored phone")
    eq(g["phone_masked"], "138****5678", "masked phone")
    formats = ["+86-138-1234-5678", "8613812345678", "0086 138 1234 5678",
               "\uff11\uff13\uff18\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18",
               "(138) 1234-5678", "138.1234.5678", "+86 138 1234 5678", "+8613812345678"]
    for f in formats:
        r = env.api.post(CUST, {"name": "重号", "phone": f}, token=env.admin())
        e = expect_error(r, 409, "duplicate_phone", "phone", what="create with %r" % f)
        eq(e.get("existing_id"), g["id"], "existing_id for %r" % f)
        s = env.search("phone=" + q(f))
        eq([c["id"] for c in s["items"]], [g["id"]], "search ?phone=%r" % f)
    s = env.search("phone_tail=5678")
    ok(g["id"] in [c["id"] for c in s["items"]], "?phone_tail=5678 finds the guest")
    for c in s["items"]:
        ok(c["phone"].endswith("5678"), "tail search result %r ends in 5678" % c["phone"])


@test("bad phones ('12345', '23812345678', '+1 415 555 1234', letters, ...) answer 400 invalid_phone and write nothing")
def t_phone_bad(env):
    m = marker(env, "坏号")
    bad = ["12345", "23812345678", "+1 415 555 1234", "1381234567a", "abcdefghijk",
           "138123456789", "1381234567", "12812345678", "+86 238 1234 5678",
           "+0086 138 1234 5678", "86-138-1234-567", "138/1234/5678", "138_1234_5678",
           "１３８１２３４５６７", "++8613812345678", "0013812345678"]
    for p in bad:
        r = env.api.post(CUST, {"name": m, "phone": p}, token=env.admin())
        expect_error(r, 400, "invalid_phone", "phone", what="create with phone %r" % p)
        r = env.api.get(CUST + "?phone=" + q(p), token=env.admin())
        expect_error(r, 400, "invalid_phone", "phone", what="search ?phone=%r" % p)
    r = env.api.post(CUST, {"name": m, "phone": 13812345678}, token=env.admin())
    expect_error(r, 400, "invalid_type", "phone", what="phone as a number")
    assert_no_guest_named(env, m, "bad phones")


@test("a guest may have no phone; several phoneless guests coexist")
def t_no_phone(env):
    a = env.new_guest(phone=None)
    b = env.new_guest(phone="")
    eq(a["phone"], None, "phone null")
    eq(a["phone_masked"], None, "phone_masked null")
    eq(b["phone"], None, "empty phone stored as null")
    expect_error(env.api.post(CUST, {"gender": "male"}, token=env.admin()), 400,
                 "missing_field", "name", what="no name and no phone")
    expect_error(env.api.post(CUST, {"name": "", "phone": ""}, token=env.admin()), 400,
                 "missing_field", what="empty name and empty phone")


@test("duplicate phone answers 409 duplicate_phone with existing_id, on create and on PATCH")
def t_duplicate_phone(env):
    p = env.phone()
    a = env.new_guest(phone=p)
    m = marker(env, "重号客")
    e = expect_error(env.api.post(CUST, {"name": m, "phone": p}, token=env.admin()), 409,
                     "duplicate_phone", "phone", what="duplicate create")
    eq(e.get("existing_id"), a["id"], "existing_id")
    assert_no_guest_named(env, m, "duplicate phone create")
    b = env.new_guest()
    e = expect_error(env.api.patch(CUST + "/%d" % b["id"], {"version": 1, "phone": p},
                                   token=env.admin()), 409, "duplicate_phone", "phone",
                     what="duplicate PATCH")
    eq(e.get("existing_id"), a["id"], "existing_id on PATCH")
    g = env.guest(b["id"])
    eq(g["version"], 1, "b unchanged")
    eq(g["phone"], b["phone"], "b keeps its phone")
    # setting a guest's own phone again is not a duplicate
    j = expect(env.api.patch(CUST + "/%d" % a["id"], {"version": 1, "phone": p},
                             token=env.admin()), 200, "PATCH own phone")
    eq(j["version"], 2, "version bumped")


# ================================================================ guests


@test("creating a guest with every field round-trips through GET (tags deduplicated, family, consent)")
def t_guest_full(env):
    body = {"name": "王小明", "phone": env.phone(), "gender": "male", "birthday": "1988-07-15",
            "home_store_id": env.store["id"], "source": "member_card",
            "marketing_consent": True, "consent_channel": "wechat",
            "notes": "第一行\n第二行\t缩进", "tags": ["爱吃辣", "VIP", "爱吃辣"],
            "family": [{"relation": "女儿", "name": "王朵朵", "birthday": "06-01"},
                       {"relation": "妻子", "birthday": "1990-02-28"}]}
    r = env.api.post(CUST, body, token=env.tok["manager"])
    j = expect(r, 201, "create guest")
    gid = j["id"]
    ok(isinstance(gid, int) and gid > 0, "id is a positive integer")
    g = env.guest(gid)
    eq(g, j, "GET equals the 201 body")
    eq(g["name"], "王小明", "name")
    eq(g["gender"], "male", "gender")
    eq(g["birthday"], "1988-07-15", "birthday")
    eq(g["home_store_id"], env.store["id"], "home_store_id")
    eq(g["source"], "member_card", "source")
    eq(g["marketing_consent"], True, "marketing_consent")
    eq(g["consent_channel"], "wechat", "consent_channel")
    ok(abs((parse_time(g["consent_at"]) - now_utc()).total_seconds()) < 120, "consent_at is now")
    eq(g["notes"], "第一行\n第二行\t缩进", "notes keep newlines and tabs")
    eq(sorted(g["tags"]), sorted(["爱吃辣", "VIP"]), "tags deduplicated")
    eq(g["family"], [{"relation": "女儿", "name": "王朵朵", "birthday": "06-01"},
                     {"relation": "妻子", "name": "", "birthday": "1990-02-28"}], "family")
    eq(g["version"], 1, "version")
    eq(g["visit_count"], 0, "visit_count")
    eq(g["total_spend_fen"], 0, "total_spend_fen")
    eq(g["first_visit_at"], None, "first_visit_at")
    eq(g["last_visit_at"], None, "last_visit_at")
    parse_time(g["created_at"])
    parse_time(g["updated_at"])
    eq(set(g["spend_by_category_fen"].values()), {0}, "no spend yet")


@test("text limits count characters, not bytes: 40-character Chinese name, 20-character tag, 200-character fact are accepted")
def t_text_limits(env):
    g = env.new_guest(name="长" * NAME_MAX, tags=["签" * TAG_MAX] * 1,
                      notes="注" * NOTES_MAX, family=[{"relation": "亲" * 20, "name": "名" * 40}])
    eq(g["name"], "长" * NAME_MAX, "name")
    eq(g["tags"], ["签" * TAG_MAX], "tag")
    eq(len(g["notes"]), NOTES_MAX, "notes length")
    f = expect(env.api.post(CUST + "/%d/facts" % g["id"], {"kind": "taste", "value": "味" * FACT_MAX},
                            token=env.admin()), 201, "200-character fact")
    eq(f["value"], "味" * FACT_MAX, "fact value")
    g2 = env.new_guest(tags=["t%d" % i for i in range(TAGS_MAX)],
                       family=[{"relation": "子"}] * FAMILY_MAX)
    eq((len(g2["tags"]), len(g2["family"])), (TAGS_MAX, FAMILY_MAX), "32 tags, 12 family members")


@test("guest defaults: gender unknown, source waiter, no consent, empty tags and family")
def t_guest_defaults(env):
    j = expect(env.api.post(CUST, {"name": "默认值"}, token=env.tok["waiter"]), 201, "create")
    eq(j["gender"], "unknown", "gender")
    eq(j["source"], "waiter", "source")
    eq(j["marketing_consent"], False, "consent")
    eq(j["consent_at"], None, "consent_at")
    eq(j["consent_channel"], None, "consent_channel")
    eq(j["tags"], [], "tags")
    eq(j["family"], [], "family")
    eq(j["birthday"], None, "birthday")
    eq(j["home_store_id"], env.store["id"], "home_store_id: the waiter's store")
    eq(j["notes"], None, "notes")
    j = expect(env.api.post(CUST, {"name": "默认值"}, token=env.admin()), 201, "create as admin")
    eq(j["home_store_id"], None, "home_store_id of a guest an admin adds")


@test("birthday accepts MM-DD and YYYY-MM-DD (02-29 without year)")
def t_birthday_ok(env):
    for b in ("05-20", "1990-05-20", "02-29", "2000-02-29", "1900-01-01", "12-31"):
        g = env.new_guest(birthday=b)
        eq(g["birthday"], b, "birthday %r" % b)
    this_year = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=8))).year
    g = env.new_guest(birthday="%d-01-01" % this_year)
    eq(g["birthday"], "%d-01-01" % this_year, "this year is allowed")


@test("invalid birthdays (02-30, 13-01, 1800-01-01, next year, 2001-02-29, bad shapes) answer 400 invalid_birthday")
def t_birthday_bad(env):
    m = marker(env, "生日")
    next_year = datetime.datetime.now(datetime.timezone.utc).year + 1
    bad = ["02-30", "13-01", "00-10", "04-31", "01-00", "1800-01-01", "1899-12-31",
           "%d-01-01" % (next_year + 1), "%d-06-15" % next_year, "2001-02-29", "2024/01/01",
           "5-20", "0520", "05-20-1990", "abcd-05-20", "1990-5-20", "05-2x", "２０００-01-01"]
    for b in bad:
        r = env.api.post(CUST, {"name": m, "birthday": b}, token=env.admin())
        expect_error(r, 400, "invalid_birthday", "birthday", what="birthday %r" % b)
    r = env.api.post(CUST, {"name": m, "family": [{"relation": "子", "birthday": "02-30"}]},
                     token=env.admin())
    expect_error(r, 400, "invalid_birthday", "family[0].birthday", what="family birthday")
    r = env.api.post(CUST, {"name": m, "birthday": 520}, token=env.admin())
    expect_error(r, 400, "invalid_type", "birthday", what="birthday as a number")
    assert_no_guest_named(env, m, "bad birthdays")
    g = env.new_guest(birthday="05-20")
    r = env.api.patch(CUST + "/%d" % g["id"], {"version": 1, "birthday": "13-01"},
                      token=env.admin())
    expect_error(r, 400, "invalid_birthday", "birthday", what="PATCH birthday")
    g2 = env.guest(g["id"])
    eq((g2["birthday"], g2["version"]), ("05-20", 1), "PATCH wrote nothing")


@test("every guest field's bad value answers 400 naming the field, and nothing is written")
def t_guest_field_errors(env):
    m = marker(env, "字段")
    cases = [
        ({"name": 5}, "name"),
        ({"name": "长" * (NAME_MAX + 1)}, "name"),
        ({"name": m + "\n二行"}, "name"),
        ({"gender": "other"}, "gender"),
        ({"gender": 1}, "gender"),
        ({"home_store_id": 0}, "home_store_id"),
        ({"home_store_id": "1"}, "home_store_id"),
        ({"home_store_id": 987654}, "home_store_id"),
        ({"home_store_id": 1.5}, "home_store_id"),
        ({"source": "tiktok"}, "source"),
        ({"source": None}, "source"),
        ({"marketing_consent": "yes"}, "marketing_consent"),
        ({"marketing_consent": True}, "consent_channel"),
        ({"marketing_consent": True, "consent_channel": "carrier_pigeon"}, "consent_channel"),
        ({"consent_channel": "wechat"}, "marketing_consent"),
        ({"notes": 5}, "notes"),
        ({"notes": "长" * (NOTES_MAX + 1)}, "notes"),
        ({"notes": "bell\u0007"}, "notes"),
        ({"tags": "辣"}, "tags"),
        ({"tags": [1]}, "tags[0]"),
        ({"tags": ["ok", ""]}, "tags[1]"),
        ({"tags": ["长" * (TAG_MAX + 1)]}, "tags[0]"),
        ({"tags": ["t%d" % i for i in range(TAGS_MAX + 1)]}, "tags"),
        ({"family": {}}, "family"),
        ({"family": ["女儿"]}, "family[0]"),
        ({"family": [{"name": "无关系"}]}, "family[0].relation"),
        ({"family": [{"relation": ""}]}, "family[0].relation"),
        ({"family": [{"relation": "子", "name": 3}]}, "family[0].name"),
        ({"family": [{"relation": "子"}] * (FAMILY_MAX + 1)}, "family"),
        ({"family": [{"relation": "子"}, {"relation": "女", "birthday": "1800-01-01"}]},
         "family[1].birthday"),
    ]
    for extra, field in cases:
        body = {"name": m, "phone": env.phone()}
        body.update(extra)
        r = env.api.post(CUST, body, token=env.admin())
        expect_error(r, 400, None, field, what="create with %r" % (extra,))
        assert_no_guest_phone(env, body["phone"], "create with %r" % (extra,))
    assert_no_guest_named(env, m, "bad guest fields")
    # the same on PATCH: nothing written, version unchanged
    g = env.new_guest(name=m + "改", tags=["原"], family=[{"relation": "子"}])
    for extra, field in cases:
        body = {"version": 1}
        body.update(extra)
        r = env.api.patch(CUST + "/%d" % g["id"], body, token=env.admin())
        expect_error(r, 400, None, field, what="PATCH with %r" % (extra,))
    g2 = env.guest(g["id"])
    eq(g2, g, "guest unchanged after bad PATCHes")


@test("PATCH changes only the fields sent, bumps the version; a stale version answers 409 version_conflict")
def t_patch(env):
    g = env.new_guest(name="赵六", gender="female", tags=["甲"], notes="原备注",
                      home_store_id=env.store["id"])
    r = env.api.patch(CUST + "/%d" % g["id"], {"version": 1, "name": "赵六六", "tags": ["乙", "丙"]},
                      token=env.tok["waiter"])
    j = expect(r, 200, "PATCH")
    eq(j["version"], 2, "version")
    eq(j["name"], "赵六六", "name")
    eq(sorted(j["tags"]), ["丙", "乙"], "tags replaced")
    eq(j["gender"], "female", "gender kept")
    eq(j["notes"], "原备注", "notes kept")
    eq(j["phone"], None, "waiter sees no full phone in the PATCH answer")
    eq(j["phone_masked"], g["phone_masked"], "phone kept")
    eq(env.guest(g["id"])["version"], 2, "read back version 2")
    r = env.api.patch(CUST + "/%d" % g["id"], {"version": 1, "name": "过期"}, token=env.admin())
    e = expect_error(r, 409, "version_conflict", what="stale version")
    eq(e.get("current_version"), 2, "current_version")
    g3 = env.guest(g["id"])
    eq((g3["name"], g3["version"]), ("赵六六", 2), "stale PATCH wrote nothing")
    expect_error(env.api.patch(CUST + "/%d" % g["id"], {"name": "无版本"}, token=env.admin()),
                 400, "missing_field", "version", what="no version")
    expect_error(env.api.patch(CUST + "/%d" % g["id"], {"version": "2", "name": "x"},
                               token=env.admin()), 400, None, "version", what="version string")
    expect_error(env.api.patch(CUST + "/%d" % g["id"], {"version": 0, "name": "x"},
                               token=env.admin()), 400, None, "version", what="version 0")
    # clearing optional fields with null
    r = env.api.patch(CUST + "/%d" % g["id"], {"version": 2, "notes": None, "gender": None,
                                               "tags": [], "phone": None},
                      token=env.admin())
    j = expect(r, 200, "PATCH clearing")
    eq((j["notes"], j["gender"], j["tags"], j["phone"], j["version"]),
       (None, "unknown", [], None, 3), "cleared fields")
    # consent withdrawn through PATCH
    r = env.api.patch(CUST + "/%d" % g["id"], {"version": 3, "marketing_consent": False,
                                               "consent_channel": "phone"}, token=env.admin())
    j = expect(r, 200, "withdraw consent")
    eq((j["marketing_consent"], j["consent_channel"]), (False, "phone"), "consent withdrawn")
    ok(j["consent_at"] is not None, "withdrawal time recorded")


@test("soft DELETE: the guest then answers 404 everywhere, is not found by search, and the phone is reusable")
def t_delete(env):
    p = env.phone()
    name = marker(env, "删除")
    g = env.new_guest(phone=p, name=name)
    fact = expect(env.api.post(CUST + "/%d/facts" % g["id"], {"kind": "taste", "value": "清淡"},
                               token=env.admin()), 201, "fact")
    j = expect(env.api.delete(CUST + "/%d" % g["id"], token=env.tok["manager"]), 200, "DELETE")
    eq(j, {"id": g["id"], "deleted": True}, "delete body")
    for path in (CUST + "/%d" % g["id"], CUST + "/%d/facts" % g["id"],
                 CUST + "/%d/visits" % g["id"]):
        expect_error(env.api.get(path, token=env.admin()), 404, "not_found", what="GET " + path)
    expect_error(env.api.patch(CUST + "/%d" % g["id"], {"version": 1, "name": "复活"},
                               token=env.admin()), 404, what="PATCH deleted")
    expect_error(env.api.post(CUST + "/%d/facts" % g["id"], {"kind": "taste", "value": "x"},
                              token=env.admin()), 404, what="fact on deleted guest")
    expect_error(env.api.delete(CUST + "/%d" % g["id"], token=env.admin()), 404,
                 what="DELETE twice")
    expect_error(env.api.delete(CUST + "/%d/facts/%d" % (g["id"], fact["id"]),
                                token=env.admin()), 404, what="DELETE a deleted guest's fact")
    eq(env.search("phone=" + p)["items"], [], "phone search after delete")
    eq(env.search("q=" + q(name))["items"], [], "name search after delete")
    eq([c for c in env.search("phone_tail=" + p[-4:])["items"] if c["id"] == g["id"]], [],
       "tail search after delete")
    r = env.api.post("/api/v1/visits", {"store_id": env.store["id"], "customer_id": g["id"]},
                     token=env.admin())
    expect_error(r, 400, None, "customer_id", what="visit for a deleted guest")
    g2 = env.new_guest(phone=p, name=name)
    ne(g2["id"], g["id"], "new guest id")
    eq([c["id"] for c in env.search("phone=" + p)["items"]], [g2["id"]], "phone reused")


# ================================================================ search


@test("search takes at most one of phone, phone_tail, q (none lists, for who may); bad phone_tail, limit and cursor answer 400")
def t_search_params(env):
    expect(env.api.get(CUST + "?limit=2", token=env.admin()), 200, "no filter lists as admin")
    expect_error(env.api.get(CUST, token=env.tok["waiter"]), 403, "forbidden", "q",
                 what="no filter as a waiter")
    expect_error(env.api.get(CUST + "?phone=13812345678&q=" + q("张"), token=env.admin()),
                 400, what="two filters")
    for t in ("123", "12345", "abcd", "", "１２３４", "12a4"):
        expect_error(env.api.get(CUST + "?phone_tail=" + q(t), token=env.admin()), 400, None,
                     "phone_tail", what="phone_tail %r" % t)
    for lim in ("0", "101", "-1", "abc", "", "1.5", "20x", "99999999999999999999"):
        expect_error(env.api.get(CUST + "?q=" + q("张") + "&limit=" + q(lim), token=env.admin()),
                     400, "invalid_limit", "limit", what="limit %r" % lim)
    for cur in ("abc", "0", "-5", "+5", "1x", " 5", "1.0", "99999999999999999999"):
        expect_error(env.api.get(CUST + "?q=" + q("张") + "&cursor=" + q(cur),
                                 token=env.admin()),
                     400, "invalid_cursor", "cursor", what="cursor %r" % cur)
    for lim in ("1", "100"):
        expect(env.api.get(CUST + "?q=" + q("张") + "&limit=" + lim, token=env.admin()), 200,
               "limit %s" % lim)
    expect_error(env.api.get(CUST + "?q=", token=env.admin()), 400, None, "q", what="empty q")
    expect_error(env.api.get(CUST + "?q=" + q("长" * (NAME_MAX + 1)), token=env.admin()), 400,
                 None, "q", what="q too long")


@test("?q= finds Chinese name substrings: one character, two characters, three or more (trigram FTS)")
def t_search_name(env):
    names = ["张伟", "张小明", "欧阳娜娜", "李张三", "诸葛亮亮"]
    ids = {n: env.new_guest(name=n)["id"] for n in names}

    def found(text):
        j = env.search("q=" + q(text) + "&limit=100")
        for c in j["items"]:
            ok(text in c["name"], "result %r for q=%r does not contain it" % (c["name"], text))
        return {c["id"] for c in j["items"]}

    got = found("张")
    for n in ("张伟", "张小明", "李张三"):
        ok(ids[n] in got, "q=张 finds %s" % n)
    ok(ids["欧阳娜娜"] not in got, "q=张 does not find 欧阳娜娜")
    got = found("小明")
    ok(ids["张小明"] in got and ids["张伟"] not in got, "q=小明")
    got = found("阳娜娜")
    ok(ids["欧阳娜娜"] in got, "q=阳娜娜 (3 chars, FTS, middle of the name)")
    got = found("欧阳娜娜")
    ok(ids["欧阳娜娜"] in got, "q=欧阳娜娜 (the whole name)")
    got = found("诸葛亮")
    eq(got & set(ids.values()), {ids["诸葛亮亮"]}, "q=诸葛亮")
    eq(found("不存在的名字"), set(), "no match")
    eq(found('张"伟'), set(), "a quote in q is literal text, not FTS syntax")
    eq(found("张 OR 李"), set(), "FTS operators are literal text")
    # renaming moves the guest between searches (the index follows the name)
    g = env.guest(ids["诸葛亮亮"])
    expect(env.api.patch(CUST + "/%d" % g["id"], {"version": g["version"], "name": "司马懿懿"},
                         token=env.admin()), 200, "rename")
    ok(ids["诸葛亮亮"] not in found("诸葛亮"), "old name no longer found")
    ok(ids["诸葛亮亮"] in found("司马懿"), "new name found")


def walk(env, query, limit):
    ids, pages, cursor = [], 0, None
    while True:
        path = query + "&limit=%d" % limit + ("&cursor=" + q(cursor) if cursor else "")
        j = env.search(path)
        pages += 1
        ok(len(j["items"]) <= limit, "page larger than limit")
        ids += [c["id"] for c in j["items"]]
        cursor = j["next_cursor"]
        if cursor is None:
            break
        ok(isinstance(cursor, str) and cursor, "next_cursor is a non-empty string")
        eq(len(j["items"]), limit, "a page with a next_cursor is full")
        ok(pages < 50, "pagination does not end")
    return ids, pages


@test("cursor pagination walks every match exactly once, in id order (FTS, scan and phone_tail searches)")
def t_search_pages(env):
    base = marker(env, "翻页")
    made = [env.new_guest(name=base + "甲%d" % i)["id"] for i in range(23)]
    ids, pages = walk(env, "q=" + q(base), 5)
    eq(ids, made, "ids over all pages (FTS)")
    eq(pages, 5, "page count")
    ids, pages = walk(env, "q=" + q(base), 23)
    eq((ids, pages), (made, 1), "a page that fits exactly has no next_cursor")
    # two-character names use a scan
    made2 = [env.new_guest(name="彧琰%d" % i)["id"] for i in range(7)]
    ids, pages = walk(env, "q=" + q("彧琰"), 3)
    eq(ids, made2, "ids over all pages (scan)")
    eq(pages, 3, "page count (scan)")
    made3 = [env.new_guest(phone="15%d00004321" % i)["id"] for i in range(6)]
    made3 = sorted(made3)
    ids, pages = walk(env, "phone_tail=4321", 4)
    eq(ids, made3, "ids over all pages (phone_tail)")
    j = env.search("q=" + q(base) + "&limit=100")
    eq(j["next_cursor"], None, "no next_cursor when everything fits")


@test("search by phone finds the guest in any format and nobody else")
def t_search_phone(env):
    g = env.new_guest(phone="139 0000 7777")
    for f in ("13900007777", "+86 139 0000 7777", "0086-139-0000-7777", "8613900007777"):
        eq([c["id"] for c in env.search("phone=" + q(f))["items"]], [g["id"]], "phone %r" % f)
    eq(env.search("phone=13900007778")["items"], [], "another number finds nobody")
    # changing the phone moves the guest between phone and tail searches
    j = expect(env.api.patch(CUST + "/%d" % g["id"], {"version": 1, "phone": "139 0000 8642"},
                             token=env.admin()), 200, "change phone")
    eq(j["phone"], "+8613900008642", "new phone normalised")
    eq(env.search("phone=13900007777")["items"], [], "old phone no longer finds the guest")
    ok(g["id"] not in [c["id"] for c in env.search("phone_tail=7777")["items"]],
       "old tail no longer finds the guest")
    ok(g["id"] in [c["id"] for c in env.search("phone_tail=8642")["items"]], "new tail finds it")
    expect(env.api.patch(CUST + "/%d" % g["id"], {"version": 2, "phone": None},
                         token=env.admin()), 200, "remove phone")
    ok(g["id"] not in [c["id"] for c in env.search("phone_tail=8642")["items"]],
       "a guest without a phone is not found by tail")
    g2 = env.new_guest(phone="13900008642")
    eq([c["id"] for c in env.search("phone=13900008642")["items"]], [g2["id"]],
       "the freed phone can be given to another guest")


# ================================================================ facts


FACT_KINDS = ["allergy", "dislike", "taste", "spice_level", "soup_base", "favorite_dish",
              "special_need", "preference"]


@test("facts: each kind is created with its source; the list puts allergies first")
def t_facts(env):
    g = env.new_guest(home_store_id=env.store["id"])
    path = CUST + "/%d/facts" % g["id"]
    made = {}
    order = ["taste", "favorite_dish", "special_need", "dislike", "spice_level", "soup_base",
             "preference", "allergy"]
    sources = ["member_card", "online_booking", "waiter", "survey", "pos", "import", None,
               "waiter"]
    for kind, src in zip(order, sources):
        body = {"kind": kind, "value": "值-" + kind}
        if src:
            body["source"] = src
        j = expect(env.api.post(path, body, token=env.tok["waiter"]), 201, "fact " + kind)
        eq((j["kind"], j["value"], j["source"], j["customer_id"]),
           (kind, "值-" + kind, src or "waiter", g["id"]), "fact answer")
        eq(j["created_by_name"], "u_waiter", "created_by_name")
        ok(isinstance(j["created_by"], int), "created_by")
        made[kind] = j
    j = expect(env.api.post(path, {"kind": "allergy", "value": "花生"}, token=env.admin()),
               201, "second allergy")
    lst = expect(env.api.get(path, token=env.tok["analyst"]), 200, "list")["items"]
    eq(len(lst), 9, "fact count")
    eq([f["kind"] for f in lst[:2]], ["allergy", "allergy"], "allergies first")
    eq(sorted(f["kind"] for f in lst[2:]), sorted(k for k in FACT_KINDS if k != "allergy"),
       "other kinds follow")
    eq(set(f["kind"] for f in lst), set(FACT_KINDS), "every kind present")
    # the guest record itself carries the allergies, for the door's result list
    c = expect(env.api.get(CUST + "/%d" % g["id"], token=env.tok["waiter"]), 200, "guest")
    eq(c["allergies"], ["值-allergy", "花生"], "allergies on the guest record")
    found = expect(env.api.get(CUST + "?phone=" + g["phone"], token=env.tok["waiter"]),
                   200, "phone search")["items"]
    eq([x["id"] for x in found], [g["id"]], "guest found by phone")
    eq(found[0]["allergies"], ["值-allergy", "花生"], "allergies in search results")


@test("fact bad input answers 400 naming the field (kind, value, source) and writes nothing")
def t_fact_errors(env):
    g = env.new_guest()
    path = CUST + "/%d/facts" % g["id"]
    cases = [({"value": "x"}, "kind"), ({"kind": "mood", "value": "x"}, "kind"),
             ({"kind": 1, "value": "x"}, "kind"), ({"kind": "taste"}, "value"),
             ({"kind": "taste", "value": ""}, "value"),
             ({"kind": "taste", "value": "长" * (FACT_MAX + 1)}, "value"),
             ({"kind": "taste", "value": "a\nb"}, "value"),
             ({"kind": "taste", "value": "x", "source": "rumour"}, "source"),
             ({"kind": "taste", "value": "x", "note": "y"}, "note")]
    for body, field in cases:
        expect_error(env.api.post(path, body, token=env.admin()), 400, None, field,
                     what="fact %r" % (body,))
    eq(expect(env.api.get(path, token=env.admin()), 200, "list")["items"], [], "no fact written")


@test("deleting a fact removes it; a wrong guest or unknown fact answers 404 and keeps it")
def t_fact_delete(env):
    a = env.new_guest(home_store_id=env.store["id"])
    b = env.new_guest()
    pa = CUST + "/%d/facts" % a["id"]
    f1 = expect(env.api.post(pa, {"kind": "allergy", "value": "虾"}, token=env.admin()), 201, "f1")
    f2 = expect(env.api.post(pa, {"kind": "taste", "value": "甜"}, token=env.admin()), 201, "f2")
    expect_error(env.api.delete(CUST + "/%d/facts/%d" % (b["id"], f1["id"]), token=env.admin()),
                 404, what="fact through another guest")
    expect_error(env.api.delete(CUST + "/987654/facts/%d" % f1["id"], token=env.admin()),
                 404, what="fact through an unknown guest")
    expect_error(env.api.delete(pa + "/987654", token=env.admin()), 404, what="unknown fact")
    eq(len(expect(env.api.get(pa, token=env.admin()), 200, "list")["items"]), 2, "both kept")
    j = expect(env.api.delete(pa + "/%d" % f1["id"], token=env.tok["waiter"]), 200, "delete")
    eq(j, {"id": f1["id"], "deleted": True}, "delete body")
    lst = expect(env.api.get(pa, token=env.admin()), 200, "list")["items"]
    eq([f["id"] for f in lst], [f2["id"]], "only f2 left")
    expect_error(env.api.delete(pa + "/%d" % f1["id"], token=env.admin()), 404,
                 what="delete twice")


# ================================================================ stores and dishes


@test("stores: create, list; bad code/name/timezone answer 400 naming the field; duplicate code 409")
def t_stores(env):
    def count():
        return len(expect(env.api.get("/api/v1/stores", token=env.tok["support"]), 200,
                          "stores")["items"])
    n = count()
    cases = [({"name": "x"}, "code"), ({"code": "gz01", "name": "x"}, "code"),
             ({"code": "GZ 01", "name": "x"}, "code"), ({"code": "G" * 17, "name": "x"}, "code"),
             ({"code": "", "name": "x"}, "code"), ({"code": "GZ01"}, "name"),
             ({"code": "GZ01", "name": ""}, "name"), ({"code": "GZ01", "name": 1}, "name"),
             ({"code": "GZ01", "name": "x", "timezone": "Mars/Base"}, "timezone"),
             ({"code": "GZ01", "name": "x", "city": "长" * 41}, "city"),
             ({"code": "GZ01", "name": "x", "region": 5}, "region")]
    for body, field in cases:
        expect_error(env.api.post("/api/v1/stores", body, token=env.admin()), 400, None, field,
                     what="store %r" % (body,))
    eq(count(), n, "no store written")
    j = expect(env.api.post("/api/v1/stores", {"code": "GZ01", "name": "广州天河店",
                                               "city": "广州"}, token=env.admin()), 201, "store")
    eq((j["code"], j["name"], j["city"], j["timezone"]), ("GZ01", "广州天河店", "广州",
                                                          "Asia/Shanghai"), "store answer")
    expect_error(env.api.post("/api/v1/stores", {"code": "GZ01", "name": "另一家"},
                              token=env.admin()), 409, "duplicate_code", "code", what="dup code")
    lst = expect(env.api.get("/api/v1/stores", token=env.tok["waiter"]), 200, "list")["items"]
    eq(len(lst), n + 1, "one store added")
    ok(j in lst, "the new store is listed")


@test("dishes: create, list, ?active filter, PATCH; bad fields answer 400 naming the field")
def t_dishes(env):
    def all_dishes(extra=""):
        return expect(env.api.get("/api/v1/dishes" + extra, token=env.tok["waiter"]), 200,
                      "dishes")["items"]
    n = len(all_dishes())
    cases = [({"category": "meat", "price_fen": 1}, "name"),
             ({"name": "", "category": "meat", "price_fen": 1}, "name"),
             ({"name": "长" * 41, "category": "meat", "price_fen": 1}, "name"),
             ({"name": "菜", "price_fen": 1}, "category"),
             ({"name": "菜", "category": "candy", "price_fen": 1}, "category"),
             ({"name": "菜", "category": "meat"}, "price_fen"),
             ({"name": "菜", "category": "meat", "price_fen": -1}, "price_fen"),
             ({"name": "菜", "category": "meat", "price_fen": "100"}, "price_fen"),
             ({"name": "菜", "category": "meat", "price_fen": 12.5}, "price_fen"),
             ({"name": "菜", "category": "meat", "price_fen": 10000001}, "price_fen"),
             ({"name": "菜", "category": "meat", "price_fen": 1, "active": "yes"}, "active")]
    for body, field in cases:
        expect_error(env.api.post("/api/v1/dishes", body, token=env.tok["manager"]), 400, None,
                     field, what="dish %r" % (body,))
    eq(len(all_dishes()), n, "no dish written")
    d = expect(env.api.post("/api/v1/dishes", {"name": "酸梅汤", "category": "drink",
                                               "price_fen": 800}, token=env.tok["manager"]),
               201, "dish")
    eq((d["name"], d["category"], d["price_fen"], d["active"]), ("酸梅汤", "drink", 800, True),
       "dish answer")
    expect_error(env.api.post("/api/v1/dishes", {"name": "酸梅汤", "category": "drink",
                                                 "price_fen": 1}, token=env.admin()), 409,
                 what="duplicate dish name")
    j = expect(env.api.patch("/api/v1/dishes/%d" % d["id"], {"price_fen": 900, "active": False},
                             token=env.tok["manager"]), 200, "PATCH dish")
    eq((j["name"], j["price_fen"], j["active"]), ("酸梅汤", 900, False), "patched dish")
    ok(d["id"] not in [x["id"] for x in all_dishes("?active=true")], "inactive dish filtered")
    ok(d["id"] in [x["id"] for x in all_dishes("?active=false")], "active=false lists all")
    expect_error(env.api.get("/api/v1/dishes?active=maybe", token=env.admin()), 400, None,
                 "active", what="?active=maybe")
    expect_error(env.api.patch("/api/v1/dishes/%d" % d["id"], {"price_fen": -5},
                               token=env.admin()), 400, None, "price_fen", what="PATCH bad price")
    eq([x for x in all_dishes() if x["id"] == d["id"]][0]["price_fen"], 900,
       "bad PATCH wrote nothing")


# ================================================================ visits


DROP = object()


def post_visit(env, body, status=201, token=None):
    r = env.api.post("/api/v1/visits", body, token=token or env.admin())
    return expect(r, status, "visit %r" % (body,))


@test("a visit's amount defaults to the sum of its items (dish price or explicit unit price); aggregates follow")
def t_visit_amount(env):
    g = env.new_guest()
    meat, sea, veg = env.dishes["meat"], env.dishes["seafood"], env.dishes["vegetable"]
    v = post_visit(env, {"customer_id": g["id"], "store_id": env.store["id"], "party_size": 3,
                         "items": [{"dish_id": meat["id"], "qty": 2},
                                   {"dish_id": sea["id"], "qty": 1, "unit_price_fen": 100},
                                   {"dish_id": veg["id"]}]}, token=env.tok["waiter"])
    want = 2 * meat["price_fen"] + 100 + veg["price_fen"]
    eq(v["amount_fen"], want, "amount_fen = sum of items")
    eq(v["items"], [{"dish_id": meat["id"], "qty": 2, "unit_price_fen": meat["price_fen"]},
                    {"dish_id": sea["id"], "qty": 1, "unit_price_fen": 100},
                    {"dish_id": veg["id"], "qty": 1, "unit_price_fen": veg["price_fen"]}],
       "items priced")
    eq((v["customer_id"], v["store_id"], v["party_size"], v["channel"], v["pos_order_id"]),
       (g["id"], env.store["id"], 3, "dine_in", None), "visit fields and defaults")
    ok(abs((parse_time(v["visited_at"]) - now_utc()).total_seconds()) < 120,
       "visited_at defaults to now")
    c = env.guest(g["id"])
    eq((c["visit_count"], c["total_spend_fen"]), (1, want), "aggregates")
    eq(c["spend_by_category_fen"]["meat"], 2 * meat["price_fen"], "meat spend")
    eq(c["spend_by_category_fen"]["seafood"], 100, "seafood spend")
    eq(c["spend_by_category_fen"]["vegetable"], veg["price_fen"], "vegetable spend")
    v2 = post_visit(env, {"customer_id": g["id"], "store_id": env.store["id"],
                          "amount_fen": 12345, "channel": "takeout",
                          "items": [{"dish_id": meat["id"]}]})
    eq((v2["amount_fen"], v2["channel"]), (12345, "takeout"), "explicit amount wins")
    v3 = post_visit(env, {"customer_id": g["id"], "store_id": env.store2["id"],
                          "channel": "delivery"})
    eq(v3["amount_fen"], 0, "no items, no amount: 0")
    c = env.guest(g["id"])
    eq((c["visit_count"], c["total_spend_fen"]), (3, want + 12345), "aggregates after 3 visits")
    anon = post_visit(env, {"store_id": env.store["id"], "amount_fen": 500})
    eq(anon["customer_id"], None, "a visit without a guest is allowed")


@test("every visit field's bad value answers 400 naming the field, and nothing is written")
def t_visit_errors(env):
    g = env.new_guest()
    post_visit(env, {"customer_id": g["id"], "store_id": env.store["id"], "amount_fen": 1000})
    before = env.guest(g["id"])
    s = env.store["id"]
    meat = env.dishes["meat"]["id"]
    future = rfc3339(now_utc() + datetime.timedelta(hours=2))
    cases = [
        ({"store_id": DROP}, "store_id"),
        ({"store_id": 987654}, "store_id"),
        ({"store_id": 0}, "store_id"),
        ({"store_id": "1"}, "store_id"),
        ({"customer_id": 987654}, "customer_id"),
        ({"customer_id": 0}, "customer_id"),
        ({"customer_id": "x"}, "customer_id"),
        ({"visited_at": "2024-03-05T18:30:00"}, "visited_at"),
        ({"visited_at": "2024-03-05"}, "visited_at"),
        ({"visited_at": "2024-03-05T18:30:00+0800"}, "visited_at"),
        ({"visited_at": "2024-02-30T18:30:00+08:00"}, "visited_at"),
        ({"visited_at": "2024-03-05T25:30:00+08:00"}, "visited_at"),
        ({"visited_at": "yesterday"}, "visited_at"),
        ({"visited_at": 1709634600}, "visited_at"),
        ({"visited_at": future}, "visited_at"),
        ({"party_size": 0}, "party_size"),
        ({"party_size": 501}, "party_size"),
        ({"party_size": "2"}, "party_size"),
        ({"amount_fen": -1}, "amount_fen"),
        ({"amount_fen": 100000001}, "amount_fen"),
        ({"amount_fen": 10.5}, "amount_fen"),
        ({"channel": "drive_thru"}, "channel"),
        ({"channel": 1}, "channel"),
        ({"pos_order_id": "has space"}, "pos_order_id"),
        ({"pos_order_id": ""}, "pos_order_id"),
        ({"pos_order_id": "单号1"}, "pos_order_id"),
        ({"pos_order_id": "x" * 65}, "pos_order_id"),
        ({"items": {}}, "items"),
        ({"items": [1]}, "items[0]"),
        ({"items": [{"qty": 1}]}, "items[0].dish_id"),
        ({"items": [{"dish_id": 987654}]}, "items[0].dish_id"),
        ({"items": [{"dish_id": meat}, {"dish_id": 987654}]}, "items[1].dish_id"),
        ({"items": [{"dish_id": meat, "qty": 0}]}, "items[0].qty"),
        ({"items": [{"dish_id": meat, "qty": 1000}]}, "items[0].qty"),
        ({"items": [{"dish_id": meat, "unit_price_fen": -1}]}, "items[0].unit_price_fen"),
        ({"items": [{"dish_id": "1"}]}, "items[0].dish_id"),
        ({"items": [{"dish_id": meat}] * 201}, "items"),
        ({"items": [{"dish_id": meat, "qty": 999, "unit_price_fen": 10000000}] * 20},
         "amount_fen"),
    ]
    for extra, field in cases:
        body = {"customer_id": g["id"], "store_id": s, "pos_order_id": "ERR-%d" % env.seq()}
        body.update(extra)
        body = {k: v for k, v in body.items() if v is not DROP}
        r = env.api.post("/api/v1/visits", body, token=env.admin())
        expect_error(r, 400, None, field, what="visit with %r" % (
            {k: (v if len(str(v)) < 80 else str(v)[:60] + "...") for k, v in extra.items()},))
    after = env.guest(g["id"])
    eq((after["visit_count"], after["total_spend_fen"], after["last_visit_at"]),
       (before["visit_count"], before["total_spend_fen"], before["last_visit_at"]),
       "aggregates unchanged")
    lst = expect(env.api.get(CUST + "/%d/visits" % g["id"], token=env.admin()), 200, "visits")
    eq(len(lst["items"]), 1, "no visit written")


@test("visited_at takes any RFC 3339 offset (Z, +08:00, -05:00, fractions) and reads back as the same instant")
def t_visit_time_formats(env):
    g = env.new_guest()
    base = now_utc().replace(microsecond=0) - datetime.timedelta(days=3)
    for s in (base.strftime("%Y-%m-%dT%H:%M:%SZ"),
              rfc3339(base),
              base.astimezone(datetime.timezone(datetime.timedelta(hours=-5))).isoformat(),
              base.strftime("%Y-%m-%dT%H:%M:%S.250Z"),
              rfc3339(base).replace("T", " ")):
        v = post_visit(env, {"customer_id": g["id"], "store_id": env.store["id"],
                             "visited_at": s})
        eq(parse_time(v["visited_at"]), base, "visited_at %r" % s)
    recent = rfc3339(now_utc() + datetime.timedelta(seconds=60))
    post_visit(env, {"customer_id": g["id"], "store_id": env.store["id"], "visited_at": recent})


@test("replaying a visit (same store + pos_order_id) answers 200 with the first visit; aggregates unchanged")
def t_visit_replay(env):
    g = env.new_guest()
    meat = env.dishes["meat"]
    body = {"customer_id": g["id"], "store_id": env.store["id"], "pos_order_id": "POS-0001",
            "party_size": 2, "items": [{"dish_id": meat["id"], "qty": 3}]}
    v1 = post_visit(env, body, 201)
    c1 = env.guest(g["id"])
    eq((c1["visit_count"], c1["total_spend_fen"]), (1, 3 * meat["price_fen"]), "first visit")
    v2 = post_visit(env, body, 200)
    eq(v2, v1, "replay returns the first visit")
    changed = dict(body, amount_fen=1, party_size=9, items=[])
    v3 = post_visit(env, changed, 200, token=env.tok["waiter"])
    eq(v3, v1, "a replay with other values still returns the first visit")
    c2 = env.guest(g["id"])
    eq((c2["visit_count"], c2["total_spend_fen"], c2["last_visit_at"], c2["version"]),
       (c1["visit_count"], c1["total_spend_fen"], c1["last_visit_at"], c1["version"]),
       "aggregates unchanged by replays")
    lst = expect(env.api.get(CUST + "/%d/visits" % g["id"], token=env.admin()), 200, "list")
    eq([v["id"] for v in lst["items"]], [v1["id"]], "one visit stored")
    v4 = post_visit(env, dict(body, store_id=env.store2["id"]), 201)
    ne(v4["id"], v1["id"], "same pos_order_id at another store is a new visit")
    eq(env.guest(g["id"])["visit_count"], 2, "visit_count after the other store's visit")


@test("guest aggregates (visit_count, total_spend_fen, first/last visit) are right with back-dated visits")
def t_visit_aggregates(env):
    g = env.new_guest()
    now = now_utc().replace(microsecond=0)
    plan = [(10, 1000), (30, 2000), (1, 3000), (200, 4000), (5, 500)]
    for days, amount in plan:
        post_visit(env, {"customer_id": g["id"], "store_id": env.store["id"],
                         "visited_at": rfc3339(now - datetime.timedelta(days=days)),
                         "amount_fen": amount})
    c = env.guest(g["id"])
    eq(c["visit_count"], 5, "visit_count")
    eq(c["total_spend_fen"], sum(a for _, a in plan), "total_spend_fen")
    eq(parse_time(c["first_visit_at"]), now - datetime.timedelta(days=200), "first_visit_at")
    eq(parse_time(c["last_visit_at"]), now - datetime.timedelta(days=1), "last_visit_at")
    eq(c["version"], 1, "visits do not bump the profile version")


@test("a guest's visit list is newest first (by visited_at) and pages with next_cursor without gaps or repeats")
def t_visit_list(env):
    g = env.new_guest()
    other = env.new_guest()
    now = now_utc().replace(microsecond=0)
    offsets = [3, 9, 1, 7, 5, 2, 8, 4, 6]
    made = {}
    for d in offsets:
        v = post_visit(env, {"customer_id": g["id"], "store_id": env.store["id"],
                             "visited_at": rfc3339(now - datetime.timedelta(days=d)),
                             "amount_fen": d})
        made[d] = v["id"]
    same_time = rfc3339(now - datetime.timedelta(days=5))
    tie = post_visit(env, {"customer_id": g["id"], "store_id": env.store["id"],
                           "visited_at": same_time, "amount_fen": 55})
    post_visit(env, {"customer_id": other["id"], "store_id": env.store["id"]})
    j = expect(env.api.get(CUST + "/%d/visits?limit=100" % g["id"], token=env.tok["analyst"]),
               200, "list")
    times = [parse_time(v["visited_at"]) for v in j["items"]]
    eq(times, sorted(times, reverse=True), "newest first")
    eq(len(j["items"]), 10, "all visits of this guest only")
    eq(j["next_cursor"], None, "no next page")
    full = [v["id"] for v in j["items"]]
    eq(full[0], made[1], "the newest visit first")
    ok(full.index(tie["id"]) < full.index(made[5]), "equal times: higher id first")
    ids, cursor, pages = [], None, 0
    while True:
        path = CUST + "/%d/visits?limit=3" % g["id"] + ("&cursor=" + cursor if cursor else "")
        p = expect(env.api.get(path, token=env.admin()), 200, "page")
        ids += [v["id"] for v in p["items"]]
        cursor = p["next_cursor"]
        pages += 1
        if not cursor or pages > 10:
            break
    eq(ids, full, "pages walk the whole list in order")
    eq(pages, 4, "page count")
    expect_error(env.api.get(CUST + "/%d/visits?limit=0" % g["id"], token=env.admin()), 400,
                 "invalid_limit", "limit", what="limit 0")
    expect_error(env.api.get(CUST + "/%d/visits?cursor=x" % g["id"], token=env.admin()), 400,
                 "invalid_cursor", "cursor", what="cursor x")


# ================================================================ concurrency


def in_parallel(n, fn):
    """Run fn(i) in n threads released together; return the results in order."""
    barrier = threading.Barrier(n)
    out = [None] * n

    def run(i):
        try:
            barrier.wait(timeout=10)
            out[i] = fn(i)
        except Exception as e:  # noqa: BLE001 - reported through the result
            out[i] = e
    ts = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(30)
    for r in out:
        if isinstance(r, Exception):
            raise r
    return out


@test("concurrent posts of one store + pos_order_id record one visit: one 201, the rest 200 with its id")
def t_concurrent_replay(env):
    g = env.new_guest()
    body = {"customer_id": g["id"], "store_id": env.store["id"], "pos_order_id": "RACE-1",
            "amount_fen": 777}
    res = in_parallel(8, lambda i: env.api.post("/api/v1/visits", body, token=env.admin()))
    eq(sorted(r.status for r in res), [200] * 7 + [201], "statuses")
    eq(len({r.json["id"] for r in res}), 1, "every answer names the same visit")
    c = env.guest(g["id"])
    eq((c["visit_count"], c["total_spend_fen"]), (1, 777), "aggregates count it once")


@test("concurrent PATCHes with the same version: exactly one wins, the others answer 409 version_conflict")
def t_concurrent_patch(env):
    g = env.new_guest()
    res = in_parallel(6, lambda i: env.api.patch(CUST + "/%d" % g["id"],
                                                 {"version": 1, "notes": "写者%d" % i},
                                                 token=env.admin()))
    eq(sorted(r.status for r in res), [200] + [409] * 5, "statuses")
    for r in res:
        if r.status == 409:
            eq(r.json["error"]["code"], "version_conflict", "conflict code")
    winner = [r.json for r in res if r.status == 200][0]
    c = env.guest(g["id"])
    eq((c["version"], c["notes"]), (2, winner["notes"]), "the winner's write is the one stored")


@test("concurrent creates with one phone: exactly one 201, the others 409 duplicate_phone naming it")
def t_concurrent_phone(env):
    p = env.phone()
    res = in_parallel(6, lambda i: env.api.post(CUST, {"name": "抢号%d" % i, "phone": p},
                                                token=env.admin()))
    eq(sorted(r.status for r in res), [201] + [409] * 5, "statuses")
    gid = [r.json["id"] for r in res if r.status == 201][0]
    for r in res:
        if r.status == 409:
            eq((r.json["error"]["code"], r.json["error"].get("existing_id")),
               ("duplicate_phone", gid), "conflict names the winner")
    eq([c["id"] for c in env.search("phone=" + p)["items"]], [gid], "one guest has the phone")


# ================================================================ keep-alive, OpenAPI


@test("keep-alive: several requests on one HTTPConnection are answered on the same socket")
def t_keepalive(env):
    c = env.api.connection()
    try:
        r = env.api.request("GET", "/healthz", conn=c)
        eq(r.status, 200, "first request")
        sock = c.sock
        ok(sock is not None, "connection still open after the first response")
        port = sock.getsockname()[1]
        r = env.api.request("GET", "/api/v1/auth/me", token=env.admin(), conn=c)
        eq(r.status, 200, "second request")
        ok(c.sock is sock, "second request reused the socket")
        r = env.api.request("POST", CUST, body={"name": "长连接"}, token=env.admin(), conn=c)
        eq(r.status, 201, "POST on the same connection")
        ok(c.sock is sock, "POST reused the socket")
        r = env.api.request("GET", "/api/v1/nope", token=env.admin(), conn=c)
        eq(r.status, 404, "404 on the same connection")
        ok(c.sock is sock, "an error answer keeps the connection")
        r = env.api.request("GET", "/api/v1/stores", token=env.admin(), conn=c)
        eq(r.status, 200, "after the error")
        ok(c.sock is sock and sock.getsockname()[1] == port, "same socket and local port")
    finally:
        c.close()


def norm_path(p):
    return re.sub(r"\{[^}]*\}", "{}", p)


@test("GET /api/v1/openapi.json is JSON describing every route of `laoke routes --json` (path and method)")
def t_openapi(env):
    r = env.api.get("/api/v1/openapi.json")
    j = expect(r, 200, "openapi.json")
    ok(isinstance(j, dict), "openapi.json parses as a JSON object")
    ok(str(j.get("openapi", "")).startswith("3."), "has an 'openapi' 3.x version")
    paths = {norm_path(k): v for k, v in (j.get("paths") or {}).items()}
    missing = []
    for rt in env.routes:
        item = paths.get(norm_path(rt["path"]))
        if not isinstance(item, dict) or rt["method"].lower() not in item:
            missing.append("%s %s" % (rt["method"], rt["path"]))
    eq(missing, [], "routes missing from openapi.json")


@test("`laoke routes --json` lists every route with method, path, roles and body flag")
def t_routes_cli(env):
    ok(len(env.routes) >= 18, "at least 18 routes: %d" % len(env.routes))
    for rt in env.routes:
        ok(rt["method"] in ("GET", "POST", "PATCH", "DELETE", "PUT"), "method %r" % rt)
        ok(rt["path"].startswith("/api/v1/"), "path %r" % rt)
        ok(rt["roles"] == "public" or set(rt["roles"].split(",")) <= set(ROLES), "roles %r" % rt)
    eq(sorted(rt["path"] for rt in env.routes if rt["roles"] == "public"),
       ["/api/v1/auth/login", "/api/v1/public/feedback", "/api/v1/public/feedback-form",
        "/api/v1/public/survey", "/api/v1/public/survey"],
       "public: the login and the guests' forms (issue 7), all under /api/v1/public but the login")
