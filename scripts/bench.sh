#!/usr/bin/env bash
# `make bench`: install what is missing (wrk, ZooKeeper too), build release,
# start a throwaway ClickHouse on free loopback ports, run every benchmark
# part (target/release/chiso-bench) several times, write
# target/bench/report.md, stop ClickHouse. The cluster part starts its own
# two-replica cluster (scripts/cluster.sh) beside it, on the same filesystem.
# Env: CHISO_BENCH_RUNS (runs of each part, default 3), CHISO_BENCH_NO_CLUSTER=1
# (skip the cluster part), CARGO_TARGET_DIR (where cargo builds),
# CHISO_BENCH_DATA (where the servers keep their data; default /dev/shm).
# Extra arguments go to `chiso-bench run` (e.g. --runs 1 --duration-secs 5 --scale 4).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/deps.sh wrk zookeeper
# chiso too: the freshness and failover parts run the real `chiso` binary.
cargo build --release --quiet -p chiso-bench -p chiso --bins

# Where cargo put the binaries: CARGO_TARGET_DIR when set (shared caches, CI), else target/.
bin_dir=${CARGO_TARGET_DIR:-target}/release

mkdir -p target/bench
# Where the throwaway servers keep their data: tmpfs when it has room, else
# TMPDIR (CHISO_BENCH_DATA chooses). A disk's own costs are not chiso's: on
# ext4 without a journal (these VMs) every new file scans the inodes deleted
# in the last 30 s, so the collectors' ~1,600 part files cost a second that
# the baseline's ~60 do not (docs/bench-notes.md, "Ingest"). The report's
# first line names the filesystem its figures stand on.
data_root=${CHISO_BENCH_DATA:-}
if [ -z "$data_root" ]; then
    data_root=${TMPDIR:-/tmp}
    if [ "$(stat -f -c %T /dev/shm 2>/dev/null)" = tmpfs ] &&
        [ "$(df -Pk /dev/shm | awk 'NR==2 {print $4}')" -gt $((4 * 1024 * 1024)) ]; then
        data_root=/dev/shm
    fi
fi
dir=$(mktemp -d "$data_root/chiso-bench-ch.XXXXXX")
cluster_dir=$(mktemp -d "$data_root/chiso-bench-cluster.XXXXXX")
cleanup() {
    scripts/clickhouse.sh stop "$dir" >/dev/null 2>&1 || true
    scripts/cluster.sh stop "$cluster_dir" >/dev/null 2>&1 || true
    rm -rf "$dir" "$cluster_dir"
}
trap cleanup EXIT INT TERM

url=$(scripts/clickhouse.sh start "$dir" | tail -n1)
echo "bench ClickHouse at $url ($dir)"

# The web server's session secret: any 32+ characters (nothing is signed that outlives the run).
# Reads at ten times the data outlast the shipped 60 s ClickHouse timeout.
CHISO_CLICKHOUSE_TIMEOUT_SECS=600 CHISO_SESSION_SECRET=$(head -c 32 /dev/urandom | base64) \
    "$bin_dir/chiso-bench" --clickhouse-url "$url" run \
    --clickhouse-dir "$dir" --cluster-dir "$cluster_dir" \
    --out target/bench/report.md --notes docs/bench-notes.md "$@"
