#!/usr/bin/env bash
# run.sh - run zkelect-bench against a throwaway local ZooKeeper (standalone,
# tickTime 200 ms, fsync on, 127.0.0.1), the settings BENCHMARKS.md reports.
#   run.sh quick           a few minutes' sample (make bench)
#   run.sh full OUTDIR     the whole matrix as JSON lines in OUTDIR/results.jsonl,
#                          then BENCHMARKS.md's tables and OUTDIR/failover.svg
#                          (make bench-full; needs gnuplot)
# BENCH (the zkelect-bench binary) and ZK_LOCAL (tests/zk-local, the
# tests' own ZooKeeper launcher) come from make.
set -euo pipefail
mode=${1:-quick}
here=$(cd "$(dirname "$0")" && pwd)
bench=${BENCH:-zkelect-bench}
zk_local=${ZK_LOCAL:?run it through make bench, which builds tests/zk-local}
work=$(mktemp -d /tmp/zkelect-bench.XXXXXX)
cleanup() { "$zk_local" stop "$work/zk" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
# Long sessions, so that idle participants do not ping while a failover is
# measured (the bench protocol asks for 600 s too).
# The server as Debian runs it: the JVM's default flags, not the tests'
# quick-start ones.
hosts=$(ZK_MAX_SESSION_TIMEOUT=600000 ZK_JAVA_OPTS="" "$zk_local" start "$work/zk")
echo "==> ZooKeeper at $hosts (standalone, tickTime 200 ms, default JVM flags)" >&2
run=0
one() { run=$((run + 1)); "$bench" --zk "$hosts" --path "/zkelect-bench/run-$run" "$@"; }

if [ "$mode" = quick ]; then
    one --floor -k 100
    for n in 2 10 100; do one -n "$n" -k 50; done
    one -n 10 -k 20 --naive
    one --crash -k 3
    one -n 1000 --shared --session-timeout 10000
    # Against the physical floor, in this sitting: graceful failover at N = 2
    # (p50 of 200) against one delete and one notification; 10,000
    # elections on one session against the same creates pipelined.
    p50() { sed -n 's/.*"failover_ms":{[^}]*"p50":\([0-9.]*\).*/\1/p'; }
    all_s() { sed -n 's/.*"join_all_s":\([0-9.]*\).*/\1/p'; }
    floor=$(one --floor -k 200 -n 2 --json --quiet | p50)
    failover=$(one -n 2 -k 200 --json --quiet | p50)
    shared_floor=$(one --shared --floor -n 10000 --json --quiet | all_s)
    shared=$(one --shared -n 10000 --session-timeout 10000 --json --quiet | all_s)
    awk -v a="$failover" -v b="$floor" -v c="$shared" -v d="$shared_floor" 'BEGIN {
        printf "graceful failover, N = 2: p50 %.3f ms, floor %.3f ms: %.2f x the floor\n", a, b, a / b
        printf "10,000 elections on one session: all leading after %.3f s, floor %.3f s: %.2f x the floor\n", c, d, c / d
    }'
    exit 0
fi

out=${2:?usage: run.sh full OUTDIR}
# The plot needs gnuplot, the tables jq: installed if missing.
. "$here/../scripts/setup.sh"
need_packages gnuplot-nox jq
mkdir -p "$out"
results=$out/results.jsonl
: >"$results"
one --floor -k 200 -n 1000 --json >>"$results"
for n in 2 10 100 1000; do one -n "$n" -k 200 --json >>"$results"; done
# The same, each failover right after the last: a busy machine's latency.
one --floor -k 200 -n 10 --back-to-back --json >>"$results"
for n in 2 10 100 1000; do one -n "$n" -k 200 --back-to-back --json >>"$results"; done
for n in 2 10 100 500; do one -n "$n" -k 50 --naive --json >>"$results"; done
# Idle cost at a production-like session timeout (pings every T/3).
one -n 100 -k 20 --idle 60 --session-timeout 10000 --json >>"$results"
# The same number of bare sessions (the comparator, which renews nothing):
# what ZooKeeper's own pings cost.
one -n 100 -k 5 --idle 60 --session-timeout 10000 --naive --json >>"$results"
one --crash -k 10 --json >>"$results"
# Many elections on one session (zkelect_session_t): join time and memory.
for i in 1 2 3; do one -n 1000 --shared --session-timeout 10000 --json >>"$results"; done
"$here/render.sh" "$results" "$out"
