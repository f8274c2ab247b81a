#!/usr/bin/env bash
# render.sh RESULTS.jsonl OUTDIR - BENCHMARKS.md and OUTDIR/failover.svg from
# zkelect-bench's JSON lines (run.sh full calls it): no figure is typed by
# hand. Needs jq and gnuplot.
set -euo pipefail
results=$1 out=$2
here=$(cd "$(dirname "$0")" && pwd)
doc=${BENCHMARKS_MD:-$here/../BENCHMARKS.md}

graceful() { jq -c "select(.mode == null and .idle == null and .back_to_back != true and .implementation == \"$1\")" "$results"; }
back_to_back() { jq -c 'select(.back_to_back == true)' "$results"; }
floor() { jq -r "select(.implementation == \"floor\" and .back_to_back != true) | $1" "$results"; }
row() {
    jq -r '"| \(.implementation) | \(.participants) | \(.failover_ms.min) | \(.failover_ms.p50) | \(.failover_ms.p90) | \(.failover_ms.p99) | \(.failover_ms.max) | \(.per_failover.notifications) | \(.per_failover.reads) | \(.per_failover.writes) | \(.join_ms / 1000 * 100 | round / 100) s | \(.rss_bytes_per_participant / 1024 | round) KiB |"'
}

plot=$(mktemp)
trap 'rm -f "$plot"' EXIT
{ graceful zkelect; graceful naive; } | jq -r '[.implementation, .participants, .failover_ms.p50, .failover_ms.p99, .per_failover.notifications] | @tsv' >"$plot"
gnuplot <<GNUPLOT
set terminal svg size 900,380 font "sans,11" background "white"
set output "$out/failover.svg"
set multiplot layout 1,2
set logscale xy
set xlabel "participants (N)"
set key top left
set grid
set title "graceful failover, p50 (ms)"
plot "< grep ^zkelect $plot" using 2:3 with linespoints lw 2 title "zkelect", \
     "< grep ^naive $plot" using 2:3 with linespoints lw 2 title "naive (all watch the children)"
set title "watch notifications per failover"
plot "< grep ^zkelect $plot" using 2:(\$5 > 0 ? \$5 : 0.5) with linespoints lw 2 title "zkelect", \
     "< grep ^naive $plot" using 2:5 with linespoints lw 2 title "naive"
unset multiplot
GNUPLOT

idle=$(jq -c 'select(.idle != null and .implementation == "zkelect")' "$results" | head -1)
bare=$(jq -c 'select(.idle != null and .implementation == "naive")' "$results" | head -1)
crash=$(jq -c 'select(.mode == "crash")' "$results" | head -1)
shared_runs() { jq -r "select(.mode == \"shared\") | $1" "$results" | paste -sd/ | sed 's|/| / |g'; }
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
zk=$(dpkg-query -W -f='${Version}' zookeeper 2>/dev/null || echo unknown)
cat >"$doc" <<DOC
# Benchmarks

Produced by \`make bench-full\` (\`bench/run.sh full\`, which runs
\`zkelect-bench\` and renders this file and \`bench/failover.svg\` from its JSON
output with \`bench/render.sh\`) on $(date -u +%Y-%m-%d):

- machine: $(nproc) cores ($cpu), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), Linux $(uname -r);
- ZooKeeper $zk (Debian), standalone, on 127.0.0.1, \`tickTime\` 200 ms, fsync on,
  \`maxSessionTimeout\` 600 s, the JVM's default flags (as Debian's package
  runs it), started by \`tests/zk-local\`; every
  participant has its own session, of 600 s for the graceful runs (as the
  runner protocol asks: idle sessions then do not ping while a failover is
  measured) and 10 s for the idle run;
- graceful failover: the leader leaves (\`zkelect_leave()\`: its node is
  deleted, the session kept) and closes its session once the successor leads
  (\`zkelect_destroy()\`); latency from the start of the leave to the
  successor's ELECTED callback; a new participant joins at the back after
  each failover so the election stays at N; 5 warm-up failovers first;
- server cost from ZooKeeper's \`mntr\` counters around each failover, once
  the server is quiet: watch notifications (sum of
  \`zk_sum_node_*_watch_count\`), reads (\`zk_cnt_readlatency\`), writes
  (\`zk_cnt_updatelatency\`: the leaver's hand-over, one transaction that
  writes and deletes its node, and its closeSession);
- "naive" is the comparator built into \`zkelect-bench --naive\`: every
  participant watches the election's children and re-lists on every change.

## Graceful failover

| implementation | N | min ms | p50 ms | p90 ms | p99 ms | max ms | notifications / failover | reads / failover | writes / failover | join of N | memory / participant |
|---|---|---|---|---|---|---|---|---|---|---|---|
$({ graceful zkelect; graceful naive; } | row)

The floor under any ZooKeeper election (\`zkelect-bench --floor\`: one session
deletes a node, another is notified by its watch; raw C client, no election)
was p50 $(floor .failover_ms.p50) ms, p99 $(floor .failover_ms.p99) ms in the same run, each round started like
the failovers above, once the server's counters had settled. The same run
joined $(floor .participants) raw client sessions one after another (each opened, then its node
created, as the runner protocol joins participants) in $(floor '.join_ms / 1000 * 100 | round / 100') s: the floor
under a join, two transactions each (the session's creation and the node's),
with fsync on.

![failover latency and notifications against N](bench/failover.svg)

### Back to back

Each failover started as soon as the last was done and its replacement had
joined, without reading the server's counters in between
(\`zkelect-bench --back-to-back\`): the latency of a busy machine. A machine
idle between failovers, as above, wakes its threads slower (on this VM, by a
few hundred microseconds), the floor's as much as zkelect's. The replacement's
own first requests can still be in flight when the next failover starts: at
N = 2 the successor is the participant that joined just before, whose watch
may not be set yet (it then lists again), and at N = 1,000 its listing
carries 1,000 names.

| implementation | N | min ms | p50 ms | p90 ms | p99 ms | max ms |
|---|---|---|---|---|---|---|
$(back_to_back | jq -r '"| \(.implementation) | \(.participants // "-") | \(.failover_ms.min) | \(.failover_ms.p50) | \(.failover_ms.p90) | \(.failover_ms.p99) | \(.failover_ms.max) |"')

## Crash failover

SIGKILL of the leader's process (\`zkelect-bench --crash\`, $(jq -r '.processes' <<<"$crash") processes, one
participant each, session timeout $(jq -r '.session_timeout_ms' <<<"$crash") ms), from the kill to the
successor's ELECTED: min $(jq -r '.failover_ms.min' <<<"$crash") ms, p50 $(jq -r '.failover_ms.p50' <<<"$crash") ms, max $(jq -r '.failover_ms.max' <<<"$crash") ms over
$(jq -r '.failovers' <<<"$crash") crashes. The server must expire the dead session first: T after it last
heard from it, rounded up to a tick. Its last ping came up to T/3 before the
kill, so from the kill that is between about 2/3·T and T + one tick.

## Idle cost

$(jq -r '.participants' <<<"$idle") participants (1 leader, the rest following) idle for $(jq -r '.idle.seconds' <<<"$idle") s: $(jq -r '.idle.cpu_percent_of_one_core' <<<"$idle")% of one core
for the whole process (lease renewals and ZooKeeper's pings included), and
$(jq -r '.idle.server_packets_per_s' <<<"$idle") packets/s received by the server (pings every T/3 per session,
the leader's renewal every T/4, the next in line's every T/4). The same number
of bare ZooKeeper sessions, which only ping: $(jq -r '.idle.cpu_percent_of_one_core' <<<"$bare")% of one core,
$(jq -r '.idle.server_packets_per_s' <<<"$bare") packets/s.

## Many elections on one session

$(jq -r 'select(.mode == "shared") | .elections' "$results" | head -1) elections on one \`zkelect_session_t\` (\`zkelect-bench --shared -n 1000\`; each on
its own path, so each leads; session timeout 10 s), $(jq -r 'select(.mode == "shared")' "$results" | jq -s length) runs: all of them
leading $(shared_runs .join_all_s) s after the first \`zkelect_start()\`; client memory
(resident, measured around the joins) $(shared_runs .rss_per_election_kib) KiB per election; the session
and all its elections closed in $(shared_runs .close_all_s) s.

## Reproducing

\`\`\`sh
./configure && make && make bench          # a few minutes' sample
make bench-full                             # this file (needs gnuplot and jq)
zkelect-bench --zk HOST:PORT -n 100 -k 200  # against your own ensemble (see zkelect-bench(1))
\`\`\`
DOC
echo "wrote $doc and $out/failover.svg" >&2
