#!/usr/bin/env bash
# test.sh - the README's test command, and all that CI runs: installs what is
# missing, builds, and runs the whole suite in every configuration.
#
#   ./scripts/test.sh            every step
#   ./scripts/test.sh gcc lint   only the named steps
#
# Steps (HACKING.md says what each covers and why):
#   gcc        make check, gcc, -Werror (every test program and script)
#   tls        clang, -Werror, against the ZooKeeper client with TLS and SASL that
#              scripts/secure-client.sh builds: the quick programs, and TLS and SASL
#              on a real ZooKeeper (tests/secure.c)
#   asan       make check under AddressSanitizer + UndefinedBehaviorSanitizer
#   torture    zkelect-torture for 30 s, then 20 s with priorities, preemption and moves,
#              a fresh seed, sanitizers on; the weakened
#              participant must be caught
#   tsan       make check under ThreadSanitizer
#   valgrind   the unit, election, callback and shared-session programs under memcheck
#   fuzz       libFuzzer on names, line order, validation and ACL text (20 s)
#   lint       cppcheck and clang-tidy on src/ and cli/; every reference in the docs resolves
#   distcheck  make distcheck, the tarball built as distributions build it
#              (dpkg-buildflags plus gcc -O3, _FORTIFY_SOURCE=3, no -Werror): it
#              builds, installs and passes the quick tests; every warning reported
#   packaging  Debian packages and lintian, the RPM, an example built against them, the ABI
#   front-door the README's two commands in the order a newcomer runs them, from a
#              clean copy of the tree with CUnit hidden from the first
#
# Two lanes, so that the suite fits a 2-core machine: the suites of tests
# that wait on servers and timers (gcc, asan, torture, tsan, valgrind, tls) run
# in this shell, one after the other, each with several test programs at
# once; the steps that are mostly compiling run beside them at the lowest
# CPU priority (nice 19), on the CPU the tests leave idle. When this shell
# is done with the waiting steps it takes the compiling steps not yet begun
# from the other end of their list. The second lane's output is shown at
# the end. A step that runs no test fails, whatever its exit status. Every
# step runs; the last line says how many passed and failed, and the exit
# status is 1 if any failed.
set -uo pipefail
. "$(dirname "$0")/setup.sh"
waiting_steps=(gcc asan torture tsan valgrind tls)
compiling_steps=(front-door fuzz lint distcheck packaging)
all_steps=("${waiting_steps[@]}" "${compiling_steps[@]}")
steps=("$@")
[ ${#steps[@]} -gt 0 ] || steps=("${all_steps[@]}")
for s in "${steps[@]}"; do
    [[ " ${all_steps[*]} " == *" $s "* ]] || { echo "test.sh: unknown step '$s' (steps: ${all_steps[*]})" >&2; exit 2; }
done
set -e
need_packages "${ZKELECT_BUILD_PACKAGES[@]}" "${ZKELECT_TEST_PACKAGES[@]}"
bootstrap
set +e

# The project's own builds treat warnings as errors (never the default).
DEV=(--enable-werror)

# selected NAME: the step was asked for.
selected() {
    [[ " ${steps[*]} " == *" $1 "* ]]
}

# step NAME FUNCTION [ARGS...]: run a step, say how it went and how long it
# took, and append "NAME ok|FAILED SECONDS" to $results.
step() {
    local name=$1
    shift
    selected "$name" || return 0
    echo
    echo "==> $name"
    local t0=$SECONDS verdict=ok
    "$@" || verdict=FAILED
    echo "==> $name: $verdict ($((SECONDS - t0)) s)"
    echo "$name $verdict $((SECONDS - t0))" >>"$results"
}

results=$(mktemp /tmp/zkelect-test-results.XXXXXX)
lane_log=$(mktemp /tmp/zkelect-test-lane.XXXXXX)
claims=$(mktemp -d /tmp/zkelect-test-claims.XXXXXX)
trap 'rm -rf "$results" "$lane_log" "$claims"' EXIT

# claim NAME: true for the one lane that takes the step (mkdir is atomic).
claim() {
    mkdir "$claims/$1" 2>/dev/null
}

# ran_tests LOG: the automake test summary in LOG counts at least one test,
# and every test passed (a skipped test is not a pass).
ran_tests() {
    local total pass
    total=$(sed -n 's/^# TOTAL: *\([0-9]*\).*/\1/p' "$1" | tail -n 1)
    pass=$(sed -n 's/^# PASS: *\([0-9]*\).*/\1/p' "$1" | tail -n 1)
    if [ -z "$total" ] || [ "$total" -eq 0 ]; then
        echo "no test ran (the summary says '# TOTAL: ${total:-nothing}')"
        return 1
    fi
    if [ "$pass" != "$total" ]; then
        echo "$pass of $total tests passed (a skip counts as a failure here)"
        return 1
    fi
    echo "$total tests, all passed"
}

# check_in DIR [configure options...]: build in DIR and run make check there,
# ZKELECT_CHECK_JOBS (default 4) test programs at once: they mostly wait on
# servers and timers, and each has a server and ports of its own
# (tests/zkserver.c). CHECK_TESTS, when set, narrows the test list, and
# only its programs are built.
check_in() {
    local dir=$1 log=$ZKELECT_ROOT/$1/check.log narrowed=()
    shift
    build_in "$dir" "$@" || return 1
    if [ -n "${CHECK_TESTS:-}" ]; then
        local t programs=()
        for t in $CHECK_TESTS; do [[ $t == *.sh ]] || programs+=("$t"); done
        narrowed=(TESTS="$CHECK_TESTS" check_PROGRAMS="${programs[*]}")
    fi
    with_lock "$dir" make -C "$ZKELECT_ROOT/$dir" -s -j"${ZKELECT_CHECK_JOBS:-4}" check "${narrowed[@]}" >"$log" 2>&1
    local rc=$?
    grep -aE '^(PASS|FAIL|SKIP|XFAIL|XPASS|ERROR):|^# ' "$log"
    if [ $rc -ne 0 ]; then
        # the failed programs' own logs: their failed assertions, and what led there
        local trs
        for trs in $(grep -l -E '^:test-result: (FAIL|ERROR)' "$ZKELECT_ROOT/$dir"/tests/*.trs 2>/dev/null); do
            echo "--- ${trs%.trs}.log"
            grep -aE 'FAILED|^ +[0-9]+\. |checker|VIOLATION' "${trs%.trs}.log" | head -n 40
            tail -n 30 "${trs%.trs}.log"
        done
        return 1
    fi
    ran_tests "$log"
}

# One program under memcheck, its findings and CUnit's summary on stdout;
# none ran is a failure too.
valgrind_one() {
    local prog=$1 log="$ZKELECT_ROOT/build/valgrind-$1.log" rc=0
    valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
        --show-leak-kinds=definite,indirect --suppressions="$ZKELECT_ROOT/tests/valgrind.supp" \
        "$ZKELECT_ROOT/build/tests/$prog" >"$log" 2>&1 || rc=1
    grep -aE 'Test:|tests |asserts|FAIL|^ +[0-9]+\. |==[0-9]+==' "$log" | grep -av 'Test: .*passed$'
    # CUnit's summary: "tests  RUN  RAN  PASSED  FAILED"
    grep -aqE '^ +tests +[1-9][0-9]* +[1-9][0-9]* +[1-9][0-9]* +0 ' "$log" || { echo "$prog: no test ran"; rc=1; }
    return $rc
}

valgrind_suite() {
    build_in build "${DEV[@]}" || return 1
    # the longest first, so that the two at a time end together
    local progs=(partitions election dispatch security inputs handover shared observers unit api)
    with_lock build make -C "$ZKELECT_ROOT/build" -s "${progs[@]/#/tests/}" || return 1
    # Two at a time: memcheck runs one thread at a time, the machine has two.
    export -f valgrind_one
    export ZKELECT_ROOT
    printf '%s\n' "${progs[@]}" | xargs -P 2 -I{} bash -c 'valgrind_one {}'
}

# config_h: build/config.h, which is all lint and fuzz take from build/.
# Once build/ is configured as this script configures it (the gcc step does
# that first), no lock: packaging and distcheck hold it for minutes.
config_h() {
    [ -f "$ZKELECT_ROOT/build/config.h" ] && configured "$ZKELECT_ROOT/build" "${DEV[@]}" || build_in build "${DEV[@]}"
}

lint() {
    local cpp=(-I"$ZKELECT_ROOT/include" -I"$ZKELECT_ROOT/src" -I"$ZKELECT_ROOT/build" -DTHREADED -D_GNU_SOURCE)
    local files=("$ZKELECT_ROOT"/src/*.c "$ZKELECT_ROOT"/cli/*.c)
    config_h || return 1
    cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability --std=c11 --inline-suppr \
        --suppress=missingIncludeSystem "${cpp[@]}" "$ZKELECT_ROOT/src" "$ZKELECT_ROOT/cli" || return 1
    clang-tidy --quiet --warnings-as-errors='*' "${files[@]}" -- -std=c11 "${cpp[@]}" 2>/dev/null || return 1
    echo "${#files[@]} files checked by cppcheck and clang-tidy"
    "$ZKELECT_ROOT/scripts/check-docs.py"
}

# libFuzzer on names, line order and input validation; new finds go to a temp
# dir, the seeds in tests/fuzz-corpus/ are read only.
fuzz() {
    local out="$ZKELECT_ROOT/build/fuzz"
    config_h || return 1
    mkdir -p "$out/corpus"
    clang -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -DTHREADED -D_GNU_SOURCE \
        -I"$ZKELECT_ROOT/include" -I"$ZKELECT_ROOT/src" -I"$ZKELECT_ROOT/build" \
        "$ZKELECT_ROOT/tests/fuzz.c" "$ZKELECT_ROOT/src/naming.c" "$ZKELECT_ROOT/src/validate.c" \
        "$ZKELECT_ROOT/src/acl.c" -lzookeeper_mt -o "$out/fuzz" || return 1
    (cd "$out" && ./fuzz -max_total_time="${ZKELECT_FUZZ_SECONDS:-20}" -print_final_stats=1 corpus \
        "$ZKELECT_ROOT/tests/fuzz-corpus" >fuzz.log 2>&1)
    local rc=$?
    grep -aE 'stat::number_of_executed_units|Done [0-9]+ runs|ERROR|crash-' "$out/fuzz.log"
    local runs
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/fuzz.log")
    [ "${runs:-0}" -gt 0 ] || { echo "the fuzzer ran no input"; return 1; }
    return $rc
}

# From the distcheck tarball, as a distribution would: the three Debian
# packages (no lintian errors), the RPM, the ABI against abi/libzkelect.abi,
# and examples/minimal.c built with nothing but pkg-config against the
# unpacked packages.
packaging() {
    build_in build "${DEV[@]}" || return 1
    with_lock build "$ZKELECT_ROOT/scripts/packaging.sh" "$ZKELECT_ROOT/build" >"$ZKELECT_ROOT/build/packaging.log" 2>&1
    local rc=$?
    grep -aE '^(ok|FAIL|==>)' "$ZKELECT_ROOT/build/packaging.log"
    [ $rc -eq 0 ] || tail -n 40 "$ZKELECT_ROOT/build/packaging.log"
    grep -aq '^ok' "$ZKELECT_ROOT/build/packaging.log" || { echo "no packaging check ran"; return 1; }
    return $rc
}

distcheck() {
    # The tarball must build as a distribution builds it, without -Werror:
    # Debian's hardening flags plus -O3 and _FORTIFY_SOURCE=3 (Debian's own
    # -O2 is the packaging step's build, clang the tls step's), every warning
    # printed so that a new one is seen and fixed; and pass the tests that use
    # what it ships (scripts, the demo): the long server tests ran in three
    # builds already. The shared library only: the packaging step builds the
    # static archive from the same tarball, and the two compile the same code.
    local log=$ZKELECT_ROOT/build/distcheck.log cflags cppflags ldflags
    build_in build "${DEV[@]}" || return 1
    export DEB_BUILD_MAINT_OPTIONS=hardening=+all
    cflags="$(dpkg-buildflags --get CFLAGS) -O3"
    cppflags="$(dpkg-buildflags --get CPPFLAGS) -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=3"
    ldflags=$(dpkg-buildflags --get LDFLAGS)
    unset DEB_BUILD_MAINT_OPTIONS
    with_lock build make -C "$ZKELECT_ROOT/build" -s distcheck check_PROGRAMS="tests/unit tests/api" \
        TESTS="tests/unit tests/api tests/worker-pool.sh tests/header-alone.sh tests/exports.sh tests/version.sh" \
        DISTCHECK_CONFIGURE_FLAGS="--disable-static CC=gcc CFLAGS='$cflags' CPPFLAGS='$cppflags' LDFLAGS='$ldflags'" \
        >"$log" 2>&1 || {
        tail -n 60 "$log"
        return 1
    }
    grep -a -A1 'archives ready for distribution' "$log"
    # the compiler's warnings (file:line:column: warning:), not libtool's
    local warned='^[^ :]+:[0-9]+:[0-9]+: warning:'
    echo "built with gcc, CFLAGS $cflags; CPPFLAGS $cppflags; LDFLAGS $ldflags:" \
         "$(grep -acE "$warned" "$log") warnings"
    grep -a -A3 -E "$warned" "$log"
    ran_tests "$log"
}

# zkelect-torture (tests/torture/torture.h) from the sanitizer build, so that
# its participants and the zkelect run among them report leaks and undefined
# behaviour: a random seed each time (printed), then the weakened
# participant, which the checker must catch.
torture() {
    local dir=build-asan out=$ZKELECT_ROOT/build-asan/torture
    build_in "$dir" "${DEV[@]}" --enable-sanitizers --disable-shared || return 1
    with_lock "$dir" make -C "$ZKELECT_ROOT/$dir" -s tests/torture/zkelect-torture cli/zkelect || return 1
    local bin=$ZKELECT_ROOT/$dir/tests/torture/zkelect-torture
    rm -rf "$out"
    mkdir -p "$out"
    top_builddir=$ZKELECT_ROOT/$dir "$bin" run --seconds "${ZKELECT_TORTURE_SECONDS:-30}" --dir "$out/run" ||
        { echo "logs and timeline in $out/run"; return 1; }
    top_builddir=$ZKELECT_ROOT/$dir "$bin" run --seconds 20 --priorities --dir "$out/priorities" ||
        { echo "logs and timeline in $out/priorities"; return 1; }
    top_builddir=$ZKELECT_ROOT/$dir "$bin" run --seconds 10 --weakened --dir "$out/weakened" >"$out/weakened.txt" 2>&1
    local rc=$?
    if [ $rc -ne 1 ] || ! grep -q 'two leaders' "$out/weakened.txt" || ! grep -q 'while leading' "$out/weakened.txt"; then
        cat "$out/weakened.txt"
        echo "the checker did not catch the weakened participant (exit status $rc)"
        return 1
    fi
    echo "the weakened participant was caught: $(grep -c '^VIOLATION' "$out/weakened.txt") violations shown, $(sed -n 's/^violations: //p' "$out/weakened.txt") in all"
}

front_door() {
    "$ZKELECT_ROOT/tests/front-door.sh"
}

export LSAN_OPTIONS="suppressions=$ZKELECT_ROOT/tests/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export ASAN_OPTIONS="fast_unwind_on_malloc=0:detect_leaks=1"
export TSAN_OPTIONS="suppressions=$ZKELECT_ROOT/tests/tsan.supp:halt_on_error=1:second_deadlock_stack=1"
ASAN_BUILD=(build-asan "${DEV[@]}" --enable-sanitizers --disable-shared)
TSAN_BUILD=(build-tsan CC=clang "${DEV[@]}" --enable-sanitizers=thread --disable-shared)

# Every server test runs in the gcc and both sanitizer builds (and the core
# ones under valgrind); the clang build is a -Werror build against the
# ZooKeeper client with TLS and SASL (the gcc one is against Debian's): the
# quick programs, and the TLS and SASL suite, which there checks the
# connections (against Debian's client, the refusal). Every suite that
# waits on a server runs in the waiting lane: at nice 19 beside it, a
# ZooKeeper server gets too little of the CPU for a test's deadlines (CI
# failed twice that way, a TLS join over 20 s and a destroy over 5 s, while
# the tls step ran in the second lane). The second lane builds it ahead.
TLS_DIR=build-tls
TLS_TESTS="tests/unit tests/api tests/secure tests/header-alone.sh tests/exports.sh"
build_tls() {
    local client=$ZKELECT_ROOT/build-zkclient
    # Locked: both lanes may ask for it (the second builds ahead).
    with_lock build-zkclient "$ZKELECT_ROOT/scripts/secure-client.sh" "$client" || return 1
    # Shared only: this build runs tests, and the static archive is the
    # other builds' (packaging's from the tarball).
    with_lock "$TLS_DIR" configure_in "$ZKELECT_ROOT/$TLS_DIR" CC=clang "${DEV[@]}" --disable-static \
        --with-zookeeper="$client" || return 1
    # What the tests use, not the whole tree: check-TESTS, unlike check,
    # does not build everything first.
    echo "==> building $TLS_DIR: the library, zkelect and the test programs it runs"
    with_lock "$TLS_DIR" make -C "$ZKELECT_ROOT/$TLS_DIR" -s -j"$(nproc)" src/libzkelect.la cli/zkelect tests/unit \
        tests/api tests/secure >/dev/null
}

tls_step() {
    local dir=$ZKELECT_ROOT/$TLS_DIR
    build_tls || return 1
    with_lock "$TLS_DIR" make -C "$dir" -s check-TESTS TESTS="$TLS_TESTS" >"$dir/check.log" 2>&1
    local rc=$?
    grep -aE '^(PASS|FAIL|SKIP|XFAIL|XPASS|ERROR):|^# ' "$dir/check.log"
    if [ $rc -ne 0 ]; then
        grep -aE 'FAILED|^ +[0-9]+\. ' "$dir"/tests/*.log | head -n 40
        return 1
    fi
    ran_tests "$dir/check.log"
}

# The compiling steps in the second lane's order, those that use build/
# last (the first lane builds it); the first lane takes them from the end.
queue=(front-door:front_door fuzz:fuzz lint:lint distcheck:distcheck packaging:packaging)

# run_queue forward|backward: each step of the queue not yet claimed.
run_queue() {
    local i n=${#queue[@]} item
    for ((i = 0; i < n; i++)); do
        item=${queue[$([ "$1" = forward ] && echo $i || echo $((n - 1 - i)))]}
        selected "${item%%:*}" || continue
        claim "${item%%:*}" && step "${item%%:*}" "${item#*:}"
    done
}

# The second lane: the sanitizer and TLS builds made ahead of their
# suites, then the compiling steps.
compiling_lane() {
    if selected asan || selected torture; then build_in "${ASAN_BUILD[@]}" >/dev/null; fi
    if selected tsan; then build_in "${TSAN_BUILD[@]}" >/dev/null; fi
    if selected tls; then build_tls >/dev/null; fi
    run_queue forward
}
compiling=0
for s in "${compiling_steps[@]}"; do selected "$s" && compiling=1; done
if [ $compiling = 1 ]; then
    (
        renice -n 19 -p "$BASHPID" >/dev/null
        compiling_lane
    ) >"$lane_log" 2>&1 &
    lane_pid=$!
fi

step gcc check_in build "${DEV[@]}"
step asan check_in "${ASAN_BUILD[@]}"
step torture torture
step tsan check_in "${TSAN_BUILD[@]}"
step valgrind valgrind_suite
step tls tls_step
[ $compiling = 1 ] && run_queue backward

if [ $compiling = 1 ]; then
    wait "$lane_pid"
    cat "$lane_log"
fi

echo
passed=$(grep -c ' ok ' "$results")
failed=$(grep -c ' FAILED ' "$results")
if [ "$failed" -gt 0 ]; then
    printf 'failed steps:\n'
    sed -n 's/^\([^ ]*\) FAILED .*/- \1/p' "$results"
fi
echo "zkelect: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
