#!/bin/sh
# torture-checker.sh - the torture's checker on made-up histories: it must
# find a wrong succession with priorities (rule 5, tests/torture/succession.c)
# and must not where a documented race explains it.
set -u
builddir=${top_builddir:-.}
checker="$builddir/tests/torture/zkelect-torture"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0
s=1000000000000 # a CLOCK_MONOTONIC instant, ns; a second is 1000000000

# history DIR [EXTRA]: s0g1 (priority 30) leads, then s2g1 (priority 10)
# leads after it although s1g1 (priority 20) joined 4.8 s earlier, connected.
# EXTRA is one more line for s1g1's log.
history() {
    mkdir -p "$1"
    printf 'B %s seed 1 seconds 10 members 3 timeout 2000 weakened 0\n' $s >"$1/orchestrator.log"
    : >"$1/store.log"
    printf 'X %s priority 30\nE %s 4 0 10\nC %s 1\nL %s %s 10\n' \
        $s $((s + 100000000)) $((s + 100000000)) $((s + 200000000)) $((s + 5000000000)) >"$1/s0g1.log"
    printf 'X %s priority 20\nE %s 4 0 11\nC %s 1\n%s' \
        $s $((s + 200000000)) $((s + 200000000)) "${2:-}" >"$1/s1g1.log"
    printf 'X %s priority 10\nE %s 4 0 12\nC %s 1\nL %s %s 20\n' \
        $s $((s + 300000000)) $((s + 300000000)) $((s + 5100000000)) $((s + 8000000000)) >"$1/s2g1.log"
}

# expect NAME VIOLATIONS DIR: the checker's exit status and its finding.
expect() {
    out=$("$checker" check "$3" 2>&1)
    rc=$?
    found=$(printf '%s\n' "$out" | grep -c 'leads although' || true)
    if [ "$2" = 1 ] && [ $rc -eq 1 ] && [ "$found" -ge 1 ]; then
        echo "ok: $1: $(printf '%s\n' "$out" | grep -m1 'leads although')"
    elif [ "$2" = 0 ] && [ $rc -eq 0 ] && [ "$found" -eq 0 ] && printf '%s\n' "$out" | grep -q '^priorities: 1 terms'; then
        echo "ok: $1: judged, no violation"
    elif [ "$2" = 0 ] && [ $rc -eq 0 ] && [ "$found" -eq 0 ]; then
        echo "ok: $1: set aside, no violation"
    else
        printf '%s\n' "$out"
        echo "FAIL: $1: expected $2 violation(s), exit status $rc"
        failed=1
    fi
}

history "$work/outranked"
expect "a lower priority leads while a higher one stood in line" 1 "$work/outranked"

history "$work/left" "X $((s + 4800000000)) leave 0
"
expect "the higher one left just before" 0 "$work/left"

history "$work/cut" "C $((s + 4900000000)) 0
"
expect "the higher one was cut off just before" 0 "$work/cut"

history "$work/changed" "X $((s + 5000000000)) priority 0
"
expect "the higher one's priority changed as the leader went" 0 "$work/changed"

history "$work/moved"
printf 'N %s start 7 move -1 s0g1 to s2g1 rc=0\n' $((s + 4000000000)) >>"$work/moved/orchestrator.log"
expect "a move named the lower one" 0 "$work/moved"

history "$work/member"
printf 'N %s start 8 member-kill 1 member\nN %s heal 8 member-kill 1\n' \
    $((s + 3000000000)) $((s + 3500000000)) >>"$work/member/orchestrator.log"
expect "a member was down while the higher one stood in line" 0 "$work/member"

history "$work/equal"
sed -i 's/priority 20/priority 10/' "$work/equal/s1g1.log"
expect "equal priorities go by age" 0 "$work/equal"
exit $failed
