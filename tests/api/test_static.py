"""
test_static.py - the console's static files: index.html for client routes,
MIME types, security headers, and no way out of the web root.
"""

from harness import eq, expect_error, ok, test


def get(env, path, **kw):
    return env.api.request("GET", path, **kw)


def is_index(r):
    return r.status == 200 and b"INDEX-PAGE-MARKER" in r.body


@test("/ and client routes like /guests/12 serve index.html as text/html with a Content-Security-Policy")
def t_index(env):
    for path in ("/", "/guests/12", "/guests/12/visits", "/settings", "/sub"):
        r = get(env, path)
        eq(r.status, 200, "GET %s status" % path)
        ok(b"INDEX-PAGE-MARKER" in r.body, "GET %s serves index.html: %r" % (path, r.body[:80]))
        ok((r.header("Content-Type") or "").startswith("text/html"),
           "GET %s Content-Type %r" % (path, r.header("Content-Type")))
        csp = r.header("Content-Security-Policy") or ""
        ok("default-src 'self'" in csp and "script-src 'self'" in csp,
           "GET %s Content-Security-Policy %r" % (path, csp))
        eq(r.header("X-Content-Type-Options"), "nosniff", "nosniff on " + path)


@test("static files get their MIME type: app.js text/javascript, style.css text/css, sub/page.txt text/plain")
def t_mime(env):
    for path, ctype, mark in (("/app.js", "text/javascript", b"APP-JS-MARKER"),
                              ("/style.css", "text/css", b"STYLE-CSS-MARKER"),
                              ("/sub/page.txt", "text/plain", b"SUB-PAGE-MARKER"),
                              ("/index.html", "text/html", b"INDEX-PAGE-MARKER")):
        r = get(env, path)
        eq(r.status, 200, "GET %s" % path)
        ok((r.header("Content-Type") or "").startswith(ctype),
           "GET %s Content-Type %r, want %s" % (path, r.header("Content-Type"), ctype))
        ok(mark in r.body, "GET %s body" % path)
        ok(r.header("Content-Security-Policy"), "CSP on " + path)


@test("a repeated GET with If-None-Match of the ETag answers 304 without a body")
def t_etag(env):
    r = get(env, "/app.js")
    etag = r.header("ETag")
    ok(etag, "ETag present")
    r2 = get(env, "/app.js", headers={"If-None-Match": etag})
    eq(r2.status, 304, "conditional GET")
    eq(r2.body, b"", "no body on 304")


@test("path traversal (.., %2e%2e, ..%2f, symlinks out of the web root) never serves a file outside it")
def t_traversal(env):
    paths = ["/../t.db", "/%2e%2e/t.db", "/sub/..%2f..%2ft.db", "/%2e%2e%2ft.db",
             "/../secret.txt", "/%2e%2e/secret.txt", "/sub/../../secret.txt",
             "/sub/%2e%2e/%2e%2e/secret.txt", "/.%2e/secret.txt", "/%2E%2E/secret.txt",
             "/..%5csecret.txt", "/sub/..%5c..%5csecret.txt", "//secret.txt", "/./../secret.txt",
             "/leak.txt", "/sub/db.txt", "/sub/../leak.txt", "/etc/passwd", "//etc/passwd",
             "/%2fetc%2fpasswd", "/sub/%2e%2e%2f%2e%2e%2fsecret.txt", "/..", "/sub/..",
             "/%00/secret.txt", "/leak.txt%00.html"]
    for path in paths:
        r = get(env, path)
        ok(env.secret_text.encode() not in r.body, "GET %s leaked the outside file" % path)
        ok(b"SQLite format 3" not in r.body, "GET %s leaked the database" % path)
        ok(b"root:" not in r.body, "GET %s leaked /etc/passwd" % path)
        ok(r.status == 404 or is_index(r) or r.status == 400,
           "GET %s: HTTP %d %r (want 404 or index.html)" % (path, r.status, r.body[:80]))


@test("POST, PUT, DELETE on static paths answer JSON 405 method_not_allowed")
def t_static_method(env):
    for method, path in (("POST", "/app.js"), ("POST", "/"), ("PUT", "/guests/12"),
                         ("DELETE", "/index.html"), ("PATCH", "/style.css")):
        r = env.api.request(method, path, raw=b"{}")
        expect_error(r, 405, "method_not_allowed", what="%s %s" % (method, path))
