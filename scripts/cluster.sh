#!/usr/bin/env bash
# A private, loopback-only ClickHouse cluster for the cluster demo and tests:
# ZooKeeper (scripts/zookeeper.sh) under DIR/zk and two ClickHouse replicas of
# one shard (scripts/clickhouse.sh) under DIR/ch1 and DIR/ch2, each with
# DIR/chN/config.d/cluster.xml (scripts/clickhouse/cluster.xml: ZooKeeper,
# macros {shard}/{replica}, remote_servers, replication port).
#
#   scripts/cluster.sh start DIR           # stdout: URL of ch1, URL of ch2, ZooKeeper host:port
#   scripts/cluster.sh stop DIR
#   scripts/cluster.sh kill-replica DIR N  # SIGKILL replica N (1 or 2): failure tests
#   scripts/cluster.sh start-replica DIR N # start it again, same ports; stdout: its URL
#
# Ports are picked once per DIR (DIR/ports) and kept, since each replica's
# config names the other's native port. Env: CHISO_CLUSTER_NAME (default chiso).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cluster=${CHISO_CLUSTER_NAME:-chiso}

die() { echo "cluster.sh: $*" >&2; exit 1; }
say() { echo "cluster.sh: $*" >&2; }   # stdout is reserved for addresses

absdir() {
    case $1 in *[\<\>\&\|\\\"\'\ ]*) die "unsupported characters in DIR: $1" ;; esac
    mkdir -p "$1"
    (cd "$1" && pwd)
}

# Six free loopback ports (HTTP, native, replication for each replica), kept in DIR/ports.
ports_of() {
    if [ ! -s "$1/ports" ]; then
        python3 - >"$1/ports" <<'PY'
import socket
socks = [socket.socket() for _ in range(6)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))
PY
    fi
    cat "$1/ports"
}

# start_replica DIR N ZK_PORT: writes its cluster config, starts it, prints its URL.
start_replica() {
    local dir=$1 n=$2 zk_port=$3 p
    read -r -a p <<<"$(ports_of "$dir")"
    local http=${p[$(((n - 1) * 3))]} tcp=${p[$(((n - 1) * 3 + 1))]} interserver=${p[$(((n - 1) * 3 + 2))]}
    mkdir -p "$dir/ch$n/config.d"
    sed -e "s|@ZK_PORT@|$zk_port|g" -e "s|@REPLICA@|ch$n|g" -e "s|@CLUSTER@|$cluster|g" \
        -e "s|@TCP_PORT_1@|${p[1]}|g" -e "s|@TCP_PORT_2@|${p[4]}|g" \
        -e "s|@INTERSERVER_PORT@|$interserver|g" \
        "$here/clickhouse/cluster.xml" >"$dir/ch$n/config.d/cluster.xml"
    CH_TCP_PORT=$tcp "$here/clickhouse.sh" start "$dir/ch$n" "$http" | tail -n1
}

zk_port() { "$here/zookeeper.sh" addr "$1/zk" | sed 's/.*://'; }

cmd_start() {
    local dir zk
    dir=$(absdir "$1")
    "$here/deps.sh" zookeeper >&2
    zk=$("$here/zookeeper.sh" start "$dir/zk" | tail -n1)
    start_replica "$dir" 1 "${zk#*:}"
    start_replica "$dir" 2 "${zk#*:}"
    echo "$zk"
    say "cluster '$cluster': two replicas of shard 01 and ZooKeeper $zk under $dir"
}

cmd_stop() {
    local dir
    dir=$(absdir "$1")
    for n in 2 1; do
        [ -d "$dir/ch$n" ] && "$here/clickhouse.sh" stop "$dir/ch$n"
    done
    [ -d "$dir/zk" ] && "$here/zookeeper.sh" stop "$dir/zk"
    return 0
}

replica_number() {
    case $1 in 1 | 2) ;; *) die "replica must be 1 or 2: '$1'" ;; esac
}

cmd_kill_replica() {
    local dir pid
    dir=$(absdir "$1")
    replica_number "$2"
    pid=$(cat "$dir/ch$2/clickhouse.pid" 2>/dev/null) || die "replica $2 in $dir is not running"
    kill -KILL "$pid"
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    rm -f "$dir/ch$2/clickhouse.pid" "$dir/ch$2/url"
    say "killed replica $2 (pid $pid)"
}

cmd_start_replica() {
    local dir port
    dir=$(absdir "$1")
    replica_number "$2"
    port=$(zk_port "$dir") || die "ZooKeeper in $dir/zk is not running"
    start_replica "$dir" "$2" "$port"
}

case ${1:-} in
start) [ $# -eq 2 ] || die "usage: start DIR"; cmd_start "$2" ;;
stop) [ $# -eq 2 ] || die "usage: stop DIR"; cmd_stop "$2" ;;
kill-replica) [ $# -eq 3 ] || die "usage: kill-replica DIR N"; cmd_kill_replica "$2" "$3" ;;
start-replica) [ $# -eq 3 ] || die "usage: start-replica DIR N"; cmd_start_replica "$2" "$3" ;;
*) die "usage: $0 start|stop DIR | kill-replica|start-replica DIR N" ;;
esac
