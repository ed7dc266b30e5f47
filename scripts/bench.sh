#!/usr/bin/env bash
# `make bench`: install what is missing (wrk, ZooKeeper too), build release,
# start a throwaway ClickHouse on free loopback ports, run every benchmark
# part (target/release/chiso-bench) several times, write
# target/bench/report.md, stop ClickHouse. The cluster part starts its own
# two-replica cluster (scripts/cluster.sh) under target/bench/cluster.
# Env: CHISO_BENCH_RUNS (runs of each part, default 3), CHISO_BENCH_NO_CLUSTER=1
# (skip the cluster part), CARGO_TARGET_DIR (where cargo builds).
# Extra arguments go to `chiso-bench run` (e.g. --runs 1 --duration-secs 5 --scale 4).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/deps.sh wrk zookeeper
# chiso too: the freshness and failover parts run the real `chiso` binary.
cargo build --release --quiet -p chiso-bench -p chiso --bins

# Where cargo put the binaries: CARGO_TARGET_DIR when set (shared caches, CI), else target/.
bin_dir=${CARGO_TARGET_DIR:-target}/release

mkdir -p target/bench
dir=$(mktemp -d "${TMPDIR:-/tmp}/chiso-bench-ch.XXXXXX")
cleanup() { scripts/clickhouse.sh stop "$dir" >/dev/null 2>&1 || true; rm -rf "$dir"; }
trap cleanup EXIT INT TERM

url=$(scripts/clickhouse.sh start "$dir" | tail -n1)
echo "bench ClickHouse at $url ($dir)"

# The web server's session secret: any 32+ characters (nothing is signed that outlives the run).
# Reads at ten times the data outlast the shipped 60 s ClickHouse timeout.
CHISO_CLICKHOUSE_TIMEOUT_SECS=600 CHISO_SESSION_SECRET=$(head -c 32 /dev/urandom | base64) \
    "$bin_dir/chiso-bench" --clickhouse-url "$url" run \
    --clickhouse-dir "$dir" --out target/bench/report.md --notes docs/bench-notes.md "$@"
