#!/usr/bin/env bash
# The whole test suite: unit, store and API tests on the normal build, the
# same again under AddressSanitizer + UndefinedBehaviorSanitizer, then the
# console in Chromium. Ends with one line "laoke: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh test || exit 1

export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
passed=0
failed=0
status=0

# Add the TAP results of a meson run to the totals. A test program that
# died before printing its results counts as at least one failure.
count() {
  local log=$1 out=$2
  local p f mf
  p=$(grep -cE '^ok [0-9]+' "$log" || true)
  f=$(grep -cE '^not ok [0-9]+' "$log" || true)
  mf=$(awk '/^(Fail|Timeout):/ {n += $2} END {print n + 0}' "$out")
  [ "$f" -lt "$mf" ] && f=$mf
  passed=$((passed + p))
  failed=$((failed + f))
}

step() { echo; echo "==> $*"; }

step "build (-Wall -Wextra -Werror)"
# (re)configure with the tests required: a missing cmocka or python3 fails here, loudly
setup() {
  local dir=$1; shift
  if [ -f "$dir/build.ninja" ]; then
    meson setup --reconfigure "$dir" -Dtests=enabled "$@" >/dev/null
  else
    meson setup "$dir" -Dtests=enabled "$@" >/dev/null
  fi
}
setup build --buildtype=debugoptimized || exit 1
ninja -C build || exit 1

step "unit, store and API tests"
meson test -C build --print-errorlogs --no-rebuild 2>&1 | tee build/test-output.txt
[ "${PIPESTATUS[0]}" = 0 ] || status=1
count build/meson-logs/testlog.txt build/test-output.txt

step "the same under ASan + UBSan"
setup build-asan --buildtype=debug -Db_sanitize=address,undefined -Db_lundef=false || exit 1
ninja -C build-asan || exit 1
meson test -C build-asan --print-errorlogs --no-rebuild --timeout-multiplier 3 2>&1 |
  tee build-asan/test-output.txt
[ "${PIPESTATUS[0]}" = 0 ] || status=1
count build-asan/meson-logs/testlog.txt build-asan/test-output.txt

step "fuzz the parsers of outside input (libFuzzer, ${FUZZ_SECONDS:=20} s each)"
if [ -f build-fuzz/build.ninja ] || CC=clang meson setup build-fuzz --buildtype=debug -Dfuzz=true \
     -Db_sanitize=address,undefined -Db_lundef=false >/dev/null; then
  ninja -C build-fuzz || exit 1
  for t in rules api; do
    work=$(mktemp -d)
    cp tests/fuzz/corpus/$t/* "$work"/
    if build-fuzz/tests/fuzz/fuzz_$t -max_total_time="$FUZZ_SECONDS" -max_len=4096 \
         -artifact_prefix=build-fuzz/ "$work" >build-fuzz/fuzz_$t.log 2>&1; then
      echo "ok fuzz_$t: $(grep -E '^Done [0-9]+ runs' build-fuzz/fuzz_$t.log)"
      passed=$((passed + 1))
    else
      echo "not ok fuzz_$t: see build-fuzz/fuzz_$t.log"; tail -30 build-fuzz/fuzz_$t.log
      failed=$((failed + 1)); status=1
    fi
    rm -rf "$work"
  done
else
  echo "not ok fuzz: cannot configure the clang build"; failed=$((failed + 1)); status=1
fi

if [ -d tests/web ] && [ -f package-lock.json ]; then
  step "console in Chromium"
  npm ci --no-audit --no-fund --loglevel=error || exit 1
  scripts/build-web.sh || exit 1
  mkdir -p tests/artifacts
  if LAOKE_BIN="$PWD/build/laoke" node --test tests/web/ 2>&1 | tee tests/artifacts/web-test.log; then :; else status=1; fi
  p=$(grep -E '^# pass ' tests/artifacts/web-test.log | awk '{print $3}' | tail -1)
  f=$(grep -E '^# fail ' tests/artifacts/web-test.log | awk '{print $3}' | tail -1)
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-1}))
  [ "${f:-1}" = 0 ] || status=1
fi

echo
echo "laoke: $passed passed, $failed failed"
if [ $failed -gt 0 ]; then status=1; fi
exit $status
