"""
test_settings.py - GET/PUT /api/v1/settings/classification (issue 6): the
thresholds and windows of the classification, validated with field-named
errors, chain-wide, audited with the old and new values.
"""

from harness import (PASSWORD, eq, expect, expect_error, ok, run_cli, test)

SET = "/api/v1/settings/classification"


def current(env, token=None):
    return expect(env.api.get(SET, token=token or env.admin()), 200, "settings")


@test("settings: the defaults of PRODUCT.md until changed; admin, manager and analyst read them")
def t_settings_defaults(env):
    for role in ("admin", "manager", "analyst"):
        j = current(env, env.tok[role])
        eq(j["settings"], j["defaults"], "never changed: the defaults (%s)" % role)
    d = current(env)["defaults"]
    eq((d["frequency"]["window_days"], d["frequency"]["high"], d["frequency"]["mid"]),
       (365, 12, 4), "frequency tiers")
    eq((d["spend"]["high_fen"], d["spend"]["mid_fen"]), (300000, 80000), "spend tiers")
    eq((d["lifecycle"]["new_days"], d["lifecycle"]["active_days"], d["lifecycle"]["dormant_days"]),
       (30, 60, 180), "lifecycle windows")
    eq(d["vip"]["spend_fen"], 500000, "VIP above ¥5,000")
    for role in ("waiter", "support"):
        expect_error(env.api.get(SET, token=env.tok[role]), 403, "forbidden", what=role)


@test("settings: PUT changes the values given, keeps the others, and the audit row has old and new")
def t_settings_put(env):
    before = current(env)["settings"]
    j = expect(env.api.request("PUT", SET, body={"frequency": {"high": 10},
                                                   "rhythm": {"factor": 2.5}},
                               token=env.tok["manager"]), 200, "put")
    eq(j["settings"]["frequency"]["high"], 10, "changed")
    eq(j["settings"]["rhythm"]["factor"], 2.5, "changed (a real)")
    eq(j["settings"]["frequency"]["mid"], before["frequency"]["mid"], "kept")
    ok(j["updated_at"] and j["updated_by"], "who and when")
    eq(current(env)["settings"], j["settings"], "read back")
    rows = expect(env.api.get("/api/v1/audit?action=settings.update", token=env.admin()), 200,
                  "audit")["items"]
    eq(rows[0]["detail"]["changes"], {"frequency.high": [12, 10], "rhythm.factor": [2.0, 2.5]},
       "audit: the changes with old and new values")
    eq(rows[0]["username"], "u_manager", "audit: who")
    expect(env.api.request("PUT", SET, body=current(env)["defaults"], token=env.admin()), 200,
           "back to the defaults")
    eq(current(env)["settings"], current(env)["defaults"], "restored")


@test("settings: bad values answer 400 naming the setting and change nothing")
def t_settings_bad(env):
    before = current(env)
    cases = (({"frequency": {"high": 4}}, "invalid_setting", "frequency.high"),   # not above mid
             ({"frequency": {"mid": 0}}, "invalid_setting", "frequency.mid"),
             ({"lifecycle": {"active_days": 200}}, "invalid_setting", "lifecycle.dormant_days"),
             ({"spend": {"window_days": 0}}, "invalid_setting", "spend.window_days"),
             ({"rhythm": {"factor": 0.5}}, "invalid_setting", "rhythm.factor"),
             ({"frequency": {"high": "12"}}, "invalid_type", "frequency.high"),
             ({"frequency": {"high": 12.5}}, "invalid_type", "frequency.high"),
             ({"frequency": 12}, "invalid_type", "frequency"),
             ({"frequncy": {"high": 12}}, "unknown_field", "frequncy"),
             ({"frequency": {"hihg": 12}}, "unknown_field", "frequency.hihg"),
             ({"vip": {"spend_fen": -1}}, "invalid_setting", "vip.spend_fen"))
    for body, code, field in cases:
        expect_error(env.api.request("PUT", SET, body=body, token=env.admin()), 400, code, field,
                     what="PUT %r" % body)
    eq(current(env), before, "nothing changed")


@test("settings: chain-wide rules: a store- or region-bound manager and an analyst may not change them")
def t_settings_scope(env):
    run_cli(env.laoke, ["user", "add", "u_mgr_set", "--role", "manager", "--store", "BJ01",
                        "--password-stdin", "--db", env.db_url], stdin_text=PASSWORD + "\n")
    tok = env.login("u_mgr_set")
    expect(env.api.get(SET, token=tok), 200, "a bound manager reads them")
    before = current(env)
    expect_error(env.api.request("PUT", SET, body={"frequency": {"high": 20}}, token=tok), 403,
                 "out_of_scope", what="a store-bound manager changes them")
    expect_error(env.api.request("PUT", SET, body={"frequency": {"high": 20}},
                                 token=env.tok["analyst"]), 403, "forbidden", what="analyst")
    eq(current(env), before, "nothing changed")
