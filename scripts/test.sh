#!/usr/bin/env bash
# test.sh - the README's test command, and all that CI runs: installs what is
# missing, builds, and runs the whole suite in every configuration:
#   gcc (make check), clang (unit, dispatch and shared-session tests), AddressSanitizer+UBSan (make check),
#   ThreadSanitizer (make check),
#   valgrind memcheck (unit, integration, dispatch and shared-session tests), libFuzzer (30 s), cppcheck and
#   clang-tidy on src/ and cli/, make distcheck (the quick tests: the others ran three times by then),
#   the Debian and RPM packages with lintian and the ABI check (scripts/packaging.sh).
# Every step runs; the last line says how many passed and failed.
set -uo pipefail
. "$(dirname "$0")/setup.sh"
set -e
need_packages "${ZKELECT_BUILD_PACKAGES[@]}" "${ZKELECT_TEST_PACKAGES[@]}"
bootstrap
set +e

passed=0
failed=0
failures=()
step() {
    local name=$1
    shift
    echo
    echo "==> $name"
    local t0=$SECONDS
    if "$@"; then
        passed=$((passed + 1))
        echo "==> $name: ok ($((SECONDS - t0)) s)"
    else
        failed=$((failed + 1))
        failures+=("$name")
        echo "==> $name: FAILED ($((SECONDS - t0)) s)"
    fi
}

# check_in DIR [configure options...]: build in DIR and run make check there
# (CHECK_TESTS, when set, narrows the test list).
check_in() {
    local dir=$1
    shift
    build_in "$dir" "$@" && make -C "$ZKELECT_ROOT/$dir" -s check ${CHECK_TESTS:+TESTS="$CHECK_TESTS"} || {
        cat "$ZKELECT_ROOT/$dir"/tests/*.log 2>/dev/null | tail -n 80
        return 1
    }
}

valgrind_suite() {
    local vg=(valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect
              --show-leak-kinds=definite,indirect --suppressions="$ZKELECT_ROOT/tests/valgrind.supp")
    make -C "$ZKELECT_ROOT/build" -s tests/unit tests/integration tests/dispatch tests/shared || return 1
    "${vg[@]}" "$ZKELECT_ROOT/build/tests/unit" >"$ZKELECT_ROOT/build/valgrind-unit.log" 2>&1 || {
        cat "$ZKELECT_ROOT/build/valgrind-unit.log"
        return 1
    }
    local rc=0 prog log
    for prog in integration dispatch shared; do
        log="$ZKELECT_ROOT/build/valgrind-$prog.log"
        "${vg[@]}" "$ZKELECT_ROOT/build/tests/$prog" >"$log" 2>&1 || rc=1
        grep -aE 'Test:|tests |asserts|FAIL|^ +[0-9]+\. |==[0-9]+==' "$log"
        # a run in which no test ran is a failure too
        grep -aqE '^ +tests +[1-9][0-9]* +[1-9][0-9]* +[1-9][0-9]* +0 ' "$log" || rc=1
    done
    return $rc
}

lint() {
    local cpp=(-I"$ZKELECT_ROOT/include" -I"$ZKELECT_ROOT/src" -I"$ZKELECT_ROOT/build" -DTHREADED -D_GNU_SOURCE)
    cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability --std=c11 --inline-suppr \
        --suppress=missingIncludeSystem "${cpp[@]}" "$ZKELECT_ROOT/src" "$ZKELECT_ROOT/cli" || return 1
    clang-tidy --quiet --warnings-as-errors='*' "$ZKELECT_ROOT"/src/*.c "$ZKELECT_ROOT"/cli/*.c -- -std=c11 "${cpp[@]}" 2>/dev/null
}

# libFuzzer on names, line order and input validation; new finds go to a temp
# dir, the seeds in tests/fuzz-corpus/ are read only.
fuzz() {
    local out="$ZKELECT_ROOT/build/fuzz"
    mkdir -p "$out/corpus"
    clang -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -DTHREADED -D_GNU_SOURCE \
        -I"$ZKELECT_ROOT/include" -I"$ZKELECT_ROOT/src" -I"$ZKELECT_ROOT/build" \
        "$ZKELECT_ROOT/tests/fuzz.c" "$ZKELECT_ROOT/src/naming.c" "$ZKELECT_ROOT/src/validate.c" \
        "$ZKELECT_ROOT/src/acl.c" -lzookeeper_mt -o "$out/fuzz" || return 1
    (cd "$out" && ./fuzz -max_total_time="${ZKELECT_FUZZ_SECONDS:-30}" -print_final_stats=1 corpus \
        "$ZKELECT_ROOT/tests/fuzz-corpus" >fuzz.log 2>&1)
    local rc=$?
    grep -aE 'stat::number_of_executed_units|Done [0-9]+ runs|ERROR|crash-' "$out/fuzz.log"
    return $rc
}

# From the distcheck tarball, as a distribution would: the three Debian
# packages (no lintian errors), the RPM, the ABI against abi/libzkelect.abi,
# and examples/minimal.c built with nothing but pkg-config against the
# unpacked packages.
packaging() {
    "$ZKELECT_ROOT/scripts/packaging.sh" "$ZKELECT_ROOT/build" >"$ZKELECT_ROOT/build/packaging.log" 2>&1
    local rc=$?
    grep -aE '^(ok|FAIL|==>)' "$ZKELECT_ROOT/build/packaging.log"
    [ $rc -eq 0 ] || tail -n 40 "$ZKELECT_ROOT/build/packaging.log"
    return $rc
}

distcheck() {
    # The tarball must build and pass the tests that use what it ships
    # (scripts, the demo); the long server tests ran in three builds already.
    make -C "$ZKELECT_ROOT/build" -s distcheck \
        TESTS="tests/unit tests/cli tests/worker-pool.sh tests/header-alone.sh tests/exports.sh" \
        >"$ZKELECT_ROOT/build/distcheck.log" 2>&1 || {
        tail -n 60 "$ZKELECT_ROOT/build/distcheck.log"
        return 1
    }
    grep -a -A1 'archives ready for distribution' "$ZKELECT_ROOT/build/distcheck.log"
}

step "gcc: make check" check_in build
# Every server test runs in the gcc and both sanitizer builds (and the core ones
# under valgrind); the clang build is a -Werror build plus the quick programs,
# to keep the whole suite near 14 minutes.
CHECK_TESTS="tests/unit tests/dispatch tests/shared tests/header-alone.sh tests/exports.sh" \
    step "clang: make check (unit, dispatch and shared-session tests)" check_in build-clang CC=clang
export LSAN_OPTIONS="suppressions=$ZKELECT_ROOT/tests/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export ASAN_OPTIONS="fast_unwind_on_malloc=0:detect_leaks=1"
step "AddressSanitizer + UndefinedBehaviorSanitizer: make check" check_in build-asan --enable-sanitizers --disable-shared
export TSAN_OPTIONS="suppressions=$ZKELECT_ROOT/tests/tsan.supp:halt_on_error=1:second_deadlock_stack=1"
step "ThreadSanitizer: make check" check_in build-tsan CC=clang --enable-sanitizers=thread --disable-shared
step "valgrind memcheck" valgrind_suite
step "libFuzzer: names, order, validation, ACLs" fuzz
step "cppcheck and clang-tidy on src/ and cli/" lint
step "make distcheck" distcheck
step "packages: Debian (lintian), RPM, ABI, an example built against them" packaging

echo
if [ $failed -gt 0 ]; then
    printf 'failed steps:\n'
    printf -- '- %s\n' "${failures[@]}"
fi
echo "zkelect: $passed passed, $failed failed"
[ $failed -eq 0 ]
