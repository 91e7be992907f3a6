#!/usr/bin/env python3
"""
run.py - laoke's HTTP API test suite, TAP version 13 on stdout.

    python3 tests/api/run.py --laoke /path/to/laoke [--keep] [--filter TEXT]

Makes a temporary directory with a fresh database, users of every role and a
web root; starts `laoke serve` on a free port; runs every test in
tests/api/test_*.py; stops the server with SIGTERM and checks it exits 0
within 10 s (a leak under AddressSanitizer fails that test). Exit status 1
when any test failed.
"""

import argparse
import importlib
import os
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, HERE)

import harness  # noqa: E402

TEST_MODULES = ("test_api", "test_static", "test_durability", "test_export", "test_merge",
                "test_imports", "test_privacy", "test_users", "test_keys", "test_rights",
                "test_settings", "test_needs", "test_analytics", "test_classification", "test_feedback",
                "test_cls_export", "test_fb_export", "test_surveys", "test_alerts")


def main():
    ap = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    ap.add_argument("--laoke", required=True, help="the laoke binary to test")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    ap.add_argument("--filter", help="run only tests whose name contains this text")
    args = ap.parse_args()

    for m in TEST_MODULES:
        importlib.import_module(m)
    tests = harness.REGISTRY
    if args.filter:
        tests = [t for t in tests if args.filter in t[0]]

    tmp = tempfile.mkdtemp(prefix="laoke-api-")
    env = harness.Env(args.laoke, tmp)
    t0 = time.monotonic()
    try:
        env.setup()
    except Exception as e:  # noqa: BLE001 - setup failure is one failed test
        print("TAP version 13")
        print("1..1")
        print("not ok 1 - harness sets up the database, users and server")
        print("# %s: %s" % (type(e).__name__, e))
        for line in env.server_log_tail():
            print("#   log: " + line)
        if env.server:
            env.server.kill()
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
        return 1

    def shutdown(env):
        rc = env.server.stop(timeout=10)
        harness.ok(rc is not None, "server did not exit within 10 s of SIGTERM")
        harness.eq(rc, 0, "server exit status after SIGTERM")

    failed = harness.tap_run(env, tests, [
        ("server exits with status 0 within 10 s of SIGTERM (no leaks, clean stop)",
         shutdown)])
    for srv in harness.STARTED:
        srv.kill()  # only ever kills a process this runner started, and only if still running
    print("# %d test(s) failed; %.1f s" % (failed, time.monotonic() - t0))
    if failed:
        print("# last 40 lines of the server log (%s):" % env.log_path)
        for line in env.server_log_tail(40):
            print("#   " + line)
    if args.keep or failed and os.environ.get("LAOKE_TEST_KEEP"):
        print("# kept " + tmp)
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
