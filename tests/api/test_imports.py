"""
test_imports.py - CSV uploads over HTTP: POST /api/v1/imports starts a job
(202), GET /api/v1/imports/{id} shows its progress and, at the end, the
summary and the rejected rows; the same file twice changes nothing.
"""

import time

from harness import eq, expect, expect_error, ok, test

IMP = "/api/v1/imports"


def upload(env, query, data, token=None, content_type="text/csv; charset=utf-8"):
    return env.api.post(IMP + "?" + query, raw=data, token=token or env.admin(),
                        content_type=content_type)


def wait_done(env, job, token=None):
    for _ in range(200):
        j = expect(env.api.get(IMP + "/%d" % job["id"], token=token or env.admin()), 200,
                   "import status")
        if j["status"] != "running":
            return j
        time.sleep(0.05)
    raise AssertionError("import %d never ended" % job["id"])


def guests_csv(phones):
    rows = ["姓名,手机,生日,过敏"]
    for i, p in enumerate(phones):
        rows.append("导入客%d,%s,03-0%d,花生" % (i, p, (i % 9) + 1))
    return ("\ufeff" + "\n".join(rows) + "\n").encode("utf-8")


@test("POST /imports?kind=guests answers 202 with a job; it ends 'done' with the summary, "
      "the guests exist, and the same file again is all unchanged")
def t_import_guests(env):
    phones = ["1390000%04d" % (env.seq() % 10000) for _ in range(3)]
    data = guests_csv(phones)
    r = upload(env, "kind=guests", data)
    j = expect(r, 202, "start import")
    eq((j["kind"], j["status"] in ("running", "done")), ("guests", True), "job answer")
    ok(j["progress"]["bytes_total"] == len(data), "bytes_total is the upload size")
    done = wait_done(env, j)
    eq(done["status"], "done", "status")
    eq({k: done["summary"][k] for k in ("read", "inserted", "updated", "unchanged", "rejected")},
       {"read": 3, "inserted": 3, "updated": 0, "unchanged": 0, "rejected": 0}, "summary")
    found = expect(env.api.get("/api/v1/customers?phone=" + phones[0], token=env.admin()),
                   200, "find imported guest")["items"]
    eq(len(found), 1, "guest imported")
    eq(found[0]["allergies"], ["花生"], "allergy imported as a fact")
    again = wait_done(env, expect(upload(env, "kind=guests", data), 202, "second import"))
    eq((again["summary"]["inserted"], again["summary"]["unchanged"]), (0, 3), "idempotent")
    lst = expect(env.api.get(IMP, token=env.admin()), 200, "list")["items"]
    ok(lst[0]["id"] == again["id"] and lst[1]["id"] == done["id"], "newest job first")


@test("bad rows are reported with line, column and reason; good rows still land; "
      "strict=true writes nothing")
def t_import_rejects(env):
    good = "1391111%04d" % (env.seq() % 10000)
    data = ("姓名,手机,生日\n好客人,%s,01-02\n坏手机,12345,01-02\n坏生日,%s,02-30\n"
            % (good, "1392222%04d" % (env.seq() % 10000))).encode("utf-8")
    done = wait_done(env, expect(upload(env, "kind=guests", data), 202, "import"))
    eq((done["summary"]["inserted"], done["summary"]["rejected"]), (1, 2), "counts")
    eq([(x["line"], x["column"]) for x in done["rejects"]], [(3, "手机"), (4, "生日")],
       "reject lines and columns")
    ok(all(x["reason"] for x in done["rejects"]), "every reject has a reason")
    strict_phone = "1393333%04d" % (env.seq() % 10000)
    data2 = ("姓名,手机\n严格,%s\n坏,999\n" % strict_phone).encode("utf-8")
    s = wait_done(env, expect(upload(env, "kind=guests&strict=true", data2), 202, "strict"))
    ok(s["summary"]["rolled_back"], "strict import rolled back")
    eq(expect(env.api.get("/api/v1/customers?phone=" + strict_phone, token=env.admin()), 200,
              "lookup")["items"], [], "nothing written under strict")


@test("visits upload: order lines grouped into visits at the given store, GB18030 file with "
      "Chinese headers")
def t_import_visits_gb18030(env):
    order = "IMP-%d" % env.seq()
    text = ("门店,订单号,消费时间,菜品,数量,单价\n"
            "BJ01,%s,2024-03-05 18:30:00,肥牛卷,2,58.00\n"
            "BJ01,%s,2024-03-05 18:30:00,虾滑,1,48.00\n" % (order, order))
    done = wait_done(env, expect(upload(env, "kind=visits&encoding=gb18030",
                                        text.encode("gb18030")), 202, "import visits"))
    eq(done["status"], "done", "status")
    eq((done["summary"]["orders"], done["summary"]["inserted"], done["summary"]["rejected"]),
       (1, 1, 0), "one order, one visit")


@test("upload bad input: no kind, unknown kind/encoding/date_format/store, JSON body, empty body, "
      "over 32 MiB; all 4xx naming the field, no job made")
def t_import_bad(env):
    before = len(expect(env.api.get(IMP, token=env.admin()), 200, "list")["items"])
    data = guests_csv(["13900009999"])
    expect_error(upload(env, "", data), 400, "missing_field", "kind")
    expect_error(upload(env, "kind=customers", data), 400, "invalid_option", "kind")
    expect_error(upload(env, "kind=guests&encoding=latin1", data), 400, "invalid_option",
                 "encoding")
    expect_error(upload(env, "kind=visits&date_format=yyyy", data), 400, "invalid_option",
                 "date_format")
    expect_error(upload(env, "kind=visits&store=NOPE", data), 400, "unknown_store", "store")
    expect_error(upload(env, "kind=guests&strict=yes", data), 400, "invalid_option", "strict")
    expect_error(upload(env, "kind=guests", b'{"a":1}', content_type="application/json"), 415,
                 "unsupported_media_type", "file")
    expect_error(upload(env, "kind=guests", b""), 400, "missing_field", "file")
    expect_error(upload(env, "kind=guests", b"x" * (32 * 1024 * 1024 + 1)), 413,
                 "body_too_large", "file")
    eq(len(expect(env.api.get(IMP, token=env.admin()), 200, "list")["items"]), before,
       "no job was made")
    expect_error(env.api.get(IMP + "/999999", token=env.admin()), 404, "not_found")


@test("imports are for admin and manager: waiter, analyst and support get 403; a manager "
      "sees only their own jobs")
def t_import_roles(env):
    data = guests_csv(["1394444%04d" % (env.seq() % 10000)])
    for role in ("waiter", "analyst", "support"):
        expect_error(upload(env, "kind=guests", data, token=env.tok[role]), 403, "forbidden")
        expect_error(env.api.get(IMP, token=env.tok[role]), 403, "forbidden")
    mine = wait_done(env, expect(upload(env, "kind=guests", data, token=env.tok["manager"]),
                                 202, "manager import"), token=env.tok["manager"])
    lst = expect(env.api.get(IMP, token=env.tok["manager"]), 200, "manager list")["items"]
    eq([j["id"] for j in lst], [mine["id"]], "a manager sees only their own job")
    admin_job = expect(env.api.get(IMP, token=env.admin()), 200, "admin list")["items"][-1]
    ok(admin_job["id"] != mine["id"], "the admin has older jobs of their own")
    expect_error(env.api.get(IMP + "/%d" % admin_job["id"], token=env.tok["manager"]), 404,
                 "not_found")
