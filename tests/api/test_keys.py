"""
test_keys.py - API keys for integrations (POS, booking, gateway callbacks):
creating them (token shown once), their scopes and store binding, support's
limits, bad bodies, revocation, last-used time and the audit log.
"""

import re
import sqlite3
import time
import urllib.parse

from harness import PASSWORD, add_user, eq, expect, expect_error, ok, q, test

KEYS = "/api/v1/keys"
TOKEN_RE = re.compile(r"^lkk_[A-Za-z0-9_-]{43}$")
KEY_FIELDS = {"id", "name", "prefix", "scopes", "store_id", "created_by", "created_at",
              "last_used_at", "revoked_at"}


def create_key(env, scopes, token=None, name=None, store_id=None, status=201):
    body = {"name": name or "集成%d" % env.seq(), "scopes": scopes}
    if store_id is not None:
        body["store_id"] = store_id
    j = expect(env.api.post(KEYS, body, token=token or env.admin()), status,
               "create key %r" % (body,))
    return j["key"], j["token"]


def all_keys(env):
    return expect(env.api.get(KEYS, token=env.admin()), 200, "list keys")["items"]


def db(env):
    """The test database, read-only (the server keeps writing it)."""
    uri = "file:%s?mode=ro" % urllib.parse.quote(env.db_path)
    return sqlite3.connect(uri, uri=True, timeout=10)


def db_rows(env, sql, args=()):
    c = db(env)
    try:
        return c.execute(sql, args).fetchall()
    finally:
        c.close()


def visit_body(env, store):
    return {"store_id": store["id"], "amount_fen": 8800, "party_size": 2,
            "pos_order_id": "KEYTEST-%d" % env.seq()}


@test("API keys: admin creates a key; the token (lkk_ + 43 base64url) is shown once and never in GET list or GET one")
def t_key_create(env):
    k, tok = create_key(env, ["visits:write", "catalog:read"], name="收银机 POS-1",
                        store_id=env.store["id"])
    ok(TOKEN_RE.match(tok), "token format: %r" % tok)
    eq(set(k), KEY_FIELDS, "key object fields")
    eq(k["name"], "收银机 POS-1", "name")
    eq(k["prefix"], tok[:12], "prefix is the token's first 12 characters")
    eq(k["scopes"], ["visits:write", "catalog:read"], "scopes, in the order given")
    eq(k["store_id"], env.store["id"], "store_id")
    eq(k["created_by"], env.users["admin"], "created_by")
    ok(isinstance(k["created_at"], str), "created_at is a time")
    eq((k["last_used_at"], k["revoked_at"]), (None, None), "never used, not revoked")
    for path in (KEYS, KEYS + "/%d" % k["id"]):
        r = env.api.get(path, token=env.admin())
        expect(r, 200, "GET " + path)
        ok(tok not in r.text() and tok[12:] not in r.text(),
           "GET %s does not show the token" % path)
        ok("token" not in r.text(), "GET %s has no token or token_hash field" % path)
    one = expect(env.api.get(KEYS + "/%d" % k["id"], token=env.admin()), 200, "GET one")
    eq(one, k, "GET one is the key as created")
    lst = all_keys(env)
    eq(lst[0]["id"], k["id"], "the list is newest first")
    ok(all(set(x) == KEY_FIELDS for x in lst), "every listed key has the key fields only")
    k2, tok2 = create_key(env, ["catalog:read"])
    ok(tok2 != tok, "each key gets its own token")
    eq(k2["store_id"], None, "no store_id: every store")
    expect(env.api.get("/api/v1/stores", token=tok2), 200, "a catalog:read key lists stores")
    expect(env.api.get("/api/v1/dishes", token=tok2), 200, "a catalog:read key lists dishes")
    row = db_rows(env, "SELECT token_hash, prefix FROM api_keys WHERE id = ?", (k["id"],))[0]
    eq(len(row[0]), 32, "only a 32-byte hash is stored")
    ok(tok.encode() not in row[0], "the stored hash is not the token")


@test("API keys: support creates catalog:read/visits:write keys but may not grant customers:read or customers:write (403 naming scopes[i])")
def t_key_support(env):
    k, tok = create_key(env, ["visits:write", "catalog:read"], token=env.tok["support"],
                        store_id=env.store["id"])
    eq(k["created_by"], env.users["support"], "created_by is the support user")
    ok(TOKEN_RE.match(tok), "token format")
    expect(env.api.get(KEYS, token=env.tok["support"]), 200, "support lists keys")
    expect(env.api.get(KEYS + "/%d" % k["id"], token=env.tok["support"]), 200,
           "support reads a key")
    n = len(all_keys(env))
    for scopes, field in ((["customers:read"], "scopes[0]"),
                          (["visits:write", "customers:read"], "scopes[1]"),
                          (["catalog:read", "customers:write"], "scopes[1]")):
        r = env.api.post(KEYS, {"name": "支持", "scopes": scopes}, token=env.tok["support"])
        expect_error(r, 403, "forbidden", field, what="support grants %r" % scopes)
    eq(len(all_keys(env)), n, "no key created by the refused requests")
    ka, _ = create_key(env, ["customers:read", "customers:write"])
    eq(ka["scopes"], ["customers:read", "customers:write"], "admin may grant guest scopes")
    r = expect(env.api.post(KEYS + "/%d/revoke" % k["id"], token=env.tok["support"]), 200,
               "support revokes a key")
    ok(r["revoked_at"], "revoked_at set")


@test("API keys: a store-bound support account creates keys only for its own store (403 out_of_scope otherwise)")
def t_key_support_scoped(env):
    name = "u_support_bj%d" % env.seq()
    add_user(env.laoke, env.db_url, name, "support", PASSWORD, store="BJ01")
    t = env.login(name)
    n = len(all_keys(env))
    expect_error(env.api.post(KEYS, {"name": "k", "scopes": ["visits:write"]}, token=t), 403,
                 "out_of_scope", "store_id", what="store-bound support, key for every store")
    expect_error(env.api.post(KEYS, {"name": "k", "scopes": ["visits:write"],
                                     "store_id": env.store2["id"]}, token=t), 403,
                 "out_of_scope", "store_id", what="store-bound support, key for another store")
    eq(len(all_keys(env)), n, "no key created")
    k, _ = create_key(env, ["visits:write"], token=t, store_id=env.store["id"])
    eq((k["store_id"], k["created_by"]), (env.store["id"], name), "a key for its own store")


@test("API keys: a visits:write key bound to a store records visits there (201), not at another store, and gets 403 on guest search and exports")
def t_key_visits_scope(env):
    _, tok = create_key(env, ["visits:write"], store_id=env.store["id"])
    v = expect(env.api.post("/api/v1/visits", visit_body(env, env.store), token=tok), 201,
               "visit at the key's store")
    eq(v["store_id"], env.store["id"], "visit store")
    # (the store check itself is visits.c's: api_store_in_scope)
    other = visit_body(env, env.store2)
    expect_error(env.api.post("/api/v1/visits", other, token=tok), 403, "out_of_scope",
                 "store_id", what="visit at another store than the key's")
    eq(db_rows(env, "SELECT count(*) FROM visits WHERE pos_order_id = ?",
               (other["pos_order_id"],))[0][0], 0, "no visit written at the other store")
    expect_error(env.api.get("/api/v1/customers?q=" + q("客人"), token=tok), 403, "forbidden",
                 what="visits:write key searches guests")
    expect_error(env.api.get("/api/v1/customers?phone=13700000000", token=tok), 403,
                 "forbidden", what="visits:write key looks up a phone")
    expect_error(env.api.get("/api/v1/exports/guests", token=tok), 403, "forbidden",
                 what="visits:write key exports guests")
    expect_error(env.api.get("/api/v1/exports/visits", token=tok), 403, "forbidden",
                 what="visits:write key exports visits")
    expect_error(env.api.get("/api/v1/stores", token=tok), 403, "forbidden",
                 what="visits:write key without catalog:read lists stores")
    expect_error(env.api.get("/api/v1/auth/me", token=tok), 403, "forbidden",
                 what="a key has no session")


@test("API keys: a customers:read key finds a guest by phone and sees the phone masked (phone null, phone_masked)")
def t_key_customers_read(env):
    phone = env.phone()
    masked = phone[:3] + "****" + phone[-4:]
    g = env.new_guest(phone=phone, home_store_id=env.store["id"])
    _, tok = create_key(env, ["customers:read"], store_id=env.store["id"])
    j = expect(env.api.get("/api/v1/customers?phone=" + phone, token=tok), 200,
               "customers:read key searches by phone")
    eq([c["id"] for c in j["items"]], [g["id"]], "the guest is found")
    eq(j["items"][0]["phone"], None, "no full phone for a key")
    eq(j["items"][0]["phone_masked"], masked, "masked phone")
    c = expect(env.api.get("/api/v1/customers/%d" % g["id"], token=tok), 200, "open the card")
    eq((c["phone"], c["phone_masked"]), (None, masked), "card phone masked")
    expect_error(env.api.post("/api/v1/customers", {"name": "不许"}, token=tok), 403,
                 "forbidden", what="customers:read key creates a guest")
    expect_error(env.api.post("/api/v1/visits", visit_body(env, env.store), token=tok), 403,
                 "forbidden", what="customers:read key records a visit")
    expect_error(env.api.get("/api/v1/exports/guests", token=tok), 403, "forbidden",
                 what="customers:read key exports guests")


@test("API keys: manager, analyst and waiter get 403 on every key route; a key may not manage keys")
def t_key_roles(env):
    k, tok = create_key(env, ["catalog:read", "visits:write"])
    n = len(all_keys(env))
    body = {"name": "不许", "scopes": ["catalog:read"]}
    for role in ("manager", "analyst", "waiter"):
        t = env.tok[role]
        for method, path, b in (("GET", KEYS, None), ("GET", KEYS + "/%d" % k["id"], None),
                                ("POST", KEYS, body),
                                ("POST", KEYS + "/%d/revoke" % k["id"], None)):
            r = env.api.request(method, path, body=b, token=t)
            expect_error(r, 403, "forbidden", what="%s %s as %s" % (method, path, role))
    for method, path, b in (("GET", KEYS, None), ("POST", KEYS, body),
                            ("POST", KEYS + "/%d/revoke" % k["id"], None)):
        expect_error(env.api.request(method, path, body=b, token=tok), 403, "forbidden",
                     what="%s %s with an API key" % (method, path))
    eq(len(all_keys(env)), n, "no key created")
    one = expect(env.api.get(KEYS + "/%d" % k["id"], token=env.admin()), 200, "the key")
    eq(one["revoked_at"], None, "the key was not revoked by anyone refused")


@test("API keys: bad bodies (name, scopes, scopes[i], store_id, unknown field) answer 400 naming the field and create nothing")
def t_key_bad_bodies(env):
    n = len(all_keys(env))
    ok_scopes = ["visits:write"]
    cases = (
        ({"scopes": ok_scopes}, "missing_field", "name"),
        ({"name": "", "scopes": ok_scopes}, "missing_field", "name"),
        ({"name": None, "scopes": ok_scopes}, "missing_field", "name"),
        ({"name": 7, "scopes": ok_scopes}, "invalid_type", "name"),
        ({"name": "长" * 41, "scopes": ok_scopes}, "too_long", "name"),
        ({"name": "a\nb", "scopes": ok_scopes}, "invalid_text", "name"),
        ({"name": "k"}, "missing_field", "scopes"),
        ({"name": "k", "scopes": None}, "missing_field", "scopes"),
        ({"name": "k", "scopes": []}, "missing_field", "scopes"),
        ({"name": "k", "scopes": "visits:write"}, "invalid_type", "scopes"),
        ({"name": "k", "scopes": {"visits:write": True}}, "invalid_type", "scopes"),
        ({"name": "k", "scopes": ["visits:write", 3]}, "invalid_type", "scopes[1]"),
        ({"name": "k", "scopes": [None]}, "invalid_type", "scopes[0]"),
        ({"name": "k", "scopes": ["admin"]}, "invalid_scope", "scopes[0]"),
        ({"name": "k", "scopes": ["visits:read"]}, "invalid_scope", "scopes[0]"),
        ({"name": "k", "scopes": ["Visits:write"]}, "invalid_scope", "scopes[0]"),
        ({"name": "k", "scopes": ["visits:write "]}, "invalid_scope", "scopes[0]"),
        # the JSON parser refuses NUL in strings before the handler sees them
        ({"name": "k", "scopes": ["visits:write\u0000"]}, "invalid_json", None),
        ({"name": "k", "scopes": ["visits:write catalog:read"]}, "invalid_scope",
         "scopes[0]"),
        ({"name": "k", "scopes": ["catalog:read", "visits:write", "catalog:read"]},
         "duplicate_scope", "scopes[2]"),
        ({"name": "k", "scopes": ["visits:write"] * 40}, "too_many", "scopes"),
        ({"name": "k", "scopes": ok_scopes, "store_id": 987654}, "unknown_store", "store_id"),
        ({"name": "k", "scopes": ok_scopes, "store_id": 0}, "out_of_range", "store_id"),
        ({"name": "k", "scopes": ok_scopes, "store_id": -1}, "out_of_range", "store_id"),
        ({"name": "k", "scopes": ok_scopes, "store_id": "1"}, "invalid_type", "store_id"),
        ({"name": "k", "scopes": ok_scopes, "store_id": 1.5}, "invalid_type", "store_id"),
        ({"name": "k", "scopes": ok_scopes, "token": "lkk_mine"}, "unknown_field", "token"),
        ({"name": "k", "scopes": ok_scopes, "zz": 1}, "unknown_field", "zz"),
    )
    for body, code, field in cases:
        r = env.api.post(KEYS, body, token=env.admin())
        expect_error(r, 400, code, field, what="POST /keys %r" % (body,))
    expect_error(env.api.post(KEYS, raw=b"[1]", token=env.admin()), 400, "invalid_json",
                 what="array body")
    expect_error(env.api.post(KEYS, raw=b"{", token=env.admin()), 400, "invalid_json",
                 what="broken body")
    eq(len(all_keys(env)), n, "nothing created by the bad bodies")
    eq(db_rows(env, "SELECT count(*) FROM api_keys")[0][0], n, "no row in api_keys either")
    k, _ = create_key(env, ["visits:write"], name="长" * 40, store_id=None)
    eq(k["name"], "长" * 40, "a 40-character name is fine")


@test("API keys: revoking takes effect at once (401 on the next request); twice is 409 already_revoked; unknown id 404")
def t_key_revoke(env):
    k, tok = create_key(env, ["catalog:read"])
    expect(env.api.get("/api/v1/stores", token=tok), 200, "the key works")
    r = expect(env.api.post(KEYS + "/%d/revoke" % k["id"], token=env.admin()), 200, "revoke")
    eq(r["id"], k["id"], "revoked key id")
    ok(isinstance(r["revoked_at"], str), "revoked_at is set")
    eq(set(r), KEY_FIELDS, "revoke answers the key object")
    expect_error(env.api.get("/api/v1/stores", token=tok), 401, "unauthorized",
                 what="the revoked key on the next request")
    expect_error(env.api.post(KEYS + "/%d/revoke" % k["id"], token=env.admin()), 409,
                 "already_revoked", what="revoke twice")
    one = expect(env.api.get(KEYS + "/%d" % k["id"], token=env.admin()), 200, "GET revoked")
    eq(one["revoked_at"], r["revoked_at"], "the first revocation time stays")
    ok(any(x["id"] == k["id"] and x["revoked_at"] for x in all_keys(env)),
       "a revoked key is still listed, marked revoked")
    expect_error(env.api.get(KEYS + "/987654", token=env.admin()), 404, "not_found",
                 what="GET unknown key")
    expect_error(env.api.post(KEYS + "/987654/revoke", token=env.admin()), 404, "not_found",
                 what="revoke unknown key")
    row = db_rows(env, "SELECT revoked_by FROM api_keys WHERE id = ?", (k["id"],))[0]
    ok(row[0], "revoked_by is recorded")


@test("API keys: unknown, altered and malformed lkk_ tokens answer 401")
def t_key_bad_tokens(env):
    _, tok = create_key(env, ["catalog:read"])
    last = "A" if tok[-1] != "A" else "B"
    for bad in (tok[:-1] + last, tok[:-1], tok + "x", "lkk_" + "x" * 43, "lkk_short",
                "lkk_" + "y" * 200, "lkk_" + "\u00e9" * 20, tok.upper(), "LKK_" + tok[4:]):
        r = env.api.get("/api/v1/stores", headers={"Authorization": "Bearer " + bad})
        expect_error(r, 401, "unauthorized", what="token %r" % bad[:30])
    expect(env.api.get("/api/v1/stores", token=tok), 200, "the real key still works")


@test("API keys: last_used_at is null until used, then set, and written at most once a minute")
def t_key_last_used(env):
    k, tok = create_key(env, ["catalog:read"])
    eq(expect(env.api.get(KEYS + "/%d" % k["id"], token=env.admin()), 200,
              "key")["last_used_at"], None, "unused key")
    expect(env.api.get("/api/v1/dishes", token=tok), 200, "use the key")
    one = expect(env.api.get(KEYS + "/%d" % k["id"], token=env.admin()), 200, "key")
    ok(isinstance(one["last_used_at"], str), "last_used_at set after use: %r" %
       one["last_used_at"])
    t1 = db_rows(env, "SELECT last_used_at FROM api_keys WHERE id = ?", (k["id"],))[0][0]
    time.sleep(1.1)
    expect(env.api.get("/api/v1/dishes", token=tok), 200, "use the key again")
    t2 = db_rows(env, "SELECT last_used_at FROM api_keys WHERE id = ?", (k["id"],))[0][0]
    eq(t2, t1, "last_used_at not rewritten within the minute")


@test("API keys: key.create, key.revoke and every use of a key are in the audit log")
def t_key_audit(env):
    k, tok = create_key(env, ["visits:write"], store_id=env.store["id"])
    expect(env.api.post("/api/v1/visits", visit_body(env, env.store), token=tok), 201,
           "use the key")
    expect_error(env.api.get("/api/v1/exports/guests", token=tok), 403, "forbidden",
                 what="a refused use")
    expect(env.api.post(KEYS + "/%d/revoke" % k["id"], token=env.admin()), 200, "revoke")
    rows = db_rows(env, "SELECT action, target_type, target_id, status, username, role,"
                   " key_id, detail FROM audit_log WHERE target_type = 'key' AND target_id = ?"
                   " ORDER BY id", (k["id"],))
    acts = [(r[0], r[3], r[4]) for r in rows]
    ok(("key.create", 201, env.users["admin"]) in acts, "key.create row: %r" % acts)
    ok(("key.revoke", 200, env.users["admin"]) in acts, "key.revoke row: %r" % acts)
    create = [r for r in rows if r[0] == "key.create"][0]
    ok('"scopes":["visits:write"]' in create[7] and
       '"store_id":%d' % env.store["id"] in create[7], "key.create detail: %s" % create[7])
    ok(tok not in create[7] and tok[12:] not in create[7], "the token is not in the audit log")
    used = db_rows(env, "SELECT action, status, role, username FROM audit_log"
                   " WHERE key_id = ? ORDER BY id", (k["id"],))
    ok(len(used) >= 2, "a row for each use of the key: %r" % used)
    ok(all(u[2] == "api_key" for u in used), "role api_key on key rows: %r" % used)
    ok(any(u[1] == 201 for u in used), "the visit recorded with the key is logged: %r" % used)
    ok(any(u[1] == 403 for u in used), "the refused use is logged: %r" % used)
    ok(all(u[3] == k["name"] for u in used), "the key's name is the username: %r" % used)
