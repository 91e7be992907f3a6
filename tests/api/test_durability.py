"""
test_durability.py - what the server acknowledged survives a crash: a second
server on a second fresh database is SIGKILLed right after each 201, then
restarted on the same database, and the write must be there.
"""

import os

from harness import (PASSWORD, Server, TestFailure, add_user, eq, expect, run_cli, tail_file,
                     test)

ROUNDS = 20
_state = {}


def _ctx(env):
    if "server" in _state:
        return _state
    d = os.path.join(env.tmp, "durability")
    os.makedirs(d)
    db = "sqlite:" + os.path.join(d, "dur.db")
    run_cli(env.laoke, ["migrate", "--db", db])
    add_user(env.laoke, db, "d_admin", "admin", PASSWORD)
    srv = Server(env.laoke, db, d, None, os.path.join(d, "server.log"), "dur").start()
    api = srv.api()
    tok = expect(api.post("/api/v1/auth/login", {"username": "d_admin", "password": PASSWORD}),
                 200, "login")["token"]
    store = expect(api.post("/api/v1/stores", {"code": "DUR1", "name": "耐久店"}, token=tok),
                   201, "store")
    dish = expect(api.post("/api/v1/dishes", {"name": "毛肚", "category": "meat",
                                              "price_fen": 3800}, token=tok), 201, "dish")
    _state.update(server=srv, tok=tok, store=store, dish=dish, guests=[])
    return _state


def _crash_restart(st):
    srv = st["server"]
    srv.kill()  # SIGKILL
    srv.start()
    return srv.api()


def _with_log(fn):
    def run(env):
        try:
            fn(env)
        except Exception as e:
            srv = _state.get("server")
            lines = tail_file(srv.log_path, 20) if srv else []
            raise TestFailure("%s\n%s" % (e, "\n".join("log: " + x for x in lines)))
    run.__name__ = fn.__name__
    return run


@test("durability: a guest acknowledged with 201 is there after SIGKILL and restart (%d rounds)" % ROUNDS)
@_with_log
def t_guest_survives_kill(env):
    st = _ctx(env)
    api = st["server"].api()
    for i in range(ROUNDS):
        body = {"name": "耐久客%d" % i, "phone": "1590000%04d" % i, "tags": ["t%d" % i],
                "family": [{"relation": "子", "name": "小%d" % i}]}
        g = expect(api.post("/api/v1/customers", body, token=st["tok"]), 201, "round %d" % i)
        api = _crash_restart(st)
        got = expect(api.get("/api/v1/customers/%d" % g["id"], token=st["tok"]), 200,
                     "round %d: guest %d after restart" % (i, g["id"]))
        eq((got["name"], got["phone"], got["tags"], got["family"], got["version"]),
           (g["name"], g["phone"], g["tags"], g["family"], g["version"]),
           "round %d: guest after restart" % i)
        st["guests"].append(g["id"])


@test("durability: a visit acknowledged with 201 and the guest's totals survive SIGKILL; replay then answers 200 (%d rounds)" % ROUNDS)
@_with_log
def t_visit_survives_kill(env):
    st = _ctx(env)
    api = st["server"].api()
    gid = st["guests"][0] if st["guests"] else expect(
        api.post("/api/v1/customers", {"name": "耐久访客"}, token=st["tok"]), 201, "guest")["id"]
    base = expect(api.get("/api/v1/customers/%d" % gid, token=st["tok"]), 200, "guest")
    count, total = base["visit_count"], base["total_spend_fen"]
    for i in range(ROUNDS):
        body = {"customer_id": gid, "store_id": st["store"]["id"], "pos_order_id": "DUR-%d" % i,
                "items": [{"dish_id": st["dish"]["id"], "qty": i + 1}]}
        v = expect(api.post("/api/v1/visits", body, token=st["tok"]), 201, "round %d" % i)
        count += 1
        total += v["amount_fen"]
        api = _crash_restart(st)
        g = expect(api.get("/api/v1/customers/%d" % gid, token=st["tok"]), 200,
                   "round %d: guest" % i)
        eq((g["visit_count"], g["total_spend_fen"]), (count, total),
           "round %d: totals after restart" % i)
        again = expect(api.post("/api/v1/visits", body, token=st["tok"]), 200,
                       "round %d: replay after restart" % i)
        eq(again, v, "round %d: replay returns the acknowledged visit" % i)
    rc = st["server"].stop(timeout=10)
    eq(rc, 0, "durability server exit status after SIGTERM")
