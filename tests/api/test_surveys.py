"""
test_surveys.py - satisfaction surveys (客户反馈处理, seed 001): defining a
survey of CSAT, NPS, single-choice and free-text questions, inviting guests
(by hand, after a visit) with a link holding a token shown once, the
guests' public form (one response per token; reuse, expiry, bad answers,
big bodies and floods get clear errors and write nothing), a low score
opening a complaint ticket in the same write, the results (CSAT, NPS,
answer counts, by store, by local day), roles and store scope.

The tests make their own stores (SV01, SV02 in region 华东问卷; SV03 for
the after-visit rule) and surveys. The public endpoints are rate-limited
per client address, and the shared server sees every test from 127.0.0.1:
each test that uses them connects from a loopback address of its own
(127.0.9.x), so their budgets do not meet.
"""

import base64
import hashlib
import http.client
import json
import sqlite3
import threading
import urllib.parse

from harness import Api, PASSWORD, add_user, eq, expect, expect_error, ok, q, test

SV = "/api/v1/surveys"
PUB = "/api/v1/public/survey"
SURVEY_FIELDS = {"id", "name", "trigger", "store_id", "store", "active", "questions", "invites",
                 "responses", "created_at", "updated_at"}
INVITE_FIELDS = {"id", "survey_id", "customer_id", "customer_name", "store", "visit_id", "period",
                 "status", "created_at", "expires_at", "responded_at", "response_id"}
QUESTIONS = [
    {"type": "csat", "text": "这次用餐满意吗?", "required": True},
    {"type": "nps", "text": "您会向朋友推荐我们吗?"},
    {"type": "single_choice", "text": "哪方面最好?", "options": ["服务", "菜品", "环境"]},
    {"type": "text", "text": "还有什么建议?"},
]


class FromApi(Api):
    """A client whose connections come from the loopback address src (127.0.9.x)."""

    def __init__(self, host, port, src):
        super().__init__(host, port)
        self.src = src

    def connection(self):
        return http.client.HTTPConnection(self.host, self.port, timeout=15,
                                          source_address=(self.src, 0))


_ADDR = [0]


def guest_api(env):
    """A client from a loopback address no other test uses: a fresh rate budget."""
    _ADDR[0] += 1
    return FromApi("127.0.0.1", env.server.port, "127.0.9.%d" % _ADDR[0])


def db_rows(env, sql, args=()):
    uri = "file:%s?mode=ro" % urllib.parse.quote(env.db_path)
    c = sqlite3.connect(uri, uri=True, timeout=10)
    try:
        return c.execute(sql, args).fetchall()
    finally:
        c.close()


def db_exec(env, sql, args=()):
    c = sqlite3.connect(env.db_path, timeout=10)
    try:
        c.execute(sql, args)
        c.commit()
    finally:
        c.close()


def counts(env):
    """What a response writes: responses, answers, feedback rows, answered invitations."""
    return db_rows(env, "SELECT (SELECT count(*) FROM survey_responses),"
                   " (SELECT count(*) FROM survey_answers), (SELECT count(*) FROM feedback),"
                   " (SELECT count(*) FROM survey_invites WHERE responded_at IS NOT NULL)")[0]


def fixture(env):
    """Stores SV01, SV02 (one region) and SV03; a manager bound to SV01; guests."""
    if getattr(env, "sv_fx", None):
        return env.sv_fx
    a = env.admin()
    stores = {}
    for code, name, region in (("SV01", "成都问卷一店", "华东问卷"), ("SV02", "成都问卷二店", "华东问卷"),
                               ("SV03", "成都问卷三店", "西北问卷")):
        stores[code] = expect(env.api.post("/api/v1/stores", {"code": code, "name": name,
                                                              "region": region}, token=a),
                              201, "store " + code)
    add_user(env.laoke, env.db_url, "u_sv_mgr", "manager", PASSWORD, store="SV01")
    add_user(env.laoke, env.db_url, "u_sv_ana", "analyst", PASSWORD, store="SV01")
    mgr = env.login("u_sv_mgr")
    me = expect(env.api.get("/api/v1/auth/me", token=mgr), 200, "me")["user"]
    env.sv_fx = {"stores": stores, "mgr": mgr, "mgr_id": me["id"],
                 "ana": env.login("u_sv_ana")}
    return env.sv_fx


def sid(env, code):
    return fixture(env)["stores"][code]["id"]


def make_survey(env, token=None, status=201, **body):
    b = {"name": "到店满意度", "trigger": "manual", "questions": QUESTIONS}
    b.update(body)
    r = env.api.post(SV, b, token=token or env.admin())
    return expect(r, status, "define survey %r" % (b,))


def invite(env, survey_id, customer_id, token=None, status=201, **body):
    b = {"customer_id": customer_id}
    b.update(body)
    r = env.api.post("%s/%d/invites" % (SV, survey_id), b, token=token or env.admin())
    return expect(r, status, "invite %r" % (b,))


def guest_at(env, code):
    return env.new_guest(home_store_id=sid(env, code))


# ================================================================ defining


@test("surveys: a survey of every question type is defined (201), read back and listed as stored")
def t_sv_define(env):
    fixture(env)
    j = make_survey(env, name="季度满意度", store_id=sid(env, "SV01"))
    eq(set(j), SURVEY_FIELDS, "survey fields")
    eq((j["name"], j["trigger"], j["store_id"], j["active"], j["invites"], j["responses"]),
       ("季度满意度", "manual", sid(env, "SV01"), True, 0, 0), "the survey")
    eq(j["store"], {"id": sid(env, "SV01"), "code": "SV01", "name": "成都问卷一店"}, "its store")
    want = [dict(x, required=x.get("required", False)) for x in QUESTIONS]
    eq(j["questions"], want, "questions as stored (required defaults to false)")
    ok(j["created_at"].endswith("+08:00"), "created_at at +08:00")
    eq(expect(env.api.get("%s/%d" % (SV, j["id"]), token=env.admin()), 200, "GET"), j,
       "GET equals the 201 body")
    every = make_survey(env, name="全国月度", trigger="monthly")
    eq((every["store_id"], every["store"]), (None, None), "a survey for every store")
    lst = expect(env.api.get(SV + "?limit=100", token=env.admin()), 200, "list")
    ids = [s["id"] for s in lst["items"]]
    ok(j["id"] in ids and every["id"] in ids, "both listed")
    eq(ids, sorted(ids, reverse=True), "newest first")
    page = expect(env.api.get(SV + "?limit=1", token=env.admin()), 200, "page")
    eq(len(page["items"]), 1, "limit")
    ok(page["next_cursor"], "a next page")
    nxt = expect(env.api.get(SV + "?limit=1&cursor=" + page["next_cursor"], token=env.admin()),
                 200, "next page")
    ok(nxt["items"][0]["id"] < page["items"][0]["id"], "the next page is older")
    rows = db_rows(env, "SELECT action, target_type, target_id FROM audit_log"
                   " WHERE action = 'survey.create' AND target_id = ?", (j["id"],))
    eq(rows, [("survey.create", "survey", j["id"])], "audited as survey.create")


@test("surveys: bad definitions answer 400 naming the field (questions[i]...) and write nothing")
def t_sv_define_bad(env):
    fixture(env)
    a = env.admin()
    before = db_rows(env, "SELECT count(*) FROM surveys")[0][0]
    choice = {"type": "single_choice", "text": "选一个", "options": ["甲", "乙"]}
    cases = [
        ({"trigger": "manual", "questions": QUESTIONS}, "missing_field", "name"),
        ({"name": "", "trigger": "manual", "questions": QUESTIONS}, "missing_field", "name"),
        ({"name": "x" * 61, "trigger": "manual", "questions": QUESTIONS}, "too_long", "name"),
        ({"name": "x", "trigger": "weekly", "questions": QUESTIONS}, "invalid_trigger", "trigger"),
        ({"name": "x", "questions": QUESTIONS}, "missing_field", "trigger"),
        ({"name": "x", "trigger": "manual"}, "missing_field", "questions"),
        ({"name": "x", "trigger": "manual", "questions": []}, "missing_field", "questions"),
        ({"name": "x", "trigger": "manual", "questions": "csat"}, "invalid_type", "questions"),
        ({"name": "x", "trigger": "manual", "questions": [{"type": "text", "text": "?"}] * 21},
         "too_many", "questions"),
        ({"name": "x", "trigger": "manual", "questions": [QUESTIONS[0], "nps"]},
         "invalid_type", "questions[1]"),
        ({"name": "x", "trigger": "manual", "questions": [{"type": "stars", "text": "?"}]},
         "invalid_question_type", "questions[0].type"),
        ({"name": "x", "trigger": "manual", "questions": [{"text": "?"}]},
         "missing_field", "questions[0].type"),
        ({"name": "x", "trigger": "manual", "questions": [QUESTIONS[0], {"type": "nps"}]},
         "missing_field", "questions[1].text"),
        ({"name": "x", "trigger": "manual", "questions": [{"type": "nps", "text": "?",
                                                          "colour": "red"}]},
         "unknown_field", "questions[0].colour"),
        ({"name": "x", "trigger": "manual", "questions": [{"type": "nps", "text": "?",
                                                          "required": "yes"}]},
         "invalid_type", "questions[0].required"),
        ({"name": "x", "trigger": "manual",
          "questions": [QUESTIONS[0], QUESTIONS[1], dict(choice, options=["甲"])]},
         "too_few", "questions[2].options"),
        ({"name": "x", "trigger": "manual",
          "questions": [QUESTIONS[0], QUESTIONS[1], dict(choice, options=list("一二三四五六七八九十百"))]},
         "too_many", "questions[2].options"),
        ({"name": "x", "trigger": "manual",
          "questions": [QUESTIONS[0], QUESTIONS[1], dict(choice, options=["甲", 2])]},
         "invalid_type", "questions[2].options[1]"),
        ({"name": "x", "trigger": "manual",
          "questions": [QUESTIONS[0], QUESTIONS[1], dict(choice, options=["甲", "甲"])]},
         "duplicate_option", "questions[2].options[1]"),
        ({"name": "x", "trigger": "manual",
          "questions": [QUESTIONS[0], QUESTIONS[1], {"type": "single_choice", "text": "?"}]},
         "missing_field", "questions[2].options"),
        ({"name": "x", "trigger": "manual",
          "questions": [{"type": "text", "text": "?", "options": ["a", "b"]}]},
         "unexpected_field", "questions[0].options"),
        ({"name": "x", "trigger": "manual", "questions": [QUESTIONS[0], QUESTIONS[0]]},
         "duplicate_question", "questions[1].type"),
        ({"name": "x", "trigger": "manual", "questions": QUESTIONS, "store_id": 987654},
         "unknown_store", "store_id"),
        ({"name": "x", "trigger": "manual", "questions": QUESTIONS, "colour": 1},
         "unknown_field", "colour"),
    ]
    for body, code, field in cases:
        expect_error(env.api.post(SV, body, token=a), 400, code, field, what="define %r" % (body,))
    eq(db_rows(env, "SELECT count(*) FROM surveys")[0][0], before, "nothing written")


@test("surveys: PATCH renames and switches off; the questions change until the first response, then 409")
def t_sv_patch(env):
    fx = fixture(env)
    a = env.admin()
    s = make_survey(env, store_id=sid(env, "SV01"))
    path = "%s/%d" % (SV, s["id"])
    j = expect(env.api.patch(path, {"name": "新名字", "active": False}, token=a), 200, "patch")
    eq((j["name"], j["active"]), ("新名字", False), "renamed and off")
    inactive = expect(env.api.get(SV + "?active=false&limit=100", token=a), 200, "inactive")
    ok(s["id"] in [x["id"] for x in inactive["items"]], "listed as inactive")
    ok(all(not x["active"] for x in inactive["items"]), "only inactive ones")
    active = expect(env.api.get(SV + "?active=true&limit=100", token=a), 200, "active")
    ok(s["id"] not in [x["id"] for x in active["items"]], "not among the active")
    expect_error(env.api.get(SV + "?active=maybe", token=a), 400, "invalid_value", "active",
                 what="bad active")
    g = guest_at(env, "SV01")
    expect_error(env.api.post(path + "/invites", {"customer_id": g["id"]}, token=a), 409,
                 "survey_inactive", what="invite to an inactive survey")
    new_q = [{"type": "csat", "text": "满意吗?", "required": True}]
    j = expect(env.api.patch(path, {"active": True, "questions": new_q}, token=a), 200,
               "new questions before any response")
    eq(j["questions"], new_q, "questions replaced")
    expect_error(env.api.patch(path, {"questions": [{"type": "x", "text": "?"}]}, token=a), 400,
                 "invalid_question_type", "questions[0].type", what="bad questions")
    expect_error(env.api.patch(path, {"name": ""}, token=a), 400, "missing_field", "name",
                 what="empty name")
    expect_error(env.api.patch("%s/987654" % SV, {"name": "x"}, token=a), 404, "not_found",
                 what="unknown survey")
    inv = invite(env, s["id"], g["id"])
    expect(guest_api(env).post(PUB, {"token": inv["token"], "answers": [{"q": 0, "value": 5}]}),
           201, "a response")
    before = db_rows(env, "SELECT questions, updated_at FROM surveys WHERE id = ?", (s["id"],))
    e = expect_error(env.api.patch(path, {"questions": QUESTIONS, "name": "再改"}, token=a), 409,
                     "survey_answered", what="questions after a response")
    ok("1 response" in e["message"], "says why: %r" % e["message"])
    eq(db_rows(env, "SELECT questions, updated_at FROM surveys WHERE id = ?", (s["id"],)), before,
       "nothing written")
    eq(expect(env.api.get(path, token=a), 200, "read")["name"], "新名字", "name unchanged too")
    j = expect(env.api.patch(path, {"name": "还能改名"}, token=fx["mgr"]), 200,
               "the name may change after responses (store manager)")
    eq((j["name"], j["responses"]), ("还能改名", 1), "renamed, one response")


# ================================================================ invitations


@test("surveys: an invitation answers 201 with the token and /s/<token> once; only its SHA-256 is stored; the list has no tokens")
def t_sv_invite(env):
    fixture(env)
    a = env.admin()
    s = make_survey(env)
    g = guest_at(env, "SV01")
    j = invite(env, s["id"], g["id"])
    eq(set(j), INVITE_FIELDS | {"token", "link"}, "fields")
    tok = j["token"]
    eq(len(tok), 43, "32 bytes as base64url without padding")
    ok(all(c.isalnum() or c in "-_" for c in tok), "base64url alphabet: %r" % tok)
    eq(j["link"], "/s/" + tok, "the link")
    eq((j["customer_id"], j["customer_name"], j["store"]["code"], j["status"], j["visit_id"],
        j["period"], j["responded_at"], j["response_id"]),
       (g["id"], g["name"], "SV01", "open", None, None, None, None),
       "for the guest at the home store")
    rows = db_rows(env, "SELECT token_hash, expires_at - created_at FROM survey_invites"
                   " WHERE id = ?", (j["id"],))
    eq(bytes(rows[0][0]), hashlib.sha256(tok.encode()).digest(), "the SHA-256 of the token")
    eq(rows[0][1], 30 * 86400, "open for 30 days")
    raw = base64.urlsafe_b64decode(tok + "=")
    eq(len(raw), 32, "32 random bytes")
    dump = str(db_rows(env, "SELECT id, survey_id, customer_id, store_id, visit_id, period,"
                       " hex(token_hash), created_at, expires_at FROM survey_invites"))
    ok(tok not in dump and raw.hex().upper() not in dump, "the token itself is stored nowhere")
    other = invite(env, s["id"], g["id"])
    ne_tok = other["token"] != tok
    ok(ne_tok, "every invitation has its own token")
    lst = expect(env.api.get("%s/%d/invites" % (SV, s["id"]), token=a), 200, "list")
    eq([x["id"] for x in lst["items"]], [other["id"], j["id"]], "newest first")
    for x in lst["items"]:
        eq(set(x), INVITE_FIELDS, "no token in the list")
    ok(tok not in json.dumps(lst), "no token anywhere in the list")
    # a visit: its store is asked about
    v = expect(env.api.post("/api/v1/visits", {"customer_id": g["id"],
                                               "store_id": sid(env, "SV02")}, token=a),
               201, "a visit at SV02")
    jv = invite(env, s["id"], g["id"], visit_id=v["id"])
    eq((jv["visit_id"], jv["store"]["code"]), (v["id"], "SV02"), "the visit's store")
    expect_error(env.api.post("%s/%d/invites" % (SV, s["id"]),
                              {"customer_id": g["id"], "visit_id": v["id"]}, token=a),
                 409, "already_invited", "visit_id", what="the same visit twice")
    # the link again: a new token, the old one dies
    ga = guest_api(env)
    expect(ga.get(PUB + "?token=" + tok), 200, "the first link works")
    again = expect(env.api.post("%s/%d/invites/%d/link" % (SV, s["id"], j["id"]), token=a), 200,
                   "a new link")
    ok(again["token"] != tok and again["link"] == "/s/" + again["token"], "a new token")
    expect_error(ga.get(PUB + "?token=" + tok), 404, "not_found", what="the old link")
    expect(ga.get(PUB + "?token=" + again["token"]), 200, "the new link works")
    expect_error(env.api.post("%s/%d/invites/987654/link" % (SV, s["id"]), token=a), 404,
                 "not_found", what="link of an unknown invitation")


@test("surveys: bad invitations: unknown guest 404, someone else's or unknown visit, store mismatch, no store, unknown survey")
def t_sv_invite_bad(env):
    fixture(env)
    a = env.admin()
    s = make_survey(env)
    bound = make_survey(env, store_id=sid(env, "SV01"))
    g = guest_at(env, "SV01")
    nohome = env.new_guest()
    other = guest_at(env, "SV02")
    v_other = expect(env.api.post("/api/v1/visits", {"customer_id": other["id"],
                                                     "store_id": sid(env, "SV02")}, token=a),
                     201, "a visit of another guest")
    before = db_rows(env, "SELECT count(*) FROM survey_invites")[0][0]
    p = "%s/%d/invites" % (SV, s["id"])
    expect_error(env.api.post(p, {}, token=a), 400, "missing_field", "customer_id", what="no guest")
    expect_error(env.api.post(p, {"customer_id": "1"}, token=a), 400, "invalid_type",
                 "customer_id", what="guest as text")
    expect_error(env.api.post(p, {"customer_id": 987654321}, token=a), 404, "not_found",
                 what="unknown guest")
    expect_error(env.api.post(p, {"customer_id": g["id"], "visit_id": v_other["id"]}, token=a),
                 400, "visit_of_another_guest", "visit_id", what="another guest's visit")
    expect_error(env.api.post(p, {"customer_id": g["id"], "visit_id": 987654321}, token=a),
                 400, "unknown_visit", "visit_id", what="unknown visit")
    expect_error(env.api.post(p, {"customer_id": other["id"], "visit_id": v_other["id"],
                                  "store_id": sid(env, "SV01")}, token=a),
                 400, "store_mismatch", "store_id", what="a store other than the visit's")
    expect_error(env.api.post(p, {"customer_id": nohome["id"]}, token=a), 400, "missing_field",
                 "store_id", what="no store to ask about")
    expect_error(env.api.post("%s/%d/invites" % (SV, bound["id"]),
                              {"customer_id": other["id"], "store_id": sid(env, "SV02")}, token=a),
                 400, "store_not_in_survey", "store_id", what="a survey of another store")
    expect_error(env.api.post("%s/%d/invites" % (SV, bound["id"]),
                              {"customer_id": other["id"], "visit_id": v_other["id"]}, token=a),
                 400, "store_not_in_survey", "store_id", what="a visit at another store")
    expect_error(env.api.post(p, {"customer_id": g["id"], "token": "x"}, token=a), 400,
                 "unknown_field", "token", what="unknown field")
    expect_error(env.api.post("%s/987654/invites" % SV, {"customer_id": g["id"]}, token=a), 404,
                 "not_found", what="unknown survey")
    eq(db_rows(env, "SELECT count(*) FROM survey_invites")[0][0], before, "nothing written")
    j = invite(env, s["id"], nohome["id"], store_id=sid(env, "SV02"))
    eq(j["store"]["code"], "SV02", "a store given for a guest without a home store")
    j = invite(env, bound["id"], other["id"])
    eq(j["store"]["code"], "SV01", "a store's survey asks about its store, whoever the guest")


# ================================================================ the guest's form


@test("surveys: the public form: GET shows name, questions and store; POST records once (201); reuse 409 writes nothing; GET then 410 already_answered")
def t_sv_public(env):
    fixture(env)
    s = make_survey(env, name="到店回访", store_id=sid(env, "SV01"))
    g = guest_at(env, "SV01")
    inv = invite(env, s["id"], g["id"])
    ga = guest_api(env)
    j = expect(ga.get(PUB + "?token=" + q(inv["token"])), 200, "the form")
    eq(set(j), {"name", "store", "questions", "expires_at"}, "what the form shows")
    eq((j["name"], j["store"]), ("到店回访", {"name": "成都问卷一店"}), "name and store")
    eq(j["questions"], s["questions"], "the questions")
    ok(g["name"] not in json.dumps(j, ensure_ascii=False), "nothing about the guest")
    before = counts(env)
    body = {"token": inv["token"], "answers": [
        {"q": 0, "value": 4}, {"q": 1, "value": 9}, {"q": 2, "value": "菜品"},
        {"q": 3, "value": "毛肚很新鲜\n服务也好"}]}
    r = expect(ga.post(PUB, body), 201, "respond")
    eq(r, {"status": "recorded"}, "the answer")
    after = counts(env)
    eq(tuple(x - y for x, y in zip(after, before)), (1, 4, 0, 1),
       "one response, four answers, no ticket, the invitation answered")
    rows = db_rows(env, "SELECT r.survey_id, r.store_id, r.customer_id, r.csat, r.nps,"
                   " r.feedback_id FROM survey_responses r JOIN survey_invites i"
                   " ON i.id = r.invite_id WHERE i.id = ?", (inv["id"],))
    eq(rows, [(s["id"], sid(env, "SV01"), g["id"], 4, 9, None)], "the response row")
    ans = db_rows(env, "SELECT a.q, a.value_int, a.value_text FROM survey_answers a"
                  " JOIN survey_responses r ON r.id = a.response_id WHERE r.invite_id = ?"
                  " ORDER BY a.q", (inv["id"],))
    eq(ans, [(0, 4, None), (1, 9, None), (2, 1, None), (3, None, "毛肚很新鲜\n服务也好")],
       "the answers (a choice by text stored as its index)")
    before = counts(env)
    again = dict(body, answers=[{"q": 0, "value": 1}])
    expect_error(ga.post(PUB, again), 409, "already_answered", "token", what="a second response")
    eq(counts(env), before, "the second response wrote nothing")
    expect_error(ga.get(PUB + "?token=" + inv["token"]), 410, "already_answered", "token",
                 what="the form after answering")
    j = expect(env.api.get("%s/%d/invites" % (SV, s["id"]), token=env.admin()), 200, "invites")
    eq((j["items"][0]["status"], j["items"][0]["response_id"] is not None), ("answered", True),
       "the invitation shows answered")
    expect_error(env.api.post("%s/%d/invites/%d/link" % (SV, s["id"], inv["id"]),
                              token=env.admin()), 409, "already_answered",
                 what="a new link for an answered invitation")


@test("surveys: missing, wrongly typed or out-of-range answers answer 400 naming answers[i]... and write nothing")
def t_sv_public_bad_answers(env):
    fixture(env)
    s = make_survey(env, questions=QUESTIONS[:3] + [dict(QUESTIONS[3], required=True)])
    g = guest_at(env, "SV01")
    inv = invite(env, s["id"], g["id"])
    ga = guest_api(env)
    tok = inv["token"]
    good = [{"q": 0, "value": 3}, {"q": 3, "value": "还行"}]
    cases = [
        ({"token": tok}, "missing_field", "answers"),
        ({"answers": good}, "missing_field", "token"),
        ({"token": tok, "answers": {"q": 0}}, "invalid_type", "answers"),
        ({"token": tok, "answers": [{"q": 0, "value": 3}]}, "missing_answer", "answers"),
        ({"token": tok, "answers": [{"q": 3, "value": "x"}]}, "missing_answer", "answers"),
        ({"token": tok, "answers": [{"q": 0, "value": None}, good[1]]}, "missing_field",
         "answers[0].value"),
        ({"token": tok, "answers": [good[0], {"q": 3, "value": ""}]}, "missing_field",
         "answers[1].value"),
        ({"token": tok, "answers": [{"q": 0, "value": 0}, good[1]]}, "out_of_range",
         "answers[0].value"),
        ({"token": tok, "answers": [{"q": 0, "value": 6}, good[1]]}, "out_of_range",
         "answers[0].value"),
        ({"token": tok, "answers": [{"q": 0, "value": "5"}, good[1]]}, "invalid_type",
         "answers[0].value"),
        ({"token": tok, "answers": [{"q": 0, "value": 4.5}, good[1]]}, "invalid_type",
         "answers[0].value"),
        ({"token": tok, "answers": good + [{"q": 1, "value": 11}]}, "out_of_range",
         "answers[2].value"),
        ({"token": tok, "answers": good + [{"q": 1, "value": True}]}, "invalid_type",
         "answers[2].value"),
        ({"token": tok, "answers": good + [{"q": 2, "value": 3}]}, "out_of_range",
         "answers[2].value"),
        ({"token": tok, "answers": good + [{"q": 2, "value": "价格"}]}, "invalid_option",
         "answers[2].value"),
        ({"token": tok, "answers": [good[0], {"q": 3, "value": 5}]}, "invalid_type",
         "answers[1].value"),
        ({"token": tok, "answers": [good[0], {"q": 3, "value": "长" * 1001}]}, "too_long",
         "answers[1].value"),
        ({"token": tok, "answers": good + [{"q": 4, "value": 1}]}, "out_of_range", "answers[2].q"),
        ({"token": tok, "answers": good + [{"q": 0, "value": 1}]}, "duplicate_answer",
         "answers[2].q"),
        ({"token": tok, "answers": good + [{"value": 1}]}, "missing_field", "answers[2].q"),
        ({"token": tok, "answers": good + [{"q": "1", "value": 1}]}, "invalid_type",
         "answers[2].q"),
        ({"token": tok, "answers": good + [{"q": 1, "value": 1, "note": "x"}]}, "unknown_field",
         "answers[2].note"),
        ({"token": tok, "answers": good + [7]}, "invalid_type", "answers[2]"),
        ({"token": tok, "answers": [{"q": 1, "value": 1}] * 21}, "too_many", "answers"),
        ({"token": tok, "answers": good, "name": "x"}, "unknown_field", "name"),
    ]
    before = counts(env)
    for body, code, field in cases:
        expect_error(ga.post(PUB, body), 400, code, field, what="answers %r" % (body,)[:120])
    eq(counts(env), before, "nothing written by any bad response")
    expect(ga.post(PUB, {"token": tok, "answers": [good[0], {"q": 3, "value": "长" * 1000}]}), 201,
           "then the good one (1000 characters of text) is taken")


@test("surveys: an expired link answers 410 expired to GET and POST and writes nothing")
def t_sv_public_expired(env):
    fixture(env)
    s = make_survey(env)
    g = guest_at(env, "SV01")
    inv = invite(env, s["id"], g["id"])
    ga = guest_api(env)
    expect(ga.get(PUB + "?token=" + inv["token"]), 200, "open before")
    db_exec(env, "UPDATE survey_invites SET expires_at = strftime('%s', 'now') - 1 WHERE id = ?",
            (inv["id"],))
    before = counts(env)
    expect_error(ga.get(PUB + "?token=" + inv["token"]), 410, "expired", what="GET expired")
    expect_error(ga.post(PUB, {"token": inv["token"], "answers": [{"q": 0, "value": 1}]}), 410,
                 "expired", what="POST expired (a low score, which would open a ticket)")
    eq(counts(env), before, "nothing written")
    j = expect(env.api.get("%s/%d/invites" % (SV, s["id"]), token=env.admin()), 200, "list")
    eq(j["items"][0]["status"], "expired", "listed as expired")
    # a new link opens it for another 30 days
    again = expect(env.api.post("%s/%d/invites/%d/link" % (SV, s["id"], inv["id"]),
                                token=env.admin()), 200, "a new link")
    eq(again["status"], "open", "open again")
    expect(ga.get(PUB + "?token=" + again["token"]), 200, "the new link works")
    # a switched-off survey closes its links
    expect(env.api.patch("%s/%d" % (SV, s["id"]), {"active": False}, token=env.admin()), 200, "off")
    expect_error(ga.get(PUB + "?token=" + again["token"]), 410, "survey_closed",
                 what="the survey is off")
    before = counts(env)
    expect_error(ga.post(PUB, {"token": again["token"], "answers": [{"q": 0, "value": 5}]}), 410,
                 "survey_closed", what="POST to a survey that is off")
    eq(counts(env), before, "nothing written")


@test("surveys: unknown or malformed tokens 404, no token 400, bodies over 16 KiB 413: nothing written")
def t_sv_public_abuse(env):
    fixture(env)
    s = make_survey(env)
    inv = invite(env, s["id"], guest_at(env, "SV01")["id"])
    ga = guest_api(env)
    before = counts(env)
    expect_error(ga.get(PUB), 400, "missing_field", "token", what="no token")
    for bad in ("A" * 43, "short", inv["token"][:-1] + "!", inv["token"] + "A"):
        expect_error(ga.get(PUB + "?token=" + q(bad)), 404, "not_found", what="token %r" % bad)
        expect_error(ga.post(PUB, {"token": bad, "answers": [{"q": 0, "value": 5}]}), 404,
                     "not_found", what="POST token %r" % bad)
    big = {"token": inv["token"], "answers": [{"q": 0, "value": 5}], "pad": "x" * 17000}
    r = ga.post(PUB, big)
    expect_error(r, 413, "body_too_large", what="17 KB body")
    ok("16384" in r.json["error"]["message"], "names the limit: %r" % r.json["error"])
    big = {"token": inv["token"], "answers": [{"q": 3, "value": "好" * 6000}, {"q": 0, "value": 5}]}
    expect_error(ga.post(PUB, big), 413, "body_too_large", what="18 KB of answers")
    expect_error(ga.post(PUB, raw=b"{not json", content_type="application/json"), 400,
                 "invalid_json", what="not JSON")
    expect_error(ga.post(PUB, {"token": inv["token"], "answers": []}, content_type="text/plain"),
                 415, "unsupported_media_type", what="not JSON content type")
    eq(counts(env), before, "nothing written")
    expect(ga.post(PUB, {"token": inv["token"], "answers": [{"q": 0, "value": 5}]}), 201,
           "the real answer still goes through")


@test("surveys: a flood of public requests from one address gets 429 rate_limited with retry_after; nothing more written; other addresses unaffected")
def t_sv_public_flood(env):
    fixture(env)
    s = make_survey(env)
    invs = [invite(env, s["id"], guest_at(env, "SV01")["id"]) for _ in range(2)]
    ga = guest_api(env)
    statuses = []
    for _ in range(35):
        statuses.append(ga.get(PUB + "?token=" + invs[0]["token"]).status)
    eq(statuses[:30], [200] * 30, "the minute's budget: 30 requests")
    ok(all(x == 429 for x in statuses[30:]), "then refused: %r" % statuses[30:])
    before = counts(env)
    r = ga.post(PUB, {"token": invs[0]["token"], "answers": [{"q": 0, "value": 1}]})
    e = expect_error(r, 429, "rate_limited", what="POST in the flood")
    ok(isinstance(e.get("retry_after"), int) and 1 <= e["retry_after"] <= 60,
       "retry_after in seconds: %r" % e)
    eq(r.header("Retry-After"), str(e["retry_after"]), "and the Retry-After header")
    eq(counts(env), before, "the refused POST wrote nothing")
    other = guest_api(env)
    expect(other.post(PUB, {"token": invs[1]["token"], "answers": [{"q": 0, "value": 5}]}), 201,
           "another address has its own budget")


@test("surveys: eight simultaneous responses with one token: one 201, seven 409, one response written")
def t_sv_public_race(env):
    fixture(env)
    s = make_survey(env)
    inv = invite(env, s["id"], guest_at(env, "SV01")["id"])
    ga = guest_api(env)
    before = counts(env)
    results_ = []
    lock = threading.Lock()
    go = threading.Event()

    def one(v):
        go.wait()
        r = ga.post(PUB, {"token": inv["token"], "answers": [{"q": 0, "value": v}]})
        with lock:
            results_.append(r.status)
    th = [threading.Thread(target=one, args=(1 + i % 5,)) for i in range(8)]
    for t in th:
        t.start()
    go.set()
    for t in th:
        t.join()
    eq(sorted(results_), [201] + [409] * 7, "one response wins")
    after = counts(env)
    eq((after[0] - before[0], after[3] - before[3]), (1, 1), "one response, one invitation answered")
    eq(after[1] - before[1], 1, "its one answer")


# ================================================================ tickets


@test("surveys: a low CSAT opens a complaint ticket (store's manager, deadlines) in the same write; a good score does not")
def t_sv_ticket(env):
    fx = fixture(env)
    s = make_survey(env, name="低分回访", store_id=sid(env, "SV01"))
    g = guest_at(env, "SV01")
    inv = invite(env, s["id"], g["id"])
    ga = guest_api(env)
    before = counts(env)
    expect(ga.post(PUB, {"token": inv["token"], "answers": [
        {"q": 0, "value": 2}, {"q": 1, "value": 6}, {"q": 2, "value": 0},
        {"q": 3, "value": "等了四十分钟才上菜"}]}), 201, "a low CSAT")
    eq(tuple(x - y for x, y in zip(counts(env), before)), (1, 4, 1, 1),
       "response, answers, ticket and invitation together")
    fid = db_rows(env, "SELECT feedback_id FROM survey_responses WHERE invite_id = ?",
                  (inv["id"],))[0][0]
    ok(fid, "the response names its ticket")
    row = db_rows(env, "SELECT store_id, customer_id, channel, category, rating, complaint,"
                  " source, status, owner_user_id, response_due_at - received_at,"
                  " resolve_due_at - received_at, text FROM feedback WHERE id = ?", (fid,))[0]
    eq(row[:11], (sid(env, "SV01"), g["id"], "survey", "other", 2, 1, "survey", "received",
                  fx["mgr_id"], 24 * 3600, 72 * 3600), "the ticket")
    ok("低分回访" in row[11] and "CSAT 2/5" in row[11] and "NPS 6/10" in row[11]
       and "等了四十分钟才上菜" in row[11] and "服务" in row[11], "its text: %r" % row[11])
    steps = db_rows(env, "SELECT from_status, to_status FROM feedback_steps WHERE feedback_id = ?",
                    (fid,))
    eq(steps, [(None, "received")], "the ticket's first step")
    j = expect(env.api.get("/api/v1/feedback/%d" % fid, token=env.admin()), 200, "the ticket")
    eq((j["id"], j["channel"], j["complaint"], j["rating"]), (fid, "survey", True, 2),
       "the ticket through the feedback API")
    # a low NPS alone (CSAT fine) opens one too
    inv2 = invite(env, s["id"], g["id"])
    expect(ga.post(PUB, {"token": inv2["token"], "answers": [{"q": 0, "value": 5},
                                                            {"q": 1, "value": 1}]}), 201, "low NPS")
    fid2 = db_rows(env, "SELECT feedback_id FROM survey_responses WHERE invite_id = ?",
                   (inv2["id"],))[0][0]
    ok(fid2, "a ticket for NPS 1")
    eq(db_rows(env, "SELECT rating, complaint FROM feedback WHERE id = ?", (fid2,)), [(5, 1)],
       "rated with the CSAT answer, marked a complaint")
    # CSAT 3 and NPS 4 are above the default thresholds (2 and 3)
    inv3 = invite(env, s["id"], g["id"])
    before = counts(env)
    respond(ga, inv3["token"], 3, 4)
    eq(db_rows(env, "SELECT feedback_id FROM survey_responses WHERE invite_id = ?",
               (inv3["id"],))[0][0], None, "CSAT 3, NPS 4: no ticket")
    eq(counts(env)[2], before[2], "no feedback row")
    # the thresholds are settings: CSAT 3 becomes low
    a = env.admin()
    expect(env.api.request("PUT", "/api/v1/settings/feedback", body={"surveys": {"low_csat": 3}},
                           token=a), 200, "raise low_csat")
    try:
        inv4 = invite(env, s["id"], g["id"])
        respond(ga, inv4["token"], 3, 9)
        ok(db_rows(env, "SELECT feedback_id FROM survey_responses WHERE invite_id = ?",
                   (inv4["id"],))[0][0], "CSAT 3 opens a ticket at low_csat 3")
    finally:
        expect(env.api.request("PUT", "/api/v1/settings/feedback",
                               body={"surveys": {"low_csat": 2}}, token=a), 200, "restore")


# ================================================================ results


def respond(ga, token, csat, nps, choice=None, text=None):
    answers = [{"q": 0, "value": csat}, {"q": 1, "value": nps}]
    if choice is not None:
        answers.append({"q": 2, "value": choice})
    if text is not None:
        answers.append({"q": 3, "value": text})
    expect(ga.post(PUB, {"token": token, "answers": answers}), 201, "respond %r" % answers)


def results(env, survey_id, query="", token=None, status=200):
    r = env.api.get("%s/%d/results%s" % (SV, survey_id, query), token=token or env.admin())
    return expect(r, status, "results " + query)


def results_set(env):
    """A survey answered 4 times: SV01 (5,10,服务,好吃) (4,9,菜品); SV02 (3,8,服务,一般) (4,3,环境)."""
    if getattr(env, "sv_results", None):
        return env.sv_results
    s = make_survey(env, name="结果统计")
    ga = guest_api(env)
    plan = [("SV01", 5, 10, "服务", "好吃"), ("SV01", 4, 9, 1, None),
            ("SV02", 3, 8, 0, "一般"), ("SV02", 4, 3, 2, None)]
    for code, csat, nps, choice, text in plan:
        inv = invite(env, s["id"], guest_at(env, code)["id"])
        respond(ga, inv["token"], csat, nps, choice, text)
    # an invitation never answered counts nowhere
    invite(env, s["id"], guest_at(env, "SV01")["id"])
    env.sv_results = s
    return s


@test("surveys: results: CSAT 4.0 of 5,4,3,4; NPS 25 of 10,9,8,3; answer counts per question; latest texts; by store")
def t_sv_results(env):
    fixture(env)
    s = results_set(env)
    j = results(env, s["id"])
    eq((j["survey_id"], j["name"], j["responses"]), (s["id"], "结果统计", 4), "4 responses")
    eq(j["csat"], {"average": 4.0, "count": 4,
                   "distribution": {"1": 0, "2": 0, "3": 1, "4": 2, "5": 1}}, "CSAT")
    eq(j["nps"], {"score": 25.0, "promoters": 2, "passives": 1, "detractors": 1, "count": 4,
                  "distribution": {"0": 0, "1": 0, "2": 0, "3": 1, "4": 0, "5": 0, "6": 0,
                                   "7": 0, "8": 1, "9": 1, "10": 1}}, "NPS = 50% - 25%")
    qs = j["questions"]
    eq([(x["index"], x["type"], x["count"]) for x in qs],
       [(0, "csat", 4), (1, "nps", 4), (2, "single_choice", 4), (3, "text", 2)], "per question")
    eq(qs[0]["distribution"], j["csat"]["distribution"], "the csat question's distribution")
    eq(qs[2]["options"], [{"index": 0, "option": "服务", "count": 2},
                          {"index": 1, "option": "菜品", "count": 1},
                          {"index": 2, "option": "环境", "count": 1}], "the options")
    eq([t["text"] for t in qs[3]["latest"]], ["一般", "好吃"], "the texts, newest first")
    ok(all(t["at"].endswith("+08:00") for t in qs[3]["latest"]), "with their time")
    eq([(b["code"], b["name"], b["responses"], b["csat_avg"], b["nps"]) for b in j["by_store"]],
       [("SV01", "成都问卷一店", 2, 4.5, 100.0), ("SV02", "成都问卷二店", 2, 3.5, -50.0)],
       "by store")
    one = results(env, s["id"], "?store=SV02")
    eq((one["responses"], one["csat"]["average"], one["nps"]["score"], len(one["by_store"])),
       (2, 3.5, -50.0, 1), "store SV02 only")
    reg = results(env, s["id"], "?region=" + q("华东问卷"))
    eq(reg["responses"], 4, "the region holds both")
    none = results(env, s["id"], "?region=" + q("别处"))
    eq((none["responses"], none["csat"]["average"], none["nps"]["score"], none["by_store"]),
       (0, None, None, []), "an empty selection: no averages")
    expect_error(env.api.get("%s/%d/results?store=NOPE" % (SV, s["id"]), token=env.admin()),
                 400, "unknown_store", "store", what="unknown store")
    expect_error(env.api.get("%s/%d/results?from=2024-02-30" % (SV, s["id"]), token=env.admin()),
                 400, "invalid_date", "from", what="bad day")
    expect_error(env.api.get("%s/%d/results?from=2024-03-05&to=2024-03-04" % (SV, s["id"]),
                             token=env.admin()), 400, "invalid_range", "to", what="to before from")
    expect_error(env.api.get("%s/987654/results" % SV, token=env.admin()), 404, "not_found",
                 what="unknown survey")


@test("surveys: results by period count local days (Asia/Shanghai): 23:59:59 and 00:00:00 fall on their own days")
def t_sv_results_days(env):
    fixture(env)
    s = make_survey(env, name="按天统计")
    ga = guest_api(env)
    invs = [invite(env, s["id"], guest_at(env, "SV01")["id"]) for _ in range(3)]
    for inv, csat in zip(invs, (5, 1, 3)):
        respond(ga, inv["token"], csat, 9)
    # 2024-03-05 23:59:59 +08:00, 2024-03-06 00:00:00 +08:00, and now
    t1 = 1709654399
    for inv, t in ((invs[0], t1), (invs[1], t1 + 1)):
        db_exec(env, "UPDATE survey_responses SET created_at = ? WHERE invite_id = ?", (t, inv["id"]))
    d5 = results(env, s["id"], "?from=2024-03-05&to=2024-03-05")
    eq((d5["responses"], d5["csat"]["average"]), (1, 5.0), "March 5 local: the 23:59:59 one")
    d6 = results(env, s["id"], "?from=2024-03-06&to=2024-03-06")
    eq((d6["responses"], d6["csat"]["average"]), (1, 1.0), "March 6 local: the midnight one")
    both = results(env, s["id"], "?from=2024-03-01&to=2024-03-31")
    eq(both["responses"], 2, "March")
    since = results(env, s["id"], "?from=2024-03-06")
    eq(since["responses"], 2, "from March 6 on: the midnight one and today's")
    eq(results(env, s["id"])["responses"], 3, "no period: all")


# ================================================================ roles and scope


@test("surveys: roles: waiter and support get 403 everywhere; an analyst reads surveys and results but cannot define, change or invite")
def t_sv_roles(env):
    fx = fixture(env)
    s = results_set(env)
    g = guest_at(env, "SV01")
    before = db_rows(env, "SELECT (SELECT count(*) FROM surveys), (SELECT count(*) FROM survey_invites)")
    body = {"name": "x", "trigger": "manual", "questions": QUESTIONS}
    for role in ("waiter", "support"):
        t = env.tok[role]
        for method, path, b in (("GET", SV, None), ("GET", "%s/%d" % (SV, s["id"]), None),
                                ("GET", "%s/%d/results" % (SV, s["id"]), None),
                                ("GET", "%s/%d/invites" % (SV, s["id"]), None),
                                ("POST", SV, body),
                                ("PATCH", "%s/%d" % (SV, s["id"]), {"name": "x"}),
                                ("POST", "%s/%d/invites" % (SV, s["id"]), {"customer_id": g["id"]})):
            expect_error(env.api.request(method, path, body=b, token=t), 403, "forbidden",
                         what="%s %s %s" % (role, method, path))
    for t, who in ((env.tok["analyst"], "chain analyst"), (fx["ana"], "store analyst")):
        expect(env.api.get(SV, token=t), 200, who + " lists")
        expect(env.api.get("%s/%d" % (SV, s["id"]), token=t), 200, who + " reads")
        expect(env.api.get("%s/%d/results" % (SV, s["id"]), token=t), 200, who + " reads results")
        expect_error(env.api.post(SV, body, token=t), 403, "forbidden", what=who + " defines")
        expect_error(env.api.patch("%s/%d" % (SV, s["id"]), {"name": "x"}, token=t), 403,
                     "forbidden", what=who + " renames")
        expect_error(env.api.post("%s/%d/invites" % (SV, s["id"]), {"customer_id": g["id"]},
                                  token=t), 403, "forbidden", what=who + " invites")
        expect_error(env.api.get("%s/%d/invites" % (SV, s["id"]), token=t), 403, "forbidden",
                     what=who + " lists invitations")
    expect_error(env.api.get(SV), 401, "unauthorized", what="no token")
    eq(db_rows(env, "SELECT (SELECT count(*) FROM surveys), (SELECT count(*) FROM survey_invites)"),
       before, "nothing written")


@test("surveys: scope: a store-bound manager defines for their store only, sees chain-wide and own surveys, invites their guests, and reads only their store's results")
def t_sv_scope(env):
    fx = fixture(env)
    m = fx["mgr"]
    s = results_set(env)
    other = make_survey(env, name="二店专用", store_id=sid(env, "SV02"))
    body = {"name": "一店", "trigger": "manual", "questions": QUESTIONS}
    expect_error(env.api.post(SV, body, token=m), 403, "out_of_scope", "store_id",
                 what="a survey for every store")
    expect_error(env.api.post(SV, dict(body, store_id=sid(env, "SV02")), token=m), 403,
                 "out_of_scope", "store_id", what="a survey for another store")
    own = make_survey(env, token=m, name="一店", store_id=sid(env, "SV01"))
    ids = [x["id"] for x in expect(env.api.get(SV + "?limit=100", token=m), 200, "list")["items"]]
    ok(own["id"] in ids and s["id"] in ids, "own and chain-wide surveys listed")
    ok(other["id"] not in ids, "another store's survey is not")
    expect_error(env.api.get("%s/%d" % (SV, other["id"]), token=m), 404, "not_found",
                 what="another store's survey")
    expect_error(env.api.get("%s/%d/results" % (SV, other["id"]), token=m), 404, "not_found",
                 what="its results")
    expect_error(env.api.patch("%s/%d" % (SV, s["id"]), {"name": "x"}, token=m), 403,
                 "out_of_scope", what="changing a chain-wide survey")
    # results of the chain-wide survey: SV01's responses only
    j = results(env, s["id"], token=m)
    eq((j["responses"], j["csat"]["average"], j["nps"]["score"]), (2, 4.5, 100.0),
       "SV01's figures only")
    eq([b["code"] for b in j["by_store"]], ["SV01"], "one store row")
    eq([x["text"] for x in j["questions"][3]["latest"]], ["好吃"], "SV01's texts only")
    expect_error(env.api.get("%s/%d/results?store=SV02" % (SV, s["id"]), token=m), 403,
                 "out_of_scope", "store", what="asking for another store")
    ja = results(env, s["id"], token=fx["ana"])
    eq(ja["responses"], 2, "a store-bound analyst too")
    # invitations: own guests at the own store
    mine, theirs = guest_at(env, "SV01"), guest_at(env, "SV02")
    inv = invite(env, s["id"], mine["id"], token=m)
    eq(inv["store"]["code"], "SV01", "invited at SV01")
    expect_error(env.api.post("%s/%d/invites" % (SV, s["id"]), {"customer_id": theirs["id"]},
                              token=m), 404, "not_found", what="a guest of another store")
    expect_error(env.api.post("%s/%d/invites" % (SV, s["id"]),
                              {"customer_id": mine["id"], "store_id": sid(env, "SV02")},
                              token=m), 403, "out_of_scope", "store_id",
                 what="asking about another store")
    lst = expect(env.api.get("%s/%d/invites?limit=100" % (SV, s["id"]), token=m), 200, "invites")
    eq({x["store"]["code"] for x in lst["items"]}, {"SV01"}, "only SV01's invitations listed")
    allinv = expect(env.api.get("%s/%d/invites?limit=100" % (SV, s["id"]), token=env.admin()),
                    200, "all invites")
    ok(len(allinv["items"]) > len(lst["items"]), "the admin sees more")
    answered = expect(env.api.get("%s/%d/invites?responded=true&limit=100" % (SV, s["id"]),
                                  token=env.admin()), 200, "answered only")
    eq(len(answered["items"]), 4, "four answered")


# ================================================================ after a visit


@test("surveys: a visit with a guest invites them to the store's active after_visit surveys, once per visit")
def t_sv_after_visit(env):
    fixture(env)
    a = env.admin()
    st3 = sid(env, "SV03")
    s = make_survey(env, name="离店回访", trigger="after_visit", store_id=st3)
    off = make_survey(env, name="停用回访", trigger="after_visit", store_id=st3, active=False)
    manual = make_survey(env, name="手动", trigger="manual", store_id=st3)
    g = env.new_guest(home_store_id=st3)
    pos = "SV-%d" % env.seq()
    v = expect(env.api.post("/api/v1/visits", {"customer_id": g["id"], "store_id": st3,
                                               "pos_order_id": pos}, token=a), 201, "a visit")
    expect(env.api.post("/api/v1/visits", {"customer_id": g["id"], "store_id": st3,
                                           "pos_order_id": pos}, token=a), 200, "replayed")
    expect(env.api.post("/api/v1/visits", {"store_id": st3}, token=a), 201, "a walk-in")
    lst = expect(env.api.get("%s/%d/invites" % (SV, s["id"]), token=a), 200, "invites")["items"]
    eq([(x["customer_id"], x["visit_id"], x["store"]["code"], x["status"]) for x in lst],
       [(g["id"], v["id"], "SV03", "open")], "one invitation for the visit")
    for other in (off, manual):
        eq(expect(env.api.get("%s/%d/invites" % (SV, other["id"]), token=a), 200, "none")["items"],
           [], "no invitation to %s" % other["name"])
    # its link is issued on demand, then it is answered like any other
    link = expect(env.api.post("%s/%d/invites/%d/link" % (SV, s["id"], lst[0]["id"]), token=a),
                  200, "issue the link")
    respond(guest_api(env), link["token"], 5, 10)
    eq(expect(env.api.get("%s/%d" % (SV, s["id"]), token=a), 200, "survey")["responses"], 1,
       "one response")
