#!/usr/bin/env bash
# event-loop.sh - the event-loop examples (examples/poll-loop.c and, when
# libevent was found, examples/libevent-leader.c) run as daemons on a real
# ZooKeeper: only the leader serves its port; a SIGTERMed leader stops
# serving, exits 0 and hands over at once; the successor serves with a
# larger epoch. Every wait has a deadline.
set -euo pipefail
src=${top_srcdir:-.}
build=${top_builddir:-.}
work=$(mktemp -d "${TMPDIR:-/tmp}/zkelect-event-loop.XXXXXX")
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
    "$build/tests/zk-local" stop "$work/zk" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; for f in "$work"/*.out; do [ -f "$f" ] && sed "s|^|  $(basename "$f"): |" "$f"; done; exit 1; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# ask PORT: the line a server on PORT answers with; fails if nothing listens.
ask() {
    local line
    { exec 3<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null || return 1
    IFS= read -r -t 2 line <&3 || { exec 3<&-; return 1; }
    exec 3<&-
    echo "$line"
}

# until_true SECONDS CMD...: run CMD until it succeeds or the deadline passes.
until_true() {
    local deadline=$((SECONDS + $1))
    shift
    until "$@" >/dev/null 2>&1; do
        [ $SECONDS -lt $deadline ] || return 1
        sleep 0.05
    done
}

contenders() {
    "$build/cli/zkelect" status --zk "$hosts" --path "$1" --json | jq -e ".participants | length == $2"
}

check_daemon() {
    local bin=$1 name
    name=$(basename "$bin")
    local path="/event-loop-tests/$name" port_a port_b
    port_a=$(free_port)
    port_b=$(free_port)
    "$bin" "$hosts" "$path" "$port_a" a >"$work/$name-a.out" 2>&1 &
    local a=$!
    pids+=("$a")
    until_true 15 ask "$port_a" || fail "$name: the first daemon never served"
    local first
    first=$(ask "$port_a")
    [[ $first =~ ^a\ [0-9]+$ ]] || fail "$name: unexpected answer '$first'"

    "$bin" "$hosts" "$path" "$port_b" b >"$work/$name-b.out" 2>&1 &
    local b=$!
    pids+=("$b")
    until_true 15 contenders "$path" 2 || fail "$name: the second daemon never joined"
    ! ask "$port_b" >/dev/null || fail "$name: a follower serves"

    kill -TERM "$a"
    local status=0
    wait "$a" || status=$?
    [ $status -eq 0 ] || fail "$name: the leader exited $status on SIGTERM"
    grep -q "stopped serving" "$work/$name-a.out" || fail "$name: the leader did not stop serving"
    until_true 5 ask "$port_b" || fail "$name: no successor served within 5 s"
    local second
    second=$(ask "$port_b")
    [[ $second =~ ^b\ [0-9]+$ ]] || fail "$name: unexpected answer '$second'"
    [ "${second#b }" -gt "${first#a }" ] || fail "$name: epoch did not grow ($first, then $second)"
    ! ask "$port_a" >/dev/null || fail "$name: the old leader still serves"
    kill -TERM "$b"
    wait "$b" || fail "$name: the second daemon exited $? on SIGTERM"
    echo "ok: $name: '$first' handed over to '$second'"
}

hosts=$("$build/tests/zk-local" start "$work/zk")
check_daemon "$build/examples/poll-loop"
if [ -x "$build/examples/libevent-leader" ]; then
    check_daemon "$build/examples/libevent-leader"
else
    echo "FAIL: examples/libevent-leader was not built (libevent-dev missing)"
    exit 1
fi
