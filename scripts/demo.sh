#!/usr/bin/env bash
# demo.sh - the README's first command: build zkelect, start a throwaway
# ZooKeeper on 127.0.0.1, run three participants in their own processes, crash
# the leader (SIGKILL), then stop the next one gracefully (SIGTERM), and show
# each failover. Everything it starts is stopped on exit, even on Ctrl-C.
set -euo pipefail
. "$(dirname "$0")/setup.sh"

need_packages "${ZKELECT_BUILD_PACKAGES[@]}"
bootstrap
build_in build

work=$(mktemp -d /tmp/zkelect-demo.XXXXXX)
pids=()
cleanup() {
    trap - EXIT INT TERM
    for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
    "$ZKELECT_ROOT/scripts/zk-local.sh" stop "$work/zk" || true
    rm -rf "$work"
}
trap cleanup EXIT
trap 'echo; echo "interrupted"; exit 130' INT TERM

echo "==> starting a throwaway ZooKeeper"
hosts=$("$ZKELECT_ROOT/scripts/zk-local.sh" start "$work/zk")
echo "    ZooKeeper at $hosts"
path=/zkelect-demo/leader
timeout_ms=2000
# Milliseconds since midnight, from the clock or from a "HH:MM:SS.mmm" stamp
# (the participants print one on every line).
now_ms() { stamp_ms "$(date +%H:%M:%S.%3N)"; }
stamp_ms() { awk -F'[:.]' '{ print (($1 * 60 + $2) * 60 + $3) * 1000 + $4 }' <<<"$1"; }
elected_ms() { tail -n +"$1" "$work/all.log" | grep -m1 "worker-$2 .*ELECTED" | cut -d' ' -f1; }

# wait_for PATTERN SINCE_LINE TIMEOUT_S: the worker whose log matches first
wait_for() {
    local pattern=$1 deadline=$((SECONDS + $3)) i
    while [ $SECONDS -lt $deadline ]; do
        for i in 1 2 3; do
            if tail -n +"$2" "$work/all.log" | grep -q "worker-$i .*$pattern"; then
                echo "$i"
                return 0
            fi
        done
        sleep 0.02
    done
    return 1
}

echo "==> three participants join $path (session timeout $timeout_ms ms)"
: >"$work/all.log"
for i in 1 2 3; do
    "$ZKELECT_ROOT/build/examples/failover" "$hosts" "$path" "worker-$i" "$timeout_ms" >>"$work/all.log" 2>&1 &
    pids[i]=$!
    disown "${pids[i]}" # killed on purpose: no "Killed" notice from the shell
    wait_for "JOINED" 1 10 >/dev/null
done
tail -f "$work/all.log" &
pids[0]=$!
disown "${pids[0]}"

leader=$(wait_for ELECTED 1 10)
sleep 0.5
echo "==> worker-$leader leads. Crashing it with SIGKILL: the others must wait for its session to expire."
mark=$(($(wc -l <"$work/all.log") + 1))
t0=$(now_ms)
kill -9 "${pids[leader]}"
next=$(wait_for ELECTED "$mark" 30)
crash_ms=$(($(stamp_ms "$(elected_ms "$mark" "$next")") - t0))
echo "==> worker-$next took over after ${crash_ms} ms (crash: bounded by the session timeout, $timeout_ms ms)"
sleep 0.5

echo "==> stopping worker-$next gracefully with SIGTERM: it deletes its node, the successor is told at once."
mark=$(($(wc -l <"$work/all.log") + 1))
t0=$(now_ms)
kill -TERM "${pids[next]}"
third=$(wait_for ELECTED "$mark" 30)
graceful_ms=$(($(stamp_ms "$(elected_ms "$mark" "$third")") - t0))
sleep 0.3
echo
echo "==> summary"
echo "    crash failover    (SIGKILL worker-$leader -> worker-$next elected): ${crash_ms} ms"
echo "    graceful failover (SIGTERM worker-$next -> worker-$third elected): ${graceful_ms} ms"
echo "    (from the signal to the successor's ELECTED line; the crash case waits for the session to expire)"
