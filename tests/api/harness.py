"""
harness.py - the machinery of laoke's HTTP API tests.

Standard library only. It knows how to
  * run the laoke CLI (migrate, user add),
  * start `laoke serve` on a temporary database and a free port, stop it,
  * send exact HTTP requests with http.client (no URL normalisation),
  * register tests and report them as TAP version 13.

Tests are plain functions taking the environment (class Env); they fail by
raising AssertionError through the check helpers below (which, unlike the
assert statement, survive `python3 -O`).
"""

import http.client
import json
import os
import signal
import subprocess
import sys
import time
import traceback
import urllib.parse

# ---------------------------------------------------------------- checks


class TestFailure(AssertionError):
    pass


def ok(cond, what):
    if not cond:
        raise TestFailure(what)


def eq(got, want, what):
    if got != want:
        raise TestFailure("%s: got %r, want %r" % (what, got, want))


def ne(got, bad, what):
    if got == bad:
        raise TestFailure("%s: got %r, which it must not be" % (what, got))


# ---------------------------------------------------------------- registry

REGISTRY = []


def test(name):
    """Decorator: register fn(env) as a test named `name` (the behaviour checked)."""
    def deco(fn):
        REGISTRY.append((name, fn))
        return fn
    return deco


# ---------------------------------------------------------------- HTTP


class Resp:
    def __init__(self, status, reason, headers, body):
        self.status = status
        self.reason = reason
        self.headers = headers  # list of (name, value)
        self.body = body
        self._json = None
        self._parsed = False

    def header(self, name):
        name = name.lower()
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return None

    @property
    def json(self):
        if not self._parsed:
            self._parsed = True
            try:
                self._json = json.loads(self.body.decode("utf-8"))
            except (ValueError, UnicodeDecodeError):
                self._json = None
        return self._json

    def text(self):
        return self.body.decode("utf-8", "replace")

    def __repr__(self):
        b = self.text()
        if len(b) > 300:
            b = b[:300] + "..."
        return "<HTTP %d %s>" % (self.status, b)


def q(s):
    """Percent-encode a query value (every reserved byte, '+' included)."""
    return urllib.parse.quote(s, safe="")


class Api:
    """A client for one server. Each request uses its own connection unless conn is given."""

    def __init__(self, host, port):
        self.host = host
        self.port = port

    def connection(self):
        return http.client.HTTPConnection(self.host, self.port, timeout=15)

    def request(self, method, path, body=None, token=None, headers=None, raw=None,
                content_type="application/json", conn=None):
        """
        body: a Python value sent as JSON; raw: bytes sent as they are.
        content_type: None sends no Content-Type header.
        """
        hdrs = {}
        data = None
        if raw is not None:
            data = raw
        elif body is not None:
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        if data is not None and content_type is not None:
            hdrs["Content-Type"] = content_type
        if token:
            hdrs["Authorization"] = "Bearer " + token
        if headers:
            hdrs.update(headers)
        own = conn is None
        c = self.connection() if own else conn
        try:
            c.putrequest(method, path, skip_host=False, skip_accept_encoding=True)
            for k, v in hdrs.items():
                c.putheader(k, v)
            if data is not None or method in ("POST", "PUT", "PATCH"):
                c.putheader("Content-Length", str(len(data or b"")))
            c.endheaders(data)
            r = c.getresponse()
            resp = Resp(r.status, r.reason, r.getheaders(), r.read())
        finally:
            if own:
                c.close()
        return resp

    def get(self, path, token=None, **kw):
        return self.request("GET", path, token=token, **kw)

    def post(self, path, body=None, token=None, **kw):
        return self.request("POST", path, body=body, token=token, **kw)

    def patch(self, path, body=None, token=None, **kw):
        return self.request("PATCH", path, body=body, token=token, **kw)

    def delete(self, path, token=None, **kw):
        return self.request("DELETE", path, token=token, **kw)


def expect(resp, status, what):
    if resp.status != status:
        raise TestFailure("%s: HTTP %d, want %d; body %s" % (what, resp.status, status,
                                                             resp.text()[:400]))
    return resp.json


def expect_error(resp, status, code=None, field=None, what="request"):
    """The response is `status` with {"error":{"code","message"[,"field"]}}."""
    if resp.status != status:
        raise TestFailure("%s: HTTP %d, want %d; body %s" % (what, resp.status, status,
                                                             resp.text()[:400]))
    ct = resp.header("Content-Type") or ""
    ok(ct.startswith("application/json"), "%s: error Content-Type is %r" % (what, ct))
    j = resp.json
    ok(isinstance(j, dict) and isinstance(j.get("error"), dict),
       "%s: error body is not {\"error\":{...}}: %s" % (what, resp.text()[:300]))
    e = j["error"]
    ok(isinstance(e.get("code"), str) and e["code"],
       "%s: error has no code: %r" % (what, e))
    ok(isinstance(e.get("message"), str) and e["message"],
       "%s: error has no message: %r" % (what, e))
    if code is not None:
        eq(e["code"], code, "%s: error code" % what)
    if field is not None:
        eq(e.get("field"), field, "%s: error field" % what)
    return e


# ---------------------------------------------------------------- processes


def run_cli(laoke, args, stdin_text=None, timeout=30):
    p = subprocess.run([laoke] + list(args), input=stdin_text, capture_output=True,
                       text=True, timeout=timeout)
    if p.returncode != 0:
        raise RuntimeError("laoke %s failed (%d): %s%s" % (" ".join(args), p.returncode,
                                                         p.stdout, p.stderr))
    return p.stdout


def add_user(laoke, db_url, name, role, password, store=None):
    args = ["user", "add", name, "--role", role, "--password-stdin", "--db", db_url]
    if store:
        args += ["--store", store]
    run_cli(laoke, args, stdin_text=password + "\n")


def tail_file(path, n=40):
    try:
        with open(path, "rb") as f:
            lines = f.read().decode("utf-8", "replace").splitlines()
        return lines[-n:]
    except OSError as e:
        return ["(cannot read %s: %s)" % (path, e)]


STARTED = []  # every Server started, so the runner can make sure none is left behind


class Server:
    """One `laoke serve` process on db_url, listening on 127.0.0.1 and a free port."""

    def __init__(self, laoke, db_url, workdir, web_dir, log_path, name="server", nightly=False):
        self.laoke = laoke
        # the nightly classification stays off unless a test is about it: a run
        # starting on its own would race the tests' runs
        self.nightly = nightly
        self.db_url = db_url
        self.workdir = workdir
        self.web_dir = web_dir
        self.log_path = log_path
        self.port_file = os.path.join(workdir, name + ".port")
        self.proc = None
        self.port = None
        self.log = None

    def start(self, timeout=15):
        try:
            os.unlink(self.port_file)
        except FileNotFoundError:
            pass
        self.log = open(self.log_path, "ab")
        args = [self.laoke, "serve", "--db", self.db_url, "--listen", "127.0.0.1:0",
                "--port-file", self.port_file, "--nightly", "on" if self.nightly else "off"]
        if self.web_dir:
            args += ["--web", self.web_dir]
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=self.log, cwd=self.workdir)
        if self not in STARTED:
            STARTED.append(self)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("laoke serve exited with %d before listening" %
                                   self.proc.returncode)
            try:
                with open(self.port_file) as f:
                    txt = f.read()
                if txt.endswith("\n") and txt.strip().isdigit():
                    self.port = int(txt.strip())
                    return self
            except FileNotFoundError:
                pass
            time.sleep(0.01)
        self.kill()
        raise RuntimeError("laoke serve wrote no port file within %d s" % timeout)

    def api(self):
        return Api("127.0.0.1", self.port)

    def stop(self, timeout=10):
        """SIGTERM, wait; returns the exit status, or None if it did not exit in time."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            rc = None
        self._close_log()
        return rc

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._close_log()

    def _close_log(self):
        if self.log:
            self.log.close()
            self.log = None


# ---------------------------------------------------------------- environment

PASSWORD = "s3cret-pass"
ROLES = ("admin", "manager", "analyst", "waiter", "support")


class Env:
    """Everything the tests share: the server, tokens of every role, a store, dishes."""

    def __init__(self, laoke, tmp):
        self.laoke = os.path.abspath(laoke)
        self.tmp = tmp
        self.db_path = os.path.join(tmp, "t.db")
        self.db_url = "sqlite:" + self.db_path
        self.web = os.path.join(tmp, "web")
        self.log_path = os.path.join(tmp, "server.log")
        self.secret_text = "TOP-SECRET-OUTSIDE-WEB-ROOT-4b1d"
        self.server = None
        self.api = None
        self.tok = {}
        self.users = {}
        self._phone = 10000000
        self._seq = 0

    # unique values
    def phone(self):
        """A fresh valid mainland mobile number (11 digits, never used before)."""
        self._phone += 1
        return "137%08d" % self._phone

    def seq(self):
        self._seq += 1
        return self._seq

    def make_web(self):
        os.makedirs(os.path.join(self.web, "sub"))
        with open(os.path.join(self.web, "index.html"), "w") as f:
            f.write("<!doctype html><title>laoke</title><p>INDEX-PAGE-MARKER</p>\n")
        with open(os.path.join(self.web, "app.js"), "w") as f:
            f.write("console.log('APP-JS-MARKER');\n")
        with open(os.path.join(self.web, "style.css"), "w") as f:
            f.write("body { color: #333 } /* STYLE-CSS-MARKER */\n")
        with open(os.path.join(self.web, "sub", "page.txt"), "w") as f:
            f.write("SUB-PAGE-MARKER\n")
        secret = os.path.join(self.tmp, "secret.txt")
        with open(secret, "w") as f:
            f.write(self.secret_text + "\n")
        os.symlink(secret, os.path.join(self.web, "leak.txt"))
        os.symlink(os.path.join(self.tmp, "t.db"), os.path.join(self.web, "sub", "db.txt"))

    def setup(self):
        self.make_web()
        run_cli(self.laoke, ["migrate", "--db", self.db_url])
        for role in ROLES:
            if role == "waiter":
                continue
            name = "u_" + role
            add_user(self.laoke, self.db_url, name, role, PASSWORD)
            self.users[role] = name
        self.server = Server(self.laoke, self.db_url, self.tmp, self.web, self.log_path,
                             "main").start()
        self.api = self.server.api()
        self.tok["admin"] = self.login("u_admin")
        # a store first, then the waiter bound to it
        r = self.api.post("/api/v1/stores", {"code": "BJ01", "name": "北京朝阳店",
                                             "city": "北京", "region": "华北",
                                             "timezone": "Asia/Shanghai"},
                          token=self.tok["admin"])
        self.store = expect(r, 201, "create store BJ01")
        r = self.api.post("/api/v1/stores", {"code": "SH02", "name": "上海徐汇店"},
                          token=self.tok["admin"])
        self.store2 = expect(r, 201, "create store SH02")
        add_user(self.laoke, self.db_url, "u_waiter", "waiter", PASSWORD, store="BJ01")
        self.users["waiter"] = "u_waiter"
        for role in ROLES:
            if role != "admin":
                self.tok[role] = self.login(self.users[role])
        self.dishes = {}
        for name, cat, price in (("肥牛卷", "meat", 5800), ("虾滑", "seafood", 4800),
                                 ("生菜", "vegetable", 1200), ("番茄锅底", "soup_base", 3000)):
            r = self.api.post("/api/v1/dishes", {"name": name, "category": cat,
                                                 "price_fen": price},
                              token=self.tok["admin"])
            self.dishes[cat] = expect(r, 201, "create dish " + name)
        self.routes = json.loads(run_cli(self.laoke, ["routes", "--json"]))

    def login(self, username, password=PASSWORD):
        r = self.api.post("/api/v1/auth/login", {"username": username, "password": password})
        j = expect(r, 200, "login " + username)
        return j["token"]

    # convenience
    def admin(self):
        return self.tok["admin"]

    def new_guest(self, token=None, **fields):
        body = {"name": "客人%d" % self.seq(), "phone": self.phone()}
        body.update(fields)
        body = {k: v for k, v in body.items() if v is not None}
        r = self.api.post("/api/v1/customers", body, token=token or self.admin())
        return expect(r, 201, "create guest %r" % body)

    def guest(self, gid, token=None):
        r = self.api.get("/api/v1/customers/%d" % gid, token=token or self.admin())
        return expect(r, 200, "read guest %d" % gid)

    def search(self, query, token=None):
        r = self.api.get("/api/v1/customers?" + query, token=token or self.admin())
        return expect(r, 200, "search " + query)

    def server_log_tail(self, n=40):
        return tail_file(self.log_path, n)


# ---------------------------------------------------------------- TAP


def tap_run(env, tests, extra_final=None):
    """
    Run tests (list of (name, fn)) then extra_final (list of (name, fn)), printing
    TAP version 13. Returns the number of failures.
    """
    allt = list(tests) + list(extra_final or [])
    print("TAP version 13")
    print("1..%d" % len(allt))
    sys.stdout.flush()
    failed = 0
    for k, (name, fn) in enumerate(allt, 1):
        t0 = time.monotonic()
        try:
            fn(env)
        except TestFailure as e:
            failed += 1
            print("not ok %d - %s" % (k, name))
            for line in str(e).splitlines() or [""]:
                print("# " + line)
        except Exception as e:  # noqa: BLE001 - any crash of a test is its failure
            failed += 1
            print("not ok %d - %s" % (k, name))
            print("# %s: %s" % (type(e).__name__, e))
            for line in traceback.format_exc().splitlines()[-6:]:
                print("#   " + line)
        else:
            print("ok %d - %s" % (k, name))
        dt = time.monotonic() - t0
        if dt > 3:
            print("# (took %.1f s)" % dt)
        sys.stdout.flush()
    return failed
