"""
test_users.py - staff accounts and the login: creating, listing, reading and
changing accounts (admin; support for waiter and support accounts only), the
validation of every field, sessions ended by disabling or a new password,
self-changes and the last admin, password rules, the login throttle per
name and per client IP, the audit rows, and `laoke user`.

Tests that make logins fail run on a server of their own with a fresh
database: the shared server sees every test from 127.0.0.1, and the throttle
counts failures per client IP. They also connect from other loopback
addresses (127.0.0.x), so the per-name and the per-IP rule can be told apart.
"""

import http.client
import json
import os
import sqlite3
import subprocess
import time

from harness import (PASSWORD, Api, Server, add_user, eq, expect, expect_error, ok, run_cli,
                     tail_file, TestFailure, test)

USERS = "/api/v1/users"
LOGIN = "/api/v1/auth/login"
ME = "/api/v1/auth/me"
USER_FIELDS = {"id", "username", "display_name", "role", "store_id", "region", "disabled",
               "created_at", "last_login_at"}


class FromApi(Api):
    """A client whose connections come from the loopback address src (127.0.0.x)."""

    def __init__(self, host, port, src):
        super().__init__(host, port)
        self.src = src

    def connection(self):
        return http.client.HTTPConnection(self.host, self.port, timeout=15,
                                          source_address=(self.src, 0))


class Private:
    """A server of its own on a fresh database with one admin (p_admin) and a store."""

    def __init__(self, env, name):
        self.dir = os.path.join(env.tmp, name)
        os.makedirs(self.dir)
        self.db_path = os.path.join(self.dir, "p.db")
        self.db_url = "sqlite:" + self.db_path
        self.laoke = env.laoke
        run_cli(env.laoke, ["migrate", "--db", self.db_url])
        add_user(env.laoke, self.db_url, "p_admin", "admin", PASSWORD)
        self.srv = Server(env.laoke, self.db_url, self.dir, None,
                          os.path.join(self.dir, "server.log"), name).start()
        self.api = self.srv.api()

    def from_ip(self, ip):
        return FromApi("127.0.0.1", self.srv.port, ip)

    def login(self, username, password=PASSWORD, api=None):
        r = (api or self.api).post(LOGIN, {"username": username, "password": password})
        return expect(r, 200, "login " + username)["token"]

    def rows(self, sql, args=()):
        c = sqlite3.connect("file:%s?mode=ro" % self.db_path, uri=True)
        try:
            return c.execute(sql, args).fetchall()
        finally:
            c.close()

    def stop(self):
        rc = self.srv.stop(timeout=10)
        eq(rc, 0, "the private server's exit status after SIGTERM")


def private(name):
    """Decorator: run fn(env, p) with a Private server, stopped after; its log on failure."""
    def deco(fn):
        def run(env):
            p = Private(env, name)
            try:
                fn(env, p)
            except TestFailure as e:
                p.srv.kill()
                log = tail_file(p.srv.log_path, 15)
                raise TestFailure("%s\n%s" % (e, "\n".join("log: " + x for x in log)))
            except Exception:
                p.srv.kill()
                raise
            p.stop()
        run.__name__ = fn.__name__
        return run
    return deco


def all_users(env, token=None):
    return expect(env.api.get(USERS, token=token or env.admin()), 200, "list users")["items"]


def create(env, body, token=None, status=201):
    r = env.api.post(USERS, body, token=token or env.admin())
    return expect(r, status, "create user %r" % ({k: v for k, v in body.items()
                                                 if k != "password"},))


def shared_db(env):
    return sqlite3.connect("file:%s?mode=ro" % env.db_path, uri=True)


# ================================================================ accounts


@test("users: admin creates, lists (id order), reads and changes a staff account; the JSON has every field and no hash")
def t_users_crud(env):
    a = env.admin()
    name = "w_crud%d" % env.seq()
    u = create(env, {"username": name, "display_name": "小张", "role": "waiter",
                     "store_id": env.store["id"], "password": "hotpot-2026!"})
    eq(set(u), USER_FIELDS, "user fields")
    eq((u["username"], u["display_name"], u["role"], u["store_id"], u["region"], u["disabled"]),
       (name, "小张", "waiter", env.store["id"], None, False), "created user")
    eq(u["last_login_at"], None, "never logged in")
    ok(isinstance(u["created_at"], str) and u["created_at"].endswith("+08:00"),
       "created_at in local time: %r" % u["created_at"])
    items = all_users(env)
    ids = [x["id"] for x in items]
    eq(ids, sorted(ids), "list in id order")
    ok(u["id"] in ids, "the new user is listed")
    ok(all(set(x) == USER_FIELDS for x in items), "every listed user has the fields")
    text = json.dumps(items)
    ok("pwhash" not in text and "argon2" not in text, "no password hash in the list")
    got = expect(env.api.get(USERS + "/%d" % u["id"], token=a), 200, "get user")
    eq(got, u, "GET answers what POST did")
    expect_error(env.api.get(USERS + "/987654", token=a), 404, "not_found", what="unknown id")
    # a manager of a region, then of a store (the region goes), then of every store
    m = create(env, {"username": "m_crud%d" % env.seq(), "role": "manager", "region": "华北",
                     "password": "hotpot-2026!"})
    eq((m["store_id"], m["region"]), (None, "华北"), "region manager")
    j = expect(env.api.patch(USERS + "/%d" % m["id"], {"store_id": env.store["id"]}, token=a),
               200, "store instead of region")
    eq((j["store_id"], j["region"]), (env.store["id"], None), "a store replaces the region")
    j = expect(env.api.patch(USERS + "/%d" % m["id"], {"store_id": None, "display_name": "王经理"},
                             token=a), 200, "every store")
    eq((j["store_id"], j["region"], j["display_name"]), (None, None, "王经理"), "cleared scope")
    j = expect(env.api.patch(USERS + "/%d" % m["id"], {"role": "analyst"}, token=a), 200, "role")
    eq(j["role"], "analyst", "new role")
    j = expect(env.api.patch(USERS + "/%d" % m["id"], {}, token=a), 200, "empty patch")
    eq(j["role"], "analyst", "an empty patch changes nothing")


@test("users: support creates and changes waiter and support accounts, never a manager or admin (403 field role)")
def t_users_support(env):
    s = env.tok["support"]
    ok(len(all_users(env, token=s)) >= 5, "support lists the accounts")
    w = create(env, {"username": "w_sup%d" % env.seq(), "role": "waiter",
                     "store_id": env.store["id"], "password": "hotpot-2026!"}, token=s)
    eq(w["role"], "waiter", "support made a waiter")
    n = len(all_users(env))
    for role in ("manager", "admin", "analyst"):
        body = {"username": "x_sup%d" % env.seq(), "role": role, "password": "hotpot-2026!"}
        e = expect_error(env.api.post(USERS, body, token=s), 403, "forbidden", "role",
                         what="support creates a " + role)
        ok(role in e["message"], "the refusal names the role: %r" % e["message"])
    # no promotion of a waiter, no change to a manager's account, no admin password reset
    expect_error(env.api.patch(USERS + "/%d" % w["id"], {"role": "manager", "store_id": None},
                               token=s), 403, "forbidden", "role", what="promote to manager")
    mgr = [x for x in all_users(env) if x["username"] == "u_manager"][0]
    adm = [x for x in all_users(env) if x["username"] == "u_admin"][0]
    expect_error(env.api.patch(USERS + "/%d" % mgr["id"], {"display_name": "x"}, token=s), 403,
                 "forbidden", "role", what="change a manager")
    expect_error(env.api.patch(USERS + "/%d" % adm["id"], {"password": "take-over-2026"}, token=s),
                 403, "forbidden", "role", what="reset the admin's password")
    expect_error(env.api.patch(USERS + "/%d" % mgr["id"], {"disabled": True}, token=s), 403,
                 "forbidden", "role", what="disable a manager")
    eq(len(all_users(env)), n, "nothing was added")
    j = expect(env.api.patch(USERS + "/%d" % w["id"], {"role": "support", "display_name": "技术"},
                             token=s), 200, "waiter to support")
    eq(j["role"], "support", "support may make a waiter support")
    eq(expect(env.api.get(ME, token=env.tok["manager"]), 200, "manager still works")["user"]
       ["username"], "u_manager", "the manager's account is unchanged")
    # every other role is refused the route itself
    for role in ("manager", "analyst", "waiter"):
        expect_error(env.api.get(USERS, token=env.tok[role]), 403, "forbidden",
                     what="list users as " + role)


@test("users: every bad create body answers 400 (409 for a taken name) naming the field, and writes nothing")
def t_users_create_validation(env):
    st = env.store["id"]
    good = {"username": "v_user%d" % env.seq(), "role": "manager", "password": "hotpot-2026!"}

    def with_(**kw):
        b = dict(good)
        for k, v in kw.items():
            if v is ...:
                b.pop(k, None)
            else:
                b[k] = v
        return b
    cases = [
        (with_(username=...), 400, "missing_field", "username"),
        (with_(username="Bad Name"), 400, "invalid_username", "username"),
        (with_(username="ab"), 400, "invalid_username", "username"),
        (with_(username=7), 400, "invalid_type", "username"),
        (with_(role=...), 400, "missing_field", "role"),
        (with_(role="chef"), 400, "invalid_role", "role"),
        (with_(store_id=987654), 400, "unknown_store", "store_id"),
        (with_(store_id="BJ01"), 400, "invalid_type", "store_id"),
        (with_(store_id=0), 400, "out_of_range", "store_id"),
        (with_(region="火星"), 400, "unknown_region", "region"),
        (with_(region=""), 400, "invalid_region", "region"),
        (with_(region=5), 400, "invalid_type", "region"),
        (with_(store_id=st, region="华北"), 400, "invalid_scope", "region"),
        (with_(role="waiter"), 400, "missing_field", "store_id"),
        (with_(role="waiter", region="华北"), 400, "missing_field", "store_id"),
        (with_(role="admin", store_id=st), 400, "invalid_scope", "store_id"),
        (with_(role="admin", region="华北"), 400, "invalid_scope", "region"),
        (with_(password=...), 400, "missing_field", "password"),
        (with_(password=12345678901), 400, "invalid_type", "password"),
        (with_(password="short-1"), 400, "weak_password", "password"),
        (with_(password="x" * 129), 400, "weak_password", "password"),
        (with_(display_name="名" * 41), 400, "too_long", "display_name"),
        (with_(display_name="a\nb"), 400, "invalid_text", "display_name"),
        (with_(disabled=True), 400, "unknown_field", "disabled"),
        (with_(username="u_admin"), 409, "duplicate_username", "username"),
    ]
    n = len(all_users(env))
    for body, status, code, field in cases:
        r = env.api.post(USERS, body, token=env.admin())
        expect_error(r, status, code, field, what="create %r" % ({k: v for k, v in body.items()
                                                                  if k != "password"},))
    expect_error(env.api.post(USERS, [1], token=env.admin()), 400, "invalid_json",
                 what="an array body")
    expect_error(env.api.post(USERS, raw=b"{", token=env.admin()), 400, "invalid_json",
                 what="broken json")
    eq(len(all_users(env)), n, "no bad body added a user")


@test("users: weak passwords (short, the username, containing it, one character) answer 400 weak_password on create and PATCH")
def t_users_weak_passwords(env):
    name = "zhangwei%d" % env.seq()
    n = len(all_users(env))
    for pw, words in (("hotpot-26", "10 to 128"), (name, "be the username"),
                      (name.upper(), "be the username"), ("my-" + name + "-pw", "contain the username"),
                      ("a" * 12, "one character"), ("哈" * 10, "one character")):
        e = expect_error(env.api.post(USERS, {"username": name, "role": "analyst", "password": pw},
                                      token=env.admin()), 400, "weak_password", "password",
                         what="password %r" % pw)
        ok(words in e["message"], "the message says the rule (%r): %r" % (words, e["message"]))
    eq(len(all_users(env)), n, "nothing added")
    u = create(env, {"username": name, "role": "analyst", "password": "火锅好吃-2026"})
    e = expect_error(env.api.patch(USERS + "/%d" % u["id"], {"password": "x-" + name},
                                   token=env.admin()), 400, "weak_password", "password",
                     what="patch a password with the username in it")
    ok("contain the username" in e["message"], "message: %r" % e["message"])
    eq(env.login(name, "火锅好吃-2026") != "", True, "the old password still works")


@test("users: bad PATCH bodies answer 400 naming the field, an unknown id 404; nothing is written")
def t_users_patch_validation(env):
    a = env.admin()
    u = create(env, {"username": "p_val%d" % env.seq(), "role": "waiter",
                     "store_id": env.store["id"], "display_name": "原名",
                     "password": "hotpot-2026!"})
    path = USERS + "/%d" % u["id"]
    cases = [
        ({"username": "renamed"}, "unknown_field", "username"),
        ({"role": None}, "invalid_type", "role"),
        ({"role": "chef"}, "invalid_role", "role"),
        ({"store_id": None}, "missing_field", "store_id"),          # a waiter needs a store
        ({"store_id": 987654}, "unknown_store", "store_id"),
        ({"store_id": "1"}, "invalid_type", "store_id"),
        ({"region": "火星", "store_id": None, "role": "manager"}, "unknown_region", "region"),
        ({"region": "华北"}, "missing_field", "store_id"),          # still a waiter
        ({"role": "manager", "store_id": env.store["id"], "region": "华北"}, "invalid_scope",
         "region"),
        ({"role": "admin", "store_id": env.store["id"]}, "invalid_scope", "store_id"),
        ({"disabled": "yes"}, "invalid_type", "disabled"),
        ({"disabled": None}, "invalid_type", "disabled"),
        ({"password": None}, "invalid_type", "password"),
        ({"password": "short"}, "weak_password", "password"),
        ({"display_name": "名" * 41}, "too_long", "display_name"),
        ({"display_name": "x", "zz": 1}, "unknown_field", "zz"),
    ]
    for body, code, field in cases:
        expect_error(env.api.patch(path, body, token=a), 400, code, field,
                     what="patch %r" % (body,))
    eq(expect(env.api.get(path, token=a), 200, "read back"), u, "the account is unchanged")
    expect_error(env.api.patch(USERS + "/987654", {"display_name": "x"}, token=a), 404,
                 "not_found", what="unknown id")
    expect_error(env.api.patch(USERS + "/0", {"display_name": "x"}, token=a), 404,
                 what="id 0 is no route")


@test("users: nobody disables themselves or changes their own role (409 self_change)")
def t_users_self_change(env):
    name = "a_self%d" % env.seq()
    me = create(env, {"username": name, "role": "admin", "password": "hotpot-2026!"})
    t = env.login(name, "hotpot-2026!")
    path = USERS + "/%d" % me["id"]
    expect_error(env.api.patch(path, {"disabled": True}, token=t), 409, "self_change", "disabled",
                 what="disable myself")
    expect_error(env.api.patch(path, {"role": "manager"}, token=t), 409, "self_change", "role",
                 what="demote myself")
    j = expect(env.api.patch(path, {"display_name": "自己", "disabled": False}, token=t), 200,
               "my own display name")
    eq((j["display_name"], j["role"], j["disabled"]), ("自己", "admin", False), "self edit")
    expect(env.api.get(ME, token=t), 200, "still logged in")
    s_me = [x for x in all_users(env) if x["username"] == "u_support"][0]
    expect_error(env.api.patch(USERS + "/%d" % s_me["id"], {"role": "waiter",
                                                            "store_id": env.store["id"]},
                               token=env.tok["support"]), 409, "self_change", "role",
                 what="support makes itself a waiter")
    # another admin may disable this one; its session ends at once
    expect(env.api.patch(path, {"disabled": True}, token=env.admin()), 200, "disable by another")
    expect_error(env.api.get(ME, token=t), 401, "unauthorized", what="disabled admin's token")


@test("users: disabling ends the user's sessions at once (401) and their login answers 401 like a wrong password; enabling lets them in")
@private("users_disable")
def t_users_disable(env, p):
    a = p.login("p_admin")
    add_user(p.laoke, p.db_url, "p_analyst", "analyst", PASSWORD)
    t1 = p.login("p_analyst")
    t2 = p.login("p_analyst")
    uid = [x for x in expect(p.api.get(USERS, token=a), 200, "list")["items"]
           if x["username"] == "p_analyst"][0]["id"]
    j = expect(p.api.patch(USERS + "/%d" % uid, {"disabled": True}, token=a), 200, "disable")
    eq(j["disabled"], True, "disabled")
    for t in (t1, t2):
        expect_error(p.api.get(ME, token=t), 401, "unauthorized", what="token of a disabled user")
    eq(p.rows("SELECT count(*) FROM sessions WHERE user_id = ?", (uid,)), [(0,)],
       "the sessions are deleted")
    e1 = expect_error(p.api.post(LOGIN, {"username": "p_analyst", "password": PASSWORD}), 401,
                      "invalid_credentials", what="login of a disabled user")
    e2 = expect_error(p.api.post(LOGIN, {"username": "p_analyst", "password": "wrong-pass-1"}),
                      401, "invalid_credentials", what="wrong password")
    eq(e1["message"], e2["message"], "a disabled account looks like a wrong password")
    expect(p.api.patch(USERS + "/%d" % uid, {"disabled": False}, token=a), 200, "enable")
    t3 = p.login("p_analyst")
    j = expect(p.api.get(USERS + "/%d" % uid, token=a), 200, "read")
    ok(j["last_login_at"] is not None, "last_login_at is set by the login: %r" % j)
    expect(p.api.get(ME, token=t3), 200, "logged in again")
    expect(p.api.get(ME, token=a), 200, "the admin's own session is untouched")


@test("users: a new password, role or scope ends every session of that user; the old password stops working")
@private("users_passwd")
def t_users_password_change(env, p):
    a = p.login("p_admin")
    created = expect(p.api.post(USERS, {"username": "p_mgr", "role": "manager",
                                        "password": "old-pass-2026"}, token=a), 201, "create")
    path = USERS + "/%d" % created["id"]
    t1 = p.login("p_mgr", "old-pass-2026")
    t2 = p.login("p_mgr", "old-pass-2026")
    j = expect(p.api.patch(path, {"password": "new-pass-2026"}, token=a), 200, "new password")
    ok("password" not in j, "no password in the answer")
    for t in (t1, t2):
        expect_error(p.api.get(ME, token=t), 401, "unauthorized", what="session after new password")
    expect_error(p.api.post(LOGIN, {"username": "p_mgr", "password": "old-pass-2026"}), 401,
                 "invalid_credentials", what="old password")
    t3 = p.login("p_mgr", "new-pass-2026")
    expect(p.api.get(ME, token=t3), 200, "new password works")
    # a display name changes nothing about access: the session stays
    expect(p.api.patch(path, {"display_name": "陈经理"}, token=a), 200, "rename")
    expect(p.api.get(ME, token=t3), 200, "session kept after a rename")
    # a role change and a scope change each end the sessions
    expect(p.api.patch(path, {"role": "analyst"}, token=a), 200, "role")
    expect_error(p.api.get(ME, token=t3), 401, "unauthorized", what="session after a role change")
    t4 = p.login("p_mgr", "new-pass-2026")
    j = expect(p.api.get(ME, token=t4), 200, "me")
    eq(j["user"]["role"], "analyst", "the new session has the new role")
    ok("guests.list" in j["permissions"] and "guests.phone" not in j["permissions"],
       "and its permissions: %r" % j["permissions"])
    st = expect(p.api.post("/api/v1/stores", {"code": "PW01", "name": "测试店", "region": "华南"},
                           token=a), 201, "store")
    expect(p.api.patch(path, {"store_id": st["id"]}, token=a), 200, "store")
    expect_error(p.api.get(ME, token=t4), 401, "unauthorized", what="session after a scope change")
    j = expect(p.api.patch(path, {"region": "华南"}, token=a), 200, "region instead")
    eq((j["store_id"], j["region"]), (None, "华南"), "a region replaces the store")


@test("users: the last enabled admin cannot be disabled or demoted (409 last_admin; `laoke user disable`)")
@private("users_last_admin")
def t_users_last_admin(env, p):
    out = subprocess.run([p.laoke, "user", "disable", "p_admin", "--db", p.db_url],
                         capture_output=True, text=True, timeout=30)
    eq(out.returncode, 1, "disabling the only admin fails: %s" % out.stderr)
    ok("last enabled admin" in out.stderr, "the error says why: %r" % out.stderr)
    a = p.login("p_admin")
    expect(p.api.get(ME, token=a), 200, "the admin still works")
    # with a second admin, one may disable the other; the survivor cannot go
    b = expect(p.api.post(USERS, {"username": "p_admin2", "role": "admin",
                                  "password": "second-admin-1"}, token=a), 201, "second admin")
    tb = p.login("p_admin2", "second-admin-1")
    first = [x for x in expect(p.api.get(USERS, token=a), 200, "list")["items"]
             if x["username"] == "p_admin"][0]
    expect(p.api.patch(USERS + "/%d" % first["id"], {"disabled": True}, token=tb), 200,
           "admin 2 disables admin 1")
    expect_error(p.api.get(ME, token=a), 401, "unauthorized", what="admin 1's session ended")
    expect_error(p.api.patch(USERS + "/%d" % b["id"], {"disabled": True}, token=tb), 409,
                 "self_change", "disabled", what="the last admin disables itself")
    out = subprocess.run([p.laoke, "user", "disable", "p_admin2", "--db", p.db_url],
                         capture_output=True, text=True, timeout=30)
    eq(out.returncode, 1, "the CLI cannot disable the last one either")
    eq(p.rows("SELECT username FROM users WHERE role = 'admin' AND disabled = 0"),
       [("p_admin2",)], "one enabled admin remains")
    run_cli(p.laoke, ["user", "enable", "p_admin", "--db", p.db_url])
    p.login("p_admin")


# ================================================================ login throttle


@test("users login throttle per name: 5 failures from 5 addresses, the 6th try is 429 with retry_after, then the right password works after waiting")
@private("users_throttle_name")
def t_users_throttle_name(env, p):
    run_cli(p.laoke, ["user", "add", "p_victim", "--role", "analyst", "--password-stdin",
                      "--db", p.db_url], stdin_text=PASSWORD + "\n")
    for i in range(5):
        api = p.from_ip("127.0.0.%d" % (10 + i))
        expect_error(api.post(LOGIN, {"username": "p_victim", "password": "wrong-pass-%d" % i}),
                     401, "invalid_credentials", what="failure %d" % (i + 1))
    # the name is throttled from any address, even with the right password (not even checked)
    api = p.from_ip("127.0.0.20")
    r6 = api.post(LOGIN, {"username": "p_victim", "password": PASSWORD})
    e = expect_error(r6, 429, "too_many_attempts", what="6th attempt")
    eq(r6.header("Retry-After"), str(e.get("retry_after")), "Retry-After header = retry_after")
    ok(isinstance(e.get("retry_after"), int) and 1 <= e["retry_after"] <= 2,
       "retry_after in whole seconds: %r" % e)
    ok("p_victim" not in e["message"] and "exist" not in e["message"],
       "the message says nothing of the account: %r" % e["message"])
    # a different case of the same name is the same name
    expect_error(api.post(LOGIN, {"username": "P_Victim", "password": PASSWORD}), 429,
                 "too_many_attempts", what="the name in capitals")
    # an unknown name is counted exactly the same way
    for i in range(5):
        api = p.from_ip("127.0.0.%d" % (30 + i))
        expect_error(api.post(LOGIN, {"username": "p_nobody", "password": "wrong-pass-%d" % i}),
                     401, "invalid_credentials", what="unknown failure %d" % (i + 1))
    e2 = expect_error(p.from_ip("127.0.0.40").post(LOGIN, {"username": "p_nobody",
                                                          "password": "whatever-123"}),
                      429, "too_many_attempts", what="6th attempt of an unknown name")
    eq(e2["message"], e["message"], "the same answer for an unknown and an existing name")
    # other names from this address are not affected
    p.login("p_admin", api=p.from_ip("127.0.0.20"))
    time.sleep(1.15)
    tok = p.login("p_victim", api=p.from_ip("127.0.0.20"))
    expect(p.api.get(ME, token=tok), 200, "logged in after waiting")
    # the success forgot the name's failures: one more failure does not throttle it
    expect_error(p.from_ip("127.0.0.21").post(LOGIN, {"username": "p_victim",
                                                      "password": "wrong-again-1"}),
                 401, "invalid_credentials", what="a failure after the success")
    p.login("p_victim", api=p.from_ip("127.0.0.22"))
    # the audit log names who was tried and how it ended
    rows = p.rows("SELECT username, status, user_id, detail FROM audit_log"
                  " WHERE action = 'auth.login' ORDER BY id")
    outcomes = [(u, s, json.loads(d)["outcome"]) for u, s, _, d in rows]
    ok(("p_victim", 401, "wrong_credentials") in outcomes, "failures recorded: %r" % outcomes)
    ok(("p_victim", 429, "throttled") in outcomes, "refusals recorded")
    ok(("p_nobody", 401, "wrong_credentials") in outcomes, "unknown names recorded as tried")
    ok(("p_victim", 200, "success") in outcomes, "success recorded")
    ok(all(uid is None for u, s, uid, _ in rows if s != 200),
       "failed logins carry no user id")
    ok(all(uid is not None for u, s, uid, _ in rows if s == 200), "successes carry the user id")
    text = " ".join(d for _, _, _, d in rows)
    ok(PASSWORD not in text and "wrong-pass" not in text, "no password in the audit log")
    log = "\n".join(tail_file(p.srv.log_path, 400))
    ok(PASSWORD not in log and "wrong-pass" not in log and tok not in log,
       "no password or token in the server log")


@test("users login throttle per IP: 5 unknown names fail from one address, a 6th name from it is 429; other addresses are not affected")
@private("users_throttle_ip")
def t_users_throttle_ip(env, p):
    api = p.from_ip("127.0.0.50")
    for i in range(5):
        expect_error(api.post(LOGIN, {"username": "guess%d" % i, "password": "hotpot-2026"}),
                     401, "invalid_credentials", what="guess %d" % i)
    e = expect_error(api.post(LOGIN, {"username": "guess9", "password": "hotpot-2026"}), 429,
                     "too_many_attempts", what="6th name from the same address")
    ok(e["retry_after"] >= 1, "retry_after: %r" % e)
    # also a real account with its right password, from that address
    expect_error(api.post(LOGIN, {"username": "p_admin", "password": PASSWORD}), 429,
                 "too_many_attempts", what="the right password from a throttled address")
    # body errors are answered as usual, they test no password
    expect_error(api.post(LOGIN, {"username": "p_admin"}), 400, "missing_field", "password",
                 what="a bad body")
    tok = p.login("p_admin", api=p.from_ip("127.0.0.51"))
    expect(p.api.get(ME, token=tok), 200, "another address logs in")
    time.sleep(1.15)
    p.login("p_admin", api=api)
    # while throttled, an address gets one attempt per interval, even a successful one
    e = expect_error(api.post(LOGIN, {"username": "p_admin", "password": PASSWORD}), 429,
                     "too_many_attempts", what="a second attempt within the interval")
    eq(e["retry_after"], 1, "one attempt a second")
    time.sleep(1.15)
    # the success did not forget the address's failures: one more and it waits 2 s
    expect_error(api.post(LOGIN, {"username": "guess10", "password": "hotpot-2026"}), 401,
                 "invalid_credentials", what="after the wait")
    e = expect_error(api.post(LOGIN, {"username": "guess11", "password": "hotpot-2026"}), 429,
                     "too_many_attempts", what="the delay doubles")
    eq(e["retry_after"], 2, "2^(6-5) seconds")


# ================================================================ audit, CLI, routes


@test("users: user.create and user.update are audited with the changed field names (never a password) and the target")
def t_users_audit(env):
    a = env.admin()
    name = "au_user%d" % env.seq()
    u = create(env, {"username": name, "role": "waiter", "store_id": env.store["id"],
                     "password": "audit-pass-2026"})
    path = USERS + "/%d" % u["id"]
    expect(env.api.patch(path, {"disabled": True}, token=a), 200, "disable")
    expect(env.api.patch(path, {"password": "audit-pass-2027", "disabled": False,
                                "display_name": "审计"}, token=a), 200, "password and more")
    c = shared_db(env)
    try:
        rows = c.execute("SELECT action, username, role, target_type, target_id, status, detail"
                         " FROM audit_log WHERE target_type = 'user' AND target_id = ?"
                         " ORDER BY id", (u["id"],)).fetchall()
        logins = c.execute("SELECT username, status, user_id, detail FROM audit_log"
                           " WHERE action = 'auth.login' AND status = 200 ORDER BY id"
                           " LIMIT 3").fetchall()
    finally:
        c.close()
    eq([r[0] for r in rows], ["user.create", "user.update", "user.update"], "actions")
    eq([(r[1], r[2], r[3], r[5]) for r in rows], [("u_admin", "admin", "user", 201)] +
       [("u_admin", "admin", "user", 200)] * 2, "who, on what, status")
    d = [json.loads(r[6]) for r in rows]
    eq(sorted(d[0]["fields"]), ["role", "store_id", "username"], "create: field names")
    eq(d[1]["fields"], ["disabled"], "disable: the field name")
    eq(sorted(d[2]["fields"]), ["disabled", "display_name", "password"], "the fields changed")
    text = " ".join(r[6] for r in rows)
    ok("audit-pass" not in text and "审计" not in text, "no values in the audit detail")
    ok(logins and logins[0][0] == "u_admin" and logins[0][2] is not None,
       "a login is recorded with the user: %r" % (logins,))
    eq(json.loads(logins[0][3])["outcome"], "success", "the login's outcome")


@test("users: `laoke user add` takes --region, checks scope and password by option; disable and enable work")
def t_users_cli(env):
    def cli(*args, stdin=PASSWORD + "\n"):
        return subprocess.run([env.laoke, "user"] + list(args) + ["--db", env.db_url],
                              input=stdin, capture_output=True, text=True, timeout=30)
    n = len(all_users(env))
    bad = [
        (("add", "c_both", "--role", "manager", "--store", "BJ01", "--region", "华北",
          "--password-stdin"), "--store and --region"),
        (("add", "c_wait", "--role", "waiter", "--password-stdin"), "--store"),
        (("add", "c_adm", "--role", "admin", "--region", "华北", "--password-stdin"), "--region"),
        (("add", "c_reg", "--role", "manager", "--region", "火星", "--password-stdin"), "--region"),
        (("add", "c_sto", "--role", "manager", "--store", "NOPE", "--password-stdin"), "--store"),
        (("add", "c_role", "--role", "chef", "--password-stdin"), "--role"),
        (("add", "Bad Name", "--role", "manager", "--password-stdin"), "NAME"),
    ]
    for args, word in bad:
        out = cli(*args)
        eq(out.returncode, 1, "laoke user %s fails" % " ".join(args))
        ok(word in out.stderr, "the error names %s: %r" % (word, out.stderr))
    out = cli("add", "c_weak", "--role", "manager", "--password-stdin", stdin="c_weak-123\n")
    eq(out.returncode, 1, "a password containing the name is refused")
    ok("contain the username" in out.stderr, "says why: %r" % out.stderr)
    eq(len(all_users(env)), n, "no bad command added a user")
    name = "c_reg%d" % env.seq()
    out = cli("add", name, "--role", "analyst", "--region", "华北", "--password-stdin")
    eq(out.returncode, 0, "add with --region: %s" % out.stderr)
    u = [x for x in all_users(env) if x["username"] == name][0]
    eq((u["region"], u["store_id"]), ("华北", None), "the region is stored")
    t = env.login(name)
    out = cli("disable", name)
    eq(out.returncode, 0, "disable: %s" % out.stderr)
    expect_error(env.api.get(ME, token=t), 401, "unauthorized", what="session after CLI disable")
    out = cli("enable", name)
    eq(out.returncode, 0, "enable: %s" % out.stderr)
    expect(env.api.get(ME, token=env.login(name)), 200, "login after enable")
    out = cli("disable", "c_nobody_here")
    eq(out.returncode, 1, "disabling an unknown user fails")
    out = subprocess.run([env.laoke, "help", "user"], capture_output=True, text=True, timeout=30)
    ok("--region" in out.stdout and "disable" in out.stdout, "help names --region and disable")


@test("users: `laoke routes` lists the four user routes under users.manage (admin, support) with their audit actions")
def t_users_routes(env):
    got = {(rt["method"], rt["path"]): rt for rt in env.routes if rt["path"].startswith(USERS)}
    eq(sorted(got), [("GET", USERS), ("GET", USERS + "/{id}"), ("PATCH", USERS + "/{id}"),
                     ("POST", USERS)], "user routes")
    for rt in got.values():
        eq(rt["perm"], "users.manage", "permission of %s %s" % (rt["method"], rt["path"]))
        eq(set(rt["roles"].split(",")), {"admin", "support"}, "roles")
    eq(got[("POST", USERS)]["audit"], "user.create", "create is audited")
    eq(got[("PATCH", USERS + "/{id}")]["audit"], "user.update", "update is audited")
