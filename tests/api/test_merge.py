"""
test_merge.py - duplicate guests over HTTP: the likely pairs and why,
"not the same person", merging into one guest, the merge record, undo.
"""

from harness import eq, expect, expect_error, ok, test

CUST = "/api/v1/customers"
DUP = CUST + "/duplicates"


def all_pairs(env, token=None):
    """Every pair the scan gives, following next_cursor to the end."""
    pairs, cursor = [], ""
    for _ in range(1000):
        j = expect(env.api.get(DUP + "?limit=100&cursor=" + cursor, token=token or env.admin()),
                   200, "duplicates page")
        pairs += j["items"]
        if not j["next_cursor"]:
            return pairs
        cursor = j["next_cursor"]
    raise AssertionError("duplicates never ended")


def pair_of(pairs, a, b):
    for p in pairs:
        if {p["a"]["id"], p["b"]["id"]} == {a, b}:
            return p
    return None


_block = [0]


def phone(env):
    """A number of its own 100-number block ("...12"), so its typos meet no other test's."""
    _block[0] += 1
    return "159%06d12" % (env.seq() * 1000 + _block[0])


def typo(phone):
    """The same number with the last two digits swapped (or the last one changed)."""
    if phone[-1] != phone[-2]:
        return phone[:-2] + phone[-1] + phone[-2]
    return phone[:-1] + str((int(phone[-1]) + 1) % 10)


def visit(env, gid, when, dish="meat", qty=1):
    r = env.api.post("/api/v1/visits", {
        "customer_id": gid, "store_id": env.store["id"], "party_size": 2,
        "visited_at": when, "items": [{"dish_id": env.dishes[dish]["id"], "qty": qty}]},
        token=env.admin())
    return expect(r, 201, "visit")


@test("GET /customers/duplicates lists a one-digit phone typo, same name+birthday and same name+store without phone, with reasons and scores")
def t_dupes_list(env):
    name1 = "查重甲%d" % env.seq()
    p = phone(env)
    a = env.new_guest(name=name1, phone=p)
    b = env.new_guest(name=name1, phone=typo(p))
    name2 = "查重乙%d" % env.seq()
    c = env.new_guest(name=name2, phone=None, birthday="1990-04-01")
    d = env.new_guest(name=name2, phone=None, birthday="04-01", gender="female")
    name3 = "查重丙%d" % env.seq()
    e = env.new_guest(name=name3, home_store_id=env.store["id"])
    f = env.new_guest(name=name3, phone=None, home_store_id=env.store["id"])
    other = env.new_guest(name="别人%d" % env.seq(), phone=p[:-1] + "3")
    pairs = all_pairs(env)
    pab = pair_of(pairs, a["id"], b["id"])
    ok(pab, "the phone typo pair is listed")
    eq(pab["reasons"], ["phone_one_edit"], "typo reasons")
    eq(pab["score"], 90, "typo score")
    eq(pab["a"]["id"], a["id"], "the smaller id is a")
    for k in ("name", "phone", "phone_masked", "birthday", "visit_count", "total_spend_fen",
              "last_visit_at", "version"):
        ok(k in pab["b"], "side has %s" % k)
    eq(pab["b"]["phone"], b["phone"], "admin sees the full phone")
    pcd = pair_of(pairs, c["id"], d["id"])
    ok(pcd, "same name and birthday is listed")
    eq(pcd["reasons"], ["same_name_birthday"], "birthday reasons")
    eq(pcd["score"], 65, "birthday score (a year unknown)")
    pef = pair_of(pairs, e["id"], f["id"])
    ok(pef, "same name, store, one without phone is listed")
    eq(pef["reasons"], ["same_name_store_no_phone"], "store reasons")
    eq(pair_of(pairs, a["id"], other["id"]), None, "a near phone with another name is not")
    ids = [(x["a"]["id"], x["b"]["id"]) for x in pairs]
    eq(len(ids), len(set(ids)), "each pair once")
    ok(all(x["a"]["id"] < x["b"]["id"] for x in pairs), "a < b in every pair")
    # a manager may list too
    j = expect(env.api.get(DUP, token=env.tok["manager"]), 200, "manager lists")
    ok(isinstance(j["items"], list), "items")


@test("GET /customers/duplicates: bad limit or cursor is 400; waiter, analyst and support get 403")
def t_dupes_bad(env):
    expect_error(env.api.get(DUP + "?limit=0", token=env.admin()), 400, "invalid_limit", "limit")
    expect_error(env.api.get(DUP + "?cursor=abc", token=env.admin()), 400, "invalid_cursor",
                 "cursor")
    for role in ("waiter", "analyst", "support"):
        expect_error(env.api.get(DUP, token=env.tok[role]), 403, "forbidden",
                     what="%s lists duplicates" % role)


@test("POST /customers/duplicates/dismiss hides the pair for good; bad bodies are 400, unknown ids 404, a waiter 403")
def t_dismiss(env):
    name = "不是同一人%d" % env.seq()
    a = env.new_guest(name=name, phone=None, birthday="05-05")
    b = env.new_guest(name=name, phone=None, birthday="05-05")
    ok(pair_of(all_pairs(env), a["id"], b["id"]), "listed before")
    j = expect(env.api.post(DUP + "/dismiss", {"a": b["id"], "b": a["id"]}, token=env.tok["manager"]),
               200, "dismiss")
    eq(j, {"a": a["id"], "b": b["id"], "dismissed": True}, "dismiss answer")
    eq(pair_of(all_pairs(env), a["id"], b["id"]), None, "gone after dismissing")
    expect(env.api.post(DUP + "/dismiss", {"a": a["id"], "b": b["id"]}, token=env.admin()), 200,
           "dismissing again is fine")
    expect_error(env.api.post(DUP + "/dismiss", {"a": a["id"], "b": a["id"]}, token=env.admin()),
                 400, "same_guest", "b")
    expect_error(env.api.post(DUP + "/dismiss", {"a": a["id"]}, token=env.admin()), 400,
                 "missing_field", "b")
    expect_error(env.api.post(DUP + "/dismiss", {"a": "x", "b": 1}, token=env.admin()), 400,
                 None, "a")
    expect_error(env.api.post(DUP + "/dismiss", {"a": a["id"], "b": 987654321},
                              token=env.admin()), 404, "not_found", "b")
    expect_error(env.api.post(DUP + "/dismiss", {"a": a["id"], "b": b["id"], "c": 1},
                              token=env.admin()), 400, "unknown_field", "c")
    expect_error(env.api.post(DUP + "/dismiss", {"a": a["id"], "b": b["id"]},
                              token=env.tok["waiter"]), 403, "forbidden")


@test("POST /customers/{id}/merge moves visits, facts, tags and family, recomputes totals, bumps the version, deletes the merged guest")
def t_merge(env):
    name = "合并%d" % env.seq()
    p = phone(env)
    kept = env.new_guest(name=name, phone=p, tags=["常客"],
                         family=[{"relation": "儿子", "name": "小明"}])
    gone = env.new_guest(name="", phone=typo(p), birthday="1988-09-09", gender="male",
                         tags=["VIP", "常客"], notes="靠窗",
                         family=[{"relation": "妻子", "name": "丽丽"}])
    visit(env, kept["id"], "2024-01-02T12:00:00+08:00", "meat", 2)
    visit(env, gone["id"], "2023-06-01T19:00:00+08:00", "seafood", 1)
    visit(env, gone["id"], "2024-05-01T19:00:00+08:00", "vegetable", 3)
    expect(env.api.post(CUST + "/%d/facts" % gone["id"],
                        {"kind": "allergy", "value": "虾", "source": "waiter"},
                        token=env.admin()), 201, "fact")
    k0 = env.guest(kept["id"])
    j = expect(env.api.post(CUST + "/%d/merge" % kept["id"],
                            {"from": [gone["id"]], "version": k0["version"]},
                            token=env.tok["manager"]), 200, "merge")
    ok(isinstance(j["merge_id"], int) and j["merge_id"] > 0, "merge_id")
    c = j["customer"]
    eq(c["id"], kept["id"], "kept id")
    eq(c["version"], k0["version"] + 1, "version bumped")
    eq(c["visit_count"], 3, "visits moved")
    eq(c["total_spend_fen"], 2 * 5800 + 4800 + 3 * 1200, "spend recomputed")
    eq(c["first_visit_at"], "2023-06-01T19:00:00+08:00", "first visit")
    eq(c["last_visit_at"], "2024-05-01T19:00:00+08:00", "last visit")
    eq(c["spend_by_category_fen"]["seafood"], 4800, "per category")
    eq(sorted(c["tags"]), sorted(["常客", "VIP"]), "tags united")
    eq([m["name"] for m in c["family"]], ["小明", "丽丽"], "family appended")
    eq(c["allergies"], ["虾"], "facts moved")
    eq(c["name"], name, "kept name wins")
    eq(c["phone"], kept["phone"], "kept phone wins")
    eq(c["birthday"], "1988-09-09", "empty birthday filled")
    eq(c["gender"], "male", "unknown gender filled")
    ok("靠窗" in c["notes"] and gone["phone"] in c["notes"], "notes and the merged phone kept: %r" % c["notes"])
    expect_error(env.api.get(CUST + "/%d" % gone["id"], token=env.admin()), 404, "not_found")
    v = expect(env.api.get(CUST + "/%d/visits" % kept["id"], token=env.admin()), 200, "visits")
    eq(len(v["items"]), 3, "kept lists 3 visits")
    m = expect(env.api.get("/api/v1/merges/%d" % j["merge_id"], token=env.admin()), 200, "merge record")
    eq(m["kept_id"], kept["id"], "record kept")
    eq(m["merged_ids"], [gone["id"]], "record merged")
    eq(m["merged_phones"], [gone["phone"]], "record phones")
    eq(m["merged_by"]["name"], "u_manager", "record who")
    eq(m["undone_at"], None, "not undone")
    eq(m["rows_before"]["visits"], 3, "rows before")
    # the merged guest's phone is free for a new guest
    env.new_guest(name="后来的人", phone=gone["phone"])


@test("POST /merges/{id}/undo restores both guests exactly (same ids, rows, totals, versions); a second undo is 409")
def t_undo(env):
    name = "撤销%d" % env.seq()
    p = phone(env)
    a = env.new_guest(name=name, phone=p, tags=["甲"])
    b = env.new_guest(name=name, phone=typo(p), notes="备注", tags=["乙"])
    visit(env, a["id"], "2024-02-02T12:00:00+08:00")
    visit(env, b["id"], "2024-03-03T12:00:00+08:00", "seafood", 2)
    expect(env.api.post(CUST + "/%d/facts" % b["id"],
                        {"kind": "taste", "value": "微辣", "source": "waiter"},
                        token=env.admin()), 201, "fact")
    before = [env.guest(a["id"]), env.guest(b["id"])]
    facts_b = expect(env.api.get(CUST + "/%d/facts" % b["id"], token=env.admin()), 200, "facts")
    visits_b = expect(env.api.get(CUST + "/%d/visits" % b["id"], token=env.admin()), 200, "visits")
    j = expect(env.api.post(CUST + "/%d/merge" % a["id"], {"from": [b["id"]]}, token=env.admin()),
               200, "merge")
    u = expect(env.api.post("/api/v1/merges/%d/undo" % j["merge_id"], token=env.tok["manager"]),
               200, "undo")
    ok(u["merge"]["undone_at"], "marked undone")
    eq(u["merge"]["undone_by"]["name"], "u_manager", "undone by")
    eq(u["customers"], before, "undo answers the guests as they were")
    eq([env.guest(a["id"]), env.guest(b["id"])], before, "both guests exactly as before")
    eq(expect(env.api.get(CUST + "/%d/facts" % b["id"], token=env.admin()), 200, "facts"),
       facts_b, "facts back")
    eq(expect(env.api.get(CUST + "/%d/visits" % b["id"], token=env.admin()), 200, "visits"),
       visits_b, "visits back")
    expect_error(env.api.post("/api/v1/merges/%d/undo" % j["merge_id"], token=env.admin()), 409,
                 "already_undone")
    ok(pair_of(all_pairs(env), a["id"], b["id"]), "the pair is a candidate again")


@test("undo after the kept guest changed is 409 guests_changed and writes nothing")
def t_undo_changed(env):
    p = phone(env)
    a = env.new_guest(name="改过%d" % env.seq(), phone=p)
    b = env.new_guest(phone=typo(p))
    j = expect(env.api.post(CUST + "/%d/merge" % a["id"], {"from": [b["id"]]}, token=env.admin()),
               200, "merge")
    visit(env, a["id"], "2024-06-01T12:00:00+08:00")
    e = expect_error(env.api.post("/api/v1/merges/%d/undo" % j["merge_id"], token=env.admin()),
                     409, "guests_changed")
    ok("no longer" in e["message"], "the message says why: %r" % e["message"])
    expect_error(env.api.get(CUST + "/%d" % b["id"], token=env.admin()), 404, "not_found")
    m = expect(env.api.get("/api/v1/merges/%d" % j["merge_id"], token=env.admin()), 200, "record")
    eq(m["undone_at"], None, "still in force")


@test("merge errors: into itself, listed twice, unknown or deleted id, empty or bad 'from', stale version; roles")
def t_merge_bad(env):
    a = env.new_guest()
    b = env.new_guest()
    gone = env.new_guest()
    expect(env.api.delete(CUST + "/%d" % gone["id"], token=env.admin()), 200, "delete")
    url = CUST + "/%d/merge" % a["id"]
    cases = [({"from": [a["id"]]}, 400, "merge_into_self", "from[0]"),
             ({"from": [b["id"], b["id"]]}, 400, "duplicate_id", "from[1]"),
             ({"from": [b["id"], 987654321]}, 404, "not_found", "from[1]"),
             ({"from": [gone["id"]]}, 404, "not_found", "from[0]"),
             ({"from": []}, 400, "missing_field", "from"),
             ({}, 400, "missing_field", "from"),
             ({"from": ["x"]}, 400, "invalid_type", "from[0]"),
             ({"from": [0]}, 400, "invalid_type", "from[0]"),
             ({"from": list(range(1, 13))}, 400, "too_many", "from"),
             ({"from": [b["id"]], "why": 1}, 400, "unknown_field", "why"),
             ({"from": [b["id"]], "version": a["version"] + 5}, 409, "version_conflict", "version")]
    for body, status, code, field in cases:
        expect_error(env.api.post(url, body, token=env.admin()), status, code, field,
                     what="merge %r" % (body,))
    expect_error(env.api.post(CUST + "/987654321/merge", {"from": [b["id"]]}, token=env.admin()),
                 404, "not_found")
    eq(env.guest(a["id"])["version"], a["version"], "nothing written")
    eq(env.guest(b["id"])["id"], b["id"], "b still there")
    for role in ("waiter", "analyst", "support"):
        expect_error(env.api.post(url, {"from": [b["id"]]}, token=env.tok[role]), 403, "forbidden",
                     what="%s merges" % role)
        expect_error(env.api.get("/api/v1/merges/1", token=env.tok[role]), 403, "forbidden")
        expect_error(env.api.post("/api/v1/merges/1/undo", token=env.tok[role]), 403, "forbidden")
    expect_error(env.api.get("/api/v1/merges/987654321", token=env.admin()), 404, "not_found")
    expect_error(env.api.post("/api/v1/merges/987654321/undo", token=env.admin()), 404, "not_found")
