#!/usr/bin/env bash
# zk-local.sh - a throwaway standalone ZooKeeper on 127.0.0.1, for the demo.
#   zk-local.sh start DIR   start it with its data in DIR; prints "127.0.0.1:PORT"
#   zk-local.sh stop DIR    stop it (by the PID recorded in DIR) and remove DIR
# tickTime 200 ms; ZK_MAX_SESSION_TIMEOUT (ms, default 4000 = 20 ticks) raises
# the longest session the server grants.
# ZK_JAVA_OPTS replaces the JVM flags (default: a small heap and the quick
# JIT, to start fast); the benchmarks set it empty, for the JVM's defaults.
set -euo pipefail

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null ||
        echo $((20000 + RANDOM % 20000))
}

answers() {
    # "srvr" reports a Mode once the server serves sessions ("ruok" answers
    # earlier, while it still turns connections away)
    { exec 3<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null || return 1
    printf 'srvr' >&3
    local reply
    reply=$(timeout 2 cat <&3 || true)
    exec 3>&-
    [[ $reply == *"Mode: standalone"* ]]
}

start() {
    local dir=$1 port
    mkdir -p "$dir/data"
    port=$(free_port)
    cat >"$dir/zoo.cfg" <<CFG
tickTime=200
dataDir=$dir/data
clientPort=$port
clientPortAddress=127.0.0.1
maxClientCnxns=0
maxSessionTimeout=${ZK_MAX_SESSION_TIMEOUT:-4000}
admin.enableServer=false
4lw.commands.whitelist=*
CFG
    # The JVM flags start the server fast for the tests; the benchmarks ask
    # for the server as Debian runs it (ZK_JAVA_OPTS="": the JVM's defaults).
    # shellcheck disable=SC2086
    java ${ZK_JAVA_OPTS--Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1} -Dzookeeper.log.dir="$dir" \
        -cp "/etc/zookeeper/conf:/usr/share/java/zookeeper.jar" \
        org.apache.zookeeper.server.quorum.QuorumPeerMain "$dir/zoo.cfg" >"$dir/server.log" 2>&1 &
    echo $! >"$dir/zookeeper.pid"
    local deadline=$((SECONDS + 60))
    until answers "$port"; do
        if ! kill -0 "$(cat "$dir/zookeeper.pid")" 2>/dev/null; then
            echo "zookeeper exited at start; see $dir/server.log" >&2
            return 1
        fi
        if [ $SECONDS -ge $deadline ]; then
            echo "zookeeper did not answer within 60 s; see $dir/server.log" >&2
            stop "$dir"
            return 1
        fi
        sleep 0.1
    done
    echo "127.0.0.1:$port"
}

stop() {
    local dir=$1
    if [ -f "$dir/zookeeper.pid" ]; then
        kill -9 "$(cat "$dir/zookeeper.pid")" 2>/dev/null || true
        wait "$(cat "$dir/zookeeper.pid")" 2>/dev/null || true
    fi
    rm -rf "$dir"
}

case "${1:-}" in
start) start "$2" ;;
stop) stop "$2" ;;
*)
    echo "usage: $0 start|stop DIR" >&2
    exit 2
    ;;
esac
