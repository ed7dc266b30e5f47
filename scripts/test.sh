#!/usr/bin/env bash
# `make test`: install what is missing, start a throwaway ClickHouse on a free
# loopback port in a temporary directory, lint, run every test against it, stop it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# chromium + chromium-driver: the browser test (tests/it/browser.rs).
scripts/deps.sh chromium chromium-driver

dir=$(mktemp -d "${TMPDIR:-/tmp}/chiso-test-ch.XXXXXX")
cluster=$(mktemp -d "${TMPDIR:-/tmp}/chiso-test-cluster.XXXXXX")
cleanup() {
    scripts/clickhouse.sh stop "$dir" >/dev/null 2>&1 || true
    scripts/cluster.sh stop "$cluster" >/dev/null 2>&1 || true
    rm -rf "$dir" "$cluster"
}
trap cleanup EXIT INT TERM

url=$(scripts/clickhouse.sh start "$dir" | tail -n1)
echo "test ClickHouse at $url ($dir)"
export CHISO_TEST_CLICKHOUSE_URL=$url
# tests/it/common: analyst users are written into this server's users.d.
export CHISO_TEST_CLICKHOUSE_DIR=$dir

# tests/it/cluster.rs: two replicas of one shard and ZooKeeper (issue 13);
# the tests kill a replica and stop ZooKeeper in this directory.
mapfile -t addrs < <(scripts/cluster.sh start "$cluster")
echo "test cluster: replicas ${addrs[0]} ${addrs[1]}, ZooKeeper ${addrs[2]} ($cluster)"
export CHISO_TEST_CLUSTER_URLS="${addrs[0]},${addrs[1]}"
export CHISO_TEST_CLUSTER_DIR=$cluster

cargo fmt --all --check
cargo clippy --workspace --all-targets --quiet -- -D warnings
cargo test --workspace --all-targets
