#!/usr/bin/env bash
# `make run-cluster`: the demo on a loopback cluster (scripts/cluster.sh under
# var/cluster: ZooKeeper and two ClickHouse replicas of one shard), then two
# `chiso serve` instances on :8080 and :8081, each given both replicas.
# Ctrl-C stops both instances and the cluster. docs/deploy.md explains the set-up.
#
# Both instances hold a ZooKeeper lease on the cluster's ensemble
# (docs/leader.md): the leader runs the jobs, the other serves pages and takes
# over within the session timeout (5 s here) if the leader dies. Each has a
# state directory of its own: nothing is shared through the disk.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/deps.sh zookeeper
cargo build --release --quiet -p chiso -p chiso-demo

dir=$PWD/var/cluster
mkdir -p "$dir"
pids=()
stop() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    scripts/cluster.sh stop "$dir" >/dev/null 2>&1 || true
    echo "stopped both chiso instances and the cluster ($dir)"
}
trap stop EXIT
trap 'exit 130' INT TERM

mapfile -t addrs < <(scripts/cluster.sh start "$dir")
export CHISO_CLICKHOUSE_URL="${addrs[0]},${addrs[1]}"
export CHISO_CLICKHOUSE_CLUSTER=chiso
export CHISO_ZOOKEEPER=${addrs[2]}
export CHISO_ZOOKEEPER_SESSION_TIMEOUT_SECS=5
echo "cluster 'chiso': replicas ${addrs[0]} ${addrs[1]}, ZooKeeper ${addrs[2]}"

# The demo migrates ON CLUSTER, backfills through the real collectors, computes
# and freezes, then keeps its simulator (:8090, the instances' sources) and
# pages (:8082) up.
"${CARGO_TARGET_DIR:-target}/release/chiso-demo" --simulator-addr 127.0.0.1:8090 --web-addr 127.0.0.1:8082 "$@" &
pids+=($!)
python3 - <<'PY'
import time, urllib.request
for _ in range(1200):
    try:
        with urllib.request.urlopen("http://127.0.0.1:8082/healthz", timeout=2):
            break
    except OSError:
        time.sleep(0.5)
else:
    raise SystemExit("run-cluster.sh: the demo did not come up within 10 minutes")
PY
export CHISO_SOURCE_OVERRIDE=http://127.0.0.1:8090
for port in 8080 8081; do
    CHISO_STATE_DIR=$dir/state-$port "${CARGO_TARGET_DIR:-target}/release/chiso" serve --addr "127.0.0.1:$port" &
    pids+=($!)
done
echo "chiso serves http://127.0.0.1:8080 and http://127.0.0.1:8081 (Ctrl-C stops all);"
echo "the leader: curl -sI http://127.0.0.1:8080/readyz | grep -i x-chiso-role"
# Until Ctrl-C: an instance that dies (kill one to watch the other take over
# the lease within the session timeout) leaves the rest running.
wait "${pids[@]}"
