#!/usr/bin/env bash
# front-door.sh - the README's two commands, run as a newcomer runs them, in
# a clean copy of the tree (what git tracks, no build, no configure). Run by
# `scripts/test.sh front-door`, not by make check: it builds everything anew.
#
#  1. the demo, with CUnit hidden from configure, as on a machine where it is
#     not installed yet: its build has no test programs;
#  2. the test command (its gcc step, on the quick tests): it must configure
#     that build again, now that CUnit is there, and run more than 0 tests;
#  3. the test command again: nothing to reconfigure, the tests run;
#  4. a configure interrupted half-way (its record gone, its Makefile
#     broken), then the demo: it configures again and passes.
# The whole suite around this step runs the demo and every test in full.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/zkelect-front-door.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

copy=$work/zkelect
mkdir -p "$copy"
if git -C "$root" rev-parse --git-dir >/dev/null 2>&1; then
    # Tracked files and new ones not ignored: the working tree as a clone of it would be.
    (cd "$root" && git ls-files -z --cached --others --exclude-standard |
        while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done | tar --null -T - -cf -) |
        tar -C "$copy" -xf -
else
    fail "not a git checkout: nothing to copy a clean tree from"
fi
[ ! -e "$copy/configure" ] && [ ! -e "$copy/build" ] || fail "the copy is not clean"

# A pkg-config search path with every module but CUnit.
hidden=$work/pkgconfig
mkdir -p "$hidden"
IFS=: read -r -a pc_dirs <<<"$(pkg-config --variable pc_path pkg-config)"
for d in "${pc_dirs[@]}"; do
    [ -d "$d" ] && find "$d" -maxdepth 1 -name '*.pc' ! -name 'cunit.pc' -exec cp -n {} "$hidden/" \;
done
PKG_CONFIG_LIBDIR=$hidden pkg-config --exists cunit && fail "CUnit is still visible"

configured() { sed -n 's/^pkg cunit //p' "$copy/build/zkelect-configuration"; }
counted() { sed -n 's/^# TOTAL: *//p' "$1" | tail -n 1; }

echo "==> 1. the demo, CUnit hidden"
(cd "$copy" && PKG_CONFIG_LIBDIR=$hidden ./examples/worker-pool/demo --jobs 100 --workers 3) >"$work/demo1.log" 2>&1 ||
    { tail -n 30 "$work/demo1.log"; fail "the demo failed"; }
grep -q 'every job done exactly once' "$work/demo1.log" || fail "the demo did not finish its jobs"
[ "$(configured)" = absent ] || fail "the demo's build was configured with CUnit ($(configured))"
[ ! -e "$copy/build/tests/unit" ] || fail "test programs were built without CUnit"
echo "    ok: every job done once; build/ configured without CUnit"

quick="tests/unit tests/header-alone.sh tests/exports.sh tests/version.sh"
for run in 2 3; do
    echo "==> $run. the test command"
    (cd "$copy" && CHECK_TESTS=$quick ./scripts/test.sh gcc) >"$work/test$run.log" 2>&1 ||
        { tail -n 40 "$work/test$run.log"; fail "the test command failed"; }
    n=$(counted "$work/test$run.log")
    [ "${n:-0}" -gt 0 ] || fail "the test command ran no test (# TOTAL: ${n:-none})"
    grep -q '^zkelect: 1 passed, 0 failed' "$work/test$run.log" || fail "the step did not pass"
    [ "$(configured)" != absent ] || fail "build/ still configured without CUnit"
    reconfigured=$(grep -c '^==> configuring build' "$work/test$run.log" || true)
    if [ $run = 2 ]; then
        [ "$reconfigured" -eq 1 ] || fail "the stale build/ was not configured again"
    else
        [ "$reconfigured" -eq 0 ] || fail "build/ was configured again with nothing changed"
    fi
    echo "    ok: $n tests ran; build/ configured again: $reconfigured time(s)"
done

echo "==> 4. an interrupted configure, then the demo"
rm -f "$copy/build/zkelect-configuration"
echo 'broken:' >"$copy/build/Makefile"
(cd "$copy" && ./examples/worker-pool/demo --jobs 100 --workers 3) >"$work/demo2.log" 2>&1 ||
    { tail -n 30 "$work/demo2.log"; fail "the demo failed after an interrupted configure"; }
grep -q '^==> configuring build' "$work/demo2.log" || fail "the demo did not configure again"
echo "    ok: configured again, every job done once"
echo "front door: 4 checks passed"
